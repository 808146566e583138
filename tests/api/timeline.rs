//! `GET /ops/v1/orders/{hxOrderNo}/timeline`: every event about one order, oldest first, for
//! orders of any dialect.

use crate::carrier::{dws_floor, DwsFloor};
use crate::helpers::*;
use crate::qimen::entry_xml;
use crate::qimen_support::*;
use hongxun_gateway::domain::client::ClientKind;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::time::Duration;

async fn timeline(app: &TestApp, token: &str, hx: &str) -> Value {
    let r = app
        .ops(
            Some(token),
            "GET",
            &format!("/ops/v1/orders/{hx}/timeline"),
            json!({}),
        )
        .await;
    r.expect(200, 200);
    r.body["value"].clone()
}

/// Waits until the audit writer has recorded `n` calls about the order.
async fn with_calls(app: &TestApp, token: &str, hx: &str, n: usize) -> Value {
    for _ in 0..100 {
        let t = timeline(app, token, hx).await;
        if kinds(&t).iter().filter(|k| *k == "api_call").count() >= n {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the audit rows of {hx} never arrived");
}

fn kinds(t: &Value) -> Vec<String> {
    t["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

fn of_kind<'a>(t: &'a Value, kind: &str) -> Vec<&'a Value> {
    t["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

#[sqlx::test]
async fn an_outbound_orders_life_in_order(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let DwsFloor {
        who,
        token,
        dws,
        _receiver: receiver,
    } = dws_floor(&app).await;
    let hx: String =
        sqlx::query_scalar("SELECT hx_order_no FROM orders WHERE order_code = 'OUT-1'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    // The receiver refuses once: the timeline shows the failed attempt and the retry.
    receiver.fail_next(1);
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    app.call(
        "/dtc/carrier/route",
        &sf,
        &json!({"waybillNo": "SF001", "routes": [
            {"nodeType": "SIGNED", "nodeTime": "2026-11-25 15:00:00", "description": "已签收", "operator": "王师傅"}]})
        .to_string(),
    )
    .await
    .expect(200, 200);
    app.call(
        "/dtc/device/dws",
        &dws,
        &json!({"deviceCode": "LINE-1", "scans": [{"barcode": "SF001", "weight": 1.2, "scanTime": "2026-11-25 09:00:00"}]})
            .to_string(),
    )
    .await
    .expect(200, 200);
    app.call(
        "/dtc/logistics/outOrderResult",
        &who,
        r#"{"orderCodes":["OUT-1"]}"#,
    )
    .await
    .expect(200, 200);
    receiver.wait_for(4, 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let t = with_calls(&app, &token, &hx, 4).await;
    assert_eq!(
        (t["orderCode"].as_str(), t["customer"].as_str()),
        (Some("OUT-1"), Some("C001"))
    );
    let events = t["events"].as_array().unwrap();
    // Oldest first.
    let times: Vec<&str> = events.iter().map(|e| e["time"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    for e in events {
        assert!(e["summary"].as_str().is_some_and(|s| !s.is_empty()), "{e}");
        assert!(e["detail"].is_object(), "{e}");
    }
    // Who called about it: the customer (create, result query), the floor, the carrier.
    let calls: Vec<String> = of_kind(&t, "api_call")
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["detail"]["actor"].as_str().unwrap(),
                e["detail"]["endpoint"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "C001/ERP01 /dtc/logistics/outOrder",
        "ops:floor /ops/v1/orders/{hx}/shipments",
        "SF/SF-TMS /dtc/carrier/route",
        "C001/ERP01 /dtc/logistics/outOrderResult",
    ] {
        assert!(
            calls.iter().any(|c| c == expected),
            "{expected} not in {calls:?}"
        );
    }
    let create = of_kind(&t, "api_call")[0];
    assert_eq!(create["detail"]["code"], 200);
    assert!(create["detail"]["requestId"]
        .as_str()
        .is_some_and(|r| !r.is_empty()));
    // Status changes, the shipment batch, the sign-off, the route node and the scan.
    let statuses: Vec<&str> = of_kind(&t, "status")
        .iter()
        .map(|e| e["detail"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.first(), Some(&"CREATED"));
    assert!(
        statuses.contains(&"SHIPPED") && statuses.last() == Some(&"SIGNED"),
        "{statuses:?}"
    );
    assert_eq!(of_kind(&t, "confirmation").len(), 1);
    assert_eq!(of_kind(&t, "route")[0]["detail"]["nodeType"], "SIGNED");
    assert_eq!(of_kind(&t, "sign_off")[0]["detail"]["signer"], "王师傅");
    assert_eq!(of_kind(&t, "dws_scan")[0]["detail"]["barcode"], "SF001");
    // Each push, and each attempt with its status, duration and the start of the answer.
    let pushes = of_kind(&t, "push");
    assert!(pushes.len() >= 3, "{pushes:?}");
    let attempts = of_kind(&t, "push_attempt");
    let failed = attempts
        .iter()
        .find(|a| a["detail"]["success"] == false)
        .expect("the refused attempt");
    assert_eq!(failed["detail"]["httpStatus"], 500);
    let ok = attempts
        .iter()
        .find(|a| a["detail"]["success"] == true)
        .expect("an accepted attempt");
    assert_eq!(ok["detail"]["httpStatus"], 200);
    assert!(ok["detail"]["durationMs"].is_number());
    assert!(
        ok["detail"]["response"]
            .as_str()
            .is_some_and(|r| r.contains("flag")),
        "{ok}"
    );

    // Looking at the timeline does not add to it.
    let n = events.len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        timeline(&app, &token, &hx).await["events"]
            .as_array()
            .unwrap()
            .len(),
        n
    );
    // Unknown order; no token.
    app.ops(
        Some(&token),
        "GET",
        "/ops/v1/orders/HXO000/timeline",
        json!({}),
    )
    .await
    .expect(3001, 404);
    app.ops(
        None,
        "GET",
        &format!("/ops/v1/orders/{hx}/timeline"),
        json!({}),
    )
    .await
    .expect(1001, 401);
}

#[sqlx::test]
async fn a_qimen_order_has_its_timeline_too(pool: PgPool) {
    let app = spawn_app(pool).await;
    crate::orders::customer_with_base_data(&app, "C001").await;
    let erp = qimen_identity(&app, "C001", "qm-key", "QM-C", None).await;
    let token = app.ops_token("floor").await;
    let a = qimen_xml(
        &app,
        &erp,
        "entryorder.create",
        &entry_xml("IN-Q1", "OW01", &[("1", "SKU-1", 3)]),
    )
    .await;
    a.success();
    let hx = a.body["entryOrderId"].as_str().unwrap().to_string();
    let t = with_calls(&app, &token, &hx, 1).await;
    let call = of_kind(&t, "api_call")[0];
    assert_eq!(
        call["detail"]["endpoint"],
        "/router/qimen/service entryorder.create"
    );
    assert_eq!(call["detail"]["actor"], "C001/QIMEN-qm-key");
    assert_eq!(of_kind(&t, "status")[0]["detail"]["status"], "CREATED");
}
