//! Two indexed binary min-heaps, each storing its entries' positions in the
//! owning records so that an entry can be re-keyed or removed in O(log n):
//!
//! * the **global heap** of classes keyed by `(next completion ns, class)`,
//!   position kept in [`Class::gpos`](super::Class);
//! * a class's **member heap** keyed by `(finish virtual time, flow index)`,
//!   position kept in [`FlowSlot::hpos`](super::FlowSlot).
//!
//! Ties are broken by the index, so the order never depends on insertion
//! history beyond the indices themselves (determinism).

use std::cmp::Ordering;

use super::{Class, FlowSlot, NONE};

// ---------------------------------------------------------------------------
// Global heap of classes
// ---------------------------------------------------------------------------

#[inline]
fn g_sift_up(heap: &mut [(u64, u32)], cls: &mut [Class], mut i: usize) {
    while i > 0 {
        let p = (i - 1) / 2;
        if heap[i] < heap[p] {
            heap.swap(i, p);
            cls[heap[i].1 as usize].gpos = i as u32;
            cls[heap[p].1 as usize].gpos = p as u32;
            i = p;
        } else {
            break;
        }
    }
}

#[inline]
fn g_sift_down(heap: &mut [(u64, u32)], cls: &mut [Class], mut i: usize) {
    let n = heap.len();
    loop {
        let l = 2 * i + 1;
        if l >= n {
            break;
        }
        let r = l + 1;
        let m = if r < n && heap[r] < heap[l] { r } else { l };
        if heap[m] < heap[i] {
            heap.swap(i, m);
            cls[heap[i].1 as usize].gpos = i as u32;
            cls[heap[m].1 as usize].gpos = m as u32;
            i = m;
        } else {
            break;
        }
    }
}

/// Removes the entry at `pos`.
pub(super) fn g_remove(heap: &mut Vec<(u64, u32)>, cls: &mut [Class], pos: u32) {
    let pos = pos as usize;
    let removed = heap.swap_remove(pos);
    cls[removed.1 as usize].gpos = NONE;
    if pos < heap.len() {
        cls[heap[pos].1 as usize].gpos = pos as u32;
        g_sift_up(heap, cls, pos);
        g_sift_down(heap, cls, pos);
    }
}

/// Puts class `c` at its current key `cls[c].next`: inserts, re-keys, or
/// removes it when it has no completion (`u64::MAX`).
pub(super) fn g_fix(heap: &mut Vec<(u64, u32)>, cls: &mut [Class], c: u32) {
    let key = cls[c as usize].next;
    let pos = cls[c as usize].gpos;
    if key == u64::MAX {
        if pos != NONE {
            g_remove(heap, cls, pos);
        }
        return;
    }
    if pos == NONE {
        heap.push((key, c));
        let i = heap.len() - 1;
        cls[c as usize].gpos = i as u32;
        g_sift_up(heap, cls, i);
    } else {
        let i = pos as usize;
        heap[i].0 = key;
        g_sift_up(heap, cls, i);
        let i = cls[c as usize].gpos as usize;
        g_sift_down(heap, cls, i);
    }
}

// ---------------------------------------------------------------------------
// Member heap of a class
// ---------------------------------------------------------------------------

#[inline]
fn m_less(a: (f64, u32), b: (f64, u32)) -> bool {
    match a.0.total_cmp(&b.0) {
        Ordering::Less => true,
        Ordering::Greater => false,
        Ordering::Equal => a.1 < b.1,
    }
}

#[inline]
fn m_sift_up(heap: &mut [(f64, u32)], flows: &mut [FlowSlot], mut i: usize) {
    while i > 0 {
        let p = (i - 1) / 2;
        if m_less(heap[i], heap[p]) {
            heap.swap(i, p);
            flows[heap[i].1 as usize].hpos = i as u32;
            flows[heap[p].1 as usize].hpos = p as u32;
            i = p;
        } else {
            break;
        }
    }
}

#[inline]
fn m_sift_down(heap: &mut [(f64, u32)], flows: &mut [FlowSlot], mut i: usize) {
    let n = heap.len();
    loop {
        let l = 2 * i + 1;
        if l >= n {
            break;
        }
        let r = l + 1;
        let m = if r < n && m_less(heap[r], heap[l]) {
            r
        } else {
            l
        };
        if m_less(heap[m], heap[i]) {
            heap.swap(i, m);
            flows[heap[i].1 as usize].hpos = i as u32;
            flows[heap[m].1 as usize].hpos = m as u32;
            i = m;
        } else {
            break;
        }
    }
}

/// Inserts flow `f` with finish virtual time `finish`.
pub(super) fn m_push(heap: &mut Vec<(f64, u32)>, flows: &mut [FlowSlot], finish: f64, f: u32) {
    heap.push((finish, f));
    let i = heap.len() - 1;
    flows[f as usize].hpos = i as u32;
    m_sift_up(heap, flows, i);
}

/// Removes the entry at `pos` and returns it.
pub(super) fn m_remove(heap: &mut Vec<(f64, u32)>, flows: &mut [FlowSlot], pos: u32) -> (f64, u32) {
    let pos = pos as usize;
    let removed = heap.swap_remove(pos);
    flows[removed.1 as usize].hpos = NONE;
    if pos < heap.len() {
        let moved = heap[pos].1 as usize;
        flows[moved].hpos = pos as u32;
        m_sift_up(heap, flows, pos);
        let at = flows[moved].hpos as usize;
        m_sift_down(heap, flows, at);
    }
    removed
}
