//! CLOCK with an n-bit counter (libCacheSim's `Clock`, default 1 bit = second chance).
//!
//! A new object starts at 0; a hit raises its counter to at most 2^bits - 1. To evict, the object at
//! the tail with a non-zero counter is decremented and moved to the head; the first with 0 is evicted.

use super::core::list::List;
use super::core::resident::{Ordering, Resident, Store};
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "clock",
    aliases: &["second-chance"],
    summary: "CLOCK: FIFO with a reference counter; a referenced object gets another round.",
    params: &[super::ParamInfo {
        name: "bits",
        default: "1",
        help: "counter bits, 1 to 8 (1 = classic second chance)",
    }],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let bits: u32 = p.get("bits", ("an integer from 1 to 8", |b: &u32| (1..=8).contains(b)))?;
    Ok(Box::new(Clock::new(ctx.capacity, bits)))
}

/// The CLOCK cache.
pub type Clock = Resident<ClockOrder>;

impl Clock {
    /// An empty CLOCK cache with `bits`-bit counters.
    pub fn new(capacity: u64, bits: u32) -> Self {
        Resident::with_order(
            capacity,
            ClockOrder {
                list: List::default(),
                max: ((1u32 << bits) - 1) as u8,
            },
        )
    }
}

/// CLOCK's order: a ring (a list whose tail is the hand) and a counter per object (node meta).
pub struct ClockOrder {
    list: List,
    max: u8,
}

impl Ordering for ClockOrder {
    type Meta = u8;

    #[inline]
    fn hit(&mut self, s: &mut Store<u8>, slot: u32, _: &Request) {
        let n = s.table.node_mut(slot);
        if n.meta < self.max {
            n.meta += 1;
        }
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<u8>, slot: u32, _: &Request) {
        self.list.push_head(&mut s.table.nodes, slot);
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<u8>, slot: u32) {
        self.list.unlink(&mut s.table.nodes, slot);
    }

    /// The hand passes objects with a non-zero counter, decrementing it (to the head), and stops
    /// at the first at zero.
    fn victim(&mut self, s: &mut Store<u8>, _: &Request) -> u32 {
        loop {
            let t = self.list.tail;
            let c = s.table.node(t).meta;
            if c == 0 {
                return t;
            }
            s.table.node_mut(t).meta = c - 1;
            self.list.move_to_head(&mut s.table.nodes, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn second_chance() {
        let mut p = build("clock", 3);
        // 1 2 3 fill; 1 hit (bit set); 4: tail 1 has bit -> cleared, to head; 2 evicted.
        // 1 hits; 2 misses: tail is 3 (bit 0) -> evicted.
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 1, 4, 1, 2, 3]), "mmmHmHmm");
    }

    #[test]
    fn two_bit_counter_survives_two_rounds() {
        let mut p = build("clock:bits=2", 2);
        // 1 hit twice -> counter 2. 3: 1 decremented to 1 and moved to the head; 2 evicted (3 1).
        // 4: 1 decremented to 0 and moved; 3 evicted (4 1). 1 still hits: it survived two rounds.
        assert_eq!(pattern(&mut *p, &[1, 1, 1, 2, 3, 4, 1]), "mHHmmmH");
    }
}
