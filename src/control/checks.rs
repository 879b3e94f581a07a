//! Hop checks as one ordered chain: the filters a connection meets on its
//! way — where it leaves the client (security groups out, NACL out), the
//! endpoint's connection state and policy, the NLB's security groups, and
//! where it enters a server-side network interface (NACL in, NACL return,
//! security groups) — evaluated in the order AWS applies them, the first
//! refusal deciding the verdict.
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
use super::policy::{evaluate_policy, nacl_allows, sg_allows, Direction, PolicyVerdict};
use super::state::ConnState;
use crate::fabric::{Fabric, SgId, SubnetId};
use crate::scenario::{EndpointPolicy, Protocol};

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
    /// Outbound security-group rules of the client (`name`) admit the
    /// request to `to`. No groups admits everything.
    SgOut {
        name: &'a str,
        groups: &'a [SgId],
        to: IpAddr,
    },
    /// The client subnet's NACL lets the request out to `to`.
    NaclOut { subnet: SubnetId, to: IpAddr },
    /// The endpoint's connection to its service is `Available`.
    Connection {
        state: ConnState,
        endpoint: &'a str,
        service: &'a str,
    },
    /// The endpoint's policy (when it has one; none is AWS's full-access
    /// default) allows `principal` of `account_id` the action on the
    /// resource.
    EndpointPolicy {
        endpoint: &'a str,
        policy: &'a EndpointPolicy,
        principal: &'a str,
        account_id: &'a str,
        action: &'a str,
        resource: &'a str,
    },
    /// The NLB's inbound security groups admit the request from `from`
    /// when they are `evaluated` for PrivateLink traffic.
    NlbSg {
        nlb: &'a str,
        evaluated: bool,
        groups: &'a [SgId],
        from: IpAddr,
        from_groups: &'a [SgId],
    },
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
    verdict_at(f, flow, checks).map_err(|(_, d)| d)
}

/// [`verdict`] with the index of the check that refused (a walk records a
/// hop for some refusals only).
pub(crate) fn verdict_at(
    f: &Fabric,
    flow: Flow,
    checks: &[Check<'_>],
) -> Result<(), (usize, Deny)> {
    checks
        .iter()
        .enumerate()
        .try_for_each(|(i, c)| check(f, flow, c).map_err(|d| (i, d)))
}

fn subnet_name(f: &Fabric, s: SubnetId) -> &str {
    &f.subnets[s.index()].name
}

/// One check's verdict.
fn check(f: &Fabric, flow: Flow, c: &Check<'_>) -> Result<(), Deny> {
    let Flow { port, proto } = flow;
    match *c {
        Check::SgOut { name, groups, to } => {
            if sg_allows(f, groups, Direction::Outbound, to, &[], port, proto) {
                return Ok(());
            }
            Err((
                Reason::SecurityGroupDeny,
                format!("allow outbound to {to} in the security groups of {name}"),
            ))
        }
        Check::NaclOut { subnet, to } => {
            if nacl_allows(f, subnet, Direction::Outbound, to, port, proto) {
                return Ok(());
            }
            Err((
                Reason::NaclDeny,
                format!(
                    "allow outbound to {to} in the NACL of subnet {:?}",
                    subnet_name(f, subnet)
                ),
            ))
        }
        Check::Connection {
            state,
            endpoint,
            service,
        } => connection(state, endpoint, service),
        Check::EndpointPolicy {
            endpoint,
            policy,
            principal,
            account_id,
            action,
            resource,
        } => match evaluate_policy(Some(policy), principal, account_id, action, resource) {
            PolicyVerdict::Allow => Ok(()),
            PolicyVerdict::Deny { explicit } => Err((
                Reason::EndpointPolicyDeny,
                match explicit {
                    Some(i) => format!("statement {i} of the policy of endpoint {endpoint:?} denies {action} on {resource}"),
                    None => format!("no statement of the policy of endpoint {endpoint:?} allows {action} on {resource} for {principal}"),
                },
            )),
        },
        Check::NlbSg {
            nlb,
            evaluated,
            groups,
            from,
            from_groups,
        } => {
            if !evaluated
                || sg_allows(f, groups, Direction::Inbound, from, from_groups, port, proto)
            {
                return Ok(());
            }
            Err((
                Reason::SecurityGroupDeny,
                format!(
                    "allow inbound port {port} from {from} in the security groups of NLB {nlb:?}, or turn off their evaluation for PrivateLink traffic (privatelink_sg_evaluation: false)"
                ),
            ))
        }
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

/// The refusal of an endpoint connection that is not `Available`.
fn connection(state: ConnState, ep: &str, svc: &str) -> Result<(), Deny> {
    let (reason, hint) = match state {
        ConnState::Available => return Ok(()),
        ConnState::PendingAcceptance => (
            Reason::PendingAcceptance,
            format!("the owner of service {svc:?} must accept endpoint {ep:?}"),
        ),
        ConnState::Rejected => (
            Reason::ConnectionRejected,
            format!("service {svc:?} rejected endpoint {ep:?}; ask the provider, then create a new endpoint"),
        ),
        ConnState::Suspended => (
            Reason::ConnectionSuspended,
            format!("service {svc:?} suspended endpoint {ep:?}; the provider can resume it"),
        ),
        ConnState::Terminated => (
            Reason::ConnectionTerminated,
            format!("service {svc:?} terminated endpoint {ep:?} for good; create a new endpoint"),
        ),
    };
    Err((reason, hint))
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

    #[test]
    fn source_side_checks_name_the_client_s_groups_and_subnet() {
        let mut f = fabric();
        let web = subnet(&f, "svc-pub");
        // `endpoint-sg` lets out S3 and port 443 to anywhere.
        let sg = [group(&f, "endpoint-sg")];
        let to = ip("10.0.1.9");
        let out = [Check::SgOut {
            name: "web",
            groups: &sg,
            to,
        }];
        assert_eq!(verdict(&f, TCP_443, &out), Ok(()));
        assert_eq!(
            verdict(&f, TCP_22, &out),
            Err((
                Reason::SecurityGroupDeny,
                "allow outbound to 10.0.1.9 in the security groups of web".to_string()
            ))
        );
        let nacl = [Check::NaclOut { subnet: web, to }];
        assert_eq!(verdict(&f, TCP_22, &nacl), Ok(()), "web-only lets all out");
        // A custom NACL without outbound rules lets nothing out.
        let (vpc, k) = {
            let s = &f.subnets[web.index()];
            (s.vpc, s.nacl.expect("svc-pub has a NACL"))
        };
        f.vpcs[vpc.index()].nacls[k].outbound.clear();
        assert_eq!(
            verdict(&f, TCP_443, &nacl),
            Err((
                Reason::NaclDeny,
                "allow outbound to 10.0.1.9 in the NACL of subnet \"svc-pub\"".to_string()
            ))
        );
        // The index of the refusing check lets a walk record its hop.
        let both = [out[0], nacl[0]];
        assert_eq!(verdict_at(&f, TCP_443, &both).map_err(|e| e.0), Err(1));
    }

    #[test]
    fn only_an_available_connection_passes_and_each_state_has_its_reason() {
        let f = fabric();
        let check = |state| {
            verdict(
                &f,
                TCP_443,
                &[Check::Connection {
                    state,
                    endpoint: "ep",
                    service: "orders",
                }],
            )
        };
        assert_eq!(check(ConnState::Available), Ok(()));
        for (state, reason, says) in [
            (
                ConnState::PendingAcceptance,
                Reason::PendingAcceptance,
                "must accept",
            ),
            (ConnState::Rejected, Reason::ConnectionRejected, "rejected"),
            (
                ConnState::Suspended,
                Reason::ConnectionSuspended,
                "can resume",
            ),
            (
                ConnState::Terminated,
                Reason::ConnectionTerminated,
                "for good",
            ),
        ] {
            let (r, hint) = check(state).expect_err("not available");
            assert_eq!(r, reason);
            assert!(hint.contains(says) && hint.contains("\"ep\""), "{hint}");
        }
    }

    #[test]
    fn an_endpoint_policy_denies_explicitly_or_by_default() {
        use crate::scenario::{PolicyStatement, RuleAction};
        let f = fabric();
        let st = |effect, action: &str| PolicyStatement {
            effect,
            principals: vec!["*".into()],
            actions: vec![action.into()],
            resources: vec!["*".into()],
        };
        let policy = EndpointPolicy {
            statements: vec![
                st(RuleAction::Allow, "s3:*"),
                st(RuleAction::Deny, "s3:DeleteObject"),
            ],
        };
        let check = |action| {
            verdict(
                &f,
                TCP_443,
                &[Check::EndpointPolicy {
                    endpoint: "ep",
                    policy: &policy,
                    principal: "arn:aws:iam::222222222222:role/web",
                    account_id: "222222222222",
                    action,
                    resource: "arn:aws:s3:::b/k",
                }],
            )
        };
        assert_eq!(check("s3:GetObject"), Ok(()));
        let (r, hint) = check("s3:DeleteObject").expect_err("denied");
        assert_eq!(r, Reason::EndpointPolicyDeny);
        assert!(
            hint.starts_with("statement 1 of the policy of endpoint \"ep\" denies s3:DeleteObject"),
            "{hint}"
        );
        let (r, hint) = check("dynamodb:GetItem").expect_err("not allowed");
        assert_eq!(r, Reason::EndpointPolicyDeny);
        assert!(
            hint.starts_with("no statement of the policy")
                && hint.ends_with("for arn:aws:iam::222222222222:role/web"),
            "{hint}"
        );
    }

    #[test]
    fn nlb_groups_filter_only_when_evaluated_for_privatelink() {
        let f = fabric();
        // `backend-sg` admits 8080 from 10.0.0.0/16 only.
        let sg = [group(&f, "backend-sg")];
        let check = |evaluated| {
            verdict(
                &f,
                TCP_443,
                &[Check::NlbSg {
                    nlb: "orders-nlb",
                    evaluated,
                    groups: &sg,
                    from: ip("10.1.1.5"),
                    from_groups: &[],
                }],
            )
        };
        assert_eq!(check(false), Ok(()), "not evaluated: no filter");
        let (r, hint) = check(true).expect_err("443 from the consumer is not admitted");
        assert_eq!(r, Reason::SecurityGroupDeny);
        assert!(
            hint.contains("security groups of NLB \"orders-nlb\"")
                && hint.contains("privatelink_sg_evaluation: false"),
            "{hint}"
        );
    }
}
