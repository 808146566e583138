//! Trips (车次) as dispatch runs them (ops API): assign waybills to a driver and vehicle (the
//! waybills still waiting are accepted), update a trip, delete it (its waybills are released),
//! reassign a waybill to another trip. Each change tells the trip's and waybills' subscribers.

use super::{transaction, waybill_events, ReplayKey, ServiceError};
use crate::domain::client::Tenant;
use crate::domain::event::Dispatch;
use crate::domain::order::OrderStatus;
use crate::domain::waybill::{TripChange, WaybillChange};
use crate::store::trips::{TripFields, TripRow};
use crate::store::waybills::LockedWaybill;
use crate::store::{self, PgConnection, PgPool};

async fn lock_waybills(
    tx: &mut PgConnection,
    tenant: &Tenant,
    numbers: &[String],
) -> Result<Vec<LockedWaybill>, ServiceError> {
    let mut out = Vec::new();
    for n in numbers {
        let w = store::waybills::lock_by_number(tx, tenant, n)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no waybill {n}")))?;
        if matches!(
            OrderStatus::parse(&w.status),
            Some(OrderStatus::Cancelled | OrderStatus::Rejected | OrderStatus::Signed)
        ) {
            return Err(ServiceError::WrongStatus(format!(
                "waybill {n} is {}: it cannot go on a trip",
                w.status
            )));
        }
        out.push(w);
    }
    Ok(out)
}

/// The trip's waybills still waiting for dispatch are accepted with its driver and vehicle.
async fn accept_all(
    tx: &mut PgConnection,
    trip: &TripRow,
    waybills: &[LockedWaybill],
) -> Result<(), ServiceError> {
    for w in waybills {
        let d = Dispatch {
            carrier_code: trip.carrier_code.clone(),
            waybill_no: Some(w.transport_no.clone()),
            plate_no: trip.plate_no.clone(),
            driver_name: trip.driver_name.clone(),
            driver_phone: trip.driver_phone.clone(),
            estimated_pickup_time: None,
        };
        super::ops::accept_in(tx, &w.hx_order_no, d).await?;
    }
    Ok(())
}

/// Tells the subscribers of the trips the waybills leave that those trips changed.
async fn left_trips(
    tx: &mut PgConnection,
    tenant: &Tenant,
    waybills: &[LockedWaybill],
    to: i64,
) -> Result<(), ServiceError> {
    let mut old: Vec<i64> = waybills
        .iter()
        .filter_map(|w| w.trip_id)
        .filter(|t| *t != to)
        .collect();
    old.sort_unstable();
    old.dedup();
    for id in old {
        if let Some(t) = store::trips::lock_by_id(tx, id).await? {
            let ids = store::trips::order_ids(tx, id).await?;
            waybill_events::trip_changed(tx, tenant, t.as_ref(), &ids, TripChange::Updated).await?;
        }
    }
    Ok(())
}

/// Assigns waybills to a new trip.
pub async fn assign(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    numbers: &[String],
    fields: &TripFields,
) -> Result<TripRow, ServiceError> {
    let out = transaction(pool, replay, async |tx| {
        let waybills = lock_waybills(tx, tenant, numbers).await?;
        let trip = store::trips::insert(tx, tenant, fields).await?;
        let ids: Vec<i64> = waybills.iter().map(|w| w.id).collect();
        store::trips::set_orders_trip(tx, &ids, Some(trip.id)).await?;
        accept_all(tx, &trip, &waybills).await?;
        for w in waybills.iter().filter(|w| w.trip_id.is_some()) {
            waybill_events::notify(tx, tenant, w.id, WaybillChange::Reassigned, None).await?;
        }
        left_trips(tx, tenant, &waybills, trip.id).await?;
        waybill_events::trip_changed(tx, tenant, trip.as_ref(), &ids, TripChange::Assigned).await?;
        Ok(trip)
    })
    .await?;
    Ok(out.value)
}

/// Changes a trip's driver, vehicle or fleet (given fields replace) and adds waybills to it;
/// waybills still waiting are accepted.
pub async fn update(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    pack_number: &str,
    fields: &TripFields,
    add: &[String],
) -> Result<TripRow, ServiceError> {
    let out = transaction(pool, replay, async |tx| {
        let trip = store::trips::lock(tx, tenant, pack_number)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no trip {pack_number}")))?;
        let added = lock_waybills(tx, tenant, add).await?;
        let trip = store::trips::update(tx, trip.id, fields).await?;
        let added_ids: Vec<i64> = added.iter().map(|w| w.id).collect();
        store::trips::set_orders_trip(tx, &added_ids, Some(trip.id)).await?;
        let all = store::waybills::lock_on_trip(tx, trip.id).await?;
        let ids: Vec<i64> = all.iter().map(|w| w.id).collect();
        accept_all(tx, &trip, &all).await?;
        for w in added
            .iter()
            .filter(|w| w.trip_id.is_some_and(|t| t != trip.id))
        {
            waybill_events::notify(tx, tenant, w.id, WaybillChange::Reassigned, None).await?;
        }
        left_trips(tx, tenant, &added, trip.id).await?;
        waybill_events::trip_changed(tx, tenant, trip.as_ref(), &ids, TripChange::Updated).await?;
        Ok(trip)
    })
    .await?;
    Ok(out.value)
}

/// Deletes a trip; its waybills are released (they keep their status).
pub async fn delete(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    pack_number: &str,
) -> Result<(), ServiceError> {
    transaction(pool, replay, async |tx| {
        let trip = store::trips::lock(tx, tenant, pack_number)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no trip {pack_number}")))?;
        let ids = store::trips::order_ids(tx, trip.id).await?;
        waybill_events::trip_changed(tx, tenant, trip.as_ref(), &ids, TripChange::Deleted).await?;
        store::trips::delete(tx, trip.id).await?;
        Ok(())
    })
    .await?;
    Ok(())
}

/// An exception report about a waybill (装货异常, 在途异常, 签收异常), told to subscribers
/// of 8002.
pub async fn report_exception(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    transport_no: &str,
    report: &crate::domain::waybill::ExceptionReport,
) -> Result<(), ServiceError> {
    transaction(pool, replay, async |tx| {
        let w = store::waybills::lock_by_number(tx, tenant, transport_no)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no waybill {transport_no}")))?;
        store::waybills::add_exception(tx, w.id, report).await?;
        waybill_events::notify(
            tx,
            tenant,
            w.id,
            WaybillChange::Exception,
            Some(report.clone()),
        )
        .await
    })
    .await?;
    Ok(())
}

/// Waybills (or their labels) printed, told to subscribers of 8000 / 8001.
pub async fn printed(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    transport_nos: &[String],
    labels: bool,
) -> Result<(), ServiceError> {
    transaction(pool, replay, async |tx| {
        for n in transport_nos {
            let w = store::waybills::lock_by_number(tx, tenant, n)
                .await?
                .ok_or_else(|| ServiceError::NotFound(format!("no waybill {n}")))?;
            store::waybills::mark_printed(tx, w.id, labels).await?;
        }
        waybill_events::printed(tx, tenant, transport_nos.to_vec(), labels).await
    })
    .await?;
    Ok(())
}

/// Receipt photos of a waybill, stored with its sign-off images: (id, sha256, duplicate). A
/// waybill signed already tells its subscribers of 4 again, with the photos.
pub async fn receipt_photos(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    tenant: &Tenant,
    transport_no: &str,
    images: &[super::carrier::Image],
) -> Result<Vec<(uuid::Uuid, String, bool)>, ServiceError> {
    let out = transaction(pool, replay, async |tx| {
        let w = store::waybills::lock_by_number(tx, tenant, transport_no)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no waybill {transport_no}")))?;
        let mut stored = Vec::new();
        for i in images {
            let (id, new) = store::carrier::insert_image(
                tx,
                &store::carrier::NewImage {
                    id: uuid::Uuid::now_v7(),
                    carrier_code: RECEIPT_PHOTO,
                    waybill_no: transport_no,
                    sha256: &i.sha256,
                    content_type: &i.content_type,
                    file_name: i.file_name.as_deref(),
                    bytes: &i.bytes,
                    signer: None,
                    sign_time: chrono::Utc::now(),
                    link: Some((tenant.as_str(), w.id)),
                },
            )
            .await?;
            stored.push((id, i.sha256.clone(), !new));
        }
        if OrderStatus::parse(&w.status) == Some(OrderStatus::Signed) && stored.iter().any(|s| !s.2)
        {
            waybill_events::notify(tx, tenant, w.id, WaybillChange::Signed, None).await?;
        }
        Ok(stored)
    })
    .await?;
    Ok(out.value)
}

/// Receipt photos are kept with sign-off images under this source instead of a carrier code.
pub const RECEIPT_PHOTO: &str = "RECEIPT_PHOTO";
