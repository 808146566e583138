//! Reading a 3TMS call: its JSON body (every type error named; every string through the text
//! hygiene check) and its access token (`?access_token=` or `Authorization: Bearer`), then the
//! account's hourly limit.

use super::answer::Answer;
use crate::auth::{self, AuthError, AuthenticatedClient};
use crate::context;
use crate::domain::client::ClientKind;
use crate::domain::hygiene;
use crate::service::tms_tokens::{self, SignInError};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The body as `T`; an empty body reads as `{}`.
pub fn body<T: DeserializeOwned + Serialize>(
    b: Result<Bytes, BytesRejection>,
) -> Result<T, Answer> {
    let bytes = b.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Answer::with_status(StatusCode::PAYLOAD_TOO_LARGE, "请求体过大")
        } else {
            Answer::refused(r.to_string())
        }
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| Answer::refused("the body is not UTF-8"))?;
    let text = if text.trim().is_empty() { "{}" } else { text };
    if !text.trim_start().starts_with('{') {
        return Err(Answer::refused("the body must be a JSON object"));
    }
    let t: T = crate::http::json_input::read(text, "").map_err(|e| super::answer::invalid(&e))?;
    let bad = hygiene::check(&t, "");
    if !bad.is_empty() {
        return Err(super::answer::invalid(&bad));
    }
    Ok(t)
}

/// The parameters of a call the seed also allows as GET: the JSON body, or (when the body is
/// empty) the query string's parameters as text members.
pub fn params<T: DeserializeOwned + Serialize>(
    query: Option<&str>,
    b: Result<Bytes, BytesRejection>,
) -> Result<T, Answer> {
    let empty = b
        .as_ref()
        .map(|x| x.iter().all(u8::is_ascii_whitespace))
        .unwrap_or(false);
    if !empty {
        return body(b);
    }
    // A key given more than once (or as `key[]`) is a list, as a JSON body would send it.
    let mut m = serde_json::Map::new();
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if k == "access_token" {
            continue;
        }
        let (name, listed) = match k.strip_suffix("[]") {
            Some(n) => (n.to_string(), true),
            None => (k.into_owned(), false),
        };
        let v = serde_json::Value::from(v.into_owned());
        match m.get_mut(&name) {
            Some(serde_json::Value::Array(a)) => a.push(v),
            Some(first) => *first = serde_json::Value::Array(vec![first.take(), v]),
            None if listed => {
                m.insert(name, serde_json::Value::Array(vec![v]));
            }
            None => {
                m.insert(name, v);
            }
        }
    }
    body(Ok(Bytes::from(serde_json::Value::Object(m).to_string())))
}

/// A list that may come as one comma-separated text (a query string's single value) or as a list.
#[derive(Debug, Clone, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum TextList {
    Many(Vec<String>),
    One(String),
}

impl TextList {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            TextList::Many(v) => v,
            TextList::One(s) => s
                .split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect(),
        }
    }
}

/// A number the seed types as `String` (or that arrives from a query string): either form.
#[derive(Debug, Clone, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum NumArg {
    Number(f64),
    Text(String),
}

impl NumArg {
    /// The number; an empty text is absent.
    pub fn value(self) -> Result<Option<f64>, String> {
        match self {
            NumArg::Number(x) => Ok(Some(x)),
            NumArg::Text(s) if s.trim().is_empty() => Ok(None),
            NumArg::Text(s) => s
                .trim()
                .parse::<f64>()
                .map(Some)
                .map_err(|_| format!("{s:?} is not a number")),
        }
    }
}

/// Reads an optional numeric argument, recording what is wrong with it.
pub fn num_arg(
    e: &mut crate::domain::validation::FieldErrors,
    path: &str,
    v: Option<NumArg>,
) -> Option<f64> {
    match v.map(NumArg::value) {
        None | Some(Ok(None)) => None,
        Some(Ok(Some(x))) => Some(x),
        Some(Err(m)) => {
            e.invalid(path, m);
            None
        }
    }
}

/// Reads an optional whole-number argument.
pub fn int_arg(
    e: &mut crate::domain::validation::FieldErrors,
    path: &str,
    v: Option<NumArg>,
) -> Option<i64> {
    let x = num_arg(e, path, v)?;
    if x.fract() != 0.0 || x.abs() > 1e15 {
        e.invalid(path, format!("must be a whole number (got {x})"));
        return None;
    }
    Some(x as i64)
}

pub fn sign_in_failure(e: SignInError) -> Answer {
    match e {
        SignInError::BadToken => Answer::unauthorized(e.to_string()),
        SignInError::Disabled => Answer::unauthorized(e.to_string()),
        SignInError::BadPassword | SignInError::BadRefresh => Answer::refused(e.to_string()),
        SignInError::TooMany { retry_after_secs } => Answer::too_many(retry_after_secs),
        SignInError::Service(s) => service_failure(s),
    }
}

pub fn service_failure(e: crate::service::ServiceError) -> Answer {
    use crate::service::ServiceError as S;
    match e {
        S::Invalid(f) => super::answer::invalid(&f),
        S::Unavailable(cause) => {
            tracing::warn!(error = %cause, "storage unavailable");
            Answer::with_status(StatusCode::SERVICE_UNAVAILABLE, "存储暂不可用,请稍后重试")
        }
        S::Database(cause) => {
            tracing::error!(error = %cause, "internal error");
            Answer::with_status(StatusCode::INTERNAL_SERVER_ERROR, "内部错误")
        }
        S::Internal(m) => {
            tracing::error!(error = %m, "internal error");
            Answer::with_status(StatusCode::INTERNAL_SERVER_ERROR, "内部错误")
        }
        // The seed's own texts (订单xxx不存在 …), without the layer's English prefix.
        S::NotFound(m) | S::Conflict(m) | S::WrongStatus(m) => Answer::refused(m),
        other => Answer::refused(other.to_string()),
    }
}

/// The endpoints the seed limits, each on its own ("一小时内最多调用一万次,超过会提示操作频繁"):
/// creating, finding, listing and changing waybills and slips. It states no limit for cancels,
/// cargo, subscriptions and the rest, and they have none (docs/tms.md).
const LIMITED: [&str; 7] = [
    "/order/create_order",
    "/order/find_order/v2",
    "/order/query_orders",
    "/order/modify_order",
    "/customer_order/create_customer_order",
    "/customer_order/update_customer_order",
    "/customer_order/query_customer_orders",
];

/// A caller holding a valid access token of an active customer account within its limit.
pub struct Account(pub AuthenticatedClient);

fn token_of(parts: &Parts) -> Option<String> {
    let from_query = parts.uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
    });
    from_query
        .or_else(|| {
            parts
                .headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(|t| t.trim().to_string())
        })
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for Account {
    type Rejection = Answer;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Answer> {
        let token = token_of(parts).ok_or_else(|| {
            Answer::unauthorized("缺少 access_token (?access_token=… 或 Authorization: Bearer …)")
        })?;
        let now = app.clock.now();
        let client = tms_tokens::authenticate(&app.db, &app.identities, &token, now)
            .await
            .map_err(sign_in_failure)?;
        context::set_client(
            client.id,
            format!("{}/{}", client.create_by, client.data_source),
        );
        if client.kind != ClientKind::Customer {
            return Err(Answer::unauthorized("only customer accounts call this API"));
        }
        let Some(&bucket) = LIMITED.iter().find(|p| **p == parts.uri.path()) else {
            return Ok(Account(client));
        };
        auth::check_rate_of(
            &app.db,
            &app.rates,
            &client,
            bucket,
            app.settings.auth.default_rate_limit_per_hour,
            now,
        )
        .await
        .map_err(|e| match e {
            AuthError::RateLimited {
                retry_after_secs, ..
            } => Answer::too_many(retry_after_secs),
            AuthError::Storage(db) => service_failure(crate::service::ServiceError::from(db)),
            other => {
                tracing::error!(error = %other, "internal error");
                Answer::with_status(StatusCode::INTERNAL_SERVER_ERROR, "内部错误")
            }
        })?;
        Ok(Account(client))
    }
}
