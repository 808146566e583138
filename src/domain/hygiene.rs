//! Text hygiene: every string a request carries into the gateway, whatever the dialect, is
//! checked here before anything is stored. PostgreSQL `text` and `jsonb` refuse U+0000, and
//! control characters (C0 other than tab and line breaks, DEL, C1) have no business in
//! codes, names or remarks.
//!
//! The check walks a value through its `Serialize` implementation, so it sees exactly the
//! strings a typed request accepted, with their wire names (serde renames apply), and never
//! the members a DTO ignores: unknown members are dropped, not refused.

use super::validation::FieldErrors;
use serde::ser::{self, Serialize};
use std::fmt;

/// Why a string is refused, or `None` when it is acceptable anywhere.
pub fn problem(s: &str) -> Option<String> {
    let bad = s
        .chars()
        .find(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))?;
    Some(if bad == '\0' {
        "must not contain NUL (U+0000)".to_string()
    } else {
        format!(
            "must not contain the control character U+{:04X}",
            bad as u32
        )
    })
}

/// Every string (and map key) in `value` that [`problem`] refuses, each with its path below
/// `prefix` (`request.items[2].remark`).
pub fn check<T: Serialize + ?Sized>(value: &T, prefix: &str) -> FieldErrors {
    let mut w = Walker {
        path: vec![Segment::Key(prefix.to_string())],
        errors: FieldErrors::default(),
    };
    // The walker never fails; an error would only come from a Serialize impl that refuses.
    let _ = value.serialize(&mut w);
    w.errors
}

/// One step of the path to a string. Indexes and field names are kept as they are and only
/// rendered when a string is refused: most requests are clean, and a 50-line order has
/// hundreds of members (#21: no allocation per member).
enum Segment {
    Index(usize),
    Field(&'static str),
    /// The prefix, and map keys (rendered already).
    Key(String),
}

struct Walker {
    path: Vec<Segment>,
    errors: FieldErrors,
}

impl Walker {
    fn here(&self) -> String {
        let mut s = String::new();
        for p in &self.path {
            let text = match p {
                Segment::Index(i) => format!("[{i}]"),
                Segment::Field(f) => f.to_string(),
                Segment::Key(k) => k.clone(),
            };
            if text.starts_with('[') || s.is_empty() {
                s.push_str(&text);
            } else {
                s.push('.');
                s.push_str(&text);
            }
        }
        s
    }

    fn text(&mut self, v: &str) {
        if let Some(reason) = problem(v) {
            let at = self.here();
            self.errors.invalid(at, reason);
        }
    }

    fn nested<T: Serialize + ?Sized>(&mut self, segment: Segment, v: &T) -> Result<(), Never> {
        self.path.push(segment);
        let r = v.serialize(&mut *self);
        self.path.pop();
        r
    }
}

/// The walker's error type; it is never produced by the walker itself.
#[derive(Debug)]
pub struct Never(String);

impl fmt::Display for Never {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Never {}

impl ser::Error for Never {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Never(msg.to_string())
    }
}

/// Sequences, maps and structs all walk their members with a path segment each.
pub struct Members<'a> {
    w: &'a mut Walker,
    index: usize,
    key: Option<String>,
}

impl<'a> ser::Serializer for &'a mut Walker {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Members<'a>;
    type SerializeTuple = Members<'a>;
    type SerializeTupleStruct = Members<'a>;
    type SerializeTupleVariant = Members<'a>;
    type SerializeMap = Members<'a>;
    type SerializeStruct = Members<'a>;
    type SerializeStructVariant = Members<'a>;

    fn serialize_bool(self, _: bool) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_f64(self, _: f64) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_char(self, c: char) -> Result<(), Never> {
        self.text(c.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Never> {
        self.text(v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Never> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Never> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<(), Never> {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Members<'a>, Never> {
        Ok(Members {
            w: self,
            index: 0,
            key: None,
        })
    }
    fn serialize_tuple(self, _: usize) -> Result<Members<'a>, Never> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Members<'a>, Never> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Members<'a>, Never> {
        self.serialize_seq(None)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Members<'a>, Never> {
        self.serialize_seq(None)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Members<'a>, Never> {
        self.serialize_seq(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Members<'a>, Never> {
        self.serialize_seq(None)
    }
}

impl Members<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Never> {
        let i = self.index;
        self.index += 1;
        self.w.nested(Segment::Index(i), v)
    }
}

impl ser::SerializeSeq for Members<'_> {
    type Ok = ();
    type Error = Never;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Never> {
        self.element(v)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

impl ser::SerializeTuple for Members<'_> {
    type Ok = ();
    type Error = Never;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Never> {
        self.element(v)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Members<'_> {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Never> {
        self.element(v)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Members<'_> {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Never> {
        self.element(v)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

/// Renders a map key for a path: plain keys as they are, others quoted.
fn key_text<T: Serialize + ?Sized>(key: &T) -> String {
    match serde_json::to_value(key) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".into(),
    }
}

impl ser::SerializeMap for Members<'_> {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Never> {
        let k = key_text(key);
        if let Some(reason) = problem(&k) {
            let at = format!("{} (a key)", self.w.here());
            self.w.errors.invalid(at, reason);
        }
        self.key = Some(k.escape_debug().to_string());
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Never> {
        let k = self.key.take().unwrap_or_default();
        self.w.nested(Segment::Key(k), v)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

impl ser::SerializeStruct for Members<'_> {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        v: &T,
    ) -> Result<(), Never> {
        self.w.nested(Segment::Field(name), v)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Members<'_> {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        v: &T,
    ) -> Result<(), Never> {
        self.w.nested(Segment::Field(name), v)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Line {
        item_code: Option<String>,
        sn_codes: Vec<String>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Order {
        order_code: String,
        remark: Option<String>,
        extend_props: BTreeMap<String, String>,
        items: Vec<Line>,
        qty: i64,
    }

    #[test]
    fn every_string_is_checked_with_its_wire_path() {
        let o = Order {
            order_code: "A\u{0}".into(),
            remark: Some("fine\nwith a line break\tand a tab".into()),
            extend_props: BTreeMap::from([
                ("k\u{85}".to_string(), "v".to_string()),
                ("ok".to_string(), "\u{1}".to_string()),
            ]),
            items: vec![
                Line {
                    item_code: Some("SKU".into()),
                    sn_codes: vec![],
                },
                Line {
                    item_code: None,
                    sn_codes: vec!["x".into(), "y\u{9f}".into()],
                },
            ],
            qty: 3,
        };
        let e = check(&o, "request");
        let paths: Vec<String> = e.iter().map(|e| e.path.clone()).collect();
        assert_eq!(
            paths,
            [
                "request.orderCode",
                "request.extendProps (a key)",
                "request.extendProps.ok",
                "request.items[1].snCodes[1]",
            ]
        );
        assert_eq!(
            e.iter().next().unwrap().reason,
            "must not contain NUL (U+0000)"
        );
        assert!(e.to_string().contains("U+0085"), "{e}");
    }

    #[test]
    fn clean_values_pass_and_del_is_refused() {
        assert!(check(&vec!["上海仓", "a b"], "x").is_empty());
        assert!(problem("\u{7f}").is_some());
        assert!(problem("\u{200b}").is_none());
    }
}
