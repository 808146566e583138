//! OMS answers: `{code, message, data}` with seed 001's codes. `message` is the seed's text for
//! the code followed by what exactly is wrong. HTTP status by class (docs/oms.md): 200 for
//! success and the business codes 1–4; 400 for parameter problems (1004, 2001–2003); 401 for
//! identity, time and signature (1001–1003); 403 for a disabled identity; 429 with code 403
//! over the rate limit; 500 (or 503, safe to retry) with code 500.

use crate::context;
use crate::domain::validation::FieldErrors;
use crate::http::OutcomeCode;
use crate::service::ServiceError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Which part of seed 001 a route serves: its system parameters differ, and so do a few of
/// its texts (`app_key`/`format` vs `flag`/`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `POST /openapi`: transfer orders.
    Transfers,
    /// `POST /openapi/warehouse`: warehouses.
    Warehouses,
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub code: i32,
    /// What exactly is wrong (empty on success).
    pub detail: String,
    pub data: Option<Value>,
    /// The HTTP status when it is not the code's class (503 for "safe to retry").
    pub http: Option<StatusCode>,
    pub retry_after: Option<u64>,
}

impl Answer {
    pub fn ok(data: Value) -> Self {
        Self {
            code: 0,
            detail: String::new(),
            data: Some(data),
            http: None,
            retry_after: None,
        }
    }

    pub fn fail(code: i32, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            data: None,
            http: None,
            retry_after: None,
        }
    }
}

/// The seed's text for a code.
fn text(part: Part, code: i32) -> &'static str {
    match (code, part) {
        (0, _) => "success",
        (1 | 400, _) => "参数错误",
        (2, _) => "仓库不存在",
        (3, _) => "物料不存在",
        (4, _) => "库存不足",
        (401, _) => "未授权访问",
        (403, _) => "禁止访问",
        (1001, Part::Transfers) => "非法的app_key",
        (1001, Part::Warehouses) => "非法的flag",
        (1002, _) => "请求已过期",
        (1003, _) => "签名错误",
        (1004, Part::Transfers) => "不支持的format格式",
        (1004, Part::Warehouses) => "不支持的type格式",
        (2001, _) => "缺少必要的参数",
        (2002, _) => "非法的请求参数",
        (2003, _) => "接口不存在",
        _ => "服务器内部错误",
    }
}

fn status(code: i32) -> StatusCode {
    match code {
        0..=4 => StatusCode::OK,
        401 | 1001..=1003 => StatusCode::UNAUTHORIZED,
        403 => StatusCode::FORBIDDEN,
        1004 | 400 | 2001..=2003 => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Field errors as one answer: 2001 when something required is missing, else 2002; every
/// field and what is wrong with it.
pub fn invalid(errors: &FieldErrors) -> Answer {
    let code = if errors.has_missing() { 2001 } else { 2002 };
    let detail = errors
        .iter()
        .map(|e| format!("{}: {}", e.path, e.reason))
        .collect::<Vec<_>>()
        .join("; ");
    Answer::fail(code, detail)
}

/// A use case's failure in the seed's codes.
pub fn from_service(e: ServiceError) -> Answer {
    match e {
        ServiceError::Invalid(errors) => invalid(&errors),
        ServiceError::MissingReference(m) if !m.inventory_orgs.is_empty() => Answer::fail(
            2,
            format!(
                "branch_bn {}: no warehouse of this customer has that code (库存组织同步 names a customer's warehouses)",
                m.inventory_orgs.join(", ")
            ),
        ),
        ServiceError::MissingReference(m) => Answer::fail(
            3,
            format!(
                "items: no product of this customer has the barcode or item code {}",
                m.products.join(", ")
            ),
        ),
        ServiceError::InsufficientStock(short) => Answer::fail(
            4,
            short
                .iter()
                .map(|s| format!("{}: requested {}, available {}", s.item_code, s.requested, s.available))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        ServiceError::NotFound(m) => Answer::fail(2, format!("{m} does not exist")),
        ServiceError::WrongStatus(m) | ServiceError::Conflict(m) => Answer::fail(1, m),
        ServiceError::Unavailable(cause) => {
            tracing::warn!(error = %cause, "storage unavailable");
            let m = if context::committing() {
                "storage became unavailable while the change was being committed: the outcome is unknown; retry with a new sign (original_iso_bn keeps it one order)"
            } else {
                "storage temporarily unavailable; nothing was changed; safe to retry"
            };
            Answer {
                http: Some(StatusCode::SERVICE_UNAVAILABLE),
                ..Answer::fail(500, m)
            }
        }
        ServiceError::Database(cause) => {
            tracing::error!(error = %cause, "internal error");
            Answer::fail(500, "quote the X-Request-Id to support")
        }
        ServiceError::Internal(m) => {
            tracing::error!(error = %m, "internal error");
            Answer::fail(500, "quote the X-Request-Id to support")
        }
    }
}

/// The HTTP answer.
pub fn render(part: Part, a: Answer) -> Response {
    let message = if a.detail.is_empty() {
        text(part, a.code).to_string()
    } else {
        format!("{}: {}", text(part, a.code), a.detail)
    };
    let body = json!({"code": a.code, "message": message, "data": a.data});
    let mut resp = (
        a.http.unwrap_or_else(|| status(a.code)),
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        body.to_string(),
    )
        .into_response();
    if let Some(secs) = a.retry_after {
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp.extensions_mut().insert(OutcomeCode(a.code));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_by_class() {
        assert_eq!(status(0), StatusCode::OK);
        assert_eq!(status(3), StatusCode::OK);
        assert_eq!(status(1003), StatusCode::UNAUTHORIZED);
        assert_eq!(status(2003), StatusCode::BAD_REQUEST);
        assert_eq!(status(403), StatusCode::FORBIDDEN);
        assert_eq!(status(500), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(text(Part::Warehouses, 1001), "非法的flag");
    }
}
