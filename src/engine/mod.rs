//! The generic discrete-event core: event queue ordered by `(time, seq)`,
//! integer-nanosecond clock, seeded RNG streams and the run loop.
//!
//! Must not know about AWS: it could drive any simulation.

mod error;
mod queue;

pub use error::SimError;
pub use queue::Scheduler;
