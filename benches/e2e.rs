//! End-to-end benchmarks (`cargo bench --bench e2e`): a whole run as the CLI
//! does it — `load::load_file`, `sim::run` (quiet), `report::write_run`
//! into a temporary folder — on the generated scenarios of
//! `scenarios/bench/` (see `examples/gen_bench.rs` and
//! `docs/performance.md`).
//!
//! * `e2e/bench-trace`: 20,000 trace rows over a small fabric.
//! * `e2e/bench-burst-10k`: the same fabric, 10,000 connections opened at
//!   the same instant (one reallocation for all), then drained.
//! * `e2e/bench-100k`: ≈100,000 connections over 1,000 VPCs, 2,000
//!   endpoints, 3 AZs.
//! * `e2e_1m/bench-1m`: the goal's 1M-connection benchmark. A run takes
//!   seconds, so it is measured only when `VPCSIM_BENCH_1M=1` is set; the
//!   documented figure comes from the CLI under `/usr/bin/time -v`.
//!
//! Criterion's throughput is events per second (`events_processed` of the
//! run's summary). Each benchmark first prints one run's shape (events,
//! connections, wall time, events/s); at the end the process's peak
//! resident set size (`VmHWM`, the largest single run plus the harness) is
//! printed too. Runs are deterministic: every iteration processes the same
//! events.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vpcsim::load;
use vpcsim::{report, sim};

fn scenario_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/bench")
        .join(format!("{name}.ron"))
}

/// What one end-to-end run did.
struct Shape {
    events: u64,
    connections: u64,
}

/// One end-to-end run, as `vpcsim run <file> --quiet --out <dir>` does it.
fn run_once(path: &Path, out: &Path) -> Shape {
    let s = load::load_file(path).unwrap_or_else(|e| panic!("{e}"));
    let opts = sim::RunOptions {
        quiet: true,
        ..Default::default()
    };
    let result = sim::run(&s, &opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    report::write_run(out, &result).unwrap_or_else(|e| panic!("{e}"));
    Shape {
        events: result.summary.events_processed,
        connections: result.summary.connectivity.attempts,
    }
}

/// Runs once outside criterion and prints the shape; returns the events.
fn describe(name: &str, path: &Path, out: &Path) -> u64 {
    let t0 = Instant::now();
    let s = black_box(run_once(path, out));
    let wall = t0.elapsed().as_secs_f64();
    eprintln!(
        "{name}: {} connections, {} events; one run {:.2} s = {:.0} events/s, {:.2} µs/connection",
        s.connections,
        s.events,
        wall,
        s.events as f64 / wall,
        wall * 1e6 / s.connections.max(1) as f64,
    );
    s.events
}

/// Peak resident set size of this process (Linux `VmHWM`), if readable.
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
}

/// Benchmarks `(scenario, measurement time)` pairs in one group.
fn bench_group(c: &mut Criterion, group: &str, runs: &[(&str, Duration)]) {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("a temporary folder: {e}"));
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    for (name, measurement) in runs {
        g.measurement_time(*measurement);
        let path = scenario_path(name);
        let dir = out.path().join(name);
        let events = describe(name, &path, &dir);
        g.throughput(Throughput::Elements(events));
        g.bench_function(*name, |b| b.iter(|| black_box(run_once(&path, &dir))));
    }
    g.finish();
    if let Some(rss) = peak_rss() {
        eprintln!("{group}: peak RSS of the benchmark process so far: {rss}");
    }
}

fn e2e(c: &mut Criterion) {
    // 10 samples of a 2-5 s run need about a minute.
    bench_group(
        c,
        "e2e",
        &[
            ("bench-trace", Duration::from_secs(20)),
            ("bench-burst-10k", Duration::from_secs(20)),
            ("bench-100k", Duration::from_secs(60)),
        ],
    );
}

fn e2e_1m(c: &mut Criterion) {
    if std::env::var_os("VPCSIM_BENCH_1M").is_none() {
        eprintln!("e2e_1m: skipped (set VPCSIM_BENCH_1M=1 to run the 1M-connection benchmark)");
        return;
    }
    bench_group(c, "e2e_1m", &[("bench-1m", Duration::from_secs(300))]);
}

criterion_group!(benches, e2e, e2e_1m);
criterion_main!(benches);
