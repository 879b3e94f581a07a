//! Assembles and runs one simulation: fabric, event core, traffic generators,
//! scenario events, and (as they land) the control plane, data plane and
//! meters.
//!
//! Owns: the wiring of a run and its [`RunResult`]. Must not: parse files
//! (scenario does), or format outputs (report does).

use std::collections::BTreeMap;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::dataplane::traffic::{read_trace, ArrivalProcess, SizeSampler, TraceError};
use crate::engine::{self, Model, Progress, RunLimits, Scheduler, SimError};
use crate::fabric::{Fabric, FabricError};
use crate::report::summary::{Summary, TrafficSummary, SCHEMA_VERSION};
use crate::scenario::{Arrivals, Scenario, Source};
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
    #[error(transparent)]
    Sim(#[from] SimError),
}

/// Everything a run produced.
#[derive(Debug)]
pub struct RunResult {
    pub summary: Summary,
    pub fabric: Fabric,
}

/// Events of a vpcsim run.
#[derive(Debug, Clone, Copy)]
enum Ev {
    /// The next connection of traffic class `.0` arrives.
    Arrival(u32),
    /// Scenario event `.0` (index into `scenario.events`) takes effect.
    Scheduled(u32),
}

struct Class {
    name: String,
    process: ArrivalProcess,
    rng: ChaCha8Rng,
    request: SizeSampler,
    response: SizeSampler,
    sources: u32,
    connections: u64,
    offered_bytes: u64,
}

struct Run<'a> {
    scenario: &'a Scenario,
    classes: Vec<Class>,
    /// Scenario events applied, by kind.
    events_applied: BTreeMap<&'static str, u64>,
}

impl Model for Run<'_> {
    type Event = Ev;

    fn handle(&mut self, _now: SimTime, ev: Ev, sched: &mut Scheduler<Ev>) {
        match ev {
            Ev::Arrival(c) => {
                let class = &mut self.classes[c as usize];
                let _source_instance = class.rng.random_range(0..class.sources);
                let req = class.request.sample(&mut class.rng);
                let resp = class.response.sample(&mut class.rng);
                class.connections += 1;
                class.offered_bytes = class.offered_bytes.saturating_add(req).saturating_add(resp);
                if let Some((t, _row)) = class.process.next(&mut class.rng) {
                    sched.schedule_at(t, Ev::Arrival(c));
                }
            }
            Ev::Scheduled(i) => {
                let kind = self.scenario.events[i as usize].event().kind();
                *self.events_applied.entry(kind).or_default() += 1;
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
    for (i, t) in scenario.traffic.iter().enumerate() {
        let start = SimTime(t.start.unwrap_or(SimDuration::ZERO).as_nanos());
        let stop = SimTime(t.end.unwrap_or(scenario.duration).as_nanos());
        let trace = match &t.arrivals {
            Arrivals::Trace { file } => {
                let path = match base_dir {
                    Some(d) => d.join(file),
                    None => file.into(),
                };
                Some(read_trace(&path).map_err(|source| RunError::Trace {
                    class: t.name.clone(),
                    source,
                })?)
            }
            _ => None,
        };
        let mut rng = engine::rng_stream(seed, &format!("traffic:{}", t.name));
        let mut process = ArrivalProcess::new(&t.arrivals, start, stop, trace);
        let sources = match &t.from {
            Source::Workload(w) => fabric
                .workload(w)
                .map(|w| fabric.workloads[w.index()].instances.len()),
            Source::Site(s) => fabric
                .site(s)
                .map(|s| fabric.sites[s.index()].hosts as usize),
        }
        .unwrap_or(1)
        .max(1) as u32;
        if let Some((first, _)) = process.next(&mut rng) {
            sched.schedule_at(first, Ev::Arrival(i as u32));
        }
        classes.push(Class {
            name: t.name.clone(),
            process,
            rng,
            request: SizeSampler::new(&t.request),
            response: SizeSampler::new(&t.response),
            sources,
            connections: 0,
            offered_bytes: 0,
        });
    }
    // Scenario events are pushed in file order; ties at the same time keep it.
    let mut order: Vec<usize> = (0..scenario.events.len()).collect();
    order.sort_by_key(|i| scenario.events[*i].time());
    for i in order {
        sched.schedule_at(
            SimTime(scenario.events[i].time().as_nanos()),
            Ev::Scheduled(i as u32),
        );
    }
    let mut model = Run {
        scenario,
        classes,
        events_applied: BTreeMap::new(),
    };
    let progress = Progress::new(scenario.duration, opts.quiet);
    let limits =
        RunLimits::until(end).with_max_events(opts.max_events.unwrap_or(DEFAULT_MAX_EVENTS));
    let stats = engine::run(&mut model, &mut sched, limits, &progress)?;
    progress.finish();
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
        traffic: model
            .classes
            .iter()
            .map(|c| TrafficSummary {
                name: c.name.clone(),
                connections: c.connections,
                offered_bytes: c.offered_bytes,
            })
            .collect(),
    };
    Ok(RunResult { summary, fabric })
}
