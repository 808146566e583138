//! What the sandbox's simulated warehouse works on (#22): open orders of sandbox tenants and
//! how far each has come, tenants due for their periodic adjustment, pending requests.

use super::{PgConnection, PgPool};

/// A sandbox order the simulator has not finished with.
#[derive(Debug, Clone)]
pub struct SandboxOrder {
    pub id: i64,
    pub tenant: String,
    pub kind: String,
    pub status: String,
    pub hx_order_no: String,
    pub inventory_code: Option<String>,
    pub subbase_code: Option<String>,
    /// Transport orders: the waybill number trips and carriers know them by, and the trip it
    /// is on.
    pub transport_no: Option<String>,
    pub pack_number: Option<String>,
    pub step: i32,
}

/// Holds the simulator's turn for the rest of `conn`'s transaction: one gateway of several
/// runs a tick at a time, so no order moves two steps at once.
pub async fn try_turn(conn: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_xact_lock(hashtext('hxgw_sandbox')) AS "locked!""#
    )
    .fetch_one(conn)
    .await
}

/// Enlists the orders of sandbox tenants created since the last call (each tenant's cursor
/// over `orders (tenant, id)`), at most 1,000 per tenant at a time.
///
/// The tenant's orders are bounded as a row, `(tenant, id) > (name, after) AND tenant <=
/// name` (that is, `tenant = name AND id > after`), so that only `orders (tenant, id)` can give
/// them in order. Written as `tenant = name AND id > after`, the equality made the primary key
/// (id order) an equal choice, and while many new orders were not yet all-visible PostgreSQL
/// took it: for a sandbox tenant with few orders it walked the whole table, 0.6–3 s of a core
/// on every simulator tick of a busy gateway (found in `bench/run.sh`'s in50, #21).
pub async fn enlist_new_orders(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"WITH st AS MATERIALIZED (
               SELECT t.name, COALESCE(c.last_order_id, 0) AS after
                 FROM tenants t LEFT JOIN sandbox_cursors c ON c.tenant = t.name
                WHERE t.sandbox),
           new AS (
               SELECT o.id, o.tenant
                 FROM st CROSS JOIN LATERAL (
                      SELECT id, tenant FROM orders
                       WHERE (tenant, id) > (st.name, st.after) AND tenant <= st.name
                       ORDER BY tenant, id LIMIT 1000) o),
           enlisted AS (
               INSERT INTO sandbox_progress (order_id) SELECT id FROM new
               ON CONFLICT (order_id) DO NOTHING
               RETURNING 1 AS one),
           moved AS (
               INSERT INTO sandbox_cursors (tenant, last_order_id)
               SELECT tenant, max(id) FROM new GROUP BY tenant
               ON CONFLICT (tenant) DO UPDATE SET last_order_id = EXCLUDED.last_order_id
               RETURNING 1 AS one)
           SELECT (SELECT count(*) FROM enlisted) + 0 * (SELECT count(*) FROM moved) AS "enlisted!""#
    )
    .fetch_one(conn)
    .await
}

/// Orders of sandbox tenants the simulator still has steps for, oldest first.
pub async fn open_orders(pool: &PgPool, limit: i64) -> sqlx::Result<Vec<SandboxOrder>> {
    sqlx::query_as!(
        SandboxOrder,
        r#"SELECT o.id, o.tenant, o.kind, o.status, o.hx_order_no, o.inventory_code, o.subbase_code,
                  o.transport_no, (SELECT t.pack_number FROM trips t WHERE t.id = o.trip_id) AS pack_number,
                  p.step
             FROM sandbox_progress p JOIN orders o ON o.id = p.order_id
            WHERE NOT p.done
            ORDER BY p.order_id LIMIT $1"#,
        limit
    )
    .fetch_all(pool)
    .await
}

/// Records that the simulator took `order_id` to `step` (finished with it when `done`).
pub async fn set_progress(pool: &PgPool, order_id: i64, step: i32, done: bool) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE sandbox_progress SET step = $2, done = $3, updated_at = now() WHERE order_id = $1"#,
        order_id,
        step,
        done
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A sandbox tenant due for its periodic stock adjustment and vehicle inspection, with a
/// warehouse, owner and item of its base data to adjust.
#[derive(Debug, Clone)]
pub struct DueTenant {
    pub tenant: String,
    pub inventory_code: String,
    pub subbase_code: String,
    pub item_code: String,
}

/// Sandbox tenants with base data whose last adjustment is older than `every_secs` (or who
/// never had one).
pub async fn due_tenants(pool: &PgPool, every_secs: f64) -> sqlx::Result<Vec<DueTenant>> {
    sqlx::query_as!(
        DueTenant,
        r#"SELECT t.name AS "tenant!", x.inventory_code AS "inventory_code!", x.subbase_code AS "subbase_code!",
                  y.item_code AS "item_code!"
             FROM tenants t
             LEFT JOIN sandbox_tenant_runs r ON r.tenant = t.name
             -- The tenant's first warehouse/owner pair and item, in their keys' index order
             -- (an order by id would walk the whole primary key of a big table).
             CROSS JOIN LATERAL (
                 SELECT g.inventory_code, g.subbase_code FROM inventory_orgs g
                  WHERE g.tenant = t.name ORDER BY g.tenant, g.inventory_code, g.subbase_code LIMIT 1) x
             CROSS JOIN LATERAL (
                 SELECT p.item_code FROM products p
                  WHERE p.tenant = t.name ORDER BY p.tenant, p.item_code LIMIT 1) y
            WHERE t.sandbox
              AND (r.adjusted_at IS NULL OR r.adjusted_at < now() - make_interval(secs => $1))"#,
        every_secs
    )
    .fetch_all(pool)
    .await
}

pub async fn mark_adjusted(pool: &PgPool, tenant: &str) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO sandbox_tenant_runs (tenant, adjusted_at) VALUES ($1, now())
           ON CONFLICT (tenant) DO UPDATE SET adjusted_at = now()"#,
        tenant
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Pending adjustment requests (Qimen `inventory.synchronize`) of sandbox tenants.
pub async fn pending_requests(pool: &PgPool) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"SELECT a.id FROM adjustment_requests a JOIN tenants t ON t.name = a.tenant AND t.sandbox
            WHERE a.status = 'PENDING' ORDER BY a.id LIMIT 100"#
    )
    .fetch_all(pool)
    .await
}

/// The lines of an order (plan and what is done so far), for the simulated batches.
pub async fn lines(pool: &PgPool, order_id: i64) -> sqlx::Result<Vec<super::orders::LineRow>> {
    let mut conn = pool.acquire().await?;
    super::orders::lines_of(&mut conn, &[order_id]).await
}

/// 3TMS slips of sandbox tenants waiting to be dispatched: (tenant, number).
pub async fn pending_slips(pool: &PgPool) -> sqlx::Result<Vec<(String, String)>> {
    let rows = sqlx::query!(
        r#"SELECT s.tenant, s.number FROM slips s JOIN tenants t ON t.name = s.tenant AND t.sandbox
            WHERE s.state = 'PENDING' ORDER BY s.id LIMIT 100"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.tenant, r.number)).collect())
}

/// Trackers bound to live slips of sandbox tenants: the simulated tracker reports for them.
pub async fn sandbox_trackers(pool: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"SELECT DISTINCT s.device_number AS "device!" FROM slips s JOIN tenants t ON t.name = s.tenant AND t.sandbox
            WHERE s.state IN ('PENDING', 'IN_PROGRESS') AND s.device_number IS NOT NULL
            ORDER BY 1 LIMIT 100"#
    )
    .fetch_all(pool)
    .await
}
