//! 3TMS sign-in: a token pair for a user name and password (the same pair again while it is
//! valid, never extended), a new pair for the refresh token (the old one stops at once), and
//! the account an access token belongs to.

use super::ServiceError;
use crate::auth::cache::IdentityCache;
use crate::auth::password::Hasher;
use crate::auth::secrets::MasterKey;
use crate::auth::tms_token::{self, Pair};
use crate::auth::AuthenticatedClient;
use crate::domain::client::ClientStatus;
use crate::store::sign_in::Limits;
use crate::store::{self, PgPool};
use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;

/// How long a pair is valid: "有效期为一年".
pub const VALIDITY_DAYS: i64 = 365;

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("账号或密码不正确")]
    BadPassword,
    #[error("账号或刷新凭证不正确")]
    BadRefresh,
    #[error("账号已停用")]
    Disabled,
    #[error("access_token 无效或已过期,请重新获取")]
    BadToken,
    /// Too many failed sign-ins, or the hashing pool is full: "操作频繁".
    #[error("操作频繁")]
    TooMany { retry_after_secs: u64 },
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<sqlx::Error> for SignInError {
    fn from(e: sqlx::Error) -> Self {
        Self::Service(e.into())
    }
}

/// A hash to verify against when the user does not exist.
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| crate::auth::password::hash("no such account").unwrap_or_default())
        .clone()
}

fn active(status: &str) -> Result<(), SignInError> {
    if ClientStatus::parse(status) == ClientStatus::Active {
        Ok(())
    } else {
        Err(SignInError::Disabled)
    }
}

/// Where a password sign-in comes from and what bounds it.
pub struct Attempt<'a> {
    pub hasher: &'a Hasher,
    pub limits: &'a Limits,
    /// The caller's address (`http::client_address`).
    pub source: &'a str,
}

/// The account's pair for its password. Refused with `TooMany`, before any hashing, while a
/// failure count covering this user name or address is locked, and when the hashing pool is
/// full; every wrong password counts (unknown user names too, which cost the same work).
pub async fn generate(
    pool: &PgPool,
    key: &MasterKey,
    attempt: &Attempt<'_>,
    user: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(Pair, DateTime<Utc>), SignInError> {
    // A place on the hashing pool first: when it is full, refusing costs nothing more.
    let slot = attempt.hasher.reserve().map_err(|_| SignInError::TooMany {
        retry_after_secs: 1,
    })?;
    if let Some(until) = store::sign_in::locked_until(pool, user, attempt.source, now).await? {
        return Err(SignInError::TooMany {
            retry_after_secs: (until - now).num_seconds().max(1) as u64,
        });
    }
    let account = store::tms::account_by_user(pool, user).await?;
    // An unknown user costs the same argon2 work as a wrong password.
    let (phc, known) = match &account {
        Some(a) => (a.password_hash.clone(), true),
        None => (dummy_hash(), false),
    };
    let ok = slot
        .verify(phc, password.to_string())
        .await
        .map_err(|_| SignInError::TooMany {
            retry_after_secs: 1,
        })?;
    let account = match account {
        Some(a) if ok && known => a,
        _ => {
            store::sign_in::record_failure(pool, user, attempt.source, now, attempt.limits).await?;
            return Err(SignInError::BadPassword);
        }
    };
    store::sign_in::clear(pool, user, attempt.source).await?;
    active(&account.status)?;
    let mut tx = pool.begin().await?;
    let current = store::tms::lock_token(&mut tx, account.client_id).await?;
    if let Some(t) = current.as_ref().filter(|t| t.expires_at > now) {
        let pair = tms_token::derive(key, account.client_id, t.generation);
        tx.rollback().await?;
        return Ok((pair, t.expires_at));
    }
    let generation = current.map(|t| t.generation + 1).unwrap_or(1);
    let out = issue(&mut tx, key, account.client_id, generation, now).await?;
    tx.commit().await?;
    Ok(out)
}

async fn issue(
    tx: &mut store::PgConnection,
    key: &MasterKey,
    client_id: i64,
    generation: i32,
    now: DateTime<Utc>,
) -> Result<(Pair, DateTime<Utc>), SignInError> {
    let pair = tms_token::derive(key, client_id, generation);
    let expires = now + TimeDelta::days(VALIDITY_DAYS);
    store::tms::put_token(
        tx,
        client_id,
        generation,
        &tms_token::stored(&pair.access),
        &tms_token::stored(&pair.refresh),
        expires,
    )
    .await?;
    Ok((pair, expires))
}

/// A new pair for the current refresh token; the old access token stops working. The token is
/// checked before anything about the account shows: an unknown user, a wrong or expired token
/// and a disabled account all answer the same `BadRefresh`.
pub async fn refresh(
    pool: &PgPool,
    cache: &IdentityCache,
    key: &MasterKey,
    user: &str,
    refresh_token: &str,
    now: DateTime<Utc>,
) -> Result<(Pair, DateTime<Utc>), SignInError> {
    let Some(account) = store::tms::account_by_user(pool, user).await? else {
        return Err(SignInError::BadRefresh);
    };
    let mut tx = pool.begin().await?;
    let current = store::tms::lock_token(&mut tx, account.client_id)
        .await?
        .filter(|t| t.expires_at > now && t.refresh_hash == tms_token::stored(refresh_token))
        .ok_or(SignInError::BadRefresh)?;
    if active(&account.status).is_err() {
        return Err(SignInError::BadRefresh);
    }
    let out = issue(&mut tx, key, account.client_id, current.generation + 1, now).await?;
    tx.commit().await?;
    // The old access token stops here at once; other gateways hear the notification.
    cache.invalidate();
    Ok(out)
}

/// The identity of an unexpired access token of an active account. The account comes from
/// memory when the identity cache may serve it (#21: no statement per call); the token's end
/// is checked against `now` either way, and a refresh or revocation empties the cache.
pub async fn authenticate(
    pool: &PgPool,
    cache: &IdentityCache,
    access_token: &str,
    now: DateTime<Utc>,
) -> Result<AuthenticatedClient, SignInError> {
    let hash = tms_token::stored(access_token);
    let a = match cache.get_token(&hash).filter(|t| t.expires_at > now) {
        Some(known) => known,
        None => {
            let generation = cache.generation();
            let found = store::tms::account_by_access(pool, &hash, now)
                .await?
                .ok_or(SignInError::BadToken)?;
            let found = Arc::new(found);
            cache.put_token(generation, hash, found.clone());
            found
        }
    };
    active(&a.status)?;
    if a.sandbox {
        crate::context::set_sandbox();
    }
    Ok(AuthenticatedClient {
        id: a.client_id,
        kind: a
            .kind
            .parse()
            .map_err(|e: String| ServiceError::Internal(e))?,
        create_by: a.create_by.clone(),
        data_source: a.data_source.clone(),
        rate_limit_per_hour: a.rate_limit_per_hour,
        sandbox: a.sandbox,
    })
}
