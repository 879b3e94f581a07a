//! Expectations: the scenario's `expect: [...]` checked against a run.
//!
//! Owns: judging each [`Expectation`] of a scenario against what the run
//! measured, and saying in words what was expected, what happened and why it
//! passed or failed. Must not: run anything or change a result; it reads a
//! [`RunResult`].
//!
//! Money is compared in exact decimals (the bill's `total`, `by_category` and
//! `by_account`, which add up to the last digit), never through the rounded
//! strings of `summary.json`. `MonthlyCostAtMost` reads the bill projected to
//! a 730-hour month ([`RunResult::monthly_bill`]); `CostAtMost` reads the bill
//! of the run ([`RunResult::bill`], itself a month when the run projects).
//!
//! | expectation | passes when |
//! | --- | --- |
//! | `MonthlyCostAtMost(max)` | monthly bill total ≤ max |
//! | `CostAtMost(max, category?, account?)` | bill total (of that category and/or paying account) ≤ max |
//! | `CrossAzBytesAtMost(max)` | bytes that crossed AZs ≤ max |
//! | `Delivered(traffic, at_least)` | delivered / attempts ≥ at_least (and attempts > 0) |
//! | `Denied(traffic, reason)` | attempts > 0, none delivered, every one denied with `reason` |
//! | `P99FctAtMost(traffic, max)` | some connection completed and p99 FCT ≤ max |
//! | `PeakUtilisationAtMost(resource, max)` | peak utilisation ≤ max; a resource of the fabric that carried nothing has 0 |

use crate::cost::{Bill, Category};
use crate::fabric::Fabric;
use crate::results::{ExpectationResult, ResourceSummary, RunResult, TrafficSummary};
use crate::scenario::{Expectation, Scenario};
use crate::units::{Bytes, Usd};

/// What expectations are judged against: the parts of a run they read.
pub struct Measured<'a> {
    pub traffic: &'a [TrafficSummary],
    pub resources: &'a [ResourceSummary],
    pub cross_az_bytes: u64,
    /// The bill of the run.
    pub bill: &'a Bill,
    /// The bill projected to a 730-hour month.
    pub monthly_bill: &'a Bill,
    /// Whether a reported-resource name (`endpoint:<ep>/<az>`, `dx:<dx>/...`,
    /// `tgw:<tgw>/...`, `nat:<nat>`) names an entity of the fabric.
    pub resource_exists: &'a dyn Fn(&str) -> bool,
}

/// Judges every expectation of `scenario` against `result`, in file order.
pub fn evaluate(scenario: &Scenario, result: &RunResult) -> Vec<ExpectationResult> {
    let exists = |name: &str| resource_in_fabric(&result.fabric, name);
    let m = Measured {
        traffic: &result.summary.traffic,
        resources: &result.summary.bandwidth.resources,
        cross_az_bytes: result.summary.cost.cross_az_bytes,
        bill: &result.bill,
        monthly_bill: &result.monthly_bill,
        resource_exists: &exists,
    };
    scenario
        .expect
        .iter()
        .map(|e| evaluate_one(e, &m))
        .collect()
}

/// A resource name with `/` between its parts after the kind, so
/// `endpoint:acme-orders:use1-az1` finds `endpoint:acme-orders/use1-az1`.
fn resource_key(name: &str) -> String {
    match name.split_once(':') {
        Some((kind, rest)) => format!("{kind}:{}", rest.replace(':', "/")),
        None => name.to_string(),
    }
}

/// Whether a reported-resource name names an entity of the fabric (whether
/// or not it carried traffic).
fn resource_in_fabric(fabric: &Fabric, name: &str) -> bool {
    let Some((kind, rest)) = name.split_once(':') else {
        return false;
    };
    let first = rest.split('/').next().unwrap_or("");
    match kind {
        "endpoint" => fabric.endpoint(first).is_some(),
        "dx" => fabric.dx(first).is_some(),
        "tgw" => fabric.tgw(first).is_some(),
        "nat" => fabric.nat(rest).is_some(),
        _ => false,
    }
}

/// The expectation in words (also its key in `vpcsim check`).
pub fn label(e: &Expectation) -> String {
    match e {
        Expectation::MonthlyCostAtMost(max) => format!("MonthlyCostAtMost ≤ {}", limit_usd(*max)),
        Expectation::CostAtMost {
            max,
            category,
            account,
        } => {
            let scope: Vec<String> = category
                .iter()
                .map(|c| format!("category {c}"))
                .chain(account.iter().map(|a| format!("account {a}")))
                .collect();
            if scope.is_empty() {
                format!("CostAtMost ≤ {}", limit_usd(*max))
            } else {
                format!("CostAtMost({}) ≤ {}", scope.join(", "), limit_usd(*max))
            }
        }
        Expectation::CrossAzBytesAtMost(max) => format!("CrossAzBytesAtMost ≤ {max}"),
        Expectation::Delivered { traffic, at_least } => {
            format!("Delivered({traffic}) ≥ {at_least}")
        }
        Expectation::Denied { traffic, reason } => format!("Denied({traffic}, {reason})"),
        Expectation::P99FctAtMost { traffic, max } => format!("P99FctAtMost({traffic}) ≤ {max}"),
        Expectation::PeakUtilisationAtMost { resource, max } => {
            format!("PeakUtilisationAtMost({resource}) ≤ {max}")
        }
    }
}

/// A limit as written: every digit, no padding (`$250`, `$0.015`).
fn limit_usd(u: Usd) -> String {
    format!("${}", u.amount().normalize())
}

/// An amount for people: 4 decimal places, like summary.json.
fn show_usd(u: Usd) -> String {
    format!("${:.4}", u.amount().round_dp(4))
}

/// The exact amount, added to the detail when 4 places would hide it.
fn exact_note(u: Usd) -> String {
    if u.amount().round_dp(4) == u.amount() {
        String::new()
    } else {
        format!(" (exact ${})", u.amount().normalize())
    }
}

/// Bytes with a readable size beside the exact count.
fn show_bytes(b: u64) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    const MIB: f64 = (1u64 << 20) as f64;
    let f = b as f64;
    if f >= GIB {
        format!("{b} B ({:.2} GiB)", f / GIB)
    } else if f >= MIB {
        format!("{b} B ({:.2} MiB)", f / MIB)
    } else {
        format!("{b} B")
    }
}

/// Judges one expectation.
pub fn evaluate_one(e: &Expectation, m: &Measured<'_>) -> ExpectationResult {
    let expectation = label(e);
    let r = |passed: bool, actual: String, limit: String, detail: String| ExpectationResult {
        expectation: expectation.clone(),
        passed,
        actual,
        limit,
        detail,
    };
    let class = |name: &str| m.traffic.iter().find(|t| t.name == name);
    let no_class = |name: &str| {
        r(
            false,
            "no such traffic class".to_string(),
            String::new(),
            format!("the run has no traffic class {name:?}"),
        )
    };
    match e {
        Expectation::MonthlyCostAtMost(max) => {
            let total = m.monthly_bill.total;
            r(
                total <= *max,
                show_usd(total),
                format!("≤ {}", limit_usd(*max)),
                format!(
                    "the bill projected to a 730-hour month{}",
                    exact_note(total)
                ),
            )
        }
        Expectation::CostAtMost {
            max,
            category,
            account,
        } => {
            let cat = match category {
                None => None,
                Some(c) => match Category::ALL
                    .iter()
                    .find(|k| k.as_str() == c.replace('-', "_"))
                {
                    Some(k) => Some(*k),
                    None => {
                        let known: Vec<&str> = Category::ALL.iter().map(|k| k.as_str()).collect();
                        return r(
                            false,
                            "unknown category".to_string(),
                            format!("≤ {}", limit_usd(*max)),
                            format!("no cost category {c:?}; known: {}", known.join(", ")),
                        );
                    }
                },
            };
            let total: Usd = match (cat, account) {
                (None, None) => m.bill.total,
                (Some(k), None) => m.bill.by_category.get(&k).copied().unwrap_or_default(),
                (None, Some(a)) => m.bill.by_account.get(a).copied().unwrap_or_default(),
                (Some(k), Some(a)) => m
                    .bill
                    .lines
                    .iter()
                    .filter(|l| l.category == k && &l.account == a)
                    .map(|l| l.usd)
                    .sum(),
            };
            let what = match (category, account) {
                (None, None) => "the bill of the run".to_string(),
                (Some(c), None) => format!("the bill's {c} lines"),
                (None, Some(a)) => format!("the bill's lines paid by {a}"),
                (Some(c), Some(a)) => format!("the bill's {c} lines paid by {a}"),
            };
            let projected = if m.bill.projection.is_some() {
                " (projected to a 730-hour month)"
            } else {
                " (the simulated window)"
            };
            r(
                total <= *max,
                show_usd(total),
                format!("≤ {}", limit_usd(*max)),
                format!("{what}{projected}{}", exact_note(total)),
            )
        }
        Expectation::CrossAzBytesAtMost(max) => r(
            m.cross_az_bytes <= max.get(),
            show_bytes(m.cross_az_bytes),
            format!("≤ {}", show_bytes(max.get())),
            format!(
                "bytes that crossed AZs during the run (limit written {})",
                Bytes(max.get())
            ),
        ),
        Expectation::Delivered { traffic, at_least } => {
            let Some(t) = class(traffic) else {
                return no_class(traffic);
            };
            let limit = format!("≥ {at_least}");
            if t.connections == 0 {
                return r(
                    false,
                    "no attempts".to_string(),
                    limit,
                    "the class made no connection attempt, so nothing was delivered".to_string(),
                );
            }
            let fraction = t.delivered as f64 / t.connections as f64;
            let denied: Vec<String> = t
                .denied_by_reason
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            r(
                fraction >= *at_least,
                format!("{fraction:.6}"),
                limit,
                format!(
                    "{} of {} attempts delivered{}",
                    t.delivered,
                    t.connections,
                    if denied.is_empty() {
                        String::new()
                    } else {
                        format!("; denied: {}", denied.join(", "))
                    }
                ),
            )
        }
        Expectation::Denied { traffic, reason } => {
            let Some(t) = class(traffic) else {
                return no_class(traffic);
            };
            let with = t.denied_by_reason.get(reason).copied().unwrap_or(0);
            let passed = t.connections > 0 && t.delivered == 0 && with == t.connections;
            let others: Vec<String> = t
                .denied_by_reason
                .iter()
                .filter(|(k, _)| *k != reason)
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            let detail = if t.connections == 0 {
                "the class made no connection attempt".to_string()
            } else {
                format!(
                    "{} attempts: {} delivered, {with} denied with {reason}{}",
                    t.connections,
                    t.delivered,
                    if others.is_empty() {
                        String::new()
                    } else {
                        format!(", other denials: {}", others.join(", "))
                    }
                )
            };
            r(
                passed,
                format!("{with} of {} denied with {reason}", t.connections),
                format!("all attempts denied with {reason}"),
                detail,
            )
        }
        Expectation::P99FctAtMost { traffic, max } => {
            let Some(t) = class(traffic) else {
                return no_class(traffic);
            };
            let limit_ms = max.as_nanos() as f64 / 1e6;
            let limit = format!("≤ {max}");
            if t.completed == 0 {
                return r(
                    false,
                    "no completed connection".to_string(),
                    limit,
                    "no connection of the class completed, so it has no completion time"
                        .to_string(),
                );
            }
            r(
                t.fct_ms.p99 <= limit_ms,
                format!("{} ms", t.fct_ms.p99),
                limit,
                format!(
                    "p99 of {} completed connections (request start → response end)",
                    t.completed
                ),
            )
        }
        Expectation::PeakUtilisationAtMost { resource, max } => {
            let limit = format!("≤ {max}");
            let wanted = resource_key(resource);
            match m.resources.iter().find(|x| resource_key(&x.name) == wanted) {
                Some(x) => r(
                    x.peak_utilisation <= *max,
                    format!("{:.6}", x.peak_utilisation),
                    limit,
                    format!(
                        "peak {:.6} Gbps (averaged over sample intervals), capacity {}",
                        x.peak_gbps,
                        x.max_capacity_gbps
                            .map_or("with no ceiling".to_string(), |g| format!("up to {g} Gbps"))
                    ),
                ),
                None if (m.resource_exists)(&wanted) => r(
                    0.0 <= *max,
                    "0".to_string(),
                    limit,
                    "the resource carried no traffic".to_string(),
                ),
                None => {
                    let known: Vec<&str> = m.resources.iter().map(|x| x.name.as_str()).collect();
                    r(
                        false,
                        "no such resource".to_string(),
                        limit,
                        format!(
                            "no resource named {resource:?}; names look like endpoint:<endpoint>/<az-id>, dx:<dx>/to-aws, nat:<nat>, tgw:<tgw>/<attachment>/<az-id>/into-tgw; resources that carried traffic: {}",
                            if known.is_empty() { "none".to_string() } else { known.join(", ") }
                        ),
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::cost::{self, BillOptions, Meters, Pricebook};
    use crate::results::Fct;
    use crate::units::SimDuration;

    fn usd(s: &str) -> Usd {
        Usd::parse(s).expect("amount")
    }

    /// An empty bill of the builtin pricebook whose totals are then set by hand.
    fn bill(total: &str, cats: &[(Category, &str)], accounts: &[(&str, &str)]) -> Bill {
        let pb = Pricebook::builtin("aws-us-east-1").expect("builtin pricebook");
        let mut b = cost::bill(&Meters::new(), &pb, "us-east-1", &BillOptions::default())
            .expect("an empty bill");
        b.total = usd(total);
        b.by_category = cats.iter().map(|(c, u)| (*c, usd(u))).collect();
        b.by_account = accounts
            .iter()
            .map(|(a, u)| (a.to_string(), usd(u)))
            .collect();
        b
    }

    fn class(
        name: &str,
        connections: u64,
        delivered: u64,
        denied: &[(&str, u64)],
    ) -> TrafficSummary {
        TrafficSummary {
            name: name.to_string(),
            connections,
            delivered,
            denied: denied.iter().map(|d| d.1).sum(),
            denied_by_reason: denied.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
            offered_bytes: 0,
            admitted_bytes: 0,
            completed: delivered,
            delivered_bytes: 0,
            cut: 0,
            cut_by_reason: BTreeMap::new(),
            cut_bytes: 0,
            moved_before_cut: 0,
            in_flight_at_end: 0,
            in_flight_bytes: 0,
            fct_ms: Fct {
                p50: 1.0,
                p90: 2.0,
                p99: 4.5,
                max: 9.0,
            },
        }
    }

    fn resource(name: &str, util: f64) -> ResourceSummary {
        ResourceSummary {
            name: name.to_string(),
            kind: "endpoint-az".to_string(),
            base_capacity_gbps: Some(10.0),
            max_capacity_gbps: Some(10.0),
            peak_gbps: util * 10.0,
            peak_utilisation: util,
            ..Default::default()
        }
    }

    struct World {
        traffic: Vec<TrafficSummary>,
        resources: Vec<ResourceSummary>,
        bill: Bill,
        monthly: Bill,
    }

    fn world() -> World {
        World {
            traffic: vec![
                class("web", 1000, 995, &[("PENDING_ACCEPTANCE", 5)]),
                class("blocked", 40, 0, &[("NOT_ALLOWED_PRINCIPAL", 40)]),
                class(
                    "mixed",
                    40,
                    0,
                    &[("NOT_ALLOWED_PRINCIPAL", 39), ("NO_ROUTE", 1)],
                ),
                class("idle", 0, 0, &[]),
            ],
            resources: vec![resource("endpoint:ep/use1-az1", 0.8)],
            bill: bill(
                "1.00000000005",
                &[
                    (Category::CrossAz, "0.25"),
                    (Category::EndpointHours, "0.75"),
                ],
                &[("acme", "0.40"), ("provider", "0.60")],
            ),
            monthly: bill("250", &[], &[]),
        }
    }

    fn judge(w: &World, e: Expectation) -> ExpectationResult {
        let exists = |n: &str| n == "endpoint:ep/use1-az2";
        let m = Measured {
            traffic: &w.traffic,
            resources: &w.resources,
            cross_az_bytes: 3 << 30,
            bill: &w.bill,
            monthly_bill: &w.monthly,
            resource_exists: &exists,
        };
        evaluate_one(&e, &m)
    }

    #[test]
    fn monthly_cost_is_compared_exactly_with_the_monthly_bill() {
        // The monthly bill is exactly $250: "at most $250" holds and one
        // ten-thousandth of a cent less does not, so the comparison is exact
        // and reads the monthly bill, not the window's ($1).
        let w = world();
        let ok = judge(&w, Expectation::MonthlyCostAtMost(usd("$250")));
        assert!(ok.passed, "{ok:?}");
        assert_eq!(ok.expectation, "MonthlyCostAtMost ≤ $250");
        assert_eq!(ok.actual, "$250.0000");
        let bad = judge(&w, Expectation::MonthlyCostAtMost(usd("$249.999999")));
        assert!(!bad.passed, "{bad:?}");
    }

    #[test]
    fn cost_at_most_reads_the_total_a_category_or_an_account() {
        // The total is $1.00000000005: a $1 limit fails only because the
        // comparison keeps every decimal (4 places would round it away), and
        // the detail shows the exact amount.
        let w = world();
        let total = judge(
            &w,
            Expectation::CostAtMost {
                max: usd("$1"),
                category: None,
                account: None,
            },
        );
        assert!(!total.passed, "{total:?}");
        assert!(total.detail.contains("exact $1.00000000005"), "{total:?}");
        let cat = judge(
            &w,
            Expectation::CostAtMost {
                max: usd("$0.25"),
                category: Some("cross_az".to_string()),
                account: None,
            },
        );
        assert!(cat.passed, "{cat:?}");
        assert_eq!(cat.expectation, "CostAtMost(category cross_az) ≤ $0.25");
        let acct = judge(
            &w,
            Expectation::CostAtMost {
                max: usd("$0.5"),
                category: None,
                account: Some("provider".to_string()),
            },
        );
        assert!(!acct.passed, "{acct:?}");
        assert_eq!(acct.actual, "$0.6000");
        // A category the bill never charged costs nothing.
        let none = judge(
            &w,
            Expectation::CostAtMost {
                max: usd("$0"),
                category: Some("nat_hours".to_string()),
                account: None,
            },
        );
        assert!(none.passed, "{none:?}");
        // Hyphens stand for underscores (`endpoint-hours` = `endpoint_hours`).
        let hyphen = judge(
            &w,
            Expectation::CostAtMost {
                max: usd("$0.75"),
                category: Some("endpoint-hours".to_string()),
                account: None,
            },
        );
        assert!(hyphen.passed && hyphen.actual == "$0.7500", "{hyphen:?}");
        // A misspelt category fails loudly instead of reading as $0.
        let typo = judge(
            &w,
            Expectation::CostAtMost {
                max: usd("$100"),
                category: Some("crossaz".to_string()),
                account: None,
            },
        );
        assert!(
            !typo.passed && typo.detail.contains("known: endpoint_hours"),
            "{typo:?}"
        );
    }

    #[test]
    fn cross_az_bytes_compare_exact_byte_counts() {
        // 3 GiB crossed: a 3GiB limit holds, one byte less does not.
        let w = world();
        let ok = judge(&w, Expectation::CrossAzBytesAtMost(Bytes(3 << 30)));
        assert!(ok.passed, "{ok:?}");
        assert_eq!(ok.expectation, "CrossAzBytesAtMost ≤ 3GiB");
        let bad = judge(&w, Expectation::CrossAzBytesAtMost(Bytes((3 << 30) - 1)));
        assert!(!bad.passed, "{bad:?}");
    }

    #[test]
    fn delivered_is_the_delivered_fraction_of_attempts() {
        // 995 of 1000 delivered: 0.995 holds at 0.99 and fails at 0.996; a
        // class with no attempt cannot claim any delivered fraction.
        let w = world();
        let ok = judge(
            &w,
            Expectation::Delivered {
                traffic: "web".to_string(),
                at_least: 0.99,
            },
        );
        assert!(ok.passed, "{ok:?}");
        assert_eq!(ok.expectation, "Delivered(web) ≥ 0.99");
        assert!(ok.detail.contains("995 of 1000"), "{ok:?}");
        let bad = judge(
            &w,
            Expectation::Delivered {
                traffic: "web".to_string(),
                at_least: 0.996,
            },
        );
        assert!(!bad.passed);
        let idle = judge(
            &w,
            Expectation::Delivered {
                traffic: "idle".to_string(),
                at_least: 0.0,
            },
        );
        assert!(!idle.passed, "{idle:?}");
    }

    #[test]
    fn denied_needs_every_attempt_denied_with_that_reason() {
        // "blocked" is denied 40/40 with the reason: pass. "mixed" has one
        // NO_ROUTE among 40: fail. "web" delivers: fail. "idle" made no
        // attempt: fail (nothing was denied).
        let w = world();
        let d = |t: &str| Expectation::Denied {
            traffic: t.to_string(),
            reason: "NOT_ALLOWED_PRINCIPAL".to_string(),
        };
        let ok = judge(&w, d("blocked"));
        assert!(ok.passed, "{ok:?}");
        assert_eq!(ok.expectation, "Denied(blocked, NOT_ALLOWED_PRINCIPAL)");
        let mixed = judge(&w, d("mixed"));
        assert!(
            !mixed.passed && mixed.detail.contains("1 NO_ROUTE"),
            "{mixed:?}"
        );
        assert!(!judge(&w, d("web")).passed);
        assert!(!judge(&w, d("idle")).passed);
        let missing = judge(&w, d("nope"));
        assert!(!missing.passed && missing.detail.contains("\"nope\""));
    }

    #[test]
    fn p99_fct_compares_milliseconds_with_the_limit() {
        // p99 is 4.5 ms: 4500us holds, 4ms fails; no completion, no verdict.
        let w = world();
        let ok = judge(
            &w,
            Expectation::P99FctAtMost {
                traffic: "web".to_string(),
                max: SimDuration::from_micros(4500),
            },
        );
        assert!(ok.passed, "{ok:?}");
        assert_eq!(ok.expectation, "P99FctAtMost(web) ≤ 4ms500us");
        let bad = judge(
            &w,
            Expectation::P99FctAtMost {
                traffic: "web".to_string(),
                max: SimDuration::from_millis(4),
            },
        );
        assert!(!bad.passed);
        let idle = judge(
            &w,
            Expectation::P99FctAtMost {
                traffic: "idle".to_string(),
                max: SimDuration::from_secs(1),
            },
        );
        assert!(!idle.passed, "{idle:?}");
    }

    #[test]
    fn peak_utilisation_reads_the_resource_or_zero_for_an_idle_one() {
        // az1 peaked at 0.8; az2 exists but carried nothing (0); a misspelt
        // name fails and lists the names that exist.
        let w = world();
        let u = |r: &str, max: f64| Expectation::PeakUtilisationAtMost {
            resource: r.to_string(),
            max,
        };
        assert!(judge(&w, u("endpoint:ep/use1-az1", 0.8)).passed);
        assert!(!judge(&w, u("endpoint:ep/use1-az1", 0.79)).passed);
        // `:` between the parts finds the same resource as the report's `/`.
        assert!(!judge(&w, u("endpoint:ep:use1-az1", 0.79)).passed);
        assert!(judge(&w, u("endpoint:ep:use1-az1", 0.8)).actual == "0.800000");
        let idle = judge(&w, u("endpoint:ep/use1-az2", 0.0));
        assert!(
            idle.passed && idle.detail.contains("no traffic"),
            "{idle:?}"
        );
        let typo = judge(&w, u("endpoint:ep/use1-az9", 1.0));
        assert!(
            !typo.passed && typo.detail.contains("endpoint:ep/use1-az1"),
            "{typo:?}"
        );
    }

    #[test]
    fn results_round_trip_through_json() {
        // Baselines store results as JSON and `vpcsim check` reads them back.
        let w = world();
        let r = judge(&w, Expectation::MonthlyCostAtMost(usd("$1")));
        let back: ExpectationResult =
            serde_json::from_str(&serde_json::to_string(&r).expect("encode")).expect("decode");
        assert_eq!(back, r);
    }
}
