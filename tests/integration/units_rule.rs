//! The unit rule (docs/outputs.md, "Units"), across every output a user
//! reads: byte counts use binary prefixes (KiB, MiB, GiB, TiB); a "GB" is
//! written only where vpcsim quotes AWS's prices ("per GB"), and then the
//! same output says that AWS's GB is 2^30 bytes; a decimal prefix (kB, MB,
//! TB) never appears, so no output mixes MB with MiB.
//!
//! Scanned: every text file the quickstart's `run` writes (summary.json,
//! the CSVs, report.html, each chart's SVG) and its stdout, `explain`'s
//! cost trace, `check`'s diff, and a study's `sweep` and `compare` outputs
//! (tables, CSV, JSON, chart SVGs). PNG charts are drawn by the same code
//! from the same strings as their SVGs, so the SVGs stand for them.

use std::path::{Path, PathBuf};

fn root(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs vpcsim; returns stdout and stderr, which must not be empty of both.
fn run(args: &[&std::ffi::OsStr], want: i32) -> String {
    let out = super::vpcsim().args(args).output().expect("vpcsim runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(out.status.code(), Some(want), "{args:?}: {stderr}");
    format!("{stdout}\n{stderr}")
}

/// Every text file under `dir`, recursively (PNGs skipped: see the module
/// doc), as (path, content).
fn text_files(dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("output folder")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            text_files(&p, out);
        } else if p.extension().is_none_or(|e| e != "png") {
            let text = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("{}: not text: {e}", p.display()));
            out.push((p.display().to_string(), text));
        }
    }
}

/// What breaks the rule in one output: each offending token with its line.
fn violations(text: &str) -> Vec<String> {
    // Tokens keep `_` so field names such as `gb_bytes` or
    // `rate_usd_per_gb` stay whole and are not units.
    let states_gb = text.contains("2^30 bytes");
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for token in line.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            let why = match token {
                "kB" | "KB" | "MB" | "TB" | "PB" | "kb" | "mb" | "tb" => {
                    "a decimal prefix (write KiB, MiB, TiB)"
                }
                "gb" | "Gb" => "a lower-case gb (write GiB, or AWS's GB with its 2^30 bytes)",
                "GB" if !states_gb => "a GB with no word that AWS's GB is 2^30 bytes",
                _ => continue,
            };
            bad.push(format!(
                "line {}: {token:?} is {why}: {}",
                n + 1,
                line.trim()
            ));
        }
    }
    bad
}

#[test]
fn every_output_follows_one_unit_rule() {
    // The scan itself: a decimal MB, a bare GB and the old CSV unit fail;
    // GB beside its definition and binary prefixes pass.
    assert!(!violations("peak 12 MB").is_empty());
    assert!(!violations("$0.01/GB").is_empty());
    assert!(!violations("a,b,0.5,gb,0.01").is_empty());
    assert!(violations("$0.01/GB (AWS's GB: 2^30 bytes); 10.7 GiB, gb_bytes").is_empty());

    let dir = tempfile::tempdir().expect("temp dir");
    let quickstart = root("scenarios/quickstart.ron");
    let mut outputs: Vec<(String, String)> = Vec::new();

    let run_dir = dir.path().join("run");
    let stdout = run(
        &[
            "run".as_ref(),
            quickstart.as_os_str(),
            "--out".as_ref(),
            run_dir.as_os_str(),
        ],
        0,
    );
    outputs.push(("run stdout".into(), stdout));
    text_files(&run_dir, &mut outputs);

    // A delivered connection (both endpoints are accepted by t=5m) prints
    // its cost trace, which quotes AWS's per-GB rates.
    let explain = run(
        &[
            "explain".as_ref(),
            quickstart.as_os_str(),
            "--traffic".as_ref(),
            "acme-checkout".as_ref(),
            "--at".as_ref(),
            "1h".as_ref(),
        ],
        0,
    );
    assert!(explain.contains("Cost trace"), "{explain}");
    outputs.push(("explain".into(), explain));

    // check against the run's own summary with another seed: every metric
    // moves, so the diff prints every unit it has.
    let check = run(
        &[
            "check".as_ref(),
            quickstart.as_os_str(),
            "--baseline".as_ref(),
            run_dir.join("summary.json").as_os_str(),
            "--seed".as_ref(),
            "7".as_ref(),
        ],
        1,
    );
    outputs.push(("check".into(), check));

    // A study with an infeasible variant: sweep, then compare.
    let study = root("scenarios/studies/peering-vs-privatelink.ron");
    let sweep_dir = dir.path().join("sweep");
    let sweep = run(
        &[
            "sweep".as_ref(),
            study.as_os_str(),
            "--out".as_ref(),
            sweep_dir.as_os_str(),
        ],
        0,
    );
    outputs.push(("sweep stdout".into(), sweep));
    let compare_dir = dir.path().join("compare");
    let compare = run(
        &[
            "compare".as_ref(),
            sweep_dir.as_os_str(),
            "--out".as_ref(),
            compare_dir.as_os_str(),
        ],
        0,
    );
    outputs.push(("compare stdout".into(), compare));
    text_files(&sweep_dir, &mut outputs);
    text_files(&compare_dir, &mut outputs);

    let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
    for want in ["bill.csv", "report.html", "cross-az.svg", "comparison.txt"] {
        assert!(
            names.iter().any(|n| n.ends_with(want)),
            "{want} not scanned: {names:?}"
        );
    }
    let mut report = String::new();
    for (name, text) in &outputs {
        for v in violations(text) {
            report.push_str(&format!("{name}: {v}\n"));
        }
    }
    assert!(report.is_empty(), "outputs break the unit rule:\n{report}");
}
