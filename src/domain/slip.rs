//! Acceptance slips (受理单): a shipper's transport request, kept as a transport order
//! template; dispatch splits it into waybill segments that inherit from it. Its state follows
//! its segments: in progress once split, done when every segment that is not cancelled is
//! signed.

use super::order::{Address, OrderStatus, TransportOrder};
use serde::{Deserialize, Serialize};

/// 0 已撤销, 1000 待处理, 2000 进行中, 3000 已完成.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SlipState {
    Cancelled,
    Pending,
    InProgress,
    Done,
}

impl SlipState {
    pub const ALL: [SlipState; 4] = [Self::Cancelled, Self::Pending, Self::InProgress, Self::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cancelled => "CANCELLED",
            Self::Pending => "PENDING",
            Self::InProgress => "IN_PROGRESS",
            Self::Done => "DONE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The seed's number.
    pub fn code(self) -> i32 {
        match self {
            Self::Cancelled => 0,
            Self::Pending => 1000,
            Self::InProgress => 2000,
            Self::Done => 3000,
        }
    }
}

/// One leg of a slip as dispatch planned it. `from`/`to` replace the slip's consigner and
/// consignee for this leg (a pickup to a station, a transfer between stations…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    pub slip_number: String,
    pub seq: i32,
    /// 0 提货, 1 中转, 2 直送, 3 外转直送, 4 外转中继, 5 提货到外转方.
    pub segment_type: i16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Address>,
}

/// The segment's waybill: the slip's content with the leg's own ends. Rebuilt whenever the
/// slip changes, so segments always inherit what the slip says now.
pub fn segment_order(slip: &TransportOrder, segment: &Segment) -> TransportOrder {
    let mut o = slip.clone();
    o.order_code = format!("{}-{}", segment.slip_number, segment.seq);
    o.customer_order_no = slip.customer_order_no.clone();
    if let Some(f) = &segment.from {
        o.consigner = Some(f.clone());
    }
    if let Some(t) = &segment.to {
        o.consignee = Some(t.clone());
        o.more_consignees.clear();
    }
    o.segment = Some(segment.clone());
    o
}

/// The slip's state given its segments' statuses (`None`: unchanged, no segments yet).
pub fn state_of(segments: &[OrderStatus]) -> Option<SlipState> {
    if segments.is_empty() {
        return None;
    }
    let live: Vec<&OrderStatus> = segments
        .iter()
        .filter(|s| **s != OrderStatus::Cancelled)
        .collect();
    if !live.is_empty() && live.iter().all(|s| **s == OrderStatus::Signed) {
        Some(SlipState::Done)
    } else {
        Some(SlipState::InProgress)
    }
}

/// A slip as a message names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlipRef {
    pub number: String,
    pub original_order_no: Option<String>,
    pub state: i32,
}

/// A tracker's position report (小黑卡轨迹点), as the seed's 602 message carries it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GpsPoint {
    pub device: String,
    pub gps_time: i64,
    pub lat: f64,
    pub lng: f64,
    pub direction: Option<f64>,
    pub speed: Option<f64>,
    pub humidity: Option<f64>,
    pub temperature: Option<f64>,
    pub locate_type: Option<i32>,
    pub location: Option<String>,
    pub power_rate: Option<f64>,
    pub charger_state: Option<i32>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub road_name: Option<String>,
    pub run_status: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus as S;

    #[test]
    fn a_slip_is_done_when_every_live_segment_is_signed() {
        assert_eq!(state_of(&[]), None);
        assert_eq!(
            state_of(&[S::Signed, S::InTransit]),
            Some(SlipState::InProgress)
        );
        assert_eq!(state_of(&[S::Signed, S::Signed]), Some(SlipState::Done));
        assert_eq!(state_of(&[S::Signed, S::Cancelled]), Some(SlipState::Done));
        assert_eq!(state_of(&[S::Cancelled]), Some(SlipState::InProgress));
    }

    #[test]
    fn segments_inherit_from_the_slip_with_their_own_ends() {
        let slip = TransportOrder {
            order_code: "S1".into(),
            remark: Some("r".into()),
            consignee: Some(Address {
                name: "end".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let seg = Segment {
            slip_number: "S1".into(),
            seq: 2,
            segment_type: 1,
            from: Some(Address {
                name: "station".into(),
                ..Default::default()
            }),
            to: None,
        };
        let o = segment_order(&slip, &seg);
        assert_eq!(o.order_code, "S1-2");
        assert_eq!(o.remark.as_deref(), Some("r"));
        assert_eq!(o.consigner.unwrap().name, "station");
        assert_eq!(o.consignee.unwrap().name, "end");
        assert_eq!(o.segment.unwrap().seq, 2);
        for s in SlipState::ALL {
            assert_eq!(SlipState::parse(s.as_str()), Some(s));
        }
    }
}
