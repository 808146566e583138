//! §5.2 queries: 库存查询, 入库单/出库单结果查询, 车库存查询. They change nothing, so an
//! identical signed query simply runs again.

use super::envelope::SignedRequest;
use super::error::ApiError;
use super::order_dto as dto;
use super::response::{ApiOk, ResponseEnvelope};
use super::signed::{Endpoint, Signed};
use crate::auth::timestamp;
use crate::domain::client::ClientKind;
use crate::domain::order::{OrderKind, INVENTORY_TYPES};
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::service::{self, orders::OrderResult};
use crate::state::AppState;
use crate::store::inventory_query::{BalanceRow, InventoryFilter};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

const CUSTOMERS: &[ClientKind] = &[ClientKind::Customer];
const VEHICLE_STATUSES: &[&str] = &["IN_YARD", "OUTBOUND", "IN_TRANSIT", "DELIVERED"];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(inventory_query))
        .routes(routes!(in_order_result))
        .routes(routes!(out_order_result))
        .routes(routes!(transport_order_result))
        .routes(routes!(vehicle_inventory_query))
        .routes(routes!(route_query))
}

fn contract_time(t: chrono::DateTime<chrono::Utc>) -> String {
    timestamp::format(t)
}

// ---------------------------------------------------------------- 库存查询

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InventoryQueryRequest {
    #[schema(example = "WH01")]
    pub inventory_code: Option<String>,
    pub subbase_code: Option<String>,
    /// At most 100.
    pub item_codes: Option<Vec<String>>,
    pub inventory_type: Option<String>,
    pub batch_code: Option<String>,
    /// Default 1.
    pub page_no: Option<i64>,
    /// Default 50, at most 100.
    pub page_size: Option<i64>,
}

impl Endpoint for InventoryQueryRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = false;
    fn business_key(&self) -> Option<String> {
        self.inventory_code.clone()
    }
}

/// 库存查询: on-hand, reserved and available stock, ordered by item code then batch.
#[utoipa::path(post, path = "/dtc/logistics/inventoryQuery", tag = "queries",
    request_body = SignedRequest<InventoryQueryRequest>,
    responses((status = 200, description = "value: {total, pageNo, pageSize, items[]}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn inventory_query(
    State(app): State<AppState>,
    req: Signed<InventoryQueryRequest>,
) -> Result<ApiOk, ApiError> {
    let Signed { call, body: b, .. } = req;
    let mut e = FieldErrors::default();
    let wh = e.required("request.inventoryCode", b.inventory_code, rules::code);
    let owner = e.optional("request.subbaseCode", b.subbase_code, rules::code);
    if let Some(codes) = &b.item_codes {
        if codes.len() > 100 {
            e.invalid(
                "request.itemCodes",
                format!("must hold at most 100 codes (got {})", codes.len()),
            );
        }
        for (i, c) in codes.iter().enumerate() {
            e.optional(
                format!("request.itemCodes[{i}]"),
                Some(c.clone()),
                rules::code,
            );
        }
    }
    let inv_type = e.optional(
        "request.inventoryType",
        b.inventory_type,
        rules::one_of(INVENTORY_TYPES),
    );
    let batch = e.optional("request.batchCode", b.batch_code, rules::code);
    let (page_no, page_size) = dto::page(&mut e, b.page_no, b.page_size);
    let wh = e.into_result(wh)?;
    let filter = InventoryFilter {
        inventory_code: &wh,
        subbase_code: owner.as_deref(),
        item_codes: b.item_codes.as_deref(),
        inventory_type: inv_type.as_deref(),
        batch_code: batch.as_deref(),
        offset: (page_no - 1) * page_size,
        limit: page_size,
    };
    let (total, rows) =
        service::inventory::query(&app.writes.sessions, &call.tenant(), &filter).await?;
    let items: Vec<StockItem> = rows.iter().map(StockItem::from).collect();
    ApiOk::rendered(
        "success",
        &StockPage {
            items,
            page_no,
            page_size,
            total,
        },
    )
}

/// The inventory query's value. Keys in alphabetical order, as the JSON map this answer was
/// built with wrote them (tests/api/queries.rs pins the text); absent values are `null`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StockPage<'a> {
    items: Vec<StockItem<'a>>,
    page_no: i64,
    page_size: i64,
    total: i64,
}

/// One balance of [`StockPage`], borrowed from the row (keys alphabetical, as above).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StockItem<'a> {
    available_qty: i64,
    batch_code: Option<&'a str>,
    expire_date: Option<chrono::NaiveDate>,
    inventory_code: &'a str,
    inventory_type: &'a str,
    item_code: &'a str,
    item_name: Option<&'a str>,
    on_hand_qty: i64,
    product_date: Option<chrono::NaiveDate>,
    reserved_qty: i64,
    subbase_code: &'a str,
}

impl<'a> From<&'a BalanceRow> for StockItem<'a> {
    fn from(r: &'a BalanceRow) -> Self {
        Self {
            available_qty: r.on_hand - r.reserved,
            batch_code: (!r.batch_code.is_empty()).then_some(r.batch_code.as_str()),
            expire_date: r.expire_date,
            inventory_code: &r.inventory_code,
            inventory_type: &r.inventory_type,
            item_code: &r.item_code,
            item_name: r.item_name.as_deref(),
            on_hand_qty: r.on_hand,
            product_date: r.product_date,
            reserved_qty: r.reserved,
            subbase_code: &r.subbase_code,
        }
    }
}

// ---------------------------------------------------------------- 入库单/出库单结果查询

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderResultRequest {
    /// 1–50 order codes.
    pub order_codes: Option<Vec<String>>,
}

impl Endpoint for OrderResultRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = false;
    fn business_key(&self) -> Option<String> {
        self.order_codes
            .as_ref()
            .map(|c| c.join(",").chars().take(200).collect())
    }
}

fn order_json(r: OrderResult, kind: OrderKind) -> Value {
    let o = r.order;
    let lines: Vec<Value> = r
        .lines
        .into_iter()
        .map(|l| {
            json!({
                "lineNo": l.line_no, "itemCode": l.item_code, "planQty": l.plan_qty,
                "actualQty": l.actual_qty, "inventoryType": l.inventory_type, "batchCode": l.batch_code,
                "productDate": l.product_date, "expireDate": l.expire_date,
            })
        })
        .collect();
    let history: Vec<Value> = r
        .history
        .into_iter()
        .map(|h| json!({"status": h.status, "time": contract_time(h.created_at)}))
        .collect();
    let packages: Vec<Value> = r
        .packages
        .into_iter()
        .map(|p| {
            json!({"packageNo": p.package_no, "waybillNo": p.waybill_no, "carrierCode": p.carrier_code,
                   "weight": p.weight_kg, "length": p.length_cm, "width": p.width_cm, "height": p.height_cm,
                   "items": p.items,
                   "measured": p.measured_at.map(|at| json!({
                       "weight": p.measured_weight_kg, "length": p.measured_length_cm, "width": p.measured_width_cm,
                       "height": p.measured_height_cm, "volume": p.measured_volume_cm3, "time": contract_time(at),
                       "weightDeviation": p.weight_deviation, "weightFlagged": p.weight_flagged,
                   }))})
        })
        .collect();
    let confirmations: Vec<Value> = r
        .confirmations
        .into_iter()
        .map(|c| {
            let mut b = json!({"confirmSeq": c.confirm_seq, "confirmType": c.confirm_type,
                               "confirmTime": contract_time(c.confirm_time)});
            if let (Some(obj), Value::Object(extra)) = (b.as_object_mut(), c.lines) {
                obj.extend(extra);
            }
            b
        })
        .collect();
    let mut v = json!({
        "orderCode": o.order_code, "hxOrderNo": o.hx_order_no, "orderType": o.order_type,
        "inventoryCode": o.inventory_code, "subbaseCode": o.subbase_code, "status": o.status,
        "createTime": contract_time(o.created_at), "updateTime": contract_time(o.updated_at),
        "remark": o.request.get("remark"), "extendProps": o.request.get("extendProps"),
        "history": history, "lines": lines,
        // Receipt and shipment batches as the warehouse confirmed them (ops API).
        "confirmations": confirmations,
    });
    if kind == OrderKind::Out {
        v["packages"] = Value::Array(packages);
    }
    // A transport order: everything it was made with (whichever dialect), its 3TMS number
    // and its trip.
    if kind == OrderKind::Transport {
        v["transportNo"] = o.transport_no.clone().into();
        v["packNumber"] = o.pack_number.clone().into();
        v["transport"] = o.request.clone();
        if let Some(obj) = v.as_object_mut() {
            obj.remove("lines");
            obj.remove("inventoryCode");
            obj.remove("subbaseCode");
        }
    }
    // A transfer-in made through the OMS API: its source and the names it was sent with.
    if let Some(t) = o.request.get("transfer") {
        v["transfer"] = t.clone();
    }
    v
}

async fn order_results(
    app: &AppState,
    req: Signed<OrderResultRequest>,
    kind: OrderKind,
) -> Result<ApiOk, ApiError> {
    let Signed { call, body, .. } = req;
    let mut e = FieldErrors::default();
    let codes = dto::list(&mut e, "request.orderCodes", body.order_codes, 1, 50);
    for (i, c) in codes.iter().enumerate() {
        e.optional(
            format!("request.orderCodes[{i}]"),
            Some(c.clone()),
            rules::code,
        );
    }
    e.into_result(Some(()))?;
    let (found, not_found) =
        service::orders::results(&app.db, &call.tenant(), kind, &codes).await?;
    let orders: Vec<Value> = found.into_iter().map(|r| order_json(r, kind)).collect();
    Ok(ApiOk::new(
        "success",
        Some(json!({"orders": orders, "notFound": not_found})),
    ))
}

/// 入库单结果查询: status, history, plan vs actual per line, receipt batches; unknown codes in notFound.
#[utoipa::path(post, path = "/dtc/logistics/inOrderResult", tag = "queries",
    request_body = SignedRequest<OrderResultRequest>,
    responses((status = 200, description = "value: {orders[], notFound[]}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn in_order_result(
    State(app): State<AppState>,
    req: Signed<OrderResultRequest>,
) -> Result<ApiOk, ApiError> {
    order_results(&app, req, OrderKind::In).await
}

/// 出库单结果查询: as the inbound result, with shipment packages.
#[utoipa::path(post, path = "/dtc/logistics/outOrderResult", tag = "queries",
    request_body = SignedRequest<OrderResultRequest>,
    responses((status = 200, description = "value: {orders[], notFound[]}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn out_order_result(
    State(app): State<AppState>,
    req: Signed<OrderResultRequest>,
) -> Result<ApiOk, ApiError> {
    order_results(&app, req, OrderKind::Out).await
}

/// 运输单结果查询 (an addition to the contract, docs/decisions.md): status and history, the
/// order as made (through any dialect: 3TMS waybills show their freight, notes, consignees
/// and organisation path), its 3TMS transport number and trip.
#[utoipa::path(post, path = "/dtc/logistics/transportOrderResult", tag = "queries",
    request_body = SignedRequest<OrderResultRequest>,
    responses((status = 200, description = "value: {orders[], notFound[]}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn transport_order_result(
    State(app): State<AppState>,
    req: Signed<OrderResultRequest>,
) -> Result<ApiOk, ApiError> {
    order_results(&app, req, OrderKind::Transport).await
}

// ---------------------------------------------------------------- 车库存查询

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VehicleInventoryQueryRequest {
    pub inventory_code: Option<String>,
    pub vin: Option<String>,
    /// IN_YARD, OUTBOUND, IN_TRANSIT or DELIVERED.
    pub status: Option<String>,
    pub page_no: Option<i64>,
    pub page_size: Option<i64>,
}

impl Endpoint for VehicleInventoryQueryRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = false;
    fn business_key(&self) -> Option<String> {
        self.vin.clone().or_else(|| self.inventory_code.clone())
    }
}

/// 车库存查询: vehicles in the customer's yard.
#[utoipa::path(post, path = "/dtc/logistics/vehicleInventoryQuery", tag = "queries",
    request_body = SignedRequest<VehicleInventoryQueryRequest>,
    responses((status = 200, description = "value: {total, pageNo, pageSize, items[]}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn vehicle_inventory_query(
    State(app): State<AppState>,
    req: Signed<VehicleInventoryQueryRequest>,
) -> Result<ApiOk, ApiError> {
    let Signed { call, body: b, .. } = req;
    let mut e = FieldErrors::default();
    let wh = e.required("request.inventoryCode", b.inventory_code, rules::code);
    let vin = e.optional("request.vin", b.vin, crate::domain::order::vin);
    let status = e.optional("request.status", b.status, rules::one_of(VEHICLE_STATUSES));
    let (page_no, page_size) = dto::page(&mut e, b.page_no, b.page_size);
    let wh = e.into_result(wh)?;
    let (total, rows) = service::inventory::vehicles(
        &app.db,
        &call.tenant(),
        &wh,
        vin.as_deref(),
        status.as_deref(),
        (page_no - 1) * page_size,
        page_size,
    )
    .await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|v| {
            let inspection = v.last_inspection_result.map(|r| {
                json!({"result": r, "time": v.last_inspection_time.map(contract_time)})
            });
            json!({
                "vin": v.vin, "brand": v.brand, "model": v.model, "color": v.color, "status": v.status,
                "inventoryCode": v.inventory_code, "inTime": contract_time(v.in_time),
                "lastInspection": inspection,
            })
        })
        .collect();
    Ok(ApiOk::new(
        "success",
        Some(json!({"total": total, "pageNo": page_no, "pageSize": page_size, "items": items})),
    ))
}

// ---------------------------------------------------------------- 路由查询

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteQueryRequest {
    /// One of waybillNo and orderCode is required.
    pub waybill_no: Option<String>,
    pub order_code: Option<String>,
}

impl Endpoint for RouteQueryRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = false;
    fn business_key(&self) -> Option<String> {
        self.waybill_no.clone().or_else(|| self.order_code.clone())
    }
}

/// 路由查询: the tracking nodes of one of the customer's waybills (or all waybills of one of
/// its orders), ordered by nodeTime; 3001 when there are none.
#[utoipa::path(post, path = "/dtc/logistics/routeQuery", tag = "queries",
    request_body = SignedRequest<RouteQueryRequest>,
    responses((status = 200, description = "value: {waybillNo, carrierCode, orderCode, status, routes[]}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn route_query(
    State(app): State<AppState>,
    req: Signed<RouteQueryRequest>,
) -> Result<ApiOk, ApiError> {
    let Signed { call, body: b, .. } = req;
    let mut e = FieldErrors::default();
    let waybill = e.optional("request.waybillNo", b.waybill_no, rules::code);
    let order = e.optional("request.orderCode", b.order_code, rules::code);
    if waybill.is_none() && order.is_none() && e.is_empty() {
        e.missing_because("request.waybillNo", "waybillNo or orderCode is required");
    }
    e.into_result(Some(()))?;
    let rows = service::carrier::routes(
        &app.db,
        &call.tenant(),
        waybill.as_deref(),
        order.as_deref(),
    )
    .await?;
    let Some((first, order_code, status)) = rows.first().cloned() else {
        return Err(ApiError::new(
            super::error::Code::NotFound,
            format!("no routes for {}", waybill.or(order).unwrap_or_default()),
        ));
    };
    let routes: Vec<Value> = rows
        .iter()
        .map(|(r, _, _)| {
            json!({"waybillNo": r.waybill_no, "nodeType": r.node_type, "nodeTime": contract_time(r.node_time),
                   "location": r.location, "description": r.description, "operator": r.operator,
                   "operatorPhone": r.operator_phone, "lng": r.lng, "lat": r.lat})
        })
        .collect();
    Ok(ApiOk::new(
        "success",
        Some(
            json!({"waybillNo": first.waybill_no, "carrierCode": first.carrier_code, "orderCode": order_code,
                    "status": status, "routes": routes}),
        ),
    ))
}
