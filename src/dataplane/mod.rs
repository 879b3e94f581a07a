//! The data plane: flows, max-min fair bandwidth sharing with per-flow caps,
//! capacity models and traffic generators.
//!
//! Must not compute dollars or decide routes.

pub mod allocator;
pub mod reference;

pub use allocator::{AllocError, Allocator, Bottleneck, Completion, FlowId, FlowSpec, ResourceId};
