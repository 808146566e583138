//! Pushes as the floor sees them: listed by status, replayed.

use super::auth::Operator;
use super::body::{NoBody, OpsJson};
use crate::dialect::hongxun::error::{ApiError, Code};
use crate::dialect::hongxun::response::ApiOk;
use crate::service::ops;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pushes))
        .routes(routes!(replay))
}

#[derive(Deserialize)]
struct PushFilter {
    pub status: Option<String>,
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/ops/v1/pushes", tag = "ops", security(("ops_token" = [])), params(("status" = Option<String>, Query, description = "pending, delivered or dead (default)")),
    responses((status = 200, description = "pushes in that status", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn pushes(
    _: Operator,
    State(app): State<AppState>,
    Query(f): Query<PushFilter>,
) -> Result<ApiOk, ApiError> {
    let status = f.status.unwrap_or_else(|| "dead".into());
    if !["pending", "delivered", "dead"].contains(&status.as_str()) {
        return Err(ApiError::new(
            Code::InvalidField,
            "status: must be one of pending, delivered, dead",
        ));
    }
    let rows = ops::list_pushes(&app.db, &status, f.limit.unwrap_or(100).clamp(1, 1000)).await?;
    let items: Vec<ops::PushView> = rows.into_iter().map(ops::PushView::from).collect();
    Ok(ApiOk::new("success", Some(json!({"items": items}))))
}

#[utoipa::path(post, path = "/ops/v1/pushes/{id}/replay", tag = "ops", security(("ops_token" = [])), params(("id" = i64, Path, description = "push id")),
    responses((status = 200, description = "push queued again with the same eventId", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn replay(
    op: Operator,
    State(app): State<AppState>,
    Path(id): Path<i64>,
    b: OpsJson<NoBody>,
) -> Result<ApiOk, ApiError> {
    let out = ops::replay_push(&app.db, b.call.replay_key(&op), id).await?;
    Ok(ApiOk::from_outcome(out, |v| serde_json::to_value(v).ok()))
}
