//! DWS scans in one statement (#21): the candidate packages, the match, the weight deviation,
//! the scans, the packages' measurements and the replay key with its outcome — one round trip
//! instead of eight. The match is the domain's rule (`domain::carrier::match_barcode`: a
//! waybill match before a package-number match, exactly one package or none) and the deviation
//! its arithmetic (`weight_deviation`: the same float8 operations, half-way cases rounded away
//! from zero), written in SQL; tests/api/one_statement_dws.rs holds both paths to the same
//! answers. A replay key claimed meanwhile stops it on its unique index: the caller then takes
//! the step-by-step path.

use super::carrier::Scan;
use super::orders::one_statement::SignedKey;
use super::PgConnection;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

pub enum Received {
    /// The same signed call committed earlier: its stored outcome.
    Replayed(serde_json::Value),
    /// The answer (the scan results as JSON, duplicates marked).
    Done(serde_json::Value),
}

/// Whether an error is one the step-by-step path must decide.
pub fn lost_race(e: &sqlx::Error) -> bool {
    super::is_unique_violation(e, "replay_keys_pkey")
}

/// Who scans, and the rule its scans are judged by.
pub struct Scanner<'a> {
    pub client_id: i64,
    pub sandbox: bool,
    pub device_code: &'a str,
    /// `dws.weight_tolerance`: a deviation beyond it is flagged.
    pub tolerance: f64,
}

/// `scans` in request order; `measured` is each scan's weight as the domain's arithmetic
/// reads it (`service::dws::as_f64`).
pub async fn receive(
    conn: &mut PgConnection,
    who: &Scanner<'_>,
    scans: &[Scan],
    measured: &[f64],
    key: Option<&SignedKey<'_>>,
) -> sqlx::Result<Received> {
    let barcode: Vec<&str> = scans.iter().map(|s| s.barcode.as_str()).collect();
    let weight: Vec<Decimal> = scans.iter().map(|s| s.weight_kg).collect();
    let col =
        |f: fn(&Scan) -> Option<Decimal>| -> Vec<Option<Decimal>> { scans.iter().map(f).collect() };
    let time: Vec<DateTime<Utc>> = scans.iter().map(|s| s.scan_time).collect();
    let r = sqlx::query!(
        r#"WITH prior AS (
               SELECT outcome FROM replay_keys
                WHERE $12::text IS NOT NULL AND client_id = $11 AND endpoint = $12 AND sign = $13),
           go AS (
               -- A replay answers what it answered and writes nothing.
               SELECT NOT EXISTS (SELECT 1 FROM prior) AS go),
           s AS (
               SELECT * FROM UNNEST($4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[],
                                    $9::numeric[], $10::timestamptz[], $14::float8[])
                   WITH ORDINALITY AS s(barcode, w, l, wd, h, v, t, m, i)),
           cand AS (
               -- Every package each barcode names, by waybill or by package number: two
               -- lookups on their own indexes (store::carrier::package_candidates).
               SELECT x.barcode, x.by_waybill, p.id, o.order_code, p.weight_kg
                 FROM (SELECT u.b AS barcode, q.id, true AS by_waybill
                         FROM (SELECT DISTINCT barcode FROM s) u(b) JOIN packages q ON q.waybill_no = u.b
                       UNION ALL
                       SELECT u.b, q.id, false
                         FROM (SELECT DISTINCT barcode FROM s) u(b) JOIN packages q ON q.package_no = u.b) x
                 JOIN packages p ON p.id = x.id
                 -- Its order by key, one lookup per package (see package_candidates).
                 CROSS JOIN LATERAL (SELECT o.order_code, o.tenant FROM orders o
                                      WHERE o.id = p.order_id OFFSET 0) o
                WHERE hxgw_is_sandbox(o.tenant) = $3),
           pick AS (
               -- match_barcode: the waybill matches if there are any, else the package-number
               -- ones; one package measures, several are ambiguous.
               SELECT barcode, count(DISTINCT id) AS n, min(id) AS id
                 FROM (SELECT c.*, bool_or(c.by_waybill) OVER (PARTITION BY c.barcode) AS any_waybill FROM cand c) c
                WHERE by_waybill OR NOT any_waybill
                GROUP BY barcode),
           judged AS (
               SELECT s.*, k.id AS package, COALESCE(k.n > 1, false) AS ambiguous, k.order_code,
                      CASE WHEN k.id IS NULL THEN CASE WHEN COALESCE(k.n, 0) = 0 THEN 'NO_PACKAGE' ELSE 'AMBIGUOUS' END
                      END AS reason,
                      -- weight_deviation: (measured - expected) / expected, times 10000, rounded
                      -- half away from zero (f64::round; float8 round() goes to even), / 10000.
                      CASE WHEN k.e > 0 THEN
                          (CASE WHEN k.x - trunc(k.x) = 0.5::float8 THEN trunc(k.x) + 1
                                WHEN k.x - trunc(k.x) = -0.5::float8 THEN trunc(k.x) - 1
                                ELSE round(k.x) END) / 10000::float8
                      END AS shown
                 FROM s
                 LEFT JOIN LATERAL (
                       SELECT q.n, CASE WHEN q.n = 1 THEN q.id END AS id, c.order_code,
                              c.weight_kg::float8 AS e,
                              CASE WHEN c.weight_kg > 0
                                   THEN (s.m - c.weight_kg::float8) / c.weight_kg::float8 * 10000::float8 END AS x
                         FROM pick q LEFT JOIN cand c ON q.n = 1 AND c.id = q.id AND c.barcode = q.barcode
                        WHERE q.barcode = s.barcode
                        LIMIT 1) k ON true),
           j AS (
               SELECT judged.*, CASE WHEN package IS NULL THEN NULL ELSE order_code END AS shown_order,
                      CASE WHEN package IS NULL THEN NULL ELSE shown END AS deviation,
                      package IS NOT NULL AND shown IS NOT NULL AND abs(shown) > $15::float8 AS flagged
                 FROM judged),
           locked AS (
               -- The packages in id order before anything else touches them: the one lock
               -- order of every DWS write (the scans' foreign keys lock them too).
               -- A replay locks nothing.
               SELECT id FROM packages
                WHERE (SELECT go FROM go) AND id IN (SELECT package FROM j WHERE package IS NOT NULL)
                ORDER BY id FOR UPDATE),
           ins AS (
               INSERT INTO dws_scans (client_id, device_code, barcode, weight_kg, length_cm, width_cm, height_cm,
                      volume_cm3, scan_time, package_id, match_status)
               SELECT $1, $2, j.barcode, j.w, j.l, j.wd, j.h, j.v, j.t, j.package,
                      CASE WHEN j.package IS NOT NULL THEN 'MATCHED'
                           WHEN j.ambiguous THEN 'AMBIGUOUS' ELSE 'UNMATCHED' END
                 FROM j, go, (SELECT count(*) AS n FROM locked) k
                WHERE go.go
                ORDER BY j.barcode, j.i
               ON CONFLICT ON CONSTRAINT dws_scans_key DO NOTHING
               RETURNING id, barcode, scan_time, weight_kg, length_cm, width_cm, height_cm, volume_cm3, package_id),
           placed AS (
               -- Each stored scan belongs to the first scan of the request with its key.
               SELECT DISTINCT ON (n.id) n.*, j.deviation, j.flagged, j.i
                 FROM ins n JOIN j ON j.barcode = n.barcode AND j.t = n.scan_time
                ORDER BY n.id, j.i),
           latest AS (
               SELECT DISTINCT ON (package_id) * FROM placed WHERE package_id IS NOT NULL
                ORDER BY package_id, scan_time DESC, id DESC),
           measured AS (
               -- The stored deviation: the shown one to 4 places (it is one already, within
               -- a float's last bit).
               UPDATE packages k SET measured_weight_kg = l.weight_kg, measured_length_cm = l.length_cm,
                      measured_width_cm = l.width_cm, measured_height_cm = l.height_cm,
                      measured_volume_cm3 = l.volume_cm3, measured_at = l.scan_time,
                      weight_deviation = round(l.deviation::numeric, 4), weight_flagged = l.flagged
                 FROM latest l
                WHERE k.id = l.package_id
               RETURNING k.id),
           answer AS (
               SELECT jsonb_agg(jsonb_build_object(
                          'barcode', j.barcode, 'matched', j.package IS NOT NULL, 'reason', j.reason,
                          'order_code', j.shown_order, 'weight_deviation', j.deviation, 'flagged', j.flagged,
                          'duplicate', NOT EXISTS (SELECT 1 FROM placed p WHERE p.i = j.i))
                        ORDER BY j.i) AS results
                 FROM j),
           claimed AS (
               INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
               SELECT $11, $13, $12, a.results FROM answer a, go WHERE go.go AND $12::text IS NOT NULL
               RETURNING 1 AS one)
           SELECT (SELECT outcome FROM prior) AS prior, (SELECT results FROM answer) AS results,
                  (SELECT count(*) FROM measured) + (SELECT count(*) FROM claimed) AS "writes!""#,
        who.client_id,
        who.device_code,
        who.sandbox,
        &barcode as &[&str],
        &weight,
        &col(|s| s.length_cm) as &[Option<Decimal>],
        &col(|s| s.width_cm) as &[Option<Decimal>],
        &col(|s| s.height_cm) as &[Option<Decimal>],
        &col(|s| s.volume_cm3) as &[Option<Decimal>],
        &time,
        key.map(|k| k.client_id),
        key.map(|k| k.endpoint),
        key.map(|k| k.sign),
        measured,
        who.tolerance
    )
    .fetch_one(conn)
    .await?;
    Ok(match r.prior {
        Some(stored) => Received::Replayed(stored),
        None => Received::Done(r.results.unwrap_or_default()),
    })
}
