//! Waybills (`/order/…`): create (alone or on a new trip), find, list, modify, cancel.

use super::answer::{invalid, Answer};
use super::call::{body, int_arg, params, service_failure, Account, NumArg};
use super::per_number;
use super::states;
use super::waybill_dto::{ModifyOrderEntity, OrderEntity};
use super::waybill_view::render;
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::service::orders::Origin;
use crate::service::waybills::{self, CancelResult};
use crate::state::AppState;
use crate::store::trips::TripFields;
use crate::store::waybills::{FindBy, ListFilter, TimeField};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::Uri;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Waybills per create call.
const MAX_ORDERS: usize = 100;
/// Numbers per find_order/v2 call.
const MAX_NUMBERS: usize = 20;
/// Waybills a find by phone or customer number answers, newest first.
const FIND_LIMIT: i64 = 50;
const MAX_PAGE_SIZE: i64 = 50;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrdersDto {
    pub order_list: Option<Vec<OrderEntity>>,
    /// create_order_pack: the trip's driver.
    pub driver_phone: Option<String>,
}

fn read_orders(
    dto: CreateOrdersDto,
) -> Result<(Vec<crate::domain::order::TransportOrder>, Option<String>), Answer> {
    let mut e = FieldErrors::default();
    let list = dto.order_list.unwrap_or_default();
    if let Err(m) = rules::count(&list, 1, MAX_ORDERS) {
        e.invalid("orderList", m);
    }
    let mut seen = std::collections::HashMap::new();
    let mut orders = Vec::new();
    for (i, o) in list.into_iter().enumerate() {
        if let Some(v) = o.validate(&mut e, &format!("orderList[{i}]")) {
            if let Some(first) = seen.insert(v.order_code.clone(), i) {
                e.invalid(
                    format!("orderList[{i}].orderNumber"),
                    format!("repeats orderList[{first}].orderNumber"),
                );
            }
            orders.push(v);
        }
    }
    let phone = e.optional("driverPhone", dto.driver_phone, rules::phone);
    if e.is_empty() {
        Ok((orders, phone))
    } else {
        Err(invalid(&e))
    }
}

/// 创建订单: up to 100 waybills, all or none; answers their transport numbers in order. An
/// `orderNumber` already used with the same content answers its number again.
#[utoipa::path(post, path = "/order/create_order", tag = "tms", security(("tms_token" = [])),
    request_body = CreateOrdersDto,
    responses((status = 200, description = "{code: 200, data: [number]}"),
              (status = 400, description = "{status: 500, message} naming every invalid field, or an orderNumber used with other content"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn create(
    Account(who): Account,
    State(app): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let (orders, _) = match body(b).and_then(read_orders) {
        Ok(x) => x,
        Err(a) => return a,
    };
    let origin = Origin {
        tenant: &who.tenant(),
        client_id: who.id,
    };
    match waybills::create(&app.writes, &origin, &orders, None).await {
        Ok((made, _)) => Answer::Ok(json!(made
            .iter()
            .map(|c| c.transport_no.clone())
            .collect::<Vec<_>>())),
        Err(e) => service_failure(e),
    }
}

/// 创建车次: waybills created and put on a new trip with the driver's phone.
#[utoipa::path(post, path = "/order/create_order_pack", tag = "tms", security(("tms_token" = [])),
    request_body = CreateOrdersDto,
    responses((status = 200, description = "{code: 200, data: {numbers, ids, packNumber}}"),
              (status = 400, description = "{status: 500, message}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn create_pack(
    Account(who): Account,
    State(app): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let (orders, phone) = match body(b).and_then(read_orders) {
        Ok(x) => x,
        Err(a) => return a,
    };
    let Some(phone) = phone else {
        let mut e = FieldErrors::default();
        e.missing("driverPhone");
        return invalid(&e);
    };
    let origin = Origin {
        tenant: &who.tenant(),
        client_id: who.id,
    };
    let trip = TripFields {
        driver_phone: Some(phone),
        ..Default::default()
    };
    match waybills::create(&app.writes, &origin, &orders, Some(&trip)).await {
        Ok((made, trip)) => Answer::Ok(json!({
            "numbers": made.iter().map(|c| c.transport_no.clone()).collect::<Vec<_>>(),
            "ids": made.iter().map(|c| c.created.hx_order_no.clone()).collect::<Vec<_>>(),
            "packNumber": trip.map(|t| t.pack_number),
        })),
        Err(e) => service_failure(e),
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindOrderDto {
    /// Transport numbers, comma-separated, at most 20.
    pub order_number: Option<String>,
    /// The consigner's phone.
    pub phone_number: Option<String>,
    /// The shipper's customer number.
    pub customer_number: Option<String>,
}

/// Splits `a,b,c`; each part must be a code.
pub(super) fn numbers(
    e: &mut FieldErrors,
    path: &str,
    s: Option<String>,
    max: usize,
) -> Vec<String> {
    let Some(s) = s.filter(|s| !s.is_empty()) else {
        return Vec::new();
    };
    let parts: Vec<String> = s.split(',').map(str::to_string).collect();
    if parts.len() > max {
        e.invalid(
            path,
            format!("must name at most {max} numbers (got {})", parts.len()),
        );
    }
    parts
        .into_iter()
        .filter_map(|p| e.optional(path.to_string(), Some(p), rules::code))
        .collect()
}

/// 查询订单: by transport numbers (≤ 20), consigner phone or customer number (all given must
/// match), with the goods; `[]` when nothing matches.
#[utoipa::path(post, path = "/order/find_order/v2", tag = "tms", security(("tms_token" = [])),
    request_body = FindOrderDto,
    responses((status = 200, description = "{code: 200, data: [waybill]}"),
              (status = 400, description = "{status: 500, message}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn find(
    Account(who): Account,
    State(app): State<AppState>,
    uri: Uri,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let dto: FindOrderDto = match params(uri.query(), b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let mut e = FieldErrors::default();
    let by = FindBy {
        numbers: numbers(&mut e, "orderNumber", dto.order_number, MAX_NUMBERS),
        consigner_phone: e.optional(
            "phoneNumber",
            dto.phone_number.filter(|s| !s.is_empty()),
            rules::phone,
        ),
        customer_order_no: e.optional(
            "customerNumber",
            dto.customer_number.filter(|s| !s.is_empty()),
            rules::code,
        ),
    };
    if e.is_empty()
        && by.numbers.is_empty()
        && by.consigner_phone.is_none()
        && by.customer_order_no.is_none()
    {
        e.missing_because(
            "orderNumber",
            "orderNumber, phoneNumber or customerNumber is required",
        );
    }
    if !e.is_empty() {
        return invalid(&e);
    }
    let tenant = who.tenant();
    let root = match crate::service::tms_organizations::root_path(&app.db, &tenant).await {
        Ok(r) => r,
        Err(e) => return service_failure(e),
    };
    match waybills::find(&app.db, &tenant, &by, FIND_LIMIT).await {
        Ok(rows) => Answer::Ok(json!(rows
            .iter()
            .map(|r| render(r, tenant.as_str(), &root, true))
            .collect::<Vec<_>>())),
        Err(e) => service_failure(e),
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueryOrdersDto {
    pub page: Option<NumArg>,
    pub size: Option<NumArg>,
    /// 0 已撤销 (the default), 1 已下单, 2 已接单, 3 已装货, 4 已签收, 1000 待处理.
    pub state: Option<NumArg>,
    /// created, deliveryed, appointArrived or signed.
    pub time_type: Option<String>,
    /// yyyy-MM-dd HH:mm:ss
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub order_number: Option<String>,
    pub customer_order_number: Option<String>,
    pub pack_number: Option<String>,
    pub consigner_name: Option<String>,
    pub consigner_phone: Option<String>,
    pub consignee_name: Option<String>,
    pub consignee_phone: Option<String>,
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    pub car_number: Option<String>,
}

/// `page` (from 1) and `size` (default 10, at most 50).
pub(super) fn paging(
    e: &mut FieldErrors,
    page: Option<NumArg>,
    size: Option<NumArg>,
) -> (i64, i64) {
    let page = int_arg(e, "page", page).unwrap_or(1);
    if page < 1 {
        e.invalid("page", "must be ≥ 1");
    }
    let size = int_arg(e, "size", size).unwrap_or(10);
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        e.invalid(
            "size",
            format!("must be between 1 and {MAX_PAGE_SIZE} (got {size})"),
        );
    }
    (page, size)
}

type Range = (
    TimeField,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
);

/// `timeType` with `startDate`/`endDate` (`yyyy-MM-dd HH:mm:ss`); either end may be open.
pub(super) fn time_range(
    e: &mut FieldErrors,
    time_type: Option<String>,
    start: Option<String>,
    end: Option<String>,
) -> Option<Range> {
    let field = match time_type.as_deref().filter(|s| !s.is_empty()) {
        None | Some("created") => Some(TimeField::Created),
        Some("deliveryed") => Some(TimeField::Pickup),
        Some("appointArrived") => Some(TimeField::AppointArrive),
        Some("signed") => Some(TimeField::Signed),
        Some(other) => {
            e.invalid(
                "timeType",
                format!("must be created, deliveryed, appointArrived or signed (got {other:?})"),
            );
            None
        }
    };
    let time = |e: &mut FieldErrors, path: &str, v: Option<String>| {
        e.optional(path.to_string(), v.filter(|s| !s.is_empty()), |s| {
            crate::domain::time::parse(&s).map(|t| t.with_timezone(&chrono::Utc))
        })
    };
    let from = time(e, "startDate", start);
    let to = time(e, "endDate", end);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            e.invalid("endDate", "must not be before startDate");
        }
    }
    match (from, to) {
        (None, None) => None,
        (f, t) => field.map(|field| {
            (
                field,
                f.unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC),
                t.unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
            )
        }),
    }
}

fn filter_of(e: &mut FieldErrors, d: QueryOrdersDto) -> (ListFilter, i64, i64) {
    let (page, size) = paging(e, d.page, d.size);
    let state = int_arg(e, "state", d.state).unwrap_or(0);
    let statuses = match states::statuses_of_state(state) {
        Some(s) => s.iter().map(|x| x.to_string()).collect(),
        None => {
            e.invalid(
                "state",
                format!("must be 0, 1, 2, 3, 4 or 1000 (got {state})"),
            );
            Vec::new()
        }
    };
    let range = time_range(e, d.time_type, d.start_date, d.end_date);
    let mut text = |path: &str, v: Option<String>, phone: bool| {
        let v = v.filter(|s| !s.is_empty());
        if phone {
            e.optional(path.to_string(), v, rules::phone)
        } else {
            e.optional(path.to_string(), v, rules::name)
        }
    };
    let f = ListFilter {
        statuses,
        time: range,
        transport_no: text("orderNumber", d.order_number, false),
        customer_order_no: text("customerOrderNumber", d.customer_order_number, false),
        pack_number: text("packNumber", d.pack_number, false),
        consigner_name: text("consignerName", d.consigner_name, false),
        consigner_phone: text("consignerPhone", d.consigner_phone, true),
        consignee_name: text("consigneeName", d.consignee_name, false),
        consignee_phone: text("consigneePhone", d.consignee_phone, true),
        driver_name: text("driverName", d.driver_name, false),
        driver_phone: text("driverPhone", d.driver_phone, true),
        plate_no: text("carNumber", d.car_number, false),
    };
    (f, page, size)
}

/// 批量查询订单: one page (≤ 50) of the shipper's waybills in one state (default 0 已撤销, as
/// the seed says), newest first, without the goods list.
#[utoipa::path(post, path = "/order/query_orders", tag = "tms", security(("tms_token" = [])),
    request_body = QueryOrdersDto,
    responses((status = 200, description = "{code: 200, data: {page, size, total, elements}}"),
              (status = 400, description = "{status: 500, message}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn query(
    Account(who): Account,
    State(app): State<AppState>,
    uri: Uri,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let dto: QueryOrdersDto = match params(uri.query(), b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let mut e = FieldErrors::default();
    let (f, page, size) = filter_of(&mut e, dto);
    if !e.is_empty() {
        return invalid(&e);
    }
    let tenant = who.tenant();
    let root = match crate::service::tms_organizations::root_path(&app.db, &tenant).await {
        Ok(r) => r,
        Err(e) => return service_failure(e),
    };
    match waybills::list(&app.db, &tenant, &f, page, size).await {
        Ok((rows, total)) => Answer::Ok(json!({
            "page": page, "size": size, "total": total,
            "elements": rows.iter().map(|r| render(r, tenant.as_str(), &root, false)).collect::<Vec<_>>(),
        })),
        Err(e) => service_failure(e),
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModifyOrderDto {
    pub order_number: Option<String>,
    pub order: Option<ModifyOrderEntity>,
}

/// 修改订单: absent or null fields stay; consignees and goods lists replace (empty clears).
#[utoipa::path(post, path = "/order/modify_order", tag = "tms", security(("tms_token" = [])),
    request_body = ModifyOrderDto,
    responses((status = 200, description = "{code: 200, data: true}"),
              (status = 400, description = "{status: 500, message}: 订单号必填, 订单xxx不存在, a signed or cancelled waybill, an invalid field"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn modify(
    Account(who): Account,
    State(app): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let dto: ModifyOrderDto = match body(b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let Some(number) = dto.order_number.filter(|s| !s.is_empty()) else {
        return Answer::refused("订单号必填");
    };
    let mut e = FieldErrors::default();
    let patch = dto.order.unwrap_or_default().validate(&mut e);
    if !e.is_empty() {
        return invalid(&e);
    }
    match waybills::modify(&app.db, &who.tenant(), &number, &patch).await {
        Ok(()) => Answer::Ok(json!(true)),
        Err(e) => service_failure(e),
    }
}

/// 撤销订单: each number in 待处理, 已下单 or 已接单 is cancelled (again: fine); when some
/// cannot be, the answer names each with its reason and the ones that were cancelled.
#[utoipa::path(post, path = "/order/cancel_orders/v2", tag = "tms", security(("tms_token" = [])),
    request_body = super::per_number::NumbersDto,
    responses((status = 200, description = "{code: 200, message: null}: every number cancelled"),
              (status = 400, description = "{status: 500, message} naming each number refused and why"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn cancel(
    Account(who): Account,
    State(app): State<AppState>,
    uri: Uri,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let list = match per_number::read(uri.query(), b, 100) {
        Ok(l) => l,
        Err(a) => return a,
    };
    match waybills::cancel(&app.db, &who.tenant(), &list).await {
        Ok(results) => per_number::answer(
            results
                .into_iter()
                .map(|(n, r)| {
                    let why = match r {
                        CancelResult::NotFound => Some("订单不存在".to_string()),
                        CancelResult::TooLate(s) => {
                            let (state, wb) = states::of_status(&s, None);
                            Some(format!(
                                "状态为{}, 只有待处理、已下单、已接单的运单可以撤销 (waybill is {s})",
                                state_name(state, wb)
                            ))
                        }
                        CancelResult::Cancelled | CancelResult::AlreadyCancelled => None,
                    };
                    (n, why)
                })
                .collect(),
        ),
        Err(e) => service_failure(e),
    }
}

fn state_name(state: i32, waybill_state: Option<i32>) -> &'static str {
    match (state, waybill_state) {
        (0, _) => "已撤销",
        (1000, _) => "待处理",
        (_, Some(2)) => "已接单",
        (_, Some(3)) => "已装货",
        (_, Some(4)) => "已签收",
        _ => "已下单",
    }
}
