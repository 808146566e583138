//! A product sync in one statement (#21): the replay key with its outcome, the new products and
//! the changed ones, in one implicit transaction — one round trip instead of six. The same
//! rules as `base_data::upsert_products`: absent optional fields keep their stored value, an
//! unchanged product is not rewritten, an earlier call with the same signature answers its
//! stored outcome and changes nothing. Any race with a concurrent call (its replay key, or a
//! product it inserted meanwhile) makes the statement fail on a unique violation, having
//! written nothing; the caller then takes the step-by-step path, which waits for the other call.

use super::base_data::{counts, ProductColumns};
use super::orders::one_statement::SignedKey;
use super::sessions::Sessions;
use crate::domain::base_data::{Product, UpsertCounts};
use crate::domain::client::Tenant;
use rust_decimal::Decimal;

/// What the statement did.
pub enum Synced {
    /// The same signed call committed earlier: its stored outcome.
    Replayed(serde_json::Value),
    Done(UpsertCounts),
}

/// Whether an error is a race the step-by-step path must decide.
pub fn lost_race(e: &sqlx::Error) -> bool {
    super::is_unique_violation(e, "replay_keys_pkey")
        || super::is_unique_violation(e, "products_key")
}

/// Upserts a batch of products (item codes unique within the batch) in one statement.
pub async fn upsert_products(
    sessions: &Sessions,
    tenant: &Tenant,
    products: &[Product],
    key: Option<&SignedKey<'_>>,
) -> sqlx::Result<Synced> {
    let c = ProductColumns::new(products);
    let statement = sqlx::query!(
        r#"WITH prior AS (
               SELECT outcome FROM replay_keys
                WHERE $22::text IS NOT NULL AND client_id = $21 AND endpoint = $22 AND sign = $23),
           go AS (SELECT NOT EXISTS (SELECT 1 FROM prior) AS go),
           u AS (
               SELECT * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                    $8::text[], $9::int4[], $10::bool[], $11::bool[], $12::numeric[],
                                    $13::numeric[], $14::numeric[], $15::numeric[], $16::numeric[],
                                    $17::numeric[], $18::numeric[], $19::text[], $20::text[])
                 AS u(item_code, item_name, bar_code, specification, unit, category, brand,
                      shelf_life_days, batch_managed, serial_managed, length_cm, width_cm, height_cm,
                      volume_cm3, gross_weight_kg, net_weight_kg, price, status, remark)),
           merged AS (
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
                      COALESCE(u.remark, o.remark) AS remark,
                      (o.item_name, o.bar_code, o.specification, o.unit, o.category, o.brand,
                       o.shelf_life_days, o.batch_managed, o.serial_managed, o.length_cm, o.width_cm,
                       o.height_cm, o.volume_cm3, o.gross_weight_kg, o.net_weight_kg, o.price, o.status,
                       o.remark) AS was
                 FROM u JOIN products o ON o.tenant = $1 AND o.item_code = u.item_code),
           ins AS (
               INSERT INTO products (tenant, item_code, item_name, bar_code, specification, unit, category,
                      brand, shelf_life_days, batch_managed, serial_managed, length_cm, width_cm, height_cm,
                      volume_cm3, gross_weight_kg, net_weight_kg, price, status, remark)
               SELECT $1, u.item_code, u.item_name, u.bar_code, u.specification, u.unit, u.category, u.brand,
                      u.shelf_life_days, COALESCE(u.batch_managed, false), COALESCE(u.serial_managed, false),
                      u.length_cm, u.width_cm, u.height_cm, u.volume_cm3, u.gross_weight_kg, u.net_weight_kg,
                      u.price, COALESCE(u.status, 'ENABLED'), u.remark
                 FROM u, go
                WHERE go.go AND NOT EXISTS (SELECT 1 FROM products o WHERE o.tenant = $1 AND o.item_code = u.item_code)
               RETURNING 1 AS one),
           upd AS (
               UPDATE products p SET
                      item_name = m.item_name, bar_code = m.bar_code, specification = m.specification,
                      unit = m.unit, category = m.category, brand = m.brand, shelf_life_days = m.shelf_life_days,
                      batch_managed = m.batch_managed, serial_managed = m.serial_managed,
                      length_cm = m.length_cm, width_cm = m.width_cm, height_cm = m.height_cm,
                      volume_cm3 = m.volume_cm3, gross_weight_kg = m.gross_weight_kg,
                      net_weight_kg = m.net_weight_kg, price = m.price, status = m.status, remark = m.remark
                 FROM merged m, go
                WHERE go.go AND p.id = m.id
                  AND m.was IS DISTINCT FROM
                      (m.item_name, m.bar_code, m.specification, m.unit, m.category, m.brand, m.shelf_life_days,
                       m.batch_managed, m.serial_managed, m.length_cm, m.width_cm, m.height_cm, m.volume_cm3,
                       m.gross_weight_kg, m.net_weight_kg, m.price, m.status, m.remark)
               RETURNING 1 AS one),
           claimed AS (
               INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
               SELECT $21, $23, $22,
                      jsonb_build_object('created', (SELECT count(*) FROM ins), 'updated', (SELECT count(*) FROM upd),
                                         'unchanged', $24::int8 - (SELECT count(*) FROM ins) - (SELECT count(*) FROM upd))
                 FROM go WHERE go.go AND $22::text IS NOT NULL
               RETURNING 1 AS one)
           SELECT (SELECT outcome FROM prior) AS prior, (SELECT count(*) FROM ins) AS "created!",
                  (SELECT count(*) FROM upd) AS "updated!", (SELECT count(*) FROM claimed) AS "claimed!""#,
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
        &c.remark as &[Option<&str>],
        key.map(|k| k.client_id),
        key.map(|k| k.endpoint),
        key.map(|k| k.sign),
        products.len() as i64
    );
    let r = sessions
        .run(async |conn| statement.fetch_one(conn).await)
        .await?;
    Ok(match r.prior {
        Some(stored) => Synced::Replayed(stored),
        None => Synced::Done(counts(products.len(), r.created as u64, r.updated as u64)),
    })
}
