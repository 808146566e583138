//! Inbound orders are written in one statement (#21, `store::orders::one_statement`). What it
//! must keep from the step-by-step path: concurrent calls that race on the same signature or
//! the same order code still take effect once, answer the same order, and a loser of the race
//! answers as the step-by-step path decides (replayed, or the existing order).

use crate::helpers::*;
use crate::orders::{customer_with_base_data, in_order, out_order, stock, IN};
use hongxun_gateway::auth::timestamp;
use serde_json::json;
use sqlx::PgPool;

const OUT: &str = "/dtc/logistics/outOrder";

/// Sends `bodies` at once while the test holds `orders` locked, so that every statement is
/// inside the database (its snapshot taken, its replay key claimed or waiting) before any
/// order can be inserted; then lets them go.
async fn together(app: &TestApp, pool: &PgPool, bodies: Vec<String>) -> Vec<Reply> {
    together_at(app, pool, IN, bodies).await
}

async fn together_at(
    app: &TestApp,
    pool: &PgPool,
    path: &'static str,
    bodies: Vec<String>,
) -> Vec<Reply> {
    let mut hold = pool.begin().await.unwrap();
    let table = if path == PRODUCT_PATH {
        "products"
    } else {
        "orders"
    };
    sqlx::query(&format!("LOCK TABLE {table} IN EXCLUSIVE MODE"))
        .execute(&mut *hold)
        .await
        .unwrap();
    let n = bodies.len() as i64;
    let mut set = tokio::task::JoinSet::new();
    for body in bodies {
        let a = TestApp::attach(app.base.clone(), pool.clone());
        set.spawn(async move { a.post_raw(path, body).await });
    }
    wait_for_lock_waiters(pool, n).await;
    hold.rollback().await.unwrap();
    set.join_all().await
}

async fn counts(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines),
                (SELECT count(*) FROM order_events)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn the_same_signed_order_sent_eight_times_at_once_is_written_once(pool: PgPool) {
    let pool = wide_pool(&pool, 16).await;
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    let body = signed_body(
        &who,
        &timestamp::format(app.now()),
        None,
        &in_order("RACE-1"),
    );
    let replies = together(&app, &pool, vec![body; 8]).await;
    let fresh: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_none())
        .collect();
    assert_eq!(fresh.len(), 1, "exactly one call took effect");
    let hx = fresh[0].body["value"]["hxOrderNo"].clone();
    for r in &replies {
        r.expect(200, 200);
        assert_eq!(r.body["value"]["hxOrderNo"], hx);
        assert_eq!(r.body["value"]["status"], "CREATED");
    }
    assert_eq!(counts(&pool).await, (1, 2, 1));
}

#[sqlx::test]
async fn one_order_signed_eight_ways_at_once_is_written_once(pool: PgPool) {
    let pool = wide_pool(&pool, 16).await;
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    // Eight signatures (eight timestamps) of the same content.
    let now = app.now();
    let bodies = (0..8)
        .map(|i| {
            let at = now - chrono::TimeDelta::seconds(i);
            signed_body(&who, &timestamp::format(at), None, &in_order("RACE-2"))
        })
        .collect();
    let replies = together(&app, &pool, bodies).await;
    let mut new = 0;
    let hx = replies[0].body["value"]["hxOrderNo"].clone();
    for r in &replies {
        r.expect(200, 200);
        assert_eq!(r.header("idempotent-replayed"), None);
        assert_eq!(r.body["value"]["hxOrderNo"], hx);
        if !r.message().contains("already exists") {
            new += 1;
        }
    }
    assert_eq!(new, 1, "one call created the order, seven found it");
    assert_eq!(counts(&pool).await, (1, 2, 1));
    // Every signature is kept with its own outcome: each one sent again answers as it did.
    let kept: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM replay_keys WHERE endpoint = '/dtc/logistics/inOrder' AND outcome <> 'null'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(kept, 8);
}

/// Outbound orders reserve in the same statement: eight identical calls at once reserve once;
/// eight different orders at once for more than is there reserve what is there, FIFO by
/// expiry, and the rest are refused line by line (the statement stops, the step-by-step path
/// answers 3005); balances, reservations and the ledger agree.
#[sqlx::test]
async fn outbound_orders_racing_for_stock_reserve_it_once_and_never_beyond(pool: PgPool) {
    let pool = wide_pool(&pool, 16).await;
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    stock(&app, &who, "OW01", "SKU-1", "LATE", Some("2027-12-31"), 10).await;
    stock(&app, &who, "OW01", "SKU-1", "EARLY", Some("2027-01-31"), 3).await;
    stock(&app, &who, "OW01", "SKU-2", "", None, 8).await;
    let lines = json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 2},
                       {"lineNo": "2", "itemCode": "SKU-2", "planQty": 1}]);
    let body = signed_body(
        &who,
        &timestamp::format(app.now()),
        None,
        &out_order("OUT-SAME", lines),
    );
    let replies = together_at(&app, &pool, OUT, vec![body; 8]).await;
    let fresh = replies
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_none())
        .count();
    assert_eq!(fresh, 1);
    for r in &replies {
        r.expect(200, 200);
    }
    // The earliest expiry first.
    let held: Vec<(String, i64)> = sqlx::query_as(
        "SELECT b.batch_code, r.qty FROM reservations r JOIN inventory_balances b ON b.id = r.balance_id
          WHERE b.item_code = 'SKU-1' ORDER BY b.batch_code",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(held, [("EARLY".to_string(), 2)]);

    // Eight orders of 3 + 1 at once: SKU-1 has 11 left, so three are taken (EARLY's last 1
    // then LATE), and the other five refused naming SKU-1 with what was available.
    let now = app.now();
    let bodies = (0..8)
        .map(|i| {
            let lines = json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 4},
                               {"lineNo": "2", "itemCode": "SKU-2", "planQty": 1}]);
            signed_body(
                &who,
                &timestamp::format(now),
                None,
                &out_order(&format!("OUT-{i}"), lines),
            )
        })
        .collect();
    let replies = together_at(&app, &pool, OUT, bodies).await;
    let taken = replies.iter().filter(|r| r.body["code"] == 200).count();
    assert_eq!(taken, 2, "11 units of SKU-1 cover two orders of 4");
    for r in replies.iter().filter(|r| r.body["code"] != 200) {
        r.expect(3005, 409);
        assert_eq!(
            r.body["value"]["shortages"][0]["itemCode"], "SKU-1",
            "{}",
            r.body
        );
    }
    let (reserved, held, ledger): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT sum(reserved) FROM inventory_balances)::int8,
                (SELECT sum(qty) FROM reservations)::int8,
                (SELECT sum(reserved_delta) FROM inventory_movements)::int8",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (reserved, held, ledger),
        (2 + 1 + 2 * 5, 2 + 1 + 2 * 5, 2 + 1 + 2 * 5)
    );
    let over: i64 =
        sqlx::query_scalar("SELECT count(*) FROM inventory_balances WHERE reserved > on_hand")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(over, 0);
}

/// Product syncs are one statement too: eight identical signed syncs at once take effect once
/// and answer alike; eight syncs of the same new products under eight signatures at once
/// create each product once, and the others find it (updated or unchanged), nothing lost.
#[sqlx::test]
async fn product_syncs_racing_create_each_product_once(pool: PgPool) {
    let pool = wide_pool(&pool, 16).await;
    let app = spawn_app(pool.clone()).await;
    let who = app
        .identity(
            hongxun_gateway::domain::client::ClientKind::Customer,
            "C001",
            "ERP01",
        )
        .await;
    let products = |name: &str| {
        json!({"products": (0..20).map(|i| json!({"itemCode": format!("P-{i}"), "itemName": name, "unit": "个"})).collect::<Vec<_>>()})
            .to_string()
    };
    let body = signed_body(&who, &timestamp::format(app.now()), None, &products("杯子"));
    let replies = together_at(&app, &pool, PRODUCT_PATH, vec![body; 8]).await;
    let fresh: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_none())
        .collect();
    assert_eq!(fresh.len(), 1, "exactly one call took effect");
    for r in &replies {
        r.expect(200, 200);
        assert_eq!(r.body["value"], fresh[0].body["value"]);
    }
    assert_eq!(fresh[0].body["value"]["created"], 20, "{:#}", fresh[0].body);

    // Eight signatures, new products, two contents: each product created once.
    let now = app.now();
    let bodies = (0..8)
        .map(|i| {
            let at = now - chrono::TimeDelta::seconds(i);
            let content = json!({"products": (0..20).map(|k| json!({"itemCode": format!("Q-{k}"),
                "itemName": if i % 2 == 0 { "碗" } else { "盘" }})).collect::<Vec<_>>()});
            signed_body(&who, &timestamp::format(at), None, &content.to_string())
        })
        .collect();
    let replies = together_at(&app, &pool, PRODUCT_PATH, bodies).await;
    let created: i64 = replies
        .iter()
        .map(|r| {
            r.expect(200, 200);
            r.body["value"]["created"].as_i64().unwrap()
        })
        .sum();
    assert_eq!(created, 20, "each product created by exactly one call");
    let (n, names): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT item_name) FROM products WHERE item_code LIKE 'Q-%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((n, names), (20, 1), "one content won, whole");
}

/// DWS scans are one read and one write: the write takes the candidates as read (the digest
/// the store computes is the one the statement computes), and stops without writing anything
/// (HX001, which sends the call down the step-by-step path) when they changed since.
#[sqlx::test]
async fn a_dws_write_takes_the_candidates_it_read_and_stops_when_they_changed(pool: PgPool) {
    use hongxun_gateway::store::{self, dws_one_statement as one};
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    let (who, _receiver) = crate::pushes::customer(&app).await;
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    crate::carrier::shipped_order(&app, &who, &token, "OUT-D1", "P-D1", "SF-D1").await;
    app.identity(
        hongxun_gateway::domain::client::ClientKind::Device,
        "DWS-1",
        "LINE",
    )
    .await;
    let device: i64 = sqlx::query_scalar("SELECT id FROM clients WHERE create_by = 'DWS-1'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let barcodes = vec!["SF-D1".to_string()];
    let candidates = {
        let mut conn = pool.acquire().await.unwrap();
        store::carrier::package_candidates(&mut conn, &barcodes, false)
            .await
            .unwrap()
    };
    let package = candidates["SF-D1"][0].1.id;
    let plan = |at: i64| one::ScanPlan {
        scan: store::carrier::Scan {
            barcode: "SF-D1".into(),
            weight_kg: rust_decimal::Decimal::new(1_100, 3),
            length_cm: None,
            width_cm: None,
            height_cm: None,
            volume_cm3: None,
            scan_time: chrono::DateTime::from_timestamp(at, 0).unwrap(),
        },
        package_id: Some(package),
        ambiguous: false,
        deviation: Some(rust_decimal::Decimal::new(1, 1)),
        shown_deviation: Some(0.1),
        flagged: false,
        reason: None,
        order_code: Some("OUT-D1".into()),
    };
    // As read: written, measured, answered.
    let digest = one::candidates_digest(&candidates);
    let mut conn = pool.acquire().await.unwrap();
    let r = one::receive(
        &mut conn,
        device,
        false,
        "LINE",
        &[plan(1_764_900_000)],
        &digest,
        None,
    )
    .await
    .unwrap();
    let one::Received::Done(results) = r else {
        panic!("replayed?")
    };
    assert_eq!(results[0]["matched"], true, "{results}");
    assert_eq!(results[0]["duplicate"], false, "{results}");
    let measured: Option<rust_decimal::Decimal> =
        sqlx::query_scalar("SELECT measured_weight_kg FROM packages WHERE id = $1")
            .bind(package)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(measured, Some(rust_decimal::Decimal::new(1_100, 3)));
    // Candidates that changed since they were read (here: a digest of none): nothing written.
    let scans_before = app.count("SELECT count(*) FROM dws_scans").await;
    let e = one::receive(
        &mut conn,
        device,
        false,
        "LINE",
        &[plan(1_764_900_100)],
        &[],
        None,
    )
    .await
    .err()
    .expect("stopped");
    assert!(one::lost_race(&e), "{e}");
    assert_eq!(
        app.count("SELECT count(*) FROM dws_scans").await,
        scans_before
    );
}
