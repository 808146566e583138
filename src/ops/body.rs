//! Reading an ops call: its JSON body, its `Idempotency-Key`, and the helpers the handlers
//! share (batch heads, code lists, answers).

use super::auth::Operator;
use crate::dialect::hongxun::error::{ApiError, Code};
use crate::dialect::hongxun::order_dto as dto;
use crate::dialect::hongxun::response::ApiOk;
use crate::domain::hygiene;
use crate::domain::order::content_fingerprint;
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::service::ops::{self, BatchHead, ConfirmType};
use crate::service::{Outcome, ReplayKey};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A plain JSON body (every type error named by its path; 413 beyond the body limit; every
/// string through the text hygiene check; unknown members dropped), and the call's
/// `Idempotency-Key` with the fingerprints that decide "the same request".
pub struct OpsJson<T> {
    pub body: T,
    pub call: OpsCall,
}

/// What identifies an ops call for idempotency.
pub struct OpsCall {
    idempotency_key: Option<String>,
    /// Of method, path and body: what an `Idempotency-Key` must be used with again.
    request_fingerprint: String,
    /// Of the body alone: "the same content" for natural keys (batchNo, adjustOrderCode).
    pub content_fingerprint: String,
}

/// The body of a POST that takes none.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct NoBody {}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let ok = (1..=255).contains(&v.len()) && v.as_bytes().iter().all(|b| (0x21..=0x7e).contains(b));
    if !ok {
        return Err(ApiError::new(
            Code::InvalidField,
            "Idempotency-Key: must be 1–255 visible ASCII characters",
        ));
    }
    Ok(v.to_str().ok().map(str::to_string))
}

impl OpsCall {
    /// The call's idempotency key under `op`'s token, when it sent one.
    pub fn replay_key<'a>(&'a self, op: &'a Operator) -> Option<ReplayKey<'a>> {
        self.idempotency_key.as_deref().map(|key| ReplayKey::Keyed {
            caller: &op.token_name,
            key,
            fingerprint: &self.request_fingerprint,
        })
    }
}

impl<T: DeserializeOwned + Serialize> FromRequest<AppState> for OpsJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, ApiError> {
        let idempotency_key = idempotency_key(req.headers())?;
        let method = req.method().to_string();
        let path = req.uri().path().to_string();
        let bytes = Bytes::from_request(req, app)
            .await
            .map_err(ApiError::body_rejection)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| ApiError::bad_request("body is not valid UTF-8"))?;
        let text = if text.trim().is_empty() { "{}" } else { text };
        if !text.trim_start().starts_with('{') {
            return Err(ApiError::bad_request("body is not a JSON object"));
        }
        let body: T = crate::http::json_input::read(text, "")?;
        let bad = hygiene::check(&body, "");
        if !bad.is_empty() {
            return Err(bad.into());
        }
        let known = serde_json::to_value(&body).unwrap_or_default();
        let content_fingerprint = content_fingerprint(&known);
        let request_fingerprint =
            content_fingerprint_of(&json!({"method": method, "path": path, "body": known}));
        Ok(OpsJson {
            body,
            call: OpsCall {
                idempotency_key,
                request_fingerprint,
                content_fingerprint,
            },
        })
    }
}

pub(super) fn content_fingerprint_of(v: &serde_json::Value) -> String {
    content_fingerprint(v)
}

/// A list of codes (serial numbers), each checked as a code; absent is empty.
pub(super) fn codes(e: &mut FieldErrors, at: &str, v: Option<Vec<String>>) -> Vec<String> {
    v.unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| e.required(format!("{at}[{i}]"), Some(c), rules::code))
        .collect()
}

pub(super) fn state_value(s: Outcome<ops::OrderState>) -> ApiOk {
    ApiOk::from_outcome(s, |v| serde_json::to_value(v).ok())
}

pub(super) fn confirm_type(e: &mut FieldErrors, v: Option<String>) -> ConfirmType {
    match e
        .required("confirmType", v, rules::one_of(&["PARTIAL", "FINAL"]))
        .as_deref()
    {
        Some("FINAL") => ConfirmType::Final,
        _ => ConfirmType::Partial,
    }
}

pub(super) fn confirm_time(e: &mut FieldErrors, v: Option<String>) -> DateTime<Utc> {
    e.optional("confirmTime", v, dto::time)
        .and_then(|s| crate::auth::timestamp::parse(&s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

/// The head of a receipt or shipment batch: confirmType, confirmTime, batchNo.
pub(super) fn batch_head(
    e: &mut FieldErrors,
    confirm_type_v: Option<String>,
    confirm_time_v: Option<String>,
    batch_no: Option<String>,
    fingerprint: &str,
) -> BatchHead {
    BatchHead {
        confirm_type: confirm_type(e, confirm_type_v),
        confirm_time: confirm_time(e, confirm_time_v),
        batch_no: e.optional("batchNo", batch_no, rules::code),
        fingerprint: fingerprint.to_string(),
    }
}

/// The `{customer}` of a path: a code (the customer's createBy).
pub(super) fn customer_path(c: String) -> Result<crate::domain::client::Tenant, ApiError> {
    Ok(crate::domain::client::Tenant(code_path("customer", c)?))
}

/// A code taken from the path (a trip, a waybill, a slip, a device), checked like one in a body.
pub(super) fn code_path(name: &str, v: String) -> Result<String, ApiError> {
    let mut e = FieldErrors::default();
    let v = e.required(name, Some(v), rules::code);
    Ok(e.into_result(v)?)
}
