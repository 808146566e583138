//! Counting calls for the rate limit without a write per call. Each process counts in memory
//! and adds its counts to the shared Postgres counters once per `sync_every`, reading back
//! the totals of all processes. An identity this process has not synced recently is synced
//! on the call itself, so a single process decides exactly as with a write per call; several
//! processes together can overshoot a limit by at most what the others counted in one
//! interval. (The per-call write was one hot row per identity that every call queued on.)

use crate::store::{self, PgPool};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where a call stands: counted locally with these totals, or the caller must sync.
#[derive(Debug, PartialEq, Eq)]
pub enum Count {
    Local { current: i32, previous: i32 },
    Sync,
}

#[derive(Debug)]
struct Tally {
    /// Totals of all processes as of `synced` (including our flushed counts).
    current: i32,
    previous: i32,
    /// Counted here, not yet sent.
    pending: i32,
    /// Being sent right now.
    inflight: i32,
    synced: Instant,
}

/// Keyed by identity and window start.
/// (identity, bucket, window): the bucket is '' for an identity's one limit, or an endpoint.
type Key = (i64, &'static str, DateTime<Utc>);

pub struct RateTally {
    sync_every: Duration,
    entries: Mutex<HashMap<Key, Tally>>,
}

impl RateTally {
    /// `sync_every` zero writes every call through (no local counting).
    pub fn new(sync_every: Duration) -> Self {
        Self {
            sync_every,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Tally>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one call locally when this process synced the identity recently.
    pub fn count(&self, client_id: i64, bucket: &'static str, window: DateTime<Utc>) -> Count {
        if self.sync_every.is_zero() {
            return Count::Sync;
        }
        let mut map = self.map();
        match map.get_mut(&(client_id, bucket, window)) {
            Some(t) if t.synced.elapsed() < self.sync_every * 2 => {
                t.pending += 1;
                Count::Local {
                    current: t.current + t.pending + t.inflight,
                    previous: t.previous,
                }
            }
            _ => Count::Sync,
        }
    }

    /// Takes in totals read from the database (they only grow within a window).
    /// Returns the totals to decide on: the database's plus what is counted here unsent.
    pub fn synced(
        &self,
        client_id: i64,
        bucket: &'static str,
        window: DateTime<Utc>,
        current: i32,
        previous: i32,
    ) -> (i32, i32) {
        if self.sync_every.is_zero() {
            return (current, previous);
        }
        let mut map = self.map();
        let t = map.entry((client_id, bucket, window)).or_insert(Tally {
            current,
            previous,
            pending: 0,
            inflight: 0,
            synced: Instant::now(),
        });
        t.current = t.current.max(current);
        t.previous = t.previous.max(previous);
        t.synced = Instant::now();
        (t.current + t.pending + t.inflight, t.previous)
    }

    /// Sends what was counted locally; forgets identities idle for a while.
    pub async fn flush(&self, pool: &PgPool) {
        let batch: Vec<(Key, i32)> = {
            let mut map = self.map();
            let idle = self.sync_every * 10;
            map.retain(|_, t| t.pending + t.inflight > 0 || t.synced.elapsed() < idle);
            map.iter_mut()
                .filter(|(_, t)| t.pending > 0)
                .map(|(k, t)| {
                    let n = t.pending;
                    t.inflight += n;
                    t.pending = 0;
                    (*k, n)
                })
                .collect()
        };
        for ((id, bucket, window), n) in batch {
            let previous_window = window - chrono::TimeDelta::seconds(super::rate::WINDOW_SECS);
            let sent =
                store::guard::add_rate_hits(pool, id, bucket, window, previous_window, n).await;
            let mut map = self.map();
            let Some(t) = map.get_mut(&(id, bucket, window)) else {
                continue;
            };
            t.inflight -= n;
            match sent {
                Ok((current, previous)) => {
                    t.current = t.current.max(current);
                    t.previous = t.previous.max(previous);
                    t.synced = Instant::now();
                }
                Err(e) => {
                    // Kept for the next flush; the database may be back by then.
                    t.pending += n;
                    tracing::debug!(error = %e, "rate counts not flushed");
                }
            }
        }
    }

    /// Flushes every `sync_every` until `shutdown`; the final flush is the caller's.
    pub async fn run(&self, pool: PgPool, shutdown: tokio_util::sync::CancellationToken) {
        if self.sync_every.is_zero() {
            return;
        }
        let mut tick = tokio::time::interval(self.sync_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => self.flush(&pool).await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hour() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_first_call_syncs_then_calls_count_locally_on_top_of_the_totals() {
        let t = RateTally::new(Duration::from_secs(1));
        assert_eq!(t.count(7, "", hour()), Count::Sync);
        assert_eq!(t.synced(7, "", hour(), 5, 3), (5, 3));
        assert_eq!(
            t.count(7, "", hour()),
            Count::Local {
                current: 6,
                previous: 3
            }
        );
        assert_eq!(
            t.count(7, "", hour()),
            Count::Local {
                current: 7,
                previous: 3
            }
        );
        // A sync that raced ahead with an older total does not lose anything.
        assert_eq!(t.synced(7, "", hour(), 4, 3), (7, 3));
        // A new window starts over with a sync; another identity is separate.
        let next = hour() + chrono::TimeDelta::hours(1);
        assert_eq!(t.count(7, "", next), Count::Sync);
        assert_eq!(t.count(8, "", hour()), Count::Sync);
    }

    #[test]
    fn zero_interval_writes_every_call_through() {
        let t = RateTally::new(Duration::ZERO);
        t.synced(7, "", hour(), 1, 0);
        assert_eq!(t.count(7, "", hour()), Count::Sync);
    }

    #[test]
    fn a_stale_identity_syncs_again() {
        let t = RateTally::new(Duration::from_millis(1));
        t.synced(7, "", hour(), 1, 0);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(t.count(7, "", hour()), Count::Sync);
    }
}
