//! Retention: what each kind of old row is kept for (`[retention]` in config), removed in
//! bounded batches by every gateway's housekeeping.

use crate::config::RetentionSettings;
use crate::store::retention::{delete_batch, Expiring};
use crate::store::PgPool;
use chrono::{DateTime, TimeDelta, Utc};

/// How long `what` is kept.
pub fn keep(s: &RetentionSettings, what: Expiring) -> TimeDelta {
    let days = match what {
        Expiring::AuditRows => s.audit_days,
        Expiring::PushAttempts => s.push_attempts_days,
        Expiring::SettledPushes => s.delivered_pushes_days,
        Expiring::UnlinkedImages => s.unlinked_images_days,
        Expiring::UnlinkedRoutes => s.unlinked_routes_days,
    };
    TimeDelta::days(days)
}

/// One pass: for each kind, batches of `batch_size` until fewer come back or
/// `max_batches` have run (the rest waits for the next pass). Returns rows removed per table.
pub async fn run_once(
    pool: &PgPool,
    s: &RetentionSettings,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<(&'static str, u64)>> {
    let mut out = Vec::new();
    for what in Expiring::ALL {
        let before = now - keep(s, what);
        let mut removed = 0;
        for _ in 0..s.max_batches {
            let n = delete_batch(pool, what, before, s.batch_size).await?;
            removed += n;
            if n < s.batch_size as u64 {
                break;
            }
        }
        out.push((what.table(), removed));
    }
    Ok(out)
}
