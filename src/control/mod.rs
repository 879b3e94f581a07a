//! The control plane: what may connect to what, and why not.
//!
//! For every connection attempt the [`Evaluator`] resolves DNS (regional,
//! zonal and private names), walks the path the fabric allows (local, VPC
//! peering, Transit Gateway, Direct Connect, PrivateLink, gateway endpoints,
//! NAT and internet gateways), applies every filter on it (security groups,
//! NACLs, endpoint policies, allowed principals, connection states) and
//! returns an [`Outcome`]: delivered with its hops, or denied with a stable
//! [`Reason`] code, the hop where it happened and a hint.
//!
//! The filters met where a connection enters an interface (NACL in, NACL
//! return, security groups) are one ordered chain ([`checks`]) that every
//! walk states and evaluates the same way.
//!
//! [`ControlState`] holds what changes during a run (endpoint connection
//! states, NLB associations, principals, AZ and DX health) and applies the
//! lifecycle rules of timed events.
//!
//! Owns: AWS's rules. Must not: move bytes (the data plane) or price them
//! (cost).

mod checks;
pub mod outcome;
pub mod policy;
pub mod reach;
pub mod state;

pub use outcome::{Hop, Outcome, PathKind, Reason};
pub use reach::{site_host_ip, Decision, DnsState, Evaluator, Plan, Request, Src};
pub use state::{ConnState, ControlState, EndpointStatus, EventRecord};
