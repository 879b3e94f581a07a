//! Loading: a scenario file and every file it names (quota profile,
//! pricebook, traces), each read once, into a [`Loaded`] — the only value a
//! run, `explain` or a study point is assembled from.
//!
//! The loader sits above the modules whose values it holds: `scenario` is
//! the schema every module reads, `quota`, `cost` and `dataplane` parse the
//! files it names, and this module ties them together. So `scenario` imports
//! none of them and no import circle runs through the schema.
//!
//! Owns: reading files (through a [`FileSource`]), the checks that need a
//! named file or another module's catalogue (builtin quota profiles and
//! pricebooks, trace rows), and [`Loaded`]'s constructors. Must not: build
//! the fabric, price or simulate anything.

mod files;
mod loaded;
mod trace_check;

use std::path::Path;

use crate::input::{InputError, Kind};
use crate::scenario::{self, Problem, Scenario, ScenarioError, Valid};

pub use files::{Disk, FileSource, LoadOptions};
pub use loaded::Loaded;

/// Reads, parses and validates a scenario file, and reads the files it
/// refers to (paths relative to the scenario's folder).
pub fn load_file(path: impl AsRef<Path>) -> Result<Loaded, ScenarioError> {
    load_file_with(path, &LoadOptions::default())
}

/// [`load_file`] with options: a pricebook override, or another file source.
pub fn load_file_with(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<Loaded, ScenarioError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let text = match files::read_text(opts.source(), path, Kind::Scenario) {
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
    let mut scenario = scenario::parse_syntax(&text, &file)?;
    scenario.origin = Some(path.to_path_buf());
    Loaded::from_parsed(scenario, &file, opts)
}

/// Parses and validates scenario text and reads the files it refers to
/// (relative to the working directory); `file` names it in errors.
pub fn load_str(text: &str, file: &str) -> Result<Loaded, ScenarioError> {
    let scenario = scenario::parse_syntax(text, file)?;
    Loaded::from_parsed(scenario, file, &LoadOptions::default())
}

/// Every problem the loader refuses before reading a file: the schema's
/// ([`scenario::validate`]) and the named files' ([`reference_problems`]).
/// Empty means the scenario loads unless a file it names is unreadable or
/// malformed.
pub fn validate(s: &Scenario) -> Vec<Problem> {
    let mut problems = scenario::validate(s);
    problems.extend(reference_problems(s));
    problems
}

/// Problems of the names of the files a scenario refers to: a quota profile
/// or pricebook must be builtin or a path to a `.ron` file.
pub fn reference_problems(s: &Scenario) -> Vec<Problem> {
    let mut out = Vec::new();
    if crate::quota::QuotaProfile::builtin(&s.quotas).is_none() && !s.quotas.ends_with(".ron") {
        out.push(Problem {
            path: "quotas".to_string(),
            message: format!(
                "unknown quota profile {:?}; builtin profiles: {}, or a path to a .ron file",
                s.quotas,
                crate::quota::QuotaProfile::builtin_names().join(", ")
            ),
        });
    }
    if let Some(pb) = &s.pricebook {
        if crate::cost::Pricebook::builtin(pb).is_none() && !pb.ends_with(".ron") {
            out.push(Problem {
                path: "pricebook".to_string(),
                message: format!(
                    "unknown pricebook {pb:?}; builtin pricebooks: {}, or a path to a .ron file",
                    crate::cost::Pricebook::builtin_names().join(", ")
                ),
            });
        }
    }
    out
}

/// Validates a parsed scenario, its file names included.
fn valid(scenario: Scenario, file: &str) -> Result<Valid, ScenarioError> {
    let more = reference_problems(&scenario);
    Valid::new(scenario, file, more)
}
