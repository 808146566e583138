//! Base-data sync use cases: all-or-nothing upserts per request.

use super::{transaction, MissingRefs, Outcome, ReplayKey, ServiceError};
use crate::domain::base_data::{Consignee, DimensionUpdate, InventoryOrg, Product, UpsertCounts};
use crate::domain::client::Tenant;
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
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    products: &[Product],
) -> Result<Outcome<UpsertCounts>, ServiceError> {
    transaction(pool, replay, async |tx| {
        Ok(store::base_data::upsert_products(tx, tenant, products).await?)
    })
    .await
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
