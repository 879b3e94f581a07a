//! The import report: what was imported, and everything that was not
//! modelled, assumed or left out, each with its source. Printed on stderr and
//! as the comment block at the top of the written scenario, so that nothing
//! is dropped silently.
//!
//! Owns: report entries and their two renderings. Must not: decide what is
//! modelled (the readers and the builder do).

use std::collections::BTreeMap;
use std::fmt;

/// What kind of entry a note is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// An input vpcsim has no model for (a resource type, a rule kind).
    NotModelled,
    /// Something that could not be imported (a reference that does not
    /// resolve, an element the scenario rules would refuse).
    Skipped,
    /// A value the input does not give, filled in by the import.
    Assumed,
}

impl fmt::Display for NoteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoteKind::NotModelled => "not modelled",
            NoteKind::Skipped => "skipped",
            NoteKind::Assumed => "assumed",
        })
    }
}

/// One entry of the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    pub kind: NoteKind,
    /// Where it comes from: a Terraform address, an AWS id, a file.
    pub source: String,
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.kind, self.source, self.message)
    }
}

/// What an import produced and what it left out.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// The input, as given on the command line.
    pub input: String,
    /// Elements written, by scenario kind (`vpcs`, `subnets`, ...).
    pub counts: BTreeMap<String, usize>,
    /// Counters of the input (flow-log records by fate, ...).
    pub tallies: BTreeMap<String, u64>,
    pub notes: Vec<Note>,
}

impl ImportReport {
    pub fn new(input: impl Into<String>) -> Self {
        ImportReport {
            input: input.into(),
            ..Default::default()
        }
    }

    pub fn note(&mut self, kind: NoteKind, source: impl Into<String>, message: impl Into<String>) {
        let note = Note {
            kind,
            source: source.into(),
            message: message.into(),
        };
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    pub fn not_modelled(&mut self, source: impl Into<String>, message: impl Into<String>) {
        self.note(NoteKind::NotModelled, source, message);
    }
    pub fn skipped(&mut self, source: impl Into<String>, message: impl Into<String>) {
        self.note(NoteKind::Skipped, source, message);
    }
    pub fn assumed(&mut self, source: impl Into<String>, message: impl Into<String>) {
        self.note(NoteKind::Assumed, source, message);
    }

    pub fn tally(&mut self, what: &str, n: u64) {
        *self.tallies.entry(what.to_string()).or_default() += n;
    }

    /// Notes of one kind.
    pub fn of(&self, kind: NoteKind) -> impl Iterator<Item = &Note> {
        self.notes.iter().filter(move |n| n.kind == kind)
    }

    /// The report as lines (without comment markers), for stderr and the
    /// scenario's header.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("imported by `vpcsim import` from {}", self.input)];
        if !self.counts.is_empty() {
            let counts: Vec<String> = self
                .counts
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            out.push(format!("elements: {}", counts.join(", ")));
        }
        if !self.tallies.is_empty() {
            let t: Vec<String> = self
                .tallies
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            out.push(format!("records: {}", t.join(", ")));
        }
        for kind in [NoteKind::NotModelled, NoteKind::Skipped, NoteKind::Assumed] {
            let notes: Vec<&Note> = self.of(kind).collect();
            if notes.is_empty() {
                continue;
            }
            out.push(String::new());
            out.push(format!("{} ({}):", heading(kind), notes.len()));
            for n in notes {
                out.push(format!("  - {}: {}", n.source, n.message));
            }
        }
        if self.notes.is_empty() {
            out.push("everything in the input was modelled".to_string());
        }
        out
    }

    /// The report as printed on stderr.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for l in self.lines() {
            s.push_str("import: ");
            s.push_str(&l);
            s.push('\n');
        }
        s
    }
}

fn heading(kind: NoteKind) -> &'static str {
    match kind {
        NoteKind::NotModelled => "NOT MODELLED by vpcsim, left out",
        NoteKind::Skipped => "SKIPPED, could not be imported",
        NoteKind::Assumed => "ASSUMED, not given by the input: check these",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_note_is_listed_under_its_heading() {
        let mut r = ImportReport::new("plan.json");
        r.not_modelled("aws_s3_bucket.logs", "resource type aws_s3_bucket");
        r.assumed("aws_subnet.a", "AZ ID use1-az1 from the AZ name");
        r.assumed("aws_subnet.a", "AZ ID use1-az1 from the AZ name");
        let lines = r.lines();
        assert!(lines
            .iter()
            .any(|l| l.starts_with("NOT MODELLED") && l.ends_with("(1):")));
        assert!(lines
            .iter()
            .any(|l| l == "  - aws_s3_bucket.logs: resource type aws_s3_bucket"));
        // A repeated note is listed once.
        assert_eq!(r.of(NoteKind::Assumed).count(), 1);
    }
}
