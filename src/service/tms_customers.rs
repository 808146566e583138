//! A 3TMS shipper's address book: consigners and consignees, upserted by phone within a type.

use super::{transaction, ServiceError};
use crate::domain::client::Tenant;
use crate::store::{self, tms::CustomerEntry, PgPool};

/// All entries or none; returns how many were new.
pub async fn add(
    pool: &PgPool,
    tenant: &Tenant,
    entries: &[CustomerEntry],
) -> Result<i64, ServiceError> {
    Ok(transaction(pool, None, async |tx| {
        Ok(store::tms::upsert_customers(tx, tenant.as_str(), entries).await?)
    })
    .await?
    .value)
}
