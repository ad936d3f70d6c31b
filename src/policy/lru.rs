//! LRU: evict the least recently used object. A hit moves the object to the head of one list.

use super::table::{Found, List, Table};
use super::{BuildCtx, Caps, Counters, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "lru",
    aliases: &["least-recently-used"],
    summary: "Least recently used: a hit moves the object to the head; the tail is evicted.",
    params: &[],
    build,
    caps: Caps {
        exact_stack_curve: true,
        ..Caps::NONE
    },
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(Lru::new(ctx.capacity)))
}

/// The LRU cache.
pub struct Lru {
    table: Table<()>,
    list: List,
    capacity: u64,
    counters: Counters,
}

impl Lru {
    /// An empty LRU cache of `capacity` bytes (or objects).
    pub fn new(capacity: u64) -> Self {
        Lru {
            table: Table::new(),
            list: List::default(),
            capacity,
            counters: Counters::default(),
        }
    }

    fn drop_slot(&mut self, slot: u32) {
        self.list.unlink(&mut self.table.nodes, slot);
        self.table.remove(slot);
    }
}

impl Policy for Lru {
    rewrite_in_table!();
    prefetch_table!();

    #[inline]
    fn get(&mut self, req: &Request) -> bool {
        match self.table.lookup(req.key, req.time) {
            Found::Hit(s) => {
                self.list.move_to_head(&mut self.table.nodes, s);
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
            let victim = self.list.tail;
            let key = self.table.node(victim).key;
            self.drop_slot(victim);
            self.counters.evicted(key);
            // The new tail's node was just loaded by the unlink: start loading its index bucket
            // for the next eviction.
            self.table.prefetch_remove(self.list.tail);
        }
        let s = self.table.insert(req.key, req.size, req.expiry(), ());
        self.list.push_head(&mut self.table.nodes, s);
    }

    remove_by_drop_slot!();

    resident_accessors!(|p| used: p.list.bytes, len: p.list.len);
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn evicts_least_recent() {
        let mut p = build("lru", 3);
        // 1 2 3 fill; 1 hits (order 1 3 2); 4 evicts 2 (4 1 3); 2 misses and evicts 3 (2 4 1); 1 hits.
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 1, 4, 2, 1]), "mmmHmmH");
    }

    #[test]
    fn oversized_object_not_inserted() {
        let mut p = build("lru", 10);
        let r = crate::model::request::Request::get(1, 11);
        assert!(!p.access(&r));
        assert!(!p.contains(1));
        assert_eq!(p.used(), 0);
    }

    #[test]
    fn ttl_expiry_is_a_miss() {
        let mut p = build("lru", 10);
        let mut r = crate::model::request::Request::get(1, 1);
        r.ttl = 100;
        assert!(!p.access(&r));
        r.time = 99;
        assert!(p.access(&r));
        r.time = 100;
        assert!(!p.access(&r), "expired at insert time + ttl");
        assert_eq!(p.counters().expirations, 1);
        assert!(p.contains(1), "re-inserted after the expired miss");
    }
}
