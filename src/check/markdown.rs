//! The check report as Markdown (`--format markdown`), ready to post as a
//! pull-request comment: the verdict and the monthly cost change at the top,
//! notes (a pricebook change) next, then what failed, what else moved and by
//! how much, and the unchanged metrics folded away in `<details>`.

use super::{show_relative, CheckReport, MetricDiff};

/// Renders the report as GitHub-flavoured Markdown.
pub fn render(r: &CheckReport) -> String {
    let mut m = String::new();
    let icon = if r.passed { "✅" } else { "❌" };
    m.push_str(&format!(
        "### {icon} vpcsim check `{}`: {}\n\n",
        cell(&r.scenario),
        super::text::verdict(r)
    ));
    let change = if r.monthly.baseline == r.monthly.current {
        "unchanged".to_string()
    } else {
        format!(
            "(**{}**, {})",
            r.monthly.delta,
            show_relative(r.monthly.relative)
        )
    };
    m.push_str(&format!(
        "**Monthly cost (730 h):** {} → {} {change}\n\n",
        r.monthly.baseline, r.monthly.current
    ));
    for n in &r.notes {
        let mark = if n.kind == "pricebook_changed" {
            "⚠️ "
        } else {
            ""
        };
        m.push_str(&format!("> {mark}{}\n\n", n.message));
    }
    let failed: Vec<&MetricDiff> = r.failures().collect();
    if !failed.is_empty() {
        m.push_str(&format!("#### Failed ({})\n\n", failed.len()));
        table(&mut m, &failed);
    }
    let moved: Vec<&MetricDiff> = r.changed_ok().collect();
    if !moved.is_empty() {
        m.push_str(&format!(
            "#### Changed without failing ({})\n\n",
            moved.len()
        ));
        table(&mut m, &moved);
    }
    let same: Vec<&MetricDiff> = r.unchanged().collect();
    if !same.is_empty() {
        m.push_str(&format!(
            "<details><summary>{} unchanged metrics</summary>\n\n| metric | value |\n| --- | --- |\n",
            same.len()
        ));
        for d in same {
            m.push_str(&format!(
                "| `{}` | {} |\n",
                cell(&d.metric),
                cell(d.current.as_deref().unwrap_or("-"))
            ));
        }
        m.push_str("\n</details>\n\n");
    }
    m.push_str(&format!(
        "<sub>baseline `{}` · pricebook {} · seed {} · tolerances: {}</sub>\n",
        cell(&r.baseline_file),
        cell(&r.pricebook_current),
        r.seed_current,
        cell(&r.tolerances)
    ));
    m
}

fn table(m: &mut String, rows: &[&MetricDiff]) {
    m.push_str("| | metric | baseline | current | change | tolerance |\n");
    m.push_str("| --- | --- | ---: | ---: | ---: | --- |\n");
    for d in rows {
        let mark = match d.status {
            _ if d.failed => "❌",
            super::Status::Repriced => "💲",
            super::Status::Ignored => "➖",
            _ => "✔️",
        };
        let change = match &d.delta {
            Some(x) => format!("{x} ({})", show_relative(d.relative)),
            None => d.status.word().to_string(),
        };
        m.push_str(&format!(
            "| {mark} | `{}` | {} | {} | {} | {} |\n",
            cell(&d.metric),
            cell(d.baseline.as_deref().unwrap_or("absent")),
            cell(d.current.as_deref().unwrap_or("absent")),
            cell(&change),
            cell(&d.tolerance)
        ));
    }
    m.push('\n');
}

/// Keeps a value inside one table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ").replace('`', "'")
}
