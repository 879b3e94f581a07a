use super::*;
use crate::scenario::parse_syntax;

/// A scenario text validated, with its builtin quota profile (what the
/// loader would hand over; no file is read).
fn load_str(
    text: &str,
    file: &str,
) -> Result<(Valid, QuotaProfile), crate::scenario::ScenarioError> {
    let valid = Valid::new(parse_syntax(text, file)?, file, Vec::new())?;
    let quotas = QuotaProfile::builtin(&valid.quotas)
        .unwrap_or_else(|| panic!("{file} names a builtin quota profile"))
        .with_overrides(&valid.quota_overrides)
        .unwrap_or_else(|p| panic!("{file}: quota overrides refused: {p:?}"));
    Ok((valid, quotas))
}

const SMALL: &str = r#"
Scenario(
    name: "t", duration: "1h",
    accounts: [
        Account(name: "provider", id: "111111111111"),
        Account(name: "acme", id: "222222222222"),
    ],
    azs: [
        Az(id: "use1-az1", names: {"acme": "us-east-1c"}),
        Az(id: "use1-az2"),
    ],
    vpcs: [
        Vpc(name: "svc", account: "provider", cidrs: ["10.0.0.0/16"], subnets: [
            Subnet(name: "svc-a", az: "use1-az1", cidr: "10.0.1.0/24"),
            Subnet(name: "svc-b", az: "use1-az2", cidr: "10.0.2.0/24"),
        ]),
        Vpc(name: "app", account: "acme", cidrs: ["10.1.0.0/16"], subnets: [
            Subnet(name: "app-a", az: "use1-az1", cidr: "10.1.1.0/28"),
            Subnet(name: "app-b", az: "use1-az2", cidr: "10.1.2.0/24"),
        ]),
    ],
    workloads: [
        Workload(name: "backend", subnets: ["svc-a", "svc-b"], instances: 4),
        Workload(name: "web", subnets: ["app-a", "app-b"], instances: 3),
    ],
    load_balancers: [ Nlb(name: "nlb", subnets: ["svc-a", "svc-b"], targets: ["backend"]) ],
    services: [ EndpointService(name: "orders", nlbs: ["nlb"]) ],
    endpoints: [ InterfaceEndpoint(name: "ep", vpc: "app", service: "orders", subnets: ["app-a", "app-b"]) ],
    peerings: [ Peering(name: "p", requester: "app", accepter: "svc") ],
)
"#;

#[test]
fn builds_ids_ips_and_owners() {
    let s = load_str(SMALL, "small.ron").expect("valid");
    let f = Fabric::build(&s.0, &s.1).expect("builds");
    let web = f.workload("web").expect("web exists");
    let w = &f.workloads[web.index()];
    // Instances go round-robin over subnets; IPs skip the 4 reserved addresses.
    // The endpoint ENI took app-a's first free address (.4) before the workload.
    assert_eq!(w.instances.len(), 3);
    assert_eq!(w.instances[0].ip.to_string(), "10.1.1.5");
    assert_eq!(w.instances[1].ip.to_string(), "10.1.2.5");
    assert_eq!(w.instances[2].ip.to_string(), "10.1.1.6");
    assert_eq!(f.accounts[w.account.index()].name, "acme");
    let ep = &f.endpoints[f.endpoint("ep").expect("ep").index()];
    assert_eq!(ep.enis.len(), 2);
    assert_eq!(f.enis[ep.enis[0].index()].ip.to_string(), "10.1.1.4");
    assert!(ep.dns_name.starts_with(&ep.aws_id));
    assert!(
        ep.dns_name.ends_with(".us-east-1.vpce.amazonaws.com"),
        "{}",
        ep.dns_name
    );
    // The zonal name carries the AZ *name* the consumer account sees.
    let az1 = &f.azs[f.az("use1-az1").expect("az").index()];
    assert_eq!(az1.name_for(w.account), "us-east-1c");
    assert_eq!(
        az1.name_for(f.account("provider").expect("p")),
        "us-east-1a"
    );
    assert!(ep.zonal_dns_name("us-east-1c").contains("-us-east-1c."));
    let svc = &f.services[f.service("orders").expect("svc").index()];
    assert_eq!(f.accounts[svc.owner.index()].name, "provider");
    assert!(svc
        .service_name
        .starts_with("com.amazonaws.vpce.us-east-1.vpce-svc-0"));
}

#[test]
fn auto_routes_are_added_on_both_sides_of_a_peering() {
    let s = load_str(SMALL, "small.ron").expect("valid");
    let f = Fabric::build(&s.0, &s.1).expect("builds");
    let app = f.vpc("app").expect("app");
    let svc = f.vpc("svc").expect("svc");
    let p = f.peering("p").expect("p");
    let ip: IpAddr = "10.0.2.9".parse().expect("ip literal");
    let rt = &f.vpcs[app.index()].route_tables[0];
    assert_eq!(
        rt.lookup(&f.vpcs[app.index()].cidrs, ip),
        Some(Via::Peering(p))
    );
    let back: IpAddr = "10.1.2.9".parse().expect("ip literal");
    let rt = &f.vpcs[svc.index()].route_tables[0];
    assert_eq!(
        rt.lookup(&f.vpcs[svc.index()].cidrs, back),
        Some(Via::Peering(p))
    );
    assert!(!f.cidrs_overlap(app, svc));
}

#[test]
fn a_full_subnet_is_a_clear_error() {
    // app-a is a /28: 16 addresses, 5 reserved, 11 usable; the endpoint ENI takes one.
    let text = SMALL.replace("instances: 3", "instances: 40");
    let s = load_str(&text, "full.ron").expect("valid");
    let e = Fabric::build(&s.0, &s.1).unwrap_err().to_string();
    assert!(
        e.contains("app-a") && e.contains("no free private IP"),
        "{e}"
    );
}

#[test]
fn graph_has_typed_nodes_and_ownership_edges() {
    let s = load_str(SMALL, "small.ron").expect("valid");
    let f = Fabric::build(&s.0, &s.1).expect("builds");
    let nlb = f.nlb("nlb").expect("nlb");
    let targets = f.neighbours(f.nlbs[nlb.index()].node, Edge::Targets);
    assert_eq!(
        targets,
        vec![Node::Workload(f.workload("backend").expect("b"))]
    );
    let c = f.counts(s.0.scenario());
    assert_eq!((c.vpcs, c.subnets, c.instances, c.enis), (2, 4, 7, 4));
    assert_eq!(c.graph_nodes, f.graph.node_count());
}
