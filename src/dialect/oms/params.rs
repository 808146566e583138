//! An OMS call's parameters: from the query, a urlencoded form body or a JSON object body
//! (the seed recommends `application/json` for POST), or the query and a body together. The
//! same name twice with different values is refused. Values stay JSON values, since the
//! signature assembles nested arrays and objects.

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use url::form_urlencoded;

/// How the body carries parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Form,
    Json,
}

/// All parameters of a call, by name.
#[derive(Debug, Clone, Default)]
pub struct Params(pub BTreeMap<String, Value>);

impl Params {
    /// A parameter as text: strings as they are, numbers and booleans as the signature
    /// writes them; `None` when absent, null, or an array/object.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(super::sign::number_text(n)),
            Value::Bool(b) => Some(if *b { "1" } else { "0" }.into()),
            _ => None,
        }
    }

    /// A parameter given with a value (an empty string counts as not given).
    pub fn given(&self, name: &str) -> Option<String> {
        self.text(name).filter(|s| !s.is_empty())
    }

    pub fn value(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }
}

fn add(out: &mut BTreeMap<String, Value>, k: String, v: Value) -> Result<(), String> {
    match out.get(&k) {
        Some(existing) if *existing != v => Err(format!(
            "{k}: given twice with different values (query and body?)"
        )),
        Some(_) => Ok(()),
        None => {
            out.insert(k, v);
            Ok(())
        }
    }
}

fn decode(raw: &str, from: &str, out: &mut BTreeMap<String, Value>) -> Result<(), String> {
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        if k.contains('\u{FFFD}') || v.contains('\u{FFFD}') {
            return Err(format!("the {from} is not valid UTF-8 once decoded"));
        }
        if k.is_empty() {
            continue;
        }
        add(out, k.into_owned(), Value::String(v.into_owned()))?;
    }
    Ok(())
}

/// Which kind of body this is: JSON by its content type or its first character, else a form.
pub fn body_kind(content_type: Option<&str>, body: &str) -> BodyKind {
    let ct = content_type.unwrap_or_default().to_ascii_lowercase();
    if ct.contains("json") || (!ct.contains("form") && body.trim_start().starts_with('{')) {
        BodyKind::Json
    } else {
        BodyKind::Form
    }
}

/// Reads a call's parameters from its query and body.
pub fn read(query: Option<&str>, body: &str, kind: BodyKind) -> Result<Params, String> {
    let mut out = BTreeMap::new();
    if let Some(q) = query {
        decode(q, "query", &mut out)?;
    }
    if body.trim().is_empty() {
        return Ok(Params(out));
    }
    match kind {
        BodyKind::Form => decode(body, "form body", &mut out)?,
        BodyKind::Json => {
            let m: Map<String, Value> = serde_json::from_str(body)
                .map_err(|e| format!("the body is not a JSON object: {e}"))?;
            for (k, v) in m {
                add(&mut out, k, v)?;
            }
        }
    }
    Ok(Params(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_form_and_json_bodies() {
        let p = read(
            Some("method=warehouse.add&app_key=K"),
            "name=%E8%BD%AC%E4%BB%93+1&app_key=K",
            BodyKind::Form,
        )
        .unwrap();
        assert_eq!(p.text("name").as_deref(), Some("转仓 1"));
        assert_eq!(p.0.len(), 3);
        let j = read(
            Some("app_key=K"),
            r#"{"page_no": 2, "items": [{"bn": "x"}], "flag": true}"#,
            BodyKind::Json,
        )
        .unwrap();
        assert_eq!(j.text("page_no").as_deref(), Some("2"));
        assert_eq!(j.text("flag").as_deref(), Some("1"));
        assert!(j.value("items").unwrap().is_array());
        assert!(read(Some("a=1"), "a=2", BodyKind::Form).is_err());
        assert!(read(None, "[1]", BodyKind::Json).is_err());
        assert!(read(Some("a=%FF"), "", BodyKind::Form).is_err());
        assert_eq!(body_kind(None, " {\"a\":1}"), BodyKind::Json);
        assert_eq!(
            body_kind(Some("application/x-www-form-urlencoded"), "{"),
            BodyKind::Form
        );
        assert_eq!(
            body_kind(Some("application/json;charset=utf-8"), ""),
            BodyKind::Json
        );
    }
}
