//! LFU with O(1) frequency buckets, as libCacheSim's `LFU`.
//!
//! Counts are in-cache only: a new object starts at 1 and nothing is remembered after eviction.
//! Objects with equal counts are ordered by when they reached that count; the victim is the least
//! recently promoted object of the lowest count. Buckets form a list ordered by count, so memory
//! stays proportional to the cached objects.

use super::table::{Found, List, Table, NIL};
use super::{BuildCtx, Caps, Counters, Params, Policy, PolicyInfo};
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

#[derive(Clone, Copy)]
struct Bucket {
    freq: u64,
    list: List,
    /// Bucket with the next higher count.
    up: u32,
    /// Bucket with the next lower count.
    down: u32,
}

/// The LFU cache.
pub struct Lfu {
    /// Node meta: the bucket holding the node.
    table: Table<u32>,
    buckets: Vec<Bucket>,
    free_buckets: Vec<u32>,
    /// Bucket with the lowest count (NIL when empty).
    lowest: u32,
    used: u64,
    len: usize,
    capacity: u64,
    counters: Counters,
}

impl Lfu {
    /// An empty LFU cache.
    pub fn new(capacity: u64) -> Self {
        Lfu {
            table: Table::new(),
            buckets: Vec::new(),
            free_buckets: Vec::new(),
            lowest: NIL,
            used: 0,
            len: 0,
            capacity,
            counters: Counters::default(),
        }
    }

    /// A new empty bucket for `freq`, linked between `down` and `up`.
    fn new_bucket(&mut self, freq: u64, down: u32, up: u32) -> u32 {
        let b = Bucket {
            freq,
            list: List::default(),
            up,
            down,
        };
        let id = match self.free_buckets.pop() {
            Some(id) => {
                self.buckets[id as usize] = b;
                id
            }
            None => {
                self.buckets.push(b);
                (self.buckets.len() - 1) as u32
            }
        };
        if down != NIL {
            self.buckets[down as usize].up = id;
        } else {
            self.lowest = id;
        }
        if up != NIL {
            self.buckets[up as usize].down = id;
        }
        id
    }

    /// Frees bucket `b` if it is empty.
    fn release_if_empty(&mut self, b: u32) {
        let bk = self.buckets[b as usize];
        if !bk.list.is_empty() {
            return;
        }
        if bk.down != NIL {
            self.buckets[bk.down as usize].up = bk.up;
        } else {
            self.lowest = bk.up;
        }
        if bk.up != NIL {
            self.buckets[bk.up as usize].down = bk.down;
        }
        self.free_buckets.push(b);
    }

    fn drop_slot(&mut self, slot: u32) {
        let b = self.table.node(slot).meta;
        self.buckets[b as usize].list.unlink(&mut self.table.nodes, slot);
        self.used -= self.table.node(slot).size;
        self.len -= 1;
        self.table.remove(slot);
        self.release_if_empty(b);
    }
}

impl Policy for Lfu {
    rewrite_in_table!();
    prefetch_table!();

    #[inline]
    fn get(&mut self, req: &Request) -> bool {
        match self.table.lookup(req.key, req.time) {
            Found::Hit(s) => {
                let b = self.table.node(s).meta;
                let (freq, up) = (self.buckets[b as usize].freq, self.buckets[b as usize].up);
                let target = if up != NIL && self.buckets[up as usize].freq == freq + 1 {
                    up
                } else {
                    self.new_bucket(freq + 1, b, up)
                };
                self.buckets[b as usize].list.unlink(&mut self.table.nodes, s);
                self.buckets[target as usize].list.push_head(&mut self.table.nodes, s);
                self.table.node_mut(s).meta = target;
                self.release_if_empty(b);
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
        while self.used + size > self.capacity {
            let victim = self.buckets[self.lowest as usize].list.tail;
            let key = self.table.node(victim).key;
            self.drop_slot(victim);
            self.counters.evicted(key);
        }
        let b = if self.lowest != NIL && self.buckets[self.lowest as usize].freq == 1 {
            self.lowest
        } else {
            let up = self.lowest;
            self.new_bucket(1, NIL, up)
        };
        let s = self.table.insert(req.key, req.size, req.expiry(), b);
        self.buckets[b as usize].list.push_head(&mut self.table.nodes, s);
        self.used += size;
        self.len += 1;
    }

    remove_by_drop_slot!();

    resident_accessors!(|p| used: p.used, len: p.len);
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
