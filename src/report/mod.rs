//! Reports: the files a run writes (`summary.json`, CSV, charts, report.html).
//!
//! Every file is written atomically (a temporary file in the same folder,
//! created exclusively, then a rename), so a reader never sees a
//! half-written output, and a run's folder is staged and swapped in whole
//! ([`folder`]), so it holds exactly one run's complete outputs. A run
//! interrupted mid-write leaves at most temporaries, which later runs
//! remove ([`stale`]).
//!
//! Owns: output formats. Must not: recompute results; it formats what the
//! simulation measured.

pub mod assemble;
pub mod charts;
pub mod folder;
pub mod html;
pub mod human;
pub mod stale;
pub mod text;
pub mod timeline;

pub use text::text_summary;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::results::RunResult;
use crate::units::Bandwidth;

/// Why outputs could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error("{path}: cannot write: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode {what}: {message}")]
    Encode { what: String, message: String },
    #[error(transparent)]
    Chart(Box<charts::ChartError>),
}

impl From<charts::ChartError> for ReportError {
    fn from(e: charts::ChartError) -> Self {
        ReportError::Chart(Box::new(e))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `bytes` to `path` atomically: a temporary sibling file is created
/// exclusively (never through a planted symlink), written and flushed, then
/// renamed over `path`. A `path` that is a device, FIFO or socket (or a
/// symlink to one) is refused: it is never replaced by a regular file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    refuse_special(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (tmp, mut f) = stale::create_temp(dir, &name, "").map_err(io(path))?;
    let result = (|| {
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io(path))
}

/// Refuses to replace anything at `path` but a regular file (a folder
/// fails at the rename with its own error).
fn refuse_special(path: &Path) -> Result<(), ReportError> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let kind = meta.file_type();
    if kind.is_file() || kind.is_dir() {
        return Ok(());
    }
    Err(ReportError::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(format!(
            "is {}, not a regular file; vpcsim writes only regular files (give a file path)",
            crate::input::describe(kind)
        )),
    })
}

/// The summary as pretty JSON with a trailing newline.
pub fn summary_json(result: &RunResult) -> Result<String, ReportError> {
    let mut s = serde_json::to_string_pretty(&result.summary).map_err(|e| ReportError::Encode {
        what: "summary.json".to_string(),
        message: e.to_string(),
    })?;
    s.push('\n');
    Ok(s)
}

/// `connectivity.csv`: one row per (traffic class, source, target, path,
/// outcome, reason) with its count and the hint of the first denial.
pub fn connectivity_csv(result: &RunResult) -> Result<String, ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let enc = |e: csv::Error| ReportError::Encode {
        what: "connectivity.csv".to_string(),
        message: e.to_string(),
    };
    w.write_record([
        "traffic", "source", "target", "path", "outcome", "reason", "count", "hint",
    ])
    .map_err(enc)?;
    for (k, n) in &result.connectivity {
        let (outcome, reason, hint) = match k.reason {
            None => ("delivered", "", ""),
            Some(r) => (
                "denied",
                r.code(),
                result
                    .hints
                    .get(&(k.traffic.clone(), r))
                    .map(String::as_str)
                    .unwrap_or(""),
            ),
        };
        w.write_record([
            &k.traffic,
            &k.source,
            &k.target,
            k.path.name(),
            outcome,
            reason,
            &n.to_string(),
            hint,
        ])
        .map_err(enc)?;
    }
    let bytes = w.into_inner().map_err(|e| ReportError::Encode {
        what: "connectivity.csv".to_string(),
        message: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| ReportError::Encode {
        what: "connectivity.csv".to_string(),
        message: e.to_string(),
    })
}

fn csv_text(what: &str, rows: Vec<Vec<String>>) -> Result<String, ReportError> {
    csv_string(rows).map_err(|message| ReportError::Encode {
        what: what.to_string(),
        message,
    })
}

/// The CSV text of `rows` (quoting as needed); the error says what failed.
pub(crate) fn csv_string(rows: impl IntoIterator<Item = Vec<String>>) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(&r).map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// `bill.csv`: one row per line item, exact amounts, with the line's AWS
/// Cost and Usage Report usage type and the rule set that priced it.
pub fn bill_csv(result: &RunResult) -> Result<String, ReportError> {
    let rules = result
        .bill
        .rules
        .as_ref()
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let mut rows = vec![[
        "account",
        "category",
        "resource",
        "az",
        "detail",
        "region",
        "usage",
        "unit",
        "rate_usd",
        "usd",
        "tier",
        "usage_type",
        "rules",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect::<Vec<_>>()];
    for l in &result.bill.lines {
        rows.push(vec![
            l.account.clone(),
            l.category.as_str().to_string(),
            l.resource.clone(),
            l.az.clone().unwrap_or_default(),
            l.detail.clone().unwrap_or_default(),
            l.region.clone(),
            l.usage.normalize().to_string(),
            csv_unit(l.unit).to_string(),
            l.rate.amount().normalize().to_string(),
            l.usd.amount().normalize().to_string(),
            l.tier.as_deref().map(csv_tier).unwrap_or_default(),
            l.usage_type.clone(),
            rules.clone(),
        ]);
    }
    csv_text("bill.csv", rows)
}

/// The `unit` column of `bill.csv`. AWS's "GB" is 2^30 bytes, so the CSV
/// names it by what it is, `GiB`, as every other output does (the unit rule
/// of [`human`]).
fn csv_unit(unit: crate::cost::Unit) -> &'static str {
    match unit {
        crate::cost::Unit::Gb => "GiB",
        crate::cost::Unit::Hours => "hours",
        crate::cost::Unit::NlcuHours => "nlcu-hours",
    }
}

/// A tier label in `bill.csv`: the bill's `"0-1048576 GB"` (AWS's GB) as
/// `"0-1048576 GiB"`, the same quantity named by the unit rule.
fn csv_tier(tier: &str) -> String {
    match tier.strip_suffix(" GB") {
        Some(range) => format!("{range} GiB"),
        None => tier.to_string(),
    }
}

/// `timeseries.csv`: per sample and reported resource, throughput and capacity.
pub fn timeseries_csv(result: &RunResult) -> Result<String, ReportError> {
    let mut rows = vec![[
        "time_s",
        "resource",
        "kind",
        "throughput_bps",
        "capacity_bps",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect::<Vec<_>>()];
    for s in &result.timeseries {
        for (t, bps, cap) in &s.samples {
            rows.push(vec![
                format!("{}", t.as_secs_f64()),
                s.name.clone(),
                s.kind.to_string(),
                format!("{:.0}", bps),
                // A resource with no ceiling has no capacity figure.
                if Bandwidth(*cap).is_unbounded() {
                    String::new()
                } else {
                    cap.to_string()
                },
            ]);
        }
    }
    csv_text("timeseries.csv", rows)
}

/// Writes every output of a run as the folder `dir`, replacing a previous
/// run's folder whole ([`folder::replace_with`]); returns the files written.
pub fn write_run(dir: &Path, result: &RunResult) -> Result<Vec<PathBuf>, ReportError> {
    folder::replace_with(dir, |stage| {
        let files = write_files(stage, result)?;
        Ok(files
            .iter()
            .map(|f| dir.join(f.strip_prefix(stage).unwrap_or(f)))
            .collect())
    })
}

/// Writes every output of a run into the (fresh) folder `dir`.
fn write_files(dir: &Path, result: &RunResult) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::new();
    let summary = dir.join("summary.json");
    write_atomic(&summary, summary_json(result)?.as_bytes())?;
    written.push(summary);
    let conn = dir.join("connectivity.csv");
    write_atomic(&conn, connectivity_csv(result)?.as_bytes())?;
    written.push(conn);
    let bill = dir.join("bill.csv");
    write_atomic(&bill, bill_csv(result)?.as_bytes())?;
    written.push(bill);
    let ts = dir.join("timeseries.csv");
    write_atomic(&ts, timeseries_csv(result)?.as_bytes())?;
    written.push(ts);
    if let Some(log) = &result.connection_log {
        let path = dir.join("connections.csv");
        let text = log.csv(&result.fabric).map_err(|e| ReportError::Encode {
            what: "connections.csv".to_string(),
            message: e.to_string(),
        })?;
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    let meta = assemble::chart_meta(result);
    let chart_files = charts::render_all(dir, &meta, &assemble::chart_data(result))?;
    // report.html inlines the SVGs just written (no second rendering).
    let mut svgs = Vec::new();
    for path in chart_files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
    {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(kind) = charts::ChartKind::ALL.iter().find(|k| k.name() == stem) {
            let svg = std::fs::read_to_string(path).map_err(io(path))?;
            svgs.push((kind.title().to_string(), svg));
        }
    }
    written.extend(chart_files);
    let html = dir.join("report.html");
    write_atomic(
        &html,
        html::report_html(&meta, &assemble::report_sections(result, svgs)).as_bytes(),
    )?;
    written.push(html);
    Ok(written)
}
