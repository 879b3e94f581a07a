//! Simulation invariants, checked on random valid scenarios (see
//! [`super::gen`]) and, through [`check_invariants`], on the fault-injection
//! scenarios of [`super::faults`].
//!
//! On every generated case:
//! - the run never panics (and time never goes backwards: the event queue
//!   asserts it in debug builds, which the test profile is);
//! - no reported resource carries more than its capacity in any sample;
//! - nothing is lost: per class, admitted bytes = delivered + cut + in
//!   flight, delivered connections = completed + cut + in flight, and
//!   attempts = delivered + denied;
//! - the bill's total is the sum of its lines, by category and by account,
//!   and no amount is negative;
//! - every denied connection has a reason, and the connectivity rows add up
//!   to the class counts;
//! - control events are in time order, within the run;
//! - the same seed gives byte-identical summary.json and CSVs;
//! - adding an unrelated traffic class changes no other class's connection
//!   count or offered bytes (each class has its own random stream).
//!
//! 256 cases by default (a few seconds); `VPCSIM_PROPTEST_CASES=N` for more.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rust_decimal::Decimal;
use vpcsim::load;
use vpcsim::{report, scenario, sim};

use super::gen::{self, Tape};

fn cases() -> u32 {
    std::env::var("VPCSIM_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Runs `ron` (which must load) with default options.
pub fn run_text(ron: &str) -> (load::Loaded, vpcsim::results::RunResult) {
    let s = load::load_str(ron, "generated.ron")
        .unwrap_or_else(|e| panic!("the generator made an invalid scenario: {e}\n{ron}"));
    let r = sim::run(
        &s,
        &sim::RunOptions {
            quiet: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("run failed: {e}\n{ron}"));
    (s, r)
}

/// Every invariant that one run must satisfy on its own. Panics with the
/// broken invariant named.
pub fn check_invariants(s: &scenario::Scenario, r: &vpcsim::results::RunResult) {
    let sum = &r.summary;

    // Capacity: the average throughput of an interval cannot exceed the
    // capacity the resource had in it. Capacity changes only at events
    // (failures, recoveries, scaling steps), so the bound is the larger of
    // the capacities at the two ends of the interval (the base capacity
    // before the first sample).
    for series in &r.timeseries {
        let base = sum
            .bandwidth
            .resources
            .iter()
            .find(|x| x.name == series.name)
            .map(|x| x.base_capacity_gbps.map_or(f64::INFINITY, |g| g * 1e9))
            .unwrap_or(0.0);
        // Capacity can also come back and go again inside one interval (an
        // outage ends, another starts before the next sample): when a
        // control event falls inside the interval, the bound is the largest
        // capacity the resource ever had. An event at a sample's own instant
        // counts as inside: the sample may be taken before or after it (a
        // link back up at 600 ms sampled down, down again at 900 ms sampled
        // down, carried traffic in between; found by a random case, kept as
        // a regression).
        let ever = series
            .samples
            .iter()
            .map(|x| x.2 as f64)
            .fold(base, f64::max);
        let mut prev_cap = base;
        let mut prev_t = 0.0;
        for (t, bps, cap) in &series.samples {
            let end = t.as_secs_f64();
            let changed_inside = sum
                .control_events
                .iter()
                .any(|e| e.time_s >= prev_t && e.time_s <= end);
            let bound = if changed_inside {
                ever
            } else {
                prev_cap.max(*cap as f64)
            };
            prev_t = end;
            assert!(
                *bps <= bound * (1.0 + 1e-6) + 1e-3,
                "capacity: {} carried {bps} bit/s in the interval ending at {t}, above its capacity {bound}",
                series.name
            );
            assert!(
                bps.is_finite() && *bps >= 0.0,
                "{}: throughput {bps}",
                series.name
            );
            prev_cap = *cap as f64;
        }
    }

    // Nothing lost, per class.
    let mut attempts = 0;
    let mut delivered = 0;
    let mut denied = 0;
    let mut by_reason: BTreeMap<String, u64> = BTreeMap::new();
    for t in &sum.traffic {
        assert_eq!(
            t.admitted_bytes,
            t.delivered_bytes + t.cut_bytes + t.in_flight_bytes,
            "bytes: class {}: admitted != delivered + cut + in flight ({t:?})",
            t.name
        );
        assert_eq!(
            t.delivered,
            t.completed + t.cut + t.in_flight_at_end,
            "connections: class {}: delivered != completed + cut + in flight ({t:?})",
            t.name
        );
        assert_eq!(
            t.connections,
            t.delivered + t.denied,
            "attempts: class {}: connections != delivered + denied",
            t.name
        );
        assert!(
            t.offered_bytes >= t.admitted_bytes,
            "class {}: offered < admitted",
            t.name
        );
        assert!(
            t.moved_before_cut <= t.cut_bytes,
            "class {}: moved > cut",
            t.name
        );
        assert_eq!(
            t.cut_by_reason.values().sum::<u64>(),
            t.cut,
            "class {}: cut_by_reason does not add up",
            t.name
        );
        assert!(
            t.cut_by_reason.keys().all(|k| !k.is_empty()),
            "class {}: a cut without a reason",
            t.name
        );
        assert_eq!(
            t.denied_by_reason.values().sum::<u64>(),
            t.denied,
            "class {}: denied_by_reason does not add up",
            t.name
        );
        let f = &t.fct_ms;
        assert!(
            0.0 <= f.p50 && f.p50 <= f.p90 && f.p90 <= f.p99 && f.p99 <= f.max,
            "class {}: FCT percentiles out of order: {f:?}",
            t.name
        );
        attempts += t.connections;
        delivered += t.delivered;
        denied += t.denied;
        for (k, v) in &t.denied_by_reason {
            *by_reason.entry(k.clone()).or_default() += v;
        }

        // Every denied connection has a reason: the connectivity rows of the
        // class add up to its delivered and denied counts, reason by reason.
        let rows = r.connectivity.iter().filter(|(k, _)| k.traffic == t.name);
        let mut row_delivered = 0;
        let mut row_denied: BTreeMap<String, u64> = BTreeMap::new();
        for (k, n) in rows {
            match k.reason {
                None => row_delivered += n,
                Some(reason) => *row_denied.entry(reason.code().to_string()).or_default() += n,
            }
        }
        assert_eq!(
            row_delivered, t.delivered,
            "class {}: delivered rows",
            t.name
        );
        assert_eq!(
            row_denied, t.denied_by_reason,
            "class {}: denied rows",
            t.name
        );
    }
    assert_eq!(sum.traffic.len(), s.traffic.len());
    assert_eq!(sum.connectivity.attempts, attempts);
    assert_eq!(sum.connectivity.delivered, delivered);
    assert_eq!(sum.connectivity.denied, denied);
    assert_eq!(sum.connectivity.denied_by_reason, by_reason);

    // The bill: total = sum of lines, by category and by account; nothing
    // negative.
    for (what, bill) in [("bill", &r.bill), ("monthly bill", &r.monthly_bill)] {
        let lines: Decimal = bill.lines.iter().map(|l| l.usd.amount()).sum();
        assert_eq!(lines, bill.total.amount(), "{what}: total != sum of lines");
        let cats: Decimal = bill.by_category.values().map(|u| u.amount()).sum();
        assert_eq!(
            cats,
            bill.total.amount(),
            "{what}: total != sum by category"
        );
        let accts: Decimal = bill.by_account.values().map(|u| u.amount()).sum();
        assert_eq!(
            accts,
            bill.total.amount(),
            "{what}: total != sum by account"
        );
        for l in &bill.lines {
            assert!(
                l.usd.amount() >= Decimal::ZERO
                    && l.rate.amount() >= Decimal::ZERO
                    && l.usage >= Decimal::ZERO,
                "{what}: negative line {l:?}"
            );
        }
    }
    assert_eq!(
        sum.cost.total_usd,
        vpcsim::results::summary::usd(r.bill.total)
    );

    // Time: control events in order, within the run.
    let end = s.duration.as_secs_f64();
    let mut last = 0.0;
    for e in &sum.control_events {
        assert!(
            e.time_s >= last && e.time_s <= end + 1e-9,
            "control event {e:?} out of order (previous at {last} s, run ends at {end} s)"
        );
        last = e.time_s;
    }
    assert!(sum.events_processed > 0);
}

/// The outputs a run writes, as bytes (summary.json and the CSVs).
fn outputs(r: &vpcsim::results::RunResult) -> Vec<String> {
    vec![
        report::summary_json(r).expect("summary.json"),
        report::connectivity_csv(r).expect("connectivity.csv"),
        report::bill_csv(r).expect("bill.csv"),
        report::timeseries_csv(r).expect("timeseries.csv"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Random valid scenarios keep every invariant, run the same twice, and
    /// do not notice an unrelated class.
    #[test]
    fn random_scenarios_keep_every_invariant(
        tape in proptest::collection::vec(any::<u16>(), 0..400),
        seed in 0u64..1000,
    ) {
        let g = gen::scenario(&mut Tape::new(tape), seed);
        let (s, r) = run_text(&g);
        check_invariants(&s, &r);

        // Same seed, same bytes.
        let (_, again) = run_text(&g);
        prop_assert_eq!(outputs(&r), outputs(&again), "same seed, different outputs");

        // An unrelated class leaves the others' draws alone.
        let (s2, r2) = run_text(&gen::with_unrelated_class(&g));
        check_invariants(&s2, &r2);
        prop_assert_eq!(r2.summary.traffic.len(), r.summary.traffic.len() + 1);
        for (a, b) in r.summary.traffic.iter().zip(&r2.summary.traffic) {
            prop_assert_eq!(&a.name, &b.name);
            prop_assert_eq!(a.connections, b.connections, "class {}: connections changed", &a.name);
            prop_assert_eq!(a.offered_bytes, b.offered_bytes, "class {}: offered bytes changed", &a.name);
        }

        // So does a copy of a class, which shares its endpoints, DNS
        // answers and NLB picks: each class's arrivals and sizes come from
        // its own stream, its per-connection choices from another.
        if let Some(copied) = gen::with_copied_class(&g) {
            let (s3, r3) = run_text(&copied);
            check_invariants(&s3, &r3);
            prop_assert_eq!(r3.summary.traffic.len(), r.summary.traffic.len() + 1);
            for a in &r.summary.traffic {
                let b = r3.summary.traffic.iter().find(|t| t.name == a.name);
                prop_assert!(b.is_some(), "class {} lost", &a.name);
                let b = b.unwrap_or(a);
                prop_assert_eq!(a.connections, b.connections, "class {}: connections changed next to a copy", &a.name);
                prop_assert_eq!(a.offered_bytes, b.offered_bytes, "class {}: offered bytes changed next to a copy", &a.name);
            }
        }
    }
}

/// The generator reaches what it claims: over a fixed set of tapes, every
/// arrival process, size distribution and event kind appears, and some
/// connections are delivered, denied and cut. (A generator that silently
/// produced trivial scenarios would make the property above vacuous.)
#[test]
fn the_generator_covers_the_schema() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut text = String::new();
    let (mut delivered, mut denied, mut cut) = (0, 0, 0);
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for k in 0..60 {
        let tape: Vec<u16> = (0..400).map(|_| rng.random()).collect();
        let g = gen::scenario(&mut Tape::new(tape), k);
        let (_, r) = run_text(&g);
        for t in &r.summary.traffic {
            delivered += t.delivered;
            denied += t.denied;
            cut += t.cut;
            for (k, v) in t.denied_by_reason.iter().chain(&t.cut_by_reason) {
                *reasons.entry(k.clone()).or_default() += v;
            }
        }
        text.push_str(&g);
    }
    for needle in [
        "Constant(",
        "Poisson(",
        "OnOff(",
        "Diurnal(",
        "Burst(",
        "Fixed(",
        "Uniform(",
        "LogNormal(",
        "Pareto(",
        "Empirical(",
        "Accept(",
        "Reject(",
        "Suspend(",
        "Resume(",
        "Terminate(",
        "AzOutage(",
        "DxDown(",
        "RemovePrincipal(",
        "AddNlb(",
        "RemoveNlb(",
        "CreateEndpoint(",
        "DeleteEndpoint(",
        "TransitGateway(",
        "NatGateway(",
        "DirectConnect(",
        "Peering(",
        "Mixed(",
        "ZonalIn(",
    ] {
        assert!(text.contains(needle), "the generator never wrote {needle}");
    }
    eprintln!("generator: delivered {delivered}, denied {denied}, cut {cut}; reasons {reasons:?}");
    assert!(
        delivered > 0 && denied > 0 && cut > 0,
        "delivered {delivered}, denied {denied}, cut {cut}"
    );
}
