//! Indexed binary min-heaps: each entry's position is stored in the record
//! it refers to, so that an entry can be re-keyed or removed in O(log n).
//! Three are used:
//!
//! * the **global heap** of groups keyed by `(next completion ns, group)`,
//!   position kept in [`Group::gpos`](super::Group);
//! * a group's **class heap** keyed by `(head finish in group virtual time,
//!   class)`, position kept in [`Class::hpos`](super::Class);
//! * a class's **member heap** keyed by `(finish in class virtual time,
//!   flow index)`, position kept in [`FlowSlot::hpos`](super::FlowSlot).
//!
//! Ties are broken by the index, so the order never depends on insertion
//! history beyond the indices themselves (determinism).

use std::cmp::Ordering;

use super::{Class, FlowSlot, Group, NONE};

/// A heap key: ordered, and naming the record it belongs to.
pub(super) trait Key: Copy {
    fn less(self, other: Self) -> bool;
    fn item(self) -> u32;
}

impl Key for (u64, u32) {
    #[inline]
    fn less(self, other: Self) -> bool {
        self < other
    }
    #[inline]
    fn item(self) -> u32 {
        self.1
    }
}

impl Key for (f64, u32) {
    #[inline]
    fn less(self, other: Self) -> bool {
        match self.0.total_cmp(&other.0) {
            Ordering::Less => true,
            Ordering::Greater => false,
            Ordering::Equal => self.1 < other.1,
        }
    }
    #[inline]
    fn item(self) -> u32 {
        self.1
    }
}

/// The records that remember their position in a heap.
pub(super) trait Slots {
    fn set_pos(&mut self, item: u32, pos: u32);
    fn pos(&self, item: u32) -> u32;
}

impl Slots for [FlowSlot] {
    #[inline]
    fn set_pos(&mut self, item: u32, pos: u32) {
        self[item as usize].hpos = pos;
    }
    #[inline]
    fn pos(&self, item: u32) -> u32 {
        self[item as usize].hpos
    }
}

impl Slots for [Class] {
    #[inline]
    fn set_pos(&mut self, item: u32, pos: u32) {
        self[item as usize].hpos = pos;
    }
    #[inline]
    fn pos(&self, item: u32) -> u32 {
        self[item as usize].hpos
    }
}

impl Slots for [Group] {
    #[inline]
    fn set_pos(&mut self, item: u32, pos: u32) {
        self[item as usize].gpos = pos;
    }
    #[inline]
    fn pos(&self, item: u32) -> u32 {
        self[item as usize].gpos
    }
}

#[inline]
fn sift_up<K: Key, S: Slots + ?Sized>(heap: &mut [K], s: &mut S, mut i: usize) {
    let k = heap[i];
    while i > 0 {
        let p = (i - 1) / 2;
        if k.less(heap[p]) {
            heap[i] = heap[p];
            s.set_pos(heap[i].item(), i as u32);
            i = p;
        } else {
            break;
        }
    }
    heap[i] = k;
    s.set_pos(k.item(), i as u32);
}

#[inline]
fn sift_down<K: Key, S: Slots + ?Sized>(heap: &mut [K], s: &mut S, mut i: usize) {
    let n = heap.len();
    let k = heap[i];
    loop {
        let l = 2 * i + 1;
        if l >= n {
            break;
        }
        let r = l + 1;
        let m = if r < n && heap[r].less(heap[l]) { r } else { l };
        if heap[m].less(k) {
            heap[i] = heap[m];
            s.set_pos(heap[i].item(), i as u32);
            i = m;
        } else {
            break;
        }
    }
    heap[i] = k;
    s.set_pos(k.item(), i as u32);
}

/// Inserts `k` (its item must not be in the heap).
#[inline]
pub(super) fn push<K: Key, S: Slots + ?Sized>(heap: &mut Vec<K>, s: &mut S, k: K) {
    heap.push(k);
    let i = heap.len() - 1;
    sift_up(heap, s, i);
}

/// Removes the entry at `pos` and returns it.
#[inline]
pub(super) fn remove<K: Key, S: Slots + ?Sized>(heap: &mut Vec<K>, s: &mut S, pos: u32) -> K {
    let pos = pos as usize;
    let removed = heap.swap_remove(pos);
    s.set_pos(removed.item(), NONE);
    if pos < heap.len() {
        let moved = heap[pos].item();
        sift_up(heap, s, pos);
        let at = s.pos(moved) as usize;
        sift_down(heap, s, at);
    }
    removed
}

/// Replaces the entry at `pos` by `k` (same item) and restores the order.
#[inline]
pub(super) fn rekey<K: Key, S: Slots + ?Sized>(heap: &mut [K], s: &mut S, pos: u32, k: K) {
    let pos = pos as usize;
    let item = k.item();
    heap[pos] = k;
    sift_up(heap, s, pos);
    let at = s.pos(item) as usize;
    sift_down(heap, s, at);
}

/// Puts `item` in the heap at key `key`, re-keys it, or removes it when the
/// key is `None`, given its current position `pos` (`NONE` if absent).
#[inline]
pub(super) fn fix<K: Key, S: Slots + ?Sized>(
    heap: &mut Vec<K>,
    s: &mut S,
    pos: u32,
    key: Option<K>,
) {
    match (key, pos) {
        (None, NONE) => {}
        (None, p) => {
            remove(heap, s, p);
        }
        (Some(k), NONE) => push(heap, s, k),
        (Some(k), p) => rekey(heap, s, p, k),
    }
}

/// Restores the heap order after keys were changed in place (positions
/// are those of the current slots).
pub(super) fn heapify<K: Key, S: Slots + ?Sized>(heap: &mut [K], s: &mut S) {
    for i in (0..heap.len() / 2).rev() {
        sift_down(heap, s, i);
    }
}
