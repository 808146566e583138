//! Warehouse operations (§8): what physically happened, applied to orders and stock, with the
//! domain events it causes written to the outbox in the same transaction. One file per area.

mod adjust;
mod cancel;
mod confirm;
mod receipts;
mod shipments;
mod vehicles;
mod view;

pub use adjust::{adjust, apply_lines as apply_adjustment_lines, AdjustLine, Adjusted, Adjustment};
pub use cancel::decide_cancel;
pub(crate) use confirm::accept_in;
pub use confirm::{confirm, TransportDecision};
pub use receipts::{receive, ReceiptLine};
pub use shipments::{ship, Package};
pub use vehicles::{inspect, vehicle_intake, Inspection, YardIntake};
pub use view::{list_pushes, order_view, replay_push, timeline, OrderView, PushView};

pub use crate::domain::event::ConfirmType;

use super::{outbox, transaction, Outcome, ReplayKey, ServiceError};
use crate::domain::client::Tenant;
use crate::domain::event::{Batch, BatchContent, DomainEvent, LineTotal, OrderRef};
use crate::domain::order::{OrderKind, OrderStatus};
use crate::store::orders::OpsOrder;
use crate::store::{self, PgConnection, PgPool};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where an order stands after an ops action.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderState {
    pub hx_order_no: String,
    pub order_code: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_seq: Option<i32>,
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

/// Locks the order by hxOrderNo (any tenant: the warehouse addresses all of them).
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

/// The order as events name it.
pub(crate) fn order_ref(o: &OpsOrder) -> OrderRef {
    OrderRef {
        order_code: o.order_code.clone(),
        hx_order_no: o.hx_order_no.clone(),
        kind: OrderKind::parse(&o.kind).unwrap_or(OrderKind::In),
        order_type: o.order_type.clone(),
        inventory_code: o.inventory_code.clone(),
        subbase_code: o.subbase_code.clone(),
    }
}

/// Writes an event about the order to the outbox.
async fn emit(tx: &mut PgConnection, o: &OpsOrder, event: DomainEvent) -> Result<(), ServiceError> {
    outbox::about_order(tx, o.id, &Tenant(o.tenant.clone()), &event).await
}

/// Moves the order to `status` (with its history) and says where it stands.
async fn state(
    tx: &mut PgConnection,
    o: &OpsOrder,
    status: OrderStatus,
    seq: Option<i32>,
    note: Option<&str>,
) -> Result<OrderState, ServiceError> {
    crate::service::waybill_events::set_status(tx, o.id, status, None, note).await?;
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
        let result = state(tx, &o, OrderStatus::Processing, None, None).await?;
        emit(
            tx,
            &o,
            DomainEvent::WorkStarted {
                order: order_ref(&o),
            },
        )
        .await?;
        Ok(result)
    })
    .await
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

/// Records a confirmation batch; returns its id and the batch as events carry it.
async fn record_batch(
    tx: &mut PgConnection,
    o: &OpsOrder,
    head: &BatchHead,
    content: BatchContent,
) -> Result<(i64, Batch), ServiceError> {
    let stored = serde_json::to_value(&content)
        .map_err(|e| ServiceError::Internal(format!("batch: {e}")))?;
    let (id, seq) = store::orders::insert_confirmation(
        tx,
        o.id,
        head.confirm_type.as_str(),
        head.confirm_time,
        &stored,
        head.batch_no.as_deref(),
        &head.fingerprint,
    )
    .await?;
    Ok((
        id,
        Batch {
            confirm_seq: seq,
            confirm_type: head.confirm_type,
            confirm_time: head.confirm_time,
            batch_no: head.batch_no.clone(),
            lines: content.lines,
            packages: content.packages,
        },
    ))
}

/// Per-line plan and actual, and every confirmation batch, for the events that finish an order.
async fn totals(
    tx: &mut PgConnection,
    order_id: i64,
) -> Result<(Vec<LineTotal>, Vec<Batch>), ServiceError> {
    let lines = store::orders::lines_of(tx, &[order_id])
        .await?
        .into_iter()
        .map(|l| LineTotal {
            line_no: l.line_no,
            item_code: l.item_code,
            plan_qty: l.plan_qty,
            actual_qty: l.actual_qty,
        })
        .collect();
    let batches = batches_of(tx, order_id).await?;
    Ok((lines, batches))
}

/// The confirmation batches of an order, oldest first.
pub(crate) async fn batches_of(
    tx: &mut PgConnection,
    order_id: i64,
) -> Result<Vec<Batch>, ServiceError> {
    store::orders::confirmations_of(tx, &[order_id])
        .await?
        .into_iter()
        .map(|c| {
            let content: BatchContent = serde_json::from_value(c.lines)
                .map_err(|e| ServiceError::Internal(format!("stored batch: {e}")))?;
            Ok(Batch {
                confirm_seq: c.confirm_seq,
                confirm_type: if c.confirm_type == "FINAL" {
                    ConfirmType::Final
                } else {
                    ConfirmType::Partial
                },
                confirm_time: c.confirm_time,
                batch_no: c.batch_no,
                lines: content.lines,
                packages: content.packages,
            })
        })
        .collect()
}
