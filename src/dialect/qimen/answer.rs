//! Qimen and TOP answers, always HTTP 200 (py-taobao-open raises on any other status without
//! reading the body). The Qimen router answers `<response><flag>success|failure</flag><code/>
//! <message/>…</response>` (or its JSON mirror `{"response": {…}}`); the TOP router answers
//! `{"<method>_response": {…}}`, or `{"error_response": {code, msg, sub_code, sub_msg}}` for a
//! call refused before its method ran. `code` carries our §2 numeric codes (docs/qimen.md).

use super::xml;
use crate::context;
use crate::domain::validation::FieldErrors;
use crate::http::OutcomeCode;
use crate::service::ServiceError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// Which router answers, and in which format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `/router/qimen/service`: XML unless `format=json`.
    Qimen { json: bool },
    /// `/router/rest`: JSON (TOP's XML answers are not offered).
    Top,
}

/// A method's answer: `flag`, `code`, `message` and the method's own members.
#[derive(Debug, Clone)]
pub struct Reply {
    pub success: bool,
    pub code: i32,
    pub message: String,
    pub fields: Map<String, Value>,
}

impl Reply {
    pub fn ok(fields: Value) -> Self {
        Self {
            success: true,
            code: 200,
            message: "success".into(),
            fields: match fields {
                Value::Object(m) => m,
                _ => Map::new(),
            },
        }
    }

    pub fn fail(code: i32, message: impl Into<String>) -> Self {
        Self {
            success: false,
            code,
            message: message.into(),
            fields: Map::new(),
        }
    }
}

/// What a call answers: a method's reply, or a refusal before any method ran.
#[derive(Debug, Clone)]
pub enum Answer {
    Reply(Reply),
    /// Refused by the router (identity, signature, timestamp, parameters, rate, method).
    Refused {
        code: i32,
        msg: String,
        detail: String,
    },
}

impl Answer {
    pub fn refused(code: i32, msg: &str, detail: impl Into<String>) -> Self {
        Self::Refused {
            code,
            msg: msg.into(),
            detail: detail.into(),
        }
    }

    fn code(&self) -> i32 {
        match self {
            Self::Reply(r) => r.code,
            Self::Refused { code, .. } => *code,
        }
    }
}

/// Field errors as one failure: 2001 when something required is missing, else 2002; the
/// message lists every path (as the XML names it) and reason.
pub fn invalid(errors: &FieldErrors) -> Reply {
    let code = if errors.has_missing() { 2001 } else { 2002 };
    let message = errors
        .iter()
        .map(|e| format!("{}: {}", xml::path(&e.path), e.reason))
        .collect::<Vec<_>>()
        .join("; ");
    Reply::fail(code, message)
}

/// A use case's failure in Qimen terms: our §2 code and its message.
pub fn from_service(e: ServiceError) -> Reply {
    match e {
        ServiceError::Invalid(errors) => invalid(&errors),
        ServiceError::MissingReference(ref m) => Reply::fail(3004, e.to_string()).with(json!({
            "missing": {"warehouseOwners": m.inventory_orgs, "items": m.products, "consignees": m.consignees}
        })),
        ServiceError::InsufficientStock(ref short) => {
            let detail: Vec<String> = short
                .iter()
                .map(|s| format!("line {} item {}: requested {}, available {}", s.line_no, s.item_code, s.requested, s.available))
                .collect();
            Reply::fail(3005, format!("insufficient available stock: {}", detail.join("; ")))
        }
        ServiceError::WrongStatus(m) => Reply::fail(3003, m),
        ServiceError::NotFound(m) => Reply::fail(3001, m),
        ServiceError::Conflict(m) => Reply::fail(3002, m),
        ServiceError::Unavailable(ref cause) => {
            tracing::warn!(error = %cause, "storage unavailable");
            let m = if context::committing() {
                "storage became unavailable while the change was being committed: the outcome is unknown; retry the same call"
            } else {
                "storage temporarily unavailable; nothing was changed; safe to retry"
            };
            Reply::fail(503, m)
        }
        ServiceError::Database(ref cause) => {
            tracing::error!(error = %cause, "internal error");
            Reply::fail(500, "internal error; quote the requestId to support")
        }
        ServiceError::Internal(ref m) => {
            tracing::error!(error = %m, "internal error");
            Reply::fail(500, "internal error; quote the requestId to support")
        }
    }
}

impl Reply {
    /// Adds members to the reply.
    pub fn with(mut self, fields: Value) -> Self {
        if let Value::Object(m) = fields {
            self.fields.extend(m);
        }
        self
    }

    fn into_members(self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "flag".into(),
            (if self.success { "success" } else { "failure" }).into(),
        );
        m.insert("code".into(), self.code.to_string().into());
        m.insert("message".into(), self.message.into());
        m.extend(self.fields);
        m
    }
}

/// `taobao.qimen.inventory.query` → `qimen_inventory_query_response` (TOP drops `taobao.`).
pub fn top_response_name(method: &str) -> String {
    let m = method.strip_prefix("taobao.").unwrap_or(method);
    format!("{}_response", m.replace('.', "_"))
}

/// Renders an answer with HTTP 200 in the router's style.
pub fn render(style: Style, full_method: &str, answer: Answer) -> Response {
    let code = answer.code();
    let request_id = context::request_id();
    let (content_type, body) = match (style, answer) {
        (Style::Top, Answer::Refused { code, msg, detail }) => (
            "application/json;charset=utf-8",
            json!({"error_response": {"code": code, "msg": msg, "sub_code": code.to_string(),
                                      "sub_msg": detail, "request_id": request_id}})
            .to_string(),
        ),
        (Style::Top, Answer::Reply(r)) => {
            let mut m = r.into_members();
            m.insert("request_id".into(), request_id.into());
            (
                "application/json;charset=utf-8",
                json!({ top_response_name(full_method): m }).to_string(),
            )
        }
        (Style::Qimen { json }, answer) => {
            let r = match answer {
                Answer::Reply(r) => r,
                Answer::Refused { code, msg, detail } => {
                    Reply::fail(code, format!("{msg}: {detail}"))
                }
            };
            let mut m = r.into_members();
            m.insert("requestId".into(), request_id.into());
            if json {
                (
                    "application/json;charset=utf-8",
                    json!({ "response": m }).to_string(),
                )
            } else {
                (
                    "text/xml;charset=utf-8",
                    xml::document("response", &Value::Object(m)),
                )
            }
        }
    };
    let mut resp = (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response();
    resp.extensions_mut().insert(OutcomeCode(code));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_names_answers_after_the_method() {
        assert_eq!(
            top_response_name("taobao.qimen.inventory.query"),
            "qimen_inventory_query_response"
        );
    }
}
