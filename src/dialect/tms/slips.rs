//! Acceptance slips (`/customer_order/…`): create, update (a whole replacement), query,
//! cancel, unbind trackers.

use super::answer::{invalid, Answer};
use super::call::{body, int_arg, params, service_failure, Account, NumArg};
use super::per_number;
use super::slip_dto::CustomerOrderEntity;
use super::slip_view::render;
use super::waybills::{paging, time_range};
use crate::domain::rules;
use crate::domain::slip::SlipState;
use crate::domain::validation::FieldErrors;
use crate::service::orders::Origin;
use crate::service::slips::{self, SlipCancel};
use crate::state::AppState;
use crate::store::slips::SlipFilter;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::Uri;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Slips per create call.
const MAX_SLIPS: usize = 50;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CreateSlipsDto {
    pub orders: Option<Vec<CustomerOrderEntity>>,
}

/// 创建受理单: up to 50, all or none; `data` = their numbers. An `originalOrderNumber` already
/// used with the same content answers that slip's number; with other content it is refused.
#[utoipa::path(post, path = "/customer_order/create_customer_order", tag = "tms", security(("tms_token" = [])),
    request_body = CreateSlipsDto,
    responses((status = 200, description = "{code: 200, data: [number]}"),
              (status = 400, description = "{status: 500, message} naming every invalid field"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn create(
    Account(who): Account,
    State(app): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let dto: CreateSlipsDto = match body(b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let mut e = FieldErrors::default();
    let list = dto.orders.unwrap_or_default();
    if let Err(m) = rules::count(&list, 1, MAX_SLIPS) {
        e.invalid("orders", m);
    }
    let slips: Vec<_> = list
        .into_iter()
        .enumerate()
        .filter_map(|(i, o)| o.validate(&mut e, &format!("orders[{i}]")))
        .collect();
    if !e.is_empty() {
        return invalid(&e);
    }
    let origin = Origin {
        tenant: &who.tenant(),
        client_id: who.id,
    };
    match slips::create(&app.db, &origin, &slips).await {
        Ok(numbers) => Answer::Ok(json!(numbers)),
        Err(e) => service_failure(e),
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct UpdateSlipDto {
    pub number: Option<String>,
    pub order: Option<CustomerOrderEntity>,
}

/// 更新受理单: the slip becomes what is sent (absent values are cleared); its open segments
/// follow. `data: null`.
#[utoipa::path(post, path = "/customer_order/update_customer_order", tag = "tms", security(("tms_token" = [])),
    request_body = UpdateSlipDto,
    responses((status = 200, description = "{code: 200, data: null}"),
              (status = 400, description = "{status: 500, message}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn update(
    Account(who): Account,
    State(app): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let dto: UpdateSlipDto = match body(b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let mut e = FieldErrors::default();
    let number = e.required("number", dto.number, rules::code);
    let input = match dto.order {
        None => {
            e.missing("order");
            None
        }
        Some(o) => o.validate(&mut e, "order"),
    };
    let (Some(number), Some(input)) = (number, input) else {
        return invalid(&e);
    };
    if !e.is_empty() {
        return invalid(&e);
    }
    match slips::update(&app.db, &who.tenant(), &number, &input).await {
        Ok(()) => Answer::Ok(serde_json::Value::Null),
        Err(e) => service_failure(e),
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuerySlipsDto {
    pub page: Option<NumArg>,
    pub size: Option<NumArg>,
    /// 0 已撤销, 1000 待处理, 2000 进行中, 3000 已完成; absent: all.
    pub state: Option<NumArg>,
    pub number: Option<String>,
    pub original_order_number: Option<String>,
    pub time_type: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub device_number: Option<String>,
    pub consigner_name: Option<String>,
    pub consigner_phone: Option<String>,
    pub consigner_address: Option<String>,
    pub consignee_name: Option<String>,
    pub consignee_phone: Option<String>,
    pub consignee_address: Option<String>,
    /// A list; in the GET form `organizationPaths=0,0-11` or the key repeated.
    pub organization_paths: Option<super::call::TextList>,
}

/// 批量查询受理单: one page (≤ 50), newest first, `{page, size, total, elements: [{order,
/// cargoes}]}`.
#[utoipa::path(post, path = "/customer_order/query_customer_orders", tag = "tms", security(("tms_token" = [])),
    request_body = QuerySlipsDto,
    responses((status = 200, description = "{code: 200, data: {page, size, total, elements}}"),
              (status = 400, description = "{status: 500, message}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn query(
    Account(who): Account,
    State(app): State<AppState>,
    uri: Uri,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let d: QuerySlipsDto = match params(uri.query(), b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let mut e = FieldErrors::default();
    let (page, size) = paging(&mut e, d.page, d.size);
    let state = int_arg(&mut e, "state", d.state).and_then(|s| {
        let found = SlipState::ALL
            .into_iter()
            .find(|x| i64::from(x.code()) == s);
        if found.is_none() {
            e.invalid("state", format!("must be 0, 1000, 2000 or 3000 (got {s})"));
        }
        found
    });
    let time = time_range(&mut e, d.time_type, d.start_date, d.end_date);
    let mut text = |path: &str, v: Option<String>| {
        e.optional(path.to_string(), v.filter(|s| !s.is_empty()), rules::name)
    };
    let mut f = SlipFilter {
        state: state.map(|s| s.as_str().to_string()),
        number: text("number", d.number),
        original_order_no: text("originalOrderNumber", d.original_order_number),
        time,
        device_number: text("deviceNumber", d.device_number),
        consigner_name: text("consignerName", d.consigner_name),
        consigner_phone: text("consignerPhone", d.consigner_phone),
        consigner_address: text("consignerAddress", d.consigner_address),
        consignee_name: text("consigneeName", d.consignee_name),
        consignee_phone: text("consigneePhone", d.consignee_phone),
        consignee_address: text("consigneeAddress", d.consignee_address),
        organization_paths: Vec::new(),
    };
    for (i, p) in d
        .organization_paths
        .map(super::call::TextList::into_vec)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        if let Some(p) = e.optional(format!("organizationPaths[{i}]"), Some(p), rules::code) {
            f.organization_paths.push(p);
        }
    }
    if !e.is_empty() {
        return invalid(&e);
    }
    match slips::list(&app.db, &who.tenant(), &f, page, size).await {
        Ok((rows, total)) => Answer::Ok(json!({
            "page": page, "size": size, "total": total,
            "elements": rows.iter().map(render).collect::<Vec<_>>(),
        })),
        Err(e) => service_failure(e),
    }
}

/// 撤销受理单: a slip none of whose segments is loaded is cancelled (with its open segments);
/// others are refused per number, as waybill cancels are.
#[utoipa::path(post, path = "/customer_order/cancel_customer_orders", tag = "tms", security(("tms_token" = [])),
    request_body = super::per_number::NumbersDto,
    responses((status = 200, description = "{code: 200, message: null}"),
              (status = 400, description = "{status: 500, message} naming each number refused and why"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn cancel(
    Account(who): Account,
    State(app): State<AppState>,
    uri: Uri,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let list = match per_number::read(uri.query(), b, MAX_SLIPS) {
        Ok(l) => l,
        Err(a) => return a,
    };
    match slips::cancel(&app.db, &who.tenant(), &list).await {
        Ok(results) => per_number::answer(
            results
                .into_iter()
                .map(|(n, r)| {
                    let why = match r {
                        SlipCancel::NotFound => Some("受理单不存在".to_string()),
                        SlipCancel::Refused(why) => Some(format!("{why},不能撤销")),
                        SlipCancel::Cancelled => None,
                    };
                    (n, why)
                })
                .collect(),
        ),
        Err(e) => service_failure(e),
    }
}

/// A list, or (from a query string) its members comma-separated.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ListArg {
    List(Vec<String>),
    Text(String),
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct UnbindDto {
    /// Slip numbers.
    pub orders: Option<ListArg>,
}

/// 批量解绑受理单设备: all or none; `data: {}`.
#[utoipa::path(post, path = "/customer_order/batch_unbind_devices", tag = "tms", security(("tms_token" = [])),
    request_body = UnbindDto,
    responses((status = 200, description = "{code: 200, data: {}}"),
              (status = 400, description = "{status: 500, message}: 受理单…未绑定设备! / 受理单不存在!"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn unbind(
    Account(who): Account,
    State(app): State<AppState>,
    uri: Uri,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let dto: UnbindDto = match params(uri.query(), b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let mut e = FieldErrors::default();
    let list = match dto.orders {
        None => Vec::new(),
        Some(ListArg::List(v)) => v,
        Some(ListArg::Text(s)) => s.split(',').map(str::to_string).collect(),
    };
    if let Err(m) = rules::count(&list, 1, MAX_SLIPS) {
        e.invalid("orders", m);
    }
    let list: Vec<String> = list
        .into_iter()
        .enumerate()
        .filter_map(|(i, n)| e.optional(format!("orders[{i}]"), Some(n), rules::code))
        .collect();
    if !e.is_empty() {
        return invalid(&e);
    }
    match slips::unbind(&app.db, &who.tenant(), &list).await {
        Ok(()) => Answer::Ok(json!({})),
        Err(
            crate::service::ServiceError::NotFound(m)
            | crate::service::ServiceError::WrongStatus(m),
        ) => Answer::refused(m),
        Err(e) => service_failure(e),
    }
}
