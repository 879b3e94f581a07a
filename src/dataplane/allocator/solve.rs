//! Re-solving after an event: first the fast path (re-level the groups the
//! event touches, keeping every class in its group, and check the max-min
//! conditions where loads moved); failing that, the general local re-solve
//! (progressive filling over the free classes of a subproblem, checked on
//! its boundary and grown until the result is max-min fair everywhere). See
//! the parent module's docs for the arguments.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{
    bytes_in, group, Allocator, Class, Resource, Scratch, ABS_TOLERANCE_BPS, BOTT_CAP, IDLE, NONE,
    SATURATION_TOLERANCE,
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
            for g in &mut self.groups {
                g.mark = 0;
                g.done = 0;
            }
            self.round = 1;
        }
        self.round += 1;
        self.round
    }

    /// Re-solves what the seeds (in `self.s`) may have changed, at time `t`,
    /// applies the new rates, and clears the seeds.
    pub(super) fn solve(&mut self, t: u64) {
        let seeded = !(self.s.seed_cls.is_empty() && self.s.rs.is_empty());
        // The fast path first; the general solve if it cannot conclude.
        if seeded && !self.relevel(t) {
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
        let Allocator {
            res,
            cls,
            groups,
            s,
            ..
        } = self;
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
            s.old_rate.push(groups[cl.group as usize].level);
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
        let Allocator {
            res,
            cls,
            groups,
            s,
            ..
        } = self;
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
                let level = groups[rr.group as usize].level;
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
                        max_fixed = max_fixed.max(groups[cl.group as usize].level);
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

    /// Applies the solved rates and bottlenecks at `t`: classes move to
    /// the group of their new bottleneck, and each resource whose
    /// bottlenecked classes were all free takes the level the fill gave
    /// them (one whose fixed classes stay bottlenecked there keeps its
    /// level: the boundary check accepted the free ones as equal to it).
    fn apply(&mut self, t: u64) {
        {
            let Allocator { res, cls, s, .. } = self;
            // Resource byte counters must be settled with the old loads.
            for &r in &s.lres {
                let rr = &mut res[r as usize];
                rr.bytes += bytes_in(rr.load, t.saturating_sub(rr.t_bytes));
                rr.t_bytes = t;
            }
            s.levels.clear();
            for lt in 0..s.lres.len() {
                let r = s.lres[lt];
                let mut was = 0;
                let mut level = None;
                for a in s.start[lt]..s.start[lt + 1] {
                    let lk = s.adj[a as usize] as usize;
                    if cls[s.lcls[lk] as usize].bott == r {
                        was += 1;
                    }
                    if s.bott[lk] == r {
                        level = Some(s.rate[lk]);
                    }
                }
                let rr = &res[r as usize];
                if let Some(level) = level.filter(|_| rr.n_bott == was) {
                    s.levels.push((rr.group, level));
                }
            }
        }
        for lk in 0..self.s.lcls.len() {
            let c = self.s.lcls[lk];
            let nb = self.s.bott[lk];
            if nb != self.cls[c as usize].bott {
                let g = self.group_for(c, nb);
                self.move_class(c, g, t);
            }
        }
        for i in 0..self.s.levels.len() {
            let (g, level) = self.s.levels[i];
            self.set_level(g, level, t);
        }
        let Allocator {
            res,
            groups,
            ents,
            s,
            ..
        } = self;
        for &r in &s.lres {
            let rr = &mut res[r as usize];
            rr.load = group::exact_load(rr, ents, groups);
            rr.inexact = 0;
        }
    }

    /// The fast path: re-levels the groups the seeds touch, keeping every
    /// class in its group, and keeps the result if it is max-min fair.
    ///
    /// A group's level is what its resource's capacity leaves after the
    /// other groups crossing it, shared by its flows: `(cap − Σ others'
    /// flows × level) / own flows`, read from the resource's entries. Each
    /// group whose level moves queues the groups bottlenecked on the
    /// resources its flows cross; groups are solved once each, lowest old
    /// level first, and one that would have to be solved again (a cycle,
    /// or ties) abandons the fast path. The result is then checked on every
    /// resource whose load moved: no resource above capacity, every level
    /// at least 0 and at most the lowest cap of its classes, and every
    /// bottleneck resource saturated with its level the largest rate on it.
    /// Those are the max-min conditions for every flow (a resource whose
    /// load did not move keeps them), so the result is *the* max-min fair
    /// allocation. Cost: the entries of the touched groups and resources,
    /// independent of the number of classes and flows.
    ///
    /// A class not solved yet joins, first, the group of the lowest level
    /// on its path (or its cap's group when the cap is lower), if any. Returns
    /// false (nothing applied but that) when the general solve is needed.
    fn relevel(&mut self, t: u64) -> bool {
        let round = self.next_round();
        let mut q = std::mem::take(&mut self.s.heap).into_vec();
        q.clear();
        let mut q = BinaryHeap::from(q);
        let ok = self.relevel_in(t, round, &mut q);
        self.s.heap = q;
        ok
    }

    fn relevel_in(&mut self, t: u64, round: u32, q: &mut BinaryHeap<FillEv>) -> bool {
        self.s.changed.clear();
        self.s.touched.clear();
        self.s.new_load.clear();
        // Seeds: the groups of the seeded classes and resources.
        for i in 0..self.s.seed_cls.len() {
            let c = self.s.seed_cls[i];
            if !self.cls[c as usize].live {
                continue;
            }
            if self.cls[c as usize].group == IDLE && !self.join_guess(c, t) {
                return false;
            }
            let Allocator {
                res,
                cls,
                groups,
                s,
                ..
            } = self;
            let cl = &cls[c as usize];
            for &u in &cl.path {
                touch(u, round, res, s);
            }
            queue(cl.group, round, groups, q);
        }
        {
            let Allocator { res, groups, s, .. } = self;
            for i in 0..s.rs.len() {
                let r = s.rs[i];
                touch(r, round, res, s);
                if res[r as usize].n_bott > 0 {
                    queue(res[r as usize].group, round, groups, q);
                }
            }
        }
        let Allocator {
            res,
            cls,
            groups,
            ents,
            s,
            ..
        } = self;
        let lvl = |groups: &[super::Group], h: u32| {
            let gr = &groups[h as usize];
            if gr.done == round {
                gr.new_level
            } else {
                gr.level
            }
        };
        while let Some(ev) = q.pop() {
            let g = ev.id;
            let gi = g as usize;
            if groups[gi].done == round {
                continue;
            }
            groups[gi].done = round;
            let r = groups[gi].res;
            let rr = &res[r as usize];
            let mut other = 0.0;
            let mut own = 0;
            for &e in &rr.cross {
                let en = &ents[e as usize];
                if en.g == g {
                    own = en.count;
                } else {
                    other += f64::from(en.count) * lvl(groups, en.g);
                }
            }
            if own == 0 {
                return false;
            }
            let level = (rr.cap - other) / f64::from(own);
            if level.is_nan() || level < 0.0 {
                return false;
            }
            groups[gi].new_level = level;
            if level.to_bits() == groups[gi].level.to_bits() {
                continue;
            }
            if !rate_le(level, groups[gi].min_cap(cls)) {
                return false;
            }
            s.changed.push(g);
            let delta = level - groups[gi].level;
            for j in 0..groups[gi].foot.len() {
                let en = &ents[groups[gi].foot[j] as usize];
                let u = en.r;
                touch(u, round, res, s);
                let ru = &mut res[u as usize];
                ru.dload += f64::from(en.count) * delta;
                if u != r && ru.n_bott > 0 {
                    let h = ru.group;
                    if groups[h as usize].done == round {
                        return false;
                    }
                    queue(h, round, groups, q);
                }
            }
        }
        // Check every resource whose load moves: its new load is the
        // maintained one plus the level changes crossing it; a bottleneck
        // resource is recomputed exactly from its entries, with the largest
        // level on it.
        for i in 0..s.touched.len() {
            let rr = &res[s.touched[i] as usize];
            let load = if rr.n_bott > 0 {
                let mut load = 0.0;
                let mut max_level = 0.0f64;
                for &e in &rr.cross {
                    let en = &ents[e as usize];
                    if en.count > 0 {
                        let l = lvl(groups, en.g);
                        load += f64::from(en.count) * l;
                        max_level = max_level.max(l);
                    }
                }
                if !(saturated(load, rr.cap) && rate_le(max_level, lvl(groups, rr.group))) {
                    return false;
                }
                load
            } else {
                rr.load + rr.dload
            };
            if load > rr.cap * (1.0 + 1e-12) + ABS_TOLERANCE_BPS {
                return false;
            }
            s.new_load.push(load);
        }
        // Apply: byte counters at the old loads, levels, then loads (drift
        // bounded as in `shift_load`).
        for &u in &s.touched {
            let rr = &mut res[u as usize];
            rr.bytes += bytes_in(rr.load, t.saturating_sub(rr.t_bytes));
            rr.t_bytes = t;
        }
        for i in 0..self.s.changed.len() {
            let g = self.s.changed[i];
            let level = self.groups[g as usize].new_level;
            self.set_level(g, level, t);
        }
        let Allocator {
            res,
            groups,
            ents,
            s,
            ..
        } = self;
        for (i, &u) in s.touched.iter().enumerate() {
            let rr = &mut res[u as usize];
            rr.load = s.new_load[i];
            if rr.n_bott > 0 {
                rr.inexact = 0;
            } else {
                rr.inexact += 1;
                if rr.inexact as usize > rr.cross.len() {
                    rr.load = group::exact_load(rr, ents, groups);
                    rr.inexact = 0;
                }
            }
        }
        true
    }

    /// Puts class `c` (not solved yet) in the group with the lowest level
    /// it could get on its path: a bottleneck's level, or, on a resource
    /// without one, the headroom shared by the class's flows (that
    /// resource's group then starts at this level); or in its cap's group
    /// when the cap is lower. The fast path's checks reject a wrong guess.
    /// False if there is nothing to join.
    fn join_guess(&mut self, c: u32, t: u64) -> bool {
        let cl = &self.cls[c as usize];
        let m = cl.members.len().max(1) as f64;
        let mut best = NONE;
        let mut best_level = f64::INFINITY;
        let mut best_empty = false;
        for &u in &cl.path {
            let ru = &self.res[u as usize];
            let (l, empty) = if ru.n_bott > 0 {
                (self.groups[ru.group as usize].level, false)
            } else {
                (((ru.cap - ru.load) / m).max(0.0), true)
            };
            if l < best_level {
                best_level = l;
                best = ru.group;
                best_empty = empty;
            }
        }
        let g = if cl.cap < best_level {
            match cl.cap_bits {
                Some(bits) => self.cap_group(bits),
                None => return false,
            }
        } else if best != NONE {
            if best_empty {
                // An empty group: its level is free to set.
                self.set_level(best, best_level, t);
            }
            best
        } else {
            return false;
        };
        self.move_class(c, g, t);
        let m = self.cls[c as usize].members.len() as f64;
        self.shift_load(c, m, t);
        true
    }
}

/// Adds resource `u` to the fast path's touched list.
#[inline]
fn touch(u: u32, round: u32, res: &mut [Resource], s: &mut Scratch) {
    let ru = &mut res[u as usize];
    if ru.mark != round {
        ru.mark = round;
        ru.dload = 0.0;
        s.touched.push(u);
    }
}

/// Queues resource group `g` for the fast path (lowest old level first).
#[inline]
fn queue(g: u32, round: u32, groups: &mut [super::Group], q: &mut BinaryHeap<FillEv>) {
    let gr = &mut groups[g as usize];
    if gr.res != NONE && gr.mark != round {
        gr.mark = round;
        q.push(FillEv {
            level: gr.level,
            id: g,
        });
    }
}
