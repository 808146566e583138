//! §5.1 base data: happy paths, each validation rule, atomicity, idempotent re-sync, isolation.

use crate::helpers::*;
use hongxun_gateway::domain::client::ClientKind;
use serde_json::json;
use sqlx::PgPool;

async fn customer(app: &TestApp) -> Identity {
    app.identity(ClientKind::Customer, "C001", "ERP01").await
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

fn products(list: serde_json::Value) -> String {
    json!({ "products": list }).to_string()
}

#[sqlx::test]
async fn an_inventory_org_is_upserted_by_warehouse_and_owner(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer(&app).await;
    let r = app.call(ORG_PATH, &who, &org_request("WH01", "OW01")).await;
    r.expect(200, 200);
    assert!(r.body.get("value").is_none(), "no value, as the seed says");
    app.call(ORG_PATH, &who, &org_request("WH01", "OW02"))
        .await
        .expect(200, 200);
    // Same key again with a new contact: updated in place.
    let changed = org_request("WH01", "OW01").replace("张三", "李四");
    app.call(ORG_PATH, &who, &changed).await.expect(200, 200);
    assert_eq!(count(&pool, "SELECT count(*) FROM inventory_orgs").await, 2);
    let contact: String = sqlx::query_scalar(
        "SELECT contact FROM inventory_orgs WHERE inventory_code='WH01' AND subbase_code='OW01'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(contact, "李四");
}

#[sqlx::test]
async fn every_missing_org_field_is_listed_at_once(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer(&app).await;
    let r = app
        .call(ORG_PATH, &who, r#"{"inventoryCode":"WH01"}"#)
        .await;
    r.expect(2001, 400);
    for f in [
        "inventoryName",
        "subbaseCode",
        "subbaseName",
        "contact",
        "phone",
    ] {
        assert!(
            r.message().contains(&format!("request.{f}: is required")),
            "{}",
            r.message()
        );
    }
    assert_eq!(r.body["value"]["errors"].as_array().unwrap().len(), 5);
}

#[sqlx::test]
async fn org_codes_names_and_phones_follow_section_4(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer(&app).await;
    let mut req: serde_json::Value = serde_json::from_str(&org_request("WH01", "OW01")).unwrap();
    req["inventoryCode"] = " WH01".into();
    req["subbaseCode"] = "X".repeat(51).into();
    req["inventoryName"] = "名".repeat(201).into();
    req["phone"] = "call me".into();
    let r = app.call(ORG_PATH, &who, &req.to_string()).await;
    r.expect(2002, 400);
    let m = r.message();
    assert!(
        m.contains("request.inventoryCode: must not start or end with white space"),
        "{m}"
    );
    assert!(
        m.contains("request.subbaseCode: must be at most 50 characters (got 51)"),
        "{m}"
    );
    assert!(
        m.contains("request.inventoryName: must be at most 200 characters"),
        "{m}"
    );
    assert!(m.contains("request.phone:"), "{m}");
    // Text the gateway never accepts is refused before the field rules, by its path.
    req["address"] = "bad\u{0007}bell".into();
    let r = app.call(ORG_PATH, &who, &req.to_string()).await;
    r.expect(2002, 400);
    assert_eq!(
        r.message(),
        "request.address: must not contain the control character U+0007"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM inventory_orgs").await, 0);
}

#[sqlx::test]
async fn products_are_created_then_unchanged_then_updated(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer(&app).await;
    let batch = products(json!([
        {"itemCode": "SKU-1", "itemName": "杯子", "barCode": "6901234567890", "length": 10.5,
         "grossWeight": 0.125, "price": 19.9, "batchManaged": true, "shelfLifeDays": 365},
        {"itemCode": "SKU-2", "itemName": "盘子"}
    ]));
    let r = app.call(PRODUCT_PATH, &who, &batch).await;
    r.expect(200, 200);
    assert_eq!(
        r.body["value"],
        json!({"created": 2, "updated": 0, "unchanged": 0})
    );

    // A re-sync of the same content (a new call: new timestamp) changes nothing.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = app.call(PRODUCT_PATH, &who, &batch).await;
    assert_eq!(
        r.body["value"],
        json!({"created": 0, "updated": 0, "unchanged": 2})
    );

    // Changing one; absent optional fields keep what is stored.
    let r = app
        .call(
            PRODUCT_PATH,
            &who,
            &products(json!([
                {"itemCode": "SKU-1", "itemName": "马克杯"},
                {"itemCode": "SKU-2", "itemName": "盘子"},
                {"itemCode": "SKU-3", "itemName": "碗", "status": "DISABLED"}
            ])),
        )
        .await;
    assert_eq!(
        r.body["value"],
        json!({"created": 1, "updated": 1, "unchanged": 1})
    );
    let (name, length, weight, batch_managed): (String, Option<rust_decimal::Decimal>, Option<rust_decimal::Decimal>, bool) =
        sqlx::query_as("SELECT item_name, length_cm, gross_weight_kg, batch_managed FROM products WHERE item_code='SKU-1'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(name, "马克杯");
    assert_eq!(length.unwrap().to_string(), "10.50");
    assert_eq!(weight.unwrap().to_string(), "0.125");
    assert!(batch_managed);
}

#[sqlx::test]
async fn one_bad_product_refuses_the_whole_batch_and_names_every_fault(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer(&app).await;
    let r = app
        .call(
            PRODUCT_PATH,
            &who,
            &products(json!([
                {"itemCode": "OK-1", "itemName": "fine"},
                {"itemCode": "BAD-1", "itemName": "x", "grossWeight": 1.2345, "length": -1,
                 "price": 1.001, "shelfLifeDays": 40000, "status": "ACTIVE"},
                {"itemName": "no code"},
                {"itemCode": "OK-1", "itemName": "duplicate"}
            ])),
        )
        .await;
    r.expect(2001, 400);
    let m = r.message();
    for expected in [
        "request.products[1].grossWeight: must have at most 3 decimals",
        "request.products[1].length: must be a number ≥ 0",
        "request.products[1].price: must have at most 2 decimals",
        "request.products[1].shelfLifeDays: must be between 0 and 36500",
        "request.products[1].status: must be one of ENABLED, DISABLED",
        "request.products[2].itemCode: is required",
        "request.products[3].itemCode: duplicates request.products[0].itemCode",
    ] {
        assert!(m.contains(expected), "missing {expected:?} in {m}");
    }
    assert_eq!(
        count(&pool, "SELECT count(*) FROM products").await,
        0,
        "nothing written"
    );
}

#[sqlx::test]
async fn product_batches_hold_one_to_a_hundred_records(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer(&app).await;
    app.call(PRODUCT_PATH, &who, r#"{"products":[]}"#)
        .await
        .expect(2002, 400);
    app.call(PRODUCT_PATH, &who, r#"{}"#)
        .await
        .expect(2001, 400);
    let many: Vec<_> = (0..101)
        .map(|i| json!({"itemCode": format!("S{i}"), "itemName": "n"}))
        .collect();
    let r = app.call(PRODUCT_PATH, &who, &products(json!(many))).await;
    r.expect(2002, 400);
    assert!(r
        .message()
        .contains("request.products: must hold 1–100 entries (got 101)"));
    let hundred: Vec<_> = (0..100)
        .map(|i| json!({"itemCode": format!("S{i}"), "itemName": "n"}))
        .collect();
    let r = app
        .call(PRODUCT_PATH, &who, &products(json!(hundred)))
        .await;
    assert_eq!(r.body["value"]["created"], 100);
}

#[sqlx::test]
async fn consignees_are_upserted_all_or_nothing(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer(&app).await;
    let good = json!({"consigneeCode": "CN-1", "name": "王五", "phone": "021-12345678",
        "provinceName": "上海", "cityName": "上海", "address": "世纪大道1号"});
    let r = app
        .call(
            CONSIGNEE_PATH,
            &who,
            &json!({"consignees": [good, {"consigneeCode": "CN-2", "name": "x"}]}).to_string(),
        )
        .await;
    r.expect(2001, 400);
    for f in ["phone", "provinceName", "cityName", "address"] {
        assert!(
            r.message()
                .contains(&format!("request.consignees[1].{f}: is required")),
            "{}",
            r.message()
        );
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM consignees").await, 0);
    let r = app
        .call(
            CONSIGNEE_PATH,
            &who,
            &json!({"consignees": [good]}).to_string(),
        )
        .await;
    r.expect(200, 200);
    assert_eq!(
        r.body["value"],
        json!({"created": 1, "updated": 0, "unchanged": 0})
    );
    let mut moved = good.clone();
    moved["address"] = "世纪大道2号".into();
    let r = app
        .call(
            CONSIGNEE_PATH,
            &who,
            &json!({"consignees": [moved]}).to_string(),
        )
        .await;
    assert_eq!(
        r.body["value"],
        json!({"created": 0, "updated": 1, "unchanged": 0})
    );
}

#[sqlx::test]
async fn dimensions_update_only_given_fields_of_synced_products(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer(&app).await;
    app.call(
        PRODUCT_PATH,
        &who,
        &products(json!([
            {"itemCode": "SKU-1", "itemName": "a", "length": 10, "width": 5},
            {"itemCode": "SKU-2", "itemName": "b"}
        ])),
    )
    .await
    .expect(200, 200);

    // One unknown code refuses the batch (3004) and names it.
    let r = app
        .call(
            DIMENSION_PATH,
            &who,
            r#"{"items":[{"itemCode":"SKU-1","height":3},{"itemCode":"GHOST","height":1}]}"#,
        )
        .await;
    r.expect(3004, 422);
    assert!(r.message().contains("GHOST"), "{}", r.message());
    assert_eq!(r.body["value"]["missing"]["products"], json!(["GHOST"]));

    // No dimension at all is a missing field.
    app.call(DIMENSION_PATH, &who, r#"{"items":[{"itemCode":"SKU-1"}]}"#)
        .await
        .expect(2001, 400);

    let r = app
        .call(DIMENSION_PATH, &who, r#"{"items":[{"itemCode":"SKU-1","height":3,"grossWeight":1.5},{"itemCode":"SKU-2","volume":100}]}"#)
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"], json!({"updated": 2, "unchanged": 0}));
    let dims: (
        Option<rust_decimal::Decimal>,
        Option<rust_decimal::Decimal>,
        Option<rust_decimal::Decimal>,
    ) = sqlx::query_as(
        "SELECT length_cm, height_cm, gross_weight_kg FROM products WHERE item_code='SKU-1'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(dims.0.unwrap().to_string(), "10.00", "untouched");
    assert_eq!(dims.1.unwrap().to_string(), "3.00");
    assert_eq!(dims.2.unwrap().to_string(), "1.500");
}

#[sqlx::test]
async fn source_systems_of_one_customer_share_its_base_data(pool: PgPool) {
    let app = spawn_app(pool).await;
    let erp = customer(&app).await;
    let wms = app.identity(ClientKind::Customer, "C001", "WMS02").await;
    app.call(
        PRODUCT_PATH,
        &erp,
        &products(json!([{"itemCode": "SKU-1", "itemName": "a"}])),
    )
    .await
    .expect(200, 200);
    app.call(
        DIMENSION_PATH,
        &wms,
        r#"{"items":[{"itemCode":"SKU-1","height":3}]}"#,
    )
    .await
    .expect(200, 200);
}

#[sqlx::test]
async fn another_customer_never_touches_or_sees_these_records(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let a = customer(&app).await;
    let b = app.identity(ClientKind::Customer, "C002", "ERP01").await;
    app.call(ORG_PATH, &a, &org_request("WH01", "OW01"))
        .await
        .expect(200, 200);
    app.call(
        PRODUCT_PATH,
        &a,
        &products(json!([{"itemCode": "SKU-1", "itemName": "A's cup", "length": 10}])),
    )
    .await
    .expect(200, 200);

    // B syncs the very same codes with other content: B gets its own records.
    let r = app
        .call(
            PRODUCT_PATH,
            &b,
            &products(json!([{"itemCode": "SKU-1", "itemName": "B's cup", "length": 99}])),
        )
        .await;
    assert_eq!(
        r.body["value"]["created"], 1,
        "a new record for B, not an update of A's"
    );
    app.call(
        ORG_PATH,
        &b,
        &org_request("WH01", "OW01").replace("张三", "B的联系人"),
    )
    .await
    .expect(200, 200);
    // B's dimension sync only reaches B's product; an item only A has is unknown to B.
    app.call(
        PRODUCT_PATH,
        &a,
        &products(json!([{"itemCode": "ONLY-A", "itemName": "x"}])),
    )
    .await
    .expect(200, 200);
    app.call(
        DIMENSION_PATH,
        &b,
        r#"{"items":[{"itemCode":"ONLY-A","height":1}]}"#,
    )
    .await
    .expect(3004, 422);
    app.call(
        DIMENSION_PATH,
        &b,
        r#"{"items":[{"itemCode":"SKU-1","length":1}]}"#,
    )
    .await
    .expect(200, 200);

    let (name, length): (String, rust_decimal::Decimal) = sqlx::query_as(
        "SELECT item_name, length_cm FROM products WHERE tenant='C001' AND item_code='SKU-1'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (name.as_str(), length.to_string().as_str()),
        ("A's cup", "10.00")
    );
    let contact: String = sqlx::query_scalar(
        "SELECT contact FROM inventory_orgs WHERE tenant='C001' AND inventory_code='WH01'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(contact, "张三");
    assert_eq!(
        count(&pool, "SELECT count(*) FROM products WHERE tenant='C002'").await,
        1
    );
}
