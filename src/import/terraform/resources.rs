//! One reader per Terraform resource type (AWS provider 5.x attribute
//! names). Resources that create an element come first; resources that
//! modify one (a route, a rule, an association, an accepter) are applied
//! after, to the element they name.

use serde_json::Value;

use super::super::estate::{self as e, Estate, Origin};
use super::super::json::At;
use super::super::naming;
use super::super::report::ImportReport;
use super::super::ImportError;
use super::{Ctx, Res};

/// Resource types read only as parts of others (no note needed).
const CONSUMED: [&str; 4] = [
    "aws_launch_template",
    "aws_eip",
    "aws_lb_target_group",
    "aws_launch_configuration",
];

pub fn read_all(ctx: &Ctx, e: &mut Estate, report: &mut ImportReport) -> Result<(), ImportError> {
    e.region = ctx.all.iter().find_map(|r| ctx.region(r));
    let mut data = Vec::new();
    for r in &ctx.all {
        if r.mode == "data" {
            if r.ty == "aws_availability_zones" {
                az_names(r, e)?;
            } else {
                data.push(r.address.clone());
            }
            continue;
        }
        if !create(ctx, r, e)? && !CONSUMED.contains(&r.ty.as_str()) && !is_modifier(&r.ty) {
            report.not_modelled(r.source(), format!("resource type {}", r.ty));
        }
    }
    target_groups(ctx, e)?;
    for r in ctx
        .all
        .iter()
        .filter(|r| r.mode == "managed" && is_modifier(&r.ty))
    {
        modify(ctx, r, e, report)?;
    }
    if !data.is_empty() {
        report.not_modelled(
            "data sources",
            format!("read-only lookups, not imported: {}", data.join(", ")),
        );
    }
    Ok(())
}

fn origin(r: &Res) -> Origin {
    Origin {
        key: r.address.clone(),
        tag: r.values.tag("Name"),
        label: r
            .values
            .v
            .get("name")
            .and_then(|n| n.as_str())
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| naming::from_address(&r.address)),
        source: r.source(),
    }
}

fn s(r: &Res, key: &str) -> Result<Option<String>, ImportError> {
    r.values.string(key)
}

/// Creates the element of a creating resource; false for other types.
fn create(ctx: &Ctx, r: &Res, e: &mut Estate) -> Result<bool, ImportError> {
    let account = Some(ctx.provider(r));
    let at = origin(r);
    match r.ty.as_str() {
        "aws_vpc" => {
            let mut cidrs: Vec<String> = s(r, "cidr_block")?.into_iter().collect();
            cidrs.extend(s(r, "ipv6_cidr_block")?.filter(|c| !c.is_empty()));
            e.vpcs.push(e::Vpc {
                at,
                account,
                region: ctx.region(r),
                cidrs,
            });
        }
        "aws_subnet" => e.subnets.push(e::Subnet {
            vpc: ctx.ref1(r, "vpc_id"),
            az_id: s(r, "availability_zone_id")?.filter(|z| !z.is_empty()),
            az_name: s(r, "availability_zone")?.filter(|z| !z.is_empty()),
            cidr: s(r, "cidr_block")?.filter(|c| !c.is_empty()),
            at,
        }),
        "aws_route_table" | "aws_default_route_table" => {
            let default = r.ty == "aws_default_route_table";
            let vpc = ctx.ref1(r, "vpc_id").or_else(|| {
                default
                    .then(|| ctx.ref1(r, "default_route_table_id"))
                    .flatten()
            });
            let routes = inline_routes(ctx, r)?;
            e.route_tables.push(e::RouteTable {
                at,
                vpc,
                main: default,
                routes,
                subnets: Vec::new(),
            });
        }
        "aws_internet_gateway" | "aws_egress_only_internet_gateway" | "aws_vpn_gateway" => {
            e.gateways.push(e::Gateway {
                kind: match r.ty.as_str() {
                    "aws_internet_gateway" => e::GatewayKind::Internet,
                    "aws_vpn_gateway" => e::GatewayKind::VpnGateway,
                    _ => e::GatewayKind::EgressOnly,
                },
                vpcs: ctx.refs(r, "vpc_id"),
                at,
            })
        }
        "aws_nat_gateway" => e.nats.push(e::Nat {
            subnet: ctx.ref1(r, "subnet_id"),
            public: s(r, "connectivity_type")?.as_deref() != Some("private"),
            at,
        }),
        "aws_security_group" | "aws_default_security_group" => security_group(ctx, r, e, at)?,
        "aws_network_acl" | "aws_default_network_acl" => network_acl(ctx, r, e, at)?,
        "aws_lb" | "aws_alb" => load_balancer(ctx, r, e, at)?,
        "aws_vpc_endpoint_service" => endpoint_service(ctx, r, e, at, account)?,
        "aws_vpc_endpoint" => endpoint(ctx, r, e, at, account)?,
        "aws_vpc_peering_connection" => e.peerings.push(e::Peering {
            requester: ctx.ref1(r, "vpc_id"),
            accepter: ctx.ref1(r, "peer_vpc_id"),
            status: match (s(r, "accept_status")?, r.values.bool("auto_accept")?) {
                (Some(st), _) => st,
                (None, Some(true)) => "active".into(),
                (None, _) => "pending-acceptance".into(),
            },
            at,
        }),
        "aws_ec2_transit_gateway" => e.transit_gateways.push(e::TransitGateway {
            account,
            region: ctx.region(r),
            default_association: s(r, "default_route_table_association")?.as_deref()
                != Some("disable"),
            default_propagation: s(r, "default_route_table_propagation")?.as_deref()
                != Some("disable"),
            at,
        }),
        "aws_ec2_transit_gateway_vpc_attachment" => e.tgw_attachments.push(e::TgwAttachment {
            tgw: ctx.ref1(r, "transit_gateway_id"),
            target: ctx
                .ref1(r, "vpc_id")
                .map_or(e::AttachmentTarget::Unknown, e::AttachmentTarget::Vpc),
            subnets: ctx.refs(r, "subnet_ids"),
            default_association: r
                .values
                .bool("transit_gateway_default_route_table_association")?
                .unwrap_or(true),
            default_propagation: r
                .values
                .bool("transit_gateway_default_route_table_propagation")?
                .unwrap_or(true),
            at,
        }),
        "aws_ec2_transit_gateway_route_table" => e.tgw_route_tables.push(e::TgwRouteTable {
            tgw: ctx.ref1(r, "transit_gateway_id"),
            default_association: r
                .values
                .bool("default_association_route_table")?
                .unwrap_or(false),
            default_propagation: r
                .values
                .bool("default_propagation_route_table")?
                .unwrap_or(false),
            at,
            ..Default::default()
        }),
        "aws_dx_connection" | "aws_dx_hosted_connection" => {
            e.dx_connections.push(e::DxConnection {
                account: s(r, "owner_account_id")?
                    .filter(|o| o.len() == 12)
                    .or(account),
                bandwidth: s(r, "bandwidth")?,
                location: s(r, "location")?,
                hosted: r.ty == "aws_dx_hosted_connection",
                at,
            })
        }
        "aws_dx_private_virtual_interface"
        | "aws_dx_transit_virtual_interface"
        | "aws_dx_public_virtual_interface"
        | "aws_dx_hosted_private_virtual_interface"
        | "aws_dx_hosted_transit_virtual_interface"
        | "aws_dx_hosted_public_virtual_interface" => e.vifs.push(e::Vif {
            connection: ctx.ref1(r, "connection_id"),
            kind: if r.ty.contains("transit") {
                e::VifKind::Transit
            } else if r.ty.contains("public") {
                e::VifKind::Public
            } else {
                e::VifKind::Private
            },
            vpn_gateway: ctx.ref1(r, "vpn_gateway_id"),
            dx_gateway: ctx.ref1(r, "dx_gateway_id"),
            at,
        }),
        "aws_dx_gateway" => e.dx_gateways.push(e::DxGateway {
            at,
            associations: Vec::new(),
        }),
        "aws_instance" => instance(ctx, r, e, at)?,
        "aws_autoscaling_group" => autoscaling_group(ctx, r, e, at)?,
        _ => return Ok(false),
    }
    Ok(true)
}

fn is_modifier(ty: &str) -> bool {
    matches!(
        ty,
        "aws_vpc_ipv4_cidr_block_association"
            | "aws_vpc_ipv6_cidr_block_association"
            | "aws_route"
            | "aws_route_table_association"
            | "aws_main_route_table_association"
            | "aws_internet_gateway_attachment"
            | "aws_vpn_gateway_attachment"
            | "aws_vpc_security_group_ingress_rule"
            | "aws_vpc_security_group_egress_rule"
            | "aws_security_group_rule"
            | "aws_network_acl_rule"
            | "aws_network_acl_association"
            | "aws_lb_listener"
            | "aws_lb_target_group_attachment"
            | "aws_autoscaling_attachment"
            | "aws_vpc_endpoint_service_allowed_principal"
            | "aws_vpc_endpoint_connection_accepter"
            | "aws_vpc_endpoint_subnet_association"
            | "aws_vpc_endpoint_route_table_association"
            | "aws_vpc_endpoint_security_group_association"
            | "aws_vpc_peering_connection_accepter"
            | "aws_ec2_transit_gateway_route_table_association"
            | "aws_ec2_transit_gateway_route_table_propagation"
            | "aws_ec2_transit_gateway_route"
            | "aws_ec2_transit_gateway_vpc_attachment_accepter"
            | "aws_dx_gateway_association"
            | "aws_dx_hosted_private_virtual_interface_accepter"
            | "aws_dx_hosted_transit_virtual_interface_accepter"
    )
}

fn az_names(r: &Res, e: &mut Estate) -> Result<(), ImportError> {
    let names = r.values.strings("names")?;
    let ids = r.values.strings("zone_ids")?;
    for (name, id) in names.into_iter().zip(ids) {
        e.az_names.push(e::AzName {
            account: None,
            name,
            id,
        });
    }
    Ok(())
}

/// Target attributes of a route, in the AWS provider's names.
const ROUTE_TARGETS: [&str; 5] = [
    "gateway_id",
    "nat_gateway_id",
    "transit_gateway_id",
    "vpc_peering_connection_id",
    "vpc_endpoint_id",
];
const UNMODELLED_TARGETS: [&str; 6] = [
    "network_interface_id",
    "egress_only_gateway_id",
    "local_gateway_id",
    "carrier_gateway_id",
    "core_network_arn",
    "instance_id",
];

/// A route's target from its attributes; `refs` resolves one attribute.
fn route_target(v: &Value, refs: impl Fn(&str) -> Option<String>) -> e::RouteTarget {
    for a in ROUTE_TARGETS {
        if let Some(k) = refs(a) {
            if k == "local" {
                return e::RouteTarget::Local;
            }
            return e::RouteTarget::Ref(k);
        }
    }
    for a in UNMODELLED_TARGETS {
        if v.get(a)
            .and_then(|x| x.as_str())
            .is_some_and(|s| !s.is_empty())
        {
            return e::RouteTarget::Other(a.trim_end_matches("_id").replace('_', " "));
        }
    }
    if v.get("state").and_then(|s| s.as_str()) == Some("blackhole") {
        return e::RouteTarget::Blackhole;
    }
    e::RouteTarget::Other("a target the input does not give".into())
}

fn route_dest(v: &Value) -> Option<String> {
    [
        "cidr_block",
        "destination_cidr_block",
        "ipv6_cidr_block",
        "destination_ipv6_cidr_block",
        "destination_prefix_list_id",
    ]
    .iter()
    .find_map(|a| v.get(*a).and_then(|x| x.as_str()).filter(|s| !s.is_empty()))
    .map(str::to_string)
}

fn inline_routes(ctx: &Ctx, r: &Res) -> Result<Vec<e::Route>, ImportError> {
    let mut out = Vec::new();
    for (i, b) in r.values.array("route")?.iter().enumerate() {
        let Some(dest) = route_dest(b.v) else {
            continue;
        };
        let target = route_target(b.v, |a| {
            ctx.block_refs(r, "route", i, b.v, a).into_iter().next()
        });
        out.push(e::Route {
            dest,
            target,
            source: format!("{} route {i}", r.source()),
        });
    }
    Ok(out)
}

/// Rules of an inline `ingress`/`egress` block list or a separate rule
/// resource; `me` is the group's own key (for `self = true`).
fn sg_rules(
    ctx: &Ctx,
    r: &Res,
    block: Option<(&str, usize)>,
    v: &At,
    me: &str,
) -> Result<Vec<e::SgRule>, ImportError> {
    let refs = |attr: &str| match block {
        Some((b, i)) => ctx.block_refs(r, b, i, v.v, attr),
        None => ctx.refs(r, attr),
    };
    let protocol = v
        .str("protocol")?
        .or(v.str("ip_protocol")?)
        .unwrap_or("-1")
        .to_string();
    let (from, to) = (v.int("from_port")?, v.int("to_port")?);
    let mut peers = Vec::new();
    for c in v
        .strings("cidr_blocks")?
        .into_iter()
        .chain(v.strings("ipv6_cidr_blocks")?)
    {
        peers.push(e::SgPeer::Cidr(c));
    }
    for c in [v.string("cidr_ipv4")?, v.string("cidr_ipv6")?]
        .into_iter()
        .flatten()
    {
        peers.push(e::SgPeer::Cidr(c));
    }
    for g in refs("security_groups")
        .into_iter()
        .chain(refs("source_security_group_id"))
        .chain(refs("referenced_security_group_id"))
    {
        peers.push(e::SgPeer::Group(g));
    }
    if v.bool("self")? == Some(true) {
        peers.push(e::SgPeer::Group(me.to_string()));
    }
    for p in v
        .strings("prefix_list_ids")?
        .into_iter()
        .chain(v.string("prefix_list_id")?)
    {
        peers.push(e::SgPeer::PrefixList(p));
    }
    let source = match block {
        Some((b, i)) => format!("{} {b} {i}", r.source()),
        None => r.source(),
    };
    Ok(peers
        .into_iter()
        .map(|peer| e::SgRule {
            protocol: protocol.clone(),
            from,
            to,
            peer,
            source: source.clone(),
        })
        .collect())
}

fn security_group(ctx: &Ctx, r: &Res, e: &mut Estate, at: Origin) -> Result<(), ImportError> {
    let mut ingress = Vec::new();
    let mut egress = Vec::new();
    for (block, out) in [("ingress", &mut ingress), ("egress", &mut egress)] {
        for (i, b) in r.values.array(block)?.iter().enumerate() {
            out.extend(sg_rules(ctx, r, Some((block, i)), b, &r.address)?);
        }
    }
    let label = if r.ty == "aws_default_security_group" {
        "default".to_string()
    } else {
        at.label.clone()
    };
    // Terraform removes the allow-all egress rule AWS adds, so a group has
    // exactly the egress rules written (inline or as separate resources).
    e.security_groups.push(e::SecurityGroup {
        vpc: ctx.ref1(r, "vpc_id"),
        ingress,
        egress: Some(egress),
        at: Origin { label, ..at },
    });
    Ok(())
}

fn nacl_entry(v: &At, egress: bool) -> Result<Option<e::NaclEntry>, ImportError> {
    let Some(cidr) = v
        .string("cidr_block")?
        .filter(|c| !c.is_empty())
        .or(v.string("ipv6_cidr_block")?)
    else {
        return Ok(None);
    };
    Ok(Some(e::NaclEntry {
        number: v.int("rule_no")?.or(v.int("rule_number")?).unwrap_or(0),
        egress,
        allow: v.str("action")?.or(v.str("rule_action")?).unwrap_or("deny") == "allow",
        cidr,
        protocol: v.string("protocol")?.unwrap_or_else(|| "-1".into()),
        from: v.int("from_port")?,
        to: v.int("to_port")?,
    }))
}

fn network_acl(ctx: &Ctx, r: &Res, e: &mut Estate, at: Origin) -> Result<(), ImportError> {
    let mut entries = Vec::new();
    for (block, egress) in [("ingress", false), ("egress", true)] {
        for b in r.values.array(block)? {
            entries.extend(nacl_entry(&b, egress)?);
        }
    }
    let default = r.ty == "aws_default_network_acl";
    let vpc = ctx.ref1(r, "vpc_id").or_else(|| {
        default
            .then(|| ctx.ref1(r, "default_network_acl_id"))
            .flatten()
    });
    e.nacls.push(e::Nacl {
        vpc,
        default,
        subnets: ctx.refs(r, "subnet_ids"),
        entries,
        at,
    });
    Ok(())
}

fn load_balancer(ctx: &Ctx, r: &Res, e: &mut Estate, at: Origin) -> Result<(), ImportError> {
    let mut subnets = ctx.refs(r, "subnets");
    for (i, m) in r.values.array("subnet_mapping")?.iter().enumerate() {
        subnets.extend(ctx.block_refs(r, "subnet_mapping", i, m.v, "subnet_id"));
    }
    e.load_balancers.push(e::LoadBalancer {
        kind: s(r, "load_balancer_type")?.unwrap_or_else(|| "application".into()),
        subnets,
        cross_zone: Some(
            r.values
                .bool("enable_cross_zone_load_balancing")?
                .unwrap_or(false),
        ),
        security_groups: ctx.refs(r, "security_groups"),
        at,
    });
    Ok(())
}

fn endpoint_service(
    ctx: &Ctx,
    r: &Res,
    e: &mut Estate,
    at: Origin,
    account: Option<String>,
) -> Result<(), ImportError> {
    let dns_state = r
        .values
        .get("private_dns_name_configuration")
        .and_then(|c| c.at(0))
        .map(|c| c.string("state"))
        .transpose()?
        .flatten()
        .unwrap_or_else(|| "pendingVerification".into());
    e.services.push(e::Service {
        account,
        load_balancers: ctx.refs(r, "network_load_balancer_arns"),
        gateway_load_balancers: ctx.refs(r, "gateway_load_balancer_arns"),
        acceptance_required: r.values.bool("acceptance_required")?.unwrap_or(true),
        principals: r.values.strings("allowed_principals")?,
        private_dns: s(r, "private_dns_name")?
            .filter(|n| !n.is_empty())
            .map(|n| (n, dns_state)),
        payer_is_owner: false,
        service_name: s(r, "service_name")?,
        at,
    });
    Ok(())
}

fn endpoint(
    ctx: &Ctx,
    r: &Res,
    e: &mut Estate,
    at: Origin,
    account: Option<String>,
) -> Result<(), ImportError> {
    let kind = match s(r, "vpc_endpoint_type")?.as_deref() {
        Some("Interface") => e::EndpointKind::Interface,
        Some("GatewayLoadBalancer") => e::EndpointKind::GatewayLoadBalancer,
        _ => e::EndpointKind::Gateway, // the provider's default
    };
    let service = ctx
        .refs(r, "service_name")
        .into_iter()
        .find(|k| k.contains("aws_vpc_endpoint_service."));
    let state = s(r, "state")?.or_else(|| {
        (r.values.bool("auto_accept").ok().flatten() == Some(true)).then(|| "available".into())
    });
    e.endpoints.push(e::Endpoint {
        account,
        vpc: ctx.ref1(r, "vpc_id"),
        kind,
        service_name: s(r, "service_name")?,
        service,
        subnets: ctx.refs(r, "subnet_ids"),
        route_tables: ctx.refs(r, "route_table_ids"),
        security_groups: ctx.refs(r, "security_group_ids"),
        private_dns: r
            .values
            .bool("private_dns_enabled")?
            .unwrap_or(kind == e::EndpointKind::Interface),
        policy: s(r, "policy")?.filter(|p| !p.trim().is_empty()),
        state,
        at,
    });
    Ok(())
}

fn instance(ctx: &Ctx, r: &Res, e: &mut Estate, at: Origin) -> Result<(), ImportError> {
    let key = at.key.clone();
    e.addresses.push(e::Address {
        eni: s(r, "primary_network_interface_id")?,
        ip: s(r, "private_ip")?,
        owner: key.clone(),
    });
    let mut sgs = ctx.refs(r, "vpc_security_group_ids");
    sgs.extend(ctx.refs(r, "security_groups"));
    e.instances.push(e::Instances {
        group: key,
        subnets: ctx.refs(r, "subnet_id"),
        security_groups: sgs,
        count: 1,
        instance_type: s(r, "instance_type")?,
        target_groups: Vec::new(),
        at,
    });
    Ok(())
}

fn autoscaling_group(ctx: &Ctx, r: &Res, e: &mut Estate, at: Origin) -> Result<(), ImportError> {
    let count = r
        .values
        .int("desired_capacity")?
        .or(r.values.int("min_size")?)
        .unwrap_or(0);
    let mut sgs = Vec::new();
    let mut instance_type = None;
    for (i, lt) in r.values.array("launch_template")?.iter().enumerate() {
        for key in ctx.block_refs(r, "launch_template", i, lt.v, "id") {
            if let Some(t) = ctx.all.iter().find(|x| x.address == key) {
                sgs.extend(ctx.refs(t, "vpc_security_group_ids"));
                instance_type = t.values.string("instance_type")?;
            }
        }
    }
    e.instances.push(e::Instances {
        group: at.key.clone(),
        subnets: ctx.refs(r, "vpc_zone_identifier"),
        security_groups: sgs,
        count: u32::try_from(count.max(0)).unwrap_or(u32::MAX),
        instance_type,
        target_groups: ctx.refs(r, "target_group_arns"),
        at,
    });
    Ok(())
}

/// Target groups, linked to load balancers by listeners.
fn target_groups(ctx: &Ctx, e: &mut Estate) -> Result<(), ImportError> {
    for r in ctx
        .all
        .iter()
        .filter(|r| r.ty == "aws_lb_target_group" && r.mode == "managed")
    {
        e.target_groups.push(e::TargetGroup {
            at: origin(r),
            load_balancers: ctx.refs(r, "load_balancer_arns"),
            targets: Vec::new(),
            proxy_protocol_v2: r.values.bool("proxy_protocol_v2")?.unwrap_or(false),
        });
    }
    Ok(())
}

/// The record of list `$list` with key `$key`, or (reported) return.
macro_rules! find {
    ($e:ident, $r:ident, $report:ident, $list:ident, $key:expr, $what:literal) => {{
        let k = $key;
        match $e.$list.iter_mut().find(|x| x.at.key == k) {
            Some(x) => x,
            None => {
                $report.skipped(
                    $r.source(),
                    format!("its {} {k:?} is not in the input", $what),
                );
                return Ok(());
            }
        }
    }};
}

/// Applies a modifying resource to the element it names.
fn modify(
    ctx: &Ctx,
    r: &Res,
    e: &mut Estate,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let one = |a: &str| ctx.ref1(r, a).unwrap_or_default();
    match r.ty.as_str() {
        "aws_vpc_ipv4_cidr_block_association" | "aws_vpc_ipv6_cidr_block_association" => {
            let block = s(r, "cidr_block")?.or(s(r, "ipv6_cidr_block")?);
            let v = find!(e, r, report, vpcs, one("vpc_id"), "VPC");
            v.cidrs.extend(block);
        }
        "aws_route" => {
            let Some(dest) = route_dest(r.values.v) else {
                report.skipped(r.source(), "route without a destination the input gives");
                return Ok(());
            };
            let target = route_target(r.values.v, |a| ctx.ref1(r, a));
            let rt = find!(
                e,
                r,
                report,
                route_tables,
                one("route_table_id"),
                "route table"
            );
            rt.routes.push(e::Route {
                dest,
                target,
                source: r.source(),
            });
        }
        "aws_route_table_association" => {
            if r.values
                .v
                .get("gateway_id")
                .and_then(|g| g.as_str())
                .is_some_and(|g| !g.is_empty())
            {
                report.not_modelled(
                    r.source(),
                    "edge association of a route table with a gateway",
                );
                return Ok(());
            }
            let subnet = one("subnet_id");
            find!(
                e,
                r,
                report,
                route_tables,
                one("route_table_id"),
                "route table"
            )
            .subnets
            .push(subnet);
        }
        "aws_main_route_table_association" => {
            find!(
                e,
                r,
                report,
                route_tables,
                one("route_table_id"),
                "route table"
            )
            .main = true
        }
        "aws_internet_gateway_attachment" | "aws_vpn_gateway_attachment" => {
            let vpc = one("vpc_id");
            let gw = ctx
                .ref1(r, "internet_gateway_id")
                .or(ctx.ref1(r, "vpn_gateway_id"))
                .unwrap_or_default();
            find!(e, r, report, gateways, gw, "gateway").vpcs.push(vpc);
        }
        "aws_vpc_security_group_ingress_rule"
        | "aws_vpc_security_group_egress_rule"
        | "aws_security_group_rule" => {
            let sg = one("security_group_id");
            let rules = sg_rules(ctx, r, None, &r.values, &sg)?;
            let egress =
                r.ty.ends_with("egress_rule") || s(r, "type")?.as_deref() == Some("egress");
            let g = find!(e, r, report, security_groups, sg, "security group");
            if egress {
                g.egress.get_or_insert_with(Vec::new).extend(rules);
            } else {
                g.ingress.extend(rules);
            }
        }
        "aws_network_acl_rule" => {
            let entry = nacl_entry(&r.values, r.values.bool("egress")?.unwrap_or(false))?;
            find!(e, r, report, nacls, one("network_acl_id"), "network ACL")
                .entries
                .extend(entry);
        }
        "aws_network_acl_association" => {
            let subnet = one("subnet_id");
            find!(e, r, report, nacls, one("network_acl_id"), "network ACL")
                .subnets
                .push(subnet);
        }
        _ => return modify_services(ctx, r, e, report),
    }
    Ok(())
}

fn modify_services(
    ctx: &Ctx,
    r: &Res,
    e: &mut Estate,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let one = |a: &str| ctx.ref1(r, a).unwrap_or_default();
    match r.ty.as_str() {
        "aws_lb_listener" => {
            let lb = one("load_balancer_arn");
            for (i, a) in r.values.array("default_action")?.iter().enumerate() {
                let mut tgs = ctx.block_refs(r, "default_action", i, a.v, "target_group_arn");
                for f in a.array("forward")? {
                    for t in f.array("target_group")? {
                        tgs.extend(t.string("arn")?.map(|arn| ctx.key_of_id(&arn)));
                    }
                }
                for tg in tgs {
                    let t = find!(e, r, report, target_groups, tg, "target group");
                    if !t.load_balancers.contains(&lb) {
                        t.load_balancers.push(lb.clone());
                    }
                }
            }
        }
        "aws_lb_target_group_attachment" => {
            let target = one("target_id");
            find!(
                e,
                r,
                report,
                target_groups,
                one("target_group_arn"),
                "target group"
            )
            .targets
            .push(target);
        }
        "aws_autoscaling_attachment" => {
            let tg = ctx.ref1(r, "lb_target_group_arn").unwrap_or_default();
            find!(
                e,
                r,
                report,
                instances,
                one("autoscaling_group_name"),
                "autoscaling group"
            )
            .target_groups
            .push(tg);
        }
        "aws_vpc_endpoint_service_allowed_principal" => {
            let p = s(r, "principal_arn")?.unwrap_or_default();
            find!(
                e,
                r,
                report,
                services,
                one("vpc_endpoint_service_id"),
                "endpoint service"
            )
            .principals
            .push(p);
        }
        "aws_vpc_endpoint_connection_accepter" => {
            let ep = one("vpc_endpoint_id");
            let state = s(r, "vpc_endpoint_state")?.unwrap_or_else(|| "available".into());
            find!(e, r, report, endpoints, ep, "endpoint").state = Some(state);
        }
        "aws_vpc_endpoint_subnet_association" => {
            let sub = one("subnet_id");
            find!(e, r, report, endpoints, one("vpc_endpoint_id"), "endpoint")
                .subnets
                .push(sub);
        }
        "aws_vpc_endpoint_route_table_association" => {
            let rt = one("route_table_id");
            find!(e, r, report, endpoints, one("vpc_endpoint_id"), "endpoint")
                .route_tables
                .push(rt);
        }
        "aws_vpc_endpoint_security_group_association" => {
            let sg = one("security_group_id");
            find!(e, r, report, endpoints, one("vpc_endpoint_id"), "endpoint")
                .security_groups
                .push(sg);
        }
        "aws_vpc_peering_connection_accepter" => {
            let accepted = r.values.bool("auto_accept")?.unwrap_or(false);
            let status = s(r, "accept_status")?;
            let p = find!(
                e,
                r,
                report,
                peerings,
                one("vpc_peering_connection_id"),
                "peering"
            );
            p.status = status.unwrap_or_else(|| {
                if accepted {
                    "active".into()
                } else {
                    "pending-acceptance".into()
                }
            });
        }
        "aws_ec2_transit_gateway_vpc_attachment_accepter" => {}
        "aws_ec2_transit_gateway_route_table_association"
        | "aws_ec2_transit_gateway_route_table_propagation" => {
            let att = one("transit_gateway_attachment_id");
            let t = find!(
                e,
                r,
                report,
                tgw_route_tables,
                one("transit_gateway_route_table_id"),
                "TGW route table"
            );
            if r.ty.ends_with("association") {
                t.associations.push(att);
            } else {
                t.propagations.push(att);
            }
        }
        "aws_ec2_transit_gateway_route" => {
            let blackhole = r.values.bool("blackhole")?.unwrap_or(false);
            let attachment = (!blackhole).then(|| one("transit_gateway_attachment_id"));
            let dest = s(r, "destination_cidr_block")?.unwrap_or_default();
            find!(
                e,
                r,
                report,
                tgw_route_tables,
                one("transit_gateway_route_table_id"),
                "TGW route table"
            )
            .routes
            .push(e::TgwRoute {
                dest,
                attachment,
                source: r.source(),
            });
        }
        "aws_dx_gateway_association" => dx_association(ctx, r, e, report)?,
        "aws_dx_hosted_private_virtual_interface_accepter"
        | "aws_dx_hosted_transit_virtual_interface_accepter" => {
            let vgw = ctx.ref1(r, "vpn_gateway_id");
            let dxgw = ctx.ref1(r, "dx_gateway_id");
            let v = find!(
                e,
                r,
                report,
                vifs,
                one("virtual_interface_id"),
                "virtual interface"
            );
            v.vpn_gateway = v.vpn_gateway.take().or(vgw);
            v.dx_gateway = v.dx_gateway.take().or(dxgw);
        }
        _ => {}
    }
    Ok(())
}

/// A DX gateway association: the gateway learns its TGW or VGW, and a TGW
/// gets a Direct Connect gateway attachment (keyed by the association).
fn dx_association(
    ctx: &Ctx,
    r: &Res,
    e: &mut Estate,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let dxgw = ctx.ref1(r, "dx_gateway_id").unwrap_or_default();
    let gw = ctx
        .ref1(r, "associated_gateway_id")
        .or(ctx.ref1(r, "vpn_gateway_id"))
        .unwrap_or_default();
    let Some(g) = e.dx_gateways.iter_mut().find(|g| g.at.key == dxgw) else {
        report.skipped(
            r.source(),
            format!("its DX gateway {dxgw:?} is not in the input"),
        );
        return Ok(());
    };
    g.associations.push(gw.clone());
    if e.transit_gateways.iter().any(|t| t.at.key == gw) {
        e.tgw_attachments.push(e::TgwAttachment {
            at: origin(r),
            tgw: Some(gw),
            target: e::AttachmentTarget::DxGateway(dxgw),
            subnets: Vec::new(),
            default_association: true,
            default_propagation: true,
        });
    }
    Ok(())
}
