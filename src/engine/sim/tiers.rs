//! Multi-level caches on the engine: the tiers a request goes through (its instance's own tiers,
//! then the shared ones), each with its latency; fills after a hit below the top or a backend
//! load; exclusive moves and demotions; invalidation messages to other instances, delayed and
//! possibly lost; warming, at once or at a rate, at the start and after restarts. A single cache is
//! one shared tier, so the same code runs it.

use super::{Ev, Kind, Sim};
use crate::engine::cache::{Cache, Meta};
use crate::engine::latency::Latency;
use crate::model::request::{Op, Request};
use crate::topology::warming::WarmSet;
use crate::topology::{Inclusion, Invalidation, Routing, Topology};
use rand::Rng;
use std::sync::Arc;

/// One tier as the engine runs it.
#[derive(Clone, Debug)]
pub struct Level {
    /// Index of its first copy in the simulation's caches.
    pub first: usize,
    /// Its copies (1 when shared).
    pub copies: usize,
    /// A get's round trip.
    pub get: Latency,
    /// A set's or a delete's round trip.
    pub set: Latency,
    /// The tier's cap on entry TTLs, ns.
    pub ttl: Option<u64>,
    /// Shared by every instance.
    pub shared: bool,
    /// Lookups that reached it.
    pub requests: u64,
    /// Lookups it served.
    pub hits: u64,
    /// Hits that served a value older than the latest acknowledged write.
    pub stale_reads: u64,
}

impl Level {
    /// A tier with `copies` copies whose first is cache `first`.
    pub fn new(first: usize, copies: usize, get: Latency, set: Latency, ttl: Option<u64>, shared: bool) -> Level {
        Level {
            first,
            copies,
            get,
            set,
            ttl,
            shared,
            requests: 0,
            hits: 0,
            stale_reads: 0,
        }
    }
}

/// The multi-level settings of a simulation (absent for a plain single cache).
#[derive(Clone, Debug)]
pub struct TierSetup {
    /// The topology.
    pub topo: Arc<Topology>,
    /// Invalidation delay.
    pub delay: Latency,
    /// The keys warming loads.
    pub warm: Option<Arc<WarmSet>>,
    /// The hot keys the oracle found, when `[hot_keys]` needs them.
    pub hot: Option<Arc<rustc_hash::FxHashSet<u64>>>,
}

/// Counts of the multi-level features.
#[derive(Clone, Copy, Debug, Default)]
pub struct TierCounts {
    /// Warming loads (backend reads that are not request misses).
    pub warming_reads: u64,
    /// Of those, the ones sent through the backend's servers (rate-limited warming).
    pub warming_sent: u64,
    /// Reads of absent keys answered "not found" by the backend.
    pub absent_reads: u64,
    /// Reads served by a cached "not found".
    pub negative_hits: u64,
}

impl Sim {
    /// The cache of tier `t` holding `key` on instance `inst`'s path: the instance's copy, or
    /// the cluster node the key maps to.
    #[inline]
    pub(super) fn cache_of(&self, t: usize, inst: u32, key: u64) -> usize {
        let l = &self.levels[t];
        if l.copies == 1 {
            return l.first;
        }
        if t == self.remote_tier {
            if let Some((k, n)) = self.node_memo.filter(|&(k, _)| k == key) {
                debug_assert_eq!(k, key);
                return l.first + n as usize;
            }
            if let Some(p) = self.remote.as_ref().and_then(|r| r.placement.as_ref()) {
                // No node up: node 0, which is emptied again when it comes back.
                return l.first + p.node_of(key).unwrap_or(0) as usize;
            }
        }
        l.first + inst as usize
    }

    /// The instance request `req` goes to.
    #[inline]
    pub(super) fn route(&mut self, req: &Request) -> u32 {
        let Some(s) = &self.tiers else { return 0 };
        let n = s.topo.instances;
        let i = match s.topo.routing {
            _ if n == 1 => 0,
            Routing::RoundRobin => (self.routed % n as u64) as u32,
            Routing::Random => self.route_rng.random_range(0..n),
            Routing::ByKey => crate::topology::instance_of_key(req.key, n) as u32,
            Routing::Trace => req.instance,
        };
        self.routed += 1;
        i
    }

    /// The request as tier `t` stores it: its TTL (a "not found" entry's `negative_ttl`) capped
    /// by the tier's.
    #[inline]
    pub(super) fn stored(&self, t: usize, req: &Request) -> Request {
        let ttl = if req.absent {
            self.tiers.as_ref().and_then(|s| s.topo.negative_ttl).unwrap_or(0)
        } else {
            req.ttl
        };
        let ttl = match self.levels[t].ttl {
            Some(cap) if ttl == 0 || ttl > cap => cap,
            _ => ttl,
        };
        Request { ttl, ..*req }
    }

    /// Whether the hierarchy is exclusive.
    #[inline]
    pub(super) fn exclusive(&self) -> bool {
        self.tiers
            .as_ref()
            .is_some_and(|s| s.topo.inclusion == Inclusion::Exclusive)
    }

    /// Stores `req`'s value in tier `t` of instance `inst`'s path (an add, or a set when
    /// `replace`); an exclusive hierarchy demotes what the store evicted.
    pub(super) fn store_in(&mut self, t: usize, inst: u32, req: &Request, version: u64, replace: bool, load_time: u64) {
        let ci = self.cache_of(t, inst, req.key);
        self.before_change(t, ci, req.key);
        let q = self.stored(t, req);
        self.caches[ci].store(self.now, &q, version, !replace, load_time, 0);
        if self.exclusive() {
            self.demote(t, inst, ci);
        }
    }

    /// Exclusive: what tier `t` of instance `inst`'s path evicted goes to the tier below (the
    /// bottom tier's evictions leave), unless it expired.
    fn demote(&mut self, t: usize, inst: u32, ci: usize) {
        let mut out = std::mem::take(&mut self.demoted);
        out.clear();
        self.caches[ci].take_evicted(&mut out);
        if t + 1 < self.levels.len() {
            for &(key, m) in &out {
                if m.hard_expiry != 0 && m.hard_expiry <= self.now {
                    continue;
                }
                let below = self.cache_of(t + 1, inst, key);
                if self.caches[below].peek(key).is_some_and(|b| b.version >= m.version) {
                    continue;
                }
                let q = Request {
                    time: self.now,
                    key,
                    size: m.size,
                    op: Op::Read,
                    ttl: if m.hard_expiry == 0 {
                        0
                    } else {
                        m.hard_expiry - self.now
                    },
                    ..Request::default()
                };
                self.store_in(t + 1, inst, &q, m.version, true, 0);
            }
        }
        self.demoted = out;
    }

    /// Task `id`'s lookup in tier `t` hit a value of version `m.version`: fills the tiers above
    /// it (inclusive) or moves it to the top (exclusive), then the read completes.
    pub(super) fn fill_above(&mut self, id: u32, t: usize, m: &Meta) {
        let task = self.tasks[id as usize];
        self.tasks[id as usize].version = m.version;
        self.tasks[id as usize].fill_only = true;
        let next = if self.exclusive() {
            let ci = self.cache_of(t, task.inst, task.req.key);
            self.before_change(t, ci, task.req.key);
            self.caches[ci].delete(task.req.key);
            0
        } else {
            t - 1
        };
        self.tasks[id as usize].tier = next as u8;
        self.send_op(id, next, false, Ev::Fill(id));
    }

    /// After a write acknowledged at `inst`, every other instance's own tiers drop `key` when the
    /// invalidation reaches them (after the coherence delay; never, with probability `loss`).
    pub(super) fn broadcast(&mut self, key: u64, inst: u32) {
        let Some(s) = &self.tiers else { return };
        let topo = &s.topo;
        // loss = 1 sends nothing, exactly as invalidation = "none" (no draw either).
        if topo.coherence.invalidation != Invalidation::Broadcast
            || topo.coherence.loss >= 1.0
            || topo.instances == 1
            || !self.levels.iter().any(|l| !l.shared)
        {
            return;
        }
        let (n, loss, delay) = (topo.instances, topo.coherence.loss, s.delay);
        for j in 0..n {
            if j == inst || (loss > 0.0 && self.rng.random::<f64>() < loss) {
                continue;
            }
            let d = delay.sample(&mut self.rng);
            let m = match self.free_msgs.pop() {
                Some(m) => {
                    self.msgs[m as usize] = (j, key);
                    m
                }
                None => {
                    self.msgs.push((j, key));
                    (self.msgs.len() - 1) as u32
                }
            };
            // Messages are independent of each other: never run inline ahead of the others.
            if self.instant || d == 0 {
                self.on_invalidate(m);
            } else {
                self.push(self.now + d, Ev::Invalidate(m));
            }
        }
    }

    /// An invalidation reaches its instance: its own tiers drop the key.
    pub(super) fn on_invalidate(&mut self, m: u32) {
        let (inst, key) = self.msgs[m as usize];
        self.free_msgs.push(m);
        for t in 0..self.levels.len() {
            if !self.levels[t].shared {
                let ci = self.cache_of(t, inst, key);
                self.caches[ci].delete(key);
            }
        }
    }

    /// Warming before traffic, at `start` (the first request's time).
    pub fn warm_from(&mut self, start: u64) {
        self.now = self.now.max(start);
        self.start_warming();
    }

    /// Starts warming (at the start, or after a restart): at once, or one key per 1/rate.
    pub(super) fn start_warming(&mut self) {
        let Some(s) = &self.tiers else { return };
        let (Some(w), Some(set)) = (s.topo.warming.clone(), s.warm.clone()) else {
            return;
        };
        match w.rate {
            None => {
                // Least popular first: recency-based policies keep the most popular.
                for k in set.keys.iter().rev() {
                    self.tier_counts.warming_reads += 1;
                    let v = self.backend.version(k.key);
                    let q = Request { time: self.now, ..*k };
                    self.warm_store(&w.tiers, &q, v);
                }
            }
            Some(_) => {
                self.warm_gen += 1;
                self.warm_pos = 0;
                let g = self.warm_gen;
                self.push(self.now, Ev::Warm(g));
            }
        }
    }

    /// Stores a warmed key in every copy of each warmed tier, the bottom one first (exclusive:
    /// the topmost warmed tier only).
    fn warm_store(&mut self, tiers: &[usize], q: &Request, v: u64) {
        let exclusive = self.exclusive();
        let order: Vec<usize> = if exclusive {
            tiers.iter().copied().min().into_iter().collect()
        } else {
            tiers.iter().rev().copied().collect()
        };
        for t in order {
            // A shared tier (a cluster's nodes too) holds one copy of each key.
            let copies = if self.levels[t].shared {
                1
            } else {
                self.levels[t].copies
            };
            for c in 0..copies {
                self.store_in(t, c as u32, q, v, false, 0);
            }
        }
    }

    /// Rate-limited warming: loads the next key from the backend (generation `g`: a restart
    /// starts a new one and the old one stops).
    pub(super) fn on_warm(&mut self, g: u32) {
        if g != self.warm_gen {
            return;
        }
        let Some(s) = &self.tiers else { return };
        let (Some(w), Some(set)) = (s.topo.warming.clone(), s.warm.clone()) else {
            return;
        };
        let Some(k) = set.keys.get(self.warm_pos) else { return };
        self.warm_pos += 1;
        self.tier_counts.warming_reads += 1;
        self.tier_counts.warming_sent += 1;
        let id = self.new_task(Request { time: self.now, ..*k }, Kind::Warm);
        self.tasks[id as usize].loading = false;
        self.send(crate::engine::backend::Owner::Task(id), false, k.key, Vec::new());
        if self.warm_pos < set.keys.len() {
            let gap = (1e9 / w.rate.unwrap_or(1.0)).round().max(1.0) as u64;
            self.push(self.now + gap, Ev::Warm(g));
        }
    }

    /// A warming load returned `version`: the key is stored in the warmed tiers.
    pub(super) fn on_warmed(&mut self, id: u32, version: u64) {
        let req = self.tasks[id as usize].req;
        let tiers = self
            .tiers
            .as_ref()
            .and_then(|s| s.topo.warming.as_ref())
            .map(|w| w.tiers.clone())
            .unwrap_or_default();
        self.warm_store(&tiers, &Request { time: self.now, ..req }, version);
        self.free(id);
    }
}

/// The caches and tiers of a simulation: one shared tier over `cache` without a topology; else
/// every copy of every tier of `topo`, built from `specs`.
pub fn layout(
    cfg: &crate::engine::config::EngineConfig,
    topo: Option<&Topology>,
    mut build: impl FnMut(usize, usize) -> anyhow::Result<Cache>,
) -> anyhow::Result<(Vec<Cache>, Vec<Level>)> {
    let mut caches = Vec::new();
    let mut levels = Vec::new();
    match topo {
        Some(t) if t.explicit => {
            for (i, tier) in t.tiers.iter().enumerate() {
                let n = t.copies(i) as usize;
                let lat = Latency::compile(tier.latency.as_ref(), &format!("tier \"{}\": latency", tier.name))
                    .map_err(crate::error::input_error)?;
                levels.push(Level::new(
                    caches.len(),
                    n,
                    lat,
                    lat,
                    tier.ttl,
                    !tier.scope.per_instance(),
                ));
                for c in 0..n {
                    caches.push(build(i, c)?);
                }
            }
        }
        _ => {
            let ttl = topo.and_then(|t| t.tiers[0].ttl);
            let lat = |ns: u64| if ns == 0 { Latency::Zero } else { Latency::Constant(ns) };
            // A cluster splits the single cache over its nodes.
            let n = topo.map_or(1, |t| t.copies(0)) as usize;
            levels.push(Level::new(0, n, lat(cfg.get_latency), lat(cfg.set_latency), ttl, true));
            for c in 0..n {
                caches.push(build(0, c)?);
            }
        }
    }
    Ok((caches, levels))
}

/// Each tier's figures for the result.
pub fn tier_stats(topo: &Topology, levels: &[Level], caches: &[Cache]) -> Vec<crate::model::metrics::TierStats> {
    topo.tiers
        .iter()
        .zip(levels)
        .map(|(tier, l)| crate::model::metrics::TierStats {
            name: tier.name.clone(),
            scope: tier.scope.as_str().to_string(),
            copies: l.copies as u64,
            requests: l.requests,
            hits: l.hits,
            misses: l.requests - l.hits,
            hit_ratio: if l.requests == 0 {
                0.0
            } else {
                l.hits as f64 / l.requests as f64
            },
            evictions: caches[l.first..l.first + l.copies]
                .iter()
                .map(|c| c.counters().evictions)
                .sum(),
            stale_reads: l.stale_reads,
            bytes_peak: caches[l.first..l.first + l.copies].iter().map(|c| c.peak()).sum(),
        })
        .collect()
}
