//! What a run would refuse in a replayed trace, found when the scenario is
//! loaded (so `validate` refuses it too), with the file and line.
//!
//! - A row's source must be a workload or a site of the scenario, its target
//!   a service, endpoint, workload, site, `s3`, `dynamodb` or `internet`
//!   (empty means the class's own).
//! - Rows at or after the end of the class's window are refused rather
//!   than dropped: a trace longer than the run is almost always a mistake
//!   (the wrong file, or a duration too short), and dropping rows silently
//!   would report less traffic than the trace holds.
//!
//! Owns: those checks. Must not: read files or run anything.

use crate::dataplane::traffic::TraceRow;
use crate::scenario::{Scenario, Traffic};
use crate::units::SimDuration;

/// Rows reported one by one, at most, per kind of problem.
const SHOWN: usize = 3;

/// Problems of the trace `rows` (read from `file`) replayed by class `t`.
pub fn problems(s: &Scenario, t: &Traffic, rows: &[TraceRow], file: &str) -> Vec<String> {
    let start = t.start.unwrap_or(SimDuration::ZERO);
    let end = t.end.unwrap_or(s.duration);
    let window = SimDuration(end.as_nanos().saturating_sub(start.as_nanos()));
    let is_source =
        |n: &str| s.workloads.iter().any(|w| w.name == n) || s.sites.iter().any(|x| x.name == n);
    let is_target = |n: &str| {
        is_source(n)
            || s.services.iter().any(|x| x.name == n)
            || s.endpoints.iter().any(|x| x.name == n)
            || matches!(n, "s3" | "dynamodb" | "internet")
    };
    let mut out = Vec::new();
    let mut report = |bad: Vec<(u64, String)>, kind: &str| {
        for (line, m) in bad.iter().take(SHOWN) {
            out.push(format!("{file}:{line}: {m}"));
        }
        if bad.len() > SHOWN {
            out.push(format!(
                "{file}: … and {} more rows with {kind}",
                bad.len() - SHOWN
            ));
        }
    };
    let unknown = |r: &TraceRow| {
        if !r.source.is_empty() && !is_source(&r.source) {
            Some(format!(
                "source {:?} is not a workload or site of the scenario",
                r.source
            ))
        } else if !r.target.is_empty() && !is_target(&r.target) {
            Some(format!(
                "target {:?} is not a service, endpoint, workload or site of the scenario (nor s3, dynamodb, internet)",
                r.target
            ))
        } else {
            None
        }
    };
    report(
        rows.iter()
            .filter_map(|r| unknown(r).map(|m| (r.line, m)))
            .collect(),
        "unknown names",
    );
    report(
        rows.iter()
            .filter(|r| r.time.as_nanos() >= window.as_nanos())
            .map(|r| {
                (
                    r.line,
                    format!(
                        "row at {} is at or after the end of traffic class {:?}'s window ({window} long); trim the trace or lengthen the run (duration, or the class's end)",
                        SimDuration(r.time.as_nanos()),
                        t.name
                    ),
                )
            })
            .collect(),
        "times after the window",
    );
    out
}
