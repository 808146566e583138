//! What the floor looks up: an order with everything about it, and the pushes.

use super::batches_of;
use crate::domain::event::Batch;
use crate::service::{outbox, transaction, Outcome, ReplayKey, ServiceError};
use crate::store::orders::{EventRow, LineRow, OpsOrder};
use crate::store::pushes::PushRow;
use crate::store::{self, PgPool};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Everything about one order for the warehouse floor.
#[derive(Debug, Clone)]
pub struct OrderView {
    pub order: OpsOrder,
    pub lines: Vec<LineRow>,
    pub history: Vec<EventRow>,
    pub batches: Vec<Batch>,
    pub pushes: Vec<PushRow>,
}

/// An order by hxOrderNo with its lines, history, batches and pushes.
pub async fn order_view(pool: &PgPool, hx: &str) -> Result<OrderView, ServiceError> {
    let mut conn = pool.acquire().await?;
    let order = store::orders::find_by_hx(&mut conn, hx)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no order {hx}")))?;
    let lines = store::orders::lines_of(&mut conn, &[order.id]).await?;
    let history = store::orders::events_of(&mut conn, &[order.id]).await?;
    let batches = batches_of(&mut conn, order.id).await?;
    let pushes = store::pushes::of_order(&mut conn, &outbox::order_key(order.id)).await?;
    Ok(OrderView {
        order,
        lines,
        history,
        batches,
        pushes,
    })
}

/// At most this many timeline entries are returned for one order.
pub const TIMELINE_LIMIT: i64 = 5000;

/// Everything recorded about an order, oldest first, whichever dialect it came through.
pub async fn timeline(
    pool: &PgPool,
    hx: &str,
) -> Result<(OpsOrder, Vec<store::timeline::Entry>), ServiceError> {
    let mut conn = pool.acquire().await?;
    let order = store::orders::peek_by_hx(&mut conn, hx)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no order {hx}")))?;
    let entries = store::timeline::of_order(&mut conn, order.id, TIMELINE_LIMIT).await?;
    Ok((order, entries))
}

/// Pushes in a status (pending, delivered, dead, skipped), newest first.
pub async fn list_pushes(
    pool: &PgPool,
    status: &str,
    limit: i64,
) -> Result<Vec<PushRow>, ServiceError> {
    Ok(store::pushes::list(pool, status, limit).await?)
}

/// A push as the ops API and the CLI show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// The event as the outbox keeps it (rendered in the receiver's dialect on delivery).
    pub payload: Value,
}

impl From<PushRow> for PushView {
    fn from(p: PushRow) -> Self {
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
