//! The OpenAPI 3 document and the docs page. Paths come from the routers themselves (each
//! route is written once with utoipa-axum's `routes!`); this module adds the document's
//! description, tags and security schemes, and serves it with Swagger UI (compiled in).

use crate::state::AppState;
use axum::Router;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hongxun-gateway: the open API of 鸿讯 and the dialects its customers speak",
        description = "One gateway, several wire protocols over one order model.\n\n\
            **鸿讯** (`/dtc/...`): every endpoint is a POST of the signed envelope (§1); the \
            signature (Appendix 1) covers createBy, dataSource, timestamp, signMethod and the exact \
            text of `request`. Every response is the §1 response envelope with a §2 code and a \
            requestId.\n\n\
            **Qimen / TOP** (`/router/qimen/service`, `/router/rest`): Qimen WMS methods \
            (`taobao.qimen.*`), system parameters in the query (and/or a form body), XML or JSON \
            body, signed the TOP way (md5, hmac, hmac-sha256). Answers are always HTTP 200.\n\n\
            **OMS** (`/openapi`, `/openapi/warehouse`): seed 001's transfer and warehouse methods, \
            parameters in the query, a form or a JSON body, signed the ShopEx OMS way; answers \
            `{code, message, data}`.\n\n\
            **Ops** (`/ops/v1/...`): the warehouse side, with a bearer ops token."
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "base data", description = "§5.1 客户基础信息接口 (customers)"),
        (name = "orders", description = "§5.2 客户订单接口: creation, cancellation, LPN, serial numbers"),
        (name = "queries", description = "§5.2 queries: inventory, order results, vehicle inventory"),
        (name = "carriers", description = "§7 承运商接口 (carrier identities)"),
        (name = "devices", description = "§7 设备接口 (DWS device identities)"),
        (name = "qimen", description = "奇门 WMS methods (Qimen XML/JSON router and the TOP form router); see docs/qimen.md"),
        (name = "oms", description = "OMS transfer and warehouse API (seed 001); see docs/oms.md"),
        (name = "tms", description = "3TMS/CTMS open API (seed 003): tokens and, so far, the address book; see docs/tms.md"),
        (name = "ops", description = "§8 warehouse operations API (bearer ops tokens, plain JSON)"),
        (name = "operations", description = "probes"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "ops_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("an ops token from `hongxun-gateway token add`"))
                    .build(),
            ),
        );
        c.add_security_scheme(
            "top_sign",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "sign",
                "TOP signature over the sorted system and business parameters (and the body); \
                 app_key and customerId name the identity",
            ))),
        );
        c.add_security_scheme(
            "tms_token",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "access_token",
                "a 3TMS access token from /user/generate_access_token/v2 (also accepted as \
                 Authorization: Bearer)",
            ))),
        );
        c.add_security_scheme(
            "oms_sign",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "sign",
                "UPPER(MD5(UPPER(MD5(assemble(params without sign))) + secret)), keys sorted as \
                 strings; app_key (or flag) names the identity",
            ))),
        );
    }
}

/// The document the routers add their paths to.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The complete document as served at `/openapi.json` (tests walk it).
pub fn full(settings: &crate::config::Settings) -> utoipa::openapi::OpenApi {
    super::api(settings).into_openapi()
}

/// `/openapi.json` and the Swagger UI at `/docs` (served from the binary, works offline).
pub fn docs(doc: utoipa::openapi::OpenApi) -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/docs").url("/openapi.json", doc))
}
