//! §8 warehouse operations API under `/ops/v1`: bearer tokens from `hongxun-gateway token add`,
//! plain JSON bodies, answers in the §1 envelope. Ours, not a customer dialect: it reuses the
//! 鸿讯 envelope and codes.

pub mod adjustment_requests;
pub mod auth;
pub mod body;
pub mod inventory;
pub mod orders;
pub mod pushes;
pub mod slips;
pub mod tms;
pub mod trips;
pub mod vehicles;
pub mod warehouses;

use crate::dialect::hongxun;
use crate::http::{tag_routes, RouteTag};
use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

/// The ops API answers like the 鸿讯 dialect but is audited as `ops`.
pub const TAG: RouteTag = RouteTag {
    dialect: "ops",
    ..hongxun::TAG
};

pub fn router(image_body_limit: usize) -> OpenApiRouter<AppState> {
    let routes = OpenApiRouter::new()
        .merge(orders::router())
        .merge(inventory::router())
        .merge(vehicles::router())
        .merge(pushes::router())
        .merge(adjustment_requests::router())
        .merge(warehouses::router())
        .merge(tms::router())
        .merge(trips::router(image_body_limit))
        .merge(slips::router());
    tag_routes(routes, TAG)
}
