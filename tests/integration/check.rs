//! `vpcsim baseline`, `vpcsim check` and expectations, through the command
//! line as CI uses them. Variants of the shipped quickstart are written into
//! a temporary folder with one edit each, and shortened to 40 simulated
//! minutes so the suite stays fast.

use std::path::{Path, PathBuf};

use super::{exits, vpcsim, write_baseline, Ran};

fn root(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

/// Replaces `from` (which must occur) with `to`, so a drifted scenario
/// breaks the test instead of silently testing nothing.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "{from:?} not found: the scenario changed"
    );
    text.replacen(from, to, 1)
}

/// The quickstart, 40 simulated minutes long (the AZ outage moved inside),
/// with its pricebook as a file next to it: `book.ron`.
fn short_quickstart() -> String {
    let t = read(root("scenarios/quickstart.ron"));
    let t = edit(&t, "duration: \"6h\"", "duration: \"40m\"");
    let t = edit(
        &t,
        "At(\"3h\", AzOutage(az: \"use1-az2\", for: \"30m\"))",
        "At(\"20m\", AzOutage(az: \"use1-az2\", for: \"10m\"))",
    );
    edit(
        &t,
        "pricebook: \"aws-us-east-1\"",
        "pricebook: \"book.ron\"",
    )
}

fn builtin_book() -> String {
    read(root("scenarios/pricebooks/aws-us-east-1.ron"))
}

/// The pricebook with the cross-AZ rate (first `$0.01` after its field) replaced.
fn book_with_cross_az(rate: &str) -> String {
    let t = builtin_book();
    let at = t
        .find("cross_az_gb_per_direction: Rate(")
        .expect("cross-AZ rate in the pricebook");
    let rest = edit(&t[at..], "usd: \"$0.01\"", &format!("usd: \"{rate}\""));
    format!("{}{rest}", &t[..at])
}

/// A folder with the short quickstart, its pricebook and a baseline of both.
struct Setup {
    _dir: tempfile::TempDir,
    scenario: PathBuf,
    book: PathBuf,
    baseline: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("quickstart.ron");
    let book = dir.path().join("book.ron");
    let baseline = dir.path().join("quickstart.baseline.json");
    std::fs::write(&scenario, short_quickstart()).expect("write scenario");
    std::fs::write(&book, builtin_book()).expect("write pricebook");
    write_baseline(&scenario, &baseline);
    Setup {
        _dir: dir,
        scenario,
        book,
        baseline,
    }
}

/// `vpcsim check` of the setup with `extra` flags, which must exit with
/// `code`.
#[track_caller]
fn check(s: &Setup, extra: &[&str], code: i32) -> Ran {
    exits(
        vpcsim()
            .args(["check", "-q"])
            .arg(&s.scenario)
            .arg("--baseline")
            .arg(&s.baseline)
            .args(extra),
        code,
        &format!("check {extra:?}"),
    )
}

/// The rows of the text table whose status is FAIL, by metric name.
fn failed_metrics(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("FAIL "))
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect()
}

#[test]
fn the_shipped_quickstart_passes_against_its_own_baseline() {
    // A baseline written by `vpcsim baseline` and an immediate `check` of the
    // unchanged shipped scenario must agree on every metric: any difference
    // would be non-determinism or a comparison that misreads its own output
    // (e.g. floats that do not survive JSON), and CI would cry wolf.
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("quickstart.baseline.json");
    let scenario = root("scenarios/quickstart.ron");
    write_baseline(&scenario, &baseline);
    let text = exits(
        vpcsim()
            .args(["check", "-q"])
            .arg(&scenario)
            .arg("--baseline")
            .arg(&baseline),
        0,
        "check",
    )
    .stdout;
    assert!(
        text.contains("passed — all"),
        "every metric should be unchanged: {text}"
    );
}

#[test]
fn a_baseline_is_the_same_bytes_as_the_runs_summary() {
    // The file meant to be committed is exactly `run`'s summary.json, so a
    // reviewer can diff one against the other.
    let s = setup();
    let dir = s.scenario.parent().expect("folder").join("run");
    exits(
        vpcsim()
            .args(["run", "-q"])
            .arg(&s.scenario)
            .arg("--out")
            .arg(&dir),
        0,
        "run",
    );
    assert_eq!(
        std::fs::read(dir.join("summary.json")).expect("summary.json"),
        std::fs::read(&s.baseline).expect("baseline")
    );
}

#[test]
fn a_changed_price_fails_and_names_the_cost_lines_that_moved() {
    // Doubling the cross-AZ rate in the scenario's pricebook file (same name
    // and version) moves only money: the check must fail, list the cross-AZ
    // category and the totals, and leave usage metrics (bytes) unchanged.
    let s = setup();
    std::fs::write(&s.book, book_with_cross_az("$0.02")).expect("write");
    let out = check(&s, &[], 1);
    let text = &out.stdout;
    let failed = failed_metrics(text);
    for m in [
        "cost.monthly_total_usd",
        "cost.by_category.cross_az",
        "cost.total_usd",
    ] {
        assert!(
            failed.iter().any(|f| f == m),
            "{m} not in {failed:?}\n{text}"
        );
    }
    assert!(
        failed
            .iter()
            .all(|f| f.starts_with("cost.") && f != "cost.cross_az_bytes"),
        "only money should move: {failed:?}"
    );
    assert!(out.stderr.contains("cost.by_category.cross_az"));
}

#[test]
fn a_changed_traffic_rate_fails_and_names_the_class() {
    // A higher arrival rate means more connections of that class: the check
    // must fail and name the class's connection count.
    let s = setup();
    let t = edit(
        &short_quickstart(),
        "Poisson(per_second: 6.0)",
        "Poisson(per_second: 7.0)",
    );
    std::fs::write(&s.scenario, t).expect("write");
    let failed = failed_metrics(&check(&s, &[], 1).stdout);
    assert!(
        failed
            .iter()
            .any(|f| f == "traffic.acme-checkout.connections"),
        "{failed:?}"
    );
}

#[test]
fn a_removed_allowed_principal_fails_and_names_the_new_denial() {
    // Without globex's account among the allowed principals its endpoint is
    // refused: a new denial reason appears for its class, compared with zero.
    let s = setup();
    let t = edit(
        &short_quickstart(),
        "allowed_principals: [Account(\"222222222222\"), Account(\"333333333333\")]",
        "allowed_principals: [Account(\"222222222222\")]",
    );
    std::fs::write(&s.scenario, t).expect("write");
    let text = check(&s, &[], 1).stdout;
    let failed = failed_metrics(&text);
    assert!(
        failed
            .iter()
            .any(|f| f == "traffic.globex-sync.denied_by_reason.NOT_ALLOWED_PRINCIPAL"),
        "{failed:?}"
    );
}

#[test]
fn a_change_within_tolerance_passes() {
    // A 1% higher cross-AZ rate fails an exact check (so something did move)
    // but passes with a 2% relative tolerance, given on the command line or
    // as a per-metric rule in a tolerances file.
    let s = setup();
    std::fs::write(&s.book, book_with_cross_az("$0.0101")).expect("write");
    check(&s, &[], 1);
    let text = check(&s, &["--rel-tol", "0.02"], 0).stdout;
    assert!(text.contains("within"), "{text}");
    let rules = s.scenario.with_file_name("tolerances.ron");
    std::fs::write(
        &rules,
        "Tolerances(rules: [Rule(metric: \"cost.*\", rel: 0.02)])",
    )
    .expect("write");
    check(&s, &["--tolerances", rules.to_str().expect("utf-8")], 0);
    // A rule for counts only leaves money exact: still a failure.
    std::fs::write(
        &rules,
        "Tolerances(rules: [Rule(metric: \"traffic.*\", rel: 0.5)])",
    )
    .expect("write");
    check(&s, &["--tolerances", rules.to_str().expect("utf-8")], 1);
}

#[test]
fn a_new_pricebook_version_is_reported_first_and_does_not_fail_alone() {
    // New prices under a new version are not a model regression: the note
    // leads the output and money moves are marked repriced, exit 0.
    let s = setup();
    let book = edit(
        &book_with_cross_az("$0.02"),
        "version: \"2026-12-07\"",
        "version: \"2027-01-01\"",
    );
    std::fs::write(&s.book, book).expect("write");
    let text = check(&s, &[], 0).stdout;
    let second = text.lines().nth(1).unwrap_or_default();
    assert!(
        second.starts_with(
            "note: pricebook changed: aws-us-east-1 2026-12-07 → aws-us-east-1 2027-01-01 — price changes are not model regressions"
        ),
        "{text}"
    );
    assert!(text.contains("repriced"), "{text}");
}

#[test]
fn markdown_json_and_junit_reports_carry_the_failure() {
    // The three machine/PR formats must each say which metric failed and by
    // how much: JSON for scripts, JUnit for CI test views, Markdown for PRs.
    let s = setup();
    std::fs::write(&s.book, book_with_cross_az("$0.02")).expect("write");
    let junit = s.scenario.with_file_name("junit.xml");
    let out = check(
        &s,
        &[
            "--format",
            "json",
            "--junit",
            junit.to_str().expect("utf-8"),
        ],
        1,
    );
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["passed"], false);
    let metrics = v["metrics"].as_array().expect("metrics");
    let cross = metrics
        .iter()
        .find(|m| m["metric"] == "cost.by_category.cross_az")
        .expect("cross_az metric");
    assert_eq!(cross["failed"], true);
    assert_eq!(cross["status"], "beyond");
    let xml = read(&junit);
    assert_eq!(
        xml.matches("<testcase ").count(),
        metrics.len(),
        "one test case per metric"
    );
    assert!(xml.contains(
        "name=\"cost.by_category.cross_az\" time=\"0\">\n      <failure message=\"cost.by_category.cross_az: $"
    ), "{xml}");
    let md = check(&s, &["--format", "markdown"], 1).stdout;
    assert!(md.starts_with("### ❌ vpcsim check `quickstart`"), "{md}");
    let monthly = md.find("**Monthly cost (730 h):**").expect("headline");
    let failed = md.find("#### Failed").expect("failed section");
    assert!(monthly < failed, "the monthly delta comes first");
    assert!(md.contains("| ❌ | `cost.by_category.cross_az` |"), "{md}");
    assert!(md.contains("<details><summary>"), "{md}");
}

#[test]
fn broken_or_mismatched_baselines_exit_2_with_a_clear_message() {
    // Each damage must stop the check as bad input (2, not a regression),
    // naming the file and the problem; none may panic.
    let s = setup();
    let good = read(&s.baseline);
    let name = s.baseline.display().to_string();
    let without_total: String = good
        .lines()
        .filter(|l| !l.contains("\"monthly_total_usd\""))
        .collect::<Vec<_>>()
        .join("\n");
    let cases: Vec<(String, &str)> = vec![
        (good[..good.len() / 2].to_string(), "is not valid JSON"),
        (
            String::new(),
            "not a vpcsim summary.json: the file is empty",
        ),
        ("{\"hello\": 1}".to_string(), "no `schema_version` field"),
        (
            edit(&good, "\"schema_version\": 2", "\"schema_version\": 99"),
            "schema_version 99, but this vpcsim reads version 2",
        ),
        (
            without_total,
            "field `cost`: missing field `monthly_total_usd`",
        ),
        (
            edit(
                &good,
                "\"scenario\": \"quickstart\"",
                "\"scenario\": \"peering-mesh\"",
            ),
            "summary of scenario \"peering-mesh\", not of \"quickstart\"",
        ),
    ];
    for (text, want) in cases {
        std::fs::write(&s.baseline, &text).expect("write");
        let err = check(&s, &[], 2).stderr;
        assert!(err.contains(want), "expected {want:?} in {err}");
        assert!(err.contains(&name), "the file is named: {err}");
    }
    let missing = exits(
        vpcsim()
            .args(["check", "-q"])
            .arg(&s.scenario)
            .args(["--baseline", "/nonexistent/quickstart.baseline.json"]),
        2,
        "a missing baseline",
    )
    .stderr;
    assert!(missing.contains("/nonexistent/quickstart.baseline.json: cannot read"));
}

#[test]
fn a_bad_tolerances_file_exits_2() {
    // A typo in a rule must not silently widen or narrow tolerances.
    let s = setup();
    let rules = s.scenario.with_file_name("tol.ron");
    std::fs::write(
        &rules,
        "Tolerances(rules: [Rule(metrc: \"cost.*\", rel: 0.1)])",
    )
    .expect("write");
    let err = check(&s, &["--tolerances", rules.to_str().expect("utf-8")], 2).stderr;
    assert!(err.contains("tol.ron:1:"), "{err}");
}

#[test]
fn a_failing_expectation_makes_run_exit_1_and_still_writes_the_summary() {
    // CI relies on both: the exit code to stop, and summary.json to see why.
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("quickstart.ron");
    std::fs::write(dir.path().join("book.ron"), builtin_book()).expect("write");
    let t = edit(
        &short_quickstart(),
        "Delivered(traffic: \"acme-checkout\", at_least: 0.95),",
        "Delivered(traffic: \"acme-checkout\", at_least: 0.95),\n        MonthlyCostAtMost(\"$1\"),",
    );
    std::fs::write(&scenario, t).expect("write");
    let out_dir = dir.path().join("out");
    let err = exits(
        vpcsim()
            .args(["run", "-q"])
            .arg(&scenario)
            .arg("--out")
            .arg(&out_dir),
        1,
        "a failing expectation",
    )
    .stderr;
    assert!(
        err.contains("expectation failed: MonthlyCostAtMost ≤ $1"),
        "{err}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&read(out_dir.join("summary.json"))).expect("summary.json");
    let e = v["expectations"].as_array().expect("expectations");
    assert_eq!(e.len(), 2);
    assert_eq!(e[0]["expectation"], "Delivered(acme-checkout) ≥ 0.95");
    assert_eq!(e[0]["passed"], true);
    assert_eq!(e[1]["expectation"], "MonthlyCostAtMost ≤ $1");
    assert_eq!(e[1]["passed"], false);
    for f in ["bill.csv", "connectivity.csv", "timeseries.csv"] {
        assert!(out_dir.join(f).exists(), "{f} written despite the failure");
    }
}

/// The CI example's tolerances file parses, and the path it suggests lies
/// outside the workflow's scenario folder (whose every `.ron` is checked as a
/// scenario).
#[test]
fn ci_example_tolerances_file_parses_and_sits_outside_the_scenarios() {
    let readme = read(root("examples/ci/README.md"));
    let block = readme
        .split("```ron\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a ```ron block in examples/ci/README.md");
    vpcsim::check::Tolerances::from_str(block, "examples/ci/README.md")
        .unwrap_or_else(|e| panic!("the README's tolerances example: {e}"));
    let suggested = block
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("// "))
        .expect("the block opens with `// <path>`");
    let workflow = read(root("examples/ci/vpcsim-check.yml"));
    let scenarios = workflow
        .lines()
        .find_map(|l| l.trim().strip_prefix("SCENARIOS: "))
        .expect("the workflow sets SCENARIOS");
    assert!(
        !suggested.starts_with(&format!("{scenarios}/")),
        "{suggested} is inside SCENARIOS={scenarios}"
    );
    assert!(
        readme.contains(&format!("TOLERANCES: {suggested}")),
        "the README sets TOLERANCES to the file it shows"
    );
}
