//! Integration tests of vpcsim, one module per topic, linked into a single
//! test binary to keep link time down.

mod bad_fixtures;
mod bench_scenarios;
mod check;
mod cli;
mod control_rules;
mod cost_rules;
mod faults;
mod fuzz;
mod gen;
mod hardening;
mod hostile_inputs;
mod import;
mod import_flow_logs;
mod invariants;
mod limits;
mod messages;
mod owned_outputs;
mod report_browser;
mod safe_outputs;
mod shipped_scenarios;
mod study;
mod trusted_inputs;
