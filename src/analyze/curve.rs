//! The exact LRU miss-ratio curve of the analyzed stream, identical to `cachesim run -p lru` at
//! every size.
//!
//! When every access has the same size `s` and the stream has no deletes, TTLs or zero-size
//! requests, LRU at capacity `C` holds the `floor(C / s)` most recently used objects, so an access
//! hits iff fewer than `floor(C / s)` distinct objects were requested since its key's previous
//! access: the curve at any size follows from the exact reuse-distance counts of the one pass.
//! Otherwise (varying sizes, deletes, TTLs) a second pass runs the one-pass stack engine of
//! [`crate::mrc`] at the chosen sizes, and if an object changes size while cached (no one-pass curve
//! exists) LRU is simulated at each size.

use super::collect::Collector;
use crate::config::RunConfig;
use crate::model::result::SizeUnit;
use crate::model::units::SizeSpec;
use crate::mrc::{self, MrcError, MrcPoint};
use crate::policy::PolicySpec;
use crate::replay::grid::{capacity, WorkingSet};
use crate::source::Source;
use anyhow::{Context, Result};

/// Default curve: this many sizes, log-spaced from 0.1% to 100% of the working set.
pub const DEFAULT_POINTS: usize = 24;

/// How the curve was obtained.
pub const FROM_DISTANCES: &str = "reuse-distances";
/// See [`FROM_DISTANCES`].
pub const FROM_STACK: &str = "lru-stack";
/// See [`FROM_DISTANCES`].
pub const SIMULATED: &str = "simulated";

/// Capacities of the default curve (ascending, distinct, at least 1).
pub fn default_sizes(total: u64) -> Vec<u64> {
    let mut v: Vec<u64> = (0..DEFAULT_POINTS)
        .map(|i| {
            let f = 10f64.powf(-3.0 + 3.0 * i as f64 / (DEFAULT_POINTS - 1) as f64);
            ((total as f64 * f).round() as u64).max(1)
        })
        .collect();
    v.dedup();
    v
}

/// Resolves sizes as `run` does (percentages of the measured working set).
pub fn resolve(specs: &[(String, SizeSpec)], unit: SizeUnit, ws: &WorkingSet) -> Vec<u64> {
    specs.iter().map(|(_, s)| capacity(*s, unit, Some(ws))).collect()
}

/// The curve from the pass's reuse distances, when that is exact (see the module docs).
pub(crate) fn from_distances(c: &Collector, sizes: &[u64]) -> Option<Vec<MrcPoint>> {
    let (lo, hi) = c.size_range?;
    if lo != hi || lo == 0 || c.deletes > 0 || c.ttl.total() > 0 {
        return None;
    }
    let s = lo;
    let requests = c.reads + c.writes;
    let mut prefix = Vec::with_capacity(c.distances.len() + 1);
    let mut acc = 0u64;
    prefix.push(0);
    for &d in &c.distances {
        acc += d;
        prefix.push(acc);
    }
    Some(
        sizes
            .iter()
            .map(|&size| {
                let k = ((size / s) as usize).min(prefix.len() - 1);
                let misses = requests - prefix[k];
                let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
                MrcPoint {
                    cache_size: size,
                    requests,
                    misses,
                    miss_ratio: ratio(misses, requests),
                    bytes_requested: requests.saturating_mul(s),
                    bytes_missed: misses.saturating_mul(s),
                    byte_miss_ratio: ratio(misses, requests),
                }
            })
            .collect(),
    )
}

/// The curve by a second pass (the stack engine, else simulation); returns the method used.
pub fn second_pass(
    source: &Source,
    sizes: &[u64],
    unit: SizeUnit,
    quiet: bool,
) -> Result<(Vec<MrcPoint>, &'static str)> {
    let curve = crate::progress::counted(quiet, source.progress_total(), "lru curve", |c| {
        let mut reader = source.open(Some(c))?;
        mrc::lru_mrc(&mut *reader, sizes, unit)
    });
    match curve {
        Ok(p) => Ok((p, FROM_STACK)),
        Err(e) if e.downcast_ref::<MrcError>().is_some() => {
            if !quiet {
                eprintln!("note: {e:#}; simulating lru at each size instead");
            }
            let mut cfg = RunConfig {
                source: source.clone(),
                policies: PolicySpec::parse_list("lru").map_err(anyhow::Error::msg)?,
                sizes: sizes.iter().map(|&s| (s.to_string(), SizeSpec::Absolute(s))).collect(),
                unit,
                jobs: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
                out: None,
                format: crate::report::OutputFormat::Json,
                quiet: true,
                seed: 42,
                chart_format: crate::report::chart::ChartFormat::Png,
                engine: None,
                topology: None,
                warm: None,
                hot: None,
                sample_rate: None,
                variant: None,
                alerts: crate::alerts::Alerts::default(),
            };
            let s = crate::replay::grid::run_grid(&mut cfg)?;
            let points = s
                .results
                .iter()
                .map(|r| MrcPoint {
                    cache_size: r.cache_size,
                    requests: r.requests,
                    misses: r.misses,
                    miss_ratio: r.miss_ratio,
                    bytes_requested: r.bytes_requested,
                    bytes_missed: r.bytes_missed,
                    byte_miss_ratio: r.byte_miss_ratio,
                })
                .collect();
            Ok((points, SIMULATED))
        }
        Err(e) => Err(e).context("computing the LRU miss-ratio curve"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_sizes_span_the_working_set() {
        let v = default_sizes(1_000_000);
        assert_eq!(v.len(), DEFAULT_POINTS);
        assert_eq!(v[0], 1000);
        assert_eq!(*v.last().unwrap(), 1_000_000);
        assert!(v.windows(2).all(|w| w[0] < w[1]));
        let small = default_sizes(10);
        assert_eq!((small[0], *small.last().unwrap()), (1, 10));
    }
}
