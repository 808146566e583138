//! Replay guard and rate counters: kept in Postgres so they hold across gateway processes.

use super::{PgConnection, PgPool};
use chrono::{DateTime, Utc};

/// Claims the replay key of a state-changing call inside the caller's transaction.
/// Returns `None` when the key is new (go ahead), or the stored outcome of the earlier call.
/// A concurrent identical call waits on the key's index entry until the first one commits
/// (then sees its outcome) or rolls back (then claims the key itself).
pub async fn claim_replay_key(
    conn: &mut PgConnection,
    client_id: i64,
    sign: &str,
    endpoint: &str,
) -> sqlx::Result<Option<serde_json::Value>> {
    let inserted = sqlx::query!(
        r#"INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
           VALUES ($1, $2, $3, 'null'::jsonb)
           ON CONFLICT (client_id, sign) DO NOTHING"#,
        client_id,
        sign,
        endpoint
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    let outcome = sqlx::query_scalar!(
        "SELECT outcome FROM replay_keys WHERE client_id = $1 AND sign = $2",
        client_id,
        sign
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(outcome))
}

/// Stores the outcome of the call that claimed the key, in the same transaction.
pub async fn record_replay_outcome(
    conn: &mut PgConnection,
    client_id: i64,
    sign: &str,
    outcome: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE replay_keys SET outcome = $3 WHERE client_id = $1 AND sign = $2",
        client_id,
        sign,
        outcome
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds `hits` calls to the current window and returns `(hits this window, hits last window)`
/// of all processes together.
pub async fn add_rate_hits(
    pool: &PgPool,
    client_id: i64,
    window_start: DateTime<Utc>,
    previous_window_start: DateTime<Utc>,
    hits: i32,
) -> sqlx::Result<(i32, i32)> {
    let r = sqlx::query!(
        r#"WITH cur AS (
               INSERT INTO rate_counters (client_id, window_start, hits) VALUES ($1, $2, $4)
               ON CONFLICT (client_id, window_start)
               DO UPDATE SET hits = rate_counters.hits + EXCLUDED.hits
               RETURNING hits)
           SELECT cur.hits AS "current!",
                  COALESCE((SELECT hits FROM rate_counters
                             WHERE client_id = $1 AND window_start = $3), 0) AS "previous!"
             FROM cur"#,
        client_id,
        window_start,
        previous_window_start,
        hits
    )
    .fetch_one(pool)
    .await?;
    Ok((r.current, r.previous))
}

/// Deletes replay keys and rate windows nobody can need any more.
pub async fn purge_expired(
    pool: &PgPool,
    replay_before: DateTime<Utc>,
    rate_before: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let a = sqlx::query!(
        "DELETE FROM replay_keys WHERE created_at < $1",
        replay_before
    )
    .execute(pool)
    .await?
    .rows_affected();
    let b = sqlx::query!(
        "DELETE FROM rate_counters WHERE window_start < $1",
        rate_before
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(a + b)
}
