//! The flow-level bandwidth allocator: max-min fair rates with per-flow caps,
//! bytes remaining, and the order in which flows complete.
//!
//! # What it owns, what it must not touch
//! The allocator owns, for every active flow, its **rate** (max-min fair over
//! the capacities of the resources on its path, limited by its own cap), its
//! **remaining bytes** (settled lazily), and the **completion order** of all
//! flows; for every resource, its capacity, its current load and the bytes it
//! has carried. It is handed paths as lists of [`ResourceId`]s and never looks
//! at what they mean: it must not decide routes, compute dollars, or know any
//! AWS rule (scaling, quotas, AZs). Time is passed in as a value; the
//! allocator never reads a clock and never schedules events itself.
//!
//! # Model
//! A resource (NIC, endpoint ENI in an AZ, NLB node, DX link, ...) has a
//! capacity in bits/s that can change at any instant (scaling, failure to 0).
//! A flow has a path (resources it crosses, each at most once), an optional
//! rate cap, and a size. Rates are **max-min fair**: every flow is either at
//! its cap or crosses a saturated resource on which its rate is the largest
//! (progressive filling). Rates change only at events: a flow starts,
//! completes or is cut, or a capacity changes.
//!
//! # Algorithm
//! * **Classes.** Flows with the same path and the same cap always get the
//!   same max-min rate (they are interchangeable), so they are grouped into a
//!   *class*, which is the unit the general solver works on. Members wait in
//!   a per-class min-heap of finish times in *class virtual time* (bytes
//!   served to each member): a member that joins with `size` bytes left when
//!   the class's clock reads `V` finishes when it reads `V + size`.
//! * **Groups: one level, one clock.** All classes bottlenecked on the same
//!   resource run at that resource's *level*, and all classes capped at the
//!   same value run at that cap. Each such set is a *group* with one rate and
//!   one **virtual clock** (bytes served to each member); a class's virtual
//!   time is its group's clock minus an offset. Changing a level settles one
//!   clock and re-keys one heap entry, whatever the number of classes and
//!   flows in the group. A group keeps an indexed min-heap of its classes
//!   keyed by their head member's finish in group time, and a global indexed
//!   heap holds each group's next completion. A class whose bottleneck
//!   changes moves between groups in `O(log n + path)`: its clock reading
//!   carries over through the offset, so its members' finish times do not
//!   move. A class not solved yet sits in an idle group (rate 0). For every
//!   group and resource the allocator counts the group's flows crossing the
//!   resource (an *entry*), so a resource's load is `Σ entries × level`.
//! * **Fast path: re-levelling.** Most events (a flow starts or ends, a
//!   capacity changes) move levels without moving any class to another
//!   group. The fast path keeps every class in its group and re-solves the
//!   levels the event touches: a group's level is what its resource's
//!   capacity leaves after the other groups crossing it, shared by its
//!   flows, `(cap − Σ other entries × level) / own flows`. A group whose
//!   level moves queues the groups bottlenecked on the resources its flows
//!   cross; groups are solved once each, lowest old level first (one that
//!   would need solving again ends the fast path). A class not solved yet
//!   first joins the group with the lowest level it could get on its path:
//!   a bottleneck's level, or on a resource without one the headroom shared
//!   by its flows (that resource's empty group starts there), or its cap's
//!   group if lower. The result is then checked on every resource whose load
//!   moves: none above capacity, every level between 0 and the lowest cap of
//!   its classes, every bottleneck resource saturated with its level the
//!   largest rate on it. Those are the max-min conditions for every flow (a
//!   resource whose load did not move keeps them), so the result is *the*
//!   max-min fair allocation; if a check fails, nothing but the idle
//!   classes' placement was applied and the general re-solve runs.
//! * **General local re-solve.** The seeds are a small set `R` of resources
//!   to re-level (the resources of the event where some *other* class is
//!   bottlenecked) and the classes whose membership changed. Every class
//!   crossing `R`, plus the seeded classes, is *free*; everything else keeps
//!   its rate. Progressive filling runs on the free classes against the
//!   capacity the fixed classes leave. The result is then checked on the
//!   boundary resources (crossed by free classes, not in `R`): a resource
//!   where a free class saturated below a fixed class's rate, or where a fixed
//!   class was bottlenecked and which is no longer saturated or now carries a
//!   faster free class, joins `R`, and the solve repeats. When no boundary
//!   resource objects, every flow satisfies the max-min condition, so the
//!   allocation is *the* (unique) max-min fair one. The free classes then
//!   move to the groups of their new bottlenecks, and a resource whose
//!   bottlenecked classes were all free takes their new level. A flow
//!   arriving on a path with headroom touches only its own class; a saturated
//!   resource's change spreads only as far as rates actually move.
//! * **Cost per event.** Fast path: `O(E + G log G)`, where `G` is the number
//!   of groups whose level moves and `E` the entries they have plus those of
//!   the bottleneck resources they touch (a resource that is not a bottleneck
//!   is checked from its maintained load plus the level changes crossing
//!   it), plus `O(log n)` for the heaps. This does not grow with the number
//!   of flows or classes, only with the topology the re-levelled groups
//!   span: thousands of distinct paths bottlenecked on one saturated
//!   resource cost one level change, not one per class. General re-solve:
//!   `O(A log A)` where `A` is the size of the re-solved neighbourhood (the
//!   free classes and their path lengths), plus `O(log n + path)` per class
//!   that changes group. No allocation happens per event once buffers have
//!   grown. Measured on a loaded 2-core machine (`cargo bench --bench
//!   allocator`; the scaling table with `VPCSIM_BURST_SCALING=1 cargo bench
//!   --bench allocator -- --list`): ≈ 0.65 µs per flow event on the target
//!   workload, 0.3 µs on `burst_10k_30_paths`; a burst of `n` flows at one
//!   instant on ~4,000 distinct paths (3 shared links, 10 endpoints, 100
//!   NICs) costs 1.2–2.0 µs per flow event with the batch start and
//!   3.1–5.2 µs with one call per arrival, flat from `n` = 1,000 to 40,000
//!   (it was 7.6 → 26 µs and 25 → 145 µs with one rate per class).
//!
//! # Tolerance
//! Rates are `f64` bits/s. A resource is *saturated* when its load is at
//! least `capacity × (1 − 1e-9)` ([`SATURATION_TOLERANCE`]), and two rates
//! are compared with the same relative tolerance plus 1e-3 bit/s. Progressive
//! filling never allocates more than the capacity left, so a resource's load
//! exceeds its capacity only by float rounding (far below 1e-9 relative).
//!
//! # Time and bytes
//! Time is integer nanoseconds. A member with `rem` bytes left at rate `r`
//! bits/s completes at `t + ceil(rem × 8e9 / r)` ns, computed from its
//! group's virtual clock (`t` is when the clock was last settled): the ceiling
//! guarantees its bytes have been moved when it is declared complete (up to
//! f64 rounding of the byte count, ≤ 1e-3 byte). A completed flow delivered
//! exactly its size; a cut flow delivered `floor(size − remaining)`, clamped
//! to `[0, size]`, so no byte is lost or invented. A flow at rate 0 never
//! completes until its rate becomes positive. Calls carry a `now` that never
//! decreases; every mutating call first processes the completions due at or
//! before `now` (in time order, each at its own instant), and keeps them for
//! [`Allocator::pop_completed`].
//!
//! # Determinism
//! The same sequence of calls gives bit-identical results: ids are dense
//! indices into `Vec`s, free slots are reused last-in first-out, heaps break
//! ties by index, and nothing iterates a hash map (two are used for lookups
//! only: a cap's group, and the entries of a resource crossed by many
//! groups).

mod group;
mod heap;
mod solve;
#[cfg(test)]
mod tests;

use rustc_hash::FxHashMap;

use crate::units::{Bandwidth, Bytes, SimTime};

/// Relative tolerance for "saturated" and for comparing rates: a resource is
/// saturated when its load is at least `capacity × (1 − SATURATION_TOLERANCE)`.
pub const SATURATION_TOLERANCE: f64 = 1e-9;

/// Absolute slack (bits/s) added to rate comparisons, for rates near zero.
const ABS_TOLERANCE_BPS: f64 = 1e-3;

/// A virtual clock is rebased to zero past this many bytes per member
/// (2^40), so finish times keep sub-millibyte precision.
const REBASE_AT: f64 = 1_099_511_627_776.0;

/// "No index" marker for `u32` links.
const NONE: u32 = u32::MAX;
/// Bottleneck marker: the class is limited by its own cap.
const BOTT_CAP: u32 = u32::MAX - 1;
/// The group of classes not solved yet (rate 0).
const IDLE: u32 = 0;

/// A capacity resource (dense index, from [`Allocator::add_resource`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId(pub u32);

/// An active flow. Slots are reused; the generation tells a stale id apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId {
    index: u32,
    generation: u32,
}

impl FlowId {
    /// The slot index (dense, reused after the flow ends).
    pub fn index(self) -> u32 {
        self.index
    }
    /// The slot's generation when this flow started.
    pub fn generation(self) -> u32 {
        self.generation
    }
}

/// A flow to start with [`Allocator::start_flows`].
#[derive(Debug, Clone, Copy)]
pub struct FlowSpec<'a> {
    /// Resources crossed, each at most once.
    pub path: &'a [ResourceId],
    /// Rate cap (e.g. a single-flow limit), if any.
    pub cap: Option<Bandwidth>,
    pub size: Bytes,
}

/// What limits a flow's rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bottleneck {
    /// Its own rate cap.
    Cap,
    /// A saturated resource on which its rate is the largest.
    Resource(ResourceId),
}

/// A flow that moved all its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    pub flow: FlowId,
    /// The instant its last byte was moved (≤ the `now` it was popped at).
    pub at: SimTime,
    /// Bytes delivered: exactly its size.
    pub bytes: Bytes,
}

/// A call the allocator refuses, with what to do about it.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocError {
    #[error("a flow's path is empty: give it at least one resource")]
    EmptyPath,
    #[error(
        "resource {0:?} appears twice on a flow's path: a path crosses each resource at most once"
    )]
    RepeatedResource(ResourceId),
    #[error("resource {0:?} was not created by this allocator: use an id from add_resource")]
    UnknownResource(ResourceId),
    #[error("flow {0:?} is not active (it completed, was cut, or belongs to another allocator)")]
    UnknownFlow(FlowId),
    #[error("time went backwards: called at {now} after {last}; calls must not decrease time")]
    TimeWentBackwards { now: SimTime, last: SimTime },
}

#[derive(Debug, Clone)]
struct Resource {
    /// Capacity, bits/s.
    cap: f64,
    /// Classes crossing this resource.
    classes: Vec<u32>,
    /// The group of the classes bottlenecked here (its level is theirs).
    group: u32,
    /// Number of classes bottlenecked here.
    n_bott: u32,
    /// Entries of the groups crossing this resource, and whether they are
    /// indexed in `Allocator::ent_of` (else found by a scan).
    cross: Vec<u32>,
    indexed: bool,
    /// Bits/s currently allocated: updated incrementally, and recomputed
    /// exactly from `cross` once the incremental updates outnumber its
    /// entries (so float drift stays at a few ulps; amortized O(1)).
    load: f64,
    /// Incremental load updates since the last exact recomputation.
    inexact: u32,
    /// Bytes carried up to `t_bytes`.
    bytes: f64,
    t_bytes: u64,
    /// Solver scratch: `mark == round` ⇒ `local` is this resource's index in
    /// the current subproblem (or in the fast path's touched list);
    /// `rs_mark == solve id` ⇒ it is re-levelled.
    mark: u32,
    local: u32,
    rs_mark: u32,
    /// Fast-path scratch: load change from the levels re-solved so far.
    dload: f64,
}

/// Classes at one rate, sharing one virtual clock: the classes bottlenecked
/// on one resource (its *level*), or capped at one value, or not solved yet.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// The resource whose level this is, or `NONE` (a cap, or idle).
    res: u32,
    /// Rate of every member of every class in the group, bits/s.
    level: f64,
    /// Group virtual time: bytes served to each member up to `t_clock`.
    vclock: f64,
    t_clock: u64,
    /// Min-heap of `(head member's finish in group virtual time, class)`
    /// over its classes with members.
    heap: Vec<(f64, u32)>,
    /// Completion instant of the head of `heap` (`u64::MAX`: none/never).
    next: u64,
    /// Position in the global heap, or `NONE`.
    gpos: u32,
    /// Entries: the resources its flows cross, with how many.
    foot: Vec<u32>,
    /// Lowest cap among its classes and how many have it (unknown while
    /// `min_cap_stale`).
    min_cap: f64,
    n_min_cap: u32,
    min_cap_stale: bool,
    /// Fast-path scratch: queued (`mark`) and solved (`done`) in a round,
    /// and the level solved.
    mark: u32,
    done: u32,
    new_level: f64,
}

/// How many flows of group `g` cross resource `r`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    g: u32,
    r: u32,
    count: u32,
    /// Positions in `groups[g].foot` and `res[r].cross`.
    gpos: u32,
    rpos: u32,
}

/// Flows sharing a path and a cap: they always have the same rate.
#[derive(Debug, Clone, Default)]
pub(crate) struct Class {
    path: Vec<u32>,
    /// `pos[i]`: index of this class in `resources[path[i]].classes`.
    pos: Vec<u32>,
    /// `ent[i]`: the entry of `(group, path[i])`.
    ent: Vec<u32>,
    /// Cap in bits/s (`INFINITY` if none) and as given.
    cap: f64,
    cap_bits: Option<u64>,
    live: bool,
    /// `BOTT_CAP`, a resource index, or `NONE` before the first solve.
    bott: u32,
    /// The group it belongs to (follows from `bott`).
    group: u32,
    /// Class virtual time (bytes served to each member) is the group's
    /// clock minus `offset`.
    offset: f64,
    /// Position in the group's class heap, or `NONE`.
    hpos: u32,
    /// Min-heap of `(finish in class virtual time, flow index)`.
    members: Vec<(f64, u32)>,
    /// Solver scratch (see `Resource`).
    mark: u32,
    local: u32,
    seed_mark: u32,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct FlowSlot {
    generation: u32,
    /// Class index, or `NONE` when the slot is free.
    class: u32,
    /// Position in the class's member heap.
    hpos: u32,
    size: u64,
}

/// Scratch buffers of the solver, kept across events so steady state does
/// not allocate.
#[derive(Debug, Default)]
struct Scratch {
    /// Resources to re-level (`R`) and seeded classes.
    rs: Vec<u32>,
    seed_cls: Vec<u32>,
    /// Subproblem: local resources and classes.
    lres: Vec<u32>,
    resid: Vec<f64>,
    unfrozen: Vec<u64>,
    lcls: Vec<u32>,
    /// Rate of each local class before the solve, and after.
    old_rate: Vec<f64>,
    rate: Vec<f64>,
    bott: Vec<u32>,
    frozen: Vec<bool>,
    /// CSR adjacency: free classes (local) per local resource.
    start: Vec<u32>,
    cursor: Vec<u32>,
    adj: Vec<u32>,
    heap: std::collections::BinaryHeap<solve::FillEv>,
    /// `(cap, local class)` of the capped free classes, sorted.
    caps: Vec<(f64, u32)>,
    /// `(group, level)` set by a solve.
    levels: Vec<(u32, f64)>,
    /// Fast path: groups whose level changes, resources whose load does
    /// (with the new load).
    changed: Vec<u32>,
    touched: Vec<u32>,
    new_load: Vec<f64>,
    /// Classes to empty in `cut_all_on`.
    doomed: Vec<u32>,
}

/// The max-min fair allocator. See the module docs.
#[derive(Debug)]
pub struct Allocator {
    res: Vec<Resource>,
    cls: Vec<Class>,
    groups: Vec<Group>,
    ents: Vec<Entry>,
    flows: Vec<FlowSlot>,
    free_cls: Vec<u32>,
    free_flows: Vec<u32>,
    free_ents: Vec<u32>,
    /// `(group << 32 | resource)` → entry, for the resources crossed by
    /// many groups; looked up, never iterated.
    ent_of: FxHashMap<u64, u32>,
    /// Cap (bits/s) → its group; looked up, never iterated.
    cap_group: FxHashMap<u64, u32>,
    /// Global heap of `(next completion ns, group)`.
    gheap: Vec<(u64, u32)>,
    /// Completions processed but not yet popped, in time order.
    pending: Vec<Completion>,
    active: usize,
    now: u64,
    round: u32,
    solve_id: u32,
    s: Scratch,
}

impl Default for Allocator {
    fn default() -> Self {
        Self::new()
    }
}

/// Bytes moved at `rate_bps` bits/s during `dt_ns` nanoseconds.
#[inline]
fn bytes_in(rate_bps: f64, dt_ns: u64) -> f64 {
    rate_bps * dt_ns as f64 / 8e9
}

/// Whole nanoseconds needed to move `bytes` at `rate_bps`, rounded up
/// (`u64::MAX` when the rate is zero).
#[inline]
fn ns_to_move(bytes: f64, rate_bps: f64) -> u64 {
    if rate_bps <= 0.0 {
        return u64::MAX;
    }
    let ns = (bytes.max(0.0) * 8e9 / rate_bps).ceil();
    if ns >= 1.8e19 {
        u64::MAX
    } else {
        ns as u64
    }
}

impl Allocator {
    /// An empty allocator.
    pub fn new() -> Self {
        let mut a = Allocator {
            res: Vec::new(),
            cls: Vec::new(),
            groups: Vec::new(),
            ents: Vec::new(),
            flows: Vec::new(),
            free_cls: Vec::new(),
            free_flows: Vec::new(),
            free_ents: Vec::new(),
            ent_of: FxHashMap::default(),
            cap_group: FxHashMap::default(),
            gheap: Vec::new(),
            pending: Vec::new(),
            active: 0,
            now: 0,
            round: 1,
            solve_id: 1,
            s: Scratch::default(),
        };
        let idle = a.new_group(NONE, 0.0);
        debug_assert_eq!(idle, IDLE);
        a
    }

    // -----------------------------------------------------------------------
    // Resources
    // -----------------------------------------------------------------------

    /// Adds a resource with the given capacity.
    pub fn add_resource(&mut self, capacity: Bandwidth) -> ResourceId {
        let id = ResourceId(self.res.len() as u32);
        let group = self.new_group(id.0, 0.0);
        self.res.push(Resource {
            cap: capacity.0 as f64,
            classes: Vec::new(),
            group,
            n_bott: 0,
            cross: Vec::new(),
            indexed: false,
            load: 0.0,
            inexact: 0,
            bytes: 0.0,
            t_bytes: self.now,
            mark: 0,
            local: 0,
            rs_mark: 0,
            dload: 0.0,
        });
        id
    }

    /// Number of resources created.
    pub fn num_resources(&self) -> usize {
        self.res.len()
    }

    /// Changes a resource's capacity at `now` (scaling, failure to 0,
    /// recovery) and reallocates what that changes.
    pub fn set_capacity(
        &mut self,
        now: SimTime,
        r: ResourceId,
        capacity: Bandwidth,
    ) -> Result<(), AllocError> {
        self.check_resource(r)?;
        self.advance(now)?;
        let t = now.0;
        let ri = r.0 as usize;
        let new = capacity.0 as f64;
        let res = &mut self.res[ri];
        res.bytes += bytes_in(res.load, t.saturating_sub(res.t_bytes));
        res.t_bytes = t;
        let old = res.cap;
        res.cap = new;
        if res.classes.is_empty() || new == old {
            return Ok(());
        }
        // Nobody is limited here: more capacity changes nothing, and less
        // changes nothing while the current load still fits with room.
        if res.n_bott == 0 && (new > old || res.load <= new * (1.0 - SATURATION_TOLERANCE)) {
            return Ok(());
        }
        self.seed_res(r.0);
        self.solve(t);
        Ok(())
    }

    /// A resource's capacity.
    pub fn capacity(&self, r: ResourceId) -> Bandwidth {
        Bandwidth(self.res[r.0 as usize].cap as u64)
    }

    /// Bits/s currently allocated on `r`.
    ///
    /// Panics if `r` was not created by this allocator.
    pub fn resource_load(&self, r: ResourceId) -> f64 {
        self.res[r.0 as usize].load
    }

    /// Bytes carried by `r` from the start up to `now`, integrated from its
    /// load (for throughput sampling). Valid for `now` up to
    /// [`next_completion`](Self::next_completion).
    ///
    /// Panics if `r` was not created by this allocator.
    pub fn resource_bytes(&self, now: SimTime, r: ResourceId) -> f64 {
        let res = &self.res[r.0 as usize];
        res.bytes + bytes_in(res.load, now.0.saturating_sub(res.t_bytes))
    }

    /// The active flows crossing `r`, in a deterministic order.
    ///
    /// Panics if `r` was not created by this allocator.
    pub fn flows_on(&self, r: ResourceId) -> impl Iterator<Item = FlowId> + '_ {
        self.res[r.0 as usize].classes.iter().flat_map(move |&c| {
            self.cls[c as usize]
                .members
                .iter()
                .map(move |&(_, f)| FlowId {
                    index: f,
                    generation: self.flows[f as usize].generation,
                })
        })
    }

    // -----------------------------------------------------------------------
    // Flows
    // -----------------------------------------------------------------------

    /// Starts a flow of `size` bytes over `path`, limited to `cap` if given.
    pub fn start_flow(
        &mut self,
        now: SimTime,
        path: &[ResourceId],
        cap: Option<Bandwidth>,
        size: Bytes,
    ) -> Result<FlowId, AllocError> {
        self.check_path(path)?;
        self.advance(now)?;
        let id = self.add_flow(now.0, path, cap, size);
        self.solve(now.0);
        Ok(id)
    }

    /// Starts several flows at the same instant with a single reallocation
    /// (e.g. a burst of connections), appending their ids to `ids` in order.
    /// Either all start or, if a path is invalid, none does.
    pub fn start_flows(
        &mut self,
        now: SimTime,
        flows: &[FlowSpec<'_>],
        ids: &mut Vec<FlowId>,
    ) -> Result<(), AllocError> {
        for f in flows {
            self.check_path(f.path)?;
        }
        self.advance(now)?;
        for f in flows {
            let id = self.add_flow(now.0, f.path, f.cap, f.size);
            ids.push(id);
        }
        self.solve(now.0);
        Ok(())
    }

    /// Adds a member (the path is valid, completions up to `t` processed)
    /// and seeds the change; the caller solves.
    fn add_flow(
        &mut self,
        t: u64,
        path: &[ResourceId],
        cap: Option<Bandwidth>,
        size: Bytes,
    ) -> FlowId {
        let c = self.find_or_create_class(path, cap, t);

        // Take a flow slot.
        let fidx = match self.free_flows.pop() {
            Some(i) => i,
            None => {
                self.flows.push(FlowSlot {
                    generation: 0,
                    class: NONE,
                    hpos: NONE,
                    size: 0,
                });
                (self.flows.len() - 1) as u32
            }
        };
        let slot = &mut self.flows[fidx as usize];
        slot.class = c;
        slot.size = size.0;
        let id = FlowId {
            index: fidx,
            generation: slot.generation,
        };
        self.active += 1;

        let mut v = self.class_vclock(c, t);
        if v > REBASE_AT {
            self.rebase_class(c, t);
            v = 0.0;
        }
        let cl = &mut self.cls[c as usize];
        heap::push(
            &mut cl.members,
            &mut self.flows[..],
            (v + size.0 as f64, fidx),
        );
        self.class_changed_head(c);
        self.count_member(c, true);
        self.shift_load(c, 1.0, t);

        self.seed_class_change(c);
        id
    }

    /// Stops an active flow at `now` and returns the bytes it delivered
    /// (`floor`, never more than its size). Completions due at or before
    /// `now` are processed first: a flow that finished by then is no longer
    /// active and gives [`AllocError::UnknownFlow`]; it is reported by
    /// [`pop_completed`](Self::pop_completed).
    pub fn cut_flow(&mut self, now: SimTime, f: FlowId) -> Result<Bytes, AllocError> {
        self.advance(now)?;
        let t = now.0;
        let c = self.class_of(f).ok_or(AllocError::UnknownFlow(f))?;
        let delivered = self.delivered_raw(t, f.index);
        self.remove_member(c, f.index, t);
        self.solve(t);
        Ok(delivered)
    }

    /// Cuts every flow crossing `r` (e.g. when it fails), appending each
    /// with its delivered bytes to `out`; one reallocation for all of them.
    pub fn cut_all_on(
        &mut self,
        now: SimTime,
        r: ResourceId,
        out: &mut Vec<(FlowId, Bytes)>,
    ) -> Result<(), AllocError> {
        self.check_resource(r)?;
        self.advance(now)?;
        let t = now.0;
        let mut doomed = std::mem::take(&mut self.s.doomed);
        doomed.clear();
        doomed.extend_from_slice(&self.res[r.0 as usize].classes);
        for &c in &doomed {
            while let Some(&(_, fi)) = self.cls[c as usize].members.last() {
                let id = FlowId {
                    index: fi,
                    generation: self.flows[fi as usize].generation,
                };
                out.push((id, self.delivered_raw(t, fi)));
                self.remove_member(c, fi, t);
            }
        }
        self.s.doomed = doomed;
        self.solve(t);
        Ok(())
    }

    /// The earliest instant at which an active flow completes (or a
    /// completion already processed and not yet popped), if any.
    pub fn next_completion(&self) -> Option<SimTime> {
        if let Some(p) = self.pending.first() {
            return Some(p.at);
        }
        self.gheap.first().map(|&(t, _)| SimTime(t))
    }

    /// Processes every completion due at or before `now`, each at its own
    /// instant, reallocating after each instant, and appends them (with the
    /// ones processed earlier by a mutating call) to `out` in time order.
    pub fn pop_completed(&mut self, now: SimTime, out: &mut Vec<Completion>) {
        if now.0 >= self.now {
            self.process_due(now.0);
            self.now = now.0;
        }
        out.append(&mut self.pending);
    }

    /// The rate of an active flow, bits/s.
    pub fn rate(&self, f: FlowId) -> Option<f64> {
        self.class_of(f).map(|c| self.class_rate(c))
    }

    /// What limits an active flow (`None` for an unknown flow).
    pub fn bottleneck(&self, f: FlowId) -> Option<Bottleneck> {
        let c = self.class_of(f)?;
        let b = self.cls[c as usize].bott;
        Some(if b == BOTT_CAP {
            Bottleneck::Cap
        } else {
            Bottleneck::Resource(ResourceId(b))
        })
    }

    /// Bytes an active flow has delivered by `now` (`floor`, ≤ its size).
    /// Valid for `now` up to [`next_completion`](Self::next_completion).
    pub fn delivered(&self, now: SimTime, f: FlowId) -> Option<Bytes> {
        self.class_of(f)?;
        Some(self.delivered_raw(now.0, f.index))
    }

    /// An active flow's size.
    pub fn size(&self, f: FlowId) -> Option<Bytes> {
        self.class_of(f)
            .map(|_| Bytes(self.flows[f.index as usize].size))
    }

    /// Number of active flows.
    pub fn active_flows(&self) -> usize {
        self.active
    }

    /// Number of classes (distinct `(path, cap)` among active flows).
    pub fn active_classes(&self) -> usize {
        self.cls.len() - self.free_cls.len()
    }

    // -----------------------------------------------------------------------
    // Internals
    // -----------------------------------------------------------------------

    fn check_resource(&self, r: ResourceId) -> Result<(), AllocError> {
        if (r.0 as usize) < self.res.len() {
            Ok(())
        } else {
            Err(AllocError::UnknownResource(r))
        }
    }

    fn check_path(&self, path: &[ResourceId]) -> Result<(), AllocError> {
        if path.is_empty() {
            return Err(AllocError::EmptyPath);
        }
        for (i, &r) in path.iter().enumerate() {
            self.check_resource(r)?;
            if path[..i].contains(&r) {
                return Err(AllocError::RepeatedResource(r));
            }
        }
        Ok(())
    }

    /// Checks `now` and processes the completions due at or before it.
    fn advance(&mut self, now: SimTime) -> Result<(), AllocError> {
        if now.0 < self.now {
            return Err(AllocError::TimeWentBackwards {
                now,
                last: SimTime(self.now),
            });
        }
        self.process_due(now.0);
        self.now = now.0;
        Ok(())
    }

    fn class_of(&self, f: FlowId) -> Option<u32> {
        let slot = self.flows.get(f.index as usize)?;
        (slot.generation == f.generation && slot.class != NONE).then_some(slot.class)
    }

    /// The rate of each member of class `c`.
    #[inline]
    fn class_rate(&self, c: u32) -> f64 {
        self.groups[self.cls[c as usize].group as usize].level
    }

    fn delivered_raw(&self, t: u64, fi: u32) -> Bytes {
        let slot = &self.flows[fi as usize];
        let cl = &self.cls[slot.class as usize];
        let finish = cl.members[slot.hpos as usize].0;
        let remaining = finish - self.class_vclock(slot.class, t);
        let size = slot.size as f64;
        let done = (size - remaining).clamp(0.0, size).floor();
        Bytes((done as u64).min(slot.size))
    }

    fn find_or_create_class(&mut self, path: &[ResourceId], cap: Option<Bandwidth>, t: u64) -> u32 {
        let cap_bits = cap.map(|b| b.0);
        // Search the resource with the fewest classes.
        let mut best = path[0].0 as usize;
        for r in path {
            if self.res[r.0 as usize].classes.len() < self.res[best].classes.len() {
                best = r.0 as usize;
            }
        }
        for &c in &self.res[best].classes {
            let cl = &self.cls[c as usize];
            if cl.cap_bits == cap_bits
                && cl.path.len() == path.len()
                && cl.path.iter().zip(path).all(|(a, b)| *a == b.0)
            {
                return c;
            }
        }
        let c = match self.free_cls.pop() {
            Some(c) => c,
            None => {
                self.cls.push(Class::default());
                (self.cls.len() - 1) as u32
            }
        };
        let cl = &mut self.cls[c as usize];
        cl.path.clear();
        cl.path.extend(path.iter().map(|r| r.0));
        cl.pos.clear();
        cl.ent.clear();
        cl.cap = cap_bits.map_or(f64::INFINITY, |b| b as f64);
        cl.cap_bits = cap_bits;
        cl.live = true;
        cl.bott = NONE;
        cl.group = NONE;
        cl.offset = 0.0;
        cl.hpos = NONE;
        cl.members.clear();
        for r in path {
            let list = &mut self.res[r.0 as usize].classes;
            cl.pos.push(list.len() as u32);
            list.push(c);
        }
        self.join_group(c, IDLE, t, 0.0);
        c
    }

    /// Seeds class `c` (its membership changed) and the resources on its
    /// path where another class is bottlenecked.
    fn seed_class_change(&mut self, c: u32) {
        let sid = self.solve_id;
        let cl = &mut self.cls[c as usize];
        if cl.seed_mark != sid {
            cl.seed_mark = sid;
            self.s.seed_cls.push(c);
        }
        let cl = &self.cls[c as usize];
        for &r in &cl.path {
            let res = &mut self.res[r as usize];
            let others = res.n_bott - u32::from(cl.bott == r);
            if others > 0 && res.rs_mark != sid {
                res.rs_mark = sid;
                self.s.rs.push(r);
            }
        }
    }

    fn seed_res(&mut self, r: u32) {
        let res = &mut self.res[r as usize];
        if res.rs_mark != self.solve_id {
            res.rs_mark = self.solve_id;
            self.s.rs.push(r);
        }
    }

    /// Removes flow `fi` from class `c` at `t`, frees its slot, and seeds
    /// the change (deleting the class when it empties).
    fn remove_member(&mut self, c: u32, fi: u32, t: u64) {
        let hpos = self.flows[fi as usize].hpos;
        let cl = &mut self.cls[c as usize];
        heap::remove(&mut cl.members, &mut self.flows[..], hpos);
        self.count_member(c, false);
        self.shift_load(c, -1.0, t);
        let slot = &mut self.flows[fi as usize];
        slot.class = NONE;
        slot.generation = slot.generation.wrapping_add(1);
        self.free_flows.push(fi);
        self.active -= 1;
        self.class_changed_head(c);
        if self.cls[c as usize].members.is_empty() {
            self.delete_class(c, t);
        } else {
            self.seed_class_change(c);
        }
    }

    /// Adds `members` (±1) members' worth of class `c`'s current rate to
    /// the load of its resources at `t`, settling their byte counters first.
    fn shift_load(&mut self, c: u32, members: f64, t: u64) {
        let rate = self.class_rate(c);
        if rate == 0.0 {
            return;
        }
        let Allocator {
            res,
            cls,
            groups,
            ents,
            ..
        } = self;
        for &r in &cls[c as usize].path {
            let rr = &mut res[r as usize];
            rr.bytes += bytes_in(rr.load, t.saturating_sub(rr.t_bytes));
            rr.t_bytes = t;
            rr.load += members * rate;
            rr.inexact += 1;
            if rr.inexact as usize > rr.cross.len() {
                rr.load = group::exact_load(rr, ents, groups);
                rr.inexact = 0;
            }
        }
    }

    /// Deletes an empty class (its load is already gone); the resources
    /// where some class is bottlenecked are re-levelled.
    fn delete_class(&mut self, c: u32, t: u64) {
        let ci = c as usize;
        self.leave_group(c, t);
        let path = std::mem::take(&mut self.cls[ci].path);
        for (i, &r) in path.iter().enumerate() {
            let p = self.cls[ci].pos[i] as usize;
            let list = &mut self.res[r as usize].classes;
            list.swap_remove(p);
            if p < list.len() {
                let moved = list[p] as usize;
                let mc = &mut self.cls[moved];
                if let Some(j) = mc.path.iter().position(|&x| x == r) {
                    mc.pos[j] = p as u32;
                }
            }
            let list = &self.res[r as usize].classes;
            if list.is_empty() {
                let rr = &mut self.res[r as usize];
                rr.load = 0.0;
                rr.inexact = 0;
            }
            if self.res[r as usize].n_bott > 0 {
                self.seed_res(r);
            }
        }
        let cl = &mut self.cls[ci];
        cl.path = path;
        cl.live = false;
        cl.bott = NONE;
        cl.group = NONE;
        self.free_cls.push(c);
    }

    /// Completes, in time order, every member due at or before `limit`,
    /// reallocating once per instant.
    fn process_due(&mut self, limit: u64) {
        while let Some(&(t, _)) = self.gheap.first() {
            if t > limit {
                break;
            }
            while let Some(&(t2, g)) = self.gheap.first() {
                if t2 != t {
                    break;
                }
                // A group in the completion heap has a class with a member:
                // `next` is `u64::MAX` (not in the heap) otherwise.
                let Some(&(_, c)) = self.groups[g as usize].heap.first() else {
                    unreachable!("group {g} in the completion heap has no class");
                };
                let Some(&(_, fi)) = self.cls[c as usize].members.first() else {
                    unreachable!("class {c} in a group heap has no member");
                };
                let slot = self.flows[fi as usize];
                self.pending.push(Completion {
                    flow: FlowId {
                        index: fi,
                        generation: slot.generation,
                    },
                    at: SimTime(t),
                    bytes: Bytes(slot.size),
                });
                self.remove_member(c, fi, t);
            }
            self.now = self.now.max(t);
            self.solve(t);
        }
    }
}
