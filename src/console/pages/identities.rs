//! 身份: every identity with its dialect; create one, disable/enable, set the callback URL and
//! the rate limit, rotate the secret. A new secret is shown once, on the page that made it.

use crate::console::error::ConsoleError;
use crate::console::layout::{csrf, page, status, t, Flash};
use crate::console::session::{field, form_pairs, Session};
use crate::domain::client::{ClientKind, Dialect};
use crate::service::admin::{self, ClientView, NewClientInput};
use crate::service::ServiceError;
use crate::state::AppState;
use crate::store::clients::ClientChange;
use axum::extract::{Path, State};
use axum::response::Html;
use maud::{html, Markup};

fn invalid(what: &str, why: &str) -> ConsoleError {
    let mut e = crate::domain::validation::FieldErrors::default();
    e.invalid(what, why);
    ConsoleError::Service(ServiceError::Invalid(e))
}

fn secret_box(v: &ClientView) -> Markup {
    html! {
        div.flash {
            "密钥只显示这一次,请立即交给对方:"
            div.secret.new-secret { (v.secret.as_deref().unwrap_or("")) }
            div.muted { (v.create_by) " / " (v.data_source) }
        }
    }
}

async fn render(
    s: &Session,
    app: &AppState,
    flash: Option<Flash>,
    shown: Option<Markup>,
) -> Result<Html<String>, ConsoleError> {
    let all = admin::list_clients(&app.db).await?;
    let content = html! {
        @if let Some(m) = shown { (m) }
        table {
            thead { tr { th { "编号" } th { "类别" } th { "createBy / dataSource" } th { "方言" } th { "app key" } th { "状态" } th { "回调地址" } th { "限流/小时" } th { "创建时间" } th { "操作" } } }
            tbody { @for c in &all { tr id=(format!("identity-{}", c.id)) {
                td { (c.id) } td { (c.kind) }
                td { (c.create_by) " / " (c.data_source) @if c.sandbox { " " span.status.sandbox title="沙箱: 订单由模拟仓库自动处理" { "沙箱" } } }
                td { (c.dialect) } td { (c.app_key.as_deref().unwrap_or("")) (c.customer_id.as_deref().map(|x| format!(" ({x})")).unwrap_or_default()) }
                td { (status(&c.status)) }
                td {
                    form.inline method="post" action=(format!("/console/identities/{}", c.id)) {
                        (csrf(s)) input type="hidden" name="action" value="callback";
                        input name="url" value=[c.callback_url.as_deref()] placeholder="https://…" size="28";
                        button.secondary type="submit" { "保存" }
                    }
                }
                td {
                    form.inline method="post" action=(format!("/console/identities/{}", c.id)) {
                        (csrf(s)) input type="hidden" name="action" value="rate";
                        input name="per_hour" value=[c.rate_limit_per_hour] placeholder="默认" size="6";
                        button.secondary type="submit" { "保存" }
                    }
                }
                td { (t(c.created_at)) }
                td {
                    form.inline method="post" action=(format!("/console/identities/{}", c.id)) {
                        (csrf(s))
                        @if c.status == "active" {
                            input type="hidden" name="action" value="disable";
                            button.danger type="submit" { "停用" }
                        } @else {
                            input type="hidden" name="action" value="enable";
                            button type="submit" { "启用" }
                        }
                    }
                    form.inline method="post" action=(format!("/console/identities/{}", c.id)) {
                        (csrf(s)) input type="hidden" name="action" value="rotate";
                        button.secondary type="submit" { "更换密钥" }
                    }
                }
            } } }
        }
        h2 { "新建身份" }
        form.stack method="post" action="/console/identities" {
            (csrf(s))
            label { "类别" select name="kind" { option value="customer" { "customer 客户" } option value="carrier" { "carrier 承运商" } option value="device" { "device 设备" } } }
            label { "createBy" input name="create_by" required; }
            label { "dataSource" input name="data_source" required; }
            label { "名称" input name="name"; }
            label { "方言" select name="dialect" { @for d in Dialect::ALL { option value=(d.as_str()) { (d.as_str()) } } } }
            label { "app key (奇门/OMS)" input name="app_key"; }
            label { "customerId (奇门)" input name="customer_id"; }
            label { "用户名 (3TMS)" input name="user_name"; }
            label { "密码 (3TMS)" input type="password" name="password" autocomplete="new-password"; }
            label { "回调地址" input name="callback_url" placeholder="https://…"; }
            label { input type="checkbox" name="sandbox"; " 沙箱 (模拟仓库自动处理订单; createBy 不可与正式身份相同)" }
            label { "限流/小时" input name="rate_limit" placeholder="默认"; }
            button type="submit" { "创建" }
        }
    };
    Ok(page("身份", "/console/identities", s, flash, content))
}

pub async fn list(s: Session, State(app): State<AppState>) -> Result<Html<String>, ConsoleError> {
    render(&s, &app, None, None).await
}

fn opt(pairs: &[(String, String)], name: &str) -> Option<String> {
    field(pairs, name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

pub async fn create(
    s: Session,
    State(app): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Html<String>, ConsoleError> {
    let p = form_pairs(&body);
    s.check(field(&p, "csrf"))?;
    let kind: ClientKind = opt(&p, "kind")
        .unwrap_or_default()
        .parse()
        .map_err(|e: String| invalid("kind", &e))?;
    let dialect = Dialect::parse(&opt(&p, "dialect").unwrap_or_else(|| "hongxun".into()))
        .ok_or_else(|| invalid("dialect", "unknown dialect"))?;
    let rate = match opt(&p, "rate_limit") {
        Some(r) => Some(
            r.parse::<i32>()
                .map_err(|_| invalid("rate_limit", "must be a whole number"))?,
        ),
        None => None,
    };
    let input = NewClientInput {
        kind,
        create_by: opt(&p, "create_by").unwrap_or_default(),
        data_source: opt(&p, "data_source").unwrap_or_default(),
        name: opt(&p, "name"),
        secret: None,
        callback_url: opt(&p, "callback_url"),
        rate_limit_per_hour: rate,
        dialect,
        app_key: opt(&p, "app_key"),
        customer_id: opt(&p, "customer_id"),
        user_name: opt(&p, "user_name"),
        password: opt(&p, "password"),
        sandbox: opt(&p, "sandbox").is_some(),
    };
    crate::context::set_business_key(format!("{}/{}", input.create_by, input.data_source));
    let v = match admin::add_client(&app.db, &app.key, input).await {
        Ok(v) => v,
        Err(ServiceError::Invalid(e)) => {
            let m = e
                .iter()
                .map(|f| format!("{}: {}", f.path, f.reason))
                .collect::<Vec<_>>()
                .join("; ");
            return render(&s, &app, Some(Flash::Error(m)), None).await;
        }
        Err(ServiceError::Conflict(m)) => {
            return render(&s, &app, Some(Flash::Error(m)), None).await
        }
        Err(e) => return Err(e.into()),
    };
    let flash = Flash::Ok(format!("已创建 {} / {}", v.create_by, v.data_source));
    render(&s, &app, Some(flash), Some(secret_box(&v))).await
}

pub async fn change(
    s: Session,
    State(app): State<AppState>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Html<String>, ConsoleError> {
    let p = form_pairs(&body);
    s.check(field(&p, "csrf"))?;
    let all = admin::list_clients(&app.db).await?;
    let c = all
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| ServiceError::NotFound(format!("no identity {id}")))?;
    let (cb, ds) = (c.create_by.as_str(), c.data_source.as_str());
    crate::context::set_business_key(format!("{cb}/{ds}"));
    let action = opt(&p, "action").unwrap_or_default();
    let url = opt(&p, "url");
    let rate = match opt(&p, "per_hour") {
        Some(r) => Some(
            r.parse::<i32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| invalid("per_hour", "must be a whole number > 0"))?,
        ),
        None => None,
    };
    let change = match action.as_str() {
        "disable" => ClientChange {
            status: Some("disabled"),
            ..Default::default()
        },
        "enable" => ClientChange {
            status: Some("active"),
            ..Default::default()
        },
        "callback" => {
            if let Some(u) = &url {
                admin::check_callback_url(u)?;
            }
            ClientChange {
                callback_url: Some(url.as_deref()),
                ..Default::default()
            }
        }
        "rate" => ClientChange {
            rate_limit_per_hour: Some(rate),
            ..Default::default()
        },
        "rotate" => {
            let v = admin::rotate_secret(&app.db, &app.key, cb, ds, None).await?;
            let flash = Flash::Ok(format!("已更换 {cb} / {ds} 的密钥,旧密钥立即失效"));
            return render(&s, &app, Some(flash), Some(secret_box(&v))).await;
        }
        other => return Err(invalid("action", &format!("unknown action {other:?}"))),
    };
    admin::change_client(&app.db, cb, ds, change).await?;
    let done = match action.as_str() {
        "disable" => "已停用",
        "enable" => "已启用",
        "callback" => "已保存回调地址",
        _ => "已保存限流",
    };
    render(
        &s,
        &app,
        Some(Flash::Ok(format!("{cb} / {ds}: {done}"))),
        None,
    )
    .await
}
