//! Orders, lines, status history, LPNs, serial numbers, transport vehicles.

use super::PgConnection;
use crate::domain::client::Tenant;
use crate::domain::order::{OrderLine, Vehicle};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

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
    pub request: &'a serde_json::Value,
    pub client_id: i64,
}

/// Inserts an order unless this tenant already used the code for this kind (`None` then).
/// A concurrent insert of the same code waits for the other transaction to finish.
pub async fn insert(conn: &mut PgConnection, o: &NewOrder<'_>) -> sqlx::Result<Option<OrderHead>> {
    sqlx::query_as!(
        OrderHead,
        r#"INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, inventory_code,
               subbase_code, to_subbase_code, status, fingerprint, request, client_id)
           VALUES ($1, $2, $3,
                   'HX' || $4 || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                        || lpad(nextval('hx_order_no_seq')::text, 8, '0'),
                   $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT ON CONSTRAINT orders_code_key DO NOTHING
           RETURNING id, kind, order_code, hx_order_no, order_type, status, fingerprint"#,
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
        r#"SELECT id, kind, order_code, hx_order_no, order_type, status, fingerprint
             FROM orders WHERE tenant = $1 AND kind = $2 AND order_code = $3 FOR UPDATE"#,
        tenant.as_str(),
        kind,
        order_code
    )
    .fetch_optional(conn)
    .await
}

/// Inserts the lines of an order; returns their ids in line order.
pub async fn insert_lines(
    conn: &mut PgConnection,
    order_id: i64,
    lines: &[OrderLine],
) -> sqlx::Result<Vec<i64>> {
    let line_no: Vec<String> = lines.iter().map(|l| l.line_no.clone()).collect();
    let item: Vec<String> = lines.iter().map(|l| l.item_code.clone()).collect();
    let qty: Vec<i64> = lines.iter().map(|l| l.plan_qty).collect();
    let inv_type: Vec<String> = lines.iter().map(|l| l.inventory_type.clone()).collect();
    let batch: Vec<Option<String>> = lines.iter().map(|l| l.batch_code.clone()).collect();
    let pdate: Vec<Option<NaiveDate>> = lines.iter().map(|l| l.product_date).collect();
    let edate: Vec<Option<NaiveDate>> = lines.iter().map(|l| l.expire_date).collect();
    let produce: Vec<Option<String>> = lines.iter().map(|l| l.produce_code.clone()).collect();
    let price: Vec<Option<Decimal>> = lines.iter().map(|l| l.price).collect();
    let remark: Vec<Option<String>> = lines.iter().map(|l| l.remark.clone()).collect();
    let rows = sqlx::query!(
        r#"INSERT INTO order_lines (order_id, line_no, item_code, plan_qty, inventory_type, batch_code,
               product_date, expire_date, produce_code, price, remark)
           SELECT $1, u.line_no, u.item_code, u.qty, u.inv_type, u.batch, u.pdate, u.edate, u.produce, u.price, u.remark
             FROM UNNEST($2::text[], $3::text[], $4::int8[], $5::text[], $6::text[], $7::date[], $8::date[],
                         $9::text[], $10::numeric[], $11::text[])
                  AS u(line_no, item_code, qty, inv_type, batch, pdate, edate, produce, price, remark)
           RETURNING id, line_no"#,
        order_id,
        &line_no,
        &item,
        &qty,
        &inv_type,
        &batch as &[Option<String>],
        &pdate as &[Option<NaiveDate>],
        &edate as &[Option<NaiveDate>],
        &produce as &[Option<String>],
        &price as &[Option<Decimal>],
        &remark as &[Option<String>]
    )
    .fetch_all(conn)
    .await?;
    let by_no: std::collections::HashMap<String, i64> =
        rows.into_iter().map(|r| (r.line_no, r.id)).collect();
    Ok(line_no.iter().map(|n| by_no[n]).collect())
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

/// Moves an order to `status` and records it in the history (one round trip).
pub async fn set_status(
    conn: &mut PgConnection,
    order_id: i64,
    status: &str,
    pre_cancel_status: Option<&str>,
    note: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"WITH o AS (UPDATE orders SET status = $2, pre_cancel_status = COALESCE($3, pre_cancel_status)
                        WHERE id = $1 RETURNING id)
           INSERT INTO order_events (order_id, status, note) SELECT o.id, $2, $4 FROM o"#,
        order_id,
        status,
        pre_cancel_status,
        note
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What an order (or adjustment) refers to, to be checked against the tenant's base data.
pub struct References<'a> {
    /// (warehouse, owner) pairs.
    pub inventory_orgs: &'a [(String, String)],
    pub products: &'a [String],
    pub consignees: &'a [String],
}

/// The references of [`References`] the tenant never synced, each in the order given.
#[derive(Debug, Default)]
pub struct MissingReferences {
    /// As `WH/OWNER`.
    pub inventory_orgs: Vec<String>,
    pub products: Vec<String>,
    pub consignees: Vec<String>,
}

/// Every reference this tenant never synced, in one round trip.
pub async fn missing_references(
    conn: &mut PgConnection,
    tenant: &Tenant,
    refs: &References<'_>,
) -> sqlx::Result<MissingReferences> {
    let wh: Vec<String> = refs.inventory_orgs.iter().map(|p| p.0.clone()).collect();
    let ow: Vec<String> = refs.inventory_orgs.iter().map(|p| p.1.clone()).collect();
    let rows = sqlx::query!(
        r#"SELECT 1 AS "group!", u.wh || '/' || u.ow AS "code!", u.i AS "i!"
             FROM UNNEST($2::text[], $3::text[]) WITH ORDINALITY AS u(wh, ow, i)
            WHERE NOT EXISTS (SELECT 1 FROM inventory_orgs o
                               WHERE o.tenant = $1 AND o.inventory_code = u.wh AND o.subbase_code = u.ow)
           UNION ALL
           SELECT 2, u.c, u.i FROM UNNEST($4::text[]) WITH ORDINALITY AS u(c, i)
            WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.tenant = $1 AND p.item_code = u.c)
           UNION ALL
           SELECT 3, u.c, u.i FROM UNNEST($5::text[]) WITH ORDINALITY AS u(c, i)
            WHERE NOT EXISTS (SELECT 1 FROM consignees x WHERE x.tenant = $1 AND x.consignee_code = u.c)
           ORDER BY 1, 3"#,
        tenant.as_str(),
        &wh,
        &ow,
        refs.products,
        refs.consignees
    )
    .fetch_all(conn)
    .await?;
    let mut missing = MissingReferences::default();
    for r in rows {
        match r.group {
            1 => missing.inventory_orgs.push(r.code),
            2 => missing.products.push(r.code),
            _ => missing.consignees.push(r.code),
        }
    }
    Ok(missing)
}

/// Item codes among `codes` whose product is not serial-managed (or not synced).
pub async fn not_serial_managed(
    conn: &mut PgConnection,
    tenant: &Tenant,
    codes: &[String],
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"SELECT c AS "code!" FROM UNNEST($2::text[]) AS u(c)
            WHERE NOT EXISTS (SELECT 1 FROM products p
                               WHERE p.tenant = $1 AND p.item_code = u.c AND p.serial_managed)"#,
        tenant.as_str(),
        codes
    )
    .fetch_all(conn)
    .await
}

pub async fn insert_vehicles(
    conn: &mut PgConnection,
    order_id: i64,
    vehicles: &[Vehicle],
) -> sqlx::Result<()> {
    let vin: Vec<String> = vehicles.iter().map(|v| v.vin.clone()).collect();
    let brand: Vec<Option<String>> = vehicles.iter().map(|v| v.brand.clone()).collect();
    let model: Vec<Option<String>> = vehicles.iter().map(|v| v.model.clone()).collect();
    let color: Vec<Option<String>> = vehicles.iter().map(|v| v.color.clone()).collect();
    sqlx::query!(
        r#"INSERT INTO order_vehicles (order_id, vin, brand, model, color)
           SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[])"#,
        order_id,
        &vin,
        &brand as &[Option<String>],
        &model as &[Option<String>],
        &color as &[Option<String>]
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A line as the result query and the LPN/SN rules see it.
#[derive(Debug, Clone)]
pub struct LineRow {
    pub id: i64,
    pub order_id: i64,
    pub line_no: String,
    pub item_code: String,
    pub plan_qty: i64,
    pub actual_qty: i64,
    pub inventory_type: String,
    pub batch_code: Option<String>,
    pub product_date: Option<NaiveDate>,
    pub expire_date: Option<NaiveDate>,
}

pub async fn lines_of(conn: &mut PgConnection, order_ids: &[i64]) -> sqlx::Result<Vec<LineRow>> {
    sqlx::query_as!(
        LineRow,
        r#"SELECT id, order_id, line_no, item_code, plan_qty, actual_qty, inventory_type, batch_code,
                  product_date, expire_date
             FROM order_lines WHERE order_id = ANY($1) ORDER BY order_id, id"#,
        order_ids
    )
    .fetch_all(conn)
    .await
}

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
}

pub async fn find_by_codes(
    conn: &mut PgConnection,
    tenant: &Tenant,
    kind: &str,
    codes: &[String],
) -> sqlx::Result<Vec<OrderRow>> {
    sqlx::query_as!(
        OrderRow,
        r#"SELECT id, order_code, hx_order_no, order_type, inventory_code, subbase_code, status, request,
                  created_at, updated_at
             FROM orders WHERE tenant = $1 AND kind = $2 AND order_code = ANY($3)
            ORDER BY array_position($3, order_code)"#,
        tenant.as_str(),
        kind,
        codes
    )
    .fetch_all(conn)
    .await
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

/// Quantity per item already announced in this order's LPNs, leaving out the LPNs about to be replaced.
pub async fn lpn_totals_except(
    conn: &mut PgConnection,
    order_id: i64,
    replaced: &[String],
) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT i.item_code, SUM(i.qty)::int8 AS "qty!" FROM lpn_items i JOIN lpns l ON l.id = i.lpn_id
            WHERE l.order_id = $1 AND NOT (l.lpn_code = ANY($2)) GROUP BY i.item_code"#,
        order_id,
        replaced
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.item_code, r.qty)).collect())
}

/// Replaces (or adds) one LPN of an order with its items.
pub async fn replace_lpn(
    conn: &mut PgConnection,
    order_id: i64,
    lpn_code: &str,
    items: &[crate::domain::lpn::LpnItem],
) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM lpns WHERE order_id = $1 AND lpn_code = $2",
        order_id,
        lpn_code
    )
    .execute(&mut *conn)
    .await?;
    let lpn_id = sqlx::query_scalar!(
        "INSERT INTO lpns (order_id, lpn_code) VALUES ($1, $2) RETURNING id",
        order_id,
        lpn_code
    )
    .fetch_one(&mut *conn)
    .await?;
    for it in items {
        sqlx::query!(
            "INSERT INTO lpn_items (lpn_id, item_code, qty, batch_code, sn_codes) VALUES ($1, $2, $3, $4, $5)",
            lpn_id,
            it.item_code,
            it.qty,
            it.batch_code,
            &it.sn_codes
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Open serial bindings of the tenant among `sn_codes`: (sn, order code, order line id).
pub async fn open_serials(
    conn: &mut PgConnection,
    tenant: &Tenant,
    sn_codes: &[String],
) -> sqlx::Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT s.sn_code, o.order_code, s.order_line_id FROM serial_codes s JOIN orders o ON o.id = s.order_id
            WHERE s.tenant = $1 AND s.open AND s.sn_code = ANY($2)"#,
        tenant.as_str(),
        sn_codes
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.sn_code, r.order_code, r.order_line_id))
        .collect())
}

/// Open serial numbers bound per line of an order.
pub async fn serial_counts(
    conn: &mut PgConnection,
    order_id: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT order_line_id, count(*) AS "n!" FROM serial_codes
            WHERE order_id = $1 AND open GROUP BY order_line_id"#,
        order_id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.order_line_id, r.n)).collect())
}

pub async fn bind_serials(
    conn: &mut PgConnection,
    tenant: &Tenant,
    order_id: i64,
    bindings: &[(i64, String)],
) -> sqlx::Result<()> {
    let line: Vec<i64> = bindings.iter().map(|b| b.0).collect();
    let sn: Vec<String> = bindings.iter().map(|b| b.1.clone()).collect();
    sqlx::query!(
        r#"INSERT INTO serial_codes (tenant, sn_code, order_id, order_line_id)
           SELECT $1, u.sn, $2, u.line FROM UNNEST($3::int8[], $4::text[]) AS u(line, sn)"#,
        tenant.as_str(),
        order_id,
        &line,
        &sn
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Frees the serial numbers of an order (cancelled or finished).
pub async fn close_serials(conn: &mut PgConnection, order_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE serial_codes SET open = false WHERE order_id = $1 AND open",
        order_id
    )
    .execute(conn)
    .await?;
    Ok(())
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
}

/// Adds confirmed quantities to lines: (line id, qty).
pub async fn add_actual(conn: &mut PgConnection, parts: &[(i64, i64)]) -> sqlx::Result<()> {
    let id: Vec<i64> = parts.iter().map(|p| p.0).collect();
    let qty: Vec<i64> = parts.iter().map(|p| p.1).collect();
    sqlx::query!(
        r#"UPDATE order_lines l SET actual_qty = l.actual_qty + s.qty
             FROM (SELECT id, SUM(qty) AS qty FROM UNNEST($1::int8[], $2::int8[]) AS u(id, qty) GROUP BY id) s
            WHERE l.id = s.id"#,
        &id,
        &qty
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a confirmation batch; returns (id, confirmSeq).
pub async fn insert_confirmation(
    conn: &mut PgConnection,
    order_id: i64,
    confirm_type: &str,
    confirm_time: DateTime<Utc>,
    lines: &serde_json::Value,
    batch_no: Option<&str>,
    fingerprint: &str,
) -> sqlx::Result<(i64, i32)> {
    let r = sqlx::query!(
        r#"INSERT INTO order_confirmations (order_id, confirm_seq, confirm_type, confirm_time, lines, batch_no, fingerprint)
           VALUES ($1, (SELECT COALESCE(MAX(confirm_seq), 0) + 1 FROM order_confirmations WHERE order_id = $1), $2, $3, $4, $5, $6)
           RETURNING id, confirm_seq"#,
        order_id,
        confirm_type,
        confirm_time,
        lines,
        batch_no,
        fingerprint
    )
    .fetch_one(conn)
    .await?;
    Ok((r.id, r.confirm_seq))
}

/// A confirmation batch of an order by the warehouse's batch number: its fingerprint and
/// the answer it was given.
pub async fn find_batch(
    conn: &mut PgConnection,
    order_id: i64,
    batch_no: &str,
) -> sqlx::Result<Option<(Option<String>, Option<serde_json::Value>)>> {
    let r = sqlx::query!(
        "SELECT fingerprint, outcome FROM order_confirmations WHERE order_id = $1 AND batch_no = $2",
        order_id,
        batch_no
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| (r.fingerprint, r.outcome)))
}

/// Stores the answer a confirmation batch was given.
pub async fn set_confirmation_outcome(
    conn: &mut PgConnection,
    id: i64,
    outcome: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE order_confirmations SET outcome = $2 WHERE id = $1",
        id,
        outcome
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A shipped package as stored.
#[derive(Debug, Clone)]
pub struct NewPackage {
    pub package_no: String,
    pub waybill_no: Option<String>,
    pub carrier_code: Option<String>,
    pub weight_kg: Option<Decimal>,
    pub length_cm: Option<Decimal>,
    pub width_cm: Option<Decimal>,
    pub height_cm: Option<Decimal>,
    pub items: serde_json::Value,
}

pub async fn insert_package(
    conn: &mut PgConnection,
    tenant: &Tenant,
    order_id: i64,
    confirmation_id: i64,
    p: &NewPackage,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"INSERT INTO packages (tenant, order_id, confirmation_id, package_no, waybill_no, carrier_code,
               weight_kg, length_cm, width_cm, height_cm, items)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id"#,
        tenant.as_str(),
        order_id,
        confirmation_id,
        p.package_no,
        p.waybill_no,
        p.carrier_code,
        p.weight_kg,
        p.length_cm,
        p.width_cm,
        p.height_cm,
        p.items
    )
    .fetch_one(conn)
    .await
}

#[derive(Debug, Clone)]
pub struct ConfirmationRow {
    pub order_id: i64,
    pub batch_no: Option<String>,
    pub confirm_seq: i32,
    pub confirm_type: String,
    pub confirm_time: DateTime<Utc>,
    pub lines: serde_json::Value,
}

pub async fn confirmations_of(
    conn: &mut PgConnection,
    order_ids: &[i64],
) -> sqlx::Result<Vec<ConfirmationRow>> {
    sqlx::query_as!(
        ConfirmationRow,
        r#"SELECT order_id, batch_no, confirm_seq, confirm_type, confirm_time, lines
             FROM order_confirmations WHERE order_id = ANY($1) ORDER BY order_id, confirm_seq"#,
        order_ids
    )
    .fetch_all(conn)
    .await
}

/// Package numbers already used on an order.
pub async fn package_nos(conn: &mut PgConnection, order_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT package_no FROM packages WHERE order_id = $1",
        order_id
    )
    .fetch_all(conn)
    .await
}

/// An order by hxOrderNo without locking it (lookups).
pub async fn find_by_hx(
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

/// A shipped package with what the DWS measured, for the result query.
#[derive(Debug, Clone)]
pub struct PackageRow {
    pub order_id: i64,
    pub package_no: String,
    pub waybill_no: Option<String>,
    pub carrier_code: Option<String>,
    pub weight_kg: Option<Decimal>,
    pub length_cm: Option<Decimal>,
    pub width_cm: Option<Decimal>,
    pub height_cm: Option<Decimal>,
    pub items: serde_json::Value,
    pub measured_weight_kg: Option<Decimal>,
    pub measured_length_cm: Option<Decimal>,
    pub measured_width_cm: Option<Decimal>,
    pub measured_height_cm: Option<Decimal>,
    pub measured_volume_cm3: Option<Decimal>,
    pub measured_at: Option<DateTime<Utc>>,
    pub weight_deviation: Option<Decimal>,
    pub weight_flagged: bool,
}

pub async fn packages_of(
    conn: &mut PgConnection,
    order_ids: &[i64],
) -> sqlx::Result<Vec<PackageRow>> {
    sqlx::query_as!(
        PackageRow,
        r#"SELECT order_id, package_no, waybill_no, carrier_code, weight_kg, length_cm, width_cm, height_cm, items,
                  measured_weight_kg, measured_length_cm, measured_width_cm, measured_height_cm, measured_volume_cm3,
                  measured_at, weight_deviation, weight_flagged
             FROM packages WHERE order_id = ANY($1) ORDER BY order_id, id"#,
        order_ids
    )
    .fetch_all(conn)
    .await
}
