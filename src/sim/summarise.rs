//! Results from the counters of a finished run: the bill, the summary,
//! the connectivity table, the time series and completion-time curves.
//!
//! Owns: turning a model's counters into the [`crate::results`] types. Must
//! not: simulate (the run is over) or format files (report does).

use std::collections::BTreeMap;

use super::model::{Class, Run};
use super::RunError;
use crate::connection_log;
use crate::control::Reason;
use crate::cost::{self, Bill, BillOptions, Pricebook};
use crate::dataplane::network::ResourceInfo;
use crate::fabric::Fabric;
use crate::results::{
    Bandwidth, Connectivity, ConnectivityKey, CostSummary, Fct, ResourceSeries, ResourceSummary,
    RunResult, Summary, TrafficSummary, SCHEMA_VERSION,
};
use crate::units::{self, SimDuration, SimTime};

/// A run's results, all but the fabric (still borrowed by the model when
/// they are made).
pub(super) struct Summarised {
    summary: Summary,
    connectivity: BTreeMap<ConnectivityKey, u64>,
    hints: BTreeMap<(String, Reason), String>,
    bill: Bill,
    monthly_bill: Bill,
    timeseries: Vec<ResourceSeries>,
    cross_az_series: Vec<(SimTime, u64)>,
    fct_cdf: Vec<(String, Vec<(f64, f64)>)>,
    connection_log: Option<connection_log::Log>,
}

impl Summarised {
    /// The result of the run over `fabric`.
    pub(super) fn with_fabric(self, fabric: Fabric) -> RunResult {
        RunResult {
            summary: self.summary,
            fabric,
            connectivity: self.connectivity,
            hints: self.hints,
            bill: self.bill,
            monthly_bill: self.monthly_bill,
            timeseries: self.timeseries,
            cross_az_series: self.cross_az_series,
            fct_cdf: self.fct_cdf,
            connection_log: self.connection_log,
        }
    }
}

/// What the run's counters say, besides the model itself.
pub(super) struct Totals<'p> {
    pub(super) pricebook: &'p Pricebook,
    pub(super) seed: u64,
    pub(super) events_processed: u64,
    /// Per class: connections in progress at the end and their full sizes.
    pub(super) in_flight: Vec<(u64, u64)>,
    /// Whether `--project-month` asked for a monthly bill.
    pub(super) project_month: bool,
}

/// Bills the run and summarises its counters.
pub(super) fn summarise(mut model: Run<'_>, t: &Totals<'_>) -> Result<Summarised, RunError> {
    let scenario = model.scenario;
    let fabric = model.fabric;
    let end = SimTime(scenario.duration.as_nanos());
    model
        .usage
        .record_hours(fabric, &model.state.provisioned, end);
    let project = scenario.settings.project_month || t.project_month;
    let (bill, monthly_bill) = bills(&mut model, t.pricebook, project)?;
    let (connectivity, traffic) = traffic(&model.classes, &t.in_flight);
    // Reported resources that carried traffic, with their resource index.
    let carried: Vec<(usize, &ResourceSeries)> = model
        .series
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
        .filter(|(_, s)| s.samples.iter().any(|x| x.1 > 0.0))
        .collect();
    let bandwidth = Bandwidth {
        sample_interval_s: model.sample_interval.as_secs_f64(),
        resources: carried
            .iter()
            .map(|(i, s)| resource(s, model.net.info.get(*i), scenario.duration))
            .collect(),
    };
    let timeseries: Vec<ResourceSeries> = carried.into_iter().map(|(_, s)| s.clone()).collect();
    let cross_az_bytes: u64 = model.cross_az_series.iter().map(|(_, b)| *b).sum();
    let summary = Summary {
        schema_version: SCHEMA_VERSION,
        vpcsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        seed: t.seed,
        sim_duration_s: scenario.duration.as_secs_f64(),
        events_processed: t.events_processed,
        quota_profile: fabric.quotas.name.clone(),
        quota_profile_version: fabric.quotas.version.clone(),
        entities: fabric.counts(scenario),
        scenario_events_applied: model
            .events_applied
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        connectivity,
        traffic,
        bandwidth,
        cost: CostSummary::from_bills(
            &bill,
            &monthly_bill,
            cross_az_bytes,
            bill.rules
                .as_ref()
                .and_then(|r| cost::rules::other_set_note(&t.pricebook.rule_book(), &r.name)),
        ),
        control_events: model.state.log.clone(),
        expectations: Vec::new(),
    };
    let names: Vec<&str> = scenario.traffic.iter().map(|t| t.name.as_str()).collect();
    Ok(Summarised {
        summary,
        connectivity: connectivity_rows(&model, &names),
        hints: model
            .hints
            .iter()
            .map(|((c, r), h)| ((names[*c as usize].to_string(), *r), h.clone()))
            .collect(),
        bill,
        monthly_bill,
        timeseries,
        fct_cdf: fct_cdf(&model.classes),
        connection_log: model.log.take().map(|records| connection_log::Log {
            records,
            classes: names.iter().map(|n| n.to_string()).collect(),
            labels: model.labels.names().to_vec(),
            hops: model.hop_traces.take().unwrap_or_default(),
        }),
        cross_az_series: std::mem::take(&mut model.cross_az_series),
    })
}

/// The bill of the window (a month when projected) and of a 730-hour month.
fn bills(
    model: &mut Run<'_>,
    pricebook: &Pricebook,
    project: bool,
) -> Result<(Bill, Bill), RunError> {
    let scenario = model.scenario;
    let window = scenario.duration;
    let meters = model.usage.meters();
    let families = billing_families(scenario);
    let bill_of = |project_month: Option<SimDuration>| {
        cost::bill_with_families(
            meters,
            pricebook,
            &scenario.region,
            &BillOptions {
                project_month,
                consolidated_billing: scenario.settings.consolidated_billing,
            },
            &families,
        )
    };
    let bill = bill_of(project.then_some(window))?;
    let monthly_bill = if project {
        bill.clone()
    } else {
        bill_of(Some(window))?
    };
    Ok((bill, monthly_bill))
}

/// Each account of an organization mapped to the organization: the
/// billing families consolidated billing pools tiers in (accounts in no
/// organization pool alone).
fn billing_families(scenario: &crate::scenario::Scenario) -> BTreeMap<String, String> {
    scenario
        .accounts
        .iter()
        .filter_map(|a| a.org.as_ref().map(|o| (a.name.clone(), o.clone())))
        .collect()
}

/// Connection totals of the run and the summary of each class.
fn traffic(classes: &[Class], in_flight: &[(u64, u64)]) -> (Connectivity, Vec<TrafficSummary>) {
    let mut connectivity = Connectivity::default();
    let traffic = classes
        .iter()
        .zip(in_flight)
        .map(|(c, in_flight)| {
            let denied: u64 = c.denied.values().sum();
            connectivity.attempts += c.connections;
            connectivity.delivered += c.delivered;
            connectivity.denied += denied;
            for (r, n) in &c.denied {
                *connectivity
                    .denied_by_reason
                    .entry(r.code().to_string())
                    .or_default() += n;
            }
            class_summary(c, denied, *in_flight)
        })
        .collect();
    (connectivity, traffic)
}

fn class_summary(c: &Class, denied: u64, in_flight: (u64, u64)) -> TrafficSummary {
    let pct = |q: f64| {
        if c.fct.is_empty() {
            0.0
        } else {
            c.fct.value_at_quantile(q) as f64 / 1e6
        }
    };
    let codes =
        |m: &BTreeMap<Reason, u64>| m.iter().map(|(r, n)| (r.code().to_string(), *n)).collect();
    TrafficSummary {
        name: c.name.clone(),
        connections: c.connections,
        delivered: c.delivered,
        denied,
        denied_by_reason: codes(&c.denied),
        offered_bytes: c.offered_bytes,
        admitted_bytes: c.admitted_bytes,
        completed: c.completed,
        delivered_bytes: c.delivered_bytes - c.moved_before_cut,
        cut: c.cut.values().sum(),
        cut_by_reason: codes(&c.cut),
        cut_bytes: c.cut_bytes.saturating_add(c.moved_before_cut),
        moved_before_cut: c.moved_before_cut,
        in_flight_at_end: in_flight.0,
        in_flight_bytes: in_flight.1,
        fct_ms: Fct {
            p50: pct(0.5),
            p90: pct(0.9),
            p99: pct(0.99),
            max: if c.fct.is_empty() {
                0.0
            } else {
                c.fct.max() as f64 / 1e6
            },
        },
    }
}

/// One reported resource's capacity and throughput over the run.
fn resource(
    s: &ResourceSeries,
    info: Option<&ResourceInfo>,
    duration: SimDuration,
) -> ResourceSummary {
    let peak = s.samples.iter().map(|x| x.1).fold(0.0, f64::max);
    let mut last = SimTime::ZERO;
    let total_bits: f64 = s
        .samples
        .iter()
        .map(|(t, bps, _)| {
            let d = t.saturating_since(last).as_secs_f64();
            last = *t;
            bps * d
        })
        .sum();
    let mut last = SimTime::ZERO;
    let mut saturated = 0.0;
    let mut peak_util: f64 = 0.0;
    for (t, bps, cap) in &s.samples {
        let d = t.saturating_since(last).as_secs_f64();
        last = *t;
        // A resource without a ceiling is never near it: no utilisation.
        if *cap > 0 && !units::Bandwidth(*cap).is_unbounded() {
            let u = bps / *cap as f64;
            peak_util = peak_util.max(u);
            if u >= 0.99 {
                saturated += d;
            }
        }
    }
    ResourceSummary {
        name: s.name.clone(),
        kind: s.kind.to_string(),
        base_capacity_gbps: ceiling_gbps(info.map_or(units::Bandwidth::ZERO, |i| i.base)),
        max_capacity_gbps: ceiling_gbps(
            info.and_then(|i| i.capacity_steps.iter().map(|(_, c)| *c).max())
                .unwrap_or(units::Bandwidth::ZERO),
        ),
        capacity_changes: info.map(|i| i.capacity_steps.len() as u64 - 1).unwrap_or(0),
        peak_gbps: peak / 1e9,
        mean_gbps: total_bits / duration.as_secs_f64().max(1e-9) / 1e9,
        peak_utilisation: peak_util,
        saturated_s: saturated,
    }
}

/// Flow completion time distribution per class: `(seconds, cumulative fraction)`.
/// A capacity in Gbps for the summary; `None` when it has no ceiling.
fn ceiling_gbps(b: units::Bandwidth) -> Option<f64> {
    (!b.is_unbounded()).then(|| b.as_gbps_f64())
}

fn fct_cdf(classes: &[Class]) -> Vec<(String, Vec<(f64, f64)>)> {
    classes
        .iter()
        .filter(|c| !c.fct.is_empty())
        .map(|c| {
            let total = c.fct.len() as f64;
            let pts = c
                .fct
                .iter_quantiles(16)
                .map(|v| {
                    (
                        v.value_iterated_to() as f64 / 1e9,
                        v.count_since_last_iteration() as f64,
                    )
                })
                .scan(0.0, |acc, (x, n)| {
                    *acc += n;
                    Some((x, *acc / total))
                })
                .collect::<Vec<_>>();
            (c.name.clone(), pts)
        })
        .collect()
}

/// `connectivity.csv`'s rows: connection counts by (class, source, target,
/// path, outcome).
fn connectivity_rows(model: &Run<'_>, names: &[&str]) -> BTreeMap<ConnectivityKey, u64> {
    model
        .classes
        .iter()
        .enumerate()
        .flat_map(|(c, class)| class.outcomes.iter().map(move |(k, n)| (c, k, n)))
        .map(|(c, (src, tgt, path, reason), n)| {
            let key = ConnectivityKey {
                traffic: names[c].to_string(),
                source: model.labels.get(*src).to_string(),
                target: model.labels.get(*tgt).to_string(),
                path: *path,
                reason: *reason,
            };
            (key, *n)
        })
        .collect()
}
