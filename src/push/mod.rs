//! Delivering the outbox: workers claim due pushes, sign them with the receiving identity's
//! secret (Appendix 1), POST them to its callback URL and record every attempt. At least
//! once: a push is settled only after its attempt is recorded; a crash leaves a lease that
//! runs out, and the push is sent again with the same event id.

pub mod deliver;
pub mod ssrf;

use crate::state::AppState;
use crate::store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Runs the worker until `shutdown`, then waits for deliveries in flight.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let deliverer = match deliver::Deliverer::new(&state) {
        Ok(d) => Arc::new(d),
        Err(e) => {
            tracing::error!(error = %e, "push worker not started");
            return;
        }
    };
    let s = &state.settings.push;
    let permits = Arc::new(Semaphore::new(s.concurrency));
    let poll = Duration::from_millis(s.poll_interval_ms);
    let mut listener = listen(&state).await;
    let mut tasks = JoinSet::new();
    tracing::info!(concurrency = s.concurrency, "push worker started");
    while !shutdown.is_cancelled() {
        let free = permits.available_permits();
        let claimed = if free == 0 {
            Vec::new()
        } else {
            match store::pushes::claim(
                &state.db,
                free as i64,
                s.lease_secs as f64,
                s.per_identity_concurrency as i64,
            )
            .await
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming pushes failed; retrying");
                    Vec::new()
                }
            }
        };
        let busy = !claimed.is_empty() && claimed.len() == free;
        for push in claimed {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let d = deliverer.clone();
            tasks.spawn(async move {
                d.deliver(push).await;
                drop(permit);
            });
        }
        while tasks.try_join_next().is_some() {}
        if busy {
            // Every permit is taken: wait for one delivery to finish.
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tasks.join_next() => {}
            }
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(poll) => {}
            _ = notified(&mut listener) => {}
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    let in_flight = tasks.len();
    if in_flight > 0 {
        tracing::info!(in_flight, "push worker finishing deliveries in flight");
    }
    while tasks.join_next().await.is_some() {}
    tracing::info!("push worker stopped");
}

/// LISTEN for new pushes; without it (database down at start) the worker polls.
async fn listen(state: &AppState) -> Option<crate::store::PgListener> {
    crate::store::listen(&state.db, "hxgw_push").await.ok()
}

async fn notified(listener: &mut Option<crate::store::PgListener>) {
    match listener {
        Some(l) => {
            if l.recv().await.is_err() {
                // The connection broke; fall back to polling rather than spin.
                *listener = None;
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}
