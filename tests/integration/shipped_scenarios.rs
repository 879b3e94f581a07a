//! Every shipped scenario loads, builds and runs, and runs are reproducible.

use std::path::PathBuf;

use vpcsim::{report, scenario, sim};

/// All `scenarios/*.ron` files (not pricebooks, quotas or studies).
pub fn shipped() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
        .expect("scenarios folder exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    v.sort();
    v
}

#[test]
fn the_three_required_scenarios_are_shipped() {
    let names: Vec<String> = shipped()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    for required in ["quickstart", "peering-mesh", "hybrid-dx"] {
        assert!(
            names.iter().any(|n| n == required),
            "{required} missing from {names:?}"
        );
    }
}

#[test]
fn every_shipped_scenario_validates_and_starts_with_a_header_comment() {
    for path in shipped() {
        let text = std::fs::read_to_string(&path).expect("readable");
        // The header says what the scenario shows (DESIGN.md §7).
        assert!(
            text.starts_with("//"),
            "{} has no comment header",
            path.display()
        );
        let s = scenario::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
        let name = path
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        assert_eq!(s.name, name, "scenario name should match its file name");
    }
}

#[test]
fn every_shipped_scenario_runs_and_twice_gives_identical_summaries() {
    for path in shipped() {
        let s = scenario::load_file(&path).expect("valid");
        let opts = sim::RunOptions {
            quiet: true,
            ..Default::default()
        };
        let a = sim::run(&s, &opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let b = sim::run(&s, &opts).expect("second run");
        let ja = report::summary_json(&a).expect("json");
        let jb = report::summary_json(&b).expect("json");
        // Byte-identical summaries: the determinism contract of DESIGN.md §3.
        assert_eq!(ja, jb, "{} is not reproducible", path.display());
        assert!(
            a.summary.events_processed > 0,
            "{} processed no event",
            path.display()
        );
        assert!(
            a.summary.traffic.iter().all(|t| t.connections > 0),
            "{}: a class never fired",
            path.display()
        );
    }
}

#[test]
fn a_different_seed_changes_the_draws() {
    let s = scenario::load_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/quickstart.ron"
    ))
    .expect("valid");
    let a = sim::run(
        &s,
        &sim::RunOptions {
            quiet: true,
            ..Default::default()
        },
    )
    .expect("run");
    let b = sim::run(
        &s,
        &sim::RunOptions {
            quiet: true,
            seed: Some(43),
            ..Default::default()
        },
    )
    .expect("run");
    assert_ne!(a.summary.traffic, b.summary.traffic);
    assert_eq!(b.summary.seed, 43);
}
