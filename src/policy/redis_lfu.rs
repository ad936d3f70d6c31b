//! Redis's approximated LFU (`maxmemory-policy allkeys-lfu`, Redis 4.0 and later).
//!
//! Each object's 24-bit field holds a 16-bit minute clock (the last decrement time, `ldt`) and an
//! 8-bit logarithmic counter. A new object starts at `LFU_INIT_VAL` = 5. A hit first decays the
//! counter by one per `decay_time` minutes elapsed since `ldt` (`LFUDecrAndReturn`), then increments
//! it with probability 1 / ((counter - 5) × `log_factor` + 1) (`LFULogIncr`, counters below 5 always
//! increment, 255 saturates), and sets `ldt` to the current minute. Minutes are read from the
//! simulated clock (`req.time / 60 s`, kept to 16 bits and wrapping as Redis's `LFUTimeElapsed`).
//! To evict, sampled keys are scored 255 − (decayed counter) and merged into the eviction pool of
//! [`super::redis_pool`]; sampling does not store the decay, as in Redis. See antirez, "Redis 4.0:
//! LFU mode" (2016), and the Redis documentation "Key eviction".
//!
//! See [`super::redis_pool`] for what is not modelled.

use super::redis_pool::{self, Sampled, Score};
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use rand::rngs::SmallRng;
use rand::Rng;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "redis-lfu",
    aliases: &["allkeys-lfu"],
    summary: "Redis allkeys-lfu: 8-bit logarithmic counter decaying per minute of simulated time, sampled \
              into a 16-entry eviction pool (uniform sampling; no per-DB dicts, lazy-free or memory overhead).",
    params: &[
        redis_pool::SAMPLES,
        ParamInfo {
            name: "log_factor",
            default: "10",
            help: "Redis lfu-log-factor, an integer >= 0: a hit raises counter c with probability \
                   1/((c-5)*log_factor+1); 0 counts every hit",
        },
        ParamInfo {
            name: "decay_time",
            default: "1",
            help: "Redis lfu-decay-time, whole minutes of simulated time per count lost while unused; 0 never decays",
        },
        redis_pool::POOL,
    ],
    build,
    caps: Caps {
        reads_clock: true,
        ..Caps::NONE
    },
};

/// Redis's `LFU_INIT_VAL`: the counter of a new object.
pub const LFU_INIT_VAL: u32 = 5;

const NANOS_PER_MIN: u64 = 60 * crate::model::request::NANOS_PER_SEC;

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let (samples, pool) = redis_pool::parse_sampling(p)?;
    let log_factor: u32 = p.get("log_factor", ("an integer of at least 0", |_: &u32| true))?;
    let decay_time: u32 = p.get("decay_time", ("a whole number of minutes, 0 or more", |_: &u32| true))?;
    Ok(Box::new(RedisLfu::new(
        ctx.capacity,
        ctx.seed,
        samples,
        pool,
        log_factor,
        decay_time,
    )))
}

/// The LFU counter scoring: field = `ldt << 8 | counter`, clock = the 16-bit minute.
#[derive(Clone, Debug)]
pub struct LfuCounter {
    /// Per counter value c, the increment probability 1/((c-5)*log_factor+1) scaled to 2^64
    /// (`u64::MAX` standing for 1), so a hit draws one integer and divides nothing.
    incr_below: [u64; 256],
    /// Minutes per decrement; 0 = no decay.
    decay_time: u32,
}

impl LfuCounter {
    /// The scoring for Redis's `lfu-log-factor` and `lfu-decay-time`.
    pub fn new(log_factor: u32, decay_time: u32) -> Self {
        let mut incr_below = [u64::MAX; 256];
        for (c, t) in incr_below.iter_mut().enumerate() {
            let base = (c as u32).saturating_sub(LFU_INIT_VAL) as f64;
            let p = 1.0 / (base * log_factor as f64 + 1.0);
            if p < 1.0 {
                *t = (p * 2f64.powi(64)) as u64;
            }
        }
        LfuCounter { incr_below, decay_time }
    }

    /// `LFUGetTimeInMinutes`: the 16-bit minute clock at `now` nanoseconds.
    #[inline]
    pub fn minutes(now: u64) -> u32 {
        ((now / NANOS_PER_MIN) & 0xFFFF) as u32
    }

    /// `LFUTimeElapsed`: minutes from `ldt` to the minute clock `now`, wrapping once as Redis does.
    #[inline]
    pub fn elapsed(ldt: u32, now: u32) -> u32 {
        if now >= ldt {
            now - ldt
        } else {
            65535 - ldt + now
        }
    }

    /// `LFUDecrAndReturn`: the counter less one per `decay_time` minutes since the last decrement.
    #[inline]
    pub fn decayed(&self, field: u32, minutes: u32) -> u32 {
        let counter = field & 255;
        let elapsed = Self::elapsed(field >> 8, minutes);
        // Most hits come within one period: skip the division (decay_time 0 never decays).
        if elapsed < self.decay_time || self.decay_time == 0 {
            return counter;
        }
        counter.saturating_sub(elapsed / self.decay_time)
    }

    /// `LFULogIncr`: +1 with probability 1/((counter-5)*log_factor+1), saturating at 255.
    #[inline]
    fn log_incr(&self, counter: u32, rng: &mut SmallRng) -> u32 {
        let t = self.incr_below[counter as usize];
        if counter < 255 && (t == u64::MAX || rng.random::<u64>() < t) {
            counter + 1
        } else {
            counter
        }
    }
}

impl Score for LfuCounter {
    #[inline]
    fn clock(&self, now: u64) -> u32 {
        Self::minutes(now)
    }

    #[inline]
    fn init(&self, minutes: u32) -> u32 {
        (minutes << 8) | LFU_INIT_VAL
    }

    /// `updateLFU`: decay, then a logarithmic increment, stamped with the current minute.
    #[inline]
    fn touch(&self, field: u32, minutes: u32, rng: &mut SmallRng) -> u32 {
        (minutes << 8) | self.log_incr(self.decayed(field, minutes), rng)
    }

    #[inline]
    fn idle(&self, field: u32, minutes: u32) -> u64 {
        255 - self.decayed(field, minutes) as u64
    }
}

/// The Redis approximated-LFU cache.
pub type RedisLfu = Sampled<LfuCounter>;

impl RedisLfu {
    /// An empty cache: `samples` keys per eviction into a pool of `pool`, Redis's `lfu-log-factor`
    /// and `lfu-decay-time` (minutes).
    pub fn new(capacity: u64, seed: u64, samples: usize, pool: usize, log_factor: u32, decay_time: u32) -> Self {
        Sampled::with_score(capacity, seed, samples, pool, LfuCounter::new(log_factor, decay_time))
    }

    /// The decayed counter of `key` at `now`, if cached.
    pub fn counter(&self, key: u64, now: u64) -> Option<u32> {
        self.field(key)
            .map(|f| self.score().decayed(f, LfuCounter::minutes(now)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;
    use crate::model::request::Request;

    const MIN: u64 = NANOS_PER_MIN;

    fn at(p: &mut dyn Policy, t: u64, key: u64) -> bool {
        let mut r = Request::get(key, 1);
        r.time = t;
        p.access(&r)
    }

    #[test]
    fn frequent_key_outlives_keys_touched_once() {
        // Capacity 3; key 1 is hit 19 times (its first hit always raises 5 -> 6), then 200 keys are
        // requested once each. New keys have counter 5 (score 250), key 1 at least 6 (score <= 249):
        // every round samples all three cached keys, so a once-touched key is always the victim.
        let mut keys = vec![1u64; 20];
        keys.extend(100..300);
        keys.push(1);
        let mut p = build("redis-lfu", 3);
        let pat = pattern(&mut *p, &keys);
        assert!(pat.ends_with('H'), "key 1 was evicted: {pat}");
        assert_eq!(p.counters().evictions, 198);
        // Redis's LRU evicts it: key 1 is the least recently used once the new keys arrive.
        let mut p = build("redis-lru:resolution=1ns", 3);
        assert!(pattern(&mut *p, &keys).ends_with('m'));
    }

    #[test]
    fn log_factor_zero_counts_every_hit() {
        let mut p = RedisLfu::new(10, 1, 5, 16, 0, 1);
        for i in 0..=300 {
            at(&mut p, i, 7);
            // Inserted at 5, then +1 per hit, saturating at 255.
            assert_eq!(p.counter(7, i), Some((5 + i as u32).min(255)));
        }
    }

    #[test]
    fn logarithmic_increment_matches_its_expectation() {
        // From counter c >= 5 the next increment takes (c-5)*10+1 hits on average, so reaching 5+B
        // takes sum_{b<B} (10b+1) = 5B^2 - 4B hits: 1000 hits give B = 14.55, counter 19.55.
        let b = (4.0 + (16.0f64 + 20.0 * 1000.0).sqrt()) / 10.0;
        let expected = 5.0 + b;
        let mut p = RedisLfu::new(1000, 9, 5, 16, 10, 1);
        let n = 100;
        let mut sum = 0u64;
        for k in 0..n {
            at(&mut p, 0, k); // insert
            for _ in 0..1000 {
                at(&mut p, 0, k);
            }
            sum += p.counter(k, 0).unwrap() as u64;
        }
        let mean = sum as f64 / n as f64;
        assert!(
            (mean - expected).abs() < 1.0,
            "mean counter {mean}, expected {expected}"
        );
    }

    #[test]
    fn counters_decay_one_per_idle_minute() {
        // Counter 15 at minute 0 (log_factor 0: ten hits after insertion).
        let mut p = RedisLfu::new(10, 1, 5, 16, 0, 1);
        for i in 0..=10 {
            at(&mut p, i, 1);
        }
        for n in 0..30 {
            assert_eq!(
                p.counter(1, n * MIN + 5),
                Some(15u32.saturating_sub(n as u32)),
                "after {n} minutes"
            );
        }
        // A hit at minute 4 stores the decay (15 - 4 = 11), adds one and restarts the minute clock.
        at(&mut p, 4 * MIN, 1);
        assert_eq!(p.counter(1, 4 * MIN), Some(12));
        assert_eq!(p.counter(1, 7 * MIN), Some(9));
        // decay_time=2: one count per two minutes.
        let mut p = RedisLfu::new(10, 1, 5, 16, 0, 2);
        for i in 0..=10 {
            at(&mut p, i, 1);
        }
        assert_eq!(p.counter(1, 9 * MIN), Some(11));
    }

    #[test]
    fn decay_decides_the_victim() {
        // Capacity 2, log_factor 0. Key 1 reaches 15 at minute 0; key 2 arrives at minute 12 with 5.
        // Key 3 at minute 12 evicts by the decayed counters: key 1 has 15 - 12 = 3 < 5, so key 1 goes.
        // Without decay (decay_time=0), or decaying every 2 minutes (15 - 6 = 9), key 2 goes.
        for (decay, victim) in [(1, 1), (0, 2), (2, 2)] {
            let mut p = RedisLfu::new(2, 1, 5, 16, 0, decay);
            for i in 0..=10 {
                at(&mut p, i, 1);
            }
            at(&mut p, 12 * MIN, 2);
            at(&mut p, 12 * MIN + 1, 3);
            assert!(
                !p.contains(victim) && p.contains(3 - victim) && p.contains(3),
                "decay_time={decay}"
            );
        }
    }

    #[test]
    fn minute_clock_wraps_like_redis() {
        // LFUTimeElapsed: ldt 65530, now 4 minutes past the 16-bit wrap: 65535 - 65530 + 4 = 9.
        assert_eq!(LfuCounter::elapsed(65530, LfuCounter::minutes((65536 + 4) * MIN)), 9);
        assert_eq!(LfuCounter::minutes(10 * MIN + 59_000_000_000), 10);
        assert_eq!(LfuCounter::elapsed(3, 10), 7);
    }

    #[test]
    fn bad_parameters_are_errors() {
        for bad in [
            "redis-lfu:log_factor=-1",
            "redis-lfu:decay_time=1.5",
            "redis-lfu:samples=0",
            "redis-lfu:pool=x",
        ] {
            assert!(crate::policy::PolicySpec::parse(bad).is_err(), "{bad}");
        }
    }
}
