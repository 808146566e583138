//! Canonical JSON text straight from a typed value (#21): object keys sorted bytewise at every
//! level, no insignificant white space, strings and numbers as serde_json writes them. It is the
//! text `order::content_fingerprint` hashes from a `serde_json::Value`, written without building
//! that tree first (a `BTreeMap` per object, a `String` per key and value, then dropped): an
//! order's content is written once, hashed, and stored as it is.
//!
//! What `serde_json::to_value` would make of each serde call is what is written here: a unit or
//! `None` is `null`, a non-finite float is `null`, an `f32` is widened to `f64` first, bytes are
//! an array of numbers, an enum variant with data is an object of one key. Map keys must be
//! strings (or numbers, booleans and chars, written as strings), as `to_value` requires; two
//! equal keys keep the last value, as its map does.

use serde::ser::{self, Serialize};
use std::borrow::Cow;
use std::fmt::Display;
use std::ops::Range;

/// Why a value has no canonical text (a map key that is not a string, a number beyond i64/u64).
#[derive(Debug)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// The canonical text of `value`.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(512);
    value.serialize(Canon { out: &mut out })?;
    Ok(out)
}

/// A scalar as serde_json writes it (into a `Vec`, which cannot fail).
fn scalar<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) -> Result<(), Error> {
    serde_json::to_writer(out, v).map_err(|e| Error(e.to_string()))
}

struct Canon<'a> {
    out: &'a mut Vec<u8>,
}

/// An object being written: each member's text goes into `buf`, and the members are sorted by
/// key when it ends. One buffer per object, not one per member.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    buf: Vec<u8>,
    members: Vec<(Cow<'static, str>, Range<usize>)>,
    /// The key given by `serialize_key`, waiting for its value.
    pending: Option<Cow<'static, str>>,
    /// A variant's name wrapping the object (`{"Variant":{…}}`), for struct variants.
    variant: Option<&'static str>,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>, len: Option<usize>, variant: Option<&'static str>) -> Self {
        Object {
            out,
            buf: Vec::with_capacity(64 * len.unwrap_or(4)),
            members: Vec::with_capacity(len.unwrap_or(4)),
            pending: None,
            variant,
        }
    }

    fn member<T: Serialize + ?Sized>(
        &mut self,
        key: Cow<'static, str>,
        value: &T,
    ) -> Result<(), Error> {
        let start = self.buf.len();
        value.serialize(Canon { out: &mut self.buf })?;
        self.members.push((key, start..self.buf.len()));
        Ok(())
    }

    fn finish(mut self) -> Result<(), Error> {
        // Stable: of two equal keys the later stays last, and is the one kept below.
        self.members
            .sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        if let Some(v) = self.variant {
            self.out.push(b'{');
            scalar(self.out, v)?;
            self.out.push(b':');
        }
        self.out.push(b'{');
        let mut first = true;
        for (i, (key, range)) in self.members.iter().enumerate() {
            if self.members.get(i + 1).is_some_and(|next| next.0 == *key) {
                continue;
            }
            if !first {
                self.out.push(b',');
            }
            first = false;
            scalar(self.out, key.as_ref())?;
            self.out.push(b':');
            self.out.extend_from_slice(&self.buf[range.clone()]);
        }
        self.out.push(b'}');
        if self.variant.is_some() {
            self.out.push(b'}');
        }
        Ok(())
    }
}

/// An array being written; `close` is `]` or `]}` (a tuple variant's array in its object).
struct Array<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    close: &'static [u8],
}

impl<'a> Array<'a> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        value.serialize(Canon { out: self.out })
    }

    fn finish(self) -> Result<(), Error> {
        self.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl<'a> ser::Serializer for Canon<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Array<'a>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Object<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        // As `to_value`: a number only within u64/i64.
        match (u64::try_from(v), i64::try_from(v)) {
            (Ok(u), _) => scalar(self.out, &u),
            (_, Ok(i)) => scalar(self.out, &i),
            _ => Err(Error("number out of range".into())),
        }
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        match u64::try_from(v) {
            Ok(u) => scalar(self.out, &u),
            Err(_) => Err(Error("number out of range".into())),
        }
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        // `to_value` widens an f32 to f64 and writes that (0.1f32 is 0.10000000149011612).
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // Non-finite: `null` either way.
        scalar(self.out, &v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        scalar(self.out, v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        scalar(self.out, v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        scalar(self.out, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        scalar(self.out, variant)?;
        self.out.push(b':');
        v.serialize(Canon { out: self.out })?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'a>, Error> {
        self.out.push(b'[');
        Ok(Array {
            out: self.out,
            first: true,
            close: b"]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Array<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Array<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Array<'a>, Error> {
        self.out.push(b'{');
        scalar(self.out, variant)?;
        self.out.extend_from_slice(b":[");
        Ok(Array {
            out: self.out,
            first: true,
            close: b"]}",
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Object<'a>, Error> {
        Ok(Object::new(self.out, len, None))
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Object<'a>, Error> {
        Ok(Object::new(self.out, Some(len), None))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Object<'a>, Error> {
        Ok(Object::new(self.out, Some(len), Some(variant)))
    }
}

macro_rules! array_impl {
    ($($t:ident :: $m:ident),*) => {$(
        impl ser::$t for Array<'_> {
            type Ok = ();
            type Error = Error;
            fn $m<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
                self.element(v)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        }
    )*};
}
array_impl!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.pending = Some(Cow::Owned(key.serialize(KeyText)?));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .pending
            .take()
            .ok_or_else(|| Error("a map value without its key".into()))?;
        self.member(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStruct for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.member(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.member(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// A map key as `to_value` takes it: a string, or a number, boolean or char written as one.
struct KeyText;

fn not_a_key<T>() -> Result<T, Error> {
    Err(Error("key must be a string".into()))
}

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = ser::Impossible<String, Error>;
    type SerializeTuple = ser::Impossible<String, Error>;
    type SerializeTupleStruct = ser::Impossible<String, Error>;
    type SerializeTupleVariant = ser::Impossible<String, Error>;
    type SerializeMap = ser::Impossible<String, Error>;
    type SerializeStruct = ser::Impossible<String, Error>;
    type SerializeStructVariant = ser::Impossible<String, Error>;

    fn serialize_str(self, v: &str) -> Result<String, Error> {
        Ok(v.to_owned())
    }
    fn serialize_char(self, v: char) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_bool(self, v: bool) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, Error> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<String, Error> {
        v.serialize(self)
    }
    fn serialize_f32(self, _: f32) -> Result<String, Error> {
        not_a_key()
    }
    fn serialize_f64(self, _: f64) -> Result<String, Error> {
        not_a_key()
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Error> {
        not_a_key()
    }
    fn serialize_none(self) -> Result<String, Error> {
        not_a_key()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, Error> {
        not_a_key()
    }
    fn serialize_unit(self) -> Result<String, Error> {
        not_a_key()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, Error> {
        not_a_key()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Error> {
        not_a_key()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        not_a_key()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        not_a_key()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        not_a_key()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        not_a_key()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        not_a_key()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        not_a_key()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        not_a_key()
    }
}

#[cfg(test)]
mod tests {
    use super::to_vec;
    use crate::domain::order::value_canonical_text;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn same_as_the_value_walk<T: serde::Serialize>(v: &T) {
        let tree = serde_json::to_value(v).unwrap();
        let direct = String::from_utf8(to_vec(v).unwrap()).unwrap();
        let walked = String::from_utf8(value_canonical_text(&tree)).unwrap();
        assert_eq!(direct, walked);
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "\\PC{0,8}".prop_map(Value::from),
            "[\\x00-\\x1f\"\\\\é中]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z_é]{0,5}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Any JSON value (through `Value`'s own `Serialize`, maps included) comes out as the
        /// `Value` walk writes it.
        #[test]
        fn any_value_is_written_as_the_value_walk_writes_it(v in any_json()) {
            same_as_the_value_walk(&v);
        }
    }

    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Shapes {
        zeta: Option<String>,
        alpha: u8,
        f: f32,
        g: f64,
        nan: f64,
        bytes: serde_bytes_like::Bytes,
        unit: (),
        list: Vec<Shape>,
        map: std::collections::BTreeMap<i32, bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        #[serde(flatten)]
        flat: std::collections::HashMap<String, i64>,
        big: i128,
        ch: char,
        decimal: rust_decimal::Decimal,
    }

    #[derive(serde::Serialize)]
    enum Shape {
        Unit,
        New(u8),
        Tuple(u8, String),
        Struct { b: u8, a: Option<u8> },
    }

    mod serde_bytes_like {
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }

    /// Every kind of serde call, as `to_value` makes it.
    #[test]
    fn every_serde_shape_is_written_as_to_value_makes_it() {
        let v = Shapes {
            zeta: None,
            alpha: 7,
            f: 0.1,
            g: 2.5e-7,
            nan: f64::NAN,
            bytes: serde_bytes_like::Bytes(vec![0, 255]),
            unit: (),
            list: vec![
                Shape::Unit,
                Shape::New(1),
                Shape::Tuple(2, "x\"".into()),
                Shape::Struct { b: 3, a: None },
            ],
            map: [(10, true), (-2, false), (3, true)].into_iter().collect(),
            skipped: None,
            flat: [("zz".to_string(), 1), ("aa".to_string(), 2)]
                .into_iter()
                .collect(),
            big: -5,
            ch: '中',
            decimal: rust_decimal::Decimal::new(12_345, 3),
        };
        same_as_the_value_walk(&v);
    }

    /// The fingerprints of orders stored before stay valid (the value pinned in
    /// `order::fingerprint_tests`).
    #[test]
    fn the_pinned_text_hashes_as_before() {
        let v = json!({"b": {"y": "z\"\n中", "x": [1, 2.5, null, true]}, "a": 1, "é": "x\u{1}"});
        assert_eq!(
            crate::domain::order::fingerprint_of_text(&to_vec(&v).unwrap()),
            "f80fb5ed50c69a2da18be4876d247f62e7b213fb9e4c4790133caead7fe42a35"
        );
    }

    /// The orders whose content is stored and fingerprinted, filled and empty.
    #[test]
    fn orders_are_written_as_their_value_trees_are() {
        use crate::domain::order::{Address, OrderLine, TransportOrder, WarehouseOrder};
        let address = Address {
            name: "王五".into(),
            phone: "13800000000".into(),
            province_name: "浙江省".into(),
            city_name: "杭州市".into(),
            address: "西湖区 \"1\" 号\n".into(),
            lng: Some(120.153_576),
            lat: None,
            ..Default::default()
        };
        let line = |n: &str| OrderLine {
            line_no: n.into(),
            item_code: "SKU-1".into(),
            plan_qty: 3,
            inventory_type: "ZP".into(),
            batch_code: Some("B1".into()),
            product_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 2),
            expire_date: None,
            produce_code: None,
            price: Some(rust_decimal::Decimal::new(1_990, 2)),
            remark: Some("\u{1}易碎".into()),
        };
        let mut order = WarehouseOrder {
            order_code: "OUT-1".into(),
            receiver: Some(address.clone()),
            cod_amount: Some(rust_decimal::Decimal::new(5, 1)),
            lines: vec![line("1"), line("2")],
            ..Default::default()
        };
        order.extend_props.insert("z".into(), "1".into());
        order.extend_props.insert("A".into(), "2".into());
        same_as_the_value_walk(&order);
        same_as_the_value_walk(&WarehouseOrder::default());
        same_as_the_value_walk(&TransportOrder {
            order_code: "TM-1".into(),
            consigner: Some(address),
            ..Default::default()
        });
        same_as_the_value_walk(&TransportOrder::default());
    }

    #[test]
    fn a_key_that_is_not_a_string_is_refused_as_to_value_refuses_it() {
        let m: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into_iter().collect();
        assert!(serde_json::to_value(&m).is_err());
        assert!(to_vec(&m).is_err());
    }
}
