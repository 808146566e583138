//! The client samples of examples/clients (#22), run as an integrator runs them: each signs and
//! sends a base-data sync, an order and a query to a live gateway with a sandbox identity, and
//! receives and verifies the pushes the sandbox's simulated warehouse causes. Java 17, Python
//! and Node, standard libraries only (scripts/test installs the runtimes when missing).

use crate::helpers::*;
use crate::sandbox::customer;
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;

/// A free port below 32768 for the sample's receiver, never the same twice in this process
/// (samples run concurrently, and a port found free is bound only once the runtime starts).
fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 21_000 + (std::process::id() % 5_000) as u16;
    loop {
        let p = base + NEXT.fetch_add(1, Ordering::SeqCst) % 6_000;
        if std::net::TcpListener::bind(("127.0.0.1", p)).is_ok() {
            return p;
        }
    }
}

fn sample(path: &str) -> String {
    format!("{}/examples/clients/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs a sample for a fresh sandbox tenant; returns its exit status and JSON lines.
async fn run(
    pool: PgPool,
    tenant: &str,
    program: &str,
    args: &[String],
    secret_ok: bool,
) -> (bool, Vec<Value>) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let port = free_port();
    let callback = format!("http://127.0.0.1:{port}/hook");
    let who = customer(&app, tenant, true, Some(&callback)).await.unwrap();
    let secret = if secret_ok {
        who.secret.clone()
    } else {
        "not-the-secret".into()
    };
    let mut c = tokio::process::Command::new(program);
    c.args(args)
        .env("HX_BASE_URL", &app.base)
        .env("HX_CREATE_BY", &who.create_by)
        .env("HX_DATA_SOURCE", &who.data_source)
        .env("HX_SECRET", secret)
        .env("HX_RECEIVER_PORT", port.to_string())
        .env("HX_WAIT_SECS", if secret_ok { "60" } else { "3" })
        .env("HX_ORDER_CODE", format!("{tenant}-IN"))
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(120), c.output())
        .await
        .expect("the sample finishes")
        .unwrap_or_else(|e| panic!("{program}: {e} (scripts/test installs it)"));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    eprintln!(
        "{program} stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect();
    (out.status.success(), lines)
}

fn assert_worked(ok: bool, lines: &[Value], tenant: &str) {
    assert!(ok, "{lines:#?}");
    let calls: Vec<&Value> = lines.iter().filter(|l| l.get("call").is_some()).collect();
    assert_eq!(calls.len(), 4, "{lines:#?}");
    assert!(
        calls.iter().all(|c| c["flag"] == true && c["code"] == 200),
        "{calls:#?}"
    );
    let pushes: Vec<&Value> = lines
        .iter()
        .filter_map(|l| l.get("push"))
        .filter(|p| p["orderCode"] == format!("{tenant}-IN").as_str())
        .collect();
    let verified: std::collections::BTreeSet<&str> = pushes
        .iter()
        .filter(|p| p["verified"] == true)
        .map(|p| p["eventType"].as_str().unwrap())
        .collect();
    assert!(
        verified.contains("inOrderStatusConfirm") && verified.contains("inOrderConfirm"),
        "{pushes:#?}"
    );
    let summary = lines
        .iter()
        .find_map(|l| l.get("summary"))
        .expect("a summary");
    assert_eq!(summary["ok"], true);
}

#[sqlx::test]
async fn the_python_sample_calls_and_verifies_pushes(pool: PgPool) {
    let (ok, lines) = run(
        pool,
        "SBX-PY",
        "python3",
        &[sample("python/hongxun_client.py")],
        true,
    )
    .await;
    assert_worked(ok, &lines, "SBX-PY");
}

#[sqlx::test]
async fn the_python_sample_fails_with_the_wrong_secret(pool: PgPool) {
    let (ok, lines) = run(
        pool,
        "SBX-PY2",
        "python3",
        &[sample("python/hongxun_client.py")],
        false,
    )
    .await;
    assert!(!ok, "{lines:#?}");
    let first = lines.iter().find(|l| l.get("call").is_some()).unwrap();
    assert_eq!(first["code"], 1003, "{lines:#?}");
}

#[sqlx::test]
async fn the_node_sample_calls_and_verifies_pushes(pool: PgPool) {
    let (ok, lines) = run(
        pool,
        "SBX-NODE",
        "node",
        &[sample("node/hongxun_client.mjs")],
        true,
    )
    .await;
    assert_worked(ok, &lines, "SBX-NODE");
}

#[sqlx::test]
async fn the_java_sample_calls_and_verifies_pushes(pool: PgPool) {
    let (ok, lines) = run(
        pool,
        "SBX-JAVA",
        "java",
        &[sample("java/HongxunClient.java")],
        true,
    )
    .await;
    assert_worked(ok, &lines, "SBX-JAVA");
}
