//! Use cases. Each opens one transaction, applies domain rules, writes through `store`,
//! and commits; a request either fully happened or did not.

pub mod admin;
pub mod base_data;

use crate::domain::validation::FieldErrors;
use crate::store::{self, PgConnection, PgPool};
use serde::{de::DeserializeOwned, Serialize};

/// Errors of the use-case layer, in domain terms.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// Base data the request refers to was never synced.
    #[error("{what} never synced: {}", codes.join(", "))]
    MissingReference {
        what: &'static str,
        codes: Vec<String>,
    },
    /// The database cannot be reached or is overloaded: safe to retry.
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("storage unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => Self::Unavailable(e),
            sqlx::Error::Database(db)
                // 57P01 admin shutdown, 57P03 cannot connect now, 53300 too many connections,
                // 40001/40P01 serialization failure / deadlock: all transient.
                if matches!(db.code().as_deref(), Some("57P01" | "57P03" | "53300" | "40001" | "40P01")) =>
            {
                Self::Unavailable(e)
            }
            _ => Self::Database(e),
        }
    }
}

/// The replay key of a signed state-changing call: identity, signature, endpoint.
#[derive(Debug, Clone, Copy)]
pub struct ReplayKey<'a> {
    pub client_id: i64,
    pub sign: &'a str,
    pub endpoint: &'a str,
}

/// What a use case produced, and whether it is the stored result of an earlier identical call.
#[derive(Debug)]
pub struct Outcome<R> {
    pub value: R,
    pub replayed: bool,
}

/// Runs `work` in one transaction. With a replay key, an identical earlier call that
/// committed returns its stored result instead, and `work` does not run again.
/// Failed calls store nothing (they changed nothing), so a retry is evaluated afresh.
pub async fn transaction<R, F>(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    work: F,
) -> Result<Outcome<R>, ServiceError>
where
    R: Serialize + DeserializeOwned,
    F: AsyncFnOnce(&mut PgConnection) -> Result<R, ServiceError>,
{
    let mut tx = pool.begin().await?;
    if let Some(k) = replay {
        if let Some(stored) =
            store::guard::claim_replay_key(&mut tx, k.client_id, k.sign, k.endpoint).await?
        {
            tx.rollback().await?;
            let value = serde_json::from_value(stored)
                .map_err(|e| ServiceError::Internal(format!("stored replay outcome: {e}")))?;
            return Ok(Outcome {
                value,
                replayed: true,
            });
        }
    }
    let value = work(&mut tx).await?;
    if let Some(k) = replay {
        let stored = serde_json::to_value(&value)
            .map_err(|e| ServiceError::Internal(format!("replay outcome: {e}")))?;
        store::guard::record_replay_outcome(&mut tx, k.client_id, k.sign, &stored).await?;
    }
    tx.commit().await?;
    Ok(Outcome {
        value,
        replayed: false,
    })
}
