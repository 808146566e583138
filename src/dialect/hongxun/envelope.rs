//! The §1 request envelope: parsing a request body without re-serialising `request`.

use super::error::{ApiError, Code};
use crate::domain::hygiene;
use crate::domain::validation::FieldErrors;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use utoipa::ToSchema;

/// The signed request envelope, as documented; `request` is the endpoint's payload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "camelCase")]
pub struct SignedRequest<T> {
    /// Identity issued by 鸿讯 (customer, carrier or device id).
    #[schema(example = "DEMO")]
    create_by: String,
    /// Calling system issued by 鸿讯.
    #[schema(example = "DEMO-ERP")]
    data_source: String,
    /// yyyy-MM-dd HH:mm:ss, UTC+08:00; accepted within ±10 minutes.
    #[schema(example = "2026-11-22 13:23:30")]
    timestamp: String,
    /// md5 (default) or hmac-sha256.
    sign_method: Option<String>,
    /// Upper-case hex signature, Appendix 1.
    #[schema(example = "8DE9888FE2BA7A503A7632257F8DA0A1")]
    sign: String,
    request: T,
}

/// The envelope as it arrives: strings borrowed where possible, `request` as raw text.
#[derive(Deserialize)]
struct WireEnvelope<'a> {
    #[serde(rename = "createBy", borrow, default)]
    create_by: Option<Cow<'a, str>>,
    #[serde(rename = "dataSource", borrow, default)]
    data_source: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "signMethod", borrow, default)]
    sign_method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    sign: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    request: Option<&'a RawValue>,
}

/// A parsed envelope whose required parts are present. Not yet authenticated.
#[derive(Debug)]
pub struct Envelope<'a> {
    pub create_by: Cow<'a, str>,
    pub data_source: Cow<'a, str>,
    pub timestamp: Option<Cow<'a, str>>,
    pub sign_method: Option<Cow<'a, str>>,
    pub sign: Option<Cow<'a, str>>,
    /// The exact text of `request`, as signed.
    pub request: &'a RawValue,
}

pub use crate::http::json_input::serde_reason;

/// Parses the envelope of a request body (code 400 when it is not one; 2001 for missing parts).
pub fn parse(body: &[u8]) -> Result<Envelope<'_>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "body is empty; expected a JSON object",
        ));
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(ApiError::bad_request("body is not a JSON object"));
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    let wire: WireEnvelope = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let reason = serde_reason(e.inner());
        if path == "." || path.is_empty() {
            ApiError::bad_request(format!("body is not a valid JSON envelope: {reason}"))
        } else {
            ApiError::bad_request(format!("{path}: {reason}"))
        }
    })?;
    let mut missing = Vec::new();
    if wire.create_by.as_deref().is_none_or(str::is_empty) {
        missing.push("createBy");
    }
    if wire.data_source.as_deref().is_none_or(str::is_empty) {
        missing.push("dataSource");
    }
    if wire.request.is_none() {
        missing.push("request");
    }
    if !missing.is_empty() {
        let list: Vec<Value> = missing
            .iter()
            .map(|p| serde_json::json!({"path": p, "reason": "is required"}))
            .collect();
        return Err(ApiError::new(
            Code::MissingField,
            missing
                .iter()
                .map(|p| format!("{p}: is required"))
                .collect::<Vec<_>>()
                .join("; "),
        )
        .with_value(serde_json::json!({ "errors": list })));
    }
    // These are looked up before anyone is authenticated: text the database cannot hold
    // must be refused here, not reach a query.
    let mut bad = FieldErrors::default();
    for (path, v) in [
        ("createBy", &wire.create_by),
        ("dataSource", &wire.data_source),
        ("timestamp", &wire.timestamp),
        ("signMethod", &wire.sign_method),
        ("sign", &wire.sign),
    ] {
        if let Some(reason) = v.as_deref().and_then(hygiene::problem) {
            bad.invalid(path, reason);
        }
    }
    if !bad.is_empty() {
        return Err(bad.into());
    }
    let request = wire
        .request
        .unwrap_or_else(|| unreachable!("checked above"));
    if !request.get().starts_with('{') {
        return Err(ApiError::bad_request("request must be a JSON object"));
    }
    Ok(Envelope {
        create_by: wire.create_by.unwrap_or_default(),
        data_source: wire.data_source.unwrap_or_default(),
        timestamp: wire.timestamp,
        sign_method: wire.sign_method,
        sign: wire.sign,
        request,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_text_is_kept_byte_for_byte() {
        let body =
            br#"{"createBy":"C","dataSource":"D","request": {"a" : [1, 2],  "b":"\u4e0a"} }"#;
        let env = parse(body).unwrap();
        assert_eq!(env.request.get(), r#"{"a" : [1, 2],  "b":"\u4e0a"}"#);
    }

    #[test]
    fn non_objects_and_wrong_types_are_400() {
        for body in [
            &b""[..],
            b"[]",
            b"nul",
            b"{\"createBy\": 5}",
            b"{\"request\": [1]}",
            b"{\"a\":",
        ] {
            let e = parse(body).map(|_| ()).unwrap_err();
            assert!(
                matches!(e.code, Code::BadRequest | Code::MissingField),
                "{body:?}: {e:?}"
            );
        }
        let e = parse(br#"{"createBy":"C","dataSource":"D","request":"x"}"#).unwrap_err();
        assert_eq!(e.code, Code::BadRequest);
        let e = parse(br#"{"createBy":1}"#).unwrap_err();
        assert_eq!(e.code, Code::BadRequest);
        assert!(
            e.message.starts_with("createBy: invalid type"),
            "{}",
            e.message
        );
    }

    #[test]
    fn duplicate_envelope_keys_are_refused() {
        let e =
            parse(br#"{"createBy":"C","createBy":"D","dataSource":"D","request":{}}"#).unwrap_err();
        assert_eq!(e.code, Code::BadRequest);
    }

    #[test]
    fn missing_parts_are_listed_together() {
        let e = parse(br#"{"timestamp":"x"}"#).unwrap_err();
        assert_eq!(e.code, Code::MissingField);
        assert_eq!(
            e.message,
            "createBy: is required; dataSource: is required; request: is required"
        );
    }
}
