//! The seed's `CustomerOrderEntity`, read into a slip: the transport order template its
//! segments inherit, and the tracker to bind.

use super::waybill_dto::{
    cargo, consignee, delivery_type, epoch, freight, location, notes, opt_text, organization_path,
    pay_type, At, CargoDto, FlatConsignee, LocationDto, MAX_CARGO, ORDER_TYPE,
};
use crate::domain::order::{Address, TransportOrder};
use crate::domain::rules;
use crate::domain::validation::{FieldErrors, LazyPath};
use crate::service::slips::SlipInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `CustomerOrderEntity`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerOrderEntity {
    pub consigner_address: Option<String>,
    pub consigner_name: Option<String>,
    pub consigner_phone: Option<String>,
    pub appoint_arrive_time: Option<i64>,
    /// 客户单号: identifies the slip within the shipper when given.
    pub original_order_number: Option<String>,
    pub consignee_address: Option<String>,
    pub consignee_name: Option<String>,
    pub consignee_phone: Option<String>,
    pub delivery_time: Option<i64>,
    pub delivery_type: Option<i64>,
    pub device_number: Option<String>,
    pub start_address: Option<String>,
    pub end_address: Option<String>,
    pub consigner_location: Option<LocationDto>,
    pub consignee_location: Option<LocationDto>,
    pub note1: Option<String>,
    pub note2: Option<String>,
    pub note3: Option<String>,
    pub note4: Option<String>,
    pub note5: Option<String>,
    pub note6: Option<String>,
    pub note7: Option<String>,
    pub note8: Option<String>,
    pub note9: Option<String>,
    pub note10: Option<String>,
    pub note11: Option<String>,
    pub note12: Option<String>,
    pub organization_path: Option<String>,
    pub receipt_count: Option<i64>,
    pub remarks: Option<String>,
    pub shipper_pay: Option<f64>,
    pub shipper_pay_type: Option<i64>,
    pub payment_collect: Option<f64>,
    pub cargo_list: Option<Vec<CargoDto>>,
}

impl CustomerOrderEntity {
    pub fn validate(self, e: &mut FieldErrors, path: &str) -> Option<SlipInput> {
        let p = |f: &'static str| LazyPath(move || format!("{path}.{f}"));
        let name = e.required(p("consignerName"), self.consigner_name, rules::name);
        let phone = e.required(p("consignerPhone"), self.consigner_phone, rules::phone);
        let address = e.required(p("consignerAddress"), self.consigner_address, rules::name);
        let (cr_lng, cr_lat) = location(
            e,
            &At::field(&path, "consignerLocation"),
            self.consigner_location,
        );
        let consignee = consignee(
            e,
            path,
            FlatConsignee {
                name: self.consignee_name,
                phone: self.consignee_phone,
                province: None,
                city: None,
                district: None,
                address: self.consignee_address,
                location: self.consignee_location,
            },
        );
        let given: Vec<(String, Option<String>)> = [
            self.note1,
            self.note2,
            self.note3,
            self.note4,
            self.note5,
            self.note6,
            self.note7,
            self.note8,
            self.note9,
            self.note10,
            self.note11,
            self.note12,
        ]
        .into_iter()
        .enumerate()
        .filter(|(_, v)| v.is_some())
        .map(|(i, v)| (format!("note{}", i + 1), v))
        .collect();
        let custom_notes = notes(e, &path, given, 12);
        let list = self.cargo_list.unwrap_or_default();
        if let Err(m) = rules::count(&list, 0, MAX_CARGO) {
            e.invalid(p("cargoList"), m);
        }
        let cargo = list
            .into_iter()
            .enumerate()
            .filter_map(|(i, c)| cargo(e, &At::item(&path, "cargoList", i), c, false))
            .collect();
        let shipper_pay = e.optional(p("shipperPay"), self.shipper_pay, rules::money);
        let shipper_pay_type = pay_type(e, p("shipperPayType"), self.shipper_pay_type);
        let receipt_count = e.optional(
            p("receiptCount"),
            self.receipt_count,
            rules::int_range(0, 1000),
        );
        let pickup_time = e.optional(p("deliveryTime"), self.delivery_time, epoch);
        let expected_arrive_time =
            e.optional(p("appointArriveTime"), self.appoint_arrive_time, epoch);
        let payment_collect = e.optional(p("paymentCollect"), self.payment_collect, rules::money);
        let remark = e
            .optional(p("remarks"), self.remarks, rules::remark)
            .filter(|s| !s.is_empty());
        let customer_order_no = e.optional(
            p("originalOrderNumber"),
            self.original_order_number.filter(|s| !s.is_empty()),
            rules::code,
        );
        let delivery_type = delivery_type(e, p("deliveryType"), self.delivery_type);
        let start_place = opt_text(e, p("startAddress"), self.start_address);
        let end_place = opt_text(e, p("endAddress"), self.end_address);
        let organization_path = organization_path(e, p("organizationPath"), self.organization_path);
        let device_number = e.optional(
            p("deviceNumber"),
            self.device_number.filter(|s| !s.is_empty()),
            rules::code,
        );
        // Every field is checked before a missing one ends the slip.
        let content = TransportOrder {
            order_code: String::new(),
            order_type: ORDER_TYPE.into(),
            consigner: Some(Address {
                name: name?,
                phone: phone?,
                address: address?,
                lng: cr_lng,
                lat: cr_lat,
                ..Default::default()
            }),
            consignee,
            pickup_time,
            expected_arrive_time,
            cargo,
            need_receipt: receipt_count.map(|n| n > 0),
            payment_collect,
            remark,
            customer_order_no,
            delivery_type,
            start_place,
            end_place,
            shipper_freight: freight(shipper_pay, shipper_pay_type),
            receipt_count,
            custom_notes,
            organization_path,
            ..Default::default()
        };
        Some(SlipInput {
            content,
            device_number,
        })
    }
}
