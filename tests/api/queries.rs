//! §5.2 queries and cross-customer isolation of every order endpoint.

use crate::helpers::*;
use crate::orders::*;
use hongxun_gateway::domain::client::Tenant;
use hongxun_gateway::store::inventory::{upsert_vehicle, YardVehicle};
use serde_json::json;
use sqlx::PgPool;

const IN_RESULT: &str = "/dtc/logistics/inOrderResult";
const OUT_RESULT: &str = "/dtc/logistics/outOrderResult";
const VEHICLES: &str = "/dtc/logistics/vehicleInventoryQuery";

#[sqlx::test]
async fn inventory_is_filtered_paged_and_ordered_by_item_then_batch(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer_with_base_data(&app, "C001").await;
    stock(&app, &who, "OW01", "SKU-2", "B2", None, 1).await;
    stock(&app, &who, "OW01", "SKU-1", "B2", None, 2).await;
    stock(&app, &who, "OW01", "SKU-1", "B1", Some("2027-03-01"), 3).await;
    stock(&app, &who, "OW02", "SKU-1", "", None, 4).await;

    let r = app
        .call(INVENTORY, &who, r#"{"inventoryCode":"WH01","pageSize":2}"#)
        .await;
    r.expect(200, 200);
    let v = &r.body["value"];
    assert_eq!(
        (
            v["total"].as_i64(),
            v["pageNo"].as_i64(),
            v["pageSize"].as_i64()
        ),
        (Some(4), Some(1), Some(2))
    );
    let keys: Vec<(String, String)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["itemCode"].as_str().unwrap().into(),
                i["batchCode"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        vec![("SKU-1".into(), "".into()), ("SKU-1".into(), "B1".into())]
    );
    assert_eq!(v["items"][1]["itemName"], "杯子");
    assert_eq!(v["items"][1]["expireDate"], "2027-03-01");

    let r = app
        .call(
            INVENTORY,
            &who,
            r#"{"inventoryCode":"WH01","pageNo":2,"pageSize":2}"#,
        )
        .await;
    assert_eq!(r.body["value"]["items"].as_array().unwrap().len(), 2);
    let r = app.call(INVENTORY, &who, r#"{"inventoryCode":"WH01","subbaseCode":"OW01","itemCodes":["SKU-1"],"batchCode":"B2"}"#).await;
    assert_eq!(r.body["value"]["total"], 1);
    assert_eq!(r.body["value"]["items"][0]["availableQty"], 2);

    app.call(
        INVENTORY,
        &who,
        r#"{"inventoryCode":"WH01","pageSize":101}"#,
    )
    .await
    .expect(2002, 400);
    app.call(INVENTORY, &who, r#"{"pageSize":10}"#)
        .await
        .expect(2001, 400);
    let many: Vec<String> = (0..101).map(|i| format!("S{i}")).collect();
    app.call(
        INVENTORY,
        &who,
        &json!({"inventoryCode": "WH01", "itemCodes": many}).to_string(),
    )
    .await
    .expect(2002, 400);
}

#[sqlx::test]
async fn order_results_show_status_history_and_lines_and_list_unknown_codes(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer_with_base_data(&app, "C001").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    app.call(
        OUT,
        &who,
        &out_order(
            "OUT-1",
            json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 2}]),
        ),
    )
    .await
    .expect(200, 200);
    app.call(
        CANCEL,
        &who,
        &json!({"orderCode": "OUT-1", "orderKind": "OUT"}).to_string(),
    )
    .await
    .expect(200, 200);
    let r = app
        .call(OUT_RESULT, &who, r#"{"orderCodes":["OUT-1","OUT-404"]}"#)
        .await;
    r.expect(200, 200);
    let v = &r.body["value"];
    assert_eq!(v["notFound"], json!(["OUT-404"]));
    let o = &v["orders"][0];
    assert_eq!(o["status"], "CANCELLED");
    let statuses: Vec<&str> = o["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["CREATED", "CANCELLED"]);
    assert_eq!(o["lines"][0]["planQty"], 2);
    assert_eq!(o["lines"][0]["actualQty"], 0);
    assert!(o["confirmations"].as_array().unwrap().is_empty());
    // An outbound code is not an inbound order.
    let r = app
        .call(IN_RESULT, &who, r#"{"orderCodes":["OUT-1"]}"#)
        .await;
    assert_eq!(r.body["value"]["notFound"], json!(["OUT-1"]));
    app.call(IN_RESULT, &who, r#"{"orderCodes":[]}"#)
        .await
        .expect(2002, 400);
    let many: Vec<String> = (0..51).map(|i| format!("X{i}")).collect();
    app.call(IN_RESULT, &who, &json!({"orderCodes": many}).to_string())
        .await
        .expect(2002, 400);
}

#[sqlx::test]
async fn vehicle_inventory_pages_and_filters_the_yard(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    let r = app
        .call(VEHICLES, &who, r#"{"inventoryCode":"YARD1"}"#)
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["total"], 0);
    let mut conn = pool.acquire().await.unwrap();
    for (vin, status) in [
        ("LSVAU2180N2183291", "IN_YARD"),
        ("LSVAU2180N2183292", "IN_YARD"),
        ("LSVAU2180N2183293", "OUTBOUND"),
    ] {
        let v = YardVehicle {
            vin,
            inventory_code: "YARD1",
            brand: Some("上汽大众"),
            model: None,
            color: None,
            status,
        };
        upsert_vehicle(&mut conn, &Tenant("C001".into()), &v)
            .await
            .unwrap();
    }
    let r = app
        .call(
            VEHICLES,
            &who,
            r#"{"inventoryCode":"YARD1","status":"IN_YARD","pageSize":1}"#,
        )
        .await;
    assert_eq!(r.body["value"]["total"], 2);
    assert_eq!(r.body["value"]["items"][0]["vin"], "LSVAU2180N2183291");
    let r = app
        .call(
            VEHICLES,
            &who,
            r#"{"inventoryCode":"YARD1","vin":"LSVAU2180N2183293"}"#,
        )
        .await;
    assert_eq!(r.body["value"]["items"][0]["status"], "OUTBOUND");
    app.call(
        VEHICLES,
        &who,
        r#"{"inventoryCode":"YARD1","status":"PARKED"}"#,
    )
    .await
    .expect(2002, 400);
    let other = customer_with_base_data(&app, "C002").await;
    let r = app
        .call(VEHICLES, &other, r#"{"inventoryCode":"YARD1"}"#)
        .await;
    assert_eq!(
        r.body["value"]["total"], 0,
        "another customer's yard stays invisible"
    );
}

#[sqlx::test]
async fn another_customer_cannot_see_or_change_these_orders(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let a = customer_with_base_data(&app, "C001").await;
    let b = customer_with_base_data(&app, "C002").await;
    stock(&app, &a, "OW01", "PHONE", "", None, 5).await;
    app.call(
        OUT,
        &a,
        &out_order(
            "A-OUT",
            json!([{"lineNo": "1", "itemCode": "PHONE", "planQty": 2}]),
        ),
    )
    .await
    .expect(200, 200);
    let in_body = json!({"orderCode": "A-IN", "orderType": "CGRK", "inventoryCode": "WH01", "subbaseCode": "OW01",
        "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1}]});
    app.call(IN, &a, &in_body.to_string())
        .await
        .expect(200, 200);

    // B's stock is its own: A's units do not exist for B.
    let r = app.call(INVENTORY, &b, r#"{"inventoryCode":"WH01"}"#).await;
    assert_eq!(r.body["value"]["total"], 0);
    app.call(
        OUT,
        &b,
        &out_order(
            "B-OUT",
            json!([{"lineNo": "1", "itemCode": "PHONE", "planQty": 1}]),
        ),
    )
    .await
    .expect(3005, 409);
    // A's codes are unknown to B everywhere.
    for (kind, code) in [("OUT", "A-OUT"), ("IN", "A-IN")] {
        app.call(
            CANCEL,
            &b,
            &json!({"orderCode": code, "orderKind": kind}).to_string(),
        )
        .await
        .expect(3001, 404);
    }
    app.call(LPN, &b, &json!({"orderCode": "A-IN", "lpns": [{"lpnCode": "P1", "items": [{"itemCode": "SKU-1", "qty": 1}]}]}).to_string())
        .await
        .expect(3001, 404);
    app.call(
        SERIALS,
        &b,
        &json!({"orderCode": "A-OUT", "items": [{"lineNo": "1", "snCodes": ["X"]}]}).to_string(),
    )
    .await
    .expect(3001, 404);
    let r = app
        .call(OUT_RESULT, &b, r#"{"orderCodes":["A-OUT"]}"#)
        .await;
    assert_eq!(r.body["value"]["notFound"], json!(["A-OUT"]));
    let r = app.call(IN_RESULT, &b, r#"{"orderCodes":["A-IN"]}"#).await;
    assert_eq!(r.body["value"]["notFound"], json!(["A-IN"]));
    // B may use the same order code for its own order.
    app.call(IN, &b, &in_body.to_string())
        .await
        .expect(200, 200);
    // A's order is untouched by all of this.
    let status: String =
        sqlx::query_scalar("SELECT status FROM orders WHERE tenant='C001' AND order_code='A-OUT'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "CREATED");
}

/// The inventory answer's exact text (keys in order, nulls kept), and a page past the end that
/// still tells the total: the page and the count come from one statement (#21).
#[sqlx::test]
async fn inventory_answer_text_is_pinned_and_a_page_past_the_end_keeps_the_total(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer_with_base_data(&app, "C001").await;
    stock(&app, &who, "OW01", "SKU-1", "B1", Some("2027-03-01"), 3).await;
    stock(&app, &who, "OW02", "SKU-1", "", None, 4).await;
    let text = app
        .call_text(INVENTORY, &who, r#"{"inventoryCode":"WH01","pageSize":5}"#)
        .await;
    assert_eq!(text, PINNED_INVENTORY_ANSWER, "the answer's text changed");

    let r = app
        .call(
            INVENTORY,
            &who,
            r#"{"inventoryCode":"WH01","pageNo":3,"pageSize":1}"#,
        )
        .await;
    r.expect(200, 200);
    assert_eq!(
        r.body["value"],
        json!({"total": 2, "pageNo": 3, "pageSize": 1, "items": []})
    );
    let r = app
        .call(INVENTORY, &who, r#"{"inventoryCode":"NOWHERE"}"#)
        .await;
    assert_eq!(
        r.body["value"],
        json!({"total": 0, "pageNo": 1, "pageSize": 50, "items": []})
    );
}

/// Captured from the build before the typed answer (its keys were a JSON map's, sorted).
const PINNED_INVENTORY_ANSWER: &str = r#"{"code":200,"message":"success","flag":true,"value":{"items":[{"availableQty":4,"batchCode":null,"expireDate":null,"inventoryCode":"WH01","inventoryType":"ZP","itemCode":"SKU-1","itemName":"杯子","onHandQty":4,"productDate":null,"reservedQty":0,"subbaseCode":"OW02"},{"availableQty":3,"batchCode":"B1","expireDate":"2027-03-01","inventoryCode":"WH01","inventoryType":"ZP","itemCode":"SKU-1","itemName":"杯子","onHandQty":3,"productDate":null,"reservedQty":0,"subbaseCode":"OW01"}],"pageNo":1,"pageSize":5,"total":2},"requestId":"RID"}"#;
