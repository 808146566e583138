//! What a transport order's changes tell the identities that subscribe to them (3TMS order
//! and trip subscriptions). Every status change of an order goes through `set_status` here,
//! so no change of a waybill can miss its subscribers.

use super::{outbox, ServiceError};
use crate::domain::client::Tenant;
use crate::domain::event::{DomainEvent, ImageRef};
use crate::domain::order::{OrderKind, OrderStatus, TransportOrder};
use crate::domain::waybill::{ExceptionReport, TripChange, TripRef, WaybillChange, WaybillRef};
use crate::store::{self, PgConnection};

pub const ORDER_SCOPE: &str = "order";
pub const PACK_SCOPE: &str = "pack";

/// Moves an order to `status` with its history; a transport order's subscribers hear of it.
pub(crate) async fn set_status(
    tx: &mut PgConnection,
    order_id: i64,
    status: OrderStatus,
    pre_cancel_status: Option<&str>,
    note: Option<&str>,
) -> Result<(), ServiceError> {
    set_status_at(tx, order_id, status, pre_cancel_status, note, None).await
}

/// As [`set_status`], for an event that says when it happened (a carrier's node time): the
/// waybill's times (shipment, signature) and its slip's are that time, not the recording's.
pub(crate) async fn set_status_at(
    tx: &mut PgConnection,
    order_id: i64,
    status: OrderStatus,
    pre_cancel_status: Option<&str>,
    note: Option<&str>,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), ServiceError> {
    let (kind, tenant) =
        store::orders::set_status(tx, order_id, status.as_str(), pre_cancel_status, note, at)
            .await?;
    if kind == OrderKind::Transport.as_str() {
        if let Some(change) = WaybillChange::of_status(status) {
            let tenant = Tenant(tenant);
            notify(tx, &tenant, order_id, change, None).await?;
            super::slips::segment_changed(tx, &tenant, order_id, change, at).await?;
            if change == WaybillChange::Cancelled {
                leave_trip(tx, &tenant, order_id).await?;
            }
        }
    }
    Ok(())
}

/// A cancelled waybill leaves its trip; the trip's subscribers hear it changed.
async fn leave_trip(
    tx: &mut PgConnection,
    tenant: &Tenant,
    order_id: i64,
) -> Result<(), ServiceError> {
    let Some(trip_id) = store::trips::release_order(tx, order_id).await? else {
        return Ok(());
    };
    if let Some(t) = store::trips::lock_by_id(tx, trip_id).await? {
        let ids = store::trips::order_ids(tx, trip_id).await?;
        trip_changed(tx, tenant, t.as_ref(), &ids, TripChange::Updated).await?;
    }
    Ok(())
}

/// Tells the tenant's subscribers of `change` about the waybill, as it is now.
pub(crate) async fn notify(
    tx: &mut PgConnection,
    tenant: &Tenant,
    order_id: i64,
    change: WaybillChange,
    exception: Option<ExceptionReport>,
) -> Result<(), ServiceError> {
    let subscribers =
        store::subscriptions::subscribers(tx, tenant, ORDER_SCOPE, change.as_str()).await?;
    if subscribers.is_empty() {
        return Ok(());
    }
    let Some(waybill) = store::waybills::waybill_ref(tx, order_id).await? else {
        return Ok(());
    };
    let (signer, images) = if change == WaybillChange::Signed {
        let images = store::waybills::images_of(tx, order_id).await?;
        (
            store::waybills::signer_of(tx, order_id).await?,
            images
                .into_iter()
                .map(|(image_id, content_type, sha256)| ImageRef {
                    image_id,
                    content_type,
                    sha256,
                })
                .collect(),
        )
    } else {
        (None, Vec::new())
    };
    let event = DomainEvent::WaybillChanged {
        waybill: Box::new(waybill),
        change,
        time: chrono::Utc::now(),
        signer,
        images,
        exception,
    };
    let key = outbox::order_key(order_id);
    outbox::to_subscribers(tx, &subscribers, tenant, Some(&key), &event).await
}

/// The `created` message of a new waybill as [`notify`] would make it, but from the order
/// itself, before its numbers exist: `hxOrderNo` and `transportNo` are left blank for the
/// one-statement write (`store::orders::one_statement_waybills`) to fill in. `notify` reads
/// `customerOrderNo` and `deliveryType` back from the stored request, which is this order.
pub(crate) fn created_message(order: &TransportOrder) -> DomainEvent {
    DomainEvent::WaybillChanged {
        waybill: Box::new(WaybillRef {
            hx_order_no: String::new(),
            transport_no: String::new(),
            order_code: order.order_code.clone(),
            customer_order_no: order.customer_order_no.clone(),
            delivery_type: order.delivery_type,
            status: OrderStatus::Created.as_str().to_string(),
            trip: None,
        }),
        change: WaybillChange::Created,
        time: chrono::Utc::now(),
        signer: None,
        images: Vec::new(),
        exception: None,
    }
}

/// Tells the tenant's subscribers of `change` that waybills were printed.
pub(crate) async fn printed(
    tx: &mut PgConnection,
    tenant: &Tenant,
    transport_nos: Vec<String>,
    labels: bool,
) -> Result<(), ServiceError> {
    let change = if labels {
        WaybillChange::LabelPrinted
    } else {
        WaybillChange::Printed
    };
    let subscribers =
        store::subscriptions::subscribers(tx, tenant, ORDER_SCOPE, change.as_str()).await?;
    let event = DomainEvent::WaybillsPrinted {
        transport_nos,
        labels,
        time: chrono::Utc::now(),
    };
    outbox::to_subscribers(tx, &subscribers, tenant, None, &event).await
}

/// Tells the tenant's trip subscribers of `change`, with the waybills the trip carries.
pub(crate) async fn trip_changed(
    tx: &mut PgConnection,
    tenant: &Tenant,
    trip: TripRef,
    order_ids: &[i64],
    change: TripChange,
) -> Result<(), ServiceError> {
    let subscribers =
        store::subscriptions::subscribers(tx, tenant, PACK_SCOPE, change.as_str()).await?;
    if subscribers.is_empty() {
        return Ok(());
    }
    let mut waybills: Vec<WaybillRef> = Vec::new();
    for id in order_ids {
        if let Some(mut w) = store::waybills::waybill_ref(tx, *id).await? {
            w.trip = None;
            waybills.push(w);
        }
    }
    let key = format!("trip:{}", trip.pack_number);
    let event = DomainEvent::TripChanged {
        trip,
        change,
        waybills,
        time: chrono::Utc::now(),
    };
    outbox::to_subscribers(tx, &subscribers, tenant, Some(&key), &event).await
}
