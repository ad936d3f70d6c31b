//! Random-two (libCacheSim's `RandomTwo`): to evict, draw two cached objects at random (seeded)
//! and evict the less recently used; the power of two choices applied to LRU.
//!
//! It is [`super::random_lru`] with two samples, drawn as libCacheSim draws them
//! ([`super::core::buckets::Buckets`]); the generator starts in state `seed` (libCacheSim's
//! simulator uses 0).

use super::random_lru::RandomLru;
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "random-two",
    aliases: &["randomtwo", "random2"],
    summary: "Random-two: evicts the less recently used of two random samples (seeded; libCacheSim's RandomTwo).",
    params: &[],
    build,
    caps: Caps::NONE,
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(RandomLru::new(ctx.capacity, 2, ctx.seed)))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};

    #[test]
    fn two_choices() {
        // Capacity 2: both cached objects are candidates; two draws see the older one with
        // probability 3/4, so over many runs the LRU victim dominates. Here: seeded, repeatable,
        // and with capacity 1 always the only object.
        let mut p = build("random-two", 1);
        assert_eq!(pattern(&mut *p, &[1, 2, 2, 1, 1]), "mmHmH");
        let keys: Vec<u64> = (0..3000).map(|i| (i * 7919) % 60).collect();
        assert_eq!(
            pattern(&mut *build("random-two", 20), &keys),
            pattern(&mut *build("random-two", 20), &keys)
        );
        let mut z = build("random-two", 0);
        assert_eq!(pattern(&mut *z, &[1, 1]), "mm");
        let e = super::super::PolicySpec::parse("random-two:k=3").unwrap_err();
        assert!(e.contains("takes no parameters"), "{e}");
    }

    #[test]
    fn prefers_the_older_of_two() {
        // Capacity 2 with keys alternating between a hot key and new keys: the hot key is the more
        // recent of the two most of the time, so it survives far more often than under random.
        let mut keys = Vec::new();
        for i in 0..4000u64 {
            keys.push(0);
            keys.push(1000 + i);
        }
        let hits = pattern(&mut *build("random-two", 2), &keys).matches('H').count();
        // Under LRU key 0 hits every time after the first (3999); two choices keep it at least
        // 3/4 of the time.
        assert!(hits > 2900, "{hits}");
    }
}
