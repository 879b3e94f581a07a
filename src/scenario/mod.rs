//! Scenarios: the RON schema, loading with positioned errors, and validation.
//!
//! A scenario file is read in two steps. [`load_str`] parses it (syntax and
//! type errors carry `file:line:col`), then [`validate`] checks meaning —
//! every reference, CIDR containment, uniqueness, times inside the run — and
//! reports *all* problems in one pass, each with its field path and a hint.
//!
//! AWS *rule* violations (a 126th peering, overlapping peer CIDRs, an endpoint
//! past the quota) are not load errors: they load, run, and show up as
//! connectivity outcomes. Validation only rejects what is malformed.
//!
//! Owns: the schema and its checks. Must not: simulate or price anything.

mod load;
mod overlap;
pub mod regions;
mod schema;
pub mod syntax;
pub mod text;
mod trace_check;
mod validate;

pub use load::{load_file, load_str, ron_options, Problem, ScenarioError};
pub use schema::*;
pub use validate::{scaling_problems, validate};
