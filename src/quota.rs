//! Quota profiles: the AWS limits and behaviour switches a run obeys.
//!
//! Profiles are RON data (`scenarios/quotas/*.ron`), embedded at build time:
//! `faq` (the PrivateLink FAQ's figures, the default) and `aws-current`
//! (today's documented defaults). A scenario names one, or a file, and may
//! override single values (`quota_overrides`).
//!
//! Owns: the numbers. Must not: enforce them (the control plane and the data
//! plane do) or hold any run-time state.

use serde::{Deserialize, Serialize};

use crate::scenario::{QuotaOverrides, ScalingPolicy};
use crate::units::Bandwidth;

/// A named set of quotas and behaviour switches.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuotaProfile {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub description: String,
    /// Active peering connections per VPC.
    pub peerings_per_vpc: u32,
    /// Interface endpoints per VPC.
    pub interface_endpoints_per_vpc: u32,
    /// Gateway endpoints per VPC.
    pub gateway_endpoints_per_vpc: u32,
    /// Starting capacity of each (endpoint, AZ).
    pub endpoint_az_base: Bandwidth,
    /// Ceiling the (endpoint, AZ) capacity scales up to.
    pub endpoint_az_max: Bandwidth,
    /// Whether endpoint ENIs carry security groups.
    pub endpoint_security_groups: bool,
    /// NAT gateway starting and maximum capacity.
    pub nat_base: Bandwidth,
    pub nat_max: Bandwidth,
    /// Transit Gateway VPC attachment bandwidth per AZ.
    pub tgw_attachment_az: Bandwidth,
    /// Single-flow (5-tuple) limit outside a cluster placement group.
    pub single_flow_limit: Bandwidth,
    /// Single-flow limit inside a cluster placement group.
    pub placement_group_flow_limit: Bandwidth,
    /// Transit gateways attached per VPC.
    pub transit_gateways_per_vpc: u32,
    /// How autoscaling capacities grow.
    pub scaling: ScalingPolicy,
}

const BUILTIN: [(&str, &str); 2] = [
    ("faq", include_str!("../scenarios/quotas/faq.ron")),
    (
        "aws-current",
        include_str!("../scenarios/quotas/aws-current.ron"),
    ),
];

/// Errors loading a quota profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QuotaError {
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    #[error("{file}: invalid quota profile:\n{}", .problems.iter().map(|(p, m)| format!("  - {p}: {m}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        file: String,
        /// `(field path, message)`.
        problems: Vec<(String, String)>,
    },
    #[error("{file}:{line}:{col}: {message}")]
    Syntax {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
}

impl QuotaProfile {
    /// Names of the embedded profiles.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// An embedded profile by name.
    pub fn builtin(name: &str) -> Option<QuotaProfile> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        // The embedded files are checked by a unit test, so parsing cannot fail
        // in a tested build; a failure still degrades to "unknown" rather than panic.
        QuotaProfile::from_ron(text, name).ok()
    }

    /// This profile with a scenario's overrides applied.
    pub fn with_overrides(mut self, o: &QuotaOverrides) -> QuotaProfile {
        macro_rules! take {
            ($($f:ident),*) => { $( if let Some(v) = &o.$f { self.$f = v.clone(); } )* };
        }
        take!(
            peerings_per_vpc,
            interface_endpoints_per_vpc,
            gateway_endpoints_per_vpc,
            endpoint_az_base,
            endpoint_az_max,
            endpoint_security_groups,
            nat_base,
            nat_max,
            tgw_attachment_az,
            single_flow_limit,
            placement_group_flow_limit,
            transit_gateways_per_vpc,
            scaling
        );
        if *o != QuotaOverrides::default() {
            self.name = format!("{}+overrides", self.name);
        }
        self
    }
}

impl QuotaProfile {
    /// Parses and checks a profile from RON text; `file` names it in errors.
    pub fn from_ron(text: &str, file: &str) -> Result<QuotaProfile, QuotaError> {
        // The scenarios' parser: a leading BOM is skipped, and errors carry
        // the field path and a did-you-mean.
        let profile: QuotaProfile =
            crate::scenario::syntax::parse(text, "QuotaProfile").map_err(|e| {
                QuotaError::Syntax {
                    file: file.to_string(),
                    line: e.line,
                    col: e.col,
                    message: e.message,
                }
            })?;
        let problems = profile.problems();
        if problems.is_empty() {
            Ok(profile)
        } else {
            Err(QuotaError::Invalid {
                file: file.to_string(),
                problems,
            })
        }
    }

    /// What a profile file must satisfy, as `quota_overrides` must: a
    /// scaling policy that scales, capacities above zero that can grow to
    /// their ceiling, and text without control characters.
    fn problems(&self) -> Vec<(String, String)> {
        let mut out = crate::scenario::scaling_problems("scaling", &self.scaling);
        let capacities = [
            ("endpoint_az_base", self.endpoint_az_base),
            ("endpoint_az_max", self.endpoint_az_max),
            ("nat_base", self.nat_base),
            ("nat_max", self.nat_max),
            ("tgw_attachment_az", self.tgw_attachment_az),
            ("single_flow_limit", self.single_flow_limit),
            (
                "placement_group_flow_limit",
                self.placement_group_flow_limit,
            ),
        ];
        for (field, b) in capacities {
            if b.0 == 0 {
                out.push((
                    field.to_string(),
                    "a capacity of 0 carries nothing".to_string(),
                ));
            }
        }
        for (base, max, field) in [
            (
                self.endpoint_az_base,
                self.endpoint_az_max,
                "endpoint_az_max",
            ),
            (self.nat_base, self.nat_max, "nat_max"),
        ] {
            if max < base {
                out.push((
                    field.to_string(),
                    format!("{max} is below the starting capacity {base}"),
                ));
            }
        }
        out.extend(crate::scenario::text::problems(self));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_parse_and_differ_where_the_fact_sheet_says() {
        let faq = QuotaProfile::builtin("faq").expect("faq parses");
        let cur = QuotaProfile::builtin("aws-current").expect("aws-current parses");
        // The FAQ's figures (fact sheet table) are the default profile's.
        assert_eq!(faq.peerings_per_vpc, 125);
        assert_eq!(faq.interface_endpoints_per_vpc, 100);
        assert_eq!(faq.endpoint_az_base, Bandwidth::gbps(10));
        assert!(!faq.endpoint_security_groups);
        // Today's docs: 50 peerings by default, 50 endpoints, scaling to 100 Gbps, endpoint SGs.
        assert_eq!(cur.peerings_per_vpc, 50);
        assert_eq!(cur.interface_endpoints_per_vpc, 50);
        assert_eq!(cur.endpoint_az_max, Bandwidth::gbps(100));
        assert!(cur.endpoint_security_groups);
    }

    #[test]
    fn overrides_replace_single_values_and_rename() {
        let faq = QuotaProfile::builtin("faq").expect("faq parses");
        let o = QuotaOverrides {
            peerings_per_vpc: Some(3),
            ..Default::default()
        };
        let p = faq.clone().with_overrides(&o);
        assert_eq!(p.peerings_per_vpc, 3);
        assert_eq!(
            p.interface_endpoints_per_vpc,
            faq.interface_endpoints_per_vpc
        );
        assert_eq!(p.name, "faq+overrides");
    }
}
