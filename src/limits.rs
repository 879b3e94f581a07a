//! Resource limits of a run: caps checked *before* anything is built or
//! simulated, so that a scenario too large for the machine fails in
//! milliseconds with a clear message instead of exhausting memory or running
//! for days.
//!
//! Every cap has a default that comfortably fits the shipped scenarios and a
//! command-line flag to raise it:
//!
//! | cap | default | estimate | flag |
//! | --- | --- | --- | --- |
//! | entities | 1,000,000 | instances, site hosts, ENIs (endpoint and NLB subnets) and every named element | `--max-entities N` |
//! | connections | 50,000,000 | sum over traffic classes of the arrival process's expected count; a class replaying a trace counts its rows (each class that replays a file counts it again) | `--max-connections N` |
//! | timeseries rows | 5,000,000 | samples × (reported resources + the cross-AZ series) | `--max-timeseries-rows N` |
//! | traffic classes | 10,000 | classes of the scenario (each holds counters and a completion-time histogram, 20–35 KB) | `--max-traffic-classes N` |
//! | events | 2,000,000,000 | at least one event per connection and per sample | `--max-events N` |
//! | sweep points | 100,000 | points of a study (for the study code) | [`MAX_SWEEP_POINTS`] |
//! | input files | a cap per kind (scenario 64 MiB, quota profile 1 MiB, pricebook 16 MiB, trace 256 MiB, …) | their size, read at most cap + 1 bytes ([`crate::input::Kind::default_cap`], kept with the bounded reader) | `VPCSIM_MAX_INPUT=trace=2GiB` |
//! | request or response body | 1 PiB | each stated or traced size ([`crate::dataplane::traffic::MAX_BODY`], kept with the samplers that clamp to it) | — |
//!
//! Completion-time histograms keep 3 significant digits up to
//! [`FCT_FULL_PRECISION_CLASSES`] classes, 2 above it (a memory bound, not a
//! refusal).
//!
//! The estimates are computed from the scenario alone (no fabric): building
//! the fabric allocates per instance, so the entity cap must hold before
//! [`Fabric::build`](crate::fabric::Fabric::build) runs. Trace classes are
//! counted by their rows, known once the scenario is loaded
//! ([`check_loaded`], what `run` and `validate` apply): the trace file's size
//! cap bounds one trace, but several classes may replay the same file.
//!
//! Owns: the caps, their estimates and their error messages. Must not:
//! simulate, or change what a run computes (a run within the caps gives the
//! same results whatever the caps are).

use std::fmt;
use std::path::Path;

use crate::dataplane::traffic::ArrivalProcess;
use crate::load::Loaded;
use crate::scenario::{Arrivals, AttachmentTarget, Scenario};
use crate::units::{SimDuration, SimTime};

/// Default cap on scenario entities (`--max-entities`).
pub const DEFAULT_MAX_ENTITIES: u64 = 1_000_000;
/// Default cap on expected connections (`--max-connections`).
pub const DEFAULT_MAX_CONNECTIONS: u64 = 50_000_000;
/// Default cap on timeseries rows (`--max-timeseries-rows`).
pub const DEFAULT_MAX_TIMESERIES_ROWS: u64 = 5_000_000;
/// Default cap on traffic classes (`--max-traffic-classes`).
pub const DEFAULT_MAX_TRAFFIC_CLASSES: u64 = 10_000;
/// Most points a study (sweep) may expand to; see [`check_sweep_points`].
pub const MAX_SWEEP_POINTS: usize = 100_000;
/// Event budget of a run unless raised with `--max-events`.
pub const DEFAULT_MAX_EVENTS: u64 = 2_000_000_000;
/// Up to this many traffic classes, completion-time percentiles keep 3
/// significant digits; above it, 2, so that histogram memory (about 240 KB
/// per class at 3 digits, 30 KB at 2) stays bounded.
pub const FCT_FULL_PRECISION_CLASSES: usize = 256;

/// The caps of one run. `Default` gives the documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Scenario entities: instances, site hosts, ENIs and named elements.
    pub max_entities: u64,
    /// Expected connections over all traffic classes.
    pub max_connections: u64,
    /// Rows of the sampled time series (resources × samples).
    pub max_timeseries_rows: u64,
    /// Traffic classes of the scenario.
    pub max_traffic_classes: u64,
    /// Events the engine may process in one run (`--max-events`): checked
    /// before the run against a lower bound, and enforced during it.
    pub max_events: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entities: DEFAULT_MAX_ENTITIES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_timeseries_rows: DEFAULT_MAX_TIMESERIES_ROWS,
            max_traffic_classes: DEFAULT_MAX_TRAFFIC_CLASSES,
            max_events: DEFAULT_MAX_EVENTS,
        }
    }
}

impl Limits {
    /// No cap at all (for tests and trusted inputs).
    pub const fn unlimited() -> Self {
        Limits {
            max_entities: u64::MAX,
            max_connections: u64::MAX,
            max_timeseries_rows: u64::MAX,
            max_traffic_classes: u64::MAX,
            max_events: u64::MAX,
        }
    }
}

/// A cap a run would exceed, with the estimate and the flag that raises it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    #[error("the scenario has {} entities ({detail}), above the cap of {}; nothing was simulated. Raise the cap with --max-entities {} ({CAP_COMMANDS}; library: Limits::max_entities)", group(*estimate), group(*limit), suggest(*estimate))]
    Entities {
        estimate: u64,
        limit: u64,
        /// The largest contributions, e.g. `2,000,000 instances of workload "web"`.
        detail: String,
    },
    #[error("the scenario would open about {} connections (expected arrivals over all traffic classes, one per trace row; largest: {largest:?} at {path} with about {}), above the cap of {}; nothing was simulated. Raise the cap with --max-connections {} ({CAP_COMMANDS}; library: Limits::max_connections), or shorten the run or lower the rates", group(*estimate), group(*largest_count), group(*limit), suggest(*estimate))]
    Connections {
        estimate: u64,
        limit: u64,
        largest: String,
        largest_count: u64,
        /// The largest class's field path (and its trace, if it replays one).
        path: String,
    },
    #[error("the time series would have about {} rows ({} samples of {sample_interval} × {} resources incl. the cross-AZ series), above the cap of {}; nothing was simulated. Raise the cap with --max-timeseries-rows {} ({CAP_COMMANDS}; library: Limits::max_timeseries_rows), or use a longer settings.sample_interval", group(*estimate), group(*samples), group(*resources), group(*limit), suggest(*estimate))]
    TimeseriesRows {
        estimate: u64,
        limit: u64,
        samples: u64,
        resources: u64,
        sample_interval: SimDuration,
    },
    #[error("the scenario has {} traffic classes, above the cap of {} (each holds its counters and a completion-time histogram, 20–35 KB); nothing was simulated. Raise the cap with --max-traffic-classes {} ({CAP_COMMANDS}; library: Limits::max_traffic_classes), or merge classes that share a source and a target", group(*count), group(*limit), suggest(*count))]
    TrafficClasses { count: u64, limit: u64 },
    #[error("the run needs at least {} events (one per expected connection and per sample), above the event budget of {}; nothing was simulated. Raise it with --max-events {} (about {EVENTS_PER_CONNECTION} events per connection; {CAP_COMMANDS}; library: Limits::max_events)", group(*estimate), group(*limit), suggest(*needed))]
    Events {
        /// The lower bound checked: one event per connection and per sample.
        estimate: u64,
        limit: u64,
        /// What the run is expected to really process
        /// ([`EVENTS_PER_CONNECTION`] per connection, one per sample).
        needed: u64,
    },
    #[error("the study expands to {} points, above the cap of {}; split it into shards or fewer values per parameter", group(*count as u64), group(*limit as u64))]
    SweepPoints { count: usize, limit: usize },
}

/// The commands that take the cap flags, for the hints.
pub const CAP_COMMANDS: &str = "vpcsim run, check or baseline";

/// Events a connection costs the engine, an upper estimate for hints: the
/// shipped scenarios process 3.1 (peering-mesh), 3.6 (hybrid-dx) and 4.0
/// (quickstart) events per connection, samples included.
pub const EVENTS_PER_CONNECTION: u64 = 5;

/// `12345678` → `12,345,678`.
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A value for the flag that would let the run through (10 % headroom).
fn suggest(estimate: u64) -> u64 {
    estimate.saturating_add(estimate / 10).max(1)
}

/// What a scenario would need, as [`check`] estimates it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Estimate {
    pub entities: u64,
    /// Expected connections over all traffic classes (a mean for random
    /// processes; exact for constant and burst arrivals).
    pub connections: f64,
    /// Samples of the time series (`duration / sample_interval`, rounded up).
    pub samples: u64,
    /// Resources that may be sampled (an upper bound), plus one for the
    /// cross-AZ series.
    pub sampled_resources: u64,
    /// `samples × sampled_resources`.
    pub timeseries_rows: u64,
    /// A lower bound of the events of the run: one per expected connection
    /// and per sample.
    pub events: u64,
    /// The events the run is expected to process:
    /// [`EVENTS_PER_CONNECTION`] per connection and one per sample (what
    /// a `--max-events` hint suggests).
    pub events_needed: u64,
}

/// Named contributions to the entity count, largest first.
struct Tally {
    total: u64,
    parts: Vec<(u64, String)>,
}

impl Tally {
    fn add(&mut self, n: u64, what: impl fmt::Display) {
        self.total = self.total.saturating_add(n);
        if n > 0 {
            self.parts.push((n, what.to_string()));
        }
    }
    fn detail(&mut self) -> String {
        self.parts
            .sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        self.parts
            .iter()
            .take(3)
            .map(|(n, w)| format!("{} {w}", group(*n)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Estimates what `scenario` needs (no fabric is built). Trace classes
/// count no connection here: [`estimate_loaded`] counts their rows.
pub fn estimate(scenario: &Scenario) -> Estimate {
    estimate_with(scenario, &[])
}

/// [`estimate`] with each trace class counted as its rows (one connection
/// per row; the loader has refused rows outside the class's window).
pub fn estimate_loaded(loaded: &Loaded) -> Estimate {
    estimate_with(loaded.scenario(), &trace_rows(loaded))
}

/// The rows of each class's trace (`None` for other classes). Classes
/// replaying one file share its rows in memory but each opens a
/// connection per row, so each counts them.
fn trace_rows(loaded: &Loaded) -> Vec<Option<u64>> {
    (0..loaded.scenario().traffic.len())
        .map(|i| loaded.trace(i).map(|rows| rows.len() as u64))
        .collect()
}

fn estimate_with(scenario: &Scenario, rows: &[Option<u64>]) -> Estimate {
    let (entities, _) = entities(scenario);
    let end = SimTime(scenario.duration.as_nanos());
    let mut connections = 0.0;
    for (i, t) in scenario.traffic.iter().enumerate() {
        connections += class_connections(t, end, rows.get(i).copied().flatten());
    }
    let interval = scenario.settings.sample_interval.as_nanos().max(1);
    let samples = scenario.duration.as_nanos().div_ceil(interval);
    let sampled_resources = sampled_resources(scenario).saturating_add(1);
    Estimate {
        entities,
        connections,
        samples,
        sampled_resources,
        timeseries_rows: samples.saturating_mul(sampled_resources),
        events: to_u64(connections).saturating_add(samples),
        events_needed: to_u64(connections)
            .saturating_mul(EVENTS_PER_CONNECTION)
            .saturating_add(samples),
    }
}

fn to_u64(x: f64) -> u64 {
    // `as` saturates (and maps NaN to 0), which is what a cap check wants.
    x.ceil() as u64
}

/// Expected connections of class `t`; a trace class opens one per row
/// (`trace_rows`; 0 when its rows are not known).
fn class_connections(t: &crate::scenario::Traffic, end: SimTime, trace_rows: Option<u64>) -> f64 {
    if matches!(t.arrivals, Arrivals::Trace { .. }) {
        // Exact up to 2^53 rows, far above any file the trace cap admits;
        // beyond, f64 rounds (never wraps) and the sum saturates in to_u64.
        return trace_rows.unwrap_or(0) as f64;
    }
    let start = SimTime(t.start.map(|d| d.as_nanos()).unwrap_or(0));
    let stop = t.end.map(|d| SimTime(d.as_nanos())).unwrap_or(end).min(end);
    let n = ArrivalProcess::new(&t.arrivals, start, stop.max(start), None).expected_count();
    if n.is_finite() {
        n.max(0.0)
    } else {
        f64::MAX
    }
}

fn entities(s: &Scenario) -> (u64, Tally) {
    let mut t = Tally {
        total: 0,
        parts: Vec::new(),
    };
    for w in &s.workloads {
        t.add(
            u64::from(w.instances),
            format_args!("instances of workload {:?}", w.name),
        );
    }
    for site in &s.sites {
        t.add(
            u64::from(site.hosts),
            format_args!("hosts of site {:?}", site.name),
        );
    }
    let endpoint_enis: u64 = s.endpoints.iter().map(|e| e.subnets.len() as u64).sum();
    t.add(endpoint_enis, "interface-endpoint ENIs");
    let nlb_nodes: u64 = s
        .load_balancers
        .iter()
        .map(|n| n.subnets.len() as u64)
        .sum();
    t.add(nlb_nodes, "NLB nodes");
    let subnets: u64 = s.vpcs.iter().map(|v| v.subnets.len() as u64).sum();
    t.add(subnets, "subnets");
    let attachments: u64 = s
        .transit_gateways
        .iter()
        .map(|g| g.attachments.len() as u64)
        .sum();
    t.add(attachments, "TGW attachments");
    let vifs: u64 = s.direct_connects.iter().map(|d| d.vifs.len() as u64).sum();
    t.add(vifs, "VIFs");
    let named = [
        (s.azs.len(), "AZs"),
        (s.accounts.len(), "accounts"),
        (s.vpcs.len(), "VPCs"),
        (s.security_groups.len(), "security groups"),
        (s.workloads.len(), "workloads"),
        (s.load_balancers.len(), "load balancers"),
        (s.services.len(), "endpoint services"),
        (s.endpoints.len(), "interface endpoints"),
        (s.gateway_endpoints.len(), "gateway endpoints"),
        (s.peerings.len(), "peerings"),
        (s.transit_gateways.len(), "transit gateways"),
        (s.nat_gateways.len(), "NAT gateways"),
        (s.sites.len(), "sites"),
        (s.direct_connects.len(), "Direct Connect connections"),
        (s.traffic.len(), "traffic classes"),
        (s.events.len(), "events"),
    ];
    for (n, what) in named {
        t.add(n as u64, what);
    }
    (t.total, t)
}

/// Resources the sampler may report: endpoint ENIs, both directions of each
/// DX port, NAT gateways, and both directions of each TGW attachment per AZ.
fn sampled_resources(s: &Scenario) -> u64 {
    let enis: u64 = s.endpoints.iter().map(|e| e.subnets.len() as u64).sum();
    let dx = 2 * s.direct_connects.len() as u64;
    let nat = s.nat_gateways.len() as u64;
    // The most AZs of a known region (us-east-1 has 6), or of the listed AZs.
    let azs_in_region = (s.azs.len() as u64).max(6);
    let tgw: u64 = s
        .transit_gateways
        .iter()
        .flat_map(|g| &g.attachments)
        .map(|a| match a.target {
            AttachmentTarget::Vpc(_) => 2 * a.subnets.len() as u64,
            // A DX attachment is sampled per AZ of the VPC side it reaches.
            AttachmentTarget::DirectConnect(_) => 2 * azs_in_region,
        })
        .sum();
    enis.saturating_add(dx)
        .saturating_add(nat)
        .saturating_add(tgw)
}

/// Checks a scenario against the caps before anything is built or run
/// (trace classes count no connection: [`check_loaded`] counts their rows).
/// Returns the estimate when every cap holds.
pub fn check(scenario: &Scenario, limits: &Limits) -> Result<Estimate, LimitError> {
    check_with(scenario, &[], limits)
}

/// [`check`] with the rows of each class's trace counted as connections of
/// that class: what `run` and `validate` check.
pub fn check_loaded(loaded: &Loaded, limits: &Limits) -> Result<Estimate, LimitError> {
    check_with(loaded.scenario(), &trace_rows(loaded), limits)
}

fn check_with(
    scenario: &Scenario,
    rows: &[Option<u64>],
    limits: &Limits,
) -> Result<Estimate, LimitError> {
    check_entities(scenario, limits.max_entities)?;
    let classes = scenario.traffic.len() as u64;
    if classes > limits.max_traffic_classes {
        return Err(LimitError::TrafficClasses {
            count: classes,
            limit: limits.max_traffic_classes,
        });
    }
    let est = estimate_with(scenario, rows);
    let connections = to_u64(est.connections);
    if connections > limits.max_connections {
        let end = SimTime(scenario.duration.as_nanos());
        // The largest class, the first of equals.
        let (largest_count, index) = scenario
            .traffic
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let n = class_connections(t, end, rows.get(i).copied().flatten());
                (to_u64(n), std::cmp::Reverse(i))
            })
            .max()
            .unwrap_or((0, std::cmp::Reverse(0)));
        let i = index.0;
        let t = scenario.traffic.get(i);
        let path = match (t.map(|t| &t.arrivals), rows.get(i).copied().flatten()) {
            (Some(Arrivals::Trace { file }), Some(n)) => {
                format!("traffic[{i}].arrivals, trace {file:?} of {} rows", group(n))
            }
            _ => format!("traffic[{i}]"),
        };
        return Err(LimitError::Connections {
            estimate: connections,
            limit: limits.max_connections,
            largest: t.map(|t| t.name.clone()).unwrap_or_default(),
            largest_count,
            path,
        });
    }
    if est.timeseries_rows > limits.max_timeseries_rows {
        return Err(LimitError::TimeseriesRows {
            estimate: est.timeseries_rows,
            limit: limits.max_timeseries_rows,
            samples: est.samples,
            resources: est.sampled_resources,
            sample_interval: scenario.settings.sample_interval,
        });
    }
    let budget = limits.max_events;
    if est.events > budget {
        return Err(LimitError::Events {
            estimate: est.events,
            limit: budget,
            needed: est.events_needed,
        });
    }
    Ok(est)
}

/// A cap error of the scenario file `file` as every command prints it:
/// `<file>: <the cap's message>`. `validate` and `run` (and `check`,
/// `baseline`) refuse an over-cap scenario with the same words.
pub fn in_file(file: &Path, e: &LimitError) -> String {
    format!("{}: {e}", file.display())
}

/// Checks only the entity cap (what building the fabric needs); returns the
/// count. `vpcsim explain` builds a fabric but runs no traffic.
pub fn check_entities(scenario: &Scenario, max_entities: u64) -> Result<u64, LimitError> {
    let (n, mut tally) = entities(scenario);
    if n > max_entities {
        return Err(LimitError::Entities {
            estimate: n,
            limit: max_entities,
            detail: tally.detail(),
        });
    }
    Ok(n)
}

/// Checks the number of points a study expands to against
/// [`MAX_SWEEP_POINTS`].
pub fn check_sweep_points(count: usize) -> Result<(), LimitError> {
    if count > MAX_SWEEP_POINTS {
        Err(LimitError::SweepPoints {
            count,
            limit: MAX_SWEEP_POINTS,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = include_str!("../tests/fixtures/good/minimal.ron");

    fn minimal() -> Scenario {
        crate::scenario::parse_str(MINIMAL, "minimal.ron").expect("valid")
    }

    #[test]
    fn group_puts_thousands_separators() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(50_000_000), "50,000,000");
        assert_eq!(group(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn minimal_estimate_is_what_the_file_says() {
        let e = estimate(&minimal());
        // Poisson 20/s for one hour.
        assert!((e.connections - 72_000.0).abs() < 1e-6, "{e:?}");
        // One hour at the default 1-minute sampling.
        assert_eq!(e.samples, 60);
        // Two endpoint ENIs plus the cross-AZ series.
        assert_eq!(e.sampled_resources, 3);
        assert_eq!(e.timeseries_rows, 180);
        assert!(check(&minimal(), &Limits::default()).is_ok());
    }

    #[test]
    fn each_cap_names_its_flag() {
        let s = minimal();
        let tight = |f: fn(&mut Limits)| {
            let mut l = Limits::default();
            f(&mut l);
            check(&s, &l).expect_err("over the cap").to_string()
        };
        let e = tight(|l| l.max_entities = 5);
        assert!(e.contains("--max-entities"), "{e}");
        assert!(e.contains("instances of workload \"web\""), "{e}");
        let e = tight(|l| l.max_connections = 1000);
        assert!(e.contains("--max-connections 79200"), "{e}");
        assert!(e.contains("72,000"), "{e}");
        assert!(e.contains("\"checkout\""), "{e}");
        let e = tight(|l| l.max_traffic_classes = 0);
        assert!(e.contains("1 traffic classes, above the cap of 0"), "{e}");
        assert!(e.contains("--max-traffic-classes 1 "), "{e}");
        let e = tight(|l| l.max_timeseries_rows = 100);
        assert!(e.contains("--max-timeseries-rows"), "{e}");
        assert!(e.contains("180 rows"), "{e}");
        let e = tight(|l| l.max_events = 10);
        assert!(e.contains("--max-events"), "{e}");
        assert!(check_sweep_points(MAX_SWEEP_POINTS).is_ok());
        assert!(check_sweep_points(MAX_SWEEP_POINTS + 1).is_err());
    }
}
