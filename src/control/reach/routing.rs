//! Plain IP routing between VPCs: local, VPC peering and Transit Gateway,
//! both directions' routes and the source-side filters, and connections
//! to a workload.
//!
//! Owns: route-table and TGW lookups. Must not: reach sites (hybrid) or
//! leave AWS (egress).

use super::*;

impl<'f> Evaluator<'f> {
    pub(super) fn to_workload(
        &self,
        st: &mut ControlState,
        src: &SrcInfo,
        w: &mut Walk,
        t: WorkloadId,
        req: &Request,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let target = &f.workloads[t.index()];
        let healthy =
            || (0..target.instances.len()).filter(|i| st.az_up[target.instances[*i].az.index()]);
        let n_healthy = healthy().count();
        let index = if n_healthy == 0 {
            rng.random_range(0..target.instances.len())
        } else {
            let k = rng.random_range(0..n_healthy);
            healthy().nth(k).unwrap_or(k)
        };
        let inst = target.instances[index];
        w.plan.target = Some((t, index));
        w.plan.target_az = Some(inst.az);
        if let Err(d) = self.route_to_vpc(
            st,
            src,
            w,
            target.vpc,
            inst.subnet,
            inst.ip,
            (req.port, req.protocol),
        ) {
            // A provider reaching a consumer it only knows through PrivateLink.
            if d.0 == Reason::NoRoute || d.0 == Reason::TransitivePeering {
                if let Some(pi) = self.provider_relationship(src.vpc, target.vpc) {
                    return Err((
                        Reason::ProviderInitiated,
                        format!("PrivateLink is one-way: consumers open connections to service {:?}, its provider cannot open them back; expose a service from the consumer side or peer the VPCs", f.services[pi].name),
                    ));
                }
            }
            return Err(d);
        }
        hop!(
            w,
            format!("{}[{index}]", target.name),
            "instance",
            Some(inst.az),
            Some(target.account),
            format!("target {} port {}", inst.ip, req.port),
        );
        if !st.az_up[inst.az.index()] {
            return Err((
                Reason::AzUnavailable,
                format!("every instance of {:?} is in a failed AZ", target.name),
            ));
        }
        checks::verdict(
            f,
            flow(req),
            &[
                Check::NaclIn {
                    subnet: inst.subnet,
                    from: src.ip,
                    from_text: None,
                },
                Check::NaclReturn {
                    server: inst.subnet,
                    server_ip: inst.ip,
                    client: src.subnet,
                    client_ip: src.ip,
                },
                Check::SgIn {
                    holder: Holder::Workload(&target.name),
                    groups: &target.security_groups,
                    from: src.ip,
                    from_groups: src.groups,
                },
            ],
        )?;
        Ok(())
    }

    /// A service whose provider VPC is `from` and that has an endpoint in `to`.
    pub(super) fn provider_relationship(&self, from: Option<VpcId>, to: VpcId) -> Option<usize> {
        let f = self.fabric;
        let from = from?;
        f.services.iter().position(|s| {
            s.nlbs.iter().any(|n| f.nlbs[n.index()].vpc == from)
                && f.endpoints
                    .iter()
                    .any(|e| f.services[e.service.index()].name == s.name && e.vpc == to)
        })
    }

    /// Whether a route (not blackholed) exists from the source toward `ip` in `vpc`.
    pub(super) fn has_route(
        &self,
        st: &ControlState,
        src: &SrcInfo,
        vpc: VpcId,
        ip: IpAddr,
    ) -> bool {
        let f = self.fabric;
        match (src.vpc, src.subnet) {
            (Some(v), _) if v == vpc => true,
            (Some(v), Some(sn)) => matches!(
                f.route_table_of(sn).lookup(&f.vpcs[v.index()].cidrs, ip),
                Some(Via::Peering(_) | Via::TransitGateway(_))
            ),
            _ => self.site_paths(st, src, vpc).next().is_some(),
        }
    }

    /// Routes from the source to `ip` inside `vpc` (subnet `dst_subnet`),
    /// checking both directions' routes and the source-side filters.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn route_to_vpc(
        &self,
        st: &mut ControlState,
        src: &SrcInfo,
        w: &mut Walk,
        vpc: VpcId,
        dst_subnet: SubnetId,
        ip: IpAddr,
        (port, proto): (u16, Protocol),
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let dst_vpc = &f.vpcs[vpc.index()];
        let Some(src_vpc_id) = src.vpc else {
            return self.route_from_site(st, src, w, vpc, dst_subnet, ip);
        };
        let src_subnet = src.subnet.unwrap_or(dst_subnet);
        let src_vpc = &f.vpcs[src_vpc_id.index()];
        // Source-side filters first: SG outbound, NACL outbound.
        let chain = [
            Check::SgOut {
                name: &src.name,
                groups: src.groups,
                to: ip,
            },
            Check::NaclOut {
                subnet: src_subnet,
                to: ip,
            },
        ];
        let flow = Flow { port, proto };
        if let Err((i, d)) = checks::verdict_at(f, flow, &chain) {
            let (id, kind) = match i {
                0 => (src.name.as_str(), "security-group"),
                _ => (f.subnets[src_subnet.index()].name.as_str(), "nacl"),
            };
            hop!(
                w,
                id,
                kind,
                src.az,
                Some(src_vpc.account),
                format!("outbound to {ip}"),
            );
            return Err(d);
        }
        if src_vpc_id == vpc {
            hop!(
                w,
                &src_vpc.name,
                "route-table",
                src.az,
                Some(src_vpc.account),
                format!("{ip} is local to VPC {:?}", src_vpc.name),
            );
            return Ok(());
        }
        let rt = f.route_table_of(src_subnet);
        let via = rt.lookup(&src_vpc.cidrs, ip);
        hop!(
            w,
            format!("{}/{}", src_vpc.name, rt.name),
            "route-table",
            src.az,
            Some(src_vpc.account),
            format!("route for {ip}: {}", describe_via(f, via)),
        );
        match via {
            Some(Via::Local) => Err(match self.peering_between(src_vpc_id, vpc) {
                // A peering AWS refused (overlap) explains the local route best.
                Some((p, Err((r, h)))) => {
                    w.plan.peering = Some(p);
                    w.path = PathKind::Peering;
                    (*r, h.clone())
                }
                _ => (
                Reason::NoRoute,
                format!(
                    "{ip} is inside VPC {:?}'s own CIDR (the ranges overlap), so it never leaves the VPC; use PrivateLink, which tolerates overlapping ranges",
                    src_vpc.name
                ),
            ),
            }),
            None | Some(Via::Blackhole) | Some(Via::InternetGateway) | Some(Via::NatGateway(_)) | Some(Via::GatewayEndpoint(_)) | Some(Via::VpnGateway) => {
                if let Some((p, Err((r, h)))) = self.peering_between(src_vpc_id, vpc) {
                    w.plan.peering = Some(p);
                    w.path = PathKind::Peering;
                    return Err((*r, h.clone()));
                }
                if let Some(hub) = self.transitive_hub(src_vpc_id, vpc) {
                    w.path = PathKind::Peering;
                    return Err((
                        Reason::TransitivePeering,
                        format!(
                            "VPC {:?} and {:?} are both peered with {:?}, but peering is not transitive; peer them directly, or use Transit Gateway or PrivateLink",
                            src_vpc.name, dst_vpc.name, f.vpcs[hub.index()].name
                        ),
                    ));
                }
                Err((
                    Reason::NoRoute,
                    format!("add a route for {} in route table {:?} of VPC {:?} (via a peering or a transit gateway)", net_of(dst_vpc, ip), rt.name, src_vpc.name),
                ))
            }
            Some(Via::Peering(p)) => {
                let pi = &f.peerings[p.index()];
                w.path = PathKind::Peering;
                w.plan.peering = Some(p);
                hop!(w,
                    &pi.name,
                    "peering",
                    None,
                    Some(f.vpcs[pi.requester.index()].account),
                    format!("{} ↔ {}{}{}", f.vpcs[pi.requester.index()].name, f.vpcs[pi.accepter.index()].name, if pi.cross_account { ", cross-account" } else { "" }, if pi.cross_region { ", cross-region" } else { "" }),
                );
                if let Err((r, h)) = &self.peering_status[p.index()] {
                    return Err((*r, h.clone()));
                }
                if pi.peer_of(src_vpc_id) != Some(vpc) {
                    let via_vpc = pi.peer_of(src_vpc_id).map(|v| f.vpcs[v.index()].name.clone()).unwrap_or_default();
                    return Err((
                        Reason::TransitivePeering,
                        format!("the route sends {ip} to peer {via_vpc:?}, but peering is not transitive; peer {:?} with {:?} directly", src_vpc.name, dst_vpc.name),
                    ));
                }
                self.return_route(w, vpc, dst_subnet, src.ip, Via::Peering(p))
            }
            Some(Via::TransitGateway(t)) => {
                w.path = PathKind::Tgw;
                let tg = &f.tgws[t.index()];
                let Some(a) = tg.attachments.iter().copied().find(|a| f.tgw_attachments[a.index()].target == AttachTo::Vpc(src_vpc_id)) else {
                    hop!(w, &tg.name, "transit-gateway", None, Some(tg.account), "an attachment of the source VPC");
                    return Err((Reason::NoRoute, format!("attach VPC {:?} to transit gateway {:?}", src_vpc.name, tg.name)));
                };
                let b = self.tgw_lookup(w, t, a, ip)?;
                if f.tgw_attachments[b.index()].target != AttachTo::Vpc(vpc) {
                    return Err((Reason::NoRoute, format!("transit gateway {:?} routes {ip} to attachment {:?}, not to VPC {:?}", tg.name, f.tgw_attachments[b.index()].name, dst_vpc.name)));
                }
                // Return path: the destination's TGW route table back to the source.
                let back = f.tgw_attachments[b.index()].route_table.and_then(|rt| tg.route_tables[rt].lookup(src.ip));
                if back != Some(Some(a)) {
                    return Err((Reason::NoRoute, format!("transit gateway {:?} has no return route for {} from attachment {:?}", tg.name, src.ip, f.tgw_attachments[b.index()].name)));
                }
                w.plan.tgw = Some((a, b));
                self.return_route(w, vpc, dst_subnet, src.ip, Via::TransitGateway(t))?;
                Ok(())
            }
        }
    }

    /// The first peering connection between two VPCs, with its status.
    pub(super) fn peering_between(
        &self,
        a: VpcId,
        b: VpcId,
    ) -> Option<(PeeringId, &Result<(), Deny>)> {
        let f = self.fabric;
        f.vpcs[a.index()]
            .peerings
            .iter()
            .find(|p| f.peerings[p.index()].peer_of(a) == Some(b))
            .map(|p| (*p, &self.peering_status[p.index()]))
    }

    /// A VPC peered with both `a` and `b` (what transitive peering would need).
    pub(super) fn transitive_hub(&self, a: VpcId, b: VpcId) -> Option<VpcId> {
        let f = self.fabric;
        let peers = |v: VpcId| -> Vec<VpcId> {
            f.vpcs[v.index()]
                .peerings
                .iter()
                .filter_map(|p| f.peerings[p.index()].peer_of(v))
                .collect()
        };
        let pa = peers(a);
        peers(b).into_iter().find(|v| pa.contains(v))
    }

    /// Looks `ip` up in the TGW route table associated with attachment `from`.
    pub(super) fn tgw_lookup(
        &self,
        w: &mut Walk,
        t: TgwId,
        from: TgwAttachmentId,
        ip: IpAddr,
    ) -> Result<TgwAttachmentId, Deny> {
        let f = self.fabric;
        let tg = &f.tgws[t.index()];
        let att = &f.tgw_attachments[from.index()];
        let Some(rt) = att.route_table else {
            hop!(
                w,
                &tg.name,
                "transit-gateway",
                None,
                Some(tg.account),
                format!("attachment {:?} has no route table", att.name),
            );
            return Err((
                Reason::NoRoute,
                format!(
                    "associate attachment {:?} with a route table of {:?}",
                    att.name, tg.name
                ),
            ));
        };
        let table = &tg.route_tables[rt];
        let found = table.lookup(ip);
        hop!(
            w,
            format!("{}/{}", tg.name, table.name),
            "transit-gateway",
            None,
            Some(tg.account),
            format!(
                "route for {ip}: {}",
                match found {
                    None => "none".to_string(),
                    Some(None) => "blackhole".to_string(),
                    Some(Some(b)) => format!("attachment {:?}", f.tgw_attachments[b.index()].name),
                }
            ),
        );
        match found {
            None => Err((Reason::NoRoute, format!("add a route for {ip} to route table {:?} of transit gateway {:?} (or propagate the attachment)", table.name, tg.name))),
            Some(None) => Err((Reason::NoRoute, format!("route table {:?} of transit gateway {:?} blackholes {ip}", table.name, tg.name))),
            Some(Some(b)) => Ok(b),
        }
    }

    /// The destination subnet must route the source back the same way.
    pub(super) fn return_route(
        &self,
        w: &mut Walk,
        vpc: VpcId,
        dst_subnet: SubnetId,
        src_ip: IpAddr,
        expect: Via,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let v = &f.vpcs[vpc.index()];
        let rt = f.route_table_of(dst_subnet);
        let back = rt.lookup(&v.cidrs, src_ip);
        hop!(
            w,
            format!("{}/{}", v.name, rt.name),
            "route-table",
            Some(f.subnets[dst_subnet.index()].az),
            Some(v.account),
            format!("return route for {src_ip}: {}", describe_via(f, back)),
        );
        if back == Some(expect) {
            Ok(())
        } else {
            Err((
                Reason::NoRoute,
                format!(
                    "add a return route for {src_ip} in route table {:?} of VPC {:?} via {}",
                    rt.name,
                    v.name,
                    describe_via(f, Some(expect))
                ),
            ))
        }
    }
}
