//! Delivering the outbox: workers claim due pushes, the receiving identity's dialect renders
//! each (a 鸿讯 §6 push, a Qimen method call…) and signs it with that identity's secret, it is
//! POSTed to the callback URL and every attempt is recorded. At least once: a push is settled
//! only after its attempt is recorded; a crash leaves a lease that runs out, and the push is
//! sent again with the same event id. Retries, ordering, leases, fairness, the SSRF guard and
//! dead/replay are the same for every dialect.

pub mod check;
pub mod deliver;
pub mod ssrf;

use crate::auth::links::Links;
use crate::domain::client::Dialect;
use crate::domain::event::DomainEvent;
use crate::state::AppState;
use crate::store;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The identity a push goes to, as its dialect needs it to address and sign the push.
pub struct Receiver {
    pub create_by: String,
    pub data_source: String,
    pub secret: SecretString,
    pub callback_url: String,
    /// Qimen: the app key and customerId the identity calls with (its system parameters).
    pub app_key: Option<String>,
    pub customer_id: Option<String>,
    /// Identities that receive by subscription (3TMS): the callback URL of each scope.
    pub subscriptions: std::collections::BTreeMap<String, String>,
}

/// One push to render.
pub struct Outgoing<'a> {
    pub event: &'a DomainEvent,
    /// Stable across retries and replays: receivers deduplicate on it.
    pub event_id: uuid::Uuid,
    /// When the change committed.
    pub created_at: DateTime<Utc>,
    pub receiver: &'a Receiver,
    /// Download links of sign-off images, made now.
    pub links: &'a Links<'a>,
    pub now: DateTime<Utc>,
}

/// The request a dialect makes of a push: POSTed to `url` with `body`.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub url: String,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// How a dialect speaks to its receivers.
pub trait PushDialect: Send + Sync {
    /// The signed request for this push, or `None` when the dialect has no message for the
    /// event (the push is then marked `skipped`).
    fn render(&self, push: &Outgoing<'_>) -> Result<Option<Rendered>, String>;
    /// Whether the receiver's answer means the push was delivered.
    fn accepted(&self, http_status: u16, body: &str) -> bool;
    /// The push type a rendered request is, as the dialect names it (a §6 type, a Qimen
    /// method, a 3TMS state): what `receiver-check` reports.
    fn push_type(&self, rendered: &Rendered) -> String;
}

/// The push renderers of the dialects, registered where the application is put together.
#[derive(Default, Clone)]
pub struct Dialects(HashMap<Dialect, Arc<dyn PushDialect>>);

impl Dialects {
    pub fn with(mut self, dialect: Dialect, renderer: impl PushDialect + 'static) -> Self {
        self.0.insert(dialect, Arc::new(renderer));
        self
    }

    pub fn get(&self, dialect: Dialect) -> Option<Arc<dyn PushDialect>> {
        self.0.get(&dialect).cloned()
    }
}

/// Runs the worker until `shutdown`, then waits for deliveries in flight.
pub async fn run(state: AppState, dialects: Arc<Dialects>, shutdown: CancellationToken) {
    let deliverer = match deliver::Deliverer::new(&state, dialects) {
        Ok(d) => Arc::new(d),
        Err(e) => {
            tracing::error!(error = %e, "push worker not started");
            return;
        }
    };
    let s = &state.settings.push;
    let permits = Arc::new(Semaphore::new(s.concurrency));
    let poll = Duration::from_millis(s.poll_interval_ms);
    let wake = Arc::new(tokio::sync::Notify::new());
    tokio::spawn(wake_on_notify(
        state.db.clone(),
        wake.clone(),
        shutdown.clone(),
    ));
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
            _ = wake.notified() => {}
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

/// Keeps a LISTEN for new pushes, reconnecting after a failure (an outage, a failover: the
/// old primary's connection breaks and a new one reaches the new primary); each notification
/// wakes the worker. What was said while disconnected is lost, so each reconnection wakes it
/// once; and the worker polls meanwhile, as it always does.
async fn wake_on_notify(
    db: sqlx::PgPool,
    wake: Arc<tokio::sync::Notify>,
    shutdown: CancellationToken,
) {
    loop {
        let listener = tokio::select! {
            _ = shutdown.cancelled() => return,
            l = crate::store::listen(&db, "hxgw_push") => l,
        };
        if let Ok(mut l) = listener {
            wake.notify_one();
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    n = l.try_recv() => match n {
                        Ok(Some(_)) => wake.notify_one(),
                        Ok(None) | Err(_) => break,
                    },
                }
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}
