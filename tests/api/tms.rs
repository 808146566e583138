//! The 3TMS dialect so far: accounts with argon2 passwords, the token pair (same pair while
//! valid, refresh revokes, a year's validity), the access token in the query or a Bearer
//! header, the hourly limit, unknown paths, and the address book.

use crate::helpers::*;
use crate::tms_support::*;
use hongxun_gateway::service::admin;
use hongxun_gateway::state::Clock;
use hongxun_gateway::store::clients::ClientChange;
use serde_json::{json, Value};
use sqlx::PgPool;

const GENERATE: &str = "/user/generate_access_token/v2";
const REFRESH: &str = "/user/refresh_access_token/v2";
const CUSTOMERS: &str = "/customer/add_customers";

fn consigner(phone: &str, name: &str) -> Value {
    json!({"customers": [{"name": name, "phone": phone, "address": "杭州市西湖区", "type": 1, "paymentType": 5}]})
}

#[sqlx::test]
async fn tokens_are_issued_once_refreshed_and_checked(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;

    // Wrong password, unknown user, missing fields.
    let r = post(
        &app,
        GENERATE,
        None,
        false,
        json!({"userName": "shipper1", "password": "nope"}),
    )
    .await;
    failed(&r, 400, 500, "账号或密码不正确");
    let r = post(
        &app,
        GENERATE,
        None,
        false,
        json!({"userName": "nobody", "password": "pa55word"}),
    )
    .await;
    failed(&r, 400, 500, "账号或密码不正确");
    let r = post(&app, GENERATE, None, false, json!({"userName": "shipper1"})).await;
    failed(&r, 400, 500, "password: is required");
    let r = post(&app, GENERATE, None, false, json!({"userName": 5})).await;
    failed(&r, 400, 500, "userName");

    // The pair; asking again gives the same pair.
    let first = ok(&post(
        &app,
        GENERATE,
        None,
        false,
        json!({"userName": "shipper1", "password": "pa55word"}),
    )
    .await)
    .clone();
    let access = first["accessToken"].as_str().unwrap().to_string();
    let refresh = first["refreshToken"].as_str().unwrap().to_string();
    assert_eq!(access.len(), 36);
    let again = ok(&post(
        &app,
        GENERATE,
        None,
        false,
        json!({"userName": "shipper1", "password": "pa55word"}),
    )
    .await)
    .clone();
    assert_eq!(again, first);
    // Only hashes are stored.
    let stored: (String, String) =
        sqlx::query_as("SELECT access_hash, refresh_hash FROM tms_tokens")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(stored.0 != access && stored.1 != refresh && stored.0.len() == 64);
    let phc: String = sqlx::query_scalar("SELECT password_hash FROM tms_accounts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(phc.starts_with("$argon2id$") && !phc.contains("pa55word"));

    // The token in the query and as a Bearer header.
    assert_eq!(
        ok(&post(
            &app,
            CUSTOMERS,
            Some(&access),
            false,
            consigner("13800000001", "张三")
        )
        .await),
        &json!(true)
    );
    assert_eq!(
        ok(&post(
            &app,
            CUSTOMERS,
            Some(&access),
            true,
            consigner("13800000002", "李四")
        )
        .await),
        &json!(true)
    );
    failed(
        &post(&app, CUSTOMERS, None, false, consigner("1", "x")).await,
        401,
        401,
        "access_token",
    );
    failed(
        &post(
            &app,
            CUSTOMERS,
            Some("0000-wrong"),
            false,
            consigner("1", "x"),
        )
        .await,
        401,
        401,
        "无效",
    );

    // Refresh: a wrong refresh token is refused; the right one gives a new pair and the old
    // access token stops at once.
    let r = post(
        &app,
        REFRESH,
        None,
        false,
        json!({"userName": "shipper1", "refreshToken": access}),
    )
    .await;
    failed(&r, 400, 500, "账号或刷新凭证不正确");
    let second = ok(&post(
        &app,
        REFRESH,
        None,
        false,
        json!({"userName": "shipper1", "refreshToken": refresh}),
    )
    .await)
    .clone();
    assert_ne!(second, first);
    failed(
        &post(&app, CUSTOMERS, Some(&access), false, consigner("1", "x")).await,
        401,
        401,
        "无效",
    );
    let new_access = second["accessToken"].as_str().unwrap();
    ok(&post(
        &app,
        CUSTOMERS,
        Some(new_access),
        false,
        consigner("13800000003", "王五"),
    )
    .await);
    // The old refresh token is spent too; generate now returns the new pair.
    let r = post(
        &app,
        REFRESH,
        None,
        false,
        json!({"userName": "shipper1", "refreshToken": refresh}),
    )
    .await;
    failed(&r, 400, 500, "刷新凭证");
    assert_eq!(
        ok(&post(
            &app,
            GENERATE,
            None,
            false,
            json!({"userName": "shipper1", "password": "pa55word"})
        )
        .await),
        &second
    );

    // A disabled account: its token and its password stop working.
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
    // The account is kept in memory with its token (#21); the change is heard through the
    // identities' notification, within milliseconds, so the call is repeated until then.
    let start = std::time::Instant::now();
    let refused = loop {
        let r = post(
            &app,
            CUSTOMERS,
            Some(new_access),
            false,
            consigner("1", "x"),
        )
        .await;
        if r.status != 200 || start.elapsed() > std::time::Duration::from_secs(2) {
            break r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    failed(&refused, 401, 401, "停用");
    failed(
        &post(
            &app,
            GENERATE,
            None,
            false,
            json!({"userName": "shipper1", "password": "pa55word"}),
        )
        .await,
        401,
        401,
        "停用",
    );
}

#[sqlx::test]
async fn a_pair_lasts_a_year_and_is_not_extended(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;
    let body = json!({"userName": "shipper1", "password": "pa55word"});
    let t0 = chrono::Utc::now();
    let first = ok(&post(&app, GENERATE, None, false, body.clone()).await).clone();
    let access = first["accessToken"].as_str().unwrap().to_string();
    let expires = || async {
        sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>("SELECT expires_at FROM tms_tokens")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let e1 = expires().await;
    assert!(
        ((e1 - t0).num_seconds() - 365 * 86_400).abs() <= 5,
        "{e1} {t0}"
    );
    // Asking again: the same pair, the same expiry.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        ok(&post(&app, GENERATE, None, false, body.clone()).await),
        &first
    );
    assert_eq!(expires().await, e1, "asking again does not extend it");
    // Once the year is over (moved into the past here): 401, and signing in gives a new pair.
    sqlx::query("UPDATE tms_tokens SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    failed(
        &post(&app, CUSTOMERS, Some(&access), false, consigner("1", "x")).await,
        401,
        401,
        "过期",
    );
    let fresh = ok(&post(&app, GENERATE, None, false, body).await).clone();
    assert_ne!(fresh, first);
    assert!(expires().await > e1);
}

#[sqlx::test]
async fn limits_unknown_paths_and_the_address_book(pool: PgPool) {
    let app = spawn_app_with(pool.clone(), Clock::System, |s| s.auth.rate_sync_ms = 0).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;
    account(&app, "CUST2", "shipper2", "pa55word").await;
    let token = |d: &Value| d["accessToken"].as_str().unwrap().to_string();
    let t1 = token(ok(&post(
        &app,
        GENERATE,
        None,
        false,
        json!({"userName": "shipper1", "password": "pa55word"}),
    )
    .await));
    let t2 = token(ok(&post(
        &app,
        GENERATE,
        None,
        false,
        json!({"userName": "shipper2", "password": "pa55word"}),
    )
    .await));

    // Upsert by phone within a type; the same phone as a consignee is another entry; tenants apart.
    ok(&post(
        &app,
        CUSTOMERS,
        Some(&t1),
        false,
        consigner("13800000001", "张三"),
    )
    .await);
    ok(&post(
        &app,
        CUSTOMERS,
        Some(&t1),
        false,
        consigner("13800000001", "张三丰"),
    )
    .await);
    ok(&post(&app, CUSTOMERS, Some(&t1), false,
        json!({"customers": [{"name": "收货人", "phone": "13800000001", "address": "上海", "type": 2, "paymentType": 2, "remark1": "r"}]})).await);
    ok(&post(
        &app,
        CUSTOMERS,
        Some(&t2),
        false,
        consigner("13800000001", "别家"),
    )
    .await);
    let rows: Vec<(String, i16, String)> =
        sqlx::query_as("SELECT tenant, type, name FROM tms_customers ORDER BY tenant, type")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        [
            ("CUST1".into(), 1, "张三丰".into()),
            ("CUST1".into(), 2, "收货人".into()),
            ("CUST2".into(), 1, "别家".into())
        ]
    );
    // Every invalid field named; nothing written.
    let r = post(
        &app,
        CUSTOMERS,
        Some(&t1),
        false,
        json!({"customers": [{"name": "a", "phone": "13800000009", "address": "b", "type": 3, "paymentType": 10},
                             {"phone": "x", "address": "b", "type": 1, "paymentType": 1}]}),
    )
    .await;
    failed(&r, 400, 500, "customers[0].type");
    for field in [
        "customers[0].paymentType",
        "customers[1].name",
        "customers[1].phone",
    ] {
        assert!(
            r.body["message"].as_str().unwrap().contains(field),
            "{field}: {}",
            r.body
        );
    }
    let r = post(
        &app,
        CUSTOMERS,
        Some(&t1),
        false,
        consigner("13800000009", "a\u{0}b"),
    )
    .await;
    failed(&r, 400, 500, "customers[0].name");
    failed(
        &post(&app, CUSTOMERS, Some(&t1), false, json!({"customers": []})).await,
        400,
        500,
        "customers",
    );
    assert_eq!(app.count("SELECT count(*) FROM tms_customers").await, 3);

    // Unknown paths under the TMS prefixes: 404 in the seed's shape.
    for path in ["/order/no_such", "/customer_order/x/y", "/user/whoami"] {
        failed(
            &post(&app, path, Some(&t1), false, json!({})).await,
            404,
            404,
            "接口不存在",
        );
    }

    // The hourly limit, per endpoint as the seed states it: "操作频繁", HTTP 429 with
    // Retry-After, on the endpoint that is over it only.
    admin::change_client(
        &pool,
        "CUST2",
        "TMS-shipper2",
        ClientChange {
            rate_limit_per_hour: Some(Some(3)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut last = None;
    for i in 0..4 {
        let r = post(
            &app,
            "/order/query_orders",
            Some(&t2),
            false,
            json!({"pageNo": 1}),
        )
        .await;
        if i < 3 {
            ok(&r); // the first three are within the limit
        }
        last = Some(r);
    }
    let r = last.unwrap();
    failed(&r, 429, 500, "操作频繁");
    assert!(r.retry_after.is_some());
    // A busy query loop does not block the other endpoints: finding has a limit of its own,
    // and the address book (like cancels, cargo, subscriptions) has none in the seed.
    ok(&post(
        &app,
        "/order/find_order/v2",
        Some(&t2),
        false,
        json!({"orderNumber": "0000000000000001"}),
    )
    .await);
    for i in 0..5 {
        ok(&post(
            &app,
            CUSTOMERS,
            Some(&t2),
            false,
            consigner(&format!("1390000001{i}"), "x"),
        )
        .await);
    }
}

#[sqlx::test]
async fn the_organisation_tree_is_set_by_the_warehouse(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    account(&app, "CUST1", "shipper1", "pa55word").await;
    account(&app, "CUST2", "shipper2", "pa55word").await;
    let token = |d: &Value| d["accessToken"].as_str().unwrap().to_string();
    let t1 = token(ok(&post(
        &app,
        GENERATE,
        None,
        false,
        json!({"userName": "shipper1", "password": "pa55word"}),
    )
    .await));
    let t2 = token(ok(&post(
        &app,
        GENERATE,
        None,
        false,
        json!({"userName": "shipper2", "password": "pa55word"}),
    )
    .await));
    const ORGS: &str = "/organization/list";
    // The root alone until a tree is set.
    assert_eq!(
        ok(&post(&app, ORGS, Some(&t1), false, json!({})).await),
        &json!([{"nodeId": 0, "name": "总部", "path": "0"}])
    );
    let ops = app.ops_token("floor").await;
    let tree = json!({"nodes": [{"nodeId": 0, "name": "总部", "path": "0"},
                                {"nodeId": 11, "name": "网点1", "path": "0-11"},
                                {"nodeId": 12, "name": "杭州网点2", "path": "0-12"}]});
    app.ops(
        Some(&ops),
        "PUT",
        "/ops/v1/customers/CUST1/tms/organizations",
        tree.clone(),
    )
    .await
    .expect(200, 200);
    assert_eq!(
        ok(&post(&app, ORGS, Some(&t1), true, json!({})).await),
        &tree["nodes"]
    );
    // Another shipper still has its root alone; a malformed tree is refused, naming the node.
    assert_eq!(
        ok(&post(&app, ORGS, Some(&t2), false, json!({})).await)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = app
        .ops(
            Some(&ops),
            "PUT",
            "/ops/v1/customers/CUST1/tms/organizations",
            json!({"nodes": [{"nodeId": 11, "name": "网点1", "path": "0-12"}]}),
        )
        .await;
    r.expect(2002, 400);
    assert!(r.message().contains("nodes[0].path"), "{}", r.message());
    let got = app
        .ops(
            Some(&ops),
            "GET",
            "/ops/v1/customers/CUST1/tms/organizations",
            json!({}),
        )
        .await;
    assert_eq!(got.body["value"]["nodes"], tree["nodes"]);
}
