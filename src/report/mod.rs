//! Reports: the files a run writes (`summary.json`, CSV, charts, report.html).
//!
//! Every file is written atomically (a temporary file in the same folder,
//! then a rename), so a reader never sees a half-written output.
//!
//! Owns: output formats. Must not: recompute results; it formats what the
//! simulation measured.

pub mod charts;
pub mod html;
pub mod summary;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::sim::RunResult;

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
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `bytes` to `path` atomically: a temporary sibling file is written
/// and flushed, then renamed over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io(path))
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

/// Writes every output of a run into `dir`; returns the files written.
pub fn write_run(dir: &Path, result: &RunResult) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::new();
    let summary = dir.join("summary.json");
    write_atomic(&summary, summary_json(result)?.as_bytes())?;
    written.push(summary);
    Ok(written)
}
