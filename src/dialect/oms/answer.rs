//! OMS answers: `{code, message, data}` with seed 001's codes. `message` is the seed's text for
//! the code followed by what exactly is wrong. Every answer is HTTP 200 (docs/oms.md): the
//! outcome is the body's code, as with Qimen; `Retry-After` still accompanies code 403 over the
//! rate limit.

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

impl Part {
    /// The other route of the seed.
    pub fn other(self) -> Part {
        match self {
            Part::Transfers => Part::Warehouses,
            Part::Warehouses => Part::Transfers,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub code: i32,
    /// What exactly is wrong (empty on success).
    pub detail: String,
    pub data: Option<Value>,
    pub retry_after: Option<u64>,
}

impl Answer {
    pub fn ok(data: Value) -> Self {
        Self {
            code: 0,
            detail: String::new(),
            data: Some(data),
            retry_after: None,
        }
    }

    pub fn fail(code: i32, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            data: None,
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
            Answer::fail(500, m)
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
    let mut body = json!({"code": a.code, "message": message, "data": a.data});
    // Part 2's examples show the result's members at the root (`{"count", "lists"}`, the
    // warehouse itself) while its error table has codes: the members are served at the root
    // as the seed shows them, and in `data` as part 1 has them (docs/decisions.md).
    if part == Part::Warehouses {
        if let (Some(Value::Object(m)), Value::Object(root)) = (&a.data, &mut body) {
            for (k, v) in m {
                root.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    // Always HTTP 200, as Qimen answers: the code and message are in the body, and OMS
    // clients whose HTTP library throws on 4xx/5xx would lose them (docs/decisions.md).
    let mut resp = (
        StatusCode::OK,
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
    fn every_answer_is_http_200_with_its_code_in_the_body() {
        for code in [0, 3, 403, 1003, 2003, 500] {
            let r = render(Part::Transfers, Answer::fail(code, "x"));
            assert_eq!(r.status(), StatusCode::OK, "{code}");
        }
        assert_eq!(text(Part::Warehouses, 1001), "非法的flag");
    }
}
