//! Leaving the VPC: AWS services through gateway endpoints or their public
//! endpoints, and the internet through NAT and internet gateways.
//!
//! Owns: egress routes and gateway-endpoint policies. Must not: route
//! between VPCs (routing).

use super::*;

impl<'f> Evaluator<'f> {
    pub(super) fn to_aws_service(
        &self,
        st: &mut ControlState,
        src: &SrcInfo,
        w: &mut Walk,
        svc: AwsService,
        req: &Request,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        w.path = PathKind::GatewayEndpoint;
        let gateway_elsewhere = |not_in: Option<VpcId>| {
            f.gateway_endpoints.iter().find(|g| {
                g.service == svc
                    && Some(g.vpc) != not_in
                    && (src.vpc.is_none()
                        || self.has_route(st, src, g.vpc, first_ip(&f.vpcs[g.vpc.index()].cidrs)))
            })
        };
        let (Some(v), Some(sn)) = (src.vpc, src.subnet) else {
            hop!(
                w,
                format!("{svc}"),
                "aws-service",
                None,
                None,
                "gateway endpoints from outside their VPC",
            );
            let reachable = f
                .gateway_endpoints
                .iter()
                .find(|g| g.service == svc && self.site_paths(st, src, g.vpc).next().is_some());
            return Err(match reachable {
                Some(g) => (
                    Reason::GatewayEndpointNotReachable,
                    format!(
                        "gateway endpoint {:?} serves only VPC {:?}, never traffic from on-premises (DX/VPN); use an interface endpoint for {svc} or a public VIF",
                        g.name,
                        f.vpcs[g.vpc.index()].name
                    ),
                ),
                None => (Reason::NoRoute, format!("no path from the site to {svc}; add an interface endpoint for {svc} reachable over Direct Connect")),
            });
        };
        let vpc = &f.vpcs[v.index()];
        let rt = f.route_table_of(sn);
        if let Some(Via::GatewayEndpoint(g)) = rt.prefix_list(svc) {
            let ge = &f.gateway_endpoints[g.index()];
            w.plan.gateway_endpoint = Some(g);
            hop!(
                w,
                &ge.name,
                "gateway-endpoint",
                src.az,
                Some(vpc.account),
                format!("prefix list route for {svc} in {:?}", rt.name),
            );
            let action = req.action.unwrap_or("*");
            let resource = req.resource.unwrap_or("*");
            let verdict = match &ge.policy {
                None => PolicyVerdict::Allow,
                Some(p) => {
                    evaluate_policy(Some(p), &src.principal(), src.account_id, action, resource)
                }
            };
            if let PolicyVerdict::Deny { .. } = verdict {
                return Err((
                    Reason::EndpointPolicyDeny,
                    format!(
                        "the policy of gateway endpoint {:?} does not allow {action} on {resource}",
                        ge.name
                    ),
                ));
            }
            return Ok(());
        }
        // No gateway endpoint route: the public endpoint through NAT or IGW.
        match rt.lookup(&vpc.cidrs, INTERNET_IP) {
            Some(Via::NatGateway(_) | Via::InternetGateway) => {
                hop!(
                    w,
                    format!("{}/{}", vpc.name, rt.name),
                    "route-table",
                    src.az,
                    Some(vpc.account),
                    format!(
                        "no gateway endpoint route for {svc}; default route to the public endpoint"
                    ),
                );
                w.plan.aws_service = true;
                self.to_internet(st, src, w)
            }
            _ => {
                hop!(
                    w,
                    format!("{}/{}", vpc.name, rt.name),
                    "route-table",
                    src.az,
                    Some(vpc.account),
                    format!("route for {svc}"),
                );
                Err(match gateway_elsewhere(Some(v)) {
                    Some(g) => (
                        Reason::GatewayEndpointNotReachable,
                        format!(
                            "gateway endpoint {:?} is in VPC {:?} and cannot be used across peering or TGW; add a gateway endpoint for {svc} in VPC {:?}",
                            g.name,
                            f.vpcs[g.vpc.index()].name,
                            vpc.name
                        ),
                    ),
                    None => (Reason::NoRoute, format!("add a gateway endpoint for {svc} on route table {:?} of VPC {:?}", rt.name, vpc.name)),
                })
            }
        }
    }

    pub(super) fn to_internet(
        &self,
        st: &ControlState,
        src: &SrcInfo,
        w: &mut Walk,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let (Some(v), Some(sn)) = (src.vpc, src.subnet) else {
            hop!(w, &src.name, "on-prem host", None, None, "internet egress");
            return Err((
                Reason::NoRoute,
                "on-premises internet egress is outside vpcsim's model".to_string(),
            ));
        };
        let vpc = &f.vpcs[v.index()];
        let rt = f.route_table_of(sn);
        match rt.lookup(&vpc.cidrs, INTERNET_IP) {
            Some(Via::NatGateway(n)) => {
                let nat = &f.nats[n.index()];
                w.path = PathKind::Nat;
                w.plan.nat = Some(n);
                hop!(
                    w,
                    &nat.name,
                    "nat-gateway",
                    Some(nat.az),
                    Some(vpc.account),
                    "NAT gateway to the internet",
                );
                if !st.az_up[nat.az.index()] {
                    return Err((
                        Reason::AzUnavailable,
                        format!(
                            "NAT gateway {:?} is in failed AZ {}; add one per AZ",
                            nat.name,
                            f.az_name(nat.az)
                        ),
                    ));
                }
                if !nat.public || !f.vpcs[nat.vpc.index()].internet_gateway {
                    return Err((
                        Reason::NoRoute,
                        format!(
                            "NAT gateway {:?} is private or its VPC has no internet gateway",
                            nat.name
                        ),
                    ));
                }
                Ok(())
            }
            Some(Via::InternetGateway) => {
                w.path = PathKind::Internet;
                hop!(
                    w,
                    format!("{}/igw", vpc.name),
                    "internet-gateway",
                    None,
                    Some(vpc.account),
                    "internet gateway",
                );
                Ok(())
            }
            _ => {
                hop!(
                    w,
                    format!("{}/{}", vpc.name, rt.name),
                    "route-table",
                    src.az,
                    Some(vpc.account),
                    "default route",
                );
                Err((Reason::NoRoute, format!("add a default route (0.0.0.0/0) via a NAT gateway or internet gateway to route table {:?} of VPC {:?}", rt.name, vpc.name)))
            }
        }
    }
}

fn first_ip(cidrs: &[IpNet]) -> IpAddr {
    cidrs
        .first()
        .map(|c| c.network())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}
