//! Run assembly (in progress).
