//! Who an address of a flow-log record is, in the scenario's names.
//!
//! In order: the address list written by `vpcsim import` beside the
//! scenario (`<stem>.addresses.csv`: ENI ids and IPs of workloads,
//! endpoints, NLBs, NAT gateways), then addresses learned from the records
//! (a listed ENI without an IP: the one address all its records share),
//! then a site's ranges, then a subnet in which exactly one workload and
//! nothing else lives. An address outside every VPC and site that is not
//! private is the internet. Anything else is unknown, with the reason.
//!
//! Owns: address → element. Must not: read files or decide directions.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use super::records::Record;
use crate::import::AddressRow;
use crate::scenario::Scenario;

/// An element a flow's end can be.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    Workload(String),
    Site(String),
    Endpoint(String),
    Nlb(String),
    Nat(String),
    Internet,
    /// An AWS service reached by its public addresses (`pkt-dst-aws-service`).
    S3,
    DynamoDb,
}

impl Who {
    /// `workload acme-web`, for the report.
    pub fn label(&self) -> String {
        match self {
            Who::Workload(n) => format!("workload {n}"),
            Who::Site(n) => format!("site {n}"),
            Who::Endpoint(n) => format!("endpoint {n}"),
            Who::Nlb(n) => format!("load balancer {n}"),
            Who::Nat(n) => format!("NAT gateway {n}"),
            Who::Internet => "internet".into(),
            Who::S3 => "s3".into(),
            Who::DynamoDb => "dynamodb".into(),
        }
    }
}

/// Why an address is no element.
pub type Unknown = &'static str;

/// The addresses of one scenario.
#[derive(Debug, Default)]
pub struct Addresses {
    by_ip: BTreeMap<IpAddr, Who>,
    by_eni: BTreeMap<String, Who>,
    /// Listed ENIs without an IP.
    eni_without_ip: BTreeSet<String>,
    sites: Vec<(ipnet::IpNet, Who)>,
    /// Subnet ranges with their only workload (`None`: several elements).
    subnets: Vec<(ipnet::IpNet, Option<Who>)>,
    vpcs: Vec<ipnet::IpNet>,
    /// Addresses learned from the records, for the report.
    pub learned: Vec<(String, IpAddr, Who)>,
}

fn who_of_row(r: &AddressRow) -> Option<Who> {
    let n = r.name.clone();
    Some(match r.kind.as_str() {
        "workload" => Who::Workload(n),
        "endpoint" => Who::Endpoint(n),
        "nlb" => Who::Nlb(n),
        "nat" => Who::Nat(n),
        "site" => Who::Site(n),
        _ => return None,
    })
}

impl Addresses {
    pub fn new(s: &Scenario, rows: &[AddressRow]) -> Addresses {
        let mut a = Addresses::default();
        for r in rows {
            let Some(who) = who_of_row(r) else { continue };
            if let Ok(ip) = r.ip.parse::<IpAddr>() {
                a.by_ip.entry(ip).or_insert(who.clone());
            }
            if !r.eni.is_empty() {
                a.by_eni.entry(r.eni.clone()).or_insert(who);
                if r.ip.is_empty() {
                    a.eni_without_ip.insert(r.eni.clone());
                }
            }
        }
        for site in &s.sites {
            for c in &site.cidrs {
                a.sites.push((c.net(), Who::Site(site.name.clone())));
            }
        }
        let mut occupants: BTreeMap<&str, Vec<Who>> = BTreeMap::new();
        for w in &s.workloads {
            for sub in &w.subnets {
                occupants
                    .entry(sub)
                    .or_default()
                    .push(Who::Workload(w.name.clone()));
            }
        }
        let others = s
            .endpoints
            .iter()
            .flat_map(|e| e.subnets.iter())
            .chain(s.load_balancers.iter().flat_map(|l| l.subnets.iter()))
            .chain(s.nat_gateways.iter().map(|n| &n.subnet));
        for sub in others {
            occupants.entry(sub).or_default().push(Who::Internet);
        }
        for v in &s.vpcs {
            a.vpcs.extend(v.cidrs.iter().map(|c| c.net()));
            for sub in &v.subnets {
                let only = match occupants.get(sub.name.as_str()).map(Vec::as_slice) {
                    Some([w @ Who::Workload(_)]) => Some(w.clone()),
                    _ => None,
                };
                a.subnets.push((sub.cidr.net(), only));
            }
        }
        a
    }

    /// The element that owns a capturing interface, if listed.
    pub fn of_eni(&self, eni: &str) -> Option<&Who> {
        self.by_eni.get(eni)
    }

    /// Learns the IP of each listed ENI that has none: the one address
    /// every record it captured shares (itself), when that is unique and
    /// not another element's.
    pub fn learn(&mut self, records: &[Record]) {
        let mut shared: BTreeMap<&str, BTreeSet<IpAddr>> = BTreeMap::new();
        for r in records {
            if !self.eni_without_ip.contains(&r.interface) {
                continue;
            }
            let both: BTreeSet<IpAddr> = [r.src, r.dst].into_iter().collect();
            shared
                .entry(r.interface.as_str())
                .and_modify(|s| s.retain(|ip| both.contains(ip)))
                .or_insert(both);
        }
        for (eni, ips) in shared {
            let free: Vec<&IpAddr> = ips
                .iter()
                .filter(|ip| !self.by_ip.contains_key(ip))
                .collect();
            if let ([ip], Some(who)) = (free.as_slice(), self.by_eni.get(eni)) {
                self.learned.push((eni.to_string(), **ip, who.clone()));
            }
        }
        for (_, ip, who) in &self.learned {
            self.by_ip.insert(*ip, who.clone());
        }
    }

    /// Who `ip` is.
    pub fn resolve(&self, ip: IpAddr) -> Result<Who, Unknown> {
        if let Some(w) = self.by_ip.get(&ip) {
            return Ok(w.clone());
        }
        if let Some((_, w)) = self.sites.iter().find(|(n, _)| n.contains(&ip)) {
            return Ok(w.clone());
        }
        let subnets: Vec<&Option<Who>> = self
            .subnets
            .iter()
            .filter(|(n, _)| n.contains(&ip))
            .map(|(_, w)| w)
            .collect();
        match subnets.as_slice() {
            [Some(w)] => return Ok(w.clone()),
            [] => {}
            [_] => {
                return Err("an address in a subnet with several elements, not in the address list")
            }
            _ => return Err("an address in subnets of several VPCs (overlapping ranges)"),
        }
        if self.vpcs.iter().any(|n| n.contains(&ip)) {
            return Err("an address of an imported VPC outside its subnets");
        }
        if is_private(ip) {
            return Err("a private address outside the imported VPCs and sites");
        }
        Ok(Who::Internet)
    }
}

/// Private, shared, loopback or link-local: not the internet.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            v.is_private()
                || v.is_loopback()
                || v.is_link_local()
                || v.is_unspecified()
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v) => {
            v.is_loopback()
                || v.is_unspecified()
                || (v.segments()[0] & 0xfe00) == 0xfc00
                || (v.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}
