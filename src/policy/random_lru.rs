//! Random LRU (libCacheSim's `RandomLRU`): to evict, sample `k` cached objects uniformly (with
//! replacement, seeded) and evict the least recently used of them.
//!
//! Recency is the number of the request that last touched the object (inserted or hit). With
//! `k = 1` this is random replacement; as `k` grows it approaches LRU. libCacheSim's `RandomLRU`
//! is named after its `n-samples=16` but its eviction draws 64 samples whatever that setting, so
//! `random-lru:k=64` is what its counts correspond to.
//!
//! The samples are drawn as libCacheSim draws them ([`Buckets`]): the heads of the next
//! non-empty buckets of its hash table along its generator's cycle, which sweeps the table rather
//! than drawing independently (this makes it markedly less LRU-like than independent uniform
//! samples would). The generator starts in state `seed`; libCacheSim's simulator uses 0.

use super::core::buckets::{Buckets, LCS_POWER};
use super::core::resident::{Ordering, Resident, Store};
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "random-lru",
    aliases: &["randomlru", "sampled-lru"],
    summary: "Random LRU: evicts the least recently used of k random samples (seeded; libCacheSim's RandomLRU).",
    params: &[ParamInfo {
        name: "k",
        default: "16",
        help: "objects sampled per eviction, 1 to 1024",
    }],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let k: u32 = p.get("k", ("an integer from 1 to 1024", |k: &u32| (1..=1024).contains(k)))?;
    Ok(Box::new(RandomLru::new(ctx.capacity, k, ctx.seed)))
}

/// The sampled-LRU cache.
pub type RandomLru = Resident<SampledLru>;

impl RandomLru {
    /// An empty cache sampling `k` objects per eviction from a generator seeded with `seed`.
    pub fn new(capacity: u64, k: u32, seed: u64) -> Self {
        Resident::with_order(
            capacity,
            SampledLru {
                buckets: Buckets::new(LCS_POWER, seed),
                k,
                clock: 0,
            },
        )
    }
}

/// The cached objects in libCacheSim's hash layout for sampling, a request counter for recency
/// (node meta: the request that last touched the object).
pub struct SampledLru {
    buckets: Buckets,
    k: u32,
    /// Requests seen (hits and misses), as libCacheSim's `n_req`.
    clock: u64,
}

impl Ordering for SampledLru {
    type Meta = u64;

    #[inline]
    fn on_get(&mut self, _: &Request) {
        self.clock += 1;
    }

    #[inline]
    fn hit(&mut self, s: &mut Store<u64>, slot: u32, _: &Request) {
        s.table.node_mut(slot).meta = self.clock;
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<u64>, slot: u32, req: &Request) {
        self.buckets.insert(slot, req.key);
        s.table.node_mut(slot).meta = self.clock;
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<u64>, slot: u32) {
        self.buckets.remove(slot, s.table.node(slot).key);
    }

    /// The least recently used of `k` draws (an object drawn twice is the same object).
    fn victim(&mut self, s: &mut Store<u64>, _: &Request) -> u32 {
        let mut best = self.buckets.draw();
        for _ in 1..self.k {
            let c = self.buckets.draw();
            if s.table.node(c).meta < s.table.node(best).meta {
                best = c;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::super::PolicySpec;

    #[test]
    fn many_samples_approach_lru_and_one_is_random() {
        // With k far above the cache's population every eviction sees (almost surely) every
        // object, so it is LRU: the hand-worked LRU sequence.
        let mut p = build("random-lru:k=1024", 3);
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 1, 4, 2, 1]), "mmmHmmH");
        // Seeded: the same seed repeats.
        let keys: Vec<u64> = (0..3000).map(|i| (i * 7919) % 60).collect();
        let a = pattern(&mut *build("random-lru:k=2", 20), &keys);
        let b = pattern(&mut *build("random-lru:k=2", 20), &keys);
        assert_eq!(a, b);
    }

    #[test]
    fn edge_cases() {
        let mut p = build("random-lru", 2);
        let big = crate::model::request::Request::get(1, 3);
        assert!(!p.access(&big));
        assert!(!p.contains(1));
        let mut z = build("random-lru", 0);
        assert_eq!(pattern(&mut *z, &[1, 1]), "mm");
        for bad in ["random-lru:k=0", "random-lru:k=1025", "random-lru:k=x"] {
            let e = PolicySpec::parse(bad).unwrap_err();
            assert!(e.contains("k=") && e.contains("1 to 1024"), "{e}");
        }
    }
}
