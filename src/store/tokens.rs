//! Ops API bearer tokens; only their SHA-256 is stored.

use super::PgPool;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(pool: &PgPool, name: &str, token_hash: &[u8]) -> sqlx::Result<TokenRow> {
    sqlx::query_as!(
        TokenRow,
        "INSERT INTO ops_tokens (name, token_hash) VALUES ($1, $2) RETURNING id, name, status, created_at",
        name,
        token_hash
    )
    .fetch_one(pool)
    .await
}

pub async fn find_by_hash(pool: &PgPool, token_hash: &[u8]) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as!(
        TokenRow,
        "SELECT id, name, status, created_at FROM ops_tokens WHERE token_hash = $1",
        token_hash
    )
    .fetch_optional(pool)
    .await
}

pub async fn list(pool: &PgPool) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as!(
        TokenRow,
        "SELECT id, name, status, created_at FROM ops_tokens ORDER BY name"
    )
    .fetch_all(pool)
    .await
}

pub async fn set_status(pool: &PgPool, name: &str, status: &str) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE ops_tokens SET status = $2 WHERE name = $1",
        name,
        status
    )
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete(pool: &PgPool, name: &str) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM ops_tokens WHERE name = $1", name)
        .execute(pool)
        .await?;
    Ok(())
}
