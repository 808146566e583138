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
const DWS: &str = "/dtc/device/dws";

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
    let table = match path {
        PRODUCT_PATH => "products",
        DWS => "packages",
        _ => "orders",
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

/// DWS scans are one statement (#21): the match and the weight deviation are judged in SQL,
/// and must come out as the domain's rule judges them (`match_barcode`, `weight_deviation`,
/// which the step-by-step path runs): waybill before package number, several packages
/// ambiguous, none unmatched, no expected weight no deviation, and the deviation's float
/// arithmetic to the last bit, half-way cases rounded away from zero as `f64::round` does.
#[sqlx::test]
async fn a_dws_call_is_judged_in_one_statement_as_the_domain_rule_judges_it(pool: PgPool) {
    use hongxun_gateway::domain::carrier::weight_deviation;
    use rust_decimal::Decimal;
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    let (who, _receiver) = crate::pushes::customer(&app).await;
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    crate::carrier::shipped_order(&app, &who, &token, "OUT-D1", "P-D1", "SF-D1").await;
    // Another order with a package of the same number (P-D1: ambiguous), and one whose package
    // number is OUT-D1's waybill (SF-D1: the waybill wins).
    crate::carrier::shipped_order(&app, &who, &token, "OUT-D2", "P-D1", "SF-D2").await;
    let add = |no: String, waybill: String, weight: Option<Decimal>| {
        let pool = pool.clone();
        async move {
            sqlx::query(
                "INSERT INTO packages (tenant, order_id, confirmation_id, package_no, waybill_no, carrier_code, weight_kg, items)
                 SELECT tenant, order_id, confirmation_id, $1, $2, 'SF', $3, '[]' FROM packages WHERE waybill_no = 'SF-D2'",
            )
            .bind(no)
            .bind(waybill)
            .bind(weight)
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    add("SF-D1".into(), "W-OTHER".into(), Some(Decimal::new(5, 0))).await;
    add("P-NONE".into(), "W-NONE".into(), None).await;
    add("P-ZERO".into(), "W-ZERO".into(), Some(Decimal::ZERO)).await;
    // Expected and measured weights (kg, 3 places): the half-way cases first (0.041 and
    // 0.019 against 0.032 make exactly 2812.5 and -4062.5 ten-thousandths, where rounding
    // to even would differ), then pseudo-random pairs across the range.
    let mut pairs: Vec<(Decimal, Decimal)> = vec![
        (Decimal::new(32, 3), Decimal::new(41, 3)),
        (Decimal::new(32, 3), Decimal::new(19, 3)),
        (Decimal::new(32, 3), Decimal::new(17, 3)),
        (Decimal::new(1_000, 3), Decimal::new(1_100, 3)),
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    while pairs.len() < 60 {
        let e = 1 + next(40_000) as i64;
        let m = (e * (700 + next(600) as i64) / 1_000).max(1);
        pairs.push((Decimal::new(e, 3), Decimal::new(m, 3)));
    }
    for (i, (e, _)) in pairs.iter().enumerate() {
        add(format!("PW-{i}"), format!("WW-{i}"), Some(*e)).await;
    }
    let dws = app
        .identity(
            hongxun_gateway::domain::client::ClientKind::Device,
            "DWS-1",
            "LINE",
        )
        .await;
    let mut scans: Vec<(String, Decimal)> = pairs
        .iter()
        .enumerate()
        .map(|(i, (_, m))| (format!("WW-{i}"), *m))
        .collect();
    for b in ["SF-D1", "P-D1", "NOBODY", "W-NONE", "P-ZERO"] {
        scans.push((b.into(), Decimal::new(1_234, 3)));
    }
    let body = json!({"deviceCode": "LINE", "scans": scans.iter().enumerate().map(|(i, (b, w))| json!({
        "barcode": b, "weight": w.to_string().parse::<f64>().unwrap(),
        "scanTime": format!("2026-11-25 09:{:02}:{:02}", i / 60, i % 60)})).collect::<Vec<_>>()});
    let r = app.call("/dtc/device/dws", &dws, &body.to_string()).await;
    r.expect(200, 200);
    let results = r.body["value"]["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), scans.len(), "{:#}", r.body);

    let tolerance = 0.1;
    let f = |d: &Decimal| d.to_string().parse::<f64>().unwrap();
    for (i, (e, m)) in pairs.iter().enumerate() {
        let got = &results[i];
        let (shown, flagged) = weight_deviation(f(m), Some(f(e)), tolerance).unwrap();
        assert_eq!(got["matched"], true, "{got}");
        assert_eq!(
            got["weightDeviation"].as_f64(),
            Some(shown),
            "expected {e}, measured {m}: {got}"
        );
        assert_eq!(got["flagged"], flagged, "expected {e}, measured {m}: {got}");
        let stored: (Option<Decimal>, bool) = sqlx::query_as(
            "SELECT weight_deviation, weight_flagged FROM packages WHERE waybill_no = $1",
        )
        .bind(format!("WW-{i}"))
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            stored,
            (
                Decimal::from_f64_retain(shown).map(|d| d.round_dp(4)),
                flagged
            ),
            "stored, expected {e}, measured {m}"
        );
    }
    // The half-way cases, spelled out: away from zero.
    assert_eq!(results[0]["weightDeviation"], 0.2813);
    assert_eq!(results[1]["weightDeviation"], -0.4063);
    /// barcode, matched, reason, orderCode, weightDeviation
    type Judged = (String, bool, Option<String>, Option<String>, Option<f64>);
    let rest: Vec<Judged> = results[pairs.len()..]
        .iter()
        .map(|x| {
            (
                x["barcode"].as_str().unwrap().to_string(),
                x["matched"].as_bool().unwrap(),
                x["reason"].as_str().map(str::to_string),
                x["orderCode"].as_str().map(str::to_string),
                x["weightDeviation"].as_f64(),
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        rest,
        vec![
            ("SF-D1".into(), true, None, s("OUT-D1"), Some(0.234)),
            ("P-D1".into(), false, s("AMBIGUOUS"), None, None),
            ("NOBODY".into(), false, s("NO_PACKAGE"), None, None),
            ("W-NONE".into(), true, None, s("OUT-D2"), None),
            ("P-ZERO".into(), true, None, s("OUT-D2"), None),
        ]
    );
    let statuses: Vec<String> = sqlx::query_scalar(
        "SELECT match_status FROM dws_scans WHERE barcode IN ('SF-D1', 'P-D1', 'NOBODY') ORDER BY barcode",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(statuses, vec!["UNMATCHED", "AMBIGUOUS", "MATCHED"]);
}

/// The same signed DWS call sent eight times at once (held inside the database until all eight
/// wait on the packages): its scans are stored once and measure the package once, and all
/// eight answer the same results, seven of them as replays.
#[sqlx::test]
async fn the_same_dws_call_sent_eight_times_at_once_is_written_once(pool: PgPool) {
    let pool = wide_pool(&pool, 16).await;
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    let (who, _receiver) = crate::pushes::customer(&app).await;
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    crate::carrier::shipped_order(&app, &who, &token, "OUT-R1", "P-R1", "SF-R1").await;
    let dws = app
        .identity(
            hongxun_gateway::domain::client::ClientKind::Device,
            "DWS-1",
            "LINE",
        )
        .await;
    let request = json!({"deviceCode": "LINE", "scans": [
        {"barcode": "SF-R1", "weight": 1.3, "scanTime": "2026-11-25 09:00:00"},
        {"barcode": "NOBODY", "weight": 2.0, "scanTime": "2026-11-25 09:00:01"}]});
    let body = signed_body(
        &dws,
        &timestamp::format(app.now()),
        None,
        &request.to_string(),
    );
    let replies = together_at(&app, &pool, DWS, vec![body; 8]).await;
    let fresh = replies
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_none())
        .count();
    assert_eq!(fresh, 1, "exactly one call took effect");
    let first = replies[0].body["value"]["results"].clone();
    assert_eq!(first[0]["matched"], true, "{first}");
    assert_eq!(first[0]["duplicate"], false, "{first}");
    assert_eq!(first[0]["weightDeviation"], 0.3, "{first}");
    for r in &replies {
        r.expect(200, 200);
        assert_eq!(r.body["value"]["results"], first);
    }
    assert_eq!(app.count("SELECT count(*) FROM dws_scans").await, 2);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM packages WHERE measured_weight_kg = 1.3 AND weight_flagged"
        )
        .await,
        1
    );
}

/// An outbound order that writes nothing (sent again, or naming a product the customer never
/// synced) locks no stock: it answers at once while another transaction holds the balances
/// of its items, instead of queueing behind them.
#[sqlx::test]
async fn an_order_that_writes_nothing_does_not_wait_for_its_items_stock(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&app, "C001").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    let lines = json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1}]);
    let first = app
        .call(OUT, &who, &out_order("OUT-1", lines.clone()))
        .await;
    first.expect(200, 200);

    let mut hold = pool.begin().await.unwrap();
    let held: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM inventory_balances WHERE item_code = 'SKU-1' FOR UPDATE",
    )
    .fetch_all(&mut *hold)
    .await
    .unwrap();
    assert_eq!(held.len(), 1, "the test holds SKU-1's balance");

    let quickly = std::time::Duration::from_secs(2);
    // The same order again (newly signed): the order that exists, as answered before.
    let again = tokio::time::timeout(quickly, app.call(OUT, &who, &out_order("OUT-1", lines)))
        .await
        .expect("the repeated order answered while SKU-1's stock was locked");
    again.expect(200, 200);
    assert_eq!(
        again.body["value"]["hxOrderNo"],
        first.body["value"]["hxOrderNo"]
    );
    // A product never synced, beside SKU-1: refused naming it.
    let unknown = json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1},
                         {"lineNo": "2", "itemCode": "NO-SUCH", "planQty": 1}]);
    let refused = tokio::time::timeout(quickly, app.call(OUT, &who, &out_order("OUT-2", unknown)))
        .await
        .expect("the order with an unknown product answered while SKU-1's stock was locked");
    assert_ne!(refused.body["code"], 200, "{:?}", refused.body);
    assert!(
        refused.body.to_string().contains("NO-SUCH"),
        "{:?}",
        refused.body
    );
    hold.rollback().await.unwrap();
}
