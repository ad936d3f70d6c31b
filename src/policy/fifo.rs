//! FIFO: evict the oldest inserted object; hits change nothing.

use super::core::resident::Resident;
use super::lru::ListOrder;
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};

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

/// The FIFO cache: LRU's list without the move on a hit.
pub type Fifo = Resident<ListOrder<false>>;

impl Fifo {
    /// An empty FIFO cache.
    pub fn new(capacity: u64) -> Self {
        Resident::with_order(capacity, ListOrder::default())
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
