//! The bill of small hand-computed scenarios, run from the command line and
//! read back from `bill.csv`: AWS services through a NAT gateway, a NAT
//! gateway in another AZ, the usage types of the lines.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;

use super::{exits, vpcsim};

/// One bill line: (account, category, detail) → (usd, usage_type).
type Lines = BTreeMap<(String, String, String), (Decimal, String)>;

/// Runs `text` and returns its bill lines, summed per (account, category,
/// detail).
fn bill_of(dir: &Path, text: &str, extra: &[&str]) -> Lines {
    let file = dir.join("s.ron");
    std::fs::write(&file, text).expect("tempdir is writable");
    let out_dir = dir.join("out");
    let _ = std::fs::remove_dir_all(&out_dir);
    exits(
        vpcsim()
            .arg("run")
            .arg(&file)
            .arg("--out")
            .arg(&out_dir)
            .args(extra),
        0,
        "run",
    );
    let mut r = csv::Reader::from_path(out_dir.join("bill.csv")).expect("bill.csv");
    let head = r.headers().expect("header").clone();
    let col = |name: &str| {
        head.iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (acc, cat, det, usd, ut) = (
        col("account"),
        col("category"),
        col("detail"),
        col("usd"),
        col("usage_type"),
    );
    let mut lines = Lines::new();
    for rec in r.records() {
        let rec = rec.expect("row");
        let key = (
            rec[acc].to_string(),
            rec[cat].to_string(),
            rec[det].to_string(),
        );
        let amount: Decimal = rec[usd].parse().expect("usd");
        let e = lines
            .entry(key)
            .or_insert((Decimal::ZERO, rec[ut].to_string()));
        e.0 += amount;
    }
    lines
}

/// One account, VPC "app" with private subnets app-a (use1-az1) and app-b
/// (use1-az2) routed to NAT gateway "nat" in public subnet app-pub
/// (use1-az1); instance "web" in `subnet`; 2 connections to `to`, each 1 GiB
/// up and 1 GiB down.
fn nat_scenario(subnet: &str, to: &str) -> String {
    format!(
        r#"Scenario(
    name: "nat-bill",
    duration: "10m",
    region: "us-east-1",
    accounts: [Account(name: "acme", id: "222222222222")],
    vpcs: [
        Vpc(name: "app", account: "acme", cidrs: ["10.1.0.0/16"], internet_gateway: true,
            subnets: [
                Subnet(name: "app-a", az: "use1-az1", cidr: "10.1.1.0/24"),
                Subnet(name: "app-b", az: "use1-az2", cidr: "10.1.2.0/24"),
                Subnet(name: "app-pub", az: "use1-az1", cidr: "10.1.100.0/24", route_table: "public"),
            ],
            route_tables: [
                RouteTable(name: "main", routes: [Route(to: "0.0.0.0/0", via: NatGateway("nat"))]),
                RouteTable(name: "public", routes: [Route(to: "0.0.0.0/0", via: InternetGateway)]),
            ]),
    ],
    nat_gateways: [NatGateway(name: "nat", subnet: "app-pub")],
    workloads: [Workload(name: "web", subnets: ["{subnet}"])],
    traffic: [
        Traffic(name: "t", from: Workload("web"), to: {to},
                arrivals: Burst(count: 2), request: Fixed("1GiB"), response: Fixed("1GiB")),
    ],
)
"#
    )
}

fn key(category: &str, detail: &str) -> (String, String, String) {
    ("acme".into(), category.into(), detail.into())
}

fn usd(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

#[test]
fn s3_through_a_nat_gateway_pays_nat_processing_and_no_internet_egress() {
    // 2 connections × (1 GiB up + 1 GiB down) = 4 GiB through the NAT:
    // 4 × $0.045 = $0.18 processing; 1 NAT-hour (10 minutes billed as a full
    // hour) × $0.045. Same-Region S3 is not internet egress: no internet_out
    // line. Instance and NAT share use1-az1: no cross-AZ line.
    let dir = tempfile::tempdir().expect("tempdir");
    let b = bill_of(dir.path(), &nat_scenario("app-a", "Aws(S3)"), &[]);
    assert_eq!(b[&key("nat_data_processed", "")].0, usd("0.18"), "{b:?}");
    assert_eq!(b[&key("nat_data_processed", "")].1, "USE1-NatGateway-Bytes");
    assert_eq!(
        b[&key("nat_hours", "")],
        (usd("0.045"), "USE1-NatGateway-Hours".into())
    );
    let categories: Vec<&str> = b.keys().map(|(_, c, _)| c.as_str()).collect();
    assert_eq!(categories, ["nat_data_processed", "nat_hours"], "{b:?}");

    // The same bytes to the internet: 2 GiB out, inside the free first
    // 100 GB, so a $0 internet_out line appears beside the same NAT lines.
    let b = bill_of(dir.path(), &nat_scenario("app-a", "Internet"), &[]);
    assert_eq!(b[&key("internet_out", "")].0, Decimal::ZERO, "{b:?}");
    assert_eq!(b[&key("internet_out", "")].1, "USE1-DataTransfer-Out-Bytes");
    assert_eq!(b[&key("nat_data_processed", "")].0, usd("0.18"));
}

#[test]
fn an_instance_using_a_nat_gateway_in_another_az_pays_cross_az_both_ways() {
    // web in use1-az2, NAT in use1-az1. Every byte crosses AZs once: 2 GiB
    // up (instance → NAT) and 2 GiB down (NAT → instance). Each crossing is
    // $0.01/GB out on the sender and $0.01/GB in on the receiver, both acme:
    // out = 4 GiB × $0.01 = $0.04, in = $0.04. NAT processing $0.18 and
    // $0.045 for the hour as above.
    let dir = tempfile::tempdir().expect("tempdir");
    let b = bill_of(dir.path(), &nat_scenario("app-b", "Aws(S3)"), &[]);
    assert_eq!(b[&key("cross_az", "out")].0, usd("0.04"), "{b:?}");
    assert_eq!(b[&key("cross_az", "in")].0, usd("0.04"), "{b:?}");
    assert_eq!(
        b[&key("cross_az", "in")].1,
        "USE1-DataTransfer-Regional-Bytes"
    );
    assert_eq!(b[&key("nat_data_processed", "")].0, usd("0.18"));
    let total: Decimal = b.values().map(|(u, _)| *u).sum();
    assert_eq!(total, usd("0.305")); // 0.04 + 0.04 + 0.18 + 0.045
}

#[test]
fn validate_refuses_an_unpriced_region_or_port_speed_with_the_field_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = env!("CARGO_MANIFEST_DIR");
    let dx = std::fs::read_to_string(format!("{root}/scenarios/hybrid-dx.ron")).expect("shipped");
    let cases = [
        (
            // A known region no pricebook prices.
            "west1.ron",
            nat_scenario("app-a", "Aws(S3)")
                .replace("region: \"us-east-1\"", "region: \"us-west-1\"")
                .replace("use1-az", "usw1-az"),
            "region: region \"us-west-1\" has no rates",
        ),
        (
            "dx.ron",
            dx.replace("speed: \"1Gbps\"", "speed: \"3Gbps\""),
            "].speed: Direct Connect",
        ),
    ];
    for (name, text, expect) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, text).expect("tempdir is writable");
        let err = exits(vpcsim().arg("validate").arg(&file), 2, name).stderr;
        assert!(err.contains(expect), "{name}: {err}");
        assert!(
            err.contains("us-west-2") || err.contains("hosted-25G"),
            "{err}"
        );
    }
}
