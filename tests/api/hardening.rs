//! Issue "Hardening": each item with a test that failed before its fix. Text the database
//! cannot hold, replays scoped to their endpoint, DWS barcodes naming several packages,
//! retried warehouse changes, the commit-aware deadline, one lock order, the contract.

use crate::carrier::{b64, jpeg, shipped_order};
use crate::helpers::*;
use crate::orders::{customer_with_base_data, out_order, stock, CANCEL, IN, LPN, OUT, TRANSPORT};
use crate::pushes::customer;
use hongxun_gateway::auth::timestamp;
use hongxun_gateway::domain::client::ClientKind;
use hongxun_gateway::state::Clock;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::time::Duration;

const DWS: &str = "/dtc/device/dws";
const IMAGE: &str = "/dtc/carrier/signImage";
const ADJUST: &str = "/ops/v1/inventory/adjustments";

fn in_order(code: &str, plan: i64) -> Value {
    json!({"orderCode": code, "orderType": "CGRK", "inventoryCode": "WH01", "subbaseCode": "OW01",
           "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": plan}]})
}

fn hx(r: &Reply) -> String {
    r.body["value"]["hxOrderNo"]
        .as_str()
        .unwrap_or_else(|| panic!("no hxOrderNo: {:#}", r.body))
        .to_string()
}

// ------------------------------------------------------------------ 1. text hygiene

#[sqlx::test]
async fn nul_in_the_envelope_identity_is_refused_before_any_lookup(pool: PgPool) {
    let app = spawn_app(pool).await;
    for (field, who) in [("createBy", "C\u{0}1"), ("dataSource", "ERP\u{0}")] {
        let mut env = json!({"createBy": "C001", "dataSource": "ERP01",
            "timestamp": timestamp::format(app.now()), "sign": "X", "request": {}});
        env[field] = who.into();
        let r = app.post_raw(IN, env.to_string()).await;
        r.expect(2002, 400);
        assert_eq!(
            r.message(),
            format!("{field}: must not contain NUL (U+0000)")
        );
    }
}

#[sqlx::test]
async fn nul_in_extend_props_is_refused_by_its_path(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    let mut req = in_order("IN-1", 1);
    req["extendProps"] = json!({"channel": "a\u{0}b"});
    let r = app.call(IN, &who, &req.to_string()).await;
    r.expect(2002, 400);
    assert_eq!(
        r.message(),
        "request.extendProps.channel: must not contain NUL (U+0000)"
    );
    req["extendProps"] = json!({"k\u{0}": "v"});
    let r = app.call(IN, &who, &req.to_string()).await;
    r.expect(2002, 400);
    assert!(
        r.message().contains("request.extendProps (a key)"),
        "{}",
        r.message()
    );
    assert_eq!(app.count("SELECT count(*) FROM orders").await, 0);
}

#[sqlx::test]
async fn unknown_members_never_fail_a_request_and_are_not_stored(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    let mut req = in_order("IN-1", 1);
    req["futureField\u{0}"] = "\u{0}\u{85}".into();
    req["nested"] = json!({"deep": ["\u{0}"]});
    let r = app.call(IN, &who, &req.to_string()).await;
    r.expect(200, 200);
    let stored: Value = sqlx::query_scalar("SELECT request FROM orders")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(stored.get("nested").is_none(), "{stored}");
    assert_eq!(stored["orderCode"], "IN-1");
    // The same order without the unknown members is the same order.
    let r = app.call(IN, &who, &in_order("IN-1", 1).to_string()).await;
    r.expect(200, 200);
    assert!(r.message().contains("already exists"), "{}", r.message());
}

#[sqlx::test]
async fn path_and_query_parameters_with_control_characters_are_refused(pool: PgPool) {
    let app = spawn_app(pool).await;
    let token = app.ops_token("floor").await;
    // The guard names the part it refused (the database's backstop would say "(a text
    // value)"); the POST carries a valid body, so nothing else can refuse it.
    for (path, field) in [
        ("/ops/v1/orders/HX%00X", "path"),
        ("/ops/v1/orders/HX%C2%85X/start", "path"),
        ("/ops/v1/pushes?status=dead%00", "query.status"),
        ("/ops/v1/orders/%FF", "path"),
    ] {
        let method = if path.ends_with("start") {
            "POST"
        } else {
            "GET"
        };
        let r = app.ops_with(&token, method, path, "{}", &[]).await;
        r.expect(2002, 400);
        assert!(
            r.message().starts_with(&format!("{field}: ")),
            "{path}: {}",
            r.message()
        );
    }
    let r = app.post_raw("/dtc/logistics/inOrder?x=%00", "{}").await;
    r.expect(2002, 400);
    assert_eq!(r.message(), "query.x: must not contain NUL (U+0000)");
}

// ------------------------------------------------------------------ 2. replays per endpoint

#[sqlx::test]
async fn the_same_signed_body_sent_to_two_endpoints_takes_effect_on_both(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = app.identity(ClientKind::Customer, "C001", "ERP01").await;
    let request = r#"{"products":[{"itemCode":"SKU-9","itemName":"碗"}],"items":[{"itemCode":"SKU-9","grossWeight":1.5}]}"#;
    let body = signed_body(&who, &timestamp::format(app.now()), None, request);
    let r = app.post_raw(PRODUCT_PATH, body.clone()).await;
    r.expect(200, 200);
    let r = app.post_raw(DIMENSION_PATH, body.clone()).await;
    r.expect(200, 200);
    assert_eq!(r.header("idempotent-replayed"), None);
    let w: Option<rust_decimal::Decimal> =
        sqlx::query_scalar("SELECT gross_weight_kg FROM products WHERE item_code = 'SKU-9'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(w.map(|d| d.to_string()), Some("1.500".into()));
    // Each endpoint still recognises its own replay.
    let r = app.post_raw(DIMENSION_PATH, body).await;
    assert_eq!(r.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.count("SELECT count(*) FROM replay_keys").await, 2);
}

#[sqlx::test]
async fn replay_keys_are_pruned_once_no_replay_can_arrive(pool: PgPool) {
    let app = spawn_app_with(pool.clone(), Clock::System, |s| {
        s.auth.timestamp_window_secs = 1;
        s.oms.timestamp_window_secs = 1;
        s.auth.replay_margin_secs = 0;
        s.server.housekeeping_interval_secs = 1;
    })
    .await;
    let who = app.identity(ClientKind::Customer, "C001", "ERP01").await;
    app.call(ORG_PATH, &who, &org_request("WH01", "OW01"))
        .await
        .expect(200, 200);
    assert_eq!(app.count("SELECT count(*) FROM replay_keys").await, 1);
    let mut left = 1;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        left = app.count("SELECT count(*) FROM replay_keys").await;
        if left == 0 {
            break;
        }
    }
    assert_eq!(left, 0, "the key outlived 2 × window + margin");
}

// ------------------------------------------------------------------ 3. DWS

async fn scan(app: &TestApp, dws: &Identity, barcode: &str, at: &str) -> Value {
    let body = json!({"deviceCode": "LINE-1", "scans": [{"barcode": barcode, "weight": 1.1, "scanTime": at}]});
    let r = app.call(DWS, dws, &body.to_string()).await;
    r.expect(200, 200);
    r.body["value"]["results"][0].clone()
}

async fn measured(pool: &PgPool) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT tenant, package_no, measured_weight_kg::text FROM packages ORDER BY tenant, package_no",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn a_package_number_two_customers_use_measures_neither_package(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let token = app.ops_token("floor").await;
    for c in ["CA", "CB"] {
        let who = customer_with_base_data(&app, c).await;
        stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
        shipped_order(&app, &who, &token, "OUT-1", "PX1", &format!("SF-{c}")).await;
    }
    let dws = app.identity(ClientKind::Device, "HX-DWS", "LINE-1").await;
    let r = scan(&app, &dws, "PX1", "2026-11-25 09:00:00").await;
    assert_eq!(r["matched"], false);
    assert_eq!(r["reason"], "AMBIGUOUS");
    assert!(r["orderCode"].is_null());
    assert!(measured(&pool).await.iter().all(|m| m.2.is_none()));
    assert_eq!(
        app.count("SELECT count(*) FROM dws_scans WHERE match_status = 'AMBIGUOUS' AND package_id IS NULL").await,
        1
    );
    // A waybill wins over another customer's package number.
    let r = scan(&app, &dws, "SF-CA", "2026-11-25 09:00:01").await;
    assert_eq!(
        (r["matched"].as_bool(), r["orderCode"].as_str()),
        (Some(true), Some("OUT-1"))
    );
    let m = measured(&pool).await;
    assert_eq!(m[0], ("CA".into(), "PX1".into(), Some("1.100".into())));
    assert_eq!(m[1].2, None);
}

#[sqlx::test]
async fn late_matching_follows_the_same_rule(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let token = app.ops_token("floor").await;
    let who = customer_with_base_data(&app, "CA").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    let dws = app.identity(ClientKind::Device, "HX-DWS", "LINE-1").await;
    let r = scan(&app, &dws, "SF-SHARED", "2026-11-25 09:00:00").await;
    assert_eq!(
        (r["matched"].as_bool(), r["reason"].as_str()),
        (Some(false), Some("NO_PACKAGE"))
    );
    let r = scan(&app, &dws, "SF-ONE", "2026-11-25 09:00:01").await;
    assert_eq!(r["reason"], "NO_PACKAGE");
    // One shipment: two packages under one waybill, and one package alone.
    let r = app
        .call(
            OUT,
            &who,
            &out_order(
                "OUT-1",
                json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 3}]),
            ),
        )
        .await;
    let hx = hx(&r);
    app.ops(Some(&token), "POST", &format!("/ops/v1/orders/{hx}/shipments"), json!({"confirmType": "FINAL",
        "packages": [
            {"packageNo": "P1", "waybillNo": "SF-SHARED", "weight": 1.0, "items": [{"lineNo": "1", "qty": 1}]},
            {"packageNo": "P2", "waybillNo": "SF-SHARED", "weight": 1.0, "items": [{"lineNo": "1", "qty": 1}]},
            {"packageNo": "P3", "waybillNo": "SF-ONE", "weight": 1.0, "items": [{"lineNo": "1", "qty": 1}]}]}))
        .await
        .expect(200, 200);
    let statuses: Vec<(String, String, bool)> = sqlx::query_as(
        "SELECT barcode, match_status, package_id IS NOT NULL FROM dws_scans ORDER BY barcode",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        statuses,
        vec![
            ("SF-ONE".into(), "MATCHED".into(), true),
            ("SF-SHARED".into(), "AMBIGUOUS".into(), false)
        ]
    );
    let m = measured(&pool).await;
    assert_eq!(m.iter().filter(|x| x.2.is_some()).count(), 1, "{m:?}");
}

// ------------------------------------------------------------------ 4. retried warehouse changes

fn adjustment(code: &str, qty: i64) -> Value {
    json!({"customer": "C001", "warehouseCode": "WH01", "ownerCode": "OW01", "adjustOrderCode": code,
           "adjustType": "CHECK", "items": [{"itemCode": "SKU-1", "qty": qty, "produceCode": "PC-7", "snCode": "SN-7"}]})
}

async fn on_hand(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT COALESCE(SUM(on_hand), 0)::int8 FROM inventory_balances WHERE item_code = 'SKU-1'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn an_ops_post_retried_with_its_idempotency_key_counts_once(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let (_who, _receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    let key = [("Idempotency-Key", "adj-7f3a")];
    let body = adjustment("ADJ-1", 10).to_string();
    let first = app
        .ops_with(&token, "POST", ADJUST, body.clone(), &key)
        .await;
    first.expect(200, 200);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = app.ops_with(&token, "POST", ADJUST, body, &key).await;
    again.expect(200, 200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["value"], first.body["value"]);
    assert_eq!(on_hand(&pool).await, 10);
    assert_eq!(app.count("SELECT count(*) FROM push_outbox").await, 1);
    // The same key with another body is refused.
    let other = app
        .ops_with(
            &token,
            "POST",
            ADJUST,
            adjustment("ADJ-2", 5).to_string(),
            &key,
        )
        .await;
    other.expect(3002, 409);
    assert!(other.message().contains("adj-7f3a"), "{}", other.message());
    // A key that is not a key.
    let r = app
        .ops_with(
            &token,
            "POST",
            ADJUST,
            adjustment("ADJ-3", 5).to_string(),
            &[("Idempotency-Key", "a b")],
        )
        .await;
    r.expect(2002, 400);
    assert_eq!(on_hand(&pool).await, 10);
}

#[sqlx::test]
async fn an_adjustment_is_idempotent_by_its_adjust_order_code(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let (_who, _receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    let a = app
        .ops(Some(&token), "POST", ADJUST, adjustment("ADJ-1", 10))
        .await;
    a.expect(200, 200);
    let b = app
        .ops(Some(&token), "POST", ADJUST, adjustment("ADJ-1", 10))
        .await;
    b.expect(200, 200);
    assert_eq!(a.body["value"], b.body["value"]);
    assert_eq!(on_hand(&pool).await, 10);
    assert_eq!(app.count("SELECT count(*) FROM push_outbox").await, 1);
    let c = app
        .ops(Some(&token), "POST", ADJUST, adjustment("ADJ-1", 11))
        .await;
    c.expect(3002, 409);
    assert_eq!(on_hand(&pool).await, 10);
    // The event carries the production batch and SN of the adjustment.
    let payload: Value = sqlx::query_scalar("SELECT payload FROM push_outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(payload["lines"][0]["produceCode"], "PC-7");
    assert_eq!(payload["lines"][0]["snCode"], "SN-7");
}

#[sqlx::test]
async fn a_batch_sent_again_with_its_batch_no_counts_once(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    let token = app.ops_token("floor").await;
    let hx = hx(&app.call(IN, &who, &in_order("IN-1", 10).to_string()).await);
    let path = format!("/ops/v1/orders/{hx}/receipts");
    let batch = json!({"batchNo": "RCV-1", "confirmType": "PARTIAL", "lines": [{"lineNo": "1", "actualQty": 4}]});
    let a = app.ops(Some(&token), "POST", &path, batch.clone()).await;
    a.expect(200, 200);
    let b = app.ops(Some(&token), "POST", &path, batch).await;
    b.expect(200, 200);
    assert_eq!(a.body["value"], b.body["value"]);
    assert_eq!(on_hand(&pool).await, 4);
    assert_eq!(
        app.count("SELECT count(*) FROM order_confirmations").await,
        1
    );
    let c = app
        .ops(Some(&token), "POST", &path,
            json!({"batchNo": "RCV-1", "confirmType": "PARTIAL", "lines": [{"lineNo": "1", "actualQty": 5}]}))
        .await;
    c.expect(3002, 409);
    // The FINAL batch sent again after the order is finished still answers what it answered.
    let fin = json!({"batchNo": "RCV-2", "confirmType": "FINAL", "lines": [{"lineNo": "1", "actualQty": 6}]});
    let d = app.ops(Some(&token), "POST", &path, fin.clone()).await;
    d.expect(200, 200);
    assert_eq!(d.body["value"]["status"], "RECEIVED");
    let e = app.ops(Some(&token), "POST", &path, fin).await;
    e.expect(200, 200);
    assert_eq!(e.body["value"], d.body["value"]);
    assert_eq!(on_hand(&pool).await, 10);
}

// ------------------------------------------------------------------ 4b. the deadline and COMMIT

/// Makes inserts of adjustments whose code starts with `SLOW` slow before COMMIT, and those
/// starting with `LATE` slow during COMMIT (a deferred trigger runs at COMMIT time).
async fn slow_adjustments(pool: &PgPool) {
    for sql in [
        r#"CREATE FUNCTION test_slow() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF NEW.adjust_order_code LIKE TG_ARGV[0] || '%' THEN PERFORM pg_sleep(1.5); END IF;
             RETURN NEW;
           END $$"#,
        "CREATE TRIGGER test_slow_before BEFORE INSERT ON inventory_adjustments FOR EACH ROW EXECUTE FUNCTION test_slow('SLOW')",
        "CREATE CONSTRAINT TRIGGER test_slow_commit AFTER INSERT ON inventory_adjustments DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_slow('LATE')",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
}

async fn adjustments_named(pool: &PgPool, code: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM inventory_adjustments WHERE adjust_order_code = $1")
        .bind(code)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn the_deadline_never_cuts_off_a_commit_under_way(pool: PgPool) {
    slow_adjustments(&pool).await;
    let app = spawn_app_with(pool.clone(), Clock::System, |s| {
        s.server.request_timeout_ms = 500;
    })
    .await;
    customer_with_base_data(&app, "C001").await;
    let token = app.ops_token("floor").await;
    // Cut off before COMMIT: nothing was changed, and it says so.
    let r = app
        .ops(Some(&token), "POST", ADJUST, adjustment("SLOW-1", 3))
        .await;
    r.expect(503, 503);
    assert!(
        r.message().contains("nothing was changed"),
        "{}",
        r.message()
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(adjustments_named(&pool, "SLOW-1").await, 0);
    // Deadline reached while COMMIT runs: the gateway waits for the outcome.
    let started = std::time::Instant::now();
    let r = app
        .ops(Some(&token), "POST", ADJUST, adjustment("LATE-1", 3))
        .await;
    r.expect(200, 200);
    assert!(started.elapsed() >= Duration::from_millis(1400));
    assert_eq!(adjustments_named(&pool, "LATE-1").await, 1);
    assert_eq!(on_hand(&pool).await, 3);
}

#[sqlx::test]
async fn a_commit_slower_than_the_grace_answers_outcome_unknown_and_a_retry_counts_once(
    pool: PgPool,
) {
    slow_adjustments(&pool).await;
    let app = spawn_app_with(pool.clone(), Clock::System, |s| {
        s.server.request_timeout_ms = 300;
        s.server.commit_grace_ms = 300;
    })
    .await;
    customer_with_base_data(&app, "C001").await;
    let token = app.ops_token("floor").await;
    let key = [("Idempotency-Key", "late-2")];
    let body = adjustment("LATE-2", 4).to_string();
    let r = app
        .ops_with(&token, "POST", ADJUST, body.clone(), &key)
        .await;
    r.expect(503, 503);
    assert!(
        r.message().contains("outcome is unknown"),
        "{}",
        r.message()
    );
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let again = app.ops_with(&token, "POST", ADJUST, body, &key).await;
    again.expect(200, 200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(on_hand(&pool).await, 4);
}

// ------------------------------------------------------------------ 5. one lock order

#[sqlx::test]
async fn all_writers_of_stock_run_together_without_deadlock(pool: PgPool) {
    let app = spawn_app_with(pool.clone(), Clock::System, |s| {
        s.database.max_connections = 24;
    })
    .await;
    let who = customer_with_base_data(&app, "C001").await;
    let token = app.ops_token("floor").await;
    // Rows created in the reverse of key order, so id order and key order disagree.
    for owner in ["OW01", "OW02"] {
        for item in ["SKU-2", "SKU-1"] {
            stock(&app, &who, owner, item, "", None, 100_000).await;
        }
    }
    let deadlocks = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let before = deadlocks().await;
    let lines = json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1}, {"lineNo": "2", "itemCode": "SKU-2", "planQty": 1}]);
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..16 {
        let (app_base, pool, who, token, lines) = (
            app.base.clone(),
            pool.clone(),
            who.clone(),
            token.clone(),
            lines.clone(),
        );
        tasks.spawn(async move {
            let app = TestApp::attach(app_base, pool);
            let mut codes = Vec::new();
            for i in 0..12 {
                let code = format!("W{w}-{i}");
                let r = match w % 4 {
                    // Reservations (outbound orders).
                    0 => app.call(OUT, &who, &out_order(&code, lines.clone())).await,
                    // Receipts.
                    1 => {
                        let r = app.call(IN, &who, &json!({"orderCode": code, "orderType": "CGRK",
                            "inventoryCode": "WH01", "subbaseCode": "OW01", "items": lines}).to_string()).await;
                        let hx = hx(&r);
                        app.ops(Some(&token), "POST", &format!("/ops/v1/orders/{hx}/receipts"), json!({"confirmType": "FINAL",
                            "lines": [{"lineNo": "2", "actualQty": 1}, {"lineNo": "1", "actualQty": 1}]})).await
                    }
                    // Property transfers between the two owners.
                    2 => {
                        let r = app.call("/dtc/logistics/propertyOrder", &who, &json!({"orderCode": code, "orderType": "WQZY",
                            "inventoryCode": "WH01", "subbaseCode": "OW01", "toSubbaseCode": "OW02", "items": lines}).to_string()).await;
                        let hx = hx(&r);
                        app.ops(Some(&token), "POST", &format!("/ops/v1/orders/{hx}/confirm"), json!({})).await
                    }
                    // Adjustments, in the opposite line order.
                    _ => app.ops(Some(&token), "POST", ADJUST, json!({"customer": "C001", "warehouseCode": "WH01",
                        "ownerCode": "OW02", "adjustOrderCode": code, "adjustType": "CHECK",
                        "items": [{"itemCode": "SKU-2", "qty": 1}, {"itemCode": "SKU-1", "qty": -1}]})).await,
                };
                codes.push((code, r.status, r.code()));
            }
            codes
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = tasks.join_next().await {
        failures.extend(done.unwrap().into_iter().filter(|c| c.1 != 200));
    }
    assert!(failures.is_empty(), "{failures:?}");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        deadlocks().await - before,
        0,
        "deadlocks (SQLSTATE 40P01) happened"
    );
}

// ------------------------------------------------------------------ 6. the contract to the letter

fn address() -> Value {
    json!({"name": "张三", "phone": "13800138000", "provinceName": "上海", "cityName": "上海", "address": "张杨路500号"})
}

#[sqlx::test]
async fn a_confirmed_transport_order_cannot_be_cancelled(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer_with_base_data(&app, "C001").await;
    let token = app.ops_token("floor").await;
    let r = app
        .call(TRANSPORT, &who, &json!({"orderCode": "T-1", "orderType": "ZCYS", "consigner": address(),
            "consignee": address(), "pickupTime": "2026-12-01 08:00:00", "cargoList": [{"name": "家具", "quantity": 3}]})
            .to_string())
        .await;
    let hx = hx(&r);
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx}/confirm"),
        json!({"accept": true, "waybillNo": "TW1"}),
    )
    .await
    .expect(200, 200);
    let r = app
        .call(
            CANCEL,
            &who,
            r#"{"orderCode":"T-1","orderKind":"TRANSPORT"}"#,
        )
        .await;
    r.expect(3003, 409);
    assert!(r.message().contains("CONFIRMED"), "{}", r.message());
}

#[sqlx::test]
async fn shipment_pushes_carry_what_was_really_shipped(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "100ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "B7", Some("2027-03-31"), 5).await;
    let r = app
        .call(
            OUT,
            &who,
            &out_order(
                "OUT-1",
                json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 2}]),
            ),
        )
        .await;
    let hx = hx(&r);
    app.ops(Some(&token), "POST", &format!("/ops/v1/orders/{hx}/shipments"), json!({"confirmType": "FINAL",
        "packages": [{"packageNo": "P1", "items": [{"lineNo": "1", "qty": 2, "snCodes": ["SN-1", "SN-2"]}]}]}))
        .await
        .expect(200, 200);
    let pushes = receiver.wait_for(2, 10).await;
    for p in &pushes {
        assert_eq!(p["lines"][0]["batchCode"], "B7", "{p:#}");
    }
    // The batch push must be among them, and carry the dates and serial numbers shipped.
    let status = pushes
        .iter()
        .find(|p| p["eventType"] == "outOrderStatusConfirm")
        .unwrap_or_else(|| panic!("no outOrderStatusConfirm among {pushes:#?}"));
    let line = &status["lines"][0];
    assert_eq!(line["expireDate"], "2027-03-31", "{status:#}");
    assert_eq!(line["snCodes"], json!(["SN-1", "SN-2"]), "{status:#}");
}

#[sqlx::test]
async fn sign_images_of_a_waybill_not_yet_known_are_pushed_when_it_appears(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "100ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    let photo = jpeg(2000, 3);
    let r = app
        .call(
            IMAGE,
            &sf,
            &json!({"waybillNo": "SF-EARLY", "signer": "李四", "signTime": "2026-11-25 10:00:00",
            "images": [{"contentType": "image/jpeg", "base64": b64(&photo)}]})
            .to_string(),
        )
        .await;
    r.expect(200, 200);
    assert!(r.body["value"]["orderCode"].is_null());
    shipped_order(&app, &who, &token, "OUT-1", "P1", "SF-EARLY").await;
    let pushes = receiver.wait_for(3, 10).await;
    let image = pushes
        .iter()
        .find(|p| p["eventType"] == "signImagePush")
        .unwrap_or_else(|| panic!("no signImagePush in {pushes:#?}"));
    assert_eq!(image["orderCode"], "OUT-1");
    let url = image["images"][0]["url"].as_str().unwrap();
    let path = &url[url.find("/files/").unwrap()..];
    let got = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), &photo[..]);
}

#[sqlx::test]
async fn partial_batches_that_complete_the_plan_finish_the_order(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "100ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    let hx = hx(&app.call(IN, &who, &in_order("IN-1", 2).to_string()).await);
    let path = format!("/ops/v1/orders/{hx}/receipts");
    for _ in 0..2 {
        app.ops(
            Some(&token),
            "POST",
            &path,
            json!({"confirmType": "PARTIAL", "lines": [{"lineNo": "1", "actualQty": 1}]}),
        )
        .await
        .expect(200, 200);
    }
    let pushes = receiver.wait_for(3, 10).await;
    let types: Vec<&str> = pushes
        .iter()
        .map(|p| p["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "inOrderStatusConfirm",
            "inOrderStatusConfirm",
            "inOrderConfirm"
        ]
    );
    assert_eq!(pushes[2]["status"], "RECEIVED");
    assert_eq!(pushes[1]["status"], "RECEIVED");
}

#[sqlx::test]
async fn lpns_are_taken_only_while_created_or_partially_received(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer_with_base_data(&app, "C001").await;
    let token = app.ops_token("floor").await;
    let hx = hx(&app.call(IN, &who, &in_order("IN-1", 2).to_string()).await);
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx}/start"),
        json!({}),
    )
    .await
    .expect(200, 200);
    let r = app
        .call(LPN, &who, r#"{"orderCode":"IN-1","lpns":[{"lpnCode":"L1","items":[{"itemCode":"SKU-1","qty":1}]}]}"#)
        .await;
    r.expect(3003, 409);
    assert!(r.message().contains("PROCESSING"), "{}", r.message());
}

#[sqlx::test]
async fn times_must_have_exactly_the_contract_shape(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer_with_base_data(&app, "C001").await;
    let now = timestamp::format(app.now());
    for ts in [
        now.replacen(' ', "  ", 1),
        format!("{now} "),
        "2026-1-5 1:2:3".to_string(),
    ] {
        let body = signed_body(&who, &ts, None, &org_request("WH01", "OW01"));
        let r = app.post_raw(ORG_PATH, body).await;
        r.expect(1002, 401);
    }
    for bad in [
        "2026-11-30  02:05:07",
        "2026-1-5 1:2:3",
        "2026-11-30 02:05:07 ",
    ] {
        let mut req = in_order("IN-T", 1);
        req["expectedArriveTime"] = bad.into();
        let r = app.call(IN, &who, &req.to_string()).await;
        r.expect(2002, 400);
        assert!(
            r.message().starts_with("request.expectedArriveTime:"),
            "{}",
            r.message()
        );
    }
}

#[sqlx::test]
async fn ops_bodies_over_the_limit_answer_413(pool: PgPool) {
    let app = spawn_app_with(pool, Clock::System, |s| s.server.body_limit_bytes = 4096).await;
    let token = app.ops_token("floor").await;
    let big = json!({"customer": "C001", "remark": "x".repeat(10_000)}).to_string();
    let r = app.ops_with(&token, "POST", ADJUST, big, &[]).await;
    r.expect(413, 413);
}

#[sqlx::test]
async fn a_type_error_lists_every_offending_path(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    let r = app
        .call(IN, &who, r#"{"orderCode":5,"orderType":"CGRK","inventoryCode":"WH01","subbaseCode":"OW01",
            "items":[{"lineNo":"1","itemCode":"SKU-1","planQty":"ten"},{"lineNo":"2","itemCode":["x"],"planQty":1}]}"#)
        .await;
    r.expect(2002, 400);
    let paths: Vec<&str> = r.body["value"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "request.items[0].planQty",
            "request.items[1].itemCode",
            "request.orderCode"
        ]
    );
    let token = app.ops_token("floor").await;
    let r = app
        .ops(
            Some(&token),
            "POST",
            ADJUST,
            json!({"customer": 1, "items": [{"qty": "1"}]}),
        )
        .await;
    r.expect(2002, 400);
    assert!(
        r.message().contains("customer:") && r.message().contains("items[0].qty:"),
        "{}",
        r.message()
    );
}
