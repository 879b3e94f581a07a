//! Quota profiles (in progress).
