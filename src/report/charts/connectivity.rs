//! The outcome matrix: sources (rows) × targets (columns), each cell filled
//! with its most frequent outcome (delivered is green, each denial reason has
//! its own colour); a cell with more than one outcome also gets a corner in
//! the colour of its second outcome, and its delivered share is printed when
//! the cell is big enough. The busiest [`TOP_SOURCES`] rows and
//! [`TOP_TARGETS`] columns are kept; the rest fold into "others".

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{
    anchored, axis_title_style, bold, fit, header, ink_on, legend, text, tick_style, upright,
    with_legend, Drawn, LegendItem, Swatch, INK, MUTED,
};
use super::{Chart, ChartKind, ChartMeta, ConnCell};
use crate::report::human;

/// How many sources get their own row; the rest fold into "others".
pub const TOP_SOURCES: usize = 16;
/// How many targets get their own column; the rest fold into "others".
pub const TOP_TARGETS: usize = 16;
/// How many denial reasons get their own colour; the rest share one.
const TOP_REASONS: usize = 8;

const DELIVERED: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
const NO_ATTEMPT: RGBColor = RGBColor(0xf3, 0xf3, 0xf3);
const OTHER_REASONS: RGBColor = RGBColor(0x6b, 0x6b, 0x6b);
/// Denial colours: no green (green means delivered).
const REASON_COLORS: [RGBColor; TOP_REASONS] = [
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// One cell: attempts by outcome (index 0 is delivered, then the reasons in
/// [`Connectivity::outcomes`] order).
#[derive(Debug, Clone, Default)]
struct Cell {
    counts: Vec<u64>,
}

/// The prepared matrix.
#[derive(Debug, Clone)]
pub(super) struct Connectivity {
    pub sources: Vec<String>,
    pub targets: Vec<String>,
    /// Outcome labels and colours; index 0 is "delivered".
    pub outcomes: Vec<(String, RGBColor)>,
    /// `cells[row][col]`, `None` when nothing was attempted.
    cells: Vec<Vec<Option<Cell>>>,
}

/// Keeps the `n` keys with the most attempts (most first, then by name); the
/// rest map to `others (K)`. Returns the kept labels in display order and the
/// label of each key.
fn top_n(
    attempts: &BTreeMap<&str, u64>,
    n: usize,
    noun: &str,
) -> (Vec<String>, BTreeMap<String, usize>) {
    let mut keys: Vec<(&str, u64)> = attempts.iter().map(|(k, v)| (*k, *v)).collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let keep = if keys.len() <= n + 1 { keys.len() } else { n };
    let mut labels: Vec<String> = keys[..keep].iter().map(|k| k.0.to_string()).collect();
    let mut index: BTreeMap<String, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), i))
        .collect();
    if keep < keys.len() {
        let others = labels.len();
        labels.push(format!("others ({} {noun})", keys.len() - keep));
        for k in &keys[keep..] {
            index.insert(k.0.to_string(), others);
        }
    }
    (labels, index)
}

/// Attempts of one source→target pair: delivered, and denied by reason.
type PairCounts<'a> = (u64, BTreeMap<&'a str, u64>);

/// `None` when there is nothing to show: no attempt at all, or a single
/// source→target pair with no denial.
pub(super) fn prepare(input: &[ConnCell]) -> Option<Connectivity> {
    // Merge duplicate (source, target) entries.
    let mut pairs: BTreeMap<(&str, &str), PairCounts> = BTreeMap::new();
    for c in input {
        let e = pairs
            .entry((c.source.as_str(), c.target.as_str()))
            .or_default();
        e.0 += c.delivered;
        for (reason, n) in &c.denied {
            if *n > 0 {
                *e.1.entry(reason.as_str()).or_default() += n;
            }
        }
    }
    pairs.retain(|_, (d, r)| *d + r.values().sum::<u64>() > 0);
    let any_denied = pairs.values().any(|(_, r)| !r.is_empty());
    if pairs.is_empty() || (pairs.len() == 1 && !any_denied) {
        return None;
    }

    let mut by_source: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_target: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_reason: BTreeMap<&str, u64> = BTreeMap::new();
    for ((s, t), (d, r)) in &pairs {
        let n = d + r.values().sum::<u64>();
        *by_source.entry(s).or_default() += n;
        *by_target.entry(t).or_default() += n;
        for (reason, k) in r {
            *by_reason.entry(reason).or_default() += k;
        }
    }
    let (sources, row_of) = top_n(&by_source, TOP_SOURCES, "sources");
    let (targets, col_of) = top_n(&by_target, TOP_TARGETS, "targets");

    // Reasons: the most frequent get their own colour.
    let mut reasons: Vec<(&str, u64)> = by_reason.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let keep = if reasons.len() <= TOP_REASONS {
        reasons.len()
    } else {
        TOP_REASONS - 1
    };
    let mut outcomes = vec![("delivered".to_string(), DELIVERED)];
    let mut outcome_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, (r, _)) in reasons.iter().enumerate() {
        if i < keep {
            outcomes.push((r.to_string(), REASON_COLORS[i]));
            outcome_of.insert(r, i + 1);
        } else {
            outcome_of.insert(r, keep + 1);
        }
    }
    if keep < reasons.len() {
        outcomes.push((
            format!("other reasons ({})", reasons.len() - keep),
            OTHER_REASONS,
        ));
    }

    let mut cells = vec![vec![None::<Cell>; targets.len()]; sources.len()];
    for ((s, t), (d, r)) in &pairs {
        let (row, col) = (row_of[*s], col_of[*t]);
        let cell = cells[row][col].get_or_insert_with(|| Cell {
            counts: vec![0; outcomes.len()],
        });
        cell.counts[0] += d;
        for (reason, k) in r {
            cell.counts[outcome_of[reason]] += k;
        }
    }
    Some(Connectivity {
        sources,
        targets,
        outcomes,
        cells,
    })
}

impl Cell {
    /// Outcome indices by attempts, most first (ties: delivered, then the
    /// legend order), zero counts left out.
    fn ranked(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.counts.len())
            .filter(|&i| self.counts[i] > 0)
            .collect();
        idx.sort_by(|&a, &b| self.counts[b].cmp(&self.counts[a]).then(a.cmp(&b)));
        idx
    }

    fn attempts(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// `97%`, with `>99%` and `<1%` so a rare outcome never reads as 100% or 0%.
fn delivered_share(cell: &Cell) -> String {
    let total = cell.attempts();
    let d = cell.counts[0];
    if d == total {
        "100%".to_string()
    } else if d == 0 {
        "0%".to_string()
    } else {
        let pct = d as f64 * 100.0 / total as f64;
        if pct > 99.0 {
            ">99%".to_string()
        } else if pct < 1.0 {
            "<1%".to_string()
        } else {
            format!("{pct:.0}%")
        }
    }
}

impl Chart for Connectivity {
    const KIND: ChartKind = ChartKind::Connectivity;

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, meta: &ChartMeta) -> Drawn {
        let body = header(root, Self::KIND.title(), meta)?;
        let (plot, side) = with_legend(&body);
        let (pw, ph) = plot.dim_in_pixel();
        let label_style = tick_style();

        // Room for names: as wide as the widest, within bounds; names that
        // are still too long get an ellipsis.
        let widest = |names: &[String]| -> Result<u32, super::common::DrawFail> {
            names.iter().try_fold(0u32, |m, n| {
                Ok(m.max(plot.estimate_text_size(n, &label_style)?.0))
            })
        };
        // Names get up to 280 px (rows) and 220 px (columns), less when the
        // cells would otherwise shrink below 16 × 14 px.
        let (rows, cols) = (self.sources.len() as i32, self.targets.len() as i32);
        let axis_title = 34; // "Source" (left) and "Target" (top) titles
        let avail_w = pw as i32 - 16 - axis_title - 24;
        let avail_h = ph as i32 - 8 - axis_title - 16;
        let row_label_w = ((widest(&self.sources)? + 12) as i32)
            .clamp(60, 280)
            .min((avail_w - cols * 16).max(60));
        let col_label_h = ((widest(&self.targets)? + 12) as i32)
            .clamp(40, 220)
            .min((avail_h - rows * 14).max(40));
        // A few cells grow to fill the canvas (up to 340 × 200 px each, never
        // taller than wide) and the grid is centred in what is left: a 2 × 2
        // matrix covers most of the plot instead of a corner of it.
        let cell_w = ((avail_w - row_label_w) / cols).clamp(8, 340);
        let cell_h = ((avail_h - col_label_h) / rows).clamp(8, 200).min(cell_w);
        let grid_w = cell_w * cols;
        let grid_h = cell_h * rows;
        let x0 = 16 + axis_title + row_label_w + ((avail_w - row_label_w - grid_w) / 2).max(0);
        let y0 = 8 + axis_title + col_label_h + ((avail_h - col_label_h - grid_h) / 2).max(0);
        // Names no taller than their row or column is wide.
        let row_font = f64::from((cell_h - 3).clamp(9, 15));
        let col_font = f64::from((cell_w - 3).clamp(9, 15));

        // Axis titles.
        let title_style = axis_title_style();
        plot.draw(&Text::new(
            "Target (columns)",
            (x0 + grid_w / 2, 8),
            anchored(&title_style, HPos::Center, VPos::Top),
        ))?;
        plot.draw(&Text::new(
            "Source (rows)",
            (16, y0 + grid_h / 2),
            upright(&anchored(&title_style, HPos::Center, VPos::Top)),
        ))?;

        // Column names, upright, reading up from the top of the grid.
        let col_flat = text(col_font, INK);
        let col_style = upright(&anchored(&col_flat, HPos::Left, VPos::Center));
        for (j, name) in self.targets.iter().enumerate() {
            let x = x0 + j as i32 * cell_w + cell_w / 2;
            let name = fit(&plot, name, &col_flat, (col_label_h - 12) as u32)?;
            plot.draw(&Text::new(name, (x, y0 - 6), col_style.clone()))?;
        }
        // Row names, right-aligned against the grid.
        let row_flat = text(row_font, INK);
        let row_style = anchored(&row_flat, HPos::Right, VPos::Center);
        for (i, name) in self.sources.iter().enumerate() {
            let y = y0 + i as i32 * cell_h + cell_h / 2;
            let name = fit(&plot, name, &row_flat, (row_label_w - 12) as u32)?;
            plot.draw(&Text::new(name, (x0 - 6, y), row_style.clone()))?;
        }

        // Cells.
        let value_size = f64::from(cell_h.min(cell_w / 3)).clamp(10.0, 15.0);
        let show_values = cell_w >= 46 && cell_h >= 22;
        for (i, row) in self.cells.iter().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                let cx = x0 + j as i32 * cell_w;
                let cy = y0 + i as i32 * cell_h;
                let (a, b) = ((cx, cy), (cx + cell_w, cy + cell_h));
                let Some(cell) = cell else {
                    plot.draw(&Rectangle::new([a, b], NO_ATTEMPT.filled()))?;
                    plot.draw(&Rectangle::new([a, b], WHITE.stroke_width(2)))?;
                    continue;
                };
                let ranked = cell.ranked();
                let main = self.outcomes[ranked[0]].1;
                plot.draw(&Rectangle::new([a, b], main.filled()))?;
                if let Some(&second) = ranked.get(1) {
                    let k = (cell_w.min(cell_h) / 2).max(5);
                    let (rx, ty) = (cx + cell_w, cy);
                    plot.draw(&Polygon::new(
                        vec![(rx - k, ty), (rx, ty), (rx, ty + k)],
                        self.outcomes[second].1.filled(),
                    ))?;
                    plot.draw(&PathElement::new(
                        vec![(rx - k, ty), (rx, ty + k)],
                        WHITE.stroke_width(1),
                    ))?;
                }
                plot.draw(&Rectangle::new([a, b], WHITE.stroke_width(2)))?;
                if show_values {
                    // Big cells also say how many attempts the share is of.
                    let counts = cell_w >= 130 && cell_h >= 60;
                    let mid = cy + cell_h / 2 + 1 - if counts { 10 } else { 0 };
                    let style =
                        anchored(&bold(value_size, ink_on(main)), HPos::Center, VPos::Center);
                    plot.draw(&Text::new(
                        delivered_share(cell),
                        (cx + cell_w / 2, mid),
                        style,
                    ))?;
                    if counts {
                        let style = anchored(&text(13.0, ink_on(main)), HPos::Center, VPos::Center);
                        plot.draw(&Text::new(
                            format!(
                                "{} of {} delivered",
                                human::grouped(cell.counts[0]),
                                human::grouped(cell.attempts())
                            ),
                            (cx + cell_w / 2, mid + 20),
                            style,
                        ))?;
                    }
                }
            }
        }
        plot.draw(&Rectangle::new(
            [(x0 - 1, y0 - 1), (x0 + grid_w + 1, y0 + grid_h + 1)],
            MUTED.stroke_width(1),
        ))?;

        let mut items: Vec<LegendItem> = self
            .outcomes
            .iter()
            .map(|(name, color)| LegendItem::new(name.clone(), Swatch::Block(*color)))
            .collect();
        items.push(LegendItem::new("no attempt", Swatch::Block(NO_ATTEMPT)));
        if self
            .cells
            .iter()
            .flatten()
            .flatten()
            .any(|c| c.ranked().len() > 1)
        {
            items.push(
                LegendItem::new(
                    "mixed cell",
                    Swatch::Corner(OTHER_REASONS, REASON_COLORS[1]),
                )
                .detail("fill: most attempts; corner: next"),
            );
        }
        if show_values {
            items.push(LegendItem::new("cell text: share delivered", Swatch::Note));
        }
        legend(&side, "Outcome", &items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(s: &str, t: &str, delivered: u64, denied: &[(&str, u64)]) -> ConnCell {
        ConnCell {
            source: s.to_string(),
            target: t.to_string(),
            delivered,
            denied: denied.iter().map(|(r, n)| (r.to_string(), *n)).collect(),
        }
    }

    #[test]
    fn nothing_to_show_is_skipped() {
        // No attempt, or one pair that always worked, says nothing a table
        // would not: no chart.
        assert!(prepare(&[]).is_none());
        assert!(prepare(&[cell("a", "b", 10, &[])]).is_none());
        assert!(prepare(&[cell("a", "b", 0, &[("NO_ROUTE", 0)])]).is_none());
        // One pair with a denial is worth a chart.
        assert!(prepare(&[cell("a", "b", 10, &[("NO_ROUTE", 1)])]).is_some());
    }

    #[test]
    fn many_sources_and_targets_fold_into_others() {
        // 40×40 pairs → at most TOP+1 rows and columns; every attempt still
        // counted once (the fold only moves counts).
        let mut input = Vec::new();
        for s in 0..40u64 {
            for t in 0..40u64 {
                input.push(cell(
                    &format!("src-{s}"),
                    &format!("dst-{t}"),
                    s + t,
                    &[("NO_ROUTE", 1)],
                ));
            }
        }
        let m = prepare(&input).expect("matrix");
        assert_eq!(m.sources.len(), TOP_SOURCES + 1);
        assert_eq!(m.targets.len(), TOP_TARGETS + 1);
        assert_eq!(
            m.sources.last().map(String::as_str),
            Some("others (24 sources)")
        );
        let total: u64 = m.cells.iter().flatten().flatten().map(Cell::attempts).sum();
        let expected: u64 = input.iter().map(|c| c.delivered + 1).sum();
        assert_eq!(total, expected);
    }

    #[test]
    fn a_cell_is_coloured_by_its_majority() {
        // 3 delivered, 7 denied: the fill must be the denial's colour, the
        // corner delivered's.
        let m = prepare(&[cell("a", "b", 3, &[("SECURITY_GROUP_DENY", 7)])]).expect("matrix");
        let c = m.cells[0][0].as_ref().expect("cell");
        assert_eq!(c.ranked(), vec![1, 0]);
        assert_eq!(m.outcomes[1].0, "SECURITY_GROUP_DENY");
        assert_eq!(delivered_share(c), "30%");
    }
}
