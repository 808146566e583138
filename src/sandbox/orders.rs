//! One step of one sandbox order, chosen by its status (what the warehouse does next) and, once
//! it is on the road, by the simulator's own step count (which carrier node comes next).

use super::{CARRIER, SCANNER};
use crate::domain::client::Tenant;
use crate::domain::order::{OrderKind, OrderStatus};
use crate::domain::waybill::ExceptionReport;
use crate::service::ops::{self, BatchHead, ConfirmType, Package, ReceiptLine};
use crate::service::{carrier, dws, trips, ServiceError};
use crate::state::AppState;
use crate::store::carrier::{Node, Scan};
use crate::store::orders::LineRow;
use crate::store::sandbox::SandboxOrder;
use crate::store::trips::TripFields;
use crate::store::{self};
use chrono::{Duration, SubsecRound, Utc};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

/// A 1×1 PNG: the simulated courier's photo of the signed delivery note.
const SIGN_IMAGE: [u8; 69] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0,
    0, 0, 144, 119, 83, 222, 0, 0, 0, 12, 73, 68, 65, 84, 120, 156, 99, 248, 207, 192, 0, 0, 3, 1,
    1, 0, 201, 254, 146, 239, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// The carrier's nodes, one per step once the goods have left: collected, in transit,
/// delivering, signed (a sign-off, with its image).
const ROAD: [(&str, &str, &str); 4] = [
    ("PICKUP", "上海市", "[沙箱] 快件已揽收"),
    ("IN_TRANSIT", "苏州转运中心", "[沙箱] 快件运输中"),
    ("DELIVERING", "收件人所在网点", "[沙箱] 快件派送中"),
    ("SIGNED", "收件人地址", "[沙箱] 已签收"),
];

/// The waybill the simulated warehouse gives a sandbox order's package.
pub fn waybill_of(hx_order_no: &str) -> String {
    format!("SBX{hx_order_no}")
}

/// What a step did to the simulator's own progress.
enum Next {
    /// The status moved; the step count stays.
    Moved,
    /// The next carrier node is due.
    Road(i32),
    /// Nothing more to do for this order.
    Done,
}

/// Takes the order one step further. Failures are logged and retried next tick when transient;
/// otherwise the simulator leaves the order alone (someone else moved it: the ops API is open
/// on sandbox orders too).
pub async fn step(app: &AppState, scanner: Option<i64>, o: &SandboxOrder) {
    let (Some(kind), Some(status)) = (OrderKind::parse(&o.kind), OrderStatus::parse(&o.status))
    else {
        return finish(app, o, o.step, true).await;
    };
    let next = match act(app, scanner, o, kind, status).await {
        Ok(n) => n,
        Err(ServiceError::Unavailable(e)) => {
            tracing::warn!(order = %o.hx_order_no, error = %e, "sandbox step: database unavailable");
            return;
        }
        Err(e) => {
            tracing::warn!(order = %o.hx_order_no, error = %e, "sandbox step refused; leaving the order alone");
            Next::Done
        }
    };
    match next {
        Next::Moved => {}
        Next::Road(s) => finish(app, o, s, false).await,
        Next::Done => finish(app, o, o.step, true).await,
    }
}

async fn finish(app: &AppState, o: &SandboxOrder, step: i32, done: bool) {
    if let Err(e) = store::sandbox::set_progress(&app.db, o.id, step, done).await {
        tracing::warn!(order = %o.hx_order_no, error = %e, "sandbox progress not saved");
    }
}

async fn act(
    app: &AppState,
    scanner: Option<i64>,
    o: &SandboxOrder,
    kind: OrderKind,
    status: OrderStatus,
) -> Result<Next, ServiceError> {
    use OrderStatus::*;
    let hx = o.hx_order_no.as_str();
    let db = &app.db;
    Ok(match (kind, status) {
        // Once work started a cancel waits for the warehouse: approved one step later.
        (_, CancelPending) => {
            ops::decide_cancel(db, None, hx, true, Some("[沙箱] 仓库同意取消")).await?;
            Next::Done
        }
        (_, Created | Backordered) if kind.reserves_stock() || kind == OrderKind::In => {
            if status == Backordered {
                super::tenants::top_up(app, o).await?;
            }
            ops::start(db, None, hx).await?;
            Next::Moved
        }
        (OrderKind::In, Processing) => {
            let lines = store::sandbox::lines(db, o.id).await?;
            let partial: Vec<ReceiptLine> = lines
                .iter()
                .filter(|l| l.plan_qty >= 2 && l.actual_qty == 0)
                .map(|l| receipt_line(l, l.plan_qty / 2))
                .collect();
            if partial.is_empty() {
                receive_rest(app, hx, &lines).await?;
            } else {
                ops::receive(db, None, hx, &head(ConfirmType::Partial, hx, 1), &partial).await?;
            }
            Next::Moved
        }
        (OrderKind::In, PartiallyReceived) => {
            let lines = store::sandbox::lines(db, o.id).await?;
            receive_rest(app, hx, &lines).await?;
            Next::Done
        }
        (OrderKind::Out, Processing | PartiallyShipped) => {
            let lines = store::sandbox::lines(db, o.id).await?;
            let package = package_of(hx, &lines);
            ops::ship(
                db,
                None,
                hx,
                &head(ConfirmType::Final, hx, 1),
                &[package],
                app.settings.dws.weight_tolerance,
            )
            .await?;
            Next::Moved
        }
        (OrderKind::Property, Created | Processing) => {
            ops::confirm(db, None, hx, None).await?;
            Next::Done
        }
        // Dispatch puts it on a trip (3TMS "on a trip"), which accepts it: every transport
        // order goes the way 3TMS waybills go.
        (OrderKind::Transport, Created | Processing) => {
            let Some(number) = &o.transport_no else {
                return Ok(Next::Done);
            };
            let tenant = Tenant(o.tenant.clone());
            trips::assign(db, None, &tenant, std::slice::from_ref(number), &trip("甲")).await?;
            trips::printed(db, None, &tenant, std::slice::from_ref(number), false).await?;
            trips::printed(db, None, &tenant, std::slice::from_ref(number), true).await?;
            Next::Moved
        }
        (OrderKind::Out, Shipped) | (OrderKind::Transport, Confirmed | InTransit) => {
            road(app, scanner, o, kind).await?
        }
        _ => Next::Done,
    })
}

/// The next carrier node of a shipped or dispatched order; the DWS scan comes with the first.
async fn road(
    app: &AppState,
    scanner: Option<i64>,
    o: &SandboxOrder,
    kind: OrderKind,
) -> Result<Next, ServiceError> {
    let Some(&(node_type, location, description)) = ROAD.get(o.step as usize) else {
        return Ok(Next::Done);
    };
    let waybill = match (kind, &o.transport_no) {
        (OrderKind::Transport, Some(number)) => number.clone(),
        _ => waybill_of(&o.hx_order_no),
    };
    // Whole seconds, as carriers and scanners report them.
    let now = Utc::now().trunc_subsecs(0);
    if o.step == 0 && kind == OrderKind::Out {
        if let Some(id) = scanner {
            let scan = Scan {
                barcode: waybill.clone(),
                weight_kg: Decimal::new(1_020, 3),
                length_cm: Some(Decimal::new(30, 0)),
                width_cm: Some(Decimal::new(20, 0)),
                height_cm: Some(Decimal::new(10, 0)),
                volume_cm3: Some(Decimal::new(6_000, 0)),
                scan_time: now,
            };
            dws::receive_scans(
                &app.writes,
                None,
                id,
                true,
                SCANNER.1,
                &[scan],
                app.settings.dws.weight_tolerance,
            )
            .await?;
        }
    }
    if kind == OrderKind::Transport {
        dispatch_changes(app, o, &waybill).await?;
    }
    let node = Node {
        node_type: node_type.into(),
        node_time: now,
        location: Some(location.into()),
        description: description.into(),
        operator: Some("沙箱快递员".into()),
        operator_phone: Some("13900000000".into()),
        lng: Some(121.47),
        lat: Some(31.23),
    };
    carrier::receive_routes(&app.db, None, CARRIER, &waybill, &[node]).await?;
    if node_type == "SIGNED" {
        let image = carrier::Image {
            file_name: Some("sign.png".into()),
            content_type: "image/png".into(),
            sha256: hex::encode(Sha256::digest(SIGN_IMAGE)),
            bytes: SIGN_IMAGE.to_vec(),
        };
        let sign_off = carrier::SignOff {
            waybill_no: &waybill,
            signer: Some("沙箱收件人"),
            sign_time: now,
        };
        carrier::receive_images(&app.db, None, CARRIER, &sign_off, &[image]).await?;
        return Ok(Next::Done);
    }
    Ok(Next::Road(o.step + 1))
}

/// A simulated trip: the sandbox carrier with a driver and vehicle of fleet `which`.
fn trip(which: &str) -> TripFields {
    TripFields {
        driver_name: Some(format!("沙箱司机{which}")),
        driver_phone: Some("13800000000".into()),
        plate_no: Some(format!("沪A·SBX{which}")),
        fleet: Some("沙箱车队".into()),
        carrier_code: Some(CARRIER.into()),
        remark: Some("[沙箱] 模拟调度".into()),
    }
}

/// What dispatch changes on the road, so that a 3TMS receiver hears every state once: before
/// pickup the waybill moves to another vehicle (reassigned, the old trip updated, then deleted);
/// in transit an exception is reported (the goods go on) and the trip's driver phone changes.
async fn dispatch_changes(
    app: &AppState,
    o: &SandboxOrder,
    number: &str,
) -> Result<(), ServiceError> {
    let db = &app.db;
    let tenant = Tenant(o.tenant.clone());
    match o.step {
        0 => {
            trips::assign(db, None, &tenant, &[number.to_string()], &trip("乙")).await?;
            if let Some(old) = &o.pack_number {
                trips::delete(db, None, &tenant, old).await?;
            }
        }
        1 => {
            let report = ExceptionReport {
                stage: "在途".into(),
                profile: "其他".into(),
                info: "[沙箱] 模拟在途异常: 道路施工绕行, 运输继续".into(),
                source: 2,
                image_urls: Vec::new(),
                address: Some("苏州转运中心".into()),
                lng: Some(120.58),
                lat: Some(31.3),
            };
            trips::report_exception(db, None, &tenant, number, &report).await?;
            if let Some(current) = &o.pack_number {
                let mut fields = trip("乙");
                fields.driver_phone = Some("13800000001".into());
                trips::update(db, None, &tenant, current, &fields, &[]).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn head(confirm_type: ConfirmType, hx: &str, seq: u32) -> BatchHead {
    BatchHead {
        confirm_type,
        confirm_time: Utc::now(),
        batch_no: Some(format!("SBX-{hx}-{seq}-{}", confirm_type.as_str())),
        fingerprint: format!("sandbox:{hx}:{seq}:{}", confirm_type.as_str()),
    }
}

/// A received line with a batch and its dates, as a real warehouse reports them.
fn receipt_line(l: &LineRow, qty: i64) -> ReceiptLine {
    let today = Utc::now().date_naive();
    ReceiptLine {
        line_no: l.line_no.clone(),
        actual_qty: qty,
        inventory_type: Some(l.inventory_type.clone()),
        batch_code: Some(l.batch_code.clone().unwrap_or_else(|| "SBX-BATCH-1".into())),
        product_date: Some(l.product_date.unwrap_or(today - Duration::days(30))),
        expire_date: Some(l.expire_date.unwrap_or(today + Duration::days(335))),
        sn_codes: Vec::new(),
        lpn_code: None,
    }
}

/// The final receipt: what is left of every line.
async fn receive_rest(app: &AppState, hx: &str, lines: &[LineRow]) -> Result<(), ServiceError> {
    let rest: Vec<ReceiptLine> = lines
        .iter()
        .filter(|l| l.plan_qty > l.actual_qty)
        .map(|l| receipt_line(l, l.plan_qty - l.actual_qty))
        .collect();
    ops::receive(&app.db, None, hx, &head(ConfirmType::Final, hx, 2), &rest).await?;
    Ok(())
}

/// One package with every line's remaining quantity, the sandbox waybill and a few SN codes.
fn package_of(hx: &str, lines: &[LineRow]) -> Package {
    Package {
        package_no: format!("SBX-PKG-{hx}"),
        waybill_no: Some(waybill_of(hx)),
        carrier_code: Some(CARRIER.into()),
        weight_kg: Some(Decimal::new(1_000, 3)),
        length_cm: Some(Decimal::new(30, 0)),
        width_cm: Some(Decimal::new(20, 0)),
        height_cm: Some(Decimal::new(10, 0)),
        items: lines
            .iter()
            .filter(|l| l.plan_qty > l.actual_qty)
            .map(|l| {
                let qty = l.plan_qty - l.actual_qty;
                let sns = (1..=qty.min(3))
                    .map(|i| format!("SBX-SN-{hx}-{}-{i}", l.line_no))
                    .collect();
                (l.line_no.clone(), qty, sns)
            })
            .collect(),
    }
}
