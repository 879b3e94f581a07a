//! Import: an existing estate as a scenario.
//!
//! ```text
//!  terraform show -json  ─▶ terraform ─┐
//!  aws ec2 describe-* …  ─▶ aws ───────┼─▶ Estate ─▶ build ─▶ Scenario ─▶ ron_writer ─▶ scenario.ron
//!                                      │                 └─▶ addresses.csv (ENIs, IPs)
//!  VPC Flow Logs + scenario ─▶ flow_logs ─▶ trace CSVs + traffic classes ─▶ scenario.ron
//! ```
//!
//! Readers turn their input into an [`estate::Estate`] (AWS terms: ids,
//! references by key); the builder names the elements, maps them to the
//! schema and reports what the schema cannot say; the RON writer formats the
//! result with a provenance comment per element and the report at the top.
//! The written text is loaded back with [`scenario::parse_str`], so an import
//! that succeeds is a scenario that validates.
//!
//! Import sits before the scenario: it produces files a person can read and
//! edit, and nothing downstream knows where a scenario came from.
//!
//! Owns: the readers, the import report and the RON writer. Must not:
//! simulate or price anything.

pub mod aws;
mod build;
pub mod estate;
pub mod flow_logs;

mod json;
pub mod naming;
pub mod report;
pub mod ron_writer;
mod rules;
pub mod terraform;

use std::path::Path;

pub use build::{AddressRow, BuildOptions};
pub use report::{ImportReport, Note, NoteKind};

use crate::scenario::{self, Scenario};

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Refused by the bounded reader (not a regular file, above the cap).
    #[error("{0}")]
    Input(#[from] crate::input::InputError),
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// Not JSON (or not the text format expected): `file:line:col`.
    #[error("{file}:{line}:{col}: {message}")]
    Syntax {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    /// A value of the wrong type or a missing field, by JSON path.
    #[error("{file}: at {path}: expected {expected}, found {found}")]
    Shape {
        file: String,
        path: String,
        expected: String,
        found: String,
    },
    /// The input is not what the command reads (another format or version).
    #[error("{file}: {message}")]
    Format { file: String, message: String },
    /// The written scenario does not validate (a bug of the import, or an
    /// input the scenario rules refuse); the text is kept for inspection.
    #[error("{file}: the imported scenario does not validate: {message}")]
    Invalid {
        file: String,
        message: String,
        text: String,
    },
}

/// An imported scenario: the value, its text, the report and the addresses.
#[derive(Debug, Clone)]
pub struct Imported {
    pub scenario: Scenario,
    /// The RON text to write.
    pub text: String,
    pub report: ImportReport,
    pub addresses: Vec<AddressRow>,
}

/// Builds, writes and validates the scenario of an estate.
pub fn finish(
    estate: &estate::Estate,
    opts: &BuildOptions,
    mut report: ImportReport,
) -> Result<Imported, ImportError> {
    let input = report.input.clone();
    if estate.vpcs.is_empty() {
        let left: Vec<String> = report
            .notes
            .iter()
            .take(3)
            .map(|n| format!("{}: {}", n.source, n.message))
            .collect();
        return Err(ImportError::Format {
            file: input,
            message: format!(
                "no VPC in the input, so nothing to simulate: expected `aws ec2 describe-vpcs` output (import aws) or `aws_vpc` resources (import terraform); see docs/import.md{}",
                if left.is_empty() {
                    String::new()
                } else {
                    format!("; left out: {}", left.join("; "))
                }
            ),
        });
    }
    let built = build::build(estate, opts, &mut report).map_err(|message| ImportError::Format {
        file: input.clone(),
        message,
    })?;
    let mut header = report.lines();
    header.push(String::new());
    header.push("Each element's source is in the comment above it.".to_string());
    let text =
        ron_writer::write_scenario(&built.scenario, &header, &built.comments).map_err(|e| {
            ImportError::Format {
                file: input.clone(),
                message: e.to_string(),
            }
        })?;
    let scenario = scenario::parse_str(&text, &format!("{}.ron", opts.name)).map_err(|e| {
        ImportError::Invalid {
            file: input.clone(),
            message: e.to_string(),
            text: text.clone(),
        }
    })?;
    Ok(Imported {
        scenario,
        text,
        report,
        addresses: built.addresses,
    })
}

/// The address list as CSV (`kind,name,eni,ip,source`), written next to an
/// imported scenario as `<stem>.addresses.csv` for `import flow-logs`.
pub fn addresses_csv(rows: &[AddressRow]) -> Result<String, ImportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(|e| ImportError::Format {
            file: "addresses".into(),
            message: e.to_string(),
        })?;
    }
    let bytes = w.into_inner().map_err(|e| ImportError::Format {
        file: "addresses".into(),
        message: e.to_string(),
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The address file that belongs to a scenario file: `x.ron` → `x.addresses.csv`.
pub fn addresses_path(scenario: &Path) -> std::path::PathBuf {
    scenario.with_extension("addresses.csv")
}

/// A scenario name from an input path (`plans/prod.json` → `prod`).
pub fn name_from_path(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = naming::clean(&stem, "imported");
    let name = name.trim_start_matches('.').to_string();
    if name.is_empty() {
        "imported".into()
    } else {
        name
    }
}
