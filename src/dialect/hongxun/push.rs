//! The §6 pushes: domain events rendered as 鸿讯 push types, in the §1 envelope, signed with
//! the receiving identity's secret (Appendix 1). `request` = `{eventId, eventType, eventTime,
//! …payload}`; delivered means HTTP 2xx with `flag: true`.

use crate::auth::signature::{self, SignInput, SignMethod};
use crate::auth::timestamp;
use crate::domain::event::{
    Batch, ConfirmedLine, DomainEvent, LineTotal, OrderRef, ShippedPackage,
};
use crate::push::{Outgoing, PushDialect, Rendered};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde_json::{json, Map, Value};

pub struct HongxunPushes;

fn t(time: DateTime<Utc>) -> String {
    timestamp::format(time)
}

fn header(o: &OrderRef) -> Map<String, Value> {
    let v = json!({
        "orderCode": o.order_code, "hxOrderNo": o.hx_order_no, "orderType": o.order_type,
        "inventoryCode": o.inventory_code, "subbaseCode": o.subbase_code,
    });
    v.as_object().cloned().unwrap_or_default()
}

fn with_header(o: &OrderRef, fields: Value) -> Value {
    let mut m = header(o);
    if let Value::Object(extra) = fields {
        m.extend(extra);
    }
    Value::Object(m)
}

fn line(l: &ConfirmedLine) -> Value {
    let mut v = json!({
        "lineNo": l.line_no, "itemCode": l.item_code, "actualQty": l.actual_qty,
        "inventoryType": l.inventory_type, "batchCode": l.batch_code,
        "productDate": l.product_date, "expireDate": l.expire_date, "snCodes": l.sn_codes,
    });
    if let Some(p) = l.plan_qty {
        v["planQty"] = p.into();
    }
    if let Some(lpn) = &l.lpn_code {
        v["lpnCode"] = lpn.as_str().into();
    }
    v
}

fn lines(ls: &[ConfirmedLine]) -> Vec<Value> {
    ls.iter().map(line).collect()
}

fn totals(ls: &[LineTotal]) -> Vec<Value> {
    ls.iter()
        .map(|l| json!({"lineNo": l.line_no, "itemCode": l.item_code, "planQty": l.plan_qty, "actualQty": l.actual_qty}))
        .collect()
}

fn package(p: &ShippedPackage) -> Value {
    json!({
        "packageNo": p.package_no, "waybillNo": p.waybill_no, "carrierCode": p.carrier_code,
        "weight": p.weight_kg, "length": p.length_cm, "width": p.width_cm, "height": p.height_cm,
        "items": p.items.iter().map(|i| json!({"lineNo": i.line_no, "itemCode": i.item_code, "qty": i.qty, "snCodes": i.sn_codes})).collect::<Vec<_>>(),
    })
}

/// A confirmation batch as the result queries and the final pushes show it.
pub fn batch(b: &Batch) -> Value {
    let mut v = json!({
        "confirmSeq": b.confirm_seq, "confirmType": b.confirm_type.as_str(),
        "confirmTime": t(b.confirm_time), "lines": lines(&b.lines),
    });
    if !b.packages.is_empty() {
        v["packages"] = b.packages.iter().map(package).collect();
    }
    if let Some(no) = &b.batch_no {
        v["batchNo"] = no.as_str().into();
    }
    v
}

/// The §6 type and payload of an event, if 鸿讯 has a push for it.
pub fn payload(p: &Outgoing<'_>) -> Option<(String, Value)> {
    let (kind, v) = match p.event {
        DomainEvent::InboundBatch {
            order,
            status,
            batch: b,
        } => (
            "inOrderStatusConfirm",
            with_header(
                order,
                json!({
                    "status": status, "confirmSeq": b.confirm_seq, "confirmType": b.confirm_type.as_str(),
                    "confirmTime": t(b.confirm_time), "lines": lines(&b.lines),
                }),
            ),
        ),
        DomainEvent::InboundFinished {
            order,
            status,
            lines: l,
            batches,
        } => (
            "inOrderConfirm",
            with_header(
                order,
                json!({
                    "status": status, "lines": totals(l), "batches": batches.iter().map(batch).collect::<Vec<_>>(),
                }),
            ),
        ),
        DomainEvent::OutboundBatch {
            order,
            status,
            batch: b,
        } => (
            "outOrderStatusConfirm",
            with_header(
                order,
                json!({
                    "status": status, "confirmSeq": b.confirm_seq, "confirmType": b.confirm_type.as_str(),
                    "confirmTime": t(b.confirm_time), "lines": lines(&b.lines),
                    "packages": b.packages.iter().map(package).collect::<Vec<_>>(),
                }),
            ),
        ),
        DomainEvent::OutboundFinished {
            order,
            status,
            lines: l,
            batches,
        } => (
            "outOrderConfirm",
            with_header(
                order,
                json!({
                    "status": status, "lines": lines(l),
                    "batches": batches.iter().map(batch).collect::<Vec<_>>(),
                    "packages": batches.iter().flat_map(|b| b.packages.iter().map(package)).collect::<Vec<_>>(),
                }),
            ),
        ),
        DomainEvent::PropertyConfirmed {
            order,
            to_subbase_code,
            lines: l,
        } => (
            "propertyOrderConfirm",
            with_header(
                order,
                json!({
                    "status": "CONFIRMED", "fromSubbaseCode": order.subbase_code,
                    "toSubbaseCode": to_subbase_code, "lines": totals(l),
                }),
            ),
        ),
        DomainEvent::TransportDecided {
            order,
            accepted,
            dispatch: d,
            reason,
        } => (
            "transportOrderConfirm",
            with_header(
                order,
                json!({
                    "status": if *accepted { "CONFIRMED" } else { "REJECTED" },
                    "carrierCode": d.carrier_code, "waybillNo": d.waybill_no, "plateNo": d.plate_no,
                    "driverName": d.driver_name, "driverPhone": d.driver_phone,
                    "estimatedPickupTime": d.estimated_pickup_time, "reason": reason,
                }),
            ),
        ),
        DomainEvent::RouteNodes {
            order,
            waybill_no,
            carrier_code,
            nodes,
        } => (
            "routePush",
            json!({
                "orderCode": order.order_code, "waybillNo": waybill_no, "carrierCode": carrier_code,
                "routes": nodes.iter().map(|n| json!({
                    "nodeType": n.node_type, "nodeTime": t(n.node_time), "location": n.location,
                    "description": n.description, "operator": n.operator, "operatorPhone": n.operator_phone,
                    "lng": n.lng, "lat": n.lat,
                })).collect::<Vec<_>>(),
            }),
        ),
        DomainEvent::SignedOff {
            order,
            waybill_no,
            sign_status,
            signer,
            sign_time,
            remark,
        } => (
            "signInfoPush",
            json!({
                "orderCode": order.order_code, "waybillNo": waybill_no, "signStatus": sign_status,
                "signer": signer, "signTime": t(*sign_time), "remark": remark,
            }),
        ),
        DomainEvent::SignImages {
            order,
            waybill_no,
            images,
        } => (
            "signImagePush",
            json!({
                "orderCode": order.order_code, "waybillNo": waybill_no,
                "images": images.iter().map(|i| json!({
                    "imageId": i.image_id, "contentType": i.content_type, "sha256": i.sha256,
                    "url": p.links.url(i.image_id, p.now.timestamp()),
                })).collect::<Vec<_>>(),
            }),
        ),
        DomainEvent::CancelDecided {
            order,
            approved,
            reason,
            time,
        } => (
            "cancelResult",
            with_header(
                order,
                json!({
                    "orderKind": order.kind.as_str(),
                    "cancelStatus": if *approved { "CANCELLED" } else { "REJECTED" },
                    "reason": reason, "time": t(*time),
                }),
            ),
        ),
        DomainEvent::StockAdjusted {
            inventory_code,
            subbase_code,
            adjust_order_code,
            adjust_type,
            adjust_time,
            lines: l,
        } => (
            "inventoryAdjust",
            json!({
                "warehouseCode": inventory_code, "ownerCode": subbase_code,
                "adjustOrderCode": adjust_order_code, "adjustType": adjust_type, "adjustTime": t(*adjust_time),
                "items": l.iter().map(|l| json!({
                    "itemCode": l.item_code, "inventoryType": l.inventory_type, "planQty": l.qty,
                    "batchCode": l.batch_code, "productDate": l.product_date, "expireDate": l.expire_date,
                    "produceCode": l.produce_code, "snCode": l.sn_code, "remark": l.remark,
                })).collect::<Vec<_>>(),
            }),
        ),
        DomainEvent::VehicleInspected {
            vin,
            order_code,
            inspection_time,
            result,
            damages,
            images,
        } => (
            "vehicleInspectionConfirm",
            json!({
                "vin": vin, "orderCode": order_code, "inspectionTime": t(*inspection_time),
                "result": result,
                "damages": damages.iter().map(|d| json!({"part": d.part, "description": d.description})).collect::<Vec<_>>(),
                "images": images,
            }),
        ),
        // Subscription messages of the 3TMS dialect; 鸿讯 identities hear of the same changes
        // through the order events above.
        DomainEvent::WaybillChanged { .. }
        | DomainEvent::WaybillsPrinted { .. }
        | DomainEvent::TripChanged { .. }
        | DomainEvent::SlipTracked { .. }
        | DomainEvent::SlipSigned { .. }
        | DomainEvent::SlipGps { .. } => return None,
        DomainEvent::Legacy {
            event_type,
            payload,
        } => {
            let mut v = payload.clone();
            if let Some(images) = v.get_mut("images").and_then(Value::as_array_mut) {
                for img in images {
                    let id = img
                        .get("imageId")
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse().ok());
                    if let (Some(id), Some(obj)) = (id, img.as_object_mut()) {
                        obj.insert("url".into(), p.links.url(id, p.now.timestamp()).into());
                    }
                }
            }
            return Some((event_type.clone(), v));
        }
        // Nothing in §6 for these.
        DomainEvent::WorkStarted { .. }
        | DomainEvent::Backordered { .. }
        | DomainEvent::AdjustmentRequestDecided { .. } => return None,
    };
    Some((kind.to_string(), v))
}

/// The signed §1 envelope around `request`, serialised once (Appendix 1: the exact text).
pub fn envelope(
    create_by: &str,
    data_source: &str,
    secret: &str,
    request: &str,
    now: DateTime<Utc>,
) -> String {
    let ts = t(now);
    let input = SignInput {
        create_by,
        data_source,
        timestamp: &ts,
        sign_method: None,
        request,
    };
    let sign = signature::sign(SignMethod::Md5, secret, &input);
    let head =
        json!({"createBy": create_by, "dataSource": data_source, "timestamp": ts, "sign": sign})
            .to_string();
    format!("{},\"request\":{request}}}", &head[..head.len() - 1])
}

impl PushDialect for HongxunPushes {
    fn render(&self, p: &Outgoing<'_>) -> Result<Option<Rendered>, String> {
        let Some((event_type, fields)) = payload(p) else {
            return Ok(None);
        };
        let mut request = json!({
            "eventId": p.event_id, "eventType": event_type, "eventTime": t(p.created_at),
        });
        if let (Some(obj), Value::Object(extra)) = (request.as_object_mut(), fields) {
            obj.extend(extra);
        }
        let request = serde_json::to_string(&request).map_err(|e| e.to_string())?;
        let r = p.receiver;
        Ok(Some(Rendered {
            url: r.callback_url.clone(),
            content_type: "application/json".into(),
            headers: Vec::new(),
            body: envelope(
                &r.create_by,
                &r.data_source,
                r.secret.expose_secret(),
                &request,
                p.now,
            ),
        }))
    }

    /// The `eventType` inside the envelope's `request`.
    fn push_type(&self, r: &Rendered) -> String {
        serde_json::from_str::<Value>(&r.body)
            .ok()
            .and_then(|v| v["request"]["eventType"].as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Delivered means HTTP 2xx and a §1 response envelope with `flag: true`.
    fn accepted(&self, http_status: u16, body: &str) -> bool {
        (200..300).contains(&http_status)
            && serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| v.get("flag").and_then(Value::as_bool))
                .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_2xx_with_flag_true_is_delivered() {
        let d = HongxunPushes;
        assert!(d.accepted(200, r#"{"code":200,"flag":true}"#));
        assert!(!d.accepted(200, r#"{"code":500,"flag":false}"#));
        assert!(!d.accepted(200, "OK"));
        assert!(!d.accepted(500, r#"{"flag":true}"#));
        assert!(!d.accepted(302, r#"{"flag":true}"#));
    }
}
