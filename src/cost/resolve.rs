//! The pricebook a run prices with, settled when the scenario is loaded:
//! the scenario's (or the `--pricebook` override), checked to price every
//! region and Direct Connect port the scenario uses ([`super::coverage`])
//! and completed with the builtin rates of every used region it lacks.
//!
//! One place decides whether a scenario is priced: `validate` refuses what
//! this refuses, and a run of a loaded scenario cannot fail to price.
//!
//! Owns: that completion. Must not: read files (the scenario loader read
//! the pricebook) or bill anything.

use super::coverage::{self, Gap};
use super::Pricebook;
use crate::scenario::Scenario;

/// The pricebook of a run of `s` priced from `base`.
///
/// Regions the scenario uses (its home region, VPCs' and transit gateways'
/// regions) that `base` lacks are borrowed from their builtin pricebook
/// (`aws-<region>`, and the name becomes `<base>+aws-<region>`). A region
/// nobody prices, or a Direct Connect port speed without a price, is a gap.
pub fn resolve(base: &Pricebook, s: &Scenario) -> Result<Pricebook, Vec<Gap>> {
    let gaps = coverage::gaps(s, Some(base));
    if !gaps.is_empty() {
        return Err(gaps);
    }
    let home = s.region.as_str();
    let mut used: Vec<&str> = s
        .vpcs
        .iter()
        .map(|v| v.region.as_deref().unwrap_or(home))
        .chain(
            s.transit_gateways
                .iter()
                .map(|t| t.region.as_deref().unwrap_or(home)),
        )
        .collect();
    used.push(home);
    used.sort_unstable();
    used.dedup();
    let mut pricebook = base.clone();
    for r in used {
        if pricebook.regions.contains_key(r) {
            continue;
        }
        // Coverage found rates for every used region, so a region the base
        // lacks has builtin ones.
        if let Some(rates) = coverage::builtin_rates(r) {
            pricebook.regions.insert(r.to_string(), rates);
            pricebook.name = format!("{}+aws-{r}", pricebook.name);
        }
    }
    Ok(pricebook)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::coverage::tests::quickstart;

    #[test]
    fn a_region_the_book_lacks_is_borrowed_and_named() {
        let mut s = quickstart();
        s.vpcs[0].region = Some("eu-west-1".into());
        let base = Pricebook::builtin("aws-us-east-1").expect("builtin");
        let book = resolve(&base, &s).expect("priced");
        assert!(book.regions.contains_key("eu-west-1"));
        assert!(book.regions.contains_key("us-east-1"));
        assert_eq!(book.name, format!("{}+aws-eu-west-1", base.name));
    }

    #[test]
    fn an_unpriced_region_is_a_gap_at_its_field() {
        let mut s = quickstart();
        s.vpcs[1].region = Some("us-west-1".into());
        let base = Pricebook::builtin("aws-us-east-1").expect("builtin");
        let gaps = resolve(&base, &s).expect_err("us-west-1 is not priced");
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert_eq!(gaps[0].path, "vpcs[1].region");
    }
}
