//! Inbound orders are written in one statement (#21, `store::orders::one_statement`). What it
//! must keep from the step-by-step path: concurrent calls that race on the same signature or
//! the same order code still take effect once, answer the same order, and a loser of the race
//! answers as the step-by-step path decides (replayed, or the existing order).

use crate::helpers::*;
use crate::orders::{customer_with_base_data, in_order, IN};
use hongxun_gateway::auth::timestamp;
use sqlx::PgPool;

/// Sends `bodies` at once while the test holds `orders` locked, so that every statement is
/// inside the database (its snapshot taken, its replay key claimed or waiting) before any
/// order can be inserted; then lets them go.
async fn together(app: &TestApp, pool: &PgPool, bodies: Vec<String>) -> Vec<Reply> {
    let mut hold = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE orders IN EXCLUSIVE MODE")
        .execute(&mut *hold)
        .await
        .unwrap();
    let n = bodies.len() as i64;
    let mut set = tokio::task::JoinSet::new();
    for body in bodies {
        let a = TestApp::attach(app.base.clone(), pool.clone());
        set.spawn(async move { a.post_raw(IN, body).await });
    }
    wait_for_lock_waiters(pool, n).await;
    hold.rollback().await.unwrap();
    set.join_all().await
}

async fn counts(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines),
                (SELECT count(*) FROM order_events)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn the_same_signed_order_sent_eight_times_at_once_is_written_once(pool: PgPool) {
    let pool = wide_pool(&pool, 16).await;
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    let body = signed_body(
        &who,
        &timestamp::format(app.now()),
        None,
        &in_order("RACE-1"),
    );
    let replies = together(&app, &pool, vec![body; 8]).await;
    let fresh: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_none())
        .collect();
    assert_eq!(fresh.len(), 1, "exactly one call took effect");
    let hx = fresh[0].body["value"]["hxOrderNo"].clone();
    for r in &replies {
        r.expect(200, 200);
        assert_eq!(r.body["value"]["hxOrderNo"], hx);
        assert_eq!(r.body["value"]["status"], "CREATED");
    }
    assert_eq!(counts(&pool).await, (1, 2, 1));
}

#[sqlx::test]
async fn one_order_signed_eight_ways_at_once_is_written_once(pool: PgPool) {
    let pool = wide_pool(&pool, 16).await;
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    // Eight signatures (eight timestamps) of the same content.
    let now = app.now();
    let bodies = (0..8)
        .map(|i| {
            let at = now - chrono::TimeDelta::seconds(i);
            signed_body(&who, &timestamp::format(at), None, &in_order("RACE-2"))
        })
        .collect();
    let replies = together(&app, &pool, bodies).await;
    let mut new = 0;
    let hx = replies[0].body["value"]["hxOrderNo"].clone();
    for r in &replies {
        r.expect(200, 200);
        assert_eq!(r.header("idempotent-replayed"), None);
        assert_eq!(r.body["value"]["hxOrderNo"], hx);
        if !r.message().contains("already exists") {
            new += 1;
        }
    }
    assert_eq!(new, 1, "one call created the order, seven found it");
    assert_eq!(counts(&pool).await, (1, 2, 1));
    // Every signature is kept with its own outcome: each one sent again answers as it did.
    let kept: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM replay_keys WHERE endpoint = '/dtc/logistics/inOrder' AND outcome <> 'null'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(kept, 8);
}
