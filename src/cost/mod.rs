//! Cost: the pricebook, usage meters and the bill.
//!
//! * [`pricebook`]: dated, sourced unit prices per region, as RON data, with
//!   embedded defaults ([`Pricebook::builtin`]).
//! * [`meters`]: usage by category, paying account, resource and AZ, recorded
//!   in O(1) through dense [`MeterId`]s.
//!
//! The module prices usage the simulation reports. It must not decide routes,
//! choose payers, or move bytes.

pub mod error;
pub mod meters;
pub mod pricebook;

pub use error::CostError;
pub use meters::{Category, Detail, Direction, MeterId, MeterKey, Meters};
pub use pricebook::{Pricebook, PricebookRef, Pricing, Rate, RegionRates, Tier, TieredRate};
