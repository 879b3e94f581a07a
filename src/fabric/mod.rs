//! The static topology of a scenario: typed entities with dense ids, and the
//! graph of what is wired to what ([`Topology`]).
//!
//! [`Fabric::build`] resolves every name of a validated [`Scenario`] into ids,
//! allocates private IPs (instances, endpoint ENIs, NLB nodes, NAT and TGW
//! attachment ENIs), derives AWS-style identifiers and DNS names, expands
//! automatic routes, and records the account that owns every node and the AZ
//! of every ENI.
//!
//! Owns: what exists and how it is wired. Must not: hold run-time state
//! (connection states, rates, failures live in the simulation) or judge
//! whether AWS would accept the design (the control plane does).

mod build;
mod ids;
mod topology;

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

pub use ids::*;
pub use topology::{NodeIndex, Topology};

use crate::quota::QuotaProfile;
use crate::scenario::{
    AwsService, DnsVerification, DxKind, EndpointPolicy, Nacl, Payer, Principal, Protocol,
    Scenario, SgRule, Valid,
};
use crate::units::Bandwidth;

/// A node of the topology graph: which entity it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Node {
    Az(AzId),
    Account(AccountId),
    Vpc(VpcId),
    Subnet(SubnetId),
    Eni(EniId),
    Workload(WorkloadId),
    Nlb(NlbId),
    EndpointService(ServiceId),
    InterfaceEndpoint(EndpointId),
    GatewayEndpoint(GatewayEndpointId),
    Peering(PeeringId),
    TransitGateway(TgwId),
    TgwAttachment(TgwAttachmentId),
    NatGateway(NatId),
    OnPremSite(SiteId),
    DirectConnect(DxId),
}

/// How two nodes relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Edge {
    /// Parent contains child (VPC → subnet, subnet → ENI, endpoint → ENI).
    Contains,
    /// Entity sits in an AZ.
    InAz,
    /// Entity is owned by an account.
    OwnedBy,
    /// NLB → target workload.
    Targets,
    /// Endpoint service → NLB (initial association).
    Fronts,
    /// Interface endpoint → endpoint service.
    ConnectsTo,
    /// Peering connection ↔ VPC (requester and accepter).
    Peers,
    /// Attachment ↔ transit gateway / VPC / DX.
    Attaches,
    /// DX connection ↔ site, VIF → VPC or TGW.
    Links,
}

/// An Availability Zone.
#[derive(Debug, Clone)]
pub struct AzInfo {
    pub id: String,
    pub region: String,
    /// AZ name per account (`us-east-1a`); accounts not listed see the default name.
    pub names: BTreeMap<AccountId, String>,
    pub default_name: String,
    pub node: NodeIndex,
}

impl AzInfo {
    /// The AZ name an account sees.
    pub fn name_for(&self, account: AccountId) -> &str {
        self.names
            .get(&account)
            .map(String::as_str)
            .unwrap_or(&self.default_name)
    }
}

#[derive(Debug, Clone)]
pub struct AccountInfo {
    pub name: String,
    pub id: String,
    pub org: Option<String>,
    pub org_unit: Option<String>,
    pub node: NodeIndex,
}

/// Where a VPC route sends traffic, with names resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Via {
    Local,
    Peering(PeeringId),
    TransitGateway(TgwId),
    NatGateway(NatId),
    InternetGateway,
    VpnGateway,
    GatewayEndpoint(GatewayEndpointId),
    Blackhole,
}

/// The destination of a route: a CIDR or an AWS service prefix list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Destination {
    Cidr(IpNet),
    PrefixList(AwsService),
}

#[derive(Debug, Clone)]
pub struct RouteInfo {
    pub to: Destination,
    pub via: Via,
    /// Added by `auto_routes` rather than written in the scenario.
    pub automatic: bool,
}

#[derive(Debug, Clone)]
pub struct RouteTableInfo {
    pub name: String,
    pub routes: Vec<RouteInfo>,
}

impl RouteTableInfo {
    /// Longest-prefix match for an IP (the implicit local route included by
    /// the caller via `vpc_cidrs`).
    pub fn lookup(&self, vpc_cidrs: &[IpNet], ip: IpAddr) -> Option<Via> {
        if vpc_cidrs.iter().any(|c| c.contains(&ip)) {
            return Some(Via::Local);
        }
        self.routes
            .iter()
            .filter_map(|r| match r.to {
                Destination::Cidr(c) if c.contains(&ip) => Some((c.prefix_len(), r.via)),
                _ => None,
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, via)| via)
    }

    /// The route for an AWS service prefix list, if any.
    pub fn prefix_list(&self, svc: AwsService) -> Option<Via> {
        self.routes
            .iter()
            .find(|r| r.to == Destination::PrefixList(svc))
            .map(|r| r.via)
    }
}

#[derive(Debug, Clone)]
pub struct VpcInfo {
    pub name: String,
    pub aws_id: String,
    pub account: AccountId,
    pub region: String,
    pub cidrs: Vec<IpNet>,
    pub subnets: Vec<SubnetId>,
    pub route_tables: Vec<RouteTableInfo>,
    /// Index of the main route table in `route_tables`.
    pub main_route_table: usize,
    /// NACLs, each rule list sorted by rule number.
    pub nacls: Vec<Nacl>,
    pub internet_gateway: bool,
    pub vpn_gateway: bool,
    /// Interface endpoints of this VPC in creation order (for the quota).
    pub endpoints: Vec<EndpointId>,
    /// Peering connections of this VPC in creation order (for the quota).
    pub peerings: Vec<PeeringId>,
    pub node: NodeIndex,
}

#[derive(Debug, Clone)]
pub struct SubnetInfo {
    pub name: String,
    pub aws_id: String,
    pub vpc: VpcId,
    pub az: AzId,
    pub cidr: IpNet,
    /// Index into the VPC's route tables.
    pub route_table: usize,
    /// Index into the VPC's NACLs; `None` is the default NACL (allow all).
    pub nacl: Option<usize>,
    pub node: NodeIndex,
}

#[derive(Debug, Clone)]
pub struct SgInfo {
    pub name: String,
    pub aws_id: String,
    pub vpc: VpcId,
    pub inbound: Vec<SgRule>,
    /// `None`: allow all outbound.
    pub outbound: Option<Vec<SgRule>>,
}

/// One instance of a workload.
#[derive(Debug, Clone, Copy)]
pub struct Instance {
    pub subnet: SubnetId,
    pub az: AzId,
    pub ip: IpAddr,
}

#[derive(Debug, Clone)]
pub struct WorkloadInfo {
    pub name: String,
    pub vpc: VpcId,
    pub account: AccountId,
    pub subnets: Vec<SubnetId>,
    pub instances: Vec<Instance>,
    pub nic: Bandwidth,
    pub security_groups: Vec<SgId>,
    pub placement_group: bool,
    pub role: Option<String>,
    pub node: NodeIndex,
}

/// What an ENI belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EniOwner {
    Endpoint(EndpointId),
    NlbNode(NlbId),
    Nat(NatId),
    TgwAttachment(TgwAttachmentId),
}

#[derive(Debug, Clone)]
pub struct EniInfo {
    pub aws_id: String,
    pub owner: EniOwner,
    pub subnet: SubnetId,
    pub az: AzId,
    pub ip: IpAddr,
    pub node: NodeIndex,
}

#[derive(Debug, Clone)]
pub struct NlbInfo {
    pub name: String,
    pub vpc: VpcId,
    pub account: AccountId,
    /// One node (ENI) per subnet / AZ.
    pub nodes: Vec<EniId>,
    pub targets: Vec<WorkloadId>,
    pub cross_zone: bool,
    pub proxy_protocol_v2: bool,
    pub security_groups: Vec<SgId>,
    pub privatelink_sg_evaluation: bool,
    pub node: NodeIndex,
}

#[derive(Debug, Clone)]
pub struct PrivateDns {
    pub name: String,
    pub state: DnsVerification,
}

#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub name: String,
    /// `vpce-svc-0...`
    pub service_id: String,
    /// `com.amazonaws.vpce.<region>.vpce-svc-0...`
    pub service_name: String,
    pub owner: AccountId,
    pub region: String,
    /// NLBs associated at the start of the run.
    pub nlbs: Vec<NlbId>,
    pub acceptance_required: bool,
    pub allowed_principals: Vec<Principal>,
    pub private_dns: Option<PrivateDns>,
    pub payer: Payer,
    pub node: NodeIndex,
}

#[derive(Debug, Clone)]
pub struct EndpointInfo {
    pub name: String,
    /// `vpce-0...`
    pub aws_id: String,
    pub vpc: VpcId,
    pub account: AccountId,
    pub service: ServiceId,
    /// One ENI per subnet (one per AZ), in the scenario's subnet order.
    pub enis: Vec<EniId>,
    pub private_dns: bool,
    pub policy: Option<EndpointPolicy>,
    pub security_groups: Vec<SgId>,
    pub created_by: Option<String>,
    /// Regional DNS name.
    pub dns_name: String,
    pub node: NodeIndex,
}

impl EndpointInfo {
    /// The zonal DNS name for an AZ name (`us-east-1a`).
    pub fn zonal_dns_name(&self, az_name: &str) -> String {
        match self.dns_name.split_once('.') {
            Some((first, rest)) => format!("{first}-{az_name}.{rest}"),
            None => format!("{}-{az_name}", self.dns_name),
        }
    }
}

#[derive(Debug, Clone)]
pub struct GatewayEndpointInfo {
    pub name: String,
    pub aws_id: String,
    pub vpc: VpcId,
    pub service: AwsService,
    pub route_tables: Vec<usize>,
    pub policy: Option<EndpointPolicy>,
    pub node: NodeIndex,
}

#[derive(Debug, Clone)]
pub struct PeeringInfo {
    pub name: String,
    pub aws_id: String,
    pub requester: VpcId,
    pub accepter: VpcId,
    pub accepted: bool,
    pub cross_account: bool,
    pub cross_region: bool,
    pub node: NodeIndex,
}

impl PeeringInfo {
    /// The VPC on the other side from `vpc`.
    pub fn peer_of(&self, vpc: VpcId) -> Option<VpcId> {
        if vpc == self.requester {
            Some(self.accepter)
        } else if vpc == self.accepter {
            Some(self.requester)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AttachTo {
    Vpc(VpcId),
    DirectConnect(DxId),
}

#[derive(Debug, Clone)]
pub struct TgwAttachmentInfo {
    pub name: String,
    pub aws_id: String,
    pub tgw: TgwId,
    pub target: AttachTo,
    /// Account that owns the attached resource (pays attachment hours and,
    /// by default, data processing for traffic it sends).
    pub owner: AccountId,
    /// ENIs in the attachment subnets (VPC attachments).
    pub enis: Vec<EniId>,
    /// Index of the TGW route table the attachment is associated with.
    pub route_table: Option<usize>,
    pub node: NodeIndex,
}

#[derive(Debug, Clone)]
pub struct TgwRouteInfo {
    pub to: IpNet,
    /// `None` is a blackhole.
    pub via: Option<TgwAttachmentId>,
    pub propagated: bool,
}

#[derive(Debug, Clone)]
pub struct TgwRouteTableInfo {
    pub name: String,
    pub routes: Vec<TgwRouteInfo>,
}

impl TgwRouteTableInfo {
    /// Longest-prefix match: `Some(None)` is a blackhole, `None` no route.
    pub fn lookup(&self, ip: IpAddr) -> Option<Option<TgwAttachmentId>> {
        self.routes
            .iter()
            .filter(|r| r.to.contains(&ip))
            .max_by_key(|r| (r.to.prefix_len(), !r.propagated))
            .map(|r| r.via)
    }
}

#[derive(Debug, Clone)]
pub struct TgwInfo {
    pub name: String,
    pub aws_id: String,
    pub account: AccountId,
    pub region: String,
    pub attachments: Vec<TgwAttachmentId>,
    pub route_tables: Vec<TgwRouteTableInfo>,
    pub node: NodeIndex,
}

#[derive(Debug, Clone)]
pub struct NatInfo {
    pub name: String,
    pub aws_id: String,
    pub subnet: SubnetId,
    pub vpc: VpcId,
    pub az: AzId,
    pub public: bool,
    pub eni: EniId,
    pub node: NodeIndex,
}

#[derive(Debug, Clone)]
pub struct SiteInfo {
    pub name: String,
    pub cidrs: Vec<IpNet>,
    pub hosts: u32,
    pub nic: Bandwidth,
    pub node: NodeIndex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum VifTo {
    Vpc(VpcId),
    TransitGateway(TgwId),
}

#[derive(Debug, Clone)]
pub struct VifInfo {
    pub name: String,
    pub to: VifTo,
}

#[derive(Debug, Clone)]
pub struct DxInfo {
    pub name: String,
    pub aws_id: String,
    pub account: AccountId,
    pub site: SiteId,
    pub speed: Bandwidth,
    pub kind: DxKind,
    pub location: Option<String>,
    pub vifs: Vec<VifInfo>,
    pub node: NodeIndex,
}

/// Counts of entities, for summaries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EntityCounts {
    pub azs: usize,
    pub accounts: usize,
    pub vpcs: usize,
    pub subnets: usize,
    pub security_groups: usize,
    pub workloads: usize,
    pub instances: usize,
    pub load_balancers: usize,
    pub endpoint_services: usize,
    pub interface_endpoints: usize,
    pub enis: usize,
    pub gateway_endpoints: usize,
    pub peerings: usize,
    pub transit_gateways: usize,
    pub tgw_attachments: usize,
    pub nat_gateways: usize,
    pub sites: usize,
    pub direct_connects: usize,
    pub traffic_classes: usize,
    pub events: usize,
    pub graph_nodes: usize,
    pub graph_edges: usize,
}

/// Why a fabric could not be built from a valid scenario.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FabricError {
    #[error("subnet {subnet:?} ({cidr}) has no free private IP left for {what}; use a larger CIDR or fewer instances")]
    SubnetFull {
        subnet: String,
        cidr: String,
        what: String,
    },
    #[error("internal error: the scenario names an unknown {kind} {name:?} that validation let through; please report it with the scenario")]
    Unresolved { kind: String, name: String },
    #[error("the scenario has {count} {what}; vpcsim accepts at most {limit} (raise it with --max-entities)")]
    TooLarge {
        what: &'static str,
        count: usize,
        limit: usize,
    },
}

/// The static topology of a scenario.
#[derive(Debug, Clone)]
pub struct Fabric {
    pub name: String,
    pub region: String,
    pub quotas: QuotaProfile,
    pub graph: Topology,
    pub azs: Vec<AzInfo>,
    pub accounts: Vec<AccountInfo>,
    pub vpcs: Vec<VpcInfo>,
    pub subnets: Vec<SubnetInfo>,
    pub security_groups: Vec<SgInfo>,
    pub workloads: Vec<WorkloadInfo>,
    pub enis: Vec<EniInfo>,
    pub nlbs: Vec<NlbInfo>,
    pub services: Vec<ServiceInfo>,
    pub endpoints: Vec<EndpointInfo>,
    pub gateway_endpoints: Vec<GatewayEndpointInfo>,
    pub peerings: Vec<PeeringInfo>,
    pub tgws: Vec<TgwInfo>,
    pub tgw_attachments: Vec<TgwAttachmentInfo>,
    pub nats: Vec<NatInfo>,
    pub sites: Vec<SiteInfo>,
    pub dxs: Vec<DxInfo>,
    /// Names to dense ids, one map per [`Kind`] (indexed by `kind as
    /// usize`). Looked up only, never iterated: a hash map keeps lookups by
    /// `&str` cheap (no allocation, one hash).
    index: Vec<rustc_hash::FxHashMap<String, u32>>,
}

/// Entity kinds with names, for lookup by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Az,
    Account,
    Vpc,
    Subnet,
    SecurityGroup,
    Workload,
    Nlb,
    Service,
    Endpoint,
    GatewayEndpoint,
    Peering,
    Tgw,
    Nat,
    Site,
    Dx,
}

macro_rules! lookup {
    ($($fn:ident => $kind:ident, $id:ident;)*) => {$(
        /// Looks an entity up by its scenario name.
        pub fn $fn(&self, name: &str) -> Option<$id> {
            self.index_of(Kind::$kind, name).map($id)
        }
    )*};
}

impl FabricError {
    fn unresolved(kind: &str, name: &str) -> FabricError {
        FabricError::Unresolved {
            kind: kind.to_string(),
            name: name.to_string(),
        }
    }
}

impl Fabric {
    /// The dense index of the entity of `kind` named `name`.
    fn index_of(&self, kind: Kind, name: &str) -> Option<u32> {
        self.index.get(kind as usize)?.get(name).copied()
    }

    /// Builds the fabric of a validated scenario with a quota profile (a
    /// [`Loaded`](crate::load::Loaded) gives both: `Fabric::build(l.valid(),
    /// l.quotas())`). Never panics: a name validation should have caught is
    /// an error ([`FabricError::Unresolved`]).
    pub fn build(scenario: &Valid, quotas: &QuotaProfile) -> Result<Fabric, FabricError> {
        build::build(scenario, quotas)
    }

    lookup! {
        az => Az, AzId;
        account => Account, AccountId;
        vpc => Vpc, VpcId;
        subnet => Subnet, SubnetId;
        security_group => SecurityGroup, SgId;
        workload => Workload, WorkloadId;
        nlb => Nlb, NlbId;
        service => Service, ServiceId;
        endpoint => Endpoint, EndpointId;
        gateway_endpoint => GatewayEndpoint, GatewayEndpointId;
        peering => Peering, PeeringId;
        tgw => Tgw, TgwId;
        nat => Nat, NatId;
        site => Site, SiteId;
        dx => Dx, DxId;
    }

    /// The account with a 12-digit account ID.
    pub fn account_by_aws_id(&self, id: &str) -> Option<AccountId> {
        self.accounts
            .iter()
            .position(|a| a.id == id)
            .map(AccountId::from_index)
    }

    /// AZ ID string of an AZ.
    pub fn az_name(&self, az: AzId) -> &str {
        &self.azs[az.index()].id
    }

    /// The account that owns a graph node, if the node has one.
    pub fn owner_of(&self, node: Node) -> Option<AccountId> {
        Some(match node {
            Node::Account(a) => a,
            Node::Vpc(v) => self.vpcs[v.index()].account,
            Node::Subnet(s) => self.vpcs[self.subnets[s.index()].vpc.index()].account,
            Node::Eni(e) => {
                let sn = self.enis[e.index()].subnet;
                self.vpcs[self.subnets[sn.index()].vpc.index()].account
            }
            Node::Workload(w) => self.workloads[w.index()].account,
            Node::Nlb(n) => self.nlbs[n.index()].account,
            Node::EndpointService(s) => self.services[s.index()].owner,
            Node::InterfaceEndpoint(e) => self.endpoints[e.index()].account,
            Node::GatewayEndpoint(g) => {
                self.vpcs[self.gateway_endpoints[g.index()].vpc.index()].account
            }
            Node::Peering(p) => self.vpcs[self.peerings[p.index()].requester.index()].account,
            Node::TransitGateway(t) => self.tgws[t.index()].account,
            Node::TgwAttachment(a) => self.tgw_attachments[a.index()].owner,
            Node::NatGateway(n) => self.vpcs[self.nats[n.index()].vpc.index()].account,
            Node::DirectConnect(d) => self.dxs[d.index()].account,
            Node::Az(_) | Node::OnPremSite(_) => return None,
        })
    }

    /// The graph node of an entity.
    pub fn node_index(&self, node: Node) -> NodeIndex {
        match node {
            Node::Az(x) => self.azs[x.index()].node,
            Node::Account(x) => self.accounts[x.index()].node,
            Node::Vpc(x) => self.vpcs[x.index()].node,
            Node::Subnet(x) => self.subnets[x.index()].node,
            Node::Eni(x) => self.enis[x.index()].node,
            Node::Workload(x) => self.workloads[x.index()].node,
            Node::Nlb(x) => self.nlbs[x.index()].node,
            Node::EndpointService(x) => self.services[x.index()].node,
            Node::InterfaceEndpoint(x) => self.endpoints[x.index()].node,
            Node::GatewayEndpoint(x) => self.gateway_endpoints[x.index()].node,
            Node::Peering(x) => self.peerings[x.index()].node,
            Node::TransitGateway(x) => self.tgws[x.index()].node,
            Node::TgwAttachment(x) => self.tgw_attachments[x.index()].node,
            Node::NatGateway(x) => self.nats[x.index()].node,
            Node::OnPremSite(x) => self.sites[x.index()].node,
            Node::DirectConnect(x) => self.dxs[x.index()].node,
        }
    }

    /// A node as a user reads it: its kind and scenario name.
    pub fn node_label(&self, node: Node) -> String {
        let (kind, name): (&str, &str) = match node {
            Node::Az(x) => ("AZ", &self.azs[x.index()].id),
            Node::Account(x) => ("account", &self.accounts[x.index()].name),
            Node::Vpc(x) => ("VPC", &self.vpcs[x.index()].name),
            Node::Subnet(x) => ("subnet", &self.subnets[x.index()].name),
            Node::Eni(x) => ("ENI", &self.enis[x.index()].aws_id),
            Node::Workload(x) => ("workload", &self.workloads[x.index()].name),
            Node::Nlb(x) => ("NLB", &self.nlbs[x.index()].name),
            Node::EndpointService(x) => ("service", &self.services[x.index()].name),
            Node::InterfaceEndpoint(x) => ("endpoint", &self.endpoints[x.index()].name),
            Node::GatewayEndpoint(x) => {
                ("gateway endpoint", &self.gateway_endpoints[x.index()].name)
            }
            Node::Peering(x) => ("peering", &self.peerings[x.index()].name),
            Node::TransitGateway(x) => ("transit gateway", &self.tgws[x.index()].name),
            Node::TgwAttachment(x) => ("TGW attachment", &self.tgw_attachments[x.index()].name),
            Node::NatGateway(x) => ("NAT gateway", &self.nats[x.index()].name),
            Node::OnPremSite(x) => ("site", &self.sites[x.index()].name),
            Node::DirectConnect(x) => ("Direct Connect", &self.dxs[x.index()].name),
        };
        format!("{kind} {name}")
    }

    /// The shortest chain of wired entities between two, as labels (see
    /// [`Topology::wiring_path`]); `None` when nothing connects them.
    pub fn wiring_path(&self, from: Node, to: Node) -> Option<Vec<String>> {
        let path = self
            .graph
            .wiring_path(self.node_index(from), self.node_index(to))?;
        Some(path.into_iter().map(|n| self.node_label(n)).collect())
    }

    /// The AZs a service offers: those of its NLBs' nodes.
    pub fn nlb_azs(&self, nlb: NlbId) -> Vec<AzId> {
        self.nlbs[nlb.index()]
            .nodes
            .iter()
            .map(|e| self.enis[e.index()].az)
            .collect()
    }

    /// The route table of a subnet.
    pub fn route_table_of(&self, subnet: SubnetId) -> &RouteTableInfo {
        let sn = &self.subnets[subnet.index()];
        &self.vpcs[sn.vpc.index()].route_tables[sn.route_table]
    }

    /// The VPC whose CIDRs contain `ip`, among `candidates`.
    pub fn vpc_containing(&self, ip: IpAddr) -> Vec<VpcId> {
        self.vpcs
            .iter()
            .enumerate()
            .filter(|(_, v)| v.cidrs.iter().any(|c| c.contains(&ip)))
            .map(|(i, _)| VpcId::from_index(i))
            .collect()
    }

    /// Whether two VPCs have any overlapping CIDR block.
    pub fn cidrs_overlap(&self, a: VpcId, b: VpcId) -> bool {
        let (a, b) = (&self.vpcs[a.index()], &self.vpcs[b.index()]);
        a.cidrs.iter().any(|x| {
            b.cidrs
                .iter()
                .any(|y| x.contains(&y.network()) || y.contains(&x.network()))
        })
    }

    /// Entity counts, for the summary.
    pub fn counts(&self, scenario: &Scenario) -> EntityCounts {
        EntityCounts {
            azs: self.azs.len(),
            accounts: self.accounts.len(),
            vpcs: self.vpcs.len(),
            subnets: self.subnets.len(),
            security_groups: self.security_groups.len(),
            workloads: self.workloads.len(),
            instances: self.workloads.iter().map(|w| w.instances.len()).sum(),
            load_balancers: self.nlbs.len(),
            endpoint_services: self.services.len(),
            interface_endpoints: self.endpoints.len(),
            enis: self.enis.len(),
            gateway_endpoints: self.gateway_endpoints.len(),
            peerings: self.peerings.len(),
            transit_gateways: self.tgws.len(),
            tgw_attachments: self.tgw_attachments.len(),
            nat_gateways: self.nats.len(),
            sites: self.sites.len(),
            direct_connects: self.dxs.len(),
            traffic_classes: scenario.traffic.len(),
            events: scenario.events.len(),
            graph_nodes: self.graph.node_count(),
            graph_edges: self.graph.edge_count(),
        }
    }

    /// Neighbours of a node along edges of one kind, in insertion order.
    pub fn neighbours(&self, node: NodeIndex, kind: Edge) -> Vec<Node> {
        self.graph.neighbours(node, kind)
    }
}

/// A protocol/port pair a connection uses, for SG and NACL checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortSpec {
    pub protocol: Protocol,
    pub port: u16,
}

#[cfg(test)]
mod tests;
