//! Turning the RON text of a scenario or study into typed values, with an
//! error a user can act on: where it is (`line:col`), which field (the path
//! from the top, `traffic[1].to`), and what to write instead — did-you-mean
//! for a misspelt field or variant, "drop the quotes" for a quoted variant.
//!
//! A leading UTF-8 byte-order mark (what some Windows editors write) is
//! ignored: it is invisible in an editor, and positions count from after it.
//!
//! Every vpcsim RON file (scenarios, studies, quota profiles, pricebooks,
//! rule books, tolerances) is read by [`parse`], so each gets the same
//! positions, field paths and hints.
//!
//! Owns: the parser options and the wording of syntax errors. Must not: know
//! any file's schema; what a value means is checked by [`super::validate`],
//! and reading files by [`crate::input`].

use ron::extensions::Extensions;
use serde::de::DeserializeOwned;

/// The RON options every vpcsim data file is read with.
///
/// `implicit_some` is on: an optional field is written as its plain value
/// (`private_dns_name: PrivateDnsName(...)`), never as `Some(...)`; writing
/// `Some(...)` is still accepted.
pub fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME)
}

/// A syntax or schema error at a position of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line and column (columns in characters).
    pub line: usize,
    pub col: usize,
    /// What is wrong, with the field path and a hint where one helps.
    pub message: String,
}

/// Parses `text` as a `T` whose top level is `top(` (e.g. `Scenario`),
/// with the RON options of every vpcsim file.
pub fn parse<T: DeserializeOwned>(text: &str, top: &str) -> Result<T, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let options = ron_options();
    let mut de = ron::Deserializer::from_str_with_options(text, &options)
        .map_err(|e| located(text, top, e, None))?;
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let spanned = de.span_error(e.into_inner());
            return Err(located(text, top, spanned, Some(path)));
        }
    };
    de.end()
        .map_err(|e| located(text, top, de.span_error(e), None))?;
    Ok(value)
}

/// The error at its position, explained.
fn located(
    text: &str,
    top: &str,
    e: ron::error::SpannedError,
    path: Option<String>,
) -> SyntaxError {
    let (line, col) = (e.span.start.line, e.span.start.col);
    let here = offset_of(text, line, col).map(|o| &text[o..]);
    let after = offset_of(text, e.span.end.line, e.span.end.col).map(|o| &text[o..]);
    let (mut message, known) = match quoted_name(&e.code, here) {
        Some(name) => (
            format!(
                "found \"{name}\" in quotes where a name belongs: variants and field names \
                 are written bare; drop the quotes: `{name}`"
            ),
            None,
        ),
        None => explain(&e.code, top),
    };
    // A file cut short shows up as an odd error at its very end.
    if after.is_some_and(is_blank) && !matches!(e.code, ron::Error::Eof) {
        message = format!(
            "unexpected end of file: the {} stops here ({message}); a bracket or parenthesis is not closed",
            words(top)
        );
    }
    let path = path
        .filter(|p| !matches!(p.as_str(), "" | "." | "?"))
        .map(|p| format!("field path: {p}"));
    let notes: Vec<String> = path.into_iter().chain(known).collect();
    if !notes.is_empty() {
        message.push_str(&format!(" ({})", notes.join("; ")));
    }
    SyntaxError { line, col, message }
}

/// The name inside quotes at the error, when a name was expected there:
/// `dns: "Zonal"` gives `Zonal`.
fn quoted_name<'a>(code: &ron::Error, here: Option<&'a str>) -> Option<&'a str> {
    if !matches!(
        code,
        ron::Error::ExpectedIdentifier | ron::Error::ExpectedNamedStructLike(_)
    ) {
        return None;
    }
    let inner = here?.strip_prefix('"')?;
    let name = &inner[..inner.find('"')?];
    let is_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_name.then_some(name)
}

/// ron's message, with a hint where the raw one is cryptic or a close
/// spelling exists; and, when the hint is a did-you-mean, the names that
/// were expected (to print after the field path, so the fix reads first).
fn explain(code: &ron::Error, top: &str) -> (String, Option<String>) {
    use ron::Error as E;
    match code {
        E::Eof => (
            "unexpected end of file: a bracket or parenthesis is not closed".to_string(),
            None,
        ),
        E::ExpectedDifferentStructName { expected, found } => (
            format!(
                "expected `{expected}(` here but found `{found}(`; the top level of a {} file is `{top}(`",
                words(top)
            ),
            None,
        ),
        E::NoSuchStructField {
            expected, found, ..
        }
        | E::NoSuchEnumVariant {
            expected, found, ..
        } => with_suggestion(code.to_string(), found, expected),
        other => (other.to_string(), None),
    }
}

/// A top-level name as words: `"QuotaProfile"` → `"quota profile"`.
fn words(top: &str) -> String {
    let mut out = String::with_capacity(top.len() + 2);
    for (i, c) in top.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// When one of `known` is within a few edits of `found`: ron's `message`
/// cut before its list of names, then "did you mean `x`?", and the list
/// apart. Otherwise `message` as it is.
fn with_suggestion(message: String, found: &str, known: &[&str]) -> (String, Option<String>) {
    let Some(best) = closest(found, known) else {
        return (message, None);
    };
    match message.split_once(", expected ") {
        Some((head, list)) => (
            format!("{head}; did you mean `{best}`?"),
            Some(format!("expected {}", list.trim_end_matches(" instead"))),
        ),
        None => (format!("{message}; did you mean `{best}`?"), None),
    }
}

/// The known name closest to `name` (ignoring case) by edit distance, if
/// it is within a quarter of the name's length (at least 2 edits).
pub fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    /// Longer names get no suggestion: the distance costs the product of
    /// the lengths.
    const SUGGEST_LEN: usize = 100;
    if name.len() > SUGGEST_LEN {
        return None;
    }
    let limit = 2.max(name.chars().count() / 4);
    let lower = name.to_lowercase();
    known
        .iter()
        .filter(|k| k.len() <= SUGGEST_LEN)
        .map(|k| (strsim::levenshtein(&lower, &k.to_lowercase()), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Whether `text` holds nothing but whitespace and RON comments.
pub fn is_blank(text: &str) -> bool {
    let mut rest = text.trim_start();
    loop {
        if rest.is_empty() {
            return true;
        }
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map(|i| &r[i..]).unwrap_or("").trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            match r.find("*/") {
                Some(i) => rest = r[i + 2..].trim_start(),
                None => return true,
            }
        } else {
            return false;
        }
    }
}

/// Byte offset of a 1-based (line, column) position, columns counted in chars.
fn offset_of(text: &str, line: usize, col: usize) -> Option<usize> {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let within: usize = l
                .chars()
                .take(col.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return Some(offset + within);
        }
        offset += l.len();
    }
    (line > 0).then_some(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_spellings_only() {
        let known = ["subnets", "name", "account", "cidrs"];
        assert_eq!(closest("subnet", &known), Some("subnets"));
        assert_eq!(closest("Subnets", &known), Some("subnets"));
        assert_eq!(closest("acount", &known), Some("account"));
        assert_eq!(closest("routes", &known), None);
        assert_eq!(closest(&"x".repeat(200), &known), None);
    }

    #[test]
    fn a_suggestion_reads_before_the_list_of_names() {
        let text = "Scenario(\n    duraton: \"1h\",\n)";
        let e = parse::<crate::scenario::Scenario>(text, "Scenario").expect_err("a typo");
        assert_eq!((e.line, e.col), (2, 5));
        assert!(
            e.message.starts_with(
                "Unexpected field named `duraton` in `Scenario`; did you mean `duration`? \
                 (field path: duraton; expected one of `name`, "
            ),
            "{}",
            e.message
        );
        assert!(e.message.ends_with(", or `expect`)"), "{}", e.message);
    }

    #[test]
    fn top_level_names_read_as_words() {
        assert_eq!(words("QuotaProfile"), "quota profile");
        assert_eq!(words("Scenario"), "scenario");
        assert_eq!(words("RuleBook"), "rule book");
    }

    #[test]
    fn a_quoted_name_is_found_only_where_a_name_was_expected() {
        let id = ron::Error::ExpectedIdentifier;
        assert_eq!(quoted_name(&id, Some("\"Zonal\"),")), Some("Zonal"));
        assert_eq!(quoted_name(&id, Some("\"10.0.0.0/8\"")), None);
        assert_eq!(quoted_name(&id, Some("Zonal")), None);
        assert_eq!(quoted_name(&ron::Error::Eof, Some("\"Zonal\"")), None);
    }
}
