//! The OMS signature (ShopEx OMS `openapi`): `UPPER(MD5(UPPER(MD5(assemble(params − sign))) +
//! secret))`, where `assemble` concatenates `key + value` over the keys sorted as strings,
//! recursing into arrays and objects (array keys are their indices, also sorted as strings),
//! skipping nulls and writing booleans as `1`/`0`. A JSON-string parameter (`items`) is signed
//! as that string.

use md5::{Digest, Md5};
use serde_json::Value;

fn md5_upper(s: &str) -> String {
    hex::encode_upper(Md5::digest(s.as_bytes()))
}

/// A number as the PHP side writes it: integers as integers (`10`, also `10.0`), others in
/// their shortest form (`10.5`).
pub fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        Some(f) => format!("{f}"),
        None => n.to_string(),
    }
}

fn assemble_into(entries: Vec<(String, &Value)>, out: &mut String) {
    let mut entries = entries;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, v) in entries {
        match v {
            Value::Null => continue,
            Value::Bool(b) => {
                out.push_str(&k);
                out.push(if *b { '1' } else { '0' });
            }
            Value::Number(n) => {
                out.push_str(&k);
                out.push_str(&number_text(n));
            }
            Value::String(s) => {
                out.push_str(&k);
                out.push_str(s);
            }
            Value::Array(a) => {
                out.push_str(&k);
                assemble_into(
                    a.iter()
                        .enumerate()
                        .map(|(i, v)| (i.to_string(), v))
                        .collect(),
                    out,
                );
            }
            Value::Object(m) => {
                out.push_str(&k);
                assemble_into(m.iter().map(|(k, v)| (k.clone(), v)).collect(), out);
            }
        }
    }
}

/// The string signed: every parameter but `sign`, assembled.
pub fn assemble<'a>(params: impl IntoIterator<Item = (&'a String, &'a Value)>) -> String {
    let mut out = String::new();
    assemble_into(
        params
            .into_iter()
            .filter(|(k, _)| k.as_str() != "sign")
            .map(|(k, v)| (k.clone(), v))
            .collect(),
        &mut out,
    );
    out
}

/// The signature of the assembled parameters with this secret.
pub fn sign(assembled: &str, secret: &str) -> String {
    md5_upper(&format!("{}{secret}", md5_upper(assembled)))
}

/// Whether `given` is the signature (hex case ignored), compared in constant time.
pub fn verify(assembled: &str, secret: &str, given: &str) -> bool {
    let expected = sign(assembled, secret);
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a.to_ascii_uppercase() ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn params(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    /// The worked example of the issue (seed 001's warehouse.add).
    #[test]
    fn the_worked_vector() {
        let p = params(json!({
            "app_key": "ERP01", "method": "warehouse.add", "timestamp": "2026-11-22 13:23:30",
            "format": "json", "v": "1.0", "name": "转仓入库单001", "extrabranch_name": "外部仓A",
            "branch_bn": "WH01", "t_type": "DC", "original_iso_bn": "T-0001",
            "items": "[{\"bn\":\"test1\",\"name\":\"测试1\",\"price\":10,\"nums\":1}]",
            "sign": "ignored"
        }));
        let a = assemble(&p);
        assert!(a.starts_with("app_keyERP01branch_bnWH01extrabranch_name外部仓Aformatjson"));
        assert_eq!(md5_upper(&a), "C5734FDE1744BB8002AB5792C35673A0");
        assert_eq!(sign(&a, "s3cr3t"), "A41865E6D233E43C8E061A89D7DB5DA1");
        assert!(verify(&a, "s3cr3t", "a41865e6d233e43c8e061a89d7db5da1"));
        assert!(!verify(&a, "s3cr3u", "A41865E6D233E43C8E061A89D7DB5DA1"));
        assert!(!verify(&a, "s3cr3t", "A41865E6D233E43C8E061A89D7DB5DA"));
    }

    #[test]
    fn nested_values_nulls_booleans_and_numbers() {
        let p = params(json!({
            "b": [{"nums": 1, "bn": "x"}, {"nums": 2.5}],
            "a": null, "c": true, "d": false, "e": 10.0,
            "f": [0,1,2,3,4,5,6,7,8,9,10]
        }));
        assert_eq!(
            assemble(&p),
            "b0bnxnums11nums2.5c1d0e10f001110102233445566778899"
        );
    }
}
