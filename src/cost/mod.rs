//! Cost: the pricebook, usage meters and the bill.
//!
//! ```text
//!  simulation ──add_bytes / add_time──▶ Meters ─┐
//!                                               ├─▶ bill(meters, pricebook, region, options) ─▶ Bill
//!  Loaded pricebook ──resolve(fabric)─────────────┘        (lines add up to the total exactly)
//! ```
//!
//! * [`pricebook`]: dated, sourced unit prices per region, as RON data, with
//!   embedded defaults ([`Pricebook::builtin`]).
//! * [`resolve`](mod@resolve): the pricebook of a run, completed with the
//!   builtin rates of the regions the fabric uses and checked before a run.
//! * [`meters`]: usage by category, paying account, resource and AZ, recorded
//!   in O(1) through dense [`MeterId`]s.
//! * [`bill`](mod@bill): pricing rules (hour rounding, tiers in time order,
//!   monthly projection, rounding) producing a [`Bill`] of [`LineItem`]s.
//!
//! Decisions, documented where they are implemented:
//! * 1 GB = `gb_bytes` bytes, 2^30 in the builtin pricebooks (AWS's Price List
//!   counts 1 PB as 1,048,576 GB).
//! * Each line amount is rounded once to 10 decimal places (half to even);
//!   totals are sums of lines, so they add up exactly.
//! * Each provisioned interval bills `ceil(hours)`; intervals of one meter are
//!   merged when they overlap or touch.
//!
//! The module prices usage the simulation reports. It must not decide routes,
//! choose payers, or move bytes.
//!
//! ```
//! use vpcsim::cost::{bill, BillOptions, Category, MeterKey, Meters, Pricebook};
//! use vpcsim::units::SimTime;
//!
//! let mut meters = Meters::new();
//! let hours = meters.register(MeterKey::new(Category::NatHours, "acme", "nat-1")).unwrap();
//! let data = meters.register(MeterKey::new(Category::NatDataProcessed, "acme", "nat-1")).unwrap();
//! let end = SimTime::from_nanos(730 * 3_600_000_000_000);
//! meters.add_time(hours, SimTime::ZERO, end);
//! meters.add_bytes(data, SimTime::ZERO, 100 << 30); // 100 GB
//! let pricebook = Pricebook::builtin("aws-us-east-1").unwrap();
//! let bill = bill(&meters, &pricebook, "us-east-1", &BillOptions::default()).unwrap();
//! assert_eq!(bill.total.to_string(), "$37.35"); // 730 × $0.045 + 100 × $0.045
//! ```

pub mod bill;
pub mod coverage;
pub mod display;
pub mod error;
pub mod meters;
pub mod pricebook;
pub mod resolve;
pub mod rules;
pub mod usage;
pub mod usage_type;

pub use bill::{
    bill, bill_with_families, Bill, BillOptions, LineItem, Projection, Unit, AMOUNT_DECIMALS, MONTH,
};
pub use error::CostError;
pub use meters::{CapacityHour, Category, Detail, Direction, MeterId, MeterKey, Meters};
pub use pricebook::{
    NlcuDefinition, Pricebook, PricebookRef, Pricing, Rate, RegionRates, Tier, TieredRate,
};
pub use resolve::resolve;
pub use rules::{Charge, Rule, RuleBook, RuleSet, RulesRef};
