//! A Qimen or TOP call's parameters: from the query, from a urlencoded form body, or both
//! (node-taobao-topclient puts even `sign` in the body); a non-form body (XML, JSON) is kept
//! as text, since it is signed as it came.

use super::sign;
use crate::auth::timestamp;
use chrono::{DateTime, TimeZone, Utc};
use url::form_urlencoded;

/// The parameters TOP and Qimen define for every call; everything else is the method's own.
pub const SYSTEM: &[&str] = &[
    "method",
    "app_key",
    "customerId",
    "timestamp",
    "format",
    "v",
    "sign_method",
    "sign",
    "partner_id",
    "session",
    "simplify",
    "target_app_key",
];

/// All parameters of a call, decoded, and its body when it is not a form.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub pairs: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter that must be there and non-empty.
    pub fn required(&self, name: &str) -> Result<&str, String> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("{name}: is required"))
    }

    /// The method's own parameters (the TOP form style carries the payload this way).
    pub fn business(&self) -> impl Iterator<Item = &(String, String)> {
        self.pairs
            .iter()
            .filter(|(k, _)| !SYSTEM.contains(&k.as_str()))
    }

    /// The method without the `taobao.qimen.` prefix: `entryorder.create`.
    pub fn method(&self) -> Result<String, String> {
        let m = self.required("method")?;
        Ok(m.strip_prefix("taobao.qimen.")
            .or_else(|| m.strip_prefix("qimen."))
            .unwrap_or(m)
            .to_string())
    }

    /// `sign_method`, md5 when absent.
    pub fn sign_method(&self) -> Result<sign::Method, String> {
        sign::Method::parse(self.get("sign_method"))
    }

    /// Whether `format` asks for JSON.
    pub fn json(&self, default_json: bool) -> bool {
        match self.get("format").map(str::to_ascii_lowercase).as_deref() {
            Some("json") => true,
            Some("xml") => false,
            _ => default_json,
        }
    }

    /// `timestamp`: `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai, or epoch milliseconds (the Python
    /// SDK sends those).
    pub fn timestamp(&self) -> Result<DateTime<Utc>, String> {
        let t = self.required("timestamp")?;
        if !t.is_empty() && t.len() <= 16 && t.bytes().all(|b| b.is_ascii_digit()) {
            let ms: i64 = t
                .parse()
                .map_err(|_| format!("timestamp {t:?} is not a time"))?;
            return Utc
                .timestamp_millis_opt(ms)
                .single()
                .ok_or_else(|| format!("timestamp {t:?} is not a time"));
        }
        timestamp::parse(t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                format!("timestamp {t:?} is neither yyyy-MM-dd HH:mm:ss (Asia/Shanghai) nor epoch milliseconds")
            })
    }
}

fn decode(raw: &str, from: &str, out: &mut Vec<(String, String)>) -> Result<(), String> {
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        if k.contains('\u{FFFD}') || v.contains('\u{FFFD}') {
            return Err(format!("the {from} is not valid UTF-8 once decoded"));
        }
        add(out, k.into_owned(), v.into_owned())?;
    }
    Ok(())
}

/// Adds a parameter; the same name twice with different values is refused.
fn add(out: &mut Vec<(String, String)>, k: String, v: String) -> Result<(), String> {
    match out.iter().find(|(n, _)| *n == k) {
        Some((_, existing)) if *existing != v => Err(format!(
            "{k}: given twice with different values (query and form body?)"
        )),
        Some(_) => Ok(()),
        None => {
            out.push((k, v));
            Ok(())
        }
    }
}

/// Reads a call's parameters. `form` says whether the body is urlencoded parameters.
pub fn read(query: Option<&str>, body: &str, form: bool) -> Result<Params, String> {
    let mut pairs = Vec::new();
    if let Some(q) = query {
        decode(q, "query", &mut pairs)?;
    }
    let body = if form {
        decode(body, "form body", &mut pairs)?;
        None
    } else if body.is_empty() {
        None
    } else {
        Some(body.to_string())
    };
    Ok(Params { pairs, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_form_merge_and_conflicts_are_refused() {
        let p = read(
            Some("app_key=K&method=taobao.qimen.inventory.query&timestamp=2026-11-22+13%3A23%3A30"),
            "remark=%E4%B8%8A%E6%B5%B7+%E4%BB%93%2B1%262&app_key=K",
            true,
        )
        .unwrap();
        assert_eq!(p.get("remark"), Some("上海 仓+1&2"));
        assert_eq!(p.get("timestamp"), Some("2026-11-22 13:23:30"));
        assert_eq!(p.method().unwrap(), "inventory.query");
        assert_eq!(p.business().count(), 1);
        assert!(read(Some("a=1"), "a=2", true).is_err());
        assert!(read(Some("a=%FF"), "", true).is_err());
        let xml = read(Some("method=entryorder.create"), "<request/>", false).unwrap();
        assert_eq!(xml.body.as_deref(), Some("<request/>"));
    }

    #[test]
    fn timestamps_in_shanghai_or_epoch_milliseconds() {
        let p = |t: &str| Params {
            pairs: vec![("timestamp".into(), t.into())],
            body: None,
        };
        assert_eq!(
            p("2026-11-22 13:23:30").timestamp().unwrap().to_rfc3339(),
            "2026-11-22T05:23:30+00:00"
        );
        assert_eq!(
            p("1795325010000").timestamp().unwrap().timestamp(),
            1_795_325_010
        );
        assert!(p("2026-11-22T13:23:30").timestamp().is_err());
        assert!(p("").timestamp().is_err());
    }
}
