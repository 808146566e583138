//! `/metrics`: behind an ops token on the main address, open on `metrics.bind`; every metric
//! the Grafana dashboard and the alert rules under `deploy/` use is exposed.

use crate::helpers::*;
use hongxun_gateway::domain::client::ClientKind;
use hongxun_gateway::metrics;
use hongxun_gateway::state::Clock;
use sqlx::PgPool;
use std::collections::BTreeSet;

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy");

/// The hxgw_… series names a dashboard or rule file uses, without histogram suffixes.
fn names_used(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("hxgw_") {
        let start = i + at;
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        let name = &text[start..end];
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(name);
        if base.len() > "hxgw_".len() {
            out.insert(base.to_string());
        }
        i = end;
    }
    out
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn scrape(app: &TestApp, token: &str) -> String {
    app.http
        .get(format!("{}/metrics", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// A series' value in an exposition (0 when absent).
pub fn value_of(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

#[sqlx::test]
async fn metrics_need_a_token_and_show_what_the_dashboard_uses(pool: PgPool) {
    let port = free_port();
    let app = spawn_app_with(pool, Clock::System, |s| {
        s.metrics.bind = Some(format!("127.0.0.1:{port}").parse().unwrap());
    })
    .await;
    let who = app.identity(ClientKind::Customer, "C001", "ERP01").await;
    let token = app.ops_token("prometheus").await;
    // The recorder is the process's: other tests feed the same series. What counts is that
    // this test's own call moved it.
    let series =
        "hxgw_http_requests_total{route=\"/dtc/base/inventoryOrg\",code=\"200\",sandbox=\"false\"}";
    let sandbox_series =
        "hxgw_http_requests_total{route=\"/dtc/base/inventoryOrg\",code=\"200\",sandbox=\"true\"}";
    let sandbox = crate::sandbox::customer(&app, "SBX-M", true, None)
        .await
        .unwrap();
    let before = value_of(&scrape(&app, &token).await, series);
    app.call(ORG_PATH, &who, &org_request("WH01", "OW01"))
        .await
        .expect(200, 200);

    // No token, a wrong token: refused in the 鸿讯 envelope.
    let r = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .http
        .get(format!("{}/metrics", app.base))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let r = app
        .http
        .get(format!("{}/metrics", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = r.text().await.unwrap();
    for name in metrics::ALL {
        assert!(text.contains(name), "{name} missing from /metrics");
    }
    let after = value_of(&text, series);
    assert!(
        after >= before + 1.0,
        "{series}: {before} before the call, {after} after"
    );
    // A sandbox identity's calls carry sandbox="true" (production alerts leave them out).
    let sandbox_before = value_of(&text, sandbox_series);
    app.call(ORG_PATH, &sandbox, &org_request("WH01", "OW01"))
        .await
        .expect(200, 200);
    let sandbox_after = value_of(&scrape(&app, &token).await, sandbox_series);
    assert!(
        sandbox_after >= sandbox_before + 1.0,
        "{sandbox_series}: {sandbox_before} before, {sandbox_after} after"
    );
    assert!(text.contains("hxgw_push_outbox{status=\"dead\"}"), "{text}");
    for pool in ["main", "sessions"] {
        assert!(
            text.contains(&format!(
                "hxgw_db_pool_connections{{pool=\"{pool}\",state=\"max\"}} 16"
            )),
            "{text}"
        );
    }
    // A path nobody routes is counted as "unmatched", not by its text.
    app.http
        .get(format!("{}/no/such/path/x1y2", app.base))
        .send()
        .await
        .unwrap();
    let again = app
        .http
        .get(format!("{}/metrics", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!again.contains("x1y2"));
    assert!(again.contains("route=\"unmatched\""));

    // The private listener: no token.
    let open = app
        .http
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200);
    assert!(open.text().await.unwrap().contains("hxgw_build_info"));

    // Every series the dashboard and the alerts use exists.
    for file in ["grafana/hongxun-gateway.json", "prometheus/alerts.yml"] {
        let doc = std::fs::read_to_string(format!("{DEPLOY}/{file}")).unwrap();
        let used = names_used(&doc);
        assert!(used.len() >= 4, "{file}: {used:?}");
        for name in used {
            assert!(
                metrics::ALL.contains(&name.as_str()) && again.contains(&name),
                "{file} uses {name}, which /metrics does not expose"
            );
        }
    }
    // The alerts an operator needs are there.
    let alerts = std::fs::read_to_string(format!("{DEPLOY}/prometheus/alerts.yml")).unwrap();
    for alert in [
        "HxgwDeadPushes",
        "HxgwOldestPendingPush",
        "HxgwServerErrors",
        "HxgwPoolExhausted",
    ] {
        assert!(alerts.contains(alert), "{alert}");
    }
    serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(format!("{DEPLOY}/grafana/hongxun-gateway.json")).unwrap(),
    )
    .expect("the dashboard is JSON");
}
