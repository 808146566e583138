//! §5.2 order creation (入库单, 出库单, 物权单, 运输单) and 订单取消.

use super::envelope::SignedRequest;
use super::error::ApiError;
use super::order_dto::{self as dto, AddressDto, OrderLineDto};
use super::response::{ApiOk, ResponseEnvelope};
use super::signed::{Call, Endpoint, Signed};
use crate::domain::client::ClientKind;
use crate::domain::order::{
    check_order_type, vin, Cargo, OrderKind, TransportOrder, Vehicle, WarehouseOrder,
};
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use crate::service::{self, orders::Created, orders::Origin, Outcome};
use crate::state::AppState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

const CUSTOMERS: &[ClientKind] = &[ClientKind::Customer];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(in_order))
        .routes(routes!(out_order))
        .routes(routes!(property_order))
        .routes(routes!(transport_order))
        .routes(routes!(cancel_order))
}

/// `value: {orderCode, hxOrderNo, status}`; an existing order says so in `message`.
fn created(out: Outcome<Created>) -> ApiOk {
    let c = out.value;
    let message = if c.existed {
        format!(
            "order {} already exists (same content); nothing changed",
            c.order_code
        )
    } else {
        "success".into()
    };
    let mut ok = ApiOk::new(
        message,
        Some(json!({"orderCode": c.order_code, "hxOrderNo": c.hx_order_no, "status": c.status})),
    );
    ok.replayed = out.replayed;
    ok
}

/// The header every warehouse order shares.
struct Header {
    order_code: Option<String>,
    order_type: Option<String>,
    inventory_code: Option<String>,
    subbase_code: Option<String>,
}

impl Header {
    fn check(
        self,
        e: &mut FieldErrors,
        kind: OrderKind,
    ) -> Option<(String, String, String, String)> {
        let code = e.required("request.orderCode", self.order_code, rules::code);
        let t = e.required("request.orderType", self.order_type, check_order_type(kind));
        let wh = e.required("request.inventoryCode", self.inventory_code, rules::code);
        let ow = e.required("request.subbaseCode", self.subbase_code, rules::code);
        Some((code?, t?, wh?, ow?))
    }
}

fn warehouse_order(
    mut e: FieldErrors,
    kind: OrderKind,
    header: Header,
    items: Option<Vec<OrderLineDto>>,
    fill: impl FnOnce(&mut FieldErrors, &mut WarehouseOrder),
) -> Result<WarehouseOrder, FieldErrors> {
    let head = header.check(&mut e, kind);
    let mut order = WarehouseOrder {
        kind,
        lines: dto::lines(&mut e, items),
        ..Default::default()
    };
    fill(&mut e, &mut order);
    let order = head.map(
        |(order_code, order_type, inventory_code, subbase_code)| WarehouseOrder {
            order_code,
            order_type,
            inventory_code,
            subbase_code,
            ..order
        },
    );
    e.into_result(order)
}

async fn create(app: &AppState, call: &Call, order: &WarehouseOrder) -> Result<ApiOk, ApiError> {
    let origin = Origin {
        tenant: &call.tenant(),
        client_id: call.client.id,
    };
    let out =
        service::orders::create_warehouse_order(&app.writes, call.replay_key(), &origin, order)
            .await?;
    Ok(created(out))
}

// ---------------------------------------------------------------- 入库单

/// 入库单: an inbound order.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InOrderRequest {
    #[schema(example = "IN-20261125-001")]
    pub order_code: Option<String>,
    /// CGRK, DBRK, THRK, SCRK, B2BRK or QTRK.
    #[schema(example = "CGRK")]
    pub order_type: Option<String>,
    pub inventory_code: Option<String>,
    pub subbase_code: Option<String>,
    /// yyyy-MM-dd HH:mm:ss
    pub expected_arrive_time: Option<String>,
    pub supplier_code: Option<String>,
    pub supplier_name: Option<String>,
    pub source_order_code: Option<String>,
    pub logistics_company: Option<String>,
    pub waybill_no: Option<String>,
    pub remark: Option<String>,
    /// Kept and echoed.
    pub extend_props: Option<HashMap<String, String>>,
    /// 1–500 lines.
    pub items: Option<Vec<OrderLineDto>>,
}

impl Endpoint for InOrderRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        self.order_code.clone()
    }
}

impl InOrderRequest {
    pub fn validate(self) -> Result<WarehouseOrder, FieldErrors> {
        let e = FieldErrors::default();
        let header = Header {
            order_code: self.order_code,
            order_type: self.order_type,
            inventory_code: self.inventory_code,
            subbase_code: self.subbase_code,
        };
        let (arrive, supplier_code, supplier_name, source, logistics, waybill, remark, props) = (
            self.expected_arrive_time,
            self.supplier_code,
            self.supplier_name,
            self.source_order_code,
            self.logistics_company,
            self.waybill_no,
            self.remark,
            self.extend_props,
        );
        warehouse_order(e, OrderKind::In, header, self.items, |e, o| {
            o.expected_arrive_time = e.optional("request.expectedArriveTime", arrive, dto::time);
            o.supplier_code = e.optional("request.supplierCode", supplier_code, rules::code);
            o.supplier_name = e.optional("request.supplierName", supplier_name, rules::opt_name);
            o.source_order_code = e.optional("request.sourceOrderCode", source, rules::code);
            o.logistics_company =
                e.optional("request.logisticsCompany", logistics, rules::opt_name);
            o.waybill_no = e.optional("request.waybillNo", waybill, rules::code);
            o.remark = e.optional("request.remark", remark, rules::remark);
            o.extend_props = dto::extend_props(e, "request.extendProps", props);
        })
    }
}

/// 入库单创建: status CREATED; idempotent by orderCode (§3).
#[utoipa::path(post, path = "/dtc/logistics/inOrder", tag = "orders",
    request_body = SignedRequest<InOrderRequest>,
    responses((status = 200, description = "value: {orderCode, hxOrderNo, status}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error (3002 different content, 3004 unsynced base data)", body = ResponseEnvelope)))]
async fn in_order(
    State(app): State<AppState>,
    req: Signed<InOrderRequest>,
) -> Result<ApiOk, ApiError> {
    let Signed { call, body } = req;
    create(&app, &call, &body.validate()?).await
}

// ---------------------------------------------------------------- 出库单

/// 出库单: an outbound order; reserves stock on creation.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutOrderRequest {
    #[schema(example = "OUT-20261125-001")]
    pub order_code: Option<String>,
    /// JYCK, B2BCK, DBCK, CGTH, PTCK or QTCK.
    #[schema(example = "JYCK")]
    pub order_type: Option<String>,
    pub inventory_code: Option<String>,
    pub subbase_code: Option<String>,
    /// A synced consignee, or else `receiver`.
    pub consignee_code: Option<String>,
    pub receiver: Option<AddressDto>,
    pub expected_ship_time: Option<String>,
    pub carrier_code: Option<String>,
    pub shop_name: Option<String>,
    pub source_platform: Option<String>,
    pub buyer_message: Option<String>,
    pub seller_message: Option<String>,
    pub cod_amount: Option<f64>,
    /// Create the order as BACKORDERED, reserving what is there, instead of refusing (3005).
    pub allow_backorder: Option<bool>,
    pub remark: Option<String>,
    pub extend_props: Option<HashMap<String, String>>,
    pub items: Option<Vec<OrderLineDto>>,
}

impl Endpoint for OutOrderRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        self.order_code.clone()
    }
}

impl OutOrderRequest {
    pub fn validate(self) -> Result<WarehouseOrder, FieldErrors> {
        let e = FieldErrors::default();
        let header = Header {
            order_code: self.order_code,
            order_type: self.order_type,
            inventory_code: self.inventory_code,
            subbase_code: self.subbase_code,
        };
        let r = (
            self.expected_ship_time,
            self.cod_amount,
            self.carrier_code,
            self.shop_name,
            self.source_platform,
            self.buyer_message,
            self.seller_message,
            self.remark,
        );
        let (consignee_code, receiver, allow, props) = (
            self.consignee_code,
            self.receiver,
            self.allow_backorder,
            self.extend_props,
        );
        warehouse_order(e, OrderKind::Out, header, self.items, |e, o| {
            let (ship, cod, carrier, shop, platform, buyer, seller, remark) = r;
            o.expected_ship_time = e.optional("request.expectedShipTime", ship, dto::time);
            o.cod_amount = e.optional("request.codAmount", cod, rules::money);
            o.carrier_code = e.optional("request.carrierCode", carrier, rules::code);
            o.shop_name = e.optional("request.shopName", shop, rules::opt_name);
            o.source_platform = e.optional("request.sourcePlatform", platform, rules::opt_name);
            o.buyer_message = e.optional("request.buyerMessage", buyer, rules::remark);
            o.seller_message = e.optional("request.sellerMessage", seller, rules::remark);
            o.remark = e.optional("request.remark", remark, rules::remark);
            o.extend_props = dto::extend_props(e, "request.extendProps", props);
            o.allow_backorder = allow.unwrap_or(false);
            match (consignee_code, receiver) {
                (None, None) => {
                    e.missing_because("request.receiver", "consigneeCode or receiver is required")
                }
                (Some(_), Some(_)) => e.invalid(
                    "request.receiver",
                    "give consigneeCode or receiver, not both",
                ),
                (None, Some(r)) => o.receiver = r.check(e, "request.receiver"),
                (Some(c), None) => {
                    o.consignee_code = e.optional("request.consigneeCode", Some(c), rules::code)
                }
            }
        })
    }
}

/// 出库单创建: reserves available stock (FIFO by expiry unless a batch is pinned); 3005 when short
/// unless allowBackorder, which creates it BACKORDERED.
#[utoipa::path(post, path = "/dtc/logistics/outOrder", tag = "orders",
    request_body = SignedRequest<OutOrderRequest>,
    responses((status = 200, description = "value: {orderCode, hxOrderNo, status}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error (3005 value.shortages lists each short line)", body = ResponseEnvelope)))]
async fn out_order(
    State(app): State<AppState>,
    req: Signed<OutOrderRequest>,
) -> Result<ApiOk, ApiError> {
    let Signed { call, body } = req;
    create(&app, &call, &body.validate()?).await
}

// ---------------------------------------------------------------- 物权单

/// 物权单: moves ownership of stock from `subbaseCode` to `toSubbaseCode` in one warehouse.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PropertyOrderRequest {
    pub order_code: Option<String>,
    /// WQZY.
    #[schema(example = "WQZY")]
    pub order_type: Option<String>,
    pub inventory_code: Option<String>,
    /// The owner giving the stock.
    pub subbase_code: Option<String>,
    /// The owner receiving it (a synced pair with inventoryCode).
    pub to_subbase_code: Option<String>,
    pub transfer_time: Option<String>,
    pub remark: Option<String>,
    pub extend_props: Option<HashMap<String, String>>,
    pub items: Option<Vec<OrderLineDto>>,
}

impl Endpoint for PropertyOrderRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        self.order_code.clone()
    }
}

impl PropertyOrderRequest {
    pub fn validate(self) -> Result<WarehouseOrder, FieldErrors> {
        let mut e = FieldErrors::default();
        let transfer = e.optional("request.transferTime", self.transfer_time, dto::time);
        let remark = e.optional("request.remark", self.remark, rules::remark);
        let props = dto::extend_props(&mut e, "request.extendProps", self.extend_props);
        let to = e.required("request.toSubbaseCode", self.to_subbase_code, rules::code);
        if to.is_some() && to == self.subbase_code {
            e.invalid("request.toSubbaseCode", "must differ from subbaseCode");
        }
        let header = Header {
            order_code: self.order_code,
            order_type: self.order_type,
            inventory_code: self.inventory_code,
            subbase_code: self.subbase_code,
        };
        warehouse_order(e, OrderKind::Property, header, self.items, |_, o| {
            o.to_subbase_code = to;
            o.transfer_time = transfer;
            o.remark = remark;
            o.extend_props = props;
        })
    }
}

/// 物权单创建: reserves the from-owner's stock like an outbound order (3005 when short).
#[utoipa::path(post, path = "/dtc/logistics/propertyOrder", tag = "orders",
    request_body = SignedRequest<PropertyOrderRequest>,
    responses((status = 200, description = "value: {orderCode, hxOrderNo, status}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn property_order(
    State(app): State<AppState>,
    req: Signed<PropertyOrderRequest>,
) -> Result<ApiOk, ApiError> {
    let Signed { call, body } = req;
    create(&app, &call, &body.validate()?).await
}

// ---------------------------------------------------------------- 运输单

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CargoDto {
    pub name: Option<String>,
    pub quantity: Option<i64>,
    /// kg
    pub weight: Option<f64>,
    /// cm³
    pub volume: Option<f64>,
    /// yuan
    pub value: Option<f64>,
    pub remark: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VehicleDto {
    /// 17 characters (ISO 3779).
    #[schema(example = "LSVAU2180N2183294")]
    pub vin: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub color: Option<String>,
}

/// 运输单: a transport order.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransportOrderRequest {
    pub order_code: Option<String>,
    /// ZCYS, LDYS, KDYS or SPCYS.
    #[schema(example = "ZCYS")]
    pub order_type: Option<String>,
    /// An outbound order of this customer.
    pub related_order_code: Option<String>,
    pub consigner: Option<AddressDto>,
    pub consignee: Option<AddressDto>,
    pub pickup_time: Option<String>,
    pub expected_arrive_time: Option<String>,
    pub vehicle_type: Option<String>,
    pub cargo_list: Option<Vec<CargoDto>>,
    /// Required for SPCYS (finished-vehicle transport).
    pub vehicles: Option<Vec<VehicleDto>>,
    pub need_receipt: Option<bool>,
    pub payment_collect: Option<f64>,
    pub remark: Option<String>,
    pub extend_props: Option<HashMap<String, String>>,
}

impl Endpoint for TransportOrderRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        self.order_code.clone()
    }
}

impl TransportOrderRequest {
    pub fn validate(self) -> Result<TransportOrder, FieldErrors> {
        let mut e = FieldErrors::default();
        let code = e.required("request.orderCode", self.order_code, rules::code);
        let order_type = e.required(
            "request.orderType",
            self.order_type,
            check_order_type(OrderKind::Transport),
        );
        let related = e.optional(
            "request.relatedOrderCode",
            self.related_order_code,
            rules::code,
        );
        let mut addresses = Vec::new();
        for (name, addr) in [("consigner", self.consigner), ("consignee", self.consignee)] {
            addresses.push(match addr {
                None => {
                    e.missing(format!("request.{name}"));
                    None
                }
                Some(a) => a.check(&mut e, &format!("request.{name}")),
            });
        }
        let consignee = addresses.pop().flatten();
        let consigner = addresses.pop().flatten();
        let pickup_time = e.required("request.pickupTime", self.pickup_time, dto::time);
        let expected_arrive_time = e.optional(
            "request.expectedArriveTime",
            self.expected_arrive_time,
            dto::time,
        );
        let vehicle_type = e.optional("request.vehicleType", self.vehicle_type, rules::opt_name);
        let payment_collect =
            e.optional("request.paymentCollect", self.payment_collect, rules::money);
        let remark = e.optional("request.remark", self.remark, rules::remark);
        let extend_props = dto::extend_props(&mut e, "request.extendProps", self.extend_props);
        let cargo_list = dto::list(
            &mut e,
            "request.cargoList",
            self.cargo_list,
            1,
            dto::MAX_LINES,
        );
        let mut cargo = Vec::new();
        for (i, c) in cargo_list.into_iter().enumerate() {
            let p = |f: &'static str| LazyPath(move || format!("request.cargoList[{i}].{f}"));
            let name = e.required(p("name"), c.name, rules::name);
            let quantity = e.required(p("quantity"), c.quantity, dto::qty);
            let weight = e.optional(p("weight"), c.weight, rules::weight);
            let volume = e.optional(p("volume"), c.volume, rules::volume);
            let value = e.optional(p("value"), c.value, rules::money);
            let remark = e.optional(p("remark"), c.remark, rules::remark);
            if let (Some(name), Some(quantity)) = (name, quantity) {
                cargo.push(Cargo {
                    name,
                    quantity: quantity.into(),
                    weight,
                    volume,
                    value,
                    remark,
                    ..Default::default()
                });
            }
        }
        let is_vehicle_transport = order_type.as_deref() == Some("SPCYS");
        let vehicles = match self.vehicles {
            None if is_vehicle_transport => {
                e.missing_because(
                    "request.vehicles",
                    "is required for SPCYS (finished-vehicle transport)",
                );
                Vec::new()
            }
            None => Vec::new(),
            Some(v) => {
                let min = usize::from(is_vehicle_transport);
                dto::list(&mut e, "request.vehicles", Some(v), min, dto::MAX_LINES)
            }
        };
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for (i, v) in vehicles.into_iter().enumerate() {
            let p = |f: &'static str| LazyPath(move || format!("request.vehicles[{i}].{f}"));
            let vin = e.required(p("vin"), v.vin, vin);
            if let Some(x) = &vin {
                if let Some(first) = seen.insert(x.clone(), i) {
                    e.invalid(
                        p("vin"),
                        format!("duplicates request.vehicles[{first}].vin"),
                    );
                }
            }
            let brand = e.optional(p("brand"), v.brand, rules::opt_name);
            let model = e.optional(p("model"), v.model, rules::opt_name);
            let color = e.optional(p("color"), v.color, rules::opt_name);
            if let Some(vin) = vin {
                out.push(Vehicle {
                    vin,
                    brand,
                    model,
                    color,
                });
            }
        }
        let order = code
            .zip(order_type)
            .map(|(order_code, order_type)| TransportOrder {
                order_code,
                order_type,
                related_order_code: related,
                consigner,
                consignee,
                pickup_time,
                expected_arrive_time,
                vehicle_type,
                cargo,
                vehicles: out,
                need_receipt: self.need_receipt,
                payment_collect,
                remark,
                extend_props,
                ..Default::default()
            });
        e.into_result(order)
    }
}

/// 运输单创建: status CREATED; vehicles (SPCYS) kept with the order.
#[utoipa::path(post, path = "/dtc/logistics/transportOrder", tag = "orders",
    request_body = SignedRequest<TransportOrderRequest>,
    responses((status = 200, description = "value: {orderCode, hxOrderNo, status}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn transport_order(
    State(app): State<AppState>,
    req: Signed<TransportOrderRequest>,
) -> Result<ApiOk, ApiError> {
    let Signed { call, body } = req;
    let order = body.validate()?;
    let origin = Origin {
        tenant: &call.tenant(),
        client_id: call.client.id,
    };
    let out = service::orders::create_transport_order(&app.db, call.replay_key(), &origin, &order)
        .await?;
    Ok(created(out))
}

// ---------------------------------------------------------------- 订单取消

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CancelOrderRequest {
    pub order_code: Option<String>,
    /// IN, OUT, PROPERTY or TRANSPORT.
    #[schema(example = "OUT")]
    pub order_kind: Option<String>,
    pub reason: Option<String>,
}

impl Endpoint for CancelOrderRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        self.order_code.clone()
    }
}

/// 订单取消: CANCELLED now, PENDING while the warehouse decides, or 3003 when too late.
#[utoipa::path(post, path = "/dtc/logistics/cancelOrder", tag = "orders",
    request_body = SignedRequest<CancelOrderRequest>,
    responses((status = 200, description = "value: {orderCode, hxOrderNo, cancelStatus}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error (3001 unknown order, 3003 too late)", body = ResponseEnvelope)))]
async fn cancel_order(
    State(app): State<AppState>,
    req: Signed<CancelOrderRequest>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let code = e.required(
        "request.orderCode",
        req.body.order_code.clone(),
        rules::code,
    );
    let kind = e.required("request.orderKind", req.body.order_kind.clone(), |k| {
        OrderKind::parse(&k)
            .ok_or_else(|| format!("must be one of IN, OUT, PROPERTY, TRANSPORT (got {k:?})"))
    });
    let reason = e.optional("request.reason", req.body.reason.clone(), rules::remark);
    let (code, kind) = e.into_result(code.zip(kind))?;
    let out = service::orders::cancel(
        &app.db,
        req.call.replay_key(),
        &req.call.tenant(),
        kind,
        &code,
        reason.as_deref(),
    )
    .await?;
    Ok(ApiOk::from_outcome(out, |c| {
        Some(
            json!({"orderCode": c.order_code, "hxOrderNo": c.hx_order_no, "cancelStatus": c.cancel_status}),
        )
    }))
}
