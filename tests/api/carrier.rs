//! §7 carrier and DWS intake: routes, sign-offs, images and their links, parcel scans, 路由查询.

use crate::helpers::*;
use crate::orders::{customer_with_base_data, out_order, stock, OUT};
use crate::pushes::customer;
use base64::Engine;
use hongxun_gateway::domain::client::ClientKind;
use serde_json::{json, Value};
use sqlx::PgPool;

const ROUTE: &str = "/dtc/carrier/route";
const IMAGE: &str = "/dtc/carrier/signImage";
const DWS: &str = "/dtc/device/dws";
const ROUTE_QUERY: &str = "/dtc/logistics/routeQuery";
const OUT_RESULT: &str = "/dtc/logistics/outOrderResult";

/// Ships OUT-1 (one unit of SKU-1) in package P1 with waybill SF001 of carrier SF, weight 1 kg.
pub async fn shipped_order(
    app: &TestApp,
    who: &Identity,
    token: &str,
    code: &str,
    package: &str,
    waybill: &str,
) {
    let r = app
        .call(
            OUT,
            who,
            &out_order(
                code,
                json!([{"lineNo": "1", "itemCode": "SKU-1", "planQty": 1}]),
            ),
        )
        .await;
    r.expect(200, 200);
    let hx = r.body["value"]["hxOrderNo"].as_str().unwrap().to_string();
    app.ops(Some(token), "POST", &format!("/ops/v1/orders/{hx}/shipments"), json!({"confirmType": "FINAL",
        "packages": [{"packageNo": package, "waybillNo": waybill, "carrierCode": "SF", "weight": 1.0,
                      "items": [{"lineNo": "1", "qty": 1}]}]}))
        .await
        .expect(200, 200);
}

fn node(t: &str, at: &str) -> Value {
    json!({"nodeType": t, "nodeTime": at, "description": format!("{t} at 上海"), "location": "上海", "operator": "王师傅"})
}

fn types(pushes: &[Value]) -> Vec<String> {
    pushes
        .iter()
        .map(|p| p["eventType"].as_str().unwrap().to_string())
        .collect()
}

#[sqlx::test]
async fn routes_are_deduplicated_linked_pushed_and_queried(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    shipped_order(&app, &who, &token, "OUT-1", "P1", "SF001").await;
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    let body = json!({"waybillNo": "SF001", "routes": [node("IN_TRANSIT", "2026-11-25 10:00:00"), node("PICKUP", "2026-11-25 08:00:00")]});
    let bad = json!({"waybillNo": "SF001", "routes": [node("PICKUP", "2026-11-25 08:00:00"),
        {"nodeType": "PICKUP", "nodeTime": "later", "description": "x"}]});
    let r = app.call(ROUTE, &sf, &bad.to_string()).await;
    r.expect(2002, 400);
    assert!(
        r.message().contains("request.routes[1].nodeTime:") && !r.message().contains("routes[0]"),
        "{}",
        r.message()
    );
    let r = app.call(ROUTE, &sf, &body.to_string()).await;
    r.expect(200, 200);
    assert_eq!(
        r.body["value"],
        json!({"waybillNo": "SF001", "accepted": 2, "duplicates": 0, "orderCode": "OUT-1"})
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = app.call(ROUTE, &sf, &body.to_string()).await;
    assert_eq!(
        (
            r.body["value"]["accepted"].as_i64(),
            r.body["value"]["duplicates"].as_i64()
        ),
        (Some(0), Some(2))
    );

    // Delivered: the shipment's two pushes, then one routePush with the nodes in time order.
    let pushes = receiver.wait_for(3, 10).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let delivered = receiver.delivered();
    let route_pushes: Vec<&Value> = delivered
        .iter()
        .filter(|p| p["eventType"] == "routePush")
        .collect();
    assert_eq!(route_pushes.len(), 1, "{pushes:#?}");
    let nodes: Vec<&str> = route_pushes[0]["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["nodeType"].as_str().unwrap())
        .collect();
    assert_eq!(nodes, vec!["PICKUP", "IN_TRANSIT"]);

    for q in [json!({"waybillNo": "SF001"}), json!({"orderCode": "OUT-1"})] {
        let r = app.call(ROUTE_QUERY, &who, &q.to_string()).await;
        r.expect(200, 200);
        assert_eq!(r.body["value"]["carrierCode"], "SF");
        assert_eq!(r.body["value"]["routes"][0]["nodeType"], "PICKUP");
        assert_eq!(
            r.body["value"]["routes"][1]["nodeTime"],
            "2026-11-25 10:00:00"
        );
    }
    app.call(ROUTE_QUERY, &who, "{}").await.expect(2001, 400);
    // Another customer sees nothing of it; another carrier cannot report on it.
    let other = customer_with_base_data(&app, "C002").await;
    app.call(ROUTE_QUERY, &other, r#"{"waybillNo":"SF001"}"#)
        .await
        .expect(3001, 404);
    // Another carrier learns nothing: its answer is the one for a waybill nobody knows (no
    // order code), and its nodes never reach SF001's order.
    let yto = app.identity(ClientKind::Carrier, "YTO", "YTO-TMS").await;
    let signed = json!({"waybillNo": "SF001", "routes": [node("SIGNED", "2026-11-25 12:00:00")]});
    let r = app.call(ROUTE, &yto, &signed.to_string()).await;
    r.expect(200, 200);
    let unknown = json!({"waybillNo": "NOPE-1", "routes": [node("SIGNED", "2026-11-25 12:00:00")]});
    let u = app.call(ROUTE, &yto, &unknown.to_string()).await;
    u.expect(200, 200);
    assert_eq!(
        r.body["value"],
        json!({"waybillNo": "SF001", "accepted": 1, "duplicates": 0, "orderCode": null})
    );
    assert_eq!(
        u.body["value"],
        json!({"waybillNo": "NOPE-1", "accepted": 1, "duplicates": 0, "orderCode": null})
    );
    let q = app
        .call(ROUTE_QUERY, &who, r#"{"waybillNo":"SF001"}"#)
        .await;
    q.expect(200, 200);
    assert_eq!(
        q.body["value"]["routes"].as_array().unwrap().len(),
        2,
        "{}",
        q.body
    );
    let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE order_code = 'OUT-1'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(
        status, "SIGNED",
        "another carrier's SIGNED node moved nothing"
    );
}

#[sqlx::test]
async fn a_signed_node_records_the_sign_off_and_signs_the_order(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    shipped_order(&app, &who, &token, "OUT-1", "P1", "SF001").await;
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    app.call(
        ROUTE,
        &sf,
        &json!({"waybillNo": "SF001", "routes": [node("SIGNED", "2026-11-25 15:00:00")]})
            .to_string(),
    )
    .await
    .expect(200, 200);
    let pushes = receiver.wait_for(4, 10).await;
    assert_eq!(types(&pushes)[2..], ["routePush", "signInfoPush"]);
    assert_eq!(pushes[3]["signStatus"], "SIGNED");
    assert_eq!(pushes[3]["signer"], "王师傅");
    let r = app
        .call(OUT_RESULT, &who, r#"{"orderCodes":["OUT-1"]}"#)
        .await;
    assert_eq!(r.body["value"]["orders"][0]["status"], "SIGNED");
}

#[sqlx::test]
async fn routes_that_arrive_before_their_waybill_are_linked_when_it_ships(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    let r = app
        .call(
            ROUTE,
            &sf,
            &json!({"waybillNo": "SF777", "routes": [node("ACCEPT", "2026-11-25 07:00:00")]})
                .to_string(),
        )
        .await;
    r.expect(200, 200);
    assert!(r.body["value"]["orderCode"].is_null());
    // Another carrier's early node for the same number never links to SF's waybill.
    let yto = app.identity(ClientKind::Carrier, "YTO", "YTO-TMS").await;
    app.call(
        ROUTE,
        &yto,
        &json!({"waybillNo": "SF777", "routes": [node("SIGNED", "2026-11-25 07:30:00")]})
            .to_string(),
    )
    .await
    .expect(200, 200);
    shipped_order(&app, &who, &token, "OUT-1", "P1", "SF777").await;
    let pushes = receiver.wait_for(3, 10).await;
    let route = pushes
        .iter()
        .find(|p| p["eventType"] == "routePush")
        .expect("the early node is pushed once linked");
    assert_eq!(route["orderCode"], "OUT-1");
    let nodes: Vec<&Value> = route["routes"].as_array().unwrap().iter().collect();
    assert_eq!(nodes.len(), 1, "only SF's own node: {route}");
    assert_eq!(nodes[0]["nodeType"], "ACCEPT");
    let linked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM routes WHERE waybill_no = 'SF777' AND order_id IS NOT NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(linked, 1);
}

#[sqlx::test]
async fn transport_orders_move_with_their_routes(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let (who, _receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    let addr = json!({"name": "张三", "phone": "13800138000", "provinceName": "上海", "cityName": "上海", "address": "外高桥1号"});
    let r = app
        .call(
            "/dtc/logistics/transportOrder",
            &who,
            &json!({"orderCode": "T-1", "orderType": "ZCYS",
        "consigner": addr, "consignee": addr, "pickupTime": "2026-12-01 08:00:00",
        "cargoList": [{"name": "家具", "quantity": 3}]})
            .to_string(),
        )
        .await;
    let hx = r.body["value"]["hxOrderNo"].as_str().unwrap().to_string();
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx}/confirm"),
        json!({"carrierCode": "SF", "waybillNo": "T100"}),
    )
    .await
    .expect(200, 200);
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    let status = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT status FROM orders WHERE order_code = 'T-1'")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    app.call(
        ROUTE,
        &sf,
        &json!({"waybillNo": "T100", "routes": [node("PICKUP", "2026-12-01 08:10:00")]})
            .to_string(),
    )
    .await
    .expect(200, 200);
    assert_eq!(status(&app).await, "IN_TRANSIT");
    app.call(
        ROUTE,
        &sf,
        &json!({"waybillNo": "T100", "routes": [node("SIGNED", "2026-12-02 18:00:00")]})
            .to_string(),
    )
    .await
    .expect(200, 200);
    assert_eq!(status(&app).await, "SIGNED");

    // A waybill without a carrier is moved by the ops API only: a carrier's SIGNED node is
    // kept like one for a waybill nobody knows, and the order does not move.
    let r = app
        .call(
            "/dtc/logistics/transportOrder",
            &who,
            &json!({"orderCode": "T-2", "orderType": "ZCYS",
        "consigner": addr, "consignee": addr, "pickupTime": "2026-12-01 08:00:00",
        "cargoList": [{"name": "家具", "quantity": 1}]})
            .to_string(),
        )
        .await;
    let hx2 = r.body["value"]["hxOrderNo"].as_str().unwrap().to_string();
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx2}/confirm"),
        json!({"waybillNo": "T200"}),
    )
    .await
    .expect(200, 200);
    let before: String = sqlx::query_scalar("SELECT status FROM orders WHERE order_code = 'T-2'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let r = app
        .call(
            ROUTE,
            &sf,
            &json!({"waybillNo": "T200", "routes": [node("SIGNED", "2026-12-02 18:00:00")]})
                .to_string(),
        )
        .await;
    r.expect(200, 200);
    assert_eq!(
        r.body["value"],
        json!({"waybillNo": "T200", "accepted": 1, "duplicates": 0, "orderCode": null})
    );
    let after: String = sqlx::query_scalar("SELECT status FROM orders WHERE order_code = 'T-2'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        after, before,
        "no carrier moves a waybill without a carrier"
    );
    assert_ne!(after, "SIGNED");
}

pub fn jpeg(size: usize, seed: u8) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.extend((0..size.saturating_sub(4)).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    b
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[sqlx::test]
async fn sign_off_images_are_checked_stored_deduplicated_and_linked(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let (who, receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    shipped_order(&app, &who, &token, "OUT-1", "P1", "SF001").await;
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    let photo = jpeg(50_000, 1);
    let body = |images: Value| {
        json!({"waybillNo": "SF001", "signer": "王五", "signTime": "2026-11-25 15:00:00", "images": images}).to_string()
    };
    let r = app.call(IMAGE, &sf, &body(json!([{"fileName": "pod.jpg", "contentType": "image/jpeg", "base64": b64(&photo)}]))).await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["images"][0]["duplicate"], false);

    let pushes = receiver.wait_for(3, 10).await;
    let push = pushes
        .iter()
        .find(|p| p["eventType"] == "signImagePush")
        .unwrap();
    let url = push["images"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(
        push["images"][0]["sha256"],
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&photo))
    );
    // The link works (served by this gateway; the configured base is 127.0.0.1:8080).
    let path = &url[url.find("/files/").unwrap()..];
    let got = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    assert_eq!(got.bytes().await.unwrap().to_vec(), photo);
    // Tampered or expired links are refused; there is no listing.
    let tampered = path.replace("sig=", "sig=0");
    assert_eq!(
        app.http
            .get(format!("{}{tampered}", app.base))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    let id = push["images"][0]["imageId"].as_str().unwrap();
    let past = chrono::Utc::now().timestamp() - 10;
    let sig = master_key().mac_hex(&format!("{id}:{past}"));
    let expired = format!(
        "{}/files/sign-images/{id}?expires={past}&sig={sig}",
        app.base
    );
    assert_eq!(
        app.http
            .get(expired)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        app.http
            .get(format!("{}/files/sign-images/", app.base))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );

    // The same bytes again: kept once, no second push.
    let r = app
        .call(
            IMAGE,
            &sf,
            &body(json!([{"contentType": "image/jpeg", "base64": b64(&photo)}])),
        )
        .await;
    assert_eq!(r.body["value"]["images"][0]["duplicate"], true);
    // Wrong type by its bytes, oversize, too many, not base64.
    let png_bytes = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];
    let r = app
        .call(
            IMAGE,
            &sf,
            &body(json!([{"contentType": "image/jpeg", "base64": b64(&png_bytes)}])),
        )
        .await;
    r.expect(2002, 400);
    assert!(
        r.message()
            .contains("is image/png, not the declared image/jpeg"),
        "{}",
        r.message()
    );
    let big = jpeg(2 * 1024 * 1024 + 1, 2);
    let r = app
        .call(
            IMAGE,
            &sf,
            &body(json!([{"contentType": "image/jpeg", "base64": b64(&big)}])),
        )
        .await;
    r.expect(2002, 400);
    assert!(r.message().contains("at most 2097152"), "{}", r.message());
    let six: Vec<Value> = (0..6)
        .map(|i| json!({"contentType": "image/jpeg", "base64": b64(&jpeg(100, i))}))
        .collect();
    app.call(IMAGE, &sf, &body(json!(six)))
        .await
        .expect(2002, 400);
    app.call(
        IMAGE,
        &sf,
        &body(json!([{"contentType": "image/jpeg", "base64": "@@@"}])),
    )
    .await
    .expect(2002, 400);
    // This route takes bodies up to 10 MiB (three 1.5 MiB photos), not more.
    let three: Vec<Value> = (0..3)
        .map(|i| json!({"contentType": "image/jpeg", "base64": b64(&jpeg(1_500_000, 10 + i))}))
        .collect();
    app.call(IMAGE, &sf, &body(json!(three)))
        .await
        .expect(200, 200);
    let five: Vec<Value> = (0..5)
        .map(|i| json!({"contentType": "image/jpeg", "base64": b64(&jpeg(2_000_000, 20 + i))}))
        .collect();
    app.call(IMAGE, &sf, &body(json!(five)))
        .await
        .expect(413, 413);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let image_pushes = receiver
        .delivered()
        .iter()
        .filter(|p| p["eventType"] == "signImagePush")
        .count();
    assert_eq!(image_pushes, 2, "one push per call that stored new images");
}

/// A customer (with its receiver) whose OUT-1 shipped in P1 / SF001 (1 kg), a floor token
/// and a DWS device on LINE-1.
pub struct DwsFloor {
    pub who: Identity,
    pub token: String,
    pub dws: Identity,
    pub _receiver: crate::receiver::Receiver,
}

pub async fn dws_floor(app: &TestApp) -> DwsFloor {
    let (who, receiver) = customer(app).await;
    let token = app.ops_token("floor").await;
    stock(app, &who, "OW01", "SKU-1", "", None, 5).await;
    shipped_order(app, &who, &token, "OUT-1", "P1", "SF001").await;
    let dws = app.identity(ClientKind::Device, "HX-DWS", "LINE-1").await;
    DwsFloor {
        who,
        token,
        dws,
        _receiver: receiver,
    }
}

#[sqlx::test]
async fn dws_scans_match_packages_flag_weight_and_wait_for_late_packages(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let DwsFloor {
        who,
        token,
        dws,
        _receiver,
    } = dws_floor(&app).await;
    let scans = json!({"deviceCode": "LINE-1", "scans": [
        {"barcode": "SF001", "weight": 1.25, "length": 30, "width": 20, "height": 10, "scanTime": "2026-11-25 09:00:00"},
        {"barcode": "P-LATER", "weight": 2.0, "scanTime": "2026-11-25 09:00:05"}
    ]});
    let r = app.call(DWS, &dws, &scans.to_string()).await;
    r.expect(200, 200);
    let results = &r.body["value"]["results"];
    assert_eq!(results[0]["matched"], true);
    assert_eq!(results[0]["orderCode"], "OUT-1");
    assert_eq!(results[0]["weightDeviation"], 0.25);
    assert_eq!(results[0]["flagged"], true);
    assert_eq!(results[1]["matched"], false);
    // The same scans again are recognised as duplicates.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = app.call(DWS, &dws, &scans.to_string()).await;
    assert_eq!(r.body["value"]["results"][0]["duplicate"], true);

    // The package scanned before it shipped is matched when it ships.
    shipped_order(&app, &who, &token, "OUT-2", "P-LATER", "SF002").await;
    let r = app
        .call(OUT_RESULT, &who, r#"{"orderCodes":["OUT-1","OUT-2"]}"#)
        .await;
    let orders = r.body["value"]["orders"].as_array().unwrap();
    let m1 = &orders[0]["packages"][0]["measured"];
    assert_eq!(
        (m1["weight"].as_str(), m1["weightFlagged"].as_bool()),
        (Some("1.250"), Some(true))
    );
    let m2 = &orders[1]["packages"][0]["measured"];
    assert_eq!(
        (m2["weight"].as_str(), m2["weightFlagged"].as_bool()),
        (Some("2.000"), Some(true))
    );

    // Validation and kinds: a device calls nothing but DWS, a carrier not DWS.
    let r = app
        .call(
            DWS,
            &dws,
            r#"{"deviceCode":"LINE-1","scans":[{"barcode":"X","weight":1,"scanTime":"2026-11-25 09:00:00"},{"barcode":"X","weight":0,"scanTime":"soon"}]}"#,
        )
        .await;
    r.expect(2002, 400);
    // Each refused field by its path, and only those (the paths are written only for them).
    let m = r.message();
    for expected in ["request.scans[1].weight:", "request.scans[1].scanTime:"] {
        assert!(m.contains(expected), "missing {expected:?} in {m}");
    }
    assert!(!m.contains("scans[0]"), "{m}");
    app.call(ROUTE, &dws, r#"{"waybillNo":"SF001","routes":[]}"#)
        .await
        .expect(1005, 403);
    app.call(OUT, &dws, "{}").await.expect(1005, 403);
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    app.call(DWS, &sf, &scans.to_string())
        .await
        .expect(1005, 403);
    app.call(ROUTE_QUERY, &sf, r#"{"waybillNo":"SF001"}"#)
        .await
        .expect(1005, 403);
}

#[sqlx::test]
async fn a_batch_answers_in_request_order_and_the_latest_scan_measures_the_package(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let DwsFloor {
        who,
        dws,
        _receiver,
        ..
    } = dws_floor(&app).await;
    // By package number at 09:10, by waybill at 09:05 (the same scan twice), and a stranger.
    let scans = json!({"deviceCode": "LINE-1", "scans": [
        {"barcode": "P1", "weight": 1.02, "scanTime": "2026-11-25 09:10:00"},
        {"barcode": "SF001", "weight": 1.5, "scanTime": "2026-11-25 09:05:00"},
        {"barcode": "SF001", "weight": 1.5, "scanTime": "2026-11-25 09:05:00"},
        {"barcode": "NOBODY", "weight": 3.0, "scanTime": "2026-11-25 09:06:00"}
    ]});
    let r = app.call(DWS, &dws, &scans.to_string()).await;
    r.expect(200, 200);
    let got: Vec<(String, bool, bool, bool)> = r.body["value"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["barcode"].as_str().unwrap().to_string(),
                x["matched"].as_bool().unwrap(),
                x["duplicate"].as_bool().unwrap(),
                x["flagged"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("P1".into(), true, false, false),
            ("SF001".into(), true, false, true),
            ("SF001".into(), true, true, true),
            ("NOBODY".into(), false, false, false),
        ]
    );
    // The package carries the 09:10 measurement, not the earlier one listed after it.
    let r = app
        .call(OUT_RESULT, &who, r#"{"orderCodes":["OUT-1"]}"#)
        .await;
    let m = &r.body["value"]["orders"][0]["packages"][0]["measured"];
    assert_eq!(
        (m["weight"].as_str(), m["weightFlagged"].as_bool()),
        (Some("1.020"), Some(false)),
        "{m:#}"
    );
}

/// A scan time finer than PostgreSQL keeps (nanoseconds, as a caller in process has them) is
/// still the scan just stored: matched, not reported as a duplicate.
#[sqlx::test]
async fn a_scan_time_finer_than_microseconds_is_matched_not_a_duplicate(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    let (who, _receiver) = customer(&app).await;
    let token = app.ops_token("floor").await;
    stock(&app, &who, "OW01", "SKU-1", "", None, 5).await;
    shipped_order(&app, &who, &token, "OUT-NS", "P-NS", "SF-NS").await;
    app.identity(ClientKind::Device, "DWS-NS", "LINE").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM clients WHERE create_by = 'DWS-NS'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let at = chrono::DateTime::from_timestamp(1_764_900_000, 123_456_789).unwrap();
    let scan = hongxun_gateway::store::carrier::Scan {
        barcode: "SF-NS".into(),
        weight_kg: rust_decimal::Decimal::new(1_000, 3),
        length_cm: None,
        width_cm: None,
        height_cm: None,
        volume_cm3: None,
        scan_time: at,
    };
    let writes = hongxun_gateway::startup::write_path(&pool);
    let out = hongxun_gateway::service::dws::receive_scans(
        &writes,
        None,
        id,
        false,
        "LINE",
        &[scan],
        0.1,
    )
    .await
    .unwrap();
    let r = &out.value[0];
    assert!(r.matched && !r.duplicate, "{r:?}");
}

/// The DWS answer's exact text (keys in order, nulls kept): the answer is written from a typed
/// value since #21, and must read as the JSON map it was built with before.
#[sqlx::test]
async fn the_dws_answer_text_is_pinned(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let DwsFloor { dws, _receiver, .. } = dws_floor(&app).await;
    let scans = json!({"deviceCode": "LINE-1", "scans": [
        {"barcode": "SF001", "weight": 1.25, "scanTime": "2026-11-25 09:00:00"},
        {"barcode": "NOBODY", "weight": 2.0, "scanTime": "2026-11-25 09:00:05"},
        {"barcode": "NOBODY", "weight": 2.0, "scanTime": "2026-11-25 09:00:05"}
    ]});
    let text = app.call_text(DWS, &dws, &scans.to_string()).await;
    assert_eq!(text, PINNED_DWS_ANSWER);
}

/// Captured from the build before the typed answer.
const PINNED_DWS_ANSWER: &str = r#"{"code":200,"message":"success","flag":true,"value":{"results":[{"barcode":"SF001","duplicate":false,"flagged":true,"matched":true,"orderCode":"OUT-1","reason":null,"weightDeviation":0.25},{"barcode":"NOBODY","duplicate":false,"flagged":false,"matched":false,"orderCode":null,"reason":"NO_PACKAGE","weightDeviation":null},{"barcode":"NOBODY","duplicate":true,"flagged":false,"matched":false,"orderCode":null,"reason":"NO_PACKAGE","weightDeviation":null}]},"requestId":"RID"}"#;

/// Rows read through `orders_pkey`, per PostgreSQL's cumulative statistics, once `ready` (a
/// boolean query on them) holds: a backend reports its counts when it goes idle, at most a
/// few seconds late.
async fn orders_read_by_key(pool: &PgPool, ready: &str) -> i64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let done: bool = sqlx::query_scalar(ready).fetch_one(pool).await.unwrap();
        if done {
            return sqlx::query_scalar(
                "SELECT idx_tup_read FROM pg_stat_user_indexes WHERE indexrelname = 'orders_pkey'",
            )
            .fetch_one(pool)
            .await
            .unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the statistics never showed {ready}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A scan looks up its package's order by key, whatever the statistics say: with every
/// package on the first of 20,000 orders when the tables were analysed, the planner
/// merge-joined the candidates with all orders in key order, and a package of a later order
/// read every order before it. Both ways a package is matched: the one-statement scan, and a
/// waiting scan matched when its package ships; and a carrier's route, whose waybill finds its
/// order the same way (`store::carrier::waybill_link`). On this data the old texts
/// merge-joined in the second (20,043 rows read); the first did on the bench's database of
/// 199,156 orders (0.45 s per scan, docs/performance.md, eleventh part), not on this one; the
/// route's is a lookup by key on both. With the change: 42 rows for the three.
#[sqlx::test]
async fn a_scan_finds_its_packages_order_by_key_whatever_the_statistics(pool: PgPool) {
    let app = spawn_pushing_app(pool.clone(), "200ms").await;
    let DwsFloor {
        who,
        token,
        dws,
        _receiver,
    } = dws_floor(&app).await;
    sqlx::query(
        "INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, inventory_code, subbase_code,
                             status, fingerprint, request)
         SELECT tenant, kind, 'BULK-' || i, 'HXBULK' || i, order_type, inventory_code, subbase_code,
                'SHIPPED', '-', '{}'
           FROM orders, generate_series(1, 20000) i WHERE order_code = 'OUT-1'",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO packages (tenant, order_id, confirmation_id, package_no, waybill_no, carrier_code, weight_kg, items)
         SELECT tenant, order_id, confirmation_id, 'PB-' || i, 'WB-B' || i, 'SF', 1.0, '[]'
           FROM packages, generate_series(1, 2000) i WHERE waybill_no = 'SF001'",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE orders, packages")
        .execute(&pool)
        .await
        .unwrap();
    let before = orders_read_by_key(
        &pool,
        "SELECT n_tup_ins >= 2001 FROM pg_stat_user_tables WHERE relname = 'packages'",
    )
    .await;

    let scan = |barcode: &str, at: &str| {
        json!({"deviceCode": "LINE-1", "scans": [{"barcode": barcode, "weight": 2.0, "scanTime": at}]})
            .to_string()
    };
    let r = app
        .call(DWS, &dws, &scan("SF-WAIT", "2026-11-25 10:00:00"))
        .await;
    r.expect(200, 200);
    assert_eq!(
        r.body["value"]["results"][0]["matched"], false,
        "{}",
        r.body
    );
    shipped_order(&app, &who, &token, "OUT-LATE", "P-LATE", "SF-LATE").await;
    shipped_order(&app, &who, &token, "OUT-WAIT", "P-WAIT", "SF-WAIT").await;
    let r = app
        .call(DWS, &dws, &scan("SF-LATE", "2026-11-25 10:00:01"))
        .await;
    r.expect(200, 200);
    assert_eq!(
        r.body["value"]["results"][0]["orderCode"], "OUT-LATE",
        "{}",
        r.body
    );
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    let route = json!({"waybillNo": "SF-LATE", "routes": [node("PICKUP", "2026-11-25 11:00:00")]});
    let r = app.call(ROUTE, &sf, &route.to_string()).await;
    r.expect(200, 200);
    assert_eq!(r.body["value"]["orderCode"], "OUT-LATE", "{}", r.body);
    let r = app
        .call(OUT_RESULT, &who, r#"{"orderCodes":["OUT-WAIT"]}"#)
        .await;
    let measured = &r.body["value"]["orders"][0]["packages"][0]["measured"];
    assert_eq!(measured["weight"], "2.000", "{}", r.body);

    let after = orders_read_by_key(
        &pool,
        "SELECT bool_and(CASE relname WHEN 'dws_scans' THEN n_tup_ins >= 2 AND n_tup_upd >= 1 ELSE n_tup_ins >= 1 END)
           FROM pg_stat_user_tables WHERE relname IN ('dws_scans', 'routes')",
    )
    .await;
    // A lookup by key reads one row; the merge join read 20,000 per scan.
    assert!(
        after - before < 1000,
        "{} rows of orders read through orders_pkey for two matches and a route",
        after - before
    );
}
