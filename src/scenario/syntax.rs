//! The RON dialect every vpcsim data file is written in (scenarios, quota
//! profiles, pricebooks, studies, tolerances).
//!
//! Owns: the parser options. Must not: know any file's schema.

use ron::extensions::Extensions;

/// The RON options every vpcsim data file is read with.
///
/// `implicit_some` is on: an optional field is written as its plain value
/// (`private_dns_name: PrivateDnsName(...)`), never as `Some(...)`; writing
/// `Some(...)` is still accepted.
pub fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME)
}
