//! Stock use cases: queries, and on-hand changes (the write the ops API's receipts and
//! adjustments use).

use super::ServiceError;
use crate::domain::client::Tenant;
use crate::store::{self, inventory::InventoryFilter, PgPool};

pub async fn query(
    pool: &PgPool,
    tenant: &Tenant,
    filter: &InventoryFilter<'_>,
) -> Result<(i64, Vec<store::inventory::BalanceRow>), ServiceError> {
    let mut conn = pool.acquire().await?;
    Ok(store::inventory::query(&mut conn, tenant, filter).await?)
}

pub async fn vehicles(
    pool: &PgPool,
    tenant: &Tenant,
    inventory_code: &str,
    vin: Option<&str>,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<store::inventory::VehicleRow>), ServiceError> {
    let mut conn = pool.acquire().await?;
    Ok(store::inventory::vehicles(
        &mut conn,
        tenant,
        inventory_code,
        vin,
        status,
        offset,
        limit,
    )
    .await?)
}

/// Applies on-hand changes in one transaction, balances locked in key order.
pub async fn change_stock(
    pool: &PgPool,
    tenant: &Tenant,
    changes: &mut [store::inventory::StockChange<'_>],
) -> Result<(), ServiceError> {
    changes.sort_by(|a, b| a.key.cmp(&b.key));
    let mut tx = pool.begin().await?;
    for c in changes.iter() {
        store::inventory::change_on_hand(&mut tx, tenant, c).await?;
    }
    tx.commit().await?;
    Ok(())
}
