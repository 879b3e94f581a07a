//! Bounded reading of input files: every file vpcsim reads (scenario, study,
//! quota profile, pricebook, trace, baseline, tolerances, shard manifest,
//! point row, study table, import source) goes through [`read`] or [`read_text`].
//!
//! A read
//! 1. opens the path without blocking (a FIFO with no writer does not hang
//!    the open) and without making a terminal the controlling one;
//! 2. refuses anything but a regular file, judged on the opened handle (a
//!    FIFO, a device such as `/dev/zero`, a socket, a folder);
//! 3. refuses a file whose size is above the cap of its kind, and reads at
//!    most cap + 1 bytes whatever the metadata says (a file that grows, or
//!    a `/proc` file that reports size 0, stops at the cap too).
//!
//! Each kind has its own cap ([`Kind::default_cap`]), adjustable per process
//! with the environment variable `VPCSIM_MAX_INPUT` (`trace=2GiB,baseline=128MiB`)
//! or from the library with [`set_cap`].
//!
//! Owns: opening and reading input files within their caps. Must not: parse
//! what it reads.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::units::Bytes;

/// The environment variable that adjusts the caps.
pub const ENV: &str = "VPCSIM_MAX_INPUT";

/// The kinds of input file, each with its own size cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    Scenario,
    Study,
    QuotaProfile,
    Pricebook,
    Trace,
    Baseline,
    Tolerances,
    /// A sweep's `shards/shard-I-of-N.json`.
    ShardManifest,
    /// A sweep point's `row.json`.
    Row,
    /// A sweep's `study.json`.
    StudyTable,
    /// What `vpcsim import` reads: a Terraform plan or state, an AWS
    /// describe output, a VPC Flow Log.
    Import,
}

impl Kind {
    /// Every kind, in the order of the documentation.
    pub const ALL: [Kind; 11] = [
        Kind::Scenario,
        Kind::Study,
        Kind::QuotaProfile,
        Kind::Pricebook,
        Kind::Trace,
        Kind::Baseline,
        Kind::Tolerances,
        Kind::ShardManifest,
        Kind::Row,
        Kind::StudyTable,
        Kind::Import,
    ];

    /// The key of this kind in `VPCSIM_MAX_INPUT`.
    pub const fn key(self) -> &'static str {
        match self {
            Kind::Scenario => "scenario",
            Kind::Study => "study",
            Kind::QuotaProfile => "quota",
            Kind::Pricebook => "pricebook",
            Kind::Trace => "trace",
            Kind::Baseline => "baseline",
            Kind::Tolerances => "tolerances",
            Kind::ShardManifest => "manifest",
            Kind::Row => "row",
            Kind::StudyTable => "study-table",
            Kind::Import => "import",
        }
    }

    /// What the file is, for messages.
    pub const fn label(self) -> &'static str {
        match self {
            Kind::Scenario => "scenario",
            Kind::Study => "study",
            Kind::QuotaProfile => "quota profile",
            Kind::Pricebook => "pricebook",
            Kind::Trace => "trace",
            Kind::Baseline => "baseline",
            Kind::Tolerances => "tolerances",
            Kind::ShardManifest => "shard manifest",
            Kind::Row => "point row",
            Kind::StudyTable => "study table",
            Kind::Import => "import source",
        }
    }

    /// The cap unless adjusted. Each is far above any real file of its kind
    /// (the shipped ones are a few KB) and small enough that parsing a file
    /// at the cap stays within a few GB of memory.
    pub const fn default_cap(self) -> u64 {
        match self {
            Kind::Scenario | Kind::Study | Kind::Baseline | Kind::ShardManifest => 64 * Bytes::MIB,
            Kind::QuotaProfile | Kind::Tolerances | Kind::Row => Bytes::MIB,
            Kind::Pricebook => 16 * Bytes::MIB,
            Kind::Trace | Kind::StudyTable | Kind::Import => 256 * Bytes::MIB,
        }
    }

    fn slot(self) -> usize {
        Kind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why an input file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    #[error("{file}: cannot read the {kind} file: {source}")]
    Io {
        file: String,
        kind: Kind,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: the {kind} file is {what}, not a regular file; vpcsim reads only regular files (save the data to a file first)")]
    NotRegular {
        file: String,
        kind: Kind,
        what: &'static str,
    },
    #[error("{file}: the {kind} file is {}, above the limit of {} for {kind} files; raise it with the environment variable {ENV}={key}=<size> (e.g. {key}={})", size_text(*size, *cap), Bytes(*cap), suggest(*size, *cap), key = kind.key())]
    TooLarge {
        file: String,
        kind: Kind,
        /// The file's size, when its metadata told (else it grew past the cap).
        size: Option<u64>,
        cap: u64,
    },
    #[error("{file}:{line}:{col}: the {kind} file is not UTF-8 text (is it a binary file?)")]
    NotText {
        file: String,
        kind: Kind,
        line: usize,
        col: usize,
    },
    #[error("{ENV}: {0}")]
    Config(String),
}

/// Caps set with [`set_cap`] (0: not set).
static SET: [AtomicU64; Kind::ALL.len()] = [const { AtomicU64::new(0) }; Kind::ALL.len()];
/// Caps read once from the environment.
static FROM_ENV: OnceLock<Result<[Option<u64>; Kind::ALL.len()], String>> = OnceLock::new();

/// Sets the cap of `kind` for this process (above the environment's).
pub fn set_cap(kind: Kind, bytes: u64) {
    SET[kind.slot()].store(bytes.max(1), Ordering::Relaxed);
}

/// The cap of `kind`: set with [`set_cap`], else from `VPCSIM_MAX_INPUT`,
/// else [`Kind::default_cap`]. Fails when the environment variable is
/// malformed.
pub fn cap(kind: Kind) -> Result<u64, InputError> {
    let set = SET[kind.slot()].load(Ordering::Relaxed);
    if set > 0 {
        return Ok(set);
    }
    let env = FROM_ENV.get_or_init(|| match std::env::var(ENV) {
        Ok(v) => parse_caps(&v),
        Err(_) => Ok([None; Kind::ALL.len()]),
    });
    match env {
        Ok(caps) => Ok(caps[kind.slot()].unwrap_or(kind.default_cap())),
        Err(m) => Err(InputError::Config(m.clone())),
    }
}

/// Parses `trace=2GiB,baseline=128MiB` (sizes as in scenarios, or bytes).
fn parse_caps(text: &str) -> Result<[Option<u64>; Kind::ALL.len()], String> {
    let mut caps = [None; Kind::ALL.len()];
    let keys = || {
        Kind::ALL
            .iter()
            .map(|k| k.key())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (key, size) = item
            .split_once('=')
            .ok_or_else(|| format!("{item:?}: write kind=size, e.g. trace=2GiB"))?;
        let kind = Kind::ALL
            .iter()
            .find(|k| k.key() == key.trim())
            .ok_or_else(|| format!("unknown input kind {:?}; kinds: {}", key.trim(), keys()))?;
        let size = size.trim();
        let bytes = size
            .parse::<u64>()
            .ok()
            .or_else(|| Bytes::parse(size).ok().map(Bytes::get))
            .filter(|b| *b > 0)
            .ok_or_else(|| format!("{size:?} is not a size above zero (e.g. 2GiB)"))?;
        caps[kind.slot()] = Some(bytes);
    }
    Ok(caps)
}

/// What a non-regular file is, for messages.
pub(crate) fn describe(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Opens `path` for reading without blocking on a FIFO.
fn open(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    o.open(path)
}

fn too_large(file: &str, kind: Kind, cap: u64, size: Option<u64>) -> InputError {
    InputError::TooLarge {
        file: file.to_string(),
        kind,
        size,
        cap,
    }
}

/// `1.86 GiB`, or `more than 64MiB` when the size is not known.
fn size_text(size: Option<u64>, cap: u64) -> String {
    match size {
        Some(s) => Bytes(s).approx(),
        None => format!("more than {}", Bytes(cap)),
    }
}

/// A round cap above the size: the next power of two (`4GiB`).
fn suggest(size: Option<u64>, cap: u64) -> Bytes {
    let want = size.unwrap_or(cap.saturating_mul(2)).max(1);
    Bytes(want.checked_next_power_of_two().unwrap_or(want))
}

/// Reads the whole of `path`, a regular file of at most the cap of `kind`.
pub fn read(path: &Path, kind: Kind) -> Result<Vec<u8>, InputError> {
    let file = path.display().to_string();
    let cap = cap(kind)?;
    let io = |source| InputError::Io {
        file: file.clone(),
        kind,
        source,
    };
    let handle = open(path).map_err(io)?;
    let meta = handle.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(InputError::NotRegular {
            file,
            kind,
            what: describe(meta.file_type()),
        });
    }
    if meta.len() > cap {
        return Err(too_large(&file, kind, cap, Some(meta.len())));
    }
    // The metadata is only a hint: read at most one byte past the cap.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    handle
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(&file, kind, cap, None));
    }
    Ok(bytes)
}

/// The first `limit` bytes of `path` if it is a regular file (to sniff
/// what kind of file it is); `None` for anything else, without blocking.
pub fn read_head(path: &Path, limit: u64) -> Option<Vec<u8>> {
    let handle = open(path).ok()?;
    if !handle.metadata().ok()?.is_file() {
        return None;
    }
    let mut head = Vec::new();
    handle.take(limit).read_to_end(&mut head).ok()?;
    Some(head)
}

/// [`read`], as UTF-8 text (an error gives the line and column of the first
/// byte that is not).
pub fn read_text(path: &Path, kind: Kind) -> Result<String, InputError> {
    into_text(read(path, kind)?, path, kind)
}

/// The bytes read from `path` as UTF-8 text (an error gives the line and
/// column of the first byte that is not).
pub fn into_text(bytes: Vec<u8>, path: &Path, kind: Kind) -> Result<String, InputError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let (line, col) = position_of(e.as_bytes(), at);
        InputError::NotText {
            file: path.display().to_string(),
            kind,
            line,
            col,
        }
    })
}

/// 1-based line and column of byte offset `at` in `bytes`.
pub(crate) fn position_of(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_parse_from_the_environment_syntax() {
        let caps = parse_caps("trace=2GiB, baseline = 1000").expect("valid");
        assert_eq!(caps[Kind::Trace.slot()], Some(2 << 30));
        assert_eq!(caps[Kind::Baseline.slot()], Some(1000));
        assert_eq!(caps[Kind::Scenario.slot()], None);
        for bad in ["trace", "tracer=1GiB", "trace=0", "trace=lots"] {
            assert!(parse_caps(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_small_regular_file_reads_and_a_folder_does_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("a.ron");
        std::fs::write(&p, "héllo").expect("write");
        assert_eq!(read_text(&p, Kind::Tolerances).expect("reads"), "héllo");
        let e = read(dir.path(), Kind::Scenario).expect_err("a folder");
        assert!(
            e.to_string().contains("is a folder, not a regular file"),
            "{e}"
        );
        std::fs::write(&p, b"ok\n\xff").expect("write");
        let e = read_text(&p, Kind::Scenario).expect_err("not text");
        assert!(
            e.to_string()
                .ends_with(":2:1: the scenario file is not UTF-8 text (is it a binary file?)"),
            "{e}"
        );
    }

    #[test]
    fn the_cap_holds_whatever_the_metadata_says() {
        // A file over the cap is refused from its size; the reader also
        // stops one byte past the cap (tested with a tiny cap on a file
        // that is really larger).
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("big.json");
        std::fs::write(&p, vec![b' '; 2 * Bytes::MIB as usize]).expect("write");
        let e = read(&p, Kind::Row).expect_err("above 1 MiB");
        let m = e.to_string();
        assert!(
            m.contains("is 2.00 MiB, above the limit of 1MiB for point row files"),
            "{m}"
        );
        assert!(
            m.contains("VPCSIM_MAX_INPUT=row=<size> (e.g. row=2MiB)"),
            "{m}"
        );
        assert_eq!(position_of(b"a\nbc", 3), (2, 2));
        assert_eq!(size_text(Some(2_000_000_000), 1), "1.86 GiB");
        assert_eq!(size_text(None, 64 * Bytes::MIB), "more than 64MiB");
    }
}
