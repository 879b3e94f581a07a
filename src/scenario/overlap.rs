//! CIDR overlap and containment in near-linear time, for validation.
//!
//! Two CIDR blocks either are disjoint or one contains the other. Sorted
//! by first address (the larger block first on a tie), a block overlaps an
//! earlier one exactly when it starts before the furthest end seen so far:
//! one sort and one sweep find, for every block that overlaps another, one
//! block it overlaps. Containment of a block in a set of blocks is a lookup
//! of its network truncated to each prefix length of the set.
//!
//! Owns: these two queries. Must not: decide what an overlap means (the
//! validator words the problems).

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;

use super::schema::Cidr;

/// Address family (4 or 6) and the first and last address, as `u128`.
fn range(c: &Cidr) -> (u8, u128, u128) {
    match c.0 {
        IpNet::V4(n) => (
            4,
            u128::from(u32::from(n.network())),
            u128::from(u32::from(n.broadcast())),
        ),
        IpNet::V6(n) => (6, u128::from(n.network()), u128::from(n.broadcast())),
    }
}

/// Pairs `(i, j)` with `i < j` (positions in `blocks`) such that block `j`
/// overlaps block `i`; every block that overlaps any other appears in at
/// least one pair, and there are fewer pairs than blocks.
pub fn overlapping(blocks: &[Cidr]) -> Vec<(usize, usize)> {
    let mut order: Vec<(u8, u128, std::cmp::Reverse<u128>, usize)> = blocks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (f, first, last) = range(c);
            (f, first, std::cmp::Reverse(last), i)
        })
        .collect();
    order.sort_unstable();
    let mut pairs = Vec::new();
    // The block reaching furthest so far in the current family.
    let mut reach: Option<(u8, u128, usize)> = None;
    for (family, first, std::cmp::Reverse(last), i) in order {
        match reach {
            Some((f, end, k)) if f == family && first <= end => {
                pairs.push((k.min(i), k.max(i)));
                if last > end {
                    reach = Some((family, last, i));
                }
            }
            _ => reach = Some((family, last, i)),
        }
    }
    pairs.sort_unstable();
    pairs
}

/// A set of blocks that answers "is this block inside one of them?".
pub struct Containers {
    /// Per (family, prefix length): the networks of that length.
    by_prefix: BTreeMap<(u8, u8), BTreeSet<u128>>,
}

/// The network of `c` truncated to `prefix` bits, as `u128`.
fn truncated(c: &Cidr, prefix: u8) -> Option<u128> {
    match c.0 {
        IpNet::V4(n) => {
            let t = ipnet::Ipv4Net::new(n.network(), prefix).ok()?.trunc();
            Some(u128::from(u32::from(t.network())))
        }
        IpNet::V6(n) => {
            let t = ipnet::Ipv6Net::new(n.network(), prefix).ok()?.trunc();
            Some(u128::from(t.network()))
        }
    }
}

impl Containers {
    pub fn new(blocks: &[Cidr]) -> Containers {
        let mut by_prefix: BTreeMap<(u8, u8), BTreeSet<u128>> = BTreeMap::new();
        for b in blocks {
            let (family, first, _) = range(b);
            by_prefix
                .entry((family, b.0.prefix_len()))
                .or_default()
                .insert(first);
        }
        Containers { by_prefix }
    }

    /// Whether `c` lies entirely inside one of the blocks.
    pub fn contain(&self, c: &Cidr) -> bool {
        let (family, _, _) = range(c);
        self.by_prefix
            .iter()
            .filter(|((f, p), _)| *f == family && *p <= c.0.prefix_len())
            .any(|((_, p), nets)| truncated(c, *p).is_some_and(|t| nets.contains(&t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter()
            .map(|s| Cidr(s.parse().expect("cidr")))
            .collect()
    }

    /// The quadratic definition the sweep must agree with.
    fn brute(blocks: &[Cidr]) -> BTreeSet<usize> {
        let mut v = BTreeSet::new();
        for i in 0..blocks.len() {
            for j in 0..blocks.len() {
                if i != j && blocks[i].overlaps(&blocks[j]) {
                    v.insert(i);
                }
            }
        }
        v
    }

    #[test]
    fn the_sweep_finds_every_overlapping_block() {
        let b = cidrs(&[
            "10.0.0.0/16",
            "10.1.0.0/16",
            "10.0.5.0/24",
            "2600:1f18::/56",
            "10.0.0.0/16",
            "10.2.0.0/24",
            "2600:1f18:0:1::/64",
            "10.0.0.0/8",
            "192.168.0.0/28",
        ]);
        let pairs = overlapping(&b);
        assert!(pairs.len() < b.len());
        assert!(pairs.iter().all(|(i, j)| i < j && b[*i].overlaps(&b[*j])));
        let found: BTreeSet<usize> = pairs.iter().flat_map(|(i, j)| [*i, *j]).collect();
        assert_eq!(found, brute(&b));
        // 192.168.0.0/28 overlaps nothing, and IPv4 never overlaps IPv6.
        assert!(!found.contains(&8));
    }

    #[test]
    fn containment_looks_at_every_prefix_length() {
        let c = Containers::new(&cidrs(&["10.0.0.0/16", "10.9.8.0/24", "2600:1f18::/56"]));
        for inside in [
            "10.0.1.0/24",
            "10.0.0.0/16",
            "10.9.8.128/25",
            "2600:1f18:0:5::/64",
        ] {
            assert!(c.contain(&cidrs(&[inside])[0]), "{inside}");
        }
        for outside in [
            "10.1.0.0/24",
            "10.0.0.0/15",
            "10.9.9.0/24",
            "2600:1f19::/64",
        ] {
            assert!(!c.contain(&cidrs(&[outside])[0]), "{outside}");
        }
    }
}
