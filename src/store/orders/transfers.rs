//! Completed orders of one type by completion time: the OMS transfer query.

use crate::domain::client::Tenant;
use crate::store::PgConnection;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct CompletedRow {
    pub id: i64,
    pub order_code: String,
    pub hx_order_no: String,
    pub order_type: String,
    pub inventory_code: Option<String>,
    pub request: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
}

/// The tenant's inbound orders of `order_type` completed in `[from, to]`, oldest completion
/// first (one page), and how many there are in all. Uses `orders_completed_idx`.
pub async fn completed_inbound(
    conn: &mut PgConnection,
    tenant: &Tenant,
    order_type: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(i64, Vec<CompletedRow>)> {
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM orders
            WHERE tenant = $1 AND order_type = $2 AND kind = 'IN'
              AND completed_at BETWEEN $3 AND $4"#,
        tenant.as_str(),
        order_type,
        from,
        to
    )
    .fetch_one(&mut *conn)
    .await?;
    if total <= offset {
        return Ok((total, Vec::new()));
    }
    let rows = sqlx::query_as!(
        CompletedRow,
        r#"SELECT id, order_code, hx_order_no, order_type, inventory_code, request, created_at,
                  completed_at AS "completed_at!"
             FROM orders
            WHERE tenant = $1 AND order_type = $2 AND kind = 'IN'
              AND completed_at BETWEEN $3 AND $4
            ORDER BY completed_at, id OFFSET $5 LIMIT $6"#,
        tenant.as_str(),
        order_type,
        from,
        to,
        offset,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok((total, rows))
}
