//! Inputs that are not files, or far too large: a FIFO with no writer,
//! `/dev/zero` and a 2 GB sparse file, given as every kind of input file
//! vpcsim reads. Each must end in a clear error and exit code 2 within a
//! second (before the bounded reader, the first two blocked or read
//! forever, and the third was read whole).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MINIMAL: &str = include_str!("../fixtures/good/minimal.ron");

fn vpcsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vpcsim"))
}

/// The three hostile stand-ins for a file.
#[derive(Debug, Clone, Copy)]
enum Hostile {
    Fifo,
    DevZero,
    Sparse2G,
}

impl Hostile {
    const ALL: [Hostile; 3] = [Hostile::Fifo, Hostile::DevZero, Hostile::Sparse2G];

    /// Puts the stand-in at `path`.
    fn plant(self, path: &Path) {
        let _ = std::fs::remove_file(path);
        match self {
            Hostile::Fifo => {
                let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
                assert!(status.success());
            }
            Hostile::DevZero => std::os::unix::fs::symlink("/dev/zero", path).expect("symlink"),
            Hostile::Sparse2G => {
                let f = std::fs::File::create(path).expect("create");
                f.set_len(2_000_000_000).expect("sparse");
            }
        }
    }

    /// What the error must say.
    fn expected(self) -> &'static str {
        match self {
            Hostile::Fifo => "is a FIFO (named pipe), not a regular file",
            Hostile::DevZero => "is a character device, not a regular file",
            Hostile::Sparse2G => "is 1.86 GiB, above the limit of",
        }
    }
}

/// Runs `cmd`, killing it after 10 s; returns (exit code, stderr, time).
fn run_bounded(mut cmd: Command) -> (Option<i32>, String, Duration) {
    let t = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            return (status.code(), err, t.elapsed());
        }
        if t.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            return (None, "killed after 10 s (hang)".to_string(), t.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A folder with a runnable scenario whose referenced files can be swapped.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Setup { dir };
        std::fs::write(s.path("plain.ron"), MINIMAL).expect("write");
        let with = |field: &str| {
            MINIMAL.replace(
                "region: \"us-east-1\",",
                &format!("region: \"us-east-1\", {field}"),
            )
        };
        std::fs::write(s.path("quota-ref.ron"), with("quotas: \"q.ron\",")).expect("write");
        std::fs::write(s.path("pricebook-ref.ron"), with("pricebook: \"pb.ron\",")).expect("write");
        let traced = MINIMAL.replace(
            "arrivals: Poisson(per_second: 20.0)",
            "arrivals: Trace(file: \"trace.csv\")",
        );
        std::fs::write(s.path("trace-ref.ron"), traced).expect("write");
        let study = "Study(name: \"st\", base: \"plain.ron\", sweep: [Load([1.0])])";
        std::fs::write(s.path("study-ok.ron"), study).expect("write");
        let out = vpcsim()
            .args(["baseline", "--quiet"])
            .arg(s.path("plain.ron"))
            .arg("--out")
            .arg(s.path("baseline.json"))
            .output()
            .expect("baseline");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        s
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Every input kind, as a command whose input `target` is the hostile file.
fn cases(s: &Setup) -> Vec<(&'static str, PathBuf, Command)> {
    let p = |n: &str| s.path(n);
    let mut v = Vec::new();
    let mut c = vpcsim();
    c.arg("validate").arg(p("scenario.ron"));
    v.push(("scenario", p("scenario.ron"), c));
    let mut c = vpcsim();
    c.arg("validate").arg(p("quota-ref.ron"));
    v.push(("quota profile", p("q.ron"), c));
    let mut c = vpcsim();
    c.arg("validate").arg(p("pricebook-ref.ron"));
    v.push(("pricebook", p("pb.ron"), c));
    let mut c = vpcsim();
    c.args(["run", "--quiet", "--out"])
        .arg(p("out-pb"))
        .arg(p("plain.ron"))
        .arg("--pricebook")
        .arg(p("pb2.ron"));
    v.push(("pricebook (--pricebook)", p("pb2.ron"), c));
    let mut c = vpcsim();
    c.arg("validate").arg(p("trace-ref.ron"));
    v.push(("trace", p("trace.csv"), c));
    let mut c = vpcsim();
    c.args(["sweep", "--quiet", "--out"])
        .arg(p("out-study"))
        .arg(p("study.ron"));
    v.push(("study", p("study.ron"), c));
    let mut c = vpcsim();
    c.args(["check", "--quiet"])
        .arg(p("plain.ron"))
        .arg("--baseline")
        .arg(p("base.json"));
    v.push(("baseline", p("base.json"), c));
    let mut c = vpcsim();
    c.args(["check", "--quiet"])
        .arg(p("plain.ron"))
        .arg("--baseline")
        .arg(p("baseline.json"))
        .arg("--tolerances")
        .arg(p("tol.ron"));
    v.push(("tolerances", p("tol.ron"), c));
    std::fs::create_dir_all(p("sweep/shards")).expect("mkdir");
    let mut c = vpcsim();
    c.arg("merge").arg(p("sweep")).arg("--out").arg(p("merged"));
    v.push(("shard manifest", p("sweep/shards/shard-0-of-1.json"), c));
    std::fs::create_dir_all(p("table")).expect("mkdir");
    let mut c = vpcsim();
    c.arg("compare").arg(p("table"));
    v.push(("study table", p("table/study.json"), c));
    let mut c = vpcsim();
    c.args(["import", "terraform"]).arg(p("plan.json"));
    v.push(("import source", p("plan.json"), c));
    v
}

#[test]
fn fifos_devices_and_huge_files_fail_fast_as_every_input_kind() {
    let s = Setup::new();
    let mut slowest = Duration::ZERO;
    for hostile in Hostile::ALL {
        for (kind, target, cmd) in cases(&s) {
            hostile.plant(&target);
            let (code, err, took) = run_bounded(cmd);
            slowest = slowest.max(took);
            let what = format!("{kind} as {hostile:?}");
            assert_eq!(code, Some(2), "{what}: {err}");
            assert!(err.contains(hostile.expected()), "{what}: {err}");
            assert!(
                err.contains(&target.display().to_string()),
                "{what} names no file: {err}"
            );
            assert!(took < Duration::from_secs(1), "{what} took {took:?}");
            let _ = std::fs::remove_file(&target);
        }
    }
    eprintln!("slowest hostile input: {slowest:?}");
}
