//! 3TMS answers: `{code: 200, message: null, data}` on success (HTTP 200); failures keep the
//! seed's `{status, message}` shape. HTTP statuses (docs/tms.md): 401 for a missing, wrong or
//! expired token (body status 401); 404 for an unknown path; 400 for validation and business
//! refusals and a wrong password or refresh token, with body status 500 as the seed shows;
//! 429 over the hourly limit ("操作频繁"); 503 when storage is unavailable. Never 5xx for input.

use crate::domain::validation::FieldErrors;
use crate::http::OutcomeCode;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub enum Answer {
    Ok(Value),
    /// `{code: 200, message}` without data, as the seed shows for cancels, subscriptions and
    /// the cargo calls.
    Done(Option<String>),
    Fail {
        http: StatusCode,
        status: i32,
        message: String,
        retry_after: Option<u64>,
    },
}

impl Answer {
    /// A refusal of the request's content (validation or business rule): HTTP 400, status 500.
    pub fn refused(message: impl Into<String>) -> Self {
        Self::Fail {
            http: StatusCode::BAD_REQUEST,
            status: 500,
            message: message.into(),
            retry_after: None,
        }
    }

    /// "操作频繁": over the hourly limit, too many failed sign-ins, or sign-in hashing busy.
    pub fn too_many(retry_after_secs: u64) -> Self {
        Self::Fail {
            http: StatusCode::TOO_MANY_REQUESTS,
            status: 500,
            message: "操作频繁".into(),
            retry_after: Some(retry_after_secs),
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Fail {
            http: StatusCode::UNAUTHORIZED,
            status: 401,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn with_status(http: StatusCode, message: impl Into<String>) -> Self {
        Self::Fail {
            http,
            status: http.as_u16() as i32,
            message: message.into(),
            retry_after: None,
        }
    }
}

/// Every field error in one message: `orderList[0].consignerPhone: is required; …`.
pub fn invalid(e: &FieldErrors) -> Answer {
    Answer::refused(
        e.iter()
            .map(|f| format!("{}: {}", f.path, f.reason))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self {
            Answer::Ok(data) => {
                let mut r = (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
                    json!({"code": 200, "message": null, "data": data}).to_string(),
                )
                    .into_response();
                r.extensions_mut().insert(OutcomeCode(200));
                r
            }
            Answer::Done(message) => {
                let mut r = (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
                    json!({"code": 200, "message": message}).to_string(),
                )
                    .into_response();
                r.extensions_mut().insert(OutcomeCode(200));
                r
            }
            Answer::Fail {
                http,
                status,
                message,
                retry_after,
            } => {
                let mut r = (
                    http,
                    [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
                    json!({"status": status, "message": message}).to_string(),
                )
                    .into_response();
                if let Some(s) =
                    retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
                {
                    r.headers_mut().insert(header::RETRY_AFTER, s);
                }
                // The metrics and audit see the HTTP class, not the seed's catch-all 500.
                r.extensions_mut().insert(OutcomeCode(http.as_u16() as i32));
                r
            }
        }
    }
}
