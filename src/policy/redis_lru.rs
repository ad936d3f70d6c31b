//! Redis's approximated LRU (`maxmemory-policy allkeys-lru`, Redis 3.0 and later).
//!
//! Each object stores a 24-bit LRU clock: the simulated time (`req.time`) divided by `resolution`
//! (Redis: `LRU_CLOCK_RESOLUTION` = 1000 ms), set on creation and on every hit. To evict, `samples`
//! keys are sampled and merged by idle time into the eviction pool of [`super::redis_pool`]; the
//! most idle pool entry that still exists is evicted, one key per round. Idle time is computed as
//! `estimateObjectIdleTime` does, wrapping once around the 24-bit clock (every 2^24 × resolution,
//! 194 days at 1 s). See antirez, "Random notes on improving the Redis LRU algorithm" (2016) and
//! the Redis documentation "Key eviction".
//!
//! With `samples` at least the number of cached keys, `pool=1`, and a resolution finer than the
//! gaps between requests, this is exact LRU. With a larger pool it is not quite, even then: pool
//! scores are not refreshed, so a key sampled while idle and hit afterwards may still be evicted
//! on its old score, as in Redis. See [`super::redis_pool`] for what is not modelled.

use super::redis_pool::{self, Sampled, Score};
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::units::parse_duration;
use rand::rngs::SmallRng;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "redis-lru",
    aliases: &["allkeys-lru"],
    summary: "Redis allkeys-lru: 24-bit LRU clock, sampled keys merged into a 16-entry eviction pool \
              (uniform sampling; no per-DB dicts, lazy-free or maxmemory overhead accounting).",
    params: &[
        redis_pool::SAMPLES,
        ParamInfo {
            name: "resolution",
            default: "1s",
            help: "LRU clock tick on the simulated clock (Redis LRU_CLOCK_RESOLUTION = 1s), a duration \
                   greater than zero such as 1s or 1ms; keys touched within one tick look equally idle",
        },
        redis_pool::POOL,
    ],
    build,
    caps: Caps {
        reads_clock: true,
        ..Caps::NONE
    },
};

/// Redis's `LRU_CLOCK_MAX`: the object field has 24 bits.
pub const LRU_CLOCK_MAX: u64 = (1 << 24) - 1;

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let (samples, pool) = redis_pool::parse_sampling(p)?;
    let raw: String = p.get("resolution", ("a duration such as 1s or 1ms", |_: &String| true))?;
    let resolution = parse_duration(&raw)
        .ok()
        .filter(|&r| r > 0)
        .ok_or_else(|| format!("policy redis-lru: parameter resolution={raw} is invalid; it must be a duration greater than zero such as 1s or 1ms"))?;
    Ok(Box::new(RedisLru::new(
        ctx.capacity,
        ctx.seed,
        samples,
        pool,
        resolution,
    )))
}

/// The LRU clock scoring: idle ticks since the last access.
#[derive(Clone, Copy, Debug)]
pub struct LruClock {
    /// Nanoseconds per tick.
    resolution: u64,
}

impl Score for LruClock {
    /// `getLRUClock`: the 24-bit clock at `now`.
    #[inline]
    fn clock(&self, now: u64) -> u32 {
        ((now / self.resolution) & LRU_CLOCK_MAX) as u32
    }

    #[inline]
    fn init(&self, clock: u32) -> u32 {
        clock
    }

    #[inline]
    fn touch(&self, _: u32, clock: u32, _: &mut SmallRng) -> u32 {
        clock
    }

    /// `estimateObjectIdleTime` in ticks, wrapping as Redis does.
    #[inline]
    fn idle(&self, field: u32, clock: u32) -> u64 {
        let (clock, lru) = (clock as u64, field as u64);
        if clock >= lru {
            clock - lru
        } else {
            clock + (LRU_CLOCK_MAX - lru)
        }
    }
}

/// The Redis approximated-LRU cache.
pub type RedisLru = Sampled<LruClock>;

impl RedisLru {
    /// An empty cache: `samples` keys per eviction, a pool of `pool`, a clock ticking every
    /// `resolution` nanoseconds.
    pub fn new(capacity: u64, seed: u64, samples: usize, pool: usize, resolution: u64) -> Self {
        Sampled::with_score(capacity, seed, samples, pool, LruClock { resolution })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;
    use crate::model::request::{Request, NANOS_PER_SEC};
    use rand::{Rng, SeedableRng};
    use rand_distr::{Distribution, Zipf};

    /// Replays `(time, key)` pairs of unit size; returns the hit/miss pattern.
    fn timed(p: &mut dyn Policy, reqs: &[(u64, u64)]) -> String {
        reqs.iter()
            .map(|&(t, k)| {
                let mut r = Request::get(k, 1);
                r.time = t;
                if p.access(&r) {
                    'H'
                } else {
                    'm'
                }
            })
            .collect()
    }

    #[test]
    fn full_sample_and_one_entry_pool_is_lru() {
        // testkit::pattern puts request i at i ns; a 1 ns clock makes every access time distinct.
        // Same sequence as lru::tests::evicts_least_recent: 4 evicts 2, then 2 evicts 3.
        let mut p = build("redis-lru:samples=3,pool=1,resolution=1ns", 3);
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 1, 4, 2, 1]), "mmmHmmH");
    }

    #[test]
    fn stale_pool_entry_evicts_a_recently_used_key() {
        // Capacity 2, every key sampled, 1 ns clock.
        // t=0 J, t=1 K. t=10 V: sampled J (idle 10), K (idle 9): pool [K9 J10]; J is evicted, K9 stays.
        // t=12 K hits (fresh clock 12). t=13 W: sampled K (idle 1), V (idle 3): pool [K1 V3 K9].
        // The best entry is the stale K9 and K exists, so K is evicted although V is older.
        // Exact LRU (and pool=1, which keeps no entries between evictions) evicts V instead.
        let reqs = [(0, 1), (1, 2), (10, 3), (12, 2), (13, 4)];
        for (spec, kept, gone) in [
            ("redis-lru:samples=2,resolution=1ns", 3, 2),
            ("redis-lru:samples=2,pool=1,resolution=1ns", 2, 3),
            ("lru", 2, 3),
        ] {
            let mut p = build(spec, 2);
            assert_eq!(timed(&mut *p, &reqs), "mmmHm", "{spec}");
            assert!(p.contains(4) && p.contains(kept) && !p.contains(gone), "{spec}");
        }
    }

    #[test]
    fn coarse_clock_cannot_tell_recent_from_old() {
        // Capacity 2, samples 2, pool 1. All within one 1 s tick: 1 and 2 look equally idle, so the
        // first sampled one stays in the 1-entry pool; with a 1 ns clock 1 (older) is always evicted.
        let reqs = [(0, 1), (1, 2), (2, 1), (3, 3)];
        let mut fine = build("redis-lru:samples=2,pool=1,resolution=1ns", 2);
        assert_eq!(timed(&mut *fine, &reqs), "mmHm");
        assert!(fine.contains(1) && !fine.contains(2), "fine clock evicts the LRU key 2");
        // With the 1 s clock the choice depends on the sample order: over seeds, both keys go.
        let mut evicted = [false; 2];
        for seed in 0..32 {
            let spec = crate::policy::PolicySpec::parse("redis-lru:samples=2,pool=1").unwrap();
            let mut p = spec.build(&BuildCtx { capacity: 2, seed }).unwrap();
            timed(&mut *p, &reqs);
            evicted[0] |= !p.contains(1);
            evicted[1] |= !p.contains(2);
        }
        assert_eq!(evicted, [true, true]);
    }

    #[test]
    fn lru_clock_wraps_like_redis() {
        let c = LruClock { resolution: 1 };
        // estimateObjectIdleTime: lru 10 ticks before the 2^24 wrap, clock 5 after it.
        assert_eq!(c.idle((LRU_CLOCK_MAX - 10) as u32, c.clock(LRU_CLOCK_MAX + 1 + 5)), 15);
        assert_eq!(c.idle(3, c.clock(10)), 7);
        let c = LruClock {
            resolution: NANOS_PER_SEC,
        };
        assert_eq!(c.clock(2_500_000_000), 2);
    }

    #[test]
    fn bad_parameters_are_errors() {
        for bad in [
            "redis-lru:resolution=0s",
            "redis-lru:resolution=5",
            "redis-lru:samples=0",
            "redis-lru:pool=0",
        ] {
            assert!(crate::policy::PolicySpec::parse(bad).is_err(), "{bad}");
        }
    }

    /// Unit-size requests, one every `gap` ns.
    fn reqs(keys: &[u64], gap: u64) -> Vec<Request> {
        keys.iter()
            .enumerate()
            .map(|(i, &k)| {
                let mut r = Request::get(k, 1);
                r.time = i as u64 * gap;
                r
            })
            .collect()
    }

    fn misses(spec: &str, cap: u64, seed: u64, reqs: &[Request]) -> u64 {
        let spec = crate::policy::PolicySpec::parse(spec).unwrap();
        let mut p = spec.build(&BuildCtx { capacity: cap, seed }).unwrap();
        reqs.iter().filter(|r| !p.access(r)).count() as u64
    }

    #[test]
    fn full_sampling_matches_lru_on_random_traces() {
        // Independent check: the list-based `lru` policy. Requests 1 µs apart, clock 1 µs.
        let mut rng = SmallRng::seed_from_u64(11);
        for round in 0..40 {
            let cap = rng.random_range(1..40u64);
            let universe = rng.random_range(2..120u64);
            let keys: Vec<u64> = (0..3000).map(|_| rng.random_range(0..universe)).collect();
            let r = reqs(&keys, 1000);
            let spec = format!("redis-lru:samples={cap},pool=1,resolution=1us");
            let (ours, lru) = (misses(&spec, cap, round, &r), misses("lru", cap, 0, &r));
            assert_eq!(ours, lru, "round {round}: cap {cap}, {universe} keys");
        }
    }

    #[test]
    fn zipf_hit_ratio_between_random_and_lru() {
        // 200k requests over 10k keys, Zipf(1.0), one request every 10 ms so the default 1 s clock
        // ticks every 100 requests; cache of 1000 objects.
        let mut rng = SmallRng::seed_from_u64(5);
        let zipf = Zipf::new(10_000.0, 1.0).unwrap();
        let keys: Vec<u64> = (0..200_000).map(|_| zipf.sample(&mut rng) as u64).collect();
        let r = reqs(&keys, 10_000_000);
        let hr = |m: u64| 1.0 - m as f64 / r.len() as f64;
        let (random, redis, lru) = (
            hr(misses("random", 1000, 1, &r)),
            hr(misses("redis-lru", 1000, 1, &r)),
            hr(misses("lru", 1000, 1, &r)),
        );
        eprintln!("zipf hit ratio: random {random:.4} redis-lru {redis:.4} lru {lru:.4}");
        assert!(
            random < redis && redis < lru,
            "random {random:.4} redis-lru {redis:.4} lru {lru:.4}"
        );
    }
}
