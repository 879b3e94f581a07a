//! The check report as JSON (`--format json`): the [`CheckReport`] itself,
//! pretty-printed, for scripts.

use super::CheckReport;

/// Renders the report as pretty JSON with a trailing newline.
pub fn render(r: &CheckReport) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(r)?;
    s.push('\n');
    Ok(s)
}
