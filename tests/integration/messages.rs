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
/// `Service(...)` names the file, line and column, the fix, the field path
/// and the expected fields.
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
        err.contains(
            "Unexpected field named `dnss` in `Service`; did you mean `dns`? \
             (field path: traffic[0].to.Service.dnss; expected either `name` or `dns`)"
        ),
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
            "Unexpected field named `prefx` in `Distinct`; did you mean `prefix`? \
             (field path: variants[2].cidrs.Distinct.prefx; expected either `from` or `prefix`)"
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

/// A UTF-8 byte-order mark (some Windows editors write one) is ignored in
/// scenario and study files, and positions count as the editor shows them.
#[test]
fn a_byte_order_mark_is_accepted_and_positions_ignore_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bom = |rel: &str, name: &str| {
        let text = std::fs::read_to_string(root(rel)).expect("shipped file");
        let p = dir.path().join(name);
        std::fs::write(&p, format!("\u{feff}{text}")).expect("write");
        (p, text)
    };
    let (scenario, _) = bom("scenarios/quickstart.ron", "quickstart.ron");
    let (code, err) = validate(&scenario);
    assert_eq!(code, Some(0), "{err}");
    // The study's base is resolved next to it: copy the base too.
    std::fs::copy(
        root("scenarios/studies/shared-service.ron"),
        dir.path().join("shared-service.ron"),
    )
    .expect("copy base");
    let (study, _) = bom("scenarios/studies/az-failure.ron", "az-failure.ron");
    let (code, err) = validate(&study);
    assert_eq!(code, Some(0), "{err}");
    // An error on the first line is at the column the editor shows.
    let (bad, text) = bom("tests/fixtures/good/minimal.ron", "bad.ron");
    let first = text.lines().next().expect("a first line").to_string();
    std::fs::write(&bad, format!("\u{feff}Scenaro(\n{text}")).expect("write");
    let (code, err) = validate(&bad);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("bad.ron:1:1: expected `Scenario(`"),
        "{err} ({first})"
    );
}

/// In a study: a quoted variant says to drop the quotes, a misspelt field
/// or variant gets a did-you-mean, each with its position and field path.
#[test]
fn study_typos_get_a_fix_with_position_and_field_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let study = std::fs::read_to_string(root("scenarios/studies/peering-vs-privatelink.ron"))
        .expect("shipped study");
    let base = root("scenarios/studies/shared-service.ron");
    let study = study.replace(
        r#"base: "shared-service.ron""#,
        &format!("base: {:?}", base.display().to_string()),
    );
    let line_of = |text: &str, needle: &str| {
        1 + text[..text.find(needle).expect("edited")]
            .matches('\n')
            .count()
    };
    let cases = [
        (
            r#"architecture: PrivateLink)"#,
            r#"architecture: "PrivateLink")"#,
            "found \"PrivateLink\" in quotes where a name belongs: variants and field names are written bare; drop the quotes: `PrivateLink` (field path: variants[3].architecture)",
        ),
        (
            r#"architecture: TransitGateway)"#,
            r#"architecture: TransitGatway)"#,
            "did you mean `TransitGateway`? (field path: variants[4].architecture; expected one of",
        ),
        (
            r#"name: "tgw", description"#,
            r#"name: "tgw", descripton"#,
            "did you mean `description`? (field path: variants[4].descripton; expected one of",
        ),
    ];
    for (old, new, want) in cases {
        assert_eq!(study.matches(old).count(), 1, "{old}");
        let text = study.replace(old, new);
        let line = line_of(&text, new);
        let path = dir.path().join("study.ron");
        std::fs::write(&path, &text).expect("write");
        let (code, err) = validate(&path);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(&format!("study.ron:{line}:")), "{new}: {err}");
        assert!(err.contains(want), "{new}: {err}");
    }
}

/// Quota profiles, pricebooks, rule books, tolerances and baselines: a
/// byte-order mark is skipped, as in scenarios; and in the RON files a
/// misspelt field gets the scenarios' did-you-mean with its line, column
/// and field path (they are read by the same parser).
#[test]
fn other_input_files_skip_a_bom_and_suggest_the_field_name() {
    use vpcsim::check::{Snapshot, Tolerances};
    use vpcsim::cost::{Pricebook, RuleBook};
    use vpcsim::quota::QuotaProfile;
    let shipped = |rel: &str| std::fs::read_to_string(root(rel)).expect("shipped file");
    let bom = |text: &str| format!("\u{feff}{text}");
    // Each case: the text, how to read it (the error message or None), and a
    // typo to make with the suggestion it must get.
    type Read = fn(&str) -> Result<(), String>;
    let cases: [(&str, String, Read, &str, &str, &str); 4] = [
        (
            "quota profile",
            shipped("scenarios/quotas/faq.ron"),
            |t| {
                QuotaProfile::from_ron(t, "q.ron")
                    .map(drop)
                    .map_err(|e| e.to_string())
            },
            "    peerings_per_vpc:",
            "    peering_per_vpc:",
            "did you mean `peerings_per_vpc`? (field path: peering_per_vpc;",
        ),
        (
            "pricebook",
            shipped("scenarios/pricebooks/aws-us-east-1.ron"),
            |t| {
                Pricebook::from_ron(t, "p.ron")
                    .map(drop)
                    .map_err(|e| e.to_string())
            },
            "\n    currency:",
            "\n    curency:",
            "did you mean `currency`? (field path: curency;",
        ),
        (
            "rule book",
            shipped("scenarios/pricebooks/rules.ron"),
            |t| {
                RuleBook::from_ron(t, "r.ron")
                    .map(drop)
                    .map_err(|e| e.to_string())
            },
            "        \"faq\": RuleSet(\n            description",
            "        \"faq\": RuleSet(\n            descripton",
            "did you mean `description`?",
        ),
        (
            "tolerances",
            "Tolerances(\n    rules: [\n        Rule(metric: \"cost.*\", rel: 0.05),\n    ],\n)\n"
                .to_string(),
            |t| {
                Tolerances::from_str(t, "t.ron")
                    .map(drop)
                    .map_err(|e| e.to_string())
            },
            "        Rule(metric:",
            "        Rule(metrc:",
            "did you mean `metric`? (field path: rules[0].metrc;",
        ),
    ];
    for (what, text, read, old, new, want) in cases {
        read(&text).unwrap_or_else(|e| panic!("{what}: the shipped text is refused: {e}"));
        read(&bom(&text)).unwrap_or_else(|e| panic!("{what}: refused with a BOM: {e}"));
        assert_eq!(text.matches(old).count(), 1, "{what}: {old}");
        let typo = text.replace(old, new);
        // The typo is on the last line of `new`.
        let at = typo.find(new).expect("edited") + new.rfind('\n').map_or(0, |i| i + 1);
        let line = 1 + typo[..at].matches('\n').count();
        // The BOM must not shift the reported position either.
        let err = read(&bom(&typo)).expect_err("a misspelt field is refused");
        assert!(err.contains(want), "{what}: {err}");
        assert!(
            err.contains(&format!(":{line}:")),
            "{what}: line {line}: {err}"
        );
    }
    // A baseline is JSON that vpcsim wrote; edited on Windows it may gain a BOM.
    let out = tempfile::tempdir().expect("temp dir");
    let (code, _, err) = cli(&[
        "run".as_ref(),
        root("tests/fixtures/good/minimal.ron").as_os_str(),
        "--out".as_ref(),
        out.path().as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let summary = std::fs::read_to_string(out.path().join("summary.json")).expect("summary");
    Snapshot::from_json_bytes(bom(&summary).as_bytes(), "b.json").expect("a baseline with a BOM");
}
