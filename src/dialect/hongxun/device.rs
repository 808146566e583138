//! §7 设备接口: DWS parcel scans from the packing lines.

use super::envelope::SignedRequest;
use super::error::ApiError;
use super::order_dto as dto;
use super::response::{ApiOk, ResponseEnvelope};
use super::signed::{Endpoint, Signed};
use crate::domain::client::ClientKind;
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use crate::service;
use crate::state::AppState;
use crate::store::carrier::Scan;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub const MAX_SCANS: usize = 200;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(dws))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScanDto {
    /// Waybill or package number.
    pub barcode: Option<String>,
    /// kg, > 0.
    pub weight: Option<f64>,
    pub length: Option<f64>,
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub volume: Option<f64>,
    /// yyyy-MM-dd HH:mm:ss
    pub scan_time: Option<String>,
}

/// DWS包裹信息.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DwsRequest {
    #[schema(example = "DWS-LINE-1")]
    pub device_code: Option<String>,
    /// 1–200 scans.
    pub scans: Option<Vec<ScanDto>>,
}

impl Endpoint for DwsRequest {
    const KINDS: &'static [ClientKind] = &[ClientKind::Device];
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        self.device_code.clone()
    }
}

impl DwsRequest {
    pub fn validate(self) -> Result<(String, Vec<Scan>), FieldErrors> {
        let mut e = FieldErrors::default();
        let device = e.required("request.deviceCode", self.device_code, rules::code);
        let mut scans = Vec::new();
        for (i, s) in dto::list(&mut e, "request.scans", self.scans, 1, MAX_SCANS)
            .into_iter()
            .enumerate()
        {
            let p = |f: &'static str| LazyPath(move || format!("request.scans[{i}].{f}"));
            let barcode = e.required(p("barcode"), s.barcode, rules::code);
            let weight = e.required(p("weight"), s.weight, |w: f64| {
                if w > 0.0 {
                    rules::weight(w)
                } else {
                    Err("must be > 0".into())
                }
            });
            let length_cm = e.optional(p("length"), s.length, rules::length);
            let width_cm = e.optional(p("width"), s.width, rules::length);
            let height_cm = e.optional(p("height"), s.height, rules::length);
            let volume_cm3 = e.optional(p("volume"), s.volume, rules::volume);
            let scan_time = e.required(p("scanTime"), s.scan_time, |t: String| {
                crate::auth::timestamp::parse(&t).map(|t| t.with_timezone(&chrono::Utc))
            });
            if let (Some(barcode), Some(weight_kg), Some(scan_time)) = (barcode, weight, scan_time)
            {
                scans.push(Scan {
                    barcode,
                    weight_kg,
                    length_cm,
                    width_cm,
                    height_cm,
                    volume_cm3,
                    scan_time,
                });
            }
        }
        e.into_result(device.map(|d| (d, scans)))
    }
}

/// DWS包裹信息: scans deduplicated on (deviceCode, barcode, scanTime), matched to outbound
/// packages by waybill or package number, weight deviation beyond the tolerance flagged.
#[utoipa::path(post, path = "/dtc/device/dws", tag = "devices",
    request_body = SignedRequest<DwsRequest>,
    responses((status = 200, description = "value.results[]: {barcode, matched, orderCode, weightDeviation, flagged, duplicate}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn dws(State(app): State<AppState>, req: Signed<DwsRequest>) -> Result<ApiOk, ApiError> {
    let Signed { call, body, .. } = req;
    let (device, scans) = body.validate()?;
    let out = service::dws::receive_scans(
        &app.writes,
        call.replay_key(),
        call.client.id,
        call.client.sandbox,
        &device,
        &scans,
        app.settings.dws.weight_tolerance,
    )
    .await?;
    let replayed = out.replayed;
    let results: Vec<ScanAnswer> = out.value.iter().map(ScanAnswer::from).collect();
    let mut ok = ApiOk::rendered("success", &DwsAnswer { results })?;
    ok.replayed = replayed;
    Ok(ok)
}

/// The DWS call's value, written from the results without a `Value` tree (#21). Keys in the
/// alphabetical order the JSON map this answer was built with wrote them (tests/api/carrier.rs
/// pins the text); absent values are `null`.
#[derive(Serialize)]
struct DwsAnswer<'a> {
    results: Vec<ScanAnswer<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScanAnswer<'a> {
    barcode: &'a str,
    duplicate: bool,
    flagged: bool,
    matched: bool,
    order_code: Option<&'a str>,
    reason: Option<&'a str>,
    weight_deviation: Option<f64>,
}

impl<'a> From<&'a service::dws::ScanResult> for ScanAnswer<'a> {
    fn from(s: &'a service::dws::ScanResult) -> Self {
        Self {
            barcode: &s.barcode,
            duplicate: s.duplicate,
            flagged: s.flagged,
            matched: s.matched,
            order_code: s.order_code.as_deref(),
            reason: s.reason.as_deref(),
            weight_deviation: s.weight_deviation,
        }
    }
}
