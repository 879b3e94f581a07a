//! Usage meters: what the simulation consumed, by category, payer account,
//! resource and AZ, recorded as it runs.
//!
//! Owns the meter keys ([`MeterKey`]), the dense ids handed out for them
//! ([`MeterId`]) and the usage they accumulate. It records *quantities only*
//! (bytes, provisioned intervals) and knows no prices: `cost::bill` turns
//! meters into dollars. It must not decide routes, pick payers or move bytes:
//! the caller (the simulation) says who pays and how many bytes went where.
//!
//! # Hot path
//! Register each key once, at assembly time, with [`Meters::register`]; it
//! returns a [`MeterId`] (a `u32` index). Recording is then O(1) per call:
//! [`Meters::add_bytes`] adds to a running total, and for the two *tiered*
//! categories ([`Category::is_tiered`]: interface-endpoint data processed and
//! internet egress) also to the current time bucket. Buckets are sparse
//! `(bucket index, bytes)` pairs appended in time order, so memory grows with
//! the number of *active buckets per tiered meter* (at most one per simulated
//! hour by default), never with the number of flows. The only allocation is
//! the amortised growth of that vector when a tiered meter first sees a new
//! hour. Recording out of time order is allowed and stays correct (a binary
//! search), just slower.
//!
//! # Granularity of time order
//! Tiers are priced over a region's monthly total *in time order*: bytes that
//! arrive after a tier boundary was crossed get the next tier's rate. The
//! order is known to the bucket (default one simulated hour, see
//! [`Meters::with_bucket`]); inside one bucket, meters are taken in key order
//! (account, resource, ...), deterministically. Bytes passed to
//! [`Meters::add_bytes`] land in the bucket of the time given. The simulation
//! settles each flow at every billing-hour boundary it is in progress at (see
//! `sim::metering`), so each hour's bytes are recorded in that hour exactly; a
//! caller that only knows a long transfer's total can use
//! [`Meters::add_bytes_between`], which spreads the bytes over the buckets of
//! the interval in proportion to time.
//!
//! # Provisioned time
//! Hour categories (endpoint AZ-hours, TGW attachments, NAT gateways, DX
//! ports) record provisioned *intervals* with [`Meters::add_time`], or with
//! [`Meters::open`] / [`Meters::close`] as resources come and go. Whatever the
//! state of a connection, an endpoint is billed while provisioned. The billing
//! rule (see the `cost::bill` module): overlapping or touching intervals of
//! one meter are merged, then each is billed `ceil(duration / 1 h)` hours. Two
//! separate intervals inside the same clock hour (deleted, then provisioned
//! again 10 minutes later) are therefore billed one hour each, as two
//! partial hours "each billed as a full hour".

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::CostError;
use super::rules::RulesRef;
use crate::units::{SimDuration, SimTime};

/// What a meter measures. Serialized as stable snake_case strings
/// (`"endpoint_hours"`, `"cross_az"`, ...), which outputs and baselines rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Interface endpoint provisioned time, per endpoint per AZ (key needs an AZ).
    EndpointHours,
    /// Bytes processed by an interface endpoint; tiered over the region's month.
    EndpointDataProcessed,
    /// EC2 cross-AZ transfer, one meter per direction (key needs a [`Direction`]).
    CrossAz,
    /// VPC peering inside one AZ: free, recorded so it shows on the bill.
    PeeringSameAz,
    /// VPC peering across AZs, one meter per direction (key needs a [`Direction`]).
    PeeringCrossAz,
    /// VPC peering across regions, charged on data out by the sender.
    PeeringInterRegion,
    /// Bytes through a gateway endpoint (S3, DynamoDB): free, recorded.
    GatewayEndpoint,
    /// Transit Gateway attachment provisioned time.
    TgwAttachmentHours,
    /// Bytes sent into a Transit Gateway, billed to the sending attachment's owner.
    TgwDataProcessed,
    /// NAT gateway provisioned time.
    NatHours,
    /// Bytes processed by a NAT gateway.
    NatDataProcessed,
    /// Direct Connect port time (key needs a port speed, e.g. `"10G"`).
    DxPortHours,
    /// Bytes out of AWS over Direct Connect.
    DxDataOut,
    /// Bytes out to the internet; tiered over the region's month.
    InternetOut,
    /// Bytes out to another region (other than peering).
    InterRegionOut,
    /// Network Load Balancer provisioned time, billed to its owner.
    NlbHours,
    /// NLB capacity units: per hour, the largest of new connections per
    /// second, active connections and GB processed, each over what one NLCU
    /// holds (the pricebook's `nlcu`).
    NlbCapacityUnits,
}

impl Category {
    /// Every category, in their stable order.
    pub const ALL: [Category; 17] = [
        Category::EndpointHours,
        Category::EndpointDataProcessed,
        Category::CrossAz,
        Category::PeeringSameAz,
        Category::PeeringCrossAz,
        Category::PeeringInterRegion,
        Category::GatewayEndpoint,
        Category::TgwAttachmentHours,
        Category::TgwDataProcessed,
        Category::NatHours,
        Category::NatDataProcessed,
        Category::DxPortHours,
        Category::DxDataOut,
        Category::InternetOut,
        Category::InterRegionOut,
        Category::NlbHours,
        Category::NlbCapacityUnits,
    ];

    /// The stable snake_case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::EndpointHours => "endpoint_hours",
            Category::EndpointDataProcessed => "endpoint_data_processed",
            Category::CrossAz => "cross_az",
            Category::PeeringSameAz => "peering_same_az",
            Category::PeeringCrossAz => "peering_cross_az",
            Category::PeeringInterRegion => "peering_inter_region",
            Category::GatewayEndpoint => "gateway_endpoint",
            Category::TgwAttachmentHours => "tgw_attachment_hours",
            Category::TgwDataProcessed => "tgw_data_processed",
            Category::NatHours => "nat_hours",
            Category::NatDataProcessed => "nat_data_processed",
            Category::DxPortHours => "dx_port_hours",
            Category::DxDataOut => "dx_data_out",
            Category::InternetOut => "internet_out",
            Category::InterRegionOut => "inter_region_out",
            Category::NlbHours => "nlb_hours",
            Category::NlbCapacityUnits => "nlb_capacity_units",
        }
    }

    /// True for provisioned-time categories (billed in hours), false for bytes.
    pub fn is_hours(self) -> bool {
        matches!(
            self,
            Category::EndpointHours
                | Category::TgwAttachmentHours
                | Category::NatHours
                | Category::DxPortHours
                | Category::NlbHours
        )
    }

    /// True for the NLB capacity-unit category, whose meters keep per-hour
    /// connection counts, connection time and bytes.
    pub fn is_capacity(self) -> bool {
        self == Category::NlbCapacityUnits
    }

    /// True for byte categories priced by volume tiers over the month, which
    /// therefore keep their bytes per time bucket.
    pub fn is_tiered(self) -> bool {
        matches!(
            self,
            Category::EndpointDataProcessed | Category::InternetOut
        )
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Direction of a per-direction transfer charge, seen from the payer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Bytes received by the payer's side.
    In,
    /// Bytes sent by the payer's side.
    Out,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::In => "in",
            Direction::Out => "out",
        })
    }
}

/// The extra part of a key some categories need to be priced.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// In or out, for [`Category::CrossAz`] and [`Category::PeeringCrossAz`]
    /// (and [`Category::PeeringSameAz`] where a rule set charges it).
    Direction(Direction),
    /// A Direct Connect port speed as named in the pricebook's `dx_port_hour`
    /// table (`"1G"`, `"10G"`, `"hosted-500M"`...), for [`Category::DxPortHours`].
    PortSpeed(String),
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Detail::Direction(d) => d.fmt(f),
            Detail::PortSpeed(s) => f.write_str(s),
        }
    }
}

/// What one meter measures: a category, who pays, for which resource, where.
///
/// Keys order by category, then account, resource, AZ, detail and region;
/// that order decides which meter comes first inside one time bucket.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MeterKey {
    pub category: Category,
    /// The paying account (the caller resolves payer rules, e.g. a service
    /// whose payer responsibility is the service owner).
    pub account: String,
    /// The resource the usage belongs to (endpoint, NAT gateway, attachment...).
    pub resource: String,
    /// The AZ (AZ ID such as `use1-az1`), where the category is per AZ.
    pub az: Option<String>,
    /// Direction or port speed, where the category needs one.
    pub detail: Option<Detail>,
    /// The region whose rates apply, when not the bill's region; for
    /// cross-region transfer this is the *source* region.
    pub region: Option<String>,
}

impl MeterKey {
    /// A key with no AZ, detail or region override.
    pub fn new(
        category: Category,
        account: impl Into<String>,
        resource: impl Into<String>,
    ) -> Self {
        MeterKey {
            category,
            account: account.into(),
            resource: resource.into(),
            az: None,
            detail: None,
            region: None,
        }
    }

    /// Sets the AZ.
    pub fn in_az(mut self, az: impl Into<String>) -> Self {
        self.az = Some(az.into());
        self
    }

    /// Sets the direction (cross-AZ, cross-AZ peering).
    pub fn direction(mut self, direction: Direction) -> Self {
        self.detail = Some(Detail::Direction(direction));
        self
    }

    /// Sets the Direct Connect port speed (`"1G"`, `"10G"`, `"hosted-500M"`...).
    pub fn port_speed(mut self, speed: impl Into<String>) -> Self {
        self.detail = Some(Detail::PortSpeed(speed.into()));
        self
    }

    /// Prices this meter with another region's rates (the source region of
    /// cross-region transfer, or a resource in another region).
    pub fn in_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    fn check(&self) -> Result<(), CostError> {
        let bad = |problem: &str, hint: &str| CostError::BadMeterKey {
            key: self.to_string(),
            problem: problem.to_string(),
            hint: hint.to_string(),
        };
        if self.account.trim().is_empty() {
            return Err(bad(
                "the paying account is empty",
                "name the account that pays for this usage",
            ));
        }
        if self.resource.trim().is_empty() {
            return Err(bad(
                "the resource name is empty",
                "name the resource the usage belongs to",
            ));
        }
        if self.category == Category::EndpointHours && self.az.is_none() {
            return Err(bad(
                "endpoint hours are billed per AZ but the key has no AZ",
                "register one meter per endpoint per AZ with .in_az(..)",
            ));
        }
        match (self.category, &self.detail) {
            (Category::CrossAz | Category::PeeringCrossAz, Some(Detail::Direction(_))) => Ok(()),
            (Category::CrossAz | Category::PeeringCrossAz, _) => Err(bad(
                "this transfer is charged per direction but the key has no direction",
                "register one meter for `out` (sender pays) and one for `in` (receiver pays) with .direction(..)",
            )),
            (Category::PeeringSameAz, Some(Detail::Direction(_))) => Ok(()),
            (Category::DxPortHours, Some(Detail::PortSpeed(s))) if !s.trim().is_empty() => Ok(()),
            (Category::DxPortHours, _) => Err(bad(
                "Direct Connect port hours are priced by port speed but the key has none",
                "set .port_speed(\"10G\") (a key of the pricebook's dx_port_hour table)",
            )),
            (_, None) => Ok(()),
            (_, Some(_)) => Err(bad(
                "this category takes no direction or port speed",
                "remove the detail, or use the category it belongs to",
            )),
        }
    }
}

impl fmt::Display for MeterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{} {:?}", self.category, self.account, self.resource)?;
        if let Some(az) = &self.az {
            write!(f, " az={az}")?;
        }
        if let Some(d) = &self.detail {
            write!(f, " {d}")?;
        }
        if let Some(r) = &self.region {
            write!(f, " region={r}")?;
        }
        f.write_str("]")
    }
}

/// Dense handle of a registered meter: an index into [`Meters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MeterId(u32);

impl MeterId {
    /// The index, for callers that keep parallel per-meter arrays.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The usage one meter holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Usage {
    /// Bytes where only the total matters.
    Bytes { total: u128 },
    /// Bytes of a tiered category: the total and sparse per-bucket sums,
    /// sorted by bucket index.
    Bucketed {
        total: u128,
        buckets: Vec<(u64, u128)>,
    },
    /// Provisioned intervals `[from, to)` in ns, and the start of an interval
    /// opened with [`Meters::open`] and not closed yet.
    Time {
        intervals: Vec<(u64, u64)>,
        open: Option<u64>,
    },
    /// NLB capacity: sparse per-hour sums sorted by hour index (always
    /// clock hours, whatever the meters' bucket: AWS bills NLCUs hourly).
    Capacity { hours: Vec<(u64, CapacityHour)> },
}

/// What one NLB did in one clock hour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CapacityHour {
    /// Connections opened in the hour.
    pub new_connections: u64,
    /// Connection-time in the hour: the sum over connections of the
    /// nanoseconds each was open (the time average of concurrent
    /// connections is this over 3600 s).
    pub active_ns: u128,
    /// Bytes processed in the hour, both directions.
    pub bytes: u128,
}

const HOUR_NS: u64 = 3_600_000_000_000;

/// All meters of a run. See the module docs for the recording contract.
#[derive(Debug, Clone)]
pub struct Meters {
    bucket_ns: u64,
    keys: Vec<MeterKey>,
    index: BTreeMap<MeterKey, MeterId>,
    usage: Vec<Usage>,
    /// The latest time any usage was recorded at (ns); bounds projection.
    max_time: u64,
    /// The rule set the usage was attributed under.
    rules: Option<RulesRef>,
}

impl Default for Meters {
    fn default() -> Self {
        Meters::new()
    }
}

impl Meters {
    /// The default time-order granularity for tiered categories: one simulated hour.
    pub const DEFAULT_BUCKET: SimDuration = SimDuration::from_hours(1);

    /// Empty meters with one-hour buckets.
    pub fn new() -> Self {
        Meters {
            bucket_ns: Self::DEFAULT_BUCKET.as_nanos(),
            keys: Vec::new(),
            index: BTreeMap::new(),
            usage: Vec::new(),
            max_time: 0,
            rules: None,
        }
    }

    /// Empty meters whose tiered categories keep time order at `bucket`
    /// granularity (finer = more exact tier crossings, more memory).
    pub fn with_bucket(bucket: SimDuration) -> Result<Self, CostError> {
        if bucket.as_nanos() == 0 {
            return Err(CostError::Unbillable {
                problem: "the meter bucket is zero".into(),
                hint: "use a positive bucket such as 1h".into(),
            });
        }
        Ok(Meters {
            bucket_ns: bucket.as_nanos(),
            ..Meters::new()
        })
    }

    /// The time-order granularity of tiered categories.
    pub fn bucket(&self) -> SimDuration {
        SimDuration::from_nanos(self.bucket_ns)
    }

    /// Registers `key` and returns its id; registering an equal key again
    /// returns the same id. Fails if the key lacks what its category needs
    /// (an AZ for endpoint hours, a direction, a port speed).
    pub fn register(&mut self, key: MeterKey) -> Result<MeterId, CostError> {
        if let Some(id) = self.index.get(&key) {
            return Ok(*id);
        }
        key.check()?;
        let id =
            u32::try_from(self.keys.len())
                .map(MeterId)
                .map_err(|_| CostError::BadMeterKey {
                    key: key.to_string(),
                    problem: "more than 2^32 meters".into(),
                    hint: "aggregate usage into fewer meters".into(),
                })?;
        let usage = if key.category.is_capacity() {
            Usage::Capacity { hours: Vec::new() }
        } else if key.category.is_hours() {
            Usage::Time {
                intervals: Vec::new(),
                open: None,
            }
        } else if key.category.is_tiered() {
            Usage::Bucketed {
                total: 0,
                buckets: Vec::new(),
            }
        } else {
            Usage::Bytes { total: 0 }
        };
        self.keys.push(key.clone());
        self.index.insert(key, id);
        self.usage.push(usage);
        Ok(id)
    }

    /// The id of an already registered key.
    pub fn id(&self, key: &MeterKey) -> Option<MeterId> {
        self.index.get(key).copied()
    }

    /// The key of a meter.
    pub fn key(&self, id: MeterId) -> &MeterKey {
        &self.keys[id.index()]
    }

    /// Number of registered meters.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no meter is registered.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// All meters, in id (registration) order.
    pub fn iter(&self) -> impl Iterator<Item = (MeterId, &MeterKey)> {
        self.keys
            .iter()
            .enumerate()
            .map(|(i, k)| (MeterId(i as u32), k))
    }

    /// The latest time usage was recorded at.
    pub fn last_time(&self) -> SimTime {
        SimTime::from_nanos(self.max_time)
    }

    /// Records `bytes` at time `at`. O(1), allocation-free except when a tiered
    /// meter enters a new bucket.
    ///
    /// # Panics
    /// If `id` is an hours meter: recording bytes on it is a bug in the caller.
    #[inline]
    pub fn add_bytes(&mut self, id: MeterId, at: SimTime, bytes: u64) {
        self.add_bytes_to_all(&[id], at, bytes);
    }

    /// Records `bytes` at time `at` on each meter of `ids` (one time-bucket
    /// computation for all of them).
    ///
    /// # Panics
    /// If an id is an hours meter.
    pub fn add_bytes_to_all(&mut self, ids: &[MeterId], at: SimTime, bytes: u64) {
        if bytes == 0 || ids.is_empty() {
            return;
        }
        self.max_time = self.max_time.max(at.as_nanos());
        let bucket = at.as_nanos() / self.bucket_ns;
        for id in ids {
            match &mut self.usage[id.index()] {
                Usage::Bytes { total } => *total += u128::from(bytes),
                Usage::Bucketed { total, buckets } => {
                    *total += u128::from(bytes);
                    add_to_bucket(buckets, bucket, u128::from(bytes));
                }
                Usage::Capacity { hours } => {
                    capacity_hour(hours, at.as_nanos() / HOUR_NS).bytes += u128::from(bytes);
                }
                Usage::Time { .. } => panic!(
                    "invariant: add_bytes on hours meter {} — a bug in the caller (record time with add_time)",
                    self.keys[id.index()]
                ),
            }
        }
    }

    /// Records `bytes` moved evenly over `[from, to)`: for a tiered meter they
    /// are split over the buckets of the interval in proportion to the time in
    /// each (integer split, the parts add up to `bytes` exactly). Costs one
    /// step per bucket crossed. If `to <= from` this is `add_bytes(id, from, bytes)`.
    ///
    /// # Panics
    /// If `id` is an hours meter.
    pub fn add_bytes_between(&mut self, id: MeterId, from: SimTime, to: SimTime, bytes: u64) {
        let (f, t) = (from.as_nanos(), to.as_nanos());
        let width = match self.usage[id.index()] {
            Usage::Bucketed { .. } => self.bucket_ns,
            Usage::Capacity { .. } => HOUR_NS,
            _ => u64::MAX,
        };
        if t <= f || f / width == (t - 1) / width {
            // One bucket (or untimed): the time within it does not matter.
            self.add_bytes(id, from, bytes);
            self.max_time = self.max_time.max(t);
            return;
        }
        let span = u128::from(t - f);
        let total = u128::from(bytes);
        // Bytes moved by time x: floor(total × (x − f) / span); each bucket gets
        // the difference between its end and its start, so parts sum exactly.
        let moved_by = |x: u64| total * u128::from(x - f) / span;
        let mut start = f;
        while start < t {
            let end = ((start / width) + 1).saturating_mul(width).min(t);
            let part = moved_by(end) - moved_by(start);
            // part ≤ bytes, so it fits a u64.
            self.add_bytes(id, SimTime::from_nanos(start), part as u64);
            start = end;
        }
        self.max_time = self.max_time.max(t);
    }

    /// Records a connection opened at `at` through the NLB of capacity
    /// meter `id`.
    ///
    /// # Panics
    /// If `id` is not an NLB capacity meter.
    pub fn add_connection(&mut self, id: MeterId, at: SimTime) {
        self.max_time = self.max_time.max(at.as_nanos());
        let hours = self.capacity_hours(id);
        capacity_hour(hours, at.as_nanos() / HOUR_NS).new_connections += 1;
    }

    /// Records that `count` connections through the NLB of capacity meter
    /// `id` were open over `[from, to)`, split over the clock hours crossed.
    ///
    /// # Panics
    /// If `id` is not an NLB capacity meter, or `to < from`.
    pub fn add_connection_time(&mut self, id: MeterId, from: SimTime, to: SimTime, count: u64) {
        let (f, t) = (from.as_nanos(), to.as_nanos());
        assert!(t >= f, "invariant: connection time ends before it starts");
        self.max_time = self.max_time.max(t);
        let hours = self.capacity_hours(id);
        let mut start = f;
        while start < t {
            let hour = start / HOUR_NS;
            let end = (hour + 1).saturating_mul(HOUR_NS).min(t);
            capacity_hour(hours, hour).active_ns += u128::from(end - start) * u128::from(count);
            start = end;
        }
    }

    fn capacity_hours(&mut self, id: MeterId) -> &mut Vec<(u64, CapacityHour)> {
        match &mut self.usage[id.index()] {
            Usage::Capacity { hours } => hours,
            _ => panic!(
                "invariant: connection record on meter {}, which is not an NLB capacity meter",
                self.keys[id.index()]
            ),
        }
    }

    /// Per-hour NLB activity of a capacity meter (empty for other meters).
    pub fn capacity(&self, id: MeterId) -> &[(u64, CapacityHour)] {
        match &self.usage[id.index()] {
            Usage::Capacity { hours } => hours,
            _ => &[],
        }
    }

    /// Records which rule set attributed the usage (reported by the bill).
    pub fn set_rules(&mut self, rules: RulesRef) {
        self.rules = Some(rules);
    }

    /// The rule set that attributed the usage, if one was recorded.
    pub fn rules(&self) -> Option<&RulesRef> {
        self.rules.as_ref()
    }

    /// Records that the resource of meter `id` was provisioned over
    /// `[from, to)`. A zero-length interval records nothing.
    ///
    /// # Panics
    /// If `id` is a bytes meter, or `to < from` (time never runs backwards).
    pub fn add_time(&mut self, id: MeterId, from: SimTime, to: SimTime) {
        assert!(
            to >= from,
            "invariant: add_time interval ends ({to}) before it starts ({from}) on {}",
            self.keys[id.index()]
        );
        self.max_time = self.max_time.max(to.as_nanos());
        let key = &self.keys[id.index()];
        match &mut self.usage[id.index()] {
            Usage::Time { intervals, .. } => {
                if to > from {
                    intervals.push((from.as_nanos(), to.as_nanos()));
                }
            }
            _ => panic!(
                "invariant: add_time on bytes meter {key} — a bug in the caller \
                 (record bytes with add_bytes)"
            ),
        }
    }

    /// Starts a provisioned interval at `at` (e.g. the endpoint is created).
    /// Opening an already open meter keeps the earlier start.
    ///
    /// # Panics
    /// If `id` is a bytes meter.
    pub fn open(&mut self, id: MeterId, at: SimTime) {
        self.max_time = self.max_time.max(at.as_nanos());
        let key = &self.keys[id.index()];
        match &mut self.usage[id.index()] {
            Usage::Time { open, .. } => {
                open.get_or_insert(at.as_nanos());
            }
            _ => panic!("invariant: open on bytes meter {key} — a bug in the caller"),
        }
    }

    /// Ends the interval opened with [`Meters::open`] at `at` (e.g. the
    /// endpoint is deleted). Closing a meter that is not open does nothing.
    ///
    /// # Panics
    /// If `id` is a bytes meter, or `at` is before the interval's start.
    pub fn close(&mut self, id: MeterId, at: SimTime) {
        let start = match &mut self.usage[id.index()] {
            Usage::Time { open, .. } => open.take(),
            _ => panic!(
                "invariant: close on bytes meter {} — a bug in the caller",
                self.keys[id.index()]
            ),
        };
        if let Some(start) = start {
            self.add_time(id, SimTime::from_nanos(start), at);
        }
    }

    /// Closes every open interval at `at` (the end of the run).
    pub fn close_all(&mut self, at: SimTime) {
        for i in 0..self.usage.len() {
            if matches!(self.usage[i], Usage::Time { open: Some(_), .. }) {
                self.close(MeterId(i as u32), at);
            }
        }
    }

    /// Total bytes recorded on a bytes meter (0 for an hours meter).
    pub fn total_bytes(&self, id: MeterId) -> u128 {
        match &self.usage[id.index()] {
            Usage::Bytes { total } | Usage::Bucketed { total, .. } => *total,
            Usage::Capacity { hours } => hours.iter().map(|(_, h)| h.bytes).sum(),
            Usage::Time { .. } => 0,
        }
    }

    /// Closed provisioned intervals of an hours meter, as recorded (empty for
    /// a bytes meter).
    pub fn intervals(&self, id: MeterId) -> Vec<(SimTime, SimTime)> {
        match &self.usage[id.index()] {
            Usage::Time { intervals, .. } => intervals
                .iter()
                .map(|&(a, b)| (SimTime::from_nanos(a), SimTime::from_nanos(b)))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn usage(&self, id: MeterId) -> &Usage {
        &self.usage[id.index()]
    }

    pub(crate) fn bucket_ns(&self) -> u64 {
        self.bucket_ns
    }
}

/// Adds `bytes` to `bucket` in a bucket list sorted by index. In time order
/// (the normal case) this touches only the last element.
#[inline]
fn add_to_bucket(buckets: &mut Vec<(u64, u128)>, bucket: u64, bytes: u128) {
    match buckets.last_mut() {
        Some((b, sum)) if *b == bucket => *sum += bytes,
        Some((b, _)) if *b > bucket => match buckets.binary_search_by_key(&bucket, |&(b, _)| b) {
            Ok(i) => buckets[i].1 += bytes,
            Err(i) => buckets.insert(i, (bucket, bytes)),
        },
        _ => buckets.push((bucket, bytes)),
    }
}

/// The entry of `hour` in a capacity meter's sorted hour list (created empty).
fn capacity_hour(hours: &mut Vec<(u64, CapacityHour)>, hour: u64) -> &mut CapacityHour {
    let i = match hours.last() {
        Some((h, _)) if *h == hour => hours.len() - 1,
        Some((h, _)) if *h > hour => match hours.binary_search_by_key(&hour, |&(h, _)| h) {
            Ok(i) => i,
            Err(i) => {
                hours.insert(i, (hour, CapacityHour::default()));
                i
            }
        },
        _ => {
            hours.push((hour, CapacityHour::default()));
            hours.len() - 1
        }
    };
    &mut hours[i].1
}

/// Merges overlapping or touching intervals and returns them sorted; one
/// resource cannot be provisioned twice at once, so overlap is one interval.
pub(crate) fn merged_intervals(intervals: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut v = intervals.to_vec();
    v.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some((_, end)) if a <= *end => *end = (*end).max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 3_600_000_000_000;

    fn t(ns: u64) -> SimTime {
        SimTime::from_nanos(ns)
    }

    #[test]
    fn registering_twice_gives_the_same_dense_id() {
        // Ids are dense indexes in registration order, and a key maps to one id:
        // two ids for one key would split (and double-tier) its usage.
        let mut m = Meters::new();
        let a = m
            .register(MeterKey::new(Category::NatDataProcessed, "acme", "nat-a"))
            .unwrap();
        let b = m
            .register(MeterKey::new(Category::NatDataProcessed, "acme", "nat-b"))
            .unwrap();
        let a2 = m
            .register(MeterKey::new(Category::NatDataProcessed, "acme", "nat-a"))
            .unwrap();
        assert_eq!((a.index(), b.index(), a2), (0, 1, a));
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn keys_missing_what_their_category_needs_are_rejected() {
        let mut m = Meters::new();
        // Cross-AZ is charged per direction: without one the bill could not tell
        // sender from receiver.
        let e = m
            .register(MeterKey::new(Category::CrossAz, "acme", "web->vpce"))
            .unwrap_err();
        assert!(e.to_string().contains("direction"), "{e}");
        let e = m
            .register(MeterKey::new(Category::EndpointHours, "acme", "vpce-1"))
            .unwrap_err();
        assert!(e.to_string().contains("per AZ"), "{e}");
        let e = m
            .register(MeterKey::new(Category::DxPortHours, "acme", "dx-1"))
            .unwrap_err();
        assert!(e.to_string().contains("port speed"), "{e}");
        let e = m
            .register(MeterKey::new(Category::NatHours, "acme", "nat").direction(Direction::In))
            .unwrap_err();
        assert!(e.to_string().contains("takes no direction"), "{e}");
        let e = m
            .register(MeterKey::new(Category::NatHours, "", "nat"))
            .unwrap_err();
        assert!(e.to_string().contains("account is empty"), "{e}");
    }

    #[test]
    fn tiered_meters_keep_sparse_hourly_buckets() {
        // 1000 records in hour 0 and 1000 in hour 5 must make exactly two
        // buckets: memory follows active hours, not records.
        let mut m = Meters::new();
        let id = m
            .register(MeterKey::new(
                Category::EndpointDataProcessed,
                "acme",
                "vpce-1",
            ))
            .unwrap();
        for i in 0..1000 {
            m.add_bytes(id, t(i * 1_000_000), 10);
            m.add_bytes(id, t(5 * H + i), 20);
        }
        // A late record for hour 2 goes between them (out of order is allowed).
        m.add_bytes(id, t(2 * H), 7);
        match m.usage(id) {
            Usage::Bucketed { total, buckets } => {
                assert_eq!(*total, 1000 * 10 + 1000 * 20 + 7);
                assert_eq!(buckets, &vec![(0, 10_000), (2, 7), (5, 20_000)]);
            }
            other => panic!("expected buckets, got {other:?}"),
        }
    }

    #[test]
    fn untiered_meters_keep_only_a_total() {
        let mut m = Meters::new();
        let id = m
            .register(MeterKey::new(Category::NatDataProcessed, "acme", "nat"))
            .unwrap();
        m.add_bytes(id, t(0), 5);
        m.add_bytes(id, t(100 * H), 6);
        assert_eq!(m.usage(id), &Usage::Bytes { total: 11 });
        assert_eq!(m.last_time(), t(100 * H));
    }

    #[test]
    fn bytes_between_split_by_time_and_sum_exactly() {
        // 1000 bytes over [0.5h, 2.5h): a quarter of the span in hour 0, half in
        // hour 1, a quarter in hour 2 → 250 / 500 / 250, summing to 1000.
        let mut m = Meters::new();
        let id = m
            .register(MeterKey::new(Category::InternetOut, "acme", "nat"))
            .unwrap();
        m.add_bytes_between(id, t(H / 2), t(5 * H / 2), 1000);
        match m.usage(id) {
            Usage::Bucketed { total, buckets } => {
                assert_eq!(*total, 1000);
                assert_eq!(buckets, &vec![(0, 250), (1, 500), (2, 250)]);
            }
            other => panic!("{other:?}"),
        }
        // A prime count that does not divide evenly still sums exactly.
        m.add_bytes_between(id, t(0), t(3 * H), 7);
        assert_eq!(m.total_bytes(id), 1007);
    }

    #[test]
    fn open_close_and_close_all_record_intervals() {
        let mut m = Meters::new();
        let a = m
            .register(MeterKey::new(Category::EndpointHours, "acme", "vpce-1").in_az("use1-az1"))
            .unwrap();
        let b = m
            .register(MeterKey::new(Category::NatHours, "acme", "nat"))
            .unwrap();
        m.open(a, t(10));
        m.open(a, t(20)); // already open: keeps 10
        m.close(a, t(30));
        m.close(a, t(40)); // not open: nothing
        m.open(b, t(5));
        m.close_all(t(50));
        assert_eq!(m.intervals(a), vec![(t(10), t(30))]);
        assert_eq!(m.intervals(b), vec![(t(5), t(50))]);
    }

    #[test]
    fn overlapping_and_touching_intervals_merge() {
        // [0,10) and [10,20) touch: one interval [0,20). [30,40) inside [25,50)
        // overlaps: [25,50). [60,70) stays apart.
        let v = merged_intervals(&[(30, 40), (0, 10), (60, 70), (10, 20), (25, 50)]);
        assert_eq!(v, vec![(0, 20), (25, 50), (60, 70)]);
    }

    #[test]
    #[should_panic(expected = "add_bytes on hours meter")]
    fn bytes_on_an_hours_meter_is_a_bug() {
        let mut m = Meters::new();
        let id = m
            .register(MeterKey::new(Category::NatHours, "acme", "nat"))
            .unwrap();
        m.add_bytes(id, t(0), 1);
    }

    #[test]
    fn categories_serialize_as_stable_snake_case() {
        // Outputs and CI baselines key on these strings.
        for c in Category::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
        assert_eq!(Category::ALL.len(), 17);
    }
}
