//! Stateless filters: security groups, network ACLs and endpoint policies.
//! Each returns a verdict; the caller turns a refusal into an outcome.

use std::net::IpAddr;

use crate::fabric::{Fabric, SgId, SubnetId};
use crate::scenario::{EndpointPolicy, Protocol, RuleAction, SgPeer, SgRule};

/// Direction of a filter check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Inbound,
    Outbound,
}

fn proto_matches(rule: Protocol, p: Protocol) -> bool {
    rule == Protocol::All || p == Protocol::All || rule == p
}

fn rule_matches(
    fabric: &Fabric,
    r: &SgRule,
    peer_ip: IpAddr,
    peer_groups: &[SgId],
    port: u16,
    proto: Protocol,
) -> bool {
    if !r.ports.contains(port) || !proto_matches(r.protocol, proto) {
        return false;
    }
    match &r.peer {
        SgPeer::Anywhere => true,
        SgPeer::Cidr(c) => c.net().contains(&peer_ip),
        SgPeer::Group(name) => fabric
            .security_group(name)
            .is_some_and(|g| peer_groups.contains(&g)),
        // Prefix lists stand for AWS service ranges; they match traffic to
        // those services, checked by the gateway-endpoint path.
        SgPeer::PrefixList(_) => false,
    }
}

/// Whether security groups `groups` allow traffic with a peer. No groups
/// means the workload is not filtered (vpcsim's documented default);
/// outbound rules absent means allow all (AWS's default for new groups).
pub fn sg_allows(
    fabric: &Fabric,
    groups: &[SgId],
    dir: Direction,
    peer_ip: IpAddr,
    peer_groups: &[SgId],
    port: u16,
    proto: Protocol,
) -> bool {
    if groups.is_empty() {
        return true;
    }
    groups.iter().any(|g| {
        let sg = &fabric.security_groups[g.index()];
        match dir {
            Direction::Inbound => sg
                .inbound
                .iter()
                .any(|r| rule_matches(fabric, r, peer_ip, peer_groups, port, proto)),
            Direction::Outbound => match &sg.outbound {
                None => true,
                Some(rules) => rules
                    .iter()
                    .any(|r| rule_matches(fabric, r, peer_ip, peer_groups, port, proto)),
            },
        }
    })
}

/// Whether the NACL of `subnet` allows traffic with `peer_ip` on `port`.
/// Rules are evaluated in number order; the first match decides; no match
/// denies. A subnet without a NACL uses the default one (allow all).
pub fn nacl_allows(
    fabric: &Fabric,
    subnet: SubnetId,
    dir: Direction,
    peer_ip: IpAddr,
    port: u16,
    proto: Protocol,
) -> bool {
    let sn = &fabric.subnets[subnet.index()];
    let Some(n) = sn.nacl else { return true };
    let nacl = &fabric.vpcs[sn.vpc.index()].nacls[n];
    let rules = match dir {
        Direction::Inbound => &nacl.inbound,
        Direction::Outbound => &nacl.outbound,
    };
    // The fabric keeps each NACL's rules sorted by number.
    for r in rules {
        if r.cidr.net().contains(&peer_ip)
            && r.ports.contains(port)
            && proto_matches(r.protocol, proto)
        {
            return r.action == RuleAction::Allow;
        }
    }
    false
}

/// `*` and `?` wildcard match, case-sensitive, as IAM does for ARNs.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// The verdict of an endpoint policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyVerdict {
    Allow,
    /// Denied, with the index of the denying statement if explicit.
    Deny {
        explicit: Option<usize>,
    },
}

/// Evaluates an endpoint policy (absent: full access). An explicit deny wins;
/// otherwise some statement must allow; otherwise the request is denied.
/// `principal` is an ARN; `account_id` its account (a bare account ID in a
/// policy matches every principal of that account).
pub fn evaluate_policy(
    policy: Option<&EndpointPolicy>,
    principal: &str,
    account_id: &str,
    action: &str,
    resource: &str,
) -> PolicyVerdict {
    let Some(policy) = policy else {
        return PolicyVerdict::Allow;
    };
    let matches = |st: &crate::scenario::PolicyStatement| {
        st.principals.iter().any(|p| {
            p == "*"
                || p == account_id
                || wildcard(p, principal)
                || *p == format!("arn:aws:iam::{account_id}:root")
        }) && st
            .actions
            .iter()
            // IAM action names are case-insensitive.
            .any(|a| a == "*" || wildcard(&a.to_ascii_lowercase(), &action.to_ascii_lowercase()))
            && st.resources.iter().any(|r| wildcard(r, resource))
    };
    if let Some(i) = policy
        .statements
        .iter()
        .position(|st| st.effect == RuleAction::Deny && matches(st))
    {
        return PolicyVerdict::Deny { explicit: Some(i) };
    }
    if policy
        .statements
        .iter()
        .any(|st| st.effect == RuleAction::Allow && matches(st))
    {
        PolicyVerdict::Allow
    } else {
        PolicyVerdict::Deny { explicit: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::PolicyStatement;

    #[test]
    fn wildcards() {
        assert!(wildcard("s3:*", "s3:GetObject"));
        assert!(wildcard("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b"));
        assert!(!wildcard("arn:aws:s3:::bucket/*", "arn:aws:s3:::other/a"));
        assert!(wildcard("s3:Get?bject", "s3:GetObject"));
        assert!(wildcard("*", ""));
    }

    fn st(effect: RuleAction, actions: &[&str], resources: &[&str]) -> PolicyStatement {
        PolicyStatement {
            effect,
            principals: vec!["*".into()],
            actions: actions.iter().map(|s| s.to_string()).collect(),
            resources: resources.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn explicit_deny_wins_and_default_is_deny_with_a_policy() {
        let p = EndpointPolicy {
            statements: vec![
                st(RuleAction::Allow, &["s3:*"], &["*"]),
                st(RuleAction::Deny, &["s3:DeleteObject"], &["*"]),
            ],
        };
        let arn = "arn:aws:iam::222222222222:root";
        assert_eq!(
            evaluate_policy(Some(&p), arn, "222222222222", "s3:GetObject", "x"),
            PolicyVerdict::Allow
        );
        assert_eq!(
            evaluate_policy(Some(&p), arn, "222222222222", "s3:DeleteObject", "x"),
            PolicyVerdict::Deny { explicit: Some(1) }
        );
        assert_eq!(
            evaluate_policy(Some(&p), arn, "222222222222", "dynamodb:GetItem", "x"),
            PolicyVerdict::Deny { explicit: None }
        );
        // No policy: full access, as AWS's default policy.
        assert_eq!(
            evaluate_policy(None, arn, "222222222222", "anything", "x"),
            PolicyVerdict::Allow
        );
    }
}
