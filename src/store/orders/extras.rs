//! LPNs, serial numbers and the vehicles of transport orders.

use crate::domain::client::Tenant;
use crate::domain::order::Vehicle;
use crate::store::PgConnection;

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

/// Quantity per item already announced in this order's LPNs, leaving out the LPNs about to be replaced.
/// The items are found by the LPNs' ids (an InitPlan), whatever the statistics (tests/api/plans.rs).
pub async fn lpn_totals_except(
    conn: &mut PgConnection,
    order_id: i64,
    replaced: &[String],
) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT i.item_code, SUM(i.qty)::int8 AS "qty!" FROM lpn_items i
            WHERE i.lpn_id = ANY(ARRAY(SELECT id FROM lpns WHERE order_id = $1 AND NOT (lpn_code = ANY($2))))
            GROUP BY i.item_code"#,
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
