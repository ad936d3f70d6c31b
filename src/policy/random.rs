//! Random eviction, seeded: the victim is drawn uniformly from the cached objects.

use super::core::dense::Dense;
use super::core::resident::{Ordering, Resident, Store};
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
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
pub type Random = Resident<RandomOrder>;

impl Random {
    /// An empty cache drawing victims from a generator seeded with `seed`.
    pub fn new(capacity: u64, seed: u64) -> Self {
        Resident::with_order(
            capacity,
            RandomOrder {
                dense: Dense::new(),
                rng: SmallRng::seed_from_u64(seed),
            },
        )
    }
}

/// No order: the cached slots in a dense array (node meta: the position), a victim drawn uniformly.
pub struct RandomOrder {
    dense: Dense<u32>,
    rng: SmallRng,
}

impl Ordering for RandomOrder {
    type Meta = u32;

    #[inline]
    fn hit(&mut self, _: &mut Store<u32>, _: u32, _: &Request) {}

    #[inline]
    fn admit(&mut self, s: &mut Store<u32>, slot: u32, _: &Request) {
        s.table.node_mut(slot).meta = self.dense.push(slot);
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<u32>, slot: u32) {
        let pos = s.table.node(slot).meta;
        if let Some(moved) = self.dense.swap_remove(pos) {
            s.table.node_mut(moved).meta = pos;
        }
    }

    #[inline]
    fn victim(&mut self, _: &mut Store<u32>, _: &Request) -> u32 {
        self.dense[self.rng.random_range(0..self.dense.len()) as u32]
    }
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
