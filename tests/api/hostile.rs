//! Hostile input against every signed endpoint: truncated, deeply nested, huge-number,
//! invalid UTF-8, duplicate-key and wrong-type bodies. Every answer is a §2 code (never a
//! 500) and nothing is written.

use crate::helpers::*;
use hongxun_gateway::auth::timestamp;
use hongxun_gateway::domain::client::ClientKind;
use sqlx::PgPool;

/// Every signed endpoint and the kind of identity that may call it.
const ENDPOINTS: &[(&str, ClientKind)] = &[
    ("/dtc/base/inventoryOrg", ClientKind::Customer),
    ("/dtc/base/product", ClientKind::Customer),
    ("/dtc/base/consignee", ClientKind::Customer),
    ("/dtc/base/productDimension", ClientKind::Customer),
    ("/dtc/logistics/inOrder", ClientKind::Customer),
    ("/dtc/logistics/outOrder", ClientKind::Customer),
    ("/dtc/logistics/propertyOrder", ClientKind::Customer),
    ("/dtc/logistics/transportOrder", ClientKind::Customer),
    ("/dtc/logistics/cancelOrder", ClientKind::Customer),
    ("/dtc/logistics/lpn", ClientKind::Customer),
    ("/dtc/logistics/serialCodes", ClientKind::Customer),
    ("/dtc/logistics/inventoryQuery", ClientKind::Customer),
    ("/dtc/logistics/inOrderResult", ClientKind::Customer),
    ("/dtc/logistics/outOrderResult", ClientKind::Customer),
    ("/dtc/logistics/vehicleInventoryQuery", ClientKind::Customer),
    ("/dtc/logistics/routeQuery", ClientKind::Customer),
    ("/dtc/carrier/route", ClientKind::Carrier),
    ("/dtc/carrier/signImage", ClientKind::Carrier),
    ("/dtc/device/dws", ClientKind::Device),
];

const SECTION_2: &[i64] = &[
    400, 413, 429, 503, 1001, 1002, 1003, 1005, 2001, 2002, 2003, 3001, 3002, 3003, 3004, 3005,
];

/// `request` texts that are valid JSON objects but hostile for a payload.
fn hostile_requests() -> Vec<String> {
    let keys = [
        "inventoryCode",
        "products",
        "consignees",
        "items",
        "orderCode",
        "orderType",
        "subbaseCode",
        "lpns",
        "orderCodes",
        "waybillNo",
        "routes",
        "images",
        "deviceCode",
        "scans",
        "orderKind",
        "pageNo",
        "pageSize",
        "receiver",
        "consigner",
        "consignee",
        "cargoList",
        "vehicles",
        "itemCodes",
        "signTime",
    ];
    let all = |v: &str| {
        format!(
            "{{{}}}",
            keys.iter()
                .map(|k| format!("\"{k}\":{v}"))
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    vec![
        "{}".into(),
        all("[]"),
        all("{}"),
        all("true"),
        all("-1"),
        all("1e999"),
        all("123456789012345678901234567890"),
        all("\"\""),
        all("\"\\u0000\""),
        all(&format!("\"{}\"", "长".repeat(5000))),
        all("[{\"a\":[1,{\"b\":null}]}]"),
        // Duplicate keys inside request.
        "{\"orderCode\":\"A\",\"orderCode\":\"B\",\"items\":[],\"items\":[]}".into(),
        // Arrays of objects whose every field has the wrong type.
        format!("{{\"products\":[{0}],\"items\":[{0}],\"scans\":[{0}],\"routes\":[{0}],\"lpns\":[{0}],\"consignees\":[{0}],\"images\":[{0}]}}",
            all("[1]")),
    ]
}

async fn assert_nothing_written(pool: &PgPool) {
    for table in [
        "inventory_orgs",
        "products",
        "consignees",
        "orders",
        "order_lines",
        "lpns",
        "serial_codes",
        "inventory_movements",
        "routes",
        "sign_images",
        "dws_scans",
        "push_outbox",
        "replay_keys",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} was written");
    }
}

#[sqlx::test]
async fn hostile_payloads_get_section_2_codes_and_change_nothing(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let customer = app.identity(ClientKind::Customer, "C001", "ERP01").await;
    let carrier = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    let device = app.identity(ClientKind::Device, "DWS", "LINE-1").await;
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(5000), "]".repeat(5000));
    for (path, kind) in ENDPOINTS {
        let who = match kind {
            ClientKind::Customer => &customer,
            ClientKind::Carrier => &carrier,
            ClientKind::Device => &device,
        };
        let ts = timestamp::format(app.now());
        let mut bodies: Vec<Vec<u8>> = hostile_requests()
            .iter()
            .map(|r| signed_body(who, &ts, None, r).into_bytes())
            .collect();
        let good = signed_body(who, &ts, None, "{\"x\":1}");
        bodies.push(good.as_bytes()[..good.len() / 2].to_vec()); // truncated
        bodies.push(signed_body(who, &ts, None, &deep).into_bytes()); // deeply nested
        let mut bad_utf8 = signed_body(who, &ts, None, "{\"x\":\"ab\"}").into_bytes();
        let at = bad_utf8.len() - 4;
        bad_utf8[at] = 0xFF; // invalid UTF-8 inside request
        bodies.push(bad_utf8);
        bodies.push(b"{\"createBy\":\"C001\",\"createBy\":\"C001\",\"dataSource\":\"ERP01\",\"request\":{}}".to_vec());
        for body in bodies {
            let preview = String::from_utf8_lossy(&body[..body.len().min(120)]).to_string();
            let r = app.post_raw(path, body).await;
            assert!(
                r.status < 500,
                "{path}: HTTP {} for {preview}: {:#}",
                r.status,
                r.body
            );
            assert!(
                SECTION_2.contains(&r.code()),
                "{path}: code {} for {preview}",
                r.code()
            );
            assert_eq!(r.body["flag"], false, "{path}: {preview}");
        }
    }
    assert_nothing_written(&pool).await;
}
