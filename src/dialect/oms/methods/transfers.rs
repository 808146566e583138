//! Part 1 `warehouse.getList`: the customer's transfer-ins completed between `start_time` and
//! `end_time`, by completion time, with each line's received quantity.

use super::{paging, Caller};
use crate::dialect::oms::answer::{self, Answer};
use crate::domain::order::WarehouseOrder;
use crate::domain::time;
use crate::domain::validation::FieldErrors;
use crate::service::transfers::{self, CompletedTransfer};
use crate::state::AppState;
use serde_json::{json, Value};

pub async fn list(app: &AppState, caller: &Caller) -> Result<Answer, Answer> {
    let p = &caller.params;
    let mut e = FieldErrors::default();
    let when = |s: String| time::parse(&s).map(|t| t.with_timezone(&chrono::Utc));
    let from = e.required("start_time", p.given("start_time"), when);
    let to = e.required("end_time", p.given("end_time"), when);
    let (page_no, page_size) = paging(&mut e, caller, 100, 100);
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            e.invalid("end_time", "must not be before start_time");
        }
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err(answer::invalid(&e));
    };
    if !e.is_empty() {
        return Err(answer::invalid(&e));
    }
    let (total, rows) = transfers::completed(
        &app.db,
        &caller.tenant(),
        from,
        to,
        (page_no - 1) * page_size,
        page_size,
    )
    .await
    .map_err(answer::from_service)?;
    let items: Vec<Value> = rows.into_iter().map(transfer).collect();
    Ok(Answer::ok(json!({"total": total, "items": items})))
}

/// A price as the seed writes it: a number.
fn number(d: Option<rust_decimal::Decimal>) -> Value {
    d.map(|d| {
        d.to_string()
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .unwrap_or(Value::Null)
    })
    .unwrap_or(Value::Null)
}

fn transfer(t: CompletedTransfer) -> Value {
    let o = t.order;
    // The stored domain order: names and prices as the source system sent them.
    let order: Option<WarehouseOrder> = serde_json::from_value(o.request.clone()).ok();
    let source = order.as_ref().and_then(|w| w.transfer.clone());
    let items: Vec<Value> = t
        .lines
        .iter()
        .map(|l| {
            let sent = source
                .as_ref()
                .and_then(|s| s.lines.iter().find(|x| x.line_no == l.line_no));
            let price = order
                .as_ref()
                .and_then(|w| w.lines.iter().find(|x| x.line_no == l.line_no))
                .and_then(|x| x.price);
            json!({
                "bn": sent.map(|s| s.product_code.clone()).unwrap_or_else(|| l.item_code.clone()),
                "name": sent.and_then(|s| s.name.clone()).unwrap_or_else(|| l.item_code.clone()),
                "price": number(price),
                "nums": l.actual_qty,
            })
        })
        .collect();
    json!({
        "warehouse_bn": o.hx_order_no,
        "name": source.as_ref().map(|s| s.name.clone()).unwrap_or_else(|| o.order_code.clone()),
        "type": source.as_ref().map(|s| s.transfer_type.clone()).unwrap_or_else(|| "DC".into()),
        "branch_bn": o.inventory_code,
        "created_time": time::format(o.created_at),
        "complete_time": time::format(o.completed_at),
        "original_iso_bn": order.as_ref().and_then(|w| w.source_order_code.clone()),
        "items": items,
    })
}
