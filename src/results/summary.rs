//! The `summary.json` document: stable field names that tests and CI
//! baselines depend on. Bump [`SCHEMA_VERSION`] when a field changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::control::EventRecord;
use crate::fabric::EntityCounts;

/// Version of the summary.json layout.
pub const SCHEMA_VERSION: u32 = 2;

/// The top-level summary of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub schema_version: u32,
    /// The vpcsim release that wrote the file.
    pub vpcsim_version: String,
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub sim_duration_s: f64,
    pub events_processed: u64,
    pub quota_profile: String,
    /// The quota profile's `version`.
    pub quota_profile_version: String,
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
    /// Capacity at the start; `None` (JSON `null`) for a resource with no
    /// ceiling (a `Managed` endpoint ENI).
    pub base_capacity_gbps: Option<f64>,
    /// Highest capacity reached (after scaling); `None` without a ceiling.
    pub max_capacity_gbps: Option<f64>,
    /// Capacity changes during the run (scaling steps, failures, recoveries).
    pub capacity_changes: u64,
    pub peak_gbps: f64,
    pub mean_gbps: f64,
    /// Highest sample over the capacity at that sample; 0 for a resource
    /// with no ceiling (it is never near one).
    pub peak_utilisation: f64,
    /// Time spent at ≥ 99% of capacity (sum of sample intervals).
    pub saturated_s: f64,
}

/// The bill in the summary. Money is a decimal string: exact amounts (the
/// sums of the bill's lines, [`AMOUNT_DECIMALS`] places) at the top level,
/// and the same amounts rounded for display in [`CostDisplay`], where the
/// shown parts add up to the shown total.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CostSummary {
    /// The bill of the simulated window (or of a month when projected), exact.
    pub total_usd: String,
    pub by_category: BTreeMap<String, String>,
    pub by_account: BTreeMap<String, String>,
    /// The same usage projected to a 730-hour month, exact.
    pub monthly_total_usd: String,
    pub monthly_by_category: BTreeMap<String, String>,
    /// The amounts above rounded to [`DISPLAY_DECIMALS`] places.
    #[serde(default)]
    pub display: CostDisplay,
    pub pricebook: String,
    pub pricebook_version: String,
    /// The pricing rule set (`faq`, `current`) and its book (`name@version`).
    #[serde(default)]
    pub rules: String,
    #[serde(default)]
    pub rule_book: String,
    /// With the `faq` rules: how today's AWS rules differ and how to switch.
    #[serde(default)]
    pub rules_note: Option<String>,
    /// Whether tiers were pooled across each organization's accounts.
    #[serde(default)]
    pub consolidated_billing: bool,
    /// `month / window` when the bill itself was projected.
    pub projected_factor: Option<String>,
    pub cross_az_bytes: u64,
}

/// Display amounts: each group (a total and its parts) rounded with
/// largest-remainder rounding, so the parts add up to the total exactly.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CostDisplay {
    /// Decimal places ([`DISPLAY_DECIMALS`]).
    pub decimals: u32,
    pub total_usd: String,
    pub by_category: BTreeMap<String, String>,
    pub by_account: BTreeMap<String, String>,
    pub monthly_total_usd: String,
    pub monthly_by_category: BTreeMap<String, String>,
}

/// Decimal places of the display amounts.
pub const DISPLAY_DECIMALS: u32 = 4;

use crate::cost::AMOUNT_DECIMALS;

/// An exact amount as a string with [`AMOUNT_DECIMALS`] places.
pub fn usd(u: crate::units::Usd) -> String {
    decimal(u.amount(), AMOUNT_DECIMALS)
}

/// `d` with exactly `places` decimals (it has at most that many).
fn decimal(d: rust_decimal::Decimal, places: u32) -> String {
    format!("{:.*}", places as usize, d.round_dp(places))
}

/// A total and its parts, rounded for display: `(total, parts)`.
fn shown<K: Clone + Ord>(
    total: crate::units::Usd,
    parts: &BTreeMap<K, crate::units::Usd>,
    name: impl Fn(&K) -> String,
) -> (String, BTreeMap<String, String>) {
    let exact: Vec<rust_decimal::Decimal> = parts.values().map(|u| u.amount()).collect();
    let (rounded, t) = crate::cost::display::largest_remainder(&exact, DISPLAY_DECIMALS);
    // The parts sum to the total (the bill defines it so); an empty bill
    // rounds its zero total.
    let t = if parts.is_empty() {
        total.amount().round_dp(DISPLAY_DECIMALS)
    } else {
        t
    };
    let parts = parts
        .keys()
        .zip(rounded)
        .map(|(k, r)| (name(k), decimal(r, DISPLAY_DECIMALS)))
        .collect();
    (decimal(t, DISPLAY_DECIMALS), parts)
}

impl CostSummary {
    /// The summary of a window's bill and its monthly projection;
    /// `rules_note` is what the run says about another rule set.
    pub fn from_bills(
        bill: &crate::cost::Bill,
        monthly: &crate::cost::Bill,
        cross_az_bytes: u64,
        rules_note: Option<String>,
    ) -> Self {
        let category = |c: &crate::cost::Category| c.as_str().to_string();
        let (total, by_category) = shown(bill.total, &bill.by_category, category);
        let (_, by_account) = shown(bill.total, &bill.by_account, String::clone);
        let (monthly_total, monthly_by_category) =
            shown(monthly.total, &monthly.by_category, category);
        let rules = bill.rules.clone().unwrap_or_default();
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
            display: CostDisplay {
                decimals: DISPLAY_DECIMALS,
                total_usd: total,
                by_category,
                by_account,
                monthly_total_usd: monthly_total,
                monthly_by_category,
            },
            pricebook: bill.pricebook.name.clone(),
            pricebook_version: bill.pricebook.version.clone(),
            rules: rules.name,
            rule_book: rules.book,
            rules_note,
            consolidated_billing: bill.consolidated_billing,
            projected_factor: bill
                .projection
                .as_ref()
                .map(|p| p.factor.round_dp(6).to_string()),
            cross_az_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::{Bill, Category, PricebookRef};
    use crate::units::Usd;

    fn usd(s: &str) -> Usd {
        Usd::new(s.parse().expect("decimal"))
    }

    #[test]
    fn exact_amounts_stay_exact_and_shown_parts_add_up_to_the_shown_total() {
        // Three categories of $0.00005 each: $0.00015 in all. Exact, they are
        // 10-place strings. Rounded alone (half-even, 4 places) each would
        // show 0.0000 against a total of 0.0002; largest remainder shows
        // 0.0001 + 0.0001 + 0.0000 = 0.0002 (ties: earlier key first).
        let cats = [
            Category::CrossAz,
            Category::EndpointHours,
            Category::NatHours,
        ];
        let bill = Bill {
            region: "us-east-1".into(),
            lines: Vec::new(),
            total: usd("0.00015"),
            by_category: cats.iter().map(|c| (*c, usd("0.00005"))).collect(),
            by_account: [("a".to_string(), usd("0.00015"))].into_iter().collect(),
            pricebook: PricebookRef {
                name: "p".into(),
                version: "v".into(),
            },
            rules: None,
            projection: None,
            consolidated_billing: false,
            amount_decimals: 10,
        };
        let c = CostSummary::from_bills(&bill, &bill, 0, None);
        assert_eq!(c.total_usd, "0.0001500000");
        assert!(c.by_category.values().all(|v| v == "0.0000500000"));
        assert_eq!(c.display.total_usd, "0.0002");
        let shown: Vec<&str> = c.display.by_category.values().map(|s| s.as_str()).collect();
        assert_eq!(shown, ["0.0001", "0.0001", "0.0000"]);
        assert_eq!(c.display.by_account["a"], "0.0002");
    }
}
