//! A callback receiver for the push benchmark and the soak: answers every push
//! `{"flag":true}` and prints `eventId arrival_unix_micros` per push on stdout (`-` for a push
//! without an event id, as 3TMS messages are). Usage: push_receiver PORT
use axum::body::Bytes;
use axum::routing::post;
use axum::{Json, Router};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

async fn hook(body: Bytes) -> Json<serde_json::Value> {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let id = v["request"]["eventId"].as_str().unwrap_or("-").to_string();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{id} {micros}");
    let _ = out.flush();
    Json(serde_json::json!({"code": 200, "message": "ok", "flag": true}))
}

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(18099);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    axum::serve(listener, Router::new().route("/hook", post(hook)))
        .await
        .expect("serve");
}
