//! The real binary as operators and the README use it: the demo flow, `serve` on port 0,
//! the signing tool, identity administration, graceful shutdown on SIGTERM.

#[path = "api/receiver.rs"]
#[allow(dead_code)]
mod receiver;

use serde_json::{json, Value};
use sqlx::PgPool;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[path = "support/binary.rs"]
mod binary;
use binary::{db_url, gateway, json_of, run, BIN, KEY};

const VECTORS: &str = include_str!("../docs/contract/signature-vectors.json");

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("hxgw-{}-{name}", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

#[sqlx::test]
async fn the_readme_demo_flow_works_end_to_end(pool: PgPool) {
    let db = db_url(&pool);
    let demo = json_of(gateway(&db).arg("demo")).await;
    let customer = &demo["clients"][0];
    assert_eq!(customer["kind"], "customer");
    let secret = customer["secret"].as_str().unwrap().to_string();
    assert!(demo["opsToken"]["token"]
        .as_str()
        .unwrap()
        .starts_with("hxops_"));
    // Running it again keeps the identities and their secrets.
    let again = json_of(gateway(&db).arg("demo")).await;
    assert_eq!(again["clients"][0]["secret"], customer["secret"]);

    let mut server = gateway(&db)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("HXGW__LOG__FORMAT", "json")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("server printed its first line in time")
        .unwrap()
        .unwrap();
    let first: Value = serde_json::from_str(&first).unwrap();
    let message = first["message"].as_str().unwrap();
    let addr = message
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first log line: {message}"));
    let log = tokio::spawn(async move {
        let mut all = String::new();
        while let Ok(Some(l)) = lines.next_line().await {
            all.push_str(&l);
            all.push('\n');
        }
        all
    });

    // The README's request, signed by the `sign` tool.
    let body = temp_file(
        "org.json",
        r#"{"createBy":"DEMO","dataSource":"DEMO-ERP","request":{"inventoryCode":"WH01","inventoryName":"上海仓","subbaseCode":"OW01","subbaseName":"示例货主","contact":"张三","phone":"13800138000"}}"#,
    );
    let (ok, signed, err) = run(Command::new(BIN).args([
        "sign",
        "--secret",
        &secret,
        "--body",
        body.to_str().unwrap(),
        "--now",
        "--print-body",
    ]))
    .await;
    assert!(ok, "{err}");
    let http = reqwest::Client::new();
    let reply: Value = http
        .post(format!("http://{addr}/dtc/base/inventoryOrg"))
        .header("content-type", "application/json")
        .body(signed.trim().to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["code"], 200, "{reply}");

    // The README's Qimen calls: the demo Qimen ERP (same tenant) signs with `sign --dialect
    // qimen` and posts XML; its product and its order land beside the 鸿讯 ones.
    let qimen = &demo["clients"][1];
    assert_eq!(
        (&qimen["dialect"], &qimen["createBy"]),
        (&json!("qimen"), &json!("DEMO"))
    );
    let qsecret = qimen["secret"].as_str().unwrap().to_string();
    for (method, xml, answer) in [
        (
            "singleitem.synchronize",
            r#"<request><actionType>add</actionType><warehouseCode>WH01</warehouseCode><ownerCode>OW01</ownerCode><item><itemCode>SKU-3</itemCode><itemName>碗</itemName></item></request>"#,
            "<itemId>SKU-3</itemId>",
        ),
        (
            "entryorder.create",
            r#"<request><entryOrder><entryOrderCode>QM-IN-1</entryOrderCode><orderType>CGRK</orderType><warehouseCode>WH01</warehouseCode><ownerCode>OW01</ownerCode></entryOrder><orderLines><orderLine><orderLineNo>1</orderLineNo><itemCode>SKU-3</itemCode><planQty>5</planQty></orderLine></orderLines></request>"#,
            "<entryOrderId>HX",
        ),
    ] {
        let body = temp_file("qimen-body.xml", xml);
        let params = format!("method=taobao.qimen.{method}&app_key=demo-qimen&customerId=DEMO-QIMEN-C&format=xml&v=2.0&sign_method=md5");
        let (ok, query, err) = run(Command::new(BIN).args([
            "sign",
            "--dialect",
            "qimen",
            "--secret",
            &qsecret,
            "--now",
            "--print-body",
            "--body",
            body.to_str().unwrap(),
            "--params",
            &params,
        ]))
        .await;
        assert!(ok, "{err}");
        let text = http
            .post(format!(
                "http://{addr}/router/qimen/service?{}",
                query.trim()
            ))
            .header("content-type", "text/xml;charset=utf-8")
            .body(xml)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("<flag>success</flag>") && text.contains(answer),
            "{method}: {text}"
        );
    }
    // The README's OMS calls: the demo OMS (same tenant) signs with `sign --dialect oms`
    // and posts the form: a transfer-in, then the warehouse list.
    let oms = &demo["clients"][2];
    assert_eq!(
        (&oms["dialect"], &oms["appKey"]),
        (&json!("oms"), &json!("demo-oms"))
    );
    let osecret = oms["secret"].as_str().unwrap().to_string();
    for (path, params, answer) in [
        (
            "/openapi",
            "method=warehouse.add&app_key=demo-oms&format=json&v=1.0&name=转仓入库单001&extrabranch_name=外部仓A&branch_bn=WH01&t_type=DC&original_iso_bn=T-0001&items=%5B%7B%22bn%22%3A%22SKU-3%22%2C%22nums%22%3A2%7D%5D",
            "\"warehouse_bn\":\"HXI",
        ),
        (
            "/openapi/warehouse",
            "method=warehouse.getList&flag=demo-oms&ver=1&charset=utf-8&type=json&page_no=1&page_size=50",
            "\"branch_bn\":\"WH01\"",
        ),
    ] {
        let (ok, form, err) = run(Command::new(BIN).args([
            "sign",
            "--dialect",
            "oms",
            "--secret",
            &osecret,
            "--now",
            "--print-body",
            "--params",
            params,
        ]))
        .await;
        assert!(ok, "{err}");
        let text = http
            .post(format!("http://{addr}{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.trim().to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.starts_with("{\"code\":0,") && text.contains(answer),
            "{path}: {text}"
        );
    }
    // The README's 3TMS calls: the demo shipper signs in and writes its address book.
    assert_eq!(
        demo["tmsSignIn"][0],
        json!({"userName": "demo-tms", "password": "demo-tms-password"})
    );
    let pair: Value = http
        .post(format!("http://{addr}/user/generate_access_token/v2"))
        .json(&demo["tmsSignIn"][0])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = pair["data"]["accessToken"].as_str().unwrap();
    let added: Value = http
        .post(format!("http://{addr}/customer/add_customers?access_token={access}"))
        .json(&json!({"customers": [{"name": "张三", "phone": "13800138000", "address": "杭州市西湖区", "type": 1, "paymentType": 5}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(added, json!({"code": 200, "message": null, "data": true}));
    // The README's waybill: created, found by the shipper's phone, and a subscription.
    let tms = |path: &str, body: Value| {
        let url = format!("http://{addr}{path}?access_token={access}");
        let http = http.clone();
        async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let created = tms("/order/create_order", json!({"orderList": [{"orderNumber": "WMS-0001",
        "consignerName": "发货方", "consignerPhone": "15161151543", "consignerAddress": "浙江省温州市鹿城区",
        "deliveryTime": 1764460800, "consigneeName": "收货方", "consigneePhone": "15161128126",
        "consigneeAddress": "浙江省杭州市淳安县", "receiptCount": 1,
        "cargoList": [{"name": "货物1", "quantity": 3, "weight": 5, "volume": 0.5}]}]}))
    .await;
    let number = created["data"][0].as_str().unwrap().to_string();
    assert_eq!(number.len(), 16, "{created}");
    let found = tms(
        "/order/find_order/v2",
        json!({"phoneNumber": "15161151543"}),
    )
    .await;
    assert_eq!(found["data"][0]["number"], json!(number), "{found}");
    assert_eq!(found["data"][0]["cargo"]["volume"], 0.5);
    let subscribed = tms(
        "/order/subscribe/v2",
        json!({"states": "0,1,2,3,4,210,8000,8001,8002",
        "callbackUrl": "https://shipper.example.com/tms/callback", "version": "v1"}),
    )
    .await;
    assert_eq!(subscribed, json!({"code": 200, "message": null}));
    let sign = serde_json::from_str::<Value>(&signed).unwrap()["sign"]
        .as_str()
        .unwrap()
        .to_string();

    // SIGTERM: a graceful stop with exit status 0.
    let pid = server.id().unwrap().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = tokio::time::timeout(Duration::from_secs(15), server.wait())
        .await
        .expect("stopped in time")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let log = log.await.unwrap();
    assert!(log.contains("\"duration_ms\""), "{log}");
    assert!(log.contains("\"client\":\"DEMO/DEMO-ERP\""), "{log}");
    assert!(!log.contains(&secret), "the secret leaked into the log");
    assert!(!log.contains(&sign), "the signature leaked into the log");
    assert!(!log.contains(KEY), "the master key leaked into the log");
}

#[sqlx::test]
async fn client_and_token_commands_manage_identities(pool: PgPool) {
    let db = db_url(&pool);
    let added = json_of(gateway(&db).args([
        "client",
        "add",
        "--kind",
        "customer",
        "--create-by",
        "C100",
        "--data-source",
        "SAP",
        "--callback-url",
        "https://erp.example.com/hx",
        "--name",
        "客户100",
    ]))
    .await;
    let secret = added["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 40);

    // The same identity twice is refused with a clear message.
    let (ok, _, err) = run(gateway(&db).args([
        "client",
        "add",
        "--kind",
        "customer",
        "--create-by",
        "C100",
        "--data-source",
        "SAP",
    ]))
    .await;
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = run(gateway(&db).args([
        "client",
        "add",
        "--kind",
        "robot",
        "--create-by",
        "X",
        "--data-source",
        "Y",
    ]))
    .await;
    assert!(!ok && err.contains("robot"), "{err}");

    let list = json_of(gateway(&db).args(["client", "list"])).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("secret").is_none(), "list never shows secrets");

    let rotated = json_of(gateway(&db).args([
        "client",
        "rotate-secret",
        "--create-by",
        "C100",
        "--data-source",
        "SAP",
    ]))
    .await;
    assert_ne!(rotated["secret"].as_str().unwrap(), secret);

    let disabled = json_of(gateway(&db).args([
        "client",
        "disable",
        "--create-by",
        "C100",
        "--data-source",
        "SAP",
    ]))
    .await;
    assert_eq!(disabled["status"], "disabled");
    let cb = json_of(gateway(&db).args([
        "client",
        "set-callback",
        "--create-by",
        "C100",
        "--data-source",
        "SAP",
        "--clear",
    ]))
    .await;
    assert!(cb["callbackUrl"].is_null());
    let (ok, _, err) = run(gateway(&db).args([
        "client",
        "set-callback",
        "--create-by",
        "C100",
        "--data-source",
        "SAP",
        "--url",
        "ftp://x",
    ]))
    .await;
    assert!(!ok && err.contains("http"), "{err}");
    let rl = json_of(gateway(&db).args([
        "client",
        "set-rate-limit",
        "--create-by",
        "C100",
        "--data-source",
        "SAP",
        "--per-hour",
        "50",
    ]))
    .await;
    assert_eq!(rl["rateLimitPerHour"], 50);
    let (ok, _, err) = run(gateway(&db).args([
        "client",
        "disable",
        "--create-by",
        "NOPE",
        "--data-source",
        "SAP",
    ]))
    .await;
    assert!(!ok && err.contains("no identity"), "{err}");

    let token = json_of(gateway(&db).args(["token", "add", "--name", "wms-floor"])).await;
    assert!(token["token"].as_str().unwrap().starts_with("hxops_"));
    let (ok, _, err) = run(gateway(&db).args(["token", "add", "--name", "wms-floor"])).await;
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, _) = run(gateway(&db).args(["token", "disable", "--name", "wms-floor"])).await;
    assert!(ok);
    let tokens = json_of(gateway(&db).args(["token", "list"])).await;
    assert_eq!(tokens[0]["status"], "disabled");
    assert!(tokens[0].get("token").is_none());
}

#[tokio::test]
async fn the_sign_tool_reproduces_every_valid_vector() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    for (i, v) in doc["vectors"].as_array().unwrap().iter().enumerate() {
        if !v["valid"].as_bool().unwrap() {
            continue;
        }
        let body = temp_file(&format!("vector-{i}.json"), v["body"].as_str().unwrap());
        let (ok, out, err) = run(Command::new(BIN).args([
            "sign",
            "--secret",
            v["secret"].as_str().unwrap(),
            "--body",
            body.to_str().unwrap(),
        ]))
        .await;
        assert!(ok, "{err}");
        assert_eq!(
            out.trim(),
            v["sign"].as_str().unwrap().to_uppercase(),
            "{}",
            v["name"]
        );
    }
}

#[tokio::test]
async fn commands_that_need_a_database_say_so_without_one() {
    let (ok, _, err) = run(Command::new(BIN)
        .arg("migrate")
        .env_remove("DATABASE_URL")
        .env_remove("HXGW__DATABASE__URL"))
    .await;
    assert!(!ok);
    assert!(err.contains("DATABASE_URL is not set"), "{err}");
}

/// Starts `serve` on a free port with loopback pushes allowed and a short lease; returns the child.
fn serve_with_pushes(db: &str) -> tokio::process::Child {
    gateway(db)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("HXGW__PUSH__ALLOW_NETWORKS", "127.0.0.0/8")
        .env("HXGW__PUSH__LEASE_SECS", "2")
        .env("HXGW__PUSH__TIMEOUT_MS", "1500")
        .env("HXGW__PUSH__POLL_INTERVAL_MS", "100")
        .env("HXGW__PUSH__RETRY_SCHEDULE", "200ms,200ms,200ms")
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[sqlx::test]
async fn a_push_in_flight_when_the_gateway_is_killed_is_delivered_after_restart(pool: PgPool) {
    let db = db_url(&pool);
    let receiver = receiver::Receiver::start("kill-secret").await;
    receiver.set_delay_ms(10_000);
    let added = json_of(gateway(&db).args([
        "client",
        "add",
        "--kind",
        "customer",
        "--create-by",
        "K1",
        "--data-source",
        "ERP",
        "--secret",
        "kill-secret",
        "--callback-url",
        &receiver.url,
    ]))
    .await;
    let client_id = added["id"].as_i64().unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let event_id = uuid::Uuid::now_v7();
    hongxun_gateway::store::pushes::enqueue(
        &mut conn,
        &[client_id],
        &hongxun_gateway::domain::client::Tenant("K1".into()),
        "inOrderStatusConfirm",
        Some("order:1"),
        event_id,
        &serde_json::json!({"event": "legacy", "eventType": "inOrderStatusConfirm",
            "payload": {"orderCode": "IN-1", "status": "RECEIVED"}}),
    )
    .await
    .unwrap();

    let mut first = serve_with_pushes(&db);
    for _ in 0..200 {
        if receiver.started() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(receiver.started(), 1, "the delivery is in flight");
    let pid = first.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .unwrap();
    first.wait().await.unwrap();
    receiver.set_delay_ms(0);

    let mut second = serve_with_pushes(&db);
    let delivered = receiver.wait_for(1, 20).await;
    assert_eq!(delivered[0]["eventId"], event_id.to_string());
    // The receiver has answered; the gateway records the outcome right after.
    let mut row: (String, i32) = (String::new(), 0);
    for _ in 0..100 {
        row = sqlx::query_as("SELECT status, attempts FROM push_outbox WHERE event_id = $1")
            .bind(event_id)
            .fetch_one(&pool)
            .await
            .unwrap();
        if row.0 == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, attempts) = row;
    assert_eq!(status, "delivered");
    assert!(attempts >= 2, "the killed attempt counted: {attempts}");
    second.kill().await.unwrap();
}

#[sqlx::test]
async fn sigterm_lets_a_delivery_in_flight_finish(pool: PgPool) {
    let db = db_url(&pool);
    let receiver = receiver::Receiver::start("term-secret").await;
    receiver.set_delay_ms(800);
    let added = json_of(gateway(&db).args([
        "client",
        "add",
        "--kind",
        "customer",
        "--create-by",
        "T1",
        "--data-source",
        "ERP",
        "--secret",
        "term-secret",
        "--callback-url",
        &receiver.url,
    ]))
    .await;
    let event_id = one_push(&pool, &added, "T1").await;
    let mut server = serve_with_pushes(&db);
    for _ in 0..200 {
        if receiver.started() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let pid = server.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), server.wait())
        .await
        .expect("stopped in time")
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(
        receiver.delivered().len(),
        1,
        "the delivery finished before exit"
    );
    let state: String = sqlx::query_scalar("SELECT status FROM push_outbox WHERE event_id = $1")
        .bind(event_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(state, "delivered");
}

/// Queues one push (a cancel result of OUT-1) for the identity `added`; returns its event id.
async fn one_push(pool: &PgPool, added: &Value, tenant: &str) -> uuid::Uuid {
    let mut conn = pool.acquire().await.unwrap();
    let event_id = uuid::Uuid::now_v7();
    hongxun_gateway::store::pushes::enqueue(
        &mut conn,
        &[added["id"].as_i64().unwrap()],
        &hongxun_gateway::domain::client::Tenant(tenant.into()),
        "cancelResult",
        None,
        event_id,
        &serde_json::json!({"event": "legacy", "eventType": "cancelResult",
            "payload": {"orderCode": "OUT-1", "cancelStatus": "CANCELLED"}}),
    )
    .await
    .unwrap();
    event_id
}

/// Starts `serve` and returns it with its address (JSON logs, first line `listening on`).
/// Pushes may reach loopback receivers, with short leases and retries.
async fn serve_at(db: &str) -> (tokio::process::Child, String) {
    serve_at_with(db, &[]).await
}

/// As `serve_at`, with more settings in the environment (they win over the ones above).
async fn serve_at_with(db: &str, envs: &[(&str, &str)]) -> (tokio::process::Child, String) {
    let (child, first) = serve_first_line(db, envs).await;
    let addr = first["message"]
        .as_str()
        .unwrap()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    (child, addr)
}

/// Starts `serve` as `serve_at_with` does and returns its first log line, `listening on`.
async fn serve_first_line(db: &str, envs: &[(&str, &str)]) -> (tokio::process::Child, Value) {
    let mut cmd = gateway(db);
    cmd.args(["serve", "--bind", "127.0.0.1:0"])
        .env("HXGW__PUSH__ALLOW_NETWORKS", "127.0.0.0/8")
        .env("HXGW__PUSH__LEASE_SECS", "2")
        .env("HXGW__PUSH__TIMEOUT_MS", "1500")
        .env("HXGW__PUSH__POLL_INTERVAL_MS", "100")
        .env(
            "HXGW__PUSH__RETRY_SCHEDULE",
            "200ms,200ms,500ms,1s,1s,1s,1s,1s",
        )
        .env("HXGW__LOG__FORMAT", "json")
        .env("HXGW__LOG__LEVEL", "warn,hongxun_gateway::startup=info")
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let v: Value = serde_json::from_str(&first).unwrap();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, v)
}

/// `server.worker_threads` sizes the runtime the gateway serves on, as the runtime itself
/// counts its workers; 0 leaves tokio's default (one per core, or `TOKIO_WORKER_THREADS`).
#[sqlx::test]
async fn the_worker_threads_setting_sizes_the_runtime(pool: PgPool) {
    let db = db_url(&pool);
    for (setting, env, expected) in [("1", None, 1), ("3", None, 3), ("0", Some("2"), 2)] {
        let mut envs = vec![("HXGW__SERVER__WORKER_THREADS", setting)];
        if let Some(n) = env {
            envs.push(("TOKIO_WORKER_THREADS", n));
        }
        let (mut child, first) = serve_first_line(&db, &envs).await;
        assert!(
            first["message"]
                .as_str()
                .unwrap()
                .starts_with("listening on "),
            "{first}"
        );
        assert_eq!(
            first["workers"]
                .as_u64()
                .or(first["fields"]["workers"].as_u64()),
            Some(expected),
            "worker_threads = {setting}, TOKIO_WORKER_THREADS = {env:?}: {first}"
        );
        child.kill().await.unwrap();
    }
}

fn signed(secret: &str, request: &str) -> String {
    use hongxun_gateway::auth::signature::{sign, SignInput, SignMethod};
    let ts = hongxun_gateway::auth::timestamp::format(chrono::Utc::now());
    let input = SignInput {
        create_by: "K1",
        data_source: "ERP",
        timestamp: &ts,
        sign_method: None,
        request,
    };
    let s = sign(SignMethod::Md5, secret, &input);
    format!("{{\"createBy\":\"K1\",\"dataSource\":\"ERP\",\"timestamp\":\"{ts}\",\"sign\":\"{s}\",\"request\":{request}}}")
}

#[sqlx::test]
async fn a_crash_during_load_loses_no_acknowledged_order_or_push_and_half_writes_none(
    pool: PgPool,
) {
    let db = db_url(&pool);
    let secret = "crash-secret";
    let receiver = receiver::Receiver::start(secret).await;
    json_of(gateway(&db).args([
        "client",
        "add",
        "--kind",
        "customer",
        "--create-by",
        "K1",
        "--data-source",
        "ERP",
        "--secret",
        secret,
        "--rate-limit",
        "1000000",
        "--callback-url",
        &receiver.url,
    ]))
    .await;
    let token = json_of(gateway(&db).args(["token", "add", "--name", "floor"])).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (mut first, addr) = serve_at(&db).await;
    let http = reqwest::Client::new();
    let post =
        |path: &str, body: String| http.post(format!("http://{addr}{path}")).body(body).send();
    let org = r#"{"inventoryCode":"WH01","inventoryName":"仓","subbaseCode":"OW01","subbaseName":"主","contact":"李","phone":"13800138000"}"#;
    assert_eq!(
        post("/dtc/base/inventoryOrg", signed(secret, org))
            .await
            .unwrap()
            .status(),
        200
    );
    let products: Vec<Value> = (1..=5)
        .map(|i| serde_json::json!({"itemCode": format!("SKU-{i}"), "itemName": "x"}))
        .collect();
    let r = post(
        "/dtc/base/product",
        signed(
            secret,
            &serde_json::json!({"products": products}).to_string(),
        ),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let items: Vec<Value> = (1..=5)
        .map(|i| serde_json::json!({"itemCode": format!("SKU-{i}"), "qty": 1_000_000}))
        .collect();
    let r = http
        .post(format!("http://{addr}/ops/v1/inventory/adjustments"))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"customer": "K1", "warehouseCode": "WH01", "ownerCode": "OW01",
            "adjustOrderCode": "ADJ-1", "adjustType": "CHECK", "items": items}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // 32 clients create orders until the gateway dies under them; the warehouse ships every
    // other one, each shipment pushing outOrderStatusConfirm to K1's receiver.
    let mut set = tokio::task::JoinSet::new();
    for c in 0..32 {
        let (http, addr, token) = (http.clone(), addr.clone(), token.clone());
        set.spawn(async move {
            let mut acknowledged = Vec::new();
            let mut shipped = Vec::new();
            for i in 0.. {
                let code = format!("K-{c}-{i}");
                let lines: Vec<Value> = (1..=5)
                    .map(|l| serde_json::json!({"lineNo": l.to_string(), "itemCode": format!("SKU-{l}"), "planQty": 1}))
                    .collect();
                let req = serde_json::json!({"orderCode": code, "orderType": "JYCK", "inventoryCode": "WH01", "subbaseCode": "OW01",
                    "receiver": {"name": "王", "phone": "13900000000", "provinceName": "沪", "cityName": "沪", "address": "路1号"},
                    "items": lines}).to_string();
                let hx = match http.post(format!("http://{addr}/dtc/logistics/outOrder")).body(signed("crash-secret", &req)).send().await {
                    Ok(r) if r.status() == 200 => {
                        acknowledged.push(code.clone());
                        let v: Value = match r.json().await { Ok(v) => v, Err(_) => break };
                        v["value"]["hxOrderNo"].as_str().unwrap_or_default().to_string()
                    }
                    Ok(_) => continue,
                    Err(_) => break,
                };
                if i % 2 == 1 {
                    continue;
                }
                let items: Vec<Value> = (1..=5).map(|l| serde_json::json!({"lineNo": l.to_string(), "qty": 1})).collect();
                let shipment = serde_json::json!({"confirmType": "FINAL", "packages": [{"packageNo": format!("P-{code}"),
                    "waybillNo": format!("W-{code}"), "carrierCode": "SF", "weight": 1.0, "items": items}]});
                match http.post(format!("http://{addr}/ops/v1/orders/{hx}/shipments")).bearer_auth(&token).json(&shipment).send().await {
                    Ok(r) if r.status() == 200 => shipped.push(code),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            (acknowledged, shipped)
        });
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pid = first.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .unwrap();
    first.wait().await.unwrap();
    let (acknowledged, shipped): (Vec<Vec<String>>, Vec<Vec<String>>) =
        set.join_all().await.into_iter().unzip();
    let acknowledged: Vec<String> = acknowledged.into_iter().flatten().collect();
    let shipped: Vec<String> = shipped.into_iter().flatten().collect();
    assert!(
        acknowledged.len() >= 32 && shipped.len() >= 16,
        "load was running: {} orders acknowledged, {} shipped",
        acknowledged.len(),
        shipped.len()
    );

    // After a restart every acknowledged order is there with all its lines; none is half-written.
    let (mut second, addr2) = serve_at(&db).await;
    let stored: Vec<(String, i64)> = sqlx::query_as(
        "SELECT o.order_code, (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) FROM orders o WHERE o.tenant = 'K1'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let stored_codes: std::collections::HashSet<&str> =
        stored.iter().map(|(c, _)| c.as_str()).collect();
    for code in &acknowledged {
        assert!(
            stored_codes.contains(code.as_str()),
            "acknowledged order {code} is missing"
        );
    }
    assert!(
        stored.iter().all(|(_, n)| *n == 5),
        "an order is half-written"
    );
    // One snapshot for all three: a write the kill cut off may still commit now (an order
    // written in one statement commits as it ends, whether or not its gateway is there to hear
    // it), and two readings apart could see it once and miss it once.
    let (reserved, mismatches, open): (i64, i64, i64) = sqlx::query_as(
        r#"SELECT (SELECT COALESCE(SUM(reserved), 0)::int8 FROM inventory_balances),
                  (SELECT count(*) FROM inventory_balances b
                     LEFT JOIN (SELECT balance_id, SUM(on_hand_delta) oh, SUM(reserved_delta) rs FROM inventory_movements GROUP BY balance_id) m
                       ON m.balance_id = b.id
                    WHERE b.on_hand <> COALESCE(m.oh, 0) OR b.reserved <> COALESCE(m.rs, 0)),
                  (SELECT count(*) FROM orders WHERE tenant = 'K1' AND status = 'CREATED')"#,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    // And order by order: each open one holds its five units, no more, no less.
    let unbalanced: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orders o WHERE o.tenant = 'K1' AND o.status = 'CREATED'
            AND (SELECT COALESCE(SUM(r.qty), 0) FROM reservations r JOIN order_lines l ON l.id = r.order_line_id
                  WHERE l.order_id = o.id) <> 5",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        unbalanced, 0,
        "an open order holds other than its reservation"
    );
    assert_eq!(
        reserved,
        5 * open,
        "every open order holds exactly its reservation, shipped ones none"
    );
    assert_eq!(mismatches, 0, "the ledger rebuilds every balance");
    // The restarted gateway answers for them.
    let sample = &acknowledged[0];
    let r: Value = http
        .post(format!("http://{addr2}/dtc/logistics/outOrderResult"))
        .body(signed(
            secret,
            &serde_json::json!({"orderCodes": [sample]}).to_string(),
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["value"]["orders"][0]["orderCode"], sample.as_str());

    // Every acknowledged shipment is SHIPPED and its push reaches the customer (once or, for a
    // delivery cut off by the kill, again with the same eventId), correctly signed.
    let shipped_now: std::collections::HashSet<String> = sqlx::query_scalar(
        "SELECT order_code FROM orders WHERE tenant = 'K1' AND status = 'SHIPPED'",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    for code in &shipped {
        assert!(
            shipped_now.contains(code),
            "acknowledged shipment of {code} lost"
        );
    }
    // Pushes the kill cut off are claimed again once their lease ran out: wait for the outbox
    // to drain as well.
    let mut waited = 0;
    // A FINAL shipment pushes two events (outOrderStatusConfirm and outOrderConfirm): each
    // must arrive, so they are counted per order and event type.
    let (missing, undelivered) = loop {
        let pushed: std::collections::HashSet<(String, String)> = receiver
            .delivered()
            .iter()
            .filter_map(|p| {
                Some((
                    p["orderCode"].as_str()?.to_string(),
                    p["eventType"].as_str()?.to_string(),
                ))
            })
            .collect();
        let missing = shipped_now
            .iter()
            .flat_map(|c| {
                ["outOrderStatusConfirm", "outOrderConfirm"].map(|t| (c.clone(), t.to_string()))
            })
            .filter(|k| !pushed.contains(k))
            .count();
        let undelivered: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM push_outbox WHERE tenant = 'K1' AND status <> 'delivered'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if (missing == 0 && undelivered == 0) || waited >= 600 {
            break (missing, undelivered);
        }
        waited += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(missing, 0, "shipment events that never arrived");
    assert_eq!(undelivered, 0, "pushes left undelivered");
    assert_eq!(receiver.bad_signatures(), 0);
    second.kill().await.unwrap();
}

#[sqlx::test]
async fn push_replay_queues_a_dead_push_again_with_its_event_id(pool: PgPool) {
    let db = db_url(&pool);
    json_of(gateway(&db).args([
        "client",
        "add",
        "--kind",
        "customer",
        "--create-by",
        "K1",
        "--data-source",
        "ERP",
    ]))
    .await;
    let (id, event_id): (i64, uuid::Uuid) = sqlx::query_as(
        r#"INSERT INTO push_outbox (event_id, client_id, tenant, event_type, payload, status, attempts, last_error)
           SELECT gen_random_uuid(), id, 'K1', 'legacy',
                  '{"event":"legacy","eventType":"inventoryAdjust","payload":{}}', 'dead', 7, 'HTTP 500' FROM clients
           RETURNING id, event_id"#,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let dead = json_of(gateway(&db).args(["push", "list", "--status", "dead"])).await;
    assert_eq!(dead[0]["id"], id);
    let v = json_of(gateway(&db).args(["push", "replay", &id.to_string()])).await;
    assert_eq!(v["status"], "pending");
    assert_eq!(v["attempts"], 0);
    assert_eq!(v["eventId"], event_id.to_string());
    let (ok, _, err) = run(gateway(&db).args(["push", "replay", "999999"])).await;
    assert!(!ok && err.contains("no push 999999"), "{err}");
}

/// A receiver that answers 200 and then streams without end; returns its URL and the bytes
/// it managed to send.
async fn endless_receiver() -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/callback?token=receiver-credential",
        listener.local_addr().unwrap()
    );
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = sock.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{\"flag\":true,\"message\":\"";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 256 * 1024];
                let started = std::time::Instant::now();
                while started.elapsed() < Duration::from_secs(20) {
                    match sock.write_all(&chunk).await {
                        Ok(()) => {
                            counter.fetch_add(
                                chunk.len() as u64,
                                std::sync::atomic::Ordering::Relaxed,
                            );
                        }
                        Err(_) => return,
                    }
                }
            });
        }
    });
    (url, sent)
}

/// Peak resident memory of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[sqlx::test]
async fn a_receiver_that_streams_without_end_costs_bounded_memory(pool: PgPool) {
    let db = db_url(&pool);
    let (url, sent) = endless_receiver().await;
    let added = json_of(gateway(&db).args([
        "client",
        "add",
        "--kind",
        "customer",
        "--create-by",
        "E1",
        "--data-source",
        "ERP",
        "--secret",
        "endless-secret",
        "--callback-url",
        &url,
    ]))
    .await;
    let event_id = one_push(&pool, &added, "E1").await;
    // Each attempt may run for 5 s; unbounded, that is gigabytes at loopback speed.
    let (mut server, _addr) = serve_at_with(
        &db,
        &[
            ("HXGW__PUSH__TIMEOUT_MS", "5000"),
            ("HXGW__PUSH__LEASE_SECS", "20"),
        ],
    )
    .await;
    let pid = server.id().unwrap();
    let mut attempt = None;
    for _ in 0..200 {
        attempt = sqlx::query_as::<_, (bool, bool, Option<String>, Option<String>)>(
            "SELECT a.response_cut, a.success, a.error, a.response FROM push_attempts a
               JOIN push_outbox o ON o.id = a.push_id WHERE o.event_id = $1 ORDER BY a.id LIMIT 1",
        )
        .bind(event_id)
        .fetch_optional(&pool)
        .await
        .unwrap();
        if attempt.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (cut, success, error, response) = attempt.expect("an attempt was recorded");
    let peak = peak_rss_kib(pid);
    let _ = server.kill().await;
    let streamed = sent.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("peak RSS {peak} KiB; the receiver got {streamed} bytes out");
    assert!(
        peak < 80 * 1024,
        "peak RSS {peak} KiB while the receiver streamed {streamed} bytes"
    );
    assert!(cut, "the answer was cut at push.max_answer_bytes");
    assert!(!success, "an answer cut short is no acceptance");
    let error = error.unwrap_or_default();
    assert!(error.contains("did not accept"), "{error}");
    assert!(!error.contains("receiver-credential"), "{error}");
    assert!(response.unwrap().starts_with("{\"flag\":true"));
}

#[sqlx::test]
async fn tms_passwords_come_from_a_file_or_stdin_and_change_and_revoke_end_the_tokens(
    pool: PgPool,
) {
    use tokio::io::AsyncWriteExt;
    let db = db_url(&pool);
    // The password from stdin: nothing in the process list.
    let mut child = gateway(&db)
        .args([
            "client",
            "add",
            "--kind",
            "customer",
            "--create-by",
            "S1",
            "--data-source",
            "TMS",
            "--dialect",
            "tms",
            "--user-name",
            "shipper",
            "--password-file",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"first-password\n")
        .await
        .unwrap();
    assert!(child.wait_with_output().await.unwrap().status.success());
    let (_server, addr) = serve_at(&db).await;
    let http = reqwest::Client::new();
    let sign_in = |password: &'static str| {
        let (http, addr) = (http.clone(), addr.clone());
        async move {
            let r = http
                .post(format!("http://{addr}/user/generate_access_token/v2"))
                .json(&json!({"userName": "shipper", "password": password}))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let uses = |token: String| {
        let (http, addr) = (http.clone(), addr.clone());
        async move {
            http.post(format!(
                "http://{addr}/organization/list?access_token={token}"
            ))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
        }
    };
    let (status, first) = sign_in("first-password").await;
    assert_eq!(status, 200, "{first}");
    let token = first["data"]["accessToken"].as_str().unwrap().to_string();
    assert_eq!(uses(token.clone()).await, 200);

    // Revoked: the token stops at once; signing in again gives a new pair.
    let (ok, _, err) = run(gateway(&db).args([
        "client",
        "revoke-tokens",
        "--create-by",
        "S1",
        "--data-source",
        "TMS",
    ]))
    .await;
    assert!(ok && err.contains("tokens revoked"), "{err}");
    assert_eq!(uses(token.clone()).await, 401);
    let (_, second) = sign_in("first-password").await;
    let token2 = second["data"]["accessToken"].as_str().unwrap().to_string();
    assert_ne!(token2, token, "never the revoked pair again");
    assert_eq!(uses(token2.clone()).await, 200);

    // A new password from a file: the old one and the old token stop working.
    let file = temp_file("new-password", "second-password\nignored\n");
    let (ok, _, err) = run(gateway(&db).args([
        "client",
        "set-password",
        "--create-by",
        "S1",
        "--data-source",
        "TMS",
        "--password-file",
        file.to_str().unwrap(),
    ]))
    .await;
    assert!(ok, "{err}");
    assert_eq!(uses(token2).await, 401);
    assert_eq!(sign_in("first-password").await.0, 400);
    assert_eq!(sign_in("second-password").await.0, 200);
    // Only 3TMS accounts have passwords.
    run(gateway(&db).args([
        "client",
        "add",
        "--kind",
        "customer",
        "--create-by",
        "S1",
        "--data-source",
        "ERP",
    ]))
    .await;
    let (ok, _, err) = run(gateway(&db).args([
        "client",
        "revoke-tokens",
        "--create-by",
        "S1",
        "--data-source",
        "ERP",
    ]))
    .await;
    assert!(!ok && err.contains("no 3TMS account"), "{err}");
}
