//! What happened, as the outbox keeps it: typed domain events with their data, written in the
//! transaction of the change that caused them. Each receiving identity's dialect renders an
//! event when it is delivered (a 鸿讯 §6 push, a Qimen method call…), or has nothing to say
//! about it. Serialised as JSON in `push_outbox.payload`; the member names of the confirmed
//! lines and packages are also those of the stored confirmation batches.

use super::inventory::Shortage;
use super::order::OrderKind;
use super::slip::{GpsPoint, SlipRef};
use super::waybill::{ExceptionReport, TripChange, TripRef, WaybillChange, WaybillRef};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The order an event is about, as every dialect names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRef {
    pub order_code: String,
    pub hx_order_no: String,
    pub kind: OrderKind,
    pub order_type: String,
    pub inventory_code: Option<String>,
    pub subbase_code: Option<String>,
}

/// PARTIAL or FINAL batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ConfirmType {
    Partial,
    Final,
}

impl ConfirmType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Partial => "PARTIAL",
            Self::Final => "FINAL",
        }
    }
}

/// A confirmed line: what a receipt received, or what a shipment took from one stock slot
/// (its batch, dates and type), with its serial numbers; totals carry the planned quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmedLine {
    pub line_no: String,
    pub item_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_qty: Option<i64>,
    pub actual_qty: i64,
    pub inventory_type: String,
    pub batch_code: Option<String>,
    pub product_date: Option<NaiveDate>,
    pub expire_date: Option<NaiveDate>,
    #[serde(default)]
    pub sn_codes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lpn_code: Option<String>,
}

/// Planned and confirmed quantity of an order line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineTotal {
    pub line_no: String,
    pub item_code: String,
    pub plan_qty: i64,
    pub actual_qty: i64,
}

/// What a package of a shipment holds of an order line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageItem {
    pub line_no: String,
    pub item_code: Option<String>,
    pub qty: i64,
    #[serde(default)]
    pub sn_codes: Vec<String>,
}

/// A shipped package with the weight and dimensions the warehouse declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippedPackage {
    pub package_no: String,
    pub waybill_no: Option<String>,
    pub carrier_code: Option<String>,
    #[serde(rename = "weight")]
    pub weight_kg: Option<Decimal>,
    #[serde(rename = "length")]
    pub length_cm: Option<Decimal>,
    #[serde(rename = "width")]
    pub width_cm: Option<Decimal>,
    #[serde(rename = "height")]
    pub height_cm: Option<Decimal>,
    pub items: Vec<PackageItem>,
}

/// One confirmation batch (receipt or shipment) as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    pub confirm_seq: i32,
    pub confirm_type: ConfirmType,
    pub confirm_time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_no: Option<String>,
    pub lines: Vec<ConfirmedLine>,
    #[serde(default)]
    pub packages: Vec<ShippedPackage>,
}

/// What the lines and packages of a batch are stored as (order_confirmations.lines).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchContent {
    pub lines: Vec<ConfirmedLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<ShippedPackage>,
}

/// A transport order's dispatch, as accepted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dispatch {
    pub carrier_code: Option<String>,
    pub waybill_no: Option<String>,
    pub plate_no: Option<String>,
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    pub estimated_pickup_time: Option<String>,
}

/// A carrier's tracking node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteNode {
    pub node_type: String,
    pub node_time: DateTime<Utc>,
    pub location: Option<String>,
    pub description: String,
    pub operator: Option<String>,
    pub operator_phone: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

/// A stored sign-off image (its download link is made when the push is delivered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageRef {
    pub image_id: uuid::Uuid,
    pub content_type: String,
    pub sha256: String,
}

/// A line of a stock adjustment (signed quantity).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdjustedLine {
    pub item_code: String,
    /// The warehouse system's item id, when the ERP sent one (Qimen `itemId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    pub inventory_type: String,
    pub qty: i64,
    pub batch_code: Option<String>,
    pub product_date: Option<NaiveDate>,
    pub expire_date: Option<NaiveDate>,
    pub produce_code: Option<String>,
    pub sn_code: Option<String>,
    pub remark: Option<String>,
}

/// A damage found at a vehicle inspection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Damage {
    pub part: String,
    pub description: String,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "event",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum DomainEvent {
    /// Work on an order started (picking, receiving, dispatch): `PROCESSING`.
    WorkStarted { order: OrderRef },
    /// An outbound order was created without enough stock (`BACKORDERED`).
    Backordered {
        order: OrderRef,
        shortages: Vec<Shortage>,
    },
    /// A receipt batch of an inbound order.
    InboundBatch {
        order: OrderRef,
        status: String,
        batch: Batch,
    },
    /// An inbound order finished (FINAL batch, or the plan reached).
    InboundFinished {
        order: OrderRef,
        status: String,
        lines: Vec<LineTotal>,
        batches: Vec<Batch>,
    },
    /// A shipment batch of an outbound order: what was taken, in which packages.
    OutboundBatch {
        order: OrderRef,
        status: String,
        batch: Batch,
    },
    /// An outbound order finished: what was shipped over all batches, per line and slot.
    OutboundFinished {
        order: OrderRef,
        status: String,
        lines: Vec<ConfirmedLine>,
        batches: Vec<Batch>,
    },
    /// A property transfer done: stock moved to `to_subbase_code`.
    PropertyConfirmed {
        order: OrderRef,
        to_subbase_code: Option<String>,
        lines: Vec<LineTotal>,
    },
    /// A transport order accepted (with its dispatch) or refused.
    TransportDecided {
        order: OrderRef,
        accepted: bool,
        dispatch: Dispatch,
        reason: Option<String>,
    },
    /// New tracking nodes of a waybill of an order.
    RouteNodes {
        order: OrderRef,
        waybill_no: String,
        carrier_code: String,
        nodes: Vec<RouteNode>,
    },
    /// A sign-off (`SIGNED`) or refusal (`REJECTED`) of a waybill of an order.
    SignedOff {
        order: OrderRef,
        waybill_no: String,
        sign_status: String,
        signer: Option<String>,
        sign_time: DateTime<Utc>,
        remark: Option<String>,
    },
    /// Sign-off images of a waybill of an order.
    SignImages {
        order: OrderRef,
        waybill_no: String,
        images: Vec<ImageRef>,
    },
    /// The warehouse decided a pending cancel.
    CancelDecided {
        order: OrderRef,
        approved: bool,
        reason: Option<String>,
        time: DateTime<Utc>,
    },
    /// A stock adjustment by the warehouse.
    StockAdjusted {
        inventory_code: String,
        subbase_code: String,
        adjust_order_code: String,
        adjust_type: String,
        adjust_time: DateTime<Utc>,
        lines: Vec<AdjustedLine>,
    },
    /// The warehouse decided an adjustment an ERP requested (Qimen inventory.synchronize).
    AdjustmentRequestDecided {
        request: super::adjustment::AdjustmentRequest,
        approved: bool,
        reason: Option<String>,
        time: DateTime<Utc>,
    },
    /// A push written before events were typed (the §6 type and payload as they were):
    /// migrations wrap pending ones so an upgrade loses none.
    Legacy {
        event_type: String,
        payload: serde_json::Value,
    },
    /// A waybill (transport order) changed: its status, its trip, an exception report. For
    /// identities that receive by subscription.
    WaybillChanged {
        waybill: Box<WaybillRef>,
        change: WaybillChange,
        time: DateTime<Utc>,
        /// Signed: who signed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signer: Option<String>,
        /// Sign-off images and receipt photos known when it happened (links are made when the
        /// message is delivered).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        images: Vec<ImageRef>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exception: Option<ExceptionReport>,
    },
    /// Waybills printed (运单打印), or their labels (标签打印).
    WaybillsPrinted {
        transport_nos: Vec<String>,
        labels: bool,
        time: DateTime<Utc>,
    },
    /// A trip assigned, updated or deleted, with the waybills it carries (or carried).
    TripChanged {
        trip: TripRef,
        change: TripChange,
        waybills: Vec<WaybillRef>,
        time: DateTime<Utc>,
    },
    /// An acceptance slip's goods moved on (货物追踪): a segment accepted, loaded, signed…
    SlipTracked {
        slip: SlipRef,
        content: String,
        /// The segment's transport number.
        transfer_no: Option<String>,
        time: DateTime<Utc>,
    },
    /// An acceptance slip's segment was signed; `finished` when it was the last.
    SlipSigned {
        slip: SlipRef,
        finished: bool,
        arrived_time: DateTime<Utc>,
        last_sign_time: Option<DateTime<Utc>>,
        time: DateTime<Utc>,
    },
    /// A tracker bound to slips reported its position.
    SlipGps {
        slip_numbers: Vec<String>,
        point: GpsPoint,
        time: DateTime<Utc>,
    },
    /// A vehicle inspected in a customer's yard.
    VehicleInspected {
        vin: String,
        order_code: Option<String>,
        inspection_time: DateTime<Utc>,
        result: String,
        damages: Vec<Damage>,
        images: Vec<String>,
    },
}

impl DomainEvent {
    /// The event's name, as the outbox lists it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::WorkStarted { .. } => "workStarted",
            Self::Backordered { .. } => "backordered",
            Self::InboundBatch { .. } => "inboundBatch",
            Self::InboundFinished { .. } => "inboundFinished",
            Self::OutboundBatch { .. } => "outboundBatch",
            Self::OutboundFinished { .. } => "outboundFinished",
            Self::PropertyConfirmed { .. } => "propertyConfirmed",
            Self::TransportDecided { .. } => "transportDecided",
            Self::RouteNodes { .. } => "routeNodes",
            Self::SignedOff { .. } => "signedOff",
            Self::SignImages { .. } => "signImages",
            Self::CancelDecided { .. } => "cancelDecided",
            Self::StockAdjusted { .. } => "stockAdjusted",
            Self::AdjustmentRequestDecided { .. } => "adjustmentRequestDecided",
            Self::VehicleInspected { .. } => "vehicleInspected",
            Self::WaybillChanged { .. } => "waybillChanged",
            Self::WaybillsPrinted { .. } => "waybillsPrinted",
            Self::TripChanged { .. } => "tripChanged",
            Self::SlipTracked { .. } => "slipTracked",
            Self::SlipSigned { .. } => "slipSigned",
            Self::SlipGps { .. } => "slipGps",
            Self::Legacy { .. } => "legacy",
        }
    }

    /// The order the event is about, if any.
    pub fn order(&self) -> Option<&OrderRef> {
        match self {
            Self::WorkStarted { order }
            | Self::Backordered { order, .. }
            | Self::InboundBatch { order, .. }
            | Self::InboundFinished { order, .. }
            | Self::OutboundBatch { order, .. }
            | Self::OutboundFinished { order, .. }
            | Self::PropertyConfirmed { order, .. }
            | Self::TransportDecided { order, .. }
            | Self::RouteNodes { order, .. }
            | Self::SignedOff { order, .. }
            | Self::SignImages { order, .. }
            | Self::CancelDecided { order, .. } => Some(order),
            Self::StockAdjusted { .. }
            | Self::AdjustmentRequestDecided { .. }
            | Self::VehicleInspected { .. }
            | Self::WaybillChanged { .. }
            | Self::WaybillsPrinted { .. }
            | Self::TripChanged { .. }
            | Self::SlipTracked { .. }
            | Self::SlipSigned { .. }
            | Self::SlipGps { .. }
            | Self::Legacy { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_through_their_stored_form() {
        let e = DomainEvent::InboundBatch {
            order: OrderRef {
                order_code: "IN-1".into(),
                hx_order_no: "HXI1".into(),
                kind: OrderKind::In,
                order_type: "CGRK".into(),
                inventory_code: Some("WH01".into()),
                subbase_code: Some("OW01".into()),
            },
            status: "PARTIALLY_RECEIVED".into(),
            batch: Batch {
                confirm_seq: 1,
                confirm_type: ConfirmType::Partial,
                confirm_time: Utc::now(),
                batch_no: None,
                lines: vec![],
                packages: vec![],
            },
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["event"], "inboundBatch");
        assert_eq!(v["batch"]["confirmType"], "PARTIAL");
        assert_eq!(serde_json::from_value::<DomainEvent>(v).unwrap(), e);
        assert_eq!(e.name(), "inboundBatch");
    }
}
