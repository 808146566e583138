//! `/customer/add_customers`: the shipper's address book, upserted by phone within a type.

use super::answer::{invalid, Answer};
use super::call::{body, service_failure, Account};
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use crate::service::tms_customers;
use crate::state::AppState;
use crate::store::tms::CustomerEntry;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDto {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// 1 发货人, 2 收货人
    #[serde(rename = "type")]
    pub kind: Option<i64>,
    /// 1 现付 … 9 到付月结
    pub payment_type: Option<i64>,
    pub remark1: Option<String>,
    pub remark2: Option<String>,
    pub remark3: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AddCustomersDto {
    pub customers: Option<Vec<CustomerDto>>,
}

/// 添加客户: consigners (type 1) and consignees (type 2); an existing phone of the same type is
/// updated. All or nothing. `data: true`.
#[utoipa::path(post, path = "/customer/add_customers", tag = "tms", security(("tms_token" = [])),
    request_body = AddCustomersDto,
    responses((status = 200, description = "{code: 200, data: true}"),
              (status = 400, description = "{status: 500, message} naming every invalid field"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn add(
    Account(who): Account,
    State(app): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let dto: AddCustomersDto = match body(b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let mut e = FieldErrors::default();
    let list = dto.customers.unwrap_or_default();
    if let Err(m) = rules::count(&list, 1, 100) {
        e.invalid("customers", m);
    }
    let mut entries = Vec::new();
    for (i, c) in list.into_iter().enumerate() {
        let p = |f: &'static str| LazyPath(move || format!("customers[{i}].{f}"));
        let name = e.required(p("name"), c.name, rules::name);
        let phone = e.required(p("phone"), c.phone, rules::phone);
        let address = e.required(p("address"), c.address, rules::name);
        let kind = e.required(p("type"), c.kind, rules::int_range(1, 2));
        let pay = e.required(p("paymentType"), c.payment_type, rules::int_range(1, 9));
        let remark1 = e.optional(p("remark1"), c.remark1, rules::remark);
        let remark2 = e.optional(p("remark2"), c.remark2, rules::remark);
        let remark3 = e.optional(p("remark3"), c.remark3, rules::remark);
        if let (Some(name), Some(phone), Some(address), Some(kind), Some(pay)) =
            (name, phone, address, kind, pay)
        {
            entries.push(CustomerEntry {
                kind: kind as i16,
                phone,
                name,
                address,
                payment_type: pay as i16,
                remark1,
                remark2,
                remark3,
            });
        }
    }
    if !e.is_empty() {
        return invalid(&e);
    }
    match tms_customers::add(&app.db, &who.tenant(), &entries).await {
        Ok(_) => Answer::Ok(json!(true)),
        Err(e) => service_failure(e),
    }
}
