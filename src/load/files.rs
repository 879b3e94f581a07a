//! How the loader reads files: the scenario itself and every file it refers
//! to (quota profile, pricebook, traces), each read exactly once per load.
//!
//! All input of a run goes through a [`FileSource`]; the default is the file
//! system through the bounded reader ([`Disk`], [`crate::input`]: regular
//! files only, a size cap per kind). Tests substitute a source that counts
//! reads, which is how "every input file is read once" is checked.
//!
//! Owns: where the loader's bytes come from. Must not: parse them (the
//! loader and each format's own parser do) or bypass the caps.

use std::path::{Path, PathBuf};

use crate::input::{InputError, Kind};

/// Where input files come from.
pub trait FileSource {
    /// Reads the whole file at `path`, a file of `kind`.
    fn read(&self, path: &Path, kind: Kind) -> Result<Vec<u8>, InputError>;
}

/// The file system, through the bounded reader ([`crate::input::read`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk;

impl FileSource for Disk {
    fn read(&self, path: &Path, kind: Kind) -> Result<Vec<u8>, InputError> {
        crate::input::read(path, kind)
    }
}

/// How to load a scenario.
#[derive(Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    /// A pricebook file that replaces the scenario's (`--pricebook`); the
    /// scenario's own pricebook file is then not read.
    pub pricebook: Option<&'a Path>,
    /// A pricing rule set that replaces the scenario's `rules` (`--rules`);
    /// checked against the pricebook's rule book like the field.
    pub rules: Option<&'a str>,
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
            .field("rules", &self.rules)
            .field("source", &self.source.map(|_| "custom"))
            .finish()
    }
}

/// Reads a whole file of `kind` from `source` as UTF-8 text.
pub(super) fn read_text(
    source: &dyn FileSource,
    path: &Path,
    kind: Kind,
) -> Result<String, InputError> {
    crate::input::into_text(source.read(path, kind)?, path, kind)
}

/// A file named in a scenario, relative to the scenario's folder.
pub(super) fn relative_to(dir: Option<&Path>, name: &str) -> PathBuf {
    match dir {
        Some(d) => d.join(name),
        None => PathBuf::from(name),
    }
}
