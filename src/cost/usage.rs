//! Usage attribution: which meters the bytes of a delivered path feed, and
//! which account pays each, following AWS's billing rules (fact sheet §3).
//!
//! - PrivateLink data processing: every byte through an interface endpoint,
//!   both directions, billed to the endpoint owner (or the service owner when
//!   the service's payer is `ServiceOwner`).
//! - Cross-AZ transfer: a byte that crosses AZs is charged on the side that
//!   sends it (out) and on the side that receives it (in). Consumer to its
//!   endpoint ENI: both sides are the consumer's. NLB node to a target in
//!   another AZ (cross-zone on): both sides are the provider's.
//! - Peering: free inside one AZ; across AZs the sender pays out and the
//!   receiver pays in; across regions the sender pays inter-region out.
//! - Transit Gateway: data processed billed to the sending attachment's owner.
//! - NAT gateway: every byte processed, to the VPC's account; bytes sent to
//!   the internet also pay internet egress.
//! - Direct Connect: data transfer out (AWS → site) to the account sending it.
//! - Gateway endpoints: free, recorded.
//!
//! Owns: the mapping from a delivered plan to meters. Must not: decide routes
//! (the plan is given) or compute prices (the bill does).

use rustc_hash::FxHashMap as HashMap;

use crate::control::Plan;
use crate::cost::{Category, Direction, MeterId, MeterKey, Meters};
use crate::fabric::{AccountId, AzId, Fabric};
use crate::scenario::Payer;
use crate::units::SimTime;

/// Which half of a connection bytes belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Leg {
    /// Client → server.
    Request,
    /// Server → client.
    Response,
}

/// The client side of a connection, for attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientSide {
    pub account: Option<AccountId>,
    pub az: Option<AzId>,
}

/// What decides which meters a leg feeds: the plan with the target
/// instance reduced to its workload (its AZ is kept), the client side and
/// the leg.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct AttributionKey {
    plan: Plan,
    client: ClientSide,
    leg: Leg,
}

/// Records usage into meters; keeps the meters it registers.
///
/// The meters a leg feeds depend only on its [`AttributionKey`]; they are
/// resolved (meter keys built, names formatted, meters registered) once per
/// distinct key and cached, so recording a flow is a hash lookup plus one
/// `add_bytes` per meter.
pub struct UsageRecorder {
    pub meters: Meters,
    /// Meter ids collected while resolving a key.
    scratch: Vec<MeterId>,
    /// Looked up only, never iterated.
    cache: HashMap<AttributionKey, Vec<MeterId>>,
}

impl Default for UsageRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl UsageRecorder {
    pub fn new() -> Self {
        UsageRecorder {
            meters: Meters::new(),
            scratch: Vec::new(),
            cache: HashMap::default(),
        }
    }

    fn add(&mut self, key: MeterKey, _at: SimTime, _bytes: u64) {
        // Keys built here are well-formed (category, AZ and direction agree),
        // so registration cannot fail; a failure would drop this usage.
        if let Ok(id) = self.meters.register(key) {
            self.scratch.push(id);
        }
    }

    /// Records `bytes` of one leg of a delivered connection at `at`.
    pub fn record(
        &mut self,
        fabric: &Fabric,
        plan: &Plan,
        client: ClientSide,
        leg: Leg,
        at: SimTime,
        bytes: u64,
    ) {
        if bytes == 0 {
            return;
        }
        let mut reduced = plan.clone();
        reduced.target = plan.target.map(|(w, _)| (w, 0));
        let key = AttributionKey {
            plan: reduced,
            client,
            leg,
        };
        if !self.cache.contains_key(&key) {
            self.scratch.clear();
            self.resolve(fabric, plan, client, leg, at, bytes);
            let ids = std::mem::take(&mut self.scratch);
            self.cache.insert(key.clone(), ids);
        }
        if let Some(ids) = self.cache.get(&key) {
            for id in ids {
                self.meters.add_bytes(*id, at, bytes);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn cross_az(
        &mut self,
        fabric: &Fabric,
        category: Category,
        sender: AccountId,
        receiver: AccountId,
        resource: &str,
        from: AzId,
        at: SimTime,
        bytes: u64,
    ) {
        let acc = |a: AccountId| fabric.accounts[a.index()].name.clone();
        let az = fabric.az_name(from).to_string();
        self.add(
            MeterKey::new(category, acc(sender), resource)
                .in_az(az.clone())
                .direction(Direction::Out),
            at,
            bytes,
        );
        self.add(
            MeterKey::new(category, acc(receiver), resource)
                .in_az(az)
                .direction(Direction::In),
            at,
            bytes,
        );
    }

    /// Registers the meters one leg feeds (into `scratch`).
    fn resolve(
        &mut self,
        fabric: &Fabric,
        plan: &Plan,
        client: ClientSide,
        leg: Leg,
        at: SimTime,
        bytes: u64,
    ) {
        if bytes == 0 {
            return;
        }
        self.scratch.clear();
        let acc = |a: AccountId| fabric.accounts[a.index()].name.clone();
        let target_account = plan
            .target
            .map(|(w, _)| fabric.workloads[w.index()].account);
        // Who sends this leg, and who receives it.
        let (sender, receiver) = match leg {
            Leg::Request => (client.account, target_account),
            Leg::Response => (target_account, client.account),
        };
        if let Some((e, eni)) = plan.endpoint {
            let ep = &fabric.endpoints[e.index()];
            let svc = &fabric.services[ep.service.index()];
            let payer = match svc.payer {
                Payer::Consumer => ep.account,
                Payer::ServiceOwner => svc.owner,
            };
            self.add(
                MeterKey::new(Category::EndpointDataProcessed, acc(payer), &ep.name),
                at,
                bytes,
            );
            let eni_az = fabric.enis[eni.index()].az;
            if let Some(caz) = client.az {
                if caz != eni_az {
                    // Consumer instance ↔ its endpoint ENI: both sides are the consumer's.
                    let from = if leg == Leg::Request { caz } else { eni_az };
                    self.cross_az(
                        fabric,
                        Category::CrossAz,
                        ep.account,
                        ep.account,
                        &ep.name,
                        from,
                        at,
                        bytes,
                    );
                }
            }
            if let (Some(node), Some(taz)) = (plan.nlb_node, plan.target_az) {
                let node_az = fabric.enis[node.index()].az;
                if node_az != taz {
                    let nlb = match fabric.enis[node.index()].owner {
                        crate::fabric::EniOwner::NlbNode(n) => fabric.nlbs[n.index()].name.clone(),
                        _ => String::new(),
                    };
                    let from = if leg == Leg::Request { node_az } else { taz };
                    self.cross_az(
                        fabric,
                        Category::CrossAz,
                        svc.owner,
                        svc.owner,
                        &nlb,
                        from,
                        at,
                        bytes,
                    );
                }
            }
        } else if let Some(p) = plan.peering {
            let pi = &fabric.peerings[p.index()];
            let (Some(s), Some(r)) = (sender, receiver) else {
                return;
            };
            let (saz, raz) = match leg {
                Leg::Request => (client.az, plan.target_az),
                Leg::Response => (plan.target_az, client.az),
            };
            if pi.cross_region {
                let region = saz
                    .map(|a| fabric.azs[a.index()].region.clone())
                    .unwrap_or_else(|| fabric.region.clone());
                self.add(
                    MeterKey::new(Category::PeeringInterRegion, acc(s), &pi.name).in_region(region),
                    at,
                    bytes,
                );
            } else if let (Some(a), Some(b)) = (saz, raz) {
                if a == b {
                    self.add(
                        MeterKey::new(Category::PeeringSameAz, acc(s), &pi.name)
                            .in_az(fabric.az_name(a)),
                        at,
                        bytes,
                    );
                } else {
                    self.cross_az(
                        fabric,
                        Category::PeeringCrossAz,
                        s,
                        r,
                        &pi.name,
                        a,
                        at,
                        bytes,
                    );
                }
            }
        } else if plan.tgw.is_none()
            && plan.dx.is_none()
            && plan.nat.is_none()
            && plan.gateway_endpoint.is_none()
        {
            // Inside one VPC: EC2 cross-AZ transfer between the two instances.
            if let (Some(s), Some(r), Some(caz), Some(taz)) =
                (sender, receiver, client.az, plan.target_az)
            {
                if caz != taz {
                    let from = if leg == Leg::Request { caz } else { taz };
                    let name = plan
                        .target
                        .map(|(w, _)| fabric.workloads[w.index()].name.clone())
                        .unwrap_or_default();
                    self.cross_az(fabric, Category::CrossAz, s, r, &name, from, at, bytes);
                }
            }
        }
        if let Some((a, b)) = plan.tgw {
            let sending = if leg == Leg::Request { a } else { b };
            let att = &fabric.tgw_attachments[sending.index()];
            self.add(
                MeterKey::new(
                    Category::TgwDataProcessed,
                    acc(att.owner),
                    format!("{}/{}", fabric.tgws[att.tgw.index()].name, att.name),
                ),
                at,
                bytes,
            );
        }
        if let Some(n) = plan.nat {
            let nat = &fabric.nats[n.index()];
            let owner = fabric.vpcs[nat.vpc.index()].account;
            self.add(
                MeterKey::new(Category::NatDataProcessed, acc(owner), &nat.name)
                    .in_az(fabric.az_name(nat.az)),
                at,
                bytes,
            );
            if leg == Leg::Request {
                self.add(
                    MeterKey::new(Category::InternetOut, acc(owner), &nat.name),
                    at,
                    bytes,
                );
            }
        } else if plan.target.is_none()
            && plan.target_site.is_none()
            && plan.endpoint.is_none()
            && plan.gateway_endpoint.is_none()
            && plan.dx.is_none()
            && leg == Leg::Request
        {
            // Internet gateway: bytes out to the internet.
            if let Some(a) = client.account {
                self.add(
                    MeterKey::new(Category::InternetOut, acc(a), "internet-gateway"),
                    at,
                    bytes,
                );
            }
        }
        if let Some(d) = plan.dx {
            let dx = &fabric.dxs[d.index()];
            // AWS → site bytes: the response of a site-initiated connection,
            // or the request of an AWS-initiated one.
            let to_site = matches!(
                (client.account, leg),
                (None, Leg::Response) | (Some(_), Leg::Request)
            );
            if to_site {
                let payer = match leg {
                    Leg::Response => plan
                        .endpoint
                        .map(|(e, _)| fabric.endpoints[e.index()].account)
                        .or(target_account)
                        .unwrap_or(dx.account),
                    Leg::Request => client.account.unwrap_or(dx.account),
                };
                self.add(
                    MeterKey::new(Category::DxDataOut, acc(payer), &dx.name),
                    at,
                    bytes,
                );
            }
        }
        if let Some(g) = plan.gateway_endpoint {
            let ge = &fabric.gateway_endpoints[g.index()];
            let owner = fabric.vpcs[ge.vpc.index()].account;
            self.add(
                MeterKey::new(Category::GatewayEndpoint, acc(owner), &ge.name),
                at,
                bytes,
            );
        }
    }

    /// Records provisioned time: endpoint hours per AZ over each provisioned
    /// interval, and TGW attachments, NAT gateways and DX ports over the run.
    pub fn record_hours(
        &mut self,
        fabric: &Fabric,
        endpoint_intervals: &[Vec<(SimTime, Option<SimTime>)>],
        end: SimTime,
    ) {
        let acc = |a: AccountId| fabric.accounts[a.index()].name.clone();
        for (i, ep) in fabric.endpoints.iter().enumerate() {
            let svc = &fabric.services[ep.service.index()];
            let payer = match svc.payer {
                Payer::Consumer => ep.account,
                Payer::ServiceOwner => svc.owner,
            };
            for (from, to) in &endpoint_intervals[i] {
                let to = to.unwrap_or(end);
                for eni in &ep.enis {
                    let az = fabric.az_name(fabric.enis[eni.index()].az).to_string();
                    if let Ok(id) = self.meters.register(
                        MeterKey::new(Category::EndpointHours, acc(payer), &ep.name).in_az(az),
                    ) {
                        self.meters.add_time(id, *from, to);
                    }
                }
            }
        }
        for att in &fabric.tgw_attachments {
            let name = format!("{}/{}", fabric.tgws[att.tgw.index()].name, att.name);
            if let Ok(id) = self.meters.register(MeterKey::new(
                Category::TgwAttachmentHours,
                acc(att.owner),
                name,
            )) {
                self.meters.add_time(id, SimTime::ZERO, end);
            }
        }
        for nat in &fabric.nats {
            let owner = fabric.vpcs[nat.vpc.index()].account;
            if let Ok(id) = self.meters.register(
                MeterKey::new(Category::NatHours, acc(owner), &nat.name)
                    .in_az(fabric.az_name(nat.az)),
            ) {
                self.meters.add_time(id, SimTime::ZERO, end);
            }
        }
        for dx in &fabric.dxs {
            let key = MeterKey::new(Category::DxPortHours, acc(dx.account), &dx.name)
                .port_speed(port_speed_name(dx.kind, dx.speed.0));
            if let Ok(id) = self.meters.register(key) {
                self.meters.add_time(id, SimTime::ZERO, end);
            }
        }
    }
}

/// The pricebook's name of a DX port speed: `"10G"`, `"hosted-500M"`.
pub fn port_speed_name(kind: crate::scenario::DxKind, bps: u64) -> String {
    let label = if bps >= 1_000_000_000 && bps % 1_000_000_000 == 0 {
        format!("{}G", bps / 1_000_000_000)
    } else {
        format!("{}M", bps / 1_000_000)
    };
    match kind {
        crate::scenario::DxKind::Dedicated => label,
        crate::scenario::DxKind::Hosted => format!("hosted-{label}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_speed_names_match_the_pricebook() {
        use crate::scenario::DxKind;
        assert_eq!(port_speed_name(DxKind::Dedicated, 10_000_000_000), "10G");
        assert_eq!(port_speed_name(DxKind::Hosted, 500_000_000), "hosted-500M");
        assert_eq!(port_speed_name(DxKind::Hosted, 1_000_000_000), "hosted-1G");
    }
}
