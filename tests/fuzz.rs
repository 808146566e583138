//! Property-based fuzzing (bounded, part of the test command): the envelope parser, the
//! signature check and every DTO conversion take arbitrary input without panicking, and every
//! rejection is a §2 code.

use hongxun_gateway::api::base_data::{
    ConsigneeSyncRequest, DimensionSyncRequest, InventoryOrgRequest, ProductSyncRequest,
};
use hongxun_gateway::api::carrier::RouteRequest;
use hongxun_gateway::api::device::DwsRequest;
use hongxun_gateway::api::envelope;
use hongxun_gateway::api::error::{ApiError, Code};
use hongxun_gateway::api::order_extras::{LpnRequest, SerialCodesRequest};
use hongxun_gateway::api::orders::{
    InOrderRequest, OutOrderRequest, PropertyOrderRequest, TransportOrderRequest,
};
use hongxun_gateway::auth::signature::{verify, SignInput, SignMethod};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Field names the DTOs know, so generated objects reach deep into them.
const KEYS: &[&str] = &[
    "inventoryCode",
    "inventoryName",
    "subbaseCode",
    "subbaseName",
    "contact",
    "phone",
    "address",
    "products",
    "itemCode",
    "itemName",
    "length",
    "grossWeight",
    "price",
    "shelfLifeDays",
    "status",
    "consignees",
    "consigneeCode",
    "name",
    "provinceName",
    "cityName",
    "items",
    "orderCode",
    "orderType",
    "lineNo",
    "planQty",
    "inventoryType",
    "batchCode",
    "productDate",
    "expireDate",
    "receiver",
    "toSubbaseCode",
    "consigner",
    "consignee",
    "pickupTime",
    "cargoList",
    "quantity",
    "vehicles",
    "vin",
    "lpns",
    "lpnCode",
    "qty",
    "snCodes",
    "waybillNo",
    "routes",
    "nodeType",
    "nodeTime",
    "description",
    "lng",
    "lat",
    "deviceCode",
    "scans",
    "barcode",
    "weight",
    "scanTime",
    "allowBackorder",
    "extendProps",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        prop_oneof![
            Just("".to_string()),
            Just(" WH01".to_string()),
            Just("2026-11-25 10:00:00".to_string()),
            Just("2026-02-30".to_string()),
            Just("ZP".to_string()),
            Just("JYCK".to_string()),
            Just("SIGNED".to_string()),
            Just("LSVAU2180N2183294".to_string()),
            Just("长".repeat(300)),
            "\\PC{0,40}",
            "[\\x00-\\x1f]{1,5}",
        ]
        .prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// Deserialises like the extractor does, then validates; must not panic.
fn exercise<T: serde::de::DeserializeOwned>(v: &Value, validate: impl FnOnce(T) -> bool) {
    let text = v.to_string();
    let de = &mut serde_json::Deserializer::from_str(&text);
    if let Ok(dto) = serde_path_to_error::deserialize::<_, T>(de) {
        let _ = validate(dto);
    }
}

const SECTION_2: &[Code] = &[Code::BadRequest, Code::MissingField];

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn the_envelope_parser_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Err(ApiError { code, .. }) = envelope::parse(&bytes) {
            prop_assert!(SECTION_2.contains(&code), "{code:?}");
        }
    }

    #[test]
    fn the_envelope_parser_takes_any_json(v in json_value(), req in json_value()) {
        let mut obj = match v { Value::Object(m) => m, other => { let mut m = Map::new(); m.insert("x".into(), other); m } };
        obj.insert("request".into(), req);
        obj.insert("createBy".into(), "C".into());
        obj.insert("dataSource".into(), "D".into());
        let body = Value::Object(obj).to_string();
        match envelope::parse(body.as_bytes()) {
            Ok(env) => prop_assert!(env.request.get().starts_with('{'), "request must be an object"),
            Err(ApiError { code, .. }) => prop_assert!(SECTION_2.contains(&code), "{code:?}"),
        }
    }

    #[test]
    fn every_dto_conversion_takes_any_json(v in json_value()) {
        exercise::<InventoryOrgRequest>(&v, |d| d.validate().is_ok());
        exercise::<ProductSyncRequest>(&v, |d| d.validate().is_ok());
        exercise::<ConsigneeSyncRequest>(&v, |d| d.validate().is_ok());
        exercise::<DimensionSyncRequest>(&v, |d| d.validate().is_ok());
        exercise::<InOrderRequest>(&v, |d| d.validate().is_ok());
        exercise::<OutOrderRequest>(&v, |d| d.validate().is_ok());
        exercise::<PropertyOrderRequest>(&v, |d| d.validate().is_ok());
        exercise::<TransportOrderRequest>(&v, |d| d.validate().is_ok());
        exercise::<LpnRequest>(&v, |d| d.validate().is_ok());
        exercise::<SerialCodesRequest>(&v, |d| d.validate().is_ok());
        exercise::<RouteRequest>(&v, |d| d.validate().is_ok());
        exercise::<DwsRequest>(&v, |d| d.validate().is_ok());
    }

    #[test]
    fn signature_checks_take_any_strings(a in "\\PC{0,30}", b in "\\PC{0,30}", t in "\\PC{0,30}", r in "\\PC{0,200}", s in "\\PC{0,70}", m in prop::option::of("\\PC{0,12}")) {
        let input = SignInput { create_by: &a, data_source: &b, timestamp: &t, sign_method: m.as_deref(), request: &r };
        let method = SignMethod::parse(m.as_deref()).unwrap_or(SignMethod::Md5);
        let _ = verify(method, "secret", &input, &s);
    }
}
