//! Cross-AZ traffic over time in two stacked panels sharing the time axis:
//! bytes per interval on top, their cost per interval below; the legend
//! carries the run's totals and the interval length.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{
    axis_title_style, by_f64, bytes_unit, fmt_num, fmt_usd, fmt_usd_axis, header, legend, thin,
    tick_style, time_unit, with_legend, Drawn, LegendItem, Swatch, TickedAxis, Unit, GRID,
    GRID_LIGHT,
};
use super::events::Lane;
use super::{Chart, ChartKind, ChartMeta, CrossAzPoint};
use crate::report::human;

const BYTES_COLOR: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const COST_COLOR: RGBColor = RGBColor(0xe0, 0x6c, 0x00);
const BUCKETS: usize = 450;

/// The prepared cross-AZ chart.
#[derive(Debug, Clone)]
pub(super) struct CrossAz {
    bytes: Vec<(f64, f64)>,
    usd: Vec<(f64, f64)>,
    time: Unit,
    size: Unit,
    x: Range<f64>,
    bytes_max: f64,
    usd_max: f64,
    total_bytes: f64,
    total_usd: f64,
    /// Median interval length, s (`None` with a single interval).
    interval_s: Option<f64>,
}

/// `None` when there is no interval or every interval is zero.
pub(super) fn prepare(input: &[CrossAzPoint]) -> Option<CrossAz> {
    let mut pts: Vec<CrossAzPoint> = input
        .iter()
        .copied()
        .filter(|(t, b, u)| t.is_finite() && b.is_finite() && u.is_finite())
        .map(|(t, b, u)| (t, b.max(0.0), u.max(0.0)))
        .collect();
    if pts.iter().all(|p| p.1 == 0.0 && p.2 == 0.0) {
        return None;
    }
    pts.sort_by(|a, b| by_f64(a.0, b.0));
    // The axis starts at the run's start: the first point closes the first
    // interval, which began at 0.
    let t_min = pts[0].0.min(0.0);
    let mut t_max = pts[pts.len() - 1].0;
    if t_max <= t_min {
        t_max = t_min + 1.0;
    }
    let mut gaps: Vec<f64> = pts.windows(2).map(|w| w[1].0 - w[0].0).collect();
    gaps.sort_by(|a, b| by_f64(*a, *b));
    let interval_s = gaps.get(gaps.len() / 2).copied().filter(|g| *g > 0.0);
    let time = time_unit(t_max - t_min);
    let raw_bytes_max = pts.iter().map(|p| p.1).fold(0.0, f64::max);
    let size = bytes_unit(raw_bytes_max);
    let usd_max = pts.iter().map(|p| p.2).fold(0.0, f64::max);
    let bytes: Vec<(f64, f64)> = pts
        .iter()
        .map(|p| (p.0 / time.div, p.1 / size.div))
        .collect();
    let usd: Vec<(f64, f64)> = pts.iter().map(|p| (p.0 / time.div, p.2)).collect();
    let top = |m: f64| if m > 0.0 { m * 1.1 } else { 1.0 };
    Some(CrossAz {
        bytes: thin(&bytes, BUCKETS),
        usd: thin(&usd, BUCKETS),
        time,
        size,
        x: t_min / time.div..t_max / time.div,
        bytes_max: top(raw_bytes_max / size.div),
        usd_max: top(usd_max),
        total_bytes: pts.iter().map(|p| p.1).sum(),
        total_usd: pts.iter().map(|p| p.2).sum(),
        interval_s,
    })
}

/// `30 s`, `5 min`, `1 h`.
fn fmt_interval(s: f64) -> String {
    if s >= 3600.0 {
        format!("{} h", fmt_num(s / 3600.0))
    } else if s >= 60.0 {
        format!("{} min", fmt_num(s / 60.0))
    } else {
        format!("{} s", fmt_num(s))
    }
}

/// Where the x axis starts inside a panel (margin and label area).
const PLOT_LEFT: u32 = 16 + 88;
const PLOT_RIGHT: u32 = 24;

impl Chart for CrossAz {
    const KIND: ChartKind = ChartKind::CrossAz;

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
        let h = plot.dim_in_pixel().1;
        let lane_h = lane.height();
        let (upper, lower) = plot.split_vertically((h + lane_h) * 9 / 20);
        let x = || TickedAxis::time(self.x.clone(), self.time);

        let mut top = ChartBuilder::on(&upper)
            .margin_left(16)
            .margin_right(PLOT_RIGHT)
            .margin_top(10 + lane_h)
            .x_label_area_size(30)
            .y_label_area_size(88)
            .build_cartesian_2d(x(), 0.0..self.bytes_max)?;
        top.configure_mesh()
            .y_desc(format!("Data per interval ({})", self.size.label))
            .label_style(tick_style())
            .axis_desc_style(axis_title_style())
            .bold_line_style(GRID)
            .light_line_style(GRID_LIGHT)
            .y_max_light_lines(1)
            .y_labels(5)
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_num(*v))
            .draw()?;
        lane.draw_shading(&mut top, (0.0, self.bytes_max))?;
        top.draw_series(
            AreaSeries::new(self.bytes.iter().copied(), 0.0, BYTES_COLOR.mix(0.3))
                .border_style(BYTES_COLOR.stroke_width(2)),
        )?;
        lane.draw_labels(root, &top, self.bytes_max)?;

        let mut bottom = ChartBuilder::on(&lower)
            .margin_left(16)
            .margin_right(PLOT_RIGHT)
            .margin_top(10)
            .margin_bottom(8)
            .x_label_area_size(60)
            .y_label_area_size(88)
            .build_cartesian_2d(x(), 0.0..self.usd_max)?;
        let usd_max = self.usd_max;
        bottom
            .configure_mesh()
            .x_desc(format!("Time ({})", self.time.label))
            .y_desc("Cost per interval (USD)")
            .label_style(tick_style())
            .axis_desc_style(axis_title_style())
            .bold_line_style(GRID)
            .light_line_style(GRID_LIGHT)
            .y_max_light_lines(1)
            .y_labels(5)
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_usd_axis(*v, usd_max))
            .draw()?;
        lane.draw_shading(&mut bottom, (0.0, self.usd_max))?;
        bottom.draw_series(
            AreaSeries::new(self.usd.iter().copied(), 0.0, COST_COLOR.mix(0.3))
                .border_style(COST_COLOR.stroke_width(2)),
        )?;

        let mut items = vec![
            LegendItem::new("bytes crossing AZs (top)", Swatch::Block(BYTES_COLOR))
                .detail(format!("total {}", human::bytes(self.total_bytes as u64))),
            LegendItem::new("their cost (bottom)", Swatch::Block(COST_COLOR))
                .detail(format!("total {}", fmt_usd(self.total_usd))),
        ];
        if let Some(s) = self.interval_s {
            items.push(LegendItem::new(
                format!("one interval = {}", fmt_interval(s)),
                Swatch::Note,
            ));
        }
        items.push(LegendItem::new(
            format!("GiB: {}", human::GB_NOTE),
            Swatch::Note,
        ));
        items.extend(lane.legend_items());
        legend(&side, "Cross-AZ traffic", &items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_zero_is_skipped_and_totals_are_sums() {
        // Nothing crossed AZs: no chart. Otherwise the legend totals are the
        // plain sums of the intervals (thinning only affects the drawing).
        assert!(prepare(&[]).is_none());
        assert!(prepare(&[(60.0, 0.0, 0.0), (120.0, 0.0, 0.0)]).is_none());
        let c = prepare(&[(120.0, 2e9, 0.02), (60.0, 1e9, 0.01)]).expect("chart");
        assert_eq!(c.total_bytes, 3e9);
        assert!((c.total_usd - 0.03).abs() < 1e-12);
        assert_eq!(c.interval_s, Some(60.0));
        assert_eq!(
            c.bytes[0],
            (1.0, 1e9 / f64::from(1u32 << 30)),
            "sorted by time, in minutes (the axis spans 0-2 min) and GiB"
        );
        assert_eq!(c.x.start, 0.0, "the axis starts at the run's start");
    }
}
