//! Direct transfer-ins (OMS `warehouse.add`): finding the owner and products a source system
//! names, and the completed transfers by completion time. The order itself is created by
//! `orders::create_warehouse_order` like any inbound order.

use super::{MissingRefs, ServiceError};
use crate::domain::client::Tenant;
use crate::domain::validation::FieldErrors;
use crate::store::{self, PgPool};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The order type of a direct transfer-in.
pub const TRANSFER_IN: &str = "DBRK";

/// Where a transfer-in goes and which products its lines are.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// The one owner the tenant synced at the warehouse.
    pub owner: String,
    /// Item code for each code the lines gave.
    pub items: BTreeMap<String, String>,
}

/// The owner at `warehouse` and the item code of every line's code (a barcode, else an item
/// code). `code_path(i)` names line `i`'s code field in the caller's terms.
pub async fn targets(
    pool: &PgPool,
    tenant: &Tenant,
    warehouse: &str,
    warehouse_path: &str,
    codes: &[String],
    code_path: impl Fn(usize) -> String,
) -> Result<Targets, ServiceError> {
    let mut conn = pool.acquire().await?;
    let owners = store::warehouses::owners_at(&mut conn, tenant, warehouse).await?;
    let found = store::base_data::products_by_barcode_or_code(&mut conn, tenant, codes).await?;
    let mut by_code: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (code, item) in &found {
        by_code.entry(code).or_default().push(item);
    }
    let mut missing = MissingRefs::default();
    let owner = match owners.as_slice() {
        [] => {
            missing.inventory_orgs.push(warehouse.to_string());
            None
        }
        [one] => Some(one.clone()),
        several => {
            let mut e = FieldErrors::default();
            e.invalid(
                warehouse_path,
                format!(
                    "warehouse {warehouse} holds goods of several owners ({}): a transfer-in names no owner, so it can only go to a warehouse with one",
                    several.join(", ")
                ),
            );
            return Err(ServiceError::Invalid(e));
        }
    };
    let mut items = BTreeMap::new();
    let mut e = FieldErrors::default();
    for (i, code) in codes.iter().enumerate() {
        match by_code.get(code.as_str()).map(Vec::as_slice) {
            None | Some([]) => {
                if !missing.products.contains(code) {
                    missing.products.push(code.clone());
                }
            }
            Some([one]) => {
                items.insert(code.clone(), one.to_string());
            }
            Some(several) => e.invalid(
                code_path(i),
                format!(
                    "barcode {code} belongs to several products ({}): send the item code",
                    several.join(", ")
                ),
            ),
        }
    }
    if !e.is_empty() {
        return Err(ServiceError::Invalid(e));
    }
    missing.into_result()?;
    Ok(Targets {
        owner: owner.unwrap_or_default(),
        items,
    })
}

/// A completed transfer-in with its lines (received quantities).
#[derive(Debug, Clone)]
pub struct CompletedTransfer {
    pub order: store::orders::CompletedRow,
    pub lines: Vec<store::orders::LineRow>,
}

/// The tenant's transfer-ins completed in `[from, to]`, one page, and the total.
pub async fn completed(
    pool: &PgPool,
    tenant: &Tenant,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<CompletedTransfer>), ServiceError> {
    let mut conn = pool.acquire().await?;
    let (total, orders) =
        store::orders::completed_inbound(&mut conn, tenant, TRANSFER_IN, from, to, offset, limit)
            .await?;
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let mut lines: BTreeMap<i64, Vec<_>> = BTreeMap::new();
    for l in store::orders::lines_of(&mut conn, &ids).await? {
        lines.entry(l.order_id).or_default().push(l);
    }
    let out = orders
        .into_iter()
        .map(|o| CompletedTransfer {
            lines: lines.remove(&o.id).unwrap_or_default(),
            order: o,
        })
        .collect();
    Ok((total, out))
}
