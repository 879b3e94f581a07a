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

use crate::scenario::{EndpointScaling, QuotaOverrides, ScalingPolicy};
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
    /// How each (endpoint, AZ) capacity meets demand: `Managed` (the
    /// FAQ: never limits traffic) or `Stepped(base, max)` (today's docs:
    /// grows by `scaling` from `base` up to `max`).
    pub endpoint_scaling: EndpointScaling,
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

    /// This profile with a scenario's overrides applied, or what is wrong
    /// with them as `(field path, message)`: a shorthand
    /// `endpoint_az_base`/`endpoint_az_max` that has no stepped policy to
    /// change, or a result that breaks a profile rule (a ceiling below the
    /// start, a capacity of 0).
    pub fn with_overrides(
        mut self,
        o: &QuotaOverrides,
    ) -> Result<QuotaProfile, Vec<(String, String)>> {
        macro_rules! take {
            ($($f:ident),*) => { $( if let Some(v) = &o.$f { self.$f = v.clone(); } )* };
        }
        take!(
            peerings_per_vpc,
            interface_endpoints_per_vpc,
            gateway_endpoints_per_vpc,
            endpoint_scaling,
            endpoint_security_groups,
            nat_base,
            nat_max,
            tgw_attachment_az,
            single_flow_limit,
            placement_group_flow_limit,
            transit_gateways_per_vpc,
            scaling
        );
        let mut problems = Vec::new();
        match (
            &mut self.endpoint_scaling,
            o.endpoint_az_base,
            o.endpoint_az_max,
        ) {
            (_, None, None) => {}
            (EndpointScaling::Stepped { base, max }, b, m) => {
                *base = b.unwrap_or(*base);
                *max = m.unwrap_or(*max);
            }
            (EndpointScaling::Managed, Some(b), Some(m)) => {
                self.endpoint_scaling = EndpointScaling::Stepped { base: b, max: m };
            }
            (EndpointScaling::Managed, b, _) => {
                let (field, other) = if b.is_some() {
                    ("endpoint_az_base", "endpoint_az_max")
                } else {
                    ("endpoint_az_max", "endpoint_az_base")
                };
                problems.push((
                    format!("quota_overrides.{field}"),
                    format!(
                        "the quota profile {:?} scales endpoints as `Managed` (capacity follows demand, no ceiling), so there is no stepped policy to change; give `{other}` too, or write `endpoint_scaling: Stepped(base: \"10Gbps\", max: \"40Gbps\")`",
                        self.name
                    ),
                ));
            }
        }
        if *o != QuotaOverrides::default() {
            // The profile file was valid: what is wrong now, an override did.
            problems.extend(
                self.problems()
                    .into_iter()
                    .map(|(field, m)| ("quota_overrides".to_string(), format!("{field}: {m}"))),
            );
            self.name = format!("{}+overrides", self.name);
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(problems)
        }
    }

    /// Whether any capacity autoscales (so periodic scaling checks are needed).
    pub fn autoscales(&self) -> bool {
        let endpoint =
            matches!(self.endpoint_scaling, EndpointScaling::Stepped { base, max } if max > base);
        endpoint || self.nat_max > self.nat_base
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
        let mut capacities = vec![
            ("nat_base", self.nat_base),
            ("nat_max", self.nat_max),
            ("tgw_attachment_az", self.tgw_attachment_az),
            ("single_flow_limit", self.single_flow_limit),
            (
                "placement_group_flow_limit",
                self.placement_group_flow_limit,
            ),
        ];
        if let EndpointScaling::Stepped { base, max } = self.endpoint_scaling {
            capacities.push(("endpoint_scaling.base", base));
            capacities.push(("endpoint_scaling.max", max));
            if max < base {
                out.push((
                    "endpoint_scaling.max".to_string(),
                    format!("{max} is below the starting capacity {base}"),
                ));
            }
        }
        for (field, b) in capacities {
            if b.0 == 0 {
                out.push((
                    field.to_string(),
                    "a capacity of 0 carries nothing".to_string(),
                ));
            }
        }
        if self.nat_max < self.nat_base {
            out.push((
                "nat_max".to_string(),
                format!(
                    "{} is below the starting capacity {}",
                    self.nat_max, self.nat_base
                ),
            ));
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
        // The FAQ: "endpoint scaling is fully managed", no ceiling.
        assert_eq!(faq.endpoint_scaling, EndpointScaling::Managed);
        assert!(!faq.endpoint_security_groups);
        // Today's docs: 50 peerings by default, 50 endpoints, 10 Gbps per AZ
        // scaling to 100 Gbps, endpoint SGs.
        assert_eq!(cur.peerings_per_vpc, 50);
        assert_eq!(cur.interface_endpoints_per_vpc, 50);
        assert_eq!(
            cur.endpoint_scaling,
            EndpointScaling::Stepped {
                base: Bandwidth::gbps(10),
                max: Bandwidth::gbps(100)
            }
        );
        assert!(cur.endpoint_security_groups);
        // Both still autoscale (the NAT gateway; aws-current's endpoints too).
        assert!(faq.autoscales() && cur.autoscales());
    }

    #[test]
    fn overrides_replace_single_values_and_rename() {
        let faq = QuotaProfile::builtin("faq").expect("faq parses");
        let o = QuotaOverrides {
            peerings_per_vpc: Some(3),
            ..Default::default()
        };
        let p = faq.clone().with_overrides(&o).expect("valid overrides");
        assert_eq!(p.peerings_per_vpc, 3);
        assert_eq!(
            p.interface_endpoints_per_vpc,
            faq.interface_endpoints_per_vpc
        );
        assert_eq!(p.name, "faq+overrides");
        // No overrides: the profile as it is, under its own name.
        let same = faq.clone().with_overrides(&QuotaOverrides::default());
        assert_eq!(same.expect("no overrides"), faq);
    }

    #[test]
    fn endpoint_shorthands_change_a_stepped_policy_and_need_both_on_a_managed_one() {
        let faq = QuotaProfile::builtin("faq").expect("faq parses");
        let cur = QuotaProfile::builtin("aws-current").expect("aws-current parses");
        let stepped = |base: u64, max: u64| EndpointScaling::Stepped {
            base: Bandwidth::gbps(base),
            max: Bandwidth::gbps(max),
        };
        // One shorthand on a stepped profile changes that bound only.
        let o = QuotaOverrides {
            endpoint_az_max: Some(Bandwidth::gbps(40)),
            ..Default::default()
        };
        let p = cur.clone().with_overrides(&o).expect("valid");
        assert_eq!(p.endpoint_scaling, stepped(10, 40));
        // On the managed FAQ profile one shorthand alone has nothing to
        // change: refused at its field, naming the fix.
        let wrong = faq.clone().with_overrides(&o).expect_err("refused");
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert_eq!(wrong[0].0, "quota_overrides.endpoint_az_max");
        assert!(
            wrong[0].1.contains("endpoint_scaling: Stepped("),
            "{wrong:?}"
        );
        // Both make it stepped (a fixed capacity when they are equal).
        let both = QuotaOverrides {
            endpoint_az_base: Some(Bandwidth::gbps(10)),
            endpoint_az_max: Some(Bandwidth::gbps(10)),
            ..Default::default()
        };
        let p = faq.clone().with_overrides(&both).expect("valid");
        assert_eq!(p.endpoint_scaling, stepped(10, 10));
        // The explicit field replaces the policy; a ceiling below the start
        // is refused as a profile file's would be.
        let managed = QuotaOverrides {
            endpoint_scaling: Some(EndpointScaling::Managed),
            ..Default::default()
        };
        let p = cur.clone().with_overrides(&managed).expect("valid");
        assert_eq!(p.endpoint_scaling, EndpointScaling::Managed);
        let below = QuotaOverrides {
            endpoint_scaling: Some(stepped(20, 10)),
            ..Default::default()
        };
        let wrong = cur.with_overrides(&below).expect_err("refused");
        assert!(
            wrong
                .iter()
                .any(|(p, m)| p == "quota_overrides" && m.starts_with("endpoint_scaling.max")),
            "{wrong:?}"
        );
    }

    #[test]
    fn a_profile_file_with_a_stepped_ceiling_below_its_start_is_refused() {
        let text = include_str!("../scenarios/quotas/aws-current.ron").replace(
            "Stepped(base: \"10Gbps\", max: \"100Gbps\")",
            "Stepped(base: \"10Gbps\", max: \"5Gbps\")",
        );
        match QuotaProfile::from_ron(&text, "mine.ron") {
            Err(QuotaError::Invalid { problems, .. }) => {
                assert_eq!(problems[0].0, "endpoint_scaling.max", "{problems:?}");
            }
            other => panic!("accepted: {other:?}"),
        }
        // A typo inside the variant is a syntax error, not ignored.
        let typo = include_str!("../scenarios/quotas/aws-current.ron")
            .replace("max: \"100Gbps\"", "maxx: \"100Gbps\"");
        assert!(matches!(
            QuotaProfile::from_ron(&typo, "typo.ron"),
            Err(QuotaError::Syntax { .. })
        ));
    }
}
