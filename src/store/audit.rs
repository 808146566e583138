//! The `api_requests` audit log, written in batches.

use super::PgPool;

/// One API call as the audit log keeps it.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub request_id: String,
    pub client_id: Option<i64>,
    pub method: String,
    pub endpoint: String,
    pub business_key: Option<String>,
    pub code: i32,
    pub http_status: i32,
    pub latency_ms: f64,
    /// The orders the call was about (empty when none).
    pub order_ids: Vec<i64>,
    /// Who: `createBy/dataSource`, or `ops:<token name>`.
    pub actor: Option<String>,
    /// When the call arrived (rows are written later, in batches).
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Inserts a batch of audit rows in one statement.
pub async fn insert_batch(pool: &PgPool, rows: &[AuditRow]) -> sqlx::Result<()> {
    let mut request_id = Vec::with_capacity(rows.len());
    let mut client_id = Vec::with_capacity(rows.len());
    let mut method = Vec::with_capacity(rows.len());
    let mut endpoint = Vec::with_capacity(rows.len());
    let mut business_key = Vec::with_capacity(rows.len());
    let mut code = Vec::with_capacity(rows.len());
    let mut http_status = Vec::with_capacity(rows.len());
    let mut latency_ms = Vec::with_capacity(rows.len());
    // Per-row arrays travel as array literals ('{1,2}'); UNNEST of a 2-D array would flatten.
    let mut order_ids: Vec<Option<String>> = Vec::with_capacity(rows.len());
    let mut actor = Vec::with_capacity(rows.len());
    let mut at = Vec::with_capacity(rows.len());
    for r in rows {
        at.push(r.at);
        order_ids.push((!r.order_ids.is_empty()).then(|| {
            let mut s = String::from("{");
            for (i, id) in r.order_ids.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push_str(&id.to_string());
            }
            s.push('}');
            s
        }));
        // Borrowed: the batch is encoded once, by the driver.
        actor.push(r.actor.as_deref());
        request_id.push(r.request_id.as_str());
        client_id.push(r.client_id);
        method.push(r.method.as_str());
        endpoint.push(r.endpoint.as_str());
        business_key.push(r.business_key.as_deref());
        code.push(r.code);
        http_status.push(r.http_status);
        latency_ms.push(r.latency_ms);
    }
    sqlx::query!(
        r#"INSERT INTO api_requests (request_id, client_id, method, endpoint, business_key, code, http_status,
                                    latency_ms, order_ids, actor, created_at)
           SELECT r, c, m, e, b, k, h, l, o::int8[], a, ts
             FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::int4[],
                         $8::float8[], $9::text[], $10::text[], $11::timestamptz[])
                  AS u(r, c, m, e, b, k, h, l, o, a, ts)"#,
        &request_id as &[&str],
        &client_id as &[Option<i64>],
        &method as &[&str],
        &endpoint as &[&str],
        &business_key as &[Option<&str>],
        &code,
        &http_status,
        &latency_ms,
        &order_ids as &[Option<String>],
        &actor as &[Option<&str>],
        &at
    )
    .execute(pool)
    .await?;
    Ok(())
}
