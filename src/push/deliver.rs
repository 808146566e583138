//! One delivery attempt: build and sign the envelope, POST it (no redirects, a timeout,
//! only to addresses the SSRF guard allows), judge the answer, record the attempt.

use super::ssrf;
use crate::auth::links::Links;
use crate::auth::secrets::MasterKey;
use crate::auth::signature::{self, SignInput, SignMethod};
use crate::auth::timestamp;
use crate::domain::push::{is_delivered, RetrySchedule};
use crate::state::AppState;
use crate::store::{self, pushes::ClaimedPush, PgPool};
use ipnet::IpNet;
use rand::Rng;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use secrecy::ExposeSecret;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const RESPONSE_KEEP: usize = 2048;

pub struct Deliverer {
    db: PgPool,
    state: AppState,
    http: reqwest::Client,
    schedule: RetrySchedule,
    allow: Vec<IpNet>,
}

/// Resolves callback hosts and keeps only addresses the SSRF guard allows, so the connection
/// goes to an address that was checked (no DNS rebinding between check and connect).
struct GuardedResolver {
    allow: Vec<IpNet>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let ok: Vec<SocketAddr> = all
                .iter()
                .copied()
                .filter(|a| ssrf::allowed(a.ip(), &allow))
                .collect();
            if ok.is_empty() {
                let seen: Vec<String> = all.iter().map(|a| a.ip().to_string()).collect();
                return Err(format!(
                    "refused by the SSRF guard: {host} resolves to {} (not in push.allow_networks)",
                    seen.join(", ")
                )
                .into());
            }
            Ok(Box::new(ok.into_iter()) as Addrs)
        })
    }
}

/// The full chain of an error, for the attempt log.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        s.push_str(": ");
        s.push_str(&x.to_string());
        src = x.source();
    }
    s
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl Deliverer {
    pub fn new(state: &AppState) -> anyhow::Result<Self> {
        let s = &state.settings.push;
        let allow = ssrf::parse_networks(&s.allow_networks).map_err(anyhow::Error::msg)?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_millis(s.timeout_ms))
            .connect_timeout(Duration::from_millis(s.timeout_ms.min(5000)))
            .dns_resolver(Arc::new(GuardedResolver {
                allow: allow.clone(),
            }))
            .user_agent(concat!("hongxun-gateway/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            db: state.db.clone(),
            state: state.clone(),
            http,
            schedule: RetrySchedule::parse(&s.retry_schedule).map_err(anyhow::Error::msg)?,
            allow,
        })
    }

    /// The signed envelope for a push: `request` = eventId, eventType, eventTime + payload.
    /// Sign-off images get their download links now, valid from this delivery on.
    pub fn envelope(key: &MasterKey, links: &Links<'_>, p: &ClaimedPush) -> Result<String, String> {
        let mut request = serde_json::json!({
            "eventId": p.event_id,
            "eventType": p.event_type,
            "eventTime": timestamp::format(p.created_at),
        });
        if let (Some(obj), Some(extra)) = (request.as_object_mut(), p.payload.as_object()) {
            for (k, v) in extra {
                obj.insert(k.clone(), v.clone());
            }
        }
        if let Some(images) = request.get_mut("images").and_then(|i| i.as_array_mut()) {
            let now = chrono::Utc::now().timestamp();
            for img in images {
                let id = img
                    .get("imageId")
                    .and_then(|v| v.as_str())
                    .and_then(|s| s.parse().ok());
                if let (Some(id), Some(obj)) = (id, img.as_object_mut()) {
                    obj.insert("url".into(), links.url(id, now).into());
                }
            }
        }
        let request = serde_json::to_string(&request).map_err(|e| e.to_string())?;
        let secret = key.decrypt(&p.secret_enc).map_err(|e| e.to_string())?;
        let ts = timestamp::format(chrono::Utc::now());
        let input = SignInput {
            create_by: &p.create_by,
            data_source: &p.data_source,
            timestamp: &ts,
            sign_method: None,
            request: &request,
        };
        let sign = signature::sign(SignMethod::Md5, secret.expose_secret(), &input);
        let head = serde_json::json!({
            "createBy": p.create_by, "dataSource": p.data_source, "timestamp": ts, "sign": sign,
        })
        .to_string();
        Ok(format!(
            "{},\"request\":{request}}}",
            &head[..head.len() - 1]
        ))
    }

    /// Sends once; `Ok((status, body))` whenever the receiver answered.
    async fn send(&self, p: &ClaimedPush) -> Result<(u16, String), String> {
        let url = p
            .callback_url
            .as_deref()
            .ok_or("identity has no callback URL")?;
        let parsed = url::Url::parse(url).map_err(|e| format!("callback URL {url:?}: {e}"))?;
        // IP literals never reach the resolver: check them here.
        let literal = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal {
            if !ssrf::allowed(ip, &self.allow) {
                return Err(format!(
                    "refused by the SSRF guard: {ip} is not a public address (not in push.allow_networks)"
                ));
            }
        }
        let links = Links {
            key: &self.state.key,
            public_base_url: &self.state.settings.server.public_base_url,
            ttl_secs: self.state.settings.server.download_ttl_secs,
        };
        let body = Self::envelope(&self.state.key, &links, p)?;
        let resp = self
            .http
            .post(parsed)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| chain(&e))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| chain(&e))?;
        Ok((status, text))
    }

    /// One attempt, recorded; then delivered, rescheduled with jitter, or dead.
    pub async fn deliver(&self, p: ClaimedPush) {
        let started_at = chrono::Utc::now();
        let t0 = Instant::now();
        let outcome = self.send(&p).await;
        let duration_ms = t0.elapsed().as_secs_f64() * 1000.0;
        let (http_status, response, mut error) = match &outcome {
            Ok((s, body)) => (Some(*s as i32), Some(truncate(body, RESPONSE_KEEP)), None),
            Err(e) => (None, None, Some(e.clone())),
        };
        let success = matches!(&outcome, Ok((s, body)) if is_delivered(*s, body));
        if !success && error.is_none() {
            error = Some(format!(
                "answer was not HTTP 2xx with flag true (HTTP {})",
                http_status.unwrap_or(0)
            ));
        }
        let jitter = rand::thread_rng().gen_range(-1.0..=1.0);
        let next_at = if success {
            None
        } else {
            self.schedule
                .next_delay(p.attempts as u32, jitter)
                .and_then(|d| chrono::TimeDelta::from_std(d).ok())
                .map(|d| chrono::Utc::now() + d)
        };
        let attempt = store::pushes::Attempt {
            push_id: p.id,
            worker: &self.state.instance,
            attempt: p.attempts,
            started_at,
            duration_ms,
            http_status,
            response,
            error: error.as_deref(),
            success,
        };
        match store::pushes::settle(&self.db, &attempt, next_at).await {
            Ok(()) if success => {
                tracing::info!(push = p.id, event = %p.event_type, duration_ms, "push delivered")
            }
            Ok(()) if next_at.is_none() => {
                tracing::warn!(push = p.id, event = %p.event_type, error = error.as_deref().unwrap_or(""), "push dead after its last attempt")
            }
            Ok(()) => {
                tracing::info!(push = p.id, event = %p.event_type, attempt = p.attempts, error = error.as_deref().unwrap_or(""), "push attempt failed; will retry")
            }
            // The lease runs out and the push is tried again: at least once, never lost.
            Err(e) => {
                tracing::warn!(push = p.id, error = %e, "push attempt not recorded; it will be retried")
            }
        }
    }
}
