//! `vpcsim import flow-logs` on the committed flow-log fixtures (made by
//! `tests/fixtures/import/make-flow-logs.py` from a known traffic pattern
//! over the describe fixture): the import recovers the pattern's bytes per
//! source and target, drops second captures and inner legs, counts what
//! matches nothing, and the written scenario validates and runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn vpcsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vpcsim"))
}

fn fixture(rel: &str) -> String {
    format!("{}/tests/fixtures/import/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `vpcsim import aws` of the describe fixture into `dir/estate.ron`.
pub fn estate(dir: &Path) -> PathBuf {
    let ron = dir.join("estate.ron");
    let out = vpcsim()
        .args(["import", "aws", &fixture("aws"), "-o"])
        .arg(&ron)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    ron
}

/// `vpcsim import flow-logs` of every fixture file over `scenario`.
fn flow_logs(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    let format = std::fs::read_to_string(fixture("flow-logs/format.txt")).expect("format");
    vpcsim()
        .args(["import", "flow-logs"])
        .arg(fixture("flow-logs/acme-app.log.gz"))
        .arg(fixture("flow-logs/provider.log"))
        .arg(fixture("flow-logs/s3.log"))
        .args(["--format", format.trim(), "--scenario"])
        .arg(scenario)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .expect("runs")
}

/// (connections, request bytes, response bytes) of each trace in `folder`, by file stem.
fn trace_totals(folder: &Path) -> BTreeMap<String, (u64, u64, u64)> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(folder).expect("traces") {
        let p = e.expect("entry").path();
        let text = std::fs::read_to_string(&p).expect("trace");
        let mut t = (0, 0, 0);
        for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            t.0 += 1;
            t.1 += cells[3].parse::<u64>().expect("request");
            t.2 += cells[4].parse::<u64>().expect("response");
        }
        let stem = p.file_stem().expect("stem").to_string_lossy().into_owned();
        out.insert(stem, t);
    }
    out
}

/// (source, target, port) of a class.
type ClassKey = (String, String, String);

/// The generator's pattern: `(source, target, port)` → (connections, request, response).
fn expected() -> Vec<(ClassKey, (u64, u64, u64))> {
    let text = std::fs::read_to_string(fixture("flow-logs/expected.csv")).expect("expected");
    text.lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let n = |i: usize| c[i].parse::<u64>().expect("number");
            // `endpoint acme-orders` → `acme-orders`, as the class name has it.
            let target = c[1].rsplit(' ').next().unwrap_or(c[1]).to_string();
            ((c[0].into(), target, c[2].into()), (n(3), n(4), n(5)))
        })
        .collect()
}

fn within_one_percent(got: u64, want: u64) -> bool {
    got.abs_diff(want) * 100 <= want
}

#[test]
fn flow_logs_recover_the_known_pattern_and_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = estate(dir.path());
    let ron = dir.path().join("measured.ron");
    let out = flow_logs(&scenario, &ron, &[]);
    let report = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    let got = trace_totals(&dir.path().join("measured.flows"));
    let want = expected();
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((src, dst, port), (conns, req, resp)) in want {
        let name = format!("flows-{src}-{dst}-{port}");
        let (c, q, r) = got[&name];
        assert_eq!(c, conns, "{name}: connections");
        assert!(within_one_percent(q, req), "{name}: request {q} vs {req}");
        assert!(
            within_one_percent(r, resp),
            "{name}: response {r} vs {resp}"
        );
    }
    // Second captures, inner legs and noise are counted, not replayed: the
    // generator logs every client flow twice (client and endpoint, client
    // and backend, backend and NAT ENIs).
    for fact in [
        "duplicate captures 1770",
        "rejected 1",
        "no data 1",
        "other protocols 1",
        "960 records not replayed: flows from endpoint acme-orders",
        "180 records not replayed: flows from NAT gateway svc-nat",
        "3 records matched no element, an address of an imported VPC outside its subnets: 10.20.9.9 (3)",
        "3 records matched no element, a private address outside the imported VPCs and sites: 192.168.5.5 (3)",
        "address 10.20.1.200 of endpoint acme-orders learned from its records",
    ] {
        assert!(report.contains(fact), "{fact:?} not in {report}");
    }
    let out = vpcsim().arg("validate").arg(&ron).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let run = dir.path().join("run");
    let out = vpcsim()
        .args(["run", "--quiet", "--out"])
        .arg(&run)
        .arg(&ron)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let conn = std::fs::read_to_string(run.join("connectivity.csv")).expect("connectivity");
    for row in [
        "flows-acme-web-acme-orders-443,acme-web,endpoint:acme-orders (regional),privatelink,delivered,,480,",
        "flows-acme-web-orders-backend-8443,acme-web,workload:orders-backend,peering,delivered,,120,",
        "flows-acme-web-s3-443,acme-web,aws:s3,gateway-endpoint,delivered,,120,",
        "flows-orders-backend-internet-443,orders-backend,internet,nat,delivered,,90,",
    ] {
        assert!(conn.contains(row), "{row:?} not in {conn}");
    }
}

#[test]
fn scale_multiplies_bytes_or_projects_the_month() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = estate(dir.path());
    let once = dir.path().join("once.ron");
    let twice = dir.path().join("twice.ron");
    let month = dir.path().join("month.ron");
    assert!(flow_logs(&scenario, &once, &[]).status.success());
    assert!(flow_logs(&scenario, &twice, &["--scale", "2"])
        .status
        .success());
    let out = flow_logs(&scenario, &month, &["--scale", "month"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let a = trace_totals(&dir.path().join("once.flows"));
    let b = trace_totals(&dir.path().join("twice.flows"));
    for (k, (c, q, r)) in &a {
        assert_eq!(b[k], (*c, 2 * q, 2 * r), "{k}");
    }
    let text = std::fs::read_to_string(&month).expect("month");
    assert!(text.contains("project_month: true"), "{text}");
    // Named after the written file, not the estate it replays over.
    assert!(text.contains("name: \"month\","), "{text}");
    let out = flow_logs(&scenario, &month, &["--scale=-1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--scale \"-1\": give `month`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_flow_logs_are_positioned_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = estate(dir.path());
    let cases = [
        (
            "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 60 1765000800\n",
            ":1:1: expected 14 fields (the default version-2 format), found 11",
        ),
        (
            "srcaddr dstaddr srcport dstport protocol bytes start\n10.0.0.1 10.0.0.2 1 99999 6 5 1\n",
            ":2:21: field dstport: expected a port (0 to 65535), found \"99999\"",
        ),
        ("version srcaddr\n", "lacks the fields dstaddr, srcport"),
        ("{\"Vpcs\": []}\n", "expected 14 fields"),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let log = dir.path().join(format!("bad-{i}.log"));
        std::fs::write(&log, text).expect("write");
        let out = vpcsim()
            .args(["import", "flow-logs"])
            .arg(&log)
            .arg("--scenario")
            .arg(&scenario)
            .arg("-o")
            .arg(dir.path().join("x.ron"))
            .output()
            .expect("runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(want), "{text}: {want:?} not in {err}");
        assert!(err.contains(&log.display().to_string()), "{err}");
    }
}
