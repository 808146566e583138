//! Failed password sign-ins, counted in Postgres so that every gateway shares them
//! (`sign_in_failures`; the rules are in `service::sign_in_limits`).

use super::PgPool;
use chrono::{DateTime, Utc};

/// The limits one failure is counted against: per (user name, address), per user name, per
/// address.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_user_address: i32,
    pub per_user: i32,
    pub per_address: i32,
    pub window_secs: i64,
    pub lockout_secs: i64,
}

/// Until when a sign-in of `user` from `source` is refused, if it is.
pub async fn locked_until(
    pool: &PgPool,
    user: &str,
    source: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!(
        r#"SELECT max(locked_until) FROM sign_in_failures
            WHERE ((user_name = $1 AND source = $2) OR (user_name = $1 AND source = '')
                   OR (user_name = '' AND source = $2))
              AND locked_until > $3"#,
        user,
        source,
        now
    )
    .fetch_one(pool)
    .await
}

/// Counts one failure against the three rows in one statement; a row that reaches its limit
/// within its window is locked for `lockout_secs`.
pub async fn record_failure(
    pool: &PgPool,
    user: &str,
    source: &str,
    now: DateTime<Utc>,
    l: &Limits,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO sign_in_failures AS f (user_name, source, failures, window_start, locked_until)
           SELECT k.u, k.s, 1, $3::timestamptz, CASE WHEN k.lim <= 1 THEN $3::timestamptz + make_interval(secs => $8::float8) END
             FROM (VALUES ($1::text, $2::text, $4::int), ($1, '', $5), ('', $2, $6)) AS k(u, s, lim)
           ON CONFLICT (user_name, source) DO UPDATE SET
               failures = CASE WHEN f.window_start <= $3 - make_interval(secs => $7) THEN 1
                               ELSE f.failures + 1 END,
               window_start = CASE WHEN f.window_start <= $3 - make_interval(secs => $7) THEN $3
                                   ELSE f.window_start END,
               locked_until = CASE
                   WHEN (CASE WHEN f.window_start <= $3 - make_interval(secs => $7) THEN 1
                              ELSE f.failures + 1 END)
                        >= (CASE WHEN f.user_name = '' THEN $6
                                 WHEN f.source = '' THEN $5 ELSE $4 END)
                   THEN greatest(f.locked_until, $3 + make_interval(secs => $8))
                   ELSE f.locked_until END"#,
        user,
        source,
        now,
        l.per_user_address,
        l.per_user,
        l.per_address,
        l.window_secs as f64,
        l.lockout_secs as f64,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A successful sign-in clears its (user name, address) count; the per-user and per-address
/// counts run out with their window, so spreading guesses over addresses or names still counts.
pub async fn clear(pool: &PgPool, user: &str, source: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM sign_in_failures WHERE user_name = $1 AND source = $2",
        user,
        source
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Removes rows whose window and lock are both over (housekeeping).
pub async fn purge(
    pool: &PgPool,
    window_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        r#"DELETE FROM sign_in_failures
            WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2)"#,
        window_before,
        now
    )
    .execute(pool)
    .await?
    .rows_affected())
}
