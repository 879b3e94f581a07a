//! Hop checks as one ordered chain: the filters a connection meets where it
//! enters a server-side network interface (NACL in, NACL return, security
//! groups), evaluated in the order AWS applies them, the first refusal
//! deciding the verdict.
//!
//! Every walk in [`super::reach`] that reaches an interface (an endpoint
//! ENI, an NLB target, a workload instance) states its checks as a list of
//! [`Check`]s and asks [`verdict`] for the outcome, instead of repeating the
//! NACL and security-group tests inline. Hints are formatted only when a
//! check refuses, so a run that delivers allocates nothing here.
//!
//! Owns: the order of the filters and the reason and hint of each refusal.
//! Must not: decide paths, routes or DNS (reach does), or evaluate a rule
//! (policy does).

use std::net::IpAddr;

use super::outcome::Reason;
use super::policy::{nacl_allows, sg_allows, Direction};
use crate::fabric::{Fabric, SgId, SubnetId};
use crate::scenario::Protocol;

/// The port a response is sent to: any ephemeral port passes the same
/// rules, and NACLs must allow 1024-65535 for it.
pub(crate) const EPHEMERAL_PORT: u16 = 49152;

/// A refusal: reason and hint.
pub(crate) type Deny = (Reason, String);

/// What a request carries through the checks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flow {
    pub port: u16,
    pub proto: Protocol,
}

/// Whose security groups a check reads, for the hint.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Holder<'a> {
    /// An interface endpoint's groups.
    Endpoint(&'a str),
    /// A workload's groups, seeing the client's own address.
    Workload(&'a str),
    /// NLB targets' groups, which see the NLB node's address as source.
    NlbTargets(&'a str),
}

/// One filter, in the order of a chain.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Check<'a> {
    /// The subnet's NACL admits the request from `from` (`from_text`, when
    /// given, names the source in the hint instead of its address).
    NaclIn {
        subnet: SubnetId,
        from: IpAddr,
        from_text: Option<&'a str>,
    },
    /// NACLs are stateless: the response from `server_ip` must leave the
    /// server's subnet and enter the client's (when it has one).
    NaclReturn {
        server: SubnetId,
        server_ip: IpAddr,
        client: Option<SubnetId>,
        client_ip: IpAddr,
    },
    /// Inbound security-group rules of `groups` admit the request from
    /// `from` (a member of `from_groups`). No groups admits everything.
    SgIn {
        holder: Holder<'a>,
        groups: &'a [SgId],
        from: IpAddr,
        from_groups: &'a [SgId],
    },
    /// An endpoint without groups of its own has the VPC's default group,
    /// which admits only its members (`member`: same-VPC sources without
    /// groups of their own).
    DefaultSg {
        endpoint: &'a str,
        member: bool,
        from: IpAddr,
    },
}

/// The verdict of a chain: the first check that refuses, else `Ok`.
pub(crate) fn verdict(f: &Fabric, flow: Flow, checks: &[Check<'_>]) -> Result<(), Deny> {
    checks.iter().try_for_each(|c| check(f, flow, c))
}

fn subnet_name(f: &Fabric, s: SubnetId) -> &str {
    &f.subnets[s.index()].name
}

/// One check's verdict.
fn check(f: &Fabric, flow: Flow, c: &Check<'_>) -> Result<(), Deny> {
    let Flow { port, proto } = flow;
    match *c {
        Check::NaclIn {
            subnet,
            from,
            from_text,
        } => {
            if nacl_allows(f, subnet, Direction::Inbound, from, port, proto) {
                return Ok(());
            }
            let from = from_text.map_or_else(|| from.to_string(), str::to_string);
            Err((
                Reason::NaclDeny,
                format!(
                    "allow inbound port {port} from {from} in the NACL of subnet {:?}",
                    subnet_name(f, subnet)
                ),
            ))
        }
        Check::NaclReturn {
            server,
            server_ip,
            client,
            client_ip,
        } => {
            if !nacl_allows(
                f,
                server,
                Direction::Outbound,
                client_ip,
                EPHEMERAL_PORT,
                proto,
            ) {
                return Err((
                    Reason::NaclDeny,
                    format!(
                        "NACLs are stateless: allow outbound ephemeral ports (1024-65535) to {client_ip} in the NACL of subnet {:?}",
                        subnet_name(f, server)
                    ),
                ));
            }
            match client {
                Some(c)
                    if !nacl_allows(f, c, Direction::Inbound, server_ip, EPHEMERAL_PORT, proto) =>
                {
                    Err((
                        Reason::NaclDeny,
                        format!(
                            "NACLs are stateless: allow inbound ephemeral ports (1024-65535) from {server_ip} in the NACL of subnet {:?}",
                            subnet_name(f, c)
                        ),
                    ))
                }
                _ => Ok(()),
            }
        }
        Check::SgIn {
            holder,
            groups,
            from,
            from_groups,
        } => {
            if sg_allows(
                f,
                groups,
                Direction::Inbound,
                from,
                from_groups,
                port,
                proto,
            ) {
                return Ok(());
            }
            let hint = match holder {
                Holder::Endpoint(name) => format!(
                    "allow inbound port {port} from {from} in a security group of endpoint {name:?}"
                ),
                Holder::Workload(name) => format!(
                    "allow inbound port {port} from {from} in the security groups of {name:?}"
                ),
                Holder::NlbTargets(name) => format!(
                    "targets see the NLB node's IP as source: allow inbound port {port} from {from} in the security groups of {name:?}"
                ),
            };
            Err((Reason::SecurityGroupDeny, hint))
        }
        Check::DefaultSg {
            endpoint,
            member,
            from,
        } => {
            if member {
                return Ok(());
            }
            Err((
                Reason::SecurityGroupDeny,
                format!(
                    "allow inbound port {port} from {from} in a security group of endpoint {endpoint:?}"
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `every-element.ron`: subnet `svc-pub` has NACL `web-only` (inbound
    /// 443 and 1024-65535 over TCP, outbound all); `backend-sg` admits
    /// only what its inbound rules list.
    fn fabric() -> Fabric {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/good/every-element.ron"
        );
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => panic!("fixture reads: {e}"),
        };
        let valid = crate::scenario::parse_syntax(&text, path)
            .and_then(|s| crate::scenario::Valid::new(s, path, Vec::new()));
        let valid = match valid {
            Ok(v) => v,
            Err(e) => panic!("fixture is valid: {e}"),
        };
        let Some(quotas) = crate::quota::QuotaProfile::builtin(&valid.quotas) else {
            panic!("the fixture names a builtin quota profile")
        };
        match Fabric::build(&valid, &quotas) {
            Ok(f) => f,
            Err(e) => panic!("fixture builds: {e}"),
        }
    }

    fn subnet(f: &Fabric, name: &str) -> SubnetId {
        let i = f.subnets.iter().position(|s| s.name == name);
        SubnetId(i.unwrap_or_else(|| panic!("subnet {name}")) as u32)
    }

    fn group(f: &Fabric, name: &str) -> SgId {
        let i = f.security_groups.iter().position(|s| s.name == name);
        SgId(i.unwrap_or_else(|| panic!("group {name}")) as u32)
    }

    const TCP_443: Flow = Flow {
        port: 443,
        proto: Protocol::Tcp,
    };
    const TCP_22: Flow = Flow {
        port: 22,
        proto: Protocol::Tcp,
    };

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|_| panic!("{s} is an address"))
    }

    #[test]
    fn nacl_in_admits_listed_ports_and_names_the_subnet_otherwise() {
        let f = fabric();
        let web = subnet(&f, "svc-pub");
        let c = [Check::NaclIn {
            subnet: web,
            from: ip("203.0.113.7"),
            from_text: None,
        }];
        assert_eq!(verdict(&f, TCP_443, &c), Ok(()));
        let (reason, hint) = verdict(&f, TCP_22, &c).expect_err("22 is not listed");
        assert_eq!(reason, Reason::NaclDeny);
        assert_eq!(
            hint,
            "allow inbound port 22 from 203.0.113.7 in the NACL of subnet \"svc-pub\""
        );
        let named = [Check::NaclIn {
            subnet: web,
            from: ip("10.0.0.1"),
            from_text: Some("the NLB subnets"),
        }];
        let (_, hint) = verdict(&f, TCP_22, &named).expect_err("22 is not listed");
        assert!(hint.contains("from the NLB subnets in"), "{hint}");
    }

    #[test]
    fn nacl_return_needs_the_ephemeral_ports_into_the_client_subnet() {
        let f = fabric();
        let web = subnet(&f, "svc-pub");
        let other = f
            .subnets
            .iter()
            .position(|s| s.nacl.is_none())
            .map(|i| SubnetId(i as u32))
            .expect("a subnet with the default NACL");
        // Server in a default-NACL subnet, client in `web-only`, which
        // admits 1024-65535 inbound over TCP but nothing over UDP.
        let c = [Check::NaclReturn {
            server: other,
            server_ip: ip("10.9.9.9"),
            client: Some(web),
            client_ip: ip("10.0.100.5"),
        }];
        assert_eq!(verdict(&f, TCP_443, &c), Ok(()));
        let udp = Flow {
            port: 53,
            proto: Protocol::Udp,
        };
        let (reason, hint) = verdict(&f, udp, &c).expect_err("UDP ephemeral not admitted");
        assert_eq!(reason, Reason::NaclDeny);
        assert!(
            hint.starts_with("NACLs are stateless: allow inbound ephemeral ports (1024-65535) from 10.9.9.9 in the NACL of subnet \"svc-pub\""),
            "{hint}"
        );
    }

    #[test]
    fn security_groups_hint_at_whose_groups_and_the_default_group_admits_members() {
        let f = fabric();
        let sg = [group(&f, "backend-sg")];
        let from = ip("198.51.100.1");
        for (holder, want) in [
            (Holder::Workload("api"), "in the security groups of \"api\""),
            (
                Holder::Endpoint("ep"),
                "in a security group of endpoint \"ep\"",
            ),
            (
                Holder::NlbTargets("api"),
                "targets see the NLB node's IP as source",
            ),
        ] {
            let c = [Check::SgIn {
                holder,
                groups: &sg,
                from,
                from_groups: &[],
            }];
            let (reason, hint) = verdict(&f, TCP_22, &c).expect_err("22 from outside");
            assert_eq!(reason, Reason::SecurityGroupDeny);
            assert!(hint.contains(want), "{hint}");
        }
        let open = [Check::SgIn {
            holder: Holder::Workload("api"),
            groups: &[],
            from,
            from_groups: &[],
        }];
        assert_eq!(verdict(&f, TCP_22, &open), Ok(()), "no groups: no filter");
        let member = |member| {
            verdict(
                &f,
                TCP_443,
                &[Check::DefaultSg {
                    endpoint: "ep",
                    member,
                    from,
                }],
            )
        };
        assert_eq!(member(true), Ok(()));
        assert_eq!(
            member(false).map_err(|d| d.0),
            Err(Reason::SecurityGroupDeny)
        );
    }

    #[test]
    fn the_first_refusal_in_order_decides() {
        let f = fabric();
        let web = subnet(&f, "svc-pub");
        let sg = [group(&f, "backend-sg")];
        let from = ip("198.51.100.1");
        let chain = [
            Check::SgIn {
                holder: Holder::Workload("api"),
                groups: &sg,
                from,
                from_groups: &[],
            },
            Check::NaclIn {
                subnet: web,
                from,
                from_text: None,
            },
        ];
        // Both refuse port 22: the security group comes first here.
        let (reason, _) = verdict(&f, TCP_22, &chain).expect_err("refused");
        assert_eq!(reason, Reason::SecurityGroupDeny);
        let mut reversed = chain;
        reversed.reverse();
        let (reason, _) = verdict(&f, TCP_22, &reversed).expect_err("refused");
        assert_eq!(reason, Reason::NaclDeny);
    }
}
