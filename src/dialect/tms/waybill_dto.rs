//! The seed's `OrderEntity` and `ModifyOrderEntity`, read into the core transport order and
//! its patch. Times are epoch seconds on the wire and contract times (UTC+08:00) in the core;
//! volumes are m³ on the wire (方) and cm³ in the core; weights are kg on both.

use crate::domain::order::{Address, Cargo, DeliveryType, Freight, TransportOrder};
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use crate::domain::waybill::{AddressPatch, WaybillPatch};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Display};
use utoipa::ToSchema;

/// The order type 3TMS waybills get: 零担运输 (the seed has no types).
pub const ORDER_TYPE: &str = "LDYS";
/// 1 自提, 2 送货.
pub const DELIVERY_TYPES: [(i64, DeliveryType); 2] =
    [(1, DeliveryType::SelfPickup), (2, DeliveryType::Delivery)];
const CM3_PER_M3: i64 = 1_000_000;
/// Goods per waybill.
pub const MAX_CARGO: usize = 200;

/// A coordinate as the seed shows it: a number, or a string (`"lng": ""`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Coordinate {
    Number(f64),
    Text(String),
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct LocationDto {
    pub lng: Option<Coordinate>,
    pub lat: Option<Coordinate>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CargoDto {
    pub name: Option<String>,
    pub quantity: Option<f64>,
    pub value: Option<f64>,
    /// m³
    pub volume: Option<f64>,
    /// kg
    pub weight: Option<f64>,
    pub product_model: Option<String>,
    pub note1: Option<String>,
    pub note2: Option<String>,
    pub note3: Option<String>,
    pub note4: Option<String>,
    pub note5: Option<String>,
    pub note6: Option<String>,
}

/// `OrderEntity`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderEntity {
    /// 用于唯一性检测: the waybill's idempotency key within the shipper.
    pub order_number: Option<String>,
    pub consigner_address: Option<String>,
    pub consigner_name: Option<String>,
    pub consigner_phone: Option<String>,
    pub consigner_province: Option<String>,
    pub consigner_city: Option<String>,
    pub consigner_district: Option<String>,
    /// Epoch seconds.
    pub delivery_time: Option<i64>,
    pub delivery_type: Option<i64>,
    pub customer_order_number: Option<String>,
    pub appoint_arrive_time: Option<i64>,
    pub consignee_address: Option<String>,
    pub consignee_city: Option<String>,
    pub consignee_district: Option<String>,
    pub consignee_name: Option<String>,
    pub consignee_phone: Option<String>,
    pub consignee_province: Option<String>,
    pub driver_pay: Option<f64>,
    pub driver_pay_type: Option<i64>,
    pub start_address: Option<String>,
    pub end_address: Option<String>,
    pub freight_collect: Option<f64>,
    pub consigner_location: Option<LocationDto>,
    pub consignee_location: Option<LocationDto>,
    pub note: Option<String>,
    pub organization_path: Option<String>,
    pub payment_collect: Option<f64>,
    pub receipt_count: Option<i64>,
    pub shipper_pay: Option<f64>,
    pub shipper_pay_type: Option<i64>,
    pub wms_location: Option<String>,
    /// `note1`…`note12`.
    pub extra_fields: Option<HashMap<String, Option<String>>>,
    pub cargo_list: Option<Vec<CargoDto>>,
}

/// The seed's flat `consignee*` fields (waybills and slips alike).
pub(super) struct FlatConsignee {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub address: Option<String>,
    pub location: Option<LocationDto>,
}

/// `{path}.{field}`, or `{path}.{field}[{index}]`: a member's path, written only when an error
/// names it (a batch of valid waybills formatted some twenty per waybill up front, #21).
pub(super) struct At<'a> {
    path: &'a dyn Display,
    field: &'static str,
    index: Option<usize>,
}

impl<'a> At<'a> {
    pub fn field(path: &'a dyn Display, field: &'static str) -> Self {
        At {
            path,
            field,
            index: None,
        }
    }

    pub fn item(path: &'a dyn Display, field: &'static str, index: usize) -> Self {
        At {
            path,
            field,
            index: Some(index),
        }
    }
}

impl Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.path, self.field)?;
        match self.index {
            Some(i) => write!(f, "[{i}]"),
            None => Ok(()),
        }
    }
}

/// The consignee, all of whose fields may be left out (`None` when none is given).
pub(super) fn consignee(e: &mut FieldErrors, path: &str, c: FlatConsignee) -> Option<Address> {
    let p = |f: &'static str| LazyPath(move || format!("{path}.{f}"));
    let (lng, lat) = location(e, &At::field(&path, "consigneeLocation"), c.location);
    let a = Address {
        name: opt_text(e, p("consigneeName"), c.name).unwrap_or_default(),
        phone: e
            .optional(
                p("consigneePhone"),
                c.phone.filter(|s| !s.is_empty()),
                rules::phone,
            )
            .unwrap_or_default(),
        province_name: opt_text(e, p("consigneeProvince"), c.province).unwrap_or_default(),
        city_name: opt_text(e, p("consigneeCity"), c.city).unwrap_or_default(),
        area_name: opt_text(e, p("consigneeDistrict"), c.district),
        address: opt_text(e, p("consigneeAddress"), c.address).unwrap_or_default(),
        lng,
        lat,
        ..Default::default()
    };
    (a != Address::default()).then_some(a)
}

/// An epoch time in seconds, as a contract time.
pub fn epoch(secs: i64) -> Result<String, String> {
    if secs > 99_999_999_999 {
        return Err(format!(
            "must be seconds since 1970-01-01 (got {secs}: milliseconds?)"
        ));
    }
    if !(0..=4_102_444_800).contains(&secs) {
        return Err(format!(
            "must be a time in seconds between 1970 and 2100 (got {secs})"
        ));
    }
    chrono::DateTime::from_timestamp(secs, 0)
        .map(crate::domain::time::format)
        .ok_or_else(|| format!("is not a time (got {secs})"))
}

pub(super) fn coordinate(
    e: &mut FieldErrors,
    path: impl Into<String>,
    c: Option<Coordinate>,
    max: f64,
) -> Option<f64> {
    let x = match c? {
        Coordinate::Number(x) => x,
        Coordinate::Text(s) if s.trim().is_empty() => return None,
        Coordinate::Text(s) => match s.trim().parse::<f64>() {
            Ok(x) => x,
            Err(_) => {
                e.invalid(path, format!("{s:?} is not a number"));
                return None;
            }
        },
    };
    if !x.is_finite() || x.abs() > max {
        e.invalid(path, format!("must be between -{max} and {max}"));
        return None;
    }
    Some(x)
}

pub(super) fn location(
    e: &mut FieldErrors,
    path: &dyn Display,
    l: Option<LocationDto>,
) -> (Option<f64>, Option<f64>) {
    let l = l.unwrap_or_default();
    (
        coordinate(e, LazyPath(|| format!("{path}.lng")), l.lng, 180.0),
        coordinate(e, LazyPath(|| format!("{path}.lat")), l.lat, 90.0),
    )
}

/// Whether `k` is `{prefix}1`…`{prefix}{max}`, written plainly (no sign, no leading zero).
fn numbered_key(k: &str, prefix: &str, max: usize) -> bool {
    k.strip_prefix(prefix).is_some_and(|n| {
        !n.starts_with('0')
            && n.bytes().all(|b| b.is_ascii_digit())
            && n.parse::<usize>().is_ok_and(|n| (1..=max).contains(&n))
    })
}

/// Whether `k` is one of `note1`…`note{max}`.
pub(super) fn note_key(k: &str, max: usize) -> bool {
    numbered_key(k, "note", max)
}

/// Whether `k` is one of the freight extras `uppay1`…`uppay6`, `pay1`…`pay6` that the seed's
/// `extraFields` shows beside the notes.
pub(super) fn pay_key(k: &str) -> bool {
    numbered_key(k, "uppay", 6) || numbered_key(k, "pay", 6)
}

/// Custom notes `note1`…`note{max}` (and, in `extraFields`, the freight extras); null and
/// empty values are left out, so a client may send back the class it read, nulls included.
pub(super) fn notes(
    e: &mut FieldErrors,
    path: &dyn Display,
    given: Vec<(String, Option<String>)>,
    max: usize,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in given {
        if v.is_none() {
            continue;
        }
        if !(note_key(&k, max) || (max == 12 && pay_key(&k))) {
            e.invalid(
                format!("{path}.{k}"),
                format!("is not one of note1…note{max}"),
            );
            continue;
        }
        if let Some(v) = e.optional(LazyPath(|| format!("{path}.{k}")), v, rules::remark) {
            if !v.is_empty() {
                out.insert(k, v);
            }
        }
    }
    out
}

/// Goods: pieces (the seed's double, up to 3 decimals), weight kg, volume m³ (kept as cm³).
pub fn cargo(
    e: &mut FieldErrors,
    path: &dyn Display,
    c: CargoDto,
    name_required: bool,
) -> Option<Cargo> {
    let p = |f: &'static str| LazyPath(move || format!("{path}.{f}"));
    let name = if name_required {
        e.required(p("name"), c.name, rules::name)
    } else {
        Some(
            e.optional(p("name"), c.name, rules::opt_name)
                .unwrap_or_default(),
        )
    };
    // The seed types quantity as a double: 1.5 is taken (nothing downstream counts whole
    // pieces; stock is not kept for transport goods).
    let quantity = e.optional(p("quantity"), c.quantity, |q| {
        if !q.is_finite() || !(0.0..=1e9).contains(&q) {
            return Err(format!("must be a number of pieces ≥ 0 (got {q})"));
        }
        Decimal::try_from(q)
            .map(|d| d.round_dp(3).normalize())
            .map_err(|e| e.to_string())
    });
    let weight = e.optional(p("weight"), c.weight, rules::weight);
    let volume = e.optional(p("volume"), c.volume, |v| {
        rules::decimal(v, 6).map(|m3| (m3 * Decimal::from(CM3_PER_M3)).normalize())
    });
    let value = e.optional(p("value"), c.value, rules::money);
    let remark = e.optional(p("productModel"), c.product_model, rules::remark);
    let given = [
        ("note1", c.note1),
        ("note2", c.note2),
        ("note3", c.note3),
        ("note4", c.note4),
        ("note5", c.note5),
        ("note6", c.note6),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_some())
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let notes = notes(e, path, given, 6);
    Some(Cargo {
        name: name?,
        quantity: quantity.unwrap_or_default(),
        weight,
        volume,
        value,
        remark: remark.filter(|r| !r.is_empty()),
        notes,
        cargo_no: None,
    })
}

/// m³ for the wire from the core's cm³.
pub fn m3(cm3: Decimal) -> Decimal {
    (cm3 / Decimal::from(CM3_PER_M3)).normalize()
}

pub(super) fn pay_type(
    e: &mut FieldErrors,
    path: impl Into<String>,
    v: Option<i64>,
) -> Option<i16> {
    e.optional(path, v, rules::int_range(1, 9))
        .map(|x| x as i16)
}

pub(super) fn freight(amount: Option<Decimal>, pay_type: Option<i16>) -> Option<Freight> {
    (amount.is_some() || pay_type.is_some()).then_some(Freight { amount, pay_type })
}

pub(super) fn delivery_type(
    e: &mut FieldErrors,
    path: impl Into<String>,
    v: Option<i64>,
) -> Option<DeliveryType> {
    e.optional(path, v, |x| {
        DELIVERY_TYPES
            .iter()
            .find(|(n, _)| *n == x)
            .map(|(_, t)| *t)
            .ok_or_else(|| format!("must be 1 (自提) or 2 (送货) (got {x})"))
    })
}

pub(super) fn opt_text(
    e: &mut FieldErrors,
    path: impl Into<String>,
    v: Option<String>,
) -> Option<String> {
    e.optional(path, v, rules::opt_name)
        .filter(|s| !s.is_empty())
}

pub(super) fn organization_path(
    e: &mut FieldErrors,
    path: impl Into<String>,
    v: Option<String>,
) -> Option<String> {
    e.optional(path, v, |s| {
        let ok = s.is_empty()
            || (s
                .split('-')
                .all(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()))
                && s.starts_with('0'));
        if ok {
            Ok(s)
        } else {
            Err(format!("{s:?} is not an organisation path like 0-11"))
        }
    })
    .filter(|s| !s.is_empty())
}

impl OrderEntity {
    /// The waybill as a core transport order; every problem named with its path.
    pub fn validate(self, e: &mut FieldErrors, path: &str) -> Option<TransportOrder> {
        let p = |f: &'static str| LazyPath(move || format!("{path}.{f}"));
        let code = e.required(p("orderNumber"), self.order_number, rules::code);
        let consigner_name = e.required(p("consignerName"), self.consigner_name, rules::name);
        let consigner_phone = e.required(p("consignerPhone"), self.consigner_phone, rules::phone);
        let consigner_address =
            e.required(p("consignerAddress"), self.consigner_address, rules::name);
        let (cr_lng, cr_lat) = location(
            e,
            &At::field(&path, "consignerLocation"),
            self.consigner_location,
        );
        let consigner = Address {
            name: consigner_name.unwrap_or_default(),
            phone: consigner_phone.unwrap_or_default(),
            province_name: opt_text(e, p("consignerProvince"), self.consigner_province)
                .unwrap_or_default(),
            city_name: opt_text(e, p("consignerCity"), self.consigner_city).unwrap_or_default(),
            area_name: opt_text(e, p("consignerDistrict"), self.consigner_district),
            address: consigner_address.unwrap_or_default(),
            lng: cr_lng,
            lat: cr_lat,
            ..Default::default()
        };
        let consignee = consignee(
            e,
            path,
            FlatConsignee {
                name: self.consignee_name,
                phone: self.consignee_phone,
                province: self.consignee_province,
                city: self.consignee_city,
                district: self.consignee_district,
                address: self.consignee_address,
                location: self.consignee_location,
            },
        );
        let pickup_time = e.required(p("deliveryTime"), self.delivery_time, epoch);
        let expected_arrive_time =
            e.optional(p("appointArriveTime"), self.appoint_arrive_time, epoch);
        let delivery_type = delivery_type(e, p("deliveryType"), self.delivery_type);
        let customer_order_no = e.optional(
            p("customerOrderNumber"),
            self.customer_order_number.filter(|s| !s.is_empty()),
            rules::code,
        );
        let driver_pay = e.optional(p("driverPay"), self.driver_pay, rules::money);
        let driver_pay_type = pay_type(e, p("driverPayType"), self.driver_pay_type);
        let shipper_pay = e.optional(p("shipperPay"), self.shipper_pay, rules::money);
        let shipper_pay_type = pay_type(e, p("shipperPayType"), self.shipper_pay_type);
        let freight_collect = e.optional(p("freightCollect"), self.freight_collect, rules::money);
        let payment_collect = e.optional(p("paymentCollect"), self.payment_collect, rules::money);
        let receipt_count = e.optional(
            p("receiptCount"),
            self.receipt_count,
            rules::int_range(0, 1000),
        );
        let remark = e
            .optional(p("note"), self.note, rules::remark)
            .filter(|s| !s.is_empty());
        let start_place = opt_text(e, p("startAddress"), self.start_address);
        let end_place = opt_text(e, p("endAddress"), self.end_address);
        let wms_location = opt_text(e, p("wmsLocation"), self.wms_location);
        let organization_path = organization_path(e, p("organizationPath"), self.organization_path);
        let custom_notes = notes(
            e,
            &At::field(&path, "extraFields"),
            self.extra_fields.unwrap_or_default().into_iter().collect(),
            12,
        );
        let list = self.cargo_list.unwrap_or_default();
        if let Err(m) = rules::count(&list, 0, MAX_CARGO) {
            e.invalid(p("cargoList"), m);
        }
        let cargo: Vec<Cargo> = list
            .into_iter()
            .enumerate()
            .filter_map(|(i, c)| cargo(e, &At::item(&path, "cargoList", i), c, false))
            .collect();
        Some(TransportOrder {
            order_code: code?,
            order_type: ORDER_TYPE.into(),
            consigner: Some(consigner),
            consignee,
            pickup_time,
            expected_arrive_time,
            cargo,
            need_receipt: receipt_count.map(|n| n > 0),
            payment_collect,
            remark,
            customer_order_no,
            delivery_type,
            start_place,
            end_place,
            shipper_freight: freight(shipper_pay, shipper_pay_type),
            driver_freight: freight(driver_pay, driver_pay_type),
            freight_collect,
            receipt_count,
            custom_notes,
            organization_path,
            wms_location,
            ..Default::default()
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressPartsDto {
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub address: Option<String>,
    pub street_number: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct PersonDto {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<AddressPartsDto>,
}

/// `ModifyOrderEntity`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModifyOrderEntity {
    pub appoint_arrive_time: Option<i64>,
    pub customer_order_number: Option<String>,
    pub delivery_time: Option<i64>,
    pub delivery_type: Option<i64>,
    pub start_address: Option<String>,
    pub end_address: Option<String>,
    pub note: Option<String>,
    pub organization_path: Option<String>,
    pub receipt_count: Option<i64>,
    pub consigner: Option<PersonDto>,
    /// null or absent: unchanged; a list replaces; an empty list clears.
    pub consignees: Option<Vec<PersonDto>>,
    /// Only the notes given change.
    pub custom_notes: Option<HashMap<String, Option<String>>>,
    /// null or absent: unchanged; a list replaces; an empty list clears.
    pub order_cargoes: Option<Vec<CargoDto>>,
}

fn coord(e: &mut FieldErrors, path: impl Into<String>, v: Option<f64>, max: f64) -> Option<f64> {
    coordinate(e, path, v.map(Coordinate::Number), max)
}

/// A person of `ModifyOrderEntity`. The seed's template carries `""` for every text a client
/// does not mean to change, and Java's `0.0` for coordinates it has not got: an empty name,
/// phone or address and the point (0, 0) are "not given" — the consigner keeps them (a waybill
/// needs them), a consignee goes without. Province, city and district may be cleared by `""`.
fn person_patch(e: &mut FieldErrors, path: &str, p: PersonDto) -> AddressPatch {
    let given = |v: Option<String>| v.filter(|s| !s.is_empty());
    let a = p.address.unwrap_or_default();
    let address = match (given(a.address), a.street_number) {
        (Some(x), Some(s)) if !s.is_empty() => Some(format!("{x}{s}")),
        (x, _) => x,
    };
    let (lng, lat) = match (a.lng, a.lat) {
        (Some(x), Some(y)) if x == 0.0 && y == 0.0 => (None, None),
        other => other,
    };
    AddressPatch {
        name: e.optional(format!("{path}.name"), given(p.name), rules::opt_name),
        phone: e.optional(format!("{path}.phone"), given(p.phone), rules::phone),
        province: e.optional(
            format!("{path}.address.province"),
            a.province,
            rules::opt_name,
        ),
        city: e.optional(format!("{path}.address.city"), a.city, rules::opt_name),
        district: e.optional(
            format!("{path}.address.district"),
            a.district,
            rules::opt_name,
        ),
        address: e.optional(format!("{path}.address.address"), address, rules::opt_name),
        lng: coord(e, format!("{path}.address.lng"), lng, 180.0),
        lat: coord(e, format!("{path}.address.lat"), lat, 90.0),
    }
}

impl ModifyOrderEntity {
    pub fn validate(self, e: &mut FieldErrors) -> WaybillPatch {
        let consignees = self.consignees.map(|list| {
            list.into_iter()
                .enumerate()
                .map(|(i, p)| {
                    let mut a = Address::default();
                    person_patch(e, &format!("order.consignees[{i}]"), p).apply(&mut a);
                    a
                })
                .collect()
        });
        let cargo = self.order_cargoes.map(|list| {
            list.into_iter()
                .enumerate()
                .filter_map(|(i, c)| cargo(e, &At::item(&"order", "orderCargoes", i), c, false))
                .collect()
        });
        WaybillPatch {
            expected_arrive_time: e.optional(
                "order.appointArriveTime",
                self.appoint_arrive_time,
                epoch,
            ),
            customer_order_no: self.customer_order_number.and_then(|c| {
                if c.is_empty() {
                    Some(c)
                } else {
                    e.optional("order.customerOrderNumber", Some(c), rules::code)
                }
            }),
            pickup_time: e.optional("order.deliveryTime", self.delivery_time, epoch),
            delivery_type: delivery_type(e, "order.deliveryType", self.delivery_type),
            start_place: e.optional("order.startAddress", self.start_address, rules::opt_name),
            end_place: e.optional("order.endAddress", self.end_address, rules::opt_name),
            remark: e.optional("order.note", self.note, rules::remark),
            organization_path: self.organization_path.and_then(|s| {
                if s.is_empty() {
                    Some(s)
                } else {
                    organization_path(e, "order.organizationPath", Some(s))
                }
            }),
            receipt_count: e.optional(
                "order.receiptCount",
                self.receipt_count,
                rules::int_range(0, 1000),
            ),
            consigner: self
                .consigner
                .map(|p| person_patch(e, "order.consigner", p)),
            consignees,
            custom_notes: {
                // Null notes are "unchanged": only given values count.
                let given: Vec<(String, Option<String>)> = self
                    .custom_notes
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(_, v)| v.is_some())
                    .collect();
                let mut out = BTreeMap::new();
                for (k, v) in given {
                    let path = format!("order.customNotes.{k}");
                    if !note_key(&k, 12) {
                        e.invalid(path, "is not one of note1…note12");
                    } else if let Some(v) = e.optional(path, v, rules::remark) {
                        // An empty note clears it.
                        out.insert(k, v);
                    }
                }
                out
            },
            cargo,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Note and freight keys are read without formatting `note{n}` again (#21), and take
    /// exactly what comparing with the formatted number took: no sign, no leading zero,
    /// nothing after the number, within the range.
    #[test]
    fn note_and_pay_keys_are_the_ones_their_numbers_write() {
        let formatted = |k: &str, p: &str, max: usize| {
            k.strip_prefix(p)
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| (1..=max).contains(&n) && k == format!("{p}{n}"))
        };
        let numbers = [
            "",
            "0",
            "1",
            "01",
            "+1",
            "-1",
            "6",
            "7",
            "12",
            "13",
            "1 ",
            " 1",
            "1a",
            "٣",
            "99999999999999999999999",
        ];
        let mut n = 0;
        for p in ["note", "pay", "uppay", "Note", "notes", ""] {
            for x in numbers {
                let k = format!("{p}{x}");
                assert_eq!(note_key(&k, 12), formatted(&k, "note", 12), "{k}");
                assert_eq!(note_key(&k, 6), formatted(&k, "note", 6), "{k}");
                let pay = formatted(&k, "uppay", 6) || formatted(&k, "pay", 6);
                assert_eq!(pay_key(&k), pay, "{k}");
                n += usize::from(note_key(&k, 12) || pay);
            }
        }
        // note1, note6, note12 (and note7 within 12); pay1, pay6; uppay1, uppay6.
        assert_eq!(n, 4 + 2 + 2);
    }
}
