//! 推送: pending and dead pushes (and delivered, skipped), filterable by customer and event
//! type; one push with every attempt and the answers received; replay one or a selection.

use crate::console::error::ConsoleError;
use crate::console::layout::{csrf, given, next_page, page, status, t, Flash};
use crate::console::session::{field, form_pairs, Session};
use crate::service::ops;
use crate::state::AppState;
use crate::store::console::{self as view, PushFilter};
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

const PAGE: i64 = 100;
const STATUSES: [(&str, &str); 4] = [
    ("pending", "待推送"),
    ("dead", "失败"),
    ("delivered", "已送达"),
    ("skipped", "无需推送"),
];

#[derive(Debug, Default, Deserialize)]
pub struct PushQuery {
    status: Option<String>,
    customer: Option<String>,
    event: Option<String>,
    before: Option<i64>,
    replayed: Option<u32>,
}

pub async fn list(
    s: Session,
    State(app): State<AppState>,
    Query(q): Query<PushQuery>,
) -> Result<Html<String>, ConsoleError> {
    let st = given(&q.status)
        .filter(|v| STATUSES.iter().any(|(k, _)| k == v))
        .unwrap_or_else(|| "pending".into());
    let f = PushFilter {
        status: st.clone(),
        customer: given(&q.customer),
        event_type: given(&q.event),
        before: q.before,
    };
    let rows = view::pushes(&app.db, &f, PAGE).await?;
    let last = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let flash = q
        .replayed
        .map(|n| Flash::Ok(format!("已重放 {n} 条推送:它们重新排队,稍后投递")));
    let content = html! {
        p { @for (k, label) in STATUSES {
            a href=(format!("/console/pushes?status={k}")) { (label) } " "
        } }
        form.filters method="get" action="/console/pushes" {
            input type="hidden" name="status" value=(st);
            label { "客户" input name="customer" value=[q.customer.as_deref()]; }
            label { "事件类型" input name="event" placeholder="inboundConfirm…" value=[q.event.as_deref()]; }
            button type="submit" { "筛选" }
        }
        form method="post" action="/console/pushes/replay" {
            (csrf(&s))
            input type="hidden" name="back" value=(format!("/console/pushes?status={st}"));
            table {
                thead { tr { th { "选择" } th { "编号" } th { "客户" } th { "接收方" } th { "事件" } th { "状态" } th.num { "尝试" } th { "下次尝试" } th { "最后错误" } th { "创建时间" } } }
                tbody {
                    @for p in &rows { tr {
                        td { input type="checkbox" name="id" value=(p.id) aria-label=(format!("选择 {}", p.id)); }
                        td { a href=(format!("/console/pushes/{}", p.id)) { (p.id) } }
                        td { (p.tenant) } td { (p.receiver) " " span.muted { (p.dialect) } }
                        td { (p.event_type) } td { (status(&p.status)) } td.num { (p.attempts) }
                        td { @if p.status == "pending" { (t(p.next_attempt_at)) } }
                        td { (p.last_error.as_deref().unwrap_or("")) }
                        td { (t(p.created_at)) }
                    } }
                    @if rows.is_empty() { tr { td colspan="10" .muted { "没有推送" } } }
                }
            }
            @if !rows.is_empty() { button type="submit" { "重放所选" } }
        }
        (next_page("/console/pushes", &[("status", Some(st.clone())), ("customer", q.customer.clone()), ("event", q.event.clone())], last))
    };
    Ok(page("推送", "/console/pushes", &s, flash, content))
}

pub async fn show(
    s: Session,
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PushQuery>,
) -> Result<Html<String>, ConsoleError> {
    let p = view::push(&app.db, id)
        .await?
        .ok_or_else(|| crate::service::ServiceError::NotFound(format!("no push {id}")))?;
    let attempts = view::attempts(&app.db, id).await?;
    let order = match p
        .order_key
        .as_deref()
        .and_then(|k| k.strip_prefix("order:"))
    {
        Some(order_id) => order_id.parse::<i64>().ok(),
        None => None,
    };
    let content = html! {
        table {
            tr { th { "编号" } td { (p.id) } th { "状态" } td.push-status { (status(&p.status)) } }
            tr { th { "事件" } td { (p.event_type) } th { "接收方" } td { (p.receiver) " (" (p.dialect) ")" } }
            tr { th { "客户" } td { (p.tenant) } th { "创建时间" } td { (t(p.created_at)) } }
            tr { th { "尝试次数" } td { (p.attempts) } th { "下次尝试" } td { @if p.status == "pending" { (t(p.next_attempt_at)) } } }
            @if let Some(o) = order { tr { th { "订单" } td colspan="3" { "order id " (o) } } }
        }
        form method="post" action="/console/pushes/replay" {
            (csrf(&s))
            input type="hidden" name="id" value=(p.id);
            input type="hidden" name="back" value=(format!("/console/pushes/{}", p.id));
            button type="submit" { "重放" }
        }
        h2 { "投递记录" }
        table {
            thead { tr { th { "#" } th { "开始" } th.num { "耗时 ms" } th { "HTTP" } th { "结果" } th { "错误" } th { "应答" } } }
            tbody { @for a in &attempts { tr {
                td { (a.attempt) } td { (t(a.started_at)) } td.num { (format!("{:.0}", a.duration_ms)) }
                td { (a.http_status.map(|s| s.to_string()).unwrap_or_default()) }
                td { (status(if a.success { "delivered" } else { "failed" })) }
                td { (a.error.as_deref().unwrap_or("")) }
                td { pre { (a.response.as_deref().unwrap_or("")) } }
            } } }
        }
    };
    let flash = q
        .replayed
        .map(|_| Flash::Ok("已重放:推送重新排队,稍后投递".into()));
    Ok(page(
        &format!("推送 {id}"),
        "/console/pushes",
        &s,
        flash,
        content,
    ))
}

/// Replays the pushes selected (ids), then goes back where the form said.
pub async fn replay(
    s: Session,
    State(app): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, ConsoleError> {
    let pairs = form_pairs(&body);
    s.check(field(&pairs, "csrf"))?;
    let ids: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    crate::context::set_business_key(ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    for id in &ids {
        ops::replay_push(&app.db, None, *id).await?;
    }
    let back = field(&pairs, "back")
        .filter(|b| b.starts_with("/console/") && !b.contains("//"))
        .unwrap_or("/console/pushes");
    let sep = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{sep}replayed={}", ids.len())).into_response())
}
