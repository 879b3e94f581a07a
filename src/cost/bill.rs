//! The bill: meters priced with a pricebook, line by line, in exact decimals.
//!
//! Owns the billing rules: hour rounding, volume tiers in time order, monthly
//! projection, attribution to accounts, rounding and the order of lines. It
//! reads [`Meters`] and a [`Pricebook`] and changes neither; it must not
//! decide routes or move bytes (who pays for what is already in the meter keys).
//!
//! # Rules
//! * **Hours.** Each provisioned interval of a meter (after merging overlapping
//!   or touching ones) is billed `ceil(duration / 1 h)` hours: "each partial
//!   hour is billed as a full hour". A 90-minute interval is 2 hours wherever it
//!   falls on the clock. Two intervals in one clock hour are two partial hours,
//!   billed 1 hour each. A zero-length interval is not billed.
//! * **Bytes.** GB = bytes / `pricebook.gb_bytes` (2^30 in the builtin books).
//! * **Tiers** (interface-endpoint data processed, internet egress) apply to a
//!   running monthly total per *(region, category, paying account)*, or per
//!   *(region, category)* across accounts with
//!   [`BillOptions::consolidated_billing`]. Bytes are taken in time order (the
//!   meters' bucket, one hour by default; meters in key order within a
//!   bucket), so a run that crosses a tier bound gives the later bytes the next
//!   tier's rate. The total restarts every 730 hours of simulated time (a
//!   billing month). A meter gets one line per tier it reached.
//! * **Projection** ([`BillOptions::project_month`] = the simulated window
//!   `W`): every duration and byte count is scaled by `730 h / W` *before*
//!   tiers and hour rounding, and all usage falls in one month. A resource
//!   provisioned for the whole window therefore bills exactly 730 h; one
//!   provisioned 90 min of a 73 h window bills 15 h. Projected bytes are
//!   rounded to the nearest byte per meter per bucket. The bill records the
//!   window and the factor.
//!
//! # Rounding: lines add up to the total exactly
//! A GB is 2^30 bytes, so an exact charge such as `bytes × $0.01 / 2^30` can
//! need ~30 decimal places, beyond what a `Decimal` holds. Each line's amount
//! is therefore rounded **once, to 10 decimal places (1e-10 dollar), half to
//! even**, from exact integer arithmetic; the bill's total, `by_category` and
//! `by_account` are *defined* as sums of those line amounts, so they add up to
//! the last digit. Round further only for display (e.g. to cents in reports).
//! Inside a tier group the amounts are differences of the rounded cumulative
//! charge (`round(C(end)) − round(C(start))`), so a group's lines sum to its
//! exactly rounded charge and never go negative; such a line's amount can
//! differ from `usage × rate` in the 10th decimal place.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use super::error::CostError;
use super::meters::CapacityHour;
use super::meters::{merged_intervals, Category, Detail, MeterId, MeterKey, Meters, Usage};
use super::pricebook::{NlcuDefinition, Pricebook, PricebookRef, Pricing, TieredRate};
use super::rules::RulesRef;
use crate::units::{SimDuration, Usd};

/// The month that projection scales to and that tier totals restart after.
pub const MONTH: SimDuration = SimDuration::from_hours(730);

/// Decimal places of every line amount (see the module docs on rounding).
pub const AMOUNT_DECIMALS: u32 = 10;

const NS_PER_HOUR: u128 = 3_600_000_000_000;

const CLOSE_HINT: &str =
    "close it (Meters::close, or Meters::close_all at the end of the run) before billing";

/// How to bill.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillOptions {
    /// The simulated window to scale to a 730-hour month, if any.
    pub project_month: Option<SimDuration>,
    /// Pool tier totals across accounts (an AWS Organization with consolidated
    /// billing) instead of per paying account.
    pub consolidated_billing: bool,
}

/// The unit of a line's usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Unit {
    #[serde(rename = "GB")]
    Gb,
    #[serde(rename = "hours")]
    Hours,
    /// NLB capacity units × hours.
    #[serde(rename = "NLCU-hours")]
    NlcuHours,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Gb => "GB",
            Unit::Hours => "hours",
            Unit::NlcuHours => "NLCU-hours",
        }
    }
}

/// One priced usage: who pays what for which resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineItem {
    pub account: String,
    pub category: Category,
    pub resource: String,
    pub az: Option<String>,
    /// Direction (`"in"`/`"out"`) or Direct Connect port speed, if any.
    pub detail: Option<String>,
    /// The region whose rate applied.
    pub region: String,
    /// GB (rounded to 10 places for display; amounts use exact bytes) or hours.
    pub usage: Decimal,
    pub unit: Unit,
    #[serde(serialize_with = "exact_usd")]
    pub rate: Usd,
    /// The amount, exact to 10 decimal places.
    #[serde(serialize_with = "exact_usd")]
    pub usd: Usd,
    /// For tiered categories, the tier (`"0-1048576 GB"`, `"over 5242880 GB"`).
    pub tier: Option<String>,
    /// AWS's Cost and Usage Report usage type of the line
    /// (`USE1-VpcEndpoint-Hours`), empty where vpcsim does not know it.
    pub usage_type: String,
}

/// How a bill was projected to a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Projection {
    /// The simulated window.
    pub window: SimDuration,
    /// The month it was scaled to (730 h).
    pub month: SimDuration,
    /// `month / window`, rounded to 10 places for display (the arithmetic uses
    /// the exact ratio).
    pub factor: Decimal,
}

/// A priced bill. `total`, `by_category` and `by_account` are sums of `lines`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bill {
    /// The home region billed.
    pub region: String,
    /// Sorted by account, category, resource, AZ, detail, region, tier order.
    pub lines: Vec<LineItem>,
    #[serde(serialize_with = "exact_usd")]
    pub total: Usd,
    #[serde(serialize_with = "exact_usd_map")]
    pub by_category: BTreeMap<Category, Usd>,
    #[serde(serialize_with = "exact_usd_map")]
    pub by_account: BTreeMap<String, Usd>,
    pub pricebook: PricebookRef,
    /// The rule set the usage was attributed under, when the meters say.
    pub rules: Option<RulesRef>,
    pub projection: Option<Projection>,
    pub consolidated_billing: bool,
    /// Decimal places of the amounts (10).
    pub amount_decimals: u32,
}

/// Prices `meters` with `pricebook` for home region `region`.
///
/// Meters whose key names another region are priced with that region's
/// rates, which must be in the same pricebook.
pub fn bill(
    meters: &Meters,
    pricebook: &Pricebook,
    region: &str,
    options: &BillOptions,
) -> Result<Bill, CostError> {
    bill_with_families(meters, pricebook, region, options, &BTreeMap::new())
}

/// [`bill`], with the billing families consolidated billing pools tiers in:
/// `families` maps an account to its family (an organization's name); with
/// [`BillOptions::consolidated_billing`], accounts of one family share tier
/// totals, an account in no family pools alone, and an empty map pools every
/// account together (one organization).
pub fn bill_with_families(
    meters: &Meters,
    pricebook: &Pricebook,
    region: &str,
    options: &BillOptions,
    families: &BTreeMap<String, String>,
) -> Result<Bill, CostError> {
    pricebook.validate(&format!("pricebook {:?}", pricebook.name))?;
    pricebook.region(region)?;
    let scale = Scale::new(options.project_month, meters)?;
    let gb = u128::from(pricebook.gb_bytes);

    // Meters in key order: the order of lines and of meters inside a bucket.
    let mut order: Vec<MeterId> = meters.iter().map(|(id, _)| id).collect();
    order.sort_by(|a, b| meters.key(*a).cmp(meters.key(*b)));

    let mut drafts: Vec<Draft> = Vec::new();
    let mut groups: BTreeMap<GroupKey, Vec<Entry>> = BTreeMap::new();

    for (rank, &id) in order.iter().enumerate() {
        let key = meters.key(id);
        let meter_region = key.region.as_deref().unwrap_or(region);
        let rates = pricebook.region(meter_region)?;
        let pricing = rates
            .pricing(key.category, key.detail.as_ref())
            .ok_or_else(|| missing_rate(pricebook, meter_region, key, rates.dx_port_hour.keys()))?;
        match (meters.usage(id), pricing) {
            (Usage::Time { open: Some(_), .. }, _) => {
                return Err(CostError::Unbillable {
                    problem: format!("meter {key} still has an open provisioned interval"),
                    hint: CLOSE_HINT.into(),
                })
            }
            (Usage::Time { intervals, .. }, Pricing::Flat(rate)) => {
                let mut hours: u128 = 0;
                for (a, b) in merged_intervals(intervals) {
                    hours += scale.hours(b - a)?;
                }
                if hours > 0 {
                    let units = amount_units(hours, rate.usd.amount(), 1, key)?;
                    let usage = usage_hours(hours, key)?;
                    let draft =
                        Draft::new(key, meter_region, usage, Unit::Hours, rate.usd, units, None)?;
                    drafts.push(draft);
                }
            }
            (Usage::Capacity { hours }, Pricing::Flat(rate)) => {
                let nlcu_e12 = nlcu_hours_e12(hours, &rates.nlcu, pricebook.gb_bytes, key)?;
                let nlcu_e12 = scale.exact(nlcu_e12, key)?;
                if nlcu_e12 > 0 {
                    let units = amount_units(nlcu_e12, rate.usd.amount(), NLCU_E12, key)?;
                    // 1e-12 units → 10 places for display.
                    let usage =
                        units_to_decimal(div_round_half_even(nlcu_e12, 100), AMOUNT_DECIMALS, key)?;
                    let unit = Unit::NlcuHours;
                    drafts.push(Draft::new(
                        key,
                        meter_region,
                        usage,
                        unit,
                        rate.usd,
                        units,
                        None,
                    )?);
                }
            }
            (Usage::Bytes { total }, Pricing::Flat(rate))
            | (Usage::Bucketed { total, .. }, Pricing::Flat(rate)) => {
                let bytes = scale.bytes(*total, key)?;
                if bytes > 0 {
                    let units = amount_units(bytes, rate.usd.amount(), gb, key)?;
                    let usage = usage_gb(bytes, gb, key)?;
                    let draft =
                        Draft::new(key, meter_region, usage, Unit::Gb, rate.usd, units, None)?;
                    drafts.push(draft);
                }
            }
            (Usage::Bucketed { buckets, .. }, Pricing::Tiered(_)) => {
                let group = GroupKey {
                    region: meter_region.to_string(),
                    category: key.category,
                    pool: pool_of(&key.account, options.consolidated_billing, families),
                };
                let entries = groups.entry(group).or_default();
                for &(bucket, bytes) in buckets {
                    let start_ns = u128::from(bucket) * u128::from(meters.bucket_ns());
                    // A projected bill is one month by definition.
                    let period = if scale.projected {
                        0
                    } else {
                        start_ns / u128::from(MONTH.as_nanos())
                    };
                    entries.push(Entry {
                        period,
                        bucket,
                        rank,
                        bytes: scale.bytes(bytes, key)?,
                    });
                }
            }
            (usage, pricing) => panic!(
                "invariant: a category's usage kind and pricing are fixed, \
                 but meter {key} holds {usage:?} priced as {pricing:?}"
            ),
        }
    }

    for (group, mut entries) in groups {
        let rates = pricebook.region(&group.region)?;
        let tiered = match rates.pricing(group.category, None) {
            Some(Pricing::Tiered(t)) => t,
            other => panic!("invariant: {} is tiered, got {other:?}", group.category),
        };
        entries.sort_unstable_by_key(|e| (e.period, e.bucket, e.rank));
        for ((rank, tier), (bytes, units)) in walk_tiers(&entries, tiered, gb, &group)? {
            let key = meters.key(order[rank]);
            let mut draft = Draft::new(
                key,
                &group.region,
                usage_gb(bytes, gb, key)?,
                Unit::Gb,
                tiered.tiers[tier].usd,
                units,
                Some(tier),
            )?;
            draft.line.tier = Some(tier_label(tiered, tier));
            drafts.push(draft);
        }
    }

    drafts.sort_by(|a, b| a.sort.cmp(&b.sort));
    let mut lines: Vec<LineItem> = drafts.into_iter().map(|d| d.line).collect();
    for line in &mut lines {
        let code = &pricebook.region(&line.region)?.billing_code;
        line.usage_type =
            super::usage_type::usage_type(code, line.category, line.detail.as_deref());
    }
    let mut total = Usd::ZERO;
    let mut by_category: BTreeMap<Category, Usd> = BTreeMap::new();
    let mut by_account: BTreeMap<String, Usd> = BTreeMap::new();
    for line in &lines {
        total += line.usd;
        *by_category.entry(line.category).or_default() += line.usd;
        *by_account.entry(line.account.clone()).or_default() += line.usd;
    }
    Ok(Bill {
        region: region.to_string(),
        lines,
        total,
        by_category,
        by_account,
        pricebook: pricebook.reference(),
        rules: meters.rules().cloned(),
        projection: scale.projection,
        consolidated_billing: options.consolidated_billing,
        amount_decimals: AMOUNT_DECIMALS,
    })
}

/// A line and the key it sorts by.
struct Draft {
    sort: (
        String,
        Category,
        String,
        Option<String>,
        Option<Detail>,
        String,
        usize,
    ),
    line: LineItem,
}

impl Draft {
    fn new(
        key: &MeterKey,
        region: &str,
        usage: Decimal,
        unit: Unit,
        rate: Usd,
        units: u128,
        tier: Option<usize>,
    ) -> Result<Draft, CostError> {
        let usd = Usd::new(units_to_decimal(units, AMOUNT_DECIMALS, key)?);
        Ok(Draft {
            sort: (
                key.account.clone(),
                key.category,
                key.resource.clone(),
                key.az.clone(),
                key.detail.clone(),
                region.to_string(),
                tier.unwrap_or(0),
            ),
            line: LineItem {
                account: key.account.clone(),
                category: key.category,
                resource: key.resource.clone(),
                az: key.az.clone(),
                detail: key.detail.as_ref().map(|d| d.to_string()),
                region: region.to_string(),
                usage,
                unit,
                rate,
                usd,
                tier: None,
                usage_type: String::new(),
            },
        })
    }
}

/// A pool of bytes whose tiers are counted together.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct GroupKey {
    region: String,
    category: Category,
    /// The account, or with consolidated billing its billing family
    /// (`None`: every account in one pool).
    pool: Option<String>,
}

/// The tier pool of `account`: itself, or with consolidated billing its
/// family (`family:<name>`), itself when in no family, or one pool for all
/// accounts when no family is given.
fn pool_of(
    account: &str,
    consolidated: bool,
    families: &BTreeMap<String, String>,
) -> Option<String> {
    if !consolidated {
        return Some(format!("account:{account}"));
    }
    if families.is_empty() {
        return None;
    }
    Some(match families.get(account) {
        Some(family) => format!("family:{family}"),
        None => format!("account:{account}"),
    })
}

/// NLCU-hours are computed exactly, then held in units of 1e-12 NLCU-hour.
const NLCU_E12: u128 = 1_000_000_000_000;

/// NLCU-hours of a capacity meter in 1e-12 units: for each clock hour, the
/// largest of new connections / (3600 × per-second NLCU figure), connection
/// time / (1 h × active-connection figure) and bytes / (GB × GB figure);
/// summed exactly over a common denominator, then rounded once (half even).
fn nlcu_hours_e12(
    hours: &[(u64, CapacityHour)],
    nlcu: &NlcuDefinition,
    gb_bytes: u64,
    key: &MeterKey,
) -> Result<u128, CostError> {
    let overflow = || overflow_of(key);
    let dens = [
        3600u128 * u128::from(nlcu.new_connections_per_second),
        NS_PER_HOUR * u128::from(nlcu.active_connections),
        u128::from(gb_bytes) * u128::from(nlcu.processed_gb_per_hour),
    ];
    let common = dens
        .iter()
        .try_fold(1u128, |acc, &d| lcm(acc, d))
        .ok_or_else(overflow)?;
    let factors: Vec<u128> = dens.iter().map(|d| common / d).collect();
    let mut sum: u128 = 0;
    for (_, h) in hours {
        let dims = [u128::from(h.new_connections), h.active_ns, h.bytes];
        let mut top: u128 = 0;
        for (n, f) in dims.iter().zip(&factors) {
            top = top.max(n.checked_mul(*f).ok_or_else(overflow)?);
        }
        sum = sum.checked_add(top).ok_or_else(overflow)?;
    }
    // sum / common in 1e-12 units, without multiplying sum by 1e12 whole.
    let (q, r) = (sum / common, sum % common);
    let whole = q.checked_mul(NLCU_E12).ok_or_else(overflow)?;
    let part = div_round_half_even(r.checked_mul(NLCU_E12).ok_or_else(overflow)?, common);
    whole.checked_add(part).ok_or_else(overflow)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn lcm(a: u128, b: u128) -> Option<u128> {
    (a / gcd(a, b)).checked_mul(b)
}

/// Bytes of one meter in one bucket, projected.
#[derive(Debug, Clone, Copy)]
struct Entry {
    period: u128,
    bucket: u64,
    rank: usize,
    bytes: u128,
}

/// Walks a group's entries in time order through the tiers; returns, per
/// (meter rank, tier index), the bytes and the amount in 1e-10 USD units.
#[allow(clippy::type_complexity)]
fn walk_tiers(
    entries: &[Entry],
    tiered: &TieredRate,
    gb: u128,
    group: &GroupKey,
) -> Result<BTreeMap<(usize, usize), (u128, u128)>, CostError> {
    let overflow = || CostError::Overflow {
        what: format!("{} tiers in {}", group.category, group.region),
    };
    // Rates on a common scale S: weight_k = mantissa_k × 10^(S − scale_k).
    let rates: Vec<Decimal> = tiered
        .tiers
        .iter()
        .map(|t| t.usd.amount().normalize())
        .collect();
    let common = rates.iter().map(|r| r.scale()).max().unwrap_or(0);
    let mut weights = Vec::with_capacity(rates.len());
    for r in &rates {
        let m = u128::try_from(r.mantissa()).map_err(|_| overflow())?;
        let w = m
            .checked_mul(pow10(common - r.scale()).ok_or_else(overflow)?)
            .ok_or_else(overflow)?;
        weights.push(w);
    }
    let bounds: Vec<Option<u128>> = tiered
        .tiers
        .iter()
        .map(|t| t.up_to_gb.map(|g| u128::from(g) * gb))
        .collect();
    // R(N) = round(N × 10^D / (gb × 10^S)): the rounded cumulative charge.
    let den = gb
        .checked_mul(pow10(common).ok_or_else(overflow)?)
        .ok_or_else(overflow)?;
    let scale_up = pow10(AMOUNT_DECIMALS).ok_or_else(overflow)?;
    let rounded = |n: u128| -> Result<u128, CostError> {
        Ok(div_round_half_even(
            n.checked_mul(scale_up).ok_or_else(overflow)?,
            den,
        ))
    };

    let mut out: BTreeMap<(usize, usize), (u128, u128)> = BTreeMap::new();
    let mut period = None;
    let (mut position, mut numerator, mut charged) = (0u128, 0u128, 0u128);
    for e in entries {
        if period != Some(e.period) {
            period = Some(e.period);
            (position, numerator, charged) = (0, 0, 0);
        }
        let mut left = e.bytes;
        while left > 0 {
            let tier = bounds
                .iter()
                .position(|b| b.is_none_or(|b| b > position))
                .unwrap_or(bounds.len() - 1);
            let room = bounds[tier].map_or(u128::MAX, |b| b - position);
            let take = left.min(room);
            position += take;
            numerator = take
                .checked_mul(weights[tier])
                .and_then(|x| x.checked_add(numerator))
                .ok_or_else(overflow)?;
            let now = rounded(numerator)?;
            let slot = out.entry((e.rank, tier)).or_insert((0, 0));
            slot.0 += take;
            slot.1 += now - charged;
            charged = now;
            left -= take;
        }
    }
    Ok(out)
}

/// `"0-1048576 GB"`, `"1048576-5242880 GB"`, `"over 5242880 GB"`.
fn tier_label(tiered: &TieredRate, tier: usize) -> String {
    let low = if tier == 0 {
        0
    } else {
        tiered.tiers[tier - 1].up_to_gb.unwrap_or(0)
    };
    match tiered.tiers[tier].up_to_gb {
        Some(high) => format!("{low}-{high} GB"),
        None => format!("over {low} GB"),
    }
}

/// The exact ratio `MONTH / window` (or 1), applied before tiers and rounding.
struct Scale {
    num: u128,
    den: u128,
    projected: bool,
    projection: Option<Projection>,
}

impl Scale {
    fn new(window: Option<SimDuration>, meters: &Meters) -> Result<Scale, CostError> {
        let Some(window) = window else {
            return Ok(Scale {
                num: 1,
                den: 1,
                projected: false,
                projection: None,
            });
        };
        if window.as_nanos() == 0 {
            return Err(CostError::Unbillable {
                problem: "the projection window is zero".into(),
                hint: "pass the simulated duration of the run, e.g. 24h".into(),
            });
        }
        if meters.last_time().as_nanos() > window.as_nanos() {
            return Err(CostError::Unbillable {
                problem: format!(
                    "usage was recorded at {}, past the projection window {window}",
                    meters.last_time()
                ),
                hint: "pass the run's full simulated duration as the window".into(),
            });
        }
        let (num, den) = (u128::from(MONTH.as_nanos()), u128::from(window.as_nanos()));
        let factor = Decimal::from_i128_with_scale(
            i128::try_from(div_round_half_even(num * 10u128.pow(AMOUNT_DECIMALS), den)).map_err(
                |_| CostError::Unbillable {
                    problem: format!("the projection window {window} is too short"),
                    hint: "project from a window of at least a microsecond".into(),
                },
            )?,
            AMOUNT_DECIMALS,
        )
        .normalize();
        Ok(Scale {
            num,
            den,
            projected: true,
            projection: Some(Projection {
                window,
                month: MONTH,
                factor,
            }),
        })
    }

    /// A projected quantity (bytes, or 1e-12 NLCU-hours), to the nearest unit.
    fn exact(&self, quantity: u128, key: &MeterKey) -> Result<u128, CostError> {
        self.bytes(quantity, key)
    }

    /// Projected bytes, to the nearest byte.
    fn bytes(&self, bytes: u128, key: &MeterKey) -> Result<u128, CostError> {
        let n = bytes
            .checked_mul(self.num)
            .ok_or_else(|| overflow_of(key))?;
        Ok(div_round_half_even(n, self.den))
    }

    /// Billed hours of one interval: ceil(projected duration / 1 h).
    fn hours(&self, duration_ns: u64) -> Result<u128, CostError> {
        let n = u128::from(duration_ns) * self.num; // < 2^64 × 2^52: no overflow
        Ok(n.div_ceil(self.den * NS_PER_HOUR))
    }
}

/// `round_half_even(quantity × rate × 10^D / divisor)` in 1e-D dollar units,
/// computed exactly in integers.
fn amount_units(
    quantity: u128,
    rate: Decimal,
    divisor: u128,
    key: &MeterKey,
) -> Result<u128, CostError> {
    let rate = rate.normalize();
    let mantissa = u128::try_from(rate.mantissa()).map_err(|_| CostError::Unbillable {
        problem: format!("meter {key} has a negative rate {rate}"),
        hint: "fix the pricebook: rates are ≥ 0".into(),
    })?;
    let numerator = quantity
        .checked_mul(mantissa)
        .and_then(|x| x.checked_mul(pow10(AMOUNT_DECIMALS)?))
        .ok_or_else(|| overflow_of(key))?;
    let denominator = pow10(rate.scale())
        .and_then(|p| p.checked_mul(divisor))
        .ok_or_else(|| overflow_of(key))?;
    Ok(div_round_half_even(numerator, denominator))
}

/// GB for display: bytes / gb to 10 places, trailing zeros dropped.
fn usage_gb(bytes: u128, gb: u128, key: &MeterKey) -> Result<Decimal, CostError> {
    units_to_decimal(
        amount_units(bytes, Decimal::ONE, gb, key)?,
        AMOUNT_DECIMALS,
        key,
    )
}

fn usage_hours(hours: u128, key: &MeterKey) -> Result<Decimal, CostError> {
    units_to_decimal(hours, 0, key)
}

fn units_to_decimal(units: u128, scale: u32, key: &MeterKey) -> Result<Decimal, CostError> {
    let n = i128::try_from(units).map_err(|_| overflow_of(key))?;
    Decimal::try_from_i128_with_scale(n, scale)
        .map(|d| d.normalize())
        .map_err(|_| overflow_of(key))
}

fn overflow_of(key: &MeterKey) -> CostError {
    CostError::Overflow {
        what: key.to_string(),
    }
}

fn pow10(exp: u32) -> Option<u128> {
    10u128.checked_pow(exp)
}

/// `n / d` rounded to the nearest integer, ties to even. `d > 0`.
fn div_round_half_even(n: u128, d: u128) -> u128 {
    let (q, r) = (n / d, n % d);
    // Compare 2r with d without overflowing: r ≥ d − r  ⇔  2r ≥ d.
    let other = d - r;
    if r > other || (r == other && q % 2 == 1) {
        q + 1
    } else {
        q
    }
}

pub(crate) fn missing_rate<'a>(
    pricebook: &Pricebook,
    region: &str,
    key: &MeterKey,
    speeds: impl Iterator<Item = &'a String>,
) -> CostError {
    let known: Vec<&str> = speeds.map(String::as_str).collect();
    CostError::MissingRate {
        pricebook: pricebook.name.clone(),
        region: region.to_string(),
        what: format!("meter {key}"),
        hint: format!(
            "the dx_port_hour table lists: {}; add this port speed to a pricebook file or use a listed one",
            known.join(", ")
        ),
    }
}

fn exact_usd<S: Serializer>(usd: &Usd, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("${}", usd.amount().normalize()))
}

fn exact_usd_map<K: Serialize + Ord, S: Serializer>(
    map: &BTreeMap<K, Usd>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(map.len()))?;
    for (k, v) in map {
        m.serialize_entry(k, &format!("${}", v.amount().normalize()))?;
    }
    m.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::meters::Direction;
    use crate::units::SimTime;
    use std::str::FromStr;

    /// One billed GB (the builtin pricebooks' gb_bytes).
    const GB: u64 = 1 << 30;
    const TIB: u64 = 1 << 40;
    /// 1 PB as the Price List counts it: 1,048,576 GB = 2^50 bytes.
    const PB: u64 = 1 << 50;
    const HOUR: u64 = 3_600_000_000_000;
    const MINUTE: u64 = HOUR / 60;

    fn at(ns: u64) -> SimTime {
        SimTime::from_nanos(ns)
    }
    fn usd(s: &str) -> Usd {
        Usd::parse(s).unwrap()
    }
    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn use1() -> Pricebook {
        Pricebook::builtin("aws-us-east-1").unwrap()
    }
    fn bill_use1(m: &Meters) -> Bill {
        bill(m, &use1(), "us-east-1", &BillOptions::default()).unwrap()
    }
    /// Sum of the lines matching a predicate.
    fn sum(b: &Bill, f: impl Fn(&LineItem) -> bool) -> Usd {
        b.lines.iter().filter(|l| f(l)).map(|l| l.usd).sum()
    }
    /// An interface endpoint provisioned in `azs` over [from, to).
    fn endpoint(m: &mut Meters, account: &str, name: &str, azs: &[&str], from: u64, to: u64) {
        for az in azs {
            let id = m
                .register(MeterKey::new(Category::EndpointHours, account, name).in_az(*az))
                .unwrap();
            m.add_time(id, at(from), at(to));
        }
    }
    fn processed(m: &mut Meters, account: &str, name: &str, time: u64, bytes: u64) {
        let id = m
            .register(MeterKey::new(
                Category::EndpointDataProcessed,
                account,
                name,
            ))
            .unwrap();
        m.add_bytes(id, at(time), bytes);
    }
    fn assert_adds_up(b: &Bill) {
        let lines: Usd = b.lines.iter().map(|l| l.usd).sum();
        assert_eq!(lines, b.total);
        assert_eq!(b.by_category.values().copied().sum::<Usd>(), b.total);
        assert_eq!(b.by_account.values().copied().sum::<Usd>(), b.total);
    }

    const AZ3: [&str; 3] = ["use1-az1", "use1-az2", "use1-az4"];

    #[test]
    fn b1_endpoint_in_three_azs_for_730h_no_traffic() {
        // 3 AZs × 730 h × $0.01 = $21.90, one line per AZ of 730 hours ($7.30).
        let mut m = Meters::new();
        endpoint(&mut m, "acme", "vpce-orders", &AZ3, 0, 730 * HOUR);
        let b = bill_use1(&m);
        assert_eq!(b.total, usd("$21.90"));
        assert_eq!(b.lines.len(), 3);
        for l in &b.lines {
            assert_eq!(
                (l.usage, l.unit, l.usd),
                (dec("730"), Unit::Hours, usd("$7.30"))
            );
        }
        assert_adds_up(&b);
    }

    #[test]
    fn b2_same_endpoint_with_one_tib_processed() {
        // 1 TiB = 1,024 GB × $0.01 = $10.24, + $21.90 hours = $32.14.
        let mut m = Meters::new();
        endpoint(&mut m, "acme", "vpce-orders", &AZ3, 0, 730 * HOUR);
        processed(&mut m, "acme", "vpce-orders", 5 * HOUR, TIB);
        let b = bill_use1(&m);
        assert_eq!(b.total, usd("$32.14"));
        let data = b
            .lines
            .iter()
            .find(|l| l.category == Category::EndpointDataProcessed)
            .unwrap();
        assert_eq!((data.usage, data.usd), (dec("1024"), usd("$10.24")));
        assert_eq!(data.tier.as_deref(), Some("0-1048576 GB"));
    }

    #[test]
    fn b5_ninety_minutes_in_two_azs_bills_four_hours_wherever_it_starts() {
        // 2 AZs × ceil(1.5 h) = 2 × 2 = 4 endpoint-AZ-hours × $0.01 = $0.04.
        // Starting at 0:45 spans three clock hours; the rule is per interval,
        // so it is still 2 hours per AZ.
        for start in [0, 45 * MINUTE, 59 * MINUTE] {
            let mut m = Meters::new();
            endpoint(
                &mut m,
                "acme",
                "vpce-1",
                &AZ3[..2],
                start,
                start + 90 * MINUTE,
            );
            let b = bill_use1(&m);
            assert_eq!(b.total, usd("$0.04"), "start {start}");
            assert!(b.lines.iter().all(|l| l.usage == dec("2")));
        }
    }

    #[test]
    fn two_intervals_in_one_clock_hour_bill_an_hour_each_touching_ones_merge() {
        // [0,10m) and [20m,30m): two partial hours → 2 h → $0.02.
        let mut m = Meters::new();
        endpoint(&mut m, "acme", "vpce-1", &AZ3[..1], 0, 10 * MINUTE);
        endpoint(
            &mut m,
            "acme",
            "vpce-1",
            &AZ3[..1],
            20 * MINUTE,
            30 * MINUTE,
        );
        assert_eq!(bill_use1(&m).total, usd("$0.02"));
        // [0,30m) and [30m,60m) touch: one provisioned hour → 1 h → $0.01. A
        // duplicate record of the same interval does not double-bill either.
        let mut m = Meters::new();
        endpoint(&mut m, "acme", "vpce-1", &AZ3[..1], 0, 30 * MINUTE);
        endpoint(
            &mut m,
            "acme",
            "vpce-1",
            &AZ3[..1],
            30 * MINUTE,
            60 * MINUTE,
        );
        endpoint(&mut m, "acme", "vpce-1", &AZ3[..1], 0, 30 * MINUTE);
        assert_eq!(bill_use1(&m).total, usd("$0.01"));
    }

    #[test]
    fn b3_two_pb_crosses_the_first_tier() {
        // 1,048,576 GB × $0.01 + 1,048,576 GB × $0.006 = 10,485.76 + 6,291.456 = $16,777.216.
        let mut m = Meters::new();
        processed(&mut m, "acme", "vpce-1", 0, 2 * PB);
        let b = bill_use1(&m);
        assert_eq!(b.total, usd("$16777.216"));
        let tiers: Vec<_> = b
            .lines
            .iter()
            .map(|l| (l.tier.clone().unwrap(), l.usage, l.rate, l.usd))
            .collect();
        assert_eq!(
            tiers,
            vec![
                (
                    "0-1048576 GB".into(),
                    dec("1048576"),
                    usd("$0.01"),
                    usd("$10485.76")
                ),
                (
                    "1048576-5242880 GB".into(),
                    dec("1048576"),
                    usd("$0.006"),
                    usd("$6291.456")
                ),
            ]
        );
    }

    #[test]
    fn b4_six_pb_reaches_the_third_tier() {
        // 1,048,576 × 0.01 + 4,194,304 × 0.006 + 1,048,576 × 0.004
        // = 10,485.76 + 25,165.824 + 4,194.304 = $39,845.888.
        let mut m = Meters::new();
        processed(&mut m, "acme", "vpce-1", 0, 6 * PB);
        let b = bill_use1(&m);
        assert_eq!(b.total, usd("$39845.888"));
        assert_eq!(b.lines.len(), 3);
        assert_eq!(b.lines[2].tier.as_deref(), Some("over 5242880 GB"));
        assert_eq!(b.lines[2].usd, usd("$4194.304"));
    }

    #[test]
    fn the_tier_bound_is_crossed_in_time_order() {
        // vpce-a moves 0.75 PB in hour 0, vpce-b 0.5 PB in hour 1 (same account,
        // so one monthly total). a: 786,432 GB × 0.01 = 7,864.32. b: its first
        // 262,144 GB finish the 1 PB tier (× 0.01 = 2,621.44), the rest is
        // cheaper (262,144 × 0.006 = 1,572.864). Total 12,058.624 = 1 PB × 0.01
        // + 0.25 PB × 0.006.
        let three_quarters = 3 * PB / 4;
        let half = PB / 2;
        let mut m = Meters::new();
        processed(&mut m, "acme", "vpce-b", HOUR, half);
        processed(&mut m, "acme", "vpce-a", 0, three_quarters);
        let b = bill_use1(&m);
        let of = |name: &str| sum(&b, |l| l.resource == name);
        assert_eq!(of("vpce-a"), usd("$7864.32"));
        assert_eq!(of("vpce-b"), usd("$4194.304"));
        let b_lines: Vec<_> = b
            .lines
            .iter()
            .filter(|l| l.resource == "vpce-b")
            .map(|l| (l.usage, l.usd))
            .collect();
        assert_eq!(
            b_lines,
            vec![
                (dec("262144"), usd("$2621.44")),
                (dec("262144"), usd("$1572.864"))
            ]
        );
        assert_eq!(b.total, usd("$12058.624"));

        // Swap the times: now vpce-b is first and gets only the dearer tier, and
        // vpce-a crosses the bound. Same total, different attribution: only
        // time order (not registration order) decides who gets the cheap bytes.
        let mut m = Meters::new();
        processed(&mut m, "acme", "vpce-b", 0, half);
        processed(&mut m, "acme", "vpce-a", HOUR, three_quarters);
        let b2 = bill_use1(&m);
        assert_eq!(sum(&b2, |l| l.resource == "vpce-b"), usd("$5242.88"));
        assert_eq!(sum(&b2, |l| l.resource == "vpce-a"), usd("$6815.744")); // 5,242.88 + 1,572.864
        assert_eq!(b2.total, b.total);
    }

    #[test]
    fn a_long_flow_spread_over_hours_crosses_the_bound_where_it_happens() {
        // 2 PB moved evenly over 4 hours through one endpoint, in buckets of 0.5
        // PB: still 1 PB at 0.01 and 1 PB at 0.006 = $16,777.216, and the
        // second tier's line holds exactly the bytes of hours 2 and 3.
        let mut m = Meters::new();
        let id = m
            .register(MeterKey::new(
                Category::EndpointDataProcessed,
                "acme",
                "vpce-1",
            ))
            .unwrap();
        m.add_bytes_between(id, at(0), at(4 * HOUR), 2 * PB);
        let b = bill_use1(&m);
        assert_eq!(b.total, usd("$16777.216"));
        assert_eq!(b.lines[1].usage, dec("1048576"));
    }

    #[test]
    fn cross_az_to_an_endpoint_eni_is_paid_by_the_consumer_both_ways() {
        // A client in az1 sends 1 GB to the endpoint ENI in az2. Both sides are
        // in the consumer's VPC: it pays $0.01 out and $0.01 in = $0.02 of
        // cross-AZ, plus $0.01 endpoint processing = $0.03.
        let mut m = Meters::new();
        for d in [Direction::Out, Direction::In] {
            let id = m
                .register(
                    MeterKey::new(Category::CrossAz, "acme", "acme-web->vpce-orders")
                        .in_az("use1-az1")
                        .direction(d),
                )
                .unwrap();
            m.add_bytes(id, at(0), GB);
        }
        processed(&mut m, "acme", "vpce-orders", 0, GB);
        let b = bill_use1(&m);
        let cross: Vec<_> = b
            .lines
            .iter()
            .filter(|l| l.category == Category::CrossAz)
            .map(|l| (l.detail.clone().unwrap(), l.usd))
            .collect();
        assert_eq!(
            cross,
            vec![("in".into(), usd("$0.01")), ("out".into(), usd("$0.01"))]
        );
        assert_eq!(b.by_category[&Category::CrossAz], usd("$0.02"));
        assert_eq!(b.by_account["acme"], usd("$0.03"));
    }

    #[test]
    fn peering_same_az_is_free_but_shown_cross_az_splits_between_sides() {
        // B9: 1 GB same-AZ → a $0 line that still shows 1 GB.
        // B8: 1 GB cross-AZ → $0.01 out to the sender, $0.01 in to the receiver.
        let mut m = Meters::new();
        let same = m
            .register(MeterKey::new(Category::PeeringSameAz, "alpha", "pcx-1"))
            .unwrap();
        m.add_bytes(same, at(0), GB);
        let out = m
            .register(
                MeterKey::new(Category::PeeringCrossAz, "alpha", "pcx-1").direction(Direction::Out),
            )
            .unwrap();
        let inn = m
            .register(
                MeterKey::new(Category::PeeringCrossAz, "beta", "pcx-1").direction(Direction::In),
            )
            .unwrap();
        m.add_bytes(out, at(0), GB);
        m.add_bytes(inn, at(0), GB);
        let b = bill_use1(&m);
        let same_line = b
            .lines
            .iter()
            .find(|l| l.category == Category::PeeringSameAz)
            .unwrap();
        assert_eq!((same_line.usage, same_line.usd), (dec("1"), Usd::ZERO));
        assert_eq!(b.by_account["alpha"], usd("$0.01"));
        assert_eq!(b.by_account["beta"], usd("$0.01"));
        assert_eq!(b.total, usd("$0.02"));
    }

    #[test]
    fn b7_tgw_processing_goes_to_the_sender_and_two_attachments_cost_73() {
        // 2 attachments × 730 h × $0.05 = $73.00 (each VPC owner pays its own);
        // 1 GB from vpc-1 → $0.02 processing to vpc-1's owner. Total $73.02.
        let mut m = Meters::new();
        for (owner, att) in [("one", "tgw-attach-1"), ("two", "tgw-attach-2")] {
            let id = m
                .register(MeterKey::new(Category::TgwAttachmentHours, owner, att))
                .unwrap();
            m.add_time(id, at(0), at(730 * HOUR));
        }
        let data = m
            .register(MeterKey::new(
                Category::TgwDataProcessed,
                "one",
                "tgw-attach-1",
            ))
            .unwrap();
        m.add_bytes(data, at(HOUR), GB);
        let b = bill_use1(&m);
        assert_eq!(b.by_category[&Category::TgwAttachmentHours], usd("$73.00"));
        assert_eq!(b.by_category[&Category::TgwDataProcessed], usd("$0.02"));
        assert_eq!(b.by_account["one"], usd("$36.52"));
        assert_eq!(b.by_account["two"], usd("$36.50"));
        assert_eq!(b.total, usd("$73.02"));
    }

    #[test]
    fn nat_to_internet_processing_plus_egress_after_the_free_100_gb() {
        // 1 GB through a NAT to the internet: $0.045 processing; egress is in
        // the free first 100 GB of the month → $0 (line shown). Total $0.045.
        let mut m = Meters::new();
        let nat = m
            .register(MeterKey::new(Category::NatDataProcessed, "acme", "nat-1"))
            .unwrap();
        let net = m
            .register(MeterKey::new(Category::InternetOut, "acme", "nat-1"))
            .unwrap();
        m.add_bytes(nat, at(0), GB);
        m.add_bytes(net, at(0), GB);
        let b = bill_use1(&m);
        assert_eq!(b.total, usd("$0.045"));
        let egress = b
            .lines
            .iter()
            .find(|l| l.category == Category::InternetOut)
            .unwrap();
        assert_eq!(
            (egress.usd, egress.tier.as_deref()),
            (Usd::ZERO, Some("0-100 GB"))
        );
        // 100 more GB later: 99 GB finish the free tier, 1 GB costs $0.09.
        m.add_bytes(net, at(2 * HOUR), 100 * GB);
        let b = bill_use1(&m);
        assert_eq!(b.by_category[&Category::InternetOut], usd("$0.09"));
    }

    #[test]
    fn b6_nat_730h_and_100_gb() {
        // 730 × 0.045 + 100 × 0.045 = 32.85 + 4.50 = $37.35 (no egress recorded).
        let mut m = Meters::new();
        let h = m
            .register(MeterKey::new(Category::NatHours, "acme", "nat-1").in_az("use1-az1"))
            .unwrap();
        let d = m
            .register(MeterKey::new(Category::NatDataProcessed, "acme", "nat-1"))
            .unwrap();
        m.add_time(h, at(0), at(730 * HOUR));
        m.add_bytes(d, at(0), 100 * GB);
        assert_eq!(bill_use1(&m).total, usd("$37.35"));
    }

    #[test]
    fn internet_egress_through_every_tier() {
        // 200 TB = 204,800 GB: 100 free; 10,140 × 0.09 = 912.60; 40,960 × 0.085
        // = 3,481.60; 102,400 × 0.07 = 7,168.00; 51,200 × 0.05 = 2,560.00.
        // Total $14,122.20.
        let mut m = Meters::new();
        let net = m
            .register(MeterKey::new(Category::InternetOut, "acme", "nat-1"))
            .unwrap();
        m.add_bytes(net, at(0), 200 * TIB);
        let b = bill_use1(&m);
        let amounts: Vec<_> = b.lines.iter().map(|l| l.usd).collect();
        assert_eq!(
            amounts,
            vec![
                usd("$0"),
                usd("$912.60"),
                usd("$3481.60"),
                usd("$7168"),
                usd("$2560")
            ]
        );
        assert_eq!(b.total, usd("$14122.20"));
    }

    #[test]
    fn dx_data_out_and_port_hours() {
        // 1 GB out over DX = $0.02; a 1G port for 730 h = 730 × $0.30 = $219.00.
        let mut m = Meters::new();
        let out = m
            .register(MeterKey::new(Category::DxDataOut, "acme", "dxcon-1"))
            .unwrap();
        let port = m
            .register(MeterKey::new(Category::DxPortHours, "acme", "dxcon-1").port_speed("1G"))
            .unwrap();
        m.add_bytes(out, at(0), GB);
        m.add_time(port, at(0), at(730 * HOUR));
        let b = bill_use1(&m);
        assert_eq!(b.by_category[&Category::DxDataOut], usd("$0.02"));
        assert_eq!(b.by_category[&Category::DxPortHours], usd("$219.00"));
        assert_eq!(b.total, usd("$219.02"));
        // A port speed the pricebook has no price for is an error naming the
        // speeds it does have.
        let p4 = m
            .register(MeterKey::new(Category::DxPortHours, "acme", "dxcon-2").port_speed("800G"))
            .unwrap();
        m.add_time(p4, at(0), at(HOUR));
        let e = bill(&m, &use1(), "us-east-1", &BillOptions::default()).unwrap_err();
        let shown = e.to_string();
        assert!(
            matches!(e, CostError::MissingRate { .. }) && shown.contains("10G"),
            "{shown}"
        );
    }

    #[test]
    fn a_500_mbps_hosted_connection_for_10_hours() {
        // Hosted 500 Mbps: $0.20 per port-hour (DX pay-as-you-go page).
        // 10 h × $0.20 = $2.00. (The old book priced it $0.03/h: $0.30.)
        let mut m = Meters::new();
        let port = m
            .register(
                MeterKey::new(Category::DxPortHours, "acme", "dxcon-h").port_speed("hosted-500M"),
            )
            .unwrap();
        m.add_time(port, at(0), at(10 * HOUR));
        let b = bill_use1(&m);
        assert_eq!(b.lines.len(), 1);
        assert_eq!(
            (b.lines[0].usage, b.lines[0].rate),
            (dec("10"), usd("$0.20"))
        );
        assert_eq!(b.total, usd("$2.00"));
    }

    #[test]
    fn b10_gateway_endpoint_is_free_and_shown() {
        let mut m = Meters::new();
        let id = m
            .register(MeterKey::new(Category::GatewayEndpoint, "acme", "vpce-s3"))
            .unwrap();
        m.add_bytes(id, at(0), GB);
        let b = bill_use1(&m);
        assert_eq!(b.total, Usd::ZERO);
        assert_eq!((b.lines.len(), b.lines[0].usage), (1, dec("1")));
    }

    #[test]
    fn projection_scales_before_rounding_and_tiers() {
        // Window 91h15m: factor 730 / 91.25 = 8 exactly.
        // * Endpoint in 2 AZs for the whole window → 730 h each → $14.60.
        // * Endpoint provisioned 90 min → 720 min = 12 h → $0.12 (1 AZ).
        // * 0.25 PB processed → 2 PB in the month → $16,777.216 (crosses the
        //   tier only because projection comes first).
        let window = 91 * HOUR + 15 * MINUTE;
        let mut m = Meters::new();
        endpoint(&mut m, "acme", "vpce-full", &AZ3[..2], 0, window);
        endpoint(
            &mut m,
            "acme",
            "vpce-short",
            &AZ3[..1],
            HOUR,
            HOUR + 90 * MINUTE,
        );
        processed(&mut m, "acme", "vpce-full", window / 2, PB / 4);
        let options = BillOptions {
            project_month: Some(SimDuration::from_nanos(window)),
            ..Default::default()
        };
        let b = bill(&m, &use1(), "us-east-1", &options).unwrap();
        let p = b.projection.clone().unwrap();
        assert_eq!((p.factor, p.month), (dec("8"), MONTH));
        assert_eq!(
            sum(&b, |l| l.resource == "vpce-full" && l.unit == Unit::Hours),
            usd("$14.60")
        );
        assert_eq!(sum(&b, |l| l.resource == "vpce-short"), usd("$0.12"));
        assert_eq!(
            b.by_category[&Category::EndpointDataProcessed],
            usd("$16777.216")
        );
        assert_eq!(b.total, usd("$16791.936"));
        assert_adds_up(&b);
    }

    #[test]
    fn projection_of_a_full_day_gives_730_hours_and_rejects_later_usage() {
        // 24 h window, provisioned throughout: 24 h × 730/24 = 730 h → $7.30.
        let mut m = Meters::new();
        endpoint(&mut m, "acme", "vpce-1", &AZ3[..1], 0, 24 * HOUR);
        let day = BillOptions {
            project_month: Some(SimDuration::from_hours(24)),
            ..Default::default()
        };
        let b = bill(&m, &use1(), "us-east-1", &day).unwrap();
        assert_eq!(b.total, usd("$7.30"));
        assert_eq!(b.projection.unwrap().factor, dec("30.4166666667"));
        // Usage after the window means the window is wrong: refuse to guess.
        processed(&mut m, "acme", "vpce-1", 25 * HOUR, GB);
        let e = bill(&m, &use1(), "us-east-1", &day).unwrap_err();
        assert!(e.to_string().contains("past the projection window"), "{e}");
    }

    #[test]
    fn a_projected_bill_is_one_month_even_from_a_longer_window() {
        // Window 1460 h (two months) scaled to one: factor 0.5. 1.5 PB in hour 0
        // and 1.5 PB in hour 800 become 0.75 + 0.75 PB in ONE month:
        // 1 PB × 0.01 + 0.5 PB × 0.006 = 10,485.76 + 3,145.728 = $13,631.488
        // (two separate months would give 2 × 0.75 PB × 0.01 = $15,728.64).
        let mut m = Meters::new();
        processed(&mut m, "acme", "vpce-1", 0, 3 * PB / 2);
        processed(&mut m, "acme", "vpce-1", 800 * HOUR, 3 * PB / 2);
        let options = BillOptions {
            project_month: Some(SimDuration::from_hours(1460)),
            ..Default::default()
        };
        let b = bill(&m, &use1(), "us-east-1", &options).unwrap();
        assert_eq!(b.projection.unwrap().factor, dec("0.5"));
        assert_eq!(b.total, usd("$13631.488"));
    }

    #[test]
    fn tier_totals_restart_every_730_hours() {
        // 0.75 PB in month 1 and 0.75 PB in month 2 (hour 800): each month stays
        // in the first tier → 2 × 786,432 GB × 0.01 = $15,728.64. Without the
        // restart it would be 1 PB × 0.01 + 0.5 PB × 0.006 = $13,631.488.
        let mut m = Meters::new();
        processed(&mut m, "acme", "vpce-1", 0, 3 * PB / 4);
        processed(&mut m, "acme", "vpce-1", 800 * HOUR, 3 * PB / 4);
        assert_eq!(bill_use1(&m).total, usd("$15728.64"));
    }

    #[test]
    fn tiers_are_per_account_unless_billing_is_consolidated() {
        // Two accounts with 0.75 PB each: separately, both stay in the first
        // tier ($15,728.64); consolidated, the pool passes 1 PB:
        // 1 PB × 0.01 + 0.5 PB × 0.006 = 10,485.76 + 3,145.728 = $13,631.488.
        let mut m = Meters::new();
        processed(&mut m, "alpha", "vpce-a", 0, 3 * PB / 4);
        processed(&mut m, "beta", "vpce-b", HOUR, 3 * PB / 4);
        assert_eq!(bill_use1(&m).total, usd("$15728.64"));
        let pooled = BillOptions {
            consolidated_billing: true,
            ..Default::default()
        };
        let b = bill(&m, &use1(), "us-east-1", &pooled).unwrap();
        assert_eq!(b.total, usd("$13631.488"));
        // alpha came first in time and keeps the dearer tier entirely.
        assert_eq!(b.by_account["alpha"], usd("$7864.32"));
        assert!(b.consolidated_billing);
    }

    /// An NLB provisioned for `hours` clock hours, with its capacity meter.
    fn nlb(m: &mut Meters, hours: u64) -> MeterId {
        let h = m
            .register(MeterKey::new(Category::NlbHours, "provider", "orders-nlb"))
            .unwrap();
        m.add_time(h, at(0), at(hours * HOUR));
        m.register(MeterKey::new(
            Category::NlbCapacityUnits,
            "provider",
            "orders-nlb",
        ))
        .unwrap()
    }

    fn nlcu_line(b: &Bill) -> &LineItem {
        b.lines
            .iter()
            .find(|l| l.category == Category::NlbCapacityUnits)
            .unwrap()
    }

    #[test]
    fn nlcu_new_connections_dimension_wins() {
        // 1,600 new connections/s for 2 h, each open 1 ms, 100 MiB an hour.
        // Per hour: new = 1,600 × 3,600 / (3,600 × 800) = 2 NLCU; active =
        // 5,760,000 × 1 ms / (3,600 s × 100,000) = 0.000016; bytes = 100 MiB /
        // 1 GiB = 0.09765625. Max 2 → 2 h × 2 = 4 NLCU-hours × $0.006 = $0.024.
        // NLB hours: 2 × $0.0225 = $0.045. Total $0.069.
        let mut m = Meters::new();
        let cap = nlb(&mut m, 2);
        for hour in 0..2 {
            let start = hour * HOUR;
            for i in 0..5_760_000u64 {
                m.add_connection(cap, at(start + i * 625_000)); // every 625 µs
            }
            m.add_connection_time(cap, at(start), at(start + 1_000_000), 5_760_000);
            m.add_bytes(cap, at(start), 100 << 20);
        }
        let b = bill_use1(&m);
        let l = nlcu_line(&b);
        assert_eq!(
            (l.usage, l.unit, l.usd),
            (dec("4"), Unit::NlcuHours, usd("$0.024"))
        );
        assert_eq!(l.usage_type, "USE1-LCUUsage");
        assert_eq!(b.by_category[&Category::NlbHours], usd("$0.045"));
        assert_eq!(b.total, usd("$0.069"));
    }

    #[test]
    fn nlcu_active_connections_dimension_wins() {
        // 250,000 connections opened at t=0 and open the whole hour, 1 GiB.
        // new = 250,000 / 2,880,000 = 0.0868…; active = 250,000 × 1 h /
        // (1 h × 100,000) = 2.5; bytes = 1. Max 2.5 NLCU-hours × $0.006 =
        // $0.015; plus 1 NLB-hour $0.0225 = $0.0375.
        let mut m = Meters::new();
        let cap = nlb(&mut m, 1);
        for _ in 0..250_000 {
            m.add_connection(cap, at(0));
        }
        m.add_connection_time(cap, at(0), at(HOUR), 250_000);
        m.add_bytes(cap, at(HOUR / 2), GB);
        let b = bill_use1(&m);
        assert_eq!(
            (nlcu_line(&b).usage, nlcu_line(&b).usd),
            (dec("2.5"), usd("$0.015"))
        );
        assert_eq!(b.total, usd("$0.0375"));
    }

    #[test]
    fn nlcu_processed_bytes_dimension_wins_and_spans_hours() {
        // 9 GiB moved evenly over 3 h by 10 connections: 3 GiB an hour → 3
        // NLCU per hour (new = 10 / 2,880,000; active = 10 / 100,000).
        // 3 × 3 = 9 NLCU-hours × $0.006 = $0.054; 3 NLB-hours × $0.0225 =
        // $0.0675. Total $0.1215.
        let mut m = Meters::new();
        let cap = nlb(&mut m, 3);
        for _ in 0..10 {
            m.add_connection(cap, at(0));
        }
        m.add_connection_time(cap, at(0), at(3 * HOUR), 10);
        m.add_bytes_between(cap, at(0), at(3 * HOUR), 9 * GB);
        let hours: Vec<u128> = m.capacity(cap).iter().map(|(_, h)| h.bytes).collect();
        assert_eq!(hours, vec![3 * u128::from(GB); 3]);
        let b = bill_use1(&m);
        assert_eq!(
            (nlcu_line(&b).usage, nlcu_line(&b).usd),
            (dec("9"), usd("$0.054"))
        );
        assert_eq!(b.total, usd("$0.1215"));
    }

    #[test]
    fn tiers_pool_within_a_billing_family_only() {
        // alpha and beta are one organization, gamma another; 0.75 PB each.
        // Pooled: alpha + beta = 1.5 PB → 1 PB × 0.01 + 0.5 PB × 0.006 =
        // 10,485.76 + 3,145.728 = 13,631.488; gamma alone 786,432 GB × 0.01 =
        // 7,864.32. Total $21,495.808 (unpooled: 3 × 7,864.32 = $23,592.96).
        let mut m = Meters::new();
        processed(&mut m, "alpha", "vpce-a", 0, 3 * PB / 4);
        processed(&mut m, "beta", "vpce-b", HOUR, 3 * PB / 4);
        processed(&mut m, "gamma", "vpce-c", 2 * HOUR, 3 * PB / 4);
        let families: BTreeMap<String, String> =
            [("alpha", "org-1"), ("beta", "org-1"), ("gamma", "org-2")]
                .iter()
                .map(|(a, f)| (a.to_string(), f.to_string()))
                .collect();
        let pooled = BillOptions {
            consolidated_billing: true,
            ..Default::default()
        };
        let b = bill_with_families(&m, &use1(), "us-east-1", &pooled, &families).unwrap();
        assert_eq!(b.total, usd("$21495.808"));
        assert_eq!(b.by_account["alpha"], usd("$7864.32"));
        assert_eq!(b.by_account["beta"], usd("$5767.168")); // 2,621.44 + 3,145.728
        assert_eq!(b.by_account["gamma"], usd("$7864.32"));
        assert_eq!(bill_use1(&m).total, usd("$23592.96"));
    }

    #[test]
    fn lines_are_sorted_and_independent_of_registration_order() {
        // The same usage registered in two orders gives identical bills, with
        // lines sorted by account, category, resource, AZ, detail, tier.
        let build = |reverse: bool| {
            let mut ops: Vec<fn(&mut Meters)> = vec![
                |m| endpoint(m, "zeta", "vpce-2", &AZ3, 0, 3 * HOUR),
                |m| processed(m, "alpha", "vpce-9", 0, 2 * PB),
                |m| endpoint(m, "alpha", "vpce-1", &AZ3[..1], 0, HOUR),
                |m| processed(m, "alpha", "vpce-1", 0, GB),
            ];
            if reverse {
                ops.reverse();
            }
            let mut m = Meters::new();
            for op in &ops {
                op(&mut m);
            }
            bill_use1(&m)
        };
        let (a, b) = (build(false), build(true));
        assert_eq!(a, b);
        let keys: Vec<_> = a
            .lines
            .iter()
            .map(|l| {
                (
                    l.account.as_str(),
                    l.category,
                    l.resource.as_str(),
                    l.tier.clone(),
                )
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_by(|x, y| (x.0, x.1, x.2).cmp(&(y.0, y.1, y.2)));
        assert_eq!(keys, sorted);
        assert_eq!(a.lines[0].account, "alpha");
        assert_eq!(a.lines.last().map(|l| l.account.as_str()), Some("zeta"));
    }

    #[test]
    fn cross_region_meters_use_their_own_region_rates() {
        // A meter in us-east-2 needs us-east-2's rates: with a us-east-1-only
        // book the bill refuses; with a book holding both, the line says
        // us-east-2. 1 GB inter-region out at $0.02.
        let mut m = Meters::new();
        let id = m
            .register(
                MeterKey::new(Category::InterRegionOut, "acme", "replication")
                    .in_region("us-east-2"),
            )
            .unwrap();
        m.add_bytes(id, at(0), GB);
        let e = bill(&m, &use1(), "us-east-1", &BillOptions::default()).unwrap_err();
        assert!(matches!(e, CostError::UnknownRegion { .. }), "{e}");
        let mut both = use1();
        let ohio = Pricebook::builtin("aws-us-east-2").unwrap();
        both.regions.extend(ohio.regions);
        let b = bill(&m, &both, "us-east-1", &BillOptions::default()).unwrap();
        assert_eq!(
            (b.lines[0].region.as_str(), b.total),
            ("us-east-2", usd("$0.02"))
        );
    }

    #[test]
    fn open_intervals_must_be_closed_before_billing() {
        let mut m = Meters::new();
        let id = m
            .register(MeterKey::new(Category::NatHours, "acme", "nat"))
            .unwrap();
        m.open(id, at(0));
        let e = bill(&m, &use1(), "us-east-1", &BillOptions::default()).unwrap_err();
        assert!(e.to_string().contains("close_all"), "{e}");
        m.close_all(at(HOUR));
        assert_eq!(bill_use1(&m).total, usd("$0.045"));
    }

    #[test]
    fn amounts_round_once_to_ten_places_half_even() {
        // 3 bytes of NAT processing: 3 × 0.045 / 2^30 = 1.257…e-10 → 1e-10.
        // 1 byte: 4.19e-11 → 0, but the line (with its usage) is still there.
        let mut m = Meters::new();
        let a = m
            .register(MeterKey::new(Category::NatDataProcessed, "acme", "nat-a"))
            .unwrap();
        let b = m
            .register(MeterKey::new(Category::NatDataProcessed, "acme", "nat-b"))
            .unwrap();
        m.add_bytes(a, at(0), 3);
        m.add_bytes(b, at(0), 1);
        let bill = bill_use1(&m);
        assert_eq!(bill.lines[0].usd, Usd::new(dec("0.0000000001")));
        assert_eq!(bill.lines[1].usd, Usd::ZERO);
        // 1 byte = 1 / 2^30 GB = 9.3e-10 GB, shown to 10 places.
        assert_eq!(bill.lines[1].usage, dec("0.0000000009"));
        // Ties go to even: 5 / 10 → 0, 15 / 10 → 2, 25 / 10 → 2.
        assert_eq!(
            (
                div_round_half_even(5, 10),
                div_round_half_even(15, 10),
                div_round_half_even(25, 10)
            ),
            (0, 2, 2)
        );
    }

    #[test]
    fn a_tier_line_can_shrink_when_usage_grows_but_the_total_cannot() {
        // a: 0.6 PB at hour 0, b: 0.6 PB at hour 1. b's first 0.4 PB are in tier 1.
        // Doubled, a alone fills tier 1 and b has no tier-1 line at all: per-tier
        // lines are not monotone (bytes move to a cheaper tier), but the total
        // is: 1 PB × 0.01 + 0.2 PB × 0.006 = 11,744.0512 before and
        // 1 PB × 0.01 + 1.4 PB × 0.006 = 19,293.7984 after.
        let make = |k: u64| {
            let mut m = Meters::new();
            processed(&mut m, "acme", "vpce-a", 0, k * 3 * PB / 5);
            processed(&mut m, "acme", "vpce-b", HOUR, k * 3 * PB / 5);
            bill_use1(&m)
        };
        let (once, twice) = (make(1), make(2));
        let b_tier1 = |b: &Bill| {
            sum(b, |l| {
                l.resource == "vpce-b" && l.tier.as_deref() == Some("0-1048576 GB")
            })
        };
        assert!(b_tier1(&once) > Usd::ZERO);
        assert_eq!(b_tier1(&twice), Usd::ZERO);
        assert_eq!(once.total, usd("$11744.0512"));
        assert_eq!(twice.total, usd("$19293.7984"));
    }

    #[test]
    fn the_bill_serializes_with_stable_names_and_exact_amounts() {
        let mut m = Meters::new();
        processed(&mut m, "acme", "vpce-1", 0, 3);
        let json = serde_json::to_value(bill_use1(&m)).unwrap();
        assert_eq!(json["lines"][0]["category"], "endpoint_data_processed");
        assert_eq!(json["lines"][0]["unit"], "GB");
        // 3 × 0.01 / 2^30 = 2.79e-11 → $0 at 10 places; the rate is exact.
        assert_eq!(json["lines"][0]["rate"], "$0.01");
        assert_eq!(json["by_category"]["endpoint_data_processed"], "$0");
        assert_eq!(json["pricebook"]["name"], "aws-us-east-1");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// One random usage record.
        #[derive(Debug, Clone)]
        struct Rec {
            category: usize,
            account: usize,
            resource: usize,
            az: usize,
            out: bool,
            hour: u64,
            /// Bytes, or for hours meters the interval length in minutes.
            amount: u64,
        }

        fn rec() -> impl Strategy<Value = Rec> {
            (
                0..Category::ALL.len(),
                0..3usize,
                0..4usize,
                0..3usize,
                any::<bool>(),
                0..1600u64,
                0..(1u64 << 51),
            )
                .prop_map(|(category, account, resource, az, out, hour, amount)| Rec {
                    category,
                    account,
                    resource,
                    az,
                    out,
                    hour,
                    amount,
                })
        }

        /// Builds meters from records; `k` multiplies every byte count.
        fn meters(recs: &[Rec], k: u64) -> Meters {
            let mut m = Meters::new();
            for r in recs {
                let c = Category::ALL[r.category];
                let mut key = MeterKey::new(
                    c,
                    ["alpha", "beta", "gamma"][r.account],
                    format!("res-{}", r.resource),
                )
                .in_az(AZ3[r.az]);
                match c {
                    Category::CrossAz | Category::PeeringCrossAz => {
                        key = key.direction(if r.out { Direction::Out } else { Direction::In })
                    }
                    Category::DxPortHours => {
                        key = key.port_speed(if r.out { "10G" } else { "hosted-500M" })
                    }
                    _ => {}
                }
                let id = m.register(key).unwrap();
                let start = r.hour * HOUR;
                if c.is_hours() {
                    m.add_time(id, at(start), at(start + (r.amount % 100_000) * MINUTE));
                } else {
                    m.add_bytes(id, at(start), r.amount * k);
                }
            }
            m
        }

        /// Account, category, resource, AZ, detail, tier.
        type LineKey = (
            String,
            Category,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );

        fn line_key(l: &LineItem) -> LineKey {
            (
                l.account.clone(),
                l.category,
                l.resource.clone(),
                l.az.clone(),
                l.detail.clone(),
                l.tier.clone(),
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            #[test]
            fn totals_add_up_nothing_is_negative_and_more_bytes_never_cost_less(
                recs in proptest::collection::vec(rec(), 0..40),
                consolidated in any::<bool>(),
            ) {
                let options = BillOptions {
                    consolidated_billing: consolidated,
                    ..Default::default()
                };
                let book = use1();
                let once = bill(&meters(&recs, 1), &book, "us-east-1", &options).unwrap();
                let twice = bill(&meters(&recs, 2), &book, "us-east-1", &options).unwrap();
                for b in [&once, &twice] {
                    // The total is the sum of the lines to the last digit, and so
                    // are the per-category and per-account breakdowns.
                    let lines: Usd = b.lines.iter().map(|l| l.usd).sum();
                    prop_assert_eq!(lines, b.total);
                    prop_assert_eq!(b.by_category.values().copied().sum::<Usd>(), b.total);
                    prop_assert_eq!(b.by_account.values().copied().sum::<Usd>(), b.total);
                    // No amount, usage or rate is negative.
                    for l in &b.lines {
                        prop_assert!(l.usd.amount() >= Decimal::ZERO);
                        prop_assert!(l.usage >= Decimal::ZERO && l.rate.amount() >= Decimal::ZERO);
                    }
                    // Lines are in their documented order (tier labels aside,
                    // which sort by tier index, checked in the unit tests).
                    let keys: Vec<_> = b
                        .lines
                        .iter()
                        .map(|l| {
                            let k = line_key(l);
                            (k.0, k.1, k.2, k.3, k.4)
                        })
                        .collect();
                    let mut sorted = keys.clone();
                    sorted.sort();
                    prop_assert_eq!(keys, sorted);
                }
                // Doubling every byte never lowers the total.
                prop_assert!(twice.total >= once.total);
                // Nor any untiered line: each is round(bytes × rate), monotone in
                // bytes; hours lines are unchanged.
                let after: BTreeMap<_, _> =
                    twice.lines.iter().map(|l| (line_key(l), l.usd)).collect();
                for l in once.lines.iter().filter(|l| !l.category.is_tiered()) {
                    let new = after.get(&line_key(l)).copied().unwrap_or(Usd::ZERO);
                    prop_assert!(new >= l.usd, "{:?}: {} → {}", line_key(l), l.usd, new);
                }
                // A single tier line may shrink (its bytes moved to a cheaper
                // tier, see a_tier_line_can_shrink_...), but a tier pool's
                // charge may not: per category, and per account when pools are
                // per account, the sum is round(cumulative charge) of a larger
                // total.
                for c in Category::ALL.into_iter().filter(|c| c.is_tiered()) {
                    prop_assert!(sum(&twice, |l| l.category == c) >= sum(&once, |l| l.category == c));
                    if !consolidated {
                        for a in ["alpha", "beta", "gamma"] {
                            let of = |b: &Bill| sum(b, |l| l.category == c && l.account == a);
                            prop_assert!(of(&twice) >= of(&once));
                        }
                    }
                }
            }
        }
    }
}
