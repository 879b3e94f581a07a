//! The generic discrete-event core: event queue ordered by `(time, seq)`,
//! integer-nanosecond clock, seeded RNG streams and the run loop.
//!
//! ## What it owns
//! - [`Scheduler`]: the pending events and the clock. Events pop in
//!   `(time, seq)` order, `seq` being the order of scheduling, so ties are
//!   resolved the same way on every run. The clock only moves forward.
//! - [`GenCounter`] / [`Generation`]: lazy invalidation of stale events (no
//!   search-and-remove in the heap).
//! - [`rng_stream`]: one independent `ChaCha8Rng` per random source, derived
//!   from the run's root seed and the source's stable name.
//! - [`run`] and the [`Model`] trait: the loop that feeds events to a model,
//!   with a horizon and an optional event budget. A model may also keep its
//!   own next deadline ([`Model::next_due`], e.g. the next flow completion
//!   of a fluid model, which moves at every rate change): the loop steps to
//!   it before queued events at the same instant, so a moving deadline
//!   leaves no stale events behind.
//! - [`Progress`]: a progress bar on stderr that never influences the run.
//! - [`SimError`]: what can go wrong in the above.
//!
//! ## What it must not touch
//! It knows nothing about AWS, networks or money: it could drive any
//! simulation. Models define their own event `enum`s and state. It never reads
//! the wall clock or an unseeded random source for anything that reaches the
//! simulation.
//!
//! ## Shape of a run
//! ```text
//!   Scheduler<E> ──pop (time, seq)──▶ Model::handle(now, event, &mut Scheduler<E>)
//!        ▲                                     │
//!        └──────── schedule_at / schedule_in ◀─┘
//! ```
//!
//! ```
//! use vpcsim::engine::{run, Model, Progress, RunLimits, Scheduler};
//! use vpcsim::units::{SimDuration, SimTime};
//!
//! /// Counts ticks, one per second.
//! struct Clock { ticks: u32 }
//! impl Model for Clock {
//!     type Event = ();
//!     fn handle(&mut self, _now: SimTime, _: (), sched: &mut Scheduler<()>) {
//!         self.ticks += 1;
//!         sched.schedule_in(SimDuration::from_secs(1), ());
//!     }
//! }
//!
//! let mut model = Clock { ticks: 0 };
//! let mut sched = Scheduler::new();
//! sched.schedule_at(SimTime::ZERO, ());
//! let horizon = SimTime::ZERO + SimDuration::from_mins(1);
//! let stats = run(&mut model, &mut sched, RunLimits::until(horizon), &Progress::hidden())?;
//! assert_eq!(model.ticks, 61); // 0 s ..= 60 s: the horizon is inclusive
//! assert_eq!(stats.events_processed, 61);
//! # Ok::<(), vpcsim::engine::SimError>(())
//! ```

mod error;
mod generation;
mod progress;
mod queue;
mod rng;
mod run;

pub use error::SimError;
pub use generation::{GenCounter, Generation};
pub use progress::Progress;
pub use queue::Scheduler;
pub use rng::{rng_stream, rng_stream_id, source_id};
pub use run::{run, Model, RunLimits, RunStats, StopReason};
