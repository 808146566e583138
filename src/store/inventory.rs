//! Inventory balances, the movement ledger and reservations.
//! Balance rows are always locked in id order, so concurrent transactions never deadlock.

use super::PgConnection;
use crate::domain::client::Tenant;
use crate::domain::inventory::StockSlot;
use chrono::NaiveDate;

/// Locks and returns the balances of `items` in one warehouse and owner.
pub async fn lock_slots(
    conn: &mut PgConnection,
    tenant: &Tenant,
    inventory_code: &str,
    subbase_code: &str,
    items: &[String],
) -> sqlx::Result<Vec<StockSlot>> {
    sqlx::query_as!(
        StockSlot,
        r#"SELECT id AS balance_id, item_code, inventory_type, batch_code, product_date, expire_date,
                  on_hand - reserved AS "available!"
             FROM inventory_balances
            WHERE tenant = $1 AND inventory_code = $2 AND subbase_code = $3 AND item_code = ANY($4)
            ORDER BY id
              FOR UPDATE"#,
        tenant.as_str(),
        inventory_code,
        subbase_code,
        items
    )
    .fetch_all(conn)
    .await
}

/// Locks the existing balance rows of `keys` in id order (the one lock order of every writer
/// of balances: reservations, shipments, receipts, transfers and adjustments all take their
/// rows' locks this way before changing them). Keys without a row yet are skipped.
pub async fn lock_keys(
    conn: &mut PgConnection,
    tenant: &Tenant,
    keys: &[BalanceKey],
) -> sqlx::Result<()> {
    let col = |f: fn(&BalanceKey) -> &String| -> Vec<String> {
        keys.iter().map(|k| f(k).clone()).collect()
    };
    sqlx::query!(
        r#"SELECT b.id FROM inventory_balances b
             JOIN UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(wh, ow, item, t, batch)
               ON b.tenant = $1 AND b.inventory_code = u.wh AND b.subbase_code = u.ow AND b.item_code = u.item
              AND b.inventory_type = u.t AND b.batch_code = u.batch
            ORDER BY b.id
              FOR UPDATE OF b"#,
        tenant.as_str(),
        &col(|k| &k.inventory_code),
        &col(|k| &k.subbase_code),
        &col(|k| &k.item_code),
        &col(|k| &k.inventory_type),
        &col(|k| &k.batch_code)
    )
    .fetch_all(conn)
    .await?;
    Ok(())
}

/// Locks, in id order, the balances of `items` of several owners in one warehouse (a
/// property transfer touches the giving and the receiving owner's rows).
pub async fn lock_owners(
    conn: &mut PgConnection,
    tenant: &Tenant,
    inventory_code: &str,
    owners: &[String],
    items: &[String],
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"SELECT id FROM inventory_balances
            WHERE tenant = $1 AND inventory_code = $2 AND subbase_code = ANY($3) AND item_code = ANY($4)
            ORDER BY id
              FOR UPDATE"#,
        tenant.as_str(),
        inventory_code,
        owners,
        items
    )
    .fetch_all(conn)
    .await?;
    Ok(())
}

/// Claims an adjustment's natural key (customer, adjustOrderCode). `None` when it is new;
/// otherwise the fingerprint and outcome of the adjustment that used it. A concurrent
/// claim of the same key waits until the first commits or rolls back.
#[allow(clippy::too_many_arguments)]
pub async fn claim_adjustment(
    conn: &mut PgConnection,
    tenant: &Tenant,
    adjust_order_code: &str,
    inventory_code: &str,
    subbase_code: &str,
    adjust_type: &str,
    fingerprint: &str,
) -> sqlx::Result<Option<(String, serde_json::Value)>> {
    let inserted = sqlx::query!(
        r#"INSERT INTO inventory_adjustments (tenant, adjust_order_code, inventory_code, subbase_code, adjust_type,
               fingerprint, outcome)
           VALUES ($1, $2, $3, $4, $5, $6, 'null'::jsonb)
           ON CONFLICT ON CONSTRAINT inventory_adjustments_code_key DO NOTHING"#,
        tenant.as_str(),
        adjust_order_code,
        inventory_code,
        subbase_code,
        adjust_type,
        fingerprint
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    let r = sqlx::query!(
        "SELECT fingerprint, outcome FROM inventory_adjustments WHERE tenant = $1 AND adjust_order_code = $2",
        tenant.as_str(),
        adjust_order_code
    )
    .fetch_one(conn)
    .await?;
    Ok(Some((r.fingerprint, r.outcome)))
}

/// Stores what an adjustment answered, for the same adjustment sent again.
pub async fn set_adjustment_outcome(
    conn: &mut PgConnection,
    tenant: &Tenant,
    adjust_order_code: &str,
    outcome: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE inventory_adjustments SET outcome = $3 WHERE tenant = $1 AND adjust_order_code = $2",
        tenant.as_str(),
        adjust_order_code,
        outcome
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Reserves quantities of balances for order lines: `(line id, balance id, qty)`.
pub async fn reserve(
    conn: &mut PgConnection,
    order_id: i64,
    parts: &[(i64, i64, i64)],
) -> sqlx::Result<()> {
    let line: Vec<i64> = parts.iter().map(|p| p.0).collect();
    let balance: Vec<i64> = parts.iter().map(|p| p.1).collect();
    let qty: Vec<i64> = parts.iter().map(|p| p.2).collect();
    sqlx::query!(
        r#"WITH u AS (SELECT * FROM UNNEST($2::int8[], $3::int8[], $4::int8[]) AS u(line, balance, qty)),
                b AS (UPDATE inventory_balances b SET reserved = b.reserved + s.qty
                        FROM (SELECT balance, SUM(qty) AS qty FROM u GROUP BY balance) s
                       WHERE b.id = s.balance),
                m AS (INSERT INTO inventory_movements (balance_id, reason, reserved_delta, order_id, order_line_id)
                      SELECT balance, 'RESERVE', qty, $1, line FROM u)
           INSERT INTO reservations (order_line_id, balance_id, qty)
           SELECT line, balance, qty FROM u
           ON CONFLICT (order_line_id, balance_id) DO UPDATE SET qty = reservations.qty + EXCLUDED.qty"#,
        order_id,
        &line,
        &balance,
        &qty
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Releases everything an order still holds reserved; returns the quantity released.
pub async fn release_order(conn: &mut PgConnection, order_id: i64) -> sqlx::Result<i64> {
    // Lock the balances first, in id order, like every other writer. Every step goes by key,
    // from ids gathered first (InitPlans: the order's lines, their reservations, the balances):
    // as joins, the planner could merge-join the order's few balances with every balance in key
    // order, or hash every reservation, when it expects many lines per order, as ANALYZE makes
    // it on a large table (tests/api/plans.rs).
    sqlx::query!(
        r#"SELECT b.id FROM inventory_balances b
            WHERE b.id = ANY(ARRAY(SELECT r.balance_id FROM reservations r
                                    WHERE r.order_line_id = ANY(ARRAY(SELECT id FROM order_lines WHERE order_id = $1))
                                      AND r.qty > 0))
            ORDER BY b.id FOR UPDATE"#,
        order_id
    )
    .fetch_all(&mut *conn)
    .await?;
    // By key again: the balances and reservations to change are named by id (`= ANY(ARRAY(…))`).
    // `z` sets to 0 exactly `r`'s rows: the reservations of the order's lines still above 0.
    let released = sqlx::query_scalar!(
        r#"WITH r AS (SELECT r.order_line_id, r.balance_id, r.qty FROM reservations r
                       WHERE r.order_line_id = ANY(ARRAY(SELECT id FROM order_lines WHERE order_id = $1))
                         AND r.qty > 0),
                b AS (UPDATE inventory_balances b SET reserved = b.reserved - s.qty
                        FROM (SELECT balance_id, SUM(qty) AS qty FROM r GROUP BY balance_id) s
                       WHERE b.id = ANY(ARRAY(SELECT balance_id FROM r)) AND b.id = s.balance_id),
                m AS (INSERT INTO inventory_movements (balance_id, reason, reserved_delta, order_id, order_line_id)
                      SELECT balance_id, 'RELEASE', -qty, $1, order_line_id FROM r),
                z AS (UPDATE reservations x SET qty = 0
                       WHERE x.order_line_id = ANY(ARRAY(SELECT order_line_id FROM r)) AND x.qty > 0)
           SELECT COALESCE(SUM(qty), 0)::int8 AS "released!" FROM r"#,
        order_id
    )
    .fetch_one(conn)
    .await?;
    Ok(released)
}

/// The key of a balance.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BalanceKey {
    pub inventory_code: String,
    pub subbase_code: String,
    pub item_code: String,
    pub inventory_type: String,
    /// `""` for stock without a batch.
    pub batch_code: String,
}

/// A change of on-hand stock and its cause.
#[derive(Debug, Clone)]
pub struct StockChange<'a> {
    pub key: BalanceKey,
    pub product_date: Option<NaiveDate>,
    pub expire_date: Option<NaiveDate>,
    pub delta: i64,
    /// A ledger reason: RECEIPT, SHIPMENT, TRANSFER_OUT, TRANSFER_IN, ADJUSTMENT.
    pub reason: &'a str,
    pub order_id: Option<i64>,
    pub reference: Option<&'a str>,
}

/// Changes the on-hand quantity of a balance (creating it when new) and records why.
/// Fails on the balance's check constraint rather than going below zero or below reserved.
pub async fn change_on_hand(
    conn: &mut PgConnection,
    tenant: &Tenant,
    c: &StockChange<'_>,
) -> sqlx::Result<i64> {
    let key = &c.key;
    // CHECK constraints are evaluated on the row an INSERT proposes, before ON CONFLICT
    // applies, so a decrease must be a plain UPDATE (RowNotFound when there is no such stock).
    let balance_id = if c.delta < 0 {
        sqlx::query_scalar!(
            r#"UPDATE inventory_balances SET on_hand = on_hand + $7
                WHERE tenant = $1 AND inventory_code = $2 AND subbase_code = $3 AND item_code = $4
                  AND inventory_type = $5 AND batch_code = $6
               RETURNING id"#,
            tenant.as_str(),
            key.inventory_code,
            key.subbase_code,
            key.item_code,
            key.inventory_type,
            key.batch_code,
            c.delta
        )
        .fetch_one(&mut *conn)
        .await?
    } else {
        sqlx::query_scalar!(
            r#"INSERT INTO inventory_balances (tenant, inventory_code, subbase_code, item_code, inventory_type,
                   batch_code, product_date, expire_date, on_hand)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT ON CONSTRAINT inventory_balances_key DO UPDATE
                  SET on_hand = inventory_balances.on_hand + EXCLUDED.on_hand,
                      product_date = COALESCE(inventory_balances.product_date, EXCLUDED.product_date),
                      expire_date = COALESCE(inventory_balances.expire_date, EXCLUDED.expire_date)
               RETURNING id"#,
            tenant.as_str(),
            key.inventory_code,
            key.subbase_code,
            key.item_code,
            key.inventory_type,
            key.batch_code,
            c.product_date,
            c.expire_date,
            c.delta
        )
        .fetch_one(&mut *conn)
        .await?
    };
    sqlx::query!(
        r#"INSERT INTO inventory_movements (balance_id, reason, on_hand_delta, order_id, reference)
           VALUES ($1, $2, $3, $4, $5)"#,
        balance_id,
        c.reason,
        c.delta,
        c.order_id,
        c.reference
    )
    .execute(conn)
    .await?;
    Ok(balance_id)
}

/// Vehicles in a tenant's yard, filtered and paged.
#[derive(Debug, Clone)]
pub struct VehicleRow {
    pub vin: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub color: Option<String>,
    pub status: String,
    pub inventory_code: String,
    pub in_time: chrono::DateTime<chrono::Utc>,
    pub last_inspection_result: Option<String>,
    pub last_inspection_time: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn vehicles(
    conn: &mut PgConnection,
    tenant: &Tenant,
    inventory_code: &str,
    vin: Option<&str>,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(i64, Vec<VehicleRow>)> {
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM vehicles
            WHERE tenant = $1 AND inventory_code = $2 AND ($3::text IS NULL OR vin = $3)
              AND ($4::text IS NULL OR status = $4)"#,
        tenant.as_str(),
        inventory_code,
        vin,
        status
    )
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query_as!(
        VehicleRow,
        r#"SELECT vin, brand, model, color, status, inventory_code, in_time, last_inspection_result,
                  last_inspection_time
             FROM vehicles
            WHERE tenant = $1 AND inventory_code = $2 AND ($3::text IS NULL OR vin = $3)
              AND ($4::text IS NULL OR status = $4)
            ORDER BY vin OFFSET $5 LIMIT $6"#,
        tenant.as_str(),
        inventory_code,
        vin,
        status,
        offset,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok((total, rows))
}

/// A vehicle as yard intake records it.
pub struct YardVehicle<'a> {
    pub vin: &'a str,
    pub inventory_code: &'a str,
    pub brand: Option<&'a str>,
    pub model: Option<&'a str>,
    pub color: Option<&'a str>,
    pub status: &'a str,
}

/// Puts a vehicle into a tenant's yard (or updates it): the yard-intake write of the ops API.
pub async fn upsert_vehicle(
    conn: &mut PgConnection,
    tenant: &Tenant,
    v: &YardVehicle<'_>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO vehicles (tenant, vin, inventory_code, brand, model, color, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT ON CONSTRAINT vehicles_key DO UPDATE
              SET inventory_code = EXCLUDED.inventory_code, brand = COALESCE(EXCLUDED.brand, vehicles.brand),
                  model = COALESCE(EXCLUDED.model, vehicles.model), color = COALESCE(EXCLUDED.color, vehicles.color),
                  status = EXCLUDED.status"#,
        tenant.as_str(),
        v.vin,
        v.inventory_code,
        v.brand,
        v.model,
        v.color,
        v.status
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What the lines of an order hold reserved, first-expiring balance first:
/// (line no, line id, balance id, qty). The reservations are found by the order's line ids
/// (an InitPlan) and each balance by its key (a lateral lookup kept by `OFFSET 0`), not by joins
/// that a large table's statistics could turn into a hash of every reservation or a walk of every
/// balance (tests/api/plans.rs).
pub async fn held_of(
    conn: &mut PgConnection,
    order_id: i64,
) -> sqlx::Result<Vec<(String, i64, i64, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT l.line_no, l.id AS line_id, r.balance_id, r.qty
             FROM reservations r JOIN order_lines l ON l.id = r.order_line_id
             CROSS JOIN LATERAL (SELECT b.expire_date, b.product_date, b.batch_code, b.id FROM inventory_balances b
                                  WHERE b.id = r.balance_id OFFSET 0) b
            WHERE r.order_line_id = ANY(ARRAY(SELECT id FROM order_lines WHERE order_id = $1)) AND r.qty > 0
            ORDER BY l.id, b.expire_date NULLS LAST, b.product_date NULLS LAST, b.batch_code, b.id"#,
        order_id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.line_no, r.line_id, r.balance_id, r.qty))
        .collect())
}

/// Takes stock out of balances for order lines (shipment or transfer): on-hand always,
/// reserved and the line's reservation where the take came from it. Balances are already
/// locked by the caller ([`lock_slots`]).
pub async fn consume(
    conn: &mut PgConnection,
    order_id: i64,
    reason: &str,
    takes: &[(i64, i64, i64, bool)],
) -> sqlx::Result<()> {
    let line: Vec<i64> = takes.iter().map(|t| t.0).collect();
    let balance: Vec<i64> = takes.iter().map(|t| t.1).collect();
    let qty: Vec<i64> = takes.iter().map(|t| t.2).collect();
    let reserved: Vec<bool> = takes.iter().map(|t| t.3).collect();
    sqlx::query!(
        r#"WITH u AS (SELECT * FROM UNNEST($3::int8[], $4::int8[], $5::int8[], $6::bool[]) AS u(line, balance, qty, res)),
                b AS (UPDATE inventory_balances b
                         SET on_hand = b.on_hand - s.qty, reserved = b.reserved - s.res_qty
                        FROM (SELECT balance, SUM(qty) AS qty, SUM(CASE WHEN res THEN qty ELSE 0 END) AS res_qty
                                FROM u GROUP BY balance) s
                       WHERE b.id = s.balance),
                r AS (UPDATE reservations x SET qty = x.qty - s.qty
                        FROM (SELECT line, balance, SUM(qty) AS qty FROM u WHERE res GROUP BY line, balance) s
                       WHERE x.order_line_id = s.line AND x.balance_id = s.balance)
           INSERT INTO inventory_movements (balance_id, reason, on_hand_delta, reserved_delta, order_id, order_line_id)
           SELECT balance, $2, -qty, CASE WHEN res THEN -qty ELSE 0 END, $1, line FROM u"#,
        order_id,
        reason,
        &line,
        &balance,
        &qty,
        &reserved
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The key and dates of balances, for moving stock to another owner.
pub async fn balances_by_id(
    conn: &mut PgConnection,
    ids: &[i64],
) -> sqlx::Result<Vec<(i64, BalanceKey, Option<NaiveDate>, Option<NaiveDate>)>> {
    let rows = sqlx::query!(
        r#"SELECT id, inventory_code, subbase_code, item_code, inventory_type, batch_code, product_date, expire_date
             FROM inventory_balances WHERE id = ANY($1)"#,
        ids
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                BalanceKey {
                    inventory_code: r.inventory_code,
                    subbase_code: r.subbase_code,
                    item_code: r.item_code,
                    inventory_type: r.inventory_type,
                    batch_code: r.batch_code,
                },
                r.product_date,
                r.expire_date,
            )
        })
        .collect())
}

/// Records an inspection on a yard vehicle; false when the tenant has no such vehicle.
pub async fn record_inspection(
    conn: &mut PgConnection,
    tenant: &Tenant,
    vin: &str,
    result: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE vehicles SET last_inspection_result = $3, last_inspection_time = $4 WHERE tenant = $1 AND vin = $2",
        tenant.as_str(),
        vin,
        result,
        at
    )
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}
