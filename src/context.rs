//! Per-request facts that several layers add to and the observe middleware reads at the end:
//! request id, authenticated identity, business key, whether the request's transaction has
//! begun to commit. Held in a task-local for the request; outside a request every setter is a
//! no-op, so use cases can call them from workers and the CLI too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

#[derive(Debug)]
pub struct RequestContext {
    pub request_id: String,
    client: OnceLock<ClientLabel>,
    business_key: OnceLock<String>,
    committing: AtomicBool,
    /// The dialect whose router matched (`hongxun`, `qimen`, `ops`…); untagged routes
    /// (probes, docs) are not API calls.
    dialect: OnceLock<&'static str>,
    /// The operation when the path alone does not name it (a Qimen `method`).
    operation: OnceLock<String>,
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
            dialect: OnceLock::new(),
            operation: OnceLock::new(),
        })
    }

    pub fn client(&self) -> Option<&ClientLabel> {
        self.client.get()
    }

    pub fn business_key(&self) -> Option<&str> {
        self.business_key.get().map(String::as_str)
    }

    pub fn dialect(&self) -> Option<&'static str> {
        self.dialect.get().copied()
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

pub fn set_business_key(key: String) {
    let _ = CONTEXT.try_with(|c| c.business_key.set(key));
}

/// Marks that the current request's transaction is about to COMMIT.
pub fn set_committing() {
    let _ = CONTEXT.try_with(|c| c.committing.store(true, Ordering::SeqCst));
}

/// Whether the current request's transaction has begun to COMMIT (false outside a request).
pub fn committing() -> bool {
    CONTEXT.try_with(|c| c.is_committing()).unwrap_or(false)
}

/// Records which dialect's router serves the current request.
pub fn set_dialect(dialect: &'static str) {
    let _ = CONTEXT.try_with(|c| c.dialect.set(dialect));
}

/// The dialect of the current request, once its router matched.
pub fn dialect() -> Option<&'static str> {
    CONTEXT.try_with(|c| c.dialect()).ok().flatten()
}

/// Names the operation of the current request (when the path alone does not).
pub fn set_operation(operation: String) {
    let _ = CONTEXT.try_with(|c| c.operation.set(operation));
}
