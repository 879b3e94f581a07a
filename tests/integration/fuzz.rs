//! A deterministic mutation fuzzer of the scenario loader and of the run
//! behind it.
//!
//! Seed corpus: every shipped scenario, `tests/fixtures/good/*.ron`,
//! `tests/fixtures/bad/*.ron` and the regression inputs of
//! `tests/fixtures/fuzz/`. Each iteration picks a file and applies one to
//! four mutations: byte flips, inserts and deletes, splices between files,
//! line duplication/deletion/swaps, and token-level changes (numbers swapped
//! for boundary values, units for other units, names for other names of the
//! corpus, variant names for other variant names).
//!
//! Each input must:
//! 1. never panic [`load::load_str`];
//! 2. when it loads, have its run capped (duration at most 1 s, events after
//!    that clamped, tight [`Limits`]) and then: [`Fabric::build`] and
//!    [`sim::run`] never panic, and neither do the report encoders
//!    (summary.json, CSVs; every 64th run also `report::write_run` with the
//!    charts);
//! 3. finish within [`HANG_SECS`] seconds (a hang is a failure too).
//!
//! CI runs [`DEFAULT_ITERS`] iterations (a few seconds). For a campaign:
//!
//! ```sh
//! VPCSIM_FUZZ_ITERS=2000000 VPCSIM_FUZZ_SEED=7 VPCSIM_FUZZ_SAVE=/tmp/fuzz-new \
//!   cargo test --test integration fuzz::mutation_fuzz -- --nocapture
//! ```
//!
//! `VPCSIM_FUZZ_FROM=N` generates but skips the first N inputs (to replay
//! one input of a campaign); an input slower than `VPCSIM_FUZZ_SLOW_SECS`
//! (default 10) is saved as `slow-s<seed>-i<n>.ron` and listed at the end.
//! `VPCSIM_FUZZ_SAVE=DIR` keeps every input that produced an error message
//! of a shape not seen before (numbers and quoted text blanked), which is
//! how `tests/fixtures/fuzz/` was filled. A failing input is written to
//! `$CARGO_TARGET_TMPDIR/fuzz-failures/` and its path is in the failure
//! message; copy it to `tests/fixtures/fuzz/` once fixed.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vpcsim::fabric::Fabric;
use vpcsim::limits::Limits;
use vpcsim::load;
use vpcsim::scenario::{self, Scenario, ScenarioError};
use vpcsim::units::SimDuration;
use vpcsim::{report, sim};

/// Iterations of a CI run (override with `VPCSIM_FUZZ_ITERS`).
const DEFAULT_ITERS: u64 = 400;
/// An input taking longer than this is reported as a hang.
const HANG_SECS: u64 = 60;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn ron_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "ron"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A corpus entry: its text, and whether it is a valid scenario.
struct Seed {
    text: String,
    valid: bool,
}

fn corpus() -> Vec<Seed> {
    let mut files = ron_files(&root().join("scenarios"));
    files.extend(ron_files(&root().join("tests/fixtures/good")));
    files.extend(ron_files(&root().join("tests/fixtures/bad")));
    files.extend(ron_files(&root().join("tests/fixtures/fuzz")));
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("readable corpus file");
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let valid = load::load_str(&text, "seed.ron").is_ok();
            Seed { text, valid }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

/// Numbers that sit on a boundary of some type or check.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "0.0",
    "-0.0",
    "0.5",
    "1.0",
    "1e-9",
    "1e308",
    "1e309",
    "-1e308",
    "NaN",
    "inf",
    "-inf",
    "255",
    "256",
    "32766",
    "32767",
    "65535",
    "65536",
    "1000000000",
    "1000000001",
    "2147483647",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "0.000000001",
    "1_000",
    "1.",
    ".5",
];

/// Units of durations, sizes, bandwidths and money, and some that are not.
const UNITS: &[&str] = &[
    "ns", "us", "µs", "ms", "s", "sec", "m", "min", "h", "d", "B", "KiB", "MiB", "GiB", "TiB",
    "kB", "KB", "MB", "GB", "TB", "bps", "kbps", "Kbps", "Mbps", "Gbps", "Tbps", "", " ", "x", "$",
    "%", "y", "e3", "S", "H",
];

/// Strings worth trying wherever a string goes.
const STRINGS: &[&str] = &[
    "",
    " ",
    ".",
    "..",
    "../x",
    "a/b",
    "/etc/passwd",
    ".hidden",
    "use1-az1",
    "use1-az9",
    "use2-az1",
    "us-east-1",
    "eu-west-1",
    "xx-nowhere-1",
    "0.0.0.0/0",
    "::/0",
    "10.0.0.0/8",
    "10.0.0.0/16",
    "10.0.0.0/28",
    "10.0.0.0/32",
    "10.0.1.5/24",
    "2600:1f18::/56",
    "2600:1f18::/64",
    "2600:1f18::/128",
    "all",
    "0-65535",
    "65535-0",
    "443",
    "1e3s",
    "-1s",
    "0s",
    "1ns",
    "0bps",
    "1bps",
    "18446744073709551615ns",
    "18446744073709551615B",
    "18446744073709551615bps",
    "213503d",
    "106751d",
    "$0",
    "$-1",
    "$99999999999999999999999999999",
    "111111111111",
    "arn:aws:iam::111111111111:role/x",
    "o-abc",
    "ou-abc",
    "*",
    "*.example.com",
    "é",
    "\\u{0}",
    "\\\"",
    "faq",
    "aws-current",
    "quotas.ron",
    "aws-us-east-1",
    "aws-ap-southeast-5",
    "traces/backup.csv",
    "NOT_ALLOWED_PRINCIPAL",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokKind {
    Number,
    Str,
    Ident,
}

/// Byte spans of numbers, strings and identifiers in `text`.
fn tokens(text: &str) -> Vec<(usize, usize, TokKind)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            out.push((start, i, TokKind::Str));
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c.is_ascii_digit() || (c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b"._+-".contains(&b[i])) {
                i += 1;
            }
            out.push((start, i, TokKind::Number));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((start, i, TokKind::Ident));
        } else {
            i += 1;
        }
    }
    out
}

struct Mutator<'a> {
    rng: ChaCha8Rng,
    corpus: &'a [Seed],
    /// Every string literal (without quotes) and identifier of the corpus.
    strings: Vec<String>,
    /// Identifiers with their role: 0 field name, 1 variant with a
    /// payload, 2 bare.
    idents: Vec<(String, u8)>,
}

impl<'a> Mutator<'a> {
    fn new(seed: u64, corpus: &'a [Seed]) -> Self {
        let mut strings = BTreeSet::new();
        let mut idents = BTreeSet::new();
        for s in corpus {
            for (a, b, k) in tokens(&s.text) {
                let t = &s.text[a..b];
                match k {
                    TokKind::Str if t.len() >= 2 => {
                        strings.insert(t[1..t.len() - 1].to_string());
                    }
                    TokKind::Ident => {
                        let role = match s.text[b..].trim_start().chars().next() {
                            Some(':') => 0u8,
                            Some('(') => 1,
                            _ => 2,
                        };
                        idents.insert((t.to_string(), role));
                    }
                    _ => {}
                }
            }
        }
        Mutator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            corpus,
            strings: strings.into_iter().collect(),
            idents: idents.into_iter().collect(),
        }
    }

    fn pick<'s, T>(&mut self, v: &'s [T]) -> &'s T {
        &v[self.rng.random_range(0..v.len())]
    }

    /// A seed input: a valid scenario 70 % of the time, else any file.
    fn seed_text(&mut self) -> String {
        let corpus = self.corpus;
        if self.rng.random_bool(0.7) {
            let valid: Vec<&Seed> = corpus.iter().filter(|s| s.valid).collect();
            if !valid.is_empty() {
                return self.pick(&valid).text.clone();
            }
        }
        self.pick(corpus).text.clone()
    }

    fn mutate(&mut self, text: String) -> Vec<u8> {
        // Mostly one mutation, so that many inputs stay close to valid and
        // reach validation and the run; sometimes a few stacked.
        let rounds = match self.rng.random_range(0..10) {
            0..=4 => 1,
            5..=7 => 2,
            _ => self.rng.random_range(3..=5),
        };
        let mut bytes = text.into_bytes();
        for _ in 0..rounds {
            bytes = self.mutate_once(bytes);
        }
        bytes
    }

    fn mutate_once(&mut self, mut b: Vec<u8>) -> Vec<u8> {
        let text = String::from_utf8_lossy(&b).into_owned();
        let choice = self.rng.random_range(0..100);
        match choice {
            // Token-level changes keep the syntax and reach deeper: most often.
            0..=64 => {
                let toks = tokens(&text);
                if toks.is_empty() {
                    return b;
                }
                let wanted = match self.rng.random_range(0..10) {
                    0..=2 => TokKind::Number,
                    3..=8 => TokKind::Str,
                    _ => TokKind::Ident,
                };
                let of_kind: Vec<(usize, usize)> = toks
                    .iter()
                    .filter(|t| t.2 == wanted)
                    .map(|t| (t.0, t.1))
                    .collect();
                if of_kind.is_empty() {
                    return b;
                }
                let (s, e) = *self.pick(&of_kind);
                let replacement = match wanted {
                    TokKind::Number => self.pick(NUMBERS).to_string(),
                    TokKind::Str => {
                        let same_file: Vec<String> = toks
                            .iter()
                            .filter(|t| t.2 == TokKind::Str)
                            .map(|t| text[t.0..t.1].to_string())
                            .collect();
                        self.string_for(&text[s..e], &same_file)
                    }
                    TokKind::Ident => self.ident_for(&text, e),
                };
                let mut out = text[..s].to_string();
                out.push_str(&replacement);
                out.push_str(&text[e..]);
                out.into_bytes()
            }
            // Line-level: duplicate, delete or swap lines.
            65..=79 => {
                let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
                if lines.len() < 2 {
                    return b;
                }
                let i = self.rng.random_range(0..lines.len());
                let j = self.rng.random_range(0..lines.len());
                match self.rng.random_range(0..3) {
                    0 => {
                        let n = self.rng.random_range(1..=3);
                        for k in 0..n {
                            lines.insert(j.min(lines.len()), lines[(i + k) % lines.len()]);
                        }
                    }
                    1 => {
                        let n = self.rng.random_range(1..=3).min(lines.len() - i);
                        lines.drain(i..i + n);
                    }
                    _ => lines.swap(i, j),
                }
                lines.concat().into_bytes()
            }
            // Splice: a prefix of this input and a suffix of another file.
            80..=85 => {
                let corpus = self.corpus;
                let other = self.pick(corpus).text.clone().into_bytes();
                let cut = self.rng.random_range(0..=b.len());
                let from = self.rng.random_range(0..=other.len());
                b.truncate(cut);
                b.extend_from_slice(&other[from..]);
                b
            }
            // Byte-level noise.
            86..=90 => {
                if !b.is_empty() {
                    let i = self.rng.random_range(0..b.len());
                    b[i] = self.byte();
                }
                b
            }
            91..=95 => {
                let i = self.rng.random_range(0..=b.len());
                let n = self.rng.random_range(1..=8);
                for _ in 0..n {
                    let x = self.byte();
                    b.insert(i, x);
                }
                b
            }
            _ => {
                if !b.is_empty() {
                    let i = self.rng.random_range(0..b.len());
                    let n = self.rng.random_range(1..=16).min(b.len() - i);
                    b.drain(i..i + n);
                }
                b
            }
        }
    }

    /// A replacement for the identifier ending at byte `end`: another of the
    /// same role (a field name before `:`, a variant before `(`, a bare one).
    fn ident_for(&mut self, text: &str, end: usize) -> String {
        let role = |rest: &str| match rest.trim_start().chars().next() {
            Some(':') => 0,
            Some('(') => 1,
            _ => 2,
        };
        let want = role(&text[end..]);
        let same: Vec<&String> = self
            .idents
            .iter()
            .filter(|(_, r)| *r == want)
            .map(|(s, _)| s)
            .collect();
        if same.is_empty() || self.rng.random_bool(0.05) {
            return "Some".to_string();
        }
        let k = self.rng.random_range(0..same.len());
        same[k].clone()
    }

    fn byte(&mut self) -> u8 {
        if self.rng.random_bool(0.5) {
            *self.pick(b"()[]{},:\"/ \n0123456789.-_aZs$")
        } else {
            self.rng.random()
        }
    }

    /// A replacement for string literal `old` (with its quotes):
    /// `same_file` holds the string literals of the input.
    fn string_for(&mut self, old: &str, same_file: &[String]) -> String {
        let inner = old.trim_matches('"');
        let quantity = inner.starts_with(|c: char| c.is_ascii_digit() || c == '$');
        match self.rng.random_range(0..20) {
            // A quantity: change the number or the unit.
            0..=4 if quantity => {
                let split = inner
                    .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_' || c == '$'))
                    .unwrap_or(inner.len());
                let (num, unit) = inner.split_at(split);
                if self.rng.random_bool(0.6) {
                    format!("\"{}{unit}\"", self.pick(NUMBERS))
                } else {
                    format!("\"{num}{}\"", self.pick(UNITS))
                }
            }
            // Another string of the same file: references that resolve to
            // the wrong thing (an endpoint of another service, ...).
            0..=11 => self.pick(same_file).clone(),
            12..=14 => {
                let k = self.rng.random_range(0..self.strings.len());
                format!("\"{}\"", self.strings[k])
            }
            15..=18 => format!("\"{}\"", self.pick(STRINGS)),
            _ => {
                // Grow the string: long names, long policies.
                let n = self.rng.random_range(50..5000);
                format!("\"{}\"", "a".repeat(n))
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------

/// How one input ended (all of these are fine; only a panic or hang is not).
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    syntax: u64,
    invalid: u64,
    /// Loaded, but no longer valid once capped to 1 s (not run).
    capped_invalid: u64,
    limited: u64,
    build_error: u64,
    run_error: u64,
    ran: u64,
}

/// Caps that keep every fuzzed run small.
fn fuzz_limits() -> Limits {
    Limits {
        max_entities: 20_000,
        max_connections: 20_000,
        max_timeseries_rows: 200_000,
        max_traffic_classes: 1_000,
        max_events: 500_000,
    }
}

/// Caps the run of a loaded scenario: at most 1 s, with events and traffic
/// windows clamped into it. Returns false when the capped scenario is no
/// longer valid (it is then not run).
fn cap_duration(s: &mut Scenario) -> bool {
    let cap = SimDuration::from_secs(1);
    if s.duration <= cap {
        return true;
    }
    s.duration = cap;
    for e in &mut s.events {
        let scenario::TimedEvent::At(t, _) = e;
        if *t > cap {
            *t = cap;
        }
    }
    for t in &mut s.traffic {
        t.start = t.start.map(|x| x.min(SimDuration::from_millis(500)));
        t.end = t.end.map(|x| x.min(cap));
    }
    vpcsim::load::validate(s).is_empty()
}

/// The error text's shape: digits, quoted and `backticked` text blanked,
/// so that messages differing only in values count once.
fn shape(message: &str) -> String {
    let mut out = String::new();
    let mut inside: Option<char> = None;
    for c in message.chars() {
        match (inside, c) {
            (None, '"' | '`') => {
                inside = Some(c);
                out.push(c);
            }
            (Some(q), _) if c == q => {
                inside = None;
                out.push(c);
            }
            (Some(_), _) => {}
            (None, '0'..='9') => {
                if !out.ends_with('#') {
                    out.push('#');
                }
            }
            (None, _) => out.push(c),
        }
    }
    out
}

/// Runs one input through load, build, run and the reports; returns the
/// error messages seen (for novelty) or the panic message.
fn check(text: &str, tally: &mut Tally, charts: bool) -> Result<Vec<String>, String> {
    let loaded = catch_unwind(AssertUnwindSafe(|| scenario::parse_str(text, "fuzz.ron")))
        .map_err(|p| format!("parse_str panicked: {}", panic_text(&p)))?;
    let mut s = match loaded {
        Ok(s) => s,
        Err(e) => {
            match e {
                ScenarioError::Syntax { .. } => tally.syntax += 1,
                _ => tally.invalid += 1,
            }
            let msgs = match &e {
                ScenarioError::Invalid { problems, .. } => {
                    problems.iter().map(|p| p.message.clone()).collect()
                }
                other => vec![other.to_string()],
            };
            return Ok(msgs);
        }
    };
    // Relative files (traces, quota and pricebook files) resolve as for the
    // good fixtures.
    s.origin = Some(root().join("tests/fixtures/good/fuzz.ron"));
    if !cap_duration(&mut s) {
        tally.capped_invalid += 1;
        return Ok(Vec::new());
    }
    let read = catch_unwind(AssertUnwindSafe(|| load::Loaded::new(s)))
        .map_err(|p| format!("Loaded::new panicked: {}", panic_text(&p)))?;
    let s = match read {
        Ok(s) => s,
        Err(e) => {
            tally.invalid += 1;
            return Ok(vec![e.to_string()]);
        }
    };
    let limits = fuzz_limits();
    let checked = catch_unwind(AssertUnwindSafe(|| {
        vpcsim::limits::check_loaded(&s, &limits)
    }))
    .map_err(|p| format!("limits::check_loaded panicked: {}", panic_text(&p)))?;
    if let Err(e) = checked {
        tally.limited += 1;
        return Ok(vec![e.to_string()]);
    }
    let built = catch_unwind(AssertUnwindSafe(|| Fabric::build(s.valid(), s.quotas())))
        .map_err(|p| format!("Fabric::build panicked: {}", panic_text(&p)))?;
    if let Err(e) = built {
        tally.build_error += 1;
        return Ok(vec![e.to_string()]);
    }
    let opts = sim::RunOptions {
        quiet: true,
        limits,
        ..Default::default()
    };
    let ran = catch_unwind(AssertUnwindSafe(|| sim::run(&s, &opts)))
        .map_err(|p| format!("sim::run panicked: {}", panic_text(&p)))?;
    let r = match ran {
        Ok(r) => r,
        Err(e) => {
            tally.run_error += 1;
            return Ok(vec![e.to_string()]);
        }
    };
    tally.ran += 1;
    let reports = catch_unwind(AssertUnwindSafe(|| {
        let mut errors = Vec::new();
        for out in [
            report::summary_json(&r),
            report::connectivity_csv(&r),
            report::bill_csv(&r),
            report::timeseries_csv(&r),
        ] {
            if let Err(e) = out {
                errors.push(e.to_string());
            }
        }
        let _ = report::text_summary(&r);
        if charts {
            let dir = tempfile::tempdir().expect("tempdir");
            if let Err(e) = report::write_run(dir.path(), &r) {
                errors.push(e.to_string());
            }
        }
        errors
    }))
    .map_err(|p| format!("a report panicked: {}", panic_text(&p)))?;
    Ok(reports)
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(non-text panic)".to_string())
}

/// Checks `text` on a worker thread, turning a hang into an error.
fn check_with_timeout(
    text: String,
    tally: &mut Tally,
    charts: bool,
) -> Result<Vec<String>, String> {
    let (tx, rx) = mpsc::channel();
    let mut local = *tally;
    std::thread::spawn(move || {
        // `check` catches panics stage by stage; anything escaping it is a
        // panic too, not a hang.
        let r = catch_unwind(AssertUnwindSafe(|| check(&text, &mut local, charts)))
            .unwrap_or_else(|p| Err(format!("panicked: {}", panic_text(&p))));
        let _ = tx.send((r, local));
    });
    match rx.recv_timeout(Duration::from_secs(HANG_SECS)) {
        Ok((r, t)) => {
            *tally = t;
            r
        }
        Err(_) => Err(format!("no answer within {HANG_SECS} s (hang)")),
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn save_failure(text: &str, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{name}.ron"));
    let _ = std::fs::write(&path, text);
    path
}

/// The fuzzer: `VPCSIM_FUZZ_ITERS` iterations (default [`DEFAULT_ITERS`])
/// from seed `VPCSIM_FUZZ_SEED` (default 1). Nothing may panic or hang.
#[test]
fn mutation_fuzz() {
    let iters = env_u64("VPCSIM_FUZZ_ITERS", DEFAULT_ITERS);
    let seed = env_u64("VPCSIM_FUZZ_SEED", 1);
    let save = std::env::var_os("VPCSIM_FUZZ_SAVE").map(PathBuf::from);
    if let Some(d) = &save {
        std::fs::create_dir_all(d).expect("VPCSIM_FUZZ_SAVE folder");
    }
    let corpus = corpus();
    assert!(corpus.len() > 50, "corpus too small: {}", corpus.len());
    assert!(corpus.iter().filter(|s| s.valid).count() >= 5);
    let mut m = Mutator::new(seed, &corpus);
    let mut tally = Tally::default();
    let mut shapes = BTreeSet::new();
    let started = Instant::now();
    let mut slowest = (Duration::ZERO, 0);
    let from = env_u64("VPCSIM_FUZZ_FROM", 0);
    let slow = Duration::from_secs(env_u64("VPCSIM_FUZZ_SLOW_SECS", 10));
    let mut slow_inputs = Vec::new();
    // `VPCSIM_FUZZ_SECS=N`: stop after N seconds (a soak), whatever the
    // iteration count.
    let budget = std::env::var("VPCSIM_FUZZ_SECS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut done = 0;
    for i in 0..iters {
        if budget.is_some_and(|b| started.elapsed() > b) {
            break;
        }
        done = i + 1;
        let base = m.seed_text();
        let input = String::from_utf8_lossy(&m.mutate(base)).into_owned();
        if i < from {
            continue;
        }
        let t0 = Instant::now();
        let charts = tally.ran % 64 == 63;
        let result = check_with_timeout(input.clone(), &mut tally, charts);
        let took = t0.elapsed();
        if took > slowest.0 {
            slowest = (took, i);
        }
        if took > slow {
            let path = save_failure(&input, &format!("slow-s{seed}-i{i}"));
            eprintln!(
                "fuzz: input {i} took {:.1} s: {}",
                took.as_secs_f64(),
                path.display()
            );
            slow_inputs.push(path);
        }
        match result {
            Ok(messages) => {
                for msg in messages {
                    if shapes.insert(shape(&msg)) {
                        if let Some(d) = &save {
                            let _ = std::fs::write(
                                d.join(format!("s{seed}-i{i}.ron")),
                                format!("// fuzz: new message: {}\n{input}", first_line(&msg)),
                            );
                        }
                    }
                }
            }
            Err(why) => {
                let path = save_failure(&input, &format!("failure-s{seed}-i{i}"));
                panic!(
                    "fuzz iteration {i} (seed {seed}): {why}\ninput saved to {}",
                    path.display()
                );
            }
        }
        if iters >= 10_000 && i % 10_000 == 9_999 {
            eprintln!(
                "fuzz: {} inputs in {:.0} s, {} message shapes, {tally:?}",
                i + 1,
                started.elapsed().as_secs_f64(),
                shapes.len()
            );
        }
    }
    if !slow_inputs.is_empty() {
        eprintln!("fuzz: {} slow inputs: {slow_inputs:?}", slow_inputs.len());
    }
    eprintln!(
        "fuzz: {done} inputs (seed {seed}) in {:.1} s, {} message shapes, slowest {:.2} s (#{}), {tally:?}",
        started.elapsed().as_secs_f64(),
        shapes.len(),
        slowest.0.as_secs_f64(),
        slowest.1
    );
    // The fuzzer must reach past the parser: some inputs load and run.
    if done >= 200 {
        assert!(tally.ran > 0, "no mutated input ever ran: {tally:?}");
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(200).collect()
}

/// Every kept fuzz input (`tests/fixtures/fuzz/*.ron`) goes through the
/// whole check again: each once crashed or reached a new error; none may
/// panic now. A `// expect: <text>` header line names a message the input
/// must produce (in the load, limit, build or run error).
#[test]
fn fuzz_regressions() {
    let files = ron_files(&root().join("tests/fixtures/fuzz"));
    assert!(!files.is_empty(), "tests/fixtures/fuzz/ is empty");
    for path in files {
        let text = String::from_utf8_lossy(&std::fs::read(&path).expect("readable")).into_owned();
        let mut tally = Tally::default();
        let messages = check_with_timeout(text.clone(), &mut tally, true)
            .unwrap_or_else(|why| panic!("{}: {why}", path.display()));
        for line in text.lines().take_while(|l| l.starts_with("//")) {
            if let Some(want) = line.trim_start_matches('/').trim().strip_prefix("expect:") {
                let want = want.trim();
                assert!(
                    messages.iter().any(|m| m.contains(want)),
                    "{}: expected {want:?} in {messages:#?}",
                    path.display()
                );
            }
        }
    }
}
