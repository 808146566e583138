//! 3TMS as its real clients send and read it (#24): the seed's "may be left empty" fields taken
//! as given, the class a client read sent back as it is (nulls and freight extras included),
//! the seed's own error texts, and its 404 for what it does not serve.

use crate::helpers::*;
use crate::tms_support::*;
use crate::tms_waybills::{create_one, waybill};
use serde_json::{json, Value};
use sqlx::PgPool;

const CREATE: &str = "/order/create_order";
const FIND: &str = "/order/find_order/v2";
const MODIFY: &str = "/order/modify_order";

#[sqlx::test]
async fn an_organisation_path_no_tree_holds_and_an_empty_goods_name_are_accepted(pool: PgPool) {
    let app = spawn_app(pool).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;
    let t = sign_in(&app, "shipper1", "pa55word").await;
    // The seed's OrderEntity example: "organizationPath": "0-11" while the tree is the root
    // alone, and goods named "".
    let mut w = waybill("ORG-1", "13800000001");
    w["organizationPath"] = json!("0-11");
    // …and a quantity as the seed types it, a double.
    w["cargoList"] = json!([{"name": "", "quantity": 1.5, "weight": 2.0}]);
    let number = create_one(&app, &t, w).await;
    let found =
        ok(&post(&app, FIND, Some(&t), false, json!({"orderNumber": number})).await).clone();
    assert_eq!(found[0]["organizationPath"], "0-11", "{found}");
    assert_eq!(found[0]["cargoes"][0]["quantity"], 1.5, "{found}");
    assert_eq!(found[0]["cargoes"][0]["name"], "", "{found}");
    // A malformed path is still refused, naming the field.
    let mut bad = waybill("ORG-2", "13800000001");
    bad["organizationPath"] = json!("x-1");
    failed(
        &post(&app, CREATE, Some(&t), false, json!({"orderList": [bad]})).await,
        400,
        500,
        "orderList[0].organizationPath",
    );
}

#[sqlx::test]
async fn the_class_a_client_read_goes_back_as_it_is(pool: PgPool) {
    let app = spawn_app(pool).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;
    let t = sign_in(&app, "shipper1", "pa55word").await;
    let number = create_one(&app, &t, waybill("RT-1", "13800000002")).await;
    let found =
        ok(&post(&app, FIND, Some(&t), false, json!({"orderNumber": number})).await).clone();
    let mut extra = found[0]["extraFields"].clone();
    assert!(
        extra.get("uppay2").is_some() && extra.get("pay6").is_some(),
        "{extra}"
    );
    // Jackson sends the fields it has no value for as null.
    for k in ["uppay1", "pay1", "note3"] {
        extra[k] = Value::Null;
    }
    extra["uppay2"] = json!("5.5");
    let mut again = waybill("RT-2", "13800000002");
    again["extraFields"] = extra;
    let second = create_one(&app, &t, again).await;
    let read = ok(&post(&app, FIND, Some(&t), false, json!({"orderNumber": second})).await).clone();
    assert_eq!(read[0]["extraFields"]["uppay2"], "5.5", "{read}");
    assert_eq!(read[0]["extraFields"]["note1"], "备注一", "{read}");
    // An unknown key is refused only when it carries a value.
    let mut unknown = waybill("RT-3", "13800000002");
    unknown["extraFields"] = json!({"bogus": null, "note2": "x"});
    ok(&post(
        &app,
        CREATE,
        Some(&t),
        false,
        json!({"orderList": [unknown]}),
    )
    .await);
    let mut unknown = waybill("RT-4", "13800000002");
    unknown["extraFields"] = json!({"bogus": "x"});
    failed(
        &post(
            &app,
            CREATE,
            Some(&t),
            false,
            json!({"orderList": [unknown]}),
        )
        .await,
        400,
        500,
        "orderList[0].extraFields.bogus: is not one of note1…note12",
    );
}

#[sqlx::test]
async fn errors_carry_the_seeds_own_text_and_unknown_methods_its_404(pool: PgPool) {
    let app = spawn_app(pool).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;
    let t = sign_in(&app, "shipper1", "pa55word").await;
    let r = post(
        &app,
        MODIFY,
        Some(&t),
        false,
        json!({"orderNumber": "9999999999999999", "order": {"note": "x"}}),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"status": 500, "message": "订单9999999999999999不存在"})
    );
    // A served path with a method it does not serve: the seed's 404, not 鸿讯's 2003.
    let r = app
        .http
        .get(format!("{}{CREATE}?access_token={t}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"status": 404, "message": "接口不存在"})
    );
}

/// The waybill's times are the events' own: a carrier's node time, not when the gateway heard
/// of it (a sign-off posted the next morning still says when it was signed).
#[sqlx::test]
async fn a_waybills_times_are_the_carriers_node_times(pool: PgPool) {
    use hongxun_gateway::domain::client::ClientKind;
    let app = spawn_app(pool).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;
    let t = sign_in(&app, "shipper1", "pa55word").await;
    let number = create_one(&app, &t, waybill("TIME-1", "13800000003")).await;
    let ops = app.ops_token("dispatch").await;
    let trip = app
        .ops(
            Some(&ops),
            "POST",
            "/ops/v1/customers/CUST1/trips",
            json!({"waybills": [number], "plateNo": "浙A1", "carrierCode": "SF"}),
        )
        .await;
    assert_eq!(trip.status, 200, "{}", trip.body);
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    for (node, at) in [
        ("PICKUP", "2026-11-30 08:00:00"),
        ("SIGNED", "2026-11-30 15:00:00"),
    ] {
        app.call(
            "/dtc/carrier/route",
            &sf,
            &json!({"waybillNo": number, "routes": [{"nodeType": node, "nodeTime": at,
                "description": node, "operator": "王师傅"}]})
            .to_string(),
        )
        .await
        .expect(200, 200);
    }
    let w = ok(&post(&app, FIND, Some(&t), false, json!({"orderNumber": number})).await).clone();
    // 2026-11-30 08:00 and 15:00 at UTC+08:00, in epoch seconds.
    assert_eq!(w[0]["shipmentTime"], 1_795_996_800, "{}", w[0]);
    assert_eq!(w[0]["signedTime"], 1_796_022_000, "{}", w[0]);
}

/// The GET form of `query_customer_orders` sends `organizationPaths` too: repeated, or one
/// comma-separated value.
#[sqlx::test]
async fn the_get_form_of_the_slip_query_takes_organisation_paths(pool: PgPool) {
    let app = spawn_app(pool).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;
    let t = sign_in(&app, "shipper1", "pa55word").await;
    let mut a = crate::tms_slips::slip("P-1", None);
    a["organizationPath"] = json!("0-11");
    let mut b = crate::tms_slips::slip("P-2", None);
    b["organizationPath"] = json!("0-12");
    ok(&post(
        &app,
        "/customer_order/create_customer_order",
        Some(&t),
        false,
        json!({"orders": [a, b]}),
    )
    .await);
    for q in [
        "organizationPaths=0-11",
        "organizationPaths=0-11,0-12",
        "organizationPaths=0-11&organizationPaths=0-12",
    ] {
        let r = app
            .http
            .get(format!(
                "{}/customer_order/query_customer_orders?access_token={t}&{q}",
                app.base
            ))
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        let want = if q.contains("0-12") { 2 } else { 1 };
        assert_eq!(v["data"]["total"], want, "{q}: {v}");
    }
}

/// A waybill that names no organisation shows the shipper's root, whatever the tree calls it.
#[sqlx::test]
async fn a_waybill_without_a_path_shows_the_trees_root(pool: PgPool) {
    let app = spawn_app(pool).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;
    let t = sign_in(&app, "shipper1", "pa55word").await;
    let ops = app.ops_token("floor").await;
    app.ops(
        Some(&ops),
        "PUT",
        "/ops/v1/customers/CUST1/tms/organizations",
        json!({"nodes": [{"nodeId": 0, "name": "总部", "path": "0-0"},
                         {"nodeId": 11, "name": "网点1", "path": "0-0-11"}]}),
    )
    .await
    .expect(200, 200);
    let mut w = waybill("ROOT-1", "13800000004");
    w.as_object_mut().unwrap().remove("organizationPath");
    let number = create_one(&app, &t, w).await;
    let found =
        ok(&post(&app, FIND, Some(&t), false, json!({"orderNumber": number})).await).clone();
    assert_eq!(found[0]["organizationPath"], "0-0", "{}", found[0]);
}
