//! Stock adjustments by the warehouse (count, damage, reclassification).

use super::auth::Operator;
use super::body::OpsJson;
use crate::dialect::hongxun::error::ApiError;
use crate::dialect::hongxun::order_dto as dto;
use crate::dialect::hongxun::response::ApiOk;
use crate::domain::client::Tenant;
use crate::domain::order::INVENTORY_TYPES;
use crate::domain::rules;
use crate::domain::validation::FieldErrors;
use crate::service::ops::{self, AdjustLine, Adjustment};
use crate::state::AppState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(adjustments))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdjustItemDto {
    pub item_code: Option<String>,
    pub inventory_type: Option<String>,
    /// Signed change.
    pub qty: Option<i64>,
    pub batch_code: Option<String>,
    pub product_date: Option<String>,
    pub expire_date: Option<String>,
    /// 生产批号
    pub produce_code: Option<String>,
    /// 商品序列号
    pub sn_code: Option<String>,
    pub remark: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdjustmentDto {
    /// The customer (createBy) whose stock it is.
    pub customer: Option<String>,
    pub warehouse_code: Option<String>,
    pub owner_code: Option<String>,
    pub adjust_order_code: Option<String>,
    pub adjust_type: Option<String>,
    pub items: Option<Vec<AdjustItemDto>>,
}

#[utoipa::path(post, path = "/ops/v1/inventory/adjustments", tag = "ops", security(("ops_token" = [])), request_body = AdjustmentDto,
    responses((status = 200, description = "inventoryAdjust pushed", body = crate::dialect::hongxun::response::ResponseEnvelope),
              (status = "4XX", description = "§2 error (1001/401 no or unknown token, 1005/403 disabled token)", body = crate::dialect::hongxun::response::ResponseEnvelope)))]
async fn adjustments(
    op: Operator,
    State(app): State<AppState>,
    OpsJson { body: b, call }: OpsJson<AdjustmentDto>,
) -> Result<ApiOk, ApiError> {
    let mut e = FieldErrors::default();
    let customer = e.required("customer", b.customer, rules::code);
    let wh = e.required("warehouseCode", b.warehouse_code, rules::code);
    let owner = e.required("ownerCode", b.owner_code, rules::code);
    let code = e.required("adjustOrderCode", b.adjust_order_code, rules::code);
    let kind = e.required("adjustType", b.adjust_type, rules::code);
    let mut lines = Vec::new();
    for (i, it) in dto::list(&mut e, "items", b.items, 1, dto::MAX_LINES)
        .into_iter()
        .enumerate()
    {
        let p = |f: &str| format!("items[{i}].{f}");
        let item_code = e.required(p("itemCode"), it.item_code, rules::code);
        let qty = e.required(p("qty"), it.qty, |q: i64| {
            if q == 0 || q.abs() > 1_000_000_000 {
                Err("must be a non-zero integer".to_string())
            } else {
                Ok(q)
            }
        });
        let inventory_type = e
            .optional(
                p("inventoryType"),
                it.inventory_type,
                rules::one_of(INVENTORY_TYPES),
            )
            .unwrap_or_else(|| "ZP".into());
        let batch_code = e.optional(p("batchCode"), it.batch_code, rules::code);
        let product_date = e.optional(p("productDate"), it.product_date, dto::date);
        let expire_date = e.optional(p("expireDate"), it.expire_date, dto::date);
        let produce_code = e.optional(p("produceCode"), it.produce_code, rules::code);
        let sn_code = e.optional(p("snCode"), it.sn_code, rules::code);
        let remark = e.optional(p("remark"), it.remark, rules::remark);
        if let (Some(item_code), Some(qty)) = (item_code, qty) {
            lines.push(AdjustLine {
                item_code,
                inventory_type,
                qty,
                batch_code,
                product_date,
                expire_date,
                produce_code,
                sn_code,
                remark,
                item_id: None,
            });
        }
    }
    let head = match (customer, wh, owner, code, kind) {
        (Some(c), Some(w), Some(o), Some(a), Some(k)) => Some((c, w, o, a, k)),
        _ => None,
    };
    let (customer, wh, owner, code, kind) = e.into_result(head)?;
    let a = Adjustment {
        tenant: Tenant(customer),
        inventory_code: wh,
        subbase_code: owner,
        adjust_order_code: code,
        adjust_type: kind,
        lines,
        fingerprint: call.content_fingerprint.clone(),
    };
    let out = ops::adjust(&app.db, call.replay_key(&op), &a).await?;
    Ok(ApiOk::from_outcome(out, |v| serde_json::to_value(v).ok()))
}
