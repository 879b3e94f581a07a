//! Reads a folder of raw AWS describe output (`aws ec2 describe-vpcs
//! --output json > describe-vpcs.json`, ...) into an [`Estate`].
//!
//! A file is recognised by its top-level key (`Vpcs`, `Subnets`,
//! `RouteTables`, ...), so any file name works; `aws`'s own operation names
//! are what the docs suggest. Sub-folders are walked in name order; a
//! folder named by a 12-digit account id (`111111111111/us-east-1/`) gives
//! the account of what it holds when the records do not say. Outputs that
//! do not name their parent (`describe-vpc-endpoint-service-permissions`,
//! `get-transit-gateway-route-table-associations` / `-propagations`,
//! `search-transit-gateway-routes`, `elbv2 describe-target-health`) belong
//! to the id in their file name (`…permissions.vpce-svc-0abc.json`), else to
//! the only candidate in the same folder. A record seen from two accounts
//! (a peering, a shared attachment) is read once.
//!
//! Owns: AWS describe JSON → estate. Must not: know the scenario schema.

mod records;

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::estate::Estate;
use super::json::{self, At};
use super::report::ImportReport;
use super::{finish, BuildOptions, ImportError, Imported};

/// Most files read from one folder tree (a guard against a wrong folder).
const MAX_FILES: usize = 10_000;

/// Imports a folder of describe output.
pub fn import_dir(dir: &Path, opts: &BuildOptions) -> Result<Imported, ImportError> {
    let input = dir.display().to_string();
    let files = json_files(dir)?;
    if files.is_empty() {
        return Err(ImportError::Format {
            file: input,
            message: "no .json files: expected the output of `aws ec2 describe-vpcs --output json` and friends (see docs/import.md)".into(),
        });
    }
    let mut report = ImportReport::new(&input);
    let mut docs = Vec::new();
    for path in &files {
        let v = json::read_file(path)?;
        docs.push((path.clone(), v));
    }
    let mut e = Estate::default();
    for (path, v) in &docs {
        let ctx = File::new(path, dir, v);
        records::read(&ctx, &mut e, &mut report)?;
    }
    // Child outputs need their parents read first.
    for (path, v) in &docs {
        let ctx = File::new(path, dir, v);
        records::read_children(&ctx, &mut e, &mut report)?;
    }
    records::link_dx_gateways(&mut e);
    records::finish_accounts(&mut e);
    finish(&e, opts, report)
}

/// One describe file and what its place says.
pub struct File<'a> {
    pub root: At<'a>,
    /// The file name (for ids in it and messages).
    pub name: String,
    /// The account its folder names, if any.
    pub account: Option<String>,
    /// Its folder relative to the input (records of a folder belong together).
    pub folder: PathBuf,
}

impl<'a> File<'a> {
    fn new(path: &'a Path, base: &Path, v: &'a Value) -> Self {
        let folder = path
            .parent()
            .and_then(|p| p.strip_prefix(base).ok())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let account = folder
            .components()
            .filter_map(|c| c.as_os_str().to_str())
            .find(|c| c.len() == 12 && c.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string);
        File {
            root: At {
                v,
                path: "$".into(),
                file: path.to_str().unwrap_or("(file name not UTF-8)"),
            },
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            account,
            folder,
        }
    }
}

/// The `.json` files under `dir`, in path order.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d).map_err(|source| ImportError::Io {
            file: d.display().to_string(),
            source,
        })?;
        for entry in rd {
            let entry = entry.map_err(|source| ImportError::Io {
                file: d.display().to_string(),
                source,
            })?;
            let p = entry.path();
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
            if out.len() > MAX_FILES {
                return Err(ImportError::Format {
                    file: dir.display().to_string(),
                    message: format!(
                        "more than {MAX_FILES} .json files: is this the right folder?"
                    ),
                });
            }
        }
    }
    out.sort();
    Ok(out)
}
