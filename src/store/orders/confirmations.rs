//! Confirmation batches (receipts, shipments) and shipped packages.

use crate::domain::client::Tenant;
use crate::store::PgConnection;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

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
