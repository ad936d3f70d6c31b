//! The policy x size grid, in parallel, each job streaming the source on its own (used by `run`,
//! `sweep`, `plan` and `check`).

use crate::config::RunConfig;
use crate::error::input_error;
use crate::model::result::{RunResult, SizeUnit};
use crate::model::units::SizeSpec;
use crate::policy::{BuildCtx, PolicySpec};
use crate::progress;
use crate::replay::replay_trace;
use crate::report::{self, SourceInfo, Summary};
use crate::source::{Input, Source};
use crate::trace::{ReadProgress, BATCH};
use anyhow::{Context, Result};
use rayon::prelude::*;
use rustc_hash::FxHashSet;
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
    /// Earliest request time (ns).
    pub first_time: u64,
    /// Latest request time (ns).
    pub last_time: u64,
    /// Write requests among `requests`.
    pub writes: u64,
}

impl WorkingSet {
    /// Seconds between the first and the last request (0 when the stream has no times).
    pub fn span_secs(&self) -> f64 {
        self.last_time.saturating_sub(self.first_time) as f64 / 1e9
    }
}

/// Measures the working set of `source`, under a "measuring" progress bar unless `quiet`.
pub fn working_set(source: &Source, quiet: bool) -> Result<WorkingSet> {
    crate::progress::counted(quiet, source.progress_total(), "measuring", |c| {
        working_set_counting(source, Some(c))
    })
}

/// [`working_set`], counting progress into `progress`.
pub fn working_set_counting(source: &Source, progress: Option<Arc<ReadProgress>>) -> Result<WorkingSet> {
    let mut seen: FxHashSet<u64> = FxHashSet::default();
    let mut ws = WorkingSet {
        first_time: u64::MAX,
        ..Default::default()
    };
    let mut r = source.open_without_next_access(progress)?;
    let mut batch = Vec::with_capacity(BATCH);
    while r.read_batch(&mut batch)? {
        for q in &batch {
            ws.requests += 1;
            ws.writes += u64::from(q.op == crate::model::request::Op::Write);
            ws.first_time = ws.first_time.min(q.time);
            ws.last_time = ws.last_time.max(q.time);
            if seen.insert(q.key) {
                ws.objects += 1;
                ws.bytes = ws.bytes.saturating_add(q.size);
            }
        }
    }
    if ws.requests == 0 {
        ws.first_time = 0;
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

/// Describes the source for the summary.
fn source_info(source: &Source, ws: Option<WorkingSet>) -> SourceInfo {
    let (kind, path, format, zstd, name) = match &source.input {
        Input::Trace(t) => (
            "trace",
            t.path.display().to_string(),
            Some(t.format.name().to_string()),
            Some(t.zstd),
            None,
        ),
        Input::Workload(w) => (
            "workload",
            w.path.display().to_string(),
            None,
            None,
            Some(w.name.clone()),
        ),
    };
    SourceInfo {
        kind: kind.to_string(),
        path,
        name,
        format,
        zstd,
        objects: ws.map(|w| w.objects),
        working_set_bytes: ws.map(|w| w.bytes),
    }
}

/// Runs the grid and returns the summary (results in policy order, then size order).
pub fn run_grid(cfg: &mut RunConfig) -> Result<Summary> {
    let ws = if cfg.sizes.iter().any(|(_, s)| matches!(s, SizeSpec::WorkingSet(_))) {
        let w = working_set(&cfg.source, cfg.quiet).context("measuring the working set for percentage sizes")?;
        if w.objects == 0 {
            return Err(input_error(
                "the source has no requests, so percentage sizes cannot be resolved",
            ));
        }
        Some(w)
    } else {
        None
    };
    let mut jobs = Vec::new();
    for p in &cfg.policies {
        for (label, s) in &cfg.sizes {
            jobs.push((p.clone(), label.clone(), capacity(*s, cfg.unit, ws.as_ref())));
        }
    }
    let results = run_jobs(cfg, &jobs)?;
    let mut s = empty_summary(cfg, ws);
    s.results = results;
    Ok(s)
}

/// One simulation of a grid: the policy, the size's label, the capacity.
pub type Job = (PolicySpec, String, u64);

/// Runs `jobs` on `cfg`'s source, in parallel on `cfg.jobs` threads; results in the jobs' order.
pub fn run_jobs(cfg: &mut RunConfig, jobs: &[Job]) -> Result<Vec<RunResult>> {
    prepare(cfg, jobs)?;
    run_prepared(cfg, jobs)
}

/// Whatever `jobs` need from the source before they run (Belady's next-access positions).
pub fn prepare(cfg: &mut RunConfig, jobs: &[Job]) -> Result<()> {
    if jobs.iter().any(|(p, _, _)| p.info.caps.needs_future) {
        let (quiet, total) = (cfg.quiet, cfg.source.progress_total());
        progress::counted(quiet, total, "belady pre-pass", |c| {
            cfg.source.prepare_belady_counting(Some(c))
        })
        .context("computing next-access positions for belady")?;
    }
    Ok(())
}

/// [`run_jobs`] once [`prepare`] has run.
pub fn run_prepared(cfg: &RunConfig, jobs: &[Job]) -> Result<Vec<RunResult>> {
    let policies: Vec<PolicySpec> = jobs.iter().map(|(p, _, _)| p.clone()).collect();
    crate::replay::clock_warn::warn_once(&cfg.source, &policies);
    let bar = progress::bar(cfg.quiet, cfg.source.progress_total() * jobs.len() as u64, "simulating");
    let read = Arc::new(ReadProgress::default());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.jobs)
        .build()
        .context("starting worker threads")?;
    let source = &cfg.source;
    let unit = cfg.unit;
    let seed = cfg.seed;
    let engine = cfg.engine.as_deref();
    let results: Vec<Result<RunResult>> = pool.install(|| {
        jobs.par_iter()
            .map(|(p, label, cap)| {
                let tick = || bar.set_position(read.units.load(Ordering::Relaxed));
                let ctx = BuildCtx { capacity: *cap, seed };
                let r = match (engine, cfg.sample_rate) {
                    (Some(e), _) => crate::engine::simulate(source, p, &ctx, unit, e, Some(read.clone()), &tick),
                    (None, Some(rate)) => {
                        crate::replay::replay_sampled(source, p, &ctx, unit, rate, Some(read.clone()), &tick)
                    }
                    (None, None) => replay_trace(source, p, &ctx, unit, Some(read.clone()), &tick),
                };
                let mut r = r.with_context(|| format!("{} at cache size {label}", p.label()))?;
                r.size_spec = label.to_string();
                Ok(r)
            })
            .collect()
    });
    bar.finish_and_clear();
    let results: Vec<RunResult> = results.into_iter().collect::<Result<_>>()?;
    report::warn_skipped(&results);
    Ok(results)
}

/// A summary of `cfg` with no results yet.
pub fn empty_summary(cfg: &RunConfig, ws: Option<WorkingSet>) -> Summary {
    Summary {
        cachesim_version: env!("CARGO_PKG_VERSION").to_string(),
        source: source_info(&cfg.source, ws),
        seed: cfg.seed,
        results: Vec::new(),
        events: cfg.engine.as_deref().map(fault_events).unwrap_or_default(),
    }
}

/// The configured faults as (seconds, label), for timeline charts.
fn fault_events(e: &crate::engine::config::EngineConfig) -> Vec<(f64, String)> {
    let mut v: Vec<(f64, String)> = e
        .restarts
        .iter()
        .map(|&t| (t as f64 / 1e9, "restart".to_string()))
        .collect();
    if let Some(c) = e.crash_at {
        v.push((c as f64 / 1e9, "crash".into()));
    }
    v.extend(e.outages.iter().map(|o| (o.start as f64 / 1e9, "outage".to_string())));
    v
}
