//! Who is calling: identity lookup, timestamp window, signature, rate limit.
//! The signature maths is pure ([`signature`]); this module adds the stored identities.

pub mod cache;
pub mod links;
pub mod password;
pub mod rate;
pub mod secrets;
pub mod sign_help;
pub mod signature;
pub mod tally;
pub mod timestamp;
pub mod tms_token;

use crate::domain::client::{ClientKind, ClientStatus, Tenant};
use crate::store::{self, PgPool};
use cache::{Door, IdentityCache, KnownIdentity};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use signature::{SignInput, SignMethod};
use std::sync::Arc;
use tally::{Count, RateTally};

/// An identity whose signature has been verified for this request.
#[derive(Debug, Clone)]
pub struct AuthenticatedClient {
    pub id: i64,
    pub kind: ClientKind,
    pub create_by: String,
    pub data_source: String,
    pub rate_limit_per_hour: Option<i32>,
    /// Of a sandbox tenant: answers may explain signature failures (never for real ones).
    pub sandbox: bool,
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
    /// A signature mismatch of a sandbox identity, with what the gateway signed.
    #[error("{message}")]
    SandboxSignature {
        message: String,
        help: Box<sign_help::SignHelp>,
    },
    #[error("rate limit of {limit} calls per hour exceeded")]
    RateLimited { limit: i32, retry_after_secs: u64 },
    #[error("{0}")]
    UnknownOpsToken(String),
    #[error("ops token {0} is disabled")]
    OpsTokenDisabled(String),
    #[error("storage error")]
    Storage(sqlx::Error),
    #[error(transparent)]
    Key(#[from] secrets::KeyError),
}

/// The identities and keys [`authenticate`] checks against.
pub struct Identities<'a> {
    pub pool: &'a PgPool,
    pub key: &'a secrets::MasterKey,
    pub cache: &'a IdentityCache,
}

impl Identities<'_> {
    /// The stored 鸿讯 identity, from memory when the cache may serve it.
    async fn find(
        &self,
        create_by: &str,
        data_source: &str,
    ) -> Result<Option<Arc<KnownIdentity>>, AuthError> {
        let door = Door::Envelope(create_by.into(), data_source.into());
        if let Some(known) = self.cache.get(&door) {
            return Ok(Some(known));
        }
        let generation = self.cache.generation();
        let dialect = crate::domain::client::Dialect::Hongxun.as_str();
        let Some(row) =
            store::clients::find_for_door(self.pool, dialect, create_by, data_source).await?
        else {
            return Ok(None);
        };
        let known = Arc::new(self.known(row)?);
        self.cache.put(generation, door, known.clone());
        Ok(Some(known))
    }

    /// The identity of `dialect` an app key (and customerId, when the call has one) names,
    /// from memory when the cache may serve it. Only a lookup that names exactly one identity
    /// is kept: none (1001) and several (send customerId) are asked again every time.
    async fn find_by_app_key(
        &self,
        dialect: crate::domain::client::Dialect,
        app_key: &str,
        customer_id: Option<&str>,
    ) -> Result<AppKeyLookup, AuthError> {
        let door = Door::AppKey(
            dialect.as_str(),
            app_key.into(),
            customer_id.map(str::to_string),
        );
        if let Some(known) = self.cache.get(&door) {
            return Ok(AppKeyLookup::One(known));
        }
        let generation = self.cache.generation();
        let mut rows =
            store::clients::find_by_app_key(self.pool, dialect.as_str(), app_key, customer_id)
                .await?;
        if rows.len() > 1 {
            return Ok(AppKeyLookup::Several);
        }
        let Some(row) = rows.pop() else {
            return Ok(AppKeyLookup::None);
        };
        let known = Arc::new(self.known(row)?);
        self.cache.put(generation, door, known.clone());
        Ok(AppKeyLookup::One(known))
    }

    fn known(&self, row: store::clients::ClientRow) -> Result<KnownIdentity, AuthError> {
        Ok(KnownIdentity {
            id: row.id,
            kind: row.kind.parse(),
            active: ClientStatus::parse(&row.status) == ClientStatus::Active,
            secret: self.key.decrypt(&row.secret_enc)?,
            create_by: row.create_by,
            data_source: row.data_source,
            rate_limit_per_hour: row.rate_limit_per_hour,
            sandbox: row.sandbox,
        })
    }
}

/// What an app key names.
enum AppKeyLookup {
    None,
    One(Arc<KnownIdentity>),
    Several,
}

/// Resolves the identity of a signed envelope and verifies timestamp and signature, in that order.
pub async fn authenticate(
    identities: &Identities<'_>,
    window_secs: i64,
    now: DateTime<Utc>,
    input: &SignInput<'_>,
    received_sign: &str,
) -> Result<AuthenticatedClient, AuthError> {
    let known = identities
        .find(input.create_by, input.data_source)
        .await?
        .ok_or_else(|| AuthError::UnknownIdentity {
            create_by: input.create_by.into(),
            data_source: input.data_source.into(),
        })?;
    if known.sandbox {
        crate::context::set_sandbox();
    }
    if !known.active {
        return Err(AuthError::Disabled(known.create_by.clone()));
    }
    timestamp::check_window(input.timestamp, now, window_secs).map_err(AuthError::Timestamp)?;
    let method = SignMethod::parse(input.sign_method).map_err(AuthError::Signature)?;
    if !signature::verify(method, known.secret.expose_secret(), input, received_sign) {
        let message =
            "signature mismatch: sign must be computed per Appendix 1 over the exact text of request";
        if known.sandbox {
            return Err(AuthError::SandboxSignature {
                message: message.into(),
                help: Box::new(envelope_help(method, input)),
            });
        }
        return Err(AuthError::Signature(message.into()));
    }
    let kind = known
        .kind
        .clone()
        .map_err(|e| AuthError::Signature(format!("identity misconfigured: {e}")))?;
    Ok(AuthenticatedClient {
        id: known.id,
        kind,
        create_by: known.create_by.clone(),
        data_source: known.data_source.clone(),
        rate_limit_per_hour: known.rate_limit_per_hour,
        sandbox: known.sandbox,
    })
}

/// What an envelope's signature was computed over (sandbox identities only).
fn envelope_help(method: SignMethod, input: &SignInput<'_>) -> sign_help::SignHelp {
    sign_help::SignHelp::new(
        signature::sign_string(input),
        signature::signed_fields(input)
            .into_iter()
            .map(|(k, _)| k.to_string())
            .collect(),
        match method {
            SignMethod::Md5 => "UPPER(HEX(MD5(secret + signed string + secret)))",
            SignMethod::HmacSha256 => "UPPER(HEX(HMAC-SHA256(key = secret, signed string)))",
        },
    )
}

/// An identity named by its app key (Qimen, OMS), with its decrypted secret, before any
/// signature check: the dialect verifies the signature its own way.
pub struct AppKeyIdentity {
    pub client: AuthenticatedClient,
    pub active: bool,
    pub secret: secrecy::SecretString,
}

/// The identity of `dialect` an app key (and `customer_id`, when the call has one) names.
/// 1001 when none does, or when an app key without customerId names several. Served from the
/// identity cache like the 鸿讯 door's (#21: no identity query per call).
pub async fn identity_by_app_key(
    identities: &Identities<'_>,
    dialect: crate::domain::client::Dialect,
    app_key: &str,
    customer_id: Option<&str>,
) -> Result<AppKeyIdentity, AuthError> {
    let known = match identities
        .find_by_app_key(dialect, app_key, customer_id)
        .await?
    {
        AppKeyLookup::One(k) => k,
        AppKeyLookup::None => {
            return Err(AuthError::UnknownIdentity {
                create_by: format!("app_key={app_key}"),
                data_source: format!("customerId={}", customer_id.unwrap_or("")),
            })
        }
        AppKeyLookup::Several => {
            return Err(AuthError::Signature(format!(
                "app_key {app_key} names several identities: send customerId"
            )))
        }
    };
    let kind = known
        .kind
        .clone()
        .map_err(|e| AuthError::Signature(format!("identity misconfigured: {e}")))?;
    if known.sandbox {
        crate::context::set_sandbox();
    }
    Ok(AppKeyIdentity {
        client: AuthenticatedClient {
            id: known.id,
            kind,
            create_by: known.create_by.clone(),
            data_source: known.data_source.clone(),
            rate_limit_per_hour: known.rate_limit_per_hour,
            sandbox: known.sandbox,
        },
        active: known.active,
        secret: known.secret.clone(),
    })
}

/// Counts this call against the identity's hourly limit; refuses it when over.
pub async fn check_rate(
    pool: &PgPool,
    tally: &RateTally,
    client: &AuthenticatedClient,
    default_limit: i32,
    now: DateTime<Utc>,
) -> Result<(), AuthError> {
    check_rate_of(pool, tally, client, "", default_limit, now).await
}

/// As [`check_rate`], counting in `bucket` (an endpoint, for a dialect whose limit is per
/// endpoint; '' is the identity's one limit).
pub async fn check_rate_of(
    pool: &PgPool,
    tally: &RateTally,
    client: &AuthenticatedClient,
    bucket: &'static str,
    default_limit: i32,
    now: DateTime<Utc>,
) -> Result<(), AuthError> {
    let limit = client.rate_limit_per_hour.unwrap_or(default_limit);
    let w = rate::Window::containing(now);
    let (current, previous) = match tally.count(client.id, bucket, w.start) {
        Count::Local { current, previous } => (current, previous),
        Count::Sync => {
            let (c, p) = store::guard::add_rate_hits(
                pool,
                client.id,
                bucket,
                w.start,
                w.previous_start(),
                1,
            )
            .await?;
            tally.synced(client.id, bucket, w.start, c, p)
        }
    };
    match rate::decide(current, previous, limit, w.elapsed_secs(now)) {
        None => Ok(()),
        Some(retry_after_secs) => {
            crate::metrics::rate_limited();
            Err(AuthError::RateLimited {
                limit,
                retry_after_secs,
            })
        }
    }
}

/// Checks an ops API bearer token; returns the token's name.
/// The active ops token a bearer value is: (id, name).
pub async fn authenticate_ops(pool: &PgPool, token: &str) -> Result<(i64, String), AuthError> {
    let row = store::tokens::find_by_hash(pool, &secrets::hash_token(token))
        .await?
        .ok_or_else(|| AuthError::UnknownOpsToken("unknown ops token".into()))?;
    if row.status != "active" {
        return Err(AuthError::OpsTokenDisabled(row.name));
    }
    Ok((row.id, row.name))
}

impl From<sqlx::Error> for AuthError {
    fn from(e: sqlx::Error) -> Self {
        crate::service::counted(&e);
        Self::Storage(e)
    }
}
