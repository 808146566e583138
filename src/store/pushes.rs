//! The push outbox and its attempt log. Claiming uses `FOR UPDATE SKIP LOCKED` plus a lease,
//! so several workers (and several gateway processes) never deliver one push at the same
//! time, and a push whose worker died is retried once its lease runs out.

use super::{PgConnection, PgPool};
use crate::domain::client::Tenant;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Who receives pushes about an order: the identity that created it.
pub async fn order_recipient(
    conn: &mut PgConnection,
    order_id: i64,
) -> sqlx::Result<Option<(i64, String)>> {
    let r = sqlx::query!(
        r#"SELECT c.id, c.dialect FROM orders o JOIN clients c ON c.id = o.client_id WHERE o.id = $1"#,
        order_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| (r.id, r.dialect)))
}

/// Who receives pushes about a tenant as a whole (stock adjustments, yard vehicles):
/// every customer identity of the tenant that is not disabled and has a callback URL.
pub async fn tenant_recipients(conn: &mut PgConnection, tenant: &Tenant) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "SELECT id FROM clients WHERE kind = 'customer' AND create_by = $1 AND status = 'active' AND callback_url IS NOT NULL ORDER BY id",
        tenant.as_str()
    )
    .fetch_all(conn)
    .await
}

/// Writes one push per recipient, inside the caller's transaction.
pub async fn enqueue(
    conn: &mut PgConnection,
    recipients: &[i64],
    tenant: &Tenant,
    event_type: &str,
    order_key: Option<&str>,
    event_id: Uuid,
    payload: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO push_outbox (event_id, client_id, tenant, event_type, order_key, payload)
           SELECT $1, c, $2, $3, $4, $5 FROM UNNEST($6::int8[]) AS c"#,
        event_id,
        tenant.as_str(),
        event_type,
        order_key,
        payload,
        recipients
    )
    .execute(&mut *conn)
    .await?;
    // Wake the workers; delivered after this transaction commits (NOTIFY is transactional).
    sqlx::query!("SELECT pg_notify('hxgw_push', '')")
        .execute(conn)
        .await?;
    Ok(())
}

/// A push a worker holds, with where and how to deliver it.
#[derive(Debug, Clone)]
pub struct ClaimedPush {
    pub id: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub create_by: String,
    pub data_source: String,
    pub secret_enc: Vec<u8>,
    pub callback_url: Option<String>,
    pub dialect: String,
    pub app_key: Option<String>,
    pub customer_id: Option<String>,
    /// Identities that receive by subscription: `{scope: callback URL}`.
    pub subscriptions: Option<serde_json::Value>,
    /// The receiving identity is a sandbox one (metrics label).
    pub sandbox: bool,
}

/// Claims up to `limit` due pushes for `lease_secs`. A push waits while an earlier push of the
/// same order to the same identity is still pending, so each order's pushes arrive in order.
/// No identity gets more than `per_identity` deliveries in flight, so one slow or failing
/// receiver cannot take every worker from the other customers.
/// Identities without a callback URL (or a subscription) keep their pushes pending.
pub async fn claim(
    pool: &PgPool,
    limit: i64,
    lease_secs: f64,
    per_identity: i64,
) -> sqlx::Result<Vec<ClaimedPush>> {
    sqlx::query_as!(
        ClaimedPush,
        r#"WITH inflight AS (
               SELECT client_id, count(*) AS n FROM push_outbox
                WHERE status = 'pending' AND lease_until > now() GROUP BY client_id),
           identities AS (
               SELECT DISTINCT p.client_id FROM push_outbox p
                WHERE p.status = 'pending' AND p.next_attempt_at <= now()
                  AND (p.lease_until IS NULL OR p.lease_until < now())),
           due AS (
               SELECT x.id FROM identities i
                 JOIN clients c ON c.id = i.client_id
                      AND (c.callback_url IS NOT NULL
                           OR EXISTS (SELECT 1 FROM event_subscriptions s WHERE s.client_id = c.id))
                 LEFT JOIN inflight f ON f.client_id = i.client_id
                CROSS JOIN LATERAL (
                    SELECT p.id, p.next_attempt_at FROM push_outbox p
                     WHERE p.client_id = i.client_id AND p.status = 'pending' AND p.next_attempt_at <= now()
                       AND (p.lease_until IS NULL OR p.lease_until < now())
                       AND (p.order_key IS NULL OR NOT EXISTS (
                             SELECT 1 FROM push_outbox e
                              WHERE e.order_key = p.order_key AND e.client_id = p.client_id
                                AND e.status = 'pending' AND e.id < p.id))
                     ORDER BY p.next_attempt_at, p.id
                     LIMIT GREATEST($3 - COALESCE(f.n, 0), 0)
                       FOR UPDATE OF p SKIP LOCKED) x
                ORDER BY x.next_attempt_at, x.id
                LIMIT $1)
           UPDATE push_outbox p SET lease_until = now() + make_interval(secs => $2), attempts = p.attempts + 1
             FROM due, clients c
            WHERE p.id = due.id AND c.id = p.client_id
           RETURNING p.id, p.event_id, p.event_type, p.payload, p.attempts, p.created_at,
                     c.create_by, c.data_source, c.secret_enc, c.callback_url, c.dialect, c.app_key, c.customer_id,
                     (SELECT jsonb_object_agg(s.scope, s.callback_url) FROM event_subscriptions s
                       WHERE s.client_id = c.id) AS subscriptions, c.sandbox"#,
        limit,
        lease_secs,
        per_identity
    )
    .fetch_all(pool)
    .await
}

/// One delivery attempt as the attempt log keeps it.
pub struct Attempt<'a> {
    pub push_id: i64,
    /// The instance id of the gateway process that made it.
    pub worker: &'a str,
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: f64,
    pub http_status: Option<i32>,
    pub response: Option<&'a str>,
    pub error: Option<&'a str>,
    /// The answer was longer than the gateway reads (`push.max_answer_bytes`).
    pub response_cut: bool,
    pub success: bool,
}

/// Records an attempt and the push's new state in one transaction:
/// delivered, retried at `next_at`, or dead when `next_at` is `None` after a failure.
pub async fn settle(
    pool: &PgPool,
    a: &Attempt<'_>,
    next_at: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        r#"INSERT INTO push_attempts (push_id, attempt, started_at, duration_ms, http_status, response, error, success, worker, response_cut)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#,
        a.push_id,
        a.attempt,
        a.started_at,
        a.duration_ms,
        a.http_status,
        a.response,
        a.error,
        a.success,
        a.worker,
        a.response_cut
    )
    .execute(&mut *tx)
    .await?;
    if a.success {
        sqlx::query!(
            "UPDATE push_outbox SET status = 'delivered', delivered_at = now(), lease_until = NULL, last_error = NULL WHERE id = $1",
            a.push_id
        )
        .execute(&mut *tx)
        .await?;
    } else if let Some(at) = next_at {
        sqlx::query!(
            "UPDATE push_outbox SET next_attempt_at = $2, lease_until = NULL, last_error = $3 WHERE id = $1",
            a.push_id,
            at,
            a.error
        )
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query!(
            "UPDATE push_outbox SET status = 'dead', lease_until = NULL, last_error = $2 WHERE id = $1",
            a.push_id,
            a.error
        )
        .execute(&mut *tx)
        .await?;
    }
    // A settled push may unblock the next one of its order.
    sqlx::query!("SELECT pg_notify('hxgw_push', '')")
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Settles a push its receiver's dialect has no message for: `skipped`, nothing sent.
pub async fn skip(pool: &PgPool, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE push_outbox SET status = 'skipped', lease_until = NULL WHERE id = $1",
        id
    )
    .execute(pool)
    .await?;
    // A settled push may unblock the next one of its order.
    sqlx::query!("SELECT pg_notify('hxgw_push', '')")
        .execute(pool)
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct PushRow {
    pub id: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub tenant: String,
    pub client_id: i64,
    pub order_key: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub payload: serde_json::Value,
}

/// Pushes in a status, newest first.
///
/// The status is written as a range of `push_outbox_status_idx` ordered by (status, id): as
/// `status = $1 … ORDER BY id DESC`, the generic plan could walk the whole outbox backwards by id
/// and filter, which for the rare statuses (dead, pending) an operator lists read every delivered
/// push (tests/api/plans.rs).
pub async fn list(pool: &PgPool, status: &str, limit: i64) -> sqlx::Result<Vec<PushRow>> {
    sqlx::query_as!(
        PushRow,
        r#"SELECT id, event_id, event_type, tenant, client_id, order_key, status, attempts, next_attempt_at,
                  last_error, created_at, delivered_at, payload
             FROM push_outbox WHERE status >= $1 AND (status, id) <= ($1, 9223372036854775807)
            ORDER BY status DESC, id DESC LIMIT $2"#,
        status,
        limit
    )
    .fetch_all(pool)
    .await
}

/// Puts a dead (or delivered) push back in the queue with a fresh schedule; same event id.
pub async fn replay(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<PushRow>> {
    sqlx::query_as!(
        PushRow,
        r#"UPDATE push_outbox SET status = 'pending', attempts = 0, next_attempt_at = now(), lease_until = NULL
            WHERE id = $1
           RETURNING id, event_id, event_type, tenant, client_id, order_key, status, attempts, next_attempt_at,
                     last_error, created_at, delivered_at, payload"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Seconds until the next push falls due (for the worker's sleep), if any is pending.
pub async fn next_due_in(pool: &PgPool) -> sqlx::Result<Option<f64>> {
    sqlx::query_scalar!(
        r#"SELECT EXTRACT(EPOCH FROM (min(GREATEST(next_attempt_at, COALESCE(lease_until, next_attempt_at))) - now()))::float8
             FROM push_outbox WHERE status = 'pending'"#
    )
    .fetch_one(pool)
    .await
}

/// Every push about one order (by its order key), oldest first.
pub async fn of_order(conn: &mut PgConnection, order_key: &str) -> sqlx::Result<Vec<PushRow>> {
    sqlx::query_as!(
        PushRow,
        r#"SELECT id, event_id, event_type, tenant, client_id, order_key, status, attempts, next_attempt_at,
                  last_error, created_at, delivered_at, payload
             FROM push_outbox WHERE order_key = $1 ORDER BY id"#,
        order_key
    )
    .fetch_all(conn)
    .await
}

/// The outbox by status, and how long the oldest pending push to a real tenant has waited (0
/// when none): a sandbox receiver that is down pages nobody.
#[derive(Debug, Clone, Default)]
pub struct OutboxGauges {
    pub pending: i64,
    pub delivered: i64,
    pub dead: i64,
    pub skipped: i64,
    pub oldest_pending_secs: f64,
}

/// Rows counted exactly per status in the outbox gauges; beyond it, an estimate.
pub const GAUGE_CAP: i64 = 10_000;

pub async fn outbox_gauges(pool: &PgPool) -> sqlx::Result<OutboxGauges> {
    // Each status is counted through the (status, id) index up to GAUGE_CAP rows, so a scrape
    // costs the same at ten million rows as at ten thousand. Past the cap (delivered pushes,
    // mostly) the figure is the statistics' live-row estimate less the other statuses.
    let r = sqlx::query!(
        r#"SELECT (SELECT count(*) FROM (SELECT 1 FROM push_outbox WHERE status = 'pending' LIMIT $1) x) AS "pending!",
                  (SELECT count(*) FROM (SELECT 1 FROM push_outbox WHERE status = 'delivered' LIMIT $1) x) AS "delivered!",
                  (SELECT count(*) FROM (SELECT 1 FROM push_outbox WHERE status = 'dead' LIMIT $1) x) AS "dead!",
                  (SELECT count(*) FROM (SELECT 1 FROM push_outbox WHERE status = 'skipped' LIMIT $1) x) AS "skipped!",
                  COALESCE((SELECT n_live_tup FROM pg_stat_user_tables WHERE relid = 'push_outbox'::regclass), 0) AS "live!",
                  COALESCE((SELECT EXTRACT(EPOCH FROM now() - created_at)::float8 FROM push_outbox
                             WHERE status = 'pending' AND NOT hxgw_is_sandbox(tenant)
                             ORDER BY id LIMIT 1), 0) AS "oldest!""#,
        GAUGE_CAP
    )
    .fetch_one(pool)
    .await?;
    let estimate = |n: i64, others: i64| {
        if n >= GAUGE_CAP {
            n.max(r.live - others)
        } else {
            n
        }
    };
    Ok(OutboxGauges {
        pending: estimate(r.pending, r.delivered + r.dead + r.skipped),
        delivered: estimate(r.delivered, r.pending + r.dead + r.skipped),
        dead: estimate(r.dead, r.pending + r.delivered + r.skipped),
        skipped: estimate(r.skipped, r.pending + r.delivered + r.dead),
        oldest_pending_secs: r.oldest,
    })
}
