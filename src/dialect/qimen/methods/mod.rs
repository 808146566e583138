//! The Qimen methods served, each on the existing use case, and the checks their text needs.

mod adjust;
mod items;
mod orders;
mod queries;

use super::answer::{self, Answer, Reply};
use super::call::Caller;
use crate::context;
use crate::domain::hygiene;
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::http::json_input;
use crate::state::AppState;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Runs `method` (without the `taobao.qimen.` prefix).
pub async fn dispatch(app: &AppState, caller: &Caller, method: &str, payload: Value) -> Answer {
    let reply = match method {
        "singleitem.synchronize" => items::single(app, caller, payload).await,
        "items.synchronize" => items::many(app, caller, payload).await,
        "entryorder.create" => orders::entry(app, caller, payload).await,
        "returnorder.create" => orders::return_order(app, caller, payload).await,
        "deliveryorder.create" => orders::delivery(app, caller, payload).await,
        "stockout.create" => orders::stockout(app, caller, payload).await,
        "order.cancel" => orders::cancel(app, caller, payload).await,
        "inventory.query" => queries::inventory(app, caller, payload).await,
        "entryorder.query" => queries::entry(app, caller, payload).await,
        "deliveryorder.query" => queries::delivery(app, caller, payload).await,
        "inventory.synchronize" => adjust::synchronize(app, caller, payload).await,
        other => {
            return Answer::refused(
                2003,
                "Invalid method",
                format!("method {other:?} is not served by this warehouse (see /docs)"),
            )
        }
    };
    Answer::Reply(reply.unwrap_or_else(|r| r))
}

/// Reads the payload as `T`: every type error, then the text hygiene check, by XML path.
fn read<T: DeserializeOwned + Serialize>(payload: &Value) -> Result<T, Reply> {
    let t: T = json_input::read_value(payload, "").map_err(|e| answer::invalid(&e))?;
    let bad = hygiene::check(&t, "");
    if !bad.is_empty() {
        return Err(answer::invalid(&bad));
    }
    Ok(t)
}

/// Field errors as a failure, or `Ok` when there are none.
fn checked(e: FieldErrors) -> Result<(), Reply> {
    if e.is_empty() {
        Ok(())
    } else {
        Err(answer::invalid(&e))
    }
}

fn business_key(key: &str) {
    context::set_business_key(key.to_string());
}

// ------------------------------------------------------------ text to values

/// A quantity: a whole number > 0.
fn qty(s: String) -> Result<i64, String> {
    s.trim()
        .parse::<i64>()
        .map_err(|_| format!("{s:?} is not a whole number"))
        .and_then(|n| {
            if n > 0 && n <= 1_000_000_000 {
                Ok(n)
            } else {
                Err(format!("must be a positive whole number (got {n})"))
            }
        })
}

/// A signed quantity, not zero.
fn signed_qty(s: String) -> Result<i64, String> {
    s.trim()
        .parse::<i64>()
        .map_err(|_| format!("{s:?} is not a whole number"))
        .and_then(|n| {
            if n != 0 && n.abs() <= 1_000_000_000 {
                Ok(n)
            } else {
                Err("must be a non-zero whole number".into())
            }
        })
}

/// A number with at most `dp` decimals.
fn number(dp: u32) -> impl Fn(String) -> Result<Decimal, String> {
    move |s| {
        let x: f64 = s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a number"))?;
        rules::decimal(x, dp)
    }
}

use crate::domain::time::{date, time};

/// Y/N (also true/false, 1/0).
fn flag(s: String) -> Result<bool, String> {
    match s.trim().to_ascii_uppercase().as_str() {
        "Y" | "TRUE" | "1" => Ok(true),
        "N" | "FALSE" | "0" => Ok(false),
        _ => Err(format!("must be Y or N (got {s:?})")),
    }
}

/// An empty element counts as absent (XML writers emit `<remark/>`).
fn given(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}
