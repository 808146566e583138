//! Database sessions for the one-statement calls (#21), lent without sqlx's round trip on
//! their return.
//!
//! sqlx's pool pings every connection it takes back (a Sync and its ReadyForQuery), to find a
//! connection that a cancelled future left mid-statement before anyone reuses it. For a request
//! that is one statement, that ping is a second round trip: measured on out5 and dws1, 17–20 µs
//! of gateway CPU per request and 0.3–0.4 context switches, and a wake-up of a PostgreSQL
//! backend. Here the caller tells how the statement ended instead (`Sessions::run`):
//! - a session comes back to the pool only after an answer that leaves it usable: rows, or an
//!   error the server raised about the statement itself (a unique violation, a raised abort);
//! - one that ended in an error about the link or the server (I/O, SQLSTATE 08, 25006 of a
//!   standby not yet promoted, 57P0x, 53300) is closed, so a failover never leaves a session to
//!   the old primary or to a standby in the pool;
//! - one whose future was dropped mid-statement (the request was cancelled) is closed: what it
//!   has in flight is unknown.
//!
//! Sessions older than `max_lifetime` are closed when they come back, and idle ones after
//! `idle_timeout`, as the main pool does with its own (`Writes::new` takes its limits).

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The write path's two ways to the database: sqlx's pool for the step-by-step transactions
/// (the reads' pool), and the sessions for the one-statement calls, the writes' and the
/// inventory query's (`startup::write_path`).
pub struct Writes {
    pub pool: sqlx::PgPool,
    pub sessions: Sessions,
}

impl Writes {
    /// Sessions opened with `options`, with the pool's limits: as many, as long a wait for one,
    /// the same lifetime and idle time.
    pub fn new(pool: sqlx::PgPool, options: PgConnectOptions) -> Self {
        let o = pool.options();
        let limits = Limits {
            max: o.get_max_connections(),
            acquire_timeout: o.get_acquire_timeout(),
            max_lifetime: o.get_max_lifetime().unwrap_or(Duration::MAX),
            idle_timeout: o.get_idle_timeout().unwrap_or(Duration::MAX),
        };
        let sessions = Sessions::new(options, limits);
        Writes { pool, sessions }
    }
}

/// A pool of sessions lent for one statement at a time.
#[derive(Clone)]
pub struct Sessions(Arc<Inner>);

struct Inner {
    options: PgConnectOptions,
    /// Most recently returned last: the next statement takes the session used last.
    idle: Mutex<Vec<Idle>>,
    /// One per session lent or idle: at most `max` exist.
    permits: Arc<Semaphore>,
    limits: Limits,
}

/// How many sessions, how long a caller waits for one, how long one lives.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max: u32,
    pub acquire_timeout: Duration,
    pub max_lifetime: Duration,
    pub idle_timeout: Duration,
}

struct Idle {
    conn: PgConnection,
    born: Instant,
    since: Instant,
}

impl Sessions {
    /// Sessions opened on demand with `options`; a task closes idle ones as they expire (so it
    /// is called within the runtime, as the pools are made at start).
    pub fn new(options: PgConnectOptions, limits: Limits) -> Self {
        let inner = Arc::new(Inner {
            options,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(limits.max as usize)),
            limits,
        });
        tokio::spawn(reap_while_alive(Arc::downgrade(&inner)));
        Sessions(inner)
    }

    /// Runs one statement on a lent session and takes the session back as its result says.
    /// Errors as sqlx's pool does: `PoolTimedOut` when none frees up in `acquire_timeout`, the
    /// connect error when a new one cannot be opened.
    pub async fn run<T>(
        &self,
        statement: impl AsyncFnOnce(&mut PgConnection) -> sqlx::Result<T>,
    ) -> sqlx::Result<T> {
        let mut lent = self.lend().await?;
        let result = statement(lent.conn.as_mut().expect("a lent session")).await;
        if keeps_session(&result) {
            lent.give_back();
        }
        result
    }

    /// How many sessions exist and how many of them are idle.
    pub fn counts(&self) -> (u32, u32) {
        let idle = self.0.idle.lock().expect("sessions lock").len() as u32;
        let lent = self.0.limits.max - self.0.permits.available_permits() as u32;
        (lent + idle, idle)
    }

    async fn lend(&self) -> sqlx::Result<Lent> {
        let started = Instant::now();
        let limits = self.0.limits;
        let permit = tokio::time::timeout(
            limits.acquire_timeout,
            self.0.permits.clone().acquire_owned(),
        )
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
        .map_err(|_| sqlx::Error::PoolClosed)?;
        loop {
            let taken = self.0.idle.lock().expect("sessions lock").pop();
            match taken {
                Some(idle) if self.0.fresh(&idle) => {
                    return Ok(Lent {
                        conn: Some(idle.conn),
                        born: idle.born,
                        inner: self.0.clone(),
                        _permit: permit,
                    });
                }
                Some(stale) => close_later(stale.conn),
                None => break,
            }
        }
        let left = limits.acquire_timeout.saturating_sub(started.elapsed());
        let conn = tokio::time::timeout(left, self.0.options.connect())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)??;
        crate::metrics::db_connect("sessions");
        Ok(Lent {
            conn: Some(conn),
            born: Instant::now(),
            inner: self.0.clone(),
            _permit: permit,
        })
    }
}

impl Inner {
    fn fresh(&self, idle: &Idle) -> bool {
        idle.born.elapsed() < self.limits.max_lifetime
            && idle.since.elapsed() < self.limits.idle_timeout
    }

    /// Closes the idle sessions that expired.
    fn reap(&self) {
        let mut idle = self.idle.lock().expect("sessions lock");
        let (keep, stale): (Vec<Idle>, Vec<Idle>) = std::mem::take(&mut *idle)
            .into_iter()
            .partition(|s| self.fresh(s));
        *idle = keep;
        drop(idle);
        for s in stale {
            close_later(s.conn);
        }
    }
}

/// Reaps every half idle timeout until the pool is dropped.
async fn reap_while_alive(inner: Weak<Inner>) {
    let every = match inner.upgrade() {
        Some(i) => (i.limits.idle_timeout / 2).max(Duration::from_millis(100)),
        None => return,
    };
    loop {
        tokio::time::sleep(every).await;
        match inner.upgrade() {
            Some(i) => i.reap(),
            None => return,
        }
    }
}

/// A session lent out. Dropped without `give_back` it is closed.
struct Lent {
    conn: Option<PgConnection>,
    born: Instant,
    inner: Arc<Inner>,
    _permit: OwnedSemaphorePermit,
}

impl Lent {
    fn give_back(mut self) {
        let conn = self.conn.take().expect("a lent session");
        if self.born.elapsed() >= self.inner.limits.max_lifetime {
            return close_later(conn);
        }
        // Pushed before the permit drops (after this function), so the next borrower finds it.
        self.inner.idle.lock().expect("sessions lock").push(Idle {
            conn,
            born: self.born,
            since: Instant::now(),
        });
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            close_later(conn);
        }
    }
}

/// Whether a statement's result leaves its session fit for the next one: an answer, or an error
/// the server raised about the statement (serialization and deadlock aborts included). Not
/// after the errors `transient_kind` counts as the link's or the server's (a standby's 25006,
/// a shutdown, a refused connection), nor after client-side ones (I/O, protocol, decoding).
fn keeps_session<T>(result: &sqlx::Result<T>) -> bool {
    match result {
        Ok(_) | Err(sqlx::Error::RowNotFound) => true,
        Err(e @ sqlx::Error::Database(_)) => {
            matches!(super::transient_kind(e), None | Some("conflict"))
        }
        Err(_) => false,
    }
}

/// Closes a session off the caller's path (a Terminate, then the socket), bounded in time.
fn close_later(conn: PgConnection) {
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(5), conn.close()).await;
        });
    }
}
