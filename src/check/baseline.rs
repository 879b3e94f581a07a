//! Reading a baseline: the parts of a `summary.json` that `vpcsim check`
//! compares, with errors that name the file and what is wrong with it.
//!
//! Only the compared fields are read, so a baseline stays readable when the
//! summary gains fields (additive changes keep `schema_version`); a missing
//! compared field, a wrong `schema_version` or broken JSON is an error.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::results::{ExpectationResult, Fct, Summary, SCHEMA_VERSION};

/// Why a baseline (or a tolerances file) cannot be used. Every variant is bad
/// input: `vpcsim check` exits 2.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    #[error("{file}: cannot read the baseline: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    #[error("{file}:{line}:{col}: the baseline is not valid JSON ({message}); regenerate it with `vpcsim baseline <scenario> --out {file}`")]
    Json {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    #[error("{file}: not a vpcsim summary.json: {message}; write one with `vpcsim baseline <scenario> --out {file}`")]
    NotSummary { file: String, message: String },
    #[error("{file}: schema_version {found}, but this vpcsim reads version {expected}; the baseline was written by {age} vpcsim: regenerate it with `vpcsim baseline <scenario> --out {file}`")]
    Schema {
        file: String,
        found: u64,
        expected: u32,
        age: &'static str,
    },
    #[error("{file}: field `{field}`: {message}; the baseline is damaged or hand-edited: regenerate it with `vpcsim baseline <scenario> --out {file}`")]
    Field {
        file: String,
        field: String,
        message: String,
    },
    #[error("{file}: this baseline is the summary of scenario {baseline:?}, not of {scenario:?}; pass the baseline written for this scenario")]
    ScenarioMismatch {
        file: String,
        baseline: String,
        scenario: String,
    },
    #[error("{file}:{line}:{col}: tolerances: {message}")]
    TolerancesSyntax {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    #[error("{file}: tolerances: {message}")]
    Tolerances { file: String, message: String },
    #[error("{what}: {message}")]
    Usage { what: String, message: String },
}

/// The compared parts of one summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub schema_version: u32,
    pub scenario: String,
    pub seed: u64,
    pub connectivity: SnapConnectivity,
    pub traffic: Vec<SnapTraffic>,
    pub resources: Vec<SnapResource>,
    pub cost: SnapCost,
    pub expectations: Vec<ExpectationResult>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SnapConnectivity {
    pub attempts: u64,
    pub delivered: u64,
    pub denied: u64,
    pub denied_by_reason: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SnapTraffic {
    pub name: String,
    pub connections: u64,
    pub delivered: u64,
    pub denied: u64,
    pub denied_by_reason: BTreeMap<String, u64>,
    pub delivered_bytes: u64,
    pub completed: u64,
    pub cut: u64,
    pub fct_ms: Fct,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SnapResource {
    pub name: String,
    pub peak_gbps: f64,
    pub peak_utilisation: f64,
}

/// Money as exact decimals (parsed from the summary's strings).
#[derive(Debug, Clone, PartialEq)]
pub struct SnapCost {
    pub total_usd: Decimal,
    pub by_category: BTreeMap<String, Decimal>,
    pub by_account: BTreeMap<String, Decimal>,
    pub monthly_total_usd: Decimal,
    pub monthly_by_category: BTreeMap<String, Decimal>,
    pub pricebook: String,
    pub pricebook_version: String,
    pub cross_az_bytes: u64,
}

#[derive(Deserialize)]
struct RawCost {
    total_usd: String,
    by_category: BTreeMap<String, String>,
    by_account: BTreeMap<String, String>,
    monthly_total_usd: String,
    #[serde(default)]
    monthly_by_category: BTreeMap<String, String>,
    pricebook: String,
    pricebook_version: String,
    cross_az_bytes: u64,
}

#[derive(Deserialize)]
struct RawBandwidth {
    resources: serde_json::Value,
}

impl Snapshot {
    /// Reads a baseline file.
    pub fn load_file(path: impl AsRef<Path>) -> Result<Snapshot, CheckError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let bytes = crate::input::read(path, crate::input::Kind::Baseline)?;
        Snapshot::from_json_bytes(&bytes, &file)
    }

    /// Parses summary JSON; `file` names it in errors.
    pub fn from_json_bytes(bytes: &[u8], file: &str) -> Result<Snapshot, CheckError> {
        // A UTF-8 byte-order mark (some Windows editors write one) is
        // invisible in an editor: skip it, as scenario files do.
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(CheckError::NotSummary {
                file: file.to_string(),
                message: "the file is empty".to_string(),
            });
        }
        let value = strict_json(bytes).map_err(|e| CheckError::Json {
            file: file.to_string(),
            line: e.line(),
            col: e.column(),
            message: json_message(&e),
        })?;
        if let Some(at) = control_character_at(&value, String::new()) {
            return Err(CheckError::Field {
                file: file.to_string(),
                field: at,
                message: "contains a control character (names in vpcsim summaries never do)"
                    .to_string(),
            });
        }
        Snapshot::from_value(&value, file)
    }

    /// The snapshot of a summary this vpcsim just produced.
    ///
    /// It goes through JSON text and the same parser as a baseline file:
    /// serde_json may read a float back one unit in the last place away from
    /// the value it wrote, so comparing in-memory floats with parsed ones
    /// would report changes that are not there. Text to text, identical
    /// summaries give identical snapshots.
    pub fn from_summary(summary: &Summary) -> Result<Snapshot, CheckError> {
        let text = serde_json::to_string(summary).map_err(|e| CheckError::Usage {
            what: "the run's summary".to_string(),
            message: e.to_string(),
        })?;
        Snapshot::from_json_bytes(text.as_bytes(), "the run's summary")
    }

    fn from_value(value: &serde_json::Value, file: &str) -> Result<Snapshot, CheckError> {
        let not = |message: String| CheckError::NotSummary {
            file: file.to_string(),
            message,
        };
        let obj = value
            .as_object()
            .ok_or_else(|| not(format!("the top level is {}, not an object", kind(value))))?;
        let version = match obj.get("schema_version") {
            None => return Err(not("it has no `schema_version` field".to_string())),
            Some(v) => v.as_u64().ok_or_else(|| {
                not(format!(
                    "`schema_version` is {}, not a whole number",
                    kind(v)
                ))
            })?,
        };
        if version != u64::from(SCHEMA_VERSION) {
            return Err(CheckError::Schema {
                file: file.to_string(),
                found: version,
                expected: SCHEMA_VERSION,
                age: if version > u64::from(SCHEMA_VERSION) {
                    "a newer"
                } else {
                    "an older"
                },
            });
        }
        let field = |name: &str| -> Result<&serde_json::Value, CheckError> {
            obj.get(name).ok_or_else(|| CheckError::Field {
                file: file.to_string(),
                field: name.to_string(),
                message: "missing".to_string(),
            })
        };
        let scenario: String = decode(file, "scenario", field("scenario")?)?;
        let seed: u64 = decode(file, "seed", field("seed")?)?;
        let connectivity: SnapConnectivity = decode(file, "connectivity", field("connectivity")?)?;
        let traffic: Vec<SnapTraffic> = named_elements(file, "traffic", field("traffic")?)?;
        let bandwidth: RawBandwidth = decode(file, "bandwidth", field("bandwidth")?)?;
        let resources: Vec<SnapResource> =
            named_elements(file, "bandwidth.resources", &bandwidth.resources)?;
        let raw: RawCost = decode(file, "cost", field("cost")?)?;
        let expectations = elements(file, "expectations", field("expectations")?)?;
        let money = |name: &str, s: &str| -> Result<Decimal, CheckError> {
            s.trim_start_matches('$')
                .parse::<Decimal>()
                .ok()
                .filter(|d| *d >= Decimal::ZERO && *d <= max_amount())
                .ok_or_else(|| CheckError::Field {
                    file: file.to_string(),
                    field: format!("cost.{name}"),
                    message: format!(
                        "{s:?} is not a decimal amount between 0 and {}",
                        max_amount()
                    ),
                })
        };
        let money_map = |name: &str,
                         m: &BTreeMap<String, String>|
         -> Result<BTreeMap<String, Decimal>, CheckError> {
            m.iter()
                .map(|(k, v)| Ok((k.clone(), money(&format!("{name}.{k}"), v)?)))
                .collect()
        };
        let cost = SnapCost {
            total_usd: money("total_usd", &raw.total_usd)?,
            by_category: money_map("by_category", &raw.by_category)?,
            by_account: money_map("by_account", &raw.by_account)?,
            monthly_total_usd: money("monthly_total_usd", &raw.monthly_total_usd)?,
            monthly_by_category: money_map("monthly_by_category", &raw.monthly_by_category)?,
            pricebook: raw.pricebook,
            pricebook_version: raw.pricebook_version,
            cross_az_bytes: raw.cross_az_bytes,
        };
        Ok(Snapshot {
            schema_version: SCHEMA_VERSION,
            scenario,
            seed,
            connectivity,
            traffic,
            resources,
            cost,
            expectations,
        })
    }
}

/// The largest amount a baseline may state: $10^18, far above any bill and
/// far enough below `Decimal::MAX` (about 7.9 × 10²⁸) that differences and
/// tolerances computed from it cannot overflow.
fn max_amount() -> Decimal {
    Decimal::from(1_000_000_000_000_000_000u64)
}

/// An element of a baseline list that must be unique by name.
trait Named {
    fn name(&self) -> &str;
}

impl Named for SnapTraffic {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for SnapResource {
    fn name(&self) -> &str {
        &self.name
    }
}

/// Decodes the array `v` (at `field`) like [`elements`] and fails when a
/// name appears twice (a baseline listing a traffic class twice would
/// compare only one of the two).
fn named_elements<T: DeserializeOwned + Named>(
    file: &str,
    field: &str,
    v: &serde_json::Value,
) -> Result<Vec<T>, CheckError> {
    let items: Vec<T> = elements(file, field, v)?;
    let mut seen = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(first) = seen.insert(item.name(), i) {
            return Err(CheckError::Field {
                file: file.to_string(),
                field: format!("{field}[{i}].name"),
                message: format!(
                    "{:?} is listed twice (also at {field}[{first}])",
                    item.name()
                ),
            });
        }
    }
    Ok(items)
}

/// Parses JSON like `serde_json::from_slice` into a `Value`, but refuses an
/// object with the same key twice (serde_json would keep the last one
/// silently, so a doctored baseline could hide a value).
fn strict_json(bytes: &[u8]) -> Result<serde_json::Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = StrictValue::deserialize(&mut de)?;
    de.end()?;
    Ok(v.0)
}

struct StrictValue(serde_json::Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = StrictValue;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<StrictValue, E> {
        Ok(StrictValue(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<StrictValue, E> {
        Ok(StrictValue(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<StrictValue, E> {
        Ok(StrictValue(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<StrictValue, E> {
        Ok(StrictValue(v.into()))
    }
    fn visit_str<E>(self, v: &str) -> Result<StrictValue, E> {
        Ok(StrictValue(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<StrictValue, E> {
        Ok(StrictValue(v.into()))
    }
    fn visit_unit<E>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(serde_json::Value::Null))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<StrictValue, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = a.next_element::<StrictValue>()? {
            v.push(x.0);
        }
        Ok(StrictValue(v.into()))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<StrictValue, A::Error> {
        let mut m = serde_json::Map::new();
        while let Some(k) = a.next_key::<String>()? {
            if m.contains_key(&k) {
                return Err(serde::de::Error::custom(format!(
                    "the key {k:?} appears twice in one object"
                )));
            }
            let v = a.next_value::<StrictValue>()?;
            m.insert(k, v.0);
        }
        Ok(StrictValue(m.into()))
    }
}

/// The path of the first string (or key) holding a control character.
fn control_character_at(v: &serde_json::Value, at: String) -> Option<String> {
    let bad = |s: &str| s.chars().any(char::is_control);
    match v {
        serde_json::Value::String(s) if bad(s) => Some(at),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| control_character_at(x, format!("{at}[{i}]"))),
        serde_json::Value::Object(m) => m.iter().find_map(|(k, x)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if bad(k) {
                Some(here)
            } else {
                control_character_at(x, here)
            }
        }),
        _ => None,
    }
}

/// Decodes one field, naming it in the error.
fn decode<T: DeserializeOwned>(
    file: &str,
    field: &str,
    v: &serde_json::Value,
) -> Result<T, CheckError> {
    T::deserialize(v).map_err(|e| CheckError::Field {
        file: file.to_string(),
        field: field.to_string(),
        message: e.to_string(),
    })
}

/// Decodes an array element by element, naming the index in errors.
fn elements<T: DeserializeOwned>(
    file: &str,
    field: &str,
    v: &serde_json::Value,
) -> Result<Vec<T>, CheckError> {
    let items = v.as_array().ok_or_else(|| CheckError::Field {
        file: file.to_string(),
        field: field.to_string(),
        message: format!("expected an array, found {}", kind(v)),
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, x)| decode(file, &format!("{field}[{i}]"), x))
        .collect()
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// serde_json's message without its trailing " at line L column C".
fn json_message(e: &serde_json::Error) -> String {
    let m = e.to_string();
    match m.rfind(" at line ") {
        Some(i) => m[..i].to_string(),
        None => m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
      "schema_version": 2, "scenario": "s", "seed": 1,
      "connectivity": {"attempts": 2, "delivered": 1, "denied": 1, "denied_by_reason": {"NO_ROUTE": 1}},
      "traffic": [{"name": "t", "connections": 2, "delivered": 1, "denied": 1,
                   "denied_by_reason": {"NO_ROUTE": 1}, "delivered_bytes": 10, "completed": 1, "cut": 0,
                   "fct_ms": {"p50": 1.0, "p90": 1.0, "p99": 1.0, "max": 1.0}}],
      "bandwidth": {"sample_interval_s": 60.0, "resources": []},
      "cost": {"total_usd": "0.1000", "by_category": {"cross_az": "0.1000"}, "by_account": {},
               "monthly_total_usd": "12.1667", "pricebook": "p", "pricebook_version": "v",
               "cross_az_bytes": 5},
      "expectations": []
    }"#;

    #[test]
    fn a_minimal_summary_reads_with_exact_money() {
        // Fields the check does not compare (description, entities...) may be
        // absent, and money strings become exact decimals.
        let s = Snapshot::from_json_bytes(MINIMAL.as_bytes(), "b.json").expect("valid");
        assert_eq!(s.cost.monthly_total_usd.to_string(), "12.1667");
        assert!(s.expectations.is_empty());
    }

    #[test]
    fn broken_baselines_name_the_file_and_the_problem() {
        // Each damage gives an error that names the file and says what is
        // wrong, which is what a CI log needs.
        let cases: [(String, &str); 14] = [
            ("{\"schema_version\": 1,".to_string(), "b.json:1:"),
            ("[1, 2]".to_string(), "top level is an array"),
            ("{}".to_string(), "no `schema_version`"),
            (
                MINIMAL.replace("\"schema_version\": 2", "\"schema_version\": 7"),
                "schema_version 7, but this vpcsim reads version 2",
            ),
            (
                MINIMAL.replace("\"total_usd\": \"0.1000\", ", ""),
                "field `cost`: missing field `total_usd`",
            ),
            (
                MINIMAL.replace("\"delivered_bytes\": 10, ", ""),
                "field `traffic[0]`: missing field `delivered_bytes`",
            ),
            // A section left out is an error, not an empty section.
            (
                MINIMAL.replace(",\n      \"expectations\": []", ""),
                "field `expectations`: missing",
            ),
            // A class listed twice would be compared once.
            (
                MINIMAL
                    .replace("\"traffic\": [{", "\"traffic\": [TWICE, {")
                    .replace(
                        "TWICE",
                        &MINIMAL[MINIMAL.find("{\"name\": \"t\"").expect("class")
                            ..MINIMAL.find("}}],").expect("end") + 2],
                    ),
                "field `traffic[1].name`: \"t\" is listed twice (also at traffic[0])",
            ),
            // So would a resource.
            (
                MINIMAL.replace(
                    "\"resources\": []",
                    "\"resources\": [{\"name\": \"r\", \"peak_gbps\": 1.0, \"peak_utilisation\": 0.1}, \
                     {\"name\": \"r\", \"peak_gbps\": 2.0, \"peak_utilisation\": 0.2}]",
                ),
                "field `bandwidth.resources[1].name`: \"r\" is listed twice (also at bandwidth.resources[0])",
            ),
            (
                MINIMAL.replace("\"resources\": []", "\"resources\": {}"),
                "field `bandwidth.resources`: expected an array, found an object",
            ),
            // serde_json would keep the second value silently.
            (
                MINIMAL.replace("\"seed\": 1,", "\"seed\": 1, \"seed\": 2,"),
                "the key \"seed\" appears twice in one object",
            ),
            (
                MINIMAL.replace("\"t\", \"connections\"", "\"t\\u001b[2J\", \"connections\""),
                "field `traffic[0].name`: contains a control character",
            ),
            (
                MINIMAL.replace("\"0.1000\", \"by_category\"", "\"-5\", \"by_category\""),
                "field `cost.total_usd`: \"-5\" is not a decimal amount between 0 and",
            ),
            (
                MINIMAL.replace("\"12.1667\"", "\"79228162514264337593543950335\""),
                "field `cost.monthly_total_usd`",
            ),
        ];
        for (text, want) in cases {
            let e = Snapshot::from_json_bytes(text.as_bytes(), "b.json")
                .expect_err("damaged baseline")
                .to_string();
            assert!(e.contains(want), "expected {want:?} in {e}");
            assert!(e.starts_with("b.json"), "{e}");
        }
    }
}
