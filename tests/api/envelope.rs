//! Envelope-level behaviour: every §2 code that can arise before a handler runs,
//! request ids, replays, rate limits, the audit log.

use crate::helpers::*;
use chrono::TimeDelta;
use hongxun_gateway::auth::timestamp;
use hongxun_gateway::domain::client::ClientKind;
use hongxun_gateway::service::admin;
use hongxun_gateway::store::clients::ClientChange;
use sqlx::PgPool;

async fn customer(app: &TestApp) -> Identity {
    app.identity(ClientKind::Customer, "C001", "ERP01").await
}

#[sqlx::test]
async fn every_reply_carries_its_request_id_in_body_and_header(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer(&app).await;
    for reply in [
        app.call(ORG_PATH, &who, &org_request("WH01", "OW01")).await,
        app.post_raw(ORG_PATH, "nonsense").await,
        app.post_raw("/dtc/nowhere", "{}").await,
    ] {
        let id = reply.body["requestId"].as_str().unwrap();
        assert!(!id.is_empty());
        assert_eq!(reply.header("x-request-id"), Some(id));
    }
}

#[sqlx::test]
async fn bodies_that_are_not_envelopes_are_400(pool: PgPool) {
    let app = spawn_app(pool).await;
    for body in [
        &b"not json"[..],
        b"[1,2]",
        b"",
        b"{\"createBy\": 5, \"dataSource\": \"x\", \"request\": {}}",
        b"{\"createBy\": \"C\", \"dataSource\": \"D\", \"request\": [1]}",
        b"{\"createBy\": \"C\", \"dataSource\": \"D\", \"request\": {\"a\": \xff}}",
        b"{\"createBy\": \"C\", \"dataSource\": \"D\", \"request\": {",
    ] {
        let r = app.post_raw(ORG_PATH, body.to_vec()).await;
        r.expect(400, 400);
        assert_eq!(r.body["flag"], false);
    }
    let r = app
        .post_raw(
            ORG_PATH,
            r#"{"createBy": 5, "dataSource": "x", "request": {}}"#,
        )
        .await;
    assert!(
        r.message().starts_with("createBy: invalid type"),
        "{}",
        r.message()
    );
}

#[sqlx::test]
async fn bodies_over_the_limit_are_413(pool: PgPool) {
    let app = spawn_app_with(pool, hongxun_gateway::state::Clock::System, |s| {
        s.server.body_limit_bytes = 64 * 1024;
    })
    .await;
    let who = customer(&app).await;
    let big = format!(
        r#"{{"inventoryCode":"WH01","remark":"{}"}}"#,
        "x".repeat(70 * 1024)
    );
    app.call(ORG_PATH, &who, &big).await.expect(413, 413);
}

#[sqlx::test]
async fn missing_envelope_fields_are_2001_and_listed(pool: PgPool) {
    let app = spawn_app(pool).await;
    let r = app.post_raw(ORG_PATH, r#"{"timestamp": "x"}"#).await;
    r.expect(2001, 400);
    assert_eq!(
        r.message(),
        "createBy: is required; dataSource: is required; request: is required"
    );
}

#[sqlx::test]
async fn unknown_and_disabled_identities_are_1001(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer(&app).await;
    let stranger = Identity {
        create_by: "NOBODY".into(),
        ..who.clone()
    };
    app.call(ORG_PATH, &stranger, &org_request("WH01", "OW01"))
        .await
        .expect(1001, 401);
    admin::change_client(
        &pool,
        "C001",
        "ERP01",
        ClientChange {
            status: Some("disabled"),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = app.call(ORG_PATH, &who, &org_request("WH01", "OW01")).await;
    r.expect(1001, 401);
    assert!(r.message().contains("disabled"), "{}", r.message());
}

#[sqlx::test]
async fn timestamps_outside_the_window_or_unreadable_are_1002(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer(&app).await;
    let req = org_request("WH01", "OW01");
    let old = timestamp::format(app.now() - TimeDelta::minutes(11));
    let future = timestamp::format(app.now() + TimeDelta::minutes(11));
    let iso = (app.now()).to_rfc3339();
    for ts in [old.as_str(), future.as_str(), "garbage", iso.as_str(), ""] {
        let r = app
            .post_raw(ORG_PATH, signed_body(&who, ts, None, &req))
            .await;
        r.expect(1002, 401);
    }
    // Just inside the window is fine.
    let edge = timestamp::format(app.now() - TimeDelta::minutes(9));
    app.post_raw(ORG_PATH, signed_body(&who, &edge, None, &req))
        .await
        .expect(200, 200);
}

#[sqlx::test]
async fn wrong_signatures_and_methods_are_1003(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer(&app).await;
    let req = org_request("WH01", "OW01");
    let ts = timestamp::format(app.now());
    let wrong_secret = Identity {
        secret: "not-the-secret".into(),
        ..who.clone()
    };
    app.post_raw(ORG_PATH, signed_body(&wrong_secret, &ts, None, &req))
        .await
        .expect(1003, 401);
    // Signed over one text, sent with another (re-serialised) text.
    let body = signed_body(&who, &ts, None, &req).replace("\"WH01\"", "\"WH02\"");
    app.post_raw(ORG_PATH, body).await.expect(1003, 401);
    // Unsupported method.
    let body = signed_body(&who, &ts, None, &req).replacen("{", "{\"signMethod\":\"sha1\",", 1);
    let r = app.post_raw(ORG_PATH, body).await;
    r.expect(1003, 401);
    assert!(r.message().contains("sha1"));
    // No sign at all.
    let body = signed_body(&who, &ts, None, &req).replace("\"sign\":", "\"unsigned\":");
    app.post_raw(ORG_PATH, body).await.expect(1003, 401);
    // hmac-sha256 works as well as md5.
    app.post_raw(ORG_PATH, signed_body(&who, &ts, Some("hmac-sha256"), &req))
        .await
        .expect(200, 200);
}

#[sqlx::test]
async fn carriers_and_devices_may_not_sync_base_data(pool: PgPool) {
    let app = spawn_app(pool).await;
    let carrier = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    let device = app.identity(ClientKind::Device, "DWS", "LINE-1").await;
    for who in [&carrier, &device] {
        for path in [ORG_PATH, PRODUCT_PATH, CONSIGNEE_PATH, DIMENSION_PATH] {
            let r = app.call(path, who, &org_request("WH01", "OW01")).await;
            r.expect(1005, 403);
        }
    }
}

#[sqlx::test]
async fn payload_type_errors_are_2002_with_their_path(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer(&app).await;
    let r = app
        .call(
            PRODUCT_PATH,
            &who,
            r#"{"products":[{"itemCode":"A","itemName":"a"},{"itemCode":"B","itemName":"b","shelfLifeDays":"30"}]}"#,
        )
        .await;
    r.expect(2002, 400);
    assert!(
        r.message()
            .starts_with("request.products[1].shelfLifeDays: invalid type"),
        "{}",
        r.message()
    );
}

#[sqlx::test]
async fn unknown_endpoints_and_methods_are_2003(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.post_raw("/dtc/logistics/teleport", "{}")
        .await
        .expect(2003, 404);
    let r = app
        .http
        .get(format!("{}{PRODUCT_PATH}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], 2003);
}

#[sqlx::test]
async fn an_identity_over_its_hourly_limit_gets_429_with_retry_after(pool: PgPool) {
    let app = spawn_app(pool).await;
    let limited = app
        .identity_with(ClientKind::Customer, "C002", "ERP01", Some(2))
        .await;
    let other = customer(&app).await;
    for i in 0..2 {
        app.call(ORG_PATH, &limited, &org_request(&format!("WH{i}"), "OW01"))
            .await
            .expect(200, 200);
    }
    let r = app
        .call(ORG_PATH, &limited, &org_request("WH9", "OW01"))
        .await;
    r.expect(429, 429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    // Other identities are not affected.
    app.call(ORG_PATH, &other, &org_request("WH9", "OW01"))
        .await
        .expect(200, 200);
}

#[sqlx::test]
async fn a_replayed_signed_request_returns_the_original_answer_without_a_second_effect(
    pool: PgPool,
) {
    let app = spawn_app(pool.clone()).await;
    let who = customer(&app).await;
    let body = signed_body(
        &who,
        &timestamp::format(app.now()),
        None,
        r#"{"products":[{"itemCode":"A","itemName":"first"}]}"#,
    );
    let first = app.post_raw(PRODUCT_PATH, body.clone()).await;
    first.expect(200, 200);
    assert_eq!(first.body["value"]["created"], 1);
    assert_eq!(first.header("idempotent-replayed"), None);

    // Someone else changes the product in between; the replay must not undo that.
    app.call(
        PRODUCT_PATH,
        &who,
        r#"{"products":[{"itemCode":"A","itemName":"second"}]}"#,
    )
    .await
    .expect(200, 200);

    let again = app.post_raw(PRODUCT_PATH, body).await;
    again.expect(200, 200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["value"], first.body["value"]);
    let name: String = sqlx::query_scalar("SELECT item_name FROM products WHERE item_code = 'A'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(name, "second");
}

#[sqlx::test]
async fn concurrent_identical_requests_take_effect_once(pool: PgPool) {
    let pool = wide_pool(&pool, 16).await;
    let app = spawn_app(pool.clone()).await;
    let who = customer(&app).await;
    let body = signed_body(
        &who,
        &timestamp::format(app.now()),
        None,
        r#"{"products":[{"itemCode":"A","itemName":"a"},{"itemCode":"B","itemName":"b"}]}"#,
    );
    // Held open: the first request waits inside its transaction (after its replay claim), the
    // other seven wait on that claim. All eight are inside the database at once.
    let mut hold = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE products IN EXCLUSIVE MODE")
        .execute(&mut *hold)
        .await
        .unwrap();
    let calls = {
        let (base, pool, body) = (app.base.clone(), pool.clone(), body.clone());
        tokio::spawn(async move { futures_join(&TestApp::attach(base, pool), &body, 8).await })
    };
    wait_for_lock_waiters(&pool, 8).await;
    hold.rollback().await.unwrap();
    let replies = calls.await.unwrap();
    let fresh: Vec<_> = replies
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_none())
        .collect();
    assert_eq!(fresh.len(), 1, "exactly one call took effect");
    for r in &replies {
        r.expect(200, 200);
        assert_eq!(r.body["value"]["created"], 2);
    }
}

async fn futures_join(app: &TestApp, body: &str, n: usize) -> Vec<Reply> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let http = app.http.clone();
        let url = format!("{}{PRODUCT_PATH}", app.base);
        let body = body.to_string();
        set.spawn(async move {
            let resp = http.post(url).body(body).send().await.unwrap();
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = resp.json().await.unwrap();
            Reply {
                status,
                body,
                headers,
            }
        });
    }
    set.join_all().await
}

#[sqlx::test]
async fn every_api_call_leaves_an_audit_row(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = customer(&app).await;
    let ok = app.call(ORG_PATH, &who, &org_request("WH01", "OW01")).await;
    let bad = app.post_raw(ORG_PATH, "nonsense").await;
    for (reply, code, key) in [(&ok, 200, Some("WH01/OW01")), (&bad, 400, None)] {
        let rid = reply.body["requestId"].as_str().unwrap().to_string();
        let mut row = None;
        for _ in 0..50 {
            row = sqlx::query_as::<_, (i32, Option<String>, Option<i64>, f64)>(
                "SELECT code, business_key, client_id, latency_ms FROM api_requests WHERE request_id = $1",
            )
            .bind(&rid)
            .fetch_optional(&pool)
            .await
            .unwrap();
            if row.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let (c, k, client, latency) = row.expect("audit row written");
        assert_eq!(c, code);
        assert_eq!(k.as_deref(), key);
        assert_eq!(client.is_some(), code == 200);
        assert!(latency >= 0.0);
    }
}
