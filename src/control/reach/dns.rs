//! Name resolution: a service name to the interface endpoint the source
//! uses, a private DNS name to its service and endpoint, and an endpoint's
//! regional or zonal name to one ENI.
//!
//! Owns: which endpoint and which ENI answer. Must not: route or filter.

use super::*;

impl<'f> Evaluator<'f> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn to_service(
        &self,
        st: &mut ControlState,
        dns: &mut DnsState,
        src: &SrcInfo,
        w: &mut Walk,
        name: &str,
        mode: &Dns,
        req: &Request,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let Some(svc) = req.service.or_else(|| f.service(name)) else {
            return Err((
                Reason::NoEndpoint,
                format!("no endpoint service named {name:?}"),
            ));
        };
        // An endpoint for the service in the source VPC first; otherwise one
        // in a VPC the source routes to (PrivateLink works across peering,
        // TGW and DX, unlike gateway endpoints).
        let candidates = &self.service_endpoints[svc.index()];
        let own = candidates
            .iter()
            .copied()
            .find(|e| Some(f.endpoints[e.index()].vpc) == src.vpc);
        let chosen = own.or_else(|| {
            candidates.iter().copied().find(|e| {
                let ep = &f.endpoints[e.index()];
                ep.enis
                    .first()
                    .is_some_and(|eni| self.has_route(st, src, ep.vpc, f.enis[eni.index()].ip))
            })
        });
        match chosen {
            Some(e) => {
                hop!(
                    w,
                    &f.endpoints[e.index()].name,
                    "dns",
                    None,
                    Some(f.endpoints[e.index()].account),
                    format!(
                        "service {name:?} is reached through interface endpoint {:?}",
                        f.endpoints[e.index()].name
                    ),
                );
                self.privatelink(st, dns, src, w, e, mode, req, rng)
            }
            None => {
                let place = match src.vpc {
                    Some(v) => format!("VPC {:?}", f.vpcs[v.index()].name),
                    None => "any VPC the source reaches".to_string(),
                };
                hop!(
                    w,
                    name,
                    "dns",
                    None,
                    Some(f.services[svc.index()].owner),
                    "look for an interface endpoint of the service",
                );
                Err((
                    Reason::NoEndpoint,
                    format!("create an interface endpoint for service {name:?} in {place}"),
                ))
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn to_private_dns(
        &self,
        st: &mut ControlState,
        dns: &mut DnsState,
        src: &SrcInfo,
        w: &mut Walk,
        name: &str,
        req: &Request,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), Deny> {
        let f = self.fabric;
        let svc = (0..f.services.len()).find(|i| {
            f.services[*i].private_dns.as_ref().is_some_and(|d| {
                d.name == name
                    || d.name
                        .strip_prefix("*.")
                        .is_some_and(|suffix| name.ends_with(&format!(".{suffix}")))
            })
        });
        let Some(si) = svc else {
            hop!(w, name, "dns", None, None, "resolve the private DNS name");
            return Err((
                Reason::NoEndpoint,
                format!("no endpoint service has the private DNS name {name:?}"),
            ));
        };
        let s = &f.services[si];
        let state = st.private_dns[si];
        hop!(
            w,
            name,
            "dns",
            None,
            Some(s.owner),
            format!(
                "private DNS name of service {:?}, verification {:?}",
                s.name, state
            ),
        );
        if state != Some(crate::scenario::DnsVerification::Verified) {
            return Err((
                Reason::DnsNameUnverified,
                format!("the provider must verify domain ownership of {name:?} (TXT record) for service {:?}", s.name),
            ));
        }
        let Some(vpc) = src.vpc else {
            return Err((Reason::NoEndpoint, "private DNS names resolve only inside the consumer VPC; from on-premises use a Route 53 Resolver inbound endpoint or the endpoint's own DNS name".to_string()));
        };
        let ep = (0..f.endpoints.len())
            .map(|i| EndpointId(i as u32))
            .find(|e| {
                f.endpoints[e.index()].service.index() == si && f.endpoints[e.index()].vpc == vpc
            });
        match ep {
            Some(e) if f.endpoints[e.index()].private_dns => {
                self.privatelink(st, dns, src, w, e, &Dns::Regional, req, rng)
            }
            Some(e) => Err((
                Reason::NoEndpoint,
                format!(
                    "enable private DNS on endpoint {:?} so {name:?} resolves to it",
                    f.endpoints[e.index()].name
                ),
            )),
            None => Err((
                Reason::NoEndpoint,
                format!(
                    "create an interface endpoint for service {:?} in VPC {:?}",
                    s.name,
                    f.vpcs[vpc.index()].name
                ),
            )),
        }
    }
}
