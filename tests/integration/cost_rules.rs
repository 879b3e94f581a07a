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

/// Provider "provider" serves "orders" behind an NLB in use1-az2 (its only
/// subnet); consumer "acme" has web instances in `web_subnets` and an
/// interface endpoint with ENIs in `eni_subnets`, reached by its regional
/// DNS name; 2 connections, each 1 GiB up and 1 GiB down.
fn endpoint_scenario(web_subnets: &str, eni_subnets: &str) -> String {
    format!(
        r#"Scenario(
    name: "endpoint-bill",
    duration: "10m",
    region: "us-east-1",
    accounts: [
        Account(name: "provider", id: "111111111111"),
        Account(name: "acme", id: "222222222222"),
    ],
    vpcs: [
        Vpc(name: "svc", account: "provider", cidrs: ["10.0.0.0/16"], subnets: [
            Subnet(name: "svc-b", az: "use1-az2", cidr: "10.0.2.0/24"),
        ]),
        Vpc(name: "app", account: "acme", cidrs: ["10.1.0.0/16"], subnets: [
            Subnet(name: "app-a", az: "use1-az1", cidr: "10.1.1.0/24"),
            Subnet(name: "app-b", az: "use1-az2", cidr: "10.1.2.0/24"),
        ]),
    ],
    workloads: [
        Workload(name: "orders-backend", subnets: ["svc-b"], instances: 2),
        Workload(name: "web", subnets: [{web_subnets}], instances: 2),
    ],
    load_balancers: [Nlb(name: "orders-nlb", subnets: ["svc-b"], targets: ["orders-backend"])],
    services: [EndpointService(name: "orders", nlbs: ["orders-nlb"], acceptance_required: false,
                               allowed_principals: [Account("222222222222")])],
    endpoints: [InterfaceEndpoint(name: "acme-orders", vpc: "app", service: "orders", subnets: [{eni_subnets}])],
    traffic: [
        Traffic(name: "t", from: Workload("web"), to: Service(name: "orders", dns: Regional),
                arrivals: Burst(count: 2), request: Fixed("1GiB"), response: Fixed("1GiB")),
    ],
)
"#
    )
}

#[test]
fn faq_and_current_rules_differ_by_exactly_the_consumer_cross_az_lines() {
    // web in use1-az1, the endpoint's only ENI in use1-az2: every byte
    // crosses AZs between the consumer and the ENI. 2 × (1 GiB up + 1 GiB
    // down) = 4 GiB each way counted once per direction of the crossing:
    // the FAQ charges the consumer $0.01/GB out and $0.01/GB in, so
    // cross_az out = 4 × $0.01 = $0.04 and in = $0.04, $0.08 in all. The
    // current rules (since 2022-04-01) charge nothing for it. Every other
    // line (endpoint hours, 4 GB processed × $0.01 = $0.04, NLB hours,
    // NLCUs) is the same under both sets.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = endpoint_scenario("\"app-a\"", "\"app-b\"");
    let faq = bill_of(dir.path(), &text, &[]);
    let current = bill_of(dir.path(), &text, &["--rules", "current"]);
    assert_eq!(faq[&key("cross_az", "out")].0, usd("0.04"), "{faq:?}");
    assert_eq!(faq[&key("cross_az", "in")].0, usd("0.04"), "{faq:?}");
    assert_eq!(faq[&key("endpoint_data_processed", "")].0, usd("0.04"));
    let mut only_faq = faq.clone();
    only_faq.retain(|k, _| !current.contains_key(k));
    let dropped: Vec<_> = only_faq.keys().cloned().collect();
    assert_eq!(dropped, [key("cross_az", "in"), key("cross_az", "out")]);
    for (k, v) in &current {
        assert_eq!(faq.get(k), Some(v), "{k:?} differs between the rule sets");
    }
    let sum = |b: &Lines| b.values().map(|(u, _)| *u).sum::<Decimal>();
    assert_eq!(sum(&faq) - sum(&current), usd("0.08"));

    // Web instances in both AZs and ENIs in both, by regional DNS: some
    // connections cross AZs, some do not. The sets still differ by exactly
    // the consumer's cross-AZ lines, $0.01 per GB each way of each crossing.
    let text = endpoint_scenario("\"app-a\", \"app-b\"", "\"app-a\", \"app-b\"");
    let faq = bill_of(dir.path(), &text, &[]);
    let current = bill_of(dir.path(), &text, &["--rules", "current"]);
    let cross: Decimal = faq
        .iter()
        .filter(|(k, _)| k.0 == "acme" && k.1 == "cross_az")
        .map(|(_, v)| v.0)
        .sum();
    assert_eq!(sum(&faq) - sum(&current), cross, "{faq:?}");
    assert!(current.keys().all(|k| k.1 != "cross_az"), "{current:?}");
}

#[test]
fn an_unknown_rule_set_is_refused_with_the_choices() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("s.ron");
    std::fs::write(&file, endpoint_scenario("\"app-a\"", "\"app-b\"")).expect("write");
    let err = exits(
        vpcsim().arg("run").arg(&file).args(["--rules", "2019"]),
        2,
        "run",
    )
    .stderr;
    assert!(
        err.contains("--rules") && err.contains("\"2019\"") && err.contains("current, faq"),
        "{err}"
    );
    let text = endpoint_scenario("\"app-a\"", "\"app-b\"").replace(
        "region: \"us-east-1\",",
        "region: \"us-east-1\", rules: \"today\",",
    );
    std::fs::write(&file, text).expect("write");
    let err = exits(vpcsim().arg("validate").arg(&file), 2, "validate").stderr;
    assert!(err.contains("rules: no rule set \"today\""), "{err}");
}

/// Accounts "a-team" and "b-team", both in organization o-shared01 (or
/// none), each with an instance in a public subnet sending 60 GiB to the
/// internet (one 60 GiB request, a 1 KiB response).
fn egress_scenario(consolidated: bool) -> String {
    let vpc = |name: &str, acc: &str, n: u8| {
        format!(
            r#"Vpc(name: "{name}", account: "{acc}", cidrs: ["10.{n}.0.0/16"], internet_gateway: true,
            subnets: [Subnet(name: "{name}-pub", az: "use1-az1", cidr: "10.{n}.1.0/24")],
            route_tables: [RouteTable(name: "main", routes: [Route(to: "0.0.0.0/0", via: InternetGateway)])])"#
        )
    };
    let traffic = |name: &str| {
        format!(
            r#"Traffic(name: "{name}-up", from: Workload("{name}-web"), to: Internet,
                arrivals: Burst(count: 1), request: Fixed("60GiB"), response: Fixed("1KiB"))"#
        )
    };
    format!(
        r#"Scenario(
    name: "egress-bill",
    duration: "1h",
    region: "us-east-1",
    settings: Settings(consolidated_billing: {consolidated}),
    accounts: [
        Account(name: "a-team", id: "222222222222", org: "o-shared01"),
        Account(name: "b-team", id: "333333333333", org: "o-shared01"),
    ],
    vpcs: [{}, {}],
    workloads: [
        Workload(name: "a-web", subnets: ["a-pub"]),
        Workload(name: "b-web", subnets: ["b-pub"]),
    ],
    traffic: [{}, {}],
)
"#,
        vpc("a", "a-team", 1),
        vpc("b", "b-team", 2),
        traffic("a"),
        traffic("b"),
    )
}

#[test]
fn consolidated_billing_pools_tiers_across_the_accounts_of_one_organization() {
    // Each account sends 60 GB (GiB, AWS's GB) to the internet. Alone, each
    // stays inside its own free first 100 GB: $0 + $0. Pooled (one billing
    // family, o-shared01), the family sends 120 GB: the first 100 GB are
    // free and 20 GB × $0.09 = $1.80. Tiers are taken in time order and
    // within an hour in key order: a-team's 60 GB take the first 60 free GB,
    // b-team's take the last 40 free GB and 20 GB at $0.09, so b-team pays
    // the $1.80.
    let dir = tempfile::tempdir().expect("tempdir");
    let alone = bill_of(dir.path(), &egress_scenario(false), &[]);
    let out = |b: &Lines, acc: &str| -> Decimal {
        b.iter()
            .filter(|(k, _)| k.0 == acc && k.1 == "internet_out")
            .map(|(_, v)| v.0)
            .sum()
    };
    assert_eq!(
        (out(&alone, "a-team"), out(&alone, "b-team")),
        (Decimal::ZERO, Decimal::ZERO),
        "{alone:?}"
    );
    let pooled = bill_of(dir.path(), &egress_scenario(true), &[]);
    assert_eq!(out(&pooled, "a-team"), Decimal::ZERO, "{pooled:?}");
    assert_eq!(out(&pooled, "b-team"), usd("1.80"), "{pooled:?}");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/summary.json")).expect("summary"),
    )
    .expect("json");
    assert_eq!(summary["cost"]["consolidated_billing"], true);
    assert_eq!(summary["cost"]["total_usd"], "1.8000000000");
    assert_eq!(summary["cost"]["display"]["total_usd"], "1.8000");
}
