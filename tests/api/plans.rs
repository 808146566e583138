//! The plan audit: every statement the gateway prepares (`.sqlx/`, one file per `query!`),
//! planned as the gateway's sessions plan it (once, generically: `plan_cache_mode =
//! force_generic_plan`, see `startup::write_path`) on a database in use (`plans_seed.sql`).
//! None may read a grown table whole, or walk a whole index and filter, to find a few rows.
//!
//! Why: a generic plan is made without the parameters' values, so an optional filter written
//! `($1 IS NULL OR col = $1)` cannot use an index, and a join's plan follows the statistics of
//! the day. Two such plans cost seconds per call at a warehouse's size before this audit (the
//! DWS scan's merge join over all orders, the route query's scan of a tenant's routes). The
//! rules and what they found are in docs/performance.md, twelfth part.

use std::collections::HashMap;

use serde_json::Value;
use sqlx::{PgPool, Row};

const SEED: &str = include_str!("plans_seed.sql");

/// A table with at least this many rows after the seed is "grown".
const GROWN: f32 = 1000.0;

/// Partial indexes whose rows are unfinished work (pending pushes, open slips): reading one whole
/// reads the queue, which is as large as the backlog and no larger.
const QUEUE_INDEXES: &[&str] = &[
    "push_outbox_client_due_idx",
    "push_outbox_due_idx",
    "slips_open_idx",
];

/// Statements allowed to read a grown table whole, by a piece of their text, and why.
const READ_WHOLE: &[(&str, &str)] = &[
    (
        "FROM warehouses WHERE tenant = $1",
        "a tenant's warehouses, with optional filters: tens of rows per tenant; the plan reads \
         them by sequential scan only while the tenant is a large part of the table",
    ),
    (
        "FROM vehicles WHERE tenant = $1 AND inventory_code = $2",
        "the count of one yard's vehicles with optional filters: the yard's rows are the answer's \
         domain",
    ),
    (
        "(SELECT count(*) FROM (SELECT 1 FROM push_outbox WHERE status = 'delivered' LIMIT $1) x)",
        "/metrics' capped counts by a literal status: planned with that status's real frequency, \
         a sequential scan is chosen only when the status is most of the table, and stops at the cap",
    ),
];

/// Whole reads reviewed on other databases (the bench's, the soak's) that the seed does not
/// bring about: allowed, and marked in the audit of a database of one's own.
const READ_WHOLE_ELSEWHERE: &[(&str, &str)] = &[(
    "UPDATE dws_scans SET match_status = $2 WHERE id = ANY($1) AND package_id IS NULL",
    "the partial index of scans still unmatched, chosen while they are few; as they grow the \
     statistics send the plan to the scans' key",
)];

/// The inventory query without a list of items (`store::inventory_query`): a warehouse's stock,
/// page by page, with its total. Its count reads the warehouse's balances, which is the answer's
/// domain, and only those: the page's item names are looked up by key, not by reading the
/// tenant's product master. The usual call names its items, and those texts must read by key.
fn whole_warehouse(sql: &str, reads: &[String]) -> bool {
    sql.contains("FROM inventory_balances b WHERE b.tenant = $1::text")
        && !sql.contains("b.item_code = ANY($4::text[])")
        && reads.iter().all(|r| r.contains(" on inventory_balances "))
}

/// The types `.sqlx/` names parameters by, as PostgreSQL spells them.
fn pg_type(sqlx_name: &str) -> &'static str {
    match sqlx_name {
        "Text" => "text",
        "TextArray" => "text[]",
        "Int2" => "int2",
        "Int4" => "int4",
        "Int4Array" => "int4[]",
        "Int8" => "int8",
        "Int8Array" => "int8[]",
        "Bool" => "bool",
        "BoolArray" => "bool[]",
        "Float8" => "float8",
        "Float8Array" => "float8[]",
        "Numeric" => "numeric",
        "NumericArray" => "numeric[]",
        "Date" => "date",
        "DateArray" => "date[]",
        "Timestamptz" => "timestamptz",
        "TimestamptzArray" => "timestamptz[]",
        "Uuid" => "uuid",
        "UuidArray" => "uuid[]",
        "Jsonb" => "jsonb",
        "Bytea" => "bytea",
        other => panic!("parameter type {other} unknown to the plan audit: add it to pg_type"),
    }
}

/// The nodes of `plan` that read a grown table whole: a sequential scan, or an index walked
/// without a condition, unless a Limit above it stops the walk and nothing filters it.
fn whole_reads(
    plan: &Value,
    sizes: &HashMap<String, f32>,
    under_limit: bool,
    out: &mut Vec<String>,
) {
    let node = plan["Node Type"].as_str().unwrap_or_default();
    // A Limit stops the nodes below it only where rows stream up one by one: not through a
    // sort, an aggregate, a hash or a join that may drop rows, which read all their input first
    // or reject some of it. A left nested loop without a join filter streams its outer side.
    let streams = matches!(
        node,
        "Limit"
            | "Result"
            | "Subquery Scan"
            | "Append"
            | "Merge Append"
            | "LockRows"
            | "Gather"
            | "Gather Merge"
    );
    let left_loop =
        node == "Nested Loop" && plan["Join Type"] == "Left" && plan.get("Join Filter").is_none();
    let above = under_limit;
    let under_limit = node == "Limit" || (above && streams);
    if let Some(rel) = plan["Relation Name"].as_str() {
        let rows = sizes.get(rel).copied().unwrap_or(0.0);
        let index = plan["Index Name"].as_str().unwrap_or_default();
        // A Limit stops an unfiltered walk after its rows; a filtered one may read everything.
        let stopped = under_limit && plan.get("Filter").is_none();
        let whole = match node {
            "Seq Scan" => !stopped,
            "Index Scan" | "Index Only Scan" => {
                plan.get("Index Cond").is_none() && !QUEUE_INDEXES.contains(&index) && !stopped
            }
            _ => false,
        };
        if whole && rows >= GROWN {
            out.push(format!(
                "{node} on {rel} ({rows} rows){}{}",
                if index.is_empty() {
                    String::new()
                } else {
                    format!(" using {index}")
                },
                plan["Filter"]
                    .as_str()
                    .map(|f| format!(", filter {f}"))
                    .unwrap_or_default()
            ));
        }
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        let outer = child["Parent Relationship"] == "Outer";
        whole_reads(
            child,
            sizes,
            under_limit || (left_loop && outer && above),
            out,
        );
    }
}

/// The generic plan of `sql` with parameters of `types`, on `conn`.
async fn generic_plan(conn: &mut sqlx::PgConnection, sql: &str, types: &[&str]) -> Value {
    let prepare = if types.is_empty() {
        format!("PREPARE audited AS {sql}")
    } else {
        format!("PREPARE audited ({}) AS {sql}", types.join(", "))
    };
    sqlx::raw_sql(&prepare)
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    let nulls = vec!["NULL"; types.len()].join(", ");
    let execute = if types.is_empty() {
        String::new()
    } else {
        format!("({nulls})")
    };
    let row = sqlx::raw_sql(&format!("EXPLAIN (FORMAT JSON) EXECUTE audited{execute}"))
        .fetch_one(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    sqlx::raw_sql("DEALLOCATE audited")
        .execute(&mut *conn)
        .await
        .unwrap();
    row.get::<Value, _>(0)
}

/// Every prepared statement's whole-table reads on the seeded database, by statement text.
async fn audit(
    pool: &PgPool,
    statements: &[(String, Vec<&'static str>)],
) -> Vec<(String, Vec<String>)> {
    let mut conn = pool.acquire().await.unwrap();
    sqlx::raw_sql(SEED).execute(&mut *conn).await.unwrap();
    sqlx::raw_sql("ANALYZE").execute(&mut *conn).await.unwrap();
    let (sizes, found) = audit_on(&mut conn, statements).await;
    assert!(
        sizes["orders"] >= 20000.0 && sizes["routes"] >= GROWN,
        "the seed grew the tables: {sizes:?}"
    );
    found
}

/// The whole-table reads of `statements`' generic plans on the database `conn` is in, as it
/// is (nothing written), with the tables' sizes.
async fn audit_on(
    conn: &mut sqlx::PgConnection,
    statements: &[(String, Vec<&'static str>)],
) -> (HashMap<String, f32>, Vec<(String, Vec<String>)>) {
    sqlx::raw_sql("SET plan_cache_mode = force_generic_plan")
        .execute(&mut *conn)
        .await
        .unwrap();
    let sizes: HashMap<String, f32> = sqlx::query_as(
        "SELECT relname::text, reltuples FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let mut found = Vec::new();
    for (sql, types) in statements {
        let plan = generic_plan(conn, sql, types).await;
        let mut reads = Vec::new();
        for p in plan.as_array().unwrap() {
            whole_reads(&p["Plan"], &sizes, false, &mut reads);
        }
        if !reads.is_empty() {
            found.push((sql.clone(), reads));
        }
    }
    (sizes, found)
}

/// The audit on a database of one's own, with its own statistics (a copy of production, or
/// the bench's or the soak's database): `HXGW_PLAN_AUDIT_URL=postgres://… cargo test --test api
/// plans::audit_the_database_at_hxgw_plan_audit_url -- --ignored --nocapture`. It writes
/// nothing (PREPARE and EXPLAIN without ANALYZE, on a session of its own) and lists what it
/// flags, the reviewed exceptions marked; it fails only if the database has not been migrated.
#[tokio::test]
#[ignore = "needs HXGW_PLAN_AUDIT_URL, a migrated database with data"]
async fn audit_the_database_at_hxgw_plan_audit_url() {
    use sqlx::Connection;
    let url = std::env::var("HXGW_PLAN_AUDIT_URL").expect("HXGW_PLAN_AUDIT_URL");
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let (sizes, found) = audit_on(&mut conn, &prepared_statements()).await;
    let grown = sizes.values().filter(|&&n| n >= GROWN).count();
    println!(
        "{} statements flagged ({grown} tables of {GROWN} rows or more):",
        found.len()
    );
    for (sql, reads) in &found {
        let known = READ_WHOLE
            .iter()
            .chain(READ_WHOLE_ELSEWHERE)
            .find(|(piece, _)| one_line(sql).contains(piece));
        let mark = match known {
            Some((_, why)) => format!(" [reviewed: {why}]"),
            None if whole_warehouse(sql, reads) => {
                " [reviewed: a warehouse's whole stock, counted]".to_owned()
            }
            None => String::new(),
        };
        println!("{}{mark}\n    {}", one_line(sql), reads.join("\n    "));
    }
}

/// The statements of `.sqlx/` and the inventory query's texts, with their parameters' types.
fn prepared_statements() -> Vec<(String, Vec<&'static str>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".sqlx");
    let mut statements: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            let types = v["describe"]["parameters"]["Left"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| pg_type(t.as_str().unwrap()))
                .collect();
            (v["query"].as_str().unwrap().to_owned(), types)
        })
        // The inventory query's texts are built from the filters given, not by `query!`.
        .chain(
            hongxun_gateway::store::inventory_query::texts()
                .map(|(text, types)| (text, types.to_vec())),
        )
        .collect();
    statements.sort();
    statements
}

/// A statement's text on one line, with single spaces.
fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[sqlx::test]
async fn no_statement_reads_a_grown_table_whole_to_find_a_few_rows(pool: PgPool) {
    let statements = prepared_statements();
    assert!(
        statements.len() > 150,
        "{} statements in .sqlx/",
        statements.len()
    );
    let found = audit(&pool, &statements).await;

    let allowed = |sql: &str, reads: &[String]| {
        whole_warehouse(sql, reads)
            || READ_WHOLE
                .iter()
                .chain(READ_WHOLE_ELSEWHERE)
                .any(|(piece, _)| one_line(sql).contains(piece))
    };
    assert!(
        found.iter().any(|(sql, reads)| whole_warehouse(sql, reads)),
        "the whole-warehouse exception matches nothing any more: remove it"
    );
    let offenders: Vec<_> = found
        .iter()
        .filter(|(sql, reads)| !allowed(sql, reads))
        .collect();
    assert!(
        offenders.is_empty(),
        "statements that read a grown table whole under their generic plan:\n{}",
        offenders
            .iter()
            .map(|(sql, reads)| format!(
                "{}\n    {}",
                sql.split_whitespace().collect::<Vec<_>>().join(" "),
                reads.join("\n    ")
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Every exception is still needed: one that no statement matches any more is stale.
    for (piece, why) in READ_WHOLE {
        assert!(
            found.iter().any(|(sql, _)| one_line(sql).contains(piece)),
            "the exception for `{piece}` ({why}) matches no whole read any more: remove it"
        );
    }
}

/// The audit catches what it is for: the route query as it was written before it (one join
/// with optional filters), an order's serial numbers without their index, and a Limit over a
/// sort of a whole table.
#[sqlx::test]
async fn the_audit_finds_the_plans_it_was_written_for(pool: PgPool) {
    let before = vec![
        (
            "SELECT r.waybill_no, o.order_code FROM routes r JOIN orders o ON o.id = r.order_id
              WHERE r.tenant = $1 AND ($2::text IS NULL OR r.waybill_no = $2) AND ($3::text IS NULL OR o.order_code = $3)
              ORDER BY r.node_time, r.id"
                .to_owned(),
            vec!["text", "text", "text"],
        ),
        (
            "SELECT id FROM serial_codes WHERE order_id = $1 AND open AND sn_code <> ''".to_owned(),
            vec!["int8"],
        ),
        // A Limit over a sort: the sort reads everything first.
        (
            "SELECT id FROM routes ORDER BY description, id LIMIT $1".to_owned(),
            vec!["int8"],
        ),
    ];
    sqlx::raw_sql("DROP INDEX serial_codes_order_idx")
        .execute(&pool)
        .await
        .unwrap();
    let found = audit(&pool, &before).await;
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0]
            .1
            .iter()
            .any(|r| r.contains("on orders") || r.contains("on routes")),
        "{found:#?}"
    );
    assert!(
        found[1]
            .1
            .iter()
            .any(|r| r.starts_with("Seq Scan on serial_codes")),
        "{found:#?}"
    );
    assert!(
        found[2]
            .1
            .iter()
            .any(|r| r.starts_with("Seq Scan on routes")),
        "{found:#?}"
    );
}

/// The statements rewritten for the audit answer as their old texts did, on the seeded
/// database: the console's scan and ledger pages and the push list (every status, with and
/// without a cursor), and the route query (by waybill, by order, by both, and another
/// tenant's waybill).
#[sqlx::test]
async fn the_rewritten_statements_answer_as_the_old_ones(pool: PgPool) {
    use hongxun_gateway::domain::client::Tenant;
    use hongxun_gateway::store::{carrier, console, pushes};
    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();

    let mut compared = 0;
    for status in [None, Some("MATCHED"), Some("UNMATCHED"), Some("AMBIGUOUS")] {
        // A cursor inside the status's scans: the 100th newest.
        let mid: i64 = sqlx::query_scalar(
            "SELECT id FROM dws_scans WHERE $1::text IS NULL OR match_status = $1 ORDER BY id DESC OFFSET 100 LIMIT 1",
        )
        .bind(status)
        .fetch_one(&pool)
        .await
        .unwrap();
        for before in [None, Some(mid)] {
            let new: Vec<(i64, String, Option<String>)> = console::scans(&pool, status, before, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.id, r.match_status, r.order_code))
                .collect();
            let old: Vec<(i64, String, Option<String>)> = sqlx::query_as(
                "SELECT d.id, d.match_status, o.order_code
                   FROM dws_scans d LEFT JOIN packages g ON g.id = d.package_id LEFT JOIN orders o ON o.id = g.order_id
                  WHERE ($1::text IS NULL OR d.match_status = $1) AND ($2::int8 IS NULL OR d.id < $2)
                  ORDER BY d.id DESC LIMIT 50",
            )
            .bind(status)
            .bind(before)
            .fetch_all(&pool)
            .await
            .unwrap();
            assert!(!old.is_empty(), "{status:?} {before:?}");
            assert_eq!(new, old, "scans {status:?} before {before:?}");
            compared += 1;
        }
    }

    let (balance, mid): (i64, i64) = sqlx::query_as(
        "SELECT balance_id, (array_agg(id ORDER BY id))[20000] FROM inventory_movements
          GROUP BY balance_id ORDER BY count(*) DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    for before in [None, Some(mid)] {
        let new: Vec<i64> = console::movements(&pool, balance, before, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        let old: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM inventory_movements WHERE balance_id = $1 AND ($2::int8 IS NULL OR id < $2)
              ORDER BY id DESC LIMIT 50",
        )
        .bind(balance)
        .bind(before)
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!((new.len(), &new), (50, &old), "movements before {before:?}");
        compared += 1;
    }

    for status in ["pending", "delivered", "dead", "skipped"] {
        let new: Vec<i64> = pushes::list(&pool, status, 30)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        let old: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM push_outbox WHERE status = $1 ORDER BY id DESC LIMIT 30",
        )
        .bind(status)
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(new, old, "pushes {status}");
        compared += 1;
    }

    let (code, waybill): (String, String) = sqlx::query_as(
        "SELECT order_code, waybill_no FROM orders WHERE tenant = 'BIG' AND id % 7 = 3 LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let other_waybill: String =
        sqlx::query_scalar("SELECT waybill_no FROM orders WHERE tenant = 'SMALL' LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let big = Tenant("BIG".into());
    for (w, c) in [
        (Some(waybill.as_str()), None),
        (None, Some(code.as_str())),
        (Some(waybill.as_str()), Some(code.as_str())),
        (Some(waybill.as_str()), Some("NO-SUCH")),
        (Some(other_waybill.as_str()), None),
    ] {
        let mut conn = pool.acquire().await.unwrap();
        let new: Vec<(String, String, Option<String>)> = carrier::routes_of(&mut conn, &big, w, c)
            .await
            .unwrap()
            .into_iter()
            .map(|(r, code, _)| (r.waybill_no, r.node_time.to_rfc3339(), code))
            .collect();
        let old: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT r.waybill_no, to_char(r.node_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), o.order_code
               FROM routes r JOIN orders o ON o.id = r.order_id
              WHERE r.tenant = $1 AND ($2::text IS NULL OR r.waybill_no = $2) AND ($3::text IS NULL OR o.order_code = $3)
              ORDER BY r.node_time, r.id",
        )
        .bind("BIG")
        .bind(w)
        .bind(c)
        .fetch_all(&pool)
        .await
        .unwrap();
        let strip = |v: &[(String, String, Option<String>)]| {
            v.iter()
                .map(|(w, t, c)| (w.clone(), t[..19].to_owned(), c.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&new), strip(&old), "routes of {w:?} / {c:?}");
        compared += 1;
    }
    // Both keys name the order's two nodes; a wrong code or another tenant's waybill, none.
    assert_eq!(compared, 8 + 2 + 4 + 5);
}

/// Both pools' connections run without JIT unless `database.jit` asks for it. Planned
/// generically, the console's scan page is estimated at 200,000 (PostgreSQL guesses a tenth of
/// the table for `LIMIT $3`), above `jit_above_cost`: it was compiled on every call, 8–20 ms for
/// a query that runs in 0.15 ms (docs/performance.md, twelfth part).
#[tokio::test]
async fn the_gateways_connections_run_without_jit() {
    use hongxun_gateway::{config::Settings, startup};
    for (asked, expected) in [(false, "off"), (true, "on")] {
        let mut settings = Settings::defaults().unwrap();
        settings.database.url = Some(std::env::var("DATABASE_URL").unwrap().into());
        settings.database.jit = asked;
        let db = startup::pool(&settings).unwrap();
        let writes = startup::write_path(&db);
        let on_pool: String = sqlx::query_scalar("SHOW jit").fetch_one(&db).await.unwrap();
        let on_session: (String, String) = writes
            .sessions
            .run(async |c| {
                sqlx::query_as("SELECT current_setting('jit'), current_setting('plan_cache_mode')")
                    .fetch_one(c)
                    .await
            })
            .await
            .unwrap();
        assert_eq!(
            (
                on_pool.as_str(),
                on_session.0.as_str(),
                on_session.1.as_str()
            ),
            (expected, expected, "force_generic_plan"),
            "database.jit = {asked}"
        );
    }
}

/// Every foreign key into a table the gateway deletes from (by a statement of `.sqlx/`, or by a
/// cascade from one) has an index that starts with its referencing column: otherwise PostgreSQL
/// checks or cascades each deleted row by reading the referencing table whole.
#[sqlx::test]
async fn every_foreign_key_into_a_table_the_gateway_deletes_from_is_indexed(pool: PgPool) {
    let mut deleted: std::collections::BTreeSet<String> = prepared_statements()
        .iter()
        .flat_map(|(sql, _)| {
            let words: Vec<&str> = sql.split_whitespace().collect();
            words
                .windows(3)
                .filter(|w| {
                    w[0].eq_ignore_ascii_case("DELETE") && w[1].eq_ignore_ascii_case("FROM")
                })
                .map(|w| w[2].trim_end_matches(';').to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        deleted.contains("push_outbox") && deleted.contains("lpns"),
        "{deleted:?}"
    );
    // (child, column, parent, cascades, indexed) for every foreign key.
    let keys: Vec<(String, String, String, bool, bool)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, a.attname::text, c.confrelid::regclass::text, c.confdeltype = 'c',
                EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
           FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
          WHERE c.contype = 'f'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // Rows deleted by a cascade are deleted too.
    loop {
        let more: Vec<String> = keys
            .iter()
            .filter(|k| k.3 && deleted.contains(&k.2) && !deleted.contains(&k.0))
            .map(|k| k.0.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        deleted.extend(more);
    }
    let unindexed: Vec<String> = keys
        .iter()
        .filter(|k| deleted.contains(&k.2) && !k.4)
        .map(|k| format!("{}.{} → {}", k.0, k.1, k.2))
        .collect();
    assert!(
        unindexed.is_empty(),
        "deleted from {deleted:?}; foreign keys without an index: {unindexed:?}"
    );
}
