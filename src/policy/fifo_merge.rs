//! FIFO-Merge (Segcache, Yang et al., NSDI 2021), as libCacheSim's `fifomerge` runs it by default
//! (`FIFO_Merge_FREQUENCY`).
//!
//! One FIFO queue. To evict, the next `exam` objects from a cursor that walks from the tail towards
//! the head (wrapping to the tail) are scored by frequency per byte,
//! 1e6 * (hits + r) / size with r a random tie-breaker in [0, 0.0999], and sorted (stable,
//! ascending). The lowest is evicted now and the next ones by the following evictions, until
//! `exam - keep - 1` have gone (libCacheSim stops one short of `exam - keep`); then the next
//! eviction scores a new batch. The scored objects that are not evicted stay where they are (a
//! merge keeps them in place), and objects are evicted even if hit after they were scored. With at
//! most `exam` objects cached, the FIFO tail is evicted and the cursor restarts at the tail.
//!
//! The tie-breaker comes from libCacheSim's generator (Knuth's MMIX LCG), seeded with the run's
//! seed: libCacheSim's simulator seeds it with 0 for each cache, so seed 0 reproduces its counts.

use super::core::list::List;
use super::core::resident::{Ordering, Resident, Store};
use super::core::table::NIL;
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "fifo-merge",
    aliases: &["fifomerge", "segcache"],
    summary: "FIFO-Merge (Segcache, NSDI 2021): scores a batch of old objects by hits per byte, evicts the lower half, keeps the rest in place.",
    params: &[
        ParamInfo {
            name: "exam",
            default: "100",
            help: "objects scored per batch, 1 to 100000",
        },
        ParamInfo {
            name: "keep",
            default: "50",
            help: "objects of a batch kept, 0 to exam",
        },
    ],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let exam: usize = p.get(
        "exam",
        ("an integer from 1 to 100000", |n: &usize| (1..=100_000).contains(n)),
    )?;
    let keep: usize = p.get("keep", ("an integer from 0 to 100000", |n: &usize| *n <= 100_000))?;
    if keep > exam {
        return Err(format!(
            "policy fifo-merge: parameter keep={keep} is invalid; it must be an integer from 0 to exam ({exam})"
        ));
    }
    Ok(Box::new(FifoMerge::new(ctx.capacity, exam, keep, ctx.seed)))
}

/// libCacheSim's generator (Knuth's MMIX linear congruential generator).
#[derive(Clone, Copy, Debug)]
pub struct Mmix(pub u64);

impl Mmix {
    /// The next value.
    #[inline]
    pub fn step(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0
    }
}

/// The FIFO-Merge cache.
pub type FifoMerge = Resident<MergeOrder>;

impl FifoMerge {
    /// An empty cache scoring `exam` objects per batch and keeping `keep` of them; `seed` seeds
    /// the tie-breaker.
    pub fn new(capacity: u64, exam: usize, keep: usize, seed: u64) -> Self {
        Resident::with_order(
            capacity,
            MergeOrder {
                list: List::default(),
                cursor: NIL,
                batch: Vec::with_capacity(exam),
                pos: usize::MAX,
                exam,
                keep,
                rng: Mmix(seed),
            },
        )
    }
}

/// The FIFO, the scoring cursor and the current batch (node meta: hits since insertion).
pub struct MergeOrder {
    list: List,
    /// The next object to score (towards the head from there); [`NIL`]: start at the tail.
    cursor: u32,
    /// The scored batch, sorted; entries already gone are [`NIL`].
    batch: Vec<(f64, u32)>,
    /// The next batch entry to evict.
    pos: usize,
    exam: usize,
    keep: usize,
    rng: Mmix,
}

impl MergeOrder {
    /// Scores the next `exam` objects from the cursor and sorts them.
    fn score_batch(&mut self, s: &Store<u32>) {
        self.batch.clear();
        let mut cur = self.cursor;
        for _ in 0..self.exam {
            if cur == NIL {
                cur = self.list.tail;
            }
            let n = s.table.node(cur);
            let r = (self.rng.step() % 1000) as f64 / 10000.0;
            self.batch.push((1.0e6 * (f64::from(n.meta) + r) / n.size as f64, cur));
            cur = n.prev;
        }
        self.cursor = cur;
        self.batch.sort_by(|a, b| a.0.total_cmp(&b.0));
    }

    /// Takes `slot` out of the FIFO, moving the cursor off it.
    fn unlink_list(&mut self, s: &mut Store<u32>, slot: u32) {
        if slot == self.cursor {
            self.cursor = s.table.node(slot).prev;
        }
        self.list.unlink(&mut s.table.nodes, slot);
    }

    /// Evicts `slot`, which no batch entry still to be evicted names.
    fn drop_slot(&mut self, s: &mut Store<u32>, slot: u32) {
        self.unlink_list(s, slot);
        s.evict(slot);
    }
}

impl Ordering for MergeOrder {
    type Meta = u32;

    #[inline]
    fn hit(&mut self, s: &mut Store<u32>, slot: u32, _: &Request) {
        let m = &mut s.table.node_mut(slot).meta;
        *m = m.saturating_add(1);
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<u32>, slot: u32, _: &Request) {
        self.list.push_head(&mut s.table.nodes, slot);
    }

    /// A removal from outside (a delete, an expiry): also forgets the object's place in the batch
    /// if it was still to be evicted.
    fn unlink(&mut self, s: &mut Store<u32>, slot: u32) {
        let end = (self.exam - self.keep).saturating_sub(1).min(self.batch.len());
        if self.pos < end {
            if let Some(e) = self.batch[self.pos..end].iter_mut().find(|e| e.1 == slot) {
                e.1 = NIL;
            }
        }
        self.unlink_list(s, slot);
    }

    /// Not used ([`Ordering::evict`] is overridden): the FIFO tail.
    fn victim(&mut self, _: &mut Store<u32>, _: &Request) -> u32 {
        self.list.tail
    }

    fn evict(&mut self, s: &mut Store<u32>, _: &Request) {
        // Continue the current batch: entries before `exam - keep - 1` are evicted.
        while self.pos < self.batch.len() {
            let slot = self.batch[self.pos].1;
            self.pos += 1;
            if self.pos >= self.exam - self.keep {
                break;
            }
            if slot != NIL {
                self.batch[self.pos - 1].1 = NIL;
                self.drop_slot(s, slot);
                return;
            }
        }
        if self.list.len <= self.exam {
            let t = self.list.tail;
            self.drop_slot(s, t);
            self.cursor = NIL;
            return;
        }
        self.score_batch(s);
        self.pos = 1;
        let first = self.batch[0].1;
        self.batch[0].1 = NIL;
        self.drop_slot(s, first);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::super::PolicySpec;
    use super::*;

    #[test]
    fn small_caches_are_plain_fifo() {
        // With at most `exam` objects cached the tail goes: FIFO.
        let mut p = build("fifo-merge", 3);
        assert_eq!(pattern(&mut *p, &[1, 2, 3, 1, 4, 1, 3, 2]), "mmmHmmHm");
    }

    #[test]
    fn batches_evict_the_least_hit_and_keep_the_rest() {
        // exam 4, keep 2: a batch evicts its lowest score now and stops one short of exam - keep,
        // so one object per batch is evicted (libCacheSim's off-by-one), then a new batch starts.
        let mut c = FifoMerge::new(6, 4, 2, 0);
        assert_eq!(pattern(&mut c, &[1, 2, 3, 4, 5, 6]), "mmmmmm");
        // 1 and 2 are hit (the oldest two); 3 and 4 are not.
        assert_eq!(pattern(&mut c, &[1, 2, 1]), "HHH");
        // 7: batch = 1 2 3 4 (tail first); 3 and 4 score lowest (no hits): one of them goes.
        assert_eq!(pattern(&mut c, &[7]), "m");
        assert!(c.contains(1) && c.contains(2));
        assert_eq!([c.contains(3), c.contains(4)].iter().filter(|&&x| x).count(), 1);
        // 8: the batch has reached exam - keep, so a new batch is scored from the cursor (5 6 7,
        // wrapping to the tail 1): 1 and 2 still outscore the rest.
        assert_eq!(pattern(&mut c, &[8]), "m");
        assert!(c.contains(1) && c.contains(2));
        assert_eq!(c.len(), 6);
    }

    #[test]
    fn seeded_tie_breaks_repeat() {
        let keys: Vec<u64> = (0..5000).map(|i| (i * 7919) % 400).collect();
        let a = pattern(&mut *build("fifo-merge", 200), &keys);
        let b = pattern(&mut *build("fifo-merge", 200), &keys);
        assert_eq!(a, b);
        let mut z = build("fifo-merge", 0);
        assert_eq!(pattern(&mut *z, &[1, 1]), "mm");
    }

    #[test]
    fn bad_parameters_are_errors() {
        for (bad, says) in [
            ("fifo-merge:exam=0", "1 to 100000"),
            ("fifo-merge:keep=x", "keep"),
            ("fifo-merge:exam=10,keep=11", "0 to exam"),
        ] {
            let e = PolicySpec::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
