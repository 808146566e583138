//! A waybill as `find_order/v2` (with its goods) and `query_orders` (without) show it: every
//! member of the seed's example, those the gateway has no notion of as null. `id` is the
//! hxOrderNo, `number` the 16-digit transport number, `wmsNumber` the shipper's orderNumber.

use super::states;
use super::waybill_dto::{m3, DELIVERY_TYPES};
use crate::domain::order::{Address, Cargo, TransportOrder};
use crate::store::waybills::WaybillRow;
use chrono::{DateTime, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

pub(super) fn num(d: Option<Decimal>) -> Value {
    d.and_then(|d| d.to_f64()).map_or(Value::Null, Value::from)
}

pub(super) fn secs(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| t.timestamp().into())
}

/// A contract time of the core as epoch seconds.
pub fn contract_secs(t: Option<&str>) -> Value {
    t.and_then(|t| crate::domain::time::parse(t).ok())
        .map_or(Value::Null, |t| t.timestamp().into())
}

fn empty_null(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        s.into()
    }
}

fn person(a: &Address) -> Value {
    json!({
        "name": a.name, "phone": empty_null(&a.phone),
        "address": {
            "province": empty_null(&a.province_name), "cityCode": null, "city": empty_null(&a.city_name),
            "district": a.area_name, "name": a.address, "address": a.address, "lng": a.lng, "lat": a.lat,
        }
    })
}

pub(super) fn note(notes: &std::collections::BTreeMap<String, String>, k: &str) -> Value {
    notes
        .get(k)
        .map_or(Value::from(""), |v| Value::from(v.as_str()))
}

/// The goods summed up as the seed's `cargo` shows them: the first goods' name, remark (under
/// `remark_key`) and notes, totals of the numbers.
pub(super) fn cargo_totals(cargo: &[Cargo], remark_key: &str) -> Value {
    let first = cargo.first();
    let total = |f: fn(&Cargo) -> Option<Decimal>| -> Value {
        let vals: Vec<Decimal> = cargo.iter().filter_map(f).collect();
        if vals.is_empty() {
            Value::Null
        } else {
            num(Some(vals.into_iter().sum()))
        }
    };
    let mut v = json!({
        "name": first.map(|c| c.name.clone()),
        "quantity": num(Some(cargo.iter().map(|c| c.quantity).sum::<Decimal>())),
        "weight": total(|c| c.weight),
        "volume": total(|c| c.volume.map(m3)),
        "value": total(|c| c.value),
    });
    v[remark_key] = first.and_then(|c| c.remark.clone()).into();
    for i in 1..=6 {
        let k = format!("note{i}");
        v[&k] = first.map_or(Value::from(""), |c| note(&c.notes, &k));
    }
    v
}

/// The waybill's `cargo`; `query_orders` adds the seed's extra members.
fn summary(cargo: &[Cargo], with_ids: bool, row: &WaybillRow, o: &TransportOrder) -> Value {
    let mut v = cargo_totals(cargo, "productModel");
    if with_ids {
        v["id"] = Value::Null;
        v["uid"] = Value::Null;
        v["consignerPhone"] = o.consigner.as_ref().map(|a| a.phone.clone()).into();
        v["consigneePhones"] = json!(consignees(o)
            .iter()
            .map(|a| a.phone.clone())
            .collect::<Vec<_>>());
        v["created"] = secs(Some(row.created_at));
        v["updated"] = secs(Some(row.updated_at));
    }
    v
}

fn consignees(o: &TransportOrder) -> Vec<Address> {
    o.consignee
        .iter()
        .chain(o.more_consignees.iter())
        .cloned()
        .collect()
}

fn goods(row: &WaybillRow, tenant: &str, cargo: &[Cargo]) -> Value {
    cargo
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut v = json!({
                "id": c.cargo_no.clone().unwrap_or_else(|| format!("{}-{}", row.hx_order_no, i + 1)),
                "uid": tenant, "ttmsOrderId": row.hx_order_no, "name": c.name,
                "quantity": num(Some(c.quantity)), "weight": num(c.weight), "volume": num(c.volume.map(m3)),
                "value": num(c.value), "productModel": c.remark.clone().unwrap_or_default(),
                "created": secs(Some(row.created_at)),
            });
            for n in 1..=6 {
                let k = format!("note{n}");
                v[&k] = note(&c.notes, &k);
            }
            v
        })
        .collect::<Vec<_>>()
        .into()
}

fn extra_fields(o: &TransportOrder) -> Value {
    let mut m = Map::new();
    for prefix in ["uppay", "pay"] {
        for i in 1..=6 {
            let k = format!("{prefix}{i}");
            m.insert(k.clone(), note(&o.custom_notes, &k));
        }
    }
    for i in 1..=12 {
        let k = format!("note{i}");
        m.insert(k.clone(), note(&o.custom_notes, &k));
    }
    Value::Object(m)
}

/// The waybill; `detail` adds `cargoes` (find_order/v2) and leaves the summary's ids out.
/// `root`: the shipper's root path, shown for a waybill that names none.
pub fn render(row: &WaybillRow, tenant: &str, root: &str, detail: bool) -> Value {
    let o: TransportOrder = serde_json::from_value(row.request.clone()).unwrap_or_default();
    let (state, waybill_state) = states::of_status(&row.status, row.pre_cancel_status.as_deref());
    let delivery_type = o.delivery_type.and_then(|t| {
        DELIVERY_TYPES
            .iter()
            .find(|(_, d)| *d == t)
            .map(|(n, _)| *n)
    });
    let shipper = o.shipper_freight.clone();
    let driver = o.driver_freight.clone();
    let freight = |f: &Option<crate::domain::order::Freight>| match f {
        None => Value::Null,
        Some(f) => json!({"payType": f.pay_type, "amount": num(f.amount)}),
    };
    let people = consignees(&o);
    let last = people.last();
    let mut v = json!({
        "id": row.hx_order_no, "uid": tenant, "number": row.transport_no, "wmsNumber": row.order_code,
        "wmsLocation": o.wms_location, "operator": tenant, "createUserId": null, "createUsername": null,
        "deliveryTime": contract_secs(o.pickup_time.as_deref()), "deliveryType": delivery_type,
        "appointArriveTime": contract_secs(o.expected_arrive_time.as_deref()),
        "customerOrderNumber": o.customer_order_no, "startAddress": o.start_place, "endAddress": o.end_place,
        "consigner": o.consigner.as_ref().map(person),
        "consignees": people.iter().map(person).collect::<Vec<_>>(),
        "cargo": summary(&o.cargo, !detail, row, &o),
        "totalCargoes": o.cargo.len(), "settlementParty": null,
        "freightIn": freight(&shipper), "freightOut": freight(&driver),
        "totalFreightIn": num(shipper.as_ref().and_then(|f| f.amount)),
        "freightReceived": null, "freightUnreceived": num(shipper.as_ref().and_then(|f| f.amount)),
        "freightCollect": num(o.freight_collect), "freightCollectReceived": null,
        "freightCollectUnReceived": num(Some(o.freight_collect.unwrap_or_default())),
        "paymentCollect": num(o.payment_collect), "paymentCollectReceived": null,
        "paymentCollectUnReceived": num(Some(o.payment_collect.unwrap_or_default())),
        "needReceipt": o.need_receipt.map(i32::from), "receiptCount": o.receipt_count, "note": o.remark,
        "extraFields": extra_fields(&o),
        "option1": null, "option2": null, "option3": null,
        "organizationPath": o.organization_path.clone().unwrap_or_else(|| root.into()),
    });
    let more = json!({
        "dispatchInfo": {
            "driverPhone": row.driver_phone, "driverUids": [], "gids": [], "carMode": null, "orderCount": 1,
            "shouldNotifyDriver": false, "needDriverAgree": false, "driverTags": null, "vehicleTagIds": null,
        },
        "batchId": null, "createUid": tenant, "source": 4, "state": state, "parentOrderId": null,
        "splitOrderId": null, "planNumber": null, "omsNumber": null, "packNumber": row.pack_number,
        "waybillState": waybill_state,
        "dispatchDriver": row.pack_number.as_ref().map(|_| json!({
            "uid": null, "username": row.driver_name, "phoneNumber": row.driver_phone, "carNumber": row.plate_no,
            "carMode": null, "carDetailMode": null, "passType": 0, "passTypeValue": "",
        })),
        "evaluate": null, "miles": null, "openTime": secs(Some(row.created_at)),
        "publishTime": secs(Some(row.created_at)), "receiveTime": secs(row.receive_time),
        "shipmentTime": secs(row.shipment_time), "signedTime": secs(row.signed_time),
        "receiptCallbackTime": null, "receiptSendOutTime": null, "evaluateTime": null,
        "receiptStatus": null, "receiptUploaded": row.has_images.filter(|x| *x), "settlementStatus": null,
        "freightCollectStatus": null, "collectionAmountStatus": null, "orderSendType": 1,
        "orderPrintStatus": row.printed_at.map(|_| 1), "tipsPrintStatus": row.labels_printed_at.map(|_| 1),
    });
    let rest = json!({
        "segmentNumber": null, "segmentType": null, "segmentReceiveOrganizeidPath": null,
        "freezeDeliveryTime": null, "freezeAppointArriveTime": null, "freezeStartAddress": null,
        "freezeEndAddress": null, "freezePaymentCollect": null,
        "abnormal": row.abnormal.filter(|a| *a),
        "abnormal_dispose_status": null, "deliveryAddress": null, "signAddress": null,
        "onlinePayState": null, "onlinePayment": null, "transactionId": null,
        "isDelete": if state == 0 { Value::from(1) } else { Value::Null },
        "created": secs(Some(row.created_at)), "updated": secs(Some(row.updated_at)),
        "startAddressLng": o.consigner.as_ref().and_then(|a| a.lng),
        "startAddressLat": o.consigner.as_ref().and_then(|a| a.lat),
        "endAddressLng": last.and_then(|a| a.lng), "endAddressLat": last.and_then(|a| a.lat),
        "financeCollectFixedTime": null, "freightCollectFixedTime": null, "apportionFee": null,
        "checkPickUpAlarm": null, "checkDeliverAlarm": null, "onlinePay": false,
    });
    if let (Some(obj), Value::Object(a), Value::Object(b)) = (v.as_object_mut(), more, rest) {
        obj.extend(a);
        obj.extend(b);
        if detail {
            obj.insert("cargoes".into(), goods(row, tenant, &o.cargo));
        }
    }
    v
}
