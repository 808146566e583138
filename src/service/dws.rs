//! DWS parcel scans: deduplicated, matched to outbound packages by waybill or package number
//! (now, or when the package appears later), weight deviation flagged.

use super::{transaction, Outcome, ReplayKey, ServiceError};
use crate::domain::carrier::weight_deviation;
use crate::store::carrier::Scan;
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

pub async fn receive_scans(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    client_id: i64,
    device_code: &str,
    scans: &[Scan],
    tolerance: f64,
) -> Result<Outcome<Vec<ScanResult>>, ServiceError> {
    transaction(pool, replay, async |tx| {
        // Packages are locked in barcode order, the same in every transaction, so concurrent
        // batches never deadlock; results go back in the order of the request.
        let mut order: Vec<usize> = (0..scans.len()).collect();
        order.sort_by(|&a, &b| scans[a].barcode.cmp(&scans[b].barcode));
        let mut results: Vec<Option<ScanResult>> = vec![None; scans.len()];
        for i in order {
            let s = &scans[i];
            let id = store::carrier::insert_scan(tx, client_id, device_code, s).await?;
            let package = store::carrier::package_for_barcode(tx, &s.barcode).await?;
            let (stored, shown, flagged) = match &package {
                Some(p) => deviation(s.weight_kg, p.weight_kg, tolerance),
                None => (None, None, false),
            };
            if let (Some(id), Some(p)) = (id, &package) {
                store::carrier::record_measurement(tx, id, p.id, stored, flagged).await?;
            }
            results[i] = Some(ScanResult {
                barcode: s.barcode.clone(),
                matched: package.is_some(),
                order_code: package.map(|p| p.order_code),
                weight_deviation: shown,
                flagged,
                duplicate: id.is_none(),
            });
        }
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
    for (scan_id, weight) in store::carrier::unmatched_scans(tx, barcodes).await? {
        let (stored, _, flagged) = deviation(weight, expected, tolerance);
        store::carrier::record_measurement(tx, scan_id, package_id, stored, flagged).await?;
    }
    Ok(())
}
