//! Building load balancers, endpoint services, interface and gateway
//! endpoints, the default traffic, and the address list for flow logs.

use super::super::estate::{self as e, Estate, Kind};
use super::super::rules;
use super::network::dedup;
use super::{AddressRow, Builder};
use crate::scenario as sc;
use crate::units::{Bytes, SimDuration};

impl<'a> Builder<'a> {
    pub(super) fn load_balancers(&mut self) {
        for lb in &self.e.load_balancers {
            if lb.kind != "network" {
                self.r.not_modelled(
                    &lb.at.source,
                    format!(
                        "{} load balancer (only Network Load Balancers are modelled)",
                        lb.kind
                    ),
                );
                continue;
            }
            let vpc = lb
                .subnets
                .iter()
                .find_map(|s| self.subnet_vpc.get(s))
                .cloned();
            let subnets = self.subnets_per_az(&lb.subnets, vpc.as_deref(), &lb.at.source);
            let targets = self.targets_of(&lb.at.key, vpc.as_deref());
            if subnets.is_empty() || targets.is_empty() {
                self.r.skipped(
                    &lb.at.source,
                    if subnets.is_empty() {
                        "load balancer without a subnet in the import"
                    } else {
                        "load balancer without a registered target in the import (vpcsim needs at least one target workload)"
                    },
                );
                continue;
            }
            let cross_zone = lb.cross_zone.unwrap_or_else(|| {
                self.r.assumed(
                    &lb.at.source,
                    "cross-zone load balancing not given by the input: off (AWS's default for NLBs)",
                );
                false
            });
            let proxy = self
                .e
                .target_groups
                .iter()
                .any(|t| t.load_balancers.contains(&lb.at.key) && t.proxy_protocol_v2);
            let sgs = match &vpc {
                Some(v) => self.security_groups_in(&lb.security_groups, v, &lb.at.source),
                None => Vec::new(),
            };
            let name = self.ns.nlbs.name(&lb.at.key, lb.at.label(), None);
            self.comment(
                format!("load_balancers[{}]", self.s.load_balancers.len()),
                &lb.at.source,
            );
            self.s.load_balancers.push(sc::Nlb {
                name,
                subnets,
                targets,
                cross_zone,
                proxy_protocol_v2: proxy,
                security_groups: sgs,
                privatelink_sg_evaluation: true,
            });
        }
    }

    /// Workloads behind load balancer `lb`: registered instances, IP targets
    /// of known instances, and autoscaling groups attached to its groups.
    fn targets_of(&mut self, lb: &str, vpc: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        for tg in self
            .e
            .target_groups
            .iter()
            .filter(|t| t.load_balancers.iter().any(|l| l == lb))
        {
            for t in &tg.targets {
                let owner = if self.workload_of.contains_key(t) {
                    Some(t.clone())
                } else {
                    self.e
                        .addresses
                        .iter()
                        .find(|a| a.ip.as_deref() == Some(t.as_str()))
                        .map(|a| a.owner.clone())
                };
                match owner.and_then(|o| self.workload_of.get(&o).cloned()) {
                    Some(w) => out.push(w),
                    None => self.r.skipped(
                        &tg.at.source,
                        format!("target {t} is not an instance of the import"),
                    ),
                }
            }
            for inst in self
                .e
                .instances
                .iter()
                .filter(|i| i.target_groups.contains(&tg.at.key))
            {
                out.extend(self.workload_of.get(&inst.at.key).cloned());
            }
        }
        out.retain(|w| vpc.is_none() || self.workload_vpc.get(w).map(String::as_str) == vpc);
        dedup(&mut out);
        out
    }

    pub(super) fn services(&mut self) {
        for svc in &self.e.services {
            for g in &svc.gateway_load_balancers {
                self.r.not_modelled(
                    &svc.at.source,
                    format!("Gateway Load Balancer {g} behind the service"),
                );
            }
            let nlbs: Vec<String> = svc
                .load_balancers
                .iter()
                .filter_map(|k| self.ns.nlbs.get(k).map(str::to_string))
                .collect();
            if nlbs.is_empty() {
                self.r.skipped(
                    &svc.at.source,
                    "endpoint service without an imported Network Load Balancer",
                );
                continue;
            }
            let mut principals = Vec::new();
            for p in &svc.principals {
                match rules::principal(p) {
                    Ok(p) => principals.push(p),
                    Err(m) => self.r.not_modelled(&svc.at.source, m),
                }
            }
            principals.sort();
            principals.dedup();
            let private_dns_name =
                svc.private_dns
                    .as_ref()
                    .map(|(name, state)| sc::PrivateDnsName {
                        name: name.clone(),
                        state: match state.to_ascii_lowercase().as_str() {
                            "verified" => sc::DnsVerification::Verified,
                            "failed" => sc::DnsVerification::Failed,
                            _ => sc::DnsVerification::PendingVerification,
                        },
                    });
            let name = self.ns.services.name(&svc.at.key, svc.at.label(), None);
            self.comment(
                format!("services[{}]", self.s.services.len()),
                &svc.at.source,
            );
            self.s.services.push(sc::EndpointService {
                name,
                nlbs,
                acceptance_required: svc.acceptance_required,
                allowed_principals: principals,
                private_dns_name,
                payer: if svc.payer_is_owner {
                    sc::Payer::ServiceOwner
                } else {
                    sc::Payer::Consumer
                },
            });
        }
    }

    /// The imported service an endpoint connects to: by reference, else by
    /// service name.
    fn service_for(&self, ep: &e::Endpoint) -> Option<(String, &'a e::Service)> {
        let estate: &'a Estate = self.e;
        let svc = match &ep.service {
            Some(k) => estate.services.iter().find(|s| &s.at.key == k),
            None => None,
        }
        .or_else(|| {
            let name = ep.service_name.as_ref()?;
            estate
                .services
                .iter()
                .find(|s| s.service_name.as_ref() == Some(name))
        })?;
        let n = self.ns.services.get(&svc.at.key)?;
        self.s
            .services
            .iter()
            .any(|s| s.name == n)
            .then(|| (n.to_string(), svc))
    }

    pub(super) fn endpoints(&mut self) {
        for ep in &self.e.endpoints {
            let Some(vpc) = self.vpc_name(&ep.vpc) else {
                self.r
                    .skipped(&ep.at.source, "endpoint in a VPC not in the import");
                continue;
            };
            match ep.kind {
                e::EndpointKind::Interface => self.interface_endpoint(ep, vpc),
                e::EndpointKind::Gateway => self.gateway_endpoint(ep, vpc),
                e::EndpointKind::GatewayLoadBalancer => self
                    .r
                    .not_modelled(&ep.at.source, "Gateway Load Balancer endpoint"),
            }
        }
    }

    fn interface_endpoint(&mut self, ep: &e::Endpoint, vpc: String) {
        let target = ep
            .service_name
            .clone()
            .unwrap_or_else(|| "(unknown)".into());
        let Some((service, svc)) = self.service_for(ep) else {
            self.r.not_modelled(
                &ep.at.source,
                format!("interface endpoint to {target}: the service is not in the import (an AWS service, or another account's)"),
            );
            return;
        };
        if matches!(
            ep.state.as_deref(),
            Some("failed" | "deleted" | "deleting" | "expired")
        ) {
            self.r.skipped(
                &ep.at.source,
                format!("endpoint in state {}", ep.state.as_deref().unwrap_or("")),
            );
            return;
        }
        let subnets = self.subnets_per_az(&ep.subnets, ep.vpc.as_deref(), &ep.at.source);
        if subnets.is_empty() {
            self.r.skipped(
                &ep.at.source,
                "interface endpoint without a subnet in the import",
            );
            return;
        }
        let vpc_key = ep.vpc.clone().unwrap_or_default();
        let sgs = self.security_groups_in(&ep.security_groups, &vpc_key, &ep.at.source);
        let policy = self.policy(ep);
        let name = self.ns.endpoints.name(&ep.at.key, ep.at.label(), None);
        self.comment(
            format!("endpoints[{}]", self.s.endpoints.len()),
            &ep.at.source,
        );
        self.lifecycle(ep, svc, &service, &name, &vpc);
        self.s.endpoints.push(sc::InterfaceEndpoint {
            name,
            vpc,
            service,
            subnets,
            private_dns: ep.private_dns,
            policy,
            security_groups: sgs,
            created_by: None,
        });
    }

    /// The connection's state at the start of the run, as events at 0 s: an
    /// accepted connection is `Accept`ed, a rejected one `Reject`ed; a
    /// pending one stays pending.
    fn lifecycle(
        &mut self,
        ep: &e::Endpoint,
        svc: &e::Service,
        service: &str,
        name: &str,
        vpc: &str,
    ) {
        let owner = self.account(&svc.account);
        let consumer = self
            .s
            .vpcs
            .iter()
            .find(|v| v.name == vpc)
            .map(|v| v.account.clone())
            .unwrap_or_default();
        if !svc.acceptance_required || owner == consumer {
            return;
        }
        let (service, endpoint) = (service.to_string(), name.to_string());
        let event = match ep.state.as_deref() {
            Some("available" | "Available" | "accepted") => sc::Event::Accept { service, endpoint },
            Some("rejected" | "Rejected") => sc::Event::Reject { service, endpoint },
            Some(_) => return,
            None => {
                self.r.assumed(
                    &ep.at.source,
                    "connection state unknown (no accepter in the input): left pending acceptance",
                );
                return;
            }
        };
        self.comment(
            format!("events[{}]", self.s.events.len()),
            &format!(
                "connection state {} of {}",
                ep.state.as_deref().unwrap_or(""),
                ep.at.source
            ),
        );
        self.s
            .events
            .push(sc::TimedEvent::At(SimDuration::ZERO, event));
    }

    fn policy(&mut self, ep: &e::Endpoint) -> Option<sc::EndpointPolicy> {
        let text = ep.policy.as_deref()?;
        match rules::policy(text) {
            Ok((p, problems)) => {
                for m in problems {
                    self.r
                        .not_modelled(&ep.at.source, format!("endpoint policy {m}"));
                }
                p
            }
            Err(m) => {
                self.r.not_modelled(
                    &ep.at.source,
                    format!("endpoint policy not modelled ({m}); written without a policy (full access)"),
                );
                None
            }
        }
    }

    fn gateway_endpoint(&mut self, ep: &e::Endpoint, vpc: String) {
        let service_name = ep.service_name.clone().unwrap_or_default();
        let Some(service) = rules::gateway_service(&service_name) else {
            self.r.not_modelled(
                &ep.at.source,
                format!("gateway endpoint to {service_name:?} (only S3 and DynamoDB)"),
            );
            return;
        };
        let mut tables = Vec::new();
        for k in &ep.route_tables {
            match self.route_table_name.get(k) {
                Some((v, n)) if Some(v) == ep.vpc.as_ref() => tables.push(n.clone()),
                _ => self.r.skipped(
                    &ep.at.source,
                    format!("route table {k} is not in the import"),
                ),
            }
        }
        dedup(&mut tables);
        let policy = self.policy(ep);
        let name = self
            .ns
            .gateway_endpoints
            .name(&ep.at.key, ep.at.label(), None);
        self.comment(
            format!("gateway_endpoints[{}]", self.s.gateway_endpoints.len()),
            &ep.at.source,
        );
        self.s.gateway_endpoints.push(sc::GatewayEndpoint {
            name,
            vpc,
            service,
            route_tables: tables,
            policy,
        });
    }

    // -- traffic, counts, addresses -----------------------------------------------

    /// One small, clearly marked class per interface endpoint, from the first
    /// workload of its VPC, so that the imported scenario runs as is.
    pub(super) fn default_traffic(&mut self) {
        let endpoints: Vec<(String, String)> = self
            .s
            .endpoints
            .iter()
            .map(|e| (e.name.clone(), e.vpc.clone()))
            .collect();
        for (ep, vpc) in endpoints {
            let from = self.s.workloads.iter().find(|w| {
                w.subnets.iter().any(|s| {
                    self.s
                        .vpcs
                        .iter()
                        .any(|v| v.name == vpc && v.subnets.iter().any(|x| &x.name == s))
                })
            });
            let Some(from) = from.map(|w| w.name.clone()) else {
                self.r.skipped(
                    format!("default traffic to {ep}"),
                    format!("no workload in VPC {vpc:?} to send it"),
                );
                continue;
            };
            let name =
                self.ns
                    .traffic
                    .name(&format!("default:{ep}"), &format!("default-{ep}"), None);
            self.comment(
                format!("traffic[{}]", self.s.traffic.len()),
                "DEFAULT TRAFFIC added by vpcsim import, not from the input: 1 connection/s from 1 s; replace it (vpcsim import flow-logs) or leave it out (--no-traffic)",
            );
            self.s.traffic.push(sc::Traffic {
                name,
                from: sc::Source::Workload(from),
                to: sc::Target::Endpoint {
                    name: ep,
                    dns: sc::Dns::Regional,
                },
                arrivals: sc::Arrivals::Constant { per_second: 1.0 },
                request: sc::SizeDist::Fixed(Bytes(1024)),
                response: sc::SizeDist::Fixed(Bytes(16 * 1024)),
                // After the connection states set at 0 s (scenario events at
                // a time take effect after arrivals at that time).
                start: Some(SimDuration::from_secs(1)),
                end: None,
                port: 443,
                protocol: sc::Protocol::Tcp,
                action: None,
                resource: None,
            });
        }
    }

    pub(super) fn count(&mut self) {
        let s = &self.s;
        let subnets = s.vpcs.iter().map(|v| v.subnets.len()).sum();
        let route_tables = s.vpcs.iter().map(|v| v.route_tables.len()).sum();
        let routes = s
            .vpcs
            .iter()
            .flat_map(|v| &v.route_tables)
            .map(|r| r.routes.len())
            .sum();
        let nacls = s.vpcs.iter().map(|v| v.nacls.len()).sum();
        let attachments = s.transit_gateways.iter().map(|t| t.attachments.len()).sum();
        let counts = [
            ("accounts", s.accounts.len()),
            ("vpcs", s.vpcs.len()),
            ("subnets", subnets),
            ("route tables", route_tables),
            ("routes", routes),
            ("nacls", nacls),
            ("security groups", s.security_groups.len()),
            ("workloads", s.workloads.len()),
            ("load balancers", s.load_balancers.len()),
            ("endpoint services", s.services.len()),
            ("interface endpoints", s.endpoints.len()),
            ("gateway endpoints", s.gateway_endpoints.len()),
            ("peerings", s.peerings.len()),
            ("transit gateways", s.transit_gateways.len()),
            ("tgw attachments", attachments),
            ("nat gateways", s.nat_gateways.len()),
            ("direct connects", s.direct_connects.len()),
            ("sites", s.sites.len()),
            ("traffic classes", s.traffic.len()),
            ("events", s.events.len()),
        ];
        for (k, n) in counts {
            self.r.counts.insert(k.to_string(), n);
        }
    }

    /// Each known ENI / IP of an imported element, by its scenario name.
    pub(super) fn addresses(&self) -> Vec<AddressRow> {
        let mut out = Vec::new();
        for a in &self.e.addresses {
            let found = match self.index.get(&a.owner) {
                Some(Kind::Instances) => self
                    .workload_of
                    .get(&a.owner)
                    .map(|n| ("workload", n.as_str())),
                Some(Kind::Endpoint(_)) => self.ns.endpoints.get(&a.owner).map(|n| ("endpoint", n)),
                Some(Kind::LoadBalancer) => self.ns.nlbs.get(&a.owner).map(|n| ("nlb", n)),
                Some(Kind::Nat) => self.ns.nats.get(&a.owner).map(|n| ("nat", n)),
                _ => None,
            };
            if let Some((kind, name)) = found {
                out.push(AddressRow {
                    kind: kind.to_string(),
                    name: name.to_string(),
                    eni: a.eni.clone().unwrap_or_default(),
                    ip: a.ip.clone().unwrap_or_default(),
                    source: a.owner.clone(),
                });
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
