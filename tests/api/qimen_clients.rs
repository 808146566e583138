//! The Qimen dialect driven by real client libraries, with live clocks: py-taobao-open 1.0.3
//! (PyPI; POST /router/rest, epoch-millisecond timestamps, empty values signed) and
//! node-taobao-topclient 0.1.7 (npm; every parameter in the form body, or in the query on
//! GET; the local wall clock, here Asia/Shanghai). `scripts/qimen-clients` installs them (the
//! README's test command runs it); these tests fail, never skip, when they are missing.

use crate::helpers::*;
use crate::orders::{customer_with_base_data, stock};
use crate::qimen_support::*;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::path::PathBuf;
use std::process::Command;

fn clients_dir() -> PathBuf {
    let dir = std::env::var("HXGW_QIMEN_CLIENTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".data/qimen-clients"));
    assert!(
        dir.join("venv/bin/python").exists() && dir.join("node/node_modules/node-taobao-topclient").exists(),
        "the Qimen client libraries are not installed in {}: run scripts/qimen-clients (scripts/test does)",
        dir.display()
    );
    dir
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(name)
}

/// Runs a client with `plan` and returns one answer per call.
async fn run_client(mut cmd: Command, plan: Value, calls: usize) -> Vec<Value> {
    cmd.arg(plan.to_string());
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "client failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), calls, "{stdout}");
    answers
}

async fn python(app: &TestApp, erp: &QimenErp, calls: Value) -> Vec<Value> {
    let dir = clients_dir();
    let addr: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let n = calls.as_array().unwrap().len();
    let mut cmd = Command::new(dir.join("venv/bin/python"));
    cmd.arg(script("qimen_py.py"));
    let plan = json!({"host": addr.ip().to_string(), "port": addr.port(),
                      "app_key": erp.app_key, "secret": erp.secret, "calls": calls});
    run_client(cmd, plan, n).await
}

async fn node(app: &TestApp, erp: &QimenErp, calls: Value) -> Vec<Value> {
    let dir = clients_dir();
    let n = calls.as_array().unwrap().len();
    let mut cmd = Command::new("node");
    cmd.arg(script("qimen_node.js"))
        .env("NODE_PATH", dir.join("node/node_modules"))
        .env("TZ", "Asia/Shanghai");
    let plan = json!({"rest_url": format!("{}{TOP}", app.base),
                      "app_key": erp.app_key, "secret": erp.secret, "calls": calls});
    run_client(cmd, plan, n).await
}

/// The calls both clients make: a product, an inbound order (JSON text in form parameters),
/// its query, stock, a cancel, and an unknown method.
fn calls(prefix: &str, http: &str) -> Value {
    let code = format!("{prefix}-IN-1");
    json!([
        {"http": http, "method": "taobao.qimen.singleitem.synchronize", "params": {
            "actionType": "add", "warehouseCode": "WH01", "ownerCode": "OW01",
            "item": {"itemCode": format!("{prefix}-SKU"), "itemName": "茶杯 & 碟", "barCode": "6901234567890", "isSNMgmt": "N"}}},
        {"http": http, "method": "taobao.qimen.entryorder.create", "params": {
            "entryOrder": {"entryOrderCode": code, "orderType": "CGRK", "warehouseCode": "WH01",
                           "ownerCode": "OW01", "remark": "上海 仓+1&2"},
            "orderLines": [{"orderLineNo": "1", "itemCode": format!("{prefix}-SKU"), "planQty": "3", "inventoryType": "ZP"}]}},
        {"http": http, "method": "taobao.qimen.entryorder.query", "params": {"entryOrderCode": code}},
        {"http": http, "method": "qimen.inventory.query", "params": {
            "criteriaList": [{"warehouseCode": "WH01", "ownerCode": "OW01", "itemCode": "SKU-1"}], "remark": ""}},
        {"http": http, "method": "taobao.qimen.order.cancel", "params": {
            "warehouseCode": "WH01", "orderCode": code, "orderType": "CGRK", "cancelReason": "客户取消"}},
        {"http": http, "method": "taobao.qimen.entryorder.teleport", "params": {}}
    ])
}

/// What the answers must be, whichever client made the calls; `ok` is the unwrapped answer
/// (node) or the whole TOP answer (python).
fn check(prefix: &str, answers: &[Value], unwrap: impl Fn(&Value, &str) -> Value) {
    let ok = |i: usize, name: &str| {
        let a = answers[i]
            .get("ok")
            .unwrap_or_else(|| panic!("call {i} failed: {:#}", answers[i]));
        let body = unwrap(a, name);
        assert_eq!(body["flag"], "success", "call {i}: {body:#}");
        body
    };
    let item = ok(0, "qimen_singleitem_synchronize_response");
    assert_eq!(item["itemId"], format!("{prefix}-SKU"));
    let created = ok(1, "qimen_entryorder_create_response");
    let id = created["entryOrderId"].as_str().unwrap().to_string();
    assert!(id.starts_with("HX"));
    let q = ok(2, "qimen_entryorder_query_response");
    assert_eq!(q["entryOrder"]["entryOrderId"], id.as_str());
    assert_eq!(q["entryOrder"]["status"], "NEW");
    assert_eq!(q["orderLines"]["orderLine"][0]["planQty"], "3");
    let stock = ok(3, "qimen_inventory_query_response");
    assert_eq!(stock["items"]["item"][0]["quantity"], "5");
    ok(4, "qimen_order_cancel_response");
    // Refused before any method ran: TOP's error_response, raised by the client as its error.
    let e = &answers[5]["error"];
    assert_eq!(e["code"], 2003, "{:#}", answers[5]);
    assert_eq!(e["sub_code"], "2003");
}

async fn setup(app: &TestApp, app_key: &str) -> QimenErp {
    let who = customer_with_base_data(app, "C001").await;
    stock(app, &who, "OW01", "SKU-1", "", None, 5).await;
    qimen_identity(app, "C001", app_key, &format!("{app_key}-C"), None).await
}

async fn remark_of(app: &TestApp, code: &str) -> (String, String) {
    sqlx::query_as(
        "SELECT request->>'remark', status FROM orders WHERE tenant = 'C001' AND order_code = $1",
    )
    .bind(code)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn py_taobao_open_drives_the_top_router(pool: PgPool) {
    let app = spawn_app(pool).await;
    let erp = setup(&app, "PYERP").await;
    let answers = python(&app, &erp, calls("PY", "POST")).await;
    check("PY", &answers, |a, name| a[name].clone());
    assert_eq!(
        remark_of(&app, "PY-IN-1").await,
        ("上海 仓+1&2".into(), "CANCELLED".into())
    );
    // A wrong secret: the SDK raises TopException with our code.
    let forger = QimenErp {
        secret: "guess".into(),
        ..erp.clone()
    };
    let answers = python(
        &app,
        &forger,
        json!([{"method": "taobao.qimen.inventory.query", "params": {}}]),
    )
    .await;
    assert_eq!(answers[0]["error"]["code"], 1003, "{:#}", answers[0]);
    assert_eq!(answers[0]["error"]["sub_code"], "1003");
}

#[sqlx::test]
async fn node_taobao_topclient_drives_the_top_router_by_post_and_get(pool: PgPool) {
    let app = spawn_app(pool).await;
    let erp = setup(&app, "NODEERP").await;
    let answers = node(&app, &erp, calls("NP", "POST")).await;
    check("NP", &answers, |a, _| a.clone());
    assert_eq!(
        remark_of(&app, "NP-IN-1").await,
        ("上海 仓+1&2".into(), "CANCELLED".into())
    );
    let answers = node(&app, &erp, calls("NG", "GET")).await;
    check("NG", &answers, |a, _| a.clone());
    assert_eq!(
        remark_of(&app, "NG-IN-1").await,
        ("上海 仓+1&2".into(), "CANCELLED".into())
    );
    let forger = QimenErp {
        secret: "guess".into(),
        ..erp.clone()
    };
    let answers = node(
        &app,
        &forger,
        json!([{"method": "taobao.qimen.inventory.query", "params": {}}]),
    )
    .await;
    assert_eq!(answers[0]["error"]["code"], 1003, "{:#}", answers[0]);
}
