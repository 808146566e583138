//! One delivery attempt: the receiver's dialect renders the event (and signs it), the request
//! is POSTed (no redirects, a timeout, only to addresses the SSRF guard allows), the dialect
//! judges the answer, the attempt is recorded.

use super::{ssrf, Dialects, Outgoing, PushDialect, Receiver, Rendered};
use crate::auth::links::Links;
use crate::domain::client::Dialect;
use crate::domain::event::DomainEvent;
use crate::domain::push::RetrySchedule;
use crate::state::AppState;
use crate::store::{self, pushes::ClaimedPush, PgPool};
use ipnet::IpNet;
use rand::Rng;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const RESPONSE_KEEP: usize = 2048;

/// A rendered push and the dialect that judges its answer.
type RenderedBy = (Rendered, Arc<dyn PushDialect>);

pub struct Deliverer {
    db: PgPool,
    state: AppState,
    dialects: Arc<Dialects>,
    http: reqwest::Client,
    schedule: RetrySchedule,
    allow: Vec<IpNet>,
    first_byte: Duration,
    max_answer: usize,
}

/// What the receiver answered, as far as it was read.
struct Answered {
    status: u16,
    body: String,
    /// The answer went on past `push.max_answer_bytes`.
    cut: bool,
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

/// A callback URL as it may be shown (attempt errors, logs, the console): scheme, host, port
/// and path. The query string and any user info may hold the customer's credentials.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let had_query = u.query().is_some();
            u.set_query(None);
            u.set_fragment(None);
            let _ = u.set_username("");
            let _ = u.set_password(None);
            let mut s = u.to_string();
            if had_query {
                s.push_str("?…");
            }
            s
        }
        Err(_) => "(not a URL)".into(),
    }
}

/// The full chain of a transport error without its URL (which may carry credentials).
fn http_error(e: reqwest::Error) -> String {
    chain(&e.without_url())
}

/// The full chain of an error, for the attempt log (and `receiver-check`).
pub(super) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
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
    pub fn new(state: &AppState, dialects: Arc<Dialects>) -> anyhow::Result<Self> {
        let s = &state.settings.push;
        let allow = ssrf::parse_networks(&s.allow_networks).map_err(anyhow::Error::msg)?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A proxy from the environment would be checked by the guard instead of the target.
            .no_proxy()
            .timeout(Duration::from_millis(s.timeout_ms))
            .connect_timeout(Duration::from_millis(
                s.connect_timeout_ms.min(s.timeout_ms),
            ))
            .dns_resolver(Arc::new(GuardedResolver {
                allow: allow.clone(),
            }))
            .user_agent(concat!("hongxun-gateway/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            db: state.db.clone(),
            state: state.clone(),
            dialects,
            http,
            schedule: RetrySchedule::parse(&s.retry_schedule).map_err(anyhow::Error::msg)?,
            allow,
            first_byte: Duration::from_millis(s.first_byte_timeout_ms),
            max_answer: s.max_answer_bytes,
        })
    }

    /// The request for a claimed push, in its receiver's dialect; `None` when that dialect
    /// has nothing to say about the event.
    fn render(&self, p: &ClaimedPush) -> Result<Option<RenderedBy>, String> {
        let dialect = Dialect::parse(&p.dialect)
            .ok_or_else(|| format!("identity speaks an unknown dialect {:?}", p.dialect))?;
        let renderer = self
            .dialects
            .get(dialect)
            .ok_or_else(|| format!("no push renderer for the {} dialect", dialect.as_str()))?;
        let event: DomainEvent = serde_json::from_value(p.payload.clone())
            .map_err(|e| format!("the stored event cannot be read: {e}"))?;
        let receiver = Receiver {
            create_by: p.create_by.clone(),
            data_source: p.data_source.clone(),
            secret: self
                .state
                .key
                .decrypt(&p.secret_enc)
                .map_err(|e| e.to_string())?,
            callback_url: p.callback_url.clone().unwrap_or_default(),
            app_key: p.app_key.clone(),
            customer_id: p.customer_id.clone(),
            subscriptions: p
                .subscriptions
                .clone()
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default(),
        };
        let links = Links {
            key: &self.state.key,
            public_base_url: &self.state.settings.server.public_base_url,
            ttl_secs: self.state.settings.server.download_ttl_secs,
        };
        let out = Outgoing {
            event: &event,
            event_id: p.event_id,
            created_at: p.created_at,
            receiver: &receiver,
            links: &links,
            now: chrono::Utc::now(),
        };
        Ok(renderer.render(&out)?.map(|r| (r, renderer.clone())))
    }

    /// Sends once; `Ok` whenever the receiver answered. The answer must begin within
    /// `first_byte_timeout_ms`, all of it within `timeout_ms` (the client's), and no more than
    /// `max_answer_bytes` of it is read.
    async fn send(&self, r: &Rendered) -> Result<Answered, String> {
        let parsed = url::Url::parse(&r.url)
            .map_err(|e| format!("callback URL {}: {e}", redacted(&r.url)))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("callback URL {} is not http(s)", redacted(&r.url)));
        }
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
        let mut req = self
            .http
            .post(parsed)
            .header("content-type", r.content_type.as_str());
        for (k, v) in &r.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let mut resp = tokio::time::timeout(self.first_byte, req.body(r.body.clone()).send())
            .await
            .map_err(|_| format!("no answer began within {} ms", self.first_byte.as_millis()))?
            .map_err(http_error)?;
        let status = resp.status().as_u16();
        let mut body: Vec<u8> = Vec::new();
        let mut cut = false;
        while let Some(chunk) = resp.chunk().await.map_err(http_error)? {
            let room = self.max_answer - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                cut = true;
                // The rest is never read: dropping the response closes the connection.
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answered {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
            cut,
        })
    }

    /// One attempt, recorded; then delivered, rescheduled with jitter, or dead.
    pub async fn deliver(&self, p: ClaimedPush) {
        let started_at = chrono::Utc::now();
        let t0 = Instant::now();
        let rendered = match self.render(&p) {
            Ok(None) => {
                // The receiver's dialect has no message for this event.
                match store::pushes::skip(&self.db, p.id).await {
                    Ok(()) => {
                        crate::metrics::push_attempt("skipped", p.sandbox);
                        tracing::debug!(push = p.id, event = %p.event_type, "push skipped: nothing to say in the receiver's dialect")
                    }
                    Err(e) => {
                        tracing::warn!(push = p.id, error = %e, "push not marked skipped; it will be tried again")
                    }
                }
                return;
            }
            other => other,
        };
        let outcome = match &rendered {
            Ok(Some((r, _))) => self.send(r).await,
            Ok(None) => unreachable!("handled above"),
            Err(e) => Err(e.clone()),
        };
        let duration_ms = t0.elapsed().as_secs_f64() * 1000.0;
        let (http_status, response, mut error) = match &outcome {
            Ok(a) => (
                Some(a.status as i32),
                Some(truncate(&a.body, RESPONSE_KEEP)),
                None,
            ),
            Err(e) => (None, None, Some(e.clone())),
        };
        let response_cut = outcome.as_ref().is_ok_and(|a| a.cut);
        let success = match (&outcome, &rendered) {
            (Ok(a), Ok(Some((_, dialect)))) => dialect.accepted(a.status, &a.body),
            _ => false,
        };
        if !success && error.is_none() {
            error = Some(format!(
                "the receiver did not accept it (HTTP {})",
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
            response_cut,
            success,
        };
        match store::pushes::settle(&self.db, &attempt, next_at).await {
            Ok(()) if success => {
                crate::metrics::push_attempt("delivered", p.sandbox);
                let waited = chrono::Utc::now() - p.created_at;
                crate::metrics::push_delivered(waited.num_milliseconds() as f64 / 1000.0);
                tracing::info!(push = p.id, event = %p.event_type, duration_ms, "push delivered")
            }
            Ok(()) if next_at.is_none() => {
                crate::metrics::push_attempt("dead", p.sandbox);
                tracing::warn!(push = p.id, event = %p.event_type, error = error.as_deref().unwrap_or(""), "push dead after its last attempt")
            }
            Ok(()) => {
                crate::metrics::push_attempt("failed", p.sandbox);
                tracing::info!(push = p.id, event = %p.event_type, attempt = p.attempts, error = error.as_deref().unwrap_or(""), "push attempt failed; will retry")
            }
            // The lease runs out and the push is tried again: at least once, never lost.
            Err(e) => {
                tracing::warn!(push = p.id, error = %e, "push attempt not recorded; it will be retried")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn a_url_is_shown_without_query_or_user_info() {
        assert_eq!(
            redacted("https://user:pw@erp.example.com:8443/hook?token=s3cret#x"),
            "https://erp.example.com:8443/hook?…"
        );
        assert_eq!(
            redacted("http://erp.example.com/hook"),
            "http://erp.example.com/hook"
        );
        assert_eq!(redacted("not a url"), "(not a URL)");
    }
}
