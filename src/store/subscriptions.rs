//! What identities that receive by subscription asked for: per scope, the changes and the
//! callback URL.

use super::{PgConnection, PgPool};
use crate::domain::client::Tenant;

/// Sets (or replaces) an identity's subscription of a scope.
pub async fn put(
    pool: &PgPool,
    client_id: i64,
    scope: &str,
    changes: &[String],
    callback_url: &str,
    params: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO event_subscriptions (client_id, scope, changes, callback_url, params)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT ON CONSTRAINT event_subscriptions_pkey
           DO UPDATE SET changes = EXCLUDED.changes, callback_url = EXCLUDED.callback_url,
                         params = EXCLUDED.params"#,
        client_id,
        scope,
        changes,
        callback_url,
        params
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends an identity's subscription of a scope; whether there was one.
pub async fn delete(pool: &PgPool, client_id: i64, scope: &str) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "DELETE FROM event_subscriptions WHERE client_id = $1 AND scope = $2",
        client_id,
        scope
    )
    .execute(pool)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// The tenant's active identities subscribed to `change` in `scope`.
pub async fn subscribers(
    conn: &mut PgConnection,
    tenant: &Tenant,
    scope: &str,
    change: &str,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"SELECT s AS "client_id!" FROM hxgw_subscribers($1, $2, $3) s ORDER BY s"#,
        tenant.as_str(),
        scope,
        change
    )
    .fetch_all(conn)
    .await
}
