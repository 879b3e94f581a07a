//! Scenarios: the RON schema, loading with positioned errors, and validation.
//!
//! A scenario file is read in three steps. [`parse_str`] parses it (syntax
//! and type errors carry `file:line:col`), then [`validate`] checks meaning —
//! every reference, CIDR containment, uniqueness, times inside the run — and
//! reports *all* problems in one pass, each with its field path and a hint;
//! finally the files it refers to (quota profile, pricebook, traces) are read
//! once each. [`load_file`] does all three and returns a [`Loaded`], the only
//! value a run, `explain` or a study point is assembled from.
//!
//! AWS *rule* violations (a 126th peering, overlapping peer CIDRs, an endpoint
//! past the quota) are not load errors: they load, run, and show up as
//! connectivity outcomes. Validation only rejects what is malformed.
//!
//! Owns: the schema and its checks. Must not: simulate or price anything.

pub mod files;
mod load;
mod loaded;
mod overlap;
pub mod regions;
mod schema;
mod syntax;
pub mod text;
mod trace_check;
mod validate;

pub use files::{Disk, FileSource, LoadOptions};
pub use load::{load_file, load_file_with, load_str, parse_str, Problem, ScenarioError};
pub use loaded::Loaded;
pub use schema::*;
pub use syntax::ron_options;
pub use validate::{scaling_problems, validate};
