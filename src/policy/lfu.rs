//! LFU with O(1) frequency buckets, as libCacheSim's `LFU`.
//!
//! Counts are in-cache only: a new object starts at 1 and nothing is remembered after eviction.
//! Objects with equal counts are ordered by when they reached that count; the victim is the least
//! recently promoted object of the lowest count. Buckets form a list ordered by count, so memory
//! stays proportional to the cached objects.

use super::core::freq::{FreqLink, FreqList};
use super::core::resident::{Ordering, Resident, Store};
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "lfu",
    aliases: &["least-frequently-used"],
    summary: "Least frequently used (in-cache counts); ties go to the least recently promoted.",
    params: &[],
    build,
    caps: Caps::NONE,
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(Lfu::new(ctx.capacity)))
}

/// The LFU cache.
pub type Lfu = Resident<LfuOrder>;

impl Lfu {
    /// An empty LFU cache.
    pub fn new(capacity: u64) -> Self {
        Resident::with_order(capacity, LfuOrder::default())
    }
}

/// LFU's order: the frequency-bucket list.
#[derive(Default)]
pub struct LfuOrder {
    freq: FreqList,
}

impl Ordering for LfuOrder {
    type Meta = FreqLink;

    #[inline]
    fn hit(&mut self, s: &mut Store<FreqLink>, slot: u32, _: &Request) {
        self.freq.bump(&mut s.table.nodes, slot);
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<FreqLink>, slot: u32, _: &Request) {
        self.freq.push_new(&mut s.table.nodes, slot);
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<FreqLink>, slot: u32) {
        self.freq.unlink(&mut s.table.nodes, slot);
    }

    #[inline]
    fn victim(&mut self, _: &mut Store<FreqLink>, _: &Request) -> u32 {
        self.freq.oldest_of_lowest()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn evicts_lowest_count_then_least_recently_promoted() {
        let mut p = build("lfu", 3);
        // 1 x3, 2 x2, 3 x1; 4 evicts 3 (count 1); 3 then evicts 4 (count 1, the only one at 1).
        assert_eq!(pattern(&mut *p, &[1, 1, 1, 2, 2, 3, 4, 3, 2, 1]), "mHHmHmmmHH");
        // Tie at count 2: 5 and 6 reach 2 in that order; the victim is 5 (promoted earlier).
        let mut p = build("lfu", 2);
        assert_eq!(pattern(&mut *p, &[5, 6, 5, 6, 7, 6, 5]), "mmHHmHm");
    }
}
