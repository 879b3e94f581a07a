//! The pricebook a run prices with: the scenario's (or the `--pricebook`
//! override, as loaded), completed with the builtin rates of every region
//! the fabric uses that it lacks, and checked to price every Direct Connect
//! port — before anything is simulated.
//!
//! Owns: that completion and check. Must not: read files (the scenario
//! loader read the pricebook) or bill anything.

use super::{CostError, Pricebook};
use crate::fabric::Fabric;

/// The pricebook of a run over `fabric`, whose home region is `region`.
///
/// Regions the fabric uses (VPCs, transit gateways, the home region) that
/// `base` lacks are borrowed from their builtin pricebook (`aws-<region>`,
/// and the name becomes `<base>+aws-<region>`); a region nobody prices is an
/// error, as is a Direct Connect port speed without a price.
pub fn resolve(base: &Pricebook, fabric: &Fabric, region: &str) -> Result<Pricebook, CostError> {
    let mut pricebook = base.clone();
    let mut used: Vec<&str> = fabric
        .vpcs
        .iter()
        .map(|v| v.region.as_str())
        .chain(fabric.tgws.iter().map(|t| t.region.as_str()))
        .collect();
    used.push(region);
    used.sort_unstable();
    used.dedup();
    for r in used {
        if pricebook.regions.contains_key(r) {
            continue;
        }
        match Pricebook::builtin(&format!("aws-{r}")).and_then(|b| b.regions.get(r).cloned()) {
            Some(rates) => {
                pricebook.regions.insert(r.to_string(), rates);
                pricebook.name = format!("{}+aws-{r}", pricebook.name);
            }
            None => {
                return Err(CostError::NoRegionRates {
                    pricebook: pricebook.name.clone(),
                    region: r.to_string(),
                })
            }
        }
    }
    super::usage::check_port_prices(fabric, &pricebook, region)?;
    Ok(pricebook)
}
