//! The run's events on a time chart: every window (an AZ down, a link down,
//! an endpoint suspended, an NLB swap) shaded across the plot in its kind's
//! colour, every instant event a dotted grey line, and their labels in a
//! lane above the plot, stacked in rows so no two overlap.
//!
//! Shading is drawn under the series, labels above the plot: the data stay
//! readable and a label never covers a line. Labels that do not fit in
//! [`MAX_ROWS`] rows are left out and counted in the legend (the text
//! summary and report.html list every event).

use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{anchored, text, DrawFail, Drawn, LegendItem, Swatch, TickedAxis, MUTED};
use super::{Timeline, WindowKind};

/// Height of one row of labels.
const ROW: i32 = 20;
/// Rows of labels at most.
pub const MAX_ROWS: usize = 3;
/// Space kept between two labels of a row.
const GAP: i32 = 10;

/// Fill opacity of a window.
const SHADE: f64 = 0.14;

/// The colour of a window kind.
pub(super) fn kind_color(kind: WindowKind) -> RGBColor {
    let (r, g, b) = kind.rgb();
    RGBColor(r, g, b)
}

/// `c` at opacity `a` over white, as an opaque colour (legend swatches).
fn over_white(c: RGBColor, a: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) * a + 255.0 * (1.0 - a)).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// One event in display units of the time axis.
#[derive(Debug, Clone)]
struct Item {
    start: f64,
    /// `None` for an instant event.
    end: Option<f64>,
    label: String,
    kind: Option<WindowKind>,
    /// Row of its label (`None`: not labelled, no room).
    row: Option<usize>,
}

/// The events of one time chart, prepared for its x axis.
#[derive(Debug, Clone, Default)]
pub(super) struct Lane {
    items: Vec<Item>,
    rows: usize,
}

impl Lane {
    /// The events inside `x` (display units; `div` seconds per unit),
    /// windows cut to it.
    pub fn new(t: &Timeline, div: f64, x: &Range<f64>) -> Lane {
        let mut items: Vec<Item> = Vec::new();
        for w in &t.windows {
            let (s, e) = (w.start_s / div, w.end_s / div);
            if e < x.start || s > x.end {
                continue;
            }
            let label = if w.open_end {
                format!("{} (to the end)", w.label)
            } else {
                w.label.clone()
            };
            items.push(Item {
                start: s.max(x.start),
                end: Some(e.min(x.end)),
                label,
                kind: Some(w.kind),
                row: None,
            });
        }
        for m in &t.markers {
            let s = m.time_s / div;
            if s >= x.start && s <= x.end {
                items.push(Item {
                    start: s,
                    end: None,
                    label: m.label.clone(),
                    kind: None,
                    row: None,
                });
            }
        }
        items.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.label.cmp(&b.label)));
        Lane { items, rows: 0 }
    }

    /// The events of a plot drawn in `area` whose x axis runs from `left`
    /// pixels after its left edge to `right` pixels before its right edge,
    /// with their label rows assigned.
    pub fn laid_out<DB: DrawingBackend>(
        t: &Timeline,
        div: f64,
        x: &Range<f64>,
        area: &DrawingArea<DB, Shift>,
        (left, right): (u32, u32),
    ) -> Result<Lane, DrawFail> {
        let mut lane = Lane::new(t, div, x);
        let width = f64::from(area.dim_in_pixel().0.saturating_sub(left + right));
        let span = (x.end - x.start).max(f64::MIN_POSITIVE);
        lane.layout(
            area,
            |v| left as i32 + ((v - x.start) / span * width) as i32,
            (f64::from(left) + width) as i32,
        )?;
        Ok(lane)
    }

    /// Assigns label rows, first fit in time order; `px` maps an x value to
    /// its (approximate) pixel column and `right` is the plot's right edge.
    pub fn layout<DB: DrawingBackend>(
        &mut self,
        area: &DrawingArea<DB, Shift>,
        px: impl Fn(f64) -> i32,
        right: i32,
    ) -> Result<(), DrawFail> {
        let style = label_style(MUTED);
        let mut row_end: Vec<i32> = Vec::new();
        for item in &mut self.items {
            let w = area.estimate_text_size(&item.label, &style)?.0 as i32 + 14;
            let x = label_x(px(item.start), w, right);
            let row = row_end.iter().position(|end| *end + GAP <= x);
            let row = match row {
                Some(r) => Some(r),
                None if row_end.len() < MAX_ROWS => {
                    row_end.push(i32::MIN);
                    Some(row_end.len() - 1)
                }
                None => None,
            };
            if let Some(r) = row {
                row_end[r] = x + w;
            }
            item.row = row;
        }
        self.rows = row_end.len();
        Ok(())
    }

    /// Pixels the label lane needs above the plot.
    pub fn height(&self) -> u32 {
        if self.rows == 0 {
            0
        } else {
            (self.rows as i32 * ROW + 6) as u32
        }
    }

    /// Shades the windows and draws the instant events across `y`.
    pub fn draw_shading<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<TickedAxis, RangedCoordf64>>,
        y: (f64, f64),
    ) -> Drawn {
        for item in &self.items {
            match (item.end, item.kind) {
                (Some(end), Some(kind)) => {
                    let c = kind_color(kind);
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(item.start, y.0), (end, y.1)],
                        c.mix(SHADE).filled(),
                    )))?;
                    for x in [item.start, end] {
                        chart.draw_series(std::iter::once(PathElement::new(
                            vec![(x, y.0), (x, y.1)],
                            c.mix(0.55).stroke_width(1),
                        )))?;
                    }
                }
                _ => {
                    chart.draw_series(DashedLineSeries::new(
                        vec![(item.start, y.0), (item.start, y.1)],
                        2,
                        4,
                        MUTED.stroke_width(1),
                    ))?;
                }
            }
        }
        Ok(())
    }

    /// Draws the labels in the lane that ends at the plot's top edge, each
    /// tied to its event by a short line.
    pub fn draw_labels<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        chart: &ChartContext<'_, DB, Cartesian2d<TickedAxis, RangedCoordf64>>,
        y_top: f64,
    ) -> Drawn {
        if self.rows == 0 {
            return Ok(());
        }
        let (_, plot_top) = chart.backend_coord(&(self.items[0].start, y_top));
        let right = chart.plotting_area().get_pixel_range().0.end;
        let lane_top = plot_top - self.height() as i32 + 2;
        for item in &self.items {
            let Some(row) = item.row else { continue };
            let (x, _) = chart.backend_coord(&(item.start, y_top));
            let color = match item.kind {
                Some(k) => kind_color(k),
                None => MUTED,
            };
            let style = label_style(color);
            let w = root.estimate_text_size(&item.label, &style)?.0 as i32 + 14;
            let lx = label_x(x, w, right);
            let cy = lane_top + row as i32 * ROW + ROW / 2;
            // The tie: from the label's row down to the plot's top edge.
            root.draw(&PathElement::new(
                vec![(x, cy), (x, plot_top)],
                color.mix(0.7).stroke_width(1),
            ))?;
            let swatch = match item.kind {
                Some(k) => over_white(kind_color(k), 0.45),
                None => RGBColor(0xff, 0xff, 0xff),
            };
            root.draw(&Rectangle::new(
                [(lx, cy - 6), (lx + 10, cy + 6)],
                swatch.filled(),
            ))?;
            root.draw(&Rectangle::new(
                [(lx, cy - 6), (lx + 10, cy + 6)],
                color.stroke_width(1),
            ))?;
            root.draw(&Text::new(item.label.clone(), (lx + 14, cy), style))?;
        }
        Ok(())
    }

    /// Legend entries: one per window kind shown, the instant-event line,
    /// and how many labels had no room.
    pub fn legend_items(&self) -> Vec<LegendItem> {
        let mut kinds: Vec<WindowKind> = self.items.iter().filter_map(|i| i.kind).collect();
        kinds.sort();
        kinds.dedup();
        let mut out: Vec<LegendItem> = kinds
            .into_iter()
            .map(|k| {
                let (label, detail) = k.legend();
                LegendItem::new(label, Swatch::Block(over_white(kind_color(k), 0.3))).detail(detail)
            })
            .collect();
        if self.items.iter().any(|i| i.kind.is_none()) {
            out.push(LegendItem::new(
                "event (dotted line)",
                Swatch::Dashed(MUTED),
            ));
        }
        let hidden = self.items.iter().filter(|i| i.row.is_none()).count();
        if hidden > 0 {
            out.push(LegendItem::new(
                format!(
                    "+{} not labelled (see the events table)",
                    crate::report::human::count(hidden as u64, "event")
                ),
                Swatch::Note,
            ));
        }
        out
    }
}

fn label_style(color: RGBColor) -> TextStyle<'static> {
    anchored(&text(13.0, color), HPos::Left, VPos::Center)
}

/// A label's left edge: at its event, moved left when it would pass the
/// plot's right edge.
fn label_x(x: i32, width: i32, right: i32) -> i32 {
    if x + width > right {
        (right - width).max(0)
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::{EventMarker, EventWindow};

    #[test]
    fn windows_are_cut_to_the_axis_and_events_outside_it_dropped() {
        // A window from 50 to 150 s on a 0–100 s axis is drawn to 100; a
        // marker at 120 s is off the axis and left out.
        let t = Timeline {
            windows: vec![EventWindow {
                start_s: 50.0,
                end_s: 150.0,
                open_end: false,
                label: "use1-az1 down".to_string(),
                kind: WindowKind::Outage,
            }],
            markers: vec![EventMarker {
                time_s: 120.0,
                label: "Accept x".to_string(),
            }],
        };
        let lane = Lane::new(&t, 1.0, &(0.0..100.0));
        assert_eq!(lane.items.len(), 1);
        assert_eq!(
            (lane.items[0].start, lane.items[0].end),
            (50.0, Some(100.0))
        );
    }

    #[test]
    fn labels_that_would_overlap_go_to_the_next_row() {
        // Three events one pixel apart need three rows; a fourth has no
        // row left and is counted in the legend instead.
        let t = Timeline {
            windows: Vec::new(),
            markers: (0..4)
                .map(|i| EventMarker {
                    time_s: f64::from(i),
                    label: format!("event number {i}"),
                })
                .collect(),
        };
        let mut lane = Lane::new(&t, 1.0, &(0.0..100.0));
        let mut svg = String::new();
        let root = SVGBackend::with_string(&mut svg, (800, 400)).into_drawing_area();
        crate::report::charts::init_fonts().expect("fonts");
        lane.layout(&root, |x| x as i32, 800).expect("layout");
        let rows: Vec<Option<usize>> = lane.items.iter().map(|i| i.row).collect();
        assert_eq!(rows, [Some(0), Some(1), Some(2), None]);
        assert_eq!(lane.height(), 3 * 20 + 6);
        assert!(lane
            .legend_items()
            .iter()
            .any(|l| l.label == "+1 event not labelled (see the events table)"));
    }
}
