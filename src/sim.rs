//! Assembles and runs one simulation: fabric, event core, traffic generators,
//! scenario events and the control plane (and, as they land, the data plane
//! and meters).
//!
//! Owns: the wiring of a run and its [`RunResult`]. Must not: parse files
//! (scenario does), decide AWS rules (control does) or format outputs
//! (report does).

use std::collections::BTreeMap;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::control::{ControlState, DnsState, Evaluator, Outcome, PathKind, Reason, Request, Src};
use crate::dataplane::traffic::{read_trace, ArrivalProcess, SizeSampler, TraceError, TraceRow};
use crate::engine::{self, Model, Progress, RunLimits, Scheduler, SimError};
use crate::fabric::{Fabric, FabricError};
use crate::report::summary::{Connectivity, Summary, TrafficSummary, SCHEMA_VERSION};
use crate::scenario::{Arrivals, AwsService, Dns, Event, Scenario, Source, Target};
use crate::units::{SimDuration, SimTime};

/// How to run a scenario.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Replaces the scenario's seed.
    pub seed: Option<u64>,
    /// Hide the progress bar.
    pub quiet: bool,
    /// Stop with an error past this many events (default: [`DEFAULT_MAX_EVENTS`]).
    pub max_events: Option<u64>,
}

/// Event budget of a run unless raised with `--max-events`.
pub const DEFAULT_MAX_EVENTS: u64 = 2_000_000_000;

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    #[error(transparent)]
    Fabric(#[from] FabricError),
    #[error("traffic class {class:?}: {source}")]
    Trace {
        class: String,
        #[source]
        source: TraceError,
    },
    #[error("traffic class {class:?}, trace row at {time}: unknown {what} {name:?}")]
    TraceName {
        class: String,
        time: SimTime,
        what: &'static str,
        name: String,
    },
    #[error(transparent)]
    Sim(#[from] SimError),
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

/// Everything a run produced.
#[derive(Debug)]
pub struct RunResult {
    pub summary: Summary,
    pub fabric: Fabric,
    /// Connection counts by (class, source, target, path, outcome).
    pub connectivity: BTreeMap<ConnectivityKey, u64>,
    /// The first hint seen for each (class, reason).
    pub hints: BTreeMap<(String, Reason), String>,
}

/// Events of a vpcsim run.
#[derive(Debug, Clone, Copy)]
enum Ev {
    /// The next connection of traffic class `.0` arrives.
    Arrival(u32),
    /// Scenario event `.0` (index into `scenario.events`) takes effect.
    Scheduled(u32),
    /// The timed end (`for:`) of scenario event `.0`: AZ or DX back up.
    Restore(u32),
}

struct Class {
    name: String,
    process: ArrivalProcess,
    rng: ChaCha8Rng,
    request: SizeSampler,
    response: SizeSampler,
    source: Source,
    connections: u64,
    offered_bytes: u64,
    delivered: u64,
    denied: BTreeMap<Reason, u64>,
    /// The next trace row, when replaying a trace.
    pending_row: Option<TraceRow>,
}

struct Run<'a> {
    scenario: &'a Scenario,
    fabric: &'a Fabric,
    eval: Evaluator<'a>,
    state: ControlState,
    dns: DnsState,
    classes: Vec<Class>,
    /// Per-row targets of trace classes (parsed once).
    trace_targets: BTreeMap<String, Target>,
    connectivity: BTreeMap<ConnectivityKey, u64>,
    hints: BTreeMap<(String, Reason), String>,
    events_applied: BTreeMap<&'static str, u64>,
}

/// The label of a target in outputs.
pub fn target_label(t: &Target) -> String {
    match t {
        Target::Service { name, dns } => format!("service:{name} ({})", dns_label(dns)),
        Target::Endpoint { name, dns } => format!("endpoint:{name} ({})", dns_label(dns)),
        Target::PrivateDns(n) => format!("dns:{n}"),
        Target::Workload(w) => format!("workload:{w}"),
        Target::Site(s) => format!("site:{s}"),
        Target::Aws(a) => format!("aws:{a}"),
        Target::Internet => "internet".to_string(),
    }
}

fn dns_label(d: &Dns) -> String {
    match d {
        Dns::Regional => "regional".to_string(),
        Dns::Zonal => "zonal".to_string(),
        Dns::ZonalIn(az) => format!("zonal {az}"),
        Dns::Mixed(s) => format!("{:.0}% zonal", s * 100.0),
    }
}

/// The name of a source in outputs.
pub fn source_label(s: &Source) -> String {
    match s {
        Source::Workload(w) => w.clone(),
        Source::Site(s) => format!("site:{s}"),
    }
}

/// Resolves a trace cell naming a target: a service, an endpoint, a
/// workload, a site, `s3`, `dynamodb` or `internet`.
fn parse_target(fabric: &Fabric, name: &str) -> Option<Target> {
    let t = if fabric.service(name).is_some() {
        Target::Service {
            name: name.to_string(),
            dns: Dns::Regional,
        }
    } else if fabric.endpoint(name).is_some() {
        Target::Endpoint {
            name: name.to_string(),
            dns: Dns::Regional,
        }
    } else if fabric.workload(name).is_some() {
        Target::Workload(name.to_string())
    } else if fabric.site(name).is_some() {
        Target::Site(name.to_string())
    } else {
        match name {
            "s3" => Target::Aws(AwsService::S3),
            "dynamodb" => Target::Aws(AwsService::DynamoDB),
            "internet" => Target::Internet,
            _ => return None,
        }
    };
    Some(t)
}

/// Whether instance `index` of `count` clients uses zonal names under `Dns::Mixed`:
/// the first `share × count` instances do, so the share is exact.
fn zonal_client(dns: &Dns, index: usize, count: usize) -> bool {
    match dns {
        Dns::Mixed(share) => (index as f64 + 0.5) / (count.max(1) as f64) < *share,
        _ => false,
    }
}

impl Run<'_> {
    fn arrival(&mut self, c: usize) {
        let fabric = self.fabric;
        let spec = &self.scenario.traffic[c];
        let class = &mut self.classes[c];
        let row = class.pending_row.take();
        let source = match row.as_ref().filter(|r| !r.source.is_empty()) {
            Some(r) if fabric.workload(&r.source).is_some() => Source::Workload(r.source.clone()),
            Some(r) => Source::Site(r.source.clone()),
            None => class.source.clone(),
        };
        let target: &Target = match row.as_ref().filter(|r| !r.target.is_empty()) {
            Some(r) => self.trace_targets.get(&r.target).unwrap_or(&spec.to),
            None => &spec.to,
        };
        let (src, count) = match &source {
            Source::Workload(w) => match fabric.workload(w) {
                Some(id) => {
                    let instances = &fabric.workloads[id.index()].instances;
                    let n = instances.len();
                    // Clients in a failed AZ are down and open nothing: take the
                    // next instance (in index order) whose AZ is up, if any.
                    let first = class.rng.random_range(0..n.max(1));
                    let index = (0..n)
                        .map(|k| (first + k) % n)
                        .find(|i| self.state.az_up[instances[*i].az.index()])
                        .unwrap_or(first);
                    (
                        Src::Instance {
                            workload: id,
                            index,
                        },
                        n,
                    )
                }
                None => return,
            },
            Source::Site(s) => match fabric.site(s) {
                Some(id) => {
                    let n = fabric.sites[id.index()].hosts;
                    (
                        Src::Host {
                            site: id,
                            index: class.rng.random_range(0..n.max(1)),
                        },
                        n as usize,
                    )
                }
                None => return,
            },
        };
        let (req_bytes, resp_bytes) = match &row {
            Some(r) => (r.request.0, r.response.0),
            None => (
                class.request.sample(&mut class.rng),
                class.response.sample(&mut class.rng),
            ),
        };
        let index = match src {
            Src::Instance { index, .. } => index,
            Src::Host { index, .. } => index as usize,
        };
        let dns_mode = match target {
            Target::Service { dns, .. } | Target::Endpoint { dns, .. } => dns.clone(),
            _ => Dns::Regional,
        };
        let request = Request {
            src,
            target,
            port: spec.port,
            protocol: spec.protocol,
            action: spec.action.as_deref(),
            resource: spec.resource.as_deref(),
            zonal_client: zonal_client(&dns_mode, index, count),
        };
        let decision = self
            .eval
            .evaluate(&mut self.state, &mut self.dns, &request, &mut class.rng);
        class.connections += 1;
        class.offered_bytes = class
            .offered_bytes
            .saturating_add(req_bytes)
            .saturating_add(resp_bytes);
        let reason = decision.outcome.reason();
        match (&decision.outcome, reason) {
            (_, None) => class.delivered += 1,
            (Outcome::Denied { hint, .. }, Some(r)) => {
                *class.denied.entry(r).or_default() += 1;
                self.hints
                    .entry((class.name.clone(), r))
                    .or_insert_with(|| hint.clone());
            }
            _ => {}
        }
        let key = ConnectivityKey {
            traffic: class.name.clone(),
            source: source_label(&source),
            target: target_label(target),
            path: decision.outcome.path(),
            reason,
        };
        *self.connectivity.entry(key).or_default() += 1;
    }

    fn schedule_next(&mut self, c: usize, sched: &mut Scheduler<Ev>) {
        let class = &mut self.classes[c];
        if let Some((t, row)) = class.process.next(&mut class.rng) {
            class.pending_row = row;
            sched.schedule_at(t, Ev::Arrival(c as u32));
        }
    }
}

impl Model for Run<'_> {
    type Event = Ev;

    fn handle(&mut self, now: SimTime, ev: Ev, sched: &mut Scheduler<Ev>) {
        match ev {
            Ev::Arrival(c) => {
                self.arrival(c as usize);
                self.schedule_next(c as usize, sched);
            }
            Ev::Scheduled(i) => {
                let event = self.scenario.events[i as usize].event();
                *self.events_applied.entry(event.kind()).or_default() += 1;
                self.state.apply(self.fabric, now, event);
                if let Event::AzOutage {
                    duration: Some(d), ..
                }
                | Event::DxDown {
                    duration: Some(d), ..
                } = event
                {
                    sched.schedule_at(now.saturating_add(*d), Ev::Restore(i));
                }
            }
            Ev::Restore(i) => {
                let restore = match self.scenario.events[i as usize].event() {
                    Event::AzOutage { az, .. } => Event::AzRecover { az: az.clone() },
                    Event::DxDown { dx, .. } => Event::DxUp { dx: dx.clone() },
                    _ => return,
                };
                *self.events_applied.entry(restore.kind()).or_default() += 1;
                self.state.apply(self.fabric, now, &restore);
            }
        }
    }
}

/// Runs a validated scenario.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunResult, RunError> {
    let fabric = Fabric::build(scenario)?;
    let seed = opts.seed.unwrap_or(scenario.seed);
    let end = SimTime(scenario.duration.as_nanos());
    let base_dir = scenario.origin.as_deref().and_then(|p| p.parent());
    let mut sched: Scheduler<Ev> = Scheduler::with_capacity(1024);
    let mut classes = Vec::with_capacity(scenario.traffic.len());
    let mut trace_targets = BTreeMap::new();
    for (i, t) in scenario.traffic.iter().enumerate() {
        let start = SimTime(t.start.unwrap_or(SimDuration::ZERO).as_nanos());
        let stop = SimTime(t.end.unwrap_or(scenario.duration).as_nanos());
        let trace = match &t.arrivals {
            Arrivals::Trace { file } => {
                let path = match base_dir {
                    Some(d) => d.join(file),
                    None => file.into(),
                };
                let rows = read_trace(&path).map_err(|source| RunError::Trace {
                    class: t.name.clone(),
                    source,
                })?;
                for r in &rows {
                    if !r.source.is_empty()
                        && fabric.workload(&r.source).is_none()
                        && fabric.site(&r.source).is_none()
                    {
                        return Err(RunError::TraceName {
                            class: t.name.clone(),
                            time: r.time,
                            what: "source",
                            name: r.source.clone(),
                        });
                    }
                    if !r.target.is_empty() && !trace_targets.contains_key(&r.target) {
                        let target = parse_target(&fabric, &r.target).ok_or_else(|| {
                            RunError::TraceName {
                                class: t.name.clone(),
                                time: r.time,
                                what: "target",
                                name: r.target.clone(),
                            }
                        })?;
                        trace_targets.insert(r.target.clone(), target);
                    }
                }
                Some(rows)
            }
            _ => None,
        };
        let mut rng = engine::rng_stream(seed, &format!("traffic:{}", t.name));
        let mut process = ArrivalProcess::new(&t.arrivals, start, stop, trace);
        let mut pending_row = None;
        if let Some((first, row)) = process.next(&mut rng) {
            pending_row = row;
            sched.schedule_at(first, Ev::Arrival(i as u32));
        }
        classes.push(Class {
            name: t.name.clone(),
            process,
            rng,
            request: SizeSampler::new(&t.request),
            response: SizeSampler::new(&t.response),
            source: t.from.clone(),
            connections: 0,
            offered_bytes: 0,
            delivered: 0,
            denied: BTreeMap::new(),
            pending_row,
        });
    }
    // Scenario events are pushed in time order, file order within a time.
    let mut order: Vec<usize> = (0..scenario.events.len()).collect();
    order.sort_by_key(|i| scenario.events[*i].time());
    for i in order {
        sched.schedule_at(
            SimTime(scenario.events[i].time().as_nanos()),
            Ev::Scheduled(i as u32),
        );
    }
    let state = ControlState::new(
        &fabric,
        scenario,
        engine::rng_stream(seed, "control:nlb-choice"),
    );
    let dns = DnsState::new(
        fabric.endpoints.len(),
        &mut engine::rng_stream(seed, "control:dns"),
    );
    let mut model = Run {
        scenario,
        fabric: &fabric,
        eval: Evaluator::new(&fabric),
        state,
        dns,
        classes,
        trace_targets,
        connectivity: BTreeMap::new(),
        hints: BTreeMap::new(),
        events_applied: BTreeMap::new(),
    };
    let progress = Progress::new(scenario.duration, opts.quiet);
    let limits =
        RunLimits::until(end).with_max_events(opts.max_events.unwrap_or(DEFAULT_MAX_EVENTS));
    let stats = engine::run(&mut model, &mut sched, limits, &progress)?;
    progress.finish();

    let mut connectivity = Connectivity::default();
    let traffic: Vec<TrafficSummary> = model
        .classes
        .iter()
        .map(|c| {
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
            TrafficSummary {
                name: c.name.clone(),
                connections: c.connections,
                delivered: c.delivered,
                denied,
                denied_by_reason: c
                    .denied
                    .iter()
                    .map(|(r, n)| (r.code().to_string(), *n))
                    .collect(),
                offered_bytes: c.offered_bytes,
            }
        })
        .collect();
    let summary = Summary {
        schema_version: SCHEMA_VERSION,
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        seed,
        sim_duration_s: scenario.duration.as_secs_f64(),
        events_processed: stats.events_processed,
        quota_profile: fabric.quotas.name.clone(),
        entities: fabric.counts(scenario),
        scenario_events_applied: model
            .events_applied
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        connectivity,
        traffic,
        control_events: model.state.log.clone(),
    };
    let (connectivity, hints) = (model.connectivity, model.hints);
    drop(model.eval);
    Ok(RunResult {
        summary,
        fabric,
        connectivity,
        hints,
    })
}
