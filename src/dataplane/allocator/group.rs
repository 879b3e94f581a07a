//! Groups (classes at one rate, sharing one virtual clock) and entries (how
//! many flows of a group cross a resource): joining, leaving, settling and
//! re-levelling, each in `O(log n)` plus the class's path length.

use super::{
    bytes_in, heap, ns_to_move, Allocator, Class, Entry, Group, Resource, BOTT_CAP, IDLE, NONE,
    REBASE_AT,
};

/// Up to this many groups crossing a resource, its entries are found by a
/// scan; beyond, through the hash index.
const ENTRY_SCAN: usize = 8;

/// A resource's load recomputed exactly from its entries: Σ flows × level.
pub(super) fn exact_load(rr: &Resource, ents: &[Entry], groups: &[Group]) -> f64 {
    rr.cross
        .iter()
        .map(|&e| {
            let en = &ents[e as usize];
            f64::from(en.count) * groups[en.g as usize].level
        })
        .sum()
}

impl Group {
    /// The group clock read at `t` (≥ `t_clock`).
    #[inline]
    pub(super) fn vclock_at(&self, t: u64) -> f64 {
        self.vclock + bytes_in(self.level, t.saturating_sub(self.t_clock))
    }

    /// Recomputes `next` from the head class.
    #[inline]
    fn recompute_next(&mut self) {
        self.next = match self.heap.first() {
            None => u64::MAX,
            Some(&(finish, _)) => {
                let ns = ns_to_move(finish - self.vclock, self.level);
                if ns == u64::MAX {
                    u64::MAX
                } else {
                    self.t_clock.saturating_add(ns)
                }
            }
        };
    }

    /// The lowest cap among its classes, recounted if unknown.
    pub(super) fn min_cap(&mut self, cls: &[Class]) -> f64 {
        if self.min_cap_stale {
            let mut m = f64::INFINITY;
            let mut n = 0;
            for &(_, c) in &self.heap {
                let cap = cls[c as usize].cap;
                if cap < m {
                    m = cap;
                    n = 1;
                } else if cap == m {
                    n += 1;
                }
            }
            self.min_cap = m;
            self.n_min_cap = n;
            self.min_cap_stale = false;
        }
        self.min_cap
    }

    fn min_cap_join(&mut self, cap: f64) {
        if self.min_cap_stale {
            return;
        }
        if cap < self.min_cap {
            self.min_cap = cap;
            self.n_min_cap = 1;
        } else if cap == self.min_cap {
            self.n_min_cap += 1;
        }
    }

    fn min_cap_leave(&mut self, cap: f64) {
        if !self.min_cap_stale && cap == self.min_cap {
            self.n_min_cap -= 1;
            if self.n_min_cap == 0 {
                self.min_cap_stale = true;
            }
        }
    }
}

impl Allocator {
    /// A new group at `level`, for resource `res` (or `NONE`).
    pub(super) fn new_group(&mut self, res: u32, level: f64) -> u32 {
        self.groups.push(Group {
            res,
            level,
            vclock: 0.0,
            t_clock: self.now,
            heap: Vec::new(),
            next: u64::MAX,
            gpos: NONE,
            foot: Vec::new(),
            min_cap: f64::INFINITY,
            n_min_cap: 0,
            min_cap_stale: false,
            mark: 0,
            done: 0,
            new_level: 0.0,
        });
        (self.groups.len() - 1) as u32
    }

    /// The group of the classes capped at `bits` bits/s.
    pub(super) fn cap_group(&mut self, bits: u64) -> u32 {
        if let Some(&g) = self.cap_group.get(&bits) {
            return g;
        }
        let g = self.new_group(NONE, bits as f64);
        self.cap_group.insert(bits, g);
        g
    }

    /// The group a class bottlenecked at `bott` belongs to.
    pub(super) fn group_for(&mut self, c: u32, bott: u32) -> u32 {
        match bott {
            NONE => IDLE,
            BOTT_CAP => match self.cls[c as usize].cap_bits {
                Some(bits) => self.cap_group(bits),
                None => unreachable!("an uncapped class is never bottlenecked by its cap"),
            },
            r => self.res[r as usize].group,
        }
    }

    /// Class `c`'s virtual clock read at `t`.
    #[inline]
    pub(super) fn class_vclock(&self, c: u32, t: u64) -> f64 {
        let cl = &self.cls[c as usize];
        self.groups[cl.group as usize].vclock_at(t) - cl.offset
    }

    /// Moves group `g`'s clock reference to `t` at its current level,
    /// rebasing it (and its classes) when it has grown large.
    pub(super) fn settle_group(&mut self, g: u32, t: u64) {
        let gr = &mut self.groups[g as usize];
        gr.vclock = gr.vclock_at(t);
        gr.t_clock = t;
        if gr.vclock > REBASE_AT {
            self.rebase_group(g);
        }
    }

    /// Subtracts the clock from every offset and key (and rebases the
    /// classes whose own clock has grown large); order is restored.
    fn rebase_group(&mut self, g: u32) {
        let Allocator { groups, cls, .. } = self;
        let gr = &mut groups[g as usize];
        let v = gr.vclock;
        gr.vclock = 0.0;
        for k in gr.heap.iter_mut() {
            let cl = &mut cls[k.1 as usize];
            cl.offset -= v;
            let cv = -cl.offset;
            if cv > REBASE_AT {
                for m in &mut cl.members {
                    m.0 -= cv;
                }
                cl.offset = 0.0;
            }
            k.0 = cl.members.first().map_or(0.0, |m| m.0) + cl.offset;
        }
        heap::heapify(&mut gr.heap, &mut cls[..]);
        self.fix_group(g);
    }

    /// Rebases class `c`'s clock to zero at `t` (its members' finish times
    /// keep their order).
    pub(super) fn rebase_class(&mut self, c: u32, t: u64) {
        let g = self.cls[c as usize].group;
        self.settle_group(g, t);
        let v = self.groups[g as usize].vclock;
        let cl = &mut self.cls[c as usize];
        let cv = v - cl.offset;
        for m in &mut cl.members {
            m.0 -= cv;
        }
        cl.offset = v;
        self.class_changed_head(c);
    }

    /// Re-keys class `c` in its group after its head member changed (or it
    /// emptied), and the group in the global heap.
    pub(super) fn class_changed_head(&mut self, c: u32) {
        let cl = &self.cls[c as usize];
        let g = cl.group;
        if g == IDLE {
            // Rate 0: never completes, kept in no heap.
            return;
        }
        let key = cl.members.first().map(|m| (m.0 + cl.offset, c));
        let pos = cl.hpos;
        heap::fix(
            &mut self.groups[g as usize].heap,
            &mut self.cls[..],
            pos,
            key,
        );
        self.fix_group(g);
    }

    /// Recomputes group `g`'s next completion and re-keys it.
    pub(super) fn fix_group(&mut self, g: u32) {
        let gr = &mut self.groups[g as usize];
        gr.recompute_next();
        let key = (gr.next != u64::MAX).then_some((gr.next, g));
        let pos = gr.gpos;
        heap::fix(&mut self.gheap, &mut self.groups[..], pos, key);
    }

    /// Sets group `g`'s level at `t` (settling its clock first).
    pub(super) fn set_level(&mut self, g: u32, level: f64, t: u64) {
        if self.groups[g as usize].level.to_bits() == level.to_bits() {
            return;
        }
        self.settle_group(g, t);
        self.groups[g as usize].level = level;
        self.fix_group(g);
    }

    /// Adds one member's worth (`add`) or removes it from class `c`'s
    /// entries. An entry left at zero is released when its class leaves.
    pub(super) fn count_member(&mut self, c: u32, add: bool) {
        for &e in &self.cls[c as usize].ent {
            let en = &mut self.ents[e as usize];
            if add {
                en.count += 1;
            } else {
                en.count -= 1;
            }
        }
    }

    /// The entry of `(g, r)`, created empty if missing. A resource crossed
    /// by few groups is scanned; past `ENTRY_SCAN` its entries are indexed
    /// in `ent_of` (until it has none left).
    fn ent_attach(&mut self, g: u32, r: u32) -> u32 {
        let key = (u64::from(g) << 32) | u64::from(r);
        let rr = &self.res[r as usize];
        if rr.indexed {
            if let Some(&e) = self.ent_of.get(&key) {
                return e;
            }
        } else if let Some(&e) = rr.cross.iter().find(|&&e| self.ents[e as usize].g == g) {
            return e;
        }
        let en = Entry {
            g,
            r,
            count: 0,
            gpos: self.groups[g as usize].foot.len() as u32,
            rpos: rr.cross.len() as u32,
        };
        let e = match self.free_ents.pop() {
            Some(e) => {
                self.ents[e as usize] = en;
                e
            }
            None => {
                self.ents.push(en);
                (self.ents.len() - 1) as u32
            }
        };
        self.groups[g as usize].foot.push(e);
        let rr = &mut self.res[r as usize];
        rr.cross.push(e);
        if rr.indexed {
            self.ent_of.insert(key, e);
        } else if rr.cross.len() > ENTRY_SCAN {
            rr.indexed = true;
            for &x in &rr.cross {
                let gx = self.ents[x as usize].g;
                self.ent_of.insert((u64::from(gx) << 32) | u64::from(r), x);
            }
        }
        e
    }

    /// Removes `n` flows from entry `e`, releasing it when none is left.
    fn ent_sub(&mut self, e: u32, n: u32) {
        let en = &mut self.ents[e as usize];
        en.count -= n;
        if en.count > 0 {
            return;
        }
        let Entry {
            g, r, gpos, rpos, ..
        } = *en;
        let foot = &mut self.groups[g as usize].foot;
        foot.swap_remove(gpos as usize);
        if let Some(&m) = foot.get(gpos as usize) {
            self.ents[m as usize].gpos = gpos;
        }
        let rr = &mut self.res[r as usize];
        rr.cross.swap_remove(rpos as usize);
        if let Some(&m) = rr.cross.get(rpos as usize) {
            self.ents[m as usize].rpos = rpos;
        }
        if rr.indexed {
            self.ent_of.remove(&((u64::from(g) << 32) | u64::from(r)));
            rr.indexed = !rr.cross.is_empty();
        }
        self.free_ents.push(e);
    }

    /// Puts class `c` (in no group) into group `g` at `t`, its own clock
    /// reading `cv`.
    pub(super) fn join_group(&mut self, c: u32, g: u32, t: u64, mut cv: f64) {
        if g == IDLE {
            // Rate 0, no load: no entries, no heap, a clock that stays at 0.
            let cl = &mut self.cls[c as usize];
            cl.offset = -cv;
            cl.group = IDLE;
            cl.bott = NONE;
            cl.ent.clear();
            return;
        }
        self.settle_group(g, t);
        let v = self.groups[g as usize].vclock;
        let gres = self.groups[g as usize].res;
        let m = self.cls[c as usize].members.len() as u32;
        if cv > REBASE_AT {
            for mm in &mut self.cls[c as usize].members {
                mm.0 -= cv;
            }
            cv = 0.0;
        }
        let bott = if gres != NONE {
            self.res[gres as usize].n_bott += 1;
            gres
        } else if g == IDLE {
            NONE
        } else {
            BOTT_CAP
        };
        let cl = &mut self.cls[c as usize];
        cl.offset = v - cv;
        cl.group = g;
        cl.bott = bott;
        let cap = cl.cap;
        let mut path = std::mem::take(&mut cl.path);
        let mut ent = std::mem::take(&mut cl.ent);
        ent.clear();
        for &r in &path {
            let e = self.ent_attach(g, r);
            self.ents[e as usize].count += m;
            ent.push(e);
        }
        let cl = &mut self.cls[c as usize];
        std::mem::swap(&mut cl.path, &mut path);
        std::mem::swap(&mut cl.ent, &mut ent);
        self.groups[g as usize].min_cap_join(cap);
        self.class_changed_head(c);
    }

    /// Takes class `c` out of its group at `t`; returns its clock reading.
    pub(super) fn leave_group(&mut self, c: u32, t: u64) -> f64 {
        let g = self.cls[c as usize].group;
        if g == IDLE {
            let cl = &mut self.cls[c as usize];
            cl.group = NONE;
            return -cl.offset;
        }
        self.settle_group(g, t);
        let cl = &self.cls[c as usize];
        let cv = self.groups[g as usize].vclock - cl.offset;
        let m = cl.members.len() as u32;
        let (pos, cap, bott) = (cl.hpos, cl.cap, cl.bott);
        if pos != NONE {
            heap::remove(&mut self.groups[g as usize].heap, &mut self.cls[..], pos);
        }
        if bott < BOTT_CAP {
            self.res[bott as usize].n_bott -= 1;
        }
        let ent = std::mem::take(&mut self.cls[c as usize].ent);
        for &e in &ent {
            self.ent_sub(e, m);
        }
        self.cls[c as usize].ent = ent;
        self.groups[g as usize].min_cap_leave(cap);
        if pos != NONE {
            self.fix_group(g);
        }
        let cl = &mut self.cls[c as usize];
        cl.group = NONE;
        cl.bott = NONE;
        cv
    }

    /// Moves class `c` into group `g` at `t`, its members' finish times
    /// unchanged (its clock reading carries over).
    pub(super) fn move_class(&mut self, c: u32, g: u32, t: u64) {
        if self.cls[c as usize].group == g {
            return;
        }
        let cv = self.leave_group(c, t);
        self.join_group(c, g, t, cv);
    }
}
