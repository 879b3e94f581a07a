//! The per-connection log (`settings.connection_log`, written as
//! `connections.csv`): one compact record per connection attempt, kept only
//! when a scenario asks for it, since it grows with the number of
//! connections while every other output stays bounded.
//!
//! Owns: the record of one connection (filled in by the run as the
//! connection is decided, completes or is cut) and its CSV rendering. Must
//! not: decide outcomes, move bytes or price anything; it only writes down
//! what the run reports.

use crate::control::{PathKind, Reason};
use crate::fabric::{EniId, Fabric, WorkloadId};
use crate::units::SimTime;

/// How a connection ended (or did not, by the end of the run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Refused by the control plane at its start.
    Denied(Reason),
    /// Its response fully arrived at this instant.
    Completed(SimTime),
    /// Cut mid-transfer at this instant.
    Cut(Reason, SimTime),
    /// Still moving bytes when the run ended.
    InFlight,
}

/// One connection attempt. Labels are ids into the run's interned labels.
#[derive(Debug, Clone)]
pub struct Record {
    pub start: SimTime,
    pub class: u32,
    pub source: u32,
    /// The client instance (workload) or host (site).
    pub source_index: u32,
    pub target: u32,
    pub path: PathKind,
    /// The endpoint ENI a PrivateLink connection went through.
    pub eni: Option<EniId>,
    /// The target instance that served it.
    pub target_instance: Option<(WorkloadId, u32)>,
    pub request: u64,
    pub response: u64,
    /// Bytes moved (both directions): request + response when completed.
    pub moved: u64,
    pub end: End,
}

/// The log of a run: its records and the names their ids stand for.
#[derive(Debug, Clone, Default)]
pub struct Log {
    /// In the order the connections started.
    pub records: Vec<Record>,
    /// Traffic class names, by class index.
    pub classes: Vec<String>,
    /// Source and target labels, by label id.
    pub labels: Vec<String>,
    /// Each record's hop list, as `explain` shows it: only when the run
    /// was assembled to keep them ([`crate::sim::Prepared::with_hop_traces`]);
    /// empty otherwise.
    pub hops: Vec<Vec<crate::control::Hop>>,
}

impl Log {
    /// `connections.csv`.
    pub fn csv(&self, fabric: &Fabric) -> Result<String, csv::Error> {
        let name = |v: &[String], i: u32| v.get(i as usize).cloned().unwrap_or_default();
        render(
            &self.records,
            fabric,
            |c| name(&self.classes, c),
            |l| name(&self.labels, l),
        )
    }
}

fn render(
    records: &[Record],
    fabric: &Fabric,
    class_name: impl Fn(u32) -> String,
    label: impl Fn(u32) -> String,
) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "start_s",
        "traffic",
        "source",
        "source_instance",
        "target",
        "path",
        "outcome",
        "reason",
        "endpoint_eni_az",
        "target_instance",
        "request_bytes",
        "response_bytes",
        "moved_bytes",
        "end_s",
        "fct_ms",
    ])?;
    for r in records {
        let (outcome, reason, end) = match r.end {
            End::Denied(reason) => ("denied", reason.code(), None),
            End::Completed(t) => ("completed", "", Some(t)),
            End::Cut(reason, t) => ("cut", reason.code(), Some(t)),
            End::InFlight => ("in-flight", "", None),
        };
        let eni_az = r
            .eni
            .map(|e| fabric.az_name(fabric.enis[e.index()].az).to_string())
            .unwrap_or_default();
        let target_instance = r
            .target_instance
            .map(|(w, i)| format!("{}[{i}]", fabric.workloads[w.index()].name))
            .unwrap_or_default();
        let (end_s, fct_ms) = match (outcome, end) {
            ("completed", Some(t)) => (
                secs(t),
                format!("{:.6}", t.saturating_since(r.start).as_nanos() as f64 / 1e6),
            ),
            (_, Some(t)) => (secs(t), String::new()),
            _ => (String::new(), String::new()),
        };
        w.write_record([
            secs(r.start),
            class_name(r.class),
            label(r.source),
            r.source_index.to_string(),
            label(r.target),
            r.path.name().to_string(),
            outcome.to_string(),
            reason.to_string(),
            eni_az,
            target_instance,
            r.request.to_string(),
            r.response.to_string(),
            r.moved.to_string(),
            end_s,
            fct_ms,
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    // The writer was given only UTF-8 strings.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Seconds with nanosecond precision: `12.000000345`.
fn secs(t: SimTime) -> String {
    let ns = t.as_nanos();
    format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000)
}
