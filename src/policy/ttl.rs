//! TTL eviction, like Redis's `maxmemory-policy volatile-ttl`: the victim is the object closest to
//! expiry among those with a TTL; objects without one are evicted, least recently used first, only
//! when no object has a TTL.
//!
//! Redis approximates the nearest expiry by sampling its expires dictionary into the eviction pool,
//! and refuses writes (OOM) when no key has a TTL. This model is exact instead: objects with a TTL
//! sit in a `BTreeSet` ordered by (expiry, slot), so the minimum is found in O(log n), and the
//! others in an LRU list, so a cache without TTLs behaves as `lru`. An object already expired has
//! the nearest expiry of all and goes first (counted as an eviction; a hit on it is an expiration).
//! A hit does not change an object's expiry.

use super::core::list::List;
use super::core::resident::{Ordering, Resident, Store};
use super::core::table::Node;
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
use crate::model::request::Request;
use std::collections::BTreeSet;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "ttl",
    aliases: &["volatile-ttl"],
    summary: "Redis volatile-ttl made exact: evict the object nearest to expiry; objects without a TTL \
              are evicted in LRU order once none with a TTL is left.",
    params: &[],
    build,
    caps: Caps {
        reads_clock: true,
        ..Caps::NONE
    },
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(Ttl::new(ctx.capacity)))
}

/// The TTL-ordered cache.
pub type Ttl = Resident<TtlOrder>;

impl Ttl {
    /// An empty cache of `capacity` bytes (or objects).
    pub fn new(capacity: u64) -> Self {
        Resident::with_order(
            capacity,
            TtlOrder {
                by_expiry: BTreeSet::new(),
                lru: List::default(),
            },
        )
    }
}

/// The order: objects with a TTL by (expiry, slot), the others in an LRU list.
pub struct TtlOrder {
    by_expiry: BTreeSet<(u64, u32)>,
    /// Objects without a TTL, most recently used at the head.
    lru: List,
}

impl Ordering for TtlOrder {
    type Meta = ();

    #[inline]
    fn hit(&mut self, s: &mut Store<()>, slot: u32, _: &Request) {
        if s.table.node(slot).expire == 0 {
            self.lru.move_to_head(&mut s.table.nodes, slot);
        }
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<()>, slot: u32, _: &Request) {
        let expire = s.table.node(slot).expire;
        if expire == 0 {
            self.lru.push_head(&mut s.table.nodes, slot);
        } else {
            self.by_expiry.insert((expire, slot));
        }
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<()>, slot: u32) {
        let expire = s.table.node(slot).expire;
        if expire == 0 {
            self.lru.unlink(&mut s.table.nodes, slot);
        } else {
            self.by_expiry.remove(&(expire, slot));
        }
    }

    #[inline]
    fn victim(&mut self, _: &mut Store<()>, _: &Request) -> u32 {
        match self.by_expiry.first() {
            Some(&(_, slot)) => slot,
            None => self.lru.tail,
        }
    }

    /// The expiry orders eviction here, so a write that changes it (or the size) re-inserts.
    #[inline]
    fn keeps_place(&self, node: &Node<()>, req: &Request) -> bool {
        node.size == req.size && node.expire == req.expiry()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use crate::model::request::Request;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    fn req(time: u64, key: u64, size: u64, ttl: u64) -> Request {
        Request {
            time,
            key,
            size,
            ttl,
            ..Request::get(key, size)
        }
    }

    #[test]
    fn nearest_expiry_first_then_lru() {
        let mut p = build("ttl", 3);
        // A (key 1) expires at 100, B (2) at 51, C (3) and D (4) have no TTL.
        assert!(!p.access(&req(0, 1, 1, 100)));
        assert!(!p.access(&req(1, 2, 1, 50)));
        assert!(!p.access(&req(2, 3, 1, 0)));
        // D evicts B: nearest expiry, although A is older.
        assert!(!p.access(&req(3, 4, 1, 0)));
        // E (5) evicts A, the last object with a TTL.
        assert!(!p.access(&req(4, 5, 1, 0)));
        // C hits (now most recent); F (6) evicts the LRU object without a TTL: D.
        assert!(p.access(&req(5, 3, 1, 0)));
        assert!(!p.access(&req(6, 6, 1, 0)));
        assert_eq!((p.contains(1), p.contains(2), p.contains(4)), (false, false, false));
        assert!(p.contains(3) && p.contains(5) && p.contains(6));
        assert_eq!(p.counters().evictions, 3);
    }

    #[test]
    fn without_ttls_it_is_lru() {
        // Same sequence as lru::tests::evicts_least_recent.
        assert_eq!(pattern(&mut *build("ttl", 3), &[1, 2, 3, 1, 4, 2, 1]), "mmmHmmH");
    }

    /// Independent model: a plain vector scanned for the victim on every eviction.
    struct Naive {
        /// (key, size, expire, last use)
        objs: Vec<(u64, u64, u64, u64)>,
        cap: u64,
    }

    impl Naive {
        fn access(&mut self, r: &Request) -> bool {
            if let Some(i) = self.objs.iter().position(|o| o.0 == r.key) {
                if self.objs[i].2 != 0 && r.time >= self.objs[i].2 {
                    self.objs.remove(i);
                } else {
                    self.objs[i].3 = r.time;
                    return true;
                }
            }
            let size = r.size;
            if size > self.cap {
                return false;
            }
            while self.objs.iter().map(|o| o.1).sum::<u64>() + size > self.cap {
                let with_ttl = (0..self.objs.len())
                    .filter(|&i| self.objs[i].2 != 0)
                    .min_by_key(|&i| self.objs[i].2);
                let v = with_ttl.unwrap_or_else(|| (0..self.objs.len()).min_by_key(|&i| self.objs[i].3).unwrap());
                self.objs.remove(v);
            }
            self.objs.push((r.key, size, r.expiry(), r.time));
            false
        }
    }

    #[test]
    fn matches_a_naive_model_on_random_traces() {
        let mut rng = SmallRng::seed_from_u64(21);
        for round in 0..60 {
            let cap = rng.random_range(1..60u64);
            let universe = rng.random_range(2..80u64);
            let mut p = build("ttl", cap);
            let mut naive = Naive { objs: Vec::new(), cap };
            for i in 0..2000u64 {
                let key = rng.random_range(0..universe);
                // Distinct expiries (the tie order is not part of the policy): time i ms, ttl a
                // whole number of ms plus i ns.
                let ttl = if rng.random_bool(0.5) {
                    rng.random_range(1..500u64) * 1_000_000 + i
                } else {
                    0
                };
                let r = req(i * 1_000_000, key, key % 7 + 1, ttl);
                let (a, b) = (p.access(&r), naive.access(&r));
                assert_eq!(a, b, "round {round}, request {i}");
                assert!(p.used() <= cap);
            }
            assert_eq!(p.len(), naive.objs.len());
        }
    }
}
