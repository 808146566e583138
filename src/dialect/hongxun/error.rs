//! The one error type of the HTTP layer and its mapping to the §1 envelope and §2 codes.

use super::response::ResponseEnvelope;
use crate::auth::AuthError;
use crate::context;
use crate::domain::validation::FieldErrors;
use crate::http::OutcomeCode;
use crate::service::ServiceError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// The §2 result codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Ok = 200,
    BadRequest = 400,
    PayloadTooLarge = 413,
    RateLimited = 429,
    Internal = 500,
    Unavailable = 503,
    UnknownIdentity = 1001,
    BadTimestamp = 1002,
    BadSignature = 1003,
    KindNotAllowed = 1005,
    MissingField = 2001,
    InvalidField = 2002,
    NoSuchEndpoint = 2003,
    NotFound = 3001,
    OrderConflict = 3002,
    WrongStatus = 3003,
    MissingReference = 3004,
    InsufficientStock = 3005,
}

impl Code {
    /// The HTTP status of each code, as §2 gives it.
    pub fn http_status(self) -> StatusCode {
        match self {
            Code::Ok => StatusCode::OK,
            Code::BadRequest | Code::MissingField | Code::InvalidField => StatusCode::BAD_REQUEST,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::UnknownIdentity | Code::BadTimestamp | Code::BadSignature => {
                StatusCode::UNAUTHORIZED
            }
            Code::KindNotAllowed => StatusCode::FORBIDDEN,
            Code::NoSuchEndpoint | Code::NotFound => StatusCode::NOT_FOUND,
            Code::OrderConflict | Code::WrongStatus | Code::InsufficientStock => {
                StatusCode::CONFLICT
            }
            Code::MissingReference => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

/// A failed call: its code, a message naming what is wrong, and optional details.
#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub message: String,
    pub value: Option<Value>,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            value: None,
            retry_after_secs: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(Code::BadRequest, message)
    }

    pub fn no_such_endpoint(method: &str, path: &str) -> Self {
        Self::new(
            Code::NoSuchEndpoint,
            format!("no such endpoint: {method} {path} (every endpoint is a POST; see /docs)"),
        )
    }

    /// A body that could not be read: 413 beyond the route's limit, else 400.
    pub fn body_rejection(r: axum::extract::rejection::BytesRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::new(
                Code::PayloadTooLarge,
                "body larger than this endpoint's limit",
            )
        } else {
            Self::bad_request(format!("could not read the body: {r}"))
        }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(Code::Unavailable, message)
    }

    /// An unexpected failure: logged once here with its cause chain, answered with a generic message.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = cause.to_string();
        let mut src = cause.source();
        while let Some(s) = src {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            src = s.source();
        }
        tracing::error!(error = %chain, "internal error");
        Self::new(
            Code::Internal,
            "internal error; quote the requestId to support",
        )
    }

    /// A use case's error for a call whose payload sits at `prefix` (`request`): field paths
    /// of the domain become paths of the envelope.
    pub fn from_service_at(e: ServiceError, prefix: &str) -> Self {
        match e {
            ServiceError::Invalid(errors) => errors.prefixed(prefix).into(),
            other => other.into(),
        }
    }

    pub fn with_value(mut self, value: Value) -> Self {
        self.value = Some(value);
        self
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        let code = if errors.has_missing() {
            Code::MissingField
        } else {
            Code::InvalidField
        };
        let list: Vec<Value> = errors
            .iter()
            .map(|e| json!({"path": e.path, "reason": e.reason}))
            .collect();
        Self::new(code, errors.to_string()).with_value(json!({ "errors": list }))
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::UnknownIdentity { .. } | AuthError::Disabled(_) => {
                Self::new(Code::UnknownIdentity, e.to_string())
            }
            AuthError::UnknownOpsToken(m) => Self::new(Code::UnknownIdentity, m),
            AuthError::OpsTokenDisabled(_) => Self::new(Code::KindNotAllowed, e.to_string()),
            AuthError::Timestamp(m) => Self::new(Code::BadTimestamp, m),
            AuthError::Signature(m) => Self::new(Code::BadSignature, m),
            AuthError::SandboxSignature { message, help } => Self::new(Code::BadSignature, message)
                .with_value(serde_json::to_value(&*help).unwrap_or_default()),
            AuthError::RateLimited {
                retry_after_secs, ..
            } => {
                let mut err = Self::new(
                    Code::RateLimited,
                    format!("{e}; retry after {retry_after_secs}s"),
                );
                err.retry_after_secs = Some(retry_after_secs);
                err
            }
            AuthError::Storage(db) => ServiceError::from(db).into(),
            AuthError::Key(k) => Self::internal(&k),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(errors) => errors.into(),
            ServiceError::MissingReference(ref m) => {
                let named = [
                    ("inventoryOrgs", &m.inventory_orgs),
                    ("products", &m.products),
                    ("consignees", &m.consignees),
                ];
                let message = named
                    .iter()
                    .filter(|(_, codes)| !codes.is_empty())
                    .map(|(what, codes)| format!("{what} never synced: {}", codes.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ");
                let map: serde_json::Map<String, Value> = named
                    .iter()
                    .filter(|(_, codes)| !codes.is_empty())
                    .map(|(what, codes)| (what.to_string(), json!(codes)))
                    .collect();
                Self::new(Code::MissingReference, message).with_value(json!({ "missing": map }))
            }
            ServiceError::InsufficientStock(shortages) => {
                let detail: Vec<String> = shortages
                    .iter()
                    .map(|s| {
                        format!(
                            "line {} item {}: requested {}, available {}",
                            s.line_no, s.item_code, s.requested, s.available
                        )
                    })
                    .collect();
                Self::new(
                    Code::InsufficientStock,
                    format!("insufficient available stock: {}", detail.join("; ")),
                )
                .with_value(json!({ "shortages": shortages }))
            }
            ServiceError::WrongStatus(m) => Self::new(Code::WrongStatus, m),
            ServiceError::NotFound(m) => Self::new(Code::NotFound, m),
            ServiceError::Conflict(m) => Self::new(Code::OrderConflict, m),
            ServiceError::Unavailable(ref cause) => {
                tracing::warn!(error = %cause, "storage unavailable");
                if crate::context::committing() {
                    // COMMIT was sent: the change may be saved. A retry is safe only because
                    // it is idempotent (same signed body, same Idempotency-Key, same codes).
                    Self::unavailable(
                        "storage became unavailable while the change was being committed: the outcome \
                         is unknown; retry with the same Idempotency-Key or the same signed body",
                    )
                } else {
                    Self::unavailable(
                        "storage temporarily unavailable; nothing was changed; safe to retry",
                    )
                }
            }
            ServiceError::Database(ref cause) => Self::internal(cause),
            ServiceError::Internal(_) => Self::internal(&e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.code.http_status();
        let body = ResponseEnvelope {
            code: self.code as i32,
            message: self.message,
            flag: false,
            value: self.value,
            request_id: context::request_id(),
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp.extensions_mut().insert(OutcomeCode(self.code as i32));
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_the_statuses_of_section_2() {
        let table = [
            (Code::BadRequest, 400),
            (Code::PayloadTooLarge, 413),
            (Code::RateLimited, 429),
            (Code::Unavailable, 503),
            (Code::UnknownIdentity, 401),
            (Code::BadTimestamp, 401),
            (Code::BadSignature, 401),
            (Code::KindNotAllowed, 403),
            (Code::MissingField, 400),
            (Code::InvalidField, 400),
            (Code::NoSuchEndpoint, 404),
            (Code::NotFound, 404),
            (Code::OrderConflict, 409),
            (Code::WrongStatus, 409),
            (Code::MissingReference, 422),
            (Code::InsufficientStock, 409),
        ];
        for (code, status) in table {
            assert_eq!(code.http_status().as_u16(), status, "{code:?}");
        }
    }

    #[test]
    fn missing_fields_win_over_invalid_ones_for_the_code() {
        let mut e = FieldErrors::default();
        e.invalid("request.a", "bad");
        assert_eq!(ApiError::from(e.clone()).code, Code::InvalidField);
        e.missing("request.b");
        let err = ApiError::from(e);
        assert_eq!(err.code, Code::MissingField);
        assert_eq!(err.message, "request.a: bad; request.b: is required");
    }
}
