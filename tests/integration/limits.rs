//! Resource limits: a run that would exceed a cap fails before simulating,
//! naming the cap, the estimate and the flag that raises it; the flag lets
//! the same run through.

use std::time::Instant;

use vpcsim::limits::{self, LimitError, Limits};
use vpcsim::load;
use vpcsim::{explain, sim};

use super::{exits, vpcsim};

const MINIMAL: &str = include_str!("../fixtures/good/minimal.ron");

fn quickstart() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.ron").to_string()
}

/// A minimal scenario whose consumer VPC has IPv6 /64 subnets (room for any
/// number of instances) and `instances` web instances.
fn many_instances(instances: u64) -> load::Loaded {
    let text = MINIMAL
        .replace(
            r#"cidrs: ["10.1.0.0/16"], subnets: [
            Subnet(name: "app-a", az: "use1-az1", cidr: "10.1.1.0/24"),
            Subnet(name: "app-b", az: "use1-az2", cidr: "10.1.2.0/24"),"#,
            r#"cidrs: ["10.1.0.0/16", "2600:1f18::/56"], subnets: [
            Subnet(name: "app-a", az: "use1-az1", cidr: "2600:1f18::/64"),
            Subnet(name: "app-b", az: "use1-az2", cidr: "2600:1f18:0:1::/64"),"#,
        )
        .replace("instances: 4, nic", &format!("instances: {instances}, nic"));
    assert!(text.contains("2600:1f18::/64") && text.contains(&instances.to_string()));
    load::load_str(&text, "many.ron").expect("valid")
}

/// Four billion instances are refused in microseconds, before the fabric
/// (which allocates per instance) is built: by `sim::run` and by `explain`.
#[test]
fn entity_cap_refuses_before_building() {
    let s = many_instances(4_000_000_000);
    let t = Instant::now();
    let err = sim::run(
        &s,
        &sim::RunOptions {
            quiet: true,
            ..Default::default()
        },
    )
    .expect_err("over the cap");
    assert!(t.elapsed().as_secs_f64() < 1.0, "took {:?}", t.elapsed());
    let msg = err.to_string();
    assert!(msg.contains("4,000,000,021 entities"), "{msg}");
    assert!(
        msg.contains("4,000,000,000 instances of workload \"web\""),
        "{msg}"
    );
    assert!(msg.contains("--max-entities"), "{msg}");
    let e = explain::explain(
        &s,
        &explain::ExplainQuery {
            traffic: Some("checkout".to_string()),
            ..Default::default()
        },
        None,
    )
    .expect_err("over the cap");
    assert!(e.to_string().contains("--max-entities"), "{e}");
    // Raising the cap lets a (smaller, buildable) scenario through.
    let s = many_instances(1_500_000);
    assert!(matches!(
        limits::check(&s, &Limits::default()),
        Err(LimitError::Entities { .. })
    ));
    let raised = Limits {
        max_entities: 2_000_000,
        ..Limits::default()
    };
    assert!(limits::check(&s, &raised).is_ok());
}

/// Each cap, from the command line: exit 2 before anything is simulated or
/// written, a message naming the flag, and the flag raises it.
#[test]
fn cli_caps_fail_fast_and_flags_raise_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    // quickstart: about 146,000 connections (expected), 6 h of 1-minute
    // samples of its endpoint AZs, and at least as many events.
    let cases: [(&[&str], &str); 3] = [
        (&["--max-connections", "10000"], "--max-connections"),
        (&["--max-timeseries-rows", "100"], "--max-timeseries-rows"),
        (&["--max-events", "1000"], "--max-events"),
    ];
    for (flags, named) in cases {
        let out_dir = dir.path().join(named.trim_start_matches('-'));
        let err = exits(
            vpcsim()
                .args(["run", &quickstart(), "--quiet", "--out"])
                .arg(&out_dir)
                .args(flags),
            2,
            &format!("{flags:?}"),
        )
        .stderr;
        assert!(err.contains(named), "{flags:?}: {err}");
        assert!(err.contains("nothing was simulated"), "{flags:?}: {err}");
        // Refused by the check before the run ("nothing was simulated"),
        // not stopped by the engine's event budget mid-run, and nothing
        // was written.
        assert!(!err.contains("event budget exhausted"), "{flags:?}: {err}");
        assert!(!out_dir.exists(), "{flags:?}: outputs were written");
    }
    // The default caps let every shipped scenario run (the CLI tests run
    // them all); here the raised cap lets a tight one through.
    let s = load::load_file(quickstart()).expect("valid");
    let est = limits::estimate(&s);
    let tight = Limits {
        max_connections: est.connections as u64 / 2,
        ..Limits::default()
    };
    assert!(matches!(
        limits::check(&s, &tight),
        Err(LimitError::Connections { .. })
    ));
    exits(
        vpcsim()
            .args(["run", &quickstart(), "--quiet", "--out"])
            .arg(dir.path().join("raised"))
            .args([
                "--max-connections",
                &(est.connections as u64 * 2).to_string(),
                "--max-timeseries-rows",
                &(est.timeseries_rows * 2).to_string(),
            ]),
        0,
        "raised caps",
    );
}

/// Rates, durations and samples at the edge of what the schema allows are
/// caught by the estimates: a billion connections per second for a day, a
/// nanosecond sampling interval.
#[test]
fn extreme_rates_and_sampling_are_caught() {
    let s = load::load_str(
        &MINIMAL
            .replace("per_second: 20.0", "per_second: 1000000000.0")
            .replace("duration: \"1h\"", "duration: \"24h\""),
        "fast.ron",
    )
    .expect("valid");
    let e = limits::check(&s, &Limits::default()).expect_err("too many");
    assert!(
        matches!(e, LimitError::Connections { estimate, .. } if estimate == 86_400_000_000_000),
        "{e}"
    );
    let s = load::load_str(
        &MINIMAL.replace(
            "region: \"us-east-1\",",
            "region: \"us-east-1\", settings: Settings(sample_interval: \"1ns\"),",
        ),
        "fine.ron",
    )
    .expect("valid");
    let e = limits::check(&s, &Limits::default()).expect_err("too many rows");
    assert!(e.to_string().contains("settings.sample_interval"), "{e}");
    // Sweeps: the constant the study code checks against.
    assert!(limits::check_sweep_points(limits::MAX_SWEEP_POINTS + 1).is_err());
}

/// The `--max-events` value a refusal suggests lets the same run through.
/// It used to suggest the lower bound checked (one event per connection and
/// per sample) plus 10 %, about a quarter of what a run processes: the
/// check then passed and the engine ran out of budget mid-run. That old
/// value still fails here, in the engine, so the test shows the difference.
#[test]
fn the_max_events_hint_suggests_enough() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Ten minutes of Poisson 20/s: about 12,000 connections.
    let text = MINIMAL.replace("duration: \"1h\"", "duration: \"10m\"");
    let file = dir.path().join("s.ron");
    std::fs::write(&file, text).expect("write");
    let run = |events: &str, code: i32| {
        exits(
            vpcsim()
                .args(["run", "--quiet", "--max-events", events, "--out"])
                .arg(dir.path().join(format!("out-{events}")))
                .arg(&file),
            code,
            &format!("--max-events {events}"),
        )
        .stderr
    };
    let err = run("1000", 2);
    let suggested = err
        .split("--max-events ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .unwrap_or_else(|| panic!("no suggestion in {err}"));
    assert!(suggested.parse::<u64>().is_ok(), "{err}");
    run(suggested, 0);
    let s = load::load_file(&file).expect("valid");
    let lower = limits::estimate(&s).events;
    let old_hint = (lower + lower / 10).to_string();
    let err = run(&old_hint, 2);
    assert!(err.contains("event budget exhausted"), "{err}");
}

/// Each traffic class holds counters and a completion-time histogram
/// (20–35 KB): 100,000 classes took 3.5 GB with no cap. 10,001 classes are
/// refused by `validate` and by `run` before anything is built, naming the
/// flag; the flag raises the cap (checked by the library, which the flag
/// sets, so as not to run a large scenario here).
#[test]
fn too_many_traffic_classes_are_refused_before_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = super::soak::classes(10_001, "Constant(per_second: 0.001)");
    let file = dir.path().join("classes.ron");
    std::fs::write(&file, &text).expect("write");
    let started = Instant::now();
    let want = "10,001 traffic classes, above the cap of 10,000";
    let err = exits(vpcsim().arg("validate").arg(&file), 2, "validate").stderr;
    assert!(err.contains(want), "{err}");
    let out = dir.path().join("out");
    let err = exits(
        vpcsim().args(["run", "-q", "--out"]).arg(&out).arg(&file),
        2,
        "run",
    )
    .stderr;
    assert!(err.contains(want), "{err}");
    assert!(err.contains("--max-traffic-classes 11001 "), "{err}");
    assert!(!out.exists());
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    let s = load::load_str(&text, "classes.ron").expect("valid");
    let raised = Limits {
        max_traffic_classes: 11_001,
        ..Limits::default()
    };
    assert!(limits::check(&s, &raised).is_ok());
}

/// `validate` refuses what `run` refuses before simulating, the caps
/// included: four billion instances pass the loader but not the entity
/// cap.
#[test]
fn validate_applies_the_default_caps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("many.ron");
    let text = MINIMAL
        .replace(
            r#"cidrs: ["10.1.0.0/16"], subnets: [
            Subnet(name: "app-a", az: "use1-az1", cidr: "10.1.1.0/24"),
            Subnet(name: "app-b", az: "use1-az2", cidr: "10.1.2.0/24"),"#,
            r#"cidrs: ["10.1.0.0/16", "2600:1f18::/56"], subnets: [
            Subnet(name: "app-a", az: "use1-az1", cidr: "2600:1f18::/64"),
            Subnet(name: "app-b", az: "use1-az2", cidr: "2600:1f18:0:1::/64"),"#,
        )
        .replace("instances: 4, nic", "instances: 4000000000, nic");
    std::fs::write(&file, text).expect("write");
    let err = exits(vpcsim().arg("validate").arg(&file), 2, "validate").stderr;
    assert!(err.contains("--max-entities"), "{err}");
    assert!(err.contains("many.ron"), "{err}");
}

/// Several classes may replay one trace, and each opens a connection per
/// row: 60 classes replaying one 1,000,000-row trace (60 M connections)
/// used to pass every cap (the trace's size cap bounds one file, not how
/// often it is replayed) and abort after minutes. `validate` and `run`
/// refuse it before anything is simulated, with the same message naming
/// the scenario file, the trace and its rows; nothing is written. Raising
/// `--max-connections` to exactly 60 M lets it through, which shows each
/// class counted the rows (one class alone is 1 M, far below the cap).
#[test]
fn classes_replaying_one_trace_count_its_rows_each() {
    const ROWS: u64 = 1_000_000;
    const CLASSES: usize = 60;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut csv = String::with_capacity(20 * ROWS as usize + 64);
    csv.push_str("time,source,target,request_bytes,response_bytes\n");
    for i in 0..ROWS {
        // One row per 3 ms over the first 3,000 s of the 1-hour run.
        let ms = i * 3;
        csv.push_str(&format!("{}.{:03},,,100,100\n", ms / 1000, ms % 1000));
    }
    std::fs::write(dir.path().join("t.csv"), &csv).expect("write trace");
    let file = dir.path().join("replays.ron");
    std::fs::write(
        &file,
        super::soak::classes(CLASSES, "Trace(file: \"t.csv\")"),
    )
    .expect("write scenario");
    let started = Instant::now();
    let validate = exits(vpcsim().arg("validate").arg(&file), 2, "validate").stderr;
    let out = dir.path().join("out");
    let run = exits(
        vpcsim().args(["run", "-q", "--out"]).arg(&out).arg(&file),
        2,
        "run",
    )
    .stderr;
    let took = started.elapsed();
    let first = |s: &str| s.lines().next().unwrap_or_default().to_string();
    assert_eq!(first(&validate), first(&run), "validate and run differ");
    let msg = first(&run);
    assert!(
        msg.starts_with(&format!("error: {}: ", file.display())),
        "{msg}"
    );
    assert!(msg.contains("about 60,000,000 connections"), "{msg}");
    assert!(msg.contains("trace \"t.csv\" of 1,000,000 rows"), "{msg}");
    assert!(msg.contains("--max-connections 66000000"), "{msg}");
    assert!(msg.contains("nothing was simulated"), "{msg}");
    assert!(!out.exists(), "outputs were written");
    // Reading and checking the trace takes about a second of CPU per
    // command; the bound only catches a run that started simulating.
    assert!(took.as_secs() < 60, "took {took:?}");
    let loaded = load::load_file(&file).expect("valid");
    let at_cap = Limits {
        max_connections: CLASSES as u64 * ROWS,
        ..Limits::default()
    };
    let est = limits::check_loaded(&loaded, &at_cap).expect("within the raised cap");
    assert_eq!(est.connections, (CLASSES as u64 * ROWS) as f64);
    assert!(matches!(
        limits::check_loaded(
            &loaded,
            &Limits {
                max_connections: CLASSES as u64 * ROWS - 1,
                ..Limits::default()
            }
        ),
        Err(LimitError::Connections { .. })
    ));
}

/// A cap error names the scenario file the same way whichever command hit
/// it: `run`, `check` and `baseline` print the same line, the one
/// `validate` prints for the default caps (`error: <file>: <cap>`).
#[test]
fn cap_errors_name_the_scenario_file_in_every_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("minimal.ron");
    std::fs::write(&file, MINIMAL).expect("write");
    let baseline = dir.path().join("b.json");
    super::write_baseline(&file, &baseline);
    let tight = ["--max-connections", "1000"];
    let first = |r: super::Ran| r.stderr.lines().next().unwrap_or_default().to_string();
    let run = first(exits(
        vpcsim()
            .args(["run", "-q", "--out"])
            .arg(dir.path().join("out"))
            .arg(&file)
            .args(tight),
        2,
        "run",
    ));
    let check = first(exits(
        vpcsim()
            .args(["check", "-q"])
            .arg(&file)
            .arg("--baseline")
            .arg(&baseline)
            .args(tight),
        2,
        "check",
    ));
    let again = dir.path().join("b2.json");
    let base = first(exits(
        vpcsim()
            .args(["baseline", "-q"])
            .arg(&file)
            .arg("--out")
            .arg(&again)
            .args(tight),
        2,
        "baseline",
    ));
    // Poisson 20/s for one hour: 72,000 expected connections.
    let want = format!(
        "error: {}: the scenario would open about 72,000 connections",
        file.display()
    );
    assert!(run.starts_with(&want), "{run}");
    assert_eq!(run, check);
    assert_eq!(run, base);
    assert!(!again.exists());
}
