//! Output folders owned by one run: a rerun leaves none of the previous
//! run's files, concurrent runs into one folder never mix, a folder holding
//! other files is refused, temporaries never follow planted symlinks, and
//! `--junit` / `baseline --out` never replace a device or FIFO.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{exits, vpcsim, write_baseline, Ran};

const MINIMAL: &str = include_str!("../fixtures/good/minimal.ron");

/// The minimal scenario renamed, five simulated minutes long, with or
/// without the per-connection log.
fn scenario(dir: &Path, name: &str, log: bool) -> PathBuf {
    let text = MINIMAL
        .replace("duration: \"1h\"", "duration: \"5m\"")
        .replace("name: \"minimal\",", &format!("name: {name:?},"))
        .replace(
            "region: \"us-east-1\",",
            &format!("region: \"us-east-1\",\n    settings: Settings(connection_log: {log}),"),
        );
    assert_ne!(text, MINIMAL);
    let p = dir.join(format!("{name}.ron"));
    std::fs::write(&p, text).expect("write");
    p
}

/// `vpcsim run` of `scenario` into `out`, which must exit with `code`.
#[track_caller]
fn run(scenario: &Path, out: &Path, code: i32) -> Ran {
    exits(
        vpcsim()
            .args(["run", "--quiet"])
            .arg(scenario)
            .arg("--out")
            .arg(out),
        code,
        &format!("run {}", scenario.display()),
    )
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A rerun used to leave the previous run's `connections.csv` and charts
/// beside the new summary.
#[test]
fn a_rerun_replaces_the_whole_folder() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("out");
    let with_log = scenario(root.path(), "logged", true);
    run(&with_log, &out, 0);
    assert!(out.join("connections.csv").is_file());
    // A chart an earlier version drew, which this one does not.
    std::fs::write(out.join("charts").join("retired.svg"), "<svg/>").expect("write");
    let without = scenario(root.path(), "plain", false);
    run(&without, &out, 0);
    assert!(!out.join("connections.csv").exists());
    assert!(!out.join("charts").join("retired.svg").exists());
    let summary = std::fs::read_to_string(out.join("summary.json")).expect("summary");
    assert!(summary.contains("\"plain\""));
    // No staging folder or temporary left beside or inside it.
    assert_eq!(names(root.path()), ["logged.ron", "out", "plain.ron"]);
    assert!(
        names(&out).iter().all(|n| !n.starts_with('.')),
        "{:?}",
        names(&out)
    );
}

/// A folder holding files vpcsim does not write (another tool's temporary
/// included) is refused, and they are left alone.
#[test]
fn a_folder_holding_other_files_is_refused_and_kept() {
    let root = tempfile::tempdir().expect("tempdir");
    let s = scenario(root.path(), "plain", false);
    for foreign in ["notes.txt", ".notes.txt.tmp-123"] {
        let out = root.path().join(format!("out-{}", foreign.len()));
        std::fs::create_dir_all(&out).expect("mkdir");
        std::fs::write(out.join(foreign), "mine").expect("write");
        let err = run(&s, &out, 2).stderr;
        assert!(err.contains(&format!("holds {foreign}")), "{err}");
        assert_eq!(
            std::fs::read_to_string(out.join(foreign)).expect("kept"),
            "mine"
        );
        assert!(!out.join("summary.json").exists());
    }
}

/// Two runs into one folder at once used to leave one run's summary with
/// the other's report, both exiting 0. Now the folder is one of them,
/// whole.
#[test]
fn concurrent_runs_into_one_folder_never_mix() {
    let root = tempfile::tempdir().expect("tempdir");
    let a = scenario(root.path(), "alpha-run", true);
    let b = scenario(root.path(), "bravo-run", false);
    let out = root.path().join("shared");
    for _ in 0..3 {
        let spawn = |s: &Path| {
            vpcsim()
                .args(["run", "--quiet"])
                .arg(s)
                .arg("--out")
                .arg(&out)
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawn")
        };
        let (mut x, mut y) = (spawn(&a), spawn(&b));
        assert!(x.wait().expect("wait").success());
        assert!(y.wait().expect("wait").success());
        let summary = std::fs::read_to_string(out.join("summary.json")).expect("summary");
        let html = std::fs::read_to_string(out.join("report.html")).expect("report");
        let winner = if summary.contains("\"alpha-run\"") {
            "alpha-run"
        } else {
            "bravo-run"
        };
        let loser = if winner == "alpha-run" {
            "bravo-run"
        } else {
            "alpha-run"
        };
        assert!(html.contains(winner) && !html.contains(loser));
        // Only the logged run writes connections.csv.
        assert_eq!(out.join("connections.csv").exists(), winner == "alpha-run");
        assert_eq!(
            names(root.path()),
            ["alpha-run.ron", "bravo-run.ron", "shared"]
        );
    }
}

/// The temporary names were `.<file>.tmp-<pid>`, opened following
/// symlinks: a link planted under that name made vpcsim write elsewhere.
#[cfg(unix)]
#[test]
fn a_planted_symlink_is_never_written_through() {
    let root = tempfile::tempdir().expect("tempdir");
    let victim = root.path().join("victim");
    std::fs::write(&victim, "precious").expect("write");
    let shared = root.path().join("shared");
    std::fs::create_dir_all(&shared).expect("mkdir");
    let planted = shared.join(format!(".table.csv.tmp-{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).expect("symlink");
    vpcsim::report::write_atomic(&shared.join("table.csv"), b"a,b\n").expect("written");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
    assert_eq!(
        std::fs::read_to_string(shared.join("table.csv")).expect("out"),
        "a,b\n"
    );
    // The planted link is not ours: it stays, and nothing else is left.
    assert_eq!(
        names(&shared),
        [
            planted
                .file_name()
                .expect("named")
                .to_string_lossy()
                .into_owned(),
            "table.csv".to_string()
        ]
    );
}

/// `--junit` and `baseline --out` replaced a device node or FIFO with a
/// regular file (as root, `--junit /dev/null` replaced /dev/null).
#[cfg(unix)]
#[test]
fn junit_and_baseline_out_never_replace_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let root = tempfile::tempdir().expect("tempdir");
    let s = scenario(root.path(), "plain", false);
    let fifo = root.path().join("pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let fifo_refused = |cmd: &mut Command| {
        let err = exits(cmd, 2, "a FIFO as output").stderr;
        assert!(
            err.contains("is a FIFO (named pipe), not a regular file"),
            "{err}"
        );
    };
    fifo_refused(
        vpcsim()
            .args(["baseline", "-q"])
            .arg(&s)
            .arg("--out")
            .arg(&fifo),
    );
    assert!(std::fs::symlink_metadata(&fifo)
        .expect("still there")
        .file_type()
        .is_fifo());

    let baseline = root.path().join("b.json");
    write_baseline(&s, &baseline);
    fifo_refused(
        vpcsim()
            .args(["check", "-q"])
            .arg(&s)
            .arg("--baseline")
            .arg(&baseline)
            .arg("--junit")
            .arg(&fifo),
    );
    assert!(std::fs::symlink_metadata(&fifo)
        .expect("still there")
        .file_type()
        .is_fifo());
}
