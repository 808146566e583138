//! The one-statement writes' sessions (`store::sessions`, #21): lent for one statement and
//! taken back without a round trip, but only when the statement's end leaves them usable.
//! Which session served is told by its backend's pid.

use crate::helpers::*;
use hongxun_gateway::store::sessions::{Limits, Sessions};
use sqlx::{PgConnection, PgPool};
use std::time::{Duration, Instant};

fn sessions(pool: &PgPool, limits: Limits) -> Sessions {
    Sessions::new((*pool.connect_options()).clone(), limits)
}

fn limits(max: u32) -> Limits {
    Limits {
        max,
        acquire_timeout: Duration::from_secs(5),
        max_lifetime: Duration::from_secs(1800),
        idle_timeout: Duration::from_secs(600),
    }
}

async fn pid(s: &Sessions) -> i32 {
    s.run(async |c: &mut PgConnection| {
        sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid()")
            .fetch_one(c)
            .await
    })
    .await
    .unwrap()
}

/// Runs one statement on a lent session.
async fn exec(s: &Sessions, sql: &'static str) -> sqlx::Result<()> {
    s.run(async |c: &mut PgConnection| sqlx::query(sql).execute(c).await.map(|_| ()))
        .await
}

/// Waits (up to 5 s) until the backend `pid` has ended: the session was closed, not leaked.
async fn backend_ends(pool: &PgPool, pid: i32) {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let alive: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)")
                .bind(pid)
                .fetch_one(pool)
                .await
                .unwrap();
        if !alive {
            return;
        }
        assert!(Instant::now() < until, "backend {pid} still open after 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[sqlx::test]
async fn a_session_serves_again_after_an_answer_or_an_error_about_the_statement(pool: PgPool) {
    let s = sessions(&pool, limits(4));
    let first = pid(&s).await;
    assert_eq!(
        pid(&s).await,
        first,
        "the session came back after its answer"
    );

    // Errors the server raised about the statement leave the session as it was.
    let e = exec(&s, "SELECT 1/0").await.unwrap_err();
    assert_eq!(db_code(&e), "22012", "{e}");
    let e = exec(
        &s,
        "DO $$ BEGIN RAISE EXCEPTION 'no stock' USING ERRCODE = 'HX001'; END $$",
    )
    .await
    .unwrap_err();
    assert_eq!(db_code(&e), "HX001", "{e}");
    assert_eq!(
        pid(&s).await,
        first,
        "kept after the statement's own errors"
    );
    assert_eq!(s.counts(), (1, 1), "one session, idle");
}

#[sqlx::test]
async fn a_session_that_met_a_standby_is_closed_not_lent_again(pool: PgPool) {
    let s = sessions(&pool, limits(4));
    let first = pid(&s).await;
    // The session turns read-only, as one to a standby not yet promoted is.
    exec(&s, "SET default_transaction_read_only = on")
        .await
        .unwrap();
    let e = exec(&s, "SELECT nextval('hx_order_no_seq')")
        .await
        .unwrap_err();
    assert_eq!(db_code(&e), "25006", "{e}");
    let next = pid(&s).await;
    assert_ne!(next, first, "a new session after 25006");
    backend_ends(&pool, first).await;
    // The new session takes writes.
    exec(&s, "SELECT nextval('hx_order_no_seq')").await.unwrap();
}

#[sqlx::test]
async fn a_session_whose_statement_was_cancelled_is_closed_not_lent_again(pool: PgPool) {
    let s = sessions(&pool, limits(4));
    let first = pid(&s).await;
    // The caller gives up mid-statement (a client that hung up): the statement is in flight.
    let cancelled =
        tokio::time::timeout(Duration::from_millis(200), exec(&s, "SELECT pg_sleep(1)")).await;
    assert!(cancelled.is_err(), "the statement was still running");
    let next = pid(&s).await;
    assert_ne!(next, first, "not the session left mid-statement");
    backend_ends(&pool, first).await;
    assert_eq!(pid(&s).await, next);
}

#[sqlx::test]
async fn no_more_sessions_than_the_limit_and_a_wait_bounded_by_the_acquire_timeout(pool: PgPool) {
    let s = sessions(&pool, limits(3));
    // Twelve statements of 100 ms each, at once, on three sessions.
    let started = Instant::now();
    let mut all = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let s = s.clone();
        all.spawn(async move {
            s.run(async |c: &mut PgConnection| {
                sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid() FROM pg_sleep(0.1)")
                    .fetch_one(c)
                    .await
            })
            .await
        });
    }
    let pids = all.join_all().await;
    let took = started.elapsed();
    let mut pids: Vec<i32> = pids.into_iter().map(Result::unwrap).collect();
    pids.sort();
    pids.dedup();
    assert_eq!(pids.len(), 3, "three sessions served: {pids:?}");
    // They overlapped (twelve in a row would take 1.2 s), three at a time (at least 0.4 s).
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_millis(1100),
        "{took:?}"
    );
    assert_eq!(s.counts(), (3, 3));

    // With the only session lent, the next caller waits its acquire timeout, then is refused.
    let one = sessions(
        &pool,
        Limits {
            acquire_timeout: Duration::from_millis(300),
            ..limits(1)
        },
    );
    let (hold, release) = tokio::sync::oneshot::channel::<()>();
    let (lent, is_lent) = tokio::sync::oneshot::channel::<()>();
    let holder = {
        let one = one.clone();
        tokio::spawn(async move {
            one.run(async |_c: &mut PgConnection| {
                lent.send(()).unwrap();
                release.await.unwrap();
                Ok(())
            })
            .await
        })
    };
    is_lent.await.unwrap();
    let waited = Instant::now();
    let e = one
        .run(async |_c: &mut PgConnection| Ok(()))
        .await
        .unwrap_err();
    assert!(matches!(e, sqlx::Error::PoolTimedOut), "{e}");
    assert!(waited.elapsed() >= Duration::from_millis(300));
    hold.send(()).unwrap();
    holder.await.unwrap().unwrap();
    one.run(async |_c: &mut PgConnection| Ok(())).await.unwrap();
}

#[sqlx::test]
async fn idle_sessions_are_closed_after_the_idle_timeout(pool: PgPool) {
    let s = sessions(
        &pool,
        Limits {
            idle_timeout: Duration::from_millis(300),
            ..limits(2)
        },
    );
    let first = pid(&s).await;
    // Nobody asks: the reaper closes it.
    backend_ends(&pool, first).await;
    assert_eq!(s.counts(), (0, 0));
    assert_ne!(pid(&s).await, first);
}

/// The gateway's own writes reuse their session: forty orders one after the other, all written
/// by the backend that wrote the first.
#[sqlx::test]
async fn the_gateways_one_statement_writes_reuse_their_session(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let who = crate::orders::customer_with_base_data(&app, "C001").await;
    let order = |i: u32| {
        format!(
            r#"{{"orderCode":"S-{i}","orderType":"CGRK","inventoryCode":"WH01","subbaseCode":"OW01","items":[{{"lineNo":"1","itemCode":"SKU-1","planQty":1}}]}}"#
        )
    };
    app.call("/dtc/logistics/inOrder", &who, &order(0))
        .await
        .expect(200, 200);
    let after_first: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT clock_timestamp()")
        .fetch_one(&pool)
        .await
        .unwrap();
    for i in 1..40 {
        app.call("/dtc/logistics/inOrder", &who, &order(i))
            .await
            .expect(200, 200);
    }
    let writers: Vec<(i32, bool)> = sqlx::query_as(
        "SELECT pid, backend_start < $1 FROM pg_stat_activity \
          WHERE datname = current_database() AND query LIKE 'WITH prior AS%existing AS%'",
    )
    .bind(after_first)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(writers.len(), 1, "{writers:?}");
    assert!(
        writers[0].1,
        "the last order's session was opened before the second order"
    );
}

fn db_code(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.code().unwrap_or_default().to_string(),
        other => panic!("not a database error: {other}"),
    }
}
