//! The event queue and the simulation clock.
//!
//! [`Scheduler`] is a binary heap of `(time, seq, event)` entries ordered by
//! `(time, seq)` only; `seq` is a counter assigned at push, so events at the
//! same instant pop in the order they were scheduled. The payload never takes
//! part in the ordering, so `E` needs no `Ord`.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::SimError;
use crate::units::{SimDuration, SimTime};

/// One pending event. Ordered by `(time, seq)`, reversed so that the max-heap
/// [`BinaryHeap`] pops the earliest entry first.
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: the smaller (time, seq) is the "greater" entry.
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// The event queue and the clock of one simulation run.
///
/// Events pop in `(time, seq)` order, where `seq` is the order in which they
/// were scheduled. Popping an event advances the clock to its time; the clock
/// never goes backwards, because nothing can be scheduled before it.
///
/// ```
/// use vpcsim::engine::Scheduler;
/// use vpcsim::units::{SimDuration, SimTime};
///
/// let mut q = Scheduler::new();
/// q.schedule_in(SimDuration::from_millis(5), "b");
/// q.schedule_at(SimTime::from_nanos(0), "a");
/// q.schedule_in(SimDuration::from_millis(5), "c"); // same time as "b": pops after it
/// assert_eq!(q.pop(), Some((SimTime::ZERO, "a")));
/// assert_eq!(q.pop(), Some((SimTime::from_nanos(5_000_000), "b")));
/// assert_eq!(q.pop(), Some((SimTime::from_nanos(5_000_000), "c")));
/// assert_eq!(q.now(), SimTime::from_nanos(5_000_000));
/// assert_eq!(q.events_processed(), 3);
/// ```
pub struct Scheduler<E> {
    heap: BinaryHeap<Entry<E>>,
    now: SimTime,
    next_seq: u64,
    processed: u64,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> std::fmt::Debug for Scheduler<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("now", &self.now)
            .field("pending", &self.heap.len())
            .field("scheduled", &self.next_seq)
            .field("processed", &self.processed)
            .finish()
    }
}

impl<E> Scheduler<E> {
    /// An empty queue with the clock at [`SimTime::ZERO`].
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `capacity` pending events before it
    /// reallocates.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(capacity),
            now: SimTime::ZERO,
            next_seq: 0,
            processed: 0,
        }
    }

    /// The current simulated time: the time of the last popped event.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time`.
    ///
    /// Scheduling before [`now`](Self::now) is a logic error in the model. It
    /// panics in debug builds (so tests catch it) and, in release builds, the
    /// event is clamped to `now` so the clock still never goes backwards. Use
    /// [`try_schedule_at`](Self::try_schedule_at) where a past time can come
    /// from input rather than from a bug.
    #[inline]
    pub fn schedule_at(&mut self, time: SimTime, event: E) {
        debug_assert!(
            time >= self.now,
            "invariant: events are never scheduled in the past (at {time}, now {})",
            self.now
        );
        let time = time.max(self.now);
        self.push(time, event);
    }

    /// Schedules `event` at `time`, or returns [`SimError::EventInPast`] (and
    /// drops the event) if `time` is before [`now`](Self::now).
    pub fn try_schedule_at(&mut self, time: SimTime, event: E) -> Result<(), SimError> {
        if time < self.now {
            return Err(SimError::EventInPast {
                at: time,
                now: self.now,
            });
        }
        self.push(time, event);
        Ok(())
    }

    /// Schedules `event` after `delay` from now. A time past the end of the
    /// representable range saturates at `SimTime(u64::MAX)`.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        let time = self.now.saturating_add(delay);
        self.push(time, event);
    }

    #[inline]
    fn push(&mut self, time: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
    }

    /// Removes the earliest event, advances the clock to its time and returns
    /// both. `None` when the queue is empty (the clock is then unchanged).
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let Entry { time, event, .. } = self.heap.pop()?;
        debug_assert!(
            time >= self.now,
            "invariant: the queue never holds an event before now ({time} < {})",
            self.now
        );
        self.now = time;
        self.processed += 1;
        Some((time, event))
    }

    /// Like [`pop`](Self::pop), but only if the earliest event is at or before
    /// `until`; otherwise leaves the queue and the clock untouched.
    #[inline]
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        if self.heap.peek()?.time > until {
            return None;
        }
        self.pop()
    }

    /// Moves the clock to `time` without popping an event: a model's own
    /// step (see [`Model::next_due`](super::Model::next_due)) counts as a
    /// processed event. `time` must not be before [`now`](Self::now) (it is
    /// clamped to it, so the clock never goes backwards).
    #[inline]
    pub fn step_to(&mut self, time: SimTime) {
        debug_assert!(
            time >= self.now,
            "invariant: a model step is never before now ({time} < {})",
            self.now
        );
        self.now = time.max(self.now);
        self.processed += 1;
    }

    /// The time of the earliest pending event, without removing it.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    /// Number of pending events.
    #[inline]
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Number of events popped since the queue was created.
    #[inline]
    pub fn events_processed(&self) -> u64 {
        self.processed
    }

    /// Number of events scheduled since the queue was created (including the
    /// ones still pending).
    #[inline]
    pub fn events_scheduled(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::seq::SliceRandom;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn ties_pop_in_push_order() {
        // 1000 events at 3 distinct times, pushed in a shuffled order. Each
        // payload is its push index, i.e. its seq. If the queue orders by
        // (time, seq), the popped sequence is exactly the pushed sequence
        // sorted by (time, push index); any other tie-break (heap layout,
        // payload) would interleave same-time events differently.
        let times = [30u64, 10, 20];
        let mut pushes: Vec<u64> = (0..1000).map(|i| times[i % 3]).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        pushes.shuffle(&mut rng);

        let mut q = Scheduler::new();
        for (i, &t) in pushes.iter().enumerate() {
            q.schedule_at(SimTime(t), i);
        }
        let mut expected: Vec<(u64, usize)> =
            pushes.iter().enumerate().map(|(i, &t)| (t, i)).collect();
        expected.sort_unstable();

        let mut popped = Vec::with_capacity(1000);
        while let Some((t, i)) = q.pop() {
            popped.push((t.0, i));
        }
        assert_eq!(popped, expected);
    }

    #[test]
    fn try_schedule_in_the_past_is_an_error() {
        // After popping an event at t=100 the clock is 100; asking for t=50
        // must fail and leave the queue unchanged, while t=100 (now) is fine.
        let mut q = Scheduler::new();
        q.schedule_at(SimTime(100), 0u8);
        assert_eq!(q.pop(), Some((SimTime(100), 0)));
        assert_eq!(
            q.try_schedule_at(SimTime(50), 1),
            Err(SimError::EventInPast {
                at: SimTime(50),
                now: SimTime(100)
            })
        );
        assert!(q.is_empty());
        assert_eq!(q.try_schedule_at(SimTime(100), 2), Ok(()));
        assert_eq!(q.pop(), Some((SimTime(100), 2)));
    }

    #[test]
    fn pop_until_leaves_later_events_alone() {
        // The event at 20 is past the limit 15: pop_until must return None
        // without moving the clock, so a later run can resume from it.
        let mut q = Scheduler::new();
        q.schedule_at(SimTime(10), 'a');
        q.schedule_at(SimTime(20), 'b');
        assert_eq!(q.pop_until(SimTime(15)), Some((SimTime(10), 'a')));
        assert_eq!(q.pop_until(SimTime(15)), None);
        assert_eq!(q.now(), SimTime(10));
        assert_eq!(q.len(), 1);
        assert_eq!(q.pop_until(SimTime(20)), Some((SimTime(20), 'b')));
    }

    #[test]
    fn clock_never_goes_backwards_over_a_random_workload() {
        // A seeded mix of pushes (at now + random delay, often zero, so ties
        // are frequent) and pops. Every pop must return a (time, seq) strictly
        // greater than the previous one and equal the clock: this is the
        // property the whole simulator relies on for causality.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2024);
        let mut q = Scheduler::new();
        let mut seq = 0u64;
        let mut last = (SimTime::ZERO, 0u64);
        let mut first = true;
        for _ in 0..50_000 {
            if q.is_empty() || rng.random_bool(0.55) {
                let delay = if rng.random_bool(0.3) {
                    0
                } else {
                    rng.random_range(0..1_000u64)
                };
                q.schedule_in(SimDuration(delay), seq);
                seq += 1;
            } else if let Some((t, s)) = q.pop() {
                assert!(first || (t, s) > last, "{:?} after {:?}", (t, s), last);
                assert_eq!(q.now(), t);
                last = (t, s);
                first = false;
            }
        }
    }

    proptest! {
        // Same property over arbitrary interleavings: `ops` is a list of
        // Some(delay) = push, None = pop. Times popped never decrease and the
        // clock always equals the last popped time.
        #[test]
        fn prop_clock_monotonic(ops in proptest::collection::vec(proptest::option::of(0u64..50), 0..400)) {
            let mut q = Scheduler::new();
            let mut prev = SimTime::ZERO;
            for op in ops {
                match op {
                    Some(d) => q.schedule_in(SimDuration(d), ()),
                    None => {
                        if let Some((t, ())) = q.pop() {
                            prop_assert!(t >= prev);
                            prop_assert_eq!(q.now(), t);
                            prev = t;
                        }
                    }
                }
            }
        }
    }
}
