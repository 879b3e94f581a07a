//! Import an estate from AWS describe output, then run a study on it: how
//! would new consumer teams best reach the imported `orders` service — a VPC
//! peering each to the provider's VPC, or an interface endpoint each?
//!
//! What it finds on this estate: the imported security group of
//! `orders-backend` admits port 443 only from the provider's own range (the
//! NLB's nodes), so peered consumers are denied (SECURITY_GROUP_DENY) until
//! a rule for their range is added (variant `peering-sg-opened`), while
//! PrivateLink serves them as the estate stands, for endpoint-hours per
//! consumer and AZ on the bill.
//!
//! ```text
//!  tests/fixtures/import/aws/  ──▶ vpcsim import aws ──▶ estate.ron
//!  (aws ec2 describe-* JSON,                              │ base of
//!   3 accounts, 6 VPCs, NLB,                              ▼
//!   endpoint service, TGW)          study.ron: N consumer VPCs × {peering, privatelink}
//!                                                         │
//!                                        one run per point ▼
//!                                  delivered, denied, monthly bill per variant
//! ```
//!
//! The same from the shell:
//!
//! ```sh
//! vpcsim import aws tests/fixtures/import/aws -o estate/estate.ron --no-traffic
//! vpcsim sweep estate/study.ron --out output/import-study
//! vpcsim compare output/import-study
//! ```
//!
//! Run with `cargo run --example import`; it checks what it prints and
//! exits non-zero when a check fails (the test suite runs it too).

use std::error::Error;
use std::path::Path;

use vpcsim::import::{self, BuildOptions};
use vpcsim::study;
use vpcsim::units::SimDuration;

/// Consumer counts the study sweeps.
const CONSUMERS: [u32; 2] = [2, 6];

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let rows = run(dir.path())?;
    println!(
        "{:<18} {:>9} {:>9} {:>7} {:>14}",
        "variant", "consumers", "delivered", "denied", "monthly USD"
    );
    for r in &rows {
        println!(
            "{:<18} {:>9} {:>9} {:>7} {:>14}",
            r.variant,
            r.consumers.unwrap_or(0),
            r.delivered,
            r.denied,
            r.monthly_cost_usd
        );
    }
    check(&rows)?;
    println!(
        "checks passed: peering as imported is denied by orders-backend's security group; \
         with the rule added it delivers, as PrivateLink does, and PrivateLink costs more \
         per month by more with every consumer"
    );
    Ok(())
}

/// Imports the describe fixture into `dir/estate.ron`, writes a study on it
/// and runs every point; returns the rows in point order.
pub fn run(dir: &Path) -> Result<Vec<study::Row>, Box<dyn Error>> {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/aws");
    let imported = import::aws::import_dir(
        &fixture,
        &BuildOptions {
            name: "estate".into(),
            duration: SimDuration::from_secs(600),
            // The study adds its own consumers and their traffic.
            default_traffic: false,
        },
    )?;
    let estate = &imported.scenario;
    println!(
        "imported {} accounts, {} VPCs, {} endpoint services, {} workloads from {}",
        estate.accounts.len(),
        estate.vpcs.len(),
        estate.services.len(),
        estate.workloads.len(),
        fixture.display()
    );
    std::fs::write(dir.join("estate.ron"), &imported.text)?;

    // The consumers go in the AZs of the service's load balancer, as the
    // import found them (AZ IDs from the describe output).
    let service = estate
        .services
        .iter()
        .find(|s| s.name == "orders")
        .ok_or("the estate has the orders endpoint service")?;
    let nlb = estate
        .load_balancers
        .iter()
        .find(|l| service.nlbs.first() == Some(&l.name))
        .ok_or("the orders service has its load balancer")?;
    let mut azs: Vec<String> = nlb
        .subnets
        .iter()
        .filter_map(|n| {
            estate
                .vpcs
                .iter()
                .flat_map(|v| &v.subnets)
                .find(|s| &s.name == n)
                .map(|s| format!("{:?}", s.az))
        })
        .collect();
    azs.sort();
    azs.dedup();
    azs.truncate(2);
    let consumers: Vec<String> = CONSUMERS.iter().map(u32::to_string).collect();
    let text = format!(
        r#"Study(
    name: "imported-orders",
    description: "New consumer teams of the imported orders service: peering vs PrivateLink",
    seed: 16,
    base: "estate.ron",
    templates: [
        Template(
            name: "team",
            azs: [{azs}],
            instances: 2,
            cidrs: Distinct(from: "172.16.0.0/12", prefix: 24),
            shared: Shared(vpc: "orders-provider", workload: "orders-backend", service: "orders"),
            dns: Regional,
            // From 1 s: the study accepts each endpoint connection at 0 s.
            traffic: TrafficSpec(arrivals: Constant(per_second: 0.5), request: Fixed("2KiB"), response: Fixed("64KiB"), start: "1s"),
        ),
    ],
    variants: [
        Variant(name: "peering", description: "a VPC peering per consumer to orders-provider, the estate as imported", architecture: Peering),
        Variant(
            name: "peering-sg-opened",
            description: "the same, with orders-backend admitting the consumers' range",
            architecture: Peering,
            remove: [SecurityGroup("orders-backend")],
            add: Elements(security_groups: [{sg}]),
        ),
        Variant(name: "privatelink", description: "an interface endpoint per consumer", architecture: PrivateLink),
    ],
    sweep: [Consumers([{consumers}])],
)
"#,
        azs = azs.join(", "),
        sg = opened_sg(estate)?,
        consumers = consumers.join(", "),
    );
    let path = dir.join("study.ron");
    std::fs::write(&path, text)?;
    let ls = study::load_file(&path)?;
    let mut rows = Vec::new();
    for p in study::points(&ls) {
        rows.push(study::point_row(&ls, &p, None)?);
    }
    Ok(rows)
}

/// The imported `orders-backend` security group with one more rule: port 443
/// from the consumers' range.
fn opened_sg(estate: &vpcsim::scenario::Scenario) -> Result<String, Box<dyn Error>> {
    let mut sg = estate
        .security_groups
        .iter()
        .find(|g| g.name == "orders-backend")
        .ok_or("the estate has the orders-backend security group")?
        .clone();
    let rule = r#"SgRule(peer: Cidr("172.16.0.0/12"), ports: "443", protocol: Tcp)"#;
    let ron = vpcsim::scenario::ron_options();
    sg.inbound.push(ron.from_str(rule)?);
    Ok(ron.to_string(&sg)?)
}

/// What the study must show on this estate.
pub fn check(rows: &[study::Row]) -> Result<(), Box<dyn Error>> {
    let row = |variant: &str, n: u32| -> Result<&study::Row, Box<dyn Error>> {
        rows.iter()
            .find(|r| r.variant == variant && r.consumers == Some(n))
            .ok_or_else(|| format!("no row {variant} × {n}").into())
    };
    // Delivers every attempt; its monthly bill.
    let delivers = |variant: &str, n: u32| -> Result<f64, Box<dyn Error>> {
        let r = row(variant, n)?;
        if r.attempts == 0 || r.denied != 0 || r.delivered != r.attempts {
            return Err(format!(
                "{variant} × {n}: {} of {} delivered, {} denied ({})",
                r.delivered, r.attempts, r.denied, r.top_denial_reason
            )
            .into());
        }
        Ok(r.monthly_cost_usd.parse()?)
    };
    if rows.len() != 3 * CONSUMERS.len() {
        return Err(format!("{} rows, expected {}", rows.len(), 3 * CONSUMERS.len()).into());
    }
    for n in CONSUMERS {
        let r = row("peering", n)?;
        if r.attempts == 0 || r.delivered != 0 || r.top_denial_reason != "SECURITY_GROUP_DENY" {
            return Err(format!(
                "peering × {n}: expected every attempt denied by the imported security group, got {} of {} delivered ({})",
                r.delivered, r.attempts, r.top_denial_reason
            )
            .into());
        }
    }
    let [few, many] = CONSUMERS;
    let gap_few = delivers("privatelink", few)? - delivers("peering-sg-opened", few)?;
    let gap_many = delivers("privatelink", many)? - delivers("peering-sg-opened", many)?;
    // An endpoint bills per AZ-hour whatever it carries; a peering has no
    // hourly charge, so each consumer adds to the gap.
    if !(gap_few > 0.0 && gap_many > gap_few) {
        return Err(format!(
            "expected PrivateLink to cost more, by more with more consumers: gap {gap_few:.2} at {few}, {gap_many:.2} at {many}"
        )
        .into());
    }
    Ok(())
}
