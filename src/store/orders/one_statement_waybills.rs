//! A batch of transport orders (3TMS waybills, `/order/create_order`) written in one statement
//! (#21): every head with its numbers and its first event, and the `created`
//! message to each of the tenant's subscribers, in one implicit transaction — one round trip
//! instead of four per waybill plus BEGIN and COMMIT. All or none, like the step-by-step path
//! (`service::waybills::create`). That path still decides what this statement leaves to it,
//! having written nothing: an order number the tenant used before (the same content answers its
//! number again, other content is refused), and a concurrent call inserting one of the numbers
//! meanwhile (the statement fails on `orders_code_key`; `one_statement::lost_race`). A 3TMS
//! waybill carries no vehicles (those come with a 鸿讯 transport order, written one by one).

use super::OrderHead;
use crate::domain::client::Tenant;
use crate::store::sessions::Sessions;
use uuid::Uuid;

/// One waybill of the batch, as the step-by-step path would insert it.
pub struct NewWaybill<'a> {
    pub order_code: &'a str,
    pub order_type: &'a str,
    pub fingerprint: &'a str,
    /// The waybill's canonical JSON text (`domain::canonical`), stored as jsonb.
    pub request: &'a str,
    /// The `created` message as JSON text, its waybill's `hxOrderNo` and `transportNo` filled
    /// in by the statement once the numbers are drawn. Text, not a `serde_json::Value`: the
    /// tree (a map per object, a string per key) was built only to be written out again (#21).
    pub created_event: String,
    pub event_id: Uuid,
}

/// What the batch has in common: whose, in which status, and how its message is addressed.
pub struct Batch<'a> {
    pub tenant: &'a Tenant,
    pub client_id: i64,
    pub kind: &'a str,
    pub kind_letter: &'a str,
    pub status: &'a str,
    /// The subscriptions that hear of it (`event_subscriptions.scope`, one of `changes`).
    pub scope: &'a str,
    pub change: &'a str,
    pub event_type: &'a str,
    /// `service::outbox::order_key` without the order's id.
    pub order_key_prefix: &'a str,
}

/// What the statement did.
pub enum WrittenWaybills {
    /// Every waybill new, in the caller's order.
    Created(Vec<OrderHead>),
    /// An order number of the batch is used already: nothing was written.
    CodeUsed,
}

struct Row {
    used: bool,
    ids: Option<Vec<i64>>,
    hx_order_nos: Option<Vec<String>>,
    transport_nos: Option<Vec<String>>,
    events: i64,
    pushes: i64,
}

/// Writes the batch in one statement. The numbers are drawn in the batch's order, as the
/// step-by-step path draws them.
pub async fn insert_waybills(
    sessions: &Sessions,
    b: &Batch<'_>,
    waybills: &[NewWaybill<'_>],
) -> sqlx::Result<WrittenWaybills> {
    let code: Vec<&str> = waybills.iter().map(|w| w.order_code).collect();
    let otype: Vec<&str> = waybills.iter().map(|w| w.order_type).collect();
    let fp: Vec<&str> = waybills.iter().map(|w| w.fingerprint).collect();
    let request: Vec<&str> = waybills.iter().map(|w| w.request).collect();
    let event: Vec<&str> = waybills.iter().map(|w| w.created_event.as_str()).collect();
    let event_id: Vec<Uuid> = waybills.iter().map(|w| w.event_id).collect();
    // The main query reads every CTE, so each runs. The heads insert only when no number is
    // used (`used` is the statement's snapshot; a number committed meanwhile fails the insert).
    let statement = sqlx::query_as!(
        Row,
        r#"WITH input AS (
               SELECT * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[])
                        WITH ORDINALITY AS u(code, otype, fp, request, event, event_id, i)),
           used AS (
               SELECT 1 AS one FROM orders o
                WHERE o.tenant = $1 AND o.kind = $8 AND o.order_code = ANY($2) LIMIT 1),
           -- Volatile functions run after ORDER BY: the numbers follow the batch's order.
           numbered AS (
               SELECT i.i, i.code, i.otype, i.fp, i.request, i.event, i.event_id,
                      'HX' || $9 || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                           || lpad(nextval('hx_order_no_seq')::text, 8, '0') AS hx,
                      to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                           || lpad(nextval('transport_no_seq')::text, 10, '0') AS tno
                 FROM input i WHERE NOT EXISTS (SELECT 1 FROM used) ORDER BY i.i),
           head AS (
               INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, status, fingerprint,
                      request, client_id, transport_no)
               SELECT $1, $8, n.code, n.hx, n.otype, $10, n.fp, n.request::jsonb, $11, n.tno FROM numbered n ORDER BY n.i
               RETURNING id, order_code, hx_order_no, transport_no),
           events AS (
               INSERT INTO order_events (order_id, status)
               SELECT h.id, $10 FROM head h JOIN numbered n ON n.code = h.order_code ORDER BY n.i
               RETURNING 1 AS one),
           subs AS (SELECT s AS client_id FROM hxgw_subscribers($1, $12, $13) s),
           pushes AS (
               INSERT INTO push_outbox (event_id, client_id, tenant, event_type, order_key, payload)
               SELECT n.event_id, s.client_id, $1, $14, $15 || h.id,
                      jsonb_set(jsonb_set(n.event::jsonb, '{waybill,hxOrderNo}', to_jsonb(h.hx_order_no)),
                                '{waybill,transportNo}', to_jsonb(h.transport_no))
                 FROM head h JOIN numbered n ON n.code = h.order_code CROSS JOIN subs s
                ORDER BY n.i, s.client_id
               RETURNING 1 AS one),
           -- Wakes the push workers once this statement commits (NOTIFY is transactional).
           woken AS (
               SELECT pg_notify('hxgw_push', '') AS n FROM (SELECT 1 FROM pushes LIMIT 1) p)
           SELECT EXISTS (SELECT 1 FROM used) AS "used!",
                  (SELECT array_agg(h.id ORDER BY n.i) FROM head h JOIN numbered n ON n.code = h.order_code) AS "ids?: Vec<i64>",
                  (SELECT array_agg(h.hx_order_no ORDER BY n.i) FROM head h JOIN numbered n ON n.code = h.order_code) AS "hx_order_nos?: Vec<String>",
                  (SELECT array_agg(h.transport_no ORDER BY n.i) FROM head h JOIN numbered n ON n.code = h.order_code) AS "transport_nos?: Vec<String>",
                  (SELECT count(*) FROM events) AS "events!",
                  (SELECT count(*) FROM pushes) + 0 * (SELECT count(*) FROM woken) AS "pushes!""#,
        b.tenant.as_str(),
        &code as &[&str],
        &otype as &[&str],
        &fp as &[&str],
        &request as &[&str],
        &event as &[&str],
        &event_id,
        b.kind,
        b.kind_letter,
        b.status,
        b.client_id,
        b.scope,
        b.change,
        b.event_type,
        b.order_key_prefix
    );
    let r = sessions
        .run(async |conn| statement.fetch_one(conn).await)
        .await?;
    if r.used {
        return Ok(WrittenWaybills::CodeUsed);
    }
    debug_assert_eq!(r.events as usize, waybills.len());
    // Each subscriber hears of every waybill.
    debug_assert_eq!(r.pushes as usize % waybills.len().max(1), 0);
    let heads = r
        .ids
        .unwrap_or_default()
        .into_iter()
        .zip(r.hx_order_nos.unwrap_or_default())
        .zip(r.transport_nos.unwrap_or_default())
        .zip(waybills)
        .map(|(((id, hx_order_no), transport_no), w)| {
            crate::context::add_order(id);
            OrderHead {
                id,
                kind: b.kind.to_string(),
                order_code: w.order_code.to_string(),
                hx_order_no,
                order_type: w.order_type.to_string(),
                status: b.status.to_string(),
                fingerprint: w.fingerprint.to_string(),
                transport_no: Some(transport_no),
            }
        })
        .collect();
    Ok(WrittenWaybills::Created(heads))
}
