//! How the loader reads files: the scenario itself and every file it refers
//! to (quota profile, pricebook, traces), each opened exactly once per load.
//!
//! All input of a run goes through a [`FileSource`]; the default is the file
//! system ([`Disk`]). Tests substitute a source that counts opens, which is
//! how "every input file is read once" is checked.
//!
//! Owns: opening files and the size cap of a scenario file. Must not: parse
//! them (the loader and each format's own parser do).

use std::io::Read;
use std::path::{Path, PathBuf};

/// Where input files come from.
pub trait FileSource {
    /// Opens a file for reading.
    fn open(&self, path: &Path) -> std::io::Result<Box<dyn Read + '_>>;
}

/// The file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk;

impl FileSource for Disk {
    fn open(&self, path: &Path) -> std::io::Result<Box<dyn Read + '_>> {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.is_dir() {
            return Err(std::io::Error::other("is a directory, not a file"));
        }
        Ok(Box::new(std::io::BufReader::new(file)))
    }
}

/// How to load a scenario.
#[derive(Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    /// A pricebook file that replaces the scenario's (`--pricebook`); the
    /// scenario's own pricebook file is then not read.
    pub pricebook: Option<&'a Path>,
    /// Where files are read from (default: [`Disk`]).
    pub source: Option<&'a dyn FileSource>,
}

impl<'a> LoadOptions<'a> {
    pub(super) fn source(&self) -> &'a dyn FileSource {
        self.source.unwrap_or(&Disk)
    }
}

impl std::fmt::Debug for LoadOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("pricebook", &self.pricebook)
            .field("source", &self.source.map(|_| "custom"))
            .finish()
    }
}

/// Reads a whole file as UTF-8 text of at most `limit` bytes.
///
/// The error is the reason in words (the caller adds the file name).
pub(super) fn read_text(
    source: &dyn FileSource,
    path: &Path,
    limit: u64,
) -> Result<String, TextError> {
    let mut bytes = Vec::new();
    source
        .open(path)
        .and_then(|r| r.take(limit.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(TextError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(TextError::TooLarge { limit });
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        TextError::NotUtf8(e.into_bytes(), at)
    })
}

/// Why a text file could not be read.
#[derive(Debug)]
pub(super) enum TextError {
    Io(std::io::Error),
    TooLarge {
        limit: u64,
    },
    /// The bytes and the offset of the first invalid one.
    NotUtf8(Vec<u8>, usize),
}

/// A file named in a scenario, relative to the scenario's folder.
pub(super) fn relative_to(dir: Option<&Path>, name: &str) -> PathBuf {
    match dir {
        Some(d) => d.join(name),
        None => PathBuf::from(name),
    }
}
