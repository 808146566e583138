//! Confirmations: a property transfer done (stock moves between owners), a transport order
//! accepted (with its dispatch) or refused.

use super::shipments::take_stock;
use super::{emit, load, order_ref, state, wrong_status, OrderState};
use crate::domain::client::Tenant;
use crate::domain::event::{Dispatch, DomainEvent, LineTotal};
use crate::domain::order::{OrderKind, OrderStatus};
use crate::service::{transaction, Outcome, ReplayKey, ServiceError};
use crate::store::inventory::{BalanceKey, StockChange};
use crate::store::orders::{LineRow, OpsOrder};
use crate::store::{self, PgConnection, PgPool};
use chrono::NaiveDate;
use std::collections::HashMap;

/// A transport order accepted (with its dispatch) or refused.
#[derive(Debug, Clone, Default)]
pub struct TransportDecision {
    pub accept: bool,
    pub dispatch: Dispatch,
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
            OrderKind::Property => transfer(tx, &o).await,
            OrderKind::Transport => decide_transport(tx, &o, decision).await,
            _ => Err(ServiceError::WrongStatus(format!(
                "order {hx} is a {} order: confirm is for PROPERTY and TRANSPORT orders (use receipts or shipments)",
                o.kind
            ))),
        }
    })
    .await
}

/// Moves the reserved units (batch and dates kept) to the receiving owner.
async fn transfer(tx: &mut PgConnection, o: &OpsOrder) -> Result<OrderState, ServiceError> {
    let tenant = Tenant(o.tenant.clone());
    let lines = store::orders::lines_of(tx, &[o.id]).await?;
    let per_line: Vec<(&LineRow, i64)> = lines.iter().map(|l| (l, l.plan_qty)).collect();
    // Both owners' rows in one statement, in id order: the one lock order.
    let items: Vec<String> = lines.iter().map(|l| l.item_code.clone()).collect();
    let owners: Vec<String> = o
        .subbase_code
        .iter()
        .chain(o.to_subbase_code.iter())
        .cloned()
        .collect();
    let wh = o.inventory_code.as_deref().unwrap_or_default();
    store::inventory::lock_owners(tx, &tenant, wh, &owners, &items).await?;
    let takes = take_stock(tx, o, &per_line, "TRANSFER_OUT").await?;
    let ids: Vec<i64> = takes.iter().map(|t| t.balance_id).collect();
    let keys: HashMap<i64, (BalanceKey, Option<NaiveDate>, Option<NaiveDate>)> =
        store::inventory::balances_by_id(tx, &ids)
            .await?
            .into_iter()
            .map(|(id, k, p, x)| (id, (k, p, x)))
            .collect();
    let to = o.to_subbase_code.clone().unwrap_or_default();
    let mut changes: Vec<StockChange> = takes
        .iter()
        .filter_map(|tk| {
            let (k, p, x) = keys.get(&tk.balance_id)?.clone();
            Some(StockChange {
                key: BalanceKey {
                    subbase_code: to.clone(),
                    ..k
                },
                product_date: p,
                expire_date: x,
                delta: tk.qty,
                reason: "TRANSFER_IN",
                order_id: Some(o.id),
                reference: None,
            })
        })
        .collect();
    crate::service::inventory::apply(tx, &tenant, &mut changes).await?;
    store::orders::add_actual(
        tx,
        &per_line.iter().map(|(l, q)| (l.id, *q)).collect::<Vec<_>>(),
    )
    .await?;
    let result = state(tx, o, OrderStatus::Confirmed, None, None).await?;
    let lines = lines
        .iter()
        .map(|l| LineTotal {
            line_no: l.line_no.clone(),
            item_code: l.item_code.clone(),
            plan_qty: l.plan_qty,
            actual_qty: l.plan_qty,
        })
        .collect();
    emit(
        tx,
        o,
        DomainEvent::PropertyConfirmed {
            order: order_ref(o),
            to_subbase_code: o.to_subbase_code.clone(),
            lines,
        },
    )
    .await?;
    Ok(result)
}

/// Dispatch accepts a transport order still waiting for it (a trip takes it), in the caller's
/// transaction; an order accepted already stays as it is.
pub(crate) async fn accept_in(
    tx: &mut PgConnection,
    hx: &str,
    dispatch: Dispatch,
) -> Result<(), ServiceError> {
    let (o, _, status) = load(tx, hx).await?;
    if matches!(status, OrderStatus::Created | OrderStatus::Processing) {
        let d = TransportDecision {
            accept: true,
            dispatch,
            reason: None,
        };
        decide_transport(tx, &o, Some(&d)).await?;
    }
    Ok(())
}

/// Accepts (`CONFIRMED`, its waybill linked) or refuses (`REJECTED`) a transport order.
async fn decide_transport(
    tx: &mut PgConnection,
    o: &OpsOrder,
    decision: Option<&TransportDecision>,
) -> Result<OrderState, ServiceError> {
    let d = decision.cloned().unwrap_or(TransportDecision {
        accept: true,
        ..Default::default()
    });
    let new_status = if d.accept {
        OrderStatus::Confirmed
    } else {
        OrderStatus::Rejected
    };
    let result = state(tx, o, new_status, None, d.reason.as_deref()).await?;
    if let (true, Some(w)) = (d.accept, &d.dispatch.waybill_no) {
        let carrier = d.dispatch.carrier_code.as_deref();
        store::carrier::set_order_waybill(tx, o.id, w, carrier).await?;
        crate::service::carrier::link_waybill(tx, o.id, w, carrier).await?;
    }
    emit(
        tx,
        o,
        DomainEvent::TransportDecided {
            order: order_ref(o),
            accepted: d.accept,
            dispatch: d.dispatch,
            reason: d.reason,
        },
    )
    .await?;
    Ok(result)
}
