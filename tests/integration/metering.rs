//! Usage is metered as bytes move: hand-computed bills of transfers still
//! in flight at the end of a run and of transfers that span a billing-hour
//! boundary, NLB hours and NLCUs under a constant load in each NLCU
//! dimension, and a property: on random scenarios, the bytes billed through
//! each interface endpoint are the bytes the data plane moved through it.
//!
//! Rates used (builtin us-east-1 pricebook, 1 GB = 2^30 bytes): endpoint
//! $0.01 per AZ-hour and $0.01/GB for the first PB; NLB $0.0225 per hour and
//! $0.006 per NLCU-hour, one NLCU = 800 new connections/s, 100,000 active
//! connections or 1 GB per hour. A client NIC of 8 Mbps moves exactly
//! 1,000,000 bytes per second.

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use rust_decimal::Decimal;
use vpcsim::cost::Category;
use vpcsim::load;
use vpcsim::results::RunResult;
use vpcsim::sim;

use super::gen::{self, Tape};

const GIB: u64 = 1 << 30;

/// One provider (NLB "nlb" in use1-az1 in front of "backend"), one
/// consumer account "acme" with endpoints "ep-a" and "ep-b" of service
/// "svc" in use1-az1, and client workloads `clients` (name, NIC) in the
/// same AZ: nothing crosses AZs.
fn privatelink(duration: &str, pricebook: &str, clients: &[(&str, &str)], traffic: &str) -> String {
    let workloads: String = clients
        .iter()
        .map(|(name, nic)| {
            format!("        Workload(name: \"{name}\", subnets: [\"app-a\"], nic: \"{nic}\"),\n")
        })
        .collect();
    format!(
        r#"Scenario(
    name: "metering",
    duration: "{duration}",
    region: "us-east-1",
    pricebook: "{pricebook}",
    accounts: [
        Account(name: "provider", id: "111111111111"),
        Account(name: "acme", id: "222222222222"),
    ],
    vpcs: [
        Vpc(name: "svc", account: "provider", cidrs: ["10.0.0.0/16"], subnets: [
            Subnet(name: "svc-a", az: "use1-az1", cidr: "10.0.1.0/24"),
        ]),
        Vpc(name: "app", account: "acme", cidrs: ["10.1.0.0/16"], subnets: [
            Subnet(name: "app-a", az: "use1-az1", cidr: "10.1.1.0/24"),
        ]),
    ],
    workloads: [
        Workload(name: "backend", subnets: ["svc-a"], nic: "100Gbps"),
{workloads}    ],
    load_balancers: [Nlb(name: "nlb", subnets: ["svc-a"], targets: ["backend"])],
    services: [EndpointService(name: "svc", nlbs: ["nlb"], acceptance_required: false,
                               allowed_principals: [Account("222222222222")])],
    endpoints: [
        InterfaceEndpoint(name: "ep-a", vpc: "app", service: "svc", subnets: ["app-a"]),
        InterfaceEndpoint(name: "ep-b", vpc: "app", service: "svc", subnets: ["app-a"]),
    ],
    traffic: [
{traffic}
    ],
)
"#
    )
}

/// Writes `text` (and `files`) into `dir`, loads and runs it.
fn run_in(dir: &Path, text: &str, files: &[(&str, String)]) -> RunResult {
    for (name, body) in files {
        std::fs::write(dir.join(name), body).expect("tempdir is writable");
    }
    let path = dir.join("s.ron");
    std::fs::write(&path, text).expect("tempdir is writable");
    let loaded = load::load_file(&path).unwrap_or_else(|e| panic!("{e}\n{text}"));
    sim::run(
        &loaded,
        &sim::RunOptions {
            quiet: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Lines of `category`: (resource, tier) → (usage, usd).
fn lines(r: &RunResult, category: Category) -> BTreeMap<(String, String), (Decimal, Decimal)> {
    r.bill
        .lines
        .iter()
        .filter(|l| l.category == category)
        .map(|l| {
            (
                (l.resource.clone(), l.tier.clone().unwrap_or_default()),
                (l.usage, l.usd.amount()),
            )
        })
        .collect()
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

/// `bytes` as billed GB, rounded to the bill's 10 places.
fn gb(bytes: u64) -> Decimal {
    (Decimal::from(bytes) / Decimal::from(GIB)).round_dp(10)
}

#[test]
fn a_transfer_still_in_flight_at_the_end_is_billed_for_the_bytes_it_moved() {
    // One 1 TiB upload at 8 Mbps = 1,000,000 B/s from t = 0; the run ends
    // at 10 min = 600 s, long before it could finish: 600 × 1,000,000 =
    // 600,000,000 bytes moved, all through ep-a and the NLB.
    //   ep-a processing: 600,000,000 / 2^30 = 0.5587935448 GB × $0.01
    //     = $0.0055879354 (to 10 places).
    //   ep-a hours: 1 AZ × 1 h (10 min billed as a full hour) × $0.01.
    //   NLB: 1 h × $0.0225; NLCU for hour 0 = max(new 1 / 2,880,000,
    //     active 1 × 600 s / (3,600 s × 100,000) = 0.0000016667,
    //     bytes 0.5587935448) = 0.5587935448 NLCU-hours (bytes win)
    //     × $0.006 = $0.0033527613.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = privatelink(
        "10m",
        "aws-us-east-1",
        &[("client", "8Mbps")],
        r#"        Traffic(name: "upload", from: Workload("client"), to: Endpoint(name: "ep-a"),
                arrivals: Burst(count: 1), request: Fixed("1TiB"), response: Fixed("1KiB")),"#,
    );
    let r = run_in(dir.path(), &text, &[]);
    let moved = 600_000_000u64;
    let processed = lines(&r, Category::EndpointDataProcessed);
    let ep_a = processed
        .iter()
        .find(|((res, _), _)| res == "ep-a")
        .map(|(_, v)| *v);
    assert_eq!(
        ep_a,
        Some((gb(moved), dec("0.0055879354"))),
        "{processed:?}"
    );
    assert!(
        !processed.keys().any(|(res, _)| res == "ep-b"),
        "{processed:?}"
    );
    let nlcu = lines(&r, Category::NlbCapacityUnits);
    assert_eq!(
        nlcu.values().copied().collect::<Vec<_>>(),
        vec![(dec("0.5587935448"), dec("0.0033527613"))],
        "{nlcu:?}"
    );
    let hours = lines(&r, Category::NlbHours);
    assert_eq!(
        hours.values().copied().collect::<Vec<_>>(),
        vec![(dec("1"), dec("0.0225"))]
    );
    // The traffic summary and the bill agree: the class moved those bytes.
    let t = &r.summary.traffic[0];
    assert_eq!((t.completed, t.in_flight_at_end), (0, 1), "{t:?}");
}

#[test]
fn a_transfer_spanning_an_hour_boundary_bills_each_hour_in_that_hour() {
    // A pricebook whose first endpoint tier ends at 1 GB ($0.01/GB), then
    // $0.006/GB. Two clients at 1,000,000 B/s each, from t = 0:
    //   "long" via ep-a: 5,400,000,000 bytes up, done at 1.5 h: 3.6e9 bytes
    //     in hour 0, 1.8e9 in hour 1 (then 1 KiB back, in hour 1);
    //   "short" via ep-b: 1,800,000,000 bytes up, done at 0.5 h, and 1 KiB
    //     back: all in hour 0.
    // Tiers take bytes hour by hour, meters in key order within an hour
    // (ep-a before ep-b). Hour 0: ep-a's 3.6e9 bytes fill the first
    // 1 GiB = 1,073,741,824 bytes, the rest of hour 0 (ep-a and ep-b) and
    // all of hour 1 go at $0.006:
    //   ep-a: 1 GB × $0.01 = $0.01 and
    //         (5,400,001,024 − 1,073,741,824) = 4,326,259,200 bytes
    //         = 4.0291428566 GB × $0.006 = $0.02417485714 (the line is
    //         the difference of the rounded running charge: $0.0241748572);
    //   ep-b: 1,800,001,024 bytes = 1.6763815880 GB × $0.006 = $0.0100582895.
    // Metered at completion instead, hour 0 would hold only ep-b's bytes and
    // ep-b, not ep-a, would get the $0.01 tier.
    let dir = tempfile::tempdir().expect("tempdir");
    let builtin = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/pricebooks/aws-us-east-1.ron"),
    )
    .expect("the builtin pricebook file");
    let first_pb = r#"Tier(up_to_gb: 1048576, usd: "$0.01"),   // first 1 PB"#;
    assert!(builtin.contains(first_pb));
    let pb = builtin.replacen(first_pb, r#"Tier(up_to_gb: 1, usd: "$0.01"),"#, 1);
    let text = privatelink(
        "2h",
        "pb.ron",
        &[("client-a", "8Mbps"), ("client-b", "8Mbps")],
        r#"        Traffic(name: "long", from: Workload("client-a"), to: Endpoint(name: "ep-a"),
                arrivals: Burst(count: 1), request: Fixed("5400000000B"), response: Fixed("1KiB")),
        Traffic(name: "short", from: Workload("client-b"), to: Endpoint(name: "ep-b"),
                arrivals: Burst(count: 1), request: Fixed("1800000000B"), response: Fixed("1KiB")),"#,
    );
    let r = run_in(dir.path(), &text, &[("pb.ron", pb)]);
    let processed = lines(&r, Category::EndpointDataProcessed);
    let by_resource: Vec<(String, Decimal, Decimal)> = processed
        .iter()
        .map(|((res, _), (usage, usd))| (res.clone(), *usage, *usd))
        .collect();
    assert_eq!(
        by_resource,
        vec![
            ("ep-a".into(), dec("1"), dec("0.01")),
            ("ep-a".into(), gb(4_326_259_200), dec("0.0241748572")),
            ("ep-b".into(), gb(1_800_001_024), dec("0.0100582895")),
        ],
        "{processed:?}"
    );
}

/// NLCU-hours and NLB hours of a run: (NLCU usage, NLCU usd, NLB hours).
fn nlb_bill(r: &RunResult) -> (Decimal, Decimal, Decimal) {
    let nlcu = lines(r, Category::NlbCapacityUnits);
    let hours = lines(r, Category::NlbHours);
    assert_eq!((nlcu.len(), hours.len()), (1, 1), "{nlcu:?} {hours:?}");
    let (u, usd) = nlcu.values().next().copied().unwrap_or_default();
    let (h, _) = hours.values().next().copied().unwrap_or_default();
    (u, usd, h)
}

#[test]
fn nlcu_new_connections_win_under_a_steady_stream_of_small_connections() {
    // 1,600 connections per second (Constant) for 1 minute, 1 byte each way:
    // n connections opened in hour 0, each open for well under a
    // millisecond, 2n bytes. NLCU = max(n / (3,600 × 800), ≈ 0 active,
    // 2n / 2^30) = n / 2,880,000 (new connections win). With n = 96,000
    // (1,600 × 60): 0.0333333333 NLCU-hours × $0.006 = $0.0002.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = privatelink(
        "1m",
        "aws-us-east-1",
        &[("client", "10Gbps")],
        r#"        Traffic(name: "ping", from: Workload("client"), to: Endpoint(name: "ep-a"),
                arrivals: Constant(per_second: 1600.0), request: Fixed("1B"), response: Fixed("1B")),"#,
    );
    let r = run_in(dir.path(), &text, &[]);
    let n = r.summary.traffic[0].delivered;
    assert_eq!(n, 96_000, "{:?}", r.summary.traffic[0]);
    assert_eq!(nlb_bill(&r), (dec("0.0333333333"), dec("0.0002"), dec("1")));
}

#[test]
fn nlcu_active_connections_win_with_many_long_open_connections() {
    // 1,000 connections open at t = 0, each a 1 GiB upload sharing one
    // 16 kbps NIC (2,000 B/s in all): none finishes in the 10-minute run.
    //   new:    1,000 / 2,880,000 = 0.000347;
    //   active: 1,000 × 600 s / (3,600 s × 100,000) = 0.0016666667;
    //   bytes:  2,000 B/s × 600 s = 1,200,000 B = 0.0011175871 GB.
    // Active connections win: 1/600 NLCU-hours × $0.006 = $0.00001.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = privatelink(
        "10m",
        "aws-us-east-1",
        &[("client", "16Kbps")],
        r#"        Traffic(name: "idle", from: Workload("client"), to: Endpoint(name: "ep-a"),
                arrivals: Burst(count: 1000), request: Fixed("1GiB"), response: Fixed("1B")),"#,
    );
    let r = run_in(dir.path(), &text, &[]);
    assert_eq!(r.summary.traffic[0].in_flight_at_end, 1000);
    assert_eq!(
        nlb_bill(&r),
        (dec("0.0016666667"), dec("0.00001"), dec("1"))
    );
    // The bytes that moved were billed too: 1,200,000 through ep-a.
    let processed = lines(&r, Category::EndpointDataProcessed);
    assert_eq!(
        processed.values().map(|v| v.0).collect::<Vec<_>>(),
        vec![gb(1_200_000)]
    );
}

#[test]
fn nlcu_processed_bytes_win_under_a_constant_transfer_over_two_hours() {
    // One upload at 1,000,000 B/s for the whole 2-hour run (it needs
    // 10,000 s): 3.6e9 bytes in each hour, one connection open throughout.
    // Per hour: bytes 3.6e9 / 2^30 = 3.3527612686 NLCU beat new
    // (1 / 2,880,000) and active (1 / 100,000). Two hours:
    // 7.2e9 / 2^30 = 6.7055225372 NLCU-hours × $0.006 = $0.0402331352;
    // 2 NLB-hours.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = privatelink(
        "2h",
        "aws-us-east-1",
        &[("client", "8Mbps")],
        r#"        Traffic(name: "bulk", from: Workload("client"), to: Endpoint(name: "ep-a"),
                arrivals: Burst(count: 1), request: Fixed("10000000000B"), response: Fixed("1B")),"#,
    );
    let r = run_in(dir.path(), &text, &[]);
    assert_eq!(
        nlb_bill(&r),
        (dec("6.7055225372"), dec("0.0402331352"), dec("2"))
    );
}

/// Bytes billed as processed by each interface endpoint (from the bill's
/// GB, exact to well under a byte at 10 places).
fn billed_bytes(r: &RunResult) -> BTreeMap<String, u64> {
    let gb = Decimal::from(GIB);
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for l in r.bill.lines.iter() {
        if l.category == Category::EndpointDataProcessed {
            *out.entry(l.resource.clone()).or_default() += l.usage * gb;
        }
    }
    out.into_iter()
        .map(|(k, v)| {
            let bytes: u64 = v.round().try_into().unwrap_or(u64::MAX);
            (k, bytes)
        })
        .filter(|(_, b)| *b > 0)
        .collect()
}

/// Bytes the data plane moved through each interface endpoint: the moved
/// bytes of every connection through one of its ENIs, from the connection
/// log.
fn moved_bytes(r: &RunResult) -> BTreeMap<String, u64> {
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    let log = r.connection_log.as_ref().expect("the log was asked for");
    for rec in &log.records {
        let Some(eni) = rec.eni else { continue };
        if let vpcsim::fabric::EniOwner::Endpoint(e) = r.fabric.enis[eni.index()].owner {
            *out.entry(r.fabric.endpoints[e.index()].name.clone())
                .or_default() += rec.moved;
        }
    }
    out.retain(|_, b| *b > 0);
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("VPCSIM_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    /// On random valid scenarios, the bytes billed through each interface
    /// endpoint are the bytes its connections moved within the window, to
    /// the byte: completed, cut and still in flight at the end alike.
    #[test]
    fn billed_endpoint_bytes_are_the_bytes_moved(
        tape in proptest::collection::vec(any::<u16>(), 0..400),
        seed in 0u64..1000,
    ) {
        let g = gen::scenario(&mut Tape::new(tape), seed)
            .replacen("settings: Settings(", "settings: Settings(connection_log: true, ", 1);
        prop_assume!(!g.contains("project_month: true"));
        let (_, r) = super::invariants::run_text(&g);
        prop_assume!(r.bill.projection.is_none());
        prop_assert_eq!(billed_bytes(&r), moved_bytes(&r), "{}", g);
    }
}

/// `cost.cross_az_bytes` (and the cross-AZ chart) count the bytes the run's
/// rule set bills as cross-AZ transfer, each byte once: under `faq` the
/// consumer's legs to its endpoint ENIs are among them, under `current`
/// (free since 2022-04-01) they are not. Checked against the bill itself:
/// each billed cross-AZ byte has one "out" line (its sender's side), so the
/// "out" lines' GB (2^30 bytes each, as AWS bills) add up to the count.
#[test]
fn cross_az_bytes_are_the_bytes_the_rule_set_bills_as_cross_az() {
    use rust_decimal::prelude::ToPrimitive;
    use vpcsim::cost::Category;
    let run = |rules: &str| {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.ron");
        let mut s = vpcsim::load::load_file(&path)
            .expect("valid")
            .into_scenario();
        s.rules = Some(rules.to_string());
        let s = vpcsim::load::Loaded::new(s).expect("valid");
        vpcsim::sim::run(
            &s,
            &vpcsim::sim::RunOptions {
                quiet: true,
                ..Default::default()
            },
        )
        .expect("runs")
    };
    let mut counted = Vec::new();
    for rules in ["faq", "current"] {
        let r = run(rules);
        let billed_gb: f64 = r
            .bill
            .lines
            .iter()
            .filter(|l| matches!(l.category, Category::CrossAz | Category::PeeringCrossAz))
            .filter(|l| l.detail.as_deref() == Some("out"))
            .map(|l| l.usage.to_f64().unwrap_or(0.0))
            .sum();
        let billed = billed_gb * (1u64 << 30) as f64;
        let count = r.summary.cost.cross_az_bytes;
        assert!(
            (billed - count as f64).abs() <= 1.0 + 1e-9 * billed,
            "{rules}: bill {billed} B, cross_az_bytes {count}"
        );
        // The chart's series adds up to the same count.
        let series: u64 = r.cross_az_series.iter().map(|(_, b)| *b).sum();
        assert_eq!(series, count, "{rules}");
        counted.push(count);
    }
    // quickstart's regional DNS sends consumers to endpoint ENIs in other
    // AZs: billed under faq, free under current.
    assert!(counted[0] > counted[1], "{counted:?}");
}
