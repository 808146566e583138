//! What an order refers to (warehouse/owner pairs, items, consignees), checked against base data.

use crate::domain::client::Tenant;
use crate::domain::order::MissingRefs;
use crate::store::PgConnection;

/// What an order (or adjustment) refers to, to be checked against the tenant's base data.
pub struct References<'a> {
    /// (warehouse, owner) pairs.
    pub inventory_orgs: &'a [(String, String)],
    pub products: &'a [String],
    pub consignees: &'a [String],
}

/// Every reference this tenant never synced, in one round trip.
pub async fn missing_references(
    conn: &mut PgConnection,
    tenant: &Tenant,
    refs: &References<'_>,
) -> sqlx::Result<MissingRefs> {
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
    let mut missing = MissingRefs::default();
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
