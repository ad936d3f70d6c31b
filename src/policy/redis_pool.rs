//! Redis's sampled eviction, shared by `redis-lru` and `redis-lfu`.
//!
//! Redis keeps no eviction order. Each object carries a 24-bit field (an LRU clock, or an LFU
//! counter with its last-decrement minute), and to evict it samples `maxmemory-samples` keys,
//! scores them, and merges them into a 16-entry *eviction pool* kept across evictions (`evict.c`,
//! `evictionPoolPopulate`). The pool is sorted by score, best candidate last; when full, a sample
//! better than the worst entry pushes that entry out. The victim is the best pool entry whose key
//! still exists; entries are popped as they are tried, and a pool of keys that are all gone is
//! refilled by sampling again. Scores are computed when a key is sampled and are not refreshed:
//! a key sampled while idle and touched afterwards can still be evicted on its old score, as in
//! Redis. One key is evicted per round until the new object fits (`performEvictions`).
//!
//! Modelled: the 24-bit per-object field, the sample size, the pool and its insertion rule,
//! stale and ghost pool entries, one eviction per sampling round.
//! Not modelled: `dictGetSomeKeys` walks adjacent hash buckets (here a uniform sample without
//! replacement over a dense array of the cached keys), per-database and per-cluster-slot
//! sampling, lazy freeing, the active expiry cycle, and Redis's memory accounting (object headers,
//! allocator rounding, buffers not counted towards `maxmemory`): `capacity` is bytes of payload.

use super::core::dense::Dense;
use super::core::resident::{Ordering, Resident, Store};
use super::{ParamInfo, Params};
use crate::model::request::Request;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rustc_hash::FxHashSet;

/// Redis's `EVPOOL_SIZE`.
pub const DEFAULT_POOL: usize = 16;

/// The `samples` parameter (Redis `maxmemory-samples`).
pub const SAMPLES: ParamInfo = ParamInfo {
    name: "samples",
    default: "5",
    help: "keys sampled per eviction (Redis maxmemory-samples), at least 1; drawn uniformly without replacement",
};

/// The `pool` parameter (Redis `EVPOOL_SIZE`).
pub const POOL: ParamInfo = ParamInfo {
    name: "pool",
    default: "16",
    help: "eviction pool entries kept across evictions (Redis EVPOOL_SIZE = 16), at least 1",
};

/// Parses `samples` and `pool`.
pub fn parse_sampling(p: &Params) -> Result<(usize, usize), String> {
    let samples = p.get("samples", ("an integer of at least 1", |v: &usize| *v >= 1))?;
    let pool = p.get("pool", ("an integer of at least 1", |v: &usize| *v >= 1))?;
    Ok((samples, pool))
}

/// How a policy keeps and scores the per-object 24-bit field.
pub trait Score: Send + 'static {
    /// The policy's clock (LRU ticks, LFU minutes) at `now` nanoseconds, computed once per request.
    fn clock(&self, now: u64) -> u32;
    /// The field of an object created at `clock`.
    fn init(&self, clock: u32) -> u32;
    /// The field after a hit at `clock`.
    fn touch(&self, field: u32, clock: u32, rng: &mut SmallRng) -> u32;
    /// How good an eviction candidate the object is at `clock`: higher is evicted first.
    fn idle(&self, field: u32, clock: u32) -> u64;
}

/// One pool entry: a key and its score when it was sampled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    idle: u64,
    key: u64,
}

/// Redis's eviction pool: up to `size` entries in ascending order of score, best last.
#[derive(Clone, Debug)]
pub struct EvictionPool {
    entries: Vec<Entry>,
    size: usize,
}

impl EvictionPool {
    /// An empty pool of `size` entries.
    pub fn new(size: usize) -> Self {
        EvictionPool {
            entries: Vec::with_capacity(size.min(1 << 16)),
            size,
        }
    }

    /// Offers a sampled key, as `evictionPoolPopulate` does: it goes before the first entry whose
    /// score is not smaller; a full pool drops its worst entry to make room, or ignores the key
    /// if it would itself be the worst. Keys already in the pool are not looked for.
    #[inline]
    pub fn offer(&mut self, idle: u64, key: u64) {
        let k = self.entries.partition_point(|e| e.idle < idle);
        let e = Entry { idle, key };
        if self.entries.len() < self.size {
            self.entries.insert(k, e);
        } else if k > 0 {
            self.entries.remove(0);
            self.entries.insert(k - 1, e);
        }
    }

    /// Takes the best entry out of the pool.
    #[inline]
    pub fn pop_best(&mut self) -> Option<u64> {
        self.entries.pop().map(|e| e.key)
    }

    /// (score, key) from worst to best.
    pub fn entries(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.entries.iter().map(|e| (e.idle, e.key))
    }
}

/// Draws `s` distinct positions out of `0..n` into `out`, by Floyd's algorithm; `seen` is scratch
/// space for large samples. When `s >= n` it takes all of them, from a random starting point as
/// `dictGetSomeKeys` starts at a random bucket (the order decides ties in the pool).
fn sample_positions(rng: &mut SmallRng, n: usize, s: usize, out: &mut Vec<u32>, seen: &mut FxHashSet<u32>) {
    out.clear();
    if n == 0 {
        return;
    }
    if s >= n {
        let start = rng.random_range(0..n) as u32;
        out.extend((start..n as u32).chain(0..start));
        return;
    }
    let small = s <= 32;
    seen.clear();
    for j in (n - s)..n {
        let t = rng.random_range(0..=j) as u32;
        let taken = if small { out.contains(&t) } else { !seen.insert(t) };
        let pick = if taken { j as u32 } else { t };
        if taken && !small {
            seen.insert(pick);
        }
        out.push(pick);
    }
}

/// Per-object metadata: position in the dense key array and the Redis 24-bit field.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    /// Index in `dense`.
    pos: u32,
    /// The `lru` field of a Redis object (LRU clock, or last-decrement minute and LFU counter).
    pub field: u32,
}

/// A cache evicting by Redis's sampled pool, scored by `S`.
pub type Sampled<S> = Resident<SampledOrder<S>>;

impl<S: Score> Sampled<S> {
    /// An empty cache sampling `samples` keys into a pool of `pool` entries.
    pub fn with_score(capacity: u64, seed: u64, samples: usize, pool: usize, score: S) -> Self {
        Resident::with_order(
            capacity,
            SampledOrder {
                dense: Dense::new(),
                pool: EvictionPool::new(pool),
                samples,
                picks: Vec::new(),
                scored: Vec::new(),
                seen: FxHashSet::default(),
                score,
                rng: SmallRng::seed_from_u64(seed),
            },
        )
    }

    /// The 24-bit field of `key`, if cached.
    pub fn field(&self, key: u64) -> Option<u32> {
        let t = &self.store().table;
        t.find(key).map(|s| t.node(s).meta.field)
    }

    /// The scoring rule.
    pub fn score(&self) -> &S {
        &self.order().score
    }

    /// The eviction pool, for tests and inspection.
    pub fn pool(&self) -> &EvictionPool {
        &self.order().pool
    }
}

/// Redis's eviction state: the cached slots in a dense array for sampling, and the pool.
pub struct SampledOrder<S: Score> {
    /// Slots of the cached objects, for O(1) uniform sampling.
    dense: Dense<u32>,
    pool: EvictionPool,
    samples: usize,
    picks: Vec<u32>,
    scored: Vec<(u64, u64)>,
    seen: FxHashSet<u32>,
    score: S,
    rng: SmallRng,
}

impl<S: Score> SampledOrder<S> {
    /// `evictionPoolPopulate`: samples keys and offers them to the pool with their current score.
    fn populate(&mut self, s: &Store<Meta>, clock: u32) {
        sample_positions(
            &mut self.rng,
            self.dense.len(),
            self.samples,
            &mut self.picks,
            &mut self.seen,
        );
        // Two passes, so the cache misses of the independent loads overlap: positions to slots,
        // then slots to (score, key).
        for p in self.picks.iter_mut() {
            *p = self.dense[*p];
        }
        for &slot in &self.picks {
            let node = s.table.node(slot);
            self.scored.push((self.score.idle(node.meta.field, clock), node.key));
        }
        for (idle, key) in self.scored.drain(..) {
            self.pool.offer(idle, key);
        }
    }
}

impl<S: Score> Ordering for SampledOrder<S> {
    type Meta = Meta;

    #[inline]
    fn hit(&mut self, s: &mut Store<Meta>, slot: u32, req: &Request) {
        let clock = self.score.clock(req.time);
        let m = &mut s.table.node_mut(slot).meta;
        m.field = self.score.touch(m.field, clock, &mut self.rng);
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<Meta>, slot: u32, req: &Request) {
        let clock = self.score.clock(req.time);
        s.table.node_mut(slot).meta = Meta {
            pos: self.dense.push(slot),
            field: self.score.init(clock),
        };
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<Meta>, slot: u32) {
        let pos = s.table.node(slot).meta.pos;
        if let Some(moved) = self.dense.swap_remove(pos) {
            s.table.node_mut(moved).meta.pos = pos;
        }
    }

    /// One round of `performEvictions`: sample, then the best pool entry that still exists.
    fn victim(&mut self, s: &mut Store<Meta>, req: &Request) -> u32 {
        debug_assert!(!self.dense.is_empty());
        let clock = self.score.clock(req.time);
        loop {
            self.populate(s, clock);
            while let Some(key) = self.pool.pop_best() {
                if let Some(slot) = s.table.find(key) {
                    return slot;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(p: &EvictionPool) -> Vec<u64> {
        p.entries().map(|(_, k)| k).collect()
    }

    #[test]
    fn pool_insertion_follows_redis() {
        let mut p = EvictionPool::new(3);
        // Free room: kept sorted ascending by score; an equal score goes before (left of) the old one.
        p.offer(5, 1);
        p.offer(9, 2);
        p.offer(5, 3);
        assert_eq!(keys(&p), vec![3, 1, 2]);
        // Full: a score not above the worst (5) is ignored.
        p.offer(5, 4);
        p.offer(1, 4);
        assert_eq!(keys(&p), vec![3, 1, 2]);
        // Full: a better one drops the worst (key 3) and slides in before the first larger score.
        p.offer(7, 5);
        assert_eq!(keys(&p), vec![1, 5, 2]);
        p.offer(10, 6);
        assert_eq!(keys(&p), vec![5, 2, 6]);
        // No de-duplication: the same key may sit in the pool twice, as in Redis.
        p.offer(8, 2);
        assert_eq!(p.entries().collect::<Vec<_>>(), vec![(8, 2), (9, 2), (10, 6)]);
        assert_eq!(p.pop_best(), Some(6));
        assert_eq!(p.pop_best(), Some(2));
    }

    #[test]
    fn samples_are_distinct_and_in_range() {
        let mut rng = SmallRng::seed_from_u64(3);
        let (mut out, mut seen) = (Vec::new(), FxHashSet::default());
        for (n, s) in [
            (10, 3),
            (10, 9),
            (10, 10),
            (10, 50),
            (1000, 5),
            (1000, 200),
            (1000, 999),
        ] {
            for _ in 0..50 {
                sample_positions(&mut rng, n, s, &mut out, &mut seen);
                let mut v = out.clone();
                v.sort_unstable();
                v.dedup();
                assert_eq!(v.len(), s.min(n), "n={n} s={s}");
                assert!(v.iter().all(|&p| (p as usize) < n));
            }
        }
        // Uniform: with n=10, s=3 every position is drawn 3/10 of the time.
        let mut count = [0u32; 10];
        for _ in 0..100_000 {
            sample_positions(&mut rng, 10, 3, &mut out, &mut seen);
            for &p in &out {
                count[p as usize] += 1;
            }
        }
        for c in count {
            assert!((c as f64 / 100_000.0 - 0.3).abs() < 0.01, "{count:?}");
        }
    }
}
