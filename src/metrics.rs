//! Prometheus metrics. The names are stable: the Grafana dashboard and alert rules under
//! `deploy/` depend on them (a test checks that every name they use is exposed). Counters and
//! histograms are recorded where things happen; the outbox and pool gauges are sampled
//! (`sample`) when `/metrics` is scraped, so they are never staler than the scrape.

use metrics::{
    counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Counter,
    Histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

pub const HTTP_REQUESTS: &str = "hxgw_http_requests_total";
pub const HTTP_DURATION: &str = "hxgw_http_request_duration_seconds";
pub const PUSH_OUTBOX: &str = "hxgw_push_outbox";
pub const PUSH_ATTEMPTS: &str = "hxgw_push_attempts_total";
pub const PUSH_OLDEST_PENDING: &str = "hxgw_push_oldest_pending_seconds";
pub const PUSH_DELIVERY: &str = "hxgw_push_delivery_seconds";
pub const DB_POOL: &str = "hxgw_db_pool_connections";
pub const RATE_LIMITED: &str = "hxgw_rate_limited_total";
pub const AUDIT_DROPPED: &str = "hxgw_audit_dropped_total";
pub const DWS_SCANS: &str = "hxgw_dws_scans_total";
pub const BUILD_INFO: &str = "hxgw_build_info";
pub const LOG_DROPPED: &str = "hxgw_log_lines_dropped_total";
pub const DB_ERRORS: &str = "hxgw_db_errors_total";
pub const DB_CONNECTS: &str = "hxgw_db_connects_total";

/// Every name above, for the dashboard test and the docs.
pub const ALL: [&str; 14] = [
    HTTP_REQUESTS,
    HTTP_DURATION,
    PUSH_OUTBOX,
    PUSH_ATTEMPTS,
    PUSH_OLDEST_PENDING,
    PUSH_DELIVERY,
    DB_POOL,
    RATE_LIMITED,
    AUDIT_DROPPED,
    DWS_SCANS,
    BUILD_INFO,
    LOG_DROPPED,
    DB_ERRORS,
    DB_CONNECTS,
];

/// Kinds of database errors (`DB_ERRORS`): `unreachable` (no connection, a broken socket, a
/// pool timeout), `read_only` (the server is a standby: a failover under way), `shutdown`
/// (the server is stopping or starting), `overloaded` (too many connections), `conflict`
/// (serialization failure, deadlock), `other`.
pub const DB_ERROR_KINDS: [&str; 6] = [
    "unreachable",
    "read_only",
    "shutdown",
    "overloaded",
    "conflict",
    "other",
];
/// What a new database connection is for (`DB_CONNECTS`): a pool, the one-statement calls'
/// sessions (`store::sessions`), or a LISTEN.
pub const DB_CONNECT_PURPOSES: [&str; 3] = ["pool", "sessions", "listen"];

/// Push attempt outcomes: `delivered`, `failed` (retried later), `dead` (the last one),
/// `skipped` (nothing to say in the receiver's dialect).
pub const PUSH_OUTCOMES: [&str; 4] = ["delivered", "failed", "dead", "skipped"];
pub const DWS_RESULTS: [&str; 3] = ["matched", "unmatched", "ambiguous"];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use (tests start many gateways in one process;
/// they share it).
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(HTTP_DURATION.into()),
                    &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0],
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(PUSH_DELIVERY.into()),
                        &[
                            0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0,
                            86400.0,
                        ],
                    )
                });
            let recorder = match builder {
                Ok(b) => b.build_recorder(),
                Err(e) => {
                    tracing::error!(error = %e, "metric buckets refused; histograms become summaries");
                    PrometheusBuilder::new().build_recorder()
                }
            };
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics shows only this one's");
            }
            describe();
            handle
        })
        .clone()
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "API calls by route and outcome code (the dialect's own code)"
    );
    describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "API call latency by route"
    );
    describe_gauge!(PUSH_OUTBOX, "pushes in the outbox by status");
    describe_counter!(PUSH_ATTEMPTS, "push delivery attempts by outcome");
    describe_gauge!(
        PUSH_OLDEST_PENDING,
        metrics::Unit::Seconds,
        "age of the oldest pending push"
    );
    describe_histogram!(
        PUSH_DELIVERY,
        metrics::Unit::Seconds,
        "from the change's commit to the receiver's acceptance"
    );
    describe_gauge!(
        DB_POOL,
        "database connections by pool (main; sessions: the one-statement calls') and state (idle, busy, max)"
    );
    describe_counter!(RATE_LIMITED, "calls refused by an identity's hourly limit");
    describe_counter!(
        AUDIT_DROPPED,
        "audit rows dropped because the queue was full"
    );
    describe_counter!(DWS_SCANS, "DWS scans by match result");
    describe_gauge!(BUILD_INFO, "1, labelled with the gateway's version");
    describe_counter!(
        DB_ERRORS,
        "database errors by kind: unreachable, read_only (a standby: failover under way), shutdown, overloaded, conflict, other"
    );
    describe_counter!(
        DB_CONNECTS,
        "database connections opened, by purpose (pool, sessions, listen): after an outage or a failover, the reconnects"
    );
    describe_counter!(
        LOG_DROPPED,
        "log lines dropped: queue_full (the log reader stalled) or write_failed (it went away, or the disk failed)"
    );
    log_dropped();
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    // Counters exist from the start, so rates and alerts see a zero rather than nothing.
    counter!(RATE_LIMITED).increment(0);
    counter!(AUDIT_DROPPED).increment(0);
    for o in PUSH_OUTCOMES {
        for s in [false, true] {
            counter!(PUSH_ATTEMPTS, "outcome" => o, "sandbox" => sandbox_label(s)).increment(0);
        }
    }
    for r in DWS_RESULTS {
        counter!(DWS_SCANS, "result" => r).increment(0);
    }
    for k in DB_ERROR_KINDS {
        counter!(DB_ERRORS, "kind" => k).increment(0);
    }
    for p in DB_CONNECT_PURPOSES {
        counter!(DB_CONNECTS, "purpose" => p).increment(0);
    }
    // Registered (empty) so dashboards find the series before the first delivery.
    let _ = histogram!(PUSH_DELIVERY);
}

/// `sandbox` label values: sandbox identities' calls and pushes are told apart, so that
/// alerts and dashboards about production can leave them out.
fn sandbox_label(sandbox: bool) -> &'static str {
    if sandbox {
        "true"
    } else {
        "false"
    }
}

/// One API call: its route (the matched path template, never the raw path), code, and whether
/// the caller was a sandbox identity.
pub fn http_request(route: &str, code: i32, sandbox: bool, seconds: f64) {
    if HANDLE.get().is_none() {
        // No recorder yet: its handles would be no-ops, so none are kept.
        return http_handles(route, code, sandbox).record(seconds);
    }
    HTTP_HANDLES.with(|cell| {
        let mut routes = cell.borrow_mut();
        if !routes.contains_key(route) {
            routes.insert(route.to_string(), HashMap::new());
        }
        let Some(codes) = routes.get_mut(route) else {
            return;
        };
        // Routes are templates and codes the gateway's own, so this stays small; the
        // bound is only a backstop.
        if codes.len() >= MAX_CODES_PER_ROUTE {
            codes.clear();
        }
        codes
            .entry((code, sandbox))
            .or_insert_with(|| http_handles(route, code, sandbox))
            .record(seconds);
    });
}

/// The counter and the duration histogram of one route, code and sandbox flag.
struct HttpHandles {
    requests: Counter,
    duration: Histogram,
}

impl HttpHandles {
    fn record(&self, seconds: f64) {
        self.requests.increment(1);
        self.duration.record(seconds);
    }
}

fn http_handles(route: &str, code: i32, sandbox: bool) -> HttpHandles {
    HttpHandles {
        requests: counter!(HTTP_REQUESTS, "route" => route.to_string(),
                           "code" => code.to_string(), "sandbox" => sandbox_label(sandbox)),
        duration: histogram!(HTTP_DURATION, "route" => route.to_string()),
    }
}

const MAX_CODES_PER_ROUTE: usize = 256;

/// One route's handles, by code and sandbox flag.
type ByCode = HashMap<(i32, bool), HttpHandles>;

thread_local! {
    /// Each worker thread's handles, by route, then code and sandbox flag. Registering them
    /// through the macros on every request cost three fresh strings, a key and a registry
    /// lookup (#21); a handle is the registry's own, so what it records is what `/metrics`
    /// shows.
    static HTTP_HANDLES: RefCell<HashMap<String, ByCode>> = RefCell::new(HashMap::new());
}

pub fn push_attempt(outcome: &'static str, sandbox: bool) {
    counter!(PUSH_ATTEMPTS, "outcome" => outcome, "sandbox" => sandbox_label(sandbox)).increment(1);
}

/// A push accepted by its receiver `seconds` after its change committed.
pub fn push_delivered(seconds: f64) {
    histogram!(PUSH_DELIVERY).record(seconds.max(0.0));
}

pub fn rate_limited() {
    counter!(RATE_LIMITED).increment(1);
}

pub fn audit_dropped() {
    counter!(AUDIT_DROPPED).increment(1);
}

pub fn db_error(kind: &'static str) {
    counter!(DB_ERRORS, "kind" => kind).increment(1);
}

pub fn db_connect(purpose: &'static str) {
    counter!(DB_CONNECTS, "purpose" => purpose).increment(1);
}

pub fn dws_scan(result: &'static str) {
    counter!(DWS_SCANS, "result" => result).increment(1);
}

/// The log sink counts drops in its own atomics (it must not depend on the recorder); they
/// are copied into the counter at every scrape.
fn log_dropped() {
    let (full, failed) = crate::telemetry::sink::dropped();
    counter!(LOG_DROPPED, "reason" => "queue_full").absolute(full);
    counter!(LOG_DROPPED, "reason" => "write_failed").absolute(failed);
}

/// The sampled gauges: outbox by status, the oldest pending push, the main pool and the
/// one-statement calls' sessions (`store::sessions`, as many at most as the pool).
pub async fn sample(pool: &sqlx::PgPool, max_connections: u32, sessions: (u32, u32)) {
    log_dropped();
    match crate::store::pushes::outbox_gauges(pool).await {
        Ok(g) => {
            for (status, n) in [
                ("pending", g.pending),
                ("delivered", g.delivered),
                ("dead", g.dead),
                ("skipped", g.skipped),
            ] {
                gauge!(PUSH_OUTBOX, "status" => status).set(n as f64);
            }
            gauge!(PUSH_OLDEST_PENDING).set(g.oldest_pending_secs.max(0.0));
        }
        Err(e) => tracing::debug!(error = %e, "outbox gauges not sampled"),
    }
    for (name, (size, idle)) in [
        ("main", (pool.size(), pool.num_idle() as u32)),
        ("sessions", sessions),
    ] {
        gauge!(DB_POOL, "pool" => name, "state" => "idle").set(idle as f64);
        gauge!(DB_POOL, "pool" => name, "state" => "busy").set(size.saturating_sub(idle) as f64);
        gauge!(DB_POOL, "pool" => name, "state" => "max").set(max_connections as f64);
    }
}

/// How often histogram samples are folded into their buckets (the exporter's own default).
pub const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds the histograms' pending samples into their buckets every `period` until `shutdown`.
/// The recorder is built without the exporter's HTTP listener, so nothing else does this but
/// a scrape: with `/metrics` never scraped (no `metrics.bind`, or no Prometheus yet), every
/// request's latency sample was kept, about 20 bytes each, and resident memory grew with the
/// request count: 1.3 MB per 62,000 inventory queries, without end (docs/performance.md,
/// ninth part).
pub async fn keep_up(period: std::time::Duration, shutdown: tokio_util::sync::CancellationToken) {
    let h = handle();
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => h.run_upkeep(),
        }
    }
}

/// The text exposition, after sampling.
pub async fn render(pool: &sqlx::PgPool, max_connections: u32, sessions: (u32, u32)) -> String {
    let h = handle();
    sample(pool, max_connections, sessions).await;
    h.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_exposed_from_the_start() {
        let h = handle();
        http_request("/dtc/base/product", 200, false, 0.01);
        let text = h.render();
        for name in ALL {
            if [PUSH_OUTBOX, PUSH_OLDEST_PENDING, DB_POOL].contains(&name) {
                continue; // sampled from the database at scrape time
            }
            assert!(text.contains(name), "{name} missing:\n{text}");
        }
        assert!(text.contains("hxgw_http_request_duration_seconds_bucket{route=\"/dtc/base/product\",le=\"0.01\"}"), "{text}");
        assert!(text.contains("hxgw_push_delivery_seconds_bucket"), "{text}");
        assert!(
            text.contains(&format!(
                "hxgw_build_info{{version=\"{}\"}} 1",
                env!("CARGO_PKG_VERSION")
            )),
            "{text}"
        );
    }

    /// Calls after the first are recorded through the kept handles, into the same series;
    /// past the bound, the kept handles are dropped and taken again, and nothing is lost.
    #[test]
    fn kept_handles_record_into_the_exposed_series() {
        let h = handle();
        let route = "/unit-test/kept-handles";
        for _ in 0..3 {
            http_request(route, 200, false, 0.2);
        }
        for code in 0..MAX_CODES_PER_ROUTE as i32 + 10 {
            http_request(route, 1000 + code, true, 0.2);
        }
        http_request(route, 1000, true, 0.2);
        let text = h.render();
        let value = |series: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(series))
                .map(|v| v.trim().to_string())
        };
        let series =
            format!("hxgw_http_requests_total{{route=\"{route}\",code=\"200\",sandbox=\"false\"}}");
        assert_eq!(value(&series).as_deref(), Some("3"), "{text}");
        let series =
            format!("hxgw_http_requests_total{{route=\"{route}\",code=\"1000\",sandbox=\"true\"}}");
        assert_eq!(value(&series).as_deref(), Some("2"), "{text}");
        let count = format!("hxgw_http_request_duration_seconds_count{{route=\"{route}\"}}");
        let expected = 3 + MAX_CODES_PER_ROUTE + 10 + 1;
        assert_eq!(value(&count), Some(expected.to_string()), "{text}");
    }
}
