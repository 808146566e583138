//! Property-based fuzzing (bounded, part of the test command): the envelope parser, the
//! signature check and every DTO conversion take arbitrary input without panicking, and every
//! rejection is a §2 code.

use hongxun_gateway::auth::signature::{verify, SignInput, SignMethod};
use hongxun_gateway::dialect::hongxun::base_data::{
    ConsigneeSyncRequest, DimensionSyncRequest, InventoryOrgRequest, ProductSyncRequest,
};
use hongxun_gateway::dialect::hongxun::carrier::RouteRequest;
use hongxun_gateway::dialect::hongxun::device::DwsRequest;
use hongxun_gateway::dialect::hongxun::envelope;
use hongxun_gateway::dialect::hongxun::error::{ApiError, Code};
use hongxun_gateway::dialect::hongxun::order_extras::{LpnRequest, SerialCodesRequest};
use hongxun_gateway::dialect::hongxun::orders::{
    InOrderRequest, OutOrderRequest, PropertyOrderRequest, TransportOrderRequest,
};
use hongxun_gateway::domain::hygiene;
use hongxun_gateway::http::json_input;
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

/// Reads like the extractor does (every type error, then the text hygiene check), then
/// validates; must not panic. Returns whether the input reached validation.
fn exercise<T: serde::de::DeserializeOwned + serde::Serialize>(
    v: &Value,
    validate: impl FnOnce(T) -> bool,
) -> bool {
    let text = v.to_string();
    match json_input::read::<T>(&text, "request") {
        Ok(dto) if hygiene::check(&dto, "request").is_empty() => {
            let _ = validate(dto);
            true
        }
        Ok(_) => false,
        Err(e) => {
            assert!(!e.is_empty(), "a refused read names its errors");
            false
        }
    }
}

/// Every DTO conversion on `CASES` generated values; each DTO must reach validation in at
/// least `MIN_SHARE` of them, or the fuzzing would only exercise the type checks.
#[test]
fn every_dto_conversion_takes_any_json() {
    const CASES: u32 = 1500;
    const MIN_SHARE: f64 = 0.05;
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: CASES,
        ..ProptestConfig::default()
    });
    let mut reached = [0u32; 12];
    let names = [
        "InventoryOrg",
        "ProductSync",
        "ConsigneeSync",
        "DimensionSync",
        "InOrder",
        "OutOrder",
        "PropertyOrder",
        "TransportOrder",
        "Lpn",
        "SerialCodes",
        "Route",
        "Dws",
    ];
    let counts = std::cell::RefCell::new(&mut reached);
    runner
        .run(&dto_input(), |v| {
            let hits = [
                exercise::<InventoryOrgRequest>(&v, |d| d.validate().is_ok()),
                exercise::<ProductSyncRequest>(&v, |d| d.validate().is_ok()),
                exercise::<ConsigneeSyncRequest>(&v, |d| d.validate().is_ok()),
                exercise::<DimensionSyncRequest>(&v, |d| d.validate().is_ok()),
                exercise::<InOrderRequest>(&v, |d| d.validate().is_ok()),
                exercise::<OutOrderRequest>(&v, |d| d.validate().is_ok()),
                exercise::<PropertyOrderRequest>(&v, |d| d.validate().is_ok()),
                exercise::<TransportOrderRequest>(&v, |d| d.validate().is_ok()),
                exercise::<LpnRequest>(&v, |d| d.validate().is_ok()),
                exercise::<SerialCodesRequest>(&v, |d| d.validate().is_ok()),
                exercise::<RouteRequest>(&v, |d| d.validate().is_ok()),
                exercise::<DwsRequest>(&v, |d| d.validate().is_ok()),
            ];
            for (c, hit) in counts.borrow_mut().iter_mut().zip(hits) {
                *c += u32::from(hit);
            }
            Ok(())
        })
        .unwrap();
    for (name, n) in names.iter().zip(reached) {
        let share = f64::from(n) / f64::from(CASES);
        println!("{name}: {n} of {CASES} cases reached validation");
        assert!(
            share >= MIN_SHARE,
            "{name}: only {n} of {CASES} cases reached validation"
        );
    }
}

/// Objects whose members are mostly of the right JSON type for the DTO fields of that name,
/// with a share of wrong types and hostile text, so that many reach validation.
fn dto_input() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        4 => prop_oneof![
            Just("WH01".to_string()),
            Just(" WH01".to_string()),
            Just("2026-11-25 10:00:00".to_string()),
            Just("2026-1-5 1:2:3".to_string()),
            Just("2026-02-30".to_string()),
            Just("ZP".to_string()),
            Just("JYCK".to_string()),
            Just("CGRK".to_string()),
            Just("SIGNED".to_string()),
            Just("LSVAU2180N2183294".to_string()),
            Just("长".repeat(300)),
        ],
        2 => "\\PC{0,40}",
        1 => "[\\x00-\\x1f\\x7f-\\u{9f}]{1,5}",
    ]
    .prop_map(Value::String);
    let number = prop_oneof![
        any::<i64>().prop_map(Value::from),
        (-5i64..20).prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
    ];
    let anything = leaf().boxed();
    let value_of = move |key: &str| -> BoxedStrategy<Value> {
        match key {
            "planQty" | "qty" | "quantity" | "shelfLifeDays" | "length" | "grossWeight"
            | "price" | "weight" | "lng" | "lat" => {
                prop_oneof![5 => number.clone(), 1 => anything.clone()].boxed()
            }
            "allowBackorder" => any::<bool>().prop_map(Value::Bool).boxed(),
            "extendProps" => prop::collection::btree_map("\\PC{0,8}", text.clone(), 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect()))
                .boxed(),
            _ => prop_oneof![5 => text.clone(), 1 => anything.clone()].boxed(),
        }
    };
    let object = move |depth: u32| -> BoxedStrategy<Value> {
        let fields = prop::collection::vec(prop::sample::select(KEYS), 0..10);
        let value_of = value_of.clone();
        fields
            .prop_flat_map(move |keys| {
                let parts: Vec<BoxedStrategy<(String, Value)>> = keys
                    .into_iter()
                    .map(|k| value_of(k).prop_map(move |v| (k.to_string(), v)).boxed())
                    .collect();
                parts
            })
            .prop_map(move |kv| Value::Object(kv.into_iter().collect::<Map<_, _>>()))
            .boxed()
            .prop_recursive(depth, 64, 4, |inner| inner)
            .boxed()
    };
    let line = object(0);
    (object(0), prop::collection::vec(line, 0..4)).prop_map(|(mut top, lines)| {
        // The list members every request has, filled with objects of the same kind.
        for key in [
            "items",
            "products",
            "consignees",
            "lpns",
            "routes",
            "scans",
            "cargoList",
            "vehicles",
        ] {
            if top.get(key).is_some_and(|v| v.is_string()) {
                top[key] = Value::Array(lines.clone());
            }
        }
        if let Some(items) = top.get_mut("items").and_then(Value::as_array_mut) {
            for l in items.iter_mut().filter(|l| l.is_object()) {
                l["lineNo"] = Value::from("1");
            }
        }
        top
    })
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
    fn signature_checks_take_any_strings(a in "\\PC{0,30}", b in "\\PC{0,30}", t in "\\PC{0,30}", r in "\\PC{0,200}", s in "\\PC{0,70}", m in prop::option::of("\\PC{0,12}")) {
        let input = SignInput { create_by: &a, data_source: &b, timestamp: &t, sign_method: m.as_deref(), request: &r };
        let method = SignMethod::parse(m.as_deref()).unwrap_or(SignMethod::Md5);
        let _ = verify(method, "secret", &input, &s);
    }
}
