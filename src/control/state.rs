//! Run-time control-plane state and its lifecycle rules: endpoint connection
//! states, allowed principals, NLB associations, private-DNS verification,
//! AZ and Direct Connect health.
//!
//! Every change goes through [`ControlState::apply`], which returns an
//! [`EventRecord`] saying whether AWS would have accepted the action and why
//! not; every change bumps [`ControlState::epoch`], so cached decisions know
//! when they are stale.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::outcome::Reason;
use crate::fabric::{AccountId, AzId, DxId, EndpointId, EniId, Fabric, NlbId, ServiceId};
use crate::scenario::{DnsVerification, Event, Principal, Scenario};
use crate::units::SimTime;

/// State of an endpoint's connection to its service (AWS's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ConnState {
    PendingAcceptance,
    Available,
    Rejected,
    /// Stopped by the provider; `Resume` brings it back (FAQ: suspend).
    Suspended,
    /// Ended by the provider for good (FAQ: terminate).
    Terminated,
}

/// Whether an endpoint exists, and in which state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointStatus {
    /// Not created yet (its first lifecycle event is `CreateEndpoint`).
    NotCreated,
    /// AWS refused to create it.
    Failed { reason: Reason, hint: String },
    /// Created; the connection is in this state.
    Created(ConnState),
    /// Deleted by its owner.
    Deleted,
}

/// What happened to one scenario event (or initial action).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    pub time_s: f64,
    pub event: String,
    pub subject: String,
    pub applied: bool,
    pub reason: Option<Reason>,
    pub note: String,
}

/// The mutable control-plane state of a run.
#[derive(Debug, Clone)]
pub struct ControlState {
    pub endpoints: Vec<EndpointStatus>,
    /// Provisioned intervals of each endpoint (creation → deletion), for billing.
    pub provisioned: Vec<Vec<(SimTime, Option<SimTime>)>>,
    pub principals: Vec<Vec<Principal>>,
    pub service_nlbs: Vec<Vec<NlbId>>,
    pub nlb_service: Vec<Option<ServiceId>>,
    pub private_dns: Vec<Option<DnsVerification>>,
    pub az_up: Vec<bool>,
    pub dx_up: Vec<bool>,
    /// The NLB each endpoint ENI sticks to once chosen (AWS picks one at
    /// random among the service's NLBs in the ENI's AZ at first connection).
    pub eni_nlb: Vec<Option<NlbId>>,
    /// Bumped at every change.
    pub epoch: u64,
    pub log: Vec<EventRecord>,
    /// Root seed of the run: each endpoint ENI draws its NLB from its own
    /// stream (`control:nlb-choice:<ENI id>`), created at its first pick,
    /// so the order in which ENIs are first used changes no pick.
    seed: u64,
    eni_rng: Vec<Option<Box<ChaCha8Rng>>>,
}

impl ControlState {
    /// The state at time zero: services associated with their NLBs and
    /// endpoints created in scenario order (quota, AZ and principal checks),
    /// except those whose first lifecycle event is `CreateEndpoint`.
    pub fn new(fabric: &Fabric, scenario: &Scenario, seed: u64) -> Self {
        let mut st = ControlState {
            endpoints: vec![EndpointStatus::NotCreated; fabric.endpoints.len()],
            provisioned: vec![Vec::new(); fabric.endpoints.len()],
            principals: fabric
                .services
                .iter()
                .map(|s| s.allowed_principals.clone())
                .collect(),
            service_nlbs: vec![Vec::new(); fabric.services.len()],
            nlb_service: vec![None; fabric.nlbs.len()],
            private_dns: fabric
                .services
                .iter()
                .map(|s| s.private_dns.as_ref().map(|d| d.state))
                .collect(),
            az_up: vec![true; fabric.azs.len()],
            dx_up: vec![true; fabric.dxs.len()],
            eni_nlb: vec![None; fabric.enis.len()],
            epoch: 0,
            log: Vec::new(),
            seed,
            eni_rng: vec![None; fabric.enis.len()],
        };
        for (si, svc) in fabric.services.iter().enumerate() {
            for nlb in &svc.nlbs {
                st.associate(fabric, SimTime::ZERO, ServiceId(si as u32), *nlb, "initial");
            }
        }
        let created_later: Vec<bool> = fabric
            .endpoints
            .iter()
            .map(|e| {
                scenario.events.iter().find_map(|ev| match ev.event() {
                    Event::CreateEndpoint { endpoint } if *endpoint == e.name => Some(true),
                    Event::DeleteEndpoint { endpoint } if *endpoint == e.name => Some(false),
                    _ => None,
                }) == Some(true)
            })
            .collect();
        for (ei, later) in created_later.into_iter().enumerate() {
            if !later {
                st.create_endpoint(fabric, SimTime::ZERO, EndpointId(ei as u32));
            }
        }
        st
    }

    fn record(
        &mut self,
        time: SimTime,
        event: &str,
        subject: String,
        result: Result<String, (Reason, String)>,
    ) {
        let (applied, reason, note) = match result {
            Ok(note) => (true, None, note),
            Err((r, note)) => (false, Some(r), note),
        };
        self.log.push(EventRecord {
            time_s: time.as_secs_f64(),
            event: event.to_string(),
            subject,
            applied,
            reason,
            note,
        });
        self.epoch += 1;
    }

    fn associate(
        &mut self,
        fabric: &Fabric,
        time: SimTime,
        svc: ServiceId,
        nlb: NlbId,
        event: &str,
    ) {
        let subject = format!(
            "{} ↔ {}",
            fabric.services[svc.index()].name,
            fabric.nlbs[nlb.index()].name
        );
        let result = match self.nlb_service[nlb.index()] {
            Some(other) if other != svc => Err((
                Reason::NlbInUse,
                format!(
                    "NLB {:?} already serves endpoint service {:?}; an NLB serves one service — create another NLB",
                    fabric.nlbs[nlb.index()].name,
                    fabric.services[other.index()].name
                ),
            )),
            Some(_) => Ok("already associated".to_string()),
            None => {
                self.nlb_service[nlb.index()] = Some(svc);
                self.service_nlbs[svc.index()].push(nlb);
                Ok("associated".to_string())
            }
        };
        self.record(time, event, subject, result);
    }

    /// AZ IDs the service currently offers: those of its NLBs' nodes.
    pub fn service_azs(&self, fabric: &Fabric, svc: ServiceId) -> Vec<AzId> {
        let mut azs: Vec<AzId> = self.service_nlbs[svc.index()]
            .iter()
            .flat_map(|n| fabric.nlb_azs(*n))
            .collect();
        azs.sort();
        azs.dedup();
        azs
    }

    /// Whether the endpoint's creator is among the service's allowed principals.
    pub fn principal_allowed(
        &self,
        fabric: &Fabric,
        svc: ServiceId,
        account: AccountId,
        role: Option<&str>,
    ) -> bool {
        let acc = &fabric.accounts[account.index()];
        if fabric.services[svc.index()].owner == account {
            return true;
        }
        self.principals[svc.index()].iter().any(|p| match p {
            Principal::All => true,
            Principal::Account(id) => *id == acc.id,
            Principal::OrgUnit(ou) => acc.org_unit.as_deref() == Some(ou.as_str()),
            Principal::Org(o) => acc.org.as_deref() == Some(o.as_str()),
            Principal::Role(arn) => role == Some(arn.as_str()),
        })
    }

    fn create_endpoint(&mut self, fabric: &Fabric, time: SimTime, e: EndpointId) {
        let ep = &fabric.endpoints[e.index()];
        let vpc = &fabric.vpcs[ep.vpc.index()];
        let svc = &fabric.services[ep.service.index()];
        let quota = fabric.quotas.interface_endpoints_per_vpc as usize;
        let in_use = vpc
            .endpoints
            .iter()
            .filter(|x| **x != e && matches!(self.endpoints[x.index()], EndpointStatus::Created(_)))
            .count();
        let offered = self.service_azs(fabric, ep.service);
        let unsupported: Vec<&str> = ep
            .enis
            .iter()
            .map(|eni| fabric.enis[eni.index()].az)
            .filter(|az| !offered.contains(az))
            .map(|az| fabric.az_name(az))
            .collect();
        let result = if self.service_nlbs[ep.service.index()].is_empty() {
            Err((
                Reason::NoLoadBalancer,
                format!(
                    "service {:?} has no Network Load Balancer (an NLB serves one service; see control_events for NLB_IN_USE); give it its own NLB",
                    svc.name
                ),
            ))
        } else if in_use >= quota {
            Err((
                Reason::EndpointQuotaExceeded,
                format!(
                    "VPC {:?} already has {in_use} interface endpoints; the {} quota allows {quota} — remove one or raise interface_endpoints_per_vpc",
                    vpc.name, fabric.quotas.name
                ),
            ))
        } else if !unsupported.is_empty() {
            let offered: Vec<&str> = offered.iter().map(|a| fabric.az_name(*a)).collect();
            Err((
                Reason::AzNotSupported,
                format!(
                    "service {:?} is offered in {} but the endpoint has subnets in {}; remove those subnets or have the provider enable those AZs on its NLB",
                    svc.name,
                    if offered.is_empty() { "no AZ".to_string() } else { offered.join(", ") },
                    unsupported.join(", ")
                ),
            ))
        } else if !self.principal_allowed(fabric, ep.service, ep.account, ep.created_by.as_deref())
        {
            let acc = &fabric.accounts[ep.account.index()];
            Err((
                Reason::NotAllowedPrincipal,
                format!(
                    "add account {} to the allowed principals of service {:?}",
                    acc.id, svc.name
                ),
            ))
        } else {
            Ok(())
        };
        let subject = ep.name.clone();
        match result {
            Ok(()) => {
                let state = if svc.acceptance_required && svc.owner != ep.account {
                    ConnState::PendingAcceptance
                } else {
                    ConnState::Available
                };
                self.endpoints[e.index()] = EndpointStatus::Created(state);
                self.provisioned[e.index()].push((time, None));
                self.record(
                    time,
                    "CreateEndpoint",
                    subject,
                    Ok(format!("created, connection {state:?}")),
                );
            }
            Err((reason, hint)) => {
                self.endpoints[e.index()] = EndpointStatus::Failed {
                    reason,
                    hint: hint.clone(),
                };
                self.record(time, "CreateEndpoint", subject, Err((reason, hint)));
            }
        }
    }

    /// Applies a scenario event at `time`.
    pub fn apply(&mut self, fabric: &Fabric, time: SimTime, event: &Event) {
        let ep_of = |name: &str| fabric.endpoint(name);
        match event {
            Event::Accept { endpoint, .. }
            | Event::Reject { endpoint, .. }
            | Event::Suspend { endpoint, .. }
            | Event::Resume { endpoint, .. }
            | Event::Terminate { endpoint, .. } => {
                let Some(e) = ep_of(endpoint) else { return };
                let current = self.endpoints[e.index()].clone();
                let result = match (event, &current) {
                    (_, EndpointStatus::Created(ConnState::Terminated)) => Err((
                        Reason::ConnectionTerminated,
                        "the connection was terminated; termination is final".to_string(),
                    )),
                    (
                        Event::Accept { .. },
                        EndpointStatus::Created(ConnState::PendingAcceptance),
                    ) => Ok(ConnState::Available),
                    (
                        Event::Reject { .. },
                        EndpointStatus::Created(
                            ConnState::PendingAcceptance
                            | ConnState::Available
                            | ConnState::Suspended,
                        ),
                    ) => Ok(ConnState::Rejected),
                    (Event::Suspend { .. }, EndpointStatus::Created(ConnState::Available)) => {
                        Ok(ConnState::Suspended)
                    }
                    (Event::Resume { .. }, EndpointStatus::Created(ConnState::Suspended)) => {
                        Ok(ConnState::Available)
                    }
                    (Event::Terminate { .. }, EndpointStatus::Created(_)) => {
                        Ok(ConnState::Terminated)
                    }
                    (_, s) => Err((
                        Reason::EndpointNotFound,
                        format!("not applicable in state {}", describe(s)),
                    )),
                };
                match result {
                    Ok(next) => {
                        self.endpoints[e.index()] = EndpointStatus::Created(next);
                        self.record(
                            time,
                            event.kind(),
                            endpoint.clone(),
                            Ok(format!("{} → {next:?}", describe(&current))),
                        );
                    }
                    Err(err) => self.record(time, event.kind(), endpoint.clone(), Err(err)),
                }
            }
            Event::AddNlb { service, nlb } => {
                if let (Some(s), Some(n)) = (fabric.service(service), fabric.nlb(nlb)) {
                    self.associate(fabric, time, s, n, "AddNlb");
                }
            }
            Event::RemoveNlb { service, nlb } => {
                let (Some(s), Some(n)) = (fabric.service(service), fabric.nlb(nlb)) else {
                    return;
                };
                let list = &self.service_nlbs[s.index()];
                let result = if !list.contains(&n) {
                    Err((
                        Reason::NoLoadBalancer,
                        format!("NLB {nlb:?} is not associated with {service:?}"),
                    ))
                } else if list.len() == 1 {
                    Err((
                        Reason::NoLoadBalancer,
                        "a service must keep at least one NLB; add the new NLB before removing the old one".to_string(),
                    ))
                } else {
                    self.service_nlbs[s.index()].retain(|x| *x != n);
                    self.nlb_service[n.index()] = None;
                    for slot in self.eni_nlb.iter_mut() {
                        if *slot == Some(n) {
                            *slot = None;
                        }
                    }
                    Ok("disassociated; endpoint ENIs that used it pick another NLB".to_string())
                };
                self.record(time, "RemoveNlb", format!("{service} ↔ {nlb}"), result);
            }
            Event::AllowPrincipal { service, principal } => {
                let Some(s) = fabric.service(service) else {
                    return;
                };
                if !self.principals[s.index()].contains(principal) {
                    self.principals[s.index()].push(principal.clone());
                }
                self.record(
                    time,
                    "AllowPrincipal",
                    service.clone(),
                    Ok(format!("{principal} allowed")),
                );
            }
            Event::RemovePrincipal { service, principal } => {
                let Some(s) = fabric.service(service) else {
                    return;
                };
                self.principals[s.index()].retain(|p| p != principal);
                self.record(
                    time,
                    "RemovePrincipal",
                    service.clone(),
                    Ok(format!(
                        "{principal} removed; connections already accepted are kept"
                    )),
                );
            }
            Event::SetPrivateDnsState { service, state } => {
                let Some(s) = fabric.service(service) else {
                    return;
                };
                let result = if self.private_dns[s.index()].is_some() {
                    self.private_dns[s.index()] = Some(*state);
                    Ok(format!("private DNS name now {state:?}"))
                } else {
                    Err((
                        Reason::DnsNameUnverified,
                        "the service has no private DNS name".to_string(),
                    ))
                };
                self.record(time, "SetPrivateDnsState", service.clone(), result);
            }
            Event::AzOutage { az, .. } => {
                if let Some(a) = fabric.az(az) {
                    self.az_up[a.index()] = false;
                    self.record(time, "AzOutage", az.clone(), Ok("AZ down".to_string()));
                }
            }
            Event::AzRecover { az } => {
                if let Some(a) = fabric.az(az) {
                    self.az_up[a.index()] = true;
                    self.record(time, "AzRecover", az.clone(), Ok("AZ up".to_string()));
                }
            }
            Event::DxDown { dx, .. } => {
                if let Some(d) = fabric.dx(dx) {
                    self.dx_up[d.index()] = false;
                    self.record(time, "DxDown", dx.clone(), Ok("link down".to_string()));
                }
            }
            Event::DxUp { dx } => {
                if let Some(d) = fabric.dx(dx) {
                    self.dx_up[d.index()] = true;
                    self.record(time, "DxUp", dx.clone(), Ok("link up".to_string()));
                }
            }
            Event::CreateEndpoint { endpoint } => {
                let Some(e) = ep_of(endpoint) else { return };
                match self.endpoints[e.index()] {
                    EndpointStatus::Created(_) => self.record(
                        time,
                        "CreateEndpoint",
                        endpoint.clone(),
                        Err((Reason::EndpointNotFound, "already exists".to_string())),
                    ),
                    _ => self.create_endpoint(fabric, time, e),
                }
            }
            Event::DeleteEndpoint { endpoint } => {
                let Some(e) = ep_of(endpoint) else { return };
                let result = if let EndpointStatus::Created(_) = self.endpoints[e.index()] {
                    self.endpoints[e.index()] = EndpointStatus::Deleted;
                    if let Some(last) = self.provisioned[e.index()].last_mut() {
                        last.1 = Some(time);
                    }
                    Ok("deleted".to_string())
                } else {
                    Err((
                        Reason::EndpointNotFound,
                        "the endpoint does not exist".to_string(),
                    ))
                };
                self.record(time, "DeleteEndpoint", endpoint.clone(), result);
            }
        }
    }

    /// The NLB an endpoint ENI uses: sticky after the first choice, picked at
    /// random among the service's NLBs with a node in the ENI's AZ.
    pub fn nlb_for_eni(&mut self, fabric: &Fabric, svc: ServiceId, eni: EniId) -> Option<NlbId> {
        if let Some(n) = self.eni_nlb[eni.index()] {
            if self.service_nlbs[svc.index()].contains(&n) {
                return Some(n);
            }
        }
        let az = fabric.enis[eni.index()].az;
        let candidates: Vec<NlbId> = self.service_nlbs[svc.index()]
            .iter()
            .copied()
            .filter(|n| fabric.nlb_azs(*n).contains(&az))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let seed = self.seed;
        let rng = self.eni_rng[eni.index()].get_or_insert_with(|| {
            let name = format!("control:nlb-choice:{}", fabric.enis[eni.index()].aws_id);
            Box::new(crate::engine::rng_stream(seed, &name))
        });
        let pick = candidates[rng.random_range(0..candidates.len())];
        self.eni_nlb[eni.index()] = Some(pick);
        Some(pick)
    }

    /// Whether the Direct Connect connection is up.
    pub fn dx_is_up(&self, d: DxId) -> bool {
        self.dx_up[d.index()]
    }
}

fn describe(s: &EndpointStatus) -> String {
    match s {
        EndpointStatus::NotCreated => "not created".to_string(),
        EndpointStatus::Failed { reason, .. } => format!("failed ({reason})"),
        EndpointStatus::Created(c) => format!("{c:?}"),
        EndpointStatus::Deleted => "deleted".to_string(),
    }
}
