//! Property tests: random small instances (≤ 8 resources, ≤ 30 flows,
//! random arrivals, sizes, caps, cuts and capacity changes, including
//! failures to 0) replayed through the allocator and checked after every
//! event against the reference solver, the max-min conditions, and the
//! reference simulator's completion times. A second family (`coupled_*`)
//! builds many distinct paths through one or two shared, saturated links
//! (NIC → endpoint → shared link), so that levels are shared across classes
//! and bottlenecks move between groups as flows come and go, capacities
//! change and whole resources are cut.

use proptest::prelude::*;

use super::*;
use crate::dataplane::reference::{self, RefEvent, RefFlow, TraceEvent};

#[derive(Debug, Clone)]
enum Ev {
    Arrive {
        path: Vec<usize>,
        cap: Option<u64>,
        size: u64,
    },
    SetCap {
        r: usize,
        cap: u64,
    },
    Cut {
        k: usize,
    },
    /// `cut_all_on` a resource.
    CutAll {
        r: usize,
    },
}

#[derive(Debug, Clone)]
struct Case {
    caps: Vec<u64>,
    /// (time since previous event in ns, event)
    events: Vec<(u64, Ev)>,
}

fn capacity() -> impl Strategy<Value = u64> {
    prop_oneof![
        1 => Just(0u64),
        4 => (1u64..=20).prop_map(|g| g * 1_000_000_000),
        4 => 100_000_000u64..100_000_000_000,
    ]
}

fn event(nres: usize) -> impl Strategy<Value = Ev> {
    let path = prop::collection::vec(0..nres, 1..=4).prop_map(|mut p| {
        let mut seen = Vec::new();
        p.retain(|r| {
            let new = !seen.contains(r);
            seen.push(*r);
            new
        });
        p
    });
    let cap = prop_oneof![
        3 => Just(None),
        1 => (1u64..=10).prop_map(|h| Some(h * 500_000_000)),
        1 => (10_000_000u64..10_000_000_000).prop_map(Some),
    ];
    let size = (1u64..10, 0u32..=9).prop_map(|(m, e)| m * 10u64.pow(e));
    prop_oneof![
        6 => (path, cap, size).prop_map(|(path, cap, size)| Ev::Arrive { path, cap, size }),
        2 => (0..nres, capacity()).prop_map(|(r, cap)| Ev::SetCap { r, cap }),
        1 => (0usize..64).prop_map(|k| Ev::Cut { k }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=8)
        .prop_flat_map(|nres| {
            let delta = prop_oneof![
                1 => Just(0u64),
                1 => 1u64..1_000,
                3 => 1u64..2_000_000_000,
            ];
            (
                prop::collection::vec(capacity(), nres),
                prop::collection::vec((delta, event(nres)), 1..45),
            )
        })
        .prop_map(|(caps, mut events)| {
            // At most 30 arrivals.
            let mut n = 0;
            events.retain(|(_, e)| {
                if matches!(e, Ev::Arrive { .. }) {
                    n += 1;
                    n <= 30
                } else {
                    true
                }
            });
            Case { caps, events }
        })
}

/// NICs, endpoints and shared links: `nics + eps + shared` resources.
fn coupled_event(nics: usize, eps: usize, shared: usize) -> impl Strategy<Value = Ev> {
    let n = nics + eps + shared;
    let path =
        (0..nics, 0..eps, prop::option::weighted(0.7, 0..shared)).prop_map(move |(nic, ep, sh)| {
            let mut p = vec![nic, nics + ep];
            if let Some(x) = sh {
                p.push(nics + eps + x);
            }
            p
        });
    let cap = prop_oneof![
        4 => Just(None),
        1 => (1u64..=8).prop_map(|h| Some(h * 250_000_000)),
    ];
    let size = (1u64..10, 3u32..=9).prop_map(|(m, e)| m * 10u64.pow(e));
    prop_oneof![
        10 => (path, cap, size).prop_map(|(path, cap, size)| Ev::Arrive { path, cap, size }),
        2 => (0..n, capacity()).prop_map(|(r, cap)| Ev::SetCap { r, cap }),
        1 => (nics + eps..n, 1u64..=6).prop_map(|(r, g)| Ev::SetCap { r, cap: g * 1_000_000_000 }),
        2 => (0usize..80).prop_map(|k| Ev::Cut { k }),
        1 => (0..n).prop_map(|r| Ev::CutAll { r }),
    ]
}

fn coupled_case() -> impl Strategy<Value = Case> {
    (2usize..=6, 2usize..=4, 1usize..=2)
        .prop_flat_map(|(nics, eps, shared)| {
            let delta = prop_oneof![
                3 => Just(0u64),
                1 => 1u64..1_000,
                2 => 1u64..500_000_000,
            ];
            let caps = (
                prop::collection::vec((5u64..=20).prop_map(|g| g * 1_000_000_000), nics),
                prop::collection::vec((10u64..=40).prop_map(|g| g * 1_000_000_000), eps),
                prop::collection::vec((1u64..=6).prop_map(|g| g * 1_000_000_000), shared),
            );
            (
                caps,
                prop::collection::vec((delta, coupled_event(nics, eps, shared)), 1..90),
            )
        })
        .prop_map(|((a, b, c), mut events)| {
            // At most 60 arrivals.
            let mut n = 0;
            events.retain(|(_, e)| {
                if matches!(e, Ev::Arrive { .. }) {
                    n += 1;
                    n <= 60
                } else {
                    true
                }
            });
            let caps = a.into_iter().chain(b).chain(c).collect();
            Case { caps, events }
        })
}

/// Everything a run produced, for comparisons.
#[derive(Debug, Default, PartialEq)]
struct Outcome {
    completed_at: Vec<Option<u64>>,
    completed_bytes: Vec<Option<u64>>,
    cut_delivered: Vec<Option<u64>>,
    /// Rates (bits) of all active flows after each event, for determinism.
    rate_log: Vec<u64>,
    /// Events processed (trace events and completion instants).
    steps: u64,
}

struct Flow {
    id: FlowId,
    path: Vec<usize>,
    cap: Option<u64>,
    size: u64,
}

/// Checks the allocator's rates after an event: equal to the reference
/// solver's (up to float tolerance), no resource above capacity, and every
/// flow at its cap or bottlenecked on a saturated resource where its rate
/// is the largest. Together these are the definition of max-min fairness,
/// checked independently of how the allocator got there.
fn check_state(a: &Allocator, res: &[ResourceId], caps: &[u64], flows: &[Flow]) {
    let active: Vec<&Flow> = flows.iter().filter(|f| a.rate(f.id).is_some()).collect();
    assert_eq!(active.len(), a.active_flows());
    let specs: Vec<RefFlow> = active
        .iter()
        .map(|f| RefFlow {
            path: f.path.clone(),
            cap: f.cap.map(|c| c as f64),
        })
        .collect();
    let capf: Vec<f64> = caps.iter().map(|&c| c as f64).collect();
    let want = reference::max_min_rates(&capf, &specs);
    let got: Vec<f64> = active
        .iter()
        .map(|f| a.rate(f.id).unwrap_or(f64::NAN))
        .collect();
    // Rates agree to 1e-9 of the total capacity in play (each saturation
    // test has a 1e-9 relative tolerance) plus 1e-9 relative.
    let scale: f64 = capf.iter().sum::<f64>().max(1.0);
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-9 * scale + 1e-9 * w.abs(),
            "flow {i}: allocator {g} vs reference {w}\nall: {got:?}\nref: {want:?}"
        );
    }
    // Loads and capacity.
    let mut load = vec![0.0f64; caps.len()];
    let mut max_rate = vec![0.0f64; caps.len()];
    for (f, &x) in active.iter().zip(&got) {
        for &r in &f.path {
            load[r] += x;
            max_rate[r] = max_rate[r].max(x);
        }
    }
    for r in 0..caps.len() {
        let c = capf[r];
        assert!(
            load[r] <= c * (1.0 + 1e-9) + 1e-3,
            "resource {r} above capacity: {} > {c}",
            load[r]
        );
        let reported = a.resource_load(res[r]);
        assert!(
            (reported - load[r]).abs() <= 1e-9 * c.max(load[r]) + 1e-3,
            "resource {r} load {reported} vs {}",
            load[r]
        );
    }
    // Bottleneck condition.
    for (f, &x) in active.iter().zip(&got) {
        let at_cap = f.cap.is_some_and(|c| x >= c as f64 * (1.0 - 1e-9));
        let bottlenecked = f.path.iter().any(|&r| {
            load[r] >= capf[r] * (1.0 - 1e-9) - 1e-3 && x >= max_rate[r] * (1.0 - 1e-9) - 1e-3
        });
        assert!(
            at_cap || bottlenecked,
            "flow {:?} at {x} is neither capped nor bottlenecked",
            f.id
        );
        // The allocator's own account of the bottleneck is one of those.
        match a.bottleneck(f.id) {
            Some(Bottleneck::Cap) => assert!(at_cap),
            Some(Bottleneck::Resource(r)) => {
                let r = r.0 as usize;
                assert!(f.path.contains(&r));
                assert!(load[r] >= capf[r] * (1.0 - 1e-9) - 1e-3);
            }
            None => panic!("active flow without bottleneck"),
        }
    }
}

/// Replays a case through the allocator, checking after every step if
/// `check` is set.
fn drive(case: &Case, check: bool) -> Outcome {
    let mut a = Allocator::new();
    let res: Vec<ResourceId> = case
        .caps
        .iter()
        .map(|&c| a.add_resource(Bandwidth(c)))
        .collect();
    let mut caps = case.caps.clone();
    let mut flows: Vec<Flow> = Vec::new();
    let mut out = Outcome::default();
    let mut done = Vec::new();
    let mut now = 0u64;

    let record = |out: &mut Outcome, a: &Allocator, flows: &[Flow]| {
        out.steps += 1;
        for f in flows {
            if let Some(x) = a.rate(f.id) {
                out.rate_log.push(x.to_bits());
            }
        }
    };
    let settle = |done: &mut Vec<Completion>, out: &mut Outcome, flows: &[Flow]| {
        for c in done.drain(..) {
            let k = flows
                .iter()
                .position(|f| f.id == c.flow)
                .unwrap_or(usize::MAX);
            assert!(k < flows.len(), "unknown completion {c:?}");
            assert!(out.completed_at[k].is_none(), "flow {k} completed twice");
            out.completed_at[k] = Some(c.at.0);
            out.completed_bytes[k] = Some(c.bytes.0);
        }
    };

    for (delta, ev) in &case.events {
        let at = now + delta;
        // Completions due before this event, one instant at a time.
        while let Some(tc) = a.next_completion() {
            if tc.0 > at {
                break;
            }
            a.pop_completed(tc, &mut done);
            settle(&mut done, &mut out, &flows);
            record(&mut out, &a, &flows);
            if check {
                check_state(&a, &res, &caps, &flows);
            }
        }
        now = at;
        match ev {
            Ev::Arrive { path, cap, size } => {
                let p: Vec<ResourceId> = path.iter().map(|&r| res[r]).collect();
                let id = a
                    .start_flow(SimTime(now), &p, cap.map(Bandwidth), Bytes(*size))
                    .unwrap_or_else(|e| panic!("start_flow: {e}"));
                flows.push(Flow {
                    id,
                    path: path.clone(),
                    cap: *cap,
                    size: *size,
                });
                out.completed_at.push(None);
                out.completed_bytes.push(None);
                out.cut_delivered.push(None);
            }
            Ev::SetCap { r, cap } => {
                caps[*r] = *cap;
                a.set_capacity(SimTime(now), res[*r], Bandwidth(*cap))
                    .unwrap_or_else(|e| panic!("set_capacity: {e}"));
            }
            Ev::Cut { k } => {
                if !flows.is_empty() {
                    let k = k % flows.len();
                    if let Ok(b) = a.cut_flow(SimTime(now), flows[k].id) {
                        assert!(b.0 <= flows[k].size);
                        out.cut_delivered[k] = Some(b.0);
                    }
                }
            }
            Ev::CutAll { r } => {
                let mut cut = Vec::new();
                a.cut_all_on(SimTime(now), res[*r], &mut cut)
                    .unwrap_or_else(|e| panic!("cut_all_on: {e}"));
                for (id, b) in cut {
                    let k = flows.iter().position(|f| f.id == id);
                    let Some(k) = k else {
                        panic!("cut_all_on reported unknown flow {id:?}")
                    };
                    assert!(flows[k].path.contains(r));
                    assert!(b.0 <= flows[k].size);
                    assert!(out.cut_delivered[k].is_none(), "flow {k} cut twice");
                    out.cut_delivered[k] = Some(b.0);
                }
                assert_eq!(a.flows_on(res[*r]).count(), 0);
            }
        }
        // Completions processed inside the call (due at `now`).
        a.pop_completed(SimTime(now), &mut done);
        settle(&mut done, &mut out, &flows);
        record(&mut out, &a, &flows);
        if check {
            check_state(&a, &res, &caps, &flows);
        }
    }
    // Drain.
    while let Some(tc) = a.next_completion() {
        a.pop_completed(tc, &mut done);
        settle(&mut done, &mut out, &flows);
        record(&mut out, &a, &flows);
        if check {
            check_state(&a, &res, &caps, &flows);
        }
        now = tc.0;
    }
    if check {
        // Bytes conserved: each resource carried what its flows delivered.
        // Completed flows count their size, cut flows what they delivered,
        // stalled flows (rate 0 forever) what they delivered so far. The
        // integrated load may exceed this by the rounding of each completion
        // up to a whole ns (≤ rate × 1 ns) and each cut's floor (< 1 byte).
        for (r, &rid) in res.iter().enumerate() {
            let mut want = 0.0;
            let mut slack = 0.0;
            for (k, f) in flows.iter().enumerate() {
                if !f.path.contains(&r) {
                    continue;
                }
                let b = if let Some(b) = out.completed_bytes[k] {
                    assert_eq!(b, f.size, "a completed flow delivers exactly its size");
                    b
                } else if let Some(b) = out.cut_delivered[k] {
                    b
                } else {
                    a.delivered(SimTime(now), f.id).map_or(0, |b| b.0)
                };
                want += b as f64;
                slack += 2.0 + 100e9 / 8e9 * 4.0;
            }
            let got = a.resource_bytes(SimTime(now), rid);
            assert!(
                (got - want).abs() <= slack + 1e-9 * want,
                "resource {r}: carried {got} bytes, flows delivered {want}"
            );
        }
    }
    out
}

fn trace_of(case: &Case) -> Vec<TraceEvent> {
    let mut now = 0;
    let mut arrivals = 0;
    let mut paths: Vec<Vec<usize>> = Vec::new();
    let mut trace = Vec::new();
    for (delta, ev) in &case.events {
        now += delta;
        let event = match ev {
            Ev::Arrive { path, cap, size } => {
                arrivals += 1;
                paths.push(path.clone());
                RefEvent::Arrive {
                    path: path.clone(),
                    cap: cap.map(|c| c as f64),
                    size: *size,
                }
            }
            Ev::SetCap { r, cap } => RefEvent::SetCapacity {
                resource: *r,
                capacity: *cap as f64,
            },
            Ev::Cut { k } => {
                if arrivals == 0 {
                    continue;
                }
                RefEvent::Cut { flow: k % arrivals }
            }
            Ev::CutAll { r } => {
                // Every flow crossing `r` (a cut of an inactive one is a
                // no-op for the reference).
                for (k, p) in paths.iter().enumerate() {
                    if p.contains(r) {
                        trace.push(TraceEvent {
                            at: now,
                            event: RefEvent::Cut { flow: k },
                        });
                    }
                }
                continue;
            }
        };
        trace.push(TraceEvent { at: now, event });
    }
    trace
}

/// Completion instants and cut bytes match the reference simulator,
/// which re-solves everything and settles every flow at every event.
/// Float rounding may move an instant by a nanosecond, and a moved
/// instant shifts later ones, so the tolerance is 1 ns per step taken
/// so far plus 1e-9 relative; a cut may differ by the bytes moved in
/// that many ns (at most 100 Gbps here).
fn matches_reference_simulator(case: &Case) -> Result<(), TestCaseError> {
    let got = drive(case, false);
    let want = reference::simulate(
        &case.caps.iter().map(|&c| c as f64).collect::<Vec<_>>(),
        &trace_of(case),
    );
    prop_assert_eq!(got.completed_at.len(), want.completed_at.len());
    let tol_ns = got.steps + 1;
    for k in 0..want.completed_at.len() {
        match (got.completed_at[k], want.completed_at[k]) {
            (Some(g), Some(w)) => prop_assert!(
                g.abs_diff(w) as f64 <= tol_ns as f64 + 1e-9 * w as f64,
                "flow {} completes at {} vs reference {}",
                k,
                g,
                w
            ),
            (None, None) => {}
            (g, w) => prop_assert!(false, "flow {}: completion {:?} vs reference {:?}", k, g, w),
        }
        match (got.cut_delivered[k], want.cut_delivered[k]) {
            (Some(g), Some(w)) => prop_assert!(
                g.abs_diff(w) as f64 <= 1.0 + tol_ns as f64 * 12.5 + 1e-9 * w as f64,
                "flow {} cut at {} bytes vs reference {}",
                k,
                g,
                w
            ),
            (None, None) => {}
            (g, w) => prop_assert!(false, "flow {}: cut {:?} vs reference {:?}", k, g, w),
        }
    }
    Ok(())
}

/// 160 cases (under a second in debug), or `PROPTEST_CASES` for a longer hunt.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(160)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// After every event the rates are the max-min fair ones (reference
    /// solver), no resource is above capacity, every flow is capped or
    /// bottlenecked, and bytes are conserved.
    #[test]
    fn rates_match_reference_after_every_event(case in case()) {
        drive(&case, true);
    }

    /// Completion instants and cut bytes match the reference simulator,
    /// which re-solves everything and settles every flow at every event.
    /// Float rounding may move an instant by a nanosecond, and a moved
    /// instant shifts later ones, so the tolerance is 1 ns per step taken
    /// so far plus 1e-9 relative; a cut may differ by the bytes moved in
    /// that many ns.
    #[test]
    fn completions_match_reference_simulator(case in case()) {
        matches_reference_simulator(&case)?;
    }

    /// Same calls, same results, bit for bit.
    #[test]
    fn deterministic(case in case()) {
        prop_assert_eq!(drive(&case, false), drive(&case, false));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Many distinct paths through shared saturated links: after every
    /// event the rates are the max-min fair ones and every invariant of
    /// `rates_match_reference_after_every_event` holds.
    #[test]
    fn coupled_rates_match_reference_after_every_event(case in coupled_case()) {
        drive(&case, true);
    }

    /// The same, against the reference simulator's completions and cuts.
    #[test]
    fn coupled_completions_match_reference_simulator(case in coupled_case()) {
        matches_reference_simulator(&case)?;
    }

    /// Same calls, same results, bit for bit.
    #[test]
    fn coupled_deterministic(case in coupled_case()) {
        prop_assert_eq!(drive(&case, false), drive(&case, false));
    }
}
