//! The regions vpcsim knows and their Availability Zone IDs.
//!
//! AZ IDs (`use1-az1`) name the same physical zone in every account; AZ names
//! (`us-east-1a`) are per account. A scenario that lists no AZs gets every
//! zone of the regions it uses, from this table.

/// `(region, AZ-ID prefix, number of AZs)`.
const REGIONS: [(&str, &str, u32); 13] = [
    ("us-east-1", "use1", 6),
    ("us-east-2", "use2", 3),
    ("us-west-1", "usw1", 3),
    ("us-west-2", "usw2", 4),
    ("eu-west-1", "euw1", 3),
    ("eu-west-2", "euw2", 3),
    ("eu-central-1", "euc1", 3),
    ("ap-southeast-1", "apse1", 3),
    ("ap-southeast-2", "apse2", 3),
    ("ap-southeast-5", "apse5", 3),
    ("ap-northeast-1", "apne1", 4),
    ("ap-south-1", "aps1", 3),
    ("sa-east-1", "sae1", 3),
];

/// Every region name vpcsim knows.
pub fn known_regions() -> Vec<&'static str> {
    REGIONS.iter().map(|(r, _, _)| *r).collect()
}

/// Whether `region` is known.
pub fn is_known_region(region: &str) -> bool {
    REGIONS.iter().any(|(r, _, _)| *r == region)
}

/// The AZ IDs of a known region, in order.
pub fn az_ids(region: &str) -> Vec<String> {
    REGIONS
        .iter()
        .find(|(r, _, _)| *r == region)
        .map(|(_, p, n)| (1..=*n).map(|i| format!("{p}-az{i}")).collect())
        .unwrap_or_default()
}

/// The region an AZ ID belongs to, from its prefix (`use1-az3` → `us-east-1`).
pub fn region_of_az(az_id: &str) -> Option<&'static str> {
    let (prefix, _) = az_id.split_once("-az")?;
    REGIONS
        .iter()
        .find(|(_, p, _)| *p == prefix)
        .map(|(r, _, _)| *r)
}

/// The default AZ name for an AZ ID: `use1-az1` → `us-east-1a`.
pub fn default_az_name(az_id: &str) -> Option<String> {
    let region = region_of_az(az_id)?;
    let (_, n) = az_id.split_once("-az")?;
    let n: u32 = n.parse().ok()?;
    let letter = char::from_u32('a' as u32 + n.checked_sub(1)?)?;
    Some(format!("{region}{letter}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn az_ids_and_names() {
        assert_eq!(az_ids("us-east-2"), ["use2-az1", "use2-az2", "use2-az3"]);
        assert_eq!(region_of_az("use1-az4"), Some("us-east-1"));
        assert_eq!(default_az_name("use1-az2").as_deref(), Some("us-east-1b"));
        assert_eq!(region_of_az("mars1-az1"), None);
    }
}
