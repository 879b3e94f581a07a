//! The capacity model of the fabric: which allocator resources a delivered
//! connection's bytes cross, their capacities (with autoscaling), and the
//! latency of its path.
//!
//! Resources are created on first use, so a run holds only those its traffic
//! touches. Capacities and their sources:
//! - workload NICs, per instance and direction (full duplex): the scenario's
//!   `nic`; on-prem hosts likewise;
//! - each interface endpoint's ENI (one per AZ), by the quota profile's
//!   `endpoint_scaling`: `Stepped { base, max }` starts at `base` and
//!   scales toward `max` by the `scaling` policy; `Managed` (the FAQ's
//!   "fully managed … traffic to your endpoint is not affected") is
//!   [`UNBOUNDED`]: it never limits a flow, yet carries (and reports) the
//!   bytes that cross it, and an AZ failure still takes it to zero;
//! - Direct Connect ports, per direction: the port speed;
//! - Transit Gateway VPC attachments, per AZ and direction: `tgw_attachment_az`;
//! - NAT gateways: `nat_base` scaling toward `nat_max`.
//!
//! NLBs and peering connections have no documented throughput ceiling and
//! are not bottlenecks (fact sheet §2). Each flow is also capped by the
//! single-flow limit (5 Gbps outside a cluster placement group).
//!
//! Owns: the mapping from a control-plane [`Plan`] to resources and latency.
//! Must not: decide routes (the plan is given) or price anything.

use rustc_hash::FxHashMap as HashMap;

use crate::control::Plan;
use crate::dataplane::{Allocator, ResourceId};
use crate::fabric::{
    AttachTo, AzId, DxId, EniId, Fabric, NatId, SiteId, TgwAttachmentId, WorkloadId,
};
use crate::quota::QuotaProfile;
use crate::scenario::{EndpointScaling, Latency, ScalingPolicy};
use crate::units::{Bandwidth, SimDuration, SimTime};

/// The capacity of a resource that never limits traffic (a `Managed`
/// endpoint ENI): far above anything the flows crossing it can carry (each
/// is capped by the single-flow limit and its NICs). Reports show it as "no
/// ceiling".
pub const UNBOUNDED: Bandwidth = Bandwidth::UNBOUNDED;

/// Which way bytes move on a full-duplex resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dir {
    /// Out of the component (transmit), or toward AWS for a DX port.
    Tx,
    /// Into the component (receive), or toward the site for a DX port.
    Rx,
}

/// A capacity-limited component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    Nic(WorkloadId, u32, Dir),
    Host(SiteId, u32, Dir),
    EndpointEni(EniId),
    Dx(DxId, Dir),
    TgwAttachment(TgwAttachmentId, AzId, Dir),
    Nat(NatId),
}

/// What the reports show of a resource.
#[derive(Debug, Clone)]
pub struct ResourceInfo {
    pub component: Component,
    /// Report name, e.g. `endpoint:acme-orders/use1-az2`, or empty for the
    /// many per-instance NICs that are not reported one by one.
    pub name: String,
    pub kind: &'static str,
    pub base: Bandwidth,
    pub max: Bandwidth,
    pub scalable: bool,
    /// Capacity changes over time: `(time, capacity)`, starting at 0.
    pub capacity_steps: Vec<(SimTime, Bandwidth)>,
}

/// State of an autoscaling resource.
#[derive(Debug, Clone, Default)]
struct Scaling {
    /// How long utilisation has stayed at or above the threshold.
    high_for: SimDuration,
    /// A step is scheduled and not yet applied.
    pending: bool,
    /// Bytes carried at the last check.
    last_bytes: f64,
}

/// The resources of a run and their capacity model.
pub struct Network {
    /// Resource of each workload NIC (per instance and direction) and
    /// endpoint ENI, by dense slot (see [`Network::slot`]); `u32::MAX` until
    /// created. These are the components of almost every connection.
    dense: Vec<u32>,
    /// First dense slot of each workload's NICs (two per instance); ENIs
    /// come after all NICs.
    nic_base: Vec<u32>,
    eni_base: u32,
    /// The other components. Looked up only, never iterated.
    index: HashMap<Component, ResourceId>,
    pub info: Vec<ResourceInfo>,
    scaling: Vec<Scaling>,
    /// Resources that scale, in creation order.
    scalable: Vec<ResourceId>,
    /// Resources that failures took down (capacity held at zero).
    down: Vec<bool>,
    pub policy: ScalingPolicy,
    quotas: QuotaProfile,
}

/// The most components one direction of a connection can cross: a client
/// NIC or host, a DX port, two TGW attachments, an endpoint ENI, a NAT
/// gateway, and a target NIC or host.
pub const MAX_PATH: usize = 8;

/// The resources of one direction of a connection, and its flow cap. Held
/// inline (no allocation per connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowPath {
    ids: [ResourceId; MAX_PATH],
    len: u8,
    pub cap: Option<Bandwidth>,
}

impl FlowPath {
    /// An empty path with flow cap `cap`.
    pub fn new(cap: Option<Bandwidth>) -> Self {
        FlowPath {
            ids: [ResourceId(0); MAX_PATH],
            len: 0,
            cap,
        }
    }

    /// The resources crossed, in order.
    pub fn resources(&self) -> &[ResourceId] {
        &self.ids[..usize::from(self.len)]
    }

    /// Appends `r` unless it is the last resource already (a component
    /// repeated back to back counts once).
    fn push(&mut self, r: ResourceId) {
        if self.resources().last() == Some(&r) {
            return;
        }
        // At most MAX_PATH components are ever pushed (see `Network::paths`).
        self.ids[usize::from(self.len)] = r;
        self.len += 1;
    }
}

impl Network {
    pub fn new(fabric: &Fabric) -> Self {
        let quotas = &fabric.quotas;
        let mut nic_base = Vec::with_capacity(fabric.workloads.len());
        let mut next = 0u64;
        for w in &fabric.workloads {
            nic_base.push(next as u32);
            next += 2 * w.instances.len() as u64;
        }
        // The run's entity limit keeps instances far below 2^31.
        let eni_base = next as u32;
        let slots = next as usize + fabric.enis.len();
        Network {
            dense: vec![u32::MAX; slots],
            nic_base,
            eni_base,
            index: HashMap::default(),
            info: Vec::new(),
            scaling: Vec::new(),
            scalable: Vec::new(),
            down: Vec::new(),
            policy: quotas.scaling.clone(),
            quotas: quotas.clone(),
        }
    }

    /// The dense slot of a workload NIC or an endpoint ENI of the fabric
    /// the network was made for (other components have none).
    fn slot(&self, c: Component) -> Option<usize> {
        let s = match c {
            Component::Nic(w, i, dir) => {
                let base = *self.nic_base.get(w.index())? as usize;
                base + 2 * i as usize + usize::from(dir == Dir::Rx)
            }
            Component::EndpointEni(e) => self.eni_base as usize + e.index(),
            _ => return None,
        };
        (s < self.dense.len()).then_some(s)
    }

    /// The resource of a component, created on first use.
    pub fn resource(&mut self, fabric: &Fabric, alloc: &mut Allocator, c: Component) -> ResourceId {
        if let Some(r) = self.existing(c) {
            return r;
        }
        let q = &self.quotas;
        let (name, kind, base, max) = match c {
            Component::Nic(w, _, _) => {
                let nic = fabric.workloads[w.index()].nic;
                (String::new(), "nic", nic, nic)
            }
            Component::Host(s, _, _) => {
                let nic = fabric.sites[s.index()].nic;
                (String::new(), "host", nic, nic)
            }
            Component::EndpointEni(e) => {
                let eni = &fabric.enis[e.index()];
                let name = match eni.owner {
                    crate::fabric::EniOwner::Endpoint(ep) => format!(
                        "endpoint:{}/{}",
                        fabric.endpoints[ep.index()].name,
                        fabric.az_name(eni.az)
                    ),
                    _ => format!("eni:{}", eni.aws_id),
                };
                let (base, max) = match q.endpoint_scaling {
                    EndpointScaling::Managed => (UNBOUNDED, UNBOUNDED),
                    EndpointScaling::Stepped { base, max } => (base, max.max(base)),
                };
                (name, "endpoint-az", base, max)
            }
            Component::Dx(d, dir) => {
                let dx = &fabric.dxs[d.index()];
                let way = if dir == Dir::Tx { "to-aws" } else { "to-site" };
                (format!("dx:{}/{way}", dx.name), "dx", dx.speed, dx.speed)
            }
            Component::TgwAttachment(a, az, dir) => {
                let att = &fabric.tgw_attachments[a.index()];
                let way = if dir == Dir::Tx {
                    "into-tgw"
                } else {
                    "from-tgw"
                };
                (
                    format!(
                        "tgw:{}/{}/{}/{way}",
                        fabric.tgws[att.tgw.index()].name,
                        att.name,
                        fabric.az_name(az)
                    ),
                    "tgw-attachment",
                    q.tgw_attachment_az,
                    q.tgw_attachment_az,
                )
            }
            Component::Nat(n) => (
                format!("nat:{}", fabric.nats[n.index()].name),
                "nat",
                q.nat_base,
                q.nat_max.max(q.nat_base),
            ),
        };
        let r = alloc.add_resource(base);
        let scalable = max > base;
        if scalable {
            self.scalable.push(r);
        }
        self.info.push(ResourceInfo {
            component: c,
            name,
            kind,
            base,
            max,
            scalable,
            capacity_steps: vec![(SimTime::ZERO, base)],
        });
        self.scaling.push(Scaling::default());
        self.down.push(false);
        match self.slot(c) {
            Some(s) => self.dense[s] = r.0,
            None => {
                self.index.insert(c, r);
            }
        }
        r
    }

    /// The resource of a component if it exists already.
    pub fn existing(&self, c: Component) -> Option<ResourceId> {
        match self.slot(c) {
            Some(s) => Some(self.dense[s])
                .filter(|r| *r != u32::MAX)
                .map(ResourceId),
            None => self.index.get(&c).copied(),
        }
    }

    /// Current capacity of a resource (zero while down).
    pub fn capacity(&self, r: ResourceId) -> Bandwidth {
        let i = &self.info[r.0 as usize];
        i.capacity_steps.last().map(|(_, c)| *c).unwrap_or(i.base)
    }

    fn set(&mut self, alloc: &mut Allocator, now: SimTime, r: ResourceId, cap: Bandwidth) {
        let steps = &mut self.info[r.0 as usize].capacity_steps;
        if steps.last().map(|(_, c)| *c) != Some(cap) {
            if steps.last().is_some_and(|(t, _)| *t == now) {
                steps.pop();
            }
            steps.push((now, cap));
        }
        // The allocator refuses only a time before its clock, which event
        // order rules out; a refusal would leave the old capacity in place.
        let _ = alloc.set_capacity(now, r, cap);
    }

    /// Takes a resource down (capacity 0) or brings it back at its last
    /// scaled capacity.
    pub fn set_down(&mut self, alloc: &mut Allocator, now: SimTime, r: ResourceId, down: bool) {
        let i = r.0 as usize;
        if self.down[i] == down {
            return;
        }
        self.down[i] = down;
        let restore = self.info[i]
            .capacity_steps
            .iter()
            .rev()
            .map(|(_, c)| *c)
            .find(|c| c.0 > 0)
            .unwrap_or(self.info[i].base);
        self.set(alloc, now, r, if down { Bandwidth::ZERO } else { restore });
        self.scaling[i] = Scaling {
            last_bytes: alloc.resource_bytes(now, r),
            ..Scaling::default()
        };
    }

    /// Whether a resource is down.
    pub fn is_down(&self, r: ResourceId) -> bool {
        self.down[r.0 as usize]
    }

    /// Checks every scalable resource over the last `period`: utilisation
    /// at or above the policy threshold for `sustain` schedules one step.
    /// Returns the resources whose step is due after the policy's delay.
    pub fn scaling_check(
        &mut self,
        alloc: &Allocator,
        now: SimTime,
        period: SimDuration,
        due: &mut Vec<ResourceId>,
    ) {
        let policy = self.policy.clone();
        for &r in &self.scalable {
            let i = r.0 as usize;
            let bytes = alloc.resource_bytes(now, r);
            let st = &mut self.scaling[i];
            let carried = bytes - st.last_bytes;
            st.last_bytes = bytes;
            if self.down[i] || st.pending {
                continue;
            }
            let cap = self.info[i]
                .capacity_steps
                .last()
                .map(|(_, c)| c.0 as f64)
                .unwrap_or(0.0);
            let util = if cap > 0.0 {
                carried * 8.0 / (period.as_secs_f64() * cap)
            } else {
                0.0
            };
            if util >= policy.threshold {
                st.high_for += period;
                if st.high_for >= policy.sustain && cap < self.info[i].max.0 as f64 {
                    st.pending = true;
                    st.high_for = SimDuration::ZERO;
                    due.push(r);
                }
            } else {
                st.high_for = SimDuration::ZERO;
            }
        }
    }

    /// Applies one scaling step to a resource (up to its maximum).
    pub fn scale_up(&mut self, alloc: &mut Allocator, now: SimTime, r: ResourceId) {
        let i = r.0 as usize;
        self.scaling[i].pending = false;
        if self.down[i] {
            return;
        }
        let cur = self.capacity(r);
        let next = Bandwidth((cur.0 + self.policy.step.0).min(self.info[i].max.0));
        self.set(alloc, now, r, next);
    }

    /// Whether any resource can scale (so periodic checks are needed).
    pub fn has_scalable(&self) -> bool {
        !self.scalable.is_empty()
    }

    /// The request-direction and response-direction paths of a plan.
    pub fn paths(
        &mut self,
        fabric: &Fabric,
        alloc: &mut Allocator,
        plan: &Plan,
        client: Endpoint,
    ) -> (FlowPath, FlowPath) {
        // Components of the request, in order; the response crosses the
        // same ones backwards with each direction flipped.
        let mut req = [Component::Nat(NatId(0)); MAX_PATH];
        let mut resp = req;
        let mut n = 0;
        let mut both = |a: Component, b: Component| {
            req[n] = a;
            resp[n] = b;
            n += 1;
        };
        match client {
            Endpoint::Instance(w, i) => {
                both(Component::Nic(w, i, Dir::Tx), Component::Nic(w, i, Dir::Rx));
            }
            Endpoint::Host(s, i) => {
                both(
                    Component::Host(s, i, Dir::Tx),
                    Component::Host(s, i, Dir::Rx),
                );
            }
            Endpoint::None => {}
        }
        if let Some(d) = plan.dx {
            // Toward the site when the client is in AWS, else toward AWS.
            let (a, b) = if matches!(client, Endpoint::Host(..)) {
                (Dir::Tx, Dir::Rx)
            } else {
                (Dir::Rx, Dir::Tx)
            };
            both(Component::Dx(d, a), Component::Dx(d, b));
        }
        if let Some((a, b)) = plan.tgw {
            let az_a = plan.client_az.or_else(|| attachment_az(fabric, a));
            let az_b = plan.target_az.or_else(|| attachment_az(fabric, b));
            if let (Some(za), Some(zb)) = (
                az_a.and_then(|z| attachment_in(fabric, a, z)),
                az_b.and_then(|z| attachment_in(fabric, b, z)),
            ) {
                both(
                    Component::TgwAttachment(a, za, Dir::Tx),
                    Component::TgwAttachment(b, zb, Dir::Tx),
                );
                both(
                    Component::TgwAttachment(b, zb, Dir::Rx),
                    Component::TgwAttachment(a, za, Dir::Rx),
                );
            }
        }
        if let Some((_, eni)) = plan.endpoint {
            both(Component::EndpointEni(eni), Component::EndpointEni(eni));
        }
        if let Some(n) = plan.nat {
            both(Component::Nat(n), Component::Nat(n));
        }
        if let Some((w, i)) = plan.target {
            both(
                Component::Nic(w, i as u32, Dir::Rx),
                Component::Nic(w, i as u32, Dir::Tx),
            );
        }
        if let Some((s, i)) = plan.target_site {
            both(
                Component::Host(s, i, Dir::Rx),
                Component::Host(s, i, Dir::Tx),
            );
        }
        let cap = self.flow_cap(fabric, client, plan);
        let mut req_path = FlowPath::new(cap);
        let mut resp_path = req_path;
        // Request components first: resources are created in this order.
        for c in &req[..n] {
            req_path.push(self.resource(fabric, alloc, *c));
        }
        for c in &resp[..n] {
            resp_path.push(self.resource(fabric, alloc, *c));
        }
        (req_path, resp_path)
    }

    /// The single-flow limit: the placement-group figure only when both ends
    /// are in cluster placement groups.
    fn flow_cap(&self, fabric: &Fabric, client: Endpoint, plan: &Plan) -> Option<Bandwidth> {
        let pg = |w: WorkloadId| fabric.workloads[w.index()].placement_group;
        let client_pg = matches!(client, Endpoint::Instance(w, _) if pg(w));
        let target_pg = plan.target.is_some_and(|(w, _)| pg(w));
        let both = client_pg && target_pg && plan.endpoint.is_none() && plan.dx.is_none();
        Some(if both {
            self.quotas.placement_group_flow_limit
        } else {
            self.quotas.single_flow_limit
        })
    }
}

/// The client side of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Instance(WorkloadId, u32),
    Host(SiteId, u32),
    None,
}

fn attachment_az(fabric: &Fabric, a: TgwAttachmentId) -> Option<AzId> {
    fabric.tgw_attachments[a.index()]
        .enis
        .first()
        .map(|e| fabric.enis[e.index()].az)
}

/// The AZ of an attachment's ENI in `az` if it has one, else its first AZ
/// (TGW sends traffic from an AZ it is not in to one it is).
fn attachment_in(fabric: &Fabric, a: TgwAttachmentId, az: AzId) -> Option<AzId> {
    let att = &fabric.tgw_attachments[a.index()];
    if matches!(att.target, AttachTo::DirectConnect(_)) {
        return Some(az);
    }
    att.enis
        .iter()
        .map(|e| fabric.enis[e.index()].az)
        .find(|z| *z == az)
        .or_else(|| attachment_az(fabric, a))
}

/// One-way latency of a delivered connection's path: a per-hop cost for each
/// component crossed, plus the same-AZ or cross-AZ figure for each leg
/// inside the region, plus Direct Connect and cross-region figures.
pub fn one_way_latency(fabric: &Fabric, lat: &Latency, plan: &Plan) -> SimDuration {
    let mut total = SimDuration::ZERO;
    let leg = |a: Option<AzId>, b: Option<AzId>| match (a, b) {
        (Some(x), Some(y)) if x != y => {
            if fabric.azs[x.index()].region != fabric.azs[y.index()].region {
                lat.cross_region
            } else {
                lat.cross_az
            }
        }
        _ => lat.same_az,
    };
    let eni_az = plan.endpoint.map(|(_, e)| fabric.enis[e.index()].az);
    let node_az = plan.nlb_node.map(|e| fabric.enis[e.index()].az);
    let mut hops = 1;
    // Saturating sums: latencies may be set up to u64::MAX ns each.
    let add = |a: SimDuration, b: SimDuration| SimDuration(a.0.saturating_add(b.0));
    if plan.dx.is_some() {
        total = add(total, lat.direct_connect);
        hops += 1;
    }
    if plan.tgw.is_some() {
        hops += 1;
    }
    if plan.peering.is_some() {
        hops += 1;
    }
    if plan.nat.is_some() {
        hops += 1;
    }
    match (eni_az, node_az) {
        (Some(e), n) => {
            hops += 2;
            total = add(total, leg(plan.client_az.or(Some(e)), Some(e)));
            total = add(total, leg(Some(e), n));
            total = add(total, leg(n, plan.target_az.or(n)));
        }
        (None, _) => total = add(total, leg(plan.client_az, plan.target_az)),
    }
    add(
        total,
        SimDuration(lat.per_hop.as_nanos().saturating_mul(hops)),
    )
}
