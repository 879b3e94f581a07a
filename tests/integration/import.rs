//! `vpcsim import`: each importer on its committed fixture, end to end
//! through the command line (import → validate → run), with specific facts
//! of the imported estate checked; bad inputs give positioned errors.

use std::path::Path;
use std::process::{Command, Output};

use vpcsim::import::{self, BuildOptions, Imported};
use vpcsim::scenario::{self as sc, Scenario};
use vpcsim::units::SimDuration;

fn vpcsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vpcsim"))
}

fn fixture(rel: &str) -> String {
    format!("{}/tests/fixtures/import/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn opts(name: &str) -> BuildOptions {
    BuildOptions {
        name: name.into(),
        duration: SimDuration::from_secs(600),
        default_traffic: true,
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Imports with the CLI into `dir/name.ron`, validates and runs it; returns
/// the import's stderr and the run's connectivity.csv.
fn import_validate_run(args: &[&str], dir: &Path, name: &str) -> (String, String) {
    let ron = dir.join(format!("{name}.ron"));
    let out = vpcsim()
        .arg("import")
        .args(args)
        .arg("-o")
        .arg(&ron)
        .output()
        .expect("runs");
    let report = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "import: {report}");
    let out = vpcsim().arg("validate").arg(&ron).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "validate: {}", stderr(&out));
    let run_dir = dir.join(format!("{name}-out"));
    let out = vpcsim()
        .args(["run", "--quiet", "--out"])
        .arg(&run_dir)
        .arg(&ron)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "run: {}", stderr(&out));
    let conn = std::fs::read_to_string(run_dir.join("connectivity.csv")).expect("connectivity.csv");
    (report, conn)
}

fn vpc<'a>(s: &'a Scenario, name: &str) -> &'a sc::Vpc {
    s.vpcs
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no VPC {name}"))
}

fn subnet_azs(s: &Scenario, subnets: &[String]) -> Vec<String> {
    subnets
        .iter()
        .map(|n| {
            s.vpcs
                .iter()
                .flat_map(|v| &v.subnets)
                .find(|x| &x.name == n)
                .map(|x| x.az.clone())
                .unwrap_or_else(|| panic!("no subnet {n}"))
        })
        .collect()
}

fn terraform() -> Imported {
    import::terraform::import_file(Path::new(&fixture("terraform/plan.json")), &opts("plan"))
        .expect("the plan fixture imports")
}

#[test]
fn terraform_plan_imports_validates_and_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (report, conn) = import_validate_run(
        &["terraform", &fixture("terraform/plan.json")],
        dir.path(),
        "plan",
    );
    // Unsupported resources are named with their address and why.
    assert!(
        report.contains("aws_s3_bucket.flow_logs: resource type aws_s3_bucket"),
        "{report}"
    );
    assert!(
        report.contains("aws_instance.legacy: planned for deletion"),
        "{report}"
    );
    // The default traffic reaches the imported endpoint: the consumer's
    // account id came from its provider's assumed role and is allowed, and
    // the accepter made the connection available.
    assert!(
        conn.contains("default-acme-orders,acme-web,endpoint:acme-orders"),
        "{conn}"
    );
    assert!(conn.contains(",delivered,"), "{conn}");
    assert!(!conn.contains(",denied,"), "{conn}");
}

#[test]
fn terraform_plan_facts_survive_modules_count_and_unknown_ids() {
    let s = terraform().scenario;
    // Element counts by kind: 2 VPCs (one in module.consumer), 3 + 1 + 2
    // subnets (count, a subnet in the associated CIDR, for_each).
    assert_eq!(s.vpcs.len(), 2);
    assert_eq!(s.vpcs.iter().map(|v| v.subnets.len()).sum::<usize>(), 6);
    assert_eq!(
        (s.load_balancers.len(), s.services.len(), s.endpoints.len()),
        (1, 1, 1)
    );
    assert_eq!(
        (
            s.gateway_endpoints.len(),
            s.peerings.len(),
            s.transit_gateways.len()
        ),
        (1, 1, 1)
    );
    assert_eq!((s.nat_gateways.len(), s.direct_connects.len()), (1, 1));
    // count instances are distinct workloads; the ASG's desired capacity.
    assert_eq!(s.workloads.len(), 4);
    let web = s
        .workloads
        .iter()
        .find(|w| w.name == "acme-web")
        .expect("asg");
    assert_eq!(web.instances, 8);
    // The VPC's associated CIDR block is one of its blocks.
    let provider = vpc(&s, "orders-provider");
    let cidrs: Vec<String> = provider.cidrs.iter().map(|c| c.to_string()).collect();
    assert_eq!(cidrs, ["10.0.0.0/16", "10.1.0.0/16"]);
    // The endpoint (in a module, service name unknown until apply) found its
    // service through var.service_name; AZ IDs from the AZ data source.
    let ep = &s.endpoints[0];
    assert_eq!(
        (ep.name.as_str(), ep.service.as_str(), ep.vpc.as_str()),
        ("acme-orders", "orders", "acme-app")
    );
    assert_eq!(ep.subnets, ["app-a", "app-b"]);
    assert_eq!(subnet_azs(&s, &ep.subnets), ["use1-az1", "use1-az2"]);
    // A security-group rule from aws_security_group_rule.
    let sg = s
        .security_groups
        .iter()
        .find(|g| g.name == "orders-backend")
        .expect("sg");
    let rules = format!("{:?}", sg.inbound);
    assert!(
        rules.contains("10.20.0.0/16") && rules.contains("8443"),
        "{rules}"
    );
    // A route whose target (a NAT gateway) is unknown until apply.
    let private = provider
        .route_tables
        .iter()
        .find(|t| t.name == "private")
        .expect("rt");
    let routes = format!("{:?}", private.routes);
    assert!(
        routes.contains("svc-nat") && routes.contains("0.0.0.0/0"),
        "{routes}"
    );
    // A TGW propagation and a blackhole route.
    let hub = &s.transit_gateways[0];
    let table = &hub.route_tables[0];
    assert_eq!(table.propagations, ["svc-attach"]);
    assert!(format!("{:?}", table.routes).contains("Blackhole"));
}

#[test]
fn every_element_names_its_source_and_the_report_heads_the_file() {
    let text = terraform().text;
    assert!(
        text.starts_with("// imported by `vpcsim import` from"),
        "{text}"
    );
    for source in [
        "// terraform aws_vpc.svc",
        "// terraform module.consumer.aws_subnet.app[\"b\"]",
        "// terraform aws_instance.backend[2]",
        "// terraform aws_ec2_transit_gateway_route_table.hub",
    ] {
        assert!(text.contains(source), "no {source:?} in\n{text}");
    }
    assert!(text.contains("//   - terraform aws_flow_log.svc: resource type aws_flow_log"));
}

#[test]
fn bad_terraform_input_is_a_positioned_error_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &str, &str); 5] = [
        ("syntax.json", "{\"format_version\": \"1.2\",\n  \"planned_values\": [", "syntax.json:2:"),
        ("version.json", r#"{"format_version": "2.0", "values": {}}"#, "format_version \"2.0\" is not supported"),
        ("notplan.json", r#"{"Vpcs": []}"#, "no `format_version`"),
        (
            "shape.json",
            r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": 7}]}}}"#,
            "at $.planned_values.root_module.resources[0].address: expected a string, found the number 7",
        ),
        ("array.json", "[1, 2]", "expected an object"),
    ];
    for (name, text, expect) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let out = vpcsim()
            .args(["import", "terraform"])
            .arg(&path)
            .output()
            .expect("runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(expect), "{name}: expected {expect:?} in {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

#[test]
fn aws_describe_folder_imports_validates_and_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (report, conn) = import_validate_run(&["aws", &fixture("aws")], dir.path(), "estate");
    assert!(report.contains("elements: 3 accounts"), "{report}");
    assert!(
        conn.contains("default-acme-orders,acme-web,endpoint:acme-orders"),
        "{conn}"
    );
    assert!(
        conn.contains(",delivered,") && !conn.contains(",denied,"),
        "{conn}"
    );
}

#[test]
fn aws_describe_facts_come_from_the_data() {
    let s = import::aws::import_dir(Path::new(&fixture("aws")), &opts("estate"))
        .expect("the describe fixture imports")
        .scenario;
    // Three accounts (one folder each); each has moto's default VPC too.
    assert_eq!(s.accounts.len(), 3);
    assert_eq!(s.vpcs.len(), 6);
    let provider = vpc(&s, "orders-provider");
    assert_eq!(provider.subnets.len(), 4);
    // AZ IDs come from the subnets' AvailabilityZoneId, not from the names.
    let ep = s
        .endpoints
        .iter()
        .find(|e| e.name == "acme-orders")
        .expect("endpoint");
    assert_eq!(
        (ep.service.as_str(), ep.vpc.as_str()),
        ("orders", "acme-app")
    );
    assert_eq!(ep.subnets, ["app-a", "app-b"]);
    let azs = subnet_azs(&s, &ep.subnets);
    assert!(
        azs.iter().all(|z| z.starts_with("use1-az")) && azs[0] != azs[1],
        "{azs:?}"
    );
    // The service's permissions file added the consumer account.
    assert!(format!("{:?}", s.services[0].allowed_principals).contains("222222222222"));
    // NLB targets: the three instances registered in describe-target-health.
    let nlb = &s.load_balancers[0];
    let targets: u32 = nlb
        .targets
        .iter()
        .map(|t| {
            s.workloads
                .iter()
                .find(|w| &w.name == t)
                .map_or(0, |w| w.instances)
        })
        .sum();
    assert_eq!(targets, 3);
    // A security-group rule, a route, a TGW propagation.
    let sg = s
        .security_groups
        .iter()
        .find(|g| g.name == "orders-backend")
        .expect("sg");
    assert!(format!("{:?}", sg.inbound).contains("8443"));
    let private = provider
        .route_tables
        .iter()
        .find(|t| t.name == "private")
        .expect("rt");
    let routes = format!("{:?}", private.routes);
    assert!(
        routes.contains("svc-nat") && routes.contains("svc-to-consumer"),
        "{routes}"
    );
    let table = s.transit_gateways[0]
        .route_tables
        .iter()
        .find(|t| t.name == "hub-rt")
        .expect("hub-rt");
    assert_eq!(table.propagations.len(), 2);
}

#[test]
fn a_describe_file_of_another_operation_is_reported_and_bad_json_is_positioned() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("describe-images.json"), r#"{"Images": []}"#).expect("write");
    std::fs::write(
        dir.path().join("describe-vpcs.json"),
        r#"{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "OwnerId": "111111111111"}]}"#,
    )
    .expect("write");
    let out = vpcsim()
        .args(["import", "aws"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("describe-images.json: not an output vpcsim reads (top-level keys: Images)"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("describe-subnets.json"),
        "{\"Subnets\": [{\"SubnetId\": 5}]}",
    )
    .expect("write");
    let out = vpcsim()
        .args(["import", "aws"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("at $.Subnets[0].SubnetId: expected a string, found the number 5"),
        "{err}"
    );
}

/// Byte-level mutations of the fixtures never panic a reader: every result is
/// an import or an error (fixed seeds, so a failure reproduces).
#[test]
fn mutated_inputs_give_errors_not_panics() {
    use rand::{RngExt, SeedableRng};
    let plan = std::fs::read(fixture("terraform/plan.json")).expect("plan");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(16);
    let dir = tempfile::tempdir().expect("tempdir");
    for case in 0..60 {
        let mut bytes = plan.clone();
        for _ in 0..rng.random_range(1..6) {
            let i = rng.random_range(0..bytes.len());
            bytes[i] = b"{}[]\",:0a-\\ "[rng.random_range(0..12)];
        }
        let path = dir.path().join(format!("case{case}.json"));
        std::fs::write(&path, &bytes).expect("write");
        let result = std::panic::catch_unwind(|| import::terraform::import_file(&path, &opts("m")));
        assert!(result.is_ok(), "case {case} panicked");
    }
}
