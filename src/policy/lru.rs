//! LRU: evict the least recently used object. A hit moves the object to the head of one list.

use super::core::list::List;
use super::core::resident::{Ordering, Resident, Store};
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
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
pub type Lru = Resident<ListOrder<true>>;

impl Lru {
    /// An empty LRU cache of `capacity` bytes (or objects).
    pub fn new(capacity: u64) -> Self {
        Resident::with_order(capacity, ListOrder::default())
    }
}

/// One list, newest at the head, the tail evicted: LRU when a hit moves the object to the head
/// (`PROMOTE`), FIFO (insertion order) when it does not.
#[derive(Default)]
pub struct ListOrder<const PROMOTE: bool> {
    list: List,
}

impl<const PROMOTE: bool> Ordering for ListOrder<PROMOTE> {
    type Meta = ();

    #[inline]
    fn hit(&mut self, s: &mut Store<()>, slot: u32, _: &Request) {
        if PROMOTE {
            self.list.move_to_head(&mut s.table.nodes, slot);
        }
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<()>, slot: u32, _: &Request) {
        self.list.push_head(&mut s.table.nodes, slot);
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<()>, slot: u32) {
        self.list.unlink(&mut s.table.nodes, slot);
    }

    #[inline]
    fn victim(&mut self, _: &mut Store<()>, _: &Request) -> u32 {
        self.list.tail
    }

    #[inline]
    fn next_victim(&self) -> u32 {
        self.list.tail
    }
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
