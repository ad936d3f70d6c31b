//! `cachesim sweep`: miss-ratio curves. Takes the same inputs as `run` and prints the same JSON
//! contract, one entry per (policy, size). Plain `lru` gets its exact curve from one pass over the
//! stream (stack distances, identical to simulating each size; falls back to simulation when an
//! object changes size); with `--shards-rate` or `--shards-samples` LRU is estimated by SHARDS
//! spatial sampling instead, and every other policy by a miniature simulation (the same key sample
//! through a cache scaled by the rate). Without sampling, every other policy is simulated at each
//! size in parallel. A workload on the discrete-event engine is simulated at every size, plain LRU
//! included, so its curve is `run`'s results; sampling is refused there.

use crate::cli::SweepArgs;
use crate::config::RunConfig;
use crate::error::input_error;
use crate::model::result::Method;
use crate::model::units::SizeSpec;
use crate::mrc::{self, shards::ShardsConfig};
use crate::replay::curve;
use crate::replay::grid::{self, capacity};
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
    let mut cfg = RunConfig::from_args(&a.run)?;
    let sampled = a.shards_rate.is_some() || a.shards_samples.is_some();
    if sampled && cfg.engine.is_some() {
        return Err(input_error(
            "--shards-rate/--shards-samples sample the keys of a replay; this workload runs on the discrete-event engine \
             (it has [pattern], [backend], [cache_latency] or [faults]), whose time and load a key sample would distort",
        ));
    }
    let out = cfg.out.as_deref().map(report::OutDir::create).transpose()?;
    // The one-pass curve is a plain replay: on the engine (patterns, backend, latency, faults)
    // plain LRU is simulated per size like every other policy, so sweep equals `run`.
    let one_pass = |p: &crate::policy::PolicySpec| cfg.engine.is_none() && curve::is_plain_lru(p);
    let want_lru = cfg.policies.iter().any(one_pass);
    let others: Vec<_> = cfg.policies.iter().filter(|p| !one_pass(p)).cloned().collect();
    // Simulate everything but plain LRU through the normal grid: miniature simulations of a key
    // sample when asked for.
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
    let all = std::mem::replace(&mut cfg.policies, others);
    let mut summary = if cfg.policies.is_empty() {
        None
    } else {
        let s = grid::run_grid(&mut cfg)?;
        if let (Some(rate), false) = (cfg.sample_rate, cfg.quiet) {
            let names: Vec<String> = cfg.policies.iter().map(|p| p.label()).collect();
            eprintln!(
                "{}: miniature-simulation estimates (keys sampled and cache scaled at rate {:.4})",
                names.join(", "),
                rate
            );
        }
        Some(s)
    };
    cfg.policies = all;
    let mut lru_results = Vec::new();
    if want_lru {
        let ws = if cfg.sizes.iter().any(|(_, s)| matches!(s, SizeSpec::WorkingSet(_))) {
            Some(grid::working_set(&cfg.source, cfg.quiet)?)
        } else {
            None
        };
        let sizes: Vec<u64> = cfg
            .sizes
            .iter()
            .map(|(_, s)| capacity(*s, cfg.unit, ws.as_ref()))
            .collect();
        let shards = match (a.shards_rate, a.shards_samples) {
            (Some(r), _) => Some(ShardsConfig::rate(r)),
            (None, Some(n)) => Some(ShardsConfig::fixed_size(n)),
            (None, None) => None,
        };
        match shards {
            Some(sc) => {
                let curve = crate::progress::counted(cfg.quiet, cfg.source.progress_total(), "shards", |c| {
                    let mut reader = cfg.source.open(Some(c))?;
                    mrc::shards::shards_mrc(&mut *reader, &sizes, cfg.unit, &sc)
                })?;
                let rate = curve.sampling.final_rate;
                for (p, (label, _)) in curve.points.iter().zip(&cfg.sizes) {
                    lru_results.push(curve::from_point(p, label, cfg.unit, Method::Shards, Some(rate)));
                }
                if !cfg.quiet {
                    eprintln!(
                        "lru: SHARDS estimate from {} of {} requests (final sampling rate {:.4})",
                        curve.sampling.sampled_requests, curve.sampling.requests, rate
                    );
                }
            }
            None => {
                let labels: Vec<String> = cfg.sizes.iter().map(|(l, _)| l.clone()).collect();
                match curve::exact_lru(&cfg, &sizes, &labels)? {
                    Ok(results) => lru_results = results,
                    Err(e) => {
                        if !cfg.quiet {
                            eprintln!("note: {e}; simulating lru at each size instead");
                        }
                        let only_lru: Vec<_> = cfg
                            .policies
                            .iter()
                            .filter(|p| curve::is_plain_lru(p))
                            .cloned()
                            .collect();
                        let keep = std::mem::replace(&mut cfg.policies, only_lru);
                        lru_results = grid::run_grid(&mut cfg)?.results;
                        cfg.policies = keep;
                    }
                }
            }
        }
    }
    // Assemble in the order the policies were given.
    let mut summary = match summary.take() {
        Some(s) => s,
        None => grid::empty_summary(&cfg, None),
    };
    let simulated = std::mem::take(&mut summary.results);
    let mut results = Vec::new();
    for p in &cfg.policies {
        if cfg.engine.is_none() && curve::is_plain_lru(p) {
            results.extend(lru_results.iter().cloned());
        } else {
            results.extend(
                simulated
                    .iter()
                    .filter(|r| r.policy == p.info.name && r.params == p.params.to_label())
                    .cloned(),
            );
        }
    }
    summary.results = results;
    if let Some(out) = out {
        report::write_dir(out.path(), &summary, cfg.chart_format)?;
        out.commit()?;
    }
    report::print(&summary, cfg.format)
}
