//! An order that reserves nothing (inbound), written in one statement (#21): the replay key with
//! its outcome, the head, the lines and the first status, in one implicit transaction — one
//! round trip instead of eight. The same rules as the step-by-step path in `service::orders`:
//! an earlier call with the same signature answers its stored outcome; an order code used
//! before answers that order when the content is the same and is refused otherwise; references
//! never synced are refused; a refused call writes nothing. The lock order is the other path's
//! (replay key, then order). Any race with a concurrent call (a key or code inserted meanwhile)
//! makes the statement fail on a unique violation, having written nothing, and the caller takes
//! the step-by-step path, which waits for the other call and answers as it decided.

use super::{NewOrder, OrderHead};
use crate::domain::order::{MissingRefs, OrderLine};
use crate::store::{PgConnection, PgPool};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The replay key of a signed call.
pub struct SignedKey<'a> {
    pub client_id: i64,
    pub endpoint: &'a str,
    pub sign: &'a str,
}

/// What the statement found or did.
pub enum Written {
    /// The same signed call committed earlier: its stored outcome.
    Replayed(serde_json::Value),
    /// References never synced: nothing was written.
    Missing(MissingRefs),
    /// The code is used by an order with other content: nothing was written.
    Conflict { hx_order_no: String },
    /// The order, new (`existed` false) or the same one again; the key (if any) stored with it.
    Order { head: OrderHead, existed: bool },
}

/// Whether an error is the lost race this path leaves to the step-by-step one.
pub fn lost_race(e: &sqlx::Error) -> bool {
    crate::store::is_unique_violation(e, "replay_keys_pkey")
        || crate::store::is_unique_violation(e, "orders_code_key")
}

/// Writes an order that reserves nothing, with its lines, in one statement.
pub async fn insert_inbound(
    pool: &PgPool,
    o: &NewOrder<'_>,
    lines: &[OrderLine],
    refs: &super::References<'_>,
    key: Option<&SignedKey<'_>>,
) -> sqlx::Result<Written> {
    let mut conn = pool.acquire().await?;
    insert_inbound_on(&mut conn, o, lines, refs, key).await
}

async fn insert_inbound_on(
    conn: &mut PgConnection,
    o: &NewOrder<'_>,
    lines: &[OrderLine],
    refs: &super::References<'_>,
    key: Option<&SignedKey<'_>>,
) -> sqlx::Result<Written> {
    let line_no: Vec<&str> = lines.iter().map(|l| l.line_no.as_str()).collect();
    let item: Vec<&str> = lines.iter().map(|l| l.item_code.as_str()).collect();
    let qty: Vec<i64> = lines.iter().map(|l| l.plan_qty).collect();
    let inv_type: Vec<&str> = lines.iter().map(|l| l.inventory_type.as_str()).collect();
    let batch: Vec<Option<&str>> = lines.iter().map(|l| l.batch_code.as_deref()).collect();
    let pdate: Vec<Option<NaiveDate>> = lines.iter().map(|l| l.product_date).collect();
    let edate: Vec<Option<NaiveDate>> = lines.iter().map(|l| l.expire_date).collect();
    let produce: Vec<Option<&str>> = lines.iter().map(|l| l.produce_code.as_deref()).collect();
    let price: Vec<Option<Decimal>> = lines.iter().map(|l| l.price).collect();
    let remark: Vec<Option<&str>> = lines.iter().map(|l| l.remark.as_deref()).collect();
    let wh: Vec<&str> = refs.inventory_orgs.iter().map(|p| p.0.as_str()).collect();
    let ow: Vec<&str> = refs.inventory_orgs.iter().map(|p| p.1.as_str()).collect();
    let (key_client, key_endpoint, key_sign) = match key {
        Some(k) => (Some(k.client_id), Some(k.endpoint), Some(k.sign)),
        None => (None, None, None),
    };
    // The main query reads every CTE, so each runs, in this order: the prior key and the
    // existing order (the statement's snapshot), the missing references, then the key, then
    // the order (which reads the key), then its lines and first event (which read the order).
    let r = sqlx::query!(
        r#"WITH prior AS (
               SELECT outcome FROM replay_keys
                WHERE $13::text IS NOT NULL AND client_id = $12 AND endpoint = $13 AND sign = $14),
           existing AS (
               SELECT id, hx_order_no, status, fingerprint, order_type FROM orders
                WHERE tenant = $1 AND kind = $2 AND order_code = $3),
           missing AS (
               SELECT 1 AS grp, u.wh || '/' || u.ow AS code, u.i
                 FROM UNNEST($25::text[], $26::text[]) WITH ORDINALITY AS u(wh, ow, i)
                WHERE NOT EXISTS (SELECT 1 FROM inventory_orgs g
                                   WHERE g.tenant = $1 AND g.inventory_code = u.wh AND g.subbase_code = u.ow)
               UNION ALL
               SELECT 2, u.c, u.i FROM UNNEST($27::text[]) WITH ORDINALITY AS u(c, i)
                WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.tenant = $1 AND p.item_code = u.c)
               UNION ALL
               SELECT 3, u.c, u.i FROM UNNEST($28::text[]) WITH ORDINALITY AS u(c, i)
                WHERE NOT EXISTS (SELECT 1 FROM consignees x WHERE x.tenant = $1 AND x.consignee_code = u.c)),
           decided AS (
               -- new: nothing before; same: the code's order with this content, as answered
               -- before references are checked (the step-by-step path answers it first too).
               SELECT CASE
                        WHEN EXISTS (SELECT 1 FROM prior) THEN 'replayed'
                        WHEN EXISTS (SELECT 1 FROM existing WHERE fingerprint = $9) THEN 'same'
                        WHEN EXISTS (SELECT 1 FROM existing) THEN 'conflict'
                        WHEN EXISTS (SELECT 1 FROM missing) THEN 'missing'
                        ELSE 'new' END AS what),
           number AS (
               SELECT 'HX' || $4 || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                           || lpad(nextval('hx_order_no_seq')::text, 8, '0') AS hx
                 FROM decided WHERE what = 'new'),
           answer AS (
               SELECT n.hx AS hx_order_no, $8::text AS status, false AS existed FROM number n
               UNION ALL
               SELECT e.hx_order_no, e.status, true FROM existing e, decided d WHERE d.what = 'same'),
           claimed AS (
               INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
               SELECT $12, $14, $13, jsonb_build_object('order_code', $3::text, 'hx_order_no', a.hx_order_no,
                                                        'status', a.status, 'existed', a.existed)
                 FROM answer a WHERE $13::text IS NOT NULL
               RETURNING 1 AS one),
           head AS (
               INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, inventory_code,
                      subbase_code, to_subbase_code, status, fingerprint, request, client_id)
               SELECT $1, $2, $3, n.hx, $5, $6, $7, $10, $8, $9, $11, $15
                 FROM number n LEFT JOIN (SELECT count(*) AS n FROM claimed) c ON true
               RETURNING id, hx_order_no),
           lines AS (
               INSERT INTO order_lines (order_id, line_no, item_code, plan_qty, inventory_type, batch_code,
                      product_date, expire_date, produce_code, price, remark)
               SELECT h.id, u.line_no, u.item_code, u.qty, u.inv_type, u.batch, u.pdate, u.edate, u.produce,
                      u.price, u.remark
                 FROM head h,
                      UNNEST($16::text[], $17::text[], $18::int8[], $19::text[], $20::text[], $21::date[],
                             $22::date[], $23::text[], $24::numeric[], $29::text[])
                        AS u(line_no, item_code, qty, inv_type, batch, pdate, edate, produce, price, remark)
               RETURNING 1 AS one),
           event AS (
               INSERT INTO order_events (order_id, status) SELECT h.id, $8 FROM head h RETURNING 1 AS one)
           SELECT d.what AS "what!",
                  (SELECT outcome FROM prior) AS "prior?",
                  (SELECT array_agg(m.grp ORDER BY m.grp, m.i) FROM missing m) AS "missing_groups?: Vec<i32>",
                  (SELECT array_agg(m.code ORDER BY m.grp, m.i) FROM missing m) AS "missing_codes?: Vec<String>",
                  COALESCE((SELECT h.id FROM head h), (SELECT e.id FROM existing e)) AS "id?",
                  COALESCE((SELECT h.hx_order_no FROM head h), (SELECT e.hx_order_no FROM existing e)) AS "hx_order_no?",
                  (SELECT e.status FROM existing e) AS "existing_status?",
                  (SELECT e.fingerprint FROM existing e) AS "existing_fingerprint?",
                  (SELECT e.order_type FROM existing e) AS "existing_type?",
                  (SELECT count(*) FROM lines) AS "lines!",
                  (SELECT count(*) FROM event) AS "events!"
             FROM decided d"#,
        o.tenant.as_str(),
        o.kind,
        o.order_code,
        o.kind_letter,
        o.order_type,
        o.inventory_code,
        o.subbase_code,
        o.status,
        o.fingerprint,
        o.to_subbase_code,
        o.request,
        key_client,
        key_endpoint,
        key_sign,
        o.client_id,
        &line_no as &[&str],
        &item as &[&str],
        &qty,
        &inv_type as &[&str],
        &batch as &[Option<&str>],
        &pdate as &[Option<NaiveDate>],
        &edate as &[Option<NaiveDate>],
        &produce as &[Option<&str>],
        &price as &[Option<Decimal>],
        &wh as &[&str],
        &ow as &[&str],
        refs.products,
        refs.consignees,
        &remark as &[Option<&str>]
    )
    .fetch_one(conn)
    .await?;
    let head = |existed_status: Option<String>| OrderHead {
        id: r.id.unwrap_or_default(),
        kind: o.kind.to_string(),
        order_code: o.order_code.to_string(),
        hx_order_no: r.hx_order_no.clone().unwrap_or_default(),
        order_type: r
            .existing_type
            .clone()
            .unwrap_or_else(|| o.order_type.to_string()),
        status: existed_status.unwrap_or_else(|| o.status.to_string()),
        fingerprint: o.fingerprint.to_string(),
        transport_no: None,
    };
    Ok(match r.what.as_str() {
        "replayed" => Written::Replayed(r.prior.clone().unwrap_or(serde_json::Value::Null)),
        "missing" => {
            let mut m = MissingRefs::default();
            let groups = r.missing_groups.clone().unwrap_or_default();
            for (g, c) in groups
                .into_iter()
                .zip(r.missing_codes.clone().unwrap_or_default())
            {
                match g {
                    1 => m.inventory_orgs.push(c),
                    2 => m.products.push(c),
                    _ => m.consignees.push(c),
                }
            }
            Written::Missing(m)
        }
        "conflict" => Written::Conflict {
            hx_order_no: r.hx_order_no.clone().unwrap_or_default(),
        },
        "same" => {
            crate::context::add_order(r.id.unwrap_or_default());
            Written::Order {
                head: head(r.existing_status.clone()),
                existed: true,
            }
        }
        _ => {
            debug_assert_eq!(r.lines as usize, lines.len());
            debug_assert_eq!(r.events, 1);
            crate::context::add_order(r.id.unwrap_or_default());
            Written::Order {
                head: head(None),
                existed: false,
            }
        }
    })
}
