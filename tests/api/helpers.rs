//! Spawning the gateway on port 0 and talking to it as an integrator would.

use chrono::{DateTime, Utc};
use hongxun_gateway::auth::secrets::MasterKey;
use hongxun_gateway::auth::signature::{self, SignInput, SignMethod};
use hongxun_gateway::auth::timestamp;
use hongxun_gateway::config::Settings;
use hongxun_gateway::domain::client::ClientKind;
use hongxun_gateway::service::admin::{self, NewClientInput};
use hongxun_gateway::startup::Application;
use hongxun_gateway::state::Clock;
use serde_json::Value;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

pub const MASTER_KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

pub fn master_key() -> MasterKey {
    MasterKey::from_hex(MASTER_KEY_HEX).unwrap()
}

/// An identity the tests sign with.
#[derive(Clone, Debug)]
pub struct Identity {
    pub create_by: String,
    pub data_source: String,
    pub secret: String,
}

pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    pub http: reqwest::Client,
    pub clock: Clock,
    pub shutdown: CancellationToken,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The answer to a call: HTTP status, the envelope, the headers.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    pub fn code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(-1)
    }
    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or("")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// Asserts the code and the HTTP status §2 gives it, showing the reply when they differ.
    #[track_caller]
    pub fn expect(&self, code: i64, status: u16) -> &Self {
        assert_eq!(
            (self.code(), self.status),
            (code, status),
            "unexpected reply: {:#}",
            self.body
        );
        self
    }
}

pub async fn spawn_app(pool: PgPool) -> TestApp {
    spawn_app_with(pool, Clock::System, |_| {}).await
}

/// A gateway whose pushes may reach loopback receivers, with short retries.
pub async fn spawn_pushing_app(pool: PgPool, schedule: &str) -> TestApp {
    spawn_app_with(pool, Clock::System, |s| pushing(s, schedule)).await
}

/// The settings of `spawn_pushing_app`.
pub fn pushing(s: &mut Settings, schedule: &str) {
    s.push.allow_networks = "127.0.0.0/8".into();
    s.push.retry_schedule = schedule.to_string();
    s.push.poll_interval_ms = 50;
    s.push.timeout_ms = 2000;
    s.push.lease_secs = 5;
}

/// Starts the gateway with a clock and adjusted settings.
pub async fn spawn_app_with(
    pool: PgPool,
    clock: Clock,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = Settings::defaults().unwrap();
    settings.server.bind = "127.0.0.1:0".parse().unwrap();
    adjust(&mut settings);
    let app = Application::build_with_clock(settings, pool.clone(), master_key(), clock)
        .await
        .unwrap();
    let base = format!("http://{}", app.local_addr());
    let shutdown = CancellationToken::new();
    tokio::spawn(app.run(shutdown.clone(), || {}));
    TestApp {
        base,
        pool,
        http: reqwest::Client::new(),
        clock,
        shutdown,
    }
}

impl TestApp {
    /// A second handle on a running gateway (for concurrent tasks); it does not stop it.
    pub fn attach(base: String, pool: PgPool) -> Self {
        Self {
            base,
            pool,
            http: reqwest::Client::new(),
            clock: Clock::System,
            shutdown: CancellationToken::new(),
        }
    }

    /// Creates an identity of `kind` with a known secret.
    pub async fn identity(&self, kind: ClientKind, create_by: &str, data_source: &str) -> Identity {
        self.identity_with(kind, create_by, data_source, None).await
    }

    pub async fn identity_with(
        &self,
        kind: ClientKind,
        create_by: &str,
        data_source: &str,
        rate_limit: Option<i32>,
    ) -> Identity {
        let secret = format!("secret-of-{create_by}-{data_source}");
        admin::add_client(
            &self.pool,
            &master_key(),
            NewClientInput {
                kind,
                create_by: create_by.into(),
                data_source: data_source.into(),
                name: None,
                secret: Some(secret.clone()),
                callback_url: None,
                rate_limit_per_hour: rate_limit,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        Identity {
            create_by: create_by.into(),
            data_source: data_source.into(),
            secret,
        }
    }

    /// An ops bearer token.
    pub async fn ops_token(&self, name: &str) -> String {
        admin::add_token(&self.pool, name)
            .await
            .unwrap()
            .token
            .unwrap()
    }

    /// Calls the ops API with a bearer token.
    pub async fn ops(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: serde_json::Value,
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "GET" => self.http.get(url),
            "PUT" => self.http.put(url).json(&body),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("reply is not JSON ({status}): {text}"));
        Reply {
            status,
            body,
            headers,
        }
    }

    /// Calls the ops API with extra headers (an `Idempotency-Key`, say) and a raw body.
    pub async fn ops_with(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: impl Into<reqwest::Body>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "GET" => self.http.get(url),
            _ => self
                .http
                .post(url)
                .header("content-type", "application/json")
                .body(body),
        };
        req = req.bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("reply is not JSON ({status}): {text}"));
        Reply {
            status,
            body,
            headers,
        }
    }

    /// A count from the database.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Posts a raw body; the reply's status, headers and exact text.
    pub async fn post_text(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        (status, headers, resp.text().await.unwrap())
    }

    /// Posts a raw body.
    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Reply {
        let (status, headers, text) = self.post_text(path, body).await;
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("reply is not JSON ({status}): {text}"));
        Reply {
            status,
            body,
            headers,
        }
    }

    /// Signs `request` (exact text) as `who` at the app's current time and posts it.
    pub async fn call(&self, path: &str, who: &Identity, request: &str) -> Reply {
        let body = signed_body(who, &timestamp::format(self.now()), None, request);
        self.post_raw(path, body).await
    }

    /// As [`TestApp::call`], the reply's exact text with its request id written `RID` (for
    /// answers pinned byte for byte).
    pub async fn call_text(&self, path: &str, who: &Identity, request: &str) -> String {
        let body = signed_body(who, &timestamp::format(self.now()), None, request);
        let (_, _, text) = self.post_text(path, body).await;
        let rid = serde_json::from_str::<Value>(&text).unwrap()["requestId"]
            .as_str()
            .unwrap()
            .to_owned();
        text.replace(&rid, "RID")
    }
}

/// A complete signed envelope around the exact `request` text.
pub fn signed_body(who: &Identity, ts: &str, method: Option<&str>, request: &str) -> String {
    let input = SignInput {
        create_by: &who.create_by,
        data_source: &who.data_source,
        timestamp: ts,
        sign_method: method,
        request,
    };
    let m = SignMethod::parse(method).unwrap();
    let sign = signature::sign(m, &who.secret, &input);
    let mut env = serde_json::json!({
        "createBy": who.create_by,
        "dataSource": who.data_source,
        "timestamp": ts,
        "sign": sign,
    });
    if let Some(m) = method {
        env["signMethod"] = m.into();
    }
    let head = serde_json::to_string(&env).unwrap();
    format!("{},\"request\":{request}}}", &head[..head.len() - 1])
}

pub const ORG_PATH: &str = "/dtc/base/inventoryOrg";
pub const PRODUCT_PATH: &str = "/dtc/base/product";
pub const CONSIGNEE_PATH: &str = "/dtc/base/consignee";
pub const DIMENSION_PATH: &str = "/dtc/base/productDimension";

pub fn org_request(inventory: &str, owner: &str) -> String {
    serde_json::json!({
        "inventoryCode": inventory, "inventoryName": "上海浦东仓",
        "subbaseCode": owner, "subbaseName": "测试货主",
        "contact": "张三", "phone": "13800138000", "address": "张杨路500号"
    })
    .to_string()
}

/// Waits until at least `n` backends of this test's database wait on a lock: the proof that
/// concurrent requests really overlapped inside the database while the test held a lock.
pub async fn wait_for_lock_waiters(pool: &PgPool, n: i64) {
    use sqlx::Connection;
    // A connection of its own: the requests may hold every pooled one.
    let mut conn = sqlx::PgConnection::connect_with(&pool.connect_options())
        .await
        .unwrap();
    let mut seen = 0;
    for _ in 0..400 {
        seen = sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        if seen >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("only {seen} of {n} requests were waiting together");
}

/// A pool on the test's database with room for `n` connections (`#[sqlx::test]` gives 5), for
/// tests whose requests must all be inside the database at once.
pub async fn wide_pool(pool: &PgPool, n: u32) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(n)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap()
}

/// Blocks of `relations` this transaction has read so far (its counts are not yet flushed to
/// the statistics, so they include only its own statements): read before and after a
/// statement, the difference is what the statement read.
pub async fn blocks_fetched(conn: &mut sqlx::PgConnection, relations: &[&str]) -> i64 {
    sqlx::query_scalar(
        "SELECT coalesce(sum(pg_stat_get_xact_blocks_fetched(r::regclass)), 0)::int8 FROM unnest($1::text[]) r",
    )
    .bind(relations)
    .fetch_one(conn)
    .await
    .unwrap()
}

/// Pages of a table as of its last ANALYZE: a test that counts blocks read shows first that
/// there were many to read.
pub async fn pages_of(conn: &mut sqlx::PgConnection, table: &str) -> i64 {
    sqlx::query_scalar("SELECT relpages::int8 FROM pg_class WHERE relname = $1")
        .bind(table)
        .fetch_one(conn)
        .await
        .unwrap()
}
