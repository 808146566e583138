//! Reading a JSON payload into a typed request so that a client learns about every type
//! error at once: when typed deserialisation fails, the payload is read as a
//! `serde_json::Value`, each offending member is recorded and blanked, and the typed read
//! is tried again, until it succeeds or nothing more can be blanked.

use crate::domain::validation::FieldErrors;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

/// At most this many type errors are collected (each costs one more typed read).
const MAX_TYPE_ERRORS: usize = 100;

/// Strips serde_json's " at line L column C" suffix, which means nothing to a client.
pub fn serde_reason(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn join(prefix: &str, path: &serde_path_to_error::Path) -> String {
    let p = path.to_string();
    match (prefix.is_empty(), p.as_str()) {
        (_, ".") if prefix.is_empty() => "(body)".into(),
        (_, ".") => prefix.to_string(),
        (true, _) => p,
        (false, _) if p.starts_with('[') => format!("{prefix}{p}"),
        (false, _) => format!("{prefix}.{p}"),
    }
}

/// Reads `text` as `T`; on failure, every type error with its path below `prefix`.
/// Text that is not JSON at all gives one error at `prefix`.
pub fn read<T: DeserializeOwned>(text: &str, prefix: &str) -> Result<T, FieldErrors> {
    // The usual payload is well typed: it is read without tracking paths, which copies every
    // key it passes (an allocation per member: 100 products, 50 lines or 10 waybills make
    // hundreds). Tracking changes no outcome, so only a failed read is done again with it,
    // for the errors' paths. (No `end()` check on either read, as before: what follows the
    // value is not looked at.)
    if let Ok(v) = T::deserialize(&mut serde_json::Deserializer::from_str(text)) {
        return Ok(v);
    }
    let de = &mut serde_json::Deserializer::from_str(text);
    let first = match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        let mut errors = FieldErrors::default();
        errors.invalid(join(prefix, first.path()), serde_reason(first.inner()));
        return Err(errors);
    };
    Err(every_error::<T>(value, prefix, first))
}

/// Reads a value already parsed (Qimen's XML or JSON payload) as `T`, with the errors of
/// [`read`]. Straight from the tree: writing it out as text to read it again cost a Qimen
/// order about as much as reading its XML (#21).
pub fn read_value<T: DeserializeOwned>(value: &Value, prefix: &str) -> Result<T, FieldErrors> {
    // Untracked first, as in `read`.
    if let Ok(v) = T::deserialize(value) {
        return Ok(v);
    }
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(v) => Ok(v),
        Err(first) => Err(every_error::<T>(value.clone(), prefix, first)),
    }
}

/// Every type error in `value`, blanking each offending member and reading again; `first`
/// is the error of the first read, given when no other can be found.
fn every_error<T: DeserializeOwned>(
    mut value: Value,
    prefix: &str,
    first: serde_path_to_error::Error<serde_json::Error>,
) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let mut last_path: Option<String> = None;
    for _ in 0..MAX_TYPE_ERRORS {
        let e = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(_) => break,
            Err(e) => e,
        };
        let segments: Vec<Segment> = e.path().iter().cloned().collect();
        let at = join(prefix, e.path());
        let repeated = last_path.as_deref() == Some(at.as_str());
        if !repeated {
            errors.invalid(at.clone(), serde_reason(e.inner()));
        }
        // Blank the member; if blanking did not help (a member that may not be null),
        // take it out of its parent; at the root there is nothing more to do.
        if segments.is_empty() || !blank(&mut value, &segments, repeated) {
            break;
        }
        last_path = Some(at);
    }
    if errors.is_empty() {
        errors.invalid(join(prefix, first.path()), serde_reason(first.inner()));
    }
    errors
}

/// Sets the member at `path` to null, or removes it from its parent when `remove`.
fn blank(value: &mut Value, path: &[Segment], remove: bool) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut v = value;
    for s in parents {
        let next = match s {
            Segment::Seq { index } => v.get_mut(*index),
            Segment::Map { key } => v.get_mut(key.as_str()),
            _ => None,
        };
        match next {
            Some(n) => v = n,
            None => return false,
        }
    }
    match (last, v) {
        (Segment::Seq { index }, Value::Array(a)) if *index < a.len() => {
            if remove {
                a.remove(*index);
            } else if a[*index].is_null() {
                return false;
            } else {
                a[*index] = Value::Null;
            }
            true
        }
        (Segment::Map { key }, Value::Object(m)) if m.contains_key(key) => {
            if remove {
                m.remove(key);
            } else if m[key].is_null() {
                return false;
            } else {
                m[key] = Value::Null;
            }
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::HashMap;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Line {
        line_no: Option<String>,
        plan_qty: Option<i64>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Req {
        order_code: Option<String>,
        items: Option<Vec<Line>>,
        extend_props: Option<HashMap<String, String>>,
    }

    #[test]
    fn every_type_error_is_listed() {
        let e = read::<Req>(
            r#"{"orderCode":5,"items":[{"planQty":"x"},{"lineNo":1,"planQty":2}],"extendProps":{"a":1}}"#,
            "request",
        )
        .unwrap_err();
        let paths: Vec<&str> = e.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            // Members in name order: the order a JSON object is read back in.
            [
                "request.extendProps.a",
                "request.items[0].planQty",
                "request.items[1].lineNo",
                "request.orderCode",
            ],
            "{e}"
        );
    }

    #[test]
    fn a_parsed_value_reads_as_its_text_does() {
        let text = r#"{"orderCode":5,"items":[{"planQty":"x"},{"lineNo":1,"planQty":2}],"extendProps":{"a":1}}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        let from_text = read::<Req>(text, "request").unwrap_err().to_string();
        let from_value = read_value::<Req>(&value, "request")
            .unwrap_err()
            .to_string();
        assert_eq!(from_value, from_text);
        assert!(
            from_value.contains("request.items[0].planQty"),
            "{from_value}"
        );
        let good = serde_json::json!({"orderCode": "A", "items": [{"lineNo": "1", "planQty": 2}]});
        let r = read_value::<Req>(&good, "request").unwrap();
        assert_eq!(r.order_code.as_deref(), Some("A"));
        assert_eq!(r.items.unwrap()[0].plan_qty, Some(2));
    }

    #[test]
    fn good_input_reads_and_garbage_is_one_error() {
        assert!(read::<Req>(r#"{"orderCode":"A","unknown":{"x":[1]}}"#, "request").is_ok());
        let e = read::<Req>("{", "request").unwrap_err();
        assert_eq!(e.iter().count(), 1);
        let e = read::<Req>("\"x\"", "").unwrap_err();
        assert_eq!(e.iter().next().unwrap().path, "(body)");
    }
}
