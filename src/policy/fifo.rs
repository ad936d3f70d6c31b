//! FIFO: evict the oldest inserted object; hits change nothing.

use super::table::{Found, List, Table};
use super::{BuildCtx, Caps, Counters, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "fifo",
    aliases: &["first-in-first-out"],
    summary: "First in, first out: objects leave in insertion order; hits change nothing.",
    params: &[],
    build,
    caps: Caps::NONE,
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(Fifo::new(ctx.capacity)))
}

/// The FIFO cache.
pub struct Fifo {
    table: Table<()>,
    list: List,
    capacity: u64,
    counters: Counters,
}

impl Fifo {
    /// An empty FIFO cache.
    pub fn new(capacity: u64) -> Self {
        Fifo {
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

impl Policy for Fifo {
    rewrite_in_table!();
    prefetch_table!();

    #[inline]
    fn get(&mut self, req: &Request) -> bool {
        match self.table.lookup(req.key, req.time) {
            Found::Hit(_) => true,
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
    fn evicts_oldest_inserted_even_if_hit() {
        let mut p = build("fifo", 3);
        // 1 2 3 fill; 1 hits but stays oldest; 4 evicts 1; 1 misses (evicts 2); 3 hits.
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 1, 4, 1, 3, 2]), "mmmHmmHm");
    }
}
