//! Event-queue throughput: the classic *hold model*.
//!
//! The queue holds `PENDING` events; each step pops the earliest and pushes
//! one at `now + delay`, with delays drawn from an exponential distribution
//! (mean 1 µs). The same step is measured for `engine::Scheduler` and for a
//! bare `BinaryHeap<Reverse<(u64, u64)>>` of `(time, seq)` keys, so the
//! difference is the cost of the scheduler's entry type and bookkeeping.
//!
//! Delays are drawn up front into a ring, so both variants measure the queue
//! rather than the random number generator. One criterion iteration is one
//! event: the reported time per iteration is ns/event.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand_distr::{Distribution, Exp1};
use vpcsim::engine::{rng_stream, Scheduler};
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
