//! Endpoint scaling as each quota profile states it: under `faq` (the
//! PrivateLink FAQ, "endpoint scaling is fully managed to ensure that
//! traffic to your endpoint is not affected") an interface endpoint never
//! throttles a surge; under `aws-current` (10 Gbps per AZ, "automatically
//! scales up to 100 Gbps") its capacity steps up from 10 Gbps and stops at
//! 100 Gbps.

use vpcsim::results::RunResult;

use super::invariants::{check_invariants, run_text};

/// One consumer AZ pulling 512 MiB objects through one endpoint ENI at a
/// constant 30 connections/s. Every flow is capped at the 5 Gbps single-flow
/// limit and the 100 Gbps NICs leave room, so the offered load is
/// 30/s × 512 MiB × 8 = 30 × 4,294,967,296 bits/s = 128.85 Gbps — above
/// aws-current's 100 Gbps ceiling.
fn surge(quotas: &str) -> String {
    format!(
        r#"Scenario(
    name: "surge", seed: 3, duration: "25m", region: "us-east-1", quotas: "{quotas}",
    settings: (sample_interval: "10s"),
    accounts: [Account(name: "p", id: "500000000001"), Account(name: "c", id: "500000000002")],
    vpcs: [
        Vpc(name: "svc", account: "p", cidrs: ["10.50.0.0/16"], subnets: [
            Subnet(name: "svc-a", az: "use1-az1", cidr: "10.50.1.0/24")]),
        Vpc(name: "app", account: "c", cidrs: ["10.60.0.0/16"], subnets: [
            Subnet(name: "app-a", az: "use1-az1", cidr: "10.60.1.0/24")]),
    ],
    workloads: [
        Workload(name: "servers", subnets: ["svc-a"], instances: 40, nic: "100Gbps"),
        Workload(name: "clients", subnets: ["app-a"], instances: 40, nic: "100Gbps"),
    ],
    load_balancers: [Nlb(name: "nlb", subnets: ["svc-a"], targets: ["servers"])],
    services: [EndpointService(name: "objects", nlbs: ["nlb"], acceptance_required: false,
                               allowed_principals: [Account("500000000002")])],
    endpoints: [InterfaceEndpoint(name: "ep", vpc: "app", service: "objects", subnets: ["app-a"])],
    traffic: [Traffic(name: "pull", from: Workload("clients"), to: Service(name: "objects", dns: Zonal),
                      arrivals: Constant(per_second: 30.0), request: Fixed("1KiB"), response: Fixed("512MiB"))],
)"#
    )
}

/// `(time s, throughput bps, capacity bps)` of the endpoint's ENI.
fn eni(r: &RunResult) -> Vec<(f64, f64, u64)> {
    r.timeseries
        .iter()
        .find(|s| s.name == "endpoint:ep/use1-az1")
        .expect("the endpoint ENI is reported")
        .samples
        .iter()
        .map(|(t, bps, cap)| (t.as_secs_f64(), *bps, *cap))
        .collect()
}

#[test]
fn under_the_faq_a_surge_is_never_throttled_by_the_endpoint() {
    let (s, r) = run_text(&surge("faq"));
    check_invariants(&s, &r);
    let samples = eni(&r);
    // Managed: the ENI never has a ceiling, at any sample.
    assert!(samples.iter().all(|x| x.2 == u64::MAX), "{samples:?}");
    // After the first minute (connections ramping in), the ENI carries the
    // whole offered 128.85 Gbps (see `surge`) — 12.9 times the 10 Gbps a
    // stepped endpoint starts at, and above aws-current's 100 Gbps ceiling.
    // Were anything at the endpoint limiting it, the mean would fall short.
    let steady: Vec<f64> = samples.iter().filter(|x| x.0 > 60.0).map(|x| x.1).collect();
    let mean = steady.iter().sum::<f64>() / steady.len() as f64;
    let offered = 30.0 * 512.0 * 1024.0 * 1024.0 * 8.0;
    assert!(
        (mean - offered).abs() < 0.02 * offered,
        "mean {mean} vs offered {offered}"
    );
    assert!(steady.iter().all(|b| *b > 100e9), "{steady:?}");

    // No output shows the internal "no ceiling" capacity as a figure:
    // summary capacities are null, utilisation is 0, timeseries.csv leaves
    // the capacity empty, and the text summary says "no ceiling".
    let res = r
        .summary
        .bandwidth
        .resources
        .iter()
        .find(|x| x.name == "endpoint:ep/use1-az1")
        .expect("the endpoint ENI is summarised");
    assert_eq!(
        (res.base_capacity_gbps, res.max_capacity_gbps),
        (None, None)
    );
    assert_eq!(res.peak_utilisation, 0.0);
    let json = vpcsim::report::summary_json(&r).expect("summary.json");
    assert!(json.contains("\"max_capacity_gbps\": null"), "{json}");
    let csv = vpcsim::report::timeseries_csv(&r).expect("timeseries.csv");
    assert!(!csv.contains(&u64::MAX.to_string()), "{csv}");
    // The only resource is the ENI: every row's last field (capacity) is empty.
    assert!(csv.lines().skip(1).all(|l| l.ends_with(',')), "{csv}");
    let text = vpcsim::report::text_summary(&r);
    assert!(text.contains("(no ceiling)"), "{text}");
}

#[test]
fn under_aws_current_the_endpoint_steps_by_10_gbps_up_to_100_gbps() {
    let (s, r) = run_text(&surge("aws-current"));
    check_invariants(&s, &r);
    let samples = eni(&r);
    const G: u64 = 1_000_000_000;
    // Starts at 10 Gbps; each change is one 10 Gbps step up (the scaling
    // policy's `step`), never down.
    assert_eq!(samples[0].2, 10 * G, "{samples:?}");
    for w in samples.windows(2) {
        let (a, b) = (w[0].2, w[1].2);
        assert!(b == a || b == a + 10 * G, "{a} → {b}");
    }
    // Demand above 100 Gbps for 25 minutes reaches the ceiling and stops
    // there: 100 Gbps is the last capacity, and no sample ever carries more.
    assert_eq!(samples.last().map(|x| x.2), Some(100 * G));
    assert!(samples.iter().all(|x| x.2 <= 100 * G));
    assert!(
        samples.iter().all(|x| x.1 <= 100e9 * 1.000_001),
        "{samples:?}"
    );
    // At the ceiling the ENI is the bottleneck: it runs full.
    let full = samples
        .iter()
        .filter(|x| x.2 == 100 * G && x.1 > 99e9)
        .count();
    assert!(full > 0, "{samples:?}");
}
