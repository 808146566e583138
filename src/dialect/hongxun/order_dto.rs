//! Shared pieces of the §5.2 order DTOs: the line, addresses, pages, and their checks.

use crate::domain::order::{Address, OrderLine, INVENTORY_TYPES};
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const MAX_LINES: usize = 500;

/// A line number as ERPs send it: a string or a whole number.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LineNo {
    Text(String),
    Number(u64),
}

impl LineNo {
    pub fn into_string(self) -> String {
        match self {
            LineNo::Text(s) => s,
            LineNo::Number(n) => n.to_string(),
        }
    }
}

/// One order line.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderLineDto {
    /// Unique within the order.
    #[schema(value_type = String, example = "1")]
    pub line_no: Option<LineNo>,
    #[schema(example = "SKU-001")]
    pub item_code: Option<String>,
    /// Pieces, > 0.
    #[schema(example = 5)]
    pub plan_qty: Option<i64>,
    /// ZP (正品, default) or CC (残次).
    pub inventory_type: Option<String>,
    /// Pins stock of this batch (outbound/property); the received batch (inbound).
    pub batch_code: Option<String>,
    /// yyyy-MM-dd
    pub product_date: Option<String>,
    /// yyyy-MM-dd
    pub expire_date: Option<String>,
    pub produce_code: Option<String>,
    pub price: Option<f64>,
    pub remark: Option<String>,
}

pub use crate::domain::time::{date, time};

/// A quantity: a whole number of pieces, > 0.
pub fn qty(n: i64) -> Result<i64, String> {
    if n <= 0 {
        Err(format!("must be a positive integer (got {n})"))
    } else if n > 1_000_000_000 {
        Err("must be at most 1000000000".into())
    } else {
        Ok(n)
    }
}

/// Checks a list's presence and size; records the error at `path`.
pub fn list<T>(
    e: &mut FieldErrors,
    path: &str,
    v: Option<Vec<T>>,
    min: usize,
    max: usize,
) -> Vec<T> {
    match v {
        None => {
            e.missing(path);
            Vec::new()
        }
        Some(v) => {
            if let Err(r) = rules::count(&v, min, max) {
                e.invalid(path, r);
            }
            v
        }
    }
}

/// Validates the lines of a warehouse order at `request.items`.
pub fn lines(e: &mut FieldErrors, items: Option<Vec<OrderLineDto>>) -> Vec<OrderLine> {
    let items = list(e, "request.items", items, 1, MAX_LINES);
    let mut out = Vec::with_capacity(items.len());
    let mut seen = std::collections::HashMap::new();
    for (i, l) in items.into_iter().enumerate() {
        let p = |f: &'static str| LazyPath(move || format!("request.items[{i}].{f}"));
        let line_no = e.required(p("lineNo"), l.line_no.map(LineNo::into_string), rules::code);
        if let Some(n) = &line_no {
            if let Some(first) = seen.insert(n.clone(), i) {
                e.invalid(
                    p("lineNo"),
                    format!("duplicates request.items[{first}].lineNo"),
                );
            }
        }
        let item_code = e.required(p("itemCode"), l.item_code, rules::code);
        let plan_qty = e.required(p("planQty"), l.plan_qty, qty);
        let inventory_type = e
            .optional(
                p("inventoryType"),
                l.inventory_type,
                rules::one_of(INVENTORY_TYPES),
            )
            .unwrap_or_else(|| "ZP".into());
        let batch_code = e.optional(p("batchCode"), l.batch_code, rules::code);
        let product_date = e.optional(p("productDate"), l.product_date, date);
        let expire_date = e.optional(p("expireDate"), l.expire_date, date);
        if let Err(m) = rules::dates_in_order(product_date, expire_date) {
            e.invalid(p("expireDate"), m);
        }
        let produce_code = e.optional(p("produceCode"), l.produce_code, rules::code);
        let price = e.optional(p("price"), l.price, rules::money);
        let remark = e.optional(p("remark"), l.remark, rules::remark);
        if let (Some(line_no), Some(item_code), Some(plan_qty)) = (line_no, item_code, plan_qty) {
            out.push(OrderLine {
                line_no,
                item_code,
                plan_qty,
                inventory_type,
                batch_code,
                product_date,
                expire_date,
                produce_code,
                price,
                remark,
            });
        }
    }
    out
}

/// A postal address with a contact: receivers, consigners, consignees of transport orders.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressDto {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub country_name: Option<String>,
    pub province_name: Option<String>,
    pub city_name: Option<String>,
    pub area_name: Option<String>,
    pub street_name: Option<String>,
    pub address: Option<String>,
    pub post_code: Option<String>,
    /// Longitude, −180…180.
    pub lng: Option<f64>,
    /// Latitude, −90…90.
    pub lat: Option<f64>,
}

fn coordinate(limit: f64) -> impl Fn(f64) -> Result<f64, String> {
    move |x| {
        if x.is_finite() && x.abs() <= limit {
            Ok(x)
        } else {
            Err(format!("must be between -{limit} and {limit}"))
        }
    }
}

impl AddressDto {
    /// Checks the address at `at`: name, phone, province, city and address required.
    pub fn check(self, e: &mut FieldErrors, at: &str) -> Option<Address> {
        let p = |f: &'static str| LazyPath(move || format!("{at}.{f}"));
        let name = e.required(p("name"), self.name, rules::name);
        let phone = e.required(p("phone"), self.phone, rules::phone);
        let province_name = e.required(p("provinceName"), self.province_name, rules::name);
        let city_name = e.required(p("cityName"), self.city_name, rules::name);
        let address = e.required(p("address"), self.address, rules::name);
        let country_name = e.optional(p("countryName"), self.country_name, rules::opt_name);
        let area_name = e.optional(p("areaName"), self.area_name, rules::opt_name);
        let street_name = e.optional(p("streetName"), self.street_name, rules::opt_name);
        let post_code = e.optional(p("postCode"), self.post_code, rules::code);
        let lng = e.optional(p("lng"), self.lng, coordinate(180.0));
        let lat = e.optional(p("lat"), self.lat, coordinate(90.0));
        Some(Address {
            name: name?,
            phone: phone?,
            country_name,
            province_name: province_name?,
            city_name: city_name?,
            area_name,
            street_name,
            address: address?,
            post_code,
            lng,
            lat,
        })
    }
}

/// `extendProps`: kept and echoed; keys are codes, values free text.
pub fn extend_props(
    e: &mut FieldErrors,
    at: &str,
    props: Option<std::collections::HashMap<String, String>>,
) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for (k, v) in props.unwrap_or_default() {
        let key = e.required(format!("{at} (a key)"), Some(k), rules::code);
        let value = e.optional(
            format!("{at}.{}", key.as_deref().unwrap_or("?")),
            Some(v),
            rules::remark,
        );
        if let (Some(k), Some(v)) = (key, value) {
            out.insert(k, v);
        }
    }
    out
}

/// Page number and size: pageNo ≥ 1 (default 1), pageSize 1–100 (default 50).
pub fn page(e: &mut FieldErrors, page_no: Option<i64>, page_size: Option<i64>) -> (i64, i64) {
    let no = e
        .optional("request.pageNo", page_no, |n| {
            if (1..=1_000_000).contains(&n) {
                Ok(n)
            } else {
                Err(format!("must be between 1 and 1000000 (got {n})"))
            }
        })
        .unwrap_or(1);
    let size = e
        .optional("request.pageSize", page_size, |n| {
            if (1..=100).contains(&n) {
                Ok(n)
            } else {
                Err(format!("must be between 1 and 100 (got {n})"))
            }
        })
        .unwrap_or(50);
    (no, size)
}
