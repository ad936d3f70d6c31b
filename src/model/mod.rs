//! The vocabulary every layer shares: requests and operations, sizes, durations and their units,
//! results and their metrics. Depends on nothing else in the crate.

pub mod metrics;
pub mod plan;
pub mod request;
pub mod result;
pub mod units;
pub mod variant;
