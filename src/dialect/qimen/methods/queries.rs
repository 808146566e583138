//! Queries: `inventory.query` (quantity = available, lockQuantity = reserved), and the result
//! queries `entryorder.query` / `deliveryorder.query` with Qimen's statuses.

use super::{checked, given, read, Caller};
use crate::dialect::qimen::answer::{self, Reply};
use crate::dialect::qimen::dto::{InventoryQuery, OrderQuery};
use crate::domain::order::{OrderKind, OrderStatus, INVENTORY_TYPES};
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use crate::service::{self, orders::OrderResult};
use crate::state::AppState;
use crate::store::inventory_query::InventoryFilter;
use serde_json::{json, Value};

/// Our status in Qimen's words.
pub fn qimen_status(status: &str) -> &'static str {
    match OrderStatus::parse(status) {
        Some(OrderStatus::Created | OrderStatus::Backordered) => "NEW",
        Some(OrderStatus::Processing | OrderStatus::CancelPending) => "ACCEPT",
        Some(OrderStatus::PartiallyReceived) => "PARTFULFILLED",
        Some(OrderStatus::Received | OrderStatus::Confirmed) => "FULFILLED",
        Some(OrderStatus::PartiallyShipped) => "PARTDELIVERED",
        Some(OrderStatus::Shipped | OrderStatus::Signed | OrderStatus::InTransit) => "DELIVERED",
        Some(OrderStatus::Cancelled | OrderStatus::Rejected) => "CANCELED",
        Some(OrderStatus::Closed) | None => "CLOSED",
    }
}

pub async fn inventory(app: &AppState, caller: &Caller, payload: Value) -> Result<Reply, Reply> {
    let r: InventoryQuery = read(&payload)?;
    let mut e = FieldErrors::default();
    let criteria = r.criteria_list.unwrap_or_default();
    if let Err(m) = rules::count(&criteria, 1, 50) {
        e.invalid("criteriaList", m);
    }
    let mut asks = Vec::new();
    for (i, c) in criteria.into_iter().enumerate() {
        let p = |f: &'static str| LazyPath(move || format!("criteriaList[{i}].{f}"));
        let wh = e.required(p("warehouseCode"), given(c.warehouse_code), rules::code);
        let owner = e.optional(p("ownerCode"), given(c.owner_code), rules::code);
        let item = e.optional(p("itemCode"), given(c.item_code), rules::code);
        let t = e.optional(
            p("inventoryType"),
            given(c.inventory_type),
            rules::one_of(INVENTORY_TYPES),
        );
        if let Some(wh) = wh {
            asks.push((wh, owner, item, t));
        }
    }
    checked(e)?;
    let tenant = caller.tenant();
    let mut items = Vec::new();
    for (wh, owner, item, t) in &asks {
        let codes = item.as_ref().map(|i| vec![i.clone()]);
        let filter = InventoryFilter {
            inventory_code: wh,
            subbase_code: owner.as_deref(),
            item_codes: codes.as_deref(),
            inventory_type: t.as_deref(),
            batch_code: None,
            offset: 0,
            limit: 500,
        };
        let (_, rows) = service::inventory::query(&app.writes.sessions, &tenant, &filter)
            .await
            .map_err(answer::from_service)?;
        items.extend(rows.into_iter().map(|b| {
            json!({
                "warehouseCode": b.inventory_code, "ownerCode": b.subbase_code,
                "itemCode": b.item_code, "itemId": b.item_code, "inventoryType": b.inventory_type,
                "quantity": (b.on_hand - b.reserved).to_string(), "lockQuantity": b.reserved.to_string(),
                "batchCode": (!b.batch_code.is_empty()).then_some(b.batch_code),
                "productDate": b.product_date, "expireDate": b.expire_date,
            })
        }));
    }
    Ok(Reply::ok(json!({"items": {"item": items}})))
}

async fn one(
    app: &AppState,
    caller: &Caller,
    kind: OrderKind,
    code: &str,
) -> Result<OrderResult, Reply> {
    let (mut found, _) =
        service::orders::results(&app.db, &caller.tenant(), kind, &[code.to_string()])
            .await
            .map_err(answer::from_service)?;
    found
        .pop()
        .ok_or_else(|| Reply::fail(3001, format!("no {} order {code}", kind.as_str())))
}

fn lines(r: &OrderResult) -> Vec<Value> {
    r.lines
        .iter()
        .map(|l| {
            json!({
                "orderLineNo": l.line_no, "itemCode": l.item_code, "itemId": l.item_code,
                "planQty": l.plan_qty.to_string(), "actualQty": l.actual_qty.to_string(),
                "inventoryType": l.inventory_type, "batchCode": l.batch_code,
                "productDate": l.product_date, "expireDate": l.expire_date,
            })
        })
        .collect()
}

fn code(e: &mut FieldErrors, at: &str, v: Option<String>) -> Option<String> {
    e.required(at, given(v), rules::code)
}

pub async fn entry(app: &AppState, caller: &Caller, payload: Value) -> Result<Reply, Reply> {
    let r: OrderQuery = read(&payload)?;
    let mut e = FieldErrors::default();
    let c = code(&mut e, "entryOrderCode", r.entry_order_code);
    checked(e)?;
    let c = c.unwrap_or_default();
    let o = one(app, caller, OrderKind::In, &c).await?;
    Ok(Reply::ok(json!({
        "entryOrder": {
            "entryOrderCode": o.order.order_code, "entryOrderId": o.order.hx_order_no,
            "warehouseCode": o.order.inventory_code, "ownerCode": o.order.subbase_code,
            "entryOrderType": o.order.order_type, "status": qimen_status(&o.order.status),
            "operateTime": crate::domain::time::format(o.order.updated_at),
        },
        "orderLines": {"orderLine": lines(&o)},
    })))
}

pub async fn delivery(app: &AppState, caller: &Caller, payload: Value) -> Result<Reply, Reply> {
    let r: OrderQuery = read(&payload)?;
    let mut e = FieldErrors::default();
    let c = code(&mut e, "deliveryOrderCode", r.delivery_order_code);
    checked(e)?;
    let c = c.unwrap_or_default();
    let o = one(app, caller, OrderKind::Out, &c).await?;
    let packages: Vec<Value> = o
        .packages
        .iter()
        .map(|p| {
            json!({
                "logisticsCode": p.carrier_code, "expressCode": p.waybill_no, "packageCode": p.package_no,
                "weight": p.weight_kg.map(|w| w.to_string()),
            })
        })
        .collect();
    Ok(Reply::ok(json!({
        "deliveryOrder": {
            "deliveryOrderCode": o.order.order_code, "deliveryOrderId": o.order.hx_order_no,
            "warehouseCode": o.order.inventory_code, "ownerCode": o.order.subbase_code,
            "orderType": o.order.order_type, "status": qimen_status(&o.order.status),
            "operateTime": crate::domain::time::format(o.order.updated_at),
        },
        "packages": {"package": packages},
        "orderLines": {"orderLine": lines(&o)},
    })))
}
