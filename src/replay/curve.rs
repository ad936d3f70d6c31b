//! Plain LRU's curve as result records: the exact one-pass curve (stack distances, identical to
//! simulating each size), the SHARDS estimate, and the conversion of curve points into results.

use crate::config::RunConfig;
use crate::model::result::{Method, ReplayStats, RunResult};
use crate::mrc::shards::{SamplingReport, ShardsConfig};
use crate::mrc::{self, MrcError, MrcPoint};
use crate::report;
use anyhow::{Context, Result};

/// A point of an LRU curve as a result record (`method` says how it was obtained).
pub fn from_point(
    p: &MrcPoint,
    label: &str,
    unit: crate::model::result::SizeUnit,
    method: Method,
    rate: Option<f64>,
) -> RunResult {
    let stats = ReplayStats {
        requests: p.requests,
        misses: p.misses,
        bytes: p.bytes_requested,
        miss_bytes: p.bytes_missed,
        ..Default::default()
    };
    let lru = crate::policy::PolicySpec::parse("lru").expect("lru is registered");
    let mut r = lru.result(p.cache_size, unit, &stats, 0, 0, 0);
    r.size_spec = label.to_string();
    // A one-pass curve does not count evictions or expirations: leave them out rather than report 0.
    r.evictions = None;
    r.expirations = None;
    r.method = method;
    r.sampling_rate = rate;
    r
}

/// Whether `p` is LRU with no parameters (the policy the one-pass curve computes).
pub fn is_plain_lru(p: &crate::policy::PolicySpec) -> bool {
    p.info.caps.exact_stack_curve && p.params.to_label().is_empty() && p.admission.is_none()
}

/// Plain LRU's exact results at `sizes` (labelled `labels`) from one pass over `cfg`'s source, or
/// the reason no one-pass curve exists for it (an object changed size while cached): the caller
/// then simulates each size.
pub fn exact_lru(cfg: &RunConfig, sizes: &[u64], labels: &[String]) -> Result<Result<Vec<RunResult>, MrcError>> {
    let total = cfg.source.progress_total();
    let curve = crate::progress::counted(cfg.quiet, total, "lru curve", |c| {
        let mut reader = cfg.source.open(Some(c))?;
        let points = mrc::lru_mrc(&mut *reader, sizes, cfg.unit)?;
        Ok::<_, anyhow::Error>((points, reader.skipped()))
    });
    match curve {
        Ok((points, bad_lines)) => {
            let results: Vec<RunResult> = points
                .iter()
                .zip(labels)
                .map(|(p, label)| {
                    let mut r = from_point(p, label, cfg.unit, Method::LruStack, None);
                    r.skipped_bad_lines = bad_lines;
                    r
                })
                .collect();
            report::warn_skipped(&results);
            Ok(Ok(results))
        }
        Err(e) => match e.downcast::<MrcError>() {
            Ok(m) => Ok(Err(m)),
            Err(e) => Err(e).context("computing the LRU miss-ratio curve"),
        },
    }
}

/// Plain LRU's SHARDS estimate at `sizes` (labelled `labels`) from one pass over `cfg`'s source,
/// and how the keys were sampled.
pub fn shards_lru(
    cfg: &RunConfig,
    sizes: &[u64],
    labels: &[String],
    sc: &ShardsConfig,
) -> Result<(Vec<RunResult>, SamplingReport)> {
    let curve = crate::progress::counted(cfg.quiet, cfg.source.progress_total(), "shards", |c| {
        let mut reader = cfg.source.open(Some(c))?;
        mrc::shards::shards_mrc(&mut *reader, sizes, cfg.unit, sc)
    })?;
    let rate = curve.sampling.final_rate;
    let results = curve
        .points
        .iter()
        .zip(labels)
        .map(|(p, label)| from_point(p, label, cfg.unit, Method::Shards, Some(rate)))
        .collect();
    Ok((results, curve.sampling))
}
