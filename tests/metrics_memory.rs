//! The latency histogram's memory stays bounded however many requests it records.
//!
//! The recorder keeps each sample until it is folded into its buckets, which only a scrape of
//! `/metrics` or `metrics::keep_up` (spawned at startup) does. Without it, a gateway nobody
//! scraped grew by about 20 bytes per request, without end (docs/performance.md, ninth part).
//! This binary counts every allocation (its own global allocator), so it holds only this test.

use hongxun_gateway::metrics;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const ROUTE: &str = "/memory-test";

fn record(n: usize) {
    for i in 0..n {
        metrics::http_request(ROUTE, 200, false, 0.001 + (i % 100) as f64 / 10_000.0);
    }
}

/// Bytes allocated and not freed since the region began.
fn held(region: &Region<'_, System>) -> i64 {
    let c = region.change();
    c.bytes_allocated as i64 - c.bytes_deallocated as i64 + c.bytes_reallocated as i64
}

// One thread: the upkeep task runs only while the test sleeps, as it would between bursts.
#[tokio::test(flavor = "current_thread")]
async fn histogram_samples_are_folded_so_memory_stays_bounded() {
    let h = metrics::handle();
    // The route's handles and the recorder's first blocks exist before anything is measured.
    record(1_000);
    h.run_upkeep();

    // With the upkeep task running (every 20 ms here, every 5 s in the gateway), 200,000
    // samples, in bursts, leave only a few blocks behind.
    let shutdown = CancellationToken::new();
    let upkeep = tokio::spawn(metrics::keep_up(
        Duration::from_millis(20),
        shutdown.clone(),
    ));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let region = Region::new(GLOBAL);
    for _ in 0..20 {
        record(10_000);
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    let folded = held(&region);
    shutdown.cancel();
    upkeep.await.unwrap();

    // Without it every sample is kept: the measurement sees the growth it guards against.
    let region = Region::new(GLOBAL);
    record(100_000);
    let kept = held(&region);
    eprintln!(
        "held: {folded} bytes after 200,000 samples with upkeep, {kept} after 100,000 without"
    );
    assert!(
        kept > 700_000,
        "100,000 samples left unfolded should hold at least 8 bytes each; held {kept} bytes"
    );
    // Twice the samples for under half the bytes, i.e. under a quarter of what they would hold
    // unfolded (3.2 MB). What remains is the last burst or two, whose blocks the recorder frees
    // late (epoch-based reclamation): about 175 KB when this was written.
    assert!(
        folded < kept / 2,
        "200,000 samples with upkeep running still hold {folded} bytes (without it: {kept} per 100,000)"
    );

    // Folding loses nothing: every sample is counted in the exposition.
    let text = h.render();
    let count = format!("hxgw_http_request_duration_seconds_count{{route=\"{ROUTE}\"}} 301000");
    assert!(text.contains(&count), "{count} missing:\n{text}");
}
