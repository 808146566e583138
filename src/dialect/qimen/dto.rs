//! The payloads of the Qimen methods served, with Qimen's own member names. Every value is
//! text (XML has nothing else; JSON numbers are brought to text), checked where it is mapped.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

type Text = Option<String>;

/// A product of `singleitem.synchronize` / `items.synchronize`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemDto {
    pub item_code: Text,
    pub item_id: Text,
    pub item_name: Text,
    pub short_name: Text,
    pub bar_code: Text,
    pub sku_property: Text,
    pub stock_unit: Text,
    pub length: Text,
    pub width: Text,
    pub height: Text,
    pub volume: Text,
    pub gross_weight: Text,
    pub net_weight: Text,
    pub category_name: Text,
    pub brand_name: Text,
    /// 保质期, in hours.
    pub shelf_life: Text,
    #[serde(rename = "isSNMgmt")]
    pub is_sn_mgmt: Text,
    pub is_batch_mgmt: Text,
    pub retail_price: Text,
    pub is_valid: Text,
    pub remark: Text,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SingleItemSync {
    pub action_type: Text,
    pub warehouse_code: Text,
    pub owner_code: Text,
    pub supplier_code: Text,
    pub supplier_name: Text,
    pub item: Option<ItemDto>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemsSync {
    pub action_type: Text,
    pub warehouse_code: Text,
    pub owner_code: Text,
    pub items: Option<Vec<ItemDto>>,
}

/// A line of an entry, return, delivery or stock-out order.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLineDto {
    pub order_line_no: Text,
    pub source_order_code: Text,
    pub owner_code: Text,
    pub item_code: Text,
    pub item_id: Text,
    pub item_name: Text,
    pub plan_qty: Text,
    pub inventory_type: Text,
    pub batch_code: Text,
    pub product_date: Text,
    pub expire_date: Text,
    pub produce_code: Text,
    pub purchase_price: Text,
    pub retail_price: Text,
    pub actual_price: Text,
    pub remark: Text,
}

/// A person and address (`receiverInfo`, `senderInfo`).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactDto {
    pub company: Text,
    pub name: Text,
    pub zip_code: Text,
    pub tel: Text,
    pub mobile: Text,
    pub email: Text,
    pub country_code: Text,
    pub province: Text,
    pub city: Text,
    pub area: Text,
    pub town: Text,
    pub detail_address: Text,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryOrderDto {
    pub entry_order_code: Text,
    pub owner_code: Text,
    pub purchase_order_code: Text,
    pub warehouse_code: Text,
    pub order_create_time: Text,
    pub order_type: Text,
    pub expect_start_time: Text,
    pub expect_end_time: Text,
    pub logistics_code: Text,
    pub logistics_name: Text,
    pub express_code: Text,
    pub supplier_code: Text,
    pub supplier_name: Text,
    pub operator_name: Text,
    pub remark: Text,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryOrderCreate {
    pub entry_order: Option<EntryOrderDto>,
    pub order_lines: Option<Vec<OrderLineDto>>,
    pub extend_props: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnOrderDto {
    pub return_order_code: Text,
    pub warehouse_code: Text,
    pub order_type: Text,
    pub pre_delivery_order_code: Text,
    pub pre_delivery_order_id: Text,
    pub logistics_code: Text,
    pub logistics_name: Text,
    pub express_code: Text,
    pub return_reason: Text,
    pub buyer_nick: Text,
    pub sender_info: Option<ContactDto>,
    pub remark: Text,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnOrderCreate {
    pub return_order: Option<ReturnOrderDto>,
    pub order_lines: Option<Vec<OrderLineDto>>,
    pub extend_props: Option<BTreeMap<String, String>>,
}

/// The head of `deliveryorder.create` and of `stockout.create` (both `deliveryOrder`).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryOrderDto {
    pub delivery_order_code: Text,
    pub pre_delivery_order_code: Text,
    pub order_type: Text,
    pub warehouse_code: Text,
    pub owner_code: Text,
    pub source_platform_code: Text,
    pub source_platform_name: Text,
    pub create_time: Text,
    pub place_order_time: Text,
    pub schedule_date: Text,
    pub shop_nick: Text,
    pub seller_nick: Text,
    pub buyer_nick: Text,
    pub logistics_code: Text,
    pub logistics_name: Text,
    pub express_code: Text,
    pub supplier_code: Text,
    pub supplier_name: Text,
    pub buyer_message: Text,
    pub seller_message: Text,
    pub remark: Text,
    pub receiver_info: Option<ContactDto>,
    pub sender_info: Option<ContactDto>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryOrderCreate {
    pub delivery_order: Option<DeliveryOrderDto>,
    pub order_lines: Option<Vec<OrderLineDto>>,
    pub extend_props: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCancel {
    pub warehouse_code: Text,
    pub owner_code: Text,
    pub order_code: Text,
    pub order_id: Text,
    pub order_type: Text,
    pub cancel_reason: Text,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Criteria {
    pub warehouse_code: Text,
    pub owner_code: Text,
    pub item_code: Text,
    pub item_id: Text,
    pub inventory_type: Text,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryQuery {
    pub criteria_list: Option<Vec<Criteria>>,
    pub remark: Text,
}

/// `entryorder.query` / `deliveryorder.query`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderQuery {
    pub owner_code: Text,
    pub warehouse_code: Text,
    pub entry_order_code: Text,
    pub entry_order_id: Text,
    pub delivery_order_code: Text,
    pub delivery_order_id: Text,
}

/// `relatedOrders` of inventory.synchronize: one (as the seed has it) or a list.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedOrder {
    pub order_type: Text,
    pub order_code: Text,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncItem {
    pub item_code: Text,
    pub item_id: Text,
    pub inventory_type: Text,
    pub plan_qty: Text,
    pub batch_code: Text,
    pub product_date: Text,
    pub expire_date: Text,
    pub produce_code: Text,
    pub sn_code: Text,
    pub remark: Text,
}

/// `taobao.qimen.inventory.synchronize` (seed 002), every member of the seed.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventorySync {
    pub owner_code: Text,
    pub warehouse_code: Text,
    pub adjust_order_code: Text,
    pub adjust_time: Text,
    pub adjust_type: Text,
    pub related_orders: Option<serde_json::Value>,
    pub remark: Text,
    pub items: Option<Vec<SyncItem>>,
}
