//! Stacked bars of cost by category, one bar per account (the most
//! expensive first), each with its total on top. A category keeps its colour
//! in every chart of every run: the bill's categories have fixed colours, and
//! any other name gets one from a hash of the name.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{
    anchored, axis_title_style, by_f64, fit, fmt_usd, fmt_usd_short, fnv1a, header, legend, text,
    tick_style, upright, with_legend, Drawn, LegendItem, Swatch, GRID, GRID_LIGHT, INK, OTHERS,
};
use super::{AccountCost, Chart, ChartKind, ChartMeta};
use crate::cost::Category;
use crate::report::human;

/// How many accounts get their own bar; the rest are summed into "others".
pub const TOP_ACCOUNTS: usize = 12;

/// How many categories get their own colour; the rest are summed.
const MAX_CATEGORIES: usize = 18;

/// Colours of the bill's categories, in [`Category::ALL`] order: related
/// categories share a hue (dark for time, light for data).
const CATEGORY_COLORS: [RGBColor; 17] = [
    RGBColor(0x1f, 0x77, 0xb4), // endpoint_hours
    RGBColor(0x8e, 0xbe, 0xe0), // endpoint_data_processed
    RGBColor(0xff, 0x7f, 0x0e), // cross_az
    RGBColor(0xff, 0xcc, 0x8f), // peering_same_az
    RGBColor(0xf0, 0x8a, 0x8a), // peering_cross_az
    RGBColor(0xd6, 0x27, 0x28), // peering_inter_region
    RGBColor(0x98, 0xdf, 0x8a), // gateway_endpoint
    RGBColor(0x94, 0x67, 0xbd), // tgw_attachment_hours
    RGBColor(0xc5, 0xb0, 0xd5), // tgw_data_processed
    RGBColor(0x8c, 0x56, 0x4b), // nat_hours
    RGBColor(0xc4, 0x9c, 0x94), // nat_data_processed
    RGBColor(0x17, 0xbe, 0xcf), // dx_port_hours
    RGBColor(0x9e, 0xda, 0xe5), // dx_data_out
    RGBColor(0xe3, 0x77, 0xc2), // internet_out
    RGBColor(0xbc, 0xbd, 0x22), // inter_region_out
    RGBColor(0x39, 0x3b, 0x79), // nlb_hours
    RGBColor(0x9c, 0x9e, 0xde), // nlb_capacity_units
];

/// Colours for category names the bill does not know.
const EXTRA_COLORS: [RGBColor; 5] = [
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xdb, 0xdb, 0x8d),
    RGBColor(0xf7, 0xb6, 0xd2),
    RGBColor(0x39, 0x3b, 0x79),
    RGBColor(0x63, 0x79, 0x39),
];

const OTHER_CATEGORIES: &str = "other categories";

/// Where a category sits in the stack (bill order first), and its colour.
fn category_rank(name: &str) -> (usize, &str) {
    let i = Category::ALL
        .iter()
        .position(|c| c.as_str() == name)
        .unwrap_or(Category::ALL.len());
    (i, name)
}

/// The stable colour of a category.
pub(super) fn category_color(name: &str) -> RGBColor {
    if name == OTHER_CATEGORIES {
        return OTHERS;
    }
    match Category::ALL.iter().position(|c| c.as_str() == name) {
        Some(i) if i < CATEGORY_COLORS.len() => CATEGORY_COLORS[i],
        _ => EXTRA_COLORS[(fnv1a(name) % EXTRA_COLORS.len() as u64) as usize],
    }
}

/// The prepared cost chart.
#[derive(Debug, Clone)]
pub(super) struct CostBreakdown {
    pub accounts: Vec<String>,
    totals: Vec<f64>,
    /// Stack order, bottom first.
    pub categories: Vec<(String, RGBColor)>,
    /// `values[account][category]`, USD.
    values: Vec<Vec<f64>>,
}

/// Sums by account and category, keeps the top accounts and categories.
/// `None` when no account has a positive amount.
pub(super) fn prepare(input: &[AccountCost]) -> Option<CostBreakdown> {
    use std::collections::BTreeMap;
    let mut by_account: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
    for a in input {
        let cats = by_account.entry(a.account.as_str()).or_default();
        for (cat, usd) in &a.by_category {
            if usd.is_finite() && *usd > 0.0 {
                *cats.entry(cat.as_str()).or_default() += usd;
            }
        }
    }
    let mut accounts: Vec<(String, BTreeMap<&str, f64>, f64)> = by_account
        .into_iter()
        .map(|(name, cats)| {
            let total: f64 = cats.values().sum();
            let name = if name.is_empty() { "(unnamed)" } else { name };
            (name.to_string(), cats, total)
        })
        .filter(|(_, _, total)| *total > 0.0)
        .collect();
    if accounts.is_empty() {
        return None;
    }
    accounts.sort_by(|a, b| by_f64(b.2, a.2).then_with(|| a.0.cmp(&b.0)));
    if accounts.len() > TOP_ACCOUNTS + 1 {
        let rest = accounts.split_off(TOP_ACCOUNTS);
        let mut cats: BTreeMap<&str, f64> = BTreeMap::new();
        let mut total = 0.0;
        for (_, c, t) in &rest {
            for (k, v) in c {
                *cats.entry(k).or_default() += v;
            }
            total += t;
        }
        accounts.push((format!("others ({} accounts)", rest.len()), cats, total));
    }

    // Categories: the largest MAX_CATEGORIES - 1 keep their own colour when
    // there are too many; the rest are summed.
    let mut cat_totals: BTreeMap<&str, f64> = BTreeMap::new();
    for (_, cats, _) in &accounts {
        for (k, v) in cats {
            *cat_totals.entry(k).or_default() += v;
        }
    }
    let mut cats: Vec<(&str, f64)> = cat_totals.into_iter().collect();
    let merged: Vec<&str> = if cats.len() > MAX_CATEGORIES {
        cats.sort_by(|a, b| by_f64(b.1, a.1).then_with(|| a.0.cmp(b.0)));
        cats.split_off(MAX_CATEGORIES - 1)
            .into_iter()
            .map(|c| c.0)
            .collect()
    } else {
        Vec::new()
    };
    let mut names: Vec<&str> = cats.iter().map(|c| c.0).collect();
    names.sort_by(|a, b| category_rank(a).cmp(&category_rank(b)));
    if !merged.is_empty() {
        names.push(OTHER_CATEGORIES);
    }
    let values = accounts
        .iter()
        .map(|(_, c, _)| {
            names
                .iter()
                .map(|n| {
                    if *n == OTHER_CATEGORIES {
                        merged.iter().filter_map(|m| c.get(m)).sum()
                    } else {
                        c.get(n).copied().unwrap_or(0.0)
                    }
                })
                .collect()
        })
        .collect();
    Some(CostBreakdown {
        totals: accounts.iter().map(|a| a.2).collect(),
        accounts: accounts.into_iter().map(|a| a.0).collect(),
        categories: names
            .iter()
            .map(|n| (n.to_string(), category_color(n)))
            .collect(),
        values,
    })
}

/// The y axis says which bill the bars are: the simulated window's, or a
/// month's when the run was projected.
fn cost_axis(meta: &ChartMeta) -> String {
    if meta.projected {
        "Cost per 730-hour month (USD)".to_string()
    } else if meta.window_s > 0.0 {
        format!(
            "Cost of the {} window (USD)",
            human::duration(meta.window_s)
        )
    } else {
        "Cost of the simulated window (USD)".to_string()
    }
}

impl Chart for CostBreakdown {
    const KIND: ChartKind = ChartKind::CostBreakdown;

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, meta: &ChartMeta) -> Drawn {
        let body = header(root, Self::KIND.title(), meta)?;
        let (plot, side) = with_legend(&body);
        let n = self.accounts.len();
        let y_area = 96;
        let slot = (plot.dim_in_pixel().0 as f64 - f64::from(y_area) - 40.0) / n as f64;

        // Account names: flat when they fit under their bar, else upright.
        let label_style = tick_style();
        let widest = self
            .accounts
            .iter()
            .map(|a| plot.estimate_text_size(a, &label_style).map(|s| s.0))
            .try_fold(0u32, |m, w| w.map(|w| m.max(w)))?;
        let flat = f64::from(widest) <= slot - 8.0;
        let x_area: u32 = if flat {
            64
        } else {
            (widest + 46).clamp(80, 230)
        };

        let max_total = self.totals.iter().copied().fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(16)
            .margin_right(24)
            .margin_top(10)
            .margin_bottom(8)
            .x_label_area_size(x_area)
            .y_label_area_size(y_area)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..max_total * 1.12)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_desc("Account")
            .y_desc(cost_axis(meta))
            .label_style(tick_style())
            .axis_desc_style(axis_title_style())
            .bold_line_style(GRID)
            .light_line_style(GRID_LIGHT)
            .y_max_light_lines(1)
            .y_labels(8)
            .y_label_formatter(&|v| fmt_usd_short(*v))
            .draw()?;

        let half = 0.36;
        for (i, vals) in self.values.iter().enumerate() {
            let x = i as f64;
            let mut y = 0.0;
            for (v, (_, color)) in vals.iter().zip(&self.categories) {
                if *v <= 0.0 {
                    continue;
                }
                let r = [(x - half, y), (x + half, y + v)];
                chart.draw_series(std::iter::once(Rectangle::new(r, color.filled())))?;
                chart.draw_series(std::iter::once(Rectangle::new(r, WHITE.stroke_width(1))))?;
                y += v;
            }
        }

        // Totals on top of the bars: exact when they fit, short when not,
        // left out when even the short form would collide.
        let total_style = anchored(&text(14.0, INK), HPos::Center, VPos::Bottom);
        let widest_total = |f: fn(f64) -> String| -> Result<u32, super::common::DrawFail> {
            self.totals.iter().try_fold(0u32, |m, t| {
                Ok(m.max(plot.estimate_text_size(&f(*t), &total_style)?.0))
            })
        };
        let format: Option<fn(f64) -> String> = if f64::from(widest_total(fmt_usd)?) < slot - 4.0 {
            Some(fmt_usd)
        } else if f64::from(widest_total(fmt_usd_short)?) < slot - 4.0 {
            Some(fmt_usd_short)
        } else {
            None
        };
        if let Some(format) = format {
            for (i, t) in self.totals.iter().enumerate() {
                let (px, py) = chart.backend_coord(&(i as f64, *t));
                root.draw(&Text::new(format(*t), (px, py - 4), total_style.clone()))?;
            }
        }

        for (i, name) in self.accounts.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64, 0.0));
            if flat {
                let style = anchored(&label_style, HPos::Center, VPos::Top);
                root.draw(&Text::new(name.clone(), (px, py + 8), style))?;
            } else {
                let style = upright(&anchored(&label_style, HPos::Right, VPos::Center));
                let name = fit(root, name, &label_style, x_area.saturating_sub(40))?;
                root.draw(&Text::new(name, (px, py + 8), style))?;
            }
        }

        let mut items: Vec<LegendItem> = self
            .categories
            .iter()
            .rev()
            .map(|(name, color)| LegendItem::new(human::category(name), Swatch::Block(*color)))
            .collect();
        match (meta.projected, meta.monthly_usd) {
            (false, Some(m)) => items.push(
                LegendItem::new(format!("per 730-hour month: {}", fmt_usd(m)), Swatch::Note)
                    .detail("all accounts, the same usage every hour"),
            ),
            (true, _) => items.push(LegendItem::new(
                "projected to a 730-hour month",
                Swatch::Note,
            )),
            _ => {}
        }
        legend(&side, "Category (top of bar first)", &items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(name: &str, cats: &[(&str, f64)]) -> AccountCost {
        AccountCost {
            account: name.to_string(),
            by_category: cats.iter().map(|(c, v)| (c.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn a_category_keeps_its_colour_whatever_else_is_on_the_bill() {
        // The colour comes from the category's name alone, so the same
        // category looks the same in two runs with different bills.
        assert_eq!(category_color("cross_az"), CATEGORY_COLORS[2]);
        assert_eq!(category_color("made_up"), category_color("made_up"));
        let a = prepare(&[acct("a", &[("cross_az", 1.0)])]).expect("chart");
        let b = prepare(&[acct(
            "b",
            &[("nat_hours", 5.0), ("cross_az", 2.0), ("made_up", 1.0)],
        )])
        .expect("chart");
        let color_in = |c: &CostBreakdown| {
            c.categories
                .iter()
                .find(|(n, _)| n == "cross_az")
                .map(|x| x.1)
        };
        assert_eq!(color_in(&a), color_in(&b));
        // Stack order is the bill's order, unknown names last.
        let names: Vec<&str> = b.categories.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names, ["cross_az", "nat_hours", "made_up"]);
    }

    #[test]
    fn many_accounts_fold_into_others_and_keep_the_grand_total() {
        // 30 accounts → TOP_ACCOUNTS bars plus one "others" bar, and no
        // dollar is lost in the folding.
        let input: Vec<AccountCost> = (0..30)
            .map(|i| acct(&format!("acct-{i:02}"), &[("nat_hours", f64::from(i + 1))]))
            .collect();
        let c = prepare(&input).expect("chart");
        assert_eq!(c.accounts.len(), TOP_ACCOUNTS + 1);
        assert_eq!(c.accounts[0], "acct-29", "most expensive first");
        assert_eq!(c.accounts[TOP_ACCOUNTS], "others (18 accounts)");
        let total: f64 = c.totals.iter().sum();
        assert!((total - 465.0).abs() < 1e-9, "{total}");
    }
}
