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
        (name = "operations", description = "probes"),
    )
)]
pub struct ApiDoc;

/// `/openapi.json` and the Swagger UI at `/docs` (served from the binary, works offline).
pub fn router() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
}
