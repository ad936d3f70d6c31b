//! LeCaR, Learning Cache Replacement (Vietri et al., "Driving Cache Replacement with ML-based
//! LeCaR", HotStorage 2018), as libCacheSim's `LeCaR`.
//!
//! Two experts propose a victim: LRU (the least recently used object) and LFU (the lowest count;
//! among equal counts the object that reached it first). One is chosen at random with
//! probability `w_lru` / `w_lfu`. The evicted key goes into that expert's history; when a later
//! miss finds it there, the expert made a mistake and its weight is cut by regret minimisation:
//! `w *= exp(-learning_rate × d^t)`, where `t` is the number of requests since the eviction and the
//! discount `d = 0.005^(1/C)`, then both weights are renormalised.
//!
//! libCacheSim's choices, followed:
//! - the choice is `(rand % 100) / 100 < w_lru`, so weights act in steps of 1%; when both experts
//!   propose the same object no number is drawn and no history is kept;
//! - each expert has its own history, a FIFO of evicted keys capped at `C / 2` (integer division)
//!   **in bytes** with the objects' sizes, trimmed from its oldest end after each insertion;
//! - `C` in the discount is the cache size in the cache's unit, so in a byte-sized cache
//!   `d^t` stays close to 1 and every history hit costs the expert about the full learning rate;
//! - the update keeps both weights above 0 as libCacheSim does: `u = w_u·e^(-lr·r) + 1e-10`,
//!   `s = u + w_o + 2e-10`, then `w_u = u / s` and `w_o = (w_o + 1e-10) / s`;
//! - `t` counts every request (hits, misses, and objects too large to cache);
//! - counts are in-cache only: a history hit re-enters with count 1.
//!
//! What differs: libCacheSim draws from one thread-wide generator (lehmer64 from state
//! 0xdeadbeef), shared with every cache run before in the same thread; this draws from a
//! `SmallRng` seeded with the run's seed. With libCacheSim's generator swapped in (a local
//! experiment, not kept), this code gave libCacheSim 0.3.5's miss counts to the request in fresh
//! processes (bytes: 128 MiB, 384 MiB, 896 MiB, 1 GiB; objects: 1,000 and 32,000). The published
//! reference was produced with a generator state carried over from earlier runs, so even libCacheSim
//! differs from it: by 1.7 points at 1 GiB in a fresh process, where LeCaR has two outcomes
//! depending on early choices. Over seeds 1..24 the worst deviation from the reference ranges
//! from 0.1 to 1.8 points; at seed 42 it is 0.64 (bytes) and 0.06 (objects).
//!
//! Resident objects and both histories share one [`Table`](super::core::table::Table). A resident node is in the LRU list
//! (through the table's links) and in its count's bucket (through links in `meta`); a history node
//! is only in its history list.

use super::core::freq::{FreqLink, FreqList, FreqNode};
use super::core::list::List;
use super::core::resident::{self, Keeper, Store};
use super::core::table::Node;
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "lecar",
    aliases: &[],
    summary: "LeCaR (Vietri et al., HotStorage 2018): LRU and LFU experts chosen at random, weights cut by \
              regret on hits in their eviction histories.",
    params: &[
        ParamInfo {
            name: "learning_rate",
            default: "0.45",
            help: "learning rate of the weight update, above 0 and at most 10",
        },
        ParamInfo {
            name: "lru_weight",
            default: "0.5",
            help: "initial probability of choosing the LRU expert, 0 to 1 (LFU gets the rest)",
        },
        ParamInfo {
            name: "update_weight",
            default: "true",
            help: "whether history hits update the weights (true or false); false keeps lru_weight fixed",
        },
    ],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let lr: f64 = p.get(
        "learning_rate",
        ("a number above 0 and at most 10", |v: &f64| *v > 0.0 && *v <= 10.0),
    )?;
    let w_lru: f64 = p.get(
        "lru_weight",
        ("a number from 0 to 1", |v: &f64| (0.0..=1.0).contains(v)),
    )?;
    let update: bool = p.get("update_weight", ("true or false", |_: &bool| true))?;
    Ok(Box::new(LeCaR::new(ctx.capacity, ctx.seed, lr, w_lru, update)))
}

/// What a node is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Kind {
    /// A cached object.
    #[default]
    Resident,
    /// A key in the LRU expert's history.
    HistLru,
    /// A key in the LFU expert's history.
    HistLfu,
}

impl Kind {
    /// The history of an expert's evictions.
    fn history(self) -> usize {
        debug_assert!(self != Kind::Resident);
        self as usize - 1
    }
}

/// Per-node metadata.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    /// Request number of the eviction (history nodes).
    evicted_at: u64,
    /// The place in the LFU expert's frequency list (resident nodes).
    freq: FreqLink,
    kind: Kind,
}

impl FreqNode for Meta {
    #[inline]
    fn link(&self) -> &FreqLink {
        &self.freq
    }
    #[inline]
    fn link_mut(&mut self) -> &mut FreqLink {
        &mut self.freq
    }
}

/// The LeCaR cache.
pub type LeCaR = Keeper<LeCaRState>;

impl LeCaR {
    /// An empty cache (the state: [`LeCaRState::new`]).
    pub fn new(capacity: u64, seed: u64, learning_rate: f64, w_lru: f64, update_weight: bool) -> Self {
        Keeper::with_policy(
            capacity,
            LeCaRState::new(capacity, seed, learning_rate, w_lru, update_weight),
        )
    }
}

/// The state of [`LeCaR`].
pub struct LeCaRState {
    /// Resident objects, most recent at the head.
    lru: List,
    /// Resident objects by count.
    freq: FreqList,
    /// Histories of the two experts, newest at the head.
    hist: [List; 2],
    hist_capacity: u64,
    w_lru: f64,
    w_lfu: f64,
    learning_rate: f64,
    discount: f64,
    update_weight: bool,
    /// Requests seen (the clock of `evicted_at`).
    n_req: u64,
    rng: SmallRng,
}

impl LeCaRState {
    /// An empty LeCaR cache.
    pub fn new(capacity: u64, seed: u64, learning_rate: f64, w_lru: f64, update_weight: bool) -> Self {
        LeCaRState {
            lru: List::default(),
            freq: FreqList::new(),
            hist: [List::default(); 2],
            hist_capacity: capacity / 2,
            w_lru,
            w_lfu: 1.0 - w_lru,
            learning_rate,
            discount: 0.005f64.powf(1.0 / capacity.max(1) as f64),
            update_weight,
            n_req: 0,
            rng: SmallRng::seed_from_u64(seed),
        }
    }

    /// Removes a resident object entirely (no history); returns its size.
    fn drop_resident(&mut self, st: &mut Store<Meta>, slot: u32) -> u64 {
        self.lru.unlink(&mut st.table.nodes, slot);
        self.freq.unlink(&mut st.table.nodes, slot);
        let size = st.table.node(slot).size;
        st.table.remove(slot);
        size
    }

    /// libCacheSim's weight update after a hit in the history of the expert owning `hit`.
    fn regret(&mut self, t: u64, lru_erred: bool) {
        if !self.update_weight {
            return;
        }
        let r = self.discount.powf(t as f64);
        let (wu, wo) = if lru_erred {
            (self.w_lru, self.w_lfu)
        } else {
            (self.w_lfu, self.w_lru)
        };
        let wu = wu * (-self.learning_rate * r).exp() + 1e-10;
        let s = wu + wo + 2e-10;
        let (wu, wo) = (wu / s, (wo + 1e-10) / s);
        if lru_erred {
            (self.w_lru, self.w_lfu) = (wu, wo);
        } else {
            (self.w_lfu, self.w_lru) = (wu, wo);
        }
    }

    /// Evicts one object, chosen by one expert, into that expert's history.
    fn evict_one(&mut self, st: &mut Store<Meta>) {
        let lru_c = self.lru.tail;
        let lfu_c = self.freq.oldest_of_lowest();
        let (victim, hist) = if lru_c == lfu_c {
            (lru_c, None)
        } else if (self.rng.random_range(0..100u32) as f64 / 100.0) < self.w_lru {
            (lru_c, Some(Kind::HistLru))
        } else {
            (lfu_c, Some(Kind::HistLfu))
        };
        let (key, size) = (st.table.node(victim).key, st.table.node(victim).size);
        st.tally.evicted(key, size);
        self.lru.unlink(&mut st.table.nodes, victim);
        self.freq.unlink(&mut st.table.nodes, victim);
        let Some(kind) = hist else {
            st.table.remove(victim);
            return;
        };
        let n: &mut Node<Meta> = st.table.node_mut(victim);
        n.meta.kind = kind;
        n.meta.evicted_at = self.n_req;
        n.expire = 0;
        let h = kind.history();
        self.hist[h].push_head(&mut st.table.nodes, victim);
        while self.hist[h].bytes > self.hist_capacity {
            let t = self.hist[h].tail;
            self.hist[h].unlink(&mut st.table.nodes, t);
            st.table.remove(t);
        }
    }

    /// Current probability of choosing the LRU expert.
    pub fn lru_weight(&self) -> f64 {
        self.w_lru
    }
}

impl resident::TablePolicy for LeCaRState {
    type Meta = Meta;

    #[inline]
    fn get(&mut self, st: &mut Store<Meta>, req: &Request) -> bool {
        self.n_req += 1;
        let Some(s) = st.table.find(req.key) else {
            return false;
        };
        let node = *st.table.node(s);
        if node.meta.kind != Kind::Resident {
            let h = node.meta.kind.history();
            self.hist[h].unlink(&mut st.table.nodes, s);
            st.table.remove(s);
            self.regret(self.n_req - node.meta.evicted_at, node.meta.kind == Kind::HistLru);
            return false;
        }
        if node.expire != 0 && req.time >= node.expire {
            let size = self.drop_resident(st, s);
            st.tally.expired(size);
            return false;
        }
        self.lru.move_to_head(&mut st.table.nodes, s);
        self.freq.bump(&mut st.table.nodes, s);
        true
    }

    #[inline]
    fn insert(&mut self, st: &mut Store<Meta>, req: &Request) {
        let size = req.size;
        if size > st.tally.capacity() {
            return;
        }
        while st.tally.over(size) {
            self.evict_one(st);
        }
        let s = st.table.insert(req.key, req.size, req.expiry(), Meta::default());
        self.lru.push_head(&mut st.table.nodes, s);
        self.freq.push_new(&mut st.table.nodes, s);
        st.tally.added(size);
    }

    fn remove(&mut self, st: &mut Store<Meta>, key: u64) -> bool {
        let Some(s) = st.table.find(key) else {
            return false;
        };
        let kind = st.table.node(s).meta.kind;
        if kind == Kind::Resident {
            let size = self.drop_resident(st, s);
            st.tally.removed(size);
            true
        } else {
            self.hist[kind.history()].unlink(&mut st.table.nodes, s);
            st.table.remove(s);
            false
        }
    }

    fn contains(&self, st: &Store<Meta>, key: u64) -> bool {
        st.table
            .find(key)
            .is_some_and(|s| st.table.node(s).meta.kind == Kind::Resident)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;
    use rand::{Rng, SeedableRng};

    fn history(c: &LeCaR, kind: Kind) -> Vec<u64> {
        c.policy().hist[kind.history()]
            .iter(&c.store().table.nodes)
            .map(|s| c.store().table.node(s).key)
            .collect()
    }

    #[test]
    fn fixed_weights_reduce_to_lru_and_lfu() {
        // r = (rand % 100) / 100 is at most 0.99, so lru_weight 1 always takes the LRU proposal
        // and lru_weight 0 the LFU one: the two experts alone, checked against `lru` and `lfu`
        // (whose tie rule, least recently promoted first, is LeCaR's) on random traces.
        let mut rng = SmallRng::seed_from_u64(3);
        for round in 0..30 {
            let cap = rng.random_range(1..30u64);
            let keys: Vec<u64> = (0..2000).map(|_| rng.random_range(0..60u64)).collect();
            for (spec, reference) in [
                ("lecar:lru_weight=1,update_weight=false", "lru"),
                ("lecar:lru_weight=0,update_weight=false", "lfu"),
            ] {
                let ours = pattern(&mut *build(spec, cap), &keys);
                let theirs = pattern(&mut *build(reference, cap), &keys);
                assert_eq!(ours, theirs, "round {round}, {spec} vs {reference} at {cap}");
            }
        }
    }

    #[test]
    fn histories_hold_what_each_expert_evicted_up_to_half_the_cache() {
        // C = 4, so each history holds 2 bytes. 1 2 3 are hit (count 2), 4 is not.
        // LRU order (newest first) 4 3 2 1; LFU proposes 4, the only count-1 object.
        // With lru_weight 1 the LRU proposal wins whenever the two differ:
        // 5 evicts 1, 6 evicts 2 (LFU proposes 4), 7 evicts 3; the history keeps the newest 2.
        let mut c = LeCaR::new(4, 1, 0.45, 1.0, false);
        assert_eq!(pattern(&mut c, &[1, 2, 3, 1, 2, 3, 4, 5, 6, 7]), "mmmHHHmmmm");
        assert_eq!(history(&c, Kind::HistLru), vec![3, 2]);
        assert!(history(&c, Kind::HistLfu).is_empty());
        assert!(!c.contains(3), "history keys are not cached");
        // Now LRU order 7 6 5 4, all count 1: both experts propose 4, which leaves no history.
        assert_eq!(pattern(&mut c, &[8]), "m");
        assert_eq!(history(&c, Kind::HistLru), vec![3, 2]);
        assert_eq!(c.counters().evictions, 4);
        // 3 is found in the history (a miss); without weight updates the weights stay.
        assert_eq!(pattern(&mut c, &[3]), "m");
        assert_eq!(history(&c, Kind::HistLru), vec![2]);
        assert_eq!(c.policy().lru_weight(), 1.0);
    }

    #[test]
    fn history_hit_cuts_the_erring_experts_weight() {
        // C = 2: 1 is hit (count 2), 2 is not; 3 must evict. LRU proposes 1, LFU proposes 2, and
        // the draw picks one. Request 5 asks for the victim again, t = 5 - 4 = 1 request after its
        // eviction: that expert's weight becomes u / s with u = 0.5·exp(-0.45·d) + 1e-10,
        // d = 0.005^(1/2), s = u + 0.5 + 2e-10; the other gets (0.5 + 1e-10) / s.
        let d = 0.005f64.powf(0.5);
        let u = 0.5 * (-0.45 * d).exp() + 1e-10;
        let s = u + 0.5 + 2e-10;
        let mut seen = [false; 2];
        for seed in 0..40 {
            let mut c = LeCaR::new(2, seed, 0.45, 0.5, true);
            assert_eq!(pattern(&mut c, &[1, 1, 2, 3]), "mHmm");
            let lru_erred = !c.contains(1);
            let victim = if lru_erred { 1 } else { 2 };
            assert_eq!(
                history(&c, if lru_erred { Kind::HistLru } else { Kind::HistLfu }),
                vec![victim]
            );
            assert_eq!(pattern(&mut c, &[victim]), "m");
            let (w_lru, w_lfu) = if lru_erred {
                (u / s, (0.5 + 1e-10) / s)
            } else {
                ((0.5 + 1e-10) / s, u / s)
            };
            assert!((c.policy().w_lru - w_lru).abs() < 1e-15 && (c.policy().w_lfu - w_lfu).abs() < 1e-15);
            assert!((c.policy().w_lru < 0.5) == lru_erred);
            seen[lru_erred as usize] = true;
        }
        assert_eq!(seen, [true, true], "both experts are chosen over 40 seeds");
    }

    #[test]
    fn same_seed_same_result() {
        let keys: Vec<u64> = (0..3000).map(|i| (i * 7919 % 101) ^ (i % 13)).collect();
        let a = pattern(&mut LeCaR::new(20, 9, 0.45, 0.5, true), &keys);
        let b = pattern(&mut LeCaR::new(20, 9, 0.45, 0.5, true), &keys);
        assert_eq!(a, b);
    }

    #[test]
    fn ttl_expiry_is_a_miss() {
        let mut c = LeCaR::new(10, 1, 0.45, 0.5, true);
        let mut r = Request::get(1, 1);
        r.ttl = 100;
        assert!(!c.access(&r));
        r.time = 99;
        assert!(c.access(&r));
        r.time = 100;
        assert!(!c.access(&r));
        assert_eq!(c.counters().expirations, 1);
        assert!(c.contains(1));
        assert!(c.remove(1) && c.is_empty());
    }

    #[test]
    fn bad_parameters_are_errors() {
        for bad in [
            "lecar:lru_weight=1.5",
            "lecar:lru_weight=-0.1",
            "lecar:learning_rate=0",
            "lecar:update_weight=yes",
        ] {
            assert!(crate::policy::PolicySpec::parse(bad).is_err(), "{bad}");
        }
    }
}
