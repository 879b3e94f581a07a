//! Tolerances: how far a metric may move before `vpcsim check` fails.
//!
//! A metric is **within tolerance** when `|current − baseline| ≤ abs` **or**
//! `|current − baseline| ≤ rel × |baseline|`. The defaults are exact (`abs`
//! and `rel` zero): runs are deterministic, so any movement is a change of
//! the model or of the scenario.
//!
//! * `--rel-tol X` sets `rel` for every numeric metric;
//! * `--abs-tol-usd Y` sets `abs` for money metrics (`cost.*` in dollars);
//! * a tolerances file (RON, `implicit_some` enabled) may set the same two
//!   globals (the command-line flags win) and per-metric rules:
//!
//! ```ron
//! Tolerances(
//!     rel: 0.0,              // optional global relative tolerance
//!     abs_usd: "$0.01",      // optional global absolute tolerance on money
//!     rules: [
//!         Rule(metric: "cost.by_category.*", rel: 0.05),
//!         Rule(metric: "traffic.*.fct_ms.*", rel: 0.10),
//!         Rule(metric: "traffic.acme-checkout.connections", abs: 50),
//!         Rule(metric: "bandwidth.*", ignore: true),
//!     ],
//! )
//! ```
//!
//! A rule's `metric` is a metric path where `*` matches any run of
//! characters (dots included). Its `abs` is in the metric's own unit
//! (dollars, counts, bytes, Gbps, ms). Every rule that matches a metric
//! applies in file order, so a later rule overrides the fields an earlier one
//! set; fields a rule leaves out keep the global value. `ignore: true` reports
//! the metric but never fails on it. Expectation verdicts (`expectations.*`)
//! have no numeric tolerance: only `ignore` applies to them.

use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::baseline::CheckError;
use crate::units::Usd;

/// One per-metric rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Metric path with `*` wildcards, e.g. `cost.by_category.*`.
    pub metric: String,
    #[serde(default)]
    pub rel: Option<f64>,
    #[serde(default)]
    pub abs: Option<f64>,
    #[serde(default)]
    pub ignore: Option<bool>,
}

/// The tolerances of a check: globals and rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerances {
    /// Relative tolerance of every numeric metric (fraction: 0.05 = 5%).
    #[serde(default)]
    pub rel: Option<f64>,
    /// Absolute tolerance of money metrics.
    #[serde(default)]
    pub abs_usd: Option<Usd>,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// The tolerance that applies to one metric.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Tolerance {
    pub rel: f64,
    pub abs: f64,
    pub ignore: bool,
}

impl Tolerance {
    /// `exact`, `±5%`, `±$0.01`, `±50 or ±5%`, `ignored`.
    pub fn describe(&self, money: bool) -> String {
        if self.ignore {
            return "ignored".to_string();
        }
        let abs = if self.abs > 0.0 {
            Some(if money {
                format!("±${}", self.abs)
            } else {
                format!("±{}", self.abs)
            })
        } else {
            None
        };
        let rel = (self.rel > 0.0).then(|| format!("±{}%", self.rel * 100.0));
        match (abs, rel) {
            (None, None) => "exact".to_string(),
            (Some(a), None) => a,
            (None, Some(r)) => r,
            (Some(a), Some(r)) => format!("{a} or {r}"),
        }
    }

    /// Whether a move of `delta` from `base` is within this tolerance, in
    /// exact decimals.
    ///
    /// A tolerance too large for a decimal (`rel: 1e30`, or `rel × base`
    /// past about 7.9 × 10²⁸) allows any move: nothing a run measures is
    /// that large.
    pub fn allows_exact(&self, base: Decimal, delta: Decimal) -> bool {
        let d = delta.abs();
        d.is_zero()
            || d <= to_decimal(self.abs)
            || to_decimal(self.rel)
                .checked_mul(base.abs())
                .is_none_or(|limit| d <= limit)
    }

    /// The same for float metrics.
    pub fn allows_float(&self, base: f64, delta: f64) -> bool {
        let d = delta.abs();
        d == 0.0 || d <= self.abs || d <= self.rel * base.abs()
    }
}

/// A tolerance (a finite, non-negative f64) as the decimal it prints as.
fn to_decimal(x: f64) -> Decimal {
    Decimal::from_str(&x.to_string())
        .or_else(|_| Decimal::from_scientific(&format!("{x:e}")))
        .unwrap_or(Decimal::MAX)
}

impl Tolerances {
    /// Reads a tolerances file (RON).
    pub fn load_file(path: impl AsRef<Path>) -> Result<Tolerances, CheckError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = crate::input::read_text(path, crate::input::Kind::Tolerances)?;
        Tolerances::from_str(&text, &file)
    }

    /// Parses tolerances text; `file` names it in errors.
    pub fn from_str(text: &str, file: &str) -> Result<Tolerances, CheckError> {
        // The scenarios' parser: a leading BOM is skipped, and errors carry
        // the field path and a did-you-mean.
        let t: Tolerances = crate::scenario::syntax::parse(text, "Tolerances").map_err(|e| {
            CheckError::TolerancesSyntax {
                file: file.to_string(),
                line: e.line,
                col: e.col,
                message: format!(
                    "{}; expected Tolerances(rel: 0.0, abs_usd: \"$0.01\", rules: [Rule(metric: \"cost.*\", rel: 0.05)])",
                    e.message
                ),
            }
        })?;
        t.validate(file)?;
        Ok(t)
    }

    fn validate(&self, file: &str) -> Result<(), CheckError> {
        let bad = |message: String| CheckError::Tolerances {
            file: file.to_string(),
            message,
        };
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if let Some(r) = self.rel {
            if !ok(r) {
                return Err(bad(format!("rel: {r} must be a fraction ≥ 0 (0.05 = 5%)")));
            }
        }
        for (i, r) in self.rules.iter().enumerate() {
            let at = format!("rules[{i}] ({:?})", r.metric);
            if r.metric.trim().is_empty() {
                return Err(bad(format!(
                    "rules[{i}]: empty metric; write a path such as \"cost.by_category.*\""
                )));
            }
            if r.rel.is_none() && r.abs.is_none() && r.ignore.is_none() {
                return Err(bad(format!("{at}: set rel, abs or ignore")));
            }
            if let Some(x) = r.rel {
                if !ok(x) {
                    return Err(bad(format!("{at}: rel {x} must be a fraction ≥ 0")));
                }
            }
            if let Some(x) = r.abs {
                if !ok(x) {
                    return Err(bad(format!("{at}: abs {x} must be ≥ 0")));
                }
            }
        }
        Ok(())
    }

    /// The tolerance of `metric` (`money`: a dollar metric).
    pub fn for_metric(&self, metric: &str, money: bool) -> Tolerance {
        let mut t = Tolerance {
            rel: self.rel.unwrap_or(0.0),
            abs: if money {
                self.abs_usd
                    .map(|u| u.amount().to_string().parse().unwrap_or(0.0))
                    .unwrap_or(0.0)
            } else {
                0.0
            },
            ignore: false,
        };
        for r in self.rules.iter().filter(|r| glob_match(&r.metric, metric)) {
            if let Some(x) = r.rel {
                t.rel = x;
            }
            if let Some(x) = r.abs {
                t.abs = x;
            }
            if let Some(x) = r.ignore {
                t.ignore = x;
            }
        }
        t
    }

    /// One line for reports: `exact`, or the globals and the number of rules.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = self.rel.filter(|r| *r > 0.0) {
            parts.push(format!("±{}% relative", r * 100.0));
        }
        if let Some(u) = self.abs_usd.filter(|u| !u.amount().is_zero()) {
            parts.push(format!("±${} on money", u.amount().normalize()));
        }
        if parts.is_empty() {
            parts.push("exact".to_string());
        }
        if !self.rules.is_empty() {
            parts.push(format!(
                "{} per-metric rule{}",
                self.rules.len(),
                if self.rules.len() == 1 { "" } else { "s" }
            ));
        }
        parts.join(", ")
    }
}

/// `*` matches any run of characters (including none and including dots);
/// everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_paths_with_dots() {
        // `*` spans dots, so one pattern covers every class or category.
        assert!(glob_match(
            "cost.by_category.*",
            "cost.by_category.cross_az"
        ));
        assert!(glob_match("traffic.*.fct_ms.*", "traffic.acme.fct_ms.p99"));
        assert!(glob_match("*", "anything.at.all"));
        assert!(glob_match(
            "bandwidth.*.peak_gbps",
            "bandwidth.dx:link/to-aws.peak_gbps"
        ));
        assert!(!glob_match("cost.by_category.*", "cost.by_account.acme"));
        assert!(!glob_match(
            "traffic.*.fct_ms.p99",
            "traffic.acme.fct_ms.p50"
        ));
        assert!(glob_match("a*b*c", "aXbYbZc"));
    }

    #[test]
    fn later_rules_override_earlier_ones_and_globals_fill_gaps() {
        // Rules apply in file order; the money global fills `abs` of money
        // metrics only.
        let t = Tolerances::from_str(
            r#"Tolerances(rel: 0.01, abs_usd: "$0.02", rules: [
                Rule(metric: "cost.*", rel: 0.05),
                Rule(metric: "cost.by_category.cross_az", rel: 0.5),
                Rule(metric: "bandwidth.*", ignore: true),
                Rule(metric: "traffic.*.connections", abs: 50),
            ])"#,
            "t.ron",
        )
        .expect("valid");
        let cross = t.for_metric("cost.by_category.cross_az", true);
        assert_eq!((cross.rel, cross.abs), (0.5, 0.02));
        let total = t.for_metric("cost.total_usd", true);
        assert_eq!((total.rel, total.abs), (0.05, 0.02));
        assert!(t.for_metric("bandwidth.x.peak_gbps", false).ignore);
        let conns = t.for_metric("traffic.a.connections", false);
        assert_eq!((conns.rel, conns.abs), (0.01, 50.0));
        assert_eq!(t.for_metric("traffic.a.completed", false).abs, 0.0);
    }

    #[test]
    fn tolerance_is_abs_or_rel() {
        // 5% of $10 is $0.50: a $0.50 move passes, $0.51 does not; with
        // abs $1 it passes either way. Exact (zero) tolerances pass only no move.
        let d = |s: &str| Decimal::from_str(s).expect("decimal");
        let rel = Tolerance {
            rel: 0.05,
            abs: 0.0,
            ignore: false,
        };
        assert!(rel.allows_exact(d("10"), d("0.50")));
        assert!(!rel.allows_exact(d("10"), d("-0.51")));
        let abs = Tolerance { abs: 1.0, ..rel };
        assert!(abs.allows_exact(d("10"), d("0.51")));
        let exact = Tolerance::default();
        assert!(exact.allows_exact(d("0"), d("0")));
        assert!(!exact.allows_exact(d("10"), d("0.0001")));
        assert!(!exact.allows_float(0.0, 1e-12));
        assert_eq!(exact.describe(true), "exact");
        assert_eq!(abs.describe(true), "±$1 or ±5%");
    }

    #[test]
    fn huge_tolerances_allow_everything_instead_of_overflowing() {
        // `--rel-tol 1e28` and `rel: 1e30` once panicked with "Multiplication
        // overflowed" after the whole run: 1e30 is above Decimal::MAX, and
        // 1e28 × a $10 baseline is too. Such a tolerance allows any move.
        let d = |s: &str| Decimal::from_str(s).expect("decimal");
        for rel in [1e28, 1e30, f64::MAX] {
            let t = Tolerance {
                rel,
                abs: 0.0,
                ignore: false,
            };
            assert!(t.allows_exact(d("10"), d("1000000")), "{rel}");
            assert!(t.allows_exact(Decimal::MAX, Decimal::MAX), "{rel}");
            assert!(t.allows_float(10.0, 1e6));
        }
        let abs = Tolerance {
            rel: 0.0,
            abs: 1e30,
            ignore: false,
        };
        assert!(abs.allows_exact(d("1"), d("5")));
    }

    #[test]
    fn bad_tolerance_files_are_named_errors() {
        // Typos and nonsense values are errors with the file and position,
        // never silently ignored.
        let cases = [
            ("Tolerances(rulez: [])", "t.ron:1:"),
            (
                "Tolerances(rules: [Rule(metric: \"cost.*\")])",
                "set rel, abs or ignore",
            ),
            (
                "Tolerances(rules: [Rule(metric: \"cost.*\", rel: -1.0)])",
                "must be a fraction",
            ),
            (
                "Tolerances(rules: [Rule(metric: \"\", rel: 0.1)])",
                "empty metric",
            ),
        ];
        for (text, want) in cases {
            let e = Tolerances::from_str(text, "t.ron")
                .expect_err("invalid")
                .to_string();
            assert!(
                e.contains(want) && e.starts_with("t.ron"),
                "{want:?} in {e}"
            );
        }
    }
}
