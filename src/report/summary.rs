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
    /// What the control plane did with each lifecycle action (initial
    /// associations and endpoint creations, then timed events).
    pub control_events: Vec<EventRecord>,
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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrafficSummary {
    pub name: String,
    pub connections: u64,
    pub delivered: u64,
    pub denied: u64,
    pub denied_by_reason: BTreeMap<String, u64>,
    pub offered_bytes: u64,
}
