//! The run loop: pop an event, hand it to the model, repeat.
//!
//! The loop is generic over the [`Model`], so each model gets its own
//! monomorphised loop: no dynamic dispatch and no allocation per event.

use super::{Progress, Scheduler, SimError};
use crate::units::SimTime;

/// Progress is refreshed at least every this many events (a power of two, so
/// the check is a mask).
const PROGRESS_EVERY: u64 = 4096;

/// A simulation model: the state that events act on.
pub trait Model {
    /// The events of this model (typically an `enum` of small `Copy` ids).
    type Event;

    /// Applies `event`, which happens at `now` (equal to `sched.now()`), and
    /// schedules any consequences on `sched`.
    fn handle(&mut self, now: SimTime, event: Self::Event, sched: &mut Scheduler<Self::Event>);

    /// The instant at which the model next has to act on its own, if any:
    /// e.g. the next completion of a fluid flow model, which moves every time
    /// a rate changes. The loop calls [`handle_due`](Self::handle_due) at that
    /// instant, before any queued event at the same or a later time. A model
    /// that keeps such a deadline here instead of scheduling an event for it
    /// leaves no stale events in the queue when the deadline moves.
    ///
    /// Must not be before the current time, and must move past `now` once
    /// `handle_due(now)` has run (or the run spins until its event budget).
    fn next_due(&self) -> Option<SimTime> {
        None
    }

    /// Acts at `now`, a time [`next_due`](Self::next_due) returned.
    fn handle_due(&mut self, now: SimTime, sched: &mut Scheduler<Self::Event>) {
        let _ = (now, sched);
    }
}

/// When a call to [`run`] stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunLimits {
    /// The horizon: events at or before it are processed, later ones are left
    /// pending.
    pub until: SimTime,
    /// At most this many events in this call; `None` for no limit.
    pub max_events: Option<u64>,
}

impl RunLimits {
    /// Run until the horizon `until` (inclusive), without an event budget.
    pub const fn until(until: SimTime) -> Self {
        Self {
            until,
            max_events: None,
        }
    }

    /// Adds an event budget: processing more than `max_events` events in one
    /// call is an error.
    pub const fn with_max_events(self, max_events: u64) -> Self {
        Self {
            max_events: Some(max_events),
            ..self
        }
    }
}

/// Why a call to [`run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// No event was left.
    QueueEmpty,
    /// The next event is after the horizon; it is still pending.
    Horizon,
}

/// What a call to [`run`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunStats {
    /// Events processed by this call.
    pub events_processed: u64,
    /// The clock when the call returned: the time of the last processed
    /// event (the clock does not jump to the horizon).
    pub final_time: SimTime,
    /// Why the call returned.
    pub stop: StopReason,
}

/// Processes events in `(time, seq)` order until the queue is empty or the
/// next event is after `limits.until`. The model's own deadline
/// ([`Model::next_due`]) comes before queued events at the same instant and
/// counts as one event.
///
/// Events exactly at `until` are processed: a run "until 24h" includes what
/// happens at 24h, and a later call resuming from the same queue starts
/// strictly after it. Events past the horizon stay in `sched`, so a run can be
/// continued in segments.
///
/// With `limits.max_events = Some(n)`, the call processes at most `n` events
/// and returns [`SimError::EventBudgetExceeded`] if an event inside the
/// horizon is still pending after them (it is left in the queue). Reaching
/// the budget exactly as the work runs out is not an error.
///
/// `progress` is updated every 4096 events or each time the clock crosses
/// another 1% of the run, never per event; call [`Progress::finish`] when the
/// whole run is over.
pub fn run<M: Model>(
    model: &mut M,
    sched: &mut Scheduler<M::Event>,
    limits: RunLimits,
    progress: &Progress,
) -> Result<RunStats, SimError> {
    let until = limits.until;
    let budget = limits.max_events.unwrap_or(u64::MAX);
    let mut processed: u64 = 0;
    let mut next_mark = progress.next_mark(sched.now());

    loop {
        let due = model
            .next_due()
            .map(|t| t.max(sched.now()))
            .filter(|t| *t <= until);
        let queued = sched.peek_time().filter(|t| *t <= until);
        let next = match (due, queued) {
            (Some(d), Some(q)) => Some(d.min(q)),
            (d, q) => d.or(q),
        };
        let Some(at) = next else {
            break;
        };
        if processed == budget {
            return Err(SimError::EventBudgetExceeded {
                limit: budget,
                at,
                until,
            });
        }
        let now = match due {
            Some(d) if d == at => {
                sched.step_to(d);
                model.handle_due(d, sched);
                d
            }
            _ => {
                let Some((now, event)) = sched.pop_until(until) else {
                    break;
                };
                model.handle(now, event, sched);
                now
            }
        };
        processed += 1;
        if processed % PROGRESS_EVERY == 0 || now >= next_mark {
            progress.update(now, sched.events_processed());
            next_mark = progress.next_mark(now);
        }
    }

    progress.update(sched.now(), sched.events_processed());
    Ok(RunStats {
        events_processed: processed,
        final_time: sched.now(),
        stop: if sched.is_empty() && model.next_due().is_none() {
            StopReason::QueueEmpty
        } else {
            StopReason::Horizon
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{GenCounter, Generation};
    use crate::units::SimDuration;

    /// Ticks every 10 ns forever, recording when.
    struct Ticker {
        seen: Vec<SimTime>,
    }

    impl Model for Ticker {
        type Event = ();
        fn handle(&mut self, now: SimTime, _: (), sched: &mut Scheduler<()>) {
            self.seen.push(now);
            sched.schedule_in(SimDuration(10), ());
        }
    }

    #[test]
    fn run_stops_at_until_inclusive_and_counts() {
        // Ticks at 0, 10, ..., 100 are 11 events; 100 is exactly the horizon
        // and must be included, 110 must stay pending. A second call resumes
        // with 110 and stops after 200: segments compose.
        let mut model = Ticker { seen: Vec::new() };
        let mut sched = Scheduler::new();
        sched.schedule_at(SimTime::ZERO, ());
        let p = Progress::hidden();

        let stats = run(&mut model, &mut sched, RunLimits::until(SimTime(100)), &p);
        assert_eq!(
            stats,
            Ok(RunStats {
                events_processed: 11,
                final_time: SimTime(100),
                stop: StopReason::Horizon
            })
        );
        assert_eq!(model.seen.last(), Some(&SimTime(100)));
        assert_eq!(sched.peek_time(), Some(SimTime(110)));

        let stats = run(&mut model, &mut sched, RunLimits::until(SimTime(200)), &p);
        assert_eq!(stats.map(|s| s.events_processed), Ok(10));
        assert_eq!(sched.events_processed(), 21);
    }

    /// Processes a fixed set of events and schedules nothing.
    struct Sink(u64);

    impl Model for Sink {
        type Event = u8;
        fn handle(&mut self, _: SimTime, _: u8, _: &mut Scheduler<u8>) {
            self.0 += 1;
        }
    }

    #[test]
    fn run_reports_an_empty_queue() {
        // Three events well inside the horizon: the loop ends because the
        // queue drains, and says so.
        let mut sched = Scheduler::new();
        for t in [5, 1, 3] {
            sched.schedule_at(SimTime(t), 0u8);
        }
        let stats = run(
            &mut Sink(0),
            &mut sched,
            RunLimits::until(SimTime(1_000)),
            &Progress::hidden(),
        );
        assert_eq!(
            stats,
            Ok(RunStats {
                events_processed: 3,
                final_time: SimTime(5),
                stop: StopReason::QueueEmpty
            })
        );
    }

    #[test]
    fn max_events_limit_is_an_error_naming_the_limit() {
        // A ticker never runs out of events: with a budget of 50 the loop
        // must stop after exactly 50 events with EventBudgetExceeded, leave
        // the 51st (at 500) pending, and say how to fix it.
        let mut model = Ticker { seen: Vec::new() };
        let mut sched = Scheduler::new();
        sched.schedule_at(SimTime::ZERO, ());
        let limits = RunLimits::until(SimTime(1_000_000)).with_max_events(50);
        let err = run(&mut model, &mut sched, limits, &Progress::hidden());
        let expected = SimError::EventBudgetExceeded {
            limit: 50,
            at: SimTime(500),
            until: SimTime(1_000_000),
        };
        assert_eq!(err, Err(expected.clone()));
        assert_eq!(model.seen.len(), 50);
        assert_eq!(sched.peek_time(), Some(SimTime(500)));
        let msg = expected.to_string();
        assert!(
            // 50 events in the first 500 ns of 1 ms: 100,000 for the whole
            // run, plus 10 %.
            msg.contains("50 events") && msg.contains("--max-events 110000 "),
            "{msg}"
        );
    }

    #[test]
    fn budget_reached_exactly_at_the_end_is_not_an_error() {
        // 3 events and a budget of 3: all work fits, so this is success.
        let mut sched = Scheduler::new();
        for t in [1, 2, 3] {
            sched.schedule_at(SimTime(t), 0u8);
        }
        let limits = RunLimits::until(SimTime(10)).with_max_events(3);
        let stats = run(&mut Sink(0), &mut sched, limits, &Progress::hidden());
        assert_eq!(stats.map(|s| s.events_processed), Ok(3));
    }

    /// One "transfer" whose completion is re-predicted when its rate changes.
    struct Transfer {
        gen: GenCounter,
        completions: Vec<SimTime>,
        stale_ignored: u32,
    }

    #[derive(Debug)]
    enum Ev {
        RateChange,
        Complete(Generation),
    }

    impl Model for Transfer {
        type Event = Ev;
        fn handle(&mut self, now: SimTime, ev: Ev, sched: &mut Scheduler<Ev>) {
            match ev {
                Ev::RateChange => {
                    let g = self.gen.bump();
                    sched.schedule_in(SimDuration(100), Ev::Complete(g));
                }
                Ev::Complete(g) if self.gen.is_current(g) => self.completions.push(now),
                Ev::Complete(_) => self.stale_ignored += 1,
            }
        }
    }

    #[test]
    fn stale_events_are_ignored_by_generation() {
        // Completion first predicted at t=50 with generation g0; at t=10 the
        // rate changes, the counter is bumped and completion re-predicted at
        // t=110. Both completion events pop (nothing is removed from the
        // heap), but only the current one counts: exactly one completion, at
        // 110, and exactly one stale event ignored, at 50.
        let mut model = Transfer {
            gen: GenCounter::new(),
            completions: Vec::new(),
            stale_ignored: 0,
        };
        let mut sched = Scheduler::new();
        sched.schedule_at(SimTime(50), Ev::Complete(model.gen.current()));
        sched.schedule_at(SimTime(10), Ev::RateChange);
        let stats = run(
            &mut model,
            &mut sched,
            RunLimits::until(SimTime(1_000)),
            &Progress::hidden(),
        );
        assert_eq!(stats.map(|s| s.events_processed), Ok(3));
        assert_eq!(model.completions, [SimTime(110)]);
        assert_eq!(model.stale_ignored, 1);
    }

    /// Internal deadlines at 5, 10, 15, ... (every 5 ns) up to `last`, and
    /// queued events; records what ran when.
    struct Fluid {
        next: Option<SimTime>,
        last: SimTime,
        log: Vec<(SimTime, &'static str)>,
    }

    impl Model for Fluid {
        type Event = &'static str;
        fn handle(&mut self, now: SimTime, ev: &'static str, _: &mut Scheduler<&'static str>) {
            self.log.push((now, ev));
        }
        fn next_due(&self) -> Option<SimTime> {
            self.next
        }
        fn handle_due(&mut self, now: SimTime, sched: &mut Scheduler<&'static str>) {
            self.log.push((now, "due"));
            if now == SimTime(10) {
                sched.schedule_at(now, "scheduled by due");
            }
            let n = SimTime(now.0 + 5);
            self.next = (n <= self.last).then_some(n);
        }
    }

    #[test]
    fn model_deadlines_run_before_queued_events_at_the_same_instant() {
        let mut model = Fluid {
            next: Some(SimTime(5)),
            last: SimTime(20),
            log: Vec::new(),
        };
        let mut sched = Scheduler::new();
        sched.schedule_at(SimTime(10), "queued");
        sched.schedule_at(SimTime(12), "later");
        let stats = run(
            &mut model,
            &mut sched,
            RunLimits::until(SimTime(15)),
            &Progress::hidden(),
        );
        assert_eq!(
            model.log,
            [
                (SimTime(5), "due"),
                (SimTime(10), "due"),
                (SimTime(10), "queued"),
                (SimTime(10), "scheduled by due"),
                (SimTime(12), "later"),
                (SimTime(15), "due"),
            ]
        );
        // Each deadline counts as an event; the one at 20 is past the
        // horizon, so the run stops there with work left.
        let stats = stats.expect("no budget");
        assert_eq!(stats.events_processed, 6);
        assert_eq!(stats.stop, StopReason::Horizon);
        assert_eq!(sched.events_processed(), 6);
        // The budget counts deadlines too.
        let mut model = Fluid {
            next: Some(SimTime(5)),
            last: SimTime(100),
            log: Vec::new(),
        };
        let err = run(
            &mut model,
            &mut Scheduler::new(),
            RunLimits::until(SimTime(100)).with_max_events(3),
            &Progress::hidden(),
        );
        assert!(
            matches!(
                err,
                Err(SimError::EventBudgetExceeded {
                    limit: 3,
                    at: SimTime(15),
                    ..
                })
            ),
            "{err:?}"
        );
        // Once the deadlines end and nothing is queued, the queue is empty.
        let mut model = Fluid {
            next: Some(SimTime(5)),
            last: SimTime(10),
            log: Vec::new(),
        };
        let stats = run(
            &mut model,
            &mut Scheduler::new(),
            RunLimits::until(SimTime(100)),
            &Progress::hidden(),
        );
        assert_eq!(stats.map(|s| s.stop), Ok(StopReason::QueueEmpty));
    }
}
