//! 3TMS waybills on the core's transport orders: create (idempotent by orderNumber), find,
//! list, modify by the merge rules, cancel per number, the deprecated cargo calls, trips, and
//! subscription callbacks checked by a real receiver (payload fields and signature header).

use crate::helpers::*;
use crate::tms_support::*;
use hongxun_gateway::domain::client::ClientKind;
use serde_json::{json, Value};
use sqlx::PgPool;

const CREATE: &str = "/order/create_order";
const PACK: &str = "/order/create_order_pack";
const FIND: &str = "/order/find_order/v2";
const QUERY: &str = "/order/query_orders";
const MODIFY: &str = "/order/modify_order";
const CANCEL: &str = "/order/cancel_orders/v2";
const SUBSCRIBE: &str = "/order/subscribe/v2";
const PACK_SUBSCRIBE: &str = "/order/orderPack/subscribe";

pub fn waybill(order_number: &str, phone: &str) -> Value {
    let w = json!({
        "orderNumber": order_number, "consignerName": "发货方", "consignerPhone": phone,
        "consignerAddress": "浙江省温州市鹿城区浙江温州化工总厂", "consignerProvince": "浙江省",
        "consignerCity": "温州市", "consignerDistrict": "鹿城区",
        "deliveryTime": 1573180245, "deliveryType": 2, "customerOrderNumber": format!("C-{order_number}"),
        "appointArriveTime": 1573280245,
        "consigneeName": "收货方", "consigneePhone": "15161128126",
        "consigneeAddress": "浙江省杭州市淳安县绿城千岛湖喜来登度假酒店", "consigneeProvince": "浙江省",
        "consigneeCity": "杭州市", "consigneeDistrict": "淳安县",
    });
    let more = json!({
        "driverPay": 12.0, "driverPayType": 5, "shipperPay": 11.0, "shipperPayType": 1,
        "freightCollect": 3.5, "paymentCollect": 12.3, "startAddress": "杭州", "endAddress": "千岛湖",
        "consignerLocation": {"lng": "120.579412", "lat": "28.024421"},
        "consigneeLocation": {"lng": 119.039414, "lat": 29.608042},
        "note": "运单备注", "organizationPath": "0", "receiptCount": 1, "wmsLocation": "A-01",
        "extraFields": {"note1": "备注一", "note12": "备注十二"},
        "cargoList": [
            {"name": "货物1", "quantity": 1.0, "value": 2.0, "volume": 3.0, "weight": 4.0,
             "productModel": "货物1备注", "note1": "n1"},
            {"name": "货物2", "quantity": 2.0, "weight": 1.0}
        ]
    });
    let mut w = w;
    if let (Some(a), Value::Object(b)) = (w.as_object_mut(), more) {
        a.extend(b);
    }
    w
}

fn route(number: &str, node: &str, at: &str, operator: &str) -> String {
    json!({"waybillNo": number, "routes": [
        {"nodeType": node, "nodeTime": at, "description": format!("{node} 千岛湖"), "operator": operator}
    ]})
    .to_string()
}

/// Signs in a fresh account of CUST1; returns (token, secret).
async fn shipper(app: &TestApp, user: &str) -> (String, String) {
    let secret = account_with_secret(app, "CUST1", user, "pa55word").await;
    (sign_in(app, user, "pa55word").await, secret)
}

pub async fn create_one(app: &TestApp, token: &str, w: Value) -> String {
    let d = ok(&post(app, CREATE, Some(token), false, json!({"orderList": [w]})).await).clone();
    d[0].as_str().unwrap().to_string()
}

#[sqlx::test]
async fn a_waybill_goes_from_order_to_signature_with_callbacks(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms,200ms,200ms").await;
    let (token, secret) = shipper(&app, "shipper1").await;
    let receiver = TmsReceiver::start(&secret).await;
    let sub = post(
        &app,
        SUBSCRIBE,
        Some(&token),
        false,
        json!({"states": "0,1,2,3,4,210", "callbackUrl": receiver.url, "version": "v1"}),
    )
    .await;
    assert_eq!(
        (sub.status, &sub.body),
        (200, &json!({"code": 200, "message": null}))
    );
    ok_done(
        &post(
            &app,
            PACK_SUBSCRIBE,
            Some(&token),
            false,
            json!({"states": "19000,40000,40001", "callbackUrl": receiver.url}),
        )
        .await,
    );

    // Created: a 16-digit number; the same orderNumber with the same content answers it again,
    // with other content it is refused. The receiver is down for the first two callbacks:
    // they are retried, and the waybill's later states wait for them (in order per waybill).
    receiver.fail_next(2);
    let number = create_one(&app, &token, waybill("W-1", "15161151543")).await;
    assert_eq!(number.len(), 16, "{number}");
    assert!(number.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        create_one(&app, &token, waybill("W-1", "15161151543")).await,
        number
    );
    let mut other = waybill("W-1", "15161151543");
    other["note"] = json!("另一个备注");
    failed(
        &post(
            &app,
            CREATE,
            Some(&token),
            false,
            json!({"orderList": [other]}),
        )
        .await,
        400,
        500,
        "orderNumber W-1",
    );
    assert_eq!(
        app.count("SELECT count(*) FROM orders WHERE kind = 'TRANSPORT'")
            .await,
        1
    );

    // Found by number, by the consigner's phone, by the customer number: the seed's detail.
    for q in [
        json!({"orderNumber": number}),
        json!({"phoneNumber": "15161151543"}),
        json!({"customerNumber": "C-W-1"}),
    ] {
        let d = ok(&post(&app, FIND, Some(&token), false, q.clone()).await).clone();
        assert_eq!(d.as_array().unwrap().len(), 1, "{q}: {d}");
        let w = &d[0];
        assert_eq!(w["number"], json!(number));
        assert_eq!(w["wmsNumber"], "W-1");
        assert_eq!(w["customerOrderNumber"], "C-W-1");
        assert_eq!(w["state"], 2000);
        assert_eq!(w["waybillState"], 1);
        assert_eq!(w["deliveryTime"], 1573180245);
        assert_eq!(w["appointArriveTime"], 1573280245);
        assert_eq!(w["deliveryType"], 2);
        assert_eq!(w["consigner"]["phone"], "15161151543");
        assert_eq!(w["consigner"]["address"]["city"], "温州市");
        assert_eq!(w["consigner"]["address"]["lng"], 120.579412);
        assert_eq!(w["consignees"][0]["name"], "收货方");
        assert_eq!(w["cargo"]["name"], "货物1");
        assert_eq!(w["cargo"]["quantity"], 3.0);
        assert_eq!(w["cargo"]["weight"], 5.0);
        assert_eq!(w["cargo"]["volume"], 3.0);
        assert_eq!(w["cargo"]["note1"], "n1");
        assert_eq!(w["totalCargoes"], 2);
        assert_eq!(w["cargoes"].as_array().unwrap().len(), 2);
        assert_eq!(w["cargoes"][0]["productModel"], "货物1备注");
        assert_eq!(w["freightIn"], json!({"payType": 1, "amount": 11.0}));
        assert_eq!(w["freightOut"], json!({"payType": 5, "amount": 12.0}));
        assert_eq!(w["freightCollect"], 3.5);
        assert_eq!(w["paymentCollect"], 12.3);
        assert_eq!(w["receiptCount"], 1);
        assert_eq!(w["extraFields"]["note1"], "备注一");
        assert_eq!(w["extraFields"]["note2"], "");
        assert_eq!(w["organizationPath"], "0");
        assert_eq!(w["wmsLocation"], "A-01");
        assert!(w["packNumber"].is_null());
        for key in [
            "dispatchInfo",
            "freezeDeliveryTime",
            "signedTime",
            "onlinePay",
            "segmentType",
        ] {
            assert!(w.get(key).is_some(), "{key} missing");
        }
    }

    // Dispatch accepts it on a trip; the carrier loads and delivers it.
    let ops = app.ops_token("dispatch").await;
    let trip = app
        .ops(
            Some(&ops),
            "POST",
            "/ops/v1/customers/CUST1/trips",
            json!({
            "waybills": [number], "driverName": "司机姓名", "driverPhone": "13872897189",
            "plateNo": "浙A92874", "fleet": "白云仓车队", "carrierCode": "SF"}),
        )
        .await;
    assert_eq!(trip.status, 200, "{}", trip.body);
    let pack = trip.body["value"]["packNumber"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(pack.starts_with('P'), "{pack}");
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    app.call(
        "/dtc/carrier/route",
        &sf,
        &route(&number, "PICKUP", "2026-11-30 08:00:00", "王师傅"),
    )
    .await
    .expect(200, 200);
    app.call(
        "/dtc/carrier/route",
        &sf,
        &route(&number, "SIGNED", "2026-11-30 15:00:00", "张三"),
    )
    .await
    .expect(200, 200);

    // The callbacks: the waybill's states in order, the trip's assignment.
    let all = receiver.wait_for(5).await;
    let states: Vec<i64> = all
        .iter()
        .filter(|c| c.get("number").is_some())
        .map(|c| c["subscribeState"].as_i64().unwrap())
        .collect();
    assert_eq!(states, vec![1, 2, 3, 4], "{all:#?}");
    let failed_attempts = app
        .count("SELECT count(*) FROM push_attempts WHERE NOT success AND http_status = 500")
        .await;
    assert_eq!(failed_attempts, 2);
    let by_state = |s: i64| {
        all.iter()
            .find(|c| c.get("number").is_some() && c["subscribeState"] == s)
            .unwrap()
            .clone()
    };
    let accepted = by_state(2);
    assert_eq!(accepted["number"], json!(number));
    assert_eq!(accepted["wmsNumber"], "W-1");
    assert_eq!(accepted["customerOrderNumber"], "C-W-1");
    assert_eq!(accepted["packNumber"], json!(pack));
    assert_eq!(accepted["driver"], "司机姓名");
    assert_eq!(accepted["carNumber"], "浙A92874");
    assert_eq!(accepted["phoneNumber"], "13872897189");
    assert_eq!(accepted["groupName"], "白云仓车队");
    assert_eq!(accepted["deliveryType"], 2);
    assert_eq!(accepted["state"], 2);
    let signed = by_state(4);
    assert_eq!(signed["signer"], "张三");
    assert!(signed["receiptUrls"].is_array());
    let now = chrono::Utc::now().timestamp();
    let ts = signed["messageTimeStamp"].as_i64().unwrap();
    assert!(
        (now - 60..=now).contains(&ts),
        "seconds, not milliseconds: {ts}"
    );
    for key in [
        "number",
        "wmsNumber",
        "customerOrderNumber",
        "packNumber",
        "remark",
        "state",
        "subscribeState",
        "driver",
        "deliveryType",
        "carNumber",
        "phoneNumber",
        "groupName",
        "receiptUrls",
        "signer",
        "messageTimeStamp",
    ] {
        assert!(signed.get(key).is_some(), "{key} missing from {signed}");
    }
    let assigned: Vec<&Value> = all
        .iter()
        .filter(|c| c.get("orderNumbers").is_some())
        .collect();
    assert_eq!(assigned.len(), 1, "{all:#?}");
    assert_eq!(assigned[0]["state"], 40000);
    assert_eq!(assigned[0]["packNumber"], json!(pack));
    assert_eq!(assigned[0]["orderNumbers"], json!([number]));
    assert_eq!(assigned[0]["wmsNumbers"], json!(["W-1"]));
    assert_eq!(assigned[0]["customerOrderNumbers"], json!(["C-W-1"]));
    assert_eq!(assigned[0]["driverPhone"], "13872897189");

    // A receipt photo after the signature: the 已签收 callback again, with its link; a photo
    // that is not what it claims is refused.
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD
        .encode([0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 7, 7, 7]);
    let photos = format!("/ops/v1/customers/CUST1/waybills/{number}/receipt-photos");
    let r = app
        .ops(
            Some(&ops),
            "POST",
            &photos,
            json!({"images": [{"contentType": "image/png", "base64": png}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .ops(
            Some(&ops),
            "POST",
            &photos,
            json!({"images": [{"contentType": "image/jpeg", "base64": png}]}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let all = receiver.wait_for(6).await;
    let again = all.last().unwrap();
    assert_eq!(again["subscribeState"], 4, "{again}");
    let urls = again["receiptUrls"].as_array().unwrap();
    assert_eq!(urls.len(), 1, "{again}");
    // The link works (served by this gateway; the configured base is 127.0.0.1:8080).
    let url = urls[0].as_str().unwrap();
    let path = &url[url.find("/files/").unwrap()..];
    let photo = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(photo.status(), 200);
    assert_eq!(photo.bytes().await.unwrap().len(), 11);
    let w = ok(&post(
        &app,
        FIND,
        Some(&token),
        false,
        json!({"orderNumber": number}),
    )
    .await)[0]
        .clone();
    assert_eq!(w["receiptUploaded"], true);

    // The same waybill as a 鸿讯 transport order of the tenant.
    let erp = app.identity(ClientKind::Customer, "CUST1", "ERP").await;
    let r = app
        .call(
            "/dtc/logistics/transportOrderResult",
            &erp,
            r#"{"orderCodes":["W-1"]}"#,
        )
        .await;
    r.expect(200, 200);
    let o = &r.body["value"]["orders"][0];
    assert_eq!(o["status"], "SIGNED");
    assert_eq!(o["orderType"], "LDYS");
    assert_eq!(o["transportNo"], json!(number));
    assert_eq!(o["packNumber"], json!(pack));
    assert_eq!(o["transport"]["customerOrderNo"], "C-W-1");
    assert_eq!(o["transport"]["customNotes"]["note12"], "备注十二");
    assert_eq!(o["transport"]["organizationPath"], "0");
    assert_eq!(o["transport"]["deliveryType"], "DELIVERY");
    let history: Vec<&str> = o["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        vec!["CREATED", "CONFIRMED", "IN_TRANSIT", "SIGNED"]
    );

    // Listed under 已签收, not under 已下单; too late to cancel.
    let d = ok(&post(
        &app,
        QUERY,
        Some(&token),
        false,
        json!({"state": 4, "page": 1, "size": 10}),
    )
    .await)
    .clone();
    assert_eq!(
        (d["total"].as_i64(), d["page"].as_i64(), d["size"].as_i64()),
        (Some(1), Some(1), Some(10))
    );
    assert_eq!(d["elements"][0]["number"], json!(number));
    assert!(d["elements"][0]["signedTime"].is_i64());
    assert_eq!(d["elements"][0]["cargo"]["consignerPhone"], "15161151543");
    assert!(d["elements"][0].get("cargoes").is_none());
    let d = ok(&post(&app, QUERY, Some(&token), false, json!({"state": 1})).await).clone();
    assert_eq!(d["total"], 0);
    failed(
        &post(
            &app,
            CANCEL,
            Some(&token),
            false,
            json!({"numbers": number}),
        )
        .await,
        400,
        500,
        "已签收",
    );
}

fn ok_done(a: &Answer) {
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body, json!({"code": 200, "message": null}));
}

#[sqlx::test]
async fn waybills_are_changed_cancelled_and_refused_by_the_seed_rules(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (token, _) = shipper(&app, "shipper1").await;
    // The SSRF guard holds for subscriptions: a callback URL on this host is never called.
    let r = post(
        &app,
        SUBSCRIBE,
        Some(&token),
        false,
        json!({"states": "1", "callbackUrl": "http://127.0.0.1:9/hook"}),
    )
    .await;
    ok_done(&r);
    let a = create_one(&app, &token, waybill("W-A", "13800000001")).await;
    let mut refused = 0;
    for _ in 0..100 {
        refused = app
            .count("SELECT count(*) FROM push_attempts WHERE error LIKE '%SSRF guard%'")
            .await;
        if refused > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(refused > 0, "no refused attempt");
    assert_eq!(
        app.count("SELECT count(*) FROM push_attempts WHERE success")
            .await,
        0
    );
    let b = create_one(&app, &token, waybill("W-B", "13800000002")).await;

    // Modify: absent and null stay, lists replace, an empty list clears, notes one by one.
    let m = post(&app, MODIFY, Some(&token), false, json!({"orderNumber": a, "order": {
        "note": "改过的备注", "customerOrderNumber": null, "receiptCount": 3,
        "consigner": {"phone": "13900000000"},
        "consignees": [{"name": "新收货方", "phone": "13700000000", "address": {"city": "宁波市", "address": "宁波港", "lng": 121.5, "lat": 29.8}},
                       {"name": "第二收货方", "phone": "13700000001", "address": {"address": "舟山"}}],
        "customNotes": {"note1": "", "note3": "三", "note4": null},
        "orderCargoes": []
    }})).await;
    assert_eq!(ok(&m), &json!(true));
    let w = ok(&post(&app, FIND, Some(&token), false, json!({"orderNumber": a})).await)[0].clone();
    assert_eq!(w["note"], "改过的备注");
    assert_eq!(w["customerOrderNumber"], "C-W-A", "null leaves it");
    assert_eq!(w["receiptCount"], 3);
    assert_eq!(w["consigner"]["phone"], "13900000000");
    assert_eq!(w["consigner"]["name"], "发货方", "absent parts stay");
    assert_eq!(w["consignees"].as_array().unwrap().len(), 2);
    assert_eq!(w["consignees"][1]["name"], "第二收货方");
    assert_eq!(
        w["endAddressLng"],
        json!(null),
        "the last consignee has no coordinates"
    );
    assert_eq!(w["extraFields"]["note1"], "");
    assert_eq!(w["extraFields"]["note3"], "三");
    assert_eq!(w["extraFields"]["note12"], "备注十二");
    assert_eq!(w["totalCargoes"], 0);
    assert_eq!(w["cargoes"], json!([]));
    // The original create is still answered with the number (the creation content counts).
    assert_eq!(
        create_one(&app, &token, waybill("W-A", "13800000001")).await,
        a
    );

    // Refusals of modify.
    failed(
        &post(&app, MODIFY, Some(&token), false, json!({"order": {}})).await,
        400,
        500,
        "订单号必填",
    );
    failed(
        &post(
            &app,
            MODIFY,
            Some(&token),
            false,
            json!({"orderNumber": "9999999999999999", "order": {}}),
        )
        .await,
        400,
        500,
        "订单9999999999999999不存在",
    );
    failed(
        &post(
            &app,
            MODIFY,
            Some(&token),
            false,
            json!({"orderNumber": a, "order": {"organizationPath": "0-7x"}}),
        )
        .await,
        400,
        500,
        "organizationPath",
    );
    failed(
        &post(
            &app,
            MODIFY,
            Some(&token),
            false,
            json!({"orderNumber": a, "order": {"deliveryTime": 1573180245000i64}}),
        )
        .await,
        400,
        500,
        "milliseconds",
    );
    failed(
        &post(
            &app,
            MODIFY,
            Some(&token),
            false,
            json!({"orderNumber": a, "order": {"customNotes": {"note13": "x"}}}),
        )
        .await,
        400,
        500,
        "order.customNotes.note13",
    );

    // Deprecated cargo calls: add by customer number, update and remove by cargo number.
    ok_done(&post(&app, "/cargo/add", Some(&token), false, json!({"orderNumber": "C-W-A", "cargoNumber": "G-1", "name": "纸箱", "quantity": "4", "weight": "2.5", "volume": "0.5", "value": "100"})).await);
    failed(
        &post(
            &app,
            "/cargo/add",
            Some(&token),
            false,
            json!({"orderNumber": a, "cargoNumber": "G-1", "name": "again"}),
        )
        .await,
        400,
        500,
        "G-1",
    );
    ok_done(
        &post(
            &app,
            "/cargo/update",
            Some(&token),
            false,
            json!({"cargoNumber": "G-1", "weight": "3"}),
        )
        .await,
    );
    let w = ok(&post(&app, FIND, Some(&token), false, json!({"orderNumber": a})).await)[0].clone();
    assert_eq!(w["cargoes"][0]["id"], "G-1");
    assert_eq!(w["cargoes"][0]["weight"], 3.0);
    assert_eq!(w["cargoes"][0]["quantity"], 4.0);
    assert_eq!(w["cargoes"][0]["volume"], 0.5);
    let removed = post(
        &app,
        "/cargo/delete",
        Some(&token),
        false,
        json!({"cargoNumber": "G-1"}),
    )
    .await;
    assert_eq!(removed.body, json!({"code": 200, "message": "true"}));
    failed(
        &post(
            &app,
            "/cargo/remove",
            Some(&token),
            false,
            json!({"cargoNumber": "G-1"}),
        )
        .await,
        400,
        500,
        "货物G-1不存在",
    );
    failed(
        &post(
            &app,
            "/cargo/add",
            Some(&token),
            false,
            json!({"orderNumber": a, "cargoNumber": "G-2", "name": "x", "weight": "heavy"}),
        )
        .await,
        400,
        500,
        "weight",
    );

    // Cancel per number: b is loaded (too late), a is cancelled, the unknown one is named.
    let ops = app.ops_token("dispatch").await;
    app.ops(
        Some(&ops),
        "POST",
        "/ops/v1/customers/CUST1/trips",
        json!({"waybills": [b], "plateNo": "浙A1", "carrierCode": "SF"}),
    )
    .await;
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    app.call(
        "/dtc/carrier/route",
        &sf,
        &route(&b, "PICKUP", "2026-11-30 08:00:00", "王师傅"),
    )
    .await
    .expect(200, 200);
    let r = post(
        &app,
        CANCEL,
        Some(&token),
        false,
        json!({"numbers": format!("{a},{b},1234567890123456")}),
    )
    .await;
    failed(&r, 400, 500, &format!("{b}: 状态为已装货"));
    let msg = r.body["message"].as_str().unwrap();
    assert!(msg.contains("1234567890123456: 订单不存在"), "{msg}");
    assert!(msg.contains(&format!("已撤销: {a}")), "{msg}");
    // Cancelling again is fine; a cancelled waybill is listed under 0 (the default state).
    ok_done(&post(&app, CANCEL, Some(&token), false, json!({"numbers": a})).await);
    let d = ok(&post(&app, QUERY, Some(&token), false, json!({})).await).clone();
    assert_eq!(d["total"], 1);
    assert_eq!(d["elements"][0]["number"], json!(a));
    assert_eq!(d["elements"][0]["state"], 0);
    assert!(d["elements"][0]["waybillState"].is_null());
    failed(
        &post(
            &app,
            MODIFY,
            Some(&token),
            false,
            json!({"orderNumber": a, "order": {"note": "x"}}),
        )
        .await,
        400,
        500,
        "CANCELLED",
    );

    // query_orders by GET with query parameters, filters and its refusals.
    let url = format!("{}{QUERY}?access_token={token}&state=3&size=5&consigneePhone=15161128126&carNumber=%E6%B5%99A1", app.base);
    let r = app.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["data"]["total"], 1, "{d}");
    assert_eq!(d["data"]["elements"][0]["number"], json!(b));
    let d = ok(&post(
        &app,
        QUERY,
        Some(&token),
        false,
        json!({"state": 3, "timeType": "created",
        "startDate": "2000-01-01 00:00:00", "endDate": "2001-01-01 00:00:00"}),
    )
    .await)
    .clone();
    assert_eq!(d["total"], 0);
    let d = ok(&post(
        &app,
        QUERY,
        Some(&token),
        false,
        json!({"state": 3, "timeType": "deliveryed",
        "startDate": "2019-11-01 00:00:00", "endDate": "2019-11-30 00:00:00"}),
    )
    .await)
    .clone();
    assert_eq!(d["total"], 1, "pickup 2019-11-08 is in the range");
    for (q, needle) in [
        (json!({"state": 5}), "state"),
        (json!({"size": 51}), "size"),
        (json!({"page": 0}), "page"),
        (json!({"timeType": "weekly"}), "timeType"),
        (json!({"startDate": "2026/01/01"}), "startDate"),
        (
            json!({"startDate": "2026-02-01 00:00:00", "endDate": "2026-01-01 00:00:00"}),
            "endDate",
        ),
    ] {
        failed(
            &post(&app, QUERY, Some(&token), false, q).await,
            400,
            500,
            needle,
        );
    }

    // Create refusals: every field named; batch limits; find limits.
    let mut bad = waybill("W-X", "not a phone");
    bad["deliveryType"] = json!(3);
    bad["consignerLocation"] = json!({"lng": "east"});
    bad["extraFields"] = json!({"note0": "x"});
    bad["cargoList"][0]["quantity"] = json!(-1.5);
    bad["organizationPath"] = json!("x-1");
    bad["shipperPayType"] = json!(10);
    let r = post(
        &app,
        CREATE,
        Some(&token),
        false,
        json!({"orderList": [bad]}),
    )
    .await;
    for field in [
        "orderList[0].consignerPhone",
        "orderList[0].deliveryType",
        "orderList[0].consignerLocation.lng",
        "orderList[0].extraFields.note0",
        "orderList[0].cargoList[0].quantity",
        "orderList[0].organizationPath",
        "orderList[0].shipperPayType",
    ] {
        failed(&r, 400, 500, field);
    }
    let mut no_time = waybill("W-Y", "13800000009");
    no_time.as_object_mut().unwrap().remove("deliveryTime");
    failed(
        &post(
            &app,
            CREATE,
            Some(&token),
            false,
            json!({"orderList": [no_time]}),
        )
        .await,
        400,
        500,
        "orderList[0].deliveryTime: is required",
    );
    // A well-formed path the tree does not hold is taken as given (seed: 可不填, no check).
    let mut unknown_path = waybill("W-Z", "13800000009");
    unknown_path["organizationPath"] = json!("0-11");
    ok(&post(
        &app,
        CREATE,
        Some(&token),
        false,
        json!({"orderList": [unknown_path]}),
    )
    .await);
    let many: Vec<Value> = (0..101)
        .map(|i| waybill(&format!("M-{i}"), "13800000009"))
        .collect();
    failed(
        &post(
            &app,
            CREATE,
            Some(&token),
            false,
            json!({"orderList": many}),
        )
        .await,
        400,
        500,
        "orderList: must hold 1–100",
    );
    let twice = vec![waybill("D-1", "13800000009"), waybill("D-1", "13800000009")];
    failed(
        &post(
            &app,
            CREATE,
            Some(&token),
            false,
            json!({"orderList": twice}),
        )
        .await,
        400,
        500,
        "repeats orderList[0].orderNumber",
    );
    failed(
        &post(&app, CREATE, Some(&token), false, json!({"orderList": []})).await,
        400,
        500,
        "orderList",
    );
    let numbers: Vec<String> = (0..21).map(|i| format!("{:016}", i)).collect();
    failed(
        &post(
            &app,
            FIND,
            Some(&token),
            false,
            json!({"orderNumber": numbers.join(",")}),
        )
        .await,
        400,
        500,
        "at most 20",
    );
    failed(
        &post(&app, FIND, Some(&token), false, json!({})).await,
        400,
        500,
        "orderNumber, phoneNumber or customerNumber",
    );
    assert_eq!(
        ok(&post(
            &app,
            FIND,
            Some(&token),
            false,
            json!({"orderNumber": "0000000000000001"})
        )
        .await),
        &json!([])
    );
    // Nothing of the refused calls was written (the two waybills and W-Z, whose path is taken
    // as given, are all there is).
    assert_eq!(
        app.count("SELECT count(*) FROM orders WHERE kind = 'TRANSPORT'")
            .await,
        3
    );

    // Another shipper sees, changes and cancels none of it.
    let secret = account_with_secret(&app, "CUST2", "other", "pa55word").await;
    let _ = secret;
    let t2 = sign_in(&app, "other", "pa55word").await;
    assert_eq!(
        ok(&post(&app, FIND, Some(&t2), false, json!({"orderNumber": b})).await),
        &json!([])
    );
    assert_eq!(
        ok(&post(
            &app,
            FIND,
            Some(&t2),
            false,
            json!({"phoneNumber": "13800000002"})
        )
        .await),
        &json!([])
    );
    failed(
        &post(
            &app,
            MODIFY,
            Some(&t2),
            false,
            json!({"orderNumber": b, "order": {"note": "x"}}),
        )
        .await,
        400,
        500,
        "不存在",
    );
    failed(
        &post(&app, CANCEL, Some(&t2), false, json!({"numbers": b})).await,
        400,
        500,
        "订单不存在",
    );
    failed(
        &post(
            &app,
            "/cargo/update",
            Some(&t2),
            false,
            json!({"cargoNumber": "G-1", "weight": "1"}),
        )
        .await,
        400,
        500,
        "不存在",
    );
    assert_eq!(
        ok(&post(&app, QUERY, Some(&t2), false, json!({"state": 3})).await)["total"],
        0
    );
    // The other shipper's own waybill may reuse the orderNumber: it is per tenant.
    let mine = create_one(&app, &t2, waybill("W-B", "13800000002")).await;
    assert_ne!(mine, b);
}

#[sqlx::test]
async fn trips_exceptions_and_prints_reach_their_subscribers(pool: PgPool) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let (token, secret) = shipper(&app, "shipper1").await;
    let receiver = TmsReceiver::start(&secret).await;
    ok_done(
        &post(
            &app,
            SUBSCRIBE,
            Some(&token),
            false,
            json!({"states": "210,8000,8001,8002", "callbackUrl": receiver.url}),
        )
        .await,
    );
    ok_done(
        &post(
            &app,
            PACK_SUBSCRIBE,
            Some(&token),
            false,
            json!({"states": "19000,40000,40001", "callbackUrl": receiver.url}),
        )
        .await,
    );

    // create_order_pack: the waybills on a new trip with the driver's phone.
    let d = ok(&post(
        &app,
        PACK,
        Some(&token),
        false,
        json!({
        "orderList": [waybill("T-1", "13800000001"), waybill("T-2", "13800000002")],
        "driverPhone": "13900000001"}),
    )
    .await)
    .clone();
    let numbers: Vec<String> = d["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert_eq!(numbers.len(), 2);
    assert!(d["ids"][0].as_str().unwrap().starts_with("HXT"));
    let pack1 = d["packNumber"].as_str().unwrap().to_string();
    failed(
        &post(
            &app,
            PACK,
            Some(&token),
            false,
            json!({"orderList": [waybill("T-3", "13800000003")]}),
        )
        .await,
        400,
        500,
        "driverPhone",
    );

    // Dispatch: update the trip's vehicle, move T-2 to a new trip, delete the first trip.
    let ops = app.ops_token("dispatch").await;
    let r = app
        .ops(
            Some(&ops),
            "PUT",
            &format!("/ops/v1/customers/CUST1/trips/{pack1}"),
            json!({"plateNo": "浙B12345", "driverName": "李师傅"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .ops(
            Some(&ops),
            "POST",
            "/ops/v1/customers/CUST1/trips",
            json!({"waybills": [numbers[0]], "plateNo": "浙C1"}),
        )
        .await;
    let pack2 = r.body["value"]["packNumber"].as_str().unwrap().to_string();
    let r = app
        .ops(
            Some(&ops),
            "POST",
            &format!("/ops/v1/customers/CUST1/trips/{pack2}/waybills"),
            json!({"transportNo": numbers[1]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .ops(
            Some(&ops),
            "DELETE",
            &format!("/ops/v1/customers/CUST1/trips/{pack1}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .ops(
            Some(&ops),
            "DELETE",
            &format!("/ops/v1/customers/CUST1/trips/{pack1}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    // Hostile path parts are refused as the path field (2002), never reach the database; each
    // call carries a body that would be accepted, so nothing else can refuse it.
    for (method, path, body) in [
        (
            "PUT",
            "/ops/v1/customers/CUST1/trips/a%00b",
            json!({"plateNo": "浙A2"}),
        ),
        (
            "POST",
            "/ops/v1/customers/CUST1/waybills/a%01b/exceptions",
            json!({"type": "装货异常", "profile": "货损", "info": "外箱破损", "source": 2}),
        ),
        (
            "POST",
            "/ops/v1/customers/CUST1/slips/%00/segments",
            json!({"segments": [{"segmentType": 2}]}),
        ),
        ("DELETE", "/ops/v1/customers/CUST1/trips/%00", json!({})),
    ] {
        let r = app.ops(Some(&ops), method, path, body).await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert_eq!(r.body["code"], 2002, "{path}: {}", r.body);
        assert!(
            r.body["message"].as_str().unwrap().starts_with("path: "),
            "{path}: {}",
            r.body
        );
    }
    // Another tenant's trip is not found by this one's path.
    let r = app
        .ops(
            Some(&ops),
            "PUT",
            &format!("/ops/v1/customers/CUST2/trips/{pack2}"),
            json!({"plateNo": "x"}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);

    // An exception report and a print.
    let r = app.ops(Some(&ops), "POST", &format!("/ops/v1/customers/CUST1/waybills/{}/exceptions", numbers[0]), json!({
        "type": "装货异常", "profile": "异常类型:货损", "info": "异常内容:外箱破损", "source": 2,
        "imageUrls": ["http://oss.example.com/driver1.jpg"], "address": "浙江省杭州市西湖区", "lng": 120.12, "lat": 30.27})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .ops(
            Some(&ops),
            "POST",
            &format!("/ops/v1/customers/CUST1/waybills/{}/exceptions", numbers[0]),
            json!({"type": "别的异常"}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = app
        .ops(
            Some(&ops),
            "POST",
            "/ops/v1/customers/CUST1/waybills/prints",
            json!({"transportNos": numbers, "labels": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let all = receiver.wait_for(11).await;
    let pack_states: Vec<(String, i64)> = all
        .iter()
        .filter(|c| c.get("packNumber").is_some() && c.get("orderNumbers").is_some())
        .map(|c| {
            (
                c["packNumber"].as_str().unwrap().to_string(),
                c["state"].as_i64().unwrap(),
            )
        })
        .collect();
    for expected in [
        (pack1.clone(), 40000),
        (pack1.clone(), 40001),
        (pack2.clone(), 40000),
        (pack2.clone(), 40001),
        (pack1.clone(), 19000),
    ] {
        assert!(
            pack_states.contains(&expected),
            "{expected:?} in {pack_states:?}"
        );
    }
    let updated = all
        .iter()
        .find(|c| c["state"] == 40001 && c["packNumber"] == json!(pack1))
        .unwrap();
    assert_eq!(updated["carNumber"], "浙B12345");
    assert_eq!(updated["driver"], "李师傅");
    assert_eq!(updated["driverPhone"], "13900000001");
    let reassigned: Vec<&Value> = all.iter().filter(|c| c["subscribeState"] == 210).collect();
    assert_eq!(reassigned.len(), 2, "both waybills left trip 1: {all:#?}");
    assert!(reassigned.iter().all(|c| c["packNumber"] == json!(pack2)));
    let abnormal = all.iter().find(|c| c["subscribeState"] == 8002).unwrap();
    assert_eq!(abnormal["orderAbnormalInfo"]["type"], "装货异常");
    assert_eq!(
        abnormal["orderAbnormalInfo"]["orderNumber"],
        json!(numbers[0])
    );
    assert_eq!(
        abnormal["orderAbnormalInfo"]["imageUrls"],
        json!(["http://oss.example.com/driver1.jpg"])
    );
    assert_eq!(abnormal["orderAbnormalInfo"]["source"], 2);
    let printed = all.iter().find(|c| c.get("printType").is_some()).unwrap();
    assert_eq!(
        printed,
        &json!({"orderNumbers": numbers, "printType": "运单打印"})
    );
    let w = ok(&post(
        &app,
        FIND,
        Some(&token),
        false,
        json!({"orderNumber": numbers[0]}),
    )
    .await)[0]
        .clone();
    assert_eq!(w["orderPrintStatus"], 1);
    assert_eq!(w["abnormal"], true);
    assert_eq!(w["packNumber"], json!(pack2));
    assert_eq!(w["dispatchDriver"]["carNumber"], "浙C1");

    // A callback the receiver keeps refusing goes dead; replayed, it arrives.
    receiver.fail_next(2);
    let r = app
        .ops(
            Some(&ops),
            "POST",
            "/ops/v1/customers/CUST1/waybills/prints",
            json!({"transportNos": [numbers[1]], "labels": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut dead = Vec::new();
    for _ in 0..100 {
        dead = app
            .ops(Some(&ops), "GET", "/ops/v1/pushes?status=dead", json!({}))
            .await
            .body["value"]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !dead.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(dead.len(), 1, "{dead:#?}");
    assert_eq!(dead[0]["eventType"], "waybillsPrinted");
    let id = dead[0]["id"].as_i64().unwrap();
    let r = app
        .ops(
            Some(&ops),
            "POST",
            &format!("/ops/v1/pushes/{id}/replay"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let all = receiver.wait_for(12).await;
    assert_eq!(
        all.last().unwrap(),
        &json!({"orderNumbers": [numbers[1]], "printType": "运单标签打印"})
    );

    // A cancelled waybill leaves its trip: the trip is updated without it.
    ok_done(
        &post(
            &app,
            CANCEL,
            Some(&token),
            false,
            json!({"numbers": numbers[0]}),
        )
        .await,
    );
    let all = receiver.wait_for(13).await;
    let last = all.last().unwrap();
    assert_eq!(
        (&last["packNumber"], &last["state"]),
        (&json!(pack2), &json!(40001)),
        "{last}"
    );
    assert_eq!(last["orderNumbers"], json!([numbers[1]]));
    let w = ok(&post(
        &app,
        FIND,
        Some(&token),
        false,
        json!({"orderNumber": numbers[0]}),
    )
    .await)[0]
        .clone();
    assert!(w["packNumber"].is_null(), "{w}");

    // Unsubscribed: no more callbacks. Subscription refusals.
    ok_done(&post(&app, "/order/unsubscribe", Some(&token), false, json!({})).await);
    ok_done(
        &post(
            &app,
            "/order/orderPack/unsubscribe",
            Some(&token),
            false,
            json!({}),
        )
        .await,
    );
    let before = receiver.callbacks().len();
    // Both calls succeed, and would have called back while subscribed.
    let r = app
        .ops(
            Some(&ops),
            "POST",
            "/ops/v1/customers/CUST1/waybills/prints",
            json!({"transportNos": [numbers[0]], "labels": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .ops(
            Some(&ops),
            "DELETE",
            &format!("/ops/v1/customers/CUST1/trips/{pack2}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(receiver.callbacks().len(), before);
    for (path, body, needle) in [
        (
            SUBSCRIBE,
            json!({"states": "1,5", "callbackUrl": receiver.url}),
            "\"5\" is not one of",
        ),
        (
            SUBSCRIBE,
            json!({"states": "1", "callbackUrl": "ftp://x.example.com/"}),
            "callbackUrl: must start with http",
        ),
        (SUBSCRIBE, json!({"states": "1"}), "callbackUrl"),
        (SUBSCRIBE, json!({"callbackUrl": receiver.url}), "states"),
        (
            SUBSCRIBE,
            json!({"states": "1", "callbackUrl": receiver.url, "version": "v2"}),
            "version",
        ),
        (
            PACK_SUBSCRIBE,
            json!({"states": "1", "callbackUrl": receiver.url}),
            "states",
        ),
        (
            "/customer_order/subscribe",
            json!({"states": "600,602", "callbackUrl": receiver.url}),
            "xhkID",
        ),
    ] {
        failed(
            &post(&app, path, Some(&token), false, body).await,
            400,
            500,
            needle,
        );
    }
    ok_done(
        &post(
            &app,
            "/customer_order/subscribe",
            Some(&token),
            false,
            json!({"states": "600,601,602", "callbackUrl": receiver.url, "xhkID": "XHK-1"}),
        )
        .await,
    );
    ok_done(
        &post(
            &app,
            "/customer_order/unsubscribe",
            Some(&token),
            false,
            json!({}),
        )
        .await,
    );
}
