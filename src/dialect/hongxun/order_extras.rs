//! §5.2 LPN接口 and 串码下发: what customers announce about existing orders.

use super::envelope::SignedRequest;
use super::error::ApiError;
use super::order_dto::{self as dto, LineNo};
use super::response::{ApiOk, ResponseEnvelope};
use super::signed::{Endpoint, Signed};
use crate::domain::client::ClientKind;
use crate::domain::lpn::{Lpn, LpnItem};
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::service::{self, orders::SerialLine};
use crate::state::AppState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

const CUSTOMERS: &[ClientKind] = &[ClientKind::Customer];
const MAX_LPNS: usize = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(lpn))
        .routes(routes!(serial_codes))
}

/// Records `dup` at `path` when `key` was seen before in this list.
fn once(e: &mut FieldErrors, seen: &mut HashMap<String, String>, key: &str, path: String) {
    if let Some(first) = seen.insert(key.to_string(), path.clone()) {
        e.invalid(path, format!("duplicates {first}"));
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LpnItemDto {
    pub item_code: Option<String>,
    pub qty: Option<i64>,
    pub batch_code: Option<String>,
    pub sn_codes: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LpnDto {
    #[schema(example = "PLT-0001")]
    pub lpn_code: Option<String>,
    pub items: Option<Vec<LpnItemDto>>,
}

/// LPN: cartons/pallets of an inbound order; re-sending an lpnCode replaces it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LpnRequest {
    /// An inbound order in CREATED, PROCESSING or PARTIALLY_RECEIVED.
    pub order_code: Option<String>,
    /// 1–100 LPNs.
    pub lpns: Option<Vec<LpnDto>>,
}

impl Endpoint for LpnRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        self.order_code.clone()
    }
}

impl LpnRequest {
    pub fn validate(self) -> Result<(String, Vec<Lpn>), FieldErrors> {
        let mut e = FieldErrors::default();
        let code = e.required("request.orderCode", self.order_code, rules::code);
        let lpns = dto::list(&mut e, "request.lpns", self.lpns, 1, MAX_LPNS);
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for (i, l) in lpns.into_iter().enumerate() {
            let at = format!("request.lpns[{i}]");
            let lpn_code = e.required(format!("{at}.lpnCode"), l.lpn_code, rules::code);
            if let Some(c) = &lpn_code {
                once(&mut e, &mut seen, c, format!("{at}.lpnCode"));
            }
            let items = dto::list(&mut e, &format!("{at}.items"), l.items, 1, dto::MAX_LINES);
            let mut checked = Vec::new();
            for (j, it) in items.into_iter().enumerate() {
                let p = |f: &str| format!("{at}.items[{j}].{f}");
                let item_code = e.required(p("itemCode"), it.item_code, rules::code);
                let qty = e.required(p("qty"), it.qty, dto::qty);
                let batch_code = e.optional(p("batchCode"), it.batch_code, rules::code);
                let sns = it.sn_codes.unwrap_or_default();
                for (k, sn) in sns.iter().enumerate() {
                    if let Err(r) = rules::code(sn.clone()) {
                        e.invalid(format!("{at}.items[{j}].snCodes[{k}]"), r);
                    }
                }
                if let (Some(q), n) = (qty, sns.len()) {
                    if n as i64 > q {
                        e.invalid(p("snCodes"), format!("{n} SNs for a quantity of {q}"));
                    }
                }
                if let (Some(item_code), Some(qty)) = (item_code, qty) {
                    checked.push(LpnItem {
                        item_code,
                        qty,
                        batch_code,
                        sn_codes: sns,
                    });
                }
            }
            if let Some(lpn_code) = lpn_code {
                out.push(Lpn {
                    lpn_code,
                    items: checked,
                });
            }
        }
        e.into_result(code.map(|c| (c, out)))
    }
}

/// LPN接口: announce (or replace) cartons/pallets of an inbound order. The quantity per item
/// over all LPNs may not exceed the order's plan (2002).
#[utoipa::path(post, path = "/dtc/logistics/lpn", tag = "orders",
    request_body = SignedRequest<LpnRequest>,
    responses((status = 200, description = "value: {orderCode, lpnCodes}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn lpn(State(app): State<AppState>, req: Signed<LpnRequest>) -> Result<ApiOk, ApiError> {
    let Signed { call, body, .. } = req;
    let (code, lpns) = body.validate()?;
    let out = service::orders::put_lpns(&app.db, call.replay_key(), &call.tenant(), &code, &lpns)
        .await
        .map_err(|e| ApiError::from_service_at(e, "request"))?;
    Ok(ApiOk::from_outcome(out, |v| {
        Some(json!({"orderCode": v.order_code, "lpnCodes": v.lpn_codes}))
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SerialLineDto {
    #[schema(value_type = String)]
    pub line_no: Option<LineNo>,
    pub sn_codes: Option<Vec<String>>,
}

/// 串码下发: serial numbers (SN/IMEI) for lines of an outbound order.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SerialCodesRequest {
    pub order_code: Option<String>,
    pub items: Option<Vec<SerialLineDto>>,
}

impl Endpoint for SerialCodesRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        self.order_code.clone()
    }
}

impl SerialCodesRequest {
    pub fn validate(self) -> Result<(String, Vec<SerialLine>), FieldErrors> {
        let mut e = FieldErrors::default();
        let code = e.required("request.orderCode", self.order_code, rules::code);
        let items = dto::list(&mut e, "request.items", self.items, 1, dto::MAX_LINES);
        let mut lines_seen = HashMap::new();
        let mut sn_seen = HashMap::new();
        let mut out = Vec::new();
        for (i, l) in items.into_iter().enumerate() {
            let at = format!("request.items[{i}]");
            let line_no = e.required(
                format!("{at}.lineNo"),
                l.line_no.map(LineNo::into_string),
                rules::code,
            );
            if let Some(n) = &line_no {
                once(&mut e, &mut lines_seen, n, format!("{at}.lineNo"));
            }
            let sns = dto::list(&mut e, &format!("{at}.snCodes"), l.sn_codes, 1, 1000);
            for (k, sn) in sns.iter().enumerate() {
                let path = format!("{at}.snCodes[{k}]");
                match rules::code(sn.clone()) {
                    Err(r) => e.invalid(path, r),
                    Ok(sn) => once(&mut e, &mut sn_seen, &sn, path),
                }
            }
            if let Some(line_no) = line_no {
                out.push(SerialLine {
                    line_no,
                    sn_codes: sns,
                });
            }
        }
        e.into_result(code.map(|c| (c, out)))
    }
}

/// 串码下发: bind SNs to lines of an open outbound order (serial-managed items only); an SN
/// may be bound to one open order of the customer at a time (2002 names the other order).
#[utoipa::path(post, path = "/dtc/logistics/serialCodes", tag = "orders",
    request_body = SignedRequest<SerialCodesRequest>,
    responses((status = 200, description = "value: {orderCode, bound, alreadyBound}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn serial_codes(
    State(app): State<AppState>,
    req: Signed<SerialCodesRequest>,
) -> Result<ApiOk, ApiError> {
    let Signed { call, body, .. } = req;
    let (code, lines) = body.validate()?;
    let out =
        service::orders::bind_serials(&app.db, call.replay_key(), &call.tenant(), &code, &lines)
            .await
            .map_err(|e| ApiError::from_service_at(e, "request"))?;
    Ok(ApiOk::from_outcome(out, |v| {
        Some(json!({"orderCode": v.order_code, "bound": v.bound, "alreadyBound": v.already_bound}))
    }))
}
