//! `singleitem.synchronize` and `items.synchronize`: product sync (actionType add or update
//! both upsert). The answer's `itemId` is our item code.

use super::{business_key, checked, flag, given, number, read, Caller};
use crate::dialect::qimen::answer::{self, Reply};
use crate::dialect::qimen::dto::{ItemDto, ItemsSync, SingleItemSync};
use crate::domain::base_data::{Dimensions, Product};
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use crate::service;
use crate::state::AppState;
use serde_json::{json, Value};

/// Hours of Qimen's `shelfLife` as whole days (rounded up).
fn shelf_life_days(s: String) -> Result<i32, String> {
    let hours: i64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number of hours"))?;
    if !(0..=876_000).contains(&hours) {
        return Err("must be between 0 and 876000 hours".into());
    }
    Ok(((hours + 23) / 24) as i32)
}

fn action(e: &mut FieldErrors, v: Option<String>) {
    e.optional("actionType", given(v), |a: String| {
        match a.to_ascii_lowercase().as_str() {
            "add" | "update" => Ok(()),
            _ => Err(format!("must be add or update (got {a:?})")),
        }
    });
}

fn product(e: &mut FieldErrors, at: &str, i: ItemDto) -> Option<Product> {
    let p = |f: &'static str| LazyPath(move || format!("{at}.{f}"));
    let item_code = e.required(p("itemCode"), given(i.item_code), rules::code);
    let item_name = e.required(p("itemName"), given(i.item_name), rules::name);
    let dec = |e: &mut FieldErrors, f: &'static str, v: Option<String>, dp| {
        e.optional(p(f), given(v), number(dp))
    };
    let dimensions = Dimensions {
        length_cm: dec(e, "length", i.length, 2),
        width_cm: dec(e, "width", i.width, 2),
        height_cm: dec(e, "height", i.height, 2),
        // Qimen gives litres; we keep cm³.
        volume_cm3: dec(e, "volume", i.volume, 3).map(|l| l * rust_decimal::Decimal::from(1000)),
        gross_weight_kg: dec(e, "grossWeight", i.gross_weight, 3),
        net_weight_kg: dec(e, "netWeight", i.net_weight, 3),
    };
    let status = e
        .optional(p("isValid"), given(i.is_valid), flag)
        .map(|valid| if valid { "ENABLED" } else { "DISABLED" }.to_string());
    let product = Product {
        item_code: item_code?,
        item_name: item_name?,
        bar_code: e.optional(p("barCode"), given(i.bar_code), rules::code),
        specification: e.optional(p("skuProperty"), given(i.sku_property), rules::opt_name),
        unit: e.optional(p("stockUnit"), given(i.stock_unit), rules::opt_name),
        category: e.optional(p("categoryName"), given(i.category_name), rules::opt_name),
        brand: e.optional(p("brandName"), given(i.brand_name), rules::opt_name),
        shelf_life_days: e.optional(p("shelfLife"), given(i.shelf_life), shelf_life_days),
        batch_managed: e.optional(p("isBatchMgmt"), given(i.is_batch_mgmt), flag),
        serial_managed: e.optional(p("isSNMgmt"), given(i.is_sn_mgmt), flag),
        dimensions,
        price: e.optional(p("retailPrice"), given(i.retail_price), number(2)),
        status,
        remark: e.optional(p("remark"), given(i.remark), rules::remark),
    };
    Some(product)
}

async fn sync(
    app: &AppState,
    caller: &Caller,
    endpoint: &str,
    products: Vec<Product>,
) -> Result<Reply, Reply> {
    let codes: Vec<String> = products.iter().map(|p| p.item_code.clone()).collect();
    business_key(&codes.join(","));
    service::base_data::sync_products(
        &app.writes,
        caller.replay_key(endpoint),
        &caller.tenant(),
        &products,
    )
    .await
    .map_err(answer::from_service)?;
    let first = codes.first().cloned().unwrap_or_default();
    Ok(Reply::ok(json!({"itemId": first})))
}

pub async fn single(app: &AppState, caller: &Caller, payload: Value) -> Result<Reply, Reply> {
    let r: SingleItemSync = read(&payload)?;
    let mut e = FieldErrors::default();
    action(&mut e, r.action_type);
    let product = match r.item {
        Some(i) => product(&mut e, "item", i),
        None => {
            e.missing("item");
            None
        }
    };
    checked(e)?;
    let product = product.ok_or_else(|| Reply::fail(2001, "item: is required"))?;
    sync(app, caller, "qimen:singleitem.synchronize", vec![product]).await
}

pub async fn many(app: &AppState, caller: &Caller, payload: Value) -> Result<Reply, Reply> {
    let r: ItemsSync = read(&payload)?;
    let mut e = FieldErrors::default();
    action(&mut e, r.action_type);
    let items = r.items.unwrap_or_default();
    if let Err(m) = rules::count(&items, 1, 100) {
        e.invalid("items", m);
    }
    let mut seen = std::collections::HashSet::new();
    let mut products = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if let Some(p) = product(&mut e, &format!("items[{i}]"), item) {
            if !seen.insert(p.item_code.clone()) {
                e.invalid(
                    format!("items[{i}].itemCode"),
                    format!("{} appears twice", p.item_code),
                );
            }
            products.push(p);
        }
    }
    checked(e)?;
    let reply = sync(app, caller, "qimen:items.synchronize", products.clone()).await?;
    let list: Vec<Value> = products
        .iter()
        .map(|p| json!({"itemCode": p.item_code, "itemId": p.item_code}))
        .collect();
    Ok(reply.with(json!({"items": {"item": list}})))
}
