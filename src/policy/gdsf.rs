//! GreedyDual-Size-Frequency (GDSF), as libCacheSim's `GDSF`.
//!
//! Cherkasova, "Improving WWW proxies performance with Greedy-Dual-Size-Frequency caching policy",
//! HP Labs report HPL-98-69, 1998: an object's priority is `L + count / size`, where `L` is the
//! priority of the last evicted object, and the lowest priority is evicted.
//!
//! libCacheSim's formula and order of operations, followed here:
//! - priority = `L + count * 1e6 / size` in `f64` (so a unit-size object's priority is
//!   `L + count * 1e6`); a new object has count 1, each hit adds 1 and recomputes the priority with
//!   the current `L`;
//! - equal priorities are ordered by the request number that set them (older first);
//! - on a miss the object is inserted *first*, then the lowest-priority objects are evicted until
//!   the cache fits, so the new object itself can be the victim; `L` takes each victim's priority.
//!
//! The priority queue is a binary heap with lazy deletion: a hit pushes a new entry and leaves the
//! old one behind, recognised as stale because the node's request number no longer matches. Stale
//! entries are dropped when the heap grows past twice the number of cached objects, so memory stays
//! proportional to the cached objects.

use super::core::resident::{Ordering, Resident, Store};
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
use crate::model::request::Request;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "gdsf",
    aliases: &["greedydual-size-frequency"],
    summary: "GreedyDual-Size-Frequency: evict the lowest L + count/size, L = last evicted (Cherkasova 1998).",
    params: &[],
    build,
    caps: Caps::NONE,
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(Gdsf::new(ctx.capacity)))
}

/// Per-object metadata.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    /// Request number of the object's live heap entry; `DEAD` once the slot is freed.
    vtime: u64,
    /// Requests seen while cached, counting the inserting one.
    count: u32,
}

const DEAD: u64 = u64::MAX;

/// A heap entry: priority bits (priorities are positive, so bit order is numeric order), request
/// number (the tie-break), slot.
type Entry = Reverse<(u64, u64, u32)>;

/// The GDSF cache.
pub type Gdsf = Resident<GdsfOrder>;

impl Gdsf {
    /// An empty GDSF cache.
    pub fn new(capacity: u64) -> Self {
        Resident::with_order(
            capacity,
            GdsfOrder {
                heap: BinaryHeap::new(),
                age: 0.0,
                vtime: 0,
                last_push: 0,
            },
        )
    }
}

/// GDSF's order: a min-heap of priorities, stale entries skipped.
pub struct GdsfOrder {
    heap: BinaryHeap<Entry>,
    /// `L`: the priority of the last evicted object.
    age: f64,
    /// Request counter (libCacheSim's `n_req`), the tie-break among equal priorities.
    vtime: u64,
    /// The request number of the last heap push, to keep tie-breaks unique.
    last_push: u64,
}

impl GdsfOrder {
    /// Gives `slot` the priority `L + count * 1e6 / size`.
    fn push(&mut self, s: &mut Store<Meta>, slot: u32) {
        if self.last_push == self.vtime {
            // Only when `insert` is called without a `get` first: keep request numbers unique.
            self.vtime += 1;
        }
        self.last_push = self.vtime;
        let n = s.table.node_mut(slot);
        let priority = self.age + (n.meta.count as f64 * 1.0e6) / n.size as f64;
        n.meta.vtime = self.vtime;
        self.heap.push(Reverse((priority.to_bits(), self.vtime, slot)));
        if self.heap.len() > 2 * s.table.len() + 64 {
            let nodes = &s.table.nodes;
            self.heap
                .retain(|Reverse((_, vt, s))| nodes[*s as usize].meta.vtime == *vt);
        }
    }
}

impl Ordering for GdsfOrder {
    type Meta = Meta;
    /// libCacheSim inserts first, so a large newcomer can be its own victim.
    const ADMIT_FIRST: bool = true;

    #[inline]
    fn on_get(&mut self, _: &Request) {
        self.vtime += 1;
    }

    #[inline]
    fn hit(&mut self, s: &mut Store<Meta>, slot: u32, _: &Request) {
        s.table.node_mut(slot).meta.count += 1;
        self.push(s, slot);
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<Meta>, slot: u32, _: &Request) {
        s.table.node_mut(slot).meta = Meta { vtime: DEAD, count: 1 };
        self.push(s, slot);
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<Meta>, slot: u32) {
        s.table.node_mut(slot).meta.vtime = DEAD;
    }

    /// The lowest-priority object; `L` becomes its priority.
    fn victim(&mut self, s: &mut Store<Meta>, _: &Request) -> u32 {
        while let Some(Reverse((bits, vt, slot))) = self.heap.pop() {
            if s.table.node(slot).meta.vtime == vt {
                self.age = f64::from_bits(bits);
                return slot;
            }
        }
        unreachable!("evict from an empty cache");
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use crate::model::request::Request;

    /// Replays (key, size) requests and returns the hit/miss pattern.
    fn sized(p: &mut dyn crate::policy::Policy, reqs: &[(u64, u64)]) -> String {
        reqs.iter()
            .map(|&(k, s)| if p.access(&Request::get(k, s)) { 'H' } else { 'm' })
            .collect()
    }

    #[test]
    fn frequency_wins_then_age_lets_newcomers_in() {
        // Unit sizes, capacity 2. 1 2 enter at 1e6; 1 hits -> 2e6. 3 is inserted (1e6, newest) and
        // the cache is over by one: the lowest is 2 (1e6, older than 3), so L = 1e6.
        // 3 hits -> L + 2e6 = 3e6. 4 enters at L + 1e6 = 2e6, evicting 1 (2e6 but older than 4);
        // L = 2e6. 1 misses: enters at 3e6 and evicts 4 (2e6); 3 (3e6, older) stays.
        let mut p = build("gdsf", 2);
        assert_eq!(pattern(&mut *p, &[1, 2, 1, 3, 3, 4, 1, 3]), "mmHmHmmH");
        assert!(p.contains(1) && p.contains(3) && !p.contains(4));
    }

    #[test]
    fn small_objects_are_preferred() {
        // Capacity 10. A (size 8) enters at 1e6/8 = 125000; B (size 2) at 500000. C (size 4) enters
        // at 250000 and the cache is over: A, the lowest, goes (L = 125000). B hits: L + 2e6/2 =
        // 1.125e6. A misses and enters at L + 125000 = 250000, tying with C; C is older, so C goes
        // (L = 250000) and A (8) + B (2) fit exactly.
        let mut p = build("gdsf", 10);
        assert_eq!(sized(&mut *p, &[(1, 8), (2, 2), (3, 4), (2, 2), (1, 8)]), "mmmHm");
        assert!(p.contains(1) && p.contains(2) && !p.contains(3));
    }

    #[test]
    fn new_object_can_be_its_own_victim() {
        // Capacity 10: B (size 1) hit many times has a high priority; a large newcomer (size 10)
        // is inserted first and then evicted as the lowest priority, leaving B in place.
        let mut p = build("gdsf", 10);
        let mut reqs = vec![(2, 1); 5];
        reqs.push((1, 10));
        reqs.push((2, 1));
        assert_eq!(sized(&mut *p, &reqs), "mHHHHmH");
        assert!(!p.contains(1));
        assert_eq!(p.counters().evictions, 1);
    }
}
