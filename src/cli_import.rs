//! `vpcsim import terraform|aws|flow-logs`: arguments → `vpcsim::import`
//! calls → files. The import report goes to stderr; the scenario to stdout
//! or `-o FILE` (with its address list beside it).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use vpcsim::import::{self, BuildOptions, ImportError, Imported};
use vpcsim::units::SimDuration;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// A Terraform plan or state, as printed by `terraform show -json`.
    Terraform {
        /// The JSON file (`terraform show -json plan.out > plan.json`).
        file: PathBuf,
        #[command(flatten)]
        out: OutArgs,
    },
    /// A folder of `aws ... describe-*` JSON output (sub-folders per account
    /// and region are read too).
    Aws {
        /// The folder (`aws ec2 describe-vpcs --output json > DIR/describe-vpcs.json`, ...).
        dir: PathBuf,
        #[command(flatten)]
        out: OutArgs,
    },
    /// VPC Flow Logs (default format or a custom one with its header line,
    /// plain or gzip) replayed over a scenario: one trace CSV per traffic
    /// class in `<stem>.flows/` beside the written scenario.
    FlowLogs(FlowArgs),
}

#[derive(Args)]
pub struct FlowArgs {
    /// Flow-log files (`.log` or `.log.gz`, as delivered to S3 or exported).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The scenario the flows run over (e.g. written by `vpcsim import aws`).
    #[arg(long)]
    scenario: PathBuf,
    /// Write the scenario with the measured traffic here; its traces go in
    /// `<stem>.flows/` beside it.
    #[arg(long, short)]
    output: PathBuf,
    /// Address list (`kind,name,eni,ip,source`); default: the scenario's
    /// `<stem>.addresses.csv`, written by `vpcsim import`.
    #[arg(long)]
    addresses: Option<PathBuf>,
    /// Field list of files without a header line, as in the flow log's
    /// format (`${version} ${srcaddr} ...`); default: the version-2 format.
    #[arg(long)]
    format: Option<String>,
    /// Aggregation interval: a flow's records within one are one connection.
    #[arg(long, default_value = "1m")]
    interval: String,
    /// `month`: project the bill of the measured span to a 730-hour month;
    /// a number: multiply every connection's bytes by it.
    #[arg(long)]
    scale: Option<String>,
    /// Keep the scenario's own traffic classes (default: replaced).
    #[arg(long)]
    keep_traffic: bool,
}

impl FlowArgs {
    fn options(&self) -> Result<import::flow_logs::FlowOptions, String> {
        use import::flow_logs::{FlowOptions, Scale};
        let interval =
            SimDuration::parse(&self.interval).map_err(|e| format!("--interval: {e}"))?;
        if interval.as_nanos() == 0 {
            return Err("--interval: give an interval above zero (e.g. 1m)".into());
        }
        Ok(FlowOptions {
            scenario: self.scenario.clone(),
            addresses: self.addresses.clone(),
            format: self.format.clone(),
            interval,
            scale: match &self.scale {
                Some(s) => Scale::parse(s)?,
                None => Scale::None,
            },
            keep_traffic: self.keep_traffic,
            output: self.output.clone(),
        })
    }
}

/// Where the scenario goes and what the input does not say.
#[derive(Args)]
pub struct OutArgs {
    /// Write the scenario here (and `<stem>.addresses.csv` beside it)
    /// instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Scenario name (default: from the input's file name).
    #[arg(long)]
    name: Option<String>,
    /// Simulated time span of the scenario.
    #[arg(long, default_value = "1h")]
    duration: String,
    /// Do not add the default traffic class per interface endpoint.
    #[arg(long)]
    no_traffic: bool,
}

impl OutArgs {
    fn options(&self, input: &Path) -> Result<BuildOptions, String> {
        let duration =
            SimDuration::parse(&self.duration).map_err(|e| format!("--duration: {e}"))?;
        Ok(BuildOptions {
            name: self
                .name
                .clone()
                .unwrap_or_else(|| import::name_from_path(input)),
            duration,
            default_traffic: !self.no_traffic,
        })
    }
}

/// Runs an import; `Ok(text)` is what goes to stdout.
pub fn run(cmd: &ImportCommand) -> Result<String, String> {
    match cmd {
        ImportCommand::Terraform { file, out } => {
            let opts = out.options(file)?;
            deliver(import::terraform::import_file(file, &opts), out)
        }
        ImportCommand::Aws { dir, out } => {
            let opts = out.options(dir)?;
            deliver(import::aws::import_dir(dir, &opts), out)
        }
        ImportCommand::FlowLogs(args) => flow_logs(args),
    }
}

/// Writes the traces, then the scenario, and loads it back with them (a
/// scenario that does not validate is kept for fixing, and the command fails).
fn flow_logs(args: &FlowArgs) -> Result<String, String> {
    let opts = args.options()?;
    let imported = import::flow_logs::import(&args.files, &opts).map_err(|e| e.to_string())?;
    eprint!("{}", imported.report.render());
    let base = args
        .output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let folder = base.join(import::flow_logs::traces_folder(&args.output));
    clear_traces(&folder)?;
    for (rel, text) in &imported.traces {
        write(&base.join(rel), text)?;
    }
    write(&args.output, &imported.text)?;
    eprintln!(
        "wrote {} and {} traces in {}",
        args.output.display(),
        imported.traces.len(),
        folder.display()
    );
    vpcsim::load::load_file(&args.output)
        .map_err(|e| format!("the written scenario does not validate (fix it by hand): {e}"))?;
    Ok(String::new())
}

/// Empties a previous import's trace folder (CSV files only; anything else
/// in it is refused rather than deleted).
fn clear_traces(folder: &Path) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Ok(());
    };
    let mut old = Vec::new();
    for e in entries {
        let p = e.map_err(|e| format!("{}: {e}", folder.display()))?.path();
        if p.extension().and_then(|x| x.to_str()) != Some("csv") || !p.is_file() {
            return Err(format!(
                "{}: holds {}, not only traces of an earlier import; move it or choose another -o",
                folder.display(),
                p.display()
            ));
        }
        old.push(p);
    }
    for p in old {
        std::fs::remove_file(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(())
}

/// Reports, then writes the scenario (or hands it back for stdout). An
/// imported scenario that does not validate is still written with `-o`, so
/// that it can be fixed by hand, and the command fails.
fn deliver(result: Result<Imported, ImportError>, out: &OutArgs) -> Result<String, String> {
    let imported = match result {
        Ok(i) => i,
        Err(ImportError::Invalid {
            file,
            message,
            text,
        }) => {
            if let Some(path) = &out.output {
                write(path, &text)?;
                eprintln!(
                    "wrote {} (it does not validate; fix it by hand)",
                    path.display()
                );
            }
            return Err(format!(
                "{file}: the imported scenario does not validate: {message}"
            ));
        }
        Err(e) => return Err(e.to_string()),
    };
    eprint!("{}", imported.report.render());
    let Some(path) = &out.output else {
        return Ok(imported.text);
    };
    write(path, &imported.text)?;
    eprintln!("wrote {}", path.display());
    if !imported.addresses.is_empty() {
        let csv = import::addresses_csv(&imported.addresses).map_err(|e| e.to_string())?;
        let at = import::addresses_path(path);
        write(&at, &csv)?;
        eprintln!(
            "wrote {} ({} addresses, for `vpcsim import flow-logs`)",
            at.display(),
            imported.addresses.len()
        );
    }
    Ok(String::new())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    vpcsim::report::write_atomic(path, text.as_bytes()).map_err(|e| e.to_string())
}
