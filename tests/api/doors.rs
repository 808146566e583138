//! An identity authenticates only at its own dialect's door. A Qimen, OMS or 3TMS secret is held
//! by its owner to verify pushes; it must not sign 鸿讯 envelopes, nor open another app-key door.

use crate::helpers::*;
use crate::oms::{oms_identity, part1, send as oms_send, transfer, Oms, Via, OPENAPI};
use crate::qimen_support::{qimen_identity, qimen_xml, QimenErp};
use crate::tms_support::{account_with_secret, failed, post};
use hongxun_gateway::domain::client::ClientKind;
use serde_json::json;
use sqlx::PgPool;

const QUERY: &str = "/dtc/logistics/inventoryQuery";
const CANCEL: &str = "/dtc/logistics/cancelOrder";

#[sqlx::test]
async fn every_identity_opens_only_its_own_dialects_door(pool: PgPool) {
    let app = spawn_app(pool).await;
    let hx = app.identity(ClientKind::Customer, "T1", "ERP").await;
    let qimen = qimen_identity(&app, "T1", "QK", "QC", None).await;
    let oms = oms_identity(&app, "T1", "OK", "oms-secret").await;
    let tms_secret = account_with_secret(&app, "T1", "tuser", "tms-password").await;
    let inventory = r#"{"inventoryCode":"WH01"}"#;
    let cancel = r#"{"orderCode":"X-1","orderKind":"OUT","reason":"测试"}"#;

    // The 鸿讯 door: its own identity passes (the control), every other dialect's is unknown.
    app.call(QUERY, &hx, inventory).await.expect(200, 200);
    let foreign = [
        ("qimen", "QIMEN-QK", qimen.secret.clone()),
        ("oms", "OMS-OK", oms.secret.clone()),
        ("tms", "TMS-tuser", tms_secret.clone()),
    ];
    for (dialect, data_source, secret) in &foreign {
        let who = Identity {
            create_by: "T1".into(),
            data_source: data_source.to_string(),
            secret: secret.clone(),
        };
        for (path, request) in [(QUERY, inventory), (CANCEL, cancel)] {
            let r = app.call(path, &who, request).await;
            r.expect(1001, 401);
            assert!(
                r.body["message"]
                    .as_str()
                    .unwrap()
                    .contains("unknown identity"),
                "{dialect} at {path}: {}",
                r.body
            );
        }
    }

    // The Qimen door: its own ERP passes the signature check (any answer but 1001/1003); the
    // OMS identity's app key and secret are unknown there.
    let own = qimen_xml(
        &app,
        &qimen,
        "inventory.query",
        "<request><criteriaList><criteria><warehouseCode>WH01</warehouseCode></criteria></criteriaList></request>",
    )
    .await;
    assert!(
        !["1001", "1003"].contains(&own.code()),
        "the Qimen control passes: {}",
        own.raw
    );
    let as_oms = QimenErp {
        app_key: oms.app_key.clone(),
        customer_id: String::new(),
        secret: oms.secret.clone(),
    };
    qimen_xml(&app, &as_oms, "inventory.query", "<request></request>")
        .await
        .failure("1001");

    // The OMS door: its own OMS passes; the Qimen ERP's app key and secret are unknown there.
    let items = r#"[{"bn":"SKU-1","nums":1}]"#;
    let own = oms_send(
        &app,
        OPENAPI,
        &part1(&app, &oms, "warehouse.add", transfer("D-1", items)),
        Via::Form,
    )
    .await;
    assert_ne!(
        own.body["code"], 1001,
        "the OMS control passes: {}",
        own.body
    );
    let as_qimen = Oms {
        app_key: qimen.app_key.clone(),
        secret: qimen.secret.clone(),
    };
    let r = oms_send(
        &app,
        OPENAPI,
        &part1(&app, &as_qimen, "warehouse.add", transfer("D-2", items)),
        Via::Form,
    )
    .await;
    assert_eq!(
        (r.status, &r.body["code"]),
        (200, &json!(1001)),
        "{}",
        r.body
    );

    // The 3TMS door signs in by user name and password only: another dialect's identity (its
    // data source and secret) is no account.
    for (_, data_source, secret) in &foreign[..2] {
        let r = post(
            &app,
            "/user/generate_access_token/v2",
            None,
            false,
            json!({"userName": data_source, "password": secret}),
        )
        .await;
        failed(&r, 400, 500, "账号或密码不正确");
    }
}
