//! Administration use cases behind the CLI: identities, ops tokens, the demo setup.

use super::ServiceError;
use crate::auth::secrets::{self, MasterKey};
use crate::domain::client::{ClientKind, Dialect};
use crate::domain::rules;
use crate::store::{self, clients::ClientChange, PgPool};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::Serialize;

/// An identity as administrators see it; `secret` only where the command reveals it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientView {
    pub id: i64,
    pub kind: String,
    pub create_by: String,
    pub data_source: String,
    pub name: Option<String>,
    pub callback_url: Option<String>,
    pub status: String,
    pub rate_limit_per_hour: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub dialect: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// In a sandbox tenant (simulated warehouse; never shares data with a real tenant).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sandbox: bool,
    /// A 3TMS account's user name (shown when it is created).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<store::clients::ClientRow> for ClientView {
    fn from(r: store::clients::ClientRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            create_by: r.create_by,
            data_source: r.data_source,
            name: r.name,
            callback_url: r.callback_url,
            status: r.status,
            rate_limit_per_hour: r.rate_limit_per_hour,
            created_at: r.created_at,
            dialect: r.dialect,
            app_key: r.app_key,
            customer_id: r.customer_id,
            sandbox: r.sandbox,
            user_name: None,
            secret: None,
        }
    }
}

#[derive(Default)]
pub struct NewClientInput {
    pub kind: ClientKind,
    pub create_by: String,
    pub data_source: String,
    pub name: Option<String>,
    pub secret: Option<String>,
    pub callback_url: Option<String>,
    pub rate_limit_per_hour: Option<i32>,
    /// The protocol the identity speaks (鸿讯 by default).
    pub dialect: Dialect,
    /// Qimen and OMS identities: the app key their calls carry (and Qimen's customerId).
    pub app_key: Option<String>,
    pub customer_id: Option<String>,
    /// 3TMS accounts: the user name and password they sign in with.
    pub user_name: Option<String>,
    pub password: Option<String>,
    /// In a sandbox tenant: its createBy must not be a real tenant's (nor a real carrier's or
    /// scanner's), and a real identity's must not be a sandbox one.
    pub sandbox: bool,
}

fn invalid(what: &str, reason: String) -> ServiceError {
    let mut e = crate::domain::validation::FieldErrors::default();
    e.invalid(what, reason);
    ServiceError::Invalid(e)
}

/// Checks a callback URL: absolute http(s) with a host. Where it may point is checked at delivery.
pub fn check_callback_url(u: &str) -> Result<(), ServiceError> {
    let parsed = url::Url::parse(u).map_err(|e| invalid("callback-url", e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(invalid(
            "callback-url",
            "must be an absolute http:// or https:// URL".into(),
        ));
    }
    Ok(())
}

/// The argon2 hash of a new 3TMS password (administration: not on the sign-in pool).
async fn password_hash(password: String) -> Result<String, ServiceError> {
    if password.chars().count() < 6 || password.chars().any(char::is_control) {
        return Err(invalid(
            "password",
            "must be at least 6 characters without control characters".into(),
        ));
    }
    tokio::task::spawn_blocking(move || crate::auth::password::hash(&password))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(ServiceError::Internal)
}

/// The 3TMS account of an identity, by its createBy/dataSource.
async fn tms_account(
    pool: &PgPool,
    create_by: &str,
    data_source: &str,
) -> Result<i64, ServiceError> {
    store::clients::find_by_identity(pool, create_by, data_source)
        .await?
        .filter(|c| c.dialect == Dialect::Tms.as_str())
        .map(|c| c.id)
        .ok_or_else(|| {
            ServiceError::NotFound(format!(
                "no 3TMS account createBy={create_by} dataSource={data_source}"
            ))
        })
}

/// Sets a 3TMS account's password and ends its token pair: whoever held it signs in again.
pub async fn set_tms_password(
    pool: &PgPool,
    create_by: &str,
    data_source: &str,
    password: String,
) -> Result<(), ServiceError> {
    let id = tms_account(pool, create_by, data_source).await?;
    let phc = password_hash(password).await?;
    store::tms::set_password(pool, id, &phc).await?;
    store::tms::revoke_tokens(pool, id, chrono::Utc::now()).await?;
    Ok(())
}

/// Ends a 3TMS account's token pair at once (access and refresh token); returns whether there
/// was a live one.
pub async fn revoke_tms_tokens(
    pool: &PgPool,
    create_by: &str,
    data_source: &str,
) -> Result<bool, ServiceError> {
    let id = tms_account(pool, create_by, data_source).await?;
    Ok(store::tms::revoke_tokens(pool, id, chrono::Utc::now()).await? > 0)
}

/// Creates an identity and returns it with its secret (generated when not given).
pub async fn add_client(
    pool: &PgPool,
    key: &MasterKey,
    input: NewClientInput,
) -> Result<ClientView, ServiceError> {
    let create_by = rules::code(input.create_by).map_err(|r| invalid("create-by", r))?;
    let data_source = rules::code(input.data_source).map_err(|r| invalid("data-source", r))?;
    if let Some(u) = &input.callback_url {
        check_callback_url(u)?;
    }
    if matches!(input.rate_limit_per_hour, Some(n) if n <= 0) {
        return Err(invalid("rate-limit", "must be > 0".into()));
    }
    let secret = match input.secret {
        // Secrets issued by earlier systems are imported as they are, short ones included.
        Some(s) if s.is_empty() || s.trim() != s => {
            return Err(invalid(
                "secret",
                "must be non-empty without surrounding white space".into(),
            ))
        }
        Some(s) => s,
        None => secrets::generate_secret(),
    };
    let app_key = input
        .app_key
        .map(|k| rules::code(k).map_err(|r| invalid("app-key", r)))
        .transpose()?;
    let customer_id = input
        .customer_id
        .map(|k| rules::code(k).map_err(|r| invalid("customer-id", r)))
        .transpose()?;
    match input.dialect {
        Dialect::Qimen | Dialect::Oms if app_key.is_none() => {
            return Err(invalid(
                "app-key",
                format!("is required for a {} identity", input.dialect),
            ))
        }
        Dialect::Qimen | Dialect::Oms if input.kind != ClientKind::Customer => {
            return Err(invalid(
                "dialect",
                format!("{} identities are customers", input.dialect),
            ))
        }
        Dialect::Hongxun | Dialect::Tms if app_key.is_some() || customer_id.is_some() => {
            return Err(invalid(
                "app-key",
                "only Qimen and OMS identities carry an app key".into(),
            ))
        }
        Dialect::Tms if input.kind != ClientKind::Customer => {
            return Err(invalid("dialect", "tms identities are customers".into()))
        }
        _ => {}
    }
    let account = match (input.dialect, input.user_name, input.password) {
        (Dialect::Tms, Some(user), Some(password)) => {
            let user = rules::code(user).map_err(|r| invalid("user-name", r))?;
            Some((user, password_hash(password).await?))
        }
        (Dialect::Tms, _, _) => {
            return Err(invalid(
                "user-name",
                "a tms identity needs --user-name and --password".into(),
            ))
        }
        (_, None, None) => None,
        _ => {
            return Err(invalid(
                "user-name",
                "only tms identities sign in with a user name and password".into(),
            ))
        }
    };
    let enc = key.encrypt(&secret);
    let mut conn = pool.begin().await?;
    store::clients::claim_namespace(&mut conn, &create_by, input.sandbox).await?;
    let row = store::clients::insert(
        &mut conn,
        &store::clients::NewClient {
            kind: input.kind.as_str(),
            create_by: &create_by,
            data_source: &data_source,
            name: input.name.as_deref(),
            secret_enc: &enc,
            callback_url: input.callback_url.as_deref(),
            rate_limit_per_hour: input.rate_limit_per_hour,
            dialect: input.dialect.as_str(),
            app_key: app_key.as_deref(),
            customer_id: customer_id.as_deref(),
            sandbox: input.sandbox,
        },
    )
    .await
    .map_err(|e| {
        if store::is_foreign_key_violation(&e, "clients_tenant_fkey") {
            ServiceError::Conflict(if input.sandbox {
                format!("createBy {create_by} is a real tenant: a sandbox identity needs a createBy of its own")
            } else {
                format!("createBy {create_by} is a sandbox tenant: a real identity needs a createBy of its own")
            })
        } else if store::is_unique_violation(&e, "clients_identity_key") {
            ServiceError::Conflict(format!(
                "identity createBy={create_by} dataSource={data_source} already exists"
            ))
        } else if store::is_unique_violation(&e, "clients_qimen_key")
            || store::is_unique_violation(&e, "clients_oms_key")
        {
            ServiceError::Conflict(
                "another identity already has this app key (and customerId)".into(),
            )
        } else {
            e.into()
        }
    })?;
    if let Some((user, hash)) = &account {
        store::tms::insert_account(&mut conn, row.id, user, hash)
            .await
            .map_err(|e| {
                if store::is_unique_violation(&e, "tms_accounts_user_key") {
                    ServiceError::Conflict(format!("another account is called {user}"))
                } else {
                    e.into()
                }
            })?;
    }
    conn.commit().await?;
    let mut view = ClientView::from(row);
    view.secret = Some(secret);
    view.user_name = account.map(|(u, _)| u);
    Ok(view)
}

pub async fn list_clients(pool: &PgPool) -> Result<Vec<ClientView>, ServiceError> {
    Ok(store::clients::list(pool)
        .await?
        .into_iter()
        .map(ClientView::from)
        .collect())
}

/// Applies a change to an identity, or says there is no such identity.
pub async fn change_client(
    pool: &PgPool,
    create_by: &str,
    data_source: &str,
    change: ClientChange<'_>,
) -> Result<ClientView, ServiceError> {
    if let Some(Some(u)) = change.callback_url {
        check_callback_url(u)?;
    }
    store::clients::update(pool, create_by, data_source, &change)
        .await?
        .map(ClientView::from)
        .ok_or_else(|| {
            ServiceError::NotFound(format!(
                "no identity createBy={create_by} dataSource={data_source}"
            ))
        })
}

/// Replaces an identity's secret; the old one stops working at once.
pub async fn rotate_secret(
    pool: &PgPool,
    key: &MasterKey,
    create_by: &str,
    data_source: &str,
    secret: Option<String>,
) -> Result<ClientView, ServiceError> {
    let secret = secret.unwrap_or_else(secrets::generate_secret);
    let enc = key.encrypt(&secret);
    let change = ClientChange {
        secret_enc: Some(&enc),
        ..Default::default()
    };
    let mut view = change_client(pool, create_by, data_source, change).await?;
    view.secret = Some(secret);
    Ok(view)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Issues an ops bearer token; it is shown once and only its hash is kept.
pub async fn add_token(pool: &PgPool, name: &str) -> Result<TokenView, ServiceError> {
    let name = rules::code(name.to_string()).map_err(|r| invalid("name", r))?;
    let token = secrets::generate_ops_token();
    let row = store::tokens::insert(pool, &name, &secrets::hash_token(&token))
        .await
        .map_err(|e| {
            if store::is_unique_violation(&e, "ops_tokens_name_key") {
                ServiceError::Conflict(format!("a token named {name} already exists"))
            } else {
                e.into()
            }
        })?;
    Ok(TokenView {
        id: row.id,
        name: row.name,
        status: row.status,
        created_at: row.created_at,
        token: Some(token),
    })
}

pub async fn list_tokens(pool: &PgPool) -> Result<Vec<TokenView>, ServiceError> {
    Ok(store::tokens::list(pool)
        .await?
        .into_iter()
        .map(|r| TokenView {
            id: r.id,
            name: r.name,
            status: r.status,
            created_at: r.created_at,
            token: None,
        })
        .collect())
}

pub async fn set_token_status(pool: &PgPool, name: &str, active: bool) -> Result<(), ServiceError> {
    let status = if active { "active" } else { "disabled" };
    if store::tokens::set_status(pool, name, status).await? {
        Ok(())
    } else {
        Err(ServiceError::NotFound(format!("no token named {name}")))
    }
}

/// A demo identity `scripts/serve` creates.
pub struct DemoClient {
    pub kind: ClientKind,
    pub create_by: &'static str,
    pub data_source: &'static str,
    pub name: &'static str,
    pub dialect: Dialect,
    /// The app key (and customerId) a Qimen identity is selected by.
    pub app_key: Option<&'static str>,
    pub customer_id: Option<&'static str>,
    pub callback_url: Option<&'static str>,
    /// A 3TMS account's sign-in (a fixed demo password, printed by `demo`).
    pub sign_in: Option<(&'static str, &'static str)>,
    /// In the sandbox tenant `SANDBOX` (its orders move on their own).
    pub sandbox: bool,
}

/// One identity per dialect and kind: the 鸿讯 customer, carrier and DWS scanner, and a Qimen
/// ERP and an OMS of the same tenant as the 鸿讯 customer; then one sandbox identity per
/// dialect, in the sandbox tenant `SANDBOX`, with a placeholder callback URL to replace
/// (`client set --callback-url`).
pub const DEMO_CLIENTS: [DemoClient; 10] = [
    DemoClient {
        kind: ClientKind::Customer,
        create_by: "DEMO",
        data_source: "DEMO-ERP",
        name: "Demo customer",
        dialect: Dialect::Hongxun,
        app_key: None,
        customer_id: None,
        callback_url: Some("http://127.0.0.1:9999/hongxun/callback"),
        sign_in: None,
        sandbox: false,
    },
    DemoClient {
        kind: ClientKind::Customer,
        create_by: "DEMO",
        data_source: "DEMO-QIMEN",
        name: "Demo Qimen ERP",
        dialect: Dialect::Qimen,
        app_key: Some("demo-qimen"),
        customer_id: Some("DEMO-QIMEN-C"),
        callback_url: Some("http://127.0.0.1:9999/qimen/callback"),
        sign_in: None,
        sandbox: false,
    },
    DemoClient {
        kind: ClientKind::Customer,
        create_by: "DEMO",
        data_source: "DEMO-OMS",
        name: "Demo OMS",
        dialect: Dialect::Oms,
        app_key: Some("demo-oms"),
        customer_id: None,
        callback_url: None,
        sign_in: None,
        sandbox: false,
    },
    DemoClient {
        kind: ClientKind::Customer,
        create_by: "DEMO",
        data_source: "DEMO-3TMS",
        name: "Demo 3TMS shipper",
        dialect: Dialect::Tms,
        app_key: None,
        customer_id: None,
        callback_url: None,
        sign_in: Some(("demo-tms", "demo-tms-password")),
        sandbox: false,
    },
    DemoClient {
        kind: ClientKind::Carrier,
        create_by: "DEMO-CARRIER",
        data_source: "DEMO-TMS",
        name: "Demo carrier",
        dialect: Dialect::Hongxun,
        app_key: None,
        customer_id: None,
        callback_url: None,
        sign_in: None,
        sandbox: false,
    },
    DemoClient {
        kind: ClientKind::Device,
        create_by: "DEMO-DWS",
        data_source: "DWS-01",
        name: "Demo DWS scanner",
        dialect: Dialect::Hongxun,
        app_key: None,
        customer_id: None,
        callback_url: None,
        sign_in: None,
        sandbox: false,
    },
    DemoClient {
        kind: ClientKind::Customer,
        create_by: "SANDBOX",
        data_source: "SANDBOX-ERP",
        name: "Sandbox 鸿讯 customer",
        dialect: Dialect::Hongxun,
        app_key: None,
        customer_id: None,
        callback_url: Some("http://127.0.0.1:9999/sandbox/hongxun"),
        sign_in: None,
        sandbox: true,
    },
    DemoClient {
        kind: ClientKind::Customer,
        create_by: "SANDBOX",
        data_source: "SANDBOX-QIMEN",
        name: "Sandbox Qimen ERP",
        dialect: Dialect::Qimen,
        app_key: Some("sandbox-qimen"),
        customer_id: Some("SANDBOX-QIMEN-C"),
        callback_url: Some("http://127.0.0.1:9999/sandbox/qimen"),
        sign_in: None,
        sandbox: true,
    },
    DemoClient {
        kind: ClientKind::Customer,
        create_by: "SANDBOX",
        data_source: "SANDBOX-OMS",
        name: "Sandbox OMS",
        dialect: Dialect::Oms,
        app_key: Some("sandbox-oms"),
        customer_id: None,
        callback_url: None,
        sign_in: None,
        sandbox: true,
    },
    DemoClient {
        kind: ClientKind::Customer,
        create_by: "SANDBOX",
        data_source: "SANDBOX-3TMS",
        name: "Sandbox 3TMS shipper",
        dialect: Dialect::Tms,
        app_key: None,
        customer_id: None,
        callback_url: Some("http://127.0.0.1:9999/sandbox/tms"),
        sign_in: Some(("sandbox-tms", "sandbox-tms-password")),
        sandbox: true,
    },
];
pub const DEMO_TOKEN: &str = "demo-ops";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoSetup {
    pub clients: Vec<ClientView>,
    /// How the demo 3TMS shipper signs in (/user/generate_access_token/v2).
    pub tms_sign_in: Vec<serde_json::Value>,
    pub ops_token: TokenView,
}

/// Creates the demo identities when missing (reusing existing ones and their secrets)
/// and issues a fresh demo ops token, since stored tokens cannot be shown again.
pub async fn ensure_demo(pool: &PgPool, key: &MasterKey) -> Result<DemoSetup, ServiceError> {
    let mut clients = Vec::new();
    for d in DEMO_CLIENTS {
        let view = match store::clients::find_by_identity(pool, d.create_by, d.data_source).await? {
            Some(row) => {
                let secret = key
                    .decrypt(&row.secret_enc)
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
                let mut v = ClientView::from(row);
                v.secret = Some(secret.expose_secret().to_string());
                v
            }
            None => {
                add_client(
                    pool,
                    key,
                    NewClientInput {
                        kind: d.kind,
                        create_by: d.create_by.into(),
                        data_source: d.data_source.into(),
                        name: Some(d.name.into()),
                        callback_url: d.callback_url.map(str::to_string),
                        dialect: d.dialect,
                        app_key: d.app_key.map(str::to_string),
                        customer_id: d.customer_id.map(str::to_string),
                        user_name: d.sign_in.map(|(u, _)| u.to_string()),
                        password: d.sign_in.map(|(_, p)| p.to_string()),
                        sandbox: d.sandbox,
                        ..Default::default()
                    },
                )
                .await?
            }
        };
        clients.push(view);
    }
    store::tokens::delete(pool, DEMO_TOKEN).await?;
    let ops_token = add_token(pool, DEMO_TOKEN).await?;
    let tms_sign_in = DEMO_CLIENTS
        .iter()
        .filter_map(|d| d.sign_in)
        .map(|(u, p)| serde_json::json!({"userName": u, "password": p}))
        .collect();
    Ok(DemoSetup {
        clients,
        tms_sign_in,
        ops_token,
    })
}
