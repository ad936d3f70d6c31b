//! `cachesim run`: the policy x size grid, in parallel, each job streaming the trace on its own.

use crate::config::RunConfig;
use crate::error::input_error;
use crate::policy::BuildCtx;
use crate::progress;
use crate::report::{self, Summary, TraceInfo};
use crate::sim::{replay_trace, RunResult, SizeUnit};
use crate::trace::{next_access, ReadProgress, TraceSpec, BATCH};
use crate::units::SizeSpec;
use anyhow::{Context, Result};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Distinct objects and their total size, from one streaming pass (memory grows with distinct objects only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkingSet {
    /// Requests read (all operations).
    pub requests: u64,
    /// Distinct keys.
    pub objects: u64,
    /// Sum of each distinct object's size (its first size seen).
    pub bytes: u64,
}

/// Measures the working set of `trace`.
pub fn working_set(trace: &TraceSpec) -> Result<WorkingSet> {
    let mut seen: FxHashMap<u64, ()> = FxHashMap::default();
    let mut ws = WorkingSet::default();
    let mut r = trace.open(None)?;
    let mut batch = Vec::with_capacity(BATCH);
    while r.read_batch(&mut batch)? {
        for q in &batch {
            ws.requests += 1;
            if seen.insert(q.key, ()).is_none() {
                ws.objects += 1;
                ws.bytes += q.size as u64;
            }
        }
    }
    Ok(ws)
}

/// Resolves a size to a capacity in the run's unit.
pub fn capacity(spec: SizeSpec, unit: SizeUnit, ws: Option<&WorkingSet>) -> u64 {
    match spec {
        SizeSpec::Absolute(n) => n,
        SizeSpec::WorkingSet(f) => {
            let ws = ws.expect("working set measured for percentage sizes");
            let total = match unit {
                SizeUnit::Bytes => ws.bytes,
                SizeUnit::Objects => ws.objects,
            };
            ((total as f64 * f).round() as u64).max(1)
        }
    }
}

/// Runs the grid and returns the summary (results in policy order, then size order).
pub fn run_grid(cfg: &mut RunConfig) -> Result<Summary> {
    let ws = if cfg.sizes.iter().any(|(_, s)| matches!(s, SizeSpec::WorkingSet(_))) {
        Some(working_set(&cfg.trace).context("measuring the working set for percentage sizes")?)
    } else {
        None
    };
    if let Some(w) = &ws {
        if w.objects == 0 {
            return Err(input_error(format!(
                "{}: the trace has no requests, so percentage sizes cannot be resolved",
                cfg.trace.path.display()
            )));
        }
    }
    if cfg.policies.iter().any(|p| p.info.name == "belady") && !cfg.trace.has_next_access() {
        let na = next_access::compute(&cfg.trace).context("computing next-access positions for belady")?;
        cfg.trace.next_access = Some(Arc::new(na));
    }
    let mut jobs = Vec::new();
    for p in &cfg.policies {
        for (label, s) in &cfg.sizes {
            jobs.push((p, label, capacity(*s, cfg.unit, ws.as_ref())));
        }
    }
    let file_len = std::fs::metadata(&cfg.trace.path).map(|m| m.len()).unwrap_or(0);
    let bar = progress::bar(cfg.quiet, file_len * jobs.len() as u64, "replaying");
    let read = Arc::new(ReadProgress::default());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.jobs)
        .build()
        .context("starting worker threads")?;
    let trace = &cfg.trace;
    let unit = cfg.unit;
    let seed = cfg.seed;
    let results: Vec<Result<RunResult>> = pool.install(|| {
        jobs.par_iter()
            .map(|(p, label, cap)| {
                let tick = || bar.set_position(read.bytes.load(Ordering::Relaxed));
                let ctx = BuildCtx { capacity: *cap, seed };
                let mut r = replay_trace(trace, p, &ctx, unit, Some(read.clone()), &tick)
                    .with_context(|| format!("{} at cache size {label}", p.label()))?;
                r.size_spec = label.to_string();
                Ok(r)
            })
            .collect()
    });
    bar.finish_and_clear();
    let results = results.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(Summary {
        cachesim_version: env!("CARGO_PKG_VERSION").to_string(),
        trace: TraceInfo {
            path: cfg.trace.path.display().to_string(),
            format: cfg.trace.format.name().to_string(),
            zstd: cfg.trace.zstd,
            objects: ws.map(|w| w.objects),
            working_set_bytes: ws.map(|w| w.bytes),
        },
        seed: cfg.seed,
        results,
    })
}

/// `cachesim run`: run the grid, print, write the output directory.
pub fn run(mut cfg: RunConfig) -> Result<()> {
    if let Some(dir) = &cfg.out {
        report::prepare_dir(dir)?;
    }
    let summary = run_grid(&mut cfg)?;
    if let Some(dir) = &cfg.out {
        report::write_dir(dir, &summary)?;
    }
    report::print(&summary, cfg.format)
}
