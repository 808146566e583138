//! 奇门 (Qimen) WMS methods and the TOP router.

use crate::domain::validation::FieldErrors;
use crate::http::RouteTag;
use crate::state::AppState;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;

pub const TAG: RouteTag = RouteTag {
    dialect: "qimen",
    problems,
    internal,
    unavailable,
};

fn problems(_: FieldErrors) -> Response {
    crate::dialect::hongxun::internal_error()
}

fn internal() -> Response {
    crate::dialect::hongxun::internal_error()
}

fn unavailable(m: String) -> Response {
    crate::dialect::hongxun::unavailable(m)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
