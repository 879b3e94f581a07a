//! The `summary.json` document: stable field names that tests and CI
//! baselines depend on. Bump [`SCHEMA_VERSION`] when a field changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::control::EventRecord;
use crate::fabric::EntityCounts;

/// Version of the summary.json layout.
pub const SCHEMA_VERSION: u32 = 1;

/// The top-level summary of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub schema_version: u32,
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub sim_duration_s: f64,
    pub events_processed: u64,
    pub quota_profile: String,
    pub entities: EntityCounts,
    /// Scenario events applied during the run, by kind.
    pub scenario_events_applied: BTreeMap<String, u64>,
    /// Connection attempts: totals and denials by reason code.
    pub connectivity: Connectivity,
    /// Per traffic class.
    pub traffic: Vec<TrafficSummary>,
    /// Per reported resource (endpoint AZs, DX links, NAT gateways, TGW
    /// attachments that carried traffic).
    pub bandwidth: Bandwidth,
    /// The bill.
    pub cost: CostSummary,
    /// What the control plane did with each lifecycle action (initial
    /// associations and endpoint creations, then timed events).
    pub control_events: Vec<EventRecord>,
    /// The scenario's expectations, each with its verdict.
    pub expectations: Vec<super::ExpectationResult>,
}

/// Connection attempts of the whole run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Connectivity {
    pub attempts: u64,
    pub delivered: u64,
    pub denied: u64,
    pub denied_by_reason: BTreeMap<String, u64>,
}

/// Per traffic class.
///
/// Byte accounting, nothing lost: `admitted_bytes` (request + response of
/// every delivered connection) = `delivered_bytes` (of completed ones) +
/// `cut_bytes` (full sizes of cut ones, of which `moved_before_cut` had
/// arrived) + `in_flight_bytes` (full sizes of those still running at the
/// end).
/// `offered_bytes` also counts the denied connections' sizes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrafficSummary {
    pub name: String,
    /// Connection attempts.
    pub connections: u64,
    /// Attempts the control plane delivered (admitted to the data plane).
    pub delivered: u64,
    pub denied: u64,
    pub denied_by_reason: BTreeMap<String, u64>,
    pub offered_bytes: u64,
    pub admitted_bytes: u64,
    /// Admitted connections whose response fully arrived.
    pub completed: u64,
    /// Bytes of completed connections.
    pub delivered_bytes: u64,
    /// Admitted connections cut mid-transfer, by reason.
    pub cut: u64,
    pub cut_by_reason: BTreeMap<String, u64>,
    /// Bytes of cut connections: what they had moved plus what never went.
    pub cut_bytes: u64,
    /// Of `cut_bytes`, those moved before the cut.
    pub moved_before_cut: u64,
    pub in_flight_at_end: u64,
    /// Bytes (full request + response sizes) of connections still in
    /// progress at the end.
    pub in_flight_bytes: u64,
    /// Flow completion time percentiles (request start → response end), ms.
    pub fct_ms: Fct,
}

/// Completion-time percentiles in milliseconds (3 significant digits).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Fct {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// Bandwidth of the reported resources.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Bandwidth {
    pub sample_interval_s: f64,
    pub resources: Vec<ResourceSummary>,
}

/// One resource: capacity and throughput. Peak and utilisation are over
/// sample intervals (averages within an interval).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ResourceSummary {
    pub name: String,
    pub kind: String,
    pub base_capacity_gbps: f64,
    /// Highest capacity reached (after scaling).
    pub max_capacity_gbps: f64,
    /// Capacity changes during the run (scaling steps, failures, recoveries).
    pub capacity_changes: u64,
    pub peak_gbps: f64,
    pub mean_gbps: f64,
    pub peak_utilisation: f64,
    /// Time spent at ≥ 99% of capacity (sum of sample intervals).
    pub saturated_s: f64,
}

/// The bill in the summary: money as exact decimal strings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CostSummary {
    /// The bill of the simulated window (or of a month when projected).
    pub total_usd: String,
    pub by_category: BTreeMap<String, String>,
    pub by_account: BTreeMap<String, String>,
    /// The same usage projected to a 730-hour month.
    pub monthly_total_usd: String,
    pub monthly_by_category: BTreeMap<String, String>,
    pub pricebook: String,
    pub pricebook_version: String,
    /// `month / window` when the bill itself was projected.
    pub projected_factor: Option<String>,
    pub cross_az_bytes: u64,
}

/// Money as a string with 4 decimal places (exact amounts are in bill.csv).
pub fn usd(u: crate::units::Usd) -> String {
    format!("{:.4}", u.amount().round_dp(4))
}

impl CostSummary {
    pub fn from_bills(
        bill: &crate::cost::Bill,
        monthly: &crate::cost::Bill,
        cross_az_bytes: u64,
    ) -> Self {
        CostSummary {
            total_usd: usd(bill.total),
            by_category: bill
                .by_category
                .iter()
                .map(|(c, u)| (c.as_str().to_string(), usd(*u)))
                .collect(),
            by_account: bill
                .by_account
                .iter()
                .map(|(a, u)| (a.clone(), usd(*u)))
                .collect(),
            monthly_total_usd: usd(monthly.total),
            monthly_by_category: monthly
                .by_category
                .iter()
                .map(|(c, u)| (c.as_str().to_string(), usd(*u)))
                .collect(),
            pricebook: bill.pricebook.name.clone(),
            pricebook_version: bill.pricebook.version.clone(),
            projected_factor: bill
                .projection
                .as_ref()
                .map(|p| p.factor.round_dp(6).to_string()),
            cross_az_bytes,
        }
    }
}
