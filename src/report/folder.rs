//! A run's output folder, owned by that run.
//!
//! A run never writes into its folder in place. It writes a staging sibling
//! (`.<folder>.vpcsim-<pid>-<random>`, private to the user while written),
//! and when every file is complete swaps it in whole: on Linux with one
//! atomic `renameat2(RENAME_EXCHANGE)`, elsewhere by moving the old folder
//! aside and the new one in. The old folder is then deleted. So
//! - a folder holds exactly one run's complete outputs: a rerun leaves none
//!   of the previous run's files (an old `connections.csv`, a chart the new
//!   run does not draw);
//! - two runs into one folder at once each build their own stage; the
//!   folder ends up as one of them, whole, never a mix;
//! - nothing can be planted in the stage before or while it is written.
//!
//! A folder is replaced only when vpcsim could have written it: it holds
//! nothing but the names of a run's outputs (and vpcsim temporaries). A
//! folder holding anything else is refused, so `--out ~` or `--out .` never
//! deletes a user's files.
//!
//! Owns: staging, the ownership check and the swap. Must not: know what
//! the files contain.

use std::io;
use std::path::{Path, PathBuf};

use super::stale;
use super::ReportError;

/// Names a run writes at the top of its folder (the `charts` folder holds
/// `.svg` and `.png` files only).
const RUN_FILES: &[&str] = &[
    "summary.json",
    "connectivity.csv",
    "bill.csv",
    "timeseries.csv",
    "connections.csv",
    "report.html",
];

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes a run's folder `dir` with `write` (called with the staging folder
/// to write into) and swaps it in; returns what `write` returned.
pub fn replace_with<T>(
    dir: &Path,
    write: impl FnOnce(&Path) -> Result<T, ReportError>,
) -> Result<T, ReportError> {
    let dir = resolve(dir)?;
    let (parent, name) = split(&dir)?;
    std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    stale::remove_stale_stages(&parent, &name);
    check_owned(&dir)?;
    let stage = Stage::create(&parent, &name)?;
    let out = write(&stage.path)?;
    stage.publish(&dir, &parent, &name)?;
    Ok(out)
}

/// `dir` with a symlink at its end resolved (the link stays, the folder it
/// names is replaced).
fn resolve(dir: &Path) -> Result<PathBuf, ReportError> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(dir).map_err(io_err(dir)),
        _ => Ok(dir.to_path_buf()),
    }
}

/// The parent folder and the final name of `dir`.
fn split(dir: &Path) -> Result<(PathBuf, String), ReportError> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    match name {
        Some(n) if !n.is_empty() && n != ".." => {
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            Ok((parent, n))
        }
        _ => Err(ReportError::Io {
            path: dir.display().to_string(),
            source: io::Error::other("name the output folder itself (not `.`, `..` or `/`)"),
        }),
    }
}

/// Refuses a `dir` holding anything a run does not write.
fn check_owned(dir: &Path) -> Result<(), ReportError> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(dir)(e)),
    };
    if !meta.is_dir() {
        return Err(ReportError::Io {
            path: dir.display().to_string(),
            source: io::Error::other("exists and is not a folder; give --out a folder name"),
        });
    }
    let foreign = foreign_entries(dir).map_err(io_err(dir))?;
    if let Some(first) = foreign.first() {
        return Err(ReportError::Io {
            path: dir.display().to_string(),
            source: io::Error::other(format!(
                "holds {first}{}, which a vpcsim run does not write; a run replaces its whole output folder, so give --out a new or empty folder",
                match foreign.len() {
                    1 => String::new(),
                    n => format!(" and {} more", n - 1),
                }
            )),
        });
    }
    Ok(())
}

/// Entries of `dir` (and of `dir/charts`) that are not a run's outputs.
fn foreign_entries(dir: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let kind = e.file_type()?;
        if name == "charts" && kind.is_dir() {
            for c in std::fs::read_dir(e.path())? {
                let c = c?;
                let cname = c.file_name().to_string_lossy().into_owned();
                let chart = cname.ends_with(".svg") || cname.ends_with(".png");
                if !(c.file_type()?.is_file() && (chart || is_temp(&cname))) {
                    out.push(format!("charts/{cname}"));
                }
            }
        } else if !(kind.is_file() && (RUN_FILES.contains(&name.as_str()) || is_temp(&name))) {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

fn is_temp(name: &str) -> bool {
    stale::is_temp_name(name)
}

/// A staging folder, removed on drop unless published.
struct Stage {
    path: PathBuf,
    /// The permissions a new folder gets here (the umask's), restored
    /// before the stage is published.
    permissions: std::fs::Permissions,
    published: bool,
}

impl Stage {
    fn create(parent: &Path, name: &str) -> Result<Stage, ReportError> {
        let mut last = None;
        for _ in 0..8 {
            let path = parent.join(stale::stage_name(name));
            match std::fs::create_dir(&path) {
                Ok(()) => return Stage::private(path),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(io_err(&path)(e)),
            }
        }
        Err(io_err(parent)(last.unwrap_or_else(|| {
            io::Error::other("no free staging name")
        })))
    }

    /// Makes the fresh stage private to the user while it is written.
    fn private(path: PathBuf) -> Result<Stage, ReportError> {
        let permissions = std::fs::symlink_metadata(&path)
            .map_err(io_err(&path))?
            .permissions();
        let stage = Stage {
            path,
            permissions,
            published: false,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&stage.path, std::fs::Permissions::from_mode(0o700))
                .map_err(io_err(&stage.path))?;
        }
        Ok(stage)
    }

    /// Swaps the stage in as `dir` and deletes what `dir` held.
    fn publish(mut self, dir: &Path, parent: &Path, name: &str) -> Result<(), ReportError> {
        std::fs::set_permissions(&self.path, self.permissions.clone())
            .map_err(io_err(&self.path))?;
        let old = swap_in(&self.path, dir, parent, name).map_err(io_err(dir))?;
        self.published = true;
        if let Some(old) = old {
            // A leftover here is removed by a later run (its pid is gone).
            let _ = std::fs::remove_dir_all(old);
        }
        Ok(())
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Whether a rename failed because `dir` exists and is not empty.
fn occupied(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::DirectoryNotEmpty | io::ErrorKind::AlreadyExists
    )
}

/// Moves `stage` to `dir` (in `parent`, named `name`); returns where the
/// previous `dir` now is, if there was one.
fn swap_in(stage: &Path, dir: &Path, parent: &Path, name: &str) -> io::Result<Option<PathBuf>> {
    for _ in 0..16 {
        match std::fs::rename(stage, dir) {
            Ok(()) => return Ok(None),
            Err(e) if occupied(&e) => {}
            Err(e) => return Err(e),
        }
        match exchange(stage, dir) {
            // The stage's path now holds the old folder.
            Ok(()) => return Ok(Some(stage.to_path_buf())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) if e.kind() == io::ErrorKind::Unsupported => {}
            Err(e) => return Err(e),
        }
        // No atomic exchange on this file system: move the old folder
        // aside (under a stage name, so an interrupted run's leftover is
        // cleaned up later), then move the new one in.
        let aside = parent.join(stale::stage_name(name));
        match std::fs::rename(dir, &aside) {
            Ok(()) => match std::fs::rename(stage, dir) {
                Ok(()) => return Ok(Some(aside)),
                // Another run moved its folder in meanwhile: go again.
                Err(e) if occupied(&e) => {
                    let _ = std::fs::remove_dir_all(&aside);
                }
                Err(e) => return Err(e),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(
        "other runs kept replacing the folder at the same moment; run again",
    ))
}

/// Exchanges two paths atomically (`renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated strings that outlive
    // the call; renameat2 only reads them.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) => {
            Err(io::Error::new(io::ErrorKind::Unsupported, e))
        }
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}
