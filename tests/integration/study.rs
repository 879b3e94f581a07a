//! Studies: determinism across `--jobs` and shards, the peering wall against
//! PrivateLink, a bill reconciled by hand, and a 200-point sweep.

use std::path::{Path, PathBuf};
use std::process::Command;

use rust_decimal::Decimal;
use vpcsim::cost::Category;
use vpcsim::study::{self, LoadedStudy};
use vpcsim::units::Usd;

fn vpcsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vpcsim"))
}

fn root(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Writes a study file into `dir` whose base is the shipped shared service.
fn write_study(dir: &Path, name: &str, body: &str) -> PathBuf {
    let base = root("scenarios/studies/shared-service.ron");
    let text = format!(
        "Study(\n    name: {name:?},\n    base: {:?},\n{body}\n)\n",
        base.display().to_string()
    );
    let p = dir.join(format!("{name}.ron"));
    std::fs::write(&p, text).expect("write study");
    p
}

/// A small study: two architectures, two sizes, two replications (8 points).
const SMALL: &str = r#"
    seed: 5,
    templates: [
        Template(name: "c", azs: ["use1-az1", "use1-az2"], instances: 2,
                 shared: Shared(vpc: "shared", workload: "api-backend", service: "api"),
                 traffic: TrafficSpec(arrivals: Poisson(per_second: 1.0), request: Fixed("1KiB"), response: LogNormal(median: "64KiB", sigma: 1.0))),
    ],
    variants: [
        Variant(name: "pl", architecture: PrivateLink, dns: Regional, duration: "2m"),
        Variant(name: "peer", architecture: Peering, duration: "2m"),
    ],
    sweep: [Consumers([2, 4])],
    replications: 2,
"#;

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn run_cli(args: &[&std::ffi::OsStr]) -> String {
    let out = vpcsim().args(args).output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn sweep_is_byte_identical_for_any_jobs_and_merged_shards_equal_the_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = write_study(dir.path(), "small", SMALL);
    let out = |n: &str| dir.path().join(n);
    for (name, jobs) in [("j1", "1"), ("j2", "2")] {
        run_cli(&[
            "sweep".as_ref(),
            study.as_os_str(),
            "--out".as_ref(),
            out(name).as_os_str(),
            "--jobs".as_ref(),
            jobs.as_ref(),
            "--quiet".as_ref(),
        ]);
    }
    // Same bytes with one worker and with two: points finish in a different
    // order on two threads, so equality shows rows are sorted by point and
    // each point's seed does not depend on scheduling.
    for f in ["study.csv", "study.json", "study-stats.csv"] {
        assert_eq!(read(&out("j1").join(f)), read(&out("j2").join(f)), "{f}");
    }
    // The per-point outputs are the same too.
    let a = out("j1").join("points/0005-peer-n2-r1/summary.json");
    assert_eq!(
        read(&a),
        read(&out("j2").join("points/0005-peer-n2-r1/summary.json"))
    );

    // Two shards into one folder (as a Slurm array would), then a merge.
    for i in ["0/2", "1/2"] {
        run_cli(&[
            "sweep".as_ref(),
            study.as_os_str(),
            "--out".as_ref(),
            out("sharded").as_os_str(),
            "--shard".as_ref(),
            i.as_ref(),
            "--quiet".as_ref(),
        ]);
    }
    // A shard alone writes no study table: it would be a partial one.
    assert!(!out("sharded").join("study.csv").exists());
    let merged = out("merged");
    let text = run_cli(&[
        "merge".as_ref(),
        out("sharded").as_os_str(),
        "--out".as_ref(),
        merged.as_os_str(),
    ]);
    assert!(text.contains("merged 8 of 8 points"), "{text}");
    // The merged tables equal the unsharded run's byte for byte: rows read
    // back from row.json files format exactly as rows kept in memory.
    for f in ["study.csv", "study.json", "study-stats.csv"] {
        assert_eq!(read(&out("j1").join(f)), read(&merged.join(f)), "{f}");
    }
    // compare reads the finished sweep, writes its table and the charts;
    // twice gives the same SVG bytes (charts are deterministic too).
    for name in ["cmp1", "cmp2"] {
        let text = run_cli(&[
            "compare".as_ref(),
            merged.as_os_str(),
            "--out".as_ref(),
            out(name).as_os_str(),
            "--format".as_ref(),
            "csv".as_ref(),
        ]);
        assert!(
            text.starts_with("consumers,load,zonal_share,azs,replications,metric,pl,peer"),
            "{text}"
        );
    }
    for f in ["cost-vs-consumers", "throughput"] {
        let svg = out("cmp1").join(format!("charts/{f}.svg"));
        assert_eq!(
            read(&svg),
            read(&out("cmp2").join(format!("charts/{f}.svg"))),
            "{f}"
        );
        let png = read(&out("cmp1").join(format!("charts/{f}.png")));
        assert!(png.starts_with(b"\x89PNG"), "{f}.png is a PNG");
    }
    assert!(out("cmp1").join("comparison.csv").exists());
    let csv = String::from_utf8(read(&merged.join("study.csv"))).expect("utf8");
    assert_eq!(csv.lines().count(), 1 + 8, "a header and one row per point");
    let stats = String::from_utf8(read(&merged.join("study-stats.csv"))).expect("utf8");
    // 4 points × 8 metrics, each over 2 seeds.
    assert_eq!(stats.lines().count(), 1 + 4 * study::STAT_METRICS.len());
    assert!(stats
        .lines()
        .skip(1)
        .all(|l| l.split(',').nth(6) == Some("2")));
}

#[test]
fn merge_refuses_missing_shards_and_foreign_studies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = write_study(dir.path(), "small", SMALL);
    let shard0 = dir.path().join("s0");
    let out = vpcsim()
        .args([
            "sweep".as_ref(),
            study.as_os_str(),
            "--shard".as_ref(),
            "0/2".as_ref(),
        ])
        .args(["--quiet".as_ref(), "--out".as_ref(), shard0.as_os_str()])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    // Shard 1 was never run: merge must say so rather than write a table
    // that silently lacks half the points.
    let out = vpcsim()
        .args([
            "merge".as_ref(),
            shard0.as_os_str(),
            "--out".as_ref(),
            dir.path().join("m").as_os_str(),
        ])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("4 of 8 points missing"), "{err}");
    // A bad shard argument is a usage error.
    let out = vpcsim()
        .args([
            "sweep".as_ref(),
            study.as_os_str(),
            "--shard".as_ref(),
            "2/2".as_ref(),
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

fn load(rel: &str) -> LoadedStudy {
    study::load_file(root(rel)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn peering_is_denied_past_its_quota_while_privatelink_delivers_at_the_same_n() {
    let ls = load("scenarios/studies/peering-vs-privatelink.ron");
    let wanted = |v: &str, n: u32| {
        study::points(&ls)
            .into_iter()
            .find(|p| p.variant == v && p.consumers == Some(n))
            .unwrap_or_else(|| panic!("the study has a {v} point with {n} consumers"))
    };
    let pts = vec![
        wanted("peering", 125),
        wanted("peering", 126),
        wanted("privatelink", 126),
        wanted("peering-aws-current", 51),
    ];
    let rows = study::run_points(&ls, &pts, 2, true, None, false).expect("points run");
    // Rows come back in point order; find each by its point id.
    let row = |p: &study::Point| {
        rows.iter()
            .find(|r| r.point == p.id)
            .unwrap_or_else(|| panic!("no row for {}", p.id))
    };
    let (p125, p126, pl126, cur51) = (row(&pts[0]), row(&pts[1]), row(&pts[2]), row(&pts[3]));
    // Constant arrivals of 0.2/s over 600 s: exactly 120 connections per
    // consumer, so the counts below are exact, not statistical.
    let per_consumer = 120;
    // 125 consumers fit the FAQ's 125 peerings of the shared VPC: nothing denied.
    assert_eq!(p125.denied, 0, "{p125:?}");
    // The 126th consumer's peering is refused, and only its connections are
    // denied, all with the quota reason: the wall is at 125, not before.
    assert_eq!(
        p126.denied_by_reason.get("PEERING_QUOTA_EXCEEDED"),
        Some(&per_consumer),
        "{p126:?}"
    );
    assert_eq!(p126.denied, per_consumer);
    assert_eq!(p126.top_denial_reason, "PEERING_QUOTA_EXCEEDED");
    // Same 126 consumers over PrivateLink: every connection delivered,
    // because endpoints are per consumer VPC and the service has no limit.
    assert_eq!(pl126.attempts, 126 * per_consumer);
    assert_eq!(pl126.delivered, pl126.attempts, "{pl126:?}");
    // Under aws-current (50 peerings per VPC) the 51st consumer hits the wall.
    assert_eq!(
        cur51.denied_by_reason.get("PEERING_QUOTA_EXCEEDED"),
        Some(&per_consumer)
    );
    // The chart's marker finds the wall from the rows.
    assert_eq!(p126.peering_infeasible(), per_consumer);
    assert_eq!(p125.peering_infeasible(), 0);
}

/// Exact dollars: `bytes` at `usd_per_gb` per GiB (the pricebook bills GB of
/// 2^30 bytes).
fn per_gb(bytes: u64, usd_per_gb: Decimal) -> Decimal {
    Decimal::from(bytes) * usd_per_gb / Decimal::from(1u64 << 30)
}

#[test]
fn a_points_bill_reconciles_by_hand_with_the_pricebook_rates() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 3 consumers, each with one client instance in use1-az1 (instances
    // are spread over subnets in order, so instance 0 sits in the first
    // AZ), an endpoint with ENIs in use1-az1 and use1-az2, and clients
    // pinned to the use1-az2 zonal name: every byte crosses AZs once on the
    // consumer side. The provider's NLB node in use1-az2 sends to targets in
    // use1-az2 (cross-zone off), so the provider side never crosses.
    // 4 MiB requests and responses: every meter's bytes are a multiple of
    // 4 MiB, so each line item ($0.01 × bytes / 2^30) is exact to 10
    // decimals and the sum below needs no rounding.
    let p = write_study(
        dir.path(),
        "reconcile",
        r#"
    seed: 3,
    templates: [
        Template(name: "c", count: 3, azs: ["use1-az1", "use1-az2"], instances: 1,
                 shared: Shared(vpc: "shared", workload: "api-backend", service: "api"),
                 dns: ZonalIn("use1-az2"),
                 traffic: TrafficSpec(arrivals: Constant(per_second: 0.1), end: "20m",
                                      request: Fixed("4MiB"), response: Fixed("4MiB"))),
    ],
    variants: [
        Variant(name: "privatelink", architecture: PrivateLink, duration: "30m"),
        Variant(name: "tgw", architecture: TransitGateway, duration: "30m"),
    ],
"#,
    );
    let ls = study::load_file(&p).expect("loads");
    let pts = study::points(&ls);
    let cent = Decimal::new(1, 2); // $0.01
    let consumers: u64 = 3;
    // Constant 0.1/s over [0, 20m): arrivals at 0, 10 s, ..., 1190 s.
    let conns: u64 = 120;
    let bytes_per_consumer = conns * (4 << 20) * 2;
    let all_bytes = consumers * bytes_per_consumer;

    let r = study::run_point(&ls, &pts[0]).expect("privatelink point runs");
    let s = &r.summary;
    assert_eq!(s.connectivity.attempts, consumers * conns);
    assert_eq!(s.connectivity.delivered, consumers * conns);
    // Every connection finished long before the end (8 MiB at 5 Gbps takes
    // milliseconds; the last starts at 1190 s of 1800 s).
    assert!(s
        .traffic
        .iter()
        .all(|t| t.completed == conns && t.in_flight_at_end == 0));
    let cat = |c: Category| r.bill.by_category.get(&c).copied().unwrap_or(Usd::ZERO);
    // Endpoint hours: 3 endpoints × 2 AZs × 1 hour (30 minutes billed as a
    // full hour) × $0.01.
    assert_eq!(
        cat(Category::EndpointHours),
        Usd::new(Decimal::from(consumers * 2) * cent)
    );
    // Data processing: every request and response byte through the
    // endpoint, $0.01/GB (first tier).
    assert_eq!(
        cat(Category::EndpointDataProcessed),
        Usd::new(per_gb(all_bytes, cent))
    );
    // Cross-AZ: every byte crosses once, billed out by the sender's side
    // and in by the receiver's side, $0.01/GB each way.
    assert_eq!(
        cat(Category::CrossAz),
        Usd::new(per_gb(all_bytes, cent) * Decimal::from(2))
    );
    assert_eq!(s.cost.cross_az_bytes, all_bytes);
    // The provider's NLB: 1 NLB-hour × $0.0225, and NLCUs on the bytes it
    // processed (every byte once, all in hour 0): 2,880 MiB = 2.8125 GiB →
    // 2.8125 NLCU-hours (new connections 360 / 2,880,000 and active
    // connections are far smaller) × $0.006 = $0.016875.
    let nlb_hour = Decimal::new(225, 4);
    assert_eq!(cat(Category::NlbHours), Usd::new(nlb_hour));
    let nlcu = per_gb(all_bytes, Decimal::new(6, 3));
    assert_eq!(nlcu, Decimal::new(16875, 6));
    assert_eq!(cat(Category::NlbCapacityUnits), Usd::new(nlcu));
    // Nothing else is billed, and the total is the sum of the above.
    assert_eq!(
        r.bill.total,
        Usd::new(
            Decimal::from(consumers * 2) * cent
                + per_gb(all_bytes, cent) * Decimal::from(3)
                + nlb_hour
                + nlcu
        )
    );

    // The same traffic over a transit gateway: 4 attachments (3 consumers
    // and the shared VPC) × 1 hour × $0.05, and $0.02/GB on the bytes each
    // attachment sends into the TGW (requests from consumers, responses
    // from the shared VPC): every byte once.
    let r = study::run_point(&ls, &pts[1]).expect("tgw point runs");
    let cat = |c: Category| r.bill.by_category.get(&c).copied().unwrap_or(Usd::ZERO);
    assert_eq!(
        cat(Category::TgwAttachmentHours),
        Usd::new(Decimal::from(consumers + 1) * Decimal::new(5, 2))
    );
    assert_eq!(
        cat(Category::TgwDataProcessed),
        Usd::new(per_gb(all_bytes, Decimal::new(2, 2)))
    );
    // The study row carries the same bill, projected to a month.
    let row = study::Row::from_run(&pts[1], &r, Some(3), Some(2));
    assert_eq!(row.cost_usd, r.summary.cost.total_usd);
    assert_eq!(row.attempts, consumers * conns);
}

#[test]
fn a_200_point_sweep_completes_with_one_row_per_point() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 2 variants × 10 sizes × 10 seeds = 200 points of one to ten tiny
    // consumers each, one simulated minute.
    let p = write_study(
        dir.path(),
        "many",
        r#"
    templates: [
        Template(name: "c", azs: ["use1-az1"], instances: 1,
                 shared: Shared(vpc: "shared", workload: "api-backend", service: "api"),
                 traffic: TrafficSpec(arrivals: Constant(per_second: 0.1))),
    ],
    variants: [
        Variant(name: "pl", architecture: PrivateLink, duration: "1m"),
        Variant(name: "peer", architecture: Peering, duration: "1m"),
    ],
    sweep: [Consumers([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])],
    replications: 10,
"#,
    );
    let ls = study::load_file(&p).expect("loads");
    assert_eq!(study::points(&ls).len(), 200);
    let out = dir.path().join("out");
    let rep = study::sweep(
        &ls,
        &study::SweepOptions {
            out: out.clone(),
            jobs: 4,
            shard: None,
            quiet: true,
            point_outputs: false,
        },
    )
    .expect("sweep");
    // Every point ran and produced its row, in point order; each with the
    // connections its size implies (6 per consumer: 0.1/s for 60 s), so
    // no point was mixed up with another.
    assert_eq!(rep.rows.len(), 200);
    for (i, r) in rep.rows.iter().enumerate() {
        assert_eq!(r.index, i);
        assert_eq!(r.attempts, 6 * u64::from(r.consumers.expect("consumers")));
        assert_eq!(r.delivered, r.attempts, "{}", r.point);
    }
    let csv = std::fs::read_to_string(out.join("study.csv")).expect("study.csv");
    assert_eq!(csv.lines().count(), 201);
}

#[test]
fn shipped_studies_load_and_every_point_generates_a_valid_scenario() {
    let mut found = Vec::new();
    for e in std::fs::read_dir(root("scenarios/studies")).expect("folder") {
        let path = e.expect("entry").path();
        if path.extension().is_none_or(|x| x != "ron") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        // The header says what the study shows (DESIGN.md §7).
        assert!(text.starts_with("//"), "{} has no header", path.display());
        if !text.contains("\nStudy(") {
            // The shared base scenario.
            vpcsim::load::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
            continue;
        }
        let ls = study::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            Some(ls.study.name.as_str()),
            path.file_stem().and_then(|s| s.to_str()),
            "study name matches its file"
        );
        // Generating and validating every point catches a study that
        // would fail halfway through a long sweep.
        for p in study::points(&ls) {
            study::scenario_for(&ls, &p).unwrap_or_else(|e| panic!("{e}"));
        }
        found.push(ls.study.name);
    }
    found.sort();
    assert_eq!(
        found,
        ["az-failure", "peering-vs-privatelink", "zonal-vs-regional"]
    );
}

#[test]
fn study_errors_carry_positions_and_field_paths() {
    let base = root("scenarios/studies/shared-service.ron");
    // A typo in a field name: file:line:col, like scenario files.
    let text = format!(
        "Study(\n  name: \"x\",\n  base: {:?},\n  varients: [],\n)",
        base.display().to_string()
    );
    let e = study::load_str(&text, "typo.ron", None)
        .expect_err("unknown field")
        .to_string();
    assert!(e.starts_with("typo.ron:4:3:"), "{e}");
    assert!(e.contains("varients"), "{e}");
    // Meaning errors: every one, each with its field path.
    let text = format!(
        r#"Study(name: "x", base: {:?},
            templates: [Template(name: "c", azs: [], shared: Shared(vpc: "nope", workload: "api-backend", service: "api"),
                                 traffic: TrafficSpec(arrivals: Constant(per_second: 1.0)))],
            sweep: [Load([0.0])])"#,
        base.display().to_string()
    );
    let e = study::load_str(&text, "bad.ron", None)
        .expect_err("invalid")
        .to_string();
    assert!(e.contains("templates[0].azs"), "{e}");
    assert!(e.contains("sweep[0][0]"), "{e}");
    // An inline base is checked like a scenario file, under `base.`.
    let text = r#"Study(name: "x", base: Scenario(name: "b", duration: "1h", accounts: [], vpcs: [
        Vpc(name: "v", account: "ghost", cidrs: ["10.0.0.0/16"], subnets: [])]))"#;
    let e = study::load_str(text, "inline.ron", None)
        .expect_err("invalid")
        .to_string();
    assert!(e.contains("base.vpcs[0].account"), "{e}");
}

#[test]
fn compare_scenario_files_side_by_side_in_markdown() {
    let out = vpcsim()
        .arg("compare")
        .arg(root("scenarios/quickstart.ron"))
        .arg(root("scenarios/peering-mesh.ron"))
        .args(["--format", "markdown", "--quiet"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One column per scenario, and the figures the comparison promises.
    assert!(text.contains("| | quickstart | peering-mesh |"), "{text}");
    for row in [
        "monthly cost USD",
        "top denial reasons",
        "peak utilisation %",
        "p99 FCT ms",
    ] {
        assert!(text.contains(row), "{row} missing:\n{text}");
    }
    // peering-mesh's denials show up with their reason.
    assert!(text.contains("PEERING_QUOTA_EXCEEDED"), "{text}");
}

#[test]
fn readme_images_are_current() {
    // The README's study charts are what the code draws today from the
    // shipped studies, byte for byte (charts are deterministic and use
    // only the embedded font).
    let dir = tempfile::tempdir().expect("tempdir");
    let mut stale = Vec::new();
    for (study, stem, image) in vpcsim::study::charts::README_IMAGES {
        let png =
            vpcsim::study::charts::study_chart_png(&root(study), stem, &dir.path().join(stem), 2)
                .unwrap_or_else(|e| panic!("{study}: {e}"));
        let committed = std::fs::read(root(image)).unwrap_or_default();
        if committed != png {
            stale.push(image);
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from what the code draws: run `cargo run --release --example readme_images` and commit docs/images/"
    );
}

#[test]
fn validate_checks_study_files_and_every_point_within_the_caps() {
    // A study file is validated as a study (not refused as "expected
    // `Scenario(`"), each of its points generated and checked.
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = write_study(dir.path(), "small", SMALL);
    let out = vpcsim().arg("validate").arg(&ok).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("ok (study \"small\", 8 points checked)"),
        "{stdout}"
    );
    // A point a sweep would refuse (600,000 consumers: past the entity
    // cap) is refused by validate, naming the point.
    let big = write_study(
        dir.path(),
        "big",
        &SMALL.replace(
            "sweep: [Consumers([2, 4])]",
            "sweep: [Consumers([2, 600000])]",
        ),
    );
    let out = vpcsim().arg("validate").arg(&big).output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("points failed") && err.contains("n600000"),
        "{err}"
    );
}

#[test]
fn an_infeasible_variant_is_flagged_and_never_ranked_cheapest() {
    // Peering with every consumer reusing the shared VPC's range delivers
    // nothing (OVERLAPPING_CIDR) and costs $0: the table must call it
    // infeasible, leave it out of the cost ranking and not show a 0 ms
    // completion time; the cost chart's legend must flag the line too.
    let dir = tempfile::tempdir().expect("tempdir");
    let body = SMALL
        .replace(
            r#"Variant(name: "peer", architecture: Peering, duration: "2m"),"#,
            r#"Variant(name: "peer", architecture: Peering, duration: "2m", cidrs: Overlapping("172.16.0.0/24")),"#,
        )
        .replace("replications: 2,", "replications: 1,");
    let path = write_study(dir.path(), "flagged", &body);
    let input = study::compare::Input::Study(path);
    let c = study::compare::collect(&input, 2, true).expect("runs");
    let t = study::compare::table(&c);
    let g = &t.groups[0];
    let line = |m: &str| {
        let l = g
            .lines
            .iter()
            .find(|l| l.metric == m)
            .unwrap_or_else(|| panic!("{m}"));
        serde_json::to_value(&l.values).expect("json")
    };
    assert_eq!(t.columns, ["pl", "peer"]);
    assert_eq!(
        line("verdict"),
        serde_json::json!(["delivers all", "INFEASIBLE: all denied"])
    );
    assert_eq!(
        line("cost rank (delivering only)"),
        serde_json::json!(["1", "not ranked"])
    );
    assert_eq!(
        line("p99 FCT ms")[1],
        serde_json::json!("- (none delivered)")
    );
    // Per-account rows: the consumers' accounts pay for their endpoints.
    assert!(
        g.lines.iter().any(|l| l.metric.starts_with("  account ")),
        "{g:?}"
    );
    let files = study::compare::write(
        &dir.path().join("cmp"),
        &c,
        &t,
        study::compare::Format::Text,
    )
    .expect("written");
    let svg = files
        .iter()
        .find(|f| f.ends_with("cost-vs-consumers.svg"))
        .map(|f| std::fs::read_to_string(f).expect("svg"))
        .expect("cost chart");
    assert!(
        svg.contains("INFEASIBLE: nothing delivered"),
        "legend flags the line"
    );
    assert!(svg.contains("peer: denied from 2 VPCs (OVERLAPPING_CIDR)"));
}

/// docs/study-format.md names every field of the study file's types (read
/// from `src/study/spec.rs`) and every variant of its enums, and its example
/// validates next to the shipped base scenario.
#[test]
fn study_format_doc_covers_the_schema_and_its_example_validates() {
    let doc = std::fs::read_to_string(root("docs/study-format.md")).expect("docs/study-format.md");
    let spec = std::fs::read_to_string(root("src/study/spec.rs")).expect("spec.rs");
    let mut missing = Vec::new();
    let mut in_type = false;
    for line in spec.lines() {
        let l = line.trim();
        if l.starts_with("pub struct ") || l.starts_with("pub enum ") {
            // LoadedStudy is the loader's result, not part of the file; a
            // Base is written as a path or a Scenario(...), not by variant.
            in_type = !l.contains("LoadedStudy") && !l.contains("enum Base");
            continue;
        }
        if line.starts_with('}') {
            in_type = false;
        }
        if !in_type || l.starts_with("//") || l.starts_with('#') {
            continue;
        }
        let name = if let Some(field) = l.strip_prefix("pub ") {
            field.split(':').next()
        } else if line.starts_with("    ") && !line.starts_with("     ") {
            // An enum variant: `Peering,`, `Vpc(String),`, `Distinct { .. },`.
            l.split(['(', ',', ' ', '{']).next()
        } else {
            None
        };
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            if !doc.contains(&format!("`{n}")) {
                missing.push(n.to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/study-format.md does not mention {missing:?}"
    );

    let example = doc
        .split("```ron\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("an example study in docs/study-format.md");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        root("scenarios/studies/shared-service.ron"),
        dir.path().join("shared-service.ron"),
    )
    .expect("copy the base");
    let file = dir.path().join("study.ron");
    std::fs::write(&file, example).expect("write");
    let out = vpcsim()
        .arg("validate")
        .arg(&file)
        .output()
        .expect("run vpcsim");
    assert!(
        out.status.success(),
        "the doc's example: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
