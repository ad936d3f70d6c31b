//! `cachesim sweep`: miss-ratio curves. Takes the same inputs as `run` and prints the same JSON
//! contract, one entry per (policy, size). Plain `lru` gets its exact curve from one pass over the
//! stream (stack distances, identical to simulating each size; falls back to simulation when an
//! object changes size); with `--shards-rate` or `--shards-samples` LRU is estimated by SHARDS
//! spatial sampling instead, and every other policy by a miniature simulation (the same key sample
//! through a cache scaled by the rate). Without sampling, every other policy is simulated at each
//! size in parallel. A workload on the discrete-event engine is simulated at every size, plain LRU
//! included, so its curve is `run`'s results; sampling is refused there. The cells are evaluated by
//! [`crate::replay::grid::evaluate`]; this file only builds them and prints.

use crate::cli::SweepArgs;
use crate::config::RunConfig;
use crate::error::input_error;
use crate::mrc::shards::ShardsConfig;
use crate::replay::curve;
use crate::replay::grid::{self, Curve, Eval, Note};
use crate::report;
use anyhow::Result;

/// `cachesim sweep`.
pub fn run(a: &SweepArgs) -> Result<()> {
    if a.shards_rate.is_some_and(|r| !(r > 0.0 && r <= 1.0)) {
        return Err(input_error("--shards-rate must be in (0, 1], e.g. 0.01 for 1%"));
    }
    if a.shards_samples == Some(0) {
        return Err(input_error("--shards-samples must be at least 1"));
    }
    let cfgs = RunConfig::all_from_args(&a.run)?;
    let sampled = a.shards_rate.is_some() || a.shards_samples.is_some();
    if sampled && cfgs.iter().any(|c| c.engine.is_some()) {
        return Err(input_error(
            "--shards-rate/--shards-samples sample the keys of a replay; this workload runs on the discrete-event engine \
             (it has [pattern], [backend], [cache_latency] or [faults]), whose time and load a key sample would distort",
        ));
    }
    let first = &cfgs[0];
    let (format, chart_format) = (first.format, first.chart_format);
    let out = first.out.as_deref().map(report::OutDir::create).transpose()?;
    // Each variant's curves, one after the other, into one summary.
    let summary = crate::replay::grid::merge_variants(cfgs, |cfg| sweep_one(a, cfg))?;
    if let Some(out) = out {
        report::write_dir(out.path(), &summary, chart_format)?;
        out.commit()?;
    }
    report::print(&summary, format)
}

/// The curves of one configuration.
fn sweep_one(a: &SweepArgs, mut cfg: RunConfig) -> Result<report::Summary> {
    // The one-pass curve is a plain replay: on the engine (patterns, backend, latency, faults)
    // plain LRU is simulated per size like every other policy, so sweep equals `run`.
    let engine = cfg.engine.is_some();
    let one_pass = |p: &crate::policy::PolicySpec| !engine && curve::is_plain_lru(p);
    let others: Vec<String> = cfg
        .policies
        .iter()
        .filter(|p| !one_pass(p))
        .map(|p| p.label())
        .collect();
    let ws = grid::working_set_for_sizes(&cfg)?;
    // Everything but plain LRU is simulated: miniature simulations of a key sample when asked for.
    if !others.is_empty() {
        cfg.sample_rate = match (a.shards_rate, a.shards_samples) {
            (Some(r), _) => Some(r),
            (None, Some(n)) => {
                let ws = grid::working_set(&cfg.source, cfg.quiet)?;
                Some((n as f64 / ws.objects.max(1) as f64).min(1.0))
            }
            (None, None) => None,
        };
    }
    let lru_curve = match (a.shards_rate, a.shards_samples) {
        (Some(r), _) => Curve::Shards(ShardsConfig::rate(r)),
        (None, Some(n)) => Curve::Shards(ShardsConfig::fixed_size(n)),
        (None, None) => Curve::Exact,
    };
    let cells = grid::cells(&cfg, ws.as_ref(), |p| {
        if one_pass(p) {
            Eval::LruCurve
        } else {
            Eval::Simulate
        }
    });
    let ev = grid::evaluate(&mut cfg, &cells, &lru_curve)?;
    if !cfg.quiet {
        if let Some(rate) = cfg.sample_rate {
            eprintln!(
                "{}: miniature-simulation estimates (keys sampled and cache scaled at rate {:.4})",
                others.join(", "),
                rate
            );
        }
        for note in &ev.notes {
            match note {
                Note::Shards { policy, sampling } => eprintln!(
                    "{policy}: SHARDS estimate from {} of {} requests (final sampling rate {:.4})",
                    sampling.sampled_requests, sampling.requests, sampling.final_rate
                ),
                Note::Fallback { error, .. } => eprintln!("note: {error}; simulating lru at each size instead"),
            }
        }
    }
    // The working set is reported when simulations needed it (as `run` reports it).
    let mut summary = grid::empty_summary(&cfg, ws.filter(|_| !others.is_empty()));
    summary.results = ev.results;
    Ok(summary)
}
