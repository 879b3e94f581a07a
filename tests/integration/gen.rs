//! Random *valid* scenarios for property tests, written as RON text so that
//! every generated case also goes through the loader and its validation.
//!
//! The generator reads its choices from a [`Tape`] of small numbers that
//! proptest generates and shrinks: a shorter tape, or smaller numbers on it,
//! give a simpler scenario (fewer VPCs, classes and events, the first
//! variant of each choice), so a failing case shrinks to a small one.
//!
//! What a scenario may hold: 1–3 accounts; 2–5 VPCs with subnets in 1–3 AZs
//! (sometimes a CIDR overlapping the first VPC's); a workload per VPC; 1–2
//! endpoint services with 1–2 NLBs each (and sometimes a spare NLB for
//! `AddNlb`); 0–4 interface endpoints; 0–3 peerings; sometimes a transit
//! gateway, a NAT gateway, an on-premises site with a Direct Connect link
//! (and sometimes a backup link); 1–4 traffic classes with every arrival
//! process but `Trace` and every size distribution; 0–7 events of every
//! lifecycle and failure kind. Durations are 1–4 s, so a case runs in
//! milliseconds.

use std::fmt::Write;

/// The choices a scenario is built from.
#[derive(Debug, Clone)]
pub struct Tape {
    values: Vec<u16>,
    at: usize,
}

impl Tape {
    pub fn new(values: Vec<u16>) -> Self {
        Tape { values, at: 0 }
    }

    /// The next choice in `0..n` (0 once the tape is used up).
    pub fn next(&mut self, n: usize) -> usize {
        let v = self.values.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        if n == 0 {
            0
        } else {
            usize::from(v) % n
        }
    }

    /// A choice in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.next(hi - lo + 1)
    }

    /// True with probability about `percent` %.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.next(100) >= 100 - percent
    }
}

struct Vpc {
    account: usize,
    /// Second octet of the CIDR (0 when it overlaps the first VPC).
    octet: usize,
    /// AZ numbers (1-based) of its subnets.
    azs: Vec<usize>,
    nat: bool,
    dx: bool,
}

struct Service {
    nlbs: Vec<String>,
    spare: Option<String>,
    principals: Vec<String>,
}

struct Endpoint {
    name: String,
    vpc: usize,
    service: usize,
}

fn subnet_names(i: usize, v: &Vpc) -> Vec<String> {
    v.azs.iter().map(|az| format!("v{i}-s{az}")).collect()
}

fn quoted(list: &[String]) -> String {
    list.iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn size(t: &mut Tape) -> String {
    let sizes = ["1KiB", "16KiB", "256KiB", "1MiB", "8MiB", "64MiB", "512MiB"];
    let pick = |t: &mut Tape| sizes[t.next(sizes.len())].to_string();
    match t.next(5) {
        0 => format!("Fixed({:?})", pick(t)),
        1 => {
            let a = t.next(4);
            let b = a + t.next(3);
            format!("Uniform(min: {:?}, max: {:?})", sizes[a], sizes[b])
        }
        2 => format!(
            "LogNormal(median: {:?}, sigma: {}.{})",
            pick(t),
            t.next(3),
            t.next(10)
        ),
        3 => {
            let min = sizes[t.next(3)];
            let max = if t.chance(50) {
                format!(", max: {:?}", sizes[3 + t.next(4)])
            } else {
                String::new()
            };
            format!("Pareto(min: {min:?}, alpha: 1.{}{max})", 1 + t.next(9))
        }
        _ => {
            let a = t.next(3);
            format!(
                "Empirical([({:?}, 0.{}), ({:?}, 1.0)])",
                sizes[a],
                t.range(1, 9),
                sizes[a + 1 + t.next(3)]
            )
        }
    }
}

fn dns(t: &mut Tape, azs: usize) -> String {
    match t.next(4) {
        0 => "Regional".to_string(),
        1 => "Zonal".to_string(),
        2 => format!("ZonalIn(\"use1-az{}\")", 1 + t.next(azs)),
        _ => format!("Mixed(0.{})", t.next(10)),
    }
}

/// Builds a valid scenario from the tape.
pub fn scenario(t: &mut Tape, seed: u64) -> String {
    let duration_ms = 1000 * t.range(1, 4);
    let n_accounts = t.range(1, 3);
    let n_vpcs = t.range(2, 5);
    let mut vpcs = Vec::new();
    for i in 0..n_vpcs {
        let first = 1 + t.next(3);
        let count = t.range(1, 3);
        let azs: Vec<usize> = (0..count).map(|k| 1 + (first - 1 + k) % 3).collect();
        vpcs.push(Vpc {
            account: t.next(n_accounts),
            octet: if i > 0 && t.chance(15) { 0 } else { i },
            azs,
            nat: false,
            dx: false,
        });
    }
    let nat_vpc = t.chance(30).then(|| t.next(n_vpcs));
    if let Some(v) = nat_vpc {
        vpcs[v].nat = true;
    }
    let dx_vpc = t.chance(35).then(|| t.next(n_vpcs));
    if let Some(v) = dx_vpc {
        vpcs[v].dx = true;
    }
    let backup_dx = dx_vpc.is_some() && t.chance(50);

    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "Scenario(\n    name: \"gen\",\n    seed: {seed},");
    let _ = writeln!(w, "    duration: \"{duration_ms}ms\",");
    let quotas = if t.chance(30) { "aws-current" } else { "faq" };
    let _ = writeln!(w, "    quotas: {quotas:?},");
    let _ = writeln!(
        w,
        "    settings: Settings(sample_interval: \"{}ms\"),",
        100 * t.range(1, 5)
    );
    let _ = writeln!(w, "    accounts: [");
    for a in 0..n_accounts {
        let _ = writeln!(
            w,
            "        Account(name: \"a{a}\", id: \"{:012}\"),",
            100_000_000_000u64 + a as u64
        );
    }
    let _ = writeln!(w, "    ],\n    vpcs: [");
    for (i, v) in vpcs.iter().enumerate() {
        let o = v.octet;
        let _ = write!(
            w,
            "        Vpc(name: \"v{i}\", account: \"a{}\", cidrs: [\"10.{o}.0.0/16\"], internet_gateway: {}, vpn_gateway: {},\n            subnets: [",
            v.account, v.nat, v.dx
        );
        for az in &v.azs {
            let _ = write!(
                w,
                "Subnet(name: \"v{i}-s{az}\", az: \"use1-az{az}\", cidr: \"10.{o}.{az}.0/24\"), "
            );
        }
        if v.nat {
            let _ = write!(
                w,
                "Subnet(name: \"v{i}-pub\", az: \"use1-az{}\", cidr: \"10.{o}.100.0/24\", route_table: \"public\"), ",
                v.azs[0]
            );
        }
        let _ = write!(w, "]");
        if v.nat {
            let _ = write!(
                w,
                ",\n            route_tables: [RouteTable(name: \"main\", routes: [Route(to: \"0.0.0.0/0\", via: NatGateway(\"nat\"))]), RouteTable(name: \"public\", routes: [Route(to: \"0.0.0.0/0\", via: InternetGateway)])]"
            );
        }
        let _ = writeln!(w, "),");
    }
    let _ = writeln!(w, "    ],\n    workloads: [");
    let nics = ["1Gbps", "10Gbps", "25Gbps"];
    for (i, v) in vpcs.iter().enumerate() {
        let _ = writeln!(
            w,
            "        Workload(name: \"w{i}\", subnets: [{}], instances: {}, nic: {:?}),",
            quoted(&subnet_names(i, v)),
            t.range(1, 4),
            nics[t.next(3)]
        );
    }
    let _ = writeln!(w, "    ],");

    // Services, each with its own NLBs (and maybe a spare one), in one VPC.
    let n_services = t.range(1, 2);
    let mut services = Vec::new();
    let _ = writeln!(w, "    load_balancers: [");
    for k in 0..n_services {
        let vpc = t.next(n_vpcs);
        let n_nlbs = t.range(1, 2);
        let spare = t.chance(30);
        let mut nlbs = Vec::new();
        for m in 0..n_nlbs + usize::from(spare) {
            let name = format!("s{k}-nlb{m}");
            let _ = writeln!(
                w,
                "        Nlb(name: {name:?}, subnets: [{}], targets: [\"w{vpc}\"], cross_zone: {}),",
                quoted(&subnet_names(vpc, &vpcs[vpc])),
                t.chance(50)
            );
            nlbs.push(name);
        }
        let spare = spare.then(|| nlbs.pop().unwrap_or_default());
        let principals = if t.chance(40) {
            vec!["All".to_string()]
        } else {
            let mut p: Vec<String> = (0..n_accounts)
                .filter(|_| t.chance(60))
                .map(|a| format!("Account(\"{:012}\")", 100_000_000_000u64 + a as u64))
                .collect();
            p.dedup();
            p
        };
        services.push(Service {
            nlbs,
            spare,
            principals,
        });
    }
    let _ = writeln!(w, "    ],\n    services: [");
    for (k, s) in services.iter().enumerate() {
        let _ = writeln!(
            w,
            "        EndpointService(name: \"s{k}\", nlbs: [{}], acceptance_required: {}, allowed_principals: [{}]),",
            quoted(&s.nlbs),
            t.chance(50),
            s.principals.join(", ")
        );
    }
    let _ = writeln!(w, "    ],\n    endpoints: [");
    let at_least_one = usize::from(t.chance(85));
    let n_endpoints = t.range(at_least_one, 4);
    let mut endpoints = Vec::new();
    let mut late = Vec::new();
    for m in 0..n_endpoints {
        let vpc = t.next(n_vpcs);
        let service = t.next(n_services);
        let names = subnet_names(vpc, &vpcs[vpc]);
        let mut chosen: Vec<String> = names.iter().filter(|_| t.chance(70)).cloned().collect();
        if chosen.is_empty() {
            chosen.push(names[0].clone());
        }
        let name = format!("e{m}");
        let _ = writeln!(
            w,
            "        InterfaceEndpoint(name: {name:?}, vpc: \"v{vpc}\", service: \"s{service}\", subnets: [{}]),",
            quoted(&chosen)
        );
        if t.chance(20) {
            late.push(name.clone());
        }
        endpoints.push(Endpoint { name, vpc, service });
    }
    let _ = writeln!(w, "    ],\n    peerings: [");
    let mut pairs = Vec::new();
    for m in 0..t.next(4) {
        let a = t.next(n_vpcs);
        let b = t.next(n_vpcs);
        if a == b || pairs.contains(&(a.min(b), a.max(b))) {
            continue;
        }
        pairs.push((a.min(b), a.max(b)));
        let _ = writeln!(
            w,
            "        Peering(name: \"p{m}\", requester: \"v{a}\", accepter: \"v{b}\", accepted: {}),",
            !t.chance(15)
        );
    }
    let _ = writeln!(w, "    ],");
    if t.chance(30) {
        let attached: Vec<usize> = (0..n_vpcs).filter(|_| t.chance(60)).collect();
        if attached.len() >= 2 {
            let _ = writeln!(
                w,
                "    transit_gateways: [TransitGateway(name: \"tgw\", account: \"a0\", attachments: ["
            );
            for i in attached {
                let _ = writeln!(
                    w,
                    "        TgwAttachment(name: \"att{i}\", target: Vpc(\"v{i}\"), subnets: [{}]),",
                    quoted(&subnet_names(i, &vpcs[i]))
                );
            }
            let _ = writeln!(w, "    ])],");
        }
    }
    if let Some(v) = nat_vpc {
        let _ = writeln!(
            w,
            "    nat_gateways: [NatGateway(name: \"nat\", subnet: \"v{v}-pub\")],"
        );
    }
    if let Some(v) = dx_vpc {
        let _ = writeln!(
            w,
            "    sites: [Site(name: \"dc\", cidrs: [\"192.168.0.0/16\"], hosts: {}, nic: {:?})],",
            t.range(1, 8),
            nics[t.next(2)]
        );
        let _ = writeln!(
            w,
            "    direct_connects: [\n        DirectConnect(name: \"dx0\", account: \"a0\", site: \"dc\", speed: {:?}, vifs: [Vif(name: \"vif0\", kind: Private(\"v{v}\"))]),",
            nics[t.next(2)]
        );
        if backup_dx {
            let _ = writeln!(
                w,
                "        DirectConnect(name: \"dx1\", account: \"a0\", site: \"dc\", speed: \"1Gbps\", kind: Hosted, vifs: [Vif(name: \"vif1\", kind: Private(\"v{v}\"))]),"
            );
        }
        let _ = writeln!(w, "    ],");
    }

    // Traffic.
    let _ = writeln!(w, "    traffic: [");
    for c in 0..t.range(1, 4) {
        // Mostly paths that can work (an endpoint from its own VPC, a
        // workload in the same or a peered VPC, the site over DX), so that
        // bytes flow and events cut them; the rest anything at all.
        let wl = |i: usize| format!("Workload(\"w{i}\")");
        let (from, to) = match t.next(10) {
            0..=3 if !endpoints.is_empty() => {
                let e = &endpoints[t.next(endpoints.len())];
                let to = if t.chance(60) {
                    format!("Service(name: \"s{}\", dns: {})", e.service, dns(t, 3))
                } else {
                    format!("Endpoint(name: {:?}, dns: {})", e.name, dns(t, 3))
                };
                (wl(e.vpc), to)
            }
            4 | 5 => {
                let i = t.next(n_vpcs);
                let peers: Vec<usize> = pairs
                    .iter()
                    .filter_map(|&(a, b)| (a == i).then_some(b).or((b == i).then_some(a)))
                    .collect();
                let j = if !peers.is_empty() && t.chance(60) {
                    peers[t.next(peers.len())]
                } else {
                    i
                };
                (wl(i), wl(j))
            }
            6 if dx_vpc.is_some() => {
                let v = dx_vpc.unwrap_or(0);
                let on_v: Vec<&Endpoint> = endpoints.iter().filter(|e| e.vpc == v).collect();
                match t.next(3) {
                    0 if !on_v.is_empty() => (
                        "Site(\"dc\")".to_string(),
                        format!(
                            "Endpoint(name: {:?}, dns: Regional)",
                            on_v[t.next(on_v.len())].name
                        ),
                    ),
                    1 => (wl(v), "Site(\"dc\")".to_string()),
                    _ => ("Site(\"dc\")".to_string(), wl(v)),
                }
            }
            _ => {
                let from_site = dx_vpc.is_some() && t.chance(25);
                let from = if from_site {
                    "Site(\"dc\")".to_string()
                } else {
                    wl(t.next(n_vpcs))
                };
                let to = match t.next(6) {
                    0 | 1 => format!(
                        "Service(name: \"s{}\", dns: {})",
                        t.next(n_services),
                        dns(t, 3)
                    ),
                    2 if !endpoints.is_empty() => format!(
                        "Endpoint(name: \"e{}\", dns: {})",
                        t.next(endpoints.len()),
                        dns(t, 3)
                    ),
                    3 if dx_vpc.is_some() && !from_site => "Site(\"dc\")".to_string(),
                    4 => ["Aws(S3)", "Aws(DynamoDB)", "Internet"][t.next(3)].to_string(),
                    _ => wl(t.next(n_vpcs)),
                };
                (from, to)
            }
        };
        let rate = [1, 5, 20, 50, 100][t.next(5)];
        let arrivals = match t.next(5) {
            0 => format!("Constant(per_second: {rate}.0)"),
            1 => format!("Poisson(per_second: {rate}.0)"),
            2 => format!(
                "OnOff(per_second: {rate}.0, on: \"{}ms\", off: \"{}ms\")",
                100 * t.range(1, 5),
                100 * t.range(1, 5)
            ),
            3 => format!(
                "Diurnal(peak_per_second: {rate}.0, trough_per_second: {}.0, peak_at: \"{}h\")",
                t.next(rate + 1),
                t.next(24)
            ),
            _ => format!("Burst(count: {})", t.range(1, 200)),
        };
        let window = if t.chance(25) {
            let start = 100 * t.next(duration_ms / 200);
            let end = start + 100 * t.range(1, (duration_ms - start) / 100);
            format!(", start: \"{start}ms\", end: \"{end}ms\"")
        } else {
            String::new()
        };
        let name = format!("t{c}");
        let _ = writeln!(
            w,
            "        Traffic(name: {name:?}, from: {from}, to: {to}, arrivals: {arrivals}, request: {}, response: {}{window}),",
            size(t),
            size(t)
        );
    }
    let _ = writeln!(w, "    ],");

    // Events.
    let _ = writeln!(w, "    events: [");
    let at = |t: &mut Tape| format!("{}ms", 50 * t.next(duration_ms / 50 + 1));
    for e in &late {
        let _ = writeln!(
            w,
            "        At({:?}, CreateEndpoint(endpoint: {e:?})),",
            at(t)
        );
    }
    // Most endpoints get accepted early (acceptance may be required).
    for e in &endpoints {
        if t.chance(70) {
            let _ = writeln!(
                w,
                "        At(\"{}ms\", Accept(service: \"s{}\", endpoint: {:?})),",
                50 * t.next(4),
                e.service,
                e.name
            );
        }
    }
    for _ in 0..t.next(8) {
        let when = at(t);
        let ev = match t.next(9) {
            0..=2 if !endpoints.is_empty() => {
                let e = &endpoints[t.next(endpoints.len())];
                let kind = [
                    "Accept",
                    "Accept",
                    "Reject",
                    "Suspend",
                    "Resume",
                    "Terminate",
                ][t.next(6)];
                format!(
                    "{kind}(service: \"s{}\", endpoint: {:?})",
                    e.service, e.name
                )
            }
            3 => {
                let span = if t.chance(70) {
                    format!(", for: \"{}ms\"", 100 * t.range(1, 10))
                } else {
                    String::new()
                };
                format!("AzOutage(az: \"use1-az{}\"{span})", 1 + t.next(3))
            }
            4 if dx_vpc.is_some() => {
                let dx = if backup_dx { t.next(2) } else { 0 };
                if t.chance(20) {
                    format!("DxUp(dx: \"dx{dx}\")")
                } else {
                    let span = if t.chance(70) {
                        format!(", for: \"{}ms\"", 100 * t.range(1, 10))
                    } else {
                        String::new()
                    };
                    format!("DxDown(dx: \"dx{dx}\"{span})")
                }
            }
            5 => {
                let k = t.next(n_services);
                let account = format!(
                    "Account(\"{:012}\")",
                    100_000_000_000u64 + t.next(n_accounts) as u64
                );
                let p = if services[k].principals.is_empty() {
                    account
                } else {
                    services[k].principals[t.next(services[k].principals.len())].clone()
                };
                let kind = if t.chance(25) {
                    "AllowPrincipal"
                } else {
                    "RemovePrincipal"
                };
                format!("{kind}(service: \"s{k}\", principal: {p})")
            }
            6 => {
                let k = t.next(n_services);
                let s = &services[k];
                match (&s.spare, t.chance(50)) {
                    (Some(spare), true) => format!("AddNlb(service: \"s{k}\", nlb: {spare:?})"),
                    _ => format!(
                        "RemoveNlb(service: \"s{k}\", nlb: {:?})",
                        s.nlbs[t.next(s.nlbs.len())]
                    ),
                }
            }
            7 if !endpoints.is_empty() => {
                let e = &endpoints[t.next(endpoints.len())];
                let kind = if t.chance(70) {
                    "DeleteEndpoint"
                } else {
                    "CreateEndpoint"
                };
                format!("{kind}(endpoint: {:?})", e.name)
            }
            _ => format!("AzRecover(az: \"use1-az{}\")", 1 + t.next(3)),
        };
        let _ = writeln!(w, "        At({when:?}, {ev}),");
    }
    let _ = writeln!(w, "    ],");
    let _ = writeln!(w, ")");
    out
}

/// The same scenario with an unrelated traffic class added: its own VPC
/// (172.31.0.0/16) and workload, talking to itself. It shares no resource,
/// name or random stream with the other classes.
pub fn with_unrelated_class(ron: &str) -> String {
    let vpc = "        Vpc(name: \"iso\", account: \"a0\", cidrs: [\"172.31.0.0/16\"], subnets: [Subnet(name: \"iso-s\", az: \"use1-az1\", cidr: \"172.31.1.0/24\")]),\n";
    let workload = "        Workload(name: \"iso-w\", subnets: [\"iso-s\"], instances: 2),\n";
    let class = "        Traffic(name: \"iso-t\", from: Workload(\"iso-w\"), to: Workload(\"iso-w\"), arrivals: Poisson(per_second: 50.0), response: LogNormal(median: \"64KiB\", sigma: 1.0)),\n";
    let mut s = ron.to_string();
    for (anchor, add) in [
        ("    ],\n    workloads: [\n", vpc),
        ("    ],\n    load_balancers: [\n", workload),
        ("    ],\n    events: [\n", class),
    ] {
        let at = s
            .find(anchor)
            .unwrap_or_else(|| panic!("generator layout changed: {anchor:?} not found"));
        s.insert_str(at, add);
    }
    s
}

/// `ron` with a copy of its first traffic class (same source and target,
/// another name): the copy shares endpoints, DNS answers and NLB picks
/// with the original.
pub fn with_copied_class(ron: &str) -> Option<String> {
    let start = ron.find("        Traffic(name: \"")?;
    let end = start + ron[start..].find('\n')? + 1;
    let line = &ron[start..end];
    let copy = line.replacen("Traffic(name: \"", "Traffic(name: \"copy-of-", 1);
    let mut s = ron.to_string();
    s.insert_str(end, &copy);
    Some(s)
}
