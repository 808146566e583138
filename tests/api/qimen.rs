//! The Qimen dialect end to end: the signature vectors, the raw requests real clients sent
//! (re-signed with a live timestamp), an ERP's inbound, outbound and cancel flow with the
//! pushes a real receiver verifies, stock adjustments decided in the ops API, and errors.

use crate::helpers::*;
use crate::orders::{customer_with_base_data, stock};
use crate::qimen_support::*;
use hongxun_gateway::dialect::qimen::{params, sign};
use serde_json::{json, Value};
use sqlx::PgPool;

const CONTRACT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/contract/qimen");

// ------------------------------------------------------------------ vectors

#[test]
fn every_signature_vector_verifies_and_the_tampered_one_does_not() {
    let text = std::fs::read_to_string(format!("{CONTRACT}/signature-vectors.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 17);
    let (mut valid, mut invalid) = (0, 0);
    for v in vectors {
        let pairs: Vec<(String, String)> = v["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
            .collect();
        let body = v["body"].as_str();
        let method = sign::Method::parse(v["sign_method"].as_str()).unwrap();
        let secret = v["secret"].as_str().unwrap();
        let expected = v["sign"].as_str().unwrap();
        let ok = sign::verify(method, secret, &pairs, body, expected);
        if v["valid"].as_bool().unwrap() {
            valid += 1;
            assert!(ok, "vector does not verify: {v:#}");
            let with_empty = v["empty_values_signed"].as_bool().unwrap();
            let s = sign::sign_string(&pairs, body, with_empty);
            assert_eq!(s, v["sign_string"].as_str().unwrap(), "{}", v["note"]);
            assert_eq!(sign::sign(method, secret, &s), expected);
            // Lower case is the same signature; another secret is not.
            assert!(sign::verify(
                method,
                secret,
                &pairs,
                body,
                &expected.to_ascii_lowercase()
            ));
            assert!(!sign::verify(method, "other", &pairs, body, expected));
        } else {
            invalid += 1;
            assert!(!ok, "tampered vector verifies: {v:#}");
        }
    }
    assert_eq!((valid, invalid), (16, 1));
}

// ------------------------------------------------------------- raw requests

/// One request of a `*.http` file.
struct RawRequest {
    verb: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn form(&self) -> bool {
        self.header("content-type")
            .is_some_and(|c| c.contains("x-www-form-urlencoded"))
    }
    fn params(&self) -> params::Params {
        params::read(Some(&self.query), &self.body, self.form()).unwrap()
    }
}

fn raw_requests(file: &str) -> Vec<RawRequest> {
    let text = std::fs::read_to_string(format!("{CONTRACT}/{file}")).unwrap();
    text.split("\n########\n")
        .map(|chunk| chunk.trim_start_matches('\n'))
        .filter(|chunk| !chunk.trim().is_empty())
        .map(|chunk| {
            let (head, rest) = chunk.split_once("\n\n").unwrap_or((chunk, ""));
            let mut lines = head.lines();
            let first: Vec<&str> = lines.next().unwrap().split(' ').collect();
            let (path, query) = first[1].split_once('?').unwrap_or((first[1], ""));
            let headers: Vec<(String, String)> = lines
                .map(|l| {
                    let (k, v) = l.split_once(": ").unwrap();
                    (k.to_string(), v.to_string())
                })
                .collect();
            let mut r = RawRequest {
                verb: first[0].into(),
                path: path.into(),
                query: query.into(),
                headers,
                body: String::new(),
            };
            let len: usize = r
                .header("content-length")
                .map(|l| l.parse().unwrap())
                .unwrap_or(0);
            r.body = String::from_utf8(rest.as_bytes()[..len].to_vec()).unwrap();
            r
        })
        .collect()
}

/// Replaces `name=…` in urlencoded text, keeping everything else byte for byte.
fn replace_param(text: &str, name: &str, value: &str) -> (String, bool) {
    let mut found = false;
    let parts: Vec<String> = text
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if k == name => {
                found = true;
                format!("{k}={value}")
            }
            _ => p.to_string(),
        })
        .collect();
    (parts.join("&"), found)
}

/// The request with a live timestamp in the style its client wrote it (epoch milliseconds,
/// or Shanghai wall clock with `+` or `%20` for the space) and the signature made again with
/// `secret`, the way its client makes it.
fn refreshed(r: &RawRequest, secret: &str) -> RawRequest {
    let original = r.params();
    let old_ts = original.get("timestamp").unwrap().to_string();
    let now = chrono::Utc::now();
    let ts = if old_ts.chars().all(|c| c.is_ascii_digit()) {
        now.timestamp_millis().to_string()
    } else {
        let shanghai = hongxun_gateway::domain::time::format(now);
        let space = if r.query.contains("%20") || r.body.contains("%20") {
            "%20"
        } else {
            "+"
        };
        shanghai.replace(' ', space).replace(':', "%3A")
    };
    let mut out = RawRequest {
        verb: r.verb.clone(),
        path: r.path.clone(),
        query: r.query.clone(),
        headers: r.headers.clone(),
        body: r.body.clone(),
    };
    let (q, in_query) = replace_param(&out.query, "timestamp", &ts);
    out.query = q;
    if !in_query {
        out.body = replace_param(&out.body, "timestamp", &ts).0;
    }
    let p = out.params();
    let method = p.sign_method().unwrap();
    // py-taobao-open signs every parameter, empty ones included.
    let with_empty = p
        .get("partner_id")
        .is_some_and(|id| id.starts_with("tbk-sdk-python"));
    let s = sign::sign(
        method,
        secret,
        &sign::sign_string(&p.pairs, p.body.as_deref(), with_empty),
    );
    let (q, in_query) = replace_param(&out.query, "sign", &s);
    out.query = q;
    if !in_query {
        out.body = replace_param(&out.body, "sign", &s).0;
    }
    out
}

async fn replay(app: &TestApp, r: &RawRequest) -> QimenReply {
    let url = if r.query.is_empty() {
        format!("{}{}", app.base, r.path)
    } else {
        format!("{}{}?{}", app.base, r.path, r.query)
    };
    let mut req = match r.verb.as_str() {
        "GET" => app.http.get(url),
        _ => app.http.post(url).body(r.body.clone()),
    };
    for (k, v) in &r.headers {
        if !["host", "content-length", "connection"].contains(&k.to_ascii_lowercase().as_str()) {
            req = req.header(k, v);
        }
    }
    QimenReply::read(req.send().await.unwrap()).await
}

/// The identity the recorded requests were signed for (secret "test"), in tenant C001 whose
/// 鸿讯 identity synced the base data.
async fn recorded_identity(app: &TestApp) -> Identity {
    let who = customer_with_base_data(app, "C001").await;
    qimen_identity_with_secret(
        app,
        "C001",
        "testerp_appkey",
        "stub-cust-code",
        "test",
        None,
    )
    .await;
    who
}

#[sqlx::test]
async fn the_java_sdk_qimen_requests_are_served_when_signed_now(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = recorded_identity(&app).await;
    let requests = raw_requests("java_qimen.http");
    assert_eq!(requests.len(), 6);
    let mut answers = Vec::new();
    for r in &requests {
        // The recorded text verifies as recorded (our parse of it is faithful) …
        let p = r.params();
        assert!(sign::verify(
            p.sign_method().unwrap(),
            "test",
            &p.pairs,
            p.body.as_deref(),
            p.get("sign").unwrap()
        ));
        // … and 2026-11-22 is outside the window today.
        let stale = replay(&app, r).await;
        stale.failure("1002");
        let fresh = refreshed(r, "test");
        let a = replay(&app, &fresh).await;
        a.success();
        answers.push((p.get("method").unwrap().to_string(), a));
    }
    // entryorder.create three times (md5, hmac, hmac-sha256): one order, then "same content".
    let entries: Vec<&QimenReply> = answers
        .iter()
        .filter(|(m, _)| m == "taobao.qimen.entryorder.create")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(entries.len(), 3);
    let id = entries[0].body["entryOrderId"].as_str().unwrap();
    assert!(id.starts_with("HX"), "{}", entries[0].raw);
    for a in &entries[1..] {
        assert_eq!(a.body["entryOrderId"], id);
        assert!(a.message().contains("already exists"), "{}", a.raw);
    }
    // The escaped remark arrives unescaped, in the tenant's one order.
    let remark: String = sqlx::query_scalar(
        "SELECT request->>'remark' FROM orders WHERE tenant = 'C001' AND order_code = 'IN-0001'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(remark, "上海 <急> & \"快\"");
    // inventory.synchronize three times: one pending request.
    assert_eq!(
        app.count("SELECT count(*) FROM adjustment_requests WHERE adjust_order_code = 'ADJ-1' AND status = 'PENDING'")
            .await,
        1
    );
    // The 鸿讯 identity of the same tenant sees the order Qimen made.
    let r = app
        .call(
            "/dtc/logistics/inOrderResult",
            &who,
            r#"{"orderCodes":["IN-0001"]}"#,
        )
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["orders"][0]["hxOrderNo"], id);
    assert_eq!(r.body["value"]["orders"][0]["lines"][1]["planQty"], 20);
}

#[sqlx::test]
async fn the_top_form_requests_of_java_python_and_node_are_served(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = recorded_identity(&app).await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 7).await;
    let mut files = raw_requests("java_top.http");
    files.extend(raw_requests("top_clients.http"));
    assert_eq!(files.len(), 8);
    for r in &files {
        let fresh = refreshed(r, "test");
        let a = replay(&app, &fresh).await;
        assert_eq!(a.status, 200);
        let body = &a.body["qimen_inventory_query_response"];
        assert_eq!(body["flag"], "success", "{} {}: {}", r.verb, r.query, a.raw);
        let items = body["items"]["item"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{}", a.raw);
        assert_eq!(
            (
                &items[0]["itemCode"],
                &items[0]["quantity"],
                &items[0]["lockQuantity"]
            ),
            (&json!("SKU-1"), &json!("7"), &json!("0"))
        );
        // Tampering with the decoded remark breaks the signature: TOP's error_response.
        let mut bad = fresh;
        if bad.query.contains("remark=") {
            bad.query = bad.query.replacen("remark=", "remark=X", 1);
        } else {
            bad.body = bad.body.replacen("remark=", "remark=X", 1);
        }
        let a = replay(&app, &bad).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.body["error_response"]["code"], 1003, "{}", a.raw);
        assert_eq!(a.body["error_response"]["sub_code"], "1003");
    }
}

// ------------------------------------------------------------ business flow

pub fn entry_xml(code: &str, owner: &str, lines: &[(&str, &str, i64)]) -> String {
    let lines: String = lines
        .iter()
        .map(|(no, item, qty)| {
            format!("<orderLine><orderLineNo>{no}</orderLineNo><itemCode>{item}</itemCode><inventoryType>ZP</inventoryType><planQty>{qty}</planQty></orderLine>")
        })
        .collect();
    format!(
        "<request><entryOrder><entryOrderCode>{code}</entryOrderCode><orderType>CGRK</orderType>\
         <warehouseCode>WH01</warehouseCode><ownerCode>{owner}</ownerCode><purchaseOrderCode>PO-9</purchaseOrderCode>\
         <supplierCode>SUP-1</supplierCode></entryOrder><orderLines>{lines}</orderLines></request>"
    )
}

pub fn delivery_xml(method_root: &str, code: &str, order_type: &str, qty: i64) -> String {
    format!(
        "<request><deliveryOrder><deliveryOrderCode>{code}</deliveryOrderCode><orderType>{order_type}</orderType>\
         <warehouseCode>WH01</warehouseCode><ownerCode>OW01</ownerCode><logisticsCode>SF</logisticsCode>\
         <createTime>2026-11-29 10:00:00</createTime>\
         <receiverInfo><name>王五</name><mobile>13900000000</mobile><province>上海</province><city>上海</city>\
         <area>浦东新区</area><detailAddress>世纪大道1号</detailAddress></receiverInfo></deliveryOrder>\
         <orderLines><orderLine><orderLineNo>1</orderLineNo><ownerCode>OW01</ownerCode><itemCode>SKU-1</itemCode>\
         <inventoryType>ZP</inventoryType><planQty>{qty}</planQty></orderLine></orderLines>{method_root}</request>"
    )
}

/// A pushing gateway, tenant C001 with base data (its 鸿讯 identity `who`), a Qimen ERP of
/// the tenant whose callback is a verifying receiver, and an ops token.
struct Floor {
    app: TestApp,
    who: Identity,
    receiver: QimenReceiver,
    erp: QimenErp,
    token: String,
}

async fn floor(pool: PgPool) -> Floor {
    let app = spawn_pushing_app(pool, "200ms,200ms").await;
    let who = customer_with_base_data(&app, "C001").await;
    let receiver = QimenReceiver::start("qimen-secret-WDT01").await;
    let erp = qimen_identity(&app, "C001", "WDT01", "WDT-C1", Some(&receiver.url)).await;
    let token = app.ops_token("floor").await;
    Floor {
        app,
        who,
        receiver,
        erp,
        token,
    }
}

fn methods(pushes: &[QimenPush]) -> Vec<String> {
    pushes
        .iter()
        .map(|p| p.method.trim_start_matches("taobao.qimen.").to_string())
        .collect()
}

#[sqlx::test]
async fn a_qimen_erp_receives_its_orders_confirmed_partially_then_finally_and_cancels(
    pool: PgPool,
) {
    let Floor {
        app,
        who,
        receiver,
        erp,
        token,
    } = floor(pool).await;

    // Inbound: created through Qimen, received in two batches.
    let a = qimen_xml(
        &app,
        &erp,
        "entryorder.create",
        &entry_xml("IN-Q1", "OW01", &[("1", "SKU-1", 10)]),
    )
    .await;
    a.success();
    let hx_in = a.body["entryOrderId"].as_str().unwrap().to_string();
    let receipts = format!("/ops/v1/orders/{hx_in}/receipts");
    app.ops(
        Some(&token),
        "POST",
        &receipts,
        json!({"confirmType": "PARTIAL",
        "lines": [{"lineNo": "1", "actualQty": 4, "batchCode": "B1", "expireDate": "2027-06-30"}]}),
    )
    .await
    .expect(200, 200);
    app.ops(
        Some(&token),
        "POST",
        &receipts,
        json!({"confirmType": "FINAL",
        "lines": [{"lineNo": "1", "actualQty": 6, "batchCode": "B1", "expireDate": "2027-06-30"}]}),
    )
    .await
    .expect(200, 200);
    let pushes = receiver.wait_for(2, 10).await;
    assert_eq!(
        methods(&pushes),
        ["entryorder.confirm", "entryorder.confirm"]
    );
    let (first, last) = (&pushes[0].request, &pushes[1].request);
    assert_eq!(
        (
            &first["entryOrder"]["confirmType"],
            &first["entryOrder"]["status"]
        ),
        (&json!("1"), &json!("PARTFULFILLED"))
    );
    assert_eq!(
        (
            &last["entryOrder"]["confirmType"],
            &last["entryOrder"]["status"]
        ),
        (&json!("0"), &json!("FULFILLED"))
    );
    assert_eq!(first["entryOrder"]["entryOrderCode"], "IN-Q1");
    assert_eq!(first["entryOrder"]["entryOrderId"], hx_in.as_str());
    assert_eq!(first["orderLines"][0]["actualQty"], "4");
    assert_eq!(last["orderLines"][0]["actualQty"], "6");
    assert_eq!(last["orderLines"][0]["batchCode"], "B1");
    assert_ne!(
        first["entryOrder"]["outBizCode"],
        last["entryOrder"]["outBizCode"]
    );
    // entryorder.query answers in Qimen's statuses.
    let q = qimen_xml(&app, &erp, "entryorder.query",
        "<request><entryOrderCode>IN-Q1</entryOrderCode><warehouseCode>WH01</warehouseCode></request>").await;
    q.success();
    assert_eq!(q.body["entryOrder"]["status"], "FULFILLED");

    // Outbound: created, started (ACCEPT), shipped in two batches with packages.
    let a = qimen_xml(
        &app,
        &erp,
        "deliveryorder.create",
        &delivery_xml("", "OUT-Q1", "JYCK", 5),
    )
    .await;
    a.success();
    let hx_out = a.body["deliveryOrderId"].as_str().unwrap().to_string();
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx_out}/start"),
        json!({}),
    )
    .await
    .expect(200, 200);
    let ship = format!("/ops/v1/orders/{hx_out}/shipments");
    let pkg = |no: &str, qty: i64| {
        json!({"packageNo": no, "waybillNo": format!("SF{no}"), "carrierCode": "SF",
               "weight": 1.25, "items": [{"lineNo": "1", "qty": qty}]})
    };
    app.ops(
        Some(&token),
        "POST",
        &ship,
        json!({"confirmType": "PARTIAL", "packages": [pkg("P1", 2)]}),
    )
    .await
    .expect(200, 200);
    app.ops(
        Some(&token),
        "POST",
        &ship,
        json!({"confirmType": "FINAL", "packages": [pkg("P2", 3)]}),
    )
    .await
    .expect(200, 200);
    let pushes = receiver.wait_for(5, 10).await;
    assert_eq!(
        methods(&pushes[2..]),
        [
            "orderprocess.report",
            "deliveryorder.confirm",
            "deliveryorder.confirm"
        ]
    );
    assert_eq!(pushes[2].request["process"]["processStatus"], "ACCEPT");
    assert_eq!(pushes[2].request["order"]["orderCode"], "OUT-Q1");
    let (first, last) = (&pushes[3].request, &pushes[4].request);
    assert_eq!(first["deliveryOrder"]["confirmType"], "1");
    assert_eq!(last["deliveryOrder"]["confirmType"], "0");
    assert_eq!(last["deliveryOrder"]["status"], "DELIVERED");
    let p = &last["packages"][0];
    assert_eq!(
        (
            &p["logisticsCode"],
            &p["expressCode"],
            &p["packageCode"],
            &p["weight"]
        ),
        (&json!("SF"), &json!("SFP2"), &json!("P2"), &json!("1.25"))
    );
    assert_eq!(p["items"][0]["quantity"], "3");
    let q = qimen_call(
        &app,
        &erp,
        "deliveryorder.query",
        r#"{"deliveryOrderCode":"OUT-Q1"}"#,
        "hmac",
        "json",
    )
    .await;
    q.success();
    assert_eq!(q.body["deliveryOrder"]["status"], "DELIVERED");
    assert_eq!(q.body["packages"]["package"].as_array().unwrap().len(), 2);

    // Cancel: a created order cancels at once; a started one waits for the warehouse.
    qimen_xml(
        &app,
        &erp,
        "stockout.create",
        &delivery_xml("", "OUT-Q2", "PTCK", 1),
    )
    .await
    .success();
    qimen_xml(&app, &erp, "order.cancel",
        "<request><warehouseCode>WH01</warehouseCode><orderCode>OUT-Q2</orderCode><orderType>PTCK</orderType><cancelReason>客户取消</cancelReason></request>")
        .await
        .success();
    let a = qimen_xml(
        &app,
        &erp,
        "deliveryorder.create",
        &delivery_xml("", "OUT-Q3", "JYCK", 1),
    )
    .await;
    let hx3 = a.success().body["deliveryOrderId"]
        .as_str()
        .unwrap()
        .to_string();
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx3}/start"),
        json!({}),
    )
    .await
    .expect(200, 200);
    // Without orderType the code is looked up across kinds.
    let a = qimen_xml(
        &app,
        &erp,
        "order.cancel",
        "<request><warehouseCode>WH01</warehouseCode><orderCode>OUT-Q3</orderCode></request>",
    )
    .await;
    a.failure("3006");
    assert!(a.message().contains("orderprocess.report"), "{}", a.raw);
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx3}/cancel-decision"),
        json!({"approve": true, "reason": "未拣货"}),
    )
    .await
    .expect(200, 200);
    let pushes = receiver.wait_for(7, 10).await;
    let last = pushes.last().unwrap();
    assert_eq!(last.method, "taobao.qimen.orderprocess.report");
    assert_eq!(last.request["process"]["processStatus"], "CANCELED");
    assert_eq!(last.request["order"]["orderCode"], "OUT-Q3");
    assert_eq!(receiver.bad_signatures(), 0);

    // The 鸿讯 identity of the tenant sees the same orders.
    let r = app
        .call(
            "/dtc/logistics/outOrderResult",
            &who,
            r#"{"orderCodes":["OUT-Q1","OUT-Q2","OUT-Q3"]}"#,
        )
        .await;
    r.expect(200, 200);
    let statuses: Vec<&str> = r.body["value"]["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["SHIPPED", "CANCELLED", "CANCELLED"]);
    // Every push was delivered (or skipped: Qimen has no method for "finished") and none waits.
    assert_eq!(
        app.count("SELECT count(*) FROM push_outbox WHERE status NOT IN ('delivered', 'skipped')")
            .await,
        0
    );
}

#[sqlx::test]
async fn the_same_order_through_two_dialects_is_one_order(pool: PgPool) {
    let app = spawn_app(pool).await;
    let who = customer_with_base_data(&app, "C001").await;
    let erp = qimen_identity(&app, "C001", "WDT01", "WDT-C1", None).await;
    let hongxun = json!({
        "orderCode": "IN-2", "orderType": "CGRK", "inventoryCode": "WH01", "subbaseCode": "OW01",
        "sourceOrderCode": "PO-9", "supplierCode": "SUP-1",
        "items": [{"lineNo": "1", "itemCode": "SKU-1", "inventoryType": "ZP", "planQty": 3}]
    });
    let r = app
        .call("/dtc/logistics/inOrder", &who, &hongxun.to_string())
        .await;
    r.expect(200, 200);
    let hx = r.body["value"]["hxOrderNo"].as_str().unwrap().to_string();
    let a = qimen_xml(
        &app,
        &erp,
        "entryorder.create",
        &entry_xml("IN-2", "OW01", &[("1", "SKU-1", 3)]),
    )
    .await;
    a.success();
    assert_eq!(a.body["entryOrderId"], hx.as_str());
    assert!(a.message().contains("already exists"), "{}", a.raw);
    // Other content under the same code is a conflict, in Qimen terms.
    qimen_xml(
        &app,
        &erp,
        "entryorder.create",
        &entry_xml("IN-2", "OW01", &[("1", "SKU-1", 4)]),
    )
    .await
    .failure("3002");
    assert_eq!(app.count("SELECT count(*) FROM orders").await, 1);
}

// ------------------------------------------------------------ inventory.synchronize

/// An `inventory.synchronize` as the seed's example builds it: one `relatedOrders` object and
/// one item.
pub fn sync_xml(code: &str, qty: &str) -> String {
    format!(
        "<request><ownerCode>OW01</ownerCode><warehouseCode>WH01</warehouseCode><adjustOrderCode>{code}</adjustOrderCode>\
         <adjustType>CHECK</adjustType><adjustTime>2026-11-29 10:00:00</adjustTime>\
         <relatedOrders><orderType>PD</orderType><orderCode>PD-1</orderCode></relatedOrders>\
         <remark>盘点</remark><items><item><itemCode>SKU-1</itemCode><inventoryType>ZP</inventoryType>\
         <planQty>{qty}</planQty><batchCode>B1</batchCode><produceCode>P-7</produceCode><remark>破损</remark></item></items></request>"
    )
}

#[sqlx::test]
async fn inventory_synchronize_waits_for_the_warehouse_and_the_outcome_is_reported(pool: PgPool) {
    let Floor {
        app,
        who,
        receiver,
        erp,
        token,
    } = floor(pool).await;
    stock(&app, &who, "OW01", "SKU-1", "B1", None, 10).await;

    let a = qimen_xml(
        &app,
        &erp,
        "inventory.synchronize",
        &sync_xml("ADJ-7", "-3"),
    )
    .await;
    a.success();
    assert_eq!(a.body["status"], "PENDING");
    // The same request again changes nothing; other content under the code is refused.
    qimen_xml(
        &app,
        &erp,
        "inventory.synchronize",
        &sync_xml("ADJ-7", "-3"),
    )
    .await
    .success();
    qimen_xml(
        &app,
        &erp,
        "inventory.synchronize",
        &sync_xml("ADJ-7", "-4"),
    )
    .await
    .failure("3002");
    // A list of related orders is taken too.
    let listed = sync_xml("ADJ-8", "2").replace(
        "<relatedOrders><orderType>PD</orderType><orderCode>PD-1</orderCode></relatedOrders>",
        "<relatedOrders><relatedOrder><orderType>PD</orderType><orderCode>PD-2</orderCode></relatedOrder>\
         <relatedOrder><orderType>CG</orderType><orderCode>PO-3</orderCode></relatedOrder></relatedOrders>",
    );
    qimen_xml(&app, &erp, "inventory.synchronize", &listed)
        .await
        .success();
    // Nothing moved yet.
    let on_hand = || async {
        app.count("SELECT on_hand FROM inventory_balances WHERE tenant = 'C001' AND item_code = 'SKU-1' AND batch_code = 'B1'")
            .await
    };
    assert_eq!(on_hand().await, 10);

    let list = app
        .ops(
            Some(&token),
            "GET",
            "/ops/v1/adjustment-requests",
            json!({}),
        )
        .await;
    list.expect(200, 200);
    let items = list.body["value"]["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    let r7 = &items[0];
    assert_eq!(r7["adjustOrderCode"], "ADJ-7");
    assert_eq!(r7["customer"], "C001");
    // Every member of the seed is kept.
    assert_eq!(
        r7["request"]["relatedOrders"],
        json!([{"orderType": "PD", "orderCode": "PD-1"}])
    );
    assert_eq!(items[1]["request"]["relatedOrders"][1]["orderCode"], "PO-3");
    assert_eq!(r7["request"]["remark"], "盘点");
    assert_eq!(r7["request"]["adjustTime"], "2026-11-29 10:00:00");
    assert_eq!(r7["request"]["lines"][0]["produceCode"], "P-7");
    assert_eq!(r7["request"]["lines"][0]["remark"], "破损");

    let decide = |id: &Value, body: Value| {
        let path = format!("/ops/v1/adjustment-requests/{id}/decision");
        let app = &app;
        let token = token.clone();
        async move { app.ops(Some(&token), "POST", &path, body).await }
    };
    decide(&r7["id"], json!({"approve": true}))
        .await
        .expect(200, 200);
    decide(&r7["id"], json!({"approve": false}))
        .await
        .expect(3003, 409);
    decide(
        &items[1]["id"],
        json!({"approve": false, "reason": "实物无差异"}),
    )
    .await
    .expect(200, 200);
    assert_eq!(on_hand().await, 7);

    let pushes = receiver.wait_for(3, 10).await;
    let mut got = methods(&pushes);
    got.sort();
    assert_eq!(
        got,
        [
            "inventory.synchronize.report",
            "inventory.synchronize.report",
            "stockchange.report"
        ]
    );
    let report = |code: &str| {
        pushes
            .iter()
            .find(|p| {
                p.method.ends_with("synchronize.report") && p.request["adjustOrderCode"] == code
            })
            .unwrap()
            .request
            .clone()
    };
    assert_eq!(report("ADJ-7")["status"], "APPROVED");
    assert_eq!(report("ADJ-8")["status"], "REFUSED");
    assert_eq!(report("ADJ-8")["reason"], "实物无差异");
    let change = &pushes
        .iter()
        .find(|p| p.method.ends_with("stockchange.report"))
        .unwrap()
        .request;
    assert_eq!(change["items"][0]["quantity"], "-3");
    assert_eq!(change["items"][0]["orderCode"], "ADJ-7");
    assert_eq!(receiver.bad_signatures(), 0);
}

// ------------------------------------------------------------------ errors

#[sqlx::test]
async fn refusals_name_what_is_wrong_in_the_callers_style(pool: PgPool) {
    let app = spawn_app(pool).await;
    customer_with_base_data(&app, "C001").await;
    let erp = qimen_identity(&app, "C001", "WDT01", "WDT-C1", None).await;
    let good = entry_xml("IN-E", "OW01", &[("1", "SKU-1", 1)]);

    // Unknown app key, wrong secret, stale timestamp, unknown method.
    let stranger = QimenErp {
        app_key: "NOPE".into(),
        ..erp.clone()
    };
    qimen_xml(&app, &stranger, "entryorder.create", &good)
        .await
        .failure("1001");
    let forger = QimenErp {
        secret: "guess".into(),
        ..erp.clone()
    };
    qimen_xml(&app, &forger, "entryorder.create", &good)
        .await
        .failure("1003");
    let mut params = system_params(&erp, "entryorder.create", "md5", "xml");
    params[3].1 =
        hongxun_gateway::domain::time::format(chrono::Utc::now() - chrono::Duration::minutes(11));
    let q = signed_query(&erp.secret, &params, Some(&good));
    send(&app, &format!("{QIMEN}?{q}"), "text/xml", good.clone())
        .await
        .failure("1002");
    let a = qimen_xml(&app, &erp, "entryorder.teleport", "<request/>").await;
    a.failure("2003");
    assert!(a.message().contains("entryorder.teleport"), "{}", a.raw);

    // Field errors name the XML path.
    let a = qimen_xml(&app, &erp, "entryorder.create",
        "<request><entryOrder><warehouseCode>WH01</warehouseCode><ownerCode>OW01</ownerCode><orderType>CGRK</orderType></entryOrder>\
         <orderLines><orderLine><orderLineNo>1</orderLineNo><itemCode>SKU-1</itemCode><planQty>-1</planQty></orderLine></orderLines></request>").await;
    a.failure("2001");
    assert!(
        a.message()
            .contains("entryOrder.entryOrderCode: is required"),
        "{}",
        a.raw
    );
    assert!(
        a.message().contains("orderLines.orderLine[0].planQty"),
        "{}",
        a.raw
    );
    // Dates out of order are refused as in the 鸿讯 API.
    let dated = good.replace(
        "<planQty>1</planQty>",
        "<planQty>1</planQty><productDate>2026-11-02</productDate><expireDate>2026-11-01</expireDate>",
    );
    let a = qimen_xml(&app, &erp, "entryorder.create", &dated).await;
    a.failure("2002");
    assert!(
        a.message()
            .contains("orderLines.orderLine[0].expireDate: must not be before productDate"),
        "{}",
        a.raw
    );
    // Types we do not have are named.
    let a = qimen_xml(
        &app,
        &erp,
        "entryorder.create",
        &good.replace("CGRK", "LYRK"),
    )
    .await;
    a.failure("2002");
    assert!(a.message().contains("LYRK"), "{}", a.raw);
    let a = qimen_xml(
        &app,
        &erp,
        "stockout.create",
        &delivery_xml("", "OUT-E", "JITCK", 1),
    )
    .await;
    a.failure("2002");
    assert!(a.message().contains("JITCK"), "{}", a.raw);
    // A return with lines of two owners is refused.
    let ret = "<request><returnOrder><returnOrderCode>R-1</returnOrderCode><warehouseCode>WH01</warehouseCode><orderType>THRK</orderType></returnOrder>\
        <orderLines><orderLine><orderLineNo>1</orderLineNo><ownerCode>OW01</ownerCode><itemCode>SKU-1</itemCode><planQty>1</planQty></orderLine>\
        <orderLine><orderLineNo>2</orderLineNo><ownerCode>OW02</ownerCode><itemCode>SKU-1</itemCode><planQty>1</planQty></orderLine></orderLines></request>";
    let a = qimen_xml(&app, &erp, "returnorder.create", ret).await;
    a.failure("2002");
    assert!(a.message().contains("owner"), "{}", a.raw);
    // Hardened XML: a DTD, an entity, a control character, broken text.
    for bad in [
        "<!DOCTYPE r [<!ENTITY x \"y\">]><request><entryOrder/></request>",
        "<request><entryOrder><entryOrderCode>&x;</entryOrderCode></entryOrder></request>",
        "<request><entryOrder><entryOrderCode>A&#1;B</entryOrderCode></entryOrder></request>",
        "<request><entryOrder>",
    ] {
        let a = qimen_xml(&app, &erp, "entryorder.create", bad).await;
        assert_eq!((a.status, a.flag()), (200, "failure"), "{bad}: {}", a.raw);
        assert!(a.code() == "2002" || a.code() == "2001", "{bad}: {}", a.raw);
    }
    let deep = format!(
        "<request>{}{}</request>",
        "<a>".repeat(40),
        "</a>".repeat(40)
    );
    qimen_xml(&app, &erp, "entryorder.create", &deep)
        .await
        .failure("2002");
    // The same parameter in query and form body with different values.
    let params = system_params(&erp, "inventory.query", "md5", "json");
    let q = signed_query(&erp.secret, &params, None);
    let a = send(
        &app,
        &format!("{TOP}?{q}"),
        "application/x-www-form-urlencoded",
        "app_key=OTHER".into(),
    )
    .await;
    assert_eq!(a.body["error_response"]["code"], 2002, "{}", a.raw);
    assert!(a.raw.contains("app_key"), "{}", a.raw);
    // JSON answers on the Qimen router when format=json.
    let a = qimen_call(
        &app,
        &erp,
        "entryorder.create",
        r#"{"entryOrder":{}}"#,
        "md5",
        "json",
    )
    .await;
    assert!(a.raw.starts_with("{\"response\""), "{}", a.raw);
    a.failure("2001");
    // Hostile text in every carrier of a payload: XML text, JSON, form parameters.
    let head = |code: &str| good.replace("IN-E", code);
    for (format, body) in [
        ("xml", head("A\u{0}B")),
        ("xml", head("A\u{85}B")),
        ("xml", head("A\u{7f}B")),
        ("xml", good.replace("<planQty>1</planQty>", "<planQty>1\u{1}</planQty>")),
        ("json", r#"{"entryOrder":{"entryOrderCode":"A\u0000B","orderType":"CGRK","warehouseCode":"WH01","ownerCode":"OW01"},"orderLines":[{"orderLineNo":"1","itemCode":"SKU-1","planQty":"1"}]}"#.to_string()),
        ("json", r#"{"entryOrder":{"entryOrderCode":"A\ud800B","orderType":"CGRK","warehouseCode":"WH01","ownerCode":"OW01"},"orderLines":[{"orderLineNo":"1","itemCode":"SKU-1","planQty":"1"}]}"#.to_string()),
        ("json", r#"{"entryOrder":{"entryOrderCode":"IN-J","orderType":"CGRK","warehouseCode":"WH01","ownerCode":"OW01","remark":"\u009b"},"orderLines":[{"orderLineNo":"1","itemCode":"SKU-1","planQty":"1"}]}"#.to_string()),
        ("json", r#"{"entryOrder":{"entryOrderCode":["IN-J"]},"orderLines":"none"}"#.to_string()),
    ] {
        let a = qimen_call(&app, &erp, "entryorder.create", &body, "md5", format).await;
        assert_eq!((a.status, a.flag()), (200, "failure"), "{body:?}: {}", a.raw);
        assert!(["2001", "2002"].contains(&a.code()), "{body:?}: {}", a.raw);
    }
    let a = qimen_call(
        &app,
        &erp,
        "entryorder.create",
        &head("A\u{0}B"),
        "md5",
        "xml",
    )
    .await;
    assert!(
        a.message().contains("entryOrder.entryOrderCode"),
        "{}",
        a.raw
    );
    // A form value with NUL on the TOP router; a body that is not UTF-8.
    let mut params = system_params(&erp, "entryorder.query", "md5", "json");
    params.push(("entryOrderCode".into(), "IN\u{0}E".into()));
    let q = signed_query(&erp.secret, &params, None);
    let a = send(
        &app,
        &format!("{TOP}?{q}"),
        "application/x-www-form-urlencoded",
        String::new(),
    )
    .await;
    // Refused by the path and query guard, before the method ran: TOP's error_response.
    assert_eq!(a.body["error_response"]["code"], 2002, "{}", a.raw);
    assert!(
        a.body["error_response"]["sub_msg"]
            .as_str()
            .unwrap()
            .contains("entryOrderCode"),
        "{}",
        a.raw
    );
    // The same on the Qimen router is a <response> failure.
    let q = signed_query(&erp.secret, &params, Some(&good));
    send(&app, &format!("{QIMEN}?{q}"), "text/xml", good.clone())
        .await
        .failure("2002");
    let resp = app
        .http
        .post(format!("{}{QIMEN}?method=entryorder.create", app.base))
        .body(vec![0x3c_u8, 0xff, 0xfe])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.text().await.unwrap().contains("<code>400</code>"));
    // Nothing was written by any of it.
    assert_eq!(app.count("SELECT count(*) FROM orders").await, 0);
}

/// `inventory.synchronize` as ERPs send it (#24): Qimen's inventory types beyond 正品/残次 (机损,
/// 箱损, 在途) are taken and kept, decided by the warehouse like the rest; `adjustType` may be
/// left out, as every member of the seed's request.
#[sqlx::test]
async fn inventory_synchronize_takes_qimen_inventory_types_and_no_adjust_type(pool: PgPool) {
    let Floor {
        app, erp, token, ..
    } = floor(pool).await;
    let body = sync_xml("ADJ-JS", "2")
        .replace("<adjustType>CHECK</adjustType>", "")
        .replace(
            "<inventoryType>ZP</inventoryType>",
            "<inventoryType>JS</inventoryType>",
        );
    let a = qimen_xml(&app, &erp, "inventory.synchronize", &body).await;
    a.success();
    for t in ["XS", "ZT"] {
        let b = sync_xml(&format!("ADJ-{t}"), "1").replace(
            "<inventoryType>ZP</inventoryType>",
            &format!("<inventoryType>{t}</inventoryType>"),
        );
        qimen_xml(&app, &erp, "inventory.synchronize", &b)
            .await
            .success();
    }
    let bad = sync_xml("ADJ-QQ", "1").replace(
        "<inventoryType>ZP</inventoryType>",
        "<inventoryType>QQ</inventoryType>",
    );
    let r = qimen_xml(&app, &erp, "inventory.synchronize", &bad).await;
    assert_eq!(r.flag(), "failure", "{}", r.raw);
    assert!(
        r.message()
            .contains("items.item[0].inventoryType: must be one of ZP, CC, JS, XS, ZT"),
        "{}",
        r.raw
    );
    // The warehouse sees the type as sent and decides it; the stock is kept under it.
    let list = app
        .ops(
            Some(&token),
            "GET",
            "/ops/v1/adjustment-requests",
            json!({}),
        )
        .await;
    let js = list.body["value"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["adjustOrderCode"] == "ADJ-JS")
        .unwrap()
        .clone();
    assert_eq!(js["request"]["lines"][0]["inventoryType"], "JS", "{js}");
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/adjustment-requests/{}/decision", js["id"]),
        json!({"approve": true}),
    )
    .await
    .expect(200, 200);
    assert_eq!(
        app.count("SELECT on_hand FROM inventory_balances WHERE tenant = 'C001' AND item_code = 'SKU-1' AND inventory_type = 'JS'")
            .await,
        2
    );
}
