//! Sandbox stock never runs out (#22): when an order of a sandbox tenant meets too little
//! stock, the simulated warehouse counts ample stock in (a stock adjustment, pushed like any
//! other) and the order is tried once more. Real tenants never get here.

use super::{ops, ServiceError};
use crate::domain::client::Tenant;
use crate::domain::event::AdjustedLine;
use crate::domain::inventory::Shortage;
use crate::store::{self, PgPool};

/// How much a sandbox top-up adds beyond what was missing.
const AMPLE: i64 = 1_000;

/// Whether `tenant` is a sandbox tenant (asked only after a shortage: off the hot path).
pub async fn is_sandbox(pool: &PgPool, tenant: &Tenant) -> Result<bool, ServiceError> {
    let mut conn = pool.acquire().await?;
    Ok(store::tenants::is_sandbox(&mut conn, tenant.as_str()).await?)
}

/// A line of a simulated count adjustment.
pub fn adjusted_line(
    item_code: &str,
    inventory_type: &str,
    batch_code: Option<String>,
    qty: i64,
) -> AdjustedLine {
    AdjustedLine {
        item_code: item_code.into(),
        item_id: None,
        inventory_type: inventory_type.into(),
        qty,
        batch_code,
        product_date: None,
        expire_date: None,
        produce_code: None,
        sn_code: None,
        remark: Some("[沙箱] 模拟仓库".into()),
    }
}

/// Counts in what `short` lacks, and [`AMPLE`] more, under `code` (idempotent by it).
pub async fn top_up(
    pool: &PgPool,
    tenant: &Tenant,
    inventory_code: &str,
    subbase_code: &str,
    short: &[Shortage],
    code: String,
) -> Result<(), ServiceError> {
    let lines = short
        .iter()
        .map(|s| {
            adjusted_line(
                &s.item_code,
                &s.inventory_type,
                s.batch_code.clone(),
                s.requested - s.available + AMPLE,
            )
        })
        .collect();
    let a = ops::Adjustment {
        tenant: tenant.clone(),
        inventory_code: inventory_code.into(),
        subbase_code: subbase_code.into(),
        adjust_order_code: code.clone(),
        adjust_type: "CHECK".into(),
        lines,
        fingerprint: code,
    };
    ops::adjust(pool, None, &a).await?;
    Ok(())
}
