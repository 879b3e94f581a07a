//! Usage attribution: which meters the bytes of a delivered path feed, and
//! which account pays each, following AWS's billing rules (fact sheet §3)
//! and the run's rule set ([`RuleSet`]: which transfers are charged).
//!
//! - PrivateLink data processing: every byte through an interface endpoint,
//!   both directions, billed to the endpoint owner (or the service owner when
//!   the service's payer is `ServiceOwner`).
//! - Cross-AZ transfer, where the rule set charges it: a byte that crosses
//!   AZs is charged on the side that sends it (out) and on the side that
//!   receives it (in). Consumer to its endpoint ENI (`endpoint_cross_az`):
//!   both sides are the consumer's. NLB node to a target in another AZ
//!   (`nlb_cross_zone`): both sides are the provider's. Two instances of a
//!   VPC (`instance_cross_az`), an instance and its NAT gateway
//!   (`nat_cross_az`), the two ends of a Transit Gateway path
//!   (`tgw_cross_az`): the sender pays out, the receiver in.
//! - Peering: inside one AZ free unless `peering_same_az` charges it;
//!   across AZs the sender pays out and the receiver pays in; across regions
//!   the sender pays inter-region out.
//! - Transit Gateway: data processed billed to the sending attachment's owner.
//! - NAT gateway: every byte processed, to the VPC's account; bytes sent to
//!   the internet also pay internet egress.
//! - Network Load Balancer: NLB hours to its owner while provisioned, and
//!   its capacity meter (NLCU), also the owner's, fed with the bytes it
//!   processes (both directions, as they move) and with each connection
//!   through it ([`UsageRecorder::nlb_connection`], which the simulation
//!   calls when the connection ends or the run does).
//! - Direct Connect: data transfer out (AWS → site) to the account sending it.
//! - Gateway endpoints: free, recorded.
//!
//! Owns: the mapping from a delivered plan to meters. Must not: decide routes
//! (the plan is given) or compute prices (the bill does).

use rustc_hash::FxHashMap as HashMap;

use crate::control::Plan;
use crate::cost::rules::{RuleBook, RuleSet, DEFAULT_RULE_SET};
use crate::cost::{Category, CostError, Direction, MeterId, MeterKey, Meters};
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

/// What decides which meters the legs of a connection feed: the plan with
/// the target instance reduced to its workload (its AZ is kept) and the
/// client side, as 16 ids (`u32::MAX` for none): one cache line, compared
/// and hashed as plain words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct AttributionKey([u32; 17]);

impl AttributionKey {
    fn new(plan: &Plan, client: ClientSide) -> Self {
        const NONE: u32 = u32::MAX;
        let one = |x: Option<u32>| x.unwrap_or(NONE);
        let pair = |x: Option<(u32, u32)>| x.map_or((NONE, NONE), |p| p);
        // Every field, named: a field added to `Plan` must be added here.
        let Plan {
            client_az,
            endpoint,
            nlb_node,
            target,
            target_site,
            target_az,
            peering,
            tgw,
            dx,
            nat,
            gateway_endpoint,
            aws_service,
        } = *plan;
        let ClientSide { account, az } = client;
        let (ep, eni) = pair(endpoint.map(|(e, n)| (e.0, n.0)));
        let (site, host) = pair(target_site.map(|(s, h)| (s.0, h)));
        let (tgw_a, tgw_b) = pair(tgw.map(|(a, b)| (a.0, b.0)));
        AttributionKey([
            one(client_az.map(|a| a.0)),
            ep,
            eni,
            one(nlb_node.map(|n| n.0)),
            // The target instance does not change the meters; its AZ does.
            one(target.map(|(w, _)| w.0)),
            site,
            host,
            one(target_az.map(|a| a.0)),
            one(peering.map(|p| p.0)),
            tgw_a,
            tgw_b,
            one(dx.map(|d| d.0)),
            one(nat.map(|n| n.0)),
            one(gateway_endpoint.map(|g| g.0)),
            u32::from(aws_service),
            one(account.map(|a| a.0)),
            one(az.map(|a| a.0)),
        ])
    }
}

/// The meters one leg of a connection feeds, resolved once: a handle into
/// the recorder's table, valid for the recorder that returned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeterSet(u32);

/// Records usage into meters; keeps the meters it registers.
///
/// The meters a connection's legs feed depend only on its attribution key
/// (plan and client side); they are resolved (meter keys built, names
/// formatted, meters registered) once per distinct key and cached as two
/// [`MeterSet`]s. A simulation resolves each connection once, when it is
/// admitted ([`UsageRecorder::resolve_legs`]); recording the bytes a flow
/// moved since it was last settled ([`UsageRecorder::add`], at each
/// billing-hour boundary, completion, cut and at the end of the run) then
/// adds them to its set's pending sum, with no lookup. Pending sums move into the meters when time enters
/// another meter bucket and when the meters are read
/// ([`UsageRecorder::meters`]): every byte lands in the bucket of the time
/// it was recorded at, exactly as if it had been added meter by meter.
pub struct UsageRecorder {
    meters: Meters,
    /// Which transfers are charged.
    rules: RuleSet,
    /// Meter ids collected while resolving a leg.
    scratch: Vec<MeterId>,
    /// The meter ids of every resolved set, one after the other.
    set_ids: Vec<MeterId>,
    /// `[start, end)` of each set in `set_ids`.
    sets: Vec<(u32, u32)>,
    /// Looked up only, never iterated.
    cache: HashMap<AttributionKey, (MeterSet, MeterSet)>,
    /// Bytes recorded per set and not yet added to its meters.
    pending: Vec<u128>,
    /// Sets with pending bytes, in the order they first got some.
    dirty: Vec<u32>,
    /// The meter bucket of the pending bytes (`[start, end)` in ns), and
    /// the latest time recorded in it.
    pending_bucket: (u64, u64),
    pending_at: SimTime,
    /// The capacity meter of each NLB (by NLB index), once registered.
    nlb_meters: Vec<Option<MeterId>>,
}

impl Default for UsageRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl UsageRecorder {
    /// A recorder under the builtin rule book's default set (`faq`).
    pub fn new() -> Self {
        let book = RuleBook::builtin();
        match UsageRecorder::with_rules(&book, DEFAULT_RULE_SET) {
            Ok(recorder) => recorder,
            // The builtin book is validated to hold the default set.
            Err(e) => panic!("invariant: the builtin rule book has the default set: {e}"),
        }
    }

    /// A recorder under rule set `name` of `book`; the meters record which.
    pub fn with_rules(book: &RuleBook, name: &str) -> Result<Self, CostError> {
        let rules = book.set(name)?.clone();
        let mut meters = Meters::new();
        meters.set_rules(book.reference(name));
        Ok(UsageRecorder::from_parts(meters, rules))
    }

    fn from_parts(meters: Meters, rules: RuleSet) -> Self {
        UsageRecorder {
            meters,
            rules,
            scratch: Vec::new(),
            set_ids: Vec::new(),
            sets: Vec::new(),
            cache: HashMap::default(),
            pending: Vec::new(),
            dirty: Vec::new(),
            pending_bucket: (0, 0),
            pending_at: SimTime::ZERO,
            nlb_meters: Vec::new(),
        }
    }

    /// The meters, with every recorded byte in them.
    pub fn meters(&mut self) -> &Meters {
        self.flush();
        &self.meters
    }

    /// Moves the pending sums into the meters.
    fn flush(&mut self) {
        for &set in &self.dirty {
            let bytes = std::mem::take(&mut self.pending[set as usize]);
            let (a, b) = self.sets[set as usize];
            let ids = &self.set_ids[a as usize..b as usize];
            // A set's pending sum is at most the bytes of the flows recorded
            // in one bucket; split it into u64 parts (one part in practice).
            let mut left = bytes;
            while left > 0 {
                let part = left.min(u128::from(u64::MAX));
                self.meters
                    .add_bytes_to_all(ids, self.pending_at, part as u64);
                left -= part;
            }
        }
        self.dirty.clear();
    }

    fn register(&mut self, key: MeterKey) {
        // Keys built here are well-formed (category, AZ and direction agree),
        // so registration cannot fail; a failure would drop this usage.
        if let Ok(id) = self.meters.register(key) {
            self.scratch.push(id);
        }
    }

    /// The meters the request and the response of a delivered connection
    /// feed, resolved (and their meters registered) on first sight of its
    /// attribution key.
    pub fn resolve_legs(
        &mut self,
        fabric: &Fabric,
        plan: &Plan,
        client: ClientSide,
    ) -> (MeterSet, MeterSet) {
        let key = AttributionKey::new(plan, client);
        if let Some(sets) = self.cache.get(&key) {
            return *sets;
        }
        let sets = (
            self.resolve_set(fabric, plan, client, Leg::Request),
            self.resolve_set(fabric, plan, client, Leg::Response),
        );
        self.cache.insert(key, sets);
        sets
    }

    fn resolve_set(
        &mut self,
        fabric: &Fabric,
        plan: &Plan,
        client: ClientSide,
        leg: Leg,
    ) -> MeterSet {
        self.scratch.clear();
        self.resolve(fabric, plan, client, leg);
        let start = self.set_ids.len() as u32;
        self.set_ids.extend_from_slice(&self.scratch);
        self.sets.push((start, self.set_ids.len() as u32));
        self.pending.push(0);
        MeterSet((self.sets.len() - 1) as u32)
    }

    /// Whether `set` bills its bytes as cross-AZ transfer (EC2 cross-AZ or
    /// peering cross-AZ) under the run's rule set: what
    /// `cost.cross_az_bytes` and the cross-AZ chart count, each byte once
    /// (a cross-AZ charge has an "out" and an "in" meter).
    pub fn bills_cross_az(&self, set: MeterSet) -> bool {
        let (start, end) = self.sets[set.0 as usize];
        self.set_ids[start as usize..end as usize].iter().any(|id| {
            matches!(
                self.meters.key(*id).category,
                Category::CrossAz | Category::PeeringCrossAz
            )
        })
    }

    /// Adds `bytes` moved at `at` to every meter of `set`.
    pub fn add(&mut self, set: MeterSet, at: SimTime, bytes: u64) {
        if bytes == 0 {
            return;
        }
        let t = at.as_nanos();
        let (start, end) = self.pending_bucket;
        if t < start || t >= end {
            self.flush();
            let width = self.meters.bucket().as_nanos();
            let start = t / width * width;
            self.pending_bucket = (start, start.saturating_add(width));
            self.pending_at = at;
        }
        self.pending_at = self.pending_at.max(at);
        let p = &mut self.pending[set.0 as usize];
        if *p == 0 {
            self.dirty.push(set.0);
        }
        *p += u128::from(bytes);
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
        let (req, resp) = self.resolve_legs(fabric, plan, client);
        let set = match leg {
            Leg::Request => req,
            Leg::Response => resp,
        };
        self.add(set, at, bytes);
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
    ) {
        let acc = |a: AccountId| fabric.accounts[a.index()].name.clone();
        let az = fabric.az_name(from).to_string();
        self.register(
            MeterKey::new(category, acc(sender), resource)
                .in_az(az.clone())
                .direction(Direction::Out),
        );
        self.register(
            MeterKey::new(category, acc(receiver), resource)
                .in_az(az)
                .direction(Direction::In),
        );
    }

    /// Registers the meters one leg feeds (into `scratch`).
    fn resolve(&mut self, fabric: &Fabric, plan: &Plan, client: ClientSide, leg: Leg) {
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
            self.register(MeterKey::new(
                Category::EndpointDataProcessed,
                acc(payer),
                &ep.name,
            ));
            let eni_az = fabric.enis[eni.index()].az;
            if let (Some(caz), true) = (client.az, self.rules.charges(|x| &x.endpoint_cross_az)) {
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
                    );
                }
            }
            if let Some(n) = plan.nlb_node.and_then(|node| nlb_of(fabric, node)) {
                // Every byte through the NLB counts towards its NLCUs.
                let nlb = &fabric.nlbs[n.index()];
                self.register(MeterKey::new(
                    Category::NlbCapacityUnits,
                    acc(nlb.account),
                    &nlb.name,
                ));
            }
            if let (Some(node), Some(taz)) = (plan.nlb_node, plan.target_az) {
                let node_az = fabric.enis[node.index()].az;
                if node_az != taz && self.rules.charges(|x| &x.nlb_cross_zone) {
                    let nlb = nlb_of(fabric, node)
                        .map(|n| fabric.nlbs[n.index()].name.clone())
                        .unwrap_or_default();
                    let from = if leg == Leg::Request { node_az } else { taz };
                    self.cross_az(fabric, Category::CrossAz, svc.owner, svc.owner, &nlb, from);
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
                self.register(
                    MeterKey::new(Category::PeeringInterRegion, acc(s), &pi.name).in_region(region),
                );
            } else if let (Some(a), Some(b)) = (saz, raz) {
                if a == b && self.rules.charges(|x| &x.peering_same_az) {
                    self.cross_az(fabric, Category::PeeringSameAz, s, r, &pi.name, a);
                } else if a == b {
                    self.register(
                        MeterKey::new(Category::PeeringSameAz, acc(s), &pi.name)
                            .in_az(fabric.az_name(a)),
                    );
                } else {
                    self.cross_az(fabric, Category::PeeringCrossAz, s, r, &pi.name, a);
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
                if caz != taz && self.rules.charges(|x| &x.instance_cross_az) {
                    let from = if leg == Leg::Request { caz } else { taz };
                    let name = plan
                        .target
                        .map(|(w, _)| fabric.workloads[w.index()].name.clone())
                        .unwrap_or_default();
                    self.cross_az(fabric, Category::CrossAz, s, r, &name, from);
                }
            }
        }
        if let Some((a, b)) = plan.tgw {
            let sending = if leg == Leg::Request { a } else { b };
            let att = &fabric.tgw_attachments[sending.index()];
            let tgw_name = &fabric.tgws[att.tgw.index()].name;
            self.register(MeterKey::new(
                Category::TgwDataProcessed,
                acc(att.owner),
                format!("{tgw_name}/{}", att.name),
            ));
            // Inter-AZ transfer between the two ends, where the rules charge it.
            if let (Some(s), Some(r), Some(caz), Some(taz)) =
                (sender, receiver, client.az, plan.target_az)
            {
                if caz != taz && self.rules.charges(|x| &x.tgw_cross_az) {
                    let from = if leg == Leg::Request { caz } else { taz };
                    let name = tgw_name.clone();
                    self.cross_az(fabric, Category::CrossAz, s, r, &name, from);
                }
            }
        }
        if let Some(n) = plan.nat {
            let nat = &fabric.nats[n.index()];
            let owner = fabric.vpcs[nat.vpc.index()].account;
            self.register(
                MeterKey::new(Category::NatDataProcessed, acc(owner), &nat.name)
                    .in_az(fabric.az_name(nat.az)),
            );
            // An instance and its NAT gateway in different AZs.
            if let (Some(caz), Some(client_account)) = (client.az, client.account) {
                if caz != nat.az && self.rules.charges(|x| &x.nat_cross_az) {
                    let (s, r, from) = match leg {
                        Leg::Request => (client_account, owner, caz),
                        Leg::Response => (owner, client_account, nat.az),
                    };
                    let name = nat.name.clone();
                    self.cross_az(fabric, Category::CrossAz, s, r, &name, from);
                }
            }
            if leg == Leg::Request && self.internet_egress(plan) {
                self.register(MeterKey::new(Category::InternetOut, acc(owner), &nat.name));
            }
        } else if plan.target.is_none()
            && plan.target_site.is_none()
            && plan.endpoint.is_none()
            && plan.gateway_endpoint.is_none()
            && plan.dx.is_none()
            && leg == Leg::Request
            && self.internet_egress(plan)
        {
            // Internet gateway: bytes out to the internet.
            if let Some(a) = client.account {
                self.register(MeterKey::new(
                    Category::InternetOut,
                    acc(a),
                    "internet-gateway",
                ));
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
                self.register(MeterKey::new(Category::DxDataOut, acc(payer), &dx.name));
            }
        }
        if let Some(g) = plan.gateway_endpoint {
            let ge = &fabric.gateway_endpoints[g.index()];
            let owner = fabric.vpcs[ge.vpc.index()].account;
            self.register(MeterKey::new(
                Category::GatewayEndpoint,
                acc(owner),
                &ge.name,
            ));
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
            if let Ok(id) = self.meters.register(dx_port_key(fabric, dx)) {
                self.meters.add_time(id, SimTime::ZERO, end);
            }
        }
        for nlb in &fabric.nlbs {
            if let Ok(id) = self.meters.register(MeterKey::new(
                Category::NlbHours,
                acc(nlb.account),
                &nlb.name,
            )) {
                self.meters.add_time(id, SimTime::ZERO, end);
            }
        }
    }

    /// Whether the request bytes of a plan that leaves through a NAT
    /// gateway or an internet gateway are internet egress: always for the
    /// internet, and for a same-region AWS service's public endpoint only
    /// where the rule set charges `aws_service_via_gateway`.
    fn internet_egress(&self, plan: &Plan) -> bool {
        !plan.aws_service || self.rules.charges(|x| &x.aws_service_via_gateway)
    }

    /// The NLCU meter of the NLB a delivered plan passes (billed to the
    /// NLB's owner), registered on first sight and then looked up by index;
    /// `None` for a plan without an NLB.
    pub fn nlb_meter(&mut self, fabric: &Fabric, plan: &Plan) -> Option<MeterId> {
        let n = nlb_of(fabric, plan.nlb_node?)?;
        if let Some(Some(id)) = self.nlb_meters.get(n.index()) {
            return Some(*id);
        }
        let nlb = &fabric.nlbs[n.index()];
        let account = fabric.accounts[nlb.account.index()].name.clone();
        let id = self
            .meters
            .register(MeterKey::new(
                Category::NlbCapacityUnits,
                account,
                &nlb.name,
            ))
            .ok()?;
        if self.nlb_meters.len() <= n.index() {
            self.nlb_meters.resize(n.index() + 1, None);
        }
        self.nlb_meters[n.index()] = Some(id);
        Some(id)
    }

    /// Records one connection through the NLB of meter `id`: opened at
    /// `opened`, open until `closed` (its completion, its cut, or the end of
    /// the run).
    pub fn nlb_connection(&mut self, id: MeterId, opened: SimTime, closed: SimTime) {
        self.meters.add_connection(id, opened);
        self.meters
            .add_connection_time(id, opened, closed.max(opened), 1);
    }
}

/// The NLB an NLB-node ENI belongs to.
fn nlb_of(fabric: &Fabric, node: crate::fabric::EniId) -> Option<crate::fabric::NlbId> {
    match fabric.enis[node.index()].owner {
        crate::fabric::EniOwner::NlbNode(n) => Some(n),
        _ => None,
    }
}

/// The port-hours meter of a Direct Connect connection.
fn dx_port_key(fabric: &Fabric, dx: &crate::fabric::DxInfo) -> MeterKey {
    let account = &fabric.accounts[dx.account.index()].name;
    MeterKey::new(Category::DxPortHours, account.as_str(), &dx.name)
        .port_speed(port_speed_name(dx.kind, dx.speed.0))
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

    /// A set over a tiered and an untiered meter, made by hand.
    fn recorder_with_one_set() -> (UsageRecorder, MeterSet, MeterId, MeterId) {
        let mut u = UsageRecorder::new();
        let tiered = u
            .meters
            .register(MeterKey::new(
                Category::EndpointDataProcessed,
                "acme",
                "vpce-a",
            ))
            .unwrap();
        let flat = u
            .meters
            .register(MeterKey::new(Category::GatewayEndpoint, "acme", "s3"))
            .unwrap();
        u.scratch = vec![tiered, flat];
        let start = u.set_ids.len() as u32;
        u.set_ids.extend_from_slice(&[tiered, flat]);
        u.sets.push((start, u.set_ids.len() as u32));
        u.pending.push(0);
        (u, MeterSet(0), tiered, flat)
    }

    #[test]
    fn pending_bytes_land_in_the_bucket_of_their_time() {
        // The same adds, through the recorder's pending sums and straight
        // into meters, give the same meters: totals and hourly buckets,
        // including a step back to an earlier hour.
        let (mut u, set, tiered, flat) = recorder_with_one_set();
        let mut direct = Meters::new();
        let d_tiered = direct
            .register(MeterKey::new(
                Category::EndpointDataProcessed,
                "acme",
                "vpce-a",
            ))
            .unwrap();
        let d_flat = direct
            .register(MeterKey::new(Category::GatewayEndpoint, "acme", "s3"))
            .unwrap();
        let h = 3_600_000_000_000u64;
        let adds = [
            (0, 5),
            (10, 7),
            (h - 1, 11),
            (h, 13),
            (2 * h + 5, 17),
            (h + 9, 19),
            (2 * h + 6, 0),
            (5 * h, u64::MAX),
            (5 * h + 1, u64::MAX),
        ];
        for (t, b) in adds {
            u.add(set, SimTime::from_nanos(t), b);
            direct.add_bytes_to_all(&[d_tiered, d_flat], SimTime::from_nanos(t), b);
        }
        let m = u.meters();
        assert_eq!(m.usage(tiered), direct.usage(d_tiered));
        assert_eq!(m.usage(flat), direct.usage(d_flat));
        assert_eq!(
            m.total_bytes(flat),
            5 + 7 + 11 + 13 + 17 + 19 + 2 * u128::from(u64::MAX)
        );
        assert_eq!(m.last_time(), direct.last_time());
        // Reading twice adds nothing.
        let again = u.meters().total_bytes(flat);
        assert_eq!(again, 5 + 7 + 11 + 13 + 17 + 19 + 2 * u128::from(u64::MAX));
    }

    #[test]
    fn port_speed_names_match_the_pricebook() {
        use crate::scenario::DxKind;
        assert_eq!(port_speed_name(DxKind::Dedicated, 10_000_000_000), "10G");
        assert_eq!(port_speed_name(DxKind::Hosted, 500_000_000), "hosted-500M");
        assert_eq!(port_speed_name(DxKind::Hosted, 1_000_000_000), "hosted-1G");
    }
}
