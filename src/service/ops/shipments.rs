//! Outbound batches: stock taken (reserved first), packages recorded (and waiting DWS scans,
//! routes and sign-off images of their waybills matched), the batch and (when the order is
//! finished) what was shipped written as events.

use super::{
    after_batch, batches_of, earlier_batch, emit, load, order_ref, record_batch, state,
    wrong_status, BatchHead, OrderState,
};
use crate::domain::client::Tenant;
use crate::domain::event::{
    Batch, BatchContent, ConfirmedLine, DomainEvent, PackageItem, ShippedPackage,
};
use crate::domain::inventory::{self, Demand, Held};
use crate::domain::order::{OrderKind, OrderStatus};
use crate::domain::validation::FieldErrors;
use crate::service::{transaction, Outcome, ReplayKey, ServiceError};
use crate::store::inventory::BalanceKey;
use crate::store::orders::{LineRow, NewPackage, OpsOrder};
use crate::store::{self, PgConnection, PgPool};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

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
pub(super) async fn take_stock(
    tx: &mut PgConnection,
    o: &OpsOrder,
    per_line: &[(&LineRow, i64)],
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

/// An outbound batch: consumes reserved stock (never more than planned, never below zero) and
/// records the batch (`OutboundBatch`, with what was really taken: batch, dates, SNs); when the
/// order is finished (plan reached, or a FINAL batch) releases what is left reserved and
/// writes `OutboundFinished`. `dws_tolerance` judges DWS scans of these packages that arrived
/// before the shipment.
pub async fn ship(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    hx: &str,
    head: &BatchHead,
    packages: &[Package],
    dws_tolerance: f64,
) -> Result<Outcome<OrderState>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let (o, kind, status) = load(tx, hx).await?;
        if let Some(earlier) = earlier_batch(tx, &o, head).await? {
            return Ok(earlier);
        }
        if kind != OrderKind::Out {
            return Err(ServiceError::WrongStatus(format!(
                "order {hx} is a {} order: shipments are for OUT orders",
                o.kind
            )));
        }
        if !matches!(
            status,
            OrderStatus::Created
                | OrderStatus::Backordered
                | OrderStatus::Processing
                | OrderStatus::PartiallyShipped
        ) {
            return Err(wrong_status(&o, "ship goods"));
        }
        let order_lines = store::orders::lines_of(tx, &[o.id]).await?;
        let by_no: HashMap<&str, &LineRow> = order_lines
            .iter()
            .map(|l| (l.line_no.as_str(), l))
            .collect();
        let used: HashSet<String> = store::orders::package_nos(tx, o.id)
            .await?
            .into_iter()
            .collect();
        let per_line = check_packages(&o, &by_no, &used, packages)?;
        let takes = take_stock(tx, &o, &per_line, "SHIPMENT").await?;
        let complete = order_lines.iter().all(|l| {
            let this: i64 = per_line
                .iter()
                .filter(|(x, _)| x.id == l.id)
                .map(|(_, q)| q)
                .sum();
            l.actual_qty + this >= l.plan_qty
        });
        store::orders::add_actual(
            tx,
            &per_line.iter().map(|(l, q)| (l.id, *q)).collect::<Vec<_>>(),
        )
        .await?;
        let shipped: Vec<ShippedPackage> = packages
            .iter()
            .map(|p| ShippedPackage {
                package_no: p.package_no.clone(),
                waybill_no: p.waybill_no.clone(),
                carrier_code: p.carrier_code.clone(),
                weight_kg: p.weight_kg,
                length_cm: p.length_cm,
                width_cm: p.width_cm,
                height_cm: p.height_cm,
                items: p
                    .items
                    .iter()
                    .map(|(line_no, qty, sns)| PackageItem {
                        line_no: line_no.clone(),
                        item_code: by_no.get(line_no.as_str()).map(|l| l.item_code.clone()),
                        qty: *qty,
                        sn_codes: sns.clone(),
                    })
                    .collect(),
            })
            .collect();
        let lines = shipped_lines(tx, &by_no, &takes, packages).await?;
        let content = BatchContent {
            lines,
            packages: shipped.clone(),
        };
        let (conf_id, batch) = record_batch(tx, &o, head, content).await?;
        record_packages(tx, &o, conf_id, &shipped, dws_tolerance).await?;
        let (new_status, finished) = after_batch(
            head.confirm_type,
            complete,
            OrderStatus::PartiallyShipped,
            OrderStatus::Shipped,
        );
        if finished {
            store::inventory::release_order(tx, o.id).await?;
            store::orders::close_serials(tx, o.id).await?;
        }
        let result = state(tx, &o, new_status, Some(batch.confirm_seq), None).await?;
        store::orders::set_confirmation_outcome(tx, conf_id, &serde_json::json!(result)).await?;
        let status = new_status.as_str().to_string();
        emit(
            tx,
            &o,
            DomainEvent::OutboundBatch {
                order: order_ref(&o),
                status: status.clone(),
                batch,
            },
        )
        .await?;
        if finished {
            let batches = batches_of(tx, o.id).await?;
            let plans: HashMap<String, i64> = order_lines
                .iter()
                .map(|l| (l.line_no.clone(), l.plan_qty))
                .collect();
            emit(
                tx,
                &o,
                DomainEvent::OutboundFinished {
                    order: order_ref(&o),
                    status,
                    lines: shipped_totals(&plans, &batches),
                    batches,
                },
            )
            .await?;
        }
        Ok(result)
    })
    .await
}

/// Checks the packages against the order: known lines, package numbers not used before,
/// never more than planned. Returns the quantity per line.
fn check_packages<'a>(
    o: &OpsOrder,
    by_no: &HashMap<&str, &'a LineRow>,
    used: &HashSet<String>,
    packages: &[Package],
) -> Result<Vec<(&'a LineRow, i64)>, ServiceError> {
    let mut e = FieldErrors::default();
    let mut per_line: Vec<(&LineRow, i64)> = Vec::new();
    for (i, p) in packages.iter().enumerate() {
        if used.contains(&p.package_no) {
            e.invalid(
                format!("packages[{i}].packageNo"),
                format!("package {} was already shipped", p.package_no),
            );
        }
        for (j, (line_no, qty, _)) in p.items.iter().enumerate() {
            match by_no.get(line_no.as_str()) {
                None => e.invalid(
                    format!("packages[{i}].items[{j}].lineNo"),
                    format!("order {} has no line {line_no}", o.hx_order_no),
                ),
                Some(l) => match per_line.iter_mut().find(|(x, _)| x.id == l.id) {
                    Some((_, q)) => *q += qty,
                    None => per_line.push((l, *qty)),
                },
            }
        }
    }
    for (l, q) in &per_line {
        if l.actual_qty + q > l.plan_qty {
            e.invalid(
                "packages",
                format!(
                    "line {} would ship {} of {} planned",
                    l.line_no,
                    l.actual_qty + q,
                    l.plan_qty
                ),
            );
        }
    }
    if e.is_empty() {
        Ok(per_line)
    } else {
        Err(ServiceError::Invalid(e))
    }
}

/// Stores the packages, then (every package of the batch in place) matches the DWS scans
/// waiting for their numbers and links the routes and images waiting for their waybills.
async fn record_packages(
    tx: &mut PgConnection,
    o: &OpsOrder,
    confirmation_id: i64,
    shipped: &[ShippedPackage],
    dws_tolerance: f64,
) -> Result<(), ServiceError> {
    let tenant = Tenant(o.tenant.clone());
    let mut barcodes = Vec::new();
    for p in shipped {
        let np = NewPackage {
            package_no: p.package_no.clone(),
            waybill_no: p.waybill_no.clone(),
            carrier_code: p.carrier_code.clone(),
            weight_kg: p.weight_kg,
            length_cm: p.length_cm,
            width_cm: p.width_cm,
            height_cm: p.height_cm,
            items: serde_json::to_value(&p.items).unwrap_or_default(),
        };
        store::orders::insert_package(tx, &tenant, o.id, confirmation_id, &np).await?;
        barcodes.push(p.package_no.clone());
        barcodes.extend(p.waybill_no.clone());
    }
    // A waybill on two packages of this batch names both.
    barcodes.sort();
    barcodes.dedup();
    let sandbox = store::tenants::is_sandbox(tx, &o.tenant).await?;
    crate::service::dws::match_waiting_scans(tx, &barcodes, sandbox, dws_tolerance).await?;
    let mut waybills: Vec<(&String, Option<&str>)> = shipped
        .iter()
        .filter_map(|p| {
            p.waybill_no
                .as_ref()
                .map(|w| (w, p.carrier_code.as_deref()))
        })
        .collect();
    waybills.sort();
    waybills.dedup_by(|a, b| a.0 == b.0);
    for (w, carrier) in waybills {
        crate::service::carrier::link_waybill(tx, o.id, w, carrier).await?;
    }
    Ok(())
}

/// What a shipment batch really took, per line and stock slot: the batch, production and
/// expiry dates of the stock taken (not the batch the order line pinned), with the line's
/// serial numbers of this batch (on the line's first slot, so they are listed once).
async fn shipped_lines(
    tx: &mut PgConnection,
    by_no: &HashMap<&str, &LineRow>,
    takes: &[inventory::Take],
    packages: &[Package],
) -> Result<Vec<ConfirmedLine>, ServiceError> {
    let ids: Vec<i64> = takes.iter().map(|t| t.balance_id).collect();
    let slots: HashMap<i64, (BalanceKey, Option<NaiveDate>, Option<NaiveDate>)> =
        store::inventory::balances_by_id(tx, &ids)
            .await?
            .into_iter()
            .map(|(id, k, p, x)| (id, (k, p, x)))
            .collect();
    let mut sns: HashMap<&str, Vec<String>> = HashMap::new();
    for p in packages {
        for (line_no, _, codes) in &p.items {
            sns.entry(line_no.as_str())
                .or_default()
                .extend(codes.iter().cloned());
        }
    }
    let mut seen = HashSet::new();
    Ok(takes
        .iter()
        .map(|tk| {
            let slot = slots.get(&tk.balance_id);
            let line = by_no.get(tk.line_no.as_str());
            ConfirmedLine {
                line_no: tk.line_no.clone(),
                item_code: line.map(|l| l.item_code.clone()).unwrap_or_default(),
                plan_qty: None,
                actual_qty: tk.qty,
                inventory_type: slot
                    .map(|s| s.0.inventory_type.clone())
                    .or_else(|| line.map(|l| l.inventory_type.clone()))
                    .unwrap_or_default(),
                batch_code: slot
                    .map(|s| s.0.batch_code.clone())
                    .filter(|b| !b.is_empty()),
                product_date: slot.and_then(|s| s.1),
                expire_date: slot.and_then(|s| s.2),
                sn_codes: if seen.insert(tk.line_no.clone()) {
                    sns.get(tk.line_no.as_str()).cloned().unwrap_or_default()
                } else {
                    Vec::new()
                },
                lpn_code: None,
            }
        })
        .collect())
}

/// What every batch shipped, summed per line and stock slot (batch, dates, type), each with
/// its line's planned quantity and its SNs: the lines of `OutboundFinished`.
fn shipped_totals(plans: &HashMap<String, i64>, batches: &[Batch]) -> Vec<ConfirmedLine> {
    let mut out: Vec<ConfirmedLine> = Vec::new();
    let slot = |l: &ConfirmedLine| {
        (
            l.line_no.clone(),
            l.inventory_type.clone(),
            l.batch_code.clone(),
            l.product_date,
            l.expire_date,
        )
    };
    for l in batches.iter().flat_map(|b| b.lines.iter()) {
        match out.iter_mut().find(|x| slot(x) == slot(l)) {
            Some(x) => {
                x.actual_qty += l.actual_qty;
                x.sn_codes.extend(l.sn_codes.iter().cloned());
            }
            None => out.push(ConfirmedLine {
                plan_qty: plans.get(&l.line_no).copied(),
                ..l.clone()
            }),
        }
    }
    out
}
