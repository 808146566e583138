//! `inventory.synchronize` (seed 002): the ERP asks the warehouse to adjust stock. Every member
//! of the seed is kept; the request waits for the warehouse's decision (ops API), and the
//! outcome goes back as `taobao.qimen.inventory.synchronize.report`.

use super::{business_key, checked, date, given, read, signed_qty, time, Caller};
use crate::dialect::qimen::answer::{self, Reply};
use crate::dialect::qimen::dto::{InventorySync, RelatedOrder as RelatedDto};
use crate::domain::adjustment::{AdjustmentRequest, RelatedOrder};
use crate::domain::event::AdjustedLine;
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use crate::service;
use crate::state::AppState;
use serde_json::{json, Value};

fn related(e: &mut FieldErrors, v: Option<Value>) -> Vec<RelatedOrder> {
    // One relatedOrders object (as the seed has it), or a list of them.
    let list = match v {
        None => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(Value::Object(m)) if m.contains_key("relatedOrder") => match m.get("relatedOrder") {
            Some(Value::Array(a)) => a.clone(),
            Some(one) => vec![one.clone()],
            None => Vec::new(),
        },
        Some(other) => vec![other],
    };
    list.into_iter()
        .enumerate()
        .filter_map(|(i, v)| match serde_json::from_value::<RelatedDto>(v) {
            Ok(r) => Some(RelatedOrder {
                order_type: e.optional(
                    format!("relatedOrders[{i}].orderType"),
                    given(r.order_type),
                    rules::code,
                ),
                order_code: e.optional(
                    format!("relatedOrders[{i}].orderCode"),
                    given(r.order_code),
                    rules::code,
                ),
            }),
            Err(err) => {
                e.invalid(format!("relatedOrders[{i}]"), err.to_string());
                None
            }
        })
        .collect()
}

/// Qimen's inventory types: 正品 and 残次 as the core keeps them, and 机损 (machine-damaged),
/// 箱损 (case-damaged) and 在途 (in transit), which ERPs send too. The core keeps stock of these
/// under their own type once the warehouse approves the request; it decides them as it decides
/// the request (docs/qimen.md).
const QIMEN_INVENTORY_TYPES: &[&str] = &["ZP", "CC", "JS", "XS", "ZT"];

pub async fn synchronize(app: &AppState, caller: &Caller, payload: Value) -> Result<Reply, Reply> {
    let r: InventorySync = read(&payload)?;
    let mut e = FieldErrors::default();
    let owner = e.required("ownerCode", given(r.owner_code), rules::code);
    let wh = e.required("warehouseCode", given(r.warehouse_code), rules::code);
    let code = e.required("adjustOrderCode", given(r.adjust_order_code), rules::code);
    // Optional, as every member of the seed's request; only a label.
    let kind = e
        .optional("adjustType", given(r.adjust_type), rules::code)
        .unwrap_or_default();
    let adjust_time = e.optional("adjustTime", given(r.adjust_time), time);
    let remark = e.optional("remark", given(r.remark), rules::remark);
    let related_orders = related(&mut e, r.related_orders);
    let items = r.items.unwrap_or_default();
    if let Err(m) = rules::count(&items, 1, 500) {
        e.invalid("items", m);
    }
    let mut lines = Vec::new();
    for (i, it) in items.into_iter().enumerate() {
        let p = |f: &'static str| LazyPath(move || format!("items[{i}].{f}"));
        let item_code = e.required(p("itemCode"), given(it.item_code), rules::code);
        let qty = e.required(p("planQty"), given(it.plan_qty), signed_qty);
        let line = AdjustedLine {
            item_code: item_code.clone().unwrap_or_default(),
            item_id: e.optional(p("itemId"), given(it.item_id), rules::code),
            inventory_type: e
                .optional(
                    p("inventoryType"),
                    given(it.inventory_type),
                    rules::one_of(QIMEN_INVENTORY_TYPES),
                )
                .unwrap_or_else(|| "ZP".into()),
            qty: qty.unwrap_or_default(),
            batch_code: e.optional(p("batchCode"), given(it.batch_code), rules::code),
            product_date: e.optional(p("productDate"), given(it.product_date), date),
            expire_date: e.optional(p("expireDate"), given(it.expire_date), date),
            produce_code: e.optional(p("produceCode"), given(it.produce_code), rules::code),
            sn_code: e.optional(p("snCode"), given(it.sn_code), rules::code),
            remark: e.optional(p("remark"), given(it.remark), rules::remark),
        };
        if item_code.is_some() && qty.is_some() {
            lines.push(line);
        }
    }
    checked(e)?;
    let (Some(owner), Some(wh), Some(code)) = (owner, wh, code) else {
        return Err(Reply::fail(2001, "incomplete request"));
    };
    business_key(&code);
    let request = AdjustmentRequest {
        inventory_code: wh,
        subbase_code: owner,
        adjust_order_code: code,
        adjust_type: kind,
        adjust_time,
        related_orders,
        remark,
        lines,
    };
    let out = service::adjustment_requests::request(
        &app.db,
        caller.replay_key("qimen:inventory.synchronize"),
        &caller.tenant(),
        caller.client.id,
        &request,
    )
    .await
    .map_err(answer::from_service)?;
    let v = out.value;
    let mut reply = Reply::ok(json!({"adjustOrderCode": v.adjust_order_code, "status": v.status}));
    reply.message = if v.existed {
        format!(
            "adjustment {} was requested before (same content); it is {}",
            v.adjust_order_code, v.status
        )
    } else {
        "accepted: the adjustment waits for the warehouse's decision; the outcome follows as inventory.synchronize.report".into()
    };
    Ok(reply)
}
