//! DWS scans in one write (#21): the scans, their matches, the packages' measurements and the
//! replay key with its outcome in one statement, after one read of the candidate packages —
//! two round trips instead of eight. The match and the weight deviation stay in Rust (the
//! domain's rule); the write re-reads the candidates and stops (HX001, nothing written) if any
//! changed since (a package shipped in between), and a replay key claimed meanwhile stops it
//! on its unique index: the caller then takes the step-by-step path.

use super::carrier::{PackageMatch, Scan};
use super::orders::one_statement::SignedKey;
use super::PgConnection;
use crate::domain::carrier::NamedBy;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// The candidates as the write compares them: one text per (barcode, how, package, weight),
/// sorted bytewise.
pub fn candidates_digest(c: &HashMap<String, Vec<(NamedBy, PackageMatch)>>) -> Vec<String> {
    let mut out: Vec<String> = c
        .iter()
        .flat_map(|(barcode, list)| {
            list.iter().map(move |(by, p)| {
                let weight = p.weight_kg.map(|w| w.to_string()).unwrap_or_default();
                format!("{barcode}|{}|{}|{weight}", *by == NamedBy::Waybill, p.id)
            })
        })
        .collect();
    out.sort();
    out
}

/// What the write is told about each scan, in request order.
pub struct ScanPlan {
    pub scan: Scan,
    /// The package it measures (one match), if any.
    pub package_id: Option<i64>,
    pub ambiguous: bool,
    /// Stored (rounded) and shown deviation, and whether it is beyond the tolerance.
    pub deviation: Option<Decimal>,
    pub shown_deviation: Option<f64>,
    pub flagged: bool,
    /// The rest of the answer for this scan.
    pub reason: Option<String>,
    pub order_code: Option<String>,
}

pub enum Received {
    /// The same signed call committed earlier: its stored outcome.
    Replayed(serde_json::Value),
    /// The answer (the scan results as JSON, duplicates marked).
    Done(serde_json::Value),
}

/// Whether an error is one the step-by-step path must decide.
pub fn lost_race(e: &sqlx::Error) -> bool {
    super::is_unique_violation(e, "replay_keys_pkey")
        || matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("HX001"))
}

#[allow(clippy::too_many_arguments)]
pub async fn receive(
    conn: &mut PgConnection,
    client_id: i64,
    sandbox: bool,
    device_code: &str,
    plans: &[ScanPlan],
    digest: &[String],
    key: Option<&SignedKey<'_>>,
) -> sqlx::Result<Received> {
    let barcode: Vec<String> = plans.iter().map(|p| p.scan.barcode.clone()).collect();
    let weight: Vec<Decimal> = plans.iter().map(|p| p.scan.weight_kg).collect();
    let col = |f: fn(&Scan) -> Option<Decimal>| -> Vec<Option<Decimal>> {
        plans.iter().map(|p| f(&p.scan)).collect()
    };
    let time: Vec<DateTime<Utc>> = plans.iter().map(|p| p.scan.scan_time).collect();
    let package: Vec<Option<i64>> = plans.iter().map(|p| p.package_id).collect();
    let ambiguous: Vec<bool> = plans.iter().map(|p| p.ambiguous).collect();
    let deviation: Vec<Option<Decimal>> = plans.iter().map(|p| p.deviation).collect();
    let shown: Vec<Option<f64>> = plans.iter().map(|p| p.shown_deviation).collect();
    let flagged: Vec<bool> = plans.iter().map(|p| p.flagged).collect();
    let reason: Vec<Option<String>> = plans.iter().map(|p| p.reason.clone()).collect();
    let order_code: Vec<Option<String>> = plans.iter().map(|p| p.order_code.clone()).collect();
    let mut distinct = barcode.clone();
    distinct.sort();
    distinct.dedup();
    let r = sqlx::query!(
        r#"WITH prior AS (
               SELECT outcome FROM replay_keys
                WHERE $19::text IS NOT NULL AND client_id = $18 AND endpoint = $19 AND sign = $20),
           cand AS (
               SELECT x.barcode || '|' || x.by_waybill::text || '|' || p.id::text || '|' || COALESCE(p.weight_kg::text, '') AS c
                 FROM (SELECT u.b AS barcode, q.id, true AS by_waybill
                         FROM UNNEST($21::text[]) AS u(b) JOIN packages q ON q.waybill_no = u.b
                       UNION ALL
                       SELECT u.b, q.id, false
                         FROM UNNEST($21::text[]) AS u(b) JOIN packages q ON q.package_no = u.b) x
                 JOIN packages p ON p.id = x.id
                 JOIN orders o ON o.id = p.order_id
                WHERE hxgw_is_sandbox(o.tenant) = $3),
           go AS (
               -- A replay answers what it answered; candidates that changed since they were
               -- read stop the statement before it writes anything.
               SELECT NOT EXISTS (SELECT 1 FROM prior)
                      AND (ARRAY(SELECT c FROM cand ORDER BY c COLLATE "C") = $22::text[]
                           OR hxgw_abort('DWS candidates changed') = 0) AS go),
           s AS (
               SELECT * FROM UNNEST($4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[],
                                    $9::numeric[], $10::timestamptz[], $11::int8[], $12::bool[], $13::numeric[],
                                    $14::float8[], $15::bool[], $16::text[], $17::text[])
                   WITH ORDINALITY AS s(barcode, w, l, wd, h, v, t, package, ambiguous, deviation, shown,
                                        flagged, reason, order_code, i)),
           locked AS (
               -- The packages in id order before anything else touches them: the one lock
               -- order of every DWS write (the scans' foreign keys lock them too).
               -- A replay (or a stopped write) locks nothing.
               SELECT id FROM packages
                WHERE (SELECT go FROM go) AND id IN (SELECT package FROM s WHERE package IS NOT NULL)
                ORDER BY id FOR UPDATE),
           ins AS (
               INSERT INTO dws_scans (client_id, device_code, barcode, weight_kg, length_cm, width_cm, height_cm,
                      volume_cm3, scan_time, package_id, match_status)
               SELECT $1, $2, s.barcode, s.w, s.l, s.wd, s.h, s.v, s.t, s.package,
                      CASE WHEN s.package IS NOT NULL THEN 'MATCHED'
                           WHEN s.ambiguous THEN 'AMBIGUOUS' ELSE 'UNMATCHED' END
                 FROM s, go, (SELECT count(*) AS n FROM locked) k
                WHERE go.go
                ORDER BY s.barcode, s.i
               ON CONFLICT ON CONSTRAINT dws_scans_key DO NOTHING
               RETURNING id, barcode, scan_time, weight_kg, length_cm, width_cm, height_cm, volume_cm3, package_id),
           placed AS (
               -- Each stored scan belongs to the first scan of the request with its key.
               SELECT DISTINCT ON (n.id) n.*, s.deviation, s.flagged, s.i
                 FROM ins n JOIN s ON s.barcode = n.barcode AND s.t = n.scan_time
                ORDER BY n.id, s.i),
           latest AS (
               SELECT DISTINCT ON (package_id) * FROM placed WHERE package_id IS NOT NULL
                ORDER BY package_id, scan_time DESC, id DESC),
           measured AS (
               UPDATE packages k SET measured_weight_kg = l.weight_kg, measured_length_cm = l.length_cm,
                      measured_width_cm = l.width_cm, measured_height_cm = l.height_cm,
                      measured_volume_cm3 = l.volume_cm3, measured_at = l.scan_time,
                      weight_deviation = l.deviation, weight_flagged = l.flagged
                 FROM latest l
                WHERE k.id = l.package_id
               RETURNING k.id),
           answer AS (
               SELECT jsonb_agg(jsonb_build_object(
                          'barcode', s.barcode, 'matched', s.package IS NOT NULL, 'reason', s.reason,
                          'order_code', s.order_code, 'weight_deviation', s.shown, 'flagged', s.flagged,
                          'duplicate', NOT EXISTS (SELECT 1 FROM placed p WHERE p.i = s.i))
                        ORDER BY s.i) AS results
                 FROM s),
           claimed AS (
               INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
               SELECT $18, $20, $19, a.results FROM answer a, go WHERE go.go AND $19::text IS NOT NULL
               RETURNING 1 AS one)
           SELECT (SELECT outcome FROM prior) AS prior, (SELECT results FROM answer) AS results,
                  (SELECT count(*) FROM measured) + (SELECT count(*) FROM claimed) AS "writes!""#,
        client_id,
        device_code,
        sandbox,
        &barcode,
        &weight,
        &col(|s| s.length_cm) as &[Option<Decimal>],
        &col(|s| s.width_cm) as &[Option<Decimal>],
        &col(|s| s.height_cm) as &[Option<Decimal>],
        &col(|s| s.volume_cm3) as &[Option<Decimal>],
        &time,
        &package as &[Option<i64>],
        &ambiguous,
        &deviation as &[Option<Decimal>],
        &shown as &[Option<f64>],
        &flagged,
        &reason as &[Option<String>],
        &order_code as &[Option<String>],
        key.map(|k| k.client_id),
        key.map(|k| k.endpoint),
        key.map(|k| k.sign),
        &distinct,
        digest
    )
    .fetch_one(conn)
    .await?;
    Ok(match r.prior {
        Some(stored) => Received::Replayed(stored),
        None => Received::Done(r.results.unwrap_or_default()),
    })
}
