//! Cost: the pricebook, usage meters and the bill.
//!
//! Must not decide routes or move bytes.
