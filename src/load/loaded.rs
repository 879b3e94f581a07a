//! A scenario with everything it refers to, validated: what a run, an
//! `explain` and a study point are assembled from.
//!
//! [`Loaded`] can only be made by validation ([`load_file`](super::load_file),
//! [`load_str`](super::load_str), [`Loaded::new`]): holding one proves the
//! scenario passed every check (it holds the [`Valid`] scenario) and that its
//! quota profile, pricebook and trace files were read (once each) and parsed.
//!
//! Owns: resolving and reading the referenced files. Must not: build the
//! fabric, price or simulate anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::files::{read_text, relative_to, LoadOptions};
use crate::cost::pricebook::Pricebook;
use crate::dataplane::traffic::{parse_trace, TraceRow};
use crate::input::Kind;
use crate::quota::QuotaProfile;
use crate::scenario::{Arrivals, Problem, Scenario, ScenarioError, Valid};

/// A validated scenario and the files it refers to.
#[derive(Debug, Clone)]
pub struct Loaded {
    scenario: Valid,
    quotas: QuotaProfile,
    pricebook: Pricebook,
    /// The rows of each traffic class's trace (`None` unless it replays one);
    /// classes naming the same file share its rows.
    traces: Vec<Option<Arc<[TraceRow]>>>,
}

impl Loaded {
    /// Validates a scenario built in memory and reads the files it refers
    /// to (relative to `scenario.origin`'s folder, else to the working
    /// directory).
    pub fn new(scenario: Scenario) -> Result<Loaded, ScenarioError> {
        Loaded::with_options(scenario, &LoadOptions::default())
    }

    /// [`Loaded::new`] with load options (pricebook override, file source).
    pub fn with_options(scenario: Scenario, opts: &LoadOptions) -> Result<Loaded, ScenarioError> {
        let file = match &scenario.origin {
            Some(p) => p.display().to_string(),
            None => format!("scenario {:?}", scenario.name),
        };
        Loaded::from_parsed(scenario, &file, opts)
    }

    /// Validates a parsed scenario (named `file` in errors) and reads the
    /// files it refers to.
    pub(super) fn from_parsed(
        mut scenario: Scenario,
        file: &str,
        opts: &LoadOptions,
    ) -> Result<Loaded, ScenarioError> {
        let rules_field = match opts.rules {
            Some(r) => {
                scenario.rules = Some(r.to_string());
                "--rules"
            }
            None => "rules",
        };
        let scenario = super::valid(scenario, file)?;
        let dir = scenario.origin.as_deref().and_then(Path::parent);
        let mut problems = Vec::new();
        let quotas = read_quotas(&scenario, dir, opts, &mut problems);
        let pricebook = read_pricebook(&scenario, dir, opts, &mut problems);
        let traces = read_traces(&scenario, dir, opts, &mut problems);
        let pricebook = pricebook.and_then(|book| priced(&scenario, &book, &mut problems));
        if let Some(book) = &pricebook {
            check_rules(&scenario, book, rules_field, &mut problems);
        }
        let quotas = quotas.and_then(|q| match q.with_overrides(&scenario.quota_overrides) {
            Ok(q) => Some(q),
            Err(wrong) => {
                problems.extend(wrong.into_iter().map(|(p, m)| problem(p, m)));
                None
            }
        });
        match (quotas, pricebook) {
            (Some(quotas), Some(pricebook)) if problems.is_empty() => Ok(Loaded {
                quotas,
                scenario,
                pricebook,
                traces,
            }),
            _ => Err(ScenarioError::Invalid {
                file: file.to_string(),
                problems,
            }),
        }
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The scenario, as the proof it passed validation (what
    /// [`Fabric::build`](crate::fabric::Fabric::build) takes).
    pub fn valid(&self) -> &Valid {
        &self.scenario
    }

    /// The quota profile, with the scenario's overrides applied.
    pub fn quotas(&self) -> &QuotaProfile {
        &self.quotas
    }

    /// The pricebook a run prices with: the one the scenario names (or the
    /// `--pricebook` override), completed with the builtin rates of regions
    /// it lacks ([`crate::cost::resolve`]); it prices everything the
    /// scenario uses.
    pub fn pricebook(&self) -> &Pricebook {
        &self.pricebook
    }

    /// The name of the pricing rule set the run uses: the scenario's
    /// `rules` (or the `--rules` override), else the default (`faq`); a set
    /// of the pricebook's rule book.
    pub fn rules(&self) -> &str {
        self.scenario
            .rules
            .as_deref()
            .unwrap_or(crate::cost::rules::DEFAULT_RULE_SET)
    }

    /// The rows of traffic class `class`'s trace, if it replays one.
    pub fn trace(&self, class: usize) -> Option<&Arc<[TraceRow]>> {
        self.traces.get(class).and_then(Option::as_ref)
    }

    /// Gives the scenario back (to change it and load it again).
    pub fn into_scenario(self) -> Scenario {
        self.scenario.into_scenario()
    }
}

/// A loaded scenario reads as its scenario (read-only: changing it means
/// loading it again, through [`Loaded::into_scenario`] and [`Loaded::new`]).
impl std::ops::Deref for Loaded {
    type Target = Scenario;
    fn deref(&self) -> &Scenario {
        &self.scenario
    }
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
    }
}

/// A data file of `kind` as text, or a problem at `field`.
fn data_text(
    opts: &LoadOptions,
    path: &Path,
    kind: Kind,
    field: &str,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match read_text(opts.source(), path, kind) {
        Ok(t) => Some(t),
        Err(e) => {
            problems.push(problem(field, e.to_string()));
            None
        }
    }
}

/// The pricebook completed for `s`, or its coverage gaps as problems.
fn priced(s: &Scenario, book: &Pricebook, problems: &mut Vec<Problem>) -> Option<Pricebook> {
    match crate::cost::resolve(book, s) {
        Ok(book) => Some(book),
        Err(gaps) => {
            problems.extend(gaps.into_iter().map(|g| problem(g.path, g.message)));
            None
        }
    }
}

/// A problem at `field` unless the rule set the scenario names is in the
/// pricebook's rule book (the message lists the sets there are).
fn check_rules(s: &Scenario, book: &Pricebook, field: &str, problems: &mut Vec<Problem>) {
    let Some(name) = s.rules.as_deref() else {
        return;
    };
    if let Err(e) = book.rule_book().set(name) {
        problems.push(problem(field, e.to_string()));
    }
}

fn read_quotas(
    s: &Scenario,
    dir: Option<&Path>,
    opts: &LoadOptions,
    problems: &mut Vec<Problem>,
) -> Option<QuotaProfile> {
    if let Some(p) = QuotaProfile::builtin(&s.quotas) {
        return Some(p);
    }
    // Validation admitted a builtin name or a `.ron` file.
    let path = relative_to(dir, &s.quotas);
    let text = data_text(opts, &path, Kind::QuotaProfile, "quotas", problems)?;
    match QuotaProfile::from_ron(&text, &path.display().to_string()) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(problem("quotas", e.to_string()));
            None
        }
    }
}

fn read_pricebook(
    s: &Scenario,
    dir: Option<&Path>,
    opts: &LoadOptions,
    problems: &mut Vec<Problem>,
) -> Option<Pricebook> {
    let (path, field) = match opts.pricebook {
        Some(p) => (p.to_path_buf(), "--pricebook"),
        None => {
            let name = s
                .pricebook
                .clone()
                .unwrap_or_else(|| format!("aws-{}", s.region));
            if let Some(p) = Pricebook::builtin(&name) {
                return Some(p);
            }
            if s.pricebook.is_none() {
                // The home region has no builtin book: say which regions
                // are priced (the coverage check's message).
                let gaps = crate::cost::coverage::gaps(s, None);
                problems.extend(gaps.into_iter().map(|g| problem(g.path, g.message)));
                return None;
            }
            if !name.ends_with(".ron") {
                problems.push(problem(
                    "pricebook",
                    format!(
                        "no pricebook: the scenario names {name:?}, which is not builtin ({}) and not a .ron file",
                        Pricebook::builtin_names().join(", ")
                    ),
                ));
                return None;
            }
            (relative_to(dir, &name), "pricebook")
        }
    };
    let text = data_text(opts, &path, Kind::Pricebook, field, problems)?;
    match Pricebook::from_ron(&text, &path.display().to_string()) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(problem(field, e.to_string()));
            None
        }
    }
}

fn read_traces(
    s: &Scenario,
    dir: Option<&Path>,
    opts: &LoadOptions,
    problems: &mut Vec<Problem>,
) -> Vec<Option<Arc<[TraceRow]>>> {
    let mut by_file: BTreeMap<PathBuf, Arc<[TraceRow]>> = BTreeMap::new();
    let mut traces = Vec::with_capacity(s.traffic.len());
    for (i, t) in s.traffic.iter().enumerate() {
        let Arrivals::Trace { file } = &t.arrivals else {
            traces.push(None);
            continue;
        };
        let path = relative_to(dir, file);
        let name = path.display().to_string();
        let field = format!("traffic[{i}].arrivals.file");
        let rows = match by_file.get(&path) {
            Some(rows) => Ok(rows.clone()),
            None => opts
                .source()
                .read(&path, Kind::Trace)
                .map_err(|e| e.to_string())
                .and_then(|bytes| parse_trace(&bytes[..], &name).map_err(|e| e.to_string()))
                .map(|rows| {
                    let rows: Arc<[TraceRow]> = rows.into();
                    by_file.insert(path, rows.clone());
                    rows
                }),
        };
        // A file shared by classes is read once and checked against each
        // class's window.
        let found = match &rows {
            Ok(rows) => super::trace_check::problems(s, t, rows, &name),
            Err(e) => vec![e.clone()],
        };
        if found.is_empty() {
            traces.push(rows.ok());
        } else {
            problems.extend(found.into_iter().map(|m| problem(&field, m)));
            traces.push(None);
        }
    }
    traces
}
