//! The OMS dialect (seed 001) end to end: the worked signature vector accepted as sent,
//! transfer-ins received through the ops API and found by completion time (and in the 鸿讯
//! inbound result), warehouses from 库存组织同步 edited in the ops API, every error code that
//! can arise, signatures used once, parameters in the query, a form or a JSON body, and
//! tenant isolation.

use crate::helpers::*;
use hongxun_gateway::dialect::oms::sign;
use hongxun_gateway::domain::client::{ClientKind, Dialect};
use hongxun_gateway::service::admin::{self, NewClientInput};
use hongxun_gateway::state::Clock;
use hongxun_gateway::store::clients::ClientChange;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::BTreeMap;

pub const OPENAPI: &str = "/openapi";
pub const WAREHOUSE: &str = "/openapi/warehouse";

#[derive(Clone)]
pub struct Oms {
    pub app_key: String,
    pub secret: String,
}

pub async fn oms_identity(app: &TestApp, tenant: &str, app_key: &str, secret: &str) -> Oms {
    admin::add_client(
        &app.pool,
        &master_key(),
        NewClientInput {
            kind: ClientKind::Customer,
            create_by: tenant.into(),
            data_source: format!("OMS-{app_key}"),
            secret: Some(secret.into()),
            dialect: Dialect::Oms,
            app_key: Some(app_key.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    Oms {
        app_key: app_key.into(),
        secret: secret.into(),
    }
}

pub type Params = BTreeMap<String, Value>;

/// Part 1 system parameters at the app's time, plus `extra`, signed.
pub fn part1(app: &TestApp, c: &Oms, method: &str, extra: Value) -> Params {
    let ts = app
        .now()
        .with_timezone(&hongxun_gateway::domain::time::china())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let mut p: Params = serde_json::from_value(json!({
        "method": method, "app_key": c.app_key, "timestamp": ts, "format": "json", "v": "1.0"
    }))
    .unwrap();
    p.extend(serde_json::from_value::<Params>(extra).unwrap());
    signed(c, p)
}

/// Part 2 system parameters at the app's time, plus `extra`, signed.
pub fn part2(app: &TestApp, c: &Oms, method: &str, extra: Value) -> Params {
    let ts = app
        .now()
        .with_timezone(&hongxun_gateway::domain::time::china())
        .format("%Y%m%d%H%M%S")
        .to_string();
    let mut p: Params = serde_json::from_value(json!({
        "flag": c.app_key, "method": method, "ver": "1", "charset": "utf-8", "type": "json",
        "timestamp": ts
    }))
    .unwrap();
    p.extend(serde_json::from_value::<Params>(extra).unwrap());
    signed(c, p)
}

pub fn signed(c: &Oms, mut p: Params) -> Params {
    p.remove("sign");
    let s = sign::sign(&sign::assemble(&p), &c.secret);
    p.insert("sign".into(), Value::String(s));
    p
}

fn form(p: &Params) -> String {
    let mut f = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in p {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        f.append_pair(k, &text);
    }
    f.finish()
}

#[derive(Clone, Copy)]
pub enum Via {
    Form,
    Json,
    Query,
    Get,
}

pub async fn send(app: &TestApp, path: &str, p: &Params, via: Via) -> Reply {
    let url = format!("{}{path}", app.base);
    let req = match via {
        Via::Form => app
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(p)),
        Via::Json => app
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(serde_json::to_string(p).unwrap()),
        Via::Query => app.http.post(format!("{url}?{}", form(p))),
        Via::Get => app.http.get(format!("{url}?{}", form(p))),
    };
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body: Value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("reply is not JSON ({status}): {text}"));
    // {code, message, data}; part 2 also has data's members at the root, as its examples show.
    let root = body.as_object().unwrap();
    for k in ["code", "data", "message"] {
        assert!(root.contains_key(k), "{k} missing: {body}");
    }
    for (k, v) in root {
        if !["code", "data", "message"].contains(&k.as_str()) {
            assert!(path == WAREHOUSE, "only part 2 has more: {body}");
            assert_eq!(&body["data"][k], v, "{k}: {body}");
        }
    }
    Reply {
        status,
        body,
        headers,
    }
}

/// A customer with warehouse WH01 (one owner), WH02 (two owners) and products with barcodes.
pub async fn customer(app: &TestApp, tenant: &str) -> Identity {
    let who = app.identity(ClientKind::Customer, tenant, "ERP01").await;
    for (wh, owner) in [("WH01", "OW01"), ("WH02", "OW01"), ("WH02", "OW02")] {
        app.call(ORG_PATH, &who, &org_request(wh, owner))
            .await
            .expect(200, 200);
    }
    let products = json!({"products": [
        {"itemCode": "SKU-1", "itemName": "杯子", "barCode": "test1"},
        {"itemCode": "SKU-2", "itemName": "盘子", "barCode": "6901234567890"},
        {"itemCode": "SKU-3", "itemName": "碗"},
        {"itemCode": "SKU-4", "itemName": "碟", "barCode": "SHARED"},
        {"itemCode": "SKU-5", "itemName": "勺", "barCode": "SHARED"}
    ]});
    app.call(PRODUCT_PATH, &who, &products.to_string())
        .await
        .expect(200, 200);
    who
}

pub fn transfer(iso: &str, items: &str) -> Value {
    json!({"name": "转仓入库单001", "extrabranch_name": "外部仓A", "branch_bn": "WH01",
           "t_type": "DC", "original_iso_bn": iso, "vendor": "供应商甲", "delivery_cost": "12.5",
           "memo": "备注", "operator": "李四", "items": items})
}

// ------------------------------------------------------------------ the vector

/// The issue's worked example, sent exactly (its timestamp, its sign) to a gateway whose
/// clock reads that time: accepted, and the order carries what was sent.
#[sqlx::test(migrations = "./migrations")]
async fn the_worked_vector_is_accepted_as_sent(pool: PgPool) {
    let at = hongxun_gateway::auth::timestamp::parse("2026-11-22 13:23:30")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let app = spawn_app_with(pool, Clock::Fixed(at), |_| {}).await;
    customer(&app, "CUST1").await;
    oms_identity(&app, "CUST1", "ERP01", "s3cr3t").await;
    let p: Params = serde_json::from_value(json!({
        "app_key": "ERP01", "method": "warehouse.add", "timestamp": "2026-11-22 13:23:30",
        "format": "json", "v": "1.0", "name": "转仓入库单001", "extrabranch_name": "外部仓A",
        "branch_bn": "WH01", "t_type": "DC", "original_iso_bn": "T-0001",
        "items": "[{\"bn\":\"test1\",\"name\":\"测试1\",\"price\":10,\"nums\":1}]",
        "sign": "A41865E6D233E43C8E061A89D7DB5DA1"
    }))
    .unwrap();
    let r = send(&app, OPENAPI, &p, Via::Form).await;
    r.expect(0, 200);
    assert_eq!(r.body["message"], "success");
    assert_eq!(r.body["data"]["name"], "转仓入库单001");
    let hx = r.body["data"]["warehouse_bn"].as_str().unwrap();
    assert!(hx.starts_with("HXI"), "{hx}");
    let (kind, ty, code, owner): (String, String, String, String) = sqlx::query_as(
        "SELECT kind, order_type, order_code, subbase_code FROM orders WHERE hx_order_no = $1",
    )
    .bind(hx)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (kind.as_str(), ty.as_str(), code.as_str(), owner.as_str()),
        ("IN", "DBRK", "T-0001", "OW01")
    );
    let item: String = sqlx::query_scalar(
        "SELECT l.item_code FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.hx_order_no = $1",
    )
    .bind(hx)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(item, "SKU-1", "bn test1 is SKU-1's barcode");
    // One second later the same request is a replay.
    let again = send(&app, OPENAPI, &p, Via::Form).await;
    again.expect(1003, 200);
    assert!(again.message().contains(hx), "{}", again.message());
}

// ------------------------------------------------------------ the transfer flow

/// warehouse.add (JSON body with items as an array, and as the seed's string) → received in
/// the ops API → warehouse.getList by completion time → the 鸿讯 inbound result.
#[sqlx::test(migrations = "./migrations")]
async fn a_transfer_is_received_and_found_by_completion_time(pool: PgPool) {
    let app = spawn_app(pool).await;
    let hongxun = customer(&app, "CUST1").await;
    let oms = oms_identity(&app, "CUST1", "ERP01", "s3cr3t").await;
    let token = app.ops_token("ops").await;

    let items = r#"[{"bn":"test1","name":"测试1","price":10,"nums":4},{"bn":"SKU-3","name":"碗","price":"2.50","nums":2}]"#;
    let before = app.now();
    let r = send(
        &app,
        OPENAPI,
        &part1(&app, &oms, "warehouse.add", transfer("T-0001", items)),
        Via::Form,
    )
    .await;
    r.expect(0, 200);
    let hx = r.body["data"]["warehouse_bn"].as_str().unwrap().to_string();
    // The same transfer as a JSON body with `items` as an array: the same order.
    let mut as_json = transfer("T-0001", "");
    as_json["items"] = serde_json::from_str(items).unwrap();
    let r = send(
        &app,
        OPENAPI,
        &part1(&app, &oms, "warehouse.add", as_json),
        Via::Json,
    )
    .await;
    r.expect(0, 200);
    assert_eq!(r.body["data"]["warehouse_bn"], hx.as_str());
    // Other content under the same original_iso_bn: refused, nothing changed.
    let other = r#"[{"bn":"test1","name":"测试1","price":10,"nums":5}]"#;
    let r = send(
        &app,
        OPENAPI,
        &part1(&app, &oms, "warehouse.add", transfer("T-0001", other)),
        Via::Form,
    )
    .await;
    r.expect(1, 200);
    assert!(r.message().contains("T-0001"), "{}", r.message());
    assert_eq!(app.count("SELECT count(*) FROM orders").await, 1);

    // Not completed yet: not listed.
    let window = |from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc>| {
        json!({"start_time": hongxun_gateway::domain::time::format(from),
               "end_time": hongxun_gateway::domain::time::format(to),
               "page_no": 1, "page_size": 50})
    };
    let later = before + chrono::TimeDelta::hours(1);
    let list = send(
        &app,
        OPENAPI,
        &part1(&app, &oms, "warehouse.getList", window(before, later)),
        Via::Get,
    )
    .await;
    list.expect(0, 200);
    assert_eq!(list.body["data"], json!({"total": 0, "items": []}));

    // The warehouse receives 4 + 1 (of 2): FINAL completes it.
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx}/receipts"),
        json!({"confirmType": "FINAL", "lines": [
            {"lineNo": "1", "actualQty": 4}, {"lineNo": "2", "actualQty": 1}]}),
    )
    .await
    .expect(200, 200);
    // (Another end time: the same parameters in the same second would be the same sign.)
    let later = later + chrono::TimeDelta::seconds(1);
    let list = send(
        &app,
        OPENAPI,
        &part1(&app, &oms, "warehouse.getList", window(before, later)),
        Via::Form,
    )
    .await;
    list.expect(0, 200);
    let data = &list.body["data"];
    assert_eq!(data["total"], 1, "{data}");
    let t = &data["items"][0];
    assert_eq!(t["warehouse_bn"], hx.as_str());
    assert_eq!(t["name"], "转仓入库单001");
    assert_eq!(t["type"], "DC");
    assert_eq!(t["branch_bn"], "WH01");
    assert_eq!(t["original_iso_bn"], "T-0001");
    assert!(hongxun_gateway::domain::time::parse(t["created_time"].as_str().unwrap()).is_ok());
    assert_eq!(
        t["items"],
        json!([{"bn": "test1", "name": "测试1", "price": 10, "nums": 4},
               {"bn": "SKU-3", "name": "碗", "price": 2.5, "nums": 1}])
    );
    // A window that ends before the completion: nothing.
    let r = send(
        &app,
        OPENAPI,
        &part1(
            &app,
            &oms,
            "warehouse.getList",
            window(
                before - chrono::TimeDelta::hours(2),
                before - chrono::TimeDelta::hours(1),
            ),
        ),
        Via::Query,
    )
    .await;
    assert_eq!(r.body["data"]["total"], 0);

    // The same order in the 鸿讯 inbound result of the same customer.
    let res = app
        .call(
            "/dtc/logistics/inOrderResult",
            &hongxun,
            r#"{"orderCodes":["T-0001"]}"#,
        )
        .await;
    res.expect(200, 200);
    let o = &res.body["value"]["orders"][0];
    assert_eq!(o["hxOrderNo"], hx.as_str());
    assert_eq!(o["orderType"], "DBRK");
    assert_eq!(o["status"], "RECEIVED");
    assert_eq!(o["transfer"]["sourceWarehouseName"], "外部仓A");
    assert_eq!(o["transfer"]["deliveryCost"], "12.5");
    assert_eq!(o["transfer"]["operator"], "李四");
    assert_eq!(o["lines"][0]["actualQty"], 4);
}

/// Without original_iso_bn every signed request is its own transfer; paging works.
#[sqlx::test(migrations = "./migrations")]
async fn transfers_page_by_completion_time(pool: PgPool) {
    let app = spawn_app(pool).await;
    customer(&app, "CUST1").await;
    let oms = oms_identity(&app, "CUST1", "ERP01", "s3cr3t").await;
    let token = app.ops_token("ops").await;
    let before = app.now();
    let mut hxs = Vec::new();
    for i in 0..3 {
        let mut t = transfer(
            "",
            &format!(r#"[{{"bn":"6901234567890","nums":{}}}]"#, i + 1),
        );
        t.as_object_mut().unwrap().remove("original_iso_bn");
        let r = send(
            &app,
            OPENAPI,
            &part1(&app, &oms, "warehouse.add", t),
            Via::Form,
        )
        .await;
        r.expect(0, 200);
        let hx = r.body["data"]["warehouse_bn"].as_str().unwrap().to_string();
        app.ops(
            Some(&token),
            "POST",
            &format!("/ops/v1/orders/{hx}/receipts"),
            json!({"confirmType": "FINAL", "lines": [{"lineNo": "1", "actualQty": i + 1}]}),
        )
        .await
        .expect(200, 200);
        hxs.push(hx);
    }
    let page = |no: i64| {
        json!({"start_time": hongxun_gateway::domain::time::format(before),
               "end_time": hongxun_gateway::domain::time::format(before + chrono::TimeDelta::hours(1)),
               "page_no": no, "page_size": 2})
    };
    let first = send(
        &app,
        OPENAPI,
        &part1(&app, &oms, "warehouse.getList", page(1)),
        Via::Form,
    )
    .await;
    let second = send(
        &app,
        OPENAPI,
        &part1(&app, &oms, "warehouse.getList", page(2)),
        Via::Form,
    )
    .await;
    assert_eq!(first.body["data"]["total"], 3);
    let got: Vec<&str> = first.body["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second.body["data"]["items"].as_array().unwrap())
        .map(|t| t["warehouse_bn"].as_str().unwrap())
        .collect();
    assert_eq!(got, hxs, "in completion order, across pages");
    assert_eq!(second.body["data"]["items"][0]["items"][0]["nums"], 3);
}

// ------------------------------------------------------------------ warehouses

#[sqlx::test(migrations = "./migrations")]
async fn warehouses_come_from_the_sync_and_the_ops_api(pool: PgPool) {
    let app = spawn_app(pool).await;
    customer(&app, "CUST1").await;
    let oms = oms_identity(&app, "CUST1", "ERP01", "s3cr3t").await;
    let token = app.ops_token("ops").await;

    let list = send(
        &app,
        WAREHOUSE,
        &part2(
            &app,
            &oms,
            "warehouse.getList",
            json!({"page_no": 1, "page_size": 50}),
        ),
        Via::Form,
    )
    .await;
    list.expect(0, 200);
    let data = &list.body["data"];
    assert_eq!(
        data["count"], 2,
        "WH02 has two owners but is one warehouse: {data}"
    );
    let wh1 = &data["lists"][0];
    assert_eq!(wh1["branch_bn"], "WH01");
    assert_eq!(wh1["branch_name"], "上海浦东仓");
    assert_eq!(
        (wh1["status"].as_str(), wh1["status_text"].as_str()),
        (Some("1"), Some("启用"))
    );
    let id = wh1["branch_id"].as_str().unwrap().to_string();

    // The warehouse's people complete the record.
    let r = app
        .ops(
            Some(&token),
            "PUT",
            "/ops/v1/customers/CUST1/warehouses/WH01",
            json!({"shortName": "浦东仓", "province": "上海市", "city": "上海市", "district": "浦东新区",
                   "zip": "200120", "country": "中国"}),
        )
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["contactPerson"], "张三");
    let d = send(
        &app,
        WAREHOUSE,
        &part2(
            &app,
            &oms,
            "warehouse.getDetail",
            json!({"branch_bn": "WH01"}),
        ),
        Via::Json,
    )
    .await;
    d.expect(0, 200);
    let w = &d.body["data"];
    for (k, v) in [
        ("branch_id", id.as_str()),
        ("branch_bn", "WH01"),
        ("branch_name", "上海浦东仓"),
        ("short_name", "浦东仓"),
        ("contact_person", "张三"),
        ("contact_phone", "13800138000"),
        ("country", "中国"),
        ("province", "上海市"),
        ("city", "上海市"),
        ("district", "浦东新区"),
        ("address", "张杨路500号"),
        ("zip", "200120"),
        ("status", "1"),
        ("status_text", "启用"),
    ] {
        assert_eq!(w[k], v, "{k}: {w}");
    }
    assert!(hongxun_gateway::domain::time::parse(w["update_time"].as_str().unwrap()).is_ok());
    // By id, as GET.
    let d = send(
        &app,
        WAREHOUSE,
        &part2(&app, &oms, "warehouse.getDetail", json!({"branch_id": id})),
        Via::Get,
    )
    .await;
    assert_eq!(d.body["data"]["branch_bn"], "WH01");

    // Disabled: filtered by status; a new sync does not undo the edit.
    app.ops(
        Some(&token),
        "PUT",
        "/ops/v1/customers/CUST1/warehouses/WH02",
        json!({"status": "DISABLED"}),
    )
    .await
    .expect(200, 200);
    let who = app.identity(ClientKind::Customer, "CUST1", "ERP02").await;
    app.call(ORG_PATH, &who, &org_request("WH02", "OW01"))
        .await
        .expect(200, 200);
    let r = send(
        &app,
        WAREHOUSE,
        &part2(
            &app,
            &oms,
            "warehouse.getList",
            json!({"status": "2", "page_no": 1, "page_size": 10}),
        ),
        Via::Form,
    )
    .await;
    assert_eq!(r.body["data"]["count"], 1);
    assert_eq!(r.body["data"]["lists"][0]["branch_bn"], "WH02");
    assert_eq!(r.body["data"]["lists"][0]["status_text"], "禁用");
    // By part of the name, by code, by creation day; page size clamped to 100.
    let today = hongxun_gateway::domain::time::format(app.now())[..10].to_string();
    for (filter, count) in [
        (json!({"branch_name": "浦东"}), 2),
        (json!({"branch_name": "北京"}), 0),
        (json!({"branch_bn": "WH02"}), 1),
        (json!({"start_time": today, "end_time": today}), 2),
        (json!({"end_time": "2020-01-01"}), 0),
        (json!({"page_size": 1000}), 2),
    ] {
        let mut f = filter.clone();
        f["page_no"] = json!(1);
        if f.get("page_size").is_none() {
            f["page_size"] = json!(50);
        }
        let r = send(
            &app,
            WAREHOUSE,
            &part2(&app, &oms, "warehouse.getList", f),
            Via::Form,
        )
        .await;
        r.expect(0, 200);
        assert_eq!(r.body["data"]["count"], count, "{filter}");
    }
    // A warehouse the ops API adds (with a name) is listed; without a name it is refused.
    app.ops(
        Some(&token),
        "PUT",
        "/ops/v1/customers/CUST1/warehouses/WH09",
        json!({"zip": "1"}),
    )
    .await
    .expect(2001, 400);
    app.ops(
        Some(&token),
        "PUT",
        "/ops/v1/customers/CUST1/warehouses/WH09",
        json!({"name": "北京仓"}),
    )
    .await
    .expect(200, 200);
    let all = app
        .ops(
            Some(&token),
            "GET",
            "/ops/v1/customers/CUST1/warehouses",
            json!({}),
        )
        .await;
    assert_eq!(all.body["value"]["total"], 3);
    // Unknown warehouse: code 2.
    let r = send(
        &app,
        WAREHOUSE,
        &part2(
            &app,
            &oms,
            "warehouse.getDetail",
            json!({"branch_bn": "NOPE"}),
        ),
        Via::Form,
    )
    .await;
    r.expect(2, 200);
    assert_eq!(r.body["data"], Value::Null);
}

// ------------------------------------------------------------------ errors

/// Every code that can arise, in the seed's `{code, message, data}`, with the field named.
#[sqlx::test(migrations = "./migrations")]
async fn every_error_code_that_can_arise(pool: PgPool) {
    let app = spawn_app(pool).await;
    customer(&app, "CUST1").await;
    let oms = oms_identity(&app, "CUST1", "ERP01", "s3cr3t").await;
    let add = |extra: Value| part1(&app, &oms, "warehouse.add", extra);
    let items = r#"[{"bn":"test1","nums":1}]"#;

    let cases: Vec<(&str, &str, Params, i64, &str)> = vec![
        (
            "unknown app_key",
            OPENAPI,
            signed(&oms, {
                let mut p = add(transfer("E1", items));
                p.insert("app_key".into(), json!("NOPE"));
                p
            }),
            1001,
            "app_key",
        ),
        (
            "unknown flag",
            WAREHOUSE,
            signed(&oms, {
                let mut p = part2(&app, &oms, "warehouse.getList", json!({}));
                p.insert("flag".into(), json!("NOPE"));
                p
            }),
            1001,
            "非法的flag",
        ),
        (
            "wrong secret",
            OPENAPI,
            signed(
                &Oms {
                    app_key: "ERP01".into(),
                    secret: "other".into(),
                },
                add(transfer("E1", items)),
            ),
            1003,
            "签名错误",
        ),
        (
            "format xml",
            OPENAPI,
            signed(&oms, {
                let mut p = add(transfer("E1", items));
                p.insert("format".into(), json!("xml"));
                p
            }),
            1004,
            "format",
        ),
        (
            "type xml",
            WAREHOUSE,
            signed(&oms, {
                let mut p = part2(&app, &oms, "warehouse.getList", json!({}));
                p.insert("type".into(), json!("xml"));
                p
            }),
            1004,
            "不支持的type格式",
        ),
        (
            "v 2.0",
            OPENAPI,
            signed(&oms, {
                let mut p = add(transfer("E1", items));
                p.insert("v".into(), json!("2.0"));
                p
            }),
            2002,
            "v=",
        ),
        (
            "no method",
            OPENAPI,
            signed(&oms, {
                let mut p = add(transfer("E1", items));
                p.remove("method");
                p
            }),
            2001,
            "method",
        ),
        (
            "no timestamp",
            OPENAPI,
            signed(&oms, {
                let mut p = add(transfer("E1", items));
                p.remove("timestamp");
                p
            }),
            2001,
            "timestamp",
        ),
        (
            "timestamp shape",
            OPENAPI,
            signed(&oms, {
                let mut p = add(transfer("E1", items));
                p.insert("timestamp".into(), json!("2026-11-22T13:23:30"));
                p
            }),
            1002,
            "yyyy-MM-dd HH:mm:ss",
        ),
        (
            "part 2 timestamp shape",
            WAREHOUSE,
            signed(&oms, {
                let mut p = part2(&app, &oms, "warehouse.getList", json!({}));
                p.insert("timestamp".into(), json!("2026-11-22 13:23:30"));
                p
            }),
            1002,
            "yyyyMMddHHmmss",
        ),
        (
            "stale timestamp",
            OPENAPI,
            signed(&oms, {
                let mut p = add(transfer("E1", items));
                p.insert(
                    "timestamp".into(),
                    json!(hongxun_gateway::domain::time::format(
                        app.now() - chrono::TimeDelta::seconds(301)
                    )),
                );
                p
            }),
            1002,
            "300s",
        ),
        (
            "no sign",
            OPENAPI,
            {
                let mut p = add(transfer("E1", items));
                p.remove("sign");
                p
            },
            2001,
            "sign",
        ),
        (
            "unknown method",
            OPENAPI,
            part1(&app, &oms, "warehouse.remove", json!({})),
            2003,
            "warehouse.remove",
        ),
        (
            "no name",
            OPENAPI,
            add({
                let mut t = transfer("E1", items);
                t.as_object_mut().unwrap().remove("name");
                t
            }),
            2001,
            "name: is required",
        ),
        (
            "t_type",
            OPENAPI,
            add({
                let mut t = transfer("E1", items);
                t["t_type"] = json!("DR");
                t
            }),
            2002,
            "t_type",
        ),
        (
            "nums 0",
            OPENAPI,
            add(transfer("E1", r#"[{"bn":"test1","nums":0}]"#)),
            2002,
            "items[0].nums",
        ),
        (
            "nums text",
            OPENAPI,
            add(transfer("E1", r#"[{"bn":"test1","nums":"two"}]"#)),
            2002,
            "items[0].nums",
        ),
        (
            "items not JSON",
            OPENAPI,
            add(transfer("E1", "[{bn:test1}")),
            2002,
            "items: is not valid JSON",
        ),
        (
            "items empty",
            OPENAPI,
            add(transfer("E1", "[]")),
            2002,
            "items",
        ),
        (
            "bn missing",
            OPENAPI,
            add(transfer("E1", r#"[{"nums":1}]"#)),
            2001,
            "items[0].bn",
        ),
        (
            "NUL in memo",
            OPENAPI,
            add({
                let mut t = transfer("E1", items);
                t["memo"] = json!("a\u{0}b");
                t
            }),
            2002,
            "memo",
        ),
        (
            "C1 in bn",
            OPENAPI,
            add(transfer("E1", "[{\"bn\":\"te\u{85}st\",\"nums\":1}]")),
            2002,
            "items",
        ),
        (
            "unknown branch_bn",
            OPENAPI,
            add({
                let mut t = transfer("E1", items);
                t["branch_bn"] = json!("WH77");
                t
            }),
            2,
            "WH77",
        ),
        (
            "two owners",
            OPENAPI,
            add({
                let mut t = transfer("E1", items);
                t["branch_bn"] = json!("WH02");
                t
            }),
            2002,
            "OW01, OW02",
        ),
        (
            "unknown bn",
            OPENAPI,
            add(transfer(
                "E1",
                r#"[{"bn":"test1","nums":1},{"bn":"NOPE","nums":1}]"#,
            )),
            3,
            "NOPE",
        ),
        (
            "shared barcode",
            OPENAPI,
            add(transfer("E1", r#"[{"bn":"SHARED","nums":1}]"#)),
            2002,
            "SKU-4, SKU-5",
        ),
        (
            "getDetail on part 1",
            OPENAPI,
            part1(&app, &oms, "warehouse.getDetail", json!({})),
            2003,
            "/openapi/warehouse",
        ),
        (
            "unknown method",
            WAREHOUSE,
            part2(&app, &oms, "warehouse.add", json!({})),
            2003,
            "warehouse.add",
        ),
        (
            "getList without times",
            OPENAPI,
            part1(&app, &oms, "warehouse.getList", json!({"page_no": 1})),
            2001,
            "start_time",
        ),
        (
            "page_size 101",
            OPENAPI,
            part1(
                &app,
                &oms,
                "warehouse.getList",
                json!({"start_time": "2026-11-01 00:00:00", "end_time": "2026-11-02 00:00:00", "page_size": 101}),
            ),
            2002,
            "page_size",
        ),
        (
            "end before start",
            OPENAPI,
            part1(
                &app,
                &oms,
                "warehouse.getList",
                json!({"start_time": "2026-11-02 00:00:00", "end_time": "2026-11-01 00:00:00"}),
            ),
            2002,
            "end_time",
        ),
        (
            "part 2 page_size 1001",
            WAREHOUSE,
            part2(&app, &oms, "warehouse.getList", json!({"page_size": 1001})),
            2002,
            "page_size",
        ),
        (
            "part 2 status 3",
            WAREHOUSE,
            part2(&app, &oms, "warehouse.getList", json!({"status": "3"})),
            2002,
            "status",
        ),
        (
            "getDetail without key",
            WAREHOUSE,
            part2(&app, &oms, "warehouse.getDetail", json!({})),
            2001,
            "branch_id or branch_bn",
        ),
        (
            "getDetail bad id",
            WAREHOUSE,
            part2(
                &app,
                &oms,
                "warehouse.getDetail",
                json!({"branch_id": "x1"}),
            ),
            2002,
            "branch_id",
        ),
    ];
    // Every answer is HTTP 200; the outcome is the body's code (docs/decisions.md).
    for (what, path, p, code, needle) in cases {
        let r = send(&app, path, &p, Via::Form).await;
        assert_eq!((r.code(), r.status), (code, 200), "{what}: {}", r.body);
        assert!(r.message().contains(needle), "{what}: {}", r.message());
        assert_eq!(r.body["data"], Value::Null, "{what}");
    }
    // GET may not create.
    let r = send(&app, OPENAPI, &add(transfer("E2", items)), Via::Get).await;
    r.expect(2002, 200);
    assert!(r.message().contains("POST"));
    // A parameter in the query and the body with different values.
    let p = add(transfer("E3", items));
    let resp = app
        .http
        .post(format!("{}{OPENAPI}?name=other", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&p))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("name: given twice"));
    // Not JSON though it says so; not UTF-8.
    for (ct, body) in [
        ("application/json", b"{\"a\":".to_vec()),
        ("application/x-www-form-urlencoded", b"a=\xff".to_vec()),
    ] {
        let resp = app
            .http
            .post(format!("{}{OPENAPI}", app.base))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["code"], 2002, "{v}");
    }
    // Nothing above was written.
    assert_eq!(app.count("SELECT count(*) FROM orders").await, 0);

    // A signature is used once, for queries too.
    let q = part2(&app, &oms, "warehouse.getList", json!({}));
    send(&app, WAREHOUSE, &q, Via::Form).await.expect(0, 200);
    let r = send(&app, WAREHOUSE, &q, Via::Form).await;
    r.expect(1003, 200);
    assert!(r.message().contains("already used"));

    // A disabled identity: 403.
    admin::change_client(
        &app.pool,
        "CUST1",
        "OMS-ERP01",
        ClientChange {
            status: Some("disabled"),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Identities are served from memory until the change notification empties the cache
    // (milliseconds): the disable is awaited, each try with its own signature.
    let mut r = None;
    for page in 1..=200 {
        let reply = send(
            &app,
            WAREHOUSE,
            &part2(&app, &oms, "warehouse.getList", json!({"page_no": page})),
            Via::Form,
        )
        .await;
        if reply.code() == 403 {
            r = Some(reply);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let r = r.expect("the disable took effect within 2 s");
    r.expect(403, 200);
    assert!(r.message().starts_with("禁止访问"));
}

#[sqlx::test(migrations = "./migrations")]
async fn the_rate_limit_answers_403_with_retry_after(pool: PgPool) {
    let app = spawn_app_with(pool, Clock::System, |s| s.auth.rate_sync_ms = 0).await;
    customer(&app, "CUST1").await;
    let oms = oms_identity(&app, "CUST1", "ERP01", "s3cr3t").await;
    admin::change_client(
        &app.pool,
        "CUST1",
        "OMS-ERP01",
        ClientChange {
            rate_limit_per_hour: Some(Some(2)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut last = None;
    for i in 0..3 {
        let r = send(
            &app,
            WAREHOUSE,
            &part2(&app, &oms, "warehouse.getList", json!({"page_no": i + 1})),
            Via::Form,
        )
        .await;
        if i < 2 {
            assert_eq!(r.body["code"], 0, "within the limit: {}", r.body);
        }
        last = Some(r);
    }
    let r = last.unwrap();
    r.expect(403, 200);
    assert!(r.header("retry-after").is_some());
    assert!(r.message().contains("per hour"), "{}", r.message());
}

// ------------------------------------------------------------------ isolation

/// B's OMS sees none of A's warehouses or transfers, and cannot use A's codes.
#[sqlx::test(migrations = "./migrations")]
async fn tenants_see_only_their_own(pool: PgPool) {
    let app = spawn_app(pool).await;
    customer(&app, "CUST-A").await;
    let a = oms_identity(&app, "CUST-A", "ERP-A", "secret-a").await;
    let b = oms_identity(&app, "CUST-B", "ERP-B", "secret-b").await;
    let token = app.ops_token("ops").await;
    let r = send(
        &app,
        OPENAPI,
        &part1(
            &app,
            &a,
            "warehouse.add",
            transfer("T-A", r#"[{"bn":"test1","nums":1}]"#),
        ),
        Via::Form,
    )
    .await;
    r.expect(0, 200);
    let hx = r.body["data"]["warehouse_bn"].as_str().unwrap().to_string();
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx}/receipts"),
        json!({"confirmType": "FINAL", "lines": [{"lineNo": "1", "actualQty": 1}]}),
    )
    .await
    .expect(200, 200);
    let range = json!({"start_time": "2000-01-01 00:00:00", "end_time": "2100-01-01 00:00:00"});
    let mine = send(
        &app,
        OPENAPI,
        &part1(&app, &a, "warehouse.getList", range.clone()),
        Via::Form,
    )
    .await;
    assert_eq!(mine.body["data"]["total"], 1);
    let theirs = send(
        &app,
        OPENAPI,
        &part1(&app, &b, "warehouse.getList", range),
        Via::Form,
    )
    .await;
    assert_eq!(theirs.body["data"], json!({"total": 0, "items": []}));
    let list = send(
        &app,
        WAREHOUSE,
        &part2(&app, &b, "warehouse.getList", json!({})),
        Via::Form,
    )
    .await;
    assert_eq!(list.body["data"], json!({"count": 0, "lists": []}));
    let id: i64 = sqlx::query_scalar("SELECT id FROM warehouses WHERE code = 'WH01'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for q in [
        json!({"branch_bn": "WH01"}),
        json!({"branch_id": id.to_string()}),
    ] {
        send(
            &app,
            WAREHOUSE,
            &part2(&app, &b, "warehouse.getDetail", q),
            Via::Form,
        )
        .await
        .expect(2, 200);
    }
    // A's warehouse and A's barcode mean nothing to B.
    send(
        &app,
        OPENAPI,
        &part1(
            &app,
            &b,
            "warehouse.add",
            transfer("T-A", r#"[{"bn":"test1","nums":1}]"#),
        ),
        Via::Form,
    )
    .await
    .expect(2, 200);
    assert_eq!(app.count("SELECT count(*) FROM orders").await, 1);
}

/// A part-2 call sent to the part-1 route (and the reverse) names the route it belongs to.
#[sqlx::test(migrations = "./migrations")]
async fn a_call_of_the_other_route_names_it(pool: PgPool) {
    let app = spawn_app(pool).await;
    customer(&app, "CUST1").await;
    let oms = oms_identity(&app, "CUST1", "ERP01", "s3cr3t").await;
    let r = send(
        &app,
        OPENAPI,
        &part2(
            &app,
            &oms,
            "warehouse.getDetail",
            json!({"branch_bn": "WH01"}),
        ),
        Via::Form,
    )
    .await;
    r.expect(2003, 200);
    assert!(
        r.message().contains("send it to /openapi/warehouse"),
        "{}",
        r.message()
    );
    let r = send(
        &app,
        WAREHOUSE,
        &part1(
            &app,
            &oms,
            "warehouse.add",
            transfer("X-1", r#"[{"bn":"SKU-1","nums":1}]"#),
        ),
        Via::Form,
    )
    .await;
    r.expect(2003, 200);
    assert!(
        r.message().contains("send it to /openapi"),
        "{}",
        r.message()
    );
    assert!(!r.message().contains("is required"), "{}", r.message());
}
