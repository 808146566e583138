//! HTTP plumbing shared by every dialect: the middleware stack (request id, deadline, log line,
//! audit row: [`observe`]), the route tag each dialect's router sets ([`RouteTag`]), the text
//! hygiene check of paths and queries ([`input_guard`]), typed JSON reading ([`json_input`]),
//! probes and the OpenAPI document. [`router`] is where the dialects' routers are merged.

pub mod client_address;
pub mod health;
pub mod input_guard;
pub mod json_input;
pub mod observe;
pub mod openapi;

use crate::context;
use crate::dialect;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::any::Any;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_axum::router::OpenApiRouter;

/// The outcome code of a response (a §2 code, or a dialect's own), for the log line, the
/// audit row and the metrics. Every dialect's answers set it.
#[derive(Debug, Clone, Copy)]
pub struct OutcomeCode(pub i32);

pub use crate::context::RouteTag;

/// Tags the request with its route's dialect, then refuses text in the path or query that the
/// gateway never accepts (the dialect's own answer), before any handler runs.
async fn tagged(State(tag): State<RouteTag>, req: Request, next: Next) -> Response {
    context::set_route(tag);
    let problems = input_guard::check_uri(req.uri());
    if problems.is_empty() {
        next.run(req).await
    } else {
        (tag.problems)(problems)
    }
}

/// Applies a dialect's [`RouteTag`] to every route of its router.
pub fn tag_routes<S>(router: OpenApiRouter<S>, tag: RouteTag) -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.route_layer(middleware::from_fn_with_state(tag, tagged))
}

/// [`tag_routes`] for a router without OpenAPI entries (the console's HTML pages).
pub fn tag_plain_routes<S>(router: axum::Router<S>, tag: RouteTag) -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.route_layer(middleware::from_fn_with_state(tag, tagged))
}

async fn no_such_endpoint(method: Method, uri: Uri) -> Response {
    // 3TMS answers what it does not serve (a wrong method on its paths too) its own way.
    if dialect::tms::owns_path(uri.path()) {
        return dialect::tms::no_such_interface();
    }
    dialect::hongxun::no_such_endpoint(method.as_str(), uri.path())
}

fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    match context::route() {
        Some(tag) => (tag.internal)(),
        None => dialect::hongxun::internal_error(),
    }
}

/// Every route of every dialect, the ops API and the probes, with their OpenAPI entries.
pub fn api(settings: &crate::config::Settings) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::document())
        .merge(dialect::hongxun::router(settings))
        .merge(dialect::qimen::router())
        .merge(dialect::oms::router())
        .merge(dialect::tms::router())
        .merge(crate::ops::router(settings.server.image_body_limit_bytes))
        .merge(health::router())
}

/// The whole HTTP surface with its middleware stack.
pub fn router(state: AppState) -> Router {
    let (api, doc) = api(&state.settings).split_for_parts();
    api.merge(openapi::docs(doc))
        .merge(crate::console::router())
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(no_such_endpoint)
        .layer(DefaultBodyLimit::max(
            state.settings.server.body_limit_bytes,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .with_state(state)
}
