//! `vpcsim import flow-logs`: VPC Flow Logs replayed over a scenario.
//!
//! The records ([`records`]) are mapped to the scenario's elements
//! ([`addresses`]), turned into connections and traffic classes
//! ([`connections`]), and written as one trace CSV per class beside a copy
//! of the scenario whose traffic is those classes. Each class starts at 1 s
//! (after the connection states the scenario sets at 0 s) and replays its
//! connections at their logged times, with their logged bytes.
//!
//! Owns: the flow-log import and its report. Must not: simulate anything.

pub mod addresses;
pub mod connections;
pub mod records;

use std::path::{Path, PathBuf};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use self::addresses::{Addresses, Who};
use self::connections::{Class, Outcome};
use super::naming::Namespace;
use super::report::ImportReport;
use super::ron_writer::{self, Comments};
use super::{AddressRow, ImportError};
use crate::scenario::{self as sc, Scenario};
use crate::units::{Bytes, SimDuration};

/// When replayed classes start: after the states set at 0 s (events at an
/// instant take effect after the arrivals at that instant).
const START: SimDuration = SimDuration::from_secs(1);

/// How to stretch what was measured.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// As measured.
    None,
    /// The bill of the measured span projected to a 730-hour month
    /// (`settings.project_month`).
    Month,
    /// Every connection's bytes multiplied by this factor.
    Factor(Decimal),
}

impl Scale {
    /// `month`, or a factor above zero (`2`, `0.5`).
    pub fn parse(text: &str) -> Result<Scale, String> {
        if text.eq_ignore_ascii_case("month") {
            return Ok(Scale::Month);
        }
        match text.parse::<Decimal>() {
            Ok(d) if d > Decimal::ZERO => Ok(Scale::Factor(d)),
            _ => Err(format!(
                "--scale {text:?}: give `month` (bill projected to 730 hours) or a factor above 0 for the bytes (e.g. 2)"
            )),
        }
    }
}

/// Choices of a flow-log import.
#[derive(Debug, Clone)]
pub struct FlowOptions {
    /// The scenario the flows are replayed over.
    pub scenario: PathBuf,
    /// Its address list (default: `<stem>.addresses.csv` beside it, if any).
    pub addresses: Option<PathBuf>,
    /// Field list for files without a header line.
    pub format: Option<String>,
    /// Aggregation interval: records of a flow within one are one connection.
    pub interval: SimDuration,
    pub scale: Scale,
    /// Keep the scenario's own traffic classes (default: replaced).
    pub keep_traffic: bool,
    /// The scenario file to be written: the traces go in `<stem>.flows/`.
    pub output: PathBuf,
}

/// The written scenario and its traces.
#[derive(Debug, Clone)]
pub struct FlowImport {
    pub text: String,
    /// Trace files, relative to the scenario's folder, with their text.
    pub traces: Vec<(PathBuf, String)>,
    pub report: ImportReport,
}

/// Reads the flow logs and writes the scenario's text and traces (the
/// caller writes the files and validates the result with them).
pub fn import(files: &[PathBuf], opts: &FlowOptions) -> Result<FlowImport, ImportError> {
    let s_file = opts.scenario.display().to_string();
    let mut scenario = crate::load::load_file(&opts.scenario)
        .map_err(|e| ImportError::Format {
            file: s_file.clone(),
            message: format!("the scenario to replay over does not load: {e}"),
        })?
        .into_scenario();
    let inputs: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let mut report = ImportReport::new(format!("{} over {s_file}", inputs.join(", ")));
    let rows = address_rows(opts, &mut report)?;
    let mut addr = Addresses::new(&scenario, &rows);
    let format = opts.format.as_deref().map(records::format_fields);
    let mut all = Vec::new();
    for f in files {
        let r = records::read_file(f, format.as_deref())?;
        report.tally("read", (r.records.len() as u64) + r.no_data + r.rejected);
        report.tally("no data", r.no_data);
        report.tally("rejected", r.rejected);
        all.extend(r.records);
    }
    addr.learn(&all);
    for (eni, ip, who) in &addr.learned {
        report.assumed(
            eni.as_str(),
            format!("address {ip} of {} learned from its records", who.label()),
        );
    }
    let interval = opts.interval.as_nanos().div_ceil(1_000_000_000).max(1);
    let outcome = connections::classes(&all, &addr, interval);
    note_outcome(&outcome, &mut report);
    let (traces, comments) = replace_traffic(&mut scenario, &outcome, opts, &inputs, &mut report)?;
    fit_duration(&mut scenario, &outcome, interval, &mut report);
    if opts.scale == Scale::Month {
        scenario.settings.project_month = true;
    }
    // Named after the written file, so that its run does not land in the
    // estate's output folder (`output/<name>/`).
    scenario.name = super::name_from_path(&opts.output);
    let mut header = report.lines();
    header.push(String::new());
    header.push(format!(
        "The estate is {s_file}'s (its elements' sources are in that file); the traffic is from the flow logs."
    ));
    let text = ron_writer::write_scenario(&scenario, &header, &comments).map_err(|e| {
        ImportError::Format {
            file: s_file.clone(),
            message: e.to_string(),
        }
    })?;
    Ok(FlowImport {
        text,
        traces,
        report,
    })
}

/// The address list, from `--addresses` or beside the scenario.
fn address_rows(
    opts: &FlowOptions,
    report: &mut ImportReport,
) -> Result<Vec<AddressRow>, ImportError> {
    let beside = super::addresses_path(&opts.scenario);
    let path = match &opts.addresses {
        Some(p) => p.clone(),
        None if beside.is_file() => beside,
        None => {
            report.assumed(
                "addresses",
                format!("no address list ({} or --addresses): addresses are matched by site ranges and single-workload subnets only", beside.display()),
            );
            return Ok(Vec::new());
        }
    };
    let file = path.display().to_string();
    let text = crate::input::read_text(&path, crate::input::Kind::Import)?;
    let mut rows = Vec::new();
    for r in csv::Reader::from_reader(text.as_bytes()).deserialize::<AddressRow>() {
        rows.push(r.map_err(|e| ImportError::Syntax {
            file: file.clone(),
            line: e.position().map(|p| p.line() as usize).unwrap_or(0),
            col: 1,
            message: format!("{e} (columns: kind,name,eni,ip,source)"),
        })?);
    }
    Ok(rows)
}

/// Counts and the reasons of everything not replayed.
fn note_outcome(o: &Outcome, report: &mut ImportReport) {
    for (k, n) in &o.tallies {
        report.tally(k, *n);
    }
    for (why, ips) in &o.unmatched {
        let total: u64 = ips.values().sum();
        let mut top: Vec<(&std::net::IpAddr, &u64)> = ips.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let shown: Vec<String> = top
            .iter()
            .take(5)
            .map(|(ip, n)| format!("{ip} ({n})"))
            .collect();
        let more = if top.len() > 5 {
            format!(" and {} more addresses", top.len() - 5)
        } else {
            String::new()
        };
        report.skipped(
            "flow logs",
            format!(
                "{total} records matched no element, {why}: {}{more}",
                shown.join(", ")
            ),
        );
    }
    for (why, n) in &o.left_out {
        report.not_modelled("flow logs", format!("{n} records not replayed: {why}"));
    }
}

/// Replaces (or extends) the scenario's traffic with one class per
/// [`Class`]; returns the traces to write and the classes' comments.
fn replace_traffic(
    s: &mut Scenario,
    o: &Outcome,
    opts: &FlowOptions,
    inputs: &[String],
    report: &mut ImportReport,
) -> Result<(Vec<(PathBuf, String)>, Comments), ImportError> {
    if opts.keep_traffic {
        rebase_traces(s, opts, report);
    } else if !s.traffic.is_empty() {
        report.assumed(
            "traffic",
            format!(
                "the scenario's {} traffic classes are replaced by the flow logs' (--keep-traffic keeps them)",
                s.traffic.len()
            ),
        );
        s.traffic.clear();
    }
    let mut ns = Namespace::default();
    for t in &s.traffic {
        ns.reserve(&t.name);
    }
    let folder = traces_folder(&opts.output);
    let scale = match &opts.scale {
        Scale::None => String::new(),
        Scale::Month => "; bill projected to a month".into(),
        Scale::Factor(f) => format!("; bytes × {f}"),
    };
    let mut traces = Vec::new();
    let mut comments = Comments::new();
    for c in &o.classes {
        // Always both: the connections keep only workload or site clients
        // and no load balancer or NAT targets.
        let (Some(from), Some(to)) = (source(&c.client), target(&c.target)) else {
            continue;
        };
        comments.insert(
            format!("traffic[{}]", s.traffic.len()),
            format!(
                "from flow logs {}: {} connections ({} records), first record at Unix {}{scale}",
                inputs.join(", "),
                c.rows.len(),
                c.records,
                o.t0
            ),
        );
        let label = format!("flows-{}-{}-{}", short(&c.client), short(&c.target), c.port);
        let name = ns.name(&label, &label, None);
        let file = folder.join(format!("{name}.csv"));
        traces.push((file.clone(), trace_csv(c, &opts.scale, &name)?));
        s.traffic.push(sc::Traffic {
            name,
            from,
            to,
            arrivals: sc::Arrivals::Trace {
                file: file.to_string_lossy().into_owned(),
            },
            request: sc::SizeDist::Fixed(Bytes(1024)),
            response: sc::SizeDist::Fixed(Bytes(16 * 1024)),
            start: Some(START),
            end: None,
            port: c.port,
            protocol: if c.protocol == 17 {
                sc::Protocol::Udp
            } else {
                sc::Protocol::Tcp
            },
            action: None,
            resource: None,
        });
    }
    report
        .counts
        .insert("traffic classes".into(), s.traffic.len());
    Ok((traces, comments))
}

/// Kept trace classes of a scenario in another folder keep pointing at
/// their files.
fn rebase_traces(s: &mut Scenario, opts: &FlowOptions, report: &mut ImportReport) {
    let from = opts.scenario.parent().unwrap_or(Path::new(""));
    let to = opts.output.parent().unwrap_or(Path::new(""));
    let same = std::fs::canonicalize(from).ok() == std::fs::canonicalize(to).ok();
    for t in &mut s.traffic {
        if let sc::Arrivals::Trace { file } = &mut t.arrivals {
            if !same && Path::new(file.as_str()).is_relative() {
                let abs = std::fs::canonicalize(from.join(&*file)).unwrap_or(from.join(&*file));
                report.assumed(
                    format!("traffic {}", t.name),
                    format!(
                        "kept; its trace is now given by its absolute path {}",
                        abs.display()
                    ),
                );
                *file = abs.to_string_lossy().into_owned();
            }
        }
    }
}

/// `out/prod.ron` → `prod.flows` (relative to the scenario's folder).
pub fn traces_folder(output: &Path) -> PathBuf {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "imported".into());
    PathBuf::from(format!("{stem}.flows"))
}

fn short(w: &Who) -> String {
    match w {
        Who::Workload(n) | Who::Site(n) | Who::Endpoint(n) | Who::Nlb(n) | Who::Nat(n) => n.clone(),
        Who::Internet => "internet".into(),
        Who::S3 => "s3".into(),
        Who::DynamoDb => "dynamodb".into(),
    }
}

fn source(w: &Who) -> Option<sc::Source> {
    match w {
        Who::Workload(n) => Some(sc::Source::Workload(n.clone())),
        Who::Site(n) => Some(sc::Source::Site(n.clone())),
        _ => None,
    }
}

fn target(w: &Who) -> Option<sc::Target> {
    Some(match w {
        Who::Workload(n) => sc::Target::Workload(n.clone()),
        Who::Site(n) => sc::Target::Site(n.clone()),
        Who::Endpoint(n) => sc::Target::Endpoint {
            name: n.clone(),
            dns: sc::Dns::Regional,
        },
        Who::Internet => sc::Target::Internet,
        Who::S3 => sc::Target::Aws(sc::AwsService::S3),
        Who::DynamoDb => sc::Target::Aws(sc::AwsService::DynamoDB),
        Who::Nlb(_) | Who::Nat(_) => return None,
    })
}

/// `bytes × factor`, rounded, at least 1 (a connection moves something).
fn scaled(bytes: u64, scale: &Scale) -> Result<u64, String> {
    match scale {
        Scale::Factor(f) => (Decimal::from(bytes) * f)
            .round()
            .to_u64()
            .map(|b| b.max(1))
            .ok_or_else(|| format!("{bytes} bytes × {f} is too large")),
        _ => Ok(bytes.max(1)),
    }
}

/// The trace of one class: empty source and target cells (the class's own).
fn trace_csv(c: &Class, scale: &Scale, name: &str) -> Result<String, ImportError> {
    let mut out = format!(
        "# {name}: {} records of {} to {} on {} port {}, as logged (IP bytes, headers included)\ntime,source,target,request_bytes,response_bytes\n",
        c.records,
        c.client.label(),
        c.target.label(),
        if c.protocol == 17 { "UDP" } else { "TCP" },
        c.port
    );
    let bad = |message| ImportError::Format {
        file: name.to_string(),
        message,
    };
    for r in &c.rows {
        let req = scaled(r.request, scale).map_err(bad)?;
        let resp = scaled(r.response, scale).map_err(bad)?;
        out.push_str(&format!("{},,,{req},{resp}\n", r.time));
    }
    Ok(out)
}

/// Lengthens the run to hold every replayed connection (whole minutes).
fn fit_duration(s: &mut Scenario, o: &Outcome, interval: u64, report: &mut ImportReport) {
    let last = o
        .classes
        .iter()
        .flat_map(|c| c.rows.iter().map(|r| r.time))
        .max()
        .unwrap_or(0);
    let need_s = (START.as_nanos() / 1_000_000_000 + last + interval).div_ceil(60) * 60;
    let need = SimDuration::from_secs(need_s);
    if need > s.duration {
        report.assumed(
            "duration",
            format!(
                "{} → {need}: the run holds the measured span ({last} s from the first record) and one interval",
                s.duration
            ),
        );
        s.duration = need;
    }
}
