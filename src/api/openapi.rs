//! The OpenAPI 3 document, generated from the handlers' annotations, and the docs page.

use super::base_data::{
    ConsigneeDto, ConsigneeSyncRequest, DimensionDto, DimensionSyncRequest, InventoryOrgRequest,
    ProductDto, ProductSyncRequest,
};
use super::envelope::ResponseEnvelope;
use super::AppState;
use axum::Router;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hongxun-gateway: 鸿讯 open API",
        description = "Every 鸿讯 endpoint is a POST of the signed envelope (§1); the signature \
            (Appendix 1) covers createBy, dataSource, timestamp, signMethod and the exact text of \
            `request`. Every response is the §1 response envelope with a §2 code and a requestId."
    ),
    paths(
        super::base_data::inventory_org,
        super::base_data::product,
        super::base_data::consignee,
        super::base_data::product_dimension,
        super::orders::in_order,
        super::orders::out_order,
        super::orders::property_order,
        super::orders::transport_order,
        super::orders::cancel_order,
        super::order_extras::lpn,
        super::order_extras::serial_codes,
        super::queries::inventory_query,
        super::queries::in_order_result,
        super::queries::out_order_result,
        super::queries::vehicle_inventory_query,
        super::queries::route_query,
        super::carrier::route,
        super::carrier::sign_image,
        super::device::dws,
        super::ops::start,
        super::ops::receipts,
        super::ops::shipments,
        super::ops::confirm,
        super::ops::cancel_decision,
        super::ops::order,
        super::ops::adjustments,
        super::ops::vehicle_intake,
        super::ops::inspection,
        super::ops::pushes,
        super::ops::replay,
        super::health::healthz,
        super::health::readyz,
    ),
    components(schemas(
        ResponseEnvelope,
        InventoryOrgRequest,
        ProductSyncRequest,
        ProductDto,
        ConsigneeSyncRequest,
        ConsigneeDto,
        DimensionSyncRequest,
        DimensionDto,
    )),
    tags(
        (name = "base data", description = "§5.1 客户基础信息接口 (customers)"),
        (name = "orders", description = "§5.2 客户订单接口: creation, cancellation, LPN, serial numbers"),
        (name = "queries", description = "§5.2 queries: inventory, order results, vehicle inventory"),
        (name = "carriers", description = "§7 承运商接口 (carrier identities)"),
        (name = "devices", description = "§7 设备接口 (DWS device identities)"),
        (name = "ops", description = "§8 warehouse operations API (bearer ops tokens, plain JSON)"),
        (name = "operations", description = "probes"),
    )
)]
pub struct ApiDoc;

/// `/openapi.json` and the Swagger UI at `/docs` (served from the binary, works offline).
pub fn router() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
}
