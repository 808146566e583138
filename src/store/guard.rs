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
    endpoint: &str,
    sign: &str,
) -> sqlx::Result<Option<serde_json::Value>> {
    let inserted = sqlx::query!(
        r#"INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
           VALUES ($1, $2, $3, 'null'::jsonb)
           ON CONFLICT ON CONSTRAINT replay_keys_pkey DO NOTHING"#,
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
        "SELECT outcome FROM replay_keys WHERE client_id = $1 AND endpoint = $2 AND sign = $3",
        client_id,
        endpoint,
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
    endpoint: &str,
    sign: &str,
    outcome: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE replay_keys SET outcome = $4 WHERE client_id = $1 AND endpoint = $2 AND sign = $3",
        client_id,
        endpoint,
        sign,
        outcome
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What an `Idempotency-Key` claim found.
#[derive(Debug)]
pub enum Claim {
    /// The key is new: go ahead.
    New,
    /// The same request committed earlier with this outcome.
    Done(serde_json::Value),
    /// The key was used for a different request.
    OtherRequest,
}

/// Claims an ops caller's `Idempotency-Key` inside the caller's transaction; a concurrent
/// call with the same key waits until the first commits or rolls back.
pub async fn claim_idempotency_key(
    conn: &mut PgConnection,
    caller: &str,
    key: &str,
    fingerprint: &str,
) -> sqlx::Result<Claim> {
    let inserted = sqlx::query!(
        r#"INSERT INTO ops_idempotency_keys (token_name, idem_key, fingerprint, outcome)
           VALUES ($1, $2, $3, 'null'::jsonb)
           ON CONFLICT ON CONSTRAINT ops_idempotency_keys_pkey DO NOTHING"#,
        caller,
        key,
        fingerprint
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Claim::New);
    }
    let r = sqlx::query!(
        "SELECT fingerprint, outcome FROM ops_idempotency_keys WHERE token_name = $1 AND idem_key = $2",
        caller,
        key
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(if r.fingerprint == fingerprint {
        Claim::Done(r.outcome)
    } else {
        Claim::OtherRequest
    })
}

/// Stores the outcome of the call that claimed the key, in the same transaction.
pub async fn record_idempotency_outcome(
    conn: &mut PgConnection,
    caller: &str,
    key: &str,
    outcome: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE ops_idempotency_keys SET outcome = $3 WHERE token_name = $1 AND idem_key = $2",
        caller,
        key,
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
    bucket: &str,
    window_start: DateTime<Utc>,
    previous_window_start: DateTime<Utc>,
    hits: i32,
) -> sqlx::Result<(i32, i32)> {
    let r = sqlx::query!(
        r#"WITH cur AS (
               INSERT INTO rate_counters (client_id, window_start, hits, bucket) VALUES ($1, $2, $4, $5)
               ON CONFLICT (client_id, bucket, window_start)
               DO UPDATE SET hits = rate_counters.hits + EXCLUDED.hits
               RETURNING hits)
           SELECT cur.hits AS "current!",
                  COALESCE((SELECT hits FROM rate_counters
                             WHERE client_id = $1 AND bucket = $5 AND window_start = $3), 0) AS "previous!"
             FROM cur"#,
        client_id,
        window_start,
        previous_window_start,
        hits,
        bucket
    )
    .fetch_one(pool)
    .await?;
    Ok((r.current, r.previous))
}

/// Deletes replay keys, ops idempotency keys and rate windows nobody can need any more.
pub async fn purge_expired(
    pool: &PgPool,
    replay_before: DateTime<Utc>,
    idempotency_before: DateTime<Utc>,
    rate_before: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let keys = sqlx::query!(
        "DELETE FROM ops_idempotency_keys WHERE created_at < $1",
        idempotency_before
    )
    .execute(pool)
    .await?
    .rows_affected();
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
    Ok(a + b + keys)
}
