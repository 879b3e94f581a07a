//! Side-by-side comparison of variants (or of scenario files): one column
//! per variant, one row per figure, one table per sweep point (replications
//! averaged). Formats: text, Markdown, CSV, JSON (one file per format, as
//! hyperfine does).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cost::Category;
use crate::load;
use crate::pipeline;
use crate::sim;

use super::expand::Point;
use super::row::{r6, replication_groups, Feasibility, Row, StudyInfo};
use super::sweep::{read_sweep_dir, run_points, study_info};
use super::{load_file, points, StudyError};

/// What `vpcsim compare` was given.
#[derive(Debug)]
pub enum Input {
    /// A study file: its points are run (in memory).
    Study(PathBuf),
    /// A folder written by `vpcsim sweep` or `vpcsim merge`: its rows are read.
    SweepDir(PathBuf),
    /// Scenario files: each is run once with its own seed.
    Scenarios(Vec<PathBuf>),
}

/// The first identifier of a RON file, after comments and blanks.
pub(crate) fn top_level_name(text: &str) -> String {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map(|i| &r[i..]).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map(|i| &r[i + 2..]).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix("#![") {
            rest = r.find(']').map(|i| &r[i + 1..]).unwrap_or("");
        } else {
            break;
        }
    }
    rest.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Decides what the arguments are: one study file, one sweep folder, or
/// scenario files.
pub fn classify(paths: &[PathBuf]) -> Result<Input, StudyError> {
    if paths.is_empty() {
        return Err(StudyError::Compare(
            "give a study file, a sweep output folder, or two or more scenario files".into(),
        ));
    }
    if paths.len() == 1 && paths[0].is_dir() {
        return Ok(Input::SweepDir(paths[0].clone()));
    }
    let mut kinds = Vec::new();
    for p in paths {
        let text = crate::input::read_text(p, crate::input::Kind::Scenario)?;
        kinds.push(top_level_name(&text));
    }
    if kinds.iter().any(|k| k == "Study") {
        if paths.len() != 1 {
            return Err(StudyError::Compare(
                "compare one study file at a time (its variants are the columns)".into(),
            ));
        }
        return Ok(Input::Study(paths[0].clone()));
    }
    Ok(Input::Scenarios(paths.to_vec()))
}

/// The rows a comparison is made of, and where they came from.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub title: String,
    /// Column names (variants or scenarios), in order.
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    /// The study header (not for scenario files).
    pub info: Option<StudyInfo>,
}

/// Runs (or reads) what `input` names and collects its rows.
pub fn collect(input: &Input, jobs: usize, quiet: bool) -> Result<Comparison, StudyError> {
    match input {
        Input::Study(path) => {
            let ls = load_file(path)?;
            let pts = points(&ls);
            let rows = run_points(&ls, &pts, jobs, quiet, None, false)?;
            let info = study_info(&ls, pts.len());
            Ok(Comparison {
                title: ls.study.name.clone(),
                columns: info.variants.clone(),
                rows,
                info: Some(info),
            })
        }
        Input::SweepDir(dir) => {
            let (info, rows) = read_sweep_dir(dir)?;
            Ok(Comparison {
                title: info.study.clone(),
                columns: info.variants.clone(),
                rows,
                info: Some(info),
            })
        }
        Input::Scenarios(paths) => {
            let mut scenarios = Vec::new();
            let mut names: Vec<String> = Vec::new();
            for p in paths {
                let s = load::load_file(p).map_err(|e| StudyError::Compare(e.to_string()))?;
                let mut name = s.scenario().name.clone();
                if names.contains(&name) {
                    name = p.display().to_string();
                }
                names.push(name);
                scenarios.push(s);
            }
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(jobs.max(1))
                .build()
                .map_err(|e| StudyError::Pool(e.to_string()))?;
            use rayon::prelude::*;
            let results: Vec<Result<Row, StudyError>> = pool.install(|| {
                scenarios
                    .par_iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let r = pipeline::run(
                            s,
                            &sim::RunOptions {
                                quiet: true,
                                ..Default::default()
                            },
                        )
                        .map_err(|source| StudyError::Run {
                            point: names[i].clone(),
                            source: Box::new(source),
                        })?;
                        let p = Point {
                            index: i,
                            id: format!("{i:04}-{}", s.scenario().name),
                            variant: names[i].clone(),
                            consumers: None,
                            load: None,
                            zonal_share: None,
                            azs: None,
                            replication: 0,
                            seed: s.scenario().seed,
                        };
                        Ok(Row::from_run(&p, &r, None, None))
                    })
                    .collect()
            });
            let rows = results.into_iter().collect::<Result<Vec<_>, _>>()?;
            Ok(Comparison {
                title: names.join(" vs "),
                columns: names,
                rows,
                info: None,
            })
        }
    }
}

/// Output formats of the comparison table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Csv,
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Markdown => "md",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// A cell: a number with its display precision, or text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Num(f64),
    Text(String),
}

impl Cell {
    fn show(&self, decimals: usize) -> String {
        match self {
            Cell::Num(x) => format!("{x:.decimals$}"),
            Cell::Text(t) => t.clone(),
        }
    }
}

/// One figure across the columns.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub metric: String,
    #[serde(skip)]
    pub decimals: usize,
    /// One value per column (`null`: the column has no row at this point).
    pub values: Vec<Option<Cell>>,
}

/// One sweep point: its coordinates and its figures.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub consumers: Option<u32>,
    pub load: f64,
    pub zonal_share: Option<f64>,
    pub azs: Option<u32>,
    /// Replications averaged in each column.
    pub replications: usize,
    pub lines: Vec<Line>,
}

impl Group {
    fn heading(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.consumers {
            parts.push(format!("consumers {n}"));
        }
        if self.load != 1.0 {
            parts.push(format!("load ×{}", self.load));
        }
        if let Some(z) = self.zonal_share {
            parts.push(format!("zonal share {z}"));
        }
        if let Some(a) = self.azs {
            parts.push(format!("{a} AZ{}", if a == 1 { "" } else { "s" }));
        }
        if self.replications > 1 {
            parts.push(format!("mean of {} seeds", self.replications));
        }
        if parts.is_empty() {
            "all points".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// The comparison as tables.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub groups: Vec<Group>,
}

fn mean(rows: &[&Row], f: impl Fn(&Row) -> f64) -> f64 {
    if rows.is_empty() {
        0.0
    } else {
        rows.iter().map(|r| f(r)).sum::<f64>() / rows.len() as f64
    }
}

/// Builds the tables: groups of rows with the same coordinates, columns in
/// `c.columns` order, replications averaged.
pub fn table(c: &Comparison) -> Table {
    // Rows by (group key, column), groups in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut cells: BTreeMap<(String, String), Vec<&Row>> = BTreeMap::new();
    for g in replication_groups(&c.rows) {
        let key = g[0].group_key();
        if !order.contains(&key) {
            order.push(key.clone());
        }
        cells.insert((key, g[0].variant.clone()), g);
    }
    let mut groups = Vec::new();
    for key in order {
        let cols: Vec<Option<&Vec<&Row>>> = c
            .columns
            .iter()
            .map(|v| cells.get(&(key.clone(), v.clone())))
            .collect();
        let Some(first) = cols.iter().flatten().next().map(|g| g[0]) else {
            continue;
        };
        let replications = cols.iter().flatten().map(|g| g.len()).max().unwrap_or(1);
        let verdicts: Vec<Option<Feasibility>> = cols
            .iter()
            .map(|g| g.map(|g| Feasibility::worst(g.iter().map(|r| r.feasibility()))))
            .collect();
        let mut lines = vec![verdict_line(&cols, &verdicts), rank_line(&cols, &verdicts)];
        let num =
            |lines: &mut Vec<Line>, metric: &str, decimals: usize, f: &dyn Fn(&Row) -> f64| {
                lines.push(Line {
                    metric: metric.to_string(),
                    decimals,
                    values: cols
                        .iter()
                        .map(|g| g.map(|g| Cell::Num(r6(mean(g, f)))))
                        .collect(),
                });
            };
        num(&mut lines, "connections attempted", 0, &|r| {
            r.attempts as f64
        });
        num(&mut lines, "delivered", 0, &|r| r.delivered as f64);
        num(&mut lines, "delivered %", 2, &|r| {
            r.delivered_fraction * 100.0
        });
        num(&mut lines, "denied", 0, &|r| r.denied as f64);
        num(&mut lines, "cut mid-transfer", 0, &|r| r.cut as f64);
        num(&mut lines, "monthly cost USD", 2, &|r| r.monthly_usd());
        let cats: Vec<&str> = Category::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|cat| {
                cols.iter()
                    .flatten()
                    .any(|g| g.iter().any(|r| r.monthly_category_usd(cat) != 0.0))
            })
            .collect();
        for cat in cats {
            num(&mut lines, &format!("  {cat}"), 2, &|r| {
                r.monthly_category_usd(cat)
            });
        }
        lines.extend(account_lines(&cols));
        num(&mut lines, "window cost USD", 4, &|r| {
            r.cost_usd.parse().unwrap_or(0.0)
        });
        num(&mut lines, "cross-AZ GiB", 3, &|r| {
            r.cross_az_bytes as f64 / (1u64 << 30) as f64
        });
        num(&mut lines, "offered Gbps", 4, &|r| r.offered_gbps);
        num(&mut lines, "achieved Gbps", 4, &|r| r.achieved_gbps);
        num(&mut lines, "peak utilisation %", 1, &|r| {
            r.peak_utilisation * 100.0
        });
        num(&mut lines, "p99 FCT ms", 3, &|r| r.p99_fct_ms);
        // Nothing delivered: no completion time to compare (0 would read
        // as the fastest).
        if let Some(l) = lines.last_mut() {
            for (v, f) in l.values.iter_mut().zip(&verdicts) {
                if *f == Some(Feasibility::Infeasible) {
                    *v = Some(Cell::Text("- (none delivered)".into()));
                }
            }
        }
        lines.push(Line {
            metric: "top denial reasons".to_string(),
            decimals: 0,
            values: cols
                .iter()
                .map(|g| {
                    g.map(|g| {
                        let mut sum: BTreeMap<&str, u64> = BTreeMap::new();
                        for r in g.iter() {
                            for (k, n) in &r.denied_by_reason {
                                *sum.entry(k.as_str()).or_default() += n;
                            }
                        }
                        let mut v: Vec<(&str, u64)> = sum.into_iter().collect();
                        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                        let text = v
                            .iter()
                            .take(2)
                            .map(|(k, n)| format!("{k} {n}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        Cell::Text(if text.is_empty() { "-".into() } else { text })
                    })
                })
                .collect(),
        });
        groups.push(Group {
            consumers: first.consumers,
            load: first.load,
            zonal_share: first.zonal_share,
            azs: first.azs,
            replications,
            lines,
        });
    }
    Table {
        title: c.title.clone(),
        columns: c.columns.clone(),
        groups,
    }
}

/// The first line of every table: does the design deliver?
fn verdict_line(cols: &[Option<&Vec<&Row>>], verdicts: &[Option<Feasibility>]) -> Line {
    Line {
        metric: "verdict".to_string(),
        decimals: 0,
        values: cols
            .iter()
            .zip(verdicts)
            .map(|(g, f)| {
                let g = (*g)?;
                let attempts: u64 = g.iter().map(|r| r.attempts).sum();
                let denied: u64 = g.iter().map(|r| r.denied).sum();
                let share = if attempts > 0 {
                    denied as f64 * 100.0 / attempts as f64
                } else {
                    0.0
                };
                Some(Cell::Text(match f {
                    Some(Feasibility::Delivers) | None => "delivers all".into(),
                    Some(Feasibility::PartlyDenied) => format!("PARTLY DENIED {share:.1}%"),
                    Some(Feasibility::Infeasible) => "INFEASIBLE: all denied".into(),
                }))
            })
            .collect(),
    }
}

/// Monthly-cost rank among the columns that deliver everything; a column
/// that denies is never ranked (its cost is that of what got through).
fn rank_line(cols: &[Option<&Vec<&Row>>], verdicts: &[Option<Feasibility>]) -> Line {
    let cost = |g: &Vec<&Row>| mean(g, |r| r.monthly_usd());
    let mut ranked: Vec<(usize, f64)> = cols
        .iter()
        .zip(verdicts)
        .enumerate()
        .filter(|(_, (_, f))| **f == Some(Feasibility::Delivers))
        .filter_map(|(i, (g, _))| g.map(|g| (i, cost(g))))
        .collect();
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    Line {
        metric: "cost rank (delivering only)".to_string(),
        decimals: 0,
        values: cols
            .iter()
            .enumerate()
            .map(|(i, g)| {
                g.map(|_| match ranked.iter().position(|r| r.0 == i) {
                    Some(k) => Cell::Text(format!("{}", k + 1)),
                    None => Cell::Text("not ranked".into()),
                })
            })
            .collect(),
    }
}

/// Accounts listed one by one in a table, at most.
const TABLE_ACCOUNTS: usize = 8;

/// Monthly cost per paying account: the largest [`TABLE_ACCOUNTS`] (by
/// their highest column), then the rest summed.
fn account_lines(cols: &[Option<&Vec<&Row>>]) -> Vec<Line> {
    let mut top: BTreeMap<&str, f64> = BTreeMap::new();
    for g in cols.iter().flatten() {
        for r in g.iter() {
            for a in r.monthly_by_account.keys() {
                let v = mean(g, |x| x.monthly_account_usd(a));
                let e = top.entry(a.as_str()).or_insert(0.0);
                *e = e.max(v);
            }
        }
    }
    let mut accounts: Vec<(&str, f64)> = top.into_iter().collect();
    accounts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let keep = if accounts.len() <= TABLE_ACCOUNTS + 1 {
        accounts.len()
    } else {
        TABLE_ACCOUNTS
    };
    let line = |metric: String, f: &dyn Fn(&Row) -> f64| Line {
        metric,
        decimals: 2,
        values: cols
            .iter()
            .map(|g| g.map(|g| Cell::Num(r6(mean(g, f)))))
            .collect(),
    };
    let mut out: Vec<Line> = accounts[..keep]
        .iter()
        .map(|(a, _)| line(format!("  account {a}"), &|r| r.monthly_account_usd(a)))
        .collect();
    let rest: Vec<&str> = accounts[keep..].iter().map(|a| a.0).collect();
    if !rest.is_empty() {
        out.push(line(format!("  {} other accounts", rest.len()), &|r| {
            rest.iter().map(|a| r.monthly_account_usd(a)).sum()
        }));
    }
    out
}

/// What `vpcsim sweep` prints at the end: one line per variant with its
/// points, how many deliver everything, deny some or deliver nothing, and
/// the range of its monthly cost over the points that deliver.
pub fn variant_overview(rows: &[Row], columns: &[String]) -> String {
    let mut grid = vec![vec![
        "variant".to_string(),
        "points".to_string(),
        "deliver all".to_string(),
        "partly denied".to_string(),
        "infeasible".to_string(),
        "monthly USD (delivering)".to_string(),
    ]];
    for v in columns {
        let mine: Vec<&Row> = rows.iter().filter(|r| &r.variant == v).collect();
        if mine.is_empty() {
            continue;
        }
        let count = |f: Feasibility| mine.iter().filter(|r| r.feasibility() == f).count();
        let costs: Vec<f64> = mine
            .iter()
            .filter(|r| r.feasibility() == Feasibility::Delivers)
            .map(|r| r.monthly_usd())
            .collect();
        let range = match (
            costs.iter().copied().reduce(f64::min),
            costs.iter().copied().reduce(f64::max),
        ) {
            (Some(lo), Some(hi)) if (hi - lo).abs() < 0.005 => crate::report::human::usd_f64(lo),
            (Some(lo), Some(hi)) => format!(
                "{} – {}",
                crate::report::human::usd_f64(lo),
                crate::report::human::usd_f64(hi)
            ),
            _ => "-".to_string(),
        };
        grid.push(vec![
            v.clone(),
            mine.len().to_string(),
            count(Feasibility::Delivers).to_string(),
            count(Feasibility::PartlyDenied).to_string(),
            count(Feasibility::Infeasible).to_string(),
            range,
        ]);
    }
    aligned(&grid)
}

/// Rows of cells as text columns: the first left-aligned, the rest right.
fn aligned(grid: &[Vec<String>]) -> String {
    let n = grid.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|c| {
            grid.iter()
                .map(|r| r.get(c).map(|x| x.chars().count()).unwrap_or(0))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in grid {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str("  ");
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn show(v: &Option<Cell>, decimals: usize) -> String {
    v.as_ref()
        .map(|c| c.show(decimals))
        .unwrap_or_else(|| "-".into())
}

/// Renders the tables in a format.
pub fn render(t: &Table, f: Format) -> Result<String, StudyError> {
    match f {
        Format::Text => Ok(render_text(t)),
        Format::Markdown => Ok(render_markdown(t)),
        Format::Csv => render_csv(t),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(t).map_err(|e| StudyError::Encode {
                what: "comparison JSON".into(),
                message: e.to_string(),
            })?;
            s.push('\n');
            Ok(s)
        }
    }
}

/// What the tables' units and periods are, under the text and Markdown
/// tables.
const UNITS_NOTE: &str = "monthly cost: the window's usage repeated for 730 hours; window cost, \
cross-AZ GiB and Gbps: the simulated window. GiB: AWS's billed GB, 1 GB = 1 GiB = 2^30 bytes.";

/// A figure's name as people read it: bill category codes get their labels
/// (`  endpoint_hours` → `  Endpoint hours`); CSV and JSON keep the codes.
fn shown_metric(metric: &str) -> String {
    let code = metric.trim_start();
    if Category::ALL.iter().any(|c| c.as_str() == code) {
        let indent = &metric[..metric.len() - code.len()];
        format!("{indent}{}", crate::report::human::category(code))
    } else {
        metric.to_string()
    }
}

fn render_text(t: &Table) -> String {
    let mut out = format!("comparison: {}\n", t.title);
    for g in &t.groups {
        out.push_str(&format!("\n{}\n", g.heading()));
        let mut grid: Vec<Vec<String>> = vec![std::iter::once(String::new())
            .chain(t.columns.iter().cloned())
            .collect()];
        for l in &g.lines {
            grid.push(
                std::iter::once(shown_metric(&l.metric))
                    .chain(l.values.iter().map(|v| show(v, l.decimals)))
                    .collect(),
            );
        }
        out.push_str(&aligned(&grid));
    }
    out.push_str(&format!("\n{UNITS_NOTE}\n"));
    out
}

fn render_markdown(t: &Table) -> String {
    let mut out = format!("# Comparison: {}\n", t.title);
    for g in &t.groups {
        out.push_str(&format!("\n## {}\n\n", g.heading()));
        out.push_str(&format!("| | {} |\n", t.columns.join(" | ")));
        out.push_str(&format!("| --- |{}\n", " ---: |".repeat(t.columns.len())));
        for l in &g.lines {
            let shown = shown_metric(&l.metric);
            let metric = shown.trim_start();
            let metric = if shown.starts_with(' ') {
                format!("&nbsp;&nbsp;{metric}")
            } else {
                metric.to_string()
            };
            out.push_str(&format!(
                "| {metric} | {} |\n",
                l.values
                    .iter()
                    .map(|v| show(v, l.decimals))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
        }
    }
    out.push_str(&format!("\n{UNITS_NOTE}\n"));
    out
}

fn render_csv(t: &Table) -> Result<String, StudyError> {
    let enc = |e: String| StudyError::Encode {
        what: "comparison CSV".into(),
        message: e,
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "consumers".to_string(),
        "load".into(),
        "zonal_share".into(),
        "azs".into(),
        "replications".into(),
        "metric".into(),
    ];
    header.extend(t.columns.iter().cloned());
    w.write_record(&header).map_err(|e| enc(e.to_string()))?;
    let opt = |x: Option<String>| x.unwrap_or_default();
    for g in &t.groups {
        for l in &g.lines {
            let mut rec = vec![
                opt(g.consumers.map(|v| v.to_string())),
                g.load.to_string(),
                opt(g.zonal_share.map(|v| v.to_string())),
                opt(g.azs.map(|v| v.to_string())),
                g.replications.to_string(),
                l.metric.trim().to_string(),
            ];
            rec.extend(l.values.iter().map(|v| match v {
                Some(Cell::Num(x)) => x.to_string(),
                Some(Cell::Text(s)) => s.clone(),
                None => String::new(),
            }));
            w.write_record(&rec).map_err(|e| enc(e.to_string()))?;
        }
    }
    let bytes = w.into_inner().map_err(|e| enc(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| enc(e.to_string()))
}

/// Writes the comparison in `format` (and the charts, for studies) into
/// `out`; returns the files written.
pub fn write(
    out: &Path,
    c: &Comparison,
    t: &Table,
    format: Format,
) -> Result<Vec<PathBuf>, StudyError> {
    let mut files = Vec::new();
    let p = out.join(format!("comparison.{}", format.extension()));
    crate::report::write_atomic(&p, render(t, format)?.as_bytes())?;
    files.push(p);
    if c.info.is_some() {
        files.extend(super::charts::write_charts(&out.join("charts"), c)?);
    }
    Ok(files)
}
