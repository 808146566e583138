//! Everything recorded about one order, as one list ordered by when the gateway recorded it:
//! API calls, status changes, confirmation batches, pushes and their delivery attempts, route
//! nodes, sign-offs and DWS scans.

use super::PgConnection;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct Entry {
    pub time: DateTime<Utc>,
    pub kind: String,
    pub summary: String,
    pub detail: serde_json::Value,
}

/// At most `limit` entries, oldest first. The attempts of the order's pushes and the scans of
/// its packages are looked up per push and per package (lateral subqueries kept by `OFFSET 0`),
/// not joined: with many scans per package in the statistics, or a large table's estimate of
/// many pushes per order, the planner hashed every package or every attempt (tests/api/plans.rs).
pub async fn of_order(
    conn: &mut PgConnection,
    order_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as!(
        Entry,
        r#"SELECT time AS "time!", kind AS "kind!", summary AS "summary!", detail AS "detail!" FROM (
             SELECT a.created_at AS time, 'api_call' AS kind, 1 AS rank, a.id AS seq,
                    COALESCE(a.actor, '-') || ' ' || a.method || ' ' || a.endpoint || ' → ' || a.code AS summary,
                    jsonb_build_object('actor', a.actor, 'method', a.method, 'endpoint', a.endpoint,
                                       'code', a.code, 'httpStatus', a.http_status, 'requestId', a.request_id,
                                       'latencyMs', round(a.latency_ms::numeric, 1), 'businessKey', a.business_key) AS detail
               FROM api_requests a WHERE a.order_ids @> ARRAY[$1::int8]
             UNION ALL
             SELECT e.created_at, 'status', 2, e.id,
                    e.status || COALESCE(': ' || e.note, ''),
                    jsonb_build_object('status', e.status, 'note', e.note)
               FROM order_events e WHERE e.order_id = $1
             UNION ALL
             SELECT c.created_at, 'confirmation', 3, c.id,
                    'batch ' || c.confirm_seq || ' ' || c.confirm_type,
                    jsonb_build_object('confirmSeq', c.confirm_seq, 'confirmType', c.confirm_type,
                                       'confirmTime', c.confirm_time, 'lines', c.lines)
               FROM order_confirmations c WHERE c.order_id = $1
             UNION ALL
             SELECT p.created_at, 'push', 4, p.id,
                    p.event_type || ' → ' || k.create_by || '/' || k.data_source || ' (' || p.status || ')',
                    jsonb_build_object('pushId', p.id, 'eventId', p.event_id, 'eventType', p.event_type,
                                       'receiver', k.create_by || '/' || k.data_source, 'dialect', k.dialect,
                                       'status', p.status, 'attempts', p.attempts, 'lastError', p.last_error)
               FROM push_outbox p JOIN clients k ON k.id = p.client_id
              WHERE p.order_key = 'order:' || $1::int8::text
             UNION ALL
             SELECT t.started_at, 'push_attempt', 5, t.id,
                    p.event_type || ' attempt ' || t.attempt || ': '
                      || CASE WHEN t.success THEN 'accepted' ELSE 'failed' END
                      || COALESCE(', HTTP ' || t.http_status, '') || ' in ' || round(t.duration_ms::numeric) || ' ms',
                    jsonb_build_object('pushId', p.id, 'attempt', t.attempt, 'httpStatus', t.http_status,
                                       'durationMs', round(t.duration_ms::numeric, 1), 'success', t.success,
                                       'error', t.error, 'response', left(t.response, 256))
               FROM push_outbox p CROSS JOIN LATERAL (SELECT * FROM push_attempts t WHERE t.push_id = p.id OFFSET 0) t
              WHERE p.order_key = 'order:' || $1::int8::text
             UNION ALL
             SELECT r.created_at, 'route', 6, r.id,
                    r.node_type || ': ' || r.description,
                    jsonb_build_object('waybillNo', r.waybill_no, 'carrierCode', r.carrier_code,
                                       'nodeType', r.node_type, 'nodeTime', r.node_time, 'location', r.location,
                                       'operator', r.operator)
               FROM routes r WHERE r.order_id = $1
             UNION ALL
             SELECT s.created_at, 'sign_off', 7, s.id,
                    s.sign_status || COALESCE(' by ' || s.signer, ''),
                    jsonb_build_object('waybillNo', s.waybill_no, 'carrierCode', s.carrier_code,
                                       'signStatus', s.sign_status, 'signer', s.signer, 'signTime', s.sign_time,
                                       'remark', s.remark)
               FROM sign_offs s WHERE s.order_id = $1
             UNION ALL
             SELECT d.created_at, 'dws_scan', 8, d.id,
                    d.barcode || ' ' || d.weight_kg || ' kg (' || d.device_code || ')',
                    jsonb_build_object('barcode', d.barcode, 'deviceCode', d.device_code, 'weightKg', d.weight_kg,
                                       'scanTime', d.scan_time, 'packageNo', g.package_no, 'status', d.match_status)
               FROM packages g CROSS JOIN LATERAL (SELECT * FROM dws_scans d WHERE d.package_id = g.id OFFSET 0) d
              WHERE g.order_id = $1
           ) x
           ORDER BY time, rank, seq
           LIMIT $2"#,
        order_id,
        limit
    )
    .fetch_all(conn)
    .await
}
