//! `vpcsim explain`: what happens to one connection from a source to a
//! target at a given time, hop by hop, like a reachability analyzer.
//!
//! Owns: the replay of control-plane state up to an instant and the
//! rendering of one decision as text or JSON. Must not: run traffic.

use std::fmt::Write as _;

use serde::Serialize;

use crate::control::{Hop, Outcome, Src};
use crate::fabric::{Fabric, FabricError, Node};
use crate::load::Loaded;
use crate::scenario::{AwsService, Dns, Source, Target};
use crate::sim::decide::client_side;
use crate::sim::labels::target_label;
use crate::sim::question::Question;
use crate::sim::{Prepared, RunOptions};
use crate::units::{SimDuration, SimTime};

/// What to explain.
#[derive(Debug, Clone, Default)]
pub struct ExplainQuery {
    /// A traffic class whose source, target, port and request to use.
    pub traffic: Option<String>,
    /// A workload or site name (`site:NAME` also accepted).
    pub from: Option<String>,
    /// A target: service, endpoint, workload, site, `s3`, `dynamodb`,
    /// `internet`, or a DNS name; `kind:name` forms disambiguate.
    pub to: Option<String>,
    /// DNS mode for service and endpoint targets: `regional`, `zonal`, `zonal:<az-id>`.
    pub dns: Option<String>,
    pub port: Option<u16>,
    /// The instant (default 0).
    pub at: SimDuration,
    /// Which source instance or host (default 0).
    pub instance: usize,
    /// Entity cap (`--max-entities`; default [`crate::limits::DEFAULT_MAX_ENTITIES`]).
    pub max_entities: Option<u64>,
}

/// Why a question cannot be answered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExplainError {
    #[error(transparent)]
    Fabric(#[from] FabricError),
    #[error("{0}")]
    Query(String),
    #[error(transparent)]
    Run(#[from] crate::sim::RunError),
    #[error(transparent)]
    Cost(#[from] crate::cost::CostError),
}

/// The answer, for text or JSON output.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub scenario: String,
    pub at_s: f64,
    pub source: String,
    pub target: String,
    pub port: u16,
    /// Set when the client asked about is in a failed AZ: the run opens no
    /// connection from it and moves the class's demand to its live
    /// instances; the hops are those of the connection the run opens
    /// instead.
    pub moved: Option<MovedClient>,
    pub outcome: &'static str,
    pub path: &'static str,
    pub reason: Option<&'static str>,
    pub at_hop: Option<usize>,
    pub hint: Option<String>,
    /// For a denial between two entities of the scenario (not DNS names,
    /// AWS services or the internet): the shortest chain of wired entities
    /// joining them, ends included, whatever the routes and filters say;
    /// empty when nothing in the scenario connects them.
    pub wiring: Option<Vec<String>>,
    pub hops: Vec<Hop>,
    /// For a delivered connection: the meters its bytes feed, priced for
    /// 1 GB (2^30 bytes) each way, each attached to the hop that incurs it.
    pub cost_trace: Vec<CostHop>,
    /// The pricebook that priced the trace.
    pub pricebook: String,
    /// The pricing rule set that decided who pays (`faq`, `current`).
    pub rules: String,
}

/// Where the run moves a connection whose client is in a failed AZ.
#[derive(Debug, Clone, Serialize)]
pub struct MovedClient {
    /// The client asked about (`workload[i]`).
    pub from: String,
    /// Its AZ, down at the instant.
    pub az: String,
    /// The live instance the run opens the connection from instead.
    pub to: String,
    /// How many of the workload's instances are live (each equally likely).
    pub live_instances: usize,
}

/// One meter a delivered connection feeds, priced for 1 GB each way.
#[derive(Debug, Clone, Serialize)]
pub struct CostHop {
    /// 0-based index into `hops` of the hop that incurs it.
    pub hop: Option<usize>,
    pub category: &'static str,
    pub payer: String,
    pub resource: String,
    pub az: Option<String>,
    /// `in`/`out` for transfer meters.
    pub detail: Option<String>,
    pub rate_usd_per_gb: String,
    /// What 1 GB sent each way costs on this meter.
    pub usd: String,
}

/// The hop kind a meter's charge belongs to.
fn hop_kind_of(category: crate::cost::Category, resource: &str, hops: &[Hop]) -> Option<usize> {
    use crate::cost::Category as C;
    let find = |kind: &str| hops.iter().position(|h| h.kind == kind);
    match category {
        C::EndpointDataProcessed => find("endpoint-eni"),
        C::CrossAz => hops
            .iter()
            .position(|h| h.kind == "nlb" && h.component == resource)
            .or_else(|| find("endpoint-eni"))
            .or_else(|| hops.iter().rposition(|h| h.kind == "instance")),
        C::PeeringSameAz | C::PeeringCrossAz | C::PeeringInterRegion => find("peering"),
        C::TgwDataProcessed => find("transit-gateway"),
        C::NatDataProcessed | C::InternetOut => {
            find("nat-gateway").or_else(|| find("internet-gateway"))
        }
        C::DxDataOut => find("direct-connect"),
        C::GatewayEndpoint => find("gateway-endpoint"),
        _ => None,
    }
}

/// Prices one delivered plan: 1 GB request and 1 GB response through the
/// same attribution rules as a run.
fn cost_trace(
    fabric: &Fabric,
    pricebook: &crate::cost::Pricebook,
    region: &str,
    plan: &crate::control::Plan,
    client: crate::cost::usage::ClientSide,
    hops: &[Hop],
    rules: &str,
) -> Result<Vec<CostHop>, crate::cost::CostError> {
    use crate::cost::usage::{Leg, UsageRecorder};
    let gb = pricebook.gb_bytes;
    let mut usage = UsageRecorder::with_rules(&pricebook.rule_book(), rules)?;
    usage.record(fabric, plan, client, Leg::Request, SimTime::ZERO, gb);
    usage.record(fabric, plan, client, Leg::Response, SimTime::ZERO, gb);
    let bill = crate::cost::bill(
        usage.meters(),
        pricebook,
        region,
        &crate::cost::BillOptions::default(),
    )?;
    Ok(bill
        .lines
        .iter()
        .map(|l| CostHop {
            hop: hop_kind_of(l.category, &l.resource, hops),
            category: l.category.as_str(),
            payer: l.account.clone(),
            resource: l.resource.clone(),
            az: l.az.clone(),
            detail: l.detail.clone(),
            rate_usd_per_gb: l.rate.amount().normalize().to_string(),
            usd: l.usd.amount().normalize().to_string(),
        })
        .collect())
}

fn parse_target(fabric: &Fabric, text: &str, dns: Dns) -> Result<Target, ExplainError> {
    let (kind, name) = match text.split_once(':') {
        Some((k, n)) if ["service", "endpoint", "workload", "site", "dns", "aws"].contains(&k) => {
            (Some(k), n)
        }
        _ => (None, text),
    };
    let t = match (kind, name) {
        (Some("service"), n) | (None, n) if fabric.service(n).is_some() => Target::Service { name: n.to_string(), dns },
        (Some("endpoint"), n) | (None, n) if fabric.endpoint(n).is_some() => Target::Endpoint { name: n.to_string(), dns },
        (Some("workload"), n) | (None, n) if fabric.workload(n).is_some() => Target::Workload(n.to_string()),
        (Some("site"), n) | (None, n) if fabric.site(n).is_some() => Target::Site(n.to_string()),
        (Some("aws") | None, "s3") => Target::Aws(AwsService::S3),
        (Some("aws") | None, "dynamodb") => Target::Aws(AwsService::DynamoDB),
        (None, "internet") => Target::Internet,
        (Some("dns"), n) => Target::PrivateDns(n.to_string()),
        (None, n) if n.contains('.') => Target::PrivateDns(n.to_string()),
        _ => {
            return Err(ExplainError::Query(format!(
                "--to {text:?} names no service, endpoint, workload or site; use a name from the scenario, s3, dynamodb, internet, or a DNS name"
            )))
        }
    };
    Ok(t)
}

/// `--dns`: `regional`, `zonal`, or `zonal:<az-id>` naming an AZ of the
/// scenario.
fn parse_dns(fabric: &Fabric, text: Option<&str>) -> Result<Dns, ExplainError> {
    match text {
        None | Some("regional") => Ok(Dns::Regional),
        Some("zonal") => Ok(Dns::Zonal),
        Some(t) if t.starts_with("zonal:") => {
            let az = &t["zonal:".len()..];
            if fabric.az(az).is_some() {
                return Ok(Dns::ZonalIn(az.to_string()));
            }
            let azs: Vec<&str> = fabric.azs.iter().map(|a| a.id.as_str()).collect();
            let looks_like_id = az.split_once("-az").is_some_and(|(region, n)| {
                !region.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
            });
            let why = if looks_like_id {
                format!("AZ {az} is not in this scenario")
            } else {
                format!("{az:?} is not an AZ ID")
            };
            Err(ExplainError::Query(format!(
                "--dns {t:?}: {why}; the scenario's AZs are {} (e.g. --dns zonal:{})",
                azs.join(", "),
                azs.first().copied().unwrap_or("use1-az1")
            )))
        }
        Some(t) => Err(ExplainError::Query(format!(
            "--dns {t:?}: use regional, zonal or zonal:<az-id>"
        ))),
    }
}

/// The traffic class a query names, if any.
fn query_class<'s>(
    scenario: &'s crate::scenario::Scenario,
    q: &ExplainQuery,
) -> Result<Option<(usize, &'s crate::scenario::Traffic)>, ExplainError> {
    let Some(name) = &q.traffic else {
        return Ok(None);
    };
    scenario
        .traffic
        .iter()
        .enumerate()
        .find(|(_, t)| t.name == *name)
        .map(Some)
        .ok_or_else(|| {
            let known: Vec<&str> = scenario.traffic.iter().map(|t| t.name.as_str()).collect();
            ExplainError::Query(format!(
                "unknown traffic class {name:?}; known: {}",
                known.join(", ")
            ))
        })
}

/// Who opens the connection: `--from`, else the class's source.
fn query_source(
    fabric: &Fabric,
    q: &ExplainQuery,
    class: Option<&crate::scenario::Traffic>,
) -> Result<Source, ExplainError> {
    match (&q.from, class) {
        (Some(f), _) => {
            let name = f.strip_prefix("site:").unwrap_or(f);
            if fabric.workload(name).is_some() && !f.starts_with("site:") {
                Ok(Source::Workload(name.to_string()))
            } else if fabric.site(name).is_some() {
                Ok(Source::Site(name.to_string()))
            } else {
                Err(ExplainError::Query(format!(
                    "--from {f:?} names no workload or site of the scenario"
                )))
            }
        }
        (None, Some(c)) => Ok(c.from.clone()),
        (None, None) => Err(ExplainError::Query(
            "give --traffic CLASS, or --from and --to".to_string(),
        )),
    }
}

/// What the connection is for: `--to`, else the class's target (with
/// `--dns` applied to a service or endpoint).
fn query_target(
    fabric: &Fabric,
    q: &ExplainQuery,
    class: Option<&crate::scenario::Traffic>,
) -> Result<Target, ExplainError> {
    let dns = parse_dns(fabric, q.dns.as_deref())?;
    match (&q.to, class) {
        (Some(t), _) => parse_target(fabric, t, dns),
        (None, Some(c)) => Ok(match (&c.to, &q.dns) {
            (Target::Service { name, .. }, Some(_)) => Target::Service {
                name: name.clone(),
                dns,
            },
            (Target::Endpoint { name, .. }, Some(_)) => Target::Endpoint {
                name: name.clone(),
                dns,
            },
            (t, _) => t.clone(),
        }),
        (None, None) => Err(ExplainError::Query("give --to TARGET".to_string())),
    }
}

/// `--instance` must name an instance of the workload (or a host of the
/// site) the connection comes from.
fn check_instance(fabric: &Fabric, source: &Source, instance: usize) -> Result<(), ExplainError> {
    let (what, name, n) = match source {
        Source::Workload(w) => {
            let id = fabric
                .workload(w)
                .ok_or_else(|| ExplainError::Query(format!("no workload {w:?}")))?;
            ("workload", w, fabric.workloads[id.index()].instances.len())
        }
        Source::Site(s) => {
            let id = fabric
                .site(s)
                .ok_or_else(|| ExplainError::Query(format!("no site {s:?}")))?;
            ("site", s, fabric.sites[id.index()].hosts as usize)
        }
    };
    let unit = if what == "site" { "hosts" } else { "instances" };
    match n {
        0 => Err(ExplainError::Query(format!(
            "{what} {name:?} has no {unit}"
        ))),
        n if instance >= n => Err(ExplainError::Query(format!(
            "--instance {instance}: {what} {name:?} has {n} {unit}; use 0 to {}",
            n - 1
        ))),
        _ => Ok(()),
    }
}

/// `--at` must be within the run: from 0 to the scenario's duration.
fn check_at(scenario: &crate::scenario::Scenario, at: SimDuration) -> Result<(), ExplainError> {
    if at > scenario.duration {
        return Err(ExplainError::Query(format!(
            "--at {at}: past the end of the run; scenario {:?} lasts {}, use a time from 0s to {}",
            scenario.name, scenario.duration, scenario.duration
        )));
    }
    Ok(())
}

/// The graph node of a connection's target, where it is one entity.
fn target_node(fabric: &Fabric, target: &Target) -> Option<Node> {
    match target {
        Target::Service { name, .. } => fabric.service(name).map(Node::EndpointService),
        Target::Endpoint { name, .. } => fabric.endpoint(name).map(Node::InterfaceEndpoint),
        Target::Workload(name) => fabric.workload(name).map(Node::Workload),
        Target::Site(name) => fabric.site(name).map(Node::OnPremSite),
        Target::PrivateDns(_) | Target::Aws(_) | Target::Internet => None,
    }
}

/// For a denial between two entities: what the scenario wires between them.
fn wiring(fabric: &Fabric, src: Src, target: &Target) -> Option<Vec<String>> {
    let from = match src {
        Src::Instance { workload, .. } => Node::Workload(workload),
        Src::Host { site, .. } => Node::OnPremSite(site),
    };
    let to = target_node(fabric, target)?;
    Some(fabric.wiring_path(from, to).unwrap_or_default())
}

/// Asks the run's own decision (see [`crate::sim::question`]): the same
/// prepared run, the control plane replayed to `q.at` as the run replays
/// it, and the connection decided by the function every arrival of the run
/// calls, under the run's policy for clients in a failed AZ.
pub fn explain(
    loaded: &Loaded,
    q: &ExplainQuery,
    seed: Option<u64>,
) -> Result<Explanation, ExplainError> {
    let scenario = loaded.scenario();
    let prepared = Prepared::new(loaded, &explain_options(q, seed))?;
    let fabric = prepared.fabric();
    let class = query_class(scenario, q)?;
    let spec = class.map(|(_, c)| c);
    let source = query_source(fabric, q, spec)?;
    let target = query_target(fabric, q, spec)?;
    check_instance(fabric, &source, q.instance)?;
    check_at(scenario, q.at)?;
    let question = Question {
        class: class.map(|(i, _)| i),
        source: (q.from.is_some() || class.is_none()).then(|| source.clone()),
        target: (q.to.is_some() || q.dns.is_some() || class.is_none()).then(|| target.clone()),
        port: q.port,
        instance: q.instance,
        at: SimTime(q.at.as_nanos()),
    };
    let pricebook = loaded.pricebook();
    let answer = prepared.ask(&question).ok_or_else(|| {
        ExplainError::Query("the connection's source names nothing of the scenario".to_string())
    })?;
    let fabric = &answer.fabric;
    let decision = &answer.decision;
    let cost_trace = if decision.outcome.is_delivered() {
        cost_trace(
            fabric,
            pricebook,
            &scenario.region,
            &decision.plan,
            client_side(fabric, answer.src),
            decision.outcome.hops(),
            loaded.rules(),
        )?
    } else {
        Vec::new()
    };
    let (outcome, reason, at_hop, hint, wiring) = match &decision.outcome {
        Outcome::Delivered { .. } => ("DELIVERED", None, None, None, None),
        Outcome::Denied {
            reason,
            at_hop,
            hint,
            ..
        } => (
            "DENIED",
            Some(reason.code()),
            Some(*at_hop),
            Some(hint.clone()),
            wiring(fabric, answer.src, &answer.target),
        ),
    };
    let instance_label = |i: usize| match &answer.source {
        Source::Workload(w) => format!("{w}[{i}]"),
        Source::Site(s) => format!("site:{s}[{i}]"),
    };
    Ok(Explanation {
        scenario: scenario.name.clone(),
        at_s: q.at.as_secs_f64(),
        source: instance_label(q.instance),
        target: target_label(&answer.target),
        port: answer.port,
        moved: answer.moved.map(|m| MovedClient {
            from: instance_label(m.from),
            az: fabric.az_name(m.az).to_string(),
            to: instance_label(m.to),
            live_instances: m.live,
        }),
        outcome,
        path: decision.outcome.path().name(),
        reason,
        at_hop,
        hint,
        wiring,
        hops: decision.outcome.hops().to_vec(),
        cost_trace,
        pricebook: pricebook.name.clone(),
        rules: loaded.rules().to_string(),
    })
}

/// The run options `explain` assembles with: the run's seed and entity
/// cap. Connection and series caps bound what a run keeps; the replay
/// keeps nothing per connection, so they do not apply.
fn explain_options(q: &ExplainQuery, seed: Option<u64>) -> RunOptions {
    RunOptions {
        seed,
        quiet: true,
        limits: crate::limits::Limits {
            max_entities: q
                .max_entities
                .unwrap_or(crate::limits::DEFAULT_MAX_ENTITIES),
            max_connections: u64::MAX,
            max_timeseries_rows: u64::MAX,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The explanation as a readable table.
pub fn render_text(e: &Explanation) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} → {} (port {}) in scenario {:?} at {}",
        e.source,
        e.target,
        e.port,
        e.scenario,
        SimDuration((e.at_s * 1e9) as u64)
    );
    if let Some(m) = &e.moved {
        let _ = writeln!(
            s,
            "Client {} is in {}, which is down: the run opens no connection from it and moves the class's demand to its {} live instances (each equally likely). This connection comes from {}:",
            m.from, m.az, m.live_instances, m.to
        );
    }
    let _ = writeln!(s);
    let w_comp = e
        .hops
        .iter()
        .map(|h| h.component.chars().count())
        .max()
        .unwrap_or(9)
        .clamp(9, 60);
    let w_kind = e
        .hops
        .iter()
        .map(|h| h.kind.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        s,
        "  #  {:<w_comp$}  {:<w_kind$}  {:<9}  {:<12}  check",
        "component", "type", "AZ", "account"
    );
    for (i, h) in e.hops.iter().enumerate() {
        let mark = if e.at_hop == Some(i) { "✗" } else { " " };
        let comp: String = if h.component.chars().count() > w_comp {
            let cut: String = h.component.chars().take(w_comp - 1).collect();
            format!("{cut}…")
        } else {
            h.component.clone()
        };
        let _ = writeln!(
            s,
            "{mark}{:>2}  {:<w_comp$}  {:<w_kind$}  {:<9}  {:<12}  {}",
            i + 1,
            comp,
            h.kind,
            h.az.as_deref().unwrap_or("-"),
            h.account.as_deref().unwrap_or("-"),
            h.check
        );
    }
    let _ = writeln!(s);
    match (e.reason, e.at_hop, &e.hint) {
        (Some(r), Some(hop), Some(hint)) => {
            let comp = e
                .hops
                .get(hop)
                .map(|h| format!("{} {}", h.kind, h.component))
                .unwrap_or_default();
            let _ = writeln!(s, "Outcome: DENIED ({}) at hop {}: {comp}", r, hop + 1);
            let _ = writeln!(s, "Fix: {hint}");
            match e.wiring.as_deref() {
                Some([]) => {
                    let _ = writeln!(s, "Wiring: nothing in the scenario connects the two ends");
                }
                Some(chain) => {
                    let _ = writeln!(s, "Wiring: {}", chain.join(" — "));
                }
                None => {}
            }
        }
        _ => {
            let _ = writeln!(s, "Outcome: DELIVERED over a {} path", e.path);
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "Cost trace (pricebook {}, rules {}): what 1 GB (AWS's GB: 2^30 bytes) each way (request and response) feeds",
                e.pricebook, e.rules
            );
            if e.cost_trace.is_empty() {
                let _ = writeln!(s, "  nothing: this path has no data charge");
            }
            let mut total = rust_decimal::Decimal::ZERO;
            for c in &e.cost_trace {
                let hop = c
                    .hop
                    .map(|h| format!("hop {:>2}", h + 1))
                    .unwrap_or_else(|| "      ".to_string());
                let what = match (c.category, &c.az, &c.detail) {
                    ("cross_az" | "peering_cross_az", Some(az), Some(dir)) => {
                        format!("{} ({dir}, AZ crossed from {az})", c.category)
                    }
                    // The NLB meter: bytes are one of its three NLCU dimensions.
                    ("nlb_capacity_units", _, _) => {
                        format!("nlb_capacity_units (NLB {})", c.resource)
                    }
                    (cat, _, _) => cat.to_string(),
                };
                let unit = if c.category == "nlb_capacity_units" {
                    "NLCU-h"
                } else {
                    "GB"
                };
                let _ = writeln!(
                    s,
                    "  {hop}  {what:<44} {:<14} pays ${}/{unit}  → ${}",
                    c.payer, c.rate_usd_per_gb, c.usd
                );
                total += c.usd.parse::<rust_decimal::Decimal>().unwrap_or_default();
            }
            if !e.cost_trace.is_empty() {
                let _ = writeln!(s, "  total per GB each way: ${}", total.normalize());
            }
            if e.cost_trace
                .iter()
                .any(|c| c.category == "nlb_capacity_units")
            {
                let _ = writeln!(
                    s,
                    "  NLB meter: 1 GB processed in an hour is 1 NLCU-h when bytes is that hour's largest NLCU dimension (else new connections/s ÷ 800 or active connections ÷ 100,000); nlb_hours bill each NLB per hour, not per GB"
                );
            }
        }
    }
    s
}
