//! Per-request facts that several layers add to and the observe middleware reads at the end:
//! request id, authenticated identity, business key, whether the request's transaction has
//! begun to commit. Held in a task-local for the request; outside a request every setter is a
//! no-op, so use cases can call them from workers and the CLI too.

use crate::domain::validation::FieldErrors;
use axum::response::Response;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// What a dialect's router declares about its routes: its dialect's name (audit, logs,
/// metrics) and how it answers a refused path or query, an internal error and an outage, in
/// its own format. One dialect may have several (Qimen answers XML on its router and TOP JSON
/// on `/router/rest`).
#[derive(Clone, Copy)]
pub struct RouteTag {
    pub dialect: &'static str,
    pub problems: fn(FieldErrors) -> Response,
    pub internal: fn() -> Response,
    /// Storage unavailable or the request deadline passed (HTTP 503 where the dialect has it).
    pub unavailable: fn(String) -> Response,
    /// Whether its GET requests are audited: API reads are calls; console page views are not
    /// (its POSTs, the actions, are).
    pub audit_reads: bool,
}

impl std::fmt::Debug for RouteTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteTag")
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub struct RequestContext {
    pub request_id: String,
    client: OnceLock<ClientLabel>,
    business_key: OnceLock<String>,
    committing: AtomicBool,
    /// The caller is a sandbox identity (metrics carry `sandbox="true"`).
    sandbox: AtomicBool,
    /// The tag of the route that matched (dialect `hongxun`, `qimen`, `ops`…); untagged
    /// routes (probes, docs) are not API calls.
    route: OnceLock<RouteTag>,
    /// The operation when the path alone does not name it (a Qimen `method`).
    operation: OnceLock<String>,
    /// The orders the call was about (their ids), for the per-order timeline.
    orders: Mutex<Vec<i64>>,
}

/// The identity of the caller as logs show it: never a secret.
#[derive(Debug, Clone)]
pub struct ClientLabel {
    pub id: i64,
    pub label: String,
}

tokio::task_local! {
    static CONTEXT: Arc<RequestContext>;
}

impl RequestContext {
    pub fn new(request_id: String) -> Arc<Self> {
        Arc::new(Self {
            request_id,
            client: OnceLock::new(),
            business_key: OnceLock::new(),
            committing: AtomicBool::new(false),
            sandbox: AtomicBool::new(false),
            route: OnceLock::new(),
            operation: OnceLock::new(),
            orders: Mutex::new(Vec::new()),
        })
    }

    /// The orders the call was about, in the order it met them.
    pub fn orders(&self) -> Vec<i64> {
        self.orders.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// Whether the caller is a sandbox identity.
    pub fn sandbox(&self) -> bool {
        self.sandbox.load(Ordering::Relaxed)
    }

    pub fn client(&self) -> Option<&ClientLabel> {
        self.client.get()
    }

    pub fn business_key(&self) -> Option<&str> {
        self.business_key.get().map(String::as_str)
    }

    pub fn route(&self) -> Option<RouteTag> {
        self.route.get().copied()
    }

    pub fn dialect(&self) -> Option<&'static str> {
        self.route.get().map(|t| t.dialect)
    }

    pub fn operation(&self) -> Option<&str> {
        self.operation.get().map(String::as_str)
    }

    /// Whether the request's transaction has sent COMMIT: from then on its outcome may be
    /// saved, so the deadline must not answer "nothing was changed".
    pub fn is_committing(&self) -> bool {
        self.committing.load(Ordering::SeqCst)
    }

    /// Runs `fut` with this context as the current one.
    pub async fn scope<F: std::future::Future>(self: Arc<Self>, fut: F) -> F::Output {
        CONTEXT.scope(self, fut).await
    }

    pub fn sync_scope<R>(self: Arc<Self>, f: impl FnOnce() -> R) -> R {
        CONTEXT.sync_scope(self, f)
    }
}

/// The current request id, or `"-"` outside a request.
pub fn request_id() -> String {
    CONTEXT
        .try_with(|c| c.request_id.clone())
        .unwrap_or_else(|_| "-".into())
}

pub fn set_client(id: i64, label: String) {
    let _ = CONTEXT.try_with(|c| c.client.set(ClientLabel { id, label }));
}

/// The caller is a sandbox identity: the request's metrics say so.
pub fn set_sandbox() {
    let _ = CONTEXT.try_with(|c| c.sandbox.store(true, Ordering::Relaxed));
}

pub fn set_business_key(key: String) {
    let _ = CONTEXT.try_with(|c| c.business_key.set(key));
}

/// Marks that the current request's transaction is about to COMMIT.
pub fn set_committing() {
    let _ = CONTEXT.try_with(|c| c.committing.store(true, Ordering::SeqCst));
}

/// The statement that might have committed failed without writing anything (a unique
/// violation aborts it): the request goes on as if it had not been sent.
pub fn clear_committing() {
    let _ = CONTEXT.try_with(|c| c.committing.store(false, Ordering::SeqCst));
}

/// Whether the current request's transaction has begun to COMMIT (false outside a request).
pub fn committing() -> bool {
    CONTEXT.try_with(|c| c.is_committing()).unwrap_or(false)
}

/// Records the tag of the route that serves the current request.
pub fn set_route(tag: RouteTag) {
    let _ = CONTEXT.try_with(|c| c.route.set(tag));
}

/// The tag of the current request's route, once it matched.
pub fn route() -> Option<RouteTag> {
    CONTEXT.try_with(|c| c.route()).ok().flatten()
}

/// Names the operation of the current request (when the path alone does not).
pub fn set_operation(operation: String) {
    let _ = CONTEXT.try_with(|c| c.operation.set(operation));
}

/// At most this many orders are recorded for one call (a result query names up to 50).
const MAX_ORDERS: usize = 100;

/// Notes that the current request is about an order (no-op outside a request).
pub fn add_order(id: i64) {
    let _ = CONTEXT.try_with(|c| {
        if let Ok(mut o) = c.orders.lock() {
            if o.len() < MAX_ORDERS && !o.contains(&id) {
                o.push(id);
            }
        }
    });
}
