//! Adjustments ERPs asked for (Qimen inventory.synchronize), waiting for the warehouse: listed,
//! approved (applied to the ledger) or refused. The requester hears the outcome.

use super::auth::Operator;
use super::body::OpsJson;
use crate::dialect::hongxun::error::{ApiError, Code};
use crate::dialect::hongxun::response::ApiOk;
use crate::domain::adjustment::REQUEST_STATUSES;
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::service::adjustment_requests;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(decide))
}

#[derive(Deserialize)]
struct Filter {
    status: Option<String>,
    after: Option<i64>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/ops/v1/adjustment-requests", tag = "ops", security(("ops_token" = [])),
    params(("status" = Option<String>, Query, description = "PENDING (default), APPROVED, REFUSED or ALL"),
           ("after" = Option<i64>, Query, description = "the last id of the previous page"),
           ("limit" = Option<i64>, Query, description = "1–500, default 100")),
    responses((status = 200, description = "requests, oldest first", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn list(
    _: Operator,
    State(app): State<AppState>,
    Query(f): Query<Filter>,
) -> Result<ApiOk, ApiError> {
    let status = f.status.unwrap_or_else(|| "PENDING".into());
    let status = match status.as_str() {
        "ALL" => None,
        s if REQUEST_STATUSES.contains(&s) => Some(s),
        _ => {
            return Err(ApiError::new(
                Code::InvalidField,
                "status: must be one of PENDING, APPROVED, REFUSED, ALL",
            ))
        }
    };
    let items = adjustment_requests::list(
        &app.db,
        status,
        f.after.unwrap_or(0),
        f.limit.unwrap_or(100).clamp(1, 500),
    )
    .await?;
    Ok(ApiOk::new("success", Some(json!({"items": items}))))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionDto {
    /// true applies the adjustment to the ledger; false refuses it.
    pub approve: Option<bool>,
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/ops/v1/adjustment-requests/{id}/decision", tag = "ops", security(("ops_token" = [])),
    params(("id" = i64, Path, description = "the request's id")), request_body = DecisionDto,
    responses((status = 200, description = "decided; the requester hears it (Qimen inventory.synchronize.report)", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (3003 decided already or would take stock below zero)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn decide(
    op: Operator,
    State(app): State<AppState>,
    Path(id): Path<i64>,
    OpsJson { body: b, call }: OpsJson<DecisionDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let approve = e.required("approve", b.approve, Ok);
    let reason = e.optional("reason", b.reason, rules::remark);
    let approve = e.into_result(approve)?;
    let out = adjustment_requests::decide(
        &app.db,
        call.replay_key(&op),
        id,
        approve,
        reason.as_deref(),
        &op.token_name,
    )
    .await?;
    Ok(ApiOk::from_outcome(out, |v| serde_json::to_value(v).ok()))
}
