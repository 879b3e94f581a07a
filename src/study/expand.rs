//! From a study to its points, and from a point to the scenario it runs.
//!
//! Points are enumerated variant-major, then by sweep axis in file order
//! (the first axis outermost), then by replication. A point's index is its
//! rank in that order; its id starts with the zero-padded index, so sorting
//! by id is sorting by index. Its seed is derived from the study seed and
//! its coordinates only (variant name, axis values, replication), never from
//! its index or from what else is in the sweep.

use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::engine;
use crate::load::Loaded;
use crate::scenario::{
    self, Account, Arrivals, AttachmentTarget, Cidr, Dns, Event, Peering, Principal, Problem,
    Scenario, ScenarioError, Source, Subnet, Target, TgwAttachment, TimedEvent, Traffic,
    TransitGateway, Vpc, Workload,
};
use crate::units::SimDuration;

use super::load::{max_consumers, replication_count, resolve_file_ref, value_label};
use super::spec::{Architecture, Axis, CidrPlan, Element, LoadedStudy, Template, Variant};
use super::StudyError;

/// One point of a study: a variant, a value of every axis, a replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Rank in enumeration order.
    pub index: usize,
    /// `0007-peering-consumers126-r0`: index, variant, axis values, replication.
    pub id: String,
    pub variant: String,
    /// Swept axis values (`None`: the axis is not swept).
    pub consumers: Option<u32>,
    pub load: Option<f64>,
    pub zonal_share: Option<f64>,
    pub azs: Option<u32>,
    pub replication: u32,
    /// Root seed of the point's run.
    pub seed: u64,
}

impl Point {
    /// Whether `other` is this point in another replication: only the
    /// enumeration rank, id, replication and seed differ, so both generate
    /// the same scenario but for its name and seed. Every field is named
    /// here, so a new axis cannot be forgotten.
    pub(crate) fn same_design(&self, other: &Point) -> bool {
        let Point {
            index: _,
            id: _,
            variant,
            consumers,
            load,
            zonal_share,
            azs,
            replication: _,
            seed: _,
        } = self;
        *variant == other.variant
            && *consumers == other.consumers
            && *load == other.load
            && *zonal_share == other.zonal_share
            && *azs == other.azs
    }
}

/// Every point of the study, in index order.
pub fn points(ls: &LoadedStudy) -> Vec<Point> {
    let s = &ls.study;
    let variants: Vec<String> = if s.variants.is_empty() {
        vec!["base".to_string()]
    } else {
        s.variants.iter().map(|v| v.name.clone()).collect()
    };
    let reps = replication_count(s);
    // Loading refused a study whose count overflows or is above the cap.
    let combos: usize = s
        .sweep
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.len().max(1)))
        .unwrap_or(0);
    let total = super::load::point_count(s).unwrap_or(0);
    let width = total.saturating_sub(1).to_string().len().max(4);
    let mut out = Vec::with_capacity(total);
    for variant in &variants {
        for combo in 0..combos {
            // Mixed-radix digits of `combo`, the first axis most significant.
            let mut rest = combo;
            let mut digits = vec![0usize; s.sweep.len()];
            for (k, a) in s.sweep.iter().enumerate().rev() {
                let n = a.len().max(1);
                digits[k] = rest % n;
                rest /= n;
            }
            for rep in 0..reps {
                let mut p = Point {
                    index: out.len(),
                    id: String::new(),
                    variant: variant.clone(),
                    consumers: None,
                    load: None,
                    zonal_share: None,
                    azs: None,
                    replication: rep,
                    seed: 0,
                };
                let mut coords = format!("variant={variant}");
                let mut id = format!("{:0width$}-{variant}", p.index);
                for (k, a) in s.sweep.iter().enumerate() {
                    let j = digits[k];
                    match a {
                        Axis::Consumers(v) => p.consumers = Some(v[j]),
                        Axis::Load(v) => p.load = Some(v[j]),
                        Axis::ZonalShare(v) => p.zonal_share = Some(v[j]),
                        Axis::Azs(v) => p.azs = Some(v[j]),
                    }
                    let label = value_label(a, j);
                    coords.push_str(&format!("/{}={label}", a.name()));
                    id.push_str(&format!("-{}{label}", short(a)));
                }
                coords.push_str(&format!("/replication={rep}"));
                id.push_str(&format!("-r{rep}"));
                p.seed = match &s.seeds {
                    Some(v) => v[rep as usize],
                    None => point_seed(s.seed, &coords),
                };
                p.id = id;
                out.push(p);
            }
        }
    }
    out
}

/// The seed of the point with these coordinates: the first draw of the
/// study seed's random stream named `point:<coordinates>`.
pub fn point_seed(study_seed: u64, coords: &str) -> u64 {
    engine::rng_stream(study_seed, &format!("point:{coords}")).next_u64()
}

fn short(a: &Axis) -> &'static str {
    match a {
        Axis::Consumers(_) => "n",
        Axis::Load(_) => "load",
        Axis::ZonalShare(_) => "zonal",
        Axis::Azs(_) => "az",
    }
}

/// Whether point `index` belongs to shard `i` of `n` (round-robin, so every
/// shard gets a similar mix of small and large points).
pub fn in_shard(index: usize, shard: (usize, usize)) -> bool {
    index % shard.1 == shard.0
}

/// The scenario point `p` runs: the base with the variant applied, the
/// templates expanded with the point's axis values, the load applied, and
/// the point's seed. It is validated like a scenario file.
pub fn scenario_for(ls: &LoadedStudy, p: &Point) -> Result<Scenario, StudyError> {
    let sc = build_point(ls, p)?;
    let problems = crate::load::validate(&sc);
    if problems.is_empty() {
        Ok(sc)
    } else {
        Err(StudyError::Point {
            point: p.id.clone(),
            problems,
        })
    }
}

/// The scenario of point `p` loaded (validated once, its referenced files
/// read), ready to run.
pub fn loaded_for(ls: &LoadedStudy, p: &Point) -> Result<Loaded, StudyError> {
    loaded_for_with(ls, p, &crate::load::LoadOptions::default())
}

/// [`loaded_for`] reading the referenced files through `opts` (a caching
/// source when every point of a study is checked).
pub(crate) fn loaded_for_with(
    ls: &LoadedStudy,
    p: &Point,
    opts: &crate::load::LoadOptions,
) -> Result<Loaded, StudyError> {
    let sc = build_point(ls, p)?;
    Loaded::with_options(sc, opts).map_err(|e| match e {
        ScenarioError::Invalid { problems, .. } => StudyError::Point {
            point: p.id.clone(),
            problems,
        },
        other => StudyError::Point {
            point: p.id.clone(),
            problems: vec![scenario::Problem {
                path: String::new(),
                message: other.to_string(),
            }],
        },
    })
}

/// The point's scenario, not yet validated.
fn build_point(ls: &LoadedStudy, p: &Point) -> Result<Scenario, StudyError> {
    let s = &ls.study;
    let mut sc = ls.base.clone();
    append(&mut sc, &s.add);
    let variant = s.variants.iter().find(|v| v.name == p.variant);
    if let Some(v) = variant {
        apply_variant(&mut sc, v, ls)?;
    }
    let width = s
        .templates
        .iter()
        .map(|t| max_consumers(s, t.count).max(t.count))
        .max()
        .unwrap_or(0)
        .to_string()
        .len()
        .max(3);
    for t in &s.templates {
        expand_template(&mut sc, t, variant, p, width)?;
    }
    let load = p.load.unwrap_or(1.0);
    if load != 1.0 {
        for t in &mut sc.traffic {
            scale_arrivals(&mut t.arrivals, load);
        }
    }
    sc.seed = p.seed;
    sc.name = p.id.chars().take(100).collect();
    if let Some(v) = variant {
        if !v.description.is_empty() {
            sc.description = format!("{} — {}", sc.description, v.description);
        }
    }
    Ok(sc)
}

fn point_err(p: &Point, path: &str, message: String) -> StudyError {
    StudyError::Point {
        point: p.id.clone(),
        problems: vec![Problem {
            path: path.to_string(),
            message,
        }],
    }
}

fn apply_variant(sc: &mut Scenario, v: &Variant, ls: &LoadedStudy) -> Result<(), StudyError> {
    if let Some(q) = &v.quotas {
        sc.quotas = resolve_file_ref(q, ls.dir());
    }
    if let Some(o) = &v.quota_overrides {
        sc.quota_overrides = o.clone();
    }
    if let Some(pb) = &v.pricebook {
        sc.pricebook = Some(resolve_file_ref(pb, ls.dir()));
    }
    if let Some(r) = &v.rules {
        sc.rules = Some(r.clone());
    }
    if let Some(c) = v.consolidated_billing {
        sc.settings.consolidated_billing = c;
    }
    if let Some(d) = v.duration {
        sc.duration = d;
    }
    for e in &v.remove {
        remove(sc, e);
    }
    append(sc, &v.add);
    Ok(())
}

/// Appends every element of `a` to the scenario.
fn append(sc: &mut Scenario, a: &super::spec::Elements) {
    let a = a.clone();
    sc.accounts.extend(a.accounts);
    sc.vpcs.extend(a.vpcs);
    sc.security_groups.extend(a.security_groups);
    sc.workloads.extend(a.workloads);
    sc.load_balancers.extend(a.load_balancers);
    sc.services.extend(a.services);
    sc.endpoints.extend(a.endpoints);
    sc.gateway_endpoints.extend(a.gateway_endpoints);
    sc.peerings.extend(a.peerings);
    sc.transit_gateways.extend(a.transit_gateways);
    sc.nat_gateways.extend(a.nat_gateways);
    sc.sites.extend(a.sites);
    sc.direct_connects.extend(a.direct_connects);
    sc.traffic.extend(a.traffic);
    sc.events.extend(a.events);
    sc.expect.extend(a.expect);
}

fn remove(sc: &mut Scenario, e: &Element) {
    match e {
        Element::Account(n) => sc.accounts.retain(|x| &x.name != n),
        Element::Vpc(n) => sc.vpcs.retain(|x| &x.name != n),
        Element::SecurityGroup(n) => sc.security_groups.retain(|x| &x.name != n),
        Element::Workload(n) => sc.workloads.retain(|x| &x.name != n),
        Element::Nlb(n) => sc.load_balancers.retain(|x| &x.name != n),
        Element::Service(n) => sc.services.retain(|x| &x.name != n),
        Element::Endpoint(n) => sc.endpoints.retain(|x| &x.name != n),
        Element::GatewayEndpoint(n) => sc.gateway_endpoints.retain(|x| &x.name != n),
        Element::Peering(n) => sc.peerings.retain(|x| &x.name != n),
        Element::TransitGateway(n) => sc.transit_gateways.retain(|x| &x.name != n),
        Element::NatGateway(n) => sc.nat_gateways.retain(|x| &x.name != n),
        Element::Site(n) => sc.sites.retain(|x| &x.name != n),
        Element::DirectConnect(n) => sc.direct_connects.retain(|x| &x.name != n),
        Element::Traffic(n) => sc.traffic.retain(|x| &x.name != n),
        Element::Events(k) => sc.events.retain(|x| x.event().kind() != k),
        Element::Expectations => sc.expect.clear(),
    }
}

/// Multiplies a class's arrival rate by `k` (trace replays are unchanged).
pub fn scale_arrivals(a: &mut Arrivals, k: f64) {
    match a {
        Arrivals::Constant { per_second }
        | Arrivals::Poisson { per_second }
        | Arrivals::OnOff { per_second, .. } => *per_second *= k,
        Arrivals::Diurnal {
            peak_per_second,
            trough_per_second,
            ..
        } => {
            *peak_per_second *= k;
            *trough_per_second *= k;
        }
        Arrivals::Burst { count } => *count = ((*count as f64) * k).round().max(1.0) as u32,
        Arrivals::Trace { .. } => {}
    }
}

/// The consumers' VPC blocks: `count` blocks by the plan, none overlapping
/// an existing VPC for a distinct plan.
fn consumer_blocks(
    plan: &CidrPlan,
    count: u32,
    taken: &[Cidr],
    p: &Point,
    at: &str,
) -> Result<Vec<Ipv4Net>, StudyError> {
    match plan {
        CidrPlan::Overlapping(c) => match c.0 {
            IpNet::V4(n) => Ok(vec![n; count as usize]),
            IpNet::V6(_) => Err(point_err(p, at, "consumer blocks are IPv4".into())),
        },
        CidrPlan::Distinct { from, prefix } => {
            let IpNet::V4(from) = from.0 else {
                return Err(point_err(p, at, "consumer blocks are IPv4".into()));
            };
            let step: u64 = 1u64 << (32 - u32::from(*prefix));
            let blocks: u64 = 1u64 << (u32::from(*prefix) - u32::from(from.prefix_len()));
            let start = u64::from(u32::from(from.network()));
            let mut out = Vec::with_capacity(count as usize);
            let mut k = 0u64;
            while out.len() < count as usize {
                if k >= blocks {
                    return Err(point_err(
                        p,
                        at,
                        format!(
                            "{from} holds {blocks} blocks of /{prefix}, too few for {count} consumers besides the VPCs already there; use a larger `from` or a longer prefix"
                        ),
                    ));
                }
                let addr = Ipv4Addr::from((start + k * step) as u32);
                k += 1;
                let Ok(net) = Ipv4Net::new(addr, *prefix) else {
                    continue;
                };
                let c = Cidr(IpNet::V4(net));
                if taken.iter().any(|t| t.overlaps(&c)) {
                    continue;
                }
                out.push(net);
            }
            Ok(out)
        }
    }
}

fn expand_template(
    sc: &mut Scenario,
    t: &Template,
    v: Option<&Variant>,
    p: &Point,
    width: usize,
) -> Result<(), StudyError> {
    let count = p.consumers.unwrap_or(t.count);
    let k = p
        .azs
        .or(t.az_count)
        .unwrap_or(t.azs.len() as u32)
        .min(t.azs.len() as u32) as usize;
    let azs = &t.azs[..k];
    let arch = v.and_then(|v| v.architecture).unwrap_or(t.architecture);
    check_size(t, p, count, arch)?;
    let dns = match p.zonal_share {
        Some(share) => Dns::Mixed(share),
        None => v
            .and_then(|v| v.dns.clone())
            .unwrap_or_else(|| t.dns.clone()),
    };
    let plan = v
        .and_then(|v| v.cidrs.clone())
        .unwrap_or_else(|| t.cidrs.clone());
    let at = format!("template {:?}", t.name);
    let taken: Vec<Cidr> = sc
        .vpcs
        .iter()
        .flat_map(|v| v.cidrs.iter().copied())
        .collect();
    let blocks = consumer_blocks(&plan, count, &taken, p, &format!("{at}.cidrs"))?;
    // Subnets: the VPC block split into the next power of two ≥ k.
    let extra = usize::BITS - (k.max(1) - 1).leading_zeros();
    let shared_vpc = sc
        .vpcs
        .iter()
        .find(|x| x.name == t.shared.vpc)
        .cloned()
        .ok_or_else(|| {
            point_err(
                p,
                &at,
                format!("no VPC {:?} (removed by the variant?)", t.shared.vpc),
            )
        })?;
    let service = t.shared.service.clone();
    if arch == Architecture::PrivateLink && service.is_none() {
        return Err(point_err(p, &at, "PrivateLink needs shared.service".into()));
    }
    let mut consumer_vpcs = Vec::with_capacity(count as usize);
    for (i, block) in blocks.iter().enumerate() {
        let n = i + 1;
        let name = format!("{}-{n:0width$}", t.name);
        let account_id = format!("{:012}", t.account_id_base + n as u64);
        sc.accounts.push(Account {
            name: name.clone(),
            id: account_id.clone(),
            org: None,
            org_unit: None,
        });
        let sub_prefix = block.prefix_len() + extra as u8;
        if sub_prefix > 28 {
            return Err(point_err(
                p,
                &format!("{at}.cidrs"),
                format!(
                    "/{} split in {k} AZs gives subnets smaller than /28",
                    block.prefix_len()
                ),
            ));
        }
        let subnets: Vec<Ipv4Net> = block
            .subnets(sub_prefix)
            .map_err(|e| point_err(p, &at, e.to_string()))?
            .take(k)
            .collect();
        let subnet_names: Vec<String> = azs.iter().map(|az| format!("{name}-{az}")).collect();
        sc.vpcs.push(Vpc {
            name: name.clone(),
            account: name.clone(),
            region: None,
            cidrs: vec![Cidr(IpNet::V4(*block))],
            subnets: azs
                .iter()
                .zip(&subnets)
                .zip(&subnet_names)
                .map(|((az, net), sn)| Subnet {
                    name: sn.clone(),
                    az: az.clone(),
                    cidr: Cidr(IpNet::V4(*net)),
                    route_table: None,
                    nacl: None,
                })
                .collect(),
            route_tables: Vec::new(),
            nacls: Vec::new(),
            internet_gateway: false,
            vpn_gateway: false,
        });
        let app = format!("{name}-app");
        sc.workloads.push(Workload {
            name: app.clone(),
            subnets: subnet_names.clone(),
            instances: t.instances,
            nic: t.nic,
            security_groups: Vec::new(),
            placement_group: false,
            role: None,
        });
        let to = match arch {
            Architecture::PrivateLink => {
                let svc_name = service.clone().unwrap_or_default();
                let ep = format!("{name}-ep");
                sc.endpoints.push(crate::scenario::InterfaceEndpoint {
                    name: ep.clone(),
                    vpc: name.clone(),
                    service: svc_name.clone(),
                    subnets: subnet_names.clone(),
                    private_dns: false,
                    policy: None,
                    security_groups: Vec::new(),
                    created_by: None,
                });
                if let Some(svc) = sc.services.iter_mut().find(|x| x.name == svc_name) {
                    if !svc.allowed_principals.contains(&Principal::All) {
                        svc.allowed_principals
                            .push(Principal::Account(account_id.clone()));
                    }
                    if svc.acceptance_required {
                        sc.events.push(TimedEvent::At(
                            SimDuration::ZERO,
                            Event::Accept {
                                service: svc_name.clone(),
                                endpoint: ep,
                            },
                        ));
                    }
                }
                Target::Service {
                    name: svc_name,
                    dns: dns.clone(),
                }
            }
            Architecture::Peering | Architecture::PeeringMesh => {
                sc.peerings.push(Peering {
                    name: format!("{name}-hub"),
                    requester: name.clone(),
                    accepter: t.shared.vpc.clone(),
                    accepted: true,
                    auto_routes: true,
                });
                Target::Workload(t.shared.workload.clone())
            }
            Architecture::TransitGateway => {
                let tgw = tgw_for(sc, t, &shared_vpc);
                sc.transit_gateways[tgw].attachments.push(TgwAttachment {
                    name: format!("{name}-att"),
                    target: AttachmentTarget::Vpc(name.clone()),
                    subnets: subnet_names.clone(),
                });
                Target::Workload(t.shared.workload.clone())
            }
        };
        let spec = &t.traffic;
        sc.traffic.push(Traffic {
            name: name.clone(),
            from: Source::Workload(app),
            to,
            arrivals: spec.arrivals.clone(),
            request: spec.request.clone(),
            response: spec.response.clone(),
            start: spec.start,
            end: spec.end,
            port: spec.port,
            protocol: crate::scenario::Protocol::Tcp,
            action: None,
            resource: None,
        });
        consumer_vpcs.push(name);
    }
    if arch == Architecture::PeeringMesh {
        for a in 0..consumer_vpcs.len() {
            for b in a + 1..consumer_vpcs.len() {
                sc.peerings.push(Peering {
                    name: format!("{}-{}", consumer_vpcs[a], consumer_vpcs[b]),
                    requester: consumer_vpcs[a].clone(),
                    accepter: consumer_vpcs[b].clone(),
                    accepted: true,
                    auto_routes: true,
                });
            }
        }
    }
    Ok(())
}

/// Refuses, before anything is built, a template that would generate more
/// named elements than the entity cap allows: `count` consumer VPCs, plus
/// `count·(count−1)/2` peerings for a mesh. Both are counted by the cap, so
/// this never refuses a point the cap would accept.
fn check_size(t: &Template, p: &Point, count: u32, arch: Architecture) -> Result<(), StudyError> {
    let n = u64::from(count);
    let mesh = if arch == Architecture::PeeringMesh {
        n.saturating_mul(n.saturating_sub(1)) / 2
    } else {
        0
    };
    let cap = crate::limits::DEFAULT_MAX_ENTITIES;
    if n.saturating_add(mesh) <= cap {
        return Ok(());
    }
    let what = if mesh > 0 {
        format!("{count} consumers in a peering mesh need {mesh} peerings")
    } else {
        format!("{count} consumers")
    };
    Err(point_err(
        p,
        &format!("template {:?}.count", t.name),
        format!(
            "{what}, above the cap of {cap} entities; use fewer consumers (a mesh of 1,000 has 499,500 peerings)"
        ),
    ))
}

/// Index of the template's transit gateway, created (with the shared VPC
/// attached, one subnet per AZ) if the scenario does not have it.
fn tgw_for(sc: &mut Scenario, t: &Template, shared: &Vpc) -> usize {
    let hub_att = TgwAttachment {
        name: format!("{}-att", shared.name),
        target: AttachmentTarget::Vpc(shared.name.clone()),
        subnets: {
            let mut seen = Vec::new();
            let mut names = Vec::new();
            for s in &shared.subnets {
                if !seen.contains(&s.az) {
                    seen.push(s.az.clone());
                    names.push(s.name.clone());
                }
            }
            names
        },
    };
    match sc
        .transit_gateways
        .iter()
        .position(|g| g.name == t.shared.tgw)
    {
        Some(i) => {
            let g = &mut sc.transit_gateways[i];
            if !g
                .attachments
                .iter()
                .any(|a| a.target == AttachmentTarget::Vpc(shared.name.clone()))
            {
                g.attachments.push(hub_att);
            }
            i
        }
        None => {
            sc.transit_gateways.push(TransitGateway {
                name: t.shared.tgw.clone(),
                account: shared.account.clone(),
                region: None,
                attachments: vec![hub_att],
                route_tables: Vec::new(),
                auto_routes: true,
            });
            sc.transit_gateways.len() - 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::load_str;

    const BASE: &str = r#"Scenario(name: "b", duration: "1m", accounts: [Account(name: "p", id: "111111111111")],
        vpcs: [Vpc(name: "hub", account: "p", cidrs: ["10.0.0.0/16"], subnets: [
            Subnet(name: "hub-a", az: "use1-az1", cidr: "10.0.1.0/24")])],
        workloads: [Workload(name: "db", subnets: ["hub-a"])])"#;

    fn study(body: &str) -> LoadedStudy {
        let text = format!("Study(name: \"s\", seed: 9, base: {BASE}, {body})");
        load_str(&text, "s.ron", None).unwrap_or_else(|e| panic!("{e}"))
    }

    const TEMPLATE: &str = r#"templates: [Template(name: "c", azs: ["use1-az1", "use1-az2"],
        shared: Shared(vpc: "hub", workload: "db"), architecture: Peering,
        traffic: TrafficSpec(arrivals: Constant(per_second: 1.0)))]"#;

    #[test]
    fn two_hundred_points_enumerate_in_order_with_distinct_seeds_and_shards() {
        let ls = study(&format!(
            "{TEMPLATE}, variants: [Variant(name: \"a\"), Variant(name: \"b\", architecture: TransitGateway)],
             sweep: [Consumers([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])], replications: 10"
        ));
        let pts = points(&ls);
        assert_eq!(pts.len(), 200);
        // Index order is id order: the ids' zero-padded prefix makes a plain
        // sort of folder names the study order.
        let mut ids: Vec<&str> = pts.iter().map(|p| p.id.as_str()).collect();
        ids.sort();
        assert!(ids.iter().zip(&pts).all(|(a, p)| *a == p.id));
        assert!(pts.iter().enumerate().all(|(i, p)| p.index == i));
        assert_eq!(pts[0].id, "0000-a-n1-r0");
        assert_eq!(pts[199].id, "0199-b-n10-r9");
        // Variant-major, then the axis, then replications innermost.
        assert_eq!(
            (
                pts[10].variant.as_str(),
                pts[10].consumers,
                pts[10].replication
            ),
            ("a", Some(2), 0)
        );
        assert_eq!(pts[100].variant, "b");
        // Seeds: all distinct, and a function of the coordinates alone.
        let mut seeds: Vec<u64> = pts.iter().map(|p| p.seed).collect();
        seeds.sort();
        seeds.dedup();
        assert_eq!(seeds.len(), 200);
        assert_eq!(
            pts[13].seed,
            point_seed(9, "variant=a/consumers=2/replication=3")
        );
        // Shards partition the points: every point in exactly one of 7.
        for p in &pts {
            assert_eq!((0..7).filter(|i| in_shard(p.index, (*i, 7))).count(), 1);
        }
    }

    #[test]
    fn replications_share_a_design_and_other_points_do_not() {
        let ls = study(&format!(
            "{TEMPLATE}, variants: [Variant(name: \"a\"), Variant(name: \"b\", architecture: TransitGateway)],
             sweep: [Consumers([1, 2])], replications: 3"
        ));
        let pts = points(&ls);
        // 0..3: a/n1 r0..r2, 3..6: a/n2, 6..9: b/n1.
        assert!(pts[0].same_design(&pts[2]) && pts[4].same_design(&pts[3]));
        assert!(!pts[2].same_design(&pts[3]), "another consumer count");
        assert!(!pts[0].same_design(&pts[6]), "another variant");
        // Every point's run loads: what a sweep checks once per design.
        for p in &pts {
            assert!(loaded_for(&ls, p).is_ok(), "{}", p.id);
        }
    }

    #[test]
    fn a_points_seed_does_not_depend_on_the_rest_of_the_sweep() {
        // Adding a variant and an axis value shifts indices, not seeds: a
        // point reruns identically after the study grows.
        let small = points(&study(&format!("{TEMPLATE}, sweep: [Consumers([5])]")));
        let big = points(&study(&format!(
            "{TEMPLATE}, variants: [Variant(name: \"x\"), Variant(name: \"base\")], sweep: [Consumers([3, 5])]"
        )));
        let b = big
            .iter()
            .find(|p| p.variant == "base" && p.consumers == Some(5))
            .expect("point");
        assert_eq!(b.seed, small[0].seed);
        assert_ne!(b.index, small[0].index);
    }

    #[test]
    fn templates_generate_named_consumers_with_distinct_blocks() {
        let ls = study(&format!("{TEMPLATE}, sweep: [Consumers([300]), Azs([2])]"));
        let p = &points(&ls)[0];
        let sc = scenario_for(&ls, p).expect("valid scenario");
        // 1 hub + 300 consumers, each in its own account and VPC.
        assert_eq!(sc.vpcs.len(), 301);
        assert_eq!(sc.accounts.len(), 301);
        assert_eq!(sc.vpcs[1].name, "c-001");
        assert_eq!(sc.accounts[1].id, "700000000001");
        // 10.0.0.0/16 is the hub's: consumer blocks skip it, so the first is
        // 10.1.0.0/24 and the 257th moves to 10.2.0.0/24.
        assert_eq!(sc.vpcs[1].cidrs[0].to_string(), "10.1.0.0/24");
        assert_eq!(sc.vpcs[257].cidrs[0].to_string(), "10.2.0.0/24");
        // Two AZs: the /24 split in two /25 subnets.
        assert_eq!(sc.vpcs[1].subnets[1].cidr.to_string(), "10.1.0.128/25");
        assert_eq!(sc.peerings.len(), 300);
        assert_eq!(sc.traffic.len(), 300);
    }

    #[test]
    fn load_scales_every_rate() {
        let mut a = Arrivals::Diurnal {
            peak_per_second: 2.0,
            trough_per_second: 1.0,
            peak_at: SimDuration::ZERO,
        };
        scale_arrivals(&mut a, 3.0);
        assert_eq!(
            a,
            Arrivals::Diurnal {
                peak_per_second: 6.0,
                trough_per_second: 3.0,
                peak_at: SimDuration::ZERO
            }
        );
        let mut b = Arrivals::Burst { count: 10 };
        scale_arrivals(&mut b, 0.25);
        assert_eq!(b, Arrivals::Burst { count: 3 });
    }
}
