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
    }
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
