//! 调整申请: stock adjustments ERPs asked for (Qimen inventory.synchronize), approved or
//! refused by the warehouse.

use crate::console::error::ConsoleError;
use crate::console::layout::{csrf, page, status, t, Flash};
use crate::console::session::{field, form_pairs, Session};
use crate::service::{adjustment_requests, ServiceError};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Html;
use maud::html;

async fn render(
    s: &Session,
    app: &AppState,
    flash: Option<Flash>,
) -> Result<Html<String>, ConsoleError> {
    let pending = adjustment_requests::list(&app.db, Some("PENDING"), 0, 200).await?;
    let content = html! {
        table {
            thead { tr { th { "编号" } th { "客户" } th { "调整单号" } th { "仓库 / 货主" } th { "类型" } th { "明细" } th { "备注" } th { "收到" } th { "决定" } } }
            tbody {
                @for r in &pending { tr {
                    td { (r.id) } td { (r.customer) } td { (r.adjust_order_code) }
                    td { (r.request.inventory_code) " / " (r.request.subbase_code) } td { (r.request.adjust_type) }
                    td { @for l in &r.request.lines { div { (l.item_code) " " (l.inventory_type) " " (if l.qty > 0 { "+" } else { "" }) (l.qty) } } }
                    td { (r.request.remark.as_deref().unwrap_or("")) }
                    td { (t(r.created_at)) }
                    td {
                        form.inline method="post" action=(format!("/console/adjustments/{}", r.id)) {
                            (csrf(s)) input type="hidden" name="decision" value="approve";
                            button type="submit" { "批准" }
                        }
                        form.inline method="post" action=(format!("/console/adjustments/{}", r.id)) {
                            (csrf(s)) input type="hidden" name="decision" value="refuse";
                            input name="reason" placeholder="拒绝理由" size="12";
                            button.danger type="submit" { "拒绝" }
                        }
                    }
                } }
                @if pending.is_empty() { tr { td colspan="9" .muted { "没有待处理的申请" } } }
            }
        }
        p.muted { "批准即按申请调整库存,结果推送给申请方(taobao.qimen.inventory.synchronize.report)。" (status("PENDING")) }
    };
    Ok(page("调整申请", "/console/adjustments", s, flash, content))
}

pub async fn list(s: Session, State(app): State<AppState>) -> Result<Html<String>, ConsoleError> {
    render(&s, &app, None).await
}

pub async fn decide(
    s: Session,
    State(app): State<AppState>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Html<String>, ConsoleError> {
    let p = form_pairs(&body);
    s.check(field(&p, "csrf"))?;
    let approve = field(&p, "decision") == Some("approve");
    let reason = field(&p, "reason").map(str::trim).filter(|r| !r.is_empty());
    crate::context::set_business_key(format!("adjustment:{id}"));
    let flash = match adjustment_requests::decide(
        &app.db,
        None,
        id,
        approve,
        reason,
        &format!("console:{}", s.token_name),
    )
    .await
    {
        Ok(_) => Flash::Ok(format!(
            "申请 {id} 已{}",
            if approve { "批准" } else { "拒绝" }
        )),
        Err(ServiceError::WrongStatus(m)) => Flash::Error(m),
        Err(e) => return Err(e.into()),
    };
    render(&s, &app, Some(flash)).await
}
