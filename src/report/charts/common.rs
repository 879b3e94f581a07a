//! What every chart shares: text styles, colours, the title block, the legend
//! panel, unit choice and number formats, text fitting and series thinning.

use std::cmp::Ordering;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, FontTransform};

use super::ChartMeta;

/// The font family every text uses (DejaVu Sans, registered by
/// [`super::init_fonts`]).
pub const FONT_FAMILY: &str = "sans-serif";

/// Height of the title block (title and subtitle).
pub(super) const HEADER_H: u32 = 84;
/// Width of the legend panel at the right of a chart.
pub(super) const LEGEND_W: u32 = 300;

pub(super) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub(super) const MUTED: RGBColor = RGBColor(0x5f, 0x63, 0x68);
pub(super) const GRID: RGBColor = RGBColor(0xd9, 0xd9, 0xd9);
pub(super) const GRID_LIGHT: RGBColor = RGBColor(0xef, 0xef, 0xef);
pub(super) const OTHERS: RGBColor = RGBColor(0x8c, 0x8c, 0x8c);

/// Ten colours that stay apart for most readers (Tableau 10, grey left out:
/// grey means "others").
pub(super) const SERIES: [RGBColor; 9] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0xbc, 0xbd, 0x22),
];

/// Why drawing failed (the backend's message).
#[derive(Debug)]
pub(super) struct DrawFail(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawFail {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawFail(e.to_string())
    }
}

pub(super) type Drawn = Result<(), DrawFail>;

/// A text style of the chart font.
pub(super) fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: FontDesc::new(FontFamily::Name(FONT_FAMILY), size, FontStyle::Normal),
        color: color.to_backend_color(),
        pos: Pos::new(HPos::Left, VPos::Top),
    }
}

/// A bold text style of the chart font.
pub(super) fn bold(size: f64, color: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: FontDesc::new(FontFamily::Name(FONT_FAMILY), size, FontStyle::Bold),
        ..text(size, color)
    }
}

/// `style` anchored at `h`, `v`.
pub(super) fn anchored(style: &TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// `style` rotated to read bottom to top.
pub(super) fn upright(style: &TextStyle<'static>) -> TextStyle<'static> {
    style.transform(FontTransform::Rotate270)
}

/// Tick labels, axis titles.
pub(super) fn tick_style() -> TextStyle<'static> {
    text(15.0, INK)
}
pub(super) fn axis_title_style() -> TextStyle<'static> {
    text(17.0, INK)
}

/// The subtitle: which run the chart comes from.
pub fn subtitle(meta: &ChartMeta) -> String {
    let mut s = format!("scenario: {} · seed {}", meta.scenario, meta.seed);
    if meta.window_s > 0.0 {
        s.push_str(&format!(
            " · {} simulated",
            crate::report::human::duration(meta.window_s)
        ));
    }
    s
}

/// Fills `root` white, draws the title and the subtitle, returns the area
/// below them.
pub(super) fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    meta: &ChartMeta,
) -> Result<DrawingArea<DB, Shift>, DrawFail> {
    root.fill(&WHITE)?;
    let (head, body) = root.split_vertically(HEADER_H);
    let width = head.dim_in_pixel().0.saturating_sub(48);
    let title_style = bold(26.0, INK);
    let title = fit_end(&head, title, &title_style, width)?;
    head.draw(&Text::new(title, (24, 18), title_style))?;
    let sub_style = text(16.0, MUTED);
    let sub = fit_end(&head, &subtitle(meta), &sub_style, width)?;
    head.draw(&Text::new(sub, (24, 54), sub_style))?;
    Ok(body)
}

/// Splits `body` into the plot (left) and the legend panel (right).
pub(super) fn with_legend<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let w = body.dim_in_pixel().0;
    body.split_horizontally(w.saturating_sub(LEGEND_W))
}

/// How an entry looks in a legend.
#[derive(Debug, Clone, Copy)]
pub(super) enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled square.
    Block(RGBColor),
    /// A filled square with a corner in another colour.
    Corner(RGBColor, RGBColor),
    /// No swatch: a note.
    Note,
}

/// One legend entry: a label, and optionally a muted second line.
#[derive(Debug, Clone)]
pub(super) struct LegendItem {
    pub label: String,
    pub detail: Option<String>,
    pub swatch: Swatch,
}

impl LegendItem {
    pub fn new(label: impl Into<String>, swatch: Swatch) -> Self {
        LegendItem {
            label: label.into(),
            detail: None,
            swatch,
        }
    }

    /// Adds a second, muted line under the label.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    fn height(&self) -> i32 {
        if self.detail.is_some() {
            LEGEND_ROW + 17
        } else {
            LEGEND_ROW
        }
    }
}

const LEGEND_ROW: i32 = 26;

/// Draws a legend panel: a heading then one row per item, labels truncated
/// to the panel; rows that do not fit become a "+N more" line.
pub(super) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    items: &[LegendItem],
) -> Drawn {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let x0 = 14;
    let mut y = 16;
    let head_style = bold(16.0, INK);
    let head = fit_end(area, heading, &head_style, (w - 28).max(10) as u32)?;
    area.draw(&Text::new(head, (x0, y), head_style))?;
    y += 32;
    let bottom = h - 8;
    for (n, item) in items.iter().enumerate() {
        // Keep one row for "+N more" unless this is the last item.
        let rest: i32 = if n + 1 < items.len() { LEGEND_ROW } else { 0 };
        if y + item.height() + rest > bottom {
            let style = anchored(&text(14.0, MUTED), HPos::Left, VPos::Center);
            area.draw(&Text::new(
                format!("+{} more", items.len() - n),
                (x0, y + LEGEND_ROW / 2),
                style,
            ))?;
            break;
        }
        let cy = y + LEGEND_ROW / 2;
        let sx = x0;
        let tx = match item.swatch {
            Swatch::Note => x0,
            _ => x0 + 42,
        };
        match item.swatch {
            Swatch::Line(c) => {
                area.draw(&PathElement::new(
                    vec![(sx, cy), (sx + 32, cy)],
                    c.stroke_width(3),
                ))?;
            }
            Swatch::Dashed(c) => {
                for i in 0..3 {
                    let a = sx + i * 12;
                    area.draw(&PathElement::new(
                        vec![(a, cy), (a + 7, cy)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Swatch::Block(c) => {
                area.draw(&Rectangle::new(
                    [(sx + 6, cy - 9), (sx + 26, cy + 9)],
                    c.filled(),
                ))?;
            }
            Swatch::Corner(c, corner) => {
                area.draw(&Rectangle::new(
                    [(sx + 6, cy - 9), (sx + 26, cy + 9)],
                    c.filled(),
                ))?;
                area.draw(&Polygon::new(
                    vec![(sx + 15, cy - 9), (sx + 26, cy - 9), (sx + 26, cy + 2)],
                    corner.filled(),
                ))?;
            }
            Swatch::Note => {}
        }
        let max_w = (w - tx - 10).max(10) as u32;
        let label_style = if matches!(item.swatch, Swatch::Note) {
            anchored(&text(14.0, MUTED), HPos::Left, VPos::Center)
        } else {
            anchored(&text(15.0, INK), HPos::Left, VPos::Center)
        };
        let label = fit(area, &item.label, &label_style, max_w)?;
        area.draw(&Text::new(label, (tx, cy), label_style))?;
        if let Some(detail) = &item.detail {
            let style = anchored(&text(13.0, MUTED), HPos::Left, VPos::Center);
            let detail = fit(area, detail, &style, max_w)?;
            area.draw(&Text::new(detail, (tx, cy + 17), style))?;
        }
        y += item.height();
    }
    Ok(())
}

/// `s` if it fits in `max_w` pixels, else shortened with an ellipsis in the
/// middle (`workload-07-…-prod-main`): names that share a prefix or a
/// suffix stay apart.
pub(super) fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
    max_w: u32,
) -> Result<String, DrawFail> {
    shorten(area, s, style, max_w, |chars, n| {
        let head = n.div_ceil(2) + n / 10;
        let head = head.min(n);
        let tail = n - head;
        let mut t: String = chars[..head].iter().collect();
        t = t.trim_end().to_string();
        t.push('…');
        t.extend(&chars[chars.len() - tail..]);
        t
    })
}

/// `s` if it fits in `max_w` pixels, else its longest prefix that fits with
/// an ellipsis (for sentences: titles).
pub(super) fn fit_end<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
    max_w: u32,
) -> Result<String, DrawFail> {
    shorten(area, s, style, max_w, |chars, n| {
        let mut t: String = chars[..n].iter().collect();
        t = t.trim_end().to_string();
        t.push('…');
        t
    })
}

/// The longest `cut(chars, n)` (keeping `n` characters) that fits.
fn shorten<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
    max_w: u32,
    cut: impl Fn(&[char], usize) -> String,
) -> Result<String, DrawFail> {
    // Measure unrotated text: the width along the reading direction.
    let flat = TextStyle {
        font: style.font.transform(FontTransform::None),
        ..style.clone()
    };
    let width = |t: &str| -> Result<u32, DrawFail> {
        if t.is_empty() {
            return Ok(0);
        }
        Ok(area.estimate_text_size(t, &flat)?.0)
    };
    if width(s)? <= max_w {
        return Ok(s.to_string());
    }
    let chars: Vec<char> = s.chars().collect();
    // The most characters that fit (width grows with the count).
    let (mut lo, mut hi) = (0usize, chars.len().saturating_sub(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if width(&cut(&chars, mid))? <= max_w {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(cut(&chars, lo))
}

/// A display unit: values are divided by `div` and labelled `label`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Unit {
    pub div: f64,
    pub label: &'static str,
}

/// Hours for 2 h and longer, minutes for 2 min and longer, else seconds.
pub(super) fn time_unit(span_s: f64) -> Unit {
    if span_s >= 7200.0 {
        Unit {
            div: 3600.0,
            label: "h",
        }
    } else if span_s >= 120.0 {
        Unit {
            div: 60.0,
            label: "min",
        }
    } else {
        Unit {
            div: 1.0,
            label: "s",
        }
    }
}

/// Gbps, Mbps, kbps or bps, whichever keeps the largest value at or above 1.
pub(super) fn rate_unit(max_bps: f64) -> Unit {
    let (div, label) = if max_bps >= 1e9 {
        (1e9, "Gbps")
    } else if max_bps >= 1e6 {
        (1e6, "Mbps")
    } else if max_bps >= 1e3 {
        (1e3, "kbps")
    } else {
        (1.0, "bps")
    };
    Unit { div, label }
}

/// TiB, GiB, MiB, KiB or B, whichever keeps the largest value at or above
/// 1: binary units, as AWS bills data (its "GB" is 2^30 bytes; see
/// [`crate::report::human`]).
pub(super) fn bytes_unit(max_bytes: f64) -> Unit {
    const KIB: f64 = 1024.0;
    let (div, label) = if max_bytes >= KIB.powi(4) {
        (KIB.powi(4), "TiB")
    } else if max_bytes >= KIB.powi(3) {
        (KIB.powi(3), "GiB")
    } else if max_bytes >= KIB.powi(2) {
        (KIB.powi(2), "MiB")
    } else if max_bytes >= KIB {
        (KIB, "KiB")
    } else {
        (1.0, "B")
    };
    Unit { div, label }
}

/// Dollars on an axis reaching `max`: as many decimals as the ticks need to
/// stay apart (`$0.0012`, `$0.0008` rather than `$0.001` twice), trailing
/// zeros dropped past the cents.
pub(super) fn fmt_usd_axis(v: f64, max: f64) -> String {
    if max >= 0.5 || v == 0.0 {
        return fmt_usd_short(v);
    }
    // Ticks are about a fifth of the range apart: one more decimal than
    // the step's first significant digit.
    let step = (max / 5.0).max(f64::MIN_POSITIVE);
    let decimals = ((-step.log10()).ceil() as usize).clamp(2, 8);
    let s = format!("{v:.decimals$}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut frac = frac.trim_end_matches('0').to_string();
    while frac.len() < 2 {
        frac.push('0');
    }
    format!("${int}.{frac}")
}

/// A tick value: at most three significant decimals, no trailing zeros.
pub(super) fn fmt_num(v: f64) -> String {
    let a = v.abs();
    let s = if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    };
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

use crate::report::human::grouped as group_thousands;

/// `$1,234.56`.
pub(super) fn fmt_usd(v: f64) -> String {
    let cents = (v.abs() * 100.0).round() as u64;
    let sign = if v < 0.0 && cents > 0 { "-" } else { "" };
    format!("{sign}${}.{:02}", group_thousands(cents / 100), cents % 100)
}

/// `$0.30`, `$12.50`, `$600`, `$1,500`, `$15.3k`, `$2.4M`: short amounts
/// for axes and tight labels (cents shown below $100).
pub(super) fn fmt_usd_short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("${}M", fmt_num(v / 1e6))
    } else if a >= 1e4 {
        format!("${}k", fmt_num(v / 1e3))
    } else if a >= 100.0 || a == 0.0 {
        format!("${}", group_thousands_f(v))
    } else if a >= 0.01 {
        format!("${v:.2}")
    } else {
        format!("${}", fmt_num(v))
    }
}

fn group_thousands_f(v: f64) -> String {
    if v.abs() >= 1000.0 {
        let sign = if v < 0.0 { "-" } else { "" };
        format!("{sign}{}", group_thousands(v.abs().round() as u64))
    } else {
        fmt_num(v)
    }
}

/// Round time ticks for `range` (in `unit`): hours in steps of 1, 2, 3, 6,
/// 12 or 24…, minutes and seconds in steps of 1, 2, 5, 10, 15, 30 or 60;
/// at most about ten ticks. Returns `(labelled ticks, light grid lines)`.
pub(super) fn time_ticks(range: &std::ops::Range<f64>, unit: Unit) -> (Vec<f64>, Vec<f64>) {
    let steps: &[f64] = if unit.label == "h" {
        &[
            1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0, 72.0, 168.0, 336.0, 720.0,
        ]
    } else {
        &[1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0]
    };
    let span = range.end - range.start;
    let step = steps
        .iter()
        .copied()
        .find(|s| span / s <= 10.0)
        .unwrap_or_else(|| (span / 10.0).ceil());
    let light_div = if unit.label == "h" && step % 3.0 == 0.0 {
        3.0
    } else if step % 5.0 == 0.0 {
        5.0
    } else {
        2.0
    };
    let at = |step: f64| -> Vec<f64> {
        let first = (range.start / step - 1e-9).ceil() as i64;
        let last = (range.end / step + 1e-9).floor() as i64;
        (first..=last).map(|i| i as f64 * step).collect()
    };
    (at(step), at(step / light_div))
}

/// A linear `f64` axis whose ticks and light grid lines are given (plotters'
/// own `with_key_points` loses the value formatter of `f64` ranges).
#[derive(Clone)]
pub(super) struct TickedAxis {
    inner: RangedCoordf64,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl TickedAxis {
    /// A time axis over `range` (in `unit`) with [`time_ticks`].
    pub fn time(range: std::ops::Range<f64>, unit: Unit) -> TickedAxis {
        let (bold, light) = time_ticks(&range, unit);
        TickedAxis {
            inner: range.into(),
            bold,
            light,
        }
    }
}

impl Ranged for TickedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// Total order on `f64` for sorting (NaN never reaches it: inputs are
/// filtered to finite values first).
pub(super) fn by_f64(a: f64, b: f64) -> Ordering {
    a.total_cmp(&b)
}

/// Finite `(x, y)` points sorted by `x` (stable: equal times keep their
/// input order).
pub(super) fn clean_points(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    out.sort_by(|a, b| by_f64(a.0, b.0));
    out
}

/// Thins a time-sorted series to at most `4 × buckets` points: per bucket of
/// equal time width it keeps the first, the minimum, the maximum and the
/// last point (in time order), so peaks and dips survive. Short series are
/// returned unchanged.
pub(super) fn thin(points: &[(f64, f64)], buckets: usize) -> Vec<(f64, f64)> {
    if points.len() <= 2 * buckets + 2 || buckets == 0 {
        return points.to_vec();
    }
    let t0 = points[0].0;
    let t1 = points[points.len() - 1].0;
    let span = t1 - t0;
    if span <= 0.0 {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(2 * buckets + 2);
    let mut i = 0;
    while i < points.len() {
        let b = (((points[i].0 - t0) / span * buckets as f64) as usize).min(buckets - 1);
        let start = i;
        let (mut lo, mut hi) = (i, i);
        while i < points.len()
            && (((points[i].0 - t0) / span * buckets as f64) as usize).min(buckets - 1) == b
        {
            if points[i].1 < points[lo].1 {
                lo = i;
            }
            if points[i].1 > points[hi].1 {
                hi = i;
            }
            i += 1;
        }
        let end = i - 1;
        let mut keep = [start, lo, hi, end];
        keep.sort_unstable();
        let mut last = usize::MAX;
        for k in keep {
            if k != last {
                out.push(points[k]);
                last = k;
            }
        }
    }
    out
}

/// Black or white, whichever reads better on `bg`.
pub(super) fn ink_on(bg: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = bg;
    let lum = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if lum > 150.0 {
        INK
    } else {
        WHITE
    }
}

/// A stable 64-bit FNV-1a hash (for colours of names nobody planned for).
pub(super) fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_person_wrote_them() {
        // Tick labels must not show float noise such as 0.30000000000000004.
        assert_eq!(fmt_num(0.1 + 0.2), "0.3");
        assert_eq!(fmt_num(12.0), "12");
        assert_eq!(fmt_num(2.5), "2.5");
        assert_eq!(fmt_num(-0.0), "0");
        assert_eq!(fmt_usd(1234.567), "$1,234.57");
        assert_eq!(fmt_usd(0.0), "$0.00");
        assert_eq!(fmt_usd_short(15_300.0), "$15.3k");
        assert_eq!(fmt_usd_short(2_500.0), "$2,500");
        assert_eq!(fmt_usd_short(0.25), "$0.25");
        assert_eq!(fmt_usd_short(0.3), "$0.30");
        assert_eq!(fmt_usd_short(12.5), "$12.50");
        assert_eq!(fmt_usd_short(600.0), "$600");
        assert_eq!(fmt_usd_short(0.0), "$0");
    }

    #[test]
    fn small_dollar_ticks_stay_apart() {
        // The quickstart's cross-AZ cost per minute peaks near $0.0014:
        // ticks every $0.0002 or $0.0005 need four decimals, and two ticks
        // never print the same text.
        let max = 0.0014;
        let ticks: Vec<String> = [0.0004, 0.0008, 0.0012]
            .iter()
            .map(|v| fmt_usd_axis(*v, max))
            .collect();
        assert_eq!(ticks, ["$0.0004", "$0.0008", "$0.0012"]);
        assert_eq!(fmt_usd_axis(0.004, 0.0042), "$0.004");
        assert_eq!(fmt_usd_axis(0.0, 0.0042), "$0");
        assert_eq!(fmt_usd_axis(12.5, 40.0), "$12.50");
    }

    #[test]
    fn units_follow_the_magnitude() {
        // The axis unit is picked from the largest value, so labels stay
        // between 1 and 1000 instead of showing 0.000012 Gbps.
        assert_eq!(time_unit(86_400.0).label, "h");
        assert_eq!(time_unit(3_600.0).label, "min");
        assert_eq!(time_unit(30.0).label, "s");
        assert_eq!(rate_unit(25e9).label, "Gbps");
        assert_eq!(rate_unit(400e6).label, "Mbps");
        assert_eq!(bytes_unit(3e12).label, "TiB");
        assert_eq!(bytes_unit(5e6).label, "MiB");
        assert_eq!(bytes_unit(1023.0).label, "B");
    }

    #[test]
    fn time_ticks_fall_on_round_hours_and_minutes() {
        // A day in hours is read in 3-hour steps, not 5; half an hour in
        // minutes in 5-minute steps.
        let (ticks, light) = time_ticks(&(0.0..24.0), time_unit(86_400.0));
        assert_eq!(ticks, [0.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 21.0, 24.0]);
        assert_eq!(light.len(), 25);
        let (ticks, _) = time_ticks(&(0.5..30.0), time_unit(1_800.0));
        assert_eq!(ticks, [5.0, 10.0, 15.0, 20.0, 25.0, 30.0]);
    }

    #[test]
    fn thinning_keeps_peaks_and_bounds_the_size() {
        // 100k points with one spike: the thinned series is small but still
        // holds the spike, the first and the last point.
        let mut pts: Vec<(f64, f64)> = (0..100_000).map(|i| (f64::from(i), 1.0)).collect();
        pts[54_321].1 = 99.0;
        let t = thin(&pts, 500);
        assert!(t.len() <= 4 * 500, "{} points", t.len());
        assert!(t.contains(&(54_321.0, 99.0)));
        assert_eq!(t.first(), pts.first());
        assert_eq!(t.last(), pts.last());
        assert!(t.windows(2).all(|w| w[0].0 <= w[1].0), "time order kept");
    }
}
