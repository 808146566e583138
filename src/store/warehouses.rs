//! Warehouses of a tenant: kept up to date by 库存组织同步, edited through the ops API, read
//! by the OMS warehouse methods.

use super::PgConnection;
use crate::domain::base_data::InventoryOrg;
use crate::domain::client::Tenant;
use crate::domain::warehouse::{Warehouse, WarehouseFilter};

/// Records (or refreshes) the warehouse a synced 库存组织 names: its name and contact, and
/// the address parts the sync carries (absent parts keep what is stored). Short name, zip and
/// status are not part of the sync and stay as the ops API left them.
pub async fn upsert_from_org(
    conn: &mut PgConnection,
    tenant: &Tenant,
    o: &InventoryOrg,
) -> sqlx::Result<()> {
    let a = &o.address;
    sqlx::query!(
        r#"INSERT INTO warehouses AS w (tenant, code, name, contact_person, contact_phone, country, province,
                                       city, district, street, address)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT ON CONSTRAINT warehouses_code_key DO UPDATE SET
               name = EXCLUDED.name, contact_person = EXCLUDED.contact_person,
               contact_phone = EXCLUDED.contact_phone,
               country = COALESCE(EXCLUDED.country, w.country),
               province = COALESCE(EXCLUDED.province, w.province),
               city = COALESCE(EXCLUDED.city, w.city),
               district = COALESCE(EXCLUDED.district, w.district),
               street = COALESCE(EXCLUDED.street, w.street),
               address = COALESCE(EXCLUDED.address, w.address)
           WHERE (w.name, w.contact_person, w.contact_phone, w.country, w.province, w.city, w.district,
                  w.street, w.address)
                 IS DISTINCT FROM
                 (EXCLUDED.name, EXCLUDED.contact_person, EXCLUDED.contact_phone,
                  COALESCE(EXCLUDED.country, w.country), COALESCE(EXCLUDED.province, w.province),
                  COALESCE(EXCLUDED.city, w.city), COALESCE(EXCLUDED.district, w.district),
                  COALESCE(EXCLUDED.street, w.street), COALESCE(EXCLUDED.address, w.address))"#,
        tenant.as_str(),
        o.inventory_code,
        o.inventory_name,
        o.contact,
        o.phone,
        a.country_name,
        a.province_name,
        a.city_name,
        a.area_name,
        a.street_name,
        a.address
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One page of the tenant's warehouses in creation order, and how many match in all.
pub async fn list(
    conn: &mut PgConnection,
    tenant: &Tenant,
    f: &WarehouseFilter,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(i64, Vec<Warehouse>)> {
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM warehouses
            WHERE tenant = $1 AND ($2::text IS NULL OR position($2 in name) > 0)
              AND ($3::text IS NULL OR code = $3) AND ($4::bool IS NULL OR enabled = $4)
              AND ($5::timestamptz IS NULL OR created_at >= $5)
              AND ($6::timestamptz IS NULL OR created_at <= $6)"#,
        tenant.as_str(),
        f.name,
        f.code,
        f.enabled,
        f.created_from,
        f.created_to
    )
    .fetch_one(&mut *conn)
    .await?;
    if count <= offset {
        return Ok((count, Vec::new()));
    }
    let rows = sqlx::query_as!(
        Warehouse,
        r#"SELECT id, code, name, short_name, contact_person, contact_phone, country, province, city,
                  district, street, address, zip, enabled, created_at, updated_at
             FROM warehouses
            WHERE tenant = $1 AND ($2::text IS NULL OR position($2 in name) > 0)
              AND ($3::text IS NULL OR code = $3) AND ($4::bool IS NULL OR enabled = $4)
              AND ($5::timestamptz IS NULL OR created_at >= $5)
              AND ($6::timestamptz IS NULL OR created_at <= $6)
            ORDER BY created_at, id OFFSET $7 LIMIT $8"#,
        tenant.as_str(),
        f.name,
        f.code,
        f.enabled,
        f.created_from,
        f.created_to,
        offset,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok((count, rows))
}

/// The tenant's warehouse with this id and/or code (both must match when both are given).
pub async fn find(
    conn: &mut PgConnection,
    tenant: &Tenant,
    id: Option<i64>,
    code: Option<&str>,
) -> sqlx::Result<Option<Warehouse>> {
    sqlx::query_as!(
        Warehouse,
        r#"SELECT id, code, name, short_name, contact_person, contact_phone, country, province, city,
                  district, street, address, zip, enabled, created_at, updated_at
             FROM warehouses
            WHERE tenant = $1 AND ($2::int8 IS NULL OR id = $2) AND ($3::text IS NULL OR code = $3)
            ORDER BY id LIMIT 1"#,
        tenant.as_str(),
        id,
        code
    )
    .fetch_optional(conn)
    .await
}

/// The tenant's warehouse by code, locked for an edit.
pub async fn lock(
    conn: &mut PgConnection,
    tenant: &Tenant,
    code: &str,
) -> sqlx::Result<Option<Warehouse>> {
    sqlx::query_as!(
        Warehouse,
        r#"SELECT id, code, name, short_name, contact_person, contact_phone, country, province, city,
                  district, street, address, zip, enabled, created_at, updated_at
             FROM warehouses WHERE tenant = $1 AND code = $2 FOR UPDATE"#,
        tenant.as_str(),
        code
    )
    .fetch_optional(conn)
    .await
}

/// Writes every editable field of a warehouse, inserting it when the tenant has none with
/// this code.
pub async fn save(
    conn: &mut PgConnection,
    tenant: &Tenant,
    w: &Warehouse,
) -> sqlx::Result<Warehouse> {
    sqlx::query_as!(
        Warehouse,
        r#"INSERT INTO warehouses AS w (tenant, code, name, short_name, contact_person, contact_phone, country,
                                       province, city, district, street, address, zip, enabled)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           ON CONFLICT ON CONSTRAINT warehouses_code_key DO UPDATE SET
               name = EXCLUDED.name, short_name = EXCLUDED.short_name,
               contact_person = EXCLUDED.contact_person, contact_phone = EXCLUDED.contact_phone,
               country = EXCLUDED.country, province = EXCLUDED.province, city = EXCLUDED.city,
               district = EXCLUDED.district, street = EXCLUDED.street, address = EXCLUDED.address,
               zip = EXCLUDED.zip, enabled = EXCLUDED.enabled
           RETURNING id, code, name, short_name, contact_person, contact_phone, country, province, city,
                     district, street, address, zip, enabled, created_at, updated_at"#,
        tenant.as_str(),
        w.code,
        w.name,
        w.short_name,
        w.contact_person,
        w.contact_phone,
        w.country,
        w.province,
        w.city,
        w.district,
        w.street,
        w.address,
        w.zip,
        w.enabled
    )
    .fetch_one(conn)
    .await
}

/// The owners the tenant synced at a warehouse (库存组织 pairs), by code.
pub async fn owners_at(
    conn: &mut PgConnection,
    tenant: &Tenant,
    inventory_code: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT subbase_code FROM inventory_orgs WHERE tenant = $1 AND inventory_code = $2 ORDER BY subbase_code",
        tenant.as_str(),
        inventory_code
    )
    .fetch_all(conn)
    .await
}
