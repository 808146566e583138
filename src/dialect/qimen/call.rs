//! One Qimen or TOP call: parameters, identity, timestamp window, signature, rate limit, the
//! payload (XML, JSON or form parameters), then the method.

use super::answer::{self, Answer, Reply, Style};
use super::{methods, params, xml};
use crate::auth::{self, AuthError, AuthenticatedClient};
use crate::context;
use crate::domain::client::{ClientKind, Dialect};
use crate::service::ReplayKey;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::ExposeSecret;
use serde_json::{Map, Value};

/// A verified call: who made it and its parameters.
pub struct Caller {
    pub client: AuthenticatedClient,
    sign: String,
}

impl Caller {
    pub fn tenant(&self) -> crate::domain::client::Tenant {
        self.client.tenant()
    }

    /// Replays of a state-changing method: the same signature from the same identity to the
    /// same method is the same call.
    pub fn replay_key<'a>(&'a self, endpoint: &'a str) -> Option<ReplayKey<'a>> {
        Some(ReplayKey::Signed {
            client_id: self.client.id,
            endpoint,
            sign: &self.sign,
        })
    }
}

pub async fn handle(
    app: &AppState,
    style: Style,
    query: Option<String>,
    form: bool,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mut style = style;
    let mut method = String::new();
    let answer = run(app, &mut style, &mut method, query, form, body).await;
    answer::render(style, &method, answer)
}

async fn run(
    app: &AppState,
    style: &mut Style,
    full_method: &mut String,
    query: Option<String>,
    form: bool,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let bytes = match body {
        Ok(b) => b,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Answer::refused(
                413,
                "Request too large",
                "the body is larger than this router's limit",
            )
        }
        Err(r) => return Answer::refused(400, "Invalid request", r.to_string()),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Answer::refused(400, "Invalid request", "the body is not UTF-8");
    };
    let p = match params::read(query.as_deref(), text, form) {
        Ok(p) => p,
        Err(e) => return Answer::refused(2002, "Invalid arguments", e),
    };
    if let Style::Qimen { .. } = style {
        *style = Style::Qimen {
            json: p.json(false),
        };
    }
    *full_method = p.get("method").unwrap_or_default().to_string();
    let method = match p.method() {
        Ok(m) => m,
        Err(e) => return Answer::refused(2001, "Missing method", e),
    };
    context::set_operation(method.clone());
    let caller = match authenticate(app, &p).await {
        Ok(c) => c,
        Err(a) => return a,
    };
    let payload = match payload(&p) {
        Ok(v) => v,
        Err(e) => return Answer::Reply(Reply::fail(2002, e)),
    };
    methods::dispatch(app, &caller, &method, payload).await
}

fn refused(e: AuthError) -> Answer {
    match e {
        AuthError::UnknownIdentity { .. } | AuthError::Disabled(_) => {
            Answer::refused(1001, "Invalid app key", e.to_string())
        }
        AuthError::Timestamp(m) => Answer::refused(1002, "Invalid timestamp", m),
        AuthError::Signature(m) => Answer::refused(1003, "Invalid signature", m),
        AuthError::SandboxSignature { message, help } => Answer::refused(
            1003,
            "Invalid signature",
            format!("{message} {}", help.sentence()),
        ),
        AuthError::RateLimited { .. } => Answer::refused(429, "App call limited", e.to_string()),
        AuthError::Storage(db) => {
            tracing::warn!(error = %db, "storage unavailable");
            Answer::refused(
                503,
                "Service unavailable",
                "storage temporarily unavailable; safe to retry",
            )
        }
        other => {
            tracing::error!(error = %other, "internal error");
            Answer::refused(500, "Internal error", "quote the request_id to support")
        }
    }
}

async fn authenticate(app: &AppState, p: &params::Params) -> Result<Caller, Answer> {
    let app_key = p
        .required("app_key")
        .map_err(|e| Answer::refused(2001, "Missing app key", e))?;
    let customer_id = p.get("customerId").filter(|c| !c.is_empty());
    let who = auth::identity_by_app_key(
        &app.known_identities(),
        Dialect::Qimen,
        app_key,
        customer_id,
    )
    .await
    .map_err(refused)?;
    if !who.active {
        return Err(refused(AuthError::Disabled(who.client.create_by.clone())));
    }
    let now = app.clock.now();
    let t = p
        .timestamp()
        .map_err(|m| Answer::refused(1002, "Invalid timestamp", m))?;
    let window = app.settings.auth.timestamp_window_secs;
    let skew = (t - now).num_seconds();
    if skew.abs() > window {
        return Err(Answer::refused(
            1002,
            "Invalid timestamp",
            format!(
                "timestamp is {}s away from server time; allowed ±{window}s",
                skew.abs()
            ),
        ));
    }
    let method = p
        .sign_method()
        .map_err(|m| Answer::refused(1003, "Invalid signature", m))?;
    let sign = p
        .required("sign")
        .map_err(|m| Answer::refused(1003, "Missing signature", m))?;
    if !super::sign::verify(
        method,
        who.secret.expose_secret(),
        &p.pairs,
        p.body.as_deref(),
        sign,
    ) {
        let rule =
            "sign must be computed over the sorted parameters (and the body) per the TOP rules";
        if who.client.sandbox {
            let help = super::sign::help(method, &p.pairs, p.body.as_deref());
            return Err(Answer::refused(
                1003,
                "Invalid signature",
                format!("{rule} {}", help.sentence()),
            ));
        }
        return Err(Answer::refused(1003, "Invalid signature", rule));
    }
    let client = who.client;
    context::set_client(
        client.id,
        format!("{}/{}", client.create_by, client.data_source),
    );
    if client.kind != ClientKind::Customer {
        return Err(Answer::refused(
            1005,
            "Insufficient permissions",
            "only customer identities call Qimen methods",
        ));
    }
    auth::check_rate(
        &app.db,
        &app.rates,
        &client,
        app.settings.auth.default_rate_limit_per_hour,
        now,
    )
    .await
    .map_err(refused)?;
    Ok(Caller {
        client,
        sign: sign.to_ascii_uppercase(),
    })
}

/// The method's payload as a JSON object: the XML or JSON body, or (TOP form style, or a
/// Qimen call without a body) the method's own parameters, list parameters given as JSON text.
fn payload(p: &params::Params) -> Result<Value, String> {
    if let Some(body) = p.body.as_deref().filter(|b| !b.trim().is_empty()) {
        let trimmed = body.trim_start();
        if trimmed.starts_with('{') {
            let v: Value = serde_json::from_str(body)
                .map_err(|e| format!("the JSON body is not valid JSON: {e}"))?;
            let v = match v {
                Value::Object(mut m)
                    if m.len() == 1 && m.get("request").is_some_and(Value::is_object) =>
                {
                    m.remove("request").unwrap_or_default()
                }
                other => other,
            };
            return Ok(xml::normalise(v));
        }
        return xml::read(body);
    }
    let mut m = Map::new();
    for (k, v) in p.business() {
        let t = v.trim_start();
        let value = if t.starts_with('{') || t.starts_with('[') {
            serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.clone()))
        } else {
            Value::String(v.clone())
        };
        m.insert(k.clone(), value);
    }
    Ok(xml::normalise(Value::Object(m)))
}
