//! Metering as bytes move: the bytes of every flow go into the meters in
//! the billing hour they moved in, so a bill covers exactly what moved in
//! its window.
//!
//! A flow's bytes are *settled* (moved into its meters) lazily, per flow:
//!
//! - when it completes (the rest of its size), or is cut (the rest of what
//!   it delivered);
//! - at every billing-hour boundary it is in progress at, from the
//!   allocator's count of the bytes it delivered by that instant;
//! - at the end of the run, for flows still in progress.
//!
//! Rate changes need no settlement of their own: the allocator integrates
//! each flow's rate over time exactly (its group's virtual clock), so the
//! bytes delivered by any instant are known, and only where they go in time
//! matters. Each settlement records the difference between the flow's
//! delivered count now and at its last settlement (counts never go down), so
//! the settlements of a flow add up to what it delivered, to the byte. An
//! interval `[from, to)` between two settlements lies inside one hour; its
//! bytes are recorded at `to − 1 ns`, i.e. in that hour (bytes that move
//! instantly, over an empty path, at `to`).
//!
//! The hour boundaries are not events: at the start of every event (and of
//! every flow-completion step) the boundaries passed since the last one are
//! settled, before anything at the new instant changes a rate. The engine
//! runs completions before events of the same instant, so no rate changes
//! between the last step and a boundary.
//!
//! NLB capacity: each connection through an NLB is recorded on its NLB's
//! capacity meter when it ends (completes, is cut, or is still open at the
//! end of the run): one new connection in the hour it opened, and its open
//! time split over the hours it spans.
//!
//! Owns: when the data plane's bytes enter the meters. Must not: pick the
//! meters (cost::usage does, from the plan) or price them (cost::bill).

use super::model::{Conn, Phase, Run};
use crate::cost::usage::UsageRecorder;
use crate::units::SimTime;

/// One billing hour, in nanoseconds.
pub(super) const HOUR_NS: u64 = 3_600_000_000_000;

/// Settles the bytes the current flow of `conn` moved since its last
/// settlement into the meters of its leg: `moved` is what the flow has
/// delivered by `to` (all of it, for a completed flow).
pub(super) fn settle_flow(
    usage: &mut UsageRecorder,
    cross_az_now: &mut u64,
    conn: &mut Conn,
    to: SimTime,
    moved: u64,
) {
    let delta = moved.saturating_sub(conn.settled);
    conn.settled = conn.settled.max(moved);
    // The last nanosecond of the interval (inside its hour), or `to` for
    // bytes that moved instantly.
    let at = if to > conn.settled_at {
        SimTime::from_nanos(to.as_nanos() - 1)
    } else {
        to
    };
    conn.settled_at = to;
    let set = if conn.phase == Phase::Request {
        conn.meters.0
    } else {
        conn.meters.1
    };
    usage.add(set, at, delta);
    if conn.crosses_az {
        *cross_az_now += delta;
    }
}

impl Run<'_> {
    /// Settles every flow in progress at each billing-hour boundary up to
    /// `now` not settled yet. Must run before anything at `now` changes a
    /// rate (the allocator's counts are exact up to its next change).
    #[inline]
    pub(super) fn settle_hours(&mut self, now: SimTime) {
        if now.as_nanos() >= self.next_hour {
            self.settle_hours_slow(now);
        }
    }

    fn settle_hours_slow(&mut self, now: SimTime) {
        let now = now.as_nanos();
        while self.next_hour <= now {
            if self.active == 0 {
                // Nothing in progress: skip to the first boundary after now.
                self.next_hour = (now / HOUR_NS + 1).saturating_mul(HOUR_NS);
                return;
            }
            self.settle_all(SimTime::from_nanos(self.next_hour));
            self.next_hour = self.next_hour.saturating_add(HOUR_NS);
        }
    }

    /// Settles every flow in progress at `at`.
    fn settle_all(&mut self, at: SimTime) {
        for conn in self.conns.iter_mut().flatten() {
            let Some(f) = conn.flow else { continue };
            let moved = self.alloc.delivered(at, f).map_or(0, |b| b.0);
            settle_flow(&mut self.usage, &mut self.cross_az_now, conn, at, moved);
        }
    }

    /// At the end of the run: the bytes flows in progress moved go into the
    /// meters, and the connections still open through an NLB are recorded
    /// as open until `end`.
    pub(super) fn settle_in_flight(&mut self, end: SimTime) {
        self.settle_hours(end);
        self.settle_all(end);
        for conn in self.conns.iter().flatten() {
            if let Some(id) = conn.nlb {
                self.usage.nlb_connection(id, conn.start, end);
            }
        }
    }
}
