//! What the warehouse sets up for 3TMS shippers: their organisation tree.

use super::auth::Operator;
use super::body::{customer_path, OpsJson};
use crate::dialect::hongxun::error::ApiError;
use crate::dialect::hongxun::response::ApiOk;
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::service::tms_organizations;
use crate::state::AppState;
use crate::store::tms::OrgNode;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_tree, put_tree))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgNodeDto {
    pub node_id: Option<i64>,
    pub name: Option<String>,
    /// `0`, `0-11`, `0-11-12` …: ends with the node's id.
    pub path: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct OrgTreeDto {
    pub nodes: Option<Vec<OrgNodeDto>>,
}

#[utoipa::path(get, path = "/ops/v1/customers/{customer}/tms/organizations", tag = "ops", security(("ops_token" = [])),
    params(("customer" = String, Path, description = "the customer (createBy)")),
    responses((status = 200, description = "value.nodes: the tree 3TMS /organization/list answers", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn get_tree(
    _: Operator,
    State(app): State<AppState>,
    Path(c): Path<String>,
) -> Result<ApiOk, ApiError> {
    let nodes = tms_organizations::list(&app.db, &customer_path(c)?).await?;
    Ok(ApiOk::new("success", Some(json!({"nodes": nodes}))))
}

/// Replaces a shipper's organisation tree (1–500 nodes).
#[utoipa::path(put, path = "/ops/v1/customers/{customer}/tms/organizations", tag = "ops", security(("ops_token" = [])),
    params(("customer" = String, Path, description = "the customer (createBy)")),
    request_body = OrgTreeDto,
    responses((status = 200, description = "value.nodes: the tree as stored", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error naming every invalid node", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn put_tree(
    _: Operator,
    State(app): State<AppState>,
    Path(c): Path<String>,
    OpsJson { body, .. }: OpsJson<OrgTreeDto>,
) -> Result<ApiOk, ApiError> {
    let t = customer_path(c)?;
    let mut e = FieldErrors::default();
    let list = body.nodes.unwrap_or_default();
    if let Err(m) = rules::count(&list, 1, 500) {
        e.invalid("nodes", m);
    }
    let mut nodes = Vec::new();
    for (i, n) in list.into_iter().enumerate() {
        let p = |f: &str| format!("nodes[{i}].{f}");
        let id = e.required(p("nodeId"), n.node_id, Ok::<i64, String>);
        let name = e.required(p("name"), n.name, rules::name);
        let path = e.required(p("path"), n.path, rules::code);
        if let (Some(node_id), Some(name), Some(path)) = (id, name, path) {
            nodes.push(OrgNode {
                node_id,
                name,
                path,
            });
        }
    }
    e.into_result(Some(()))?;
    tms_organizations::replace(&app.db, &t, &nodes).await?;
    Ok(ApiOk::new("success", Some(json!({"nodes": nodes}))))
}
