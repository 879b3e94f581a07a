//! The local re-solve: progressive filling over the free classes of a
//! subproblem, checked on its boundary and grown until the result is max-min
//! fair everywhere (see the parent module's docs for the argument).

use std::cmp::Ordering;

use super::{
    bytes_in, heap, Allocator, Class, Resource, Scratch, ABS_TOLERANCE_BPS, BOTT_CAP, NONE,
    REBASE_AT, SATURATION_TOLERANCE,
};

const KIND_CAP: u32 = 0;
const KIND_RES: u32 = 1;

/// A progressive-filling event: the water level at which a local resource
/// saturates (`KIND_RES`, valid while `ver` matches) or a local class reaches
/// its cap (`KIND_CAP`). Ordered as a min-heap on `(level, kind, id)`.
#[derive(Debug, Clone, Copy)]
pub(super) struct FillEv {
    level: f64,
    kind: u32,
    id: u32,
    ver: u32,
}

impl Ord for FillEv {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` is a max-heap.
        other
            .level
            .total_cmp(&self.level)
            .then(other.kind.cmp(&self.kind))
            .then(other.id.cmp(&self.id))
            .then(other.ver.cmp(&self.ver))
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

/// Freezes local class `lk` at rate `w`, limited by `b`, and updates the
/// water levels of the resources it crosses.
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
        if s.unfrozen[lt] > 0 {
            s.ver[lt] += 1;
            let level = (s.resid[lt] / s.unfrozen[lt] as f64).max(w);
            s.heap.push(FillEv {
                level,
                kind: KIND_RES,
                id: lt as u32,
                ver: s.ver[lt],
            });
        }
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
        self.refresh_dirty_loads(t);
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
        s.resid.clear();
        s.unfrozen.clear();
        s.ver.clear();
        for &r in &s.lres {
            let rr = &res[r as usize];
            let mut resid = rr.cap;
            let mut unf = 0u64;
            for &c in &rr.classes {
                let cl = &cls[c as usize];
                if cl.mark == round {
                    unf += cl.members.len() as u64;
                } else {
                    resid -= cl.members.len() as f64 * cl.rate;
                }
            }
            s.resid.push(resid);
            s.unfrozen.push(unf);
            s.ver.push(0);
        }
        // CSR adjacency of free classes per local resource.
        s.start.clear();
        s.start.resize(nres + 1, 0);
        for &c in &s.lcls {
            for &r in &cls[c as usize].path {
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
    }

    /// Progressive filling over the free classes.
    fn fill(&mut self) {
        let Allocator { res, cls, s, .. } = self;
        let ncls = s.lcls.len();
        s.rate.clear();
        s.rate.resize(ncls, 0.0);
        s.bott.clear();
        s.bott.resize(ncls, NONE);
        s.frozen.clear();
        s.frozen.resize(ncls, false);
        s.heap.clear();
        for lt in 0..s.lres.len() {
            if s.unfrozen[lt] > 0 {
                s.heap.push(FillEv {
                    level: (s.resid[lt] / s.unfrozen[lt] as f64).max(0.0),
                    kind: KIND_RES,
                    id: lt as u32,
                    ver: 0,
                });
            }
        }
        for lk in 0..ncls {
            let cap = cls[s.lcls[lk] as usize].cap;
            if cap.is_finite() {
                s.heap.push(FillEv {
                    level: cap,
                    kind: KIND_CAP,
                    id: lk as u32,
                    ver: 0,
                });
            }
        }
        let mut left = ncls;
        let mut w = 0.0f64;
        while left > 0 {
            let Some(ev) = s.heap.pop() else { break };
            let id = ev.id as usize;
            if ev.kind == KIND_CAP {
                if s.frozen[id] {
                    continue;
                }
                w = w.max(ev.level);
                freeze(id, ev.level, BOTT_CAP, cls, res, s);
                left -= 1;
            } else {
                if ev.ver != s.ver[id] || s.unfrozen[id] == 0 {
                    continue;
                }
                w = w.max(ev.level);
                let r = s.lres[id];
                for a in s.start[id]..s.start[id + 1] {
                    let lk = s.adj[a as usize] as usize;
                    if !s.frozen[lk] {
                        freeze(lk, w, r, cls, res, s);
                        left -= 1;
                    }
                }
            }
        }
    }

    /// Checks the boundary resources; adds each that objects to `R`.
    /// Returns whether any did (the subproblem must be solved again).
    fn grow_on_violations(&mut self, round: u32, sid: u32) -> bool {
        let Allocator { res, cls, s, .. } = self;
        let mut grew = false;
        for lt in 0..s.lres.len() {
            let r = s.lres[lt];
            let rr = &res[r as usize];
            if rr.rs_mark == sid {
                continue;
            }
            let mut load = 0.0;
            let mut max_fixed = f64::NEG_INFINITY;
            let mut min_fixed_bott = f64::INFINITY;
            let mut max_free = f64::NEG_INFINITY;
            let mut free_level = f64::NEG_INFINITY;
            for &c in &rr.classes {
                let cl = &cls[c as usize];
                let m = cl.members.len() as f64;
                if cl.mark == round {
                    let lk = cl.local as usize;
                    let x = s.rate[lk];
                    load += m * x;
                    max_free = max_free.max(x);
                    if s.bott[lk] == r {
                        free_level = free_level.max(x);
                    }
                } else {
                    let x = cl.rate;
                    load += m * x;
                    max_fixed = max_fixed.max(x);
                    if cl.bott == r {
                        min_fixed_bott = min_fixed_bott.min(x);
                    }
                }
            }
            // (i) a free class saturated `r` below a fixed class's rate;
            // (ii) a fixed class bottlenecked here lost its bottleneck.
            let violates = (free_level > f64::NEG_INFINITY && !rate_le(max_fixed, free_level))
                || (min_fixed_bott < f64::INFINITY
                    && (!saturated(load, rr.cap) || !rate_le(max_free, min_fixed_bott)));
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
        for &r in &s.lres {
            let rr = &res[r as usize];
            let mut load = 0.0;
            for &c in &rr.classes {
                let cl = &cls[c as usize];
                load += cl.members.len() as f64 * cl.rate;
            }
            res[r as usize].load = load;
        }
    }

    /// Recomputes the load of resources that lost a class outside the
    /// subproblem (settling their byte counters first).
    fn refresh_dirty_loads(&mut self, t: u64) {
        let Allocator { res, cls, s, .. } = self;
        for &r in &s.dirty_load {
            let rr = &mut res[r as usize];
            rr.bytes += bytes_in(rr.load, t.saturating_sub(rr.t_bytes));
            rr.t_bytes = t;
            let mut load = 0.0;
            for &c in &rr.classes {
                let cl = &cls[c as usize];
                load += cl.members.len() as f64 * cl.rate;
            }
            rr.load = load;
        }
        s.dirty_load.clear();
    }
}
