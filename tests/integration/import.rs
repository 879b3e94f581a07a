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

/// Asserts that `text` says each of `facts`.
#[track_caller]
pub fn says_all(text: &str, facts: &[&str]) {
    for fact in facts {
        assert!(text.contains(fact), "{fact:?} not in\n{text}");
    }
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

/// Direct Connect from describe output (hand-written in the AWS CLI's shape:
/// the emulator has no virtual interfaces): a transit VIF reaches its
/// transit gateway through the DX gateway's association, a private VIF its
/// VPC through the virtual private gateway, a public VIF is reported.
#[test]
fn direct_connect_virtual_interfaces_come_from_describe_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (report, _) = import_validate_run(&["aws", &fixture("aws-dx")], dir.path(), "dx");
    says_all(
        &report,
        &[
            "dxvif-fh0z9p3q",
            "public virtual interface",
            "dxcon-ff9876ab",
            "Direct Connect connection without a virtual interface vpcsim models",
        ],
    );
    let s = import::aws::import_dir(Path::new(&fixture("aws-dx")), &opts("dx"))
        .expect("the DX fixture imports")
        .scenario;
    assert_eq!(s.direct_connects.len(), 1, "{:?}", s.direct_connects);
    let dx = &s.direct_connects[0];
    assert_eq!(
        (dx.name.as_str(), dx.location.as_deref(), dx.kind),
        ("dc-primary", Some("EqDC2"), sc::DxKind::Dedicated)
    );
    assert_eq!(dx.speed.to_string(), "10Gbps");
    let vifs: Vec<(&str, &sc::VifKind)> =
        dx.vifs.iter().map(|v| (v.name.as_str(), &v.kind)).collect();
    assert_eq!(
        vifs,
        [
            ("to-hub", &sc::VifKind::Transit("dx-hub".into())),
            ("to-legacy", &sc::VifKind::Private("legacy".into())),
        ]
    );
    // The DX gateway's attachment to the hub is an attachment to the connection.
    let hub = s
        .transit_gateways
        .iter()
        .find(|t| t.name == "dx-hub")
        .expect("tgw");
    let targets = format!("{:?}", hub.attachments);
    assert!(
        targets.contains("DirectConnect(\"dc-primary\")"),
        "{targets}"
    );
    assert!(targets.contains("Vpc(\"hub-app\")"), "{targets}");
}

/// Terraform's aws_dx_*: the transit VIF reaches the hub through the DX
/// gateway association.
#[test]
fn terraform_direct_connect_has_its_transit_vif() {
    let s = terraform().scenario;
    let dx = &s.direct_connects[0];
    assert_eq!(dx.vifs.len(), 1, "{:?}", dx.vifs);
    assert_eq!(dx.vifs[0].kind, sc::VifKind::Transit("hub".into()));
}

/// `explain` takes the imported names: the default class, and a pair given
/// by source and target.
#[test]
fn explain_works_on_imported_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ron = super::import_flow_logs::estate(dir.path());
    let cases: [(&[&str], &[&str]); 3] = [
        (
            &["--traffic", "default-acme-orders"],
            &[
                "acme-web[0]",
                "endpoint-eni",
                "acme-orders",
                "DELIVERED over a privatelink path",
            ],
        ),
        (
            &[
                "--from",
                "acme-web",
                "--to",
                "workload:orders-backend",
                "--port",
                "8443",
            ],
            &[
                "orders-backend[",
                "peering",
                "svc-to-consumer",
                "DELIVERED over a peering path",
            ],
        ),
        (
            &["--from", "orders-backend", "--to", "internet"],
            &["orders-backend[0]", "svc-nat", "DELIVERED over a nat path"],
        ),
    ];
    for (args, facts) in cases {
        let out = vpcsim()
            .arg("explain")
            .arg(&ron)
            .args(args)
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        says_all(&text, facts);
    }
    // An imported name that is not there is an error that says so.
    let out = vpcsim()
        .arg("explain")
        .arg(&ron)
        .args(["--from", "acme-web", "--to", "endpoint:nope"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));
}

/// The default traffic is marked in the file and `--no-traffic` leaves it out;
/// either way the scenario validates.
#[test]
fn default_traffic_is_marked_and_no_traffic_omits_it() {
    let with = terraform();
    assert_eq!(with.scenario.traffic.len(), 1);
    assert!(
        with.text
            .contains("// DEFAULT TRAFFIC added by vpcsim import, not from the input"),
        "{}",
        with.text
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let ron = dir.path().join("bare.ron");
    let out = vpcsim()
        .args([
            "import",
            "terraform",
            &fixture("terraform/plan.json"),
            "--no-traffic",
            "-o",
        ])
        .arg(&ron)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&ron).expect("written");
    assert!(!text.contains("DEFAULT TRAFFIC"), "{text}");
    let bare = vpcsim::load::load_file(&ron)
        .expect("validates")
        .into_scenario();
    assert!(bare.traffic.is_empty());
    assert_eq!(bare.vpcs.len(), with.scenario.vpcs.len());
}

/// Mutated describe files and flow logs never panic a reader either.
#[test]
fn mutated_describe_output_and_flow_logs_give_errors_not_panics() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1616);
    let dir = tempfile::tempdir().expect("tempdir");
    let src = fixture("aws/111111111111/us-east-1");
    let mut names: Vec<_> = std::fs::read_dir(src)
        .expect("fixture")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    for case in 0..40 {
        let case_dir = dir.path().join(format!("aws{case}"));
        std::fs::create_dir_all(&case_dir).expect("mkdir");
        for p in &names {
            let mut bytes = std::fs::read(p).expect("read");
            if rng.random_range(0..3) == 0 {
                for _ in 0..rng.random_range(1..4) {
                    let i = rng.random_range(0..bytes.len());
                    bytes[i] = b"{}[]\",:0a-\\ "[rng.random_range(0..12)];
                }
            }
            std::fs::write(case_dir.join(p.file_name().expect("name")), &bytes).expect("write");
        }
        let result = std::panic::catch_unwind(|| import::aws::import_dir(&case_dir, &opts("m")));
        assert!(result.is_ok(), "describe case {case} panicked");
    }
    // Flow logs over the imported estate.
    let ron = dir.path().join("estate.ron");
    let imported =
        import::aws::import_dir(Path::new(&fixture("aws")), &opts("estate")).expect("imports");
    std::fs::write(&ron, &imported.text).expect("write");
    std::fs::write(
        import::addresses_path(&ron),
        import::addresses_csv(&imported.addresses).expect("csv"),
    )
    .expect("write");
    let log = std::fs::read(fixture("flow-logs/provider.log")).expect("log");
    for case in 0..30 {
        let mut bytes = log.clone();
        for _ in 0..rng.random_range(1..8) {
            let i = rng.random_range(0..bytes.len());
            bytes[i] = b" \n-0123456789.:abceniACCEPT"[rng.random_range(0..27)];
        }
        let path = dir.path().join(format!("flow{case}.log"));
        std::fs::write(&path, &bytes).expect("write");
        let opts = import::flow_logs::FlowOptions {
            scenario: ron.clone(),
            addresses: None,
            format: None,
            interval: SimDuration::from_secs(60),
            scale: import::flow_logs::Scale::None,
            keep_traffic: false,
            output: dir.path().join("out.ron"),
        };
        let result = std::panic::catch_unwind(|| {
            import::flow_logs::import(std::slice::from_ref(&path), &opts)
        });
        assert!(result.is_ok(), "flow-log case {case} panicked");
    }
}

#[allow(dead_code)]
#[path = "../../examples/import/main.rs"]
mod example;

/// The shipped example (`cargo run --example import`): import the describe
/// fixture, run a peering-vs-PrivateLink study on it, check the result.
#[test]
fn the_import_example_runs_its_study_and_its_checks_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = example::run(dir.path()).expect("the example runs");
    example::check(&rows).expect("the example's checks pass");
}

/// An input with nothing to simulate (another tool's JSON, a plan without a
/// VPC) is an error that says what was expected, not a scenario that fails
/// validation for want of an account.
#[test]
fn an_input_without_a_vpc_says_what_was_expected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let aws = dir.path().join("aws");
    std::fs::create_dir_all(&aws).expect("mkdir");
    std::fs::write(aws.join("describe-images.json"), r#"{"Images": []}"#).expect("write");
    let plan = dir.path().join("bucket.json");
    std::fs::write(
        &plan,
        r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
            {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b", "values": {}}]}}}"#,
    )
    .expect("write");
    for (kind, input, left) in [
        (
            "aws",
            &aws,
            "describe-images.json: not an output vpcsim reads",
        ),
        (
            "terraform",
            &plan,
            "aws_s3_bucket.b: resource type aws_s3_bucket",
        ),
    ] {
        let out = vpcsim()
            .args(["import", kind])
            .arg(input)
            .output()
            .expect("runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{kind}: {err}");
        says_all(&err, &["no VPC in the input, so nothing to simulate", left]);
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// One folder per account and region: each VPC gets its folder's region,
/// the home region is the one with the most VPCs, and the AZ IDs of the
/// other region validate.
#[test]
fn a_folder_per_region_gives_each_vpc_its_region() {
    let dir = tempfile::tempdir().expect("tempdir");
    let put = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    let vpcs = |id: &str, cidr: &str| {
        format!(
            r#"{{"Vpcs": [{{"VpcId": "{id}", "CidrBlock": "{cidr}", "OwnerId": "111111111111", "Tags": [{{"Key": "Name", "Value": "{id}"}}]}}]}}"#
        )
    };
    let subnets = |vpc: &str, cidr: &str, az: &str, az_id: &str| {
        format!(
            r#"{{"Subnets": [{{"SubnetId": "subnet-{vpc}", "VpcId": "{vpc}", "CidrBlock": "{cidr}", "AvailabilityZone": "{az}", "AvailabilityZoneId": "{az_id}", "OwnerId": "111111111111"}}]}}"#
        )
    };
    for (folder, vpc, cidr, subnet, az, az_id) in [
        (
            "111111111111/us-east-1",
            "east",
            "10.1.0.0/16",
            "10.1.1.0/24",
            "us-east-1a",
            "use1-az4",
        ),
        (
            "222222222222/us-east-1",
            "east2",
            "10.2.0.0/16",
            "10.2.1.0/24",
            "us-east-1b",
            "use1-az6",
        ),
        (
            "111111111111/eu-west-1",
            "west",
            "10.3.0.0/16",
            "10.3.1.0/24",
            "eu-west-1a",
            "euw1-az1",
        ),
    ] {
        put(&format!("{folder}/describe-vpcs.json"), &vpcs(vpc, cidr));
        put(
            &format!("{folder}/describe-subnets.json"),
            &subnets(vpc, subnet, az, az_id),
        );
    }
    let out = tempfile::tempdir().expect("tempdir");
    import_validate_run(
        &["aws", &dir.path().to_string_lossy()],
        out.path(),
        "regions",
    );
    let s = import::aws::import_dir(dir.path(), &opts("regions"))
        .expect("imports")
        .scenario;
    assert_eq!(s.region, "us-east-1");
    let regions: Vec<(&str, Option<&str>)> = s
        .vpcs
        .iter()
        .map(|v| (v.name.as_str(), v.region.as_deref()))
        .collect();
    assert_eq!(
        regions,
        [("west", Some("eu-west-1")), ("east", None), ("east2", None)]
    );
}

/// The other Direct Connect resource types of a plan: a private VIF to a
/// virtual private gateway, a hosted transit VIF completed by its accepter's
/// DX gateway, a hosted connection whose hosted private VIF gets its gateway
/// from the accepter, a hosted public VIF reported.
#[test]
fn terraform_dx_plan_has_private_transit_and_hosted_vifs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (report, _) = import_validate_run(
        &["terraform", &fixture("terraform/dx-plan.json")],
        dir.path(),
        "dx-plan",
    );
    says_all(
        &report,
        &["aws_dx_hosted_public_virtual_interface.web: public virtual interface"],
    );
    let s = import::terraform::import_file(
        Path::new(&fixture("terraform/dx-plan.json")),
        &opts("dx-plan"),
    )
    .expect("imports")
    .scenario;
    // (name, kind, speed, [(VIF, kind)]) of each connection.
    type Dx<'a> = (&'a str, sc::DxKind, String, Vec<(&'a str, &'a sc::VifKind)>);
    let dx: Vec<Dx> = s
        .direct_connects
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.kind,
                d.speed.to_string(),
                d.vifs.iter().map(|v| (v.name.as_str(), &v.kind)).collect(),
            )
        })
        .collect();
    let legacy = sc::VifKind::Private("legacy".into());
    let edge = sc::VifKind::Transit("edge-tgw".into());
    assert_eq!(
        dx,
        [
            (
                "dc-secondary",
                sc::DxKind::Dedicated,
                "1Gbps".to_string(),
                vec![("to-legacy", &legacy), ("to-edge", &edge)]
            ),
            (
                "hosted-500m",
                sc::DxKind::Hosted,
                "500Mbps".to_string(),
                vec![("hosted-to-legacy", &legacy)]
            ),
        ]
    );
    assert!(s.vpcs.iter().any(|v| v.name == "legacy" && v.vpn_gateway));
    let attachments = format!("{:?}", s.transit_gateways[0].attachments);
    assert!(
        attachments.contains("DirectConnect(\"dc-secondary\")"),
        "{attachments}"
    );
}
