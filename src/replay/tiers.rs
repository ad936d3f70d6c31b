//! The plain replay of a multi-level cache ([`Topology`]): each request goes to an application
//! instance and looks its tiers up in order, from the instance's own tiers down to the shared ones.
//! Plain replay has no time: a write's invalidations reach every instance at once.
//!
//! Reads, inclusive: the first tier that hits serves; each tier above it gets the object inserted;
//! a miss in every tier reads the backend and inserts into every tier, the bottom one first.
//! Reads, exclusive: a hit below the top tier moves the object to the top (removed below); an
//! object evicted from a tier is inserted into the tier below (the bottom tier's evictions leave);
//! a miss inserts into the top tier only.
//!
//! Writes are requests, as in the single-cache replay (libCacheSim's semantics): a write looks
//! the tiers up like a read (and counts as a hit or a miss), then sets the new value in every tier
//! of its path that holds the key (inclusive: filling the tiers above the hit, as a read does;
//! exclusive: at the top). Every other instance's tiers then drop the key (broadcast; each
//! instance misses a message with probability `loss`), or keep their copy until its TTL
//! (`invalidation = "none"`). A delete removes the key from its path and invalidates the same way.
//! A hit that serves a value older than the latest write is a stale read of the tier that served it.
//!
//! Reads of keys the backend does not have miss every tier; the backend answers "not found", and
//! with `negative_ttl` the tiers keep a "not found" entry (of the request's size,
//! [`NEGATIVE_ENTRY_BYTES`](crate::model::request)) that serves later reads as negative hits.
//! Warming loads its keys before the first request, through the normal insert path.

use crate::model::metrics::{BackendStats, NodeStats, TierStats};
use crate::model::request::{Op, Request};
use crate::model::result::{ReplayStats, RunResult, SizeUnit};
use crate::policy::{BuildCtx, Policy, PolicySpec};
use crate::source::Source;
use crate::topology::cluster::{mix, Placement};
use crate::topology::warming::WarmSet;
use crate::topology::{is_absent, Inclusion, Invalidation, Routing, Tier, TieredCell, Topology};
use crate::trace::{ReadProgress, BATCH};
use anyhow::Result;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// What the hierarchy keeps about an object in one copy, beside its policy: needed to demote it
/// (exclusive) and to tell a stale value (versions).
#[derive(Clone, Copy, Debug, Default)]
struct Meta {
    version: u64,
    size: u64,
    /// Absolute expiry, ns (0: never).
    expiry: u64,
}

/// One tier: its copies and counts.
struct Level {
    tier: Tier,
    copies: Vec<Box<dyn Policy>>,
    /// Per copy: metadata of its objects (exclusive: every object; else only versions > 0, and
    /// only when values may go stale).
    meta: Vec<FxHashMap<u64, Meta>>,
    requests: u64,
    hits: u64,
    stale_reads: u64,
    /// One copy per application instance (else shared: one copy, or a cluster's nodes).
    per_instance: bool,
    /// A cluster's placement of keys over the copies (its nodes).
    placement: Option<Placement>,
    /// Each copy's capacity.
    cap: u64,
    /// Per copy: lookups that reached it, hits, and the most objects held at once (tracked for
    /// a cluster's nodes).
    copy_requests: Vec<u64>,
    copy_hits: Vec<u64>,
    copy_sets: Vec<u64>,
    keys_peak: Vec<u64>,
}

/// Counts of a hierarchy replay beyond the tiers'.
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    backend_reads: u64,
    backend_writes: u64,
    absent_reads: u64,
    warming_reads: u64,
    negative_hits: u64,
}

/// A multi-level cache in plain replay.
pub struct Hierarchy {
    levels: Vec<Level>,
    instances: u32,
    routing: Routing,
    exclusive: bool,
    /// Per-copy versions are kept (values may go stale).
    track: bool,
    invalidate: bool,
    loss: f64,
    negative_ttl: Option<u64>,
    /// The latest version written, per key written (when `track`).
    latest: FxHashMap<u64, u64>,
    /// Lost invalidations.
    rng: SmallRng,
    /// Random routing (its own stream, as on the engine, so both route alike).
    route_rng: SmallRng,
    /// Requests routed so far (round-robin).
    routed: u64,
    evicted: Vec<u64>,
    totals: Totals,
    stats: ReplayStats,
    /// A cluster's split hot keys (`[hot_keys] mitigation = "split"`).
    split: Option<Split>,
    /// The instance of each request of the batch being replayed (routed ahead, in order, so that
    /// later requests' lookups can be prefetched).
    routes: Vec<u32>,
    /// Scratch of [`Hierarchy::read_run`].
    run: RunScratch,
}

/// Buffers [`Hierarchy::read_run`] reuses from batch to batch.
#[derive(Default)]
struct RunScratch {
    /// Per copy of the tier being run: the positions in the run of its requests.
    picks: Vec<Vec<u32>>,
    /// Per request of the run: whether the tier being run hit.
    hits: Vec<bool>,
    /// Per request of the run: whether some tier hit.
    done: Vec<bool>,
    /// Positions of the run's requests that every tier so far missed, in order.
    pending: Vec<u32>,
    /// The run's requests with a tier's TTL cap applied.
    capped: Vec<Request>,
}

/// Hot keys stored as several keys of a cluster tier, on different nodes: reads take the copies
/// in turn, writes update every copy, deletes remove every copy.
struct Split {
    /// The cluster's tier.
    tier: usize,
    /// Each hot key's copies: the keys they are stored under.
    keys: FxHashMap<u64, Vec<u64>>,
    copies: u32,
    /// Hot requests so far (the next one takes copy `turn % copies`).
    turn: u64,
    /// The current request's key is hot, and the copy it uses.
    hot: bool,
    pick: u32,
}

pub use crate::topology::instance_of_key;

impl Hierarchy {
    /// Builds every copy of every tier: `specs[t]` is tier t's policy and capacity. The bottom
    /// tier's first copy gets `seed` itself (so a one-tier hierarchy is the single cache); every
    /// other copy a seed of its own.
    pub fn new(topo: &Topology, specs: &[(PolicySpec, u64)], seed: u64) -> Result<Hierarchy> {
        let bottom = topo.bottom();
        let exclusive = topo.inclusion == Inclusion::Exclusive;
        let track = topo.may_go_stale();
        let mut levels = Vec::with_capacity(topo.tiers.len());
        for (t, (tier, (spec, cap))) in topo.tiers.iter().zip(specs).enumerate() {
            let n = topo.copies(t) as usize;
            let cluster = topo.cluster.filter(|c| c.tier == t);
            let (cap, placement) = match cluster {
                None => (*cap, None),
                Some(c) => {
                    let per = *cap / u64::from(c.nodes);
                    if per == 0 {
                        return Err(crate::error::input_error(format!(
                            "tier \"{}\": its size ({cap}) split over {} cluster nodes leaves each less than one byte (object); give a larger size or fewer nodes",
                            tier.name, c.nodes
                        )));
                    }
                    let p = Placement::new(c.hashing, c.nodes).map_err(|e| crate::error::input_error(e.to_string()))?;
                    (per, Some(p))
                }
            };
            let cap = &cap;
            let mut copies = Vec::with_capacity(n);
            for c in 0..n {
                let s = if t == bottom && c == 0 {
                    seed
                } else {
                    seed ^ mix(((t as u64) << 32) | c as u64 | 1 << 63)
                };
                let mut p = spec
                    .build(&BuildCtx {
                        capacity: *cap,
                        seed: s,
                    })
                    .map_err(|e| crate::error::input_error(format!("tier \"{}\": {e}", tier.name)))?;
                p.record_evictions(exclusive);
                copies.push(p);
            }
            levels.push(Level {
                tier: tier.clone(),
                copies,
                meta: vec![FxHashMap::default(); n],
                requests: 0,
                hits: 0,
                stale_reads: 0,
                per_instance: tier.scope.per_instance(),
                placement,
                cap: *cap,
                copy_requests: vec![0; n],
                copy_hits: vec![0; n],
                copy_sets: vec![0; n],
                keys_peak: vec![0; n],
            });
        }
        Ok(Hierarchy {
            levels,
            instances: topo.instances,
            routing: topo.routing,
            exclusive,
            track,
            invalidate: topo.coherence.invalidation == Invalidation::Broadcast,
            loss: topo.coherence.loss,
            negative_ttl: topo.negative_ttl,
            latest: FxHashMap::default(),
            rng: SmallRng::seed_from_u64(seed ^ 0x70D0_1067_5EED_0002),
            route_rng: SmallRng::seed_from_u64(crate::topology::routing_seed(seed)),
            routed: 0,
            evicted: Vec::new(),
            totals: Totals::default(),
            stats: ReplayStats::default(),
            split: None,
            routes: Vec::new(),
            run: RunScratch::default(),
        })
    }

    /// The copy of tier `t` on instance `i`'s path.
    #[inline]
    fn copy(&self, t: usize, i: usize, key: u64) -> usize {
        let l = &self.levels[t];
        if l.per_instance {
            i
        } else if let Some(p) = &l.placement {
            // Plain replay has no failures: every node is up.
            p.node_of(self.tkey(t, key)).map_or(0, |n| n as usize)
        } else {
            0
        }
    }

    /// The instance `req` goes to.
    #[inline]
    fn route(&mut self, req: &Request) -> usize {
        let n = self.instances as u64;
        let i = match self.routing {
            _ if n == 1 => 0,
            Routing::RoundRobin => self.routed % n,
            Routing::Random => self.route_rng.random_range(0..n),
            Routing::ByKey => instance_of_key(req.key, self.instances) as u64,
            // The trace reader refuses instances at or above `instances` (`topology.instances`).
            Routing::Trace => req.instance as u64,
        };
        self.routed += 1;
        i as usize
    }

    /// The latest version of `key` (0: never written).
    #[inline]
    fn latest(&self, key: u64) -> u64 {
        if self.track {
            self.latest.get(&key).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// Loads the keys of `warm` before the first request: least popular first, so that when they
    /// do not all fit, recency-based policies keep the most popular. Each key is one backend
    /// read, stored in every copy of each warmed tier (bottom first); in an exclusive hierarchy,
    /// in the topmost warmed tier only.
    pub fn warm(&mut self, warm: &WarmSet, tiers: &[usize]) {
        let tiers: Vec<usize> = if self.exclusive {
            tiers.iter().copied().min().into_iter().collect()
        } else {
            tiers.to_vec()
        };
        for k in warm.keys.iter().rev() {
            let q = Request { time: warm.start, ..*k };
            self.totals.warming_reads += 1;
            for &t in tiers.iter().rev() {
                let copies: Vec<usize> = if self.levels[t].per_instance {
                    (0..self.levels[t].copies.len()).collect()
                } else {
                    vec![self.copy(t, 0, q.key)]
                };
                for c in copies {
                    // A policy inserts after its own miss: look the key up first.
                    if self.levels[t].copies[c].get(&q) {
                        continue;
                    }
                    self.set(t, c, &q, 0);
                }
            }
        }
    }

    /// Splits the hot `keys` of the topology's cluster (`[hot_keys] mitigation = "split"`): each
    /// is stored under `copies` keys on as many different nodes (copy 0 under the key itself, the
    /// others under the first of [`crate::topology::cluster::split_key`]'s keys whose node holds no copy yet; with more
    /// copies than nodes, every node holds one before any holds two).
    pub fn split_hot_keys(&mut self, topo: &Topology, keys: Arc<rustc_hash::FxHashSet<u64>>) {
        if let Some((c, s)) = topo.cluster.and_then(|c| c.split.map(|s| (c, s))) {
            let place = self.levels[c.tier]
                .placement
                .as_ref()
                .expect("a cluster tier has a placement");
            let mut map = FxHashMap::default();
            for &key in keys.iter() {
                map.insert(key, crate::topology::cluster::split_copies(place, key, s.copies));
            }
            self.split = Some(Split {
                tier: c.tier,
                keys: map,
                copies: s.copies,
                turn: 0,
                hot: false,
                pick: 0,
            });
        }
    }

    /// The key tier `t` stores `key` under: the current copy of a split hot key, else the key.
    #[inline]
    fn tkey(&self, t: usize, key: u64) -> u64 {
        match &self.split {
            Some(s) if s.hot && s.tier == t => s.keys[&key][s.pick as usize],
            _ => key,
        }
    }

    /// Notes whether `key` (the next request's) is a split hot key, and the copy it takes.
    #[inline]
    fn pick_copy(&mut self, key: u64) {
        if let Some(s) = &mut self.split {
            s.hot = s.keys.contains_key(&key);
            if s.hot {
                s.pick = (s.turn % u64::from(s.copies)) as u32;
                s.turn += 1;
            }
        }
    }

    /// A write or a delete of a split hot key: every copy but the current one is updated
    /// (`Some(version)`: rewritten where held) or removed (`None`).
    fn other_copies(&mut self, req: &Request, i: usize, v: Option<u64>) {
        let Some(s) = &self.split else { return };
        if !s.hot {
            return;
        }
        let (t, pick, copies) = (s.tier, s.pick, s.copies);
        for j in (0..copies).filter(|&j| j != pick) {
            self.split.as_mut().expect("checked").pick = j;
            let c = self.copy(t, i, req.key);
            let k = self.tkey(t, req.key);
            match v {
                Some(v) if self.levels[t].copies[c].contains(k) => self.rewrite(t, c, req, v),
                Some(_) => {}
                None => self.take(t, c, req.key),
            }
        }
        self.split.as_mut().expect("checked").pick = pick;
    }

    /// Hits of each tier so far (tests follow a replay request by request with it).
    pub fn tier_hits(&self) -> Vec<u64> {
        self.levels.iter().map(|l| l.hits).collect()
    }

    /// Whether copy `c` of tier `t` holds `key` (tests).
    pub fn holds(&self, t: usize, c: usize, key: u64) -> bool {
        self.levels[t].copies[c].contains(key)
    }

    /// Replays one batch.
    pub fn replay(&mut self, reqs: &[Request]) {
        let mut routes = std::mem::take(&mut self.routes);
        routes.clear();
        routes.extend(reqs.iter().map(|r| self.route(r) as u32));
        // An inclusive hierarchy whose values never go stale, without clusters or split keys,
        // replays each run of reads of present keys tier by tier (`read_run`).
        let runs =
            !self.exclusive && !self.track && self.split.is_none() && self.levels.iter().all(|l| l.placement.is_none());
        let plain = |r: &Request| r.op == Op::Read && r.size > 0 && !is_absent(r);
        let mut k = 0;
        while k < reqs.len() {
            if runs {
                let end = reqs[k..].iter().position(|r| !plain(r)).map_or(reqs.len(), |e| k + e);
                if end > k {
                    self.read_run(&reqs[k..end], &routes[k..end]);
                    k = end;
                    continue;
                }
            }
            self.one(&reqs[k], routes[k] as usize);
            k += 1;
        }
        self.routes = routes;
    }

    /// One request, through every tier before the next.
    fn one(&mut self, req: &Request, i: usize) {
        self.pick_copy(req.key);
        if req.op == Op::Delete {
            self.stats.deletes += 1;
            self.delete(req, i);
            return;
        }
        if req.size == 0 {
            self.stats.skipped += 1;
            return;
        }
        let hit = if req.op == Op::Write {
            self.write(req, i)
        } else {
            self.read(req, i)
        };
        self.count(req, hit);
    }

    /// Counts a replayed request.
    #[inline]
    fn count(&mut self, req: &Request, hit: bool) {
        let s = &mut self.stats;
        s.requests += 1;
        s.bytes = s.bytes.saturating_add(req.size);
        if !hit {
            s.misses += 1;
            s.miss_bytes = s.miss_bytes.saturating_add(req.size);
        }
        if req.op == Op::Read {
            s.reads += 1;
            s.read_misses += u64::from(!hit);
        }
    }

    /// Reads of present keys (`routes[j]`: the instance of `reqs[j]`) in an inclusive hierarchy
    /// without versions, clusters or split keys, replayed tier by tier: each copy of the top tier
    /// gets its requests as one batch ([`Policy::access_batch`]: a lookup, and an insert on a
    /// miss), then each tier below gets the requests that every tier above missed, in order.
    ///
    /// Every copy sees the same operations, in the same order, as when each request goes through
    /// every tier before the next ([`Hierarchy::read`], which fills the bottom tier first): a
    /// read's operations on one tier do not depend on what the tiers below answer, and copies are
    /// independent, so only each copy's own order matters. A tier's TTL cap applies to the
    /// request as the tier sees it (lookups do not read the TTL).
    fn read_run(&mut self, reqs: &[Request], routes: &[u32]) {
        let mut sc = std::mem::take(&mut self.run);
        sc.hits.clear();
        sc.hits.resize(reqs.len(), false);
        sc.done.clear();
        sc.done.resize(reqs.len(), false);
        sc.pending.clear();
        sc.pending.extend(0..reqs.len() as u32);
        for l in self.levels.iter_mut() {
            if sc.pending.is_empty() {
                break;
            }
            let n = l.copies.len();
            if sc.picks.len() < n {
                sc.picks.resize_with(n, Vec::new);
            }
            if l.per_instance && n > 1 {
                for c in 0..n {
                    sc.picks[c].clear();
                }
                for &p in &sc.pending {
                    sc.picks[routes[p as usize] as usize].push(p);
                }
            } else {
                std::mem::swap(&mut sc.picks[0], &mut sc.pending);
            }
            let reqs = match l.tier.ttl {
                None => reqs,
                Some(_) => {
                    sc.capped.clear();
                    sc.capped.extend(reqs.iter().map(|r| Request {
                        ttl: l.tier.cap_ttl(r.ttl),
                        ..*r
                    }));
                    &sc.capped
                }
            };
            for c in 0..n {
                let picks = &sc.picks[c];
                if picks.is_empty() {
                    continue;
                }
                let hits = l.copies[c].access_picked(reqs, picks, &mut sc.hits);
                let looked = picks.len() as u64;
                l.requests += looked;
                l.hits += hits;
                l.copy_requests[c] += looked;
                l.copy_hits[c] += hits;
                l.copy_sets[c] += looked - hits;
            }
            if !(l.per_instance && n > 1) {
                std::mem::swap(&mut sc.picks[0], &mut sc.pending);
            }
            let (hits, done) = (&sc.hits, &mut sc.done);
            sc.pending.retain(|&p| {
                done[p as usize] = hits[p as usize];
                !hits[p as usize]
            });
        }
        self.totals.backend_reads += sc.pending.len() as u64;
        for (r, &hit) in reqs.iter().zip(&sc.done) {
            self.count(r, hit);
        }
        self.run = sc;
    }

    /// Looks `req` up along instance `i`'s path: the tier that hit (or the number of tiers) and
    /// the copy there.
    #[inline]
    fn lookup(&mut self, req: &Request, i: usize) -> (usize, usize) {
        let n = self.levels.len();
        for t in 0..n {
            let c = self.copy(t, i, req.key);
            let q = Request {
                key: self.tkey(t, req.key),
                ..*req
            };
            let l = &mut self.levels[t];
            l.requests += 1;
            l.copy_requests[c] += 1;
            let hit = l.copies[c].get(&q);
            if hit {
                l.hits += 1;
                l.copy_hits[c] += 1;
                return (t, c);
            }
        }
        (n, 0)
    }

    /// The version of `key` held by copy `c` of tier `t`.
    #[inline]
    fn held(&self, t: usize, c: usize, key: u64) -> u64 {
        self.levels[t].meta[c].get(&self.tkey(t, key)).map_or(0, |m| m.version)
    }

    fn read(&mut self, req: &Request, i: usize) -> bool {
        let n = self.levels.len();
        let (h, c) = self.lookup(req, i);
        let absent = is_absent(req);
        if h < n {
            let v = if self.track { self.held(h, c, req.key) } else { 0 };
            if self.track && v < self.latest(req.key) {
                self.levels[h].stale_reads += 1;
            }
            self.totals.negative_hits += u64::from(absent);
            if self.exclusive {
                if h > 0 {
                    self.take(h, c, req.key);
                    let top = self.copy(0, i, req.key);
                    self.set(0, top, req, v);
                }
            } else {
                for t in (0..h).rev() {
                    let c = self.copy(t, i, req.key);
                    self.set(t, c, req, v);
                }
            }
            return true;
        }
        self.totals.backend_reads += 1;
        if absent {
            self.totals.absent_reads += 1;
            if self.negative_ttl.is_none() {
                return false;
            }
        }
        let v = self.latest(req.key);
        self.fill(req, i, v);
        false
    }

    /// After a miss in every tier: inserts into the top tier (exclusive) or into every tier,
    /// the bottom one first.
    fn fill(&mut self, req: &Request, i: usize, v: u64) {
        if self.exclusive {
            let top = self.copy(0, i, req.key);
            self.set(0, top, req, v);
        } else {
            for t in (0..self.levels.len()).rev() {
                let c = self.copy(t, i, req.key);
                self.set(t, c, req, v);
            }
        }
    }

    fn write(&mut self, req: &Request, i: usize) -> bool {
        let n = self.levels.len();
        let (h, c) = self.lookup(req, i);
        self.totals.backend_writes += 1;
        let v = self.bump(req.key);
        let hit = h < n;
        if self.exclusive {
            if hit && h == 0 {
                self.rewrite(0, c, req, v);
            } else {
                if hit {
                    self.take(h, c, req.key);
                }
                let top = self.copy(0, i, req.key);
                self.set(0, top, req, v);
            }
            // A copy demoted from another path may sit lower on this one: it is the old value.
            for t in (h.min(n - 1) + 1)..n {
                let c = self.copy(t, i, req.key);
                if self.levels[t].copies[c].contains(self.tkey(t, req.key)) {
                    self.take(t, c, req.key);
                }
            }
        } else if hit {
            self.rewrite(h, c, req, v);
            for t in (0..h).rev() {
                let c = self.copy(t, i, req.key);
                self.set(t, c, req, v);
            }
            for t in h + 1..n {
                let c = self.copy(t, i, req.key);
                if self.levels[t].copies[c].contains(self.tkey(t, req.key)) {
                    self.rewrite(t, c, req, v);
                }
            }
        } else {
            self.fill(req, i, v);
        }
        self.other_copies(req, i, Some(v));
        self.invalidate_others(req.key, i);
        hit
    }

    fn delete(&mut self, req: &Request, i: usize) {
        self.bump(req.key);
        for t in 0..self.levels.len() {
            let c = self.copy(t, i, req.key);
            self.take(t, c, req.key);
        }
        self.other_copies(req, i, None);
        self.invalidate_others(req.key, i);
    }

    /// A new version of `key` (when versions are tracked).
    fn bump(&mut self, key: u64) -> u64 {
        if !self.track {
            return 0;
        }
        let v = self.latest.entry(key).or_insert(0);
        *v += 1;
        *v
    }

    /// Every other instance drops `key` from its own tiers (broadcast), unless it misses the
    /// message.
    fn invalidate_others(&mut self, key: u64, writer: usize) {
        // loss = 1 sends nothing, exactly as invalidation = "none" (no draw either).
        if !self.invalidate || self.loss >= 1.0 || self.instances == 1 {
            return;
        }
        let own: Vec<usize> = (0..self.levels.len())
            .filter(|&t| self.levels[t].per_instance)
            .collect();
        if own.is_empty() {
            return;
        }
        for j in 0..self.instances as usize {
            if j == writer {
                continue;
            }
            if self.loss > 0.0 && self.rng.random::<f64>() < self.loss {
                continue;
            }
            for &t in &own {
                self.take(t, j, key);
            }
        }
    }

    /// Removes `key` from copy `c` of tier `t` (not an eviction).
    fn take(&mut self, t: usize, c: usize, key: u64) {
        let key = self.tkey(t, key);
        let l = &mut self.levels[t];
        l.copies[c].remove(key);
        if self.exclusive || self.track {
            l.meta[c].remove(&key);
        }
    }

    /// The request as tier `t` stores it: its TTL capped by the tier's; a "not found" entry
    /// lives `negative_ttl`.
    #[inline]
    fn stored(&self, t: usize, req: &Request) -> Request {
        let ttl = if is_absent(req) {
            self.negative_ttl.unwrap_or(0)
        } else {
            req.ttl
        };
        Request {
            key: self.tkey(t, req.key),
            ttl: self.levels[t].tier.cap_ttl(ttl),
            ..*req
        }
    }

    /// A set of `req`'s value (version `v`) in copy `c` of tier `t` whose lookup just missed
    /// (or, when it did not, that is looked up first: a policy's insert follows its own miss).
    fn set(&mut self, t: usize, c: usize, req: &Request, v: u64) {
        let q = self.stored(t, req);
        let l = &mut self.levels[t];
        let p = &mut l.copies[c];
        p.insert(&q);
        l.copy_sets[c] += 1;
        if l.placement.is_some() {
            l.keys_peak[c] = l.keys_peak[c].max(p.len() as u64);
        }
        self.note(t, c, &q, v);
    }

    /// A write's new value in copy `c` of tier `t`, which holds the key.
    fn rewrite(&mut self, t: usize, c: usize, req: &Request, v: u64) {
        let q = self.stored(t, req);
        let l = &mut self.levels[t];
        l.copies[c].rewrite(&q);
        l.copy_sets[c] += 1;
        self.note(t, c, &q, v);
    }

    /// Records what copy `c` of tier `t` now holds for `q`'s key, and demotes what it evicted.
    fn note(&mut self, t: usize, c: usize, q: &Request, v: u64) {
        let l = &mut self.levels[t];
        if self.exclusive {
            if l.copies[c].contains(q.key) {
                l.meta[c].insert(
                    q.key,
                    Meta {
                        version: v,
                        size: q.size,
                        expiry: q.expiry(),
                    },
                );
            }
            self.demote_evicted(t, c, q.time);
        } else if self.track {
            if v > 0 && l.copies[c].contains(q.key) {
                l.meta[c].insert(
                    q.key,
                    Meta {
                        version: v,
                        ..Meta::default()
                    },
                );
            } else {
                l.meta[c].remove(&q.key);
            }
        }
    }

    /// Exclusive: the objects copy `c` of tier `t` evicted go to the tier below (on the same
    /// instance's path), unless they expired; the bottom tier's leave.
    fn demote_evicted(&mut self, t: usize, c: usize, now: u64) {
        let mut ev = std::mem::take(&mut self.evicted);
        ev.clear();
        self.levels[t].copies[c].drain_evicted(&mut ev);
        let mut moved = Vec::new();
        for &k in &ev {
            if self.levels[t].copies[c].contains(k) {
                continue;
            }
            if let Some(m) = self.levels[t].meta[c].remove(&k) {
                if m.expiry == 0 || m.expiry > now {
                    moved.push((k, m));
                }
            }
        }
        self.evicted = ev;
        let below = t + 1;
        if below >= self.levels.len() {
            return;
        }
        for (k, m) in moved {
            // Instance tiers come first: below an instance tier, copy c is instance c's.
            let bc = self.copy(below, c, k);
            let q = Request {
                time: now,
                key: k,
                size: m.size,
                op: Op::Read,
                ttl: if m.expiry == 0 { 0 } else { m.expiry - now },
                next_access: crate::model::request::NEVER,
                absent: false,
                instance: 0,
            };
            if self.levels[below].copies[bc].contains(k) {
                // Demoted from another instance's path meanwhile: keep the newer value.
                if self.held(below, bc, k) < m.version {
                    self.rewrite(below, bc, &q, m.version);
                }
                continue;
            }
            // A policy inserts after its own miss: look the key up first.
            if self.levels[below].copies[bc].get(&q) {
                continue;
            }
            self.set(below, bc, &q, m.version);
        }
    }

    /// The result: the bottom tier's policy and capacity name it; `unit` is the run's unit.
    pub fn result(
        &self,
        topo: &Topology,
        policy: &PolicySpec,
        capacity: u64,
        unit: SizeUnit,
        bad_lines: u64,
    ) -> RunResult {
        let bottom = self.levels.last().expect("a hierarchy has tiers");
        let (mut ev, mut ex) = (0, 0);
        for p in &bottom.copies {
            let c = p.counters();
            ev += c.evictions;
            ex += c.expirations;
        }
        let mut r = policy.result(capacity, unit, &self.stats, ev, ex, bad_lines);
        r.read_misses = Some(self.stats.read_misses);
        r.memory_peak_ratio = bottom
            .copies
            .iter()
            .map(|p| crate::model::result::peak_ratio(p.tally().peak(), bottom.cap))
            .reduce(f64::max);
        let t = &self.totals;
        r.backend = Some(BackendStats {
            reads: t.backend_reads,
            writes: t.backend_writes,
            warming_reads: topo.warming.as_ref().map(|_| t.warming_reads),
            absent_reads: topo.absent.then_some(t.absent_reads),
            ..Default::default()
        });
        if topo.absent {
            r.negative_hits = Some(t.negative_hits);
        }
        if topo.explicit {
            let tiers: Vec<TierStats> = self
                .levels
                .iter()
                .map(|l| {
                    let evictions = l.copies.iter().map(|p| p.counters().evictions).sum();
                    TierStats {
                        name: l.tier.name.clone(),
                        scope: l.tier.scope.as_str().to_string(),
                        copies: l.copies.len() as u64,
                        requests: l.requests,
                        hits: l.hits,
                        misses: l.requests - l.hits,
                        hit_ratio: if l.requests == 0 {
                            0.0
                        } else {
                            l.hits as f64 / l.requests as f64
                        },
                        evictions,
                        stale_reads: l.stale_reads,
                        bytes_peak: l.copies.iter().map(|p| p.tally().peak()).sum(),
                    }
                })
                .collect();
            r.stale_reads = Some(tiers.iter().map(|t| t.stale_reads).sum());
            r.memory_bytes_total = Some(
                self.levels
                    .iter()
                    .map(|l| l.cap.saturating_mul(l.copies.len() as u64))
                    .fold(0u64, u64::saturating_add),
            );
            r.tiers = Some(tiers);
        }
        if let Some(l) = self.levels.iter().find(|l| l.placement.is_some()) {
            let nodes: Vec<NodeStats> = (0..l.copies.len())
                .map(|c| NodeStats {
                    node: c as u32,
                    requests: l.copy_requests[c],
                    hits: l.copy_hits[c],
                    hit_ratio: if l.copy_requests[c] == 0 {
                        0.0
                    } else {
                        l.copy_hits[c] as f64 / l.copy_requests[c] as f64
                    },
                    sets: l.copy_sets[c],
                    keys_peak: l.keys_peak[c],
                    bytes_peak: l.copies[c].tally().peak(),
                    ..NodeStats::default()
                })
                .collect();
            let ops: Vec<u64> = nodes.iter().map(|n| n.requests + n.sets).collect();
            let total: u64 = ops.iter().sum();
            let max = ops.iter().copied().max().unwrap_or(0);
            if total > 0 {
                r.imbalance = Some(max as f64 / (total as f64 / ops.len() as f64));
                r.hot_node_share = Some(max as f64 / total as f64);
            }
            r.nodes = Some(nodes);
        }
        r
    }
}

/// Replays `source` through the hierarchy of `topo` with the cell's tiers.
pub fn replay_tiered(
    source: &Source,
    topo: &Topology,
    cell: &TieredCell,
    seed: u64,
    unit: SizeUnit,
    progress: Option<Arc<ReadProgress>>,
    tick: &(dyn Fn() + Sync),
) -> Result<RunResult> {
    let mut h = Hierarchy::new(topo, &cell.specs, seed)?;
    if let Some(hot) = &cell.hot {
        h.split_hot_keys(topo, hot.clone());
    }
    if let (Some(w), Some(warm)) = (&topo.warming, &cell.warm) {
        if w.at_start {
            h.warm(warm, &w.tiers);
        }
    }
    let mut reader = source.open(progress)?;
    let mut batch: Vec<Request> = Vec::with_capacity(BATCH);
    while reader.read_batch(&mut batch)? {
        h.replay(&batch);
        tick();
    }
    let (policy, capacity) = cell.specs.last().expect("a hierarchy has tiers");
    Ok(h.result(topo, policy, *capacity, unit, reader.skipped()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Replays `reqs` one request at a time through every tier (the path writes take), as the
    /// reference for the tier-by-tier runs of reads.
    fn replay_each(h: &mut Hierarchy, reqs: &[Request]) {
        for r in reqs {
            let i = h.route(r);
            h.one(r, i);
        }
    }

    /// Tier-by-tier runs of reads give every copy the same operations as one request at a time:
    /// the same hits per tier and per copy, the same evictions, the same contents.
    #[test]
    fn runs_of_reads_match_one_request_at_a_time() {
        let text = r#"[workload]
requests = 1
keys = 1
[topology]
instances = 3
routing = "random"
[[tier]]
name = "l1"
scope = "instance"
policy = "s3fifo"
size = 40
ttl = "5ms"
[[tier]]
name = "l2"
scope = "shared"
policy = "lru"
size = 150
[[tier]]
name = "l3"
scope = "shared"
policy = "clock"
size = 400
"#;
        let path = Path::new("t.toml");
        let f = crate::schema::parse(text, path).unwrap();
        let topo = Topology::from_file(&f, path, false).unwrap().unwrap();
        let specs: Vec<(PolicySpec, u64)> = ["s3fifo", "lru", "clock"]
            .iter()
            .zip([40, 150, 400])
            .map(|(p, c)| (PolicySpec::parse(p).unwrap(), c))
            .collect();
        let mut rng = SmallRng::seed_from_u64(7);
        let reqs: Vec<Request> = (0..20_000u64)
            .map(|i| {
                // Skewed keys, some TTLs, and a write, a delete or a zero size now and then
                // (which end a run).
                let k: u64 = rng.random_range(0..30) * rng.random_range(1..30);
                let mut r = Request::get(k, 1);
                r.time = i * 100_000;
                if k.is_multiple_of(7) {
                    r.ttl = 3_000_000;
                }
                match rng.random_range(0..100) {
                    0 => r.op = Op::Write,
                    1 => r.op = Op::Delete,
                    2 => r.size = 0,
                    _ => {}
                }
                r
            })
            .collect();
        let mut runs = Hierarchy::new(&topo, &specs, 3).unwrap();
        let mut each = Hierarchy::new(&topo, &specs, 3).unwrap();
        for chunk in reqs.chunks(1000) {
            runs.replay(chunk);
            replay_each(&mut each, chunk);
        }
        let (a, b) = (&runs.stats, &each.stats);
        assert_eq!(
            (a.requests, a.misses, a.reads, a.read_misses, a.deletes, a.skipped),
            (b.requests, b.misses, b.reads, b.read_misses, b.deletes, b.skipped)
        );
        assert!(a.misses > 0 && a.misses < a.requests);
        assert_eq!(runs.totals.backend_reads, each.totals.backend_reads);
        for (x, y) in runs.levels.iter().zip(&each.levels) {
            assert_eq!((x.requests, x.hits), (y.requests, y.hits), "tier {}", x.tier.name);
            assert_eq!(x.copy_requests, y.copy_requests);
            assert_eq!(x.copy_hits, y.copy_hits);
            assert_eq!(x.copy_sets, y.copy_sets);
            for (p, q) in x.copies.iter().zip(&y.copies) {
                assert_eq!(p.counters().evictions, q.counters().evictions);
                assert_eq!(p.counters().expirations, q.counters().expirations);
                assert!((0..900).all(|k| p.contains(k) == q.contains(k)));
            }
        }
        assert!(runs.levels.iter().all(|l| l.hits > 0));
    }
}
