//! The baseline check (`vpcsim check`): a fresh run of a scenario compared,
//! metric by metric, with a committed `summary.json` (its *baseline*).
//!
//! Owns: turning two summaries into named metrics, judging each change
//! against its tolerance ([`tolerance`]), and the report every output format
//! renders (one file per format: [`text`], [`markdown`], [`json`], [`junit`]).
//! Must not: run the simulation (the caller does) or reach inside a run.
//!
//! # Metrics
//! Paths are stable, dot-separated and usable in tolerance rules:
//!
//! | path | unit |
//! | --- | --- |
//! | `cost.monthly_total_usd`, `cost.total_usd`, `cost.by_category.<category>`, `cost.monthly_by_category.<category>`, `cost.by_account.<account>` | dollars |
//! | `cost.cross_az_bytes` | bytes |
//! | `connectivity.{attempts,delivered,denied}`, `connectivity.denied_by_reason.<REASON>` | connections |
//! | `traffic.<class>.{connections,delivered,denied,completed,cut}`, `traffic.<class>.denied_by_reason.<REASON>` | connections |
//! | `traffic.<class>.delivered_fraction` | fraction |
//! | `traffic.<class>.delivered_bytes` | bytes |
//! | `traffic.<class>.fct_ms.{p50,p90,p99,max}` | ms |
//! | `bandwidth.<resource>.{peak_gbps,peak_utilisation}` | Gbps, fraction |
//! | `expectations.<expectation>` | pass/fail |
//!
//! A metric present on one side only (a new cost category, a resource that
//! stopped carrying traffic) is compared with zero.
//!
//! # Verdict
//! The check **fails** (exit 1) when a numeric metric moved beyond its
//! tolerance, in either direction (a baseline is a snapshot: an unexplained
//! saving is as suspect as an unexplained cost; refresh the baseline with
//! `vpcsim baseline` when a change is intended), or when an expectation fails
//! in the new run.
//!
//! **A changed pricebook** (name or version) **does not by itself fail the
//! check**: it is reported first, and money metrics that moved beyond
//! tolerance are marked *repriced* instead of failed, because price changes
//! are not model regressions. Usage metrics (bytes, connections, bandwidth,
//! completion times) are still judged, so a model change that coincides with a
//! new pricebook is still caught. A pricebook edited in place (same name and
//! version, different rates) is not a pricebook change: its cost movements
//! fail — bump the version when prices change.
//!
//! A different `schema_version`, a baseline of another scenario, or a damaged
//! file is bad input (exit 2): see [`CheckError`].

pub mod baseline;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod text;
pub mod tolerance;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use baseline::{CheckError, Snapshot};
pub use tolerance::{glob_match, Rule, Tolerance, Tolerances};

/// What a metric measures, which decides how it prints and compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Money,
    Count,
    Bytes,
    Fraction,
    Gbps,
    Ms,
    Verdict,
}

/// A metric's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// Money and counts: compared exactly.
    Exact(Decimal),
    Float(f64),
    Pass(bool),
}

/// How a metric compares with its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Same value.
    Unchanged,
    /// Moved, within tolerance.
    Within,
    /// Moved beyond tolerance: fails.
    Beyond,
    /// Money moved beyond tolerance under a changed pricebook: reported, not failed.
    Repriced,
    /// Moved, but a rule says to ignore it.
    Ignored,
    /// An expectation that failed in the baseline passes now.
    Fixed,
    /// An expectation that passed (or did not exist) fails now: fails.
    NowFailing,
    /// An expectation that failed in the baseline still fails: fails.
    StillFailing,
}

impl Status {
    /// Whether this status fails the check.
    pub fn fails(self) -> bool {
        matches!(
            self,
            Status::Beyond | Status::NowFailing | Status::StillFailing
        )
    }
    /// Whether the value moved (or the verdict changed).
    pub fn changed(self) -> bool {
        !matches!(self, Status::Unchanged | Status::StillFailing)
    }
    /// A word for tables.
    pub fn word(self) -> &'static str {
        match self {
            Status::Unchanged => "same",
            Status::Within => "within",
            Status::Beyond => "FAIL",
            Status::Repriced => "repriced",
            Status::Ignored => "ignored",
            Status::Fixed => "fixed",
            Status::NowFailing => "FAIL",
            Status::StillFailing => "FAIL",
        }
    }
}

/// One compared metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDiff {
    /// The metric path, e.g. `cost.by_category.cross_az`.
    pub metric: String,
    pub kind: Kind,
    /// The value in the baseline (`None`: absent there).
    pub baseline: Option<String>,
    /// The value now (`None`: absent now).
    pub current: Option<String>,
    /// Signed change, e.g. `+$0.2163` (`None` when unchanged or a verdict).
    pub delta: Option<String>,
    /// Relative change (0.1 = +10%); `None` when not defined (from zero, verdicts).
    pub relative: Option<f64>,
    /// The tolerance applied, e.g. `exact`, `±5%`.
    pub tolerance: String,
    pub status: Status,
    pub failed: bool,
    /// One line saying it all; the failure message in JUnit.
    pub line: String,
}

/// A statement about the comparison as a whole, shown before the metrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// `pricebook_changed`, `seed_changed`, `rule_unused`.
    pub kind: String,
    pub message: String,
}

/// The monthly cost, before and after: the headline of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    pub baseline: String,
    pub current: String,
    pub delta: String,
    pub relative: Option<f64>,
}

/// Counts of metrics by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub metrics: usize,
    pub unchanged: usize,
    pub within: usize,
    pub failed: usize,
    pub repriced: usize,
    pub ignored: usize,
    pub fixed: usize,
}

/// The outcome of a check: what every format renders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub scenario: String,
    /// The baseline file, as given.
    pub baseline_file: String,
    pub passed: bool,
    /// Pricebook, seed and rule notes, most important first.
    pub notes: Vec<Note>,
    /// `name version` of the baseline's and the run's pricebooks.
    pub pricebook_baseline: String,
    pub pricebook_current: String,
    pub seed_baseline: u64,
    pub seed_current: u64,
    /// The monthly cost (730 h) before and after.
    pub monthly: Headline,
    pub tolerances: String,
    pub counts: Counts,
    /// Every metric, in report order (cost, connectivity, traffic, bandwidth,
    /// expectations).
    pub metrics: Vec<MetricDiff>,
}

impl CheckReport {
    /// Metrics that fail the check.
    pub fn failures(&self) -> impl Iterator<Item = &MetricDiff> {
        self.metrics.iter().filter(|m| m.failed)
    }
    /// Metrics that moved (or changed verdict) without failing.
    pub fn changed_ok(&self) -> impl Iterator<Item = &MetricDiff> {
        self.metrics
            .iter()
            .filter(|m| !m.failed && m.status.changed())
    }
    /// Metrics that did not move.
    pub fn unchanged(&self) -> impl Iterator<Item = &MetricDiff> {
        self.metrics.iter().filter(|m| !m.status.changed())
    }
}

/// Order of a metric in reports: section, group, field rank, item.
type Order = (u8, String, u8, String);

/// Named metrics of one snapshot, in report order.
fn metrics(s: &Snapshot) -> BTreeMap<Order, (String, Kind, Value)> {
    let mut m = BTreeMap::new();
    let mut put = |order: Order, path: String, kind: Kind, v: Value| {
        m.insert(order, (path, kind, v));
    };
    let o = |s: u8, g: &str, f: u8, i: &str| (s, g.to_string(), f, i.to_string());
    let count = |n: u64| Value::Exact(Decimal::from(n));
    let c = &s.cost;
    put(
        o(0, "", 0, ""),
        "cost.monthly_total_usd".into(),
        Kind::Money,
        Value::Exact(c.monthly_total_usd),
    );
    for (k, v) in &c.monthly_by_category {
        put(
            o(0, "", 1, k),
            format!("cost.monthly_by_category.{k}"),
            Kind::Money,
            Value::Exact(*v),
        );
    }
    put(
        o(0, "", 2, ""),
        "cost.total_usd".into(),
        Kind::Money,
        Value::Exact(c.total_usd),
    );
    for (k, v) in &c.by_category {
        put(
            o(0, "", 3, k),
            format!("cost.by_category.{k}"),
            Kind::Money,
            Value::Exact(*v),
        );
    }
    for (k, v) in &c.by_account {
        put(
            o(0, "", 4, k),
            format!("cost.by_account.{k}"),
            Kind::Money,
            Value::Exact(*v),
        );
    }
    put(
        o(0, "", 5, ""),
        "cost.cross_az_bytes".into(),
        Kind::Bytes,
        count(c.cross_az_bytes),
    );
    let n = &s.connectivity;
    put(
        o(1, "", 0, ""),
        "connectivity.attempts".into(),
        Kind::Count,
        count(n.attempts),
    );
    put(
        o(1, "", 1, ""),
        "connectivity.delivered".into(),
        Kind::Count,
        count(n.delivered),
    );
    put(
        o(1, "", 2, ""),
        "connectivity.denied".into(),
        Kind::Count,
        count(n.denied),
    );
    for (r, v) in &n.denied_by_reason {
        put(
            o(1, "", 3, r),
            format!("connectivity.denied_by_reason.{r}"),
            Kind::Count,
            count(*v),
        );
    }
    for t in &s.traffic {
        let p = |f: &str| format!("traffic.{}.{f}", t.name);
        let g = t.name.as_str();
        put(
            o(2, g, 0, ""),
            p("connections"),
            Kind::Count,
            count(t.connections),
        );
        put(
            o(2, g, 1, ""),
            p("delivered"),
            Kind::Count,
            count(t.delivered),
        );
        let fraction = if t.connections == 0 {
            0.0
        } else {
            t.delivered as f64 / t.connections as f64
        };
        put(
            o(2, g, 2, ""),
            p("delivered_fraction"),
            Kind::Fraction,
            Value::Float(fraction),
        );
        put(o(2, g, 3, ""), p("denied"), Kind::Count, count(t.denied));
        for (r, v) in &t.denied_by_reason {
            put(
                o(2, g, 4, r),
                p(&format!("denied_by_reason.{r}")),
                Kind::Count,
                count(*v),
            );
        }
        put(
            o(2, g, 5, ""),
            p("completed"),
            Kind::Count,
            count(t.completed),
        );
        put(o(2, g, 6, ""), p("cut"), Kind::Count, count(t.cut));
        put(
            o(2, g, 7, ""),
            p("delivered_bytes"),
            Kind::Bytes,
            count(t.delivered_bytes),
        );
        for (i, (q, v)) in [
            ("p50", t.fct_ms.p50),
            ("p90", t.fct_ms.p90),
            ("p99", t.fct_ms.p99),
            ("max", t.fct_ms.max),
        ]
        .into_iter()
        .enumerate()
        {
            put(
                o(2, g, 8 + i as u8, ""),
                p(&format!("fct_ms.{q}")),
                Kind::Ms,
                Value::Float(v),
            );
        }
    }
    for r in &s.resources {
        let g = r.name.as_str();
        put(
            o(3, g, 0, ""),
            format!("bandwidth.{g}.peak_gbps"),
            Kind::Gbps,
            Value::Float(r.peak_gbps),
        );
        put(
            o(3, g, 1, ""),
            format!("bandwidth.{g}.peak_utilisation"),
            Kind::Fraction,
            Value::Float(r.peak_utilisation),
        );
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &s.expectations {
        let k = seen.entry(e.expectation.as_str()).or_default();
        *k += 1;
        let name = if *k == 1 {
            e.expectation.clone()
        } else {
            format!("{} #{k}", e.expectation)
        };
        put(
            o(4, &name, 0, ""),
            format!("expectations.{name}"),
            Kind::Verdict,
            Value::Pass(e.passed),
        );
    }
    m
}

/// A value for people.
pub fn show(kind: Kind, v: Value) -> String {
    match (kind, v) {
        (_, Value::Pass(p)) => if p { "pass" } else { "fail" }.to_string(),
        (Kind::Money, Value::Exact(d)) => format!("${:.4}", d.round_dp(4)),
        (Kind::Bytes, Value::Exact(d)) => format!("{d} B"),
        (_, Value::Exact(d)) => d.to_string(),
        (Kind::Ms, Value::Float(x)) => format!("{} ms", sig(x)),
        (Kind::Gbps, Value::Float(x)) => format!("{} Gbps", sig(x)),
        (_, Value::Float(x)) => sig(x),
    }
}

/// Six significant digits, without trailing zeros.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = 6 - 1 - x.abs().log10().floor() as i32;
    let s = format!("{:.*}", digits.max(0) as usize, x);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A signed change for people.
fn show_delta(kind: Kind, base: Value, cur: Value) -> Option<String> {
    match (base, cur) {
        (Value::Exact(b), Value::Exact(c)) => {
            let d = c - b;
            let sign = if d.is_sign_negative() { "-" } else { "+" };
            Some(match kind {
                Kind::Money => format!("{sign}${:.4}", d.abs().round_dp(4)),
                Kind::Bytes => format!("{sign}{} B", d.abs()),
                _ => format!("{sign}{}", d.abs()),
            })
        }
        (Value::Float(b), Value::Float(c)) => {
            let d = c - b;
            let sign = if d < 0.0 { "-" } else { "+" };
            let unit = match kind {
                Kind::Ms => " ms",
                Kind::Gbps => " Gbps",
                _ => "",
            };
            Some(format!("{sign}{}{unit}", sig(d.abs())))
        }
        _ => None,
    }
}

fn relative(base: Value, cur: Value) -> Option<f64> {
    let (b, c) = match (base, cur) {
        (Value::Exact(b), Value::Exact(c)) => (
            b.to_string().parse::<f64>().ok()?,
            c.to_string().parse::<f64>().ok()?,
        ),
        (Value::Float(b), Value::Float(c)) => (b, c),
        _ => return None,
    };
    (b != 0.0).then(|| (c - b) / b.abs())
}

/// `+9.94%`, `-100%`.
pub fn show_relative(r: Option<f64>) -> String {
    match r {
        None => "new".to_string(),
        Some(r) => {
            let p = r * 100.0;
            let s = if p.abs() >= 100.0 {
                format!("{p:+.0}%")
            } else if p.abs() >= 10.0 {
                format!("{p:+.1}%")
            } else {
                format!("{p:+.2}%")
            };
            s.replace(".0%", "%")
        }
    }
}

fn zero_like(v: Value) -> Value {
    match v {
        Value::Exact(_) => Value::Exact(Decimal::ZERO),
        Value::Float(_) => Value::Float(0.0),
        Value::Pass(_) => Value::Pass(true),
    }
}

/// Compares a run with its baseline. `baseline_file` names the baseline in
/// the report. Fails with [`CheckError::ScenarioMismatch`] when the two are
/// summaries of different scenarios.
pub fn compare(
    baseline: &Snapshot,
    current: &Snapshot,
    tolerances: &Tolerances,
    baseline_file: &str,
) -> Result<CheckReport, CheckError> {
    if baseline.scenario != current.scenario {
        return Err(CheckError::ScenarioMismatch {
            file: baseline_file.to_string(),
            baseline: baseline.scenario.clone(),
            scenario: current.scenario.clone(),
        });
    }
    let pb = |s: &Snapshot| format!("{} {}", s.cost.pricebook, s.cost.pricebook_version);
    let (pb_base, pb_cur) = (pb(baseline), pb(current));
    let repriced = pb_base != pb_cur;
    let mut notes = Vec::new();
    if repriced {
        notes.push(Note {
            kind: "pricebook_changed".to_string(),
            message: format!(
                "pricebook changed: {pb_base} → {pb_cur} — price changes are not model regressions: cost lines that moved are reported as repriced and do not fail the check; usage metrics are still checked"
            ),
        });
    }
    if baseline.seed != current.seed {
        notes.push(Note {
            kind: "seed_changed".to_string(),
            message: format!(
                "seed changed: {} → {} — every random draw differs, so metrics move without any model change",
                baseline.seed, current.seed
            ),
        });
    }

    let old = metrics(baseline);
    let new = metrics(current);
    let mut keys: Vec<&Order> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut diffs = Vec::with_capacity(keys.len());
    let mut used = vec![false; tolerances.rules.len()];
    for key in keys {
        let (path, kind, b, c) = match (old.get(key), new.get(key)) {
            (Some((p, k, b)), Some((_, _, c))) => (p, *k, Some(*b), Some(*c)),
            (Some((p, k, b)), None) => (p, *k, Some(*b), None),
            (None, Some((p, k, c))) => (p, *k, None, Some(*c)),
            (None, None) => continue,
        };
        for (i, r) in tolerances.rules.iter().enumerate() {
            if glob_match(&r.metric, path) {
                used[i] = true;
            }
        }
        diffs.push(judge(path, kind, b, c, tolerances, repriced));
    }
    for (i, r) in tolerances.rules.iter().enumerate() {
        if !used[i] {
            notes.push(Note {
                kind: "rule_unused".to_string(),
                message: format!("tolerance rule {:?} matched no metric (a typo?)", r.metric),
            });
        }
    }

    let money = |d: Decimal| format!("${:.4}", d.round_dp(4));
    let (mb, mc) = (
        baseline.cost.monthly_total_usd,
        current.cost.monthly_total_usd,
    );
    let monthly = Headline {
        baseline: money(mb),
        current: money(mc),
        delta: show_delta(Kind::Money, Value::Exact(mb), Value::Exact(mc)).unwrap_or_default(),
        relative: relative(Value::Exact(mb), Value::Exact(mc)),
    };
    let mut counts = Counts {
        metrics: diffs.len(),
        ..Counts::default()
    };
    for d in &diffs {
        if d.failed {
            counts.failed += 1;
        }
        match d.status {
            Status::Unchanged => counts.unchanged += 1,
            Status::Within => counts.within += 1,
            Status::Repriced => counts.repriced += 1,
            Status::Ignored => counts.ignored += 1,
            Status::Fixed => counts.fixed += 1,
            _ => {}
        }
    }
    Ok(CheckReport {
        scenario: current.scenario.clone(),
        baseline_file: baseline_file.to_string(),
        passed: counts.failed == 0,
        notes,
        pricebook_baseline: pb_base,
        pricebook_current: pb_cur,
        seed_baseline: baseline.seed,
        seed_current: current.seed,
        monthly,
        tolerances: tolerances.describe(),
        counts,
        metrics: diffs,
    })
}

/// Judges one metric.
fn judge(
    path: &str,
    kind: Kind,
    base: Option<Value>,
    cur: Option<Value>,
    tolerances: &Tolerances,
    repriced: bool,
) -> MetricDiff {
    let money = kind == Kind::Money;
    let tol = tolerances.for_metric(path, money);
    let shown = |v: Option<Value>| v.map(|v| show(kind, v));
    let (baseline, current) = (shown(base), shown(cur));
    let mut delta = None;
    let mut rel = None;
    let status = if kind == Kind::Verdict {
        match (base, cur) {
            // An expectation that is gone cannot fail; it is reported.
            (_, None) => Status::Within,
            (Some(Value::Pass(true)), Some(Value::Pass(true))) => Status::Unchanged,
            (None, Some(Value::Pass(true))) => Status::Within,
            (Some(_), Some(Value::Pass(true))) => Status::Fixed,
            _ if tol.ignore => Status::Ignored,
            (Some(Value::Pass(false)), _) => Status::StillFailing,
            _ => Status::NowFailing,
        }
    } else {
        let b = base
            .or_else(|| cur.map(zero_like))
            .unwrap_or(Value::Pass(true));
        let c = cur
            .or_else(|| base.map(zero_like))
            .unwrap_or(Value::Pass(true));
        let within = match (b, c) {
            (Value::Exact(x), Value::Exact(y)) => {
                if x == y && base.is_some() && cur.is_some() {
                    None
                } else {
                    Some(tol.allows_exact(x, y - x))
                }
            }
            (Value::Float(x), Value::Float(y)) => {
                if x == y && base.is_some() && cur.is_some() {
                    None
                } else {
                    Some(tol.allows_float(x, y - x))
                }
            }
            _ => None,
        };
        if within.is_some() {
            delta = show_delta(kind, b, c);
            rel = relative(b, c);
        }
        match within {
            None => Status::Unchanged,
            Some(_) if tol.ignore => Status::Ignored,
            Some(true) => Status::Within,
            Some(false) if money && repriced => Status::Repriced,
            Some(false) => Status::Beyond,
        }
    };
    let failed = status.fails();
    let tolerance = if kind == Kind::Verdict {
        if tol.ignore { "ignored" } else { "must pass" }.to_string()
    } else {
        tol.describe(money)
    };
    let line = diff_line(
        path,
        baseline.as_deref(),
        current.as_deref(),
        delta.as_deref(),
        rel,
        status,
        &tolerance,
    );
    MetricDiff {
        metric: path.to_string(),
        kind,
        baseline,
        current,
        delta,
        relative: rel,
        tolerance,
        status,
        failed,
        line,
    }
}

/// `cost.by_category.cross_az: $0.2163 → $0.4326 (+$0.2163, +100%), beyond tolerance (exact)`.
fn diff_line(
    path: &str,
    base: Option<&str>,
    cur: Option<&str>,
    delta: Option<&str>,
    rel: Option<f64>,
    status: Status,
    tolerance: &str,
) -> String {
    let b = base.unwrap_or("absent");
    let c = cur.unwrap_or("absent");
    let change = match delta {
        Some(d) => format!(" ({d}, {})", show_relative(rel)),
        None => String::new(),
    };
    let verdict = match status {
        Status::Unchanged => "unchanged".to_string(),
        Status::Within => format!("within tolerance ({tolerance})"),
        Status::Beyond => format!("beyond tolerance ({tolerance})"),
        Status::Repriced => "repriced (pricebook changed)".to_string(),
        Status::Ignored => "ignored by a tolerance rule".to_string(),
        Status::Fixed => "expectation passes now".to_string(),
        Status::NowFailing => "expectation fails".to_string(),
        Status::StillFailing => "expectation still fails".to_string(),
    };
    if status == Status::Unchanged || status == Status::StillFailing {
        format!("{path}: {c}, {verdict}")
    } else {
        format!("{path}: {b} → {c}{change}, {verdict}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::ExpectationResult;

    fn snap() -> Snapshot {
        let json = r#"{
          "schema_version": 2, "scenario": "s", "seed": 1,
          "connectivity": {"attempts": 100, "delivered": 90, "denied": 10, "denied_by_reason": {"NO_ROUTE": 10}},
          "traffic": [{"name": "web", "connections": 100, "delivered": 90, "denied": 10,
                       "denied_by_reason": {"NO_ROUTE": 10}, "delivered_bytes": 1000, "completed": 90, "cut": 0,
                       "fct_ms": {"p50": 1.5, "p90": 2.0, "p99": 3.25, "max": 9.0}}],
          "bandwidth": {"sample_interval_s": 60.0, "resources": [
              {"name": "endpoint:ep/use1-az1", "peak_gbps": 1.5, "peak_utilisation": 0.15}]},
          "cost": {"total_usd": "10.0000", "by_category": {"cross_az": "4.0000", "endpoint_hours": "6.0000"},
                   "by_account": {"acme": "10.0000"}, "monthly_total_usd": "100.0000",
                   "monthly_by_category": {"cross_az": "40.0000", "endpoint_hours": "60.0000"},
                   "pricebook": "aws-us-east-1", "pricebook_version": "2026-09-29", "cross_az_bytes": 4096},
          "expectations": [{"expectation": "Delivered(web) ≥ 0.8", "passed": true, "actual": "0.9", "limit": "≥ 0.8", "detail": ""}]
        }"#;
        Snapshot::from_json_bytes(json.as_bytes(), "b.json").expect("valid")
    }

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    fn run(b: &Snapshot, c: &Snapshot, t: &Tolerances) -> CheckReport {
        compare(b, c, t, "b.json").expect("same scenario")
    }

    #[test]
    fn a_snapshot_against_itself_passes_with_every_metric_unchanged() {
        // Nothing moved, so nothing may fail and nothing counts as changed.
        let s = snap();
        let r = run(&s, &s, &Tolerances::default());
        assert!(r.passed);
        assert_eq!(r.counts.unchanged, r.counts.metrics);
        assert_eq!(r.metrics[0].metric, "cost.monthly_total_usd");
        assert!(r.notes.is_empty());
    }

    #[test]
    fn a_moved_cost_line_fails_exactly_and_passes_within_tolerance() {
        // cross_az goes $4 → $4.10 (+2.5%): exact tolerances fail it and name
        // it; 5% relative on categories lets it through but keeps the total
        // (also moved) failing, since the rule does not match the total.
        let b = snap();
        let mut c = snap();
        c.cost.by_category.insert("cross_az".into(), d("4.1"));
        c.cost.total_usd = d("10.1");
        let r = run(&b, &c, &Tolerances::default());
        assert!(!r.passed);
        let f: Vec<&str> = r.failures().map(|m| m.metric.as_str()).collect();
        assert_eq!(f, ["cost.total_usd", "cost.by_category.cross_az"]);
        let line = &r.failures().nth(1).expect("two").line;
        assert_eq!(
            line,
            "cost.by_category.cross_az: $4.0000 → $4.1000 (+$0.1000, +2.50%), beyond tolerance (exact)"
        );
        let t = Tolerances {
            rules: vec![Rule {
                metric: "cost.by_category.*".into(),
                rel: Some(0.05),
                abs: None,
                ignore: None,
            }],
            ..Default::default()
        };
        let r = run(&b, &c, &t);
        let f: Vec<&str> = r.failures().map(|m| m.metric.as_str()).collect();
        assert_eq!(f, ["cost.total_usd"]);
        let t = Tolerances {
            abs_usd: Some(crate::units::Usd::parse("$0.10").expect("usd")),
            ..Default::default()
        };
        assert!(run(&b, &c, &t).passed, "a $0.10 move is within ±$0.10");
    }

    #[test]
    fn a_new_pricebook_reprices_money_but_still_checks_usage() {
        // Same usage, new prices: money moves are "repriced" (not failed) and
        // the note comes first. A usage change under the new pricebook
        // still fails.
        let b = snap();
        let mut c = snap();
        c.cost.pricebook_version = "2027-01-01".into();
        c.cost.monthly_total_usd = d("120");
        let r = run(&b, &c, &Tolerances::default());
        assert!(r.passed, "{:?}", r.failures().collect::<Vec<_>>());
        assert_eq!(r.notes[0].kind, "pricebook_changed");
        assert!(r.notes[0].message.starts_with(
            "pricebook changed: aws-us-east-1 2026-09-29 → aws-us-east-1 2027-01-01 — price changes are not model regressions"
        ));
        assert_eq!(r.metrics[0].status, Status::Repriced);
        c.cost.cross_az_bytes = 8192;
        let r = run(&b, &c, &Tolerances::default());
        assert_eq!(
            r.failures().map(|m| m.metric.as_str()).collect::<Vec<_>>(),
            ["cost.cross_az_bytes"]
        );
    }

    #[test]
    fn one_sided_metrics_compare_with_zero() {
        // A reason that appears (NOT_ALLOWED_PRINCIPAL) and a resource that
        // disappears both count as moves from or to zero.
        let b = snap();
        let mut c = snap();
        c.traffic[0]
            .denied_by_reason
            .insert("NOT_ALLOWED_PRINCIPAL".into(), 3);
        c.resources.clear();
        let r = run(&b, &c, &Tolerances::default());
        let f: Vec<String> = r.failures().map(|m| m.line.clone()).collect();
        assert!(f.contains(
            &"traffic.web.denied_by_reason.NOT_ALLOWED_PRINCIPAL: absent → 3 (+3, new), beyond tolerance (exact)".to_string()
        ), "{f:#?}");
        assert!(
            f.iter().any(|l| l.starts_with(
                "bandwidth.endpoint:ep/use1-az1.peak_gbps: 1.5 Gbps → absent (-1.5 Gbps, -100%)"
            )),
            "{f:#?}"
        );
    }

    #[test]
    fn expectation_verdicts_fail_when_failing_now() {
        // pass → fail fails; fail → pass is reported as fixed and passes;
        // fail → fail still fails (a failed expectation is exit 1).
        let pass = snap();
        let mut fail = snap();
        fail.expectations[0].passed = false;
        let r = run(&pass, &fail, &Tolerances::default());
        assert_eq!(
            r.failures().next().map(|m| m.status),
            Some(Status::NowFailing)
        );
        let r = run(&fail, &pass, &Tolerances::default());
        assert!(r.passed);
        assert_eq!(r.counts.fixed, 1);
        let r = run(&fail, &fail, &Tolerances::default());
        assert!(!r.passed);
        let mut extra = snap();
        extra.expectations.push(ExpectationResult {
            expectation: "MonthlyCostAtMost ≤ $1".into(),
            passed: false,
            actual: "$100".into(),
            limit: "≤ $1".into(),
            detail: String::new(),
        });
        let r = run(&pass, &extra, &Tolerances::default());
        assert_eq!(
            r.failures().map(|m| m.metric.as_str()).collect::<Vec<_>>(),
            ["expectations.MonthlyCostAtMost ≤ $1"]
        );
    }

    #[test]
    fn another_scenario_is_a_mismatch_and_unused_rules_are_noted() {
        let b = snap();
        let mut c = snap();
        c.scenario = "other".into();
        let e = compare(&b, &c, &Tolerances::default(), "b.json").expect_err("mismatch");
        assert!(
            e.to_string().contains("scenario \"s\", not of \"other\""),
            "{e}"
        );
        let t = Tolerances {
            rules: vec![Rule {
                metric: "cost.by_catgory.*".into(),
                rel: Some(0.1),
                abs: None,
                ignore: None,
            }],
            ..Default::default()
        };
        let r = run(&b, &b, &t);
        assert_eq!(r.notes[0].kind, "rule_unused");
    }

    #[test]
    fn numbers_print_compactly() {
        assert_eq!(sig(0.0044004631), "0.00440046");
        assert_eq!(sig(3.436543), "3.43654");
        assert_eq!(sig(1234567.0), "1234567");
        assert_eq!(show_relative(Some(0.0994)), "+9.94%");
        assert_eq!(show_relative(Some(-1.0)), "-100%");
        assert_eq!(show_relative(None), "new");
        assert_eq!(show_relative(Some(26.983)), "+2698%");
    }
}
