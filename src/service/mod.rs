//! Use cases. Each opens one transaction, applies domain rules, writes through `store`,
//! and commits; a request either fully happened or did not.

pub mod adjustment_requests;
pub mod admin;
pub mod base_data;
pub mod carrier;
pub mod dws;
pub mod inventory;
pub mod ops;
pub mod orders;
pub mod outbox;
pub mod retention;
pub mod sandbox_stock;
pub mod slips;
pub mod subscriptions;
pub mod tms_customers;
pub mod tms_organizations;
pub mod tms_tokens;
pub mod transfers;
pub mod trips;
pub mod warehouses;
pub mod waybill_events;
pub mod waybills;

pub use crate::domain::order::MissingRefs;
use crate::domain::validation::FieldErrors;
use crate::store::{self, PgConnection, PgPool};
use serde::{de::DeserializeOwned, Serialize};

/// Errors of the use-case layer, in domain terms.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// Base data the request refers to was never synced.
    #[error("{}", missing_message(.0))]
    MissingReference(MissingRefs),
    /// Not enough available stock for these lines.
    #[error("insufficient available stock")]
    InsufficientStock(Vec<crate::domain::inventory::Shortage>),
    /// Not allowed in the order's current status.
    #[error("{0}")]
    WrongStatus(String),
    /// The order (or waybill, vehicle) does not exist for this tenant.
    #[error("not found: {0}")]
    NotFound(String),
    /// The order code is used with different content (or an identity exists already).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached or is overloaded: safe to retry.
    #[error("storage unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        // Text PostgreSQL cannot store (U+0000 in text or jsonb). Every input is checked for it
        // before it gets here; this is the backstop for a check someone forgot.
        if let sqlx::Error::Database(db) = &e {
            if matches!(db.code().as_deref(), Some("22021" | "22P05")) {
                let mut errors = FieldErrors::default();
                errors.invalid(
                    "(a text value)",
                    "contains a character that cannot be stored (U+0000)",
                );
                return Self::Invalid(errors);
            }
        }
        match counted(&e) {
            Some(_) => Self::Unavailable(e),
            None => Self::Database(e),
        }
    }
}

pub use crate::store::transient_kind;

/// [`transient_kind`], counted in `hxgw_db_errors_total`: every database error that reaches a
/// layer's error type is counted once, there.
pub fn counted(e: &sqlx::Error) -> Option<&'static str> {
    let kind = transient_kind(e);
    crate::metrics::db_error(kind.unwrap_or("other"));
    kind
}

fn missing_message(m: &MissingRefs) -> String {
    [
        ("warehouse/owner pairs", &m.inventory_orgs),
        ("items", &m.products),
        ("consignees", &m.consignees),
    ]
    .iter()
    .filter(|(_, codes)| !codes.is_empty())
    .map(|(what, codes)| format!("{what} never synced: {}", codes.join(", ")))
    .collect::<Vec<_>>()
    .join("; ")
}

impl MissingRefs {
    pub fn into_result(self) -> Result<(), ServiceError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::MissingReference(self))
        }
    }
}

/// What makes a state-changing call idempotent, claimed in the call's own transaction.
#[derive(Debug, Clone, Copy)]
pub enum ReplayKey<'a> {
    /// A signed call (§3): the same signature from the same identity to the same endpoint
    /// is the same call.
    Signed {
        client_id: i64,
        endpoint: &'a str,
        sign: &'a str,
    },
    /// A caller's `Idempotency-Key`: the same key is the same call only with the same
    /// request (`fingerprint`); otherwise it is refused as a conflict.
    Keyed {
        caller: &'a str,
        key: &'a str,
        fingerprint: &'a str,
    },
}

/// What a use case produced, and whether it is the stored result of an earlier identical call.
#[derive(Debug)]
pub struct Outcome<R> {
    pub value: R,
    pub replayed: bool,
}

/// The key a one-statement write (#21) stores with its outcome: `Some(None)` for a call
/// without one, `Some(Some(…))` for a signed call, `None` for an `Idempotency-Key` call, whose
/// keys only the step-by-step path claims.
pub(crate) fn one_statement_key(
    replay: Option<ReplayKey<'_>>,
) -> Option<Option<store::orders::one_statement::SignedKey<'_>>> {
    use store::orders::one_statement::SignedKey;
    match replay {
        None => Some(None),
        Some(ReplayKey::Signed {
            client_id,
            endpoint,
            sign,
        }) => Some(Some(SignedKey {
            client_id,
            endpoint,
            sign,
        })),
        Some(ReplayKey::Keyed { .. }) => None,
    }
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
    if let Some(k) = &replay {
        let earlier = match k {
            ReplayKey::Signed {
                client_id,
                endpoint,
                sign,
            } => store::guard::claim_replay_key(&mut tx, *client_id, endpoint, sign).await?,
            ReplayKey::Keyed {
                caller,
                key,
                fingerprint,
            } => match store::guard::claim_idempotency_key(&mut tx, caller, key, fingerprint)
                .await?
            {
                store::guard::Claim::New => None,
                store::guard::Claim::Done(v) => Some(v),
                store::guard::Claim::OtherRequest => {
                    return Err(ServiceError::Conflict(format!(
                        "Idempotency-Key {key:?} was already used for a different request"
                    )))
                }
            },
        };
        if let Some(stored) = earlier {
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
    if let Some(k) = &replay {
        let stored = serde_json::to_value(&value)
            .map_err(|e| ServiceError::Internal(format!("replay outcome: {e}")))?;
        match k {
            ReplayKey::Signed {
                client_id,
                endpoint,
                sign,
            } => {
                store::guard::record_replay_outcome(&mut tx, *client_id, endpoint, sign, &stored)
                    .await?
            }
            ReplayKey::Keyed { caller, key, .. } => {
                store::guard::record_idempotency_outcome(&mut tx, caller, key, &stored).await?
            }
        }
    }
    // From here the change may be saved even if the answer never reaches the caller: the
    // request deadline must wait for the outcome instead of claiming nothing changed.
    crate::context::set_committing();
    tx.commit().await?;
    Ok(Outcome {
        value,
        replayed: false,
    })
}

/// Records the first use of a signature on a call that changes nothing (a query whose dialect
/// wants every signature used once); `false` when the same identity used it before on this
/// endpoint. Kept as long as replay keys.
pub async fn first_use_of_sign(
    pool: &PgPool,
    client_id: i64,
    endpoint: &str,
    sign: &str,
) -> Result<bool, ServiceError> {
    let mut tx = pool.begin().await?;
    if store::guard::claim_replay_key(&mut tx, client_id, endpoint, sign)
        .await?
        .is_some()
    {
        tx.rollback().await?;
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}
