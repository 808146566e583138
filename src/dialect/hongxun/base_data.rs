//! §5.1 客户基础信息接口: the four base-data sync endpoints, their DTOs and their
//! conversion into validated domain values.

use super::envelope::SignedRequest;
use super::error::ApiError;
use super::response::{ApiOk, ResponseEnvelope};
use super::signed::{Endpoint, Signed};
use crate::domain::base_data::{
    duplicate_keys, Address, Consignee, DimensionUpdate, Dimensions, InventoryOrg, Product,
    UpsertCounts, PRODUCT_STATUSES,
};
use crate::domain::client::ClientKind;
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use crate::service;
use crate::state::AppState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub const MAX_RECORDS: usize = 100;
const CUSTOMERS: &[ClientKind] = &[ClientKind::Customer];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(inventory_org))
        .routes(routes!(product))
        .routes(routes!(consignee))
        .routes(routes!(product_dimension))
}

/// Joins codes for the audit log's business key, kept short.
fn key_of<'a>(codes: impl Iterator<Item = Option<&'a String>>) -> Option<String> {
    let mut out = String::new();
    for c in codes.flatten() {
        if out.len() + c.len() > 200 {
            out.push_str(",…");
            break;
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(c);
    }
    (!out.is_empty()).then_some(out)
}

fn counts_value(c: UpsertCounts) -> Option<serde_json::Value> {
    Some(json!({"created": c.created, "updated": c.updated, "unchanged": c.unchanged}))
}

// ---------------------------------------------------------------- 库存组织同步

/// 库存组织: a warehouse and owner pair, exactly as the 鸿讯 document gives it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InventoryOrgRequest {
    /// Warehouse code (客户库存地代码).
    #[schema(example = "WH01")]
    pub inventory_code: Option<String>,
    /// Warehouse name.
    pub inventory_name: Option<String>,
    /// Owner code (客户子库代码 / 货主编码).
    #[schema(example = "OW01")]
    pub subbase_code: Option<String>,
    /// Owner name.
    pub subbase_name: Option<String>,
    pub contact: Option<String>,
    pub phone: Option<String>,
    pub create_user_name: Option<String>,
    pub country_name: Option<String>,
    pub province_name: Option<String>,
    pub city_name: Option<String>,
    pub area_name: Option<String>,
    pub street_name: Option<String>,
    pub address: Option<String>,
}

impl Endpoint for InventoryOrgRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        Some(format!(
            "{}/{}",
            self.inventory_code.as_deref().unwrap_or(""),
            self.subbase_code.as_deref().unwrap_or("")
        ))
    }
}

impl InventoryOrgRequest {
    pub fn validate(self) -> Result<InventoryOrg, FieldErrors> {
        let mut e = FieldErrors::default();
        let p = |f: &'static str| LazyPath(move || format!("request.{f}"));
        let inventory_code = e.required(p("inventoryCode"), self.inventory_code, rules::code);
        let inventory_name = e.required(p("inventoryName"), self.inventory_name, rules::name);
        let subbase_code = e.required(p("subbaseCode"), self.subbase_code, rules::code);
        let subbase_name = e.required(p("subbaseName"), self.subbase_name, rules::name);
        let contact = e.required(p("contact"), self.contact, rules::name);
        let phone = e.required(p("phone"), self.phone, rules::phone);
        let create_user_name =
            e.optional(p("createUserName"), self.create_user_name, rules::opt_name);
        let address = Address {
            country_name: e.optional(p("countryName"), self.country_name, rules::opt_name),
            province_name: e.optional(p("provinceName"), self.province_name, rules::opt_name),
            city_name: e.optional(p("cityName"), self.city_name, rules::opt_name),
            area_name: e.optional(p("areaName"), self.area_name, rules::opt_name),
            street_name: e.optional(p("streetName"), self.street_name, rules::opt_name),
            address: e.optional(p("address"), self.address, rules::opt_name),
        };
        let org = match (
            inventory_code,
            inventory_name,
            subbase_code,
            subbase_name,
            contact,
            phone,
        ) {
            (Some(ic), Some(iname), Some(sc), Some(sname), Some(contact), Some(phone)) => {
                Some(InventoryOrg {
                    inventory_code: ic,
                    inventory_name: iname,
                    subbase_code: sc,
                    subbase_name: sname,
                    contact,
                    phone,
                    create_user_name,
                    address,
                })
            }
            _ => None,
        };
        e.into_result(org)
    }
}

/// 库存组织同步: upsert one warehouse/owner pair keyed by (inventoryCode, subbaseCode).
#[utoipa::path(post, path = "/dtc/base/inventoryOrg", tag = "base data",
    request_body = SignedRequest<InventoryOrgRequest>,
    responses((status = 200, description = "synced; no value", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn inventory_org(
    State(app): State<AppState>,
    req: Signed<InventoryOrgRequest>,
) -> Result<ApiOk, ApiError> {
    let org = req.body.validate()?;
    let call = &req.call;
    let out =
        service::base_data::sync_inventory_org(&app.db, call.replay_key(), &call.tenant(), &org)
            .await?;
    Ok(ApiOk::from_outcome(out, |_| None))
}

// ---------------------------------------------------------------- 产品同步

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductSyncRequest {
    /// 1–100 products; all or nothing.
    pub products: Option<Vec<ProductDto>>,
}

/// One product. Absent optional fields keep their stored value.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductDto {
    #[schema(example = "SKU-001")]
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    pub bar_code: Option<String>,
    pub specification: Option<String>,
    pub unit: Option<String>,
    pub category: Option<String>,
    pub brand: Option<String>,
    /// 0–36500 days.
    pub shelf_life_days: Option<i64>,
    pub batch_managed: Option<bool>,
    pub serial_managed: Option<bool>,
    /// cm, ≤ 2 decimals.
    pub length: Option<f64>,
    pub width: Option<f64>,
    pub height: Option<f64>,
    /// cm³, ≤ 3 decimals.
    pub volume: Option<f64>,
    /// kg, ≤ 3 decimals.
    pub gross_weight: Option<f64>,
    pub net_weight: Option<f64>,
    /// yuan, ≤ 2 decimals.
    pub price: Option<f64>,
    /// ENABLED (default for new products) or DISABLED.
    pub status: Option<String>,
    pub remark: Option<String>,
}

/// Dimension fields shared by products and dimension updates.
fn dimensions(
    e: &mut FieldErrors,
    at: &str,
    [length, width, height, volume, gross, net]: [Option<f64>; 6],
) -> Dimensions {
    // Paths are written only for an error (#21: a sync of 100 products formatted 1,700).
    let p = |f: &'static str| LazyPath(move || format!("{at}.{f}"));
    Dimensions {
        length_cm: e.optional(p("length"), length, rules::length),
        width_cm: e.optional(p("width"), width, rules::length),
        height_cm: e.optional(p("height"), height, rules::length),
        volume_cm3: e.optional(p("volume"), volume, rules::volume),
        gross_weight_kg: e.optional(p("grossWeight"), gross, rules::weight),
        net_weight_kg: e.optional(p("netWeight"), net, rules::weight),
    }
}

/// Checks a batch's size; records the error at `path` when it is out of range.
fn batch<T>(e: &mut FieldErrors, path: &str, list: Option<Vec<T>>) -> Vec<T> {
    match list {
        None => {
            e.missing(path);
            Vec::new()
        }
        Some(v) => {
            if let Err(r) = rules::count(&v, 1, MAX_RECORDS) {
                e.invalid(path, r);
            }
            v
        }
    }
}

/// Refuses a batch that names one code twice.
fn no_duplicates<'a>(
    e: &mut FieldErrors,
    at: &str,
    field: &str,
    keys: impl IntoIterator<Item = Option<&'a str>>,
) {
    for (i, first) in duplicate_keys(keys) {
        e.invalid(
            format!("{at}[{i}].{field}"),
            format!("duplicates {at}[{first}].{field}"),
        );
    }
}

impl ProductDto {
    fn validate(self, e: &mut FieldErrors, at: &str) -> Option<Product> {
        let p = |f: &'static str| LazyPath(move || format!("{at}.{f}"));
        let item_code = e.required(p("itemCode"), self.item_code, rules::code);
        let item_name = e.required(p("itemName"), self.item_name, rules::name);
        let dims = dimensions(
            e,
            at,
            [
                self.length,
                self.width,
                self.height,
                self.volume,
                self.gross_weight,
                self.net_weight,
            ],
        );
        let bar_code = e.optional(p("barCode"), self.bar_code, rules::code);
        let specification = e.optional(p("specification"), self.specification, rules::opt_name);
        let unit = e.optional(p("unit"), self.unit, rules::opt_name);
        let category = e.optional(p("category"), self.category, rules::opt_name);
        let brand = e.optional(p("brand"), self.brand, rules::opt_name);
        let shelf_life_days = e.optional(
            p("shelfLifeDays"),
            self.shelf_life_days,
            rules::int_range(0, 36_500),
        );
        let price = e.optional(p("price"), self.price, rules::money);
        let status = e.optional(p("status"), self.status, rules::one_of(PRODUCT_STATUSES));
        let remark = e.optional(p("remark"), self.remark, rules::remark);
        let product = Product {
            item_code: item_code?,
            item_name: item_name?,
            bar_code,
            specification,
            unit,
            category,
            brand,
            shelf_life_days,
            batch_managed: self.batch_managed,
            serial_managed: self.serial_managed,
            dimensions: dims,
            price,
            status,
            remark,
        };
        Some(product)
    }
}

impl ProductSyncRequest {
    pub fn validate(self) -> Result<Vec<Product>, FieldErrors> {
        let mut e = FieldErrors::default();
        let list = batch(&mut e, "request.products", self.products);
        no_duplicates(
            &mut e,
            "request.products",
            "itemCode",
            list.iter().map(|p| p.item_code.as_deref()),
        );
        let products: Vec<Option<Product>> = list
            .into_iter()
            .enumerate()
            .map(|(i, p)| p.validate(&mut e, &format!("request.products[{i}]")))
            .collect();
        e.into_result(products.into_iter().collect())
    }
}

impl Endpoint for ProductSyncRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        key_of(self.products.iter().flatten().map(|p| p.item_code.as_ref()))
    }
}

/// 产品同步: upsert 1–100 products by itemCode, all or nothing.
#[utoipa::path(post, path = "/dtc/base/product", tag = "base data",
    request_body = SignedRequest<ProductSyncRequest>,
    responses((status = 200, description = "value: {created, updated, unchanged}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn product(
    State(app): State<AppState>,
    req: Signed<ProductSyncRequest>,
) -> Result<ApiOk, ApiError> {
    let products = req.body.validate()?;
    let call = &req.call;
    let out = service::base_data::sync_products(
        &app.writes,
        call.replay_key(),
        &call.tenant(),
        &products,
    )
    .await?;
    Ok(ApiOk::from_outcome(out, counts_value))
}

// ---------------------------------------------------------------- 收货用户同步

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsigneeSyncRequest {
    /// 1–100 consignees; all or nothing.
    pub consignees: Option<Vec<ConsigneeDto>>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsigneeDto {
    pub consignee_code: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub contact: Option<String>,
    pub country_name: Option<String>,
    pub province_name: Option<String>,
    pub city_name: Option<String>,
    pub area_name: Option<String>,
    pub street_name: Option<String>,
    pub address: Option<String>,
    pub post_code: Option<String>,
    pub remark: Option<String>,
}

impl ConsigneeDto {
    fn validate(self, e: &mut FieldErrors, at: &str) -> Option<Consignee> {
        let p = |f: &'static str| LazyPath(move || format!("{at}.{f}"));
        let code = e.required(p("consigneeCode"), self.consignee_code, rules::code);
        let name = e.required(p("name"), self.name, rules::name);
        let phone = e.required(p("phone"), self.phone, rules::phone);
        let province = e.required(p("provinceName"), self.province_name, rules::name);
        let city = e.required(p("cityName"), self.city_name, rules::name);
        let address = e.required(p("address"), self.address, rules::name);
        let contact = e.optional(p("contact"), self.contact, rules::opt_name);
        let country_name = e.optional(p("countryName"), self.country_name, rules::opt_name);
        let area_name = e.optional(p("areaName"), self.area_name, rules::opt_name);
        let street_name = e.optional(p("streetName"), self.street_name, rules::opt_name);
        let post_code = e.optional(p("postCode"), self.post_code, rules::code);
        let remark = e.optional(p("remark"), self.remark, rules::remark);
        Some(Consignee {
            consignee_code: code?,
            name: name?,
            phone: phone?,
            contact,
            country_name,
            province_name: province?,
            city_name: city?,
            area_name,
            street_name,
            address: address?,
            post_code,
            remark,
        })
    }
}

impl ConsigneeSyncRequest {
    pub fn validate(self) -> Result<Vec<Consignee>, FieldErrors> {
        let mut e = FieldErrors::default();
        let list = batch(&mut e, "request.consignees", self.consignees);
        no_duplicates(
            &mut e,
            "request.consignees",
            "consigneeCode",
            list.iter().map(|c| c.consignee_code.as_deref()),
        );
        let out: Vec<Option<Consignee>> = list
            .into_iter()
            .enumerate()
            .map(|(i, c)| c.validate(&mut e, &format!("request.consignees[{i}]")))
            .collect();
        e.into_result(out.into_iter().collect())
    }
}

impl Endpoint for ConsigneeSyncRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        key_of(
            self.consignees
                .iter()
                .flatten()
                .map(|c| c.consignee_code.as_ref()),
        )
    }
}

/// 收货用户同步: upsert 1–100 consignees by consigneeCode, all or nothing.
#[utoipa::path(post, path = "/dtc/base/consignee", tag = "base data",
    request_body = SignedRequest<ConsigneeSyncRequest>,
    responses((status = 200, description = "value: {created, updated, unchanged}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn consignee(
    State(app): State<AppState>,
    req: Signed<ConsigneeSyncRequest>,
) -> Result<ApiOk, ApiError> {
    let list = req.body.validate()?;
    let call = &req.call;
    let out =
        service::base_data::sync_consignees(&app.db, call.replay_key(), &call.tenant(), &list)
            .await?;
    Ok(ApiOk::from_outcome(out, counts_value))
}

// ---------------------------------------------------------------- 产品体积重量同步

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DimensionSyncRequest {
    /// 1–100 products, each already synced.
    pub items: Option<Vec<DimensionDto>>,
}

/// New dimensions of one product; at least one of them.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DimensionDto {
    pub item_code: Option<String>,
    pub length: Option<f64>,
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub volume: Option<f64>,
    pub gross_weight: Option<f64>,
    pub net_weight: Option<f64>,
}

impl DimensionSyncRequest {
    pub fn validate(self) -> Result<Vec<DimensionUpdate>, FieldErrors> {
        let mut e = FieldErrors::default();
        let list = batch(&mut e, "request.items", self.items);
        no_duplicates(
            &mut e,
            "request.items",
            "itemCode",
            list.iter().map(|d| d.item_code.as_deref()),
        );
        let mut out = Vec::with_capacity(list.len());
        for (i, d) in list.into_iter().enumerate() {
            let at = format!("request.items[{i}]");
            let code = e.required(format!("{at}.itemCode"), d.item_code, rules::code);
            let raw = [
                d.length,
                d.width,
                d.height,
                d.volume,
                d.gross_weight,
                d.net_weight,
            ];
            if raw.iter().all(Option::is_none) {
                e.missing_because(
                    at.clone(),
                    "needs at least one of length, width, height, volume, grossWeight, netWeight",
                );
            }
            let dims = dimensions(&mut e, &at, raw);
            out.push(code.map(|item_code| DimensionUpdate {
                item_code,
                dimensions: dims,
            }));
        }
        e.into_result(out.into_iter().collect())
    }
}

impl Endpoint for DimensionSyncRequest {
    const KINDS: &'static [ClientKind] = CUSTOMERS;
    const CHANGES_STATE: bool = true;
    fn business_key(&self) -> Option<String> {
        key_of(self.items.iter().flatten().map(|d| d.item_code.as_ref()))
    }
}

/// 产品体积重量同步: update only the given dimensions of synced products (3004 names unknown ones).
#[utoipa::path(post, path = "/dtc/base/productDimension", tag = "base data",
    request_body = SignedRequest<DimensionSyncRequest>,
    responses((status = 200, description = "value: {updated, unchanged}", body = ResponseEnvelope),
              (status = "4XX", description = "§2 error", body = ResponseEnvelope)))]
async fn product_dimension(
    State(app): State<AppState>,
    req: Signed<DimensionSyncRequest>,
) -> Result<ApiOk, ApiError> {
    let list = req.body.validate()?;
    let call = &req.call;
    let out =
        service::base_data::sync_dimensions(&app.db, call.replay_key(), &call.tenant(), &list)
            .await?;
    Ok(ApiOk::from_outcome(out, |c| {
        Some(json!({"updated": c.updated, "unchanged": c.unchanged}))
    }))
}
