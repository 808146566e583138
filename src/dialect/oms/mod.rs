//! The OMS transfer and warehouse API of seed 001 (ShopEx OMS `openapi` names) on the same
//! core. Two routes, two sets of system parameters: `/openapi` (`method`, `app_key`,
//! `timestamp` `yyyy-MM-dd HH:mm:ss`, `format=json`, `v=1.0`, `sign`) serves `warehouse.add`
//! and the transfer `warehouse.getList`; `/openapi/warehouse` (`flag`, `method`, `ver=1`,
//! `charset=utf-8`, `type=json`, `timestamp` `yyyyMMddHHmmss`, `sign`) serves the warehouse
//! `warehouse.getList` and `warehouse.getDetail`. Parameters come in the query, a form body or
//! a JSON body; every signature is used once. See docs/oms.md.

pub mod answer;
mod call;
mod methods;
pub mod params;
pub mod push;
pub mod sign;

use crate::domain::validation::FieldErrors;
use crate::http::{tag_routes, RouteTag};
use crate::state::AppState;
use answer::{Answer, Part};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

/// `/openapi`: refusals before the method ran in the part 1 answer.
pub const TAG: RouteTag = RouteTag {
    dialect: "oms",
    problems: |e| problems(Part::Transfers, e),
    internal: || internal(Part::Transfers),
    unavailable: |m| unavailable(Part::Transfers, m),
    audit_reads: true,
};

/// `/openapi/warehouse`: the same, with part 2's texts.
pub const WAREHOUSE_TAG: RouteTag = RouteTag {
    dialect: "oms",
    problems: |e| problems(Part::Warehouses, e),
    internal: || internal(Part::Warehouses),
    unavailable: |m| unavailable(Part::Warehouses, m),
    audit_reads: true,
};

fn problems(part: Part, e: FieldErrors) -> Response {
    answer::render(part, answer::invalid(&e))
}

fn internal(part: Part) -> Response {
    answer::render(part, Answer::fail(500, "quote the X-Request-Id to support"))
}

fn unavailable(part: Part, message: String) -> Response {
    answer::render(part, Answer::fail(500, message))
}

pub fn router() -> OpenApiRouter<AppState> {
    let transfers = tag_routes(
        OpenApiRouter::new().routes(routes!(transfers_post, transfers_get)),
        TAG,
    );
    let warehouses = tag_routes(
        OpenApiRouter::new().routes(routes!(warehouses_post, warehouses_get)),
        WAREHOUSE_TAG,
    );
    transfers.merge(warehouses)
}

async fn handle(
    app: &AppState,
    part: Part,
    get: bool,
    query: Option<String>,
    headers: Option<&HeaderMap>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let content_type = headers
        .and_then(|h| h.get(axum::http::header::CONTENT_TYPE))
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let answer = call::run(
        app,
        call::Incoming {
            part,
            get,
            query,
            content_type,
            body,
        },
    )
    .await;
    answer::render(part, answer)
}

/// Transfer orders (seed 001 part 1): `warehouse.add` (a direct transfer-in, `t_type` DC) and
/// `warehouse.getList` (completed transfers by completion time). Parameters in the query, a
/// urlencoded form or a JSON object body.
#[utoipa::path(post, path = "/openapi", tag = "oms",
    security(("oms_sign" = [])),
    params(("method" = String, Query, description = "warehouse.add or warehouse.getList"),
           ("app_key" = String, Query, description = "the identity's app key"),
           ("timestamp" = String, Query, description = "yyyy-MM-dd HH:mm:ss (Asia/Shanghai); valid 5 minutes"),
           ("format" = String, Query, description = "json"),
           ("v" = String, Query, description = "1.0"),
           ("sign" = String, Query, description = "UPPER(MD5(UPPER(MD5(assemble(params − sign))) + secret)); each sign once")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
                 description = "the method's parameters (or a JSON object; items as a JSON string)"),
    responses((status = 200, description = "{code: 0, message, data}; business failures (codes 1–4) are 200 too"),
              (status = "4XX", description = "{code, message, data: null}: 400 parameters (1004, 2001–2003), 401 key/time/sign (1001–1003), 403 disabled, 429 rate")))]
async fn transfers_post(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    handle(&app, Part::Transfers, false, query, Some(&headers), body).await
}

/// Part 1 queries with every parameter in the query (`warehouse.getList`).
#[utoipa::path(get, path = "/openapi", tag = "oms",
    security(("oms_sign" = [])),
    responses((status = 200, description = "as POST /openapi")))]
async fn transfers_get(State(app): State<AppState>, RawQuery(query): RawQuery) -> Response {
    handle(&app, Part::Transfers, true, query, None, Ok(Bytes::new())).await
}

/// Warehouses (seed 001 part 2): `warehouse.getList` and `warehouse.getDetail`.
#[utoipa::path(post, path = "/openapi/warehouse", tag = "oms",
    security(("oms_sign" = [])),
    params(("flag" = String, Query, description = "the identity's app key"),
           ("method" = String, Query, description = "warehouse.getList or warehouse.getDetail"),
           ("ver" = String, Query, description = "1"),
           ("charset" = String, Query, description = "utf-8"),
           ("type" = String, Query, description = "json"),
           ("timestamp" = String, Query, description = "yyyyMMddHHmmss (Asia/Shanghai); valid 5 minutes"),
           ("sign" = String, Query, description = "as /openapi")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "{code: 0, message, data: {count, lists} | {branch_id, …}}"),
              (status = "4XX", description = "as /openapi")))]
async fn warehouses_post(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    handle(&app, Part::Warehouses, false, query, Some(&headers), body).await
}

/// Part 2 with every parameter in the query.
#[utoipa::path(get, path = "/openapi/warehouse", tag = "oms",
    security(("oms_sign" = [])),
    responses((status = 200, description = "as POST /openapi/warehouse")))]
async fn warehouses_get(State(app): State<AppState>, RawQuery(query): RawQuery) -> Response {
    handle(&app, Part::Warehouses, true, query, None, Ok(Bytes::new())).await
}
