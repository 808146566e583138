//! Acceptance slips (受理单): created (idempotent by originalOrderNumber), replaced whole by an
//! update (its open segments follow), cancelled per number, devices unbound; split by dispatch
//! into waybill segments; followed as the segments move (600 track, 601 done), and their
//! trackers' positions reported (602).

use super::orders::{insert_transport, Origin};
use super::{outbox, transaction, waybill_events, ReplayKey, ServiceError};
use crate::domain::client::Tenant;
use crate::domain::event::DomainEvent;
use crate::domain::order::{content_fingerprint, OrderStatus, TransportOrder};
use crate::domain::slip::{segment_order, state_of, GpsPoint, Segment, SlipRef, SlipState};
use crate::domain::waybill::WaybillChange;
use crate::store::slips::{SlipFilter, SlipRow};
use crate::store::{self, PgConnection, PgPool};

pub const SLIP_SCOPE: &str = "customer_order";

/// A slip as the shipper sent it: the transport order template and the tracker to bind.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlipInput {
    pub content: TransportOrder,
    pub device_number: Option<String>,
}

fn fingerprint(s: &SlipInput) -> Result<(serde_json::Value, String), ServiceError> {
    let whole = serde_json::to_value(s).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let content =
        serde_json::to_value(&s.content).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok((content, content_fingerprint(&whole)))
}

fn slip_ref(r: &SlipRow, state: SlipState) -> SlipRef {
    SlipRef {
        number: r.number.clone(),
        original_order_no: r.original_order_no.clone(),
        state: state.code(),
    }
}

fn state(r: &SlipRow) -> SlipState {
    SlipState::parse(&r.state).unwrap_or(SlipState::Pending)
}

/// A tracker is bound to one tenant's live slips at a time: another tenant naming it is
/// refused, so positions never reach a shipper that does not hold the device.
async fn claim_device(
    tx: &mut PgConnection,
    tenant: &Tenant,
    device: Option<&str>,
) -> Result<(), ServiceError> {
    let Some(device) = device else { return Ok(()) };
    if store::slips::held_by_other(tx, &tenant.0, device).await? {
        return Err(ServiceError::Conflict(format!(
            "设备{device}已绑定其他货主的受理单 (the tracker is bound to another shipper's live slip)"
        )));
    }
    Ok(())
}

/// Creates slips, all or none; a slip whose originalOrderNumber exists with the same content
/// answers its number, with other content it is refused.
pub async fn create(
    pool: &PgPool,
    origin: &Origin<'_>,
    slips: &[SlipInput],
) -> Result<Vec<String>, ServiceError> {
    let out = transaction(pool, None, async |tx| {
        let mut numbers = Vec::new();
        for s in slips {
            let (content, fp) = fingerprint(s)?;
            let original = s.content.customer_order_no.as_deref();
            claim_device(tx, origin.tenant, s.device_number.as_deref()).await?;
            let row = store::slips::insert(
                tx,
                origin.tenant,
                original,
                &content,
                &fp,
                s.device_number.as_deref(),
                origin.client_id,
            )
            .await?;
            let number = match (row, original) {
                (Some(r), _) => r.number,
                (None, Some(o)) => {
                    let existing = store::slips::lock_by_original(tx, origin.tenant, o)
                        .await?
                        .ok_or_else(|| ServiceError::Internal("slip vanished".into()))?;
                    if existing.fingerprint != fp {
                        return Err(ServiceError::Conflict(format!(
                            "originalOrderNumber {o} 已用于受理单{},内容不同 (is already used with different content)",
                            existing.number
                        )));
                    }
                    existing.number
                }
                (None, None) => return Err(ServiceError::Internal("slip not inserted".into())),
            };
            numbers.push(number);
        }
        Ok(numbers)
    })
    .await?;
    Ok(out.value)
}

async fn lock(
    tx: &mut PgConnection,
    tenant: &Tenant,
    number: &str,
) -> Result<SlipRow, ServiceError> {
    store::slips::lock(tx, tenant, number)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("受理单{number}不存在")))
}

/// Rebuilds the open segments of a slip from its content (they inherit it).
async fn refresh_segments(
    tx: &mut PgConnection,
    slip_id: i64,
    content: &TransportOrder,
) -> Result<(), ServiceError> {
    for (id, _, status, request) in store::slips::segments(tx, slip_id).await? {
        if matches!(
            OrderStatus::parse(&status),
            Some(OrderStatus::Signed | OrderStatus::Cancelled)
        ) {
            continue;
        }
        let old: TransportOrder = serde_json::from_value(request)
            .map_err(|e| ServiceError::Internal(format!("segment {id}: {e}")))?;
        if let Some(seg) = &old.segment {
            let new = segment_order(content, seg);
            let v =
                serde_json::to_value(&new).map_err(|e| ServiceError::Internal(e.to_string()))?;
            store::waybills::set_content(tx, id, &v).await?;
        }
    }
    Ok(())
}

/// `update_customer_order`: the slip is replaced by what is sent (absent values are cleared,
/// as the seed says); its open segments follow. Done and cancelled slips are not changed.
pub async fn update(
    pool: &PgPool,
    tenant: &Tenant,
    number: &str,
    input: &SlipInput,
) -> Result<(), ServiceError> {
    transaction(pool, None, async |tx| {
        let r = lock(tx, tenant, number).await?;
        if matches!(state(&r), SlipState::Done | SlipState::Cancelled) {
            return Err(ServiceError::WrongStatus(format!(
                "受理单{number}{},不能修改 (slip is {})",
                if state(&r) == SlipState::Done {
                    "已完成"
                } else {
                    "已撤销"
                },
                r.state
            )));
        }
        let (content, _) = fingerprint(input)?;
        claim_device(tx, tenant, input.device_number.as_deref()).await?;
        store::slips::set_content(
            tx,
            r.id,
            input.content.customer_order_no.as_deref(),
            &content,
            input.device_number.as_deref(),
        )
        .await
        .map_err(|e| {
            if store::is_unique_violation(&e, "slips_original_key") {
                ServiceError::Conflict(format!(
                    "originalOrderNumber {} is used by another slip",
                    input.content.customer_order_no.clone().unwrap_or_default()
                ))
            } else {
                e.into()
            }
        })?;
        refresh_segments(tx, r.id, &input.content).await
    })
    .await?;
    Ok(())
}

pub async fn list(
    pool: &PgPool,
    tenant: &Tenant,
    f: &SlipFilter,
    page: i64,
    size: i64,
) -> Result<(Vec<SlipRow>, i64), ServiceError> {
    let mut conn = pool.acquire().await?;
    Ok(store::slips::list(&mut conn, tenant, f, page, size).await?)
}

/// What became of one number of a cancel call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SlipCancel {
    Cancelled,
    NotFound,
    Refused(String),
}

/// `cancel_customer_orders`: a slip is cancelled while none of its segments is loaded (its
/// open segments are cancelled with it); others are refused per number.
pub async fn cancel(
    pool: &PgPool,
    tenant: &Tenant,
    numbers: &[String],
) -> Result<Vec<(String, SlipCancel)>, ServiceError> {
    let out = transaction(pool, None, async |tx| {
        let mut results = Vec::new();
        for n in numbers {
            let Some(r) = store::slips::lock(tx, tenant, n).await? else {
                results.push((n.clone(), SlipCancel::NotFound));
                continue;
            };
            let segs = store::slips::segments(tx, r.id).await?;
            let result = match state(&r) {
                SlipState::Cancelled => SlipCancel::Cancelled,
                SlipState::Done => SlipCancel::Refused("已完成".into()),
                _ if segs.iter().any(|(_, _, s, _)| {
                    matches!(
                        OrderStatus::parse(s),
                        Some(OrderStatus::InTransit | OrderStatus::Signed)
                    )
                }) =>
                {
                    SlipCancel::Refused("已有分段装货".into())
                }
                _ => {
                    // The slip's own state first: the segments' track callbacks (600) carry
                    // the slip's state, and must say 0 (已撤销), not 2000 (进行中).
                    store::slips::set_state(tx, r.id, SlipState::Cancelled.as_str(), None).await?;
                    for (id, _, s, _) in &segs {
                        if OrderStatus::parse(s) != Some(OrderStatus::Cancelled) {
                            waybill_events::set_status(
                                tx,
                                *id,
                                OrderStatus::Cancelled,
                                None,
                                Some("slip cancelled by the shipper (3TMS)"),
                            )
                            .await?;
                        }
                    }
                    SlipCancel::Cancelled
                }
            };
            results.push((n.clone(), result));
        }
        Ok(results)
    })
    .await?;
    Ok(out.value)
}

/// `batch_unbind_devices`: all or none; a slip without a device or unknown is refused.
pub async fn unbind(
    pool: &PgPool,
    tenant: &Tenant,
    numbers: &[String],
) -> Result<(), ServiceError> {
    transaction(pool, None, async |tx| {
        for n in numbers {
            let r = store::slips::lock(tx, tenant, n)
                .await?
                .ok_or_else(|| ServiceError::NotFound("受理单不存在!".into()))?;
            if r.device_number.is_none() {
                return Err(ServiceError::WrongStatus(format!("受理单{n}未绑定设备!")));
            }
            store::slips::unbind(tx, r.id).await?;
        }
        Ok(())
    })
    .await?;
    Ok(())
}

/// One leg dispatch plans.
#[derive(Debug, Clone)]
pub struct SegmentPlan {
    pub segment_type: i16,
    pub from: Option<crate::domain::order::Address>,
    pub to: Option<crate::domain::order::Address>,
}

/// Splits a slip into segments (more can be added later): each a transport order of the
/// slip's shipper, made from the slip. The slip is then in progress.
pub async fn split(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    number: &str,
    plans: &[SegmentPlan],
) -> Result<Vec<String>, ServiceError> {
    let out = transaction(pool, replay, async |tx| {
        let r = lock(tx, tenant, number).await?;
        if !matches!(state(&r), SlipState::Pending | SlipState::InProgress) {
            return Err(ServiceError::WrongStatus(format!(
                "slip {number} is {}: it cannot be split",
                r.state
            )));
        }
        let client_id = r.client_id.ok_or_else(|| {
            ServiceError::WrongStatus(format!("slip {number}: its account is gone"))
        })?;
        let content: TransportOrder = serde_json::from_value(r.content.clone())
            .map_err(|e| ServiceError::Internal(format!("slip {number}: {e}")))?;
        let existing = store::slips::segments(tx, r.id).await?.len() as i32;
        let origin = Origin { tenant, client_id };
        let mut made = Vec::new();
        for (i, p) in plans.iter().enumerate() {
            let seg = Segment {
                slip_number: r.number.clone(),
                seq: existing + i as i32 + 1,
                segment_type: p.segment_type,
                from: p.from.clone(),
                to: p.to.clone(),
            };
            let c = insert_transport(tx, &origin, &segment_order(&content, &seg)).await?;
            store::slips::link_segment(tx, c.id, r.id).await?;
            made.push(c.transport_no);
        }
        store::slips::set_state(tx, r.id, SlipState::InProgress.as_str(), None).await?;
        let event = DomainEvent::SlipTracked {
            slip: slip_ref(&r, SlipState::InProgress),
            content: format!("受理单已调度,分为{}段", existing as usize + plans.len()),
            transfer_no: made.first().cloned(),
            time: chrono::Utc::now(),
        };
        to_subscribers(tx, tenant, "TRACK", &r.number, &event).await?;
        Ok(made)
    })
    .await?;
    Ok(out.value)
}

async fn to_subscribers(
    tx: &mut PgConnection,
    tenant: &Tenant,
    change: &str,
    number: &str,
    event: &DomainEvent,
) -> Result<(), ServiceError> {
    let subs = store::subscriptions::subscribers(tx, tenant, SLIP_SCOPE, change).await?;
    let key = format!("slip:{number}");
    outbox::to_subscribers(tx, &subs, tenant, Some(&key), event).await
}

/// A segment's status changed: the slip's subscribers hear how its goods move (600); a
/// signed segment stamps the slip's sign times, and the last one completes it (601).
pub(crate) async fn segment_changed(
    tx: &mut PgConnection,
    tenant: &Tenant,
    order_id: i64,
    change: WaybillChange,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), ServiceError> {
    let Some(slip_id) = store::slips::of_order(tx, order_id).await? else {
        return Ok(());
    };
    let Some(r) = store::slips::lock_by_id(tx, slip_id).await? else {
        return Ok(());
    };
    let segs = store::slips::segments(tx, slip_id).await?;
    let transfer_no = segs
        .iter()
        .find(|(id, ..)| *id == order_id)
        .map(|(_, n, ..)| n.clone());
    let mut now_state = state(&r);
    // When the segment was signed, as the event says (the carrier's node time).
    let now = at.unwrap_or_else(chrono::Utc::now);
    if change == WaybillChange::Signed {
        let statuses: Vec<OrderStatus> = segs
            .iter()
            .filter_map(|(_, _, s, _)| OrderStatus::parse(s))
            .collect();
        if let Some(s) = state_of(&statuses).filter(|_| now_state != SlipState::Cancelled) {
            now_state = s;
        }
        store::slips::set_state(tx, slip_id, now_state.as_str(), Some(now)).await?;
        let event = DomainEvent::SlipSigned {
            slip: slip_ref(&r, now_state),
            finished: now_state == SlipState::Done,
            arrived_time: now,
            last_sign_time: Some(now),
            time: now,
        };
        if now_state == SlipState::Done {
            to_subscribers(tx, tenant, "SIGNED", &r.number, &event).await?;
        }
    }
    let what = match change {
        WaybillChange::Accepted => "已接单",
        WaybillChange::Loaded => "已装货",
        WaybillChange::Signed => "已签收",
        WaybillChange::Cancelled => "已撤销",
        _ => return Ok(()),
    };
    let event = DomainEvent::SlipTracked {
        slip: slip_ref(&r, now_state),
        content: format!("分段运单{}{what}", transfer_no.clone().unwrap_or_default()),
        transfer_no,
        time: now,
    };
    to_subscribers(tx, tenant, "TRACK", &r.number, &event).await
}

/// A tracker's position: each tenant's subscribers of 602 hear it for their slips bound to it.
/// `sandbox`: a simulated tracker's (#22), which reaches sandbox slips only.
pub async fn gps(pool: &PgPool, point: &GpsPoint, sandbox: bool) -> Result<usize, ServiceError> {
    let out = transaction(pool, None, async |tx| {
        let bound = store::slips::bound_to(tx, &point.device, sandbox).await?;
        let mut by_tenant: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (t, n) in bound {
            by_tenant.entry(t).or_default().push(n);
        }
        let mut slips = 0;
        for (t, numbers) in by_tenant {
            slips += numbers.len();
            let tenant = Tenant(t);
            let subs = store::subscriptions::subscribers(tx, &tenant, SLIP_SCOPE, "GPS").await?;
            let event = DomainEvent::SlipGps {
                slip_numbers: numbers,
                point: point.clone(),
                time: chrono::Utc::now(),
            };
            let key = format!("tracker:{}", point.device);
            outbox::to_subscribers(tx, &subs, &tenant, Some(&key), &event).await?;
        }
        Ok(slips)
    })
    .await?;
    Ok(out.value)
}
