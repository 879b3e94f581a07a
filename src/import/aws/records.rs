//! One reader per describe output, by its top-level key.

use super::super::estate::{self as e, Estate, Origin};
use super::super::json::At;
use super::super::report::ImportReport;
use super::super::ImportError;
use super::File;

/// Top-level keys of the outputs read in the first pass.
const PARENTS: [&str; 24] = [
    "AvailabilityZones",
    "Vpcs",
    "Subnets",
    "RouteTables",
    "SecurityGroups",
    "NetworkAcls",
    "NetworkInterfaces",
    "Reservations",
    "VpcEndpoints",
    "ServiceConfigurations",
    "VpcPeeringConnections",
    "NatGateways",
    "InternetGateways",
    "TransitGateways",
    "TransitGatewayAttachments",
    "TransitGatewayVpcAttachments",
    "TransitGatewayRouteTables",
    "LoadBalancers",
    "TargetGroups",
    "VpnGateways",
    "connections",
    "virtualInterfaces",
    "directConnectGateways",
    "directConnectGatewayAssociations",
];

/// Outputs that belong to a parent named by the file name or the folder.
const CHILDREN: [&str; 5] = [
    "AllowedPrincipals",
    "Associations",
    "TransitGatewayRouteTablePropagations",
    "Routes",
    "TargetHealthDescriptions",
];

/// Keys describe outputs carry beside their records.
const PAGING: [&str; 2] = ["NextToken", "nextToken"];

fn origin(f: &File, r: &At, key: &str) -> Origin {
    Origin {
        key: key.to_string(),
        tag: r.tag("Name"),
        label: key.to_string(),
        source: format!("aws {key} in {}", f.folder.display()),
    }
}

fn push_unique<T>(list: &mut Vec<T>, item: T, key: impl Fn(&T) -> &str) {
    let k = key(&item).to_string();
    if !list.iter().any(|x| key(x) == k) {
        list.push(item);
    }
}

fn owner(f: &File, r: &At) -> Result<Option<String>, ImportError> {
    Ok(r.string("OwnerId")?.or_else(|| f.account.clone()))
}

/// First pass: the records that stand on their own.
pub fn read(f: &File, e: &mut Estate, report: &mut ImportReport) -> Result<(), ImportError> {
    let Some(obj) = f.root.v.as_object() else {
        return Err(f
            .root
            .wrong("an object (the JSON of an `aws ... describe-*` call)"));
    };
    let keys: Vec<&String> = obj
        .keys()
        .filter(|k| !PAGING.contains(&k.as_str()))
        .collect();
    let Some(key) = keys
        .iter()
        .find(|k| PARENTS.contains(&k.as_str()) || CHILDREN.contains(&k.as_str()))
    else {
        let found: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
        report.not_modelled(
            f.root.file,
            format!(
                "not an output vpcsim reads (top-level keys: {}); left out",
                found.join(", ")
            ),
        );
        return Ok(());
    };
    let list = f
        .root
        .get(key)
        .ok_or_else(|| f.root.missing(key, "an array"))?;
    let items = list.items()?;
    match key.as_str() {
        "AvailabilityZones" => azs(f, &items, e)?,
        "Vpcs" => items.iter().try_for_each(|r| vpc(f, r, e))?,
        "Subnets" => items.iter().try_for_each(|r| subnet(f, r, e))?,
        "RouteTables" => items
            .iter()
            .try_for_each(|r| route_table(f, r, e, report))?,
        "SecurityGroups" => items.iter().try_for_each(|r| security_group(f, r, e))?,
        "NetworkAcls" => items.iter().try_for_each(|r| nacl(f, r, e))?,
        "NetworkInterfaces" => items.iter().try_for_each(|r| eni(r, e))?,
        "Reservations" => {
            for res in &items {
                res.array("Instances")?
                    .iter()
                    .try_for_each(|r| instance(f, r, e))?;
            }
        }
        "VpcEndpoints" => items.iter().try_for_each(|r| endpoint(f, r, e))?,
        "ServiceConfigurations" => items.iter().try_for_each(|r| service(f, r, e))?,
        "VpcPeeringConnections" => items.iter().try_for_each(|r| peering(f, r, e))?,
        "NatGateways" => items.iter().try_for_each(|r| nat(f, r, e))?,
        "InternetGateways" => items.iter().try_for_each(|r| igw(f, r, e))?,
        "TransitGateways" => items.iter().try_for_each(|r| tgw(f, r, e))?,
        "TransitGatewayAttachments" | "TransitGatewayVpcAttachments" => items
            .iter()
            .try_for_each(|r| tgw_attachment(f, r, e, report))?,
        "TransitGatewayRouteTables" => items.iter().try_for_each(|r| tgw_route_table(f, r, e))?,
        "LoadBalancers" => items.iter().try_for_each(|r| load_balancer(f, r, e))?,
        "TargetGroups" => items.iter().try_for_each(|r| target_group(f, r, e))?,
        "connections" => items.iter().try_for_each(|r| dx_connection(f, r, e))?,
        "virtualInterfaces" => items.iter().try_for_each(|r| vif(f, r, e))?,
        "VpnGateways" => items.iter().try_for_each(|r| vgw(f, r, e))?,
        "directConnectGateways" => items.iter().try_for_each(|r| dx_gateway(f, r, e))?,
        "directConnectGatewayAssociations" => items
            .iter()
            .try_for_each(|r| dx_gateway_association(f, r, e))?,
        _ => {}
    }
    Ok(())
}

fn azs(f: &File, items: &[At], e: &mut Estate) -> Result<(), ImportError> {
    for z in items {
        let (Some(name), Some(id)) = (z.string("ZoneName")?, z.string("ZoneId")?) else {
            continue;
        };
        if e.region.is_none() {
            e.region = z.string("RegionName")?;
        }
        let account = f.account.clone();
        if !e
            .az_names
            .iter()
            .any(|a| a.name == name && a.account == account)
        {
            e.az_names.push(e::AzName { account, name, id });
        }
    }
    Ok(())
}

fn vpc(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("VpcId")?;
    let mut cidrs = Vec::new();
    for a in r.array("CidrBlockAssociationSet")? {
        let state = a
            .get("CidrBlockState")
            .map(|s| s.string("State"))
            .transpose()?
            .flatten();
        if matches!(state.as_deref(), None | Some("associated" | "associating")) {
            cidrs.extend(a.string("CidrBlock")?);
        }
    }
    if cidrs.is_empty() {
        cidrs.extend(r.string("CidrBlock")?);
    }
    let rec = e::Vpc {
        at: origin(f, r, id),
        account: owner(f, r)?,
        region: None,
        cidrs,
    };
    push_unique(&mut e.vpcs, rec, |x| &x.at.key);
    Ok(())
}

fn subnet(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("SubnetId")?;
    let rec = e::Subnet {
        at: origin(f, r, id),
        vpc: r.string("VpcId")?,
        az_id: r.string("AvailabilityZoneId")?,
        az_name: r.string("AvailabilityZone")?,
        cidr: r.string("CidrBlock")?,
    };
    push_unique(&mut e.subnets, rec, |x| &x.at.key);
    Ok(())
}

fn route_table(
    f: &File,
    r: &At,
    e: &mut Estate,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let id = r.req_str("RouteTableId")?;
    let at = origin(f, r, id);
    let mut main = false;
    let mut subnets = Vec::new();
    for a in r.array("Associations")? {
        main |= a.bool("Main")?.unwrap_or(false);
        subnets.extend(a.string("SubnetId")?);
        if a.string("GatewayId")?.is_some() {
            report.not_modelled(
                &at.source,
                "edge association of a route table with a gateway",
            );
        }
    }
    let mut routes = Vec::new();
    for (i, rt) in r.array("Routes")?.iter().enumerate() {
        let dest = rt
            .string("DestinationCidrBlock")?
            .or(rt.string("DestinationIpv6CidrBlock")?)
            .or(rt.string("DestinationPrefixListId")?);
        let Some(dest) = dest else {
            report.skipped(
                format!("{} route {i}", at.source),
                "route without a destination",
            );
            continue;
        };
        routes.push(e::Route {
            dest,
            target: route_target(rt)?,
            source: format!("{} route {i}", at.source),
        });
    }
    let rec = e::RouteTable {
        at,
        vpc: r.string("VpcId")?,
        main,
        routes,
        subnets,
    };
    push_unique(&mut e.route_tables, rec, |x| &x.at.key);
    Ok(())
}

fn route_target(rt: &At) -> Result<e::RouteTarget, ImportError> {
    if rt.string("State")?.as_deref() == Some("blackhole") {
        return Ok(e::RouteTarget::Blackhole);
    }
    for k in ["NatGatewayId", "TransitGatewayId", "VpcPeeringConnectionId"] {
        if let Some(id) = rt.string(k)? {
            return Ok(e::RouteTarget::Ref(id));
        }
    }
    if let Some(g) = rt.string("GatewayId")? {
        return Ok(if g == "local" {
            e::RouteTarget::Local
        } else {
            e::RouteTarget::Ref(g)
        });
    }
    for k in [
        "InstanceId",
        "NetworkInterfaceId",
        "EgressOnlyInternetGatewayId",
        "LocalGatewayId",
        "CarrierGatewayId",
        "CoreNetworkArn",
    ] {
        if let Some(id) = rt.string(k)? {
            return Ok(e::RouteTarget::Other(format!("{k} {id}")));
        }
    }
    Ok(e::RouteTarget::Other(
        "a target the input does not give".into(),
    ))
}

fn sg_rules(perms: &[At], me: &str) -> Result<Vec<e::SgRule>, ImportError> {
    let mut out = Vec::new();
    for p in perms {
        let protocol = p.string("IpProtocol")?.unwrap_or_else(|| "-1".into());
        let (from, to) = (p.int("FromPort")?, p.int("ToPort")?);
        let mut peers = Vec::new();
        for x in p.array("IpRanges")? {
            peers.extend(x.string("CidrIp")?.map(e::SgPeer::Cidr));
        }
        for x in p.array("Ipv6Ranges")? {
            peers.extend(x.string("CidrIpv6")?.map(e::SgPeer::Cidr));
        }
        for x in p.array("PrefixListIds")? {
            peers.extend(x.string("PrefixListId")?.map(e::SgPeer::PrefixList));
        }
        for x in p.array("UserIdGroupPairs")? {
            peers.extend(x.string("GroupId")?.map(e::SgPeer::Group));
        }
        for peer in peers {
            out.push(e::SgRule {
                protocol: protocol.clone(),
                from,
                to,
                peer,
                source: format!("aws {me} rule {}", p.path),
            });
        }
    }
    Ok(out)
}

fn security_group(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("GroupId")?;
    let mut at = origin(f, r, id);
    if at.tag.is_none() {
        at.label = r.string("GroupName")?.unwrap_or_else(|| id.to_string());
    }
    let rec = e::SecurityGroup {
        at,
        vpc: r.string("VpcId")?,
        ingress: sg_rules(&r.array("IpPermissions")?, id)?,
        egress: Some(sg_rules(&r.array("IpPermissionsEgress")?, id)?),
    };
    push_unique(&mut e.security_groups, rec, |x| &x.at.key);
    Ok(())
}

fn nacl(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("NetworkAclId")?;
    let mut entries = Vec::new();
    for x in r.array("Entries")? {
        let Some(cidr) = x.string("CidrBlock")?.or(x.string("Ipv6CidrBlock")?) else {
            continue;
        };
        let range = x.get("PortRange");
        entries.push(e::NaclEntry {
            number: x.int("RuleNumber")?.unwrap_or(32767),
            egress: x.bool("Egress")?.unwrap_or(false),
            allow: x.string("RuleAction")?.as_deref() == Some("allow"),
            cidr,
            protocol: x.string("Protocol")?.unwrap_or_else(|| "-1".into()),
            from: range.as_ref().map(|p| p.int("From")).transpose()?.flatten(),
            to: range.as_ref().map(|p| p.int("To")).transpose()?.flatten(),
        });
    }
    let mut subnets = Vec::new();
    for a in r.array("Associations")? {
        subnets.extend(a.string("SubnetId")?);
    }
    let rec = e::Nacl {
        at: origin(f, r, id),
        vpc: r.string("VpcId")?,
        default: r.bool("IsDefault")?.unwrap_or(false),
        subnets,
        entries,
    };
    push_unique(&mut e.nacls, rec, |x| &x.at.key);
    Ok(())
}

/// An ENI: its owner from the attachment or the description AWS writes
/// (`VPC Endpoint Interface vpce-…`, `ELB net/name/…`, `Interface for NAT Gateway nat-…`).
fn eni(r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.string("NetworkInterfaceId")?;
    let ip = r.string("PrivateIpAddress")?;
    let desc = r.string("Description")?.unwrap_or_default();
    let attached = r
        .get("Attachment")
        .map(|a| a.string("InstanceId"))
        .transpose()?
        .flatten();
    let owner = attached
        .or(r.string("VpcEndpointId")?)
        .or_else(|| {
            desc.split_whitespace()
                .find(|w| w.starts_with("vpce-") || w.starts_with("nat-"))
                .map(str::to_string)
        })
        .or_else(|| {
            let name = desc.strip_prefix("ELB net/")?.split('/').next()?;
            e.load_balancers
                .iter()
                .find(|l| l.at.label == name)
                .map(|l| l.at.key.clone())
                .or_else(|| Some(format!("elb:{name}")))
        });
    if let Some(owner) = owner {
        let a = e::Address { eni: id, ip, owner };
        if !e
            .addresses
            .iter()
            .any(|x| x.eni == a.eni && x.owner == a.owner)
        {
            e.addresses.push(a);
        }
    }
    Ok(())
}

fn instance(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("InstanceId")?;
    let state = r
        .get("State")
        .map(|s| s.string("Name"))
        .transpose()?
        .flatten();
    if matches!(state.as_deref(), Some("terminated" | "shutting-down")) {
        return Ok(());
    }
    let at = origin(f, r, id);
    let mut sgs = Vec::new();
    for g in r.array("SecurityGroups")? {
        sgs.extend(g.string("GroupId")?);
    }
    for n in r.array("NetworkInterfaces")? {
        e.addresses.push(e::Address {
            eni: n.string("NetworkInterfaceId")?,
            ip: n.string("PrivateIpAddress")?,
            owner: id.to_string(),
        });
    }
    let group = format!(
        "{}:{}",
        at.tag.clone().unwrap_or_else(|| id.to_string()),
        r.string("VpcId")?.unwrap_or_default()
    );
    let rec = e::Instances {
        group,
        subnets: r.string("SubnetId")?.into_iter().collect(),
        security_groups: sgs,
        count: 1,
        instance_type: r.string("InstanceType")?,
        target_groups: Vec::new(),
        at,
    };
    push_unique(&mut e.instances, rec, |x| &x.at.key);
    Ok(())
}

fn endpoint(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("VpcEndpointId")?;
    let kind = match r.str("VpcEndpointType")? {
        Some("Interface") => e::EndpointKind::Interface,
        Some("GatewayLoadBalancer") => e::EndpointKind::GatewayLoadBalancer,
        _ => e::EndpointKind::Gateway,
    };
    let mut sgs = Vec::new();
    for g in r.array("Groups")? {
        sgs.extend(g.string("GroupId")?);
    }
    for eni in r.strings("NetworkInterfaceIds")? {
        e.addresses.push(e::Address {
            eni: Some(eni),
            ip: None,
            owner: id.to_string(),
        });
    }
    let rec = e::Endpoint {
        at: origin(f, r, id),
        account: owner(f, r)?,
        vpc: r.string("VpcId")?,
        kind,
        service_name: r.string("ServiceName")?,
        service: None,
        subnets: r.strings("SubnetIds")?,
        route_tables: r.strings("RouteTableIds")?,
        security_groups: sgs,
        private_dns: r.bool("PrivateDnsEnabled")?.unwrap_or(false),
        policy: r.string("PolicyDocument")?,
        state: r.string("State")?,
    };
    push_unique(&mut e.endpoints, rec, |x| &x.at.key);
    Ok(())
}

fn service(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("ServiceId")?;
    let dns_state = r
        .get("PrivateDnsNameConfiguration")
        .map(|c| c.string("State"))
        .transpose()?
        .flatten()
        .unwrap_or_else(|| "pendingVerification".into());
    let rec = e::Service {
        at: origin(f, r, id),
        account: f.account.clone(),
        load_balancers: r.strings("NetworkLoadBalancerArns")?,
        gateway_load_balancers: r.strings("GatewayLoadBalancerArns")?,
        acceptance_required: r.bool("AcceptanceRequired")?.unwrap_or(true),
        principals: Vec::new(),
        private_dns: r.string("PrivateDnsName")?.map(|n| (n, dns_state)),
        payer_is_owner: r.string("PayerResponsibility")?.as_deref() == Some("ServiceOwner"),
        service_name: r.string("ServiceName")?,
    };
    push_unique(&mut e.services, rec, |x| &x.at.key);
    Ok(())
}

fn peering(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("VpcPeeringConnectionId")?;
    let side = |k: &str| -> Result<Option<String>, ImportError> {
        Ok(r.get(k).map(|s| s.string("VpcId")).transpose()?.flatten())
    };
    let status = r
        .get("Status")
        .map(|s| s.string("Code"))
        .transpose()?
        .flatten()
        .unwrap_or_default();
    if matches!(status.as_str(), "deleted" | "expired" | "failed") {
        return Ok(());
    }
    let rec = e::Peering {
        at: origin(f, r, id),
        requester: side("RequesterVpcInfo")?,
        accepter: side("AccepterVpcInfo")?,
        status,
    };
    push_unique(&mut e.peerings, rec, |x| &x.at.key);
    Ok(())
}

fn nat(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("NatGatewayId")?;
    if matches!(r.str("State")?, Some("deleted" | "deleting" | "failed")) {
        return Ok(());
    }
    for a in r.array("NatGatewayAddresses")? {
        e.addresses.push(e::Address {
            eni: a.string("NetworkInterfaceId")?,
            ip: a.string("PrivateIp")?,
            owner: id.to_string(),
        });
    }
    let rec = e::Nat {
        at: origin(f, r, id),
        subnet: r.string("SubnetId")?,
        public: r.str("ConnectivityType")? != Some("private"),
    };
    push_unique(&mut e.nats, rec, |x| &x.at.key);
    Ok(())
}

fn igw(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("InternetGatewayId")?;
    let mut vpcs = Vec::new();
    for a in r.array("Attachments")? {
        vpcs.extend(a.string("VpcId")?);
    }
    let rec = e::Gateway {
        at: origin(f, r, id),
        kind: e::GatewayKind::Internet,
        vpcs,
    };
    push_unique(&mut e.gateways, rec, |x| &x.at.key);
    Ok(())
}

fn tgw(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("TransitGatewayId")?;
    let opts = r.get("Options");
    let opt = |k: &str| -> Result<bool, ImportError> {
        Ok(opts
            .as_ref()
            .map(|o| o.string(k))
            .transpose()?
            .flatten()
            .as_deref()
            != Some("disable"))
    };
    let rec = e::TransitGateway {
        at: origin(f, r, id),
        account: owner(f, r)?,
        region: None,
        default_association: opt("DefaultRouteTableAssociation")?,
        default_propagation: opt("DefaultRouteTablePropagation")?,
    };
    push_unique(&mut e.transit_gateways, rec, |x| &x.at.key);
    Ok(())
}

/// A TGW attachment from either output; the VPC one adds its subnets.
fn tgw_attachment(
    f: &File,
    r: &At,
    e: &mut Estate,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let id = r.req_str("TransitGatewayAttachmentId")?;
    let at = origin(f, r, id);
    let target = match (
        r.str("ResourceType")?,
        r.string("ResourceId")?,
        r.string("VpcId")?,
    ) {
        (_, _, Some(vpc)) | (Some("vpc"), Some(vpc), _) => e::AttachmentTarget::Vpc(vpc),
        (Some("direct-connect-gateway"), Some(g), _) => e::AttachmentTarget::DxGateway(g),
        (Some(kind), _, _) => {
            report.not_modelled(
                &at.source,
                format!("transit gateway attachment of type {kind}"),
            );
            e::AttachmentTarget::Other(kind.to_string())
        }
        _ => e::AttachmentTarget::Unknown,
    };
    let subnets = r.strings("SubnetIds")?;
    if let Some(existing) = e.tgw_attachments.iter_mut().find(|a| a.at.key == id) {
        if existing.subnets.is_empty() {
            existing.subnets = subnets;
        }
        return Ok(());
    }
    e.tgw_attachments.push(e::TgwAttachment {
        at,
        tgw: r.string("TransitGatewayId")?,
        target,
        subnets,
        // Associations and propagations come from the route tables' outputs.
        default_association: false,
        default_propagation: false,
    });
    Ok(())
}

fn tgw_route_table(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("TransitGatewayRouteTableId")?;
    let rec = e::TgwRouteTable {
        at: origin(f, r, id),
        tgw: r.string("TransitGatewayId")?,
        default_association: r.bool("DefaultAssociationRouteTable")?.unwrap_or(false),
        default_propagation: r.bool("DefaultPropagationRouteTable")?.unwrap_or(false),
        ..Default::default()
    };
    push_unique(&mut e.tgw_route_tables, rec, |x| &x.at.key);
    Ok(())
}

fn load_balancer(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let arn = r.req_str("LoadBalancerArn")?;
    let mut at = origin(f, r, arn);
    at.label = r
        .string("LoadBalancerName")?
        .unwrap_or_else(|| arn.to_string());
    let mut subnets = Vec::new();
    for z in r.array("AvailabilityZones")? {
        subnets.extend(z.string("SubnetId")?);
    }
    let rec = e::LoadBalancer {
        kind: r.string("Type")?.unwrap_or_else(|| "application".into()),
        subnets,
        // describe-load-balancer-attributes says; the NLB default is off.
        cross_zone: None,
        security_groups: r.strings("SecurityGroups")?,
        at,
    };
    push_unique(&mut e.load_balancers, rec, |x| &x.at.key);
    Ok(())
}

fn target_group(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let arn = r.req_str("TargetGroupArn")?;
    let mut at = origin(f, r, arn);
    at.label = r
        .string("TargetGroupName")?
        .unwrap_or_else(|| arn.to_string());
    let rec = e::TargetGroup {
        at,
        load_balancers: r.strings("LoadBalancerArns")?,
        targets: Vec::new(),
        proxy_protocol_v2: false,
    };
    push_unique(&mut e.target_groups, rec, |x| &x.at.key);
    Ok(())
}

fn dx_connection(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("connectionId")?;
    let mut at = origin(f, r, id);
    at.label = r
        .string("connectionName")?
        .unwrap_or_else(|| id.to_string());
    at.tag = at.tag.or(r.tag("Name"));
    let rec = e::DxConnection {
        account: r.string("ownerAccount")?.or_else(|| f.account.clone()),
        bandwidth: r.string("bandwidth")?,
        location: r.string("location")?,
        hosted: false,
        at,
    };
    push_unique(&mut e.dx_connections, rec, |x| &x.at.key);
    Ok(())
}

fn vif(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("virtualInterfaceId")?;
    let mut at = origin(f, r, id);
    at.label = r
        .string("virtualInterfaceName")?
        .unwrap_or_else(|| id.to_string());
    let kind = match r.str("virtualInterfaceType")? {
        Some("transit") => e::VifKind::Transit,
        Some("public") => e::VifKind::Public,
        _ => e::VifKind::Private,
    };
    let rec = e::Vif {
        connection: r.string("connectionId")?,
        kind,
        vpn_gateway: r.string("virtualGatewayId")?.filter(|g| !g.is_empty()),
        dx_gateway: r
            .string("directConnectGatewayId")?
            .filter(|g| !g.is_empty()),
        at,
    };
    push_unique(&mut e.vifs, rec, |x| &x.at.key);
    Ok(())
}

/// `ec2 describe-vpn-gateways`: a virtual private gateway and the VPCs it
/// is attached to (what a private VIF reaches).
fn vgw(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("VpnGatewayId")?;
    if matches!(r.str("State")?, Some("deleted" | "deleting")) {
        return Ok(());
    }
    let mut vpcs = Vec::new();
    for a in r.array("VpcAttachments")? {
        if !matches!(a.str("State")?, Some("detached" | "detaching")) {
            vpcs.extend(a.string("VpcId")?);
        }
    }
    let rec = e::Gateway {
        at: origin(f, r, id),
        kind: e::GatewayKind::VpnGateway,
        vpcs,
    };
    push_unique(&mut e.gateways, rec, |x| &x.at.key);
    Ok(())
}

/// The DX gateway `id`, added (from `at`) if the input has not described it (yet).
fn dx_gateway_entry<'e>(
    e: &'e mut Estate,
    id: &str,
    at: impl FnOnce() -> Origin,
) -> &'e mut e::DxGateway {
    let i = match e.dx_gateways.iter().position(|g| g.at.key == id) {
        Some(i) => i,
        None => {
            e.dx_gateways.push(e::DxGateway {
                at: at(),
                associations: Vec::new(),
            });
            e.dx_gateways.len() - 1
        }
    };
    &mut e.dx_gateways[i]
}

fn associate(g: &mut e::DxGateway, target: String) {
    if !g.associations.contains(&target) {
        g.associations.push(target);
    }
}

/// `directconnect describe-direct-connect-gateways`: a DX gateway's name.
fn dx_gateway(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("directConnectGatewayId")?;
    let label = r.string("directConnectGatewayName")?;
    let tag = r.tag("Name");
    let g = dx_gateway_entry(e, id, || origin(f, r, id));
    if let Some(label) = label {
        g.at.label = label;
    }
    g.at.tag = g.at.tag.take().or(tag);
    Ok(())
}

/// `directconnect describe-direct-connect-gateway-associations`: the
/// transit or virtual private gateway a DX gateway is associated with.
fn dx_gateway_association(f: &File, r: &At, e: &mut Estate) -> Result<(), ImportError> {
    let id = r.req_str("directConnectGatewayId")?;
    if matches!(
        r.str("associationState")?,
        Some("disassociating" | "disassociated")
    ) {
        return Ok(());
    }
    let target = match r.get("associatedGateway") {
        Some(g) => g.string("id")?,
        None => None,
    };
    let target = target.or(r.string("virtualGatewayId")?);
    let g = dx_gateway_entry(e, id, || origin(f, r, id));
    if let Some(t) = target {
        associate(g, t);
    }
    Ok(())
}

/// A transit gateway attachment of a DX gateway is its association with
/// that transit gateway, when no association output says so.
pub fn link_dx_gateways(e: &mut Estate) {
    let links: Vec<(String, String, String)> = e
        .tgw_attachments
        .iter()
        .filter_map(|a| match (&a.target, &a.tgw) {
            (e::AttachmentTarget::DxGateway(g), Some(t)) => {
                Some((g.clone(), t.clone(), a.at.source.clone()))
            }
            _ => None,
        })
        .collect();
    for (g, t, source) in links {
        let at = || Origin {
            key: g.clone(),
            tag: None,
            label: g.clone(),
            source,
        };
        associate(dx_gateway_entry(e, &g, at), t);
    }
}

/// Second pass: outputs that belong to a parent.
pub fn read_children(
    f: &File,
    e: &mut Estate,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let Some(obj) = f.root.v.as_object() else {
        return Ok(());
    };
    let Some(key) = obj.keys().find(|k| CHILDREN.contains(&k.as_str())) else {
        return Ok(());
    };
    let Some(list) = f.root.get(key) else {
        return Ok(());
    };
    let items = list.items()?;
    match key.as_str() {
        "AllowedPrincipals" => {
            let keys: Vec<_> = e
                .services
                .iter()
                .map(|s| (s.at.key.clone(), s.at.source.clone()))
                .collect();
            let Some(svc) = parent(f, &keys, report, "endpoint service") else {
                return Ok(());
            };
            let mut principals = Vec::new();
            for p in &items {
                principals.extend(p.string("Principal")?);
            }
            if let Some(s) = e.services.iter_mut().find(|s| s.at.key == svc) {
                s.principals.extend(principals);
            }
        }
        "Associations" | "TransitGatewayRouteTablePropagations" | "Routes" => {
            let keys: Vec<_> = e
                .tgw_route_tables
                .iter()
                .map(|t| (t.at.key.clone(), t.at.source.clone()))
                .collect();
            let Some(rt) = parent(f, &keys, report, "TGW route table") else {
                return Ok(());
            };
            let Some(t) = e.tgw_route_tables.iter_mut().find(|t| t.at.key == rt) else {
                return Ok(());
            };
            for x in &items {
                tgw_table_item(key, x, t)?;
            }
        }
        "TargetHealthDescriptions" => {
            let keys: Vec<_> = e
                .target_groups
                .iter()
                .map(|t| (t.at.key.clone(), t.at.source.clone()))
                .collect();
            let Some(tg) = parent(f, &keys, report, "target group") else {
                return Ok(());
            };
            let mut ids = Vec::new();
            for d in &items {
                ids.extend(
                    d.get("Target")
                        .map(|t| t.string("Id"))
                        .transpose()?
                        .flatten(),
                );
            }
            if let Some(t) = e.target_groups.iter_mut().find(|t| t.at.key == tg) {
                t.targets.extend(ids);
            }
        }
        _ => {}
    }
    Ok(())
}

fn tgw_table_item(key: &str, x: &At, t: &mut e::TgwRouteTable) -> Result<(), ImportError> {
    match key {
        "Associations" => t
            .associations
            .extend(x.string("TransitGatewayAttachmentId")?),
        "TransitGatewayRouteTablePropagations" => {
            if x.str("State")? != Some("disabled") {
                t.propagations
                    .extend(x.string("TransitGatewayAttachmentId")?)
            }
        }
        _ => {
            // Propagated routes follow from the propagations; static ones are kept.
            if x.str("Type")? == Some("propagated") {
                return Ok(());
            }
            let Some(dest) = x.string("DestinationCidrBlock")? else {
                return Ok(());
            };
            let attachment = if x.str("State")? == Some("blackhole") {
                None
            } else {
                let atts = x.array("TransitGatewayAttachments")?;
                atts.first()
                    .map(|a| a.string("TransitGatewayAttachmentId"))
                    .transpose()?
                    .flatten()
            };
            t.routes.push(e::TgwRoute {
                dest,
                attachment,
                source: format!("aws {} route {}", t.at.key, x.path),
            });
        }
    }
    Ok(())
}

/// The parent of a child output: the candidate whose id the file name
/// holds, else the only candidate read from the same folder.
fn parent(
    f: &File,
    cands: &[(String, String)],
    report: &mut ImportReport,
    what: &str,
) -> Option<String> {
    let short = |k: &str| k.rsplit('/').nth(1).unwrap_or(k).to_string();
    let named = cands
        .iter()
        .find(|(k, _)| f.name.contains(k.as_str()) || f.name.contains(&format!(".{}.", short(k))));
    if let Some((k, _)) = named {
        return Some(k.clone());
    }
    let suffix = format!(" in {}", f.folder.display());
    let here: Vec<&String> = cands
        .iter()
        .filter(|(_, src)| src.ends_with(&suffix))
        .map(|(k, _)| k)
        .collect();
    if here.len() == 1 {
        return Some(here[0].clone());
    }
    report.skipped(
        f.root.file,
        format!(
            "cannot tell which {what} this output belongs to ({} candidates in its folder): put its id in the file name (`{}.<id>.json`)",
            here.len(),
            f.name.trim_end_matches(".json")
        ),
    );
    None
}

/// Accounts: every owner seen.
pub fn finish_accounts(e: &mut Estate) {
    let mut ids: Vec<String> = Vec::new();
    let owners = e
        .vpcs
        .iter()
        .filter_map(|v| v.account.clone())
        .chain(e.transit_gateways.iter().filter_map(|t| t.account.clone()))
        .chain(e.services.iter().filter_map(|s| s.account.clone()))
        .chain(e.endpoints.iter().filter_map(|s| s.account.clone()))
        .chain(e.dx_connections.iter().filter_map(|s| s.account.clone()));
    for o in owners {
        if !ids.contains(&o) {
            ids.push(o);
        }
    }
    ids.sort();
    for id in ids {
        e.accounts.push(e::Account {
            key: id.clone(),
            id: Some(id.clone()),
            label: id,
        });
    }
}
