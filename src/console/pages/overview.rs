//! 概览: calls per minute and the error rate over the last hour, the push backlog.

use crate::console::charts;
use crate::console::error::ConsoleError;
use crate::console::layout::{page, Flash};
use crate::console::session::Session;
use crate::state::AppState;
use crate::store;
use axum::extract::State;
use axum::response::Html;
use chrono::{DurationRound, TimeDelta, Utc};
use maud::html;

pub async fn show(s: Session, State(app): State<AppState>) -> Result<Html<String>, ConsoleError> {
    let now = Utc::now();
    let start = now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now) - TimeDelta::minutes(59);
    let rows = store::console::calls_per_minute(&app.db, start).await?;
    let g = store::pushes::outbox_gauges(&app.db).await?;
    // Sixty minutes, the empty ones included.
    let mut calls = vec![0.0; 60];
    let mut errors = vec![0.0; 60];
    for r in &rows {
        let i = (r.minute - start).num_minutes();
        if (0..60).contains(&i) {
            calls[i as usize] = r.calls as f64;
            errors[i as usize] = r.errors as f64;
        }
    }
    let rate: Vec<f64> = calls
        .iter()
        .zip(&errors)
        .map(|(c, e)| if *c > 0.0 { e / c * 100.0 } else { 0.0 })
        .collect();
    let labels: Vec<String> = (0..60)
        .map(|i| crate::domain::time::format(start + TimeDelta::minutes(i))[11..16].to_string())
        .collect();
    let total: f64 = calls.iter().sum();
    let failed: f64 = errors.iter().sum();
    let oldest = g.oldest_pending_secs;
    let flash = (g.dead > 0).then(|| {
        Flash::Error(format!(
            "{} 条推送已失败(dead),请在“推送”页修复接收方后重放",
            g.dead
        ))
    });
    let content = html! {
        div.cards {
            div.card { div.label { "近一小时调用" } div.value { (total) } }
            div.card.bad[failed > 0.0] { div.label { "近一小时错误" } div.value { (failed) } }
            div.card { div.label { "错误率" } div.value { (format!("{:.1}%", if total > 0.0 { failed / total * 100.0 } else { 0.0 })) } }
            div.card { div.label { "待推送" } div.value { (g.pending) } }
            div.card.bad[g.dead > 0] { div.label { "失败推送 (dead)" } div.value { a href="/console/pushes?status=dead" { (g.dead) } } }
            div.card.bad[oldest > 600.0] { div.label { "最久待推送" } div.value { (age(oldest)) } }
        }
        div.charts {
            div.chart {
                h2 { "每分钟调用" }
                (charts::bars(&calls, &labels, 480, 140, "#0969da", ""))
            }
            div.chart {
                h2 { "错误率 (%)" }
                (charts::bars(&rate, &labels, 480, 140, "#cf222e", "%"))
            }
        }
        p.muted { "错误:HTTP 状态 ≥ 400 的调用。时间为北京时间,最右为当前分钟。" }
    };
    Ok(page("概览", "/console", &s, flash, content))
}

fn age(secs: f64) -> String {
    let s = secs.round() as i64;
    match s {
        0 => "—".into(),
        s if s < 60 => format!("{s} 秒"),
        s if s < 3600 => format!("{} 分", s / 60),
        s => format!("{} 时 {} 分", s / 3600, s % 3600 / 60),
    }
}
