//! The 3TMS/CTMS open API of seed 003 on the same core: accounts sign in with a user name and
//! password for a token pair (`/user/…`), then call with `?access_token=` (or a Bearer
//! header). Answers `{code: 200, message: null, data}`; failures `{status, message}`. See
//! docs/tms.md for what is served so far.

pub mod answer;
mod call;
mod cargo;
mod customers;
mod organizations;
mod per_number;
pub mod push;
mod slip_dto;
mod slip_view;
mod slips;
pub(crate) mod states;
mod subscriptions;
mod tokens;
mod waybill_dto;
mod waybill_view;
mod waybills;

use crate::domain::validation::FieldErrors;
use crate::http::{tag_routes, RouteTag};
use crate::state::AppState;
use answer::Answer;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use utoipa_axum::{router::OpenApiRouter, routes};

pub const TAG: RouteTag = RouteTag {
    dialect: "tms",
    problems: |e: FieldErrors| answer::invalid(&e).into_response(),
    internal: || Answer::with_status(StatusCode::INTERNAL_SERVER_ERROR, "内部错误").into_response(),
    unavailable: |m| Answer::with_status(StatusCode::SERVICE_UNAVAILABLE, m).into_response(),
    audit_reads: true,
};

/// The first path segments the seed's API lives under.
const PREFIXES: [&str; 6] = [
    "user",
    "order",
    "cargo",
    "customer_order",
    "organization",
    "customer",
];

/// Whether a path is under the seed's API, where what is not served (an unknown path, or a
/// known one with another method) answers the seed's 404.
pub fn owns_path(path: &str) -> bool {
    PREFIXES.iter().any(|p| {
        path.strip_prefix('/')
            .and_then(|r| r.strip_prefix(p))
            .is_some_and(|r| r.starts_with('/'))
    })
}

/// The seed's answer for what it does not serve: `{"status":404,"message":"接口不存在"}`.
pub fn no_such_interface() -> Response {
    Answer::with_status(StatusCode::NOT_FOUND, "接口不存在").into_response()
}

/// An unknown path under the TMS prefixes: 404 in the seed's failure shape.
async fn no_such_path() -> Response {
    no_such_interface()
}

pub fn router() -> OpenApiRouter<AppState> {
    let served = OpenApiRouter::new()
        .routes(routes!(tokens::generate))
        .routes(routes!(tokens::refresh))
        .routes(routes!(customers::add))
        .routes(routes!(organizations::list))
        .routes(routes!(waybills::create))
        .routes(routes!(waybills::create_pack))
        .routes(routes!(waybills::find))
        .routes(routes!(waybills::query))
        .routes(routes!(waybills::modify))
        .routes(routes!(waybills::cancel))
        .routes(routes!(cargo::add))
        .routes(routes!(cargo::update))
        .routes(routes!(cargo::remove))
        .routes(routes!(subscriptions::order))
        .routes(routes!(subscriptions::order_off))
        .routes(routes!(subscriptions::pack))
        .routes(routes!(subscriptions::pack_off))
        .routes(routes!(subscriptions::slip))
        .routes(routes!(subscriptions::slip_off))
        .routes(routes!(slips::create))
        .routes(routes!(slips::update))
        .routes(routes!(slips::query))
        .routes(routes!(slips::cancel))
        .routes(routes!(slips::unbind))
        // The seed's GET forms, and the names the issue gives the deprecated cargo calls.
        .route("/order/query_orders", get(waybills::query))
        .route("/order/cancel_orders/v2", get(waybills::cancel))
        .route("/customer_order/query_customer_orders", get(slips::query))
        .route("/customer_order/cancel_customer_orders", get(slips::cancel))
        .route("/customer_order/batch_unbind_devices", get(slips::unbind))
        .route("/cargo/modify", post(cargo::update))
        .route("/cargo/delete", post(cargo::remove));
    let mut unknown = OpenApiRouter::new();
    for prefix in PREFIXES {
        unknown = unknown.route(&format!("/{prefix}/{{*rest}}"), any(no_such_path));
    }
    tag_routes(served.merge(unknown), TAG)
}
