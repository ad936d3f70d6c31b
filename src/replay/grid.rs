//! The one grid evaluator of `run`, `sweep`, `plan` and `check`: the caller lists the cells
//! (policy x size) and says how each may be evaluated; [`evaluate`] chooses per cell between plain
//! LRU's one-pass curve (exact, or SHARDS when asked) and a simulation (on the discrete-event
//! engine, a miniature simulation of a key sample at `cfg.sample_rate`, or a plain replay), runs the
//! simulations in parallel with the curves beside them, and returns the results in the cells'
//! order, so they never depend on the thread count (`--jobs`).

use crate::config::RunConfig;
use crate::error::input_error;
use crate::model::result::{RunResult, SizeUnit};
use crate::model::units::SizeSpec;
use crate::mrc::shards::{SamplingReport, ShardsConfig};
use crate::mrc::MrcError;
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
pub fn source_info(source: &Source, ws: Option<WorkingSet>) -> SourceInfo {
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

/// The working set when `cfg`'s sizes include percentages of it (they cannot be resolved without
/// it), else None.
pub fn working_set_for_sizes(cfg: &RunConfig) -> Result<Option<WorkingSet>> {
    let tier_sizes = cfg
        .topology
        .iter()
        .flat_map(|t| t.tiers.iter())
        .filter_map(|t| t.size.as_ref());
    if !cfg
        .sizes
        .iter()
        .chain(tier_sizes)
        .any(|(_, s)| matches!(s, SizeSpec::WorkingSet(_)))
    {
        return Ok(None);
    }
    let w = working_set(&cfg.source, cfg.quiet).context("measuring the working set for percentage sizes")?;
    if w.objects == 0 {
        return Err(input_error(
            "the source has no requests, so percentage sizes cannot be resolved",
        ));
    }
    Ok(Some(w))
}

/// Every policy of `cfg` at every size of `cfg` (policy order, then size order), each evaluated as
/// `eval` says for its policy.
pub fn cells(cfg: &RunConfig, ws: Option<&WorkingSet>, eval: impl Fn(&PolicySpec) -> Eval) -> Vec<Cell> {
    let mut cells = Vec::new();
    for p in &cfg.policies {
        for (label, s) in &cfg.sizes {
            cells.push(Cell {
                policy: p.clone(),
                label: label.clone(),
                capacity: capacity(*s, cfg.unit, ws),
                eval: eval(p),
            });
        }
    }
    cells
}

/// Runs the grid of each configuration (each variant of a workload), one after the other, into
/// one summary: the results in order, each carrying its variant; events once each.
pub fn run_all(cfgs: Vec<RunConfig>) -> Result<Summary> {
    merge_variants(cfgs, |mut cfg| run_grid(&mut cfg))
}

/// Runs `one` on each configuration (each variant of a workload), one after the other, and merges
/// the summaries into one: the results in order, each carrying its variant and its alerts; events
/// once each.
pub fn merge_variants(cfgs: Vec<RunConfig>, mut one: impl FnMut(RunConfig) -> Result<Summary>) -> Result<Summary> {
    let mut summary: Option<Summary> = None;
    for cfg in cfgs {
        let (variant, alerts) = (cfg.variant.clone(), cfg.alerts);
        let mut s = one(cfg)?;
        for r in &mut s.results {
            r.variant = variant.clone();
        }
        alerts.apply(&mut s.results);
        s.alert_thresholds = Some(alerts.describe());
        match summary.as_mut() {
            None => summary = Some(s),
            Some(all) => {
                all.results.append(&mut s.results);
                for e in s.events {
                    if !all.events.contains(&e) {
                        all.events.push(e);
                    }
                }
            }
        }
    }
    summary.ok_or_else(|| crate::error::input_error("no variant to run"))
}

/// Runs the grid (every policy simulated at every size) and returns the summary (results in policy
/// order, then size order).
pub fn run_grid(cfg: &mut RunConfig) -> Result<Summary> {
    let ws = working_set_for_sizes(cfg)?;
    let cells = cells(cfg, ws.as_ref(), |_| Eval::Simulate);
    let results = evaluate(cfg, &cells, &Curve::Exact)?.results;
    let mut s = empty_summary(cfg, ws);
    s.results = results;
    Ok(s)
}

/// How a cell may be evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eval {
    /// Simulated: on the engine when `cfg` has one, else a miniature simulation at
    /// `cfg.sample_rate` when set, else a plain replay.
    Simulate,
    /// From plain LRU's one-pass curve ([`Curve`]); simulated instead when the stream has no exact
    /// curve. Only for plain LRU on a plain replay (see [`crate::replay::curve::is_plain_lru`]).
    LruCurve,
}

/// One cell of a grid: a policy at a size.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The policy.
    pub policy: PolicySpec,
    /// The size as given (the result's `size_spec`).
    pub label: String,
    /// The capacity in the run's unit.
    pub capacity: u64,
    /// How it may be evaluated.
    pub eval: Eval,
}

/// Which one-pass curve [`Eval::LruCurve`] cells get.
#[derive(Clone, Copy, Debug)]
pub enum Curve {
    /// The exact curve (stack distances).
    Exact,
    /// The SHARDS estimate.
    Shards(ShardsConfig),
}

/// What an evaluation tells beside its results; the caller decides whether to print it.
#[derive(Debug)]
pub enum Note {
    /// The stream has no exact one-pass curve for `policy`: its cells were simulated.
    Fallback {
        /// The policy's label.
        policy: String,
        /// Why no exact curve exists.
        error: MrcError,
    },
    /// `policy`'s cells are SHARDS estimates, sampled as `sampling` says.
    Shards {
        /// The policy's label.
        policy: String,
        /// The sample.
        sampling: SamplingReport,
    },
}

/// The results of [`evaluate`], one per cell in the cells' order, and its notes.
#[derive(Debug)]
pub struct Evaluation {
    /// One result per cell, in the cells' order.
    pub results: Vec<RunResult>,
    /// Fallbacks and SHARDS samples, in the order of the policies' first cells.
    pub notes: Vec<Note>,
}

/// Evaluates `cells` on `cfg`'s source: the [`Eval::LruCurve`] cells of each policy from one pass
/// of `curve` (on its own thread, beside the simulations), the rest simulated in parallel on
/// `cfg.jobs` threads; a policy without an exact curve is then simulated at its sizes. Results in
/// the cells' order, independent of the thread count.
pub fn evaluate(cfg: &mut RunConfig, cells: &[Cell], curve: &Curve) -> Result<Evaluation> {
    let job = |c: &Cell| (c.policy.clone(), c.label.clone(), c.capacity);
    // A one-pass curve is a single cache's: a multi-level cache is simulated.
    let tiered;
    let cells = if cfg.topology.is_some() {
        tiered = cells
            .iter()
            .map(|c| Cell {
                eval: Eval::Simulate,
                ..c.clone()
            })
            .collect::<Vec<_>>();
        &tiered[..]
    } else {
        cells
    };
    let simulate: Vec<usize> = (0..cells.len()).filter(|&i| cells[i].eval == Eval::Simulate).collect();
    // One curve per policy, over its cells in order.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, c) in cells.iter().enumerate().filter(|(_, c)| c.eval == Eval::LruCurve) {
        let label = c.policy.label();
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, idx)) => idx.push(i),
            None => groups.push((label, vec![i])),
        }
    }
    let jobs: Vec<Job> = simulate.iter().map(|&i| job(&cells[i])).collect();
    prepare(cfg, &jobs)?;
    let cfg: &RunConfig = cfg;
    type Got = Result<Result<(Vec<RunResult>, Option<SamplingReport>), MrcError>>;
    let (curves, simulated) = std::thread::scope(|scope| {
        let curves = scope.spawn(|| {
            groups
                .iter()
                .map(|(_, idx)| -> Got {
                    let sizes: Vec<u64> = idx.iter().map(|&i| cells[i].capacity).collect();
                    let labels: Vec<String> = idx.iter().map(|&i| cells[i].label.clone()).collect();
                    Ok(match curve {
                        Curve::Exact => crate::replay::curve::exact_lru(cfg, &sizes, &labels)?.map(|rs| (rs, None)),
                        Curve::Shards(sc) => {
                            let (rs, sampling) = crate::replay::curve::shards_lru(cfg, &sizes, &labels, sc)?;
                            Ok((rs, Some(sampling)))
                        }
                    })
                })
                .collect::<Vec<Got>>()
        });
        let simulated = if jobs.is_empty() {
            Ok(Vec::new())
        } else {
            run_prepared(cfg, &jobs)
        };
        (curves.join().expect("the LRU curve thread does not panic"), simulated)
    });
    let mut out: Vec<Option<RunResult>> = vec![None; cells.len()];
    for (r, i) in simulated?.into_iter().zip(simulate) {
        out[i] = Some(r);
    }
    let mut notes = Vec::new();
    let (mut fallback, mut fallback_owner) = (Vec::new(), Vec::new());
    for ((policy, idx), got) in groups.into_iter().zip(curves) {
        match got? {
            Ok((rs, sampling)) => {
                for (r, i) in rs.into_iter().zip(&idx) {
                    out[*i] = Some(r);
                }
                if let Some(sampling) = sampling {
                    notes.push(Note::Shards { policy, sampling });
                }
            }
            Err(error) => {
                fallback.extend(idx.iter().map(|&i| job(&cells[i])));
                fallback_owner.extend(idx);
                notes.push(Note::Fallback { policy, error });
            }
        }
    }
    if !fallback.is_empty() {
        for (r, i) in run_prepared(cfg, &fallback)?.into_iter().zip(fallback_owner) {
            out[i] = Some(r);
        }
    }
    let results = out.into_iter().map(|r| r.expect("every cell was evaluated")).collect();
    Ok(Evaluation { results, notes })
}

/// One simulation of a grid: the policy, the size's label, the capacity.
type Job = (PolicySpec, String, u64);

/// Whatever `jobs` need from the source before they run (Belady's next-access positions).
fn prepare(cfg: &mut RunConfig, jobs: &[Job]) -> Result<()> {
    if jobs.iter().any(|(p, _, _)| p.info.caps.needs_future) {
        let (quiet, total) = (cfg.quiet, cfg.source.progress_total());
        progress::counted(quiet, total, "belady pre-pass", |c| {
            cfg.source.prepare_belady_counting(Some(c))
        })
        .context("computing next-access positions for belady")?;
    }
    if let Some(w) = cfg.topology.as_ref().and_then(|t| t.warming.as_ref()) {
        if cfg.warm.is_none() && !jobs.is_empty() {
            let (quiet, total) = (cfg.quiet, cfg.source.progress_total());
            let keys = w.keys;
            let source = &cfg.source;
            let set = progress::counted(quiet, total, "finding the keys to warm", |c| {
                crate::topology::warming::popular_keys(source, keys, Some(c))
            })?;
            cfg.warm = Some(Arc::new(set));
        }
    }
    if let Some(top) = cfg
        .topology
        .as_ref()
        .and_then(|t| t.cluster)
        .and_then(|c| c.oracle_top())
    {
        if cfg.hot.is_none() && !jobs.is_empty() {
            let (quiet, total) = (cfg.quiet, cfg.source.progress_total());
            let source = &cfg.source;
            let set = progress::counted(quiet, total, "finding the hot keys", |c| {
                crate::topology::warming::popular_keys(source, crate::topology::WarmKeys::All, Some(c))
            })?;
            if top > set.keys.len() as u64 {
                return Err(input_error(format!(
                    "hot_keys.top = {}, but the workload reads only {} distinct keys; give at most {}",
                    top,
                    set.keys.len(),
                    set.keys.len()
                )));
            }
            let hot = set.keys.iter().take(top as usize).map(|q| q.key).collect();
            cfg.hot = Some(Arc::new(hot));
        }
    }
    Ok(())
}

/// The policy and capacity of every tier of `topo` for a cell whose bottom tier runs `policy` at
/// `capacity`.
fn tier_specs(
    topo: &crate::topology::Topology,
    policy: &PolicySpec,
    capacity: u64,
    unit: SizeUnit,
    ws: Option<&WorkingSet>,
) -> Vec<(PolicySpec, u64)> {
    let bottom = topo.bottom();
    topo.tiers
        .iter()
        .enumerate()
        .map(|(t, tier)| {
            if t == bottom {
                (policy.clone(), capacity)
            } else {
                let p = tier
                    .policy
                    .clone()
                    .expect("checked: only the bottom tier may omit its policy");
                let (_, s) = tier
                    .size
                    .as_ref()
                    .expect("checked: only the bottom tier may omit its size");
                (p, self::capacity(*s, unit, ws))
            }
        })
        .collect()
}

/// Runs `jobs` once [`prepare`] has run, in parallel on `cfg.jobs` threads; results in the jobs'
/// order.
fn run_prepared(cfg: &RunConfig, jobs: &[Job]) -> Result<Vec<RunResult>> {
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
    let topology = cfg.topology.as_deref();
    let ws = match topology {
        Some(t)
            if t.tiers
                .iter()
                .any(|t| matches!(t.size, Some((_, SizeSpec::WorkingSet(_))))) =>
        {
            Some(working_set(source, true)?)
        }
        _ => None,
    };
    let results: Vec<Result<RunResult>> = pool.install(|| {
        jobs.par_iter()
            .map(|(p, label, cap)| {
                let tick = || bar.set_position(read.units.load(Ordering::Relaxed));
                let ctx = BuildCtx { capacity: *cap, seed };
                let r = match (engine, cfg.sample_rate) {
                    (None, None) if topology.is_some() => {
                        let topo = topology.expect("matched");
                        let cell = crate::topology::TieredCell {
                            specs: tier_specs(topo, p, *cap, unit, ws.as_ref()),
                            warm: cfg.warm.clone(),
                            hot: cfg.hot.clone(),
                        };
                        crate::replay::tiers::replay_tiered(source, topo, &cell, seed, unit, Some(read.clone()), &tick)
                    }
                    (Some(e), _) if topology.is_some() => {
                        let topo = cfg.topology.as_ref().expect("matched");
                        let cell = crate::topology::TieredCell {
                            specs: tier_specs(topo, p, *cap, unit, ws.as_ref()),
                            warm: cfg.warm.clone(),
                            hot: cfg.hot.clone(),
                        };
                        crate::engine::simulate_tiered(source, topo, &cell, seed, unit, e, Some(read.clone()), &tick)
                    }
                    (None, Some(_)) if topology.is_some() => Err(input_error(
                        "--shards-rate/--shards-samples sample a single cache; a multi-level cache is simulated whole",
                    )),
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
        alert_thresholds: None,
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
    if let Some(r) = &e.remote {
        for f in &r.failures {
            v.push((f.start as f64 / 1e9, format!("node {} down", f.node)));
            if let Some(end) = f.end {
                v.push((end as f64 / 1e9, format!("node {} back", f.node)));
            }
        }
        for o in &r.outages {
            v.push((o.start as f64 / 1e9, "cache outage".into()));
            v.push((o.end as f64 / 1e9, "cache back".into()));
        }
    }
    v
}
