//! The console's page shell: navigation in Chinese, the signed-in token, the stylesheet
//! (compiled in), and small helpers. maud escapes every value it is given.

use super::session::Session;
use axum::response::Html;
use chrono::{DateTime, Utc};
use maud::{html, Markup, DOCTYPE};

pub const NAV: [(&str, &str); 7] = [
    ("/console", "概览"),
    ("/console/orders", "订单"),
    ("/console/pushes", "推送"),
    ("/console/identities", "身份"),
    ("/console/inventory", "库存"),
    ("/console/dws", "DWS"),
    ("/console/adjustments", "调整申请"),
];

/// A message shown above a page's content after an action.
pub enum Flash {
    Ok(String),
    Error(String),
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · 鸿讯网关" }
            link rel="stylesheet" href="/console/assets/console.css";
        }
    }
}

/// A full page: navigation with `active` marked, the user, an optional flash, the content.
pub fn page(
    title: &str,
    active: &str,
    s: &Session,
    flash: Option<Flash>,
    content: Markup,
) -> Html<String> {
    let m = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            (head(title))
            body {
                header {
                    span.brand { "鸿讯网关 控制台" }
                    nav {
                        @for (href, label) in NAV {
                            a href=(href) class=[(href == active).then_some("on")] { (label) }
                        }
                    }
                    div.who {
                        span { "令牌 " (s.token_name) }
                        form.inline method="post" action="/console/logout" {
                            (csrf(s))
                            button type="submit" { "退出" }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    @match flash {
                        Some(Flash::Ok(m)) => div.flash { (m) },
                        Some(Flash::Error(m)) => div.flash.error { (m) },
                        None => {},
                    }
                    (content)
                }
            }
        }
    };
    Html(m.into_string())
}

/// A page without navigation (sign-in, errors).
pub fn bare(title: &str, message: &str) -> Html<String> {
    let m = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            (head(title))
            body {
                main.login {
                    h1 { (title) }
                    p { (message) }
                    p { a href="/console" { "返回控制台" } }
                }
            }
        }
    };
    Html(m.into_string())
}

/// The hidden CSRF field every form carries.
pub fn csrf(s: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(s.csrf); }
}

/// A time as the contracts write it (UTC+08:00).
pub fn t(at: DateTime<Utc>) -> String {
    crate::domain::time::format(at)
}

pub fn status(s: &str) -> Markup {
    html! { span class=(format!("status {s}")) { (s) } }
}

/// A link to the next page: the current query with `before` set to the last id shown.
pub fn next_page(path: &str, query: &[(&str, Option<String>)], last_id: Option<i64>) -> Markup {
    let Some(last) = last_id else {
        return html! {};
    };
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            q.append_pair(k, v);
        }
    }
    q.append_pair("before", &last.to_string());
    html! { div.pager { a href=(format!("{path}?{}", q.finish())) { "下一页 →" } } }
}

/// An empty input counts as not given.
pub fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}
