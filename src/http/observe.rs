//! The outermost middleware: gives each request its id and context, a tracing span,
//! a deadline, the `X-Request-Id` header, one log line and one audit row.

use super::OutcomeCode;

use crate::context::RequestContext;
use crate::state::AppState;
use crate::store::audit::AuditRow;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::{Duration, Instant};
use tracing::Instrument;

const REQUEST_ID_HEADER: &str = "x-request-id";

/// A client-supplied request id is kept when it is short and plain; otherwise a new one is made.
fn request_id_of(req: &Request) -> String {
    req.headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// A 503-class answer in the dialect of the request's route.
fn unavailable(ctx: &RequestContext, message: String) -> Response {
    match ctx.route() {
        Some(t) => (t.unavailable)(message),
        None => crate::dialect::hongxun::unavailable(message),
    }
}

/// Runs the request within `deadline`. A request cut off before its transaction began to
/// commit changed nothing (dropping it rolls the transaction back), and says so. One whose
/// COMMIT is under way is never cut off there: its outcome is awaited up to `grace` longer;
/// only then does it answer that the outcome is unknown.
async fn within_deadline(
    ctx: &std::sync::Arc<RequestContext>,
    run: impl std::future::Future<Output = Response>,
    deadline: Duration,
    grace: Duration,
) -> Response {
    tokio::pin!(run);
    if let Ok(resp) = tokio::time::timeout(deadline, &mut run).await {
        return resp;
    }
    if ctx.is_committing() {
        if let Ok(resp) = tokio::time::timeout(grace, &mut run).await {
            return resp;
        }
        let message = format!(
            "request did not finish within {} ms while its change was being committed: \
             the outcome is unknown; retry with the same Idempotency-Key or the same signed body",
            (deadline + grace).as_millis()
        );
        return ctx.clone().sync_scope(|| unavailable(ctx, message));
    }
    let message = format!(
        "request did not finish within {} ms; nothing was changed; safe to retry",
        deadline.as_millis()
    );
    ctx.clone().sync_scope(|| unavailable(ctx, message))
}

pub async fn observe(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let arrived = chrono::Utc::now();
    let request_id = request_id_of(&req);
    let method = req.method().to_string();
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let endpoint = matched
        .clone()
        .unwrap_or_else(|| req.uri().path().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        endpoint = %endpoint,
        client = tracing::field::Empty,
    );
    let ctx = RequestContext::new(request_id.clone());
    let deadline = Duration::from_millis(app.settings.server.request_timeout_ms);
    let grace = Duration::from_millis(app.settings.server.commit_grace_ms);
    let run = ctx.clone().scope(next.run(req)).instrument(span.clone());
    let mut resp = within_deadline(&ctx, run, deadline, grace).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    let status = resp.status().as_u16() as i32;
    let code = resp
        .extensions()
        .get::<OutcomeCode>()
        .map(|c| c.0)
        .unwrap_or(status);
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    // The route template, never the raw path: unknown paths must not grow the label set.
    crate::metrics::http_request(
        matched.as_deref().unwrap_or("unmatched"),
        code,
        ctx.sandbox(),
        latency_ms / 1000.0,
    );
    let client = ctx.client();
    tracing::info!(
        parent: &span,
        client = client.map(|c| c.label.as_str()).unwrap_or("-"),
        code,
        http_status = status,
        duration_ms = (latency_ms * 1000.0).round() / 1000.0,
        "request finished"
    );
    // Only the routes of a dialect, the ops API and the console's actions are API calls;
    // probes, docs and console page views are not.
    if ctx
        .route()
        .is_some_and(|t| t.audit_reads || method != "GET")
    {
        let endpoint = match ctx.operation() {
            Some(op) => format!("{endpoint} {op}"),
            None => endpoint,
        };
        app.audit.record(AuditRow {
            request_id,
            // Ops callers are labelled but have no client row.
            client_id: client.map(|c| c.id).filter(|id| *id > 0),
            method,
            endpoint,
            business_key: ctx.business_key().map(str::to_string),
            code,
            http_status: status,
            latency_ms,
            order_ids: ctx.orders(),
            actor: client.map(|c| c.label.clone()),
            at: arrived,
        });
    }
    resp
}
