//! The `vpcsim` command line: arguments → library calls → exit code.
//!
//! Exit codes: 0 ok; 1 a check or an expectation failed; 2 bad input or usage.
//! Results go to stdout, progress and errors to stderr.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use vpcsim::load;
use vpcsim::results::RunResult;
use vpcsim::{check, explain, pipeline, report, sim, study, units::SimDuration};

mod cli_import;

#[derive(Parser)]
#[command(
    name = "vpcsim",
    version,
    about = "Deterministic simulator of the AWS VPC / PrivateLink fabric: bandwidth, cost and connectivity"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check scenario and study files; exit 0 if all are valid, 2 otherwise.
    Validate {
        /// Scenario or study files (.ron); a study's every point is checked.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Run a scenario and write its outputs.
    Run {
        /// Scenario file (.ron).
        scenario: PathBuf,
        /// Output folder (default: output/<scenario name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Hide the progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// What to print on stdout.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Scale the bill of the simulated window to a 730-hour month.
        #[arg(long)]
        project_month: bool,
        /// Price with this pricebook file instead of the scenario's.
        #[arg(long)]
        pricebook: Option<PathBuf>,
        /// Pricing rule set: faq (the PrivateLink FAQ's rules, the default) or
        /// current (today's AWS rules); replaces the scenario's `rules`.
        #[arg(long, value_name = "SET")]
        rules: Option<String>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Explain one connection hop by hop: outcome, reason, and what to change.
    Explain(ExplainArgs),
    /// Run every point of a study (variants × sweep axes × replications).
    Sweep(SweepArgs),
    /// Combine the outputs of sharded sweeps into the study tables.
    Merge(MergeArgs),
    /// Compare the variants of a study, or scenario files, side by side.
    Compare(CompareArgs),
    /// Rerun a scenario and compare it with a committed baseline summary.json;
    /// exit 1 when a metric moved beyond tolerance or an expectation fails.
    Check(CheckArgs),
    /// Write a scenario from an existing estate: a Terraform plan or state,
    /// AWS describe output, or VPC Flow Logs (traffic).
    #[command(subcommand)]
    Import(cli_import::ImportCommand),
    /// Run a scenario and write the summary.json to commit as its baseline.
    Baseline {
        /// Scenario file (.ron).
        scenario: PathBuf,
        /// Where to write the baseline (e.g. scenarios/x.baseline.json).
        #[arg(long)]
        out: PathBuf,
        /// Replace the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Hide the progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Pricing rule set: faq (the PrivateLink FAQ's rules, the default) or
        /// current (today's AWS rules); replaces the scenario's `rules`.
        #[arg(long, value_name = "SET")]
        rules: Option<String>,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

#[derive(clap::Args)]
struct SweepArgs {
    /// Study file (.ron).
    study: PathBuf,
    /// Output folder (default: output/<study name>/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: the number of CPUs).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Run only shard I of N (points whose index % N == I), e.g. 0/4.
    #[arg(long)]
    shard: Option<String>,
    /// Hide the progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Write only each point's row, not its summary.json and CSV files.
    #[arg(long)]
    rows_only: bool,
    /// Pricing rule set for every point (faq or current); replaces the
    /// scenario's and every variant's `rules`.
    #[arg(long, value_name = "SET")]
    rules: Option<String>,
}

#[derive(clap::Args)]
struct MergeArgs {
    /// Folders written by `vpcsim sweep --shard`.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Where to write study.csv and study.json.
    #[arg(long)]
    out: PathBuf,
}

#[derive(clap::Args)]
struct CompareArgs {
    /// A study file, a sweep output folder, or scenario files.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Also write the table (and, for studies, charts) into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Table format on stdout (and in the file written under --out).
    #[arg(long, value_enum, default_value_t = CompareFormat::Text)]
    format: CompareFormat,
    /// Worker threads (default: the number of CPUs).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Hide the progress bar.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Scenario file (.ron).
    scenario: PathBuf,
    /// The committed summary.json to compare with (see `vpcsim baseline`).
    #[arg(long)]
    baseline: PathBuf,
    /// Relative tolerance of every numeric metric (0.05 = 5%; default exact).
    #[arg(long, value_name = "X")]
    rel_tol: Option<f64>,
    /// Absolute tolerance of money metrics, in dollars (default exact).
    #[arg(long, value_name = "Y")]
    abs_tol_usd: Option<String>,
    /// Per-metric tolerances (RON: Tolerances(rules: [Rule(metric: "cost.*", rel: 0.05)])).
    #[arg(long, value_name = "FILE")]
    tolerances: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
    /// Also write a JUnit XML report (one test case per metric).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write the run's outputs to this folder (a fresh baseline is its summary.json).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Hide the progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Pricing rule set: faq (the PrivateLink FAQ's rules, the default) or
    /// current (today's AWS rules); replaces the scenario's `rules`.
    #[arg(long, value_name = "SET")]
    rules: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CompareFormat {
    Text,
    Markdown,
    Csv,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Text,
    Markdown,
    Json,
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// Scenario file (.ron).
    scenario: PathBuf,
    /// Explain a traffic class (its source, target, port and request).
    #[arg(long)]
    traffic: Option<String>,
    /// Source: a workload or site name.
    #[arg(long)]
    from: Option<String>,
    /// Target: a service, endpoint, workload or site name, s3, dynamodb,
    /// internet, or a DNS name (kind:name disambiguates, e.g. service:orders).
    #[arg(long)]
    to: Option<String>,
    /// DNS name used for services and endpoints: regional, zonal, zonal:<az-id>.
    #[arg(long)]
    dns: Option<String>,
    /// Destination port (default: the class's, else 443).
    #[arg(long)]
    port: Option<u16>,
    /// Simulated instant, e.g. "2h" (default 0).
    #[arg(long, default_value = "0s")]
    at: String,
    /// Which instance of the source workload (or host of the site).
    #[arg(long, default_value_t = 0)]
    instance: usize,
    /// Replace the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Price the cost trace with this pricebook file instead of the scenario's.
    #[arg(long)]
    pricebook: Option<PathBuf>,
    /// Pricing rule set: faq (the PrivateLink FAQ's rules, the default) or
    /// current (today's AWS rules); replaces the scenario's `rules`.
    #[arg(long, value_name = "SET")]
    rules: Option<String>,
    /// What to print: the hops as text, or the same trace as JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Refuse scenarios with more entities (instances, hosts, ENIs, ...).
    #[arg(long, value_name = "N", default_value_t = vpcsim::limits::DEFAULT_MAX_ENTITIES)]
    max_entities: u64,
}

/// Caps checked before a run starts (docs/reliability.md).
#[derive(clap::Args)]
struct LimitArgs {
    /// Refuse scenarios with more entities (instances, hosts, ENIs, ...).
    #[arg(long, value_name = "N", default_value_t = vpcsim::limits::DEFAULT_MAX_ENTITIES)]
    max_entities: u64,
    /// Refuse runs expected to open more connections.
    #[arg(long, value_name = "N", default_value_t = vpcsim::limits::DEFAULT_MAX_CONNECTIONS)]
    max_connections: u64,
    /// Refuse runs whose time series would have more rows.
    #[arg(long, value_name = "N", default_value_t = vpcsim::limits::DEFAULT_MAX_TIMESERIES_ROWS)]
    max_timeseries_rows: u64,
    /// Refuse scenarios with more traffic classes.
    #[arg(long, value_name = "N", default_value_t = vpcsim::limits::DEFAULT_MAX_TRAFFIC_CLASSES)]
    max_traffic_classes: u64,
    /// Stop with an error past this many events.
    #[arg(long, value_name = "N", default_value_t = vpcsim::limits::DEFAULT_MAX_EVENTS)]
    max_events: u64,
}

impl LimitArgs {
    /// Run options with these caps.
    fn run_options(&self, seed: Option<u64>, quiet: bool) -> sim::RunOptions {
        sim::RunOptions {
            seed,
            quiet,
            limits: vpcsim::limits::Limits {
                max_entities: self.max_entities,
                max_connections: self.max_connections,
                max_timeseries_rows: self.max_timeseries_rows,
                max_traffic_classes: self.max_traffic_classes,
                max_events: self.max_events,
            },
            ..Default::default()
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// An error with the exit code it maps to.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn input(e: impl std::fmt::Display) -> Self {
        Failure {
            code: 2,
            message: e.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let mut out = std::io::stdout().lock();
    let result = match cli.command {
        Command::Validate { scenarios } => validate(&mut out, &scenarios),
        Command::Run {
            scenario,
            out: dir,
            seed,
            quiet,
            format,
            project_month,
            pricebook,
            rules,
            limits,
        } => run(
            &mut out,
            &scenario,
            dir,
            format,
            load::LoadOptions {
                pricebook: pricebook.as_deref(),
                rules: rules.as_deref(),
                ..Default::default()
            },
            sim::RunOptions {
                project_month,
                ..limits.run_options(seed, quiet)
            },
        ),
        Command::Explain(args) => explain(&mut out, &args),
        Command::Sweep(args) => sweep(&mut out, &args),
        Command::Merge(args) => merge(&mut out, &args),
        Command::Compare(args) => compare(&mut out, &args),
        Command::Check(args) => check(&mut out, &args),
        Command::Import(cmd) => cli_import::run(&cmd)
            .map_err(Failure::input)
            .and_then(|text| emit(&mut out, &text).map(|_| 0)),
        Command::Baseline {
            scenario,
            out: file,
            seed,
            quiet,
            rules,
            limits,
        } => baseline(
            &mut out,
            &scenario,
            &file,
            rules.as_deref(),
            &limits.run_options(seed, quiet),
        ),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// A failed run of the scenario file `path`: a cap it exceeds is reported
/// naming the file, in the words `validate` uses.
fn run_failure(path: &Path, e: sim::RunError) -> Failure {
    match e {
        sim::RunError::Limit(l) => Failure::input(vpcsim::limits::in_file(path, &l)),
        other => Failure::input(other),
    }
}

/// Writes to stdout, treating a closed pipe (`vpcsim ... | head`) as success.
fn emit(out: &mut impl Write, text: &str) -> Result<(), Failure> {
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::input(format!("cannot write to stdout: {e}"))),
    }
}

fn validate(out: &mut impl Write, files: &[PathBuf]) -> Result<u8, Failure> {
    let mut bad = 0;
    for f in files {
        if study::looks_like_study(f) {
            let checked = study::load_file(f).and_then(|ls| {
                let n = study::check_points(&ls)?;
                Ok((ls.study.name.clone(), n))
            });
            match checked {
                Ok((name, n)) => emit(
                    out,
                    &format!(
                        "{}: ok (study {name:?}, {} checked)\n",
                        f.display(),
                        report::human::count(n as u64, "point")
                    ),
                )?,
                Err(e) => {
                    bad += 1;
                    eprintln!("error: {e}");
                }
            }
            continue;
        }
        // What `run` checks before simulating, with the default caps.
        let checked = load::load_file(f).map_err(|e| e.to_string()).and_then(|s| {
            vpcsim::limits::check_loaded(&s, &vpcsim::limits::Limits::default())
                .map(|_| s)
                .map_err(|e| vpcsim::limits::in_file(f, &e))
        });
        match checked {
            Ok(s) => emit(
                out,
                &format!("{}: ok (scenario {:?})\n", f.display(), s.scenario().name),
            )?,
            Err(e) => {
                bad += 1;
                eprintln!("error: {e}");
            }
        }
    }
    if bad > 0 {
        eprintln!(
            "{bad} of {} file{} invalid",
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        );
        Ok(2)
    } else {
        Ok(0)
    }
}

fn run(
    out: &mut impl Write,
    path: &Path,
    dir: Option<PathBuf>,
    format: Format,
    load: load::LoadOptions,
    opts: sim::RunOptions,
) -> Result<u8, Failure> {
    let loaded = pipeline::load(path, &load).map_err(Failure::input)?;
    let started = std::time::Instant::now();
    let result = pipeline::run(&loaded, &opts).map_err(|e| run_failure(path, e))?;
    let wall = started.elapsed();
    let dir = dir.unwrap_or_else(|| PathBuf::from("output").join(&loaded.scenario().name));
    let files = pipeline::write(&dir, &result).map_err(Failure::input)?;
    match format {
        Format::Json => emit(out, &report::summary_json(&result).map_err(Failure::input)?)?,
        Format::Text => {
            let mut text = report::text_summary(&result);
            text.push_str(&format!(
                "outputs: {} ({} files)\nreport: {}\n",
                dir.display(),
                files.len(),
                dir.join("report.html").display()
            ));
            emit(out, &text)?;
        }
    }
    if !opts.quiet {
        eprintln!("wall time {:.2}s", wall.as_secs_f64());
    }
    Ok(expectations_verdict(&result))
}

fn explain(out: &mut impl Write, a: &ExplainArgs) -> Result<u8, Failure> {
    let load = load::LoadOptions {
        pricebook: a.pricebook.as_deref(),
        rules: a.rules.as_deref(),
        ..Default::default()
    };
    let loaded = pipeline::load(&a.scenario, &load).map_err(Failure::input)?;
    let at = SimDuration::parse(&a.at).map_err(|e| Failure::input(format!("--at: {e}")))?;
    let q = explain::ExplainQuery {
        traffic: a.traffic.clone(),
        from: a.from.clone(),
        to: a.to.clone(),
        dns: a.dns.clone(),
        port: a.port,
        at,
        instance: a.instance,
        max_entities: Some(a.max_entities),
    };
    let e = explain::explain(&loaded, &q, a.seed).map_err(Failure::input)?;
    let text = match a.format {
        Format::Text => explain::render_text(&e),
        Format::Json => {
            let mut j = serde_json::to_string_pretty(&e).map_err(Failure::input)?;
            j.push('\n');
            j
        }
    };
    emit(out, &text)?;
    Ok(0)
}

fn default_jobs(jobs: Option<usize>) -> Result<usize, Failure> {
    match jobs {
        Some(0) => Err(Failure::input("--jobs must be at least 1")),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)),
    }
}

fn sweep(out: &mut impl Write, a: &SweepArgs) -> Result<u8, Failure> {
    let mut ls = study::load_file(&a.study).map_err(Failure::input)?;
    if let Some(r) = &a.rules {
        ls.force_rules(r);
    }
    let shard = match &a.shard {
        Some(s) => Some(study::parse_shard(s).map_err(Failure::input)?),
        None => None,
    };
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&ls.study.name));
    let opts = study::SweepOptions {
        out: dir.clone(),
        jobs: default_jobs(a.jobs)?,
        shard,
        quiet: a.quiet,
        point_outputs: !a.rows_only,
    };
    let started = std::time::Instant::now();
    let rep = study::sweep(&ls, &opts).map_err(Failure::input)?;
    let mut text = format!(
        "study {}: {} of {} run{}\n",
        ls.study.name,
        rep.rows.len(),
        report::human::count(rep.total_points as u64, "point"),
        match shard {
            Some((i, n)) => format!(" (shard {i}/{n})"),
            None => String::new(),
        }
    );
    for f in &rep.files {
        text.push_str(&format!("wrote {}\n", f.display()));
    }
    let variants = study::study_info(&ls, rep.total_points).variants;
    text.push('\n');
    text.push_str(&study::compare::variant_overview(&rep.rows, &variants));
    text.push('\n');
    if shard.is_some_and(|(_, n)| n > 1) {
        text.push_str(&format!(
            "merge the shards with: vpcsim merge {} --out {}\n",
            dir.display(),
            dir.display()
        ));
    } else {
        text.push_str(&format!(
            "next, the variants side by side with charts:\n  vpcsim compare {} --out {}\n",
            dir.display(),
            dir.join("compare").display()
        ));
    }
    emit(out, &text)?;
    if !a.quiet {
        eprintln!("wall time {:.2}s", started.elapsed().as_secs_f64());
    }
    Ok(0)
}

fn merge(out: &mut impl Write, a: &MergeArgs) -> Result<u8, Failure> {
    let (info, rows, files) = study::merge(&a.dirs, &a.out).map_err(Failure::input)?;
    let mut text = format!(
        "study {}: merged {} of {}\n",
        info.study,
        rows.len(),
        report::human::count(info.points as u64, "point")
    );
    for f in &files {
        text.push_str(&format!("wrote {}\n", f.display()));
    }
    emit(out, &text)?;
    Ok(0)
}

fn compare(out: &mut impl Write, a: &CompareArgs) -> Result<u8, Failure> {
    use study::compare::{self, Format as F};
    let format = match a.format {
        CompareFormat::Text => F::Text,
        CompareFormat::Markdown => F::Markdown,
        CompareFormat::Csv => F::Csv,
        CompareFormat::Json => F::Json,
    };
    let input = compare::classify(&a.inputs).map_err(Failure::input)?;
    let c = compare::collect(&input, default_jobs(a.jobs)?, a.quiet).map_err(Failure::input)?;
    let t = compare::table(&c);
    emit(out, &compare::render(&t, format).map_err(Failure::input)?)?;
    if let Some(dir) = &a.out {
        let files = compare::write(dir, &c, &t, format).map_err(Failure::input)?;
        for f in files {
            eprintln!("wrote {}", f.display());
        }
    }
    Ok(0)
}

/// Exit code of a run's expectations: 0 when all pass, 1 (after saying which
/// failed on stderr) otherwise.
fn expectations_verdict(result: &RunResult) -> u8 {
    let failed: Vec<_> = result
        .summary
        .expectations
        .iter()
        .filter(|e| !e.passed)
        .collect();
    for e in &failed {
        eprintln!(
            "expectation failed: {}: actual {} (limit {}) — {}",
            e.expectation, e.actual, e.limit, e.detail
        );
    }
    if failed.is_empty() {
        0
    } else {
        eprintln!(
            "{} of {} failed",
            failed.len(),
            report::human::count(result.summary.expectations.len() as u64, "expectation")
        );
        1
    }
}

fn baseline(
    out: &mut impl Write,
    path: &Path,
    file: &Path,
    rules: Option<&str>,
    opts: &sim::RunOptions,
) -> Result<u8, Failure> {
    let load = load::LoadOptions {
        rules,
        ..Default::default()
    };
    let loaded = pipeline::load(path, &load).map_err(Failure::input)?;
    let result = pipeline::run(&loaded, opts).map_err(|e| run_failure(path, e))?;
    let json = report::summary_json(&result).map_err(Failure::input)?;
    report::write_atomic(file, json.as_bytes()).map_err(Failure::input)?;
    let s = &result.summary;
    emit(
        out,
        &format!(
            "{}: baseline of {} (seed {}, pricebook {} {}, ${} per month, {})\n",
            file.display(),
            s.scenario,
            s.seed,
            s.cost.pricebook,
            s.cost.pricebook_version,
            s.cost.monthly_total_usd,
            report::human::count(s.expectations.len() as u64, "expectation")
        ),
    )?;
    Ok(expectations_verdict(&result))
}

fn check(out: &mut impl Write, a: &CheckArgs) -> Result<u8, Failure> {
    // Bad input is reported before the (possibly long) run.
    let load = load::LoadOptions {
        rules: a.rules.as_deref(),
        ..Default::default()
    };
    let loaded = pipeline::load(&a.scenario, &load).map_err(Failure::input)?;
    let scenario_file = loaded.scenario();
    let base = check::Snapshot::load_file(&a.baseline).map_err(Failure::input)?;
    let mut tol = match &a.tolerances {
        Some(f) => check::Tolerances::load_file(f).map_err(Failure::input)?,
        None => check::Tolerances::default(),
    };
    if let Some(r) = a.rel_tol {
        if !(r.is_finite() && r >= 0.0) {
            return Err(Failure::input(format!(
                "--rel-tol {r}: expected a fraction ≥ 0 (0.05 = 5%)"
            )));
        }
        tol.rel = Some(r);
    }
    if let Some(u) = &a.abs_tol_usd {
        tol.abs_usd = Some(
            vpcsim::units::Usd::parse(u)
                .map_err(|e| Failure::input(format!("--abs-tol-usd: {e}")))?,
        );
    }
    if base.scenario != scenario_file.name {
        return Err(Failure::input(check::CheckError::ScenarioMismatch {
            file: a.baseline.display().to_string(),
            baseline: base.scenario.clone(),
            scenario: scenario_file.name.clone(),
        }));
    }
    let result = pipeline::run(&loaded, &a.limits.run_options(a.seed, a.quiet))
        .map_err(|e| run_failure(&a.scenario, e))?;
    if let Some(dir) = &a.out {
        pipeline::write(dir, &result).map_err(Failure::input)?;
    }
    let now = check::Snapshot::from_summary(&result.summary).map_err(Failure::input)?;
    let rep = check::compare(&base, &now, &tol, &a.baseline.display().to_string())
        .map_err(Failure::input)?;
    if let Some(f) = &a.junit {
        report::write_atomic(f, check::junit::render(&rep).as_bytes()).map_err(Failure::input)?;
    }
    let text = match a.format {
        CheckFormat::Text => check::text::render(&rep),
        CheckFormat::Markdown => check::markdown::render(&rep),
        CheckFormat::Json => check::json::render(&rep).map_err(Failure::input)?,
    };
    emit(out, &text)?;
    if rep.passed {
        Ok(0)
    } else {
        let names: Vec<&str> = rep.failures().map(|m| m.metric.as_str()).collect();
        const SHOWN: usize = 8;
        let more = names.len().saturating_sub(SHOWN);
        eprintln!(
            "check failed: {} metric{} beyond tolerance or failing: {}{}",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            names[..names.len().min(SHOWN)].join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        Ok(1)
    }
}

#[cfg(test)]
mod tests {
    use super::{Cli, Command};
    use clap::{CommandFactory, Parser};
    use vpcsim::limits::{self, Limits, CAP_COMMANDS};

    /// Every `--flag N` a message suggests.
    fn suggested_flags(message: &str) -> Vec<(String, String)> {
        let words: Vec<&str> = message.split_whitespace().collect();
        words
            .windows(2)
            .filter(|w| w[0].starts_with("--"))
            .map(|w| {
                (
                    w[0].to_string(),
                    w[1].trim_end_matches([',', ';', ')']).to_string(),
                )
            })
            .collect()
    }

    /// The commands [`CAP_COMMANDS`] names, as command lines missing only
    /// the suggested flag.
    fn cap_command_lines() -> Vec<Vec<&'static str>> {
        let names = CAP_COMMANDS
            .strip_prefix("vpcsim ")
            .expect("CAP_COMMANDS starts with vpcsim")
            .split([',', ' '])
            .filter(|w| !w.is_empty() && *w != "or");
        names
            .map(|name| match name {
                "run" => vec!["vpcsim", "run", "s.ron"],
                "check" => vec!["vpcsim", "check", "s.ron", "--baseline", "b.json"],
                "baseline" => vec!["vpcsim", "baseline", "s.ron", "--out", "b.json"],
                other => panic!("CAP_COMMANDS names {other:?}: add its command line here"),
            })
            .collect()
    }

    /// Each cap's hint (and the engine's event-budget hint) names a flag
    /// with a value that every command it names accepts, and the parsed
    /// value is the suggested one.
    #[test]
    fn every_cap_hint_parses_with_the_real_command_line() {
        let text = include_str!("../tests/fixtures/good/minimal.ron");
        let s = vpcsim::load::load_str(text, "minimal.ron").expect("valid");
        let tight = [
            Limits {
                max_entities: 1,
                ..Limits::default()
            },
            Limits {
                max_connections: 1,
                ..Limits::default()
            },
            Limits {
                max_timeseries_rows: 1,
                ..Limits::default()
            },
            Limits {
                max_traffic_classes: 0,
                ..Limits::default()
            },
        ];
        let mut messages: Vec<String> = tight
            .iter()
            .map(|l| limits::check_loaded(&s, l).expect_err("over").to_string())
            .collect();
        messages.push(
            limits::check_loaded(
                &s,
                &Limits {
                    max_events: 1,
                    ..Limits::default()
                },
            )
            .expect_err("over the budget")
            .to_string(),
        );
        messages.push(
            vpcsim::engine::SimError::EventBudgetExceeded {
                limit: 10,
                at: vpcsim::units::SimTime(5),
                until: vpcsim::units::SimTime(100),
            }
            .to_string(),
        );
        for m in &messages {
            let flags = suggested_flags(m);
            assert_eq!(flags.len(), 1, "one flag with a value in: {m}");
            let (flag, value) = &flags[0];
            let want: u64 = value.parse().unwrap_or_else(|_| panic!("{value:?} in {m}"));
            for line in cap_command_lines() {
                let argv: Vec<&str> = line.iter().copied().chain([flag.as_str(), value]).collect();
                let cli = Cli::try_parse_from(&argv)
                    .unwrap_or_else(|e| panic!("{argv:?} (from {m}): {e}"));
                let caps = match cli.command {
                    Command::Run { limits, .. } | Command::Baseline { limits, .. } => limits,
                    Command::Check(a) => a.limits,
                    _ => unreachable!("only cap commands are parsed"),
                };
                let got = match flag.as_str() {
                    "--max-entities" => caps.max_entities,
                    "--max-connections" => caps.max_connections,
                    "--max-timeseries-rows" => caps.max_timeseries_rows,
                    "--max-traffic-classes" => caps.max_traffic_classes,
                    "--max-events" => caps.max_events,
                    other => panic!("unknown cap flag {other}"),
                };
                assert_eq!(got, want, "{argv:?}");
            }
        }
    }

    /// Every option of every subcommand says what it does in `--help`.
    #[test]
    fn every_option_has_help() {
        let cli = Cli::command();
        let mut bare = Vec::new();
        for sub in cli.get_subcommands() {
            for arg in sub.get_arguments() {
                if arg.get_help().is_none() && arg.get_id() != "help" {
                    bare.push(format!("{} --{}", sub.get_name(), arg.get_id()));
                }
            }
        }
        assert!(bare.is_empty(), "options without help: {bare:?}");
    }
}
