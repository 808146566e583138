//! Stock adjustments an ERP asks the warehouse for (Qimen `inventory.synchronize`, seed 002):
//! every member of the request is kept; the warehouse approves or refuses it.

use super::event::AdjustedLine;
use serde::{Deserialize, Serialize};

/// An order an adjustment relates to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedOrder {
    pub order_type: Option<String>,
    pub order_code: Option<String>,
}

/// A requested adjustment: warehouse, owner, its code (idempotent per customer), type, time,
/// related orders, remark and lines (signed quantities).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdjustmentRequest {
    pub inventory_code: String,
    pub subbase_code: String,
    pub adjust_order_code: String,
    pub adjust_type: String,
    pub adjust_time: Option<String>,
    pub related_orders: Vec<RelatedOrder>,
    pub remark: Option<String>,
    pub lines: Vec<AdjustedLine>,
}

/// Where a request stands.
pub const REQUEST_STATUSES: &[&str] = &["PENDING", "APPROVED", "REFUSED"];
