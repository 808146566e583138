//! `Signed<T>`: the extractor every 鸿讯 endpoint uses. It reads the body within the limit,
//! parses only the envelope, authenticates the identity (timestamp, signature), checks the
//! identity's kind may call the endpoint, counts the call against its rate limit, and only
//! then deserialises `request` into `T`. Handlers never see an unverified body.

use super::context;
use super::envelope::{self, serde_reason};
use super::error::{ApiError, Code};
use super::AppState;
use crate::auth::{self, signature::SignInput, AuthenticatedClient};
use crate::domain::client::ClientKind;
use crate::service::ReplayKey;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// What an endpoint's payload type declares about the endpoint.
pub trait Endpoint: DeserializeOwned + Send {
    /// The kinds of identity that may call it (others get 1005).
    const KINDS: &'static [ClientKind];
    /// Whether it changes state; such calls are replay-guarded (§3).
    const CHANGES_STATE: bool;
    /// The business key recorded in the audit log (order code, item codes…).
    fn business_key(&self) -> Option<String> {
        None
    }
}

/// A verified call: who made it, its payload, and the exact request text.
pub struct Signed<T> {
    pub call: Call,
    pub body: T,
    pub raw: RawRequest,
}

/// The exact text of `request` as the client sent and signed it (no copy of the body).
pub struct RawRequest {
    bytes: Bytes,
    at: std::ops::Range<usize>,
}

impl RawRequest {
    pub fn text(&self) -> &str {
        // Checked when the envelope was parsed: valid UTF-8, a range inside the body.
        std::str::from_utf8(&self.bytes[self.at.clone()]).unwrap_or("{}")
    }

    /// As a JSON value (unknown fields included), for storing the request as received.
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(self.text()).unwrap_or_default()
    }
}

/// Who made a verified call, and what identifies it for replays.
pub struct Call {
    pub client: AuthenticatedClient,
    sign: String,
    endpoint: String,
    changes_state: bool,
}

impl Call {
    /// The key under which a state-changing call's outcome is kept for replays;
    /// `None` for queries, which simply run again (§3).
    pub fn replay_key(&self) -> Option<ReplayKey<'_>> {
        self.changes_state.then_some(ReplayKey {
            client_id: self.client.id,
            sign: &self.sign,
            endpoint: &self.endpoint,
        })
    }

    /// The tenant whose data the call reads and changes.
    pub fn tenant(&self) -> crate::domain::client::Tenant {
        self.client.tenant()
    }
}

fn body_rejection(r: BytesRejection) -> ApiError {
    if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            Code::PayloadTooLarge,
            "body larger than this endpoint's limit",
        )
    } else {
        ApiError::bad_request(format!("could not read the body: {r}"))
    }
}

impl<T: Endpoint> FromRequest<AppState> for Signed<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, ApiError> {
        let endpoint = req.uri().path().to_string();
        let bytes = Bytes::from_request(req, app)
            .await
            .map_err(body_rejection)?;
        let env = envelope::parse(&bytes)?;
        let Some(timestamp) = env.timestamp.as_deref().filter(|t| !t.is_empty()) else {
            return Err(ApiError::new(Code::BadTimestamp, "timestamp: is required"));
        };
        let Some(sign) = env.sign.as_deref().filter(|s| !s.is_empty()) else {
            return Err(ApiError::new(Code::BadSignature, "sign: is required"));
        };
        let input = SignInput {
            create_by: &env.create_by,
            data_source: &env.data_source,
            timestamp,
            sign_method: env.sign_method.as_deref(),
            request: env.request.get(),
        };
        let now = app.clock.now();
        let identities = auth::Identities {
            pool: &app.db,
            key: &app.key,
            cache: &app.identities,
        };
        let client = auth::authenticate(
            &identities,
            app.settings.auth.timestamp_window_secs,
            now,
            &input,
            sign,
        )
        .await?;
        context::set_client(
            client.id,
            format!("{}/{}", client.create_by, client.data_source),
        );
        tracing::Span::current().record("client", client.id);
        if !T::KINDS.contains(&client.kind) {
            return Err(ApiError::new(
                Code::KindNotAllowed,
                format!(
                    "an identity of kind {} may not call {endpoint}",
                    client.kind
                ),
            ));
        }
        auth::check_rate(
            &app.db,
            &app.rates,
            &client,
            app.settings.auth.default_rate_limit_per_hour,
            now,
        )
        .await?;
        let de = &mut serde_json::Deserializer::from_str(env.request.get());
        let body: T = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." {
                "request".to_string()
            } else {
                format!("request.{path}")
            };
            ApiError::new(
                Code::InvalidField,
                format!("{path}: {}", serde_reason(e.inner())),
            )
        })?;
        if let Some(k) = body.business_key() {
            context::set_business_key(k);
        }
        // `request` borrows from `bytes`, so its offset in the body is a pointer difference.
        let start = env.request.get().as_ptr() as usize - bytes.as_ptr() as usize;
        let request_at = start..start + env.request.get().len();
        Ok(Self {
            call: Call {
                client,
                sign: sign.to_ascii_uppercase(),
                endpoint,
                changes_state: T::CHANGES_STATE,
            },
            body,
            raw: RawRequest {
                bytes,
                at: request_at,
            },
        })
    }
}
