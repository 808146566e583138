//! All SQL of the gateway. Functions take `&mut PgConnection` (or the pool for
//! single statements outside a use case) so the caller owns the transaction.
//! Every query over customer data filters on the tenant.

pub mod adjustments;
pub mod audit;
pub mod base_data;
pub mod carrier;
pub mod clients;
pub mod console;
pub mod dws_one_statement;
pub mod guard;
pub mod inventory;
pub mod inventory_query;
pub mod orders;
pub mod product_sync;
pub mod pushes;
pub mod retention;
pub mod sandbox;
pub mod sessions;
pub mod sign_in;
pub mod slips;
pub mod subscriptions;
pub mod tenants;
pub mod timeline;
pub mod tms;
pub mod tokens;
pub mod trips;
pub mod warehouses;
pub mod waybills;

pub use sqlx::postgres::PgListener;
pub use sqlx::{PgConnection, PgPool};

/// A connection of its own that receives the notifications sent on `channel`.
pub async fn listen(pool: &PgPool, channel: &str) -> sqlx::Result<PgListener> {
    let mut l = PgListener::connect_with(pool).await?;
    l.listen(channel).await?;
    crate::metrics::db_connect("listen");
    Ok(l)
}

/// Whether a database error is a unique violation of the named constraint.
pub fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db)
        if db.is_unique_violation() && db.constraint() == Some(constraint))
}

/// Whether an error is transient — the request may be retried as it is — and of which kind
/// (`metrics::DB_ERROR_KINDS`). A failover shows as all of them in turn: the old primary's
/// connections break (unreachable), a connection may reach the new primary before it is
/// promoted (25006 read_only) or while it starts (57P03 shutdown).
pub fn transient_kind(e: &sqlx::Error) -> Option<&'static str> {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => Some("unreachable"),
        // Connecting through a proxy (HAProxy) while it has no server up: the proxy closes the
        // socket during the TLS negotiation, which sqlx reports as a protocol error.
        sqlx::Error::Protocol(m) if m.contains("SSLRequest") => Some("unreachable"),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // Class 08: connection exceptions.
            Some(c) if c.starts_with("08") => Some("unreachable"),
            Some("25006") => Some("read_only"),
            // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now.
            Some("57P01" | "57P02" | "57P03") => Some("shutdown"),
            Some("53300") => Some("overloaded"),
            Some("40001" | "40P01") => Some("conflict"),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a database error is a violation of the named foreign key.
pub fn is_foreign_key_violation(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db)
        if db.is_foreign_key_violation() && db.constraint() == Some(constraint))
}

/// Whether the database answers and takes writes (readiness probe): a standby answers too, and
/// the read-write address reaches one for a moment during a failover.
pub async fn ping(pool: &PgPool) -> sqlx::Result<bool> {
    let standby = sqlx::query_scalar!(r#"SELECT pg_is_in_recovery() AS "standby!""#)
        .fetch_one(pool)
        .await?;
    Ok(!standby)
}

/// Whether a database error is a violation of the named check constraint.
pub fn is_check_violation(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db)
        if db.code().as_deref() == Some("23514") && db.constraint() == Some(constraint))
}
