//! Study charts (placeholder until the shared chart setup lands).

use std::path::{Path, PathBuf};

use super::compare::Comparison;
use super::StudyError;

/// Writes the study charts into `dir`; returns the files written.
pub fn write_charts(_dir: &Path, _c: &Comparison) -> Result<Vec<PathBuf>, StudyError> {
    Ok(Vec::new())
}
