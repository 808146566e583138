//! Signing in with an ops token: a session cookie (HttpOnly, SameSite=Strict, Path=/console,
//! Secure behind TLS, expiring), its CSRF token for every form, and the origin check of every
//! POST. Only the SHA-256 of the cookie's value is stored.

use super::error::ConsoleError;
use crate::auth::secrets;
use crate::state::AppState;
use crate::store;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use rand::RngCore;

pub const COOKIE: &str = "hxgw_console";

/// A signed-in console user: the ops token's name and the session's CSRF token.
pub struct Session {
    pub token_name: String,
    pub csrf: String,
}

fn random_hex() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The session cookie's value in the request, if any.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// Whether the request came over TLS (directly or through a proxy that says so).
pub fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// Starts a session for a valid ops token; returns the Set-Cookie value.
pub async fn sign_in(app: &AppState, token: &str, tls: bool) -> Result<String, ConsoleError> {
    let (token_id, name) = crate::auth::authenticate_ops(&app.db, token)
        .await
        .map_err(|e| ConsoleError::SignIn(e.to_string()))?;
    let id = random_hex();
    let secs = app.settings.console.session_secs;
    let expires = chrono::Utc::now() + chrono::TimeDelta::seconds(secs as i64);
    store::console::insert_session(
        &app.db,
        &secrets::hash_token_hex(&id),
        token_id,
        &name,
        &random_hex(),
        expires,
    )
    .await?;
    crate::context::set_client(0, format!("console:{name}"));
    Ok(format!(
        "{COOKIE}={id}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={secs}{}",
        // Secure unless explicitly allowed off for plain-HTTP development (browsers accept
        // Secure cookies from localhost anyway); behind TLS it is never off.
        if tls || !app.settings.console.insecure_cookie {
            "; Secure"
        } else {
            ""
        }
    ))
}

/// Ends the session; returns the Set-Cookie value that clears it.
pub async fn sign_out(app: &AppState, headers: &HeaderMap) -> Result<String, ConsoleError> {
    if let Some(id) = cookie(headers) {
        store::console::delete_session(&app.db, &secrets::hash_token_hex(&id)).await?;
    }
    Ok(format!(
        "{COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0"
    ))
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ConsoleError> {
        let id = cookie(&parts.headers).ok_or(ConsoleError::SignedOut)?;
        let row = store::console::session(&app.db, &secrets::hash_token_hex(&id))
            .await?
            .ok_or(ConsoleError::SignedOut)?;
        crate::context::set_client(0, format!("console:{}", row.token_name));
        Ok(Session {
            token_name: row.token_name,
            csrf: row.csrf,
        })
    }
}

impl Session {
    /// The form's CSRF token must be the session's (compared in constant time).
    pub fn check(&self, given: Option<&str>) -> Result<(), ConsoleError> {
        let given = given.unwrap_or_default().as_bytes();
        let want = self.csrf.as_bytes();
        let same = given.len() == want.len()
            && given
                .iter()
                .zip(want)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            Ok(())
        } else {
            Err(ConsoleError::Csrf)
        }
    }
}

/// A POST whose `Origin` (or, without one, `Referer`) names another site is refused.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let from = headers
        .get(axum::http::header::ORIGIN)
        .or_else(|| headers.get(axum::http::header::REFERER))
        .and_then(|v| v.to_str().ok());
    match from {
        None => true,
        Some(o) => url::Url::parse(o).is_ok_and(|u| {
            let authority = match (u.host_str(), u.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => String::new(),
            };
            authority.eq_ignore_ascii_case(host)
        }),
    }
}

/// A form body as pairs (repeated names kept: the ids of a bulk replay).
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_cookies() {
        let mut h = HeaderMap::new();
        h.insert("host", "127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h));
        h.insert("origin", "http://127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h));
        h.insert("origin", "http://evil.example".parse().unwrap());
        assert!(!same_origin(&h));
        h.insert("cookie", "a=1; hxgw_console=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h).as_deref(), Some("abc"));
        let s = Session {
            token_name: "t".into(),
            csrf: "xyz".into(),
        };
        assert!(s.check(Some("xyz")).is_ok());
        assert!(s.check(Some("xy")).is_err());
        assert!(s.check(None).is_err());
    }
}
