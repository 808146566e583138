//! The seed's numbers for states and subscriptions, against the core's statuses and changes
//! (docs/tms.md has the table).

use crate::domain::order::OrderStatus;
use crate::domain::waybill::{TripChange, WaybillChange};

/// `state` (0 已撤销, 1000 待处理, 2000 已发布) and `waybillState` (1 已下单, 2 已接单,
/// 3 已装货, 4 已签收; only with 2000) of a transport order. 待处理 is an order dispatch
/// refused (REJECTED): the shipper has to act on it.
pub fn of_status(status: &str, pre_cancel: Option<&str>) -> (i32, Option<i32>) {
    match OrderStatus::parse(status) {
        Some(OrderStatus::Cancelled) => (0, None),
        Some(OrderStatus::Rejected) => (1000, None),
        Some(OrderStatus::CancelPending) => match pre_cancel {
            Some(p) if p != status => of_status(p, None),
            _ => (2000, Some(1)),
        },
        Some(OrderStatus::Confirmed) => (2000, Some(2)),
        Some(OrderStatus::InTransit) => (2000, Some(3)),
        Some(OrderStatus::Signed | OrderStatus::Closed) => (2000, Some(4)),
        _ => (2000, Some(1)),
    }
}

/// The core statuses a `query_orders` state stands for.
pub fn statuses_of_state(state: i64) -> Option<&'static [&'static str]> {
    Some(match state {
        0 => &["CANCELLED"],
        1 => &["CREATED", "PROCESSING", "CANCEL_PENDING"],
        2 => &["CONFIRMED"],
        3 => &["IN_TRANSIT"],
        4 => &["SIGNED", "CLOSED"],
        1000 => &["REJECTED"],
        _ => return None,
    })
}

/// Order subscription states.
pub const ORDER_STATES: [(i64, WaybillChange); 9] = [
    (0, WaybillChange::Cancelled),
    (1, WaybillChange::Created),
    (2, WaybillChange::Accepted),
    (3, WaybillChange::Loaded),
    (4, WaybillChange::Signed),
    (210, WaybillChange::Reassigned),
    (8000, WaybillChange::Printed),
    (8001, WaybillChange::LabelPrinted),
    (8002, WaybillChange::Exception),
];

/// Trip subscription states.
pub const PACK_STATES: [(i64, TripChange); 3] = [
    (19000, TripChange::Deleted),
    (40000, TripChange::Assigned),
    (40001, TripChange::Updated),
];

/// Acceptance slip subscription states: 货物追踪, 受理单签收, 小黑卡轨迹.
pub const SLIP_STATES: [(i64, &str); 3] = [(600, "TRACK"), (601, "SIGNED"), (602, "GPS")];

pub fn order_state_of(change: WaybillChange) -> i64 {
    ORDER_STATES
        .iter()
        .find(|(_, c)| *c == change)
        .map(|(n, _)| *n)
        .unwrap_or_default()
}

pub fn pack_state_of(change: TripChange) -> i64 {
    PACK_STATES
        .iter()
        .find(|(_, c)| *c == change)
        .map(|(n, _)| *n)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_state_and_query_states_cover_them() {
        assert_eq!(of_status("CREATED", None), (2000, Some(1)));
        assert_eq!(of_status("CONFIRMED", None), (2000, Some(2)));
        assert_eq!(of_status("IN_TRANSIT", None), (2000, Some(3)));
        assert_eq!(of_status("SIGNED", None), (2000, Some(4)));
        assert_eq!(of_status("CANCELLED", None), (0, None));
        assert_eq!(of_status("REJECTED", None), (1000, None));
        assert_eq!(
            of_status("CANCEL_PENDING", Some("PROCESSING")),
            (2000, Some(1))
        );
        for s in [
            "CREATED",
            "PROCESSING",
            "CANCEL_PENDING",
            "CONFIRMED",
            "IN_TRANSIT",
            "SIGNED",
            "CANCELLED",
            "REJECTED",
        ] {
            let (state, wb) = of_status(s, None);
            let q = wb
                .map(i64::from)
                .filter(|_| state == 2000)
                .unwrap_or(state as i64);
            assert!(statuses_of_state(q).unwrap().contains(&s), "{s}");
        }
        assert_eq!(statuses_of_state(5), None);
        assert_eq!(order_state_of(WaybillChange::Reassigned), 210);
        assert_eq!(pack_state_of(TripChange::Deleted), 19000);
    }
}
