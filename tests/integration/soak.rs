//! A long soak of the command line with structured generators for each
//! class of hostile or careless input of docs/reliability.md ("Hardening"):
//! repeated and countless VPC blocks, many traffic classes, studies whose
//! point count overflows, peering meshes, traces with rows past the run,
//! control characters in names, and FIFOs or `/dev/zero` as input files.
//! Sizes are drawn at random, each input is given to the `vpcsim` binary,
//! and every one must end within 60 s with exit 0 or 2, no panic, and a
//! message on stderr when refused.
//!
//! Off by default (it runs for as long as asked): `VPCSIM_SOAK_SECS=1800`
//! runs it for 30 minutes, `VPCSIM_SOAK_SEED` picks the stream (default 1).
//! At the end it prints the inputs per class, the slowest input and the
//! largest peak RSS of any `vpcsim` child.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const MINIMAL: &str = include_str!("../fixtures/good/minimal.ron");
const CLASSES: [&str; 8] = [
    "repeated-cidr",
    "ipv6-blocks",
    "many-classes",
    "study-overflow",
    "peering-mesh",
    "trace-rows",
    "control-chars",
    "not-a-file",
];

/// What one input did: the class, exit code and time.
struct Outcome {
    code: Option<i32>,
    took: Duration,
    stderr: String,
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

/// Runs `vpcsim` with `args`, killing it after 60 s (a hang fails).
fn run(args: &[&std::ffi::OsStr]) -> Outcome {
    let t = Instant::now();
    let mut child = super::vpcsim()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vpcsim");
    let mut err = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Outcome {
                code: status.code(),
                took: t.elapsed(),
                stderr: reader.join().unwrap_or_default(),
            };
        }
        if t.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("soak: vpcsim {args:?} ran for more than 60 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn with_svc_blocks(blocks: impl Iterator<Item = String>) -> String {
    let list = blocks
        .map(|b| format!("\"{b}\""))
        .collect::<Vec<_>>()
        .join(", ");
    MINIMAL.replace(
        "cidrs: [\"10.0.0.0/16\"]",
        &format!("cidrs: [\"10.0.0.0/16\", {list}]"),
    )
}

/// `minimal` with `n` traffic classes `c0`, `c1`, ... of the given arrivals
/// instead of its one.
pub(super) fn classes(n: usize, arrivals: &str) -> String {
    let one = |i: usize| {
        format!(
            "Traffic(name: \"c{i}\", from: Workload(\"web\"), to: Service(name: \"orders\", dns: Regional), \
             arrivals: {arrivals}, request: Fixed(\"1KiB\"), response: Fixed(\"1KiB\")),"
        )
    };
    let all: String = (0..n).map(one).collect();
    let start = MINIMAL.find("    traffic: [").expect("traffic");
    let end = MINIMAL.find("    events: [").expect("events");
    format!(
        "{}    traffic: [{all}],\n{}",
        &MINIMAL[..start],
        &MINIMAL[end..]
    )
}

fn study(base: &Path, architecture: &str, sweep: &str) -> String {
    format!(
        r#"Study(
    name: "soak",
    base: {base:?},
    templates: [
        Template(name: "c", azs: ["use1-az1", "use1-az2"], instances: 1,
                 shared: Shared(vpc: "shared", workload: "api-backend", service: "api"),
                 traffic: TrafficSpec(arrivals: Poisson(per_second: 1.0), request: Fixed("1KiB"), response: Fixed("4KiB"))),
    ],
    variants: [Variant(name: "v", architecture: {architecture}, dns: Regional, duration: "1m")],
    {sweep}
)
"#
    )
}

/// Generates one input of `class` (sizes drawn from `rng`) and runs it.
fn one(class: &str, rng: &mut ChaCha8Rng, dir: &Path) -> Outcome {
    let validate = |p: &Path| run(&["validate".as_ref(), p.as_os_str()]);
    match class {
        "repeated-cidr" => {
            let n = rng.random_range(1..20_000usize);
            let p = write(
                dir,
                "s.ron",
                &with_svc_blocks((0..n).map(|_| "10.0.0.0/16".to_string())),
            );
            validate(&p)
        }
        "ipv6-blocks" => {
            let n = rng.random_range(1..100_000u32);
            let p = write(
                dir,
                "s.ron",
                &with_svc_blocks(
                    (0..n).map(|i| format!("2600:1f18:{:x}:{:x}::/64", i >> 16, i & 0xffff)),
                ),
            );
            validate(&p)
        }
        "many-classes" => {
            let n = rng.random_range(1..15_000usize);
            let text = classes(n, "Constant(per_second: 0.001)")
                .replace("duration: \"1h\"", "duration: \"2m\"");
            let p = write(dir, "s.ron", &text);
            let out = dir.join("out");
            let _ = std::fs::remove_dir_all(&out);
            run(&[
                "run".as_ref(),
                "--quiet".as_ref(),
                "--out".as_ref(),
                out.as_os_str(),
                p.as_os_str(),
            ])
        }
        "study-overflow" => {
            let k = rng.random_range(1..65_536u32);
            let values = (1..=k).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
            let reps = rng.random_range(1..=65_536u32);
            let sweep = format!("sweep: [Consumers([{values}])], replications: {reps},");
            let base =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/studies/shared-service.ron");
            let p = write(dir, "study.ron", &study(&base, "PrivateLink", &sweep));
            validate(&p)
        }
        "peering-mesh" => {
            let n = rng.random_range(1..10_000u32);
            let base =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/studies/shared-service.ron");
            let sweep = format!("sweep: [Consumers([{n}])],");
            let p = write(dir, "study.ron", &study(&base, "PeeringMesh", &sweep));
            validate(&p)
        }
        "trace-rows" => {
            let n = rng.random_range(1..200_000u64);
            let mut csv = String::from("time,source,target,request_bytes,response_bytes\n");
            // Times spread over twice the 10-minute run: about half the
            // inputs have rows past its end.
            let spread = if rng.random_bool(0.5) { 600 } else { 1_200 };
            for i in 0..n {
                csv.push_str(&format!("{},,,100,100\n", i * spread / n));
            }
            write(dir, "t.csv", &csv);
            let text = MINIMAL
                .replace("duration: \"1h\"", "duration: \"10m\"")
                .replace(
                    "arrivals: Poisson(per_second: 20.0)",
                    "arrivals: Trace(file: \"t.csv\")",
                );
            let p = write(dir, "s.ron", &text);
            validate(&p)
        }
        "control-chars" => {
            let c = char::from_u32(rng.random_range(0..32u32)).unwrap_or('\u{0}');
            let text = MINIMAL.replace(
                "name: \"checkout\"",
                &format!("name: {:?}", format!("web{c}x")),
            );
            let p = write(dir, "s.ron", &text);
            validate(&p)
        }
        _ => {
            let p = dir.join("s.ron");
            let _ = std::fs::remove_file(&p);
            if rng.random_bool(0.5) {
                let ok = Command::new("mkfifo").arg(&p).status().expect("mkfifo");
                assert!(ok.success());
            } else {
                std::os::unix::fs::symlink("/dev/zero", &p).expect("symlink");
            }
            let o = validate(&p);
            let _ = std::fs::remove_file(&p);
            o
        }
    }
}

/// Largest peak RSS of any finished child, in KiB (Linux reports KiB).
fn children_max_rss_kib() -> i64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_CHILDREN is a valid `who`.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    if rc == 0 {
        u.ru_maxrss
    } else {
        -1
    }
}

#[cfg(unix)]
#[test]
fn structured_soak() {
    let Some(secs) = std::env::var("VPCSIM_SOAK_SECS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    let seed = std::env::var("VPCSIM_SOAK_SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let mut per_class: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let mut slowest = (Duration::ZERO, "");
    // The child that raised the children's peak RSS is the one just run.
    let mut peak: BTreeMap<&str, i64> = BTreeMap::new();
    let mut rss = children_max_rss_kib();
    while started.elapsed() < Duration::from_secs(secs) {
        let class = CLASSES[rng.random_range(0..CLASSES.len())];
        let o = one(class, &mut rng, dir.path());
        assert!(!o.stderr.contains("panicked"), "soak {class}: {}", o.stderr);
        match o.code {
            Some(0) => per_class.entry(class).or_default().0 += 1,
            Some(2) => {
                assert!(o.stderr.contains("error:"), "soak {class}: {}", o.stderr);
                per_class.entry(class).or_default().1 += 1;
            }
            other => panic!("soak {class}: exit {other:?}: {}", o.stderr),
        }
        if o.took > slowest.0 {
            slowest = (o.took, class);
        }
        let now = children_max_rss_kib();
        if now > rss {
            peak.insert(class, now);
            rss = now;
        }
    }
    let total: u64 = per_class.values().map(|(a, r)| a + r).sum();
    eprintln!(
        "soak: {total} inputs in {:.0} s (seed {seed}); accepted/refused per class: {per_class:?}; \
         slowest {:.2} s ({}); peak RSS in KiB of the first child of a class to raise the maximum: {peak:?}",
        started.elapsed().as_secs_f64(),
        slowest.0.as_secs_f64(),
        slowest.1,
    );
    assert!(total > 0);
}
