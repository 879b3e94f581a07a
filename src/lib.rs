//! # vpcsim — a deterministic simulator of the AWS VPC / PrivateLink fabric
//!
//! vpcsim replays traffic scenarios (RON files) over a model of regions,
//! Availability Zones, accounts, VPCs, endpoint services, interface and
//! gateway endpoints, peering, Transit Gateway, NAT and Direct Connect, and
//! reports bandwidth, cost and connectivity outcomes.
//!
//! ## Map of the code
//! ```text
//! scenario.ron ─▶ load::load_file ─▶ Loaded (scenario validated + the files it names)
//!                                      │
//!                                      ▼
//!                                Fabric::build   (typed tables, dense ids, petgraph wiring)
//!                                      │
//!                                      ▼
//!                                sim::run ─▶ RunResult   (engine + control + dataplane + meters)
//!                                      │
//!                                      ▼
//!                                report::write ─▶ summary.json, CSV, charts, report.html
//! ```
//! | module | owns |
//! | --- | --- |
//! | [`units`] | time (u64 ns), bytes, bandwidth, exact dollars; human-unit parsing |
//! | [`input`] | bounded reading of every input file (regular files within a cap per kind) |
//! | [`scenario`] | the RON schema, parsing with positioned errors, validation |
//! | [`quota`] | quota profiles (`faq`, `aws-current`) as RON data |
//! | [`fabric`] | the static topology graph with dense ids |
//! | [`import`] | Terraform plans, AWS describe output and VPC Flow Logs → scenario RON and traces |
//! | [`engine`] | the generic discrete-event core: queue, clock, RNG streams |
//! | [`control`] | control-plane semantics: DNS, reachability, policies, lifecycles |
//! | [`dataplane`] | flows, max-min fair sharing, capacities, traffic generators |
//! | [`cost`] | pricebook, usage meters, the bill |
//! | [`load`] | a scenario and the files it names (quota profile, pricebook, traces), each read once |
//! | [`limits`] | caps on a run's size, checked before it is built |
//! | [`sim`] | assembles a run from the parts above |
//! | [`explain`] | one connection, hop by hop (`vpcsim explain`) |
//! | [`expect`] | the scenario's expectations judged against a run |
//! | [`check`] | a run compared with a committed baseline summary (`vpcsim check`) |
//! | [`report`] | summary.json, CSV, charts, report.html |
//! | [`study`] | variants, sweeps, shards, comparisons over many runs |
//!
//! ## Ten-line tutorial
//! ```no_run
//! use vpcsim::{load, sim};
//! let scenario = load::load_file("scenarios/quickstart.ron").expect("valid scenario");
//! let result = sim::run(&scenario, &sim::RunOptions::default()).expect("run");
//! println!("{} events", result.summary.events_processed);
//! ```

pub mod check;
pub mod connection_log;
pub mod control;
pub mod cost;
pub mod dataplane;
pub mod engine;
pub mod expect;
pub mod explain;
pub mod fabric;
pub mod import;
pub mod input;
pub mod limits;
pub mod load;
pub mod pipeline;
pub mod quota;
pub mod report;
pub mod results;
pub mod scenario;
pub mod sim;
pub mod study;
pub mod units;
