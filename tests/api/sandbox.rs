//! The sandbox (#22): a sandbox tenant's orders move through their whole life on their own and
//! its receiver hears every §6 push type within a minute; the sandbox and real tenants never
//! meet (identities, carriers' waybills, scanners' barcodes, the simulator's reach); signature
//! failures of sandbox identities say what was signed.

use crate::helpers::*;
use crate::orders::{in_order, out_order, CANCEL, IN, OUT, PROPERTY, TRANSPORT};
use crate::receiver::Receiver;
use hongxun_gateway::domain::client::ClientKind;
use hongxun_gateway::service::admin::{self, NewClientInput};
use hongxun_gateway::service::ServiceError;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Every push type of §6.
pub const HONGXUN_TYPES: [&str; 12] = [
    "inOrderStatusConfirm",
    "inOrderConfirm",
    "outOrderStatusConfirm",
    "outOrderConfirm",
    "propertyOrderConfirm",
    "transportOrderConfirm",
    "routePush",
    "signInfoPush",
    "signImagePush",
    "cancelResult",
    "inventoryAdjust",
    "vehicleInspectionConfirm",
];

/// A 鸿讯 customer identity, in a sandbox tenant or a real one, with a known secret.
pub async fn customer(
    app: &TestApp,
    create_by: &str,
    sandbox: bool,
    callback: Option<&str>,
) -> Result<Identity, ServiceError> {
    let secret = format!("secret-of-{create_by}");
    admin::add_client(
        &app.pool,
        &master_key(),
        NewClientInput {
            kind: ClientKind::Customer,
            create_by: create_by.into(),
            data_source: "ERP01".into(),
            secret: Some(secret.clone()),
            callback_url: callback.map(str::to_string),
            sandbox,
            ..Default::default()
        },
    )
    .await?;
    Ok(Identity {
        create_by: create_by.into(),
        data_source: "ERP01".into(),
        secret,
    })
}

/// Warehouse WH01 with owners OW01 and OW02, items SKU-1 and SKU-2: no stock at all.
async fn base_data(app: &TestApp, who: &Identity) {
    for owner in ["OW01", "OW02"] {
        app.call(ORG_PATH, who, &org_request("WH01", owner))
            .await
            .expect(200, 200);
    }
    let products = json!({"products": [{"itemCode": "SKU-1", "itemName": "杯子"}, {"itemCode": "SKU-2", "itemName": "盘子"}]});
    app.call(PRODUCT_PATH, who, &products.to_string())
        .await
        .expect(200, 200);
}

/// One order of each kind, plus one to cancel once work has started.
async fn one_of_each(app: &TestApp, who: &Identity) -> String {
    app.call(IN, who, &in_order("IN-1")).await.expect(200, 200);
    // No stock at all: a sandbox tenant's stock never runs out.
    let r = app
        .call(
            OUT,
            who,
            &out_order(
                "OUT-1",
                json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 3}]),
            ),
        )
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["status"], "CREATED", "{:#}", r.body);
    app.call(
        PROPERTY,
        who,
        &json!({"orderCode": "P-1", "orderType": "WQZY", "inventoryCode": "WH01", "subbaseCode": "OW01",
                "toSubbaseCode": "OW02", "items": [{"lineNo": "1", "itemCode": "SKU-2", "planQty": 2}]})
        .to_string(),
    )
    .await
    .expect(200, 200);
    let addr = json!({"name": "张三", "phone": "13800138000", "provinceName": "上海", "cityName": "上海", "address": "外高桥1号"});
    app.call(
        TRANSPORT,
        who,
        &json!({"orderCode": "T-1", "orderType": "ZCYS", "consigner": addr, "consignee": addr,
                "pickupTime": "2026-12-01 08:00:00", "cargoList": [{"name": "家具", "quantity": 3}]})
        .to_string(),
    )
    .await
    .expect(200, 200);
    let r = app
        .call(
            OUT,
            who,
            &out_order(
                "OUT-CANCEL",
                json!([{"lineNo": "1", "itemCode": "SKU-2", "planQty": 1}]),
            ),
        )
        .await;
    r.expect(200, 200);
    r.body["value"]["hxOrderNo"].as_str().unwrap().to_string()
}

async fn status_of(pool: &PgPool, tenant: &str, code: &str) -> String {
    sqlx::query_scalar("SELECT status FROM orders WHERE tenant = $1 AND order_code = $2")
        .bind(tenant)
        .bind(code)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Waits (at most `secs`) until the order is in `status`.
async fn wait_status(pool: &PgPool, tenant: &str, code: &str, status: &str, secs: u64) {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        let now = status_of(pool, tenant, code).await;
        if now == status {
            return;
        }
        assert!(
            Instant::now() < until,
            "{code} stayed {now}, never {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn types(pushes: &[Value]) -> BTreeSet<String> {
    pushes
        .iter()
        .map(|p| p["eventType"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Waits (at most `secs`) until every type in `want` has been accepted by the receiver.
async fn wait_types(receiver: &Receiver, want: &[&str], secs: u64) -> Vec<Value> {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        let got = receiver.delivered();
        let seen = types(&got);
        if want.iter().all(|t| seen.contains(*t)) {
            return got;
        }
        if Instant::now() > until {
            let missing: Vec<_> = want.iter().filter(|t| !seen.contains(**t)).collect();
            panic!("after {secs}s still missing {missing:?}; got {seen:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[sqlx::test]
async fn a_sandbox_receiver_hears_every_push_type_within_a_minute(pool: PgPool) {
    // The default step (2 s): what an integrator gets.
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    let receiver = Receiver::start("secret-of-SBX-C1").await;
    let who = customer(&app, "SBX-C1", true, Some(&receiver.url))
        .await
        .unwrap();
    base_data(&app, &who).await;
    let started = Instant::now();
    let cancel_hx = one_of_each(&app, &who).await;

    // Once the warehouse has started it, a cancel waits for the warehouse; the sandbox approves.
    wait_status(&pool, "SBX-C1", "OUT-CANCEL", "PROCESSING", 10).await;
    let r = app
        .call(
            CANCEL,
            &who,
            &json!({"orderCode": "OUT-CANCEL", "orderKind": "OUT"}).to_string(),
        )
        .await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["cancelStatus"], "PENDING", "{:#}", r.body);

    let pushes = wait_types(&receiver, &HONGXUN_TYPES, 60).await;
    eprintln!("every §6 type after {:?}", started.elapsed());
    assert_eq!(
        receiver.bad_signatures(),
        0,
        "the receiver verifies every signature"
    );
    // Content, not only types: what the simulated warehouse and carrier did.
    let find = |t: &str| pushes.iter().find(|p| p["eventType"] == t).unwrap().clone();
    let partial = find("inOrderStatusConfirm");
    assert_eq!(partial["confirmType"], "PARTIAL", "{partial:#}");
    assert!(partial["lines"][0]["batchCode"].is_string(), "{partial:#}");
    assert!(partial["lines"][0]["expireDate"].is_string(), "{partial:#}");
    let shipped = find("outOrderConfirm");
    let package = &shipped["packages"][0];
    assert!(
        package["waybillNo"].as_str().unwrap().starts_with("SBX"),
        "{shipped:#}"
    );
    assert!(
        !package["items"][0]["snCodes"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{shipped:#}"
    );
    let nodes: BTreeSet<String> = pushes
        .iter()
        .filter(|p| p["eventType"] == "routePush")
        .flat_map(|p| p["routes"].as_array().unwrap().clone())
        .map(|n| n["nodeType"].as_str().unwrap().to_string())
        .collect();
    for n in ["PICKUP", "IN_TRANSIT", "DELIVERING", "SIGNED"] {
        assert!(nodes.contains(n), "node {n} missing: {nodes:?}");
    }
    let cancel = pushes
        .iter()
        .find(|p| p["eventType"] == "cancelResult" && p["hxOrderNo"] == cancel_hx.as_str())
        .expect("the pending cancel decided");
    assert_eq!(cancel["cancelStatus"], "CANCELLED");
    assert_eq!(
        find("signImagePush")["images"][0]["contentType"],
        "image/png"
    );
    // Every order finished its life, still within the minute.
    for (code, end) in [
        ("IN-1", "RECEIVED"),
        ("OUT-1", "SIGNED"),
        ("P-1", "CONFIRMED"),
        ("T-1", "SIGNED"),
        ("OUT-CANCEL", "CANCELLED"),
    ] {
        let left = 60u64.saturating_sub(started.elapsed().as_secs());
        wait_status(&pool, "SBX-C1", code, end, left).await;
    }
    // The package's DWS scan by the simulated scanner measured it.
    let measured: Option<rust_decimal::Decimal> = sqlx::query_scalar(
        "SELECT p.measured_weight_kg FROM packages p JOIN orders o ON o.id = p.order_id WHERE o.order_code = 'OUT-1'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        measured.is_some(),
        "the simulated scanner measured the package"
    );
}

#[sqlx::test]
async fn sandbox_and_real_tenants_never_meet(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    let real_receiver = Receiver::start("secret-of-REAL-C1").await;
    let real = customer(&app, "REAL-C1", false, Some(&real_receiver.url))
        .await
        .unwrap();
    let sandbox = customer(&app, "SBX-C2", true, None).await.unwrap();

    // A createBy is a sandbox one or a real one, never both, whichever comes first.
    for (create_by, sandbox_flag) in [("REAL-C1", true), ("SBX-C2", false)] {
        let e = admin::add_client(
            &app.pool,
            &master_key(),
            NewClientInput {
                kind: ClientKind::Carrier,
                create_by: create_by.into(),
                data_source: "OTHER".into(),
                sandbox: sandbox_flag,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&e, ServiceError::Conflict(m) if m.contains("needs a createBy of its own")),
            "{e}"
        );
    }

    for who in [&real, &sandbox] {
        base_data(&app, who).await;
    }
    // The real tenant has stock; its order must stay exactly as the real warehouse leaves it.
    crate::orders::stock(&app, &real, "OW01", "SKU-1", "", None, 10).await;
    for who in [&real, &sandbox] {
        app.call(
            OUT,
            who,
            &out_order(
                "SAME-CODE",
                json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1}]),
            ),
        )
        .await
        .expect(200, 200);
    }
    // A real order meeting too little stock is refused as ever: only sandbox stock is ample.
    let r = app
        .call(
            OUT,
            &real,
            &out_order(
                "TOO-MUCH",
                json!([{"lineNo": "1", "itemCode": "SKU-2", "planQty": 5}]),
            ),
        )
        .await;
    r.expect(3005, 409);

    // The sandbox order ships (simulated) with its SBX waybill.
    wait_status(&pool, "SBX-C2", "SAME-CODE", "SHIPPED", 20).await;
    let waybill: String = sqlx::query_scalar(
        "SELECT p.waybill_no FROM packages p JOIN orders o ON o.id = p.order_id WHERE o.tenant = 'SBX-C2'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();

    // A real carrier and a real scanner reach nothing of the sandbox, even naming its
    // waybills. One sandbox order the warehouse (ops API) shipped naming the real carrier SF:
    // SF's route for that waybill still links nothing.
    let token = app.ops_token("floor").await;
    let r = app
        .call(
            OUT,
            &sandbox,
            &out_order(
                "SHIPPED-WITH-SF",
                json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1}]),
            ),
        )
        .await;
    r.expect(200, 200);
    let hx = r.body["value"]["hxOrderNo"].as_str().unwrap().to_string();
    // Before it ships, the real carrier and a real scanner already sent a node and a scan for
    // its waybill: neither is linked to it when it ships (they wait for a real package).
    let carrier = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    let scanner = app.identity(ClientKind::Device, "REAL-DWS", "DWS-01").await;
    let early = json!({"waybillNo": "SF-SBX-1", "routes": [{"nodeType": "PICKUP", "nodeTime": "2026-12-05 08:00:00",
                       "description": "提前揽收", "location": "上海"}]});
    app.call("/dtc/carrier/route", &carrier, &early.to_string())
        .await
        .expect(200, 200);
    let early_scan = json!({"deviceCode": "LINE-1", "scans": [{"barcode": "SF-SBX-1", "weight": 9.9, "scanTime": "2026-12-05 08:30:00"}]});
    app.call("/dtc/device/dws", &scanner, &early_scan.to_string())
        .await
        .expect(200, 200);
    app.ops(Some(&token), "POST", &format!("/ops/v1/orders/{hx}/shipments"), json!({"confirmType": "FINAL",
        "packages": [{"packageNo": "P-SF", "waybillNo": "SF-SBX-1", "carrierCode": "SF", "weight": 1.0,
                      "items": [{"lineNo": "1", "qty": 1}]}]}))
        .await
        .expect(200, 200);
    let (linked, measured): (i64, Option<rust_decimal::Decimal>) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM routes WHERE waybill_no = 'SF-SBX-1' AND order_id IS NOT NULL),
                (SELECT measured_weight_kg FROM packages WHERE waybill_no = 'SF-SBX-1')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (linked, measured),
        (0, None),
        "the real node and scan stay unlinked"
    );
    for w in [waybill.as_str(), "SF-SBX-1"] {
        let route = json!({"waybillNo": w, "routes": [{"nodeType": "SIGNED", "nodeTime": "2026-12-05 10:00:00",
                           "description": "冒充签收", "location": "上海"}]});
        let r = app
            .call("/dtc/carrier/route", &carrier, &route.to_string())
            .await;
        r.expect(200, 200);
        assert_eq!(
            r.body["value"]["orderCode"],
            Value::Null,
            "{w}: {:#}",
            r.body
        );
    }
    assert_eq!(
        status_of(&pool, "SBX-C2", "SHIPPED-WITH-SF").await,
        "SHIPPED"
    );
    let scans = json!({"deviceCode": "LINE-1", "scans": [{"barcode": waybill, "weight": 9.9, "scanTime": "2026-12-05 09:00:00"}]});
    let r = app
        .call("/dtc/device/dws", &scanner, &scans.to_string())
        .await;
    r.expect(200, 200);
    assert_eq!(
        r.body["value"]["results"][0]["matched"], false,
        "{:#}",
        r.body
    );
    // The real tenant's queries show its own order only.
    let r = app
        .call(
            "/dtc/logistics/outOrderResult",
            &real,
            r#"{"orderCodes":["SAME-CODE"]}"#,
        )
        .await;
    r.expect(200, 200);
    assert!(!r.body.to_string().contains("SBX"), "{:#}", r.body);

    // The simulator never moved the real order, nor pushed the real tenant anything.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(status_of(&pool, "REAL-C1", "SAME-CODE").await, "CREATED");
    assert!(
        real_receiver.arrivals().is_empty(),
        "{:#?}",
        real_receiver.arrivals()
    );
    let touched: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sandbox_progress p JOIN orders o ON o.id = p.order_id WHERE o.tenant = 'REAL-C1'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(touched, 0);
    // The sandbox order went on to be signed by the simulated carrier, not the impostor.
    wait_status(&pool, "SBX-C2", "SAME-CODE", "SIGNED", 20).await;
    let signers: Vec<String> = sqlx::query_scalar(
        "SELECT carrier_code FROM routes WHERE order_id IS NOT NULL AND waybill_no = $1 ORDER BY node_time",
    )
    .bind(&waybill)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        signers.iter().all(|c| c == "HX-SANDBOX-CARRIER"),
        "{signers:?}"
    );
}

#[sqlx::test]
async fn signature_failures_of_sandbox_identities_say_what_was_signed(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let sandbox = customer(&app, "SBX-C3", true, None).await.unwrap();
    let real = customer(&app, "REAL-C3", false, None).await.unwrap();
    let request = r#"{"products":[{"itemCode":"A","itemName":"甲"}]}"#;
    let ts = hongxun_gateway::auth::timestamp::format(app.now());
    for (who, help) in [(&sandbox, true), (&real, false)] {
        let wrong = Identity {
            secret: "not-the-secret".into(),
            ..who.clone()
        };
        let body = signed_body(&wrong, &ts, None, request);
        let r = app.post_raw(PRODUCT_PATH, body).await;
        r.expect(1003, 401);
        if help {
            let expected = format!(
                "createBy{}dataSource{}request{request}timestamp{ts}",
                who.create_by, who.data_source
            );
            assert_eq!(
                r.body["value"]["signedString"],
                expected.as_str(),
                "{:#}",
                r.body
            );
            assert_eq!(
                r.body["value"]["signedParameters"],
                json!(["createBy", "dataSource", "request", "timestamp"])
            );
            assert!(
                !r.body.to_string().contains(&who.secret),
                "the secret never shows"
            );
        } else {
            assert_eq!(
                r.body["value"],
                Value::Null,
                "production gets no help: {:#}",
                r.body
            );
            assert!(!r.body.to_string().contains("signedString"));
        }
    }
}

/// Every Qimen push a sandbox ERP hears: all but `itemlack.report`, which follows a
/// backorder, which sandbox stock never lets happen (receiver-check sends a sample of it).
pub const QIMEN_METHODS: [&str; 7] = [
    "entryorder.confirm",
    "returnorder.confirm",
    "deliveryorder.confirm",
    "stockout.confirm",
    "orderprocess.report",
    "stockchange.report",
    "inventory.synchronize.report",
];

#[sqlx::test]
async fn a_sandbox_qimen_erp_hears_every_qimen_push_within_a_minute(pool: PgPool) {
    use crate::qimen::{delivery_xml, entry_xml, sync_xml};
    use crate::qimen_support::*;
    use hongxun_gateway::domain::client::Dialect;
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    // Base data through the tenant's 鸿讯 door; orders through Qimen.
    let hongxun = customer(&app, "SBX-Q", true, None).await.unwrap();
    base_data(&app, &hongxun).await;
    let receiver = QimenReceiver::start("qimen-secret-sbx").await;
    admin::add_client(
        &app.pool,
        &master_key(),
        NewClientInput {
            kind: ClientKind::Customer,
            create_by: "SBX-Q".into(),
            data_source: "SBX-QIMEN".into(),
            secret: Some("qimen-secret-sbx".into()),
            callback_url: Some(receiver.url.clone()),
            dialect: Dialect::Qimen,
            app_key: Some("sbx-qimen".into()),
            customer_id: Some("SBX-QC".into()),
            sandbox: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let erp = QimenErp {
        app_key: "sbx-qimen".into(),
        customer_id: "SBX-QC".into(),
        secret: "qimen-secret-sbx".into(),
    };
    let started = Instant::now();
    qimen_xml(
        &app,
        &erp,
        "entryorder.create",
        &entry_xml("IN-Q", "OW01", &[("1", "SKU-1", 10)]),
    )
    .await
    .success();
    let ret = "<request><returnOrder><returnOrderCode>R-Q</returnOrderCode><warehouseCode>WH01</warehouseCode><orderType>THRK</orderType></returnOrder>\
        <orderLines><orderLine><orderLineNo>1</orderLineNo><ownerCode>OW01</ownerCode><itemCode>SKU-2</itemCode><planQty>1</planQty></orderLine></orderLines></request>";
    qimen_xml(&app, &erp, "returnorder.create", ret)
        .await
        .success();
    // No stock at all: sandbox stock never runs out.
    qimen_xml(
        &app,
        &erp,
        "deliveryorder.create",
        &delivery_xml("", "OUT-Q", "JYCK", 2),
    )
    .await
    .success();
    qimen_xml(
        &app,
        &erp,
        "stockout.create",
        &delivery_xml("", "OUT-QS", "PTCK", 1),
    )
    .await
    .success();
    qimen_xml(
        &app,
        &erp,
        "deliveryorder.create",
        &delivery_xml("", "OUT-QC", "JYCK", 1),
    )
    .await
    .success();
    qimen_xml(&app, &erp, "inventory.synchronize", &sync_xml("ADJ-Q", "5"))
        .await
        .success();
    wait_status(&pool, "SBX-Q", "OUT-QC", "PROCESSING", 10).await;
    // Work has started: the cancel waits for the warehouse (3006), which the sandbox approves.
    qimen_xml(
        &app,
        &erp,
        "order.cancel",
        "<request><warehouseCode>WH01</warehouseCode><orderCode>OUT-QC</orderCode><orderType>JYCK</orderType></request>",
    )
    .await
    .failure("3006");

    let until = started + Duration::from_secs(60);
    let want_processes = ["ACCEPT", "SIGN", "CANCELED"];
    loop {
        let pushes = receiver.pushes();
        let methods: BTreeSet<String> = pushes
            .iter()
            .map(|p| p.method.trim_start_matches("taobao.qimen.").to_string())
            .collect();
        let processes: BTreeSet<String> = pushes
            .iter()
            .filter(|p| p.method.ends_with("orderprocess.report"))
            .map(|p| {
                p.request["process"]["processStatus"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        if QIMEN_METHODS.iter().all(|m| methods.contains(*m))
            && want_processes.iter().all(|s| processes.contains(*s))
        {
            eprintln!("every Qimen push after {:?}", started.elapsed());
            break;
        }
        assert!(
            Instant::now() < until,
            "after 60 s: methods {methods:?}, processes {processes:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        receiver.bad_signatures(),
        0,
        "the ERP verifies every signature"
    );
    let sync = receiver
        .pushes()
        .into_iter()
        .find(|p| p.method.ends_with("inventory.synchronize.report"))
        .unwrap();
    assert_eq!(sync.request["status"], "APPROVED", "{:#}", sync.request);
    assert_eq!(sync.request["adjustOrderCode"], "ADJ-Q");
}

#[sqlx::test]
async fn a_sandbox_3tms_shipper_hears_its_subscribed_states_within_a_minute(pool: PgPool) {
    use crate::tms_support::*;
    use crate::tms_waybills::waybill;
    use hongxun_gateway::domain::client::Dialect;
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    admin::add_client(
        &app.pool,
        &master_key(),
        NewClientInput {
            kind: ClientKind::Customer,
            create_by: "SBX-T".into(),
            data_source: "SBX-3TMS".into(),
            dialect: Dialect::Tms,
            user_name: Some("sbx-shipper".into()),
            password: Some("pa55word".into()),
            secret: Some("tms-secret-sbx".into()),
            sandbox: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let token = sign_in(&app, "sbx-shipper", "pa55word").await;
    let receiver = TmsReceiver::start("tms-secret-sbx").await;
    for (path, body) in [
        (
            "/order/subscribe/v2",
            json!({"states": "0,1,2,3,4,210,8000,8001,8002", "callbackUrl": receiver.url, "version": "v1"}),
        ),
        (
            "/order/orderPack/subscribe",
            json!({"states": "19000,40000,40001", "callbackUrl": receiver.url}),
        ),
        (
            "/customer_order/subscribe",
            json!({"states": "600,601,602", "callbackUrl": receiver.url, "xhkID": "XHK-SBX"}),
        ),
    ] {
        let a = post(&app, path, Some(&token), false, body).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    let started = Instant::now();
    let created = post(
        &app,
        "/order/create_order",
        Some(&token),
        false,
        json!({"orderList": [waybill("W-SBX", "15161151543"), waybill("W-SBX-CANCEL", "15161151544")]}),
    )
    .await;
    let numbers = ok(&created).clone();
    let cancel = numbers[1].as_str().unwrap().to_string();
    let a = post(
        &app,
        "/order/cancel_orders/v2",
        Some(&token),
        false,
        json!({"numbers": cancel}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let slip = crate::tms_slips::slip("O-SBX", Some("868120223409999"));
    let a = post(
        &app,
        "/customer_order/create_customer_order",
        Some(&token),
        false,
        json!({"orders": [slip]}),
    )
    .await;
    ok(&a);

    // Every state of every scope: the simulated dispatch also moves the waybill to another
    // vehicle (210, 40001, 19000) and reports an exception in transit (8002).
    let want = [
        0, 1, 2, 3, 4, 210, 8000, 8001, 8002, 19000, 40000, 40001, 600, 601, 602,
    ];
    let until = started + Duration::from_secs(60);
    loop {
        let got: BTreeSet<i64> = receiver
            .callbacks()
            .iter()
            .filter_map(|c| match c["printType"].as_str() {
                // The print messages name their kind rather than a state.
                Some("运单打印") => Some(8000),
                Some("运单标签打印") => Some(8001),
                _ => c["subscribeState"].as_i64(),
            })
            .collect();
        if want.iter().all(|s| got.contains(s)) {
            eprintln!("every subscribed 3TMS state after {:?}", started.elapsed());
            break;
        }
        assert!(
            Instant::now() < until,
            "after 60 s only {got:?} of {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The waybill went through the simulated trip, carrier and sign-off.
    let signed = receiver
        .callbacks()
        .into_iter()
        .find(|c| c["subscribeState"] == 4 && c.get("number").is_some())
        .unwrap();
    assert_eq!(signed["number"], numbers[0], "{signed:#}");
    assert_eq!(signed["groupName"], "沙箱车队", "{signed:#}");
    assert_eq!(
        signed["carNumber"], "沪A·SBX乙",
        "signed on the second vehicle: {signed:#}"
    );
}

#[sqlx::test]
async fn qimen_and_oms_signature_failures_of_sandbox_identities_say_what_was_signed(pool: PgPool) {
    use crate::qimen_support::*;
    use hongxun_gateway::domain::client::Dialect;
    let app = spawn_app(pool.clone()).await;
    for (create_by, key, sandbox) in [("SBX-S", "sbx-key", true), ("REAL-S", "real-key", false)] {
        admin::add_client(
            &app.pool,
            &master_key(),
            NewClientInput {
                kind: ClientKind::Customer,
                create_by: create_by.into(),
                data_source: "QM".into(),
                secret: Some("right".into()),
                dialect: Dialect::Qimen,
                app_key: Some(key.into()),
                customer_id: Some(format!("{key}-c")),
                sandbox,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let erp = QimenErp {
            app_key: key.into(),
            customer_id: format!("{key}-c"),
            secret: "wrong".into(),
        };
        let body = "<request><entryOrderCode>X</entryOrderCode></request>";
        let a = qimen_xml(&app, &erp, "entryorder.query", body).await;
        a.failure("1003");
        if sandbox {
            assert!(a.raw.contains("[sandbox]"), "{}", a.raw);
            assert!(a.raw.contains("parameters in order: app_key, customerId, format, method, sign_method, timestamp, v, (body)"), "{}", a.raw);
            assert!(
                a.raw
                    .contains(&format!("signed string: app_key{key}customerId{key}-c")),
                "{}",
                a.raw
            );
            assert!(
                !a.raw.contains("right"),
                "the secret never shows: {}",
                a.raw
            );
        } else {
            assert!(!a.raw.contains("[sandbox]"), "{}", a.raw);
        }
    }
    // OMS: the same in its `message`.
    for (create_by, key, sandbox) in [
        ("SBX-S", "sbx-oms-key", true),
        ("REAL-S", "real-oms-key", false),
    ] {
        admin::add_client(
            &app.pool,
            &master_key(),
            NewClientInput {
                kind: ClientKind::Customer,
                create_by: create_by.into(),
                data_source: "OMS".into(),
                secret: Some("right".into()),
                dialect: Dialect::Oms,
                app_key: Some(key.into()),
                sandbox,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let wrong = crate::oms::Oms {
            app_key: key.into(),
            secret: "wrong".into(),
        };
        let p = crate::oms::part1(
            &app,
            &wrong,
            "warehouse.getList",
            json!({"page_no": 1, "page_size": 10}),
        );
        let r = crate::oms::send(&app, "/openapi", &p, crate::oms::Via::Form).await;
        assert_eq!(r.body["code"], 1003, "{:#}", r.body);
        let m = r.body["message"].as_str().unwrap_or_default();
        if sandbox {
            assert!(
                m.contains("[sandbox]") && m.contains("signed string: "),
                "{m}"
            );
            assert!(
                m.contains(&format!("app_key{key}")) || m.contains(key),
                "{m}"
            );
            assert!(!m.contains("right"), "the secret never shows: {m}");
        } else {
            assert!(!m.contains("[sandbox]"), "{m}");
        }
    }
}

#[sqlx::test]
async fn a_sandbox_oms_transfer_is_received_and_listed_as_completed(pool: PgPool) {
    use crate::oms::{part1, send, transfer, Via};
    let app = spawn_app(pool.clone()).await;
    let hongxun = customer(&app, "SBX-O", true, None).await.unwrap();
    app.call(ORG_PATH, &hongxun, &org_request("WH01", "OW01"))
        .await
        .expect(200, 200);
    app.call(
        PRODUCT_PATH,
        &hongxun,
        &json!({"products": [{"itemCode": "SKU-1", "itemName": "杯子"}]}).to_string(),
    )
    .await
    .expect(200, 200);
    // The OMS identity joins the sandbox tenant (sandbox too: the namespace is one or the other).
    let e = oms_identity_in_sandbox(&app).await;
    let before = app.now();
    let items = r#"[{"bn":"SKU-1","name":"杯子","price":10,"nums":4}]"#;
    let r = send(
        &app,
        "/openapi",
        &part1(&app, &e, "warehouse.add", transfer("T-SBX", items)),
        Via::Form,
    )
    .await;
    r.expect(0, 200);
    // Seed 001 has no callbacks: the OMS sees the simulated receipt by polling.
    wait_status(&pool, "SBX-O", "T-SBX", "RECEIVED", 30).await;
    let window = json!({"start_time": hongxun_gateway::domain::time::format(before),
        "end_time": hongxun_gateway::domain::time::format(before + chrono::TimeDelta::hours(1)),
        "page_no": 1, "page_size": 50});
    let list = send(
        &app,
        "/openapi",
        &part1(&app, &e, "warehouse.getList", window),
        Via::Form,
    )
    .await;
    list.expect(0, 200);
    assert_eq!(list.body["data"]["total"], 1, "{:#}", list.body);
    assert_eq!(list.body["data"]["items"][0]["original_iso_bn"], "T-SBX");
}

async fn oms_identity_in_sandbox(app: &TestApp) -> crate::oms::Oms {
    use hongxun_gateway::domain::client::Dialect;
    admin::add_client(
        &app.pool,
        &master_key(),
        NewClientInput {
            kind: ClientKind::Customer,
            create_by: "SBX-O".into(),
            data_source: "SBX-OMS".into(),
            secret: Some("oms-sbx-secret".into()),
            dialect: Dialect::Oms,
            app_key: Some("sbx-oms".into()),
            sandbox: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    crate::oms::Oms {
        app_key: "sbx-oms".into(),
        secret: "oms-sbx-secret".into(),
    }
}

#[sqlx::test]
async fn a_tracker_number_of_a_sandbox_slip_neither_blocks_nor_hears_a_real_one(pool: PgPool) {
    use crate::tms_support::*;
    use hongxun_gateway::domain::client::Dialect;
    const TRACKER: &str = "868120223400001";
    // Sandbox stays still here: this test drives the slips itself.
    let app = spawn_app_with(pool.clone(), hongxun_gateway::state::Clock::System, |s| {
        s.sandbox.enabled = false
    })
    .await;
    for (tenant, user, sandbox) in [("SBX-TR", "sbx-tr", true), ("REAL-TR", "real-tr", false)] {
        admin::add_client(
            &app.pool,
            &master_key(),
            NewClientInput {
                kind: ClientKind::Customer,
                create_by: tenant.into(),
                data_source: "TMS".into(),
                dialect: Dialect::Tms,
                user_name: Some(user.into()),
                password: Some("pa55word".into()),
                sandbox,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let create = |token: String, original: &'static str| {
        let app = &app;
        async move {
            post(
                app,
                "/customer_order/create_customer_order",
                Some(&token),
                false,
                json!({"orders": [crate::tms_slips::slip(original, Some(TRACKER))]}),
            )
            .await
        }
    };
    // Both shippers hear 602, so a position that reached the wrong slips would show.
    let sbx = sign_in(&app, "sbx-tr", "pa55word").await;
    let real = sign_in(&app, "real-tr", "pa55word").await;
    for token in [&sbx, &real] {
        let a = post(
            &app,
            "/customer_order/subscribe",
            Some(token),
            false,
            json!({"states": "602", "callbackUrl": "https://example.com/tr", "xhkID": "XHK"}),
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    // The sandbox binds the tracker number first, twice; the real shipper can still bind it.
    ok(&create(sbx.clone(), "O-SBX-TR").await);
    ok(&create(sbx, "O-SBX-TR2").await);
    let a = create(real, "O-REAL-TR").await;
    ok(&a);
    // A real tracker's position reaches the real slip only.
    let ops = app.ops_token("tracker-platform").await;
    let r = app
        .ops(
            Some(&ops),
            "POST",
            &format!("/ops/v1/trackers/{TRACKER}/points"),
            json!({"gpsTime": 1572329163, "lat": 22.57, "lng": 113.92, "locateType": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["value"]["slips"], 1, "{}", r.body);
    let told: Vec<String> =
        sqlx::query_scalar("SELECT tenant FROM push_outbox WHERE event_type = 'slipGps'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(told, ["REAL-TR"]);
}

/// The simulator's enlisting reads a sandbox tenant's new orders through `orders (tenant, id)`
/// only, even when PostgreSQL rates index-only scans dear (as while many new orders are not yet
/// all-visible): with the tenant's bound written as an equality it walked the primary key,
/// which for a tenant with few orders is the whole table, on every tick.
#[sqlx::test]
async fn the_simulator_finds_new_sandbox_orders_without_walking_all_orders(pool: PgPool) {
    sqlx::query("INSERT INTO tenants (name, sandbox) VALUES ('BIG', false), ('SBX-A', true)")
        .execute(&pool)
        .await
        .unwrap();
    // A busy real tenant, then one sandbox order.
    sqlx::query(
        "INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, status, fingerprint, request) \
         SELECT t, 'IN', 'O-' || g, 'HX-' || t || '-' || g, 'CGRK', 'CREATED', 'fp', '{}' \
           FROM generate_series(1, 30000) g, \
                LATERAL (SELECT CASE WHEN g = 30000 THEN 'SBX-A' ELSE 'BIG' END AS t) x",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE orders").execute(&pool).await.unwrap();

    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL enable_indexonlyscan = off")
        .execute(&mut *tx)
        .await
        .unwrap();
    let read = ["orders", "orders_pkey"];
    let before = blocks_fetched(&mut tx, &read).await;
    let enlisted = hongxun_gateway::store::sandbox::enlist_new_orders(&mut tx)
        .await
        .unwrap();
    assert_eq!(enlisted, 1, "the sandbox order was found");
    let walked = blocks_fetched(&mut tx, &read).await - before;
    // The sandbox order's index entry and its heap page: a handful of blocks, not the
    // hundreds the table has.
    let pages = pages_of(&mut tx, "orders").await;
    assert!(pages > 100, "{pages}");
    assert!(
        walked < 10,
        "{walked} blocks of orders and its primary key read"
    );
}
