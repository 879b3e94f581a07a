//! Building a [`Fabric`] from a validated scenario.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use super::*;
use crate::scenario::{regions, AttachmentTarget, RouteTarget, Scenario, TgwRouteTarget, VifKind};

/// Hands out private IPs in a subnet, skipping the addresses AWS reserves
/// (network, router, DNS, future use, and the last).
struct IpPool {
    next: BTreeMap<u32, u128>,
}

impl IpPool {
    fn take(&mut self, subnet: &SubnetInfo, what: &str) -> Result<IpAddr, FabricError> {
        let offset = self.next.entry(subnet.node.index() as u32).or_insert(4);
        let full = || FabricError::SubnetFull {
            subnet: subnet.name.clone(),
            cidr: subnet.cidr.to_string(),
            what: what.to_string(),
        };
        let ip = match subnet.cidr {
            IpNet::V4(n) => {
                let size: u128 = 1u128 << (32 - u32::from(n.prefix_len()));
                if *offset >= size.saturating_sub(1) {
                    return Err(full());
                }
                let base = u32::from(n.network());
                IpAddr::V4(std::net::Ipv4Addr::from(base + *offset as u32))
            }
            IpNet::V6(n) => {
                let bits = 128 - u32::from(n.prefix_len());
                if bits < 128 && *offset >= (1u128 << bits) - 1 {
                    return Err(full());
                }
                let base = u128::from(n.network());
                IpAddr::V6(std::net::Ipv6Addr::from(base + *offset))
            }
        };
        *offset += 1;
        Ok(ip)
    }
}

struct Builder<'s> {
    s: &'s Scenario,
    f: Fabric,
    ips: IpPool,
    /// Per-AZ account-name → AZ-name maps, resolved once accounts exist.
    pending_az_names: Vec<BTreeMap<String, String>>,
}

pub(super) fn build(s: &Valid, quotas: &QuotaProfile) -> Result<Fabric, FabricError> {
    let s = s.scenario();
    let quotas = quotas.clone();
    let f = Fabric {
        name: s.name.clone(),
        region: s.region.clone(),
        quotas,
        graph: Topology::default(),
        azs: Vec::new(),
        accounts: Vec::new(),
        vpcs: Vec::new(),
        subnets: Vec::new(),
        security_groups: Vec::new(),
        workloads: Vec::new(),
        enis: Vec::new(),
        nlbs: Vec::new(),
        services: Vec::new(),
        endpoints: Vec::new(),
        gateway_endpoints: Vec::new(),
        peerings: Vec::new(),
        tgws: Vec::new(),
        tgw_attachments: Vec::new(),
        nats: Vec::new(),
        sites: Vec::new(),
        dxs: Vec::new(),
        index: Vec::new(),
    };
    let mut b = Builder {
        s,
        f,
        ips: IpPool {
            next: BTreeMap::new(),
        },
        pending_az_names: Vec::new(),
    };
    b.azs()?;
    b.accounts()?;
    b.vpcs()?;
    b.security_groups()?;
    b.nlbs()?;
    b.services()?;
    b.endpoints()?;
    b.nats()?;
    b.sites_and_dx()?;
    b.tgws()?;
    b.gateway_endpoints()?;
    b.peerings()?;
    b.workloads()?;
    Ok(b.f)
}

impl Builder<'_> {
    fn node(&mut self, n: Node) -> NodeIndex {
        self.f.graph.add_node(n)
    }
    fn edge(&mut self, a: NodeIndex, b: NodeIndex, e: Edge) {
        self.f.graph.add_edge(a, b, e);
    }
    fn name(&mut self, kind: Kind, name: &str, i: usize) {
        let k = kind as usize;
        if self.f.index.len() <= k {
            self.f.index.resize_with(k + 1, Default::default);
        }
        self.f.index[k].insert(name.to_string(), i as u32);
    }
    // Lookups below run on a validated scenario, where every name exists; a
    // missing one (a validator bug) is an error, never a panic.
    fn id(&self, kind: Kind, name: &str) -> Result<u32, FabricError> {
        self.f
            .index_of(kind, name)
            .ok_or_else(|| FabricError::unresolved(&format!("{kind:?}"), name))
    }
    /// Ids of named subnets (validated to exist).
    fn subnet_ids(&self, names: &[String]) -> Result<Vec<SubnetId>, FabricError> {
        names
            .iter()
            .map(|x| self.id(Kind::Subnet, x).map(SubnetId))
            .collect()
    }
    fn account_of_vpc(&self, v: VpcId) -> AccountId {
        self.f.vpcs[v.index()].account
    }

    fn azs(&mut self) -> Result<(), FabricError> {
        let s = self.s;
        let declared: Vec<(String, String, BTreeMap<String, String>)> = if s.azs.is_empty() {
            let mut regions_used: Vec<String> = vec![s.region.clone()];
            for r in s
                .vpcs
                .iter()
                .filter_map(|v| v.region.clone())
                .chain(s.transit_gateways.iter().filter_map(|t| t.region.clone()))
            {
                if !regions_used.contains(&r) {
                    regions_used.push(r);
                }
            }
            regions_used
                .iter()
                .flat_map(|r| {
                    regions::az_ids(r)
                        .into_iter()
                        .map(move |id| (id, r.clone(), BTreeMap::new()))
                })
                .collect()
        } else {
            s.azs
                .iter()
                .map(|a| {
                    let region = a
                        .region
                        .clone()
                        .or_else(|| regions::region_of_az(&a.id).map(str::to_string))
                        .unwrap_or_else(|| s.region.clone());
                    (a.id.clone(), region, a.names.clone())
                })
                .collect()
        };
        for (i, (id, region, _)) in declared.iter().enumerate() {
            let node = self.node(Node::Az(AzId::from_index(i)));
            let default_name = regions::default_az_name(id).unwrap_or_else(|| id.clone());
            self.f.azs.push(AzInfo {
                id: id.clone(),
                region: region.clone(),
                names: BTreeMap::new(),
                default_name,
                node,
            });
            self.name(Kind::Az, id, i);
        }
        // Per-account names are resolved once accounts exist.
        self.pending_az_names = declared.into_iter().map(|(_, _, n)| n).collect();
        Ok(())
    }

    fn accounts(&mut self) -> Result<(), FabricError> {
        for (i, a) in self.s.accounts.iter().enumerate() {
            let node = self.node(Node::Account(AccountId::from_index(i)));
            self.f.accounts.push(AccountInfo {
                name: a.name.clone(),
                id: a.id.clone(),
                org: a.org.clone(),
                org_unit: a.org_unit.clone(),
                node,
            });
            self.name(Kind::Account, &a.name, i);
        }
        let pending = std::mem::take(&mut self.pending_az_names);
        for (i, names) in pending.into_iter().enumerate() {
            for (account, az_name) in names {
                let acc = AccountId(self.id(Kind::Account, &account)?);
                self.f.azs[i].names.insert(acc, az_name);
            }
        }
        Ok(())
    }

    fn vpcs(&mut self) -> Result<(), FabricError> {
        let s = self.s;
        for (i, v) in s.vpcs.iter().enumerate() {
            let vid = VpcId::from_index(i);
            let account = AccountId(self.id(Kind::Account, &v.account)?);
            let node = self.node(Node::Vpc(vid));
            let acc_node = self.f.accounts[account.index()].node;
            self.edge(node, acc_node, Edge::OwnedBy);
            let mut route_tables: Vec<RouteTableInfo> = Vec::new();
            let main_pos = v.route_tables.iter().position(|r| r.name == "main");
            if main_pos.is_none() {
                route_tables.push(RouteTableInfo {
                    name: "main".to_string(),
                    routes: Vec::new(),
                });
            }
            for rt in &v.route_tables {
                let mut routes = Vec::new();
                for r in &rt.routes {
                    let via = match &r.via {
                        // Peerings, TGWs and NATs are resolved after they exist;
                        // store the name index now through a deferred fix-up.
                        RouteTarget::Peering(p) => {
                            Via::Peering(PeeringId(index_of(&s.peerings, p, |x| &x.name)?))
                        }
                        RouteTarget::TransitGateway(t) => {
                            Via::TransitGateway(TgwId(index_of(&s.transit_gateways, t, |x| {
                                &x.name
                            })?))
                        }
                        RouteTarget::NatGateway(n) => {
                            Via::NatGateway(NatId(index_of(&s.nat_gateways, n, |x| &x.name)?))
                        }
                        RouteTarget::InternetGateway => Via::InternetGateway,
                        RouteTarget::VpnGateway => Via::VpnGateway,
                        RouteTarget::Blackhole => Via::Blackhole,
                    };
                    routes.push(RouteInfo {
                        to: Destination::Cidr(r.to.net()),
                        via,
                        automatic: false,
                    });
                }
                route_tables.push(RouteTableInfo {
                    name: rt.name.clone(),
                    routes,
                });
            }
            let main_route_table = route_tables
                .iter()
                .position(|r| r.name == "main")
                .unwrap_or(0);
            let region = v.region.clone().unwrap_or_else(|| s.region.clone());
            self.f.vpcs.push(VpcInfo {
                name: v.name.clone(),
                aws_id: aws_id("vpc", &v.name),
                account,
                region,
                cidrs: v.cidrs.iter().map(|c| c.net()).collect(),
                subnets: Vec::new(),
                route_tables,
                main_route_table,
                // Rules sorted by number once, so evaluation needs no sort.
                nacls: v
                    .nacls
                    .iter()
                    .map(|n| {
                        let mut n = n.clone();
                        n.inbound.sort_by_key(|r| r.number);
                        n.outbound.sort_by_key(|r| r.number);
                        n
                    })
                    .collect(),
                internet_gateway: v.internet_gateway,
                vpn_gateway: v.vpn_gateway,
                endpoints: Vec::new(),
                peerings: Vec::new(),
                node,
            });
            self.name(Kind::Vpc, &v.name, i);
            for sn in &v.subnets {
                let sid = SubnetId::from_index(self.f.subnets.len());
                let az = AzId(self.id(Kind::Az, &sn.az)?);
                let snode = self.node(Node::Subnet(sid));
                self.edge(node, snode, Edge::Contains);
                let az_node = self.f.azs[az.index()].node;
                self.edge(snode, az_node, Edge::InAz);
                let vpc = &self.f.vpcs[i];
                let route_table = match &sn.route_table {
                    Some(name) => vpc
                        .route_tables
                        .iter()
                        .position(|r| r.name == *name)
                        .unwrap_or(vpc.main_route_table),
                    None => vpc.main_route_table,
                };
                let nacl = sn
                    .nacl
                    .as_ref()
                    .and_then(|n| v.nacls.iter().position(|x| x.name == *n));
                self.f.subnets.push(SubnetInfo {
                    name: sn.name.clone(),
                    aws_id: aws_id("subnet", &sn.name),
                    vpc: vid,
                    az,
                    cidr: sn.cidr.net(),
                    route_table,
                    nacl,
                    node: snode,
                });
                self.f.vpcs[i].subnets.push(sid);
                self.name(Kind::Subnet, &sn.name, sid.index());
            }
        }
        Ok(())
    }

    fn security_groups(&mut self) -> Result<(), FabricError> {
        for (i, g) in self.s.security_groups.iter().enumerate() {
            let vpc = VpcId(self.id(Kind::Vpc, &g.vpc)?);
            self.f.security_groups.push(SgInfo {
                name: g.name.clone(),
                aws_id: aws_id("sg", &g.name),
                vpc,
                inbound: g.inbound.clone(),
                outbound: g.outbound.clone(),
            });
            self.name(Kind::SecurityGroup, &g.name, i);
        }
        Ok(())
    }

    fn sgs(&self, names: &[String]) -> Result<Vec<SgId>, FabricError> {
        names
            .iter()
            .map(|n| self.id(Kind::SecurityGroup, n).map(SgId))
            .collect()
    }

    fn eni(
        &mut self,
        owner: EniOwner,
        subnet: SubnetId,
        parent: NodeIndex,
        what: &str,
        prefix: &str,
    ) -> Result<EniId, FabricError> {
        let eid = EniId::from_index(self.f.enis.len());
        let sn = &self.f.subnets[subnet.index()];
        let ip = self.ips.take(sn, what)?;
        let az = sn.az;
        let snode = sn.node;
        let node = self.node(Node::Eni(eid));
        self.edge(parent, node, Edge::Contains);
        self.edge(snode, node, Edge::Contains);
        let az_node = self.f.azs[az.index()].node;
        self.edge(node, az_node, Edge::InAz);
        self.f.enis.push(EniInfo {
            aws_id: aws_id("eni", &format!("{prefix}/{}", eid.0)),
            owner,
            subnet,
            az,
            ip,
            node,
        });
        Ok(eid)
    }

    fn nlbs(&mut self) -> Result<(), FabricError> {
        let s = self.s;
        for (i, n) in s.load_balancers.iter().enumerate() {
            let id = NlbId::from_index(i);
            let subnets: Vec<SubnetId> = self.subnet_ids(&n.subnets)?;
            let vpc = self.f.subnets[subnets[0].index()].vpc;
            let account = self.account_of_vpc(vpc);
            let node = self.node(Node::Nlb(id));
            let acc_node = self.f.accounts[account.index()].node;
            self.edge(node, acc_node, Edge::OwnedBy);
            let mut nodes = Vec::new();
            for sn in subnets {
                nodes.push(self.eni(
                    EniOwner::NlbNode(id),
                    sn,
                    node,
                    &format!("load balancer {:?}", n.name),
                    &n.name,
                )?);
            }
            let security_groups = self.sgs(&n.security_groups)?;
            self.f.nlbs.push(NlbInfo {
                name: n.name.clone(),
                vpc,
                account,
                nodes,
                targets: Vec::new(),
                cross_zone: n.cross_zone,
                proxy_protocol_v2: n.proxy_protocol_v2,
                security_groups,
                privatelink_sg_evaluation: n.privatelink_sg_evaluation,
                node,
            });
            self.name(Kind::Nlb, &n.name, i);
        }
        Ok(())
    }

    fn services(&mut self) -> Result<(), FabricError> {
        let s = self.s;
        for (i, svc) in s.services.iter().enumerate() {
            let id = ServiceId::from_index(i);
            let nlbs: Vec<NlbId> = svc
                .nlbs
                .iter()
                .map(|n| self.id(Kind::Nlb, n).map(NlbId))
                .collect::<Result<_, _>>()?;
            // Validation guarantees at least one NLB; its account owns the service.
            let owner = nlbs
                .first()
                .map(|n| self.f.nlbs[n.index()].account)
                .unwrap_or(AccountId(0));
            let region = nlbs
                .first()
                .map(|n| {
                    self.f.vpcs[self.f.nlbs[n.index()].vpc.index()]
                        .region
                        .clone()
                })
                .unwrap_or_else(|| s.region.clone());
            let node = self.node(Node::EndpointService(id));
            let acc_node = self.f.accounts[owner.index()].node;
            self.edge(node, acc_node, Edge::OwnedBy);
            for n in &nlbs {
                let nn = self.f.nlbs[n.index()].node;
                self.edge(node, nn, Edge::Fronts);
            }
            let service_id = aws_id("vpce-svc", &svc.name);
            self.f.services.push(ServiceInfo {
                name: svc.name.clone(),
                service_name: format!("com.amazonaws.vpce.{region}.{service_id}"),
                service_id,
                owner,
                region,
                nlbs,
                acceptance_required: svc.acceptance_required,
                allowed_principals: svc.allowed_principals.clone(),
                private_dns: svc.private_dns_name.as_ref().map(|d| PrivateDns {
                    name: d.name.clone(),
                    state: d.state,
                }),
                payer: svc.payer,
                node,
            });
            self.name(Kind::Service, &svc.name, i);
        }
        Ok(())
    }

    fn endpoints(&mut self) -> Result<(), FabricError> {
        let s = self.s;
        for (i, e) in s.endpoints.iter().enumerate() {
            let id = EndpointId::from_index(i);
            let vpc = VpcId(self.id(Kind::Vpc, &e.vpc)?);
            let account = self.account_of_vpc(vpc);
            let service = ServiceId(self.id(Kind::Service, &e.service)?);
            let node = self.node(Node::InterfaceEndpoint(id));
            let vnode = self.f.vpcs[vpc.index()].node;
            self.edge(vnode, node, Edge::Contains);
            let snode = self.f.services[service.index()].node;
            self.edge(node, snode, Edge::ConnectsTo);
            let mut enis = Vec::new();
            for sn in &e.subnets {
                let sid = SubnetId(self.id(Kind::Subnet, sn)?);
                enis.push(self.eni(
                    EniOwner::Endpoint(id),
                    sid,
                    node,
                    &format!("endpoint {:?}", e.name),
                    &e.name,
                )?);
            }
            let aws = aws_id("vpce", &e.name);
            let svc = &self.f.services[service.index()];
            let dns_name = format!(
                "{aws}-{}.{}.{}.vpce.amazonaws.com",
                dns_suffix(&e.name),
                svc.service_id,
                svc.region
            );
            let security_groups = self.sgs(&e.security_groups)?;
            self.f.endpoints.push(EndpointInfo {
                name: e.name.clone(),
                aws_id: aws,
                vpc,
                account,
                service,
                enis,
                private_dns: e.private_dns,
                policy: e.policy.clone(),
                security_groups,
                created_by: e.created_by.clone(),
                dns_name,
                node,
            });
            self.f.vpcs[vpc.index()].endpoints.push(id);
            self.name(Kind::Endpoint, &e.name, i);
        }
        Ok(())
    }

    fn nats(&mut self) -> Result<(), FabricError> {
        let s = self.s;
        for (i, n) in s.nat_gateways.iter().enumerate() {
            let id = NatId::from_index(i);
            let subnet = SubnetId(self.id(Kind::Subnet, &n.subnet)?);
            let (vpc, az) = {
                let sn = &self.f.subnets[subnet.index()];
                (sn.vpc, sn.az)
            };
            let node = self.node(Node::NatGateway(id));
            let eni = self.eni(
                EniOwner::Nat(id),
                subnet,
                node,
                &format!("NAT gateway {:?}", n.name),
                &n.name,
            )?;
            self.f.nats.push(NatInfo {
                name: n.name.clone(),
                aws_id: aws_id("nat", &n.name),
                subnet,
                vpc,
                az,
                public: n.public,
                eni,
                node,
            });
            self.name(Kind::Nat, &n.name, i);
        }
        Ok(())
    }

    fn sites_and_dx(&mut self) -> Result<(), FabricError> {
        let s = self.s;
        for (i, site) in s.sites.iter().enumerate() {
            let node = self.node(Node::OnPremSite(SiteId::from_index(i)));
            self.f.sites.push(SiteInfo {
                name: site.name.clone(),
                cidrs: site.cidrs.iter().map(|c| c.net()).collect(),
                hosts: site.hosts,
                nic: site.nic,
                node,
            });
            self.name(Kind::Site, &site.name, i);
        }
        for (i, d) in s.direct_connects.iter().enumerate() {
            let id = DxId::from_index(i);
            let account = AccountId(self.id(Kind::Account, &d.account)?);
            let site = SiteId(self.id(Kind::Site, &d.site)?);
            let node = self.node(Node::DirectConnect(id));
            let site_node = self.f.sites[site.index()].node;
            self.edge(node, site_node, Edge::Links);
            let acc_node = self.f.accounts[account.index()].node;
            self.edge(node, acc_node, Edge::OwnedBy);
            let mut vifs = Vec::new();
            for v in &d.vifs {
                let to = match &v.kind {
                    VifKind::Private(vpc) => {
                        let vid = VpcId(self.id(Kind::Vpc, vpc)?);
                        let vnode = self.f.vpcs[vid.index()].node;
                        self.edge(node, vnode, Edge::Links);
                        // Route propagation from the virtual private gateway:
                        // the site's CIDRs appear in every route table of the VPC.
                        let cidrs = self.f.sites[site.index()].cidrs.clone();
                        for rt in &mut self.f.vpcs[vid.index()].route_tables {
                            for c in &cidrs {
                                add_route(rt, Destination::Cidr(*c), Via::VpnGateway);
                            }
                        }
                        VifTo::Vpc(vid)
                    }
                    VifKind::Transit(t) => {
                        VifTo::TransitGateway(TgwId(index_of(&s.transit_gateways, t, |x| &x.name)?))
                    }
                };
                vifs.push(VifInfo {
                    name: v.name.clone(),
                    to,
                });
            }
            self.f.dxs.push(DxInfo {
                name: d.name.clone(),
                aws_id: aws_id("dxcon", &d.name),
                account,
                site,
                speed: d.speed,
                kind: d.kind,
                location: d.location.clone(),
                vifs,
                node,
            });
            self.name(Kind::Dx, &d.name, i);
        }
        Ok(())
    }

    fn tgws(&mut self) -> Result<(), FabricError> {
        let s = self.s;
        for (i, t) in s.transit_gateways.iter().enumerate() {
            let id = TgwId::from_index(i);
            let account = AccountId(self.id(Kind::Account, &t.account)?);
            let node = self.node(Node::TransitGateway(id));
            let acc_node = self.f.accounts[account.index()].node;
            self.edge(node, acc_node, Edge::OwnedBy);
            let mut attachments: Vec<TgwAttachmentId> = Vec::new();
            let mut att_names: Vec<String> = Vec::new();
            let mut specs: Vec<(String, AttachTo, Vec<SubnetId>)> = t
                .attachments
                .iter()
                .map(|a| {
                    let target = match &a.target {
                        AttachmentTarget::Vpc(v) => AttachTo::Vpc(VpcId(self.id(Kind::Vpc, v)?)),
                        AttachmentTarget::DirectConnect(d) => {
                            AttachTo::DirectConnect(DxId(self.id(Kind::Dx, d)?))
                        }
                    };
                    let subnets = self.subnet_ids(&a.subnets)?;
                    Ok((a.name.clone(), target, subnets))
                })
                .collect::<Result<_, FabricError>>()?;
            // A transit VIF to this TGW implies a DX gateway attachment.
            for (di, d) in self.f.dxs.iter().enumerate() {
                let to_here = d.vifs.iter().any(|v| v.to == VifTo::TransitGateway(id));
                let dx = DxId::from_index(di);
                if to_here
                    && !specs
                        .iter()
                        .any(|(_, tg, _)| *tg == AttachTo::DirectConnect(dx))
                {
                    specs.push((
                        format!("dxgw-{}", d.name),
                        AttachTo::DirectConnect(dx),
                        Vec::new(),
                    ));
                }
            }
            for (name, target, subnets) in specs {
                let aid = TgwAttachmentId::from_index(self.f.tgw_attachments.len());
                let anode = self.node(Node::TgwAttachment(aid));
                self.edge(node, anode, Edge::Attaches);
                let owner = match target {
                    AttachTo::Vpc(v) => {
                        let vnode = self.f.vpcs[v.index()].node;
                        self.edge(anode, vnode, Edge::Attaches);
                        self.account_of_vpc(v)
                    }
                    AttachTo::DirectConnect(d) => {
                        let dnode = self.f.dxs[d.index()].node;
                        self.edge(anode, dnode, Edge::Attaches);
                        self.f.dxs[d.index()].account
                    }
                };
                let mut enis = Vec::new();
                for sn in subnets {
                    enis.push(self.eni(
                        EniOwner::TgwAttachment(aid),
                        sn,
                        anode,
                        &format!("TGW attachment {name:?}"),
                        &format!("{}/{name}", t.name),
                    )?);
                }
                self.f.tgw_attachments.push(TgwAttachmentInfo {
                    name: name.clone(),
                    aws_id: aws_id("tgw-attach", &format!("{}/{name}", t.name)),
                    tgw: id,
                    target,
                    owner,
                    enis,
                    route_table: None,
                    node: anode,
                });
                attachments.push(aid);
                att_names.push(name);
            }
            let att_by_name = |n: &str| -> Option<TgwAttachmentId> {
                att_names
                    .iter()
                    .position(|x| x == n)
                    .map(|p| attachments[p])
            };
            // Route tables: declared, or one default table with everything.
            let mut tables: Vec<TgwRouteTableInfo> = Vec::new();
            let mut assoc: Vec<(TgwAttachmentId, usize)> = Vec::new();
            let mut props: Vec<(usize, TgwAttachmentId)> = Vec::new();
            if t.route_tables.is_empty() {
                tables.push(TgwRouteTableInfo {
                    name: "default".to_string(),
                    routes: Vec::new(),
                });
                for a in &attachments {
                    assoc.push((*a, 0));
                    props.push((0, *a));
                }
            } else {
                for (ti, rt) in t.route_tables.iter().enumerate() {
                    let mut routes = Vec::new();
                    for r in &rt.routes {
                        routes.push(TgwRouteInfo {
                            to: r.to.net(),
                            via: match &r.via {
                                TgwRouteTarget::Attachment(a) => att_by_name(a),
                                TgwRouteTarget::Blackhole => None,
                            },
                            propagated: false,
                        });
                    }
                    tables.push(TgwRouteTableInfo {
                        name: rt.name.clone(),
                        routes,
                    });
                    for a in rt.associations.iter().filter_map(|a| att_by_name(a)) {
                        assoc.push((a, ti));
                    }
                    for a in rt.propagations.iter().filter_map(|a| att_by_name(a)) {
                        props.push((ti, a));
                    }
                }
            }
            for (a, ti) in assoc {
                self.f.tgw_attachments[a.index()].route_table = Some(ti);
            }
            for (ti, a) in props {
                for c in self.attachment_cidrs(a) {
                    tables[ti].routes.push(TgwRouteInfo {
                        to: c,
                        via: Some(a),
                        propagated: true,
                    });
                }
            }
            self.f.tgws.push(TgwInfo {
                name: t.name.clone(),
                aws_id: aws_id("tgw", &t.name),
                account,
                region: t.region.clone().unwrap_or_else(|| s.region.clone()),
                attachments: attachments.clone(),
                route_tables: tables,
                node,
            });
            self.name(Kind::Tgw, &t.name, i);
            if t.auto_routes {
                // Each attached VPC routes every other attachment's CIDRs to the TGW.
                for a in &attachments {
                    let AttachTo::Vpc(v) = self.f.tgw_attachments[a.index()].target else {
                        continue;
                    };
                    let others: Vec<IpNet> = attachments
                        .iter()
                        .filter(|b| *b != a)
                        .flat_map(|b| self.attachment_cidrs(*b))
                        .collect();
                    for rt in &mut self.f.vpcs[v.index()].route_tables {
                        for c in &others {
                            add_route(rt, Destination::Cidr(*c), Via::TransitGateway(id));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// CIDRs an attachment propagates: the VPC's blocks, or the DX site's.
    fn attachment_cidrs(&self, a: TgwAttachmentId) -> Vec<IpNet> {
        match self.f.tgw_attachments[a.index()].target {
            AttachTo::Vpc(v) => self.f.vpcs[v.index()].cidrs.clone(),
            AttachTo::DirectConnect(d) => self.f.sites[self.f.dxs[d.index()].site.index()]
                .cidrs
                .clone(),
        }
    }

    fn gateway_endpoints(&mut self) -> Result<(), FabricError> {
        let s = self.s;
        for (i, g) in s.gateway_endpoints.iter().enumerate() {
            let id = GatewayEndpointId::from_index(i);
            let vpc = VpcId(self.id(Kind::Vpc, &g.vpc)?);
            let node = self.node(Node::GatewayEndpoint(id));
            let vnode = self.f.vpcs[vpc.index()].node;
            self.edge(vnode, node, Edge::Contains);
            let tables: Vec<usize> = g
                .route_tables
                .iter()
                .filter_map(|n| {
                    self.f.vpcs[vpc.index()]
                        .route_tables
                        .iter()
                        .position(|r| r.name == *n)
                })
                .collect();
            for t in &tables {
                add_route(
                    &mut self.f.vpcs[vpc.index()].route_tables[*t],
                    Destination::PrefixList(g.service),
                    Via::GatewayEndpoint(id),
                );
            }
            self.f.gateway_endpoints.push(GatewayEndpointInfo {
                name: g.name.clone(),
                aws_id: aws_id("vpce", &g.name),
                vpc,
                service: g.service,
                route_tables: tables,
                policy: g.policy.clone(),
                node,
            });
            self.name(Kind::GatewayEndpoint, &g.name, i);
        }
        Ok(())
    }

    fn peerings(&mut self) -> Result<(), FabricError> {
        let s = self.s;
        for (i, p) in s.peerings.iter().enumerate() {
            let id = PeeringId::from_index(i);
            let requester = VpcId(self.id(Kind::Vpc, &p.requester)?);
            let accepter = VpcId(self.id(Kind::Vpc, &p.accepter)?);
            let node = self.node(Node::Peering(id));
            for v in [requester, accepter] {
                let vnode = self.f.vpcs[v.index()].node;
                self.edge(node, vnode, Edge::Peers);
                self.f.vpcs[v.index()].peerings.push(id);
            }
            let (ra, aa) = (
                &self.f.vpcs[requester.index()],
                &self.f.vpcs[accepter.index()],
            );
            let cross_account = ra.account != aa.account;
            let cross_region = ra.region != aa.region;
            if p.auto_routes {
                for (from, to) in [(requester, accepter), (accepter, requester)] {
                    let cidrs = self.f.vpcs[to.index()].cidrs.clone();
                    for rt in &mut self.f.vpcs[from.index()].route_tables {
                        for c in &cidrs {
                            add_route(rt, Destination::Cidr(*c), Via::Peering(id));
                        }
                    }
                }
            }
            self.f.peerings.push(PeeringInfo {
                name: p.name.clone(),
                aws_id: aws_id("pcx", &p.name),
                requester,
                accepter,
                accepted: p.accepted,
                cross_account,
                cross_region,
                node,
            });
            self.name(Kind::Peering, &p.name, i);
        }
        Ok(())
    }

    fn workloads(&mut self) -> Result<(), FabricError> {
        let s = self.s;
        for (i, w) in s.workloads.iter().enumerate() {
            let id = WorkloadId::from_index(i);
            let subnets: Vec<SubnetId> = self.subnet_ids(&w.subnets)?;
            let vpc = self.f.subnets[subnets[0].index()].vpc;
            let account = self.account_of_vpc(vpc);
            let node = self.node(Node::Workload(id));
            let acc_node = self.f.accounts[account.index()].node;
            self.edge(node, acc_node, Edge::OwnedBy);
            // Grown as IPs are handed out: a count beyond the subnets' room
            // ends in `SubnetFull`, not in one giant allocation up front.
            let mut instances = Vec::with_capacity((w.instances as usize).min(4096));
            for k in 0..w.instances as usize {
                let sn = subnets[k % subnets.len()];
                let info = &self.f.subnets[sn.index()];
                let ip = self.ips.take(info, &format!("workload {:?}", w.name))?;
                instances.push(Instance {
                    subnet: sn,
                    az: info.az,
                    ip,
                });
            }
            for sn in &subnets {
                let snode = self.f.subnets[sn.index()].node;
                self.edge(snode, node, Edge::Contains);
            }
            let security_groups = self.sgs(&w.security_groups)?;
            self.f.workloads.push(WorkloadInfo {
                name: w.name.clone(),
                vpc,
                account,
                subnets,
                instances,
                nic: w.nic,
                security_groups,
                placement_group: w.placement_group,
                role: w.role.clone(),
                node,
            });
            self.name(Kind::Workload, &w.name, i);
        }
        // NLB targets, now that workloads exist.
        for (i, n) in s.load_balancers.iter().enumerate() {
            let targets: Vec<WorkloadId> = n
                .targets
                .iter()
                .map(|t| self.id(Kind::Workload, t).map(WorkloadId))
                .collect::<Result<_, _>>()?;
            let nnode = self.f.nlbs[i].node;
            for t in &targets {
                let tnode = self.f.workloads[t.index()].node;
                self.edge(nnode, tnode, Edge::Targets);
            }
            self.f.nlbs[i].targets = targets;
        }
        Ok(())
    }
}

/// Adds a route unless the table already has one for that destination (an
/// explicit route always wins over an automatic one).
fn add_route(rt: &mut RouteTableInfo, to: Destination, via: Via) {
    if !rt.routes.iter().any(|r| r.to == to) {
        rt.routes.push(RouteInfo {
            to,
            via,
            automatic: true,
        });
    }
}

/// Position of a named item in a scenario list (validated to exist).
fn index_of<T>(items: &[T], name: &str, key: impl Fn(&T) -> &String) -> Result<u32, FabricError> {
    items
        .iter()
        .position(|x| key(x) == name)
        .map(|p| p as u32)
        .ok_or_else(|| FabricError::unresolved("route target", name))
}
