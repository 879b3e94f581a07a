//! study (in progress)
