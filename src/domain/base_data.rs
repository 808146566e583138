//! Base data a customer syncs before it can place orders: warehouse/owner pairs
//! (库存组织), products and consignees (收货用户). These are validated values:
//! the API layer builds them from requests with [`crate::domain::rules`].

use rust_decimal::Decimal;

/// Product life-cycle status.
pub const PRODUCT_STATUSES: &[&str] = &["ENABLED", "DISABLED"];

/// Postal address parts shared by several records.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Address {
    pub country_name: Option<String>,
    pub province_name: Option<String>,
    pub city_name: Option<String>,
    pub area_name: Option<String>,
    pub street_name: Option<String>,
    pub address: Option<String>,
}

/// 库存组织: one warehouse (`inventory_code`) and one owner (`subbase_code`) of a customer.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryOrg {
    pub inventory_code: String,
    pub inventory_name: String,
    pub subbase_code: String,
    pub subbase_name: String,
    pub contact: String,
    pub phone: String,
    pub create_user_name: Option<String>,
    pub address: Address,
}

/// Dimensions and weights of a product; each part optional.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dimensions {
    pub length_cm: Option<Decimal>,
    pub width_cm: Option<Decimal>,
    pub height_cm: Option<Decimal>,
    pub volume_cm3: Option<Decimal>,
    pub gross_weight_kg: Option<Decimal>,
    pub net_weight_kg: Option<Decimal>,
}

impl Dimensions {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A product (货品). Absent optional fields keep what is stored (see docs/decisions.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub item_code: String,
    pub item_name: String,
    pub bar_code: Option<String>,
    pub specification: Option<String>,
    pub unit: Option<String>,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub shelf_life_days: Option<i32>,
    pub batch_managed: Option<bool>,
    pub serial_managed: Option<bool>,
    pub dimensions: Dimensions,
    pub price: Option<Decimal>,
    pub status: Option<String>,
    pub remark: Option<String>,
}

/// 收货用户: a consignee a customer ships to repeatedly.
#[derive(Debug, Clone, PartialEq)]
pub struct Consignee {
    pub consignee_code: String,
    pub name: String,
    pub phone: String,
    pub contact: Option<String>,
    pub country_name: Option<String>,
    pub province_name: String,
    pub city_name: String,
    pub area_name: Option<String>,
    pub street_name: Option<String>,
    pub address: String,
    pub post_code: Option<String>,
    pub remark: Option<String>,
}

/// New dimensions for an already synced product.
#[derive(Debug, Clone, PartialEq)]
pub struct DimensionUpdate {
    pub item_code: String,
    pub dimensions: Dimensions,
}

/// What an upsert batch did, record by record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UpsertCounts {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
}

/// Finds records whose key repeats an earlier one in the same batch: `(index, first index)`.
/// A batch naming one code twice is ambiguous, so it is refused rather than applied in order.
/// Records without a key (`None`) keep their place but are never duplicates.
pub fn duplicate_keys<'a>(keys: impl IntoIterator<Item = Option<&'a str>>) -> Vec<(usize, usize)> {
    let mut seen = std::collections::HashMap::new();
    let mut dups = Vec::new();
    for (i, k) in keys.into_iter().enumerate() {
        let Some(k) = k else { continue };
        if let Some(&first) = seen.get(k) {
            dups.push((i, first));
        } else {
            seen.insert(k, i);
        }
    }
    dups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_point_at_their_first_occurrence() {
        let keys = [Some("A"), Some("B"), None, Some("A"), Some("B")];
        assert_eq!(duplicate_keys(keys), vec![(3, 0), (4, 1)]);
        assert!(duplicate_keys([Some("A"), None, None]).is_empty());
    }

    #[test]
    fn empty_dimensions_are_detected() {
        assert!(Dimensions::default().is_empty());
        let d = Dimensions {
            volume_cm3: Some(Decimal::ONE),
            ..Default::default()
        };
        assert!(!d.is_empty());
    }
}
