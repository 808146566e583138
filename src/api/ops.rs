//! §8 warehouse operations API under `/ops/v1`: bearer tokens from `hongxun-gateway token add`,
//! plain JSON bodies, answers in the §1 envelope.

use super::envelope::{serde_reason, ApiOk};
use super::error::{ApiError, Code};
use super::order_dto as dto;
use super::AppState;
use crate::domain::client::Tenant;
use crate::domain::order::INVENTORY_TYPES;
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::service::ops::{
    self, AdjustLine, Adjustment, ConfirmType, Inspection, Package, ReceiptLine, TransportDecision,
    YardIntake,
};
use crate::store;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ops/v1/orders/{hx}/start", post(start))
        .route("/ops/v1/orders/{hx}/receipts", post(receipts))
        .route("/ops/v1/orders/{hx}/shipments", post(shipments))
        .route("/ops/v1/orders/{hx}/confirm", post(confirm))
        .route("/ops/v1/orders/{hx}/cancel-decision", post(cancel_decision))
        .route("/ops/v1/orders/{hx}", get(order))
        .route("/ops/v1/inventory/adjustments", post(adjustments))
        .route("/ops/v1/vehicles", post(vehicle_intake))
        .route("/ops/v1/vehicles/{vin}/inspections", post(inspection))
        .route("/ops/v1/pushes", get(pushes))
        .route("/ops/v1/pushes/{id}/replay", post(replay))
}

/// A caller holding an active ops token.
pub struct Operator {
    pub token_name: String,
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    Code::UnknownIdentity,
                    "Authorization: Bearer <ops token> is required",
                )
            })?;
        let name = crate::auth::authenticate_ops(&app.db, token).await?;
        super::context::set_client(0, format!("ops:{name}"));
        Ok(Self { token_name: name })
    }
}

/// A plain JSON body, with type errors named by path (400 when it is not JSON at all).
pub struct OpsJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for OpsJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, app)
            .await
            .map_err(|e| ApiError::bad_request(format!("could not read the body: {e}")))?;
        let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
            Bytes::from_static(b"{}")
        } else {
            bytes
        };
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de)
            .map(OpsJson)
            .map_err(|e| {
                let path = e.path().to_string();
                if path == "." {
                    ApiError::bad_request(format!(
                        "body is not valid JSON: {}",
                        serde_reason(e.inner())
                    ))
                } else {
                    ApiError::new(
                        Code::InvalidField,
                        format!("{path}: {}", serde_reason(e.inner())),
                    )
                }
            })
    }
}

fn state_value(s: ops::OrderState) -> ApiOk {
    ApiOk::new("success", serde_json::to_value(s).ok())
}

fn confirm_type(e: &mut FieldErrors, v: Option<String>) -> ConfirmType {
    match e
        .required("confirmType", v, rules::one_of(&["PARTIAL", "FINAL"]))
        .as_deref()
    {
        Some("FINAL") => ConfirmType::Final,
        _ => ConfirmType::Partial,
    }
}

fn confirm_time(e: &mut FieldErrors, v: Option<String>) -> DateTime<Utc> {
    e.optional("confirmTime", v, dto::time)
        .and_then(|s| crate::auth::timestamp::parse(&s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/start", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("hx" = String, Path, description = "hxOrderNo")),
    responses((status = 200, description = "work started: PROCESSING", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn start(
    _: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
) -> Result<ApiOk, ApiError> {
    Ok(state_value(ops::start(&app.db, &hx).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptLineDto {
    #[schema(value_type = String)]
    pub line_no: Option<dto::LineNo>,
    pub actual_qty: Option<i64>,
    pub inventory_type: Option<String>,
    pub batch_code: Option<String>,
    pub product_date: Option<String>,
    pub expire_date: Option<String>,
    pub sn_codes: Option<Vec<String>>,
    pub lpn_code: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptDto {
    pub confirm_type: Option<String>,
    pub confirm_time: Option<String>,
    pub lines: Option<Vec<ReceiptLineDto>>,
}

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/receipts", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("hx" = String, Path, description = "hxOrderNo")), request_body = ReceiptDto,
    responses((status = 200, description = "stock added; inOrderStatusConfirm (and inOrderConfirm on FINAL) pushed", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn receipts(
    _: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
    OpsJson(b): OpsJson<ReceiptDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let ct = confirm_type(&mut e, b.confirm_type);
    let at = confirm_time(&mut e, b.confirm_time);
    let mut lines = Vec::new();
    for (i, l) in dto::list(&mut e, "lines", b.lines, 1, dto::MAX_LINES)
        .into_iter()
        .enumerate()
    {
        let p = |f: &str| format!("lines[{i}].{f}");
        let line_no = e.required(
            p("lineNo"),
            l.line_no.map(dto::LineNo::into_string),
            rules::code,
        );
        let qty = e.required(p("actualQty"), l.actual_qty, dto::qty);
        let inventory_type = e.optional(
            p("inventoryType"),
            l.inventory_type,
            rules::one_of(INVENTORY_TYPES),
        );
        let batch_code = e.optional(p("batchCode"), l.batch_code, rules::code);
        let product_date = e.optional(p("productDate"), l.product_date, dto::date);
        let expire_date = e.optional(p("expireDate"), l.expire_date, dto::date);
        let lpn_code = e.optional(p("lpnCode"), l.lpn_code, rules::code);
        if let (Some(line_no), Some(actual_qty)) = (line_no, qty) {
            lines.push(ReceiptLine {
                line_no,
                actual_qty,
                inventory_type,
                batch_code,
                product_date,
                expire_date,
                sn_codes: l.sn_codes.unwrap_or_default(),
                lpn_code,
            });
        }
    }
    e.into_result(Some(()))?;
    Ok(state_value(
        ops::receive(&app.db, &hx, ct, at, &lines).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageItemDto {
    #[schema(value_type = String)]
    pub line_no: Option<dto::LineNo>,
    pub qty: Option<i64>,
    pub sn_codes: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageDto {
    pub package_no: Option<String>,
    pub waybill_no: Option<String>,
    pub carrier_code: Option<String>,
    pub weight: Option<f64>,
    pub length: Option<f64>,
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub items: Option<Vec<PackageItemDto>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentDto {
    pub confirm_type: Option<String>,
    pub confirm_time: Option<String>,
    pub packages: Option<Vec<PackageDto>>,
}

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/shipments", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("hx" = String, Path, description = "hxOrderNo")), request_body = ShipmentDto,
    responses((status = 200, description = "stock consumed; outOrderStatusConfirm (and outOrderConfirm on FINAL) pushed", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn shipments(
    _: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
    OpsJson(b): OpsJson<ShipmentDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let ct = confirm_type(&mut e, b.confirm_type);
    let at = confirm_time(&mut e, b.confirm_time);
    let mut packages = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, p) in dto::list(&mut e, "packages", b.packages, 1, dto::MAX_LINES)
        .into_iter()
        .enumerate()
    {
        let f = |n: &str| format!("packages[{i}].{n}");
        let package_no = e.required(f("packageNo"), p.package_no, rules::code);
        if let Some(n) = &package_no {
            if !seen.insert(n.clone()) {
                e.invalid(f("packageNo"), format!("package {n} appears twice"));
            }
        }
        let waybill_no = e.optional(f("waybillNo"), p.waybill_no, rules::code);
        let carrier_code = e.optional(f("carrierCode"), p.carrier_code, rules::code);
        let weight_kg = e.optional(f("weight"), p.weight, rules::weight);
        let length_cm = e.optional(f("length"), p.length, rules::length);
        let width_cm = e.optional(f("width"), p.width, rules::length);
        let height_cm = e.optional(f("height"), p.height, rules::length);
        let mut items = Vec::new();
        for (j, it) in dto::list(&mut e, &f("items"), p.items, 1, dto::MAX_LINES)
            .into_iter()
            .enumerate()
        {
            let line_no = e.required(
                format!("packages[{i}].items[{j}].lineNo"),
                it.line_no.map(dto::LineNo::into_string),
                rules::code,
            );
            let qty = e.required(format!("packages[{i}].items[{j}].qty"), it.qty, dto::qty);
            if let (Some(l), Some(q)) = (line_no, qty) {
                items.push((l, q, it.sn_codes.unwrap_or_default()));
            }
        }
        if let Some(package_no) = package_no {
            packages.push(Package {
                package_no,
                waybill_no,
                carrier_code,
                weight_kg,
                length_cm,
                width_cm,
                height_cm,
                items,
            });
        }
    }
    e.into_result(Some(()))?;
    Ok(state_value(
        ops::ship(
            &app.db,
            &hx,
            ct,
            at,
            &packages,
            app.settings.dws.weight_tolerance,
        )
        .await?,
    ))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmDto {
    pub accept: Option<bool>,
    pub carrier_code: Option<String>,
    pub waybill_no: Option<String>,
    pub plate_no: Option<String>,
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    pub estimated_pickup_time: Option<String>,
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/confirm", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("hx" = String, Path, description = "hxOrderNo")), request_body = ConfirmDto,
    responses((status = 200, description = "property transfer done or transport accepted/refused", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn confirm(
    _: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
    OpsJson(b): OpsJson<ConfirmDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let d = TransportDecision {
        accept: b.accept.unwrap_or(true),
        carrier_code: e.optional("carrierCode", b.carrier_code, rules::code),
        waybill_no: e.optional("waybillNo", b.waybill_no, rules::code),
        plate_no: e.optional("plateNo", b.plate_no, rules::code),
        driver_name: e.optional("driverName", b.driver_name, rules::opt_name),
        driver_phone: e.optional("driverPhone", b.driver_phone, rules::phone),
        estimated_pickup_time: e.optional(
            "estimatedPickupTime",
            b.estimated_pickup_time,
            dto::time,
        ),
        reason: e.optional("reason", b.reason, rules::remark),
    };
    e.into_result(Some(()))?;
    Ok(state_value(ops::confirm(&app.db, &hx, Some(&d)).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CancelDecisionDto {
    pub approve: Option<bool>,
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/cancel-decision", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("hx" = String, Path, description = "hxOrderNo")), request_body = CancelDecisionDto,
    responses((status = 200, description = "cancelResult pushed", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn cancel_decision(
    _: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
    OpsJson(b): OpsJson<CancelDecisionDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let approve = e.required("approve", b.approve, Ok);
    let reason = e.optional("reason", b.reason, rules::remark);
    let approve = e.into_result(approve)?;
    Ok(state_value(
        ops::decide_cancel(&app.db, &hx, approve, reason.as_deref()).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdjustItemDto {
    pub item_code: Option<String>,
    pub inventory_type: Option<String>,
    /// Signed change.
    pub qty: Option<i64>,
    pub batch_code: Option<String>,
    pub product_date: Option<String>,
    pub expire_date: Option<String>,
    pub remark: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdjustmentDto {
    /// The customer (createBy) whose stock it is.
    pub customer: Option<String>,
    pub warehouse_code: Option<String>,
    pub owner_code: Option<String>,
    pub adjust_order_code: Option<String>,
    pub adjust_type: Option<String>,
    pub items: Option<Vec<AdjustItemDto>>,
}

#[utoipa::path(post, path = "/ops/v1/inventory/adjustments", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)")), request_body = AdjustmentDto,
    responses((status = 200, description = "inventoryAdjust pushed", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn adjustments(
    _: Operator,
    State(app): State<AppState>,
    OpsJson(b): OpsJson<AdjustmentDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let customer = e.required("customer", b.customer, rules::code);
    let wh = e.required("warehouseCode", b.warehouse_code, rules::code);
    let owner = e.required("ownerCode", b.owner_code, rules::code);
    let code = e.required("adjustOrderCode", b.adjust_order_code, rules::code);
    let kind = e.required("adjustType", b.adjust_type, rules::code);
    let mut lines = Vec::new();
    for (i, it) in dto::list(&mut e, "items", b.items, 1, dto::MAX_LINES)
        .into_iter()
        .enumerate()
    {
        let p = |f: &str| format!("items[{i}].{f}");
        let item_code = e.required(p("itemCode"), it.item_code, rules::code);
        let qty = e.required(p("qty"), it.qty, |q: i64| {
            if q == 0 || q.abs() > 1_000_000_000 {
                Err("must be a non-zero integer".to_string())
            } else {
                Ok(q)
            }
        });
        let inventory_type = e
            .optional(
                p("inventoryType"),
                it.inventory_type,
                rules::one_of(INVENTORY_TYPES),
            )
            .unwrap_or_else(|| "ZP".into());
        let batch_code = e.optional(p("batchCode"), it.batch_code, rules::code);
        let product_date = e.optional(p("productDate"), it.product_date, dto::date);
        let expire_date = e.optional(p("expireDate"), it.expire_date, dto::date);
        let remark = e.optional(p("remark"), it.remark, rules::remark);
        if let (Some(item_code), Some(qty)) = (item_code, qty) {
            lines.push(AdjustLine {
                item_code,
                inventory_type,
                qty,
                batch_code,
                product_date,
                expire_date,
                remark,
            });
        }
    }
    let head = match (customer, wh, owner, code, kind) {
        (Some(c), Some(w), Some(o), Some(a), Some(k)) => Some((c, w, o, a, k)),
        _ => None,
    };
    let (customer, wh, owner, code, kind) = e.into_result(head)?;
    let a = Adjustment {
        tenant: Tenant(customer),
        inventory_code: wh,
        subbase_code: owner,
        adjust_order_code: code,
        adjust_type: kind,
        lines,
    };
    let recipients = ops::adjust(&app.db, &a).await?;
    Ok(ApiOk::new(
        "success",
        Some(json!({"adjustOrderCode": a.adjust_order_code, "pushRecipients": recipients})),
    ))
}

#[derive(Deserialize)]
struct PushFilter {
    pub status: Option<String>,
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/ops/v1/pushes", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("status" = Option<String>, Query, description = "pending, delivered or dead (default)")),
    responses((status = 200, description = "pushes in that status", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
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
    let items: Vec<_> = rows.into_iter().map(push_json).collect();
    Ok(ApiOk::new("success", Some(json!({"items": items}))))
}

fn push_json(p: store::pushes::PushRow) -> serde_json::Value {
    json!({
        "id": p.id, "eventId": p.event_id, "eventType": p.event_type, "customer": p.tenant,
        "clientId": p.client_id, "orderKey": p.order_key, "status": p.status, "attempts": p.attempts,
        "nextAttemptAt": p.next_attempt_at, "lastError": p.last_error, "createdAt": p.created_at,
        "deliveredAt": p.delivered_at, "payload": p.payload,
    })
}

#[utoipa::path(post, path = "/ops/v1/pushes/{id}/replay", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("id" = i64, Path, description = "push id")),
    responses((status = 200, description = "push queued again with the same eventId", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn replay(
    _: Operator,
    State(app): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiOk, ApiError> {
    let row = ops::replay_push(&app.db, id).await?;
    Ok(ApiOk::new("success", Some(push_json(row))))
}

#[utoipa::path(get, path = "/ops/v1/orders/{hx}", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("hx" = String, Path, description = "hxOrderNo")),
    responses((status = 200, description = "the order with lines, history, batches and pushes", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn order(
    _: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
) -> Result<ApiOk, ApiError> {
    Ok(ApiOk::new(
        "success",
        Some(ops::order_view(&app.db, &hx).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntakeDto {
    pub customer: Option<String>,
    pub vin: Option<String>,
    pub inventory_code: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub color: Option<String>,
}

#[utoipa::path(post, path = "/ops/v1/vehicles", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)")), request_body = IntakeDto,
    responses((status = 200, description = "vehicle IN_YARD", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn vehicle_intake(
    _: Operator,
    State(app): State<AppState>,
    OpsJson(b): OpsJson<IntakeDto>,
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
    ops::vehicle_intake(&app.db, &v).await?;
    Ok(ApiOk::new(
        "success",
        Some(json!({"vin": v.vin, "status": "IN_YARD"})),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DamageDto {
    pub part: Option<String>,
    pub description: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InspectionDto {
    pub customer: Option<String>,
    pub order_code: Option<String>,
    pub inspection_time: Option<String>,
    pub result: Option<String>,
    pub damages: Option<Vec<DamageDto>>,
    pub images: Option<Vec<String>>,
}

#[utoipa::path(post, path = "/ops/v1/vehicles/{vin}/inspections", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("vin" = String, Path, description = "VIN")), request_body = InspectionDto,
    responses((status = 200, description = "vehicleInspectionConfirm pushed", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn inspection(
    _: Operator,
    State(app): State<AppState>,
    Path(vin): Path<String>,
    OpsJson(b): OpsJson<InspectionDto>,
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
            damages.push((p, desc));
        }
    }
    let (customer, result) = e.into_result(customer.zip(result))?;
    let i = Inspection {
        tenant: Tenant(customer),
        vin,
        order_code,
        inspection_time: at,
        result,
        damages,
        images: b.images.unwrap_or_default(),
    };
    ops::inspect(&app.db, &i).await?;
    Ok(ApiOk::new(
        "success",
        Some(json!({"vin": i.vin, "result": i.result})),
    ))
}
