//! The run's events as people read them: windows (an AZ down from 3h to
//! 3h30m, an endpoint suspended, a blue/green NLB swap) and instant events,
//! for the time charts, the text summary and report.html.
//!
//! Read off the control plane's event log (`summary.json` →
//! `control_events`): a window opens at an applied event that takes
//! something away and closes at the applied event that gives it back (or at
//! the end of the run). The set-up at time zero (NLB associations, endpoint
//! creations that AWS accepted) is not an event a reader looks for and is
//! left out; a set-up AWS refused is kept.
//!
//! Owns: pairing events into windows and naming them. Must not: decide
//! what an event did (the control plane's record says).

use std::collections::BTreeMap;

use super::charts::{EventMarker, EventWindow, Timeline, WindowKind};
use crate::control::EventRecord;

/// Whether a record is part of the initial set-up a reader does not look for.
fn is_setup(r: &EventRecord) -> bool {
    r.applied && r.time_s == 0.0 && (r.event == "initial" || r.event == "CreateEndpoint")
}

/// The records worth listing: every scenario event, and refused set-ups.
pub fn listed(records: &[EventRecord]) -> Vec<&EventRecord> {
    records.iter().filter(|r| !is_setup(r)).collect()
}

/// `orders ↔ green` → (`orders`, `green`).
fn service_and_nlb(subject: &str) -> (&str, &str) {
    match subject.split_once('↔') {
        Some((s, n)) => (s.trim(), n.trim()),
        None => (subject.trim(), ""),
    }
}

/// What an applied record does to windows: opens one (`Some(key, kind,
/// label)`), closes one (`key`), or neither.
enum Effect {
    Open(String, WindowKind, String),
    Close(String),
    None,
}

fn effect(r: &EventRecord) -> Effect {
    let s = r.subject.as_str();
    match r.event.as_str() {
        "AzOutage" => Effect::Open(format!("az:{s}"), WindowKind::Outage, format!("{s} down")),
        "AzRecover" => Effect::Close(format!("az:{s}")),
        "DxDown" => Effect::Open(format!("dx:{s}"), WindowKind::LinkDown, format!("{s} down")),
        "DxUp" => Effect::Close(format!("dx:{s}")),
        "Suspend" => Effect::Open(
            format!("ep:{s}"),
            WindowKind::Lifecycle,
            format!("{s} suspended"),
        ),
        "Reject" => Effect::Open(
            format!("ep:{s}"),
            WindowKind::Lifecycle,
            format!("{s} rejected"),
        ),
        "Terminate" => Effect::Open(
            format!("ep:{s}"),
            WindowKind::Lifecycle,
            format!("{s} terminated"),
        ),
        "Resume" | "Accept" | "DeleteEndpoint" => Effect::Close(format!("ep:{s}")),
        "AddNlb" => {
            let (svc, nlb) = service_and_nlb(s);
            Effect::Open(
                format!("swap:{svc}"),
                WindowKind::NlbSwap,
                format!("{svc}: + {nlb}"),
            )
        }
        "RemoveNlb" => Effect::Close(format!("swap:{}", service_and_nlb(s).0)),
        _ => Effect::None,
    }
}

/// The short label of an instant event: `acme-orders accepted`,
/// `billing private DNS Verified`; a refused action is named as the
/// scenario wrote it (`Suspend ep refused`).
fn marker_label(r: &EventRecord) -> String {
    let s = r.subject.as_str();
    if !r.applied {
        return format!("{} {s} refused", r.event);
    }
    match r.event.as_str() {
        "Accept" => format!("{s} accepted"),
        "CreateEndpoint" => format!("{s} created"),
        "DeleteEndpoint" => format!("{s} deleted"),
        "AllowPrincipal" => format!("{s}: principal allowed"),
        "RemovePrincipal" => format!("{s}: principal removed"),
        "SetPrivateDnsState" => match r.note.rsplit_once(' ') {
            Some((_, state)) => format!("{s} private DNS {state}"),
            None => format!("{s} private DNS"),
        },
        "AddNlb" | "RemoveNlb" => {
            let (svc, nlb) = service_and_nlb(s);
            let sign = if r.event == "AddNlb" { '+' } else { '−' };
            format!("{svc}: {sign} {nlb}")
        }
        other => format!("{other} {s}"),
    }
}

/// Pairs the log's events into windows and instant markers; windows still
/// open at `end_s` end there.
pub fn timeline(records: &[EventRecord], end_s: f64) -> Timeline {
    let mut open: BTreeMap<String, (f64, WindowKind, String)> = BTreeMap::new();
    let mut t = Timeline::default();
    for r in listed(records) {
        let fx = if r.applied { effect(r) } else { Effect::None };
        match fx {
            Effect::Open(key, kind, label) => {
                // Opening what is already open (a second outage of a down
                // AZ) keeps the first start.
                open.entry(key).or_insert((r.time_s, kind, label));
            }
            Effect::Close(key) => match open.remove(&key) {
                Some((start, kind, label)) => {
                    let label = if kind == WindowKind::NlbSwap {
                        // `billing: + green` then `billing ↔ blue` removed.
                        let (svc, old) = service_and_nlb(&r.subject);
                        let new = label.rsplit("+ ").next().unwrap_or("").to_string();
                        format!("{svc}: NLB {old} → {new}")
                    } else {
                        label
                    };
                    t.windows.push(EventWindow {
                        start_s: start,
                        end_s: r.time_s,
                        open_end: false,
                        label,
                        kind,
                    });
                }
                // Closing what was never opened (an Accept of a pending
                // endpoint, a RemoveNlb alone) is an instant event.
                None => t.markers.push(EventMarker {
                    time_s: r.time_s,
                    label: marker_label(r),
                }),
            },
            Effect::None => t.markers.push(EventMarker {
                time_s: r.time_s,
                label: marker_label(r),
            }),
        }
    }
    for (_, (start, kind, label)) in open {
        t.windows.push(EventWindow {
            start_s: start,
            end_s: end_s.max(start),
            open_end: true,
            label,
            kind,
        });
    }
    t.windows
        .sort_by(|a, b| a.start_s.total_cmp(&b.start_s).then(a.label.cmp(&b.label)));
    t
}

/// One line of an events table.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub time_s: f64,
    /// What happened, e.g. `use1-az2 down for 30m`.
    pub what: String,
    /// The control plane's word on it: `AZ down`, or why AWS refused.
    pub note: String,
    /// AWS would have refused the action; the reason code.
    pub refused: Option<String>,
}

/// What an applied record did, in words.
fn describe(r: &EventRecord) -> String {
    let s = r.subject.as_str();
    match r.event.as_str() {
        "AzOutage" | "DxDown" => format!("{s} down"),
        "AzRecover" | "DxUp" => format!("{s} back up"),
        "Suspend" => format!("{s} suspended"),
        "Resume" => format!("{s} resumed"),
        "Reject" => format!("{s} rejected"),
        "Terminate" => format!("{s} terminated"),
        _ => marker_label(r),
    }
}

/// The events table: every listed record in time order, those that open a
/// window with how long it lasted.
pub fn event_rows(records: &[EventRecord], end_s: f64) -> Vec<EventRow> {
    let windows = timeline(records, end_s).windows;
    listed(records)
        .into_iter()
        .map(|r| {
            let mut what = describe(r);
            if r.applied {
                if let Effect::Open(_, kind, label) = effect(r) {
                    let w = windows
                        .iter()
                        .find(|w| w.start_s == r.time_s && w.kind == kind && w.label == label);
                    if let Some(w) = w {
                        let span = super::human::duration(w.end_s - w.start_s);
                        if w.open_end {
                            what.push_str(&format!(" (still at the end, {span})"));
                        } else {
                            what.push_str(&format!(
                                " for {span} (until {})",
                                super::human::at(w.end_s)
                            ));
                        }
                    }
                }
            }
            EventRow {
                time_s: r.time_s,
                what,
                note: r.note.clone(),
                refused: (!r.applied).then(|| {
                    r.reason
                        .map(|x| x.code().to_string())
                        .unwrap_or_else(|| "REFUSED".to_string())
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(t: f64, event: &str, subject: &str, applied: bool) -> EventRecord {
        EventRecord {
            time_s: t,
            event: event.to_string(),
            subject: subject.to_string(),
            applied,
            reason: None,
            note: String::new(),
        }
    }

    #[test]
    fn outages_suspensions_and_swaps_become_windows() {
        // The quickstart's outage (3h for 30 min), the lifecycle scenario's
        // swap (green added at 20 min, blue removed at 25) and suspension
        // (40 to 45 min), and a DX link that never comes back.
        let log = vec![
            rec(0.0, "initial", "billing ↔ blue", true),
            rec(0.0, "CreateEndpoint", "shop-billing", true),
            rec(60.0, "Accept", "shop-billing", true),
            rec(1200.0, "AddNlb", "billing ↔ green", true),
            rec(1500.0, "RemoveNlb", "billing ↔ blue", true),
            rec(2400.0, "Suspend", "shop-billing", true),
            rec(2700.0, "Resume", "shop-billing", true),
            rec(3000.0, "DxDown", "dx-1", true),
            rec(10_800.0, "AzOutage", "use1-az2", true),
            rec(12_600.0, "AzRecover", "use1-az2", true),
        ];
        let t = timeline(&log, 21_600.0);
        let w: Vec<(f64, f64, bool, &str, WindowKind)> = t
            .windows
            .iter()
            .map(|w| (w.start_s, w.end_s, w.open_end, w.label.as_str(), w.kind))
            .collect();
        assert_eq!(
            w,
            vec![
                (
                    1200.0,
                    1500.0,
                    false,
                    "billing: NLB blue → green",
                    WindowKind::NlbSwap
                ),
                (
                    2400.0,
                    2700.0,
                    false,
                    "shop-billing suspended",
                    WindowKind::Lifecycle
                ),
                (3000.0, 21_600.0, true, "dx-1 down", WindowKind::LinkDown),
                (
                    10_800.0,
                    12_600.0,
                    false,
                    "use1-az2 down",
                    WindowKind::Outage
                ),
            ]
        );
        // The acceptance of a pending endpoint is an instant; the set-up at
        // time zero is not listed.
        assert_eq!(
            t.markers,
            vec![EventMarker {
                time_s: 60.0,
                label: "shop-billing accepted".to_string()
            }]
        );
    }

    #[test]
    fn refused_events_are_markers_and_refused_setups_are_kept() {
        // A refused Suspend changes nothing: no window, but the reader sees
        // it was tried. A creation AWS refused at time zero is listed.
        let log = vec![
            rec(0.0, "CreateEndpoint", "too-many", false),
            rec(100.0, "Suspend", "ep", false),
        ];
        let t = timeline(&log, 200.0);
        assert!(t.windows.is_empty());
        let labels: Vec<&str> = t.markers.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(
            labels,
            ["CreateEndpoint too-many refused", "Suspend ep refused"]
        );
        assert_eq!(listed(&log).len(), 2);
    }

    #[test]
    fn the_events_table_says_how_long_each_window_lasted() {
        // 3h outage recovered at 3h30m: one row each, the first with its
        // span; a suspension never resumed runs to the end of the run.
        let log = vec![
            rec(10_800.0, "AzOutage", "use1-az2", true),
            rec(12_600.0, "AzRecover", "use1-az2", true),
            rec(14_400.0, "Suspend", "ep", true),
        ];
        let rows: Vec<String> = event_rows(&log, 21_600.0)
            .into_iter()
            .map(|r| r.what)
            .collect();
        assert_eq!(
            rows,
            [
                "use1-az2 down for 30m (until t=3h30m)",
                "use1-az2 back up",
                "ep suspended (still at the end, 2h)",
            ]
        );
    }
}
