//! Appendix 1 of the contract: the signature over the envelope, for requests and pushes alike.
//! Pure functions; the exact text of `request` is passed in as the client sent it.

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The two signature methods of Appendix 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignMethod {
    Md5,
    HmacSha256,
}

impl SignMethod {
    /// Reads `signMethod`; absent means `md5`.
    pub fn parse(s: Option<&str>) -> Result<Self, String> {
        match s {
            None | Some("") | Some("md5") => Ok(Self::Md5),
            Some("hmac-sha256") => Ok(Self::HmacSha256),
            Some(other) => Err(format!(
                "unsupported signMethod {other:?} (md5 or hmac-sha256)"
            )),
        }
    }
}

/// The signed fields of an envelope. `request` is the exact text of the `request` member.
#[derive(Debug, Clone, Copy)]
pub struct SignInput<'a> {
    pub create_by: &'a str,
    pub data_source: &'a str,
    pub timestamp: &'a str,
    /// The `signMethod` field as sent; signed only when present and non-empty.
    pub sign_method: Option<&'a str>,
    pub request: &'a str,
}

/// The signed fields in the order they are hashed: sorted by name (ASCII), empty ones left out
/// (Appendix 1: "whose value is a non-empty string").
pub fn signed_fields<'a>(input: &SignInput<'a>) -> Vec<(&'static str, &'a str)> {
    let mut fields: Vec<(&'static str, &'a str)> = vec![
        ("createBy", input.create_by),
        ("dataSource", input.data_source),
        ("timestamp", input.timestamp),
        ("request", input.request),
    ];
    if let Some(m) = input.sign_method {
        fields.push(("signMethod", m));
    }
    fields.retain(|(_, v)| !v.is_empty());
    fields.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    fields
}

/// The string that is hashed: the [`signed_fields`], each as `name + value`.
pub fn sign_string(input: &SignInput<'_>) -> String {
    let fields = signed_fields(input);
    let len = fields.iter().map(|(k, v)| k.len() + v.len()).sum();
    let mut out = String::with_capacity(len);
    for (k, v) in fields {
        out.push_str(k);
        out.push_str(v);
    }
    out
}

/// Computes the upper-case hex signature of `input` with `secret`.
pub fn sign(method: SignMethod, secret: &str, input: &SignInput<'_>) -> String {
    let s = sign_string(input);
    let digest: Vec<u8> = match method {
        SignMethod::Md5 => {
            let mut h = Md5::new();
            h.update(secret.as_bytes());
            h.update(s.as_bytes());
            h.update(secret.as_bytes());
            h.finalize().to_vec()
        }
        SignMethod::HmacSha256 => {
            // HMAC accepts keys of any length, so this cannot fail.
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
            mac.update(s.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    hex::encode_upper(digest)
}

/// Compares a received signature with the expected one: hex case ignored, constant time.
pub fn verify(method: SignMethod, secret: &str, input: &SignInput<'_>, received: &str) -> bool {
    let expected = sign(method, secret, input);
    let received = received.to_ascii_uppercase();
    expected.len() == received.len() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(request: &'a str, method: Option<&'a str>) -> SignInput<'a> {
        SignInput {
            create_by: "C001",
            data_source: "ERP01",
            timestamp: "2026-11-22 13:23:30",
            sign_method: method,
            request,
        }
    }

    #[test]
    fn sign_string_sorts_fields_by_name() {
        let s = sign_string(&input("{}", Some("hmac-sha256")));
        assert_eq!(
            s,
            "createByC001dataSourceERP01request{}signMethodhmac-sha256timestamp2026-11-22 13:23:30"
        );
    }

    #[test]
    fn md5_matches_the_first_vector() {
        let req = r#"{"inventoryCode":"WH01","inventoryName":"Main","subbaseCode":"OW01","subbaseName":"Owner","contact":"Li","phone":"13800138000"}"#;
        assert_eq!(
            sign(SignMethod::Md5, "s3cr3t", &input(req, None)),
            "8DE9888FE2BA7A503A7632257F8DA0A1"
        );
    }

    #[test]
    fn hmac_sha256_matches_its_vector() {
        let req = r#"{"orderCode":"OUT-0001","orderKind":"OUT","reason":"客户取消"}"#;
        let i = input(req, Some("hmac-sha256"));
        assert_eq!(
            sign(SignMethod::HmacSha256, "s3cr3t", &i),
            "FCFA13CE41122006AE916949D2F3B8344B7C46081C1F775C7E07027206914924"
        );
    }

    #[test]
    fn verification_ignores_hex_case_but_not_content() {
        let i = input("{}", None);
        let good = sign(SignMethod::Md5, "k", &i);
        assert!(verify(SignMethod::Md5, "k", &i, &good.to_lowercase()));
        assert!(!verify(SignMethod::Md5, "K", &i, &good));
        assert!(!verify(SignMethod::Md5, "k", &i, &good[..31]));
        assert!(!verify(SignMethod::Md5, "k", &i, ""));
    }

    #[test]
    fn sign_methods_parse() {
        assert_eq!(SignMethod::parse(None), Ok(SignMethod::Md5));
        assert_eq!(SignMethod::parse(Some("md5")), Ok(SignMethod::Md5));
        assert_eq!(
            SignMethod::parse(Some("hmac-sha256")),
            Ok(SignMethod::HmacSha256)
        );
        assert!(SignMethod::parse(Some("sha1")).is_err());
        assert!(SignMethod::parse(Some("MD5")).is_err());
    }
}
