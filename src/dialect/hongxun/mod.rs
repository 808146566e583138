//! The 鸿讯 open API (the contract in docs/contract/): the signed JSON envelope (§1), its
//! codes (§2), the DTOs of every endpoint, and the §6 pushes rendered from domain events.
//! Everything about this wire format lives in this folder.

pub mod base_data;
pub mod carrier;
pub mod device;
pub mod envelope;
pub mod error;
pub mod order_dto;
pub mod order_extras;
pub mod orders;
pub mod push;
pub mod queries;
pub mod response;
pub mod signed;

use crate::config::Settings;
use crate::domain::validation::FieldErrors;
use crate::http::{tag_routes, RouteTag};
use crate::state::AppState;
use axum::response::{IntoResponse, Response};
use error::{ApiError, Code};
use utoipa_axum::router::OpenApiRouter;

/// The tag of every 鸿讯 route.
pub const TAG: RouteTag = RouteTag {
    dialect: "hongxun",
    problems,
    internal: internal_error,
    unavailable,
    audit_reads: true,
};

fn problems(e: FieldErrors) -> Response {
    ApiError::from(e).into_response()
}

/// A 500 in the §1 envelope (a panic, say); the cause is logged where it happened.
pub fn internal_error() -> Response {
    ApiError::new(
        Code::Internal,
        "internal error; quote the requestId to support",
    )
    .into_response()
}

/// A 503 in the §1 envelope.
pub fn unavailable(message: String) -> Response {
    ApiError::unavailable(message).into_response()
}

/// 2003 for a path no router knows (or a method a path does not take).
pub fn no_such_endpoint(method: &str, path: &str) -> Response {
    ApiError::no_such_endpoint(method, path).into_response()
}

/// Every 鸿讯 route.
pub fn router(settings: &Settings) -> OpenApiRouter<AppState> {
    let routes = OpenApiRouter::new()
        .merge(base_data::router())
        .merge(orders::router())
        .merge(order_extras::router())
        .merge(queries::router())
        .merge(carrier::router(settings.server.image_body_limit_bytes))
        .merge(device::router());
    tag_routes(routes, TAG)
}
