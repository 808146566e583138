//! Transport orders as waybills on trips: what changes a subscriber can ask to hear about,
//! the snapshot those messages carry, and the waybill cancellation rule of seed 003.

use super::order::{Address, Cargo, DeliveryType, OrderStatus, TransportOrder};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A change of a waybill that a subscriber can ask for (3TMS order subscription states
/// 0, 1, 2, 3, 4, 210, 8000, 8001, 8002 map onto these in the TMS dialect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WaybillChange {
    Cancelled,
    Created,
    Accepted,
    Loaded,
    Signed,
    Reassigned,
    Printed,
    LabelPrinted,
    Exception,
}

impl WaybillChange {
    pub const ALL: [WaybillChange; 9] = [
        Self::Cancelled,
        Self::Created,
        Self::Accepted,
        Self::Loaded,
        Self::Signed,
        Self::Reassigned,
        Self::Printed,
        Self::LabelPrinted,
        Self::Exception,
    ];

    /// As stored in a subscription's `changes`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cancelled => "CANCELLED",
            Self::Created => "CREATED",
            Self::Accepted => "ACCEPTED",
            Self::Loaded => "LOADED",
            Self::Signed => "SIGNED",
            Self::Reassigned => "REASSIGNED",
            Self::Printed => "PRINTED",
            Self::LabelPrinted => "LABEL_PRINTED",
            Self::Exception => "EXCEPTION",
        }
    }

    /// The change a transport order's move to `status` is, if a subscriber can hear of it.
    pub fn of_status(status: OrderStatus) -> Option<Self> {
        match status {
            OrderStatus::Created => Some(Self::Created),
            OrderStatus::Confirmed => Some(Self::Accepted),
            OrderStatus::InTransit => Some(Self::Loaded),
            OrderStatus::Signed => Some(Self::Signed),
            OrderStatus::Cancelled => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// A change of a trip (3TMS pack subscription states 19000, 40000, 40001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TripChange {
    Deleted,
    Assigned,
    Updated,
}

impl TripChange {
    pub const ALL: [TripChange; 3] = [Self::Deleted, Self::Assigned, Self::Updated];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deleted => "DELETED",
            Self::Assigned => "ASSIGNED",
            Self::Updated => "UPDATED",
        }
    }
}

/// A trip as a message names it: its number, driver, vehicle and fleet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TripRef {
    pub pack_number: String,
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    pub plate_no: Option<String>,
    pub fleet: Option<String>,
    pub remark: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A waybill as a message names it, taken when the change happened.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaybillRef {
    pub hx_order_no: String,
    pub transport_no: String,
    /// The shipper's `orderNumber` (the order code).
    pub order_code: String,
    pub customer_order_no: Option<String>,
    pub delivery_type: Option<super::order::DeliveryType>,
    pub status: String,
    pub trip: Option<TripRef>,
}

/// An exception report about a waybill (装货异常, 在途异常, 签收异常).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExceptionReport {
    pub stage: String,
    pub profile: String,
    pub info: String,
    /// 1 人工创建, 2 司机上报, 3 系统自动.
    pub source: i16,
    pub image_urls: Vec<String>,
    pub address: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

/// Seed 003: "只有状态为:待处理,已下单,已接单的运单可以撤销". 待处理 is a refused order
/// (REJECTED), 已下单 CREATED, 已接单 CONFIRMED; once loaded it is too late.
pub fn waybill_cancellable(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Created | OrderStatus::Confirmed | OrderStatus::Rejected
    )
}

/// A change of a person's details: given parts replace, absent ones stay.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressPatch {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub address: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

impl AddressPatch {
    pub fn apply(&self, a: &mut Address) {
        let set = |to: &mut String, v: &Option<String>| {
            if let Some(v) = v {
                *to = v.clone();
            }
        };
        set(&mut a.name, &self.name);
        set(&mut a.phone, &self.phone);
        set(&mut a.province_name, &self.province);
        set(&mut a.city_name, &self.city);
        set(&mut a.address, &self.address);
        if self.district.is_some() {
            a.area_name = self.district.clone();
        }
        if self.lng.is_some() {
            a.lng = self.lng;
        }
        if self.lat.is_some() {
            a.lat = self.lat;
        }
    }
}

/// A waybill change (3TMS `ModifyOrderEntity`): absent or null leaves a field as it is; a
/// given list (consignees, goods) replaces the old one, an empty list clears it; custom notes
/// change one by one. An empty text clears an optional text field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaybillPatch {
    pub expected_arrive_time: Option<String>,
    pub customer_order_no: Option<String>,
    pub pickup_time: Option<String>,
    pub delivery_type: Option<DeliveryType>,
    pub start_place: Option<String>,
    pub end_place: Option<String>,
    pub remark: Option<String>,
    pub organization_path: Option<String>,
    pub receipt_count: Option<i32>,
    pub consigner: Option<AddressPatch>,
    pub consignees: Option<Vec<Address>>,
    pub custom_notes: BTreeMap<String, String>,
    pub cargo: Option<Vec<Cargo>>,
}

fn text(to: &mut Option<String>, v: &Option<String>) {
    if let Some(v) = v {
        *to = (!v.is_empty()).then(|| v.clone());
    }
}

impl WaybillPatch {
    pub fn apply(&self, o: &mut TransportOrder) {
        text(&mut o.expected_arrive_time, &self.expected_arrive_time);
        text(&mut o.customer_order_no, &self.customer_order_no);
        if let Some(t) = &self.pickup_time {
            o.pickup_time = Some(t.clone());
        }
        if self.delivery_type.is_some() {
            o.delivery_type = self.delivery_type;
        }
        text(&mut o.start_place, &self.start_place);
        text(&mut o.end_place, &self.end_place);
        text(&mut o.remark, &self.remark);
        text(&mut o.organization_path, &self.organization_path);
        if self.receipt_count.is_some() {
            o.receipt_count = self.receipt_count;
        }
        if let Some(p) = &self.consigner {
            let mut a = o.consigner.clone().unwrap_or_default();
            p.apply(&mut a);
            o.consigner = Some(a);
        }
        if let Some(list) = &self.consignees {
            let mut it = list.iter().cloned();
            o.consignee = it.next();
            o.more_consignees = it.collect();
        }
        for (k, v) in &self.custom_notes {
            if v.is_empty() {
                o.custom_notes.remove(k);
            } else {
                o.custom_notes.insert(k.clone(), v.clone());
            }
        }
        if let Some(c) = &self.cargo {
            o.cargo = c.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_changes_what_it_names_and_replaces_lists() {
        let mut o = TransportOrder {
            remark: Some("old".into()),
            customer_order_no: Some("C1".into()),
            consignee: Some(Address {
                name: "A".into(),
                ..Default::default()
            }),
            more_consignees: vec![Address {
                name: "B".into(),
                ..Default::default()
            }],
            cargo: vec![Cargo {
                name: "box".into(),
                quantity: 1.into(),
                ..Default::default()
            }],
            custom_notes: [("note1".to_string(), "x".to_string())].into(),
            ..Default::default()
        };
        let untouched = o.clone();
        WaybillPatch::default().apply(&mut o);
        assert_eq!(o, untouched, "an empty patch changes nothing");
        WaybillPatch {
            remark: Some("new".into()),
            customer_order_no: Some(String::new()),
            consignees: Some(vec![]),
            custom_notes: [
                ("note1".to_string(), String::new()),
                ("note2".to_string(), "y".to_string()),
            ]
            .into(),
            consigner: Some(AddressPatch {
                phone: Some("138".into()),
                ..Default::default()
            }),
            ..Default::default()
        }
        .apply(&mut o);
        assert_eq!(o.remark.as_deref(), Some("new"));
        assert_eq!(o.customer_order_no, None, "an empty text clears");
        assert_eq!(o.consignee, None, "an empty list clears");
        assert!(o.more_consignees.is_empty());
        assert_eq!(o.cargo.len(), 1, "absent goods stay");
        assert_eq!(o.custom_notes.get("note2").map(String::as_str), Some("y"));
        assert!(!o.custom_notes.contains_key("note1"));
        assert_eq!(o.consigner.as_ref().map(|a| a.phone.as_str()), Some("138"));
    }

    #[test]
    fn only_unloaded_waybills_can_be_cancelled() {
        assert!(waybill_cancellable(OrderStatus::Created));
        assert!(waybill_cancellable(OrderStatus::Confirmed));
        assert!(waybill_cancellable(OrderStatus::Rejected));
        assert!(!waybill_cancellable(OrderStatus::InTransit));
        assert!(!waybill_cancellable(OrderStatus::Signed));
        assert!(!waybill_cancellable(OrderStatus::Cancelled));
    }

    #[test]
    fn status_changes_name_their_waybill_change() {
        assert_eq!(
            WaybillChange::of_status(OrderStatus::InTransit),
            Some(WaybillChange::Loaded)
        );
        assert_eq!(WaybillChange::of_status(OrderStatus::Processing), None);
        for c in WaybillChange::ALL {
            let v = serde_json::to_value(c).unwrap();
            assert_eq!(v, c.as_str());
        }
    }
}
