//! 订单: filtered, key-paged list; one order with its lines (plan vs actual), batches,
//! packages and timeline.

use crate::console::error::ConsoleError;
use crate::console::layout::{given, next_page, page, status, t, Flash};
use crate::console::session::Session;
use crate::service::ops;
use crate::state::AppState;
use crate::store::console::{self as view, OrderFilter};
use axum::extract::{Path, Query, State};
use axum::response::Html;
use chrono::{DateTime, TimeZone, Utc};
use maud::html;
use serde::Deserialize;

const PAGE: i64 = 50;
const KINDS: [&str; 4] = ["IN", "OUT", "PROPERTY", "TRANSPORT"];

#[derive(Debug, Default, Deserialize)]
pub struct OrderQuery {
    customer: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    code: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
}

/// A time from the filter form: `datetime-local` (`2026-11-29T08:30`) or the contract's form,
/// both Asia/Shanghai.
fn when(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim().replace('T', " ");
    let s = if s.len() == 16 { format!("{s}:00") } else { s };
    let naive = chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S").ok()?;
    crate::domain::time::china()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

pub async fn list(
    s: Session,
    State(app): State<AppState>,
    Query(q): Query<OrderQuery>,
) -> Result<Html<String>, ConsoleError> {
    let mut flash = None;
    let mut time = |v: &Option<String>, name: &str| {
        given(v).and_then(|v| {
            let t = when(&v);
            if t.is_none() {
                flash = Some(Flash::Error(format!(
                    "{name}: {v:?} 不是时间 (yyyy-MM-dd HH:mm)"
                )));
            }
            t
        })
    };
    let f = OrderFilter {
        customer: given(&q.customer),
        kind: given(&q.kind).filter(|k| KINDS.contains(&k.as_str())),
        status: given(&q.status).map(|s| s.to_ascii_uppercase()),
        code: given(&q.code),
        from: time(&q.from, "起始时间"),
        to: time(&q.to, "截止时间"),
        before: q.before,
    };
    let rows = view::orders(&app.db, &f, PAGE).await?;
    let last = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let content = html! {
        form.filters method="get" action="/console/orders" {
            label { "客户" input name="customer" value=[q.customer.as_deref()]; }
            label { "类型" select name="kind" {
                option value="" { "全部" }
                @for k in KINDS { option value=(k) selected[q.kind.as_deref() == Some(k)] { (k) } }
            } }
            label { "状态" input name="status" placeholder="CREATED…" value=[q.status.as_deref()]; }
            label { "单号 / hxOrderNo" input name="code" value=[q.code.as_deref()]; }
            label { "起始时间" input type="datetime-local" name="from" value=[q.from.as_deref()]; }
            label { "截止时间" input type="datetime-local" name="to" value=[q.to.as_deref()]; }
            button type="submit" { "查询" }
        }
        table {
            thead { tr { th { "hxOrderNo" } th { "客户" } th { "类型" } th { "单据类型" } th { "客户单号" } th { "状态" } th { "仓库" } th { "创建时间" } } }
            tbody {
                @for o in &rows {
                    tr {
                        td { a href=(format!("/console/orders/{}", o.hx_order_no)) { (o.hx_order_no) } }
                        td { (o.tenant) } td { (o.kind) } td { (o.order_type) } td { (o.order_code) }
                        td { (status(&o.status)) }
                        td { (o.inventory_code.as_deref().unwrap_or("")) }
                        td { (t(o.created_at)) }
                    }
                }
                @if rows.is_empty() { tr { td colspan="8" .muted { "没有符合条件的订单" } } }
            }
        }
        (next_page("/console/orders", &[("customer", q.customer.clone()), ("kind", q.kind.clone()), ("status", q.status.clone()),
            ("code", q.code.clone()), ("from", q.from.clone()), ("to", q.to.clone())], last))
    };
    Ok(page("订单", "/console/orders", &s, flash, content))
}

pub async fn show(
    s: Session,
    State(app): State<AppState>,
    Path(hx): Path<String>,
) -> Result<Html<String>, ConsoleError> {
    let v = ops::order_view(&app.db, &hx).await?;
    let (_, timeline) = ops::timeline(&app.db, &hx).await?;
    let o = &v.order;
    let text = |k: &str| {
        o.request
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let content = html! {
        table {
            tr { th { "hxOrderNo" } td { (o.hx_order_no) } th { "客户单号" } td { (o.order_code) } }
            tr { th { "客户" } td { (o.tenant) } th { "类型" } td { (o.kind) " / " (o.order_type) } }
            tr { th { "仓库" } td { (o.inventory_code.as_deref().unwrap_or("")) } th { "货主" } td { (o.subbase_code.as_deref().unwrap_or("")) } }
            tr { th { "状态" } td { (status(&o.status)) } th { "备注" } td.remark { (text("remark").unwrap_or_default()) } }
        }
        h2 { "明细 (计划 / 实际)" }
        table {
            thead { tr { th { "行号" } th { "商品" } th.num { "计划" } th.num { "实际" } th { "库存类型" } th { "批次" } } }
            tbody { @for l in &v.lines { tr {
                td { (l.line_no) } td { (l.item_code) } td.num { (l.plan_qty) } td.num { (l.actual_qty) }
                td { (l.inventory_type) } td { (l.batch_code.as_deref().unwrap_or("")) }
            } } }
        }
        h2 { "确认批次" }
        table {
            thead { tr { th { "批次" } th { "类型" } th { "确认时间" } th { "明细" } th { "包裹" } } }
            tbody { @for b in &v.batches { tr {
                td { (b.confirm_seq) (b.batch_no.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()) }
                td { (format!("{:?}", b.confirm_type)) } td { (t(b.confirm_time)) }
                td { @for l in &b.lines { div { (l.line_no) " " (l.item_code) " × " (l.actual_qty) } } }
                td { @for p in &b.packages { div { (p.package_no) " " (p.waybill_no.as_deref().unwrap_or("")) " " (p.carrier_code.as_deref().unwrap_or("")) } } }
            } } }
        }
        h2 { "时间线" }
        table.timeline {
            thead { tr { th { "时间" } th { "类别" } th { "摘要" } th { "详情" } } }
            tbody { @for e in &timeline { tr class=(format!("ev-{}", e.kind)) {
                td { (t(e.time)) } td { (e.kind) } td { (e.summary) }
                td { pre { (serde_json::to_string(&e.detail).unwrap_or_default()) } }
            } } }
        }
    };
    Ok(page(
        &format!("订单 {hx}"),
        "/console/orders",
        &s,
        None,
        content,
    ))
}
