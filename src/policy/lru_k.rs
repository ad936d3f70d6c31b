//! LRU-K (O'Neil, O'Neil & Weikum, "The LRU-K Page Replacement Algorithm for Database Disk
//! Buffering", SIGMOD 1993), as libCacheSim's `LRUK` (PyPI 0.3.5, `cpp/LRU_K.cpp`).
//!
//! Evicts the object whose K-th most recent access is oldest (the largest backward K-distance).
//! Objects seen fewer than K times since they entered have an infinite backward K-distance: they
//! wait in a FIFO in insertion order and are evicted first, oldest first. An object's K-th access
//! moves it from the FIFO to a queue ordered by the time of its K-th most recent access.
//!
//! As in libCacheSim: time is the count of lookups (every request); the history is kept only while
//! the object is cached (no retained information period: an evicted object starts over); `k = 1`
//! is LRU. Sizes only decide how many objects are evicted; the order ignores them.

use super::core::list::List;
use super::core::resident::{Ordering, Resident, Store};
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;
use std::collections::BTreeSet;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "lru-k",
    aliases: &["lruk"],
    summary:
        "LRU-K (O'Neil et al., SIGMOD 1993): evict the oldest K-th most recent access; under K accesses first (FIFO).",
    params: &[ParamInfo {
        name: "k",
        default: "2",
        help: "how many recent accesses are tracked, 1 to 64 (1 = LRU; libCacheSim's default is 2)",
    }],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let k: u32 = p.get("k", ("an integer from 1 to 64", |k: &u32| (1..=64).contains(k)))?;
    Ok(Box::new(LruK::new(ctx.capacity, k)))
}

/// The LRU-K cache.
pub type LruK = Resident<LruKOrder>;

impl LruK {
    /// An empty LRU-K cache of `capacity` bytes (or objects) tracking `k` accesses.
    pub fn new(capacity: u64, k: u32) -> Self {
        Resident::with_order(
            capacity,
            LruKOrder {
                k: u64::from(k.max(1)),
                fifo: List::default(),
                ranked: BTreeSet::new(),
                history: Vec::new(),
                now: 0,
            },
        )
    }
}

/// Per object: how many accesses it had since it entered, and (once that reaches K) the time of its
/// K-th most recent access, its rank.
#[derive(Clone, Copy, Debug, Default)]
pub struct KMeta {
    count: u64,
    kth: u64,
}

/// LRU-K's order: the FIFO of objects with fewer than K accesses and the ranked set of the rest.
pub struct LruKOrder {
    k: u64,
    /// Objects seen fewer than K times, newest at the head.
    fifo: List,
    /// (time of the K-th most recent access, slot) of the others: the first is the next victim.
    /// Times are unique (one lookup each), so the slot never decides.
    ranked: BTreeSet<(u64, u32)>,
    /// The last K access times of each slot, a ring of K entries per slot.
    history: Vec<u64>,
    /// Lookups so far.
    now: u64,
}

impl LruKOrder {
    /// Records an access at `self.now` as the `count`-th of `slot` (counting from 1).
    #[inline]
    fn record(&mut self, slot: u32, count: u64) {
        let base = slot as usize * self.k as usize;
        if self.history.len() < base + self.k as usize {
            self.history.resize(base + self.k as usize, 0);
        }
        self.history[base + ((count - 1) % self.k) as usize] = self.now;
    }

    /// The K-th most recent access time of `slot`, which has had `count >= K` accesses.
    #[inline]
    fn kth(&self, slot: u32, count: u64) -> u64 {
        self.history[slot as usize * self.k as usize + (count % self.k) as usize]
    }
}

impl Ordering for LruKOrder {
    type Meta = KMeta;

    #[inline]
    fn on_get(&mut self, _: &Request) {
        self.now += 1;
    }

    fn hit(&mut self, s: &mut Store<KMeta>, slot: u32, _: &Request) {
        let m = s.table.node(slot).meta;
        let count = m.count + 1;
        self.record(slot, count);
        let kth = if count >= self.k { self.kth(slot, count) } else { 0 };
        if count == self.k {
            self.fifo.unlink(&mut s.table.nodes, slot);
            self.ranked.insert((kth, slot));
        } else if count > self.k {
            self.ranked.remove(&(m.kth, slot));
            self.ranked.insert((kth, slot));
        }
        s.table.node_mut(slot).meta = KMeta { count, kth };
    }

    fn admit(&mut self, s: &mut Store<KMeta>, slot: u32, _: &Request) {
        self.record(slot, 1);
        let kth = if self.k == 1 {
            self.ranked.insert((self.now, slot));
            self.now
        } else {
            self.fifo.push_head(&mut s.table.nodes, slot);
            0
        };
        s.table.node_mut(slot).meta = KMeta { count: 1, kth };
    }

    fn unlink(&mut self, s: &mut Store<KMeta>, slot: u32) {
        let m = s.table.node(slot).meta;
        if m.count >= self.k {
            self.ranked.remove(&(m.kth, slot));
        } else {
            self.fifo.unlink(&mut s.table.nodes, slot);
        }
    }

    fn victim(&mut self, _: &mut Store<KMeta>, _: &Request) -> u32 {
        if !self.fifo.is_empty() {
            return self.fifo.tail;
        }
        self.ranked
            .first()
            .map(|&(_, s)| s)
            .expect("an eviction from an empty LRU-K cache")
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use crate::model::request::Request;
    use crate::policy::PolicySpec;

    #[test]
    fn objects_seen_once_go_first() {
        let mut p = build("lru-k", 3);
        // t1..t3: 1 2 3 fill the FIFO. t4: 1 hits, its 2nd access: ranked by t1.
        // t5: 4 evicts the FIFO's oldest, 2 (not 1, although 1 is older). FIFO: 3 4.
        // t6: 3 hits, ranked by t3. t7: 5 evicts 4 (FIFO). t8: 2 misses, evicts 5.
        // t9: 1 hits (ranked by t4). t10: 6: FIFO holds 2 -> evicted; 3 and 1 stay.
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 1, 4, 3, 5, 2, 1, 6, 3, 1]), "mmmHmHmmHmHH");
    }

    #[test]
    fn oldest_kth_access_is_evicted() {
        let mut p = build("lru-k", 2);
        // t1 1, t2 2, t3 1 (1 ranked by t1), t4 2 (2 ranked by t2), t5 1 (1 ranked by t3), t6 2
        // (ranked t4). t7 3: FIFO empty, the oldest K-th access is 1's (t3): 1 evicted.
        assert_eq!(pattern(&mut *p, &[1, 2, 1, 2, 1, 2, 3, 2, 1]), "mmHHHHmHm");
    }

    #[test]
    fn k1_is_lru() {
        let keys = [1, 2, 3, 1, 4, 2, 1, 5, 3, 3, 4, 1, 2];
        let mut a = build("lru-k:k=1", 3);
        let mut b = build("lru", 3);
        assert_eq!(pattern(&mut *a, &keys), pattern(&mut *b, &keys));
    }

    #[test]
    fn k3_needs_three_accesses() {
        let mut p = build("lru-k:k=3", 2);
        // 1 1 (two accesses: still FIFO) 2; 3 evicts the FIFO's oldest, 1.
        assert_eq!(pattern(&mut *p, &[1, 1, 2, 3, 1]), "mHmmm");
    }

    #[test]
    fn sizes_edges_and_params() {
        let mut p = build("lru-k", 10);
        assert!(!p.access(&Request::get(1, 11)));
        assert!(!p.contains(1));
        assert!(!p.access(&Request::get(2, 5)));
        assert!(!p.access(&Request::get(3, 5)));
        assert!(!p.access(&Request::get(4, 5)), "evicts 2, the FIFO's oldest");
        assert!(!p.contains(2) && p.contains(3) && p.used() == 10);
        let mut z = build("lru-k", 0);
        assert!(!z.access(&Request::get(1, 1)));
        assert!(z.is_empty());
        for bad in ["lru-k:k=0", "lru-k:k=65", "lru-k:k=x"] {
            let e = PolicySpec::parse(bad).unwrap_err();
            assert!(e.contains("parameter k=") && e.contains("1 to 64"), "{e}");
        }
        assert!(p.remove(3) && !p.contains(3));
    }
}
