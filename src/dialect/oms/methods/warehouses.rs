//! Part 2: `warehouse.getList` (the customer's warehouses, filtered and paged) and
//! `warehouse.getDetail` (one by `branch_id` or `branch_bn`).

use super::{paging, Caller};
use crate::dialect::oms::answer::{self, Answer};
use crate::domain::rules;
use crate::domain::time;
use crate::domain::validation::FieldErrors;
use crate::domain::warehouse::{Warehouse, WarehouseFilter};
use crate::service::warehouses;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// A bound of the creation range: a day (`2022-01-01`, the whole day) or a time.
fn bound(end: bool) -> impl Fn(String) -> Result<DateTime<Utc>, String> {
    move |s| {
        if let Ok(t) = time::parse(&s) {
            return Ok(t.with_timezone(&Utc));
        }
        let d = time::date(s.clone())
            .map_err(|_| format!("{s:?} is neither yyyy-MM-dd nor yyyy-MM-dd HH:mm:ss"))?;
        let (first, last) = time::day_bounds(d);
        Ok(if end { last } else { first })
    }
}

fn status(s: String) -> Result<bool, String> {
    match s.as_str() {
        "1" => Ok(true),
        "2" => Ok(false),
        _ => Err(format!("{s:?}: must be 1 (启用) or 2 (禁用)")),
    }
}

pub async fn list(app: &AppState, caller: &Caller) -> Result<Answer, Answer> {
    let p = &caller.params;
    let mut e = FieldErrors::default();
    let filter = WarehouseFilter {
        name: e.optional("branch_name", p.given("branch_name"), rules::name),
        code: e.optional("branch_bn", p.given("branch_bn"), rules::code),
        enabled: e.optional("status", p.given("status"), status),
        created_from: e.optional("start_time", p.given("start_time"), bound(false)),
        created_to: e.optional("end_time", p.given("end_time"), bound(true)),
    };
    // Seed part 2: "最大支持 1000,默认50,超过100将被限制为 100".
    let (page_no, page_size) = paging(&mut e, caller, 1000, 100);
    if let (Some(f), Some(t)) = (filter.created_from, filter.created_to) {
        if t < f {
            e.invalid("end_time", "must not be before start_time");
        }
    }
    if !e.is_empty() {
        return Err(answer::invalid(&e));
    }
    let (count, list) = warehouses::list(
        &app.db,
        &caller.tenant(),
        &filter,
        (page_no - 1) * page_size,
        page_size,
    )
    .await
    .map_err(answer::from_service)?;
    let lists: Vec<Value> = list.iter().map(summary).collect();
    Ok(Answer::ok(json!({"count": count, "lists": lists})))
}

pub async fn detail(app: &AppState, caller: &Caller) -> Result<Answer, Answer> {
    let p = &caller.params;
    let mut e = FieldErrors::default();
    let id = e.optional("branch_id", p.given("branch_id"), |s| {
        s.parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{s:?} is not a warehouse id"))
    });
    let code = e.optional("branch_bn", p.given("branch_bn"), rules::code);
    if p.given("branch_id").is_none() && p.given("branch_bn").is_none() {
        e.missing_because("branch_id", "branch_id or branch_bn is required");
    }
    if !e.is_empty() {
        return Err(answer::invalid(&e));
    }
    let w = warehouses::get(&app.db, &caller.tenant(), id, code.as_deref())
        .await
        .map_err(answer::from_service)?;
    let mut v = summary(&w);
    let text = |s: &Option<String>| Value::String(s.clone().unwrap_or_default());
    if let Some(m) = v.as_object_mut() {
        m.insert("contact_person".into(), text(&w.contact_person));
        m.insert("contact_phone".into(), text(&w.contact_phone));
        m.insert("country".into(), text(&w.country));
        m.insert("province".into(), text(&w.province));
        m.insert("city".into(), text(&w.city));
        m.insert("district".into(), text(&w.district));
        m.insert("address".into(), text(&address(&w)));
        m.insert("zip".into(), text(&w.zip));
        m.insert("update_time".into(), time::format(w.updated_at).into());
    }
    Ok(Answer::ok(v))
}

/// The street (街道) and the detailed address, as one line.
fn address(w: &Warehouse) -> Option<String> {
    match (&w.street, &w.address) {
        (Some(s), Some(a)) if !a.starts_with(s.as_str()) => Some(format!("{s}{a}")),
        (_, Some(a)) => Some(a.clone()),
        (s, None) => s.clone(),
    }
}

fn summary(w: &Warehouse) -> Value {
    json!({
        "branch_id": w.id.to_string(),
        "branch_bn": w.code,
        "branch_name": w.name,
        "short_name": w.short_name.clone().unwrap_or_default(),
        "create_time": time::format(w.created_at),
        "status": if w.enabled { "1" } else { "2" },
        "status_text": if w.enabled { "启用" } else { "禁用" },
    })
}
