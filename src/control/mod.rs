//! control (in progress)
