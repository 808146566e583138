//! Warehouse operations (§8): what physically happened, applied to orders and stock, with the
//! §6 pushes written to the outbox in the same transaction.

use super::{transaction, MissingRefs, Outcome, ReplayKey, ServiceError};
use crate::domain::client::Tenant;
use crate::domain::inventory::{self, Demand, Held};
use crate::domain::order::{OrderKind, OrderStatus};
use crate::domain::push::EventType;
use crate::domain::validation::FieldErrors;
use crate::store::inventory::{BalanceKey, StockChange};
use crate::store::orders::{NewPackage, OpsOrder};
use crate::store::{self, PgConnection, PgPool};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// PARTIAL or FINAL batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmType {
    Partial,
    Final,
}

impl ConfirmType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Partial => "PARTIAL",
            Self::Final => "FINAL",
        }
    }
}

/// Where an order stands after an ops action.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderState {
    pub hx_order_no: String,
    pub order_code: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_seq: Option<i32>,
}

fn t(time: DateTime<Utc>) -> String {
    crate::auth::timestamp::format(time)
}

async fn load(
    tx: &mut PgConnection,
    hx: &str,
) -> Result<(OpsOrder, OrderKind, OrderStatus), ServiceError> {
    let o = store::orders::find_by_hx_for_update(tx, hx)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no order {hx}")))?;
    let kind = OrderKind::parse(&o.kind)
        .ok_or_else(|| ServiceError::Internal(format!("kind {}", o.kind)))?;
    let status = OrderStatus::parse(&o.status)
        .ok_or_else(|| ServiceError::Internal(format!("status {}", o.status)))?;
    Ok((o, kind, status))
}

fn wrong_status(o: &OpsOrder, action: &str) -> ServiceError {
    ServiceError::WrongStatus(format!(
        "order {} is {}: cannot {action}",
        o.hx_order_no, o.status
    ))
}

fn header(o: &OpsOrder) -> serde_json::Map<String, Value> {
    let v = json!({
        "orderCode": o.order_code, "hxOrderNo": o.hx_order_no, "orderType": o.order_type,
        "inventoryCode": o.inventory_code, "subbaseCode": o.subbase_code,
    });
    v.as_object().cloned().unwrap_or_default()
}

/// Writes a push about an order (header fields added) to the outbox; see [`push_to_order`].
async fn push_order(
    tx: &mut PgConnection,
    o: &OpsOrder,
    event: EventType,
    fields: Value,
) -> Result<(), ServiceError> {
    let mut payload = header(o);
    if let Value::Object(extra) = fields {
        payload.extend(extra);
    }
    push_to_order(
        tx,
        o.id,
        &Tenant(o.tenant.clone()),
        event,
        Value::Object(payload),
    )
    .await
}

/// Writes a push about an order to the identity that created it (or, if that identity is
/// gone, to every customer identity of the tenant), ordered with the order's other pushes.
pub(super) async fn push_to_order(
    tx: &mut PgConnection,
    order_id: i64,
    tenant: &Tenant,
    event: EventType,
    payload: Value,
) -> Result<(), ServiceError> {
    let recipients = match store::pushes::order_recipient(tx, order_id).await? {
        Some(c) => vec![c],
        None => store::pushes::tenant_recipients(tx, tenant).await?,
    };
    store::pushes::enqueue(
        tx,
        &recipients,
        tenant,
        event.as_str(),
        Some(&format!("order:{order_id}")),
        uuid::Uuid::now_v7(),
        &payload,
    )
    .await?;
    Ok(())
}

async fn state(
    tx: &mut PgConnection,
    o: &OpsOrder,
    status: OrderStatus,
    seq: Option<i32>,
    note: Option<&str>,
) -> Result<OrderState, ServiceError> {
    store::orders::set_status(tx, o.id, status.as_str(), None, note).await?;
    Ok(OrderState {
        hx_order_no: o.hx_order_no.clone(),
        order_code: o.order_code.clone(),
        status: status.as_str().into(),
        confirm_seq: seq,
    })
}

/// Work started (picking, receiving, dispatch): `PROCESSING`; later cancels become `PENDING`.
pub async fn start(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    hx: &str,
) -> Result<Outcome<OrderState>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let (o, _, status) = load(tx, hx).await?;
        if !matches!(status, OrderStatus::Created | OrderStatus::Backordered) {
            return Err(wrong_status(&o, "start work"));
        }
        state(tx, &o, OrderStatus::Processing, None, None).await
    })
    .await
}

/// The head of a receipt or shipment batch.
#[derive(Debug, Clone)]
pub struct BatchHead {
    pub confirm_type: ConfirmType,
    pub confirm_time: DateTime<Utc>,
    /// The warehouse's own number for the batch: a batch sent again with it counts once.
    pub batch_no: Option<String>,
    /// Of the batch as sent: "same content" for a batch sent again.
    pub fingerprint: String,
}

/// A batch sent again with its `batchNo`: the answer it had (same content), or 3002.
async fn earlier_batch(
    tx: &mut PgConnection,
    o: &OpsOrder,
    head: &BatchHead,
) -> Result<Option<OrderState>, ServiceError> {
    let Some(no) = &head.batch_no else {
        return Ok(None);
    };
    let Some((fingerprint, outcome)) = store::orders::find_batch(tx, o.id, no).await? else {
        return Ok(None);
    };
    if fingerprint.as_deref() != Some(head.fingerprint.as_str()) {
        return Err(ServiceError::Conflict(format!(
            "batchNo {no} of order {} was already confirmed with different content",
            o.hx_order_no
        )));
    }
    serde_json::from_value(outcome.unwrap_or_default())
        .map(Some)
        .map_err(|e| ServiceError::Internal(format!("stored batch outcome: {e}")))
}

/// How a batch leaves an order, and whether that finishes it: a FINAL batch finishes it
/// (short of plan or not), and so does any batch that brings every line to its plan. The
/// gateway never sets `CLOSED` (see docs/decisions.md).
fn after_batch(
    confirm_type: ConfirmType,
    complete: bool,
    partly: OrderStatus,
    done: OrderStatus,
) -> (OrderStatus, bool) {
    if complete || confirm_type == ConfirmType::Final {
        (done, true)
    } else {
        (partly, false)
    }
}

/// One received line of an inbound batch.
#[derive(Debug, Clone)]
pub struct ReceiptLine {
    pub line_no: String,
    pub actual_qty: i64,
    pub inventory_type: Option<String>,
    pub batch_code: Option<String>,
    pub product_date: Option<NaiveDate>,
    pub expire_date: Option<NaiveDate>,
    pub sn_codes: Vec<String>,
    pub lpn_code: Option<String>,
}

/// An inbound batch: adds stock, pushes `inOrderStatusConfirm`, and on FINAL `inOrderConfirm`.
pub async fn receive(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    hx: &str,
    head: &BatchHead,
    lines: &[ReceiptLine],
) -> Result<Outcome<OrderState>, ServiceError> {
    let (confirm_type, confirm_time) = (head.confirm_type, head.confirm_time);
    transaction(pool, replay, async |tx| {
        let (o, kind, status) = load(tx, hx).await?;
        if let Some(earlier) = earlier_batch(tx, &o, head).await? {
            return Ok(earlier);
        }
        if kind != OrderKind::In {
            return Err(ServiceError::WrongStatus(format!("order {hx} is a {} order: receipts are for IN orders", o.kind)));
        }
        if !matches!(status, OrderStatus::Created | OrderStatus::Processing | OrderStatus::PartiallyReceived) {
            return Err(wrong_status(&o, "receive goods"));
        }
        let order_lines = store::orders::lines_of(tx, &[o.id]).await?;
        let by_no: HashMap<&str, &store::orders::LineRow> = order_lines.iter().map(|l| (l.line_no.as_str(), l)).collect();
        let mut e = FieldErrors::default();
        let mut this_batch: HashMap<i64, i64> = HashMap::new();
        let mut changes = Vec::new();
        let mut pushed = Vec::new();
        let tenant = Tenant(o.tenant.clone());
        let (wh, owner) = (o.inventory_code.clone().unwrap_or_default(), o.subbase_code.clone().unwrap_or_default());
        for (i, r) in lines.iter().enumerate() {
            let Some(line) = by_no.get(r.line_no.as_str()) else {
                e.invalid(format!("lines[{i}].lineNo"), format!("order {hx} has no line {}", r.line_no));
                continue;
            };
            let total = this_batch.entry(line.id).or_default();
            *total += r.actual_qty;
            if line.actual_qty + *total > line.plan_qty {
                e.invalid(
                    format!("lines[{i}].actualQty"),
                    format!("line {} would receive {} of {} planned", r.line_no, line.actual_qty + *total, line.plan_qty),
                );
            }
            let inventory_type = r.inventory_type.clone().unwrap_or_else(|| line.inventory_type.clone());
            let batch_code = r.batch_code.clone().or_else(|| line.batch_code.clone()).unwrap_or_default();
            changes.push(StockChange {
                key: BalanceKey {
                    inventory_code: wh.clone(),
                    subbase_code: owner.clone(),
                    item_code: line.item_code.clone(),
                    inventory_type: inventory_type.clone(),
                    batch_code: batch_code.clone(),
                },
                product_date: r.product_date.or(line.product_date),
                expire_date: r.expire_date.or(line.expire_date),
                delta: r.actual_qty,
                reason: "RECEIPT",
                order_id: Some(o.id),
                reference: r.lpn_code.as_deref(),
            });
            pushed.push(json!({
                "lineNo": r.line_no, "itemCode": line.item_code, "actualQty": r.actual_qty,
                "inventoryType": inventory_type, "batchCode": (!batch_code.is_empty()).then_some(batch_code),
                "productDate": r.product_date.or(line.product_date), "expireDate": r.expire_date.or(line.expire_date),
                "snCodes": r.sn_codes, "lpnCode": r.lpn_code,
            }));
        }
        if !e.is_empty() {
            return Err(ServiceError::Invalid(e));
        }
        super::inventory::apply(tx, &tenant, &mut changes).await?;
        let complete = order_lines.iter().all(|l| l.actual_qty + this_batch.get(&l.id).copied().unwrap_or(0) >= l.plan_qty);
        store::orders::add_actual(tx, &this_batch.into_iter().collect::<Vec<_>>()).await?;
        let lines_json = Value::Array(pushed);
        let (conf_id, seq) = store::orders::insert_confirmation(tx, o.id, confirm_type.as_str(), confirm_time, &json!({"lines": lines_json}), head.batch_no.as_deref(), &head.fingerprint).await?;
        let (new_status, finished) = after_batch(confirm_type, complete, OrderStatus::PartiallyReceived, OrderStatus::Received);
        let result = state(tx, &o, new_status, Some(seq), None).await?;
        store::orders::set_confirmation_outcome(tx, conf_id, &json!(result)).await?;
        push_order(tx, &o, EventType::InOrderStatusConfirm, json!({
            "status": new_status.as_str(), "confirmSeq": seq, "confirmType": confirm_type.as_str(),
            "confirmTime": t(confirm_time), "lines": lines_json,
        }))
        .await?;
        if finished {
            let totals = totals(tx, o.id).await?;
            push_order(tx, &o, EventType::InOrderConfirm, json!({
                "status": new_status.as_str(), "lines": totals.0, "batches": totals.1,
            }))
            .await?;
        }
        Ok(result)
    })
    .await
}

/// Per-line plan and actual, and every confirmation batch, for the final pushes.
async fn totals(tx: &mut PgConnection, order_id: i64) -> Result<(Value, Value), ServiceError> {
    let lines: Vec<Value> = store::orders::lines_of(tx, &[order_id])
        .await?
        .into_iter()
        .map(|l| json!({"lineNo": l.line_no, "itemCode": l.item_code, "planQty": l.plan_qty, "actualQty": l.actual_qty}))
        .collect();
    let batches: Vec<Value> = store::orders::confirmations_of(tx, &[order_id])
        .await?
        .into_iter()
        .map(|c| {
            let mut b = json!({"confirmSeq": c.confirm_seq, "confirmType": c.confirm_type, "confirmTime": t(c.confirm_time)});
            if let (Some(obj), Value::Object(extra)) = (b.as_object_mut(), c.lines) {
                obj.extend(extra);
            }
            b
        })
        .collect();
    Ok((Value::Array(lines), Value::Array(batches)))
}

/// One package of a shipment batch.
#[derive(Debug, Clone)]
pub struct Package {
    pub package_no: String,
    pub waybill_no: Option<String>,
    pub carrier_code: Option<String>,
    pub weight_kg: Option<Decimal>,
    pub length_cm: Option<Decimal>,
    pub width_cm: Option<Decimal>,
    pub height_cm: Option<Decimal>,
    /// (lineNo, qty, snCodes)
    pub items: Vec<(String, i64, Vec<String>)>,
}

/// Takes `per_line` quantities out of stock for an order (reserved first) under `reason`.
/// Returns the takes with their line ids, or 3005 when stock is short.
async fn take_stock(
    tx: &mut PgConnection,
    o: &OpsOrder,
    per_line: &[(&store::orders::LineRow, i64)],
    reason: &str,
) -> Result<Vec<inventory::Take>, ServiceError> {
    let tenant = Tenant(o.tenant.clone());
    let items: Vec<String> = per_line.iter().map(|(l, _)| l.item_code.clone()).collect();
    let slots = store::inventory::lock_slots(
        tx,
        &tenant,
        o.inventory_code.as_deref().unwrap_or_default(),
        o.subbase_code.as_deref().unwrap_or_default(),
        &items,
    )
    .await?;
    let held: Vec<Held> = store::inventory::held_of(tx, o.id)
        .await?
        .into_iter()
        .map(|(line_no, _, balance_id, qty)| Held {
            line_no,
            balance_id,
            qty,
        })
        .collect();
    let demands: Vec<Demand> = per_line
        .iter()
        .map(|(l, qty)| Demand {
            line_no: l.line_no.clone(),
            item_code: l.item_code.clone(),
            inventory_type: l.inventory_type.clone(),
            batch_code: l.batch_code.clone(),
            qty: *qty,
        })
        .collect();
    let (takes, shortages) = inventory::consume(&demands, &held, &slots);
    if !shortages.is_empty() {
        return Err(ServiceError::InsufficientStock(shortages));
    }
    let line_id: HashMap<&str, i64> = per_line
        .iter()
        .map(|(l, _)| (l.line_no.as_str(), l.id))
        .collect();
    let rows: Vec<(i64, i64, i64, bool)> = takes
        .iter()
        .map(|t| {
            (
                line_id[t.line_no.as_str()],
                t.balance_id,
                t.qty,
                t.from_reserved,
            )
        })
        .collect();
    store::inventory::consume(tx, o.id, reason, &rows).await?;
    Ok(takes)
}

/// An outbound batch: consumes reserved stock (never more than planned, never below zero),
/// pushes `outOrderStatusConfirm` with what was really taken (batch, dates, SNs); when the
/// order is finished (plan reached, or a FINAL batch) releases what is left reserved and
/// pushes `outOrderConfirm`. `dws_tolerance` judges DWS scans of these packages that arrived
/// before the shipment.
pub async fn ship(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    hx: &str,
    head: &BatchHead,
    packages: &[Package],
    dws_tolerance: f64,
) -> Result<Outcome<OrderState>, ServiceError> {
    let (confirm_type, confirm_time) = (head.confirm_type, head.confirm_time);
    transaction(pool, replay, async |tx| {
        let (o, kind, status) = load(tx, hx).await?;
        if let Some(earlier) = earlier_batch(tx, &o, head).await? {
            return Ok(earlier);
        }
        if kind != OrderKind::Out {
            return Err(ServiceError::WrongStatus(format!("order {hx} is a {} order: shipments are for OUT orders", o.kind)));
        }
        if !matches!(status, OrderStatus::Created | OrderStatus::Backordered | OrderStatus::Processing | OrderStatus::PartiallyShipped) {
            return Err(wrong_status(&o, "ship goods"));
        }
        let order_lines = store::orders::lines_of(tx, &[o.id]).await?;
        let by_no: HashMap<&str, &store::orders::LineRow> = order_lines.iter().map(|l| (l.line_no.as_str(), l)).collect();
        let used: std::collections::HashSet<String> = store::orders::package_nos(tx, o.id).await?.into_iter().collect();
        let mut e = FieldErrors::default();
        let mut per_line: Vec<(&store::orders::LineRow, i64)> = Vec::new();
        for (i, p) in packages.iter().enumerate() {
            if used.contains(&p.package_no) {
                e.invalid(format!("packages[{i}].packageNo"), format!("package {} was already shipped", p.package_no));
            }
            for (j, (line_no, qty, _)) in p.items.iter().enumerate() {
                match by_no.get(line_no.as_str()) {
                    None => e.invalid(format!("packages[{i}].items[{j}].lineNo"), format!("order {hx} has no line {line_no}")),
                    Some(l) => match per_line.iter_mut().find(|(x, _)| x.id == l.id) {
                        Some((_, q)) => *q += qty,
                        None => per_line.push((l, *qty)),
                    },
                }
            }
        }
        for (l, q) in &per_line {
            if l.actual_qty + q > l.plan_qty {
                e.invalid("packages", format!("line {} would ship {} of {} planned", l.line_no, l.actual_qty + q, l.plan_qty));
            }
        }
        if !e.is_empty() {
            return Err(ServiceError::Invalid(e));
        }
        let takes = take_stock(tx, &o, &per_line, "SHIPMENT").await?;
        let complete = order_lines.iter().all(|l| {
            l.actual_qty + per_line.iter().filter(|(x, _)| x.id == l.id).map(|(_, q)| q).sum::<i64>() >= l.plan_qty
        });
        store::orders::add_actual(tx, &per_line.iter().map(|(l, q)| (l.id, *q)).collect::<Vec<_>>()).await?;
        let pkg_json: Vec<Value> = packages
            .iter()
            .map(|p| {
                let items: Vec<Value> = p.items.iter().map(|(line_no, qty, sns)| {
                    let item = by_no.get(line_no.as_str()).map(|l| l.item_code.clone());
                    json!({"lineNo": line_no, "itemCode": item, "qty": qty, "snCodes": sns})
                }).collect();
                json!({"packageNo": p.package_no, "waybillNo": p.waybill_no, "carrierCode": p.carrier_code,
                       "weight": p.weight_kg, "length": p.length_cm, "width": p.width_cm, "height": p.height_cm,
                       "items": items})
            })
            .collect();
        let lines_json = shipped_lines(tx, &by_no, &takes, packages).await?;
        let (conf_id, seq) = store::orders::insert_confirmation(
            tx, o.id, confirm_type.as_str(), confirm_time, &json!({"lines": lines_json, "packages": pkg_json}),
            head.batch_no.as_deref(), &head.fingerprint,
        )
        .await?;
        let tenant = Tenant(o.tenant.clone());
        let mut barcodes = Vec::new();
        for (p, pj) in packages.iter().zip(&pkg_json) {
            let np = NewPackage {
                package_no: p.package_no.clone(),
                waybill_no: p.waybill_no.clone(),
                carrier_code: p.carrier_code.clone(),
                weight_kg: p.weight_kg,
                length_cm: p.length_cm,
                width_cm: p.width_cm,
                height_cm: p.height_cm,
                items: pj["items"].clone(),
            };
            store::orders::insert_package(tx, &tenant, o.id, conf_id, &np).await?;
            barcodes.push(p.package_no.clone());
            barcodes.extend(p.waybill_no.clone());
        }
        // Every package of the batch is in place before waiting scans are judged: a waybill on
        // two packages of this batch names both.
        barcodes.sort();
        barcodes.dedup();
        super::dws::match_waiting_scans(tx, &barcodes, dws_tolerance).await?;
        let mut waybills: Vec<(&String, Option<&str>)> = packages
            .iter()
            .filter_map(|p| p.waybill_no.as_ref().map(|w| (w, p.carrier_code.as_deref())))
            .collect();
        waybills.dedup_by(|a, b| a.0 == b.0);
        for (w, carrier) in waybills {
            super::carrier::link_waybill(tx, o.id, w, carrier).await?;
        }
        let (new_status, finished) = after_batch(confirm_type, complete, OrderStatus::PartiallyShipped, OrderStatus::Shipped);
        if finished {
            store::inventory::release_order(tx, o.id).await?;
            store::orders::close_serials(tx, o.id).await?;
        }
        let result = state(tx, &o, new_status, Some(seq), None).await?;
        store::orders::set_confirmation_outcome(tx, conf_id, &json!(result)).await?;
        push_order(tx, &o, EventType::OutOrderStatusConfirm, json!({
            "status": new_status.as_str(), "confirmSeq": seq, "confirmType": confirm_type.as_str(),
            "confirmTime": t(confirm_time), "lines": lines_json, "packages": pkg_json,
        }))
        .await?;
        if finished {
            let (totals, batches) = totals(tx, o.id).await?;
            let all_packages: Vec<Value> = batches
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|b| b["packages"].as_array().cloned().unwrap_or_default())
                .collect();
            let lines = shipped_totals(&totals, &batches);
            push_order(tx, &o, EventType::OutOrderConfirm, json!({
                "status": new_status.as_str(), "lines": lines, "batches": batches, "packages": all_packages,
            }))
            .await?;
        }
        Ok(result)
    })
    .await
}

/// The lines of `outOrderConfirm`: what every batch really shipped, summed per line and
/// stock slot (batch, dates, type), each with its line's planned quantity and its SNs.
fn shipped_totals(totals: &Value, batches: &Value) -> Value {
    let plan: HashMap<&str, &Value> = totals
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| Some((l["lineNo"].as_str()?, &l["planQty"])))
        .collect();
    let mut out: Vec<Value> = Vec::new();
    let slot = |l: &Value| {
        [
            "lineNo",
            "inventoryType",
            "batchCode",
            "productDate",
            "expireDate",
        ]
        .map(|k| l[k].clone())
    };
    for l in batches
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|b| b["lines"].as_array().cloned().unwrap_or_default())
    {
        match out.iter_mut().find(|x| slot(x) == slot(&l)) {
            Some(x) => {
                let qty =
                    x["actualQty"].as_i64().unwrap_or(0) + l["actualQty"].as_i64().unwrap_or(0);
                x["actualQty"] = qty.into();
                if let (Some(a), Some(b)) = (x["snCodes"].as_array_mut(), l["snCodes"].as_array()) {
                    a.extend(b.iter().cloned());
                }
            }
            None => {
                let mut x = l.clone();
                x["planQty"] = plan
                    .get(l["lineNo"].as_str().unwrap_or(""))
                    .map(|v| (*v).clone())
                    .unwrap_or(Value::Null);
                out.push(x);
            }
        }
    }
    Value::Array(out)
}

/// What a shipment batch really took, per line and stock slot: the batch, production and
/// expiry dates of the stock taken (not the batch the order line pinned), with the line's
/// serial numbers of this batch.
async fn shipped_lines(
    tx: &mut PgConnection,
    by_no: &HashMap<&str, &store::orders::LineRow>,
    takes: &[inventory::Take],
    packages: &[Package],
) -> Result<Vec<Value>, ServiceError> {
    let ids: Vec<i64> = takes.iter().map(|t| t.balance_id).collect();
    let slots: HashMap<i64, (BalanceKey, Option<NaiveDate>, Option<NaiveDate>)> =
        store::inventory::balances_by_id(tx, &ids)
            .await?
            .into_iter()
            .map(|(id, k, p, x)| (id, (k, p, x)))
            .collect();
    let mut sns: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in packages {
        for (line_no, _, codes) in &p.items {
            sns.entry(line_no.as_str())
                .or_default()
                .extend(codes.iter().map(String::as_str));
        }
    }
    let mut seen = std::collections::HashSet::new();
    Ok(takes
        .iter()
        .map(|tk| {
            let line = by_no.get(tk.line_no.as_str());
            let slot = slots.get(&tk.balance_id);
            // A line's SNs go with its first slot, so they are listed once.
            let codes = if seen.insert(tk.line_no.clone()) {
                sns.get(tk.line_no.as_str()).cloned().unwrap_or_default()
            } else {
                Vec::new()
            };
            json!({
                "lineNo": tk.line_no, "itemCode": line.map(|l| &l.item_code), "actualQty": tk.qty,
                "inventoryType": slot.map(|s| &s.0.inventory_type),
                "batchCode": slot.map(|s| &s.0.batch_code).filter(|b| !b.is_empty()),
                "productDate": slot.and_then(|s| s.1), "expireDate": slot.and_then(|s| s.2),
                "snCodes": codes,
            })
        })
        .collect())
}

/// A transport order accepted (with its dispatch) or refused.
#[derive(Debug, Clone, Default)]
pub struct TransportDecision {
    pub accept: bool,
    pub carrier_code: Option<String>,
    pub waybill_no: Option<String>,
    pub plate_no: Option<String>,
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    pub estimated_pickup_time: Option<String>,
    pub reason: Option<String>,
}

/// Property transfer done (stock moves between owners) or transport order accepted/refused.
pub async fn confirm(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    hx: &str,
    decision: Option<&TransportDecision>,
) -> Result<Outcome<OrderState>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let (o, kind, status) = load(tx, hx).await?;
        if !matches!(status, OrderStatus::Created | OrderStatus::Processing) {
            return Err(wrong_status(&o, "confirm it"));
        }
        match kind {
            OrderKind::Property => {
                let lines = store::orders::lines_of(tx, &[o.id]).await?;
                let per_line: Vec<(&store::orders::LineRow, i64)> = lines.iter().map(|l| (l, l.plan_qty)).collect();
                // Both owners' rows in one statement, in id order: the one lock order.
                let items: Vec<String> = lines.iter().map(|l| l.item_code.clone()).collect();
                let owners: Vec<String> = o.subbase_code.iter().chain(o.to_subbase_code.iter()).cloned().collect();
                store::inventory::lock_owners(tx, &Tenant(o.tenant.clone()), o.inventory_code.as_deref().unwrap_or_default(), &owners, &items).await?;
                let takes = take_stock(tx, &o, &per_line, "TRANSFER_OUT").await?;
                let ids: Vec<i64> = takes.iter().map(|t| t.balance_id).collect();
                let keys: HashMap<i64, (BalanceKey, Option<NaiveDate>, Option<NaiveDate>)> =
                    store::inventory::balances_by_id(tx, &ids).await?.into_iter().map(|(id, k, p, x)| (id, (k, p, x))).collect();
                let to = o.to_subbase_code.clone().unwrap_or_default();
                let mut changes: Vec<StockChange> = takes
                    .iter()
                    .filter_map(|tk| {
                        let (k, p, x) = keys.get(&tk.balance_id)?.clone();
                        Some(StockChange {
                            key: BalanceKey { subbase_code: to.clone(), ..k },
                            product_date: p,
                            expire_date: x,
                            delta: tk.qty,
                            reason: "TRANSFER_IN",
                            order_id: Some(o.id),
                            reference: None,
                        })
                    })
                    .collect();
                super::inventory::apply(tx, &Tenant(o.tenant.clone()), &mut changes).await?;
                store::orders::add_actual(tx, &per_line.iter().map(|(l, q)| (l.id, *q)).collect::<Vec<_>>()).await?;
                let result = state(tx, &o, OrderStatus::Confirmed, None, None).await?;
                let lines_json: Vec<Value> = lines.iter().map(|l| json!({"lineNo": l.line_no, "itemCode": l.item_code, "planQty": l.plan_qty, "actualQty": l.plan_qty})).collect();
                push_order(tx, &o, EventType::PropertyOrderConfirm, json!({
                    "status": "CONFIRMED", "fromSubbaseCode": o.subbase_code, "toSubbaseCode": o.to_subbase_code,
                    "lines": lines_json,
                }))
                .await?;
                Ok(result)
            }
            OrderKind::Transport => {
                let d = decision.cloned().unwrap_or_default();
                let new_status = if d.accept { OrderStatus::Confirmed } else { OrderStatus::Rejected };
                let result = state(tx, &o, new_status, None, d.reason.as_deref()).await?;
                if let (true, Some(w)) = (d.accept, &d.waybill_no) {
                    store::carrier::set_order_waybill(tx, o.id, w, d.carrier_code.as_deref()).await?;
                    super::carrier::link_waybill(tx, o.id, w, d.carrier_code.as_deref()).await?;
                }
                push_order(tx, &o, EventType::TransportOrderConfirm, json!({
                    "status": new_status.as_str(), "carrierCode": d.carrier_code, "waybillNo": d.waybill_no,
                    "plateNo": d.plate_no, "driverName": d.driver_name, "driverPhone": d.driver_phone,
                    "estimatedPickupTime": d.estimated_pickup_time, "reason": d.reason,
                }))
                .await?;
                Ok(result)
            }
            _ => Err(ServiceError::WrongStatus(format!(
                "order {hx} is a {} order: confirm is for PROPERTY and TRANSPORT orders (use receipts or shipments)",
                o.kind
            ))),
        }
    })
    .await
}

/// The warehouse's decision on a `PENDING` cancel: pushes `cancelResult`.
pub async fn decide_cancel(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    hx: &str,
    approve: bool,
    reason: Option<&str>,
) -> Result<Outcome<OrderState>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let (o, kind, status) = load(tx, hx).await?;
        if status != OrderStatus::CancelPending {
            return Err(wrong_status(&o, "decide a cancel (none is pending)"));
        }
        let new_status = if approve {
            if kind.reserves_stock() {
                store::inventory::release_order(tx, o.id).await?;
            }
            store::orders::close_serials(tx, o.id).await?;
            OrderStatus::Cancelled
        } else {
            o.pre_cancel_status.as_deref().and_then(OrderStatus::parse).unwrap_or(OrderStatus::Processing)
        };
        let result = state(tx, &o, new_status, None, reason).await?;
        push_order(tx, &o, EventType::CancelResult, json!({
            "orderKind": kind.as_str(), "cancelStatus": if approve { "CANCELLED" } else { "REJECTED" },
            "reason": reason, "time": t(Utc::now()),
        }))
        .await?;
        Ok(result)
    })
    .await
}

/// A stock adjustment line (signed quantity).
#[derive(Debug, Clone)]
pub struct AdjustLine {
    pub item_code: String,
    pub inventory_type: String,
    pub qty: i64,
    pub batch_code: Option<String>,
    pub product_date: Option<NaiveDate>,
    pub expire_date: Option<NaiveDate>,
    pub produce_code: Option<String>,
    pub sn_code: Option<String>,
    pub remark: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Adjustment {
    pub tenant: Tenant,
    pub inventory_code: String,
    pub subbase_code: String,
    pub adjust_order_code: String,
    pub adjust_type: String,
    pub lines: Vec<AdjustLine>,
    /// Of the adjustment as sent: the same `adjustOrderCode` with other content is refused.
    pub fingerprint: String,
}

/// What an adjustment answered.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Adjusted {
    pub adjust_order_code: String,
    pub push_recipients: usize,
}

/// A stock adjustment (count, damage, reclassification): pushes `inventoryAdjust`.
/// Idempotent by `adjustOrderCode` per customer: the same content answers what it answered
/// the first time (and changes nothing), other content is a conflict (3002).
pub async fn adjust(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    a: &Adjustment,
) -> Result<Outcome<Adjusted>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let claimed = store::inventory::claim_adjustment(
            tx,
            &a.tenant,
            &a.adjust_order_code,
            &a.inventory_code,
            &a.subbase_code,
            &a.adjust_type,
            &a.fingerprint,
        )
        .await?;
        if let Some((fingerprint, outcome)) = claimed {
            if fingerprint != a.fingerprint {
                return Err(ServiceError::Conflict(format!(
                    "adjustOrderCode {} of {} was already applied with different content",
                    a.adjust_order_code,
                    a.tenant.as_str()
                )));
            }
            return serde_json::from_value(outcome)
                .map_err(|e| ServiceError::Internal(format!("stored adjustment outcome: {e}")));
        }
        let items: Vec<String> = a.lines.iter().map(|l| l.item_code.clone()).collect();
        let refs = store::orders::References {
            inventory_orgs: &[(a.inventory_code.clone(), a.subbase_code.clone())],
            products: &items,
            consignees: &[],
        };
        MissingRefs::from(store::orders::missing_references(tx, &a.tenant, &refs).await?)
            .into_result()?;
        let mut changes: Vec<StockChange> = a
            .lines
            .iter()
            .map(|l| StockChange {
                key: BalanceKey {
                    inventory_code: a.inventory_code.clone(),
                    subbase_code: a.subbase_code.clone(),
                    item_code: l.item_code.clone(),
                    inventory_type: l.inventory_type.clone(),
                    batch_code: l.batch_code.clone().unwrap_or_default(),
                },
                product_date: l.product_date,
                expire_date: l.expire_date,
                delta: l.qty,
                reason: "ADJUSTMENT",
                order_id: None,
                reference: Some(&a.adjust_order_code),
            })
            .collect();
        super::inventory::apply(tx, &a.tenant, &mut changes).await?;
        let recipients = store::pushes::tenant_recipients(tx, &a.tenant).await?;
        let lines: Vec<Value> = a.lines.iter().map(|l| json!({
            "itemCode": l.item_code, "inventoryType": l.inventory_type, "planQty": l.qty, "batchCode": l.batch_code,
            "productDate": l.product_date, "expireDate": l.expire_date, "produceCode": l.produce_code,
            "snCode": l.sn_code, "remark": l.remark,
        })).collect();
        store::pushes::enqueue(tx, &recipients, &a.tenant, EventType::InventoryAdjust.as_str(), None, uuid::Uuid::now_v7(), &json!({
            "warehouseCode": a.inventory_code, "ownerCode": a.subbase_code, "adjustOrderCode": a.adjust_order_code,
            "adjustType": a.adjust_type, "adjustTime": t(Utc::now()), "items": lines,
        }))
        .await?;
        let out = Adjusted {
            adjust_order_code: a.adjust_order_code.clone(),
            push_recipients: recipients.len(),
        };
        store::inventory::set_adjustment_outcome(tx, &a.tenant, &a.adjust_order_code, &json!(out)).await?;
        Ok(out)
    })
    .await
}

/// A vehicle arriving in a customer's yard.
#[derive(Debug, Clone)]
pub struct YardIntake {
    pub tenant: Tenant,
    pub vin: String,
    pub inventory_code: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub color: Option<String>,
}

/// Yard intake: the vehicle is `IN_YARD` (车库存).
pub async fn vehicle_intake(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    v: &YardIntake,
) -> Result<Outcome<()>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let row = store::inventory::YardVehicle {
            vin: &v.vin,
            inventory_code: &v.inventory_code,
            brand: v.brand.as_deref(),
            model: v.model.as_deref(),
            color: v.color.as_deref(),
            status: "IN_YARD",
        };
        store::inventory::upsert_vehicle(tx, &v.tenant, &row).await?;
        Ok(())
    })
    .await
}

/// A vehicle inspection at intake or handover.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub tenant: Tenant,
    pub vin: String,
    pub order_code: Option<String>,
    pub inspection_time: DateTime<Utc>,
    /// PASS or DAMAGED.
    pub result: String,
    /// (part, description)
    pub damages: Vec<(String, String)>,
    pub images: Vec<String>,
}

/// Records an inspection on a yard vehicle and pushes `vehicleInspectionConfirm`.
pub async fn inspect(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    i: &Inspection,
) -> Result<Outcome<()>, ServiceError> {
    transaction(pool, replay, async |tx| {
        if !store::inventory::record_inspection(tx, &i.tenant, &i.vin, &i.result, i.inspection_time)
            .await?
        {
            return Err(ServiceError::NotFound(format!(
                "no vehicle {} in the yard of {}",
                i.vin,
                i.tenant.as_str()
            )));
        }
        let recipients = store::pushes::tenant_recipients(tx, &i.tenant).await?;
        let damages: Vec<Value> = i
            .damages
            .iter()
            .map(|(p, d)| json!({"part": p, "description": d}))
            .collect();
        store::pushes::enqueue(
            tx,
            &recipients,
            &i.tenant,
            EventType::VehicleInspectionConfirm.as_str(),
            Some(&format!("vin:{}", i.vin)),
            uuid::Uuid::now_v7(),
            &json!({
                "vin": i.vin, "orderCode": i.order_code, "inspectionTime": t(i.inspection_time),
                "result": i.result, "damages": damages, "images": i.images,
            }),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Everything about one order for the warehouse floor: header, lines, history, batches, pushes.
pub async fn order_view(pool: &PgPool, hx: &str) -> Result<Value, ServiceError> {
    let mut conn = pool.acquire().await?;
    let o = store::orders::find_by_hx(&mut conn, hx)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no order {hx}")))?;
    let lines: Vec<Value> = store::orders::lines_of(&mut conn, &[o.id]).await?.into_iter().map(|l| json!({
        "lineNo": l.line_no, "itemCode": l.item_code, "planQty": l.plan_qty, "actualQty": l.actual_qty,
        "inventoryType": l.inventory_type, "batchCode": l.batch_code,
    })).collect();
    let history: Vec<Value> = store::orders::events_of(&mut conn, &[o.id])
        .await?
        .into_iter()
        .map(|e| json!({"status": e.status, "time": t(e.created_at)}))
        .collect();
    let (_, batches) = totals(&mut conn, o.id).await?;
    let pushes: Vec<Value> = store::pushes::of_order(&mut conn, &format!("order:{}", o.id))
        .await?
        .into_iter()
        .map(|p| {
            json!({"id": p.id, "eventId": p.event_id, "eventType": p.event_type, "status": p.status,
                        "attempts": p.attempts, "lastError": p.last_error})
        })
        .collect();
    let mut v = Value::Object(header(&o));
    v["customer"] = json!(o.tenant);
    v["kind"] = json!(o.kind);
    v["status"] = json!(o.status);
    v["toSubbaseCode"] = json!(o.to_subbase_code);
    v["request"] = o.request.clone();
    v["lines"] = Value::Array(lines);
    v["history"] = Value::Array(history);
    v["confirmations"] = batches;
    v["pushes"] = Value::Array(pushes);
    Ok(v)
}

/// Pushes in a status (pending, delivered, dead), newest first.
pub async fn list_pushes(
    pool: &PgPool,
    status: &str,
    limit: i64,
) -> Result<Vec<store::pushes::PushRow>, ServiceError> {
    Ok(store::pushes::list(pool, status, limit).await?)
}

/// A push as the ops API and the CLI show it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushView {
    pub id: i64,
    pub event_id: uuid::Uuid,
    pub event_type: String,
    pub customer: String,
    pub client_id: i64,
    pub order_key: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub payload: Value,
}

impl From<store::pushes::PushRow> for PushView {
    fn from(p: store::pushes::PushRow) -> Self {
        Self {
            id: p.id,
            event_id: p.event_id,
            event_type: p.event_type,
            customer: p.tenant,
            client_id: p.client_id,
            order_key: p.order_key,
            status: p.status,
            attempts: p.attempts,
            next_attempt_at: p.next_attempt_at,
            last_error: p.last_error,
            created_at: p.created_at,
            delivered_at: p.delivered_at,
            payload: p.payload,
        }
    }
}

/// Puts a push back in the queue with a fresh schedule and the same event id.
pub async fn replay_push(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    id: i64,
) -> Result<Outcome<PushView>, ServiceError> {
    transaction(pool, replay, async |tx| {
        store::pushes::replay(tx, id)
            .await?
            .map(PushView::from)
            .ok_or_else(|| ServiceError::NotFound(format!("no push {id}")))
    })
    .await
}
