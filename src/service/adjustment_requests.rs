//! Adjustments an ERP asks for (Qimen `inventory.synchronize`): kept as requests until the
//! warehouse decides; an approval applies them to the ledger as movements. Either way the
//! requester hears the outcome (`AdjustmentRequestDecided`), and the tenant hears an approved
//! change of stock (`StockAdjusted`).

use super::ops::{self, Adjustment};
use super::{outbox, transaction, Outcome, ReplayKey, ServiceError};
use crate::domain::adjustment::AdjustmentRequest;
use crate::domain::client::Tenant;
use crate::domain::event::DomainEvent;
use crate::domain::order::content_fingerprint;
use crate::store::{self, PgPool};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A request as answered and listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestView {
    pub id: i64,
    pub customer: String,
    pub adjust_order_code: String,
    pub status: String,
    pub request: AdjustmentRequest,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// True when the same request had been received before.
    #[serde(default)]
    pub existed: bool,
}

fn view(r: store::adjustments::RequestRow) -> Result<RequestView, ServiceError> {
    let request = serde_json::from_value(r.content)
        .map_err(|e| ServiceError::Internal(format!("stored adjustment request: {e}")))?;
    Ok(RequestView {
        id: r.id,
        customer: r.tenant,
        adjust_order_code: r.adjust_order_code,
        status: r.status,
        request,
        decided_by: r.decided_by,
        decision_reason: r.decision_reason,
        decided_at: r.decided_at,
        created_at: r.created_at,
        existed: false,
    })
}

/// Records a request (references checked: 3004), idempotent by `adjustOrderCode` per
/// customer: the same content answers the existing request, other content is 3002.
pub async fn request(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    client_id: i64,
    r: &AdjustmentRequest,
) -> Result<Outcome<RequestView>, ServiceError> {
    let content = serde_json::to_value(r).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let fingerprint = content_fingerprint(&content);
    transaction(pool, replay, async |tx| {
        let inserted = store::adjustments::insert_request(
            tx,
            tenant,
            client_id,
            &r.adjust_order_code,
            &r.inventory_code,
            &r.subbase_code,
            &r.adjust_type,
            &content,
            &fingerprint,
        )
        .await?;
        let row = store::adjustments::find_by_code(tx, tenant, &r.adjust_order_code)
            .await?
            .ok_or_else(|| ServiceError::Internal("request vanished".into()))?;
        if inserted.is_none() {
            if row.fingerprint != fingerprint {
                return Err(ServiceError::Conflict(format!(
                    "adjustOrderCode {} was already requested with different content",
                    r.adjust_order_code
                )));
            }
            return Ok(RequestView {
                existed: true,
                ..view(row)?
            });
        }
        let items: Vec<String> = r.lines.iter().map(|l| l.item_code.clone()).collect();
        store::orders::missing_references(
            tx,
            tenant,
            &store::orders::References {
                inventory_orgs: &[(r.inventory_code.clone(), r.subbase_code.clone())],
                products: &items,
                consignees: &[],
            },
        )
        .await?
        .into_result()?;
        view(row)
    })
    .await
}

/// Requests in a status, oldest first after `after_id`.
pub async fn list(
    pool: &PgPool,
    status: Option<&str>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<RequestView>, ServiceError> {
    store::adjustments::list(pool, status, after_id, limit)
        .await?
        .into_iter()
        .map(view)
        .collect()
}

/// The warehouse's decision on a pending request: approve applies it (3003 when it would take
/// stock below zero or below what is reserved: then it stays pending), refuse leaves stock.
pub async fn decide(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    id: i64,
    approve: bool,
    reason: Option<&str>,
    decided_by: &str,
) -> Result<Outcome<RequestView>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let row = store::adjustments::lock(tx, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no adjustment request {id}")))?;
        if row.status != "PENDING" {
            return Err(ServiceError::WrongStatus(format!(
                "adjustment request {id} is {}: it was decided already",
                row.status
            )));
        }
        let client_id = row.client_id;
        let tenant = Tenant(row.tenant.clone());
        let request = view(row)?.request;
        if approve {
            let a = Adjustment {
                tenant: tenant.clone(),
                inventory_code: request.inventory_code.clone(),
                subbase_code: request.subbase_code.clone(),
                adjust_order_code: request.adjust_order_code.clone(),
                adjust_type: request.adjust_type.clone(),
                lines: request.lines.clone(),
                fingerprint: String::new(),
            };
            ops::apply_adjustment_lines(tx, &a).await?;
            let changed = DomainEvent::StockAdjusted {
                inventory_code: a.inventory_code.clone(),
                subbase_code: a.subbase_code.clone(),
                adjust_order_code: a.adjust_order_code.clone(),
                adjust_type: a.adjust_type.clone(),
                adjust_time: Utc::now(),
                lines: a.lines.clone(),
            };
            outbox::about_tenant(tx, &tenant, None, &changed).await?;
        }
        let status = if approve { "APPROVED" } else { "REFUSED" };
        let decided = store::adjustments::decide(tx, id, status, decided_by, reason).await?;
        let event = DomainEvent::AdjustmentRequestDecided {
            request,
            approved: approve,
            reason: reason.map(str::to_string),
            time: Utc::now(),
        };
        outbox::to_client(
            tx,
            client_id,
            &tenant,
            Some(&format!("adjustment:{id}")),
            &event,
        )
        .await?;
        view(decided)
    })
    .await
}
