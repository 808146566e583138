//! Dispatch of 3TMS waybills: trips (assign, update, delete, reassign a waybill), exception
//! reports and print events. Each tells the shipper's subscribers.

use super::auth::Operator;
use super::body::{code_path, customer_path, OpsJson};
use crate::dialect::hongxun::error::ApiError;
use crate::dialect::hongxun::response::ApiOk;
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::domain::waybill::ExceptionReport;
use crate::service::trips;
use crate::state::AppState;
use crate::store::trips::{TripFields, TripRow};
use axum::extract::{DefaultBodyLimit, Path, State};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router(image_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(
            OpenApiRouter::new()
                .routes(routes!(receipt_photos))
                .layer(DefaultBodyLimit::max(image_body_limit)),
        )
        .routes(routes!(assign))
        .routes(routes!(update, delete))
        .routes(routes!(reassign))
        .routes(routes!(exception))
        .routes(routes!(printed))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct TripDto {
    /// Transport numbers: assign puts them on the new trip; update adds them.
    pub waybills: Option<Vec<String>>,
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    pub plate_no: Option<String>,
    /// 车队
    pub fleet: Option<String>,
    /// The carrier whose route pushes move the waybills (`/dtc/carrier/route` with the
    /// transport number as waybillNo); any carrier when absent.
    pub carrier_code: Option<String>,
    pub remark: Option<String>,
}

fn fields(e: &mut FieldErrors, d: &TripDto) -> TripFields {
    TripFields {
        driver_name: e.optional("driverName", d.driver_name.clone(), rules::name),
        driver_phone: e.optional("driverPhone", d.driver_phone.clone(), rules::phone),
        plate_no: e.optional("plateNo", d.plate_no.clone(), rules::code),
        fleet: e.optional("fleet", d.fleet.clone(), rules::name),
        carrier_code: e.optional("carrierCode", d.carrier_code.clone(), rules::code),
        remark: e.optional("remark", d.remark.clone(), rules::remark),
    }
}

fn numbers(e: &mut FieldErrors, path: &str, v: Option<Vec<String>>, min: usize) -> Vec<String> {
    let v = v.unwrap_or_default();
    if let Err(m) = rules::count(&v, min, 500) {
        e.invalid(path, m);
    }
    v.into_iter()
        .enumerate()
        .filter_map(|(i, n)| e.optional(format!("{path}[{i}]"), Some(n), rules::code))
        .collect()
}

fn trip_json(t: &TripRow) -> serde_json::Value {
    json!({"packNumber": t.pack_number, "driverName": t.driver_name, "driverPhone": t.driver_phone,
           "plateNo": t.plate_no, "fleet": t.fleet, "carrierCode": t.carrier_code, "remark": t.remark})
}

/// Assigns waybills to a new trip; those still at 已下单 are accepted (CONFIRMED, their
/// transport number linked as the carrier waybill). Subscribers hear 40000 (and 2, 210).
#[utoipa::path(post, path = "/ops/v1/customers/{customer}/trips", tag = "ops", security(("ops_token" = [])),
    params(("customer" = String, Path, description = "the customer (createBy)")),
    request_body = TripDto,
    responses((status = 200, description = "value: the trip with its packNumber", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn assign(
    op: Operator,
    State(app): State<AppState>,
    Path(c): Path<String>,
    OpsJson { body, call }: OpsJson<TripDto>,
) -> Result<ApiOk, ApiError> {
    let t = customer_path(c)?;
    let mut e = FieldErrors::default();
    let f = fields(&mut e, &body);
    let list = numbers(&mut e, "waybills", body.waybills, 1);
    e.into_result(Some(()))?;
    let trip = trips::assign(&app.db, call.replay_key(&op), &t, &list, &f).await?;
    Ok(ApiOk::new("success", Some(trip_json(&trip))))
}

/// Changes a trip's driver, vehicle or fleet (given fields replace) and adds waybills.
/// Subscribers hear 40001.
#[utoipa::path(put, path = "/ops/v1/customers/{customer}/trips/{packNumber}", tag = "ops", security(("ops_token" = [])),
    params(("customer" = String, Path, description = "the customer (createBy)"),
           ("packNumber" = String, Path, description = "the trip")),
    request_body = TripDto,
    responses((status = 200, description = "value: the trip", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn update(
    op: Operator,
    State(app): State<AppState>,
    Path((c, pack)): Path<(String, String)>,
    OpsJson { body, call }: OpsJson<TripDto>,
) -> Result<ApiOk, ApiError> {
    let t = customer_path(c)?;
    let pack = code_path("packNumber", pack)?;
    let mut e = FieldErrors::default();
    let f = fields(&mut e, &body);
    let add = numbers(&mut e, "waybills", body.waybills, 0);
    e.into_result(Some(()))?;
    let trip = trips::update(&app.db, call.replay_key(&op), &t, &pack, &f, &add).await?;
    Ok(ApiOk::new("success", Some(trip_json(&trip))))
}

/// Deletes a trip; its waybills are released. Subscribers hear 19000.
#[utoipa::path(delete, path = "/ops/v1/customers/{customer}/trips/{packNumber}", tag = "ops", security(("ops_token" = [])),
    params(("customer" = String, Path, description = "the customer (createBy)"),
           ("packNumber" = String, Path, description = "the trip")),
    responses((status = 200, description = "value: {packNumber, deleted: true}", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn delete(
    op: Operator,
    State(app): State<AppState>,
    Path((c, pack)): Path<(String, String)>,
    OpsJson { call, .. }: OpsJson<super::body::NoBody>,
) -> Result<ApiOk, ApiError> {
    let t = customer_path(c)?;
    let pack = code_path("packNumber", pack)?;
    trips::delete(&app.db, call.replay_key(&op), &t, &pack).await?;
    Ok(ApiOk::new(
        "success",
        Some(json!({"packNumber": pack, "deleted": true})),
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReassignDto {
    pub transport_no: Option<String>,
}

/// Moves a waybill onto this trip (重新指派): subscribers hear 210 and 40001 for both trips.
#[utoipa::path(post, path = "/ops/v1/customers/{customer}/trips/{packNumber}/waybills", tag = "ops", security(("ops_token" = [])),
    params(("customer" = String, Path, description = "the customer (createBy)"),
           ("packNumber" = String, Path, description = "the trip it goes to")),
    request_body = ReassignDto,
    responses((status = 200, description = "value: the trip", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn reassign(
    op: Operator,
    State(app): State<AppState>,
    Path((c, pack)): Path<(String, String)>,
    OpsJson { body, call }: OpsJson<ReassignDto>,
) -> Result<ApiOk, ApiError> {
    let t = customer_path(c)?;
    let pack = code_path("packNumber", pack)?;
    let mut e = FieldErrors::default();
    let n = e.required("transportNo", body.transport_no, rules::code);
    let n = e.into_result(n)?;
    let trip = trips::update(
        &app.db,
        call.replay_key(&op),
        &t,
        &pack,
        &TripFields::default(),
        &[n],
    )
    .await?;
    Ok(ApiOk::new("success", Some(trip_json(&trip))))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExceptionDto {
    /// 装货异常, 在途异常 or 签收异常.
    #[serde(rename = "type")]
    pub stage: Option<String>,
    /// 异常类型:简述
    pub profile: Option<String>,
    /// 异常内容:详细描述
    pub info: Option<String>,
    /// 1 人工创建, 2 司机上报, 3 系统自动.
    pub source: Option<i64>,
    pub image_urls: Option<Vec<String>>,
    pub address: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

/// Records an exception report on a waybill: subscribers hear 8002 with it.
#[utoipa::path(post, path = "/ops/v1/customers/{customer}/waybills/{transportNo}/exceptions", tag = "ops", security(("ops_token" = [])),
    params(("customer" = String, Path, description = "the customer (createBy)"),
           ("transportNo" = String, Path, description = "the waybill's transport number")),
    request_body = ExceptionDto,
    responses((status = 200, description = "value: {transportNo, recorded: true}", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn exception(
    op: Operator,
    State(app): State<AppState>,
    Path((c, n)): Path<(String, String)>,
    OpsJson { body, call }: OpsJson<ExceptionDto>,
) -> Result<ApiOk, ApiError> {
    let t = customer_path(c)?;
    let n = code_path("transportNo", n)?;
    let mut e = FieldErrors::default();
    let stage = e.required(
        "type",
        body.stage,
        rules::one_of(&["装货异常", "在途异常", "签收异常"]),
    );
    let profile = e.required("profile", body.profile, rules::name);
    let info = e.required("info", body.info, rules::remark);
    let source = e.optional("source", body.source, rules::int_range(1, 3));
    let urls = body.image_urls.unwrap_or_default();
    if let Err(m) = rules::count(&urls, 0, 20) {
        e.invalid("imageUrls", m);
    }
    for (i, u) in urls.iter().enumerate() {
        if let Err(x) = crate::service::subscriptions::check_url(&format!("imageUrls[{i}]"), u) {
            e.extend(x);
        }
    }
    let address = e.optional("address", body.address, rules::opt_name);
    let report = stage
        .zip(profile)
        .zip(info)
        .map(|((stage, profile), info)| ExceptionReport {
            stage,
            profile,
            info,
            source: source.unwrap_or(1) as i16,
            image_urls: urls,
            address,
            lng: body.lng.filter(|x| x.is_finite() && x.abs() <= 180.0),
            lat: body.lat.filter(|x| x.is_finite() && x.abs() <= 90.0),
        });
    let report = e.into_result(report)?;
    trips::report_exception(&app.db, call.replay_key(&op), &t, &n, &report).await?;
    Ok(ApiOk::new(
        "success",
        Some(json!({"transportNo": n, "recorded": true})),
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrintDto {
    pub transport_nos: Option<Vec<String>>,
    /// Labels (标签打印, 8001) rather than waybills (运单打印, 8000).
    pub labels: Option<bool>,
}

/// Records that waybills (or their labels) were printed: subscribers hear 8000 or 8001.
#[utoipa::path(post, path = "/ops/v1/customers/{customer}/waybills/prints", tag = "ops", security(("ops_token" = [])),
    params(("customer" = String, Path, description = "the customer (createBy)")),
    request_body = PrintDto,
    responses((status = 200, description = "value: {printed: n}", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn printed(
    op: Operator,
    State(app): State<AppState>,
    Path(c): Path<String>,
    OpsJson { body, call }: OpsJson<PrintDto>,
) -> Result<ApiOk, ApiError> {
    let t = customer_path(c)?;
    let mut e = FieldErrors::default();
    let list = numbers(&mut e, "transportNos", body.transport_nos, 1);
    e.into_result(Some(()))?;
    trips::printed(
        &app.db,
        call.replay_key(&op),
        &t,
        &list,
        body.labels.unwrap_or(false),
    )
    .await?;
    Ok(ApiOk::new("success", Some(json!({"printed": list.len()}))))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ReceiptPhotosDto {
    /// 1–5 JPEG/PNG images, each ≤ 2 MiB (body limit `server.image_body_limit_bytes`).
    pub images: Option<Vec<crate::dialect::hongxun::carrier::ImageDto>>,
}

/// Records receipt photos (回单照片) of a waybill. They are the `receiptUrls` of its 已签收
/// callback; photos of a waybill signed already send that callback again with them.
#[utoipa::path(post, path = "/ops/v1/customers/{customer}/waybills/{transportNo}/receipt-photos", tag = "ops", security(("ops_token" = [])),
    params(("customer" = String, Path, description = "the customer (createBy)"),
           ("transportNo" = String, Path, description = "the waybill's transport number")),
    request_body = ReceiptPhotosDto,
    responses((status = 200, description = "value: {transportNo, images: [{imageId, sha256, duplicate}]}", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn receipt_photos(
    op: Operator,
    State(app): State<AppState>,
    Path((c, n)): Path<(String, String)>,
    OpsJson { body, call }: OpsJson<ReceiptPhotosDto>,
) -> Result<ApiOk, ApiError> {
    let t = customer_path(c)?;
    let n = code_path("transportNo", n)?;
    let mut e = FieldErrors::default();
    let list = body.images.unwrap_or_default();
    if let Err(m) = rules::count(&list, 1, 5) {
        e.invalid("images", m);
    }
    let images: Vec<_> = list
        .into_iter()
        .enumerate()
        .filter_map(|(i, d)| {
            crate::dialect::hongxun::carrier::decode_image(&mut e, &format!("images[{i}]"), d)
        })
        .collect();
    e.into_result(Some(()))?;
    let stored = trips::receipt_photos(&app.db, call.replay_key(&op), &t, &n, &images).await?;
    Ok(ApiOk::new(
        "success",
        Some(
            json!({"transportNo": n, "images": stored.iter().map(|(id, sha, dup)| json!({
            "imageId": id, "sha256": sha, "duplicate": dup})).collect::<Vec<_>>()}),
        ),
    ))
}
