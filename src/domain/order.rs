//! Orders: kinds, Appendix 2 order types, statuses and the cancellation rule.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt;

/// The four kinds of customer order.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum OrderKind {
    /// 入库单
    #[default]
    In,
    /// 出库单
    Out,
    /// 物权单 (ownership transfer between owners, no physical move)
    Property,
    /// 运输单
    Transport,
}

impl OrderKind {
    pub const ALL: [OrderKind; 4] = [Self::In, Self::Out, Self::Property, Self::Transport];

    /// The name used in `orderKind` and stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::In => "IN",
            Self::Out => "OUT",
            Self::Property => "PROPERTY",
            Self::Transport => "TRANSPORT",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Appendix 2: the order types of this kind.
    pub fn order_types(self) -> &'static [&'static str] {
        match self {
            Self::In => &["CGRK", "DBRK", "THRK", "SCRK", "B2BRK", "QTRK"],
            Self::Out => &["JYCK", "B2BCK", "DBCK", "CGTH", "PTCK", "QTCK"],
            Self::Property => &["WQZY"],
            Self::Transport => &["ZCYS", "LDYS", "KDYS", "SPCYS"],
        }
    }

    /// The letter in `hxOrderNo` (HX + letter + yyMMdd + sequence).
    pub fn letter(self) -> &'static str {
        match self {
            Self::In => "I",
            Self::Out => "O",
            Self::Property => "P",
            Self::Transport => "T",
        }
    }

    /// Whether creating such an order reserves stock.
    pub fn reserves_stock(self) -> bool {
        matches!(self, Self::Out | Self::Property)
    }
}

/// Checks `orderType` against Appendix 2 for the endpoint's kind.
pub fn check_order_type(kind: OrderKind) -> impl Fn(String) -> Result<String, String> {
    move |t| {
        if kind.order_types().contains(&t.as_str()) {
            Ok(t)
        } else {
            let other = OrderKind::ALL
                .into_iter()
                .find(|k| k.order_types().contains(&t.as_str()));
            Err(match other {
                Some(o) => format!(
                    "{t} is a {} order type; this endpoint takes {}",
                    o.as_str(),
                    kind.order_types().join(", ")
                ),
                None => format!(
                    "must be one of {} (got {t:?})",
                    kind.order_types().join(", ")
                ),
            })
        }
    }
}

/// Order statuses of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Created,
    Backordered,
    Processing,
    CancelPending,
    PartiallyReceived,
    Received,
    PartiallyShipped,
    Shipped,
    Signed,
    Confirmed,
    Rejected,
    InTransit,
    Closed,
    Cancelled,
}

impl OrderStatus {
    const ALL: [OrderStatus; 14] = [
        Self::Created,
        Self::Backordered,
        Self::Processing,
        Self::CancelPending,
        Self::PartiallyReceived,
        Self::Received,
        Self::PartiallyShipped,
        Self::Shipped,
        Self::Signed,
        Self::Confirmed,
        Self::Rejected,
        Self::InTransit,
        Self::Closed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "CREATED",
            Self::Backordered => "BACKORDERED",
            Self::Processing => "PROCESSING",
            Self::CancelPending => "CANCEL_PENDING",
            Self::PartiallyReceived => "PARTIALLY_RECEIVED",
            Self::Received => "RECEIVED",
            Self::PartiallyShipped => "PARTIALLY_SHIPPED",
            Self::Shipped => "SHIPPED",
            Self::Signed => "SIGNED",
            Self::Confirmed => "CONFIRMED",
            Self::Rejected => "REJECTED",
            Self::InTransit => "IN_TRANSIT",
            Self::Closed => "CLOSED",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether the order is still open: not finished, not cancelled.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Self::Received
                | Self::Shipped
                | Self::Signed
                | Self::Rejected
                | Self::Closed
                | Self::Cancelled
        )
    }
}

/// The statuses in which an order's work is done; the first time an order enters one is its
/// completion time (the OMS transfer query filters on it).
pub const COMPLETED_STATUSES: [&str; 3] = ["RECEIVED", "SHIPPED", "SIGNED"];

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a cancel request does to an order in a given status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelDecision {
    /// Nothing physical happened: cancel now and release reservations.
    CancelNow,
    /// Work has started: the warehouse (or dispatch) decides; status `CANCEL_PENDING`.
    Pending,
    /// Already waiting for that decision: answer `PENDING` again.
    AlreadyPending,
    /// Already cancelled: answer `CANCELLED` again (idempotent).
    AlreadyCancelled,
    /// Too late: goods moved or the order is finished.
    TooLate,
}

pub fn cancel_decision(_kind: OrderKind, status: OrderStatus) -> CancelDecision {
    use OrderStatus::*;
    match status {
        Created | Backordered => CancelDecision::CancelNow,
        Processing => CancelDecision::Pending,
        // §5.2: "refused with 3003 when the order is already received/shipped/confirmed".
        CancelPending => CancelDecision::AlreadyPending,
        Cancelled => CancelDecision::AlreadyCancelled,
        _ => CancelDecision::TooLate,
    }
}

/// 正品 / 残次.
pub const INVENTORY_TYPES: &[&str] = &["ZP", "CC"];

/// One validated line of a warehouse order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    pub line_no: String,
    pub item_code: String,
    pub plan_qty: i64,
    pub inventory_type: String,
    pub batch_code: Option<String>,
    pub product_date: Option<NaiveDate>,
    pub expire_date: Option<NaiveDate>,
    pub produce_code: Option<String>,
    pub price: Option<Decimal>,
    pub remark: Option<String>,
}

/// A postal address with its contact: receivers, consigners, consignees.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub name: String,
    pub phone: String,
    pub country_name: Option<String>,
    pub province_name: String,
    pub city_name: String,
    pub area_name: Option<String>,
    pub street_name: Option<String>,
    pub address: String,
    pub post_code: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

/// A validated inbound, outbound or property order: everything about it, whichever dialect
/// it came through. Its canonical JSON is what "the same order" is judged on (§3), and what
/// is stored as the order's content.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WarehouseOrder {
    pub kind: OrderKind,
    pub order_code: String,
    pub order_type: String,
    pub inventory_code: String,
    pub subbase_code: String,
    /// Property orders: the receiving owner.
    pub to_subbase_code: Option<String>,
    /// Outbound orders: a synced consignee, when given instead of a receiver.
    pub consignee_code: Option<String>,
    /// Outbound orders: where the goods go.
    pub receiver: Option<Address>,
    pub allow_backorder: bool,
    /// Inbound: when the goods should arrive; outbound: when they should leave; property:
    /// when the transfer takes effect (`yyyy-MM-dd HH:mm:ss`).
    pub expected_arrive_time: Option<String>,
    pub expected_ship_time: Option<String>,
    pub transfer_time: Option<String>,
    pub supplier_code: Option<String>,
    pub supplier_name: Option<String>,
    /// The order this one comes from (purchase order, original order of a return…).
    pub source_order_code: Option<String>,
    pub logistics_company: Option<String>,
    pub waybill_no: Option<String>,
    pub carrier_code: Option<String>,
    pub shop_name: Option<String>,
    pub source_platform: Option<String>,
    pub buyer_message: Option<String>,
    pub seller_message: Option<String>,
    pub cod_amount: Option<Decimal>,
    pub remark: Option<String>,
    pub extend_props: std::collections::BTreeMap<String, String>,
    pub lines: Vec<OrderLine>,
    /// A direct transfer-in (OMS `warehouse.add`): where it comes from and how the source
    /// system named it. Absent for other orders (and then not part of their content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<TransferSource>,
}

/// What the system that sent a transfer-in said about it, kept with the order and shown in
/// every dialect's queries.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferSource {
    /// The transfer's title (入库单名称).
    pub name: String,
    /// The warehouse the goods come from (来源地仓库名称), outside this 3PL.
    pub source_warehouse_name: String,
    /// The source system's transfer type (`DC` 转仓入库).
    pub transfer_type: String,
    pub delivery_cost: Option<Decimal>,
    pub operator: Option<String>,
    /// Each line's product as the source system named it: a barcode or an item code.
    pub lines: Vec<TransferLine>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferLine {
    pub line_no: String,
    /// The code the line was sent with (`bn`).
    pub product_code: String,
    pub name: Option<String>,
}

/// Base data an order (or adjustment) refers to that the tenant never synced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MissingRefs {
    /// Warehouse/owner pairs, as `WH/OWNER`.
    pub inventory_orgs: Vec<String>,
    pub products: Vec<String>,
    pub consignees: Vec<String>,
}

impl MissingRefs {
    pub fn is_empty(&self) -> bool {
        self.inventory_orgs.is_empty() && self.products.is_empty() && self.consignees.is_empty()
    }
}

/// A vehicle named on a finished-vehicle transport order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vehicle {
    pub vin: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub color: Option<String>,
}

/// Goods on a transport order.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cargo {
    pub name: String,
    /// Pieces; 3TMS types it as a double (`1.5` is taken). Written as a JSON integer when whole,
    /// as before, so the fingerprints of existing orders do not change.
    #[serde(with = "quantity_json")]
    pub quantity: Decimal,
    /// kg
    pub weight: Option<Decimal>,
    /// cm³
    pub volume: Option<Decimal>,
    /// yuan
    pub value: Option<Decimal>,
    pub remark: Option<String>,
    /// Custom notes `note1`…`note6` of the goods (3TMS), only those given.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notes: BTreeMap<String, String>,
    /// The shipper's number for these goods (3TMS `cargoNumber`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cargo_no: Option<String>,
}

impl Cargo {
    /// A change of goods: a non-empty name and every given number or text replace.
    pub fn merge(&mut self, new: &Cargo) {
        if !new.name.is_empty() {
            self.name = new.name.clone();
        }
        if new.quantity > Decimal::ZERO {
            self.quantity = new.quantity;
        }
        for (to, v) in [
            (&mut self.weight, new.weight),
            (&mut self.volume, new.volume),
            (&mut self.value, new.value),
        ] {
            if v.is_some() {
                *to = v;
            }
        }
        if new.remark.is_some() {
            self.remark = new.remark.clone();
        }
    }
}

/// A validated transport order: everything about it, whichever dialect it came through.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportOrder {
    pub order_code: String,
    pub order_type: String,
    pub related_order_code: Option<String>,
    pub consigner: Option<Address>,
    pub consignee: Option<Address>,
    pub pickup_time: Option<String>,
    pub expected_arrive_time: Option<String>,
    pub vehicle_type: Option<String>,
    pub cargo: Vec<Cargo>,
    pub vehicles: Vec<Vehicle>,
    pub need_receipt: Option<bool>,
    pub payment_collect: Option<Decimal>,
    pub remark: Option<String>,
    pub extend_props: BTreeMap<String, String>,
    // What a 3TMS waybill (seed 003) adds. Absent fields are not serialised, so orders made
    // before they existed keep their content fingerprint.
    /// Consignees after the first (a 3TMS waybill has a list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_consignees: Vec<Address>,
    /// The shipper's own order number (客户单号).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_order_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_type: Option<DeliveryType>,
    /// 起始地 and 目的地 as the shipper names them (a city, a site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_place: Option<String>,
    /// 上游运费: what the shipper pays for the transport.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipper_freight: Option<Freight>,
    /// 司机运费: what the driver is paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_freight: Option<Freight>,
    /// 代收运费: freight collected from the consignee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freight_collect: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_count: Option<i32>,
    /// Custom notes `note1`…`note12`, only those given.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_notes: BTreeMap<String, String>,
    /// The shipper's organisation node the order belongs to (`0-11`), from its tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_path: Option<String>,
    /// 集货位: where the goods are gathered for loading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wms_location: Option<String>,
    /// A segment of an acceptance slip: which slip, which leg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<super::slip::Segment>,
}

/// 提送类型: the consignee fetches the goods, or they are delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryType {
    SelfPickup,
    Delivery,
}

/// An amount and how it is paid (现付, 到付, 回付, 周结, 月结, 货款扣, 季度结, 在线支付, 到付月结:
/// 3TMS pay types 1–9).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Freight {
    pub amount: Option<Decimal>,
    pub pay_type: Option<i16>,
}

/// A VIN: 17 characters of digits and capital letters other than I, O and Q (ISO 3779).
pub fn vin(s: String) -> Result<String, String> {
    if s.len() != 17
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        return Err("must be 17 digits or capital letters".into());
    }
    if s.bytes().any(|b| matches!(b, b'I' | b'O' | b'Q')) {
        return Err("must not contain I, O or Q".into());
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_types_belong_to_their_kind() {
        assert!(check_order_type(OrderKind::In)("CGRK".into()).is_ok());
        let e = check_order_type(OrderKind::In)("JYCK".into()).unwrap_err();
        assert!(e.contains("OUT order type"), "{e}");
        assert!(check_order_type(OrderKind::Out)("XXXX".into()).is_err());
        assert!(check_order_type(OrderKind::Transport)("SPCYS".into()).is_ok());
    }

    #[test]
    fn cancellation_depends_on_status_and_kind() {
        use CancelDecision::*;
        use OrderStatus as S;
        let k = OrderKind::Out;
        assert_eq!(cancel_decision(k, S::Created), CancelNow);
        assert_eq!(cancel_decision(k, S::Backordered), CancelNow);
        assert_eq!(cancel_decision(k, S::Processing), Pending);
        assert_eq!(cancel_decision(k, S::CancelPending), AlreadyPending);
        assert_eq!(cancel_decision(k, S::Cancelled), AlreadyCancelled);
        assert_eq!(cancel_decision(k, S::PartiallyShipped), TooLate);
        assert_eq!(cancel_decision(k, S::Shipped), TooLate);
        assert_eq!(cancel_decision(OrderKind::Property, S::Confirmed), TooLate);
        assert_eq!(cancel_decision(OrderKind::Transport, S::Confirmed), TooLate);
        assert_eq!(
            cancel_decision(OrderKind::Transport, S::Processing),
            Pending
        );
        assert_eq!(cancel_decision(OrderKind::Transport, S::InTransit), TooLate);
    }

    #[test]
    fn statuses_round_trip() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        assert!(OrderStatus::Processing.is_open());
        assert!(!OrderStatus::Cancelled.is_open());
    }

    #[test]
    fn vins_follow_iso_3779() {
        assert!(vin("LSVAU2180N2183294".into()).is_ok());
        assert!(vin("LSVAU2180N218329".into()).is_err());
        assert!(vin("LSVAU2180N218329O".into()).is_err());
        assert!(vin("lsvau2180n2183294".into()).is_err());
    }
}

/// The "same content" test of §3: SHA-256 of the canonical JSON (object keys sorted at every
/// level, no insignificant white space) of the order as the model holds it, so the same
/// order serialised differently, or sent through another dialect, counts as the same.
pub fn content_fingerprint(request: &serde_json::Value) -> String {
    fingerprint_of_text(&value_canonical_text(request))
}

/// SHA-256 (hex) of a canonical text: `domain::canonical::to_vec` of a typed order (#21: no
/// `Value` tree), or [`value_canonical_text`] of a tree; the two texts are the same.
pub fn fingerprint_of_text(canonical: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(canonical))
}

/// The canonical text of a `Value`: object keys sorted at every level (whatever order the map
/// keeps: a dependency may turn on serde_json's `preserve_order`), no white space.
pub fn value_canonical_text(v: &serde_json::Value) -> Vec<u8> {
    fn write(v: &serde_json::Value, out: &mut Vec<u8>) {
        match v {
            serde_json::Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push(b'{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    // Writing into a Vec cannot fail.
                    let _ = serde_json::to_writer(&mut *out, k);
                    out.push(b':');
                    write(&m[k], out);
                }
                out.push(b'}');
            }
            serde_json::Value::Array(a) => {
                out.push(b'[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write(x, out);
                }
                out.push(b']');
            }
            other => {
                let _ = serde_json::to_writer(&mut *out, other);
            }
        }
    }
    let mut out = Vec::with_capacity(256);
    write(v, &mut out);
    out
}

#[cfg(test)]
mod fingerprint_tests {
    use super::content_fingerprint;
    use serde_json::json;

    /// The fingerprints of orders stored before stay valid: the canonical text is unchanged
    /// (this value is SHA-256 of `{"a":1,"b":{"x":[1,2.5,null,true],"y":"z\"\n中"},"é":"x\u0001"}`).
    #[test]
    fn the_canonical_text_is_what_it_always_was() {
        let v = json!({"b": {"y": "z\"\n中", "x": [1, 2.5, null, true]}, "a": 1, "é": "x\u{1}"});
        assert_eq!(
            content_fingerprint(&v),
            "f80fb5ed50c69a2da18be4876d247f62e7b213fb9e4c4790133caead7fe42a35"
        );
    }

    #[test]
    fn key_order_and_spacing_do_not_change_the_content() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{"a":1,"b":{"x":[1,2],"y":"z"}}"#).unwrap();
        let b: serde_json::Value =
            serde_json::from_str("{ \"b\" : {\"y\":\"z\", \"x\":[1, 2]}, \"a\": 1 }").unwrap();
        assert_eq!(content_fingerprint(&a), content_fingerprint(&b));
        assert_ne!(
            content_fingerprint(&a),
            content_fingerprint(&json!({"a": 2}))
        );
        assert_ne!(
            content_fingerprint(&json!({"x": [1, 2]})),
            content_fingerprint(&json!({"x": [2, 1]}))
        );
    }
}

/// A goods quantity in JSON: an integer when whole (the form orders were stored and
/// fingerprinted in), else an exact decimal string; read from either, or from a float.
mod quantity_json {
    use rust_decimal::prelude::ToPrimitive;
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(q: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        match (q.fract().is_zero(), q.to_i64()) {
            (true, Some(n)) => s.serialize_i64(n),
            _ => s.serialize_str(&q.normalize().to_string()),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Int(i64),
        Float(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Int(n) => Ok(Decimal::from(n)),
            Repr::Float(f) => Decimal::try_from(f).map_err(serde::de::Error::custom),
            Repr::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod quantity_tests {
    use super::Cargo;
    use rust_decimal::Decimal;

    #[test]
    fn whole_quantities_stay_json_integers_and_fractions_are_exact() {
        let whole = Cargo {
            name: "x".into(),
            quantity: Decimal::from(3),
            ..Default::default()
        };
        // The form orders were stored and fingerprinted in before quantities could be fractional.
        assert!(serde_json::to_string(&whole)
            .unwrap()
            .contains("\"quantity\":3,"));
        let half = Cargo {
            quantity: "1.5".parse().unwrap(),
            ..whole.clone()
        };
        let text = serde_json::to_string(&half).unwrap();
        assert!(text.contains("\"quantity\":\"1.5\""), "{text}");
        for json in [
            r#"{"name":"x","quantity":3}"#,
            r#"{"name":"x","quantity":3.0}"#,
            r#"{"name":"x","quantity":"3"}"#,
        ] {
            let c: Cargo = serde_json::from_str(json).unwrap();
            assert_eq!(c.quantity, Decimal::from(3), "{json}");
        }
        let back: Cargo = serde_json::from_str(&text).unwrap();
        assert_eq!(back, half);
    }
}
