//! Building the network layer: transit gateways, route tables, NACLs,
//! security groups and workloads.

use std::collections::BTreeSet;

use super::super::estate::{self as e, Kind};
use super::super::naming::Namespace;
use super::super::rules;
use super::Builder;
use crate::scenario as sc;

impl Builder<'_> {
    pub(super) fn transit_gateways(&mut self) {
        for t in &self.e.transit_gateways {
            let name = self.ns.tgws.name(&t.at.key, t.at.label(), None);
            let (attachments, att_names) = self.tgw_attachments(t);
            let route_tables = self.tgw_route_tables(t, &att_names, &attachments);
            let i = self.s.transit_gateways.len();
            self.comment(format!("transit_gateways[{i}]"), &t.at.source);
            self.built_tgw.insert(t.at.key.clone());
            self.s.transit_gateways.push(sc::TransitGateway {
                name,
                account: self.account(&t.account),
                region: t.region.clone().filter(|r| *r != self.s.region),
                attachments,
                route_tables,
                auto_routes: false,
            });
        }
    }

    fn tgw_attachments(&mut self, t: &e::TransitGateway) -> (Vec<sc::TgwAttachment>, Namespace) {
        let mut names = Namespace::default();
        let mut out = Vec::new();
        let i = self.s.transit_gateways.len();
        for a in self
            .e
            .tgw_attachments
            .iter()
            .filter(|a| a.tgw.as_deref() == Some(&t.at.key))
        {
            let (target, subnets) = match &a.target {
                e::AttachmentTarget::Vpc(v) => {
                    let Some(vpc) = self.vpc_name(&Some(v.clone())) else {
                        self.r.skipped(
                            &a.at.source,
                            "attachment to a VPC that is not in the import",
                        );
                        continue;
                    };
                    let subnets = self.subnets_per_az(&a.subnets, Some(v), &a.at.source);
                    if subnets.is_empty() {
                        self.r.skipped(
                            &a.at.source,
                            "VPC attachment without a subnet in the import",
                        );
                        continue;
                    }
                    (sc::AttachmentTarget::Vpc(vpc), subnets)
                }
                e::AttachmentTarget::DxGateway(g) => match self.dx_for_gateway(g) {
                    Some(dx) => (sc::AttachmentTarget::DirectConnect(dx), Vec::new()),
                    None => {
                        self.r.skipped(
                            &a.at.source,
                            "Direct Connect gateway attachment without a transit VIF on an imported connection",
                        );
                        continue;
                    }
                },
                e::AttachmentTarget::Other(kind) => {
                    self.r.not_modelled(
                        &a.at.source,
                        format!("transit gateway attachment of type {kind}"),
                    );
                    continue;
                }
                e::AttachmentTarget::Unknown => {
                    self.r
                        .skipped(&a.at.source, "attachment whose target is not known");
                    continue;
                }
            };
            let name = names.name(&a.at.key, a.at.label(), None);
            self.comment(
                format!("transit_gateways[{i}].attachments[{}]", out.len()),
                &a.at.source,
            );
            out.push(sc::TgwAttachment {
                name,
                target,
                subnets,
            });
        }
        (out, names)
    }

    /// The DX connection whose transit VIF reaches DX gateway `g`.
    fn dx_for_gateway(&self, g: &str) -> Option<String> {
        self.e
            .vifs
            .iter()
            .filter(|v| v.kind == e::VifKind::Transit && v.dx_gateway.as_deref() == Some(g))
            .find_map(|v| {
                let c = v.connection.as_deref()?;
                let dx = self.ns.dx.get(c)?;
                self.s
                    .direct_connects
                    .iter()
                    .any(|d| {
                        d.name == dx
                            && d.vifs
                                .iter()
                                .any(|x| matches!(x.kind, sc::VifKind::Transit(_)))
                    })
                    .then(|| dx.to_string())
            })
    }

    fn tgw_route_tables(
        &mut self,
        t: &e::TransitGateway,
        att: &Namespace,
        built: &[sc::TgwAttachment],
    ) -> Vec<sc::TgwRouteTable> {
        let ti = self.s.transit_gateways.len();
        let mut names = Namespace::default();
        let mut out: Vec<sc::TgwRouteTable> = Vec::new();
        let mut default_assoc = None;
        let mut default_prop = None;
        let att_name = |k: &String| att.get(k).map(str::to_string);
        for rt in self
            .e
            .tgw_route_tables
            .iter()
            .filter(|r| r.tgw.as_deref() == Some(&t.at.key))
        {
            let name = names.name(&rt.at.key, rt.at.label(), None);
            let mut routes = Vec::new();
            for r in &rt.routes {
                let Ok((to, _)) = rules::cidr(&r.dest) else {
                    self.r
                        .skipped(&r.source, format!("TGW route to {:?}: not a CIDR", r.dest));
                    continue;
                };
                let via = match &r.attachment {
                    None => sc::TgwRouteTarget::Blackhole,
                    Some(k) => match att_name(k) {
                        Some(n) => sc::TgwRouteTarget::Attachment(n),
                        None => {
                            self.r.skipped(
                                &r.source,
                                format!("TGW route to {to} via an attachment not in the import"),
                            );
                            continue;
                        }
                    },
                };
                routes.push(sc::TgwRoute { to, via });
            }
            if rt.default_association {
                default_assoc = Some(out.len());
            }
            if rt.default_propagation {
                default_prop = Some(out.len());
            }
            self.comment(
                format!("transit_gateways[{ti}].route_tables[{}]", out.len()),
                &rt.at.source,
            );
            out.push(sc::TgwRouteTable {
                name,
                associations: rt.associations.iter().filter_map(att_name).collect(),
                propagations: rt.propagations.iter().filter_map(att_name).collect(),
                routes,
            });
        }
        self.default_tgw_table(t, att, &mut out, &mut names, (default_assoc, default_prop));
        if out.is_empty() && !built.is_empty() {
            // An empty list would mean "one default table for all"; say
            // "none" explicitly instead.
            self.r.assumed(
                &t.at.source,
                "no route table in the input: attachments are written unassociated (an empty table `none`)",
            );
            out.push(sc::TgwRouteTable {
                name: "none".into(),
                associations: Vec::new(),
                propagations: Vec::new(),
                routes: Vec::new(),
            });
        }
        for table in &mut out {
            dedup(&mut table.associations);
            dedup(&mut table.propagations);
        }
        out
    }

    /// Attachments that use the TGW's default association or propagation go
    /// to its default table: the one the input marks, or one AWS created that
    /// the input does not list (written as `default`).
    fn default_tgw_table(
        &mut self,
        t: &e::TransitGateway,
        att: &Namespace,
        out: &mut Vec<sc::TgwRouteTable>,
        names: &mut Namespace,
        (assoc, prop): (Option<usize>, Option<usize>),
    ) {
        let users: Vec<&e::TgwAttachment> = self
            .e
            .tgw_attachments
            .iter()
            .filter(|a| a.tgw.as_deref() == Some(&t.at.key))
            .filter(|a| {
                (a.default_association && t.default_association)
                    || (a.default_propagation && t.default_propagation)
            })
            .filter(|a| att.get(&a.at.key).is_some())
            .collect();
        if users.is_empty() {
            return;
        }
        let mut ensure = |slot: Option<usize>, out: &mut Vec<sc::TgwRouteTable>| {
            slot.unwrap_or_else(|| {
                if let Some(i) = out.iter().position(|r| r.name == "default") {
                    return i;
                }
                names.reserve("default");
                out.push(sc::TgwRouteTable {
                    name: "default".into(),
                    associations: Vec::new(),
                    propagations: Vec::new(),
                    routes: Vec::new(),
                });
                out.len() - 1
            })
        };
        let ai = ensure(assoc, out);
        let pi = ensure(prop, out);
        if out.iter().any(|r| r.name == "default") && assoc.is_none() {
            let ti = self.s.transit_gateways.len();
            self.comment(
                format!("transit_gateways[{ti}].route_tables[{ai}]"),
                &format!(
                    "the default route table AWS creates for {} (not listed in the input)",
                    t.at.source
                ),
            );
        }
        for a in users {
            let Some(n) = att.get(&a.at.key) else {
                continue;
            };
            if a.default_association && t.default_association {
                out[ai].associations.push(n.to_string());
            }
            if a.default_propagation && t.default_propagation {
                out[pi].propagations.push(n.to_string());
            }
        }
    }

    // -- route tables ---------------------------------------------------------

    pub(super) fn route_tables(&mut self) {
        for rt in &self.e.route_tables {
            let Some(vpc_key) = rt.vpc.clone() else {
                continue;
            };
            let Some(&vi) = self.vpc_at.get(&vpc_key) else {
                self.r
                    .skipped(&rt.at.source, "route table of a VPC not in the import");
                continue;
            };
            let ns = self
                .ns
                .route_tables
                .entry(vpc_key.clone())
                .or_insert_with(|| {
                    let mut n = Namespace::default();
                    n.reserve("main");
                    n
                });
            let name = if rt.main {
                ns.set(&rt.at.key, "main");
                "main".to_string()
            } else {
                ns.name(&rt.at.key, rt.at.label(), None)
            };
            let routes = self.routes_of(rt, vi);
            let j = self.s.vpcs[vi].route_tables.len();
            self.comment(format!("vpcs[{vi}].route_tables[{j}]"), &rt.at.source);
            self.route_table_name
                .insert(rt.at.key.clone(), (vpc_key.clone(), name.clone()));
            if !rt.main {
                for s in &rt.subnets {
                    let sname = self.ns.subnets.get(s).map(str::to_string);
                    if let Some(sub) = self.s.vpcs[vi]
                        .subnets
                        .iter_mut()
                        .find(|x| Some(&x.name) == sname.as_ref())
                    {
                        sub.route_table = Some(name.clone());
                    }
                }
            }
            self.s.vpcs[vi]
                .route_tables
                .push(sc::RouteTable { name, routes });
        }
    }

    fn routes_of(&mut self, rt: &e::RouteTable, vi: usize) -> Vec<sc::Route> {
        let mut out: Vec<sc::Route> = Vec::new();
        for r in &rt.routes {
            let Some(via) = self.route_target(r, vi) else {
                continue;
            };
            if r.dest.starts_with("pl-") {
                self.r.not_modelled(
                    &r.source,
                    format!(
                        "route to prefix list {} (only gateway-endpoint prefix lists are modelled)",
                        r.dest
                    ),
                );
                continue;
            }
            let to = match rules::cidr(&r.dest) {
                Ok((c, _)) => c,
                Err(m) => {
                    self.r.skipped(&r.source, m);
                    continue;
                }
            };
            if out.iter().any(|o| o.to == to) {
                self.r.skipped(
                    &r.source,
                    format!("a second route to {to} in the same table"),
                );
                continue;
            }
            out.push(sc::Route { to, via });
        }
        out
    }

    /// The scenario target of a route; `None` when it is implicit (local,
    /// gateway endpoint) or not modelled (reported).
    fn route_target(&mut self, r: &e::Route, vi: usize) -> Option<sc::RouteTarget> {
        let key = match &r.target {
            e::RouteTarget::Local => return None,
            e::RouteTarget::Blackhole => return Some(sc::RouteTarget::Blackhole),
            e::RouteTarget::Other(what) => {
                self.r
                    .not_modelled(&r.source, format!("route to {} via {what}", r.dest));
                return None;
            }
            e::RouteTarget::Ref(k) => k,
        };
        let vpc = &self.s.vpcs[vi];
        let found = match self.index.get(key) {
            Some(Kind::Gateway(e::GatewayKind::Internet)) if vpc.internet_gateway => {
                Some(sc::RouteTarget::InternetGateway)
            }
            Some(Kind::Gateway(e::GatewayKind::VpnGateway)) if vpc.vpn_gateway => {
                Some(sc::RouteTarget::VpnGateway)
            }
            Some(Kind::Nat) if self.built_nat.contains(key) => self
                .ns
                .nats
                .get(key)
                .map(|n| sc::RouteTarget::NatGateway(n.into())),
            Some(Kind::Peering) if self.built_peering.contains(key) => self
                .ns
                .peerings
                .get(key)
                .map(|n| sc::RouteTarget::Peering(n.into())),
            Some(Kind::TransitGateway) if self.built_tgw.contains(key) => self
                .ns
                .tgws
                .get(key)
                .map(|n| sc::RouteTarget::TransitGateway(n.into())),
            // Gateway-endpoint routes come from the endpoint's route tables.
            Some(Kind::Endpoint(e::EndpointKind::Gateway)) => return None,
            _ => None,
        };
        if found.is_none() {
            self.r.skipped(
                &r.source,
                format!(
                    "route to {} via {key}: the target is not in the import or not modelled",
                    r.dest
                ),
            );
        }
        found
    }

    // -- NACLs ------------------------------------------------------------------

    pub(super) fn nacls(&mut self) {
        for n in &self.e.nacls {
            let Some(vpc_key) = n.vpc.clone() else {
                continue;
            };
            let Some(&vi) = self.vpc_at.get(&vpc_key) else {
                continue;
            };
            if n.default && allows_all(n) {
                continue; // the scenario's default NACL is exactly this
            }
            let ns = self.ns.nacls.entry(vpc_key.clone()).or_default();
            let name = ns.name(&n.at.key, n.at.label(), None);
            let (inbound, outbound) = self.nacl_rules(n);
            let j = self.s.vpcs[vi].nacls.len();
            self.comment(format!("vpcs[{vi}].nacls[{j}]"), &n.at.source);
            let members: BTreeSet<Option<String>> = n
                .subnets
                .iter()
                .map(|s| self.ns.subnets.get(s).map(str::to_string))
                .collect();
            for sub in &mut self.s.vpcs[vi].subnets {
                let listed = members.contains(&Some(sub.name.clone()));
                if listed || (n.default && sub.nacl.is_none()) {
                    sub.nacl = Some(name.clone());
                }
            }
            self.s.vpcs[vi].nacls.push(sc::Nacl {
                name,
                inbound,
                outbound,
            });
        }
    }

    fn nacl_rules(&mut self, n: &e::Nacl) -> (Vec<sc::NaclRule>, Vec<sc::NaclRule>) {
        let mut inbound: Vec<sc::NaclRule> = Vec::new();
        let mut outbound: Vec<sc::NaclRule> = Vec::new();
        for r in &n.entries {
            if r.number >= 32767 {
                continue; // the implicit final deny
            }
            let src = format!(
                "{} rule {} {}",
                n.at.source,
                r.number,
                if r.egress { "egress" } else { "ingress" }
            );
            let rule = rules::protocol(&r.protocol).and_then(|protocol| {
                let (cidr, _) = rules::cidr(&r.cidr)?;
                let number = u32::try_from(r.number)
                    .ok()
                    .filter(|n| (1..=32766).contains(n))
                    .ok_or_else(|| format!("rule number {} is outside 1–32766", r.number))?;
                Ok(sc::NaclRule {
                    number,
                    action: if r.allow {
                        sc::RuleAction::Allow
                    } else {
                        sc::RuleAction::Deny
                    },
                    cidr,
                    ports: rules::ports(protocol, r.from, r.to)?,
                    protocol,
                })
            });
            let list = if r.egress {
                &mut outbound
            } else {
                &mut inbound
            };
            match rule {
                Ok(rule) if list.iter().any(|x| x.number == rule.number) => {
                    self.r.skipped(&src, "a second rule with the same number");
                }
                Ok(rule) => list.push(rule),
                Err(m) => self.r.not_modelled(&src, m),
            }
        }
        inbound.sort_by_key(|r| r.number);
        outbound.sort_by_key(|r| r.number);
        (inbound, outbound)
    }

    // -- security groups --------------------------------------------------------

    pub(super) fn security_groups(&mut self) {
        // Name every group first: rules refer to each other.
        let mut kept = Vec::new();
        for g in &self.e.security_groups {
            let Some(vpc) = self.vpc_name(&g.vpc) else {
                self.r
                    .skipped(&g.at.source, "security group of a VPC not in the import");
                continue;
            };
            self.ns
                .security_groups
                .name(&g.at.key, g.at.label(), Some(&vpc));
            kept.push((g, vpc));
        }
        for (g, vpc) in kept {
            let Some(name) = self.ns.security_groups.get(&g.at.key).map(str::to_string) else {
                continue;
            };
            let inbound = self.sg_rules(&g.ingress);
            let outbound = g.egress.as_ref().map(|rs| self.sg_rules(rs));
            let outbound = outbound.filter(|rs| !allows_everything_out(rs));
            self.comment(
                format!("security_groups[{}]", self.s.security_groups.len()),
                &g.at.source,
            );
            self.s.security_groups.push(sc::SecurityGroup {
                name,
                vpc,
                inbound,
                outbound,
            });
        }
    }

    fn sg_rules(&mut self, rules_in: &[e::SgRule]) -> Vec<sc::SgRule> {
        let mut out: Vec<sc::SgRule> = Vec::new();
        for r in rules_in {
            let rule = rules::protocol(&r.protocol).and_then(|protocol| {
                Ok(sc::SgRule {
                    peer: self.sg_peer(&r.peer)?,
                    ports: rules::ports(protocol, r.from, r.to)?,
                    protocol,
                })
            });
            match rule {
                Ok(rule) => {
                    let dup = out.iter().any(|o| {
                        o.peer == rule.peer && o.ports == rule.ports && o.protocol == rule.protocol
                    });
                    if !dup {
                        out.push(rule);
                    }
                }
                Err(m) => self.r.not_modelled(&r.source, m),
            }
        }
        out
    }

    fn sg_peer(&self, p: &e::SgPeer) -> Result<sc::SgPeer, String> {
        match p {
            e::SgPeer::Cidr(c) => Ok(sc::SgPeer::Cidr(rules::cidr(c)?.0)),
            e::SgPeer::Group(k) => self
                .ns
                .security_groups
                .get(k)
                .map(|n| sc::SgPeer::Group(n.to_string()))
                .ok_or_else(|| format!("rule refers to security group {k}, which is not in the import")),
            e::SgPeer::PrefixList(id) => self
                .e
                .prefix_lists
                .iter()
                .find(|p| &p.id == id)
                .and_then(|p| rules::gateway_service(&p.service_name))
                .map(sc::SgPeer::PrefixList)
                .ok_or_else(|| format!("rule refers to prefix list {id} (only the S3 and DynamoDB lists are modelled)")),
        }
    }

    // -- workloads ----------------------------------------------------------------

    pub(super) fn workloads(&mut self) {
        let mut groups: Vec<(String, String, Vec<&e::Instances>)> = Vec::new();
        for inst in &self.e.instances {
            let Some(vpc) = inst
                .subnets
                .iter()
                .find_map(|s| self.subnet_vpc.get(s))
                .cloned()
            else {
                self.r
                    .skipped(&inst.at.source, "instances without a subnet in the import");
                continue;
            };
            if inst.count == 0 {
                self.r
                    .skipped(&inst.at.source, "no instance (count or desired capacity 0)");
                continue;
            }
            match groups
                .iter_mut()
                .find(|(g, v, _)| *g == inst.group && *v == vpc)
            {
                Some((_, _, members)) => members.push(inst),
                None => groups.push((inst.group.clone(), vpc, vec![inst])),
            }
        }
        let mut types: Vec<String> = Vec::new();
        for (group, vpc, members) in groups {
            let mut subnets: Vec<String> = Vec::new();
            let mut sgs: Vec<String> = Vec::new();
            for m in &members {
                for s in &m.subnets {
                    if self.subnet_vpc.get(s) == Some(&vpc) {
                        subnets.extend(self.ns.subnets.get(s).map(str::to_string));
                    }
                }
                sgs.extend(self.security_groups_in(&m.security_groups, &vpc, &m.at.source));
                types.extend(m.instance_type.clone());
            }
            dedup(&mut subnets);
            dedup(&mut sgs);
            let first = members[0];
            let name = self
                .ns
                .workloads
                .name(&format!("{group}@{vpc}"), first.at.label(), None);
            for m in &members {
                self.workload_of.insert(m.at.key.clone(), name.clone());
            }
            self.workload_vpc.insert(name.clone(), vpc.clone());
            let count: u32 = members.iter().map(|m| m.count).sum();
            let sources: Vec<&str> = members.iter().map(|m| m.at.source.as_str()).collect();
            self.comment(
                format!("workloads[{}]", self.s.workloads.len()),
                &summarise(&sources),
            );
            self.s.workloads.push(sc::Workload {
                name,
                subnets,
                instances: count.max(1),
                nic: crate::units::Bandwidth::gbps(10),
                security_groups: sgs,
                placement_group: false,
                role: None,
            });
        }
        dedup(&mut types);
        if !types.is_empty() {
            self.r.assumed(
                "workloads",
                format!(
                    "NIC bandwidth of instance types {} not looked up: 10Gbps each (set `nic`)",
                    types.join(", ")
                ),
            );
        }
    }

    /// Names of the groups `keys` that belong to VPC `vpc`.
    pub(super) fn security_groups_in(
        &mut self,
        keys: &[String],
        vpc: &str,
        src: &str,
    ) -> Vec<String> {
        let vpc_name = self.vpc_name(&Some(vpc.to_string())).unwrap_or_default();
        let mut out = Vec::new();
        for k in keys {
            let name = self.ns.security_groups.get(k).map(str::to_string);
            let built = name.as_ref().is_some_and(|n| {
                self.s
                    .security_groups
                    .iter()
                    .any(|g| &g.name == n && g.vpc == vpc_name)
            });
            match name {
                Some(n) if built => out.push(n),
                _ => self.r.skipped(
                    src,
                    format!("security group {k} is not in the import (or in another VPC)"),
                ),
            }
        }
        out
    }
}

/// Whether a NACL allows everything both ways (the default NACL as created).
fn allows_all(n: &e::Nacl) -> bool {
    let allows = |egress: bool| {
        n.entries.iter().any(|r| {
            r.egress == egress
                && r.allow
                && r.cidr == "0.0.0.0/0"
                && rules::protocol(&r.protocol) == Ok(sc::Protocol::All)
        })
    };
    let only_allow_all = n.entries.iter().filter(|r| r.number < 32767).all(|r| {
        r.allow
            && (r.cidr == "0.0.0.0/0" || r.cidr == "::/0")
            && rules::protocol(&r.protocol) == Ok(sc::Protocol::All)
    });
    allows(false) && allows(true) && only_allow_all
}

/// Whether rules allow every protocol and port to 0.0.0.0/0 (and at most
/// `::/0` beside it): the same as writing no outbound rules at all.
fn allows_everything_out(rs: &[sc::SgRule]) -> bool {
    let all = |r: &sc::SgRule, c: &str| {
        r.protocol == sc::Protocol::All
            && r.ports == sc::PortRange::ALL
            && matches!(&r.peer, sc::SgPeer::Cidr(x) if x.to_string() == c)
    };
    match rs {
        [a] => all(a, "0.0.0.0/0"),
        [a, b] => all(a, "0.0.0.0/0") && all(b, "::/0") || all(b, "0.0.0.0/0") && all(a, "::/0"),
        _ => false,
    }
}

/// Removes repeats, keeping the first of each.
pub(super) fn dedup(v: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    v.retain(|x| seen.insert(x.clone()));
}

/// A provenance comment for several sources.
pub(super) fn summarise(sources: &[&str]) -> String {
    const SHOWN: usize = 4;
    let mut s = sources
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if sources.len() > SHOWN {
        s.push_str(&format!(" (+{} more)", sources.len() - SHOWN));
    }
    s
}
