//! The order operations of the warehouse floor: start, receipts, shipments, confirm, cancel
//! decisions, and the order as the floor sees it.

use super::auth::Operator;
use super::body::{batch_head, codes, state_value, NoBody, OpsJson};
use crate::dialect::hongxun;
use crate::dialect::hongxun::error::ApiError;
use crate::dialect::hongxun::order_dto as dto;
use crate::dialect::hongxun::response::ApiOk;
use crate::domain::event::Dispatch;
use crate::domain::order::INVENTORY_TYPES;
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::service::ops::{self, Package, ReceiptLine, TransportDecision};
use crate::state::AppState;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start))
        .routes(routes!(receipts))
        .routes(routes!(shipments))
        .routes(routes!(confirm))
        .routes(routes!(cancel_decision))
        .routes(routes!(order))
        .routes(routes!(timeline))
}

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/start", tag = "ops", security(("ops_token" = [])), params(("hx" = String, Path, description = "hxOrderNo")),
    responses((status = 200, description = "work started: PROCESSING", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
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

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/receipts", tag = "ops", security(("ops_token" = [])), params(("hx" = String, Path, description = "hxOrderNo")), request_body = ReceiptDto,
    responses((status = 200, description = "stock added; inOrderStatusConfirm (and inOrderConfirm on FINAL) pushed", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
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

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/shipments", tag = "ops", security(("ops_token" = [])), params(("hx" = String, Path, description = "hxOrderNo")), request_body = ShipmentDto,
    responses((status = 200, description = "stock consumed; outOrderStatusConfirm (and outOrderConfirm on FINAL) pushed", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
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

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/confirm", tag = "ops", security(("ops_token" = [])), params(("hx" = String, Path, description = "hxOrderNo")), request_body = ConfirmDto,
    responses((status = 200, description = "property transfer done or transport accepted/refused", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn confirm(
    op: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
    OpsJson { body: b, call }: OpsJson<ConfirmDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let d = TransportDecision {
        accept: b.accept.unwrap_or(true),
        dispatch: Dispatch {
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
        },
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

#[utoipa::path(post, path = "/ops/v1/orders/{hx}/cancel-decision", tag = "ops", security(("ops_token" = [])), params(("hx" = String, Path, description = "hxOrderNo")), request_body = CancelDecisionDto,
    responses((status = 200, description = "cancelResult pushed", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
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

#[utoipa::path(get, path = "/ops/v1/orders/{hx}", tag = "ops", security(("ops_token" = [])), params(("hx" = String, Path, description = "hxOrderNo")),
    responses((status = 200, description = "the order with lines, history, batches and pushes", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn order(
    _: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
) -> Result<ApiOk, ApiError> {
    Ok(ApiOk::new(
        "success",
        Some(order_json(ops::order_view(&app.db, &hx).await?)),
    ))
}

#[utoipa::path(get, path = "/ops/v1/orders/{hx}/timeline", tag = "ops", security(("ops_token" = [])), params(("hx" = String, Path, description = "hxOrderNo")),
    responses((status = 200, description = "value.events: every event about the order, oldest first, each {time, kind, summary, detail}; kinds api_call, status, confirmation, push, push_attempt, route, sign_off, dws_scan", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (3001 no such order)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn timeline(
    _: Operator,
    State(app): State<AppState>,
    Path(hx): Path<String>,
) -> Result<ApiOk, ApiError> {
    let (o, entries) = ops::timeline(&app.db, &hx).await?;
    let events: Vec<serde_json::Value> = entries
        .into_iter()
        .map(|e| {
            json!({"time": crate::auth::timestamp::format(e.time), "kind": e.kind,
                   "summary": e.summary, "detail": e.detail})
        })
        .collect();
    Ok(ApiOk::new(
        "success",
        Some(json!({
            "hxOrderNo": o.hx_order_no, "orderCode": o.order_code, "customer": o.tenant,
            "kind": o.kind, "status": o.status, "events": events,
        })),
    ))
}

/// The order as the floor sees it: header, lines, history, batches and pushes.
fn order_json(v: ops::OrderView) -> serde_json::Value {
    let o = &v.order;
    let t = crate::auth::timestamp::format;
    json!({
        "orderCode": o.order_code, "hxOrderNo": o.hx_order_no, "orderType": o.order_type,
        "inventoryCode": o.inventory_code, "subbaseCode": o.subbase_code,
        "customer": o.tenant, "kind": o.kind, "status": o.status, "toSubbaseCode": o.to_subbase_code,
        "request": o.request,
        "lines": v.lines.iter().map(|l| json!({
            "lineNo": l.line_no, "itemCode": l.item_code, "planQty": l.plan_qty, "actualQty": l.actual_qty,
            "inventoryType": l.inventory_type, "batchCode": l.batch_code,
        })).collect::<Vec<_>>(),
        "history": v.history.iter().map(|e| json!({"status": e.status, "time": t(e.created_at)})).collect::<Vec<_>>(),
        "confirmations": v.batches.iter().map(hongxun::push::batch).collect::<Vec<_>>(),
        "pushes": v.pushes.iter().map(|p| json!({
            "id": p.id, "eventId": p.event_id, "eventType": p.event_type, "status": p.status,
            "attempts": p.attempts, "lastError": p.last_error,
        })).collect::<Vec<_>>(),
    })
}
