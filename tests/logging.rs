//! Logging under back-pressure, on the real binary with its stderr on a real pipe: a log
//! reader that goes away or stops reading costs log lines (counted in
//! `hxgw_log_lines_dropped_total`), never an answer, and SIGTERM still stops the gateway.

#[path = "support/binary.rs"]
mod binary;

use binary::{db_url, gateway, json_of};
use serde_json::Value;
use sqlx::PgPool;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr};

/// Starts `serve` on port 0 with stderr on a pipe; returns it, its address and the pipe's
/// reader, positioned after the `listening on` line.
async fn serve(db: &str, envs: &[(&str, &str)]) -> (Child, String, Lines<BufReader<ChildStderr>>) {
    let mut cmd = gateway(db);
    cmd.args(["serve", "--bind", "127.0.0.1:0"])
        .env("HXGW__PUSH__ENABLED", "false")
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("a first log line")
        .unwrap()
        .expect("stderr open");
    let addr = first
        .split("listening on ")
        .nth(1)
        .unwrap_or_else(|| panic!("not the listening line: {first}"))
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
        .collect();
    (child, addr, lines)
}

/// One API call that logs a line: an envelope from an identity nobody knows, answered 1001.
async fn call(http: &reqwest::Client, addr: &str, i: usize) -> Value {
    let body = format!(
        r#"{{"createBy":"NOBODY","dataSource":"ERP{i}","timestamp":"2026-12-05 10:00:00","sign":"00","request":{{}}}}"#
    );
    let resp = http
        .post(format!("http://{addr}/dtc/logistics/inventoryQuery"))
        .header("Content-Type", "application/json")
        .body(body)
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .unwrap_or_else(|e| panic!("request {i} not answered within 2 s: {e}"));
    resp.json().await.unwrap()
}

/// `n` calls, 16 at a time; each must be answered within 2 s with the unknown-identity code.
async fn calls(addr: &str, n: usize) {
    let http = reqwest::Client::new();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (http, addr, next) = (http.clone(), addr.to_string(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    return;
                }
                let v = call(&http, &addr, i).await;
                assert_eq!(v["code"], 1001, "request {i}: {v}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// The dropped-lines counter by reason, read from `/metrics` with an ops token.
async fn dropped(addr: &str, token: &str) -> (u64, u64) {
    let text = reqwest::Client::new()
        .get(format!("http://{addr}/metrics"))
        .bearer_auth(token)
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let read = |reason: &str| -> u64 {
        let series = format!("hxgw_log_lines_dropped_total{{reason=\"{reason}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&series))
            .unwrap_or_else(|| panic!("{series} missing:\n{text}"))
            .trim()
            .parse()
            .unwrap()
    };
    (read("queue_full"), read("write_failed"))
}

/// SIGTERM, then the process must be gone within 10 s, successfully.
async fn stops_on_sigterm(mut child: Child) {
    let pid = child.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let t = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("SIGTERM stopped the gateway within 10 s")
        .unwrap();
    assert!(status.success(), "{status:?} after {:?}", t.elapsed());
}

async fn ops_token(db: &str) -> String {
    let t = json_of(gateway(db).args(["token", "add", "--name", "metrics"])).await;
    t["token"].as_str().unwrap().to_string()
}

#[sqlx::test]
async fn a_log_reader_that_goes_away_costs_lines_not_answers(pool: PgPool) {
    let db = db_url(&pool);
    let token = ops_token(&db).await;
    let (mut child, addr, lines) = serve(&db, &[("HXGW__LOG__FORMAT", "text")]).await;
    // The reader closes its end: every later write is EPIPE.
    drop(lines);
    calls(&addr, 500).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the gateway is still alive"
    );
    // The writer thread takes the lines off the queue after the answers went out: on a busy
    // host it may still be failing the last ones when the 500th answer arrives (CI saw 473).
    // At most 50 scrapes, whose own lines could not make up the 500.
    let deadline = Instant::now() + Duration::from_secs(10);
    let failed = loop {
        let (_, failed) = dropped(&addr, &token).await;
        if failed >= 500 || Instant::now() > deadline {
            break failed;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        failed >= 500,
        "each request's line counted as failed within 10 s: {failed}"
    );
    stops_on_sigterm(child).await;
}

#[sqlx::test]
async fn a_log_reader_that_stalls_costs_lines_not_answers(pool: PgPool) {
    let db = db_url(&pool);
    let token = ops_token(&db).await;
    // A small queue, so that it fills long before 3,000 lines (the pipe holds ~64 KiB).
    let (child, addr, lines) = serve(
        &db,
        &[
            ("HXGW__LOG__FORMAT", "json"),
            ("HXGW__LOG__QUEUE_LINES", "256"),
        ],
    )
    .await;
    // The pipe stays open and nobody reads it.
    let started = Instant::now();
    calls(&addr, 3000).await;
    let (full, failed) = dropped(&addr, &token).await;
    assert!(
        full > 1000,
        "lines beyond the queue were dropped and counted: {full} ({failed} failed) in {:?}",
        started.elapsed()
    );
    stops_on_sigterm(child).await;
    drop(lines);
}
