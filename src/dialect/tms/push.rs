//! 3TMS callbacks: the seed's subscription messages, POSTed as JSON to the URL of the scope
//! the account subscribed, `messageTimeStamp` in seconds. 3TMS callbacks are unsigned; ours
//! carry `X-Hxgw-Signature: sha256=<hex HMAC-SHA256 of the body with the account's secret>`
//! so a receiver can verify them (docs/tms.md). Events without a subscribed scope, and the
//! order events other dialects hear, are skipped.

use super::states::{order_state_of, pack_state_of};
use crate::domain::event::DomainEvent;
use crate::domain::waybill::{WaybillChange, WaybillRef};
use crate::push::{Outgoing, PushDialect, Rendered};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "X-Hxgw-Signature";

pub struct TmsPushes;

/// The signature header's value for `body`.
pub fn signature(secret: &str, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn delivery_type(w: &WaybillRef) -> Value {
    super::waybill_dto::DELIVERY_TYPES
        .iter()
        .find(|(_, d)| Some(*d) == w.delivery_type)
        .map_or(Value::Null, |(n, _)| Value::from(*n))
}

fn remark(w: &WaybillRef, change: WaybillChange) -> String {
    let what = match change {
        WaybillChange::Cancelled => "已撤销",
        WaybillChange::Created => "已下单",
        WaybillChange::Accepted => "已接单",
        WaybillChange::Loaded => "已装货",
        WaybillChange::Signed => "已签收",
        WaybillChange::Reassigned => "已重新指派",
        WaybillChange::Printed => "已打印",
        WaybillChange::LabelPrinted => "标签已打印",
        WaybillChange::Exception => "异常上报",
    };
    format!("{} 订单{what}", w.transport_no)
}

/// The message body and the scope whose URL it goes to.
fn message(p: &Outgoing<'_>) -> Option<(&'static str, Value)> {
    let now = p.now.timestamp();
    match p.event {
        DomainEvent::WaybillChanged {
            waybill: w,
            change,
            signer,
            images,
            exception,
            ..
        } => {
            let subscribe_state = order_state_of(*change);
            let state = match change {
                WaybillChange::Reassigned | WaybillChange::Exception => {
                    let (s, wb) = super::states::of_status(&w.status, None);
                    wb.map_or(i64::from(s), i64::from)
                }
                _ => subscribe_state,
            };
            let trip = w.trip.as_ref();
            let mut v = json!({
                "number": w.transport_no, "wmsNumber": w.order_code,
                "customerOrderNumber": w.customer_order_no, "packNumber": trip.map(|t| &t.pack_number),
                "remark": remark(w, *change), "state": state, "subscribeState": subscribe_state,
                "driver": trip.and_then(|t| t.driver_name.clone()), "deliveryType": delivery_type(w),
                "carNumber": trip.and_then(|t| t.plate_no.clone()),
                "phoneNumber": trip.and_then(|t| t.driver_phone.clone()),
                "groupName": trip.and_then(|t| t.fleet.clone()),
                "receiptUrls": images.iter().map(|i| p.links.url(i.image_id, now)).collect::<Vec<_>>(),
                "signer": signer, "messageTimeStamp": now,
            });
            if let Some(x) = exception {
                v["orderAbnormalInfo"] = json!({
                    "info": x.info, "orderId": w.hx_order_no, "orderNumber": w.transport_no, "orderType": 1,
                    "profile": x.profile, "source": x.source, "type": x.stage, "imageUrls": x.image_urls,
                    "address": {"address": x.address, "name": x.address, "lng": x.lng, "lat": x.lat},
                });
            }
            Some(("order", v))
        }
        DomainEvent::WaybillsPrinted {
            transport_nos,
            labels,
            ..
        } => Some((
            "order",
            json!({
                "orderNumbers": transport_nos,
                "printType": if *labels { "运单标签打印" } else { "运单打印" },
            }),
        )),
        DomainEvent::TripChanged {
            trip,
            change,
            waybills,
            ..
        } => {
            let state = pack_state_of(*change);
            Some((
                "pack",
                json!({
                    "carNumber": trip.plate_no, "groupName": trip.fleet,
                    "orderNumbers": waybills.iter().map(|w| &w.transport_no).collect::<Vec<_>>(),
                    "wmsNumbers": waybills.iter().map(|w| &w.order_code).collect::<Vec<_>>(),
                    "driver": trip.driver_name, "createTime": crate::domain::time::format(trip.created_at),
                    "remark": trip.remark.clone().unwrap_or_default(), "driverPhone": trip.driver_phone,
                    "state": state, "subscribeState": state, "messageTimeStamp": now,
                    "packNumber": trip.pack_number,
                    "customerOrderNumbers": waybills.iter().filter_map(|w| w.customer_order_no.clone()).collect::<Vec<_>>(),
                }),
            ))
        }
        DomainEvent::SlipTracked {
            slip,
            content,
            transfer_no,
            ..
        } => Some((
            "customer_order",
            json!({
                "messageTimeStamp": now, "trackContent": content, "transferOrderNumber": transfer_no,
                "originalOrderNumber": slip.original_order_no, "subscribeState": 600,
                "customerOrderNumber": slip.number, "orderState": slip.state,
            }),
        )),
        DomainEvent::SlipSigned {
            slip,
            finished,
            arrived_time,
            last_sign_time,
            ..
        } => Some((
            "customer_order",
            json!({
                "customerOrderNumber": slip.number, "isFinished": finished,
                "arrivedTime": arrived_time.timestamp(), "lastSignTime": last_sign_time.map(|t| t.timestamp()),
                "orderState": slip.state, "subscribeState": 601, "messageTimeStamp": now,
            }),
        )),
        DomainEvent::SlipGps {
            slip_numbers,
            point: g,
            ..
        } => Some((
            "customer_order",
            json!({
                "customerOrderNumbers": slip_numbers, "messageTimeStamp": now, "subscribeState": 602,
                "gpsInfo": {
                    "device": g.device, "direction": g.direction, "gpsTime": g.gps_time,
                    "humidity": g.humidity, "temperature": g.temperature, "lat": g.lat, "lng": g.lng,
                    "locateType": g.locate_type, "location": g.location, "powerRate": g.power_rate,
                    "chargerState": g.charger_state, "province": g.province, "city": g.city,
                    "district": g.district, "roadName": g.road_name, "runStatus": g.run_status,
                    "speed": g.speed,
                },
            }),
        )),
        _ => None,
    }
}

impl PushDialect for TmsPushes {
    fn render(&self, p: &Outgoing<'_>) -> Result<Option<Rendered>, String> {
        let Some((scope, v)) = message(p) else {
            return Ok(None);
        };
        // Unsubscribed since: nothing to send.
        let Some(url) = p.receiver.subscriptions.get(scope) else {
            return Ok(None);
        };
        let body = v.to_string();
        Ok(Some(Rendered {
            url: url.clone(),
            content_type: "application/json;charset=utf-8".into(),
            headers: vec![(
                SIGNATURE_HEADER.into(),
                signature(p.receiver.secret.expose_secret(), &body),
            )],
            body,
        }))
    }

    /// The subscription state the message carries; the print messages (8000, 8001) name
    /// their kind in `printType` instead.
    fn push_type(&self, r: &Rendered) -> String {
        let v: Value = serde_json::from_str(&r.body).unwrap_or_default();
        match (v["subscribeState"].as_i64(), v["printType"].as_str()) {
            (Some(s), _) => s.to_string(),
            (None, Some(p)) if p.contains("标签") => {
                order_state_of(WaybillChange::LabelPrinted).to_string()
            }
            (None, Some(_)) => order_state_of(WaybillChange::Printed).to_string(),
            _ => String::new(),
        }
    }

    /// Any 2xx: the seed says nothing of what a receiver answers.
    fn accepted(&self, http_status: u16, _body: &str) -> bool {
        (200..300).contains(&http_status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
