//! The caller's address, for limits that count per address (password sign-in): the TCP peer,
//! or, behind a load balancer named in `server.client_address_header`, the last address in that
//! header (the one the balancer appended; earlier ones are the caller's own claims).

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The caller's IP address as text; "unknown" when neither source gives one.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Infallible> {
        let header = app.settings.server.client_address_header.as_str();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = (!header.is_empty())
            .then(|| parts.headers.get_all(header).iter().next_back())
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(last_address);
        Ok(Self(
            forwarded
                .or(peer)
                .map_or_else(|| "unknown".into(), |ip| ip.to_string()),
        ))
    }
}

/// The last well-formed address of an `X-Forwarded-For`-style list.
fn last_address(list: &str) -> Option<IpAddr> {
    list.rsplit(',').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_balancers_entry_is_the_last() {
        assert_eq!(
            last_address("1.2.3.4, 10.0.0.7").unwrap().to_string(),
            "10.0.0.7"
        );
        assert_eq!(last_address("::1").unwrap().to_string(), "::1");
        assert!(last_address("1.2.3.4, forged").is_none());
    }
}
