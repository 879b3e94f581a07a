//! The names of sources and targets in outputs (`connectivity.csv`, the
//! connection log, `explain`), and their interning during a run.
//!
//! Owns: label texts. Must not: decide anything about a connection.

use rustc_hash::FxHashMap;

use crate::scenario::{Dns, Source, Target};

/// The label of a target in outputs.
pub fn target_label(t: &Target) -> String {
    match t {
        Target::Service { name, dns } => format!("service:{name} ({})", dns_label(dns)),
        Target::Endpoint { name, dns } => format!("endpoint:{name} ({})", dns_label(dns)),
        Target::PrivateDns(n) => format!("dns:{n}"),
        Target::Workload(w) => format!("workload:{w}"),
        Target::Site(s) => format!("site:{s}"),
        Target::Aws(a) => format!("aws:{a}"),
        Target::Internet => "internet".to_string(),
    }
}

/// The DNS name kind in a target label.
pub fn dns_label(d: &Dns) -> String {
    match d {
        Dns::Regional => "regional".to_string(),
        Dns::Zonal => "zonal".to_string(),
        Dns::ZonalIn(az) => format!("zonal {az}"),
        Dns::Mixed(s) => format!("{:.0}% zonal", s * 100.0),
    }
}

/// The name of a source in outputs.
pub fn source_label(s: &Source) -> String {
    match s {
        Source::Workload(w) => w.clone(),
        Source::Site(s) => format!("site:{s}"),
    }
}

/// Interned strings: labels are made once, keyed by small ids after. Ids
/// are handed out in first-use order, and only the id order (never the
/// map's) reaches an output.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    names: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl Labels {
    /// The id of `label`, new or known.
    pub fn id(&mut self, label: String) -> u32 {
        if let Some(i) = self.index.get(&label) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(label.clone());
        self.index.insert(label, i);
        i
    }

    /// The label of id `i`.
    pub fn get(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    /// Every label, by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}
