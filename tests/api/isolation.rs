//! Tenant isolation sweep: customer B calls every customer endpoint with customer A's
//! identifiers (order codes, waybills, VIN, item codes, consignee code). No reply shows
//! anything of A's, and every row of A's, in every table, is exactly as before.

use crate::helpers::*;
use crate::orders::{customer_with_base_data, out_order, stock};
use hongxun_gateway::domain::client::ClientKind;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::BTreeMap;

const VIN: &str = "LSVAU2180N2183294";
const IN_PATH: &str = "/dtc/logistics/inOrder";
const OUT_PATH: &str = "/dtc/logistics/outOrder";
const PROPERTY_PATH: &str = "/dtc/logistics/propertyOrder";
const TRANSPORT_PATH: &str = "/dtc/logistics/transportOrder";
const CANCEL_PATH: &str = "/dtc/logistics/cancelOrder";
const LPN_PATH: &str = "/dtc/logistics/lpn";
const SERIALS_PATH: &str = "/dtc/logistics/serialCodes";
const INVENTORY_PATH: &str = "/dtc/logistics/inventoryQuery";
const IN_RESULT_PATH: &str = "/dtc/logistics/inOrderResult";
const OUT_RESULT_PATH: &str = "/dtc/logistics/outOrderResult";
const VEHICLES_PATH: &str = "/dtc/logistics/vehicleInventoryQuery";
const ROUTE_QUERY_PATH: &str = "/dtc/logistics/routeQuery";

/// A's rows per table. Every table is either here or in `NOT_TENANT_DATA`, so a new table
/// without an entry fails this test until someone decides how it is isolated.
const A_ROWS: &[(&str, &str)] = &[
    ("adjustment_requests", "tenant = $1"),
    ("clients", "create_by = $1"),
    ("consignees", "tenant = $1"),
    ("dws_scans", "package_id IN (SELECT id FROM packages WHERE tenant = $1)"),
    ("inventory_adjustments", "tenant = $1"),
    ("inventory_balances", "tenant = $1"),
    ("inventory_movements", "balance_id IN (SELECT id FROM inventory_balances WHERE tenant = $1)"),
    ("inventory_orgs", "tenant = $1"),
    // A's namespace (sandbox or real): written once by its first identity, never by B.
    ("tenants", "name = $1"),
    ("lpn_items", "lpn_id IN (SELECT l.id FROM lpns l JOIN orders o ON o.id = l.order_id WHERE o.tenant = $1)"),
    ("lpns", "order_id IN (SELECT id FROM orders WHERE tenant = $1)"),
    ("order_confirmations", "order_id IN (SELECT id FROM orders WHERE tenant = $1)"),
    ("order_events", "order_id IN (SELECT id FROM orders WHERE tenant = $1)"),
    ("order_lines", "order_id IN (SELECT id FROM orders WHERE tenant = $1)"),
    ("order_vehicles", "order_id IN (SELECT id FROM orders WHERE tenant = $1)"),
    ("orders", "tenant = $1"),
    ("packages", "tenant = $1"),
    ("products", "tenant = $1"),
    ("push_attempts", "push_id IN (SELECT id FROM push_outbox WHERE tenant = $1)"),
    ("push_outbox", "tenant = $1"),
    ("replay_keys", "client_id IN (SELECT id FROM clients WHERE create_by = $1)"),
    ("reservations", "order_line_id IN (SELECT l.id FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.tenant = $1)"),
    ("routes", "tenant = $1"),
    ("serial_codes", "tenant = $1"),
    ("sign_images", "tenant = $1"),
    ("sign_offs", "tenant = $1"),
    ("vehicles", "tenant = $1"),
    ("tms_accounts", "client_id IN (SELECT id FROM clients WHERE create_by = $1)"),
    ("tms_customers", "tenant = $1"),
    ("tms_organizations", "tenant = $1"),
    ("tms_tokens", "client_id IN (SELECT id FROM clients WHERE create_by = $1)"),
    ("trips", "tenant = $1"),
    ("slips", "tenant = $1"),
    ("warehouses", "tenant = $1"),
    ("event_subscriptions", "client_id IN (SELECT id FROM clients WHERE create_by = $1)"),
    ("waybill_exceptions", "order_id IN (SELECT id FROM orders WHERE tenant = $1)"),
];

/// Written in the background (audit rows, rate counts) or not customer data at all.
const NOT_TENANT_DATA: &[&str] = &[
    "_sqlx_migrations",
    "api_requests",
    "console_sessions",
    "ops_idempotency_keys",
    "ops_tokens",
    "rate_counters",
    // Keyed by user name and address, before anyone is known.
    "sign_in_failures",
    // The sandbox simulator's own progress: rows only for sandbox tenants, never a real one's
    // (tests/api/sandbox.rs proves the simulator leaves a real tenant alone).
    "sandbox_progress",
    "sandbox_tenant_runs",
    "sandbox_cursors",
];

async fn snapshot(pool: &PgPool, tenant: &str) -> BTreeMap<String, (i64, String)> {
    let mut out = BTreeMap::new();
    for (table, filter) in A_ROWS {
        let sql = format!(
            "SELECT count(*), COALESCE(md5(string_agg(t::text, '|' ORDER BY t::text)), '')
               FROM {table} t WHERE {filter}"
        );
        let row: (i64, String) = sqlx::query_as(&sql)
            .bind(tenant)
            .fetch_one(pool)
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        out.insert(table.to_string(), row);
    }
    out
}

/// Things only A's data holds; none may appear in any reply to B.
struct Markers(Vec<String>);

impl Markers {
    #[track_caller]
    fn absent_from(&self, what: &str, body: &Value) {
        let text = body.to_string();
        for m in &self.0 {
            assert!(
                !text.contains(m.as_str()),
                "{what}: B's reply shows A's {m:?}: {text}"
            );
        }
    }
}

fn hx(r: &Reply) -> String {
    r.expect(200, 200);
    r.body["value"]["hxOrderNo"].as_str().unwrap().to_string()
}

fn address(name: &str) -> Value {
    json!({"name": name, "phone": "13800138000", "provinceName": "上海", "cityName": "上海", "address": "外高桥1号"})
}

/// A: base data with a product and consignee of its own, stock, an inbound order with an LPN,
/// an outbound order shipped with a waybill and routed by a carrier, a property order, a
/// confirmed transport order, a vehicle in the yard. Returns A and the markers of its data.
async fn tenant_a(app: &TestApp) -> (Identity, Markers, Vec<String>) {
    let a = customer_with_base_data(app, "C001").await;
    let token = app.ops_token("floor").await;
    app.call(
        PRODUCT_PATH,
        &a,
        &json!({"products": [{"itemCode": "A-ONLY", "itemName": "甲方专用品"}]}).to_string(),
    )
    .await
    .expect(200, 200);
    let mut cnee = address("甲方收货人");
    cnee["consigneeCode"] = json!("A-CNEE");
    app.call(
        CONSIGNEE_PATH,
        &a,
        &json!({"consignees": [cnee]}).to_string(),
    )
    .await
    .expect(200, 200);
    stock(app, &a, "OW01", "SKU-1", "", None, 10).await;
    // Stock only A holds: B's inventory queries for these items must come back empty.
    stock(app, &a, "OW01", "SKU-2", "", None, 6).await;
    stock(app, &a, "OW01", "A-ONLY", "", None, 7).await;

    let mut hxs = Vec::new();
    let mut out = serde_json::from_str::<Value>(&out_order(
        "A-OUT",
        json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 2}]),
    ))
    .unwrap();
    out["receiver"]["name"] = json!("甲方收件人");
    let out_hx = hx(&app.call(OUT_PATH, &a, &out.to_string()).await);
    app.ops(Some(&token), "POST", &format!("/ops/v1/orders/{out_hx}/shipments"), json!({"confirmType": "FINAL",
        "packages": [{"packageNo": "A-PKG-1", "waybillNo": "A-WB-1", "carrierCode": "SF", "weight": 1.0,
                      "items": [{"lineNo": "1", "qty": 2}]}]}))
        .await
        .expect(200, 200);
    hxs.push(out_hx);
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    app.call(
        "/dtc/carrier/route",
        &sf,
        &json!({"waybillNo": "A-WB-1", "routes": [{"nodeType": "PICKUP",
        "nodeTime": "2026-11-25 09:00:00", "description": "甲方包裹已揽收", "location": "上海"}]})
        .to_string(),
    )
    .await
    .expect(200, 200);

    let in_hx = hx(&app
        .call(
            IN_PATH,
            &a,
            &json!({"orderCode": "A-IN", "orderType": "CGRK", "inventoryCode": "WH01",
            "subbaseCode": "OW01", "remark": "甲方入库",
            "items": [{"lineNo": "1", "itemCode": "SKU-2", "planQty": 4}]})
            .to_string(),
        )
        .await);
    app.call(
        LPN_PATH,
        &a,
        &json!({"orderCode": "A-IN", "lpns": [{"lpnCode": "A-LPN-1",
        "items": [{"itemCode": "SKU-2", "qty": 4}]}]})
        .to_string(),
    )
    .await
    .expect(200, 200);
    hxs.push(in_hx);

    hxs.push(hx(&app
        .call(
            PROPERTY_PATH,
            &a,
            &json!({"orderCode": "A-PROP", "orderType": "WQZY", "inventoryCode": "WH01",
            "subbaseCode": "OW01", "toSubbaseCode": "OW02",
            "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1}]})
            .to_string(),
        )
        .await));

    let tr_hx = hx(&app
        .call(
            TRANSPORT_PATH,
            &a,
            &json!({"orderCode": "A-TR", "orderType": "ZCYS",
            "consigner": address("甲方发货人"), "consignee": address("甲方收货人"),
            "pickupTime": "2026-12-01 08:00:00", "cargoList": [{"name": "家具", "quantity": 3}],
            "vehicles": [{"vin": "LSVAU2180N2183299", "brand": "甲方车"}]})
            .to_string(),
        )
        .await);
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{tr_hx}/confirm"),
        json!({"accept": true, "carrierCode": "SF", "waybillNo": "A-WB-T"}),
    )
    .await
    .expect(200, 200);
    hxs.push(tr_hx);

    app.ops(
        Some(&token),
        "POST",
        "/ops/v1/vehicles",
        json!({"customer": "C001", "vin": VIN,
        "inventoryCode": "YARD1", "brand": "甲方品牌", "model": "朗逸", "color": "白"}),
    )
    .await
    .expect(200, 200);

    let mut markers = hxs;
    markers.extend(["甲方", "A-PKG-1", "A-LPN-1"].map(String::from));
    let (codes, more) = other_dialects_of_a(app, &a, &token).await;
    markers.extend(more);
    (a, Markers(markers), codes)
}

/// B through every other door with A's codes: Qimen queries and cancels of A's orders, OMS
/// transfer lists and A's transfer code, 3TMS finds, queries, cancels and cargo on A's
/// numbers. Nothing of A's shows, nothing of A's changes (the snapshot after).
async fn other_dialects_of_b(app: &TestApp, markers: &Markers, a_codes: &[String]) {
    use crate::oms::{oms_identity, part1, send as oms_send, transfer, Via, OPENAPI};
    use crate::qimen_support::{qimen_identity, qimen_xml};
    use crate::tms_support::{account, post, sign_in};
    let (a_number, a_slip) = (&a_codes[0], &a_codes[1]);
    let erp = qimen_identity(app, "C002", "B-QK", "B-QC", None).await;
    for (method, body, must_fail) in [
        ("entryorder.query", "<request><entryOrderCode>A-QM-IN</entryOrderCode><warehouseCode>WH01</warehouseCode></request>", true),
        ("order.cancel", "<request><warehouseCode>WH01</warehouseCode><orderCode>A-QM-IN</orderCode><orderType>CGRK</orderType><cancelReason>乙方</cancelReason></request>", true),
        ("inventory.query", "<request><criteriaList><criteria><warehouseCode>WH01</warehouseCode><ownerCode>OW01</ownerCode><itemCode>SKU-2</itemCode></criteria></criteriaList></request>", false),
    ] {
        let r = qimen_xml(app, &erp, method, body).await;
        assert_eq!(r.status, 200, "{method}: {}", r.raw);
        if must_fail {
            assert_eq!(r.flag(), "failure", "Qimen {method} of A's order: {}", r.raw);
        }
        markers.absent_from(&format!("Qimen {method}"), &r.body);
    }
    let oms = oms_identity(app, "C002", "B-OK", "b-oms-secret").await;
    let list = oms_send(
        app,
        OPENAPI,
        &part1(
            app,
            &oms,
            "warehouse.getList",
            json!({"start_time": "2020-01-01 00:00:00", "end_time": "2099-01-01 00:00:00"}),
        ),
        Via::Form,
    )
    .await;
    markers.absent_from("OMS warehouse.getList", &list.body);
    // B has a WH09 of its own (one owner): A's transfer code is free for B.
    let b = Identity {
        create_by: "C002".into(),
        data_source: "ERP01".into(),
        secret: "secret-of-C002-ERP01".into(),
    };
    app.call(ORG_PATH, &b, &org_request("WH09", "OW01"))
        .await
        .expect(200, 200);
    let mut t1 = transfer("A-T-1", r#"[{"bn":"SKU-1","nums":1}]"#);
    t1["branch_bn"] = json!("WH09");
    let own = oms_send(
        app,
        OPENAPI,
        &part1(app, &oms, "warehouse.add", t1),
        Via::Form,
    )
    .await;
    assert_eq!(
        own.body["code"], 0,
        "B's own transfer under A's code: {}",
        own.body
    );
    account(app, "C002", "b-shipper", "pa55word").await;
    let t = sign_in(app, "b-shipper", "pa55word").await;
    for (path, body) in [
        ("/order/find_order/v2", json!({"orderNumber": a_number})),
        (
            "/order/find_order/v2",
            json!({"phoneNumber": "13811112222"}),
        ),
        (
            "/order/query_orders/v2",
            json!({"pageNo": 1, "pageSize": 50}),
        ),
        ("/order/cancel_orders/v2", json!({"numbers": a_number})),
        (
            "/cargo/add",
            json!({"orderNumber": a_number, "cargoNumber": "G-B", "name": "乙方货"}),
        ),
        (
            "/customer_order/query_customer_orders",
            json!({"number": a_slip}),
        ),
        (
            "/customer_order/cancel_customer_orders",
            json!({"numbers": a_slip}),
        ),
        (
            "/customer_order/batch_unbind_devices",
            json!({"deviceNumbers": ["A-DEV-1"]}),
        ),
    ] {
        let r = post(app, path, Some(&t), false, body).await;
        assert!(r.status < 500, "{path}: {}", r.body);
        markers.absent_from(&format!("3TMS {path}"), &r.body);
    }
}

/// A's data through the other doors and the devices: a Qimen ERP's inbound order and stock
/// synchronisation request, an OMS transfer, a 3TMS shipper's waybill (on a trip, with an
/// exception), slip with a tracker, address book, organisation tree and subscription, a
/// carrier's sign-off and image, a DWS scan, and pushes attempted to A's receiver. Returns the
/// markers of that data.
async fn other_dialects_of_a(app: &TestApp, a: &Identity, ops: &str) -> (Vec<String>, Vec<String>) {
    use crate::oms::{oms_identity, part1, send as oms_send, transfer, Via, OPENAPI};
    use crate::qimen::{entry_xml, sync_xml};
    use crate::qimen_support::{qimen_identity, qimen_xml};
    use crate::tms_support::{account, ok, post, sign_in};
    let receiver = crate::receiver::Receiver::start(&a.secret).await;
    hongxun_gateway::service::admin::change_client(
        &app.pool,
        "C001",
        &a.data_source,
        hongxun_gateway::store::clients::ClientChange {
            callback_url: Some(Some(&receiver.url)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let erp = qimen_identity(app, "C001", "A-QK", "A-QC", None).await;
    qimen_xml(
        app,
        &erp,
        "entryorder.create",
        &entry_xml("A-QM-IN", "OW01", &[("1", "SKU-1", 3)]),
    )
    .await
    .success();
    qimen_xml(
        app,
        &erp,
        "inventory.synchronize",
        &sync_xml("A-QM-ADJ", "2"),
    )
    .await
    .success();
    let oms = oms_identity(app, "C001", "A-OK", "a-oms-secret").await;
    // A warehouse of one owner takes transfers.
    app.call(ORG_PATH, a, &org_request("WH09", "OW01"))
        .await
        .expect(200, 200);
    let mut t1 = transfer("A-T-1", r#"[{"bn":"SKU-1","nums":1}]"#);
    t1["branch_bn"] = json!("WH09");
    let r = oms_send(
        app,
        OPENAPI,
        &part1(app, &oms, "warehouse.add", t1),
        Via::Form,
    )
    .await;
    assert_eq!(r.body["code"], 0, "{}", r.body);

    account(app, "C001", "a-shipper", "pa55word").await;
    let t = sign_in(app, "a-shipper", "pa55word").await;
    let number = ok(&post(
        app,
        "/order/create_order",
        Some(&t),
        false,
        json!({"orderList": [crate::tms_waybills::waybill("A-WMS-1", "13811112222")]}),
    )
    .await)[0]
        .as_str()
        .unwrap()
        .to_string();
    let slip = ok(&post(
        app,
        "/customer_order/create_customer_order",
        Some(&t),
        false,
        json!({"orders": [crate::tms_slips::slip("A-SLIP-O", Some("A-DEV-1"))]}),
    )
    .await)[0]
        .as_str()
        .unwrap()
        .to_string();
    ok(&post(app, "/customer/add_customers", Some(&t), false, json!({"customers": [
        {"name": "甲方客户", "phone": "13800138001", "address": "杭州市", "type": 1, "paymentType": 5}]})).await);
    let r = post(
        app,
        "/order/subscribe/v2",
        Some(&t),
        false,
        json!({"states": "1,2", "callbackUrl": "https://a.example.com/cb", "version": "v1"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.ops(
        Some(ops),
        "PUT",
        "/ops/v1/customers/C001/tms/organizations",
        json!({"nodes": [{"nodeId": 0, "name": "甲方总部", "path": "0"}]}),
    )
    .await
    .expect(200, 200);
    let trip = app
        .ops(
            Some(ops),
            "POST",
            "/ops/v1/customers/C001/trips",
            json!({"waybills": [number], "plateNo": "沪A1", "carrierCode": "SF"}),
        )
        .await;
    assert_eq!(trip.status, 200, "{}", trip.body);
    let r = app
        .ops(
            Some(ops),
            "POST",
            &format!("/ops/v1/customers/C001/waybills/{number}/exceptions"),
            json!({"type": "装货异常", "profile": "甲方异常", "info": "外箱破损", "source": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The carrier signs A's parcel off, with an image; the DWS line weighs it.
    let sf = Identity {
        create_by: "SF".into(),
        data_source: "SF-TMS".into(),
        secret: "secret-of-SF-SF-TMS".into(),
    };
    app.call(
        "/dtc/carrier/route",
        &sf,
        &json!({"waybillNo": "A-WB-1", "routes": [{"nodeType": "SIGNED",
        "nodeTime": "2026-11-26 09:00:00", "description": "甲方已签收", "operator": "甲方签收人"}]})
        .to_string(),
    )
    .await
    .expect(200, 200);
    let photo = crate::carrier::jpeg(1000, 9);
    app.call(
        "/dtc/carrier/signImage",
        &sf,
        &json!({"waybillNo": "A-WB-1", "signer": "甲方签收人",
        "signTime": "2026-11-26 09:00:00",
        "images": [{"contentType": "image/jpeg", "base64": crate::carrier::b64(&photo)}]})
        .to_string(),
    )
    .await
    .expect(200, 200);
    let dws = app.identity(ClientKind::Device, "HX-DWS", "LINE-1").await;
    app.call(
        "/dtc/device/dws",
        &dws,
        &json!({"deviceCode": "LINE-1", "scans": [
        {"barcode": "A-WB-1", "weight": 1.0, "scanTime": "2026-11-25 09:30:00"}]})
        .to_string(),
    )
    .await
    .expect(200, 200);
    // A stock count by the warehouse.
    app.ops(Some(ops), "POST", "/ops/v1/inventory/adjustments", json!({"customer": "C001",
        "warehouseCode": "WH01", "ownerCode": "OW01", "adjustOrderCode": "A-ADJ-1", "adjustType": "CHECK",
        "items": [{"itemCode": "SKU-1", "qty": 1}]}))
        .await
        .expect(200, 200);
    // Serial numbers on an outbound of A's still being worked, of a serial-managed item.
    app.call(
        PRODUCT_PATH,
        a,
        &json!({"products": [{"itemCode": "A-SNI", "itemName": "甲方串码品", "serialManaged": true}]})
            .to_string(),
    )
    .await
    .expect(200, 200);
    stock(app, a, "OW01", "A-SNI", "", None, 3).await;
    let sn_order = out_order(
        "A-OUT-SN",
        json!([{"lineNo": "1", "itemCode": "A-SNI", "planQty": 1}]),
    );
    app.call(OUT_PATH, a, &sn_order).await.expect(200, 200);
    app.call(
        SERIALS_PATH,
        a,
        &json!({"orderCode": "A-OUT-SN", "items": [{"lineNo": "1", "snCodes": ["A-SN-1"]}]})
            .to_string(),
    )
    .await
    .expect(200, 200);
    // Pushes reach A's receiver (so attempts exist).
    receiver.wait_for(1, 10).await;
    // Codes B will send (its answers may echo them); markers only A's data holds.
    let codes = vec![number, slip];
    let markers = ["A-SN-1", "甲方客户", "甲方总部", "甲方异常", "甲方签收人"]
        .map(String::from)
        .to_vec();
    (codes, markers)
}

#[sqlx::test]
async fn customer_b_using_a_s_identifiers_sees_and_changes_nothing_of_a_s(pool: PgPool) {
    let setup = spawn_pushing_app(pool.clone(), "200ms").await;
    let (a, markers, a_codes) = tenant_a(&setup).await;
    // A's pushes have been attempted; from here on a gateway that does not deliver, so the
    // outbox changes only if B's calls change it.
    setup.shutdown.cancel();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let app = spawn_app_with(pool.clone(), hongxun_gateway::state::Clock::System, |s| {
        s.push.enabled = false
    })
    .await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for t in &tables {
        assert!(
            A_ROWS.iter().any(|(n, _)| n == t) || NOT_TENANT_DATA.contains(&t.as_str()),
            "table {t} is not covered by the isolation sweep"
        );
    }
    let before = snapshot(&pool, "C001").await;
    // A has rows in every table, so no comparison below is of empty with empty.
    let empty: Vec<&String> = before
        .iter()
        .filter(|(_, (n, _))| *n == 0)
        .map(|(t, _)| t)
        .collect();
    assert!(empty.is_empty(), "A has no rows in {empty:?}");

    let b = customer_with_base_data(&app, "C002").await;
    stock(&app, &b, "OW01", "SKU-1", "", None, 10).await;
    // Each call: (what, path, request, the code B must get).
    let calls: Vec<(&str, &str, Value, i64)> = vec![
        (
            "inventory of A's items",
            INVENTORY_PATH,
            json!({"inventoryCode": "WH01", "itemCodes": ["SKU-1", "SKU-2", "A-ONLY"]}),
            200,
        ),
        (
            "A's inbound result",
            IN_RESULT_PATH,
            json!({"orderCodes": ["A-IN"]}),
            200,
        ),
        (
            "A's outbound result",
            OUT_RESULT_PATH,
            json!({"orderCodes": ["A-OUT"]}),
            200,
        ),
        (
            "A's waybill",
            ROUTE_QUERY_PATH,
            json!({"waybillNo": "A-WB-1"}),
            3001,
        ),
        (
            "A's order's routes",
            ROUTE_QUERY_PATH,
            json!({"orderCode": "A-OUT"}),
            3001,
        ),
        (
            "A's transport waybill",
            ROUTE_QUERY_PATH,
            json!({"waybillNo": "A-WB-T"}),
            3001,
        ),
        (
            "A's transport order's routes",
            ROUTE_QUERY_PATH,
            json!({"orderCode": "A-TR"}),
            3001,
        ),
        (
            "A's VIN",
            VEHICLES_PATH,
            json!({"inventoryCode": "YARD1", "vin": VIN}),
            200,
        ),
        (
            "A's yard",
            VEHICLES_PATH,
            json!({"inventoryCode": "YARD1"}),
            200,
        ),
        (
            "cancel A's inbound",
            CANCEL_PATH,
            json!({"orderCode": "A-IN", "orderKind": "IN"}),
            3001,
        ),
        (
            "cancel A's outbound",
            CANCEL_PATH,
            json!({"orderCode": "A-OUT", "orderKind": "OUT"}),
            3001,
        ),
        (
            "cancel A's property order",
            CANCEL_PATH,
            json!({"orderCode": "A-PROP", "orderKind": "PROPERTY"}),
            3001,
        ),
        (
            "cancel A's transport order",
            CANCEL_PATH,
            json!({"orderCode": "A-TR", "orderKind": "TRANSPORT"}),
            3001,
        ),
        (
            "LPN on A's inbound",
            LPN_PATH,
            json!({"orderCode": "A-IN", "lpns": [{"lpnCode": "B-LPN", "items": [{"itemCode": "SKU-2", "qty": 1}]}]}),
            3001,
        ),
        (
            "serials on A's outbound",
            SERIALS_PATH,
            json!({"orderCode": "A-OUT", "items": [{"lineNo": "1", "snCodes": ["SN-B"]}]}),
            3001,
        ),
        (
            "dimensions of A's own item",
            DIMENSION_PATH,
            json!({"items": [{"itemCode": "A-ONLY", "height": 9}]}),
            3004,
        ),
        (
            "A's consignee on an order",
            OUT_PATH,
            {
                let mut o: Value = serde_json::from_str(&out_order(
                    "B-CN",
                    json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1}]),
                ))
                .unwrap();
                o["consigneeCode"] = json!("A-CNEE");
                o.as_object_mut().unwrap().remove("receiver");
                o
            },
            3004,
        ),
        // The same codes are B's own to use: no conflict, nothing that tells A exists.
        (
            "B's warehouse/owner pair with A's codes",
            ORG_PATH,
            {
                let mut o: Value = serde_json::from_str(&org_request("WH01", "OW01")).unwrap();
                o["inventoryName"] = json!("乙方仓库");
                o["contact"] = json!("乙方联系人");
                o
            },
            200,
        ),
        (
            "B's consignee with A's consignee code",
            CONSIGNEE_PATH,
            json!({"consignees": [{"consigneeCode": "A-CNEE", "name": "乙方收货人", "phone": "13900000000",
                   "provinceName": "北京", "cityName": "北京", "address": "长安街1号"}]}),
            200,
        ),
        (
            "B's product with A's item code",
            PRODUCT_PATH,
            json!({"products": [{"itemCode": "A-ONLY", "itemName": "乙方"}]}),
            200,
        ),
        (
            "B's outbound with A's order code",
            OUT_PATH,
            serde_json::from_str(&out_order(
                "A-OUT",
                json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1}]),
            ))
            .unwrap(),
            200,
        ),
        (
            "B's inbound with A's order code",
            IN_PATH,
            json!({"orderCode": "A-IN", "orderType": "CGRK", "inventoryCode": "WH01",
            "subbaseCode": "OW01", "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 9}]}),
            200,
        ),
        (
            "B's property order with A's code",
            PROPERTY_PATH,
            json!({"orderCode": "A-PROP", "orderType": "WQZY", "inventoryCode": "WH01",
            "subbaseCode": "OW01", "toSubbaseCode": "OW02", "items": [{"lineNo": "1", "itemCode": "SKU-1", "planQty": 2}]}),
            200,
        ),
        (
            "B's transport order with A's code",
            TRANSPORT_PATH,
            json!({"orderCode": "A-TR", "orderType": "ZCYS",
            "consigner": address("乙方"), "consignee": address("乙方"), "pickupTime": "2026-12-02 08:00:00",
            "cargoList": [{"name": "箱子", "quantity": 1}]}),
            200,
        ),
        // ...and after that, B's own orders are what B sees under those codes.
        (
            "B's results under A's codes",
            OUT_RESULT_PATH,
            json!({"orderCodes": ["A-OUT"]}),
            200,
        ),
        (
            "B's LPN on its own A-IN",
            LPN_PATH,
            json!({"orderCode": "A-IN", "lpns": [{"lpnCode": "B-LPN", "items": [{"itemCode": "SKU-1", "qty": 9}]}]}),
            200,
        ),
        (
            "cancel B's own A-IN",
            CANCEL_PATH,
            json!({"orderCode": "A-IN", "orderKind": "IN"}),
            200,
        ),
    ];
    for (what, path, request, code) in &calls {
        let r = app.call(path, &b, &request.to_string()).await;
        assert_eq!(r.code(), *code, "{what}: {:#}", r.body);
        markers.absent_from(what, &r.body);
    }
    other_dialects_of_b(&app, &markers, &a_codes).await;
    // What B's queries of A's codes answer: nothing of A's.
    let r = app
        .call(
            INVENTORY_PATH,
            &b,
            r#"{"inventoryCode":"WH01","itemCodes":["SKU-2","A-ONLY"]}"#,
        )
        .await;
    assert_eq!(r.body["value"]["total"], 0, "{:#}", r.body);
    // The same queries from A show what B must not see: the checks above can fail.
    let r = app
        .call(
            INVENTORY_PATH,
            &a,
            r#"{"inventoryCode":"WH01","itemCodes":["SKU-2","A-ONLY"]}"#,
        )
        .await;
    assert_eq!(r.body["value"]["total"], 2, "{:#}", r.body);
    assert!(r.body.to_string().contains("甲方"), "{:#}", r.body);
    let r = app
        .call(
            VEHICLES_PATH,
            &b,
            &json!({"inventoryCode": "YARD1", "vin": VIN}).to_string(),
        )
        .await;
    assert_eq!(r.body["value"]["total"], 0, "{:#}", r.body);

    assert_eq!(snapshot(&pool, "C001").await, before, "A's data changed");
    // And A still sees all of it, unchanged by B's orders under the same codes.
    let r = app
        .call(OUT_RESULT_PATH, &a, r#"{"orderCodes":["A-OUT"]}"#)
        .await;
    assert!(
        r.body.to_string().contains("甲方") || r.body.to_string().contains("A-PKG-1"),
        "{:#}",
        r.body
    );
}
