//! Trips (车次): a driver and vehicle carrying a tenant's waybills.

use super::PgConnection;
use crate::domain::client::Tenant;
use crate::domain::waybill::TripRef;
use chrono::{DateTime, Utc};

/// A trip's driver, vehicle and fleet as set by its creator or dispatch.
#[derive(Debug, Clone, Default)]
pub struct TripFields {
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    pub plate_no: Option<String>,
    pub fleet: Option<String>,
    pub carrier_code: Option<String>,
    pub remark: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TripRow {
    pub id: i64,
    pub pack_number: String,
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    pub plate_no: Option<String>,
    pub fleet: Option<String>,
    pub carrier_code: Option<String>,
    pub remark: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl TripRow {
    pub fn as_ref(&self) -> TripRef {
        TripRef {
            pack_number: self.pack_number.clone(),
            driver_name: self.driver_name.clone(),
            driver_phone: self.driver_phone.clone(),
            plate_no: self.plate_no.clone(),
            fleet: self.fleet.clone(),
            remark: self.remark.clone(),
            created_at: self.created_at,
        }
    }
}

/// A new trip numbered `P` + yyMMdd (UTC+08:00) + an 8-digit sequence.
pub async fn insert(
    conn: &mut PgConnection,
    tenant: &Tenant,
    f: &TripFields,
) -> sqlx::Result<TripRow> {
    sqlx::query_as!(
        TripRow,
        r#"INSERT INTO trips (tenant, pack_number, driver_name, driver_phone, plate_no, fleet, carrier_code, remark)
           VALUES ($1, 'P' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                         || lpad(nextval('pack_number_seq')::text, 8, '0'),
                   $2, $3, $4, $5, $6, $7)
           RETURNING id, pack_number, driver_name, driver_phone, plate_no, fleet, carrier_code, remark, created_at"#,
        tenant.as_str(),
        f.driver_name,
        f.driver_phone,
        f.plate_no,
        f.fleet,
        f.carrier_code,
        f.remark
    )
    .fetch_one(conn)
    .await
}

/// The tenant's live trip by number, locked.
pub async fn lock(
    conn: &mut PgConnection,
    tenant: &Tenant,
    pack_number: &str,
) -> sqlx::Result<Option<TripRow>> {
    sqlx::query_as!(
        TripRow,
        r#"SELECT id, pack_number, driver_name, driver_phone, plate_no, fleet, carrier_code, remark, created_at
             FROM trips WHERE tenant = $1 AND pack_number = $2 AND deleted_at IS NULL FOR UPDATE"#,
        tenant.as_str(),
        pack_number
    )
    .fetch_optional(conn)
    .await
}

pub async fn lock_by_id(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<TripRow>> {
    sqlx::query_as!(
        TripRow,
        r#"SELECT id, pack_number, driver_name, driver_phone, plate_no, fleet, carrier_code, remark, created_at
             FROM trips WHERE id = $1 AND deleted_at IS NULL FOR UPDATE"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Sets the given fields (absent ones stay).
pub async fn update(conn: &mut PgConnection, id: i64, f: &TripFields) -> sqlx::Result<TripRow> {
    sqlx::query_as!(
        TripRow,
        r#"UPDATE trips SET driver_name = COALESCE($2, driver_name), driver_phone = COALESCE($3, driver_phone),
                  plate_no = COALESCE($4, plate_no), fleet = COALESCE($5, fleet),
                  carrier_code = COALESCE($6, carrier_code), remark = COALESCE($7, remark)
            WHERE id = $1
           RETURNING id, pack_number, driver_name, driver_phone, plate_no, fleet, carrier_code, remark, created_at"#,
        id,
        f.driver_name,
        f.driver_phone,
        f.plate_no,
        f.fleet,
        f.carrier_code,
        f.remark
    )
    .fetch_one(conn)
    .await
}

/// Deletes a trip: it is kept for the record, its waybills are released.
pub async fn delete(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query!("UPDATE orders SET trip_id = NULL WHERE trip_id = $1", id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!("UPDATE trips SET deleted_at = now() WHERE id = $1", id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Puts waybills on a trip (`None`: on none).
pub async fn set_orders_trip(
    conn: &mut PgConnection,
    order_ids: &[i64],
    trip_id: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE orders SET trip_id = $2 WHERE id = ANY($1)",
        order_ids,
        trip_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The ids of a trip's waybills, in creation order.
pub async fn order_ids(conn: &mut PgConnection, trip_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "SELECT id FROM orders WHERE trip_id = $1 ORDER BY id",
        trip_id
    )
    .fetch_all(conn)
    .await
}

/// Takes an order off its trip; the trip it was on, if any.
pub async fn release_order(conn: &mut PgConnection, order_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"UPDATE orders o SET trip_id = NULL FROM orders old
            WHERE o.id = $1 AND old.id = o.id AND old.trip_id IS NOT NULL
           RETURNING old.trip_id AS "trip_id!""#,
        order_id
    )
    .fetch_optional(conn)
    .await
}
