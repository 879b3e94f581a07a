//! Charts of a run: `charts/<name>.svg` and `charts/<name>.png`.
//!
//! Owns: turning plain, already-measured numbers into pictures. The
//! simulation fills the input structs ([`ChartData`] and the types it holds);
//! this module never looks at the model itself.
//!
//! | chart | file stem | input |
//! | --- | --- | --- |
//! | throughput and capacity over time | `throughput` | [`ResourceSeries`] |
//! | cost by category, one bar per account | `cost-breakdown` | [`AccountCost`] |
//! | outcome matrix, sources × targets | `connectivity` | [`ConnCell`] |
//! | flow completion time CDF | `fct` | [`FctSeries`] |
//! | cross-AZ bytes and their cost | `cross-az` | [`CrossAzPoint`] |
//!
//! Design rules:
//! - **No system fonts.** DejaVu Sans (embedded by the `dejavu` crate) is
//!   registered as `sans-serif` once ([`init_fonts`]); every text uses it, so
//!   charts render the same on a machine without any font installed.
//! - **Deterministic.** The same input gives byte-identical SVG: inputs are
//!   sorted with total orders, aggregations use ordered maps, no clock is read.
//! - **Nothing to show, nothing drawn.** A chart with no data is skipped, not
//!   drawn empty; the writers return the files they actually wrote.
//! - **Readable at any size of input.** Big inputs keep the top entries and
//!   fold the rest into an "others" entry; long names are truncated with an
//!   ellipsis; long series are thinned to what the pixels can show (keeping
//!   each bucket's minimum and maximum, so peaks survive).
//! - **Atomic files.** SVG goes through [`crate::report::write_atomic`]; PNG
//!   is drawn into a temporary sibling file, flushed, then renamed.
//! - Drawing results are never unwrapped: every failure is a [`ChartError`].

mod common;
mod connectivity;
mod cost;
mod cross_az;
mod events;
mod fct;
mod png;
mod throughput;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::report::{write_atomic, ReportError};
use common::{DrawFail, Drawn};

pub use common::FONT_FAMILY;
pub use connectivity::{TOP_SOURCES, TOP_TARGETS};
pub use cost::TOP_ACCOUNTS;
pub use png::PngBackend;
pub use throughput::TOP_RESOURCES;

/// Width and height of every chart, in pixels (PNG) or user units (SVG).
pub const CHART_SIZE: (u32, u32) = (1200, 700);

/// Identifies a chart: its file stem and its title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChartKind {
    Throughput,
    CostBreakdown,
    Connectivity,
    Fct,
    CrossAz,
}

impl ChartKind {
    /// Every chart, in the order [`render_all`] draws them.
    pub const ALL: [ChartKind; 5] = [
        ChartKind::Throughput,
        ChartKind::CostBreakdown,
        ChartKind::Connectivity,
        ChartKind::Fct,
        ChartKind::CrossAz,
    ];

    /// The file stem: `charts/<name>.svg` and `charts/<name>.png`.
    pub fn name(self) -> &'static str {
        match self {
            ChartKind::Throughput => "throughput",
            ChartKind::CostBreakdown => "cost-breakdown",
            ChartKind::Connectivity => "connectivity",
            ChartKind::Fct => "fct",
            ChartKind::CrossAz => "cross-az",
        }
    }

    /// What to read in the chart: report.html's caption.
    pub fn caption(self) -> &'static str {
        match self {
            ChartKind::Throughput => "Each endpoint AZ, link and gateway that carried traffic, averaged over every sample interval; dashed lines are capacities, shaded bands the event windows.",
            ChartKind::CostBreakdown => "Who pays for what: one bar per account, stacked by bill category, for the simulated window (the legend gives the 730-hour month).",
            ChartKind::Connectivity => "Every source against every target it tried: green delivered, other colours the reason AWS denied; the table above gives each denial's fix.",
            ChartKind::Fct => "How long connections took from request to last response byte, per traffic class; the p50, p90 and p99 lines are read off where each curve crosses them.",
            ChartKind::CrossAz => "Bytes that crossed AZs in each interval and what they cost; event windows shaded as on the throughput chart.",
        }
    }

    /// The title drawn at the top of the chart.
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::Throughput => "Throughput and capacity over time",
            ChartKind::CostBreakdown => "Cost by account and category",
            ChartKind::Connectivity => "Connectivity: outcome by source and target",
            ChartKind::Fct => "Flow completion time (CDF per traffic class)",
            ChartKind::CrossAz => "Cross-AZ data and its cost over time",
        }
    }
}

/// What every chart says about the run it comes from: its subtitle, and
/// the run's events, which every time chart draws.
#[derive(Debug, Clone, Default)]
pub struct ChartMeta {
    /// Scenario name.
    pub scenario: String,
    /// Seed of the run.
    pub seed: u64,
    /// Simulated time, s (0 when unknown: the subtitle leaves it out).
    pub window_s: f64,
    /// The bill was projected to a 730-hour month (`--project-month`).
    pub projected: bool,
    /// The run's bill per 730-hour month, USD (the cost chart's note).
    pub monthly_usd: Option<f64>,
    /// Events drawn on the time charts (throughput, cross-AZ).
    pub timeline: Timeline,
}

/// Throughput of one resource (an endpoint in one AZ, a DX link, a NAT
/// gateway, a TGW attachment…) and its capacity, over time.
#[derive(Debug, Clone, Default)]
pub struct ResourceSeries {
    /// Resource name, e.g. `acme-orders/use1-az1`.
    pub name: String,
    /// Resource kind, e.g. `endpoint AZ`, `DX link`, `NAT`, `TGW attachment`.
    pub kind: String,
    /// `(time in s, throughput in bits/s)` samples. Between samples the
    /// chart draws a straight line.
    pub points: Vec<(f64, f64)>,
    /// `(time in s, capacity in bits/s)`: each point starts a step that holds
    /// until the next one (or the end of the chart).
    pub capacity: Vec<(f64, f64)>,
}

/// The cost of one account, by bill category.
#[derive(Debug, Clone, Default)]
pub struct AccountCost {
    /// Account name.
    pub account: String,
    /// `(category, USD)`, e.g. `("endpoint_hours", 14.6)`. A category listed
    /// twice is summed; amounts that are not positive are not drawn.
    pub by_category: Vec<(String, f64)>,
}

/// Connection attempts from one source to one target.
#[derive(Debug, Clone, Default)]
pub struct ConnCell {
    /// Source name (a workload, a subnet…).
    pub source: String,
    /// Target name (a service, a workload, an address…).
    pub target: String,
    /// Attempts delivered.
    pub delivered: u64,
    /// `(reason code, attempts)` denied, e.g. `("NOT_ALLOWED_PRINCIPAL", 12)`.
    pub denied: Vec<(String, u64)>,
}

/// The flow completion time distribution of one traffic class.
#[derive(Debug, Clone, Default)]
pub struct FctSeries {
    /// Traffic class name.
    pub class: String,
    /// `(completion time in s, cumulative fraction 0–1)`, e.g. from the
    /// class's histogram. Points at or below 0 s cannot be drawn on the log
    /// axis and are left out.
    pub points: Vec<(f64, f64)>,
}

/// One interval of cross-AZ traffic: `(end of interval in s, bytes that
/// crossed AZs in the interval, their cost in USD)`.
pub type CrossAzPoint = (f64, f64, f64);

/// What an event window stands for: its colour on every time chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WindowKind {
    /// An AZ is down.
    Outage,
    /// A Direct Connect link is down.
    LinkDown,
    /// An endpoint connection is suspended, rejected or terminated.
    Lifecycle,
    /// An endpoint service serves through two NLBs while one replaces the other.
    NlbSwap,
}

impl WindowKind {
    /// The kind's colour (charts and report.html use the same).
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            WindowKind::Outage => (0xd6, 0x27, 0x28),
            WindowKind::LinkDown => (0x94, 0x67, 0xbd),
            WindowKind::Lifecycle => (0xd9, 0x8a, 0x00),
            WindowKind::NlbSwap => (0x12, 0x9c, 0xac),
        }
    }

    /// The legend's name of the kind, and its second line.
    pub fn legend(self) -> (&'static str, &'static str) {
        match self {
            WindowKind::Outage => ("AZ outage", "the AZ's ENIs, NLB nodes, targets down"),
            WindowKind::LinkDown => ("Direct Connect link down", "traffic fails over or stops"),
            WindowKind::Lifecycle => (
                "endpoint connection down",
                "suspended, rejected or terminated",
            ),
            WindowKind::NlbSwap => ("NLB swap", "old and new NLB both serving"),
        }
    }
}

/// A stretch of time an event changed something for: shaded and labelled
/// on every time chart.
#[derive(Debug, Clone, PartialEq)]
pub struct EventWindow {
    /// Start, s from the start of the run.
    pub start_s: f64,
    /// End, s (the end of the run when `open_end`).
    pub end_s: f64,
    /// Still in effect when the run ended.
    pub open_end: bool,
    /// e.g. `use1-az2 down`.
    pub label: String,
    pub kind: WindowKind,
}

/// An instant event (an acceptance, a DNS state change, a refused action):
/// a dotted line with a label on every time chart.
#[derive(Debug, Clone, PartialEq)]
pub struct EventMarker {
    pub time_s: f64,
    /// e.g. `Accept acme-orders`.
    pub label: String,
}

/// The events of a run, as time charts draw them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    pub windows: Vec<EventWindow>,
    pub markers: Vec<EventMarker>,
}

impl Timeline {
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty() && self.markers.is_empty()
    }
}

/// Everything the charts of one run are drawn from.
#[derive(Debug, Clone, Default)]
pub struct ChartData {
    pub throughput: Vec<ResourceSeries>,
    pub cost: Vec<AccountCost>,
    pub connectivity: Vec<ConnCell>,
    pub fct: Vec<FctSeries>,
    pub cross_az: Vec<CrossAzPoint>,
}

/// Why a chart could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChartError {
    #[error("cannot load the embedded chart font ({font}); the build's `dejavu` data is damaged")]
    Font { font: &'static str },
    #[error("cannot draw the {chart} chart into {target}: {message}")]
    Draw {
        chart: &'static str,
        target: String,
        message: String,
    },
    #[error("cannot write the {chart} chart: {source}")]
    Write {
        chart: &'static str,
        #[source]
        source: ReportError,
    },
}

/// Registers DejaVu Sans (regular and bold) as the `sans-serif` family.
/// Runs once per process; later calls return the first result. Every
/// rendering function calls it, so calling it at start-up is optional (it
/// only moves the cost, and a font error, earlier).
pub fn init_fonts() -> Result<(), ChartError> {
    static FONTS: OnceLock<Result<(), &'static str>> = OnceLock::new();
    let result = FONTS.get_or_init(|| {
        let faces: [(FontStyle, &'static [u8], &'static str); 4] = [
            (FontStyle::Normal, dejavu::sans::regular(), "DejaVu Sans"),
            (FontStyle::Bold, dejavu::sans::bold(), "DejaVu Sans Bold"),
            (
                FontStyle::Oblique,
                dejavu::sans::oblique(),
                "DejaVu Sans Oblique",
            ),
            (
                FontStyle::Italic,
                dejavu::sans::oblique(),
                "DejaVu Sans Oblique",
            ),
        ];
        for (style, bytes, name) in faces {
            plotters::style::register_font(FONT_FAMILY, style, bytes).map_err(|_| name)?;
        }
        Ok(())
    });
    result.map_err(|font| ChartError::Font { font })
}

/// A chart ready to draw: the prepared (sorted, aggregated, scaled) data.
trait Chart {
    const KIND: ChartKind;
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, meta: &ChartMeta) -> Drawn;
}

fn draw_error(kind: ChartKind, target: String, fail: DrawFail) -> ChartError {
    ChartError::Draw {
        chart: kind.name(),
        target,
        message: fail.0,
    }
}

/// Draws `chart` as an SVG document.
fn svg_of<C: Chart>(chart: &C, meta: &ChartMeta) -> Result<String, ChartError> {
    init_fonts()?;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, CHART_SIZE).into_drawing_area();
        let drawn = chart
            .draw(&root, meta)
            .and_then(|()| root.present().map_err(DrawFail::from));
        drawn.map_err(|f| draw_error(C::KIND, "SVG".to_string(), f))?;
    }
    Ok(buf)
}

/// Draws `chart` as a PNG at `path`: into a temporary sibling (whose name
/// also ends in `.png`, the encoder picks the format from it), flushed, then
/// renamed over `path`.
fn write_png<C: Chart>(chart: &C, meta: &ChartMeta, path: &Path) -> Result<(), ChartError> {
    init_fonts()?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let io_error = |e: std::io::Error| ChartError::Write {
        chart: C::KIND.name(),
        source: ReportError::Io {
            path: path.display().to_string(),
            source: e,
        },
    };
    std::fs::create_dir_all(dir).map_err(io_error)?;
    // Created exclusively under an unpredictable name; the encoder then
    // writes that file.
    let (tmp, file) =
        crate::report::stale::create_temp(dir, C::KIND.name(), ".png").map_err(io_error)?;
    drop(file);
    let drawn = {
        // The backend is dropped at the end of this block, before the
        // temporary file is renamed or removed.
        let root = png::PngBackend::new(&tmp, CHART_SIZE).into_drawing_area();
        chart
            .draw(&root, meta)
            .and_then(|()| root.present().map_err(DrawFail::from))
    };
    let result = drawn
        .map_err(|f| draw_error(C::KIND, path.display().to_string(), f))
        .and_then(|()| {
            std::fs::File::open(&tmp)
                .and_then(|f| f.sync_all())
                .and_then(|()| std::fs::rename(&tmp, path))
                .map_err(io_error)
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes `<dir>/charts/<name>.svg` and `.png`; returns both paths.
fn write_chart<C: Chart>(
    dir: &Path,
    meta: &ChartMeta,
    chart: &C,
) -> Result<Vec<PathBuf>, ChartError> {
    let charts = dir.join("charts");
    let svg_path = charts.join(format!("{}.svg", C::KIND.name()));
    let png_path = charts.join(format!("{}.png", C::KIND.name()));
    let svg = svg_of(chart, meta)?;
    write_atomic(&svg_path, svg.as_bytes()).map_err(|source| ChartError::Write {
        chart: C::KIND.name(),
        source,
    })?;
    write_png(chart, meta, &png_path)?;
    Ok(vec![svg_path, png_path])
}

fn write_opt<C: Chart>(
    dir: &Path,
    meta: &ChartMeta,
    chart: Option<C>,
) -> Result<Vec<PathBuf>, ChartError> {
    match chart {
        Some(c) => write_chart(dir, meta, &c),
        None => Ok(Vec::new()),
    }
}

fn svg_opt<C: Chart>(meta: &ChartMeta, chart: Option<C>) -> Result<Option<String>, ChartError> {
    chart.map(|c| svg_of(&c, meta)).transpose()
}

/// Writes the throughput chart (skipped when no resource has a sample).
pub fn render_throughput(
    dir: &Path,
    meta: &ChartMeta,
    series: &[ResourceSeries],
) -> Result<Vec<PathBuf>, ChartError> {
    write_opt(dir, meta, throughput::prepare(series))
}

/// Writes the cost chart (skipped when no account has a positive amount).
pub fn render_cost_breakdown(
    dir: &Path,
    meta: &ChartMeta,
    accounts: &[AccountCost],
) -> Result<Vec<PathBuf>, ChartError> {
    write_opt(dir, meta, cost::prepare(accounts))
}

/// Writes the connectivity matrix (skipped when there is no attempt, or a
/// single source→target pair with no denial).
pub fn render_connectivity(
    dir: &Path,
    meta: &ChartMeta,
    cells: &[ConnCell],
) -> Result<Vec<PathBuf>, ChartError> {
    write_opt(dir, meta, connectivity::prepare(cells))
}

/// Writes the FCT chart (skipped when no class has a drawable point).
pub fn render_fct(
    dir: &Path,
    meta: &ChartMeta,
    series: &[FctSeries],
) -> Result<Vec<PathBuf>, ChartError> {
    write_opt(dir, meta, fct::prepare(series))
}

/// Writes the cross-AZ chart (skipped when every interval is zero).
pub fn render_cross_az(
    dir: &Path,
    meta: &ChartMeta,
    points: &[CrossAzPoint],
) -> Result<Vec<PathBuf>, ChartError> {
    write_opt(dir, meta, cross_az::prepare(points))
}

/// The throughput chart as SVG, or `None` when it would be empty.
pub fn throughput_svg(
    meta: &ChartMeta,
    series: &[ResourceSeries],
) -> Result<Option<String>, ChartError> {
    svg_opt(meta, throughput::prepare(series))
}

/// The cost chart as SVG, or `None` when it would be empty.
pub fn cost_breakdown_svg(
    meta: &ChartMeta,
    accounts: &[AccountCost],
) -> Result<Option<String>, ChartError> {
    svg_opt(meta, cost::prepare(accounts))
}

/// The connectivity matrix as SVG, or `None` when it has nothing to show.
pub fn connectivity_svg(
    meta: &ChartMeta,
    cells: &[ConnCell],
) -> Result<Option<String>, ChartError> {
    svg_opt(meta, connectivity::prepare(cells))
}

/// The FCT chart as SVG, or `None` when it would be empty.
pub fn fct_svg(meta: &ChartMeta, series: &[FctSeries]) -> Result<Option<String>, ChartError> {
    svg_opt(meta, fct::prepare(series))
}

/// The cross-AZ chart as SVG, or `None` when every interval is zero.
pub fn cross_az_svg(
    meta: &ChartMeta,
    points: &[CrossAzPoint],
) -> Result<Option<String>, ChartError> {
    svg_opt(meta, cross_az::prepare(points))
}

/// One chart as SVG (`None` when skipped).
pub fn chart_svg(
    kind: ChartKind,
    meta: &ChartMeta,
    data: &ChartData,
) -> Result<Option<String>, ChartError> {
    match kind {
        ChartKind::Throughput => throughput_svg(meta, &data.throughput),
        ChartKind::CostBreakdown => cost_breakdown_svg(meta, &data.cost),
        ChartKind::Connectivity => connectivity_svg(meta, &data.connectivity),
        ChartKind::Fct => fct_svg(meta, &data.fct),
        ChartKind::CrossAz => cross_az_svg(meta, &data.cross_az),
    }
}

/// Every chart that has something to show, as `(title, SVG)` in
/// [`ChartKind::ALL`] order: what [`crate::report::html::ReportSections`]
/// inlines.
pub fn chart_svgs(meta: &ChartMeta, data: &ChartData) -> Result<Vec<(String, String)>, ChartError> {
    let mut out = Vec::new();
    for kind in ChartKind::ALL {
        if let Some(svg) = chart_svg(kind, meta, data)? {
            out.push((kind.title().to_string(), svg));
        }
    }
    Ok(out)
}

/// Writes every chart that has something to show into `<dir>/charts/`, as
/// SVG and PNG; returns the files written, in [`ChartKind::ALL`] order.
pub fn render_all(
    dir: &Path,
    meta: &ChartMeta,
    data: &ChartData,
) -> Result<Vec<PathBuf>, ChartError> {
    let mut written = render_throughput(dir, meta, &data.throughput)?;
    written.extend(render_cost_breakdown(dir, meta, &data.cost)?);
    written.extend(render_connectivity(dir, meta, &data.connectivity)?);
    written.extend(render_fct(dir, meta, &data.fct)?);
    written.extend(render_cross_az(dir, meta, &data.cross_az)?);
    Ok(written)
}

#[cfg(test)]
mod tests;
