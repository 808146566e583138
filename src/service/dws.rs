//! DWS parcel scans: deduplicated, matched to outbound packages by waybill or package number
//! (now, or when the package appears later), weight deviation flagged.

use super::{transaction, Outcome, ReplayKey, ServiceError};
use crate::domain::carrier::weight_deviation;
use crate::store::carrier::{Measurement, Scan};
use crate::store::{self, PgConnection, PgPool};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanResult {
    pub barcode: String,
    pub matched: bool,
    pub order_code: Option<String>,
    pub weight_deviation: Option<f64>,
    pub flagged: bool,
    pub duplicate: bool,
}

fn deviation(
    measured: Decimal,
    expected: Option<Decimal>,
    tolerance: f64,
) -> (Option<Decimal>, Option<f64>, bool) {
    match weight_deviation(
        measured.to_f64().unwrap_or(0.0),
        expected.and_then(|e| e.to_f64()),
        tolerance,
    ) {
        Some((d, flagged)) => (
            Decimal::from_f64_retain(d).map(|x| x.round_dp(4)),
            Some(d),
            flagged,
        ),
        None => (None, None, false),
    }
}

/// Stores a batch of scans and matches them in a handful of statements, whatever the batch
/// size: a statement per scan held the packages' locks across 150 round trips.
pub async fn receive_scans(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    client_id: i64,
    device_code: &str,
    scans: &[Scan],
    tolerance: f64,
) -> Result<Outcome<Vec<ScanResult>>, ServiceError> {
    transaction(pool, replay, async |tx| {
        // Stored in barcode order, the same in every transaction; results in request order.
        let mut order: Vec<usize> = (0..scans.len()).collect();
        order.sort_by(|&a, &b| scans[a].barcode.cmp(&scans[b].barcode));
        let sorted: Vec<Scan> = order.iter().map(|&i| scans[i].clone()).collect();
        let ids = store::carrier::insert_scans(tx, client_id, device_code, &sorted).await?;
        let mut barcodes: Vec<String> = sorted.iter().map(|s| s.barcode.clone()).collect();
        barcodes.dedup();
        let packages = store::carrier::packages_for_barcodes(tx, &barcodes).await?;
        let mut measurements = Vec::new();
        let mut results: Vec<Option<ScanResult>> = vec![None; scans.len()];
        for ((s, id), &i) in sorted.iter().zip(&ids).zip(&order) {
            let package = packages.get(&s.barcode);
            let (stored, shown, flagged) = match package {
                Some(p) => deviation(s.weight_kg, p.weight_kg, tolerance),
                None => (None, None, false),
            };
            if let (Some(id), Some(p)) = (id, package) {
                measurements.push(Measurement {
                    scan_id: *id,
                    package_id: p.id,
                    deviation: stored,
                    flagged,
                });
            }
            results[i] = Some(ScanResult {
                barcode: s.barcode.clone(),
                matched: package.is_some(),
                order_code: package.map(|p| p.order_code.clone()),
                weight_deviation: shown,
                flagged,
                duplicate: id.is_none(),
            });
        }
        store::carrier::record_measurements(tx, &measurements).await?;
        Ok(results.into_iter().flatten().collect())
    })
    .await
}

/// Matches scans that arrived before their package existed (called when packages ship).
pub(super) async fn match_waiting_scans(
    tx: &mut PgConnection,
    package_id: i64,
    barcodes: &[String],
    expected: Option<Decimal>,
    tolerance: f64,
) -> Result<(), ServiceError> {
    let waiting: Vec<Measurement> = store::carrier::unmatched_scans(tx, barcodes)
        .await?
        .into_iter()
        .map(|(scan_id, weight)| {
            let (deviation, _, flagged) = self::deviation(weight, expected, tolerance);
            Measurement {
                scan_id,
                package_id,
                deviation,
                flagged,
            }
        })
        .collect();
    store::carrier::record_measurements(tx, &waiting).await?;
    Ok(())
}
