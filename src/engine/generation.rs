//! Lazy invalidation of stale events by generation number.
//!
//! The queue has no "cancel": removing an arbitrary entry from a binary heap
//! means a linear search. Instead, whatever an event refers to (a flow whose
//! completion time moves each time its rate changes, a timer that is re-armed)
//! keeps a [`GenCounter`]:
//!
//! 1. when scheduling, the owner stamps the event with
//!    [`GenCounter::current`];
//! 2. when the thing changes so that pending events about it are wrong, the
//!    owner calls [`GenCounter::bump`] and schedules the replacement event
//!    with the new generation;
//! 3. when an event pops, the handler checks [`GenCounter::is_current`] and
//!    ignores the event if it is stale.
//!
//! Stale events stay in the queue until their time comes; they cost a pop
//! each, never a search.
//!
//! ```
//! use vpcsim::engine::{GenCounter, Generation, Scheduler};
//! use vpcsim::units::SimTime;
//!
//! struct Flow { gen: GenCounter }
//! enum Ev { Complete { flow: usize, gen: Generation } }
//!
//! let mut flows = vec![Flow { gen: GenCounter::new() }];
//! let mut q = Scheduler::new();
//! // Completion predicted at t=100 ...
//! q.schedule_at(SimTime(100), Ev::Complete { flow: 0, gen: flows[0].gen.current() });
//! // ... then the rate changes: bump, and predict t=150 instead.
//! let g = flows[0].gen.bump();
//! q.schedule_at(SimTime(150), Ev::Complete { flow: 0, gen: g });
//!
//! let mut completed_at = Vec::new();
//! while let Some((t, Ev::Complete { flow, gen })) = q.pop() {
//!     if !flows[flow].gen.is_current(gen) {
//!         continue; // stale: superseded by a later prediction
//!     }
//!     completed_at.push(t);
//! }
//! assert_eq!(completed_at, [SimTime(150)]);
//! ```

/// A generation stamp carried by an event. Compare it with the owner's
/// [`GenCounter`] when the event pops.
///
/// It is a `u64`: a stale stamp could only be mistaken for a current one after
/// 2^64 bumps of the same counter, which cannot happen in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Generation(pub u64);

/// The current generation of one thing that events refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GenCounter(Generation);

impl GenCounter {
    /// A counter at generation 0.
    pub const fn new() -> Self {
        GenCounter(Generation(0))
    }

    /// The generation to stamp on events scheduled now.
    #[inline]
    pub const fn current(&self) -> Generation {
        self.0
    }

    /// Invalidates every event stamped so far and returns the new generation.
    #[inline]
    pub fn bump(&mut self) -> Generation {
        // Cannot overflow in practice (2^64 bumps); wrapping keeps it panic-free.
        self.0 = Generation(self.0 .0.wrapping_add(1));
        self.0
    }

    /// Whether an event stamped with `g` is still valid.
    #[inline]
    pub const fn is_current(&self, g: Generation) -> bool {
        self.0 .0 == g.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bump_invalidates_earlier_stamps_only() {
        // After a bump the old stamp is stale and the returned one is current;
        // a second bump makes the first replacement stale too.
        let mut c = GenCounter::new();
        let g0 = c.current();
        let g1 = c.bump();
        assert!(!c.is_current(g0));
        assert!(c.is_current(g1));
        assert_eq!(c.current(), g1);
        let g2 = c.bump();
        assert!(!c.is_current(g1));
        assert!(c.is_current(g2));
    }
}
