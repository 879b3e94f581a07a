//! Hybrid paths: on-premises sites over Direct Connect (private VIFs and
//! transit VIFs through a transit gateway), in both directions.
//!
//! Owns: DX link choice and health. Must not: route inside AWS beyond the
//! attachment (routing does).

use super::*;

impl<'f> Evaluator<'f> {
    /// DX connections from the source site that reach `vpc` (private VIF, or
    /// transit VIF through a TGW attached to it), in scenario order.
    pub(super) fn site_paths<'a>(
        &'a self,
        st: &'a ControlState,
        src: &'a SrcInfo,
        vpc: VpcId,
    ) -> impl Iterator<Item = (DxId, Option<TgwId>)> + 'a {
        let f = self.fabric;
        f.dxs.iter().enumerate().filter_map(move |(i, d)| {
            let site_ip_ok = f.sites[d.site.index()]
                .cidrs
                .iter()
                .any(|c| c.contains(&src.ip));
            if !site_ip_ok || !st.dx_up[i] {
                return None;
            }
            d.vifs.iter().find_map(|v| match v.to {
                VifTo::Vpc(x) if x == vpc => Some((DxId(i as u32), None)),
                VifTo::TransitGateway(t) => f.tgws[t.index()]
                    .attachments
                    .iter()
                    .any(|a| f.tgw_attachments[a.index()].target == AttachTo::Vpc(vpc))
                    .then_some((DxId(i as u32), Some(t))),
                _ => None,
            })
        })
    }

    pub(super) fn route_from_site(
        &self,
        st: &ControlState,
        src: &SrcInfo,
        w: &mut Walk,
        vpc: VpcId,
        dst_subnet: SubnetId,
        ip: IpAddr,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        w.path = PathKind::Dx;
        let any_dx = f.dxs.iter().any(|d| {
            f.sites[d.site.index()]
                .cidrs
                .iter()
                .any(|c| c.contains(&src.ip))
        });
        let Some((dx, tgw)) = self.site_paths(st, src, vpc).next() else {
            hop!(
                w,
                "direct-connect",
                "direct-connect",
                None,
                None,
                format!(
                    "a Direct Connect path to VPC {:?}",
                    f.vpcs[vpc.index()].name
                ),
            );
            let hint = if any_dx {
                format!("every Direct Connect path from the site to VPC {:?} is down (or none reaches it); add a backup connection or a VPN", f.vpcs[vpc.index()].name)
            } else {
                "the site has no Direct Connect connection; add one with a private VIF to the VPC or a transit VIF to a TGW attached to it".to_string()
            };
            return Err((Reason::NoRoute, hint));
        };
        let d = &f.dxs[dx.index()];
        w.plan.dx = Some(dx);
        hop!(
            w,
            &d.name,
            "direct-connect",
            None,
            Some(d.account),
            format!("{} {:?} connection, link up", d.speed, d.kind),
        );
        match tgw {
            None => self.return_route(w, vpc, dst_subnet, src.ip, Via::VpnGateway),
            Some(t) => {
                let tg = &f.tgws[t.index()];
                let Some(a) =
                    tg.attachments.iter().copied().find(|a| {
                        f.tgw_attachments[a.index()].target == AttachTo::DirectConnect(dx)
                    })
                else {
                    return Err((
                        Reason::NoRoute,
                        format!(
                            "transit gateway {:?} has no attachment for {:?}",
                            tg.name, d.name
                        ),
                    ));
                };
                let b = self.tgw_lookup(w, t, a, ip)?;
                if f.tgw_attachments[b.index()].target != AttachTo::Vpc(vpc) {
                    return Err((
                        Reason::NoRoute,
                        format!(
                            "transit gateway {:?} does not route {ip} to VPC {:?}",
                            tg.name,
                            f.vpcs[vpc.index()].name
                        ),
                    ));
                }
                w.plan.tgw = Some((a, b));
                self.return_route(w, vpc, dst_subnet, src.ip, Via::TransitGateway(t))
            }
        }
    }

    pub(super) fn route_to_site(
        &self,
        st: &ControlState,
        src: &SrcInfo,
        w: &mut Walk,
        site: SiteId,
        ip: IpAddr,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        w.path = PathKind::Dx;
        let (Some(v), Some(sn)) = (src.vpc, src.subnet) else {
            hop!(
                w,
                &f.sites[site.index()].name,
                "on-prem site",
                None,
                None,
                "site to site",
            );
            return Err((
                Reason::NoRoute,
                "site-to-site traffic is outside vpcsim's model".to_string(),
            ));
        };
        let vpc = &f.vpcs[v.index()];
        let rt = f.route_table_of(sn);
        let via = rt.lookup(&vpc.cidrs, ip);
        hop!(
            w,
            format!("{}/{}", vpc.name, rt.name),
            "route-table",
            src.az,
            Some(vpc.account),
            format!("route for {ip}: {}", describe_via(f, via)),
        );
        let reaches = |d: &crate::fabric::DxInfo| d.site == site;
        let found = match via {
            Some(Via::VpnGateway) => f.dxs.iter().enumerate().find(|(i, d)| {
                reaches(d) && st.dx_up[*i] && d.vifs.iter().any(|x| x.to == VifTo::Vpc(v))
            }),
            Some(Via::TransitGateway(t)) => f.dxs.iter().enumerate().find(|(i, d)| {
                reaches(d)
                    && st.dx_up[*i]
                    && d.vifs.iter().any(|x| x.to == VifTo::TransitGateway(t))
            }),
            _ => {
                return Err((
                    Reason::NoRoute,
                    format!(
                        "add a route for {ip} (the site) in route table {:?} of VPC {:?}",
                        rt.name, vpc.name
                    ),
                ))
            }
        };
        match found {
            Some((i, d)) => {
                w.plan.dx = Some(DxId(i as u32));
                hop!(
                    w,
                    &d.name,
                    "direct-connect",
                    None,
                    Some(d.account),
                    format!("{} link up", d.speed),
                );
                Ok(())
            }
            None => Err((
                Reason::NoRoute,
                format!(
                    "every Direct Connect link to site {:?} is down",
                    f.sites[site.index()].name
                ),
            )),
        }
    }
}
