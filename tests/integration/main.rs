//! Integration tests of vpcsim, one module per topic, linked into a single
//! test binary to keep link time down.

mod architecture;
mod bad_fixtures;
mod bench_scenarios;
mod check;
mod cli;
mod control_rules;
mod cost_rules;
mod endpoint_scaling;
mod explain_run;
mod faults;
mod fuzz;
mod gen;
mod hardening;
mod hostile_inputs;
mod import;
mod import_flow_logs;
mod invariants;
mod limits;
mod loading;
mod messages;
mod metering;
mod owned_outputs;
mod report_browser;
mod safe_outputs;
mod shipped_scenarios;
mod soak;
mod study;
mod trusted_inputs;
mod units_rule;

use std::path::Path;
use std::process::{Command, Output};

/// The `vpcsim` binary of this build.
pub fn vpcsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vpcsim"))
}

/// What a finished `vpcsim` command printed.
pub struct Ran {
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` and asserts that it exits with `code` (0 ok, 1 a check or an
/// expectation failed, 2 bad input) without a panic; on failure the message
/// shows `what` and the command's stderr.
#[track_caller]
pub fn exits(cmd: &mut Command, code: i32, what: &str) -> Ran {
    let out: Output = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start {cmd:?}: {e}"));
    let ran = Ran {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!ran.stderr.contains("panicked"), "{what}: {}", ran.stderr);
    assert_eq!(out.status.code(), Some(code), "{what}: {}", ran.stderr);
    ran
}

/// `vpcsim baseline` of `scenario` into `out`, which must succeed.
#[track_caller]
pub fn write_baseline(scenario: &Path, out: &Path) {
    exits(
        vpcsim()
            .args(["baseline", "-q"])
            .arg(scenario)
            .arg("--out")
            .arg(out),
        0,
        &format!("baseline of {}", scenario.display()),
    );
}
