//! Inbound batches: stock received, the order moved along, the batch and (when the order is
//! finished) the totals written as events.

use super::{
    after_batch, earlier_batch, emit, load, order_ref, record_batch, state, totals, wrong_status,
    BatchHead, OrderState,
};
use crate::domain::client::Tenant;
use crate::domain::event::{BatchContent, ConfirmedLine, DomainEvent};
use crate::domain::order::{OrderKind, OrderStatus};
use crate::domain::validation::FieldErrors;
use crate::service::{transaction, Outcome, ReplayKey, ServiceError};
use crate::store::inventory::{BalanceKey, StockChange};
use crate::store::{self, PgPool};
use chrono::NaiveDate;
use std::collections::HashMap;

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

/// An inbound batch: adds stock, records the batch (`InboundBatch`); when the order is
/// finished, `InboundFinished` with the totals and every batch.
pub async fn receive(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    hx: &str,
    head: &BatchHead,
    lines: &[ReceiptLine],
) -> Result<Outcome<OrderState>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let (o, kind, status) = load(tx, hx).await?;
        if let Some(earlier) = earlier_batch(tx, &o, head).await? {
            return Ok(earlier);
        }
        if kind != OrderKind::In {
            return Err(ServiceError::WrongStatus(format!(
                "order {hx} is a {} order: receipts are for IN orders",
                o.kind
            )));
        }
        if !matches!(
            status,
            OrderStatus::Created | OrderStatus::Processing | OrderStatus::PartiallyReceived
        ) {
            return Err(wrong_status(&o, "receive goods"));
        }
        let order_lines = store::orders::lines_of(tx, &[o.id]).await?;
        let by_no: HashMap<&str, &store::orders::LineRow> = order_lines
            .iter()
            .map(|l| (l.line_no.as_str(), l))
            .collect();
        let mut e = FieldErrors::default();
        let mut this_batch: HashMap<i64, i64> = HashMap::new();
        let mut changes = Vec::new();
        let mut confirmed = Vec::new();
        let tenant = Tenant(o.tenant.clone());
        let wh = o.inventory_code.clone().unwrap_or_default();
        let owner = o.subbase_code.clone().unwrap_or_default();
        for (i, r) in lines.iter().enumerate() {
            let Some(line) = by_no.get(r.line_no.as_str()) else {
                e.invalid(
                    format!("lines[{i}].lineNo"),
                    format!("order {hx} has no line {}", r.line_no),
                );
                continue;
            };
            let total = this_batch.entry(line.id).or_default();
            *total += r.actual_qty;
            if line.actual_qty + *total > line.plan_qty {
                e.invalid(
                    format!("lines[{i}].actualQty"),
                    format!(
                        "line {} would receive {} of {} planned",
                        r.line_no,
                        line.actual_qty + *total,
                        line.plan_qty
                    ),
                );
            }
            let inventory_type = r
                .inventory_type
                .clone()
                .unwrap_or_else(|| line.inventory_type.clone());
            let batch_code = r
                .batch_code
                .clone()
                .or_else(|| line.batch_code.clone())
                .unwrap_or_default();
            let product_date = r.product_date.or(line.product_date);
            let expire_date = r.expire_date.or(line.expire_date);
            changes.push(StockChange {
                key: BalanceKey {
                    inventory_code: wh.clone(),
                    subbase_code: owner.clone(),
                    item_code: line.item_code.clone(),
                    inventory_type: inventory_type.clone(),
                    batch_code: batch_code.clone(),
                },
                product_date,
                expire_date,
                delta: r.actual_qty,
                reason: "RECEIPT",
                order_id: Some(o.id),
                reference: r.lpn_code.as_deref(),
            });
            confirmed.push(ConfirmedLine {
                line_no: r.line_no.clone(),
                item_code: line.item_code.clone(),
                plan_qty: None,
                actual_qty: r.actual_qty,
                inventory_type,
                batch_code: (!batch_code.is_empty()).then_some(batch_code),
                product_date,
                expire_date,
                sn_codes: r.sn_codes.clone(),
                lpn_code: r.lpn_code.clone(),
            });
        }
        if !e.is_empty() {
            return Err(ServiceError::Invalid(e));
        }
        crate::service::inventory::apply(tx, &tenant, &mut changes).await?;
        let complete = order_lines
            .iter()
            .all(|l| l.actual_qty + this_batch.get(&l.id).copied().unwrap_or(0) >= l.plan_qty);
        store::orders::add_actual(tx, &this_batch.into_iter().collect::<Vec<_>>()).await?;
        let content = BatchContent {
            lines: confirmed,
            packages: Vec::new(),
        };
        let (conf_id, batch) = record_batch(tx, &o, head, content).await?;
        let (new_status, finished) = after_batch(
            head.confirm_type,
            complete,
            OrderStatus::PartiallyReceived,
            OrderStatus::Received,
        );
        let result = state(tx, &o, new_status, Some(batch.confirm_seq), None).await?;
        store::orders::set_confirmation_outcome(tx, conf_id, &serde_json::json!(result)).await?;
        let status = new_status.as_str().to_string();
        emit(
            tx,
            &o,
            DomainEvent::InboundBatch {
                order: order_ref(&o),
                status: status.clone(),
                batch,
            },
        )
        .await?;
        if finished {
            let (lines, batches) = totals(tx, o.id).await?;
            emit(
                tx,
                &o,
                DomainEvent::InboundFinished {
                    order: order_ref(&o),
                    status,
                    lines,
                    batches,
                },
            )
            .await?;
        }
        Ok(result)
    })
    .await
}
