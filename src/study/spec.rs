//! The study file format (RON): a base scenario, templates that generate
//! consumer VPCs, named variants of the base, and sweep axes.
//!
//! Every struct rejects unknown fields, like the scenario schema; syntax and
//! type errors carry `file:line:col`, meaning errors a field path such as
//! `variants[1].remove[0]`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::scenario::{
    Account, Arrivals, Cidr, DirectConnect, Dns, EndpointService, Expectation, GatewayEndpoint,
    InterfaceEndpoint, NatGateway, Nlb, Peering, QuotaOverrides, Scenario, SecurityGroup, Site,
    SizeDist, TimedEvent, Traffic, TransitGateway, Vpc, Workload,
};
use crate::units::{Bandwidth, Bytes, SimDuration};

/// A whole study file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Study {
    /// Name of the study; the default output folder is `output/<name>/`.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Root seed: every point's seed is derived from it and the point's
    /// coordinates (unless `seeds` lists the seeds).
    #[serde(default = "one_u64")]
    pub seed: u64,
    /// The scenario every point starts from: a path (relative to the study
    /// file) or an inline `Scenario(...)`.
    pub base: Base,
    /// Elements appended to the base for every point (before variants).
    #[serde(default)]
    pub add: Elements,
    /// Generators of consumer VPCs.
    #[serde(default)]
    pub templates: Vec<Template>,
    /// Named changes of the base. Empty: one variant, `"base"`.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// Sweep axes; their cartesian product (times variants and
    /// replications) is the set of points.
    #[serde(default)]
    pub sweep: Vec<Axis>,
    /// Replications per point, with seeds derived from the coordinates
    /// (default 1). Exclusive with `seeds`.
    #[serde(default)]
    pub replications: Option<u32>,
    /// Explicit root seeds, one replication each, used as they are (so every
    /// variant sees the same seeds). Exclusive with `replications`.
    #[serde(default)]
    pub seeds: Option<Vec<u64>>,
}

fn one_u64() -> u64 {
    1
}

/// The base scenario of a study.
#[derive(Debug, Clone, Serialize)]
pub enum Base {
    /// A scenario file, relative to the study file.
    File(PathBuf),
    /// A scenario written inside the study.
    Inline(Box<Scenario>),
}

impl<'de> Deserialize<'de> for Base {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct BaseVisitor;
        impl<'de> Visitor<'de> for BaseVisitor {
            type Value = Base;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a scenario file path (\"../quickstart.ron\") or an inline Scenario(...)",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Base, E> {
                if v.trim().is_empty() {
                    return Err(E::custom("the base scenario path is empty"));
                }
                Ok(Base::File(PathBuf::from(v)))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Base, E> {
                self.visit_str(&v)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Base, A::Error> {
                let s = Scenario::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Base::Inline(Box::new(s)))
            }
        }
        d.deserialize_any(BaseVisitor)
    }
}

/// Generates `count` consumer VPCs from one definition, each in its own
/// account, with a client workload, a traffic class, and the connection to
/// the shared service the architecture asks for.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Prefix of every generated name: `<name>-001` is the first consumer's
    /// account, VPC and traffic class.
    pub name: String,
    /// Number of consumers (the `Consumers` axis replaces it).
    #[serde(default = "ten")]
    pub count: u32,
    /// Account IDs are `account_id_base + i` (i from 1), 12 digits.
    #[serde(default = "default_account_base")]
    pub account_id_base: u64,
    /// How consumer VPCs are numbered.
    #[serde(default)]
    pub cidrs: CidrPlan,
    /// AZ IDs the consumers use, in order; the `Azs` axis takes the first K.
    pub azs: Vec<String>,
    /// How many of `azs` each consumer spans (default: all).
    #[serde(default)]
    pub az_count: Option<u32>,
    /// Client instances per consumer.
    #[serde(default = "two")]
    pub instances: u32,
    #[serde(default = "default_nic")]
    pub nic: Bandwidth,
    /// What the consumers talk to, in the base scenario.
    pub shared: Shared,
    /// How consumers reach the shared service (variants may replace it).
    #[serde(default)]
    pub architecture: Architecture,
    /// DNS name clients use with PrivateLink (variants and the `ZonalShare`
    /// axis may replace it).
    #[serde(default)]
    pub dns: Dns,
    /// One traffic class per consumer.
    pub traffic: TrafficSpec,
}

fn ten() -> u32 {
    10
}
fn two() -> u32 {
    2
}
fn default_account_base() -> u64 {
    700_000_000_000
}
fn default_nic() -> Bandwidth {
    Bandwidth::gbps(10)
}

/// The shared side consumers talk to, by names of the base scenario.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Shared {
    /// The shared (hub) VPC: peered with, or attached to the transit gateway.
    pub vpc: String,
    /// The workload behind the service: the target over peering and TGW.
    pub workload: String,
    /// The endpoint service: the target over PrivateLink.
    #[serde(default)]
    pub service: Option<String>,
    /// Transit gateway name: reused if the base has it, else created in the
    /// shared VPC's account (default `"hub-tgw"`).
    #[serde(default = "default_tgw")]
    pub tgw: String,
}

fn default_tgw() -> String {
    "hub-tgw".to_string()
}

/// How consumers reach the shared service.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum Architecture {
    /// An interface endpoint per consumer to the shared endpoint service.
    #[default]
    PrivateLink,
    /// A peering between each consumer and the shared VPC (hub and spoke).
    Peering,
    /// Every VPC peered with every other one (the shared VPC included).
    PeeringMesh,
    /// Each consumer and the shared VPC attached to one transit gateway.
    TransitGateway,
}

impl Architecture {
    pub fn name(self) -> &'static str {
        match self {
            Architecture::PrivateLink => "privatelink",
            Architecture::Peering => "peering",
            Architecture::PeeringMesh => "peering-mesh",
            Architecture::TransitGateway => "tgw",
        }
    }
}

/// How consumer VPC CIDRs are chosen.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum CidrPlan {
    /// Consumer `i` gets the i-th free block of `/prefix` inside `from`,
    /// skipping blocks that overlap a VPC of the scenario. With
    /// `from: "10.0.0.0/8", prefix: 24` this is `10.{i/256}.{i%256}.0/24`.
    Distinct { from: Cidr, prefix: u8 },
    /// Every consumer uses this block (overlapping each other, and the
    /// shared VPC if it matches): fine for PrivateLink, refused by peering.
    Overlapping(Cidr),
}

impl Default for CidrPlan {
    fn default() -> Self {
        CidrPlan::Distinct {
            from: Cidr("10.0.0.0/8".parse().unwrap_or_else(|_| unreachable_cidr())),
            prefix: 24,
        }
    }
}

#[cold]
fn unreachable_cidr() -> ipnet::IpNet {
    panic!("invariant: the literal 10.0.0.0/8 is a valid CIDR")
}

/// The traffic class generated for every consumer.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficSpec {
    /// Per consumer (the `Load` axis multiplies its rate).
    pub arrivals: Arrivals,
    #[serde(default = "default_request")]
    pub request: SizeDist,
    #[serde(default = "default_response")]
    pub response: SizeDist,
    #[serde(default)]
    pub start: Option<SimDuration>,
    #[serde(default)]
    pub end: Option<SimDuration>,
    #[serde(default = "default_port")]
    pub port: u16,
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

/// A named change of the base scenario (and of the templates).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Letters, digits, `-` and `_`: it is part of point ids and folders.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Replaces every template's architecture.
    #[serde(default)]
    pub architecture: Option<Architecture>,
    /// Replaces every template's DNS choice.
    #[serde(default)]
    pub dns: Option<Dns>,
    /// Replaces every template's CIDR plan.
    #[serde(default)]
    pub cidrs: Option<CidrPlan>,
    /// Quota profile (`"faq"`, `"aws-current"` or a file relative to the study).
    #[serde(default)]
    pub quotas: Option<String>,
    #[serde(default)]
    pub quota_overrides: Option<QuotaOverrides>,
    /// Pricebook (a builtin name or a file relative to the study).
    #[serde(default)]
    pub pricebook: Option<String>,
    /// Pricing rule set (`"faq"`, `"current"`), as the scenario's `rules`.
    #[serde(default)]
    pub rules: Option<String>,
    /// Pool tiers across each organization's accounts, as the scenario's
    /// `settings.consolidated_billing`.
    #[serde(default)]
    pub consolidated_billing: Option<bool>,
    #[serde(default)]
    pub duration: Option<SimDuration>,
    /// Elements removed from the base (before `add`).
    #[serde(default)]
    pub remove: Vec<Element>,
    /// Elements appended to the base.
    #[serde(default)]
    pub add: Elements,
}

/// Elements to append to a scenario: the scenario's own lists.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Elements {
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
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
}

/// An element of the base to remove, by name (events by kind, e.g.
/// `Events("AzOutage")`; `Expectations` removes every expectation).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum Element {
    Account(String),
    Vpc(String),
    SecurityGroup(String),
    Workload(String),
    Nlb(String),
    Service(String),
    Endpoint(String),
    GatewayEndpoint(String),
    Peering(String),
    TransitGateway(String),
    NatGateway(String),
    Site(String),
    DirectConnect(String),
    Traffic(String),
    Events(String),
    Expectations,
}

/// One sweep axis and its values.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum Axis {
    /// Number of consumers of every template.
    Consumers(Vec<u32>),
    /// Multiplier of every traffic class's arrival rate (offered load).
    Load(Vec<f64>),
    /// Share of clients using zonal DNS names (`Dns::Mixed(share)`) in
    /// PrivateLink templates.
    ZonalShare(Vec<f64>),
    /// Number of AZs each consumer spans (the first K of its template's `azs`).
    Azs(Vec<u32>),
}

impl Axis {
    /// The axis name in outputs.
    pub fn name(&self) -> &'static str {
        match self {
            Axis::Consumers(_) => "consumers",
            Axis::Load(_) => "load",
            Axis::ZonalShare(_) => "zonal_share",
            Axis::Azs(_) => "azs",
        }
    }
    pub fn len(&self) -> usize {
        match self {
            Axis::Consumers(v) | Axis::Azs(v) => v.len(),
            Axis::Load(v) | Axis::ZonalShare(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A loaded study: the file, where it came from, and its base scenario.
#[derive(Debug, Clone)]
pub struct LoadedStudy {
    pub study: Study,
    /// The study file (relative paths resolve against its folder).
    pub origin: Option<PathBuf>,
    /// The base scenario, parsed and validated.
    pub base: Scenario,
}

impl LoadedStudy {
    /// Prices every point with rule set `name` (`sweep --rules`): the
    /// base's and every variant's `rules` become `name`.
    pub fn force_rules(&mut self, name: &str) {
        self.base.rules = Some(name.to_string());
        for v in &mut self.study.variants {
            v.rules = Some(name.to_string());
        }
    }

    /// The folder relative paths of the study resolve against.
    pub fn dir(&self) -> Option<&Path> {
        self.origin.as_deref().and_then(Path::parent)
    }
}
