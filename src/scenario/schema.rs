//! The scenario schema (v1) as plain serde types.
//!
//! Every element of the fabric has a type here, so that later capabilities add
//! behaviour, not syntax. Entities refer to each other by *name*; the
//! [`validate`](super::validate) pass checks every reference, and
//! [`Fabric::build`](crate::fabric::Fabric::build) turns names into dense ids.
//! Defaults live next to the field they belong to (`#[serde(default = ...)]`)
//! and are listed in `docs/scenario-format.md`.
//!
//! Owns: the shape of a scenario file. Must not: simulate, price or decide
//! whether AWS would accept a design (that is the control plane's job).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use ipnet::IpNet;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::units::{Bandwidth, Bytes, SimDuration, Usd};

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

// ---------------------------------------------------------------------------
// Scenario
// ---------------------------------------------------------------------------

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name of the scenario; also the default output folder `output/<name>/`.
    /// Letters, digits, `-`, `_` and `.` only.
    pub name: String,
    /// Free text shown in reports.
    #[serde(default)]
    pub description: String,
    /// Root seed of every random stream of the run (default 1).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated time span (`"24h"`).
    pub duration: SimDuration,
    /// Home region: VPCs without a `region` are here (default `"us-east-1"`).
    #[serde(default = "default_region")]
    pub region: String,
    /// Quota profile: a builtin name (`"faq"`, `"aws-current"`) or a `.ron` file
    /// path relative to the scenario (default `"faq"`).
    #[serde(default = "default_quotas")]
    pub quotas: String,
    /// Overrides of single quotas of the profile.
    #[serde(default)]
    pub quota_overrides: QuotaOverrides,
    /// Pricebook: a builtin name (`"aws-us-east-1"`) or a `.ron` file path
    /// (default: `"aws-<region>"`).
    #[serde(default)]
    pub pricebook: Option<String>,
    /// Pricing rule set: who pays for a transfer and what is free (`"faq"`,
    /// the default, or `"current"`: today's AWS rules); a set of the
    /// pricebook's rule book. `--rules` replaces it.
    #[serde(default)]
    pub rules: Option<String>,
    /// Simulation settings (sampling, latencies, billing projection).
    #[serde(default)]
    pub settings: Settings,
    /// Availability Zones by AZ ID. Empty means: every known AZ of the regions
    /// the scenario uses.
    #[serde(default)]
    pub azs: Vec<Az>,
    pub accounts: Vec<Account>,
    pub vpcs: Vec<Vpc>,
    #[serde(default)]
    pub security_groups: Vec<SecurityGroup>,
    #[serde(default)]
    pub workloads: Vec<Workload>,
    #[serde(default)]
    pub load_balancers: Vec<Nlb>,
    #[serde(default)]
    pub services: Vec<EndpointService>,
    #[serde(default)]
    pub endpoints: Vec<InterfaceEndpoint>,
    #[serde(default)]
    pub gateway_endpoints: Vec<GatewayEndpoint>,
    #[serde(default)]
    pub peerings: Vec<Peering>,
    #[serde(default)]
    pub transit_gateways: Vec<TransitGateway>,
    #[serde(default)]
    pub nat_gateways: Vec<NatGateway>,
    #[serde(default)]
    pub sites: Vec<Site>,
    #[serde(default)]
    pub direct_connects: Vec<DirectConnect>,
    #[serde(default)]
    pub traffic: Vec<Traffic>,
    #[serde(default)]
    pub events: Vec<TimedEvent>,
    #[serde(default)]
    pub expect: Vec<Expectation>,
    /// Where the scenario was loaded from: relative paths inside it (traces,
    /// pricebook and quota files) resolve against this file's folder.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

fn default_seed() -> u64 {
    1
}
fn default_region() -> String {
    "us-east-1".to_string()
}
fn default_quotas() -> String {
    "faq".to_string()
}
fn yes() -> bool {
    true
}

/// Overrides of single quota-profile values; absent fields keep the profile's.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuotaOverrides {
    pub peerings_per_vpc: Option<u32>,
    pub interface_endpoints_per_vpc: Option<u32>,
    pub gateway_endpoints_per_vpc: Option<u32>,
    /// Replaces the profile's endpoint scaling (applied before the two
    /// shorthands below).
    pub endpoint_scaling: Option<EndpointScaling>,
    /// Shorthand for a `Stepped` policy's `base`: changes a stepped
    /// profile's start; on a `Managed` profile it needs `endpoint_az_max`
    /// too (the two make it `Stepped`).
    pub endpoint_az_base: Option<Bandwidth>,
    /// Shorthand for a `Stepped` policy's `max` (as `endpoint_az_base`).
    pub endpoint_az_max: Option<Bandwidth>,
    pub endpoint_security_groups: Option<bool>,
    pub nat_base: Option<Bandwidth>,
    pub nat_max: Option<Bandwidth>,
    pub tgw_attachment_az: Option<Bandwidth>,
    pub single_flow_limit: Option<Bandwidth>,
    pub placement_group_flow_limit: Option<Bandwidth>,
    pub transit_gateways_per_vpc: Option<u32>,
    pub scaling: Option<ScalingPolicy>,
}

/// How an interface endpoint's capacity in each AZ meets demand.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum EndpointScaling {
    /// Fully managed, as the PrivateLink FAQ states it ("additional capacity
    /// will be added automatically … endpoint scaling is fully managed to
    /// ensure that traffic to your endpoint is not affected"): capacity
    /// follows demand, so an endpoint ENI never limits traffic. The FAQ
    /// gives no ceiling and vpcsim models none; every other limit (the
    /// single-flow limit, NICs, NAT, TGW, Direct Connect) still applies.
    Managed,
    /// Stepped, as today's AWS documentation states it: each (endpoint, AZ)
    /// starts at `base` and grows by the profile's `scaling` policy up to
    /// `max`.
    Stepped { base: Bandwidth, max: Bandwidth },
}

/// How an autoscaling capacity (endpoint ENI per AZ, NAT gateway) grows:
/// when demand stays at or above `threshold` × capacity for `sustain`, the
/// capacity grows by `step` after `delay`, up to the profile's maximum.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScalingPolicy {
    pub threshold: f64,
    pub sustain: SimDuration,
    pub step: Bandwidth,
    pub delay: SimDuration,
}

/// Run-wide settings.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Sampling interval of `timeseries.csv` (default `"1m"`).
    #[serde(default = "default_sample_interval")]
    pub sample_interval: SimDuration,
    /// Per-hop latencies.
    #[serde(default)]
    pub latency: Latency,
    /// Scale the simulated window to a 730-hour month in the bill.
    #[serde(default)]
    pub project_month: bool,
    /// Write one record per connection (`connections.csv`); off by default
    /// because it grows with the number of connections.
    #[serde(default)]
    pub connection_log: bool,
    /// Pool volume tiers across the accounts of one organization (AWS
    /// consolidated billing: an organization is one billing family); off,
    /// every account counts its own tiers.
    #[serde(default)]
    pub consolidated_billing: bool,
}

fn default_sample_interval() -> SimDuration {
    SimDuration::from_mins(1)
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sample_interval: default_sample_interval(),
            latency: Latency::default(),
            project_month: false,
            connection_log: false,
            consolidated_billing: false,
        }
    }
}

/// One-way latency added per hop kind. Defaults and their rationale are in
/// `docs/scenario-format.md`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    #[serde(default = "default_same_az")]
    pub same_az: SimDuration,
    #[serde(default = "default_cross_az")]
    pub cross_az: SimDuration,
    #[serde(default = "default_cross_region")]
    pub cross_region: SimDuration,
    #[serde(default = "default_dx")]
    pub direct_connect: SimDuration,
    #[serde(default = "default_hop")]
    pub per_hop: SimDuration,
}

fn default_same_az() -> SimDuration {
    SimDuration::from_micros(100)
}
fn default_cross_az() -> SimDuration {
    SimDuration::from_micros(600)
}
fn default_cross_region() -> SimDuration {
    SimDuration::from_millis(15)
}
fn default_dx() -> SimDuration {
    SimDuration::from_millis(2)
}
fn default_hop() -> SimDuration {
    SimDuration::from_micros(50)
}

impl Default for Latency {
    fn default() -> Self {
        Latency {
            same_az: default_same_az(),
            cross_az: default_cross_az(),
            cross_region: default_cross_region(),
            direct_connect: default_dx(),
            per_hop: default_hop(),
        }
    }
}

// ---------------------------------------------------------------------------
// Topology
// ---------------------------------------------------------------------------

/// An Availability Zone, by its AZ ID (`use1-az1`), which names the same
/// physical zone in every account. `names` maps account names to the AZ name
/// that account sees (`us-east-1a`); without it, AZ names are derived from the
/// ID (`use1-az1` → `us-east-1a`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Az {
    pub id: String,
    /// Region of the zone; derived from the ID prefix when absent.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub names: BTreeMap<String, String>,
}

/// An AWS account, optionally in an organization and organizational unit.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub name: String,
    /// 12-digit account ID.
    pub id: String,
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default)]
    pub org_unit: Option<String>,
}

/// A VPC with its CIDRs, subnets, route tables and NACLs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub name: String,
    pub account: String,
    #[serde(default)]
    pub region: Option<String>,
    pub cidrs: Vec<Cidr>,
    pub subnets: Vec<Subnet>,
    /// Route tables. A VPC always has a main table: the one named `"main"`
    /// if listed, else an implicit empty one. Subnets without a
    /// `route_table` use the main table.
    #[serde(default)]
    pub route_tables: Vec<RouteTable>,
    #[serde(default)]
    pub nacls: Vec<Nacl>,
    /// Whether the VPC has an internet gateway.
    #[serde(default)]
    pub internet_gateway: bool,
    /// Whether a virtual private gateway is attached (for DX private VIFs).
    #[serde(default)]
    pub vpn_gateway: bool,
}

/// A subnet in one AZ.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub name: String,
    /// AZ ID, e.g. `use1-az1`.
    pub az: String,
    pub cidr: Cidr,
    #[serde(default)]
    pub route_table: Option<String>,
    /// NACL name; absent means the VPC's default NACL (allow all).
    #[serde(default)]
    pub nacl: Option<String>,
}

/// A route table of a VPC. The local route for the VPC's CIDRs is implicit.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    pub name: String,
    #[serde(default)]
    pub routes: Vec<Route>,
}

/// A route: destination CIDR and target.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub to: Cidr,
    pub via: RouteTarget,
}

/// Where a route sends traffic.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum RouteTarget {
    Peering(String),
    TransitGateway(String),
    NatGateway(String),
    InternetGateway,
    VpnGateway,
    Blackhole,
}

/// A network ACL: stateless, numbered rules evaluated in order; an implicit
/// final rule denies everything.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Nacl {
    pub name: String,
    #[serde(default)]
    pub inbound: Vec<NaclRule>,
    #[serde(default)]
    pub outbound: Vec<NaclRule>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NaclRule {
    pub number: u32,
    pub action: RuleAction,
    pub cidr: Cidr,
    #[serde(default)]
    pub ports: PortRange,
    #[serde(default)]
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
pub enum RuleAction {
    Allow,
    Deny,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    #[default]
    All,
    Tcp,
    Udp,
}

/// A security group of a VPC: stateful allow rules. Inbound defaults to
/// nothing allowed; outbound, when absent, allows everything (as AWS creates
/// new groups).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    pub name: String,
    pub vpc: String,
    #[serde(default)]
    pub inbound: Vec<SgRule>,
    #[serde(default)]
    pub outbound: Option<Vec<SgRule>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SgRule {
    pub peer: SgPeer,
    #[serde(default)]
    pub ports: PortRange,
    #[serde(default)]
    pub protocol: Protocol,
}

/// The other side of a security-group rule.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum SgPeer {
    Cidr(Cidr),
    /// Another security group by name (same region).
    Group(String),
    /// The AWS prefix list of a gateway-endpoint service.
    PrefixList(AwsService),
    Anywhere,
}

/// A group of identical instances spread round-robin over its subnets.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    pub name: String,
    pub subnets: Vec<String>,
    #[serde(default = "one")]
    pub instances: u32,
    /// Per-instance NIC bandwidth (default `"10Gbps"`).
    #[serde(default = "default_nic")]
    pub nic: Bandwidth,
    /// Security groups; none means no security-group check (allow all).
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// In a cluster placement group: the single-flow limit is the profile's
    /// placement-group value instead of the default.
    #[serde(default)]
    pub placement_group: bool,
    /// IAM role the workload's requests carry (for endpoint policies).
    #[serde(default)]
    pub role: Option<String>,
}

fn one() -> u32 {
    1
}
fn default_nic() -> Bandwidth {
    Bandwidth::gbps(10)
}

/// A Network Load Balancer.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Nlb {
    pub name: String,
    /// One subnet per AZ; these AZs are the AZs the NLB (and a service on it) offers.
    pub subnets: Vec<String>,
    /// Target workloads.
    pub targets: Vec<String>,
    #[serde(default)]
    pub cross_zone: bool,
    #[serde(default)]
    pub proxy_protocol_v2: bool,
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Evaluate the NLB's inbound security-group rules for PrivateLink
    /// traffic (AWS's default, true); false turns that evaluation off.
    #[serde(default = "yes")]
    pub privatelink_sg_evaluation: bool,
}

/// A VPC endpoint service (PrivateLink) in front of one or more NLBs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointService {
    pub name: String,
    pub nlbs: Vec<String>,
    /// Connection requests wait for an `Accept` event (default true).
    #[serde(default = "yes")]
    pub acceptance_required: bool,
    /// Who may create endpoints. Empty: nobody but the owner (private).
    #[serde(default)]
    pub allowed_principals: Vec<Principal>,
    #[serde(default)]
    pub private_dns_name: Option<PrivateDnsName>,
    #[serde(default)]
    pub payer: Payer,
}

/// A principal allowed to connect to a service.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub enum Principal {
    /// A 12-digit account ID (all of its principals).
    Account(String),
    /// An organizational unit ID (`ou-...`).
    OrgUnit(String),
    /// An organization ID (`o-...`).
    Org(String),
    /// An IAM role ARN.
    Role(String),
    /// Everyone (`*`).
    All,
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Account(a) => write!(f, "account {a}"),
            Principal::OrgUnit(o) => write!(f, "OU {o}"),
            Principal::Org(o) => write!(f, "organization {o}"),
            Principal::Role(r) => write!(f, "role {r}"),
            Principal::All => write!(f, "*"),
        }
    }
}

/// A private DNS name for a service and its domain-verification state.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PrivateDnsName {
    pub name: String,
    #[serde(default)]
    pub state: DnsVerification,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum DnsVerification {
    #[default]
    PendingVerification,
    Verified,
    Failed,
}

/// Who pays endpoint hours and data processing.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum Payer {
    /// The endpoint owner (the consumer), as by default on AWS.
    #[default]
    Consumer,
    /// The service owner (`PayerResponsibility = ServiceOwner`).
    ServiceOwner,
}

/// An interface VPC endpoint: one ENI per listed subnet (one subnet per AZ).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InterfaceEndpoint {
    pub name: String,
    pub vpc: String,
    pub service: String,
    pub subnets: Vec<String>,
    /// Private DNS for the service's private name inside the VPC (default true).
    #[serde(default = "yes")]
    pub private_dns: bool,
    #[serde(default)]
    pub policy: Option<EndpointPolicy>,
    /// Security groups on the ENIs (used only where the quota profile has
    /// endpoint security groups).
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// The IAM principal that creates the endpoint; default: the VPC's account.
    #[serde(default)]
    pub created_by: Option<String>,
}

/// An IAM resource policy on an endpoint. Absent: full access.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EndpointPolicy {
    pub statements: Vec<PolicyStatement>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PolicyStatement {
    pub effect: RuleAction,
    /// Principal ARNs, account IDs or `"*"`.
    #[serde(default = "star")]
    pub principals: Vec<String>,
    /// Actions (`"s3:GetObject"`, `"s3:*"`, `"*"`).
    #[serde(default = "star")]
    pub actions: Vec<String>,
    /// Resource ARNs with `*` wildcards.
    #[serde(default = "star")]
    pub resources: Vec<String>,
}

fn star() -> Vec<String> {
    vec!["*".to_string()]
}

/// The AWS services reachable through gateway endpoints.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub enum AwsService {
    S3,
    DynamoDB,
}

impl fmt::Display for AwsService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AwsService::S3 => "s3",
            AwsService::DynamoDB => "dynamodb",
        })
    }
}

/// A gateway VPC endpoint (S3 or DynamoDB), reached through route tables.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayEndpoint {
    pub name: String,
    pub vpc: String,
    pub service: AwsService,
    /// Route tables that get the service's prefix-list route.
    pub route_tables: Vec<String>,
    #[serde(default)]
    pub policy: Option<EndpointPolicy>,
}

/// A VPC peering connection. Cross-account and cross-region follow from the
/// two VPCs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Peering {
    pub name: String,
    pub requester: String,
    pub accepter: String,
    /// Whether the accepter accepted (default true).
    #[serde(default = "yes")]
    pub accepted: bool,
    /// Add routes to the peer's CIDRs in every route table of both VPCs
    /// (default true). Set false to write routes by hand.
    #[serde(default = "yes")]
    pub auto_routes: bool,
}

/// A transit gateway with its attachments and route tables.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TransitGateway {
    pub name: String,
    pub account: String,
    #[serde(default)]
    pub region: Option<String>,
    pub attachments: Vec<TgwAttachment>,
    /// Route tables. Empty: one default table that every attachment is
    /// associated with and propagates to.
    #[serde(default)]
    pub route_tables: Vec<TgwRouteTable>,
    /// Add routes to the TGW for every other attachment's CIDRs in every
    /// route table of each attached VPC (default true).
    #[serde(default = "yes")]
    pub auto_routes: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TgwAttachment {
    pub name: String,
    pub target: AttachmentTarget,
    /// For VPC attachments: one subnet per AZ.
    #[serde(default)]
    pub subnets: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum AttachmentTarget {
    Vpc(String),
    /// A Direct Connect gateway reached by the named DX connection's transit VIF.
    DirectConnect(String),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TgwRouteTable {
    pub name: String,
    #[serde(default)]
    pub associations: Vec<String>,
    #[serde(default)]
    pub propagations: Vec<String>,
    #[serde(default)]
    pub routes: Vec<TgwRoute>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TgwRoute {
    pub to: Cidr,
    pub via: TgwRouteTarget,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum TgwRouteTarget {
    Attachment(String),
    Blackhole,
}

/// A NAT gateway in a subnet.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    pub name: String,
    pub subnet: String,
    /// Public (to the internet, needs an internet gateway) or private.
    #[serde(default = "yes")]
    pub public: bool,
}

/// An on-premises site.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub name: String,
    pub cidrs: Vec<Cidr>,
    /// Hosts that originate or receive traffic.
    #[serde(default = "one")]
    pub hosts: u32,
    #[serde(default = "default_nic")]
    pub nic: Bandwidth,
}

/// A Direct Connect connection from a site, with its virtual interfaces.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DirectConnect {
    pub name: String,
    /// The account that owns the connection and pays its port hours.
    pub account: String,
    pub site: String,
    pub speed: Bandwidth,
    #[serde(default)]
    pub kind: DxKind,
    #[serde(default)]
    pub location: Option<String>,
    pub vifs: Vec<Vif>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum DxKind {
    #[default]
    Dedicated,
    Hosted,
}

/// A virtual interface on a DX connection.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Vif {
    pub name: String,
    pub kind: VifKind,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum VifKind {
    /// To a VPC's virtual private gateway (directly or through a DX gateway).
    Private(String),
    /// To a transit gateway through a DX gateway.
    Transit(String),
}

// ---------------------------------------------------------------------------
// Traffic
// ---------------------------------------------------------------------------

/// A traffic class: connections from a source to a target, arriving by a
/// process, each carrying a request and a response.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    pub name: String,
    pub from: Source,
    pub to: Target,
    pub arrivals: Arrivals,
    #[serde(default = "default_request")]
    pub request: SizeDist,
    #[serde(default = "default_response")]
    pub response: SizeDist,
    /// Start of the class's window (default 0).
    #[serde(default)]
    pub start: Option<SimDuration>,
    /// End of the class's window (default: the run's end).
    #[serde(default)]
    pub end: Option<SimDuration>,
    #[serde(default = "default_port")]
    pub port: u16,
    #[serde(default = "default_protocol")]
    pub protocol: Protocol,
    /// Action and resource the requests carry, for endpoint policies.
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub resource: Option<String>,
}

fn default_request() -> SizeDist {
    SizeDist::Fixed(Bytes(1024))
}
fn default_response() -> SizeDist {
    SizeDist::Fixed(Bytes(16 * 1024))
}
fn default_port() -> u16 {
    443
}
fn default_protocol() -> Protocol {
    Protocol::Tcp
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum Source {
    Workload(String),
    Site(String),
}

/// What a connection is aimed at.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum Target {
    /// An endpoint service, reached through an interface endpoint for it in
    /// (or reachable from) the source's VPC, by its endpoint DNS name.
    Service {
        name: String,
        #[serde(default)]
        dns: Dns,
    },
    /// A named interface endpoint's DNS name.
    Endpoint {
        name: String,
        #[serde(default)]
        dns: Dns,
    },
    /// A private DNS name (a service's verified private name).
    PrivateDns(String),
    /// A workload's private IPs (local, peering, TGW, DX).
    Workload(String),
    /// An on-premises site's hosts.
    Site(String),
    /// An AWS service reached through a gateway endpoint (or NAT/IGW).
    Aws(AwsService),
    /// The public internet (through NAT or IGW).
    Internet,
}

/// Which DNS name of an endpoint clients use.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub enum Dns {
    /// The regional name: one healthy ENI, round-robin across the endpoint's AZs.
    #[default]
    Regional,
    /// The zonal name of the client's own AZ.
    Zonal,
    /// The zonal name of one AZ (by AZ ID).
    ZonalIn(String),
    /// A share of clients (0.0–1.0) uses zonal names, the rest regional.
    Mixed(f64),
}

/// Connection arrival process of a traffic class.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum Arrivals {
    /// Evenly spaced arrivals.
    Constant { per_second: f64 },
    /// Poisson arrivals.
    Poisson { per_second: f64 },
    /// Poisson arrivals during `on` periods, none during `off` periods.
    OnOff {
        per_second: f64,
        on: SimDuration,
        off: SimDuration,
    },
    /// Poisson arrivals whose rate follows a 24-hour sine between `trough`
    /// and `peak` per second, peaking at `peak_at` (time of day).
    Diurnal {
        peak_per_second: f64,
        trough_per_second: f64,
        #[serde(default = "default_peak_at")]
        peak_at: SimDuration,
    },
    /// Replay of a CSV trace: `time,source,target,request_bytes,response_bytes`.
    /// Empty source/target cells use the class's `from`/`to`.
    Trace { file: String },
    /// A fixed number of connections at the window's start.
    Burst { count: u32 },
}

fn default_peak_at() -> SimDuration {
    SimDuration::from_hours(14)
}

/// The largest request or response body vpcsim moves: 1 PiB (2^50 bytes).
/// Far above any single transfer, and small enough that a connection's
/// request + response can never overflow a byte counter. Stated sizes above
/// it are load errors; the traffic samplers clamp the tails of random
/// distributions to it.
pub const MAX_BODY: Bytes = Bytes(1 << 50);

/// A size distribution for request and response bodies.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum SizeDist {
    Fixed(Bytes),
    Uniform {
        min: Bytes,
        max: Bytes,
    },
    LogNormal {
        median: Bytes,
        sigma: f64,
    },
    /// Pareto with scale `min` and shape `alpha`, optionally truncated at `max`.
    Pareto {
        min: Bytes,
        alpha: f64,
        #[serde(default)]
        max: Option<Bytes>,
    },
    /// Piecewise-linear CDF: `(size, cumulative probability)` points with
    /// increasing sizes and probabilities ending at 1.0.
    Empirical(Vec<(Bytes, f64)>),
}

// ---------------------------------------------------------------------------
// Events and expectations
// ---------------------------------------------------------------------------

/// An event at a simulated time.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum TimedEvent {
    At(SimDuration, Event),
}

impl TimedEvent {
    pub fn time(&self) -> SimDuration {
        match self {
            TimedEvent::At(t, _) => *t,
        }
    }
    pub fn event(&self) -> &Event {
        match self {
            TimedEvent::At(_, e) => e,
        }
    }
}

/// Something that changes the fabric's state mid-run.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum Event {
    Accept {
        service: String,
        endpoint: String,
    },
    Reject {
        service: String,
        endpoint: String,
    },
    Suspend {
        service: String,
        endpoint: String,
    },
    Resume {
        service: String,
        endpoint: String,
    },
    Terminate {
        service: String,
        endpoint: String,
    },
    AddNlb {
        service: String,
        nlb: String,
    },
    RemoveNlb {
        service: String,
        nlb: String,
    },
    AllowPrincipal {
        service: String,
        principal: Principal,
    },
    RemovePrincipal {
        service: String,
        principal: Principal,
    },
    SetPrivateDnsState {
        service: String,
        state: DnsVerification,
    },
    AzOutage {
        az: String,
        #[serde(rename = "for", default)]
        duration: Option<SimDuration>,
    },
    AzRecover {
        az: String,
    },
    DxDown {
        dx: String,
        #[serde(rename = "for", default)]
        duration: Option<SimDuration>,
    },
    DxUp {
        dx: String,
    },
    CreateEndpoint {
        endpoint: String,
    },
    DeleteEndpoint {
        endpoint: String,
    },
}

impl Event {
    /// The variant's name, as written in scenario files.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Accept { .. } => "Accept",
            Event::Reject { .. } => "Reject",
            Event::Suspend { .. } => "Suspend",
            Event::Resume { .. } => "Resume",
            Event::Terminate { .. } => "Terminate",
            Event::AddNlb { .. } => "AddNlb",
            Event::RemoveNlb { .. } => "RemoveNlb",
            Event::AllowPrincipal { .. } => "AllowPrincipal",
            Event::RemovePrincipal { .. } => "RemovePrincipal",
            Event::SetPrivateDnsState { .. } => "SetPrivateDnsState",
            Event::AzOutage { .. } => "AzOutage",
            Event::AzRecover { .. } => "AzRecover",
            Event::DxDown { .. } => "DxDown",
            Event::DxUp { .. } => "DxUp",
            Event::CreateEndpoint { .. } => "CreateEndpoint",
            Event::DeleteEndpoint { .. } => "DeleteEndpoint",
        }
    }
}

/// A claim about the run's results, checked after it (CI use).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum Expectation {
    /// The bill projected to a 730-hour month is at most this.
    MonthlyCostAtMost(Usd),
    /// The bill of the simulated window (optionally one category and/or
    /// account) is at most `max`.
    CostAtMost {
        max: Usd,
        #[serde(default)]
        category: Option<String>,
        #[serde(default)]
        account: Option<String>,
    },
    CrossAzBytesAtMost(Bytes),
    /// At least this fraction of the class's connections is delivered.
    Delivered {
        traffic: String,
        at_least: f64,
    },
    /// The class's connections are denied with this reason.
    Denied {
        traffic: String,
        reason: String,
    },
    /// The class's p99 flow completion time is at most `max`.
    P99FctAtMost {
        traffic: String,
        max: SimDuration,
    },
    /// Peak utilisation of a resource (by its report name) is at most `max` (0–1).
    PeakUtilisationAtMost {
        resource: String,
        max: f64,
    },
}

// ---------------------------------------------------------------------------
// Small value types
// ---------------------------------------------------------------------------

/// An IPv4 or IPv6 CIDR block, parsed from `"10.0.0.0/16"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr(pub IpNet);

impl Cidr {
    pub fn net(&self) -> IpNet {
        self.0
    }
    /// Whether two blocks share any address.
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.0.contains(&other.0.network()) || other.0.contains(&self.0.network())
    }
    /// Whether `other` lies entirely inside this block.
    pub fn contains(&self, other: &Cidr) -> bool {
        self.0.contains(&other.0)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let net: IpNet = s
            .trim()
            .parse()
            .map_err(|_| de::Error::custom(cidr_problem(&s)))?;
        if net.trunc() != net {
            return Err(de::Error::custom(format!(
                "invalid CIDR {s:?}: host bits are set; did you mean \"{}\"?",
                net.trunc()
            )));
        }
        Ok(Cidr(net))
    }
}

/// Why `s` is not a CIDR block, with the fix when it can be named.
fn cidr_problem(s: &str) -> String {
    let text = s.trim();
    let (addr, prefix) = text.split_once('/').unwrap_or((text, ""));
    let max = match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => 32,
        Ok(std::net::IpAddr::V6(_)) => 128,
        Err(_) => {
            return format!(
                "invalid CIDR {s:?}: {addr:?} is not an IP address (IPv4 has four numbers) — expected an address and a prefix length such as \"10.0.0.0/16\""
            )
        }
    };
    match prefix.parse::<u32>() {
        Ok(n) if n > max => format!(
            "invalid CIDR {s:?}: the prefix length is {n}, and an IPv{} prefix is at most /{max} (VPC and subnet blocks are /16 to /28)",
            if max == 32 { 4 } else { 6 }
        ),
        _ if prefix.is_empty() => format!(
            "invalid CIDR {s:?}: no prefix length; write it after a slash, such as \"{addr}/24\""
        ),
        _ => format!(
            "invalid CIDR {s:?}: the prefix length {prefix:?} is not a number from 0 to {max}"
        ),
    }
}

impl Serialize for Cidr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A port range: `"443"`, `"1024-65535"` or `"all"` (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };
    pub fn contains(&self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }
}

impl Default for PortRange {
    fn default() -> Self {
        PortRange::ALL
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == PortRange::ALL {
            f.write_str("all")
        } else if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

impl<'de> Deserialize<'de> for PortRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bad = || {
            de::Error::custom(format!(
                "invalid port range {s:?} — expected \"443\", \"1024-65535\" or \"all\""
            ))
        };
        let t = s.trim();
        if t.eq_ignore_ascii_case("all") {
            return Ok(PortRange::ALL);
        }
        let (a, b) = match t.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (t, t),
        };
        let from: u16 = a.parse().map_err(|_| bad())?;
        let to: u16 = b.parse().map_err(|_| bad())?;
        if from > to {
            return Err(bad());
        }
        Ok(PortRange { from, to })
    }
}

impl Serialize for PortRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
