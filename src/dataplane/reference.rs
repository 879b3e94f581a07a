//! A from-scratch reference for the allocator: an obviously-correct
//! progressive-filling max-min solver, and a simulator that replays a small
//! trace by re-solving everything at every event.
//!
//! It is the oracle of the allocator's tests and shares no code with it. It
//! is slow on purpose (`O(flows² × path)` per solve, every flow settled at
//! every event) and must stay simple enough to be checked by reading.
//!
//! Conventions match the allocator's: rates in bits/s; a flow with `rem`
//! bytes at `r` bits/s completes at `t + ceil(rem × 8e9 / r)` ns; at equal
//! instants completions happen before trace events; a cut flow delivered
//! `floor(size − remaining)` bytes.

/// A flow as the reference solver sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RefFlow {
    /// Indices of the resources it crosses (each at most once, at least one).
    pub path: Vec<usize>,
    /// Rate cap in bits/s, if any.
    pub cap: Option<f64>,
}

/// Max-min fair rates (bits/s) of `flows` over resources of the given
/// capacities (bits/s), by progressive filling.
///
/// All unfrozen flows rise together from 0. At each step the water level
/// rises to the lowest of: each unfrozen flow's cap, and each resource's fair
/// share `(capacity − rates of its frozen flows) / unfrozen flows on it`.
/// The flow (for a cap) or the unfrozen flows of the resource (for a share)
/// reaching that level are frozen there. Freezing one item per step keeps the
/// argument simple: an item tied at the same level is frozen at the next step
/// at the same level.
pub fn max_min_rates(capacities: &[f64], flows: &[RefFlow]) -> Vec<f64> {
    let n = flows.len();
    let mut rate = vec![0.0; n];
    let mut frozen = vec![false; n];
    let mut level: f64 = 0.0;
    loop {
        // The lowest cap among unfrozen flows.
        let mut best: Option<(f64, Option<usize>, Option<usize>)> = None; // (level, flow, resource)
        for (i, f) in flows.iter().enumerate() {
            if frozen[i] {
                continue;
            }
            if let Some(c) = f.cap {
                if best.is_none_or(|b| c < b.0) {
                    best = Some((c, Some(i), None));
                }
            }
        }
        // The lowest fair share among resources with unfrozen flows.
        for (r, &cap) in capacities.iter().enumerate() {
            let mut used = 0.0;
            let mut unfrozen = 0usize;
            for (i, f) in flows.iter().enumerate() {
                if f.path.contains(&r) {
                    if frozen[i] {
                        used += rate[i];
                    } else {
                        unfrozen += 1;
                    }
                }
            }
            if unfrozen == 0 {
                continue;
            }
            let share = ((cap - used) / unfrozen as f64).max(0.0);
            if best.is_none_or(|b| share < b.0) {
                best = Some((share, None, Some(r)));
            }
        }
        let Some((l, flow, resource)) = best else {
            break;
        };
        // The water never goes down (guards against float noise).
        level = level.max(l);
        if let Some(i) = flow {
            rate[i] = flows[i].cap.unwrap_or(level);
            frozen[i] = true;
        }
        if let Some(r) = resource {
            for (i, f) in flows.iter().enumerate() {
                if !frozen[i] && f.path.contains(&r) {
                    rate[i] = level;
                    frozen[i] = true;
                }
            }
        }
    }
    rate
}

/// One event of a trace replayed by [`simulate`].
#[derive(Debug, Clone, PartialEq)]
pub enum RefEvent {
    /// A flow starts; flows are numbered by order of arrival.
    Arrive {
        path: Vec<usize>,
        cap: Option<f64>,
        size: u64,
    },
    /// A resource's capacity becomes `capacity` bits/s.
    SetCapacity { resource: usize, capacity: f64 },
    /// Flow number `flow` is cut (ignored if it is no longer active).
    Cut { flow: usize },
}

/// A trace event at an instant (ns). Traces are sorted by time; events at
/// the same instant apply in trace order.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEvent {
    pub at: u64,
    pub event: RefEvent,
}

/// What happened to each flow (indexed by order of arrival).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RefOutcome {
    /// Completion instant (ns) of each flow that completed.
    pub completed_at: Vec<Option<u64>>,
    /// Bytes delivered by each flow that was cut.
    pub cut_delivered: Vec<Option<u64>>,
}

/// Replays `trace` from time 0 over resources with `capacities` (bits/s),
/// re-solving all rates at every event, until no flow can complete any more.
pub fn simulate(capacities: &[f64], trace: &[TraceEvent]) -> RefOutcome {
    let mut caps = capacities.to_vec();
    let mut out = RefOutcome::default();
    // Active flows: (flow number, spec, size, remaining bytes).
    let mut active: Vec<(usize, RefFlow, u64, f64)> = Vec::new();
    let mut now = 0u64;
    let mut next_event = 0usize;
    loop {
        let specs: Vec<RefFlow> = active.iter().map(|a| a.1.clone()).collect();
        let rates = max_min_rates(&caps, &specs);
        let finish: Vec<Option<u64>> = active
            .iter()
            .zip(&rates)
            .map(|(a, &r)| {
                if r > 0.0 {
                    let ns = (a.3.max(0.0) * 8e9 / r).ceil();
                    Some(now + ns as u64)
                } else {
                    None
                }
            })
            .collect();
        let next_completion = finish.iter().flatten().copied().min();
        let next_trace = trace.get(next_event).map(|e| e.at);
        let t = match (next_completion, next_trace) {
            (None, None) => break,
            (Some(c), None) => c,
            (None, Some(e)) => e,
            (Some(c), Some(e)) => c.min(e),
        };
        // Move every active flow's bytes up to `t`.
        for (a, &r) in active.iter_mut().zip(&rates) {
            a.3 -= r * (t - now) as f64 / 8e9;
        }
        now = t;
        if next_completion == Some(t) {
            // Completions first: every flow whose finish instant is `t`.
            let mut i = 0;
            let mut k = 0;
            while i < active.len() {
                if finish[k] == Some(t) {
                    out.completed_at[active[i].0] = Some(t);
                    active.remove(i);
                } else {
                    i += 1;
                }
                k += 1;
            }
            continue;
        }
        let ev = &trace[next_event];
        next_event += 1;
        match &ev.event {
            RefEvent::Arrive { path, cap, size } => {
                let n = out.completed_at.len();
                out.completed_at.push(None);
                out.cut_delivered.push(None);
                active.push((
                    n,
                    RefFlow {
                        path: path.clone(),
                        cap: *cap,
                    },
                    *size,
                    *size as f64,
                ));
            }
            RefEvent::SetCapacity { resource, capacity } => caps[*resource] = *capacity,
            RefEvent::Cut { flow } => {
                if let Some(i) = active.iter().position(|a| a.0 == *flow) {
                    let (_, _, size, rem) = active.remove(i);
                    let done = (size as f64 - rem).clamp(0.0, size as f64).floor() as u64;
                    out.cut_delivered[*flow] = Some(done.min(size));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(path: &[usize], cap: Option<f64>) -> RefFlow {
        RefFlow {
            path: path.to_vec(),
            cap,
        }
    }

    #[test]
    fn classic_two_bottlenecks() {
        // A = 10, B = 4; f0 on A+B, f1 on A, f2 on B.
        // B's share 4/2 = 2 < A's 10/2 = 5: f0 = f2 = 2; then f1 = 10 − 2 = 8.
        let r = max_min_rates(
            &[10.0, 4.0],
            &[f(&[0, 1], None), f(&[0], None), f(&[1], None)],
        );
        assert_eq!(r, vec![2.0, 8.0, 2.0]);
    }

    #[test]
    fn caps_free_capacity() {
        // 10 on one link, f0 capped at 1: f0 = 1, the others share 9: 4.5 each.
        let r = max_min_rates(&[10.0], &[f(&[0], Some(1.0)), f(&[0], None), f(&[0], None)]);
        assert_eq!(r, vec![1.0, 4.5, 4.5]);
    }

    #[test]
    fn simulate_one_flow_then_a_second_joins() {
        // 1 GB at 8 Gbps alone takes 1 s. A second 1 GB flow joins at 0.5 s:
        // both at 4 Gbps; the first has 0.5 GB left → 1 s more → done at 1.5 s;
        // the second then has 0.5 GB left at 8 Gbps → 0.5 s → done at 2 s.
        let gb = 1_000_000_000;
        let trace = [
            TraceEvent {
                at: 0,
                event: RefEvent::Arrive {
                    path: vec![0],
                    cap: None,
                    size: gb,
                },
            },
            TraceEvent {
                at: 500_000_000,
                event: RefEvent::Arrive {
                    path: vec![0],
                    cap: None,
                    size: gb,
                },
            },
        ];
        let out = simulate(&[8e9], &trace);
        assert_eq!(
            out.completed_at,
            vec![Some(1_500_000_000), Some(2_000_000_000)]
        );
    }
}
