//! Dense newtype ids for every kind of fabric entity, and AWS-style resource
//! identifiers (`vpce-0a1b...`) derived deterministically from names.

use std::fmt;

use serde::Serialize;

macro_rules! dense_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub struct $name(pub u32);

        impl $name {
            /// Index into the fabric's `Vec` of this kind.
            pub fn index(self) -> usize {
                self.0 as usize
            }
            #[allow(dead_code)]
            pub(crate) fn from_index(i: usize) -> Self {
                // Fabric sizes are capped far below u32::MAX by the scenario
                // size limit, so the conversion cannot truncate.
                $name(i as u32)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}#{}", stringify!($name), self.0)
            }
        }
    )*};
}

dense_id!(
    /// An Availability Zone.
    AzId,
    /// An AWS account.
    AccountId,
    /// A VPC.
    VpcId,
    /// A subnet.
    SubnetId,
    /// A security group.
    SgId,
    /// A workload (group of instances).
    WorkloadId,
    /// A Network Load Balancer.
    NlbId,
    /// An endpoint service.
    ServiceId,
    /// An interface endpoint.
    EndpointId,
    /// An elastic network interface (endpoint ENI, NLB node, NAT or TGW attachment ENI).
    EniId,
    /// A gateway endpoint.
    GatewayEndpointId,
    /// A VPC peering connection.
    PeeringId,
    /// A transit gateway.
    TgwId,
    /// A transit gateway attachment.
    TgwAttachmentId,
    /// A NAT gateway.
    NatId,
    /// An on-premises site.
    SiteId,
    /// A Direct Connect connection.
    DxId,
);

/// A stable hash of a name, identical on every platform and release (the
/// engine's FNV-1a source id).
pub fn stable_hash(text: &str) -> u64 {
    crate::engine::source_id(text)
}

/// An AWS-style identifier: `prefix-0` followed by 16 hex digits derived from
/// the entity's kind and name, e.g. `vpce-0c3d5e...`.
pub fn aws_id(prefix: &str, name: &str) -> String {
    format!(
        "{prefix}-0{:016x}",
        stable_hash(&format!("{prefix}/{name}"))
    )
}

/// The random-looking 8-character suffix AWS adds to endpoint DNS labels.
pub fn dns_suffix(name: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut h = stable_hash(&format!("dns/{name}"));
    (0..8)
        .map(|_| {
            let c = ALPHABET[(h % 36) as usize] as char;
            h /= 36;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable() {
        // Golden values: a change here changes every generated DNS name in outputs.
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
        let id = aws_id("vpce", "acme-orders");
        assert!(id.starts_with("vpce-0") && id.len() == 22, "{id}");
        assert_eq!(id, aws_id("vpce", "acme-orders"));
        assert_ne!(id, aws_id("vpce", "acme-orders2"));
        assert_eq!(dns_suffix("x").len(), 8);
    }
}
