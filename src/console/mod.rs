//! The web console at `/console`: server-rendered pages (maud) for the people who run the
//! gateway, signed in with an ops token. No script at all and nothing loaded from elsewhere:
//! the stylesheet is compiled in, charts are SVG drawn on the server, and a strict
//! Content-Security-Policy says so to the browser. Every form carries the session's CSRF
//! token; every POST must come from this origin; each action is audited with the token's name
//! (`console:<name>`).

mod charts;
mod error;
mod layout;
mod pages;
mod session;

use crate::domain::validation::FieldErrors;
use crate::http::RouteTag;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use error::ConsoleError;

const CSS: &str = include_str!("assets/console.css");

/// Everything the browser may load or do on a console page.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                       frame-ancestors 'none'; base-uri 'none'";

/// Console routes are audited as `console` (their POSTs: the actions).
pub const TAG: RouteTag = RouteTag {
    dialect: "console",
    problems: |e: FieldErrors| {
        let m = e
            .iter()
            .map(|f| format!("{}: {}", f.path, f.reason))
            .collect::<Vec<_>>()
            .join("; ");
        (StatusCode::BAD_REQUEST, layout::bare("请求有误", &m)).into_response()
    },
    internal: || {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            layout::bare("出错了", "internal error"),
        )
            .into_response()
    },
    unavailable: |m| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            layout::bare("暂不可用", &m),
        )
            .into_response()
    },
    audit_reads: false,
};

pub fn router() -> Router<AppState> {
    let routes = Router::new()
        .route("/console", get(pages::overview::show))
        .route("/console/login", get(login_form).post(login))
        .route("/console/logout", post(logout))
        .route("/console/orders", get(pages::orders::list))
        .route("/console/orders/{hx}", get(pages::orders::show))
        .route("/console/pushes", get(pages::pushes::list))
        .route("/console/pushes/replay", post(pages::pushes::replay))
        .route("/console/pushes/{id}", get(pages::pushes::show))
        .route(
            "/console/identities",
            get(pages::identities::list).post(pages::identities::create),
        )
        .route("/console/identities/{id}", post(pages::identities::change))
        .route("/console/inventory", get(pages::inventory::list))
        .route("/console/inventory/{id}", get(pages::inventory::ledger))
        .route("/console/dws", get(pages::dws::list))
        .route("/console/adjustments", get(pages::adjustments::list))
        .route(
            "/console/adjustments/{id}",
            post(pages::adjustments::decide),
        )
        .route("/console/assets/console.css", get(css));
    let routes = routes
        .route_layer(middleware::from_fn(origin_check))
        .layer(middleware::from_fn(security_headers));
    crate::http::tag_plain_routes(routes, TAG)
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

async fn origin_check(req: Request, next: Next) -> Response {
    if req.method() == Method::POST && !session::same_origin(req.headers()) {
        return ConsoleError::Origin.into_response();
    }
    next.run(req).await
}

async fn login_form() -> Response {
    login_page(None, StatusCode::OK)
}

fn login_page(error: Option<&str>, status: StatusCode) -> Response {
    use maud::{html, DOCTYPE};
    let m = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                title { "登录 · 鸿讯网关" }
                link rel="stylesheet" href="/console/assets/console.css";
            }
            body {
                main.login {
                    h1 { "鸿讯网关 控制台" }
                    @if let Some(e) = error { div.flash.error { (e) } }
                    form method="post" action="/console/login" {
                        label for="token" { "运维令牌 (ops token)" }
                        input id="token" name="token" type="password" autocomplete="current-password" required;
                        button type="submit" { "登录" }
                    }
                    p.muted { "令牌由 " code { "hongxun-gateway token add --name …" } " 签发。" }
                }
            }
        }
    };
    (status, axum::response::Html(m.into_string())).into_response()
}

async fn login(
    State(app): State<AppState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let pairs = session::form_pairs(&body);
    let token = session::field(&pairs, "token").unwrap_or_default();
    match session::sign_in(&app, token, session::over_tls(&headers)).await {
        Ok(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to("/console")).into_response(),
        Err(ConsoleError::SignIn(_)) => {
            login_page(Some("令牌无效或已停用"), StatusCode::UNAUTHORIZED)
        }
        Err(e) => e.into_response(),
    }
}

async fn logout(
    State(app): State<AppState>,
    s: session::Session,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ConsoleError> {
    let pairs = session::form_pairs(&body);
    s.check(session::field(&pairs, "csrf"))?;
    let cookie = session::sign_out(&app, &headers).await?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/console/login"),
    )
        .into_response())
}
