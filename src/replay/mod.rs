//! The plain replay: stream a trace through one policy at one size and count hits and misses.

pub mod clock_warn;
pub mod curve;
pub mod grid;
pub mod tiers;

use crate::model::request::{Op, Request};
use crate::model::result::{Method, ReplayStats, RunResult, SizeUnit};
use crate::policy::{BuildCtx, PolicySpec};
use crate::source::Source;
use crate::trace::{ReadProgress, BATCH};
use anyhow::Result;
use std::sync::Arc;

/// Replays `source` through `policy` at `capacity`, streaming; `tick` is called after each batch.
pub fn replay_trace(
    source: &Source,
    policy: &PolicySpec,
    ctx: &BuildCtx,
    unit: SizeUnit,
    progress: Option<Arc<ReadProgress>>,
    tick: &(dyn Fn() + Sync),
) -> Result<RunResult> {
    let mut cache = policy.build(ctx).map_err(crate::error::input_error)?;
    let mut reader = source.open(progress)?;
    let mut batch: Vec<Request> = Vec::with_capacity(BATCH);
    let mut stats = ReplayStats::default();
    while reader.read_batch(&mut batch)? {
        cache.replay(&batch, &mut stats);
        tick();
    }
    let c = cache.counters();
    let mut r = policy.result(ctx.capacity, unit, &stats, c.evictions, c.expirations, reader.skipped());
    r.read_misses = Some(stats.read_misses);
    r.memory_peak_ratio = Some(crate::model::result::peak_ratio(cache.tally().peak(), ctx.capacity));
    Ok(r)
}

/// A miniature simulation (Waldspurger, Park, Garthwaite, Ahmad, "Cache Modeling and Optimization
/// using Miniature Simulations", USENIX ATC 2017): `policy` sees only the requests of a spatial
/// sample of the keys (SHARDS's hash, seed 0, so every request of a sampled key is kept) in a cache
/// of `rate` times the capacity. Sampled misses, missed bytes, evictions and expirations are divided
/// by the rate and normalised by the whole stream's counts (SHARDS-adj); requests and bytes are the
/// whole stream's. Objects larger than the scaled cache never hit in the sample, so keep the rate
/// such that the scaled cache still holds many objects.
pub fn replay_sampled(
    source: &Source,
    policy: &PolicySpec,
    ctx: &BuildCtx,
    unit: SizeUnit,
    rate: f64,
    progress: Option<Arc<ReadProgress>>,
    tick: &(dyn Fn() + Sync),
) -> Result<RunResult> {
    let threshold = crate::mrc::shards::threshold_of(rate);
    let scaled = ((ctx.capacity as f64 * rate).round() as u64).max(1);
    let mut cache = policy
        .build(&BuildCtx {
            capacity: scaled,
            seed: ctx.seed,
        })
        .map_err(crate::error::input_error)?;
    let mut reader = source.open(progress)?;
    let mut batch: Vec<Request> = Vec::with_capacity(BATCH);
    let mut sample: Vec<Request> = Vec::with_capacity(BATCH);
    let mut whole = ReplayStats::default();
    let mut s = ReplayStats::default();
    while reader.read_batch(&mut batch)? {
        sample.clear();
        for r in &batch {
            if r.op == Op::Delete {
                whole.deletes += 1;
            } else if r.size == 0 {
                whole.skipped += 1;
            } else {
                whole.requests += 1;
                whole.bytes = whole.bytes.saturating_add(r.size);
            }
            if crate::mrc::shards::key_sampled(r.key, 0, threshold) {
                sample.push(*r);
            }
        }
        cache.replay(&sample, &mut s);
        tick();
    }
    let scale = |x: u64, most: u64| ((x as f64 / rate).round() as u64).min(most);
    let est = ReplayStats {
        misses: scale(s.misses, whole.requests),
        miss_bytes: scale(s.miss_bytes, whole.bytes),
        ..whole
    };
    let c = cache.counters();
    let mut r = policy.result(
        ctx.capacity,
        unit,
        &est,
        scale(c.evictions, u64::MAX),
        scale(c.expirations, u64::MAX),
        reader.skipped(),
    );
    r.method = Method::Shards;
    r.sampling_rate = Some(rate);
    Ok(r)
}

/// Replays an in-memory request slice (benches, tests).
pub fn replay_slice(policy: &PolicySpec, ctx: &BuildCtx, reqs: &[Request]) -> ReplayStats {
    let mut cache = policy.build(ctx).expect("valid policy");
    let mut stats = ReplayStats::default();
    for chunk in reqs.chunks(BATCH) {
        cache.replay(chunk, &mut stats);
    }
    stats
}
