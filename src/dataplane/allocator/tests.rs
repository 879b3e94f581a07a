//! Hand-solved cases (arithmetic in comments) and property tests against the
//! reference solver and simulator.

use super::*;

mod hand;

mod props;
