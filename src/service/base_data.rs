//! Base-data sync use cases: all-or-nothing upserts per request.

use super::{transaction, MissingRefs, Outcome, ReplayKey, ServiceError};
use crate::domain::base_data::{Consignee, DimensionUpdate, InventoryOrg, Product, UpsertCounts};
use crate::domain::client::Tenant;
use crate::store::sessions::{Sessions, Writes};
use crate::store::{self, PgPool};

pub async fn sync_inventory_org(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    org: &InventoryOrg,
) -> Result<Outcome<UpsertCounts>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let counts = store::base_data::upsert_inventory_org(tx, tenant, org).await?;
        store::warehouses::upsert_from_org(tx, tenant, org).await?;
        Ok(counts)
    })
    .await
}

pub async fn sync_products(
    writes: &Writes,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    products: &[Product],
) -> Result<Outcome<UpsertCounts>, ServiceError> {
    if let Some(done) =
        products_in_one_statement(&writes.sessions, replay, tenant, products).await?
    {
        return Ok(done);
    }
    transaction(&writes.pool, replay, async |tx| {
        Ok(store::base_data::upsert_products(tx, tenant, products).await?)
    })
    .await
}

/// The sync as one statement (#21); `None` when the step-by-step path must decide: an
/// `Idempotency-Key` call, or a race with a concurrent call (nothing was written then).
async fn products_in_one_statement(
    sessions: &Sessions,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    products: &[Product],
) -> Result<Option<Outcome<UpsertCounts>>, ServiceError> {
    use store::product_sync::{self, Synced};
    let Some(key) = super::one_statement_key(replay) else {
        return Ok(None);
    };
    // The statement commits as it ends: from here the change may be saved even if the answer
    // never reaches the caller.
    crate::context::set_committing();
    match product_sync::upsert_products(sessions, tenant, products, key.as_ref()).await {
        Ok(Synced::Done(counts)) => Ok(Some(Outcome {
            value: counts,
            replayed: false,
        })),
        Ok(Synced::Replayed(stored)) => Ok(Some(Outcome {
            value: serde_json::from_value(stored)
                .map_err(|e| ServiceError::Internal(format!("stored replay outcome: {e}")))?,
            replayed: true,
        })),
        Err(e) if product_sync::lost_race(&e) => {
            crate::context::clear_committing();
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn sync_consignees(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    consignees: &[Consignee],
) -> Result<Outcome<UpsertCounts>, ServiceError> {
    transaction(pool, replay, async |tx| {
        Ok(store::base_data::upsert_consignees(tx, tenant, consignees).await?)
    })
    .await
}

/// Updates dimensions of synced products; any unknown item code refuses the whole batch.
pub async fn sync_dimensions(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    updates: &[DimensionUpdate],
) -> Result<Outcome<UpsertCounts>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let codes: Vec<String> = updates.iter().map(|u| u.item_code.clone()).collect();
        MissingRefs {
            products: store::base_data::missing_products(tx, tenant, &codes).await?,
            ..Default::default()
        }
        .into_result()?;
        let updated = store::base_data::update_dimensions(tx, tenant, updates).await? as u32;
        Ok(UpsertCounts {
            created: 0,
            updated,
            unchanged: updates.len() as u32 - updated,
        })
    })
    .await
}
