//! The decision for one connection attempt: DNS resolution, the path the
//! fabric allows, every filter on it, and the hop trace of what was checked.
//!
//! The evaluator walks the path hop by hop. At each hop it records what it
//! checked; the first refusal ends the walk with a reason, the hop index and
//! a one-line hint.
//!
//! This module holds the request, the walk and [`Evaluator::evaluate`];
//! each concern is a child module: `dns` (service and private names, ENI
//! choice), `privatelink` (endpoint ENI to NLB to target), `routing`
//! (local, peering, Transit Gateway, workloads), `hybrid` (Direct Connect
//! to and from sites) and `egress` (AWS services, NAT, internet). The
//! filters on the way are the ordered chain of [`super::checks`].

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::checks::{self, Check, Deny, Flow, Holder};
use super::outcome::{Hop, Outcome, PathKind, Reason};
use super::policy::{evaluate_policy, PolicyVerdict};
use super::state::{ControlState, EndpointStatus};
use crate::fabric::{
    AttachTo, AzId, DxId, EndpointId, EniId, Fabric, GatewayEndpointId, NatId, NlbId, PeeringId,
    SgId, SiteId, SubnetId, TgwAttachmentId, TgwId, Via, VifTo, VpcId, WorkloadId,
};
use crate::scenario::{AwsService, Dns, Protocol, Target};

/// Who opens the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Src {
    Instance { workload: WorkloadId, index: usize },
    Host { site: SiteId, index: u32 },
}

/// One connection attempt.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub src: Src,
    pub target: &'a Target,
    pub port: u16,
    pub protocol: Protocol,
    pub action: Option<&'a str>,
    pub resource: Option<&'a str>,
    /// For `Dns::Mixed`: whether this client uses the zonal name.
    pub zonal_client: bool,
    /// The service of a `Target::Service`, when the caller has resolved its
    /// name already (a simulation does it once per traffic class); `None`
    /// looks the name up.
    pub service: Option<crate::fabric::ServiceId>,
    /// Record the hop texts (for `explain`); runs leave it off and get the
    /// outcome, reason, hop index and hint without the per-hop strings.
    pub trace: bool,
}

/// What a delivered connection crosses, for the data plane and the meters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Plan {
    pub client_az: Option<AzId>,
    pub endpoint: Option<(EndpointId, EniId)>,
    pub nlb_node: Option<EniId>,
    pub target: Option<(WorkloadId, usize)>,
    pub target_site: Option<(SiteId, u32)>,
    pub target_az: Option<AzId>,
    pub peering: Option<PeeringId>,
    pub tgw: Option<(TgwAttachmentId, TgwAttachmentId)>,
    pub dx: Option<DxId>,
    pub nat: Option<NatId>,
    pub gateway_endpoint: Option<GatewayEndpointId>,
    /// The destination is an AWS service's public endpoint in the same
    /// region (S3, DynamoDB without a gateway endpoint route), reached
    /// through a NAT gateway or an internet gateway: not internet egress.
    pub aws_service: bool,
}

/// A decision: the outcome, and for a delivered connection its plan.
#[derive(Debug, Clone)]
pub struct Decision {
    pub outcome: Outcome,
    pub plan: Plan,
}

/// Per-endpoint round-robin position of regional DNS answers.
#[derive(Debug, Clone)]
pub struct DnsState {
    rr: Vec<u64>,
}

impl DnsState {
    /// Starting positions drawn from the DNS stream, one per endpoint.
    pub fn new(endpoints: usize, rng: &mut ChaCha8Rng) -> Self {
        DnsState {
            rr: (0..endpoints)
                .map(|_| rng.random_range(0..1_000_000u64))
                .collect(),
        }
    }
}

/// The source side, resolved (borrowed from the fabric: no allocation
/// unless hop texts are recorded).
struct SrcInfo<'f> {
    vpc: Option<VpcId>,
    subnet: Option<SubnetId>,
    az: Option<AzId>,
    ip: IpAddr,
    groups: &'f [SgId],
    role: Option<&'f str>,
    account_id: &'f str,
    /// `workload[i]` or `site[i]`; empty unless tracing.
    name: String,
}

impl SrcInfo<'_> {
    /// The IAM principal requests carry: the workload's role, else its
    /// account's root; `*` from on-premises.
    fn principal(&self) -> String {
        match (self.role, self.account_id) {
            (Some(r), _) => r.to_string(),
            (None, "") => "*".to_string(),
            (None, id) => format!("arn:aws:iam::{id}:root"),
        }
    }
}

/// A walk in progress: the hops so far.
struct Walk<'f> {
    fabric: &'f Fabric,
    /// Record hop texts (explain), or only count hops (runs: no allocation).
    trace: bool,
    hops: Vec<Hop>,
    /// Hops passed without recording them.
    skipped: usize,
    plan: Plan,
    path: PathKind,
}

/// Records a hop when tracing; otherwise counts it without evaluating (and
/// so without formatting) its texts.
macro_rules! hop {
    ($w:expr, $comp:expr, $kind:expr, $az:expr, $acc:expr, $check:expr $(,)?) => {
        if $w.trace {
            $w.hop($comp, $kind, $az, $acc, $check)
        } else {
            $w.skipped += 1
        }
    };
}

/// The port and protocol a request's checks read.
fn flow(req: &Request) -> Flow {
    Flow {
        port: req.port,
        proto: req.protocol,
    }
}

impl<'f> Walk<'f> {
    fn hop(
        &mut self,
        component: impl Into<String>,
        kind: &'static str,
        az: Option<AzId>,
        account: Option<crate::fabric::AccountId>,
        check: impl Into<String>,
    ) {
        self.hops.push(Hop {
            component: component.into(),
            kind,
            az: az.map(|a| self.fabric.az_name(a).to_string()),
            account: account.map(|a| self.fabric.accounts[a.index()].name.clone()),
            check: check.into(),
        });
    }

    fn finish(self, result: Result<(), Deny>) -> Decision {
        match result {
            Ok(()) => Decision {
                outcome: Outcome::Delivered {
                    path: self.path,
                    hops: self.hops,
                },
                plan: self.plan,
            },
            Err((reason, hint)) => Decision {
                outcome: Outcome::Denied {
                    path: self.path,
                    reason,
                    at_hop: (self.hops.len() + self.skipped).saturating_sub(1),
                    hint,
                    hops: self.hops,
                },
                plan: self.plan,
            },
        }
    }
}

/// A site host's address: the site's first block, from `.10` upward.
pub fn site_host_ip(fabric: &Fabric, site: SiteId, index: u32) -> IpAddr {
    match fabric.sites[site.index()].cidrs.first() {
        Some(IpNet::V4(n)) => IpAddr::V4(Ipv4Addr::from(
            u32::from(n.network()).wrapping_add(10 + index),
        )),
        Some(IpNet::V6(n)) => IpAddr::V6(std::net::Ipv6Addr::from(
            u128::from(n.network()).wrapping_add(10 + u128::from(index)),
        )),
        None => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    }
}

/// A documentation address standing for "somewhere on the internet".
const INTERNET_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10));

/// The connection-attempt evaluator over a fabric.
pub struct Evaluator<'f> {
    pub fabric: &'f Fabric,
    /// Interface endpoints of each service, in creation order.
    service_endpoints: Vec<Vec<EndpointId>>,
    /// Status of each peering connection as AWS would have settled it at
    /// creation: active, or refused with a reason and hint.
    peering_status: Vec<Result<(), Deny>>,
    /// The AZ of every ENI, densely (read for every endpoint ENI of every
    /// connection; the fabric's ENI records are far larger).
    eni_az: Vec<AzId>,
}

impl<'f> Evaluator<'f> {
    pub fn new(fabric: &'f Fabric) -> Self {
        // Peerings become active in creation order: each VPC holds at most
        // the quota; overlapping CIDRs and unaccepted requests never count.
        let quota = fabric.quotas.peerings_per_vpc as usize;
        let mut active_count = vec![0usize; fabric.vpcs.len()];
        let mut peering_status = Vec::with_capacity(fabric.peerings.len());
        for p in &fabric.peerings {
            let (r, a) = (p.requester, p.accepter);
            let status = if !p.accepted {
                Err((
                    Reason::PeeringNotActive,
                    format!(
                        "peering {:?} is pending acceptance; the accepter must accept it",
                        p.name
                    ),
                ))
            } else if fabric.cidrs_overlap(r, a) {
                Err((
                    Reason::OverlappingCidr,
                    format!(
                        "VPCs {:?} and {:?} have overlapping CIDR blocks, so they cannot peer; renumber one, or use PrivateLink (overlap does not matter there)",
                        fabric.vpcs[r.index()].name,
                        fabric.vpcs[a.index()].name
                    ),
                ))
            } else if let Some(full) = [r, a]
                .into_iter()
                .find(|v| active_count[v.index()] >= quota)
            {
                Err((
                    Reason::PeeringQuotaExceeded,
                    format!(
                        "VPC {:?} already has {quota} active peerings, the {} quota; use Transit Gateway or PrivateLink, or raise peerings_per_vpc (AWS maximum 125)",
                        fabric.vpcs[full.index()].name,
                        fabric.quotas.name
                    ),
                ))
            } else {
                active_count[r.index()] += 1;
                active_count[a.index()] += 1;
                Ok(())
            };
            peering_status.push(status);
        }
        let mut service_endpoints = vec![Vec::new(); fabric.services.len()];
        for (i, e) in fabric.endpoints.iter().enumerate() {
            service_endpoints[e.service.index()].push(EndpointId(i as u32));
        }
        Evaluator {
            fabric,
            service_endpoints,
            peering_status,
            eni_az: fabric.enis.iter().map(|e| e.az).collect(),
        }
    }

    /// Status of a peering connection (active, or why not).
    pub fn peering_status(&self, p: PeeringId) -> Result<(), Reason> {
        self.peering_status[p.index()]
            .as_ref()
            .map(|_| ())
            .map_err(|(r, _)| *r)
    }

    fn src_info(&self, src: Src, trace: bool) -> SrcInfo<'f> {
        let f = self.fabric;
        match src {
            Src::Instance { workload, index } => {
                let w = &f.workloads[workload.index()];
                let i = index % w.instances.len();
                let inst = w.instances[i];
                SrcInfo {
                    vpc: Some(w.vpc),
                    subnet: Some(inst.subnet),
                    az: Some(inst.az),
                    ip: inst.ip,
                    groups: &w.security_groups,
                    role: w.role.as_deref(),
                    account_id: &f.accounts[w.account.index()].id,
                    name: if trace {
                        format!("{}[{i}]", w.name)
                    } else {
                        String::new()
                    },
                }
            }
            Src::Host { site, index } => {
                let s = &f.sites[site.index()];
                let i = index % s.hosts.max(1);
                SrcInfo {
                    vpc: None,
                    subnet: None,
                    az: None,
                    ip: site_host_ip(f, site, i),
                    groups: &[],
                    role: None,
                    account_id: "",
                    name: if trace {
                        format!("{}[{i}]", s.name)
                    } else {
                        String::new()
                    },
                }
            }
        }
    }

    /// Decides one connection attempt at the current control state.
    pub fn evaluate(
        &self,
        st: &mut ControlState,
        dns: &mut DnsState,
        req: &Request,
        rng: &mut ChaCha8Rng,
    ) -> Decision {
        let f = self.fabric;
        let src = self.src_info(req.src, req.trace);
        let mut w = Walk {
            fabric: f,
            trace: req.trace,
            hops: Vec::new(),
            skipped: 0,
            plan: Plan {
                client_az: src.az,
                ..Plan::default()
            },
            path: PathKind::Local,
        };
        let (acc, kind) = match req.src {
            Src::Instance { workload, .. } => {
                (Some(f.workloads[workload.index()].account), "instance")
            }
            Src::Host { .. } => (None, "on-prem host"),
        };
        hop!(
            w,
            &src.name,
            kind,
            src.az,
            acc,
            format!(
                "source {} opens {:?} port {}",
                src.ip, req.protocol, req.port
            ),
        );
        if let Some(az) = src.az {
            if !st.az_up[az.index()] {
                let r = Err((
                    Reason::AzUnavailable,
                    format!("the client's AZ {} is down", f.az_name(az)),
                ));
                return w.finish(r);
            }
        }
        let result = match req.target {
            Target::Service { name, dns: mode } => {
                self.to_service(st, dns, &src, &mut w, name, mode, req, rng)
            }
            Target::Endpoint { name, dns: mode } => match f.endpoint(name) {
                Some(e) => self.privatelink(st, dns, &src, &mut w, e, mode, req, rng),
                None => Err((Reason::NoEndpoint, format!("no endpoint named {name:?}"))),
            },
            Target::PrivateDns(name) => self.to_private_dns(st, dns, &src, &mut w, name, req, rng),
            Target::Workload(name) => match f.workload(name) {
                Some(t) => self.to_workload(st, &src, &mut w, t, req, rng),
                None => Err((Reason::NoRoute, format!("no workload named {name:?}"))),
            },
            Target::Site(name) => match f.site(name) {
                Some(s) => {
                    let index = rng.random_range(0..f.sites[s.index()].hosts.max(1));
                    let ip = site_host_ip(f, s, index);
                    w.plan.target_site = Some((s, index));
                    self.route_to_site(st, &src, &mut w, s, ip)
                }
                None => Err((Reason::NoRoute, format!("no site named {name:?}"))),
            },
            Target::Aws(svc) => self.to_aws_service(st, &src, &mut w, *svc, req),
            Target::Internet => self.to_internet(st, &src, &mut w),
        };
        w.finish(result)
    }
}

fn net_of(vpc: &crate::fabric::VpcInfo, ip: IpAddr) -> String {
    vpc.cidrs
        .iter()
        .find(|c| c.contains(&ip))
        .map(|c| c.to_string())
        .unwrap_or_else(|| ip.to_string())
}

fn describe_via(f: &Fabric, via: Option<Via>) -> String {
    match via {
        None => "no route".to_string(),
        Some(Via::Local) => "local".to_string(),
        Some(Via::Peering(p)) => format!("peering {:?}", f.peerings[p.index()].name),
        Some(Via::TransitGateway(t)) => format!("transit gateway {:?}", f.tgws[t.index()].name),
        Some(Via::NatGateway(n)) => format!("NAT gateway {:?}", f.nats[n.index()].name),
        Some(Via::InternetGateway) => "internet gateway".to_string(),
        Some(Via::VpnGateway) => "virtual private gateway".to_string(),
        Some(Via::GatewayEndpoint(g)) => {
            format!("gateway endpoint {:?}", f.gateway_endpoints[g.index()].name)
        }
        Some(Via::Blackhole) => "blackhole".to_string(),
    }
}

mod dns;
mod egress;
mod hybrid;
mod privatelink;
mod routing;
