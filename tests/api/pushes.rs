//! §8 ops API and §6 pushes: full inbound and outbound flows with partial batches, retries,
//! exhaustion and replay, ordering, competing workers, the SSRF guard, ops tokens.

use crate::helpers::*;
use crate::orders::{customer_with_base_data, out_order, stock, CANCEL, IN, OUT};
use crate::receiver::Receiver;
use hongxun_gateway::store::clients::ClientChange;
use serde_json::{json, Value};
use sqlx::PgPool;

const RESULT_IN: &str = "/dtc/logistics/inOrderResult";
const RESULT_OUT: &str = "/dtc/logistics/outOrderResult";

/// A customer with base data whose callback is a fresh receiver.
pub async fn customer(app: &TestApp) -> (Identity, Receiver) {
    let who = customer_with_base_data(app, "C001").await;
    let receiver = Receiver::start(&who.secret).await;
    hongxun_gateway::service::admin::change_client(
        &app.pool,
        "C001",
        "ERP01",
        ClientChange {
            callback_url: Some(Some(&receiver.url)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    (who, receiver)
}

fn hx(r: &Reply) -> String {
    r.body["value"]["hxOrderNo"].as_str().unwrap().to_string()
}

fn types(pushes: &[Value]) -> Vec<String> {
    pushes
        .iter()
        .map(|p| p["eventType"].as_str().unwrap().to_string())
        .collect()
}

#[sqlx::test]
async fn ops_calls_need_an_active_bearer_token(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let path = "/ops/v1/orders/HX1/start";
    app.ops(None, "POST", path, json!({}))
        .await
        .expect(1001, 401);
    app.ops(Some("hxops_nope"), "POST", path, json!({}))
        .await
        .expect(1001, 401);
    let token = app.ops_token("floor").await;
    app.ops(Some(&token), "POST", path, json!({}))
        .await
        .expect(3001, 404);
    hongxun_gateway::service::admin::set_token_status(&pool, "floor", false)
        .await
        .unwrap();
    app.ops(Some(&token), "POST", path, json!({}))
        .await
        .expect(1005, 403);
}

#[sqlx::test]
async fn an_inbound_order_received_in_two_batches_pushes_each_batch_then_the_total(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "200ms,200ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    let body = json!({"orderCode": "IN-1", "orderType": "CGRK", "inventoryCode": "WH01", "subbaseCode": "OW01",
        "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 10}, {"lineNo": "2", "itemCode": "SKU-2", "planQty": 5}]});
    let hx = hx(&app.call(IN, &who, &body.to_string()).await);
    let ops = |p: &str| format!("/ops/v1/orders/{hx}/{p}");
    app.ops(Some(&token), "POST", &ops("start"), json!({}))
        .await
        .expect(200, 200);
    let r = app
        .ops(Some(&token), "POST", &ops("receipts"), json!({"confirmType": "PARTIAL",
            "lines": [{"lineNo": "1", "actualQty": 4, "batchCode": "B1", "expireDate": "2027-06-30", "lpnCode": "P1"}]}))
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["status"], "PARTIALLY_RECEIVED");
    // More than planned is refused and changes nothing.
    let r = app
        .ops(
            Some(&token),
            "POST",
            &ops("receipts"),
            json!({"confirmType": "FINAL", "lines": [{"lineNo": "1", "actualQty": 7}]}),
        )
        .await;
    r.expect(2002, 400);
    assert!(
        r.message()
            .contains("line 1 would receive 11 of 10 planned"),
        "{}",
        r.message()
    );
    app.ops(Some(&token), "POST", &ops("receipts"), json!({"confirmType": "FINAL",
        "lines": [{"lineNo": "1", "actualQty": 6, "batchCode": "B1"}, {"lineNo": 2, "actualQty": 5}]}))
        .await
        .expect(200, 200);

    let pushes = receiver.wait_for(3, 10).await;
    assert_eq!(
        types(&pushes),
        vec![
            "inOrderStatusConfirm",
            "inOrderStatusConfirm",
            "inOrderConfirm"
        ]
    );
    let first = &pushes[0];
    assert_eq!(
        (first["confirmSeq"].as_i64(), first["confirmType"].as_str()),
        (Some(1), Some("PARTIAL"))
    );
    assert_eq!(first["orderCode"], "IN-1");
    assert_eq!(first["lines"][0]["actualQty"], 4);
    assert_eq!(first["lines"][0]["lpnCode"], "P1");
    assert_eq!(pushes[2]["status"], "RECEIVED");
    assert_eq!(pushes[2]["lines"][0]["actualQty"], 10);
    assert_eq!(pushes[2]["batches"].as_array().unwrap().len(), 2);
    let ids: std::collections::HashSet<&str> = pushes
        .iter()
        .map(|p| p["eventId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "every push has its own event id");
    assert_eq!(receiver.bad_signatures(), 0);

    // Stock arrived and the result query shows both batches.
    let on_hand: i64 =
        sqlx::query_scalar("SELECT SUM(on_hand)::int8 FROM inventory_balances WHERE tenant='C001'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(on_hand, 15);
    let r = app
        .call(RESULT_IN, &who, r#"{"orderCodes":["IN-1"]}"#)
        .await;
    let o = &r.body["value"]["orders"][0];
    assert_eq!(o["status"], "RECEIVED");
    assert_eq!(o["confirmations"].as_array().unwrap().len(), 2);
    assert_eq!(o["lines"][1]["actualQty"], 5);
}

#[sqlx::test]
async fn an_outbound_order_shipped_in_batches_consumes_its_reservation_and_pushes_packages(
    pool: PgPool,
) {
    let app = spawn_pushing_app(pool.clone(), "200ms,200ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    // Stock comes in through an adjustment, which customers hear about too.
    app.ops(Some(&token), "POST", "/ops/v1/inventory/adjustments", json!({
        "customer": "C001", "warehouseCode": "WH01", "ownerCode": "OW01", "adjustOrderCode": "ADJ-1",
        "adjustType": "CHECK", "items": [{"itemCode": "SKU-1", "qty": 10}]}))
        .await
        .expect(200, 200);
    let hx = hx(&app
        .call(
            OUT,
            &who,
            &out_order(
                "OUT-1",
                json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 5}]),
            ),
        )
        .await);
    let ops = |p: &str| format!("/ops/v1/orders/{hx}/{p}");
    let pkg = |no: &str, qty: i64| {
        json!({"packageNo": no, "waybillNo": format!("SF{no}"), "carrierCode": "SF",
        "weight": 1.25, "items": [{"lineNo": "1", "qty": qty}]})
    };
    app.ops(
        Some(&token),
        "POST",
        &ops("shipments"),
        json!({"confirmType": "PARTIAL", "packages": [pkg("P1", 2)]}),
    )
    .await
    .expect(200, 200);
    // Never more than planned.
    app.ops(
        Some(&token),
        "POST",
        &ops("shipments"),
        json!({"confirmType": "FINAL", "packages": [pkg("P2", 4)]}),
    )
    .await
    .expect(2002, 400);
    // The final batch ships 2 more; the fifth unit's reservation is released.
    let r = app
        .ops(
            Some(&token),
            "POST",
            &ops("shipments"),
            json!({"confirmType": "FINAL", "packages": [pkg("P2", 2)]}),
        )
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["status"], "SHIPPED");
    let (on_hand, reserved): (i64, i64) =
        sqlx::query_as("SELECT on_hand, reserved FROM inventory_balances WHERE tenant='C001' AND item_code='SKU-1'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((on_hand, reserved), (6, 0));

    let pushes = receiver.wait_for(4, 10).await;
    assert_eq!(
        types(&pushes),
        vec![
            "inventoryAdjust",
            "outOrderStatusConfirm",
            "outOrderStatusConfirm",
            "outOrderConfirm"
        ]
    );
    assert_eq!(pushes[0]["items"][0]["planQty"], 10);
    assert_eq!(pushes[1]["packages"][0]["waybillNo"], "SFP1");
    assert_eq!(pushes[1]["packages"][0]["weight"], "1.25");
    assert_eq!(pushes[3]["packages"].as_array().unwrap().len(), 2);
    assert_eq!(pushes[3]["lines"][0]["actualQty"], 4);
    let r = app
        .call(RESULT_OUT, &who, r#"{"orderCodes":["OUT-1"]}"#)
        .await;
    assert_eq!(
        r.body["value"]["orders"][0]["packages"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // The ledger still rebuilds every balance.
    let mismatches: i64 = sqlx::query_scalar(
        r#"SELECT count(*) FROM inventory_balances b
             LEFT JOIN (SELECT balance_id, SUM(on_hand_delta) oh, SUM(reserved_delta) rs FROM inventory_movements GROUP BY balance_id) m
               ON m.balance_id = b.id
            WHERE b.on_hand <> COALESCE(m.oh, 0) OR b.reserved <> COALESCE(m.rs, 0)"#,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(mismatches, 0);
}

#[sqlx::test]
async fn a_failing_receiver_is_retried_until_it_accepts(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "100ms,100ms,100ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    receiver.fail_next(2);
    // Two planned, one received: one push (a batch completing the plan would add inOrderConfirm).
    let hx = hx(&app
        .call(
            IN,
            &who,
            &json!({"orderCode": "IN-1", "orderType": "CGRK", "inventoryCode": "WH01",
        "subbaseCode": "OW01", "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 2}]})
            .to_string(),
        )
        .await);
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx}/receipts"),
        json!({"confirmType": "PARTIAL",
        "lines": [{"lineNo": "1", "actualQty": 1}]}),
    )
    .await
    .expect(200, 200);
    let delivered = receiver.wait_for(1, 10).await;
    let arrivals = receiver.arrivals();
    assert_eq!(arrivals.len(), 3, "two refusals, then acceptance");
    assert!(
        arrivals
            .iter()
            .all(|(p, _)| p["eventId"] == delivered[0]["eventId"]),
        "stable event id"
    );
    // The last attempt is recorded just after the receiver answered it.
    let mut attempts: Vec<(i32, Option<i32>, bool)> = Vec::new();
    for _ in 0..100 {
        attempts =
            sqlx::query_as("SELECT attempt, http_status, success FROM push_attempts ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
        if attempts.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        attempts,
        vec![
            (1, Some(500), false),
            (2, Some(500), false),
            (3, Some(200), true)
        ]
    );
}

#[sqlx::test]
async fn an_exhausted_push_is_dead_listed_and_replayable(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "100ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    receiver.set_failing(true);
    let hx = hx(&app
        .call(
            IN,
            &who,
            &json!({"orderCode": "IN-1", "orderType": "CGRK", "inventoryCode": "WH01",
        "subbaseCode": "OW01", "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 2}]})
            .to_string(),
        )
        .await);
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx}/receipts"),
        json!({"confirmType": "PARTIAL",
        "lines": [{"lineNo": "1", "actualQty": 1}]}),
    )
    .await
    .expect(200, 200);
    let mut dead = Value::Null;
    for _ in 0..100 {
        let r = app
            .ops(Some(&token), "GET", "/ops/v1/pushes?status=dead", json!({}))
            .await;
        if let Some(p) = r.body["value"]["items"].as_array().and_then(|a| a.first()) {
            dead = p.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(dead["attempts"], 2, "one attempt plus one retry: {dead:#}");
    assert!(
        dead["lastError"].as_str().unwrap().contains("HTTP 500"),
        "{dead:#}"
    );
    receiver.set_failing(false);
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/pushes/{}/replay", dead["id"]),
        json!({}),
    )
    .await
    .expect(200, 200);
    let delivered = receiver.wait_for(1, 10).await;
    assert_eq!(delivered[0]["eventId"], dead["eventId"]);
}

#[sqlx::test]
async fn pushes_of_one_order_arrive_in_order_even_when_the_first_fails(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "300ms,300ms,300ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    receiver.fail_next(1);
    let hx = hx(&app
        .call(
            IN,
            &who,
            &json!({"orderCode": "IN-1", "orderType": "CGRK", "inventoryCode": "WH01",
        "subbaseCode": "OW01", "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 3}]})
            .to_string(),
        )
        .await);
    for (t, q) in [("PARTIAL", 1), ("PARTIAL", 1), ("FINAL", 1)] {
        app.ops(
            Some(&token),
            "POST",
            &format!("/ops/v1/orders/{hx}/receipts"),
            json!({"confirmType": t,
            "lines": [{"lineNo": "1", "actualQty": q}]}),
        )
        .await
        .expect(200, 200);
    }
    let pushes = receiver.wait_for(4, 15).await;
    let seqs: Vec<Option<i64>> = pushes.iter().map(|p| p["confirmSeq"].as_i64()).collect();
    assert_eq!(seqs, vec![Some(1), Some(2), Some(3), None], "{pushes:#?}");
}

#[sqlx::test]
async fn two_gateways_deliver_each_push_once(pool: PgPool) {
    // Two gateways, each with its pool (the test's holds 5: their four LISTENs would fill it).
    let pool = wide_pool(&pool, 16).await;
    // One delivery at a time per gateway: with its default 16 one gateway could hold all the
    // identity's in-flight pushes (8) and claim each freed slot first, so whether the other
    // delivered any was left to chance (one run in four failed so).
    let one_at_a_time = |s: &mut hongxun_gateway::config::Settings| {
        pushing(s, "200ms");
        s.push.concurrency = 1;
    };
    let app = spawn_app_with(
        pool.clone(),
        hongxun_gateway::state::Clock::System,
        one_at_a_time,
    )
    .await;
    let _second = spawn_app_with(
        pool.clone(),
        hongxun_gateway::state::Clock::System,
        one_at_a_time,
    )
    .await;
    let (who, receiver) = customer(&app).await;
    receiver.set_delay_ms(150);
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 100).await;
    for i in 0..12 {
        let hx = hx(&app
            .call(
                OUT,
                &who,
                &out_order(
                    &format!("O-{i}"),
                    json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1}]),
                ),
            )
            .await);
        app.ops(
            Some(&token),
            "POST",
            &format!("/ops/v1/orders/{hx}/shipments"),
            json!({"confirmType": "FINAL",
            "packages": [{"packageNo": "P1", "items": [{"lineNo": "1", "qty": 1}]}]}),
        )
        .await
        .expect(200, 200);
    }
    receiver.wait_for(24, 20).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let arrivals = receiver.arrivals();
    let mut ids: Vec<&str> = arrivals
        .iter()
        .map(|(p, _)| p["eventId"].as_str().unwrap())
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((n, ids.len()), (24, 24), "no push delivered twice");
    let workers: Vec<(String, i64)> = sqlx::query_as(
        "SELECT worker, count(*) FROM push_attempts WHERE success GROUP BY worker ORDER BY worker",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(workers.len(), 2, "both gateways delivered: {workers:?}");
    assert_eq!(workers.iter().map(|w| w.1).sum::<i64>(), 24);
}

#[sqlx::test]
async fn callbacks_on_private_addresses_are_refused_by_default(pool: PgPool) {
    // The default configuration: no allowed networks.
    let app = spawn_app_with(pool.clone(), hongxun_gateway::state::Clock::System, |s| {
        s.push.retry_schedule = "5s".into();
        s.push.poll_interval_ms = 50;
    })
    .await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    let hx = hx(&app
        .call(
            IN,
            &who,
            &json!({"orderCode": "IN-1", "orderType": "CGRK", "inventoryCode": "WH01",
        "subbaseCode": "OW01", "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1}]})
            .to_string(),
        )
        .await);
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx}/receipts"),
        json!({"confirmType": "PARTIAL",
        "lines": [{"lineNo": "1", "actualQty": 1}]}),
    )
    .await
    .expect(200, 200);
    let mut error = None;
    for _ in 0..100 {
        error = sqlx::query_scalar::<_, Option<String>>("SELECT error FROM push_attempts LIMIT 1")
            .fetch_optional(&pool)
            .await
            .unwrap()
            .flatten();
        if error.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let error = error.expect("an attempt was recorded");
    assert!(error.contains("SSRF guard"), "{error}");
    assert_eq!(receiver.started(), 0, "nothing reached the private address");
}

/// Waits for the first attempt's error.
async fn first_attempt_error(pool: &PgPool) -> String {
    for _ in 0..100 {
        let e = sqlx::query_scalar::<_, Option<String>>(
            "SELECT error FROM push_attempts ORDER BY id LIMIT 1",
        )
        .fetch_optional(pool)
        .await
        .unwrap()
        .flatten();
        if let Some(e) = e {
            return e;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no attempt was recorded");
}

async fn set_callback(pool: &PgPool, url: &str) {
    hongxun_gateway::service::admin::change_client(
        pool,
        "C001",
        "ERP01",
        ClientChange {
            callback_url: Some(Some(url)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

async fn one_receipt(app: &TestApp, who: &Identity, token: &str) {
    let hx = hx(&app
        .call(
            IN,
            who,
            &json!({"orderCode": "IN-1", "orderType": "CGRK", "inventoryCode": "WH01",
            "subbaseCode": "OW01", "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 2}]})
            .to_string(),
        )
        .await);
    app.ops(
        Some(token),
        "POST",
        &format!("/ops/v1/orders/{hx}/receipts"),
        json!({"confirmType": "PARTIAL", "lines": [{"lineNo": "1", "actualQty": 1}]}),
    )
    .await
    .expect(200, 200);
}

#[sqlx::test]
async fn a_callback_host_name_resolving_to_loopback_is_refused(pool: PgPool) {
    let app = spawn_app_with(pool.clone(), hongxun_gateway::state::Clock::System, |s| {
        s.push.retry_schedule = "5s".into();
        s.push.poll_interval_ms = 50;
    })
    .await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    set_callback(&pool, &format!("http://localhost:{port}/hook")).await;
    one_receipt(&app, &who, &token).await;
    let error = first_attempt_error(&pool).await;
    assert!(
        error.contains("SSRF guard") && error.contains("localhost"),
        "{error}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.started(), 0, "the receiver saw a request");
}

/// A callback URL's query string may hold the customer's credentials: a failed attempt's
/// error names the target without it, and so do the logs and the console, which show the error.
#[sqlx::test]
async fn a_failed_attempt_never_records_the_callback_urls_query(pool: PgPool) {
    let app = spawn_app_with(pool.clone(), hongxun_gateway::state::Clock::System, |s| {
        s.push.allow_networks = "127.0.0.0/8".into();
        s.push.retry_schedule = "5s".into();
        s.push.poll_interval_ms = 50;
    })
    .await;
    let (who, _receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    // Nothing listens there: the connection is refused, an error that carries the URL.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    set_callback(
        &pool,
        &format!("http://127.0.0.1:{port}/hook?token=customer-credential&user=u1"),
    )
    .await;
    one_receipt(&app, &who, &token).await;
    let error = first_attempt_error(&pool).await;
    assert!(!error.is_empty(), "the attempt failed");
    assert!(!error.contains("customer-credential"), "{error}");
    assert!(!error.contains("token="), "{error}");
}

#[sqlx::test]
async fn a_redirect_to_a_private_address_is_not_followed(pool: PgPool) {
    // The redirecting host is allowed; where it points is not.
    let app = spawn_app_with(pool.clone(), hongxun_gateway::state::Clock::System, |s| {
        s.push.allow_networks = "127.0.0.1/32".into();
        s.push.retry_schedule = "5s".into();
        s.push.poll_interval_ms = 50;
    })
    .await;
    let who = customer_with_base_data(&app, "C001").await;
    let token = app.ops_token("floor").await;
    let private = Receiver::start_on(&who.secret, "127.0.0.2").await;
    let target = private.url.clone();
    let redirector = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let target = target.clone();
            async move {
                (
                    axum::http::StatusCode::TEMPORARY_REDIRECT,
                    [(axum::http::header::LOCATION, target)],
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, redirector).await.unwrap() });
    set_callback(&pool, &url).await;
    one_receipt(&app, &who, &token).await;
    let error = first_attempt_error(&pool).await;
    assert!(error.contains("HTTP 307"), "{error}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(private.started(), 0, "the private receiver saw a request");
}

#[sqlx::test]
async fn pushes_for_an_identity_without_callback_stay_pending(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "100ms").await;
    let who = customer_with_base_data(&app, "C001").await;
    let token = app.ops_token("floor").await;
    let hx = hx(&app
        .call(
            IN,
            &who,
            &json!({"orderCode": "IN-1", "orderType": "CGRK", "inventoryCode": "WH01",
        "subbaseCode": "OW01", "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1}]})
            .to_string(),
        )
        .await);
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx}/receipts"),
        json!({"confirmType": "FINAL",
        "lines": [{"lineNo": "1", "actualQty": 1}]}),
    )
    .await
    .expect(200, 200);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let r = app
        .ops(
            Some(&token),
            "GET",
            "/ops/v1/pushes?status=pending",
            json!({}),
        )
        .await;
    let items = r.body["value"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|p| p["attempts"] == 0));
}

#[sqlx::test]
async fn a_pending_cancel_is_decided_by_the_warehouse_and_pushed(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    for code in ["OUT-1", "OUT-2"] {
        let hx = hx(&app
            .call(
                OUT,
                &who,
                &out_order(
                    code,
                    json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 2}]),
                ),
            )
            .await);
        app.ops(
            Some(&token),
            "POST",
            &format!("/ops/v1/orders/{hx}/start"),
            json!({}),
        )
        .await
        .expect(200, 200);
        let r = app
            .call(
                CANCEL,
                &who,
                &json!({"orderCode": code, "orderKind": "OUT"}).to_string(),
            )
            .await;
        assert_eq!(r.body["value"]["cancelStatus"], "PENDING");
        let approve = code == "OUT-1";
        let r = app
            .ops(
                Some(&token),
                "POST",
                &format!("/ops/v1/orders/{hx}/cancel-decision"),
                json!({"approve": approve, "reason": "已拣货"}),
            )
            .await;
        r.expect(200, 200);
        assert_eq!(
            r.body["value"]["status"],
            if approve { "CANCELLED" } else { "PROCESSING" }
        );
        app.ops(
            Some(&token),
            "POST",
            &format!("/ops/v1/orders/{hx}/cancel-decision"),
            json!({"approve": true}),
        )
        .await
        .expect(3003, 409);
    }
    let pushes = receiver.wait_for(2, 10).await;
    let results: Vec<(&str, &str)> = pushes
        .iter()
        .map(|p| {
            (
                p["orderCode"].as_str().unwrap(),
                p["cancelStatus"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(results, vec![("OUT-1", "CANCELLED"), ("OUT-2", "REJECTED")]);
    let reserved: i64 =
        sqlx::query_scalar("SELECT reserved FROM inventory_balances WHERE tenant='C001'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        reserved, 2,
        "OUT-1's units were released, OUT-2 still holds its own"
    );
}

#[sqlx::test]
async fn property_and_transport_orders_are_confirmed(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "B1", Some("2027-01-01"), 5).await;
    let r = app
        .call(
            "/dtc/logistics/propertyOrder",
            &who,
            &json!({"orderCode": "P-1", "orderType": "WQZY",
        "inventoryCode": "WH01", "subbaseCode": "OW01", "toSubbaseCode": "OW02",
        "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 3}]})
            .to_string(),
        )
        .await;
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{}/confirm", hx(&r)),
        json!({}),
    )
    .await
    .expect(200, 200);
    let owners: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT subbase_code, on_hand, reserved FROM inventory_balances WHERE tenant='C001' ORDER BY subbase_code",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(owners, vec![("OW01".into(), 2, 0), ("OW02".into(), 3, 0)]);
    let addr = json!({"name": "张三", "phone": "13800138000", "provinceName": "上海", "cityName": "上海", "address": "外高桥1号"});
    let r = app
        .call(
            "/dtc/logistics/transportOrder",
            &who,
            &json!({"orderCode": "T-1", "orderType": "ZCYS",
        "consigner": addr, "consignee": addr, "pickupTime": "2026-12-01 08:00:00",
        "cargoList": [{"name": "家具", "quantity": 3}]})
            .to_string(),
        )
        .await;
    app.ops(Some(&token), "POST", &format!("/ops/v1/orders/{}/confirm", hx(&r)), json!({
        "accept": true, "carrierCode": "SF", "waybillNo": "SF100", "plateNo": "沪A12345", "driverName": "李四",
        "driverPhone": "13700000000"}))
        .await
        .expect(200, 200);
    let pushes = receiver.wait_for(2, 10).await;
    assert_eq!(
        types(&pushes),
        vec!["propertyOrderConfirm", "transportOrderConfirm"]
    );
    assert_eq!(pushes[0]["toSubbaseCode"], "OW02");
    assert_eq!(pushes[1]["status"], "CONFIRMED");
    assert_eq!(pushes[1]["waybillNo"], "SF100");
}

#[sqlx::test]
async fn yard_vehicles_are_taken_in_inspected_and_pushed(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("yard").await;
    let vin = "LSVAU2180N2183294";
    app.ops(
        Some(&token),
        "POST",
        "/ops/v1/vehicles",
        json!({"customer": "C001", "vin": vin,
        "inventoryCode": "YARD1", "brand": "上汽大众", "model": "朗逸", "color": "白"}),
    )
    .await
    .expect(200, 200);
    app.ops(
        Some(&token),
        "POST",
        "/ops/v1/vehicles",
        json!({"customer": "C001", "vin": "BAD", "inventoryCode": "YARD1"}),
    )
    .await
    .expect(2002, 400);
    app.ops(Some(&token), "POST", &format!("/ops/v1/vehicles/{vin}/inspections"), json!({"customer": "C001",
        "result": "DAMAGED", "damages": [{"part": "左前门", "description": "划痕"}], "images": ["https://img/1.jpg"]}))
        .await
        .expect(200, 200);
    app.ops(
        Some(&token),
        "POST",
        "/ops/v1/vehicles/LSVAU2180N2183299/inspections",
        json!({"customer": "C001", "result": "PASS"}),
    )
    .await
    .expect(3001, 404);
    let pushes = receiver.wait_for(1, 10).await;
    assert_eq!(pushes[0]["eventType"], "vehicleInspectionConfirm");
    assert_eq!(pushes[0]["damages"][0]["part"], "左前门");
    let r = app
        .call(
            "/dtc/logistics/vehicleInventoryQuery",
            &who,
            r#"{"inventoryCode":"YARD1"}"#,
        )
        .await;
    let v = &r.body["value"]["items"][0];
    assert_eq!(
        (v["vin"].as_str(), v["status"].as_str()),
        (Some(vin), Some("IN_YARD"))
    );
    assert_eq!(v["lastInspection"]["result"], "DAMAGED");
}

#[sqlx::test]
async fn the_floor_can_look_an_order_up_with_its_batches_and_pushes(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    let hx = hx(&app
        .call(
            IN,
            &who,
            &json!({"orderCode": "IN-1", "orderType": "CGRK", "inventoryCode": "WH01",
        "subbaseCode": "OW01", "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 2}]})
            .to_string(),
        )
        .await);
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx}/receipts"),
        json!({"confirmType": "FINAL",
        "lines": [{"lineNo": "1", "actualQty": 2}]}),
    )
    .await
    .expect(200, 200);
    receiver.wait_for(2, 10).await;
    let r = app
        .ops(
            Some(&token),
            "GET",
            &format!("/ops/v1/orders/{hx}"),
            json!({}),
        )
        .await;
    r.expect(200, 200);
    let v = &r.body["value"];
    assert_eq!(v["status"], "RECEIVED");
    assert_eq!(v["customer"], "C001");
    assert_eq!(v["confirmations"].as_array().unwrap().len(), 1);
    let pushes = v["pushes"].as_array().unwrap();
    assert_eq!(pushes.len(), 2);
    app.ops(Some(&token), "GET", "/ops/v1/orders/HX404", json!({}))
        .await
        .expect(3001, 404);
}

#[sqlx::test]
async fn a_hanging_receiver_does_not_hold_up_other_customers(pool: PgPool) {
    let _gateway = spawn_app_with(pool.clone(), hongxun_gateway::state::Clock::System, |s| {
        s.push.allow_networks = "127.0.0.0/8".into();
        s.push.retry_schedule = "10s".into();
        s.push.poll_interval_ms = 50;
        s.push.timeout_ms = 3000;
        s.push.lease_secs = 10;
        s.push.concurrency = 8;
        s.push.per_identity_concurrency = 2;
    })
    .await;
    let slow = Receiver::start("slow-secret").await;
    slow.set_delay_ms(2500);
    let fast = Receiver::start("fast-secret").await;
    let key = master_key();
    let mut ids = Vec::new();
    for (who, secret, url) in [
        ("SLOW", "slow-secret", &slow.url),
        ("FAST", "fast-secret", &fast.url),
    ] {
        let c = hongxun_gateway::service::admin::add_client(
            &pool,
            &key,
            hongxun_gateway::service::admin::NewClientInput {
                kind: hongxun_gateway::domain::client::ClientKind::Customer,
                create_by: who.into(),
                data_source: "ERP".into(),
                name: None,
                secret: Some(secret.into()),
                callback_url: Some(url.to_string()),
                rate_limit_per_hour: None,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        ids.push(c.id);
    }
    let mut conn = pool.acquire().await.unwrap();
    // The slow customer's pushes are queued first and would take every worker without a cap.
    for (client, tenant) in [(ids[0], "SLOW"), (ids[1], "FAST")] {
        for i in 0..10 {
            hongxun_gateway::store::pushes::enqueue(
                &mut conn,
                &[client],
                &hongxun_gateway::domain::client::Tenant(tenant.into()),
                "cancelResult",
                Some(&format!("order:{tenant}-{i}")),
                uuid::Uuid::now_v7(),
                &json!({"event": "legacy", "eventType": "cancelResult", "payload": {"orderCode": format!("{tenant}-{i}")}}),
            )
            .await
            .unwrap();
        }
    }
    fast.wait_for(10, 5).await;
    // Every fast push arrived while the slow receiver was still sitting on its first ones.
    assert!(
        slow.delivered().is_empty(),
        "the fast customer waited behind the slow one"
    );
    assert_eq!(
        slow.started(),
        2,
        "exactly two deliveries in flight to one identity (the limit), both tried"
    );
}

#[sqlx::test]
async fn receivers_that_hang_hold_no_database_connection_and_do_not_slow_intake(pool: PgPool) {
    // Four pooled connections, sixteen deliveries hanging at once: a delivery that kept its
    // connection while waiting for the receiver would leave intake none (503 after 1 s).
    let app = spawn_app_with(pool.clone(), hongxun_gateway::state::Clock::System, |s| {
        s.push.allow_networks = "127.0.0.0/8".into();
        s.push.retry_schedule = "1m".into();
        s.push.poll_interval_ms = 50;
        s.push.timeout_ms = 30_000;
        s.push.lease_secs = 60;
        s.push.concurrency = 16;
        s.push.per_identity_concurrency = 16;
        s.database.max_connections = 4;
        s.database.acquire_timeout_ms = 1000;
    })
    .await;
    let (who, receiver) = customer(&app).await;
    receiver.set_delay_ms(30_000);
    let client_id: i64 = sqlx::query_scalar("SELECT id FROM clients WHERE create_by = 'C001'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    for i in 0..16 {
        hongxun_gateway::store::pushes::enqueue(
            &mut conn,
            &[client_id],
            &hongxun_gateway::domain::client::Tenant("C001".into()),
            "cancelResult",
            Some(&format!("order:H-{i}")),
            uuid::Uuid::now_v7(),
            &json!({"event": "legacy", "eventType": "cancelResult", "payload": {"orderCode": format!("H-{i}")}}),
        )
        .await
        .unwrap();
    }
    drop(conn);
    for _ in 0..200 {
        if receiver.started() >= 16 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(receiver.started(), 16, "all sixteen deliveries hang");
    // Intake goes on, concurrently, while every delivery is still waiting for its receiver.
    let app = std::sync::Arc::new(app);
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..24 {
        let (app, who) = (app.clone(), who.clone());
        calls.spawn(async move {
            app.call(ORG_PATH, &who, &org_request("WH01", &format!("OW{i:02}")))
                .await
                .code()
        });
    }
    let codes = calls.join_all().await;
    assert!(codes.iter().all(|&c| c == 200), "{codes:?}");
    assert!(
        receiver.delivered().is_empty(),
        "intake finished before any hanging delivery did"
    );
}
