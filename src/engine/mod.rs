//! The generic discrete-event core: event queue ordered by `(time, seq)`,
//! integer-nanosecond clock, seeded RNG streams and the run loop.
//!
//! Must not know about AWS: it could drive any simulation.

mod error;
mod generation;
mod queue;
mod rng;

pub use error::SimError;
pub use generation::{GenCounter, Generation};
pub use queue::Scheduler;
pub use rng::{rng_stream, rng_stream_id, source_id};
