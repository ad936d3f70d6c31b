//! CLOCK with an n-bit counter (libCacheSim's `Clock`, default 1 bit = second chance).
//!
//! A new object starts at 0; a hit raises its counter to at most 2^bits - 1. To evict, the object at
//! the tail with a non-zero counter is decremented and moved to the head; the first with 0 is evicted.

use super::table::{Found, List, Table};
use super::{BuildCtx, Caps, Counters, Params, Policy, PolicyInfo};
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
pub struct Clock {
    table: Table<u8>,
    list: List,
    capacity: u64,
    max: u8,
    counters: Counters,
}

impl Clock {
    /// An empty CLOCK cache with `bits`-bit counters.
    pub fn new(capacity: u64, bits: u32) -> Self {
        Clock {
            table: Table::new(),
            list: List::default(),
            capacity,
            max: ((1u32 << bits) - 1) as u8,
            counters: Counters::default(),
        }
    }

    fn drop_slot(&mut self, slot: u32) {
        self.list.unlink(&mut self.table.nodes, slot);
        self.table.remove(slot);
    }

    fn evict_one(&mut self) {
        loop {
            let t = self.list.tail;
            let c = self.table.node(t).meta;
            if c > 0 {
                self.table.node_mut(t).meta = c - 1;
                self.list.move_to_head(&mut self.table.nodes, t);
            } else {
                let key = self.table.node(t).key;
                self.drop_slot(t);
                self.counters.evicted(key);
                return;
            }
        }
    }
}

impl Policy for Clock {
    rewrite_in_table!();
    prefetch_table!();

    #[inline]
    fn get(&mut self, req: &Request) -> bool {
        match self.table.lookup(req.key, req.time) {
            Found::Hit(s) => {
                let n = self.table.node_mut(s);
                if n.meta < self.max {
                    n.meta += 1;
                }
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
        let s = self.table.insert(req.key, req.size, req.expiry(), 0);
        self.list.push_head(&mut self.table.nodes, s);
    }

    remove_by_drop_slot!();

    resident_accessors!(|p| used: p.list.bytes, len: p.list.len);
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
