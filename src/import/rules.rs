//! Translations of single AWS values into scenario values: protocols, port
//! ranges, CIDRs, principals, endpoint policies, DX speeds. Each returns
//! `Err(reason)` for what vpcsim does not model, so that the caller reports it.
//!
//! Owns: value-level mapping. Must not: look up other records.

use ipnet::IpNet;

use crate::scenario::{
    AwsService, Cidr, EndpointPolicy, PolicyStatement, PortRange, Principal, Protocol, RuleAction,
};
use crate::units::Bandwidth;

/// An AWS protocol (`-1`, `tcp`, `6`, `udp`, `17`, `all`).
pub fn protocol(p: &str) -> Result<Protocol, String> {
    match p.trim().to_ascii_lowercase().as_str() {
        "-1" | "all" | "" => Ok(Protocol::All),
        "tcp" | "6" => Ok(Protocol::Tcp),
        "udp" | "17" => Ok(Protocol::Udp),
        "icmp" | "1" => Err("ICMP rules are not modelled (vpcsim carries TCP and UDP)".into()),
        "icmpv6" | "58" => Err("ICMPv6 rules are not modelled".into()),
        other => Err(format!(
            "protocol {other:?} is not modelled (only TCP, UDP and all)"
        )),
    }
}

/// A port range from AWS's `from`/`to` (`-1` or absent: all).
pub fn ports(protocol: Protocol, from: Option<i64>, to: Option<i64>) -> Result<PortRange, String> {
    if protocol == Protocol::All {
        return Ok(PortRange::ALL);
    }
    match (from, to) {
        (None, None) | (Some(-1), _) | (_, Some(-1)) => Ok(PortRange::ALL),
        (Some(f), t) => {
            let t = t.unwrap_or(f);
            let in_range = |p: i64| (0..=65535).contains(&p);
            if in_range(f) && in_range(t) && f <= t {
                Ok(PortRange {
                    from: f as u16,
                    to: t as u16,
                })
            } else {
                Err(format!("port range {f}-{t} is not a valid range"))
            }
        }
        (None, Some(t)) => ports(protocol, Some(t), Some(t)),
    }
}

/// A CIDR block; host bits, if any, are cleared (and said).
pub fn cidr(text: &str) -> Result<(Cidr, bool), String> {
    let net: IpNet = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a CIDR block"))?;
    let trunc = net.trunc();
    Ok((Cidr(trunc), trunc != net))
}

/// A principal ARN (or `*`, or an account id) as a scenario principal.
pub fn principal(arn: &str) -> Result<Principal, String> {
    let a = arn.trim();
    if a == "*" {
        return Ok(Principal::All);
    }
    if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Principal::Account(a.to_string()));
    }
    if let Some(rest) = a.strip_prefix("arn:aws:iam::") {
        let (account, resource) = rest.split_once(':').unwrap_or((rest, ""));
        if resource == "root" {
            return Ok(Principal::Account(account.to_string()));
        }
        if resource.starts_with("role/") {
            return Ok(Principal::Role(a.to_string()));
        }
    }
    if a.starts_with("o-") {
        return Ok(Principal::Org(a.to_string()));
    }
    if a.starts_with("ou-") {
        return Ok(Principal::OrgUnit(a.to_string()));
    }
    Err(format!(
        "principal {a:?} is not modelled (accounts, roles, organizations, OUs and * are)"
    ))
}

/// The gateway-endpoint service of a service name (`com.amazonaws.us-east-1.s3`).
pub fn gateway_service(service_name: &str) -> Option<AwsService> {
    let last = service_name.rsplit('.').next()?;
    match last {
        "s3" => Some(AwsService::S3),
        "dynamodb" => Some(AwsService::DynamoDB),
        _ => None,
    }
}

/// A DX port speed (`1Gbps`, `10Gbps`, `500Mbps`).
pub fn dx_speed(text: &str) -> Result<Bandwidth, String> {
    Bandwidth::parse(text.trim()).map_err(|e| format!("bandwidth {text:?}: {e}"))
}

/// An endpoint policy document. `Ok(None)`: full access (the AWS default).
/// Problems that keep the policy from being modelled faithfully are returned
/// as the `Vec<String>` (a condition, a `NotAction`, ...).
pub fn policy(text: &str) -> Result<(Option<EndpointPolicy>, Vec<String>), String> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("policy is not JSON: {e}"))?;
    let statements = match doc.get("Statement") {
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(o @ serde_json::Value::Object(_)) => vec![o.clone()],
        _ => return Err("policy has no Statement".into()),
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, st) in statements.iter().enumerate() {
        for key in ["Condition", "NotAction", "NotResource", "NotPrincipal"] {
            if st.get(key).is_some() {
                problems.push(format!("statement {i}: {key} is not modelled (ignored)"));
            }
        }
        let effect = match st.get("Effect").and_then(|e| e.as_str()) {
            Some("Allow") => RuleAction::Allow,
            Some("Deny") => RuleAction::Deny,
            _ => return Err(format!("statement {i}: Effect must be Allow or Deny")),
        };
        let principals = match st.get("Principal") {
            None => vec!["*".to_string()],
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(p) => strings(p.get("AWS").unwrap_or(&serde_json::Value::Null)),
        };
        out.push(PolicyStatement {
            effect,
            principals: or_star(principals),
            actions: or_star(strings(
                st.get("Action").unwrap_or(&serde_json::Value::Null),
            )),
            resources: or_star(strings(
                st.get("Resource").unwrap_or(&serde_json::Value::Null),
            )),
        });
    }
    let full_access = out.len() == 1
        && out[0].effect == RuleAction::Allow
        && [&out[0].principals, &out[0].actions, &out[0].resources]
            .iter()
            .all(|l| l.len() == 1 && l[0] == "*");
    if out.is_empty() {
        return Err("policy has no statement".into());
    }
    Ok((
        (!full_access).then_some(EndpointPolicy { statements: out }),
        problems,
    ))
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn or_star(v: Vec<String>) -> Vec<String> {
    if v.is_empty() {
        vec!["*".to_string()]
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_values_map_or_say_why_not() {
        assert_eq!(protocol("-1"), Ok(Protocol::All));
        assert_eq!(protocol("6"), Ok(Protocol::Tcp));
        assert!(protocol("icmp").unwrap_err().contains("ICMP"));
        assert_eq!(
            ports(Protocol::Tcp, Some(443), Some(443))
                .unwrap()
                .to_string(),
            "443"
        );
        assert_eq!(
            ports(Protocol::Udp, Some(-1), Some(-1)).unwrap(),
            PortRange::ALL
        );
        assert_eq!(
            principal("arn:aws:iam::222222222222:root"),
            Ok(Principal::Account("222222222222".into()))
        );
        assert!(matches!(
            principal("arn:aws:iam::2:role/x"),
            Ok(Principal::Role(_))
        ));
        assert!(principal("arn:aws:iam::2:user/bob").is_err());
        assert_eq!(
            gateway_service("com.amazonaws.us-east-1.s3"),
            Some(AwsService::S3)
        );
        assert!(cidr("10.0.1.5/24").unwrap().1);
    }

    #[test]
    fn policies_keep_their_statements() {
        let (p, problems) = policy(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:role/a"]},"Action":"s3:GetObject","Resource":"*","Condition":{}}]}"#,
        )
        .unwrap();
        let p = p.unwrap();
        assert_eq!(p.statements[0].actions, ["s3:GetObject"]);
        assert_eq!(p.statements[0].principals, ["arn:aws:iam::1:role/a"]);
        assert_eq!(problems.len(), 1);
        let (full, _) = policy(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
        )
        .unwrap();
        assert!(full.is_none());
    }
}
