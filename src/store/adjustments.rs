//! Adjustments ERPs ask the warehouse for (Qimen inventory.synchronize), waiting for its decision.

use super::{PgConnection, PgPool};
use crate::domain::client::Tenant;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub tenant: String,
    pub client_id: Option<i64>,
    pub adjust_order_code: String,
    pub status: String,
    pub content: serde_json::Value,
    pub fingerprint: String,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The new request's id, or `None` when the customer used the code before (a concurrent
/// insert of the same code waits for the other transaction).
#[allow(clippy::too_many_arguments)]
pub async fn insert_request(
    conn: &mut PgConnection,
    tenant: &Tenant,
    client_id: i64,
    adjust_order_code: &str,
    inventory_code: &str,
    subbase_code: &str,
    adjust_type: &str,
    content: &serde_json::Value,
    fingerprint: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"INSERT INTO adjustment_requests (tenant, client_id, adjust_order_code, inventory_code, subbase_code,
               adjust_type, content, fingerprint)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT ON CONSTRAINT adjustment_requests_code_key DO NOTHING
           RETURNING id"#,
        tenant.as_str(),
        client_id,
        adjust_order_code,
        inventory_code,
        subbase_code,
        adjust_type,
        content,
        fingerprint
    )
    .fetch_optional(conn)
    .await
}

/// A customer's request by its code.
pub async fn find_by_code(
    conn: &mut PgConnection,
    tenant: &Tenant,
    adjust_order_code: &str,
) -> sqlx::Result<Option<RequestRow>> {
    sqlx::query_as!(
        RequestRow,
        r#"SELECT id, tenant, client_id, adjust_order_code, status, content, fingerprint, decided_by,
                  decision_reason, decided_at, created_at
             FROM adjustment_requests WHERE tenant = $1 AND adjust_order_code = $2"#,
        tenant.as_str(),
        adjust_order_code
    )
    .fetch_optional(conn)
    .await
}

/// A request by id, locked for its decision.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<RequestRow>> {
    sqlx::query_as!(
        RequestRow,
        r#"SELECT id, tenant, client_id, adjust_order_code, status, content, fingerprint, decided_by,
                  decision_reason, decided_at, created_at
             FROM adjustment_requests WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Records the decision.
pub async fn decide(
    conn: &mut PgConnection,
    id: i64,
    status: &str,
    decided_by: &str,
    reason: Option<&str>,
) -> sqlx::Result<RequestRow> {
    sqlx::query_as!(
        RequestRow,
        r#"UPDATE adjustment_requests
              SET status = $2, decided_by = $3, decision_reason = $4, decided_at = now()
            WHERE id = $1
           RETURNING id, tenant, client_id, adjust_order_code, status, content, fingerprint, decided_by,
                     decision_reason, decided_at, created_at"#,
        id,
        status,
        decided_by,
        reason
    )
    .fetch_one(conn)
    .await
}

/// Requests in a status (all when `None`), oldest first from `after_id` (keyset paging).
pub async fn list(
    pool: &PgPool,
    status: Option<&str>,
    after_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<RequestRow>> {
    sqlx::query_as!(
        RequestRow,
        r#"SELECT id, tenant, client_id, adjust_order_code, status, content, fingerprint, decided_by,
                  decision_reason, decided_at, created_at
             FROM adjustment_requests
            WHERE ($1::text IS NULL OR status = $1) AND id > $2
            ORDER BY id LIMIT $3"#,
        status,
        after_id,
        limit
    )
    .fetch_all(pool)
    .await
}
