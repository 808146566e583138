//! A tenant's warehouse as a record of its own: name, code, address, contact and whether it
//! is in use. Filled from 库存组织同步 (which names a warehouse with each owner) and edited
//! by the warehouse's people through the ops API.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Warehouse {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
    pub country: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub street: Option<String>,
    pub address: Option<String>,
    pub zip: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An edit: `None` leaves a field as it is; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WarehouseChange {
    pub name: Option<String>,
    pub short_name: Option<Option<String>>,
    pub contact_person: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
    pub country: Option<Option<String>>,
    pub province: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub district: Option<Option<String>>,
    pub street: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub zip: Option<Option<String>>,
    pub enabled: Option<bool>,
}

impl WarehouseChange {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The warehouse after the edit.
    pub fn apply(&self, w: &Warehouse) -> Warehouse {
        let pick = |c: &Option<Option<String>>, old: &Option<String>| match c {
            Some(v) => v.clone(),
            None => old.clone(),
        };
        Warehouse {
            name: self.name.clone().unwrap_or_else(|| w.name.clone()),
            short_name: pick(&self.short_name, &w.short_name),
            contact_person: pick(&self.contact_person, &w.contact_person),
            contact_phone: pick(&self.contact_phone, &w.contact_phone),
            country: pick(&self.country, &w.country),
            province: pick(&self.province, &w.province),
            city: pick(&self.city, &w.city),
            district: pick(&self.district, &w.district),
            street: pick(&self.street, &w.street),
            address: pick(&self.address, &w.address),
            zip: pick(&self.zip, &w.zip),
            enabled: self.enabled.unwrap_or(w.enabled),
            ..w.clone()
        }
    }
}

/// Which warehouses a list shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WarehouseFilter {
    /// Part of the name.
    pub name: Option<String>,
    pub code: Option<String>,
    pub enabled: Option<bool>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created at or before.
    pub created_to: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_changes_only_what_it_names() {
        let w = Warehouse {
            id: 1,
            code: "WH01".into(),
            name: "一号仓".into(),
            short_name: Some("一号".into()),
            contact_person: Some("张三".into()),
            contact_phone: None,
            country: None,
            province: None,
            city: None,
            district: None,
            street: None,
            address: Some("张杨路500号".into()),
            zip: None,
            enabled: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let c = WarehouseChange {
            short_name: Some(None),
            zip: Some(Some("200120".into())),
            enabled: Some(false),
            ..Default::default()
        };
        let after = c.apply(&w);
        assert_eq!(after.short_name, None);
        assert_eq!(after.zip.as_deref(), Some("200120"));
        assert_eq!(after.contact_person.as_deref(), Some("张三"));
        assert_eq!(after.name, "一号仓");
        assert!(!after.enabled);
        assert!(WarehouseChange::default().is_empty());
    }
}
