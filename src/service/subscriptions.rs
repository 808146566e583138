//! Subscriptions of identities that receive by subscription (3TMS): which changes of a scope
//! go to which URL. The URL must be http(s); where it may point is the SSRF guard's decision
//! at delivery, as for every push.

use super::ServiceError;
use crate::domain::validation::FieldErrors;
use crate::store::{self, PgPool};

/// A callback URL: absolute http(s) with a host, at most 500 characters.
pub fn check_url(field: &str, url: &str) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::default();
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            if url.chars().count() > 500 {
                e.invalid(field, "must be at most 500 characters");
            }
        }
        Ok(_) => e.invalid(field, "must start with http:// or https://"),
        Err(err) => e.invalid(field, format!("is not a URL: {err}")),
    }
    e.into_result(Some(()))
}

pub async fn subscribe(
    pool: &PgPool,
    client_id: i64,
    scope: &str,
    changes: &[String],
    callback_url: &str,
    params: &serde_json::Value,
) -> Result<(), ServiceError> {
    check_url("callbackUrl", callback_url).map_err(ServiceError::Invalid)?;
    store::subscriptions::put(pool, client_id, scope, changes, callback_url, params).await?;
    Ok(())
}

/// Whether there was a subscription to end.
pub async fn unsubscribe(pool: &PgPool, client_id: i64, scope: &str) -> Result<bool, ServiceError> {
    Ok(store::subscriptions::delete(pool, client_id, scope).await?)
}
