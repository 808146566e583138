//! Talking Qimen to the gateway as an ERP does, and a Qimen ERP's callback endpoint that
//! verifies every push's signature the Qimen way.

use crate::helpers::*;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::routing::post;
use axum::Router;
use hongxun_gateway::dialect::qimen::{params, sign, xml};
use hongxun_gateway::domain::client::{ClientKind, Dialect};
use hongxun_gateway::service::admin::{self, NewClientInput};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const QIMEN: &str = "/router/qimen/service";
pub const TOP: &str = "/router/rest";

/// A Qimen identity: app key, customerId, secret.
#[derive(Clone, Debug)]
pub struct QimenErp {
    pub app_key: String,
    pub customer_id: String,
    pub secret: String,
}

/// Adds a Qimen identity of `tenant` (with a callback URL, when given).
pub async fn qimen_identity(
    app: &TestApp,
    tenant: &str,
    app_key: &str,
    customer_id: &str,
    callback: Option<&str>,
) -> QimenErp {
    let secret = format!("qimen-secret-{app_key}");
    qimen_identity_with_secret(app, tenant, app_key, customer_id, &secret, callback).await
}

pub async fn qimen_identity_with_secret(
    app: &TestApp,
    tenant: &str,
    app_key: &str,
    customer_id: &str,
    secret: &str,
    callback: Option<&str>,
) -> QimenErp {
    let secret = secret.to_string();
    admin::add_client(
        &app.pool,
        &master_key(),
        NewClientInput {
            kind: ClientKind::Customer,
            create_by: tenant.into(),
            data_source: format!("QIMEN-{app_key}"),
            secret: Some(secret.clone()),
            callback_url: callback.map(str::to_string),
            dialect: Dialect::Qimen,
            app_key: Some(app_key.into()),
            customer_id: Some(customer_id.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    QimenErp {
        app_key: app_key.into(),
        customer_id: customer_id.into(),
        secret,
    }
}

/// What a Qimen call answered (the `<response>` as JSON), always with HTTP 200.
#[derive(Debug)]
pub struct QimenReply {
    pub status: u16,
    pub body: Value,
    pub raw: String,
}

impl QimenReply {
    /// Reads an answer of either router.
    pub async fn read(resp: reqwest::Response) -> Self {
        let status = resp.status().as_u16();
        let raw = resp.text().await.unwrap();
        QimenReply {
            status,
            body: parse_answer(&raw),
            raw,
        }
    }
    pub fn flag(&self) -> &str {
        self.body["flag"].as_str().unwrap_or("")
    }
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or("")
    }
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!((self.status, self.flag()), (200, "success"), "{}", self.raw);
        self
    }
    #[track_caller]
    pub fn failure(&self, code: &str) -> &Self {
        assert_eq!(
            (self.status, self.flag(), self.code()),
            (200, "failure", code),
            "{}",
            self.raw
        );
        self
    }
}

/// The system parameters of a call at the current time.
pub fn system_params(
    erp: &QimenErp,
    method: &str,
    sign_method: &str,
    format: &str,
) -> Vec<(String, String)> {
    vec![
        ("method".into(), format!("taobao.qimen.{method}")),
        ("app_key".into(), erp.app_key.clone()),
        ("customerId".into(), erp.customer_id.clone()),
        (
            "timestamp".into(),
            hongxun_gateway::auth::timestamp::format(chrono::Utc::now()),
        ),
        ("format".into(), format.into()),
        ("v".into(), "2.0".into()),
        ("sign_method".into(), sign_method.into()),
    ]
}

/// Signs `params` (and the body) with `secret` and returns the query string with `sign`.
pub fn signed_query(secret: &str, params: &[(String, String)], body: Option<&str>) -> String {
    let p = params::Params {
        pairs: params.to_vec(),
        body: None,
    };
    let method = p.sign_method().unwrap();
    let s = sign::sign(method, secret, &sign::sign_string(params, body, false));
    let mut all = params.to_vec();
    all.push(("sign".into(), s));
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(all.iter())
        .finish()
}

/// Reads an answer of either router: the Qimen `<response>` (XML or JSON) or a TOP answer.
pub fn parse_answer(text: &str) -> Value {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        if let Some(r) = v.get("response") {
            return r.clone();
        }
        return v;
    }
    xml::read(text).unwrap_or_else(|e| panic!("not a Qimen answer ({e}): {text}"))
}

/// Calls a Qimen method with an XML body, signed with `sign_method`.
pub async fn qimen_xml(app: &TestApp, erp: &QimenErp, method: &str, body: &str) -> QimenReply {
    qimen_call(app, erp, method, body, "md5", "xml").await
}

pub async fn qimen_call(
    app: &TestApp,
    erp: &QimenErp,
    method: &str,
    body: &str,
    sign_method: &str,
    format: &str,
) -> QimenReply {
    let params = system_params(erp, method, sign_method, format);
    let query = signed_query(&erp.secret, &params, Some(body));
    send(
        app,
        &format!("{QIMEN}?{query}"),
        "text/xml;charset=utf-8",
        body.to_string(),
    )
    .await
}

pub async fn send(
    app: &TestApp,
    path_and_query: &str,
    content_type: &str,
    body: String,
) -> QimenReply {
    let resp = app
        .http
        .post(format!("{}{path_and_query}", app.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    QimenReply::read(resp).await
}

/// One push a Qimen ERP received: its method and `<request>` as JSON.
#[derive(Debug, Clone)]
pub struct QimenPush {
    pub method: String,
    pub request: Value,
}

#[derive(Default)]
struct Inner {
    secret: String,
    pushes: Mutex<Vec<QimenPush>>,
    bad_signatures: Mutex<u32>,
}

/// A Qimen ERP's endpoint: verifies the signature over the query parameters and the body,
/// answers `flag` success.
#[derive(Clone)]
pub struct QimenReceiver {
    pub url: String,
    inner: Arc<Inner>,
}

async fn hook(
    State(r): State<Arc<Inner>>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> (axum::http::HeaderMap, String) {
    let text = String::from_utf8(body.to_vec()).unwrap();
    let p = params::read(q.as_deref(), &text, false).unwrap();
    let method = p.sign_method().unwrap();
    let ok = sign::verify(
        method,
        &r.secret,
        &p.pairs,
        p.body.as_deref(),
        p.get("sign").unwrap_or(""),
    );
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("content-type", "text/xml;charset=utf-8".parse().unwrap());
    if !ok {
        *r.bad_signatures.lock().unwrap() += 1;
        return (headers, "<response><flag>failure</flag><code>sign-check-failure</code><message>bad sign</message></response>".into());
    }
    r.pushes.lock().unwrap().push(QimenPush {
        method: p.get("method").unwrap_or("").to_string(),
        request: xml::read(&text).unwrap(),
    });
    (
        headers,
        "<response><flag>success</flag><code>0</code><message>ok</message></response>".into(),
    )
}

impl QimenReceiver {
    pub async fn start(secret: &str) -> Self {
        let inner = Arc::new(Inner {
            secret: secret.into(),
            ..Default::default()
        });
        let app = Router::new()
            .route("/qimen", post(hook))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/qimen", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, inner }
    }

    pub fn pushes(&self) -> Vec<QimenPush> {
        self.inner.pushes.lock().unwrap().clone()
    }

    pub fn bad_signatures(&self) -> u32 {
        *self.inner.bad_signatures.lock().unwrap()
    }

    /// Waits until at least `n` pushes arrived (at most `secs` seconds).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<QimenPush> {
        for _ in 0..secs * 20 {
            let got = self.pushes();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let got = self.pushes();
        panic!("expected {n} Qimen pushes, got {}: {got:#?}", got.len());
    }
}
