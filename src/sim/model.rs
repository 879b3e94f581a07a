//! The model of a run: its events and the state they act on — connections
//! decided by the control plane, flows on the data plane, meters, samples.
//!
//! [`Run`] is the engine's [`Model`]: every arrival, scenario event, flow
//! completion, sample and scaling step is handled here, in `(time, seq)`
//! order. It starts from the [`Start`] that assembly built and ends with
//! counters that [`super::summarise`] turns into results.
//!
//! Owns: the wiring of the control plane, the data plane and the meters
//! during a run. Must not: decide AWS rules (control does), price (cost
//! does) or format outputs (report does).

use std::collections::BTreeMap;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use hdrhistogram::Histogram;

use super::decide;
use super::labels::{source_label, target_label, Labels};
use crate::connection_log;
use crate::control::{
    ControlState, Decision, DnsState, EndpointStatus, Evaluator, Hop, Outcome, PathKind, Plan,
    Reason, Src,
};
use crate::cost::usage::{ClientSide, MeterSet, UsageRecorder};
use crate::cost::MeterId;
use crate::dataplane::network::{one_way_latency, Component, Dir, Endpoint, FlowPath, Network};
use crate::dataplane::traffic::{ArrivalProcess, SizeSampler, TraceRow};
use crate::dataplane::{Allocator, Completion, FlowId, FlowSpec, ResourceId};
use crate::engine::{Model, Scheduler};
use crate::fabric::Fabric;
use crate::results::ResourceSeries;
use crate::scenario::{Event, Scenario, Source, Target};
use crate::units::{SimDuration, SimTime};

/// What a run's model starts from: built by assembly, moved into the model
/// when the run starts.
pub(super) struct Start {
    pub(super) classes: Vec<Class>,
    pub(super) labels: Labels,
    pub(super) state: ControlState,
    pub(super) dns: DnsState,
    /// First arrivals, scenario events, the first sample and scaling tick.
    pub(super) sched: Scheduler<Ev>,
    pub(super) sample_interval: SimDuration,
    pub(super) scale_period: SimDuration,
    /// The usage recorder, under the run's pricing rule set.
    pub(super) usage: UsageRecorder,
    /// Keep every connection's hop list (see [`super::Prepared::with_hop_traces`]).
    pub(super) hop_traces: bool,
}

/// Events of a vpcsim run.
#[derive(Debug, Clone, Copy)]
pub(super) enum Ev {
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
pub(super) enum Phase {
    Request,
    Waiting,
    Response,
}

/// A delivered connection carrying bytes.
pub(super) struct Conn {
    pub(super) class: u32,
    pub(super) plan: Plan,
    pub(super) start: SimTime,
    pub(super) req: u64,
    pub(super) resp: u64,
    pub(super) latency: SimDuration,
    pub(super) resp_path: FlowPath,
    /// The meters the request and the response feed.
    pub(super) meters: (MeterSet, MeterSet),
    /// Whether its bytes count as cross-AZ transfer.
    pub(super) crosses_az: bool,
    /// The capacity meter of the NLB it passes, if any.
    pub(super) nlb: Option<MeterId>,
    pub(super) flow: Option<FlowId>,
    pub(super) flow_start: SimTime,
    /// Bytes of the current flow already in the meters, and the instant
    /// they were settled up to (see [`super::metering`]).
    pub(super) settled: u64,
    pub(super) settled_at: SimTime,
    pub(super) phase: Phase,
    /// Distinguishes reuses of the slot, for stale `ResponseStart` events.
    pub(super) tag: u32,
    /// Its record in the connection log (`u32::MAX` when not logging).
    pub(super) log: u32,
}

pub(super) struct Class {
    pub(super) name: String,
    pub(super) process: ArrivalProcess,
    /// Arrival times and sizes (`traffic:<name>`): a fixed number of draws
    /// per connection, so they never depend on what the connection meets.
    pub(super) rng: ChaCha8Rng,
    /// Per-connection choices: the source instance and the control plane's
    /// picks (`traffic:<name>:choices`), whose number depends on the path.
    pub(super) choices: ChaCha8Rng,
    pub(super) request: SizeSampler,
    pub(super) response: SizeSampler,
    pub(super) source: Source,
    /// The class's own source, resolved once.
    pub(super) source_workload: Option<crate::fabric::WorkloadId>,
    pub(super) source_site: Option<crate::fabric::SiteId>,
    /// The class's target service, resolved once (`Target::Service` only).
    pub(super) target_service: Option<crate::fabric::ServiceId>,
    /// Label ids (into `Run::labels`) of the class's own source and target.
    pub(super) source_label: u32,
    pub(super) target_label: u32,
    pub(super) connections: u64,
    pub(super) offered_bytes: u64,
    pub(super) delivered: u64,
    pub(super) denied: BTreeMap<Reason, u64>,
    /// The next trace row, when replaying a trace.
    pub(super) pending_row: Option<TraceRow>,
    pub(super) completed: u64,
    pub(super) delivered_bytes: u64,
    /// Connections cut mid-transfer, by reason.
    pub(super) cut: BTreeMap<Reason, u64>,
    /// Bytes of cut connections that never arrived (offered − delivered).
    pub(super) cut_bytes: u64,
    /// Bytes cut connections had moved before the cut.
    pub(super) moved_before_cut: u64,
    /// Bytes of admitted connections (request + response).
    pub(super) admitted_bytes: u64,
    /// Flow completion times, in nanoseconds.
    pub(super) fct: Histogram<u64>,
    /// Connection counts by (source label, target label, path, reason): a
    /// few entries per class (one node of a small map, next to the class's
    /// other counters).
    pub(super) outcomes: BTreeMap<(u32, u32, PathKind, Option<Reason>), u64>,
    /// Completion times not yet in `fct`: recorded in batches, so that the
    /// histogram's counters (thousands of classes, tens of KB each) are
    /// visited once per batch rather than once per connection.
    pub(super) fct_batch: Vec<u64>,
}

/// Completion times a class collects before adding them to its histogram.
const FCT_BATCH: usize = 32;

impl Class {
    pub(super) fn record_fct(&mut self, ns: u64) {
        self.fct_batch.push(ns);
        if self.fct_batch.len() >= FCT_BATCH {
            self.flush_fct();
        }
    }

    /// Adds the batched completion times to the histogram.
    pub(super) fn flush_fct(&mut self) {
        let high = self.fct.high();
        for v in self.fct_batch.drain(..) {
            // Values beyond the histogram's range are clamped to its top.
            let _ = self.fct.record(v.min(high));
        }
    }
}

/// The model of a run: the engine's [`Model`] over the fabric, the control
/// plane, the data plane and the meters.
pub(super) struct Run<'a> {
    pub(super) scenario: &'a Scenario,
    pub(super) fabric: &'a Fabric,
    pub(super) eval: Evaluator<'a>,
    pub(super) state: ControlState,
    pub(super) dns: DnsState,
    pub(super) classes: Vec<Class>,
    /// Per-row targets of trace classes (parsed once, at assembly).
    pub(super) trace_targets: &'a BTreeMap<String, Target>,
    /// The first hint seen for each (class, reason).
    pub(super) hints: BTreeMap<(u32, Reason), String>,
    /// Interned source and target labels of `connectivity.csv`.
    pub(super) labels: Labels,
    pub(super) events_applied: BTreeMap<&'static str, u64>,
    pub(super) alloc: Allocator,
    pub(super) net: Network,
    pub(super) usage: UsageRecorder,
    pub(super) conns: Vec<Option<Conn>>,
    pub(super) free: Vec<u32>,
    pub(super) active: usize,
    /// Connection slot of each allocator flow slot.
    pub(super) flow_conn: Vec<u32>,
    pub(super) done: Vec<Completion>,
    pub(super) sample_interval: SimDuration,
    pub(super) last_sample: SimTime,
    /// Bytes carried by each resource at the last sample.
    pub(super) sample_bytes: Vec<f64>,
    /// Throughput samples of each reported resource, by resource index
    /// (`None` for resources not reported one by one, e.g. NICs).
    pub(super) series: Vec<Option<ResourceSeries>>,
    pub(super) cross_az_now: u64,
    pub(super) cross_az_series: Vec<(SimTime, u64)>,
    pub(super) scale_period: SimDuration,
    pub(super) scale_due: Vec<ResourceId>,
    pub(super) next_tag: u32,
    /// Responses to start once the current batch of completions is done.
    pub(super) pending_responses: Vec<(SimTime, u32, u32)>,
    /// Flows queued to start at the current instant: `(connection slot,
    /// path, bytes)`.
    pub(super) starting: Vec<(u32, FlowPath, u64)>,
    /// Ids of the flows of the last batch start (buffer).
    pub(super) started: Vec<FlowId>,
    /// One record per connection, when the scenario asks for the log.
    pub(super) log: Option<Vec<connection_log::Record>>,
    /// The hop list of every connection, in the log's order, when the
    /// assembly asked for them (tests comparing a run with `explain`).
    pub(super) hop_traces: Option<Vec<Vec<Hop>>>,
    /// The next billing-hour boundary (ns) at which flows in progress are
    /// settled into the meters.
    pub(super) next_hour: u64,
}

/// Where a connection goes, as its class (or its trace row) names it.
#[derive(Clone, Copy)]
pub(super) struct Aim<'t> {
    pub(super) target: &'t Target,
    /// Label id of the target.
    pub(super) label: u32,
    /// The class's target service, resolved once (`None`: look it up).
    pub(super) service: Option<crate::fabric::ServiceId>,
}

/// What a question changes about a class's next connection (`explain`):
/// the run's own arrivals change nothing.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Asked<'q> {
    /// Replaces the class's (and its trace row's) source.
    pub(super) source: Option<&'q Source>,
    /// Replaces the class's (and its trace row's) target.
    pub(super) target: Option<&'q Target>,
    pub(super) port: Option<u16>,
    /// The client instance (or host) asked about; the run's policy applies
    /// ([`decide::pick_client`]).
    pub(super) instance: Option<usize>,
    /// Record the hop texts.
    pub(super) trace: bool,
}

/// One connection of a class, decided.
pub(super) struct Connection {
    pub(super) attempt: Attempt,
    /// The instance asked for, when it was down and the connection moved.
    pub(super) moved_from: Option<usize>,
    pub(super) decision: Decision,
}

impl<'a> Run<'a> {
    fn arrival(&mut self, now: SimTime, c: usize) {
        let Some(conn) = self.connect(now, c, &Asked::default()) else {
            return;
        };
        let (attempt, decision) = (conn.attempt, conn.decision);
        self.record(&attempt, &decision);
        if decision.outcome.is_delivered() {
            let class = &mut self.classes[c];
            class.admitted_bytes = class
                .admitted_bytes
                .saturating_add(attempt.req_bytes)
                .saturating_add(attempt.resp_bytes);
            let client_side = decide::client_side(self.fabric, attempt.src);
            let client_endpoint = match attempt.src {
                Src::Instance { workload, index } => Endpoint::Instance(workload, index as u32),
                Src::Host { site, index } => Endpoint::Host(site, index),
            };
            self.admit(
                now,
                c as u32,
                decision.plan,
                client_side,
                client_endpoint,
                attempt.req_bytes,
                attempt.resp_bytes,
            );
        }
    }

    /// The next connection of class `c` at `now`, decided: its trace row
    /// (if any), its client, its sizes and the control plane's decision —
    /// the one path every arrival of a run and every `explain` question
    /// take. `None` when its source names nothing of the fabric.
    pub(super) fn connect(
        &mut self,
        now: SimTime,
        c: usize,
        asked: &Asked<'_>,
    ) -> Option<Connection> {
        let row = self.classes[c].pending_row.take();
        // A trace row may name its own source and target; otherwise the
        // class's, whose names were resolved once.
        let row_source = match asked.source {
            Some(s) => Some(s.clone()),
            None => row.as_ref().filter(|r| !r.source.is_empty()).map(|r| {
                if self.fabric.workload(&r.source).is_some() {
                    Source::Workload(r.source.clone())
                } else {
                    Source::Site(r.source.clone())
                }
            }),
        };
        let aim = match asked.target {
            Some(t) => Aim {
                target: t,
                label: self.labels.id(target_label(t)),
                service: None,
            },
            None => self.aim(c, row.as_ref()),
        };
        let source_label = match &row_source {
            Some(s) => self.labels.id(source_label(s)),
            None => self.classes[c].source_label,
        };
        let (src, count, moved_from) = self.pick_source(c, row_source.as_ref(), asked.instance)?;
        let class = &mut self.classes[c];
        let (req_bytes, resp_bytes) = match &row {
            Some(r) => (r.request.0, r.response.0),
            None => (
                class.request.sample(&mut class.rng),
                class.response.sample(&mut class.rng),
            ),
        };
        let spec = &self.scenario.traffic[c];
        let ask = decide::Ask {
            src,
            count,
            target: aim.target,
            service: aim.service,
            port: asked.port.unwrap_or(spec.port),
            protocol: spec.protocol,
            action: spec.action.as_deref(),
            resource: spec.resource.as_deref(),
            trace: asked.trace || self.hop_traces.is_some(),
        };
        let decision = decide::decide(
            &self.eval,
            &mut self.state,
            &mut self.dns,
            &ask,
            &mut self.classes[c].choices,
        );
        Some(Connection {
            attempt: Attempt {
                now,
                class: c,
                src,
                source_label,
                target_label: aim.label,
                req_bytes,
                resp_bytes,
            },
            moved_from,
            decision,
        })
    }

    /// The target of class `c`'s next connection: its trace row's, else its own.
    fn aim(&mut self, c: usize, row: Option<&TraceRow>) -> Aim<'a> {
        let class = &self.classes[c];
        let own = Aim {
            target: &self.scenario.traffic[c].to,
            label: class.target_label,
            service: class.target_service,
        };
        let named = row.filter(|r| !r.target.is_empty());
        match named.and_then(|r| self.trace_targets.get(&r.target)) {
            Some(t) => Aim {
                target: t,
                label: self.labels.id(target_label(t)),
                service: None,
            },
            None => own,
        }
    }

    /// Draws the source instance (or host) of class `c`'s next connection
    /// from its choices stream by the run's policy for clients in a failed
    /// AZ ([`decide::pick_client`]), with the number of instances it was
    /// drawn from and, when the instance `asked` for was down, that one;
    /// `None` when the source names nothing of the fabric.
    fn pick_source(
        &mut self,
        c: usize,
        row_source: Option<&Source>,
        asked: Option<usize>,
    ) -> Option<(Src, usize, Option<usize>)> {
        let fabric = self.fabric;
        let class = &mut self.classes[c];
        let source = row_source.unwrap_or(&class.source);
        match source {
            Source::Workload(w) => {
                let id = class
                    .source_workload
                    .filter(|_| row_source.is_none())
                    .or_else(|| fabric.workload(w))?;
                let instances = &fabric.workloads[id.index()].instances;
                let up = |i: usize| self.state.az_up[instances[i].az.index()];
                let pick = decide::pick_client(instances.len(), up, &mut class.choices, asked);
                let src = Src::Instance {
                    workload: id,
                    index: pick.index,
                };
                Some((src, instances.len(), pick.moved_from))
            }
            Source::Site(s) => {
                let id = class
                    .source_site
                    .filter(|_| row_source.is_none())
                    .or_else(|| fabric.site(s))?;
                let n = fabric.sites[id.index()].hosts;
                let drawn = class.choices.random_range(0..n.max(1));
                let index = asked.map(|a| a as u32).filter(|a| *a < n).unwrap_or(drawn);
                Some((Src::Host { site: id, index }, n as usize, None))
            }
        }
    }

    /// Counts a decided attempt (and logs it, when the scenario keeps a log).
    fn record(&mut self, a: &Attempt, decision: &Decision) {
        let class = &mut self.classes[a.class];
        class.connections += 1;
        class.offered_bytes = class
            .offered_bytes
            .saturating_add(a.req_bytes)
            .saturating_add(a.resp_bytes);
        let reason = decision.outcome.reason();
        match (&decision.outcome, reason) {
            (_, None) => class.delivered += 1,
            (Outcome::Denied { hint, .. }, Some(r)) => {
                *class.denied.entry(r).or_default() += 1;
                self.hints
                    .entry((a.class as u32, r))
                    .or_insert_with(|| hint.clone());
            }
            _ => {}
        }
        let key = (
            a.source_label,
            a.target_label,
            decision.outcome.path(),
            reason,
        );
        *class.outcomes.entry(key).or_default() += 1;
        if let Some(traces) = self.hop_traces.as_mut() {
            traces.push(decision.outcome.hops().to_vec());
        }
        if let Some(log) = self.log.as_mut() {
            let index = match a.src {
                Src::Instance { index, .. } => index as u32,
                Src::Host { index, .. } => index,
            };
            log.push(connection_log::Record {
                start: a.now,
                class: a.class as u32,
                source: a.source_label,
                source_index: index,
                target: a.target_label,
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
                request: a.req_bytes,
                response: a.resp_bytes,
                moved: 0,
                end: match reason {
                    Some(r) => connection_log::End::Denied(r),
                    None => connection_log::End::InFlight,
                },
            });
        }
    }
}

/// One decided connection attempt, as counted and logged.
pub(super) struct Attempt {
    pub(super) now: SimTime,
    pub(super) class: usize,
    pub(super) src: Src,
    pub(super) source_label: u32,
    pub(super) target_label: u32,
    pub(super) req_bytes: u64,
    pub(super) resp_bytes: u64,
}

impl Run<'_> {
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
        let nlb = self.usage.nlb_meter(self.fabric, &plan);
        let crosses_az = crosses_az(&self.usage, meters);
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
            nlb,
            flow: None,
            flow_start: now,
            settled: 0,
            settled_at: now,
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
        if let Some(c) = self.conns[slot as usize].as_mut() {
            // A new flow: nothing of it is metered yet.
            c.settled = 0;
            c.settled_at = now;
        }
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
        super::metering::settle_flow(&mut self.usage, &mut self.cross_az_now, conn, at, bytes);
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
                if let Some(id) = conn.nlb {
                    self.usage.nlb_connection(id, conn.start, at);
                }
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
            let Some(mut conn) = self.conns[slot].take() else {
                continue;
            };
            let moved_now = match conn.flow {
                Some(f) => {
                    let cut = self.alloc.cut_flow(now, f).map(|b| b.0).unwrap_or(0);
                    let usage = &mut self.usage;
                    super::metering::settle_flow(
                        usage,
                        &mut self.cross_az_now,
                        &mut conn,
                        now,
                        cut,
                    );
                    // What the meters hold of the flow (never less than a
                    // settlement already made).
                    conn.settled
                }
                None => 0,
            };
            if let Some(id) = conn.nlb {
                self.usage.nlb_connection(id, conn.start, now);
            }
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

impl<'a> Run<'a> {
    /// Scenario event `i` takes effect on the control plane (its timed end,
    /// if any, is scheduled); returns it.
    fn control_event(&mut self, now: SimTime, i: u32, sched: &mut Scheduler<Ev>) -> &'a Event {
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
        event
    }

    /// The timed end of scenario event `i` takes effect on the control
    /// plane; returns it (`None` for an event without one).
    fn restore(&mut self, now: SimTime, i: u32) -> Option<Event> {
        let restore = match self.scenario.events[i as usize].event() {
            Event::AzOutage { az, .. } => Event::AzRecover { az: az.clone() },
            Event::DxDown { dx, .. } => Event::DxUp { dx: dx.clone() },
            _ => return None,
        };
        *self.events_applied.entry(restore.kind()).or_default() += 1;
        self.state.apply(self.fabric, now, &restore);
        Some(restore)
    }

    /// Replays the control plane of the run up to `at`: every arrival
    /// decided as the run decides it ([`Run::connect`]), every scenario
    /// event and its timed end applied, no byte moved (the data plane never
    /// changes a decision). Stops just before class `stop`'s arrival at
    /// `at`, if it has one there, and says so: a question about that class
    /// takes its place, with the streams where the run has them.
    pub(super) fn replay(
        &mut self,
        sched: &mut Scheduler<Ev>,
        at: SimTime,
        stop: Option<usize>,
    ) -> bool {
        while sched.peek_time().is_some_and(|t| t <= at) {
            let Some((now, ev)) = sched.pop() else {
                break;
            };
            match ev {
                Ev::Arrival(c) if stop == Some(c as usize) && now == at => return true,
                Ev::Arrival(c) => {
                    let _ = self.connect(now, c as usize, &Asked::default());
                    self.schedule_next(c as usize, sched);
                }
                Ev::Scheduled(i) => {
                    self.control_event(now, i, sched);
                }
                Ev::Restore(i) => {
                    self.restore(now, i);
                }
                Ev::ResponseStart(..) | Ev::Sample | Ev::ScaleTick | Ev::ScaleStep(_) => {}
            }
        }
        false
    }
}

impl Model for Run<'_> {
    type Event = Ev;

    fn handle(&mut self, now: SimTime, ev: Ev, sched: &mut Scheduler<Ev>) {
        // Before anything changes a rate: the hours that ended since the
        // last event take the bytes moved in them.
        self.settle_hours(now);
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
                let event = self.control_event(now, i, sched);
                self.after_control_event(now, event);
            }
            Ev::Restore(i) => {
                let Some(restore) = self.restore(now, i) else {
                    return;
                };
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
        self.settle_hours(now);
        self.flush_starts(now);
        self.sync(now, sched);
    }
}

/// Whether a connection's bytes are billed as cross-AZ transfer under the
/// run's rule set (its legs feed a cross-AZ meter): the bytes
/// `cost.cross_az_bytes` and the cross-AZ chart count. Under `current`
/// the legs to an endpoint ENI or through a transit gateway in another AZ
/// are free and not counted; under `faq` they are.
fn crosses_az(usage: &UsageRecorder, (request, response): (MeterSet, MeterSet)) -> bool {
    usage.bills_cross_az(request) || usage.bills_cross_az(response)
}

impl<'a> Run<'a> {
    /// The model of a run over `fabric`, at its start, and its scheduler.
    pub(super) fn new(
        scenario: &'a Scenario,
        fabric: &'a Fabric,
        trace_targets: &'a BTreeMap<String, Target>,
        start: Start,
    ) -> (Run<'a>, Scheduler<Ev>) {
        let model = Run {
            scenario,
            fabric,
            eval: Evaluator::new(fabric),
            state: start.state,
            dns: start.dns,
            classes: start.classes,
            trace_targets,
            hints: BTreeMap::new(),
            labels: start.labels,
            events_applied: BTreeMap::new(),
            alloc: Allocator::new(),
            net: Network::new(fabric),
            usage: start.usage,
            conns: Vec::new(),
            free: Vec::new(),
            active: 0,
            flow_conn: Vec::new(),
            done: Vec::new(),
            sample_interval: start.sample_interval,
            last_sample: SimTime::ZERO,
            sample_bytes: Vec::new(),
            series: Vec::new(),
            cross_az_now: 0,
            cross_az_series: Vec::new(),
            scale_period: start.scale_period,
            scale_due: Vec::new(),
            next_tag: 0,
            pending_responses: Vec::new(),
            starting: Vec::new(),
            started: Vec::new(),
            log: scenario.settings.connection_log.then(Vec::new),
            hop_traces: start.hop_traces.then(Vec::new),
            next_hour: super::metering::HOUR_NS,
        };
        (model, start.sched)
    }

    /// After the last event: starts what the last instant queued, settles
    /// completions and histograms up to `end`.
    pub(super) fn settle(&mut self, end: SimTime, sched: &mut Scheduler<Ev>) {
        self.flush_starts(sched.now());
        for class in &mut self.classes {
            class.flush_fct();
        }
        // Completions and hour boundaries up to `end`, in time order.
        while let Some(c) = self.alloc.next_completion().filter(|c| *c <= end) {
            self.settle_hours(c);
            self.sync(c, sched);
        }
        self.settle_hours(end);
        self.sync(end, sched);
    }

    /// Closes the run at `end`: the bytes of flows still moving go into
    /// the meters, then the last throughput sample; for each class the
    /// connections still in progress (count, full sizes), whose log records
    /// get the bytes they had moved.
    pub(super) fn close(&mut self, end: SimTime) -> Vec<(u64, u64)> {
        self.settle_in_flight(end);
        if self.last_sample < end {
            self.sample(end);
        }
        let mut in_flight: Vec<(u64, u64)> = vec![(0, 0); self.classes.len()];
        for conn in self.conns.iter().flatten() {
            let e = &mut in_flight[conn.class as usize];
            e.0 += 1;
            e.1 = e.1.saturating_add(conn.req.max(1) + conn.resp.max(1));
            if let Some(r) = self.log.as_mut().and_then(|l| l.get_mut(conn.log as usize)) {
                // Exactly what the meters hold of the flow in progress.
                let moving = if conn.flow.is_some() { conn.settled } else { 0 };
                r.moved = match conn.phase {
                    Phase::Request => moving,
                    Phase::Waiting => conn.req.max(1),
                    Phase::Response => conn.req.max(1) + moving,
                };
            }
        }
        in_flight
    }
}
