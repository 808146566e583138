//! Retention: old rows removed in small batches, so that no statement holds locks or does work
//! in proportion to the table. Batches pick rows with `FOR UPDATE SKIP LOCKED`, so every gateway
//! may run retention at once without waiting for the others.

use super::PgPool;
use chrono::{DateTime, Utc};

/// What one kind of row is, and when it is old enough to go.
#[derive(Debug, Clone, Copy)]
pub enum Expiring {
    /// `api_requests` (the audit log).
    AuditRows,
    /// `push_attempts`, of any push.
    PushAttempts,
    /// `push_outbox` rows delivered or skipped (dead and pending ones stay).
    SettledPushes,
    /// `sign_images` that never linked to a waybill.
    UnlinkedImages,
    /// `routes` nodes that never linked to a waybill.
    UnlinkedRoutes,
}

impl Expiring {
    pub const ALL: [Expiring; 5] = [
        Self::AuditRows,
        Self::PushAttempts,
        Self::SettledPushes,
        Self::UnlinkedImages,
        Self::UnlinkedRoutes,
    ];

    pub fn table(self) -> &'static str {
        match self {
            Self::AuditRows => "api_requests",
            Self::PushAttempts => "push_attempts",
            Self::SettledPushes => "push_outbox",
            Self::UnlinkedImages => "sign_images",
            Self::UnlinkedRoutes => "routes",
        }
    }
}

/// Deletes at most `batch` rows of `what` older than `before`; returns how many went. One
/// statement per kind, alike on purpose: each is checked against the schema at compile time
/// (a table name cannot be a bind parameter).
pub async fn delete_batch(
    pool: &PgPool,
    what: Expiring,
    before: DateTime<Utc>,
    batch: i64,
) -> sqlx::Result<u64> {
    let done = match what {
        Expiring::AuditRows => {
            sqlx::query!(
                r#"DELETE FROM api_requests WHERE id = ANY(ARRAY(
                 SELECT id FROM api_requests WHERE created_at < $1
                  ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))"#,
                before,
                batch
            )
            .execute(pool)
            .await?
        }
        Expiring::PushAttempts => {
            sqlx::query!(
                r#"DELETE FROM push_attempts WHERE id = ANY(ARRAY(
                 SELECT id FROM push_attempts WHERE created_at < $1
                  ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))"#,
                before,
                batch
            )
            .execute(pool)
            .await?
        }
        // Their attempts go with them (ON DELETE CASCADE).
        Expiring::SettledPushes => {
            sqlx::query!(
                r#"DELETE FROM push_outbox WHERE id = ANY(ARRAY(
                 SELECT id FROM push_outbox
                  WHERE status IN ('delivered', 'skipped') AND updated_at < $1
                  ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED))"#,
                before,
                batch
            )
            .execute(pool)
            .await?
        }
        Expiring::UnlinkedImages => {
            sqlx::query!(
                r#"DELETE FROM sign_images WHERE id = ANY(ARRAY(
                 SELECT id FROM sign_images WHERE order_id IS NULL AND created_at < $1
                  ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))"#,
                before,
                batch
            )
            .execute(pool)
            .await?
        }
        Expiring::UnlinkedRoutes => {
            sqlx::query!(
                r#"DELETE FROM routes WHERE id = ANY(ARRAY(
                 SELECT id FROM routes WHERE order_id IS NULL AND created_at < $1
                  ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))"#,
                before,
                batch
            )
            .execute(pool)
            .await?
        }
    };
    Ok(done.rows_affected())
}
