//! The messages a user sees for a mistyped file: unknown fields inside enum
//! variants are refused (never silently dropped), each message naming the
//! field, where it is, and what was expected.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::de::DeserializeOwned;
use vpcsim::scenario::{Arrivals, Event, Expectation, SizeDist, Target};
use vpcsim::study::CidrPlan;

fn root(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `vpcsim validate <file>`: exit code and stderr.
fn validate(path: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vpcsim"))
        .arg("validate")
        .arg(path)
        .output()
        .expect("vpcsim runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Parses `text` as a `T` the way vpcsim reads its files, and returns the
/// error message (panics if the text is accepted).
fn refused<T: DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
    match vpcsim::scenario::ron_options().from_str::<T>(text) {
        Ok(v) => panic!("{text} was accepted as {v:?}"),
        Err(e) => e.code.to_string(),
    }
}

/// Every struct variant of the scenario and study enums, with one field too
/// many: each is refused with the stray field's name.
#[test]
fn unknown_fields_inside_enum_variants_are_refused() {
    fn check<T: DeserializeOwned + std::fmt::Debug>(cases: &[&str]) {
        for text in cases {
            let e = refused::<T>(text);
            assert!(e.contains("Unexpected field named `bogus`"), "{text}: {e}");
        }
    }
    check::<Target>(&[
        r#"Service(name: "s", dns: Zonal, bogus: 1)"#,
        r#"Endpoint(name: "e", bogus: 1)"#,
    ]);
    check::<Arrivals>(&[
        "Constant(per_second: 1.0, bogus: 1)",
        "Poisson(per_second: 1.0, bogus: 1)",
        r#"OnOff(per_second: 1.0, on: "1m", off: "1m", bogus: 1)"#,
        "Diurnal(peak_per_second: 2.0, trough_per_second: 1.0, bogus: 1)",
        r#"Trace(file: "t.csv", bogus: 1)"#,
        "Burst(count: 3, bogus: 1)",
    ]);
    check::<SizeDist>(&[
        r#"Uniform(min: "1KiB", max: "2KiB", bogus: 1)"#,
        r#"LogNormal(median: "1KiB", sigma: 1.0, bogus: 1)"#,
        r#"Pareto(min: "1KiB", alpha: 1.5, bogus: 1)"#,
    ]);
    let pair = |v: &str, a: &str, b: &str| format!(r#"{v}({a}: "x", {b}: "y", bogus: 1)"#);
    let mut events: Vec<String> = ["Accept", "Reject", "Suspend", "Resume", "Terminate"]
        .iter()
        .map(|v| pair(v, "service", "endpoint"))
        .collect();
    events.extend([
        pair("AddNlb", "service", "nlb"),
        pair("RemoveNlb", "service", "nlb"),
        r#"AllowPrincipal(service: "s", principal: All, bogus: 1)"#.to_string(),
        r#"RemovePrincipal(service: "s", principal: All, bogus: 1)"#.to_string(),
        r#"SetPrivateDnsState(service: "s", state: Verified, bogus: 1)"#.to_string(),
        r#"AzOutage(az: "use1-az1", for: "1m", bogus: 1)"#.to_string(),
        r#"AzRecover(az: "use1-az1", bogus: 1)"#.to_string(),
        r#"DxDown(dx: "d", bogus: 1)"#.to_string(),
        r#"DxUp(dx: "d", bogus: 1)"#.to_string(),
        r#"CreateEndpoint(endpoint: "e", bogus: 1)"#.to_string(),
        r#"DeleteEndpoint(endpoint: "e", bogus: 1)"#.to_string(),
    ]);
    check::<Event>(&events.iter().map(String::as_str).collect::<Vec<_>>());
    check::<Expectation>(&[
        r#"CostAtMost(max: "1.00", bogus: 1)"#,
        r#"Delivered(traffic: "t", at_least: 1.0, bogus: 1)"#,
        r#"Denied(traffic: "t", reason: "R", bogus: 1)"#,
        r#"P99FctAtMost(traffic: "t", max: "1s", bogus: 1)"#,
        r#"PeakUtilisationAtMost(resource: "r", max: 0.5, bogus: 1)"#,
    ]);
    check::<CidrPlan>(&[r#"Distinct(from: "10.0.0.0/8", prefix: 24, bogus: 1)"#]);
}

/// The user's view: `validate` on a scenario with `dnss:` for `dns:` inside
/// `Service(...)` names the file, line and column and the expected fields.
#[test]
fn a_typo_inside_a_traffic_target_is_reported_where_it_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(root("tests/fixtures/good/minimal.ron")).expect("fixture");
    let typo = text.replace(
        r#"to: Service(name: "orders", dns: Regional)"#,
        r#"to: Service(name: "orders", dnss: Regional)"#,
    );
    assert_ne!(typo, text, "the fixture still has the line this test edits");
    let line = 1 + typo[..typo.find("dnss").expect("edited")]
        .matches('\n')
        .count();
    let path = dir.path().join("typo.ron");
    std::fs::write(&path, typo).expect("write");
    let (code, err) = validate(&path);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!(":{line}:")) && err.contains("typo.ron"),
        "no file:line in: {err}"
    );
    assert!(
        err.contains("Unexpected field named `dnss` in `Service`, expected either `name` or `dns`"),
        "{err}"
    );
}

/// The same in a study: an extra field in `cidrs: Distinct(...)` used to be
/// dropped without a word.
#[test]
fn a_typo_inside_a_study_cidr_plan_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let study = std::fs::read_to_string(root("scenarios/studies/peering-vs-privatelink.ron"))
        .expect("shipped study");
    let base = root("scenarios/studies/shared-service.ron");
    let typo = study
        .replace(
            r#"cidrs: Overlapping("172.16.0.0/24")"#,
            r#"cidrs: Distinct(from: "10.0.0.0/8", prefix: 24, prefx: 24)"#,
        )
        .replace(
            r#"base: "shared-service.ron""#,
            &format!("base: {:?}", base.display().to_string()),
        );
    assert!(typo.contains("prefx") && typo.contains(&base.display().to_string()));
    let path = dir.path().join("study.ron");
    std::fs::write(&path, typo).expect("write");
    let (code, err) = validate(&path);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "Unexpected field named `prefx` in `Distinct`, expected either `from` or `prefix`"
        ),
        "{err}"
    );
}

/// `vpcsim <args>`: exit code, stdout and stderr.
fn cli(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vpcsim"))
        .args(args)
        .output()
        .expect("vpcsim runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A one-point study says "1 point" in sweep, merge and its chart legend
/// (it said "1 of 1 points").
#[test]
fn a_one_point_study_is_counted_in_the_singular() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = root("scenarios/studies/shared-service.ron");
    // 51 consumers peered under the 50-peering quota: one is denied, so the
    // chart flags the line as denying at its one point.
    let study = format!(
        r#"Study(
    name: "one",
    base: {:?},
    templates: [Template(name: "c", count: 51, azs: ["use1-az1"], instances: 1,
        shared: Shared(vpc: "shared", workload: "api-backend", service: "api"),
        traffic: TrafficSpec(arrivals: Constant(per_second: 0.1), request: Fixed("1KiB"), response: Fixed("1KiB")))],
    variants: [Variant(name: "peering", architecture: Peering, quotas: "aws-current", duration: "1m")],
)"#,
        base.display().to_string()
    );
    let file = dir.path().join("one.ron");
    std::fs::write(&file, study).expect("write");
    let swept = dir.path().join("swept");
    let (code, out, err) = cli(&[
        "sweep".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        swept.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("study one: 1 of 1 point run\n"), "{out}");
    let merged = dir.path().join("merged");
    let (code, out, err) = cli(&[
        "merge".as_ref(),
        swept.as_os_str(),
        "--out".as_ref(),
        merged.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("study one: merged 1 of 1 point\n"), "{out}");
    let compared = dir.path().join("compare");
    let (code, _, err) = cli(&[
        "compare".as_ref(),
        merged.as_os_str(),
        "--out".as_ref(),
        compared.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let svg = std::fs::read_to_string(compared.join("charts/throughput.svg")).expect("chart");
    assert!(
        svg.contains("denies at 1 of 1 point"),
        "no flag in the chart legend"
    );
    assert!(!svg.contains("1 of 1 points"), "a plural for one point");
    // The text table names bill categories as the bill does and says what
    // its units are; the CSV keeps the category codes.
    let text = std::fs::read_to_string(compared.join("comparison.txt")).expect("table");
    assert!(text.contains("\n  Peering, cross-AZ "), "{text}");
    assert!(!text.contains("peering_cross_az"), "{text}");
    assert!(
        text.contains("GiB: AWS's billed GB, 1 GB = 1 GiB = 2^30 bytes"),
        "{text}"
    );
    let (code, csv, err) = cli(&[
        "compare".as_ref(),
        merged.as_os_str(),
        "--format".as_ref(),
        "csv".as_ref(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(csv.contains(",peering_cross_az,"), "{csv}");
}
