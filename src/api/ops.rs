//! §8 warehouse operations API under `/ops/v1`: bearer tokens from `hongxun-gateway token add`,
//! plain JSON bodies, answers in the §1 envelope.

use super::envelope::ApiOk;
use super::error::{ApiError, Code};
use super::order_dto as dto;
use super::AppState;
use crate::domain::client::Tenant;
use crate::domain::hygiene;
use crate::domain::order::content_fingerprint;
use crate::domain::order::INVENTORY_TYPES;
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::service::ops::{
    self, AdjustLine, Adjustment, BatchHead, ConfirmType, Inspection, Package, ReceiptLine,
    TransportDecision, YardIntake,
};
use crate::service::{Outcome, ReplayKey};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
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
        crate::context::set_client(0, format!("ops:{name}"));
        Ok(Self { token_name: name })
    }
}

/// A plain JSON body (every type error named by its path; 413 beyond the body limit; every
/// string through the text hygiene check; unknown members dropped), and the call's
/// `Idempotency-Key` with the fingerprints that decide "the same request".
pub struct OpsJson<T> {
    pub body: T,
    pub call: OpsCall,
}

/// What identifies an ops call for idempotency.
pub struct OpsCall {
    idempotency_key: Option<String>,
    /// Of method, path and body: what an `Idempotency-Key` must be used with again.
    request_fingerprint: String,
    /// Of the body alone: "the same content" for natural keys (batchNo, adjustOrderCode).
    pub content_fingerprint: String,
}

/// The body of a POST that takes none.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct NoBody {}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let ok = (1..=255).contains(&v.len()) && v.as_bytes().iter().all(|b| (0x21..=0x7e).contains(b));
    if !ok {
        return Err(ApiError::new(
            Code::InvalidField,
            "Idempotency-Key: must be 1–255 visible ASCII characters",
        ));
    }
    Ok(v.to_str().ok().map(str::to_string))
}

impl OpsCall {
    /// The call's idempotency key under `op`'s token, when it sent one.
    pub fn replay_key<'a>(&'a self, op: &'a Operator) -> Option<ReplayKey<'a>> {
        self.idempotency_key.as_deref().map(|key| ReplayKey::Keyed {
            caller: &op.token_name,
            key,
            fingerprint: &self.request_fingerprint,
        })
    }
}

impl<T: DeserializeOwned + Serialize> FromRequest<AppState> for OpsJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, ApiError> {
        let idempotency_key = idempotency_key(req.headers())?;
        let method = req.method().to_string();
        let path = req.uri().path().to_string();
        let bytes = Bytes::from_request(req, app)
            .await
            .map_err(ApiError::body_rejection)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| ApiError::bad_request("body is not valid UTF-8"))?;
        let text = if text.trim().is_empty() { "{}" } else { text };
        if !text.trim_start().starts_with('{') {
            return Err(ApiError::bad_request("body is not a JSON object"));
        }
        let body: T = super::json_input::read(text, "")?;
        let bad = hygiene::check(&body, "");
        if !bad.is_empty() {
            return Err(bad.into());
        }
        let known = serde_json::to_value(&body).unwrap_or_default();
        let content_fingerprint = content_fingerprint(&known);
        let request_fingerprint =
            content_fingerprint_of(&json!({"method": method, "path": path, "body": known}));
        Ok(OpsJson {
            body,
            call: OpsCall {
                idempotency_key,
                request_fingerprint,
                content_fingerprint,
            },
        })
    }
}

fn content_fingerprint_of(v: &serde_json::Value) -> String {
    content_fingerprint(v)
}

/// A list of codes (serial numbers), each checked as a code; absent is empty.
fn codes(e: &mut FieldErrors, at: &str, v: Option<Vec<String>>) -> Vec<String> {
    v.unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| e.required(format!("{at}[{i}]"), Some(c), rules::code))
        .collect()
}

fn state_value(s: Outcome<ops::OrderState>) -> ApiOk {
    ApiOk::from_outcome(s, |v| serde_json::to_value(v).ok())
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
    op: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
    b: OpsJson<NoBody>,
) -> Result<ApiOk, ApiError> {
    Ok(state_value(
        ops::start(&app.db, b.call.replay_key(&op), &hx).await?,
    ))
}

/// The head of a receipt or shipment batch: confirmType, confirmTime, batchNo.
fn batch_head(
    e: &mut FieldErrors,
    confirm_type_v: Option<String>,
    confirm_time_v: Option<String>,
    batch_no: Option<String>,
    fingerprint: &str,
) -> BatchHead {
    BatchHead {
        confirm_type: confirm_type(e, confirm_type_v),
        confirm_time: confirm_time(e, confirm_time_v),
        batch_no: e.optional("batchNo", batch_no, rules::code),
        fingerprint: fingerprint.to_string(),
    }
}

#[derive(Deserialize, Serialize, ToSchema)]
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

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptDto {
    /// The warehouse's number of this batch, unique per order: a batch sent again with it
    /// (same content) answers what it answered and changes nothing; other content is 3002.
    pub batch_no: Option<String>,
    pub confirm_type: Option<String>,
    pub confirm_time: Option<String>,
    pub lines: Option<Vec<ReceiptLineDto>>,
}

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/receipts", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("hx" = String, Path, description = "hxOrderNo")), request_body = ReceiptDto,
    responses((status = 200, description = "stock added; inOrderStatusConfirm (and inOrderConfirm on FINAL) pushed", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn receipts(
    op: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
    OpsJson { body: b, call }: OpsJson<ReceiptDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let head = batch_head(
        &mut e,
        b.confirm_type,
        b.confirm_time,
        b.batch_no,
        &call.content_fingerprint,
    );
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
                sn_codes: codes(&mut e, &p("snCodes"), l.sn_codes),
                lpn_code,
            });
        }
    }
    e.into_result(Some(()))?;
    Ok(state_value(
        ops::receive(&app.db, call.replay_key(&op), &hx, &head, &lines).await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageItemDto {
    #[schema(value_type = String)]
    pub line_no: Option<dto::LineNo>,
    pub qty: Option<i64>,
    pub sn_codes: Option<Vec<String>>,
}

#[derive(Deserialize, Serialize, ToSchema)]
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

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentDto {
    /// As for receipts: unique per order.
    pub batch_no: Option<String>,
    pub confirm_type: Option<String>,
    pub confirm_time: Option<String>,
    pub packages: Option<Vec<PackageDto>>,
}

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/shipments", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("hx" = String, Path, description = "hxOrderNo")), request_body = ShipmentDto,
    responses((status = 200, description = "stock consumed; outOrderStatusConfirm (and outOrderConfirm on FINAL) pushed", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn shipments(
    op: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
    OpsJson { body: b, call }: OpsJson<ShipmentDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let head = batch_head(
        &mut e,
        b.confirm_type,
        b.confirm_time,
        b.batch_no,
        &call.content_fingerprint,
    );
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
                let sns = codes(
                    &mut e,
                    &format!("packages[{i}].items[{j}].snCodes"),
                    it.sn_codes,
                );
                items.push((l, q, sns));
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
            call.replay_key(&op),
            &hx,
            &head,
            &packages,
            app.settings.dws.weight_tolerance,
        )
        .await?,
    ))
}

#[derive(Deserialize, Serialize, Default, ToSchema)]
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
    op: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
    OpsJson { body: b, call }: OpsJson<ConfirmDto>,
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
    Ok(state_value(
        ops::confirm(&app.db, call.replay_key(&op), &hx, Some(&d)).await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CancelDecisionDto {
    pub approve: Option<bool>,
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/cancel-decision", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("hx" = String, Path, description = "hxOrderNo")), request_body = CancelDecisionDto,
    responses((status = 200, description = "cancelResult pushed", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn cancel_decision(
    op: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
    OpsJson { body: b, call }: OpsJson<CancelDecisionDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let approve = e.required("approve", b.approve, Ok);
    let reason = e.optional("reason", b.reason, rules::remark);
    let approve = e.into_result(approve)?;
    Ok(state_value(
        ops::decide_cancel(
            &app.db,
            call.replay_key(&op),
            &hx,
            approve,
            reason.as_deref(),
        )
        .await?,
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdjustItemDto {
    pub item_code: Option<String>,
    pub inventory_type: Option<String>,
    /// Signed change.
    pub qty: Option<i64>,
    pub batch_code: Option<String>,
    pub product_date: Option<String>,
    pub expire_date: Option<String>,
    /// 生产批号
    pub produce_code: Option<String>,
    /// 商品序列号
    pub sn_code: Option<String>,
    pub remark: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema)]
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
    op: Operator,
    State(app): State<AppState>,
    OpsJson { body: b, call }: OpsJson<AdjustmentDto>,
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
        let produce_code = e.optional(p("produceCode"), it.produce_code, rules::code);
        let sn_code = e.optional(p("snCode"), it.sn_code, rules::code);
        let remark = e.optional(p("remark"), it.remark, rules::remark);
        if let (Some(item_code), Some(qty)) = (item_code, qty) {
            lines.push(AdjustLine {
                item_code,
                inventory_type,
                qty,
                batch_code,
                product_date,
                expire_date,
                produce_code,
                sn_code,
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
        fingerprint: call.content_fingerprint.clone(),
    };
    let out = ops::adjust(&app.db, call.replay_key(&op), &a).await?;
    Ok(ApiOk::from_outcome(out, |v| serde_json::to_value(v).ok()))
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
    let items: Vec<ops::PushView> = rows.into_iter().map(ops::PushView::from).collect();
    Ok(ApiOk::new("success", Some(json!({"items": items}))))
}

#[utoipa::path(post, path = "/ops/v1/pushes/{id}/replay", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("id" = i64, Path, description = "push id")),
    responses((status = 200, description = "push queued again with the same eventId", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
async fn replay(
    op: Operator,
    State(app): State<AppState>,
    Path(id): Path<i64>,
    b: OpsJson<NoBody>,
) -> Result<ApiOk, ApiError> {
    let out = ops::replay_push(&app.db, b.call.replay_key(&op), id).await?;
    Ok(ApiOk::from_outcome(out, |v| serde_json::to_value(v).ok()))
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

#[utoipa::path(post, path = "/ops/v1/vehicles", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)")), request_body = IntakeDto,
    responses((status = 200, description = "vehicle IN_YARD", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
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

#[utoipa::path(post, path = "/ops/v1/vehicles/{vin}/inspections", tag = "ops", params(("Authorization" = String, Header, description = "Bearer <ops token> (hongxun-gateway token add)"), ("vin" = String, Path, description = "VIN")), request_body = InspectionDto,
    responses((status = 200, description = "vehicleInspectionConfirm pushed", body = super::envelope::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = super::envelope::ResponseEnvelope)))]
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
            damages.push((p, desc));
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
