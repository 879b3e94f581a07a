//! Errors of the event core.

use crate::units::SimTime;

/// An error raised by the event core.
///
/// Each variant names the instants involved and says what to do about it.
/// The enum is `#[non_exhaustive]`: match it with a wildcard arm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// An event was scheduled before the current simulated time. Only a bug in
    /// a model can cause this: every delay is non-negative by construction.
    #[error(
        "event scheduled in the past: at {at} while the clock is already at {now}; \
         schedule events at or after `Scheduler::now()` (use `schedule_in` with a \
         non-negative delay)"
    )]
    EventInPast {
        /// The requested event time.
        at: SimTime,
        /// The clock when the event was scheduled.
        now: SimTime,
    },

    /// The run loop hit its event budget while events inside the horizon were
    /// still pending.
    #[error(
        "event budget exhausted: {limit} events processed and more are pending at {at} \
         (the run was to end at {until}); if the run is legitimately this long, raise \
         the budget with --max-events {} (the rate so far over the whole run, plus 10 %; \
         vpcsim run, check or baseline), or look for an event that reschedules itself \
         with zero delay",
        extrapolate(*limit, *at, *until)
    )]
    EventBudgetExceeded {
        /// The limit that was reached.
        limit: u64,
        /// The time of the next pending event, which was not processed.
        at: SimTime,
        /// The horizon the run was asked to reach.
        until: SimTime,
    },
}

/// A budget for the whole run at the rate of events so far (`limit`
/// events up to `at`), plus 10 %; twice the budget when no time has
/// passed.
fn extrapolate(limit: u64, at: SimTime, until: SimTime) -> u64 {
    let done = u128::from(at.0.max(1));
    let whole = u128::from(limit) * u128::from(until.0.max(at.0)) / done;
    let whole = if at.0 == 0 {
        u128::from(limit) * 2
    } else {
        whole
    };
    u64::try_from(whole + whole / 10).unwrap_or(u64::MAX).max(1)
}
