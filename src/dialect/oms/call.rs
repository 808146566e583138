//! One OMS call: parameters, the part's system parameters, identity, timestamp window,
//! signature, rate limit, a signature used once, then the method.

use super::answer::{self, Answer, Part};
use super::{methods, params, sign};
use crate::auth::{self, AuthError, AuthenticatedClient};
use crate::context;
use crate::domain::client::{ClientKind, Dialect};
use crate::domain::{hygiene, time};
use crate::service::ReplayKey;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;

/// A verified call: who made it, with which signature, and its parameters.
pub struct Caller {
    pub client: AuthenticatedClient,
    pub sign: String,
    pub params: params::Params,
    pub method: String,
    pub part: Part,
}

impl Caller {
    pub fn tenant(&self) -> crate::domain::client::Tenant {
        self.client.tenant()
    }

    /// The replay key of this call: a signature names one call of one identity.
    pub fn replay_key(&self) -> ReplayKey<'_> {
        ReplayKey::Signed {
            client_id: self.client.id,
            endpoint: self.endpoint(),
            sign: &self.sign,
        }
    }

    fn endpoint(&self) -> &'static str {
        match self.method.as_str() {
            "warehouse.add" => "oms:warehouse.add",
            _ => "oms:query",
        }
    }
}

/// A request as it arrived.
pub struct Incoming {
    pub part: Part,
    pub get: bool,
    pub query: Option<String>,
    pub content_type: Option<String>,
    pub body: Result<Bytes, BytesRejection>,
}

pub async fn run(app: &AppState, r: Incoming) -> Answer {
    let bytes = match r.body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Answer::fail(400, "the body is larger than this API's limit")
        }
        Err(e) => return Answer::fail(400, e.to_string()),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Answer::fail(2002, "the body is not UTF-8");
    };
    let kind = params::body_kind(r.content_type.as_deref(), text);
    let p = match params::read(r.query.as_deref(), text, kind) {
        Ok(p) => p,
        Err(e) => return Answer::fail(2002, e),
    };
    let bad = hygiene::check(&p.0, "");
    if !bad.is_empty() {
        return answer::invalid(&bad);
    }
    let Some(method) = p.given("method") else {
        return Answer::fail(2001, "method: is required");
    };
    context::set_operation(method.clone());
    if let Some(a) = other_routes_call(r.part, &p, &method) {
        return a;
    }
    if let Err(a) = system_parameters(r.part, &p) {
        return a;
    }
    let caller = match authenticate(app, r.part, p, method).await {
        Ok(c) => c,
        Err(a) => return a,
    };
    if !methods::serves(r.part, &caller.method) {
        return Answer::fail(2003, methods::unknown(r.part, &caller.method));
    }
    if r.get && !methods::is_query(&caller.method) {
        return Answer::fail(
            2002,
            format!("{} changes data: send it with POST", caller.method),
        );
    }
    if methods::is_query(&caller.method) {
        match crate::service::first_use_of_sign(
            &app.db,
            caller.client.id,
            caller.endpoint(),
            &caller.sign,
        )
        .await
        {
            Ok(true) => {}
            Ok(false) => return sign_used(),
            Err(e) => return answer::from_service(e),
        }
    }
    methods::dispatch(app, &caller).await
}

/// The answer to a signature seen before ("每个请求必须生成唯一的签名").
pub fn sign_used() -> Answer {
    Answer::fail(
        1003,
        "this sign was already used: every request must carry a new signature (a new timestamp)",
    )
}

/// A call of the other route sent here (its system parameters, or a method only it serves):
/// 2003 naming the route it belongs to, instead of this route's missing parameters.
fn other_routes_call(part: Part, p: &params::Params, method: &str) -> Option<Answer> {
    let (here, there, theirs, ours) = match part {
        Part::Transfers => ("/openapi", "/openapi/warehouse", "flag", "app_key"),
        Part::Warehouses => ("/openapi/warehouse", "/openapi", "app_key", "flag"),
    };
    let only_there = !methods::serves(part, method) && methods::serves(part.other(), method);
    let their_parameters = p.given(theirs).is_some() && p.given(ours).is_none();
    (only_there || their_parameters).then(|| {
        Answer::fail(
            2003,
            format!(
                "{method} with `{}` is a call of {there}, not of {here}: send it to {there}",
                if their_parameters {
                    theirs
                } else {
                    "its parameters"
                }
            ),
        )
    })
}

/// The part's fixed system parameters: `format=json` and `v` (transfers); `ver=1`,
/// `charset=utf-8` and `type=json` (warehouses).
fn system_parameters(part: Part, p: &params::Params) -> Result<(), Answer> {
    let mut missing = Vec::new();
    let fixed: &[(&str, &[&str])] = match part {
        Part::Transfers => &[("format", &["json"]), ("v", &["1.0", "1"])],
        Part::Warehouses => &[
            ("type", &["json"]),
            ("ver", &["1"]),
            ("charset", &["utf-8"]),
        ],
    };
    for (name, allowed) in fixed {
        match p.given(name) {
            None => missing.push(*name),
            Some(v) if allowed.iter().any(|a| a.eq_ignore_ascii_case(&v)) => {}
            Some(v) if matches!(*name, "format" | "type") => {
                return Err(Answer::fail(
                    1004,
                    format!("{name}={v:?}: only json is answered"),
                ))
            }
            Some(v) => {
                return Err(Answer::fail(
                    2002,
                    format!("{name}={v:?}: must be {}", allowed[0]),
                ))
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Answer::fail(
            2001,
            missing
                .iter()
                .map(|n| format!("{n}: is required"))
                .collect::<Vec<_>>()
                .join("; "),
        ))
    }
}

fn refused(part: Part, e: AuthError) -> Answer {
    let key = key_name(part);
    match e {
        AuthError::UnknownIdentity { .. } => {
            Answer::fail(1001, format!("{key}: no identity has this key"))
        }
        AuthError::Disabled(_) => {
            Answer::fail(403, format!("the identity of this {key} is disabled"))
        }
        AuthError::RateLimited {
            limit,
            retry_after_secs,
        } => Answer {
            retry_after: Some(retry_after_secs),
            ..Answer::fail(
                403,
                format!(
                    "over the limit of {limit} calls per hour; retry after {retry_after_secs}s"
                ),
            )
        },
        AuthError::Storage(db) => {
            tracing::warn!(error = %db, "storage unavailable");
            Answer::fail(500, "storage temporarily unavailable; safe to retry")
        }
        AuthError::Signature(m) => Answer::fail(1003, m),
        AuthError::SandboxSignature { message, help } => {
            Answer::fail(1003, format!("{message} {}", help.sentence()))
        }
        other => {
            tracing::error!(error = %other, "internal error");
            Answer::fail(500, "quote the X-Request-Id to support")
        }
    }
}

fn key_name(part: Part) -> &'static str {
    match part {
        Part::Transfers => "app_key",
        Part::Warehouses => "flag",
    }
}

/// The call's time: `yyyy-MM-dd HH:mm:ss` (transfers) or `yyyyMMddHHmmss` (warehouses), both
/// Asia/Shanghai.
fn timestamp(part: Part, p: &params::Params) -> Result<DateTime<Utc>, Answer> {
    let t = p
        .given("timestamp")
        .ok_or_else(|| Answer::fail(2001, "timestamp: is required"))?;
    let parsed = match part {
        Part::Transfers => time::parse(&t),
        Part::Warehouses => time::parse_compact(&t),
    };
    parsed
        .map(|t| t.with_timezone(&Utc))
        .map_err(|m| Answer::fail(1002, format!("timestamp: {m} (Asia/Shanghai)")))
}

async fn authenticate(
    app: &AppState,
    part: Part,
    p: params::Params,
    method: String,
) -> Result<Caller, Answer> {
    let key = key_name(part);
    let app_key = p
        .given(key)
        .ok_or_else(|| Answer::fail(2001, format!("{key}: is required")))?;
    let sign = p
        .given("sign")
        .ok_or_else(|| Answer::fail(2001, "sign: is required"))?;
    let t = timestamp(part, &p)?;
    let who = auth::identity_by_app_key(&app.known_identities(), Dialect::Oms, &app_key, None)
        .await
        .map_err(|e| refused(part, e))?;
    if !who.active {
        return Err(refused(
            part,
            AuthError::Disabled(who.client.create_by.clone()),
        ));
    }
    let now = app.clock.now();
    let window = app.settings.oms.timestamp_window_secs;
    let skew = (t - now).num_seconds();
    if skew.abs() > window {
        return Err(Answer::fail(
            1002,
            format!(
                "timestamp is {}s {} server time; requests are valid for {window}s",
                skew.abs(),
                if skew > 0 { "ahead of" } else { "behind" }
            ),
        ));
    }
    let assembled = sign::assemble(&p.0);
    if !sign::verify(&assembled, who.secret.expose_secret(), &sign) {
        let rule = "sign must be UPPER(MD5(UPPER(MD5(assemble(parameters without sign))) + secret)), keys sorted";
        if who.client.sandbox {
            let mut names: Vec<String> = p.0.keys().filter(|k| *k != "sign").cloned().collect();
            names.sort();
            let help = crate::auth::sign_help::SignHelp::new(
                assembled,
                names,
                "UPPER(MD5(UPPER(MD5(signed string)) + secret))",
            );
            return Err(Answer::fail(1003, format!("{rule} {}", help.sentence())));
        }
        return Err(Answer::fail(1003, rule));
    }
    let client = who.client;
    context::set_client(
        client.id,
        format!("{}/{}", client.create_by, client.data_source),
    );
    if client.kind != ClientKind::Customer {
        return Err(Answer::fail(403, "only customer identities call this API"));
    }
    auth::check_rate(
        &app.db,
        &app.rates,
        &client,
        app.settings.auth.default_rate_limit_per_hour,
        now,
    )
    .await
    .map_err(|e| refused(part, e))?;
    Ok(Caller {
        client,
        sign: sign.to_ascii_uppercase(),
        params: p,
        method,
        part,
    })
}
