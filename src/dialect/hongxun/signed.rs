//! `Signed<T>`: the extractor every 鸿讯 endpoint uses. It reads the body within the limit,
//! parses only the envelope, authenticates the identity (timestamp, signature), checks the
//! identity's kind may call the endpoint, counts the call against its rate limit, and only
//! then deserialises `request` into `T`. Handlers never see an unverified body.

use super::envelope;
use super::error::{ApiError, Code};
use crate::auth::{self, signature::SignInput, AuthenticatedClient};
use crate::context;
use crate::domain::client::ClientKind;
use crate::domain::hygiene;
use crate::service::ReplayKey;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What an endpoint's payload type declares about the endpoint.
pub trait Endpoint: DeserializeOwned + Serialize + Send {
    /// The kinds of identity that may call it (others get 1005).
    const KINDS: &'static [ClientKind];
    /// Whether it changes state; such calls are replay-guarded (§3).
    const CHANGES_STATE: bool;
    /// The business key recorded in the audit log (order code, item codes…).
    fn business_key(&self) -> Option<String> {
        None
    }
}

/// A verified call: who made it and its payload. Every string the payload holds has passed
/// the text hygiene check; members the payload type does not know were dropped.
pub struct Signed<T> {
    pub call: Call,
    pub body: T,
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
        self.changes_state.then_some(ReplayKey::Signed {
            client_id: self.client.id,
            endpoint: &self.endpoint,
            sign: &self.sign,
        })
    }

    /// The tenant whose data the call reads and changes.
    pub fn tenant(&self) -> crate::domain::client::Tenant {
        self.client.tenant()
    }
}

impl<T: Endpoint> FromRequest<AppState> for Signed<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, ApiError> {
        let endpoint = req.uri().path().to_string();
        let bytes = Bytes::from_request(req, app)
            .await
            .map_err(ApiError::body_rejection)?;
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
        let client = auth::authenticate(
            &app.known_identities(),
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
        let body: T = crate::http::json_input::read(env.request.get(), "request")?;
        let bad = hygiene::check(&body, "request");
        if !bad.is_empty() {
            return Err(bad.into());
        }
        if let Some(k) = body.business_key() {
            context::set_business_key(k);
        }
        Ok(Self {
            call: Call {
                client,
                sign: sign.to_ascii_uppercase(),
                endpoint,
                changes_state: T::CHANGES_STATE,
            },
            body,
        })
    }
}
