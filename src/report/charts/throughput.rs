//! Throughput (solid) and capacity (dashed step, same colour) over time, one
//! colour per resource; the resources past the top [`TOP_RESOURCES`] by peak
//! throughput become one grey "others" line: at each time, the highest of
//! them. (Their sum would not compare with any capacity on the chart, and
//! with many small resources it would set the scale and flatten the lines a
//! reader came for; the envelope stays under the top lines' peaks and still
//! answers "did anything else come close?".)
//!
//! The y axis is scaled to the throughput, not to the largest capacity: a
//! 100 Gbps ceiling would flatten 5 Gbps of traffic into the axis. A
//! capacity up to [`CAPACITY_HEADROOM`] × the peak throughput stays in view;
//! a higher one is cut at the top of the plot (its steps still show where
//! they cross it) and the legend gives every resource's capacity in numbers.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{
    axis_title_style, by_f64, clean_points, fmt_num, header, legend, rate_unit, thin, tick_style,
    time_unit, with_legend, Drawn, LegendItem, Swatch, TickedAxis, Unit, GRID, GRID_LIGHT, OTHERS,
    SERIES,
};
use super::events::Lane;
use super::{Chart, ChartKind, ChartMeta, ResourceSeries};

/// How many resources get their own line; the rest become one "others" line.
pub const TOP_RESOURCES: usize = 8;

/// Capacities up to this multiple of the peak throughput set the y scale.
pub const CAPACITY_HEADROOM: f64 = 3.0;

/// Buckets a long series is thinned to (about one per two pixels of plot).
const BUCKETS: usize = 450;

/// One line of the chart, in display units.
#[derive(Debug, Clone)]
pub(super) struct Line {
    pub label: String,
    /// Kind and capacity, the legend's second line.
    pub detail: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    /// The capacity staircase cut to the plot: one polyline per stretch
    /// inside it.
    pub capacity: Vec<Vec<(f64, f64)>>,
    /// Where the capacity steps between the plot and above its top: `(x,
    /// true)` drops into view, `(x, false)` leaves it. Drawn as small
    /// triangles on the top edge, not as vertical lines (which would read
    /// as event markers).
    pub capacity_steps: Vec<(f64, bool)>,
}

/// The prepared throughput chart.
#[derive(Debug, Clone)]
pub(super) struct Throughput {
    pub lines: Vec<Line>,
    time: Unit,
    rate: Unit,
    pub(super) x: Range<f64>,
    y_max: f64,
    /// Some capacity is above the plot and cut at its top.
    capacity_cut: bool,
}

struct Clean<'a> {
    src: &'a ResourceSeries,
    points: Vec<(f64, f64)>,
    capacity: Vec<(f64, f64)>,
    peak: f64,
}

fn label(r: &ResourceSeries) -> String {
    if r.name.is_empty() {
        "(unnamed)".to_string()
    } else {
        r.name.clone()
    }
}

/// `endpoint AZ · capacity 10–40 Gbps` (the capacity in its own unit: a
/// 10 Gbps ceiling over Mbps of traffic reads as 10 Gbps, not 10000 Mbps).
fn detail(kind: &str, capacity: &[(f64, f64)]) -> String {
    let mut parts = Vec::new();
    if !kind.is_empty() {
        parts.push(kind.to_string());
    }
    // A resource that never limits traffic (a `Managed` endpoint ENI) has
    // the largest capacity there is (`dataplane::network::UNBOUNDED`,
    // u64::MAX bits/s): no figure to print.
    if capacity.iter().any(|c| c.1 >= u64::MAX as f64) {
        parts.push("no ceiling".to_string());
    } else if !capacity.is_empty() {
        let raw_hi = capacity.iter().map(|c| c.1).fold(0.0, f64::max);
        let rate = rate_unit(raw_hi);
        let lo = capacity.iter().map(|c| c.1).fold(f64::INFINITY, f64::min) / rate.div;
        let hi = raw_hi / rate.div;
        let range = if hi - lo <= 1e-9 * hi.abs() {
            fmt_num(hi)
        } else {
            format!("{}–{}", fmt_num(lo), fmt_num(hi))
        };
        parts.push(format!("capacity {range} {}", rate.label));
    }
    parts.join(" · ")
}

/// Sorted, finite data; top resources by peak; the rest as one envelope. `None` when
/// no resource has a throughput sample.
pub(super) fn prepare(input: &[ResourceSeries]) -> Option<Throughput> {
    let mut clean: Vec<Clean> = input
        .iter()
        .map(|r| {
            let points = clean_points(&r.points);
            let capacity = clean_points(&r.capacity);
            let peak = points.iter().map(|p| p.1).fold(0.0, f64::max);
            Clean {
                src: r,
                points,
                capacity,
                peak,
            }
        })
        .filter(|c| !c.points.is_empty())
        .collect();
    if clean.is_empty() {
        return None;
    }
    clean.sort_by(|a, b| {
        by_f64(b.peak, a.peak)
            .then_with(|| a.src.name.cmp(&b.src.name))
            .then_with(|| a.src.kind.cmp(&b.src.kind))
    });
    // One extra line is no harder to read than an "others" line.
    let keep = if clean.len() <= TOP_RESOURCES + 1 {
        clean.len()
    } else {
        TOP_RESOURCES
    };
    let (top, rest) = clean.split_at(keep);

    let times = clean
        .iter()
        .flat_map(|c| c.points.iter().chain(&c.capacity).map(|p| p.0));
    // The axis starts at the run's start: a sample at t covers the interval
    // ending at t, so a run with few samples still reads from 0.
    let t_min = times.clone().fold(f64::INFINITY, f64::min).min(0.0);
    let mut t_max = times.fold(f64::NEG_INFINITY, f64::max);
    if t_max <= t_min {
        t_max = t_min + 1.0;
    }

    let others = (!rest.is_empty()).then(|| {
        let series: Vec<&[(f64, f64)]> = rest.iter().map(|c| c.points.as_slice()).collect();
        max_held(&series)
    });

    // Scale: the throughput, and the capacities not far above it.
    let peak = top
        .iter()
        .flat_map(|c| &c.points)
        .chain(others.iter().flatten())
        .map(|p| p.1)
        .fold(0.0, f64::max);
    let caps = top.iter().flat_map(|c| &c.capacity).map(|p| p.1);
    let raw_max = if peak > 0.0 {
        caps.filter(|c| *c <= CAPACITY_HEADROOM * peak)
            .fold(peak, f64::max)
    } else {
        caps.fold(0.0, f64::max)
    };
    let rate = rate_unit(raw_max);
    let time = time_unit(t_max - t_min);
    let y_max = if raw_max > 0.0 {
        raw_max / rate.div * 1.08
    } else {
        1.0
    };
    let scale = |pts: &[(f64, f64)]| -> Vec<(f64, f64)> {
        pts.iter()
            .map(|&(t, v)| (t / time.div, v / rate.div))
            .collect()
    };

    let mut lines: Vec<Line> = top
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (capacity, capacity_steps) =
                clip_below(&scale(&staircase(&c.capacity, t_max)), y_max);
            Line {
                label: label(c.src),
                detail: detail(&c.src.kind, &c.capacity),
                color: SERIES[i % SERIES.len()],
                points: thin(&scale(&c.points), BUCKETS),
                capacity,
                capacity_steps,
            }
        })
        .collect();
    if let Some(others) = others {
        lines.push(Line {
            label: format!("others ({} resources)", rest.len()),
            detail: "highest of them at each time".to_string(),
            color: OTHERS,
            points: thin(&scale(&others), BUCKETS),
            capacity: Vec::new(),
            capacity_steps: Vec::new(),
        });
    }
    let capacity_cut = top
        .iter()
        .flat_map(|c| &c.capacity)
        .any(|c| c.1 / rate.div > y_max);
    Some(Throughput {
        lines,
        time,
        rate,
        x: t_min / time.div..t_max / time.div,
        y_max,
        capacity_cut,
    })
}

/// Cuts a staircase to `y <= y_max`: one polyline per stretch inside, and
/// the vertical steps that cross the top edge (`(x, true)` coming down into
/// view, `(x, false)` going up out of it). A sloped segment crossing the top
/// gets its crossing point instead.
type Clipped = (Vec<Vec<(f64, f64)>>, Vec<(f64, bool)>);

fn clip_below(line: &[(f64, f64)], y_max: f64) -> Clipped {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut steps = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    let cross = |a: (f64, f64), b: (f64, f64)| -> (f64, f64) {
        let f = (y_max - a.1) / (b.1 - a.1);
        (a.0 + f * (b.0 - a.0), y_max)
    };
    for (i, &p) in line.iter().enumerate() {
        let inside = p.1 <= y_max;
        if i > 0 {
            let prev = line[i - 1];
            let prev_inside = prev.1 <= y_max;
            let vertical = prev.0 == p.0;
            if prev_inside && !inside {
                if vertical {
                    steps.push((p.0, false));
                } else {
                    run.push(cross(prev, p));
                }
                runs.push(std::mem::take(&mut run));
            } else if !prev_inside && inside {
                if vertical {
                    steps.push((p.0, true));
                } else {
                    run.push(cross(prev, p));
                }
            }
        }
        if inside {
            run.push(p);
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs.retain(|r| r.len() > 1);
    (runs, steps)
}

/// A capacity step function as a drawable staircase that holds its last
/// value until `t_end`.
fn staircase(cap: &[(f64, f64)], t_end: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(cap.len() * 2 + 1);
    for (i, &(t, c)) in cap.iter().enumerate() {
        if i > 0 {
            out.push((t, cap[i - 1].1));
        }
        out.push((t, c));
    }
    if let Some(&(t, c)) = cap.last() {
        if t < t_end {
            out.push((t_end, c));
        }
    }
    out
}

/// The upper envelope of time-sorted series sampled at different times: at
/// each time of any series, the highest of the series' latest samples at or
/// before that time (a series counts as 0 before its first sample).
fn max_held(series: &[&[(f64, f64)]]) -> Vec<(f64, f64)> {
    let mut times: Vec<f64> = series.iter().flat_map(|s| s.iter().map(|p| p.0)).collect();
    times.sort_by(|a, b| by_f64(*a, *b));
    times.dedup();
    let mut cursor = vec![0usize; series.len()];
    times
        .into_iter()
        .map(|t| {
            let mut top = 0.0f64;
            for (s, i) in series.iter().zip(cursor.iter_mut()) {
                while *i < s.len() && s[*i].0 <= t {
                    *i += 1;
                }
                if *i > 0 {
                    top = top.max(s[*i - 1].1);
                }
            }
            (t, top)
        })
        .collect()
}

/// Left and right margins of the plot inside its area (label area
/// included): where the x axis starts and ends.
const PLOT_LEFT: u32 = 16 + 88;
const PLOT_RIGHT: u32 = 24;

impl Chart for Throughput {
    const KIND: ChartKind = ChartKind::Throughput;

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, meta: &ChartMeta) -> Drawn {
        let body = header(root, Self::KIND.title(), meta)?;
        let (plot, side) = with_legend(&body);
        let lane = Lane::laid_out(
            &meta.timeline,
            self.time.div,
            &self.x,
            &plot,
            (PLOT_LEFT, PLOT_RIGHT),
        )?;
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(16)
            .margin_right(PLOT_RIGHT)
            .margin_top(10 + lane.height())
            .margin_bottom(8)
            .x_label_area_size(60)
            .y_label_area_size(88)
            .build_cartesian_2d(TickedAxis::time(self.x.clone(), self.time), 0.0..self.y_max)?;
        chart
            .configure_mesh()
            .x_desc(format!("Time ({})", self.time.label))
            .y_desc(format!("Throughput ({})", self.rate.label))
            .label_style(tick_style())
            .axis_desc_style(axis_title_style())
            .bold_line_style(GRID)
            .light_line_style(GRID_LIGHT)
            .y_max_light_lines(1)
            .y_labels(8)
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_num(*v))
            .draw()?;
        lane.draw_shading(&mut chart, (0.0, self.y_max))?;
        // Capacity first, so a throughput line at capacity stays on top.
        for line in &self.lines {
            for run in &line.capacity {
                chart.draw_series(DashedLineSeries::new(
                    run.iter().copied(),
                    10,
                    6,
                    line.color.stroke_width(2),
                ))?;
            }
        }
        for line in self.lines.iter().rev() {
            chart.draw_series(LineSeries::new(
                line.points.iter().copied(),
                line.color.stroke_width(2),
            ))?;
            if line.points.len() == 1 {
                // A single sample draws no line: mark it.
                chart.draw_series(
                    line.points
                        .iter()
                        .map(|p| Circle::new(*p, 4, line.color.filled())),
                )?;
            }
        }
        for line in &self.lines {
            for &(x, down) in &line.capacity_steps {
                let (px, py) = chart.backend_coord(&(x, self.y_max));
                root.draw(&step_triangle(px, py, down, line.color))?;
            }
        }
        lane.draw_labels(root, &chart, self.y_max)?;
        legend(&side, "Resources (by peak)", &self.legend_items(&lane))
    }
}

/// A small triangle hanging from the plot's top edge at `(px, py)`:
/// pointing down where a capacity comes down into view, up where it leaves.
fn step_triangle(px: i32, py: i32, down: bool, color: RGBColor) -> Polygon<(i32, i32)> {
    let tip = if down { py + 10 } else { py };
    let base = if down { py } else { py + 10 };
    Polygon::new(
        vec![(px - 6, base), (px + 6, base), (px, tip)],
        color.filled(),
    )
}

impl Throughput {
    fn legend_items(&self, lane: &Lane) -> Vec<LegendItem> {
        let mut items: Vec<LegendItem> = self
            .lines
            .iter()
            .map(|l| LegendItem::new(l.label.clone(), Swatch::Line(l.color)).detail(&l.detail))
            .collect();
        if self.lines.iter().any(|l| !l.capacity.is_empty()) {
            items.push(LegendItem::new(
                "capacity (dashed, same colour)",
                Swatch::Dashed(OTHERS),
            ));
        }
        if self.capacity_cut {
            let mut note = LegendItem::new(
                format!(
                    "capacity over {} {}: above the plot",
                    fmt_num(self.y_max),
                    self.rate.label
                ),
                Swatch::Note,
            );
            if self.lines.iter().any(|l| !l.capacity_steps.is_empty()) {
                note = note.detail("▼ ▲ on the top edge: it steps into / out of view");
            }
            items.push(note);
        }
        items.extend(lane.legend_items());
        items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_holds_each_series_between_its_samples() {
        // a = 3 from t=0 then 1 at t=8, b = 2 from t=5: the envelope is 3
        // until 8 (a held, not dropped to 0 between its samples), then 2
        // (b held past its last sample).
        let a = [(0.0, 3.0), (8.0, 1.0)];
        let b = [(5.0, 2.0), (6.0, 2.0)];
        assert_eq!(
            max_held(&[&a, &b]),
            vec![(0.0, 3.0), (5.0, 3.0), (6.0, 3.0), (8.0, 2.0)]
        );
    }

    #[test]
    fn capacity_far_above_the_traffic_is_cut_at_the_top() {
        // 2 Gbps of traffic under a 5→100 Gbps capacity: the scale follows
        // the 5 (within 3× of the peak), the step up to 100 leaves the plot
        // (a triangle on the top edge, no vertical line that would read as
        // an event), and the legend still says 100.
        let r = ResourceSeries {
            name: "nat".to_string(),
            kind: "NAT".to_string(),
            points: vec![(0.0, 2e9), (100.0, 2e9)],
            capacity: vec![(0.0, 5e9), (50.0, 100e9)],
        };
        let t = prepare(&[r]).expect("chart");
        assert!((t.y_max - 5.0 * 1.08).abs() < 1e-9, "{}", t.y_max);
        assert_eq!(t.lines[0].capacity, vec![vec![(0.0, 5.0), (50.0, 5.0)]]);
        assert_eq!(t.lines[0].capacity_steps, vec![(50.0, false)]);
        assert_eq!(t.lines[0].detail, "NAT · capacity 5–100 Gbps");
        assert!(t.capacity_cut);
    }

    #[test]
    fn capacity_is_a_staircase_to_the_end() {
        // A step from 10 to 5 at t=60 must draw as a vertical edge at 60 and
        // continue to the end of the chart.
        assert_eq!(
            staircase(&[(0.0, 10.0), (60.0, 5.0)], 100.0),
            vec![(0.0, 10.0), (60.0, 10.0), (60.0, 5.0), (100.0, 5.0)]
        );
    }
}
