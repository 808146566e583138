//! Base data upserts: 库存组织, products, consignees, product dimensions.
//!
//! Upserts insert new records first (`ON CONFLICT DO NOTHING`, which waits for a concurrent
//! insert of the same key) and then update the rest, so two concurrent syncs of one code never
//! lose either write. Absent optional fields keep their stored value (`COALESCE`), and a record
//! whose values would not change is counted as unchanged and not rewritten.

use super::PgConnection;
use crate::domain::base_data::{
    Consignee, DimensionUpdate, Dimensions, InventoryOrg, Product, UpsertCounts,
};
use crate::domain::client::Tenant;
use rust_decimal::Decimal;

/// Upserts one 库存组织; returns whether it was created, updated or unchanged.
pub async fn upsert_inventory_org(
    conn: &mut PgConnection,
    tenant: &Tenant,
    o: &InventoryOrg,
) -> sqlx::Result<UpsertCounts> {
    let a = &o.address;
    let created = sqlx::query!(
        r#"INSERT INTO inventory_orgs (tenant, inventory_code, subbase_code, inventory_name, subbase_name,
               contact, phone, create_user_name, country_name, province_name, city_name, area_name,
               street_name, address)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           ON CONFLICT ON CONSTRAINT inventory_orgs_key DO NOTHING"#,
        tenant.as_str(),
        o.inventory_code,
        o.subbase_code,
        o.inventory_name,
        o.subbase_name,
        o.contact,
        o.phone,
        o.create_user_name,
        a.country_name,
        a.province_name,
        a.city_name,
        a.area_name,
        a.street_name,
        a.address
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if created == 1 {
        return Ok(UpsertCounts {
            created: 1,
            ..Default::default()
        });
    }
    let updated = sqlx::query!(
        r#"UPDATE inventory_orgs o SET
               inventory_name = $4, subbase_name = $5, contact = $6, phone = $7,
               create_user_name = COALESCE($8, o.create_user_name),
               country_name = COALESCE($9, o.country_name),
               province_name = COALESCE($10, o.province_name),
               city_name = COALESCE($11, o.city_name),
               area_name = COALESCE($12, o.area_name),
               street_name = COALESCE($13, o.street_name),
               address = COALESCE($14, o.address)
           WHERE o.tenant = $1 AND o.inventory_code = $2 AND o.subbase_code = $3
             AND (o.inventory_name, o.subbase_name, o.contact, o.phone, o.create_user_name,
                  o.country_name, o.province_name, o.city_name, o.area_name, o.street_name, o.address)
                 IS DISTINCT FROM
                 ($4, $5, $6, $7, COALESCE($8, o.create_user_name), COALESCE($9, o.country_name),
                  COALESCE($10, o.province_name), COALESCE($11, o.city_name), COALESCE($12, o.area_name),
                  COALESCE($13, o.street_name), COALESCE($14, o.address))"#,
        tenant.as_str(),
        o.inventory_code,
        o.subbase_code,
        o.inventory_name,
        o.subbase_name,
        o.contact,
        o.phone,
        o.create_user_name,
        a.country_name,
        a.province_name,
        a.city_name,
        a.area_name,
        a.street_name,
        a.address
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(if updated == 1 {
        UpsertCounts {
            updated: 1,
            ..Default::default()
        }
    } else {
        UpsertCounts {
            unchanged: 1,
            ..Default::default()
        }
    })
}

/// Column arrays of a product batch, for `UNNEST`.
pub(super) struct ProductColumns<'a> {
    pub(super) item_code: Vec<&'a str>,
    pub(super) item_name: Vec<&'a str>,
    pub(super) bar_code: Vec<Option<&'a str>>,
    pub(super) specification: Vec<Option<&'a str>>,
    pub(super) unit: Vec<Option<&'a str>>,
    pub(super) category: Vec<Option<&'a str>>,
    pub(super) brand: Vec<Option<&'a str>>,
    pub(super) shelf_life_days: Vec<Option<i32>>,
    pub(super) batch_managed: Vec<Option<bool>>,
    pub(super) serial_managed: Vec<Option<bool>>,
    pub(super) length: Vec<Option<Decimal>>,
    pub(super) width: Vec<Option<Decimal>>,
    pub(super) height: Vec<Option<Decimal>>,
    pub(super) volume: Vec<Option<Decimal>>,
    pub(super) gross_weight: Vec<Option<Decimal>>,
    pub(super) net_weight: Vec<Option<Decimal>>,
    pub(super) price: Vec<Option<Decimal>>,
    pub(super) status: Vec<Option<&'a str>>,
    pub(super) remark: Vec<Option<&'a str>>,
}

impl<'a> ProductColumns<'a> {
    /// The columns borrow the products' text: a sync of 100 products would otherwise copy
    /// every code, name and optional text once more just to bind it (#21).
    pub(super) fn new(products: &'a [Product]) -> Self {
        let col = |f: fn(&'a Product) -> Option<&'a str>| products.iter().map(f).collect();
        let dim = |f: fn(&Dimensions) -> Option<Decimal>| {
            products.iter().map(|p| f(&p.dimensions)).collect()
        };
        Self {
            item_code: products.iter().map(|p| p.item_code.as_str()).collect(),
            item_name: products.iter().map(|p| p.item_name.as_str()).collect(),
            bar_code: col(|p| p.bar_code.as_deref()),
            specification: col(|p| p.specification.as_deref()),
            unit: col(|p| p.unit.as_deref()),
            category: col(|p| p.category.as_deref()),
            brand: col(|p| p.brand.as_deref()),
            shelf_life_days: products.iter().map(|p| p.shelf_life_days).collect(),
            batch_managed: products.iter().map(|p| p.batch_managed).collect(),
            serial_managed: products.iter().map(|p| p.serial_managed).collect(),
            length: dim(|d| d.length_cm),
            width: dim(|d| d.width_cm),
            height: dim(|d| d.height_cm),
            volume: dim(|d| d.volume_cm3),
            gross_weight: dim(|d| d.gross_weight_kg),
            net_weight: dim(|d| d.net_weight_kg),
            price: products.iter().map(|p| p.price).collect(),
            status: col(|p| p.status.as_deref()),
            remark: col(|p| p.remark.as_deref()),
        }
    }
}

/// Upserts a batch of products (item codes unique within the batch).
pub async fn upsert_products(
    conn: &mut PgConnection,
    tenant: &Tenant,
    products: &[Product],
) -> sqlx::Result<UpsertCounts> {
    let c = ProductColumns::new(products);
    let created = sqlx::query!(
        r#"INSERT INTO products (tenant, item_code, item_name, bar_code, specification, unit, category, brand,
               shelf_life_days, batch_managed, serial_managed, length_cm, width_cm, height_cm, volume_cm3,
               gross_weight_kg, net_weight_kg, price, status, remark)
           SELECT $1, u.item_code, u.item_name, u.bar_code, u.specification, u.unit, u.category, u.brand,
                  u.shelf_life_days, COALESCE(u.batch_managed, false), COALESCE(u.serial_managed, false),
                  u.length_cm, u.width_cm, u.height_cm, u.volume_cm3, u.gross_weight_kg, u.net_weight_kg,
                  u.price, COALESCE(u.status, 'ENABLED'), u.remark
             FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                         $9::int4[], $10::bool[], $11::bool[], $12::numeric[], $13::numeric[], $14::numeric[],
                         $15::numeric[], $16::numeric[], $17::numeric[], $18::numeric[], $19::text[], $20::text[])
                  AS u(item_code, item_name, bar_code, specification, unit, category, brand,
                       shelf_life_days, batch_managed, serial_managed, length_cm, width_cm, height_cm,
                       volume_cm3, gross_weight_kg, net_weight_kg, price, status, remark)
           ON CONFLICT ON CONSTRAINT products_key DO NOTHING"#,
        tenant.as_str(),
        &c.item_code as &[&str],
        &c.item_name as &[&str],
        &c.bar_code as &[Option<&str>],
        &c.specification as &[Option<&str>],
        &c.unit as &[Option<&str>],
        &c.category as &[Option<&str>],
        &c.brand as &[Option<&str>],
        &c.shelf_life_days as &[Option<i32>],
        &c.batch_managed as &[Option<bool>],
        &c.serial_managed as &[Option<bool>],
        &c.length as &[Option<Decimal>],
        &c.width as &[Option<Decimal>],
        &c.height as &[Option<Decimal>],
        &c.volume as &[Option<Decimal>],
        &c.gross_weight as &[Option<Decimal>],
        &c.net_weight as &[Option<Decimal>],
        &c.price as &[Option<Decimal>],
        &c.status as &[Option<&str>],
        &c.remark as &[Option<&str>]
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();

    // Rows just inserted compare equal to the batch, so they are not counted again here.
    let updated = sqlx::query!(
        r#"UPDATE products p SET
               item_name = n.item_name, bar_code = n.bar_code, specification = n.specification,
               unit = n.unit, category = n.category, brand = n.brand, shelf_life_days = n.shelf_life_days,
               batch_managed = n.batch_managed, serial_managed = n.serial_managed,
               length_cm = n.length_cm, width_cm = n.width_cm, height_cm = n.height_cm,
               volume_cm3 = n.volume_cm3, gross_weight_kg = n.gross_weight_kg,
               net_weight_kg = n.net_weight_kg, price = n.price, status = n.status, remark = n.remark
             FROM (
               SELECT o.id, u.item_name,
                      COALESCE(u.bar_code, o.bar_code) AS bar_code,
                      COALESCE(u.specification, o.specification) AS specification,
                      COALESCE(u.unit, o.unit) AS unit,
                      COALESCE(u.category, o.category) AS category,
                      COALESCE(u.brand, o.brand) AS brand,
                      COALESCE(u.shelf_life_days, o.shelf_life_days) AS shelf_life_days,
                      COALESCE(u.batch_managed, o.batch_managed) AS batch_managed,
                      COALESCE(u.serial_managed, o.serial_managed) AS serial_managed,
                      COALESCE(u.length_cm, o.length_cm) AS length_cm,
                      COALESCE(u.width_cm, o.width_cm) AS width_cm,
                      COALESCE(u.height_cm, o.height_cm) AS height_cm,
                      COALESCE(u.volume_cm3, o.volume_cm3) AS volume_cm3,
                      COALESCE(u.gross_weight_kg, o.gross_weight_kg) AS gross_weight_kg,
                      COALESCE(u.net_weight_kg, o.net_weight_kg) AS net_weight_kg,
                      COALESCE(u.price, o.price) AS price,
                      COALESCE(u.status, o.status) AS status,
                      COALESCE(u.remark, o.remark) AS remark
                 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                             $9::int4[], $10::bool[], $11::bool[], $12::numeric[], $13::numeric[], $14::numeric[],
                             $15::numeric[], $16::numeric[], $17::numeric[], $18::numeric[], $19::text[], $20::text[])
                      AS u(item_code, item_name, bar_code, specification, unit, category, brand,
                           shelf_life_days, batch_managed, serial_managed, length_cm, width_cm, height_cm,
                           volume_cm3, gross_weight_kg, net_weight_kg, price, status, remark)
                 JOIN products o ON o.tenant = $1 AND o.item_code = u.item_code
             ) n
            WHERE p.id = n.id
              AND (p.item_name, p.bar_code, p.specification, p.unit, p.category, p.brand, p.shelf_life_days,
                   p.batch_managed, p.serial_managed, p.length_cm, p.width_cm, p.height_cm, p.volume_cm3,
                   p.gross_weight_kg, p.net_weight_kg, p.price, p.status, p.remark)
                  IS DISTINCT FROM
                  (n.item_name, n.bar_code, n.specification, n.unit, n.category, n.brand, n.shelf_life_days,
                   n.batch_managed, n.serial_managed, n.length_cm, n.width_cm, n.height_cm, n.volume_cm3,
                   n.gross_weight_kg, n.net_weight_kg, n.price, n.status, n.remark)"#,
        tenant.as_str(),
        &c.item_code as &[&str],
        &c.item_name as &[&str],
        &c.bar_code as &[Option<&str>],
        &c.specification as &[Option<&str>],
        &c.unit as &[Option<&str>],
        &c.category as &[Option<&str>],
        &c.brand as &[Option<&str>],
        &c.shelf_life_days as &[Option<i32>],
        &c.batch_managed as &[Option<bool>],
        &c.serial_managed as &[Option<bool>],
        &c.length as &[Option<Decimal>],
        &c.width as &[Option<Decimal>],
        &c.height as &[Option<Decimal>],
        &c.volume as &[Option<Decimal>],
        &c.gross_weight as &[Option<Decimal>],
        &c.net_weight as &[Option<Decimal>],
        &c.price as &[Option<Decimal>],
        &c.status as &[Option<&str>],
        &c.remark as &[Option<&str>]
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(counts(products.len(), created, updated))
}

pub(super) fn counts(total: usize, created: u64, updated: u64) -> UpsertCounts {
    let created = created as u32;
    let updated = updated as u32;
    UpsertCounts {
        created,
        updated,
        unchanged: (total as u32).saturating_sub(created + updated),
    }
}

/// Upserts a batch of consignees (codes unique within the batch).
pub async fn upsert_consignees(
    conn: &mut PgConnection,
    tenant: &Tenant,
    consignees: &[Consignee],
) -> sqlx::Result<UpsertCounts> {
    let mut created = 0;
    let mut updated = 0;
    // Consignee batches are small (≤ 100) and wide; one statement pair per record keeps the SQL plain.
    for c in consignees {
        let ins = sqlx::query!(
            r#"INSERT INTO consignees (tenant, consignee_code, name, phone, contact, country_name, province_name,
                   city_name, area_name, street_name, address, post_code, remark)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
               ON CONFLICT ON CONSTRAINT consignees_key DO NOTHING"#,
            tenant.as_str(),
            c.consignee_code,
            c.name,
            c.phone,
            c.contact,
            c.country_name,
            c.province_name,
            c.city_name,
            c.area_name,
            c.street_name,
            c.address,
            c.post_code,
            c.remark
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if ins == 1 {
            created += 1;
            continue;
        }
        updated += sqlx::query!(
            r#"UPDATE consignees o SET
                   name = $3, phone = $4, contact = COALESCE($5, o.contact),
                   country_name = COALESCE($6, o.country_name), province_name = $7, city_name = $8,
                   area_name = COALESCE($9, o.area_name), street_name = COALESCE($10, o.street_name),
                   address = $11, post_code = COALESCE($12, o.post_code), remark = COALESCE($13, o.remark)
               WHERE o.tenant = $1 AND o.consignee_code = $2
                 AND (o.name, o.phone, o.contact, o.country_name, o.province_name, o.city_name, o.area_name,
                      o.street_name, o.address, o.post_code, o.remark)
                     IS DISTINCT FROM
                     ($3, $4, COALESCE($5, o.contact), COALESCE($6, o.country_name), $7, $8,
                      COALESCE($9, o.area_name), COALESCE($10, o.street_name), $11,
                      COALESCE($12, o.post_code), COALESCE($13, o.remark))"#,
            tenant.as_str(),
            c.consignee_code,
            c.name,
            c.phone,
            c.contact,
            c.country_name,
            c.province_name,
            c.city_name,
            c.area_name,
            c.street_name,
            c.address,
            c.post_code,
            c.remark
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(counts(consignees.len(), created, updated))
}

/// The item codes among `codes` that this tenant never synced.
pub async fn missing_products(
    conn: &mut PgConnection,
    tenant: &Tenant,
    codes: &[String],
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"SELECT c AS "code!" FROM UNNEST($2::text[]) WITH ORDINALITY AS u(c, i)
            WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.tenant = $1 AND p.item_code = u.c)
            ORDER BY i"#,
        tenant.as_str(),
        codes
    )
    .fetch_all(conn)
    .await
}

/// Updates only the given dimensions of each product; returns how many rows changed.
pub async fn update_dimensions(
    conn: &mut PgConnection,
    tenant: &Tenant,
    updates: &[DimensionUpdate],
) -> sqlx::Result<u64> {
    let codes: Vec<String> = updates.iter().map(|u| u.item_code.clone()).collect();
    let col = |f: fn(&DimensionUpdate) -> Option<Decimal>| -> Vec<Option<Decimal>> {
        updates.iter().map(f).collect()
    };
    let length = col(|u| u.dimensions.length_cm);
    let width = col(|u| u.dimensions.width_cm);
    let height = col(|u| u.dimensions.height_cm);
    let volume = col(|u| u.dimensions.volume_cm3);
    let gross = col(|u| u.dimensions.gross_weight_kg);
    let net = col(|u| u.dimensions.net_weight_kg);
    let r = sqlx::query!(
        r#"UPDATE products p SET
               length_cm = COALESCE(u.l, p.length_cm), width_cm = COALESCE(u.w, p.width_cm),
               height_cm = COALESCE(u.h, p.height_cm), volume_cm3 = COALESCE(u.v, p.volume_cm3),
               gross_weight_kg = COALESCE(u.g, p.gross_weight_kg), net_weight_kg = COALESCE(u.n, p.net_weight_kg)
             FROM UNNEST($2::text[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[])
                  AS u(code, l, w, h, v, g, n)
            WHERE p.tenant = $1 AND p.item_code = u.code
              AND (p.length_cm, p.width_cm, p.height_cm, p.volume_cm3, p.gross_weight_kg, p.net_weight_kg)
                  IS DISTINCT FROM
                  (COALESCE(u.l, p.length_cm), COALESCE(u.w, p.width_cm), COALESCE(u.h, p.height_cm),
                   COALESCE(u.v, p.volume_cm3), COALESCE(u.g, p.gross_weight_kg), COALESCE(u.n, p.net_weight_kg))"#,
        tenant.as_str(),
        &codes,
        &length as &[Option<Decimal>],
        &width as &[Option<Decimal>],
        &height as &[Option<Decimal>],
        &volume as &[Option<Decimal>],
        &gross as &[Option<Decimal>],
        &net as &[Option<Decimal>]
    )
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

/// The item codes of the tenant's products a code names: the products whose barcode it is,
/// or else the product with that item code. One row per (code, item code).
pub async fn products_by_barcode_or_code(
    conn: &mut PgConnection,
    tenant: &Tenant,
    codes: &[String],
) -> sqlx::Result<Vec<(String, String)>> {
    let rows = sqlx::query!(
        r#"WITH c AS (SELECT DISTINCT unnest($2::text[]) AS code),
                by_bar AS (SELECT c.code, p.item_code FROM c JOIN products p
                             ON p.tenant = $1 AND p.bar_code = c.code)
           SELECT code AS "code!", item_code AS "item_code!" FROM by_bar
           UNION ALL
           SELECT c.code, p.item_code FROM c JOIN products p ON p.tenant = $1 AND p.item_code = c.code
            WHERE NOT EXISTS (SELECT 1 FROM by_bar b WHERE b.code = c.code)
           ORDER BY 1, 2"#,
        tenant.as_str(),
        codes
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.code, r.item_code)).collect())
}
