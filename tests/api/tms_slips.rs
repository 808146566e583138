//! 3TMS acceptance slips: create (idempotent by originalOrderNumber), query, update (whole,
//! segments follow), split by dispatch into segments, completion when the last segment is
//! signed, cancel, tracker unbinding, and the 600/601/602 callbacks at a real receiver.

use crate::helpers::*;
use crate::tms_support::*;
use hongxun_gateway::domain::client::ClientKind;
use serde_json::{json, Value};
use sqlx::PgPool;

const CREATE: &str = "/customer_order/create_customer_order";
const UPDATE: &str = "/customer_order/update_customer_order";
const QUERY: &str = "/customer_order/query_customer_orders";
const CANCEL: &str = "/customer_order/cancel_customer_orders";
const UNBIND: &str = "/customer_order/batch_unbind_devices";
const DEVICE: &str = "868120223404879";

pub fn slip(original: &str, device: Option<&str>) -> Value {
    let mut v = json!({
        "consignerName": "发货方", "consignerPhone": "15657103156",
        "consignerAddress": "浙江省杭州市西湖区计量大厦",
        "consignerLocation": {"lng": 120.12564, "lat": 30.277438},
        "consigneeName": "收货方", "consigneePhone": "13912345678",
        "consigneeAddress": "江苏省无锡市滨湖区太湖鼋头渚风景区",
        "originalOrderNumber": original, "deliveryTime": 1573178874, "appointArriveTime": 1573278874,
        "deliveryType": 1, "startAddress": "杭州", "endAddress": "无锡",
        "note1": "自定义一", "organizationPath": "0", "receiptCount": 1, "remarks": "备注",
        "shipperPay": 10.2, "shipperPayType": 7, "paymentCollect": 111,
        "cargoList": [{"name": "MacBook Air", "quantity": 2, "weight": 3, "volume": 4, "value": 5,
                       "productModel": "xxx", "note1": "7", "note2": "8"}]
    });
    if let Some(d) = device {
        v["deviceNumber"] = json!(d);
    }
    v
}

fn route(number: &str, node: &str, at: &str) -> String {
    json!({"waybillNo": number, "routes": [
        {"nodeType": node, "nodeTime": at, "description": format!("{node} 无锡"), "operator": "签收人"}
    ]})
    .to_string()
}

fn done(a: &Answer) {
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body, json!({"code": 200, "message": null}));
}

/// A shipper's account, signed in, with a verifying receiver subscribed to slip `states`;
/// returns its access token and receiver.
async fn subscribed_shipper(
    app: &TestApp,
    tenant: &str,
    user: &str,
    states: &str,
) -> (String, TmsReceiver) {
    let secret = account_with_secret(app, tenant, user, "pa55word").await;
    let token = sign_in(app, user, "pa55word").await;
    let receiver = TmsReceiver::start(&secret).await;
    done(
        &post(
            app,
            "/customer_order/subscribe",
            Some(&token),
            false,
            json!({"states": states, "callbackUrl": receiver.url, "xhkID": format!("XHK-{user}")}),
        )
        .await,
    );
    (token, receiver)
}

#[sqlx::test]
async fn a_slip_is_split_followed_and_done_when_its_last_segment_is_signed(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let (token, receiver) = subscribed_shipper(&app, "CUST1", "shipper1", "600,601,602").await;

    // Created; a retry answers the same numbers; other content under the same original
    // order number is refused.
    let body = json!({"orders": [slip("O-1", Some(DEVICE)), slip("O-2", None)]});
    let numbers = ok(&post(&app, CREATE, Some(&token), false, body.clone()).await).clone();
    let (s1, s2) = (
        numbers[0].as_str().unwrap().to_string(),
        numbers[1].as_str().unwrap().to_string(),
    );
    assert!(s1.starts_with('S') && s1.len() == 17, "{s1}");
    assert_eq!(
        ok(&post(&app, CREATE, Some(&token), false, body).await),
        &numbers
    );
    let mut other = slip("O-1", Some(DEVICE));
    other["remarks"] = json!("别的");
    failed(
        &post(
            &app,
            CREATE,
            Some(&token),
            false,
            json!({"orders": [other]}),
        )
        .await,
        400,
        500,
        "originalOrderNumber O-1",
    );

    // Listed as 待处理 with the seed's members.
    let d = ok(&post(&app, QUERY, Some(&token), false, json!({"state": 1000})).await).clone();
    assert_eq!(d["total"], 2, "{d}");
    let e = d["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["order"]["number"] == json!(s1))
        .unwrap()
        .clone();
    let o = &e["order"];
    assert_eq!(o["originalOrderNumber"], "O-1");
    assert_eq!(o["state"], 1000);
    assert_eq!(o["consigner"]["phone"], "15657103156");
    assert_eq!(
        o["consignee"]["address"]["address"],
        "江苏省无锡市滨湖区太湖鼋头渚风景区"
    );
    assert_eq!(
        o["cargo"],
        json!({"name": "MacBook Air", "quantity": 2.0, "weight": 3.0, "volume": 4.0,
        "value": 5.0, "remarks": "xxx", "note1": "7", "note2": "8", "note3": "", "note4": "", "note5": "", "note6": ""})
    );
    assert_eq!(o["freightIn"], json!({"payType": 7, "amount": 10.2}));
    assert_eq!(o["note1"], "自定义一");
    assert_eq!(o["deliveryTime"], 1573178874);
    assert_eq!(o["currentBindDevice"], DEVICE);
    assert_eq!(o["bindStatusName"], "已绑定");
    assert_eq!(o["finished"], false);
    assert_eq!(e["cargoes"][0]["customerOrderNumber"], json!(s1));
    for key in [
        "uppay12",
        "createOrganizationPath",
        "lastSignTime",
        "estimatedArriveTime",
        "departured",
    ] {
        assert!(o.get(key).is_some(), "{key} missing");
    }
    let d = ok(&post(
        &app,
        QUERY,
        Some(&token),
        false,
        json!({"originalOrderNumber": "O-2"}),
    )
    .await)
    .clone();
    assert_eq!(d["elements"][0]["order"]["number"], json!(s2));
    let d = ok(&post(
        &app,
        QUERY,
        Some(&token),
        false,
        json!({"deviceNumber": DEVICE, "organizationPaths": ["0"]}),
    )
    .await)
    .clone();
    assert_eq!(d["total"], 1);

    // Dispatch splits slip 1: a pickup to the station, then a transfer from it.
    let ops = app.ops_token("dispatch").await;
    let station =
        json!({"name": "杭州中转站", "phone": "0571-88888888", "address": "杭州市余杭区中转站"});
    let r = app
        .ops(
            Some(&ops),
            "POST",
            &format!("/ops/v1/customers/CUST1/slips/{s1}/segments"),
            json!({
        "segments": [{"segmentType": 0, "to": station}, {"segmentType": 1, "from": station}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let legs: Vec<String> = r.body["value"]["transportNos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert_eq!(legs.len(), 2);
    let d = ok(&post(&app, QUERY, Some(&token), false, json!({"state": 2000})).await).clone();
    assert_eq!(d["elements"][0]["order"]["number"], json!(s1));

    // Segments change through their slip: modify_order is refused, an update flows down.
    failed(
        &post(
            &app,
            "/order/modify_order",
            Some(&token),
            false,
            json!({"orderNumber": legs[0], "order": {"note": "x"}}),
        )
        .await,
        400,
        500,
        "请使用更新受理单接口修改",
    );
    let mut changed = slip("O-1", Some(DEVICE));
    changed["remarks"] = json!("改过的备注");
    let r = post(
        &app,
        UPDATE,
        Some(&token),
        false,
        json!({"number": s1, "order": changed}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({"code": 200, "message": null, "data": null}));
    let w = ok(&post(
        &app,
        "/order/find_order/v2",
        Some(&token),
        false,
        json!({"orderNumber": legs.join(",")}),
    )
    .await)
    .clone();
    let leg = |n: &str| {
        w.as_array()
            .unwrap()
            .iter()
            .find(|x| x["number"] == json!(n))
            .unwrap()
            .clone()
    };
    assert_eq!(leg(&legs[0])["note"], "改过的备注");
    assert_eq!(
        leg(&legs[0])["consignees"][0]["name"],
        "杭州中转站",
        "the leg keeps its own end"
    );
    assert_eq!(leg(&legs[1])["consigner"]["name"], "杭州中转站");
    assert_eq!(leg(&legs[1])["consignees"][0]["name"], "收货方");
    assert_eq!(leg(&legs[1])["customerOrderNumber"], "O-1");

    // The tracker reports: 602 for slip 1.
    let r = app.ops(Some(&ops), "POST", &format!("/ops/v1/trackers/{DEVICE}/points"), json!({
        "gpsTime": 1572329163, "lat": 22.5739258, "lng": 113.9215763, "locateType": 2,
        "location": "广东省 深圳市 宝安区 留仙一路", "runStatus": 1, "speed": 0, "temperature": 23})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["value"]["slips"], 1);

    // Both legs on a trip; the first signed: still in progress; the second: done.
    app.ops(
        Some(&ops),
        "POST",
        "/ops/v1/customers/CUST1/trips",
        json!({"waybills": legs, "plateNo": "浙A1", "carrierCode": "SF"}),
    )
    .await;
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    app.call(
        "/dtc/carrier/route",
        &sf,
        &route(&legs[0], "SIGNED", "2026-11-30 10:00:00"),
    )
    .await
    .expect(200, 200);
    let d = ok(&post(&app, QUERY, Some(&token), false, json!({"number": s1})).await).clone();
    assert_eq!(d["elements"][0]["order"]["state"], 2000);
    assert!(d["elements"][0]["order"]["firstSignTime"].is_i64());
    app.call(
        "/dtc/carrier/route",
        &sf,
        &route(&legs[1], "SIGNED", "2026-11-30 16:00:00"),
    )
    .await
    .expect(200, 200);
    let d = ok(&post(&app, QUERY, Some(&token), false, json!({"state": 3000})).await).clone();
    assert_eq!(d["total"], 1);
    assert_eq!(d["elements"][0]["order"]["number"], json!(s1));
    assert_eq!(d["elements"][0]["order"]["finished"], true);

    // The callbacks.
    // Split, tracker, two accepted, two signed (600 ×5, 602, 601).
    let all = receiver.wait_for(7).await;
    let finished: Vec<&Value> = all.iter().filter(|c| c["subscribeState"] == 601).collect();
    assert_eq!(finished.len(), 1, "{all:#?}");
    assert_eq!(finished[0]["customerOrderNumber"], json!(s1));
    assert_eq!(finished[0]["isFinished"], true);
    assert_eq!(finished[0]["orderState"], 3000);
    // The last segment's sign time as the carrier gave it (2026-11-30 16:00 at UTC+08:00).
    assert_eq!(
        finished[0]["lastSignTime"], 1_796_025_600,
        "{}",
        finished[0]
    );
    assert_eq!(finished[0]["arrivedTime"], 1_796_025_600, "{}", finished[0]);
    let gps: Vec<&Value> = all.iter().filter(|c| c["subscribeState"] == 602).collect();
    assert_eq!(gps.len(), 1);
    assert_eq!(gps[0]["customerOrderNumbers"], json!([s1]));
    assert_eq!(gps[0]["gpsInfo"]["device"], DEVICE);
    assert_eq!(gps[0]["gpsInfo"]["lat"], 22.5739258);
    assert_eq!(gps[0]["gpsInfo"]["locateType"], 2);
    let tracks: Vec<&Value> = all.iter().filter(|c| c["subscribeState"] == 600).collect();
    assert!(tracks.len() >= 5, "{all:#?}");
    for t in &tracks {
        assert_eq!(t["customerOrderNumber"], json!(s1));
        assert_eq!(t["originalOrderNumber"], "O-1");
        for key in [
            "messageTimeStamp",
            "trackContent",
            "transferOrderNumber",
            "orderState",
        ] {
            assert!(t.get(key).is_some(), "{key} missing from {t}");
        }
    }
    assert!(tracks
        .iter()
        .any(|t| t["trackContent"].as_str().unwrap().contains("已签收")
            && t["transferOrderNumber"] == json!(legs[1])));

    // The segments are transport orders of the tenant in the 鸿讯 query.
    let erp = app.identity(ClientKind::Customer, "CUST1", "ERP").await;
    let r = app
        .call(
            "/dtc/logistics/transportOrderResult",
            &erp,
            &json!({"orderCodes": [format!("{s1}-1")]}).to_string(),
        )
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["orders"][0]["status"], "SIGNED");
    assert_eq!(
        r.body["value"]["orders"][0]["transport"]["segment"]["slipNumber"],
        json!(s1)
    );

    // Cancel: slip 2 (pending) yes, slip 1 (done) no, an unknown number named.
    let r = post(
        &app,
        CANCEL,
        Some(&token),
        false,
        json!({"numbers": format!("{s1},{s2},S0000000000000000")}),
    )
    .await;
    failed(&r, 400, 500, &format!("{s1}: 已完成,不能撤销"));
    let msg = r.body["message"].as_str().unwrap();
    assert!(
        msg.contains("S0000000000000000: 受理单不存在") && msg.contains(&format!("已撤销: {s2}")),
        "{msg}"
    );
    let d = ok(&post(&app, QUERY, Some(&token), false, json!({"state": 0})).await).clone();
    assert_eq!(d["elements"][0]["order"]["number"], json!(s2));
    failed(
        &post(
            &app,
            UPDATE,
            Some(&token),
            false,
            json!({"number": s2, "order": slip("O-2", None)}),
        )
        .await,
        400,
        500,
        "已撤销",
    );

    // Trackers unbound: all or none, the seed's texts.
    failed(
        &post(
            &app,
            UNBIND,
            Some(&token),
            false,
            json!({"orders": [s1, s2]}),
        )
        .await,
        400,
        500,
        &format!("受理单{s2}未绑定设备!"),
    );
    failed(
        &post(&app, UNBIND, Some(&token), false, json!({"orders": ["S9"]})).await,
        400,
        500,
        "受理单不存在!",
    );
    let r = post(&app, UNBIND, Some(&token), false, json!({"orders": [s1]})).await;
    assert_eq!(r.body, json!({"code": 200, "message": null, "data": {}}));
    let d = ok(&post(&app, QUERY, Some(&token), false, json!({"number": s1})).await).clone();
    assert!(d["elements"][0]["order"]["currentBindDevice"].is_null());
    assert_eq!(d["elements"][0]["order"]["bindDevices"], json!([DEVICE]));

    // Refusals name the field; another shipper sees none of it.
    let many: Vec<Value> = (0..51).map(|i| slip(&format!("M-{i}"), None)).collect();
    failed(
        &post(&app, CREATE, Some(&token), false, json!({"orders": many})).await,
        400,
        500,
        "orders: must hold 1–50",
    );
    let mut bad = slip("B-1", None);
    bad.as_object_mut().unwrap().remove("consignerName");
    bad["note13"] = json!("ignored unknown member");
    bad["deliveryType"] = json!(9);
    let r = post(&app, CREATE, Some(&token), false, json!({"orders": [bad]})).await;
    failed(&r, 400, 500, "orders[0].consignerName: is required");
    failed(&r, 400, 500, "orders[0].deliveryType");
    failed(
        &post(&app, QUERY, Some(&token), false, json!({"state": 5})).await,
        400,
        500,
        "state",
    );
    account(&app, "CUST2", "other", "pa55word").await;
    let t2 = sign_in(&app, "other", "pa55word").await;
    assert_eq!(
        ok(&post(&app, QUERY, Some(&t2), false, json!({})).await)["total"],
        0
    );
    failed(
        &post(
            &app,
            UPDATE,
            Some(&t2),
            false,
            json!({"number": s1, "order": slip("X", None)}),
        )
        .await,
        400,
        500,
        "不存在",
    );
    failed(
        &post(&app, UNBIND, Some(&t2), false, json!({"orders": [s1]})).await,
        400,
        500,
        "受理单不存在!",
    );
    let r = app
        .ops(
            Some(&ops),
            "POST",
            &format!("/ops/v1/customers/CUST2/slips/{s1}/segments"),
            json!({"segments": [{"segmentType": 2}]}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
}

#[sqlx::test]
async fn a_tracker_is_held_by_one_shipper_and_its_points_reach_only_that_shipper(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let mut shippers = Vec::new();
    for (tenant, user) in [("CUST1", "shipper1"), ("CUST2", "shipper2")] {
        shippers.push(subscribed_shipper(&app, tenant, user, "602").await);
    }
    let (a, b) = (&shippers[0], &shippers[1]);
    let a_numbers = ok(&post(
        &app,
        CREATE,
        Some(&a.0),
        false,
        json!({"orders": [slip("A-1", Some(DEVICE))]}),
    )
    .await)
    .clone();

    // B naming A's tracker is refused, in a new slip and in an update of its own.
    let refused = post(
        &app,
        CREATE,
        Some(&b.0),
        false,
        json!({"orders": [slip("B-1", Some(DEVICE))]}),
    )
    .await;
    failed(
        &refused,
        400,
        500,
        &format!("设备{DEVICE}已绑定其他货主的受理单"),
    );
    let b_numbers = ok(&post(
        &app,
        CREATE,
        Some(&b.0),
        false,
        json!({"orders": [slip("B-1", None)]}),
    )
    .await)
    .clone();
    let b1 = b_numbers[0].as_str().unwrap().to_string();
    failed(
        &post(
            &app,
            UPDATE,
            Some(&b.0),
            false,
            json!({"number": b1, "order": slip("B-1", Some(DEVICE))}),
        )
        .await,
        400,
        500,
        "已绑定其他货主",
    );

    // A point reaches A's slip only.
    let ops = app.ops_token("trackers").await;
    let r = app
        .ops(
            Some(&ops),
            "POST",
            &format!("/ops/v1/trackers/{DEVICE}/points"),
            json!({
        "gpsTime": 1572329163, "lat": 22.5739258, "lng": 113.9215763, "locateType": 2,
        "location": "广东省 深圳市", "runStatus": 1, "speed": 0, "temperature": 23}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["value"]["slips"], 1);
    let got = a.1.wait_for(1).await;
    assert_eq!(got[0]["subscribeState"], 602);
    assert_eq!(
        got[0]["customerOrderNumbers"],
        json!([a_numbers[0]]),
        "{}",
        got[0]
    );
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(
        b.1.callbacks().is_empty(),
        "B heard nothing: {:?}",
        b.1.callbacks()
    );

    // Once A's slip is cancelled the tracker is free for B.
    done(
        &post(
            &app,
            CANCEL,
            Some(&a.0),
            false,
            json!({"numbers": a_numbers[0]}),
        )
        .await,
    );
    let r = post(
        &app,
        UPDATE,
        Some(&b.0),
        false,
        json!({"number": b1, "order": slip("B-1", Some(DEVICE))}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// A slip cancelled after dispatch split it: its callbacks say 0 (已撤销), as a query after does.
#[sqlx::test]
async fn a_cancelled_slip_is_called_back_as_cancelled(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let (token, receiver) = subscribed_shipper(&app, "CUST1", "shipper1", "600,601").await;
    let numbers = ok(&post(
        &app,
        CREATE,
        Some(&token),
        false,
        json!({"orders": [slip("C-1", None)]}),
    )
    .await)
    .clone();
    let s1 = numbers[0].as_str().unwrap().to_string();
    let ops = app.ops_token("dispatch").await;
    let r = app
        .ops(
            Some(&ops),
            "POST",
            &format!("/ops/v1/customers/CUST1/slips/{s1}/segments"),
            json!({"segments": [{"segmentType": 2}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = receiver.wait_for(1).await.len();
    done(&post(&app, CANCEL, Some(&token), false, json!({"numbers": s1})).await);
    let all = receiver.wait_for(before + 1).await;
    let last = all.last().unwrap();
    assert_eq!(last["subscribeState"], 600, "{last}");
    assert_eq!(last["orderState"], 0, "the callback says cancelled: {last}");
    let q = ok(&post(&app, QUERY, Some(&token), false, json!({"number": s1})).await).clone();
    assert_eq!(q["elements"][0]["order"]["state"], 0);
}
