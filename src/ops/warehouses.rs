//! A customer's warehouses as records (name, code, address, contact, status): listed and
//! edited by the warehouse's people. 库存组织同步 creates and refreshes them; the OMS
//! `warehouse.getList`/`getDetail` read them.

use super::auth::Operator;
use super::body::{customer_path, OpsJson};
use crate::dialect::hongxun::error::ApiError;
use crate::dialect::hongxun::response::ApiOk;
use crate::domain::rules;
use crate::domain::time;
use crate::domain::validation::FieldErrors;
use crate::domain::warehouse::{Warehouse, WarehouseChange, WarehouseFilter};
use crate::service::warehouses;
use crate::state::AppState;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(edit))
}

fn view(w: &Warehouse) -> Value {
    json!({
        "id": w.id, "code": w.code, "name": w.name, "shortName": w.short_name,
        "contactPerson": w.contact_person, "contactPhone": w.contact_phone,
        "country": w.country, "province": w.province, "city": w.city, "district": w.district,
        "street": w.street, "address": w.address, "zip": w.zip,
        "status": if w.enabled { "ENABLED" } else { "DISABLED" },
        "createTime": time::format(w.created_at), "updateTime": time::format(w.updated_at),
    })
}

#[utoipa::path(get, path = "/ops/v1/customers/{customer}/warehouses", tag = "ops", security(("ops_token" = [])),
    params(("customer" = String, Path, description = "the customer (createBy)")),
    responses((status = 200, description = "value.items: the customer's warehouses in creation order (at most 1000)", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn list(
    _: Operator,
    State(app): State<AppState>,
    Path(c): Path<String>,
) -> Result<ApiOk, ApiError> {
    let tenant = customer_path(c)?;
    let (total, items) =
        warehouses::list(&app.db, &tenant, &WarehouseFilter::default(), 0, 1000).await?;
    let items: Vec<Value> = items.iter().map(view).collect();
    Ok(ApiOk::new(
        "success",
        Some(json!({"total": total, "items": items})),
    ))
}

/// An edit: absent members stay as they are, an empty string clears an optional one.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct WarehouseDto {
    /// Required when the warehouse is new.
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
    pub country: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub street: Option<String>,
    pub address: Option<String>,
    pub zip: Option<String>,
    /// ENABLED or DISABLED.
    pub status: Option<String>,
}

/// An optional text: absent → unchanged, "" → cleared, else checked by `rule`.
fn text(
    e: &mut FieldErrors,
    at: &str,
    v: Option<String>,
    rule: fn(String) -> Result<String, String>,
) -> Option<Option<String>> {
    match v {
        None => None,
        Some(s) if s.is_empty() => Some(None),
        Some(s) => e.optional(at, Some(s), rule).map(Some),
    }
}

#[utoipa::path(put, path = "/ops/v1/customers/{customer}/warehouses/{code}", tag = "ops", security(("ops_token" = [])),
    params(("customer" = String, Path, description = "the customer (createBy)"),
           ("code" = String, Path, description = "the warehouse code (inventoryCode, branch_bn)")),
    request_body = WarehouseDto,
    responses((status = 200, description = "value: the warehouse after the edit", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (2001 a new warehouse without name)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn edit(
    _: Operator,
    State(app): State<AppState>,
    Path((c, code)): Path<(String, String)>,
    OpsJson { body: b, .. }: OpsJson<WarehouseDto>,
) -> Result<ApiOk, ApiError> {
    let tenant = customer_path(c)?;
    let mut e = FieldErrors::default();
    let code = e.required("code", Some(code), rules::code);
    let change = WarehouseChange {
        name: e.optional("name", b.name, rules::name),
        short_name: text(&mut e, "shortName", b.short_name, rules::opt_name),
        contact_person: text(&mut e, "contactPerson", b.contact_person, rules::opt_name),
        contact_phone: text(&mut e, "contactPhone", b.contact_phone, rules::phone),
        country: text(&mut e, "country", b.country, rules::opt_name),
        province: text(&mut e, "province", b.province, rules::opt_name),
        city: text(&mut e, "city", b.city, rules::opt_name),
        district: text(&mut e, "district", b.district, rules::opt_name),
        street: text(&mut e, "street", b.street, rules::opt_name),
        address: text(&mut e, "address", b.address, rules::opt_name),
        zip: text(&mut e, "zip", b.zip, rules::code),
        enabled: e
            .optional("status", b.status, rules::one_of(&["ENABLED", "DISABLED"]))
            .map(|s| s == "ENABLED"),
    };
    let code = e.into_result(code)?;
    let w = warehouses::edit(&app.db, &tenant, &code, &change).await?;
    Ok(ApiOk::new("success", Some(view(&w))))
}
