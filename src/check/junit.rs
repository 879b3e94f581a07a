//! The check report as JUnit XML (`--junit FILE`): one test case per metric,
//! so CI systems list each metric and show a failed one with its diff line.
//! Ignored metrics are skipped test cases; notes (a pricebook change) are
//! suite properties and system-out.

use super::CheckReport;

/// Renders the report as a JUnit XML document.
pub fn render(r: &CheckReport) -> String {
    let skipped = r
        .metrics
        .iter()
        .filter(|m| m.status == super::Status::Ignored)
        .count();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"vpcsim check\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{skipped}\">\n",
        r.counts.metrics, r.counts.failed
    ));
    x.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\">\n",
        esc(&format!("vpcsim check {}", r.scenario)),
        r.counts.metrics,
        r.counts.failed
    ));
    x.push_str("    <properties>\n");
    let mut props = vec![
        ("baseline", r.baseline_file.clone()),
        ("pricebook.baseline", r.pricebook_baseline.clone()),
        ("pricebook.current", r.pricebook_current.clone()),
        ("monthly.baseline", r.monthly.baseline.clone()),
        ("monthly.current", r.monthly.current.clone()),
        ("tolerances", r.tolerances.clone()),
    ];
    for n in &r.notes {
        props.push(("note", n.message.clone()));
    }
    for (k, v) in props {
        x.push_str(&format!(
            "      <property name=\"{}\" value=\"{}\"/>\n",
            esc(k),
            esc(&v)
        ));
    }
    x.push_str("    </properties>\n");
    for m in &r.metrics {
        let section = m.metric.split('.').next().unwrap_or("metric");
        let open = format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
            esc(&format!("vpcsim.{}.{section}", r.scenario)),
            esc(&m.metric)
        );
        if m.failed {
            x.push_str(&format!(
                "{open}>\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                esc(&m.line),
                esc(&format!("{:?}", m.status).to_lowercase()),
                esc(&m.line)
            ));
        } else if m.status == super::Status::Ignored {
            x.push_str(&format!(
                "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                esc(&m.line)
            ));
        } else if m.status.changed() {
            x.push_str(&format!(
                "{open}>\n      <system-out>{}</system-out>\n    </testcase>\n",
                esc(&m.line)
            ));
        } else {
            x.push_str(&format!("{open}/>\n"));
        }
    }
    if !r.notes.is_empty() {
        let notes: Vec<&str> = r.notes.iter().map(|n| n.message.as_str()).collect();
        x.push_str(&format!(
            "    <system-out>{}</system-out>\n",
            esc(&notes.join("\n"))
        ));
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// Escapes text for XML attributes and content; drops characters XML 1.0
/// cannot hold.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\n' => o.push_str("&#10;"),
            '\t' | '\r' => o.push(' '),
            c if (c as u32) < 0x20 => {}
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_xml_well_formed() {
        // Expectation labels carry ≥ and $; metric names may carry <, & or quotes.
        assert_eq!(
            esc("a<b & \"c\" ≥ 1\u{1}"),
            "a&lt;b &amp; &quot;c&quot; ≥ 1"
        );
    }
}
