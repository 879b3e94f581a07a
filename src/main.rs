//! The `vpcsim` command line: arguments → library calls → exit code.
//!
//! Exit codes: 0 ok; 1 a check or an expectation failed; 2 bad input or usage.
//! Results go to stdout, progress and errors to stderr.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use vpcsim::{explain, report, scenario, sim, study, units::SimDuration};

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
    /// Check scenario files; exit 0 if all are valid, 2 otherwise.
    Validate {
        /// Scenario files (.ron).
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
        /// Stop with an error past this many events.
        #[arg(long)]
        max_events: Option<u64>,
        /// Scale the bill of the simulated window to a 730-hour month.
        #[arg(long)]
        project_month: bool,
    },
    /// Explain one connection hop by hop: outcome, reason, and what to change.
    Explain(ExplainArgs),
    /// Run every point of a study (variants × sweep axes × replications).
    Sweep(SweepArgs),
    /// Combine the outputs of sharded sweeps into the study tables.
    Merge(MergeArgs),
    /// Compare the variants of a study, or scenario files, side by side.
    Compare(CompareArgs),
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

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CompareFormat {
    Text,
    Markdown,
    Csv,
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
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
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
            max_events,
            project_month,
        } => run(
            &mut out,
            &scenario,
            dir,
            seed,
            quiet,
            format,
            sim::RunOptions {
                seed,
                quiet,
                max_events,
                project_month,
            },
        ),
        Command::Explain(args) => explain(&mut out, &args),
        Command::Sweep(args) => sweep(&mut out, &args),
        Command::Merge(args) => merge(&mut out, &args),
        Command::Compare(args) => compare(&mut out, &args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
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
        match scenario::load_file(f) {
            Ok(s) => emit(
                out,
                &format!("{}: ok (scenario {:?})\n", f.display(), s.name),
            )?,
            Err(e) => {
                bad += 1;
                eprintln!("{e}");
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
    path: &PathBuf,
    dir: Option<PathBuf>,
    _seed: Option<u64>,
    quiet: bool,
    format: Format,
    opts: sim::RunOptions,
) -> Result<u8, Failure> {
    let scenario = scenario::load_file(path).map_err(Failure::input)?;
    let started = std::time::Instant::now();
    let result = sim::run(&scenario, &opts).map_err(Failure::input)?;
    let wall = started.elapsed();
    let dir = dir.unwrap_or_else(|| PathBuf::from("output").join(&scenario.name));
    let files = report::write_run(&dir, &result).map_err(Failure::input)?;
    match format {
        Format::Json => emit(out, &report::summary_json(&result).map_err(Failure::input)?)?,
        Format::Text => {
            let mut text = report::text_summary(&result);
            text.push_str(&format!(
                "outputs: {} ({} files)\n",
                dir.display(),
                files.len()
            ));
            emit(out, &text)?;
        }
    }
    if !quiet {
        eprintln!("wall time {:.2}s", wall.as_secs_f64());
    }
    Ok(0)
}

fn explain(out: &mut impl Write, a: &ExplainArgs) -> Result<u8, Failure> {
    let scenario = scenario::load_file(&a.scenario).map_err(Failure::input)?;
    let at = SimDuration::parse(&a.at).map_err(|e| Failure::input(format!("--at: {e}")))?;
    let q = explain::ExplainQuery {
        traffic: a.traffic.clone(),
        from: a.from.clone(),
        to: a.to.clone(),
        dns: a.dns.clone(),
        port: a.port,
        at,
        instance: a.instance,
    };
    let e = explain::explain(&scenario, &q, a.seed).map_err(Failure::input)?;
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
    let ls = study::load_file(&a.study).map_err(Failure::input)?;
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
        "study {}: {} of {} points run{}\n",
        ls.study.name,
        rep.rows.len(),
        rep.total_points,
        match shard {
            Some((i, n)) => format!(" (shard {i}/{n})"),
            None => String::new(),
        }
    );
    let denied = rep.rows.iter().filter(|r| r.denied > 0).count();
    text.push_str(&format!("points with denied connections: {denied}\n"));
    for f in &rep.files {
        text.push_str(&format!("wrote {}\n", f.display()));
    }
    if shard.is_some_and(|(_, n)| n > 1) {
        text.push_str(&format!(
            "merge the shards with: vpcsim merge {} --out {}\n",
            dir.display(),
            dir.display()
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
        "study {}: merged {} of {} points\n",
        info.study,
        rows.len(),
        info.points
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
