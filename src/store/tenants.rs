//! Tenants as namespaces: sandbox or real (`tenants`, #22).

use super::PgConnection;

/// Whether a createBy (tenant, carrier or scanner) is a sandbox one; unknown names are real.
pub async fn is_sandbox(conn: &mut PgConnection, name: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT hxgw_is_sandbox($1) AS "sandbox!""#, name)
        .fetch_one(conn)
        .await
}
