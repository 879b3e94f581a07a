//! One simulation run, in two phases (assembly, then execution):
//!
//! ```text
//! load::Loaded ─▶ assemble: Prepared { fabric, pricebook, classes,   ─▶ model: Run (events)  ─▶ summarise ─▶ RunResult
//!                      control state, scheduled events }                     engine + control +
//!                                                                           dataplane + meters
//! ```
//!
//! * [`assemble`]: a [`Prepared`] run — nothing has happened yet.
//! * [`model`]: the events and the state they act on (the engine's model).
//! * [`metering`]: bytes into the meters as they move (billing-hour
//!   boundaries, completions, cuts, the end of the run), NLB connections.
//! * [`summarise`]: results (bill, summary, tables) from the counters.
//! * [`labels`]: the names of sources and targets in outputs.
//! * [`decide`]: the decision for one connection (its client, by the
//!   policy for clients in a failed AZ, and its request to the control
//!   plane): the one path of every arrival and of `explain`.
//! * [`question`]: `explain`'s question asked of a [`Prepared`] run: the
//!   run's control plane replayed to an instant, then one decision.
//!
//! A run does not judge expectations or write files: the
//! [`pipeline`](crate::pipeline) does (load → run → judge → write).
//!
//! Owns: the wiring of a run. Must not: parse files (scenario does), decide
//! AWS rules (control does), price (cost does) or format outputs (report
//! does).

pub mod assemble;
pub(crate) mod decide;
pub mod labels;
mod metering;
mod model;
pub mod question;
mod summarise;

pub use assemble::Prepared;

use crate::cost::CostError;
use crate::engine::{self, Progress, RunLimits, SimError};
use crate::fabric::FabricError;
use crate::load::Loaded;
use crate::results::RunResult;
use crate::units::SimTime;

/// How to run a scenario.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Replaces the scenario's seed.
    pub seed: Option<u64>,
    /// Hide the progress bar.
    pub quiet: bool,
    /// Scale the bill to a 730-hour month (also a scenario setting).
    pub project_month: bool,
    /// Caps checked before the run is built, and its event budget (see
    /// [`crate::limits`]).
    pub limits: crate::limits::Limits,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    #[error(transparent)]
    Fabric(#[from] FabricError),
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
}

/// Runs a loaded scenario: assembles it, then executes it.
pub fn run(loaded: &Loaded, opts: &RunOptions) -> Result<RunResult, RunError> {
    Prepared::new(loaded, opts)?.run(opts)
}

impl Prepared<'_> {
    /// Executes the run: every event up to the end of the scenario, then the
    /// bill and the results.
    pub fn run(self, opts: &RunOptions) -> Result<RunResult, RunError> {
        let Prepared {
            loaded,
            fabric,
            pricebook,
            seed,
            trace_targets,
            start,
        } = self;
        let scenario = loaded.scenario();
        let end = SimTime(scenario.duration.as_nanos());
        let (mut model, mut sched) = model::Run::new(scenario, &fabric, &trace_targets, start);
        let progress = Progress::new(scenario.duration, opts.quiet);
        let limits = RunLimits::until(end).with_max_events(opts.limits.max_events);
        let stats = engine::run(&mut model, &mut sched, limits, &progress)?;
        model.settle(end, &mut sched);
        progress.finish();
        let in_flight = model.close(end);
        let totals = summarise::Totals {
            pricebook,
            seed,
            events_processed: stats.events_processed,
            in_flight,
            project_month: opts.project_month,
        };
        let summarised = summarise::summarise(model, &totals)?;
        Ok(summarised.with_fabric(fabric))
    }
}
