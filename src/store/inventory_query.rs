//! The inventory query (hongxun `inventoryQuery`, Qimen `inventory.query`), run as one
//! statement on a lent session (#21).
//!
//! The sessions plan every statement once (`plan_cache_mode = force_generic_plan`, see
//! `startup::write_path`). A generic plan cannot drop an optional filter written as
//! `($3 IS NULL OR b.subbase_code = $3)`, so it could not use the balances' key for the
//! owner and the items either: it would read the whole warehouse to count 20 items. So the
//! text names only the filters the call gives, one of 16 texts, each of which has a good
//! generic plan (the key `(tenant, inventory_code, subbase_code, item_code, …)` serves the
//! usual call: one owner, a list of items). Every call binds all eight parameters, declared
//! by type, so a text that does not name one is still valid.

use super::PgConnection;
use crate::domain::client::Tenant;
use chrono::NaiveDate;
use sqlx::postgres::PgRow;
use sqlx::Row;
use std::sync::OnceLock;

/// Filters of the inventory query.
pub struct InventoryFilter<'a> {
    pub inventory_code: &'a str,
    pub subbase_code: Option<&'a str>,
    pub item_codes: Option<&'a [String]>,
    pub inventory_type: Option<&'a str>,
    pub batch_code: Option<&'a str>,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone)]
pub struct BalanceRow {
    pub inventory_code: String,
    pub subbase_code: String,
    pub item_code: String,
    pub item_name: Option<String>,
    pub inventory_type: String,
    pub batch_code: String,
    pub product_date: Option<NaiveDate>,
    pub expire_date: Option<NaiveDate>,
    pub on_hand: i64,
    pub reserved: i64,
}

/// One row of the statement: the total on every row; a page past the end still brings the
/// total, as one row with no balance.
struct PageRow {
    total: i64,
    inventory_code: Option<String>,
    subbase_code: Option<String>,
    item_code: Option<String>,
    item_name: Option<String>,
    inventory_type: Option<String>,
    batch_code: Option<String>,
    product_date: Option<NaiveDate>,
    expire_date: Option<NaiveDate>,
    on_hand: Option<i64>,
    reserved: Option<i64>,
}

/// Read by position, in the text's select order. The derived `FromRow` reads by name, hashing
/// each column's name for every row: with 11 columns and 20 rows per answer that was about a
/// tenth of the gateway's CPU for an inventory query (`perf`, #21's thirteenth part).
impl<'r> sqlx::FromRow<'r, PgRow> for PageRow {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        Ok(Self {
            total: row.try_get(0)?,
            inventory_code: row.try_get(1)?,
            subbase_code: row.try_get(2)?,
            item_code: row.try_get(3)?,
            item_name: row.try_get(4)?,
            inventory_type: row.try_get(5)?,
            batch_code: row.try_get(6)?,
            product_date: row.try_get(7)?,
            expire_date: row.try_get(8)?,
            on_hand: row.try_get(9)?,
            reserved: row.try_get(10)?,
        })
    }
}

/// One page of balances, ordered by item code then batch, and the total count, in one
/// statement: the count and the page stay separate subqueries, each with its own plan (the
/// page walks in order and stops at its limit).
pub async fn query(
    conn: &mut PgConnection,
    tenant: &Tenant,
    f: &InventoryFilter<'_>,
) -> sqlx::Result<(i64, Vec<BalanceRow>)> {
    let rows: Vec<PageRow> = sqlx::query_as(statement(f))
        .bind(tenant.as_str())
        .bind(f.inventory_code)
        .bind(f.subbase_code)
        .bind(f.item_codes)
        .bind(f.inventory_type)
        .bind(f.batch_code)
        .bind(f.offset)
        .bind(f.limit)
        .fetch_all(conn)
        .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let page = rows
        .into_iter()
        .filter_map(|r| {
            Some(BalanceRow {
                inventory_code: r.inventory_code?,
                subbase_code: r.subbase_code?,
                item_code: r.item_code?,
                item_name: r.item_name,
                inventory_type: r.inventory_type?,
                batch_code: r.batch_code?,
                product_date: r.product_date,
                expire_date: r.expire_date,
                on_hand: r.on_hand?,
                reserved: r.reserved?,
            })
        })
        .collect();
    Ok((total, page))
}

/// The optional filters, in the order of their bit in [`statement`]'s index.
const OPTIONAL: [&str; 4] = [
    " AND b.subbase_code = $3::text",
    " AND b.item_code = ANY($4::text[])",
    " AND b.inventory_type = $5::text",
    " AND b.batch_code = $6::text",
];

/// Every text the query may run, with its parameters' types: what tests/api/plans.rs audits
/// besides `.sqlx/` (these texts are built here, not by `query!`).
pub fn texts() -> impl Iterator<Item = (String, [&'static str; 8])> {
    const TYPES: [&str; 8] = [
        "text", "text", "text", "text[]", "text", "text", "int8", "int8",
    ];
    (0..1 << OPTIONAL.len()).map(|i| (text(i), TYPES))
}

/// The text for the filters `f` gives, made once per combination (the same text each time,
/// so each session prepares it once).
fn statement(f: &InventoryFilter<'_>) -> &'static str {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    let given = [
        f.subbase_code.is_some(),
        f.item_codes.is_some(),
        f.inventory_type.is_some(),
        f.batch_code.is_some(),
    ];
    let index = given
        .iter()
        .enumerate()
        .fold(0, |n, (bit, &on)| n | (usize::from(on) << bit));
    &TEXTS.get_or_init(|| (0..1 << OPTIONAL.len()).map(text).collect())[index]
}

fn text(index: usize) -> String {
    let mut filters = String::from("b.tenant = $1::text AND b.inventory_code = $2::text");
    for (bit, filter) in OPTIONAL.iter().enumerate() {
        if index & (1 << bit) != 0 {
            filters.push_str(filter);
        }
    }
    // The item's name is looked up per row of the page, after its limit (a scalar subquery is
    // never made a join): a join inside the page looked names up for every row the offset
    // skips, and on a table's wrong estimates hashed the tenant's whole product master.
    format!(
        r#"SELECT t.n AS total, r.inventory_code, r.subbase_code, r.item_code,
                  (SELECT p.item_name FROM products p WHERE p.tenant = $1::text AND p.item_code = r.item_code)
                      AS item_name,
                  r.inventory_type, r.batch_code, r.product_date, r.expire_date, r.on_hand, r.reserved
             FROM (SELECT count(*) AS n FROM inventory_balances b WHERE {filters}) t
             LEFT JOIN LATERAL (
                   SELECT b.inventory_code, b.subbase_code, b.item_code, b.inventory_type,
                          b.batch_code, b.product_date, b.expire_date, b.on_hand, b.reserved
                     FROM inventory_balances b
                    WHERE {filters}
                    ORDER BY b.item_code, b.batch_code, b.subbase_code, b.inventory_type
                   OFFSET $7::int8 LIMIT $8::int8) r ON true
            ORDER BY r.item_code, r.batch_code, r.subbase_code, r.inventory_type"#
    )
}
