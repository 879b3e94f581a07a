//! The `summary.json` document: stable field names that tests and CI
//! baselines depend on. Bump [`SCHEMA_VERSION`] when a field changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
    pub traffic: Vec<TrafficSummary>,
}

/// Per traffic class.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrafficSummary {
    pub name: String,
    pub connections: u64,
    pub offered_bytes: u64,
}
