//! Pricing rules: who pays for a transfer and what is free, as dated data.
//!
//! A [`RuleBook`] holds named [`RuleSet`]s. Each [`Rule`] decides one
//! question — is this transfer charged (at the pricebook's per-direction
//! transfer rate) or free — and carries its source and the dates it held.
//! vpcsim ships one rule book (`scenarios/pricebooks/rules.ron`, embedded)
//! with two sets: `faq` (the default: AWS's rules while the PrivateLink
//! FAQ's cross-AZ sentence held) and `current` (today's, as of the book's
//! version). A pricebook file may carry its own book in its `rules` field.
//!
//! Owns: the rule data, its validation and the comparison of two sets.
//! Must not: meter or price anything (`cost::usage` applies rules while
//! attributing usage; `cost::bill` only reports which set applied).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::CostError;

/// The builtin rule book (RON), embedded at compile time.
const BUILTIN: &str = include_str!("../../scenarios/pricebooks/rules.ron");

/// The rule set a run uses unless the scenario or `--rules` names another.
pub const DEFAULT_RULE_SET: &str = "faq";

/// Whether a transfer is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Charge {
    /// Billed at the pricebook's transfer rate.
    Charged,
    /// Not billed as transfer (processing charges, if any, still apply).
    Free,
}

impl fmt::Display for Charge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Charge::Charged => "charged",
            Charge::Free => "free",
        })
    }
}

/// One rule: the decision, when it held, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub charge: Charge,
    /// First day the rule applied (`YYYY-MM-DD`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day the rule applied, for a rule AWS has since changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub source: String,
    pub read_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Every rule a run needs. Field names are the rule names used in outputs
/// and docs. Written `RuleSet(...)` in RON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// One line saying what the set is.
    pub description: String,
    /// A consumer instance ↔ its interface-endpoint ENI in another AZ
    /// (charged: both directions to the consumer).
    pub endpoint_cross_az: Rule,
    /// An NLB node ↔ a target in another AZ, cross-zone load balancing on
    /// (charged: both directions to the provider).
    pub nlb_cross_zone: Rule,
    /// Traffic through a Transit Gateway whose two ends are in different AZs
    /// (charged: out to the sender, in to the receiver).
    pub tgw_cross_az: Rule,
    /// VPC peering inside one AZ (charged: at the cross-AZ peering rate per
    /// direction; free: a zero line that still shows the bytes).
    pub peering_same_az: Rule,
    /// An instance ↔ its NAT gateway in another AZ (charged: both directions
    /// to the VPC owner).
    pub nat_cross_az: Rule,
    /// Two instances of one VPC in different AZs.
    pub instance_cross_az: Rule,
    /// S3 or DynamoDB in the same region reached through a NAT gateway or an
    /// internet gateway (charged: billed as internet egress; free: no
    /// transfer charge, NAT processing stays).
    pub aws_service_via_gateway: Rule,
}

impl RuleSet {
    /// Every rule with its name, in a stable order.
    pub fn rules(&self) -> [(&'static str, &Rule); 7] {
        [
            ("endpoint_cross_az", &self.endpoint_cross_az),
            ("nlb_cross_zone", &self.nlb_cross_zone),
            ("tgw_cross_az", &self.tgw_cross_az),
            ("peering_same_az", &self.peering_same_az),
            ("nat_cross_az", &self.nat_cross_az),
            ("instance_cross_az", &self.instance_cross_az),
            ("aws_service_via_gateway", &self.aws_service_via_gateway),
        ]
    }

    /// True when the rule named by `pick` charges.
    pub fn charges(&self, pick: fn(&RuleSet) -> &Rule) -> bool {
        pick(self).charge == Charge::Charged
    }
}

/// A named, versioned collection of rule sets. Written `RuleBook(...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleBook {
    pub name: String,
    pub version: String,
    pub sets: BTreeMap<String, RuleSet>,
}

/// Which rule set priced a run: its name and the book it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RulesRef {
    /// The set's name (`faq`, `current`).
    pub name: String,
    /// `<book name>@<book version>`.
    pub book: String,
}

impl fmt::Display for RulesRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.book)
    }
}

/// A rule two sets decide differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDifference {
    pub rule: &'static str,
    pub ours: Charge,
    pub theirs: Charge,
    /// When the other set's rule started to apply, if known.
    pub theirs_from: Option<String>,
}

impl RuleBook {
    /// The embedded rule book.
    ///
    /// # Panics
    /// If the embedded file is invalid, which only a bad build could cause
    /// (a unit test parses and validates it).
    pub fn builtin() -> RuleBook {
        match RuleBook::from_ron(BUILTIN, "builtin:rules") {
            Ok(book) => book,
            Err(e) => panic!("invariant: the embedded rule book is valid (checked by tests): {e}"),
        }
    }

    /// Parses and validates a rule book; `origin` names it in errors.
    pub fn from_ron(text: &str, origin: &str) -> Result<RuleBook, CostError> {
        // The scenarios' parser: a leading BOM is skipped, and errors carry
        // the field path and a did-you-mean.
        let book: RuleBook = crate::scenario::syntax::parse(text, "RuleBook")
            .map_err(|e| CostError::syntax(origin, e))?;
        book.validate(origin, "")?;
        Ok(book)
    }

    /// Checks names, dates and provenance; `prefix` is the field path of the
    /// book inside its file (`rules.` inside a pricebook).
    pub fn validate(&self, origin: &str, prefix: &str) -> Result<(), CostError> {
        let invalid = |path: String, problem: String, hint: &str| CostError::Invalid {
            origin: origin.to_string(),
            path,
            problem,
            hint: hint.to_string(),
        };
        if self.name.trim().is_empty() || self.version.trim().is_empty() {
            return Err(invalid(
                format!("{prefix}name"),
                "the rule book needs a name and a version".into(),
                "write name: \"...\", version: \"YYYY-MM-DD\"",
            ));
        }
        if !self.sets.contains_key(DEFAULT_RULE_SET) {
            return Err(invalid(
                format!("{prefix}sets"),
                format!("has no {DEFAULT_RULE_SET:?} set"),
                "every rule book defines the default set \"faq\"",
            ));
        }
        for (set_name, set) in &self.sets {
            for (rule_name, rule) in set.rules() {
                let at = format!("{prefix}sets[{set_name:?}].{rule_name}");
                check_rule(rule, &at)
                    .map_err(|(path, problem, hint)| invalid(path, problem, hint))?;
            }
        }
        Ok(())
    }

    /// The set named `name`, or an error listing the sets there are.
    pub fn set(&self, name: &str) -> Result<&RuleSet, CostError> {
        self.sets
            .get(name)
            .ok_or_else(|| CostError::UnknownRuleSet {
                name: name.to_string(),
                book: format!("{}@{}", self.name, self.version),
                known: self.names().join(", "),
            })
    }

    /// Names of the sets, sorted.
    pub fn names(&self) -> Vec<String> {
        self.sets.keys().cloned().collect()
    }

    /// The reference recorded in outputs for set `name`.
    pub fn reference(&self, name: &str) -> RulesRef {
        RulesRef {
            name: name.to_string(),
            book: format!("{}@{}", self.name, self.version),
        }
    }

    /// The rules that set `ours` and set `theirs` decide differently, in
    /// [`RuleSet::rules`] order. Unknown names give an error.
    pub fn differences(&self, ours: &str, theirs: &str) -> Result<Vec<RuleDifference>, CostError> {
        let (a, b) = (self.set(ours)?, self.set(theirs)?);
        Ok(a.rules()
            .into_iter()
            .zip(b.rules())
            .filter(|((_, x), (_, y))| x.charge != y.charge)
            .map(|((name, x), (_, y))| RuleDifference {
                rule: name,
                ours: x.charge,
                theirs: y.charge,
                theirs_from: y.from.clone(),
            })
            .collect())
    }
}

/// Checks one rule; the error is `(path, problem, hint)`.
fn check_rule(rule: &Rule, at: &str) -> Result<(), (String, String, &'static str)> {
    if rule.source.trim().is_empty() {
        return Err((
            format!("{at}.source"),
            "is empty".into(),
            "say where the rule comes from (a URL or a fact-sheet tag)",
        ));
    }
    let dates = [
        ("read_on", Some(rule.read_on.as_str())),
        ("from", rule.from.as_deref()),
        ("until", rule.until.as_deref()),
    ];
    for (field, value) in dates {
        if let Some(v) = value {
            if !super::pricebook::is_date(v) {
                return Err((
                    format!("{at}.{field}"),
                    format!("{v:?} is not a date"),
                    "write dates as YYYY-MM-DD",
                ));
            }
        }
    }
    if let (Some(from), Some(until)) = (&rule.from, &rule.until) {
        if until < from {
            return Err((
                format!("{at}.until"),
                format!("{until} is before from {from}"),
                "a rule ends on or after the day it starts",
            ));
        }
    }
    Ok(())
}

/// The one-line note a run priced with `used` prints when another set of
/// the book (`current` for `faq`) decides some rules differently: what
/// differs and how to switch. `None` when nothing differs or there is no
/// such set.
pub fn other_set_note(book: &RuleBook, used: &str) -> Option<String> {
    let other = if used == DEFAULT_RULE_SET {
        "current"
    } else {
        return None;
    };
    let diffs = book.differences(used, other).ok()?;
    if diffs.is_empty() {
        return None;
    }
    let parts: Vec<String> = diffs
        .iter()
        .map(|d| {
            let since = d
                .theirs_from
                .as_deref()
                .map(|s| format!(" since {s}"))
                .unwrap_or_default();
            format!("{} is {}{since}", label(d.rule), d.theirs)
        })
        .collect();
    Some(format!(
        "priced with the {used:?} rules; today's AWS ({other:?}) differs: {}; price today's rules with --rules {other} (or `rules: \"{other}\"` in the scenario)",
        parts.join(", ")
    ))
}

/// What rule `name` (a [`RuleSet::rules`] name) decides, for people.
pub fn label(name: &str) -> &'static str {
    match name {
        "endpoint_cross_az" => "cross-AZ transfer to an interface endpoint",
        "nlb_cross_zone" => "NLB cross-zone transfer",
        "tgw_cross_az" => "cross-AZ transfer through a transit gateway",
        "peering_same_az" => "same-AZ peering transfer",
        "nat_cross_az" => "cross-AZ transfer to a NAT gateway",
        "instance_cross_az" => "cross-AZ transfer between instances",
        "aws_service_via_gateway" => "S3/DynamoDB transfer through a NAT or internet gateway",
        _ => "a rule",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_book_parses_and_has_both_sets() {
        let book = RuleBook::builtin();
        assert_eq!(book.names(), vec!["current".to_string(), "faq".to_string()]);
        for set in book.sets.values() {
            for (name, rule) in set.rules() {
                assert!(rule.source.len() > 10, "{name}: {:?}", rule.source);
            }
        }
        // A rule the two sets decide differently says when each held.
        for d in book.differences("faq", "current").unwrap() {
            let faq = book.set("faq").unwrap().rules();
            let (_, old) = faq.iter().find(|(n, _)| *n == d.rule).unwrap();
            assert!(old.until.is_some() && d.theirs_from.is_some(), "{}", d.rule);
        }
    }

    #[test]
    fn faq_and_current_differ_on_the_2022_privatelink_and_tgw_change() {
        // The FAQ: cross-AZ to an endpoint ENI is charged to the consumer.
        // Since 2022-04-01 inter-AZ transfer to PrivateLink endpoints and
        // through Transit Gateway is free. Every other rule is the same.
        let book = RuleBook::builtin();
        let d = book.differences("faq", "current").unwrap();
        let names: Vec<_> = d.iter().map(|x| x.rule).collect();
        assert_eq!(names, vec!["endpoint_cross_az", "tgw_cross_az"]);
        for x in &d {
            assert_eq!((x.ours, x.theirs), (Charge::Charged, Charge::Free));
            assert_eq!(x.theirs_from.as_deref(), Some("2022-04-01"));
        }
        let faq = book.set("faq").unwrap();
        assert!(faq.charges(|s| &s.nlb_cross_zone));
        assert!(!faq.charges(|s| &s.aws_service_via_gateway));
        assert!(!faq.charges(|s| &s.peering_same_az));
    }

    #[test]
    fn the_note_names_what_differs_and_how_to_switch() {
        let book = RuleBook::builtin();
        let note = other_set_note(&book, "faq").unwrap();
        assert!(
            note.contains("cross-AZ transfer to an interface endpoint is free since 2022-04-01"),
            "{note}"
        );
        assert!(note.contains("--rules current"), "{note}");
        assert_eq!(other_set_note(&book, "current"), None);
    }

    #[test]
    fn an_unknown_set_lists_the_known_ones() {
        let e = RuleBook::builtin().set("2019").unwrap_err().to_string();
        assert!(e.contains("\"2019\"") && e.contains("current, faq"), "{e}");
    }

    #[test]
    fn bad_dates_and_missing_sources_are_field_paths() {
        let text = BUILTIN.replacen("from: \"2022-04-01\"", "from: \"April 2022\"", 1);
        let e = RuleBook::from_ron(&text, "r.ron").unwrap_err().to_string();
        assert!(e.contains(".from") && e.contains("YYYY-MM-DD"), "{e}");
        let mut book = RuleBook::builtin();
        book.sets.get_mut("faq").unwrap().tgw_cross_az.source = String::new();
        let e = book.validate("code", "rules.").unwrap_err().to_string();
        assert!(e.contains("rules.sets[\"faq\"].tgw_cross_az.source"), "{e}");
        book.sets.remove("faq");
        let e = book.validate("code", "").unwrap_err().to_string();
        assert!(e.contains("no \"faq\" set"), "{e}");
    }
}
