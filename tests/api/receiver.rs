//! A customer's callback endpoint for tests: a real axum server on 127.0.0.1:0 that verifies
//! every push's signature with the customer's secret and can be told to fail.

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use hongxun_gateway::auth::signature::{self, SignInput, SignMethod};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Inner {
    secret: String,
    failing: AtomicBool,
    fail_next: AtomicU32,
    delay_ms: AtomicU64,
    bad_signatures: AtomicU32,
    /// Requests that arrived, counted before any delay (a delivery in flight).
    started: AtomicU32,
    /// Every push that arrived: (its `request`, whether it was accepted).
    seen: Mutex<Vec<(Value, bool)>>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    create_by: String,
    data_source: String,
    timestamp: String,
    sign: String,
    #[serde(borrow)]
    request: &'a serde_json::value::RawValue,
}

async fn hook(State(r): State<Arc<Inner>>, body: Bytes) -> (axum::http::StatusCode, Json<Value>) {
    r.started.fetch_add(1, Ordering::SeqCst);
    let delay = r.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let Ok(env) = serde_json::from_slice::<Envelope>(&body) else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({"code": 400, "flag": false})),
        );
    };
    let input = SignInput {
        create_by: &env.create_by,
        data_source: &env.data_source,
        timestamp: &env.timestamp,
        sign_method: None,
        request: env.request.get(),
    };
    if !signature::verify(SignMethod::Md5, &r.secret, &input, &env.sign) {
        r.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return (
            axum::http::StatusCode::UNAUTHORIZED,
            Json(json!({"code": 1003, "flag": false})),
        );
    }
    let request: Value = serde_json::from_str(env.request.get()).unwrap();
    let fail = r.failing.load(Ordering::SeqCst)
        || r.fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    r.seen.lock().unwrap().push((request, !fail));
    if fail {
        (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"code": 500, "flag": false})),
        )
    } else {
        (
            axum::http::StatusCode::OK,
            Json(json!({"code": 200, "message": "ok", "flag": true})),
        )
    }
}

impl Receiver {
    pub async fn start(secret: &str) -> Self {
        Self::start_on(secret, "127.0.0.1").await
    }

    /// A receiver listening on another loopback address (`127.0.0.2`, say).
    pub async fn start_on(secret: &str, ip: &str) -> Self {
        let inner = Arc::new(Inner {
            secret: secret.into(),
            ..Default::default()
        });
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind(format!("{ip}:0"))
            .await
            .unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, inner }
    }

    pub fn set_failing(&self, on: bool) {
        self.inner.failing.store(on, Ordering::SeqCst);
    }

    pub fn fail_next(&self, n: u32) {
        self.inner.fail_next.store(n, Ordering::SeqCst);
    }

    pub fn set_delay_ms(&self, ms: u64) {
        self.inner.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Requests that have arrived so far, finished or not.
    #[allow(dead_code)]
    pub fn started(&self) -> u32 {
        self.inner.started.load(Ordering::SeqCst)
    }

    pub fn bad_signatures(&self) -> u32 {
        self.inner.bad_signatures.load(Ordering::SeqCst)
    }

    /// Every arrival, accepted or not.
    pub fn arrivals(&self) -> Vec<(Value, bool)> {
        self.inner.seen.lock().unwrap().clone()
    }

    /// The accepted pushes, in arrival order.
    pub fn delivered(&self) -> Vec<Value> {
        self.arrivals()
            .into_iter()
            .filter(|(_, ok)| *ok)
            .map(|(v, _)| v)
            .collect()
    }

    /// Waits until at least `n` pushes were accepted (at most `secs` seconds).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Value> {
        for _ in 0..secs * 20 {
            let got = self.delivered();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let got = self.delivered();
        panic!("expected {n} pushes, got {}: {got:#?}", got.len());
    }
}
