//! 库存: balances by warehouse, owner and item (on hand, reserved, available), and one
//! balance's ledger.

use crate::console::error::ConsoleError;
use crate::console::layout::{given, next_page, page, t};
use crate::console::session::Session;
use crate::service::ServiceError;
use crate::state::AppState;
use crate::store::console::{self as view, BalanceFilter};
use axum::extract::{Path, Query, State};
use axum::response::Html;
use maud::html;
use serde::Deserialize;

const PAGE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
pub struct BalanceQuery {
    customer: Option<String>,
    warehouse: Option<String>,
    owner: Option<String>,
    item: Option<String>,
    before: Option<i64>,
}

pub async fn list(
    s: Session,
    State(app): State<AppState>,
    Query(q): Query<BalanceQuery>,
) -> Result<Html<String>, ConsoleError> {
    let f = BalanceFilter {
        customer: given(&q.customer),
        warehouse: given(&q.warehouse),
        owner: given(&q.owner),
        item: given(&q.item),
        before: q.before,
    };
    let rows = view::balances(&app.db, &f, PAGE).await?;
    let last = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let content = html! {
        form.filters method="get" action="/console/inventory" {
            label { "客户" input name="customer" value=[q.customer.as_deref()]; }
            label { "仓库" input name="warehouse" value=[q.warehouse.as_deref()]; }
            label { "货主" input name="owner" value=[q.owner.as_deref()]; }
            label { "商品" input name="item" value=[q.item.as_deref()]; }
            button type="submit" { "查询" }
        }
        table {
            thead { tr { th { "客户" } th { "仓库" } th { "货主" } th { "商品" } th { "库存类型" } th { "批次" } th.num { "在库" } th.num { "预占" } th.num { "可用" } th { "流水" } } }
            tbody {
                @for b in &rows { tr {
                    td { (b.tenant) } td { (b.inventory_code) } td { (b.subbase_code) } td { (b.item_code) }
                    td { (b.inventory_type) } td { (b.batch_code) }
                    td.num { (b.on_hand) } td.num { (b.reserved) } td.num { (b.on_hand - b.reserved) }
                    td { a href=(format!("/console/inventory/{}", b.id)) { "流水" } }
                } }
                @if rows.is_empty() { tr { td colspan="10" .muted { "没有库存" } } }
            }
        }
        (next_page("/console/inventory", &[("customer", q.customer.clone()), ("warehouse", q.warehouse.clone()),
            ("owner", q.owner.clone()), ("item", q.item.clone())], last))
    };
    Ok(page("库存", "/console/inventory", &s, None, content))
}

#[derive(Debug, Default, Deserialize)]
pub struct LedgerQuery {
    before: Option<i64>,
}

pub async fn ledger(
    s: Session,
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LedgerQuery>,
) -> Result<Html<String>, ConsoleError> {
    let b = view::balance(&app.db, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no balance {id}")))?;
    let rows = view::movements(&app.db, id, q.before, PAGE).await?;
    let last = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let content = html! {
        p { (b.tenant) " · " (b.inventory_code) " · " (b.subbase_code) " · " (b.item_code) " · " (b.inventory_type)
            @if !b.batch_code.is_empty() { " · 批次 " (b.batch_code) }
            " — 在库 " (b.on_hand) ",预占 " (b.reserved) ",可用 " (b.on_hand - b.reserved) }
        table {
            thead { tr { th { "时间" } th { "原因" } th.num { "在库变动" } th.num { "预占变动" } th { "订单" } th { "参考" } } }
            tbody { @for m in &rows { tr {
                td { (t(m.created_at)) } td { (m.reason) } td.num { (m.on_hand_delta) } td.num { (m.reserved_delta) }
                td { @if let Some(hx) = &m.hx_order_no { a href=(format!("/console/orders/{hx}")) { (hx) } } }
                td { (m.reference.as_deref().unwrap_or("")) }
            } } }
        }
        (next_page(&format!("/console/inventory/{id}"), &[], last))
    };
    Ok(page("库存流水", "/console/inventory", &s, None, content))
}
