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
    ("/dtc/logistics/transportOrderResult", ClientKind::Customer),
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

/// Tables the set-up itself writes (identities, ops tokens) or the gateway writes for every
/// call whatever its outcome (audit rows, rate counts).
const WRITTEN_BY_SETUP: &[&str] = &[
    "_sqlx_migrations",
    "clients",
    "ops_tokens",
    "api_requests",
    "rate_counters",
    "tms_accounts",
    "tms_tokens",
    // Every identity's createBy as a namespace, and the simulator's two (the migration's).
    "tenants",
];

/// Every other table of the schema is empty: the list comes from the database, so a new
/// table is covered without anyone remembering to add it.
pub async fn assert_nothing_written(pool: &PgPool) {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(tables.len() > 20, "{tables:?}");
    for table in tables
        .iter()
        .filter(|t| !WRITTEN_BY_SETUP.contains(&t.as_str()))
    {
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
        // Signed and well-formed envelopes whose payload is hostile: refused by the payload's
        // checks (2001/2002), not before them.
        for r in hostile_requests() {
            let reply = app.post_raw(path, signed_body(who, &ts, None, &r)).await;
            assert!(
                matches!(reply.code(), 2001 | 2002) && reply.status == 400,
                "{path}: {} for {}: {:#}",
                reply.code(),
                &r[..r.len().min(120)],
                reply.body
            );
        }
        let mut bodies: Vec<Vec<u8>> = Vec::new();
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

/// Text no endpoint accepts in any string: NUL, a lone surrogate, a C1 control character.
/// Written as JSON escapes (a lone surrogate cannot be a Rust string).
const HOSTILE_TEXTS: &[&str] = &[r#""a\u0000b""#, r#""\ud800""#, r#""a\u0085b""#];
const MARK: &str = "@@HOSTILE@@";

/// Where [`MARK`] sits in a position: `a.b[0].c` (a key named MARK: the object holding it).
fn mark_path(v: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::String(s) if s == MARK => Some(String::new()),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| mark_path(x).map(|p| format!("[{i}]{p}"))),
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            if k == MARK {
                Some(String::new())
            } else {
                mark_path(x).map(|p| format!(".{k}{p}"))
            }
        }),
        _ => None,
    }
}

/// Every string position of a schema: a JSON value with [`MARK`] in that one position.
fn string_positions(
    schemas: &serde_json::Value,
    schema: &serde_json::Value,
    depth: usize,
) -> Vec<serde_json::Value> {
    use serde_json::{json, Value};
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &schemas[r.trim_start_matches("#/components/schemas/")],
        None => schema,
    };
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let mut out = Vec::new();
    if depth > 6 {
        return out;
    }
    if types.contains(&"string") {
        out.push(json!(MARK));
    }
    if types.contains(&"array") {
        for inner in string_positions(schemas, &schema["items"], depth + 1) {
            out.push(json!([inner]));
        }
    }
    if types.contains(&"object") {
        if let Some(props) = schema["properties"].as_object() {
            for (name, p) in props {
                for inner in string_positions(schemas, p, depth + 1) {
                    out.push(json!({ name: inner }));
                }
            }
        }
        if schema
            .get("additionalProperties")
            .is_some_and(Value::is_object)
        {
            out.push(json!({"key": MARK}));
            out.push(json!({ MARK: "value" }));
        }
    }
    out
}

/// NUL, lone surrogates and C1 controls in every string position of every endpoint's
/// schema (from the OpenAPI document, so a new endpoint or field is covered by itself):
/// each is refused with 2001/2002 by its payload checks, never a 5xx, and nothing is written.
#[sqlx::test]
async fn hostile_text_in_every_string_position_of_every_schema_is_refused(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let customer = app.identity(ClientKind::Customer, "C001", "ERP01").await;
    let carrier = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    let device = app.identity(ClientKind::Device, "DWS", "LINE-1").await;
    let token = app.ops_token("floor").await;
    // A 3TMS account and its access token, for the TMS paths.
    hongxun_gateway::service::admin::add_client(
        &app.pool,
        &master_key(),
        hongxun_gateway::service::admin::NewClientInput {
            kind: ClientKind::Customer,
            create_by: "C001".into(),
            data_source: "TMS".into(),
            dialect: hongxun_gateway::domain::client::Dialect::Tms,
            user_name: Some("hostile".into()),
            password: Some("pa55word".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let tms: serde_json::Value = app
        .http
        .post(format!("{}/user/generate_access_token/v2", app.base))
        .json(&serde_json::json!({"userName": "hostile", "password": "pa55word"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tms_token = tms["data"]["accessToken"].as_str().unwrap().to_string();
    let doc = serde_json::to_value(hongxun_gateway::http::openapi::full(
        &hongxun_gateway::config::Settings::defaults().unwrap(),
    ))
    .unwrap();
    let schemas = &doc["components"]["schemas"];
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(body) =
            item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
        else {
            continue;
        };
        let name = body.trim_start_matches("#/components/schemas/");
        let concrete = path
            .replace("{hx}", "HX404")
            .replace("{vin}", "LSVAU2180N2183294")
            .replace("{id}", "1");
        let signed = name.strip_prefix("SignedRequest_");
        let payload = &schemas[signed.unwrap_or(name)];
        let who = ENDPOINTS
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, k)| match k {
                ClientKind::Customer => &customer,
                ClientKind::Carrier => &carrier,
                ClientKind::Device => &device,
            });
        for position in string_positions(schemas, payload, 0) {
            for hostile in HOSTILE_TEXTS {
                let text = position
                    .to_string()
                    .replace(&format!("\"{MARK}\""), hostile);
                // 3TMS paths answer in their own shape: HTTP 400, body status 500.
                if [
                    "/user/",
                    "/customer/",
                    "/order/",
                    "/cargo/",
                    "/customer_order/",
                    "/organization/",
                ]
                .iter()
                .any(|p| path.starts_with(p))
                {
                    let url = format!("{}{concrete}?access_token={tms_token}", app.base);
                    let r = app
                        .http
                        .post(url)
                        .header("content-type", "application/json")
                        .body(text.clone())
                        .send()
                        .await
                        .unwrap();
                    let status = r.status().as_u16();
                    let body: serde_json::Value = r.json().await.unwrap();
                    assert!(
                        status == 400 && body["status"] == 500,
                        "{path} {text}: {status} {body:#}"
                    );
                    tried += 1;
                    continue;
                }
                let reply = match (signed, who) {
                    (Some(_), Some(who)) => app.call(&concrete, who, &text).await,
                    (Some(_), None) => panic!("{path}: a signed endpoint missing from ENDPOINTS"),
                    (None, _) => {
                        app.ops_with(&token, "POST", &concrete, text.clone(), &[])
                            .await
                    }
                };
                // 2002, naming the very position (not a "required" error elsewhere).
                let at = mark_path(&position).unwrap();
                let at = at.trim_start_matches('.');
                let want = if signed.is_some() {
                    format!("request.{at}").trim_end_matches('.').to_string()
                } else {
                    at.to_string()
                };
                let paths: Vec<&str> = reply.body["value"]["errors"]
                    .as_array()
                    .map(|e| e.iter().filter_map(|x| x["path"].as_str()).collect())
                    .unwrap_or_default();
                // A key named MARK is reported at its object's path followed by the key.
                let names_it = |p: &&str| {
                    p.strip_prefix(want.as_str())
                        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()))
                };
                assert!(
                    reply.status == 400 && reply.code() == 2002 && paths.iter().any(names_it),
                    "{path} {text}: want 2002 at {want:?}; {} {:#}",
                    reply.status,
                    reply.body
                );
                tried += 1;
            }
        }
    }
    assert!(tried > 500, "only {tried} positions tried");
    assert_nothing_written(&pool).await;
}
