//! DWS parcel scans: deduplicated, matched to outbound packages by waybill or package number
//! (now, or when the package appears later) when the barcode names exactly one package,
//! weight deviation flagged.

use super::{transaction, Outcome, ReplayKey, ServiceError};
use crate::domain::carrier::{match_barcode, weight_deviation, BarcodeMatch};
use crate::store::carrier::{Measurement, PackageMatch, Scan};
use crate::store::sessions::{Sessions, Writes};
use crate::store::{self, PgConnection, PgPool};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanResult {
    pub barcode: String,
    pub matched: bool,
    /// Why it is not matched: `NO_PACKAGE` or `AMBIGUOUS`.
    pub reason: Option<String>,
    pub order_code: Option<String>,
    pub weight_deviation: Option<f64>,
    pub flagged: bool,
    pub duplicate: bool,
}

/// A weight as the deviation's arithmetic reads it: the nearest `f64` to the decimal, as
/// PostgreSQL's `numeric::float8` gives it (the one-statement write computes the same
/// deviation in SQL; `Decimal::to_f64` can be a bit off from that).
fn as_f64(d: Decimal) -> f64 {
    // A Decimal's text always parses as a float.
    d.to_string().parse().unwrap_or(0.0)
}

fn deviation(
    measured: Decimal,
    expected: Option<Decimal>,
    tolerance: f64,
) -> (Option<Decimal>, Option<f64>, bool) {
    match weight_deviation(as_f64(measured), expected.map(as_f64), tolerance) {
        Some((d, flagged)) => (
            Decimal::from_f64_retain(d).map(|x| x.round_dp(4)),
            Some(d),
            flagged,
        ),
        None => (None, None, false),
    }
}

/// The package a scan measures (when the barcode names exactly one), with the weight
/// deviation stored and shown and whether it is flagged.
fn measured(
    m: &BarcodeMatch<PackageMatch>,
    weight: Decimal,
    tolerance: f64,
) -> (Option<&PackageMatch>, Option<Decimal>, Option<f64>, bool) {
    match m {
        BarcodeMatch::One(p) => {
            let (stored, shown, flagged) = deviation(weight, p.weight_kg, tolerance);
            (Some(p), stored, shown, flagged)
        }
        _ => (None, None, None, false),
    }
}

/// Why a scan measured no package: `NO_PACKAGE` (none yet; matched when it ships) or
/// `AMBIGUOUS` (the barcode names several packages).
fn reason_of<T>(m: &BarcodeMatch<T>) -> Option<String> {
    match m {
        BarcodeMatch::One(_) => None,
        BarcodeMatch::None => Some("NO_PACKAGE".into()),
        BarcodeMatch::Ambiguous => Some("AMBIGUOUS".into()),
    }
}

/// The match of every barcode by the rule of [`match_barcode`].
async fn resolve(
    tx: &mut PgConnection,
    barcodes: &[String],
    sandbox: bool,
) -> Result<HashMap<String, BarcodeMatch<PackageMatch>>, ServiceError> {
    let candidates = store::carrier::package_candidates(tx, barcodes, sandbox).await?;
    Ok(barcodes
        .iter()
        .map(|b| {
            let c = candidates.get(b).map(Vec::as_slice).unwrap_or_default();
            (b.clone(), match_barcode(c))
        })
        .collect())
}

/// Stores a batch of scans and matches them: one statement (#21) whatever the batch size, or,
/// when another call raced it, a handful of statements in one transaction.
pub async fn receive_scans(
    writes: &Writes,
    replay: Option<ReplayKey<'_>>,
    client_id: i64,
    // Whether the scanner is a sandbox one: it then measures only sandbox tenants' packages.
    sandbox: bool,
    device_code: &str,
    scans: &[Scan],
    tolerance: f64,
) -> Result<Outcome<Vec<ScanResult>>, ServiceError> {
    let scanner = Scanner {
        client_id,
        sandbox,
        device_code,
    };
    if let Some(done) = in_one_write(&writes.sessions, replay, &scanner, scans, tolerance).await? {
        count_scans(&done);
        return Ok(done);
    }
    step_by_step(&writes.pool, replay, &scanner, scans, tolerance).await
}

/// Who scanned.
struct Scanner<'a> {
    client_id: i64,
    sandbox: bool,
    device_code: &'a str,
}

/// The scans as one read of the candidates and one write; `None` when the step-by-step path
/// must decide (an `Idempotency-Key` call, a replay key claimed meanwhile, candidates that
/// changed between the read and the write: nothing was written then).
async fn in_one_write(
    sessions: &Sessions,
    replay: Option<ReplayKey<'_>>,
    who: &Scanner<'_>,
    scans: &[Scan],
    tolerance: f64,
) -> Result<Option<Outcome<Vec<ScanResult>>>, ServiceError> {
    use store::dws_one_statement::{self as one, Received};
    let Some(key) = super::one_statement_key(replay) else {
        return Ok(None);
    };
    let measured: Vec<f64> = scans.iter().map(|s| as_f64(s.weight_kg)).collect();
    let scanner = one::Scanner {
        client_id: who.client_id,
        sandbox: who.sandbox,
        device_code: who.device_code,
        tolerance,
    };
    crate::context::set_committing();
    let written = sessions
        .run(async |conn| one::receive(conn, &scanner, scans, &measured, key.as_ref()).await)
        .await;
    let (stored, replayed) = match written {
        Ok(Received::Done(v)) => (v, false),
        Ok(Received::Replayed(v)) => (v, true),
        Err(e) if one::lost_race(&e) => {
            crate::context::clear_committing();
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let value = serde_json::from_value(stored)
        .map_err(|e| ServiceError::Internal(format!("scan results: {e}")))?;
    Ok(Some(Outcome { value, replayed }))
}

async fn step_by_step(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    who: &Scanner<'_>,
    scans: &[Scan],
    tolerance: f64,
) -> Result<Outcome<Vec<ScanResult>>, ServiceError> {
    let (client_id, sandbox, device_code) = (who.client_id, who.sandbox, who.device_code);
    transaction(pool, replay, async |tx| {
        // Stored in barcode order, the same in every transaction; results in request order.
        let mut order: Vec<usize> = (0..scans.len()).collect();
        order.sort_by(|&a, &b| scans[a].barcode.cmp(&scans[b].barcode));
        let sorted: Vec<Scan> = order.iter().map(|&i| scans[i].clone()).collect();
        let ids = store::carrier::insert_scans(tx, client_id, device_code, &sorted).await?;
        let mut barcodes: Vec<String> = sorted.iter().map(|s| s.barcode.clone()).collect();
        barcodes.dedup();
        let matches = resolve(tx, &barcodes, sandbox).await?;
        let mut measurements = Vec::new();
        let mut ambiguous = Vec::new();
        let mut results: Vec<Option<ScanResult>> = vec![None; scans.len()];
        for ((s, id), &i) in sorted.iter().zip(&ids).zip(&order) {
            let m = matches.get(&s.barcode).unwrap_or(&BarcodeMatch::None);
            let (package, stored, shown, flagged) = measured(m, s.weight_kg, tolerance);
            match (id, m) {
                (Some(id), BarcodeMatch::One(p)) => measurements.push(Measurement {
                    scan_id: *id,
                    package_id: p.id,
                    deviation: stored,
                    flagged,
                }),
                (Some(id), BarcodeMatch::Ambiguous) => ambiguous.push(*id),
                _ => {}
            }
            results[i] = Some(ScanResult {
                barcode: s.barcode.clone(),
                matched: package.is_some(),
                reason: reason_of(m),
                order_code: package.map(|p| p.order_code.clone()),
                weight_deviation: shown,
                flagged,
                duplicate: id.is_none(),
            });
        }
        store::carrier::record_measurements(tx, &measurements).await?;
        store::carrier::set_scan_status(tx, &ambiguous, "AMBIGUOUS").await?;
        Ok(results.into_iter().flatten().collect())
    })
    .await
    .inspect(count_scans)
}

/// New scans by result, once committed (not replays, not duplicates).
fn count_scans(out: &Outcome<Vec<ScanResult>>) {
    if out.replayed {
        return;
    }
    for r in out.value.iter().filter(|r| !r.duplicate) {
        crate::metrics::dws_scan(match (r.matched, r.reason.as_deref()) {
            (true, _) => "matched",
            (false, Some("AMBIGUOUS")) => "ambiguous",
            _ => "unmatched",
        });
    }
}

/// Matches scans that were waiting for a package that just shipped (its package and waybill
/// numbers are `barcodes`), by the same rule as at scan time: a barcode that now names
/// several packages makes its waiting scans `AMBIGUOUS` instead.
pub(crate) async fn match_waiting_scans(
    tx: &mut PgConnection,
    barcodes: &[String],
    sandbox: bool,
    tolerance: f64,
) -> Result<(), ServiceError> {
    let waiting = store::carrier::unmatched_scans(tx, barcodes, sandbox).await?;
    if waiting.is_empty() {
        return Ok(());
    }
    let matches = resolve(tx, barcodes, sandbox).await?;
    let mut measurements = Vec::new();
    let mut ambiguous = Vec::new();
    for (scan_id, barcode, weight) in waiting {
        match matches.get(&barcode) {
            Some(BarcodeMatch::One(p)) => {
                let (deviation, _, flagged) = self::deviation(weight, p.weight_kg, tolerance);
                measurements.push(Measurement {
                    scan_id,
                    package_id: p.id,
                    deviation,
                    flagged,
                });
            }
            Some(BarcodeMatch::Ambiguous) => ambiguous.push(scan_id),
            _ => {}
        }
    }
    store::carrier::record_measurements(tx, &measurements).await?;
    store::carrier::set_scan_status(tx, &ambiguous, "AMBIGUOUS").await?;
    Ok(())
}
