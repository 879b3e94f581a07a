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

#[test]
fn shipped_scenarios_deliver_and_deny_what_their_headers_claim() {
    use vpcsim::scenario::Expectation;
    for path in shipped() {
        let s = scenario::load_file(&path).expect("valid");
        let r = sim::run(
            &s,
            &sim::RunOptions {
                quiet: true,
                ..Default::default()
            },
        )
        .expect("runs");
        for e in &s.expect {
            match e {
                Expectation::Denied { traffic, reason } => {
                    let t = r
                        .summary
                        .traffic
                        .iter()
                        .find(|t| t.name == *traffic)
                        .expect("class exists");
                    // Every connection of the class is denied, and with this reason.
                    assert_eq!(
                        t.delivered,
                        0,
                        "{}: {traffic} delivered {}",
                        path.display(),
                        t.delivered
                    );
                    assert_eq!(
                        t.denied_by_reason.get(reason),
                        Some(&t.connections),
                        "{}: {traffic} {:?}",
                        path.display(),
                        t.denied_by_reason
                    );
                }
                Expectation::Delivered { traffic, at_least } => {
                    let t = r
                        .summary
                        .traffic
                        .iter()
                        .find(|t| t.name == *traffic)
                        .expect("class exists");
                    let frac = t.delivered as f64 / t.connections.max(1) as f64;
                    assert!(
                        frac >= *at_least,
                        "{}: {traffic} delivered {frac}",
                        path.display()
                    );
                }
                _ => {}
            }
        }
    }
}

#[test]
fn quickstart_denies_only_before_acceptance_and_fails_over_during_the_outage() {
    let s = scenario::load_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/quickstart.ron"
    ))
    .expect("valid");
    let r = sim::run(
        &s,
        &sim::RunOptions {
            quiet: true,
            ..Default::default()
        },
    )
    .expect("runs");
    // Denials: only PENDING_ACCEPTANCE (before the 1m and 5m Accept events);
    // the 30-minute outage of use1-az2 denies nothing: regional names move
    // to healthy ENIs, and zonal clients in the failed AZ are down themselves.
    let reasons: Vec<&String> = r.summary.connectivity.denied_by_reason.keys().collect();
    assert_eq!(reasons, vec!["PENDING_ACCEPTANCE"]);
    let applied = &r.summary.scenario_events_applied;
    assert_eq!(applied.get("AzOutage"), Some(&1));
    assert_eq!(applied.get("AzRecover"), Some(&1));
}
