//! `receiver-check` (#22): one signed sample of every push type of a dialect, sent to an
//! integrator's receiver, each answer judged by the rule the push worker uses. The samples
//! are real events (`samples.json`, recorded from the sandbox's own runs), rendered and signed
//! by the same code that renders and signs production pushes.

use super::deliver::chain;
use super::{Dialects, Outgoing, Receiver, Rendered};
use crate::auth::links::Links;
use crate::auth::secrets::MasterKey;
use crate::domain::client::Dialect;
use crate::domain::event::DomainEvent;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

const SAMPLES: &str = include_str!("samples.json");
/// How much of an answer is read, and shown when it is wrong.
const ANSWER_READ: usize = 64 * 1024;
const ANSWER_SHOWN: usize = 160;

/// Whom the samples go to, as the gateway would address and sign them.
pub struct Target {
    pub dialect: Dialect,
    pub url: String,
    pub secret: String,
    pub create_by: String,
    pub data_source: String,
    pub app_key: Option<String>,
    pub customer_id: Option<String>,
    pub timeout: Duration,
}

/// One sample's outcome.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Checked {
    pub push_type: String,
    pub http_status: Option<u16>,
    pub accepted: bool,
    pub latency_ms: u64,
    /// What was wrong, when not accepted.
    pub problem: Option<String>,
}

/// Every sample event, one per push type each dialect has (and a few variants).
pub fn sample_events() -> Vec<DomainEvent> {
    serde_json::from_str(SAMPLES).unwrap_or_else(|e| panic!("push/samples.json: {e}"))
}

/// The sample requests of the dialect, one per push type, in the order of the samples.
pub fn rendered_samples(
    dialects: &Dialects,
    t: &Target,
) -> Result<Vec<(String, Rendered)>, String> {
    let renderer = dialects
        .get(t.dialect)
        .ok_or_else(|| format!("no push renderer for the {} dialect", t.dialect))?;
    let receiver = Receiver {
        create_by: t.create_by.clone(),
        data_source: t.data_source.clone(),
        secret: t.secret.clone().into(),
        callback_url: t.url.clone(),
        app_key: t.app_key.clone(),
        customer_id: t.customer_id.clone(),
        // Every 3TMS scope's messages go to the one URL under test.
        subscriptions: ["order", "pack", "customer_order"]
            .into_iter()
            .map(|s| (s.to_string(), t.url.clone()))
            .collect::<BTreeMap<_, _>>(),
    };
    // Image links in samples point nowhere real: a throwaway key signs them.
    let key = MasterKey::from_hex(&crate::auth::secrets::generate_secret().repeat(2)[..64])
        .map_err(|e| e.to_string())?;
    let links = Links {
        key: &key,
        public_base_url: "https://gateway.example.invalid",
        ttl_secs: 3600,
    };
    let now = chrono::Utc::now();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for event in sample_events() {
        let p = Outgoing {
            event: &event,
            event_id: uuid::Uuid::now_v7(),
            created_at: now,
            receiver: &receiver,
            links: &links,
            now,
        };
        if let Some(r) = renderer.render(&p)? {
            let kind = renderer.push_type(&r);
            if seen.insert(kind.clone()) {
                out.push((kind, r));
            }
        }
    }
    Ok(out)
}

/// Sends every sample in turn and judges each answer.
pub async fn check(dialects: &Dialects, t: &Target) -> Result<Vec<Checked>, String> {
    let renderer = dialects
        .get(t.dialect)
        .ok_or_else(|| format!("no push renderer for the {} dialect", t.dialect))?;
    let samples = rendered_samples(dialects, t)?;
    if samples.is_empty() {
        return Err(format!(
            "the {} dialect has no pushes to check (seed 001 defines no callbacks: OMS systems poll)",
            t.dialect
        ));
    }
    // An operator's tool: any address the operator names, loopback included; no redirects.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(t.timeout)
        .user_agent(concat!(
            "hongxun-gateway-receiver-check/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (kind, r) in samples {
        let t0 = Instant::now();
        let answer = send(&http, &r).await;
        let latency_ms = t0.elapsed().as_millis() as u64;
        out.push(match answer {
            Ok((status, body)) => {
                let accepted = renderer.accepted(status, &body);
                Checked {
                    push_type: kind,
                    http_status: Some(status),
                    accepted,
                    latency_ms,
                    problem: (!accepted).then(|| wrong_answer(t.dialect, status, &body)),
                }
            }
            Err(e) => Checked {
                push_type: kind,
                http_status: None,
                accepted: false,
                latency_ms,
                problem: Some(e),
            },
        });
    }
    Ok(out)
}

async fn send(http: &reqwest::Client, r: &Rendered) -> Result<(u16, String), String> {
    let mut req = http
        .post(&r.url)
        .header("content-type", r.content_type.as_str());
    for (k, v) in &r.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let mut resp = req
        .body(r.body.clone())
        .send()
        .await
        .map_err(|e| chain(&e.without_url()))?;
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| chain(&e.without_url()))? {
        body.extend_from_slice(&chunk);
        if body.len() >= ANSWER_READ {
            break;
        }
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Why an answer was not accepted, in the dialect's terms, with the start of the answer.
fn wrong_answer(dialect: Dialect, status: u16, body: &str) -> String {
    let rule = match dialect {
        Dialect::Hongxun => "HTTP 2xx with a JSON envelope whose flag is true",
        Dialect::Qimen => "HTTP 2xx with <response><flag>success</flag>…</response>",
        Dialect::Tms => "HTTP 2xx",
        Dialect::Oms => "no pushes",
    };
    let mut shown: String = body.chars().take(ANSWER_SHOWN).collect();
    if shown.len() < body.len() {
        shown.push('…');
    }
    let shown = shown.replace(['\n', '\r'], " ");
    if (200..300).contains(&status) {
        format!("answer is not a success (want {rule}): {shown}")
    } else {
        format!("HTTP {status} (want {rule}): {shown}")
    }
}

/// The table `receiver-check` prints.
pub fn table(rows: &[Checked]) -> String {
    let width = rows
        .iter()
        .map(|r| r.push_type.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut s = format!(
        "{:<width$}  {:>4}  {:<8}  {:>7}  problem\n",
        "type", "http", "accepted", "ms"
    );
    for r in rows {
        let status = r.http_status.map_or("-".to_string(), |c| c.to_string());
        s.push_str(&format!(
            "{:<width$}  {:>4}  {:<8}  {:>7}  {}\n",
            r.push_type,
            status,
            if r.accepted { "yes" } else { "NO" },
            r.latency_ms,
            r.problem.as_deref().unwrap_or("")
        ));
    }
    let failed = rows.iter().filter(|r| !r.accepted).count();
    s.push_str(&format!(
        "{} of {} push types accepted\n",
        rows.len() - failed,
        rows.len()
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(dialect: Dialect) -> Target {
        Target {
            dialect,
            url: "http://127.0.0.1:9/hook".into(),
            secret: "s".into(),
            create_by: "C".into(),
            data_source: "D".into(),
            app_key: Some("k".into()),
            customer_id: Some("c".into()),
            timeout: Duration::from_secs(1),
        }
    }

    fn types(d: Dialect) -> Vec<String> {
        let dialects = crate::startup::dialect_pushes();
        rendered_samples(&dialects, &target(d))
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    #[test]
    fn the_samples_cover_every_push_type_of_every_dialect() {
        let mut hx = types(Dialect::Hongxun);
        hx.sort();
        assert_eq!(
            hx,
            [
                "cancelResult",
                "inOrderConfirm",
                "inOrderStatusConfirm",
                "inventoryAdjust",
                "outOrderConfirm",
                "outOrderStatusConfirm",
                "propertyOrderConfirm",
                "routePush",
                "signImagePush",
                "signInfoPush",
                "transportOrderConfirm",
                "vehicleInspectionConfirm"
            ]
        );
        let mut qm = types(Dialect::Qimen);
        qm.sort();
        assert_eq!(
            qm,
            [
                "deliveryorder.confirm",
                "entryorder.confirm",
                "inventory.synchronize.report",
                "itemlack.report",
                "orderprocess.report",
                "returnorder.confirm",
                "stockchange.report",
                "stockout.confirm"
            ]
        );
        let mut tms: Vec<i64> = types(Dialect::Tms)
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        tms.sort();
        let mut all: Vec<i64> = crate::dialect::tms::states::ORDER_STATES
            .iter()
            .map(|(n, _)| *n)
            .chain(
                crate::dialect::tms::states::PACK_STATES
                    .iter()
                    .map(|(n, _)| *n),
            )
            .chain(
                crate::dialect::tms::states::SLIP_STATES
                    .iter()
                    .map(|(n, _)| *n),
            )
            .collect();
        all.sort();
        assert_eq!(tms, all);
        assert!(types(Dialect::Oms).is_empty());
    }
}
