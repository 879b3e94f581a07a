//! Integration tests, one binary with a module per topic.

mod cli;
mod shipped_scenarios;
