//! Building and running the application: pool, router, background tasks, graceful shutdown.
//! Tests build it on port 0 and read the bound address.

use crate::audit;
use crate::auth::cache::{self, IdentityCache};
use crate::auth::secrets::MasterKey;
use crate::auth::tally::RateTally;
use crate::config::Settings;
use crate::http;
use crate::state::{App, AppState, Clock};
use crate::store;
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A pool for the configured database. Connections are made lazily, so the gateway starts
/// (and answers 503 / not-ready) while the database is down, and recovers when it is back.
pub fn pool(settings: &Settings) -> anyhow::Result<PgPool> {
    let url = settings.database_url()?;
    let opts = PgConnectOptions::from_str(url.expose_secret())
        .map_err(|e| anyhow::anyhow!("DATABASE_URL is not a valid PostgreSQL URL: {e}"))?
        .application_name("hongxun-gateway");
    let opts = match settings.database.plan_cache_mode.as_str() {
        "auto" => opts,
        mode => opts.options([("plan_cache_mode", mode)]),
    };
    // The write sessions copy these options (`write_path`), so both pools run without JIT
    // unless `database.jit` asks for it.
    let opts = if settings.database.jit {
        opts
    } else {
        opts.options([("jit", "off")])
    };
    Ok(pool_options(settings, settings.database.max_connections).connect_lazy_with(opts))
}

/// What both pools share.
fn pool_options(settings: &Settings, max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_millis(settings.database.acquire_timeout_ms))
        // No ping before every checkout: a broken connection fails its query and the pool
        // replaces it; the ping would add a round trip to each of a request's checkouts.
        .test_before_acquire(false)
        // Counted so that an outage or a failover shows as reconnects (`hxgw_db_connects_total`).
        .after_connect(|_, _| {
            Box::pin(async {
                crate::metrics::db_connect("pool");
                Ok(())
            })
        })
}

/// The write path (#21): the one-statement calls (orders, product syncs, DWS scans, 3TMS
/// batches, and the inventory query) run on `store::sessions` (no round trip when a session
/// comes back), as many as `db` may open; the step-by-step transactions on `db`. The sessions
/// plan each statement once (`plan_cache_mode = force_generic_plan`): the writes are large
/// CTEs whose custom plans cost the database more to make (about 1 ms) than to run, and their
/// generic plans run as fast. `db` keeps PostgreSQL's choice (the other reads' optional
/// filters want plans per parameter; the inventory query names only the filters given,
/// `store::inventory_query`). The sessions name themselves `hongxun-gateway/sessions` in
/// `pg_stat_activity`.
pub fn write_path(db: &PgPool) -> store::sessions::Writes {
    let generic = (*db.connect_options())
        .clone()
        .application_name("hongxun-gateway/sessions")
        .options([("plan_cache_mode", "force_generic_plan")]);
    store::sessions::Writes::new(db.clone(), generic)
}

/// Applies the embedded migrations.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::migrate!("./migrations").run(pool).await?;
    Ok(())
}

pub struct Application {
    listener: TcpListener,
    /// `metrics.bind`: `/metrics` without a token.
    metrics_listener: Option<TcpListener>,
    state: AppState,
    audit_writer: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Binds the configured address and prepares the state; nothing is served until `run`.
    pub async fn build(settings: Settings, db: PgPool, key: MasterKey) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, db, key, Clock::System).await
    }

    /// As [`Application::build`], with a given clock (tests).
    pub async fn build_with_clock(
        settings: Settings,
        db: PgPool,
        key: MasterKey,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.server.bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot bind {}: {e}", settings.server.bind))?;
        let metrics_listener = match settings.metrics.bind {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot bind metrics.bind {addr}: {e}"))?,
            ),
            None => None,
        };
        crate::metrics::handle();
        let (audit, audit_writer) = audit::start(
            db.clone(),
            settings.audit.queue_capacity,
            settings.audit.batch_size,
            Duration::from_millis(settings.audit.linger_ms),
        );
        let auth = &settings.auth;
        let identities = Arc::new(IdentityCache::new(Duration::from_secs(
            auth.identity_cache_secs,
        )));
        let rates = RateTally::new(Duration::from_millis(auth.rate_sync_ms));
        let passwords = crate::auth::password::Hasher::new(
            auth.password_hash_workers,
            auth.password_hash_queue,
        );
        let writes = write_path(&db);
        let state = AppState(Arc::new(App {
            instance: uuid::Uuid::new_v4().to_string(),
            db,
            writes,
            settings,
            key,
            audit,
            clock,
            identities,
            rates,
            passwords,
        }));
        Ok(Self {
            listener,
            metrics_listener,
            state,
            audit_writer,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| self.state.settings.server.bind)
    }

    /// Serves until `shutdown` is cancelled, then finishes in-flight requests and flushes the audit log.
    /// `after_listening` runs right after the `listening on ADDR` line, which is the first log line.
    pub async fn run(
        self,
        shutdown: CancellationToken,
        after_listening: impl FnOnce(),
    ) -> anyhow::Result<()> {
        let addr = self.local_addr();
        let workers = tokio::runtime::Handle::current().metrics().num_workers();
        tracing::info!(workers, "listening on {addr}");
        tracing::info!(instance = %self.state.instance, "gateway instance");
        after_listening();
        let housekeeping = tokio::spawn(housekeeping(self.state.clone(), shutdown.clone()));
        let upkeep = tokio::spawn(crate::metrics::keep_up(
            crate::metrics::UPKEEP_EVERY,
            shutdown.clone(),
        ));
        let watcher = tokio::spawn(cache::watch(
            self.state.db.clone(),
            self.state.identities.clone(),
            shutdown.clone(),
        ));
        let state = self.state.clone();
        let token = shutdown.clone();
        let rate_flusher =
            tokio::spawn(async move { state.rates.run(state.db.clone(), token).await });
        let pusher = self.state.settings.push.enabled.then(|| {
            tokio::spawn(crate::push::run(
                self.state.clone(),
                Arc::new(dialect_pushes()),
                shutdown.clone(),
            ))
        });
        let sandbox = self
            .state
            .settings
            .sandbox
            .enabled
            .then(|| tokio::spawn(crate::sandbox::run(self.state.clone(), shutdown.clone())));
        let metrics = self.metrics_listener.map(|l| {
            if let Ok(a) = l.local_addr() {
                tracing::info!("metrics on http://{a}/metrics (no token)");
            }
            let state = self.state.clone();
            let token = shutdown.clone();
            let app = axum::Router::new().route(
                "/metrics",
                axum::routing::get(move || {
                    let state = state.clone();
                    async move { http::health::exposition(&state).await }
                }),
            );
            tokio::spawn(async move {
                let _ = axum::serve(l, app)
                    .with_graceful_shutdown(async move { token.cancelled().await })
                    .await;
            })
        });
        let router = http::router(self.state.clone());
        let token = shutdown.clone();
        // The peer address reaches handlers (sign-in limits count per address).
        let router = router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, router)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await?;
        shutdown.cancel();
        if let Some(m) = metrics {
            let _ = m.await;
        }
        let _ = housekeeping.await;
        let _ = upkeep.await;
        let _ = watcher.await;
        let _ = rate_flusher.await;
        // Counts of the requests just finished.
        self.state.rates.flush(&self.state.db).await;
        if let Some(p) = pusher {
            let _ = p.await;
        }
        if let Some(s) = sandbox {
            let _ = s.await;
        }
        drop(self.state);
        let _ = self.audit_writer.await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Every dialect's push renderer: a receiving identity's pushes are rendered in its dialect.
pub fn dialect_pushes() -> crate::push::Dialects {
    use crate::domain::client::Dialect;
    crate::push::Dialects::default()
        .with(
            Dialect::Hongxun,
            crate::dialect::hongxun::push::HongxunPushes,
        )
        .with(Dialect::Qimen, crate::dialect::qimen::push::QimenPushes)
        .with(Dialect::Oms, crate::dialect::oms::push::OmsPushes)
        .with(Dialect::Tms, crate::dialect::tms::push::TmsPushes)
}

/// Every `server.housekeeping_interval_secs`: purges replay keys past their retention (no
/// valid replay can arrive then; `Settings::replay_retention`), ops idempotency keys older
/// than `server.idempotency_keep_secs`, rate windows older than two hours, old rows under
/// `[retention]`, and sign-in failure counts whose window and lock are over.
async fn housekeeping(state: AppState, shutdown: CancellationToken) {
    let s = &state.settings;
    let replay = s.replay_retention();
    let keys = chrono::TimeDelta::seconds(s.server.idempotency_keep_secs as i64);
    let mut tick = tokio::time::interval(Duration::from_secs(s.server.housekeeping_interval_secs));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {
                let now = chrono::Utc::now();
                match store::guard::purge_expired(&state.db, now - replay, now - keys, now - chrono::TimeDelta::hours(2)).await {
                    Ok(n) if n > 0 => tracing::debug!(deleted = n, "housekeeping"),
                    Ok(_) => {}
                    Err(e) => tracing::debug!(error = %e, "housekeeping skipped"),
                }
                match crate::service::retention::run_once(&state.db, &s.retention, now).await {
                    Ok(done) => {
                        for (table, n) in done.into_iter().filter(|(_, n)| *n > 0) {
                            tracing::info!(table, removed = n, "retention");
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "retention skipped"),
                }
                let window = chrono::TimeDelta::seconds(s.auth.sign_in_window_secs);
                if let Err(e) = store::sign_in::purge(&state.db, now - window, now).await {
                    tracing::debug!(error = %e, "sign-in failures not purged");
                }
            }
        }
    }
}

/// Cancels `token` on SIGTERM or Ctrl-C.
pub fn shutdown_on_signals(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! { _ = ctrl_c => {}, _ = term => {} }
        tracing::info!("shutdown signal received; finishing in-flight requests");
        token.cancel();
    });
}
