//! `/cargo/add`, `/cargo/update` and `/cargo/remove` (deprecated in the seed, still served;
//! `/cargo/modify` and `/cargo/delete` are the same calls): goods of a waybill by cargo number.

use super::answer::{invalid, Answer};
use super::call::{body, num_arg, service_failure, Account, NumArg};
use super::waybill_dto::{cargo, CargoDto};
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::service::waybills;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CargoCallDto {
    /// add: the waybill's transport number, customer number or wms number (orderNumber).
    pub order_number: Option<String>,
    pub cargo_number: Option<String>,
    pub weight: Option<NumArg>,
    pub volume: Option<NumArg>,
    pub quantity: Option<NumArg>,
    pub value: Option<NumArg>,
    pub name: Option<String>,
    pub product_model: Option<String>,
}

/// The goods of the call; the name is required when adding.
fn goods(
    e: &mut FieldErrors,
    d: CargoCallDto,
    adding: bool,
) -> Option<crate::domain::order::Cargo> {
    let dto = CargoDto {
        name: d.name,
        quantity: num_arg(e, "quantity", d.quantity),
        value: num_arg(e, "value", d.value),
        volume: num_arg(e, "volume", d.volume),
        weight: num_arg(e, "weight", d.weight),
        product_model: d.product_model,
        ..Default::default()
    };
    let mut c = cargo(e, &"", dto, adding)?;
    c.cargo_no = d.cargo_number;
    Some(c)
}

fn cargo_number(e: &mut FieldErrors, v: Option<String>) -> Option<String> {
    e.required("cargoNumber", v, rules::code)
}

/// 追加订单货物.
#[utoipa::path(post, path = "/cargo/add", tag = "tms", security(("tms_token" = [])),
    request_body = CargoCallDto,
    responses((status = 200, description = "{code: 200, message: null}"),
              (status = 400, description = "{status: 500, message}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn add(
    Account(who): Account,
    State(app): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let d: CargoCallDto = match body(b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let mut e = FieldErrors::default();
    let number = e.required("orderNumber", d.order_number.clone(), rules::code);
    let no = cargo_number(&mut e, d.cargo_number.clone());
    let c = goods(&mut e, d, true);
    let (Some(number), Some(_), Some(c)) = (number, no, c) else {
        return invalid(&e);
    };
    if !e.is_empty() {
        return invalid(&e);
    }
    match waybills::add_cargo(&app.db, &who.tenant(), &number, &c).await {
        Ok(()) => Answer::Done(None),
        Err(e) => service_failure(e),
    }
}

/// 修改订单货物: the given values replace.
#[utoipa::path(post, path = "/cargo/update", tag = "tms", security(("tms_token" = [])),
    request_body = CargoCallDto,
    responses((status = 200, description = "{code: 200, message: null}"),
              (status = 400, description = "{status: 500, message}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn update(
    Account(who): Account,
    State(app): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let d: CargoCallDto = match body(b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let mut e = FieldErrors::default();
    let no = cargo_number(&mut e, d.cargo_number.clone());
    let c = goods(&mut e, d, false);
    let (Some(no), Some(c)) = (no, c) else {
        return invalid(&e);
    };
    if !e.is_empty() {
        return invalid(&e);
    }
    match waybills::change_cargo(&app.db, &who.tenant(), &no, Some(&c)).await {
        Ok(()) => Answer::Done(None),
        Err(e) => service_failure(e),
    }
}

/// 删除订单货物: `{code: 200, message: "true"}` as the seed shows.
#[utoipa::path(post, path = "/cargo/remove", tag = "tms", security(("tms_token" = [])),
    request_body = CargoCallDto,
    responses((status = 200, description = "{code: 200, message: \"true\"}"),
              (status = 400, description = "{status: 500, message}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn remove(
    Account(who): Account,
    State(app): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let d: CargoCallDto = match body(b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let mut e = FieldErrors::default();
    let Some(no) = cargo_number(&mut e, d.cargo_number) else {
        return invalid(&e);
    };
    match waybills::change_cargo(&app.db, &who.tenant(), &no, None).await {
        Ok(()) => Answer::Done(Some("true".into())),
        Err(e) => service_failure(e),
    }
}
