//! Seeds 001 (OMS) and 002 (Qimen `inventory.synchronize`) replayed from their own text (#24):
//! the requests they show sent as written, with only what a live call must change replaced,
//! and every answer example held against the real answer by the one shape comparison.

use crate::helpers::*;
use crate::oms::{customer, oms_identity, part1, part2, send, Via, OPENAPI, WAREHOUSE};
use crate::orders::customer_with_base_data;
use crate::qimen_support::*;
use crate::seed_examples::*;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::BTreeSet;

#[sqlx::test]
async fn every_example_of_seed_001_is_taken_as_written_and_every_answer_has_its_shape(
    pool: PgPool,
) {
    let app = spawn_app(pool).await;
    // The warehouse WH01 and the products whose barcodes are the seed's `bn`s (test1, test2).
    let who = customer(&app, "CUST1").await;
    let products =
        json!({"products": [{"itemCode": "SKU-T2", "itemName": "测试2", "barCode": "test2"}]});
    app.call(PRODUCT_PATH, &who, &products.to_string())
        .await
        .expect(200, 200);
    let oms = oms_identity(&app, "CUST1", "ERP01", "s3cr3t").await;
    let text = seed("001");
    let examples = json_examples(&text);
    assert_eq!(examples.len(), 4, "four answer examples in seed 001");
    let nullable = nullable_keys(examples.iter().map(|e| &e.value));

    // warehouse.add: the seed has no request example of its own (it points at a document it
    // does not include) but its table gives `items` as an example string: sent verbatim, with
    // the table's required members (t_type DC, as its notes say).
    let items = text
        .lines()
        .find_map(|l| l.strip_prefix("items | string | 是 | 明细,JSON格式的字符串,例如:"))
        .expect("the items example")
        .trim()
        .trim_end_matches('|')
        .trim();
    assert!(items.starts_with("[{\"bn\":\"test1\""), "{items}");
    let add = send(
        &app,
        OPENAPI,
        &part1(
            &app,
            &oms,
            "warehouse.add",
            json!({
            "name": "转仓入库单001", "extrabranch_name": "外部仓A", "branch_bn": "WH01",
            "t_type": "DC", "items": items}),
        ),
        Via::Form,
    )
    .await;
    add.expect(0, 200);
    let hx = add.body["data"]["warehouse_bn"]
        .as_str()
        .unwrap()
        .to_string();
    // Listed once the warehouse received it all.
    let token = app.ops_token("ops").await;
    app.ops(
        Some(&token),
        "POST",
        &format!("/ops/v1/orders/{hx}/receipts"),
        json!({"confirmType": "FINAL", "lines": [
            {"lineNo": "1", "actualQty": 1}, {"lineNo": "2", "actualQty": 2}]}),
    )
    .await
    .expect(200, 200);
    let now = app.now();
    let list = send(
        &app,
        OPENAPI,
        &part1(
            &app,
            &oms,
            "warehouse.getList",
            json!({
            "start_time": hongxun_gateway::domain::time::format(now - chrono::TimeDelta::hours(1)),
            "end_time": hongxun_gateway::domain::time::format(now + chrono::TimeDelta::hours(1)),
            "page_no": 1, "page_size": 50}),
        ),
        Via::Form,
    )
    .await;
    list.expect(0, 200);
    assert_eq!(
        list.body["data"]["items"][0]["items"][1]["bn"], "test2",
        "{}",
        list.body
    );
    // Part 2: the warehouses.
    let warehouses = send(
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
    warehouses.expect(0, 200);
    let detail = send(
        &app,
        WAREHOUSE,
        &part2(
            &app,
            &oms,
            "warehouse.getDetail",
            json!({"branch_bn": "WH01"}),
        ),
        Via::Form,
    )
    .await;
    detail.expect(0, 200);

    let real = [add.body, list.body, warehouses.body, detail.body];
    let checked: Vec<(String, Vec<String>)> = examples
        .iter()
        .zip(real.iter())
        .map(|(e, r)| {
            (
                format!("seed 001 line {}", e.line),
                shape_gaps(&e.value, r, &nullable),
            )
        })
        .collect();
    assert_shapes(&checked);
}

/// Seed 002's Java example, as XML: `req`'s members in `<request>`, `obj1` (RelatedOrders) in
/// `<relatedOrders>`, `obj3` (Item) in `<items><item>`. `customerId` and `version` are system
/// parameters. The values the example shows are its own descriptions (示例值 "货主编码,货主编码,
/// string(50),,"); those that are free text go as written, and those a live call must change
/// are replaced: references to data made first (owner, warehouse, item), and the members whose
/// description names a format the text cannot have (a quantity, a time, dates, an inventory
/// type of Qimen's list).
fn seed_002_request(owner: &str, warehouse: &str, item: &str) -> (String, String, String) {
    let calls = java_setters(&seed("002"));
    let replaced = |obj: &str, name: &str, v: &str| -> String {
        match (obj, name) {
            ("req", "ownerCode") => owner.into(),
            ("req", "warehouseCode") => warehouse.into(),
            ("req", "adjustTime") => "2026-12-01 10:00:00".into(),
            ("obj3", "itemCode") => item.into(),
            ("obj3", "planQty") => "-1".into(),
            ("obj3", "inventoryType") => "JS".into(),
            ("obj3", "productDate") => "2026-01-01".into(),
            ("obj3", "expireDate") => "2027-01-01".into(),
            _ => v.into(),
        }
    };
    let members = |obj: &str| -> String {
        calls
            .iter()
            .filter(|(o, n, _)| o == obj && !matches!(n.as_str(), "customerId" | "version"))
            .map(|(o, n, v)| format!("<{n}>{}</{n}>", replaced(o, n, v)))
            .collect()
    };
    let system = |n: &str| {
        calls
            .iter()
            .find(|(o, m, _)| o == "req" && m == n)
            .map(|(_, _, v)| v.clone())
            .unwrap()
    };
    let xml = format!(
        "<request>{}<relatedOrders>{}</relatedOrders><items><item>{}</item></items></request>",
        members("req"),
        members("obj1"),
        members("obj3")
    );
    (xml, system("customerId"), system("version"))
}

/// Paths of a JSON answer's objects, as `xml_paths` gives them for XML.
fn json_paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let Value::Object(m) = v {
        for (k, x) in m {
            let p = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}/{k}")
            };
            out.insert(p.clone());
            json_paths(x, &p, out);
        }
    }
}

#[sqlx::test]
async fn the_example_of_seed_002_is_taken_as_written_and_both_answers_have_its_shape(pool: PgPool) {
    let app = spawn_app(pool).await;
    customer_with_base_data(&app, "C001").await;
    let text = seed("002");
    let (xml, customer_id, version) = seed_002_request("OW01", "WH01", "SKU-1");
    assert_eq!(
        (customer_id.as_str(), version.as_str()),
        ("stub-cust-code", "2.0")
    );
    // The identity answers to the example's customerId.
    let erp = qimen_identity(&app, "C001", "SEEDERP", &customer_id, None).await;
    let a = qimen_xml(&app, &erp, "inventory.synchronize", &xml).await;
    a.success();
    assert_eq!(a.body["status"], "PENDING", "{}", a.raw);
    // The free-text members were kept as written.
    let kept: String =
        sqlx::query_scalar("SELECT adjust_order_code || content::text FROM adjustment_requests")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    for v in [
        "调整单编码,调整单编码,string(50),,",
        "关联的订单编号,关联的订单编号,string(50),,",
        "商品序列号,,string(50),,",
    ] {
        assert!(kept.contains(v), "{v} not kept: {kept}");
    }

    let answers = xml_examples(&text, "response");
    let errors = xml_examples(&text, "error_response");
    assert_eq!((answers.len(), errors.len()), (1, 1));
    let real = xml_paths(&a.raw);
    let missing: Vec<_> = xml_paths(&answers[0]).difference(&real).cloned().collect();
    assert!(missing.is_empty(), "{missing:?} not in {}", a.raw);

    // A refusal before the method runs, on the TOP router (which answers JSON): the same
    // members as the seed's error_response.
    let params = system_params(&erp, "inventory.synchronize", "md5", "xml");
    let mut query = signed_query(&erp.secret, &params, Some(&xml));
    query = query.replace("sign=", "sign=0");
    let r = app
        .http
        .post(format!("{}{TOP}?{query}", app.base))
        .header("content-type", "text/xml")
        .body(xml)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    let mut real = BTreeSet::new();
    json_paths(&body, "", &mut real);
    let missing: Vec<_> = xml_paths(&errors[0]).difference(&real).cloned().collect();
    assert!(missing.is_empty(), "{missing:?} not in {body}");
}
