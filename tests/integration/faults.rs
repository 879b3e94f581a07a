//! Fault injection: each failure a scenario can schedule, injected while
//! bytes are moving, with what it must do to the flows in progress and to
//! new connections. After each run every connection is accounted for
//! ([`check_invariants`]: delivered = completed + cut + in flight, admitted
//! bytes = delivered + cut + in flight) and `cut_by_reason` names the cause.
//!
//! The topologies are small and the numbers exact enough to predict: a
//! "bulk" class opens long transfers (1 GiB) that are still running when the
//! fault strikes, a "steady" class keeps opening small ones to show what new
//! connections get.

use vpcsim::explain::{explain, ExplainQuery};
use vpcsim::results::RunResult;
use vpcsim::units::SimDuration;

use super::invariants::{check_invariants, run_text};

/// A provider VPC with `orders` behind `nlbs` (and `spare` NLBs not yet in
/// the service), and consumer VPCs `c0..cN` in account `acme` with one
/// endpoint each (`ep0..epN`); `extra` is spliced into the scenario
/// (traffic, events, more endpoints).
fn privatelink(consumers: usize, nlbs: &[&str], spare: &[&str], extra: &str) -> String {
    let mut vpcs = String::new();
    let mut workloads = String::new();
    let mut endpoints = String::new();
    for i in 0..consumers {
        vpcs.push_str(&format!(
            "Vpc(name: \"c{i}\", account: \"acme\", cidrs: [\"10.{}.0.0/16\"], subnets: [
                Subnet(name: \"c{i}-a\", az: \"use1-az1\", cidr: \"10.{0}.1.0/24\"),
                Subnet(name: \"c{i}-b\", az: \"use1-az2\", cidr: \"10.{0}.2.0/24\"),
            ]),\n",
            10 + i
        ));
        workloads.push_str(&format!(
            "Workload(name: \"web{i}\", subnets: [\"c{i}-a\", \"c{i}-b\"], instances: 20),\n"
        ));
        endpoints.push_str(&format!(
            "InterfaceEndpoint(name: \"ep{i}\", vpc: \"c{i}\", service: \"orders\", subnets: [\"c{i}-a\", \"c{i}-b\"]),\n"
        ));
    }
    let nlb_defs: String = nlbs
        .iter()
        .chain(spare)
        .map(|n| {
            format!(
                "Nlb(name: {n:?}, subnets: [\"svc-a\", \"svc-b\"], targets: [\"{n}-backend\"]),\n"
            )
        })
        .collect();
    let backends: String = nlbs
        .iter()
        .chain(spare)
        .map(|n| {
            format!(
                "Workload(name: \"{n}-backend\", subnets: [\"svc-a\", \"svc-b\"], instances: 2),\n"
            )
        })
        .collect();
    let nlb_list = nlbs
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "Scenario(
    name: \"fault\",
    seed: 7,
    duration: \"60s\",
    settings: Settings(sample_interval: \"1s\"),
    accounts: [
        Account(name: \"provider\", id: \"111111111111\"),
        Account(name: \"acme\", id: \"222222222222\"),
    ],
    vpcs: [
        Vpc(name: \"svc\", account: \"provider\", cidrs: [\"10.0.0.0/16\"], subnets: [
            Subnet(name: \"svc-a\", az: \"use1-az1\", cidr: \"10.0.1.0/24\"),
            Subnet(name: \"svc-b\", az: \"use1-az2\", cidr: \"10.0.2.0/24\"),
        ]),
        {vpcs}
    ],
    workloads: [
        {backends}
        {workloads}
    ],
    load_balancers: [{nlb_defs}],
    services: [
        EndpointService(name: \"orders\", nlbs: [{nlb_list}], acceptance_required: false,
                        allowed_principals: [Account(\"222222222222\")]),
    ],
    endpoints: [{endpoints}],
    {extra}
)"
    )
}

fn class<'a>(r: &'a RunResult, name: &str) -> &'a vpcsim::results::TrafficSummary {
    r.summary
        .traffic
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no class {name}"))
}

/// The cut reasons of a class, as `(code, count)` pairs.
fn cuts(r: &RunResult, name: &str) -> Vec<(String, u64)> {
    class(r, name)
        .cut_by_reason
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

/// Samples of a resource's time series: `(time s, throughput bps, capacity bps)`.
fn samples(r: &RunResult, resource: &str) -> Vec<(f64, f64, u64)> {
    r.timeseries
        .iter()
        .find(|s| s.name == resource)
        .unwrap_or_else(|| {
            let known: Vec<&str> = r.timeseries.iter().map(|s| s.name.as_str()).collect();
            panic!("no series {resource}; known: {known:?}")
        })
        .samples
        .iter()
        .map(|(t, bps, cap)| (t.as_secs_f64(), *bps, *cap))
        .collect()
}

/// An AZ fails while 1 GiB responses are in flight: the flows whose client,
/// endpoint ENI or target is in that AZ are cut with AZ_UNAVAILABLE, and the
/// bytes they had moved are counted (neither lost nor double-counted).
#[test]
fn az_outage_cuts_flows_in_progress_and_counts_their_bytes() {
    let text = privatelink(
        1,
        &["nlb"],
        &[],
        r#"traffic: [
            Traffic(name: "bulk", from: Workload("web0"), to: Service(name: "orders", dns: Zonal),
                    arrivals: Burst(count: 40), start: "1s", request: Fixed("1KiB"), response: Fixed("1GiB")),
        ],
        events: [At("5s", AzOutage(az: "use1-az2", for: "10s"))],"#,
    );
    let (s, r) = run_text(&text);
    check_invariants(&s, &r);
    let bulk = class(&r, "bulk");
    assert_eq!(bulk.delivered, 40, "{bulk:?}");
    // Zonal names keep each client in its own AZ, so exactly the clients in
    // use1-az2 lose their flows; the others complete.
    let cut = bulk.cut;
    assert!(cut > 5 && cut < 35, "{bulk:?}");
    assert_eq!(cuts(&r, "bulk"), vec![("AZ_UNAVAILABLE".to_string(), cut)]);
    assert_eq!(bulk.completed, 40 - cut);
    assert_eq!(bulk.in_flight_at_end, 0);
    // Bytes so far: use1-az2's endpoint ENI (10 Gbps, the bottleneck: 20
    // instances × 10 Gbps on one side, a 10 Gbps target on the other) ran
    // full from ~1 s to 5 s, so the cut flows had moved about 4 s × 10 Gbps
    // = 5 GB between them, and the rest of their 1 GiB never went.
    let moved = bulk.moved_before_cut as f64;
    assert!(
        (4.6e9..=5.05e9).contains(&moved),
        "moved before the cut: {moved} bytes"
    );
    assert_eq!(bulk.cut_bytes, cut * (1024 + (1 << 30)));
    // The failed AZ's ENI shows zero capacity during the outage and is back after.
    let eni = samples(&r, "endpoint:ep0/use1-az2");
    assert!(eni
        .iter()
        .any(|(t, _, cap)| (6.0..15.0).contains(t) && *cap == 0));
    assert!(eni
        .iter()
        .all(|(t, bps, _)| !(6.0..15.0).contains(t) || *bps == 0.0));
    assert!(eni.last().is_some_and(|(_, _, cap)| *cap > 0));
}

/// The provider rejects, terminates and suspends three endpoints while
/// their transfers run: each cut carries the matching reason, new
/// connections are denied with it, and a resumed endpoint delivers again.
#[test]
fn endpoint_rejected_terminated_suspended_mid_transfer() {
    let mut traffic = String::from("traffic: [\n");
    for i in 0..3 {
        traffic.push_str(&format!(
            "Traffic(name: \"bulk{i}\", from: Workload(\"web{i}\"), to: Endpoint(name: \"ep{i}\"),
                     arrivals: Burst(count: 10), start: \"1s\", response: Fixed(\"1GiB\")),
             Traffic(name: \"steady{i}\", from: Workload(\"web{i}\"), to: Endpoint(name: \"ep{i}\"),
                     arrivals: Constant(per_second: 10.0), response: Fixed(\"16KiB\")),\n"
        ));
    }
    traffic.push_str("],\n");
    let events = r#"events: [
            At("5s", Reject(service: "orders", endpoint: "ep0")),
            At("5s", Terminate(service: "orders", endpoint: "ep1")),
            At("5s", Suspend(service: "orders", endpoint: "ep2")),
            At("30s", Resume(service: "orders", endpoint: "ep2")),
        ],"#;
    let (s, r) = run_text(&privatelink(3, &["nlb"], &[], &(traffic + events)));
    check_invariants(&s, &r);
    for (i, reason) in [
        "CONNECTION_REJECTED",
        "CONNECTION_TERMINATED",
        "CONNECTION_SUSPENDED",
    ]
    .iter()
    .enumerate()
    {
        // Every 1 GiB transfer (10 sharing a 10 Gbps ENI need ~8.6 s) was
        // still running at 5 s: all are cut, with the event's reason.
        let bulk = class(&r, &format!("bulk{i}"));
        assert_eq!(
            cuts(&r, &format!("bulk{i}")),
            vec![(reason.to_string(), 10)]
        );
        assert!(bulk.moved_before_cut > 0, "{bulk:?}");
        // New connections after 5 s are denied with the same reason (until
        // the resume at 30 s for the suspended one).
        let steady = class(&r, &format!("steady{i}"));
        let denied = steady.denied_by_reason.get(*reason).copied().unwrap_or(0);
        let expected_denied = if i == 2 { 250 } else { 550 };
        assert!(
            denied.abs_diff(expected_denied) <= 1,
            "steady{i}: {denied} denied with {reason}, expected about {expected_denied}: {steady:?}"
        );
        assert_eq!(steady.denied, denied);
    }
    // After the resume, ep2 delivers again: 5 s before the suspension and
    // 30 s after the resume, at 10 per second.
    let resumed = class(&r, "steady2");
    assert!(resumed.delivered.abs_diff(350) <= 2, "{resumed:?}");
}

/// Blue/green: green is added to the service, then blue removed while
/// blue's transfers run. Those are cut with NO_LOAD_BALANCER; the endpoint
/// picks green, and new connections keep being delivered through it.
#[test]
fn nlb_removed_mid_traffic_cuts_its_flows_and_new_ones_use_the_other() {
    let text = privatelink(
        1,
        &["blue"],
        &["green"],
        r#"traffic: [
            Traffic(name: "bulk", from: Workload("web0"), to: Service(name: "orders"),
                    arrivals: Burst(count: 10), start: "1s", response: Fixed("4GiB")),
            Traffic(name: "steady", from: Workload("web0"), to: Service(name: "orders"),
                    arrivals: Constant(per_second: 10.0), response: Fixed("16KiB")),
        ],
        events: [
            At("2s", AddNlb(service: "orders", nlb: "green")),
            At("5s", RemoveNlb(service: "orders", nlb: "blue")),
        ],"#,
    );
    let (s, r) = run_text(&text);
    check_invariants(&s, &r);
    // Blue carried every bulk transfer (the ENIs stick to the NLB they
    // picked while blue was the only one) and they were all running at 5 s:
    // ten 4 GiB responses over two 10 Gbps AZs need at least 17 s.
    assert_eq!(cuts(&r, "bulk"), vec![("NO_LOAD_BALANCER".to_string(), 10)]);
    // Nothing was denied: before 5 s blue served, after it green does. At
    // most a connection or two in flight at 5 s on blue is cut.
    let steady = class(&r, "steady");
    assert_eq!(steady.denied, 0, "{steady:?}");
    assert_eq!(steady.connections, 600);
    assert!(steady.completed >= 598, "{steady:?}");
    assert!(
        steady.cut_by_reason.keys().all(|k| k == "NO_LOAD_BALANCER"),
        "{steady:?}"
    );
    // The control plane applied both changes.
    let applied: Vec<(&str, bool)> = r
        .summary
        .control_events
        .iter()
        .filter(|e| e.time_s > 0.0)
        .map(|e| (e.event.as_str(), e.applied))
        .collect();
    assert_eq!(applied, vec![("AddNlb", true), ("RemoveNlb", true)]);
    // And a connection at 6 s goes through green (hop by hop).
    let e = explain(
        &s,
        &ExplainQuery {
            traffic: Some("steady".to_string()),
            at: SimDuration::from_secs(6),
            ..Default::default()
        },
        None,
    )
    .expect("explain");
    assert_eq!(e.outcome, "DELIVERED");
    let names: Vec<&str> = e.hops.iter().map(|h| h.component.as_str()).collect();
    assert!(names.iter().any(|n| n.contains("green")), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("blue")), "{names:?}");
}

/// A Direct Connect link flaps (three outages, two with `for:` and one
/// ended by `DxUp`): the transfers on it are cut with NO_ROUTE each time,
/// and the backup link carries new connections while it is down.
#[test]
fn dx_flapping_cuts_with_no_route_and_the_backup_carries_new_ones() {
    let text = r#"Scenario(
    name: "dx-flap",
    seed: 3,
    duration: "40s",
    settings: Settings(sample_interval: "1s"),
    accounts: [Account(name: "net", id: "400000000001"), Account(name: "pay", id: "400000000002")],
    vpcs: [
        Vpc(name: "shared", account: "net", cidrs: ["10.20.0.0/16"], vpn_gateway: true, subnets: [
            Subnet(name: "shared-a", az: "use1-az1", cidr: "10.20.1.0/24"),
            Subnet(name: "shared-b", az: "use1-az2", cidr: "10.20.2.0/24"),
        ]),
        Vpc(name: "pay", account: "pay", cidrs: ["10.30.0.0/16"], subnets: [
            Subnet(name: "pay-a", az: "use1-az1", cidr: "10.30.1.0/24"),
            Subnet(name: "pay-b", az: "use1-az2", cidr: "10.30.2.0/24"),
        ]),
    ],
    workloads: [Workload(name: "api", subnets: ["pay-a", "pay-b"], instances: 4, nic: "25Gbps")],
    load_balancers: [Nlb(name: "api-nlb", subnets: ["pay-a", "pay-b"], targets: ["api"])],
    services: [EndpointService(name: "payments", nlbs: ["api-nlb"], acceptance_required: false,
                               allowed_principals: [Account("400000000001")])],
    endpoints: [InterfaceEndpoint(name: "pay-ep", vpc: "shared", service: "payments", subnets: ["shared-a", "shared-b"])],
    sites: [Site(name: "dc", cidrs: ["192.168.0.0/16"], hosts: 40, nic: "10Gbps")],
    direct_connects: [
        DirectConnect(name: "primary", account: "net", site: "dc", speed: "10Gbps",
                      vifs: [Vif(name: "vif-p", kind: Private("shared"))]),
        DirectConnect(name: "backup", account: "net", site: "dc", speed: "1Gbps", kind: Hosted,
                      vifs: [Vif(name: "vif-b", kind: Private("shared"))]),
    ],
    traffic: [
        Traffic(name: "bulk", from: Site("dc"), to: Endpoint(name: "pay-ep"),
                arrivals: Burst(count: 10), start: "1s", request: Fixed("1GiB"), response: Fixed("1KiB")),
        Traffic(name: "steady", from: Site("dc"), to: Endpoint(name: "pay-ep"),
                arrivals: Constant(per_second: 20.0), request: Fixed("256KiB"), response: Fixed("1KiB")),
    ],
    events: [
        At("5s", DxDown(dx: "primary", for: "3s")),
        At("12s", DxDown(dx: "primary", for: "3s")),
        At("20s", DxDown(dx: "primary")),
        At("24s", DxUp(dx: "primary")),
    ],
)"#;
    let (s, r) = run_text(text);
    check_invariants(&s, &r);
    let applied = &r.summary.scenario_events_applied;
    assert_eq!(applied.get("DxDown"), Some(&3));
    assert_eq!(
        applied.get("DxUp"),
        Some(&3),
        "two automatic ends and one DxUp"
    );
    // The ten 1 GiB uploads share 10 Gbps (~8.6 s): all are on the primary
    // link at 5 s, and all are cut with NO_ROUTE.
    assert_eq!(cuts(&r, "bulk"), vec![("NO_ROUTE".to_string(), 10)]);
    // New connections are never refused: the backup link takes them.
    let steady = class(&r, "steady");
    assert_eq!(steady.denied, 0, "{steady:?}");
    assert!(
        steady.cut_by_reason.keys().all(|k| k == "NO_ROUTE"),
        "{steady:?}"
    );
    let down =
        |t: f64| (6.0..8.0).contains(&t) || (13.0..15.0).contains(&t) || (21.0..24.0).contains(&t);
    let primary = samples(&r, "dx:primary/to-aws");
    let backup = samples(&r, "dx:backup/to-aws");
    for (t, bps, cap) in &primary {
        if down(*t) {
            assert_eq!((*bps, *cap), (0.0, 0), "primary at {t} s");
        }
    }
    for (t, bps, _) in &backup {
        if down(*t) {
            // 20 × 256 KiB per second ≈ 42 Mbit/s.
            assert!(
                *bps > 30e6,
                "backup idle at {t} s while the primary is down"
            );
        }
    }
    // Between the outages, the primary link carries the traffic again.
    assert!(primary
        .iter()
        .any(|(t, bps, _)| (9.0..12.0).contains(t) && *bps > 30e6));
}

/// A principal is removed from the service: the endpoint already accepted
/// keeps delivering (nothing is cut), while an endpoint created afterwards
/// is refused with NOT_ALLOWED_PRINCIPAL.
#[test]
fn removed_principal_keeps_existing_endpoint_and_denies_new_ones() {
    let text = privatelink(
        2,
        &["nlb"],
        &[],
        r#"traffic: [
            Traffic(name: "existing", from: Workload("web0"), to: Endpoint(name: "ep0"),
                    arrivals: Constant(per_second: 10.0), response: Fixed("16KiB")),
            Traffic(name: "late", from: Workload("web1"), to: Endpoint(name: "ep1"),
                    arrivals: Constant(per_second: 10.0), response: Fixed("16KiB"), start: "12s"),
        ],
        events: [
            At("5s", RemovePrincipal(service: "orders", principal: Account("222222222222"))),
            At("10s", CreateEndpoint(endpoint: "ep1")),
        ],"#,
    );
    let (s, r) = run_text(&text);
    check_invariants(&s, &r);
    let existing = class(&r, "existing");
    assert_eq!(existing.connections, 600);
    assert_eq!(existing.denied, 0, "{existing:?}");
    assert_eq!(existing.cut, 0, "{existing:?}");
    let late = class(&r, "late");
    assert_eq!(late.connections, 480);
    assert_eq!(late.delivered, 0, "{late:?}");
    assert_eq!(
        late.denied_by_reason.get("NOT_ALLOWED_PRINCIPAL"),
        Some(&480),
        "{late:?}"
    );
}
