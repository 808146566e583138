//! Finished vehicles in a customer's yard: intake and inspections.

use super::auth::Operator;
use super::body::OpsJson;
use crate::dialect::hongxun::error::ApiError;
use crate::dialect::hongxun::order_dto as dto;
use crate::dialect::hongxun::response::ApiOk;
use crate::domain::client::Tenant;
use crate::domain::event::Damage;
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::service::ops::{self, Inspection, YardIntake};
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(vehicle_intake))
        .routes(routes!(inspection))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntakeDto {
    pub customer: Option<String>,
    pub vin: Option<String>,
    pub inventory_code: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub color: Option<String>,
}

#[utoipa::path(post, path = "/ops/v1/vehicles", tag = "ops", security(("ops_token" = [])), request_body = IntakeDto,
    responses((status = 200, description = "vehicle IN_YARD", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn vehicle_intake(
    op: Operator,
    State(app): State<AppState>,
    OpsJson { body: b, call }: OpsJson<IntakeDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let customer = e.required("customer", b.customer, rules::code);
    let vin = e.required("vin", b.vin, crate::domain::order::vin);
    let wh = e.required("inventoryCode", b.inventory_code, rules::code);
    let brand = e.optional("brand", b.brand, rules::opt_name);
    let model = e.optional("model", b.model, rules::opt_name);
    let color = e.optional("color", b.color, rules::opt_name);
    let (customer, (vin, wh)) = e.into_result(customer.zip(vin.zip(wh)))?;
    let v = YardIntake {
        tenant: Tenant(customer),
        vin,
        inventory_code: wh,
        brand,
        model,
        color,
    };
    let out = ops::vehicle_intake(&app.db, call.replay_key(&op), &v).await?;
    Ok(ApiOk::from_outcome(out, |_| {
        Some(json!({"vin": v.vin, "status": "IN_YARD"}))
    }))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DamageDto {
    pub part: Option<String>,
    pub description: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InspectionDto {
    pub customer: Option<String>,
    pub order_code: Option<String>,
    pub inspection_time: Option<String>,
    pub result: Option<String>,
    pub damages: Option<Vec<DamageDto>>,
    pub images: Option<Vec<String>>,
}

#[utoipa::path(post, path = "/ops/v1/vehicles/{vin}/inspections", tag = "ops", security(("ops_token" = [])), params(("vin" = String, Path, description = "VIN")), request_body = InspectionDto,
    responses((status = 200, description = "vehicleInspectionConfirm pushed", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn inspection(
    op: Operator,
    State(app): State<AppState>,
    Path(vin): Path<String>,
    OpsJson { body: b, call }: OpsJson<InspectionDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let customer = e.required("customer", b.customer, rules::code);
    let order_code = e.optional("orderCode", b.order_code, rules::code);
    let at = e
        .optional("inspectionTime", b.inspection_time, dto::time)
        .and_then(|s| crate::auth::timestamp::parse(&s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now);
    let result = e.required("result", b.result, rules::one_of(&["PASS", "DAMAGED"]));
    let mut damages = Vec::new();
    for (i, d) in b.damages.unwrap_or_default().into_iter().enumerate() {
        let part = e.required(format!("damages[{i}].part"), d.part, rules::name);
        let desc = e
            .optional(
                format!("damages[{i}].description"),
                d.description,
                rules::remark,
            )
            .unwrap_or_default();
        if let Some(p) = part {
            damages.push(Damage {
                part: p,
                description: desc,
            });
        }
    }
    let images: Vec<String> = b
        .images
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, u)| e.required(format!("images[{i}]"), Some(u), rules::remark))
        .collect();
    let vin = e.required("vin", Some(vin), crate::domain::order::vin);
    let (customer, (result, vin)) = e.into_result(customer.zip(result.zip(vin)))?;
    let i = Inspection {
        tenant: Tenant(customer),
        vin,
        order_code,
        inspection_time: at,
        result,
        damages,
        images,
    };
    let out = ops::inspect(&app.db, call.replay_key(&op), &i).await?;
    Ok(ApiOk::from_outcome(out, |_| {
        Some(json!({"vin": i.vin, "result": i.result}))
    }))
}
