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

use super::table::{Found, Table};
use super::{BuildCtx, Caps, Counters, Params, Policy, PolicyInfo};
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

/// The Belady cache. Node meta: the object's next access position.
pub struct Belady {
    table: Table<u64>,
    heap: BinaryHeap<(u64, u64)>,
    used: u64,
    capacity: u64,
    counters: Counters,
}

impl Belady {
    /// An empty Belady cache.
    pub fn new(capacity: u64) -> Self {
        Belady {
            table: Table::new(),
            heap: BinaryHeap::new(),
            used: 0,
            capacity,
            counters: Counters::default(),
        }
    }

    fn drop_slot(&mut self, slot: u32) {
        self.used -= self.table.node(slot).size;
        self.table.remove(slot);
    }

    fn push(&mut self, next: u64, key: u64) {
        self.heap.push((next, key));
        if self.heap.len() > 2 * self.table.len() + 1024 {
            let nodes = &self.table;
            let live: Vec<(u64, u64)> = self
                .heap
                .drain()
                .filter(|&(n, k)| nodes.find(k).map(|s| nodes.node(s).meta) == Some(n))
                .collect();
            self.heap = BinaryHeap::from(live);
        }
    }

    fn evict_one(&mut self) {
        while let Some((next, key)) = self.heap.pop() {
            if let Some(s) = self.table.find(key) {
                if self.table.node(s).meta == next {
                    let key = self.table.node(s).key;
                    self.drop_slot(s);
                    self.counters.evicted(key);
                    return;
                }
            }
        }
    }
}

impl Policy for Belady {
    rewrite_in_table!();
    prefetch_table!();

    #[inline]
    fn get(&mut self, req: &Request) -> bool {
        match self.table.lookup(req.key, req.time) {
            Found::Hit(s) => {
                self.table.node_mut(s).meta = req.next_access;
                self.push(req.next_access, req.key);
                true
            }
            Found::Expired(s) => {
                self.drop_slot(s);
                self.counters.expirations += 1;
                false
            }
            Found::Miss => false,
        }
    }

    #[inline]
    fn insert(&mut self, req: &Request) {
        let size = req.size;
        if size > self.capacity {
            return;
        }
        while self.used + size > self.capacity {
            self.evict_one();
        }
        self.table.insert(req.key, req.size, req.expiry(), req.next_access);
        self.push(req.next_access, req.key);
        self.used += size;
    }

    remove_by_drop_slot!();

    resident_accessors!(|p| used: p.used, len: p.table.len());
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
