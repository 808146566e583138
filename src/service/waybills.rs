//! Transport orders as waybills (3TMS): created in batches (optionally on a new trip), found,
//! listed, changed by the merge rules of a patch, cancelled number by number, and their goods
//! changed by cargo number. Each call is one transaction.

use super::orders::{insert_transport, Created, CreatedTransport, Origin};
use super::{transaction, waybill_events, ServiceError};
use crate::domain::client::Tenant;
use crate::domain::order::{Cargo, OrderKind, OrderStatus, TransportOrder};
use crate::domain::waybill::{waybill_cancellable, TripChange, WaybillChange, WaybillPatch};
use crate::store::sessions::{Sessions, Writes};
use crate::store::trips::{TripFields, TripRow};
use crate::store::waybills::{FindBy, ListFilter, LockedWaybill, WaybillRow};
use crate::store::{self, PgConnection, PgPool};

/// Creates waybills, all or none; with `trip`, puts them on a new trip. A waybill whose
/// `orderNumber` exists with the same content is answered with its number.
pub async fn create(
    writes: &Writes,
    origin: &Origin<'_>,
    orders: &[TransportOrder],
    trip: Option<&TripFields>,
) -> Result<(Vec<CreatedTransport>, Option<TripRow>), ServiceError> {
    // organizationPath is taken as given (seed: 可不填, no check names the tree): a path the
    // tree does not hold yet is kept, and the tree may grow to it later.
    if trip.is_none()
        && orders
            .iter()
            .all(|o| o.related_order_code.is_none() && o.vehicles.is_empty())
    {
        if let Some(made) = create_in_one_statement(&writes.sessions, origin, orders).await? {
            return Ok((made, None));
        }
    }
    let out = transaction(&writes.pool, None, async |tx| {
        let mut made = Vec::with_capacity(orders.len());
        for o in orders {
            let c = insert_transport(tx, origin, o).await.map_err(|e| match e {
                ServiceError::Conflict(_) => ServiceError::Conflict(format!(
                    "orderNumber {} 已用于运单,内容不同 (is already used with different content)",
                    o.order_code
                )),
                other => other,
            })?;
            made.push(c);
        }
        let trip = match trip {
            None => None,
            Some(f) => {
                let t = store::trips::insert(tx, origin.tenant, f).await?;
                let ids: Vec<i64> = made.iter().map(|c| c.id).collect();
                store::trips::set_orders_trip(tx, &ids, Some(t.id)).await?;
                waybill_events::trip_changed(
                    tx,
                    origin.tenant,
                    t.as_ref(),
                    &ids,
                    TripChange::Assigned,
                )
                .await?;
                Some(t)
            }
        };
        Ok((made, trip))
    })
    .await?;
    Ok(out.value)
}

/// The batch in one round trip (`store::orders::one_statement_waybills`), when every waybill is
/// new. `None` when the step-by-step path must decide instead, the statement having written
/// nothing: an order number used before (same content: its number again; other content:
/// refused), or a concurrent call inserting one of the numbers meanwhile. Waybills on a new
/// trip (`create_order_pack`), waybills naming a related outbound order (locked while the
/// waybill is written) and waybills with vehicles (not in 3TMS) take the step-by-step path.
async fn create_in_one_statement(
    sessions: &Sessions,
    origin: &Origin<'_>,
    orders: &[TransportOrder],
) -> Result<Option<Vec<CreatedTransport>>, ServiceError> {
    use store::orders::one_statement_waybills::{self as one, Batch, NewWaybill, WrittenWaybills};
    let contents = orders
        .iter()
        .map(super::orders::content)
        .collect::<Result<Vec<_>, _>>()?;
    let mut waybills = Vec::with_capacity(orders.len());
    let mut event_type = "";
    for (o, (request, fingerprint)) in orders.iter().zip(&contents) {
        let event = waybill_events::created_message(o);
        event_type = event.name();
        waybills.push(NewWaybill {
            order_code: &o.order_code,
            order_type: &o.order_type,
            fingerprint,
            request,
            created_event: serde_json::to_string(&event)
                .map_err(|e| ServiceError::Internal(format!("event: {e}")))?,
            event_id: uuid::Uuid::now_v7(),
        });
    }
    let batch = Batch {
        tenant: origin.tenant,
        client_id: origin.client_id,
        kind: OrderKind::Transport.as_str(),
        kind_letter: OrderKind::Transport.letter(),
        status: OrderStatus::Created.as_str(),
        scope: waybill_events::ORDER_SCOPE,
        change: WaybillChange::Created.as_str(),
        event_type,
        order_key_prefix: super::outbox::ORDER_KEY_PREFIX,
    };
    // The statement commits as it ends: from here the change may be saved even if the answer
    // never reaches the caller.
    crate::context::set_committing();
    match one::insert_waybills(sessions, &batch, &waybills).await {
        Ok(WrittenWaybills::Created(heads)) => Ok(Some(
            heads
                .into_iter()
                .map(|h| CreatedTransport {
                    created: Created {
                        order_code: h.order_code,
                        hx_order_no: h.hx_order_no,
                        status: h.status,
                        existed: false,
                    },
                    id: h.id,
                    transport_no: h.transport_no.unwrap_or_default(),
                })
                .collect(),
        )),
        Ok(WrittenWaybills::CodeUsed) => {
            crate::context::clear_committing();
            Ok(None)
        }
        Err(e) if store::orders::one_statement::lost_race(&e) => {
            crate::context::clear_committing();
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn find(
    pool: &PgPool,
    tenant: &Tenant,
    by: &FindBy,
    limit: i64,
) -> Result<Vec<WaybillRow>, ServiceError> {
    let mut conn = pool.acquire().await?;
    Ok(store::waybills::find(&mut conn, tenant, by, limit).await?)
}

pub async fn list(
    pool: &PgPool,
    tenant: &Tenant,
    f: &ListFilter,
    page: i64,
    size: i64,
) -> Result<(Vec<WaybillRow>, i64), ServiceError> {
    let mut conn = pool.acquire().await?;
    Ok(store::waybills::list(&mut conn, tenant, f, page, size).await?)
}

fn order_of(w: &LockedWaybill) -> Result<TransportOrder, ServiceError> {
    serde_json::from_value(w.request.clone())
        .map_err(|e| ServiceError::Internal(format!("waybill {}: {e}", w.transport_no)))
}

async fn store_order(
    tx: &mut PgConnection,
    w: &LockedWaybill,
    o: &TransportOrder,
) -> Result<(), ServiceError> {
    let v = serde_json::to_value(o).map_err(|e| ServiceError::Internal(e.to_string()))?;
    store::waybills::set_content(tx, w.id, &v).await?;
    Ok(())
}

/// Signed and cancelled waybills are no longer changed; a slip's segments change through
/// their slip. The waybill's order as it stands, when it may change.
fn changeable(w: &LockedWaybill, what: &str) -> Result<TransportOrder, ServiceError> {
    let o = order_of(w)?;
    if o.segment.is_some() {
        return Err(ServiceError::WrongStatus(format!(
            "运单{}是受理单分段,受理单分段管理中的运单信息继承自受理单,请使用更新受理单接口修改",
            w.transport_no
        )));
    }
    match OrderStatus::parse(&w.status) {
        Some(OrderStatus::Signed | OrderStatus::Cancelled | OrderStatus::Closed) => {
            Err(ServiceError::WrongStatus(format!(
                "运单{}状态为{},不能{what} (waybill is {})",
                w.transport_no, w.status, w.status
            )))
        }
        _ => Ok(o),
    }
}

/// `/order/modify_order`: the patch applied by its merge rules.
pub async fn modify(
    pool: &PgPool,
    tenant: &Tenant,
    number: &str,
    patch: &WaybillPatch,
) -> Result<(), ServiceError> {
    transaction(pool, None, async |tx| {
        let w = store::waybills::lock_by_number(tx, tenant, number)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("订单{number}不存在")))?;
        let mut o = changeable(&w, "修改")?;
        patch.apply(&mut o);
        store_order(tx, &w, &o).await
    })
    .await?;
    Ok(())
}

/// What became of one number of a cancel call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CancelResult {
    Cancelled,
    AlreadyCancelled,
    NotFound,
    TooLate(String),
}

/// `/order/cancel_orders/v2`: each number cancelled when it may be, the others refused.
pub async fn cancel(
    pool: &PgPool,
    tenant: &Tenant,
    numbers: &[String],
) -> Result<Vec<(String, CancelResult)>, ServiceError> {
    let out = transaction(pool, None, async |tx| {
        let mut results = Vec::new();
        for n in numbers {
            let r = match store::waybills::lock_by_number(tx, tenant, n).await? {
                None => CancelResult::NotFound,
                Some(w) => match OrderStatus::parse(&w.status) {
                    Some(OrderStatus::Cancelled) => CancelResult::AlreadyCancelled,
                    Some(s) if waybill_cancellable(s) => {
                        waybill_events::set_status(
                            tx,
                            w.id,
                            OrderStatus::Cancelled,
                            None,
                            Some("cancelled by the shipper (3TMS)"),
                        )
                        .await?;
                        CancelResult::Cancelled
                    }
                    _ => CancelResult::TooLate(w.status.clone()),
                },
            };
            results.push((n.clone(), r));
        }
        Ok(results)
    })
    .await?;
    Ok(out.value)
}

/// `/cargo/add`: goods appended to the waybill named by its transport number, customer number
/// or order code. A cargo number already on one of the tenant's waybills is refused.
pub async fn add_cargo(
    pool: &PgPool,
    tenant: &Tenant,
    number: &str,
    cargo: &Cargo,
) -> Result<(), ServiceError> {
    transaction(pool, None, async |tx| {
        let found = store::waybills::lock_by_any_number(tx, tenant, number).await?;
        let w = found
            .first()
            .ok_or_else(|| ServiceError::NotFound(format!("订单{number}不存在")))?;
        let mut o = changeable(w, "追加货物")?;
        if let Some(no) = &cargo.cargo_no {
            if !store::waybills::lock_by_cargo_no(tx, tenant, no)
                .await?
                .is_empty()
            {
                return Err(ServiceError::Conflict(format!(
                    "货物号{no}已存在 (cargoNumber is already used)"
                )));
            }
        }
        o.cargo.push(cargo.clone());
        store_order(tx, w, &o).await
    })
    .await?;
    Ok(())
}

/// `/cargo/update` and `/cargo/remove`: the goods with this cargo number, changed (given
/// fields replace) or removed.
pub async fn change_cargo(
    pool: &PgPool,
    tenant: &Tenant,
    cargo_no: &str,
    change: Option<&Cargo>,
) -> Result<(), ServiceError> {
    transaction(pool, None, async |tx| {
        let found = store::waybills::lock_by_cargo_no(tx, tenant, cargo_no).await?;
        let w = found
            .first()
            .ok_or_else(|| ServiceError::NotFound(format!("货物{cargo_no}不存在")))?;
        let mut o = changeable(w, "修改货物")?;
        match change {
            None => o.cargo.retain(|c| c.cargo_no.as_deref() != Some(cargo_no)),
            Some(new) => {
                for c in o
                    .cargo
                    .iter_mut()
                    .filter(|c| c.cargo_no.as_deref() == Some(cargo_no))
                {
                    c.merge(new);
                }
            }
        }
        store_order(tx, w, &o).await
    })
    .await?;
    Ok(())
}
