//! Seed 003 (3TMS/CTMS) replayed from its own text (#24): every request entity it shows is sent
//! as written — only what a live call must change is replaced: the token, the fields the seed
//! itself marks 必填 that its example leaves `""`, and references to data made first —, and
//! every success, failure and callback example is held against the real answer by one shape
//! comparison (`seed_examples::shape_gaps`).

use crate::helpers::*;
use crate::seed_examples::*;
use crate::tms_support::*;
use hongxun_gateway::domain::client::ClientKind;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::{BTreeMap, BTreeSet};

const DEVICE: &str = "868120223404879";

/// The real answers, by (path, "ok" | "fail"), in the order the seed shows its examples.
#[derive(Default)]
struct Answers(BTreeMap<(String, &'static str), Vec<Value>>);

impl Answers {
    /// Keeps a success (HTTP 200, code 200).
    fn ok(&mut self, path: &str, a: Answer) -> Value {
        assert_eq!(
            (a.status, &a.body["code"]),
            (200, &json!(200)),
            "{path}: {}",
            a.body
        );
        let data = a.body["data"].clone();
        self.0.entry((path.into(), "ok")).or_default().push(a.body);
        data
    }
    /// Keeps a refusal: never a 5xx, the seed's `{status, message}`.
    fn fail(&mut self, path: &str, a: Answer, needle: &str) {
        assert!(
            (400..500).contains(&a.status),
            "{path}: {} {}",
            a.status,
            a.body
        );
        // The seed's `status` is 500 for every refusal; a token refused is HTTP 401, as the
        // seed says, and its body says 401.
        let status = if a.status == 401 { 401 } else { 500 };
        assert_eq!(a.body["status"], status, "{path}: {}", a.body);
        let m = a.body["message"].as_str().unwrap_or_default();
        assert!(m.contains(needle), "{path}: {needle:?} not in {}", a.body);
        self.0
            .entry((path.into(), "fail"))
            .or_default()
            .push(a.body);
    }
}

/// The entity example `name` (from "NameEntity结构如下"), with the seed's 必填 fields that it
/// leaves empty given values: what a client must change to make a live call.
fn entity(examples: &[JsonExample], name: &str) -> Value {
    examples
        .iter()
        .find(|e| {
            e.context
                .trim_start_matches("其中")
                .starts_with(&format!("{name}结构如下"))
        })
        .unwrap_or_else(|| panic!("no {name} in seed 003"))
        .value
        .clone()
}

fn filled(mut v: Value, required: &[(&str, &str)]) -> Value {
    for (k, value) in required {
        assert_eq!(v[*k], "", "{k} is not empty in the seed's example");
        v[*k] = json!(value);
    }
    v
}

/// The entity with every `""` of the seed's template given a value, as an integrator who fills
/// the whole template sends it: the answers about it can then show every member the seed does.
fn complete(mut v: Value, order_number: &str) -> Value {
    fn walk(v: &mut Value, key: &str, order_number: &str) {
        match v {
            Value::Object(m) => m.iter_mut().for_each(|(k, x)| walk(x, k, order_number)),
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, key, order_number)),
            Value::String(s) if s.is_empty() => {
                *s = match key {
                    "orderNumber" | "originalOrderNumber" => order_number.to_string(),
                    k if k.to_lowercase().ends_with("phone") => "15161128126".into(),
                    "lng" => "120.579412".into(),
                    "lat" => "28.024421".into(),
                    "deviceNumber" => DEVICE.into(),
                    "organizationPath" => "0".into(),
                    k => format!("{k}的值"),
                }
            }
            _ => {}
        }
    }
    walk(&mut v, "", order_number);
    v
}

/// What the gateway answers null although the seed shows a value: it has no notion of these
/// (docs/tms.md, "What still differs from the seed").
const UNKNOWN: &[(&str, &str)] = &[
    ("miles", "no route planning: no estimated distance"),
    (
        "mileageEstimated",
        "no route planning: no estimated distance",
    ),
    ("carDetailMode", "trips record a plate, not a vehicle model"),
    (
        "settlementParty",
        "OrderEntity and CustomerOrderEntity carry no settlement party",
    ),
    (
        "settlementName",
        "OrderEntity and CustomerOrderEntity carry no settlement party",
    ),
    (
        "settlementPhone",
        "OrderEntity and CustomerOrderEntity carry no settlement party",
    ),
    (
        "createUserId",
        "an order records the account that made it, not a person's phone",
    ),
    (
        "createUsername",
        "an order records the account that made it, not a person's name",
    ),
];

fn route(number: &str, node: &str, at: &str) -> String {
    json!({"waybillNo": number, "routes": [
        {"nodeType": node, "nodeTime": at, "description": format!("{node} 千岛湖"), "operator": "签收人"}
    ]})
    .to_string()
}

/// Puts `number` on a new trip (`trip`, dispatch's body), then the carrier loads and signs it at
/// the given times; returns the trip's pack number.
async fn signed_on_a_trip(
    app: &TestApp,
    ops: &str,
    carrier: &Identity,
    number: &str,
    trip: Value,
    [loaded, signed]: [&str; 2],
) -> Value {
    let t = app
        .ops(Some(ops), "POST", "/ops/v1/customers/CUST1/trips", trip)
        .await;
    assert_eq!(t.status, 200, "{}", t.body);
    for (node, at) in [("PICKUP", loaded), ("SIGNED", signed)] {
        app.call("/dtc/carrier/route", carrier, &route(number, node, at))
            .await
            .expect(200, 200);
    }
    t.body["value"]["packNumber"].clone()
}

#[sqlx::test]
async fn every_example_of_seed_003_is_taken_as_written_and_every_answer_has_its_shape(
    pool: PgPool,
) {
    let app = spawn_pushing_app(pool, "200ms").await;
    let examples = json_examples(&seed("003"));
    let mut nullable = nullable_keys(examples.iter().map(|e| &e.value));
    nullable.extend(UNKNOWN.iter().map(|(k, _)| k.to_string()));
    let secret = account_with_secret(&app, "CUST1", "shipper1", "pa55word").await;
    let receiver = TmsReceiver::start(&secret).await;
    let ops = app.ops_token("dispatch").await;
    let sf = app.identity(ClientKind::Carrier, "SF", "SF-TMS").await;
    let mut real = Answers::default();
    let mut sent = BTreeSet::new();

    // Tokens.
    let anon = |path: &'static str, body: Value| {
        let app = &app;
        async move { post(app, path, None, false, body).await }
    };
    let p = "/user/generate_access_token/v2";
    let d = real.ok(
        p,
        anon(p, json!({"userName": "shipper1", "password": "pa55word"})).await,
    );
    real.fail(
        p,
        anon(p, json!({"userName": "shipper1", "password": "wrong"})).await,
        "账号或密码不正确",
    );
    let p = "/user/refresh_access_token/v2";
    let d = real.ok(
        p,
        anon(
            p,
            json!({"userName": "shipper1", "refreshToken": d["refreshToken"]}),
        )
        .await,
    );
    real.fail(
        p,
        anon(p, json!({"userName": "shipper1", "refreshToken": "nope"})).await,
        "账号或刷新凭证不正确",
    );
    let token = d["accessToken"].as_str().unwrap().to_string();
    let t = Some(token.as_str());
    let call = |path: &'static str, body: Value| {
        let app = &app;
        let token = token.clone();
        async move { post(app, path, Some(&token), false, body).await }
    };

    // Subscriptions, to the receiver the callback examples are compared at.
    let p = "/order/subscribe/v2";
    real.ok(
        p,
        call(
            p,
            json!({"states": "0,1,2,3,4,210,8000,8001,8002",
        "callbackUrl": receiver.url, "version": "v1"}),
        )
        .await,
    );
    real.fail(
        p,
        call(p, json!({"states": "5", "callbackUrl": receiver.url})).await,
        "5",
    );
    let p = "/order/orderPack/subscribe";
    real.ok(
        p,
        call(
            p,
            json!({"states": "19000,40000,40001", "callbackUrl": receiver.url}),
        )
        .await,
    );
    real.fail(
        p,
        call(p, json!({"states": "1", "callbackUrl": receiver.url})).await,
        "1",
    );
    let p = "/customer_order/subscribe";
    real.ok(
        p,
        call(
            p,
            json!({"states": "600,601,602", "callbackUrl": receiver.url,
        "xhkID": "XHK-1"}),
        )
        .await,
    );
    real.fail(
        p,
        call(p, json!({"states": "602", "callbackUrl": receiver.url})).await,
        "xhkID",
    );

    // OrderEntity as written: refused only for the four fields the seed marks 必填 and leaves
    // empty; given those, taken as it is ("0-11", goods named "", coordinates "", …).
    let order = entity(&examples, "OrderEntity");
    sent.insert("OrderEntity");
    let p = "/order/create_order";
    let as_written = call(p, json!({"orderList": [order.clone()]})).await;
    real.fail(p, as_written, "orderNumber");
    let required = |n: &str| {
        filled(
            order.clone(),
            &[
                ("orderNumber", n),
                ("consignerAddress", "浙江省温州市鹿城区浙江温州化工总厂"),
                ("consignerName", "发货方"),
                ("consignerPhone", "15161151543"),
            ],
        )
    };
    let first = real.ok(
        p,
        call(p, json!({"orderList": [complete(order.clone(), "SEED-1")]})).await,
    )[0]
    .as_str()
    .unwrap()
    .to_string();
    let p = "/order/create_order_pack";
    let pack = real.ok(
        p,
        call(
            p,
            json!({"orderList": [required("SEED-2")], "driverPhone": "13872897189"}),
        )
        .await,
    );
    real.fail(
        p,
        call(p, json!({"orderList": [], "driverPhone": "13872897189"})).await,
        "orderList",
    );
    let second = pack["numbers"][0].as_str().unwrap().to_string();

    // The first waybill goes all the way: on a trip, loaded, signed (so its times are there).
    let full_trip = signed_on_a_trip(
        &app,
        &ops,
        &sf,
        &first,
        json!({"waybills": [first], "driverName": "司机姓名", "driverPhone": "13872897189",
               "plateNo": "浙A92874", "fleet": "白云仓车队", "carrierCode": "SF"}),
        ["2026-11-30 08:00:00", "2026-11-30 15:00:00"],
    )
    .await;
    let p = "/order/find_order/v2";
    real.ok(p, call(p, json!({"orderNumber": first})).await);
    real.fail(p, call(p, json!({})).await, "orderNumber");
    let p = "/order/query_orders";
    real.ok(p, call(p, json!({"state": 4, "orderNumber": first})).await);
    real.fail(p, call(p, json!({"size": 51})).await, "size");

    // ModifyOrderEntity as written, on the waybill not yet loaded.
    let p = "/order/modify_order";
    sent.insert("ModifyOrderEntity");
    let modify = entity(&examples, "ModifyOrderEntity");
    real.ok(
        p,
        call(p, json!({"orderNumber": second, "order": modify})).await,
    );
    // The template's "" and 0.0 changed nothing the waybill needs; its goods were replaced.
    let w = ok(&call("/order/find_order/v2", json!({"orderNumber": second})).await).clone();
    assert_eq!(w[0]["consigner"]["name"], "发货方", "{w}");
    assert_eq!(w[0]["consigner"]["phone"], "15161151543", "{w}");
    assert_eq!(w[0]["consigner"]["address"]["lat"], Value::Null, "{w}");
    assert_eq!(w[0]["cargoes"][0]["quantity"], 1.0, "{w}");
    assert_eq!(w[0]["receiptCount"], 2, "{w}");
    real.fail(
        p,
        call(p, json!({"order": {"note": "x"}})).await,
        "订单号必填",
    );
    real.fail(
        p,
        call(p, json!({"orderNumber": "1999", "order": {"note": "x"}})).await,
        "订单1999不存在",
    );

    // Goods of the second waybill; then it is cancelled (the signed one cannot be).
    let p = "/cargo/add";
    real.ok(
        p,
        call(
            p,
            json!({"orderNumber": second, "cargoNumber": "C-1", "weight": "1",
        "volume": "2", "quantity": "3", "value": "4", "name": "货物", "productModel": "备注"}),
        )
        .await,
    );
    real.fail(
        p,
        call(
            p,
            json!({"orderNumber": "1999", "cargoNumber": "C-2", "name": "货物"}),
        )
        .await,
        "1999",
    );
    let p = "/cargo/update";
    real.ok(
        p,
        call(p, json!({"cargoNumber": "C-1", "weight": "2"})).await,
    );
    real.fail(
        p,
        call(p, json!({"cargoNumber": "C-9", "weight": "2"})).await,
        "C-9",
    );
    let p = "/cargo/remove";
    real.ok(p, call(p, json!({"cargoNumber": "C-1"})).await);
    real.fail(p, call(p, json!({"cargoNumber": "C-9"})).await, "C-9");
    let p = "/order/cancel_orders/v2";
    real.ok(p, call(p, json!({"numbers": second})).await);
    real.fail(p, call(p, json!({"numbers": first})).await, &first);

    // CustomerOrderEntity as written: the same rule; then a slip with a tracker, split into
    // one leg, followed by the tracker, unbound, signed.
    let slip = entity(&examples, "CustomerOrderEntity");
    sent.insert("CustomerOrderEntity");
    let required = filled(
        slip.clone(),
        &[
            ("consignerAddress", "浙江省杭州市西湖区计量大厦"),
            ("consignerName", "发货方"),
            ("consignerPhone", "15657103156"),
        ],
    );
    let p = "/customer_order/create_customer_order";
    real.fail(
        p,
        call(p, json!({"orders": [slip.clone()]})).await,
        "consigner",
    );
    let s1 = real.ok(p, call(p, json!({"orders": [required.clone()]})).await)[0]
        .as_str()
        .unwrap()
        .to_string();
    let p = "/customer_order/update_customer_order";
    // The whole template filled in, the tracker with it.
    let bound = complete(slip.clone(), "SEED-S1");
    real.ok(p, call(p, json!({"number": s1, "order": bound})).await);
    real.fail(
        p,
        call(p, json!({"number": "S1999", "order": required.clone()})).await,
        "S1999",
    );
    let r = app
        .ops(
            Some(&ops),
            "POST",
            &format!("/ops/v1/customers/CUST1/slips/{s1}/segments"),
            json!({"segments": [{"segmentType": 2}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let leg = r.body["value"]["transportNos"][0]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .ops(
            Some(&ops),
            "POST",
            &format!("/ops/v1/trackers/{DEVICE}/points"),
            json!({
        "gpsTime": 1572329163, "lat": 22.5739258, "lng": 113.9215763, "direction": 0,
        "speed": 0, "humidity": 58, "temperature": 23, "locateType": 2,
        "location": "广东省 深圳市 宝安区 留仙一路", "powerRate": 0, "chargerState": 0,
        "province": "广东省", "city": "深圳市", "district": "宝安区",
        "roadName": "广东省 深圳市 宝安区 留仙一路", "runStatus": 1}),
        )
        .await;
    assert_eq!(r.body["value"]["slips"], 1, "{}", r.body);
    let p = "/customer_order/batch_unbind_devices";
    real.ok(p, call(p, json!({"orders": [s1]})).await);
    real.fail(p, call(p, json!({"orders": [s1]})).await, "未绑定设备!");
    real.fail(
        p,
        call(p, json!({"orders": ["S1999"]})).await,
        "受理单不存在!",
    );
    signed_on_a_trip(
        &app,
        &ops,
        &sf,
        &leg,
        json!({"waybills": [leg], "plateNo": "浙A1", "carrierCode": "SF"}),
        ["2026-11-30 09:00:00", "2026-11-30 16:00:00"],
    )
    .await;
    let p = "/customer_order/query_customer_orders";
    real.ok(p, call(p, json!({"number": s1})).await);
    real.fail(p, call(p, json!({"size": 51})).await, "size");
    let p = "/customer_order/create_customer_order";
    let mut other = required.clone();
    other["originalOrderNumber"] = json!("SEED-S2");
    let s2 = ok(&call(p, json!({"orders": [other]})).await)[0]
        .as_str()
        .unwrap()
        .to_string();
    let p = "/customer_order/cancel_customer_orders";
    real.ok(p, call(p, json!({"numbers": s2})).await);
    real.fail(p, call(p, json!({"numbers": s1})).await, &s1);

    // The organisation tree, and CustomerEntity as written (its 必填 fields are empty).
    let p = "/organization/list";
    real.ok(p, call(p, json!({})).await);
    real.fail(
        p,
        post(&app, p, Some("no-such-token"), false, json!({})).await,
        "",
    );
    let customer = entity(&examples, "CustomerEntity");
    sent.insert("CustomerEntity");
    let p = "/customer/add_customers";
    real.fail(
        p,
        call(p, json!({"customers": [customer.clone()]})).await,
        "name",
    );
    let customer = filled(
        customer,
        &[
            ("name", "收货方"),
            ("phone", "15161128126"),
            ("address", "浙江省杭州市淳安县"),
        ],
    );
    real.ok(p, call(p, json!({"customers": [customer]})).await);

    // The callbacks of the subscriptions, before the unsubscriptions end them: the trip
    // assigned (40000), the slip split and its leg moved (600), the tracker (602), the slip
    // done (601).
    let wanted = [40000, 600, 602, 601];
    let mut callbacks = Vec::new();
    for _ in 0..200 {
        callbacks = receiver.callbacks();
        if wanted.iter().all(|s| {
            callbacks
                .iter()
                .any(|c| c["subscribeState"] == *s || c["state"] == *s)
        }) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for (p, _) in [
        ("/order/unsubscribe", ()),
        ("/order/orderPack/unsubscribe", ()),
        ("/customer_order/unsubscribe", ()),
    ] {
        real.ok(p, post(&app, p, t, false, json!({})).await);
        real.fail(
            p,
            post(&app, p, Some("no-such-token"), false, json!({})).await,
            "",
        );
    }

    // Every example against its real counterpart.
    let mut checked = Vec::new();
    let mut seen: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for e in &examples {
        let what = format!(
            "seed 003 line {} ({}, {})",
            e.line,
            e.url.as_deref().unwrap_or(""),
            e.context
        );
        if e.context.contains("结构如下") {
            let name = e
                .context
                .trim_start_matches("其中")
                .split("结构")
                .next()
                .unwrap()
                .to_string();
            assert!(sent.contains(name.as_str()), "{what}: never sent");
            continue;
        }
        if e.context.contains("回调结果") || e.context.contains("返回报文") {
            let state = if e.value.get("packNumber").is_some() {
                40000
            } else {
                e.value["subscribeState"].as_i64().unwrap()
            };
            let got = callbacks
                .iter()
                .find(|c| {
                    if state == 40000 {
                        // The trip dispatch made with driver, plate and fleet.
                        c["state"] == state && c["packNumber"] == full_trip
                    } else {
                        c["subscribeState"] == state
                    }
                })
                .unwrap_or_else(|| panic!("{what}: no callback {state} in {callbacks:#?}"));
            checked.push((what, shape_gaps(&e.value, got, &nullable)));
            continue;
        }
        let kind = if e.is_failure() {
            "fail"
        } else {
            assert!(e.is_success(), "{what}: what is it?");
            "ok"
        };
        let url = e.url.clone().unwrap();
        let n = seen.entry((url.clone(), kind)).or_default();
        let got = real
            .0
            .get(&(url.clone(), kind))
            .and_then(|v| v.get(*n))
            .unwrap_or_else(|| panic!("{what}: not exercised"))
            .clone();
        *n += 1;
        checked.push((what, shape_gaps(&e.value, &got, &nullable)));
    }
    assert_eq!(checked.len() + sent.len(), examples.len());
    assert_eq!(
        checked.len(),
        54,
        "every answer and callback example of seed 003"
    );
    assert_shapes(&checked);
}
