//! Random eviction, seeded: the victim is drawn uniformly from the cached objects.

use super::table::{Found, Table};
use super::{BuildCtx, Caps, Counters, Params, Policy, PolicyInfo};
use crate::model::request::Request;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "random",
    aliases: &["rand", "rr"],
    summary: "Random replacement: a uniformly drawn victim (seeded, so runs repeat).",
    params: &[],
    build,
    caps: Caps::NONE,
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(Random::new(ctx.capacity, ctx.seed)))
}

/// The random-eviction cache.
pub struct Random {
    /// Node meta: position in `dense`.
    table: Table<u32>,
    dense: Vec<u32>,
    used: u64,
    capacity: u64,
    rng: SmallRng,
    counters: Counters,
}

impl Random {
    /// An empty cache drawing victims from a generator seeded with `seed`.
    pub fn new(capacity: u64, seed: u64) -> Self {
        Random {
            table: Table::new(),
            dense: Vec::new(),
            used: 0,
            capacity,
            rng: SmallRng::seed_from_u64(seed),
            counters: Counters::default(),
        }
    }

    fn drop_slot(&mut self, slot: u32) {
        let pos = self.table.node(slot).meta as usize;
        self.dense.swap_remove(pos);
        if pos < self.dense.len() {
            let moved = self.dense[pos];
            self.table.node_mut(moved).meta = pos as u32;
        }
        self.used -= self.table.node(slot).size;
        self.table.remove(slot);
    }
}

impl Policy for Random {
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
        while self.used + size > self.capacity {
            let victim = self.dense[self.rng.random_range(0..self.dense.len())];
            let key = self.table.node(victim).key;
            self.drop_slot(victim);
            self.counters.evicted(key);
        }
        let s = self
            .table
            .insert(req.key, req.size, req.expiry(), self.dense.len() as u32);
        self.dense.push(s);
        self.used += size;
    }

    remove_by_drop_slot!();

    resident_accessors!(|p| used: p.used, len: p.dense.len());
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn seeded_and_uniform() {
        // Same seed, same victims.
        let keys: Vec<u64> = (0..2000).map(|i| (i * 7919) % 50).collect();
        let a = pattern(&mut *build("random", 10), &keys);
        let b = pattern(&mut *build("random", 10), &keys);
        assert_eq!(a, b);
        // Uniform keys over 50 with room for 10: the hit ratio of random replacement is C/N = 0.2.
        let mut x: u64 = 1;
        let keys: Vec<u64> = (0..200_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % 50
            })
            .collect();
        let hits = pattern(&mut *build("random", 10), &keys).matches('H').count() as f64 / keys.len() as f64;
        assert!((hits - 0.2).abs() < 0.01, "hit ratio {hits}");
    }
}
