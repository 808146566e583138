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
use crate::store::sessions::Sessions;
use crate::store::PgConnection;
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

/// The statement's one row (both statements answer the same columns).
struct WrittenRow {
    what: String,
    prior: Option<serde_json::Value>,
    missing_groups: Option<Vec<i32>>,
    missing_codes: Option<Vec<String>>,
    id: Option<i64>,
    hx_order_no: Option<String>,
    existing_status: Option<String>,
    existing_type: Option<String>,
    lines: i64,
    events: i64,
}

/// Whether an error is one this path leaves to the step-by-step one, having written nothing:
/// the lost race, or too little stock once the balances were locked (`hxgw_abort`, HX001:
/// the step-by-step path answers the shortage line by line, or backorders).
pub fn lost_race(e: &sqlx::Error) -> bool {
    crate::store::is_unique_violation(e, "replay_keys_pkey")
        || crate::store::is_unique_violation(e, "orders_code_key")
        || matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("HX001"))
}

/// Writes an order that reserves nothing, with its lines, in one statement.
pub async fn insert_inbound(
    sessions: &Sessions,
    o: &NewOrder<'_>,
    lines: &[OrderLine],
    refs: &super::References<'_>,
    key: Option<&SignedKey<'_>>,
) -> sqlx::Result<Written> {
    sessions
        .run(async |conn| insert_inbound_on(conn, o, lines, refs, key).await)
        .await
}

async fn insert_inbound_on(
    conn: &mut PgConnection,
    o: &NewOrder<'_>,
    lines: &[OrderLine],
    refs: &super::References<'_>,
    key: Option<&SignedKey<'_>>,
) -> sqlx::Result<Written> {
    let a = Arrays::of(lines, refs, key);
    // The main query reads every CTE, so each runs, in this order: the prior key and the
    // existing order (the statement's snapshot), the missing references, then the key, then
    // the order (which reads the key), then its lines and first event (which read the order).
    let r = sqlx::query_as!(
        WrittenRow,
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
               SELECT $1, $2, $3, n.hx, $5, $6, $7, $10, $8, $9, $11::text::jsonb, $15
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
        a.key_client,
        a.key_endpoint,
        a.key_sign,
        o.client_id,
        &a.line_no as &[&str],
        &a.item as &[&str],
        &a.qty,
        &a.inv_type as &[&str],
        &a.batch as &[Option<&str>],
        &a.pdate as &[Option<NaiveDate>],
        &a.edate as &[Option<NaiveDate>],
        &a.produce as &[Option<&str>],
        &a.price as &[Option<Decimal>],
        &a.wh as &[&str],
        &a.ow as &[&str],
        refs.products,
        refs.consignees,
        &a.remark as &[Option<&str>]
    )
    .fetch_one(conn)
    .await?;
    Ok(written(r, o, lines.len()))
}

/// The order's lines and references as the statements' arrays.
struct Arrays<'a> {
    line_no: Vec<&'a str>,
    item: Vec<&'a str>,
    qty: Vec<i64>,
    inv_type: Vec<&'a str>,
    batch: Vec<Option<&'a str>>,
    pdate: Vec<Option<NaiveDate>>,
    edate: Vec<Option<NaiveDate>>,
    produce: Vec<Option<&'a str>>,
    price: Vec<Option<Decimal>>,
    remark: Vec<Option<&'a str>>,
    wh: Vec<&'a str>,
    ow: Vec<&'a str>,
    key_client: Option<i64>,
    key_endpoint: Option<&'a str>,
    key_sign: Option<&'a str>,
}

impl<'a> Arrays<'a> {
    fn of(
        lines: &'a [OrderLine],
        refs: &'a super::References<'_>,
        key: Option<&'a SignedKey<'_>>,
    ) -> Self {
        Self {
            line_no: lines.iter().map(|l| l.line_no.as_str()).collect(),
            item: lines.iter().map(|l| l.item_code.as_str()).collect(),
            qty: lines.iter().map(|l| l.plan_qty).collect(),
            inv_type: lines.iter().map(|l| l.inventory_type.as_str()).collect(),
            batch: lines.iter().map(|l| l.batch_code.as_deref()).collect(),
            pdate: lines.iter().map(|l| l.product_date).collect(),
            edate: lines.iter().map(|l| l.expire_date).collect(),
            produce: lines.iter().map(|l| l.produce_code.as_deref()).collect(),
            price: lines.iter().map(|l| l.price).collect(),
            remark: lines.iter().map(|l| l.remark.as_deref()).collect(),
            wh: refs.inventory_orgs.iter().map(|p| p.0.as_str()).collect(),
            ow: refs.inventory_orgs.iter().map(|p| p.1.as_str()).collect(),
            key_client: key.map(|k| k.client_id),
            key_endpoint: key.map(|k| k.endpoint),
            key_sign: key.map(|k| k.sign),
        }
    }
}

/// Writes an order that reserves stock (outbound, property) with its lines and reservations, in
/// one statement. The caller sends no two lines of the same item and inventory type (they would
/// draw on the same balances one after the other: the step-by-step path allocates those), and
/// no backorder (which needs its event's payload): too little stock aborts the statement
/// (`lost_race`), and the step-by-step path answers.
pub async fn insert_reserving(
    sessions: &Sessions,
    o: &NewOrder<'_>,
    lines: &[OrderLine],
    refs: &super::References<'_>,
    key: Option<&SignedKey<'_>>,
) -> sqlx::Result<Written> {
    sessions
        .run(async |conn| insert_reserving_on(conn, o, lines, refs, key).await)
        .await
}

async fn insert_reserving_on(
    conn: &mut PgConnection,
    o: &NewOrder<'_>,
    lines: &[OrderLine],
    refs: &super::References<'_>,
    key: Option<&SignedKey<'_>>,
) -> sqlx::Result<Written> {
    let a = Arrays::of(lines, refs, key);
    let r = sqlx::query_as!(
        WrittenRow,
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
               SELECT $1, $2, $3, n.hx, $5, $6, $7, $10, $8, $9, $11::text::jsonb, $15
                 FROM number n LEFT JOIN (SELECT count(*) AS n FROM claimed) c ON true
               RETURNING id, hx_order_no),
           demand AS (
               SELECT u.i, u.line_no, u.item_code, u.qty, u.inv_type, u.batch
                 FROM UNNEST($16::text[], $17::text[], $18::int8[], $19::text[], $20::text[])
                        WITH ORDINALITY AS u(line_no, item_code, qty, inv_type, batch, i)),
           -- The balances, locked in id order like every writer of stock, after the key and
           -- the head (the EXISTS on head runs first: the lock order of the other path), in a
           -- function so that a balance another order changed meanwhile is re-checked in the
           -- function's small query, not in a copy of this whole plan (migration
           -- 20261205000012).
           slots AS (
               SELECT l.s_id AS id, l.s_item_code AS item_code, l.s_inventory_type AS inventory_type,
                      l.s_batch_code AS batch_code, l.s_product_date AS product_date,
                      l.s_expire_date AS expire_date, l.s_available AS available
                 FROM hxgw_lock_slots($1, $6, $7, $27) l
                WHERE EXISTS (SELECT 1 FROM head)),
           -- FIFO by expiry, then production date, then batch (domain::inventory::allocate):
           -- each line takes from its own balances (the caller sends no two lines of the same
           -- item and type), as much as is left of what the earlier ones in that order gave.
           alloc AS (
               SELECT d.i, d.line_no, s.id AS balance_id,
                      LEAST(s.available, GREATEST(0, d.qty - (sum(s.available) OVER w - s.available))) AS take
                 FROM demand d JOIN slots s
                   ON s.item_code = d.item_code AND s.inventory_type = d.inv_type
                  AND (d.batch IS NULL OR s.batch_code = d.batch)
               WINDOW w AS (PARTITION BY d.i
                            ORDER BY s.expire_date IS NULL, s.expire_date, s.product_date IS NULL,
                                     s.product_date, s.batch_code COLLATE "C", s.id
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
           -- Too little for a line: the statement stops, writing nothing (the other path
           -- answers the shortage line by line).
           stop AS (
               SELECT hxgw_abort('insufficient stock') AS stopped
                 FROM demand d LEFT JOIN (SELECT i, sum(take) AS got FROM alloc GROUP BY i) a ON a.i = d.i
                WHERE EXISTS (SELECT 1 FROM head) AND COALESCE(a.got, 0) < d.qty
                LIMIT 1),
           lines AS (
               INSERT INTO order_lines (order_id, line_no, item_code, plan_qty, inventory_type, batch_code,
                      product_date, expire_date, produce_code, price, remark)
               SELECT h.id, u.line_no, u.item_code, u.qty, u.inv_type, u.batch, u.pdate, u.edate, u.produce,
                      u.price, u.remark
                 FROM head h,
                      UNNEST($16::text[], $17::text[], $18::int8[], $19::text[], $20::text[], $21::date[],
                             $22::date[], $23::text[], $24::numeric[], $29::text[])
                        AS u(line_no, item_code, qty, inv_type, batch, pdate, edate, produce, price, remark)
               RETURNING id, line_no),
           taken AS (
               SELECT l.id AS line_id, a.balance_id, a.take
                 FROM alloc a JOIN lines l ON l.line_no = a.line_no WHERE a.take > 0),
           -- In a function too: its fresh snapshot sees the versions just locked.
           balances AS (
               SELECT hxgw_add_reserved(array_agg(balance_id), array_agg(take::int8)) AS changed
                 FROM taken HAVING count(*) > 0),
           ledger AS (
               INSERT INTO inventory_movements (balance_id, reason, reserved_delta, order_id, order_line_id)
               SELECT t.balance_id, 'RESERVE', t.take, h.id, t.line_id FROM taken t, head h
               RETURNING 1 AS one),
           reserved AS (
               INSERT INTO reservations (order_line_id, balance_id, qty)
               SELECT line_id, balance_id, take FROM taken
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
                  (SELECT e.order_type FROM existing e) AS "existing_type?",
                  (SELECT count(*) FROM lines) AS "lines!",
                  (SELECT count(*) FROM event) AS "events!"
             FROM decided d
            WHERE (SELECT count(*) FROM stop) = 0
              AND (SELECT count(*) FROM balances) >= 0 AND (SELECT count(*) FROM ledger) >= 0
              AND (SELECT count(*) FROM reserved) >= 0"#,
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
        a.key_client,
        a.key_endpoint,
        a.key_sign,
        o.client_id,
        &a.line_no as &[&str],
        &a.item as &[&str],
        &a.qty,
        &a.inv_type as &[&str],
        &a.batch as &[Option<&str>],
        &a.pdate as &[Option<NaiveDate>],
        &a.edate as &[Option<NaiveDate>],
        &a.produce as &[Option<&str>],
        &a.price as &[Option<Decimal>],
        &a.wh as &[&str],
        &a.ow as &[&str],
        refs.products,
        refs.consignees,
        &a.remark as &[Option<&str>]
    )
    .fetch_one(conn)
    .await?;
    Ok(written(r, o, lines.len()))
}

fn written(r: WrittenRow, o: &NewOrder<'_>, lines: usize) -> Written {
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
    match r.what.as_str() {
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
            debug_assert_eq!(r.lines as usize, lines);
            debug_assert_eq!(r.events, 1);
            crate::context::add_order(r.id.unwrap_or_default());
            Written::Order {
                head: head(None),
                existed: false,
            }
        }
    }
}
