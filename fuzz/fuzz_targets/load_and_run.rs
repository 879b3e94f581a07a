//! libFuzzer target: arbitrary bytes → `scenario::parse_str`; a scenario that
//! loads is capped (at most 1 s simulated, small limits) and built and run.
//! Nothing may panic. The in-tree fuzzer (`tests/integration/fuzz.rs`) does
//! the same with structured mutations and runs in CI; this target adds
//! coverage guidance. Seed it with the shipped scenarios:
//!
//! ```sh
//! mkdir -p fuzz/corpus/load_and_run
//! cp scenarios/*.ron tests/fixtures/good/*.ron tests/fixtures/bad/*.ron \
//!    tests/fixtures/fuzz/*.ron fuzz/corpus/load_and_run/
//! cargo +nightly fuzz run load_and_run -- -max_total_time=600 -timeout=30
//! ```
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpcsim::limits::Limits;
use vpcsim::load;
use vpcsim::scenario::{self, TimedEvent};
use vpcsim::sim;
use vpcsim::units::SimDuration;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut s) = scenario::parse_str(text, "fuzz.ron") else {
        return;
    };
    let cap = SimDuration::from_secs(1);
    if s.duration > cap {
        s.duration = cap;
        for e in &mut s.events {
            let TimedEvent::At(t, _) = e;
            *t = (*t).min(cap);
        }
        for t in &mut s.traffic {
            t.start = t.start.map(|x| x.min(SimDuration::from_millis(500)));
            t.end = t.end.map(|x| x.min(cap));
        }
    }
    let Ok(s) = load::Loaded::new(s) else {
        return;
    };
    let opts = sim::RunOptions {
        quiet: true,
        limits: Limits {
            max_entities: 20_000,
            max_connections: 20_000,
            max_timeseries_rows: 200_000,
            max_traffic_classes: 1_000,
            max_events: 500_000,
        },
        ..Default::default()
    };
    if let Ok(r) = sim::run(&s, &opts) {
        let _ = vpcsim::report::summary_json(&r);
        let _ = vpcsim::report::connectivity_csv(&r);
        let _ = vpcsim::report::bill_csv(&r);
        let _ = vpcsim::report::timeseries_csv(&r);
    }
});
