//! `report.html`: one self-contained page (no external asset, no script)
//! with the run's summary, bill, connectivity and expectations tables and
//! the charts inlined as SVG.
//!
//! Owns: page layout and escaping. Every text that comes from the scenario
//! (names, reasons, hints) is escaped; the chart SVGs are inserted as markup
//! and must come from [`crate::report::charts`], which escapes the texts it
//! draws.

use std::fmt::Write as _;

use crate::report::charts::ChartMeta;

/// One line of the bill table.
#[derive(Debug, Clone, Default)]
pub struct BillRow {
    pub account: String,
    pub category: String,
    /// Already formatted, e.g. `"12.3400"`.
    pub usd: String,
}

/// One line of the connectivity table.
#[derive(Debug, Clone, Default)]
pub struct ConnRow {
    /// Traffic class.
    pub traffic: String,
    pub source: String,
    pub target: String,
    /// The hops, e.g. `acme-web → acme-orders (use1-az1) → orders-nlb`.
    pub path: String,
    /// `delivered` or `denied` (rows whose outcome starts with "deliver" are
    /// shown in green, the others in red).
    pub outcome: String,
    /// Reason code, empty when delivered.
    pub reason: String,
    pub count: u64,
    /// What to change to get the traffic through.
    pub hint: String,
}

/// One expectation of the scenario.
#[derive(Debug, Clone, Default)]
pub struct ExpectRow {
    pub name: String,
    pub passed: bool,
    /// Measured value against the bound, e.g. `0.998 ≥ 0.99`.
    pub detail: String,
}

/// Everything the page shows, already formatted.
#[derive(Debug, Clone, Default)]
pub struct ReportSections {
    /// `(label, value)` pairs, e.g. `("Simulated time", "24 h")`.
    pub summary_rows: Vec<(String, String)>,
    pub bill_rows: Vec<BillRow>,
    pub connectivity_rows: Vec<ConnRow>,
    pub expectations: Vec<ExpectRow>,
    /// `(title, SVG document)`, e.g. from
    /// [`crate::report::charts::chart_svgs`].
    pub charts: Vec<(String, String)>,
}

/// `s` with `& < > " '` replaced by entities: safe in text and in quoted
/// attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root {
  --ink: #222; --muted: #5f6368; --line: #dadce0; --head: #f4f6f8;
  --ok: #1e7b34; --ok-bg: #e6f4ea; --bad: #b3261e; --bad-bg: #fce8e6;
}
* { box-sizing: border-box; }
body {
  margin: 0 auto; max-width: 1240px; padding: 24px 28px 48px;
  font: 15px/1.45 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif;
  color: var(--ink); background: #fff;
}
header { border-bottom: 2px solid var(--ink); margin-bottom: 8px; padding-bottom: 8px; }
h1 { font-size: 26px; margin: 0 0 4px; }
.subtitle { color: var(--muted); margin: 0; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
nav { font-size: 14px; color: var(--muted); margin: 8px 0 0; }
nav a { color: inherit; margin-right: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--head); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv { width: auto; min-width: 50%; }
table.kv th { width: 16em; background: none; }
.ok { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
tr.denied td.outcome { background: var(--bad-bg); }
tr.delivered td.outcome { background: var(--ok-bg); }
tr.failed td { background: var(--bad-bg); }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 13px; }
.hint { color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
figure { margin: 18px 0 28px; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 14px; margin-top: 6px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  tr, figure { break-inside: avoid; }
  figure svg { border: none; }
  th { background: none; border-bottom: 2px solid var(--ink); }
  tr.denied td.outcome, tr.delivered td.outcome, tr.failed td { background: none; }
}
"#;

fn section(out: &mut String, id: &str, title: &str) {
    let _ = writeln!(out, "<section id=\"{id}\">\n<h2>{}</h2>", escape(title));
}

fn empty(out: &mut String, what: &str) {
    let _ = writeln!(out, "<p class=\"empty\">{}</p>\n</section>", escape(what));
}

/// Removes an XML declaration or doctype before the `<svg` tag: they are not
/// allowed inside an HTML body.
fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// The whole page. Sections with no rows say so instead of showing an empty
/// table.
pub fn report_html(meta: &ChartMeta, sections: &ReportSections) -> String {
    let mut out =
        String::with_capacity(16_384 + sections.charts.iter().map(|c| c.1.len()).sum::<usize>());
    let scenario = escape(&meta.scenario);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>vpcsim report: {scenario}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    let passed = sections.expectations.iter().filter(|e| e.passed).count();
    let verdict = if sections.expectations.is_empty() {
        String::new()
    } else if passed == sections.expectations.len() {
        format!(" · <span class=\"ok\">all {passed} expectations met</span>",)
    } else {
        format!(
            " · <span class=\"bad\">{} of {} expectations failed</span>",
            sections.expectations.len() - passed,
            sections.expectations.len()
        )
    };
    let _ = writeln!(
        out,
        "<header>\n<h1>vpcsim report: {scenario}</h1>\n\
         <p class=\"subtitle\">scenario: {scenario} · seed {}{verdict}</p>\n\
         <nav><a href=\"#summary\">Summary</a><a href=\"#bill\">Bill</a>\
         <a href=\"#connectivity\">Connectivity</a><a href=\"#expectations\">Expectations</a>\
         <a href=\"#charts\">Charts</a></nav>\n</header>",
        meta.seed
    );

    section(&mut out, "summary", "Summary");
    if sections.summary_rows.is_empty() {
        empty(&mut out, "No summary.");
    } else {
        out.push_str("<table class=\"kv\">\n");
        for (k, v) in &sections.summary_rows {
            let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
        }
        out.push_str("</table>\n</section>\n");
    }

    section(&mut out, "bill", "Bill by account and category");
    if sections.bill_rows.is_empty() {
        empty(&mut out, "Nothing billed.");
    } else {
        out.push_str(
            "<table>\n<thead><tr><th>Account</th><th>Category</th>\
             <th class=\"num\">USD</th></tr></thead>\n<tbody>\n",
        );
        // An account is named on its first row only: the table reads as
        // one block per account.
        let mut previous: Option<&str> = None;
        for r in &sections.bill_rows {
            let account = if previous == Some(r.account.as_str()) {
                String::new()
            } else {
                escape(&r.account)
            };
            previous = Some(&r.account);
            let _ = writeln!(
                out,
                "<tr><td>{account}</td><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
                escape(&r.category),
                escape(&r.usd)
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }

    section(&mut out, "connectivity", "Connectivity");
    if sections.connectivity_rows.is_empty() {
        empty(&mut out, "No connection attempted.");
    } else {
        out.push_str(
            "<table>\n<thead><tr><th>Traffic</th><th>Source</th><th>Target</th><th>Path</th>\
             <th>Outcome</th><th>Reason</th><th class=\"num\">Count</th><th>Hint</th></tr>\
             </thead>\n<tbody>\n",
        );
        for r in &sections.connectivity_rows {
            let delivered = r.outcome.to_ascii_lowercase().starts_with("deliver");
            let (class, mark) = if delivered {
                ("delivered", "ok")
            } else {
                ("denied", "bad")
            };
            let _ = writeln!(
                out,
                "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td class=\"outcome\"><span class=\"{mark}\">{}</span></td>\
                 <td><code>{}</code></td><td class=\"num\">{}</td>\
                 <td class=\"hint\">{}</td></tr>",
                escape(&r.traffic),
                escape(&r.source),
                escape(&r.target),
                escape(&r.path),
                escape(&r.outcome),
                escape(&r.reason),
                r.count,
                escape(&r.hint)
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }

    section(&mut out, "expectations", "Expectations");
    if sections.expectations.is_empty() {
        empty(&mut out, "The scenario states no expectation.");
    } else {
        out.push_str(
            "<table>\n<thead><tr><th>Expectation</th><th>Result</th><th>Detail</th></tr>\
             </thead>\n<tbody>\n",
        );
        for e in &sections.expectations {
            let (row, result) = if e.passed {
                ("", "<span class=\"ok\">✓ pass</span>")
            } else {
                (" class=\"failed\"", "<span class=\"bad\">✗ fail</span>")
            };
            let _ = writeln!(
                out,
                "<tr{row}><td>{}</td><td>{result}</td><td>{}</td></tr>",
                escape(&e.name),
                escape(&e.detail)
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }

    section(&mut out, "charts", "Charts");
    if sections.charts.is_empty() {
        empty(&mut out, "No chart: the run had nothing to plot.");
    } else {
        for (title, svg) in &sections.charts {
            let _ = writeln!(
                out,
                "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
                inline_svg(svg).trim_end(),
                escape(title)
            );
        }
        out.push_str("</section>\n");
    }

    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::{chart_svgs, ChartData, ConnCell};

    fn meta() -> ChartMeta {
        ChartMeta {
            scenario: "quick<start>".to_string(),
            seed: 7,
            ..ChartMeta::default()
        }
    }

    fn sections() -> ReportSections {
        ReportSections {
            summary_rows: vec![("Simulated time".to_string(), "24 h".to_string())],
            bill_rows: vec![BillRow {
                account: "<script>alert('bill')</script>".to_string(),
                category: "cross_az".to_string(),
                usd: "12.3400".to_string(),
            }],
            connectivity_rows: vec![ConnRow {
                traffic: "checkout".to_string(),
                source: "acme-web".to_string(),
                target: "orders".to_string(),
                path: "acme-web → acme-orders → orders-nlb".to_string(),
                outcome: "denied".to_string(),
                reason: "NOT_ALLOWED_PRINCIPAL".to_string(),
                count: 12,
                hint: "add \"arn:aws:iam::222222222222:root\" & retry".to_string(),
            }],
            expectations: vec![
                ExpectRow {
                    name: "MonthlyCostAtMost($250)".to_string(),
                    passed: true,
                    detail: "$212.40 ≤ $250".to_string(),
                },
                ExpectRow {
                    name: "Delivered(checkout)".to_string(),
                    passed: false,
                    detail: "0.95 < 0.99".to_string(),
                },
            ],
            charts: Vec::new(),
        }
    }

    #[test]
    fn names_are_escaped() {
        // A name carrying markup must reach the page as text: the only
        // `<script` would be an injected one (the page has no script of its
        // own), and the entities show the name was kept, not dropped.
        let html = report_html(&meta(), &sections());
        assert!(!html.to_ascii_lowercase().contains("<script"));
        assert!(html.contains("&lt;script&gt;alert(&#39;bill&#39;)&lt;/script&gt;"));
        assert!(html.contains("quick&lt;start&gt;"));
        assert!(html.contains("add &quot;arn:aws:iam::222222222222:root&quot; &amp; retry"));
    }

    #[test]
    fn the_page_is_self_contained_and_has_every_section() {
        // No external fetch (src/href to another host, stylesheet link) and
        // no script: the page opens the same offline and in a mail archive.
        let html = report_html(&meta(), &sections());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.trim_end().ends_with("</html>"));
        for forbidden in ["<script", "<link", "src=", "http://", "https://", "@import"] {
            assert!(!html.contains(forbidden), "page contains {forbidden:?}");
        }
        for id in ["summary", "bill", "connectivity", "expectations", "charts"] {
            assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
        }
        assert!(html.contains("✓ pass") && html.contains("✗ fail"));
        assert!(html.contains("1 of 2 expectations failed"));
        assert!(html.contains("@media print"));
    }

    #[test]
    fn every_chart_is_inlined() {
        // The charts of a run, as the report gets them, each appear whole in
        // the page (the SVG's own namespace attribute is the witness that
        // the markup was inlined, not escaped).
        let data = ChartData {
            connectivity: vec![
                ConnCell {
                    source: "<script>src</script>".to_string(),
                    target: "orders".to_string(),
                    delivered: 5,
                    denied: vec![("NO_ROUTE".to_string(), 2)],
                },
                ConnCell {
                    source: "b".to_string(),
                    target: "orders".to_string(),
                    delivered: 5,
                    denied: Vec::new(),
                },
            ],
            fct: vec![crate::report::charts::FctSeries {
                class: "checkout".to_string(),
                points: vec![(0.001, 0.1), (0.01, 0.6), (0.1, 1.0)],
            }],
            ..ChartData::default()
        };
        let charts = chart_svgs(&meta(), &data).expect("charts");
        assert_eq!(charts.len(), 2);
        let html = report_html(
            &meta(),
            &ReportSections {
                charts: charts.clone(),
                ..sections()
            },
        );
        for (title, svg) in &charts {
            assert!(html.contains(svg.trim_end()), "{title} inlined whole");
            assert!(html.contains(&format!("<figcaption>{}</figcaption>", escape(title))));
        }
        assert_eq!(html.matches("<svg").count(), 2);
        assert!(!html.to_ascii_lowercase().contains("<script"));
    }

    #[test]
    fn empty_sections_say_so() {
        // A run with nothing in a section shows a sentence, not a bare
        // table header.
        let html = report_html(&meta(), &ReportSections::default());
        assert!(html.contains("Nothing billed."));
        assert!(html.contains("No chart: the run had nothing to plot."));
        assert!(!html.contains("<table"));
    }

    /// Writes a sample page to `$TMPDIR/vpcsim-chart-samples/report.html`
    /// for a person to look at.
    #[test]
    #[ignore = "writes a sample page for visual review"]
    fn write_sample_page() {
        let data = ChartData {
            connectivity: vec![
                ConnCell {
                    source: "acme-web".to_string(),
                    target: "orders".to_string(),
                    delivered: 950,
                    denied: vec![("AZ_UNAVAILABLE".to_string(), 50)],
                },
                ConnCell {
                    source: "globex-api".to_string(),
                    target: "orders".to_string(),
                    delivered: 0,
                    denied: vec![("NOT_ALLOWED_PRINCIPAL".to_string(), 300)],
                },
            ],
            ..ChartData::default()
        };
        let page = report_html(
            &meta(),
            &ReportSections {
                charts: chart_svgs(&meta(), &data).expect("charts"),
                ..sections()
            },
        );
        let path = std::env::temp_dir().join("vpcsim-chart-samples/report.html");
        crate::report::write_atomic(&path, page.as_bytes()).expect("written");
        println!("{}", path.display());
    }
}
