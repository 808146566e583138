//! Plain types and rules of the gateway: no HTTP, no SQL. Everything here is unit-tested.

pub mod adjustment;
pub mod base_data;
pub mod canonical;
pub mod carrier;
pub mod client;
pub mod event;
pub mod hygiene;
pub mod inventory;
pub mod lpn;
pub mod order;
pub mod push;
pub mod rules;
pub mod slip;
pub mod time;
pub mod validation;
pub mod warehouse;
pub mod waybill;
