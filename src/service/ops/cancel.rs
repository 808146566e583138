//! The warehouse's decision on a cancel that went `PENDING`.

use super::{emit, load, order_ref, state, wrong_status, OrderState};
use crate::domain::event::DomainEvent;
use crate::domain::order::OrderStatus;
use crate::service::{transaction, Outcome, ReplayKey, ServiceError};
use crate::store::{self, PgPool};
use chrono::Utc;

/// Approve → `CANCELLED` (reservations released, SNs freed); refuse → back to the status
/// before the cancel. Either way `CancelDecided`.
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
            o.pre_cancel_status
                .as_deref()
                .and_then(OrderStatus::parse)
                .unwrap_or(OrderStatus::Processing)
        };
        let result = state(tx, &o, new_status, None, reason).await?;
        emit(
            tx,
            &o,
            DomainEvent::CancelDecided {
                order: order_ref(&o),
                approved: approve,
                reason: reason.map(str::to_string),
                time: Utc::now(),
            },
        )
        .await?;
        Ok(result)
    })
    .await
}
