//! The local re-solve: progressive filling over the free classes of a
//! subproblem, checked on its boundary and grown until the result is max-min
//! fair everywhere (see the parent module's docs for the argument).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{
    bytes_in, heap, Allocator, Class, Resource, Scratch, ABS_TOLERANCE_BPS, BOTT_CAP, NONE,
    REBASE_AT, SATURATION_TOLERANCE,
};

/// A lower bound on the water level at which local resource `id`
/// saturates. Ordered as a min-heap on `(level, id)`.
#[derive(Debug, Clone, Copy)]
pub(super) struct FillEv {
    level: f64,
    id: u32,
}

impl Ord for FillEv {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` is a max-heap.
        other
            .level
            .total_cmp(&self.level)
            .then(other.id.cmp(&self.id))
    }
}
impl PartialOrd for FillEv {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for FillEv {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for FillEv {}

/// `a ≤ b` up to the allocator's tolerance.
#[inline]
pub(super) fn rate_le(a: f64, b: f64) -> bool {
    a <= b + b.abs() * SATURATION_TOLERANCE + ABS_TOLERANCE_BPS
}

/// Whether `load` saturates `cap` up to the allocator's tolerance.
#[inline]
pub(super) fn saturated(load: f64, cap: f64) -> bool {
    load >= cap * (1.0 - SATURATION_TOLERANCE) - ABS_TOLERANCE_BPS
}

fn add_res(r: u32, round: u32, res: &mut [Resource], s: &mut Scratch) {
    let rr = &mut res[r as usize];
    if rr.mark != round {
        rr.mark = round;
        rr.local = s.lres.len() as u32;
        s.lres.push(r);
    }
}

fn add_class(c: u32, round: u32, cls: &mut [Class], res: &mut [Resource], s: &mut Scratch) {
    let cl = &mut cls[c as usize];
    if !cl.live || cl.mark == round {
        return;
    }
    cl.mark = round;
    cl.local = s.lcls.len() as u32;
    s.lcls.push(c);
    for &r in &cl.path {
        add_res(r, round, res, s);
    }
}

/// Freezes local class `lk` at rate `w`, limited by `b`, and takes its
/// flows out of the resources it crosses. Their water levels can only rise
/// (the class took no more than their fair share), so their heap entries
/// stay as lower bounds and are re-keyed lazily when popped.
#[inline]
fn freeze(lk: usize, w: f64, b: u32, cls: &[Class], res: &[Resource], s: &mut Scratch) {
    s.frozen[lk] = true;
    s.rate[lk] = w;
    s.bott[lk] = b;
    let cl = &cls[s.lcls[lk] as usize];
    let m = cl.members.len();
    for &r in &cl.path {
        let lt = res[r as usize].local as usize;
        s.resid[lt] -= m as f64 * w;
        s.unfrozen[lt] -= m as u64;
    }
}

impl Allocator {
    fn next_round(&mut self) -> u32 {
        if self.round == u32::MAX - 1 {
            for r in &mut self.res {
                r.mark = 0;
            }
            for c in &mut self.cls {
                c.mark = 0;
            }
            self.round = 1;
        }
        self.round += 1;
        self.round
    }

    /// Re-solves what the seeds (in `self.s`) may have changed, at time `t`,
    /// applies the new rates, and clears the seeds.
    pub(super) fn solve(&mut self, t: u64) {
        if !(self.s.seed_cls.is_empty() && self.s.rs.is_empty()) {
            let sid = self.solve_id;
            loop {
                let round = self.next_round();
                self.build(round);
                self.fill();
                if !self.grow_on_violations(round, sid) {
                    break;
                }
            }
            self.apply(t);
        }
        self.s.seed_cls.clear();
        self.s.rs.clear();
        self.solve_id += 1;
        if self.solve_id == u32::MAX {
            for r in &mut self.res {
                r.rs_mark = 0;
            }
            for c in &mut self.cls {
                c.seed_mark = 0;
            }
            self.solve_id = 1;
        }
    }

    /// Builds the subproblem: free classes, local resources, residual
    /// capacities, unfrozen counts and the CSR adjacency.
    fn build(&mut self, round: u32) {
        let Allocator { res, cls, s, .. } = self;
        s.lres.clear();
        s.lcls.clear();
        for i in 0..s.seed_cls.len() {
            let c = s.seed_cls[i];
            add_class(c, round, cls, res, s);
        }
        for i in 0..s.rs.len() {
            let r = s.rs[i] as usize;
            for j in 0..res[r].classes.len() {
                let c = res[r].classes[j];
                add_class(c, round, cls, res, s);
            }
        }
        let nres = s.lres.len();
        // CSR adjacency of free classes per local resource.
        s.start.clear();
        s.start.resize(nres + 1, 0);
        s.old_rate.clear();
        for &c in &s.lcls {
            let cl = &cls[c as usize];
            s.old_rate.push(cl.rate);
            for &r in &cl.path {
                s.start[res[r as usize].local as usize + 1] += 1;
            }
        }
        for i in 0..nres {
            s.start[i + 1] += s.start[i];
        }
        s.cursor.clear();
        s.cursor.extend_from_slice(&s.start[..nres]);
        s.adj.clear();
        s.adj.resize(s.start[nres] as usize, 0);
        for (lk, &c) in s.lcls.iter().enumerate() {
            for &r in &cls[c as usize].path {
                let lt = res[r as usize].local as usize;
                s.adj[s.cursor[lt] as usize] = lk as u32;
                s.cursor[lt] += 1;
            }
        }
        // Residual capacity (what the fixed classes leave) and unfrozen
        // flows, from the maintained load and the free classes only.
        s.resid.clear();
        s.unfrozen.clear();
        for lt in 0..nres {
            let rr = &res[s.lres[lt] as usize];
            let mut free_load = 0.0;
            let mut unf = 0u64;
            for a in s.start[lt]..s.start[lt + 1] {
                let lk = s.adj[a as usize] as usize;
                let m = cls[s.lcls[lk] as usize].members.len();
                free_load += m as f64 * s.old_rate[lk];
                unf += m as u64;
            }
            let fixed_load = if s.start[lt + 1] - s.start[lt] == rr.classes.len() as u32 {
                0.0
            } else {
                (rr.load - free_load).max(0.0)
            };
            s.resid.push(rr.cap - fixed_load);
            s.unfrozen.push(unf);
        }
    }

    /// Progressive filling over the free classes: resources in a min-heap
    /// of water levels (lazily re-keyed), caps in a sorted list.
    fn fill(&mut self) {
        let Allocator { res, cls, s, .. } = self;
        let ncls = s.lcls.len();
        s.rate.clear();
        s.rate.resize(ncls, 0.0);
        s.bott.clear();
        s.bott.resize(ncls, NONE);
        s.frozen.clear();
        s.frozen.resize(ncls, false);
        let mut v = std::mem::take(&mut s.heap).into_vec();
        v.clear();
        for lt in 0..s.lres.len() {
            if s.unfrozen[lt] > 0 {
                v.push(FillEv {
                    level: (s.resid[lt] / s.unfrozen[lt] as f64).max(0.0),
                    id: lt as u32,
                });
            }
        }
        s.heap = BinaryHeap::from(v);
        s.caps.clear();
        for lk in 0..ncls {
            let cap = cls[s.lcls[lk] as usize].cap;
            if cap.is_finite() {
                s.caps.push((cap, lk as u32));
            }
        }
        s.caps
            .sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut next_cap = 0;
        let mut left = ncls;
        let mut w = 0.0f64;
        while left > 0 {
            while next_cap < s.caps.len() && s.frozen[s.caps[next_cap].1 as usize] {
                next_cap += 1;
            }
            let cap = s.caps.get(next_cap).copied();
            let top = s.heap.peek().copied();
            match (cap, top) {
                // A cap at or below the lowest resource level freezes first.
                (Some((c, lk)), t) if t.is_none_or(|t| c <= t.level) => {
                    w = w.max(c);
                    freeze(lk as usize, c, BOTT_CAP, cls, res, s);
                    left -= 1;
                    next_cap += 1;
                }
                (_, Some(ev)) => {
                    s.heap.pop();
                    let id = ev.id as usize;
                    if s.unfrozen[id] == 0 {
                        continue;
                    }
                    let level = (s.resid[id] / s.unfrozen[id] as f64).max(w);
                    if level > ev.level {
                        // Stale lower bound: re-key.
                        s.heap.push(FillEv { level, id: ev.id });
                        continue;
                    }
                    w = w.max(level);
                    let r = s.lres[id];
                    for a in s.start[id]..s.start[id + 1] {
                        let lk = s.adj[a as usize] as usize;
                        if !s.frozen[lk] {
                            freeze(lk, w, r, cls, res, s);
                            left -= 1;
                        }
                    }
                }
                // Every unfrozen class crosses a resource with unfrozen flows,
                // so the heap is empty only once all are frozen.
                (_, None) => break,
            }
        }
    }

    /// Checks the boundary resources; adds each that objects to `R`.
    /// Returns whether any did (the subproblem must be solved again).
    ///
    /// On a boundary resource `r` the fixed classes bottlenecked at `r` (if
    /// any) all run at `r`'s level, which is then also the largest fixed
    /// rate on `r` (max-min invariant), so only the free classes are read;
    /// the fixed classes are scanned only when `r` has none bottlenecked and
    /// a free class just saturated it.
    fn grow_on_violations(&mut self, round: u32, sid: u32) -> bool {
        let Allocator { res, cls, s, .. } = self;
        let mut grew = false;
        for lt in 0..s.lres.len() {
            let r = s.lres[lt];
            let rr = &res[r as usize];
            if rr.rs_mark == sid {
                continue;
            }
            let mut old_free = 0.0;
            let mut new_free = 0.0;
            let mut max_free = f64::NEG_INFINITY;
            let mut free_level = f64::NEG_INFINITY;
            let mut free_was_bott = 0u32;
            for a in s.start[lt]..s.start[lt + 1] {
                let lk = s.adj[a as usize] as usize;
                let cl = &cls[s.lcls[lk] as usize];
                let m = cl.members.len() as f64;
                let x = s.rate[lk];
                old_free += m * s.old_rate[lk];
                new_free += m * x;
                max_free = max_free.max(x);
                if s.bott[lk] == r {
                    free_level = free_level.max(x);
                }
                if cl.bott == r {
                    free_was_bott += 1;
                }
            }
            let fixed_bott = rr.n_bott - free_was_bott;
            let violates = if fixed_bott > 0 {
                // (ii) the fixed classes bottlenecked here keep `r` saturated
                // and stay the fastest on it; (i) no free class saturated it
                // below them.
                let level = rr.level;
                let load = rr.load - old_free + new_free;
                !saturated(load, rr.cap)
                    || !rate_le(max_free, level)
                    || (free_level > f64::NEG_INFINITY && !rate_le(level, free_level))
            } else if free_level > f64::NEG_INFINITY {
                // (i) a free class saturated `r`: no fixed class may be faster.
                let mut max_fixed = f64::NEG_INFINITY;
                for &c in &rr.classes {
                    let cl = &cls[c as usize];
                    if cl.mark != round {
                        max_fixed = max_fixed.max(cl.rate);
                    }
                }
                !rate_le(max_fixed, free_level)
            } else {
                false
            };
            if violates {
                res[r as usize].rs_mark = sid;
                s.rs.push(r);
                grew = true;
            }
        }
        grew
    }

    /// Applies the solved rates and bottlenecks, settling virtual clocks and
    /// resource byte counters at `t`.
    fn apply(&mut self, t: u64) {
        let Allocator {
            res, cls, s, gheap, ..
        } = self;
        // Resource byte counters must be settled with the old loads first.
        for &r in &s.lres {
            let rr = &mut res[r as usize];
            rr.bytes += bytes_in(rr.load, t.saturating_sub(rr.t_bytes));
            rr.t_bytes = t;
        }
        for lk in 0..s.lcls.len() {
            let c = s.lcls[lk];
            let (nr, nb) = (s.rate[lk], s.bott[lk]);
            let cl = &mut cls[c as usize];
            let ob = cl.bott;
            if ob != nb {
                if ob < BOTT_CAP {
                    res[ob as usize].n_bott -= 1;
                }
                if nb < BOTT_CAP {
                    res[nb as usize].n_bott += 1;
                }
                cl.bott = nb;
            }
            if cl.rate.to_bits() != nr.to_bits() {
                cl.settle(t);
                if cl.vclock > REBASE_AT {
                    cl.rebase();
                }
                cl.rate = nr;
                cl.recompute_next();
                heap::g_fix(gheap, cls, c);
            }
        }
        for lt in 0..s.lres.len() {
            let rr = &mut res[s.lres[lt] as usize];
            let nfree = s.start[lt + 1] - s.start[lt];
            let mut delta = 0.0;
            for a in s.start[lt]..s.start[lt + 1] {
                let lk = s.adj[a as usize] as usize;
                let m = cls[s.lcls[lk] as usize].members.len() as f64;
                delta += m * (s.rate[lk] - s.old_rate[lk]);
                if s.bott[lk] == s.lres[lt] {
                    rr.level = s.rate[lk];
                }
            }
            rr.inexact += 1;
            if 2 * nfree as usize >= rr.classes.len() || rr.inexact as usize > rr.classes.len() {
                rr.load = super::exact_load(&rr.classes, cls);
                rr.inexact = 0;
            } else {
                rr.load += delta;
            }
        }
    }
}
