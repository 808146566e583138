//! Who is calling: identity lookup, timestamp window, signature, rate limit.
//! The signature maths is pure ([`signature`]); this module adds the stored identities.

pub mod rate;
pub mod secrets;
pub mod signature;
pub mod timestamp;

use crate::domain::client::{ClientKind, ClientStatus, Tenant};
use crate::store::{self, PgPool};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use signature::{SignInput, SignMethod};

/// An identity whose signature has been verified for this request.
#[derive(Debug, Clone)]
pub struct AuthenticatedClient {
    pub id: i64,
    pub kind: ClientKind,
    pub create_by: String,
    pub data_source: String,
    pub rate_limit_per_hour: Option<i32>,
}

impl AuthenticatedClient {
    /// The tenant whose data this identity reads and changes. Never taken from the body.
    pub fn tenant(&self) -> Tenant {
        Tenant(self.create_by.clone())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("unknown identity createBy={create_by:?} dataSource={data_source:?}")]
    UnknownIdentity {
        create_by: String,
        data_source: String,
    },
    #[error("identity createBy={0:?} is disabled")]
    Disabled(String),
    #[error("{0}")]
    Timestamp(String),
    #[error("{0}")]
    Signature(String),
    #[error("rate limit of {limit} calls per hour exceeded")]
    RateLimited { limit: i32, retry_after_secs: u64 },
    #[error("{0}")]
    UnknownOpsToken(String),
    #[error("ops token {0} is disabled")]
    OpsTokenDisabled(String),
    #[error("storage error")]
    Storage(#[from] sqlx::Error),
    #[error(transparent)]
    Key(#[from] secrets::KeyError),
}

/// Resolves the identity of a signed envelope and verifies timestamp and signature, in that order.
pub async fn authenticate(
    pool: &PgPool,
    key: &secrets::MasterKey,
    window_secs: i64,
    now: DateTime<Utc>,
    input: &SignInput<'_>,
    received_sign: &str,
) -> Result<AuthenticatedClient, AuthError> {
    let row = store::clients::find_by_identity(pool, input.create_by, input.data_source)
        .await?
        .ok_or_else(|| AuthError::UnknownIdentity {
            create_by: input.create_by.into(),
            data_source: input.data_source.into(),
        })?;
    if ClientStatus::parse(&row.status) != ClientStatus::Active {
        return Err(AuthError::Disabled(row.create_by));
    }
    timestamp::check_window(input.timestamp, now, window_secs).map_err(AuthError::Timestamp)?;
    let method = SignMethod::parse(input.sign_method).map_err(AuthError::Signature)?;
    let secret: SecretString = key.decrypt(&row.secret_enc)?;
    if !signature::verify(method, secret.expose_secret(), input, received_sign) {
        return Err(AuthError::Signature(
            "signature mismatch: sign must be computed per Appendix 1 over the exact text of request"
                .into(),
        ));
    }
    let kind = row
        .kind
        .parse()
        .map_err(|e: String| AuthError::Signature(format!("identity misconfigured: {e}")))?;
    Ok(AuthenticatedClient {
        id: row.id,
        kind,
        create_by: row.create_by,
        data_source: row.data_source,
        rate_limit_per_hour: row.rate_limit_per_hour,
    })
}

/// Counts this call against the identity's hourly limit; refuses it when over.
pub async fn check_rate(
    pool: &PgPool,
    client: &AuthenticatedClient,
    default_limit: i32,
    now: DateTime<Utc>,
) -> Result<(), AuthError> {
    let limit = client.rate_limit_per_hour.unwrap_or(default_limit);
    let w = rate::Window::containing(now);
    let (current, previous) =
        store::guard::hit_rate_counter(pool, client.id, w.start, w.previous_start()).await?;
    match rate::decide(current, previous, limit, w.elapsed_secs(now)) {
        None => Ok(()),
        Some(retry_after_secs) => Err(AuthError::RateLimited {
            limit,
            retry_after_secs,
        }),
    }
}

/// Checks an ops API bearer token; returns the token's name.
pub async fn authenticate_ops(pool: &PgPool, token: &str) -> Result<String, AuthError> {
    let row = store::tokens::find_by_hash(pool, &secrets::hash_token(token))
        .await?
        .ok_or_else(|| AuthError::UnknownOpsToken("unknown ops token".into()))?;
    if row.status != "active" {
        return Err(AuthError::OpsTokenDisabled(row.name));
    }
    Ok(row.name)
}
