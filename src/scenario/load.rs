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

/// Reads, parses and validates a scenario file.
pub fn load_file(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let text = match crate::input::read_text(path, crate::input::Kind::Scenario) {
        Ok(t) => t,
        // Not text is a syntax error at the first byte that is not.
        Err(crate::input::InputError::NotText { line, col, .. }) => {
            return Err(ScenarioError::Syntax {
                file,
                line,
                col,
                message: "the file is not UTF-8 text (is it a binary file?)".to_string(),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let mut scenario = load_str(&text, &file)?;
    scenario.origin = Some(path.to_path_buf());
    let problems = check_referenced_files(&scenario, path.parent());
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid { file, problems });
    }
    Ok(scenario)
}

/// Files a scenario refers to (quota profile, pricebook, traces) must exist
/// and parse, and the pricebook must price every region and Direct Connect
/// speed the scenario uses; paths are relative to the scenario's folder.
fn check_referenced_files(s: &Scenario, dir: Option<&Path>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let at = |name: &str| match dir {
        Some(d) => d.join(name),
        None => Path::new(name).to_path_buf(),
    };
    if s.quotas.ends_with(".ron") {
        if let Err(e) = crate::quota::QuotaProfile::resolve(&s.quotas, dir) {
            problems.push(Problem {
                path: "quotas".to_string(),
                message: e.to_string(),
            });
        }
    }
    let pricebook = match s.pricebook.as_deref() {
        Some(pb) if pb.ends_with(".ron") => match crate::cost::Pricebook::load_file(at(pb)) {
            Ok(book) => Some(book),
            Err(e) => {
                problems.push(Problem {
                    path: "pricebook".to_string(),
                    message: e.to_string(),
                });
                None
            }
        },
        Some(name) => crate::cost::Pricebook::builtin(name),
        None => crate::cost::Pricebook::builtin(&format!("aws-{}", s.region)),
    };
    if problems.is_empty() {
        let gaps = crate::cost::coverage::gaps(s, pricebook.as_ref());
        problems.extend(gaps.into_iter().map(|g| Problem {
            path: g.path,
            message: g.message,
        }));
    }
    for (i, t) in s.traffic.iter().enumerate() {
        if let crate::scenario::Arrivals::Trace { file } = &t.arrivals {
            let path = at(file);
            let messages = match crate::dataplane::traffic::read_trace(&path) {
                Ok(rows) => super::trace_check::problems(s, t, &rows, &path.display().to_string()),
                Err(e) => vec![e.to_string()],
            };
            for message in messages {
                problems.push(Problem {
                    path: format!("traffic[{i}].arrivals.file"),
                    message,
                });
            }
        }
    }
    problems
}

/// Parses and validates scenario text; `file` names it in errors.
pub fn load_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    if super::syntax::is_blank(text.strip_prefix('\u{feff}').unwrap_or(text)) {
        return Err(ScenarioError::Syntax {
            file: file.to_string(),
            line: 1,
            col: 1,
            message: "the file is empty; a scenario starts with `Scenario(`".to_string(),
        });
    }
    let scenario: Scenario =
        super::syntax::parse(text, "Scenario").map_err(|e| ScenarioError::Syntax {
            file: file.to_string(),
            line: e.line,
            col: e.col,
            message: e.message,
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
