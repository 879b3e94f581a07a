//! Safe outputs: scenario names never lead outside the output folder, and a
//! run killed at any moment leaves only complete files (plus, at worst,
//! temporary files that the next run removes).

use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use vpcsim::load;

const MINIMAL: &str = include_str!("../fixtures/good/minimal.ron");

use super::{exits, vpcsim};

fn with_name(name: &str) -> String {
    MINIMAL.replace("name: \"minimal\"", &format!("name: {}", ron_string(name)))
}

/// `s` as a RON string literal.
fn ron_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Names that would escape `output/` or hide there are load errors.
#[test]
fn path_like_scenario_names_are_rejected() {
    for bad in [
        "../escape",
        "..",
        ".",
        ".hidden",
        "a/b",
        "/etc",
        "a\\b",
        "C:x",
        "",
        "a b",
        "~",
        &"x".repeat(101),
    ] {
        let err = load::load_str(&with_name(bad), "named.ron")
            .err()
            .unwrap_or_else(|| panic!("name {bad:?} was accepted"));
        assert!(
            err.to_string().contains("is not a valid scenario name"),
            "{bad:?}: {err}"
        );
    }
    for good in ["a", "quick-start_2.v1", "a..b", "x".repeat(100).as_str()] {
        assert!(
            load::load_str(&with_name(good), "named.ron").is_ok(),
            "{good:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Any name the loader accepts makes `output/<name>` a single plain
    /// folder inside `output/`: no `..`, no root, no separator, not hidden.
    #[test]
    fn accepted_names_stay_inside_the_output_folder(
        name in "[a-zA-Z0-9._/\\\\: ~-]{0,12}"
    ) {
        if load::load_str(&with_name(&name), "named.ron").is_ok() {
            let path = Path::new("output").join(&name);
            let parts: Vec<Component> = path.components().collect();
            prop_assert_eq!(parts.len(), 2, "{:?} splits into {:?}", name, parts);
            prop_assert!(matches!(parts[1], Component::Normal(_)), "{:?}", name);
            prop_assert!(!name.starts_with('.'), "{:?}", name);
        }
    }
}

/// `vpcsim run` without `--out` writes to `output/<name>/` under the current
/// folder, and refuses a path-like name before writing anything.
#[test]
fn run_without_out_writes_under_output_and_refuses_escaping_names() {
    let root = tempfile::tempdir().expect("tempdir");
    let work = root.path().join("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    let good = work.join("good.ron");
    std::fs::write(&good, with_name("safe-name")).expect("write");
    exits(
        vpcsim()
            .current_dir(&work)
            .args(["run", "--quiet"])
            .arg(&good),
        0,
        "safe-name",
    );
    assert!(work.join("output/safe-name/summary.json").is_file());

    let bad = work.join("bad.ron");
    std::fs::write(&bad, with_name("../escaped")).expect("write");
    let err = exits(
        vpcsim()
            .current_dir(&work)
            .args(["run", "--quiet"])
            .arg(&bad),
        2,
        "../escaped",
    )
    .stderr;
    assert!(err.contains("is not a valid scenario name"), "{err}");
    assert!(!work.join("escaped").exists() && !root.path().join("escaped").exists());
    let entries: Vec<_> = std::fs::read_dir(work.join("output"))
        .expect("output folder")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("safe-name")]);
}

/// Whether `name` is a temporary file of an atomic write.
fn is_temp(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// Every output file in `dir` is complete; returns the temporary files found.
fn check_complete(dir: &Path) -> Vec<PathBuf> {
    let mut temps = Vec::new();
    for d in [dir.to_path_buf(), dir.join("charts")] {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                continue;
            }
            if is_temp(&name) {
                temps.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).expect("readable");
            let text = || String::from_utf8_lossy(&bytes).into_owned();
            let ok = match path.extension().and_then(|x| x.to_str()) {
                Some("json") => {
                    serde_json::from_slice::<serde_json::Value>(&bytes).is_ok()
                        && bytes.ends_with(b"\n")
                }
                Some("csv") => {
                    bytes.ends_with(b"\n")
                        && csv::Reader::from_reader(&bytes[..])
                            .records()
                            .all(|r| r.is_ok())
                }
                Some("svg") => text().trim_end().ends_with("</svg>"),
                Some("html") => text().trim_end().ends_with("</html>"),
                Some("png") => {
                    bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.ends_with(b"IEND\xaeB`\x82")
                }
                _ => false,
            };
            assert!(ok, "{} is incomplete or unexpected", path.display());
        }
    }
    temps
}

/// Kills `vpcsim run` at random moments, half of them while it writes its
/// outputs (the moment the first file appears, plus 0–3 ms), with SIGINT
/// or SIGKILL. The output folder is absent or complete; a kill mid-write
/// leaves a staging folder beside it, which the next run removes.
#[test]
fn killed_runs_leave_only_complete_files() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.ron");
    let root = tempfile::tempdir().expect("tempdir");
    let start = |dir: &Path| {
        vpcsim()
            .args(["run", scenario, "--quiet", "--out"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn vpcsim")
    };
    // How long a whole run takes here.
    let t0 = Instant::now();
    let status = start(&root.path().join("full")).wait().expect("wait");
    assert!(status.success());
    let full = t0.elapsed();

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut dirs = Vec::new();
    let mut killed_while_writing = 0;
    for k in 0..10 {
        let dir = root.path().join(format!("run{k}"));
        let mut child = start(&dir);
        let t = Instant::now();
        if k % 2 == 0 {
            // Anywhere in the run.
            let ms = rng.random_range(0..=full.as_millis() as u64 + 50);
            std::thread::sleep(Duration::from_millis(ms));
        } else {
            // Once writing has started (into the run's staging folder).
            while stages(root.path(), &dir).is_empty() && !dir.exists() && t.elapsed() < full * 4 {
                std::thread::sleep(Duration::from_micros(200));
            }
            // Within a few milliseconds of the first file: writing the
            // outputs takes tens of milliseconds even on a fast machine, so
            // this kill lands mid-write (a longer delay often missed it).
            std::thread::sleep(Duration::from_micros(rng.random_range(0..3_000)));
        }
        let signal = if k % 4 < 2 { "-INT" } else { "-KILL" };
        let _ = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status();
        let status = child.wait().expect("wait");
        if !status.success() && !stages(root.path(), &dir).is_empty() {
            killed_while_writing += 1;
        }
        let temps = check_complete(&dir);
        if !temps.is_empty() {
            eprintln!("run{k}: killed mid-write, left {temps:?}");
        }
        dirs.push(dir);
    }
    assert!(killed_while_writing > 0, "no kill landed while writing");
    // A complete run into each folder leaves complete files, no temporary
    // file and no staging folder of a killed run.
    for dir in &dirs {
        let status = start(dir).wait().expect("wait");
        assert!(status.success());
        let temps = check_complete(dir);
        assert!(temps.is_empty(), "left over: {temps:?}");
        assert!(dir.join("report.html").is_file());
        assert!(
            stages(root.path(), dir).is_empty(),
            "{:?}",
            stages(root.path(), dir)
        );
    }
}

/// Staging folders of runs into `dir` (siblings named `.<dir>.vpcsim-…`).
fn stages(root: &Path, dir: &Path) -> Vec<PathBuf> {
    let prefix = format!(
        ".{}.vpcsim-",
        dir.file_name().expect("named").to_string_lossy()
    );
    std::fs::read_dir(root)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}
