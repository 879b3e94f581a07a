//! Turns a [`RunResult`] into the inputs of the charts and of `report.html`.
//!
//! Owns: the selection and unit conversion of what is shown. Must not:
//! recompute results (everything here is read off the run's own figures).

use std::collections::BTreeMap;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::charts::{AccountCost, ChartData, ChartMeta, ConnCell, FctSeries, ResourceSeries};
use super::html::{
    BillRow, BillRowKind, ConnRow, EventRow, ExpectRow, ReportSections, TimelineItem, TrafficRow,
};
use super::human;
use crate::cost::{Category, Unit};
use crate::results::RunResult;
use crate::results::TrafficSummary;

/// Delivered count and denials by reason code of one (source, target) cell.
type CellCounts<'a> = (u64, BTreeMap<&'a str, u64>);

/// Subtitle data of every chart.
pub fn chart_meta(result: &RunResult) -> ChartMeta {
    let s = &result.summary;
    ChartMeta {
        scenario: s.scenario.clone(),
        seed: s.seed,
        window_s: s.sim_duration_s,
        projected: s.cost.projected_factor.is_some(),
        monthly_usd: s.cost.monthly_total_usd.parse().ok(),
        timeline: super::timeline::timeline(&s.control_events, s.sim_duration_s),
    }
}

/// The data of the five charts.
pub fn chart_data(result: &RunResult) -> ChartData {
    let throughput = result
        .timeseries
        .iter()
        .map(|s| ResourceSeries {
            name: s.name.clone(),
            kind: s.kind.to_string(),
            points: s
                .samples
                .iter()
                .map(|(t, bps, _)| (t.as_secs_f64(), *bps))
                .collect(),
            capacity: s
                .samples
                .iter()
                .map(|(t, _, cap)| (t.as_secs_f64(), *cap as f64))
                .collect(),
        })
        .collect();
    let mut accounts: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
    for l in &result.bill.lines {
        let usd = l.usd.amount().to_f64().unwrap_or(0.0);
        *accounts
            .entry(&l.account)
            .or_default()
            .entry(l.category.as_str())
            .or_default() += usd;
    }
    let cost = accounts
        .into_iter()
        .map(|(a, cats)| AccountCost {
            account: a.to_string(),
            by_category: cats
                .into_iter()
                .filter(|(_, v)| *v > 0.0)
                .map(|(c, v)| (c.to_string(), v))
                .collect(),
        })
        .filter(|a| !a.by_category.is_empty())
        .collect();
    let mut cells: BTreeMap<(&str, &str), CellCounts> = BTreeMap::new();
    for (k, n) in &result.connectivity {
        let cell = cells.entry((&k.source, &k.target)).or_default();
        match k.reason {
            None => cell.0 += n,
            Some(r) => *cell.1.entry(r.code()).or_default() += n,
        }
    }
    let connectivity = cells
        .into_iter()
        .map(|((s, t), (delivered, denied))| ConnCell {
            source: s.to_string(),
            target: t.to_string(),
            delivered,
            denied: denied
                .into_iter()
                .map(|(r, n)| (r.to_string(), n))
                .collect(),
        })
        .collect();
    let fct = result
        .fct_cdf
        .iter()
        .map(|(class, points)| FctSeries {
            class: class.clone(),
            points: points.clone(),
        })
        .collect();
    // Cost per cross-AZ byte: the bill's cross-AZ total over the bytes that
    // crossed (the rate of every leg, in and out, averaged exactly).
    let cross_usd: f64 = result
        .bill
        .lines
        .iter()
        .filter(|l| matches!(l.category, Category::CrossAz | Category::PeeringCrossAz))
        .map(|l| l.usd.amount().to_f64().unwrap_or(0.0))
        .sum();
    let cross_bytes = result.summary.cost.cross_az_bytes as f64;
    let per_byte = if cross_bytes > 0.0 {
        cross_usd / cross_bytes
    } else {
        0.0
    };
    let cross_az = result
        .cross_az_series
        .iter()
        .map(|(t, b)| (t.as_secs_f64(), *b as f64, *b as f64 * per_byte))
        .collect();
    ChartData {
        throughput,
        cost,
        connectivity,
        fct,
        cross_az,
    }
}

/// The tables of `report.html`; `charts` are `(title, svg)` pairs.
pub fn report_sections(result: &RunResult, charts: Vec<(String, String)>) -> ReportSections {
    let s = &result.summary;
    let (events, timeline) = events(result);
    ReportSections {
        headline: headline(result),
        summary_rows: summary_rows(result),
        traffic_rows: s.traffic.iter().map(traffic_row).collect(),
        bill_rows: bill_rows(result),
        window: human::duration(s.sim_duration_s),
        events,
        timeline,
        connectivity_rows: connectivity_rows(result),
        expectations: expectation_rows(result),
        charts,
    }
}

/// An exact total as the bill table shows it (half-even, as its columns).
fn shown_total(exact: &str) -> String {
    let d: Decimal = exact.parse().unwrap_or_default();
    let places = human::usd_places(d);
    human::usd_decimal(d, places)
}

/// The key figures at the top of the page.
fn headline(result: &RunResult) -> Vec<(String, String)> {
    let s = &result.summary;
    let c = &s.connectivity;
    let mut out = vec![
        (
            "connections attempted".to_string(),
            human::grouped(c.attempts),
        ),
        (
            "delivered".to_string(),
            if c.attempts == 0 {
                "–".to_string()
            } else {
                format!("{:.1}%", c.delivered as f64 * 100.0 / c.attempts as f64)
            },
        ),
        (
            "per 730-hour month".to_string(),
            shown_total(&s.cost.monthly_total_usd),
        ),
        (
            "cross-AZ data".to_string(),
            human::bytes(s.cost.cross_az_bytes),
        ),
    ];
    let events = super::timeline::listed(&s.control_events).len() as u64;
    out.push(("events".to_string(), human::grouped(events)));
    out
}

fn summary_rows(result: &RunResult) -> Vec<(String, String)> {
    let s = &result.summary;
    let c = &s.connectivity;
    let mut cost_window = format!(
        "{} for the {} window",
        shown_total(&s.cost.total_usd),
        human::duration(s.sim_duration_s)
    );
    if let Some(f) = &s.cost.projected_factor {
        cost_window = format!(
            "{} (the bill projected to a month, × {f})",
            shown_total(&s.cost.total_usd)
        );
    }
    let mut rules = match &s.cost.rules_note {
        Some(note) => format!("{} — {note}", s.cost.rules),
        None => s.cost.rules.clone(),
    };
    if s.cost.consolidated_billing {
        rules.push_str(" (consolidated billing: tiers pooled per organization)");
    }
    let pairs: [(&str, String); 11] = [
        ("Scenario", format!("{} — {}", s.scenario, s.description)),
        ("Seed", s.seed.to_string()),
        ("Simulated time", human::duration(s.sim_duration_s)),
        ("Events processed", human::grouped(s.events_processed)),
        ("Quota profile", s.quota_profile.clone()),
        (
            "Pricebook",
            format!("{} ({})", s.cost.pricebook, s.cost.pricebook_version),
        ),
        ("Pricing rules", rules),
        (
            "Connections",
            format!(
                "{} attempted, {} delivered, {} denied",
                human::grouped(c.attempts),
                human::grouped(c.delivered),
                human::grouped(c.denied)
            ),
        ),
        ("Cost", cost_window),
        (
            "Cost per 730-hour month",
            shown_total(&s.cost.monthly_total_usd),
        ),
        (
            "Cross-AZ data",
            format!(
                "{} ({})",
                human::bytes(s.cost.cross_az_bytes),
                human::GB_NOTE
            ),
        ),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn traffic_row(t: &TrafficSummary) -> TrafficRow {
    let ms = |v: f64| format!("{v:.3} ms");
    TrafficRow {
        name: t.name.clone(),
        attempts: human::grouped(t.connections),
        delivered: human::grouped(t.completed),
        denied: human::grouped(t.denied),
        cut: human::grouped(t.cut),
        data: human::bytes(t.delivered_bytes),
        p50: ms(t.fct_ms.p50),
        p99: ms(t.fct_ms.p99),
    }
}

/// Amounts and usage by (account, category) of a bill.
type BillSums<'a> = BTreeMap<(&'a str, &'a str), (Decimal, Decimal, Option<Unit>)>;

fn bill_sums(bill: &crate::cost::Bill) -> BillSums<'_> {
    let mut m: BillSums = BTreeMap::new();
    for l in &bill.lines {
        let e = m.entry((&l.account, l.category.as_str())).or_default();
        e.0 += l.usd.amount();
        e.1 += l.usage;
        e.2 = Some(l.unit);
    }
    m
}

/// (account, category, window usd, window usage, its unit, month usd).
type BillLine<'a> = (&'a str, &'a str, Decimal, Decimal, Option<Unit>, Decimal);

/// The bill by account: each account's categories (window usage and
/// amount, month amount), its subtotal, then the grand total. Each column
/// is rounded from the exact amounts with largest-remainder rounding over
/// its lines; subtotals and the total are sums of the shown lines, so every
/// figure adds up as shown.
fn bill_rows(result: &RunResult) -> Vec<BillRow> {
    let window = bill_sums(&result.bill);
    let month = bill_sums(&result.monthly_bill);
    let usage = |u: Decimal, unit: Option<Unit>| match unit {
        Some(Unit::Hours) => format!("{} h", u.round_dp(2).normalize()),
        Some(Unit::NlcuHours) => format!("{} NLCU-h", u.round_dp(2).normalize()),
        Some(Unit::Gb) | None => {
            // The bill's GB is AWS's: 2^30 bytes.
            let bytes = (u * Decimal::from(1u64 << 30))
                .round()
                .to_u64()
                .unwrap_or(0);
            human::bytes(bytes)
        }
    };
    let accounts: Vec<&str> = {
        let mut a: Vec<&str> = window.keys().chain(month.keys()).map(|k| k.0).collect();
        a.sort_unstable();
        a.dedup();
        a
    };
    let mut lines: Vec<BillLine> = Vec::new();
    for a in accounts {
        let mut cats: Vec<&str> = window
            .keys()
            .chain(month.keys())
            .filter(|k| k.0 == a)
            .map(|k| k.1)
            .collect();
        cats.sort_by_key(|c| {
            crate::cost::Category::ALL
                .iter()
                .position(|x| x.as_str() == *c)
        });
        cats.dedup();
        for c in cats {
            let (w, u, unit) = window.get(&(a, c)).copied().unwrap_or_default();
            let m = month.get(&(a, c)).map(|v| v.0).unwrap_or_default();
            lines.push((a, c, w, u, unit, m));
        }
    }
    let shown = |pick: fn(&BillLine) -> Decimal| {
        let parts: Vec<Decimal> = lines.iter().map(pick).collect();
        let places = human::usd_places(parts.iter().copied().sum());
        let (rounded, _) = crate::cost::display::largest_remainder(&parts, places);
        (rounded, places)
    };
    let (w_shown, w_places) = shown(|l| l.2);
    let (m_shown, m_places) = shown(|l| l.5);
    let mut rows = Vec::new();
    let (mut total_w, mut total_m) = (Decimal::ZERO, Decimal::ZERO);
    let (mut sub_w, mut sub_m) = (Decimal::ZERO, Decimal::ZERO);
    for (i, (a, c, _, u, unit, _)) in lines.iter().enumerate() {
        sub_w += w_shown[i];
        sub_m += m_shown[i];
        rows.push(BillRow {
            account: a.to_string(),
            category: human::category(c),
            usage: usage(*u, *unit),
            usd: human::usd_decimal(w_shown[i], w_places),
            monthly_usd: human::usd_decimal(m_shown[i], m_places),
            kind: BillRowKind::Line,
        });
        if lines.get(i + 1).is_none_or(|next| next.0 != *a) {
            rows.push(BillRow {
                account: a.to_string(),
                usd: human::usd_decimal(sub_w, w_places),
                monthly_usd: human::usd_decimal(sub_m, m_places),
                kind: BillRowKind::Subtotal,
                ..BillRow::default()
            });
            total_w += sub_w;
            total_m += sub_m;
            (sub_w, sub_m) = (Decimal::ZERO, Decimal::ZERO);
        }
    }
    if !rows.is_empty() {
        rows.push(BillRow {
            usd: human::usd_decimal(total_w, w_places),
            monthly_usd: human::usd_decimal(total_m, m_places),
            kind: BillRowKind::Total,
            ..BillRow::default()
        });
    }
    rows
}

/// The events table and the timeline strip.
fn events(result: &RunResult) -> (Vec<EventRow>, Vec<TimelineItem>) {
    let s = &result.summary;
    let end = s.sim_duration_s.max(f64::MIN_POSITIVE);
    let rows = super::timeline::event_rows(&s.control_events, s.sim_duration_s)
        .into_iter()
        .map(|r| EventRow {
            time: human::at(r.time_s),
            what: r.what,
            refused: r.refused.unwrap_or_default(),
            note: r.note,
        })
        .collect();
    let t = super::timeline::timeline(&s.control_events, s.sim_duration_s);
    let mut items: Vec<TimelineItem> = t
        .windows
        .iter()
        .map(|w| TimelineItem {
            start: w.start_s / end,
            end: Some(w.end_s / end),
            label: format!(
                "{} ({}–{})",
                w.label,
                human::at(w.start_s),
                human::duration(w.end_s)
            ),
            kind: Some(w.kind),
        })
        .collect();
    items.extend(t.markers.iter().map(|m| TimelineItem {
        start: m.time_s / end,
        end: None,
        label: format!("{} {}", human::at(m.time_s), m.label),
        kind: None,
    }));
    (rows, items)
}

fn connectivity_rows(result: &RunResult) -> Vec<ConnRow> {
    result
        .connectivity
        .iter()
        .map(|(k, n)| ConnRow {
            traffic: k.traffic.clone(),
            source: k.source.clone(),
            target: k.target.clone(),
            path: k.path.name().to_string(),
            outcome: if k.reason.is_some() {
                "denied"
            } else {
                "delivered"
            }
            .to_string(),
            reason: k.reason.map(|r| r.code().to_string()).unwrap_or_default(),
            count: *n,
            hint: k
                .reason
                .and_then(|r| result.hints.get(&(k.traffic.clone(), r)))
                .cloned()
                .unwrap_or_default(),
        })
        .collect()
}

fn expectation_rows(result: &RunResult) -> Vec<ExpectRow> {
    result
        .summary
        .expectations
        .iter()
        .map(|e| ExpectRow {
            name: e.expectation.clone(),
            passed: e.passed,
            detail: format!("measured {} (limit {}); {}", e.actual, e.limit, e.detail),
        })
        .collect()
}
