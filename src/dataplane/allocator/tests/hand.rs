//! Hand-solved max-min cases. Each test states its arithmetic; the asserted
//! numbers are that arithmetic, so a pass means the allocator agrees with a
//! solution worked out independently of any code.

use super::*;

const G: u64 = 1_000_000_000;
const GB: u64 = 1_000_000_000;

fn t(ns: u64) -> SimTime {
    SimTime(ns)
}

/// Asserts `a ≈ b` to 1e-9 relative (rates are floats).
fn close(a: f64, b: f64) {
    assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} is not {b}");
}

fn rate(a: &Allocator, f: FlowId) -> f64 {
    a.rate(f).unwrap_or(f64::NAN)
}

#[test]
fn single_bottleneck_shares_equally() {
    // 3 flows on one 9 Gbps link: 9 / 3 = 3 Gbps each.
    let mut a = Allocator::new();
    let l = a.add_resource(Bandwidth::gbps(9));
    let fs: Vec<_> = (0..3)
        .map(|_| a.start_flow(t(0), &[l], None, Bytes(GB)).unwrap())
        .collect();
    for &f in &fs {
        close(rate(&a, f), 3.0 * G as f64);
        assert_eq!(a.bottleneck(f), Some(Bottleneck::Resource(l)));
    }
    close(a.resource_load(l), 9.0 * G as f64);
    // Same path, no cap: one class.
    assert_eq!(a.active_classes(), 1);
}

#[test]
fn classic_two_bottlenecks() {
    // A = 10, B = 4; f1 on A+B, f2 on A, f3 on B.
    // B's share 4/2 = 2 < A's 10/2 = 5, so f1 = f3 = 2 (B saturated);
    // then A has 10 − 2 = 8 left for f2 alone: f2 = 8.
    let mut a = Allocator::new();
    let la = a.add_resource(Bandwidth::gbps(10));
    let lb = a.add_resource(Bandwidth::gbps(4));
    let f1 = a.start_flow(t(0), &[la, lb], None, Bytes(GB)).unwrap();
    let f2 = a.start_flow(t(0), &[la], None, Bytes(GB)).unwrap();
    let f3 = a.start_flow(t(0), &[lb], None, Bytes(GB)).unwrap();
    close(rate(&a, f1), 2e9);
    close(rate(&a, f2), 8e9);
    close(rate(&a, f3), 2e9);
    assert_eq!(a.bottleneck(f1), Some(Bottleneck::Resource(lb)));
    assert_eq!(a.bottleneck(f2), Some(Bottleneck::Resource(la)));
    // Order of arrival does not matter: start them the other way round.
    let mut b = Allocator::new();
    let la = b.add_resource(Bandwidth::gbps(10));
    let lb = b.add_resource(Bandwidth::gbps(4));
    let g3 = b.start_flow(t(0), &[lb], None, Bytes(GB)).unwrap();
    let g2 = b.start_flow(t(0), &[la], None, Bytes(GB)).unwrap();
    let g1 = b.start_flow(t(0), &[la, lb], None, Bytes(GB)).unwrap();
    close(rate(&b, g1), 2e9);
    close(rate(&b, g2), 8e9);
    close(rate(&b, g3), 2e9);
}

#[test]
fn a_cap_frees_capacity_for_others() {
    // 10 Gbps link; f1 capped at 1 Gbps, f2 and f3 uncapped.
    // Equal shares would be 3.33; f1 stops at its cap 1, leaving 9 for two:
    // f2 = f3 = 4.5.
    let mut a = Allocator::new();
    let l = a.add_resource(Bandwidth::gbps(10));
    let f1 = a
        .start_flow(t(0), &[l], Some(Bandwidth::gbps(1)), Bytes(GB))
        .unwrap();
    let f2 = a.start_flow(t(0), &[l], None, Bytes(GB)).unwrap();
    let f3 = a.start_flow(t(0), &[l], None, Bytes(GB)).unwrap();
    close(rate(&a, f1), 1e9);
    close(rate(&a, f2), 4.5e9);
    close(rate(&a, f3), 4.5e9);
    assert_eq!(a.bottleneck(f1), Some(Bottleneck::Cap));
}

#[test]
fn a_flow_crossing_three_resources() {
    // r1 = 10, r2 = 6, r3 = 9. f1 crosses r1, r2, r3; f2 on r2; f3 on r3; f4 on r1.
    // Shares: r2 6/2 = 3, r3 9/2 = 4.5, r1 10/2 = 5. Lowest is r2: f1 = f2 = 3.
    // Then r3 has 9 − 3 = 6 for f3, r1 has 10 − 3 = 7 for f4.
    let mut a = Allocator::new();
    let r1 = a.add_resource(Bandwidth::gbps(10));
    let r2 = a.add_resource(Bandwidth::gbps(6));
    let r3 = a.add_resource(Bandwidth::gbps(9));
    let f1 = a.start_flow(t(0), &[r1, r2, r3], None, Bytes(GB)).unwrap();
    let f2 = a.start_flow(t(0), &[r2], None, Bytes(GB)).unwrap();
    let f3 = a.start_flow(t(0), &[r3], None, Bytes(GB)).unwrap();
    let f4 = a.start_flow(t(0), &[r1], None, Bytes(GB)).unwrap();
    close(rate(&a, f1), 3e9);
    close(rate(&a, f2), 3e9);
    close(rate(&a, f3), 6e9);
    close(rate(&a, f4), 7e9);
}

#[test]
fn capacity_drops_to_zero_then_returns() {
    // 1 GB on an 8 Gbps link (1 GB/s). At 0.5 s it has moved 0.5 GB; the
    // link fails (0): rate 0, no completion. At 2 s it is back at 8 Gbps:
    // 0.5 GB left at 1 GB/s → completes at 2.5 s with exactly 1 GB.
    let mut a = Allocator::new();
    let l = a.add_resource(Bandwidth::gbps(8));
    let f = a.start_flow(t(0), &[l], None, Bytes(GB)).unwrap();
    assert_eq!(a.next_completion(), Some(t(1_000_000_000)));
    a.set_capacity(t(500_000_000), l, Bandwidth::ZERO).unwrap();
    assert_eq!(rate(&a, f), 0.0);
    assert_eq!(a.next_completion(), None);
    assert_eq!(a.delivered(t(1_500_000_000), f), Some(Bytes(GB / 2)));
    a.set_capacity(t(2_000_000_000), l, Bandwidth::gbps(8))
        .unwrap();
    assert_eq!(a.next_completion(), Some(t(2_500_000_000)));
    let mut out = Vec::new();
    a.pop_completed(t(2_500_000_000), &mut out);
    assert_eq!(
        out,
        vec![Completion {
            flow: f,
            at: t(2_500_000_000),
            bytes: Bytes(GB)
        }]
    );
    assert_eq!(a.active_flows(), 0);
    // The link carried 1 GB in all (integrated load).
    close(a.resource_bytes(t(3_000_000_000), l), GB as f64);
}

#[test]
fn completion_times_by_hand() {
    // 1 GB alone at 8 Gbps = 1 GB/s → would finish at 1 s. A second 1 GB
    // flow joins at 0.5 s: both at 4 Gbps = 0.5 GB/s. The first has 0.5 GB
    // left → 1 s more → done at 1.5 s. The second moved 0.5 GB by then and
    // has 0.5 GB left at 1 GB/s → 0.5 s → done at 2.0 s.
    let mut a = Allocator::new();
    let l = a.add_resource(Bandwidth::gbps(8));
    let f1 = a.start_flow(t(0), &[l], None, Bytes(GB)).unwrap();
    let f2 = a.start_flow(t(500_000_000), &[l], None, Bytes(GB)).unwrap();
    assert_eq!(a.next_completion(), Some(t(1_500_000_000)));
    let mut out = Vec::new();
    a.pop_completed(t(1_500_000_000), &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].flow, out[0].at, out[0].bytes),
        (f1, t(1_500_000_000), Bytes(GB))
    );
    assert_eq!(a.delivered(t(1_500_000_000), f2), Some(Bytes(GB / 2)));
    assert_eq!(a.next_completion(), Some(t(2_000_000_000)));
    out.clear();
    // Popping late still reports the exact instant.
    a.pop_completed(t(9_000_000_000), &mut out);
    assert_eq!((out[0].flow, out[0].at), (f2, t(2_000_000_000)));
}

#[test]
fn completion_rounds_up_to_the_next_nanosecond() {
    // 1000 bytes at 3 Gbps = 8000 bits / 3e9 = 2666.67 ns → 2667 ns: never
    // early; the flow is declared done only once all its bytes have moved.
    let mut a = Allocator::new();
    let l = a.add_resource(Bandwidth::gbps(3));
    a.start_flow(t(0), &[l], None, Bytes(1000)).unwrap();
    assert_eq!(a.next_completion(), Some(t(2667)));
}

#[test]
fn cut_returns_floor_of_bytes_moved() {
    // 1000 bytes at 8 bits/ns = 1 byte/ns: at 333 ns, 333 bytes moved.
    // A second flow then shares: 0.5 byte/ns each. Cut the first at 334 ns:
    // 333.5 bytes moved → 333 delivered (floor).
    let mut a = Allocator::new();
    let l = a.add_resource(Bandwidth::gbps(8));
    let f1 = a.start_flow(t(0), &[l], None, Bytes(1000)).unwrap();
    let f2 = a.start_flow(t(333), &[l], None, Bytes(1000)).unwrap();
    assert_eq!(a.cut_flow(t(334), f1), Ok(Bytes(333)));
    // The id is stale now.
    assert_eq!(a.cut_flow(t(334), f1), Err(AllocError::UnknownFlow(f1)));
    assert_eq!(a.rate(f1), None);
    close(rate(&a, f2), 8e9);
}

#[test]
fn arrival_with_headroom_changes_nothing_else() {
    // NIC 10, endpoint 100: f1 capped at 5 uses 5 of both. f2 on another NIC
    // capped at 5 through the same endpoint: 10 of 100, nobody else moves.
    let mut a = Allocator::new();
    let n1 = a.add_resource(Bandwidth::gbps(10));
    let n2 = a.add_resource(Bandwidth::gbps(10));
    let ep = a.add_resource(Bandwidth::gbps(100));
    let cap = Some(Bandwidth::gbps(5));
    let f1 = a.start_flow(t(0), &[n1, ep], cap, Bytes(GB)).unwrap();
    let before = a.next_completion();
    let f2 = a.start_flow(t(10), &[n2, ep], cap, Bytes(GB)).unwrap();
    close(rate(&a, f1), 5e9);
    close(rate(&a, f2), 5e9);
    assert_eq!(a.next_completion(), before);
    close(a.resource_load(ep), 10e9);
}

#[test]
fn freed_capacity_cascades() {
    // A = 10 shared by f1 (A only) and f2 (A+B); B = 2 shared by f2 and f3.
    // B: 2/2 = 1 → f2 = f3 = 1; A: f1 = 10 − 1 = 9. Cut f3: B has 2 for f2,
    // A's share 10/2 = 5 > 2, so f2 = 2 (B) and f1 = 8. Then raise B to 20:
    // A saturates first at 5: f1 = f2 = 5.
    let mut a = Allocator::new();
    let la = a.add_resource(Bandwidth::gbps(10));
    let lb = a.add_resource(Bandwidth::gbps(2));
    let f1 = a.start_flow(t(0), &[la], None, Bytes(GB)).unwrap();
    let f2 = a.start_flow(t(0), &[la, lb], None, Bytes(GB)).unwrap();
    let f3 = a.start_flow(t(0), &[lb], None, Bytes(GB)).unwrap();
    close(rate(&a, f1), 9e9);
    close(rate(&a, f2), 1e9);
    a.cut_flow(t(1), f3).unwrap();
    close(rate(&a, f1), 8e9);
    close(rate(&a, f2), 2e9);
    a.set_capacity(t(2), lb, Bandwidth::gbps(20)).unwrap();
    close(rate(&a, f1), 5e9);
    close(rate(&a, f2), 5e9);
    assert_eq!(a.bottleneck(f2), Some(Bottleneck::Resource(la)));
}

#[test]
fn cut_all_on_a_failed_resource() {
    // Two flows on NIC+A, one on A alone; cutting everything on NIC leaves
    // the third alone on A at full rate.
    let mut a = Allocator::new();
    let nic = a.add_resource(Bandwidth::gbps(10));
    let la = a.add_resource(Bandwidth::gbps(6));
    let f1 = a.start_flow(t(0), &[nic, la], None, Bytes(GB)).unwrap();
    let f2 = a
        .start_flow(t(0), &[nic, la], Some(Bandwidth::gbps(1)), Bytes(GB))
        .unwrap();
    let f3 = a.start_flow(t(0), &[la], None, Bytes(GB)).unwrap();
    let on_nic: Vec<_> = a.flows_on(nic).collect();
    assert_eq!(on_nic.len(), 2);
    let mut cut = Vec::new();
    a.cut_all_on(t(8), nic, &mut cut).unwrap();
    let mut ids: Vec<_> = cut.iter().map(|c| c.0).collect();
    ids.sort();
    let mut want = vec![f1, f2];
    want.sort();
    assert_eq!(ids, want);
    close(rate(&a, f3), 6e9);
    assert_eq!(a.active_flows(), 1);
    assert_eq!(a.active_classes(), 1);
}

#[test]
fn bad_calls_are_errors() {
    let mut a = Allocator::new();
    let l = a.add_resource(Bandwidth::gbps(1));
    assert_eq!(
        a.start_flow(t(0), &[], None, Bytes(1)),
        Err(AllocError::EmptyPath)
    );
    assert_eq!(
        a.start_flow(t(0), &[l, l], None, Bytes(1)),
        Err(AllocError::RepeatedResource(l))
    );
    assert_eq!(
        a.start_flow(t(0), &[ResourceId(7)], None, Bytes(1)),
        Err(AllocError::UnknownResource(ResourceId(7)))
    );
    a.start_flow(t(10), &[l], None, Bytes(1_000_000)).unwrap();
    assert!(matches!(
        a.set_capacity(t(5), l, Bandwidth::ZERO),
        Err(AllocError::TimeWentBackwards { .. })
    ));
}

#[test]
fn long_lived_class_rebases_its_clock_exactly() {
    // 80 Gbps = 10 GB/s. f1 (2 TB) alone: the class clock passes 2^40 B
    // (≈ 1.1 TB) at ≈ 110 s, so f2 joining the same class at 150 s rebases
    // it. Then both run at 5 GB/s: f2 (100 GB) takes 20 s → done at 170 s;
    // f1 had 2 TB − 1.5 TB = 500 GB left at 150 s, moved 100 GB by 170 s,
    // and its last 400 GB at 10 GB/s take 40 s → done at 210 s.
    let s = 1_000_000_000u64;
    let mut a = Allocator::new();
    let l = a.add_resource(Bandwidth::gbps(80));
    let f1 = a.start_flow(t(0), &[l], None, Bytes(2_000 * GB)).unwrap();
    let f2 = a
        .start_flow(t(150 * s), &[l], None, Bytes(100 * GB))
        .unwrap();
    assert_eq!(a.active_classes(), 1);
    assert_eq!(a.delivered(t(150 * s), f1), Some(Bytes(1_500 * GB)));
    let mut out = Vec::new();
    a.pop_completed(t(1_000 * s), &mut out);
    let got: Vec<_> = out.iter().map(|c| (c.flow, c.at, c.bytes)).collect();
    assert_eq!(
        got,
        vec![
            (f2, t(170 * s), Bytes(100 * GB)),
            (f1, t(210 * s), Bytes(2_000 * GB))
        ]
    );
}

#[test]
fn distinct_paths_share_a_level_and_move_between_groups() {
    // D = 6 shared by a (N1 E1 D), b (N2 E1 D), c (N3 E2 D); d (N1 E1),
    // e (N2 E1), f (N3 E2); the NICs (100) never bind.
    // D: 6/3 = 2 is below E1's 10/4 = 2.5, so a = b = c = 2 (D); then E1
    // has 10 − 4 = 6 for d, e: 3 each; E2 has 10 − 2 = 8 for f.
    // Cut c: D's share 6/2 = 3 is above E1's 10/4 = 2.5, so a, b, d, e =
    // 2.5 (E1) and D carries 5 of 6; f alone on E2: 10.
    // D to 4: D's share 4/2 = 2 < 2.5, so a = b = 2 (D), and E1 has
    // 10 − 4 = 6 for d, e: 3 each.
    let mut a = Allocator::new();
    let n: Vec<_> = (0..3)
        .map(|_| a.add_resource(Bandwidth::gbps(100)))
        .collect();
    let e1 = a.add_resource(Bandwidth::gbps(10));
    let e2 = a.add_resource(Bandwidth::gbps(10));
    let d = a.add_resource(Bandwidth::gbps(6));
    let start =
        |a: &mut Allocator, p: &[ResourceId]| a.start_flow(t(0), p, None, Bytes(GB)).unwrap();
    let fa = start(&mut a, &[n[0], e1, d]);
    let fb = start(&mut a, &[n[1], e1, d]);
    let fc = start(&mut a, &[n[2], e2, d]);
    let fd = start(&mut a, &[n[0], e1]);
    let fe = start(&mut a, &[n[1], e1]);
    let ff = start(&mut a, &[n[2], e2]);
    for (f, want) in [
        (fa, 2e9),
        (fb, 2e9),
        (fc, 2e9),
        (fd, 3e9),
        (fe, 3e9),
        (ff, 8e9),
    ] {
        close(rate(&a, f), want);
    }
    assert_eq!(a.bottleneck(fa), Some(Bottleneck::Resource(d)));
    assert_eq!(a.bottleneck(fd), Some(Bottleneck::Resource(e1)));
    assert_eq!(a.active_classes(), 6);

    a.cut_flow(t(1), fc).unwrap();
    for (f, want) in [
        (fa, 2.5e9),
        (fb, 2.5e9),
        (fd, 2.5e9),
        (fe, 2.5e9),
        (ff, 10e9),
    ] {
        close(rate(&a, f), want);
    }
    assert_eq!(a.bottleneck(fa), Some(Bottleneck::Resource(e1)));
    close(a.resource_load(d), 5e9);

    a.set_capacity(t(2), d, Bandwidth::gbps(4)).unwrap();
    for (f, want) in [(fa, 2e9), (fb, 2e9), (fd, 3e9), (fe, 3e9), (ff, 10e9)] {
        close(rate(&a, f), want);
    }
    assert_eq!(a.bottleneck(fb), Some(Bottleneck::Resource(d)));
    close(a.resource_load(d), 4e9);
    close(a.resource_load(e1), 10e9);
}

#[test]
fn shared_group_clock_rebases_exactly() {
    // L = 80 Gbps shared by f1 (L A, 2 TB) and f2 (L B, 1 TB): 5 GB/s each,
    // one level on L for two distinct paths. f2 is done at 200 s; f1 (1 TB
    // left) then runs alone at 10 GB/s. At 250 s the group clock has passed
    // 2^40 B (1.5 TB), so f3 (L B, 100 GB) joining rebases it: f1 has
    // 500 GB left, f1 and f3 at 5 GB/s, f3 done at 270 s; f1 has 400 GB
    // left, alone at 10 GB/s: done at 310 s.
    let s = 1_000_000_000u64;
    let mut a = Allocator::new();
    let l = a.add_resource(Bandwidth::gbps(80));
    let la = a.add_resource(Bandwidth::gbps(100));
    let lb = a.add_resource(Bandwidth::gbps(100));
    let f1 = a
        .start_flow(t(0), &[l, la], None, Bytes(2_000 * GB))
        .unwrap();
    let f2 = a
        .start_flow(t(0), &[l, lb], None, Bytes(1_000 * GB))
        .unwrap();
    let mut out = Vec::new();
    a.pop_completed(t(250 * s), &mut out);
    let f3 = a
        .start_flow(t(250 * s), &[l, lb], None, Bytes(100 * GB))
        .unwrap();
    assert_eq!(a.delivered(t(250 * s), f1), Some(Bytes(1_500 * GB)));
    close(rate(&a, f1), 40e9);
    close(rate(&a, f3), 40e9);
    a.pop_completed(t(1_000 * s), &mut out);
    let got: Vec<_> = out.iter().map(|c| (c.flow, c.at, c.bytes)).collect();
    assert_eq!(
        got,
        vec![
            (f2, t(200 * s), Bytes(1_000 * GB)),
            (f3, t(270 * s), Bytes(100 * GB)),
            (f1, t(310 * s), Bytes(2_000 * GB))
        ]
    );
}
