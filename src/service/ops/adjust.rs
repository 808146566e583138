//! Stock adjustments by the warehouse (count, damage, reclassification), idempotent by their
//! `adjustOrderCode` per customer.

use crate::domain::client::Tenant;
use crate::domain::event::{AdjustedLine, DomainEvent};
use crate::service::{outbox, transaction, Outcome, ReplayKey, ServiceError};
use crate::store::inventory::{BalanceKey, StockChange};
use crate::store::{self, PgConnection, PgPool};
use chrono::Utc;
use serde::{Deserialize, Serialize};

pub type AdjustLine = AdjustedLine;

#[derive(Debug, Clone)]
pub struct Adjustment {
    pub tenant: Tenant,
    pub inventory_code: String,
    pub subbase_code: String,
    pub adjust_order_code: String,
    pub adjust_type: String,
    pub lines: Vec<AdjustLine>,
    /// Of the adjustment as sent: the same `adjustOrderCode` with other content is refused.
    pub fingerprint: String,
}

/// What an adjustment answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Adjusted {
    pub adjust_order_code: String,
    pub push_recipients: usize,
}

/// A stock adjustment: `StockAdjusted` to the tenant's identities. The same content under the
/// same `adjustOrderCode` answers what it answered the first time and changes nothing; other
/// content is a conflict (3002).
pub async fn adjust(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    a: &Adjustment,
) -> Result<Outcome<Adjusted>, ServiceError> {
    transaction(pool, replay, async |tx| {
        if let Some(earlier) = earlier(tx, a).await? {
            return Ok(earlier);
        }
        apply_lines(tx, a).await?;
        let event = DomainEvent::StockAdjusted {
            inventory_code: a.inventory_code.clone(),
            subbase_code: a.subbase_code.clone(),
            adjust_order_code: a.adjust_order_code.clone(),
            adjust_type: a.adjust_type.clone(),
            adjust_time: Utc::now(),
            lines: a.lines.clone(),
        };
        let recipients = outbox::about_tenant(tx, &a.tenant, None, &event).await?;
        let out = Adjusted {
            adjust_order_code: a.adjust_order_code.clone(),
            push_recipients: recipients,
        };
        store::inventory::set_adjustment_outcome(
            tx,
            &a.tenant,
            &a.adjust_order_code,
            &serde_json::json!(out),
        )
        .await?;
        Ok(out)
    })
    .await
}

/// Claims the adjustment's natural key; the earlier answer when it was applied before.
async fn earlier(tx: &mut PgConnection, a: &Adjustment) -> Result<Option<Adjusted>, ServiceError> {
    let claimed = store::inventory::claim_adjustment(
        tx,
        &a.tenant,
        &a.adjust_order_code,
        &a.inventory_code,
        &a.subbase_code,
        &a.adjust_type,
        &a.fingerprint,
    )
    .await?;
    let Some((fingerprint, outcome)) = claimed else {
        return Ok(None);
    };
    if fingerprint != a.fingerprint {
        return Err(ServiceError::Conflict(format!(
            "adjustOrderCode {} of {} was already applied with different content",
            a.adjust_order_code,
            a.tenant.as_str()
        )));
    }
    serde_json::from_value(outcome)
        .map(Some)
        .map_err(|e| ServiceError::Internal(format!("stored adjustment outcome: {e}")))
}

/// Checks the references and changes on-hand stock by the adjustment's lines.
pub async fn apply_lines(tx: &mut PgConnection, a: &Adjustment) -> Result<(), ServiceError> {
    let items: Vec<String> = a.lines.iter().map(|l| l.item_code.clone()).collect();
    let refs = store::orders::References {
        inventory_orgs: &[(a.inventory_code.clone(), a.subbase_code.clone())],
        products: &items,
        consignees: &[],
    };
    store::orders::missing_references(tx, &a.tenant, &refs)
        .await?
        .into_result()?;
    let mut changes: Vec<StockChange> = a
        .lines
        .iter()
        .map(|l| StockChange {
            key: BalanceKey {
                inventory_code: a.inventory_code.clone(),
                subbase_code: a.subbase_code.clone(),
                item_code: l.item_code.clone(),
                inventory_type: l.inventory_type.clone(),
                batch_code: l.batch_code.clone().unwrap_or_default(),
            },
            product_date: l.product_date,
            expire_date: l.expire_date,
            delta: l.qty,
            reason: "ADJUSTMENT",
            order_id: None,
            reference: Some(&a.adjust_order_code),
        })
        .collect();
    crate::service::inventory::apply(tx, &a.tenant, &mut changes).await
}
