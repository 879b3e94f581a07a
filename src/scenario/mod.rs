//! Scenarios: the RON schema, parsing with positioned errors, and validation.
//!
//! A scenario file is read in three steps. [`parse_syntax`] parses it (syntax
//! and type errors carry `file:line:col`), then [`validate`] checks meaning —
//! every reference, CIDR containment, uniqueness, times inside the run — and
//! reports *all* problems in one pass, each with its field path and a hint
//! ([`Valid`] is the proof it passed); finally the loader ([`crate::load`])
//! reads the files it refers to (quota profile, pricebook, traces) once each
//! and returns a [`Loaded`](crate::load::Loaded), the only value a run,
//! `explain` or a study point is assembled from.
//!
//! AWS *rule* violations (a 126th peering, overlapping peer CIDRs, an endpoint
//! past the quota) are not load errors: they load, run, and show up as
//! connectivity outcomes. Validation only rejects what is malformed.
//!
//! Owns: the schema and its checks. Must not: read the files a scenario
//! names, simulate or price anything — and so import no module but the
//! leaves (`units`, `input`): every other module reads this one's types.

mod load;
mod overlap;
pub mod regions;
mod schema;
pub mod syntax;
pub mod text;
mod validate;

pub use load::{parse_str, parse_syntax, Problem, ScenarioError, Valid};
pub use schema::*;
pub use syntax::ron_options;
pub use validate::{scaling_problems, validate};
