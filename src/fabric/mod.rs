//! Fabric graph (in progress).
