//! LRU with probabilistic promotion (libCacheSim's `lru-prob`): a hit moves the object to the
//! head with probability `p`; otherwise it stays where it is. New objects enter at the head; the
//! tail is evicted.
//!
//! As in libCacheSim the draw is "the generator's next value is divisible by floor(1 / p)", from
//! libCacheSim's generator (Knuth's MMIX LCG) seeded with the run's seed. With p = 0.5 that is the
//! generator's low bit, which alternates: every other hit promotes, whatever the seed.
//! libCacheSim's simulator seeds the generator with 0, so seed 0 reproduces its counts.

use super::core::list::List;
use super::core::resident::{Ordering, Resident, Store};
use super::fifo_merge::Mmix;
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "lru-prob",
    aliases: &["lruprob", "prob-lru"],
    summary: "LRU promoting on a hit only with probability p (seeded; libCacheSim's lru-prob).",
    params: &[ParamInfo {
        name: "p",
        default: "0.5",
        help: "promotion probability, 0 < p <= 1 (used as 1 / floor(1 / p))",
    }],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let prob: f64 = p.get("p", ("a number with 0 < p <= 1", |v: &f64| *v > 0.0 && *v <= 1.0))?;
    Ok(Box::new(LruProb::new(ctx.capacity, prob, ctx.seed)))
}

/// The probabilistic-promotion LRU cache.
pub type LruProb = Resident<ProbOrder>;

impl LruProb {
    /// An empty cache promoting with probability `p` (0 < p <= 1), drawing from a generator
    /// seeded with `seed`.
    pub fn new(capacity: u64, p: f64, seed: u64) -> Self {
        let threshold = ((1.0 / p) as u64).max(1);
        Resident::with_order(
            capacity,
            ProbOrder {
                list: List::default(),
                threshold,
                rng: Mmix(seed),
            },
        )
    }
}

/// One list, newest at the head; promotion is drawn per hit.
pub struct ProbOrder {
    list: List,
    threshold: u64,
    rng: Mmix,
}

impl Ordering for ProbOrder {
    type Meta = ();

    #[inline]
    fn hit(&mut self, s: &mut Store<()>, slot: u32, _: &Request) {
        if self.rng.step().is_multiple_of(self.threshold) {
            self.list.move_to_head(&mut s.table.nodes, slot);
        }
    }

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
    use super::super::testkit::{build, pattern};
    use super::super::PolicySpec;

    #[test]
    fn p_one_is_lru_and_half_promotes_every_other_hit() {
        let mut p = build("lru-prob:p=1", 3);
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 1, 4, 2, 1]), "mmmHmmH");
        // p = 0.5 from the test seed 7 (odd): the generator's first value is even, so the first
        // hit promotes and the second does not. 1 2 3 fill; 1 hits (promoted: 1 3 2); 2 hits (not
        // promoted, still the tail); 4 evicts 2; 2 misses.
        let mut h = build("lru-prob", 3);
        assert_eq!(pattern(&mut *h, &[1, 2, 3, 1, 2, 4, 2]), "mmmHHmm");
    }

    #[test]
    fn edge_cases() {
        let mut p = build("lru-prob", 2);
        assert!(!p.access(&crate::model::request::Request::get(1, 3)));
        assert!(!p.contains(1));
        let mut z = build("lru-prob", 0);
        assert_eq!(pattern(&mut *z, &[1, 1]), "mm");
        for bad in ["lru-prob:p=0", "lru-prob:p=1.5", "lru-prob:p=x", "lru-prob:p=-1"] {
            let e = PolicySpec::parse(bad).unwrap_err();
            assert!(e.contains("p=") && e.contains("0 < p <= 1"), "{e}");
        }
    }
}
