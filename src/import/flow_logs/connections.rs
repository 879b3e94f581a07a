//! Flow-log records → connections → traffic classes.
//!
//! 1. **Direction.** Each flow (5-tuple, either way round) gets one client
//!    and one server: from the TCP flags where a record shows them (SYN
//!    without ACK is sent by the client, SYN-ACK by the server), else the
//!    server is the end with the lower port, else the end that only serves
//!    (endpoint, load balancer, internet), else the lower address.
//! 2. **One capture per flow.** A flow between two logged interfaces is in
//!    both logs; the client's interface is kept (else the lowest interface
//!    id), the other copies are counted as duplicates.
//! 3. **Connections.** Records of a flow within one aggregation interval are
//!    one connection: bytes from client to server are its request, bytes
//!    back its response.
//! 4. **Classes.** Connections with the same client, target, protocol and
//!    server port are one traffic class.
//!
//! A flow whose client is a NAT gateway, an NLB or an interface endpoint is
//! the inner leg of a path vpcsim builds itself (the client's own flow to
//! the endpoint or the internet is replayed); it is counted, not replayed.
//!
//! Owns: records → classes. Must not: read files or write the scenario.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use super::addresses::{Addresses, Unknown, Who};
use super::records::Record;

/// One end of a flow.
type End = (IpAddr, u16);

/// A flow, client first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flow {
    pub client: End,
    pub server: End,
    pub protocol: u8,
}

/// One replayed connection: a flow within one aggregation interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    /// Seconds after the first replayed record.
    pub time: u64,
    pub request: u64,
    pub response: u64,
}

/// Connections of one client to one target on one port.
#[derive(Debug, Clone)]
pub struct Class {
    pub client: Who,
    pub target: Who,
    pub protocol: u8,
    pub port: u16,
    pub rows: Vec<Row>,
    pub records: u64,
}

/// What the records became.
#[derive(Debug, Default)]
pub struct Outcome {
    pub classes: Vec<Class>,
    /// Unix seconds of the first replayed record.
    pub t0: u64,
    /// Records by fate.
    pub tallies: BTreeMap<&'static str, u64>,
    /// Records whose client or target is no element: reason → address → records.
    pub unmatched: BTreeMap<Unknown, BTreeMap<IpAddr, u64>>,
    /// Flows not replayed for another reason: message → records.
    pub left_out: BTreeMap<String, u64>,
}

/// The packet's own addresses where the log gives them.
fn ends(r: &Record) -> (End, End) {
    (
        (r.pkt_src.unwrap_or(r.src), r.src_port),
        (r.pkt_dst.unwrap_or(r.dst), r.dst_port),
    )
}

/// A flow's key either way round.
fn unordered(a: End, b: End, protocol: u8) -> (End, End, u8) {
    if a <= b {
        (a, b, protocol)
    } else {
        (b, a, protocol)
    }
}

fn only_serves(w: &Result<Who, Unknown>) -> bool {
    matches!(
        w,
        Ok(Who::Endpoint(_) | Who::Nlb(_) | Who::Internet | Who::S3 | Who::DynamoDb)
    )
}

/// The client of every flow (by its unordered key).
fn directions(records: &[Record], addr: &Addresses) -> BTreeMap<(End, End, u8), End> {
    let mut by_flags: BTreeMap<(End, End, u8), End> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for r in records {
        let (s, d) = ends(r);
        let key = unordered(s, d, r.protocol);
        seen.insert(key);
        match r.tcp_flags.map(|f| f & 0x12) {
            Some(0x02) => {
                by_flags.entry(key).or_insert(s);
            }
            Some(0x12) => {
                by_flags.entry(key).or_insert(d);
            }
            _ => {}
        }
    }
    seen.into_iter()
        .map(|key| {
            let (a, b, _) = key;
            let client = by_flags.get(&key).copied().unwrap_or_else(|| {
                if a.1 != b.1 {
                    if a.1 > b.1 {
                        a
                    } else {
                        b
                    }
                } else if only_serves(&addr.resolve(a.0)) {
                    b
                } else if only_serves(&addr.resolve(b.0)) {
                    a
                } else {
                    b
                }
            });
            (key, client)
        })
        .collect()
}

/// A class's key: client, target, protocol, server port.
type ClassKey = (Who, Who, u8, u16);
/// A class's connections: (interval, flow) → (records, row).
type Connections = BTreeMap<(u64, Flow), (u64, Row)>;

/// The flow of each record, client first, and whether the record goes from
/// client to server.
fn flows_of(records: &[Record], addr: &Addresses) -> Vec<(Flow, bool)> {
    let dir = directions(records, addr);
    records
        .iter()
        .map(|r| {
            let (s, d) = ends(r);
            // Every record's key is in `dir` (built from the same records).
            let client = dir.get(&unordered(s, d, r.protocol)).copied().unwrap_or(s);
            let (client, server, upstream) = if client == s {
                (s, d, true)
            } else {
                (d, s, false)
            };
            let flow = Flow {
                client,
                server,
                protocol: r.protocol,
            };
            (flow, upstream)
        })
        .collect()
}

/// The capture kept for each flow (the client's interface, else the lowest
/// id) and the AWS service at its server's end, from any of its records.
fn captures<'r>(
    records: &'r [Record],
    flows: &[(Flow, bool)],
    addr: &Addresses,
) -> (BTreeMap<Flow, &'r str>, BTreeMap<Flow, &'r str>) {
    let mut seen: BTreeMap<Flow, BTreeSet<&str>> = BTreeMap::new();
    let mut services: BTreeMap<Flow, &str> = BTreeMap::new();
    for (r, (f, upstream)) in records.iter().zip(flows) {
        seen.entry(*f).or_default().insert(r.interface.as_str());
        let service = if *upstream {
            &r.dst_service
        } else {
            &r.src_service
        };
        if let Some(s) = service {
            services.entry(*f).or_insert(s.as_str());
        }
    }
    let kept = seen
        .iter()
        .map(|(f, ifaces)| {
            let client = addr.resolve(f.client.0).ok();
            let own = ifaces
                .iter()
                .find(|i| client.is_some() && addr.of_eni(i) == client.as_ref());
            (*f, *own.or(ifaces.iter().next()).unwrap_or(&"-"))
        })
        .collect();
    (kept, services)
}

/// Turns records into classes; `interval` is the aggregation interval in
/// seconds (at least 1).
pub fn classes(records: &[Record], addr: &Addresses, interval: u64) -> Outcome {
    let mut out = Outcome::default();
    let flows = flows_of(records, addr);
    let (kept, services) = captures(records, &flows, addr);
    let mut replay: Vec<(&Record, Flow, bool, Who, Who)> = Vec::new();
    for (r, (f, upstream)) in records.iter().zip(flows) {
        if kept.get(&f).copied() != Some(r.interface.as_str()) {
            *out.tallies.entry("duplicate captures").or_default() += 1;
            continue;
        }
        let service = services.get(&f).copied();
        if let Some((client, target)) = judge(&f, service, addr, &mut out) {
            replay.push((r, f, upstream, client, target));
        }
    }
    out.t0 = replay.iter().map(|x| x.0.start).min().unwrap_or(0);
    let mut grouped: BTreeMap<ClassKey, Connections> = BTreeMap::new();
    for (r, f, upstream, client, target) in replay {
        let at = r.start - out.t0;
        let bucket = at / interval.max(1);
        let e = grouped
            .entry((client, target, f.protocol, f.server.1))
            .or_default()
            .entry((bucket, f))
            .or_insert((
                0,
                Row {
                    time: at,
                    ..Row::default()
                },
            ));
        e.0 += 1;
        e.1.time = e.1.time.min(at);
        if upstream {
            e.1.request += r.bytes;
        } else {
            e.1.response += r.bytes;
        }
    }
    for ((client, target, protocol, port), conns) in grouped {
        let records = conns.values().map(|(n, _)| n).sum();
        *out.tallies.entry("replayed").or_default() += records;
        let mut rows: Vec<Row> = conns.into_values().map(|(_, r)| r).collect();
        rows.sort();
        out.classes.push(Class {
            client,
            target,
            protocol,
            port,
            rows,
            records,
        });
    }
    out
}

/// The client and target of a kept record's flow, or why it is not replayed.
fn judge(
    f: &Flow,
    service: Option<&str>,
    addr: &Addresses,
    out: &mut Outcome,
) -> Option<(Who, Who)> {
    let mut unmatched = |why: Unknown, ip: IpAddr| {
        *out.tallies.entry("unmatched").or_default() += 1;
        *out.unmatched.entry(why).or_default().entry(ip).or_default() += 1;
        None
    };
    let client = match addr.resolve(f.client.0) {
        Ok(w) => w,
        Err(why) => return unmatched(why, f.client.0),
    };
    if matches!(client, Who::Nat(_) | Who::Nlb(_) | Who::Endpoint(_)) {
        *out.tallies.entry("inner legs").or_default() += 1;
        let why = format!(
            "flows from {} (the inner leg of a path vpcsim builds itself)",
            client.label()
        );
        *out.left_out.entry(why).or_default() += 1;
        return None;
    }
    let target = match addr.resolve(f.server.0) {
        Ok(Who::Internet) => match service {
            Some("S3") => Who::S3,
            Some("DYNAMODB") => Who::DynamoDb,
            _ => Who::Internet,
        },
        Ok(w) => w,
        Err(why) => return unmatched(why, f.server.0),
    };
    let mut leave = |tally: &'static str, why: String| {
        *out.tallies.entry(tally).or_default() += 1;
        *out.left_out.entry(why).or_default() += 1;
        None
    };
    if !matches!(f.protocol, 6 | 17) {
        return leave(
            "other protocols",
            format!("protocol {} (only TCP and UDP are replayed)", f.protocol),
        );
    }
    match (&client, &target) {
        (Who::Internet | Who::S3 | Who::DynamoDb, _) => leave(
            "from the internet",
            "flows started from the internet (sources are workloads and sites)".into(),
        ),
        (_, Who::Nlb(_) | Who::Nat(_)) => leave(
            "to a load balancer or NAT",
            format!(
                "flows to {} itself (targets are workloads, sites, endpoints, services, the internet)",
                target.label()
            ),
        ),
        _ if client == target => leave(
            "within one element",
            format!("flows within {}", client.label()),
        ),
        _ => Some((client, target)),
    }
}
