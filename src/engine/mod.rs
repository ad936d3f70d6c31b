//! The discrete-event engine: time, latency, queueing, read/write patterns, stampedes, write-behind
//! data loss and staleness. What no replay-only simulator answers: "what will my p99 and my
//! database load be, and what happens when a hot key expires or the cache crashes?"
//!
//! A workload file with a `[pattern]`, `[backend]`, `[cache_latency]` or `[faults]` section runs
//! here; one without keeps the plain replay of [`crate::replay`]. In the engine the hit ratio counts
//! reads only; writes and deletes follow the write pattern.
//!
//! Layout: [`config`] (the checked sections; the sections as read are in [`crate::schema::engine`]),
//! [`latency`] (distributions), [`backend`] (servers, queue, versions), [`cache`] (policy plus
//! per-key metadata), [`queue`] (the event queue, ordered by (time, seq)), [`timeline`] (the
//! per-interval series), [`sim`] (the event loop; its child modules hold the read patterns, the
//! stampede protections, the write patterns, write-behind, staleness and faults); metrics are in
//! [`crate::model::metrics`].

pub mod backend;
pub mod cache;
pub mod config;
pub mod latency;
pub mod queue;
pub mod sim;
pub mod timeline;

use crate::error::input_error;
use crate::model::metrics::BackendStats;
use crate::model::request::Request;
use crate::model::result::{ReplayStats, RunResult, SizeUnit};
use crate::policy::{BuildCtx, PolicySpec};
use crate::schema::engine::{Stampede, WritePattern};
use crate::schema::file::WorkloadFile;
use crate::source::workload_source;
use crate::source::Source;
use crate::topology::warming::WarmSet;
use crate::topology::{TieredCell, Topology};
use crate::trace::{ReadProgress, BATCH};
use anyhow::Result;
use cache::Cache;
use config::EngineConfig;
use sim::Sim;
use std::path::Path;
use std::sync::Arc;

/// Which loop runs the requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loop {
    /// The fast path when the configuration allows it, else the event queue.
    Auto,
    /// Always the event queue (tests compare it with the fast path).
    Events,
}

/// Runs `source` through the engine with `policy` at `ctx.capacity`.
pub fn simulate(
    source: &Source,
    policy: &PolicySpec,
    ctx: &BuildCtx,
    unit: SizeUnit,
    cfg: &EngineConfig,
    progress: Option<Arc<ReadProgress>>,
    tick: &(dyn Fn() + Sync),
) -> Result<RunResult> {
    simulate_with(source, policy, ctx, unit, cfg, Loop::Auto, progress, tick)
}

/// [`simulate`], choosing the loop.
#[allow(clippy::too_many_arguments)]
pub fn simulate_with(
    source: &Source,
    policy: &PolicySpec,
    ctx: &BuildCtx,
    unit: SizeUnit,
    cfg: &EngineConfig,
    mode: Loop,
    progress: Option<Arc<ReadProgress>>,
    tick: &(dyn Fn() + Sync),
) -> Result<RunResult> {
    let specs = [(policy.clone(), ctx.capacity)];
    run(source, &specs, ctx.seed, None, unit, cfg, mode, None, progress, tick)
}

/// Runs `source` through the engine with the multi-level cache of `topo`, each tier with its
/// policy and capacity in `cell`.
#[allow(clippy::too_many_arguments)]
pub fn simulate_tiered(
    source: &Source,
    topo: &Arc<Topology>,
    cell: &TieredCell,
    seed: u64,
    unit: SizeUnit,
    cfg: &EngineConfig,
    progress: Option<Arc<ReadProgress>>,
    tick: &(dyn Fn() + Sync),
) -> Result<RunResult> {
    let setup = (topo.clone(), cell.warm.clone(), cell.hot.clone());
    run(
        source,
        &cell.specs,
        seed,
        Some(setup),
        unit,
        cfg,
        Loop::Auto,
        None,
        progress,
        tick,
    )
}

/// A topology, the keys warming loads and the hot keys the oracle found.
type Setup = (
    Arc<Topology>,
    Option<Arc<WarmSet>>,
    Option<Arc<rustc_hash::FxHashSet<u64>>>,
);

/// The seed of copy `c` of tier `t`: the bottom tier's first copy has the run's own (so a
/// one-tier hierarchy is the single cache), every other copy one of its own.
fn copy_seed(seed: u64, t: usize, c: usize, bottom: usize) -> u64 {
    if t == bottom && c == 0 {
        seed
    } else {
        let mut z = seed ^ (((t as u64) << 32) | c as u64 | 1 << 63);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[allow(clippy::too_many_arguments)]
fn run(
    source: &Source,
    specs: &[(PolicySpec, u64)],
    seed: u64,
    topo: Option<Setup>,
    unit: SizeUnit,
    cfg: &EngineConfig,
    mode: Loop,
    compaction: Option<usize>,
    progress: Option<Arc<ReadProgress>>,
    tick: &(dyn Fn() + Sync),
) -> Result<RunResult> {
    let stale = (cfg.stampede == Stampede::StaleWhileRevalidate).then_some(
        cfg.stale_window
            .map_or(cache::StaleWindow::Ttl, cache::StaleWindow::For),
    );
    let bottom = specs.len() - 1;
    let exclusive = topo
        .as_ref()
        .is_some_and(|(t, _, _)| t.inclusion == crate::topology::Inclusion::Exclusive);
    let cluster = topo.as_ref().and_then(|(t, _, _)| t.cluster);
    let (caches, levels) = sim::tiers::layout(cfg, topo.as_ref().map(|(t, _, _)| &**t), |t, c| {
        let (spec, capacity) = &specs[t];
        let capacity = match cluster.filter(|x| x.tier == t) {
            Some(x) => {
                let per = *capacity / u64::from(x.nodes);
                if per == 0 {
                    return Err(input_error(format!(
                        "{}: the cache size ({capacity}) split over {} cluster nodes leaves each less than one byte (object); give a larger size or fewer nodes",
                        cfg.file, x.nodes
                    )));
                }
                per
            }
            None => *capacity,
        };
        let ctx = BuildCtx {
            capacity,
            seed: copy_seed(seed, t, c, bottom),
        };
        let mut cache = Cache::new(spec, &ctx, stale)?;
        if exclusive {
            cache.capture_evictions();
        }
        Ok(cache)
    })?;
    let setup = match &topo {
        Some((t, warm, hot)) => Some(sim::tiers::TierSetup {
            topo: t.clone(),
            delay: latency::Latency::compile(t.coherence.delay.as_ref(), "coherence.delay").map_err(input_error)?,
            warm: warm.clone(),
            hot: hot.clone(),
        }),
        None => None,
    };
    let timed = setup.as_ref().is_some_and(|s| {
        !s.delay.is_zero()
            || levels.iter().any(|l| !l.get.is_zero() || !l.set.is_zero())
            || s.topo.warming.as_ref().is_some_and(|w| w.rate.is_some())
    });
    // Node failures are scheduled: the event path.
    let instant = mode == Loop::Auto && cfg.is_instant() && !timed;
    let warm_start = setup
        .as_ref()
        .and_then(|s| s.topo.warming.as_ref().filter(|w| w.at_start).and(s.warm.as_ref()))
        .map(|w| w.start);
    let mut sim = Sim::new(cfg, caches, levels, setup, seed, instant);
    if let Some(start) = warm_start {
        sim.warm_from(start);
    }
    if let Some(n) = compaction {
        sim.set_compaction_threshold(n);
    }
    let mut reader = source.open(progress)?;
    let mut batch: Vec<Request> = Vec::with_capacity(BATCH);
    while reader.read_batch(&mut batch)? {
        for req in &batch {
            while sim.next_event().is_some_and(|t| t <= req.time) {
                sim.step();
            }
            sim.arrive(req);
        }
        tick();
    }
    sim.finish();
    if let Some(points) = sim.timeline_overflow() {
        let end = sim.c.end;
        let smallest = end / config::MAX_TIMELINE_POINTS + 1;
        return Err(config::timeline_too_fine(
            &cfg.file,
            cfg.timeline_interval,
            points,
            end,
            smallest,
        ));
    }
    if let Some(c) = cfg.crash_at.filter(|c| *c > sim.c.last_arrival) {
        return Err(input_error(format!(
            "faults.crash_at ({}s) is after the last request ({}s); the crash would never happen",
            c as f64 / 1e9,
            sim.c.last_arrival as f64 / 1e9
        )));
    }
    if let Some(rc) = &cfg.remote {
        let last = sim.c.last_arrival;
        let late = rc
            .failures
            .iter()
            .find(|f| f.start > last)
            .map(|f| (format!("faults.node_failures: node {}'s failure", f.node), f.start))
            .or_else(|| {
                rc.outages
                    .iter()
                    .find(|o| o.start > last)
                    .map(|o| ("faults.cache_outages: an outage".to_string(), o.start))
            });
        if let Some((what, at)) = late {
            return Err(input_error(format!(
                "{}: {what} at {}s is after the last request ({}s), so nothing would see it; give a time within the workload",
                cfg.file,
                at as f64 / 1e9,
                last as f64 / 1e9
            )));
        }
    }
    let topo = topo.map(|(t, _, _)| t);
    let mut r = result(specs, topo.as_deref(), unit, cfg, &sim, reader.skipped());
    if let Some(rs) = &sim.remote {
        remote_result(&mut r, rs, &sim);
    }
    Ok(r)
}

fn result(
    specs: &[(PolicySpec, u64)],
    topo: Option<&Topology>,
    unit: SizeUnit,
    cfg: &EngineConfig,
    sim: &Sim,
    bad_lines: u64,
) -> RunResult {
    let (policy, capacity) = specs.last().expect("a cache");
    let c = &sim.c;
    let stats = ReplayStats {
        requests: c.reads,
        misses: c.reads - c.hits,
        bytes: c.read_bytes,
        miss_bytes: c.miss_bytes,
        deletes: c.deletes,
        skipped: c.skipped,
        ..Default::default()
    };
    let bottom = sim.levels.last().expect("a tier");
    let (mut evictions, mut expirations) = (0, 0);
    for c in &sim.caches[bottom.first..bottom.first + bottom.copies] {
        let k = c.counters();
        evictions += k.evictions;
        expirations += k.expirations;
    }
    let mut r = policy.result(*capacity, unit, &stats, evictions, expirations, bad_lines);
    r.memory_peak_ratio = sim.caches[bottom.first..bottom.first + bottom.copies]
        .iter()
        .map(|c| crate::model::result::peak_ratio(c.peak(), c.capacity()))
        .reduce(f64::max);
    let b = &sim.backend.counters;
    let secs = c.end as f64 / 1e9;
    r.writes = Some(c.writes);
    r.read_latency_ms = Some(c.read_latency.summary());
    r.write_latency_ms = Some(c.write_latency.summary());
    let tc = &sim.tier_counts;
    r.backend = Some(BackendStats {
        reads: b.reads - tc.warming_sent.min(b.reads),
        writes: b.writes,
        peak_concurrency: Some(b.peak_busy),
        peak_queue: Some(b.peak_queue),
        mean_in_flight: Some(if c.end == 0 { 0.0 } else { b.area as f64 / c.end as f64 }),
        mean_time_ms: Some(if b.departures == 0 {
            0.0
        } else {
            b.time_in_system as f64 / b.departures as f64 / 1e6
        }),
        warming_reads: topo.and_then(|t| t.warming.as_ref()).map(|_| tc.warming_reads),
        absent_reads: topo.filter(|t| t.absent).map(|_| tc.absent_reads),
    });
    r.stampede = Some(c.stampede);
    r.write_behind = (cfg.write == WritePattern::WriteBehind).then_some(c.write_behind);
    r.stale_reads = Some(c.stale_reads);
    r.stale_served = Some(c.stale_served);
    r.errors = Some(c.errors);
    r.duration_s = Some(secs);
    r.timeline = c.timeline.clone();
    r.tier_timeline = c.tier_timeline.clone();
    if let Some(t) = topo {
        if t.absent {
            r.negative_hits = Some(tc.negative_hits);
        }
        r.read_latency_tiers_ms = Some(sim.read_tier_time.summary());
        r.read_latency_backend_ms = Some(sim.read_backend_time.summary());
        if t.explicit {
            r.tiers = Some(sim::tiers::tier_stats(t, &sim.levels, &sim.caches));
            r.memory_bytes_total = Some(
                specs
                    .iter()
                    .zip(&sim.levels)
                    .map(|((_, cap), l)| cap.saturating_mul(l.copies as u64))
                    .fold(0u64, u64::saturating_add),
            );
        }
    }
    r
}

/// The remote tier's figures: cache latency, errors, fallbacks, the breaker; with a cluster, each
/// node, the imbalance and the failures.
fn remote_result(r: &mut RunResult, rs: &sim::remote::RemoteState, sim: &Sim) {
    use crate::model::metrics::{FailureStats, NodeLatency, NodeStats};
    let end = sim.c.end;
    r.cache_latency_ms = Some(rs.latency.summary());
    r.cache_errors = Some(rs.errors);
    r.fallback_reads = Some(rs.fallback_reads);
    if rs.cfg.breaker.is_some() {
        r.breaker_open_s = Some(rs.breaker_open_ns(end) as f64 / 1e9);
    }
    if let Some(h) = &rs.hot {
        r.hot_keys = Some(crate::model::metrics::HotKeyStats {
            mitigation: if h.cfg.local { "local" } else { "replicate" }.into(),
            reads: h.reads,
            local_hits: h.local_hits,
            node_ops: h.node_ops,
        });
    }
    if rs.placement.is_none() {
        return;
    }
    let first = sim.levels[rs.tier].first;
    let secs = end as f64 / 1e9;
    let nodes: Vec<NodeStats> = rs
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let cache = &sim.caches[first + i];
            let q = |x: f64| {
                if n.latency.is_empty() {
                    0.0
                } else {
                    n.latency.value_at_quantile(x) as f64 / 1e6
                }
            };
            NodeStats {
                node: i as u32,
                requests: n.requests,
                hits: n.hits,
                hit_ratio: if n.requests == 0 {
                    0.0
                } else {
                    n.hits as f64 / n.requests as f64
                },
                sets: n.ops - n.gets,
                keys_peak: cache.keys_peak(),
                bytes_peak: cache.peak(),
                ops: Some(n.ops),
                ops_per_s: Some(if secs > 0.0 { n.ops as f64 / secs } else { 0.0 }),
                latency_ms: Some(NodeLatency {
                    mean: if n.ops == 0 {
                        0.0
                    } else {
                        n.latency_sum as f64 / n.ops as f64 / 1e6
                    },
                    p95: q(0.95),
                    p99: q(0.99),
                }),
                queue_peak: Some(rs.queue_peak(i)),
            }
        })
        .collect();
    let total: u64 = rs.nodes.iter().map(|n| n.ops).sum();
    let max = rs.nodes.iter().map(|n| n.ops).max().unwrap_or(0);
    if total > 0 {
        r.imbalance = Some(max as f64 / (total as f64 / nodes.len() as f64));
        r.hot_node_share = Some(max as f64 / total as f64);
    }
    r.nodes = Some(nodes);
    r.failures = Some(
        rs.failures
            .iter()
            .map(|f| FailureStats {
                node: f.node,
                at: f.at as f64 / 1e9,
                remapped_share: f.remapped_share,
            })
            .collect(),
    );
}

/// Runs a parsed workload file through the engine with one policy and capacity (tests, benches).
/// The file must have an engine section.
pub fn simulate_file(f: &WorkloadFile, path: &Path, policy: &str, capacity: u64, events: bool) -> Result<RunResult> {
    let cfg = EngineConfig::from_file(f, path)?
        .ok_or_else(|| input_error("the workload has no [pattern], [backend], [cache_latency] or [faults] section"))?;
    let mut source = workload_source(f, path)?;
    source.ignore_size = f.cache.ignore_obj_size;
    let spec = PolicySpec::parse(policy).map_err(input_error)?;
    if spec.info.caps.needs_future {
        source.prepare_belady()?;
    }
    let ctx = BuildCtx { capacity, seed: f.seed };
    let unit = if source.ignore_size {
        SizeUnit::Objects
    } else {
        SizeUnit::Bytes
    };
    let mode = if events { Loop::Events } else { Loop::Auto };
    simulate_with(&source, &spec, &ctx, unit, &cfg, mode, None, &|| {})
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Forgetting the versions of keys that are neither cached nor in flight changes nothing: the
    /// same run with the maps compacted very often, and never, gives identical results.
    #[test]
    fn version_compaction_changes_no_result() {
        let text = r#"
seed = 5
[workload]
requests = 200_000
keys = 50_000
read_ratio = 0.6
popularity = { dist = "zipf", alpha = 0.8 }
arrival = { process = "poisson", rate = 20_000 }
size = { dist = "fixed", value = 1 }
[cache]
ignore_obj_size = true
[pattern]
write = "invalidate"
[backend]
read_latency = { dist = "exponential", mean = "20ms" }
write_latency = { dist = "exponential", mean = "5ms" }
concurrency = 1_000
[cache_latency]
get = "200us"
set = "200us"
"#;
        let path = Path::new("compact.toml");
        let f = crate::schema::parse(text, path).unwrap();
        let cfg = EngineConfig::from_file(&f, path).unwrap().unwrap();
        let mut source = workload_source(&f, path).unwrap();
        source.ignore_size = true;
        let spec = PolicySpec::parse("lru").unwrap();
        let ctx = BuildCtx {
            capacity: 2_000,
            seed: f.seed,
        };
        let go = |n| {
            run(
                &source,
                &[(spec.clone(), ctx.capacity)],
                ctx.seed,
                None,
                SizeUnit::Objects,
                &cfg,
                Loop::Auto,
                Some(n),
                None,
                &|| {},
            )
            .unwrap()
        };
        let never = go(usize::MAX);
        let often = go(64);
        assert!(never.stale_reads.unwrap() > 0, "the workload must produce stale reads");
        assert_eq!(never, often);
    }
}
