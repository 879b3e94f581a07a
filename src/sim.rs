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

use hdrhistogram::Histogram;

use crate::connection_log;
use crate::control::{
    ControlState, DnsState, EndpointStatus, Evaluator, Outcome, PathKind, Plan, Reason, Request,
    Src,
};
use crate::cost::usage::{ClientSide, MeterSet, UsageRecorder};
use crate::cost::{self, Bill, BillOptions, CostError, Pricebook};
use crate::dataplane::network::{one_way_latency, Component, Dir, Endpoint, FlowPath, Network};
use crate::dataplane::traffic::{read_trace, ArrivalProcess, SizeSampler, TraceError, TraceRow};
use crate::dataplane::{Allocator, Completion, FlowId, FlowSpec, ResourceId};
use crate::engine::{self, Model, Progress, RunLimits, Scheduler, SimError};
use crate::fabric::{Fabric, FabricError};
use crate::report::summary::{
    Bandwidth as BandwidthSummary, Connectivity, CostSummary, Fct, ResourceSummary, Summary,
    TrafficSummary, SCHEMA_VERSION,
};
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
    /// Scale the bill to a 730-hour month (also a scenario setting).
    pub project_month: bool,
    /// A pricebook file replacing the scenario's pricebook.
    pub pricebook: Option<std::path::PathBuf>,
    /// Caps checked before the run is built (see [`crate::limits`]).
    pub limits: crate::limits::Limits,
}

#[cold]
fn unreachable_histogram() -> Histogram<u64> {
    panic!("invariant: a histogram with 3 significant digits is valid")
}

/// Up to this many traffic classes, completion-time percentiles keep 3
/// significant digits; above it, 2 (memory grows with the class count).
pub const FCT_FULL_PRECISION_CLASSES: usize = 256;

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
    #[error(transparent)]
    Limit(#[from] crate::limits::LimitError),
    #[error("pricing the run: {0}")]
    Cost(#[from] CostError),
    #[error("pricebook {pricebook:?} has no rates for region {region}, which the scenario uses, and no builtin pricebook covers it; give a pricebook file with a {region:?} entry (`pricebook: \"my-prices.ron\"`)")]
    MissingRegion { pricebook: String, region: String },
    #[error("no pricebook: the scenario names {name:?}, which is not builtin ({known}) and not a .ron file")]
    NoPricebook { name: String, known: String },
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

/// Throughput and capacity of one reported resource over time.
#[derive(Debug, Clone, Default)]
pub struct ResourceSeries {
    pub name: String,
    pub kind: &'static str,
    /// `(end of sample interval, average throughput over it in bits/s,
    /// capacity at the sample in bits/s)`.
    pub samples: Vec<(SimTime, f64, u64)>,
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
    /// The bill of the simulated window (projected to a month when asked).
    pub bill: Bill,
    /// The bill projected to a 730-hour month (for monthly expectations).
    pub monthly_bill: Bill,
    /// Sampled throughput and capacity of endpoint AZs, DX links, NAT
    /// gateways and TGW attachments that carried traffic.
    pub timeseries: Vec<ResourceSeries>,
    /// Cross-AZ bytes per sample interval: `(end of interval, bytes)`.
    pub cross_az_series: Vec<(SimTime, u64)>,
    /// Flow completion time distribution per class: `(seconds, cumulative fraction)`.
    pub fct_cdf: Vec<(String, Vec<(f64, f64)>)>,
    /// The per-connection log, when `settings.connection_log` asks for it.
    pub connection_log: Option<connection_log::Log>,
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
    /// The response of connection slot `.0` starts (stale unless `.1` matches).
    ResponseStart(u32, u32),
    /// Take a throughput sample of reported resources.
    Sample,
    /// Check autoscaling resources.
    ScaleTick,
    /// A scheduled scaling step of a resource is applied.
    ScaleStep(u32),
}

/// The half of a connection in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Request,
    Waiting,
    Response,
}

/// A delivered connection carrying bytes.
struct Conn {
    class: u32,
    plan: Plan,
    start: SimTime,
    req: u64,
    resp: u64,
    latency: SimDuration,
    resp_path: FlowPath,
    /// The meters the request and the response feed.
    meters: (MeterSet, MeterSet),
    /// Whether its bytes count as cross-AZ transfer.
    crosses_az: bool,
    flow: Option<FlowId>,
    flow_start: SimTime,
    phase: Phase,
    /// Distinguishes reuses of the slot, for stale `ResponseStart` events.
    tag: u32,
    /// Its record in the connection log (`u32::MAX` when not logging).
    log: u32,
}

struct Class {
    name: String,
    process: ArrivalProcess,
    /// Arrival times and sizes (`traffic:<name>`): a fixed number of draws
    /// per connection, so they never depend on what the connection meets.
    rng: ChaCha8Rng,
    /// Per-connection choices: the source instance and the control plane's
    /// picks (`traffic:<name>:choices`), whose number depends on the path.
    choices: ChaCha8Rng,
    request: SizeSampler,
    response: SizeSampler,
    source: Source,
    /// The class's own source, resolved once.
    source_workload: Option<crate::fabric::WorkloadId>,
    source_site: Option<crate::fabric::SiteId>,
    /// The class's target service, resolved once (`Target::Service` only).
    target_service: Option<crate::fabric::ServiceId>,
    /// Label ids (into `Run::labels`) of the class's own source and target.
    source_label: u32,
    target_label: u32,
    connections: u64,
    offered_bytes: u64,
    delivered: u64,
    denied: BTreeMap<Reason, u64>,
    /// The next trace row, when replaying a trace.
    pending_row: Option<TraceRow>,
    completed: u64,
    delivered_bytes: u64,
    /// Connections cut mid-transfer, by reason.
    cut: BTreeMap<Reason, u64>,
    /// Bytes of cut connections that never arrived (offered − delivered).
    cut_bytes: u64,
    /// Bytes cut connections had moved before the cut.
    moved_before_cut: u64,
    /// Bytes of admitted connections (request + response).
    admitted_bytes: u64,
    /// Flow completion times, in nanoseconds.
    fct: Histogram<u64>,
    /// Connection counts by (source label, target label, path, reason): a
    /// few entries per class (one node of a small map, next to the class's
    /// other counters).
    outcomes: BTreeMap<(u32, u32, PathKind, Option<Reason>), u64>,
    /// Completion times not yet in `fct`: recorded in batches, so that the
    /// histogram's counters (thousands of classes, tens of KB each) are
    /// visited once per batch rather than once per connection.
    fct_batch: Vec<u64>,
}

/// Completion times a class collects before adding them to its histogram.
const FCT_BATCH: usize = 32;

impl Class {
    fn record_fct(&mut self, ns: u64) {
        self.fct_batch.push(ns);
        if self.fct_batch.len() >= FCT_BATCH {
            self.flush_fct();
        }
    }

    /// Adds the batched completion times to the histogram.
    fn flush_fct(&mut self) {
        let high = self.fct.high();
        for v in self.fct_batch.drain(..) {
            // Values beyond the histogram's range are clamped to its top.
            let _ = self.fct.record(v.min(high));
        }
    }
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
    /// The first hint seen for each (class, reason).
    hints: BTreeMap<(u32, Reason), String>,
    /// Interned source and target labels of `connectivity.csv`.
    labels: Labels,
    events_applied: BTreeMap<&'static str, u64>,
    alloc: Allocator,
    net: Network,
    usage: UsageRecorder,
    conns: Vec<Option<Conn>>,
    free: Vec<u32>,
    active: usize,
    /// Connection slot of each allocator flow slot.
    flow_conn: Vec<u32>,
    done: Vec<Completion>,
    sample_interval: SimDuration,
    last_sample: SimTime,
    /// Bytes carried by each resource at the last sample.
    sample_bytes: Vec<f64>,
    /// Throughput samples of each reported resource, by resource index
    /// (`None` for resources not reported one by one, e.g. NICs).
    series: Vec<Option<ResourceSeries>>,
    cross_az_now: u64,
    cross_az_series: Vec<(SimTime, u64)>,
    scale_period: SimDuration,
    scale_due: Vec<ResourceId>,
    next_tag: u32,
    /// Responses to start once the current batch of completions is done.
    pending_responses: Vec<(SimTime, u32, u32)>,
    /// Flows queued to start at the current instant: `(connection slot,
    /// path, bytes)`.
    starting: Vec<(u32, FlowPath, u64)>,
    /// Ids of the flows of the last batch start (buffer).
    started: Vec<FlowId>,
    /// One record per connection, when the scenario asks for the log.
    log: Option<Vec<connection_log::Record>>,
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

/// Interned strings (labels are made once, keyed by small ids after).
#[derive(Default)]
struct Labels {
    names: Vec<String>,
    index: std::collections::HashMap<String, u32>,
}

impl Labels {
    fn id(&mut self, label: String) -> u32 {
        if let Some(i) = self.index.get(&label) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(label.clone());
        self.index.insert(label, i);
        i
    }
    fn get(&self, i: u32) -> &str {
        &self.names[i as usize]
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
    fn arrival(&mut self, now: SimTime, c: usize) {
        let fabric = self.fabric;
        let spec = &self.scenario.traffic[c];
        let class = &mut self.classes[c];
        let row = class.pending_row.take();
        // A trace row may name its own source and target; otherwise the
        // class's, whose names were resolved once.
        let row_source = row.as_ref().filter(|r| !r.source.is_empty()).map(|r| {
            if fabric.workload(&r.source).is_some() {
                Source::Workload(r.source.clone())
            } else {
                Source::Site(r.source.clone())
            }
        });
        let source: &Source = row_source.as_ref().unwrap_or(&class.source);
        let own = (&spec.to, class.target_label, class.target_service);
        let (target, target_label, service) = match row.as_ref().filter(|r| !r.target.is_empty()) {
            Some(r) => match self.trace_targets.get(&r.target) {
                Some(t) => (t, self.labels.id(target_label(t)), None),
                None => own,
            },
            None => own,
        };
        let source_label = match &row_source {
            Some(s) => self.labels.id(source_label(s)),
            None => class.source_label,
        };
        let (src, count) = match source {
            Source::Workload(w) => match class
                .source_workload
                .filter(|_| row_source.is_none())
                .or_else(|| fabric.workload(w))
            {
                Some(id) => {
                    let instances = &fabric.workloads[id.index()].instances;
                    let n = instances.len();
                    // Clients in a failed AZ are down and open nothing; the
                    // class's demand moves to the live instances, uniformly
                    // (redraw; after 64 misses, scan from the last draw).
                    let up = |i: usize| self.state.az_up[instances[i].az.index()];
                    let mut index = class.choices.random_range(0..n.max(1));
                    let mut tries = 1;
                    while !up(index) && tries < 64 {
                        index = class.choices.random_range(0..n.max(1));
                        tries += 1;
                    }
                    if !up(index) {
                        index = (0..n)
                            .map(|k| (index + k) % n)
                            .find(|i| up(*i))
                            .unwrap_or(index);
                    }
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
            Source::Site(s) => match class
                .source_site
                .filter(|_| row_source.is_none())
                .or_else(|| fabric.site(s))
            {
                Some(id) => {
                    let n = fabric.sites[id.index()].hosts;
                    (
                        Src::Host {
                            site: id,
                            index: class.choices.random_range(0..n.max(1)),
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
            Target::Service { dns, .. } | Target::Endpoint { dns, .. } => dns,
            _ => &Dns::Regional,
        };
        let request = Request {
            src,
            target,
            port: spec.port,
            protocol: spec.protocol,
            action: spec.action.as_deref(),
            resource: spec.resource.as_deref(),
            zonal_client: zonal_client(dns_mode, index, count),
            service,
            trace: false,
        };
        let decision =
            self.eval
                .evaluate(&mut self.state, &mut self.dns, &request, &mut class.choices);
        let client_endpoint = match src {
            Src::Instance { workload, index } => Endpoint::Instance(workload, index as u32),
            Src::Host { site, index } => Endpoint::Host(site, index),
        };
        let client_side = match src {
            Src::Instance { workload, index } => {
                let w = &fabric.workloads[workload.index()];
                ClientSide {
                    account: Some(w.account),
                    az: w.instances.get(index).map(|i| i.az),
                }
            }
            Src::Host { .. } => ClientSide {
                account: None,
                az: None,
            },
        };
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
                    .entry((c as u32, r))
                    .or_insert_with(|| hint.clone());
            }
            _ => {}
        }
        let key = (source_label, target_label, decision.outcome.path(), reason);
        *class.outcomes.entry(key).or_default() += 1;
        if let Some(log) = self.log.as_mut() {
            log.push(connection_log::Record {
                start: now,
                class: c as u32,
                source: source_label,
                source_index: index as u32,
                target: target_label,
                path: decision.outcome.path(),
                // Where a delivered connection went (a denied one's partial
                // plan is not shown).
                eni: decision
                    .plan
                    .endpoint
                    .filter(|_| reason.is_none())
                    .map(|(_, eni)| eni),
                target_instance: decision
                    .plan
                    .target
                    .filter(|_| reason.is_none())
                    .map(|(w, i)| (w, i as u32)),
                request: req_bytes,
                response: resp_bytes,
                moved: 0,
                end: match reason {
                    Some(r) => connection_log::End::Denied(r),
                    None => connection_log::End::InFlight,
                },
            });
        }
        if decision.outcome.is_delivered() {
            class.admitted_bytes = class
                .admitted_bytes
                .saturating_add(req_bytes)
                .saturating_add(resp_bytes);
            self.admit(
                now,
                c as u32,
                decision.plan,
                client_side,
                client_endpoint,
                req_bytes,
                resp_bytes,
            );
        }
    }

    /// Starts the request flow of a delivered connection.
    #[allow(clippy::too_many_arguments)]
    fn admit(
        &mut self,
        now: SimTime,
        class: u32,
        plan: Plan,
        client: ClientSide,
        endpoint: Endpoint,
        req: u64,
        resp: u64,
    ) {
        let (req_path, resp_path) = self
            .net
            .paths(self.fabric, &mut self.alloc, &plan, endpoint);
        let latency = one_way_latency(self.fabric, &self.scenario.settings.latency, &plan);
        let meters = self.usage.resolve_legs(self.fabric, &plan, client);
        let crosses_az = crosses_az(self.fabric, &plan, client);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.conns.push(None);
                (self.conns.len() - 1) as u32
            }
        };
        self.next_tag = self.next_tag.wrapping_add(1);
        self.conns[slot as usize] = Some(Conn {
            class,
            plan,
            start: now,
            req,
            resp,
            latency,
            resp_path,
            meters,
            crosses_az,
            flow: None,
            flow_start: now,
            phase: Phase::Request,
            tag: self.next_tag,
            // The arrival has just logged this connection, if logging.
            log: self
                .log
                .as_ref()
                .map_or(u32::MAX, |l| l.len().saturating_sub(1) as u32),
        });
        self.active += 1;
        self.start_flow(now, slot, &req_path, req.max(1));
    }

    /// Queues a flow of connection `slot` to start at `now`. Flows starting
    /// at the same instant start together, with one reallocation
    /// ([`flush_starts`](Self::flush_starts)), so a burst of n connections
    /// costs one solve, not n.
    fn start_flow(&mut self, now: SimTime, slot: u32, path: &FlowPath, bytes: u64) {
        if path.resources().is_empty() {
            // No capacity-limited component (e.g. a gateway endpoint from a
            // site-less plan): the bytes move instantly.
            self.flow_done(now, slot, bytes);
            return;
        }
        self.starting.push((slot, *path, bytes));
    }

    /// Starts the queued flows, all at `now`.
    fn flush_starts(&mut self, now: SimTime) {
        match self.starting.len() {
            0 => return,
            1 => {
                let (slot, path, bytes) = self.starting[0];
                self.starting.clear();
                self.start_one(now, slot, &path, bytes);
                return;
            }
            _ => {}
        }
        let starting = std::mem::take(&mut self.starting);
        let specs: Vec<FlowSpec<'_>> = starting
            .iter()
            .map(|(_, path, bytes)| FlowSpec {
                path: path.resources(),
                cap: path.cap,
                size: crate::units::Bytes(*bytes),
            })
            .collect();
        let mut ids = std::mem::take(&mut self.started);
        ids.clear();
        if self.alloc.start_flows(now, &specs, &mut ids).is_ok() {
            for ((slot, _, _), f) in starting.iter().zip(&ids) {
                self.started_flow(now, *slot, *f);
            }
        } else {
            // A path the allocator refuses: start the others one by one.
            for (slot, path, bytes) in &starting {
                self.start_one(now, *slot, path, *bytes);
            }
        }
        drop(specs);
        self.started = ids;
        self.starting = starting;
        self.starting.clear();
    }

    fn started_flow(&mut self, now: SimTime, slot: u32, f: FlowId) {
        let i = f.index() as usize;
        if self.flow_conn.len() <= i {
            self.flow_conn.resize(i + 1, u32::MAX);
        }
        self.flow_conn[i] = slot;
        if let Some(c) = self.conns[slot as usize].as_mut() {
            c.flow = Some(f);
            c.flow_start = now;
        }
    }

    fn start_one(&mut self, now: SimTime, slot: u32, path: &FlowPath, bytes: u64) {
        match self
            .alloc
            .start_flow(now, path.resources(), path.cap, crate::units::Bytes(bytes))
        {
            Ok(f) => self.started_flow(now, slot, f),
            // A path the allocator refuses moves instantly, like an empty one.
            Err(_) => self.flow_done(now, slot, bytes),
        }
    }

    /// A flow of connection `slot` finished at `at` with `bytes` moved.
    fn flow_done(&mut self, at: SimTime, slot: u32, bytes: u64) {
        let Some(conn) = self.conns[slot as usize].as_mut() else {
            return;
        };
        conn.flow = None;
        let set = if conn.phase == Phase::Request {
            conn.meters.0
        } else {
            conn.meters.1
        };
        self.usage.add(set, at, bytes);
        if conn.crosses_az {
            self.cross_az_now += bytes;
        }
        match conn.phase {
            Phase::Request => {
                conn.phase = Phase::Waiting;
                let t = at.saturating_add(conn.latency);
                self.pending_responses.push((t, slot, conn.tag));
            }
            _ => {
                let fct = at
                    .saturating_add(conn.latency)
                    .saturating_since(conn.start)
                    .as_nanos()
                    .max(1);
                let class = &mut self.classes[conn.class as usize];
                class.completed += 1;
                class.delivered_bytes = class
                    .delivered_bytes
                    .saturating_add(conn.req.max(1) + conn.resp.max(1));
                class.record_fct(fct);
                if let Some(r) = self.log.as_mut().and_then(|l| l.get_mut(conn.log as usize)) {
                    r.moved = conn.req.max(1) + conn.resp.max(1);
                    r.end = connection_log::End::Completed(at.saturating_add(conn.latency));
                }
                self.conns[slot as usize] = None;
                self.free.push(slot);
                self.active -= 1;
            }
        }
    }

    /// Processes allocator completions due by `now` and schedules the
    /// responses they start.
    fn sync(&mut self, now: SimTime, sched: &mut Scheduler<Ev>) {
        loop {
            let mut done = std::mem::take(&mut self.done);
            done.clear();
            self.alloc.pop_completed(now, &mut done);
            if done.is_empty() {
                self.done = done;
                break;
            }
            for c in &done {
                let slot = self
                    .flow_conn
                    .get(c.flow.index() as usize)
                    .copied()
                    .unwrap_or(u32::MAX);
                if slot != u32::MAX {
                    self.flow_done(c.at, slot, c.bytes.0);
                }
            }
            self.done = done;
        }
        for (t, slot, tag) in self.pending_responses.drain(..) {
            sched.schedule_at(t.max(now), Ev::ResponseStart(slot, tag));
        }
    }

    /// Cuts every connection in progress whose plan matches, with a reason.
    fn cut_where(&mut self, now: SimTime, reason: Reason, pred: impl Fn(&Fabric, &Plan) -> bool) {
        for slot in 0..self.conns.len() {
            let hit = self.conns[slot]
                .as_ref()
                .is_some_and(|c| pred(self.fabric, &c.plan));
            if !hit {
                continue;
            }
            let Some(conn) = self.conns[slot].take() else {
                continue;
            };
            let moved_now = match conn.flow {
                Some(f) => self.alloc.cut_flow(now, f).map(|b| b.0).unwrap_or(0),
                None => 0,
            };
            let set = if conn.phase == Phase::Request {
                conn.meters.0
            } else {
                conn.meters.1
            };
            self.usage.add(set, now, moved_now);
            let req = conn.req.max(1);
            let moved = match conn.phase {
                Phase::Request => moved_now,
                Phase::Waiting => req,
                Phase::Response => req + moved_now,
            };
            let class = &mut self.classes[conn.class as usize];
            *class.cut.entry(reason).or_default() += 1;
            class.moved_before_cut = class.moved_before_cut.saturating_add(moved);
            class.cut_bytes = class
                .cut_bytes
                .saturating_add(req + conn.resp.max(1) - moved);
            class.delivered_bytes = class.delivered_bytes.saturating_add(moved);
            if let Some(r) = self.log.as_mut().and_then(|l| l.get_mut(conn.log as usize)) {
                r.moved = moved;
                r.end = connection_log::End::Cut(reason, now);
            }
            self.free.push(slot as u32);
            self.active -= 1;
        }
    }

    fn schedule_next(&mut self, c: usize, sched: &mut Scheduler<Ev>) {
        let class = &mut self.classes[c];
        if let Some((t, row)) = class.process.next(&mut class.rng) {
            class.pending_row = row;
            sched.schedule_at(t, Ev::Arrival(c as u32));
        }
    }
}

impl Run<'_> {
    /// After a control-plane event: cut what it stops, and take down or
    /// bring back the capacity it affects.
    fn after_control_event(&mut self, now: SimTime, event: &Event) {
        let fabric = self.fabric;
        match event {
            Event::Suspend { endpoint, .. }
            | Event::Terminate { endpoint, .. }
            | Event::Reject { endpoint, .. }
            | Event::DeleteEndpoint { endpoint } => {
                let Some(e) = fabric.endpoint(endpoint) else {
                    return;
                };
                let reason = match (&self.state.endpoints[e.index()], event) {
                    (EndpointStatus::Created(crate::control::ConnState::Suspended), _) => {
                        Reason::ConnectionSuspended
                    }
                    (EndpointStatus::Created(crate::control::ConnState::Terminated), _) => {
                        Reason::ConnectionTerminated
                    }
                    (EndpointStatus::Created(crate::control::ConnState::Rejected), _) => {
                        Reason::ConnectionRejected
                    }
                    (EndpointStatus::Deleted, _) => Reason::EndpointNotFound,
                    _ => return,
                };
                self.cut_where(now, reason, |_, p| p.endpoint.is_some_and(|(x, _)| x == e));
            }
            Event::RemoveNlb { service, nlb } => {
                let (Some(s), Some(n)) = (fabric.service(service), fabric.nlb(nlb)) else {
                    return;
                };
                if self.state.service_nlbs[s.index()].contains(&n) {
                    return; // the removal was refused
                }
                let nodes = fabric.nlbs[n.index()].nodes.clone();
                self.cut_where(now, Reason::NoLoadBalancer, |_, p| {
                    p.nlb_node.is_some_and(|x| nodes.contains(&x))
                });
            }
            Event::AzOutage { az, .. } | Event::AzRecover { az } => {
                let Some(a) = fabric.az(az) else { return };
                let down = !self.state.az_up[a.index()];
                if down {
                    self.cut_where(now, Reason::AzUnavailable, |f, p| {
                        p.client_az == Some(a)
                            || p.target_az == Some(a)
                            || p.endpoint.is_some_and(|(_, e)| f.enis[e.index()].az == a)
                            || p.nlb_node.is_some_and(|e| f.enis[e.index()].az == a)
                            || p.nat.is_some_and(|n| f.nats[n.index()].az == a)
                    });
                }
                for (i, eni) in fabric.enis.iter().enumerate() {
                    if eni.az == a {
                        if let Some(r) = self
                            .net
                            .existing(Component::EndpointEni(crate::fabric::EniId(i as u32)))
                        {
                            self.net.set_down(&mut self.alloc, now, r, down);
                        }
                    }
                }
                for (i, nat) in fabric.nats.iter().enumerate() {
                    if nat.az == a {
                        if let Some(r) = self
                            .net
                            .existing(Component::Nat(crate::fabric::NatId(i as u32)))
                        {
                            self.net.set_down(&mut self.alloc, now, r, down);
                        }
                    }
                }
            }
            Event::DxDown { dx, .. } | Event::DxUp { dx } => {
                let Some(d) = fabric.dx(dx) else { return };
                let down = !self.state.dx_up[d.index()];
                if down {
                    self.cut_where(now, Reason::NoRoute, |_, p| p.dx == Some(d));
                }
                for dir in [Dir::Tx, Dir::Rx] {
                    if let Some(r) = self.net.existing(Component::Dx(d, dir)) {
                        self.net.set_down(&mut self.alloc, now, r, down);
                    }
                }
            }
            _ => {}
        }
    }

    fn sample(&mut self, now: SimTime) {
        let interval = now.saturating_since(self.last_sample).as_secs_f64();
        self.last_sample = now;
        if self.sample_bytes.len() < self.net.info.len() {
            self.sample_bytes.resize(self.net.info.len(), 0.0);
            self.series.resize_with(self.net.info.len(), || None);
        }
        for (i, info) in self.net.info.iter().enumerate() {
            if info.name.is_empty() {
                continue;
            }
            let r = ResourceId(i as u32);
            let bytes = self.alloc.resource_bytes(now, r);
            let carried = bytes - self.sample_bytes[i];
            self.sample_bytes[i] = bytes;
            let cap = self.net.capacity(r).0;
            let bps = if interval > 0.0 {
                carried * 8.0 / interval
            } else {
                0.0
            };
            let series = self.series[i].get_or_insert_with(|| ResourceSeries {
                name: info.name.clone(),
                kind: info.kind,
                samples: Vec::new(),
            });
            series.samples.push((now, bps, cap));
        }
        self.cross_az_series
            .push((now, std::mem::take(&mut self.cross_az_now)));
    }
}

impl Model for Run<'_> {
    type Event = Ev;

    fn handle(&mut self, now: SimTime, ev: Ev, sched: &mut Scheduler<Ev>) {
        if !matches!(ev, Ev::Arrival(_) | Ev::ResponseStart(..)) {
            // Everything else reads or changes the allocator's state.
            self.flush_starts(now);
        }
        self.sync(now, sched);
        match ev {
            Ev::Arrival(c) => {
                self.arrival(now, c as usize);
                self.schedule_next(c as usize, sched);
            }
            Ev::Scheduled(i) => {
                let event = self.scenario.events[i as usize].event();
                *self.events_applied.entry(event.kind()).or_default() += 1;
                self.state.apply(self.fabric, now, event);
                self.after_control_event(now, event);
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
                self.after_control_event(now, &restore);
            }
            Ev::ResponseStart(slot, tag) => {
                let path = match self.conns.get_mut(slot as usize).and_then(|c| c.as_mut()) {
                    Some(c) if c.tag == tag && c.phase == Phase::Waiting => {
                        c.phase = Phase::Response;
                        Some((c.resp_path, c.resp.max(1)))
                    }
                    _ => None,
                };
                if let Some((p, bytes)) = path {
                    self.start_flow(now, slot, &p, bytes);
                }
            }
            Ev::Sample => {
                self.sample(now);
                let next = now.saturating_add(self.sample_interval);
                if next.as_nanos() <= self.scenario.duration.as_nanos() {
                    sched.schedule_at(next, Ev::Sample);
                }
            }
            Ev::ScaleTick => {
                let mut due = std::mem::take(&mut self.scale_due);
                due.clear();
                self.net
                    .scaling_check(&self.alloc, now, self.scale_period, &mut due);
                let delay = self.net.policy.delay;
                for r in &due {
                    sched.schedule_at(now.saturating_add(delay), Ev::ScaleStep(r.0));
                }
                self.scale_due = due;
                let next = now.saturating_add(self.scale_period);
                if next.as_nanos() <= self.scenario.duration.as_nanos() {
                    sched.schedule_at(next, Ev::ScaleTick);
                }
            }
            Ev::ScaleStep(r) => self.net.scale_up(&mut self.alloc, now, ResourceId(r)),
        }
        if sched.peek_time() != Some(now) {
            // The instant is over: start what it queued, in one solve.
            self.flush_starts(now);
        }
        self.sync(now, sched);
    }

    /// The allocator's next flow completion: a deadline of the model rather
    /// than an event, since it moves whenever a rate changes.
    fn next_due(&self) -> Option<SimTime> {
        self.alloc.next_completion()
    }

    fn handle_due(&mut self, now: SimTime, sched: &mut Scheduler<Ev>) {
        self.flush_starts(now);
        self.sync(now, sched);
    }
}

/// Whether a leg crosses AZs somewhere it is billed as cross-AZ transfer.
fn crosses_az(fabric: &Fabric, plan: &Plan, client: ClientSide) -> bool {
    if let Some((_, eni)) = plan.endpoint {
        let eni_az = fabric.enis[eni.index()].az;
        let consumer = client.az.is_some_and(|a| a != eni_az);
        let provider = match (plan.nlb_node, plan.target_az) {
            (Some(n), Some(t)) => fabric.enis[n.index()].az != t,
            _ => false,
        };
        return consumer || provider;
    }
    if plan.tgw.is_some()
        || plan.dx.is_some()
        || plan.nat.is_some()
        || plan.gateway_endpoint.is_some()
    {
        return false;
    }
    matches!((client.az, plan.target_az), (Some(a), Some(b)) if a != b)
}

/// The pricebook of a run: `override_file` (`--pricebook`), else the
/// scenario's `pricebook` (builtin name or file relative to the scenario),
/// else the builtin `aws-<region>`. Regions the fabric uses that it lacks are
/// borrowed from their builtin pricebook; a region nobody prices is an error
/// before the run starts.
pub fn resolve_pricebook(
    scenario: &Scenario,
    fabric: &Fabric,
    override_file: Option<&std::path::Path>,
) -> Result<Pricebook, RunError> {
    let base_dir = scenario.origin.as_deref().and_then(|p| p.parent());
    let mut pricebook = match override_file {
        Some(f) => Pricebook::load_file(f)?,
        None => {
            let name = scenario
                .pricebook
                .clone()
                .unwrap_or_else(|| format!("aws-{}", scenario.region));
            match Pricebook::builtin(&name) {
                Some(p) => p,
                None if name.ends_with(".ron") => Pricebook::load_file(match base_dir {
                    Some(d) => d.join(&name),
                    None => name.clone().into(),
                })?,
                None => {
                    return Err(RunError::NoPricebook {
                        name,
                        known: Pricebook::builtin_names().join(", "),
                    });
                }
            }
        }
    };
    let mut used: Vec<String> = fabric
        .vpcs
        .iter()
        .map(|v| v.region.clone())
        .chain(fabric.tgws.iter().map(|t| t.region.clone()))
        .collect();
    used.push(scenario.region.clone());
    used.sort();
    used.dedup();
    for r in &used {
        if !pricebook.regions.contains_key(r) {
            match Pricebook::builtin(&format!("aws-{r}")).and_then(|b| b.regions.get(r).cloned()) {
                Some(rates) => {
                    pricebook.regions.insert(r.clone(), rates);
                    pricebook.name = format!("{}+aws-{r}", pricebook.name);
                }
                None => {
                    return Err(RunError::MissingRegion {
                        pricebook: pricebook.name.clone(),
                        region: r.clone(),
                    })
                }
            }
        }
    }
    crate::cost::usage::check_port_prices(fabric, &pricebook, &scenario.region)?;
    Ok(pricebook)
}

/// Runs a validated scenario.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunResult, RunError> {
    crate::limits::check(scenario, &opts.limits, opts.max_events)?;
    let fabric = Fabric::build(scenario)?;
    let seed = opts.seed.unwrap_or(scenario.seed);
    let end = SimTime(scenario.duration.as_nanos());
    let base_dir = scenario.origin.as_deref().and_then(|p| p.parent());
    let mut sched: Scheduler<Ev> = Scheduler::with_capacity(1024);
    let mut classes = Vec::with_capacity(scenario.traffic.len());
    let mut labels = Labels::default();
    // Completion-time histograms: 3 significant digits; 2 when a scenario
    // has more than FCT_FULL_PRECISION_CLASSES classes, so memory stays
    // bounded (about 30 KB per class instead of about 240 KB). Values from 1 µs resolution up to ~28 hours.
    let fct_digits: u8 = if scenario.traffic.len() > FCT_FULL_PRECISION_CLASSES {
        2
    } else {
        3
    };
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
            choices: engine::rng_stream(seed, &format!("traffic:{}:choices", t.name)),
            request: SizeSampler::new(&t.request),
            response: SizeSampler::new(&t.response),
            source: t.from.clone(),
            source_workload: match &t.from {
                Source::Workload(w) => fabric.workload(w),
                Source::Site(_) => None,
            },
            source_site: match &t.from {
                Source::Site(x) => fabric.site(x),
                Source::Workload(_) => None,
            },
            target_service: match &t.to {
                Target::Service { name, .. } => fabric.service(name),
                _ => None,
            },
            source_label: labels.id(source_label(&t.from)),
            target_label: labels.id(target_label(&t.to)),
            connections: 0,
            offered_bytes: 0,
            delivered: 0,
            denied: BTreeMap::new(),
            pending_row,
            completed: 0,
            delivered_bytes: 0,
            cut: BTreeMap::new(),
            cut_bytes: 0,
            moved_before_cut: 0,
            admitted_bytes: 0,
            // 1 ns to ~3 years at 3 significant digits: the bounds are valid
            // constants, so construction cannot fail; fall back to defaults.
            fct: Histogram::new_with_bounds(1_000, 100_000_000_000_000, fct_digits)
                .or_else(|_| Histogram::new(fct_digits))
                .unwrap_or_else(|_| unreachable_histogram()),
            outcomes: BTreeMap::new(),
            fct_batch: Vec::new(),
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
    let state = ControlState::new(&fabric, scenario, seed);
    let dns = DnsState::new(
        fabric.endpoints.len(),
        &mut engine::rng_stream(seed, "control:dns"),
    );
    let pricebook = resolve_pricebook(scenario, &fabric, opts.pricebook.as_deref())?;
    let sample_interval = scenario.settings.sample_interval;
    let scale_period = SimDuration(
        (fabric.quotas.scaling.sustain.as_nanos() / 4).clamp(1_000_000_000, 60_000_000_000),
    );
    sched.schedule_at(
        SimTime(sample_interval.as_nanos().min(end.as_nanos())),
        Ev::Sample,
    );
    let mut model = Run {
        scenario,
        fabric: &fabric,
        eval: Evaluator::new(&fabric),
        state,
        dns,
        classes,
        trace_targets,
        hints: BTreeMap::new(),
        labels,
        events_applied: BTreeMap::new(),
        alloc: Allocator::new(),
        net: Network::new(&fabric),
        usage: UsageRecorder::new(),
        conns: Vec::new(),
        free: Vec::new(),
        active: 0,
        flow_conn: Vec::new(),
        done: Vec::new(),
        sample_interval,
        last_sample: SimTime::ZERO,
        sample_bytes: Vec::new(),
        series: Vec::new(),
        cross_az_now: 0,
        cross_az_series: Vec::new(),
        scale_period,
        scale_due: Vec::new(),
        next_tag: 0,
        pending_responses: Vec::new(),
        starting: Vec::new(),
        started: Vec::new(),
        log: scenario.settings.connection_log.then(Vec::new),
    };
    // Autoscaling checks run only while a scalable resource exists; the
    // first check is armed at the first tick and re-arms itself.
    if fabric.quotas.endpoint_az_max > fabric.quotas.endpoint_az_base
        || fabric.quotas.nat_max > fabric.quotas.nat_base
    {
        sched.schedule_at(
            SimTime(scale_period.as_nanos().min(end.as_nanos())),
            Ev::ScaleTick,
        );
    }
    let progress = Progress::new(scenario.duration, opts.quiet);
    let limits =
        RunLimits::until(end).with_max_events(opts.max_events.unwrap_or(DEFAULT_MAX_EVENTS));
    let stats = engine::run(&mut model, &mut sched, limits, &progress)?;
    model.flush_starts(sched.now());
    for class in &mut model.classes {
        class.flush_fct();
    }
    model.sync(end, &mut sched);
    progress.finish();
    if model.last_sample < end {
        model.sample(end);
    }

    // Connections still in progress at the end: count and full sizes.
    let mut in_flight: Vec<(u64, u64)> = vec![(0, 0); model.classes.len()];
    for conn in model.conns.iter().flatten() {
        let e = &mut in_flight[conn.class as usize];
        e.0 += 1;
        e.1 = e.1.saturating_add(conn.req.max(1) + conn.resp.max(1));
        if let Some(r) = model
            .log
            .as_mut()
            .and_then(|l| l.get_mut(conn.log as usize))
        {
            let moving = conn
                .flow
                .and_then(|f| model.alloc.delivered(end, f))
                .map_or(0, |b| b.0);
            r.moved = match conn.phase {
                Phase::Request => moving,
                Phase::Waiting => conn.req.max(1),
                Phase::Response => conn.req.max(1) + moving,
            };
        }
    }

    // The bill.
    model
        .usage
        .record_hours(&fabric, &model.state.provisioned, end);
    let project = scenario.settings.project_month || opts.project_month;
    let window = scenario.duration;
    let bill = cost::bill(
        model.usage.meters(),
        &pricebook,
        &scenario.region,
        &BillOptions {
            project_month: project.then_some(window),
            consolidated_billing: false,
        },
    )?;
    let monthly_bill = if project {
        bill.clone()
    } else {
        cost::bill(
            model.usage.meters(),
            &pricebook,
            &scenario.region,
            &BillOptions {
                project_month: Some(window),
                consolidated_billing: false,
            },
        )?
    };

    let mut connectivity = Connectivity::default();
    let traffic: Vec<TrafficSummary> = model
        .classes
        .iter()
        .enumerate()
        .map(|(ci, c)| {
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
            let pct = |q: f64| {
                if c.fct.is_empty() {
                    0.0
                } else {
                    c.fct.value_at_quantile(q) as f64 / 1e6
                }
            };
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
                admitted_bytes: c.admitted_bytes,
                completed: c.completed,
                delivered_bytes: c.delivered_bytes - c.moved_before_cut,
                cut: c.cut.values().sum(),
                cut_by_reason: c
                    .cut
                    .iter()
                    .map(|(r, n)| (r.code().to_string(), *n))
                    .collect(),
                cut_bytes: c.cut_bytes.saturating_add(c.moved_before_cut),
                moved_before_cut: c.moved_before_cut,
                in_flight_at_end: in_flight[ci].0,
                in_flight_bytes: in_flight[ci].1,
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
        })
        .collect();
    // Reported resources that carried traffic, with their resource index.
    let carried: Vec<(usize, &ResourceSeries)> = model
        .series
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
        .filter(|(_, s)| s.samples.iter().any(|x| x.1 > 0.0))
        .collect();
    let bandwidth = BandwidthSummary {
        sample_interval_s: sample_interval.as_secs_f64(),
        resources: carried
            .iter()
            .map(|(i, s)| {
                let info = model.net.info.get(*i);
                let peak = s.samples.iter().map(|x| x.1).fold(0.0, f64::max);
                let total_bits: f64 = {
                    let mut last = SimTime::ZERO;
                    s.samples
                        .iter()
                        .map(|(t, bps, _)| {
                            let d = t.saturating_since(last).as_secs_f64();
                            last = *t;
                            bps * d
                        })
                        .sum()
                };
                let mut last = SimTime::ZERO;
                let mut saturated = 0.0;
                let mut peak_util: f64 = 0.0;
                for (t, bps, cap) in &s.samples {
                    let d = t.saturating_since(last).as_secs_f64();
                    last = *t;
                    if *cap > 0 {
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
                    base_capacity_gbps: info.map(|i| i.base.as_gbps_f64()).unwrap_or(0.0),
                    max_capacity_gbps: info
                        .map(|i| {
                            i.capacity_steps
                                .iter()
                                .map(|(_, c)| c.as_gbps_f64())
                                .fold(0.0, f64::max)
                        })
                        .unwrap_or(0.0),
                    capacity_changes: info.map(|i| i.capacity_steps.len() as u64 - 1).unwrap_or(0),
                    peak_gbps: peak / 1e9,
                    mean_gbps: total_bits / scenario.duration.as_secs_f64().max(1e-9) / 1e9,
                    peak_utilisation: peak_util,
                    saturated_s: saturated,
                }
            })
            .collect(),
    };
    let timeseries: Vec<ResourceSeries> = carried.into_iter().map(|(_, s)| s.clone()).collect();
    let cross_az_bytes: u64 = model.cross_az_series.iter().map(|(_, b)| *b).sum();
    let cost_summary = CostSummary::from_bills(&bill, &monthly_bill, cross_az_bytes);
    let fct_cdf = model
        .classes
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
        bandwidth,
        cost: cost_summary,
        control_events: model.state.log.clone(),
        expectations: Vec::new(),
    };
    let names: Vec<&str> = scenario.traffic.iter().map(|t| t.name.as_str()).collect();
    let connectivity: BTreeMap<ConnectivityKey, u64> = model
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
        .collect();
    let hints: BTreeMap<(String, Reason), String> = model
        .hints
        .iter()
        .map(|((c, r), h)| ((names[*c as usize].to_string(), *r), h.clone()))
        .collect();
    let cross_az_series = model.cross_az_series;
    let connection_log = model.log.map(|records| connection_log::Log {
        records,
        classes: names.iter().map(|n| n.to_string()).collect(),
        labels: model.labels.names.clone(),
    });
    drop(model.eval);
    let mut result = RunResult {
        summary,
        fabric,
        connectivity,
        hints,
        bill,
        monthly_bill,
        timeseries,
        cross_az_series,
        fct_cdf,
        connection_log,
    };
    result.summary.expectations = crate::expect::evaluate(scenario, &result);
    Ok(result)
}
