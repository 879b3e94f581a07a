//! Price coverage of a scenario, checked before anything runs: every region
//! it uses has rates (in its pricebook or a builtin one) and every Direct
//! Connect port speed has a port-hour price, so nothing that validates can
//! fail at billing. Every other meter is a required field of a pricebook
//! region, so a priced region prices it.
//!
//! Owns: that check and its messages (field path, problem, the priced
//! choices). Must not: read files (the caller hands over the pricebook it
//! loaded) or bill anything.

use super::pricebook::{Pricebook, RegionRates};
use super::usage::port_speed_name;
use crate::scenario::Scenario;

/// One gap: the field path and what is wrong, with the priced choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub path: String,
    pub message: String,
}

/// The gaps of `s` priced with `pricebook` (the one its `pricebook` field
/// names, already loaded; `None` when it names none and no builtin book
/// exists for its home region).
pub fn gaps(s: &Scenario, pricebook: Option<&Pricebook>) -> Vec<Gap> {
    let mut gaps = Vec::new();
    let mut used: Vec<(String, &str)> = vec![("region".into(), s.region.as_str())];
    for (i, v) in s.vpcs.iter().enumerate() {
        if let Some(r) = &v.region {
            used.push((format!("vpcs[{i}].region"), r));
        }
    }
    for (i, t) in s.transit_gateways.iter().enumerate() {
        if let Some(r) = &t.region {
            used.push((format!("transit_gateways[{i}].region"), r));
        }
    }
    for (path, region) in used {
        if rates(pricebook, region).is_none() {
            gaps.push(Gap {
                path,
                message: format!(
                    "region {region:?} has no rates{} and no builtin pricebook prices it; priced regions: {}; give a pricebook file with a {region:?} entry (`pricebook: \"my-prices.ron\"`)",
                    pricebook.map(|p| format!(" in pricebook {:?}", p.name)).unwrap_or_default(),
                    priced_regions(pricebook).join(", ")
                ),
            });
        }
    }
    if let Some(home) = rates(pricebook, &s.region) {
        for (i, dx) in s.direct_connects.iter().enumerate() {
            let speed = port_speed_name(dx.kind, dx.speed.0);
            if !home.dx_port_hour.contains_key(&speed) {
                let priced: Vec<&str> = home.dx_port_hour.keys().map(String::as_str).collect();
                gaps.push(Gap {
                    path: format!("direct_connects[{i}].speed"),
                    message: format!(
                        "Direct Connect {:?}: no port-hour price for {speed:?} in region {}; the dx_port_hour table lists: {}; use a listed speed or add it to a pricebook file",
                        dx.name,
                        s.region,
                        priced.join(", ")
                    ),
                });
            }
        }
    }
    gaps
}

/// The rates of `region`: the pricebook's, else its builtin book's.
fn rates(pricebook: Option<&Pricebook>, region: &str) -> Option<RegionRates> {
    pricebook
        .and_then(|p| p.regions.get(region).cloned())
        .or_else(|| builtin_rates(region))
}

/// The rates of `region` in its builtin pricebook (`aws-<region>`).
pub(super) fn builtin_rates(region: &str) -> Option<RegionRates> {
    Pricebook::builtin(&format!("aws-{region}"))?
        .regions
        .get(region)
        .cloned()
}

/// Every region a run could price: the pricebook's and the builtins', sorted.
fn priced_regions(pricebook: Option<&Pricebook>) -> Vec<String> {
    let mut v: Vec<String> = Pricebook::builtin_names()
        .iter()
        .filter_map(|n| n.strip_prefix("aws-").map(str::to_string))
        .chain(
            pricebook
                .into_iter()
                .flat_map(|p| p.regions.keys().cloned()),
        )
        .collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The shipped quickstart, parsed and validated (the cost tests' common
    /// subject).
    pub(in crate::cost) fn quickstart() -> Scenario {
        let text = include_str!("../../scenarios/quickstart.ron");
        match crate::scenario::parse_str(text, "quickstart.ron") {
            Ok(s) => s,
            Err(e) => panic!("shipped scenario loads: {e}"),
        }
    }

    #[test]
    fn a_priced_scenario_has_no_gaps() {
        let s = quickstart();
        let book = Pricebook::builtin("aws-us-east-1");
        assert_eq!(gaps(&s, book.as_ref()), vec![]);
    }

    #[test]
    fn an_unpriced_region_names_the_field_and_the_priced_regions() {
        let mut s = quickstart();
        s.region = "us-west-1".into();
        let g = gaps(&s, None);
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!(g[0].path, "region");
        assert!(
            g[0].message.contains("\"us-west-1\" has no rates"),
            "{}",
            g[0].message
        );
        assert!(
            g[0].message.contains("eu-central-1, eu-west-1"),
            "{}",
            g[0].message
        );
    }

    #[test]
    fn an_unpriced_port_speed_lists_the_priced_speeds() {
        let text = include_str!("../../scenarios/hybrid-dx.ron").replace("\"1Gbps\"", "\"3Gbps\"");
        let s = match crate::scenario::parse_str(&text, "dx.ron") {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let g = gaps(&s, Pricebook::builtin("aws-us-east-1").as_ref());
        assert_eq!(g.len(), 1, "{g:?}");
        assert!(g[0].path.starts_with("direct_connects[") && g[0].path.ends_with("].speed"));
        assert!(g[0].message.contains("\"hosted-3G\""), "{}", g[0].message);
        assert!(g[0].message.contains("hosted-25G"), "{}", g[0].message);
    }
}
