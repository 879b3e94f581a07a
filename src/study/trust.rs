//! What `merge` reads back from shard folders, checked before it is used.
//!
//! A shard manifest (`shards/shard-I-of-N.json`) and the point rows it
//! lists (`points/<id>/row.json`) are files anyone can edit, and a folder
//! can hold the leftovers of an earlier version of the study. Before a
//! manifest is used:
//! - its shard is `I < N`, its point count is within the sweep cap, and it
//!   lists at most that many points;
//! - every point id is a plain name (it becomes a path: no `/`, no `..`, no
//!   control character) that starts with its index;
//!
//! Every row it names must carry the manifest's study fingerprint (so rows
//! written by an edited study never mix with the old one), name that point,
//! and have an index below the point count that belongs to the shard.
//!
//! Owns: those checks and the row file's layout. Must not: run or merge.

use std::path::Path;

use super::expand::in_shard;
use super::row::Row;
use super::sweep::ShardManifest;

/// Longest point id accepted (ids are file names).
const MAX_ID_BYTES: usize = 200;

/// Why `id` cannot be a point id, if it cannot.
fn bad_point_id(id: &str) -> Option<&'static str> {
    if id.is_empty() || id.len() > MAX_ID_BYTES {
        return Some("is empty or longer than 200 bytes");
    }
    if id.starts_with('.') {
        return Some("starts with a dot");
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+');
    if !id.chars().all(plain) {
        return Some("holds a character other than letters, digits, `-`, `_`, `.` and `+`");
    }
    None
}

/// The index a point id starts with (`0007-peering-…` → 7).
fn id_index(id: &str) -> Option<usize> {
    let digits = id.split('-').next()?;
    digits.parse().ok()
}

/// Checks a manifest read from `path` (messages name it).
pub fn check_manifest(m: &ShardManifest, path: &Path) -> Result<(), String> {
    let at = path.display();
    let (i, n) = m.shard;
    if n == 0 || i >= n {
        return Err(format!(
            "{at}: shard {i} of {n} is impossible (need 0 ≤ I < N)"
        ));
    }
    let cap = crate::limits::MAX_SWEEP_POINTS;
    if m.info.points == 0 || m.info.points > cap {
        return Err(format!(
            "{at}: claims {} points; a study has 1 to {cap}: this is not a manifest vpcsim wrote",
            m.info.points
        ));
    }
    if m.ran.len() > m.info.points {
        return Err(format!(
            "{at}: lists {} points of a {}-point study",
            m.ran.len(),
            m.info.points
        ));
    }
    for id in &m.ran {
        if let Some(why) = bad_point_id(id) {
            return Err(format!(
                "{at}: point id {id:?} {why}; point ids are file names vpcsim made"
            ));
        }
        match id_index(id) {
            Some(k) if k < m.info.points && in_shard(k, m.shard) => {}
            _ => {
                return Err(format!(
                    "{at}: point id {id:?} does not start with the index of a point of shard {i} of {n}"
                ))
            }
        }
    }
    Ok(())
}

/// `row.json`: the row with the study fingerprint added.
pub fn row_text(fingerprint: &str, row: &Row) -> Result<String, serde_json::Error> {
    let mut v = serde_json::to_value(row)?;
    if let serde_json::Value::Object(m) = &mut v {
        m.insert(
            "fingerprint".to_string(),
            serde_json::Value::String(fingerprint.to_string()),
        );
    }
    let mut text = serde_json::to_string_pretty(&v)?;
    text.push('\n');
    Ok(text)
}

/// Parses the `row.json` of point `id` listed by manifest `m`.
pub fn parse_row(text: &str, path: &Path, id: &str, m: &ShardManifest) -> Result<Row, String> {
    let at = path.display();
    let mut v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("{at}: not a row: {e}"))?;
    let fingerprint = v
        .as_object_mut()
        .and_then(|o| o.remove("fingerprint"))
        .and_then(|f| f.as_str().map(str::to_string));
    if fingerprint.as_deref() != Some(m.fingerprint.as_str()) {
        return Err(format!(
            "{at}: written by another version of the study (fingerprint {}, the manifest's is {}); the folder mixes two sweeps: run the shard again into a fresh folder",
            fingerprint.as_deref().unwrap_or("missing"),
            m.fingerprint
        ));
    }
    let row: Row = serde_json::from_value(v).map_err(|e| format!("{at}: not a row: {e}"))?;
    if row.point != id || row.index >= m.info.points || id_index(id) != Some(row.index) {
        return Err(format!(
            "{at}: holds point {:?} (index {}), but the manifest lists {id:?} here",
            row.point, row.index
        ));
    }
    Ok(row.normalized())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_ids_are_plain_names() {
        for ok in ["0007-peering-c126-r0", "12-base-l0.5-r1", "3-v+x_y"] {
            assert_eq!(bad_point_id(ok), None, "{ok}");
        }
        for bad in [
            "",
            "..",
            "../..",
            "0-a/b",
            ".0-x",
            "0-a\u{0}",
            "0-é",
            &"9".repeat(201),
        ] {
            assert!(bad_point_id(bad).is_some(), "{bad:?}");
        }
        assert_eq!(id_index("0007-base-r0"), Some(7));
        assert_eq!(id_index("x-base"), None);
    }
}
