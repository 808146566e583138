//! A slip as `query_customer_orders` shows it: `{order, cargoes}` with every member of the
//! seed's example; those the gateway has no notion of are null.

use super::waybill_dto::{m3, DELIVERY_TYPES};
use super::waybill_view::{cargo_totals, contract_secs, note, num, secs};
use crate::domain::order::{Address, TransportOrder};
use crate::domain::slip::SlipState;
use crate::store::slips::SlipRow;
use serde_json::{json, Value};

fn person(a: Option<&Address>) -> Value {
    match a {
        None => Value::Null,
        Some(a) => json!({
            "name": a.name, "phone": a.phone,
            "address": {"province": null, "cityCode": null, "city": null, "district": null,
                        "name": a.address, "address": a.address, "lng": a.lng, "lat": a.lat},
        }),
    }
}

pub fn render(r: &SlipRow) -> Value {
    let o: TransportOrder = serde_json::from_value(r.content.clone()).unwrap_or_default();
    let state = SlipState::parse(&r.state).unwrap_or(SlipState::Pending);
    let cargo = cargo_totals(&o.cargo, "remarks");
    let shipper = o.shipper_freight.clone();
    let mut order = json!({
        "id": r.number, "uid": r.tenant, "createUid": r.tenant, "createUserId": null, "createUsername": null,
        "number": r.number, "originalOrderNumber": r.original_order_no,
        "openTime": secs(Some(r.created_at)), "deliveryTime": contract_secs(o.pickup_time.as_deref()),
        "deliveryType": o.delivery_type.and_then(|t| DELIVERY_TYPES.iter().find(|(_, d)| *d == t).map(|(n, _)| *n)),
        "appointArriveTime": contract_secs(o.expected_arrive_time.as_deref()),
        "startAddress": o.start_place, "endAddress": o.end_place,
        "consigner": person(o.consigner.as_ref()), "consignee": person(o.consignee.as_ref()),
        "cargo": cargo,
        "freightIn": shipper.as_ref().map(|f| json!({"payType": f.pay_type, "amount": num(f.amount)})),
        "paymentCollect": num(o.payment_collect), "receiptCount": o.receipt_count, "remarks": o.remark,
        "option1": null, "option2": null, "option3": null,
        "createOrganizationPath": o.organization_path.clone().unwrap_or_else(|| "0".into()),
        "ownerOrganizationPath": null, "assignOrganizationPaths": null, "receiveOrganizationPath": null,
        "source": 4, "batchNumber": null, "state": state.code(),
    });
    for i in 1..=12 {
        order[format!("uppay{i}")] = Value::Null;
        order[format!("note{i}")] = o
            .custom_notes
            .get(&format!("note{i}"))
            .map_or(Value::Null, |v| v.as_str().into());
    }
    let amount = shipper.as_ref().and_then(|f| f.amount);
    let more = json!({
        "settlementParty": null, "settlementName": null, "settlementPhone": null,
        "totalFreightIn": num(amount), "freightInReceived": null, "freightInUnreceived": num(amount),
        "freightInState": null, "freightInTime": null, "paymentCollectState": null,
        "paymentCollectReceived": null, "paymentCollectTime": null, "paymentCollectWriteoffTime": null,
        "customerOrderPrintStatus": null, "customerOrderTipsPrintStatus": null, "receiptState": null,
        "receiptCallbacker": null, "receiptCallbackTime": null, "receiptSender": null, "receiptSentTime": null,
        "publishTime": null, "firstSignTime": secs(r.first_sign_time), "lastSignTime": secs(r.last_sign_time),
        "segmentOrderNumber": null, "carrier": null, "currentSegmentType": null, "reachStation": null,
        "nextStation": null, "mileage": null, "mileageEstimated": null, "lastUploadAddress": null,
        "lastUploadTime": null, "bindDevices": r.bound_devices, "currentBindDevice": r.device_number,
    });
    let rest = json!({
        "settlementNumber": null, "writeoffSettlementNumber": null, "duration": null,
        "durationEstimated": null, "estimatedArriveTime": null, "estimatedLeftMiles": null,
        "departureTime": null, "departureTimeStatus": null,
        "arrivedTime": if state == SlipState::Done { secs(r.last_sign_time) } else { Value::Null },
        "arrived": state == SlipState::Done, "arrivedTimeStatus": null,
        "bindStatusName": if r.device_number.is_some() { "已绑定" } else { "未绑定" },
        "created": secs(Some(r.created_at)), "updated": secs(Some(r.updated_at)),
        "salesman": "", "salesmanPhone": null, "finished": state == SlipState::Done, "upPayTotal": 0,
        "departured": r.first_sign_time.is_some(),
    });
    if let (Some(obj), Value::Object(a), Value::Object(b)) = (order.as_object_mut(), more, rest) {
        obj.extend(a);
        obj.extend(b);
    }
    let cargoes: Vec<Value> = o
        .cargo
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut v = json!({
                "id": c.cargo_no.clone().unwrap_or_else(|| format!("{}-{}", r.number, i + 1)),
                "uid": r.tenant, "customerOrderNumber": r.number, "transferOrderNumber": null,
                "name": c.name, "quantity": num(Some(c.quantity)), "weight": num(c.weight),
                "volume": num(c.volume.map(m3)), "value": num(c.value), "remarks": c.remark,
                "created": secs(Some(r.created_at)),
            });
            for n in 1..=6 {
                let k = format!("note{n}");
                v[&k] = note(&c.notes, &k);
            }
            v
        })
        .collect();
    json!({"order": order, "cargoes": cargoes})
}
