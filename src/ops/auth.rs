//! Who may call the ops API: the holder of an active ops token (`hongxun-gateway token add`).

use crate::dialect::hongxun::error::{ApiError, Code};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// A caller holding an active ops token.
pub struct Operator {
    pub token_name: String,
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    Code::UnknownIdentity,
                    "Authorization: Bearer <ops token> is required",
                )
            })?;
        let (_, name) = crate::auth::authenticate_ops(&app.db, token).await?;
        crate::context::set_client(0, format!("ops:{name}"));
        Ok(Self { token_name: name })
    }
}
