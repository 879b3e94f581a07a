//! Load the quickstart scenario, run it, and read its summary through the
//! public API.
//!
//! ```text
//!   account acme (222222222222)          account provider (111111111111)
//!  ┌──────────────────────────┐         ┌──────────────────────────────┐
//!  │ acme-app 10.0.0.0/16     │         │ orders-svc 10.0.0.0/16       │
//!  │  acme-web ×12            │         │  orders-nlb (az1, az2, az4)  │
//!  │   └─▶ endpoint ENIs ─────┼─ PL ───▶│   └─▶ orders-backend ×6      │
//!  └──────────────────────────┘         └──────────────────────────────┘
//!   account globex (333333333333): globex-app, same shape, zonal DNS
//! ```
//!
//! Run with `cargo run --example run_quickstart`.

use vpcsim::load;
use vpcsim::{report, sim};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.ron");
    let scenario = load::load_file(path)?;
    let result = sim::run(
        &scenario,
        &sim::RunOptions {
            quiet: true,
            ..Default::default()
        },
    )?;
    let s = &result.summary;
    println!(
        "{}: {} events over {} s of simulated time",
        s.scenario, s.events_processed, s.sim_duration_s
    );
    for t in &s.traffic {
        println!("  {:<16} {:>8} connections", t.name, t.connections);
    }

    // The fabric is there to inspect too: the endpoint's DNS names.
    let fabric = &result.fabric;
    let ep = fabric.endpoint("acme-orders").ok_or("acme-orders exists")?;
    println!(
        "  acme-orders regional name: {}",
        fabric.endpoints[ep.index()].dns_name
    );

    // Assertions: what the quickstart's header promises about its shape.
    assert_eq!(s.entities.vpcs, 3);
    assert_eq!(s.entities.interface_endpoints, 2);
    assert_eq!(s.traffic.len(), 2);
    assert!(s.traffic.iter().all(|t| t.connections > 0));
    // Determinism: running again gives the same summary, byte for byte.
    let again = sim::run(
        &scenario,
        &sim::RunOptions {
            quiet: true,
            ..Default::default()
        },
    )?;
    assert_eq!(
        report::summary_json(&result)?,
        report::summary_json(&again)?
    );
    Ok(())
}
