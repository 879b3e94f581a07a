//! PrivateLink: an interface endpoint's ENI through its service's NLB to
//! a healthy target, with the checks met on the way (the ENI's NACL and
//! groups, the connection state, the endpoint policy, the NLB's groups,
//! the target's NACL and groups).
//!
//! Owns: the endpoint-to-target walk. Must not: resolve names (dns) or
//! route between VPCs (routing).

use super::*;

impl<'f> Evaluator<'f> {
    /// The walk from the client to a target behind endpoint `e`'s service:
    /// the endpoint exists, DNS picks an ENI, the route reaches it, the
    /// ENI's filters, the connection and policy, the NLB node, a target.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn privatelink(
        &self,
        st: &mut ControlState,
        dns: &mut DnsState,
        src: &SrcInfo,
        w: &mut Walk,
        e: EndpointId,
        mode: &Dns,
        req: &Request,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        w.path = PathKind::Privatelink;
        let ep = &f.endpoints[e.index()];
        // 1. The endpoint exists.
        self.endpoint_exists(st, w, e)?;
        // 2. DNS: which ENI.
        let eni = self.endpoint_eni(st, dns, src, w, e, mode, req)?;
        let eni_info = &f.enis[eni.index()];
        w.plan.endpoint = Some((e, eni));
        // 3. Route from the client to the ENI's private IP.
        self.route_to_vpc(
            st,
            src,
            w,
            ep.vpc,
            eni_info.subnet,
            eni_info.ip,
            (req.port, req.protocol),
        )?;
        w.path = PathKind::Privatelink;
        // 4. The ENI: NACL of its subnet, security groups where the profile has them.
        self.enter_endpoint_eni(src, w, e, eni, req)?;
        // 5-6. The endpoint connection state, the endpoint policy.
        self.endpoint_connection(st, src, w, e, req)?;
        // 7. The NLB node in the ENI's AZ (sticky per ENI).
        let (nlb, node) = self.nlb_node(st, src, w, e, eni, req)?;
        // 8. A healthy target.
        self.nlb_target(st, w, nlb, node, req, rng)
    }

    /// The endpoint exists and AWS created it.
    fn endpoint_exists(&self, st: &ControlState, w: &mut Walk, e: EndpointId) -> Result<(), Deny> {
        let ep = &self.fabric.endpoints[e.index()];
        match &st.endpoints[e.index()] {
            EndpointStatus::NotCreated | EndpointStatus::Deleted => {
                hop!(
                    w,
                    &ep.name,
                    "interface-endpoint",
                    None,
                    Some(ep.account),
                    "the endpoint exists",
                );
                Err((
                    Reason::EndpointNotFound,
                    format!("endpoint {:?} does not exist at this time", ep.name),
                ))
            }
            EndpointStatus::Failed { reason, hint } => {
                hop!(
                    w,
                    &ep.name,
                    "interface-endpoint",
                    None,
                    Some(ep.account),
                    "AWS created the endpoint",
                );
                Err((*reason, hint.clone()))
            }
            EndpointStatus::Created(_) => Ok(()),
        }
    }

    /// The ENI the endpoint's DNS name gives the client: the one in the
    /// client's AZ for a zonal name, else one healthy ENI round-robin.
    #[allow(clippy::too_many_arguments)]
    fn endpoint_eni(
        &self,
        st: &mut ControlState,
        dns: &mut DnsState,
        src: &SrcInfo,
        w: &mut Walk,
        e: EndpointId,
        mode: &Dns,
        req: &Request,
    ) -> Result<EniId, Deny> {
        let f = self.fabric;
        let ep = &f.endpoints[e.index()];
        let zonal_az = match mode {
            Dns::Zonal => src.az,
            Dns::Mixed(_) if req.zonal_client => src.az,
            Dns::ZonalIn(az) => f.az(az),
            _ => None,
        };
        let pinned = zonal_az.and_then(|az| {
            ep.enis
                .iter()
                .copied()
                .find(|x| self.eni_az[x.index()] == az)
        });
        match (zonal_az, pinned) {
            (Some(az), Some(eni)) => {
                hop!(
                    w,
                    ep.zonal_dns_name(f.azs[az.index()].name_for(ep.account)),
                    "dns",
                    Some(az),
                    Some(ep.account),
                    "zonal name: the ENI in that AZ",
                );
                if !st.az_up[az.index()] {
                    return Err((
                        Reason::AzUnavailable,
                        format!("AZ {} is down; zonal names do not fail over — use the regional name {:?}", f.az_name(az), ep.dns_name),
                    ));
                }
                Ok(eni)
            }
            (Some(az), None) if matches!(mode, Dns::ZonalIn(_)) => {
                hop!(
                    w,
                    &ep.dns_name,
                    "dns",
                    Some(az),
                    Some(ep.account),
                    "zonal name: the ENI in that AZ",
                );
                Err((
                    Reason::AzNotSupported,
                    format!(
                        "endpoint {:?} has no subnet in AZ {}; add one or use the regional name",
                        ep.name,
                        f.az_name(az)
                    ),
                ))
            }
            _ => self.regional_eni(st, dns, w, e, zonal_az.is_some()),
        }
    }

    /// The regional name: one healthy ENI, round-robin across AZs. A
    /// healthy ENI is one in a live AZ whose NLB node can reach a healthy
    /// target (AWS health-checks the zone); when none is, the ENIs in live
    /// AZs, so that the denial names the real cause. `fell_back`: the
    /// client asked for a zonal name its AZ has no ENI for.
    fn regional_eni(
        &self,
        st: &mut ControlState,
        dns: &mut DnsState,
        w: &mut Walk,
        e: EndpointId,
        fell_back: bool,
    ) -> Result<EniId, Deny> {
        let f = self.fabric;
        let ep = &f.endpoints[e.index()];
        let svc_id = ep.service;
        // Counted here (every live ENI's NLB is resolved, in order), picked
        // below without collecting them.
        let eni_up = |st: &ControlState, x: EniId| st.az_up[self.eni_az[x.index()].index()];
        let (mut n_up, mut n_served) = (0usize, 0usize);
        for &x in &ep.enis {
            if eni_up(st, x) {
                n_up += 1;
                if self.eni_serves(st, svc_id, x) {
                    n_served += 1;
                }
            }
        }
        let n_healthy = if n_served == 0 { n_up } else { n_served };
        if n_healthy == 0 {
            hop!(
                w,
                &ep.dns_name,
                "dns",
                None,
                Some(ep.account),
                "regional name: one healthy ENI, round-robin across AZs",
            );
            return Err((
                Reason::AzUnavailable,
                format!("every AZ of endpoint {:?} is down", ep.name),
            ));
        }
        let slot = &mut dns.rr[e.index()];
        let k = (*slot % n_healthy as u64) as usize;
        *slot = slot.wrapping_add(1);
        // The k-th healthy ENI (their NLBs were resolved above, so this
        // draws nothing).
        let mut healthy = ep
            .enis
            .iter()
            .copied()
            .filter(|&x| eni_up(st, x) && (n_served == 0 || self.eni_serves(st, svc_id, x)));
        let Some(eni) = healthy.nth(k) else {
            unreachable!("{k} < {n_healthy} healthy ENIs, counted above");
        };
        let note = if fell_back {
            " (no ENI in the client's AZ, so the regional name)"
        } else {
            ""
        };
        hop!(
            w,
            &ep.dns_name,
            "dns",
            Some(f.enis[eni.index()].az),
            Some(ep.account),
            format!("regional name: one healthy ENI, round-robin across AZs{note}"),
        );
        Ok(eni)
    }

    /// The endpoint ENI's filters: NACL in, NACL return, then the
    /// endpoint's security groups where the quota profile has them (no
    /// groups: the VPC's default group).
    fn enter_endpoint_eni(
        &self,
        src: &SrcInfo,
        w: &mut Walk,
        e: EndpointId,
        eni: EniId,
        req: &Request,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let ep = &f.endpoints[e.index()];
        let eni_info = &f.enis[eni.index()];
        hop!(
            w,
            &eni_info.aws_id,
            "endpoint-eni",
            Some(eni_info.az),
            Some(ep.account),
            format!("ENI {} of endpoint {:?}", eni_info.ip, ep.name),
        );
        let sg = if ep.security_groups.is_empty() {
            Check::DefaultSg {
                endpoint: &ep.name,
                member: src.vpc == Some(ep.vpc) && src.groups.is_empty(),
                from: src.ip,
            }
        } else {
            Check::SgIn {
                holder: Holder::Endpoint(&ep.name),
                groups: &ep.security_groups,
                from: src.ip,
                from_groups: src.groups,
            }
        };
        let chain = [
            Check::NaclIn {
                subnet: eni_info.subnet,
                from: src.ip,
                from_text: None,
            },
            Check::NaclReturn {
                server: eni_info.subnet,
                server_ip: eni_info.ip,
                client: src.subnet,
                client_ip: src.ip,
            },
            sg,
        ];
        let n = if f.quotas.endpoint_security_groups {
            3
        } else {
            2
        };
        checks::verdict(f, flow(req), &chain[..n])
    }

    /// The endpoint's connection to its service is available, and its
    /// policy (if any; none is AWS's full-access default) allows the
    /// request.
    fn endpoint_connection(
        &self,
        st: &ControlState,
        src: &SrcInfo,
        w: &mut Walk,
        e: EndpointId,
        req: &Request,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let ep = &f.endpoints[e.index()];
        let svc = &f.services[ep.service.index()];
        hop!(
            w,
            &svc.service_name,
            "endpoint-service",
            None,
            Some(svc.owner),
            format!(
                "connection of endpoint {:?} to service {:?}",
                ep.name, svc.name
            ),
        );
        if let EndpointStatus::Created(state) = st.endpoints[e.index()] {
            let connection = Check::Connection {
                state,
                endpoint: &ep.name,
                service: &svc.name,
            };
            checks::verdict(f, flow(req), &[connection])?;
        }
        let Some(policy) = &ep.policy else {
            return Ok(());
        };
        let principal = src.principal();
        let policy = Check::EndpointPolicy {
            endpoint: &ep.name,
            policy,
            principal: &principal,
            account_id: src.account_id,
            action: req.action.unwrap_or("*"),
            resource: req.resource.unwrap_or("*"),
        };
        checks::verdict(f, flow(req), &[policy])
    }

    /// The node, in the ENI's AZ, of the service's NLB that serves the ENI
    /// (sticky per ENI), past the NLB's security groups when they are
    /// evaluated for PrivateLink traffic.
    fn nlb_node(
        &self,
        st: &mut ControlState,
        src: &SrcInfo,
        w: &mut Walk,
        e: EndpointId,
        eni: EniId,
        req: &Request,
    ) -> Result<(NlbId, EniId), Deny> {
        let f = self.fabric;
        let ep = &f.endpoints[e.index()];
        let svc_id = ep.service;
        let svc = &f.services[svc_id.index()];
        let eni_info = &f.enis[eni.index()];
        if st.service_nlbs[svc_id.index()].is_empty() {
            return Err((
                Reason::NoLoadBalancer,
                format!(
                    "service {:?} has no Network Load Balancer; associate one",
                    svc.name
                ),
            ));
        }
        let Some(nlb) = st.nlb_for_eni(f, svc_id, eni) else {
            return Err((
                Reason::AzNotSupported,
                format!(
                    "no NLB of service {:?} has a node in {}; enable that AZ on an NLB",
                    svc.name,
                    f.az_name(eni_info.az)
                ),
            ));
        };
        let n = &f.nlbs[nlb.index()];
        let Some(node) = n
            .nodes
            .iter()
            .copied()
            .find(|x| self.eni_az[x.index()] == eni_info.az)
        else {
            return Err((
                Reason::AzNotSupported,
                format!("NLB {:?} has no node in {}", n.name, f.az_name(eni_info.az)),
            ));
        };
        let node_info = &f.enis[node.index()];
        w.plan.nlb_node = Some(node);
        let groups = Check::NlbSg {
            nlb: &n.name,
            evaluated: n.privatelink_sg_evaluation,
            groups: &n.security_groups,
            from: src.ip,
            from_groups: src.groups,
        };
        if let Err(d) = checks::verdict(f, flow(req), &[groups]) {
            hop!(
                w,
                &n.name,
                "nlb",
                Some(node_info.az),
                Some(n.account),
                "NLB security groups (evaluated for PrivateLink traffic)"
            );
            return Err(d);
        }
        hop!(
            w,
            &n.name,
            "nlb",
            Some(node_info.az),
            Some(n.account),
            format!(
                "NLB node {} (cross-zone {}){}",
                node_info.ip,
                if n.cross_zone { "on" } else { "off" },
                if n.proxy_protocol_v2 {
                    format!("; Proxy Protocol v2 carries {} and {}", ep.aws_id, src.ip)
                } else {
                    String::new()
                }
            ),
        );
        Ok((nlb, node))
    }

    /// A healthy target of NLB `nlb` reachable from its node `node` (in a
    /// live AZ; in the node's AZ unless cross-zone), drawn uniformly, and
    /// its filters: it sees the NLB node's address as source.
    fn nlb_target(
        &self,
        st: &ControlState,
        w: &mut Walk,
        nlb: NlbId,
        node: EniId,
        req: &Request,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let n = &f.nlbs[nlb.index()];
        let node_info = &f.enis[node.index()];
        let eligible = || {
            n.targets.iter().flat_map(|t| {
                f.workloads[t.index()]
                    .instances
                    .iter()
                    .enumerate()
                    .filter(|(_, inst)| {
                        st.az_up[inst.az.index()] && (n.cross_zone || inst.az == node_info.az)
                    })
                    .map(move |(i, _)| (*t, i))
            })
        };
        let n_eligible = eligible().count();
        if n_eligible == 0 {
            return Err((
                Reason::NoHealthyTarget,
                format!(
                    "NLB {:?} has no healthy target in {}{}",
                    n.name,
                    f.az_name(node_info.az),
                    if n.cross_zone {
                        ""
                    } else {
                        "; add targets there or turn on cross-zone load balancing"
                    }
                ),
            ));
        }
        let k = rng.random_range(0..n_eligible);
        let Some((tw, ti)) = eligible().nth(k) else {
            unreachable!("{k} < {n_eligible} eligible targets, counted above");
        };
        let target = &f.workloads[tw.index()];
        let inst = target.instances[ti];
        w.plan.target = Some((tw, ti));
        w.plan.target_az = Some(inst.az);
        hop!(
            w,
            format!("{}[{ti}]", target.name),
            "instance",
            Some(inst.az),
            Some(target.account),
            format!(
                "target {} sees source {} (the NLB node)",
                inst.ip, node_info.ip
            ),
        );
        checks::verdict(
            f,
            flow(req),
            &[
                Check::NaclIn {
                    subnet: inst.subnet,
                    from: node_info.ip,
                    from_text: Some("the NLB subnets"),
                },
                Check::NaclReturn {
                    server: inst.subnet,
                    server_ip: inst.ip,
                    client: None,
                    client_ip: node_info.ip,
                },
                Check::SgIn {
                    holder: Holder::NlbTargets(&target.name),
                    groups: &target.security_groups,
                    from: node_info.ip,
                    from_groups: &[],
                },
            ],
        )
    }

    /// Whether an endpoint ENI's NLB node has a healthy target to send to.
    pub(super) fn eni_serves(
        &self,
        st: &mut ControlState,
        svc: crate::fabric::ServiceId,
        eni: EniId,
    ) -> bool {
        let f = self.fabric;
        let az = self.eni_az[eni.index()];
        let Some(nlb) = st.nlb_for_eni(f, svc, eni) else {
            return false;
        };
        let n = &f.nlbs[nlb.index()];
        n.targets.iter().any(|t| {
            f.workloads[t.index()]
                .instances
                .iter()
                .any(|i| st.az_up[i.az.index()] && (n.cross_zone || i.az == az))
        })
    }
}
