//! `warehouse.add`: a direct transfer-in (`t_type` DC) becomes an inbound `DBRK` order of the
//! core. Lines name products by barcode (else item code); the warehouse's one owner receives
//! the goods; `original_iso_bn` is the order code, so a retry is the same order.

use super::{money, whole, Caller};
use crate::context;
use crate::dialect::oms::answer::{self, Answer};
use crate::dialect::oms::call::sign_used;
use crate::domain::order::{OrderKind, OrderLine, TransferLine, TransferSource, WarehouseOrder};
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use crate::service::orders::Origin;
use crate::service::{self, transfers};
use crate::state::AppState;
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// One line as the caller sent it.
struct ItemIn {
    bn: String,
    name: Option<String>,
    price: Option<Decimal>,
    nums: i64,
}

/// A member of an item as text (strings as they are, numbers as written); `Err` with the
/// reason when it is neither.
fn member(item: &serde_json::Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match item.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
        Some(Value::Number(n)) => Ok(Some(crate::dialect::oms::sign::number_text(n))),
        Some(_) => Err("must be a string or a number".into()),
    }
}

/// `items`: a JSON string (as the seed sends it) or, in a JSON body, the array itself.
fn items(e: &mut FieldErrors, v: Option<&Value>) -> Vec<ItemIn> {
    let parsed;
    let list = match v {
        None => {
            e.missing("items");
            return Vec::new();
        }
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(a)) => {
                parsed = a;
                &parsed
            }
            Ok(_) => {
                e.invalid("items", "must be a JSON array of {bn, name, price, nums}");
                return Vec::new();
            }
            Err(err) => {
                e.invalid("items", format!("is not valid JSON: {err}"));
                return Vec::new();
            }
        },
        Some(Value::Array(a)) => a,
        Some(_) => {
            e.invalid(
                "items",
                "must be a JSON array (as a string) of {bn, name, price, nums}",
            );
            return Vec::new();
        }
    };
    if let Err(m) = rules::count(list, 1, 500) {
        e.invalid("items", m);
    }
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let p = |f: &'static str| LazyPath(move || format!("items[{i}].{f}"));
        let Value::Object(item) = item else {
            e.invalid(
                format!("items[{i}]"),
                "must be an object {bn, name, price, nums}",
            );
            continue;
        };
        let mut read = |f: &'static str| match member(item, f) {
            Ok(v) => Some(v),
            Err(m) => {
                e.invalid(p(f), m);
                None
            }
        };
        let (Some(bn), Some(name), Some(price), Some(nums)) =
            (read("bn"), read("name"), read("price"), read("nums"))
        else {
            continue;
        };
        let bn = e.required(p("bn"), bn, rules::code);
        let name = e.optional(p("name"), name, rules::opt_name);
        let price = e.optional(p("price"), price, money);
        let nums = e.required(p("nums"), nums, |s| {
            whole(1, 1_000_000_000)(s).map_err(|m| format!("must be a whole number > 0: {m}"))
        });
        if let (Some(bn), Some(nums)) = (bn, nums) {
            out.push(ItemIn {
                bn,
                name,
                price,
                nums,
            });
        }
    }
    out
}

pub async fn add(app: &AppState, caller: &Caller) -> Result<Answer, Answer> {
    let p = &caller.params;
    let mut e = FieldErrors::default();
    let name = e.required("name", p.given("name"), rules::name);
    let source = e.required("extrabranch_name", p.given("extrabranch_name"), rules::name);
    let warehouse = e.required("branch_bn", p.given("branch_bn"), rules::code);
    let t_type = e.required("t_type", p.given("t_type"), |t| {
        if t == "DC" {
            Ok(t)
        } else {
            Err(format!("{t:?}: only DC (转仓入库) is supported"))
        }
    });
    let vendor = e.optional("vendor", p.given("vendor"), rules::opt_name);
    let delivery_cost = e.optional("delivery_cost", p.given("delivery_cost"), money);
    let memo = e.optional("memo", p.given("memo"), rules::remark);
    let operator = e.optional("operator", p.given("operator"), rules::opt_name);
    let iso = e.optional("original_iso_bn", p.given("original_iso_bn"), rules::code);
    let lines = items(&mut e, p.value("items"));
    if !e.is_empty() {
        return Err(answer::invalid(&e));
    }
    let (Some(name), Some(source), Some(warehouse), Some(t_type)) =
        (name, source, warehouse, t_type)
    else {
        return Err(Answer::fail(
            2001,
            "name, extrabranch_name, branch_bn, t_type",
        ));
    };
    let tenant = caller.tenant();
    let codes: Vec<String> = lines.iter().map(|l| l.bn.clone()).collect();
    let targets = transfers::targets(&app.db, &tenant, &warehouse, "branch_bn", &codes, |i| {
        format!("items[{i}].bn")
    })
    .await
    .map_err(answer::from_service)?;
    // Without an external number, the signature (unique per request) names the order.
    let order_code = iso.clone().unwrap_or_else(|| format!("DC-{}", caller.sign));
    context::set_business_key(order_code.clone());
    let order = WarehouseOrder {
        kind: OrderKind::In,
        order_code,
        order_type: transfers::TRANSFER_IN.into(),
        inventory_code: warehouse,
        subbase_code: targets.owner.clone(),
        supplier_name: vendor,
        source_order_code: iso,
        remark: memo,
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, l)| OrderLine {
                line_no: (i + 1).to_string(),
                item_code: targets.items.get(&l.bn).cloned().unwrap_or_default(),
                plan_qty: l.nums,
                inventory_type: "ZP".into(),
                batch_code: None,
                product_date: None,
                expire_date: None,
                produce_code: None,
                price: l.price,
                remark: None,
            })
            .collect(),
        transfer: Some(TransferSource {
            name: name.clone(),
            source_warehouse_name: source,
            transfer_type: t_type,
            delivery_cost,
            operator,
            lines: lines
                .iter()
                .enumerate()
                .map(|(i, l)| TransferLine {
                    line_no: (i + 1).to_string(),
                    product_code: l.bn.clone(),
                    name: l.name.clone(),
                })
                .collect(),
        }),
        ..Default::default()
    };
    let origin = Origin {
        tenant: &tenant,
        client_id: caller.client.id,
    };
    let out = service::orders::create_warehouse_order(
        &app.writes,
        Some(caller.replay_key()),
        &origin,
        &order,
    )
    .await
    .map_err(answer::from_service)?;
    if out.replayed {
        let mut a = sign_used();
        a.detail = format!(
            "{} (that request was accepted as {})",
            a.detail, out.value.hx_order_no
        );
        return Err(a);
    }
    Ok(Answer::ok(
        json!({"warehouse_bn": out.value.hx_order_no, "name": name}),
    ))
}
