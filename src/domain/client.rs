//! Who may call the gateway: identities and their kinds.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The kind of an identity decides which endpoints it may call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientKind {
    /// A 货主 (owner) and its ERP: base data, orders, queries.
    #[default]
    Customer,
    /// A carrier's TMS: routes and sign-offs.
    Carrier,
    /// A DWS scanner at a packing line: parcel scans.
    Device,
}

impl ClientKind {
    pub const ALL: [ClientKind; 3] = [Self::Customer, Self::Carrier, Self::Device];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Carrier => "carrier",
            Self::Device => "device",
        }
    }
}

impl fmt::Display for ClientKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ClientKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown client kind {s:?} (customer, carrier or device)"))
    }
}

/// The wire protocol an identity speaks: how its calls are read and answered, and how the
/// pushes it receives are rendered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// The 鸿讯 JSON envelope.
    #[default]
    Hongxun,
    /// Qimen (奇门) WMS methods / TOP.
    Qimen,
    /// The OMS method API (warehouse.add …).
    Oms,
    /// The 3TMS/CTMS REST API.
    Tms,
}

impl Dialect {
    pub const ALL: [Dialect; 4] = [Self::Hongxun, Self::Qimen, Self::Oms, Self::Tms];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hongxun => "hongxun",
            Self::Qimen => "qimen",
            Self::Oms => "oms",
            Self::Tms => "tms",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// Whether the identities of this dialect are told about their orders as a matter of
    /// course. OMS systems poll (seed 001 has no callbacks); 3TMS accounts hear only what they
    /// subscribe to. Events for them would only wait in the outbox.
    pub fn receives_order_events(self) -> bool {
        matches!(self, Self::Hongxun | Self::Qimen)
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an identity may currently call the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientStatus {
    Active,
    Disabled,
}

impl ClientStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Self {
        // Anything the database holds that is not "active" is treated as disabled: fail closed.
        if s == "active" {
            Self::Active
        } else {
            Self::Disabled
        }
    }
}

/// The tenant a customer's data belongs to: its `createBy`. All source systems
/// (`dataSource`) of one customer share base data and orders.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tenant(pub String);

impl Tenant {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in ClientKind::ALL {
            assert_eq!(k.as_str().parse::<ClientKind>(), Ok(k));
        }
        assert!("ops".parse::<ClientKind>().is_err());
    }

    #[test]
    fn unknown_statuses_fail_closed() {
        assert_eq!(ClientStatus::parse("active"), ClientStatus::Active);
        assert_eq!(ClientStatus::parse("suspended"), ClientStatus::Disabled);
    }
}
