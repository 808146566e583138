//! Hostile callers before authentication (3TMS password sign-in): failed attempts are limited
//! per user name and address, per user name and per address, in Postgres (every gateway sees
//! them); hashing runs on a bounded pool that refuses at once when full; refresh reveals
//! nothing about the account.

use crate::helpers::*;
use crate::tms_support::*;
use hongxun_gateway::service::admin;
use hongxun_gateway::state::Clock;
use hongxun_gateway::store::clients::ClientChange;
use serde_json::json;
use sqlx::PgPool;

const GENERATE: &str = "/user/generate_access_token/v2";
const REFRESH: &str = "/user/refresh_access_token/v2";

/// A gateway that takes the caller's address from `X-Forwarded-For`, with small limits.
async fn limited_app(pool: PgPool, pair: i32, user: i32, address: i32) -> TestApp {
    limited_app_delayed(pool, pair, user, address, 0).await
}

async fn limited_app_delayed(
    pool: PgPool,
    pair: i32,
    user: i32,
    address: i32,
    delay_ms: u64,
) -> TestApp {
    spawn_app_with(pool, Clock::System, move |s| {
        s.auth.sign_in_refusal_delay_ms = delay_ms;
        s.server.client_address_header = "X-Forwarded-For".into();
        s.auth.sign_in_failures_per_user_address = pair;
        s.auth.sign_in_failures_per_user = user;
        s.auth.sign_in_failures_per_address = address;
    })
    .await
}

async fn sign_in_from(app: &TestApp, from: &str, user: &str, password: &str) -> Answer {
    let r = app
        .http
        .post(format!("{}{GENERATE}", app.base))
        .header("X-Forwarded-For", format!("203.0.113.200, {from}"))
        .json(&json!({"userName": user, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    Answer {
        status,
        body: r.json().await.unwrap(),
        retry_after,
    }
}

fn wrong(a: &Answer) {
    failed(a, 400, 500, "账号或密码不正确");
}

fn too_many(a: &Answer) {
    failed(a, 429, 500, "操作频繁");
    let secs: u64 = a.retry_after.as_deref().unwrap().parse().unwrap();
    assert!(secs >= 1, "Retry-After {secs}");
}

#[sqlx::test]
async fn failed_sign_ins_lock_the_pair_then_the_user_name_on_every_gateway(pool: PgPool) {
    let app = limited_app(pool.clone(), 3, 5, 100).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;

    // Three wrong guesses from one address are answered as wrong; then that pair is refused,
    // even with the right password.
    for _ in 0..3 {
        wrong(&sign_in_from(&app, "198.51.100.1", "shipper1", "guess").await);
    }
    too_many(&sign_in_from(&app, "198.51.100.1", "shipper1", "pa55word").await);
    // The last address in the header is the caller's: the forged first one counts for nothing.
    let failures: Vec<(String, String, i32)> = sqlx::query_as(
        "SELECT user_name, source, failures FROM sign_in_failures ORDER BY user_name, source",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        failures,
        vec![
            ("".into(), "198.51.100.1".into(), 3),
            ("shipper1".into(), "".into(), 3),
            ("shipper1".into(), "198.51.100.1".into(), 3),
        ]
    );

    // Another address still signs in; success clears only its own pair.
    let d = ok(&sign_in_from(&app, "198.51.100.2", "shipper1", "pa55word").await).clone();
    assert!(d["accessToken"].is_string());
    // Two more failures elsewhere reach the user name's limit of 5: every address is refused.
    wrong(&sign_in_from(&app, "198.51.100.2", "shipper1", "guess").await);
    wrong(&sign_in_from(&app, "198.51.100.3", "shipper1", "guess").await);
    too_many(&sign_in_from(&app, "198.51.100.4", "shipper1", "pa55word").await);

    // The counts live in Postgres: a second gateway on the same database refuses as well.
    let other = limited_app(pool.clone(), 3, 5, 100).await;
    too_many(&sign_in_from(&other, "198.51.100.5", "shipper1", "pa55word").await);

    // A user name nobody has is counted and refused alike: no way to tell which names exist.
    for _ in 0..3 {
        wrong(&sign_in_from(&app, "198.51.100.6", "ghost", "guess").await);
    }
    too_many(&sign_in_from(&app, "198.51.100.6", "ghost", "guess").await);
}

#[sqlx::test]
async fn one_address_spraying_user_names_is_refused(pool: PgPool) {
    let app = limited_app_delayed(pool, 100, 100, 4, 400).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;
    for i in 0..4 {
        wrong(&sign_in_from(&app, "198.51.100.9", &format!("user{i}"), "guess").await);
    }
    // Refused, and answered only after the tarpit delay.
    let t = std::time::Instant::now();
    too_many(&sign_in_from(&app, "198.51.100.9", "shipper1", "pa55word").await);
    assert!(
        t.elapsed() >= std::time::Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    // Other addresses are not affected.
    ok(&sign_in_from(&app, "198.51.100.10", "shipper1", "pa55word").await);
}

#[sqlx::test]
async fn a_full_hashing_pool_refuses_at_once_and_nothing_answers_5xx(pool: PgPool) {
    let app = spawn_app_with(pool, Clock::System, |s| {
        s.server.client_address_header = "X-Forwarded-For".into();
        s.auth.password_hash_workers = 1;
        s.auth.password_hash_queue = 0;
        s.auth.sign_in_refusal_delay_ms = 0;
    })
    .await;
    account(&app, "CUST1", "shipper1", "pa55word").await;
    let mut calls = Vec::new();
    for i in 0..40 {
        let (http, base) = (app.http.clone(), app.base.clone());
        calls.push(tokio::spawn(async move {
            let r = http
                .post(format!("{base}{GENERATE}"))
                .header("X-Forwarded-For", format!("198.51.100.{}", i + 1))
                .json(&json!({"userName": "shipper1", "password": "guess"}))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.unwrap())
        }));
    }
    let (mut wrong_pw, mut busy) = (0, 0);
    for c in calls {
        let (status, body) = c.await.unwrap();
        match (status, body["message"].as_str().unwrap()) {
            (400, "账号或密码不正确") => wrong_pw += 1,
            (429, "操作频繁") => busy += 1,
            other => panic!("unexpected answer {other:?}: {body}"),
        }
    }
    // Refusals prove that attempts overlapped while one hash ran; some were still verified.
    assert!(
        busy > 0,
        "the pool refused while full ({wrong_pw} verified)"
    );
    assert!(wrong_pw > 0, "attempts were verified ({busy} refused)");
    // The pool is free again: the last hash's place is given back just after its answer left,
    // so a sign-in right behind it may still find it taken — but not for long.
    let mut last = sign_in_from(&app, "198.51.100.200", "shipper1", "pa55word").await;
    for _ in 0..40 {
        if last.status != 429 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        last = sign_in_from(&app, "198.51.100.200", "shipper1", "pa55word").await;
    }
    ok(&last);
}

#[sqlx::test]
async fn refresh_checks_the_token_before_it_tells_anything_about_the_account(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;
    let pair = ok(&post(
        &app,
        GENERATE,
        None,
        false,
        json!({"userName": "shipper1", "password": "pa55word"}),
    )
    .await)
    .clone();
    let refresh = pair["refreshToken"].as_str().unwrap().to_string();
    admin::change_client(
        &pool,
        "CUST1",
        "TMS-shipper1",
        ClientChange {
            status: Some("disabled"),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let answers = [
        json!({"userName": "shipper1", "refreshToken": refresh}),
        json!({"userName": "shipper1", "refreshToken": "wrong"}),
        json!({"userName": "nobody", "refreshToken": refresh}),
    ];
    let mut bodies = Vec::new();
    for body in answers {
        let r = post(&app, REFRESH, None, false, body).await;
        failed(&r, 400, 500, "账号或刷新凭证不正确");
        bodies.push(r.body);
    }
    assert!(bodies.iter().all(|b| b == &bodies[0]), "{bodies:?}");
}
