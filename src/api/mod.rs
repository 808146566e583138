//! HTTP: one router per area, merged here with the middleware stack.

pub mod base_data;
pub mod carrier;
pub mod device;
pub mod envelope;
pub mod error;
pub mod health;
pub mod input_guard;
pub mod json_input;
pub mod observe;
pub mod openapi;
pub mod ops;
pub mod order_dto;
pub mod order_extras;
pub mod orders;
pub mod queries;
pub mod signed;

use crate::audit::AuditSink;
use crate::auth::cache::IdentityCache;
use crate::auth::secrets::MasterKey;
use crate::auth::tally::RateTally;
use crate::config::Settings;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::{middleware, Router};
use error::ApiError;
use sqlx::PgPool;
use std::any::Any;
use std::ops::Deref;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;

/// What every handler can reach.
pub struct App {
    /// This process's id (a UUID made at start): logged at start, recorded on push attempts.
    pub instance: String,
    pub db: PgPool,
    pub settings: Settings,
    pub key: MasterKey,
    pub audit: AuditSink,
    pub clock: Clock,
    pub identities: Arc<IdentityCache>,
    pub rates: RateTally,
}

/// Where "now" comes from: the system clock, or a fixed instant in tests that replay
/// signed examples with old timestamps.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(chrono::DateTime<chrono::Utc>),
}

impl Clock {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            Clock::System => chrono::Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }
}

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// Refuses a request whose path or query carries text the gateway does not accept (2002).
async fn guard_uri(req: axum::extract::Request, next: middleware::Next) -> Response {
    let problems = input_guard::check_uri(req.uri());
    if problems.is_empty() {
        next.run(req).await
    } else {
        ApiError::from(problems).into_response()
    }
}

async fn no_such_endpoint(method: Method, uri: Uri) -> ApiError {
    ApiError::no_such_endpoint(method.as_str(), uri.path())
}

fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    ApiError::new(
        error::Code::Internal,
        "internal error; quote the requestId to support",
    )
    .into_response()
}

/// The whole HTTP surface with its middleware stack.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(base_data::router())
        .merge(orders::router())
        .merge(order_extras::router())
        .merge(queries::router())
        .merge(ops::router())
        .merge(carrier::router(
            state.settings.server.image_body_limit_bytes,
        ))
        .merge(device::router())
        .merge(health::router())
        .merge(openapi::router())
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(no_such_endpoint)
        .layer(DefaultBodyLimit::max(
            state.settings.server.body_limit_bytes,
        ))
        .layer(middleware::from_fn(guard_uri))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .with_state(state)
}
