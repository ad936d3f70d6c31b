//! Size-aware Belady (libCacheSim's `beladySize`): evict the object with the largest
//! size x distance to its next request, among random samples.
//!
//! Like libCacheSim's default build it scores `samples` (128) objects drawn at random per eviction,
//! not every cached object. It reads `Request::next_access`: an object never requested again is
//! not inserted (after the evictions made for it, as in libCacheSim), and a hit whose next request
//! never comes evicts the object. The samples are drawn as libCacheSim draws them
//! ([`Buckets`]); the generator starts in state `seed` (libCacheSim's simulator uses 0).

use super::core::buckets::{Buckets, LCS_POWER};
use super::core::resident::{self, Keeper, Store};
use super::core::table::Found;
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::{Request, NEVER};

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "belady-size",
    aliases: &["beladysize"],
    summary: "Size-aware Belady: evicts the sampled object with the largest size x time to next use (libCacheSim's beladySize).",
    params: &[ParamInfo {
        name: "samples",
        default: "128",
        help: "objects sampled per eviction, 1 to 100000",
    }],
    build,
    caps: Caps {
        needs_future: true,
        ..Caps::NONE
    },
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let n: u32 = p.get(
        "samples",
        ("an integer from 1 to 100000", |n: &u32| (1..=100_000).contains(n)),
    )?;
    Ok(Box::new(BeladySize::new(ctx.capacity, n, ctx.seed)))
}

/// Per-object metadata: the next request's position.
type Meta = u64;

/// The size-aware Belady cache.
pub type BeladySize = Keeper<BeladySizeState>;

impl BeladySize {
    /// An empty cache scoring `samples` random objects per eviction (generator seeded with `seed`).
    pub fn new(capacity: u64, samples: u32, seed: u64) -> Self {
        Keeper::with_policy(
            capacity,
            BeladySizeState {
                buckets: Buckets::new(LCS_POWER, seed),
                samples,
                clock: 0,
            },
        )
    }
}

/// The state of [`BeladySize`].
pub struct BeladySizeState {
    buckets: Buckets,
    samples: u32,
    /// Requests seen, as libCacheSim's `n_req` (the current request's 1-based position).
    clock: u64,
}

impl BeladySizeState {
    fn drop_slot(&mut self, st: &mut Store<Meta>, slot: u32) -> u64 {
        self.buckets.remove(slot, st.table.node(slot).key);
        let size = st.table.node(slot).size;
        st.table.remove(slot);
        size
    }

    /// Evicts the sampled object with the largest size x distance (the first drawn among equals).
    fn evict(&mut self, st: &mut Store<Meta>) {
        let mut best = (i128::MIN, 0u32);
        for _ in 0..self.samples {
            let slot = self.buckets.draw();
            let node = st.table.node(slot);
            let score = i128::from(node.size) * (i128::from(node.meta) - i128::from(self.clock));
            if score > best.0 {
                best = (score, slot);
            }
        }
        let key = st.table.node(best.1).key;
        let size = self.drop_slot(st, best.1);
        st.tally.evicted(key, size);
    }
}

impl resident::TablePolicy for BeladySizeState {
    type Meta = Meta;

    #[inline]
    fn get(&mut self, st: &mut Store<Meta>, req: &Request) -> bool {
        self.clock += 1;
        match st.table.lookup(req.key, req.time) {
            Found::Hit(s) => {
                if req.next_access == NEVER {
                    // The policy drops an object it will never need again: an eviction (logged,
                    // counted), though it makes room for nothing yet.
                    let size = self.drop_slot(st, s);
                    st.tally.evicted(req.key, size);
                } else {
                    st.table.node_mut(s).meta = req.next_access;
                }
                true
            }
            Found::Expired(s) => {
                let size = self.drop_slot(st, s);
                st.tally.expired(size);
                false
            }
            Found::Miss => false,
        }
    }

    fn insert(&mut self, st: &mut Store<Meta>, req: &Request) {
        if st.table.find(req.key).is_some() || req.size > st.tally.capacity() {
            return;
        }
        while st.tally.over(req.size) {
            self.evict(st);
        }
        if req.next_access == NEVER {
            return;
        }
        let slot = st.table.insert(req.key, req.size, req.expiry(), req.next_access);
        self.buckets.insert(slot, req.key);
        st.tally.added(req.size);
    }

    fn remove(&mut self, st: &mut Store<Meta>, key: u64) -> bool {
        match st.table.find(key) {
            Some(s) => {
                let size = self.drop_slot(st, s);
                st.tally.removed(size);
                true
            }
            None => false,
        }
    }

    fn contains(&self, st: &Store<Meta>, key: u64) -> bool {
        st.table.find(key).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, with_future};
    use super::super::PolicySpec;

    #[test]
    fn evicts_largest_size_times_distance() {
        // Sizes and next uses (capacity 10, samples far above the population, so every object is
        // scored): a (4 bytes, next at 6), b (3 bytes, next at 5), c (2 bytes, next at 7).
        // At request 4 (d, 3 bytes, needs 2 more): scores a 4*(6-4)=8, b 3*(5-4)=3, c 2*(7-4)=6:
        // a goes.
        let keys = [1, 2, 3, 4, 2, 1, 3, 4];
        let sizes = [4, 3, 2, 3, 3, 4, 2, 3];
        let mut reqs = with_future(&keys);
        for (r, s) in reqs.iter_mut().zip(sizes) {
            r.size = s;
        }
        let mut p = build("belady-size:samples=1000", 10);
        let got: String = reqs.iter().map(|r| if p.access(r) { 'H' } else { 'm' }).collect();
        // 2 hits at 5 (its next use is never: removed), 1 misses at 6 (it was evicted) and is not
        // inserted (never used again); 3 and 4 hit.
        assert_eq!(got, "mmmmHmHH");
        assert!(!p.contains(2) && !p.contains(1));
    }

    #[test]
    fn never_reused_objects_are_not_cached() {
        let mut p = build("belady-size", 10);
        let reqs = with_future(&[1, 2, 1]);
        assert!(!p.access(&reqs[0]));
        assert!(p.contains(1));
        assert!(!p.access(&reqs[1]));
        assert!(!p.contains(2), "2 is never requested again");
        assert!(p.access(&reqs[2]));
        assert!(!p.contains(1), "its last request removed it");
        let mut z = build("belady-size", 0);
        assert!(!z.access(&with_future(&[1, 1])[0]));
        assert_eq!(z.used(), 0);
        for bad in ["belady-size:samples=0", "belady-size:samples=x"] {
            let e = PolicySpec::parse(bad).unwrap_err();
            assert!(e.contains("samples=") && e.contains("1 to 100000"), "{e}");
        }
    }
}
