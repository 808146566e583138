//! Identities (`clients`): lookup on every call, administration from the CLI.

use super::{PgConnection, PgPool};
use chrono::{DateTime, Utc};

/// A stored identity; the secret is still encrypted.
#[derive(Debug, Clone)]
pub struct ClientRow {
    pub id: i64,
    pub kind: String,
    pub create_by: String,
    pub data_source: String,
    pub name: Option<String>,
    pub secret_enc: Vec<u8>,
    pub callback_url: Option<String>,
    pub status: String,
    pub rate_limit_per_hour: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub dialect: String,
    pub app_key: Option<String>,
    pub customer_id: Option<String>,
    /// Of a sandbox tenant (`tenants.sandbox`): simulated warehouse, signature help.
    pub sandbox: bool,
}

pub struct NewClient<'a> {
    pub kind: &'a str,
    pub create_by: &'a str,
    pub data_source: &'a str,
    pub name: Option<&'a str>,
    pub secret_enc: &'a [u8],
    pub callback_url: Option<&'a str>,
    pub rate_limit_per_hour: Option<i32>,
    pub dialect: &'a str,
    pub app_key: Option<&'a str>,
    pub customer_id: Option<&'a str>,
    pub sandbox: bool,
}

/// The identity of any dialect a `createBy`/`dataSource` pair names (administration).
pub async fn find_by_identity(
    pool: &PgPool,
    create_by: &str,
    data_source: &str,
) -> sqlx::Result<Option<ClientRow>> {
    sqlx::query_as!(
        ClientRow,
        r#"SELECT id, kind, create_by, data_source, name, secret_enc, callback_url, status,
                  rate_limit_per_hour, created_at, dialect, app_key, customer_id, sandbox
             FROM clients WHERE create_by = $1 AND data_source = $2"#,
        create_by,
        data_source
    )
    .fetch_optional(pool)
    .await
}

/// The identity a signed 鸿讯 envelope names: only identities of `dialect`, so that a Qimen,
/// OMS or 3TMS secret (which its holder keeps to verify pushes) opens no other door.
pub async fn find_for_door(
    pool: &PgPool,
    dialect: &str,
    create_by: &str,
    data_source: &str,
) -> sqlx::Result<Option<ClientRow>> {
    sqlx::query_as!(
        ClientRow,
        r#"SELECT id, kind, create_by, data_source, name, secret_enc, callback_url, status,
                  rate_limit_per_hour, created_at, dialect, app_key, customer_id, sandbox
             FROM clients WHERE create_by = $1 AND data_source = $2 AND dialect = $3"#,
        create_by,
        data_source,
        dialect
    )
    .fetch_optional(pool)
    .await
}

/// The Qimen identity an `app_key` (and `customerId`, when the call has one) names. Without a
/// customerId (the TOP router) the app key must name exactly one Qimen identity.
pub async fn find_by_app_key(
    pool: &PgPool,
    dialect: &str,
    app_key: &str,
    customer_id: Option<&str>,
) -> sqlx::Result<Vec<ClientRow>> {
    sqlx::query_as!(
        ClientRow,
        r#"SELECT id, kind, create_by, data_source, name, secret_enc, callback_url, status,
                  rate_limit_per_hour, created_at, dialect, app_key, customer_id, sandbox
             FROM clients
            WHERE dialect = $1 AND app_key = $2 AND ($3::text IS NULL OR COALESCE(customer_id, '') = $3)
            ORDER BY id LIMIT 2"#,
        dialect,
        app_key,
        customer_id
    )
    .fetch_all(pool)
    .await
}

/// Registers the identity's createBy as a sandbox or a real namespace, unless it is one
/// already (then [`insert`] fails on `clients_tenant_fkey` when the flags differ).
pub async fn claim_namespace(
    conn: &mut PgConnection,
    name: &str,
    sandbox: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO tenants (name, sandbox) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        name,
        sandbox
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert(conn: &mut PgConnection, c: &NewClient<'_>) -> sqlx::Result<ClientRow> {
    sqlx::query_as!(
        ClientRow,
        r#"INSERT INTO clients (kind, create_by, data_source, name, secret_enc, callback_url, rate_limit_per_hour,
               dialect, app_key, customer_id, sandbox)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           RETURNING id, kind, create_by, data_source, name, secret_enc, callback_url, status,
                     rate_limit_per_hour, created_at, dialect, app_key, customer_id, sandbox"#,
        c.kind,
        c.create_by,
        c.data_source,
        c.name,
        c.secret_enc,
        c.callback_url,
        c.rate_limit_per_hour,
        c.dialect,
        c.app_key,
        c.customer_id,
        c.sandbox
    )
    .fetch_one(conn)
    .await
}

pub async fn list(pool: &PgPool) -> sqlx::Result<Vec<ClientRow>> {
    sqlx::query_as!(
        ClientRow,
        r#"SELECT id, kind, create_by, data_source, name, secret_enc, callback_url, status,
                  rate_limit_per_hour, created_at, dialect, app_key, customer_id, sandbox
             FROM clients ORDER BY kind, create_by, data_source"#
    )
    .fetch_all(pool)
    .await
}

/// The fields an administrator may change on an identity; `None` leaves a field alone.
#[derive(Default)]
pub struct ClientChange<'a> {
    pub secret_enc: Option<&'a [u8]>,
    pub status: Option<&'a str>,
    /// `Some(None)` clears the callback URL.
    pub callback_url: Option<Option<&'a str>>,
    /// `Some(None)` falls back to the default limit.
    pub rate_limit_per_hour: Option<Option<i32>>,
}

/// Applies `change` to the identity; `None` when there is no such identity.
pub async fn update(
    pool: &PgPool,
    create_by: &str,
    data_source: &str,
    change: &ClientChange<'_>,
) -> sqlx::Result<Option<ClientRow>> {
    sqlx::query_as!(
        ClientRow,
        r#"UPDATE clients SET
               secret_enc = COALESCE($3, secret_enc),
               status = COALESCE($4, status),
               callback_url = CASE WHEN $5 THEN $6 ELSE callback_url END,
               rate_limit_per_hour = CASE WHEN $7 THEN $8 ELSE rate_limit_per_hour END
           WHERE create_by = $1 AND data_source = $2
           RETURNING id, kind, create_by, data_source, name, secret_enc, callback_url, status,
                     rate_limit_per_hour, created_at, dialect, app_key, customer_id, sandbox"#,
        create_by,
        data_source,
        change.secret_enc,
        change.status,
        change.callback_url.is_some(),
        change.callback_url.flatten(),
        change.rate_limit_per_hour.is_some(),
        change.rate_limit_per_hour.flatten()
    )
    .fetch_optional(pool)
    .await
}
