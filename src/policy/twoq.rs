//! 2Q (Johnson & Shasha, "2Q: A Low Overhead High Performance Buffer Management Replacement
//! Algorithm", VLDB 1994), the full version with a ghost queue, as libCacheSim's `TwoQ`.
//!
//! New objects enter Ain, a FIFO meant to hold `ain` (25%) of the cache; a hit there changes
//! nothing, so correlated references right after the first do not make an object hot. Objects
//! pushed out of Ain leave their key in Aout, a ghost FIFO of `aout` (50%) of the cache in bytes.
//! A miss that finds its key in Aout goes to Am, an LRU holding the rest of the cache, which is
//! where objects re-referenced after a while live. To make room, Ain's tail moves to Aout while Ain
//! is over its share, otherwise Am's tail is evicted.
//!
//! As in libCacheSim: the shares are `floor(C * ain)` and `floor(C * aout)`, Am gets
//! `C - floor(C * ain)` and also evicts from itself to stay within it; objects larger than Ain's
//! share are not cached; an object too large for Aout leaves no ghost.

use super::core::queues::{QueueId, Queues};

use super::core::resident::{self, Keeper, Store};
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "twoq",
    aliases: &["2q"],
    summary: "2Q (Johnson & Shasha, VLDB 1994): FIFO probation, ghost FIFO, LRU for re-referenced objects.",
    params: &[
        ParamInfo {
            name: "ain",
            default: "0.25",
            help: "Ain (FIFO for new objects) share of the cache, above 0 and below 1",
        },
        ParamInfo {
            name: "aout",
            default: "0.5",
            help: "Aout (ghost FIFO) size as a fraction of the cache, 0 to 10",
        },
    ],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let ain: f64 = p.get("ain", ("a number above 0 and below 1", |v: &f64| *v > 0.0 && *v < 1.0))?;
    let aout: f64 = p.get("aout", ("a number from 0 to 10", |v: &f64| (0.0..=10.0).contains(v)))?;
    Ok(Box::new(TwoQ::new(ctx.capacity, ain, aout)))
}

/// 2Q's queues.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Id {
    /// New objects (FIFO).
    #[default]
    Ain,
    /// Ghosts of objects pushed out of Ain (FIFO of keys).
    Aout,
    /// Re-referenced objects (LRU).
    Am,
}
use Id::{Ain, Am, Aout};

impl QueueId for Id {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

/// The 2Q cache.
pub type TwoQ = Keeper<TwoQState>;

impl TwoQ {
    /// An empty cache (the state: [`TwoQState::new`]).
    pub fn new(capacity: u64, ain: f64, aout: f64) -> Self {
        Keeper::with_policy(capacity, TwoQState::new(capacity, ain, aout))
    }
}

/// The state of [`TwoQ`].
pub struct TwoQState {
    lists: Queues<Id, 3>,
    ain_size: u64,
    aout_size: u64,
    am_size: u64,
    /// The current request's key was found (and dropped) in Aout: its insert goes to Am.
    ghost_hit: bool,
    ghost_key: u64,
}

impl TwoQState {
    /// An empty 2Q cache; `ain` and `aout` are fractions of `capacity`.
    pub fn new(capacity: u64, ain: f64, aout: f64) -> Self {
        let ain_size = (capacity as f64 * ain) as u64;
        TwoQState {
            lists: Queues::default(),
            ain_size,
            aout_size: (capacity as f64 * aout) as u64,
            am_size: capacity - ain_size,
            ghost_hit: false,
            ghost_key: 0,
        }
    }

    /// Moves Ain's tail into Aout (if it fits there), trimming Aout from its tail first.
    fn demote_ain_tail(&mut self, st: &mut Store<Id>) {
        let s = self.lists.tail(Ain);
        let (key, size) = (st.table.node(s).key, st.table.node(s).size);
        st.tally.evicted(key, size);
        if size > self.aout_size {
            self.lists.drop(&mut st.table, s);
            return;
        }
        while self.lists.bytes(Aout) + size > self.aout_size {
            let t = self.lists.tail(Aout);
            self.lists.drop(&mut st.table, t);
        }
        self.lists.move_to(&mut st.table, s, Aout);
    }

    /// Evicts Am's tail.
    fn evict_am_tail(&mut self, st: &mut Store<Id>) {
        let t = self.lists.tail(Am);
        let (key, size) = (st.table.node(t).key, st.table.node(t).size);
        self.lists.drop(&mut st.table, t);
        st.tally.evicted(key, size);
    }

    /// One eviction step for the whole cache.
    fn evict_one(&mut self, st: &mut Store<Id>) {
        if self.lists.bytes(Ain) > self.ain_size || self.lists.list(Am).is_empty() {
            self.demote_ain_tail(st);
        } else {
            self.evict_am_tail(st);
        }
    }
}

impl resident::TablePolicy for TwoQState {
    type Meta = Id;

    #[inline]
    fn get(&mut self, st: &mut Store<Id>, req: &Request) -> bool {
        self.ghost_hit = false;
        let Some(s) = st.table.find(req.key) else {
            return false;
        };
        let node = *st.table.node(s);
        if node.meta == Aout {
            self.lists.drop(&mut st.table, s);
            self.ghost_hit = true;
            self.ghost_key = req.key;
            return false;
        }
        if node.expire != 0 && req.time >= node.expire {
            self.lists.drop(&mut st.table, s);
            st.tally.expired(node.size);
            return false;
        }
        if node.meta == Am {
            self.lists.move_to_head(&mut st.table, s);
        }
        true
    }

    #[inline]
    fn insert(&mut self, st: &mut Store<Id>, req: &Request) {
        let size = req.size;
        if size > self.ain_size || size > st.tally.capacity() {
            return;
        }
        while st.tally.over(size) {
            self.evict_one(st);
        }
        let to = if self.ghost_hit && self.ghost_key == req.key {
            self.ghost_hit = false;
            // Am is an LRU of its own size: it makes room inside itself.
            if size > self.am_size {
                return;
            }
            while self.lists.bytes(Am) + size > self.am_size {
                self.evict_am_tail(st);
            }
            Am
        } else {
            Ain
        };
        let s = st.table.insert(req.key, req.size, req.expiry(), to);
        self.lists.push_head(&mut st.table, s, to);
        st.tally.added(size);
    }

    fn remove(&mut self, st: &mut Store<Id>, key: u64) -> bool {
        let Some(s) = st.table.find(key) else {
            return false;
        };
        let size = st.table.node(s).size;
        let resident = self.lists.drop(&mut st.table, s) != Aout;
        if resident {
            st.tally.removed(size);
        }
        resident
    }

    fn contains(&self, st: &Store<Id>, key: u64) -> bool {
        st.table.find(key).is_some_and(|s| st.table.node(s).meta != Aout)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;

    fn keys(q: &TwoQ, id: Id) -> Vec<u64> {
        q.policy().lists.keys(&q.store().table, id)
    }

    #[test]
    fn ghost_hit_promotes_to_am_and_am_survives_a_scan() {
        // C = 4: Ain share 1, Aout 2 (ghost), Am 3.
        let mut q = TwoQ::new(4, 0.25, 0.5);
        // 1-4 fill Ain (it may exceed its share while the cache has room). 1 hits in Ain: nothing
        // moves. 5: Ain (4) is over its share, so its tail 1 goes to Aout although it was hit.
        assert_eq!(pattern(&mut q, &[1, 2, 3, 4, 1, 5]), "mmmmHm");
        assert_eq!(keys(&q, Ain), vec![5, 4, 3, 2]);
        assert_eq!(keys(&q, Aout), vec![1]);
        assert!(!q.contains(1), "a ghost is not cached");
        // 1 again: a ghost hit, so a miss that goes to Am; room is made by moving 2 to Aout.
        assert_eq!(pattern(&mut q, &[1]), "m");
        assert_eq!(keys(&q, Am), vec![1]);
        assert_eq!(keys(&q, Aout), vec![2]);
        // A scan of new keys only cycles Ain through Aout (2 ghosts at most): Am keeps 1.
        let scan: Vec<u64> = (10..30).collect();
        assert_eq!(pattern(&mut q, &scan), "m".repeat(20));
        assert_eq!(keys(&q, Aout), vec![26, 25]);
        assert_eq!(keys(&q, Am), vec![1]);
        assert_eq!(pattern(&mut q, &[1]), "H");
    }

    #[test]
    fn am_is_lru_and_evicted_when_ain_is_within_its_share() {
        // C = 4: Ain share 1, Aout 2, Am 3.
        let mut q = TwoQ::new(4, 0.25, 0.5);
        // 1-4 fill Ain; 5 6 push 1 2 to Aout. 1 2 3 are ghost hits (3 was pushed out by 1) and go
        // to Am; each pushes Ain's tail (3, 4, 5) to Aout, so Ain shrinks to its share.
        assert_eq!(pattern(&mut q, &[1, 2, 3, 4, 5, 6, 1, 2, 3]), "m".repeat(9));
        assert_eq!(keys(&q, Am), vec![3, 2, 1]);
        assert_eq!(keys(&q, Ain), vec![6]);
        assert_eq!(keys(&q, Aout), vec![5, 4]);
        // 1 hits in Am and moves to its head. 7: Ain holds 1 = its share, so Am's LRU tail (2) is
        // evicted, leaving no ghost.
        assert_eq!(pattern(&mut q, &[1, 7]), "Hm");
        assert_eq!(keys(&q, Am), vec![1, 3]);
        assert!(!q.contains(2));
        // 8: Ain (2) is over its share again, so 6 goes to Aout. 2 is a complete miss into Ain.
        assert_eq!(pattern(&mut q, &[8, 2, 3]), "mmH");
        assert_eq!(keys(&q, Ain), vec![2, 8]);
        assert_eq!(keys(&q, Aout), vec![7, 6]);
    }

    #[test]
    fn object_larger_than_ain_is_not_cached() {
        let mut q = TwoQ::new(100, 0.25, 0.5);
        assert!(!q.access(&Request::get(1, 26)));
        assert!(!q.contains(1));
        assert!(!q.access(&Request::get(2, 25)));
        assert!(q.contains(2));
    }

    #[test]
    fn parameters() {
        assert!(crate::policy::PolicySpec::parse("2q:ain=0.3,aout=1").is_ok());
        let e = crate::policy::PolicySpec::parse("twoq:ain=1").err().unwrap();
        assert!(e.contains("ain=1"), "{e}");
        let mut q = build("2q:ain=0.5", 4);
        // Ain share 2: 1 2 3 4 fill; 5 pushes 1 out to Aout; 1 is a ghost hit.
        assert_eq!(pattern(&mut *q, &[1, 2, 3, 4, 5, 1, 1]), "mmmmmmH");
    }
}
