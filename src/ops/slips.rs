//! Dispatch of 3TMS acceptance slips: split a slip into waybill segments; trackers' position
//! reports for the slips they are bound to.

use super::auth::Operator;
use super::body::{code_path, customer_path, OpsJson};
use crate::dialect::hongxun::error::ApiError;
use crate::dialect::hongxun::response::ApiOk;
use crate::domain::order::Address;
use crate::domain::rules;
use crate::domain::slip::GpsPoint;
use crate::domain::validation::FieldErrors;
use crate::service::slips::{self, SegmentPlan};
use crate::state::AppState;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(split))
        .routes(routes!(gps))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct LegEndDto {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub address: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SegmentDto {
    /// 0 提货, 1 中转, 2 直送, 3 外转直送, 4 外转中继, 5 提货到外转方.
    pub segment_type: Option<i64>,
    /// Where this leg starts, when not at the slip's consigner.
    pub from: Option<LegEndDto>,
    /// Where this leg ends, when not at the slip's consignee.
    pub to: Option<LegEndDto>,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct SplitDto {
    pub segments: Option<Vec<SegmentDto>>,
}

fn leg_end(e: &mut FieldErrors, path: &str, d: Option<LegEndDto>) -> Option<Address> {
    let d = d?;
    let p = |f: &str| format!("{path}.{f}");
    Some(Address {
        name: e
            .required(p("name"), d.name, rules::name)
            .unwrap_or_default(),
        phone: e
            .optional(p("phone"), d.phone, rules::phone)
            .unwrap_or_default(),
        province_name: e
            .optional(p("province"), d.province, rules::opt_name)
            .unwrap_or_default(),
        city_name: e
            .optional(p("city"), d.city, rules::opt_name)
            .unwrap_or_default(),
        area_name: e.optional(p("district"), d.district, rules::opt_name),
        address: e
            .required(p("address"), d.address, rules::name)
            .unwrap_or_default(),
        lng: d.lng.filter(|x| x.is_finite() && x.abs() <= 180.0),
        lat: d.lat.filter(|x| x.is_finite() && x.abs() <= 90.0),
        ..Default::default()
    })
}

/// Splits a slip into waybill segments (more may be added later): each a transport order of
/// the shipper made from the slip, with its own ends when given. The slip is then 进行中 and
/// completes when every segment is signed.
#[utoipa::path(post, path = "/ops/v1/customers/{customer}/slips/{number}/segments", tag = "ops", security(("ops_token" = [])),
    params(("customer" = String, Path, description = "the customer (createBy)"),
           ("number" = String, Path, description = "the slip")),
    request_body = SplitDto,
    responses((status = 200, description = "value: {transportNos}", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn split(
    op: Operator,
    State(app): State<AppState>,
    Path((c, number)): Path<(String, String)>,
    OpsJson { body, call }: OpsJson<SplitDto>,
) -> Result<ApiOk, ApiError> {
    let t = customer_path(c)?;
    let number = code_path("number", number)?;
    let mut e = FieldErrors::default();
    let list = body.segments.unwrap_or_default();
    if let Err(m) = rules::count(&list, 1, 20) {
        e.invalid("segments", m);
    }
    let mut plans = Vec::new();
    for (i, s) in list.into_iter().enumerate() {
        let kind = e.required(
            format!("segments[{i}].segmentType"),
            s.segment_type,
            rules::int_range(0, 5),
        );
        let from = leg_end(&mut e, &format!("segments[{i}].from"), s.from);
        let to = leg_end(&mut e, &format!("segments[{i}].to"), s.to);
        if let Some(k) = kind {
            plans.push(SegmentPlan {
                segment_type: k as i16,
                from,
                to,
            });
        }
    }
    e.into_result(Some(()))?;
    let made = slips::split(&app.db, call.replay_key(&op), &t, &number, &plans).await?;
    Ok(ApiOk::new("success", Some(json!({"transportNos": made}))))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GpsDto {
    /// Epoch seconds.
    pub gps_time: Option<i64>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub direction: Option<f64>,
    pub speed: Option<f64>,
    pub humidity: Option<f64>,
    pub temperature: Option<f64>,
    /// 0 未知, 1 GPS, 2 基站定位, 4 北斗定位, 5 GPS 和北斗定位.
    pub locate_type: Option<i64>,
    pub location: Option<String>,
    pub power_rate: Option<f64>,
    /// 0 未充电, 1 充电中.
    pub charger_state: Option<i64>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub road_name: Option<String>,
    /// 1 行驶, 2 停止, 3 离线.
    pub run_status: Option<i64>,
}

/// A tracker's position (小黑卡轨迹点): reported (602) to the subscribers of each slip it is
/// bound to, of every shipper, each hearing only of its own slips.
#[utoipa::path(post, path = "/ops/v1/trackers/{device}/points", tag = "ops", security(("ops_token" = [])),
    params(("device" = String, Path, description = "the tracker's device number")),
    request_body = GpsDto,
    responses((status = 200, description = "value: {slips: how many slips it is bound to}", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn gps(
    _: Operator,
    State(app): State<AppState>,
    Path(device): Path<String>,
    OpsJson { body: d, .. }: OpsJson<GpsDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let device = e.required("device", Some(device), rules::code);
    let time = e.required("gpsTime", d.gps_time, |t| {
        if (0..=4_102_444_800).contains(&t) {
            Ok(t)
        } else {
            Err(format!("must be seconds since 1970 (got {t})"))
        }
    });
    let lat = e.required("lat", d.lat, |x| {
        if x.is_finite() && x.abs() <= 90.0 {
            Ok(x)
        } else {
            Err("must be between -90 and 90".to_string())
        }
    });
    let lng = e.required("lng", d.lng, |x| {
        if x.is_finite() && x.abs() <= 180.0 {
            Ok(x)
        } else {
            Err("must be between -180 and 180".to_string())
        }
    });
    let small = |e: &mut FieldErrors, path: &str, v: Option<i64>| {
        e.optional(path.to_string(), v, rules::int_range(0, 9))
    };
    let locate_type = small(&mut e, "locateType", d.locate_type);
    let charger_state = small(&mut e, "chargerState", d.charger_state);
    let run_status = small(&mut e, "runStatus", d.run_status);
    let mut text = |path: &str, v: Option<String>| e.optional(path.to_string(), v, rules::opt_name);
    let location = text("location", d.location);
    let province = text("province", d.province);
    let city = text("city", d.city);
    let district = text("district", d.district);
    let road_name = text("roadName", d.road_name);
    let finite = |x: Option<f64>| x.filter(|x| x.is_finite());
    let point = device
        .zip(time)
        .zip(lat.zip(lng))
        .map(|((device, gps_time), (lat, lng))| GpsPoint {
            device,
            gps_time,
            lat,
            lng,
            direction: finite(d.direction),
            speed: finite(d.speed),
            humidity: finite(d.humidity),
            temperature: finite(d.temperature),
            locate_type,
            location,
            power_rate: finite(d.power_rate),
            charger_state,
            province,
            city,
            district,
            road_name,
            run_status,
        });
    let point = e.into_result(point)?;
    let n = slips::gps(&app.db, &point, false).await?;
    Ok(ApiOk::new("success", Some(json!({"slips": n}))))
}
