//! Reading a study file: RON with positioned errors, then meaning checks
//! that report every problem with its field path, then the base scenario.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::input::Kind;
use crate::load;
use crate::scenario::{self, Problem, Scenario};

use super::spec::{Architecture, Axis, Base, CidrPlan, Element, LoadedStudy, Study};
use super::StudyError;

/// Most points a study may have (the documented sweep-point cap).
pub const MAX_POINTS: usize = crate::limits::MAX_SWEEP_POINTS;

/// Reads, parses and checks a study file and its base scenario.
pub fn load_file(path: impl AsRef<Path>) -> Result<LoadedStudy, StudyError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let text = crate::input::read_text(path, crate::input::Kind::Study)?;
    load_str(&text, &file, Some(path))
}

/// Whether the file at `path` is a study (its first item is `Study(`),
/// judging from its first 64 KiB; unreadable files and anything but a
/// regular file (a FIFO would block) are not.
pub fn looks_like_study(path: &Path) -> bool {
    let Some(head) = crate::input::read_head(path, 64 * 1024) else {
        return false;
    };
    let text = String::from_utf8_lossy(&head);
    super::compare::top_level_name(text.trim_start_matches('\u{feff}')) == "Study"
}

/// What a sweep of the whole study would refuse, found without running it:
/// every point's scenario is generated, loaded (its quota profile,
/// pricebook and traces read and checked) and checked against the default
/// resource caps, trace rows included. Returns the number of points.
pub fn check_points(ls: &LoadedStudy) -> Result<usize, StudyError> {
    let pts = super::points(ls);
    check_selected(ls, &pts)?;
    Ok(pts.len())
}

/// [`check_points`] for `pts` only (a shard's points): what `sweep`
/// checks before it runs any point. Each referenced file is read once;
/// replications of a point differ only in their seed and name, so the
/// first replication's verdict stands for all of them.
pub(crate) fn check_selected(ls: &LoadedStudy, pts: &[super::Point]) -> Result<(), StudyError> {
    /// Failures reported one by one, at most.
    const SHOWN: usize = 10;
    let cache = Cached::default();
    let opts = load::LoadOptions {
        source: Some(&cache),
        ..Default::default()
    };
    let mut messages = Vec::new();
    let mut failed = 0;
    // The last point checked and whether it failed.
    let mut last: Option<(&super::Point, bool)> = None;
    for p in pts {
        if let Some((q, bad)) = last {
            if p.same_design(q) {
                failed += usize::from(bad);
                continue;
            }
        }
        let problem = super::expand::loaded_for_with(ls, p, &opts).and_then(|loaded| {
            crate::limits::check_loaded(&loaded, &crate::limits::Limits::default())
                .map(|_| ())
                .map_err(|e| StudyError::Compare(format!("point {}: {e}", p.id)))
        });
        last = Some((p, problem.is_err()));
        if let Err(e) = problem {
            failed += 1;
            if messages.len() < SHOWN {
                messages.push(e.to_string().replace("compare: ", ""));
            }
        }
    }
    if failed > 0 {
        return Err(StudyError::Points {
            failed,
            of: pts.len(),
            messages,
        });
    }
    Ok(())
}

/// Reads each file once (through the bounded reader) and hands out copies:
/// the points of a study refer to the same few files.
#[derive(Default)]
struct Cached {
    files: std::cell::RefCell<std::collections::BTreeMap<PathBuf, Vec<u8>>>,
}

impl load::FileSource for Cached {
    fn read(&self, path: &Path, kind: Kind) -> Result<Vec<u8>, crate::input::InputError> {
        let mut files = self.files.borrow_mut();
        if let Some(bytes) = files.get(path) {
            return Ok(bytes.clone());
        }
        let bytes = crate::input::read(path, kind)?;
        files.insert(path.to_path_buf(), bytes.clone());
        Ok(bytes)
    }
}

/// Parses and checks study text; `file` names it in errors and `origin` (the
/// study file, if any) anchors relative paths.
pub fn load_str(text: &str, file: &str, origin: Option<&Path>) -> Result<LoadedStudy, StudyError> {
    if scenario::syntax::is_blank(text.strip_prefix('\u{feff}').unwrap_or(text)) {
        return Err(StudyError::Syntax {
            file: file.to_string(),
            line: 1,
            col: 1,
            message: "the file is empty; a study starts with `Study(`".to_string(),
        });
    }
    let study: Study = scenario::syntax::parse(text, "Study").map_err(|e| StudyError::Syntax {
        file: file.to_string(),
        line: e.line,
        col: e.col,
        message: e.message,
    })?;
    let mut problems = check(&study);
    if !problems.is_empty() {
        return Err(StudyError::Invalid {
            file: file.to_string(),
            problems,
        });
    }
    let dir = origin.and_then(Path::parent);
    let base = match &study.base {
        Base::File(p) => {
            let at = match dir {
                Some(d) => d.join(p),
                None => p.clone(),
            };
            load::load_file(&at)
                .map_err(|e| StudyError::Base {
                    file: file.to_string(),
                    source: Box::new(e),
                })?
                .into_scenario()
        }
        Base::Inline(s) => {
            let mut s: Scenario = (**s).clone();
            let inner = load::validate(&s);
            if !inner.is_empty() {
                return Err(StudyError::Invalid {
                    file: file.to_string(),
                    problems: inner
                        .into_iter()
                        .map(|p| Problem {
                            path: format!("base.{}", p.path),
                            message: p.message,
                        })
                        .collect(),
                });
            }
            s.origin = origin.map(Path::to_path_buf);
            s
        }
    };
    problems.extend(check_against_base(&study, &base));
    if !problems.is_empty() {
        return Err(StudyError::Invalid {
            file: file.to_string(),
            problems,
        });
    }
    Ok(LoadedStudy {
        study,
        origin: origin.map(Path::to_path_buf),
        base,
    })
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
    }
}

/// A name that is safe in point ids and folder names.
fn is_id_name(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Meaning checks that need only the study file.
fn check(s: &Study) -> Vec<Problem> {
    let mut p = Vec::new();
    let name_ok = !s.name.is_empty()
        && s.name.len() <= 100
        && !s.name.starts_with('.')
        && s.name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if !name_ok {
        p.push(problem(
            "name",
            format!("{:?} is not a valid study name: use 1–100 letters, digits, '-', '_' or '.', not starting with '.' (it names the output folder)", s.name),
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, t) in s.templates.iter().enumerate() {
        let at = format!("templates[{i}]");
        if !is_id_name(&t.name, 40) {
            p.push(problem(
                format!("{at}.name"),
                format!(
                    "{:?}: use 1–40 letters, digits, '-' or '_' (it prefixes generated names)",
                    t.name
                ),
            ));
        }
        if !seen.insert(t.name.as_str()) {
            p.push(problem(
                format!("{at}.name"),
                format!("duplicate template name {:?}", t.name),
            ));
        }
        if t.azs.is_empty() {
            p.push(problem(format!("{at}.azs"), "list at least one AZ ID"));
        }
        let mut azs = BTreeSet::new();
        for (j, az) in t.azs.iter().enumerate() {
            if !azs.insert(az) {
                p.push(problem(
                    format!("{at}.azs[{j}]"),
                    format!("AZ {az:?} is listed twice"),
                ));
            }
        }
        if let Some(k) = t.az_count {
            if k == 0 || k as usize > t.azs.len() {
                p.push(problem(
                    format!("{at}.az_count"),
                    format!(
                        "{k} is not between 1 and the {} AZs listed in azs",
                        t.azs.len()
                    ),
                ));
            }
        }
        if t.instances == 0 {
            p.push(problem(
                format!("{at}.instances"),
                "at least 1 client instance",
            ));
        }
        if !(100_000_000_000..=999_999_999_999).contains(&t.account_id_base) {
            p.push(problem(
                format!("{at}.account_id_base"),
                format!("{} is not a 12-digit number", t.account_id_base),
            ));
        }
        let max_count = max_consumers(s, t.count);
        if t.account_id_base + u64::from(max_count) > 999_999_999_999 {
            p.push(problem(
                format!("{at}.account_id_base"),
                format!(
                    "{} consumers would need account IDs past 999999999999; lower the base",
                    max_count
                ),
            ));
        }
        check_cidr_plan(&t.cidrs, &format!("{at}.cidrs"), &mut p);
        let pl = t.architecture == Architecture::PrivateLink
            || s.variants
                .iter()
                .any(|v| v.architecture == Some(Architecture::PrivateLink));
        if pl && t.shared.service.is_none() {
            p.push(problem(
                format!("{at}.shared.service"),
                "PrivateLink is used (by the template or a variant) but no endpoint service is named; add service: \"<endpoint service of the base>\"",
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for (i, v) in s.variants.iter().enumerate() {
        let at = format!("variants[{i}]");
        if !is_id_name(&v.name, 40) {
            p.push(problem(
                format!("{at}.name"),
                format!("{:?}: use 1–40 letters, digits, '-' or '_' (it is part of point ids and folder names)", v.name),
            ));
        }
        if !seen.insert(v.name.as_str()) {
            p.push(problem(
                format!("{at}.name"),
                format!("duplicate variant name {:?}", v.name),
            ));
        }
        if let Some(c) = &v.cidrs {
            check_cidr_plan(c, &format!("{at}.cidrs"), &mut p);
        }
        if let Some(d) = v.duration {
            if d.as_nanos() == 0 {
                p.push(problem(format!("{at}.duration"), "must be above zero"));
            }
        }
        if (v.architecture.is_some() || v.dns.is_some() || v.cidrs.is_some())
            && s.templates.is_empty()
        {
            p.push(problem(
                at.clone(),
                "architecture, dns and cidrs change templates, and the study has none",
            ));
        }
    }
    let mut axes = BTreeSet::new();
    for (i, a) in s.sweep.iter().enumerate() {
        let at = format!("sweep[{i}]");
        if !axes.insert(a.name()) {
            p.push(problem(
                at.clone(),
                format!("axis {} is swept twice; list its values once", a.name()),
            ));
        }
        if a.is_empty() {
            p.push(problem(at.clone(), "an axis needs at least one value"));
        }
        if s.templates.is_empty() && !matches!(a, Axis::Load(_)) {
            p.push(problem(
                at.clone(),
                format!(
                    "axis {} changes templates, and the study has none",
                    a.name()
                ),
            ));
        }
        match a {
            Axis::Consumers(_) => {}
            Axis::Load(v) => {
                for (j, x) in v.iter().enumerate() {
                    if !(x.is_finite() && *x > 0.0 && *x <= 1e6) {
                        p.push(problem(
                            format!("{at}[{j}]"),
                            format!("load {x} is not in (0, 1e6]"),
                        ));
                    }
                }
            }
            Axis::ZonalShare(v) => {
                for (j, x) in v.iter().enumerate() {
                    if !(x.is_finite() && (0.0..=1.0).contains(x)) {
                        p.push(problem(
                            format!("{at}[{j}]"),
                            format!("share {x} is not between 0 and 1"),
                        ));
                    }
                }
            }
            Axis::Azs(v) => {
                let pool = s.templates.iter().map(|t| t.azs.len()).min().unwrap_or(0);
                for (j, k) in v.iter().enumerate() {
                    if *k == 0 || *k as usize > pool {
                        p.push(problem(
                            format!("{at}[{j}]"),
                            format!(
                                "{k} AZs: every template lists {pool} or more AZs, so use 1–{pool}"
                            ),
                        ));
                    }
                }
            }
        }
        let mut values = BTreeSet::new();
        for j in 0..a.len() {
            let label = value_label(a, j);
            if !values.insert(label.clone()) {
                p.push(problem(
                    format!("{at}[{j}]"),
                    format!("value {label} is listed twice"),
                ));
            }
        }
    }
    match (&s.replications, &s.seeds) {
        (Some(_), Some(_)) => p.push(problem(
            "seeds",
            "give either replications (derived seeds) or seeds (explicit), not both",
        )),
        (Some(0), None) => p.push(problem("replications", "at least 1")),
        (None, Some(v)) if v.is_empty() => p.push(problem("seeds", "list at least one seed")),
        _ => {}
    }
    match point_count(s) {
        Some(total) if total <= MAX_POINTS => {}
        total => p.push(problem(
            "sweep",
            format!(
                "{} points; a study is limited to {MAX_POINTS}: split it into several studies with fewer values",
                total.map_or_else(|| "2^64 or more".to_string(), |t| t.to_string())
            ),
        )),
    }
    p
}

/// Points of the study (variants × axis values × replications), `None`
/// when the product overflows: counted before anything is expanded.
pub fn point_count(s: &Study) -> Option<usize> {
    let mut total = s.variants.len().max(1);
    for a in &s.sweep {
        total = total.checked_mul(a.len().max(1))?;
    }
    total.checked_mul(replication_count(s) as usize)
}

/// Number of replications of every point.
pub fn replication_count(s: &Study) -> u32 {
    match (&s.seeds, s.replications) {
        (Some(v), _) => v.len() as u32,
        (None, Some(r)) => r,
        (None, None) => 1,
    }
}

/// The largest consumer count a template can take in the sweep.
pub fn max_consumers(s: &Study, default: u32) -> u32 {
    s.sweep
        .iter()
        .find_map(|a| match a {
            Axis::Consumers(v) => v.iter().copied().max(),
            _ => None,
        })
        .unwrap_or(default)
}

/// The label of value `j` of an axis, as in point ids.
pub fn value_label(a: &Axis, j: usize) -> String {
    match a {
        Axis::Consumers(v) | Axis::Azs(v) => v[j].to_string(),
        Axis::Load(v) | Axis::ZonalShare(v) => format!("{}", v[j]),
    }
}

fn check_cidr_plan(c: &CidrPlan, at: &str, p: &mut Vec<Problem>) {
    match c {
        CidrPlan::Distinct { from, prefix } => {
            let ipnet::IpNet::V4(net) = from.0 else {
                p.push(problem(
                    format!("{at}.from"),
                    "consumer VPCs are numbered in IPv4 blocks",
                ));
                return;
            };
            if *prefix < net.prefix_len() || !(16..=28).contains(prefix) {
                p.push(problem(
                    format!("{at}.prefix"),
                    format!("/{prefix} must be between /16 and /28 and not larger than {from}"),
                ));
            }
        }
        CidrPlan::Overlapping(c) => {
            let ok = matches!(c.0, ipnet::IpNet::V4(n) if (16..=28).contains(&n.prefix_len()));
            if !ok {
                p.push(problem(
                    at.to_string(),
                    format!("{c}: a VPC block is IPv4, /16 to /28"),
                ));
            }
        }
    }
}

/// Checks that need the base scenario: names the study refers to.
fn check_against_base(s: &Study, base: &Scenario) -> Vec<Problem> {
    let mut p = Vec::new();
    for (i, t) in s.templates.iter().enumerate() {
        let at = format!("templates[{i}].shared");
        match base.vpcs.iter().find(|v| v.name == t.shared.vpc) {
            None => p.push(problem(
                format!("{at}.vpc"),
                format!("the base scenario has no VPC {:?}", t.shared.vpc),
            )),
            Some(v) => {
                if !base.accounts.iter().any(|a| a.name == v.account) {
                    p.push(problem(format!("{at}.vpc"), "its account is unknown"));
                }
            }
        }
        if !base.workloads.iter().any(|w| w.name == t.shared.workload) {
            p.push(problem(
                format!("{at}.workload"),
                format!("the base scenario has no workload {:?}", t.shared.workload),
            ));
        }
        if let Some(svc) = &t.shared.service {
            if !base.services.iter().any(|x| &x.name == svc) {
                p.push(problem(
                    format!("{at}.service"),
                    format!("the base scenario has no endpoint service {svc:?}"),
                ));
            }
        }
    }
    for (i, v) in s.variants.iter().enumerate() {
        for (j, e) in v.remove.iter().enumerate() {
            if !element_exists(base, e) {
                p.push(problem(
                    format!("variants[{i}].remove[{j}]"),
                    format!("the base scenario has no {}", element_label(e)),
                ));
            }
        }
    }
    p
}

pub(crate) fn element_label(e: &Element) -> String {
    match e {
        Element::Account(n) => format!("account {n:?}"),
        Element::Vpc(n) => format!("VPC {n:?}"),
        Element::SecurityGroup(n) => format!("security group {n:?}"),
        Element::Workload(n) => format!("workload {n:?}"),
        Element::Nlb(n) => format!("load balancer {n:?}"),
        Element::Service(n) => format!("endpoint service {n:?}"),
        Element::Endpoint(n) => format!("interface endpoint {n:?}"),
        Element::GatewayEndpoint(n) => format!("gateway endpoint {n:?}"),
        Element::Peering(n) => format!("peering {n:?}"),
        Element::TransitGateway(n) => format!("transit gateway {n:?}"),
        Element::NatGateway(n) => format!("NAT gateway {n:?}"),
        Element::Site(n) => format!("site {n:?}"),
        Element::DirectConnect(n) => format!("Direct Connect {n:?}"),
        Element::Traffic(n) => format!("traffic class {n:?}"),
        Element::Events(k) => format!("event of kind {k:?}"),
        Element::Expectations => "expectation".to_string(),
    }
}

fn element_exists(s: &Scenario, e: &Element) -> bool {
    match e {
        Element::Account(n) => s.accounts.iter().any(|x| &x.name == n),
        Element::Vpc(n) => s.vpcs.iter().any(|x| &x.name == n),
        Element::SecurityGroup(n) => s.security_groups.iter().any(|x| &x.name == n),
        Element::Workload(n) => s.workloads.iter().any(|x| &x.name == n),
        Element::Nlb(n) => s.load_balancers.iter().any(|x| &x.name == n),
        Element::Service(n) => s.services.iter().any(|x| &x.name == n),
        Element::Endpoint(n) => s.endpoints.iter().any(|x| &x.name == n),
        Element::GatewayEndpoint(n) => s.gateway_endpoints.iter().any(|x| &x.name == n),
        Element::Peering(n) => s.peerings.iter().any(|x| &x.name == n),
        Element::TransitGateway(n) => s.transit_gateways.iter().any(|x| &x.name == n),
        Element::NatGateway(n) => s.nat_gateways.iter().any(|x| &x.name == n),
        Element::Site(n) => s.sites.iter().any(|x| &x.name == n),
        Element::DirectConnect(n) => s.direct_connects.iter().any(|x| &x.name == n),
        Element::Traffic(n) => s.traffic.iter().any(|x| &x.name == n),
        Element::Events(k) => s.events.iter().any(|x| x.event().kind() == k),
        Element::Expectations => !s.expect.is_empty(),
    }
}

/// Resolves a quota-profile or pricebook reference of a variant: `.ron`
/// files are relative to the study's folder (made absolute, so that the
/// generated scenario finds them wherever its base lives).
pub(crate) fn resolve_file_ref(reference: &str, dir: Option<&Path>) -> String {
    if !reference.ends_with(".ron") {
        return reference.to_string();
    }
    let p = match dir {
        Some(d) => d.join(reference),
        None => PathBuf::from(reference),
    };
    std::fs::canonicalize(&p).unwrap_or(p).display().to_string()
}
