//! §7 承运商接口: route nodes and sign-off images from carriers, and the signed, expiring
//! download links of those images.

use super::envelope::SignedRequest;
use super::error::{ApiError, Code};
use super::order_dto as dto;
use super::response::{ApiOk, ResponseEnvelope};
use super::signed::{Endpoint, Signed};
use crate::domain::carrier::{sniff_image, NODE_TYPES};
use crate::domain::client::ClientKind;
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use crate::service::{self, carrier::Image};
use crate::state::AppState;
use crate::store::carrier::Node;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

const CARRIERS: &[ClientKind] = &[ClientKind::Carrier];
pub const MAX_NODES: usize = 100;
pub const MAX_IMAGES: usize = 5;
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

pub fn router(image_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(route))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(sign_image))
                .layer(DefaultBodyLimit::max(image_body_limit)),
        )
        .routes(routes!(download))
}

fn contract_time(s: String) -> Result<chrono::DateTime<Utc>, String> {
    crate::auth::timestamp::parse(&s).map(|t| t.with_timezone(&Utc))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteNodeDto {
    /// Appendix 3: ACCEPT, PICKUP, DEPART, IN_TRANSIT, ARRIVE, DELIVERING, SIGNED, REJECTED, EXCEPTION, RETURNED.
    pub node_type: Option<String>,
    /// yyyy-MM-dd HH:mm:ss
    pub node_time: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    /// For SIGNED/REJECTED: who signed or refused.
    pub operator: Option<String>,
    pub operator_phone: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

/// 承运商路由推送.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteRequest {
    #[schema(example = "SF1234567890")]
    pub waybill_no: Option<String>,
    pub order_code: Option<String>,
    /// 1–100 nodes.
    pub routes: Option<Vec<RouteNodeDto>>,
}

impl Endpoint for RouteRequest {
    const KINDS: &'static [ClientKind] = CARRIERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        self.waybill_no.clone()
    }
}

impl RouteRequest {
    pub fn validate(self) -> Result<(String, Vec<Node>), FieldErrors> {
        let mut e = FieldErrors::default();
        let waybill = e.required("request.waybillNo", self.waybill_no, rules::code);
        e.optional("request.orderCode", self.order_code, rules::code);
        let mut nodes = Vec::new();
        for (i, n) in dto::list(&mut e, "request.routes", self.routes, 1, MAX_NODES)
            .into_iter()
            .enumerate()
        {
            let p = |f: &'static str| LazyPath(move || format!("request.routes[{i}].{f}"));
            let node_type = e.required(p("nodeType"), n.node_type, rules::one_of(NODE_TYPES));
            let node_time = e.required(p("nodeTime"), n.node_time, contract_time);
            let description = e.required(p("description"), n.description, rules::remark);
            let location = e.optional(p("location"), n.location, rules::opt_name);
            let operator = e.optional(p("operator"), n.operator, rules::opt_name);
            let operator_phone = e.optional(p("operatorPhone"), n.operator_phone, rules::phone);
            let lng = e.optional(p("lng"), n.lng, |x: f64| {
                if x.is_finite() && x.abs() <= 180.0 {
                    Ok(x)
                } else {
                    Err("must be between -180 and 180".to_string())
                }
            });
            let lat = e.optional(p("lat"), n.lat, |x: f64| {
                if x.is_finite() && x.abs() <= 90.0 {
                    Ok(x)
                } else {
                    Err("must be between -90 and 90".to_string())
                }
            });
            if let (Some(node_type), Some(node_time), Some(description)) =
                (node_type, node_time, description)
            {
                nodes.push(Node {
                    node_type,
                    node_time,
                    location,
                    description,
                    operator,
                    operator_phone,
                    lng,
                    lat,
                });
            }
        }
        e.into_result(waybill.map(|w| (w, nodes)))
    }
}

/// 承运商路由推送: nodes deduplicated on (carrier, waybill, nodeType, nodeTime); routePush to the
/// waybill's customer; SIGNED/REJECTED nodes record the sign-off and push signInfoPush.
#[utoipa::path(post, path = "/dtc/carrier/route", tag = "carriers",
    request_body = SignedRequest<RouteRequest>,
    responses((status = 200, description = "value: {waybillNo, accepted, duplicates, orderCode}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error (3001 a waybill bound to another carrier)", body = ResponseEnvelope)))]
async fn route(State(app): State<AppState>, req: Signed<RouteRequest>) -> Result<ApiOk, ApiError> {
    let Signed { call, body, .. } = req;
    let (waybill, nodes) = body.validate()?;
    let out = service::carrier::receive_routes(
        &app.db,
        call.replay_key(),
        &call.client.create_by,
        &waybill,
        &nodes,
    )
    .await?;
    Ok(ApiOk::from_outcome(out, |v| {
        Some(
            json!({"waybillNo": v.waybill_no, "accepted": v.accepted, "duplicates": v.duplicates, "orderCode": v.order_code}),
        )
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImageDto {
    pub file_name: Option<String>,
    /// image/jpeg or image/png; must match the bytes.
    pub content_type: Option<String>,
    /// The image, base64; at most 2 MiB decoded.
    pub base64: Option<String>,
}

/// 签收图片推送 (body limit 10 MiB on this route).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignImageRequest {
    pub waybill_no: Option<String>,
    pub signer: Option<String>,
    pub sign_time: Option<String>,
    /// 1–5 images.
    pub images: Option<Vec<ImageDto>>,
}

impl Endpoint for SignImageRequest {
    const KINDS: &'static [ClientKind] = CARRIERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        self.waybill_no.clone()
    }
}

/// A base64 JPEG/PNG, checked against its declared type (the ops API's receipt photos too).
pub(crate) fn decode_image(e: &mut FieldErrors, at: &str, i: ImageDto) -> Option<Image> {
    let declared = e.required(
        format!("{at}.contentType"),
        i.content_type,
        rules::one_of(&["image/jpeg", "image/png"]),
    );
    let file_name = e.optional(format!("{at}.fileName"), i.file_name, rules::opt_name);
    let bytes = e.required(format!("{at}.base64"), i.base64, |b: String| {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .map_err(|err| format!("is not base64: {err}"))?;
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(format!(
                "decodes to {} bytes; at most {MAX_IMAGE_BYTES}",
                bytes.len()
            ));
        }
        Ok(bytes)
    })?;
    let declared = declared?;
    match sniff_image(&bytes) {
        Some(real) if real == declared => {}
        Some(real) => {
            e.invalid(
                format!("{at}.base64"),
                format!("is {real}, not the declared {declared}"),
            );
            return None;
        }
        None => {
            e.invalid(format!("{at}.base64"), format!("is not a {declared} image"));
            return None;
        }
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Some(Image {
        file_name,
        content_type: declared,
        sha256,
        bytes,
    })
}

/// 签收图片推送: 1–5 JPEG/PNG images, each ≤ 2 MiB and really of its declared type; stored with
/// sha256 (duplicates per waybill ignored); signImagePush carries expiring download links.
#[utoipa::path(post, path = "/dtc/carrier/signImage", tag = "carriers",
    request_body = SignedRequest<SignImageRequest>,
    responses((status = 200, description = "value: {waybillNo, orderCode, images[{imageId, sha256, contentType, duplicate}]}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn sign_image(
    State(app): State<AppState>,
    req: Signed<SignImageRequest>,
) -> Result<ApiOk, ApiError> {
    let Signed { call, body, .. } = req;
    let mut e = FieldErrors::default();
    let waybill = e.required("request.waybillNo", body.waybill_no, rules::code);
    let signer = e.optional("request.signer", body.signer, rules::opt_name);
    let sign_time = e.required("request.signTime", body.sign_time, contract_time);
    let mut images = Vec::new();
    for (i, img) in dto::list(&mut e, "request.images", body.images, 1, MAX_IMAGES)
        .into_iter()
        .enumerate()
    {
        if let Some(ok) = decode_image(&mut e, &format!("request.images[{i}]"), img) {
            images.push(ok);
        }
    }
    let (waybill, sign_time) = e.into_result(waybill.zip(sign_time))?;
    let out = service::carrier::receive_images(
        &app.db,
        call.replay_key(),
        &call.client.create_by,
        &service::carrier::SignOff {
            waybill_no: &waybill,
            signer: signer.as_deref(),
            sign_time,
        },
        &images,
    )
    .await?;
    Ok(ApiOk::from_outcome(out, |v| {
        serde_json::to_value(v).ok().map(camel)
    }))
}

/// The use case's snake_case fields as the contract's camelCase.
fn camel(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let mut out = String::new();
                    let mut up = false;
                    for c in k.chars() {
                        if c == '_' {
                            up = true;
                        } else if up {
                            out.extend(c.to_uppercase());
                            up = false;
                        } else {
                            out.push(c);
                        }
                    }
                    (out, camel(v))
                })
                .collect(),
        ),
        serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(camel).collect()),
        other => other,
    }
}

#[derive(Deserialize)]
struct LinkParams {
    expires: Option<i64>,
    sig: Option<String>,
}

/// A sign-off image by its signed link (the `url` of a `signImagePush`); expired or tampered
/// links answer 403.
#[utoipa::path(get, path = "/files/sign-images/{id}", tag = "carriers",
    params(("id" = String, Path, description = "imageId"),
           ("expires" = i64, Query, description = "unix seconds"),
           ("sig" = String, Query, description = "the link's signature")),
    responses((status = 200, description = "the image bytes (image/jpeg or image/png)"),
              (status = 403, description = "1005: invalid or expired link", body = ResponseEnvelope)))]
async fn download(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<LinkParams>,
) -> Result<Response, ApiError> {
    let forbidden = || {
        ApiError::new(
            Code::KindNotAllowed,
            "this download link is invalid or has expired",
        )
    };
    let (Ok(id), Some(expires), Some(sig)) = (id.parse::<uuid::Uuid>(), q.expires, q.sig) else {
        return Err(forbidden());
    };
    if !crate::auth::links::verify(&app.key, id, expires, &sig, Utc::now().timestamp()) {
        return Err(forbidden());
    }
    let (content_type, bytes) = service::carrier::image(&app.db, id)
        .await?
        .ok_or_else(forbidden)?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=300".into()),
        ],
        bytes,
    )
        .into_response())
}
