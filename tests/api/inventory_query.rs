//! The inventory query on the sessions (#21): one text per combination of the filters given,
//! each planned once, generically (`store::inventory_query`).

use crate::helpers::*;
use crate::orders::*;
use hongxun_gateway::domain::client::Tenant;
use hongxun_gateway::store::inventory_query::{query, BalanceRow, InventoryFilter};
use hongxun_gateway::store::sessions::Sessions;
use sqlx::{PgConnection, PgPool};

const OWNERS: [&str; 2] = ["OW01", "OW02"];
const ITEMS: [&str; 4] = ["SKU-1", "SKU-2", "SKU-3", "SKU-4"];
const TYPES: [&str; 2] = ["ZP", "CC"];
const BATCHES: [&str; 2] = ["", "B1"];

/// Every (owner, item, type, batch) in WH01 and WH02 for C1, and WH01 for C2 (not C1's).
async fn balances(pool: &PgPool) {
    sqlx::query(
        "INSERT INTO inventory_balances (tenant, inventory_code, subbase_code, item_code, inventory_type, batch_code, on_hand) \
         SELECT t, w, o, i, ty, b, 5 FROM unnest($1::text[]) o, unnest($2::text[]) i, unnest($3::text[]) ty, \
                unnest($4::text[]) b, (VALUES ('C1', 'WH01'), ('C1', 'WH02'), ('C2', 'WH01')) x(t, w)",
    )
    .bind(OWNERS)
    .bind(ITEMS)
    .bind(TYPES)
    .bind(BATCHES)
    .execute(pool)
    .await
    .unwrap();
    // Names: C1's own for SKU-1..3, none for SKU-4; C2 names the same codes otherwise.
    sqlx::query(
        "INSERT INTO products (tenant, item_code, item_name) \
         SELECT t, i, t || ' ' || i FROM unnest($1::text[]) i, unnest(ARRAY['C1', 'C2']) t \
          WHERE t = 'C2' OR i <> 'SKU-4'",
    )
    .bind(ITEMS)
    .execute(pool)
    .await
    .unwrap();
}

/// The name C1's answer must give an item: its own product's, never another tenant's.
fn c1_name(item: &str) -> Option<String> {
    (item != "SKU-4").then(|| format!("C1 {item}"))
}

type Key = (String, String, String, String);

fn key(r: &BalanceRow) -> Key {
    (
        r.item_code.clone(),
        r.batch_code.clone(),
        r.subbase_code.clone(),
        r.inventory_type.clone(),
    )
}

/// C1's balances under `f`, and their total, on a lent session.
async fn ask(sessions: &Sessions, f: &InventoryFilter<'_>) -> (usize, Vec<BalanceRow>) {
    let (total, rows) = sessions
        .run(async |c: &mut PgConnection| query(c, &Tenant("C1".into()), f).await)
        .await
        .unwrap();
    (total as usize, rows)
}

/// Each of the 16 combinations of optional filters, on a session that plans generically as
/// the gateway's do, against the same filters applied here, in the query's order, with each
/// item's name from the caller's own products (another tenant names the same codes).
#[sqlx::test]
async fn every_combination_of_the_optional_filters_answers_as_they_say(pool: PgPool) {
    balances(&pool).await;
    let sessions = hongxun_gateway::startup::write_path(&pool).sessions;
    let items = ["SKU-1".to_string(), "SKU-3".to_string()];
    for bits in 0..16u32 {
        let on = |bit: u32| bits & (1 << bit) != 0;
        let f = InventoryFilter {
            inventory_code: "WH01",
            subbase_code: on(0).then_some("OW01"),
            item_codes: on(1).then_some(&items[..]),
            inventory_type: on(2).then_some("ZP"),
            batch_code: on(3).then_some("B1"),
            offset: 0,
            limit: 100,
        };
        let mut expected: Vec<Key> = Vec::new();
        for o in OWNERS {
            for i in ITEMS {
                for t in TYPES {
                    for b in BATCHES {
                        if f.subbase_code.is_none_or(|x| x == o)
                            && f.item_codes.is_none_or(|x| x.iter().any(|c| c == i))
                            && f.inventory_type.is_none_or(|x| x == t)
                            && f.batch_code.is_none_or(|x| x == b)
                        {
                            expected.push((i.into(), b.into(), o.into(), t.into()));
                        }
                    }
                }
            }
        }
        expected.sort();
        let (total, rows) = ask(&sessions, &f).await;
        let got: Vec<Key> = rows.iter().map(key).collect();
        assert_eq!(total, expected.len(), "filters {bits:04b}");
        assert_eq!(got, expected, "filters {bits:04b}");
        assert!(rows
            .iter()
            .all(|r| r.inventory_code == "WH01" && r.on_hand == 5));
        for r in &rows {
            assert_eq!(r.item_name, c1_name(&r.item_code), "filters {bits:04b}");
        }

        // A middle page, and a page past the end that still brings the total.
        let page = InventoryFilter {
            offset: 1,
            limit: 2,
            ..f
        };
        let (total, rows) = ask(&sessions, &page).await;
        assert_eq!(total, expected.len(), "filters {bits:04b}");
        let got: Vec<Key> = rows.iter().map(key).collect();
        assert_eq!(
            got,
            expected[1..3.min(expected.len())],
            "filters {bits:04b}"
        );
        for r in &rows {
            assert_eq!(r.item_name, c1_name(&r.item_code), "filters {bits:04b}");
        }
        let past = InventoryFilter {
            offset: 500,
            limit: 2,
            ..page
        };
        let (total, rows) = ask(&sessions, &past).await;
        assert_eq!((total, rows.len()), (expected.len(), 0));
    }
}

/// The usual call, one owner and a list of items, planned generically (as on the sessions),
/// reads those items' index entries and rows, not the warehouse's 20,000 balances: a text
/// with `($4 IS NULL OR item_code = ANY($4))` would count them all.
#[sqlx::test]
async fn a_query_of_some_items_reads_their_rows_not_the_whole_warehouse(pool: PgPool) {
    sqlx::query(
        "INSERT INTO inventory_balances (tenant, inventory_code, subbase_code, item_code, inventory_type, batch_code, on_hand) \
         SELECT 'C1', 'WH01', 'OW01', 'SKU-' || lpad(g::text, 5, '0'), 'ZP', '', g FROM generate_series(1, 20000) g",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE inventory_balances")
        .execute(&pool)
        .await
        .unwrap();
    let items: Vec<String> = (1..=20).map(|k| format!("SKU-{:05}", k * 997)).collect();
    let f = InventoryFilter {
        inventory_code: "WH01",
        subbase_code: Some("OW01"),
        item_codes: Some(&items),
        inventory_type: None,
        batch_code: None,
        offset: 0,
        limit: 100,
    };
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL plan_cache_mode = force_generic_plan")
        .execute(&mut *tx)
        .await
        .unwrap();
    let relations = ["inventory_balances", "inventory_balances_key"];
    let before = blocks_fetched(&mut tx, &relations).await;
    let (total, rows) = query(&mut tx, &Tenant("C1".into()), &f).await.unwrap();
    let read = blocks_fetched(&mut tx, &relations).await - before;
    assert_eq!((total, rows.len()), (20, 20));
    assert_eq!(rows[0].item_code, "SKU-00997");
    assert_eq!(rows[19].on_hand, 19940);
    let pages = pages_of(&mut tx, "inventory_balances").await;
    assert!(pages > 100, "{pages}");
    // Twice (count and page) 20 probes of the key and their heap pages: about 120.
    assert!(
        read < 250,
        "{read} blocks of the balances and their key read"
    );
}

/// The gateway's inventory queries run on a session (`hongxun-gateway/sessions`), not on the
/// main pool, and give their answer.
#[sqlx::test]
async fn the_gateways_inventory_query_runs_on_a_session(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 3).await;
    let r = app
        .call(
            INVENTORY,
            &who,
            r#"{"inventoryCode":"WH01","subbaseCode":"OW01","itemCodes":["SKU-1"]}"#,
        )
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["total"], 1);
    assert_eq!(r.body["value"]["items"][0]["availableQty"], 3);
    let served: Vec<String> = sqlx::query_scalar(
        "SELECT application_name FROM pg_stat_activity \
          WHERE datname = current_database() AND query LIKE 'SELECT t.n AS total%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(served, ["hongxun-gateway/sessions"]);
}
