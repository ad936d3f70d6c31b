//! Belady's MIN (the offline optimum for unit sizes): evict the object whose next request is
//! furthest in the future; objects never requested again go first.
//!
//! It reads `Request::next_access`, which oracleGeneral traces carry and which cachesim computes in a
//! pre-pass for other formats. Like libCacheSim's `Belady` it is not size-aware and always inserts
//! on a miss (an object larger than the whole cache excepted).
//!
//! The victim is found with a max-heap of (next access, key) with lazy deletion: a hit pushes a new
//! entry and leaves the old one to be discarded when it surfaces, which keeps every step O(log n)
//! with small constants. The heap is rebuilt when stale entries outnumber live ones.

use super::core::resident::{Ordering, Resident, Store};
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
use crate::model::request::Request;
use std::collections::BinaryHeap;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "belady",
    aliases: &["opt", "min", "optimal"],
    summary: "Belady's MIN: evicts the object requested furthest in the future (offline optimum for unit sizes).",
    params: &[],
    build,
    caps: Caps {
        needs_future: true,
        ..Caps::NONE
    },
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(Belady::new(ctx.capacity)))
}

/// The Belady cache.
pub type Belady = Resident<BeladyOrder>;

impl Belady {
    /// An empty Belady cache.
    pub fn new(capacity: u64) -> Self {
        Resident::with_order(
            capacity,
            BeladyOrder {
                heap: BinaryHeap::new(),
            },
        )
    }
}

/// Belady's order: a max-heap of (next access, key), with stale entries skipped (node meta: the
/// object's current next access).
pub struct BeladyOrder {
    heap: BinaryHeap<(u64, u64)>,
}

impl BeladyOrder {
    fn push(&mut self, s: &Store<u64>, next: u64, key: u64) {
        self.heap.push((next, key));
        if self.heap.len() > 2 * s.table.len() + 1024 {
            let t = &s.table;
            let live: Vec<(u64, u64)> = self
                .heap
                .drain()
                .filter(|&(n, k)| t.find(k).map(|slot| t.node(slot).meta) == Some(n))
                .collect();
            self.heap = BinaryHeap::from(live);
        }
    }
}

impl Ordering for BeladyOrder {
    type Meta = u64;

    #[inline]
    fn hit(&mut self, s: &mut Store<u64>, slot: u32, req: &Request) {
        s.table.node_mut(slot).meta = req.next_access;
        self.push(s, req.next_access, req.key);
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<u64>, slot: u32, req: &Request) {
        s.table.node_mut(slot).meta = req.next_access;
        self.push(s, req.next_access, req.key);
    }

    #[inline]
    fn unlink(&mut self, _: &mut Store<u64>, _: u32) {}

    fn victim(&mut self, s: &mut Store<u64>, _: &Request) -> u32 {
        while let Some((next, key)) = self.heap.pop() {
            if let Some(slot) = s.table.find(key) {
                if s.table.node(slot).meta == next {
                    return slot;
                }
            }
        }
        unreachable!("evict from an empty cache");
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn evicts_furthest_next_use() {
        // Hand-worked with 3 frames: 7m 0m 1m 2m (7 and 1 are never used again; 7 goes) 0H
        // 3m (evict 1) 0H 4m (0 is needed last of 0, 2, 3) 2H 3H 0m (evict 4, never used again) 3H 2H.
        let keys = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2];
        let mut p = build("belady", 3);
        let got: String = with_future(&keys)
            .iter()
            .map(|r| if p.access(r) { 'H' } else { 'm' })
            .collect();
        assert_eq!(got, "mmmmHmHmHHmHH");
    }
}
