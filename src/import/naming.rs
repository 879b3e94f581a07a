//! Element names for imported resources: from `Name` tags, else from the
//! Terraform address or the AWS id, made readable (`Orders NLB` →
//! `orders-nlb`) and unique within their namespace.
//!
//! Owns: turning labels into scenario names. Must not: know which resource a
//! label belongs to.

use std::collections::{BTreeMap, BTreeSet};

/// Longest name written (longer labels are cut).
const MAX_LEN: usize = 64;

/// A label as a scenario name: lowercase letters, digits, `-`, `_` and `.`,
/// no leading or trailing separator; `fallback` when nothing is left.
pub fn clean(label: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in label.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut t: String = out
        .trim_matches(|c| c == '-' || c == '.' || c == '_')
        .chars()
        .take(MAX_LEN)
        .collect();
    while t.ends_with(['-', '.', '_']) {
        t.pop();
    }
    if t.is_empty() {
        if fallback.is_empty() {
            "unnamed".to_string()
        } else {
            clean(fallback, "")
        }
    } else {
        t
    }
}

/// A readable label for a Terraform resource address: the module names, the
/// resource name and the instance key, without the resource type
/// (`module.net.aws_subnet.private[0]` → `net-private-0`).
pub fn from_address(address: &str) -> String {
    let mut parts = Vec::new();
    let mut rest = address;
    while let Some(r) = rest.strip_prefix("module.") {
        let (module, after) = split_segment(r);
        parts.push(module);
        rest = after.strip_prefix('.').unwrap_or(after);
    }
    let rest = rest.strip_prefix("data.").unwrap_or(rest);
    // `type.name[key]`: drop the type.
    let name = rest.split_once('.').map(|(_, n)| n).unwrap_or(rest);
    parts.push(name.to_string());
    clean(&parts.join("-"), address)
}

/// `name[key]...` → (`name-key-`, the rest after the segment); a key may
/// hold dots inside its brackets (`module.m["a.b"]`).
fn split_segment(s: &str) -> (String, &str) {
    let mut depth = 0i32;
    let mut cut = s.len();
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth <= 0 => {
                cut = i;
                break;
            }
            _ => {}
        }
    }
    (s[..cut].replace(['[', ']', '"'], "-"), &s[cut..])
}

/// Unique names within one namespace, remembered by resource key.
#[derive(Debug, Default)]
pub struct Namespace {
    used: BTreeSet<String>,
    by_key: BTreeMap<String, String>,
}

impl Namespace {
    /// The name for `key`: `label` cleaned, or with `qualifier` appended, or
    /// a counter, whichever is free first. The same key gets the same name.
    pub fn name(&mut self, key: &str, label: &str, qualifier: Option<&str>) -> String {
        if let Some(n) = self.by_key.get(key) {
            return n.clone();
        }
        let base = clean(label, key);
        let mut candidates = vec![base.clone()];
        if let Some(q) = qualifier {
            candidates.push(clean(&format!("{base}-{q}"), key));
        }
        let name = candidates
            .into_iter()
            .find(|c| !self.used.contains(c))
            .unwrap_or_else(|| {
                (2..)
                    .map(|i| format!("{base}-{i}"))
                    .find(|c| !self.used.contains(c))
                    .unwrap_or(base)
            });
        self.used.insert(name.clone());
        self.by_key.insert(key.to_string(), name.clone());
        name
    }

    /// Reserves a name no key may take (e.g. `main` for the main table).
    pub fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_string());
    }

    /// The name given to `key`, if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.by_key.get(key).map(String::as_str)
    }

    /// Gives `key` exactly this name (already reserved or free).
    pub fn set(&mut self, key: &str, name: &str) {
        self.used.insert(name.to_string());
        self.by_key.insert(key.to_string(), name.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_readable_names() {
        assert_eq!(clean("Orders NLB (prod)", "x"), "orders-nlb-prod");
        assert_eq!(clean("  ", "vpc-0abc"), "vpc-0abc");
        assert_eq!(
            from_address("module.net.aws_subnet.private[0]"),
            "net-private-0"
        );
        assert_eq!(
            from_address("module.spoke[\"b\"].aws_vpc.this"),
            "spoke-b-this"
        );
        assert_eq!(from_address("aws_vpc.main"), "main");
    }

    #[test]
    fn names_are_unique_and_stable_per_key() {
        let mut ns = Namespace::default();
        assert_eq!(ns.name("sg-1", "default", Some("app")), "default");
        assert_eq!(ns.name("sg-2", "default", Some("svc")), "default-svc");
        assert_eq!(ns.name("sg-3", "default", Some("svc")), "default-2");
        assert_eq!(ns.name("sg-1", "other", None), "default");
        ns.reserve("main");
        assert_eq!(ns.name("rtb-1", "main", None), "main-2");
    }
}
