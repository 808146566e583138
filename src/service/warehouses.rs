//! A tenant's warehouses: listed and read by the OMS methods, edited through the ops API.

use super::{transaction, ServiceError};
use crate::domain::client::Tenant;
use crate::domain::validation::FieldErrors;
use crate::domain::warehouse::{Warehouse, WarehouseChange, WarehouseFilter};
use crate::store::{self, PgPool};

pub async fn list(
    pool: &PgPool,
    tenant: &Tenant,
    filter: &WarehouseFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Warehouse>), ServiceError> {
    let mut conn = pool.acquire().await?;
    Ok(store::warehouses::list(&mut conn, tenant, filter, offset, limit).await?)
}

/// One warehouse by id and/or code.
pub async fn get(
    pool: &PgPool,
    tenant: &Tenant,
    id: Option<i64>,
    code: Option<&str>,
) -> Result<Warehouse, ServiceError> {
    let mut conn = pool.acquire().await?;
    store::warehouses::find(&mut conn, tenant, id, code)
        .await?
        .ok_or_else(|| {
            ServiceError::NotFound(match (id, code) {
                (Some(i), Some(c)) => format!("warehouse {c} with id {i}"),
                (Some(i), None) => format!("warehouse id {i}"),
                (_, c) => format!("warehouse {}", c.unwrap_or_default()),
            })
        })
}

/// Edits a warehouse, or records a new one (which then needs a name).
pub async fn edit(
    pool: &PgPool,
    tenant: &Tenant,
    code: &str,
    change: &WarehouseChange,
) -> Result<Warehouse, ServiceError> {
    let out = transaction(pool, None, async |tx| {
        let current = match store::warehouses::lock(tx, tenant, code).await? {
            Some(w) => w,
            None => {
                if change.name.is_none() {
                    let mut e = FieldErrors::default();
                    e.missing_because("name", "a new warehouse needs a name");
                    return Err(ServiceError::Invalid(e));
                }
                Warehouse {
                    id: 0,
                    code: code.to_string(),
                    name: String::new(),
                    short_name: None,
                    contact_person: None,
                    contact_phone: None,
                    country: None,
                    province: None,
                    city: None,
                    district: None,
                    street: None,
                    address: None,
                    zip: None,
                    enabled: true,
                    created_at: chrono::Utc::now(),
                    updated_at: chrono::Utc::now(),
                }
            }
        };
        Ok(store::warehouses::save(tx, tenant, &change.apply(&current)).await?)
    })
    .await?;
    Ok(out.value)
}
