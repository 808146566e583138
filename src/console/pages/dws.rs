//! DWS: recent scans, the unmatched and ambiguous ones first.

use crate::console::error::ConsoleError;
use crate::console::layout::{next_page, page, status, t};
use crate::console::session::Session;
use crate::state::AppState;
use crate::store::console::{self as view, ScanRow};
use axum::extract::{Query, State};
use axum::response::Html;
use maud::{html, Markup};
use serde::Deserialize;

const PAGE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
pub struct ScanQuery {
    before: Option<i64>,
}

fn table(rows: &[ScanRow]) -> Markup {
    html! {
        table {
            thead { tr { th { "扫描时间" } th { "设备" } th { "条码" } th.num { "重量 kg" } th { "匹配" } th { "客户" } th { "订单" } } }
            tbody {
                @for r in rows { tr {
                    td { (t(r.scan_time)) } td { (r.device_code) } td { (r.barcode) } td.num { (r.weight_kg) }
                    td { (status(&r.match_status)) } td { (r.tenant.as_deref().unwrap_or("")) }
                    td { (r.order_code.as_deref().unwrap_or("")) }
                } }
                @if rows.is_empty() { tr { td colspan="7" .muted { "没有扫描" } } }
            }
        }
    }
}

pub async fn list(
    s: Session,
    State(app): State<AppState>,
    Query(q): Query<ScanQuery>,
) -> Result<Html<String>, ConsoleError> {
    let ambiguous = view::scans(&app.db, Some("AMBIGUOUS"), None, 50).await?;
    let unmatched = view::scans(&app.db, Some("UNMATCHED"), None, 50).await?;
    let recent = view::scans(&app.db, None, q.before, PAGE).await?;
    let last = (recent.len() as i64 == PAGE)
        .then(|| recent.last().map(|r| r.id))
        .flatten();
    let content = html! {
        h2 { "歧义 (一个条码对应多个包裹)" }
        (table(&ambiguous))
        h2 { "未匹配 (包裹发货后自动匹配)" }
        (table(&unmatched))
        h2 { "最近扫描" }
        (table(&recent))
        (next_page("/console/dws", &[], last))
    };
    Ok(page("DWS 扫描", "/console/dws", &s, None, content))
}
