//! Outcomes of connection attempts: delivered with its hops, or denied with a
//! stable reason code, the hop where it happened, and a hint.

use std::fmt;

use serde::Serialize;

/// Why a connection (or a control-plane action) was refused. Serialized as a
/// stable `SCREAMING_SNAKE_CASE` code; `docs/outcomes.md` lists each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum Reason {
    /// The requester is not among the service's allowed principals.
    NotAllowedPrincipal,
    /// The endpoint connection waits for the provider's acceptance.
    PendingAcceptance,
    /// The provider rejected the endpoint connection.
    ConnectionRejected,
    /// The provider suspended the endpoint connection (resumable).
    ConnectionSuspended,
    /// The provider terminated the endpoint connection (final).
    ConnectionTerminated,
    /// The endpoint policy does not allow the request.
    EndpointPolicyDeny,
    /// A security group does not allow the traffic.
    SecurityGroupDeny,
    /// A network ACL denies the traffic.
    NaclDeny,
    /// No route (or a blackhole route) toward the destination or back.
    NoRoute,
    /// The path would need transitive peering, which VPC peering never does.
    TransitivePeering,
    /// The peering connection is past the per-VPC peering quota.
    PeeringQuotaExceeded,
    /// The endpoint is past the per-VPC endpoint quota.
    EndpointQuotaExceeded,
    /// The peered VPCs have overlapping CIDR blocks.
    OverlappingCidr,
    /// An endpoint subnet is in an AZ the service does not offer.
    AzNotSupported,
    /// The AZ a zonal name (or the only ENI) points to is down.
    AzUnavailable,
    /// A provider tried to open a connection to a consumer through PrivateLink.
    ProviderInitiated,
    /// A gateway endpoint was used from outside its VPC.
    GatewayEndpointNotReachable,
    /// No healthy target behind the NLB node in that AZ.
    NoHealthyTarget,
    /// The service's private DNS name is not verified.
    DnsNameUnverified,
    /// No interface endpoint for the service in (or reachable from) the source VPC.
    NoEndpoint,
    /// The service has no Network Load Balancer associated.
    NoLoadBalancer,
    /// The NLB is already associated with another endpoint service.
    NlbInUse,
    /// The peering connection was not accepted.
    PeeringNotActive,
    /// The endpoint does not exist (not created yet, or deleted).
    EndpointNotFound,
}

impl Reason {
    /// The stable code, e.g. `NOT_ALLOWED_PRINCIPAL`.
    pub fn code(self) -> &'static str {
        use Reason::*;
        match self {
            NotAllowedPrincipal => "NOT_ALLOWED_PRINCIPAL",
            PendingAcceptance => "PENDING_ACCEPTANCE",
            ConnectionRejected => "CONNECTION_REJECTED",
            ConnectionSuspended => "CONNECTION_SUSPENDED",
            ConnectionTerminated => "CONNECTION_TERMINATED",
            EndpointPolicyDeny => "ENDPOINT_POLICY_DENY",
            SecurityGroupDeny => "SECURITY_GROUP_DENY",
            NaclDeny => "NACL_DENY",
            NoRoute => "NO_ROUTE",
            TransitivePeering => "TRANSITIVE_PEERING",
            PeeringQuotaExceeded => "PEERING_QUOTA_EXCEEDED",
            EndpointQuotaExceeded => "ENDPOINT_QUOTA_EXCEEDED",
            OverlappingCidr => "OVERLAPPING_CIDR",
            AzNotSupported => "AZ_NOT_SUPPORTED",
            AzUnavailable => "AZ_UNAVAILABLE",
            ProviderInitiated => "PROVIDER_INITIATED",
            GatewayEndpointNotReachable => "GATEWAY_ENDPOINT_NOT_REACHABLE",
            NoHealthyTarget => "NO_HEALTHY_TARGET",
            DnsNameUnverified => "DNS_NAME_UNVERIFIED",
            NoEndpoint => "NO_ENDPOINT",
            NoLoadBalancer => "NO_LOAD_BALANCER",
            NlbInUse => "NLB_IN_USE",
            PeeringNotActive => "PEERING_NOT_ACTIVE",
            EndpointNotFound => "ENDPOINT_NOT_FOUND",
        }
    }

    /// Every reason, in declaration order (for docs and tests).
    pub fn all() -> &'static [Reason] {
        use Reason::*;
        &[
            NotAllowedPrincipal,
            PendingAcceptance,
            ConnectionRejected,
            ConnectionSuspended,
            ConnectionTerminated,
            EndpointPolicyDeny,
            SecurityGroupDeny,
            NaclDeny,
            NoRoute,
            TransitivePeering,
            PeeringQuotaExceeded,
            EndpointQuotaExceeded,
            OverlappingCidr,
            AzNotSupported,
            AzUnavailable,
            ProviderInitiated,
            GatewayEndpointNotReachable,
            NoHealthyTarget,
            DnsNameUnverified,
            NoEndpoint,
            NoLoadBalancer,
            NlbInUse,
            PeeringNotActive,
            EndpointNotFound,
        ]
    }

    /// A reason by its code.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::all().iter().copied().find(|r| r.code() == code)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The kind of path a connection takes, for `connectivity.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PathKind {
    Local,
    Privatelink,
    Peering,
    Tgw,
    GatewayEndpoint,
    Dx,
    Nat,
    Internet,
}

impl PathKind {
    pub fn name(self) -> &'static str {
        match self {
            PathKind::Local => "local",
            PathKind::Privatelink => "privatelink",
            PathKind::Peering => "peering",
            PathKind::Tgw => "tgw",
            PathKind::GatewayEndpoint => "gateway-endpoint",
            PathKind::Dx => "dx",
            PathKind::Nat => "nat",
            PathKind::Internet => "internet",
        }
    }
}

/// One component a connection passes through, and what was checked there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// Component name (scenario name, or AWS id where there is none).
    pub component: String,
    /// Component type: `instance`, `subnet`, `route-table`, `peering`, ...
    pub kind: &'static str,
    /// AZ ID, where the component lives in one.
    pub az: Option<String>,
    /// Owning account name.
    pub account: Option<String>,
    /// What was checked (human text).
    pub check: String,
}

/// The outcome of a connection attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Outcome {
    Delivered {
        path: PathKind,
        hops: Vec<Hop>,
    },
    Denied {
        path: PathKind,
        reason: Reason,
        /// Index into `hops` of the hop that refused.
        at_hop: usize,
        /// One line telling the user what to change.
        hint: String,
        hops: Vec<Hop>,
    },
}

impl Outcome {
    pub fn hops(&self) -> &[Hop] {
        match self {
            Outcome::Delivered { hops, .. } | Outcome::Denied { hops, .. } => hops,
        }
    }
    pub fn path(&self) -> PathKind {
        match self {
            Outcome::Delivered { path, .. } | Outcome::Denied { path, .. } => *path,
        }
    }
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Outcome::Delivered { .. } => None,
            Outcome::Denied { reason, .. } => Some(*reason),
        }
    }
    pub fn is_delivered(&self) -> bool {
        matches!(self, Outcome::Delivered { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for r in Reason::all() {
            assert!(seen.insert(r.code()), "duplicate {r}");
            assert_eq!(Reason::from_code(r.code()), Some(*r));
            // serde and code() agree, so JSON and CSV show the same code.
            assert_eq!(
                serde_json::to_string(r).expect("json"),
                format!("\"{}\"", r.code())
            );
        }
    }
}
