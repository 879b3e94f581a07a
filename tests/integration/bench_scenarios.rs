//! The benchmark scenarios (`scenarios/bench/`, written by
//! `examples/gen_bench.rs`) load, have the shape `docs/performance.md`
//! promises, and the trace benchmark's flow completion times are the exact
//! max-min ones: a prefix of its trace is run through `sim::run` and through
//! the from-scratch reference solver (`dataplane::reference`), and the
//! results must agree within 1 µs.
//!
//! `sim::run` reports FCTs only as per-class histograms (3 significant
//! digits; there is no per-connection output), so the comparison records the
//! reference's FCTs, shifted by −1 µs and +1 µs, in the same kind of
//! histogram: if every connection's FCT agrees within 1 µs, every percentile
//! the run reports lies between the two shifted references' (order
//! statistics move by at most the per-value bound, and bucketing is
//! monotone). Running each trace row as its own class turns the per-class
//! maximum into a per-connection check.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hdrhistogram::Histogram;
use vpcsim::dataplane::reference::{max_min_rates, RefFlow};
use vpcsim::fabric::Fabric;
use vpcsim::load;
use vpcsim::scenario::{Arrivals, Scenario};
use vpcsim::sim;

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench")
}

/// Rows of the trace prefix the exactness tests replay.
const PREFIX_ROWS: usize = 200;

#[test]
fn every_bench_scenario_validates_and_says_it_was_generated() {
    for name in ["bench-1m", "bench-100k", "bench-burst-10k", "bench-trace"] {
        let path = bench_dir().join(format!("{name}.ron"));
        let text = std::fs::read_to_string(&path).expect("generated file is committed");
        // The header says what the file is and how to regenerate it.
        assert!(text.starts_with("// "), "{name}: no header comment");
        assert!(
            text.contains("GENERATED FILE") && text.contains("--example gen_bench"),
            "{name}: the header must say it is generated and by which command"
        );
        let s = load::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.name, name);
        assert_eq!(s.azs.len(), 3, "{name}: three AZs");
    }
}

/// Expected arrivals of a scenario's Poisson classes.
fn expected_arrivals(s: &Scenario) -> f64 {
    s.traffic
        .iter()
        .map(|t| match t.arrivals {
            Arrivals::Poisson { per_second } => per_second * s.duration.as_secs_f64(),
            _ => panic!("{}: the fabric benchmarks use Poisson classes", t.name),
        })
        .sum()
}

#[test]
fn the_fabric_benchmarks_have_the_promised_shape() {
    // The goal's benchmark: 1,000,000 connections, 1,000 VPCs, 3 AZs,
    // at least 2,000 endpoints; the 100k one is the same fabric, 10× shorter.
    for (name, connections) in [("bench-1m", 1_000_000.0), ("bench-100k", 100_000.0)] {
        let s = load::load_file(bench_dir().join(format!("{name}.ron"))).expect("valid");
        let tenant_vpcs = s.vpcs.iter().filter(|v| v.name.starts_with('t')).count();
        assert_eq!(tenant_vpcs, 1_000, "{name}");
        assert!(s.endpoints.len() >= 2_000, "{name}");
        let n = expected_arrivals(&s);
        assert!(
            (n / connections - 1.0).abs() < 1e-6,
            "{name}: {n} expected arrivals"
        );
    }
}

#[test]
fn the_burst_benchmark_opens_10k_connections_at_once_on_the_same_fabric() {
    let burst = load::load_file(bench_dir().join("bench-burst-10k.ron")).expect("valid");
    let poisson = load::load_file(bench_dir().join("bench-100k.ron")).expect("valid");
    assert_eq!(burst.vpcs.len(), poisson.vpcs.len());
    assert_eq!(burst.endpoints.len(), poisson.endpoints.len());
    assert_eq!(burst.traffic.len(), poisson.traffic.len());
    let mut total = 0;
    for t in &burst.traffic {
        match t.arrivals {
            Arrivals::Burst { count } => total += count,
            _ => panic!("{}: the burst benchmark uses Burst classes", t.name),
        }
        assert!(t.start.is_none(), "{}: bursts start at t = 0", t.name);
    }
    assert_eq!(total, 10_000);
}

#[test]
fn the_trace_benchmark_has_fixed_capacities_and_zero_latency() {
    let s = load::load_file(bench_dir().join("bench-trace.ron")).expect("valid");
    let q = &s.quota_overrides;
    // Fixed capacities: base = max, so nothing autoscales.
    assert!(q.endpoint_az_base.is_some() && q.endpoint_az_base == q.endpoint_az_max);
    assert!(q.nat_base.is_some() && q.nat_base == q.nat_max);
    let l = &s.settings.latency;
    for d in [
        l.same_az,
        l.cross_az,
        l.cross_region,
        l.direct_connect,
        l.per_hop,
    ] {
        assert_eq!(d.as_nanos(), 0);
    }
    let csv = std::fs::read_to_string(bench_dir().join("bench-trace.csv")).expect("committed");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time,source,target,request_bytes,response_bytes")
    );
    assert_eq!(lines.count(), 20_000);
}

// ---------------------------------------------------------------------------
// Exactness of the trace replay against the reference
// ---------------------------------------------------------------------------

/// One trace row.
struct Row {
    at: u64,
    source: String,
    target: String,
    request: u64,
    response: u64,
    line: String,
}

/// The first `n` rows of the trace (times are written `s.nnnnnnnnn`).
fn trace_prefix(n: usize) -> Vec<Row> {
    let csv = std::fs::read_to_string(bench_dir().join("bench-trace.csv")).expect("committed");
    csv.lines()
        .skip(1)
        .take(n)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let (secs, frac) = f[0].split_once('.').expect("s.nnnnnnnnn");
            assert_eq!(frac.len(), 9, "nanosecond time in {line:?}");
            let ns = |x: &str| x.parse::<u64>().expect("digits");
            Row {
                at: ns(secs) * 1_000_000_000 + ns(frac),
                source: f[1].to_string(),
                target: f[2].to_string(),
                request: ns(f[3]),
                response: ns(f[4]),
                line: line.to_string(),
            }
        })
        .collect()
}

/// A connection as the reference sees it: two flows over fixed paths.
struct RefConn {
    at: u64,
    request: (Vec<usize>, u64),
    response: (Vec<usize>, u64),
}

/// Resources (bits/s) and each row's paths, derived from the fabric the way
/// the trace benchmark's header describes it. Panics if the fabric leaves
/// the simulator a choice (which would make paths depend on random draws).
fn reference_model(fabric: &Fabric, rows: &[Row]) -> (Vec<f64>, f64, Vec<RefConn>) {
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut caps: Vec<f64> = Vec::new();
    let mut res = |key: String, cap: f64| -> usize {
        *index.entry(key).or_insert_with(|| {
            caps.push(cap);
            caps.len() - 1
        })
    };
    let q = &fabric.quotas;
    let eni_cap = match q.endpoint_scaling {
        vpcsim::scenario::EndpointScaling::Stepped { base, max } => {
            assert_eq!(base, max, "fixed ENI capacity");
            base.0 as f64
        }
        other => panic!("the trace benchmark fixes the ENI capacity, not {other:?}"),
    };
    let conns = rows
        .iter()
        .map(|r| {
            let w = fabric.workload(&r.source).expect("source is a workload");
            let client = &fabric.workloads[w.index()];
            assert_eq!(client.instances.len(), 1, "single-instance clients");
            let nic = client.nic.0 as f64;
            let e = fabric.endpoint(&r.target).expect("target is an endpoint");
            let ep = &fabric.endpoints[e.index()];
            assert_eq!(ep.enis.len(), 1, "single-ENI endpoints");
            let az = fabric.enis[ep.enis[0].index()].az;
            let svc = &fabric.services[ep.service.index()];
            assert_eq!(svc.nlbs.len(), 1, "one NLB per service");
            let nlb = &fabric.nlbs[svc.nlbs[0].index()];
            assert!(
                !nlb.cross_zone,
                "cross-zone off: the ENI's AZ picks the target"
            );
            let targets: Vec<(usize, usize)> = nlb
                .targets
                .iter()
                .flat_map(|t| {
                    fabric.workloads[t.index()]
                        .instances
                        .iter()
                        .enumerate()
                        .filter(|(_, i)| i.az == az)
                        .map(move |(k, _)| (t.index(), k))
                })
                .collect();
            assert_eq!(targets.len(), 1, "one backend per AZ");
            let (tw, ti) = targets[0];
            let tnic = fabric.workloads[tw].nic.0 as f64;
            let c_tx = res(format!("nic {} tx", r.source), nic);
            let c_rx = res(format!("nic {} rx", r.source), nic);
            let eni = res(format!("eni {}", r.target), eni_cap);
            let b_tx = res(format!("nic {tw}/{ti} tx"), tnic);
            let b_rx = res(format!("nic {tw}/{ti} rx"), tnic);
            RefConn {
                at: r.at,
                request: (vec![c_tx, eni, b_rx], r.request.max(1)),
                response: (vec![b_tx, eni, c_rx], r.response.max(1)),
            }
        })
        .collect();
    (caps, q.single_flow_limit.0 as f64, conns)
}

/// Replays the connections through the reference solver, re-solving every
/// rate at every event, with the allocator's conventions (a flow of `rem`
/// bytes at `r` bit/s finishes `ceil(rem × 8e9 / r)` ns later; completions
/// before arrivals at one instant). A response starts at its request's
/// completion (zero latency). Returns each connection's FCT in ns and the
/// most flows active at once.
fn reference_fcts(caps: &[f64], cap: f64, conns: &[RefConn]) -> (Vec<u64>, usize) {
    // Active flows: (connection, is the response, flow, remaining bytes).
    let mut active: Vec<(usize, bool, RefFlow, f64)> = Vec::new();
    let mut fct: Vec<Option<u64>> = vec![None; conns.len()];
    let mut now = 0u64;
    let mut next = 0usize;
    let mut most = 0usize;
    loop {
        most = most.max(active.len());
        let specs: Vec<RefFlow> = active.iter().map(|a| a.2.clone()).collect();
        let rates = max_min_rates(caps, &specs);
        let finish: Vec<Option<u64>> = active
            .iter()
            .zip(&rates)
            .map(|(a, &r)| (r > 0.0).then(|| now + (a.3.max(0.0) * 8e9 / r).ceil() as u64))
            .collect();
        let next_completion = finish.iter().flatten().copied().min();
        let next_arrival = conns.get(next).map(|c| c.at);
        let t = match (next_completion, next_arrival) {
            (None, None) => break,
            (Some(c), None) => c,
            (None, Some(a)) => a,
            (Some(c), Some(a)) => c.min(a),
        };
        for (a, &r) in active.iter_mut().zip(&rates) {
            a.3 -= r * (t - now) as f64 / 8e9;
        }
        now = t;
        if next_completion == Some(t) {
            let mut responses = Vec::new();
            let mut k = 0;
            active.retain(|a| {
                let done = finish[k] == Some(t);
                k += 1;
                if done {
                    if a.1 {
                        fct[a.0] = Some(t - conns[a.0].at);
                    } else {
                        responses.push(a.0);
                    }
                }
                !done
            });
            for c in responses {
                let (path, bytes) = &conns[c].response;
                let flow = RefFlow {
                    path: path.clone(),
                    cap: Some(cap),
                };
                active.push((c, true, flow, *bytes as f64));
            }
            continue;
        }
        let (path, bytes) = &conns[next].request;
        let flow = RefFlow {
            path: path.clone(),
            cap: Some(cap),
        };
        active.push((next, false, flow, *bytes as f64));
        next += 1;
    }
    let fct = fct
        .into_iter()
        .enumerate()
        .map(|(i, f)| f.unwrap_or_else(|| panic!("reference: connection {i} never completed")))
        .collect();
    (fct, most)
}

/// A histogram like the simulator's per-class FCT histogram.
fn histogram(values: impl IntoIterator<Item = u64>) -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, 100_000_000_000_000_000, 3).expect("valid bounds");
    for v in values {
        h.record(v.max(1)).expect("in range");
    }
    h
}

/// `(p50, p90, p99, max)` in ms, computed as the simulator computes them.
fn percentiles_ms(h: &Histogram<u64>) -> [f64; 4] {
    let q = |x: f64| h.value_at_quantile(x) as f64 / 1e6;
    [q(0.5), q(0.9), q(0.99), h.max() as f64 / 1e6]
}

/// The reference's percentiles with every FCT moved by −1 µs and +1 µs.
fn bracket(fcts: &[u64]) -> ([f64; 4], [f64; 4]) {
    let lo = histogram(fcts.iter().map(|f| f.saturating_sub(1_000)));
    let hi = histogram(fcts.iter().map(|f| f + 1_000));
    (percentiles_ms(&lo), percentiles_ms(&hi))
}

/// Copies the trace scenario and the first `n` rows of its CSV into `dir`,
/// and loads it from there (so the trace resolves to the prefix).
fn trace_prefix_scenario(dir: &Path, rows: &[Row]) -> load::Loaded {
    let ron = std::fs::read_to_string(bench_dir().join("bench-trace.ron")).expect("committed");
    std::fs::write(dir.join("bench-trace.ron"), ron).expect("tempdir is writable");
    let mut csv = String::from("time,source,target,request_bytes,response_bytes\n");
    for r in rows {
        csv.push_str(&r.line);
        csv.push('\n');
    }
    std::fs::write(dir.join("bench-trace.csv"), csv).expect("tempdir is writable");
    load::load_file(dir.join("bench-trace.ron")).expect("valid")
}

fn run(s: &load::Loaded) -> vpcsim::results::RunResult {
    let opts = sim::RunOptions {
        quiet: true,
        ..Default::default()
    };
    sim::run(s, &opts).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn trace_fct_percentiles_equal_the_reference_within_a_microsecond() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = trace_prefix(PREFIX_ROWS);
    let s = trace_prefix_scenario(dir.path(), &rows);
    let result = run(&s);
    let (caps, cap, conns) = reference_model(&result.fabric, &rows);
    let (fcts, most_active) = reference_fcts(&caps, cap, &conns);
    // The prefix has contention (many flows at once over shared resources),
    // or the comparison would only test single-flow arithmetic. (Scaling any
    // one of the client NIC, ENI, backend NIC capacities or the flow cap by
    // 0.999 in the reference makes these tests fail: each kind binds.)
    assert!(
        fcts.len() == PREFIX_ROWS && most_active >= 10,
        "{most_active}"
    );

    let t = &result.summary.traffic[0];
    assert_eq!(t.connections, PREFIX_ROWS as u64);
    assert_eq!(
        t.completed, PREFIX_ROWS as u64,
        "every connection completes"
    );
    let got = [t.fct_ms.p50, t.fct_ms.p90, t.fct_ms.p99, t.fct_ms.max];
    let (lo, hi) = bracket(&fcts);
    for (i, what) in ["p50", "p90", "p99", "max"].iter().enumerate() {
        assert!(
            lo[i] <= got[i] && got[i] <= hi[i],
            "{what}: simulator {} ms, reference within 1 µs: [{}, {}] ms",
            got[i],
            lo[i],
            hi[i]
        );
    }
}

#[test]
fn trace_completion_times_equal_the_reference_connection_by_connection() {
    // The same prefix, each row its own traffic class with a one-row trace:
    // the flows and their times are the same as in one class, and each
    // class's maximum FCT is that connection's FCT (to the histogram's 3
    // significant digits).
    compare_connection_by_connection(&trace_prefix(PREFIX_ROWS));
}

#[test]
fn simultaneous_arrivals_start_together_and_stay_exact() {
    // The prefix with arrival times rounded down to a 2 ms grid: about 13
    // connections (from different classes) open at each instant and start
    // in one reallocation; each FCT must still equal the reference's, which
    // adds them one at a time.
    let mut rows = trace_prefix(PREFIX_ROWS);
    let mut same_instant = 0;
    for i in 0..rows.len() {
        let r = &mut rows[i];
        r.at = r.at / 2_000_000 * 2_000_000;
        let rest = r.line.split_once(',').map(|(_, x)| x.to_string());
        r.line = format!(
            "{}.{:09},{}",
            r.at / 1_000_000_000,
            r.at % 1_000_000_000,
            rest.expect("a CSV row")
        );
        same_instant += usize::from(i > 0 && rows[i - 1].at == rows[i].at);
    }
    assert!(same_instant >= PREFIX_ROWS / 2, "{same_instant}");
    compare_connection_by_connection(&rows);
}

/// Runs each row as its own one-row trace class and compares every
/// connection's FCT with the reference replay.
fn compare_connection_by_connection(rows: &[Row]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = trace_prefix_scenario(dir.path(), rows).into_scenario();
    let template = s.traffic[0].clone();
    s.traffic = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let file = format!("row-{i:04}.csv");
            let csv = format!(
                "time,source,target,request_bytes,response_bytes\n{}\n",
                r.line
            );
            std::fs::write(dir.path().join(&file), csv).expect("tempdir is writable");
            let mut t = template.clone();
            t.name = format!("row-{i:04}");
            t.arrivals = Arrivals::Trace { file };
            t
        })
        .collect();
    let result = run(&load::Loaded::new(s).expect("valid"));
    let (caps, cap, conns) = reference_model(&result.fabric, rows);
    let (fcts, _) = reference_fcts(&caps, cap, &conns);
    assert_eq!(fcts.len(), rows.len());
    let mut exact = 0;
    for (i, (t, f)) in result.summary.traffic.iter().zip(&fcts).enumerate() {
        assert_eq!(t.completed, 1, "row {i} completes");
        let (lo, hi) = bracket(&[*f]);
        assert!(
            lo[3] <= t.fct_ms.max && t.fct_ms.max <= hi[3],
            "row {i}: simulator FCT {} ms, reference {} ns (±1 µs: [{}, {}] ms)",
            t.fct_ms.max,
            f,
            lo[3],
            hi[3]
        );
        exact += usize::from(percentiles_ms(&histogram([*f]))[3] == t.fct_ms.max);
    }
    // Within 1 µs is the contract; in practice the values are the same.
    assert!(
        exact * 10 >= rows.len() * 9,
        "{exact} of {} exact",
        rows.len()
    );
}
