//! Scenario schema (in progress).
