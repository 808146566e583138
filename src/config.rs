//! Settings: the commented defaults in `config/default.toml` (compiled in), an optional file
//! named by `HXGW_CONFIG`, then `HXGW__SECTION__KEY` environment variables; validated at start.

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use secrecy::SecretString;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub log: LogSettings,
    pub audit: AuditSettings,
    pub push: PushSettings,
    pub dws: DwsSettings,
    pub oms: OmsSettings,
    #[serde(default)]
    pub metrics: MetricsSettings,
    pub console: ConsoleSettings,
    pub retention: RetentionSettings,
    pub sandbox: SandboxSettings,
}

/// The simulated warehouse, carrier and scanner of sandbox tenants (#22).
#[derive(Debug, Clone, Deserialize)]
pub struct SandboxSettings {
    pub enabled: bool,
    /// Every sandbox order moves one step this often.
    pub step_secs: f64,
    /// Every sandbox tenant gets a stock adjustment and a vehicle inspection this often.
    pub adjust_every_secs: f64,
}

/// How long old rows are kept, and how retention removes them.
#[derive(Debug, Clone, Deserialize)]
pub struct RetentionSettings {
    pub audit_days: i64,
    pub push_attempts_days: i64,
    pub delivered_pushes_days: i64,
    pub unlinked_images_days: i64,
    pub unlinked_routes_days: i64,
    pub batch_size: i64,
    pub max_batches: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub bind: SocketAddr,
    pub body_limit_bytes: usize,
    pub image_body_limit_bytes: usize,
    pub request_timeout_ms: u64,
    pub commit_grace_ms: u64,
    pub idempotency_keep_secs: u64,
    pub housekeeping_interval_secs: u64,
    pub data_dir: PathBuf,
    pub public_base_url: String,
    pub download_ttl_secs: u64,
    /// Header whose last address is the caller's (behind a proxy); empty: the TCP peer.
    #[serde(default)]
    pub client_address_header: String,
    /// Tokio worker threads; 0: one per core (or `TOKIO_WORKER_THREADS`). Read before the
    /// runtime starts (`cli::runtime`).
    #[serde(default)]
    pub worker_threads: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DwsSettings {
    pub weight_tolerance: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConsoleSettings {
    pub session_secs: u64,
    pub insecure_cookie: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MetricsSettings {
    /// A second address serving `/metrics` without a token (a private network's scraper).
    pub bind: Option<SocketAddr>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OmsSettings {
    pub timestamp_window_secs: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// From `DATABASE_URL`; required by every command but `sign`.
    pub url: Option<SecretString>,
    pub max_connections: u32,
    pub acquire_timeout_ms: u64,
    /// PostgreSQL's `plan_cache_mode` for the pool's connections: `auto` (PostgreSQL's choice),
    /// `force_generic_plan` or `force_custom_plan`. See docs/performance.md.
    #[serde(default = "default_plan_cache_mode")]
    pub plan_cache_mode: String,
    /// PostgreSQL's `jit` on every connection (both pools); off by default. See
    /// docs/decisions.md: compiling a plan costs 5–20 ms per execution, which only a plan
    /// misjudged as huge ever triggers in a gateway's short statements.
    #[serde(default)]
    pub jit: bool,
}

fn default_plan_cache_mode() -> String {
    "auto".into()
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub timestamp_window_secs: i64,
    pub replay_margin_secs: i64,
    pub default_rate_limit_per_hour: i32,
    pub identity_cache_secs: u64,
    pub rate_sync_ms: u64,
    pub password_hash_workers: usize,
    pub password_hash_queue: usize,
    pub sign_in_refusal_delay_ms: u64,
    pub sign_in_window_secs: i64,
    pub sign_in_lockout_secs: i64,
    pub sign_in_failures_per_user_address: i32,
    pub sign_in_failures_per_user: i32,
    pub sign_in_failures_per_address: i32,
}

impl AuthSettings {
    /// The failed sign-in limits, as the store counts them.
    pub fn sign_in_limits(&self) -> crate::store::sign_in::Limits {
        crate::store::sign_in::Limits {
            per_user_address: self.sign_in_failures_per_user_address,
            per_user: self.sign_in_failures_per_user,
            per_address: self.sign_in_failures_per_address,
            window_secs: self.sign_in_window_secs,
            lockout_secs: self.sign_in_lockout_secs,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
    /// Lines waiting for the writer thread at most; beyond it lines are dropped and counted.
    pub queue_lines: usize,
    /// Append to this file instead of stderr.
    #[serde(default)]
    pub file: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PushSettings {
    pub enabled: bool,
    pub retry_schedule: String,
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
    pub first_byte_timeout_ms: u64,
    pub max_answer_bytes: usize,
    pub allow_networks: String,
    pub concurrency: usize,
    pub per_identity_concurrency: usize,
    pub lease_secs: u64,
    pub poll_interval_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuditSettings {
    pub queue_capacity: usize,
    pub batch_size: usize,
    pub linger_ms: u64,
}

impl Settings {
    /// Loads and validates the settings from the process environment.
    pub fn load() -> anyhow::Result<Self> {
        let mut fig = Figment::from(Toml::string(DEFAULTS));
        if let Ok(path) = std::env::var("HXGW_CONFIG") {
            if !std::path::Path::new(&path).exists() {
                anyhow::bail!("HXGW_CONFIG names {path}, which does not exist");
            }
            fig = fig.merge(Toml::file(path));
        }
        let fig = fig
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database.url".into()),
            )
            .merge(Env::prefixed("HXGW__").split("__"));
        Self::from_figment(fig)
    }

    /// The compiled-in defaults alone, ignoring the environment (tests build on these).
    pub fn defaults() -> anyhow::Result<Self> {
        Self::from_figment(Figment::from(Toml::string(DEFAULTS)))
    }

    fn from_figment(fig: Figment) -> anyhow::Result<Self> {
        let s: Settings = fig
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let mut problems = Vec::new();
        if self.server.body_limit_bytes < 1024 {
            problems.push("server.body_limit_bytes must be at least 1024");
        }
        if self.server.image_body_limit_bytes < self.server.body_limit_bytes {
            problems.push("server.image_body_limit_bytes must be ≥ server.body_limit_bytes");
        }
        if self.server.request_timeout_ms == 0 {
            problems.push("server.request_timeout_ms must be > 0");
        }
        if self.server.worker_threads > 1024 {
            problems.push("server.worker_threads must be at most 1024 (0: one per core)");
        }
        if self.server.housekeeping_interval_secs == 0 {
            problems.push("server.housekeeping_interval_secs must be > 0");
        }
        if self.server.idempotency_keep_secs < 60 {
            problems.push("server.idempotency_keep_secs must be at least 60");
        }
        if self.auth.replay_margin_secs < 0 {
            problems.push("auth.replay_margin_secs must be ≥ 0");
        }
        if self.auth.sign_in_window_secs < 1 || self.auth.sign_in_lockout_secs < 1 {
            problems.push("auth.sign_in_window_secs and auth.sign_in_lockout_secs must be ≥ 1");
        }
        if self.auth.sign_in_failures_per_user_address < 1
            || self.auth.sign_in_failures_per_user < 1
            || self.auth.sign_in_failures_per_address < 1
        {
            problems.push("auth.sign_in_failures_per_* must be ≥ 1");
        }
        if self.push.connect_timeout_ms == 0 || self.push.first_byte_timeout_ms == 0 {
            problems.push("push.connect_timeout_ms and push.first_byte_timeout_ms must be > 0");
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.push.max_answer_bytes) {
            problems.push("push.max_answer_bytes must be between 1024 and 16777216");
        }
        let r = &self.retention;
        if [
            r.audit_days,
            r.push_attempts_days,
            r.delivered_pushes_days,
            r.unlinked_images_days,
            r.unlinked_routes_days,
        ]
        .iter()
        .any(|d| *d < 1)
        {
            problems.push("retention.*_days must be ≥ 1");
        }
        if !(1..=100_000).contains(&r.batch_size) || r.max_batches == 0 {
            problems.push("retention.batch_size must be 1..100000 and retention.max_batches > 0");
        }
        if self.log.queue_lines == 0 {
            problems.push("log.queue_lines must be > 0");
        }
        if !["auto", "force_generic_plan", "force_custom_plan"]
            .contains(&self.database.plan_cache_mode.as_str())
        {
            problems.push(
                "database.plan_cache_mode must be auto, force_generic_plan or force_custom_plan",
            );
        }
        // Two connections stay with LISTEN and the sandbox's turn holds a third while its steps
        // need a fourth: with fewer, requests and the simulator would wait on each other.
        if self.database.max_connections < 4 {
            problems.push(
                "database.max_connections must be at least 4 (2 stay with LISTEN, the sandbox's turn holds 1 while it works with another)",
            );
        }
        if self.database.acquire_timeout_ms == 0 {
            problems.push("database.acquire_timeout_ms must be > 0");
        }
        if !(1..=86_400).contains(&self.auth.timestamp_window_secs) {
            problems.push("auth.timestamp_window_secs must be between 1 and 86400");
        }
        if !(1..=86_400).contains(&self.oms.timestamp_window_secs) {
            problems.push("oms.timestamp_window_secs must be between 1 and 86400");
        }
        if !(60..=604_800).contains(&self.console.session_secs) {
            problems.push("console.session_secs must be between 60 and 604800");
        }
        if self.auth.default_rate_limit_per_hour <= 0 {
            problems.push("auth.default_rate_limit_per_hour must be > 0");
        }
        if self.auth.identity_cache_secs > 3600 {
            problems.push("auth.identity_cache_secs must be at most 3600");
        }
        if self.auth.rate_sync_ms > 60_000 {
            problems.push("auth.rate_sync_ms must be at most 60000");
        }
        if self.audit.queue_capacity == 0 || self.audit.batch_size == 0 {
            problems.push("audit.queue_capacity and audit.batch_size must be > 0");
        }
        if self.audit.linger_ms > 1000 {
            problems.push("audit.linger_ms must be at most 1000");
        }
        let mut owned = Vec::new();
        if let Err(e) = crate::domain::push::RetrySchedule::parse(&self.push.retry_schedule) {
            owned.push(format!("push.retry_schedule: {e}"));
        }
        if let Err(e) = crate::push::ssrf::parse_networks(&self.push.allow_networks) {
            owned.push(format!("push.allow_networks: {e}"));
        }
        if self.push.concurrency == 0
            || self.push.per_identity_concurrency == 0
            || self.push.timeout_ms == 0
            || self.push.lease_secs == 0
        {
            owned.push("push.concurrency, push.timeout_ms and push.lease_secs must be > 0".into());
        }
        if self.push.lease_secs * 1000 <= self.push.timeout_ms {
            owned.push("push.lease_secs must be longer than push.timeout_ms".into());
        }
        problems.extend(owned.iter().map(String::as_str));
        if !(self.sandbox.step_secs >= 0.1 && self.sandbox.adjust_every_secs >= 1.0) {
            problems.push(
                "sandbox.step_secs must be at least 0.1 and sandbox.adjust_every_secs at least 1",
            );
        }
        if !(0.0..=10.0).contains(&self.dws.weight_tolerance) {
            problems.push("dws.weight_tolerance must be between 0 and 10 (0.1 = 10 %)");
        }
        if url::Url::parse(&self.server.public_base_url).is_err() {
            problems.push("server.public_base_url must be an absolute URL");
        }
        if self.server.download_ttl_secs == 0 {
            problems.push("server.download_ttl_secs must be > 0");
        }
        if problems.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("invalid configuration: {}", problems.join("; "))
        }
    }

    /// How long a signed call's replay key must be kept: a timestamp is accepted from one
    /// window before to one window after the server's clock, plus the configured margin.
    pub fn replay_retention(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::seconds(
            2 * self
                .auth
                .timestamp_window_secs
                .max(self.oms.timestamp_window_secs)
                + self.auth.replay_margin_secs,
        )
    }

    /// The database URL, or a message saying how to provide one.
    pub fn database_url(&self) -> anyhow::Result<&SecretString> {
        self.database.url.as_ref().ok_or_else(|| {
            anyhow::anyhow!(
                "DATABASE_URL is not set (or use scripts/serve, which starts a local PostgreSQL)"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compiled-in defaults with `toml` laid over them, as a deployment's file would be.
    fn with(toml: &str) -> anyhow::Result<Settings> {
        Settings::from_figment(Figment::from(Toml::string(DEFAULTS)).merge(Toml::string(toml)))
    }

    /// Why `with(toml)` is refused.
    fn refusal(toml: &str) -> String {
        with(toml).unwrap_err().to_string()
    }

    #[test]
    fn compiled_in_defaults_are_valid() {
        let s = Settings::from_figment(Figment::from(Toml::string(DEFAULTS))).unwrap();
        assert_eq!(s.server.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.auth.timestamp_window_secs, 600);
        assert_eq!(s.auth.default_rate_limit_per_hour, 10_000);
        assert!(s.database.url.is_none());
    }

    #[test]
    fn environment_style_overrides_are_validated() {
        let err = refusal("[auth]\ntimestamp_window_secs = 0");
        assert!(err.contains("auth.timestamp_window_secs"), "{err}");

        let err = refusal("[server]\nbind = \"nope\"");
        assert!(err.contains("bind"), "{err}");
    }

    #[test]
    fn a_pool_too_small_for_its_listeners_and_a_request_is_refused() {
        let err = refusal("[database]\nmax_connections = 3");
        assert!(err.contains("max_connections must be at least 4"), "{err}");
        let enough = with("[database]\nmax_connections = 4").unwrap();
        assert_eq!(enough.database.max_connections, 4);
    }

    #[test]
    fn worker_threads_have_a_ceiling() {
        let err = refusal("[server]\nworker_threads = 5000");
        assert!(err.contains("server.worker_threads"), "{err}");
    }

    #[test]
    fn plan_cache_mode_takes_postgres_values_only() {
        let ok = with("[database]\nplan_cache_mode = \"force_generic_plan\"").unwrap();
        assert_eq!(ok.database.plan_cache_mode, "force_generic_plan");
        let err = refusal("[database]\nplan_cache_mode = \"fast\"");
        assert!(err.contains("plan_cache_mode"), "{err}");
    }
}
