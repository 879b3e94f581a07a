//! AWS Cost and Usage Report usage types of bill lines, so a bill can be
//! held next to a real CUR.
//!
//! A usage type is the region's billing code (the pricebook's
//! `billing_code`, e.g. `USE1`) and a suffix per category. Sources:
//! docs.aws.amazon.com/vpc/latest/userguide/vpc-billing-usage-reports.html
//! (`region-VpcEndpoint-Hours`, `-VpcEndpoint-Bytes`,
//! `-TransitGateway-Hours`, `-TransitGateway-Bytes`),
//! .../elasticloadbalancing/latest/userguide/load-balancer-billing-usage-reports.html
//! (Network Load Balancers: `region-LoadBalancerUsage`, `region-LCUUsage`),
//! .../cur/latest/userguide/cur-data-transfers-charges.html
//! (`Region-DataTransfer-Regional-Bytes`; `Source Region-AWS-Out-Bytes` for
//! VPC peering between regions), the AWS Price List (`-DataTransfer-Out-Bytes`,
//! `-NatGateway-Hours`, `-NatGateway-Bytes`) and the AWS blog "Demystifying
//! Amazon VPC peering charges" (`VpcPeering-In-Bytes` / `-Out-Bytes`), all
//! read 2026-12-07. Cost Explorer often shows us-east-1 usage types without
//! the `USE1-` prefix.
//!
//! Left empty (not known to vpcsim): free lines AWS does not bill (gateway
//! endpoints, free same-AZ peering), Direct Connect (its usage types name the
//! DX location, which a scenario does not model) and transfer to another
//! region outside peering (its usage type names the destination region,
//! which the meter does not keep).
//!
//! Owns: the category → usage-type mapping. Must not: price anything.

use super::meters::Category;

/// The CUR usage type of a line of `category` (with `detail`, the direction
/// of per-direction transfer) in the region whose billing code is `code`.
pub fn usage_type(code: &str, category: Category, detail: Option<&str>) -> String {
    let direction = match detail {
        Some("in") => Some("In"),
        Some("out") => Some("Out"),
        _ => None,
    };
    let suffix = match category {
        Category::EndpointHours => "VpcEndpoint-Hours",
        Category::EndpointDataProcessed => "VpcEndpoint-Bytes",
        Category::CrossAz => "DataTransfer-Regional-Bytes",
        Category::PeeringCrossAz | Category::PeeringSameAz => match direction {
            Some("In") => "VpcPeering-In-Bytes",
            Some(_) => "VpcPeering-Out-Bytes",
            None => return String::new(),
        },
        Category::PeeringInterRegion => "AWS-Out-Bytes",
        Category::TgwAttachmentHours => "TransitGateway-Hours",
        Category::TgwDataProcessed => "TransitGateway-Bytes",
        Category::NatHours => "NatGateway-Hours",
        Category::NatDataProcessed => "NatGateway-Bytes",
        Category::InternetOut => "DataTransfer-Out-Bytes",
        Category::NlbHours => "LoadBalancerUsage",
        Category::NlbCapacityUnits => "LCUUsage",
        Category::GatewayEndpoint
        | Category::DxPortHours
        | Category::DxDataOut
        | Category::InterRegionOut => return String::new(),
    };
    format!("{code}-{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_types_follow_the_aws_names() {
        let u = |c, d| usage_type("USE1", c, d);
        assert_eq!(u(Category::EndpointHours, None), "USE1-VpcEndpoint-Hours");
        assert_eq!(
            u(Category::EndpointDataProcessed, None),
            "USE1-VpcEndpoint-Bytes"
        );
        assert_eq!(
            u(Category::CrossAz, Some("out")),
            "USE1-DataTransfer-Regional-Bytes"
        );
        assert_eq!(u(Category::NatDataProcessed, None), "USE1-NatGateway-Bytes");
        assert_eq!(u(Category::NlbCapacityUnits, None), "USE1-LCUUsage");
        assert_eq!(u(Category::NlbHours, None), "USE1-LoadBalancerUsage");
        assert_eq!(
            u(Category::PeeringCrossAz, Some("in")),
            "USE1-VpcPeering-In-Bytes"
        );
        assert_eq!(u(Category::PeeringSameAz, None), "");
        assert_eq!(u(Category::DxPortHours, Some("10G")), "");
        assert_eq!(
            usage_type("EUW2", Category::InternetOut, None),
            "EUW2-DataTransfer-Out-Bytes"
        );
    }
}
