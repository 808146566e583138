//! Finished vehicles in a customer's yard: intake and inspections.

use crate::domain::client::Tenant;
use crate::domain::event::{Damage, DomainEvent};
use crate::service::{outbox, transaction, Outcome, ReplayKey, ServiceError};
use crate::store::{self, PgPool};
use chrono::{DateTime, Utc};

/// A vehicle arriving in a customer's yard.
#[derive(Debug, Clone)]
pub struct YardIntake {
    pub tenant: Tenant,
    pub vin: String,
    pub inventory_code: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub color: Option<String>,
}

/// Yard intake: the vehicle is `IN_YARD` (车库存).
pub async fn vehicle_intake(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    v: &YardIntake,
) -> Result<Outcome<()>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let row = store::inventory::YardVehicle {
            vin: &v.vin,
            inventory_code: &v.inventory_code,
            brand: v.brand.as_deref(),
            model: v.model.as_deref(),
            color: v.color.as_deref(),
            status: "IN_YARD",
        };
        store::inventory::upsert_vehicle(tx, &v.tenant, &row).await?;
        Ok(())
    })
    .await
}

/// A vehicle inspection at intake or handover.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub tenant: Tenant,
    pub vin: String,
    pub order_code: Option<String>,
    pub inspection_time: DateTime<Utc>,
    /// PASS or DAMAGED.
    pub result: String,
    pub damages: Vec<Damage>,
    pub images: Vec<String>,
}

/// Records an inspection on a yard vehicle: `VehicleInspected` to the tenant's identities.
pub async fn inspect(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    i: &Inspection,
) -> Result<Outcome<()>, ServiceError> {
    transaction(pool, replay, async |tx| {
        if !store::inventory::record_inspection(tx, &i.tenant, &i.vin, &i.result, i.inspection_time)
            .await?
        {
            return Err(ServiceError::NotFound(format!(
                "no vehicle {} in the yard of {}",
                i.vin,
                i.tenant.as_str()
            )));
        }
        let event = DomainEvent::VehicleInspected {
            vin: i.vin.clone(),
            order_code: i.order_code.clone(),
            inspection_time: i.inspection_time,
            result: i.result.clone(),
            damages: i.damages.clone(),
            images: i.images.clone(),
        };
        outbox::about_tenant(tx, &i.tenant, Some(&format!("vin:{}", i.vin)), &event).await?;
        Ok(())
    })
    .await
}
