//! Generates the benchmark scenarios in `scenarios/bench/`, deterministically.
//!
//! ```text
//!  bench-1m / bench-100k (the "fabric" benchmarks)
//!
//!   1,000 tenant accounts, one VPC each (10.0.0.0/16, 3 AZs)       5 provider accounts
//!  ┌──────────────────────────────────────────┐               ┌───────────────────────────┐
//!  │ tNNNN-app ×6 (2 per AZ, 10 Gbps)         │               │ svc-KK (25 services)      │
//!  │   ├─▶ endpoint tNNNN-svc-A (regional) ───┼── PrivateLink▶│  NLB in 3 AZs             │
//!  │   └─▶ endpoint tNNNN-svc-B (zonal) ──────┼── PrivateLink▶│   └─▶ backend ×6 (1 Gbps) │
//!  └──────────────────────────────────────────┘               └───────────────────────────┘
//!   2,000 endpoints × 3 AZs = 6,000 endpoint ENIs; 2,000 Poisson traffic classes
//!
//!  bench-trace (flow-by-flow comparison with other max-min simulators)
//!
//!   8 tenant VPCs × 3 single-instance clients (4/10/25 Gbps, one per AZ)
//!     └─▶ 16 single-AZ endpoints (fixed 10 Gbps) ─▶ 3 services, NLB in 3 AZs
//!           └─▶ one backend per AZ (10 Gbps); every path is fixed by (source, target)
//! ```
//!
//! Run with `cargo run --release --example gen_bench` (writes the committed
//! files), or `cargo run --release --example gen_bench -- --connections N
//! --out DIR` to write a `bench-<N>.ron` of the same fabric with the duration
//! scaled to `N` expected connections at the same arrival rates (for the
//! scaling curve in `docs/performance.md`), or `-- --burst N --out DIR` to
//! write a `bench-burst-<N>.ron` where the same fabric opens `N` connections
//! (a multiple of 2,000) all at t = 0 and lets them drain for 60 s, or
//! `-- --trace-rows N --out DIR` to write `bench-trace-<N>.ron` and its CSV:
//! the trace benchmark with `N` rows at the same arrival rate (e.g. 1,000,000
//! or 10,000,000 rows for the trace scaling figures).
//!
//! Everything is derived from fixed constants and a seeded ChaCha8 stream, so
//! running it again rewrites byte-identical files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// AZ IDs of the three zones every benchmark uses.
const AZS: [&str; 3] = ["use1-az1", "use1-az2", "use1-az4"];
/// Subnet suffix per AZ.
const AZ_SUFFIX: [&str; 3] = ["a", "b", "c"];

// --- the fabric benchmarks -------------------------------------------------

const TENANTS: usize = 1_000;
const PROVIDERS: usize = 5;
const SERVICES: usize = 25;
const ENDPOINTS_PER_TENANT: usize = 2;
const CLIENTS_PER_TENANT: u32 = 6;
const BACKENDS_PER_SERVICE: u32 = 6;
/// Simulated seconds of the 1M benchmark; other sizes scale it.
const SECONDS_1M: f64 = 600.0;
/// Poisson rate of each of the 2,000 classes: 2,000 × 0.8333 × 600 s ≈ 1,000,000.
const CLASS_RATE: f64 = 1_000_000.0 / (SECONDS_1M * (TENANTS * ENDPOINTS_PER_TENANT) as f64);

// --- the trace benchmark ---------------------------------------------------

const TRACE_ROWS: usize = 20_000;
const TRACE_TENANTS: usize = 8;
const TRACE_SERVICES: usize = 3;
/// Mean arrival rate of the trace, per second (≈ 70 % of the backends).
const TRACE_RATE: f64 = 6_800.0;
/// Client NICs by AZ: below, at and above the 5 Gbps single-flow limit, so
/// NICs, the flow cap, ENIs and backends all take turns as bottlenecks.
const TRACE_CLIENT_NICS: [&str; 3] = ["4Gbps", "10Gbps", "25Gbps"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut connections: Option<u64> = None;
    let mut burst: Option<u64> = None;
    let mut trace_rows: Option<usize> = None;
    let mut out: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--connections" => connections = it.next().and_then(|v| v.parse().ok()),
            "--burst" => burst = it.next().and_then(|v| v.parse().ok()),
            "--trace-rows" => trace_rows = it.next().and_then(|v| v.parse().ok()),
            "--out" => out = it.next().map(PathBuf::from),
            "-h" | "--help" => {
                println!(
                    "usage: gen_bench [--connections N | --burst N | --trace-rows N] [--out DIR]"
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}; try --help").into()),
        }
    }
    let dir = out.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench"));
    std::fs::create_dir_all(&dir)?;
    let mut written = Vec::new();
    let classes = (TENANTS * ENDPOINTS_PER_TENANT) as u64;
    if let Some(rows) = trace_rows {
        if connections.is_some() || burst.is_some() || rows == 0 {
            return Err("--trace-rows N: give a positive row count, alone".into());
        }
        let name = format!("bench-trace-{}", short(rows as u64));
        let (ron, csv) = trace_scenario(&name, rows);
        for (ext, text) in [("ron", ron), ("csv", csv)] {
            let path = dir.join(format!("{name}.{ext}"));
            std::fs::write(&path, text)?;
            written.push(path);
        }
    }
    match (connections, burst) {
        _ if trace_rows.is_some() => {}
        (Some(n), None) => {
            let name = format!("bench-{}", short(n));
            let path = dir.join(format!("{name}.ron"));
            std::fs::write(&path, fabric_scenario(&name, n, Load::Poisson))?;
            written.push(path);
        }
        (None, Some(n)) if n > 0 && n % classes == 0 => {
            let name = format!("bench-burst-{}", short(n));
            let path = dir.join(format!("{name}.ron"));
            std::fs::write(&path, fabric_scenario(&name, n, Load::Burst))?;
            written.push(path);
        }
        (None, Some(n)) => {
            return Err(format!(
                "--burst {n}: give a positive multiple of {classes} (one burst per class)"
            )
            .into())
        }
        (Some(_), Some(_)) => return Err("give --connections or --burst, not both".into()),
        (None, None) => {
            for (name, n, load) in [
                ("bench-1m", 1_000_000, Load::Poisson),
                ("bench-100k", 100_000, Load::Poisson),
                ("bench-burst-10k", 10_000, Load::Burst),
            ] {
                let path = dir.join(format!("{name}.ron"));
                std::fs::write(&path, fabric_scenario(name, n, load))?;
                written.push(path);
            }
            let (ron, csv) = trace_scenario("bench-trace", TRACE_ROWS);
            let path = dir.join("bench-trace.ron");
            std::fs::write(&path, ron)?;
            written.push(path);
            let path = dir.join("bench-trace.csv");
            std::fs::write(&path, csv)?;
            written.push(path);
        }
    }
    for p in &written {
        let len = std::fs::metadata(p)?.len();
        println!("wrote {} ({} bytes)", p.display(), len);
    }
    // The files exist and are not empty.
    assert!(written
        .iter()
        .all(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0)));
    Ok(())
}

/// `1000000` → `1m`, `100000` → `100k`, `12345` → `12345`.
fn short(n: u64) -> String {
    if n % 1_000_000 == 0 {
        format!("{}m", n / 1_000_000)
    } else if n % 1_000 == 0 {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

/// `1000000` → `1,000,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The two services tenant `t` has endpoints to: every service gets 80.
fn tenant_services(t: usize) -> [usize; ENDPOINTS_PER_TENANT] {
    [t % SERVICES, (t + 7) % SERVICES]
}

/// How the fabric benchmark's connections arrive.
#[derive(Clone, Copy, PartialEq)]
enum Load {
    /// Poisson at the same rate per class, for a duration scaled to the
    /// connections.
    Poisson,
    /// All at t = 0, the same number per class, then 60 s to drain.
    Burst,
}

/// Seconds a burst benchmark runs: long enough for nearly every connection
/// of a 10,000-connection burst to finish.
const BURST_SECONDS: u64 = 60;

/// The fabric benchmark with `connections` connections.
fn fabric_scenario(name: &str, connections: u64, load: Load) -> String {
    let seconds = match load {
        Load::Poisson => SECONDS_1M * connections as f64 / 1_000_000.0,
        Load::Burst => BURST_SECONDS as f64,
    };
    let per_class = connections / (TENANTS * ENDPOINTS_PER_TENANT) as u64;
    let duration = if seconds.fract() == 0.0 {
        format!("{}s", seconds as u64)
    } else {
        format!("{}ms", (seconds * 1000.0).round() as u64)
    };
    let count = thousands(connections);
    let mut s = String::with_capacity(1 << 21);
    let _ = write!(
        s,
        "// {name} — the end-to-end benchmark of vpcsim: about {count} connections over\n\
         // 1,000 tenant VPCs (one account each) and 25 PrivateLink services in 3 AZs.\n\
         //\n\
         // GENERATED FILE — do not edit. Regenerate with:\n\
         //     cargo run --release --example gen_bench{extra}\n\
         //\n\
         // Shape (see docs/performance.md):\n\
         // - 5 provider accounts own 25 endpoint services; each is an NLB in 3 AZs\n\
         //   (cross-zone off) in front of 6 backends with 1 Gbps NICs (2 per AZ);\n\
         // - 1,000 tenants each have a VPC (all 10.0.0.0/16: overlap is fine with\n\
         //   PrivateLink), 6 client instances (10 Gbps) and interface endpoints to 2\n\
         //   services in all 3 AZs: 2,000 endpoints, 6,000 endpoint ENIs;\n\
         // - 2,000 traffic classes (one per endpoint; the first regional DNS, the\n\
         //   second zonal), {arrivals} requests log-normal (median 4 KiB), responses\n\
         //   Pareto (alpha 1.2, 1.75 MiB to 1 GiB, mean about 7.9 MB);\n\
         // - {shape}\n",
        extra = match (load, connections) {
            (Load::Poisson, 1_000_000 | 100_000) | (Load::Burst, 10_000) => String::new(),
            (Load::Poisson, n) => format!(" -- --connections {n} --out <dir>"),
            (Load::Burst, n) => format!(" -- --burst {n} --out <dir>"),
        },
        arrivals = match load {
            Load::Poisson => format!(
                "Poisson at {CLASS_RATE:.10}/s each over {duration}: {count}\n\
                 //   connections expected;"
            ),
            Load::Burst => format!(
                "{per_class} connections each, all at t = 0: {count}\n\
                 //   connections at once, then {duration} to drain;"
            ),
        },
        shape = match load {
            Load::Poisson =>
                "offered load about 70 % of the busiest resources (the 150 backend NICs,\n\
                 //   transmit side), so a few hundred flows are active at once.",
            Load::Burst =>
                "every connection starts at once: thousands of distinct paths (client\n\
                 //   instance, endpoint ENI, backend) share the 150 backend NICs.",
        },
    );
    let _ = write!(
        s,
        "Scenario(\n    name: {name:?},\n    description: \"Benchmark: {count} connections, 1,000 tenant VPCs, 2,000 interface endpoints, 25 services, 3 AZs\",\n    seed: 2024,\n    duration: {duration:?},\n    region: \"us-east-1\",\n    quotas: \"faq\",\n    pricebook: \"aws-us-east-1\",\n"
    );
    if load == Load::Burst {
        // A one-minute drain: a sample every 5 s (12 points a chart can
        // show), not one a minute.
        s.push_str("    settings: Settings(sample_interval: \"5s\"),\n");
    }
    s.push_str("    azs: [");
    for (i, az) in AZS.iter().enumerate() {
        let _ = write!(s, "{}Az(id: {az:?})", if i > 0 { ", " } else { "" });
    }
    s.push_str("],\n    accounts: [\n");
    for p in 0..PROVIDERS {
        let _ = writeln!(
            s,
            "        Account(name: \"provider-{}\", id: \"1000000000{:02}\"),",
            p + 1,
            p + 1
        );
    }
    for t in 0..TENANTS {
        let _ = writeln!(
            s,
            "        Account(name: \"tenant-{:04}\", id: \"2000000{:05}\"),",
            t + 1,
            t + 1
        );
    }
    s.push_str("    ],\n    vpcs: [\n");
    for k in 0..SERVICES {
        let n = format!("svc-{:02}", k + 1);
        let _ = write!(
            s,
            "        Vpc(name: \"{n}\", account: \"provider-{}\", cidrs: [\"10.{}.0.0/16\"], subnets: [",
            k % PROVIDERS + 1,
            100 + k
        );
        for (i, az) in AZS.iter().enumerate() {
            let _ = write!(
                s,
                "Subnet(name: \"{n}-{}\", az: {az:?}, cidr: \"10.{}.{}.0/24\"), ",
                AZ_SUFFIX[i],
                100 + k,
                i + 1
            );
        }
        s.push_str("]),\n");
    }
    for t in 0..TENANTS {
        let n = format!("t{:04}", t + 1);
        let _ = write!(
            s,
            "        Vpc(name: \"{n}\", account: \"tenant-{:04}\", cidrs: [\"10.0.0.0/16\"], subnets: [",
            t + 1
        );
        for (i, az) in AZS.iter().enumerate() {
            let _ = write!(
                s,
                "Subnet(name: \"{n}-{}\", az: {az:?}, cidr: \"10.0.{}.0/24\"), ",
                AZ_SUFFIX[i],
                i + 1
            );
        }
        s.push_str("]),\n");
    }
    s.push_str("    ],\n    workloads: [\n");
    let subnets = |n: &str| -> String {
        AZ_SUFFIX
            .iter()
            .map(|x| format!("\"{n}-{x}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for k in 0..SERVICES {
        let n = format!("svc-{:02}", k + 1);
        let _ = writeln!(
            s,
            "        Workload(name: \"{n}-backend\", subnets: [{}], instances: {BACKENDS_PER_SERVICE}, nic: \"1Gbps\"),",
            subnets(&n)
        );
    }
    for t in 0..TENANTS {
        let n = format!("t{:04}", t + 1);
        let _ = writeln!(
            s,
            "        Workload(name: \"{n}-app\", subnets: [{}], instances: {CLIENTS_PER_TENANT}),",
            subnets(&n)
        );
    }
    s.push_str("    ],\n    load_balancers: [\n");
    for k in 0..SERVICES {
        let n = format!("svc-{:02}", k + 1);
        let _ = writeln!(
            s,
            "        Nlb(name: \"{n}-nlb\", subnets: [{}], targets: [\"{n}-backend\"]),",
            subnets(&n)
        );
    }
    s.push_str("    ],\n    services: [\n");
    for k in 0..SERVICES {
        let n = format!("svc-{:02}", k + 1);
        let _ = writeln!(
            s,
            "        EndpointService(name: \"{n}\", nlbs: [\"{n}-nlb\"], acceptance_required: false, allowed_principals: [All]),"
        );
    }
    s.push_str("    ],\n    endpoints: [\n");
    for t in 0..TENANTS {
        let n = format!("t{:04}", t + 1);
        for k in tenant_services(t) {
            let _ = writeln!(
                s,
                "        InterfaceEndpoint(name: \"{n}-svc-{:02}\", vpc: \"{n}\", service: \"svc-{:02}\", subnets: [{}]),",
                k + 1,
                k + 1,
                subnets(&n)
            );
        }
    }
    s.push_str("    ],\n    traffic: [\n");
    for t in 0..TENANTS {
        let n = format!("t{:04}", t + 1);
        for (j, k) in tenant_services(t).into_iter().enumerate() {
            let dns = if j == 0 { "Regional" } else { "Zonal" };
            let arrivals = match load {
                Load::Poisson => format!("Poisson(per_second: {CLASS_RATE:.10})"),
                Load::Burst => format!("Burst(count: {per_class})"),
            };
            let _ = writeln!(
                s,
                "        Traffic(name: \"{n}-svc-{:02}\", from: Workload(\"{n}-app\"), to: Service(name: \"svc-{:02}\", dns: {dns}), arrivals: {arrivals}, request: LogNormal(median: \"4KiB\", sigma: 1.0), response: Pareto(min: \"1.75MiB\", alpha: 1.2, max: \"1GiB\")),",
                k + 1,
                k + 1
            );
        }
    }
    s.push_str("    ],\n)\n");
    s
}

/// Simulated seconds of a trace benchmark of `rows` rows: 60 s while the
/// rows arrive within 30 s (the committed 20,000-row file), else the arrival
/// span plus 60 s to drain, so no row falls after the end of the run.
fn trace_seconds(rows: usize) -> u64 {
    let span = (rows as f64 / TRACE_RATE).ceil() as u64;
    if span <= 30 {
        60
    } else {
        span + 60
    }
}

/// The trace benchmark `name` of `rows` rows: the scenario and its CSV
/// (`<name>.csv`, referenced by the scenario).
fn trace_scenario(name: &str, rows: usize) -> (String, String) {
    let seconds = trace_seconds(rows);
    let mut s = String::new();
    let _ = write!(
        s,
        "// {name} — replays a {rows}-row CSV trace ({name}.csv) over a small\n\
         // PrivateLink fabric with fixed capacities and zero latency, for flow-by-flow\n\
         // comparison with other max-min fair flow simulators.\n\
         //\n\
         // GENERATED FILE — do not edit. Regenerate with:\n\
         //     cargo run --release --example gen_bench\n\
         //\n\
         // Every path is fixed by the row's (source, target), so another simulator can\n\
         // replay the same flows:\n\
         // - sources are single-instance workloads tNN-app-{{a,b,c}} (one per AZ), NIC\n\
         //   4, 10 and 25 Gbps per direction (in AZ a, b and c);\n\
         // - targets are interface endpoints tNN-svc-KK with ONE subnet (one ENI, so\n\
         //   DNS has no choice), each ENI a single 10 Gbps resource shared by both\n\
         //   directions (base = max: no autoscaling);\n\
         // - the ENI's AZ selects the NLB node (cross-zone off) and the one backend\n\
         //   instance of svc-KK-backend in that AZ, NIC 10 Gbps per direction;\n\
         // - every flow is capped at the 5 Gbps single-flow limit;\n\
         // - a connection is a request flow (client NIC tx → ENI → backend NIC rx)\n\
         //   then, at its completion, a response flow (backend NIC tx → ENI → client\n\
         //   NIC rx); latency is zero, so its FCT is response end − row time;\n\
         // - a flow of b bytes at r bit/s finishes after ceil(b × 8e9 / r) ns.\n\
         // Rows arrive Poisson at about {TRACE_RATE}/s (about 70 % of the backends'\n\
         // capacity); request sizes log-normal (median 2 KiB), response sizes Pareto\n\
         // (alpha 1.3, 256 KiB to 1 GiB).\n"
    );
    let _ = write!(
        s,
        "Scenario(\n    name: {name:?},\n    description: \"Benchmark: CSV trace replay over fixed capacities, zero latency\",\n    seed: 7,\n    duration: \"{seconds}s\",\n    region: \"us-east-1\",\n    quotas: \"faq\",\n    quota_overrides: QuotaOverrides(endpoint_az_base: \"10Gbps\", endpoint_az_max: \"10Gbps\", nat_base: \"5Gbps\", nat_max: \"5Gbps\"),\n    pricebook: \"aws-us-east-1\",\n    settings: Settings(latency: Latency(same_az: \"0s\", cross_az: \"0s\", cross_region: \"0s\", direct_connect: \"0s\", per_hop: \"0s\")),\n",
    );
    s.push_str("    azs: [");
    for (i, az) in AZS.iter().enumerate() {
        let _ = write!(s, "{}Az(id: {az:?})", if i > 0 { ", " } else { "" });
    }
    s.push_str("],\n    accounts: [\n        Account(name: \"provider\", id: \"100000000001\"),\n");
    for t in 0..TRACE_TENANTS {
        let _ = writeln!(
            s,
            "        Account(name: \"tenant-{:02}\", id: \"2000000000{:02}\"),",
            t + 1,
            t + 1
        );
    }
    s.push_str("    ],\n    vpcs: [\n");
    for k in 0..TRACE_SERVICES {
        let n = format!("svc-{:02}", k + 1);
        let _ = write!(
            s,
            "        Vpc(name: \"{n}\", account: \"provider\", cidrs: [\"10.{}.0.0/16\"], subnets: [",
            100 + k
        );
        for (i, az) in AZS.iter().enumerate() {
            let _ = write!(
                s,
                "Subnet(name: \"{n}-{}\", az: {az:?}, cidr: \"10.{}.{}.0/24\"), ",
                AZ_SUFFIX[i],
                100 + k,
                i + 1
            );
        }
        s.push_str("]),\n");
    }
    for t in 0..TRACE_TENANTS {
        let n = format!("t{:02}", t + 1);
        let _ = write!(
            s,
            "        Vpc(name: \"{n}\", account: \"tenant-{:02}\", cidrs: [\"10.0.0.0/16\"], subnets: [",
            t + 1
        );
        for (i, az) in AZS.iter().enumerate() {
            let _ = write!(
                s,
                "Subnet(name: \"{n}-{}\", az: {az:?}, cidr: \"10.0.{}.0/24\"), ",
                AZ_SUFFIX[i],
                i + 1
            );
        }
        s.push_str("]),\n");
    }
    s.push_str("    ],\n    workloads: [\n");
    for k in 0..TRACE_SERVICES {
        let n = format!("svc-{:02}", k + 1);
        let _ = writeln!(
            s,
            "        Workload(name: \"{n}-backend\", subnets: [\"{n}-a\", \"{n}-b\", \"{n}-c\"], instances: 3, nic: \"10Gbps\"),"
        );
    }
    let mut clients = Vec::new();
    for t in 0..TRACE_TENANTS {
        let n = format!("t{:02}", t + 1);
        for (x, nic) in AZ_SUFFIX.iter().zip(TRACE_CLIENT_NICS) {
            let _ = writeln!(
                s,
                "        Workload(name: \"{n}-app-{x}\", subnets: [\"{n}-{x}\"], instances: 1, nic: {nic:?}),"
            );
            clients.push((t, format!("{n}-app-{x}")));
        }
    }
    s.push_str("    ],\n    load_balancers: [\n");
    for k in 0..TRACE_SERVICES {
        let n = format!("svc-{:02}", k + 1);
        let _ = writeln!(
            s,
            "        Nlb(name: \"{n}-nlb\", subnets: [\"{n}-a\", \"{n}-b\", \"{n}-c\"], targets: [\"{n}-backend\"]),"
        );
    }
    s.push_str("    ],\n    services: [\n");
    for k in 0..TRACE_SERVICES {
        let n = format!("svc-{:02}", k + 1);
        let _ = writeln!(
            s,
            "        EndpointService(name: \"{n}\", nlbs: [\"{n}-nlb\"], acceptance_required: false, allowed_principals: [All]),"
        );
    }
    s.push_str("    ],\n    endpoints: [\n");
    let mut endpoints: Vec<Vec<String>> = vec![Vec::new(); TRACE_TENANTS];
    for (t, eps) in endpoints.iter_mut().enumerate() {
        let n = format!("t{:02}", t + 1);
        for j in 0..2 {
            let k = (t + j) % TRACE_SERVICES;
            // Spread each service's endpoints over the AZs, so all 9
            // backends carry traffic (the busiest about 70 %).
            let az = (t / TRACE_SERVICES + j) % AZS.len();
            let name = format!("{n}-svc-{:02}", k + 1);
            let _ = writeln!(
                s,
                "        InterfaceEndpoint(name: \"{name}\", vpc: \"{n}\", service: \"svc-{:02}\", subnets: [\"{n}-{}\"]),",
                k + 1,
                AZ_SUFFIX[az]
            );
            eps.push(name);
        }
    }
    s.push_str("    ],\n    traffic: [\n");
    let _ = writeln!(
        s,
        "        // Every row names its source and target; the class's own are defaults.\n        Traffic(name: \"trace\", from: Workload({:?}), to: Endpoint(name: {:?}), arrivals: Trace(file: \"{name}.csv\")),",
        clients[0].1, endpoints[0][0]
    );
    s.push_str("    ],\n)\n");

    // The trace: Poisson arrivals, a client picked uniformly, one of its
    // tenant's two endpoints, log-normal requests, Pareto responses.
    let mut rng = ChaCha8Rng::seed_from_u64(0x7ace);
    let mut csv = String::with_capacity(rows * 48);
    csv.push_str("time,source,target,request_bytes,response_bytes\n");
    let mut t_ns: u64 = 0;
    for _ in 0..rows {
        let u: f64 = 1.0 - rng.random::<f64>();
        t_ns += ((-u.ln() / TRACE_RATE) * 1e9).ceil().max(1.0) as u64;
        let (tenant, client) = &clients[rng.random_range(0..clients.len())];
        let target = &endpoints[*tenant][rng.random_range(0..2usize)];
        // Log-normal by Box–Muller: median 2 KiB, sigma 1.
        let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let request = (2048.0 * z.exp()).round().max(1.0) as u64;
        let u: f64 = 1.0 - rng.random::<f64>();
        let response = (262_144.0 / u.powf(1.0 / 1.3)).min(1_073_741_824.0).round() as u64;
        let _ = writeln!(
            csv,
            "{}.{:09},{client},{target},{request},{response}",
            t_ns / 1_000_000_000,
            t_ns % 1_000_000_000
        );
    }
    (s, csv)
}
