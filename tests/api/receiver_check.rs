//! `hongxun-gateway receiver-check` (#22), the real binary against real receivers: receivers
//! that verify and answer right pass every push type of their dialect; receivers that answer
//! wrong (bad signature refused, flag false, failure XML, HTTP 500, nobody listening) fail
//! with the reason, and the command exits non-zero.

use crate::qimen_support::QimenReceiver;
use crate::receiver::Receiver;
use crate::tms_support::TmsReceiver;
use serde_json::Value;
use std::process::Output;

async fn receiver_check(args: &[&str]) -> Output {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_hongxun-gateway"));
    c.arg("receiver-check")
        .args(args)
        .env_remove("HXGW_RECEIVER_SECRET");
    c.output().await.unwrap()
}

fn rows(out: &Output) -> Vec<Value> {
    serde_json::from_slice::<Vec<Value>>(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn failed(rows: &[Value]) -> Vec<&Value> {
    rows.iter().filter(|r| r["accepted"] != true).collect()
}

#[tokio::test]
async fn a_hongxun_receiver_that_verifies_and_answers_right_passes_every_type() {
    let good = Receiver::start("the-secret").await;
    let out = receiver_check(&[
        "--dialect",
        "hongxun",
        "--url",
        &good.url,
        "--secret",
        "the-secret",
        "--create-by",
        "SBX",
        "--data-source",
        "ERP",
        "--json",
    ])
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = rows(&out);
    assert_eq!(r.len(), 12, "{r:#?}");
    assert!(failed(&r).is_empty(), "{r:#?}");
    assert!(r
        .iter()
        .all(|x| x["httpStatus"] == 200 && x["latencyMs"].is_u64()));
    // The receiver saw every type, each signed right.
    assert_eq!(good.delivered().len(), 12);
    assert_eq!(good.bad_signatures(), 0);
    let mut types: Vec<String> = good
        .delivered()
        .iter()
        .map(|p| p["eventType"].as_str().unwrap().to_string())
        .collect();
    types.sort();
    let mut want: Vec<String> = crate::sandbox::HONGXUN_TYPES
        .iter()
        .map(|s| s.to_string())
        .collect();
    want.sort();
    assert_eq!(types, want);

    // The table form says the same.
    let out = receiver_check(&[
        "--dialect",
        "hongxun",
        "--url",
        &good.url,
        "--secret",
        "the-secret",
    ])
    .await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("12 of 12 push types accepted"), "{text}");
}

#[tokio::test]
async fn hongxun_receivers_that_answer_wrong_fail_with_the_reason() {
    // Verifies with another secret: refuses every push (401, flag false).
    let strict = Receiver::start("another-secret").await;
    let out = receiver_check(&[
        "--dialect",
        "hongxun",
        "--url",
        &strict.url,
        "--secret",
        "the-secret",
        "--json",
    ])
    .await;
    assert!(!out.status.success());
    let r = rows(&out);
    assert_eq!(failed(&r).len(), 12);
    assert!(
        r[0]["problem"].as_str().unwrap().starts_with("HTTP 401"),
        "{r:#?}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("12 of 12 push types were not accepted"));

    // Refuses the first push only (HTTP 500, flag false); accepts the rest.
    let fails_once = Receiver::start("the-secret").await;
    fails_once.fail_next(1);
    let out = receiver_check(&[
        "--dialect",
        "hongxun",
        "--url",
        &fails_once.url,
        "--secret",
        "the-secret",
        "--json",
    ])
    .await;
    assert!(!out.status.success());
    let r = rows(&out);
    assert_eq!(failed(&r).len(), 1, "{r:#?}");
    assert!(
        failed(&r)[0]["problem"]
            .as_str()
            .unwrap()
            .contains("flag is true"),
        "{r:#?}"
    );

    // Nobody listening.
    let out = receiver_check(&[
        "--dialect",
        "hongxun",
        "--url",
        "http://127.0.0.1:9/none",
        "--secret",
        "s",
        "--json",
    ])
    .await;
    assert!(!out.status.success());
    let r = rows(&out);
    assert!(r.iter().all(|x| x["httpStatus"].is_null()), "{r:#?}");
    assert!(
        r[0]["problem"]
            .as_str()
            .unwrap()
            .contains("Connection refused"),
        "{r:#?}"
    );
}

#[tokio::test]
async fn qimen_receivers_are_checked_by_their_success_xml() {
    let good = QimenReceiver::start("qm-secret").await;
    let out = receiver_check(&[
        "--dialect",
        "qimen",
        "--url",
        &good.url,
        "--secret",
        "qm-secret",
        "--app-key",
        "k1",
        "--customer-id",
        "c1",
        "--json",
    ])
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = rows(&out);
    assert_eq!(r.len(), 8, "{r:#?}");
    assert_eq!(good.bad_signatures(), 0);
    assert_eq!(good.pushes().len(), 8);

    // Another secret: the receiver answers <flag>failure</flag> with HTTP 200.
    let bad = QimenReceiver::start("other").await;
    let out = receiver_check(&[
        "--dialect",
        "qimen",
        "--url",
        &bad.url,
        "--secret",
        "qm-secret",
        "--json",
    ])
    .await;
    assert!(!out.status.success());
    let r = rows(&out);
    assert_eq!(failed(&r).len(), 8);
    let problem = r[0]["problem"].as_str().unwrap();
    assert!(
        problem.contains("not a success") && problem.contains("sign-check-failure"),
        "{problem}"
    );
}

#[tokio::test]
async fn tms_receivers_hear_every_state_and_a_500_fails() {
    let good = TmsReceiver::start("tms-secret").await;
    let out = receiver_check(&[
        "--dialect",
        "tms",
        "--url",
        &good.url,
        "--secret",
        "tms-secret",
        "--json",
    ])
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = rows(&out);
    assert_eq!(r.len(), 15, "{r:#?}");
    // Every callback carried the right signature header (callbacks() asserts it).
    assert_eq!(good.callbacks().len(), 15);

    let down_once = TmsReceiver::start("tms-secret").await;
    down_once.fail_next(1);
    let out = receiver_check(&[
        "--dialect",
        "tms",
        "--url",
        &down_once.url,
        "--secret",
        "tms-secret",
        "--json",
    ])
    .await;
    assert!(!out.status.success());
    let r = rows(&out);
    assert_eq!(failed(&r).len(), 1);
    assert!(
        failed(&r)[0]["problem"]
            .as_str()
            .unwrap()
            .starts_with("HTTP 500"),
        "{r:#?}"
    );
}

#[tokio::test]
async fn oms_has_no_pushes_to_check() {
    let out = receiver_check(&[
        "--dialect",
        "oms",
        "--url",
        "http://127.0.0.1:9/x",
        "--secret",
        "s",
    ])
    .await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has no pushes"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
