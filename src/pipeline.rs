//! The pipeline every command runs: load → run → judge → write.
//!
//! ```text
//! scenario.ron ─load─▶ Loaded ─run─▶ RunResult ─judge─▶ RunResult + expectations ─write─▶ output folder
//! ```
//!
//! `vpcsim run`, `check`, `baseline`, `sweep` and `compare` all go through
//! these steps, so a scenario gives the same results whichever command runs
//! it.
//!
//! Owns: the order of the steps. Must not: simulate (sim does), judge
//! (expect does) or format (report does).

use std::path::{Path, PathBuf};

use crate::load::{self, LoadOptions, Loaded};
use crate::report::{self, ReportError};
use crate::results::RunResult;
use crate::scenario::ScenarioError;
use crate::sim::{self, RunError, RunOptions};

/// Why a step of the pipeline failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    #[error(transparent)]
    Load(#[from] ScenarioError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Write(#[from] ReportError),
}

/// Loads a scenario file and everything it refers to.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Loaded, ScenarioError> {
    load::load_file_with(path, opts)
}

/// Runs a loaded scenario and judges its expectations.
pub fn run(loaded: &Loaded, opts: &RunOptions) -> Result<RunResult, RunError> {
    let mut result = sim::run(loaded, opts)?;
    judge(loaded, &mut result);
    Ok(result)
}

/// Judges the scenario's expectations against a result (into
/// `summary.expectations`).
pub fn judge(loaded: &Loaded, result: &mut RunResult) {
    result.summary.expectations = crate::expect::evaluate(loaded.scenario(), result);
}

/// Writes a result's files into `dir`; returns the files written.
pub fn write(dir: &Path, result: &RunResult) -> Result<Vec<PathBuf>, ReportError> {
    report::write_run(dir, result)
}

/// Loads and runs a scenario file (judged, not written).
pub fn run_file(
    path: &Path,
    load_opts: &LoadOptions,
    opts: &RunOptions,
) -> Result<RunResult, PipelineError> {
    let loaded = load(path, load_opts)?;
    Ok(run(&loaded, opts)?)
}
