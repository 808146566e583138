//! 3TMS accounts and their token pair.

use super::{PgConnection, PgPool};
use chrono::{DateTime, Utc};

pub async fn insert_account(
    conn: &mut PgConnection,
    client_id: i64,
    user_name: &str,
    password_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO tms_accounts (client_id, user_name, password_hash) VALUES ($1, $2, $3)",
        client_id,
        user_name,
        password_hash
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An account with its identity and password hash, as a sign-in needs it (the token check
/// reads [`TokenAccount`]).
#[derive(Debug, Clone)]
pub struct Account {
    pub client_id: i64,
    pub kind: String,
    pub create_by: String,
    pub data_source: String,
    pub status: String,
    pub rate_limit_per_hour: Option<i32>,
    pub sandbox: bool,
    pub password_hash: String,
}

/// Replaces an account's password hash; false when the identity has no account.
pub async fn set_password(pool: &PgPool, client_id: i64, phc: &str) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE tms_accounts SET password_hash = $2 WHERE client_id = $1",
        client_id,
        phc
    )
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Ends an account's token pair at once. The row is kept (expired), so that the next sign-in
/// derives a pair of a new generation and never the revoked one again.
pub async fn revoke_tokens(pool: &PgPool, client_id: i64, now: DateTime<Utc>) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "UPDATE tms_tokens SET expires_at = $2 WHERE client_id = $1 AND expires_at > $2",
        client_id,
        now
    )
    .execute(pool)
    .await?
    .rows_affected())
}

pub async fn account_by_user(pool: &PgPool, user_name: &str) -> sqlx::Result<Option<Account>> {
    sqlx::query_as!(
        Account,
        r#"SELECT c.id AS client_id, c.kind, c.create_by, c.data_source, c.status, c.rate_limit_per_hour, c.sandbox,
                  a.password_hash
             FROM tms_accounts a JOIN clients c ON c.id = a.client_id
            WHERE a.user_name = $1 AND c.dialect = 'tms'"#,
        user_name
    )
    .fetch_optional(pool)
    .await
}

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub generation: i32,
    pub refresh_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// The account's token row, locked.
pub async fn lock_token(conn: &mut PgConnection, client_id: i64) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as!(
        TokenRow,
        "SELECT generation, refresh_hash, expires_at FROM tms_tokens WHERE client_id = $1 FOR UPDATE",
        client_id
    )
    .fetch_optional(conn)
    .await
}

/// Stores the account's (new) pair.
pub async fn put_token(
    conn: &mut PgConnection,
    client_id: i64,
    generation: i32,
    access_hash: &str,
    refresh_hash: &str,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO tms_tokens (client_id, generation, access_hash, refresh_hash, expires_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (client_id) DO UPDATE SET generation = EXCLUDED.generation,
               access_hash = EXCLUDED.access_hash, refresh_hash = EXCLUDED.refresh_hash,
               issued_at = now(), expires_at = EXCLUDED.expires_at"#,
        client_id,
        generation,
        access_hash,
        refresh_hash,
        expires_at
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An access token's account, as the token check needs it, and when the token ends.
#[derive(Debug, Clone)]
pub struct TokenAccount {
    pub client_id: i64,
    pub kind: String,
    pub create_by: String,
    pub data_source: String,
    pub status: String,
    pub rate_limit_per_hour: Option<i32>,
    pub sandbox: bool,
    pub expires_at: DateTime<Utc>,
}

/// The account an unexpired access token belongs to, and when the token ends.
pub async fn account_by_access(
    pool: &PgPool,
    access_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<TokenAccount>> {
    sqlx::query_as!(
        TokenAccount,
        r#"SELECT c.id AS client_id, c.kind, c.create_by, c.data_source, c.status, c.rate_limit_per_hour, c.sandbox,
                  t.expires_at
             FROM tms_tokens t JOIN clients c ON c.id = t.client_id JOIN tms_accounts a ON a.client_id = c.id
            WHERE t.access_hash = $1 AND t.expires_at > $2 AND c.dialect = 'tms'"#,
        access_hash,
        now
    )
    .fetch_optional(pool)
    .await
}

/// One address-book entry of a shipper.
#[derive(Debug, Clone)]
pub struct CustomerEntry {
    pub kind: i16,
    pub phone: String,
    pub name: String,
    pub address: String,
    pub payment_type: i16,
    pub remark1: Option<String>,
    pub remark2: Option<String>,
    pub remark3: Option<String>,
}

/// Upserts by (type, phone); returns how many were new.
pub async fn upsert_customers(
    conn: &mut PgConnection,
    tenant: &str,
    entries: &[CustomerEntry],
) -> sqlx::Result<i64> {
    let mut created = 0;
    for e in entries {
        let new: bool = sqlx::query_scalar!(
            r#"INSERT INTO tms_customers (tenant, type, phone, name, address, payment_type, remark1, remark2, remark3)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT ON CONSTRAINT tms_customers_key DO UPDATE SET
                   name = EXCLUDED.name, address = EXCLUDED.address, payment_type = EXCLUDED.payment_type,
                   remark1 = EXCLUDED.remark1, remark2 = EXCLUDED.remark2, remark3 = EXCLUDED.remark3
               RETURNING (xmax = 0) AS "new!""#,
            tenant,
            e.kind,
            e.phone,
            e.name,
            e.address,
            e.payment_type,
            e.remark1,
            e.remark2,
            e.remark3
        )
        .fetch_one(&mut *conn)
        .await?;
        created += i64::from(new);
    }
    Ok(created)
}

/// One node of a shipper's organisation tree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgNode {
    pub node_id: i64,
    pub name: String,
    pub path: String,
}

pub async fn organizations(pool: &PgPool, tenant: &str) -> sqlx::Result<Vec<OrgNode>> {
    sqlx::query_as!(
        OrgNode,
        "SELECT node_id, name, path FROM tms_organizations WHERE tenant = $1 ORDER BY node_id",
        tenant
    )
    .fetch_all(pool)
    .await
}

/// Replaces the tenant's tree.
pub async fn replace_organizations(
    conn: &mut PgConnection,
    tenant: &str,
    nodes: &[OrgNode],
) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM tms_organizations WHERE tenant = $1", tenant)
        .execute(&mut *conn)
        .await?;
    let ids: Vec<i64> = nodes.iter().map(|n| n.node_id).collect();
    let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
    let paths: Vec<String> = nodes.iter().map(|n| n.path.clone()).collect();
    sqlx::query!(
        "INSERT INTO tms_organizations (tenant, node_id, name, path)
         SELECT $1, * FROM UNNEST($2::int8[], $3::text[], $4::text[])",
        tenant,
        &ids,
        &names,
        &paths
    )
    .execute(conn)
    .await?;
    Ok(())
}
