//! Study charts, SVG and PNG under `<out>/charts/`:
//!
//! | chart | file stem | drawn when |
//! | --- | --- | --- |
//! | monthly cost against the number of consumer VPCs, per variant, with the point where each variant starts denying connections marked | `cost-vs-consumers` | the consumers vary |
//! | achieved against offered throughput, per variant | `throughput` | always |
//! | monthly cross-AZ cost against the share of zonal-name clients | `cross-az-vs-zonal` | the zonal share is swept |
//!
//! Every line is one variant (and one value of each other coordinate that
//! varies); replications are averaged, with their 95% confidence interval
//! drawn as whiskers. A point where connections were denied (a peering
//! wall, overlapping CIDRs, an AZ outage a pinned client cannot escape)
//! carries a red cross on every chart and its line says so in the legend:
//! its cost and throughput are those of what got through, not of the
//! design working. Text uses the embedded DejaVu font that
//! [`crate::report::charts::init_fonts`] registers, never a system font, and
//! no drawing result is unwrapped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::charts::{init_fonts, PngBackend, CHART_SIZE, FONT_FAMILY};
use crate::report::write_atomic;

use super::compare::Comparison;
use super::row::{mean_ci, Row};
use super::StudyError;

const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x5f, 0x63, 0x68);
const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
const WALL: RGBColor = RGBColor(0xc6, 0x28, 0x28);
/// Height of one wall label row above the plot.
const WALL_ROW: i32 = 24;
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xd6, 0x27, 0x28),
];

/// A plotters failure, as text.
struct Fail(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for Fail {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        Fail(e.to_string())
    }
}

type Drawn = Result<(), Fail>;

/// One point of a line: x, mean y, and the 95% CI of y over replications.
#[derive(Debug, Clone)]
struct Pt {
    x: f64,
    y: f64,
    lo: f64,
    hi: f64,
    /// Connections denied (any reason), over the replications.
    denied: u64,
    /// Nothing was delivered at this point.
    none_delivered: bool,
    /// The most frequent denial reason.
    reason: String,
}

/// One line of a chart.
#[derive(Debug, Clone)]
struct Line {
    label: String,
    color: RGBColor,
    points: Vec<Pt>,
}

/// Which coordinate is on the x axis.
#[derive(Clone, Copy, PartialEq, Eq)]
enum X {
    Consumers,
    ZonalShare,
    Offered,
}

fn coord(r: &Row, which: &str) -> String {
    match which {
        "consumers" => r.consumers.map(|v| v.to_string()).unwrap_or_default(),
        "load" => r.load.to_string(),
        "zonal_share" => r.zonal_share.map(|v| v.to_string()).unwrap_or_default(),
        "azs" => r.azs.map(|v| v.to_string()).unwrap_or_default(),
        _ => String::new(),
    }
}

fn coord_label(which: &str, value: &str) -> String {
    match which {
        "consumers" => format!("{value} consumers"),
        "load" => format!("load ×{value}"),
        "zonal_share" => format!("zonal share {value}"),
        "azs" => format!("{value} AZ{}", if value == "1" { "" } else { "s" }),
        _ => value.to_string(),
    }
}

const COORDS: [&str; 4] = ["consumers", "load", "zonal_share", "azs"];

/// Groups rows into lines: one per variant (and, with `split`, per value of
/// every coordinate that varies, other than `x_coord`); points averaged over
/// replications.
fn lines(
    c: &Comparison,
    x_coord: &str,
    split: bool,
    x: impl Fn(&Row) -> Option<f64>,
    y: impl Fn(&Row) -> f64,
) -> (Vec<Line>, String) {
    // Coordinates (other than x) that vary name the lines; constant ones
    // go into the subtitle.
    let mut varying = Vec::new();
    let mut constant = Vec::new();
    for k in COORDS.iter().copied().filter(|k| *k != x_coord) {
        let mut values: Vec<String> = c.rows.iter().map(|r| coord(r, k)).collect();
        values.sort();
        values.dedup();
        if values.len() > 1 {
            if split {
                varying.push(k);
            }
        } else if let Some(v) = values.first().filter(|v| !v.is_empty()) {
            constant.push(coord_label(k, v));
        }
    }
    let mut order: Vec<(usize, String)> = Vec::new();
    let mut groups: BTreeMap<(usize, String), BTreeMap<String, Vec<&Row>>> = BTreeMap::new();
    for r in &c.rows {
        let Some(xv) = x(r) else { continue };
        let col = c.columns.iter().position(|v| *v == r.variant).unwrap_or(0);
        let extra: Vec<String> = varying
            .iter()
            .map(|k| coord_label(k, &coord(r, k)))
            .collect();
        let key = (col, extra.join(", "));
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        // Points keyed by their x (and by the coordinates x stands for, so
        // replications meet and different sweep points stay apart).
        let pkey = format!("{xv:020.9}|{}", r.group_key());
        groups
            .entry(key)
            .or_default()
            .entry(pkey)
            .or_default()
            .push(r);
    }
    order.sort();
    let mut out = Vec::new();
    for (i, key) in order.iter().enumerate() {
        let Some(pts) = groups.get(key) else { continue };
        let mut points: Vec<Pt> = pts
            .values()
            .filter_map(|rows| {
                let xs: Vec<f64> = rows.iter().filter_map(|r| x(r)).collect();
                let ys: Vec<f64> = rows.iter().map(|r| y(r)).collect();
                let (ym, _, lo, hi) = mean_ci(&ys);
                let (xm, _, _, _) = mean_ci(&xs);
                (xm.is_finite() && ym.is_finite()).then_some(Pt {
                    x: xm,
                    y: ym,
                    lo,
                    hi,
                    denied: rows.iter().map(|r| r.denied).sum(),
                    none_delivered: rows.iter().all(|r| r.delivered == 0),
                    reason: rows
                        .iter()
                        .map(|r| r.top_denial_reason.clone())
                        .find(|r| !r.is_empty())
                        .unwrap_or_default(),
                })
            })
            .collect();
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        let name = c.columns.get(key.0).cloned().unwrap_or_default();
        let label = if key.1.is_empty() {
            name
        } else {
            format!("{name}, {}", key.1)
        };
        out.push(Line {
            label,
            color: PALETTE[i % PALETTE.len()],
            points,
        });
    }
    (out, constant.join(", "))
}

/// A prepared chart: title, axis names and lines.
struct Plot {
    stem: &'static str,
    title: String,
    subtitle: String,
    x_desc: String,
    y_desc: String,
    x_kind: X,
    lines: Vec<Line>,
}

fn font(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&color)
}

fn fmt_num(v: f64) -> String {
    let a = v.abs();
    let short = |x: f64| {
        let t = format!("{x:.1}");
        t.strip_suffix(".0").map(str::to_string).unwrap_or(t)
    };
    let s = if a >= 1e6 {
        format!("{}M", short(v / 1e6))
    } else if a >= 1e3 {
        format!("{}k", short(v / 1e3))
    } else if a >= 100.0 || v == v.round() {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

impl Plot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        root.fill(&WHITE)?;
        let (head, rest) = root.split_vertically(84);
        let w = rest.dim_in_pixel().0;
        let (body, panel) = rest.split_horizontally(w.saturating_sub(290));
        head.draw(&Text::new(self.title.clone(), (24, 16), font(26.0, INK)))?;
        head.draw(&Text::new(
            self.subtitle.clone(),
            (24, 54),
            font(16.0, MUTED),
        ))?;
        let all: Vec<&Pt> = self.lines.iter().flat_map(|l| &l.points).collect();
        let xmax = all.iter().map(|p| p.x).fold(0.0, f64::max);
        let xmin = all.iter().map(|p| p.x).fold(f64::INFINITY, f64::min);
        let ymax = all.iter().map(|p| p.hi.max(p.y)).fold(0.0, f64::max);
        let (x0, x1) = match self.x_kind {
            X::ZonalShare => (0.0, 1.0),
            X::Consumers => (0.0, (xmax * 1.05).max(1.0)),
            X::Offered => (0.0, (xmax.max(ymax) * 1.08).max(1e-9)),
        };
        let _ = xmin;
        let y1 = match self.x_kind {
            X::Offered => x1,
            _ => (ymax * 1.12).max(1e-9),
        };
        // A logarithmic cost axis when lines differ by orders of magnitude
        // (peering's few dollars against PrivateLink's thousands).
        let ypos: Vec<f64> = all.iter().map(|p| p.y).filter(|y| *y > 0.0).collect();
        let ymin_pos = ypos.iter().copied().fold(f64::INFINITY, f64::min);
        let log = self.x_kind == X::Consumers && ymin_pos.is_finite() && ymax / ymin_pos > 50.0;
        let mut builder = ChartBuilder::on(&body);
        builder
            .margin_left(20)
            .margin_right(40)
            .margin_top(8 + WALL_ROW as u32 * self.walls().len() as u32)
            .margin_bottom(16)
            .x_label_area_size(56)
            .y_label_area_size(96);
        if log {
            let lo = 10f64.powf((ymin_pos / 2.0).log10().floor());
            let hi = ymax * 2.5;
            let mut chart = builder.build_cartesian_2d(x0..x1, (lo..hi).log_scale())?;
            self.legend(&panel, all.iter().any(|p| p.y <= 0.0))?;
            self.body(&body, &mut chart, (x0, x1), (lo, hi), lo)
        } else {
            let mut chart = builder.build_cartesian_2d(x0..x1, 0.0..y1)?;
            self.legend(&panel, false)?;
            self.body(&body, &mut chart, (x0, x1), (0.0, y1), f64::NEG_INFINITY)
        }?;
        root.present()?;
        Ok(())
    }
    /// Axes, reference lines, walls, lines and legend, on either y axis.
    fn body<'a, DB: DrawingBackend + 'a, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>,
        (_, x1): (f64, f64),
        (y0, y1): (f64, f64),
        floor: f64,
    ) -> Drawn
    where
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let clamp = |y: f64| y.max(floor).max(y0);
        chart
            .configure_mesh()
            .light_line_style(GRID.mix(0.5))
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_desc(self.x_desc.clone())
            .y_desc(self.y_desc.clone())
            .axis_desc_style(font(18.0, INK))
            .label_style(font(15.0, INK))
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_num(*v))
            .draw()?;
        if self.x_kind == X::Offered {
            chart.draw_series(DashedLineSeries::new(
                vec![(0.0, 0.0), (x1, x1)],
                8,
                6,
                ShapeStyle::from(&MUTED).stroke_width(1),
            ))?;
        }
        let walls = self.walls();
        for (wx, _) in &walls {
            chart.draw_series(DashedLineSeries::new(
                vec![(*wx, y0), (*wx, y1)],
                6,
                5,
                ShapeStyle::from(&WALL).stroke_width(2),
            ))?;
        }
        let n = self.lines.len();
        for (i, l) in self.lines.iter().enumerate() {
            let pts: Vec<(f64, f64)> = l.points.iter().map(|p| (p.x, clamp(p.y))).collect();
            let color = l.color;
            // Earlier lines are drawn wider, so a line hidden under a later,
            // equal one still shows as its outline.
            let width = 3 + (n - 1 - i).min(2) as u32;
            chart.draw_series(LineSeries::new(pts.clone(), color.stroke_width(width)))?;
            chart.draw_series(pts.iter().map(|p| Circle::new(*p, 4, color.filled())))?;
            // 95% CI whiskers over replications.
            chart.draw_series(l.points.iter().filter(|p| p.hi > p.lo).map(|p| {
                ErrorBar::new_vertical(
                    p.x,
                    clamp(p.lo),
                    clamp(p.y),
                    clamp(p.hi),
                    color.stroke_width(2),
                    10,
                )
            }))?;
            // Points where connections were denied: a cross, on every chart.
            chart.draw_series(
                l.points
                    .iter()
                    .filter(|p| p.denied > 0)
                    .map(|p| Cross::new((p.x, clamp(p.y)), 7, WALL.stroke_width(3))),
            )?;
        }
        self.wall_labels(area, chart, &walls, y1)
    }

    /// Where each line first has connections denied, with its label: the
    /// consumers chart's walls (the 126th peering, reused CIDRs).
    fn walls(&self) -> Vec<(f64, String)> {
        if self.x_kind != X::Consumers {
            return Vec::new();
        }
        let mut walls: Vec<(f64, String)> = self
            .lines
            .iter()
            .filter_map(|l| {
                let p = l.points.iter().find(|p| p.denied > 0)?;
                let reason = if p.reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", p.reason)
                };
                Some((
                    p.x,
                    format!("{}: denied from {} VPCs{reason}", l.label, fmt_num(p.x)),
                ))
            })
            .collect();
        walls.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        walls
    }

    /// The walls' labels, one row each in the margin above the plot (so a
    /// label never sits on a line), each tied to its wall.
    fn wall_labels<'a, DB: DrawingBackend + 'a, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        chart: &ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>,
        walls: &[(f64, String)],
        y1: f64,
    ) -> Drawn
    where
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let right = chart.plotting_area().get_pixel_range().0.end;
        let (area_x, area_y) = (area.get_base_pixel().0, area.get_base_pixel().1);
        let style = font(15.0, WALL);
        let mut placed = Vec::new();
        for (k, (wx, text)) in walls.iter().enumerate() {
            let (px, top) = chart.backend_coord(&(*wx, y1));
            let (px, top) = (px - area_x, top - area_y);
            let cy = top - WALL_ROW * (walls.len() - k) as i32 + WALL_ROW / 2;
            let w = area.estimate_text_size(text, &style)?.0 as i32;
            // Right of its wall, or left of it when it would pass the edge.
            let x = if px + 8 + w > right - area_x {
                px - 8 - w
            } else {
                px + 8
            };
            // Ties first: a label drawn later covers any tie it crosses.
            area.draw(&PathElement::new(
                vec![(px, cy), (px, top)],
                WALL.stroke_width(2),
            ))?;
            placed.push((x, cy, w, text));
        }
        for (x, cy, w, text) in placed {
            area.draw(&Rectangle::new(
                [
                    (x - 4, cy - WALL_ROW / 2 + 2),
                    (x + w + 4, cy + WALL_ROW / 2 - 2),
                ],
                WHITE.filled(),
            ))?;
            area.draw(&Text::new(
                text.clone(),
                (x, cy),
                style.pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        Ok(())
    }

    /// The label of a line drawn after line `i` (so on top of it) through
    /// the same points, each within 1 % of the other: line `i` is then
    /// hidden under it.
    fn covered_by(&self, i: usize) -> Option<&str> {
        let below = &self.lines[i];
        // Within 1 % on both axes: on the offered-throughput chart, each
        // variant's x is its own offered load, equal only up to the draws.
        let near = |a: f64, b: f64| (a - b).abs() <= 0.01 * a.abs().max(b.abs());
        let same = |a: &Pt, b: &Pt| near(a.x, b.x) && near(a.y, b.y);
        self.lines[i + 1..]
            .iter()
            .find(|top| {
                !below.points.is_empty()
                    && top.points.len() == below.points.len()
                    && below
                        .points
                        .iter()
                        .zip(&top.points)
                        .all(|(a, b)| same(a, b))
            })
            .map(|top| top.label.as_str())
    }

    /// The legend panel: one entry per line, then notes.
    fn legend<DB: DrawingBackend>(&self, panel: &DrawingArea<DB, Shift>, clamped: bool) -> Drawn {
        let mut y = 20;
        let style = font(16.0, INK);
        let width = panel.dim_in_pixel().0.saturating_sub(60) as usize;
        let fit = |t: &str| -> String {
            // About 8.5 px per character at 16 px: cut long names.
            let max = (width / 9).max(8);
            if t.chars().count() > max {
                let mut c: String = t.chars().take(max - 1).collect();
                c.push('…');
                c
            } else {
                t.to_string()
            }
        };
        if self.x_kind == X::Offered {
            panel.draw(&PathElement::new(
                vec![(8, y + 9), (36, y + 9)],
                MUTED.stroke_width(1),
            ))?;
            panel.draw(&Text::new("achieved = offered", (44, y), style.clone()))?;
            y += 28;
        }
        let muted = font(14.0, MUTED);
        for (i, l) in self.lines.iter().enumerate() {
            panel.draw(&PathElement::new(
                vec![(8, y + 9), (36, y + 9)],
                l.color.stroke_width(4),
            ))?;
            panel.draw(&Circle::new((22, y + 9), 4, l.color.filled()))?;
            panel.draw(&Text::new(fit(&l.label), (44, y), style.clone()))?;
            // A line that denies says so under its name.
            let denied = l.points.iter().filter(|p| p.denied > 0).count();
            let none = l.points.iter().filter(|p| p.none_delivered).count();
            let flag = if denied == 0 {
                None
            } else if none == l.points.len() {
                Some("INFEASIBLE: nothing delivered".to_string())
            } else {
                Some(format!(
                    "denies at {denied} of {}",
                    crate::report::human::count(l.points.len() as u64, "point")
                ))
            };
            if let Some(flag) = flag {
                panel.draw(&Text::new(flag, (44, y + 19), font(13.0, WALL)))?;
                y += 18;
            }
            // A line drawn over by an equal one would otherwise seem missing.
            if let Some(top) = self.covered_by(i) {
                // About 6 px per character at 13 px, from x = 44.
                let note: String = format!("hidden: same as {top}")
                    .chars()
                    .take(((width + 10) / 6).max(8))
                    .collect();
                panel.draw(&Text::new(note, (44, y + 19), font(13.0, MUTED)))?;
                y += 18;
            }
            y += 28;
        }
        if self
            .lines
            .iter()
            .any(|l| l.points.iter().any(|p| p.denied > 0))
        {
            y += 8;
            panel.draw(&Cross::new((22, y + 8), 7, WALL.stroke_width(3)))?;
            panel.draw(&Text::new(
                "connections denied: cost and",
                (44, y),
                muted.clone(),
            ))?;
            panel.draw(&Text::new(
                "speed are of what got through",
                (44, y + 18),
                muted.clone(),
            ))?;
            y += 44;
        }
        if clamped {
            panel.draw(&Text::new("$0 is drawn on the", (44, y), muted.clone()))?;
            panel.draw(&Text::new("bottom of the log axis", (44, y + 18), muted))?;
        }
        Ok(())
    }
}

fn chart_err(stem: &str, m: String) -> StudyError {
    StudyError::Chart(format!("{stem}: {m}"))
}

/// Writes `<dir>/<stem>.svg` and `.png`.
fn write_plot(dir: &Path, p: &Plot) -> Result<Vec<PathBuf>, StudyError> {
    init_fonts().map_err(|e| chart_err(p.stem, e.to_string()))?;
    let svg_path = dir.join(format!("{}.svg", p.stem));
    let png_path = dir.join(format!("{}.png", p.stem));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
        p.draw(&root).map_err(|f| chart_err(p.stem, f.0))?;
    }
    write_atomic(&svg_path, svg.as_bytes())?;
    std::fs::create_dir_all(dir).map_err(|e| chart_err(p.stem, e.to_string()))?;
    let (tmp, file) = crate::report::stale::create_temp(dir, p.stem, ".png")
        .map_err(|e| chart_err(p.stem, e.to_string()))?;
    drop(file);
    let drawn = {
        let root = PngBackend::new(&tmp, CHART_SIZE).into_drawing_area();
        p.draw(&root)
    };
    let result = drawn.map_err(|f| chart_err(p.stem, f.0)).and_then(|()| {
        std::fs::rename(&tmp, &png_path).map_err(|e| chart_err(p.stem, e.to_string()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    Ok(vec![svg_path, png_path])
}

fn distinct(rows: &[Row], f: impl Fn(&Row) -> Option<String>) -> usize {
    let mut v: Vec<String> = rows.iter().filter_map(f).collect();
    v.sort();
    v.dedup();
    v.len()
}

/// Writes the study charts that have something to show into `dir`.
pub fn write_charts(dir: &Path, c: &Comparison) -> Result<Vec<PathBuf>, StudyError> {
    let mut files = Vec::new();
    let study = c.title.clone();
    let sub = |fixed: &str, extra: &str| {
        let mut s = format!("study {study}");
        if !fixed.is_empty() {
            s.push_str(&format!(" · {fixed}"));
        }
        s.push_str(extra);
        s
    };
    if distinct(&c.rows, |r| r.consumers.map(|v| v.to_string())) > 1 {
        let (lines, fixed) = lines(
            c,
            "consumers",
            true,
            |r| r.consumers.map(f64::from),
            |r| r.monthly_usd(),
        );
        files.extend(write_plot(
            dir,
            &Plot {
                stem: "cost-vs-consumers",
                title: "Monthly cost against the number of consumer VPCs".into(),
                subtitle: sub(&fixed, " · red: where connections start being denied"),
                x_desc: "consumer VPCs".into(),
                y_desc: "monthly cost (USD, 730 h)".into(),
                x_kind: X::Consumers,
                lines,
            },
        )?);
    }
    if c.rows.iter().any(|r| r.offered_gbps > 0.0) {
        let scale = if c.rows.iter().map(|r| r.offered_gbps).fold(0.0, f64::max) < 1.0 {
            1e3
        } else {
            1.0
        };
        let unit = if scale > 1.0 { "Mbps" } else { "Gbps" };
        let (lines, fixed) = lines(
            c,
            "load",
            false,
            |r| Some(r.offered_gbps * scale),
            |r| r.achieved_gbps * scale,
        );
        files.extend(write_plot(
            dir,
            &Plot {
                stem: "throughput",
                title: "Achieved against offered throughput".into(),
                subtitle: sub(&fixed, " · means over the simulated time"),
                x_desc: format!("offered ({unit})"),
                y_desc: format!("achieved ({unit})"),
                x_kind: X::Offered,
                lines,
            },
        )?);
    }
    if distinct(&c.rows, |r| r.zonal_share.map(|v| v.to_string())) > 1 {
        let (lines, fixed) = lines(
            c,
            "zonal_share",
            true,
            |r| r.zonal_share,
            |r| r.monthly_category_usd("cross_az"),
        );
        files.extend(write_plot(
            dir,
            &Plot {
                stem: "cross-az-vs-zonal",
                title: "Cross-AZ cost against the share of zonal-name clients".into(),
                subtitle: sub(&fixed, " · whiskers: 95% CI over seeds"),
                x_desc: "share of clients using zonal DNS names".into(),
                y_desc: "monthly cross-AZ cost (USD, 730 h)".into(),
                x_kind: X::ZonalShare,
                lines,
            },
        )?);
    }
    Ok(files)
}

/// The study charts the README shows: `(study file, chart stem, image)`,
/// paths relative to the repository. `cargo run --release --example
/// readme_images` regenerates them; a test checks they are current.
pub const README_IMAGES: [(&str, &str, &str); 3] = [
    (
        "scenarios/studies/peering-vs-privatelink.ron",
        "cost-vs-consumers",
        "docs/images/study-peering-vs-privatelink-cost.png",
    ),
    (
        "scenarios/studies/zonal-vs-regional.ron",
        "cross-az-vs-zonal",
        "docs/images/study-zonal-vs-regional-cross-az.png",
    ),
    (
        "scenarios/studies/az-failure.ron",
        "throughput",
        "docs/images/study-az-failure-throughput.png",
    ),
];

/// Runs the study `study` (a path) in memory and returns the PNG bytes of
/// its chart `stem`, drawn in `scratch` (a folder the caller owns).
pub fn study_chart_png(
    study: &Path,
    stem: &str,
    scratch: &Path,
    jobs: usize,
) -> Result<Vec<u8>, StudyError> {
    let c = super::compare::collect(
        &super::compare::Input::Study(study.to_path_buf()),
        jobs,
        true,
    )?;
    let files = write_charts(scratch, &c)?;
    let png = files
        .iter()
        .find(|f| {
            f.file_name()
                .is_some_and(|n| n == format!("{stem}.png").as_str())
        })
        .ok_or_else(|| chart_err(stem, format!("{} draws no {stem} chart", study.display())))?;
    std::fs::read(png).map_err(|e| chart_err(stem, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(label: &str, ys: &[f64]) -> Line {
        Line {
            label: label.to_string(),
            color: PALETTE[0],
            points: ys
                .iter()
                .enumerate()
                .map(|(i, &y)| Pt {
                    x: i as f64,
                    y,
                    lo: y,
                    hi: y,
                    denied: 0,
                    none_delivered: false,
                    reason: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_line_under_an_equal_later_one_is_named_in_the_legend() {
        // az-failure's throughput chart: peering and tgw both deliver what is
        // offered (21.5 and 86 Gbps), and tgw is drawn last, on top.
        let plot = Plot {
            stem: "throughput",
            title: String::new(),
            subtitle: String::new(),
            x_desc: String::new(),
            y_desc: String::new(),
            x_kind: X::Offered,
            lines: vec![
                line("peering", &[21.5, 86.0]),
                line("pinned", &[15.0, 18.0]),
                line("tgw", &[21.5, 86.2]),
            ],
        };
        assert_eq!(
            plot.covered_by(0),
            Some("tgw"),
            "86.0 vs 86.2 is within 1 %"
        );
        assert_eq!(plot.covered_by(1), None, "no later line has its values");
        assert_eq!(
            plot.covered_by(2),
            None,
            "the top line hides nothing of its own"
        );
    }
}
