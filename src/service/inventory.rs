//! Stock use cases: queries, and on-hand changes (the write the ops API's receipts and
//! adjustments use).

use super::ServiceError;
use crate::domain::client::Tenant;
use crate::store::inventory::{BalanceKey, StockChange};
use crate::store::inventory_query::{BalanceRow, InventoryFilter};
use crate::store::sessions::Sessions;
use crate::store::{self, PgConnection, PgPool};

/// One page of balances and the total: one statement, so on a lent session (no return ping).
pub async fn query(
    sessions: &Sessions,
    tenant: &Tenant,
    filter: &InventoryFilter<'_>,
) -> Result<(i64, Vec<BalanceRow>), ServiceError> {
    Ok(sessions
        .run(async |conn| store::inventory_query::query(conn, tenant, filter).await)
        .await?)
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

/// Applies on-hand changes in one transaction (see [`apply`]).
pub async fn change_stock(
    pool: &PgPool,
    tenant: &Tenant,
    changes: &mut [StockChange<'_>],
) -> Result<(), ServiceError> {
    let mut tx = pool.begin().await?;
    apply(&mut tx, tenant, changes).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes on-hand stock for `changes`, taking the balance rows' locks in id order first
/// (the one lock order of every writer of balances), then applying the changes in key
/// order, so that rows created here are inserted in one order too.
pub(crate) async fn apply(
    tx: &mut PgConnection,
    tenant: &Tenant,
    changes: &mut [StockChange<'_>],
) -> Result<(), ServiceError> {
    changes.sort_by(|a, b| a.key.cmp(&b.key));
    let keys: Vec<BalanceKey> = changes.iter().map(|c| c.key.clone()).collect();
    store::inventory::lock_keys(tx, tenant, &keys).await?;
    for c in changes.iter() {
        store::inventory::change_on_hand(tx, tenant, c)
            .await
            .map_err(|e| match e {
                sqlx::Error::RowNotFound => below_zero(&c.key),
                e if store::is_check_violation(&e, "inventory_balances_qty_check") => {
                    below_zero(&c.key)
                }
                e => e.into(),
            })?;
    }
    Ok(())
}

fn below_zero(k: &BalanceKey) -> ServiceError {
    ServiceError::WrongStatus(format!(
        "adjustment would take {}/{} item {} ({}, batch {:?}) below zero or below what is reserved",
        k.inventory_code, k.subbase_code, k.item_code, k.inventory_type, k.batch_code
    ))
}
