//! LFU with dynamic aging (LFUDA), as libCacheSim's `LFUDA`.
//!
//! Arlitt, Cherkasova, Dilley, Friedrich and Jin, "Evaluating content management techniques for Web
//! proxy caches", ACM SIGMETRICS Performance Evaluation Review 27(4), 2000: an object's priority is
//! its reference count plus a cache age `L`, and `L` becomes the priority of each evicted object, so
//! objects that were popular long ago eventually lose to newer ones.
//!
//! libCacheSim's version, which this follows step by step:
//! - `L` (`min_freq`) starts at 0. A new object gets priority `L + 1`.
//! - A hit adds `L` (not 1) to the object's priority; before the first eviction `L = 0`, so hits
//!   only refresh the object's position among equal priorities.
//! - Objects with the same priority form a FIFO by the time they reached it; the victim is the
//!   oldest object of the bucket at priority `L` (at `L = 0`, the bucket at 1), and `L` takes that
//!   priority.
//! - `L` only moves up: when the bucket at `L` empties (by an eviction, a delete, or a hit moving its
//!   last object away) `L` becomes the next non-empty priority above it, up to the largest priority
//!   ever given. An object whose hit leaves it below the new `L` is then skipped by eviction until
//!   its next hit; libCacheSim behaves the same way, which is why its miss ratio is not monotone in
//!   the cache size.
//! - Since hits add `L`, priorities roughly double with each hit once `L` has grown, and on long
//!   traces they reach 2^64 - 1: they saturate there (a hit and a new object alike), where
//!   libCacheSim's signed 64-bit counts would overflow.
//!
//! Non-empty buckets are found by priority in a hash map (as libCacheSim does); the next `L` comes
//! from a min-heap of the priorities created above `L`, with stale entries dropped lazily and the
//! heap rebuilt when it outgrows twice the number of buckets, so memory stays proportional to the
//! cached objects.

use super::core::list::List;
use super::core::resident::{Ordering, Resident, Store};
use super::core::slab::Slab;
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
use crate::model::request::Request;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "lfuda",
    aliases: &["lfu-da"],
    summary: "LFU with dynamic aging: priority = count + L, L = last evicted priority (Arlitt et al. 2000).",
    params: &[],
    build,
    caps: Caps::NONE,
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(Lfuda::new(ctx.capacity)))
}

/// Objects of one priority; head = most recently arrived, tail = next victim.
#[derive(Clone, Copy, Default)]
struct Bucket {
    priority: u64,
    list: List,
}

/// The LFUDA cache.
pub type Lfuda = Resident<LfudaOrder>;

impl Lfuda {
    /// An empty LFUDA cache.
    pub fn new(capacity: u64) -> Self {
        Resident::with_order(
            capacity,
            LfudaOrder {
                buckets: Slab::new(),
                index: HashMap::default(),
                above: BinaryHeap::new(),
                age: 0,
                max_priority: 0,
            },
        )
    }
}

/// LFUDA's order: buckets of equal priority (node meta: the bucket holding the node).
pub struct LfudaOrder {
    buckets: Slab<Bucket>,
    /// Non-empty buckets by priority.
    index: HashMap<u64, u32, rustc_hash::FxBuildHasher>,
    /// Priorities of buckets created above `L`, to find the next `L`. Entries at or below `L`, or
    /// whose bucket has emptied, are dropped lazily.
    above: BinaryHeap<Reverse<u64>>,
    /// The cache age `L` (libCacheSim's `min_freq`).
    age: u64,
    /// Largest priority ever given (bounds the search for the next `L`, as in libCacheSim).
    max_priority: u64,
}

impl LfudaOrder {
    /// Links `slot` as the newest object of the bucket at `priority`, creating it if needed.
    fn link(&mut self, s: &mut Store<u32>, slot: u32, priority: u64) {
        self.max_priority = self.max_priority.max(priority);
        let b = match self.index.get(&priority) {
            Some(&b) => b,
            None => {
                let b = self.buckets.alloc(Bucket {
                    priority,
                    list: List::default(),
                });
                self.index.insert(priority, b);
                if priority > self.age {
                    self.above.push(Reverse(priority));
                    if self.above.len() > 2 * self.index.len() + 64 {
                        let age = self.age;
                        self.above = self.index.keys().filter(|&&p| p > age).map(|&p| Reverse(p)).collect();
                    }
                }
                b
            }
        };
        s.table.node_mut(slot).meta = b;
        self.buckets[b].list.push_head(&mut s.table.nodes, slot);
    }

    /// Unlinks `slot` from its bucket; returns the bucket's priority and whether it became empty.
    fn detach(&mut self, s: &mut Store<u32>, slot: u32) -> (u64, bool) {
        let b = s.table.node(slot).meta;
        let bucket = &mut self.buckets[b];
        bucket.list.unlink(&mut s.table.nodes, slot);
        let p = bucket.priority;
        if bucket.list.is_empty() {
            self.index.remove(&p);
            self.buckets.release(b);
            (p, true)
        } else {
            (p, false)
        }
    }

    /// libCacheSim's `update_min_freq`: `L` moves to the next non-empty priority above it, if any
    /// up to the largest priority given; otherwise it stays.
    fn advance_age(&mut self) {
        while let Some(&Reverse(p)) = self.above.peek() {
            if p <= self.age || !self.index.contains_key(&p) {
                self.above.pop();
                continue;
            }
            if p <= self.max_priority {
                self.age = p;
            }
            return;
        }
    }
}

impl Ordering for LfudaOrder {
    type Meta = u32;

    #[inline]
    fn hit(&mut self, s: &mut Store<u32>, slot: u32, _: &Request) {
        let b = s.table.node(slot).meta;
        let old = self.buckets[b].priority;
        let new = old.saturating_add(self.age);
        if new == old {
            // L = 0: the object only becomes the newest of its bucket.
            self.buckets[b].list.move_to_head(&mut s.table.nodes, slot);
            return;
        }
        // libCacheSim raises the largest priority before looking for the next `L`.
        self.max_priority = self.max_priority.max(new);
        let (_, emptied) = self.detach(s, slot);
        if emptied && old == self.age {
            self.advance_age();
        }
        self.link(s, slot, new);
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<u32>, slot: u32, _: &Request) {
        self.link(s, slot, self.age.saturating_add(1));
    }

    /// Removes `slot` from its bucket, updating `L` as libCacheSim does.
    #[inline]
    fn unlink(&mut self, s: &mut Store<u32>, slot: u32) {
        let (p, emptied) = self.detach(s, slot);
        if emptied && p == self.age {
            self.advance_age();
        }
    }

    /// The oldest object of the bucket at `L` (the bucket at 1 while `L` is 0); `L` becomes its
    /// priority.
    fn victim(&mut self, s: &mut Store<u32>, _: &Request) -> u32 {
        let _ = s;
        let want = self.age.max(1);
        let b = match self.index.get(&want) {
            Some(&b) => b,
            // libCacheSim reads the bucket at `L` directly and would crash were it empty; here take
            // the lowest non-empty bucket at or above `L`, else the lowest of all.
            None => {
                let p = self
                    .index
                    .keys()
                    .copied()
                    .filter(|&p| p >= want)
                    .min()
                    .or_else(|| self.index.keys().copied().min())
                    .expect("evict from an empty cache");
                self.index[&p]
            }
        };
        self.age = self.buckets[b].priority;
        self.buckets[b].list.tail
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn before_the_first_eviction_hits_only_refresh() {
        // L = 0: 1 2 3 enter at priority 1; the hit on 1 adds L = 0, so 1 only becomes the newest of
        // bucket 1 (order, oldest first: 2 3 1). 4 evicts 2 and sets L = 1. 3 is still cached.
        let mut p = build("lfuda", 3);
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 1, 4, 3, 2]), "mmmHmHm");
        // The last miss (2) evicted: bucket 1 held 1 (oldest), while 3 moved to 1 + L = 2 and 4
        // entered at L + 1 = 2. So 1 is gone and 3, 4 stay.
        assert!(!p.contains(1) && p.contains(3) && p.contains(4) && p.contains(2));
    }

    #[test]
    fn age_rises_and_new_objects_start_at_age_plus_one() {
        // Capacity 2. 1 2 fill (priority 1). 3 evicts 1 (L = 1) and enters at 2; 2 is still at 1.
        // A hit on 2 adds L = 1 -> priority 2, emptying bucket 1, so L moves up to 2.
        // 4 evicts the oldest of bucket 2: that is 3 (reached 2 before 2 did). 4 enters at 3.
        // 3 misses and evicts 2 (bucket 2, L = 2); bucket 2 empties, so L moves to 3 (where 4 is)
        // and 3 enters at L + 1 = 4. 4 (priority 3) hits.
        let mut p = build("lfuda", 2);
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 2, 4, 3, 4]), "mmmHmmH");
        assert!(p.contains(3) && p.contains(4) && !p.contains(2));
    }

    #[test]
    fn age_skips_an_object_left_below_it() {
        // libCacheSim's quirk, kept on purpose. Capacity 2. 1 2 fill at priority 1; 3 evicts 1
        // (L = 1) and enters at 2. A hit on 3 moves it to 2 + L = 3. A hit on 2 moves it to
        // 1 + L = 2 and empties bucket 1 (the bucket at L), so L jumps to the next non-empty
        // priority, 3. Now 2 sits below L, and the miss on 4 evicts 3 (bucket L = 3) although 2
        // has the lower priority.
        let mut p = build("lfuda", 2);
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 3, 2, 4]), "mmmHHm");
        assert!(p.contains(2) && p.contains(4) && !p.contains(3));
    }
}
