//! Parsing scenario text into [`Scenario`] values, with positioned errors.

use std::fmt;
use std::path::Path;

use ron::extensions::Extensions;

use super::schema::Scenario;
use super::validate::validate;

/// The RON options every vpcsim data file is read with.
///
/// `implicit_some` is on: an optional field is written as its plain value
/// (`private_dns_name: PrivateDnsName(...)`), never as `Some(...)`; writing
/// `Some(...)` is still accepted.
pub fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME)
}

/// A problem with the meaning of a scenario: where (field path) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Field path, e.g. `vpcs[2].subnets[0].az`.
    pub path: String,
    /// What is wrong, with a hint when one helps.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The text is not a well-formed scenario (syntax, types, unknown fields,
    /// bad units): `file:line:col`.
    #[error("{file}:{line}:{col}: {message}")]
    Syntax {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    /// The scenario is well-formed but means something impossible: every
    /// problem found, one per line.
    #[error("{file}: {} problem{} in the scenario:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, list(problems))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Largest scenario file accepted, so that a stray huge file fails fast.
pub const MAX_SCENARIO_BYTES: u64 = 64 * 1024 * 1024;

/// Reads, parses and validates a scenario file.
pub fn load_file(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| ScenarioError::Io {
        file: file.clone(),
        source,
    })?;
    if meta.len() > MAX_SCENARIO_BYTES {
        return Err(ScenarioError::Syntax {
            file,
            line: 1,
            col: 1,
            message: format!(
                "file is {} bytes; scenarios are limited to {MAX_SCENARIO_BYTES} bytes",
                meta.len()
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Io {
        file: file.clone(),
        source,
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, col) = position_of(e.as_bytes(), e.utf8_error().valid_up_to());
            return Err(ScenarioError::Syntax {
                file,
                line,
                col,
                message: "the file is not UTF-8 text (is it a binary file?)".to_string(),
            });
        }
    };
    let mut scenario = load_str(&text, &file)?;
    scenario.origin = Some(path.to_path_buf());
    Ok(scenario)
}

/// Parses and validates scenario text; `file` names it in errors.
pub fn load_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    if text.trim().is_empty() {
        return Err(ScenarioError::Syntax {
            file: file.to_string(),
            line: 1,
            col: 1,
            message: "the file is empty; a scenario starts with `Scenario(`".to_string(),
        });
    }
    let scenario: Scenario =
        ron_options()
            .from_str(text)
            .map_err(|e: ron::error::SpannedError| ScenarioError::Syntax {
                file: file.to_string(),
                line: e.span.start.line,
                col: e.span.start.col,
                message: explain_ron(&e.code),
            })?;
    let problems = validate(&scenario);
    if problems.is_empty() {
        Ok(scenario)
    } else {
        Err(ScenarioError::Invalid {
            file: file.to_string(),
            problems,
        })
    }
}

/// ron's message, with a hint where the raw one is cryptic.
fn explain_ron(code: &ron::Error) -> String {
    use ron::Error as E;
    match code {
        E::Eof => "unexpected end of file: a bracket or parenthesis is not closed".to_string(),
        E::ExpectedDifferentStructName { expected, found } => format!(
            "expected `{expected}(` here but found `{found}(`; the top level of a scenario file is `Scenario(`"
        ),
        other => other.to_string(),
    }
}

/// 1-based line and column of byte offset `at` in `bytes`.
fn position_of(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, col)
}
