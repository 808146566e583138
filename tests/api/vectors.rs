//! Every vector of `signature-vectors.json` (copied from the spec) through the signing
//! function and through the real endpoint path.

use crate::helpers::*;
use hongxun_gateway::auth::signature::{self, SignInput, SignMethod};
use hongxun_gateway::auth::timestamp;
use hongxun_gateway::domain::client::ClientKind;
use hongxun_gateway::service::admin;
use hongxun_gateway::state::Clock;
use serde_json::value::RawValue;
use serde_json::Value;
use sqlx::PgPool;

const VECTORS: &str = include_str!("../../docs/contract/signature-vectors.json");

struct Vector {
    name: String,
    secret: String,
    body: String,
    sign: String,
    sign_string: Option<String>,
    valid: bool,
}

fn vectors() -> Vec<Vector> {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| Vector {
            name: v["name"].as_str().unwrap().into(),
            secret: v["secret"].as_str().unwrap().into(),
            body: v["body"].as_str().unwrap().into(),
            sign: v["sign"].as_str().unwrap().into(),
            sign_string: v["signString"].as_str().map(Into::into),
            valid: v["valid"].as_bool().unwrap(),
        })
        .collect()
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    create_by: String,
    data_source: String,
    timestamp: String,
    sign_method: Option<String>,
    #[serde(borrow)]
    request: &'a RawValue,
}

#[test]
fn the_signing_function_reproduces_every_vector() {
    let all = vectors();
    assert!(all.len() >= 9, "the vector file was read");
    for v in all {
        let b: Body = serde_json::from_str(&v.body).unwrap();
        let input = SignInput {
            create_by: &b.create_by,
            data_source: &b.data_source,
            timestamp: &b.timestamp,
            sign_method: b.sign_method.as_deref(),
            request: b.request.get(),
        };
        if let Some(s) = &v.sign_string {
            assert_eq!(&signature::sign_string(&input), s, "{}", v.name);
        }
        let method = SignMethod::parse(b.sign_method.as_deref()).unwrap();
        assert_eq!(
            signature::verify(method, &v.secret, &input, &v.sign),
            v.valid,
            "{}",
            v.name
        );
        if v.valid {
            assert_eq!(
                signature::sign(method, &v.secret, &input),
                v.sign.to_uppercase(),
                "{}",
                v.name
            );
        }
    }
}

#[sqlx::test]
async fn every_vector_is_accepted_or_refused_by_the_real_endpoint(pool: PgPool) {
    let key = master_key();
    for v in vectors() {
        let b: Body = serde_json::from_str(&v.body).unwrap();
        // The gateway's clock stands at the vector's own time, so only the signature decides.
        let at = timestamp::parse(&b.timestamp)
            .unwrap()
            .with_timezone(&chrono::Utc);
        let app = spawn_app_with(pool.clone(), Clock::Fixed(at), |_| {}).await;
        let exists = admin::list_clients(&pool)
            .await
            .unwrap()
            .iter()
            .any(|c| c.create_by == b.create_by && c.data_source == b.data_source);
        if exists {
            admin::rotate_secret(
                &pool,
                &key,
                &b.create_by,
                &b.data_source,
                Some(v.secret.clone()),
            )
            .await
            .unwrap();
        } else {
            admin::add_client(
                &pool,
                &key,
                admin::NewClientInput {
                    kind: ClientKind::Customer,
                    create_by: b.create_by.clone(),
                    data_source: b.data_source.clone(),
                    name: None,
                    secret: Some(v.secret.clone()),
                    callback_url: None,
                    rate_limit_per_hour: None,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
        let reply = app.post_raw(ORG_PATH, v.body.clone()).await;
        if v.valid {
            assert!(
                ![1001, 1002, 1003].contains(&reply.code()),
                "{}: valid vector refused: {:#}",
                v.name,
                reply.body
            );
            // Vectors carrying an inventory organisation are synced for real.
            if b.request.get().contains("inventoryCode") {
                reply.expect(200, 200);
            } else {
                // Signature accepted; the payload is not an inventory organisation.
                reply.expect(2001, 400);
            }
        } else {
            reply.expect(1003, 401);
        }
    }
    let synced: i64 = sqlx::query_scalar("SELECT count(*) FROM inventory_orgs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(synced, 2, "WH01/OW01 of C001 and 上海仓/货主A of 鸿讯客户");
}
