//! Meaning checks of a parsed scenario: references, uniqueness, CIDR
//! containment, times and values in range. Every problem is collected (grouped
//! by check, each with its field path), so a user fixes a file in one round.
//!
//! AWS rule violations (quotas, overlapping peer CIDRs, unsupported AZs) are
//! deliberately *not* checked here: they are legitimate designs AWS refuses,
//! and the control plane reports them as outcomes.

use std::collections::{BTreeMap, BTreeSet};

use super::load::Problem;
use super::overlap;
use super::regions;
use super::schema::*;
use super::syntax::closest;
use crate::units::{Bytes, SimDuration};

/// Every meaning problem of `s`, grouped by check. Empty means valid.
///
/// At most [`SHOWN_PER_CHECK`] problems are listed per check (a field path
/// with its indices blanked, e.g. `vpcs[*].cidrs[*]`); the rest of that
/// check is counted in one last problem ("… and N more"). Every check is
/// near-linear in the size of the scenario, so a huge file is validated in
/// about the time it takes to parse.
pub fn validate(s: &Scenario) -> Vec<Problem> {
    let mut v = Validator::new(s);
    v.run();
    v.problems.finish()
}

/// Problems listed per check before the rest are only counted.
pub const SHOWN_PER_CHECK: usize = 20;

/// The problems found, at most [`SHOWN_PER_CHECK`] per check.
#[derive(Default)]
struct Problems {
    list: Vec<Problem>,
    /// Problems seen per check key (shown or not).
    per_check: BTreeMap<String, usize>,
}

impl Problems {
    fn push(&mut self, path: String, message: String) {
        let n = self.per_check.entry(check_key(&path)).or_insert(0);
        *n += 1;
        if *n <= SHOWN_PER_CHECK {
            self.list.push(Problem { path, message });
        }
    }

    fn finish(mut self) -> Vec<Problem> {
        for (key, n) in &self.per_check {
            if *n > SHOWN_PER_CHECK {
                self.list.push(Problem {
                    path: key.clone(),
                    message: format!(
                        "… and {} more problems of this kind (the first {SHOWN_PER_CHECK} are listed above)",
                        n - SHOWN_PER_CHECK
                    ),
                });
            }
        }
        self.list
    }
}

/// A field path with its indices blanked: `vpcs[2].cidrs[17]` → `vpcs[*].cidrs[*]`.
fn check_key(path: &str) -> String {
    let mut key = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                key.push_str("[*");
            }
            ']' => {
                in_index = false;
                key.push(']');
            }
            _ if in_index => {}
            _ => key.push(c),
        }
    }
    key
}

/// Names of one kind of entity, with their index, for reference checks.
struct Names {
    kind: &'static str,
    map: BTreeMap<String, usize>,
    /// "Did you mean" suggestions made so far (they cost a scan of the
    /// names; after [`SUGGESTIONS`] the message goes without).
    suggested: std::cell::Cell<usize>,
}

/// Suggestions made per kind of name, at most.
const SUGGESTIONS: usize = 50;

impl Names {
    fn new(kind: &'static str) -> Self {
        Names {
            kind,
            map: BTreeMap::new(),
            suggested: std::cell::Cell::new(0),
        }
    }
    fn get(&self, name: &str) -> Option<usize> {
        self.map.get(name).copied()
    }
    /// `unknown workload "x"; known: a, b (did you mean "y"?)`
    fn unknown(&self, name: &str) -> String {
        let mut msg = format!("unknown {} {name:?}", self.kind);
        if self.map.is_empty() {
            msg.push_str(&format!("; the scenario defines no {}", plural(self.kind)));
            return msg;
        }
        const SHOWN: usize = 12;
        msg.push_str("; known: ");
        msg.push_str(
            &self
                .map
                .keys()
                .take(SHOWN)
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        );
        if self.map.len() > SHOWN {
            msg.push_str(&format!(", … ({} in all)", self.map.len()));
        }
        if self.suggested.get() < SUGGESTIONS {
            self.suggested.set(self.suggested.get() + 1);
            let known: Vec<&str> = self.map.keys().map(String::as_str).collect();
            if let Some(best) = closest(name, &known) {
                msg.push_str(&format!(" (did you mean {best:?}?)"));
            }
        }
        msg
    }
}

fn plural(kind: &str) -> String {
    if kind.ends_with('s') {
        format!("{kind}es")
    } else {
        format!("{kind}s")
    }
}

struct Validator<'a> {
    s: &'a Scenario,
    problems: Problems,
    /// Route table names of each VPC (by VPC index), `main` included.
    route_tables: Vec<BTreeSet<&'a str>>,
    azs: Names,
    /// Region of each known AZ (declared or builtin).
    az_region: BTreeMap<String, String>,
    accounts: Names,
    account_ids: BTreeSet<&'a str>,
    vpcs: Names,
    subnets: Names,
    /// Owning VPC index of each subnet (by subnet index in `subnet_list`).
    subnet_list: Vec<(&'a Subnet, usize)>,
    sgs: Names,
    workloads: Names,
    nlbs: Names,
    services: Names,
    endpoints: Names,
    gateway_endpoints: Names,
    peerings: Names,
    tgws: Names,
    nats: Names,
    sites: Names,
    dxs: Names,
    traffic: Names,
}

impl<'a> Validator<'a> {
    fn new(s: &'a Scenario) -> Self {
        Validator {
            s,
            problems: Problems::default(),
            route_tables: s
                .vpcs
                .iter()
                .map(|v| {
                    v.route_tables
                        .iter()
                        .map(|r| r.name.as_str())
                        .chain(["main"])
                        .collect()
                })
                .collect(),
            azs: Names::new("AZ"),
            az_region: BTreeMap::new(),
            accounts: Names::new("account"),
            account_ids: BTreeSet::new(),
            vpcs: Names::new("VPC"),
            subnets: Names::new("subnet"),
            subnet_list: Vec::new(),
            sgs: Names::new("security group"),
            workloads: Names::new("workload"),
            nlbs: Names::new("load balancer"),
            services: Names::new("endpoint service"),
            endpoints: Names::new("interface endpoint"),
            gateway_endpoints: Names::new("gateway endpoint"),
            peerings: Names::new("peering"),
            tgws: Names::new("transit gateway"),
            nats: Names::new("NAT gateway"),
            sites: Names::new("site"),
            dxs: Names::new("Direct Connect connection"),
            traffic: Names::new("traffic class"),
        }
    }

    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(path.into(), message.into());
    }

    fn run(&mut self) {
        self.header();
        self.collect_names();
        self.accounts_and_azs();
        self.vpcs_check();
        self.security_groups_check();
        self.workloads_check();
        self.nlbs_check();
        self.services_check();
        self.endpoints_check();
        self.gateway_endpoints_check();
        self.peerings_check();
        self.tgws_check();
        self.nats_check();
        self.sites_and_dx_check();
        self.traffic_check();
        self.events_check();
        self.expect_check();
        self.text_check();
    }

    /// No control characters in any text field (see [`super::text`]).
    fn text_check(&mut self) {
        for (path, message) in super::text::problems(self.s) {
            self.err(path, message);
        }
    }

    fn header(&mut self) {
        let s = self.s;
        if let Err(m) = check_name(&s.name) {
            self.err("name", m);
        }
        if s.duration == SimDuration::ZERO {
            self.err(
                "duration",
                "the run must last longer than zero, e.g. \"24h\"",
            );
        }
        if !regions::is_known_region(&s.region) {
            self.err(
                "region",
                format!(
                    "unknown region {:?}; known: {}",
                    s.region,
                    regions::known_regions().join(", ")
                ),
            );
        }
        if s.settings.sample_interval == SimDuration::ZERO {
            self.err(
                "settings.sample_interval",
                "must be longer than zero, e.g. \"1m\"",
            );
        }
        if let Some(p) = &s.quota_overrides.scaling {
            self.scaling_check("quota_overrides.scaling", p);
        }
        if s.settings.consolidated_billing && s.accounts.iter().all(|a| a.org.is_none()) {
            self.err(
                "settings.consolidated_billing",
                "pools tiers across the accounts of an organization, but no account has one; give the accounts of a billing family `org: \"o-...\"`, or leave it off",
            );
        }
    }

    fn scaling_check(&mut self, path: &str, p: &ScalingPolicy) {
        for (at, message) in scaling_problems(path, p) {
            self.err(at, message);
        }
    }

    /// Registers every name, reporting duplicates.
    fn collect_names(&mut self) {
        let s = self.s;
        fn add(names: &mut Names, problems: &mut Problems, path: String, name: &str, index: usize) {
            if name.trim().is_empty() {
                problems.push(path, format!("{} name is empty", names.kind));
            } else if names.map.contains_key(name) {
                // The first definition keeps the name; references resolve to it.
                problems.push(
                    path,
                    format!(
                        "duplicate {} name {name:?}; names must be unique",
                        names.kind
                    ),
                );
            } else {
                names.map.insert(name.to_string(), index);
            }
        }
        let p = &mut self.problems;
        for (i, a) in s.accounts.iter().enumerate() {
            add(
                &mut self.accounts,
                p,
                format!("accounts[{i}].name"),
                &a.name,
                i,
            );
        }
        for (i, v) in s.vpcs.iter().enumerate() {
            add(&mut self.vpcs, p, format!("vpcs[{i}].name"), &v.name, i);
            for (j, sn) in v.subnets.iter().enumerate() {
                let idx = self.subnet_list.len();
                add(
                    &mut self.subnets,
                    p,
                    format!("vpcs[{i}].subnets[{j}].name"),
                    &sn.name,
                    idx,
                );
                self.subnet_list.push((sn, i));
            }
        }
        for (i, x) in s.security_groups.iter().enumerate() {
            add(
                &mut self.sgs,
                p,
                format!("security_groups[{i}].name"),
                &x.name,
                i,
            );
        }
        for (i, x) in s.workloads.iter().enumerate() {
            add(
                &mut self.workloads,
                p,
                format!("workloads[{i}].name"),
                &x.name,
                i,
            );
        }
        for (i, x) in s.load_balancers.iter().enumerate() {
            add(
                &mut self.nlbs,
                p,
                format!("load_balancers[{i}].name"),
                &x.name,
                i,
            );
        }
        for (i, x) in s.services.iter().enumerate() {
            add(
                &mut self.services,
                p,
                format!("services[{i}].name"),
                &x.name,
                i,
            );
        }
        for (i, x) in s.endpoints.iter().enumerate() {
            add(
                &mut self.endpoints,
                p,
                format!("endpoints[{i}].name"),
                &x.name,
                i,
            );
        }
        for (i, x) in s.gateway_endpoints.iter().enumerate() {
            add(
                &mut self.gateway_endpoints,
                p,
                format!("gateway_endpoints[{i}].name"),
                &x.name,
                i,
            );
        }
        for (i, x) in s.peerings.iter().enumerate() {
            add(
                &mut self.peerings,
                p,
                format!("peerings[{i}].name"),
                &x.name,
                i,
            );
        }
        for (i, x) in s.transit_gateways.iter().enumerate() {
            add(
                &mut self.tgws,
                p,
                format!("transit_gateways[{i}].name"),
                &x.name,
                i,
            );
        }
        for (i, x) in s.nat_gateways.iter().enumerate() {
            add(
                &mut self.nats,
                p,
                format!("nat_gateways[{i}].name"),
                &x.name,
                i,
            );
        }
        for (i, x) in s.sites.iter().enumerate() {
            add(&mut self.sites, p, format!("sites[{i}].name"), &x.name, i);
        }
        for (i, x) in s.direct_connects.iter().enumerate() {
            add(
                &mut self.dxs,
                p,
                format!("direct_connects[{i}].name"),
                &x.name,
                i,
            );
        }
        for (i, x) in s.traffic.iter().enumerate() {
            add(
                &mut self.traffic,
                p,
                format!("traffic[{i}].name"),
                &x.name,
                i,
            );
        }
    }

    fn accounts_and_azs(&mut self) {
        let s = self.s;
        for (i, a) in s.accounts.iter().enumerate() {
            if a.id.len() != 12 || !a.id.bytes().all(|b| b.is_ascii_digit()) {
                self.err(
                    format!("accounts[{i}].id"),
                    format!("{:?} is not a 12-digit AWS account ID", a.id),
                );
            } else if !self.account_ids.insert(&a.id) {
                self.err(
                    format!("accounts[{i}].id"),
                    format!("account ID {} is used by two accounts", a.id),
                );
            }
            if let Some(ou) = &a.org_unit {
                if !ou.starts_with("ou-") {
                    self.err(
                        format!("accounts[{i}].org_unit"),
                        format!("{ou:?} is not an OU ID; OU IDs look like \"ou-ab12-cdef3456\""),
                    );
                }
            }
        }
        if s.accounts.is_empty() {
            self.err("accounts", "a scenario needs at least one account");
        }
        // AZs: declared ones, else every AZ of the regions in use.
        if s.azs.is_empty() {
            let mut used: BTreeSet<String> = BTreeSet::new();
            used.insert(s.region.clone());
            for v in &s.vpcs {
                if let Some(r) = &v.region {
                    used.insert(r.clone());
                }
            }
            for t in &s.transit_gateways {
                if let Some(r) = &t.region {
                    used.insert(r.clone());
                }
            }
            for r in used {
                for id in regions::az_ids(&r) {
                    self.az_region.insert(id, r.clone());
                }
            }
            // Builtin AZ names index into a synthetic list; record them by name only.
        } else {
            for (i, az) in s.azs.iter().enumerate() {
                let region = az
                    .region
                    .clone()
                    .or_else(|| regions::region_of_az(&az.id).map(str::to_string));
                match region {
                    None => self.err(
                        format!("azs[{i}].region"),
                        format!(
                            "cannot tell the region of AZ {:?} from its ID; add `region: \"...\"`",
                            az.id
                        ),
                    ),
                    Some(r) => {
                        if self.az_region.insert(az.id.clone(), r).is_some() {
                            self.err(format!("azs[{i}].id"), format!("duplicate AZ {:?}", az.id));
                        }
                    }
                }
                for account in az.names.keys() {
                    if self.accounts.get(account).is_none() {
                        let m = self.accounts.unknown(account);
                        self.err(format!("azs[{i}].names"), m);
                    }
                }
            }
        }
        for (i, (id, _)) in self.az_region.iter().enumerate() {
            self.azs.map.insert(id.clone(), i);
        }
    }

    /// `unknown AZ …`, with the AZ ID to write when `az` is an AZ *name*.
    fn unknown_az(&self, az: &str) -> String {
        let mut m = self.azs.unknown(az);
        if let Some(hint) = self.az_name_hint(az) {
            m.push_str("; ");
            m.push_str(&hint);
        }
        m
    }

    /// When `az` looks like an AZ name (`us-east-1a`: a region and a letter),
    /// the ID it stands for here: AZ names differ between accounts, IDs
    /// (`use1-az1`) name the same zone in all of them.
    fn az_name_hint(&self, az: &str) -> Option<String> {
        let region = az.strip_suffix(|c: char| c.is_ascii_lowercase())?;
        if !region.ends_with(|c: char| c.is_ascii_digit()) || region.matches('-').count() != 2 {
            return None;
        }
        let lead = format!("{az:?} is an AZ name, not an AZ ID (names differ between accounts)");
        let mapped: Vec<String> = self
            .s
            .azs
            .iter()
            .flat_map(|a| {
                a.names
                    .iter()
                    .filter(|(_, n)| n.as_str() == az)
                    .map(move |(acct, _)| format!("{:?} in account {acct}", a.id))
            })
            .collect();
        if !mapped.is_empty() {
            return Some(format!("{lead}; write its ID: {}", mapped.join(", ")));
        }
        let derived = self
            .az_region
            .keys()
            .find(|id| regions::default_az_name(id).as_deref() == Some(az));
        Some(match derived {
            Some(id) => format!(
                "{lead}; in this scenario it is {id:?}: write az: {id:?}"
            ),
            None => format!(
                "{lead}; write the AZ ID (`aws ec2 describe-availability-zones` shows each name's ZoneId)"
            ),
        })
    }

    fn check_az(&mut self, path: String, az: &str, region: &str) {
        if !regions::is_known_region(region) {
            // The region itself is reported once; its AZs cannot be checked.
            return;
        }
        match self.az_region.get(az) {
            None => {
                let m = match regions::region_of_az(az) {
                    Some(r) if r != region => {
                        format!("AZ {az:?} is in region {r}, not in {region}")
                    }
                    _ => self.unknown_az(az),
                };
                self.err(path, m);
            }
            Some(r) if r != region => {
                let m = format!("AZ {az:?} is in region {r}, not in {region}");
                self.err(path, m);
            }
            Some(_) => {}
        }
    }

    fn region_of_vpc(&self, vpc: usize) -> String {
        self.s.vpcs[vpc]
            .region
            .clone()
            .unwrap_or_else(|| self.s.region.clone())
    }

    fn check_account(&mut self, path: String, name: &str) {
        if self.accounts.get(name).is_none() {
            let m = self.accounts.unknown(name);
            self.err(path, m);
        }
    }

    fn vpcs_check(&mut self) {
        let s = self.s;
        for (i, v) in s.vpcs.iter().enumerate() {
            let base = format!("vpcs[{i}]");
            self.check_account(format!("{base}.account"), &v.account);
            let region = self.region_of_vpc(i);
            if let Some(r) = &v.region {
                if !regions::is_known_region(r) {
                    self.err(
                        format!("{base}.region"),
                        format!(
                            "unknown region {r:?}; known: {}",
                            regions::known_regions().join(", ")
                        ),
                    );
                }
            }
            if v.cidrs.is_empty() {
                self.err(
                    format!("{base}.cidrs"),
                    "a VPC needs at least one CIDR block",
                );
            }
            for (a, ca) in v.cidrs.iter().enumerate() {
                if let ipnet::IpNet::V4(n) = ca.0 {
                    if !(16..=28).contains(&n.prefix_len()) {
                        self.err(
                            format!("{base}.cidrs[{a}]"),
                            format!("{ca}: a VPC IPv4 block must be between /16 and /28"),
                        );
                    }
                }
            }
            for (a, b) in overlap::overlapping(&v.cidrs) {
                let (ca, cb) = (&v.cidrs[a], &v.cidrs[b]);
                self.err(
                    format!("{base}.cidrs[{b}]"),
                    format!("{cb} overlaps {ca} (cidrs[{a}]) of the same VPC"),
                );
            }
            let containers = overlap::Containers::new(&v.cidrs);
            let rts: BTreeSet<&str> = v.route_tables.iter().map(|r| r.name.as_str()).collect();
            let nacls: BTreeSet<&str> = v.nacls.iter().map(|r| r.name.as_str()).collect();
            if rts.len() != v.route_tables.len() {
                self.err(
                    format!("{base}.route_tables"),
                    "duplicate route table names",
                );
            }
            if nacls.len() != v.nacls.len() {
                self.err(format!("{base}.nacls"), "duplicate NACL names");
            }
            for (j, sn) in v.subnets.iter().enumerate() {
                let sp = format!("{base}.subnets[{j}]");
                self.check_az(format!("{sp}.az"), &sn.az, &region);
                if !containers.contain(&sn.cidr) {
                    let blocks = join_shown(v.cidrs.iter().map(|c| c.to_string()), v.cidrs.len());
                    self.err(
                        format!("{sp}.cidr"),
                        format!("{} is outside the VPC's CIDR blocks ({blocks})", sn.cidr),
                    );
                }
                if let Some(rt) = &sn.route_table {
                    // "main" always exists: listed, or implicit.
                    if rt != "main" && !rts.contains(rt.as_str()) {
                        self.err(
                            format!("{sp}.route_table"),
                            format!(
                                "unknown route table {rt:?} in VPC {:?}; known: {}",
                                v.name,
                                join_or_none(&rts)
                            ),
                        );
                    }
                }
                if let Some(n) = &sn.nacl {
                    if !nacls.contains(n.as_str()) {
                        self.err(
                            format!("{sp}.nacl"),
                            format!(
                                "unknown NACL {n:?} in VPC {:?}; known: {}",
                                v.name,
                                join_or_none(&nacls)
                            ),
                        );
                    }
                }
            }
            let subnet_blocks: Vec<Cidr> = v.subnets.iter().map(|sn| sn.cidr).collect();
            for (k, j) in overlap::overlapping(&subnet_blocks) {
                let (sn, other) = (&v.subnets[j], &v.subnets[k]);
                self.err(
                    format!("{base}.subnets[{j}].cidr"),
                    format!(
                        "{} overlaps subnet {:?} ({}) of the same VPC (subnets[{k}])",
                        sn.cidr, other.name, other.cidr
                    ),
                );
            }
            for (j, rt) in v.route_tables.iter().enumerate() {
                for (k, r) in rt.routes.iter().enumerate() {
                    let rp = format!("{base}.route_tables[{j}].routes[{k}].via");
                    match &r.via {
                        RouteTarget::Peering(p) => {
                            if self.peerings.get(p).is_none() {
                                let m = self.peerings.unknown(p);
                                self.err(rp, m);
                            }
                        }
                        RouteTarget::TransitGateway(t) => {
                            if self.tgws.get(t).is_none() {
                                let m = self.tgws.unknown(t);
                                self.err(rp, m);
                            }
                        }
                        RouteTarget::NatGateway(n) => {
                            if self.nats.get(n).is_none() {
                                let m = self.nats.unknown(n);
                                self.err(rp, m);
                            }
                        }
                        RouteTarget::InternetGateway => {
                            if !v.internet_gateway {
                                self.err(rp, format!("VPC {:?} has no internet gateway; set `internet_gateway: true`", v.name));
                            }
                        }
                        RouteTarget::VpnGateway => {
                            if !v.vpn_gateway {
                                self.err(rp, format!("VPC {:?} has no virtual private gateway; set `vpn_gateway: true`", v.name));
                            }
                        }
                        RouteTarget::Blackhole => {}
                    }
                }
            }
            for (j, n) in v.nacls.iter().enumerate() {
                for (dir, rules) in [("inbound", &n.inbound), ("outbound", &n.outbound)] {
                    let mut seen = BTreeSet::new();
                    for (k, r) in rules.iter().enumerate() {
                        if r.number == 0 || r.number > 32766 {
                            self.err(
                                format!("{base}.nacls[{j}].{dir}[{k}].number"),
                                format!("rule number {} is outside 1–32766", r.number),
                            );
                        }
                        if !seen.insert(r.number) {
                            self.err(
                                format!("{base}.nacls[{j}].{dir}[{k}].number"),
                                format!("rule number {} is used twice", r.number),
                            );
                        }
                    }
                }
            }
        }
    }

    /// Index of the VPC of subnet `name`, reporting an unknown subnet.
    fn subnet_vpc(&mut self, path: String, name: &str) -> Option<(usize, &'a Subnet)> {
        match self.subnets.get(name) {
            Some(idx) => {
                let (sn, vpc) = self.subnet_list[idx];
                Some((vpc, sn))
            }
            None => {
                let m = self.subnets.unknown(name);
                self.err(path, m);
                None
            }
        }
    }

    /// Checks a list of subnets: all known, all in one VPC, optionally at most
    /// one per AZ. Returns that VPC.
    fn subnet_list_check(
        &mut self,
        base: &str,
        subnets: &[String],
        one_per_az: bool,
    ) -> Option<usize> {
        if subnets.is_empty() {
            self.err(format!("{base}.subnets"), "needs at least one subnet");
            return None;
        }
        let mut vpc: Option<usize> = None;
        let mut azs: BTreeMap<&str, &str> = BTreeMap::new();
        for (j, name) in subnets.iter().enumerate() {
            let path = format!("{base}.subnets[{j}]");
            if let Some((v, sn)) = self.subnet_vpc(path.clone(), name) {
                match vpc {
                    None => vpc = Some(v),
                    Some(first) if first != v => {
                        let m = format!(
                            "subnet {name:?} is in VPC {:?}, but the others are in VPC {:?}; all must be in one VPC",
                            self.s.vpcs[v].name, self.s.vpcs[first].name
                        );
                        self.err(path.clone(), m);
                    }
                    _ => {}
                }
                if one_per_az {
                    if let Some(prev) = azs.insert(&sn.az, name) {
                        self.err(
                            path,
                            format!(
                                "subnets {prev:?} and {name:?} are both in AZ {}; one subnet per AZ is allowed",
                                sn.az
                            ),
                        );
                    }
                }
            }
        }
        vpc
    }

    fn sg_list_check(&mut self, base: &str, sgs: &[String], vpc: Option<usize>) {
        for (j, name) in sgs.iter().enumerate() {
            let path = format!("{base}.security_groups[{j}]");
            match self.sgs.get(name) {
                None => {
                    let m = self.sgs.unknown(name);
                    self.err(path, m);
                }
                Some(g) => {
                    let gv = &self.s.security_groups[g].vpc;
                    if let Some(v) = vpc {
                        if *gv != self.s.vpcs[v].name {
                            let m = format!(
                                "security group {name:?} belongs to VPC {gv:?}, not to {:?}",
                                self.s.vpcs[v].name
                            );
                            self.err(path, m);
                        }
                    }
                }
            }
        }
    }

    fn security_groups_check(&mut self) {
        let s = self.s;
        for (i, g) in s.security_groups.iter().enumerate() {
            if self.vpcs.get(&g.vpc).is_none() {
                let m = self.vpcs.unknown(&g.vpc);
                self.err(format!("security_groups[{i}].vpc"), m);
            }
            let outbound = g.outbound.as_deref().unwrap_or(&[]);
            for (dir, rules) in [("inbound", g.inbound.as_slice()), ("outbound", outbound)] {
                for (k, r) in rules.iter().enumerate() {
                    if let SgPeer::Group(other) = &r.peer {
                        if self.sgs.get(other).is_none() {
                            let m = self.sgs.unknown(other);
                            self.err(format!("security_groups[{i}].{dir}[{k}].peer"), m);
                        }
                    }
                }
            }
        }
    }

    fn workloads_check(&mut self) {
        let s = self.s;
        for (i, w) in s.workloads.iter().enumerate() {
            let base = format!("workloads[{i}]");
            let vpc = self.subnet_list_check(&base, &w.subnets, false);
            if w.instances == 0 {
                self.err(
                    format!("{base}.instances"),
                    "a workload needs at least one instance",
                );
            }
            if w.nic.0 == 0 {
                self.err(format!("{base}.nic"), "NIC bandwidth must be above zero");
            }
            self.sg_list_check(&base, &w.security_groups, vpc);
        }
    }

    fn nlbs_check(&mut self) {
        let s = self.s;
        for (i, n) in s.load_balancers.iter().enumerate() {
            let base = format!("load_balancers[{i}]");
            let vpc = self.subnet_list_check(&base, &n.subnets, true);
            if n.targets.is_empty() {
                self.err(
                    format!("{base}.targets"),
                    "a load balancer needs at least one target workload",
                );
            }
            for (j, t) in n.targets.iter().enumerate() {
                match self.workloads.get(t) {
                    None => {
                        let m = self.workloads.unknown(t);
                        self.err(format!("{base}.targets[{j}]"), m);
                    }
                    Some(w) => {
                        let wvpc = s.workloads[w]
                            .subnets
                            .first()
                            .and_then(|sn| self.subnets.get(sn))
                            .map(|idx| self.subnet_list[idx].1);
                        if let (Some(a), Some(b)) = (vpc, wvpc) {
                            if a != b {
                                self.err(
                                    format!("{base}.targets[{j}]"),
                                    format!(
                                        "target {t:?} is in VPC {:?}, the load balancer in {:?}",
                                        s.vpcs[b].name, s.vpcs[a].name
                                    ),
                                );
                            }
                        }
                    }
                }
            }
            self.sg_list_check(&base, &n.security_groups, vpc);
        }
    }

    fn principal_check(&mut self, path: String, p: &Principal) {
        match p {
            Principal::Account(id) if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) => {
                self.err(path, format!("{id:?} is not a 12-digit account ID"));
            }
            Principal::OrgUnit(ou) if !ou.starts_with("ou-") => {
                self.err(path, format!("{ou:?} is not an OU ID (\"ou-...\")"));
            }
            Principal::Org(o) if !o.starts_with("o-") => {
                self.err(path, format!("{o:?} is not an organization ID (\"o-...\")"));
            }
            Principal::Role(arn)
                if !arn.starts_with("arn:aws:iam::") || !arn.contains(":role/") =>
            {
                self.err(
                    path,
                    format!("{arn:?} is not a role ARN (\"arn:aws:iam::123456789012:role/name\")"),
                );
            }
            _ => {}
        }
    }

    fn services_check(&mut self) {
        let s = self.s;
        for (i, svc) in s.services.iter().enumerate() {
            let base = format!("services[{i}]");
            if svc.nlbs.is_empty() {
                self.err(
                    format!("{base}.nlbs"),
                    "an endpoint service needs at least one Network Load Balancer (AWS refuses to create one without)",
                );
            }
            for (j, n) in svc.nlbs.iter().enumerate() {
                if self.nlbs.get(n).is_none() {
                    let m = self.nlbs.unknown(n);
                    self.err(format!("{base}.nlbs[{j}]"), m);
                }
            }
            for (j, p) in svc.allowed_principals.iter().enumerate() {
                self.principal_check(format!("{base}.allowed_principals[{j}]"), p);
            }
            if let Some(d) = &svc.private_dns_name {
                if let Err(m) = check_dns_name(&d.name) {
                    self.err(format!("{base}.private_dns_name.name"), m);
                }
            }
        }
    }

    fn policy_check(&mut self, path: String, p: &EndpointPolicy) {
        if p.statements.is_empty() {
            self.err(
                format!("{path}.statements"),
                "a policy with no statement denies everything; omit `policy` for full access",
            );
        }
        let size: usize = p
            .statements
            .iter()
            .map(|s| {
                s.principals
                    .iter()
                    .chain(&s.actions)
                    .chain(&s.resources)
                    .map(|x| x.len() + 4)
                    .sum::<usize>()
                    + 40
            })
            .sum();
        if size > 20_480 {
            self.err(
                path,
                format!("the policy is about {size} characters; AWS allows 20,480"),
            );
        }
    }

    fn endpoints_check(&mut self) {
        let s = self.s;
        for (i, e) in s.endpoints.iter().enumerate() {
            let base = format!("endpoints[{i}]");
            let evpc = self.vpcs.get(&e.vpc);
            if evpc.is_none() {
                let m = self.vpcs.unknown(&e.vpc);
                self.err(format!("{base}.vpc"), m);
            }
            if self.services.get(&e.service).is_none() {
                let m = self.services.unknown(&e.service);
                self.err(format!("{base}.service"), m);
            }
            let svpc = self.subnet_list_check(&base, &e.subnets, true);
            if let (Some(a), Some(b)) = (evpc, svpc) {
                if a != b {
                    self.err(
                        format!("{base}.subnets"),
                        format!(
                            "the subnets are in VPC {:?}, the endpoint in {:?}",
                            s.vpcs[b].name, s.vpcs[a].name
                        ),
                    );
                }
            }
            self.sg_list_check(&base, &e.security_groups, evpc);
            if let Some(p) = &e.policy {
                self.policy_check(format!("{base}.policy"), p);
            }
            if let Some(by) = &e.created_by {
                if !by.starts_with("arn:aws:iam::") {
                    self.err(
                        format!("{base}.created_by"),
                        format!("{by:?} is not an IAM ARN"),
                    );
                }
            }
        }
    }

    fn gateway_endpoints_check(&mut self) {
        let s = self.s;
        for (i, g) in s.gateway_endpoints.iter().enumerate() {
            let base = format!("gateway_endpoints[{i}]");
            match self.vpcs.get(&g.vpc) {
                None => {
                    let m = self.vpcs.unknown(&g.vpc);
                    self.err(format!("{base}.vpc"), m);
                }
                Some(v) => {
                    let vpc = &s.vpcs[v];
                    for (j, rt) in g.route_tables.iter().enumerate() {
                        let names = &self.route_tables[v];
                        if !names.contains(rt.as_str()) {
                            let m = format!(
                                "unknown route table {rt:?} in VPC {:?}; known: {}",
                                vpc.name,
                                join_or_none(names)
                            );
                            self.err(format!("{base}.route_tables[{j}]"), m);
                        }
                    }
                }
            }
            if let Some(p) = &g.policy {
                self.policy_check(format!("{base}.policy"), p);
            }
        }
    }

    fn peerings_check(&mut self) {
        let s = self.s;
        for (i, p) in s.peerings.iter().enumerate() {
            let base = format!("peerings[{i}]");
            for (field, v) in [("requester", &p.requester), ("accepter", &p.accepter)] {
                if self.vpcs.get(v).is_none() {
                    let m = self.vpcs.unknown(v);
                    self.err(format!("{base}.{field}"), m);
                }
            }
            if p.requester == p.accepter {
                self.err(format!("{base}.accepter"), "a VPC cannot peer with itself");
            }
        }
    }

    fn tgws_check(&mut self) {
        let s = self.s;
        for (i, t) in s.transit_gateways.iter().enumerate() {
            let base = format!("transit_gateways[{i}]");
            self.check_account(format!("{base}.account"), &t.account);
            let mut att_names: BTreeSet<&str> = BTreeSet::new();
            for (j, a) in t.attachments.iter().enumerate() {
                let ap = format!("{base}.attachments[{j}]");
                if !att_names.insert(&a.name) {
                    self.err(
                        format!("{ap}.name"),
                        format!("duplicate attachment name {:?}", a.name),
                    );
                }
                match &a.target {
                    AttachmentTarget::Vpc(v) => match self.vpcs.get(v) {
                        None => {
                            let m = self.vpcs.unknown(v);
                            self.err(format!("{ap}.target"), m);
                        }
                        Some(vi) => {
                            if let Some(sv) = self.subnet_list_check(&ap, &a.subnets, true) {
                                if sv != vi {
                                    self.err(
                                        format!("{ap}.subnets"),
                                        format!("the subnets are not in VPC {v:?}"),
                                    );
                                }
                            }
                        }
                    },
                    AttachmentTarget::DirectConnect(d) => {
                        if self.dxs.get(d).is_none() {
                            let m = self.dxs.unknown(d);
                            self.err(format!("{ap}.target"), m);
                        }
                    }
                }
            }
            for (j, rt) in t.route_tables.iter().enumerate() {
                let rp = format!("{base}.route_tables[{j}]");
                for (field, list) in [
                    ("associations", &rt.associations),
                    ("propagations", &rt.propagations),
                ] {
                    for (k, a) in list.iter().enumerate() {
                        if !att_names.contains(a.as_str()) {
                            self.err(
                                format!("{rp}.{field}[{k}]"),
                                format!(
                                    "unknown attachment {a:?}; known: {}",
                                    join_or_none(&att_names)
                                ),
                            );
                        }
                    }
                }
                for (k, r) in rt.routes.iter().enumerate() {
                    if let TgwRouteTarget::Attachment(a) = &r.via {
                        if !att_names.contains(a.as_str()) {
                            self.err(
                                format!("{rp}.routes[{k}].via"),
                                format!(
                                    "unknown attachment {a:?}; known: {}",
                                    join_or_none(&att_names)
                                ),
                            );
                        }
                    }
                }
            }
        }
    }

    fn nats_check(&mut self) {
        let s = self.s;
        for (i, n) in s.nat_gateways.iter().enumerate() {
            let path = format!("nat_gateways[{i}].subnet");
            if let Some((v, _)) = self.subnet_vpc(path.clone(), &n.subnet) {
                if n.public && !s.vpcs[v].internet_gateway {
                    self.err(
                        path,
                        format!(
                            "a public NAT gateway needs an internet gateway in VPC {:?}; set `internet_gateway: true` or `public: false`",
                            s.vpcs[v].name
                        ),
                    );
                }
            }
        }
    }

    fn sites_and_dx_check(&mut self) {
        let s = self.s;
        for (i, site) in s.sites.iter().enumerate() {
            if site.cidrs.is_empty() {
                self.err(
                    format!("sites[{i}].cidrs"),
                    "a site needs at least one CIDR block",
                );
            }
            if site.hosts == 0 {
                self.err(
                    format!("sites[{i}].hosts"),
                    "a site needs at least one host",
                );
            }
        }
        for (i, d) in s.direct_connects.iter().enumerate() {
            let base = format!("direct_connects[{i}]");
            self.check_account(format!("{base}.account"), &d.account);
            if self.sites.get(&d.site).is_none() {
                let m = self.sites.unknown(&d.site);
                self.err(format!("{base}.site"), m);
            }
            if d.speed.0 == 0 {
                self.err(
                    format!("{base}.speed"),
                    "port speed must be above zero, e.g. \"10Gbps\"",
                );
            }
            if d.vifs.is_empty() {
                self.err(
                    format!("{base}.vifs"),
                    "a connection needs at least one virtual interface",
                );
            }
            if d.kind == DxKind::Hosted && d.vifs.len() > 1 {
                self.err(
                    format!("{base}.vifs"),
                    "a hosted connection has exactly one virtual interface",
                );
            }
            for (j, vif) in d.vifs.iter().enumerate() {
                let vp = format!("{base}.vifs[{j}].kind");
                match &vif.kind {
                    VifKind::Private(v) => match self.vpcs.get(v) {
                        None => {
                            let m = self.vpcs.unknown(v);
                            self.err(vp, m);
                        }
                        Some(vi) if !s.vpcs[vi].vpn_gateway => {
                            self.err(vp, format!("VPC {v:?} has no virtual private gateway for a private VIF; set `vpn_gateway: true` on it"));
                        }
                        Some(_) => {}
                    },
                    VifKind::Transit(t) => {
                        if self.tgws.get(t).is_none() {
                            let m = self.tgws.unknown(t);
                            self.err(vp, m);
                        }
                    }
                }
            }
        }
    }

    fn size_check(&mut self, path: String, d: &SizeDist) {
        let max = MAX_BODY;
        let stated: Vec<Bytes> = match d {
            SizeDist::Fixed(b) => vec![*b],
            SizeDist::Uniform { min, max } => vec![*min, *max],
            SizeDist::LogNormal { median, .. } => vec![*median],
            SizeDist::Pareto { min, max, .. } => std::iter::once(*min).chain(*max).collect(),
            SizeDist::Empirical(points) => points.iter().map(|p| p.0).collect(),
        };
        if let Some(b) = stated.iter().find(|b| **b > max) {
            self.err(
                path.clone(),
                format!("size {b} is above the largest request or response vpcsim accepts (1 PiB = {max})"),
            );
        }
        match d {
            SizeDist::Fixed(_) => {}
            SizeDist::Uniform { min, max } => {
                if min > max {
                    self.err(path, format!("min {min} is above max {max}"));
                }
            }
            SizeDist::LogNormal { median, sigma } => {
                if !(sigma.is_finite() && *sigma >= 0.0 && *sigma <= 10.0) {
                    self.err(
                        path.clone(),
                        format!("sigma {sigma} must be between 0 and 10"),
                    );
                }
                if *median == Bytes::ZERO {
                    self.err(path, "median must be above zero");
                }
            }
            SizeDist::Pareto { min, alpha, max } => {
                if !(alpha.is_finite() && *alpha > 0.0) {
                    self.err(
                        path.clone(),
                        format!("alpha {alpha} must be a positive number"),
                    );
                }
                if *min == Bytes::ZERO {
                    self.err(path.clone(), "min must be above zero");
                }
                if let Some(m) = max {
                    if m < min {
                        self.err(path, format!("max {m} is below min {min}"));
                    }
                }
            }
            SizeDist::Empirical(points) => {
                if points.is_empty() {
                    self.err(path, "an empirical distribution needs at least one point");
                    return;
                }
                let mut last: Option<(Bytes, f64)> = None;
                for (k, (b, p)) in points.iter().enumerate() {
                    if !(p.is_finite() && (0.0..=1.0).contains(p)) {
                        self.err(
                            format!("{path}[{k}]"),
                            format!("probability {p} is outside 0–1"),
                        );
                    }
                    if let Some((lb, lp)) = last {
                        if *b < lb || *p < lp {
                            self.err(
                                format!("{path}[{k}]"),
                                "sizes and probabilities must not decrease",
                            );
                        }
                    }
                    last = Some((*b, *p));
                }
                if let Some((_, p)) = last {
                    if (p - 1.0).abs() > 1e-9 {
                        self.err(
                            path,
                            format!("the last cumulative probability is {p}; it must be 1.0"),
                        );
                    }
                }
            }
        }
    }

    fn rate_check(&mut self, path: String, rate: f64) {
        if !(rate.is_finite() && rate > 0.0) {
            self.err(
                path,
                format!("rate {rate} must be a positive number of connections per second"),
            );
        } else if rate > 1e9 {
            self.err(
                path,
                format!("rate {rate}/s is above the 1e9/s vpcsim accepts"),
            );
        }
    }

    fn az_ref(&mut self, path: String, az: &str) {
        if self.azs.get(az).is_none() {
            let m = self.unknown_az(az);
            self.err(path, m);
        }
    }

    fn dns_check(&mut self, path: String, dns: &Dns) {
        match dns {
            Dns::ZonalIn(az) => self.az_ref(path, az),
            Dns::Mixed(share) if !(share.is_finite() && (0.0..=1.0).contains(share)) => {
                self.err(path, format!("zonal share {share} is outside 0–1"));
            }
            _ => {}
        }
    }

    fn traffic_check(&mut self) {
        let s = self.s;
        for (i, t) in s.traffic.iter().enumerate() {
            let base = format!("traffic[{i}]");
            match &t.from {
                Source::Workload(w) => {
                    if self.workloads.get(w).is_none() {
                        let m = self.workloads.unknown(w);
                        self.err(format!("{base}.from"), m);
                    }
                }
                Source::Site(x) => {
                    if self.sites.get(x).is_none() {
                        let m = self.sites.unknown(x);
                        self.err(format!("{base}.from"), m);
                    }
                }
            }
            let tp = format!("{base}.to");
            match &t.to {
                Target::Service { name, dns } => {
                    if self.services.get(name).is_none() {
                        let m = self.services.unknown(name);
                        self.err(tp.clone(), m);
                    }
                    self.dns_check(format!("{tp}.dns"), dns);
                }
                Target::Endpoint { name, dns } => {
                    if self.endpoints.get(name).is_none() {
                        let m = self.endpoints.unknown(name);
                        self.err(tp.clone(), m);
                    }
                    self.dns_check(format!("{tp}.dns"), dns);
                }
                Target::PrivateDns(name) => {
                    if let Err(m) = check_dns_name(name) {
                        self.err(tp, m);
                    }
                }
                Target::Workload(w) => {
                    if self.workloads.get(w).is_none() {
                        let m = self.workloads.unknown(w);
                        self.err(tp, m);
                    }
                }
                Target::Site(x) => {
                    if self.sites.get(x).is_none() {
                        let m = self.sites.unknown(x);
                        self.err(tp, m);
                    }
                }
                Target::Aws(_) | Target::Internet => {}
            }
            let ap = format!("{base}.arrivals");
            match &t.arrivals {
                Arrivals::Constant { per_second } | Arrivals::Poisson { per_second } => {
                    self.rate_check(format!("{ap}.per_second"), *per_second)
                }
                Arrivals::OnOff {
                    per_second,
                    on,
                    off,
                } => {
                    self.rate_check(format!("{ap}.per_second"), *per_second);
                    if *on == SimDuration::ZERO {
                        self.err(format!("{ap}.on"), "the on period must be longer than zero");
                    }
                    let _ = off;
                }
                Arrivals::Diurnal {
                    peak_per_second,
                    trough_per_second,
                    peak_at,
                } => {
                    self.rate_check(format!("{ap}.peak_per_second"), *peak_per_second);
                    if !(trough_per_second.is_finite() && *trough_per_second >= 0.0) {
                        self.err(format!("{ap}.trough_per_second"), "must be zero or more");
                    } else if trough_per_second > peak_per_second {
                        self.err(
                            format!("{ap}.trough_per_second"),
                            "the trough is above the peak",
                        );
                    }
                    if *peak_at >= SimDuration::from_hours(24) {
                        self.err(format!("{ap}.peak_at"), "a time of day below \"24h\"");
                    }
                }
                Arrivals::Trace { file } => {
                    if file.trim().is_empty() {
                        self.err(format!("{ap}.file"), "trace file name is empty");
                    }
                }
                Arrivals::Burst { count } => {
                    if *count == 0 {
                        self.err(
                            format!("{ap}.count"),
                            "a burst needs at least one connection",
                        );
                    }
                }
            }
            self.size_check(format!("{base}.request"), &t.request);
            self.size_check(format!("{base}.response"), &t.response);
            let start = t.start.unwrap_or(SimDuration::ZERO);
            let end = t.end.unwrap_or(s.duration);
            if end > s.duration {
                self.err(
                    format!("{base}.end"),
                    format!("{end} is after the end of the run ({})", s.duration),
                );
            }
            if start >= end {
                self.err(
                    format!("{base}.start"),
                    format!("the window starts at {start} but ends at {end}"),
                );
            }
        }
    }

    fn service_endpoint_pair(&mut self, path: &str, service: &str, endpoint: &str) {
        let svc = self.services.get(service);
        if svc.is_none() {
            let m = self.services.unknown(service);
            self.err(format!("{path}.service"), m);
        }
        match self.endpoints.get(endpoint) {
            None => {
                let m = self.endpoints.unknown(endpoint);
                self.err(format!("{path}.endpoint"), m);
            }
            Some(e) => {
                let es = &self.s.endpoints[e].service;
                if svc.is_some() && es != service {
                    self.err(
                        format!("{path}.endpoint"),
                        format!(
                            "endpoint {endpoint:?} connects to service {es:?}, not {service:?}"
                        ),
                    );
                }
            }
        }
    }

    fn events_check(&mut self) {
        let s = self.s;
        for (i, ev) in s.events.iter().enumerate() {
            let base = format!("events[{i}]");
            if ev.time() > s.duration {
                self.err(
                    base.clone(),
                    format!(
                        "at {} is after the end of the run ({})",
                        ev.time(),
                        s.duration
                    ),
                );
            }
            match ev.event() {
                Event::Accept { service, endpoint }
                | Event::Reject { service, endpoint }
                | Event::Suspend { service, endpoint }
                | Event::Resume { service, endpoint }
                | Event::Terminate { service, endpoint } => {
                    self.service_endpoint_pair(&base, service, endpoint)
                }
                Event::AddNlb { service, nlb } | Event::RemoveNlb { service, nlb } => {
                    if self.services.get(service).is_none() {
                        let m = self.services.unknown(service);
                        self.err(format!("{base}.service"), m);
                    }
                    if self.nlbs.get(nlb).is_none() {
                        let m = self.nlbs.unknown(nlb);
                        self.err(format!("{base}.nlb"), m);
                    }
                }
                Event::AllowPrincipal { service, principal }
                | Event::RemovePrincipal { service, principal } => {
                    if self.services.get(service).is_none() {
                        let m = self.services.unknown(service);
                        self.err(format!("{base}.service"), m);
                    }
                    self.principal_check(format!("{base}.principal"), principal);
                }
                Event::SetPrivateDnsState { service, .. } => {
                    if self.services.get(service).is_none() {
                        let m = self.services.unknown(service);
                        self.err(format!("{base}.service"), m);
                    }
                }
                Event::AzOutage { az, duration } => {
                    self.az_ref(format!("{base}.az"), az);
                    if *duration == Some(SimDuration::ZERO) {
                        self.err(
                            format!("{base}.for"),
                            "an outage must last longer than zero",
                        );
                    }
                }
                Event::AzRecover { az } => self.az_ref(format!("{base}.az"), az),
                Event::DxDown { dx, duration } => {
                    if self.dxs.get(dx).is_none() {
                        let m = self.dxs.unknown(dx);
                        self.err(format!("{base}.dx"), m);
                    }
                    if *duration == Some(SimDuration::ZERO) {
                        self.err(
                            format!("{base}.for"),
                            "an outage must last longer than zero",
                        );
                    }
                }
                Event::DxUp { dx } => {
                    if self.dxs.get(dx).is_none() {
                        let m = self.dxs.unknown(dx);
                        self.err(format!("{base}.dx"), m);
                    }
                }
                Event::CreateEndpoint { endpoint } | Event::DeleteEndpoint { endpoint } => {
                    if self.endpoints.get(endpoint).is_none() {
                        let m = self.endpoints.unknown(endpoint);
                        self.err(format!("{base}.endpoint"), m);
                    }
                }
            }
        }
    }

    fn expect_check(&mut self) {
        let s = self.s;
        for (i, e) in s.expect.iter().enumerate() {
            let base = format!("expect[{i}]");
            let traffic = match e {
                Expectation::Delivered { traffic, at_least } => {
                    if !(at_least.is_finite() && (0.0..=1.0).contains(at_least)) {
                        self.err(
                            format!("{base}.at_least"),
                            format!("{at_least} is outside 0–1"),
                        );
                    }
                    Some(traffic)
                }
                Expectation::Denied { traffic, reason } => {
                    if reason.is_empty()
                        || !reason.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
                    {
                        self.err(
                            format!("{base}.reason"),
                            format!("{reason:?} is not a reason code; codes look like \"NOT_ALLOWED_PRINCIPAL\" (see docs/outcomes.md)"),
                        );
                    }
                    Some(traffic)
                }
                Expectation::P99FctAtMost { traffic, .. } => Some(traffic),
                Expectation::PeakUtilisationAtMost { max, .. } => {
                    if !(max.is_finite() && *max >= 0.0) {
                        self.err(
                            format!("{base}.max"),
                            format!("{max} must be a fraction ≥ 0"),
                        );
                    }
                    None
                }
                Expectation::CostAtMost {
                    account: Some(a), ..
                } => {
                    self.check_account(format!("{base}.account"), a);
                    None
                }
                _ => None,
            };
            if let Some(t) = traffic {
                if self.traffic.get(t).is_none() {
                    let m = self.traffic.unknown(t);
                    self.err(format!("{base}.traffic"), m);
                }
            }
        }
    }
}

fn join_or_none(names: &BTreeSet<&str>) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        join_shown(names.iter().map(|n| n.to_string()), names.len())
    }
}

/// The first dozen of `items` joined with commas, and how many in all when
/// there are more (a message stays short however long the list).
fn join_shown(items: impl Iterator<Item = String>, len: usize) -> String {
    const SHOWN: usize = 12;
    let mut text = items.take(SHOWN).collect::<Vec<_>>().join(", ");
    if len > SHOWN {
        text.push_str(&format!(", … ({len} in all)"));
    }
    text
}

/// Scenario names become folder names: keep them to a safe alphabet.
fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a valid scenario name: use 1–100 letters, digits, '-', '_' or '.', not starting with '.' (it names the output folder)"
        ))
    }
}

/// A DNS name: labels of letters, digits and '-', optionally a leading `*.`.
fn check_dns_name(name: &str) -> Result<(), String> {
    let body = name.strip_prefix("*.").unwrap_or(name);
    let ok = !body.is_empty()
        && body.len() <= 253
        && body.contains('.')
        && body.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a valid DNS name (lowercase labels separated by dots, e.g. \"orders.example.com\")"
        ))
    }
}

/// `(field path, message)` for what is wrong with a scaling policy at
/// `path`; shared by `quota_overrides.scaling` and quota profile files.
pub fn scaling_problems(path: &str, p: &ScalingPolicy) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if !(p.threshold > 0.0 && p.threshold <= 1.0) {
        out.push((
            format!("{path}.threshold"),
            format!(
                "{} is outside (0, 1]; it is a fraction of capacity",
                p.threshold
            ),
        ));
    }
    if p.step.0 == 0 {
        out.push((
            format!("{path}.step"),
            "a scaling step of 0 never scales".to_string(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_find_near_misses() {
        assert_eq!(
            closest("use1-az9", &["use1-az1", "use1-az2"]),
            Some("use1-az1")
        );
        assert_eq!(closest("orders", &["payments", "billing"]), None);
    }

    #[test]
    fn names_and_dns_names() {
        assert!(check_name("quickstart-2.v1").is_ok());
        assert!(check_name("../../etc").is_err());
        assert!(check_name("a/b").is_err());
        assert!(check_dns_name("orders.example.com").is_ok());
        assert!(check_dns_name("*.example.com").is_ok());
        assert!(check_dns_name("Orders.Example.com").is_err());
        assert!(check_dns_name("localhost").is_err());
    }
}
