//! Assembly: everything a run is made of, built before the first event —
//! the fabric, the resolved pricebook, the traffic classes with their
//! random streams and first arrivals, the control plane's starting state
//! and the scheduled scenario events.
//!
//! A [`Prepared`] run is inert: nothing has happened yet. [`Prepared::run`]
//! executes it (the model, [`super::model`]); `explain` asks the same
//! prepared run the question the run asks for one connection.
//!
//! Owns: turning a [`Loaded`] scenario into a run's starting state. Must
//! not: read files (the loader did), simulate, or summarise.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use super::labels::{source_label, target_label, Labels};
use super::model::{Class, Ev, Start};
use super::{RunError, RunOptions};
use crate::control::{ControlState, DnsState};
use crate::cost::usage::UsageRecorder;
use crate::cost::Pricebook;
use crate::dataplane::traffic::{ArrivalProcess, SizeSampler};
use crate::engine::{self, Scheduler};
use crate::fabric::Fabric;
use crate::limits::FCT_FULL_PRECISION_CLASSES;
use crate::load::Loaded;
use crate::scenario::{AwsService, Dns, Scenario, Source, Target};
use crate::units::{SimDuration, SimTime};

/// A run ready to execute: built, priced and scheduled, not yet started.
pub struct Prepared<'a> {
    pub(super) loaded: &'a Loaded,
    pub(super) fabric: Fabric,
    pub(super) pricebook: &'a Pricebook,
    pub(super) seed: u64,
    /// Targets named by trace rows, by name (parsed once).
    pub(super) trace_targets: BTreeMap<String, Target>,
    /// What the model starts from (moved into it when the run starts).
    pub(super) start: Start,
}

impl<'a> Prepared<'a> {
    /// Assembles a run of `loaded` with `opts` (seed, caps). Fails before
    /// anything is built when a cap is exceeded, and before anything is
    /// simulated when the fabric cannot be built, the pricebook cannot price
    /// it or a trace row names nothing of the scenario.
    pub fn new(loaded: &'a Loaded, opts: &RunOptions) -> Result<Prepared<'a>, RunError> {
        let scenario = loaded.scenario();
        crate::limits::check_loaded(loaded, &opts.limits)?;
        let fabric = Fabric::build(loaded.valid(), loaded.quotas())?;
        let seed = opts.seed.unwrap_or(scenario.seed);
        let trace_targets = trace_targets(loaded, &fabric)?;
        let mut sched: Scheduler<Ev> = Scheduler::with_capacity(1024);
        let mut labels = Labels::default();
        let classes = classes(loaded, &fabric, seed, &mut sched, &mut labels);
        schedule_events(scenario, &mut sched);
        let state = ControlState::new(&fabric, scenario, seed);
        let dns = DnsState::new(
            fabric.endpoints.len(),
            &mut engine::rng_stream(seed, "control:dns"),
        );
        let pricebook = loaded.pricebook();
        let usage = UsageRecorder::with_rules(&pricebook.rule_book(), loaded.rules())?;
        let (sample_interval, scale_period) = schedule_ticks(scenario, &fabric, &mut sched);
        Ok(Prepared {
            loaded,
            fabric,
            pricebook,
            seed,
            trace_targets,
            start: Start {
                classes,
                labels,
                state,
                dns,
                sched,
                sample_interval,
                scale_period,
                usage,
                hop_traces: false,
            },
        })
    }

    /// The scenario.
    pub fn scenario(&self) -> &'a Scenario {
        self.loaded.scenario()
    }

    /// The fabric the run simulates.
    pub fn fabric(&self) -> &Fabric {
        &self.fabric
    }

    /// The pricebook the run prices with (regions completed).
    pub fn pricebook(&self) -> &Pricebook {
        self.pricebook
    }

    /// The root seed of the run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Keeps the hop list of every connection in the connection log
    /// ([`crate::connection_log::Log::hops`]), as `explain` shows them: for
    /// tests that compare a run with `explain`. Slower (every hop's texts
    /// are formatted); changes no decision.
    pub fn with_hop_traces(mut self) -> Self {
        self.start.hop_traces = true;
        self
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

/// The targets trace rows name, each checked (with the sources) against
/// the fabric.
fn trace_targets(loaded: &Loaded, fabric: &Fabric) -> Result<BTreeMap<String, Target>, RunError> {
    let mut targets = BTreeMap::new();
    for (i, t) in loaded.scenario().traffic.iter().enumerate() {
        let Some(rows) = loaded.trace(i) else {
            continue;
        };
        let unknown =
            |r: &crate::dataplane::traffic::TraceRow, what, name: &String| RunError::TraceName {
                class: t.name.clone(),
                time: r.time,
                what,
                name: name.clone(),
            };
        for r in rows.iter() {
            if !r.source.is_empty()
                && fabric.workload(&r.source).is_none()
                && fabric.site(&r.source).is_none()
            {
                return Err(unknown(r, "source", &r.source));
            }
            if !r.target.is_empty() && !targets.contains_key(&r.target) {
                let target = parse_target(fabric, &r.target)
                    .ok_or_else(|| unknown(r, "target", &r.target))?;
                targets.insert(r.target.clone(), target);
            }
        }
    }
    Ok(targets)
}

#[cold]
fn unreachable_histogram() -> Histogram<u64> {
    panic!("invariant: a histogram with 3 significant digits is valid")
}

/// The traffic classes, each with its streams and its first arrival scheduled.
fn classes(
    loaded: &Loaded,
    fabric: &Fabric,
    seed: u64,
    sched: &mut Scheduler<Ev>,
    labels: &mut Labels,
) -> Vec<Class> {
    let scenario = loaded.scenario();
    // Completion-time histograms: 3 significant digits; 2 when a scenario
    // has more than FCT_FULL_PRECISION_CLASSES classes, so memory stays
    // bounded (about 30 KB per class instead of about 240 KB). Values from 1 µs resolution up to ~28 hours.
    let fct_digits: u8 = if scenario.traffic.len() > FCT_FULL_PRECISION_CLASSES {
        2
    } else {
        3
    };
    let mut classes = Vec::with_capacity(scenario.traffic.len());
    for (i, t) in scenario.traffic.iter().enumerate() {
        let start = SimTime(t.start.unwrap_or(SimDuration::ZERO).as_nanos());
        let stop = SimTime(t.end.unwrap_or(scenario.duration).as_nanos());
        let mut rng = engine::rng_stream(seed, &format!("traffic:{}", t.name));
        let mut process = ArrivalProcess::new(&t.arrivals, start, stop, loaded.trace(i).cloned());
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
    classes
}

/// Scenario events are pushed in time order, file order within a time.
fn schedule_events(scenario: &Scenario, sched: &mut Scheduler<Ev>) {
    let mut order: Vec<usize> = (0..scenario.events.len()).collect();
    order.sort_by_key(|i| scenario.events[*i].time());
    for i in order {
        sched.schedule_at(
            SimTime(scenario.events[i].time().as_nanos()),
            Ev::Scheduled(i as u32),
        );
    }
}

/// The first throughput sample and, while a scalable resource exists, the
/// first autoscaling check (each re-arms itself); returns their periods.
fn schedule_ticks(
    scenario: &Scenario,
    fabric: &Fabric,
    sched: &mut Scheduler<Ev>,
) -> (SimDuration, SimDuration) {
    let end = SimTime(scenario.duration.as_nanos());
    let sample_interval = scenario.settings.sample_interval;
    let scale_period = SimDuration(
        (fabric.quotas.scaling.sustain.as_nanos() / 4).clamp(1_000_000_000, 60_000_000_000),
    );
    sched.schedule_at(
        SimTime(sample_interval.as_nanos().min(end.as_nanos())),
        Ev::Sample,
    );
    if fabric.quotas.autoscales() {
        sched.schedule_at(
            SimTime(scale_period.as_nanos().min(end.as_nanos())),
            Ev::ScaleTick,
        );
    }
    (sample_interval, scale_period)
}
