//! One question asked of a prepared run: what happens to one connection at
//! one instant. `explain` asks it; the answer comes from the run's own
//! code: the control plane is replayed up to the instant exactly as the run
//! replays it ([`super::model::Run::replay`]: every earlier connection
//! decided, every event applied, in the run's `(time, seq)` order), and the
//! connection is decided by the function every arrival of the run calls
//! ([`super::model::Run::connect`]), with its streams where the run has
//! them. When the class has a connection at that very instant, the answer
//! is the run's decision for it (from the instance asked for).
//!
//! A question about a traffic class follows the run's policy for clients
//! in a failed AZ (see [`super::decide`]): a client in a down AZ opens
//! nothing, and the answer says where the connection moves. A question
//! without a class (a source and a target only) is about that one client:
//! the run has no demand to move, so a down client is denied
//! `AZ_UNAVAILABLE`.
//!
//! Owns: the replay to an instant and the one decision after it. Must not:
//! move bytes, meter, or render (explain does).

use super::decide::{self, Ask};
use super::model::{Asked, Run};
use super::Prepared;
use crate::control::{Decision, Src};
use crate::engine;
use crate::fabric::{AzId, Fabric};
use crate::scenario::{Protocol, Source, Target};
use crate::units::SimTime;

/// What to ask: one connection at one instant.
#[derive(Debug, Clone)]
pub struct Question {
    /// The traffic class (index into `scenario.traffic`) whose connection
    /// it is; `None` for a bare source and target.
    pub class: Option<usize>,
    /// Replaces the class's source; required without a class.
    pub source: Option<Source>,
    /// Replaces the class's target; required without a class.
    pub target: Option<Target>,
    /// Replaces the class's port (without a class: 443 unless given).
    pub port: Option<u16>,
    /// The client instance (workload) or host (site); the caller checks it
    /// is in range.
    pub instance: usize,
    /// The instant; the caller checks it is within the run.
    pub at: SimTime,
}

/// Where the connection of a client in a failed AZ goes instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    /// The instance asked about.
    pub from: usize,
    /// Its AZ, down at the instant.
    pub az: AzId,
    /// The live instance that opens the connection instead.
    pub to: usize,
    /// How many instances of the source are live.
    pub live: usize,
}

/// The answer: the decision the run makes, from which client.
#[derive(Debug)]
pub struct Answer {
    /// The run's fabric (for rendering the answer).
    pub fabric: Fabric,
    /// The source and target the connection was decided for (the class's,
    /// its trace row's, or the question's).
    pub source: Source,
    pub target: Target,
    pub port: u16,
    /// The client that opens the connection.
    pub src: Src,
    /// Set when the client asked about is down and the run moves the
    /// connection to a live instance (`src`).
    pub moved: Option<Moved>,
    /// Whether the class has a connection at exactly this instant in the
    /// run (the answer is then that connection's decision, had it come
    /// from the instance asked for).
    pub at_arrival: bool,
    /// The decision, with its hop texts.
    pub decision: Decision,
}

impl Prepared<'_> {
    /// Asks the prepared run `q` (see the module doc). `None` when the
    /// question's source or target names nothing of the fabric.
    pub fn ask(self, q: &Question) -> Option<Answer> {
        let Prepared {
            loaded,
            fabric,
            seed,
            trace_targets,
            start,
            ..
        } = self;
        let scenario = loaded.scenario();
        let (answer, at_arrival) = {
            let (mut model, mut sched) = Run::new(scenario, &fabric, &trace_targets, start);
            let at_arrival = model.replay(&mut sched, q.at, q.class);
            let answer = match q.class {
                Some(c) => ask_class(&mut model, q, c, at_arrival),
                None => ask_bare(&mut model, q, seed),
            };
            (answer, at_arrival)
        };
        let (source, target, port, src, moved, decision) = answer?;
        Some(Answer {
            fabric,
            source,
            target,
            port,
            src,
            moved,
            at_arrival,
            decision,
        })
    }
}

type Parts = (Source, Target, u16, Src, Option<Moved>, Decision);

/// A class's next connection, decided by the run's own code.
fn ask_class(model: &mut Run<'_>, q: &Question, c: usize, at_arrival: bool) -> Option<Parts> {
    let spec = &model.scenario.traffic[c];
    if !at_arrival {
        // The class's pending trace row belongs to a later arrival.
        model.classes[c].pending_row = None;
    }
    let asked = Asked {
        source: q.source.as_ref(),
        target: q.target.as_ref(),
        port: q.port,
        instance: Some(q.instance),
        trace: true,
    };
    let (source, target) = aimed(model, q, c);
    let conn = model.connect(q.at, c, &asked)?;
    let moved = conn.moved_from.and_then(|from| {
        let Src::Instance { workload, index } = conn.attempt.src else {
            return None;
        };
        let instances = &model.fabric.workloads[workload.index()].instances;
        Some(Moved {
            from,
            az: instances.get(from)?.az,
            to: index,
            live: instances
                .iter()
                .filter(|i| model.state.az_up[i.az.index()])
                .count(),
        })
    });
    let port = q.port.unwrap_or(spec.port);
    Some((source, target, port, conn.attempt.src, moved, conn.decision))
}

/// The source and target class `c`'s next connection is decided for:
/// the question's, else its pending trace row's, else the class's own.
fn aimed(model: &Run<'_>, q: &Question, c: usize) -> (Source, Target) {
    let spec = &model.scenario.traffic[c];
    let row = model.classes[c].pending_row.as_ref();
    let source = match (&q.source, row.filter(|r| !r.source.is_empty())) {
        (Some(s), _) => s.clone(),
        (None, Some(r)) if model.fabric.workload(&r.source).is_some() => {
            Source::Workload(r.source.clone())
        }
        (None, Some(r)) => Source::Site(r.source.clone()),
        (None, None) => spec.from.clone(),
    };
    let row_target = row
        .filter(|r| !r.target.is_empty())
        .and_then(|r| model.trace_targets.get(&r.target));
    let target = match (&q.target, row_target) {
        (Some(t), _) => t.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => spec.to.clone(),
    };
    (source, target)
}

/// A bare source and target: one client, decided at the replayed state
/// with the function every connection of the run goes through, drawing on
/// the `explain` stream (no class, so no class stream).
fn ask_bare(model: &mut Run<'_>, q: &Question, seed: u64) -> Option<Parts> {
    let fabric = model.fabric;
    let source = q.source.clone()?;
    let target = q.target.clone()?;
    let (src, count) = match &source {
        Source::Workload(w) => {
            let id = fabric.workload(w)?;
            let n = fabric.workloads[id.index()].instances.len();
            let index = q.instance.min(n.saturating_sub(1));
            (
                Src::Instance {
                    workload: id,
                    index,
                },
                n,
            )
        }
        Source::Site(s) => {
            let id = fabric.site(s)?;
            let n = fabric.sites[id.index()].hosts;
            let index = (q.instance as u32).min(n.saturating_sub(1));
            (Src::Host { site: id, index }, n as usize)
        }
    };
    let port = q.port.unwrap_or(443);
    let ask = Ask {
        src,
        count,
        target: &target,
        service: None,
        port,
        protocol: Protocol::Tcp,
        action: None,
        resource: None,
        trace: true,
    };
    let mut rng = engine::rng_stream(seed, "explain");
    let decision = decide::decide(
        &model.eval,
        &mut model.state,
        &mut model.dns,
        &ask,
        &mut rng,
    );
    Some((source, target, port, src, None, decision))
}
