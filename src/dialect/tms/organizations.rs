//! `/organization/list`: the shipper's organisation tree.

use super::answer::Answer;
use super::call::{service_failure, Account};
use crate::service::tms_organizations;
use crate::state::AppState;
use axum::extract::State;
use serde_json::json;

/// 获取组织机构列表: `[{nodeId, name, path}]`; the root alone until the warehouse sets a tree.
#[utoipa::path(post, path = "/organization/list", tag = "tms", security(("tms_token" = [])),
    responses((status = 200, description = "{code: 200, data: [{nodeId, name, path}]}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn list(Account(who): Account, State(app): State<AppState>) -> Answer {
    match tms_organizations::list(&app.db, &who.tenant()).await {
        Ok(nodes) => Answer::Ok(json!(nodes
            .iter()
            .map(|n| json!({"nodeId": n.node_id, "name": n.name, "path": n.path}))
            .collect::<Vec<_>>())),
        Err(e) => service_failure(e),
    }
}
