//! Benchmarks of the flow allocator (`cargo bench --bench allocator`).
//!
//! * `target_workload`: 1,000 client NICs, 100 endpoint-AZ links, 30 DX
//!   links; each flow crosses NIC → endpoint-AZ (→ DX for 30 % of flows),
//!   5 Gbps single-flow cap, Poisson arrivals, Pareto sizes (α = 1.2), about
//!   70 % offered load on the endpoint and DX links; a few hundred flows
//!   active. A small event loop feeds arrivals and completions in time order,
//!   exactly as the simulation will. Reported per flow event (arrival or
//!   completion).
//! * `burst_10k`: 10,000 flows start at the same instant on shared resources
//!   (100 NICs, 10 endpoint links, 3 DX links, ~3,000 distinct paths), then
//!   drain to the end. Reported per flow event too, one by one and with the
//!   batch start; and the same on 30 fixed paths (`burst_10k_30_paths`),
//!   where flows sharing a path share a class.
//!
//! The traces are generated before timing; only the allocator and the loop
//! are measured. Each run prints its shape (events, mean active flows) once.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, Pareto};
use vpcsim::dataplane::{Allocator, Completion, FlowSpec, ResourceId};
use vpcsim::units::{Bandwidth, Bytes, SimTime};

struct Arrival {
    at: u64,
    path: [ResourceId; 3],
    len: usize,
    size: u64,
}

struct Workload {
    capacities: Vec<Bandwidth>,
    cap: Bandwidth,
    arrivals: Vec<Arrival>,
}

/// The target workload: `n` flows.
fn target_workload(n: usize, seed: u64) -> Workload {
    const NICS: u32 = 1000;
    const EPS: u32 = 100;
    const DXS: u32 = 30;
    let mut capacities = Vec::new();
    capacities.extend((0..NICS).map(|_| Bandwidth::gbps(10)));
    capacities.extend((0..EPS).map(|_| Bandwidth::gbps(10)));
    capacities.extend((0..DXS).map(|_| Bandwidth::gbps(10)));
    // 30 % of flows cross a DX link: DX offered load = 0.3 × 700 Gbps =
    // 210 Gbps = 70 % of 300 Gbps, the same as on the endpoints.
    let dx_share = 0.3;
    let alpha = 1.2;
    let scale = 100_000.0; // bytes; mean = α·scale/(α−1) = 600 kB
    let mean = alpha * scale / (alpha - 1.0);
    let offered_bps = 0.7 * f64::from(EPS) * 10e9;
    let per_sec = offered_bps / (8.0 * mean);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Both parameter sets are valid constants (scale, shape, rate > 0).
    let Ok(sizes) = Pareto::new(scale, alpha) else {
        unreachable!("valid Pareto parameters")
    };
    let Ok(gaps) = Exp::new(per_sec) else {
        unreachable!("valid Exp parameter")
    };
    let mut t = 0.0f64;
    let arrivals = (0..n)
        .map(|_| {
            t += gaps.sample(&mut rng);
            let nic = rng.random_range(0..NICS);
            let ep = NICS + rng.random_range(0..EPS);
            let dx = NICS + EPS + rng.random_range(0..DXS);
            let len = if rng.random::<f64>() < dx_share { 3 } else { 2 };
            // Cap the tail at 10 GB so one flow cannot outlast the run.
            let size = sizes.sample(&mut rng).min(1e10) as u64;
            Arrival {
                at: (t * 1e9) as u64,
                path: [ResourceId(nic), ResourceId(ep), ResourceId(dx)],
                len,
                size,
            }
        })
        .collect();
    Workload {
        capacities,
        cap: Bandwidth::gbps(5),
        arrivals,
    }
}

/// `n` flows at t = 0 over 100 NICs, 10 endpoint links, 3 DX links; each
/// on a random NIC/endpoint/DX combination (~3,000 distinct paths), or,
/// with `few_paths`, on one of 30 fixed paths.
fn burst(n: usize, seed: u64, few_paths: bool) -> Workload {
    let mut capacities = Vec::new();
    capacities.extend((0..100).map(|_| Bandwidth::gbps(10)));
    capacities.extend((0..10).map(|_| Bandwidth::gbps(40)));
    capacities.extend((0..3).map(|_| Bandwidth::gbps(10)));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Valid constants (scale, shape > 0).
    let Ok(sizes) = Pareto::new(1_000_000.0, 1.2) else {
        unreachable!("valid Pareto parameters")
    };
    let arrivals = (0..n)
        .map(|_| {
            let (nic, ep, dx, len) = if few_paths {
                let p = rng.random_range(0..30u32);
                (
                    p * 3,
                    100 + p % 10,
                    110 + p % 3,
                    if p % 2 == 0 { 3 } else { 2 },
                )
            } else {
                let nic = rng.random_range(0..100u32);
                let ep = 100 + rng.random_range(0..10u32);
                let dx = 110 + rng.random_range(0..3u32);
                (nic, ep, dx, if rng.random::<bool>() { 3 } else { 2 })
            };
            Arrival {
                at: 0,
                path: [ResourceId(nic), ResourceId(ep), ResourceId(dx)],
                len,
                size: Distribution::<f64>::sample(&sizes, &mut rng).min(1e10) as u64,
            }
        })
        .collect();
    Workload {
        capacities,
        cap: Bandwidth::gbps(5),
        arrivals,
    }
}

#[derive(Debug, Default)]
struct Shape {
    events: u64,
    active_sum: u64,
    active_max: usize,
    classes_max: usize,
    end: u64,
}

/// Runs the event loop: arrivals and completions in time order (completions
/// first at equal instants), one call per flow event. With `batch`, arrivals
/// at the same instant start in one call.
fn run(w: &Workload, batch: bool) -> Shape {
    let mut a = Allocator::new();
    for &c in &w.capacities {
        a.add_resource(c);
    }
    let mut shape = Shape::default();
    let mut done: Vec<Completion> = Vec::with_capacity(64);
    let mut specs: Vec<FlowSpec> = Vec::new();
    let mut ids = Vec::new();
    let mut i = 0;
    loop {
        let nc = a.next_completion();
        let na = w.arrivals.get(i).map(|x| x.at);
        match (nc, na) {
            (Some(c), a_at) if a_at.is_none_or(|x| c.0 <= x) => {
                a.pop_completed(c, &mut done);
                shape.events += done.len() as u64;
                shape.end = c.0;
                done.clear();
            }
            (_, Some(at)) => {
                if batch {
                    specs.clear();
                    while let Some(x) = w.arrivals.get(i).filter(|x| x.at == at) {
                        specs.push(FlowSpec {
                            path: &x.path[..x.len],
                            cap: Some(w.cap),
                            size: Bytes(x.size),
                        });
                        i += 1;
                    }
                    ids.clear();
                    if let Err(e) = a.start_flows(SimTime(at), &specs, &mut ids) {
                        panic!("bench trace is valid: {e}");
                    }
                    shape.events += specs.len() as u64;
                } else {
                    let x = &w.arrivals[i];
                    if let Err(e) =
                        a.start_flow(SimTime(at), &x.path[..x.len], Some(w.cap), Bytes(x.size))
                    {
                        panic!("bench trace is valid: {e}");
                    }
                    i += 1;
                    shape.events += 1;
                }
            }
            (None, None) => break,
            (Some(_), None) => {
                unreachable!("the first arm takes every completion when no arrival is left")
            }
        }
        let n = a.active_flows();
        shape.active_sum += n as u64;
        shape.active_max = shape.active_max.max(n);
        shape.classes_max = shape.classes_max.max(a.active_classes());
    }
    black_box(&a);
    shape
}

fn describe(name: &str, w: &Workload, batch: bool) -> u64 {
    let t0 = Instant::now();
    let s = run(w, batch);
    let wall = t0.elapsed();
    eprintln!(
        "{name}: {} flows, {} events over {:.3} s simulated; active flows mean {:.0}, max {}; classes max {}; one run {:.1} ms = {:.0} ns/event",
        w.arrivals.len(),
        s.events,
        s.end as f64 / 1e9,
        s.active_sum as f64 / s.events.max(1) as f64,
        s.active_max,
        s.classes_max,
        wall.as_secs_f64() * 1e3,
        wall.as_nanos() as f64 / s.events.max(1) as f64,
    );
    s.events
}

fn bench(c: &mut Criterion) {
    if std::env::var_os("VPCSIM_BURST_SCALING").is_some() {
        // The burst at several sizes, once each: how the cost per event
        // grows with the number of flows that start together.
        for n in [1_000, 2_000, 5_000, 10_000, 20_000, 40_000] {
            let w = burst(n, 11, false);
            describe(&format!("burst_{n} (one call per arrival)"), &w, false);
            describe(&format!("burst_{n} (batch start)"), &w, true);
        }
    }
    let target = target_workload(100_000, 7);
    let events = describe("target_workload", &target, false);
    let mut g = c.benchmark_group("allocator");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(events));
    g.bench_function("target_workload_100k_flows", |b| {
        b.iter(|| black_box(run(&target, false)))
    });
    let burst_w = burst(10_000, 11, false);
    let events = describe("burst_10k (one call per arrival)", &burst_w, false);
    describe("burst_10k (batch start)", &burst_w, true);
    g.throughput(Throughput::Elements(events));
    g.bench_function("burst_10k_one_by_one", |b| {
        b.iter(|| black_box(run(&burst_w, false)))
    });
    g.bench_function("burst_10k_batch_start", |b| {
        b.iter(|| black_box(run(&burst_w, true)))
    });
    let few = burst(10_000, 11, true);
    let events = describe("burst_10k_30_paths (one call per arrival)", &few, false);
    g.throughput(Throughput::Elements(events));
    g.bench_function("burst_10k_30_paths_one_by_one", |b| {
        b.iter(|| black_box(run(&few, false)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
