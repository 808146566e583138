//! What the web console reads and its sessions. Lists are paged by key (newest first,
//! `id < before`), never by OFFSET, and are built with only the filters given so the planner
//! uses the index each filter has (`orders_tenant_id_idx`, `orders_status_id_idx`,
//! `orders_code_idx`, `orders_created_idx` …).

use super::{PgConnection, PgPool};
use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};

// ------------------------------------------------------------------ sessions

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub token_name: String,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_session(
    pool: &PgPool,
    id_hash: &str,
    token_id: i64,
    token_name: &str,
    csrf: &str,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO console_sessions (id_hash, token_id, token_name, csrf, expires_at) VALUES ($1, $2, $3, $4, $5)",
        id_hash,
        token_id,
        token_name,
        csrf,
        expires_at
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A live session whose token is still active.
pub async fn session(pool: &PgPool, id_hash: &str) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as!(
        SessionRow,
        r#"SELECT s.token_name, s.csrf, s.expires_at FROM console_sessions s
             JOIN ops_tokens t ON t.id = s.token_id AND t.status = 'active'
            WHERE s.id_hash = $1 AND s.expires_at > now()"#,
        id_hash
    )
    .fetch_optional(pool)
    .await
}

pub async fn delete_session(pool: &PgPool, id_hash: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM console_sessions WHERE id_hash = $1 OR expires_at < now()",
        id_hash
    )
    .execute(pool)
    .await?;
    Ok(())
}

// ------------------------------------------------------------------ overview

/// Calls and failed calls (code ≥ 500, or the HTTP status ≥ 400) per minute since `since`.
#[derive(Debug, Clone)]
pub struct Minute {
    pub minute: DateTime<Utc>,
    pub calls: i64,
    pub errors: i64,
}

pub async fn calls_per_minute(pool: &PgPool, since: DateTime<Utc>) -> sqlx::Result<Vec<Minute>> {
    sqlx::query_as!(
        Minute,
        r#"SELECT date_trunc('minute', created_at) AS "minute!", count(*) AS "calls!",
                  count(*) FILTER (WHERE http_status >= 400) AS "errors!"
             FROM api_requests WHERE created_at >= $1
            GROUP BY 1 ORDER BY 1"#,
        since
    )
    .fetch_all(pool)
    .await
}

// ------------------------------------------------------------------ orders

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub customer: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    /// An order code or an hxOrderNo.
    pub code: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only ids below this (the last id of the previous page).
    pub before: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderListRow {
    pub id: i64,
    pub tenant: String,
    pub kind: String,
    pub order_code: String,
    pub hx_order_no: String,
    pub order_type: String,
    pub status: String,
    pub inventory_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The time range as an id range (ids grow with time): `orders_created_idx` finds the ends,
/// and the list then pages on the primary key alone.
async fn id_bound(
    conn: &mut PgConnection,
    at: DateTime<Utc>,
    upper: bool,
) -> sqlx::Result<Option<i64>> {
    if upper {
        sqlx::query_scalar!(
            "SELECT id FROM orders WHERE created_at <= $1 ORDER BY created_at DESC, id DESC LIMIT 1",
            at
        )
        .fetch_optional(conn)
        .await
    } else {
        sqlx::query_scalar!(
            "SELECT id FROM orders WHERE created_at >= $1 ORDER BY created_at, id LIMIT 1",
            at
        )
        .fetch_optional(conn)
        .await
    }
}

pub async fn orders(pool: &PgPool, f: &OrderFilter, limit: i64) -> sqlx::Result<Vec<OrderListRow>> {
    let mut conn = pool.acquire().await?;
    let lo = match f.from {
        Some(t) => match id_bound(&mut conn, t, false).await? {
            Some(id) => Some(id),
            None => return Ok(Vec::new()),
        },
        None => None,
    };
    let hi = match f.to {
        Some(t) => match id_bound(&mut conn, t, true).await? {
            Some(id) => Some(id),
            None => return Ok(Vec::new()),
        },
        None => None,
    };
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT id, tenant, kind, order_code, hx_order_no, order_type, status, inventory_code, created_at
           FROM orders WHERE true",
    );
    if let Some(c) = &f.customer {
        q.push(" AND tenant = ").push_bind(c.clone());
    }
    if let Some(k) = &f.kind {
        q.push(" AND kind = ").push_bind(k.clone());
    }
    if let Some(s) = &f.status {
        q.push(" AND status = ").push_bind(s.clone());
    }
    if let Some(c) = &f.code {
        q.push(" AND (order_code = ")
            .push_bind(c.clone())
            .push(" OR hx_order_no = ")
            .push_bind(c.clone())
            .push(")");
    }
    if let Some(lo) = lo {
        q.push(" AND id >= ").push_bind(lo);
    }
    if let Some(hi) = hi {
        q.push(" AND id <= ").push_bind(hi);
    }
    if let Some(b) = f.before {
        q.push(" AND id < ").push_bind(b);
    }
    q.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
    q.build_query_as().fetch_all(&mut *conn).await
}

// ------------------------------------------------------------------ pushes

#[derive(Debug, Clone, Default)]
pub struct PushFilter {
    pub status: String,
    pub customer: Option<String>,
    pub event_type: Option<String>,
    pub before: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PushListRow {
    pub id: i64,
    pub tenant: String,
    pub receiver: String,
    pub dialect: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub order_key: Option<String>,
}

pub async fn pushes(pool: &PgPool, f: &PushFilter, limit: i64) -> sqlx::Result<Vec<PushListRow>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT p.id, p.tenant, k.create_by || '/' || k.data_source AS receiver, k.dialect, p.event_type,
                p.status, p.attempts, p.next_attempt_at, p.last_error, p.created_at, p.order_key
           FROM push_outbox p JOIN clients k ON k.id = p.client_id WHERE p.status = ",
    );
    q.push_bind(f.status.clone());
    if let Some(c) = &f.customer {
        q.push(" AND p.tenant = ").push_bind(c.clone());
    }
    if let Some(e) = &f.event_type {
        q.push(" AND p.event_type = ").push_bind(e.clone());
    }
    if let Some(b) = f.before {
        q.push(" AND p.id < ").push_bind(b);
    }
    q.push(" ORDER BY p.id DESC LIMIT ").push_bind(limit);
    q.build_query_as().fetch_all(pool).await
}

#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: f64,
    pub http_status: Option<i32>,
    pub response: Option<String>,
    pub error: Option<String>,
    pub success: bool,
}

pub async fn attempts(pool: &PgPool, push_id: i64) -> sqlx::Result<Vec<AttemptRow>> {
    sqlx::query_as!(
        AttemptRow,
        "SELECT attempt, started_at, duration_ms, http_status, response, error, success
           FROM push_attempts WHERE push_id = $1 ORDER BY attempt, id",
        push_id
    )
    .fetch_all(pool)
    .await
}

pub async fn push(pool: &PgPool, id: i64) -> sqlx::Result<Option<PushListRow>> {
    sqlx::query_as!(
        PushListRow,
        r#"SELECT p.id, p.tenant, k.create_by || '/' || k.data_source AS "receiver!", k.dialect, p.event_type,
                  p.status, p.attempts, p.next_attempt_at, p.last_error, p.created_at, p.order_key
             FROM push_outbox p JOIN clients k ON k.id = p.client_id WHERE p.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

// ------------------------------------------------------------------ inventory

#[derive(Debug, Clone, Default)]
pub struct BalanceFilter {
    pub customer: Option<String>,
    pub warehouse: Option<String>,
    pub owner: Option<String>,
    pub item: Option<String>,
    pub before: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BalanceRow {
    pub id: i64,
    pub tenant: String,
    pub inventory_code: String,
    pub subbase_code: String,
    pub item_code: String,
    pub inventory_type: String,
    pub batch_code: String,
    pub on_hand: i64,
    pub reserved: i64,
}

pub async fn balances(
    pool: &PgPool,
    f: &BalanceFilter,
    limit: i64,
) -> sqlx::Result<Vec<BalanceRow>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT id, tenant, inventory_code, subbase_code, item_code, inventory_type, batch_code, on_hand, reserved
           FROM inventory_balances WHERE true",
    );
    for (col, v) in [
        ("tenant", &f.customer),
        ("inventory_code", &f.warehouse),
        ("subbase_code", &f.owner),
        ("item_code", &f.item),
    ] {
        if let Some(v) = v {
            q.push(format!(" AND {col} = ")).push_bind(v.clone());
        }
    }
    if let Some(b) = f.before {
        q.push(" AND id < ").push_bind(b);
    }
    q.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
    q.build_query_as().fetch_all(pool).await
}

#[derive(Debug, Clone)]
pub struct MovementRow {
    pub id: i64,
    pub reason: String,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub hx_order_no: Option<String>,
    pub reference: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One balance's ledger, newest first: one range of `inventory_movements_balance_id_idx` (the
/// cursor is written as a bound, not as `$2 IS NULL OR …`, so that the index can take it).
pub async fn movements(
    pool: &PgPool,
    balance_id: i64,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<MovementRow>> {
    sqlx::query_as!(
        MovementRow,
        r#"SELECT m.id, m.reason, m.on_hand_delta, m.reserved_delta, o.hx_order_no AS "hx_order_no?",
                  m.reference, m.created_at
             FROM inventory_movements m LEFT JOIN orders o ON o.id = m.order_id
            WHERE m.balance_id = $1 AND m.id < COALESCE($2::int8, 9223372036854775807)
            ORDER BY m.id DESC LIMIT $3"#,
        balance_id,
        before,
        limit
    )
    .fetch_all(pool)
    .await
}

pub async fn balance(pool: &PgPool, id: i64) -> sqlx::Result<Option<BalanceRow>> {
    sqlx::query_as!(
        BalanceRow,
        "SELECT id, tenant, inventory_code, subbase_code, item_code, inventory_type, batch_code, on_hand, reserved
           FROM inventory_balances WHERE id = $1",
        id
    )
    .fetch_optional(pool)
    .await
}

// ------------------------------------------------------------------ DWS

#[derive(Debug, Clone)]
pub struct ScanRow {
    pub id: i64,
    pub device_code: String,
    pub barcode: String,
    pub weight_kg: rust_decimal::Decimal,
    pub scan_time: DateTime<Utc>,
    pub match_status: String,
    pub order_code: Option<String>,
    pub tenant: Option<String>,
}

/// Scans in a match status (or any), newest first.
///
/// One of two branches runs (the other's one-time filter is false): all scans by key, or one
/// status as a range of `dws_scans_status_idx` ordered by (status, id). Written as one filter
/// `($1 IS NULL OR match_status = $1)`, the generic plan walked every scan backwards and
/// filtered, reading the whole table for a rare status (tests/api/plans.rs). The cursor is
/// `id < COALESCE($2, max)` so that it is an index bound. The page is cut from `dws_scans`
/// alone, and each scan's order looked up by key afterwards
/// (`OFFSET 0` keeps the lookup a per-row subquery): with the joins inside the page, the generic
/// plan's guess for `LIMIT $3` (a tenth of the table) made it hash-join every scan with every
/// package's order, 125 ms on the bench's database.
pub async fn scans(
    pool: &PgPool,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<ScanRow>> {
    sqlx::query_as!(
        ScanRow,
        r#"SELECT d.id AS "id!", d.device_code AS "device_code!", d.barcode AS "barcode!",
                  d.weight_kg AS "weight_kg!", d.scan_time AS "scan_time!", d.match_status AS "match_status!",
                  o.order_code AS "order_code?", o.tenant AS "tenant?"
             FROM ((SELECT id, device_code, barcode, weight_kg, scan_time, match_status, package_id FROM dws_scans
                     WHERE $1::text IS NULL AND id < COALESCE($2::int8, 9223372036854775807)
                     ORDER BY id DESC LIMIT $3)
                   UNION ALL
                   (SELECT id, device_code, barcode, weight_kg, scan_time, match_status, package_id FROM dws_scans
                     WHERE match_status >= $1 AND (match_status, id) < ($1, COALESCE($2::int8, 9223372036854775807))
                     ORDER BY match_status DESC, id DESC LIMIT $3)) d
             LEFT JOIN LATERAL (SELECT o.order_code, o.tenant FROM packages g JOIN orders o ON o.id = g.order_id
                                 WHERE g.id = d.package_id OFFSET 0) o ON true
            ORDER BY d.id DESC"#,
        status,
        before,
        limit
    )
    .fetch_all(pool)
    .await
}
