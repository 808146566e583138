//! What a console request can fail with, as a page (or a redirect to sign in).

use crate::service::ServiceError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("not signed in")]
    SignedOut,
    #[error("{0}")]
    SignIn(String),
    #[error("the form is stale or was not sent by this console (CSRF); reload the page")]
    Csrf,
    #[error("a request from another site was refused")]
    Origin,
    #[error("{0}")]
    Service(#[from] ServiceError),
}

impl From<sqlx::Error> for ConsoleError {
    fn from(e: sqlx::Error) -> Self {
        Self::Service(e.into())
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            Self::SignedOut => return Redirect::to("/console/login").into_response(),
            Self::SignIn(m) => (StatusCode::UNAUTHORIZED, m.clone()),
            Self::Csrf | Self::Origin => (StatusCode::FORBIDDEN, self.to_string()),
            Self::Service(ServiceError::Invalid(e)) => (
                StatusCode::BAD_REQUEST,
                e.iter()
                    .map(|f| format!("{}: {}", f.path, f.reason))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Self::Service(ServiceError::NotFound(m)) => (StatusCode::NOT_FOUND, m.clone()),
            Self::Service(e @ (ServiceError::WrongStatus(_) | ServiceError::Conflict(_))) => {
                (StatusCode::CONFLICT, e.to_string())
            }
            Self::Service(ServiceError::Unavailable(e)) => {
                tracing::warn!(error = %e, "storage unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage temporarily unavailable; try again".into(),
                )
            }
            Self::Service(e) => {
                tracing::error!(error = %e, "console error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!(
                        "internal error; request id {}",
                        crate::context::request_id()
                    ),
                )
            }
        };
        let page = super::layout::bare("出错了", &message);
        (status, page).into_response()
    }
}
