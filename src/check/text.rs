//! The terminal table of a check: notes first, the monthly cost, then every
//! metric that moved (failures first), then a count of the unchanged ones.

use super::{show_relative, CheckReport, MetricDiff};

/// Renders the report as a plain-text table.
pub fn render(r: &CheckReport) -> String {
    let mut t = String::new();
    t.push_str(&format!(
        "vpcsim check {} against {}: {}\n",
        r.scenario,
        r.baseline_file,
        verdict(r)
    ));
    for n in &r.notes {
        t.push_str(&format!("note: {}\n", n.message));
    }
    t.push_str(&format!(
        "monthly cost (730 h): {} → {}",
        r.monthly.baseline, r.monthly.current
    ));
    if r.monthly.baseline != r.monthly.current {
        t.push_str(&format!(
            " ({}, {})",
            r.monthly.delta,
            show_relative(r.monthly.relative)
        ));
    }
    t.push('\n');
    let rows: Vec<&MetricDiff> = r.failures().chain(r.changed_ok()).collect();
    if !rows.is_empty() {
        let header = [
            "status",
            "metric",
            "baseline",
            "current",
            "change",
            "tolerance",
        ];
        let cells: Vec<[String; 6]> = rows
            .iter()
            .map(|m| {
                [
                    m.status.word().to_string(),
                    m.metric.clone(),
                    m.baseline.clone().unwrap_or_else(|| "-".to_string()),
                    m.current.clone().unwrap_or_else(|| "-".to_string()),
                    match &m.delta {
                        Some(d) => format!("{d} ({})", show_relative(m.relative)),
                        None => String::new(),
                    },
                    m.tolerance.clone(),
                ]
            })
            .collect();
        let mut width = header.map(|h| h.chars().count());
        for c in &cells {
            for (w, s) in width.iter_mut().zip(c) {
                *w = (*w).max(s.chars().count());
            }
        }
        let line = |c: &[String]| {
            let mut s = String::new();
            for (i, (cell, w)) in c.iter().zip(width).enumerate() {
                if i + 1 == c.len() {
                    s.push_str(cell);
                } else {
                    s.push_str(cell);
                    s.push_str(&" ".repeat(w - cell.chars().count() + 2));
                }
            }
            s.trim_end().to_string() + "\n"
        };
        t.push('\n');
        t.push_str(&line(&header.map(String::from)));
        for c in &cells {
            t.push_str(&line(c));
        }
        t.push('\n');
    }
    t.push_str(&format!(
        "{} metrics unchanged; tolerances: {}\n",
        r.unchanged().count(),
        r.tolerances
    ));
    t
}

/// `passed`, or `FAILED — 2 of 57 metrics beyond tolerance`.
pub fn verdict(r: &CheckReport) -> String {
    if r.passed {
        let moved = r.changed_ok().count();
        if moved == 0 {
            format!("passed — all {} metrics unchanged", r.counts.metrics)
        } else {
            format!(
                "passed — {moved} of {} metrics moved, none beyond tolerance",
                r.counts.metrics
            )
        }
    } else {
        format!(
            "FAILED — {} of {} metrics beyond tolerance or failing",
            r.counts.failed, r.counts.metrics
        )
    }
}
