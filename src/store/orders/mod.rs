//! Orders: heads (insert, lock, status), and, one file each, lines, references, LPNs and
//! serial numbers, confirmation batches and packages, result queries.

mod confirmations;
mod extras;
mod lines;
pub mod one_statement;
pub mod one_statement_waybills;
mod references;
mod results;
mod transfers;

pub use confirmations::*;
pub use extras::*;
pub use lines::*;
pub use references::*;
pub use results::*;
pub use transfers::*;

use super::PgConnection;
use crate::domain::client::Tenant;
use crate::domain::order::COMPLETED_STATUSES;
use chrono::{DateTime, Utc};

/// The head of an order as use cases need it.
#[derive(Debug, Clone)]
pub struct OrderHead {
    pub id: i64,
    pub kind: String,
    pub order_code: String,
    pub hx_order_no: String,
    pub order_type: String,
    pub status: String,
    pub fingerprint: String,
    /// Transport orders: the 16-digit number 3TMS clients know the waybill by.
    pub transport_no: Option<String>,
}

pub struct NewOrder<'a> {
    pub tenant: &'a Tenant,
    pub kind: &'a str,
    pub kind_letter: &'a str,
    pub order_code: &'a str,
    pub order_type: &'a str,
    pub inventory_code: Option<&'a str>,
    pub subbase_code: Option<&'a str>,
    pub to_subbase_code: Option<&'a str>,
    pub status: &'a str,
    pub fingerprint: &'a str,
    /// The order's canonical JSON text (`domain::canonical`), stored as jsonb.
    pub request: &'a str,
    pub client_id: i64,
}

/// Inserts an order unless this tenant already used the code for this kind (`None` then).
/// A concurrent insert of the same code waits for the other transaction to finish.
pub async fn insert(conn: &mut PgConnection, o: &NewOrder<'_>) -> sqlx::Result<Option<OrderHead>> {
    sqlx::query_as!(
        OrderHead,
        r#"INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, inventory_code,
               subbase_code, to_subbase_code, status, fingerprint, request, client_id, transport_no)
           VALUES ($1, $2, $3,
                   'HX' || $4 || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                        || lpad(nextval('hx_order_no_seq')::text, 8, '0'),
                   $5, $6, $7, $8, $9, $10, $11::text::jsonb, $12,
                   CASE WHEN $2 = 'TRANSPORT'
                        THEN to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                             || lpad(nextval('transport_no_seq')::text, 10, '0') END)
           ON CONFLICT ON CONSTRAINT orders_code_key DO NOTHING
           RETURNING id, kind, order_code, hx_order_no, order_type, status, fingerprint, transport_no"#,
        o.tenant.as_str(),
        o.kind,
        o.order_code,
        o.kind_letter,
        o.order_type,
        o.inventory_code,
        o.subbase_code,
        o.to_subbase_code,
        o.status,
        o.fingerprint,
        o.request,
        o.client_id
    )
    .fetch_optional(conn)
    .await
    .inspect(note_head)
}

/// The orders a request reads or changes are noted for its audit row (the per-order timeline).
fn note_head(h: &Option<OrderHead>) {
    if let Some(h) = h {
        crate::context::add_order(h.id);
    }
}

fn note_ops(o: &Option<OpsOrder>) {
    if let Some(o) = o {
        crate::context::add_order(o.id);
    }
}

/// Finds an order of this tenant and kind by its code, locking it for the transaction.
pub async fn find_for_update(
    conn: &mut PgConnection,
    tenant: &Tenant,
    kind: &str,
    order_code: &str,
) -> sqlx::Result<Option<OrderHead>> {
    sqlx::query_as!(
        OrderHead,
        r#"SELECT id, kind, order_code, hx_order_no, order_type, status, fingerprint, transport_no
             FROM orders WHERE tenant = $1 AND kind = $2 AND order_code = $3 FOR UPDATE"#,
        tenant.as_str(),
        kind,
        order_code
    )
    .fetch_optional(conn)
    .await
    .inspect(note_head)
}

pub async fn insert_event(
    conn: &mut PgConnection,
    order_id: i64,
    status: &str,
    note: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO order_events (order_id, status, note) VALUES ($1, $2, $3)",
        order_id,
        status,
        note
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves an order to `status` and records it in the history (one round trip); the first
/// completed status stamps the completion time.
/// Returns the order's kind and tenant (what follows a status change depends on them).
/// `occurred_at` is when the change happened where the event says (a carrier's node time);
/// `None`: when it was recorded.
pub async fn set_status(
    conn: &mut PgConnection,
    order_id: i64,
    status: &str,
    pre_cancel_status: Option<&str>,
    note: Option<&str>,
    occurred_at: Option<DateTime<Utc>>,
) -> sqlx::Result<(String, String)> {
    let r = sqlx::query!(
        r#"WITH o AS (UPDATE orders SET status = $2, pre_cancel_status = COALESCE($3, pre_cancel_status),
                               completed_at = CASE WHEN $2 = ANY($5) THEN COALESCE(completed_at, now())
                                                   ELSE completed_at END
                        WHERE id = $1 RETURNING id, kind, tenant),
                e AS (INSERT INTO order_events (order_id, status, note, occurred_at) SELECT o.id, $2, $4, $6 FROM o)
           SELECT kind AS "kind!", tenant AS "tenant!" FROM o"#,
        order_id,
        status,
        pre_cancel_status,
        note,
        &COMPLETED_STATUSES.map(String::from) as &[String],
        occurred_at
    )
    .fetch_one(conn)
    .await?;
    Ok((r.kind, r.tenant))
}

/// An order as the warehouse side addresses it (by hxOrderNo, any tenant).
#[derive(Debug, Clone)]
pub struct OpsOrder {
    pub id: i64,
    pub tenant: String,
    pub kind: String,
    pub order_code: String,
    pub hx_order_no: String,
    pub order_type: String,
    pub inventory_code: Option<String>,
    pub subbase_code: Option<String>,
    pub to_subbase_code: Option<String>,
    pub status: String,
    pub pre_cancel_status: Option<String>,
    pub request: serde_json::Value,
}

pub async fn find_by_hx_for_update(
    conn: &mut PgConnection,
    hx_order_no: &str,
) -> sqlx::Result<Option<OpsOrder>> {
    sqlx::query_as!(
        OpsOrder,
        r#"SELECT id, tenant, kind, order_code, hx_order_no, order_type, inventory_code, subbase_code,
                  to_subbase_code, status, pre_cancel_status, request
             FROM orders WHERE hx_order_no = $1 FOR UPDATE"#,
        hx_order_no
    )
    .fetch_optional(conn)
    .await
    .inspect(note_ops)
}

/// An order by hxOrderNo without locking it (lookups), noted as what the call is about.
pub async fn find_by_hx(
    conn: &mut PgConnection,
    hx_order_no: &str,
) -> sqlx::Result<Option<OpsOrder>> {
    peek_by_hx(conn, hx_order_no).await.inspect(note_ops)
}

/// An order by hxOrderNo for looking at it (its timeline): not noted as what the call was
/// about, so reading a timeline does not add to it.
pub async fn peek_by_hx(
    conn: &mut PgConnection,
    hx_order_no: &str,
) -> sqlx::Result<Option<OpsOrder>> {
    sqlx::query_as!(
        OpsOrder,
        r#"SELECT id, tenant, kind, order_code, hx_order_no, order_type, inventory_code, subbase_code,
                  to_subbase_code, status, pre_cancel_status, request
             FROM orders WHERE hx_order_no = $1"#,
        hx_order_no
    )
    .fetch_optional(conn)
    .await
}
