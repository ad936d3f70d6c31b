//! SIEVE (Zhang et al., NSDI 2024): a FIFO queue with a visited bit and a moving hand.
//!
//! New objects go to the head unvisited; a hit sets the bit. The hand walks from the tail towards
//! the head clearing bits, wraps past the head to the tail, evicts the first unvisited object and
//! stays at the next newer one for the following eviction.

use super::table::{Found, List, Table, NIL};
use super::{BuildCtx, Caps, Counters, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "sieve",
    aliases: &[],
    summary: "SIEVE (NSDI 2024): FIFO with a visited bit and a hand that sifts out unvisited objects.",
    params: &[],
    build,
    caps: Caps::NONE,
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(Sieve::new(ctx.capacity)))
}

/// The SIEVE cache.
pub struct Sieve {
    table: Table<bool>,
    list: List,
    hand: u32,
    capacity: u64,
    counters: Counters,
}

impl Sieve {
    /// An empty SIEVE cache.
    pub fn new(capacity: u64) -> Self {
        Sieve {
            table: Table::new(),
            list: List::default(),
            hand: NIL,
            capacity,
            counters: Counters::default(),
        }
    }

    fn drop_slot(&mut self, slot: u32) {
        if self.hand == slot {
            self.hand = self.table.node(slot).prev;
        }
        self.list.unlink(&mut self.table.nodes, slot);
        self.table.remove(slot);
    }

    fn evict_one(&mut self) {
        let mut h = if self.hand == NIL { self.list.tail } else { self.hand };
        loop {
            let n = self.table.node_mut(h);
            if !n.meta {
                break;
            }
            n.meta = false;
            h = if n.prev == NIL { self.list.tail } else { n.prev };
        }
        self.hand = h;
        let key = self.table.node(h).key;
        self.drop_slot(h);
        self.counters.evicted(key);
    }
}

impl Policy for Sieve {
    rewrite_in_table!();
    prefetch_table!();

    #[inline]
    fn get(&mut self, req: &Request) -> bool {
        match self.table.lookup(req.key, req.time) {
            Found::Hit(s) => {
                self.table.node_mut(s).meta = true;
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
        while self.list.bytes + size > self.capacity {
            self.evict_one();
        }
        let s = self.table.insert(req.key, req.size, req.expiry(), false);
        self.list.push_head(&mut self.table.nodes, s);
    }

    remove_by_drop_slot!();

    resident_accessors!(|p| used: p.list.bytes, len: p.list.len);
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn hand_keeps_position() {
        let mut p = build("sieve", 3);
        // Fill 1 2 3 (tail 1); hit 1 and 2. 4: the hand clears 1 and 2 and evicts 3, the head, so it
        // wraps (4 2 1). 3: the hand restarts at the tail and evicts 1, now unvisited.
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 1, 2, 4, 3]), "mmmHHmm");
        assert!(p.contains(2) && p.contains(4) && p.contains(3) && !p.contains(1));
    }

    #[test]
    fn visited_objects_survive_a_scan() {
        // 1 and 2 are visited; the scan's first eviction clears their bits and takes 100; the hand
        // then stays among the scan objects, so 1 and 2 still hit after five scan keys. LRU loses both.
        let keys = [1, 2, 1, 2, 100, 101, 102, 103, 104, 1, 2];
        assert_eq!(pattern(&mut *build("sieve", 4), &keys), "mmHHmmmmmHH");
        assert_eq!(pattern(&mut *build("lru", 4), &keys), "mmHHmmmmmmm");
    }
}
