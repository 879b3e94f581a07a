//! Parsing scenario text into [`Scenario`] values, with positioned errors,
//! and [`Valid`], the proof that a scenario passed [`validate`].

use std::fmt;

use super::schema::Scenario;
use super::validate::validate;

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

/// Parses and validates scenario text without reading the files it refers
/// to; `file` names it in errors. The loader ([`crate::load`]) completes it.
pub fn parse_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    Valid::new(parse_syntax(text, file)?, file, Vec::new()).map(Valid::into_scenario)
}

/// Parses scenario text (syntax, types, units) without judging its meaning.
pub fn parse_syntax(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    if super::syntax::is_blank(text.strip_prefix('\u{feff}').unwrap_or(text)) {
        return Err(ScenarioError::Syntax {
            file: file.to_string(),
            line: 1,
            col: 1,
            message: "the file is empty; a scenario starts with `Scenario(`".to_string(),
        });
    }
    super::syntax::parse(text, "Scenario").map_err(|e| ScenarioError::Syntax {
        file: file.to_string(),
        line: e.line,
        col: e.col,
        message: e.message,
    })
}

/// A scenario that passed [`validate`]: only [`Valid::new`] makes one, so
/// holding one proves every name resolves, every CIDR nests and every time
/// lies inside the run — what [`Fabric::build`](crate::fabric::Fabric::build)
/// relies on.
#[derive(Debug, Clone)]
pub struct Valid(Scenario);

impl Valid {
    /// Validates `scenario`; `more` are problems the caller found beside
    /// (the loader's checks of the files it names), reported with
    /// validation's in one error naming `file`.
    pub fn new(scenario: Scenario, file: &str, more: Vec<Problem>) -> Result<Valid, ScenarioError> {
        let mut problems = validate(&scenario);
        problems.extend(more);
        if problems.is_empty() {
            Ok(Valid(scenario))
        } else {
            Err(ScenarioError::Invalid {
                file: file.to_string(),
                problems,
            })
        }
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.0
    }

    /// Gives the scenario back (to change it and validate it again).
    pub fn into_scenario(self) -> Scenario {
        self.0
    }
}

/// A valid scenario reads as its scenario (read-only).
impl std::ops::Deref for Valid {
    type Target = Scenario;
    fn deref(&self) -> &Scenario {
        &self.0
    }
}
