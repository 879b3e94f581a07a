//! Invalid scenarios are rejected with the error a user needs to fix them.
//!
//! Every `tests/fixtures/bad/NN-description.ron` is a copy of
//! `tests/fixtures/good/minimal.ron` with one thing wrong (a few have several,
//! on purpose). Its leading comment lines state what the loader must say:
//!
//! ```text
//! // expect: <a substring of the error message>      (one or more; all must match)
//! // expect-line: <line>:<col>  or  <line>           (optional: syntax errors only)
//! //
//! // In words: what is wrong with this file.
//! ```
//!
//! The tests here read those comments, load each file with
//! [`vpcsim::load::load_file`] and check the error, check that the loader
//! never panics, and fuzz `load_str` with random bytes and with damaged copies
//! of the valid scenario.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use vpcsim::load::{load_file, load_str};
use vpcsim::scenario::ScenarioError;

/// The valid base scenario every bad fixture is derived from.
const MINIMAL: &str = include_str!("../fixtures/good/minimal.ron");

fn fixtures_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
}

/// Every `.ron` file of `tests/fixtures/bad/`, sorted by name.
fn bad_fixtures() -> Vec<PathBuf> {
    let dir = fixtures_dir("bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}

/// What a fixture's header comment promises about its error.
#[derive(Debug, Default)]
struct Expected {
    /// Substrings the error's `Display` must all contain.
    substrings: Vec<String>,
    /// Position of a syntax error: line, and column if given.
    position: Option<(usize, Option<usize>)>,
    /// Header comment lines that are prose (the explanation for readers).
    prose_lines: usize,
}

/// Parses the leading `//` lines of a fixture. The rest of the file may be
/// anything, even binary, so the bytes are read lossily.
fn expected_of(path: &Path) -> Result<Expected, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let text = String::from_utf8_lossy(&bytes);
    // A byte-order mark is not part of the header (see fixture 60).
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut exp = Expected::default();
    for line in text.lines().take_while(|l| l.starts_with("//")) {
        let body = line.trim_start_matches('/').trim();
        if let Some(s) = body.strip_prefix("expect:") {
            let s = s.trim();
            if s.is_empty() {
                return Err("an `// expect:` line is empty".to_string());
            }
            exp.substrings.push(s.to_string());
        } else if let Some(pos) = body.strip_prefix("expect-line:") {
            let pos = pos.trim();
            let parse = |s: &str| {
                s.parse::<usize>()
                    .map_err(|_| format!("bad `// expect-line: {pos}`; write LINE:COL or LINE"))
            };
            exp.position = Some(match pos.split_once(':') {
                Some((l, c)) => (parse(l)?, Some(parse(c)?)),
                None => (parse(pos)?, None),
            });
        } else if !body.is_empty() {
            exp.prose_lines += 1;
        }
    }
    if !text.starts_with("// expect:") {
        return Err("the first line must be an `// expect: ...` comment".to_string());
    }
    if exp.prose_lines == 0 {
        return Err("the header comment must say in words what is wrong".to_string());
    }
    Ok(exp)
}

/// Why `path` does not produce the error its header promises, if it does not.
fn check_fixture(path: &Path) -> Result<(), String> {
    let exp = expected_of(path)?;
    let err = match load_file(path) {
        Ok(_) => return Err("loaded without error".to_string()),
        Err(e) => e,
    };
    let shown = err.to_string();
    let mut problems = Vec::new();
    for s in &exp.substrings {
        if !shown.contains(s.as_str()) {
            problems.push(format!("message lacks {s:?}"));
        }
    }
    if let Some((line, col)) = exp.position {
        match &err {
            ScenarioError::Syntax {
                line: l, col: c, ..
            } => {
                if *l != line || col.is_some_and(|col| col != *c) {
                    let want = match col {
                        Some(col) => format!("{line}:{col}"),
                        None => format!("line {line}"),
                    };
                    problems.push(format!("error is at {l}:{c}, expected {want}"));
                }
            }
            _ => problems.push("expected a positioned syntax error".to_string()),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n    actual error:\n      {}",
            problems.join("; "),
            shown.replace('\n', "\n      ")
        ))
    }
}

/// The base of every bad fixture is itself valid, so each fixture's error comes
/// from its own change and not from the base.
#[test]
fn good_minimal_scenario_loads() {
    let path = fixtures_dir("good").join("minimal.ron");
    let s = load_file(&path).unwrap_or_else(|e| panic!("{e}"));
    // Spot checks that the file means what its comment says, so the fixtures
    // copied from it start from the intended topology.
    assert_eq!(s.name, "minimal");
    assert_eq!(s.accounts.len(), 2);
    assert_eq!(s.vpcs.len(), 2);
    let azs: Vec<&str> = s.vpcs[0].subnets.iter().map(|x| x.az.as_str()).collect();
    assert_eq!(azs, ["use1-az1", "use1-az2"]);
    assert_eq!(s.workloads.len(), 2);
    assert_eq!(s.load_balancers.len(), 1);
    assert_eq!(s.services.len(), 1);
    assert_eq!(s.endpoints.len(), 1);
    assert_ne!(
        s.endpoints[0].vpc, s.vpcs[0].name,
        "endpoint is in the consumer VPC"
    );
    assert_eq!(s.traffic.len(), 1);
    assert_eq!(s.events.len(), 1);
    assert_eq!(s.origin.as_deref(), Some(path.as_path()));
}

/// Every valid example loads, including `every-element.ron`, which uses each
/// element of the schema once and is the source of the examples in
/// `docs/scenario-format.md`: if the schema changes under the docs, this fails.
#[test]
fn good_fixtures_load() {
    let dir = fixtures_dir("good");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 2,
        "expected minimal.ron and every-element.ron"
    );
    for path in files {
        if let Err(e) = load_file(&path) {
            panic!("{e}");
        }
    }
}

/// The suite is only a safety net if it covers many kinds of mistakes.
#[test]
fn there_are_at_least_25_bad_fixtures() {
    let n = bad_fixtures().len();
    assert!(n >= 25, "only {n} fixtures in tests/fixtures/bad/");
}

/// Fixture names follow `NN-short-description.ron` with unique numbers, so the
/// sorted order is the numbered order and a new fixture's number is obvious.
#[test]
fn bad_fixture_names_are_numbered() {
    let mut numbers = std::collections::BTreeSet::new();
    for path in bad_fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".ron");
        let (num, desc) = stem.split_at(2.min(stem.len()));
        assert!(
            num.bytes().all(|b| b.is_ascii_digit())
                && desc.starts_with('-')
                && desc.len() > 1
                && desc[1..]
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{name}: expected NN-short-description.ron"
        );
        assert!(
            numbers.insert(num.to_string()),
            "{name}: number {num} is used twice"
        );
    }
}

/// Each bad fixture fails to load, and its error contains every promised
/// substring (and position). All fixtures are checked before failing, so one
/// run lists every fixture whose message is wrong.
#[test]
fn bad_fixtures_fail_with_their_expected_errors() {
    let mut failures = Vec::new();
    for path in bad_fixtures() {
        if let Err(why) = check_fixture(&path) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) do not produce their expected error:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Malformed input is a user error, never a crash: loading any fixture, from
/// the file or as text, returns (an error) instead of panicking.
#[test]
fn loader_never_panics_on_bad_fixtures() {
    let mut panicked = Vec::new();
    for path in bad_fixtures() {
        let text = String::from_utf8_lossy(&std::fs::read(&path).expect("readable")).into_owned();
        let from_file = catch_unwind(AssertUnwindSafe(|| load_file(&path)));
        let from_text = catch_unwind(AssertUnwindSafe(|| load_str(&text, "fixture.ron")));
        if from_file.is_err() || from_text.is_err() {
            panicked.push(path.display().to_string());
        }
    }
    assert!(panicked.is_empty(), "the loader panicked on: {panicked:?}");
}

/// Loads `text`, turning a panic into a proptest failure.
fn load_without_panic(text: &str) -> Result<Result<(), String>, TestCaseError> {
    match catch_unwind(AssertUnwindSafe(|| load_str(text, "fuzz.ron"))) {
        Ok(r) => Ok(r.map(|_| ()).map_err(|e| e.to_string())),
        Err(_) => Err(TestCaseError::fail(format!(
            "load_str panicked on {} bytes: {text:?}",
            text.len()
        ))),
    }
}

/// A byte that is either anything or one that means something in RON, so
/// mutations reach past the first token more often than uniform noise would.
fn mutation_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        any::<u8>(),
        proptest::sample::select(b"()[],:\"/ \n0123456789.-_aZs".to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Arbitrary bytes (made text lossily, as `load_file` cannot get further
    /// with non-UTF-8) never panic the loader.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = load_without_panic(&text)?;
    }

    /// A prefix of the valid scenario never panics, and a prefix that stops
    /// before the final `)` is always rejected: a truncated file cannot be
    /// mistaken for a complete one.
    #[test]
    fn truncated_scenario_never_panics(cut in 0..=MINIMAL.len()) {
        let mut cut = cut;
        while !MINIMAL.is_char_boundary(cut) {
            cut -= 1;
        }
        let result = load_without_panic(&MINIMAL[..cut])?;
        let closing = MINIMAL.rfind(')').expect("the scenario ends with `)`");
        if cut <= closing {
            prop_assert!(result.is_err(), "a prefix of {cut} bytes loaded");
        }
    }

    /// The valid scenario with a few bytes overwritten never panics the loader.
    #[test]
    fn byte_flips_never_panic(
        flips in proptest::collection::vec((any::<proptest::sample::Index>(), mutation_byte()), 1..8)
    ) {
        let mut bytes = MINIMAL.as_bytes().to_vec();
        for (at, byte) in &flips {
            let i = at.index(bytes.len());
            bytes[i] = *byte;
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = load_without_panic(&text)?;
    }
}
