//! The output contract of a run: what a run produced, as every reader of
//! results sees it.
//!
//! [`RunResult`] is built by `sim` and read by `expect` (judging the
//! scenario's expectations), `report` (writing files), `check` (comparing
//! with a baseline) and `study` (tables over many runs). It lives below all
//! of them, so none of them needs another to see a result.
//!
//! Owns: the result types ([`summary`] is `summary.json`'s schema, with
//! stable field names). Must not: simulate, judge or format anything.

pub mod summary;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::connection_log;
use crate::control::{PathKind, Reason};
use crate::cost::Bill;
use crate::fabric::Fabric;
use crate::units::SimTime;

pub use summary::{
    Bandwidth, Connectivity, CostSummary, Fct, ResourceSummary, Summary, TrafficSummary,
    SCHEMA_VERSION,
};

/// Everything a run produced.
#[derive(Debug)]
pub struct RunResult {
    pub summary: Summary,
    pub fabric: Fabric,
    /// Connection counts by (class, source, target, path, outcome).
    pub connectivity: BTreeMap<ConnectivityKey, u64>,
    /// The first hint seen for each (class, reason).
    pub hints: BTreeMap<(String, Reason), String>,
    /// The bill of the simulated window (projected to a month when asked).
    pub bill: Bill,
    /// The bill projected to a 730-hour month (for monthly expectations).
    pub monthly_bill: Bill,
    /// Sampled throughput and capacity of endpoint AZs, DX links, NAT
    /// gateways and TGW attachments that carried traffic.
    pub timeseries: Vec<ResourceSeries>,
    /// Cross-AZ bytes per sample interval: `(end of interval, bytes)`.
    pub cross_az_series: Vec<(SimTime, u64)>,
    /// Flow completion time distribution per class: `(seconds, cumulative fraction)`.
    pub fct_cdf: Vec<(String, Vec<(f64, f64)>)>,
    /// The per-connection log, when `settings.connection_log` asks for it.
    pub connection_log: Option<connection_log::Log>,
}

/// One row of `connectivity.csv`: connections of a class from one source to
/// one target that ended the same way.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConnectivityKey {
    pub traffic: String,
    pub source: String,
    pub target: String,
    pub path: PathKind,
    pub reason: Option<Reason>,
}

/// Throughput and capacity of one reported resource over time.
#[derive(Debug, Clone, Default)]
pub struct ResourceSeries {
    pub name: String,
    pub kind: &'static str,
    /// `(end of sample interval, average throughput over it in bits/s,
    /// capacity at the sample in bits/s)`.
    pub samples: Vec<(SimTime, f64, u64)>,
}

/// The verdict on one expectation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectationResult {
    /// The expectation in words, e.g. `Delivered(acme-checkout) ≥ 0.99`.
    pub expectation: String,
    pub passed: bool,
    /// What the run measured, e.g. `0.9973`.
    pub actual: String,
    /// The bound it was held to, e.g. `≥ 0.99`.
    pub limit: String,
    /// How `actual` was obtained, or why the expectation could not hold.
    pub detail: String,
}
