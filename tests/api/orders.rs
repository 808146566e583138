//! §5.2 orders: creation of the four kinds, idempotency, reservations (also under real
//! concurrency), cancellation in each status, LPN, serial numbers, the ledger, isolation.

use crate::helpers::*;
use hongxun_gateway::domain::client::{ClientKind, Tenant};
use hongxun_gateway::service;
use hongxun_gateway::store::inventory::{BalanceKey, StockChange};
use serde_json::{json, Value};
use sqlx::PgPool;

pub const IN: &str = "/dtc/logistics/inOrder";
pub const OUT: &str = "/dtc/logistics/outOrder";
pub const PROPERTY: &str = "/dtc/logistics/propertyOrder";
pub const TRANSPORT: &str = "/dtc/logistics/transportOrder";
pub const CANCEL: &str = "/dtc/logistics/cancelOrder";
pub const LPN: &str = "/dtc/logistics/lpn";
pub const SERIALS: &str = "/dtc/logistics/serialCodes";
pub const INVENTORY: &str = "/dtc/logistics/inventoryQuery";

/// A customer with WH01/OW01, WH01/OW02, products SKU-1, SKU-2 and the serial-managed PHONE.
pub async fn customer_with_base_data(app: &TestApp, create_by: &str) -> Identity {
    let who = app.identity(ClientKind::Customer, create_by, "ERP01").await;
    for owner in ["OW01", "OW02"] {
        app.call(ORG_PATH, &who, &org_request("WH01", owner))
            .await
            .expect(200, 200);
    }
    let products = json!({"products": [
        {"itemCode": "SKU-1", "itemName": "杯子"},
        {"itemCode": "SKU-2", "itemName": "盘子"},
        {"itemCode": "PHONE", "itemName": "手机", "serialManaged": true}
    ]});
    app.call(PRODUCT_PATH, &who, &products.to_string())
        .await
        .expect(200, 200);
    who
}

/// Puts stock on hand through the inventory service (the write receipts and adjustments use).
pub async fn stock(
    app: &TestApp,
    who: &Identity,
    owner: &str,
    item: &str,
    batch: &str,
    expire: Option<&str>,
    qty: i64,
) {
    let mut changes = [StockChange {
        key: BalanceKey {
            inventory_code: "WH01".into(),
            subbase_code: owner.into(),
            item_code: item.into(),
            inventory_type: "ZP".into(),
            batch_code: batch.into(),
        },
        product_date: None,
        expire_date: expire.map(|d| d.parse().unwrap()),
        delta: qty,
        reason: "ADJUSTMENT",
        order_id: None,
        reference: Some("test stock"),
    }];
    service::inventory::change_stock(&app.pool, &Tenant(who.create_by.clone()), &mut changes)
        .await
        .unwrap();
}

pub fn out_order(code: &str, lines: Value) -> String {
    json!({
        "orderCode": code, "orderType": "JYCK", "inventoryCode": "WH01", "subbaseCode": "OW01",
        "receiver": {"name": "王五", "phone": "13900000000", "provinceName": "上海", "cityName": "上海", "address": "世纪大道1号"},
        "items": lines
    })
    .to_string()
}

pub fn in_order(code: &str) -> String {
    json!({
        "orderCode": code, "orderType": "CGRK", "inventoryCode": "WH01", "subbaseCode": "OW01",
        "expectedArriveTime": "2026-12-01 10:00:00", "extendProps": {"po": "PO-1"},
        "items": [{"lineNo": 1, "itemCode": "SKU-1", "planQty": 10}, {"lineNo": "2", "itemCode": "SKU-2", "planQty": 5}]
    })
    .to_string()
}

async fn available(app: &TestApp, who: &Identity, item: &str) -> (i64, i64) {
    let r = app
        .call(
            INVENTORY,
            who,
            &json!({"inventoryCode": "WH01", "subbaseCode": "OW01", "itemCodes": [item]})
                .to_string(),
        )
        .await;
    r.expect(200, 200);
    let items = r.body["value"]["items"].as_array().unwrap().clone();
    let sum = |f: &str| items.iter().map(|i| i[f].as_i64().unwrap()).sum::<i64>();
    (sum("reservedQty"), sum("availableQty"))
}

#[sqlx::test]
async fn an_inbound_order_is_created_once_and_recognised_when_sent_again(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    let r = app.call(IN, &who, &in_order("IN-1")).await;
    r.expect(200, 200);
    let v = &r.body["value"];
    assert_eq!(v["orderCode"], "IN-1");
    assert_eq!(v["status"], "CREATED");
    let hx = v["hxOrderNo"].as_str().unwrap().to_string();
    assert!(hx.starts_with("HXI") && hx.len() == 17, "{hx}");

    // The same content, serialised differently and signed anew: the existing order.
    let same: Value = serde_json::from_str(&in_order("IN-1")).unwrap();
    let reordered = serde_json::to_string_pretty(&same).unwrap();
    let r = app.call(IN, &who, &reordered).await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["hxOrderNo"], hx.as_str());
    assert!(r.message().contains("already exists"), "{}", r.message());

    // Different content under the same code: 3002.
    let changed = in_order("IN-1").replace("\"planQty\":10", "\"planQty\":11");
    let r = app.call(IN, &who, &changed).await;
    r.expect(3002, 409);
    assert!(r.message().contains(&hx), "{}", r.message());
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM order_lines")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[sqlx::test]
async fn order_fields_types_and_references_are_checked(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer_with_base_data(&app, "C001").await;
    let bad = json!({
        "orderCode": "IN-2", "orderType": "JYCK", "inventoryCode": "WH01", "subbaseCode": "OW01",
        "expectedArriveTime": "tomorrow",
        "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 0},
                  {"lineNo": "1", "itemCode": "SKU-2", "planQty": 1, "inventoryType": "XX",
                   "productDate": "2026-02-01", "expireDate": "2026-01-01"}]
    });
    let r = app.call(IN, &who, &bad.to_string()).await;
    r.expect(2002, 400);
    let m = r.message();
    for expected in [
        "request.orderType: JYCK is a OUT order type",
        "request.expectedArriveTime:",
        "request.items[0].planQty: must be a positive integer (got 0)",
        "request.items[1].lineNo: duplicates request.items[0].lineNo",
        "request.items[1].inventoryType: must be one of ZP, CC",
        "request.items[1].expireDate: must not be before productDate",
    ] {
        assert!(m.contains(expected), "missing {expected:?} in {m}");
    }
    let unsynced = in_order("IN-3")
        .replace("\"OW01\"", "\"OW99\"")
        .replace("SKU-2", "GHOST");
    let r = app.call(IN, &who, &unsynced).await;
    r.expect(3004, 422);
    assert_eq!(
        r.body["value"]["missing"]["inventoryOrgs"],
        json!(["WH01/OW99"])
    );
    assert_eq!(r.body["value"]["missing"]["products"], json!(["GHOST"]));
}

#[sqlx::test]
async fn outbound_orders_reserve_fifo_by_expiry_or_refuse_with_the_shortfall(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    stock(&app, &who, "OW01", "SKU-1", "LATE", Some("2027-12-31"), 5).await;
    stock(&app, &who, "OW01", "SKU-1", "EARLY", Some("2027-01-31"), 5).await;
    stock(&app, &who, "OW01", "SKU-2", "", None, 2).await;

    let r = app
        .call(
            OUT,
            &who,
            &out_order(
                "OUT-1",
                json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 7}]),
            ),
        )
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["status"], "CREATED");
    let held: Vec<(String, i64)> = sqlx::query_as(
        "SELECT batch_code, reserved FROM inventory_balances WHERE item_code='SKU-1' ORDER BY batch_code",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        held,
        vec![("EARLY".into(), 5), ("LATE".into(), 2)],
        "earliest expiry first"
    );

    // Short: 3005 listing each short line; nothing reserved.
    let r = app
        .call(
            OUT,
            &who,
            &out_order(
                "OUT-2",
                json!([
                    {"lineNo": "1", "itemCode": "SKU-1", "planQty": 4},
                    {"lineNo": "2", "itemCode": "SKU-2", "planQty": 2}
                ]),
            ),
        )
        .await;
    r.expect(3005, 409);
    assert_eq!(
        r.body["value"]["shortages"],
        json!([{"lineNo": "1", "itemCode": "SKU-1", "inventoryType": "ZP", "batchCode": null, "requested": 4, "available": 3}])
    );
    assert_eq!(available(&app, &who, "SKU-2").await, (0, 2));

    // With allowBackorder: BACKORDERED, reserving what is there.
    let mut body: Value = serde_json::from_str(&out_order(
        "OUT-3",
        json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 4}]),
    ))
    .unwrap();
    body["allowBackorder"] = true.into();
    let r = app.call(OUT, &who, &body.to_string()).await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["status"], "BACKORDERED");
    assert_eq!(available(&app, &who, "SKU-1").await, (10, 0));

    // A pinned batch takes only that batch.
    stock(&app, &who, "OW01", "SKU-2", "B9", None, 3).await;
    let r = app
        .call(
            OUT,
            &who,
            &out_order(
                "OUT-4",
                json!([{"lineNo": "1", "itemCode": "SKU-2", "planQty": 3, "batchCode": "B9"}]),
            ),
        )
        .await;
    r.expect(200, 200);
}

#[sqlx::test]
async fn concurrent_orders_for_the_last_units_never_oversell(pool: PgPool) {
    let pool = wide_pool(&pool, 32).await;
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    stock(&app, &who, "OW01", "SKU-1", "A", Some("2027-01-01"), 6).await;
    stock(&app, &who, "OW01", "SKU-1", "B", Some("2027-02-01"), 4).await;
    // 24 orders of 1 or 2 units compete for 10 units, all at once: the stock rows are held
    // until all 24 wait for them inside their transactions.
    let mut hold = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM inventory_balances FOR UPDATE")
        .execute(&mut *hold)
        .await
        .unwrap();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..24 {
        let qty = 1 + (i % 2);
        let body = signed_body(
            &who,
            &hongxun_gateway::auth::timestamp::format(app.now()),
            None,
            &out_order(
                &format!("RACE-{i}"),
                json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": qty}]),
            ),
        );
        let http = app.http.clone();
        let url = format!("{}{OUT}", app.base);
        set.spawn(async move {
            let r = http.post(url).body(body).send().await.unwrap();
            let v: Value = r.json().await.unwrap();
            (v["code"].as_i64().unwrap(), qty)
        });
    }
    wait_for_lock_waiters(&pool, 24).await;
    hold.rollback().await.unwrap();
    let results = set.join_all().await;
    let granted: i64 = results
        .iter()
        .filter(|(c, _)| *c == 200)
        .map(|(_, q)| q)
        .sum();
    assert!(
        results.iter().all(|(c, _)| *c == 200 || *c == 3005),
        "{results:?}"
    );
    assert!(granted <= 10, "oversold: {granted} of 10");
    assert!(
        granted >= 9,
        "stock left unreserved while orders were refused: {granted}"
    );
    let (reserved, on_hand): (i64, i64) =
        sqlx::query_as("SELECT SUM(reserved)::int8, SUM(on_hand)::int8 FROM inventory_balances")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((reserved, on_hand), (granted, 10));
}

#[sqlx::test]
async fn cancellation_depends_on_the_order_status(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 10).await;
    for code in ["OUT-1", "OUT-2", "OUT-3"] {
        app.call(
            OUT,
            &who,
            &out_order(
                code,
                json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 3}]),
            ),
        )
        .await
        .expect(200, 200);
    }
    assert_eq!(available(&app, &who, "SKU-1").await, (9, 1));
    let cancel = |code: &str| {
        json!({"orderCode": code, "orderKind": "OUT", "reason": "客户取消"}).to_string()
    };

    // Nothing physical happened: cancelled now, reservation released.
    let r = app.call(CANCEL, &who, &cancel("OUT-1")).await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["cancelStatus"], "CANCELLED");
    assert_eq!(available(&app, &who, "SKU-1").await, (6, 4));
    // Again: still CANCELLED, nothing released twice.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = app.call(CANCEL, &who, &cancel("OUT-1")).await;
    assert_eq!(r.body["value"]["cancelStatus"], "CANCELLED");
    assert_eq!(available(&app, &who, "SKU-1").await, (6, 4));

    // Work started: the warehouse decides; the reservation stays.
    set_status(&pool, "OUT-2", "PROCESSING").await;
    let r = app.call(CANCEL, &who, &cancel("OUT-2")).await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["cancelStatus"], "PENDING");
    assert_eq!(order_status(&pool, "OUT-2").await, "CANCEL_PENDING");
    assert_eq!(available(&app, &who, "SKU-1").await, (6, 4));

    // Too late: 3003 naming the status.
    set_status(&pool, "OUT-3", "SHIPPED").await;
    let r = app.call(CANCEL, &who, &cancel("OUT-3")).await;
    r.expect(3003, 409);
    assert!(r.message().contains("SHIPPED"), "{}", r.message());

    app.call(CANCEL, &who, &cancel("NOPE"))
        .await
        .expect(3001, 404);
    app.call(
        CANCEL,
        &who,
        &json!({"orderCode": "OUT-1", "orderKind": "SIDEWAYS"}).to_string(),
    )
    .await
    .expect(2002, 400);
    // An order code is per kind: OUT-1 is not an inbound order.
    app.call(
        CANCEL,
        &who,
        &json!({"orderCode": "OUT-1", "orderKind": "IN"}).to_string(),
    )
    .await
    .expect(3001, 404);
    let history: Vec<String> = sqlx::query_scalar(
        "SELECT e.status FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.order_code='OUT-1' ORDER BY e.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(history, vec!["CREATED", "CANCELLED"]);
}

/// Moves an order's status as the warehouse side (ops API) will.
async fn set_status(pool: &PgPool, code: &str, status: &str) {
    let mut conn = pool.acquire().await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM orders WHERE order_code = $1")
        .bind(code)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    hongxun_gateway::store::orders::set_status(&mut conn, id, status, None, None, None)
        .await
        .unwrap();
}

async fn order_status(pool: &PgPool, code: &str) -> String {
    sqlx::query_scalar("SELECT status FROM orders WHERE order_code = $1")
        .bind(code)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn the_ledger_rebuilds_every_balance(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    stock(&app, &who, "OW01", "SKU-1", "A", Some("2027-01-01"), 8).await;
    stock(&app, &who, "OW01", "SKU-1", "B", None, 8).await;
    stock(&app, &who, "OW01", "SKU-2", "", None, 4).await;
    stock(&app, &who, "OW01", "SKU-2", "", None, -1).await;
    for (i, qty) in [3, 6, 2].into_iter().enumerate() {
        app.call(
            OUT,
            &who,
            &out_order(
                &format!("L-{i}"),
                json!([
                    {"lineNo": "1", "itemCode": "SKU-1", "planQty": qty},
                    {"lineNo": "2", "itemCode": "SKU-2", "planQty": 1}
                ]),
            ),
        )
        .await
        .expect(200, 200);
    }
    app.call(
        CANCEL,
        &who,
        &json!({"orderCode": "L-1", "orderKind": "OUT"}).to_string(),
    )
    .await
    .expect(200, 200);
    let mismatches: i64 = sqlx::query_scalar(
        r#"SELECT count(*) FROM inventory_balances b
             LEFT JOIN (SELECT balance_id, SUM(on_hand_delta) AS oh, SUM(reserved_delta) AS rs
                          FROM inventory_movements GROUP BY balance_id) m ON m.balance_id = b.id
            WHERE b.on_hand <> COALESCE(m.oh, 0) OR b.reserved <> COALESCE(m.rs, 0)"#,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(mismatches, 0);
    let reserved: i64 = sqlx::query_scalar("SELECT SUM(reserved)::int8 FROM inventory_balances")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        reserved,
        3 + 2 + 2,
        "L-0 and L-2 hold their lines; L-1 released"
    );
}

#[sqlx::test]
async fn property_orders_reserve_the_giving_owner_and_need_a_synced_receiver(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer_with_base_data(&app, "C001").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    let order = |to: &str, qty: i64| {
        json!({"orderCode": format!("P-{to}-{qty}"), "orderType": "WQZY", "inventoryCode": "WH01",
               "subbaseCode": "OW01", "toSubbaseCode": to,
               "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": qty}]})
        .to_string()
    };
    let r = app.call(PROPERTY, &who, &order("OW02", 4)).await;
    r.expect(200, 200);
    assert!(r.body["value"]["hxOrderNo"]
        .as_str()
        .unwrap()
        .starts_with("HXP"));
    assert_eq!(available(&app, &who, "SKU-1").await, (4, 1));
    app.call(PROPERTY, &who, &order("OW02", 2))
        .await
        .expect(3005, 409);
    let r = app.call(PROPERTY, &who, &order("OW77", 1)).await;
    r.expect(3004, 422);
    assert_eq!(
        r.body["value"]["missing"]["inventoryOrgs"],
        json!(["WH01/OW77"])
    );
    app.call(PROPERTY, &who, &order("OW01", 1))
        .await
        .expect(2002, 400);
}

#[sqlx::test]
async fn transport_orders_check_addresses_vehicles_and_related_orders(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer_with_base_data(&app, "C001").await;
    let addr = json!({"name": "张三", "phone": "13800138000", "provinceName": "上海", "cityName": "上海", "address": "外高桥1号", "lng": 121.6, "lat": 31.3});
    let base = json!({"orderCode": "T-1", "orderType": "SPCYS", "consigner": addr, "consignee": addr,
        "pickupTime": "2026-12-01 08:00:00", "cargoList": [{"name": "轿车", "quantity": 2}]});
    let r = app.call(TRANSPORT, &who, &base.to_string()).await;
    r.expect(2001, 400);
    assert!(
        r.message()
            .contains("request.vehicles: is required for SPCYS"),
        "{}",
        r.message()
    );

    let mut bad = base.clone();
    bad["vehicles"] =
        json!([{"vin": "LSVAU2180N2183294"}, {"vin": "LSVAU2180N2183294"}, {"vin": "SHORT"}]);
    bad["consignee"]["lat"] = json!(95.0);
    let r = app.call(TRANSPORT, &who, &bad.to_string()).await;
    r.expect(2002, 400);
    for expected in [
        "request.vehicles[1].vin: duplicates",
        "request.vehicles[2].vin:",
        "request.consignee.lat:",
    ] {
        assert!(
            r.message().contains(expected),
            "missing {expected:?} in {}",
            r.message()
        );
    }

    let mut good = base.clone();
    good["vehicles"] = json!([{"vin": "LSVAU2180N2183294", "brand": "上汽大众"}]);
    good["relatedOrderCode"] = "NO-SUCH-OUT".into();
    app.call(TRANSPORT, &who, &good.to_string())
        .await
        .expect(3001, 404);
    good.as_object_mut().unwrap().remove("relatedOrderCode");
    let r = app.call(TRANSPORT, &who, &good.to_string()).await;
    r.expect(200, 200);
    assert!(r.body["value"]["hxOrderNo"]
        .as_str()
        .unwrap()
        .starts_with("HXT"));
}

#[sqlx::test]
async fn lpns_fit_the_inbound_plan_and_replace_by_code(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    app.call(IN, &who, &in_order("IN-1")).await.expect(200, 200);
    let lpn = |code: &str, qty: i64| json!({"lpnCode": code, "items": [{"itemCode": "SKU-1", "qty": qty}]});
    let r = app
        .call(
            LPN,
            &who,
            &json!({"orderCode": "IN-1", "lpns": [lpn("P1", 6), lpn("P2", 4)]}).to_string(),
        )
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["lpnCodes"], json!(["P1", "P2"]));

    // One more unit of SKU-1 would exceed the plan of 10.
    let r = app
        .call(
            LPN,
            &who,
            &json!({"orderCode": "IN-1", "lpns": [lpn("P3", 1)]}).to_string(),
        )
        .await;
    r.expect(2002, 400);
    assert!(
        r.message()
            .contains("item SKU-1: 11 announced over all LPNs, 10 planned"),
        "{}",
        r.message()
    );
    // Replacing P1 with fewer units makes room.
    app.call(
        LPN,
        &who,
        &json!({"orderCode": "IN-1", "lpns": [lpn("P1", 5), lpn("P3", 1)]}).to_string(),
    )
    .await
    .expect(200, 200);
    let total: i64 = sqlx::query_scalar("SELECT SUM(qty)::int8 FROM lpn_items")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(total, 10);

    let stranger = json!({"lpnCode": "P9", "items": [{"itemCode": "PHONE", "qty": 1}]});
    let r = app
        .call(
            LPN,
            &who,
            &json!({"orderCode": "IN-1", "lpns": [stranger]}).to_string(),
        )
        .await;
    r.expect(2002, 400);
    assert!(r
        .message()
        .contains("request.lpns[0].items[0].itemCode: PHONE is not on order IN-1"));
    app.call(
        LPN,
        &who,
        &json!({"orderCode": "IN-404", "lpns": [lpn("P1", 1)]}).to_string(),
    )
    .await
    .expect(3001, 404);
    app.call(
        CANCEL,
        &who,
        &json!({"orderCode": "IN-1", "orderKind": "IN"}).to_string(),
    )
    .await
    .expect(200, 200);
    app.call(
        LPN,
        &who,
        &json!({"orderCode": "IN-1", "lpns": [lpn("P1", 1)]}).to_string(),
    )
    .await
    .expect(3003, 409);
}

#[sqlx::test]
async fn serial_numbers_bind_to_one_open_order_at_a_time(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer_with_base_data(&app, "C001").await;
    stock(&app, &who, "OW01", "PHONE", "", None, 10).await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 10).await;
    for code in ["S-1", "S-2"] {
        app.call(
            OUT,
            &who,
            &out_order(
                code,
                json!([
                    {"lineNo": "1", "itemCode": "PHONE", "planQty": 2},
                    {"lineNo": "2", "itemCode": "SKU-1", "planQty": 1}
                ]),
            ),
        )
        .await
        .expect(200, 200);
    }
    let bind = |code: &str, line: &str, sns: Value| {
        json!({"orderCode": code, "items": [{"lineNo": line, "snCodes": sns}]}).to_string()
    };
    let r = app
        .call(
            SERIALS,
            &who,
            &bind("S-1", "1", json!(["IMEI-1", "IMEI-2"])),
        )
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["bound"], 2);
    // Sending them again is harmless.
    let r = app
        .call(SERIALS, &who, &bind("S-1", "1", json!(["IMEI-2"])))
        .await;
    assert_eq!(r.body["value"]["alreadyBound"], 1);
    // More than planned.
    let r = app
        .call(SERIALS, &who, &bind("S-1", "1", json!(["IMEI-3"])))
        .await;
    r.expect(2002, 400);
    assert!(
        r.message().contains("would hold 3 SNs; it plans 2"),
        "{}",
        r.message()
    );
    // Bound to another open order.
    let r = app
        .call(SERIALS, &who, &bind("S-2", "1", json!(["IMEI-1"])))
        .await;
    r.expect(2002, 400);
    assert!(
        r.message()
            .contains("IMEI-1 is already bound to open order S-1"),
        "{}",
        r.message()
    );
    // Not a serial-managed item; no such line.
    let r = app
        .call(SERIALS, &who, &bind("S-2", "2", json!(["X-1"])))
        .await;
    assert!(
        r.message().contains("SKU-1 is not serial-managed"),
        "{}",
        r.message()
    );
    app.call(SERIALS, &who, &bind("S-2", "9", json!(["X-1"])))
        .await
        .expect(2002, 400);
    // Once S-1 is cancelled its SNs are free again.
    app.call(
        CANCEL,
        &who,
        &json!({"orderCode": "S-1", "orderKind": "OUT"}).to_string(),
    )
    .await
    .expect(200, 200);
    app.call(SERIALS, &who, &bind("S-2", "1", json!(["IMEI-1"])))
        .await
        .expect(200, 200);
}
