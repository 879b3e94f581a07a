//! Turns an [`Estate`] into a [`Scenario`]: names every element, writes its
//! provenance comment, and reports whatever the scenario cannot say.
//!
//! The order follows the references: VPCs and subnets first, then what routes
//! point at (NAT gateways, peerings, transit gateways, Direct Connect), then
//! route tables and NACLs, security groups, workloads, load balancers,
//! services and endpoints, and last the default traffic.
//!
//! Imported designs keep their own routes: peerings and transit gateways are
//! written with `auto_routes: false`, so reachability follows the input's
//! route tables, not vpcsim's conveniences.
//!
//! Owns: estate → scenario. Must not: read files, or validate (the scenario
//! loader does).

use std::collections::{BTreeMap, BTreeSet};

use super::estate::{self as e, Estate, Kind};
use super::naming::Namespace;
use super::report::ImportReport;
use super::ron_writer::Comments;
use super::rules;
use crate::scenario::{self as sc, ron_options, Scenario};
use crate::units::{Bandwidth, SimDuration};

/// Choices of the import that the input does not make.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Name of the scenario.
    pub name: String,
    /// Simulated time span.
    pub duration: SimDuration,
    /// Add a small default traffic class per interface endpoint.
    pub default_traffic: bool,
}

/// An address (ENI and/or IP) of an imported element, for flow logs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct AddressRow {
    /// `workload`, `endpoint`, `nlb` or `nat`.
    pub kind: String,
    pub name: String,
    pub eni: String,
    pub ip: String,
    pub source: String,
}

/// The imported scenario with its comments and addresses.
#[derive(Debug, Clone)]
pub struct Built {
    pub scenario: Scenario,
    pub comments: Comments,
    pub addresses: Vec<AddressRow>,
}

/// Account ids given to accounts the input does not identify.
const PLACEHOLDER_ACCOUNT_BASE: u64 = 100_000_000_000;

/// Builds the scenario of an estate.
pub fn build(
    estate: &Estate,
    opts: &BuildOptions,
    report: &mut ImportReport,
) -> Result<Built, String> {
    let mut scenario: Scenario = ron_options()
        .from_str(r#"Scenario(name: "imported", duration: "1h", accounts: [], vpcs: [])"#)
        .map_err(|e| format!("the empty scenario does not parse: {e}"))?;
    scenario.name = opts.name.clone();
    scenario.duration = opts.duration;
    let mut b = Builder {
        e: estate,
        index: estate.index(),
        r: report,
        s: scenario,
        comments: Comments::new(),
        ns: Names::default(),
        account_of_key: BTreeMap::new(),
        vpc_at: BTreeMap::new(),
        subnet_vpc: BTreeMap::new(),
        subnet_az: BTreeMap::new(),
        route_table_name: BTreeMap::new(),
        workload_of: BTreeMap::new(),
        workload_vpc: BTreeMap::new(),
        built_nat: BTreeSet::new(),
        built_peering: BTreeSet::new(),
        built_tgw: BTreeSet::new(),
    };
    b.region();
    b.accounts();
    b.vpcs();
    b.nat_gateways();
    b.peerings();
    b.direct_connects();
    b.transit_gateways();
    b.route_tables();
    b.nacls();
    b.security_groups();
    b.workloads();
    b.load_balancers();
    b.services();
    b.endpoints();
    if opts.default_traffic {
        b.default_traffic();
    }
    b.count();
    let addresses = b.addresses();
    Ok(Built {
        scenario: b.s,
        comments: b.comments,
        addresses,
    })
}

/// One namespace per scenario kind (route tables, NACLs and TGW parts have
/// one per parent).
#[derive(Default)]
struct Names {
    accounts: Namespace,
    vpcs: Namespace,
    subnets: Namespace,
    route_tables: BTreeMap<String, Namespace>,
    nacls: BTreeMap<String, Namespace>,
    security_groups: Namespace,
    workloads: Namespace,
    nlbs: Namespace,
    services: Namespace,
    endpoints: Namespace,
    gateway_endpoints: Namespace,
    peerings: Namespace,
    tgws: Namespace,
    nats: Namespace,
    sites: Namespace,
    dx: Namespace,
    vifs: Namespace,
    traffic: Namespace,
}

struct Builder<'a> {
    e: &'a Estate,
    index: BTreeMap<String, Kind>,
    r: &'a mut ImportReport,
    s: Scenario,
    comments: Comments,
    ns: Names,
    /// Estate account key → scenario account name.
    account_of_key: BTreeMap<String, String>,
    /// VPC key → index in `s.vpcs`.
    vpc_at: BTreeMap<String, usize>,
    subnet_vpc: BTreeMap<String, String>,
    subnet_az: BTreeMap<String, String>,
    /// Route-table key → (VPC key, table name).
    route_table_name: BTreeMap<String, (String, String)>,
    /// Instances key → workload name.
    workload_of: BTreeMap<String, String>,
    workload_vpc: BTreeMap<String, String>,
    built_nat: BTreeSet<String>,
    built_peering: BTreeSet<String>,
    built_tgw: BTreeSet<String>,
}

impl Builder<'_> {
    fn comment(&mut self, path: String, text: &str) {
        self.comments.insert(path, text.to_string());
    }

    fn region(&mut self) {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for v in &self.e.vpcs {
            if let Some(r) = &v.region {
                *seen.entry(r.clone()).or_default() += 1;
            }
        }
        let most = seen.iter().max_by_key(|(_, n)| **n).map(|(r, _)| r.clone());
        let region = self
            .e
            .region
            .clone()
            .or(most)
            .or_else(|| self.region_from_az_names());
        match region {
            Some(r) => self.s.region = r,
            None => self.r.assumed(
                "region",
                format!("the input names no region; {} assumed", self.s.region),
            ),
        }
    }

    fn region_from_az_names(&self) -> Option<String> {
        self.e.subnets.iter().find_map(|s| {
            let n = s.az_name.as_deref()?;
            Some(n[..n.len().checked_sub(1)?].to_string())
        })
    }

    // -- accounts -----------------------------------------------------------

    fn accounts(&mut self) {
        let mut keys: Vec<String> = self.e.accounts.iter().map(|a| a.key.clone()).collect();
        let used = self
            .e
            .vpcs
            .iter()
            .map(|v| &v.account)
            .chain(self.e.transit_gateways.iter().map(|t| &t.account))
            .chain(self.e.dx_connections.iter().map(|d| &d.account))
            .chain(self.e.services.iter().map(|s| &s.account))
            .chain(self.e.endpoints.iter().map(|s| &s.account));
        for k in used {
            let k = k.clone().unwrap_or_else(|| "default".to_string());
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        let mut placeholder = 0u64;
        for key in keys {
            let known = self.e.accounts.iter().find(|a| a.key == key);
            let id = known
                .and_then(|a| a.id.clone())
                .or_else(|| is_account_id(&key).then(|| key.clone()));
            let id = match id {
                Some(id) => id,
                None => {
                    placeholder += 1;
                    let id = format!("{}", PLACEHOLDER_ACCOUNT_BASE + placeholder);
                    self.r.assumed(
                        format!("account {key}"),
                        format!("account ID not given by the input; placeholder {id}"),
                    );
                    id
                }
            };
            if self.s.accounts.iter().any(|a| a.id == id) {
                let name = self.ns.accounts.get(&id).unwrap_or_default().to_string();
                self.account_of_key.insert(key, name);
                continue;
            }
            let label = known
                .map(|a| a.label.clone())
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| format!("acct-{id}"));
            let name = self.ns.accounts.name(&id, &label, None);
            self.comment(
                format!("accounts[{}]", self.s.accounts.len()),
                &format!("account {id} ({key})"),
            );
            self.s.accounts.push(sc::Account {
                name: name.clone(),
                id,
                org: None,
                org_unit: None,
            });
            self.account_of_key.insert(key, name);
        }
    }

    fn account(&self, key: &Option<String>) -> String {
        let k = key.clone().unwrap_or_else(|| "default".to_string());
        self.account_of_key
            .get(&k)
            .cloned()
            .or_else(|| self.s.accounts.first().map(|a| a.name.clone()))
            .unwrap_or_default()
    }

    // -- VPCs and subnets ---------------------------------------------------

    fn vpcs(&mut self) {
        for v in &self.e.vpcs {
            let mut cidrs: Vec<sc::Cidr> = Vec::new();
            for c in &v.cidrs {
                match self.vpc_block(c, &cidrs, &v.at.source) {
                    Some(c) => cidrs.push(c),
                    None => continue,
                }
            }
            if cidrs.is_empty() {
                self.r.skipped(
                    &v.at.source,
                    "VPC without a usable CIDR block (unknown until apply?)",
                );
                continue;
            }
            let name = self.ns.vpcs.name(&v.at.key, v.at.label(), None);
            let region = v.region.clone().filter(|r| *r != self.s.region);
            let i = self.s.vpcs.len();
            self.comment(format!("vpcs[{i}]"), &v.at.source);
            self.vpc_at.insert(v.at.key.clone(), i);
            let gateway = |kind| {
                self.e
                    .gateways
                    .iter()
                    .any(|g| g.kind == kind && g.vpcs.contains(&v.at.key))
            };
            let vpc = sc::Vpc {
                name,
                account: self.account(&v.account),
                region,
                cidrs,
                subnets: Vec::new(),
                route_tables: Vec::new(),
                nacls: Vec::new(),
                internet_gateway: gateway(e::GatewayKind::Internet),
                vpn_gateway: gateway(e::GatewayKind::VpnGateway),
            };
            self.s.vpcs.push(vpc);
            self.subnets_of(&v.at.key, i);
        }
        for g in &self.e.gateways {
            if g.kind == e::GatewayKind::EgressOnly {
                self.r.not_modelled(
                    &g.at.source,
                    "egress-only internet gateway (IPv6 egress is not modelled)",
                );
            }
        }
    }

    /// A VPC block the scenario accepts: IPv4 /16 to /28 not overlapping the
    /// blocks before it, or IPv6.
    fn vpc_block(&mut self, text: &str, before: &[sc::Cidr], src: &str) -> Option<sc::Cidr> {
        let (c, fixed) = match rules::cidr(text) {
            Ok(x) => x,
            Err(m) => {
                self.r.skipped(src, m);
                return None;
            }
        };
        if fixed {
            self.r
                .assumed(src, format!("CIDR {text} has host bits set; {c} used"));
        }
        if let ipnet::IpNet::V4(n) = c.net() {
            if !(16..=28).contains(&n.prefix_len()) {
                self.r
                    .skipped(src, format!("VPC block {c}: AWS allows /16 to /28"));
                return None;
            }
        }
        if let Some(o) = before.iter().find(|b| b.overlaps(&c)) {
            self.r
                .skipped(src, format!("VPC block {c} overlaps the VPC's block {o}"));
            return None;
        }
        Some(c)
    }

    fn subnets_of(&mut self, vpc_key: &str, vi: usize) {
        for s in self
            .e
            .subnets
            .iter()
            .filter(|s| s.vpc.as_deref() == Some(vpc_key))
        {
            let Some(cidr) = self.subnet_block(s, vi) else {
                continue;
            };
            let Some(az) = self.az_of(s, vi) else {
                continue;
            };
            let name = self.ns.subnets.name(&s.at.key, s.at.label(), None);
            let j = self.s.vpcs[vi].subnets.len();
            self.comment(format!("vpcs[{vi}].subnets[{j}]"), &s.at.source);
            self.subnet_vpc
                .insert(s.at.key.clone(), vpc_key.to_string());
            self.subnet_az.insert(s.at.key.clone(), az.clone());
            self.s.vpcs[vi].subnets.push(sc::Subnet {
                name,
                az,
                cidr,
                route_table: None,
                nacl: None,
            });
        }
    }

    fn subnet_block(&mut self, s: &e::Subnet, vi: usize) -> Option<sc::Cidr> {
        let Some(text) = &s.cidr else {
            self.r.skipped(
                &s.at.source,
                "subnet without an IPv4 CIDR block (unknown until apply?)",
            );
            return None;
        };
        let (c, _) = match rules::cidr(text) {
            Ok(x) => x,
            Err(m) => {
                self.r.skipped(&s.at.source, m);
                return None;
            }
        };
        let vpc = &self.s.vpcs[vi];
        if !vpc.cidrs.iter().any(|b| b.contains(&c)) {
            self.r.skipped(
                &s.at.source,
                format!("subnet {c} is outside the blocks of VPC {:?}", vpc.name),
            );
            return None;
        }
        if let Some(o) = vpc.subnets.iter().find(|o| o.cidr.overlaps(&c)) {
            self.r.skipped(
                &s.at.source,
                format!("subnet {c} overlaps subnet {:?}", o.name),
            );
            return None;
        }
        Some(c)
    }

    /// The subnet's AZ ID: given, from the input's AZ-name map, or derived
    /// from the AZ name with vpcsim's default mapping (and said).
    fn az_of(&mut self, s: &e::Subnet, vi: usize) -> Option<String> {
        if let Some(id) = &s.az_id {
            return Some(id.clone());
        }
        let Some(name) = &s.az_name else {
            self.r.skipped(
                &s.at.source,
                "subnet without an Availability Zone (unknown until apply?)",
            );
            return None;
        };
        let account = self
            .e
            .vpcs
            .iter()
            .find(|v| Some(&v.at.key) == s.vpc.as_ref());
        let account = account.and_then(|v| v.account.clone());
        if let Some(m) = self
            .e
            .az_names
            .iter()
            .find(|m| &m.name == name && (m.account.is_none() || m.account == account))
        {
            return Some(m.id.clone());
        }
        let region = self.s.vpcs[vi]
            .region
            .clone()
            .unwrap_or_else(|| self.s.region.clone());
        let letter = name
            .strip_prefix(region.as_str())
            .and_then(|l| l.chars().next());
        let id = letter.and_then(|l| {
            let n = (l as u32).checked_sub('a' as u32)? as usize;
            sc::regions::az_ids(&region).get(n).cloned()
        });
        match id {
            Some(id) => {
                self.r.assumed(
                    &s.at.source,
                    format!("AZ ID {id} taken for AZ name {name} (names map to different IDs per account; give describe-availability-zones or availability_zone_id to be sure)"),
                );
                Some(id)
            }
            None => {
                self.r.skipped(
                    &s.at.source,
                    format!("AZ {name} is not a known AZ of {region}"),
                );
                None
            }
        }
    }

    /// Subnet names of `keys` in VPC `vpc`, at most one per AZ (the first).
    fn subnets_per_az(&mut self, keys: &[String], vpc: Option<&str>, src: &str) -> Vec<String> {
        let mut azs = BTreeSet::new();
        let mut out = Vec::new();
        for k in keys {
            let (Some(name), Some(az)) = (self.ns.subnets.get(k), self.subnet_az.get(k)) else {
                self.r
                    .skipped(src, format!("subnet {k} is not in the import"));
                continue;
            };
            if vpc.is_some_and(|v| self.subnet_vpc.get(k).map(String::as_str) != Some(v)) {
                self.r.skipped(src, format!("subnet {k} is in another VPC"));
                continue;
            }
            if !azs.insert(az.clone()) {
                self.r.skipped(
                    src,
                    format!("subnet {k}: a second subnet in {az} (one per AZ is allowed)"),
                );
                continue;
            }
            out.push(name.to_string());
        }
        out
    }

    fn vpc_name(&self, key: &Option<String>) -> Option<String> {
        key.as_ref()
            .and_then(|k| self.vpc_at.get(k))
            .map(|i| self.s.vpcs[*i].name.clone())
    }

    // -- NAT, peering ---------------------------------------------------------

    fn nat_gateways(&mut self) {
        for n in &self.e.nats {
            let sub = n.subnet.clone().unwrap_or_default();
            let Some(subnet) = self.ns.subnets.get(&sub).map(str::to_string) else {
                self.r.skipped(
                    &n.at.source,
                    "NAT gateway whose subnet is not in the import",
                );
                continue;
            };
            let vpc = self
                .subnet_vpc
                .get(&sub)
                .and_then(|v| self.vpc_at.get(v))
                .copied();
            let mut public = n.public;
            if public && vpc.is_some_and(|i| !self.s.vpcs[i].internet_gateway) {
                self.r.assumed(
                    &n.at.source,
                    "public NAT gateway in a VPC without an internet gateway: imported as private (it cannot reach the internet)",
                );
                public = false;
            }
            let name = self.ns.nats.name(&n.at.key, n.at.label(), None);
            self.comment(
                format!("nat_gateways[{}]", self.s.nat_gateways.len()),
                &n.at.source,
            );
            self.built_nat.insert(n.at.key.clone());
            self.s.nat_gateways.push(sc::NatGateway {
                name,
                subnet,
                public,
            });
        }
    }

    fn peerings(&mut self) {
        for p in &self.e.peerings {
            let (Some(req), Some(acc)) = (self.vpc_name(&p.requester), self.vpc_name(&p.accepter))
            else {
                self.r.skipped(
                    &p.at.source,
                    "peering whose requester or accepter VPC is not in the import",
                );
                continue;
            };
            let accepted = match p.status.as_str() {
                "active" | "provisioning" => true,
                "pending-acceptance" | "initiating-request" => false,
                "" => {
                    self.r
                        .assumed(&p.at.source, "peering status not given; taken as accepted");
                    true
                }
                other => {
                    self.r
                        .skipped(&p.at.source, format!("peering in state {other}"));
                    continue;
                }
            };
            if req == acc {
                self.r.skipped(&p.at.source, "a VPC peered with itself");
                continue;
            }
            let name = self.ns.peerings.name(&p.at.key, p.at.label(), None);
            self.comment(format!("peerings[{}]", self.s.peerings.len()), &p.at.source);
            self.built_peering.insert(p.at.key.clone());
            self.s.peerings.push(sc::Peering {
                name,
                requester: req,
                accepter: acc,
                accepted,
                auto_routes: false,
            });
        }
    }

    // -- Direct Connect -----------------------------------------------------------

    fn direct_connects(&mut self) {
        // Transit gateways are named first: transit VIFs refer to them.
        for t in &self.e.transit_gateways {
            self.ns.tgws.name(&t.at.key, t.at.label(), None);
        }
        for d in &self.e.dx_connections {
            let vifs = self.vifs_of(d);
            if vifs.is_empty() {
                self.r.skipped(
                    &d.at.source,
                    "Direct Connect connection without a virtual interface vpcsim models",
                );
                continue;
            }
            let vifs = if d.hosted && vifs.len() > 1 {
                self.r.skipped(
                    &d.at.source,
                    "hosted connection with several VIFs: only the first is kept",
                );
                vifs.into_iter().take(1).collect()
            } else {
                vifs
            };
            let speed = match d.bandwidth.as_deref().map(rules::dx_speed) {
                Some(Ok(b)) => b,
                other => {
                    if let Some(Err(m)) = other {
                        self.r.skipped(&d.at.source, m);
                    }
                    self.r
                        .assumed(&d.at.source, "port speed not given; 1Gbps assumed");
                    Bandwidth::gbps(1)
                }
            };
            let site = self.site_for(d);
            let name = self.ns.dx.name(&d.at.key, d.at.label(), None);
            self.comment(
                format!("direct_connects[{}]", self.s.direct_connects.len()),
                &d.at.source,
            );
            self.s.direct_connects.push(sc::DirectConnect {
                name,
                account: self.account(&d.account),
                site,
                speed,
                kind: if d.hosted {
                    sc::DxKind::Hosted
                } else {
                    sc::DxKind::Dedicated
                },
                location: d.location.clone(),
                vifs,
            });
        }
    }

    fn vifs_of(&mut self, d: &e::DxConnection) -> Vec<sc::Vif> {
        let mut out = Vec::new();
        for v in self
            .e
            .vifs
            .iter()
            .filter(|v| v.connection.as_deref() == Some(&d.at.key))
        {
            let kind = match v.kind {
                e::VifKind::Public => {
                    self.r
                        .not_modelled(&v.at.source, "public virtual interface");
                    continue;
                }
                e::VifKind::Private => self.private_vif_vpc(v).map(sc::VifKind::Private),
                e::VifKind::Transit => self.transit_vif_tgw(v).map(sc::VifKind::Transit),
            };
            let Some(kind) = kind else {
                self.r.skipped(
                    &v.at.source,
                    "virtual interface whose VPC or transit gateway is not in the import",
                );
                continue;
            };
            let name = self.ns.vifs.name(&v.at.key, v.at.label(), None);
            out.push(sc::Vif { name, kind });
        }
        out
    }

    /// The VPC behind a private VIF: its virtual private gateway, directly or
    /// through a DX gateway.
    fn private_vif_vpc(&self, v: &e::Vif) -> Option<String> {
        let mut vgws: Vec<&String> = v.vpn_gateway.iter().collect();
        if let Some(g) = v.dx_gateway.as_ref().and_then(|g| self.dx_gateway(g)) {
            vgws.extend(g.associations.iter());
        }
        vgws.into_iter().find_map(|k| {
            let g = self.e.gateways.iter().find(|g| &g.at.key == k)?;
            g.vpcs
                .iter()
                .find_map(|vk| self.vpc_name(&Some(vk.clone())))
        })
    }

    fn transit_vif_tgw(&self, v: &e::Vif) -> Option<String> {
        let g = self.dx_gateway(v.dx_gateway.as_ref()?)?;
        g.associations
            .iter()
            .find_map(|k| self.ns.tgws.get(k).map(str::to_string))
    }

    fn dx_gateway(&self, key: &str) -> Option<&e::DxGateway> {
        self.e.dx_gateways.iter().find(|g| g.at.key == key)
    }

    /// One on-premises site per DX location, with a placeholder address
    /// range (the input does not know the on-premises side).
    fn site_for(&mut self, d: &e::DxConnection) -> String {
        let label = format!(
            "onprem-{}",
            d.location
                .clone()
                .unwrap_or_else(|| d.at.label().to_string())
        );
        let key = format!("site:{label}");
        if let Some(n) = self.ns.sites.get(&key) {
            return n.to_string();
        }
        let name = self.ns.sites.name(&key, &label, None);
        let i = self.s.sites.len();
        let cidr = format!("198.18.{}.0/24", i.min(255));
        self.r.assumed(
            &d.at.source,
            format!("on-premises site {name:?}: its address range is not in the input; placeholder {cidr} (replace with your ranges)"),
        );
        self.comment(
            format!("sites[{i}]"),
            &format!(
                "PLACEHOLDER on-premises side of {} (not in the input)",
                d.at.source
            ),
        );
        if let Ok((c, _)) = rules::cidr(&cidr) {
            self.s.sites.push(sc::Site {
                name: name.clone(),
                cidrs: vec![c],
                hosts: 1,
                nic: Bandwidth::gbps(10),
            });
        }
        name
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

mod network;
mod services;
