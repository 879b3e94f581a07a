//! Leftovers of interrupted runs.
//!
//! Every output is written to a temporary sibling (`.<file>.tmp-<pid>` or
//! `.<chart>.tmp-<pid>-<n>.png`) and renamed into place, so a reader never
//! sees a half-written file. A run killed in the middle of a write (Ctrl-C,
//! `kill -9`, a crash) cannot remove its temporary file; the next run into
//! the same folder does, before writing anything: [`remove_stale_temps`].
//!
//! A temporary file is stale when the process that wrote it is gone: on
//! Linux, when `/proc/<pid>` does not exist; elsewhere, when the file is
//! more than an hour old. Temporary files of a run still writing into the
//! same folder are left alone.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// The writer's process id of a temporary-file name, if it is one of ours.
fn temp_pid(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    let rest = &name[name.rfind(".tmp-")? + ".tmp-".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn writer_gone(pid: u32, path: &Path) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let proc_fs = Path::new("/proc/self");
    if proc_fs.exists() {
        return !Path::new(&format!("/proc/{pid}")).exists();
    }
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > Duration::from_secs(3600))
}

/// Removes stale temporary files of interrupted runs from `dir` and
/// `dir/charts`; returns how many were removed. Errors are ignored: a file
/// that cannot be removed is left for the next run.
pub fn remove_stale_temps(dir: &Path) -> usize {
    let mut removed = 0;
    for d in [dir.to_path_buf(), dir.join("charts")] {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if let Some(pid) = temp_pid(&name).filter(|_| is_file) {
                if writer_gone(pid, &path) && std::fs::remove_file(&path).is_ok() {
                    removed += 1;
                }
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_both_temp_name_forms() {
        assert_eq!(temp_pid(".summary.json.tmp-4242"), Some(4242));
        assert_eq!(temp_pid(".throughput.tmp-17-3.png"), Some(17));
        assert_eq!(temp_pid("summary.json"), None);
        assert_eq!(temp_pid(".hidden"), None);
        assert_eq!(temp_pid("x.tmp-12"), None);
    }

    #[test]
    fn removes_temps_of_dead_writers_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let charts = dir.path().join("charts");
        std::fs::create_dir_all(&charts).expect("mkdir");
        // A pid above the kernel's maximum (2^22) never belongs to a live process.
        let dead = 4_194_305 + 17;
        let stale = [
            dir.path().join(format!(".summary.json.tmp-{dead}")),
            charts.join(format!(".fct.tmp-{dead}-0.png")),
        ];
        let ours = dir
            .path()
            .join(format!(".bill.csv.tmp-{}", std::process::id()));
        let output = dir.path().join("summary.json");
        for p in stale.iter().chain([&ours, &output]) {
            std::fs::write(p, b"x").expect("write");
        }
        let removed = remove_stale_temps(dir.path());
        if Path::new("/proc/self").exists() {
            assert_eq!(removed, 2);
            assert!(stale.iter().all(|p| !p.exists()));
        }
        // Our own temporary file (a write in progress) and real outputs stay.
        assert!(ours.exists() && output.exists());
    }
}
