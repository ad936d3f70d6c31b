//! A latency distribution as written in a workload file (checked into
//! [`Latency`](crate::engine::latency::Latency)).

use super::values::{Delay, Dur, Positive};
use serde::Deserialize;

/// A latency distribution as written in a workload file, e.g. `{ dist = "exponential", mean = "10ms" }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum LatencySpec {
    /// Always `value`.
    Constant {
        /// The latency (0 is no latency).
        value: Delay,
    },
    /// Exponential with the given mean (an M/M/c server).
    Exponential {
        /// Mean latency (0 is no latency).
        mean: Delay,
    },
    /// Uniform between `min` and `max`.
    Uniform {
        /// Smallest latency (may be 0).
        min: Delay,
        /// Largest latency.
        max: Delay,
    },
    /// Log-normal with the given median and 99th percentile (p99 > median).
    Lognormal {
        /// Median latency.
        median: Dur,
        /// 99th percentile.
        p99: Dur,
    },
    /// Pareto with scale `min` (also `scale`) and shape `alpha` (heavy tail; the mean is finite for alpha > 1).
    Pareto {
        /// Smallest latency (the scale).
        #[serde(alias = "scale")]
        min: Dur,
        /// Shape, > 0.
        alpha: Positive,
    },
}
