//! The methods of seed 001, by route: `warehouse.add` and the transfer `warehouse.getList` on
//! `/openapi`; the warehouse `warehouse.getList` and `warehouse.getDetail` on
//! `/openapi/warehouse`. The two `warehouse.getList` share a name; the route tells them apart.

mod add;
mod transfers;
mod warehouses;

use super::answer::{Answer, Part};
use super::call::Caller;
use crate::domain::rules;
use crate::state::AppState;
use rust_decimal::Decimal;

pub fn serves(part: Part, method: &str) -> bool {
    matches!(
        (part, method),
        (Part::Transfers, "warehouse.add" | "warehouse.getList")
            | (
                Part::Warehouses,
                "warehouse.getList" | "warehouse.getDetail"
            )
    )
}

/// Why a method is not served here, pointing at the other route when it is served there.
pub fn unknown(part: Part, method: &str) -> String {
    match (part, method) {
        (Part::Transfers, "warehouse.getDetail") => {
            "method warehouse.getDetail: served on /openapi/warehouse (flag, ver, type…)".into()
        }
        _ => format!(
            "method {method:?} does not exist here (this route serves {})",
            match part {
                Part::Transfers => "warehouse.add, warehouse.getList",
                Part::Warehouses => "warehouse.getList, warehouse.getDetail",
            }
        ),
    }
}

/// Whether a method only reads (and may come as GET).
pub fn is_query(method: &str) -> bool {
    method != "warehouse.add"
}

pub async fn dispatch(app: &AppState, caller: &Caller) -> Answer {
    let method = caller.method.as_str();
    let out = match (caller.part, method) {
        (Part::Transfers, "warehouse.add") => add::add(app, caller).await,
        (Part::Transfers, _) => transfers::list(app, caller).await,
        (Part::Warehouses, "warehouse.getDetail") => warehouses::detail(app, caller).await,
        (Part::Warehouses, _) => warehouses::list(app, caller).await,
    };
    out.unwrap_or_else(|a| a)
}

// ------------------------------------------------------------ text to values

/// A whole number within `min..=max`.
fn whole(min: i64, max: i64) -> impl Fn(String) -> Result<i64, String> {
    move |s| {
        let n: i64 = s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a whole number"))?;
        if n < min || n > max {
            return Err(format!("must be between {min} and {max} (got {n})"));
        }
        Ok(n)
    }
}

/// Money: a number ≥ 0 with at most 2 decimals.
fn money(s: String) -> Result<Decimal, String> {
    let x: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number"))?;
    rules::money(x)
}

/// Page number and size: `page_no` ≥ 1 (default 1); `page_size` default 50, at most
/// `max_size`, and above `clamp_to` served as `clamp_to` (seed part 2's "超过100将被限制为100").
fn paging(
    e: &mut crate::domain::validation::FieldErrors,
    caller: &Caller,
    max_size: i64,
    clamp_to: i64,
) -> (i64, i64) {
    let p = &caller.params;
    let no = e
        .optional("page_no", p.given("page_no"), whole(1, 1_000_000))
        .unwrap_or(1);
    let size = e
        .optional("page_size", p.given("page_size"), whole(1, max_size))
        .unwrap_or(50)
        .min(clamp_to);
    (no, size)
}
