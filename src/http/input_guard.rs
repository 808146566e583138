//! The text hygiene check for what a request carries outside its body: the percent-decoded
//! path (path parameters such as `hxOrderNo`) and every query parameter. Applied to every
//! route, so a NUL or control character never reaches a handler, let alone the database.
//! Bodies are checked by each dialect's extractor ([`crate::domain::hygiene`]); headers the
//! gateway reads are checked where they are read.

use crate::domain::hygiene;
use crate::domain::validation::FieldErrors;
use axum::http::Uri;
use percent_encoding::percent_decode_str;
use std::borrow::Cow;

/// Every problem of the path and the query, with `path` / `query.NAME` as the field.
pub fn check_uri(uri: &Uri) -> FieldErrors {
    let mut e = FieldErrors::default();
    match percent_decode_str(uri.path()).decode_utf8() {
        Err(_) => e.invalid("path", "is not valid UTF-8 once percent-decoded"),
        Ok(p) => {
            if let Some(reason) = hygiene::problem(&p) {
                e.invalid("path", reason);
            }
        }
    }
    if let Some(q) = uri.query() {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            // The label is only written for a refused pair: a Qimen call has a dozen
            // parameters, and nearly all calls are clean (#21).
            let label = || {
                let name = decode(k).map_or_else(|_| k.to_string(), |n| n.into_owned());
                format!("query.{}", name.escape_debug())
            };
            match (decode(k), decode(v)) {
                (Ok(k), Ok(v)) => {
                    if let Some(reason) = hygiene::problem(&k).or_else(|| hygiene::problem(&v)) {
                        e.invalid(label(), reason);
                    }
                }
                _ => e.invalid(label(), "is not valid UTF-8 once percent-decoded"),
            }
        }
    }
    e
}

/// A query name or value as text: `+` is a space, then percent-decoding. Borrowed when
/// there is nothing to decode.
fn decode(s: &str) -> Result<Cow<'_, str>, std::str::Utf8Error> {
    if s.contains('+') {
        let spaced = s.replace('+', " ");
        return percent_decode_str(&spaced)
            .decode_utf8()
            .map(|c| Cow::Owned(c.into_owned()));
    }
    percent_decode_str(s).decode_utf8()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_control_characters_in_path_or_query_are_found() {
        let bad = |u: &str| !check_uri(&u.parse().unwrap()).is_empty();
        assert!(bad("/ops/v1/orders/HX%00X"));
        assert!(bad("/ops/v1/orders/HX%C2%85"));
        assert!(bad("/ops/v1/orders/%FF"));
        assert!(bad("/ops/v1/pushes?status=dead%00"));
        assert!(bad("/router/rest?method=a&x%01=1"));
        assert!(!bad("/ops/v1/orders/HXI26112500000001"));
        assert!(!bad(
            "/router/rest?timestamp=2026-11-22+13%3A23%3A30&remark=%E4%B8%8A%E6%B5%B7"
        ));
        // The label names the parameter as decoded, `+` as a space.
        let e = check_uri(&"/router/rest?a=1&re+mark%21=x+%01".parse().unwrap());
        assert_eq!(
            e.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
            ["query.re mark!"]
        );
    }
}
