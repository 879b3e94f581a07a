//! `report.html`: the page a user shares. One self-contained file (no
//! external asset, no script) with the key figures, the run's summary and
//! traffic classes, the bill by account with window and monthly columns and
//! totals, the events (a timeline and a table), connectivity with the fix
//! for every denial, expectations, and the charts inlined as SVG.
//!
//! Owns: page layout and escaping. Every text that comes from the scenario
//! (names, reasons, hints) is escaped; the chart SVGs are inserted as markup
//! and must come from [`crate::report::charts`], which escapes the texts it
//! draws.

use std::fmt::Write as _;

use crate::report::charts::{ChartKind, ChartMeta, WindowKind};
use crate::report::human;

/// What a bill row is: a line of one account, an account's subtotal, or
/// the grand total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BillRowKind {
    #[default]
    Line,
    Subtotal,
    Total,
}

/// One line of the bill table, already formatted.
#[derive(Debug, Clone, Default)]
pub struct BillRow {
    pub account: String,
    /// The category's label, e.g. `Cross-AZ data transfer`.
    pub category: String,
    /// Usage billed in the window, e.g. `10.7 GiB` or `18 h`.
    pub usage: String,
    /// The simulated window's amount, e.g. `$0.21`.
    pub usd: String,
    /// The 730-hour month's amount.
    pub monthly_usd: String,
    pub kind: BillRowKind,
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

/// One traffic class, formatted.
#[derive(Debug, Clone, Default)]
pub struct TrafficRow {
    pub name: String,
    pub attempts: String,
    pub delivered: String,
    pub denied: String,
    pub cut: String,
    /// Bytes of completed connections, e.g. `16.4 GiB`.
    pub data: String,
    pub p50: String,
    pub p99: String,
}

/// One event of the run, formatted.
#[derive(Debug, Clone, Default)]
pub struct EventRow {
    /// e.g. `t=3h`.
    pub time: String,
    pub what: String,
    /// Empty when applied; else the reason code AWS would have given.
    pub refused: String,
    pub note: String,
}

/// A band or a tick of the events timeline, as fractions of the run.
#[derive(Debug, Clone)]
pub struct TimelineItem {
    pub start: f64,
    /// `None` for an instant event.
    pub end: Option<f64>,
    pub label: String,
    pub kind: Option<WindowKind>,
}

/// Everything the page shows, already formatted.
#[derive(Debug, Clone, Default)]
pub struct ReportSections {
    /// The figures at the top: `(label, value)`, e.g. `("per month", "$83.52")`.
    pub headline: Vec<(String, String)>,
    /// `(label, value)` pairs, e.g. `("Simulated time", "24h")`.
    pub summary_rows: Vec<(String, String)>,
    pub traffic_rows: Vec<TrafficRow>,
    /// Account blocks (lines then subtotal), then the total.
    pub bill_rows: Vec<BillRow>,
    /// The window's length, e.g. `6h` (the bill's column header).
    pub window: String,
    pub events: Vec<EventRow>,
    /// The timeline strip; `end_label` is the run's length.
    pub timeline: Vec<TimelineItem>,
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
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 4px; padding: 0; list-style: none; }
.figures li { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 150px; }
.figures b { display: block; font-size: 21px; }
.figures span { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--head); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv { width: auto; min-width: 50%; }
table.kv th { width: 16em; background: none; }
tr.subtotal td { font-weight: 600; background: #fafbfc; }
tr.total td { font-weight: 700; border-top: 2px solid var(--ink); }
.ok { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
tr.denied td.outcome, tr.refused td.outcome { background: var(--bad-bg); }
tr.delivered td.outcome { background: var(--ok-bg); }
tr.failed td { background: var(--bad-bg); }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 13px; }
.hint { color: var(--muted); }
.note { color: var(--muted); font-size: 13px; margin: 6px 0 0; }
.empty { color: var(--muted); font-style: italic; }
svg.timeline { display: block; width: 100%; height: auto; margin: 4px 0 12px; }
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

/// `<th>` cells: a name starting with `#` is a number column.
fn head_row(out: &mut String, names: &[&str]) {
    out.push_str("<table>\n<thead><tr>");
    for n in names {
        match n.strip_prefix('#') {
            Some(n) => {
                let _ = write!(out, "<th class=\"num\">{}</th>", escape(n));
            }
            None => {
                let _ = write!(out, "<th>{}</th>", escape(n));
            }
        }
    }
    out.push_str("</tr></thead>\n<tbody>\n");
}

const TABLE_END: &str = "</tbody>\n</table>\n";

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
    page_header(&mut out, meta, sections);
    summary_section(&mut out, sections);
    bill_section(&mut out, sections);
    events_section(&mut out, sections);
    connectivity_section(&mut out, sections);
    expectations_section(&mut out, sections);
    charts_section(&mut out, sections);
    out.push_str("</body>\n</html>\n");
    out
}

fn page_header(out: &mut String, meta: &ChartMeta, sections: &ReportSections) {
    let scenario = escape(&meta.scenario);
    let passed = sections.expectations.iter().filter(|e| e.passed).count();
    let verdict = if sections.expectations.is_empty() {
        String::new()
    } else if passed == 1 && sections.expectations.len() == 1 {
        " · <span class=\"ok\">the expectation is met</span>".to_string()
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
         <a href=\"#events\">Events</a><a href=\"#connectivity\">Connectivity</a>\
         <a href=\"#expectations\">Expectations</a><a href=\"#charts\">Charts</a></nav>\n</header>",
        meta.seed
    );
    if !sections.headline.is_empty() {
        out.push_str("<ul class=\"figures\">\n");
        for (label, value) in &sections.headline {
            let _ = writeln!(
                out,
                "<li><b>{}</b><span>{}</span></li>",
                escape(value),
                escape(label)
            );
        }
        out.push_str("</ul>\n");
    }
}

fn summary_section(out: &mut String, sections: &ReportSections) {
    section(out, "summary", "Summary");
    if sections.summary_rows.is_empty() {
        empty(out, "No summary.");
        return;
    }
    out.push_str("<table class=\"kv\">\n");
    for (k, v) in &sections.summary_rows {
        let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
    }
    out.push_str("</table>\n");
    if !sections.traffic_rows.is_empty() {
        out.push_str("<h3>Traffic classes</h3>\n");
        head_row(
            out,
            &[
                "Class",
                "#Attempts",
                "#Delivered",
                "#Denied",
                "#Cut",
                "#Data delivered",
                "#p50",
                "#p99",
            ],
        );
        for r in &sections.traffic_rows {
            let _ = write!(out, "<tr><td>{}</td>", escape(&r.name));
            for v in [
                &r.attempts,
                &r.delivered,
                &r.denied,
                &r.cut,
                &r.data,
                &r.p50,
                &r.p99,
            ] {
                let _ = write!(out, "<td class=\"num\">{}</td>", escape(v));
            }
            out.push_str("</tr>\n");
        }
        out.push_str(TABLE_END);
    }
    out.push_str("</section>\n");
}

fn bill_section(out: &mut String, sections: &ReportSections) {
    section(out, "bill", "Bill by account and category");
    if sections.bill_rows.is_empty() {
        empty(out, "Nothing billed.");
        return;
    }
    let window = format!("#{} window", sections.window);
    head_row(
        out,
        &["Account", "Category", "#Usage", &window, "#730-hour month"],
    );
    // An account is named on its first row only: the table reads as one
    // block per account, closed by its subtotal.
    let mut previous: Option<&str> = None;
    for r in &sections.bill_rows {
        let (class, account, category) = match r.kind {
            BillRowKind::Line => {
                let a = if previous == Some(r.account.as_str()) {
                    String::new()
                } else {
                    escape(&r.account)
                };
                previous = Some(&r.account);
                ("", a, escape(&r.category))
            }
            BillRowKind::Subtotal => (
                " class=\"subtotal\"",
                String::new(),
                format!("{} total", escape(&r.account)),
            ),
            BillRowKind::Total => (
                " class=\"total\"",
                "All accounts".to_string(),
                "total".to_string(),
            ),
        };
        let _ = writeln!(
            out,
            "<tr{class}><td>{account}</td><td>{category}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&r.usage),
            escape(&r.usd),
            escape(&r.monthly_usd)
        );
    }
    out.push_str(TABLE_END);
    let _ = writeln!(
        out,
        "<p class=\"note\">Data in GiB: {}. The month repeats the window's usage for 730 hours. \
         Cross-AZ usage counts each byte twice, out of one AZ and into the other: AWS bills both. \
         Exact amounts (10 decimals), rates and tiers are in bill.csv.</p>\n</section>",
        escape(human::GB_NOTE)
    );
}

fn events_section(out: &mut String, sections: &ReportSections) {
    section(out, "events", "Events");
    if sections.events.is_empty() {
        empty(out, "No event: the run kept its set-up from start to end.");
        return;
    }
    timeline_svg(out, &sections.timeline, &sections.window);
    head_row(out, &["Time", "Event", "Result", "Note"]);
    for e in &sections.events {
        let (class, result) = if e.refused.is_empty() {
            ("", "<span class=\"ok\">applied</span>".to_string())
        } else {
            (
                " class=\"refused\"",
                format!(
                    "<span class=\"bad\">refused</span> <code>{}</code>",
                    escape(&e.refused)
                ),
            )
        };
        let _ = writeln!(
            out,
            "<tr{class}><td class=\"num\">{}</td><td>{}</td><td class=\"outcome\">{result}</td>\
             <td class=\"hint\">{}</td></tr>",
            escape(&e.time),
            escape(&e.what),
            escape(&e.note)
        );
    }
    out.push_str(TABLE_END);
    out.push_str("</section>\n");
}

/// A strip across the run: one row per window (shaded in its kind's
/// colour, as on the charts) and one row of ticks for instant events.
fn timeline_svg(out: &mut String, items: &[TimelineItem], window: &str) {
    if items.is_empty() {
        return;
    }
    const W: f64 = 1000.0;
    const ROW: f64 = 24.0;
    const LEFT: f64 = 10.0;
    let windows: Vec<&TimelineItem> = items.iter().filter(|i| i.end.is_some()).collect();
    let ticks: Vec<&TimelineItem> = items.iter().filter(|i| i.end.is_none()).collect();
    let rows = windows.len() + usize::from(!ticks.is_empty());
    let h = rows as f64 * ROW + 26.0;
    let x = |f: f64| LEFT + f.clamp(0.0, 1.0) * (W - 2.0 * LEFT);
    let _ = writeln!(
        out,
        "<svg class=\"timeline\" viewBox=\"0 0 {W} {h}\" role=\"img\" \
         aria-label=\"events over the run\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(
        out,
        "<rect x=\"{LEFT}\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#f4f6f8\"/>",
        W - 2.0 * LEFT,
        rows as f64 * ROW
    );
    for (i, w) in windows.iter().enumerate() {
        let (r, g, b) = w.kind.map(WindowKind::rgb).unwrap_or((0x5f, 0x63, 0x68));
        let (x0, x1) = (x(w.start), x(w.end.unwrap_or(w.start)));
        let y = i as f64 * ROW;
        let _ = writeln!(
            out,
            "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
             fill=\"rgb({r},{g},{b})\" fill-opacity=\"0.35\" stroke=\"rgb({r},{g},{b})\"/>",
            y + 3.0,
            (x1 - x0).max(2.0),
            ROW - 6.0
        );
        // The label right of the band, or left of it near the end.
        let (tx, anchor) = if w.start < 0.6 {
            (x1 + 6.0, "start")
        } else {
            (x0 - 6.0, "end")
        };
        let _ = writeln!(
            out,
            "<text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" fill=\"#222\">{}</text>",
            y + ROW / 2.0 + 4.0,
            escape(&w.label)
        );
    }
    if !ticks.is_empty() {
        let y = windows.len() as f64 * ROW;
        for t in &ticks {
            let _ = writeln!(
                out,
                "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#5f6368\" \
                 stroke-width=\"2\"><title>{3}</title></line>",
                x(t.start),
                y + 3.0,
                y + ROW - 3.0,
                escape(&t.label)
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#5f6368\" dx=\"-4\" \
             font-size=\"11\">instant events (ticks; listed below)</text>",
            W - LEFT,
            y + ROW / 2.0 + 4.0
        );
    }
    let base = rows as f64 * ROW + 16.0;
    let _ = writeln!(
        out,
        "<text x=\"{LEFT}\" y=\"{base}\" fill=\"#5f6368\">t=0s</text>\
         <text x=\"{}\" y=\"{base}\" text-anchor=\"end\" fill=\"#5f6368\">t={}</text>\n</svg>",
        W - LEFT,
        escape(window)
    );
}

fn connectivity_section(out: &mut String, sections: &ReportSections) {
    section(out, "connectivity", "Connectivity");
    if sections.connectivity_rows.is_empty() {
        empty(out, "No connection attempted.");
        return;
    }
    head_row(
        out,
        &[
            "Traffic",
            "Source",
            "Target",
            "Path",
            "Outcome",
            "Reason",
            "#Count",
            "What to change",
        ],
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
            human::grouped(r.count),
            escape(&r.hint)
        );
    }
    out.push_str(TABLE_END);
    out.push_str(
        "<p class=\"note\">Reason codes: docs/outcomes.md. \
                  <code>vpcsim explain &lt;scenario&gt; --traffic &lt;class&gt;</code> \
                  traces one connection hop by hop.</p>\n</section>\n",
    );
}

fn expectations_section(out: &mut String, sections: &ReportSections) {
    section(out, "expectations", "Expectations");
    if sections.expectations.is_empty() {
        empty(out, "The scenario states no expectation.");
        return;
    }
    head_row(out, &["Expectation", "Result", "Detail"]);
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
    out.push_str(TABLE_END);
    out.push_str("</section>\n");
}

fn charts_section(out: &mut String, sections: &ReportSections) {
    section(out, "charts", "Charts");
    if sections.charts.is_empty() {
        empty(out, "No chart: the run had nothing to plot.");
        return;
    }
    for (title, svg) in &sections.charts {
        // The chart draws its own title: the caption says what to read in it.
        let caption = ChartKind::ALL
            .iter()
            .find(|k| k.title() == title)
            .map(|k| k.caption())
            .unwrap_or("");
        let _ = writeln!(
            out,
            "<figure aria-label=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            escape(title),
            inline_svg(svg).trim_end(),
            escape(caption)
        );
    }
    out.push_str("</section>\n");
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
            bill_rows: vec![
                BillRow {
                    account: "<script>alert('bill')</script>".to_string(),
                    category: "Cross-AZ data transfer".to_string(),
                    usage: "10.7 GiB".to_string(),
                    usd: "$12.34".to_string(),
                    monthly_usd: "$375.34".to_string(),
                    kind: BillRowKind::Line,
                },
                BillRow {
                    account: "<script>alert('bill')</script>".to_string(),
                    usd: "$12.34".to_string(),
                    monthly_usd: "$375.34".to_string(),
                    kind: BillRowKind::Subtotal,
                    ..BillRow::default()
                },
                BillRow {
                    usd: "$12.34".to_string(),
                    monthly_usd: "$375.34".to_string(),
                    kind: BillRowKind::Total,
                    ..BillRow::default()
                },
            ],
            window: "1d".to_string(),
            events: vec![
                EventRow {
                    time: "t=3h".to_string(),
                    what: "use1-az2 down for 30m (until t=3h30m)".to_string(),
                    refused: String::new(),
                    note: "AZ down".to_string(),
                },
                EventRow {
                    time: "t=4h".to_string(),
                    what: "Suspend <ep> refused".to_string(),
                    refused: "ENDPOINT_NOT_FOUND".to_string(),
                    note: "no such endpoint".to_string(),
                },
            ],
            timeline: vec![
                TimelineItem {
                    start: 0.125,
                    end: Some(0.146),
                    label: "use1-az2 down".to_string(),
                    kind: Some(WindowKind::Outage),
                },
                TimelineItem {
                    start: 0.17,
                    end: None,
                    label: "t=4h Suspend <ep> refused".to_string(),
                    kind: None,
                },
            ],
            headline: vec![("per 730-hour month".to_string(), "$375.34".to_string())],
            traffic_rows: Vec::new(),
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
        for id in [
            "summary",
            "bill",
            "events",
            "connectivity",
            "expectations",
            "charts",
        ] {
            assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
        }
        assert!(html.contains("✓ pass") && html.contains("✗ fail"));
        assert!(html.contains("1 of 2 expectations failed"));
        assert!(html.contains("@media print"));
    }

    #[test]
    fn the_bill_has_a_month_column_and_totals_and_events_a_timeline() {
        // The bill's header names both columns; the subtotal and the total
        // rows are marked; the events table flags the refused action and
        // the timeline draws the outage band in the outage colour.
        let html = report_html(&meta(), &sections());
        assert!(
            html.contains("<th class=\"num\">1d window</th><th class=\"num\">730-hour month</th>")
        );
        assert!(html.contains("<tr class=\"subtotal\">"));
        assert!(html.contains("<tr class=\"total\"><td>All accounts</td><td>total</td>"));
        assert!(html.contains("AWS&#39;s GB = 1 GiB = 2^30 bytes"));
        assert!(html.contains("<tr class=\"refused\">"));
        assert!(html.contains("<code>ENDPOINT_NOT_FOUND</code>"));
        assert!(html.contains("Suspend &lt;ep&gt; refused"));
        assert!(html.contains("<svg class=\"timeline\""));
        assert!(html.contains("fill=\"rgb(214,39,40)\""), "outage red");
        assert!(html.contains("<b>$375.34</b><span>per 730-hour month</span>"));
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
            // The caption says what to read, not the title again.
            let kind = ChartKind::ALL
                .iter()
                .find(|k| k.title() == title)
                .expect("kind");
            assert!(html.contains(&format!(
                "<figcaption>{}</figcaption>",
                escape(kind.caption())
            )));
            assert!(!html.contains(&format!("<figcaption>{}</figcaption>", escape(title))));
        }
        // Two charts and the events timeline.
        assert_eq!(html.matches("<figure").count(), 2);
        assert_eq!(html.matches("<svg").count(), 3);
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
