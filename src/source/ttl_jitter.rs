//! `[workload] ttl_jitter`: each TTL multiplied by a uniform factor in [1 - j, 1 + j], so objects
//! stored together do not all expire together. A request's TTL only matters when its value is
//! stored, so the jitter is a transform of every request's TTL, applied where a [`super::Source`]
//! opens its reader: it works the same on synthetic streams and recorded traces.
//!
//! The factors come from an RNG of their own, seeded from the workload seed and made afresh at every
//! open: the keys, times and sizes are untouched, and every open (one per policy x size cell, in
//! parallel) sees the same jittered stream.

use crate::model::request::Request;
use crate::trace::TraceReader;
use anyhow::Result;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Seeds the jitter RNG apart from the generator's.
const JITTER_SEED: u64 = 0x7717_1E77_E12A_5EED;

/// A checked jitter: the half-width `j` of the factor's range, in (0, 1), and the workload seed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TtlJitter {
    /// Half-width of the uniform factor's range.
    pub jitter: f64,
    /// The workload seed.
    pub seed: u64,
}

impl TtlJitter {
    /// Wraps a reader so its TTLs are jittered.
    pub fn wrap(self, inner: Box<dyn TraceReader>) -> Box<dyn TraceReader> {
        Box::new(Jittered {
            inner,
            jitter: self.jitter,
            rng: SmallRng::seed_from_u64(self.seed ^ JITTER_SEED),
        })
    }
}

/// `ttl` multiplied by `1 - j + 2j u` (`u` in [0, 1)), rounded to whole nanoseconds and kept in
/// [ttl (1 - j), ttl (1 + j)]; the TTL itself lies in that range, so the result is at least 1.
fn jittered(ttl: u64, j: f64, u: f64) -> u64 {
    let t = ttl as f64;
    let lo = (t * (1.0 - j)).ceil();
    let hi = (t * (1.0 + j)).floor();
    // `as` saturates at u64::MAX for TTLs so long that f64 overshoots.
    (t * (1.0 - j + 2.0 * j * u)).round().clamp(lo, hi).max(1.0) as u64
}

/// A reader whose requests' TTLs are jittered (TTL 0, no expiry, stays 0 and draws nothing).
struct Jittered {
    inner: Box<dyn TraceReader>,
    jitter: f64,
    rng: SmallRng,
}

impl TraceReader for Jittered {
    fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
        let more = self.inner.read_batch(out)?;
        for r in out.iter_mut().filter(|r| r.ttl != 0) {
            r.ttl = jittered(r.ttl, self.jitter, self.rng.random());
        }
        Ok(more)
    }

    fn skipped(&self) -> u64 {
        self.inner.skipped()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_span_the_range_and_stay_inside_it() {
        assert_eq!(jittered(1000, 0.1, 0.0), 900);
        assert_eq!(jittered(1000, 0.1, 0.5), 1000);
        assert_eq!(jittered(1000, 0.1, 0.999_999_9), 1100);
        // Rounding never leaves [ttl (1 - j), ttl (1 + j)]: 3 ns with j = 0.1 can only stay 3.
        for u in [0.0, 0.3, 0.999] {
            assert_eq!(jittered(3, 0.1, u), 3);
            assert_eq!(jittered(1, 0.9, u), 1, "never below 1 ns");
        }
        assert_eq!(jittered(u64::MAX, 0.5, 0.99), u64::MAX);
    }

    struct Fixed(Vec<Request>, bool);

    impl TraceReader for Fixed {
        fn read_batch(&mut self, out: &mut Vec<Request>) -> Result<bool> {
            out.clear();
            if std::mem::take(&mut self.1) {
                out.extend_from_slice(&self.0);
            }
            Ok(!out.is_empty())
        }
    }

    #[test]
    fn zero_ttl_stays_zero_and_opens_repeat() {
        let reqs: Vec<Request> = (0..100u64)
            .map(|i| Request {
                ttl: if i % 2 == 0 { 0 } else { 1_000_000 * i },
                ..Request::get(i, 10)
            })
            .collect();
        let j = TtlJitter { jitter: 0.2, seed: 9 };
        let read = || {
            let mut r = j.wrap(Box::new(Fixed(reqs.clone(), true)));
            let mut out = Vec::new();
            r.read_batch(&mut out).unwrap();
            out
        };
        let a = read();
        assert_eq!(a, read());
        assert_ne!(a, reqs, "no TTL was changed");
        for (x, y) in a.iter().zip(&reqs) {
            assert_eq!((x.key, x.time, x.size), (y.key, y.time, y.size));
            if y.ttl == 0 {
                assert_eq!(x.ttl, 0);
            } else {
                let t = y.ttl as f64;
                assert!(
                    (x.ttl as f64) >= t * 0.8 && (x.ttl as f64) <= t * 1.2,
                    "{} from {}",
                    x.ttl,
                    y.ttl
                );
            }
        }
    }
}
