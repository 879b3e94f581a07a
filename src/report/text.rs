//! The terminal summary `vpcsim run` prints: what ran, what connected, what
//! happened when, what it cost (the window and a month side by side, every
//! category or a "+N more" line that keeps the total honest), how much
//! crossed AZs, the busiest resource and the expectations' verdicts.
//!
//! Owns: the layout of that text. Must not: compute results (every figure
//! is read off the summary, in the units of [`super::human`]).

use rust_decimal::Decimal;

use super::human;
use super::timeline;
use crate::results::RunResult;
use crate::results::{Summary, TrafficSummary};

/// Traffic classes listed one by one, at most.
const TEXT_CLASSES: usize = 12;
/// Bill categories listed one by one, at most (the rest are summed).
const TEXT_CATEGORIES: usize = 8;
/// Events listed one by one, at most.
const TEXT_EVENTS: usize = 10;

/// A rate for people: Gbps, Mbps or kbps with two decimals.
pub(super) fn rate_text(gbps: f64) -> String {
    if gbps >= 1.0 {
        format!("{gbps:.2} Gbps")
    } else if gbps >= 1e-3 {
        format!("{:.2} Mbps", gbps * 1e3)
    } else {
        format!("{:.2} kbps", gbps * 1e6)
    }
}

/// A share as a percentage, with a decimal below 10 % (so a small share
/// does not read as 0 %).
pub(super) fn percent_text(share: f64) -> String {
    let p = share * 100.0;
    if p >= 10.0 {
        format!("{p:.0}%")
    } else if p >= 0.1 {
        format!("{p:.1}%")
    } else {
        format!("{p:.3}%")
    }
}

/// `99.6%`, never rounded up to `100%` while something was denied.
fn delivered_share(delivered: u64, attempts: u64) -> String {
    let p = delivered as f64 * 100.0 / attempts as f64;
    if delivered < attempts && p >= 99.95 {
        ">99.9%".to_string()
    } else {
        format!("{p:.1}%")
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

/// A short human summary for the terminal.
pub fn text_summary(result: &RunResult) -> String {
    let s = &result.summary;
    let mut t = format!(
        "scenario {} (seed {}): {} simulated, {} events, quota profile {}\n",
        s.scenario,
        s.seed,
        human::duration(s.sim_duration_s),
        human::grouped(s.events_processed),
        s.quota_profile
    );
    connections(&mut t, s);
    events(&mut t, s);
    cost(&mut t, s);
    busiest(&mut t, s);
    expectations(&mut t, s);
    t
}

/// The busiest resource: the highest utilisation among resources with a
/// ceiling; when none has one (every `Managed` endpoint ENI), the highest
/// peak, said to have no ceiling rather than "0% of capacity".
fn busiest(t: &mut String, s: &Summary) {
    let resources = &s.bandwidth.resources;
    let bounded = resources
        .iter()
        .filter(|r| r.max_capacity_gbps.is_some())
        .max_by(|a, b| a.peak_utilisation.total_cmp(&b.peak_utilisation));
    let line = match bounded {
        Some(r) => format!(
            "{} peak {} ({} of capacity)",
            r.name,
            rate_text(r.peak_gbps),
            percent_text(r.peak_utilisation)
        ),
        None => match resources
            .iter()
            .max_by(|a, b| a.peak_gbps.total_cmp(&b.peak_gbps))
        {
            Some(r) => format!("{} peak {} (no ceiling)", r.name, rate_text(r.peak_gbps)),
            None => return,
        },
    };
    t.push_str(&format!("busiest resource: {line}\n"));
}

fn connections(t: &mut String, s: &Summary) {
    let c = &s.connectivity;
    let share = if c.attempts > 0 {
        format!(" ({})", delivered_share(c.delivered, c.attempts))
    } else {
        String::new()
    };
    t.push_str(&format!(
        "connections: {} attempted, {} delivered{share}, {} denied\n",
        human::grouped(c.attempts),
        human::grouped(c.delivered),
        human::grouped(c.denied)
    ));
    for (r, n) in &c.denied_by_reason {
        t.push_str(&format!("  denied {r:<32} {:>10}\n", human::grouped(*n)));
    }
    // Every class when there are few; otherwise the ones with problems
    // (denied or cut connections) first, then the busiest, and a count of
    // the rest (all are in summary.json and report.html).
    let mut shown: Vec<&TrafficSummary> = s.traffic.iter().collect();
    if shown.len() > TEXT_CLASSES {
        shown.sort_by(|a, b| {
            (b.denied + b.cut)
                .cmp(&(a.denied + a.cut))
                .then(b.connections.cmp(&a.connections))
                .then(a.name.cmp(&b.name))
        });
        shown.truncate(TEXT_CLASSES - 2);
    }
    for tr in &shown {
        t.push_str(&format!(
            "  {:<20} {:>9} conns  {:>9} done  {:>6} cut  p50 {:>9.3} ms  p99 {:>9.3} ms\n",
            tr.name, tr.connections, tr.completed, tr.cut, tr.fct_ms.p50, tr.fct_ms.p99
        ));
    }
    if shown.len() < s.traffic.len() {
        t.push_str(&format!(
            "  … and {} more traffic classes (all in summary.json and report.html)\n",
            s.traffic.len() - shown.len()
        ));
    }
}

fn events(t: &mut String, s: &Summary) {
    let rows = timeline::event_rows(&s.control_events, s.sim_duration_s);
    if rows.is_empty() {
        return;
    }
    t.push_str(&format!("events ({}):\n", rows.len()));
    for r in rows.iter().take(TEXT_EVENTS) {
        let what = match &r.refused {
            Some(code) => format!("{} — refused: {code}: {}", r.what, r.note),
            None => r.what.clone(),
        };
        t.push_str(&format!("  {:<10} {what}\n", human::at(r.time_s)));
    }
    if rows.len() > TEXT_EVENTS {
        t.push_str(&format!(
            "  … and {} more (all in report.html and summary.json → control_events)\n",
            rows.len() - TEXT_EVENTS
        ));
    }
}

/// The bill by category, the simulated window and a 730-hour month side
/// by side (only the month when the bill itself was projected). Each
/// column is rounded with largest-remainder rounding from the exact
/// amounts, so the rows shown add up to the total shown.
fn cost(t: &mut String, s: &Summary) {
    let c = &s.cost;
    let projected = c.projected_factor.is_some();
    let window = format!("{} window", human::duration(s.sim_duration_s));
    let month = "730-h month";
    t.push_str(&format!(
        "cost (pricebook {} {}, rules {}{}){}:\n",
        c.pricebook,
        c.pricebook_version,
        if c.rules.is_empty() { "?" } else { &c.rules },
        if c.consolidated_billing {
            ", consolidated billing"
        } else {
            ""
        },
        if projected {
            format!(", projected from the {window} to a month")
        } else {
            String::new()
        }
    ));
    // Categories by monthly cost, most first, then by code.
    let mut cats: Vec<(String, Decimal, Decimal)> = c
        .monthly_by_category
        .iter()
        .map(|(k, m)| {
            let w = c.by_category.get(k).map(|v| dec(v)).unwrap_or_default();
            (human::category(k), w, dec(m))
        })
        .collect();
    cats.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let keep = if cats.len() <= TEXT_CATEGORIES {
        cats.len()
    } else {
        TEXT_CATEGORIES - 1
    };
    let rest = cats.split_off(keep);
    if !rest.is_empty() {
        let w: Decimal = rest.iter().map(|r| r.1).sum();
        let m: Decimal = rest.iter().map(|r| r.2).sum();
        cats.push((format!("+{} more", rest.len()), w, m));
    }
    let column = |pick: fn(&(String, Decimal, Decimal)) -> Decimal, total: &str| {
        let places = human::usd_places(dec(total));
        let parts: Vec<Decimal> = cats.iter().map(pick).collect();
        let (shown, sum) = crate::cost::display::largest_remainder(&parts, places);
        let sum = if parts.is_empty() {
            dec(total).round_dp(places)
        } else {
            sum
        };
        let mut cells: Vec<String> = shown
            .into_iter()
            .map(|d| human::usd_decimal(d, places))
            .collect();
        cells.push(human::usd_decimal(sum, places));
        cells
    };
    let w = column(|r| r.1, &c.total_usd);
    let m = column(|r| r.2, &c.monthly_total_usd);
    let row = |label: &str, w: &str, m: &str| -> String {
        if projected {
            format!("  {label:<34} {m:>12}\n")
        } else {
            format!("  {label:<34} {w:>12}  {m:>12}\n")
        }
    };
    t.push_str(&row("", &window, month));
    let labels = cats.iter().map(|r| r.0.as_str()).chain(["total"]);
    for (i, label) in labels.enumerate() {
        t.push_str(&row(label, &w[i], &m[i]));
    }
    t.push_str(&format!(
        "cross-AZ data: {} ({})\n",
        human::bytes(c.cross_az_bytes),
        human::GB_NOTE
    ));
    if let Some(note) = &c.rules_note {
        t.push_str(&format!("rules: {note}\n"));
    }
}

fn expectations(t: &mut String, s: &Summary) {
    let all = &s.expectations;
    if all.is_empty() {
        return;
    }
    let passed = all.iter().filter(|e| e.passed).count() as u64;
    t.push_str(&format!("expectations: {passed} of {} passed\n", all.len()));
    for e in all {
        let mark = if e.passed { "✓" } else { "✗ FAILED" };
        t.push_str(&format!(
            "  {mark} {}: measured {} (limit {})\n",
            e.expectation, e.actual, e.limit
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::{delivered_share, percent_text, rate_text};

    #[test]
    fn small_rates_and_shares_stay_readable() {
        assert_eq!(rate_text(54.2), "54.20 Gbps");
        assert_eq!(rate_text(0.26), "260.00 Mbps");
        assert_eq!(rate_text(0.000_35), "350.00 kbps");
        assert_eq!(percent_text(0.54), "54%");
        assert_eq!(percent_text(0.026), "2.6%");
        assert_eq!(percent_text(0.000_05), "0.005%");
        // 144479 of 145047 = 99.608%: not "100%" when 568 were denied.
        assert_eq!(delivered_share(144_479, 145_047), "99.6%");
        assert_eq!(delivered_share(99_999, 100_000), ">99.9%");
        assert_eq!(delivered_share(5, 5), "100.0%");
    }
}
