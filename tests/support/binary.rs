//! Running the real binary from a test: a fresh database's URL, the command with the test
//! master key, and running a command to completion.

use serde_json::Value;
use sqlx::PgPool;
use tokio::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_hongxun-gateway");
pub const KEY: &str = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

/// The URL of the fresh database `#[sqlx::test]` made for this test.
pub fn db_url(pool: &PgPool) -> String {
    let mut url = url::Url::parse(&std::env::var("DATABASE_URL").unwrap()).unwrap();
    url.set_path(pool.connect_options().get_database().unwrap());
    url.to_string()
}

pub fn gateway(db: &str) -> Command {
    let mut c = Command::new(BIN);
    c.env("DATABASE_URL", db)
        .env("HXGW_MASTER_KEY", KEY)
        .env_remove("HXGW_CONFIG")
        .env_remove("RUST_LOG")
        .kill_on_drop(true);
    c
}

/// Runs a command to completion: (success, stdout, stderr).
pub async fn run(c: &mut Command) -> (bool, String, String) {
    let out = c.output().await.unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

pub async fn json_of(c: &mut Command) -> Value {
    let (ok, out, err) = run(c).await;
    assert!(ok, "command failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}
