//! Studies: one traffic, several architectures.
//!
//! A study (a RON file, `Study(...)`) starts from a base scenario, generates
//! consumer VPCs from templates, applies named variants (architecture, DNS
//! choice, quota profile, pricebook, elements added or removed) and sweeps
//! axes (number of consumers, offered load, share of zonal-name clients,
//! AZs per consumer, replications). Every combination is a *point*: one
//! ordinary scenario, run by [`sim::run`](crate::sim::run) and reduced to one
//! row of figures (connections, denials and their reasons, monthly cost by
//! category, cross-AZ bytes, peak utilisation, p99 FCT).
//!
//! ```text
//!  study.ron ─▶ load ─▶ points (variant × axes × replication, seeded from coordinates)
//!                          │  scenario_for(point): base + variant + templates + load
//!                          ▼
//!               rayon pool: sim::run ─▶ Row (the RunResult is dropped here)
//!                          │
//!                          ▼
//!        study.csv, study.json, study-stats.csv, points/<id>/…, charts
//! ```
//!
//! Owns: the study format, point enumeration and seeding, sharding and
//! merging, comparison tables and study charts. Must not: reach inside a
//! run; it builds scenarios and reads summaries, bills and series.
//!
//! Determinism: a point's seed depends only on the study seed and the
//! point's coordinates; rows are sorted by point index before any table is
//! written, so outputs are byte-identical for any `--jobs` and any sharding.

pub mod charts;
pub mod compare;
mod expand;
mod load;
mod row;
mod spec;
mod sweep;
mod trust;

pub use expand::{in_shard, loaded_for, point_seed, points, scale_arrivals, scenario_for, Point};
pub use load::{
    check_points, load_file, load_str, looks_like_study, replication_count, MAX_POINTS,
};
pub use row::{
    csv_header, mean_ci, pooled_quantile, r6, read_study_json, replication_groups, stats,
    stats_csv, study_csv, study_json, t975, Feasibility, Row, Stat, StudyInfo, STAT_METRICS,
    STUDY_SCHEMA_VERSION,
};
pub use spec::{
    Architecture, Axis, Base, CidrPlan, Element, Elements, LoadedStudy, Shared, Study, Template,
    TrafficSpec, Variant,
};
pub use sweep::{
    fingerprint, merge, parse_shard, point_row, read_sweep_dir, run_point, run_points, study_info,
    sweep, write_tables, ShardManifest, SweepOptions, SweepReport,
};

use crate::report::ReportError;
use crate::scenario::{Problem, ScenarioError};
use crate::sim::RunError;

/// Why a study could not be loaded, run or merged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// An input file is not a regular file within its size cap, or not text.
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    /// Not a well-formed study: `file:line:col`.
    #[error("{file}:{line}:{col}: {message}")]
    Syntax {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    /// Well-formed but meaningless: every problem, with its field path.
    #[error("{file}: {} problem{} in the study:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, list(problems))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
    /// The base scenario file does not load.
    #[error("{file}: base scenario: {source}")]
    Base {
        file: String,
        #[source]
        source: Box<ScenarioError>,
    },
    /// The scenario generated for a point is not valid.
    #[error("point {point}: the generated scenario has {} problem{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, list(problems))]
    Point {
        point: String,
        problems: Vec<Problem>,
    },
    /// A point's run failed.
    #[error("point {point}: {source}")]
    Run {
        point: String,
        #[source]
        source: Box<RunError>,
    },
    /// Some points failed (each message names its point).
    #[error("{failed} of {} failed:\n{}", crate::report::human::count(*of as u64, "point"), messages.join("\n"))]
    Points {
        failed: usize,
        of: usize,
        messages: Vec<String>,
    },
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("cannot encode {what}: {message}")]
    Encode { what: String, message: String },
    #[error("merge: {message}")]
    Merge { message: String },
    #[error("cannot start the worker pool: {0}")]
    Pool(String),
    #[error("compare: {0}")]
    Compare(String),
    #[error("chart {0}")]
    Chart(String),
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}
