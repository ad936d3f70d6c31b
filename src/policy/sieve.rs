//! SIEVE (Zhang et al., NSDI 2024): a FIFO queue with a visited bit and a moving hand.
//!
//! New objects go to the head unvisited; a hit sets the bit. The hand walks from the tail towards
//! the head clearing bits, wraps past the head to the tail, evicts the first unvisited object and
//! stays at the next newer one for the following eviction.

use super::core::list::List;
use super::core::resident::{Ordering, Resident, Store};
use super::core::table::NIL;
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
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
pub type Sieve = Resident<SieveOrder>;

impl Sieve {
    /// An empty SIEVE cache.
    pub fn new(capacity: u64) -> Self {
        Resident::with_order(
            capacity,
            SieveOrder {
                list: List::default(),
                hand: NIL,
            },
        )
    }
}

/// SIEVE's order: a list in insertion order, a visited bit per object (node meta) and a hand that
/// moves from the tail towards the head, wrapping.
pub struct SieveOrder {
    list: List,
    hand: u32,
}

impl Ordering for SieveOrder {
    type Meta = bool;

    #[inline]
    fn hit(&mut self, s: &mut Store<bool>, slot: u32, _: &Request) {
        s.table.node_mut(slot).meta = true;
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<bool>, slot: u32, _: &Request) {
        self.list.push_head(&mut s.table.nodes, slot);
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<bool>, slot: u32) {
        if self.hand == slot {
            self.hand = s.table.node(slot).prev;
        }
        self.list.unlink(&mut s.table.nodes, slot);
    }

    /// The hand clears visited bits until it finds an unvisited object, and stays there.
    fn victim(&mut self, s: &mut Store<bool>, _: &Request) -> u32 {
        let mut h = if self.hand == NIL { self.list.tail } else { self.hand };
        loop {
            let n = s.table.node_mut(h);
            if !n.meta {
                break;
            }
            n.meta = false;
            h = if n.prev == NIL { self.list.tail } else { n.prev };
        }
        self.hand = h;
        h
    }
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
