//! Pushes to Qimen ERPs: each domain event the ERP must hear about as a Qimen method call to
//! the identity's callback URL: system parameters in the query, the `<request>` XML body,
//! signed the Qimen way (md5) with the identity's secret, `outBizCode` = the event id.
//! Delivered only when the answer's `flag` is `success`.
//!
//! | event | method |
//! |---|---|
//! | inbound batch | `entryorder.confirm` (`returnorder.confirm` for THRK), confirmType 1 partial / 0 final |
//! | outbound batch | `deliveryorder.confirm` (JYCK), `stockout.confirm` (other types), with packages |
//! | work started, cancel decided, sign-off | `orderprocess.report` (ACCEPT, CANCELED, SIGN, REJECT…) |
//! | stock adjusted | `stockchange.report` |
//! | order backordered | `itemlack.report` |
//! | adjustment request decided | `inventory.synchronize.report` |

use super::{sign, xml};
use crate::domain::event::{Batch, ConfirmedLine, DomainEvent, OrderRef};
use crate::domain::order::OrderStatus;
use crate::domain::time;
use crate::push::{Outgoing, PushDialect, Rendered};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use url::form_urlencoded;

pub struct QimenPushes;

fn finished(status: &str) -> bool {
    matches!(
        OrderStatus::parse(status),
        Some(OrderStatus::Received | OrderStatus::Shipped)
    )
}

fn lines(ls: &[ConfirmedLine]) -> Value {
    let list: Vec<Value> = ls
        .iter()
        .map(|l| {
            let mut v = json!({
                "orderLineNo": l.line_no, "itemCode": l.item_code, "itemId": l.item_code,
                "inventoryType": l.inventory_type, "actualQty": l.actual_qty.to_string(),
                "batchCode": l.batch_code, "productDate": l.product_date, "expireDate": l.expire_date,
            });
            if !l.sn_codes.is_empty() {
                v["snList"] = json!({"sn": l.sn_codes});
            }
            v
        })
        .collect();
    json!({ "orderLine": list })
}

fn packages(b: &Batch) -> Value {
    let list: Vec<Value> = b
        .packages
        .iter()
        .map(|p| {
            json!({
                "logisticsCode": p.carrier_code, "expressCode": p.waybill_no, "packageCode": p.package_no,
                "weight": p.weight_kg.map(|w| w.to_string()), "length": p.length_cm.map(|x| x.to_string()),
                "width": p.width_cm.map(|x| x.to_string()), "height": p.height_cm.map(|x| x.to_string()),
                "items": {"item": p.items.iter().map(|i| json!({"itemCode": i.item_code, "quantity": i.qty.to_string()})).collect::<Vec<_>>()},
            })
        })
        .collect();
    json!({ "package": list })
}

fn process(o: &OrderRef, status: &str, event_id: &str, when: &str, info: Option<String>) -> Value {
    json!({
        "order": {"orderCode": o.order_code, "orderId": o.hx_order_no, "orderType": o.order_type,
                  "warehouseCode": o.inventory_code, "ownerCode": o.subbase_code},
        "process": {"processStatus": status, "operateTime": when, "operateInfo": info, "remark": info},
        "outBizCode": event_id,
    })
}

/// The Qimen method and `<request>` content for an event, if the ERP hears about it.
pub fn message(p: &Outgoing<'_>) -> Option<(&'static str, Value)> {
    let id = p.event_id.to_string();
    let at = |t| time::format(t);
    Some(match p.event {
        DomainEvent::InboundBatch {
            order,
            status,
            batch,
        } => {
            let confirm_type = if finished(status) { "0" } else { "1" };
            let qimen_status = if finished(status) {
                "FULFILLED"
            } else {
                "PARTFULFILLED"
            };
            if order.order_type == "THRK" {
                (
                    "returnorder.confirm",
                    json!({
                        "returnOrder": {"returnOrderCode": order.order_code, "returnOrderId": order.hx_order_no,
                            "warehouseCode": order.inventory_code, "ownerCode": order.subbase_code,
                            "orderType": order.order_type, "outBizCode": id, "confirmType": confirm_type,
                            "orderConfirmTime": at(batch.confirm_time)},
                        "orderLines": lines(&batch.lines),
                    }),
                )
            } else {
                (
                    "entryorder.confirm",
                    json!({
                        "entryOrder": {"entryOrderCode": order.order_code, "entryOrderId": order.hx_order_no,
                            "warehouseCode": order.inventory_code, "ownerCode": order.subbase_code,
                            "entryOrderType": order.order_type, "outBizCode": id, "confirmType": confirm_type,
                            "status": qimen_status, "operateTime": at(batch.confirm_time)},
                        "orderLines": lines(&batch.lines),
                    }),
                )
            }
        }
        DomainEvent::OutboundBatch {
            order,
            status,
            batch,
        } => {
            let method = if order.order_type == "JYCK" {
                "deliveryorder.confirm"
            } else {
                "stockout.confirm"
            };
            (
                method,
                json!({
                    "deliveryOrder": {"deliveryOrderCode": order.order_code, "deliveryOrderId": order.hx_order_no,
                        "warehouseCode": order.inventory_code, "ownerCode": order.subbase_code,
                        "orderType": order.order_type, "outBizCode": id,
                        "confirmType": if finished(status) { "0" } else { "1" },
                        "status": if finished(status) { "DELIVERED" } else { "PARTDELIVERED" },
                        "orderConfirmTime": at(batch.confirm_time)},
                    "packages": packages(batch),
                    "orderLines": lines(&batch.lines),
                }),
            )
        }
        DomainEvent::WorkStarted { order } => (
            "orderprocess.report",
            process(order, "ACCEPT", &id, &at(p.created_at), None),
        ),
        DomainEvent::CancelDecided {
            order,
            approved,
            reason,
            time,
        } => {
            let (status, info) = if *approved {
                ("CANCELED", reason.clone())
            } else {
                (
                    "EXCEPTION",
                    Some(format!(
                        "cancel refused: {}",
                        reason.clone().unwrap_or_default()
                    )),
                )
            };
            (
                "orderprocess.report",
                process(order, status, &id, &at(*time), info),
            )
        }
        DomainEvent::SignedOff {
            order,
            sign_status,
            sign_time,
            signer,
            ..
        } => {
            let status = if sign_status == "SIGNED" {
                "SIGN"
            } else {
                "REJECT"
            };
            (
                "orderprocess.report",
                process(order, status, &id, &at(*sign_time), signer.clone()),
            )
        }
        DomainEvent::StockAdjusted {
            inventory_code,
            subbase_code,
            adjust_order_code,
            adjust_type,
            adjust_time,
            lines,
        } => (
            "stockchange.report",
            json!({"items": {"item": lines.iter().enumerate().map(|(i, l)| json!({
                "ownerCode": subbase_code, "warehouseCode": inventory_code, "orderCode": adjust_order_code,
                "orderType": adjust_type, "outBizCode": format!("{id}-{i}"), "itemCode": l.item_code,
                "itemId": l.item_id, "inventoryType": l.inventory_type, "quantity": l.qty.to_string(),
                "batchCode": l.batch_code, "productDate": l.product_date, "expireDate": l.expire_date,
                "produceCode": l.produce_code, "snCode": l.sn_code, "changeTime": at(*adjust_time),
                "remark": l.remark,
            })).collect::<Vec<_>>()}}),
        ),
        DomainEvent::Backordered { order, shortages } => (
            "itemlack.report",
            json!({
                "warehouseCode": order.inventory_code, "ownerCode": order.subbase_code,
                "deliveryOrderCode": order.order_code, "deliveryOrderId": order.hx_order_no,
                "createTime": at(p.created_at), "outBizCode": id,
                "items": {"item": shortages.iter().map(|s| json!({
                    "itemCode": s.item_code, "inventoryType": s.inventory_type, "batchCode": s.batch_code,
                    "planQty": s.requested.to_string(), "lackQty": (s.requested - s.available).to_string(),
                    "reason": "库存不足",
                })).collect::<Vec<_>>()},
            }),
        ),
        DomainEvent::AdjustmentRequestDecided {
            request,
            approved,
            reason,
            time,
        } => (
            "inventory.synchronize.report",
            json!({
                "adjustOrderCode": request.adjust_order_code, "warehouseCode": request.inventory_code,
                "ownerCode": request.subbase_code, "adjustType": request.adjust_type,
                "status": if *approved { "APPROVED" } else { "REFUSED" }, "reason": reason,
                "operateTime": at(*time), "outBizCode": id,
                "items": {"item": request.lines.iter().map(|l| json!({
                    "itemCode": l.item_code, "itemId": l.item_id, "inventoryType": l.inventory_type,
                    "planQty": l.qty.to_string(), "batchCode": l.batch_code, "produceCode": l.produce_code,
                    "snCode": l.sn_code,
                })).collect::<Vec<_>>()},
            }),
        ),
        DomainEvent::InboundFinished { .. }
        | DomainEvent::OutboundFinished { .. }
        | DomainEvent::PropertyConfirmed { .. }
        | DomainEvent::TransportDecided { .. }
        | DomainEvent::RouteNodes { .. }
        | DomainEvent::SignImages { .. }
        | DomainEvent::VehicleInspected { .. }
        | DomainEvent::WaybillChanged { .. }
        | DomainEvent::WaybillsPrinted { .. }
        | DomainEvent::TripChanged { .. }
        | DomainEvent::SlipTracked { .. }
        | DomainEvent::SlipSigned { .. }
        | DomainEvent::SlipGps { .. }
        | DomainEvent::Legacy { .. } => return None,
    })
}

/// Whether a Qimen answer says `flag` = success (XML, or its JSON mirror).
pub fn flag_success(body: &str) -> bool {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        let inner = v.get("response").unwrap_or(&v);
        return inner.get("flag").and_then(Value::as_str) == Some("success");
    }
    match super::xml::read(body) {
        Ok(v) => v.get("flag").and_then(Value::as_str) == Some("success"),
        Err(_) => false,
    }
}

impl PushDialect for QimenPushes {
    fn render(&self, p: &Outgoing<'_>) -> Result<Option<Rendered>, String> {
        let Some((method, request)) = message(p) else {
            return Ok(None);
        };
        let r = p.receiver;
        let body = xml::document("request", &request);
        let mut params: Vec<(String, String)> = vec![
            ("method".into(), format!("taobao.qimen.{method}")),
            ("app_key".into(), r.app_key.clone().unwrap_or_default()),
            ("timestamp".into(), time::format(p.now)),
            ("format".into(), "xml".into()),
            ("v".into(), "2.0".into()),
            ("sign_method".into(), "md5".into()),
        ];
        if let Some(c) = &r.customer_id {
            params.push(("customerId".into(), c.clone()));
        }
        let s = sign::sign_string(&params, Some(&body), false);
        params.push((
            "sign".into(),
            sign::sign(sign::Method::Md5, r.secret.expose_secret(), &s),
        ));
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter())
            .finish();
        let sep = if r.callback_url.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(Some(Rendered {
            url: format!("{}{sep}{query}", r.callback_url),
            content_type: "text/xml;charset=utf-8".into(),
            headers: Vec::new(),
            body,
        }))
    }

    fn accepted(&self, http_status: u16, body: &str) -> bool {
        (200..300).contains(&http_status) && flag_success(body)
    }

    /// The method of the call, without the `taobao.qimen.` prefix.
    fn push_type(&self, r: &Rendered) -> String {
        url::Url::parse(&r.url)
            .ok()
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "method")
                    .map(|(_, v)| v.trim_start_matches("taobao.qimen.").to_string())
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_is_read_from_xml_or_json() {
        assert!(flag_success(
            "<response><flag>success</flag><code>0</code></response>"
        ));
        assert!(flag_success(r#"{"response":{"flag":"success"}}"#));
        assert!(!flag_success("<response><flag>failure</flag></response>"));
        assert!(!flag_success("OK"));
    }
}
