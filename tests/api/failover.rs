//! What a request meets for a moment during a failover (#20): the read-write address reaching
//! a server that takes no writes yet (SQLSTATE 25006, a standby not yet promoted). Every dialect
//! answers its "unavailable, nothing was changed, safe to retry" — never an internal error —,
//! nothing is written, and the error is counted by kind. The whole failover, with Patroni,
//! etcd and HAProxy, is bench/failover.sh.

use crate::helpers::*;
use crate::metrics::{scrape, value_of};
use crate::oms::{oms_identity, part1, send, Via, OPENAPI};
use crate::orders::customer_with_base_data;
use crate::qimen_support::*;
use crate::tms_support::*;
use crate::tms_waybills::waybill;
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

const READ_ONLY: &str = r#"hxgw_db_errors_total{kind="read_only"}"#;

#[sqlx::test]
async fn a_server_that_takes_no_writes_answers_unavailable_in_every_dialect(pool: PgPool) {
    // Identities, base data and a 3TMS token while the database takes writes.
    let setup = spawn_app(pool.clone()).await;
    let who = customer_with_base_data(&setup, "C001").await;
    let erp = qimen_identity(&setup, "C001", "WDT01", "WDT-C1", None).await;
    let oms = oms_identity(&setup, "C001", "OMS01", "oms-secret").await;
    account(&setup, "C001", "shipper1", "pa55word").await;
    let token = sign_in(&setup, "shipper1", "pa55word").await;
    let ops = setup.ops_token("metrics").await;
    let before = value_of(&scrape(&setup, &ops).await, READ_ONLY);

    // From now on every new session of this database is read-only, as a standby's are.
    sqlx::query(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = on', \
         current_database()); END $$",
    )
    .execute(&pool)
    .await
    .unwrap();
    let standby = PgPoolOptions::new()
        .max_connections(5)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let app = spawn_app(standby).await;

    let r = app
        .call(
            "/dtc/logistics/inOrder",
            &who,
            r#"{"orderCode":"RO-1","orderType":"CGRK","inventoryCode":"WH01","subbaseCode":"OW01","items":[{"lineNo":"1","itemCode":"SKU-1","planQty":1}]}"#,
        )
        .await;
    r.expect(503, 503);
    assert!(r.message().contains("nothing was changed"), "{}", r.body);

    let t = post(
        &app,
        "/order/create_order",
        Some(&token),
        false,
        json!({"orderList": [waybill("RO-2", "13800000001")]}),
    )
    .await;
    assert_eq!(t.status, 503, "{}", t.body);
    assert_eq!(t.body["status"], 503, "{}", t.body);

    let q = qimen_xml(
        &app,
        &erp,
        "entryorder.create",
        "<request><entryOrder><entryOrderCode>RO-3</entryOrderCode><ownerCode>OW01</ownerCode>\
         <warehouseCode>WH01</warehouseCode><orderType>CGRK</orderType></entryOrder><orderLines>\
         <orderLine><orderLineNo>1</orderLineNo><itemCode>SKU-1</itemCode><planQty>1</planQty>\
         </orderLine></orderLines></request>",
    )
    .await;
    q.failure("503");
    assert!(q.message().contains("safe to retry"), "{}", q.raw);

    let o = send(
        &app,
        OPENAPI,
        &part1(
            &app,
            &oms,
            "warehouse.add",
            json!({"name": "转仓", "extrabranch_name": "外部仓", "branch_bn": "WH01", "t_type": "DC",
                   "original_iso_bn": "RO-4", "items": r#"[{"bn":"SKU-1","name":"x","price":1,"nums":1}]"#}),
        ),
        Via::Form,
    )
    .await;
    o.expect(500, 200);
    assert!(o.message().contains("safe to retry"), "{}", o.body);

    // Nothing was written, and the refusals were counted as what they were.
    assert_eq!(setup.count("SELECT count(*) FROM orders").await, 0);
    let after = value_of(&scrape(&setup, &ops).await, READ_ONLY);
    assert!(after >= before + 4.0, "{READ_ONLY}: {before} → {after}");
    sqlx::query(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET default_transaction_read_only', \
         current_database()); END $$",
    )
    .execute(&pool)
    .await
    .unwrap();
}
