//! The §1 response envelope every 鸿讯 endpoint (and the ops API) answers with, and the
//! successful answer; failures are [`super::error::ApiError`].

use crate::context;
use crate::http::OutcomeCode;
use crate::service::Outcome;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;
use utoipa::ToSchema;

/// The response body of every endpoint, success or failure.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResponseEnvelope {
    /// 200 on success, otherwise a §2 code.
    #[schema(example = 200)]
    pub code: i32,
    /// Human-readable; on validation errors it names every offending JSON path.
    pub message: String,
    /// true on success.
    pub flag: bool,
    /// The endpoint's result; on validation errors `{errors: [{path, reason}]}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The gateway's id for this call (also the X-Request-Id header).
    pub request_id: String,
}

/// A successful call: message, optional value, and whether it replays an earlier call.
#[derive(Debug)]
pub struct ApiOk {
    pub message: String,
    pub value: Option<Value>,
    /// A value already written as JSON from a typed answer (see [`ApiOk::rendered`]); when
    /// set, it is the envelope's `value`.
    rendered: Option<Box<RawValue>>,
    pub replayed: bool,
}

/// [`ResponseEnvelope`] with a value already written: the same fields in the same order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RenderedEnvelope<'a> {
    code: i32,
    message: &'a str,
    flag: bool,
    value: &'a RawValue,
    request_id: String,
}

impl ApiOk {
    pub fn new(message: impl Into<String>, value: Option<Value>) -> Self {
        Self {
            message: message.into(),
            value,
            rendered: None,
            replayed: false,
        }
    }

    /// A success whose value is written straight from a typed answer, with no `Value` tree
    /// in between (a hot query builds no map per item; #21). The type's fields, in their
    /// declared order, are the answer's keys.
    /// (Writing fails only for a map with non-string keys, which no answer has; it would be
    /// the caller's 500, not a panic.)
    pub fn rendered(
        message: impl Into<String>,
        value: &impl Serialize,
    ) -> Result<Self, super::error::ApiError> {
        let raw = serde_json::value::to_raw_value(value)
            .map_err(|e| super::error::ApiError::internal(&e))?;
        Ok(Self {
            message: message.into(),
            value: None,
            rendered: Some(raw),
            replayed: false,
        })
    }

    /// Maps a use case's outcome; a replayed one says so in its header.
    pub fn from_outcome<R>(outcome: Outcome<R>, to_value: impl FnOnce(R) -> Option<Value>) -> Self {
        Self {
            message: "success".into(),
            value: to_value(outcome.value),
            rendered: None,
            replayed: outcome.replayed,
        }
    }
}

impl IntoResponse for ApiOk {
    fn into_response(self) -> Response {
        let mut resp = match &self.rendered {
            Some(raw) => axum::Json(RenderedEnvelope {
                code: 200,
                message: &self.message,
                flag: true,
                value: raw,
                request_id: context::request_id(),
            })
            .into_response(),
            None => axum::Json(ResponseEnvelope {
                code: 200,
                message: self.message,
                flag: true,
                value: self.value,
                request_id: context::request_id(),
            })
            .into_response(),
        };
        if self.replayed {
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        resp.extensions_mut().insert(OutcomeCode(200));
        resp
    }
}
