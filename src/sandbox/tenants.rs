//! What the simulated warehouse does per sandbox tenant rather than per order: ample stock,
//! a periodic stock adjustment and vehicle inspection, and decisions on adjustment requests
//! (Qimen `inventory.synchronize`).

use super::SCANNER;
use crate::domain::client::{ClientKind, Tenant};
use crate::domain::inventory::Shortage;
use crate::domain::slip::GpsPoint;
use crate::service::ops::{self, Adjustment, Inspection, YardIntake};
use crate::service::slips::SegmentPlan;
use crate::service::{self, adjustment_requests, admin, sandbox_stock, ServiceError};
use crate::state::AppState;
use crate::store::sandbox::{DueTenant, SandboxOrder};
use crate::store::{self};
use chrono::Utc;

/// The simulated scanner's identity id, created on first use (a DWS scan needs an identity).
pub async fn scanner_id(app: &AppState) -> Option<i64> {
    let (create_by, data_source) = SCANNER;
    let found = store::clients::find_by_identity(&app.db, create_by, data_source).await;
    match found {
        Ok(Some(row)) => return Some(row.id),
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error = %e, "sandbox scanner lookup failed");
            return None;
        }
    }
    let input = admin::NewClientInput {
        kind: ClientKind::Device,
        create_by: create_by.into(),
        data_source: data_source.into(),
        name: Some("Sandbox DWS scanner (simulated)".into()),
        sandbox: true,
        ..Default::default()
    };
    match admin::add_client(&app.db, &app.key, input).await {
        Ok(v) => Some(v.id),
        // Another gateway created it a moment ago: it is found next tick.
        Err(e) => {
            tracing::info!(error = %e, "sandbox scanner not created");
            None
        }
    }
}

/// Sandbox stock never runs out: an order that met too little stock (a backorder allowed by
/// its sender) gets what it lacks before the warehouse starts it.
pub async fn top_up(app: &AppState, o: &SandboxOrder) -> Result<(), ServiceError> {
    let (Some(wh), Some(owner)) = (&o.inventory_code, &o.subbase_code) else {
        return Ok(());
    };
    let short: Vec<Shortage> = store::sandbox::lines(&app.db, o.id)
        .await?
        .into_iter()
        .map(|l| Shortage {
            line_no: l.line_no,
            item_code: l.item_code,
            inventory_type: l.inventory_type,
            batch_code: l.batch_code,
            requested: l.plan_qty,
            available: 0,
        })
        .collect();
    let code = format!("SBX-TOPUP-{}", o.hx_order_no);
    sandbox_stock::top_up(&app.db, &Tenant(o.tenant.clone()), wh, owner, &short, code).await
}

/// 3TMS slips of sandbox tenants: dispatched as one direct segment (a transport order the
/// simulator then takes along like any other), and their trackers report a position.
pub async fn slips(app: &AppState, report_positions: bool) {
    match store::sandbox::pending_slips(&app.db).await {
        Ok(pending) => {
            for (tenant, number) in pending {
                let plan = SegmentPlan {
                    segment_type: 2,
                    from: None,
                    to: None,
                };
                let r =
                    service::slips::split(&app.db, None, &Tenant(tenant), &number, &[plan]).await;
                if let Err(e) = r {
                    tracing::warn!(slip = %number, error = %e, "sandbox slip not dispatched");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "sandbox slips not read"),
    }
    if !report_positions {
        return;
    }
    match store::sandbox::sandbox_trackers(&app.db).await {
        Ok(devices) => {
            for device in devices {
                let point = GpsPoint {
                    device,
                    gps_time: Utc::now().timestamp(),
                    lat: 31.23,
                    lng: 121.47,
                    direction: Some(90.0),
                    speed: Some(60.0),
                    humidity: None,
                    temperature: Some(21.5),
                    locate_type: Some(1),
                    location: Some("[沙箱] 上海市浦东新区".into()),
                    power_rate: Some(88.0),
                    charger_state: Some(0),
                    province: Some("上海市".into()),
                    city: Some("上海市".into()),
                    district: Some("浦东新区".into()),
                    road_name: Some("世纪大道".into()),
                    run_status: Some(1),
                };
                if let Err(e) = service::slips::gps(&app.db, &point, true).await {
                    tracing::warn!(error = %e, "sandbox position not reported");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "sandbox trackers not read"),
    }
}

/// The tenants' periodic work and pending requests; failures are logged, retried next tick.
pub async fn periodic(app: &AppState) {
    match store::sandbox::due_tenants(&app.db, app.settings.sandbox.adjust_every_secs).await {
        Ok(due) => {
            for t in due {
                if let Err(e) = adjust_and_inspect(app, &t).await {
                    tracing::warn!(tenant = %t.tenant, error = %e, "sandbox adjustment failed");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "sandbox tenants not read"),
    }
    match store::sandbox::pending_requests(&app.db).await {
        Ok(ids) => {
            for id in ids {
                let r = adjustment_requests::decide(
                    &app.db,
                    None,
                    id,
                    true,
                    Some("[沙箱] 仓库同意"),
                    "sandbox",
                )
                .await;
                if let Err(e) = r {
                    tracing::warn!(request = id, error = %e, "sandbox request not decided");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "sandbox requests not read"),
    }
}

/// A count adjustment of the tenant's newest item, and a vehicle taken into its yard and
/// inspected.
async fn adjust_and_inspect(app: &AppState, t: &DueTenant) -> Result<(), ServiceError> {
    let tenant = Tenant(t.tenant.clone());
    let now = Utc::now();
    let stamp = now.format("%Y%m%d%H%M%S").to_string();
    let code = format!("SBX-ADJ-{stamp}");
    let a = Adjustment {
        tenant: tenant.clone(),
        inventory_code: t.inventory_code.clone(),
        subbase_code: t.subbase_code.clone(),
        adjust_order_code: code.clone(),
        adjust_type: "CHECK".into(),
        lines: vec![sandbox_stock::adjusted_line(&t.item_code, "ZP", None, 100)],
        fingerprint: code,
    };
    ops::adjust(&app.db, None, &a).await?;
    let vin = format!("LSBX{}", &stamp[1..]);
    let intake = YardIntake {
        tenant: tenant.clone(),
        vin: vin.clone(),
        inventory_code: t.inventory_code.clone(),
        brand: Some("沙箱".into()),
        model: Some("SBX-1".into()),
        color: Some("白".into()),
    };
    ops::vehicle_intake(&app.db, None, &intake).await?;
    let inspection = Inspection {
        tenant,
        vin,
        order_code: None,
        inspection_time: now,
        result: "PASS".into(),
        damages: Vec::new(),
        images: Vec::new(),
    };
    ops::inspect(&app.db, None, &inspection).await?;
    store::sandbox::mark_adjusted(&app.db, &t.tenant).await?;
    Ok(())
}
