//! Names of vpcsim's temporary files and staging folders, and the removal
//! of those left by interrupted runs.
//!
//! Every output file is written to a temporary sibling named
//! `.<file>.tmp-<pid>-<16 hex digits>` (created exclusively, see
//! [`create_temp`]) and renamed into place; a run's folder is written as a
//! staging sibling `.<folder>.vpcsim-<pid>-<16 hex digits>` and swapped in
//! whole ([`super::folder`]). The hex part is drawn from the operating
//! system's randomness, so nobody can plant a file or symlink under the name
//! in advance, and the exclusive open refuses one planted anyway.
//!
//! A run killed in the middle (Ctrl-C, `kill -9`, a crash) cannot remove
//! its temporaries; later runs do ([`remove_stale_temps`],
//! [`remove_stale_stages`]). Only names of exactly these forms are touched,
//! and only when the process that made them is gone: on Linux, when
//! `/proc/<pid>` does not exist; elsewhere, when the entry is more than an
//! hour old. Another tool's `.x.tmp-123` is left alone.
//!
//! Owns: temporary names, their exclusive creation and stale cleanup. Must
//! not: decide what a run writes.

use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// The marker between a staged folder's name and its pid.
const STAGE: &str = ".vpcsim-";
/// The marker between a temporary file's name and its pid.
const TEMP: &str = ".tmp-";

/// 64 unpredictable bits: std's hasher keys come from the operating
/// system's randomness, mixed with a per-process counter and the clock.
fn random_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    h.write_u128(now.as_nanos());
    format!("{:016x}", h.finish())
}

/// `.<name>.tmp-<pid>-<hex>` with `ext` (`""` or `".png"`) appended.
fn temp_name(name: &str, ext: &str) -> String {
    format!(".{name}{TEMP}{}-{}{ext}", std::process::id(), random_hex())
}

/// A fresh staging-folder name for the folder `name`.
pub fn stage_name(name: &str) -> String {
    format!(".{name}{STAGE}{}-{}", std::process::id(), random_hex())
}

/// Creates a new temporary file in `dir` for the output `name` (`ext`
/// appended to the temporary name, for encoders that go by extension):
/// exclusively (`O_CREAT|O_EXCL`, so a file or symlink already there is
/// never opened) and, on Unix, without following a symlink.
pub fn create_temp(dir: &Path, name: &str, ext: &str) -> io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..8 {
        let path = dir.join(temp_name(name, ext));
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
        }
        match o.open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// The pid in `rest` = `<pid>-<16 hex>` (plus `suffix`), if it has exactly
/// that form.
fn pid_of(rest: &str, suffix: &str) -> Option<u32> {
    let rest = rest.strip_suffix(suffix)?;
    let (pid, hex) = rest.split_once('-')?;
    let ok = !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
        && hex.len() == 16
        && hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    ok.then(|| pid.parse().ok()).flatten()
}

/// The writer's pid of a temporary-file name made by [`create_temp`].
fn temp_pid(name: &str) -> Option<u32> {
    let inner = name.strip_prefix('.')?;
    let rest = &inner[inner.rfind(TEMP)? + TEMP.len()..];
    pid_of(rest, "").or_else(|| pid_of(rest, ".png"))
}

/// Whether `name` is a temporary-file name vpcsim makes.
pub fn is_temp_name(name: &str) -> bool {
    temp_pid(name).is_some()
}

/// The writer's pid of a staging folder of `folder`.
fn stage_pid(name: &str, folder: &str) -> Option<u32> {
    let rest = name
        .strip_prefix('.')?
        .strip_prefix(folder)?
        .strip_prefix(STAGE)?;
    pid_of(rest, "")
}

fn writer_gone(pid: u32, path: &Path) -> bool {
    if pid == std::process::id() {
        return false;
    }
    if Path::new("/proc/self").exists() {
        return !Path::new(&format!("/proc/{pid}")).exists();
    }
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > Duration::from_secs(3600))
}

/// Removes stale temporary files of interrupted writes from `dir`; returns
/// how many. Errors are ignored: what cannot be removed stays for later.
pub fn remove_stale_temps(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        let path = entry.path();
        if let Some(pid) = temp_pid(&name).filter(|_| is_file) {
            if writer_gone(pid, &path) && std::fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

/// Removes the staging folders of `folder` (a name in `parent`) left by
/// interrupted runs; returns how many.
pub fn remove_stale_stages(parent: &Path, folder: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let path = entry.path();
        if let Some(pid) = stage_pid(&name, folder).filter(|_| is_dir) {
            if writer_gone(pid, &path) && std::fs::remove_dir_all(&path).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_only_names_it_makes() {
        let t = temp_name("summary.json", "");
        assert_eq!(temp_pid(&t), Some(std::process::id()));
        assert_eq!(
            temp_pid(&temp_name("fct", ".png")),
            Some(std::process::id())
        );
        assert_eq!(
            temp_pid(".summary.json.tmp-4242-00000000deadbeef"),
            Some(4242)
        );
        // Other tools' temporaries, and near misses, are not ours.
        for other in [
            ".summary.json.tmp-4242",
            ".x.tmp-12-3.png",
            ".x.tmp-12-DEADBEEF00000000",
            ".x.tmp--00000000deadbeef",
            "x.tmp-12-00000000deadbeef",
            "summary.json",
        ] {
            assert_eq!(temp_pid(other), None, "{other}");
        }
        let s = stage_name("run");
        assert_eq!(stage_pid(&s, "run"), Some(std::process::id()));
        assert_eq!(stage_pid(&s, "ru"), None);
        assert_ne!(temp_name("a", ""), temp_name("a", ""));
    }

    #[test]
    fn temporaries_are_created_exclusively_without_following_symlinks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (p, _f) = create_temp(dir.path(), "bill.csv", "").expect("created");
        assert!(p
            .file_name()
            .is_some_and(|n| temp_pid(&n.to_string_lossy()).is_some()));
        #[cfg(unix)]
        {
            // A symlink planted under a temporary name is never followed.
            let target = dir.path().join("elsewhere");
            let planted = dir.path().join(".x.tmp-1-00000000deadbeef");
            std::os::unix::fs::symlink(&target, &planted).expect("symlink");
            let mut o = std::fs::OpenOptions::new();
            use std::os::unix::fs::OpenOptionsExt;
            o.write(true)
                .create_new(true)
                .custom_flags(libc::O_NOFOLLOW);
            assert!(o.open(&planted).is_err());
            assert!(!target.exists());
        }
    }

    #[test]
    fn removes_temps_and_stages_of_dead_writers_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A pid above the kernel's maximum (2^22) never belongs to a live process.
        let dead = 4_194_305 + 17;
        let stale = dir
            .path()
            .join(format!(".summary.json.tmp-{dead}-00000000deadbeef"));
        let stale_png = dir
            .path()
            .join(format!(".fct.tmp-{dead}-00000000deadbeef.png"));
        let foreign = dir.path().join(format!(".notes.txt.tmp-{dead}"));
        let (ours, _f) = create_temp(dir.path(), "bill.csv", "").expect("ours");
        let output = dir.path().join("summary.json");
        for p in [&stale, &stale_png, &foreign, &output] {
            std::fs::write(p, b"x").expect("write");
        }
        let stage = dir
            .path()
            .join(format!(".run.vpcsim-{dead}-00000000deadbeef"));
        let other = dir
            .path()
            .join(format!(".runs.vpcsim-{dead}-00000000deadbeef"));
        std::fs::create_dir_all(stage.join("charts")).expect("mkdir");
        std::fs::create_dir_all(&other).expect("mkdir");
        if Path::new("/proc/self").exists() {
            assert_eq!(remove_stale_temps(dir.path()), 2);
            assert_eq!(remove_stale_stages(dir.path(), "run"), 1);
            assert!(!stale.exists() && !stale_png.exists() && !stage.exists());
        }
        // Our own temporary file (a write in progress), other tools' files,
        // another folder's stage and real outputs stay.
        assert!(ours.exists() && output.exists() && foreign.exists() && other.exists());
    }
}
