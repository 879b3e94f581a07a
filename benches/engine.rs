//! Event-queue throughput: the classic *hold model*.
//!
//! The queue holds `PENDING` events; each step pops the earliest and pushes
//! one at `now + delay`, with delays drawn from an exponential distribution
//! (mean 1 µs). The same step is measured for `engine::Scheduler` and for a
//! bare `BinaryHeap<Reverse<(u64, u64)>>` of `(time, seq)` keys, so the
//! difference is the cost of the scheduler's entry type and bookkeeping.
//!
//! A third variant, `engine_run_loop`, runs the same hold model through
//! `engine::run` and a [`Model`]: the whole event core as a simulation uses
//! it (budget and horizon checks, the model's own deadline, progress).
//!
//! Delays are drawn up front into a ring, so the variants measure the queue
//! rather than the random number generator. One criterion iteration is one
//! event: the reported time per iteration is ns/event.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand_distr::{Distribution, Exp1};
use vpcsim::engine::{rng_stream, run, Model, Progress, RunLimits, Scheduler};
use vpcsim::units::{SimDuration, SimTime};

/// Events kept pending by the hold model.
const PENDING: usize = 1_000;
/// Size of the ring of pre-drawn delays (a power of two).
const RING: usize = 1 << 14;
/// Mean delay, ns.
const MEAN_DELAY_NS: f64 = 1_000.0;

/// Exponential delays in whole nanoseconds, from a seeded stream.
fn delays() -> Vec<u64> {
    let mut rng = rng_stream(1, "bench:hold");
    (0..RING)
        .map(|_| {
            let x: f64 = Exp1.sample(&mut rng);
            (x * MEAN_DELAY_NS) as u64
        })
        .collect()
}

/// The hold model as a simulation model: each event schedules the next.
struct Hold<'a> {
    delays: &'a [u64],
    k: usize,
}

impl Model for Hold<'_> {
    type Event = u32;
    fn handle(&mut self, _now: SimTime, ev: u32, sched: &mut Scheduler<u32>) {
        self.k = (self.k + 1) & (RING - 1);
        sched.schedule_in(SimDuration(self.delays[self.k]), ev);
    }
}

fn hold_model(c: &mut Criterion) {
    let delays = delays();
    let mut group = c.benchmark_group("hold_model_1000");
    group.throughput(Throughput::Elements(1));

    group.bench_function("engine_scheduler", |b| {
        let mut q: Scheduler<u32> = Scheduler::with_capacity(PENDING + 1);
        for (i, &d) in delays.iter().take(PENDING).enumerate() {
            q.schedule_at(SimTime(d), i as u32);
        }
        let mut k = PENDING;
        b.iter(|| {
            if let Some((_, ev)) = q.pop() {
                k = (k + 1) & (RING - 1);
                q.schedule_in(SimDuration(delays[k]), ev);
            }
            black_box(q.now())
        });
    });

    group.bench_function("engine_run_loop", |b| {
        b.iter_custom(|iters| {
            let mut q: Scheduler<u32> = Scheduler::with_capacity(PENDING + 1);
            for (i, &d) in delays.iter().take(PENDING).enumerate() {
                q.schedule_at(SimTime(d), i as u32);
            }
            let mut model = Hold {
                delays: &delays,
                k: PENDING,
            };
            let limits = RunLimits::until(SimTime(u64::MAX)).with_max_events(iters);
            let t0 = Instant::now();
            // The budget ends the run after `iters` events, with work left:
            // that error is the expected way out.
            let _ = black_box(run(&mut model, &mut q, limits, &Progress::hidden()));
            t0.elapsed()
        });
    });

    group.bench_function("bare_binary_heap", |b| {
        let mut heap: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::with_capacity(PENDING + 1);
        let mut seq = 0u64;
        for &d in delays.iter().take(PENDING) {
            heap.push(Reverse((d, seq)));
            seq += 1;
        }
        let mut now = 0u64;
        let mut k = PENDING;
        b.iter(|| {
            if let Some(Reverse((t, _))) = heap.pop() {
                now = t;
                k = (k + 1) & (RING - 1);
                heap.push(Reverse((now + delays[k], seq)));
                seq += 1;
            }
            black_box(now)
        });
    });

    group.finish();
}

criterion_group!(benches, hold_model);
criterion_main!(benches);
