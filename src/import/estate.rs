//! The estate: what a reader found, in AWS's own terms (ids, ARNs, Name tags,
//! references by key), before it becomes a scenario.
//!
//! Every reader (Terraform plan or state, AWS describe output) fills one
//! `Estate`; [`build`](super::build) turns it into a scenario. Records refer
//! to each other by *key*: the AWS id (`vpc-0abc`) or the Terraform instance
//! address (`module.net.aws_vpc.this`). Keys are unique across the estate.
//!
//! Owns: the shape shared by the readers. Must not: read files or know the
//! scenario schema.

use std::collections::BTreeMap;

/// How an element was found, for its provenance comment and report entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The resource key (`vpc-0abc`, `aws_vpc.main`).
    pub key: String,
    /// Its `Name` tag, if any.
    pub tag: Option<String>,
    /// A readable name when there is no tag (`main`, `vpc-0abc`).
    pub label: String,
    /// The provenance comment (`terraform aws_vpc.main`, `aws vpc-0abc in 111111111111/us-east-1`).
    pub source: String,
}

impl Origin {
    /// The label to name the element from: its tag, else its label.
    pub fn label(&self) -> &str {
        self.tag
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(&self.label)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Account {
    /// Key: the account id, or (Terraform, id unknown) the provider config.
    pub key: String,
    pub id: Option<String>,
    pub label: String,
}

/// An AZ name → AZ ID mapping seen in one account.
#[derive(Debug, Clone, Default)]
pub struct AzName {
    pub account: Option<String>,
    pub name: String,
    pub id: String,
}

#[derive(Debug, Clone, Default)]
pub struct Vpc {
    pub at: Origin,
    pub account: Option<String>,
    pub region: Option<String>,
    pub cidrs: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Subnet {
    pub at: Origin,
    pub vpc: Option<String>,
    pub az_id: Option<String>,
    pub az_name: Option<String>,
    pub cidr: Option<String>,
}

/// Where a route goes. `Ref` names another record by key; the builder
/// decides from the record's kind what it is (gateway, NAT, peering, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteTarget {
    Local,
    Blackhole,
    Ref(String),
    /// A target kind vpcsim does not model (instance, ENI, egress-only IGW, ...).
    Other(String),
}

#[derive(Debug, Clone)]
pub struct Route {
    /// Destination CIDR, or a prefix-list id (`pl-...`).
    pub dest: String,
    pub target: RouteTarget,
    pub source: String,
}

#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    pub at: Origin,
    pub vpc: Option<String>,
    pub main: bool,
    pub routes: Vec<Route>,
    pub subnets: Vec<String>,
}

/// An internet, egress-only or virtual private gateway and its VPC.
#[derive(Debug, Clone, Default)]
pub struct Gateway {
    pub at: Origin,
    pub kind: GatewayKind,
    pub vpcs: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GatewayKind {
    #[default]
    Internet,
    EgressOnly,
    VpnGateway,
}

#[derive(Debug, Clone, Default)]
pub struct Nat {
    pub at: Origin,
    pub subnet: Option<String>,
    pub public: bool,
}

/// The other side of a security-group rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SgPeer {
    Cidr(String),
    Group(String),
    PrefixList(String),
}

#[derive(Debug, Clone)]
pub struct SgRule {
    /// `-1`/`all`, `tcp`/`6`, `udp`/`17`, `icmp`/`1`, ...
    pub protocol: String,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub peer: SgPeer,
    pub source: String,
}

#[derive(Debug, Clone, Default)]
pub struct SecurityGroup {
    pub at: Origin,
    pub vpc: Option<String>,
    pub ingress: Vec<SgRule>,
    /// `None`: the input does not say (AWS's default: everything out).
    pub egress: Option<Vec<SgRule>>,
}

#[derive(Debug, Clone)]
pub struct NaclEntry {
    pub number: i64,
    pub egress: bool,
    pub allow: bool,
    pub cidr: String,
    pub protocol: String,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Nacl {
    pub at: Origin,
    pub vpc: Option<String>,
    pub default: bool,
    pub subnets: Vec<String>,
    pub entries: Vec<NaclEntry>,
}

#[derive(Debug, Clone, Default)]
pub struct LoadBalancer {
    pub at: Origin,
    /// `network`, `application`, `gateway`.
    pub kind: String,
    pub subnets: Vec<String>,
    /// `None`: the input does not say (AWS's default for NLBs: off).
    pub cross_zone: Option<bool>,
    pub security_groups: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TargetGroup {
    pub at: Origin,
    pub load_balancers: Vec<String>,
    /// Instance keys, IP addresses or ASG keys.
    pub targets: Vec<String>,
    pub proxy_protocol_v2: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Service {
    pub at: Origin,
    pub account: Option<String>,
    pub load_balancers: Vec<String>,
    pub gateway_load_balancers: Vec<String>,
    pub acceptance_required: bool,
    /// ARNs or `*`.
    pub principals: Vec<String>,
    /// Private DNS name and its verification state (`verified`, `pendingVerification`, `failed`).
    pub private_dns: Option<(String, String)>,
    pub payer_is_owner: bool,
    /// `com.amazonaws.vpce.<region>.vpce-svc-...`, when known.
    pub service_name: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EndpointKind {
    #[default]
    Interface,
    Gateway,
    GatewayLoadBalancer,
}

#[derive(Debug, Clone, Default)]
pub struct Endpoint {
    pub at: Origin,
    pub account: Option<String>,
    pub vpc: Option<String>,
    pub kind: EndpointKind,
    pub service_name: Option<String>,
    /// The service record, when a reference gives it (Terraform).
    pub service: Option<String>,
    pub subnets: Vec<String>,
    pub route_tables: Vec<String>,
    pub security_groups: Vec<String>,
    pub private_dns: bool,
    /// The policy document as JSON text.
    pub policy: Option<String>,
    /// `available`, `pendingAcceptance`, `rejected`, ...; `None`: not known.
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Peering {
    pub at: Origin,
    pub requester: Option<String>,
    pub accepter: Option<String>,
    /// `active`, `pending-acceptance`, `rejected`, ...
    pub status: String,
}

#[derive(Debug, Clone, Default)]
pub struct TransitGateway {
    pub at: Origin,
    pub account: Option<String>,
    pub region: Option<String>,
    /// Whether new attachments are associated with / propagate to the
    /// default route table.
    pub default_association: bool,
    pub default_propagation: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AttachmentTarget {
    Vpc(String),
    DxGateway(String),
    #[default]
    Unknown,
    Other(String),
}

#[derive(Debug, Clone, Default)]
pub struct TgwAttachment {
    pub at: Origin,
    pub tgw: Option<String>,
    pub target: AttachmentTarget,
    pub subnets: Vec<String>,
    pub default_association: bool,
    pub default_propagation: bool,
}

#[derive(Debug, Clone)]
pub struct TgwRoute {
    pub dest: String,
    /// Attachment key; `None` is a blackhole.
    pub attachment: Option<String>,
    pub source: String,
}

#[derive(Debug, Clone, Default)]
pub struct TgwRouteTable {
    pub at: Origin,
    pub tgw: Option<String>,
    /// The TGW's default association / propagation table.
    pub default_association: bool,
    pub default_propagation: bool,
    pub associations: Vec<String>,
    pub propagations: Vec<String>,
    pub routes: Vec<TgwRoute>,
}

#[derive(Debug, Clone, Default)]
pub struct DxConnection {
    pub at: Origin,
    pub account: Option<String>,
    pub bandwidth: Option<String>,
    pub location: Option<String>,
    pub hosted: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum VifKind {
    #[default]
    Private,
    Transit,
    Public,
}

#[derive(Debug, Clone, Default)]
pub struct Vif {
    pub at: Origin,
    pub connection: Option<String>,
    pub kind: VifKind,
    pub vpn_gateway: Option<String>,
    pub dx_gateway: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct DxGateway {
    pub at: Origin,
    /// Transit gateways and virtual private gateways it is associated with.
    pub associations: Vec<String>,
}

/// Instances (an EC2 instance, or an autoscaling group's desired count).
#[derive(Debug, Clone, Default)]
pub struct Instances {
    pub at: Origin,
    /// Instances with the same group (and VPC) become one workload.
    pub group: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub count: u32,
    pub instance_type: Option<String>,
    /// Target groups the instances register with (autoscaling groups).
    pub target_groups: Vec<String>,
}

/// An address an element owns: for mapping flow-log records.
#[derive(Debug, Clone, Default)]
pub struct Address {
    pub eni: Option<String>,
    pub ip: Option<String>,
    /// The key of the owning record (instance, endpoint, load balancer, NAT).
    pub owner: String,
}

/// A prefix list id and the service it stands for (`com.amazonaws.<region>.s3`).
#[derive(Debug, Clone, Default)]
pub struct PrefixList {
    pub id: String,
    pub service_name: String,
}

/// Everything a reader found.
#[derive(Debug, Clone, Default)]
pub struct Estate {
    pub region: Option<String>,
    pub accounts: Vec<Account>,
    pub az_names: Vec<AzName>,
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub gateways: Vec<Gateway>,
    pub nats: Vec<Nat>,
    pub security_groups: Vec<SecurityGroup>,
    pub nacls: Vec<Nacl>,
    pub load_balancers: Vec<LoadBalancer>,
    pub target_groups: Vec<TargetGroup>,
    pub services: Vec<Service>,
    pub endpoints: Vec<Endpoint>,
    pub peerings: Vec<Peering>,
    pub transit_gateways: Vec<TransitGateway>,
    pub tgw_attachments: Vec<TgwAttachment>,
    pub tgw_route_tables: Vec<TgwRouteTable>,
    pub dx_connections: Vec<DxConnection>,
    pub vifs: Vec<Vif>,
    pub dx_gateways: Vec<DxGateway>,
    pub instances: Vec<Instances>,
    pub addresses: Vec<Address>,
    pub prefix_lists: Vec<PrefixList>,
}

/// What kind of record a key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Vpc,
    Subnet,
    RouteTable,
    Gateway(GatewayKind),
    Nat,
    SecurityGroup,
    Nacl,
    LoadBalancer,
    TargetGroup,
    Service,
    Endpoint(EndpointKind),
    Peering,
    TransitGateway,
    TgwAttachment,
    TgwRouteTable,
    DxConnection,
    Vif,
    DxGateway,
    Instances,
}

impl Estate {
    /// The kind of record every key names (the first record wins a
    /// duplicated key).
    pub fn index(&self) -> BTreeMap<String, Kind> {
        let mut m = BTreeMap::new();
        let mut put = |key: &str, kind: Kind| {
            m.entry(key.to_string()).or_insert(kind);
        };
        self.vpcs.iter().for_each(|r| put(&r.at.key, Kind::Vpc));
        self.subnets
            .iter()
            .for_each(|r| put(&r.at.key, Kind::Subnet));
        self.route_tables
            .iter()
            .for_each(|r| put(&r.at.key, Kind::RouteTable));
        self.gateways
            .iter()
            .for_each(|r| put(&r.at.key, Kind::Gateway(r.kind)));
        self.nats.iter().for_each(|r| put(&r.at.key, Kind::Nat));
        self.security_groups
            .iter()
            .for_each(|r| put(&r.at.key, Kind::SecurityGroup));
        self.nacls.iter().for_each(|r| put(&r.at.key, Kind::Nacl));
        self.load_balancers
            .iter()
            .for_each(|r| put(&r.at.key, Kind::LoadBalancer));
        self.target_groups
            .iter()
            .for_each(|r| put(&r.at.key, Kind::TargetGroup));
        self.services
            .iter()
            .for_each(|r| put(&r.at.key, Kind::Service));
        self.endpoints
            .iter()
            .for_each(|r| put(&r.at.key, Kind::Endpoint(r.kind)));
        self.peerings
            .iter()
            .for_each(|r| put(&r.at.key, Kind::Peering));
        self.transit_gateways
            .iter()
            .for_each(|r| put(&r.at.key, Kind::TransitGateway));
        self.tgw_attachments
            .iter()
            .for_each(|r| put(&r.at.key, Kind::TgwAttachment));
        self.tgw_route_tables
            .iter()
            .for_each(|r| put(&r.at.key, Kind::TgwRouteTable));
        self.dx_connections
            .iter()
            .for_each(|r| put(&r.at.key, Kind::DxConnection));
        self.vifs.iter().for_each(|r| put(&r.at.key, Kind::Vif));
        self.dx_gateways
            .iter()
            .for_each(|r| put(&r.at.key, Kind::DxGateway));
        self.instances
            .iter()
            .for_each(|r| put(&r.at.key, Kind::Instances));
        m
    }
}
