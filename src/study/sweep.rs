//! Running a study: every (variant × sweep point × replication) in
//! parallel, each reduced to its row as soon as it finishes; shards and
//! merging.
//!
//! Outputs of `sweep` (folder `out`):
//!
//! | file | content |
//! | --- | --- |
//! | `points/<point>/summary.json`, `connectivity.csv`, `bill.csv`, `timeseries.csv` | the run of each point |
//! | `points/<point>/row.json` | the point's row (what `merge` reads) |
//! | `shards/shard-<i>-of-<n>.json` | which points this shard ran, and the study's fingerprint |
//! | `study.csv`, `study.json` | one row per point, sorted by point id (unsharded runs and `merge`) |
//! | `study-stats.csv` | mean and 95% CI over replications (when there are several) |

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::pipeline;
use crate::report;
use crate::results::RunResult;
use crate::sim;

use super::expand::{in_shard, loaded_for, points, Point};
use super::load::replication_count;
use super::row::{read_study_json, stats_csv, study_csv, study_json, Row, StudyInfo};
use super::spec::LoadedStudy;
use super::StudyError;

/// How to run a sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Output folder.
    pub out: PathBuf,
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// Run only shard `i` of `n` (points whose index % n == i).
    pub shard: Option<(usize, usize)>,
    /// Hide the progress bar.
    pub quiet: bool,
    /// Write each point's run outputs under `points/` (row.json is always
    /// written).
    pub point_outputs: bool,
}

/// What a sweep did.
#[derive(Debug, Clone)]
pub struct SweepReport {
    /// Points of the whole study.
    pub total_points: usize,
    /// The rows of the points this run ran, in point order.
    pub rows: Vec<Row>,
    /// Files written at the top of the output folder.
    pub files: Vec<PathBuf>,
}

/// Parses `--shard I/N`.
pub fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("--shard {s:?}: write it as I/N, e.g. 0/4"))?;
    let i: usize = i
        .trim()
        .parse()
        .map_err(|_| format!("--shard {s:?}: I is not a whole number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("--shard {s:?}: N is not a whole number"))?;
    if n == 0 || i >= n {
        return Err(format!(
            "--shard {s:?}: need 0 ≤ I < N (shards are numbered from 0)"
        ));
    }
    Ok((i, n))
}

/// The study header written into `study.json`.
pub fn study_info(ls: &LoadedStudy, total: usize) -> StudyInfo {
    let s = &ls.study;
    StudyInfo {
        study: s.name.clone(),
        description: s.description.clone(),
        seed: s.seed,
        axes: s.sweep.iter().map(|a| a.name().to_string()).collect(),
        variants: if s.variants.is_empty() {
            vec!["base".to_string()]
        } else {
            s.variants.iter().map(|v| v.name.clone()).collect()
        },
        replications: replication_count(s),
        points: total,
    }
}

/// A fingerprint of the study and its base: shards of different studies
/// (or of an edited study) refuse to merge.
pub fn fingerprint(ls: &LoadedStudy) -> String {
    let text = format!(
        "{}\n{}",
        serde_json::to_string(&ls.study).unwrap_or_default(),
        serde_json::to_string(&ls.base).unwrap_or_default()
    );
    format!("{:016x}", crate::engine::source_id(&text))
}

/// Consumers generated at a point (sum over templates) and AZs per
/// consumer of the first template.
fn coordinates(ls: &LoadedStudy, p: &Point) -> (Option<u32>, Option<u32>) {
    let t = &ls.study.templates;
    if t.is_empty() {
        return (None, None);
    }
    let consumers = t.iter().map(|t| p.consumers.unwrap_or(t.count)).sum();
    let azs = p
        .azs
        .or(t[0].az_count)
        .unwrap_or(t[0].azs.len() as u32)
        .min(t[0].azs.len() as u32);
    (Some(consumers), Some(azs))
}

/// Runs one point and returns its full result (tests, `compare`).
pub fn run_point(ls: &LoadedStudy, p: &Point) -> Result<RunResult, StudyError> {
    let loaded = loaded_for(ls, p)?;
    pipeline::run(
        &loaded,
        &sim::RunOptions {
            quiet: true,
            ..Default::default()
        },
    )
    .map_err(|source| StudyError::Run {
        point: p.id.clone(),
        source: Box::new(source),
    })
}

/// Runs one point and reduces it to its row; writes its outputs if `dir`.
pub fn point_row(ls: &LoadedStudy, p: &Point, dir: Option<&Path>) -> Result<Row, StudyError> {
    let result = run_point(ls, p)?;
    let (consumers, azs) = coordinates(ls, p);
    let row = Row::from_run(p, &result, consumers, azs);
    if let Some(dir) = dir {
        let d = dir.join("points").join(&p.id);
        report::write_atomic(
            &d.join("summary.json"),
            report::summary_json(&result)?.as_bytes(),
        )?;
        report::write_atomic(
            &d.join("connectivity.csv"),
            report::connectivity_csv(&result)?.as_bytes(),
        )?;
        report::write_atomic(&d.join("bill.csv"), report::bill_csv(&result)?.as_bytes())?;
        report::write_atomic(
            &d.join("timeseries.csv"),
            report::timeseries_csv(&result)?.as_bytes(),
        )?;
    }
    Ok(row)
}

fn write_row(dir: &Path, fingerprint: &str, row: &Row) -> Result<(), StudyError> {
    let text = super::trust::row_text(fingerprint, row).map_err(|e| StudyError::Encode {
        what: "row.json".to_string(),
        message: e.to_string(),
    })?;
    report::write_atomic(
        &dir.join("points").join(&row.point).join("row.json"),
        text.as_bytes(),
    )?;
    Ok(())
}

fn progress(len: usize, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(&progress_template(len))
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr()).with_style(style)
}

/// The progress bar's template: `3/40 points`, or `0/1 point` for a
/// one-point study.
fn progress_template(len: usize) -> String {
    let noun = if len == 1 { "point" } else { "points" };
    format!("{{spinner}} [{{bar:40}}] {{pos}}/{{len}} {noun} {{msg}} (eta {{eta}})")
}

/// Runs `selected` points on a pool of `jobs` threads, each reduced to its
/// row as it finishes; rows come back in point order.
pub fn run_points(
    ls: &LoadedStudy,
    selected: &[Point],
    jobs: usize,
    quiet: bool,
    out: Option<&Path>,
    point_outputs: bool,
) -> Result<Vec<Row>, StudyError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| StudyError::Pool(e.to_string()))?;
    let bar = progress(selected.len(), quiet);
    let fp = fingerprint(ls);
    let results: Vec<Result<Row, StudyError>> = pool.install(|| {
        selected
            .par_iter()
            .map(|p| {
                let r = point_row(ls, p, out.filter(|_| point_outputs)).and_then(|row| {
                    if let Some(dir) = out {
                        write_row(dir, &fp, &row)?;
                    }
                    Ok(row)
                });
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();
    let mut rows = Vec::with_capacity(results.len());
    let mut failures = Vec::new();
    for r in results {
        match r {
            Ok(row) => rows.push(row),
            Err(e) => failures.push(e.to_string()),
        }
    }
    if !failures.is_empty() {
        return Err(StudyError::Points {
            failed: failures.len(),
            of: selected.len(),
            messages: failures,
        });
    }
    rows.sort_by_key(|r| r.index);
    Ok(rows)
}

/// The shard manifest: which points a shard ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardManifest {
    pub fingerprint: String,
    pub shard: (usize, usize),
    #[serde(flatten)]
    pub info: StudyInfo,
    /// Ids of the points this shard ran, in order.
    pub ran: Vec<String>,
}

/// Writes `study.csv`, `study.json` and (with replications)
/// `study-stats.csv` into `out`.
pub fn write_tables(
    out: &Path,
    info: &StudyInfo,
    rows: &[Row],
) -> Result<Vec<PathBuf>, StudyError> {
    let mut files = Vec::new();
    let csv = out.join("study.csv");
    report::write_atomic(&csv, study_csv(rows)?.as_bytes())?;
    files.push(csv);
    let json = out.join("study.json");
    report::write_atomic(&json, study_json(info, rows)?.as_bytes())?;
    files.push(json);
    if info.replications > 1 {
        let st = out.join("study-stats.csv");
        report::write_atomic(&st, stats_csv(rows)?.as_bytes())?;
        files.push(st);
    }
    Ok(files)
}

/// Runs a study (or one shard of it) and writes its outputs.
pub fn sweep(ls: &LoadedStudy, opts: &SweepOptions) -> Result<SweepReport, StudyError> {
    let all = points(ls);
    let total = all.len();
    let shard = opts.shard.unwrap_or((0, 1));
    let selected: Vec<Point> = all
        .into_iter()
        .filter(|p| in_shard(p.index, shard))
        .collect();
    // What a point's run would refuse (an invalid generated scenario, a
    // file it cannot read, a cap it exceeds, trace rows included) fails
    // the sweep before the pool starts, as `validate` reports it.
    super::load::check_selected(ls, &selected)?;
    let rows = run_points(
        ls,
        &selected,
        opts.jobs,
        opts.quiet,
        Some(&opts.out),
        opts.point_outputs,
    )?;
    let info = study_info(ls, total);
    let manifest = ShardManifest {
        fingerprint: fingerprint(ls),
        shard,
        info: info.clone(),
        ran: rows.iter().map(|r| r.point.clone()).collect(),
    };
    let mut files = Vec::new();
    let mpath = opts
        .out
        .join("shards")
        .join(format!("shard-{}-of-{}.json", shard.0, shard.1));
    let mut text = serde_json::to_string_pretty(&manifest).map_err(|e| StudyError::Encode {
        what: "shard manifest".to_string(),
        message: e.to_string(),
    })?;
    text.push('\n');
    report::write_atomic(&mpath, text.as_bytes())?;
    files.push(mpath);
    if shard.1 == 1 {
        files.extend(write_tables(&opts.out, &info, &rows)?);
    }
    Ok(SweepReport {
        total_points: total,
        rows,
        files,
    })
}

/// Combines the outputs of shards (folders written by `sweep --shard`) into
/// the study tables a single run gives. Every point must be present once
/// (a point present in two folders must have identical rows).
pub fn merge(
    dirs: &[PathBuf],
    out: &Path,
) -> Result<(StudyInfo, Vec<Row>, Vec<PathBuf>), StudyError> {
    let err = |m: String| StudyError::Merge { message: m };
    let mut found: Option<(String, StudyInfo)> = None;
    let mut rows: BTreeMap<usize, (Row, PathBuf)> = BTreeMap::new();
    let mut manifests = 0;
    for dir in dirs {
        let sdir = dir.join("shards");
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&sdir)
            .map_err(|e| {
                err(format!(
                    "{}: no shard manifests ({e}); pass folders written by `vpcsim sweep`",
                    sdir.display()
                ))
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        entries.sort();
        for m in entries {
            let text = crate::input::read_text(&m, crate::input::Kind::ShardManifest)?;
            let man: ShardManifest = serde_json::from_str(&text)
                .map_err(|e| err(format!("{}: not a shard manifest: {e}", m.display())))?;
            super::trust::check_manifest(&man, &m).map_err(err)?;
            manifests += 1;
            match &found {
                None => found = Some((man.fingerprint.clone(), man.info.clone())),
                Some((fp, info)) => {
                    if *fp != man.fingerprint || *info != man.info {
                        return Err(err(format!(
                            "{}: shard of study {:?} (fingerprint {}), but earlier shards are of {:?} (fingerprint {fp}); merge shards of one study file, unchanged between shards",
                            m.display(),
                            man.info.study,
                            man.fingerprint,
                            info.study
                        )));
                    }
                }
            }
            for id in &man.ran {
                let rp = dir.join("points").join(id).join("row.json");
                let text = crate::input::read_text(&rp, crate::input::Kind::Row)?;
                let row = super::trust::parse_row(&text, &rp, id, &man).map_err(err)?;
                if let Some((prev, at)) = rows.get(&row.index) {
                    if *prev != row {
                        return Err(err(format!(
                            "point {} differs between {} and {}",
                            row.point,
                            at.display(),
                            rp.display()
                        )));
                    }
                    continue;
                }
                rows.insert(row.index, (row, rp));
            }
        }
    }
    let Some((_, info)) = found else {
        return Err(err(
            "no shard manifests found in the folders given".to_string()
        ));
    };
    let missing: Vec<usize> = (0..info.points).filter(|i| !rows.contains_key(i)).collect();
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(8).map(|i| i.to_string()).collect();
        return Err(err(format!(
            "{} of {} missing (indices {}{}) after reading {manifests} shard manifest(s); run the missing shards, then merge again",
            missing.len(),
            crate::report::human::count(info.points as u64, "point"),
            shown.join(", "),
            if missing.len() > 8 { ", …" } else { "" }
        )));
    }
    let rows: Vec<Row> = rows.into_values().map(|(r, _)| r).collect();
    let files = write_tables(out, &info, &rows)?;
    Ok((info, rows, files))
}

/// Reads the rows of a finished sweep (its `study.json`).
pub fn read_sweep_dir(dir: &Path) -> Result<(StudyInfo, Vec<Row>), StudyError> {
    let p = dir.join("study.json");
    let text = match crate::input::read_text(&p, crate::input::Kind::StudyTable) {
        Ok(t) => t,
        Err(crate::input::InputError::Io { source, .. }) => {
            return Err(StudyError::Merge {
                message: format!(
                    "{}: cannot read ({source}); run `vpcsim sweep` (or `vpcsim merge`) first",
                    p.display()
                ),
            })
        }
        Err(e) => return Err(e.into()),
    };
    read_study_json(&text, &p.display().to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_progress_bar_counts_one_point_in_the_singular() {
        assert!(super::progress_template(1).contains("{pos}/{len} point {msg}"));
        assert!(super::progress_template(40).contains("{pos}/{len} points {msg}"));
        // Both are templates indicatif accepts.
        for len in [1, 40] {
            assert!(
                indicatif::ProgressStyle::with_template(&super::progress_template(len)).is_ok()
            );
        }
    }
}
