//! Parsing scenario text into [`Scenario`] values, with positioned errors.

use std::fmt;
use std::path::Path;

use super::files::{read_text, LoadOptions};
use super::loaded::Loaded;
use super::schema::Scenario;
use super::syntax::ron_options;
use super::validate::validate;
use crate::input::{InputError, Kind};

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
    /// The file is not a regular file within its size cap, or not text.
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
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

/// Reads, parses and validates a scenario file, and reads the files it
/// refers to (paths relative to the scenario's folder).
pub fn load_file(path: impl AsRef<Path>) -> Result<Loaded, ScenarioError> {
    load_file_with(path, &LoadOptions::default())
}

/// [`load_file`] with options: a pricebook override, or another file source.
pub fn load_file_with(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<Loaded, ScenarioError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let text = match read_text(opts.source(), path, Kind::Scenario) {
        Ok(t) => t,
        // Not text is a syntax error at the first byte that is not.
        Err(InputError::NotText { line, col, .. }) => {
            return Err(ScenarioError::Syntax {
                file,
                line,
                col,
                message: "the file is not UTF-8 text (is it a binary file?)".to_string(),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let mut scenario = parse_str(&text, &file)?;
    scenario.origin = Some(path.to_path_buf());
    Loaded::from_valid(scenario, &file, opts)
}

/// Parses and validates scenario text and reads the files it refers to
/// (relative to the working directory); `file` names it in errors.
pub fn load_str(text: &str, file: &str) -> Result<Loaded, ScenarioError> {
    let scenario = parse_str(text, file)?;
    Loaded::from_valid(scenario, file, &LoadOptions::default())
}

/// Parses and validates scenario text without reading the files it refers
/// to; `file` names it in errors. [`Loaded::new`] completes it.
pub fn parse_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    if is_blank(text) {
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
            .map_err(|e: ron::error::SpannedError| {
                // A file cut short shows up as an odd error at its very end:
                // if nothing but blanks and comments follows the error, say so.
                let rest = offset_of(text, e.span.end.line, e.span.end.col).map(|o| &text[o..]);
                let message = match rest {
                    Some(r) if is_blank(r) && !matches!(e.code, ron::Error::Eof) => format!(
                        "unexpected end of file: the scenario stops here ({}); a bracket or parenthesis is not closed",
                        explain_ron(&e.code)
                    ),
                    _ => explain_ron(&e.code),
                };
                ScenarioError::Syntax {
                    file: file.to_string(),
                    line: e.span.start.line,
                    col: e.span.start.col,
                    message,
                }
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

/// Whether `text` holds nothing but whitespace and RON comments.
fn is_blank(text: &str) -> bool {
    let mut rest = text.trim_start();
    loop {
        if rest.is_empty() {
            return true;
        }
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map(|i| &r[i..]).unwrap_or("").trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            match r.find("*/") {
                Some(i) => rest = r[i + 2..].trim_start(),
                None => return true,
            }
        } else {
            return false;
        }
    }
}

/// Byte offset of a 1-based (line, column) position, columns counted in chars.
fn offset_of(text: &str, line: usize, col: usize) -> Option<usize> {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let within: usize = l
                .chars()
                .take(col.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return Some(offset + within);
        }
        offset += l.len();
    }
    (line > 0).then_some(text.len())
}
