//! Flow completion time: one CDF line per traffic class on a log time axis,
//! with faint guides at the 50th, 90th and 99th percentiles.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{
    anchored, axis_title_style, by_f64, fmt_num, header, legend, text, thin, tick_style,
    with_legend, Drawn, LegendItem, Swatch, GRID, GRID_LIGHT, MUTED, SERIES,
};
use super::{Chart, ChartKind, ChartMeta, FctSeries};

/// How many classes get a line (one per colour); the rest are named in the
/// legend as not shown.
const MAX_CLASSES: usize = SERIES.len();

/// Buckets a long CDF is thinned to (on the log axis).
const BUCKETS: usize = 400;

/// Below this many points a line also marks each point, so a CDF known only
/// at a few percentiles does not pass for a measured curve.
const MARK_BELOW: usize = 30;

#[derive(Debug, Clone)]
struct Cdf {
    class: String,
    color: RGBColor,
    points: Vec<(f64, f64)>,
    marked: bool,
}

/// The prepared FCT chart.
#[derive(Debug, Clone)]
pub(super) struct Fct {
    lines: Vec<Cdf>,
    hidden: usize,
    x: Range<f64>,
}

/// `None` when no class has a point above 0 s.
pub(super) fn prepare(input: &[FctSeries]) -> Option<Fct> {
    let mut lines = Vec::new();
    let mut hidden = 0;
    for s in input {
        let mut pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|(t, f)| t.is_finite() && *t > 0.0 && f.is_finite())
            .map(|&(t, f)| (t, f.clamp(0.0, 1.0)))
            .collect();
        if pts.is_empty() {
            continue;
        }
        if lines.len() == MAX_CLASSES {
            hidden += 1;
            continue;
        }
        pts.sort_by(|a, b| by_f64(a.0, b.0).then(by_f64(a.1, b.1)));
        let marked = pts.len() < MARK_BELOW;
        // Thin on the log axis, where the points are drawn.
        let logged: Vec<(f64, f64)> = pts.iter().map(|&(t, f)| (t.ln(), f)).collect();
        let points = thin(&logged, BUCKETS)
            .into_iter()
            .map(|(l, f)| (l.exp(), f))
            .collect();
        lines.push(Cdf {
            class: if s.class.is_empty() {
                "(unnamed)".to_string()
            } else {
                s.class.clone()
            },
            color: SERIES[lines.len()],
            points,
            marked,
        });
    }
    if lines.is_empty() {
        return None;
    }
    let all = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let lo = all.clone().fold(f64::INFINITY, f64::min);
    let hi = all.fold(f64::NEG_INFINITY, f64::max);
    // Whole decades, at least one.
    let lo = 10f64.powf(lo.log10().floor());
    let mut hi = 10f64.powf(hi.log10().ceil());
    if hi <= lo {
        hi = lo * 10.0;
    }
    // A hair wider than the decades, so rounding never drops the end ticks.
    Some(Fct {
        lines,
        hidden,
        x: lo * 0.999..hi * 1.001,
    })
}

/// `1 ms`, `250 µs`, `2 s`: a duration in seconds with a readable unit.
pub(super) fn fmt_duration(s: f64) -> String {
    let (v, unit) = if s < 1e-6 {
        (s * 1e9, "ns")
    } else if s < 1e-3 {
        (s * 1e6, "µs")
    } else if s < 1.0 {
        (s * 1e3, "ms")
    } else {
        (s, "s")
    };
    format!("{} {unit}", fmt_num(v))
}

impl Chart for Fct {
    const KIND: ChartKind = ChartKind::Fct;

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, meta: &ChartMeta) -> Drawn {
        let body = header(root, Self::KIND.title(), meta)?;
        let (plot, side) = with_legend(&body);
        let decades = (self.x.end / self.x.start).log10().round().max(1.0) as usize;
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(16)
            .margin_right(40)
            .margin_top(10)
            .margin_bottom(8)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d(self.x.clone().log_scale(), 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc("Flow completion time (log scale)")
            .y_desc("Flows completed (%)")
            .label_style(tick_style())
            .axis_desc_style(axis_title_style())
            .bold_line_style(GRID)
            .light_line_style(GRID_LIGHT)
            .y_max_light_lines(1)
            .x_labels(decades + 1)
            .y_labels(11)
            .x_label_formatter(&|v| fmt_duration(*v))
            .y_label_formatter(&|v| format!("{:.0}", v * 100.0))
            .draw()?;

        // Percentile guides, labelled at the right end.
        let guide_label = anchored(&text(13.0, MUTED), HPos::Left, VPos::Center);
        for (q, name) in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")] {
            chart.draw_series(DashedLineSeries::new(
                [(self.x.start, q), (self.x.end, q)],
                4,
                4,
                MUTED.mix(0.6).stroke_width(1),
            ))?;
            let (px, py) = chart.backend_coord(&(self.x.end, q));
            root.draw(&Text::new(name, (px + 4, py), guide_label.clone()))?;
        }

        for line in self.lines.iter().rev() {
            chart.draw_series(LineSeries::new(
                line.points.iter().copied(),
                line.color.stroke_width(2),
            ))?;
            if line.marked {
                chart.draw_series(
                    line.points
                        .iter()
                        .map(|&p| Circle::new(p, 4, line.color.filled())),
                )?;
            }
        }

        let mut items: Vec<LegendItem> = self
            .lines
            .iter()
            .map(|l| LegendItem::new(l.class.clone(), Swatch::Line(l.color)))
            .collect();
        if self.hidden > 0 {
            items.push(LegendItem::new(
                format!(
                    "+{} {} not shown",
                    self.hidden,
                    if self.hidden == 1 { "class" } else { "classes" }
                ),
                Swatch::Note,
            ));
        }
        legend(&side, "Traffic class", &items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_carry_their_unit() {
        // Log-axis ticks are decades; each must read as a duration, not as
        // 0.001 with the unit left to guess.
        assert_eq!(fmt_duration(1e-3), "1 ms");
        assert_eq!(fmt_duration(1e-5), "10 µs");
        assert_eq!(fmt_duration(0.25), "250 ms");
        assert_eq!(fmt_duration(10.0), "10 s");
    }

    #[test]
    fn points_the_log_axis_cannot_show_are_dropped() {
        // 0 s and negative times have no place on a log axis; a class with
        // only such points is not drawn, and the range spans whole decades.
        let s = |class: &str, points: Vec<(f64, f64)>| FctSeries {
            class: class.to_string(),
            points,
        };
        assert!(prepare(&[s("zero", vec![(0.0, 1.0)])]).is_none());
        let f = prepare(&[
            s("zero", vec![(0.0, 1.0)]),
            s("web", vec![(0.002, 0.5), (0.03, 1.0)]),
        ])
        .expect("chart");
        assert_eq!(f.lines.len(), 1);
        assert!((f.x.start - 0.001).abs() < 1e-5, "{:?}", f.x);
        assert!((f.x.end - 0.1).abs() < 1e-3, "{:?}", f.x);
    }
}
