//! Retention: old audit rows, attempts, settled pushes, and images and route nodes that never
//! linked are removed by housekeeping in batches; everything younger, pending or dead stays.

use crate::helpers::*;
use hongxun_gateway::domain::client::ClientKind;
use hongxun_gateway::state::Clock;
use sqlx::PgPool;
use std::time::Duration;

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn housekeeping_removes_what_is_past_its_retention_and_nothing_else(pool: PgPool) {
    let app = spawn_app_with(pool.clone(), Clock::System, |s| {
        s.server.housekeeping_interval_secs = 1;
        // Small batches: several are needed, as on a large table.
        s.retention.batch_size = 3;
    })
    .await;
    app.identity(ClientKind::Customer, "R1", "ERP").await;
    let client: i64 = count(&pool, "SELECT id FROM clients LIMIT 1").await;
    // 10 rows of each kind at each age: 100 days (past every retention) and 1 day.
    for age in ["100 days", "1 day"] {
        sqlx::query(&format!(
            "INSERT INTO api_requests (request_id, method, endpoint, code, http_status, latency_ms, created_at)
             SELECT 'r' || g, 'POST', '/x', 200, 200, 1, now() - interval '{age}' FROM generate_series(1, 10) g"
        ))
        .execute(&pool)
        .await
        .unwrap();
        for status in ["delivered", "pending", "dead"] {
            sqlx::query(&format!(
                "INSERT INTO push_outbox (event_id, client_id, tenant, event_type, payload, status, created_at)
                 SELECT gen_random_uuid(), $1, 'R1', 'x', '{{}}', '{status}', now() - interval '{age}'
                   FROM generate_series(1, 10)"
            ))
            .bind(client)
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::raw_sql(&format!(
            "INSERT INTO sign_images (id, carrier_code, waybill_no, sha256, content_type, size_bytes, bytes, sign_time, created_at)
             SELECT gen_random_uuid(), 'SF', 'W' || g || '{age}', md5(g::text), 'image/jpeg', 1, '\\x00', now(), now() - interval '{age}'
               FROM generate_series(1, 10) g;
             INSERT INTO routes (carrier_code, waybill_no, node_type, node_time, description, created_at)
             SELECT 'SF', 'W' || g, 'PICKUP', now(), 'x', now() - interval '{age}' FROM generate_series(1, 10) g"
        ))
        .execute(&pool)
        .await
        .unwrap();
    }
    // updated_at is set by a trigger on UPDATE: age it with the trigger off. Each dead push has
    // an attempt as old as itself.
    sqlx::raw_sql(
        "ALTER TABLE push_outbox DISABLE TRIGGER push_outbox_updated_at;
         UPDATE push_outbox SET updated_at = created_at;
         ALTER TABLE push_outbox ENABLE TRIGGER push_outbox_updated_at;
         INSERT INTO push_attempts (push_id, attempt, started_at, duration_ms, success, created_at)
         SELECT id, 1, created_at, 1, false, created_at FROM push_outbox WHERE status = 'dead'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let old = |table: &str| {
        format!("SELECT count(*) FROM {table} WHERE created_at < now() - interval '50 days'")
    };
    let mut left = i64::MAX;
    for _ in 0..100 {
        left = 0;
        for t in ["api_requests", "push_attempts", "sign_images", "routes"] {
            left += count(&pool, &old(t)).await;
        }
        left += count(
            &pool,
            "SELECT count(*) FROM push_outbox WHERE status = 'delivered' AND created_at < now() - interval '50 days'",
        )
        .await;
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(left, 0, "old rows were removed");
    // The young rows stay, and so do old pending and dead pushes.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM api_requests WHERE request_id LIKE 'r%'"
        )
        .await,
        10
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM sign_images").await, 10);
    assert_eq!(count(&pool, "SELECT count(*) FROM routes").await, 10);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM push_outbox WHERE status = 'delivered'"
        )
        .await,
        10
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM push_outbox WHERE status IN ('pending', 'dead')"
        )
        .await,
        40
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM push_attempts").await, 10);
    drop(app);
}
