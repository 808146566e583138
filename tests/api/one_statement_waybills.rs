//! 3TMS `create_order` writes its batch in one statement (#21,
//! `store::orders::one_statement_waybills`). What it must keep from the step-by-step path: the
//! numbers in the batch's order, one first event per waybill, the `created` message to each
//! subscriber exactly as `waybill_events::notify` addresses it, the same numbers answered again
//! for the same batch, all or none, and one write when calls race on the same numbers.

use crate::helpers::*;
use crate::tms_support::*;
use crate::tms_waybills::waybill;
use serde_json::{json, Value};
use sqlx::PgPool;

const CREATE: &str = "/order/create_order";

fn batch(prefix: &str, n: usize) -> Value {
    let list: Vec<Value> = (0..n)
        .map(|k| waybill(&format!("{prefix}-{k}"), "15161151543"))
        .collect();
    json!({ "orderList": list })
}

fn numbers(data: &Value) -> Vec<String> {
    data.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

async fn counts(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM orders WHERE kind = 'TRANSPORT'),
                (SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id
                  WHERE o.kind = 'TRANSPORT' AND e.status = 'CREATED'),
                (SELECT count(*) FROM push_outbox WHERE event_type = 'waybillChanged')",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn a_batch_of_waybills_is_written_at_once_and_answers_as_step_by_step(pool: PgPool) {
    let pool = wide_pool(&pool, 16).await;
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    let secret = account_with_secret(&app, "CUST1", "batcher", "pa55word").await;
    let token = sign_in(&app, "batcher", "pa55word").await;
    let receiver = TmsReceiver::start(&secret).await;
    let sub = json!({"states": "1", "callbackUrl": receiver.url, "version": "v1"});
    ok(&post(&app, "/order/subscribe/v2", Some(&token), false, sub).await);
    // Another identity of the tenant hears only of acceptance: no `created` message for it.
    account_with_secret(&app, "CUST1", "acceptance", "pa55word").await;
    let other = sign_in(&app, "acceptance", "pa55word").await;
    let sub = json!({"states": "2", "callbackUrl": receiver.url, "version": "v1"});
    ok(&post(&app, "/order/subscribe/v2", Some(&other), false, sub).await);

    let made = numbers(ok(
        &post(&app, CREATE, Some(&token), false, batch("B", 10)).await
    ));
    assert_eq!(made.len(), 10);
    // Drawn in the batch's order, as the step-by-step path draws them.
    assert!(made.windows(2).all(|w| w[0] < w[1]), "{made:?}");
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, order_code, hx_order_no, transport_no FROM orders WHERE kind = 'TRANSPORT' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let codes: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let expected: Vec<String> = (0..10).map(|k| format!("B-{k}")).collect();
    assert_eq!(codes, expected);
    assert_eq!(
        rows.iter().map(|r| r.3.clone()).collect::<Vec<_>>(),
        made,
        "each number is its waybill's"
    );
    assert_eq!(counts(&pool).await, (10, 10, 10));

    // The message to the subscriber, addressed as notify addresses it.
    let pushes: Vec<(String, Value)> = sqlx::query_as(
        "SELECT order_key, payload FROM push_outbox WHERE event_type = 'waybillChanged' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for ((key, payload), (id, code, hx, number)) in pushes.iter().zip(&rows) {
        assert_eq!(key, &hongxun_gateway::service::outbox::order_key(*id));
        let w = &payload["waybill"];
        assert_eq!(w["hxOrderNo"], json!(hx), "{payload}");
        assert_eq!(w["transportNo"], json!(number), "{payload}");
        assert_eq!(w["orderCode"], json!(code), "{payload}");
        assert_eq!(
            w["customerOrderNo"],
            json!(format!("C-{code}")),
            "{payload}"
        );
        assert_eq!(w["deliveryType"], "DELIVERY", "{payload}");
        assert_eq!(w["status"], "CREATED", "{payload}");
        assert_eq!(payload["event"], "waybillChanged", "{payload}");
    }
    let heard = receiver.wait_for(10).await;
    let mut heard_numbers: Vec<String> = heard
        .iter()
        .map(|c| {
            assert_eq!(c["subscribeState"], 1, "{c}");
            assert_eq!(
                c["customerOrderNumber"],
                json!(format!("C-{}", c["wmsNumber"].as_str().unwrap()))
            );
            c["number"].as_str().unwrap().to_string()
        })
        .collect();
    heard_numbers.sort();
    assert_eq!(heard_numbers, made);

    // The same batch again: the same numbers, nothing written.
    let again = numbers(ok(
        &post(&app, CREATE, Some(&token), false, batch("B", 10)).await
    ));
    assert_eq!(again, made);
    assert_eq!(counts(&pool).await, (10, 10, 10));

    // All or none: a batch whose one number was used with other content writes nothing.
    let mut mixed = batch("C", 3);
    let mut changed = waybill("B-4", "15161151543");
    changed["note"] = json!("other content");
    mixed["orderList"].as_array_mut().unwrap().push(changed);
    let refused = post(&app, CREATE, Some(&token), false, mixed).await;
    failed(&refused, 400, 500, "B-4");
    assert_eq!(counts(&pool).await, (10, 10, 10));
}

/// Eight calls of the same new batch at once, while the test holds `orders` locked so that
/// every statement has read "no number used" before any can insert: one writes the batch, the
/// seven others lose the race on the numbers, write nothing, and answer the same numbers from
/// the step-by-step path.
#[sqlx::test]
async fn the_same_batch_sent_eight_times_at_once_is_written_once(pool: PgPool) {
    let pool = wide_pool(&pool, 24).await;
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    account_with_secret(&app, "CUST1", "racer", "pa55word").await;
    let token = sign_in(&app, "racer", "pa55word").await;
    let mut hold = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE orders IN EXCLUSIVE MODE")
        .execute(&mut *hold)
        .await
        .unwrap();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let a = TestApp::attach(app.base.clone(), pool.clone());
        let t = token.clone();
        set.spawn(async move { post(&a, CREATE, Some(&t), false, batch("R", 10)).await });
    }
    wait_for_lock_waiters(&pool, 8).await;
    hold.rollback().await.unwrap();
    let replies = set.join_all().await;
    let first = numbers(ok(&replies[0]));
    assert_eq!(first.len(), 10);
    for r in &replies {
        assert_eq!(numbers(ok(r)), first);
    }
    assert_eq!(counts(&pool).await, (10, 10, 0));
}
