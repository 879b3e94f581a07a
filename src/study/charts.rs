//! Study charts, SVG and PNG under `<out>/charts/`:
//!
//! | chart | file stem | drawn when |
//! | --- | --- | --- |
//! | monthly cost against the number of consumer VPCs, per variant, with the point where peering becomes infeasible marked | `cost-vs-consumers` | the consumers vary |
//! | achieved against offered throughput, per variant | `throughput` | always |
//! | monthly cross-AZ cost against the share of zonal-name clients | `cross-az-vs-zonal` | the zonal share is swept |
//!
//! Every line is one variant (and one value of each other coordinate that
//! varies); replications are averaged, with their 95% confidence interval
//! drawn as whiskers. Text uses the embedded DejaVu font that
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
#[derive(Debug, Clone, Copy)]
struct Pt {
    x: f64,
    y: f64,
    lo: f64,
    hi: f64,
    /// Connections denied because peering is infeasible (quota, overlap).
    infeasible: u64,
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
                    infeasible: rows.iter().map(|r| r.peering_infeasible()).sum(),
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
        (x0, x1): (f64, f64),
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
        // The peering wall: where each line first has connections denied
        // because peering is infeasible (quota exceeded, overlapping CIDRs).
        let mut walls: Vec<(f64, &Line)> = Vec::new();
        if self.x_kind == X::Consumers {
            for l in &self.lines {
                if let Some(p) = l.points.iter().find(|p| p.infeasible > 0) {
                    walls.push((p.x, l));
                }
            }
        }
        walls.sort_by(|a, b| a.0.total_cmp(&b.0));
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
            // Points where peering is infeasible: a cross.
            chart.draw_series(
                l.points
                    .iter()
                    .filter(|p| p.infeasible > 0 && self.x_kind == X::Consumers)
                    .map(|p| Cross::new((p.x, clamp(p.y)), 7, WALL.stroke_width(3))),
            )?;
        }
        for (k, (wx, l)) in walls.iter().enumerate() {
            let text = format!("{}: denied from {} VPCs", l.label, fmt_num(*wx));
            // Right of its line, unless the line is near the right edge;
            // labels stack down so two walls never share a row.
            let right_edge = *wx > x0 + 0.7 * (x1 - x0);
            let pos = Pos::new(if right_edge { HPos::Right } else { HPos::Left }, VPos::Top);
            let dx = if right_edge { -8 } else { 8 };
            let at = chart.backend_coord(&(*wx, y1));
            let style = font(16.0, WALL).pos(pos);
            let (w, h) = area.estimate_text_size(&text, &style)?;
            let (w, h) = (w as i32, h as i32);
            let x = at.0 + dx;
            let y = at.1 + 10 + 26 * k as i32;
            // A white box behind the label keeps it readable over lines.
            let left = if right_edge { x - w } else { x };
            area.draw(&Rectangle::new(
                [(left - 4, y - 3), (left + w + 4, y + h + 3)],
                WHITE.mix(0.92).filled(),
            ))?;
            area.draw(&Text::new(text, (x, y), style))?;
        }
        Ok(())
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
        for l in &self.lines {
            panel.draw(&PathElement::new(
                vec![(8, y + 9), (36, y + 9)],
                l.color.stroke_width(4),
            ))?;
            panel.draw(&Circle::new((22, y + 9), 4, l.color.filled()))?;
            panel.draw(&Text::new(fit(&l.label), (44, y), style.clone()))?;
            y += 28;
        }
        let muted = font(14.0, MUTED);
        if self.x_kind == X::Consumers
            && self
                .lines
                .iter()
                .any(|l| l.points.iter().any(|p| p.infeasible > 0))
        {
            y += 8;
            panel.draw(&Cross::new((22, y + 8), 7, WALL.stroke_width(3)))?;
            panel.draw(&Text::new("connections denied:", (44, y), muted.clone()))?;
            panel.draw(&Text::new(
                "peering infeasible",
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
    let tmp = dir.join(format!(".{}.tmp-{}.png", p.stem, std::process::id()));
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
                subtitle: sub(
                    &fixed,
                    " · red: connections denied (PEERING_QUOTA_EXCEEDED / OVERLAPPING_CIDR)",
                ),
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
