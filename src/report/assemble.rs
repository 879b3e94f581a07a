//! Turns a [`RunResult`] into the inputs of the charts and of `report.html`.
//!
//! Owns: the selection and unit conversion of what is shown. Must not:
//! recompute results (everything here is read off the run's own figures).

use std::collections::BTreeMap;

use rust_decimal::prelude::ToPrimitive;

use super::charts::{AccountCost, ChartData, ChartMeta, ConnCell, FctSeries, ResourceSeries};
use super::html::{BillRow, ConnRow, ExpectRow, ReportSections};
use crate::cost::Category;
use crate::results::RunResult;

/// Delivered count and denials by reason code of one (source, target) cell.
type CellCounts<'a> = (u64, BTreeMap<&'a str, u64>);

/// Subtitle data of every chart.
pub fn chart_meta(result: &RunResult) -> ChartMeta {
    ChartMeta {
        scenario: result.summary.scenario.clone(),
        seed: result.summary.seed,
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
    let c = &s.connectivity;
    let mut summary_rows = vec![
        (
            "Scenario".to_string(),
            format!("{} — {}", s.scenario, s.description),
        ),
        ("Seed".to_string(), s.seed.to_string()),
        (
            "Simulated time".to_string(),
            format!("{} s", s.sim_duration_s),
        ),
        (
            "Events processed".to_string(),
            s.events_processed.to_string(),
        ),
        ("Quota profile".to_string(), s.quota_profile.clone()),
        (
            "Pricebook".to_string(),
            format!("{} ({})", s.cost.pricebook, s.cost.pricebook_version),
        ),
        (
            "Connections".to_string(),
            format!(
                "{} attempted, {} delivered, {} denied",
                c.attempts, c.delivered, c.denied
            ),
        ),
        (
            "Cost of the window".to_string(),
            format!("${}", s.cost.total_usd),
        ),
        (
            "Cost per 730-hour month".to_string(),
            format!("${}", s.cost.monthly_total_usd),
        ),
        (
            "Cross-AZ bytes".to_string(),
            s.cost.cross_az_bytes.to_string(),
        ),
    ];
    for t in &s.traffic {
        summary_rows.push((
            format!("Traffic {}", t.name),
            format!(
                "{} connections, {} completed, {} denied, {} cut; completion p50 {:.3} ms, p99 {:.3} ms",
                t.connections, t.completed, t.denied, t.cut, t.fct_ms.p50, t.fct_ms.p99
            ),
        ));
    }
    let mut bill: BTreeMap<(&str, &str), rust_decimal::Decimal> = BTreeMap::new();
    for l in &result.bill.lines {
        *bill.entry((&l.account, l.category.as_str())).or_default() += l.usd.amount();
    }
    let bill_rows = bill
        .into_iter()
        .map(|((a, c), usd)| BillRow {
            account: a.to_string(),
            category: c.to_string(),
            usd: format!("{:.4}", usd.round_dp(4)),
        })
        .collect();
    let connectivity_rows = result
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
        .collect();
    ReportSections {
        summary_rows,
        bill_rows,
        connectivity_rows,
        expectations: expectation_rows(result),
        charts,
    }
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
