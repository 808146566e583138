//! Orders in: `entryorder.create` and `returnorder.create` (inbound), `deliveryorder.create`
//! and `stockout.create` (outbound), `order.cancel`. Qimen names become the domain order's
//! fields; Qimen types the warehouse does not handle are refused, naming the type.

use super::{business_key, checked, date, given, number, qty, read, time, Caller};
use crate::dialect::qimen::answer::{self, Reply};
use crate::dialect::qimen::dto::{
    ContactDto, DeliveryOrderCreate, EntryOrderCreate, OrderCancel, OrderLineDto, ReturnOrderCreate,
};
use crate::domain::order::{
    check_order_type, Address, OrderKind, OrderLine, WarehouseOrder, INVENTORY_TYPES,
};
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use crate::service::orders::{Created, Origin};
use crate::service::{self, Outcome};
use crate::state::AppState;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The Qimen order type kept when it is mapped onto one of ours (HHCK → JYCK, say).
const ORIGINAL_TYPE: &str = "qimenOrderType";

/// The lines of an order and the owner they name (one order has one owner).
fn lines(
    e: &mut FieldErrors,
    lines: Option<Vec<OrderLineDto>>,
    head_owner: Option<String>,
) -> (Vec<OrderLine>, Option<String>) {
    let lines = lines.unwrap_or_default();
    if let Err(m) = rules::count(&lines, 1, 500) {
        e.invalid("orderLines", m);
    }
    let mut owner = head_owner;
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (i, l) in lines.into_iter().enumerate() {
        let p = |f: &'static str| LazyPath(move || format!("orderLines[{i}].{f}"));
        if let Some(o) = e.optional(p("ownerCode"), given(l.owner_code), rules::code) {
            match &owner {
                None => owner = Some(o),
                Some(first) if *first != o => e.invalid(
                    p("ownerCode"),
                    format!("{o} differs from the order's owner {first}: one order has one owner"),
                ),
                Some(_) => {}
            }
        }
        // Qimen lets orderLineNo out; lines are then numbered in order.
        let line_no = e
            .optional(p("orderLineNo"), given(l.order_line_no), rules::code)
            .unwrap_or_else(|| (i + 1).to_string());
        if let Some(first) = seen.insert(line_no.clone(), i) {
            e.invalid(
                p("orderLineNo"),
                format!("duplicates orderLines[{first}].orderLineNo"),
            );
        }
        let item_code = e.required(p("itemCode"), given(l.item_code), rules::code);
        let plan_qty = e.required(p("planQty"), given(l.plan_qty), qty);
        let inventory_type = e
            .optional(
                p("inventoryType"),
                given(l.inventory_type),
                rules::one_of(INVENTORY_TYPES),
            )
            .unwrap_or_else(|| "ZP".into());
        let product_date = e.optional(p("productDate"), given(l.product_date), date);
        let expire_date = e.optional(p("expireDate"), given(l.expire_date), date);
        if let Err(m) = rules::dates_in_order(product_date, expire_date) {
            e.invalid(p("expireDate"), m);
        }
        let price = given(l.purchase_price)
            .map(|v| ("purchasePrice", v))
            .or_else(|| given(l.actual_price).map(|v| ("actualPrice", v)))
            .or_else(|| given(l.retail_price).map(|v| ("retailPrice", v)))
            .and_then(|(f, v)| e.optional(p(f), Some(v), number(2)));
        let batch_code = e.optional(p("batchCode"), given(l.batch_code), rules::code);
        let produce_code = e.optional(p("produceCode"), given(l.produce_code), rules::code);
        let remark = e.optional(p("remark"), given(l.remark), rules::remark);
        if let (Some(item_code), Some(plan_qty)) = (item_code, plan_qty) {
            out.push(OrderLine {
                line_no,
                item_code,
                plan_qty,
                inventory_type,
                batch_code,
                product_date,
                expire_date,
                produce_code,
                price,
                remark,
            });
        }
    }
    (out, owner)
}

/// `receiverInfo` as a receiver: name, phone (mobile, else tel), province, city, address.
fn receiver(e: &mut FieldErrors, at: &str, c: ContactDto) -> Option<Address> {
    let p = |f: &str| format!("{at}.{f}");
    let name = e.required(p("name"), given(c.name), rules::name);
    let phone = match given(c.mobile) {
        Some(m) => e.optional(p("mobile"), Some(m), rules::phone),
        None => e.required(p("mobile"), given(c.tel), rules::phone),
    };
    let province_name = e.required(p("province"), given(c.province), rules::name);
    let city_name = e.required(p("city"), given(c.city), rules::name);
    let address = e.required(p("detailAddress"), given(c.detail_address), rules::name);
    let area_name = e.optional(p("area"), given(c.area), rules::opt_name);
    let street_name = e.optional(p("town"), given(c.town), rules::opt_name);
    let post_code = e.optional(p("zipCode"), given(c.zip_code), rules::code);
    let country_name = e.optional(p("countryCode"), given(c.country_code), rules::opt_name);
    e.optional(p("company"), given(c.company), rules::opt_name);
    e.optional(p("email"), given(c.email), rules::opt_name);
    Some(Address {
        name: name?,
        phone: phone?,
        country_name,
        province_name: province_name?,
        city_name: city_name?,
        area_name,
        street_name,
        address: address?,
        post_code,
        lng: None,
        lat: None,
    })
}

fn extend_props(
    e: &mut FieldErrors,
    props: Option<BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in props.unwrap_or_default() {
        let key = e.required("extendProps (a key)", Some(k), rules::code);
        let value = e.optional(
            format!("extendProps.{}", key.as_deref().unwrap_or("?")),
            Some(v),
            rules::remark,
        );
        if let (Some(k), Some(v)) = (key, value) {
            out.insert(k, v);
        }
    }
    out
}

/// Our type for a Qimen type, or a failure naming it: `allowed` are taken as they are,
/// `mapped` become `to` (the original kept in extendProps).
fn order_type(
    e: &mut FieldErrors,
    at: &str,
    v: Option<String>,
    kind: OrderKind,
    mapped: &[&str],
    to: &str,
) -> Option<(String, Option<String>)> {
    let t = e.required(at, given(v), rules::code)?;
    if mapped.contains(&t.as_str()) {
        return Some((to.to_string(), (t != to).then_some(t)));
    }
    match check_order_type(kind)(t.clone()) {
        Ok(t) => Some((t, None)),
        Err(_) => {
            e.invalid(
                at,
                format!(
                    "{t} is not an order type this warehouse handles here (takes {})",
                    mapped
                        .iter()
                        .chain(kind.order_types())
                        .copied()
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            None
        }
    }
}

async fn create(
    app: &AppState,
    caller: &Caller,
    endpoint: &str,
    order: WarehouseOrder,
    id_field: &str,
) -> Result<Reply, Reply> {
    business_key(&order.order_code);
    let origin = Origin {
        tenant: &caller.tenant(),
        client_id: caller.client.id,
    };
    let out: Outcome<Created> = service::orders::create_warehouse_order(
        &app.writes,
        caller.replay_key(endpoint),
        &origin,
        &order,
    )
    .await
    .map_err(answer::from_service)?;
    let c = out.value;
    let mut reply =
        Reply::ok(json!({ id_field: c.hx_order_no, "warehouseCode": order.inventory_code }));
    if c.existed {
        reply.message = format!(
            "order {} already exists (same content); nothing changed",
            c.order_code
        );
    }
    Ok(reply)
}

/// `entryorder.create` → an inbound order.
pub async fn entry(app: &AppState, caller: &Caller, payload: Value) -> Result<Reply, Reply> {
    let r: EntryOrderCreate = read(&payload)?;
    let mut e = FieldErrors::default();
    let Some(h) = r.entry_order else {
        return Err(Reply::fail(2001, "entryOrder: is required"));
    };
    let code = e.required(
        "entryOrder.entryOrderCode",
        given(h.entry_order_code),
        rules::code,
    );
    let wh = e.required(
        "entryOrder.warehouseCode",
        given(h.warehouse_code),
        rules::code,
    );
    let head_owner = e.required("entryOrder.ownerCode", given(h.owner_code), rules::code);
    let t = order_type(
        &mut e,
        "entryOrder.orderType",
        h.order_type,
        OrderKind::In,
        &[],
        "",
    );
    let (lines, owner) = lines(&mut e, r.order_lines, head_owner);
    let mut props = extend_props(&mut e, r.extend_props);
    if let Some((_, Some(original))) = &t {
        props.insert(ORIGINAL_TYPE.into(), original.clone());
    }
    let order = WarehouseOrder {
        kind: OrderKind::In,
        expected_arrive_time: e.optional(
            "entryOrder.expectStartTime",
            given(h.expect_start_time),
            time,
        ),
        supplier_code: e.optional(
            "entryOrder.supplierCode",
            given(h.supplier_code),
            rules::code,
        ),
        supplier_name: e.optional(
            "entryOrder.supplierName",
            given(h.supplier_name),
            rules::opt_name,
        ),
        source_order_code: e.optional(
            "entryOrder.purchaseOrderCode",
            given(h.purchase_order_code),
            rules::code,
        ),
        logistics_company: e.optional(
            "entryOrder.logisticsName",
            given(h.logistics_name),
            rules::opt_name,
        ),
        carrier_code: e.optional(
            "entryOrder.logisticsCode",
            given(h.logistics_code),
            rules::code,
        ),
        waybill_no: e.optional("entryOrder.expressCode", given(h.express_code), rules::code),
        remark: e.optional("entryOrder.remark", given(h.remark), rules::remark),
        extend_props: props,
        lines,
        ..Default::default()
    };
    e.optional("entryOrder.expectEndTime", given(h.expect_end_time), time);
    e.optional(
        "entryOrder.orderCreateTime",
        given(h.order_create_time),
        time,
    );
    checked(e)?;
    let (Some(code), Some(wh), Some(owner), Some((t, _))) = (code, wh, owner, t) else {
        return Err(Reply::fail(2001, "entryOrder: incomplete"));
    };
    let order = WarehouseOrder {
        order_code: code,
        order_type: t,
        inventory_code: wh,
        subbase_code: owner,
        ..order
    };
    create(
        app,
        caller,
        "qimen:entryorder.create",
        order,
        "entryOrderId",
    )
    .await
}

/// `returnorder.create` → an inbound `THRK` order; the owner comes from the lines.
pub async fn return_order(app: &AppState, caller: &Caller, payload: Value) -> Result<Reply, Reply> {
    let r: ReturnOrderCreate = read(&payload)?;
    let mut e = FieldErrors::default();
    let Some(h) = r.return_order else {
        return Err(Reply::fail(2001, "returnOrder: is required"));
    };
    let code = e.required(
        "returnOrder.returnOrderCode",
        given(h.return_order_code),
        rules::code,
    );
    let wh = e.required(
        "returnOrder.warehouseCode",
        given(h.warehouse_code),
        rules::code,
    );
    let t = order_type(
        &mut e,
        "returnOrder.orderType",
        h.order_type,
        OrderKind::In,
        &["THRK", "HHRK"],
        "THRK",
    );
    let (lines, owner) = lines(&mut e, r.order_lines, None);
    if owner.is_none() {
        e.missing_because(
            "orderLines[0].ownerCode",
            "is required (the owner of a return order)",
        );
    }
    let mut props = extend_props(&mut e, r.extend_props);
    if let Some((_, Some(original))) = &t {
        props.insert(ORIGINAL_TYPE.into(), original.clone());
    }
    if let Some(reason) = e.optional(
        "returnOrder.returnReason",
        given(h.return_reason),
        rules::remark,
    ) {
        props.insert("returnReason".into(), reason);
    }
    if let Some(nick) = e.optional(
        "returnOrder.buyerNick",
        given(h.buyer_nick),
        rules::opt_name,
    ) {
        props.insert("buyerNick".into(), nick);
    }
    let order = WarehouseOrder {
        kind: OrderKind::In,
        source_order_code: e.optional(
            "returnOrder.preDeliveryOrderCode",
            given(h.pre_delivery_order_code),
            rules::code,
        ),
        logistics_company: e.optional(
            "returnOrder.logisticsName",
            given(h.logistics_name),
            rules::opt_name,
        ),
        carrier_code: e.optional(
            "returnOrder.logisticsCode",
            given(h.logistics_code),
            rules::code,
        ),
        waybill_no: e.optional(
            "returnOrder.expressCode",
            given(h.express_code),
            rules::code,
        ),
        remark: e.optional("returnOrder.remark", given(h.remark), rules::remark),
        extend_props: props,
        lines,
        ..Default::default()
    };
    checked(e)?;
    let (Some(code), Some(wh), Some(owner), Some((t, _))) = (code, wh, owner, t) else {
        return Err(Reply::fail(2001, "returnOrder: incomplete"));
    };
    let order = WarehouseOrder {
        order_code: code,
        order_type: t,
        inventory_code: wh,
        subbase_code: owner,
        ..order
    };
    create(
        app,
        caller,
        "qimen:returnorder.create",
        order,
        "returnOrderId",
    )
    .await
}

/// Our order type for a Qimen one, with the original when it was mapped onto another.
type TypeMap = fn(&str) -> Option<(&'static str, bool)>;

/// An outbound order from `deliveryOrder` and its lines; `types` maps the Qimen type.
fn outbound(r: DeliveryOrderCreate, types: TypeMap, takes: &str) -> Result<WarehouseOrder, Reply> {
    let mut e = FieldErrors::default();
    let Some(h) = r.delivery_order else {
        return Err(Reply::fail(2001, "deliveryOrder: is required"));
    };
    let code = e.required(
        "deliveryOrder.deliveryOrderCode",
        given(h.delivery_order_code),
        rules::code,
    );
    let wh = e.required(
        "deliveryOrder.warehouseCode",
        given(h.warehouse_code),
        rules::code,
    );
    let head_owner = e.optional("deliveryOrder.ownerCode", given(h.owner_code), rules::code);
    let t = match given(h.order_type) {
        None => {
            e.missing("deliveryOrder.orderType");
            None
        }
        Some(t) => match types(&t) {
            Some((ours, mapped)) => Some((ours.to_string(), mapped.then_some(t))),
            None => {
                e.invalid(
                    "deliveryOrder.orderType",
                    format!("{t} is not an order type this warehouse handles here (takes {takes})"),
                );
                None
            }
        },
    };
    let (lines, owner) = lines(&mut e, r.order_lines, head_owner);
    if owner.is_none() {
        e.missing_because(
            "deliveryOrder.ownerCode",
            "is required (on the order or its lines)",
        );
    }
    let receiver = match h.receiver_info {
        Some(c) => receiver(&mut e, "deliveryOrder.receiverInfo", c),
        None => {
            e.missing("deliveryOrder.receiverInfo");
            None
        }
    };
    let mut props = extend_props(&mut e, r.extend_props);
    if let Some((_, Some(original))) = &t {
        props.insert(ORIGINAL_TYPE.into(), original.clone());
    }
    for (k, v) in [
        ("buyerNick", h.buyer_nick),
        ("sellerNick", h.seller_nick),
        ("preDeliveryOrderCode", h.pre_delivery_order_code),
        ("scheduleDate", h.schedule_date),
    ] {
        if let Some(v) = e.optional(format!("deliveryOrder.{k}"), given(v), rules::remark) {
            props.insert(k.into(), v);
        }
    }
    let order = WarehouseOrder {
        kind: OrderKind::Out,
        receiver,
        expected_ship_time: None,
        carrier_code: e.optional(
            "deliveryOrder.logisticsCode",
            given(h.logistics_code),
            rules::code,
        ),
        logistics_company: e.optional(
            "deliveryOrder.logisticsName",
            given(h.logistics_name),
            rules::opt_name,
        ),
        waybill_no: e.optional(
            "deliveryOrder.expressCode",
            given(h.express_code),
            rules::code,
        ),
        shop_name: e.optional(
            "deliveryOrder.shopNick",
            given(h.shop_nick),
            rules::opt_name,
        ),
        source_platform: e.optional(
            "deliveryOrder.sourcePlatformCode",
            given(h.source_platform_code),
            rules::opt_name,
        ),
        supplier_code: e.optional(
            "deliveryOrder.supplierCode",
            given(h.supplier_code),
            rules::code,
        ),
        supplier_name: e.optional(
            "deliveryOrder.supplierName",
            given(h.supplier_name),
            rules::opt_name,
        ),
        buyer_message: e.optional(
            "deliveryOrder.buyerMessage",
            given(h.buyer_message),
            rules::remark,
        ),
        seller_message: e.optional(
            "deliveryOrder.sellerMessage",
            given(h.seller_message),
            rules::remark,
        ),
        remark: e.optional("deliveryOrder.remark", given(h.remark), rules::remark),
        extend_props: props,
        lines,
        ..Default::default()
    };
    e.optional("deliveryOrder.createTime", given(h.create_time), time);
    e.optional(
        "deliveryOrder.placeOrderTime",
        given(h.place_order_time),
        time,
    );
    checked(e)?;
    let (Some(code), Some(wh), Some(owner), Some((t, _))) = (code, wh, owner, t) else {
        return Err(Reply::fail(2001, "deliveryOrder: incomplete"));
    };
    Ok(WarehouseOrder {
        order_code: code,
        order_type: t,
        inventory_code: wh,
        subbase_code: owner,
        ..order
    })
}

/// `deliveryorder.create` → an outbound `JYCK` order (`HHCK`, `BFCK` become `JYCK`, the
/// original type kept in extendProps).
pub async fn delivery(app: &AppState, caller: &Caller, payload: Value) -> Result<Reply, Reply> {
    let r: DeliveryOrderCreate = read(&payload)?;
    let order = outbound(
        r,
        |t| match t {
            "JYCK" => Some(("JYCK", false)),
            "HHCK" | "BFCK" => Some(("JYCK", true)),
            _ => None,
        },
        "JYCK, HHCK, BFCK",
    )?;
    create(
        app,
        caller,
        "qimen:deliveryorder.create",
        order,
        "deliveryOrderId",
    )
    .await
}

/// `stockout.create` → an outbound `PTCK`, `DBCK`, `B2BCK`, `QTCK` or `CGTH` order.
pub async fn stockout(app: &AppState, caller: &Caller, payload: Value) -> Result<Reply, Reply> {
    let r: DeliveryOrderCreate = read(&payload)?;
    let order = outbound(
        r,
        |t| {
            ["PTCK", "DBCK", "B2BCK", "QTCK", "CGTH"]
                .into_iter()
                .find(|x| *x == t)
                .map(|x| (x, false))
        },
        "PTCK, DBCK, B2BCK, QTCK, CGTH",
    )?;
    create(
        app,
        caller,
        "qimen:stockout.create",
        order,
        "deliveryOrderId",
    )
    .await
}

/// `order.cancel`: the kind from `orderType` (…RK inbound, …CK and CGTH outbound), or looked
/// up by code across kinds. `CANCELLED` answers success; a cancel the warehouse must decide
/// answers failure with code 3006, and the outcome follows as `orderprocess.report`.
pub async fn cancel(app: &AppState, caller: &Caller, payload: Value) -> Result<Reply, Reply> {
    let r: OrderCancel = read(&payload)?;
    let mut e = FieldErrors::default();
    let code = e.required("orderCode", given(r.order_code), rules::code);
    let reason = e.optional("cancelReason", given(r.cancel_reason), rules::remark);
    let kind = e.optional("orderType", given(r.order_type), |t: String| {
        if t.ends_with("RK") {
            Ok(OrderKind::In)
        } else if t.ends_with("CK") || t == "CGTH" {
            Ok(OrderKind::Out)
        } else {
            Err(format!(
                "{t} names neither an inbound (…RK) nor an outbound (…CK, CGTH) order"
            ))
        }
    });
    checked(e)?;
    let code = code.ok_or_else(|| Reply::fail(2001, "orderCode: is required"))?;
    business_key(&code);
    let tenant = caller.tenant();
    let kind = match kind {
        Some(k) => k,
        None => {
            let kinds = service::orders::kinds_of(&app.db, &tenant, &code)
                .await
                .map_err(answer::from_service)?;
            match kinds.as_slice() {
                [k] => *k,
                [] => return Err(Reply::fail(3001, format!("no order {code}"))),
                _ => {
                    return Err(Reply::fail(
                        2002,
                        format!("orderType: {code} names orders of several kinds; give orderType"),
                    ))
                }
            }
        }
    };
    let out = service::orders::cancel(
        &app.db,
        caller.replay_key("qimen:order.cancel"),
        &tenant,
        kind,
        &code,
        reason.as_deref(),
    )
    .await
    .map_err(answer::from_service)?;
    if out.value.cancel_status == "PENDING" {
        return Err(Reply::fail(
            3006,
            format!("cancel of {code} is pending: the warehouse decides; the outcome follows as orderprocess.report"),
        ));
    }
    Ok(Reply::ok(json!({})))
}
