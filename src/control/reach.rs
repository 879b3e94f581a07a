//! The decision for one connection attempt: DNS resolution, the path the
//! fabric allows, every filter on it, and the hop trace of what was checked.
//!
//! The evaluator walks the path hop by hop. At each hop it records what it
//! checked; the first refusal ends the walk with a reason, the hop index and
//! a one-line hint.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::checks::{self, Check, Deny, Flow, Holder};
use super::outcome::{Hop, Outcome, PathKind, Reason};
use super::policy::{evaluate_policy, nacl_allows, sg_allows, Direction, PolicyVerdict};
use super::state::{ConnState, ControlState, EndpointStatus};
use crate::fabric::{
    AttachTo, AzId, DxId, EndpointId, EniId, Fabric, GatewayEndpointId, NatId, PeeringId, SgId,
    SiteId, SubnetId, TgwAttachmentId, TgwId, Via, VifTo, VpcId, WorkloadId,
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

    // ------------------------------------------------------------------
    // PrivateLink
    // ------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn to_service(
        &self,
        st: &mut ControlState,
        dns: &mut DnsState,
        src: &SrcInfo,
        w: &mut Walk,
        name: &str,
        mode: &Dns,
        req: &Request,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let Some(svc) = req.service.or_else(|| f.service(name)) else {
            return Err((
                Reason::NoEndpoint,
                format!("no endpoint service named {name:?}"),
            ));
        };
        // An endpoint for the service in the source VPC first; otherwise one
        // in a VPC the source routes to (PrivateLink works across peering,
        // TGW and DX, unlike gateway endpoints).
        let candidates = &self.service_endpoints[svc.index()];
        let own = candidates
            .iter()
            .copied()
            .find(|e| Some(f.endpoints[e.index()].vpc) == src.vpc);
        let chosen = own.or_else(|| {
            candidates.iter().copied().find(|e| {
                let ep = &f.endpoints[e.index()];
                ep.enis
                    .first()
                    .is_some_and(|eni| self.has_route(st, src, ep.vpc, f.enis[eni.index()].ip))
            })
        });
        match chosen {
            Some(e) => {
                hop!(
                    w,
                    &f.endpoints[e.index()].name,
                    "dns",
                    None,
                    Some(f.endpoints[e.index()].account),
                    format!(
                        "service {name:?} is reached through interface endpoint {:?}",
                        f.endpoints[e.index()].name
                    ),
                );
                self.privatelink(st, dns, src, w, e, mode, req, rng)
            }
            None => {
                let place = match src.vpc {
                    Some(v) => format!("VPC {:?}", f.vpcs[v.index()].name),
                    None => "any VPC the source reaches".to_string(),
                };
                hop!(
                    w,
                    name,
                    "dns",
                    None,
                    Some(f.services[svc.index()].owner),
                    "look for an interface endpoint of the service",
                );
                Err((
                    Reason::NoEndpoint,
                    format!("create an interface endpoint for service {name:?} in {place}"),
                ))
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn to_private_dns(
        &self,
        st: &mut ControlState,
        dns: &mut DnsState,
        src: &SrcInfo,
        w: &mut Walk,
        name: &str,
        req: &Request,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let svc = (0..f.services.len()).find(|i| {
            f.services[*i].private_dns.as_ref().is_some_and(|d| {
                d.name == name
                    || d.name
                        .strip_prefix("*.")
                        .is_some_and(|suffix| name.ends_with(&format!(".{suffix}")))
            })
        });
        let Some(si) = svc else {
            hop!(w, name, "dns", None, None, "resolve the private DNS name");
            return Err((
                Reason::NoEndpoint,
                format!("no endpoint service has the private DNS name {name:?}"),
            ));
        };
        let s = &f.services[si];
        let state = st.private_dns[si];
        hop!(
            w,
            name,
            "dns",
            None,
            Some(s.owner),
            format!(
                "private DNS name of service {:?}, verification {:?}",
                s.name, state
            ),
        );
        if state != Some(crate::scenario::DnsVerification::Verified) {
            return Err((
                Reason::DnsNameUnverified,
                format!("the provider must verify domain ownership of {name:?} (TXT record) for service {:?}", s.name),
            ));
        }
        let Some(vpc) = src.vpc else {
            return Err((Reason::NoEndpoint, "private DNS names resolve only inside the consumer VPC; from on-premises use a Route 53 Resolver inbound endpoint or the endpoint's own DNS name".to_string()));
        };
        let ep = (0..f.endpoints.len())
            .map(|i| EndpointId(i as u32))
            .find(|e| {
                f.endpoints[e.index()].service.index() == si && f.endpoints[e.index()].vpc == vpc
            });
        match ep {
            Some(e) if f.endpoints[e.index()].private_dns => {
                self.privatelink(st, dns, src, w, e, &Dns::Regional, req, rng)
            }
            Some(e) => Err((
                Reason::NoEndpoint,
                format!(
                    "enable private DNS on endpoint {:?} so {name:?} resolves to it",
                    f.endpoints[e.index()].name
                ),
            )),
            None => Err((
                Reason::NoEndpoint,
                format!(
                    "create an interface endpoint for service {:?} in VPC {:?}",
                    s.name,
                    f.vpcs[vpc.index()].name
                ),
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn privatelink(
        &self,
        st: &mut ControlState,
        dns: &mut DnsState,
        src: &SrcInfo,
        w: &mut Walk,
        e: EndpointId,
        mode: &Dns,
        req: &Request,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        w.path = PathKind::Privatelink;
        let ep = &f.endpoints[e.index()];
        let svc_id = ep.service;
        let svc = &f.services[svc_id.index()];
        // 1. The endpoint exists.
        match &st.endpoints[e.index()] {
            EndpointStatus::NotCreated | EndpointStatus::Deleted => {
                hop!(
                    w,
                    &ep.name,
                    "interface-endpoint",
                    None,
                    Some(ep.account),
                    "the endpoint exists",
                );
                return Err((
                    Reason::EndpointNotFound,
                    format!("endpoint {:?} does not exist at this time", ep.name),
                ));
            }
            EndpointStatus::Failed { reason, hint } => {
                hop!(
                    w,
                    &ep.name,
                    "interface-endpoint",
                    None,
                    Some(ep.account),
                    "AWS created the endpoint",
                );
                return Err((*reason, hint.clone()));
            }
            EndpointStatus::Created(_) => {}
        }
        // 2. DNS: which ENI.
        // A healthy ENI is one in a live AZ whose NLB node can reach a
        // healthy target (AWS health-checks the zone); when none is, fall
        // back to the ENIs in live AZs so that the denial names the real
        // cause. Counted here (every live ENI's NLB is resolved, in order),
        // picked below without collecting them.
        let eni_up = |st: &ControlState, x: EniId| st.az_up[self.eni_az[x.index()].index()];
        let (mut n_up, mut n_served) = (0usize, 0usize);
        for &x in &ep.enis {
            if eni_up(st, x) {
                n_up += 1;
                if self.eni_serves(st, svc_id, x) {
                    n_served += 1;
                }
            }
        }
        let n_healthy = if n_served == 0 { n_up } else { n_served };
        let zonal_az = match mode {
            Dns::Zonal => src.az,
            Dns::Mixed(_) if req.zonal_client => src.az,
            Dns::ZonalIn(az) => f.az(az),
            _ => None,
        };
        let pinned = zonal_az.and_then(|az| {
            ep.enis
                .iter()
                .copied()
                .find(|x| self.eni_az[x.index()] == az)
        });
        let eni = match (zonal_az, pinned) {
            (Some(az), Some(eni)) => {
                hop!(
                    w,
                    ep.zonal_dns_name(f.azs[az.index()].name_for(ep.account)),
                    "dns",
                    Some(az),
                    Some(ep.account),
                    "zonal name: the ENI in that AZ",
                );
                if !st.az_up[az.index()] {
                    return Err((
                        Reason::AzUnavailable,
                        format!("AZ {} is down; zonal names do not fail over — use the regional name {:?}", f.az_name(az), ep.dns_name),
                    ));
                }
                eni
            }
            (Some(az), None) if matches!(mode, Dns::ZonalIn(_)) => {
                hop!(
                    w,
                    &ep.dns_name,
                    "dns",
                    Some(az),
                    Some(ep.account),
                    "zonal name: the ENI in that AZ",
                );
                return Err((
                    Reason::AzNotSupported,
                    format!(
                        "endpoint {:?} has no subnet in AZ {}; add one or use the regional name",
                        ep.name,
                        f.az_name(az)
                    ),
                ));
            }
            _ => {
                if n_healthy == 0 {
                    hop!(
                        w,
                        &ep.dns_name,
                        "dns",
                        None,
                        Some(ep.account),
                        "regional name: one healthy ENI, round-robin across AZs",
                    );
                    return Err((
                        Reason::AzUnavailable,
                        format!("every AZ of endpoint {:?} is down", ep.name),
                    ));
                }
                let slot = &mut dns.rr[e.index()];
                let k = (*slot % n_healthy as u64) as usize;
                *slot = slot.wrapping_add(1);
                // The k-th healthy ENI (their NLBs were resolved above, so
                // this draws nothing).
                let mut healthy = ep.enis.iter().copied().filter(|&x| {
                    eni_up(st, x) && (n_served == 0 || self.eni_serves(st, svc_id, x))
                });
                let Some(eni) = healthy.nth(k) else {
                    unreachable!("{k} < {n_healthy} healthy ENIs, counted above");
                };
                let note = if zonal_az.is_some() {
                    " (no ENI in the client's AZ, so the regional name)"
                } else {
                    ""
                };
                hop!(
                    w,
                    &ep.dns_name,
                    "dns",
                    Some(f.enis[eni.index()].az),
                    Some(ep.account),
                    format!("regional name: one healthy ENI, round-robin across AZs{note}"),
                );
                eni
            }
        };
        let eni_info = &f.enis[eni.index()];
        w.plan.endpoint = Some((e, eni));
        // 3. Route from the client to the ENI's private IP.
        self.route_to_vpc(
            st,
            src,
            w,
            ep.vpc,
            eni_info.subnet,
            eni_info.ip,
            (req.port, req.protocol),
        )?;
        w.path = PathKind::Privatelink;
        // 4. The ENI: NACL of its subnet, security groups where the profile has them.
        hop!(
            w,
            &eni_info.aws_id,
            "endpoint-eni",
            Some(eni_info.az),
            Some(ep.account),
            format!("ENI {} of endpoint {:?}", eni_info.ip, ep.name),
        );
        // NACL in, NACL return, then the endpoint's security groups where
        // the quota profile has them (no groups: the VPC's default group).
        let sg = if ep.security_groups.is_empty() {
            Check::DefaultSg {
                endpoint: &ep.name,
                member: src.vpc == Some(ep.vpc) && src.groups.is_empty(),
                from: src.ip,
            }
        } else {
            Check::SgIn {
                holder: Holder::Endpoint(&ep.name),
                groups: &ep.security_groups,
                from: src.ip,
                from_groups: src.groups,
            }
        };
        let chain = [
            Check::NaclIn {
                subnet: eni_info.subnet,
                from: src.ip,
                from_text: None,
            },
            Check::NaclReturn {
                server: eni_info.subnet,
                server_ip: eni_info.ip,
                client: src.subnet,
                client_ip: src.ip,
            },
            sg,
        ];
        let n = if f.quotas.endpoint_security_groups {
            3
        } else {
            2
        };
        checks::verdict(f, flow(req), &chain[..n])?;
        // 5. The endpoint connection state.
        hop!(
            w,
            &svc.service_name,
            "endpoint-service",
            None,
            Some(svc.owner),
            format!(
                "connection of endpoint {:?} to service {:?}",
                ep.name, svc.name
            ),
        );
        if let EndpointStatus::Created(state) = st.endpoints[e.index()] {
            let denied = match state {
                ConnState::Available => None,
                ConnState::PendingAcceptance => Some((
                    Reason::PendingAcceptance,
                    format!("the owner of service {:?} must accept endpoint {:?}", svc.name, ep.name),
                )),
                ConnState::Rejected => Some((
                    Reason::ConnectionRejected,
                    format!("service {:?} rejected endpoint {:?}; ask the provider, then create a new endpoint", svc.name, ep.name),
                )),
                ConnState::Suspended => Some((
                    Reason::ConnectionSuspended,
                    format!("service {:?} suspended endpoint {:?}; the provider can resume it", svc.name, ep.name),
                )),
                ConnState::Terminated => Some((
                    Reason::ConnectionTerminated,
                    format!("service {:?} terminated endpoint {:?} for good; create a new endpoint", svc.name, ep.name),
                )),
            };
            if let Some(d) = denied {
                return Err(d);
            }
        }
        // 6. Endpoint policy.
        let action = req.action.unwrap_or("*");
        let resource = req.resource.unwrap_or("*");
        // No policy is AWS's default full-access policy: nothing to evaluate.
        let verdict = match &ep.policy {
            None => PolicyVerdict::Allow,
            Some(p) => evaluate_policy(Some(p), &src.principal(), src.account_id, action, resource),
        };
        if let PolicyVerdict::Deny { explicit } = verdict {
            let why = match explicit {
                Some(i) => format!("statement {i} of the policy of endpoint {:?} denies {action} on {resource}", ep.name),
                None => format!("no statement of the policy of endpoint {:?} allows {action} on {resource} for {}", ep.name, src.principal()),
            };
            return Err((Reason::EndpointPolicyDeny, why));
        }
        // 7. The NLB node in the ENI's AZ (sticky per ENI).
        if st.service_nlbs[svc_id.index()].is_empty() {
            return Err((
                Reason::NoLoadBalancer,
                format!(
                    "service {:?} has no Network Load Balancer; associate one",
                    svc.name
                ),
            ));
        }
        let Some(nlb) = st.nlb_for_eni(f, svc_id, eni) else {
            return Err((
                Reason::AzNotSupported,
                format!(
                    "no NLB of service {:?} has a node in {}; enable that AZ on an NLB",
                    svc.name,
                    f.az_name(eni_info.az)
                ),
            ));
        };
        let n = &f.nlbs[nlb.index()];
        let Some(node) = n
            .nodes
            .iter()
            .copied()
            .find(|x| self.eni_az[x.index()] == eni_info.az)
        else {
            return Err((
                Reason::AzNotSupported,
                format!("NLB {:?} has no node in {}", n.name, f.az_name(eni_info.az)),
            ));
        };
        let node_info = &f.enis[node.index()];
        w.plan.nlb_node = Some(node);
        if n.privatelink_sg_evaluation
            && !sg_allows(
                f,
                &n.security_groups,
                Direction::Inbound,
                src.ip,
                src.groups,
                req.port,
                req.protocol,
            )
        {
            hop!(
                w,
                &n.name,
                "nlb",
                Some(node_info.az),
                Some(n.account),
                "NLB security groups (evaluated for PrivateLink traffic)"
            );
            return Err((
                Reason::SecurityGroupDeny,
                format!(
                    "allow inbound port {} from {} in the security groups of NLB {:?}, or turn off their evaluation for PrivateLink traffic (privatelink_sg_evaluation: false)",
                    req.port, src.ip, n.name
                ),
            ));
        }
        hop!(
            w,
            &n.name,
            "nlb",
            Some(node_info.az),
            Some(n.account),
            format!(
                "NLB node {} (cross-zone {}){}",
                node_info.ip,
                if n.cross_zone { "on" } else { "off" },
                if n.proxy_protocol_v2 {
                    format!("; Proxy Protocol v2 carries {} and {}", ep.aws_id, src.ip)
                } else {
                    String::new()
                }
            ),
        );
        // 8. A healthy target.
        let eligible = || {
            n.targets.iter().flat_map(|t| {
                f.workloads[t.index()]
                    .instances
                    .iter()
                    .enumerate()
                    .filter(|(_, inst)| {
                        st.az_up[inst.az.index()] && (n.cross_zone || inst.az == node_info.az)
                    })
                    .map(move |(i, _)| (*t, i))
            })
        };
        let n_eligible = eligible().count();
        if n_eligible == 0 {
            return Err((
                Reason::NoHealthyTarget,
                format!(
                    "NLB {:?} has no healthy target in {}{}",
                    n.name,
                    f.az_name(node_info.az),
                    if n.cross_zone {
                        ""
                    } else {
                        "; add targets there or turn on cross-zone load balancing"
                    }
                ),
            ));
        }
        let k = rng.random_range(0..n_eligible);
        let Some((tw, ti)) = eligible().nth(k) else {
            unreachable!("{k} < {n_eligible} eligible targets, counted above");
        };
        let target = &f.workloads[tw.index()];
        let inst = target.instances[ti];
        w.plan.target = Some((tw, ti));
        w.plan.target_az = Some(inst.az);
        hop!(
            w,
            format!("{}[{ti}]", target.name),
            "instance",
            Some(inst.az),
            Some(target.account),
            format!(
                "target {} sees source {} (the NLB node)",
                inst.ip, node_info.ip
            ),
        );
        checks::verdict(
            f,
            flow(req),
            &[
                Check::NaclIn {
                    subnet: inst.subnet,
                    from: node_info.ip,
                    from_text: Some("the NLB subnets"),
                },
                Check::NaclReturn {
                    server: inst.subnet,
                    server_ip: inst.ip,
                    client: None,
                    client_ip: node_info.ip,
                },
                Check::SgIn {
                    holder: Holder::NlbTargets(&target.name),
                    groups: &target.security_groups,
                    from: node_info.ip,
                    from_groups: &[],
                },
            ],
        )?;
        Ok(())
    }

    /// Whether an endpoint ENI's NLB node has a healthy target to send to.
    fn eni_serves(&self, st: &mut ControlState, svc: crate::fabric::ServiceId, eni: EniId) -> bool {
        let f = self.fabric;
        let az = self.eni_az[eni.index()];
        let Some(nlb) = st.nlb_for_eni(f, svc, eni) else {
            return false;
        };
        let n = &f.nlbs[nlb.index()];
        n.targets.iter().any(|t| {
            f.workloads[t.index()]
                .instances
                .iter()
                .any(|i| st.az_up[i.az.index()] && (n.cross_zone || i.az == az))
        })
    }

    // ------------------------------------------------------------------
    // Plain IP routing
    // ------------------------------------------------------------------

    fn to_workload(
        &self,
        st: &mut ControlState,
        src: &SrcInfo,
        w: &mut Walk,
        t: WorkloadId,
        req: &Request,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let target = &f.workloads[t.index()];
        let healthy =
            || (0..target.instances.len()).filter(|i| st.az_up[target.instances[*i].az.index()]);
        let n_healthy = healthy().count();
        let index = if n_healthy == 0 {
            rng.random_range(0..target.instances.len())
        } else {
            let k = rng.random_range(0..n_healthy);
            healthy().nth(k).unwrap_or(k)
        };
        let inst = target.instances[index];
        w.plan.target = Some((t, index));
        w.plan.target_az = Some(inst.az);
        if let Err(d) = self.route_to_vpc(
            st,
            src,
            w,
            target.vpc,
            inst.subnet,
            inst.ip,
            (req.port, req.protocol),
        ) {
            // A provider reaching a consumer it only knows through PrivateLink.
            if d.0 == Reason::NoRoute || d.0 == Reason::TransitivePeering {
                if let Some(pi) = self.provider_relationship(src.vpc, target.vpc) {
                    return Err((
                        Reason::ProviderInitiated,
                        format!("PrivateLink is one-way: consumers open connections to service {:?}, its provider cannot open them back; expose a service from the consumer side or peer the VPCs", f.services[pi].name),
                    ));
                }
            }
            return Err(d);
        }
        hop!(
            w,
            format!("{}[{index}]", target.name),
            "instance",
            Some(inst.az),
            Some(target.account),
            format!("target {} port {}", inst.ip, req.port),
        );
        if !st.az_up[inst.az.index()] {
            return Err((
                Reason::AzUnavailable,
                format!("every instance of {:?} is in a failed AZ", target.name),
            ));
        }
        checks::verdict(
            f,
            flow(req),
            &[
                Check::NaclIn {
                    subnet: inst.subnet,
                    from: src.ip,
                    from_text: None,
                },
                Check::NaclReturn {
                    server: inst.subnet,
                    server_ip: inst.ip,
                    client: src.subnet,
                    client_ip: src.ip,
                },
                Check::SgIn {
                    holder: Holder::Workload(&target.name),
                    groups: &target.security_groups,
                    from: src.ip,
                    from_groups: src.groups,
                },
            ],
        )?;
        Ok(())
    }

    /// A service whose provider VPC is `from` and that has an endpoint in `to`.
    fn provider_relationship(&self, from: Option<VpcId>, to: VpcId) -> Option<usize> {
        let f = self.fabric;
        let from = from?;
        f.services.iter().position(|s| {
            s.nlbs.iter().any(|n| f.nlbs[n.index()].vpc == from)
                && f.endpoints
                    .iter()
                    .any(|e| f.services[e.service.index()].name == s.name && e.vpc == to)
        })
    }

    /// Whether a route (not blackholed) exists from the source toward `ip` in `vpc`.
    fn has_route(&self, st: &ControlState, src: &SrcInfo, vpc: VpcId, ip: IpAddr) -> bool {
        let f = self.fabric;
        match (src.vpc, src.subnet) {
            (Some(v), _) if v == vpc => true,
            (Some(v), Some(sn)) => matches!(
                f.route_table_of(sn).lookup(&f.vpcs[v.index()].cidrs, ip),
                Some(Via::Peering(_) | Via::TransitGateway(_))
            ),
            _ => self.site_paths(st, src, vpc).next().is_some(),
        }
    }

    /// DX connections from the source site that reach `vpc` (private VIF, or
    /// transit VIF through a TGW attached to it), in scenario order.
    fn site_paths<'a>(
        &'a self,
        st: &'a ControlState,
        src: &'a SrcInfo,
        vpc: VpcId,
    ) -> impl Iterator<Item = (DxId, Option<TgwId>)> + 'a {
        let f = self.fabric;
        f.dxs.iter().enumerate().filter_map(move |(i, d)| {
            let site_ip_ok = f.sites[d.site.index()]
                .cidrs
                .iter()
                .any(|c| c.contains(&src.ip));
            if !site_ip_ok || !st.dx_up[i] {
                return None;
            }
            d.vifs.iter().find_map(|v| match v.to {
                VifTo::Vpc(x) if x == vpc => Some((DxId(i as u32), None)),
                VifTo::TransitGateway(t) => f.tgws[t.index()]
                    .attachments
                    .iter()
                    .any(|a| f.tgw_attachments[a.index()].target == AttachTo::Vpc(vpc))
                    .then_some((DxId(i as u32), Some(t))),
                _ => None,
            })
        })
    }

    /// Routes from the source to `ip` inside `vpc` (subnet `dst_subnet`),
    /// checking both directions' routes and the source-side filters.
    #[allow(clippy::too_many_arguments)]
    fn route_to_vpc(
        &self,
        st: &mut ControlState,
        src: &SrcInfo,
        w: &mut Walk,
        vpc: VpcId,
        dst_subnet: SubnetId,
        ip: IpAddr,
        (port, proto): (u16, Protocol),
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let dst_vpc = &f.vpcs[vpc.index()];
        let Some(src_vpc_id) = src.vpc else {
            return self.route_from_site(st, src, w, vpc, dst_subnet, ip);
        };
        let src_subnet = src.subnet.unwrap_or(dst_subnet);
        let src_vpc = &f.vpcs[src_vpc_id.index()];
        // Source-side filters first: SG outbound, NACL outbound.
        if !sg_allows(f, src.groups, Direction::Outbound, ip, &[], port, proto) {
            hop!(
                w,
                &src.name,
                "security-group",
                src.az,
                Some(src_vpc.account),
                format!("outbound to {ip}"),
            );
            return Err((
                Reason::SecurityGroupDeny,
                format!(
                    "allow outbound to {ip} in the security groups of {}",
                    src.name
                ),
            ));
        }
        if !nacl_allows(f, src_subnet, Direction::Outbound, ip, port, proto) {
            hop!(
                w,
                &f.subnets[src_subnet.index()].name,
                "nacl",
                src.az,
                Some(src_vpc.account),
                format!("outbound to {ip}"),
            );
            return Err((
                Reason::NaclDeny,
                format!(
                    "allow outbound to {ip} in the NACL of subnet {:?}",
                    f.subnets[src_subnet.index()].name
                ),
            ));
        }
        if src_vpc_id == vpc {
            hop!(
                w,
                &src_vpc.name,
                "route-table",
                src.az,
                Some(src_vpc.account),
                format!("{ip} is local to VPC {:?}", src_vpc.name),
            );
            return Ok(());
        }
        let rt = f.route_table_of(src_subnet);
        let via = rt.lookup(&src_vpc.cidrs, ip);
        hop!(
            w,
            format!("{}/{}", src_vpc.name, rt.name),
            "route-table",
            src.az,
            Some(src_vpc.account),
            format!("route for {ip}: {}", describe_via(f, via)),
        );
        match via {
            Some(Via::Local) => Err(match self.peering_between(src_vpc_id, vpc) {
                // A peering AWS refused (overlap) explains the local route best.
                Some((p, Err((r, h)))) => {
                    w.plan.peering = Some(p);
                    w.path = PathKind::Peering;
                    (*r, h.clone())
                }
                _ => (
                Reason::NoRoute,
                format!(
                    "{ip} is inside VPC {:?}'s own CIDR (the ranges overlap), so it never leaves the VPC; use PrivateLink, which tolerates overlapping ranges",
                    src_vpc.name
                ),
            ),
            }),
            None | Some(Via::Blackhole) | Some(Via::InternetGateway) | Some(Via::NatGateway(_)) | Some(Via::GatewayEndpoint(_)) | Some(Via::VpnGateway) => {
                if let Some((p, Err((r, h)))) = self.peering_between(src_vpc_id, vpc) {
                    w.plan.peering = Some(p);
                    w.path = PathKind::Peering;
                    return Err((*r, h.clone()));
                }
                if let Some(hub) = self.transitive_hub(src_vpc_id, vpc) {
                    w.path = PathKind::Peering;
                    return Err((
                        Reason::TransitivePeering,
                        format!(
                            "VPC {:?} and {:?} are both peered with {:?}, but peering is not transitive; peer them directly, or use Transit Gateway or PrivateLink",
                            src_vpc.name, dst_vpc.name, f.vpcs[hub.index()].name
                        ),
                    ));
                }
                Err((
                    Reason::NoRoute,
                    format!("add a route for {} in route table {:?} of VPC {:?} (via a peering or a transit gateway)", net_of(dst_vpc, ip), rt.name, src_vpc.name),
                ))
            }
            Some(Via::Peering(p)) => {
                let pi = &f.peerings[p.index()];
                w.path = PathKind::Peering;
                w.plan.peering = Some(p);
                hop!(w,
                    &pi.name,
                    "peering",
                    None,
                    Some(f.vpcs[pi.requester.index()].account),
                    format!("{} ↔ {}{}{}", f.vpcs[pi.requester.index()].name, f.vpcs[pi.accepter.index()].name, if pi.cross_account { ", cross-account" } else { "" }, if pi.cross_region { ", cross-region" } else { "" }),
                );
                if let Err((r, h)) = &self.peering_status[p.index()] {
                    return Err((*r, h.clone()));
                }
                if pi.peer_of(src_vpc_id) != Some(vpc) {
                    let via_vpc = pi.peer_of(src_vpc_id).map(|v| f.vpcs[v.index()].name.clone()).unwrap_or_default();
                    return Err((
                        Reason::TransitivePeering,
                        format!("the route sends {ip} to peer {via_vpc:?}, but peering is not transitive; peer {:?} with {:?} directly", src_vpc.name, dst_vpc.name),
                    ));
                }
                self.return_route(w, vpc, dst_subnet, src.ip, Via::Peering(p))
            }
            Some(Via::TransitGateway(t)) => {
                w.path = PathKind::Tgw;
                let tg = &f.tgws[t.index()];
                let Some(a) = tg.attachments.iter().copied().find(|a| f.tgw_attachments[a.index()].target == AttachTo::Vpc(src_vpc_id)) else {
                    hop!(w, &tg.name, "transit-gateway", None, Some(tg.account), "an attachment of the source VPC");
                    return Err((Reason::NoRoute, format!("attach VPC {:?} to transit gateway {:?}", src_vpc.name, tg.name)));
                };
                let b = self.tgw_lookup(w, t, a, ip)?;
                if f.tgw_attachments[b.index()].target != AttachTo::Vpc(vpc) {
                    return Err((Reason::NoRoute, format!("transit gateway {:?} routes {ip} to attachment {:?}, not to VPC {:?}", tg.name, f.tgw_attachments[b.index()].name, dst_vpc.name)));
                }
                // Return path: the destination's TGW route table back to the source.
                let back = f.tgw_attachments[b.index()].route_table.and_then(|rt| tg.route_tables[rt].lookup(src.ip));
                if back != Some(Some(a)) {
                    return Err((Reason::NoRoute, format!("transit gateway {:?} has no return route for {} from attachment {:?}", tg.name, src.ip, f.tgw_attachments[b.index()].name)));
                }
                w.plan.tgw = Some((a, b));
                self.return_route(w, vpc, dst_subnet, src.ip, Via::TransitGateway(t))?;
                Ok(())
            }
        }
    }

    /// The first peering connection between two VPCs, with its status.
    fn peering_between(&self, a: VpcId, b: VpcId) -> Option<(PeeringId, &Result<(), Deny>)> {
        let f = self.fabric;
        f.vpcs[a.index()]
            .peerings
            .iter()
            .find(|p| f.peerings[p.index()].peer_of(a) == Some(b))
            .map(|p| (*p, &self.peering_status[p.index()]))
    }

    /// A VPC peered with both `a` and `b` (what transitive peering would need).
    fn transitive_hub(&self, a: VpcId, b: VpcId) -> Option<VpcId> {
        let f = self.fabric;
        let peers = |v: VpcId| -> Vec<VpcId> {
            f.vpcs[v.index()]
                .peerings
                .iter()
                .filter_map(|p| f.peerings[p.index()].peer_of(v))
                .collect()
        };
        let pa = peers(a);
        peers(b).into_iter().find(|v| pa.contains(v))
    }

    /// Looks `ip` up in the TGW route table associated with attachment `from`.
    fn tgw_lookup(
        &self,
        w: &mut Walk,
        t: TgwId,
        from: TgwAttachmentId,
        ip: IpAddr,
    ) -> Result<TgwAttachmentId, Deny> {
        let f = self.fabric;
        let tg = &f.tgws[t.index()];
        let att = &f.tgw_attachments[from.index()];
        let Some(rt) = att.route_table else {
            hop!(
                w,
                &tg.name,
                "transit-gateway",
                None,
                Some(tg.account),
                format!("attachment {:?} has no route table", att.name),
            );
            return Err((
                Reason::NoRoute,
                format!(
                    "associate attachment {:?} with a route table of {:?}",
                    att.name, tg.name
                ),
            ));
        };
        let table = &tg.route_tables[rt];
        let found = table.lookup(ip);
        hop!(
            w,
            format!("{}/{}", tg.name, table.name),
            "transit-gateway",
            None,
            Some(tg.account),
            format!(
                "route for {ip}: {}",
                match found {
                    None => "none".to_string(),
                    Some(None) => "blackhole".to_string(),
                    Some(Some(b)) => format!("attachment {:?}", f.tgw_attachments[b.index()].name),
                }
            ),
        );
        match found {
            None => Err((Reason::NoRoute, format!("add a route for {ip} to route table {:?} of transit gateway {:?} (or propagate the attachment)", table.name, tg.name))),
            Some(None) => Err((Reason::NoRoute, format!("route table {:?} of transit gateway {:?} blackholes {ip}", table.name, tg.name))),
            Some(Some(b)) => Ok(b),
        }
    }

    /// The destination subnet must route the source back the same way.
    fn return_route(
        &self,
        w: &mut Walk,
        vpc: VpcId,
        dst_subnet: SubnetId,
        src_ip: IpAddr,
        expect: Via,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let v = &f.vpcs[vpc.index()];
        let rt = f.route_table_of(dst_subnet);
        let back = rt.lookup(&v.cidrs, src_ip);
        hop!(
            w,
            format!("{}/{}", v.name, rt.name),
            "route-table",
            Some(f.subnets[dst_subnet.index()].az),
            Some(v.account),
            format!("return route for {src_ip}: {}", describe_via(f, back)),
        );
        if back == Some(expect) {
            Ok(())
        } else {
            Err((
                Reason::NoRoute,
                format!(
                    "add a return route for {src_ip} in route table {:?} of VPC {:?} via {}",
                    rt.name,
                    v.name,
                    describe_via(f, Some(expect))
                ),
            ))
        }
    }

    fn route_from_site(
        &self,
        st: &ControlState,
        src: &SrcInfo,
        w: &mut Walk,
        vpc: VpcId,
        dst_subnet: SubnetId,
        ip: IpAddr,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        w.path = PathKind::Dx;
        let any_dx = f.dxs.iter().any(|d| {
            f.sites[d.site.index()]
                .cidrs
                .iter()
                .any(|c| c.contains(&src.ip))
        });
        let Some((dx, tgw)) = self.site_paths(st, src, vpc).next() else {
            hop!(
                w,
                "direct-connect",
                "direct-connect",
                None,
                None,
                format!(
                    "a Direct Connect path to VPC {:?}",
                    f.vpcs[vpc.index()].name
                ),
            );
            let hint = if any_dx {
                format!("every Direct Connect path from the site to VPC {:?} is down (or none reaches it); add a backup connection or a VPN", f.vpcs[vpc.index()].name)
            } else {
                "the site has no Direct Connect connection; add one with a private VIF to the VPC or a transit VIF to a TGW attached to it".to_string()
            };
            return Err((Reason::NoRoute, hint));
        };
        let d = &f.dxs[dx.index()];
        w.plan.dx = Some(dx);
        hop!(
            w,
            &d.name,
            "direct-connect",
            None,
            Some(d.account),
            format!("{} {:?} connection, link up", d.speed, d.kind),
        );
        match tgw {
            None => self.return_route(w, vpc, dst_subnet, src.ip, Via::VpnGateway),
            Some(t) => {
                let tg = &f.tgws[t.index()];
                let Some(a) =
                    tg.attachments.iter().copied().find(|a| {
                        f.tgw_attachments[a.index()].target == AttachTo::DirectConnect(dx)
                    })
                else {
                    return Err((
                        Reason::NoRoute,
                        format!(
                            "transit gateway {:?} has no attachment for {:?}",
                            tg.name, d.name
                        ),
                    ));
                };
                let b = self.tgw_lookup(w, t, a, ip)?;
                if f.tgw_attachments[b.index()].target != AttachTo::Vpc(vpc) {
                    return Err((
                        Reason::NoRoute,
                        format!(
                            "transit gateway {:?} does not route {ip} to VPC {:?}",
                            tg.name,
                            f.vpcs[vpc.index()].name
                        ),
                    ));
                }
                w.plan.tgw = Some((a, b));
                self.return_route(w, vpc, dst_subnet, src.ip, Via::TransitGateway(t))
            }
        }
    }

    fn route_to_site(
        &self,
        st: &ControlState,
        src: &SrcInfo,
        w: &mut Walk,
        site: SiteId,
        ip: IpAddr,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        w.path = PathKind::Dx;
        let (Some(v), Some(sn)) = (src.vpc, src.subnet) else {
            hop!(
                w,
                &f.sites[site.index()].name,
                "on-prem site",
                None,
                None,
                "site to site",
            );
            return Err((
                Reason::NoRoute,
                "site-to-site traffic is outside vpcsim's model".to_string(),
            ));
        };
        let vpc = &f.vpcs[v.index()];
        let rt = f.route_table_of(sn);
        let via = rt.lookup(&vpc.cidrs, ip);
        hop!(
            w,
            format!("{}/{}", vpc.name, rt.name),
            "route-table",
            src.az,
            Some(vpc.account),
            format!("route for {ip}: {}", describe_via(f, via)),
        );
        let reaches = |d: &crate::fabric::DxInfo| d.site == site;
        let found = match via {
            Some(Via::VpnGateway) => f.dxs.iter().enumerate().find(|(i, d)| {
                reaches(d) && st.dx_up[*i] && d.vifs.iter().any(|x| x.to == VifTo::Vpc(v))
            }),
            Some(Via::TransitGateway(t)) => f.dxs.iter().enumerate().find(|(i, d)| {
                reaches(d)
                    && st.dx_up[*i]
                    && d.vifs.iter().any(|x| x.to == VifTo::TransitGateway(t))
            }),
            _ => {
                return Err((
                    Reason::NoRoute,
                    format!(
                        "add a route for {ip} (the site) in route table {:?} of VPC {:?}",
                        rt.name, vpc.name
                    ),
                ))
            }
        };
        match found {
            Some((i, d)) => {
                w.plan.dx = Some(DxId(i as u32));
                hop!(
                    w,
                    &d.name,
                    "direct-connect",
                    None,
                    Some(d.account),
                    format!("{} link up", d.speed),
                );
                Ok(())
            }
            None => Err((
                Reason::NoRoute,
                format!(
                    "every Direct Connect link to site {:?} is down",
                    f.sites[site.index()].name
                ),
            )),
        }
    }

    // ------------------------------------------------------------------
    // AWS services and the internet
    // ------------------------------------------------------------------

    fn to_aws_service(
        &self,
        st: &mut ControlState,
        src: &SrcInfo,
        w: &mut Walk,
        svc: AwsService,
        req: &Request,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        w.path = PathKind::GatewayEndpoint;
        let gateway_elsewhere = |not_in: Option<VpcId>| {
            f.gateway_endpoints.iter().find(|g| {
                g.service == svc
                    && Some(g.vpc) != not_in
                    && (src.vpc.is_none()
                        || self.has_route(st, src, g.vpc, first_ip(&f.vpcs[g.vpc.index()].cidrs)))
            })
        };
        let (Some(v), Some(sn)) = (src.vpc, src.subnet) else {
            hop!(
                w,
                format!("{svc}"),
                "aws-service",
                None,
                None,
                "gateway endpoints from outside their VPC",
            );
            let reachable = f
                .gateway_endpoints
                .iter()
                .find(|g| g.service == svc && self.site_paths(st, src, g.vpc).next().is_some());
            return Err(match reachable {
                Some(g) => (
                    Reason::GatewayEndpointNotReachable,
                    format!(
                        "gateway endpoint {:?} serves only VPC {:?}, never traffic from on-premises (DX/VPN); use an interface endpoint for {svc} or a public VIF",
                        g.name,
                        f.vpcs[g.vpc.index()].name
                    ),
                ),
                None => (Reason::NoRoute, format!("no path from the site to {svc}; add an interface endpoint for {svc} reachable over Direct Connect")),
            });
        };
        let vpc = &f.vpcs[v.index()];
        let rt = f.route_table_of(sn);
        if let Some(Via::GatewayEndpoint(g)) = rt.prefix_list(svc) {
            let ge = &f.gateway_endpoints[g.index()];
            w.plan.gateway_endpoint = Some(g);
            hop!(
                w,
                &ge.name,
                "gateway-endpoint",
                src.az,
                Some(vpc.account),
                format!("prefix list route for {svc} in {:?}", rt.name),
            );
            let action = req.action.unwrap_or("*");
            let resource = req.resource.unwrap_or("*");
            let verdict = match &ge.policy {
                None => PolicyVerdict::Allow,
                Some(p) => {
                    evaluate_policy(Some(p), &src.principal(), src.account_id, action, resource)
                }
            };
            if let PolicyVerdict::Deny { .. } = verdict {
                return Err((
                    Reason::EndpointPolicyDeny,
                    format!(
                        "the policy of gateway endpoint {:?} does not allow {action} on {resource}",
                        ge.name
                    ),
                ));
            }
            return Ok(());
        }
        // No gateway endpoint route: the public endpoint through NAT or IGW.
        match rt.lookup(&vpc.cidrs, INTERNET_IP) {
            Some(Via::NatGateway(_) | Via::InternetGateway) => {
                hop!(
                    w,
                    format!("{}/{}", vpc.name, rt.name),
                    "route-table",
                    src.az,
                    Some(vpc.account),
                    format!(
                        "no gateway endpoint route for {svc}; default route to the public endpoint"
                    ),
                );
                w.plan.aws_service = true;
                self.to_internet(st, src, w)
            }
            _ => {
                hop!(
                    w,
                    format!("{}/{}", vpc.name, rt.name),
                    "route-table",
                    src.az,
                    Some(vpc.account),
                    format!("route for {svc}"),
                );
                Err(match gateway_elsewhere(Some(v)) {
                    Some(g) => (
                        Reason::GatewayEndpointNotReachable,
                        format!(
                            "gateway endpoint {:?} is in VPC {:?} and cannot be used across peering or TGW; add a gateway endpoint for {svc} in VPC {:?}",
                            g.name,
                            f.vpcs[g.vpc.index()].name,
                            vpc.name
                        ),
                    ),
                    None => (Reason::NoRoute, format!("add a gateway endpoint for {svc} on route table {:?} of VPC {:?}", rt.name, vpc.name)),
                })
            }
        }
    }

    fn to_internet(&self, st: &ControlState, src: &SrcInfo, w: &mut Walk) -> Result<(), Deny> {
        let f = self.fabric;
        let (Some(v), Some(sn)) = (src.vpc, src.subnet) else {
            hop!(w, &src.name, "on-prem host", None, None, "internet egress");
            return Err((
                Reason::NoRoute,
                "on-premises internet egress is outside vpcsim's model".to_string(),
            ));
        };
        let vpc = &f.vpcs[v.index()];
        let rt = f.route_table_of(sn);
        match rt.lookup(&vpc.cidrs, INTERNET_IP) {
            Some(Via::NatGateway(n)) => {
                let nat = &f.nats[n.index()];
                w.path = PathKind::Nat;
                w.plan.nat = Some(n);
                hop!(
                    w,
                    &nat.name,
                    "nat-gateway",
                    Some(nat.az),
                    Some(vpc.account),
                    "NAT gateway to the internet",
                );
                if !st.az_up[nat.az.index()] {
                    return Err((
                        Reason::AzUnavailable,
                        format!(
                            "NAT gateway {:?} is in failed AZ {}; add one per AZ",
                            nat.name,
                            f.az_name(nat.az)
                        ),
                    ));
                }
                if !nat.public || !f.vpcs[nat.vpc.index()].internet_gateway {
                    return Err((
                        Reason::NoRoute,
                        format!(
                            "NAT gateway {:?} is private or its VPC has no internet gateway",
                            nat.name
                        ),
                    ));
                }
                Ok(())
            }
            Some(Via::InternetGateway) => {
                w.path = PathKind::Internet;
                hop!(
                    w,
                    format!("{}/igw", vpc.name),
                    "internet-gateway",
                    None,
                    Some(vpc.account),
                    "internet gateway",
                );
                Ok(())
            }
            _ => {
                hop!(
                    w,
                    format!("{}/{}", vpc.name, rt.name),
                    "route-table",
                    src.az,
                    Some(vpc.account),
                    "default route",
                );
                Err((Reason::NoRoute, format!("add a default route (0.0.0.0/0) via a NAT gateway or internet gateway to route table {:?} of VPC {:?}", rt.name, vpc.name)))
            }
        }
    }
}

fn first_ip(cidrs: &[IpNet]) -> IpAddr {
    cidrs
        .first()
        .map(|c| c.network())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
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
