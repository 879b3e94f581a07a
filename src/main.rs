//! The `vpcsim` command line: arguments → library calls → exit code.
//!
//! Exit codes: 0 ok; 1 a check or an expectation failed; 2 bad input or usage.
//! Results go to stdout, progress and errors to stderr.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use vpcsim::{explain, report, scenario, sim, units::SimDuration};

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
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Explain one connection hop by hop: outcome, reason, and what to change.
    Explain(ExplainArgs),
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
            limits,
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
                limits: vpcsim::limits::Limits {
                    max_entities: limits.max_entities,
                    max_connections: limits.max_connections,
                    max_timeseries_rows: limits.max_timeseries_rows,
                },
            },
        ),
        Command::Explain(args) => explain(&mut out, &args),
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
        max_entities: Some(a.max_entities),
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
