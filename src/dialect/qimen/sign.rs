//! The TOP / Qimen signature: every parameter but `sign`, form-decoded, empty values dropped,
//! sorted by name (byte order), concatenated `name+value`, then the raw body of a non-form
//! request appended; hashed with `md5` (`UPPER(HEX(MD5(secret+S+secret)))`, also when
//! `sign_method` is absent), `hmac` (HMAC-MD5, key = secret) or `hmac-sha256`. Pure functions.

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The three methods TOP clients sign with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Md5,
    HmacMd5,
    HmacSha256,
}

impl Method {
    /// `sign_method` as sent; absent means md5.
    pub fn parse(s: Option<&str>) -> Result<Self, String> {
        match s.map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("md5") => Ok(Self::Md5),
            Some("hmac") => Ok(Self::HmacMd5),
            Some("hmac-sha256") => Ok(Self::HmacSha256),
            Some(other) => Err(format!(
                "unsupported sign_method {other:?} (md5, hmac or hmac-sha256)"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::HmacMd5 => "hmac",
            Self::HmacSha256 => "hmac-sha256",
        }
    }
}

/// The string that is hashed. `params` are (name, decoded value); `sign` is left out, and so
/// are empty values unless `with_empty` (py-taobao-open signs `name` + "").
pub fn sign_string(params: &[(String, String)], body: Option<&str>, with_empty: bool) -> String {
    let mut ps: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| k != "sign" && (with_empty || !v.is_empty()))
        .collect();
    ps.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut s = String::new();
    for (k, v) in ps {
        s.push_str(k);
        s.push_str(v);
    }
    if let Some(b) = body {
        s.push_str(b);
    }
    s
}

/// What the gateway signed for a sandbox identity (the TOP rule: empty values left out).
pub fn help(
    method: Method,
    params: &[(String, String)],
    body: Option<&str>,
) -> crate::auth::sign_help::SignHelp {
    let mut names: Vec<String> = params
        .iter()
        .filter(|(k, v)| k != "sign" && !v.is_empty())
        .map(|(k, _)| k.clone())
        .collect();
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    if body.is_some() {
        names.push("(body)".into());
    }
    let how = match method {
        Method::Md5 => "UPPER(HEX(MD5(secret + signed string + secret)))",
        Method::HmacMd5 => "UPPER(HEX(HMAC-MD5(key = secret, signed string)))",
        Method::HmacSha256 => "UPPER(HEX(HMAC-SHA256(key = secret, signed string)))",
    };
    crate::auth::sign_help::SignHelp::new(sign_string(params, body, false), names, how)
}

/// Upper-case hex signature of `s`.
pub fn sign(method: Method, secret: &str, s: &str) -> String {
    let digest = match method {
        Method::Md5 => {
            let mut h = Md5::new();
            h.update(secret.as_bytes());
            h.update(s.as_bytes());
            h.update(secret.as_bytes());
            h.finalize().to_vec()
        }
        Method::HmacMd5 => {
            let mut mac = <Hmac<Md5> as Mac>::new_from_slice(secret.as_bytes())
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
            mac.update(s.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Method::HmacSha256 => {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
            mac.update(s.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    hex::encode_upper(digest)
}

fn same(expected: &str, received: &str) -> bool {
    let received = received.to_ascii_uppercase();
    expected.len() == received.len() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

/// Checks `received` (hex, any case, constant time): first with empty values dropped, as TOP
/// specifies, then with them included, as py-taobao-open signs.
pub fn verify(
    method: Method,
    secret: &str,
    params: &[(String, String)],
    body: Option<&str>,
    received: &str,
) -> bool {
    let strict = same(
        &sign(method, secret, &sign_string(params, body, false)),
        received,
    );
    let has_empty = params.iter().any(|(k, v)| k != "sign" && v.is_empty());
    strict
        || (has_empty
            && same(
                &sign(method, secret, &sign_string(params, body, true)),
                received,
            ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_worked_example_of_the_vectors() {
        let params = p(&[
            ("app_key", "testerp_appkey"),
            ("method", "taobao.qimen.inventory.query"),
            ("v", "2.0"),
            ("timestamp", "2026-11-22 13:23:30"),
            ("partner_id", "top-sdk-java-dynamicVersionNo"),
            ("format", "xml"),
            ("sign_method", "md5"),
            ("customerId", "stub-cust-code"),
        ]);
        let body = "<request><itemCode>SKU-1</itemCode></request>";
        assert_eq!(
            sign_string(&params, Some(body), false),
            "app_keytesterp_appkeycustomerIdstub-cust-codeformatxmlmethodtaobao.qimen.inventory.querypartner_idtop-sdk-java-dynamicVersionNosign_methodmd5timestamp2026-11-22 13:23:30v2.0<request><itemCode>SKU-1</itemCode></request>"
        );
        let s = sign_string(&params, Some(body), false);
        assert_eq!(
            sign(Method::Md5, "test", &s),
            "6D15049CA1E03093388C4F58D69F3286"
        );
        assert!(verify(
            Method::Md5,
            "test",
            &params,
            Some(body),
            "6d15049ca1e03093388c4f58d69f3286"
        ));
        assert!(!verify(
            Method::Md5,
            "test",
            &params,
            Some("<request/>"),
            "6D15049CA1E03093388C4F58D69F3286"
        ));
    }

    #[test]
    fn empty_values_are_tried_both_ways() {
        let params = p(&[("a", "1"), ("b", "")]);
        let with = sign(Method::Md5, "k", &sign_string(&params, None, true));
        let without = sign(Method::Md5, "k", &sign_string(&params, None, false));
        assert_ne!(with, without);
        assert!(verify(Method::Md5, "k", &params, None, &with));
        assert!(verify(Method::Md5, "k", &params, None, &without));
        assert!(!verify(Method::Md5, "k", &params, None, ""));
    }

    #[test]
    fn sign_methods_parse() {
        assert_eq!(Method::parse(None), Ok(Method::Md5));
        assert_eq!(Method::parse(Some("HMAC")), Ok(Method::HmacMd5));
        assert_eq!(Method::parse(Some("hmac-sha256")), Ok(Method::HmacSha256));
        assert!(Method::parse(Some("sha1")).is_err());
    }
}
