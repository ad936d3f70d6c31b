//! SHARDS: approximate miss-ratio curves from a spatial sample of the keys (Waldspurger, Park,
//! Garthwaite, Ahmad, "Efficient MRC Construction with SHARDS", FAST 2015).
//!
//! A key is sampled iff `hash(key) < T` for a fixed 64-bit hash, so every request of a sampled key
//! is kept and reuse is preserved. The sample runs through the same exact LRU stack as
//! [`lru_mrc`](super::lru_mrc) with every cache size scaled by the rate `R = T / 2^64` (the cache
//! of a miniature simulation). Two ways to pick `T`:
//! - [`Sampling::Rate`]: fixed `R`. With `adjust` (SHARDS-adj) the ratios are divided by the
//!   expected number of sampled requests `N * R` instead of the actual one, which corrects the error
//!   a few very hot sampled (or unsampled) keys cause.
//! - [`Sampling::FixedSize`]: at most `S` distinct keys are tracked; when one more arrives, `T` is
//!   lowered to the largest sampled hash and that key is dropped (memory stays O(S)). Each request
//!   counts with weight `1 / R` at the rate in force when it was seen.
//!
//! An object larger than a scaled cache but not the real one never hits in the sample (as in a
//! miniature simulation); with object sizes far below the scaled capacity this does not matter.

use super::{Engine, MrcError, MrcPoint};
use crate::model::request::{Op, Request};
use crate::model::result::SizeUnit;
use crate::trace::{TraceReader, BATCH};
use serde::Serialize;
use std::collections::BinaryHeap;

/// How keys are sampled.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sampling {
    /// A fixed rate in (0, 1].
    Rate(f64),
    /// At most this many distinct sampled keys; the rate falls as needed.
    FixedSize(usize),
}

/// SHARDS settings.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ShardsConfig {
    /// Rate or sample size.
    pub sampling: Sampling,
    /// Normalize by the expected sampled count (SHARDS-adj) rather than the actual one.
    pub adjust: bool,
    /// Seed of the key hash (xxh3).
    pub seed: u64,
}

impl ShardsConfig {
    /// A fixed rate with the SHARDS-adj correction, seed 0.
    pub fn rate(rate: f64) -> Self {
        ShardsConfig {
            sampling: Sampling::Rate(rate),
            adjust: true,
            seed: 0,
        }
    }

    /// A fixed sample size with the correction, seed 0.
    pub fn fixed_size(keys: usize) -> Self {
        ShardsConfig {
            sampling: Sampling::FixedSize(keys),
            adjust: true,
            seed: 0,
        }
    }
}

/// What the sample was.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SamplingReport {
    /// The settings.
    pub sampling: Sampling,
    /// Whether the SHARDS-adj correction was applied.
    pub adjust: bool,
    /// The rate at the end of the trace.
    pub final_rate: f64,
    /// Requests counted (deletes and zero-size requests excluded).
    pub requests: u64,
    /// Of those, requests of sampled keys.
    pub sampled_requests: u64,
    /// Distinct sampled keys live at the end.
    pub sampled_objects: u64,
}

/// An estimated curve and how it was sampled.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShardsCurve {
    /// The estimated curve; counts are ratios times the true request and byte totals, rounded.
    pub points: Vec<MrcPoint>,
    /// The sampling used.
    pub sampling: SamplingReport,
}

/// Estimates the LRU miss-ratio curve of `reader` at `sizes` with SHARDS.
pub fn shards_mrc(
    reader: &mut dyn TraceReader,
    sizes: &[u64],
    unit: SizeUnit,
    cfg: &ShardsConfig,
) -> anyhow::Result<ShardsCurve> {
    let mut s = Shards::new(sizes, unit, cfg)?;
    let mut batch = Vec::with_capacity(BATCH);
    while reader.read_batch(&mut batch)? {
        s.feed(&batch)?;
    }
    Ok(s.finish())
}

/// The streaming form of [`shards_mrc`].
pub struct Shards {
    cfg: ShardsConfig,
    engine: Engine,
    objects: bool,
    threshold: u64,
    /// Sampled keys by hash, largest first (fixed size only).
    heap: BinaryHeap<(u64, u64)>,
    members: hashbrown::HashSet<u64, rustc_hash::FxBuildHasher>,
    requests: u64,
    bytes: u64,
    /// Weighted sums (weight 1/R) of requests, bytes, and per level misses and missed bytes.
    w_requests: f64,
    w_bytes: f64,
    w_misses: Vec<(f64, f64)>,
    /// Engine counts at the last rate change.
    mark: (u64, u64, Vec<(u64, u64)>),
}

/// Whether `key` is in the spatial sample below `threshold` (the hash SHARDS uses with `seed`).
#[inline]
pub fn key_sampled(key: u64, seed: u64, threshold: u64) -> bool {
    threshold == u64::MAX || xxhash_rust::xxh3::xxh3_64_with_seed(&key.to_le_bytes(), seed) < threshold
}

/// The hash threshold that samples a fraction `rate` of the keys.
pub fn threshold_of(rate: f64) -> u64 {
    if rate >= 1.0 {
        u64::MAX
    } else {
        (rate * 2f64.powi(64)) as u64
    }
}

fn rate_of(threshold: u64) -> f64 {
    if threshold == u64::MAX {
        1.0
    } else {
        threshold as f64 / 2f64.powi(64)
    }
}

impl Shards {
    /// An empty estimator; a rate outside (0, 1] or a sample size of 0 is an input error.
    pub fn new(sizes: &[u64], unit: SizeUnit, cfg: &ShardsConfig) -> anyhow::Result<Self> {
        let threshold = match cfg.sampling {
            Sampling::Rate(r) if r > 0.0 && r <= 1.0 => threshold_of(r),
            Sampling::Rate(r) => crate::bail_input!("shards rate {r} is invalid; it must be in (0, 1], e.g. 0.01"),
            Sampling::FixedSize(0) => crate::bail_input!("shards sample size must be at least 1 key"),
            Sampling::FixedSize(_) => u64::MAX,
        };
        let engine = Engine::new(sizes, unit, rate_of(threshold));
        let k = engine.levels.len();
        Ok(Shards {
            cfg: *cfg,
            engine,
            objects: unit == SizeUnit::Objects,
            threshold,
            heap: BinaryHeap::new(),
            members: Default::default(),
            requests: 0,
            bytes: 0,
            w_requests: 0.0,
            w_bytes: 0.0,
            w_misses: vec![(0.0, 0.0); k],
            mark: (0, 0, vec![(0, 0); k]),
        })
    }

    #[inline]
    fn hash(&self, key: u64) -> u64 {
        xxhash_rust::xxh3::xxh3_64_with_seed(&key.to_le_bytes(), self.cfg.seed)
    }

    /// Processes requests in order.
    pub fn feed(&mut self, reqs: &[Request]) -> Result<(), MrcError> {
        for r in reqs {
            if r.op != Op::Delete && r.size != 0 {
                self.requests += 1;
                self.bytes = self.bytes.saturating_add(if self.objects { 1 } else { r.size });
            }
            let h = self.hash(r.key);
            if h >= self.threshold {
                continue;
            }
            if let (Sampling::FixedSize(limit), false) = (self.cfg.sampling, r.op == Op::Delete) {
                if self.members.insert(r.key) {
                    self.heap.push((h, r.key));
                    if self.members.len() > limit {
                        self.lower_threshold();
                        if h >= self.threshold {
                            continue;
                        }
                    }
                }
            }
            self.engine.request(r)?;
        }
        Ok(())
    }

    /// Drops the key with the largest hash and makes its hash the new threshold.
    fn lower_threshold(&mut self) {
        self.flush();
        let Some(&(top, _)) = self.heap.peek() else { return };
        self.threshold = top;
        while let Some(&(h, key)) = self.heap.peek() {
            if h < top {
                break;
            }
            self.heap.pop();
            self.members.remove(&key);
            self.engine.purge(key);
        }
        self.engine.set_scale(rate_of(self.threshold));
    }

    /// Adds the counts since the last rate change, weighted by 1 / the rate.
    fn flush(&mut self) {
        let w = 1.0 / self.engine.scale;
        let e = &self.engine;
        self.w_requests += (e.requests - self.mark.0) as f64 * w;
        self.w_bytes += (e.bytes - self.mark.1) as f64 * w;
        for ((acc, m), (miss, bytes)) in self.w_misses.iter_mut().zip(&mut self.mark.2).zip(e.level_counts()) {
            acc.0 += (miss - m.0) as f64 * w;
            acc.1 += (bytes - m.1) as f64 * w;
            *m = (miss, bytes);
        }
        self.mark.0 = e.requests;
        self.mark.1 = e.bytes;
    }

    /// The estimated curve.
    pub fn finish(mut self) -> ShardsCurve {
        self.flush();
        let (req_norm, byte_norm) = if self.cfg.adjust {
            (self.requests as f64, self.bytes as f64)
        } else {
            (self.w_requests, self.w_bytes)
        };
        let e = &self.engine;
        let points = e
            .order()
            .iter()
            .map(|&i| {
                let (wm, wb) = self.w_misses[i];
                let mr = super::ratio(wm, req_norm).clamp(0.0, 1.0);
                let bmr = super::ratio(wb, byte_norm).clamp(0.0, 1.0);
                MrcPoint {
                    cache_size: e.level_size(i),
                    requests: self.requests,
                    misses: (mr * self.requests as f64).round() as u64,
                    miss_ratio: mr,
                    bytes_requested: self.bytes,
                    bytes_missed: (bmr * self.bytes as f64).round() as u64,
                    byte_miss_ratio: bmr,
                }
            })
            .collect();
        ShardsCurve {
            points,
            sampling: SamplingReport {
                sampling: self.cfg.sampling,
                adjust: self.cfg.adjust,
                final_rate: e.scale,
                requests: self.requests,
                sampled_requests: e.requests,
                sampled_objects: e.len() as u64,
            },
        }
    }
}
