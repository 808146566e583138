//! Liveness and readiness probes.

use crate::state::AppState;
use crate::store;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::time::Duration;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// Prometheus metrics (text format), for a holder of an ops token. `metrics.bind` serves the
/// same without a token on a separate (private) address.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(("ops_token" = [])),
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", content_type = "text/plain"),
              (status = 401, description = "no or unknown ops token (1001)")))]
async fn metrics(_: crate::ops::auth::Operator, State(app): State<AppState>) -> Response {
    exposition(&app).await
}

/// The metrics page (also served by the `metrics.bind` listener).
pub async fn exposition(app: &AppState) -> Response {
    let text = crate::metrics::render(
        &app.db,
        app.settings.database.max_connections,
        app.writes.sessions.counts(),
    )
    .await;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// The process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "process is alive")))]
async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The database answers and takes writes: the gateway can take traffic.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "ready"), (status = 503, description = "database unreachable, or a read-only standby")))]
async fn readyz(State(app): State<AppState>) -> (StatusCode, Json<Value>) {
    match tokio::time::timeout(Duration::from_secs(2), store::ping(&app.db)).await {
        Ok(Ok(true)) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Ok(Ok(false)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"status": "unavailable", "reason": "database is a read-only standby (failover under way)"}),
            ),
        ),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness probe failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "reason": "database unreachable"})),
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "reason": "database did not answer within 2s"})),
        ),
    }
}
