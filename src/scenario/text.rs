//! Characters that must not appear in a scenario's text fields.
//!
//! Names and labels reach folder names, CSV, SVG (where XML forbids most
//! control characters, even escaped), HTML and the terminal (where ESC and
//! BEL sequences act). Every string of the scenario, at any depth, is
//! checked for control characters and for the bidirectional-text controls
//! that make text display in another order than it reads; only a
//! `description` may hold tabs and line breaks.
//!
//! The walk goes over the scenario's serialized form, so a field added to
//! the schema is covered without a line here.
//!
//! Owns: that one check. Must not: judge anything else about the text.

use serde::Serialize;

/// Whether `c` may not appear in a text field (`description` allows tabs
/// and line breaks).
pub fn forbidden(c: char, description: bool) -> bool {
    let layout = matches!(c, '\n' | '\r' | '\t');
    (c.is_control() && !(description && layout))
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The first forbidden character of `s`, if any.
pub fn first_forbidden(s: &str, description: bool) -> Option<char> {
    s.chars().find(|c| forbidden(*c, description))
}

/// `(field path, message)` for every string of `value` holding a
/// forbidden character.
pub fn problems(value: &impl Serialize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(v) = serde_json::to_value(value) {
        walk(&v, String::new(), false, &mut out);
    }
    out
}

fn message(c: char) -> String {
    format!(
        "contains the control character U+{:04X}; names and text end up in file names, SVG, HTML and the terminal, where it breaks them: remove it",
        c as u32
    )
}

fn walk(v: &serde_json::Value, at: String, description: bool, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::String(s) => {
            if let Some(c) = first_forbidden(s, description) {
                out.push((at, message(c)));
            }
        }
        serde_json::Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                walk(x, format!("{at}[{i}]"), description, out);
            }
        }
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if let Some(c) = first_forbidden(k, false) {
                    // Reported at the map, with the key escaped: the
                    // path itself must not carry the character.
                    out.push((at.clone(), format!("the key {k:?} {}", message(c))));
                    continue;
                }
                // Enum variants (`Workload`, `Accept`) are not part of a
                // field path as written in the file.
                let variant = k.starts_with(|c: char| c.is_ascii_uppercase());
                let here = match (variant, at.is_empty()) {
                    (true, _) => at.clone(),
                    (false, true) => k.clone(),
                    (false, false) => format!("{at}.{k}"),
                };
                walk(x, here, k == "description", out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_found_with_their_path() {
        #[derive(Serialize)]
        struct Doc {
            description: String,
            items: Vec<(String, std::collections::BTreeMap<String, String>)>,
        }
        let mut names = std::collections::BTreeMap::new();
        names.insert("ok".to_string(), "a\u{7}b".to_string());
        names.insert("k\u{0}".to_string(), "fine".to_string());
        let d = Doc {
            description: "two\nlines\tand a tab".to_string(),
            items: vec![
                ("x\u{1b}[2J".to_string(), names),
                ("\u{202e}evil".to_string(), Default::default()),
            ],
        };
        let p = problems(&d);
        let paths: Vec<&str> = p.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            paths,
            [
                "items[0][0]",
                "items[0][1]",
                "items[0][1].ok",
                "items[1][0]"
            ]
        );
        assert!(
            p[1].1.starts_with("the key \"k\\0\" contains"),
            "{}",
            p[1].1
        );
        assert!(p[0].1.contains("U+001B"), "{}", p[0].1);
        assert!(!forbidden('é', false) && !forbidden(' ', false));
        assert!(forbidden('\n', false) && !forbidden('\n', true));
    }
}
