//! FIFO: evict the oldest inserted object; hits change nothing.

use super::core::list::List;
use super::core::resident::{Ordering, Resident, Store};
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
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
pub type Fifo = Resident<FifoOrder>;

impl Fifo {
    /// An empty FIFO cache.
    pub fn new(capacity: u64) -> Self {
        Resident::with_order(capacity, FifoOrder::default())
    }
}

/// FIFO's order: one list in insertion order, newest at the head.
#[derive(Default)]
pub struct FifoOrder {
    list: List,
}

impl Ordering for FifoOrder {
    type Meta = ();

    #[inline]
    fn hit(&mut self, _: &mut Store<()>, _: u32, _: &Request) {}

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
    fn evicts_oldest_inserted_even_if_hit() {
        let mut p = build("fifo", 3);
        // 1 2 3 fill; 1 hits but stays oldest; 4 evicts 1; 1 misses (evicts 2); 3 hits.
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 1, 4, 1, 3, 2]), "mmmHmmHm");
    }
}
