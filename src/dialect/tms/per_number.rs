//! The calls that take `numbers: "a,b,c"` and act on each (cancel waybills, cancel slips):
//! reading the list, and the one answer for all of them (success only when every number was
//! done; otherwise the seed's failure naming each refusal and what was done).

use super::answer::{invalid, Answer};
use super::call::params;
use super::waybills::numbers;
use crate::domain::validation::FieldErrors;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NumbersDto {
    /// Numbers, comma-separated.
    pub numbers: Option<String>,
}

/// The numbers of the call (body or query string), at most `max`.
pub fn read(
    query: Option<&str>,
    b: Result<Bytes, BytesRejection>,
    max: usize,
) -> Result<Vec<String>, Answer> {
    let dto: NumbersDto = params(query, b)?;
    let mut e = FieldErrors::default();
    let list = numbers(&mut e, "numbers", dto.numbers, max);
    if list.is_empty() && e.is_empty() {
        e.missing("numbers");
    }
    if e.is_empty() {
        Ok(list)
    } else {
        Err(invalid(&e))
    }
}

/// Each number with why it was refused (`None`: done).
pub fn answer(results: Vec<(String, Option<String>)>) -> Answer {
    let refused: Vec<String> = results
        .iter()
        .filter_map(|(n, why)| why.as_ref().map(|w| format!("{n}: {w}")))
        .collect();
    if refused.is_empty() {
        return Answer::Done(None);
    }
    let done: Vec<&str> = results
        .iter()
        .filter(|(_, why)| why.is_none())
        .map(|(n, _)| n.as_str())
        .collect();
    let mut message = format!("撤销失败: {}", refused.join("; "));
    if !done.is_empty() {
        message.push_str(&format!("; 已撤销: {}", done.join(",")));
    }
    Answer::refused(message)
}
