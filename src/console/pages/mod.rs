//! One file per console page.

pub mod adjustments;
pub mod dws;
pub mod identities;
pub mod inventory;
pub mod orders;
pub mod overview;
pub mod pushes;
