//! 奇门 (Qimen) WMS methods, as the ERPs that reach warehouses through Qimen call them, on the
//! same core: `POST /router/qimen/service` (system parameters in the query, an XML body, or
//! JSON with `format=json`) and `GET|POST /router/rest` (the TOP form style; at the root because
//! py-taobao-open hard-codes the path). Identities carry an app key (and a customerId); their
//! tenant is their `createBy`. Pushes go back as Qimen method calls ([`push`]).

pub mod answer;
mod call;
mod dto;
mod methods;
pub mod params;
pub mod push;
pub mod sign;
pub mod xml;

use crate::domain::validation::FieldErrors;
use crate::http::{tag_routes, RouteTag};
use crate::state::AppState;
use answer::{Answer, Style};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The tag of `/router/qimen/service`: refusals before the method runs are `<response>` XML.
pub const TAG: RouteTag = RouteTag {
    dialect: "qimen",
    problems: |e| problems(Style::Qimen { json: false }, e),
    internal: || internal(Style::Qimen { json: false }),
    unavailable: |m| unavailable(Style::Qimen { json: false }, m),
    audit_reads: true,
};

/// The tag of `/router/rest` (same dialect): refusals are TOP's `error_response` JSON.
pub const TOP_TAG: RouteTag = RouteTag {
    dialect: "qimen",
    problems: |e| problems(Style::Top, e),
    internal: || internal(Style::Top),
    unavailable: |m| unavailable(Style::Top, m),
    audit_reads: true,
};

/// Path or query text refused before the method ran.
fn problems(style: Style, e: FieldErrors) -> Response {
    let r = answer::invalid(&e);
    answer::render(
        style,
        "",
        Answer::refused(r.code, "Invalid arguments", r.message),
    )
}

fn internal(style: Style) -> Response {
    answer::render(
        style,
        "",
        Answer::refused(500, "Internal error", "quote the request_id to support"),
    )
}

fn unavailable(style: Style, message: String) -> Response {
    answer::render(
        style,
        "",
        Answer::refused(503, "Service unavailable", message),
    )
}

pub fn router() -> OpenApiRouter<AppState> {
    let qimen = tag_routes(OpenApiRouter::new().routes(routes!(qimen_service)), TAG);
    let top = tag_routes(
        OpenApiRouter::new().routes(routes!(top_rest_post, top_rest_get)),
        TOP_TAG,
    );
    qimen.merge(top)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("x-www-form-urlencoded"))
}

/// 奇门 router: a Qimen WMS method (`method=taobao.qimen.entryorder.create` …). System
/// parameters in the query; the body is the method's `<request>` XML, or JSON with
/// `format=json`; signed over the sorted parameters followed by the raw body.
#[utoipa::path(post, path = "/router/qimen/service", tag = "qimen",
    security(("top_sign" = [])),
    params(("method" = String, Query, description = "taobao.qimen.entryorder.create, …; the taobao.qimen. prefix may be left out"),
           ("app_key" = String, Query, description = "the identity's app key"),
           ("customerId" = Option<String>, Query, description = "the identity's customerId"),
           ("timestamp" = String, Query, description = "yyyy-MM-dd HH:mm:ss (Asia/Shanghai) or epoch milliseconds; ±10 minutes"),
           ("format" = Option<String>, Query, description = "xml (default) or json"),
           ("v" = Option<String>, Query, description = "1.0 or 2.0"),
           ("sign_method" = Option<String>, Query, description = "md5 (default), hmac, hmac-sha256"),
           ("sign" = String, Query, description = "the signature")),
    request_body(content = String, content_type = "text/xml", description = "<request>…</request> (or JSON with format=json)"),
    responses((status = 200, description = "always 200: <response><flag>success|failure</flag><code/><message/>…</response>")))]
async fn qimen_service(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    call::handle(
        &app,
        Style::Qimen { json: false },
        query,
        is_form(&headers),
        body,
    )
    .await
}

/// TOP router (form style): system and method parameters in the query and/or a urlencoded
/// form body; list parameters (`criteriaList`…) as JSON strings. Answers JSON.
#[utoipa::path(post, path = "/router/rest", tag = "qimen",
    security(("top_sign" = [])),
    params(("method" = String, Query, description = "taobao.qimen.inventory.query, …"),
           ("app_key" = String, Query, description = "the identity's app key"),
           ("timestamp" = String, Query, description = "yyyy-MM-dd HH:mm:ss (Asia/Shanghai) or epoch milliseconds"),
           ("sign" = String, Query, description = "the signature (may come in the form body instead)")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "always 200: {\"<method>_response\": {…}} or {\"error_response\": {code, msg, sub_code, sub_msg}}")))]
async fn top_rest_post(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    call::handle(&app, Style::Top, query, true, body).await
}

/// TOP router, every parameter in the query (node-taobao-topclient's GET).
#[utoipa::path(get, path = "/router/rest", tag = "qimen",
    security(("top_sign" = [])),
    responses((status = 200, description = "as POST /router/rest")))]
async fn top_rest_get(State(app): State<AppState>, RawQuery(query): RawQuery) -> Response {
    call::handle(&app, Style::Top, query, true, Ok(Bytes::new())).await
}
