//! The decision for one connection: which client opens it, and what the
//! control plane says about it. The run calls this for every arrival
//! ([`super::model`]), and `explain` for its one question
//! ([`super::question`]): both go through [`pick_client`] and [`decide`],
//! so they cannot disagree.
//!
//! # Clients in a failed AZ
//!
//! A traffic class's demand is the demand of its users, not of one
//! instance: when some of its source instances are in a failed AZ, they are
//! down and open nothing, and the class's connections come from the live
//! instances instead (as a consumer's own load balancer would move its
//! users). Each connection draws its client uniformly from the source's
//! instances on the class's choices stream; a draw that lands on a down
//! instance is redrawn (up to 64 draws, then the instances after the last
//! draw are scanned in order for a live one). Only when every instance is
//! down is the connection opened from a down one, and then it is denied
//! `AZ_UNAVAILABLE` at its source hop. Hosts of on-premises sites have no
//! AZ and are always drawn uniformly. `docs/outcomes.md` states this policy.
//!
//! Owns: the client choice and the request one connection makes. Must not:
//! decide AWS rules (control does), move bytes or meter anything.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::control::{ControlState, Decision, DnsState, Evaluator, Request, Src};
use crate::cost::usage::ClientSide;
use crate::fabric::{Fabric, ServiceId};
use crate::scenario::{Dns, Protocol, Target};

/// The draws of the policy before it scans for a live instance.
const REDRAWS: usize = 64;

/// Which instance of a workload opens a connection, and whether the one
/// asked for was down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientPick {
    /// The instance that opens the connection.
    pub index: usize,
    /// The instance asked for, when it was down and the connection moved
    /// to `index` (a live one).
    pub moved_from: Option<usize>,
}

/// The run's client policy for a workload of `n` instances, `up(i)` saying
/// whether instance `i`'s AZ is up (see the module doc): draws from
/// `choices` exactly as the run does, whatever is asked.
///
/// `asked`: the instance a question names (`explain`); `None` for the
/// run's own draw. A live instance asked for opens the connection; a down
/// one moves it to the instance the run would have drawn, unless that one
/// is down too (every instance is down), when the asked one opens it.
pub fn pick_client(
    n: usize,
    up: impl Fn(usize) -> bool,
    choices: &mut ChaCha8Rng,
    asked: Option<usize>,
) -> ClientPick {
    let n = n.max(1);
    let mut index = choices.random_range(0..n);
    let mut tries = 1;
    while !up(index) && tries < REDRAWS {
        index = choices.random_range(0..n);
        tries += 1;
    }
    if !up(index) {
        index = (0..n)
            .map(|k| (index + k) % n)
            .find(|i| up(*i))
            .unwrap_or(index);
    }
    match asked.filter(|a| *a < n) {
        None => ClientPick {
            index,
            moved_from: None,
        },
        Some(a) if up(a) || !up(index) => ClientPick {
            index: a,
            moved_from: None,
        },
        Some(a) => ClientPick {
            index,
            moved_from: Some(a),
        },
    }
}

/// Whether instance `index` of `count` clients uses zonal names under `Dns::Mixed`:
/// the first `share × count` instances do, so the share is exact.
pub fn zonal_client(dns: &Dns, index: usize, count: usize) -> bool {
    match dns {
        Dns::Mixed(share) => (index as f64 + 0.5) / (count.max(1) as f64) < *share,
        _ => false,
    }
}

/// What one connection asks the control plane.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'t> {
    pub src: Src,
    /// How many instances (or hosts) `src` was chosen among (for `Dns::Mixed`).
    pub count: usize,
    pub target: &'t Target,
    /// The target's service, when resolved already.
    pub service: Option<ServiceId>,
    pub port: u16,
    pub protocol: Protocol,
    pub action: Option<&'t str>,
    pub resource: Option<&'t str>,
    /// Record the hop texts.
    pub trace: bool,
}

/// The control plane's decision for `ask` at the current control state,
/// drawing its picks (NLB target, site host, ...) from `choices`.
pub fn decide(
    eval: &Evaluator<'_>,
    state: &mut ControlState,
    dns: &mut DnsState,
    ask: &Ask<'_>,
    choices: &mut ChaCha8Rng,
) -> Decision {
    let index = match ask.src {
        Src::Instance { index, .. } => index,
        Src::Host { index, .. } => index as usize,
    };
    let dns_mode = match ask.target {
        Target::Service { dns, .. } | Target::Endpoint { dns, .. } => dns,
        _ => &Dns::Regional,
    };
    let request = Request {
        src: ask.src,
        target: ask.target,
        port: ask.port,
        protocol: ask.protocol,
        action: ask.action,
        resource: ask.resource,
        zonal_client: zonal_client(dns_mode, index, ask.count),
        service: ask.service,
        trace: ask.trace,
    };
    eval.evaluate(state, dns, &request, choices)
}

/// The client side of a connection, for its meters: the instance's
/// account and AZ (an on-premises host has neither).
pub fn client_side(fabric: &Fabric, src: Src) -> ClientSide {
    match src {
        Src::Instance { workload, index } => {
            let w = &fabric.workloads[workload.index()];
            ClientSide {
                account: Some(w.account),
                az: w.instances.get(index).map(|i| i.az),
            }
        }
        Src::Host { .. } => ClientSide {
            account: None,
            az: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream() -> ChaCha8Rng {
        crate::engine::rng_stream(7, "test:choices")
    }

    #[test]
    fn the_run_s_draw_never_lands_on_a_down_instance_while_one_is_up() {
        // Instances 0..4 of 6 are down; only 4 and 5 are live.
        let up = |i: usize| i >= 4;
        let mut rng = stream();
        for _ in 0..200 {
            let p = pick_client(6, up, &mut rng, None);
            assert!(p.index >= 4, "{p:?}");
            assert_eq!(p.moved_from, None);
        }
    }

    #[test]
    fn an_asked_instance_draws_what_the_run_draws() {
        // Asking for an instance consumes the same draws as the run's own
        // pick, so the connections after it see the same stream.
        let up = |i: usize| i != 2;
        let (mut a, mut b) = (stream(), stream());
        for k in 0..50 {
            let run = pick_client(5, up, &mut a, None);
            let asked = pick_client(5, up, &mut b, Some(k % 5));
            if k % 5 == 2 {
                assert_eq!(asked.moved_from, Some(2));
                assert_eq!(
                    asked.index, run.index,
                    "a down client moves where the run goes"
                );
            } else {
                assert_eq!(
                    asked,
                    ClientPick {
                        index: k % 5,
                        moved_from: None
                    }
                );
            }
        }
        assert_eq!(
            a.random_range(0..1_000_000u32),
            b.random_range(0..1_000_000u32)
        );
    }

    #[test]
    fn with_every_instance_down_the_asked_one_opens_the_connection() {
        let mut rng = stream();
        let p = pick_client(3, |_| false, &mut rng, Some(1));
        assert_eq!(
            p,
            ClientPick {
                index: 1,
                moved_from: None
            }
        );
    }

    #[test]
    fn mixed_dns_gives_zonal_names_to_the_first_share_of_instances() {
        // 0.5 of 4 instances: (i + 0.5) / 4 < 0.5 for i = 0, 1 only.
        let mixed = Dns::Mixed(0.5);
        let zonal: Vec<bool> = (0..4).map(|i| zonal_client(&mixed, i, 4)).collect();
        assert_eq!(zonal, [true, true, false, false]);
        assert!(!zonal_client(&Dns::Regional, 0, 4));
    }
}
