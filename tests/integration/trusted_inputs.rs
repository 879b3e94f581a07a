//! What is read back or expanded is checked first: shard manifests and
//! rows before `merge` uses them, study sizes before a point is built,
//! quota profile files like `quota_overrides`, traces against the
//! scenario. Each case ends in seconds with exit 2 and a clear message.

use std::path::{Path, PathBuf};

use super::{exits, vpcsim};

const MINIMAL: &str = include_str!("../fixtures/good/minimal.ron");

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

/// Runs vpcsim and requires exit 2 with `needle` on stderr.
fn refused(args: &[&std::ffi::OsStr], needle: &str) {
    let err = exits(vpcsim().args(args), 2, needle).stderr;
    assert!(err.contains(needle), "wanted {needle:?} in:\n{err}");
}

/// A two-point study on the shipped shared service; `seed` tells versions
/// apart.
fn study(dir: &Path, seed: u64, extra: &str) -> PathBuf {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/studies/shared-service.ron");
    write(
        dir,
        "tiny.ron",
        &format!(
            r#"Study(
    name: "tiny",
    base: {base:?},
    seed: {seed},
    templates: [
        Template(name: "c", azs: ["use1-az1", "use1-az2"], instances: 1,
                 shared: Shared(vpc: "shared", workload: "api-backend", service: "api"),
                 traffic: TrafficSpec(arrivals: Poisson(per_second: 1.0), request: Fixed("1KiB"), response: Fixed("4KiB"))),
    ],
    variants: [Variant(name: "pl", architecture: PrivateLink, dns: Regional, duration: "1m")],
    {extra}
)
"#,
            base = base.display().to_string()
        ),
    )
}

fn sweep(study: &Path, out: &Path, shard: &str) {
    exits(
        vpcsim()
            .args([
                "sweep".as_ref(),
                study.as_os_str(),
                "--quiet".as_ref(),
                "--shard".as_ref(),
            ])
            .arg(shard)
            .arg("--out")
            .arg(out),
        0,
        shard,
    );
}

fn merge_refused(dir: &Path, needle: &str) {
    let out = dir.parent().expect("parent").join("merged");
    refused(
        &[
            "merge".as_ref(),
            dir.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        needle,
    );
}

/// `points: 1e13` aborted, `points: 3` reported "merged 18 of 3 points",
/// a point id `../..` was read as a path, and an interrupted re-sweep of an
/// edited study was merged with the old manifest ("merged 30 of 30").
#[test]
fn merge_checks_manifests_and_rows_before_trusting_them() {
    let root = tempfile::tempdir().expect("tempdir");
    let s = study(root.path(), 1, "sweep: [Consumers([1, 2])],");
    let dir = root.path().join("sweep");
    sweep(&s, &dir, "0/1");
    let manifest = dir.join("shards").join("shard-0-of-1.json");
    let original = std::fs::read_to_string(&manifest).expect("manifest");
    assert!(original.contains("\"points\": 2"), "{original}");
    let doctor = |from: &str, to: &str| {
        let t = original.replacen(from, to, 1);
        assert_ne!(t, original, "{from}");
        std::fs::write(&manifest, t).expect("write");
    };
    doctor("\"points\": 2", "\"points\": 10000000000000");
    merge_refused(&dir, "claims 10000000000000 points");
    doctor("\"points\": 2", "\"points\": 1");
    merge_refused(&dir, "lists 2 points of a 1-point study");
    let first = original
        .split("\"ran\": [")
        .nth(1)
        .and_then(|r| r.split('"').nth(1))
        .expect("a point id")
        .to_string();
    doctor(&format!("\"{first}\""), "\"../..\"");
    merge_refused(&dir, "point id \"../..\"");
    std::fs::write(&manifest, &original).expect("restore");

    // The study is edited and swept again into the same folder, but only
    // half of it (as if interrupted): the old manifest must not adopt the
    // new rows.
    let s2 = study(root.path(), 2, "sweep: [Consumers([1, 2])],");
    sweep(&s2, &dir, "0/2");
    merge_refused(&dir, "written by another version of the study");
}

/// 3 axes × 65,536 values × 65,536 replications wrapped to 0 points and
/// passed the cap; a mesh of 5,000 consumers built 12.5 M peerings before
/// any cap.
#[test]
fn study_sizes_are_checked_before_expansion() {
    let root = tempfile::tempdir().expect("tempdir");
    let values = |f: &dyn Fn(u32) -> String| (1..=65_536u32).map(f).collect::<Vec<_>>().join(",");
    let axes = format!(
        "sweep: [Consumers([{}]), Load([{}]), ZonalShare([{}])], replications: 65536,",
        values(&|i| i.to_string()),
        values(&|i| format!("{}", f64::from(i) / 1024.0)),
        values(&|i| format!("{}", f64::from(i - 1) / 65_536.0)),
    );
    let s = study(root.path(), 1, &axes);
    let started = std::time::Instant::now();
    refused(&["validate".as_ref(), s.as_os_str()], "2^64 or more points");
    let mesh = study(root.path(), 1, "sweep: [Consumers([5000])],")
        .to_string_lossy()
        .into_owned();
    let text = std::fs::read_to_string(&mesh).expect("study");
    std::fs::write(
        &mesh,
        text.replace("architecture: PrivateLink", "architecture: PeeringMesh"),
    )
    .expect("write");
    refused(
        &["validate".as_ref(), mesh.as_ref()],
        "5000 consumers in a peering mesh need 12497500 peerings",
    );
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}

/// A quota profile file with `threshold: NaN` silently disabled
/// autoscaling; it is checked like `quota_overrides`.
#[test]
fn quota_profile_files_are_checked_like_overrides() {
    let root = tempfile::tempdir().expect("tempdir");
    let faq = include_str!("../../scenarios/quotas/faq.ron");
    let bad = faq.replace("threshold: 0.8", "threshold: NaN");
    assert_ne!(bad, faq);
    write(root.path(), "q.ron", &bad);
    let s = write(
        root.path(),
        "s.ron",
        &MINIMAL.replace(
            "region: \"us-east-1\",",
            "region: \"us-east-1\",\n    quotas: \"q.ron\",",
        ),
    );
    refused(
        &["validate".as_ref(), s.as_os_str()],
        "scaling.threshold: NaN is outside (0, 1]",
    );
    refused(
        &["run".as_ref(), s.as_os_str(), "--quiet".as_ref()],
        "scaling.threshold: NaN is outside (0, 1]",
    );
}

/// `validate` passed a trace naming an unknown source (the run refused it,
/// naming no file or line), rows after the end of the run were dropped
/// silently, and a headerless trace lost its first row.
#[test]
fn traces_are_checked_at_validation_with_file_and_line() {
    let root = tempfile::tempdir().expect("tempdir");
    let s = write(
        root.path(),
        "s.ron",
        &MINIMAL
            .replace("duration: \"1h\"", "duration: \"10m\"")
            .replace(
                "arrivals: Poisson(per_second: 20.0)",
                "arrivals: Trace(file: \"t.csv\")",
            ),
    );
    let header = "time,source,target,request_bytes,response_bytes\n";
    let cases = [
        (
            format!("{header}1,,,10,20\n2,ghost,,10,20\n"),
            "t.csv:3: source \"ghost\" is not a workload or site",
        ),
        (
            format!("{header}1,,nowhere,10,20\n"),
            "t.csv:2: target \"nowhere\" is not a service",
        ),
        (
            format!("{header}1,,,10,20\n599,,,1,1\n600,,,1,1\n900,,,1,1\n"),
            "t.csv:4: row at 10m is at or after the end",
        ),
        (
            "1,,,10,20\n2,,,10,20\n".to_string(),
            "t.csv:1: no header row",
        ),
    ];
    for (trace, needle) in cases {
        write(root.path(), "t.csv", &trace);
        refused(&["validate".as_ref(), s.as_os_str()], needle);
    }
    write(
        root.path(),
        "t.csv",
        &format!("{header}1,,,10,20\n599,web,orders,1,1\n"),
    );
    exits(vpcsim().arg("validate").arg(&s), 0, "a good trace");
}
