//! Errors of the cost module: loading a pricebook, registering meters, billing.
//!
//! Owns [`CostError`] only. Each variant names the entity at fault and says
//! what to do about it; none of them is raised for a condition only a bug
//! could cause (those panic with the broken invariant in the message).

use thiserror::Error;

/// Everything that can go wrong in `cost`, with enough context to fix it.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CostError {
    /// A pricebook file could not be read.
    #[error("{file}: cannot read the pricebook: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },

    /// A pricebook file is not a regular file within its size cap, or not text.
    #[error(transparent)]
    Input(#[from] crate::input::InputError),

    /// A pricebook is not valid RON or does not match the schema (unknown
    /// field, wrong type, a rate that is not a dollar amount...).
    #[error("{origin}:{line}:{col}: {message} (the format is documented at the top of scenarios/pricebooks/aws-us-east-1.ron)")]
    Syntax {
        /// File name, or `builtin:<name>` for an embedded pricebook.
        origin: String,
        line: usize,
        col: usize,
        message: String,
    },

    /// A pricebook parses but means something impossible (a negative rate,
    /// tiers not increasing, a rate without a source...).
    #[error("{origin}: {path}: {problem}; {hint}")]
    Invalid {
        origin: String,
        /// Field path inside the pricebook, e.g. `regions["us-east-1"].internet_out_gb.tiers[2].up_to_gb`.
        path: String,
        problem: String,
        hint: String,
    },

    /// The bill (or a meter) asks for a region the pricebook has no rates for.
    #[error("pricebook {pricebook:?} has no rates for region {region:?} (it has: {known}); use a pricebook that lists {region:?}, or add a `{region:?}: Region(...)` entry to a pricebook file")]
    UnknownRegion {
        pricebook: String,
        region: String,
        known: String,
    },

    /// A region the scenario uses is in neither its pricebook nor a builtin one.
    #[error("pricebook {pricebook:?} has no rates for region {region}, which the scenario uses, and no builtin pricebook covers it; give a pricebook file with a {region:?} entry (`pricebook: \"my-prices.ron\"`)")]
    NoRegionRates { pricebook: String, region: String },

    /// A meter needs a rate the pricebook does not have (e.g. a Direct Connect
    /// port speed with no published price).
    #[error("pricebook {pricebook:?}, region {region:?}: no rate for {what}; {hint}")]
    MissingRate {
        pricebook: String,
        region: String,
        what: String,
        hint: String,
    },

    /// A meter key is malformed for its category (e.g. cross-AZ bytes without a
    /// direction, endpoint hours without an AZ).
    #[error("meter {key}: {problem}; {hint}")]
    BadMeterKey {
        key: String,
        problem: String,
        hint: String,
    },

    /// The meters cannot be billed as they are (an interval still open, usage
    /// past the projection window...).
    #[error("cannot bill: {problem}; {hint}")]
    Unbillable { problem: String, hint: String },

    /// An amount exceeded the exact arithmetic's range (about 7.9 × 10^18
    /// dollars, or usage beyond 10^20 bytes in one line).
    #[error("amount out of range while pricing {what}; the usage is too large to bill exactly")]
    Overflow { what: String },

    /// A scenario or `--rules` names a rule set the rule book does not have.
    #[error("no rule set {name:?} in rule book {book} (it has: {known}); use one of those names in `rules:` or `--rules`")]
    UnknownRuleSet {
        name: String,
        book: String,
        known: String,
    },
}

impl CostError {
    /// A syntax error of the pricebook or rule book read from `origin`.
    pub(crate) fn syntax(origin: &str, e: crate::scenario::syntax::SyntaxError) -> CostError {
        CostError::Syntax {
            origin: origin.to_string(),
            line: e.line,
            col: e.col,
            message: e.message,
        }
    }
}
