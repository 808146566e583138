//! Order use cases: create (idempotent by order code, reserving stock), cancel, LPN,
//! serial numbers, result queries. One transaction each.

use super::{transaction, Outcome, ReplayKey, ServiceError};
use crate::domain::client::Tenant;
use crate::domain::event::{DomainEvent, OrderRef};
use crate::domain::inventory::{self, Demand};
use crate::domain::lpn::{self, Lpn, LpnProblem};
use crate::domain::order::{
    cancel_decision, fingerprint_of_text, CancelDecision, OrderKind, OrderStatus, TransportOrder,
    WarehouseOrder,
};
use crate::domain::validation::FieldErrors;
use crate::store::sessions::{Sessions, Writes};
use crate::store::{self, orders::NewOrder, PgConnection, PgPool};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What a create call answers: the order and whether it existed already.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Created {
    pub order_code: String,
    pub hx_order_no: String,
    pub status: String,
    pub existed: bool,
}

/// Who creates an order: the tenant, and the identity its events go back to.
pub struct Origin<'a> {
    pub tenant: &'a Tenant,
    pub client_id: i64,
}

/// The order as stored and its fingerprint: equal for the same order, whichever dialect or
/// serialisation it came in (§3).
pub(super) fn content<T: Serialize>(order: &T) -> Result<(String, String), ServiceError> {
    // One pass over the typed order, no `Value` tree (#21); the text is stored as it is
    // (jsonb: key order does not matter there) and hashed.
    let text = crate::domain::canonical::to_vec(order)
        .map_err(|e| ServiceError::Internal(format!("order: {e}")))?;
    // serde_json writes UTF-8 only.
    let text =
        String::from_utf8(text).map_err(|e| ServiceError::Internal(format!("order: {e}")))?;
    let f = fingerprint_of_text(text.as_bytes());
    Ok((text, f))
}

/// Inserts the order head, or decides what an earlier use of the code means (§3):
/// same content → the existing order; different content → conflict.
async fn claim_order(
    tx: &mut PgConnection,
    o: &NewOrder<'_>,
) -> Result<Result<store::orders::OrderHead, (Created, store::orders::OrderHead)>, ServiceError> {
    if let Some(head) = store::orders::insert(tx, o).await? {
        return Ok(Ok(head));
    }
    let existing = store::orders::find_for_update(tx, o.tenant, o.kind, o.order_code)
        .await?
        .ok_or_else(|| ServiceError::Internal("order vanished after a conflict".into()))?;
    if existing.fingerprint != o.fingerprint {
        return Err(ServiceError::Conflict(format!(
            "orderCode {} is already used by order {} with different content",
            o.order_code, existing.hx_order_no
        )));
    }
    Ok(Err((
        Created {
            order_code: existing.order_code.clone(),
            hx_order_no: existing.hx_order_no.clone(),
            status: existing.status.clone(),
            existed: true,
        },
        existing,
    )))
}

/// Creates an inbound, outbound or property order.
pub async fn create_warehouse_order(
    writes: &Writes,
    replay: Option<ReplayKey<'_>>,
    origin: &Origin<'_>,
    order: &WarehouseOrder,
) -> Result<Outcome<Created>, ServiceError> {
    let pool = &writes.pool;
    match create_once(writes, replay, origin, order).await {
        // A sandbox tenant's stock never runs out: the simulated warehouse counts some in.
        Err(ServiceError::InsufficientStock(short))
            if super::sandbox_stock::is_sandbox(pool, origin.tenant).await? =>
        {
            let code = format!("SBX-TOPUP-{}-{}", order.kind.as_str(), order.order_code);
            super::sandbox_stock::top_up(
                pool,
                origin.tenant,
                &order.inventory_code,
                &order.subbase_code,
                &short,
                code,
            )
            .await?;
            create_once(writes, replay, origin, order).await
        }
        other => other,
    }
}

async fn create_once(
    writes: &Writes,
    replay: Option<ReplayKey<'_>>,
    origin: &Origin<'_>,
    order: &WarehouseOrder,
) -> Result<Outcome<Created>, ServiceError> {
    let (request, fingerprint) = content(order)?;
    let new = NewOrder {
        tenant: origin.tenant,
        kind: order.kind.as_str(),
        kind_letter: order.kind.letter(),
        order_code: &order.order_code,
        order_type: &order.order_type,
        inventory_code: Some(&order.inventory_code),
        subbase_code: Some(&order.subbase_code),
        to_subbase_code: order.to_subbase_code.as_deref(),
        status: OrderStatus::Created.as_str(),
        fingerprint: &fingerprint,
        request: &request,
        client_id: origin.client_id,
    };
    if one_statement_fits(order) {
        if let Some(done) = create_in_one_statement(&writes.sessions, replay, &new, order).await? {
            return Ok(done);
        }
    }
    transaction(&writes.pool, replay, async |tx| {
        let head = match claim_order(tx, &new).await? {
            Ok(head) => head,
            Err((existing, _)) => return Ok(existing),
        };
        check_references(tx, origin.tenant, order).await?;
        let line_ids = store::orders::insert_lines(tx, head.id, &order.lines).await?;
        let mut status = OrderStatus::Created;
        if order.kind.reserves_stock() {
            let short = reserve(tx, origin.tenant, head.id, order, &line_ids).await?;
            if !short.is_empty() {
                if !order.allow_backorder {
                    return Err(ServiceError::InsufficientStock(short));
                }
                status = OrderStatus::Backordered;
                let event = DomainEvent::Backordered {
                    order: OrderRef {
                        order_code: head.order_code.clone(),
                        hx_order_no: head.hx_order_no.clone(),
                        kind: order.kind,
                        order_type: order.order_type.clone(),
                        inventory_code: Some(order.inventory_code.clone()),
                        subbase_code: Some(order.subbase_code.clone()),
                    },
                    shortages: short,
                };
                super::outbox::about_order(tx, head.id, origin.tenant, &event).await?;
            }
        }
        super::waybill_events::set_status(tx, head.id, status, None, None).await?;
        Ok(Created {
            order_code: head.order_code,
            hx_order_no: head.hx_order_no,
            status: status.as_str().into(),
            existed: false,
        })
    })
    .await
}

/// Whether the order can be written in one statement: it reserves nothing; or it reserves
/// without backorder (whose event payload is built here) and no two of its lines draw on the
/// same balances (same item and inventory type: FIFO across lines is allocated here).
fn one_statement_fits(order: &WarehouseOrder) -> bool {
    if !order.kind.reserves_stock() {
        return true;
    }
    let mut seen = std::collections::HashSet::new();
    !order.allow_backorder
        && order
            .lines
            .iter()
            .all(|l| seen.insert((l.item_code.as_str(), l.inventory_type.as_str())))
}

/// An order in one round trip (`store::orders::one_statement`). `None`
/// when the step-by-step path must decide instead: an `Idempotency-Key` (kept elsewhere), a
/// race with a concurrent call on the same key or code, or too little stock once the balances
/// were locked — each left by the statement without writing anything.
async fn create_in_one_statement(
    sessions: &Sessions,
    replay: Option<ReplayKey<'_>>,
    new: &NewOrder<'_>,
    order: &WarehouseOrder,
) -> Result<Option<Outcome<Created>>, ServiceError> {
    use store::orders::one_statement::{self, Written};
    let Some(key) = super::one_statement_key(replay) else {
        return Ok(None);
    };
    let (pairs, items) = reference_lists(order);
    let refs = store::orders::References {
        inventory_orgs: &pairs,
        products: &items,
        consignees: order.consignee_code.as_slice(),
    };
    // The statement commits as it ends: from here the change may be saved even if the answer
    // never reaches the caller.
    crate::context::set_committing();
    let written = if order.kind.reserves_stock() {
        one_statement::insert_reserving(sessions, new, &order.lines, &refs, key.as_ref()).await
    } else {
        one_statement::insert_inbound(sessions, new, &order.lines, &refs, key.as_ref()).await
    };
    let written = match written {
        Ok(w) => w,
        Err(e) if one_statement::lost_race(&e) => {
            crate::context::clear_committing();
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    match written {
        Written::Replayed(stored) => Ok(Some(Outcome {
            value: serde_json::from_value(stored)
                .map_err(|e| ServiceError::Internal(format!("stored replay outcome: {e}")))?,
            replayed: true,
        })),
        Written::Missing(m) => Err(ServiceError::MissingReference(m)),
        Written::Conflict { hx_order_no } => Err(ServiceError::Conflict(format!(
            "orderCode {} is already used by order {hx_order_no} with different content",
            new.order_code
        ))),
        Written::Order { head, existed } => Ok(Some(Outcome {
            value: Created {
                order_code: head.order_code,
                hx_order_no: head.hx_order_no,
                status: head.status,
                existed,
            },
            replayed: false,
        })),
    }
}

/// What an order refers to: its warehouse/owner pairs and its distinct items.
fn reference_lists(order: &WarehouseOrder) -> (Vec<(String, String)>, Vec<String>) {
    let mut pairs = vec![(order.inventory_code.clone(), order.subbase_code.clone())];
    if let Some(to) = &order.to_subbase_code {
        pairs.push((order.inventory_code.clone(), to.clone()));
    }
    let mut items: Vec<String> = order.lines.iter().map(|l| l.item_code.clone()).collect();
    items.sort();
    items.dedup();
    (pairs, items)
}

/// 3004 for every warehouse/owner pair, item and consignee that was never synced.
async fn check_references(
    tx: &mut PgConnection,
    tenant: &Tenant,
    order: &WarehouseOrder,
) -> Result<(), ServiceError> {
    let (pairs, items) = reference_lists(order);
    let refs = store::orders::References {
        inventory_orgs: &pairs,
        products: &items,
        consignees: order.consignee_code.as_slice(),
    };
    store::orders::missing_references(tx, tenant, &refs)
        .await?
        .into_result()
}

/// Reserves what is available for the order's lines; returns the lines left short.
async fn reserve(
    tx: &mut PgConnection,
    tenant: &Tenant,
    order_id: i64,
    order: &WarehouseOrder,
    line_ids: &[i64],
) -> Result<Vec<inventory::Shortage>, ServiceError> {
    let items: Vec<String> = order.lines.iter().map(|l| l.item_code.clone()).collect();
    let slots = store::inventory::lock_slots(
        tx,
        tenant,
        &order.inventory_code,
        &order.subbase_code,
        &items,
    )
    .await?;
    let demands: Vec<Demand> = order
        .lines
        .iter()
        .map(|l| Demand {
            line_no: l.line_no.clone(),
            item_code: l.item_code.clone(),
            inventory_type: l.inventory_type.clone(),
            batch_code: l.batch_code.clone(),
            qty: l.plan_qty,
        })
        .collect();
    let (allocations, shortages) = inventory::allocate(&demands, &slots);
    let parts: Vec<(i64, i64, i64)> = allocations
        .iter()
        .map(|a| (line_ids[a.line], a.balance_id, a.qty))
        .collect();
    if !parts.is_empty() && (shortages.is_empty() || order.allow_backorder) {
        store::inventory::reserve(tx, order_id, &parts).await?;
    }
    Ok(shortages)
}

/// Creates a transport order.
pub async fn create_transport_order(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    origin: &Origin<'_>,
    order: &TransportOrder,
) -> Result<Outcome<Created>, ServiceError> {
    transaction(pool, replay, async |tx| {
        Ok(insert_transport(tx, origin, order).await?.created)
    })
    .await
}

/// A transport order made (or found again) in the caller's transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreatedTransport {
    pub created: Created,
    pub id: i64,
    pub transport_no: String,
}

/// Creates a transport order in the caller's transaction: idempotent by order code (§3),
/// subscribers told of a new one.
pub(crate) async fn insert_transport(
    tx: &mut PgConnection,
    origin: &Origin<'_>,
    order: &TransportOrder,
) -> Result<CreatedTransport, ServiceError> {
    let (request, fingerprint) = content(order)?;
    let new = NewOrder {
        tenant: origin.tenant,
        kind: OrderKind::Transport.as_str(),
        kind_letter: OrderKind::Transport.letter(),
        order_code: &order.order_code,
        order_type: &order.order_type,
        inventory_code: None,
        subbase_code: None,
        to_subbase_code: None,
        status: OrderStatus::Created.as_str(),
        fingerprint: &fingerprint,
        request: &request,
        client_id: origin.client_id,
    };
    let head = match claim_order(tx, &new).await? {
        Ok(head) => head,
        Err((created, head)) => {
            return Ok(CreatedTransport {
                created,
                id: head.id,
                transport_no: head.transport_no.unwrap_or_default(),
            })
        }
    };
    if let Some(related) = &order.related_order_code {
        if store::orders::find_for_update(tx, origin.tenant, OrderKind::Out.as_str(), related)
            .await?
            .is_none()
        {
            return Err(ServiceError::NotFound(format!(
                "relatedOrderCode {related}: no outbound order with this code"
            )));
        }
    }
    store::orders::insert_vehicles(tx, head.id, &order.vehicles).await?;
    store::orders::insert_event(tx, head.id, OrderStatus::Created.as_str(), None).await?;
    super::waybill_events::notify(
        tx,
        origin.tenant,
        head.id,
        crate::domain::waybill::WaybillChange::Created,
        None,
    )
    .await?;
    Ok(CreatedTransport {
        created: Created {
            order_code: head.order_code,
            hx_order_no: head.hx_order_no,
            status: head.status,
            existed: false,
        },
        id: head.id,
        transport_no: head.transport_no.unwrap_or_default(),
    })
}

/// The answer to a cancel request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cancelled {
    pub order_code: String,
    pub hx_order_no: String,
    /// `CANCELLED` or `PENDING`.
    pub cancel_status: String,
}

pub async fn cancel(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    kind: OrderKind,
    order_code: &str,
    reason: Option<&str>,
) -> Result<Outcome<Cancelled>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let head = store::orders::find_for_update(tx, tenant, kind.as_str(), order_code)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(format!("no {} order {order_code}", kind.as_str()))
            })?;
        let status = OrderStatus::parse(&head.status)
            .ok_or_else(|| ServiceError::Internal(format!("unknown status {}", head.status)))?;
        let answer = |s: &str| Cancelled {
            order_code: head.order_code.clone(),
            hx_order_no: head.hx_order_no.clone(),
            cancel_status: s.into(),
        };
        match cancel_decision(kind, status) {
            CancelDecision::CancelNow => {
                if kind.reserves_stock() {
                    store::inventory::release_order(tx, head.id).await?;
                }
                store::orders::close_serials(tx, head.id).await?;
                super::waybill_events::set_status(
                    tx,
                    head.id,
                    OrderStatus::Cancelled,
                    None,
                    reason,
                )
                .await?;
                Ok(answer("CANCELLED"))
            }
            CancelDecision::Pending => {
                super::waybill_events::set_status(
                    tx,
                    head.id,
                    OrderStatus::CancelPending,
                    Some(status.as_str()),
                    reason,
                )
                .await?;
                Ok(answer("PENDING"))
            }
            CancelDecision::AlreadyPending => Ok(answer("PENDING")),
            CancelDecision::AlreadyCancelled => Ok(answer("CANCELLED")),
            CancelDecision::TooLate => Err(ServiceError::WrongStatus(format!(
                "order {order_code} is {status}: too late to cancel"
            ))),
        }
    })
    .await
}

/// Locks the tenant's order of `kind` by code: 3001 when there is none, 3003 unless its status
/// is one of `allowed` (the message says what is `taken` in which statuses).
async fn open_order(
    tx: &mut PgConnection,
    tenant: &Tenant,
    kind: OrderKind,
    order_code: &str,
    allowed: &[OrderStatus],
    taken: &str,
) -> Result<store::orders::OrderHead, ServiceError> {
    let head = store::orders::find_for_update(tx, tenant, kind.as_str(), order_code)
        .await?
        .ok_or_else(|| {
            ServiceError::NotFound(format!("no {} order {order_code}", kind.as_str()))
        })?;
    if !OrderStatus::parse(&head.status).is_some_and(|s| allowed.contains(&s)) {
        let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        return Err(ServiceError::WrongStatus(format!(
            "order {order_code} is {}: {taken} while it is {}",
            head.status,
            names.join(", ")
        )));
    }
    Ok(head)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LpnsAccepted {
    pub order_code: String,
    pub lpn_codes: Vec<String>,
}

/// Adds or replaces LPNs of an inbound order that is still receiving. Field errors name
/// `lpns[i].items[j]…`.
pub async fn put_lpns(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    order_code: &str,
    lpns: &[Lpn],
) -> Result<Outcome<LpnsAccepted>, ServiceError> {
    transaction(pool, replay, async |tx| {
        use OrderStatus::*;
        // §5.2: LPNs announce what is still to be received.
        let head = open_order(tx, tenant, OrderKind::In, order_code, &[Created, PartiallyReceived], "LPNs are taken").await?;
        let mut planned: HashMap<String, i64> = HashMap::new();
        for l in store::orders::lines_of(tx, &[head.id]).await? {
            *planned.entry(l.item_code).or_default() += l.plan_qty;
        }
        let replaced: Vec<String> = lpns.iter().map(|l| l.lpn_code.clone()).collect();
        let already: HashMap<String, i64> = store::orders::lpn_totals_except(tx, head.id, &replaced)
            .await?
            .into_iter()
            .collect();
        let problems = lpn::check(&planned, &already, lpns);
        if !problems.is_empty() {
            // Paths are those of the LPN request, so the client sees where each problem is.
            let mut e = FieldErrors::default();
            for p in problems {
                match p {
                    LpnProblem::ItemNotOnOrder { lpn, item, item_code } => e.invalid(
                        format!("lpns[{lpn}].items[{item}].itemCode"),
                        format!("{item_code} is not on order {order_code}"),
                    ),
                    LpnProblem::OverPlan { item_code, planned, announced } => e.invalid(
                        "lpns",
                        format!("item {item_code}: {announced} announced over all LPNs, {planned} planned"),
                    ),
                }
            }
            return Err(ServiceError::Invalid(e));
        }
        for l in lpns {
            store::orders::replace_lpn(tx, head.id, &l.lpn_code, &l.items).await?;
        }
        Ok(LpnsAccepted {
            order_code: head.order_code,
            lpn_codes: replaced,
        })
    })
    .await
}

/// Serial numbers for one line of an outbound order.
#[derive(Debug, Clone)]
pub struct SerialLine {
    pub line_no: String,
    pub sn_codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SerialsBound {
    pub order_code: String,
    pub bound: u32,
    pub already_bound: u32,
}

/// Binds serial numbers to lines of an open outbound order. Field errors name `items[i]…`.
pub async fn bind_serials(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    order_code: &str,
    lines: &[SerialLine],
) -> Result<Outcome<SerialsBound>, ServiceError> {
    transaction(pool, replay, async |tx| {
        use OrderStatus::*;
        let head = open_order(
            tx,
            tenant,
            OrderKind::Out,
            order_code,
            &[Created, Backordered, Processing],
            "serial numbers are taken",
        )
        .await?;
        let order_lines = store::orders::lines_of(tx, &[head.id]).await?;
        let by_no: HashMap<&str, &store::orders::LineRow> = order_lines
            .iter()
            .map(|l| (l.line_no.as_str(), l))
            .collect();
        let counts: HashMap<i64, i64> = store::orders::serial_counts(tx, head.id)
            .await?
            .into_iter()
            .collect();
        let all_sn: Vec<String> = lines.iter().flat_map(|l| l.sn_codes.clone()).collect();
        let bound: HashMap<String, (String, i64)> =
            store::orders::open_serials(tx, tenant, &all_sn)
                .await?
                .into_iter()
                .map(|(sn, code, line)| (sn, (code, line)))
                .collect();
        let mut e = FieldErrors::default();
        let mut new = Vec::new();
        let mut already = 0;
        let mut items = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let at = format!("items[{i}]");
            let Some(line) = by_no.get(l.line_no.as_str()) else {
                e.invalid(
                    format!("{at}.lineNo"),
                    format!("order {order_code} has no line {}", l.line_no),
                );
                continue;
            };
            items.push(line.item_code.clone());
            let mut fresh = 0;
            for (j, sn) in l.sn_codes.iter().enumerate() {
                match bound.get(sn) {
                    Some((_, other_line)) if *other_line == line.id => already += 1,
                    Some((other_code, _)) => e.invalid(
                        format!("{at}.snCodes[{j}]"),
                        format!("SN {sn} is already bound to open order {other_code}"),
                    ),
                    None => {
                        fresh += 1;
                        new.push((line.id, sn.clone()));
                    }
                }
            }
            let total = counts.get(&line.id).copied().unwrap_or(0) + fresh;
            if total > line.plan_qty {
                e.invalid(
                    format!("{at}.snCodes"),
                    format!(
                        "line {} would hold {total} SNs; it plans {}",
                        l.line_no, line.plan_qty
                    ),
                );
            }
        }
        items.sort();
        items.dedup();
        for code in store::orders::not_serial_managed(tx, tenant, &items).await? {
            e.invalid(
                "items",
                format!("item {code} is not serial-managed (product sync: serialManaged)"),
            );
        }
        if !e.is_empty() {
            return Err(ServiceError::Invalid(e));
        }
        store::orders::bind_serials(tx, tenant, head.id, &new)
            .await
            .map_err(|err| {
                if store::is_unique_violation(&err, "serial_codes_open_key") {
                    let mut e = FieldErrors::default();
                    e.invalid(
                        "items",
                        "an SN was bound to another open order at the same time; retry",
                    );
                    ServiceError::Invalid(e)
                } else {
                    err.into()
                }
            })?;
        Ok(SerialsBound {
            order_code: head.order_code,
            bound: new.len() as u32,
            already_bound: already,
        })
    })
    .await
}

/// One order as the result queries show it.
#[derive(Debug, Clone)]
pub struct OrderResult {
    pub order: store::orders::OrderRow,
    pub lines: Vec<store::orders::LineRow>,
    pub history: Vec<store::orders::EventRow>,
    pub confirmations: Vec<store::orders::ConfirmationRow>,
    pub packages: Vec<store::orders::PackageRow>,
}

/// Orders of this tenant and kind by code, in the order asked; codes not found listed apart.
pub async fn results(
    pool: &PgPool,
    tenant: &Tenant,
    kind: OrderKind,
    codes: &[String],
) -> Result<(Vec<OrderResult>, Vec<String>), ServiceError> {
    let mut conn = pool.acquire().await?;
    let orders = store::orders::find_by_codes(&mut conn, tenant, kind.as_str(), codes).await?;
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let mut lines: HashMap<i64, Vec<_>> = HashMap::new();
    for l in store::orders::lines_of(&mut conn, &ids).await? {
        lines.entry(l.order_id).or_default().push(l);
    }
    let mut events: HashMap<i64, Vec<_>> = HashMap::new();
    for ev in store::orders::events_of(&mut conn, &ids).await? {
        events.entry(ev.order_id).or_default().push(ev);
    }
    let mut confirmations: HashMap<i64, Vec<_>> = HashMap::new();
    for c in store::orders::confirmations_of(&mut conn, &ids).await? {
        confirmations.entry(c.order_id).or_default().push(c);
    }
    let mut packages: HashMap<i64, Vec<_>> = HashMap::new();
    for p in store::orders::packages_of(&mut conn, &ids).await? {
        packages.entry(p.order_id).or_default().push(p);
    }
    let found: std::collections::HashSet<&str> =
        orders.iter().map(|o| o.order_code.as_str()).collect();
    let not_found = codes
        .iter()
        .filter(|c| !found.contains(c.as_str()))
        .cloned()
        .collect();
    let results = orders
        .into_iter()
        .map(|o| OrderResult {
            lines: lines.remove(&o.id).unwrap_or_default(),
            history: events.remove(&o.id).unwrap_or_default(),
            confirmations: confirmations.remove(&o.id).unwrap_or_default(),
            packages: packages.remove(&o.id).unwrap_or_default(),
            order: o,
        })
        .collect();
    Ok((results, not_found))
}

/// The kinds of the tenant's orders with this code (for dialects whose cancel names none).
pub async fn kinds_of(
    pool: &PgPool,
    tenant: &Tenant,
    order_code: &str,
) -> Result<Vec<OrderKind>, ServiceError> {
    let mut conn = pool.acquire().await?;
    Ok(store::orders::kinds_of_code(&mut conn, tenant, order_code)
        .await?
        .iter()
        .filter_map(|k| OrderKind::parse(k))
        .collect())
}
