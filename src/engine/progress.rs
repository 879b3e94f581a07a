//! Progress reporting on stderr.
//!
//! A bar of simulated time (not events, not wall time) drawn by `indicatif`.
//! It is hidden when stderr is not a terminal or when the caller asks (e.g.
//! `--quiet`). The run loop updates it at most every 4096 events or when the
//! clock crosses the next 1% of the run, never per event. The bar only reads
//! the simulation: wall-clock time (indicatif's ETA) is shown, never fed
//! back.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::units::{SimDuration, SimTime};

/// Number of steps the run is split into for clock-based updates (1% each).
const STEPS: u64 = 100;

const TEMPLATE: &str = "{spinner} [{bar:40}] {percent:>3}% {msg} (eta {eta})";

/// A progress bar over the simulated duration of a run.
#[derive(Debug)]
pub struct Progress {
    /// `None` when hidden: updates are then a single branch.
    bar: Option<ProgressBar>,
    total: SimDuration,
    /// Simulated nanoseconds per 1% step (at least 1).
    step: u64,
}

impl Progress {
    /// A bar for a run of `total` simulated time, drawn on stderr unless
    /// `quiet` is set or stderr is not a terminal.
    pub fn new(total: SimDuration, quiet: bool) -> Self {
        let visible = !quiet && std::io::stderr().is_terminal();
        let bar = visible.then(|| {
            // The template is a constant known to parse; fall back to the
            // default style rather than panic if indicatif ever rejects it.
            let style = ProgressStyle::with_template(TEMPLATE)
                .map(|s| s.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            ProgressBar::with_draw_target(Some(total.as_nanos()), ProgressDrawTarget::stderr())
                .with_style(style)
        });
        Self::with_bar(bar, total)
    }

    /// A progress reporter that draws nothing (tests, libraries, `--quiet`).
    pub fn hidden() -> Self {
        Self::with_bar(None, SimDuration::ZERO)
    }

    fn with_bar(bar: Option<ProgressBar>, total: SimDuration) -> Self {
        Self {
            bar,
            total,
            step: (total.as_nanos() / STEPS).max(1),
        }
    }

    /// Whether nothing is drawn.
    pub fn is_hidden(&self) -> bool {
        self.bar.is_none()
    }

    /// Shows the clock at `now` and the number of events processed so far.
    /// Allocates a short message: call it at coarse intervals, not per event.
    pub fn update(&self, now: SimTime, events: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(now.as_nanos().min(self.total.as_nanos()));
            bar.set_message(format!("{now} · {events} events"));
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// The clock value at which the next update is due: the start of the next
    /// 1% step after `now`, or never when hidden.
    #[inline]
    pub(crate) fn next_mark(&self, now: SimTime) -> SimTime {
        if self.bar.is_none() {
            return SimTime(u64::MAX);
        }
        let next = (now.as_nanos() / self.step).saturating_add(1);
        SimTime(next.saturating_mul(self.step))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_is_hidden_and_hidden_never_asks_for_updates() {
        // `quiet` must hide the bar whatever stderr is; a hidden bar must not
        // request clock-based updates (next mark = never), so a quiet run pays
        // nothing for progress.
        let p = Progress::new(SimDuration::from_secs(10), true);
        assert!(p.is_hidden());
        assert_eq!(p.next_mark(SimTime::ZERO), SimTime(u64::MAX));
        p.update(SimTime(5), 1); // no-op, must not panic
        p.finish();
    }

    #[test]
    fn marks_fall_on_one_percent_steps() {
        // With a 100 s run, steps are 1 s: the next mark after 2.5 s is 3 s,
        // and exactly at a mark the next one is a full step later.
        let p = Progress::with_bar(Some(ProgressBar::hidden()), SimDuration::from_secs(100));
        assert_eq!(p.next_mark(SimTime(2_500_000_000)), SimTime(3_000_000_000));
        assert_eq!(p.next_mark(SimTime(3_000_000_000)), SimTime(4_000_000_000));
        assert_eq!(p.next_mark(SimTime(u64::MAX)), SimTime(u64::MAX));
    }
}
