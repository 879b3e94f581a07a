//! The pricebook: dated, sourced unit prices per region, loaded from RON.
//!
//! Owns the price data and its validation, nothing else: it neither meters
//! usage nor computes a bill (that is `cost::bill`), and it must not know
//! about routes or bytes in flight.
//!
//! # Format
//! The format is documented by example at the top of
//! `scenarios/pricebooks/aws-us-east-1.ron`. In short:
//!
//! ```text
//! Pricebook(
//!     name: "aws-us-east-1", version: "2026-09-29", currency: "USD",
//!     gb_bytes: 1073741824,
//!     regions: { "us-east-1": Region( <one rate per field of RegionRates> ) },
//! )
//! ```
//!
//! * Every rate is a [`Rate`] (`usd`, `source`, `read_on`, optional `note`) or,
//!   for volume-tiered items, a [`TieredRate`] whose [`Tier`]s give an upper
//!   bound in GB (`up_to_gb`, cumulative over the month) and a rate; the last
//!   tier has no bound. Tier bounds are whole GB.
//! * Fields are checked strictly (`deny_unknown_fields`: a typo is an error,
//!   not a silently missing price). Optional fields (`note`, `up_to_gb`) are
//!   written bare, without `Some(..)`: the loader enables RON's
//!   `implicit_some`.
//! * Dollar amounts are strings such as `"$0.01"` and are exact decimals.
//!
//! # One region or several
//! A pricebook holds a map of regions. The builtin ones each hold the one
//! region they are named after; a file may list several. A bill is computed
//! for one home region, and each meter may name another region (e.g. the
//! *source* region of cross-region transfer, whose inter-region rate applies);
//! that region must then be in the same pricebook.
//!
//! # What a GB is
//! `gb_bytes` decides how bytes become billed GB. The builtin pricebooks use
//! **1 GB = 2^30 bytes (1,073,741,824)**: AWS's Price List expresses data in
//! GB with tier bounds such as `0-1048576` and `1048576-5242880` GB for
//! "first 1 PB / next 4 PB", i.e. 1 PB = 1,048,576 GB and 1 TB = 1,024 GB,
//! which is binary counting; Cost Explorer usage in GB follows the same
//! convention. A user who prefers SI units can set `gb_bytes: 1000000000`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::CostError;
use super::meters::{Category, Detail};
use super::rules::RuleBook;
use crate::units::Usd;

/// The builtin pricebooks, embedded at compile time: `(name, RON text)`.
const BUILTIN: [(&str, &str); 12] = [
    (
        "aws-us-east-1",
        include_str!("../../scenarios/pricebooks/aws-us-east-1.ron"),
    ),
    (
        "aws-us-east-2",
        include_str!("../../scenarios/pricebooks/aws-us-east-2.ron"),
    ),
    (
        "aws-us-west-2",
        include_str!("../../scenarios/pricebooks/aws-us-west-2.ron"),
    ),
    (
        "aws-eu-west-1",
        include_str!("../../scenarios/pricebooks/aws-eu-west-1.ron"),
    ),
    (
        "aws-eu-west-2",
        include_str!("../../scenarios/pricebooks/aws-eu-west-2.ron"),
    ),
    (
        "aws-eu-central-1",
        include_str!("../../scenarios/pricebooks/aws-eu-central-1.ron"),
    ),
    (
        "aws-ap-northeast-1",
        include_str!("../../scenarios/pricebooks/aws-ap-northeast-1.ron"),
    ),
    (
        "aws-ap-southeast-1",
        include_str!("../../scenarios/pricebooks/aws-ap-southeast-1.ron"),
    ),
    (
        "aws-ap-southeast-2",
        include_str!("../../scenarios/pricebooks/aws-ap-southeast-2.ron"),
    ),
    (
        "aws-ap-southeast-5",
        include_str!("../../scenarios/pricebooks/aws-ap-southeast-5.ron"),
    ),
    (
        "aws-ap-south-1",
        include_str!("../../scenarios/pricebooks/aws-ap-south-1.ron"),
    ),
    (
        "aws-sa-east-1",
        include_str!("../../scenarios/pricebooks/aws-sa-east-1.ron"),
    ),
];

/// A named, versioned set of unit prices for one or more regions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pricebook {
    /// Name used to refer to it (`"aws-us-east-1"`).
    pub name: String,
    /// Version of the data, e.g. the date its prices were read.
    pub version: String,
    /// Must be `"USD"`.
    pub currency: String,
    /// Bytes per billed GB (2^30 in the builtin pricebooks; see module docs).
    pub gb_bytes: u64,
    /// Rates by region code (`"us-east-1"`).
    pub regions: BTreeMap<String, RegionRates>,
    /// The pricing rules (who pays, what is free) this pricebook prices
    /// with; absent, the builtin rule book ([`RuleBook::builtin`]) applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<RuleBook>,
}

/// Name and version of a pricebook, for summaries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PricebookRef {
    pub name: String,
    pub version: String,
}

impl fmt::Display for PricebookRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

/// A flat unit price with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// Dollars per unit (per hour or per GB, as the field name says).
    pub usd: Usd,
    /// Where the figure comes from (a tag or URL from the fact sheet).
    pub source: String,
    /// When it was read, `YYYY-MM-DD`.
    pub read_on: String,
    /// Caveats: secondary source, copied from another region, approximate...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A volume-tiered price per GB, applied to a monthly total in time order.
/// Written `Tiered(...)` in RON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Tiered")]
pub struct TieredRate {
    /// Tiers in increasing order; only the last has no `up_to_gb`.
    pub tiers: Vec<Tier>,
    pub source: String,
    pub read_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One tier: the rate for usage up to `up_to_gb` GB of the month's total
/// (cumulative, from the previous tier's bound), or beyond if `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to_gb: Option<u64>,
    pub usd: Usd,
}

/// What one NLB capacity unit (NLCU) holds for TCP traffic; an hour is
/// billed on the dimension that needs the most NLCUs. Written `Nlcu(...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Nlcu")]
pub struct NlcuDefinition {
    /// New connections per second (averaged over the hour).
    pub new_connections_per_second: u64,
    /// Concurrent (active) connections (AWS samples them per minute).
    pub active_connections: u64,
    /// Bytes processed per hour, in GB.
    pub processed_gb_per_hour: u64,
    pub source: String,
    pub read_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Every rate of one region. Field names say the unit: `_hour` is per
/// resource-hour, `_gb` per GB. Written `Region(...)` in RON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Region")]
pub struct RegionRates {
    /// The region's code in AWS billing, which starts its usage types
    /// (`"USE1"` → `USE1-VpcEndpoint-Hours`).
    pub billing_code: String,
    /// Interface endpoint, per endpoint per AZ-hour.
    pub interface_endpoint_hour: Rate,
    /// Interface endpoint data processed, tiered over the month's regional total.
    pub interface_endpoint_gb: TieredRate,
    /// Gateway endpoint (S3, DynamoDB) data: free, an explicit zero.
    pub gateway_endpoint_gb: Rate,
    /// EC2 cross-AZ transfer, per GB in *each* direction.
    pub cross_az_gb_per_direction: Rate,
    /// VPC peering inside one AZ (free).
    pub peering_same_az_gb: Rate,
    /// VPC peering across AZs, per GB in each direction.
    pub peering_cross_az_gb_per_direction: Rate,
    /// VPC peering across regions, per GB out of the source region.
    pub peering_inter_region_gb: Rate,
    /// Transit Gateway, per attachment-hour.
    pub tgw_attachment_hour: Rate,
    /// Transit Gateway data processed, per GB sent into it.
    pub tgw_gb: Rate,
    /// NAT gateway, per gateway-hour.
    pub nat_gateway_hour: Rate,
    /// NAT gateway data processed, per GB.
    pub nat_gateway_gb: Rate,
    /// Direct Connect port-hour by port speed (`"1G"`, `"10G"`, `"hosted-500M"`...).
    pub dx_port_hour: BTreeMap<String, Rate>,
    /// Direct Connect data transfer out, per GB.
    pub dx_data_out_gb: Rate,
    /// Internet egress, tiered over the month (first tier: the free allowance).
    pub internet_out_gb: TieredRate,
    /// Data transfer to another region (not peering), per GB out.
    pub inter_region_out_gb: Rate,
    /// Network Load Balancer, per NLB-hour (partial hours billed as full).
    pub nlb_hour: Rate,
    /// Network Load Balancer capacity, per NLCU-hour.
    pub nlcu_hour: Rate,
    /// What one NLCU holds.
    pub nlcu: NlcuDefinition,
}

/// How a meter is priced: a flat rate or tiers.
#[derive(Debug, Clone, Copy)]
pub enum Pricing<'a> {
    Flat(&'a Rate),
    Tiered(&'a TieredRate),
}

impl RegionRates {
    /// The pricing of a category (and its detail, for DX port speeds); `None`
    /// if the region has no rate for that port speed.
    pub fn pricing(&self, category: Category, detail: Option<&Detail>) -> Option<Pricing<'_>> {
        use Pricing::{Flat, Tiered};
        Some(match category {
            Category::EndpointHours => Flat(&self.interface_endpoint_hour),
            Category::EndpointDataProcessed => Tiered(&self.interface_endpoint_gb),
            Category::CrossAz => Flat(&self.cross_az_gb_per_direction),
            // Same-AZ peering charged by a rule set bills per direction at
            // the cross-AZ peering rate; free, it shows at its own rate.
            Category::PeeringSameAz => match detail {
                Some(Detail::Direction(_)) => Flat(&self.peering_cross_az_gb_per_direction),
                _ => Flat(&self.peering_same_az_gb),
            },
            Category::PeeringCrossAz => Flat(&self.peering_cross_az_gb_per_direction),
            Category::PeeringInterRegion => Flat(&self.peering_inter_region_gb),
            Category::GatewayEndpoint => Flat(&self.gateway_endpoint_gb),
            Category::TgwAttachmentHours => Flat(&self.tgw_attachment_hour),
            Category::TgwDataProcessed => Flat(&self.tgw_gb),
            Category::NatHours => Flat(&self.nat_gateway_hour),
            Category::NatDataProcessed => Flat(&self.nat_gateway_gb),
            Category::DxPortHours => match detail {
                Some(Detail::PortSpeed(speed)) => Flat(self.dx_port_hour.get(speed)?),
                _ => return None,
            },
            Category::DxDataOut => Flat(&self.dx_data_out_gb),
            Category::InternetOut => Tiered(&self.internet_out_gb),
            Category::InterRegionOut => Flat(&self.inter_region_out_gb),
            Category::NlbHours => Flat(&self.nlb_hour),
            Category::NlbCapacityUnits => Flat(&self.nlcu_hour),
        })
    }

    /// Every flat rate with its field path (for validation and listings).
    pub fn flat_rates(&self) -> Vec<(String, &Rate)> {
        let mut v: Vec<(String, &Rate)> = vec![
            (
                "interface_endpoint_hour".into(),
                &self.interface_endpoint_hour,
            ),
            ("gateway_endpoint_gb".into(), &self.gateway_endpoint_gb),
            (
                "cross_az_gb_per_direction".into(),
                &self.cross_az_gb_per_direction,
            ),
            ("peering_same_az_gb".into(), &self.peering_same_az_gb),
            (
                "peering_cross_az_gb_per_direction".into(),
                &self.peering_cross_az_gb_per_direction,
            ),
            (
                "peering_inter_region_gb".into(),
                &self.peering_inter_region_gb,
            ),
            ("tgw_attachment_hour".into(), &self.tgw_attachment_hour),
            ("tgw_gb".into(), &self.tgw_gb),
            ("nat_gateway_hour".into(), &self.nat_gateway_hour),
            ("nat_gateway_gb".into(), &self.nat_gateway_gb),
            ("dx_data_out_gb".into(), &self.dx_data_out_gb),
            ("inter_region_out_gb".into(), &self.inter_region_out_gb),
            ("nlb_hour".into(), &self.nlb_hour),
            ("nlcu_hour".into(), &self.nlcu_hour),
        ];
        for (speed, rate) in &self.dx_port_hour {
            v.push((format!("dx_port_hour[{speed:?}]"), rate));
        }
        v
    }

    /// Every tiered rate with its field path.
    pub fn tiered_rates(&self) -> Vec<(String, &TieredRate)> {
        vec![
            ("interface_endpoint_gb".into(), &self.interface_endpoint_gb),
            ("internet_out_gb".into(), &self.internet_out_gb),
        ]
    }
}

impl Pricebook {
    /// Names of the embedded pricebooks.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// An embedded pricebook by name, or `None` if there is none by that name.
    ///
    /// # Panics
    /// If an embedded file is invalid, which only a bad build could cause
    /// (every builtin is parsed and validated by the tests).
    pub fn builtin(name: &str) -> Option<Pricebook> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        match Pricebook::from_ron(text, &format!("builtin:{name}")) {
            Ok(p) => Some(p),
            Err(e) => {
                panic!("invariant: embedded pricebook {name} is valid (checked by tests): {e}")
            }
        }
    }

    /// Loads and validates a pricebook file. Syntax and schema errors give
    /// `file:line:col`; meaning errors give the field path and a hint.
    pub fn load_file(path: impl AsRef<Path>) -> Result<Pricebook, CostError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text = crate::input::read_text(path, crate::input::Kind::Pricebook)?;
        Pricebook::from_ron(&text, &origin)
    }

    /// Parses and validates RON text; `origin` names it in errors.
    pub fn from_ron(text: &str, origin: &str) -> Result<Pricebook, CostError> {
        // The scenarios' parser: a leading BOM is skipped, and errors carry
        // the field path and a did-you-mean.
        let book: Pricebook = crate::scenario::syntax::parse(text, "Pricebook")
            .map_err(|e| CostError::syntax(origin, e))?;
        book.validate(origin)?;
        Ok(book)
    }

    /// Name and version, for summaries.
    pub fn reference(&self) -> PricebookRef {
        PricebookRef {
            name: self.name.clone(),
            version: self.version.clone(),
        }
    }

    /// The rule book this pricebook prices with: its own, else the builtin.
    pub fn rule_book(&self) -> RuleBook {
        self.rules.clone().unwrap_or_else(RuleBook::builtin)
    }

    /// The rates of a region.
    pub fn region(&self, region: &str) -> Result<&RegionRates, CostError> {
        self.regions
            .get(region)
            .ok_or_else(|| CostError::UnknownRegion {
                pricebook: self.name.clone(),
                region: region.to_string(),
                known: self.regions.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }

    /// Checks what the schema cannot: currency, `gb_bytes`, rates ≥ 0, a
    /// source and a date on every rate, tiers strictly increasing with an
    /// open-ended last tier. `origin` names the pricebook in errors.
    pub fn validate(&self, origin: &str) -> Result<(), CostError> {
        let invalid = |path: String, problem: String, hint: &str| CostError::Invalid {
            origin: origin.to_string(),
            path,
            problem,
            hint: hint.to_string(),
        };
        if self.name.trim().is_empty() {
            return Err(invalid(
                "name".into(),
                "is empty".into(),
                "give the pricebook a name",
            ));
        }
        if self.version.trim().is_empty() {
            return Err(invalid(
                "version".into(),
                "is empty".into(),
                "give a version, e.g. the date the prices were read",
            ));
        }
        if self.currency != "USD" {
            return Err(invalid(
                "currency".into(),
                format!("{:?} is not supported", self.currency),
                "vpcsim bills in US dollars: write currency: \"USD\"",
            ));
        }
        if self.gb_bytes == 0 {
            return Err(invalid(
                "gb_bytes".into(),
                "is zero".into(),
                "use 1073741824 (2^30, as AWS's Price List) or 1000000000 (SI)",
            ));
        }
        if self.regions.is_empty() {
            return Err(invalid(
                "regions".into(),
                "lists no region".into(),
                "add at least one entry such as \"us-east-1\": Region(...)",
            ));
        }
        for (region, rates) in &self.regions {
            let at = |field: &str| format!("regions[{region:?}].{field}");
            for (field, rate) in rates.flat_rates() {
                check_amount(rate.usd, at(&format!("{field}.usd")), origin)?;
                check_provenance(&rate.source, &rate.read_on, &at(&field), origin)?;
            }
            for (field, tiered) in rates.tiered_rates() {
                check_provenance(&tiered.source, &tiered.read_on, &at(&field), origin)?;
                check_tiers(&tiered.tiers, &at(&field), origin)?;
            }
            for speed in rates.dx_port_hour.keys() {
                if speed.trim().is_empty() {
                    return Err(invalid(
                        at("dx_port_hour"),
                        "has an empty port speed".into(),
                        "name port speeds such as \"10G\" or \"hosted-500M\"",
                    ));
                }
            }
            let n = &rates.nlcu;
            check_provenance(&n.source, &n.read_on, &at("nlcu"), origin)?;
            for (field, value) in [
                ("new_connections_per_second", n.new_connections_per_second),
                ("active_connections", n.active_connections),
                ("processed_gb_per_hour", n.processed_gb_per_hour),
            ] {
                if value == 0 {
                    return Err(invalid(
                        at(&format!("nlcu.{field}")),
                        "is zero".into(),
                        "an NLCU holds a positive amount of each dimension (AWS: 800, 100000, 1)",
                    ));
                }
            }
            let code = &rates.billing_code;
            if code.is_empty() || !code.bytes().all(|c| c.is_ascii_alphanumeric()) {
                return Err(invalid(
                    at("billing_code"),
                    format!("{code:?} is not a billing code"),
                    "write the region's code in AWS billing, e.g. \"USE1\" for us-east-1",
                ));
            }
        }
        if let Some(book) = &self.rules {
            book.validate(origin, "rules.")?;
        }
        Ok(())
    }
}

fn check_amount(usd: Usd, path: String, origin: &str) -> Result<(), CostError> {
    if usd.amount() < Decimal::ZERO {
        return Err(CostError::Invalid {
            origin: origin.to_string(),
            path,
            problem: format!("rate {} is negative", usd.amount()),
            hint: "rates are dollar amounts ≥ 0; write \"$0\" for a free item".into(),
        });
    }
    Ok(())
}

fn check_provenance(
    source: &str,
    read_on: &str,
    path: &str,
    origin: &str,
) -> Result<(), CostError> {
    if source.trim().is_empty() {
        return Err(CostError::Invalid {
            origin: origin.to_string(),
            path: format!("{path}.source"),
            problem: "is empty".into(),
            hint: "say where the price comes from (a URL or a fact-sheet tag)".into(),
        });
    }
    if !is_date(read_on) {
        return Err(CostError::Invalid {
            origin: origin.to_string(),
            path: format!("{path}.read_on"),
            problem: format!("{read_on:?} is not a date"),
            hint: "write the date the price was read as YYYY-MM-DD, e.g. \"2026-09-29\"".into(),
        });
    }
    Ok(())
}

fn check_tiers(tiers: &[Tier], path: &str, origin: &str) -> Result<(), CostError> {
    let invalid = |path: String, problem: String, hint: &str| CostError::Invalid {
        origin: origin.to_string(),
        path,
        problem,
        hint: hint.to_string(),
    };
    if tiers.is_empty() {
        return Err(invalid(
            format!("{path}.tiers"),
            "is empty".into(),
            "give at least one tier, e.g. [Tier(usd: \"$0.01\")]",
        ));
    }
    let mut previous: u64 = 0;
    for (i, tier) in tiers.iter().enumerate() {
        let at = format!("{path}.tiers[{i}]");
        check_amount(tier.usd, format!("{at}.usd"), origin)?;
        let last = i + 1 == tiers.len();
        match (tier.up_to_gb, last) {
            (Some(bound), false) => {
                if bound <= previous {
                    return Err(invalid(
                        format!("{at}.up_to_gb"),
                        format!("{bound} is not above the previous tier's bound ({previous})"),
                        "tier bounds are cumulative monthly GB and must strictly increase",
                    ));
                }
                previous = bound;
            }
            (None, false) => {
                return Err(invalid(
                    format!("{at}.up_to_gb"),
                    "is missing on a tier that is not the last".into(),
                    "only the last tier is open-ended; give this one an up_to_gb bound",
                ))
            }
            (Some(_), true) => {
                return Err(invalid(
                    format!("{at}.up_to_gb"),
                    "is set on the last tier".into(),
                    "the last tier must be open-ended (no up_to_gb) so every byte has a rate",
                ))
            }
            (None, true) => {}
        }
    }
    Ok(())
}

/// `YYYY-MM-DD` with a plausible month and day.
pub(crate) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    matches!(
        (digits(0..4), digits(5..7), digits(8..10)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn usd(s: &str) -> Usd {
        Usd::parse(s).unwrap()
    }

    #[test]
    fn every_builtin_parses_validates_and_is_named_after_itself() {
        // builtin() panics on an invalid embedded file, so calling it for every
        // name proves each one parses and passes validate().
        let names = Pricebook::builtin_names();
        assert!(names.contains(&"aws-us-east-1") && names.contains(&"aws-us-east-2"));
        for name in names {
            let book = Pricebook::builtin(name).unwrap();
            assert_eq!(book.name, name);
            assert_eq!(book.currency, "USD");
            assert_eq!(book.gb_bytes, 1 << 30);
            // Each builtin holds the region it is named after.
            let region = name.trim_start_matches("aws-");
            assert!(book.regions.contains_key(region), "{name}");
        }
        assert!(Pricebook::builtin("aws-mars-1").is_none());
    }

    #[test]
    fn every_builtin_rate_has_a_source_and_a_date() {
        // validate() already enforces this; the test states it directly so that
        // a weakened validator cannot let an unsourced price ship.
        for name in Pricebook::builtin_names() {
            let book = Pricebook::builtin(name).unwrap();
            for (region, rates) in &book.regions {
                let mut provenances: Vec<(String, &str, &str)> = rates
                    .flat_rates()
                    .into_iter()
                    .map(|(f, r)| (f, r.source.as_str(), r.read_on.as_str()))
                    .collect();
                provenances.extend(
                    rates
                        .tiered_rates()
                        .into_iter()
                        .map(|(f, r)| (f, r.source.as_str(), r.read_on.as_str())),
                );
                assert!(provenances.len() >= 14);
                for (field, source, read_on) in provenances {
                    assert!(
                        source.len() > 10,
                        "{name} {region} {field}: source {source:?}"
                    );
                    assert!(
                        is_date(read_on),
                        "{name} {region} {field}: read_on {read_on:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn us_east_1_has_the_fact_sheet_prices() {
        // Section 3 of the fact sheet, figure by figure.
        let book = Pricebook::builtin("aws-us-east-1").unwrap();
        let r = book.region("us-east-1").unwrap();
        assert_eq!(r.interface_endpoint_hour.usd, usd("$0.01"));
        let tiers: Vec<_> = r
            .interface_endpoint_gb
            .tiers
            .iter()
            .map(|t| (t.up_to_gb, t.usd))
            .collect();
        assert_eq!(
            tiers,
            vec![
                (Some(1_048_576), usd("$0.01")),
                (Some(5_242_880), usd("$0.006")),
                (None, usd("$0.004"))
            ]
        );
        assert_eq!(r.gateway_endpoint_gb.usd, usd("$0"));
        assert_eq!(r.cross_az_gb_per_direction.usd, usd("$0.01"));
        assert_eq!(r.peering_same_az_gb.usd, usd("$0"));
        assert_eq!(r.peering_cross_az_gb_per_direction.usd, usd("$0.01"));
        assert_eq!(r.tgw_attachment_hour.usd, usd("$0.05"));
        assert_eq!(r.tgw_gb.usd, usd("$0.02"));
        assert_eq!(r.nat_gateway_hour.usd, usd("$0.045"));
        assert_eq!(r.nat_gateway_gb.usd, usd("$0.045"));
        // Direct Connect: every port speed AWS sells (fact sheet 11; the
        // pay-as-you-go page, outside Japan).
        let dx: Vec<(&str, Usd)> = r
            .dx_port_hour
            .iter()
            .map(|(k, v)| (k.as_str(), v.usd))
            .collect();
        let expect: Vec<(&str, Usd)> = [
            ("100G", "$22.50"),
            ("10G", "$2.25"),
            ("1G", "$0.30"),
            ("400G", "$85.00"),
            ("hosted-100M", "$0.06"),
            ("hosted-10G", "$2.48"),
            ("hosted-1G", "$0.33"),
            ("hosted-200M", "$0.08"),
            ("hosted-25G", "$6.20"),
            ("hosted-2G", "$0.66"),
            ("hosted-300M", "$0.12"),
            ("hosted-400M", "$0.16"),
            ("hosted-500M", "$0.20"),
            ("hosted-50M", "$0.03"),
            ("hosted-5G", "$1.65"),
        ]
        .iter()
        .map(|(k, v)| (*k, usd(v)))
        .collect();
        assert_eq!(dx, expect);
        assert_eq!(r.nlb_hour.usd, usd("$0.0225"));
        assert_eq!(r.nlcu_hour.usd, usd("$0.006"));
        assert_eq!(
            (
                r.nlcu.new_connections_per_second,
                r.nlcu.active_connections,
                r.nlcu.processed_gb_per_hour
            ),
            (800, 100_000, 1)
        );
        assert_eq!(r.billing_code, "USE1");
        assert_eq!(r.dx_data_out_gb.usd, usd("$0.02"));
        let internet: Vec<_> = r
            .internet_out_gb
            .tiers
            .iter()
            .map(|t| (t.up_to_gb, t.usd))
            .collect();
        assert_eq!(
            internet,
            vec![
                (Some(100), usd("$0")),
                (Some(10_240), usd("$0.09")),
                (Some(51_200), usd("$0.085")),
                (Some(153_600), usd("$0.07")),
                (None, usd("$0.05"))
            ]
        );
    }

    #[test]
    fn other_regions_mark_copied_rates() {
        // A rate the fact sheet has no figure for must say it was copied.
        let book = Pricebook::builtin("aws-ap-southeast-5").unwrap();
        let r = book.region("ap-southeast-5").unwrap();
        assert_eq!(r.interface_endpoint_hour.usd, usd("$0.0117"));
        let note = r.nat_gateway_hour.note.as_deref().unwrap_or("");
        assert!(note.contains("copied from us-east-1"), "{note}");
        let ohio = Pricebook::builtin("aws-us-east-2").unwrap();
        let r2 = ohio.region("us-east-2").unwrap();
        assert_eq!(r2.nat_gateway_hour.usd, usd("$0.045"));
        assert!(r2
            .interface_endpoint_hour
            .note
            .as_deref()
            .unwrap_or("")
            .contains("copied from us-east-1"));
    }

    #[test]
    fn a_rate_marked_copied_is_the_us_east_1_figure_and_a_read_one_says_so() {
        // Every flat rate of every built-in region either carries the
        // "copied from us-east-1" marking and then equals us-east-1's figure,
        // or has no marking; a read figure that differs from us-east-1 must
        // not be marked (and a copied one must not have drifted).
        let home = Pricebook::builtin("aws-us-east-1").unwrap();
        let home = home.region("us-east-1").unwrap();
        let home_flat: BTreeMap<String, Usd> = home
            .flat_rates()
            .into_iter()
            .map(|(k, r)| (k, r.usd))
            .collect();
        for name in Pricebook::builtin_names() {
            let book = Pricebook::builtin(name).unwrap();
            for (code, region) in &book.regions {
                for (field, rate) in region.flat_rates() {
                    let copied = rate
                        .note
                        .as_deref()
                        .is_some_and(|n| n.contains("copied from us-east-1"));
                    if copied {
                        assert_eq!(Some(&rate.usd), home_flat.get(&field), "{code} {field}");
                    }
                }
            }
        }
    }

    #[test]
    fn regional_rates_read_for_the_region_itself() {
        let rates = |book: &str, region: &str| {
            Pricebook::builtin(book)
                .unwrap()
                .region(region)
                .unwrap()
                .clone()
        };
        let sa = rates("aws-sa-east-1", "sa-east-1");
        let internet: Vec<_> = sa.internet_out_gb.tiers.iter().map(|t| t.usd).collect();
        assert_eq!(
            internet,
            vec![
                usd("$0"),
                usd("$0.150"),
                usd("$0.138"),
                usd("$0.126"),
                usd("$0.114")
            ]
        );
        assert_eq!(sa.inter_region_out_gb.usd, usd("$0.138"));
        let mumbai = rates("aws-ap-south-1", "ap-south-1");
        assert_eq!(mumbai.tgw_attachment_hour.usd, usd("$0.07"));
        assert_eq!(mumbai.tgw_gb.usd, usd("$0.02"));
        let london = rates("aws-eu-west-2", "eu-west-2");
        assert_eq!(london.nat_gateway_hour.usd, usd("$0.05"));
        assert_eq!(london.interface_endpoint_hour.usd, usd("$0.011"));
        let frankfurt = rates("aws-eu-central-1", "eu-central-1");
        assert_eq!(frankfurt.nat_gateway_gb.usd, usd("$0.052"));
        let singapore = rates("aws-ap-southeast-1", "ap-southeast-1");
        assert_eq!(singapore.interface_endpoint_hour.usd, usd("$0.013"));
        assert!(singapore
            .internet_out_gb
            .note
            .as_deref()
            .unwrap_or("")
            .contains("free 100 GB"));
    }

    fn us_east_1_text() -> &'static str {
        BUILTIN[0].1
    }

    #[test]
    fn a_syntax_error_is_positioned_in_the_named_file() {
        // Break the text on a known line: the error must name that line (and
        // the file), since ron alone reports no file name.
        let text = us_east_1_text();
        let (line_no, _) = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains("currency:"))
            .unwrap();
        let broken: String = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == line_no {
                    "    currency: USD\",\n".to_string()
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.ron");
        std::fs::write(&path, broken).unwrap();
        let e = Pricebook::load_file(&path).unwrap_err();
        match &e {
            CostError::Syntax { origin, line, .. } => {
                assert!(origin.ends_with("broken.ron"));
                assert_eq!(*line, line_no + 1);
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
        let shown = e.to_string();
        assert!(
            shown.contains(&format!("broken.ron:{}:", line_no + 1)),
            "{shown}"
        );
    }

    #[test]
    fn an_unknown_field_is_a_positioned_error() {
        // deny_unknown_fields: a typo ("nat_gatway_hour") must not silently
        // drop a price.
        let text = us_east_1_text().replacen("nat_gateway_hour:", "nat_gatway_hour:", 1);
        let e = Pricebook::from_ron(&text, "typo.ron").unwrap_err();
        let shown = e.to_string();
        assert!(matches!(e, CostError::Syntax { .. }), "{shown}");
        assert!(
            shown.starts_with("typo.ron:") && shown.contains("nat_gatway_hour"),
            "{shown}"
        );
    }

    #[test]
    fn a_negative_rate_is_rejected_with_position_or_path() {
        // From a file: the dollar parser refuses the sign, at its position.
        let text = us_east_1_text().replacen("usd: \"$0.045\"", "usd: \"-$0.045\"", 1);
        let e = Pricebook::from_ron(&text, "neg.ron").unwrap_err();
        assert!(matches!(e, CostError::Syntax { .. }), "{e}");
        assert!(e.to_string().contains("-$0.045"), "{e}");
        // Built in code (no parser in the way): validate() names the field.
        let mut book = Pricebook::builtin("aws-us-east-1").unwrap();
        book.regions
            .get_mut("us-east-1")
            .unwrap()
            .nat_gateway_gb
            .usd = Usd::new(Decimal::from_str("-0.045").unwrap());
        let e = book.validate("code").unwrap_err();
        let shown = e.to_string();
        assert!(
            shown.contains("regions[\"us-east-1\"].nat_gateway_gb.usd"),
            "{shown}"
        );
        assert!(shown.contains("negative"), "{shown}");
    }

    #[test]
    fn tiers_must_increase_and_end_open() {
        let text = us_east_1_text().replacen("up_to_gb: 5242880", "up_to_gb: 1000", 1);
        let e = Pricebook::from_ron(&text, "tiers.ron").unwrap_err();
        let shown = e.to_string();
        assert!(
            shown.contains("regions[\"us-east-1\"].interface_endpoint_gb.tiers[1].up_to_gb")
                && shown.contains("strictly increase"),
            "{shown}"
        );
        let mut book = Pricebook::builtin("aws-us-east-1").unwrap();
        let r = book.regions.get_mut("us-east-1").unwrap();
        r.internet_out_gb.tiers.last_mut().unwrap().up_to_gb = Some(1 << 40);
        let shown = book.validate("code").unwrap_err().to_string();
        assert!(
            shown.contains("tiers[4].up_to_gb") && shown.contains("open-ended"),
            "{shown}"
        );
    }

    #[test]
    fn provenance_and_header_fields_are_checked() {
        let mut book = Pricebook::builtin("aws-us-east-1").unwrap();
        book.regions.get_mut("us-east-1").unwrap().tgw_gb.read_on = "last week".into();
        let shown = book.validate("code").unwrap_err().to_string();
        assert!(
            shown.contains("tgw_gb.read_on") && shown.contains("YYYY-MM-DD"),
            "{shown}"
        );

        let mut book = Pricebook::builtin("aws-us-east-1").unwrap();
        book.regions.get_mut("us-east-1").unwrap().tgw_gb.source = " ".into();
        assert!(book
            .validate("code")
            .unwrap_err()
            .to_string()
            .contains("tgw_gb.source"));

        let mut book = Pricebook::builtin("aws-us-east-1").unwrap();
        book.gb_bytes = 0;
        assert!(book
            .validate("code")
            .unwrap_err()
            .to_string()
            .contains("gb_bytes"));

        let mut book = Pricebook::builtin("aws-us-east-1").unwrap();
        book.currency = "EUR".into();
        assert!(book
            .validate("code")
            .unwrap_err()
            .to_string()
            .contains("currency"));
    }

    #[test]
    fn a_missing_file_names_the_file() {
        let e = Pricebook::load_file("/nonexistent/pb.ron").unwrap_err();
        assert!(matches!(e, CostError::Input(_)));
        assert!(e.to_string().starts_with("/nonexistent/pb.ron"));
    }

    #[test]
    fn a_pricebook_round_trips_through_ron() {
        // Serialize + parse gives back the same data (so tools can rewrite files).
        let book = Pricebook::builtin("aws-us-east-2").unwrap();
        let text = ron::ser::to_string_pretty(&book, ron::ser::PrettyConfig::default()).unwrap();
        let back = Pricebook::from_ron(&text, "round-trip").unwrap();
        assert_eq!(back, book);
    }

    #[test]
    fn unknown_region_lists_the_known_ones() {
        let book = Pricebook::builtin("aws-us-east-1").unwrap();
        let shown = book.region("eu-west-1").unwrap_err().to_string();
        assert!(
            shown.contains("eu-west-1") && shown.contains("it has: us-east-1"),
            "{shown}"
        );
    }
}
