//! The web console in a real browser: Debian's chromium driven by playwright-core
//! (`tests/browser/console.mjs`, installed by scripts/console-browser, which scripts/test runs)
//! against a gateway holding an order with a `<script>` remark, a push that died while its
//! receiver was down, an identity to disable and an unmatched DWS scan.

use crate::helpers::*;
use crate::orders::IN;
use hongxun_gateway::domain::client::ClientKind;
use serde_json::json;
use sqlx::PgPool;
use std::path::PathBuf;
use std::time::Duration;

fn playwright_dir() -> PathBuf {
    let dir = std::env::var("HXGW_CONSOLE_BROWSER")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".data/console-browser")
        });
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed in {}: run scripts/console-browser (scripts/test does)",
        dir.display()
    );
    dir
}

#[sqlx::test]
async fn the_console_works_in_a_real_browser(pool: PgPool) {
    let dir = playwright_dir();
    let app = spawn_pushing_app(pool, "200ms").await;
    let (who, receiver) = crate::pushes::customer(&app).await;
    receiver.set_failing(true);
    let r = app
        .call(
            IN,
            &who,
            &json!({"orderCode": "IN-XSS", "orderType": "CGRK", "inventoryCode": "WH01", "subbaseCode": "OW01",
                    "remark": "<script>alert(1)</script>",
                    "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 2}]})
            .to_string(),
        )
        .await;
    r.expect(200, 200);
    let hx = r.body["value"]["hxOrderNo"].as_str().unwrap().to_string();
    let floor = app.ops_token("floor").await;
    app.ops(
        Some(&floor),
        "POST",
        &format!("/ops/v1/orders/{hx}/receipts"),
        json!({"confirmType": "FINAL", "lines": [{"lineNo": "1", "actualQty": 2}]}),
    )
    .await
    .expect(200, 200);
    // The receiver is down: the confirmation dies after its last attempt.
    let mut push_id = 0_i64;
    for _ in 0..100 {
        if let Some(id) = sqlx::query_scalar::<_, i64>(
            "SELECT id FROM push_outbox WHERE status = 'dead' ORDER BY id LIMIT 1",
        )
        .fetch_optional(&app.pool)
        .await
        .unwrap()
        {
            push_id = id;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(push_id > 0, "the push never died");
    receiver.set_failing(false);
    // Something for the DWS page, and an identity to disable.
    let dws = app.identity(ClientKind::Device, "HX-DWS", "LINE-1").await;
    app.call(
        "/dtc/device/dws",
        &dws,
        &json!({"deviceCode": "LINE-1", "scans": [{"barcode": "NO-SUCH-PKG", "weight": 1.5, "scanTime": "2026-11-29 09:00:00"}]})
            .to_string(),
    )
    .await
    .expect(200, 200);
    let erp2 = app.identity(ClientKind::Customer, "C001", "ERP02").await;
    app.call(ORG_PATH, &erp2, &org_request("WH01", "OW01"))
        .await
        .expect(200, 200);
    let erp2_id: i64 = sqlx::query_scalar(
        "SELECT id FROM clients WHERE create_by = 'C001' AND data_source = 'ERP02'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let token = app.ops_token("browser").await;

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/console.mjs");
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(&script)
        .env("BASE", &app.base)
        .env("PLAYWRIGHT_DIR", &dir)
        .env("TOKEN", &token)
        .env("ORDER_CODE", "IN-XSS")
        .env("HX", &hx)
        .env("PUSH_ID", push_id.to_string())
        .env("IDENTITY_ID", erp2_id.to_string());
    if let Ok(shots) = std::env::var("HXGW_CONSOLE_SCREENSHOTS") {
        cmd.env("SHOTS", shots);
    }
    let out = tokio::time::timeout(Duration::from_secs(180), cmd.output())
        .await
        .expect("the browser test finished in time")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("\"ok\":true"),
        "browser test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // What the browser did took effect: the push was delivered, the identity is refused.
    assert!(
        !receiver.delivered().is_empty(),
        "the replayed push reached the receiver"
    );
    let r = app
        .call(ORG_PATH, &erp2, &org_request("WH01", "OW01"))
        .await;
    r.expect(1001, 401);
    // Each console action is audited with the token's name.
    let mut actions = 0;
    for _ in 0..50 {
        actions = app
            .count("SELECT count(*) FROM api_requests WHERE actor = 'console:browser' AND method = 'POST'")
            .await;
        if actions >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        actions >= 3,
        "sign-in, replay and disable audited: {actions}"
    );
    let replay: String = sqlx::query_scalar(
        "SELECT endpoint FROM api_requests WHERE actor = 'console:browser' AND business_key = $1",
    )
    .bind(push_id.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(replay, "/console/pushes/replay");
}

/// Signs in to the console with `token`; returns the session cookie (`name=value`).
async fn session_cookie(http: &reqwest::Client, base: &str, token: &str) -> String {
    let r = http
        .post(format!("{base}/console/login"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// The session's CSRF token, as its forms carry it.
fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the form carries the session's CSRF token")
        .to_string()
}

/// Without a session every page sends to sign-in; a POST without the session's CSRF token or
/// from another site is refused; the headers forbid everything the console does not need.
#[sqlx::test]
async fn sessions_csrf_and_headers(pool: PgPool) {
    let app = spawn_app(pool).await;
    let token = app.ops_token("t1").await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in [
        "/console",
        "/console/orders",
        "/console/pushes/1",
        "/console/identities",
    ] {
        let r = http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/console/login");
        assert!(r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'"));
    }
    let r = http
        .post(format!("{}/console/login", app.base))
        .form(&[("token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .post(format!("{}/console/login", app.base))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/console",
        "Max-Age=28800",
    ] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(cookie.contains("; Secure"), "Secure by default: {cookie}");
    let session = cookie.split(';').next().unwrap().to_string();
    // Behind TLS the cookie is Secure.
    let r = http
        .post(format!("{}/console/login", app.base))
        .header("x-forwarded-proto", "https")
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("; Secure"));
    let page = http
        .get(format!("{}/console/identities", app.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    let csrf = csrf_in(&html);
    // No CSRF token, a wrong one, the right one from another site's origin: refused, nothing
    // created.
    for (extra, origin, status) in [
        (vec![], None, 403),
        (vec![("csrf", "wrong")], None, 403),
        (
            vec![("csrf", csrf.as_str())],
            Some("http://evil.example"),
            403,
        ),
    ] {
        let mut form = vec![
            ("kind", "customer"),
            ("create_by", "C9"),
            ("data_source", "D9"),
        ];
        form.extend(extra);
        let mut req = http
            .post(format!("{}/console/identities", app.base))
            .header("cookie", &session)
            .form(&form);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        assert_eq!(req.send().await.unwrap().status(), status);
    }
    assert_eq!(
        app.count("SELECT count(*) FROM clients WHERE create_by = 'C9'")
            .await,
        0
    );
    // The same form with the right token from the console's own origin is accepted.
    let r = http
        .post(format!("{}/console/identities", app.base))
        .header("cookie", &session)
        .header("origin", &app.base)
        .form(&[
            ("kind", "customer"),
            ("create_by", "C10"),
            ("data_source", "D10"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status() == 303,
        "{}",
        r.status()
    );
    assert_eq!(
        app.count("SELECT count(*) FROM clients WHERE create_by = 'C10'")
            .await,
        1
    );
    // A sandbox identity from the same form: flagged, and marked in the list.
    http.post(format!("{}/console/identities", app.base))
        .header("cookie", &session)
        .header("origin", &app.base)
        .form(&[
            ("kind", "customer"),
            ("create_by", "SBX10"),
            ("data_source", "D10"),
            ("sandbox", "on"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.count("SELECT count(*) FROM clients WHERE create_by = 'SBX10' AND sandbox")
            .await,
        1
    );
    let list = http
        .get(format!("{}/console/identities", app.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = list.split("SBX10").nth(1).unwrap_or_default();
    assert!(
        row.starts_with(" / D10 <span class=\"status sandbox\""),
        "{row:.200}"
    );
    let c10 = list.split("C10 / D10").nth(1).unwrap_or_default();
    assert!(
        c10.starts_with("</td>"),
        "a real identity is not marked: {c10:.80}"
    );
    // Signing out ends the session: the next page sends to sign-in.
    let second = session_cookie(&http, &app.base, &token).await;
    let page = http
        .get(format!("{}/console/identities", app.base))
        .header("cookie", &second)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let second_csrf = csrf_in(&page);
    let r = http
        .post(format!("{}/console/logout", app.base))
        .header("cookie", &second)
        .header("origin", &app.base)
        .form(&[("csrf", second_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = http
        .get(format!("{}/console", app.base))
        .header("cookie", &second)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "signed out");
    assert_eq!(r.headers()["location"], "/console/login");
    // A token deleted and made again under the same name does not revive its old sessions.
    let third = session_cookie(&http, &app.base, &token).await;
    hongxun_gateway::store::tokens::delete(&app.pool, "t1")
        .await
        .unwrap();
    let again = app.ops_token("t1").await;
    assert_ne!(again, token);
    let r = http
        .get(format!("{}/console", app.base))
        .header("cookie", &third)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the old session died with its token");
    // Plain-HTTP development may drop Secure, when configured to.
    let dev = spawn_app_with(
        app.pool.clone(),
        hongxun_gateway::state::Clock::System,
        |s| s.console.insecure_cookie = true,
    )
    .await;
    let r = http
        .post(format!("{}/console/login", dev.base))
        .form(&[("token", again.as_str())])
        .send()
        .await
        .unwrap();
    assert!(!r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Secure"));
    // Signing in anew; a disabled token ends the session too.
    let session = session_cookie(&http, &app.base, &again).await;
    hongxun_gateway::service::admin::set_token_status(&app.pool, "t1", false)
        .await
        .unwrap();
    let r = http
        .get(format!("{}/console", app.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "a disabled token's session is over");
}
