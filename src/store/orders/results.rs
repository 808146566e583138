//! Orders as the result queries read them: whole rows and status history.

use crate::domain::client::Tenant;
use crate::store::PgConnection;
use chrono::{DateTime, Utc};

/// A whole order for the result queries.
#[derive(Debug, Clone)]
pub struct OrderRow {
    pub id: i64,
    pub order_code: String,
    pub hx_order_no: String,
    pub order_type: String,
    pub inventory_code: Option<String>,
    pub subbase_code: Option<String>,
    pub status: String,
    pub request: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Transport orders: the 3TMS number and the trip.
    pub transport_no: Option<String>,
    pub pack_number: Option<String>,
}

pub async fn find_by_codes(
    conn: &mut PgConnection,
    tenant: &Tenant,
    kind: &str,
    codes: &[String],
) -> sqlx::Result<Vec<OrderRow>> {
    sqlx::query_as!(
        OrderRow,
        r#"SELECT o.id, o.order_code, o.hx_order_no, o.order_type, o.inventory_code, o.subbase_code,
                  o.status, o.request, o.created_at, o.updated_at, o.transport_no,
                  t.pack_number AS "pack_number?"
             FROM orders o LEFT JOIN trips t ON t.id = o.trip_id AND t.deleted_at IS NULL
            WHERE o.tenant = $1 AND o.kind = $2 AND o.order_code = ANY($3)
            ORDER BY array_position($3, o.order_code)"#,
        tenant.as_str(),
        kind,
        codes
    )
    .fetch_all(conn)
    .await
    .inspect(|rows| rows.iter().for_each(|o| crate::context::add_order(o.id)))
}

#[derive(Debug, Clone)]
pub struct EventRow {
    pub order_id: i64,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

pub async fn events_of(conn: &mut PgConnection, order_ids: &[i64]) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as!(
        EventRow,
        "SELECT order_id, status, created_at FROM order_events WHERE order_id = ANY($1) ORDER BY order_id, id",
        order_ids
    )
    .fetch_all(conn)
    .await
}

/// The kinds of the tenant's orders that use `order_code` (one code may name an inbound and
/// an outbound order).
pub async fn kinds_of_code(
    conn: &mut PgConnection,
    tenant: &Tenant,
    order_code: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT kind FROM orders WHERE tenant = $1 AND order_code = $2 ORDER BY kind",
        tenant.as_str(),
        order_code
    )
    .fetch_all(conn)
    .await
}
