//! The data plane: traffic generators, flows and max-min fair bandwidth
//! sharing with per-flow caps, capacity models.
//!
//! Owns: when connections arrive, how big they are, and how fast their
//! bytes move through capacity-limited resources. Must not compute dollars
//! or decide routes.

pub mod allocator;
pub mod network;
pub mod reference;
pub mod traffic;

pub use allocator::{AllocError, Allocator, Bottleneck, Completion, FlowId, FlowSpec, ResourceId};
