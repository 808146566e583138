//! What the 3TMS tests share: accounts, calls with the access token, answer checks, and a
//! callback receiver that checks each callback's HMAC-SHA256 header.

use crate::helpers::*;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post as post_route;
use axum::Router;
use hongxun_gateway::domain::client::{ClientKind, Dialect};
use hongxun_gateway::service::admin::{self, NewClientInput};
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Creates a 3TMS account; returns its secret (what callbacks are signed with).
pub async fn account_with_secret(
    app: &TestApp,
    tenant: &str,
    user: &str,
    password: &str,
) -> String {
    let secret = format!("tms-secret-of-{user}");
    admin::add_client(
        &app.pool,
        &master_key(),
        NewClientInput {
            kind: ClientKind::Customer,
            create_by: tenant.into(),
            data_source: format!("TMS-{user}"),
            dialect: Dialect::Tms,
            user_name: Some(user.into()),
            password: Some(password.into()),
            secret: Some(secret.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    secret
}

pub async fn account(app: &TestApp, tenant: &str, user: &str, password: &str) {
    account_with_secret(app, tenant, user, password).await;
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<String>,
}

pub async fn post(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    bearer: bool,
    body: Value,
) -> Answer {
    let url = match (token, bearer) {
        (Some(t), false) => format!("{}{path}?access_token={t}", app.base),
        _ => format!("{}{path}", app.base),
    };
    let mut req = app.http.post(url).json(&body);
    if let (Some(t), true) = (token, bearer) {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let text = r.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    Answer {
        status,
        body,
        retry_after,
    }
}

pub fn ok(a: &Answer) -> &Value {
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["code"], 200, "{}", a.body);
    assert!(a.body["message"].is_null());
    &a.body["data"]
}

pub fn failed(a: &Answer, http: u16, status: i64, needle: &str) {
    assert_eq!(a.status, http, "{}", a.body);
    assert_eq!(a.body["status"], status, "{}", a.body);
    assert!(a.body.get("code").is_none(), "{}", a.body);
    assert!(
        a.body["message"].as_str().unwrap().contains(needle),
        "{needle}: {}",
        a.body
    );
}

/// Signs in and returns the access token.
pub async fn sign_in(app: &TestApp, user: &str, password: &str) -> String {
    let d = ok(&post(
        app,
        "/user/generate_access_token/v2",
        None,
        false,
        serde_json::json!({"userName": user, "password": password}),
    )
    .await)
    .clone();
    d["accessToken"].as_str().unwrap().to_string()
}

/// A shipper's callback endpoint: records every callback it accepts with whether its
/// `X-Hxgw-Signature` matched the account's secret; answers 200, or 500 when told to fail.
#[derive(Clone)]
pub struct TmsReceiver {
    pub url: String,
    seen: Arc<Mutex<Vec<(Value, bool)>>>,
    fail_next: Arc<AtomicU32>,
}

struct Inner {
    secret: String,
    seen: Arc<Mutex<Vec<(Value, bool)>>>,
    fail_next: Arc<AtomicU32>,
}

async fn hook(
    State(r): State<Arc<Inner>>,
    headers: HeaderMap,
    body: Bytes,
) -> (axum::http::StatusCode, &'static str) {
    if r.fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down");
    }
    let text = std::str::from_utf8(&body).unwrap();
    let sig = headers
        .get("x-hxgw-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let expected = hongxun_gateway::dialect::tms::push::signature(&r.secret, text);
    let v: Value = serde_json::from_str(text).unwrap();
    r.seen.lock().unwrap().push((v, sig == expected));
    (axum::http::StatusCode::OK, "ok")
}

impl TmsReceiver {
    pub async fn start(secret: &str) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let fail_next = Arc::new(AtomicU32::new(0));
        let inner = Arc::new(Inner {
            secret: secret.into(),
            seen: seen.clone(),
            fail_next: fail_next.clone(),
        });
        let app = Router::new()
            .route("/tms", post_route(hook))
            .with_state(inner);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/tms", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url,
            seen,
            fail_next,
        }
    }

    /// The next `n` callbacks are answered 500 (and not recorded).
    pub fn fail_next(&self, n: u32) {
        self.fail_next.store(n, Ordering::SeqCst);
    }

    /// Every callback so far, asserting each was signed right.
    pub fn callbacks(&self) -> Vec<Value> {
        let seen = self.seen.lock().unwrap().clone();
        for (v, signed) in &seen {
            assert!(signed, "bad signature header on {v}");
        }
        seen.into_iter().map(|(v, _)| v).collect()
    }

    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        for _ in 0..200 {
            if self.callbacks().len() >= n {
                return self.callbacks();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} callbacks: {:#?}", self.callbacks());
    }
}
