//! Regression tests of hostile and careless inputs, one per class of
//! failure found by trying vpcsim as such a user would (docs/reliability.md,
//! "Hardening"): resource exhaustion before any cap, output folders that mix
//! runs or escape, and trust in what is read back. Large inputs are
//! generated here; each case ends in seconds with a clear error.

use std::path::{Path, PathBuf};

use super::{exits, vpcsim, write_baseline};

const MINIMAL: &str = include_str!("../fixtures/good/minimal.ron");

/// The minimal scenario, ten simulated minutes long (fast to run).
fn short_minimal() -> String {
    let t = MINIMAL.replace("duration: \"1h\"", "duration: \"10m\"");
    assert_ne!(t, MINIMAL);
    t
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

/// A folder with the short minimal scenario and its baseline.
fn with_baseline() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = write(dir.path(), "s.ron", &short_minimal());
    let baseline = dir.path().join("s.baseline.json");
    write_baseline(&scenario, &baseline);
    (dir, scenario, baseline)
}

/// `check --rel-tol 1e28` and a tolerance rule `rel: 1e30` used to panic
/// ("Multiplication overflowed") after the whole run; a huge tolerance
/// allows any move. Another seed moves the metrics, so the tolerance is
/// really evaluated.
#[test]
fn huge_tolerances_pass_instead_of_panicking() {
    let (dir, scenario, baseline) = with_baseline();
    let tol = write(
        dir.path(),
        "tol.ron",
        "Tolerances(rules: [Rule(metric: \"*\", rel: 1e30)])",
    );
    let runs: [&[&str]; 2] = [
        &["--rel-tol", "1e28"],
        &["--tolerances", &tol.to_string_lossy()],
    ];
    for flags in runs {
        let text = exits(
            vpcsim()
                .args(["check", "-q", "--seed", "2"])
                .arg(&scenario)
                .arg("--baseline")
                .arg(&baseline)
                .args(flags),
            0,
            &format!("{flags:?}"),
        )
        .stdout;
        assert!(text.contains("within"), "{flags:?}: nothing moved: {text}");
    }
}

/// A baseline listing a traffic class twice passed as unchanged, and one
/// without `expectations` was accepted: both are now exit 2, naming the
/// field.
#[test]
fn doctored_baselines_are_refused() {
    let (_dir, scenario, baseline) = with_baseline();
    let good = std::fs::read_to_string(&baseline).expect("read");
    let v: serde_json::Value = serde_json::from_str(&good).expect("json");
    let mut twice = v.clone();
    let class = twice["traffic"][0].clone();
    twice["traffic"]
        .as_array_mut()
        .expect("traffic array")
        .push(class);
    let mut without = v.clone();
    without
        .as_object_mut()
        .expect("object")
        .remove("expectations");
    let cases = [
        (
            twice,
            "field `traffic[1].name`: \"checkout\" is listed twice",
        ),
        (without, "field `expectations`: missing"),
    ];
    for (doc, want) in cases {
        std::fs::write(&baseline, serde_json::to_string_pretty(&doc).expect("json"))
            .expect("write");
        let err = exits(
            vpcsim()
                .args(["check", "-q"])
                .arg(&scenario)
                .arg("--baseline")
                .arg(&baseline),
            2,
            want,
        )
        .stderr;
        assert!(err.contains(want), "{want}: {err}");
    }
}

/// `minimal` with the provider VPC's block list replaced by `blocks`.
fn with_svc_blocks(blocks: &[String]) -> String {
    let list = blocks
        .iter()
        .map(|b| format!("\"{b}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let t = MINIMAL.replace(
        "cidrs: [\"10.0.0.0/16\"]",
        &format!("cidrs: [\"10.0.0.0/16\", {list}]"),
    );
    assert_ne!(t, MINIMAL);
    t
}

/// One VPC block repeated 5,000 times (a 70 KB file) made `validate` build
/// 12.5 million "overlaps" problems and abort; 100,000 distinct IPv6
/// blocks were compared pair by pair for minutes. Overlaps are now found by
/// one sort and sweep, and each check lists at most 20 problems and counts
/// the rest.
#[test]
fn thousands_of_vpc_blocks_validate_in_linear_time_with_capped_errors() {
    let started = std::time::Instant::now();
    let repeated = with_svc_blocks(&vec!["10.0.0.0/16".to_string(); 5_000]);
    assert!(repeated.len() > 70_000);
    let err = vpcsim::load::load_str(&repeated, "repeated.ron").expect_err("overlaps");
    let vpcsim::scenario::ScenarioError::Invalid { problems, .. } = &err else {
        panic!("not a meaning error: {err}");
    };
    // 20 listed, then one line counting the other 4,980.
    assert_eq!(problems.len(), 21, "{err}");
    assert!(problems[0]
        .message
        .contains("overlaps 10.0.0.0/16 (cidrs[0]) of the same VPC"));
    let last = &problems[20];
    assert_eq!(last.path, "vpcs[*].cidrs[*]");
    assert!(
        last.message.starts_with("… and 4980 more problems"),
        "{last}"
    );
    assert!(err.to_string().len() < 10_000);

    // 100,000 distinct IPv6 /64 blocks (and the subnets inside the first):
    // valid, and checked without comparing pairs.
    let v6: Vec<String> = (0..100_000u32)
        .map(|i| format!("2600:1f18:{:x}:{:x}::/64", i >> 16, i & 0xffff))
        .collect();
    let text = with_svc_blocks(&v6);
    vpcsim::load::load_str(&text, "v6.ron").unwrap_or_else(|e| panic!("{e}"));
    // A hang guard, not a benchmark: the pairwise checks took minutes.
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
}

/// Names holding NUL, ESC or BEL made `charts/*.svg` invalid XML and sent
/// escape sequences to the terminal; they are refused with the field path,
/// and the message shows the character as a code point, not raw.
#[test]
fn control_characters_in_names_are_refused_with_their_path() {
    for (bad, code) in [
        ("web\u{1b}[2J", "U+001B"),
        ("web\u{7}", "U+0007"),
        ("web\u{0}", "U+0000"),
    ] {
        let text = MINIMAL.replace("name: \"checkout\"", &format!("name: {bad:?}"));
        assert_ne!(text, MINIMAL);
        let err = vpcsim::load::load_str(&text, "names.ron").expect_err("refused");
        let shown = err.to_string();
        assert!(shown.contains("traffic[0].name"), "{shown}");
        assert!(shown.contains(code), "{shown}");
        assert!(
            !shown.contains(bad),
            "raw character reached the message: {shown:?}"
        );
    }
    // A description may hold line breaks and tabs.
    let ok = MINIMAL.replace(
        "name: \"minimal\",",
        "name: \"minimal\", description: \"two\\nlines\\tok\",",
    );
    vpcsim::load::load_str(&ok, "ok.ron").unwrap_or_else(|e| panic!("{e}"));
}
