//! CAR, CLOCK with Adaptive Replacement (Bansal & Modha, "CAR: Clock with Adaptive Replacement",
//! FAST 2004), from the paper's pseudocode. No libCacheSim reference numbers are checked.
//!
//! Two clocks of resident objects, T1 (seen once recently) and T2 (seen at least twice), each with
//! a reference bit per object, and two LRU ghost lists of keys, B1 and B2, remembering what each
//! clock evicted. A hit only sets the bit. To make room, REPLACE turns the T1 clock while T1 holds
//! at least `max(1, p)`, else the T2 clock: a set bit is cleared and the object goes to T2's tail
//! (from T1) or back to T2's tail (from T2); the first object found with a clear bit is evicted into
//! B1 or B2. A miss found in B1 means T1 was too small: `p` grows by `max(1, |B2|/|B1|)`; one found
//! in B2 shrinks it by `max(1, |B1|/|B2|)`; either way the object enters T2. A complete miss enters
//! T1 after the directory is trimmed: B1's LRU entry goes while `|T1| + |B1|` would exceed c, then
//! B2's while the four lists would exceed 2c.
//!
//! Sizes: every list is measured in bytes and c is the capacity in bytes, so the paper's invariants
//! hold in bytes: `|T1| + |T2| <= c`, `|T1| + |B1| <= c`, `|T1| + |T2| + |B1| + |B2| <= 2c`. Room is
//! made one REPLACE at a time until the new object fits (several evictions for a large one), the
//! directory is trimmed on every complete miss (not only when the cache was full: after deletes the
//! paper's test would let the ghosts outgrow c), and a ghost hit moves `p` by the requested object's
//! size times `max(1, |B2|/|B1|)` (or the mirror), the paper's one page being one object of that
//! size. With every size 1 all of this is the paper's algorithm. An object larger than the cache is
//! not inserted (its ghost, if any, is dropped).

use super::core::queues::{InQueue, QueueId, Queues};
use super::core::resident::{self, Keeper, Store};
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "car",
    aliases: &["clock-adaptive-replacement"],
    summary:
        "CAR (Bansal & Modha, FAST 2004): ARC's adaptation over two CLOCKs; from the paper, no libCacheSim reference.",
    params: &[],
    build,
    caps: Caps::NONE,
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(Car::new(ctx.capacity)))
}

/// CAR's four lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Id {
    /// Resident clock, seen once recently.
    #[default]
    T1,
    /// Resident clock, seen at least twice.
    T2,
    /// Ghost LRU of T1.
    B1,
    /// Ghost LRU of T2.
    B2,
}
use Id::{B1, B2, T1, T2};

impl QueueId for Id {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

/// Per node: its list and its reference bit.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    q: Id,
    referenced: bool,
}

impl InQueue<Id> for Meta {
    #[inline]
    fn queue(&self) -> Id {
        self.q
    }
    #[inline]
    fn set_queue(&mut self, q: Id) {
        self.q = q;
    }
}

/// The CAR cache.
pub type Car = Keeper<CarState>;

impl Car {
    /// An empty CAR cache of `capacity` bytes (or objects).
    pub fn new(capacity: u64) -> Self {
        Keeper::with_policy(capacity, CarState::default())
    }
}

/// The state of [`Car`]. In every list the head is the newest entry: a clock's hand is its tail
/// (the paper's "head"), and the paper's "tail" of a clock, where entries join, is the list's head.
#[derive(Default)]
pub struct CarState {
    lists: Queues<Id, 4>,
    /// Target size of T1, in bytes.
    p: f64,
    /// The current request's key was found in B1 or B2 by the lookup (kept there until the insert).
    ghost_key: Option<u64>,
}

impl CarState {
    #[inline]
    fn bytes(&self, id: Id) -> u64 {
        self.lists.bytes(id)
    }

    /// REPLACE: turns the chosen clock until an object with a clear bit is found and evicted into
    /// its ghost list.
    fn replace(&mut self, st: &mut Store<Meta>) {
        loop {
            let t1 = self.bytes(T1);
            let from_t1 = (t1 > 0 && t1 as f64 >= self.p.max(1.0)) || self.lists.list(T2).is_empty();
            let (clock, ghost) = if from_t1 { (T1, B1) } else { (T2, B2) };
            let hand = self.lists.tail(clock);
            let node = st.table.node(hand);
            if node.meta.referenced {
                st.table.node_mut(hand).meta.referenced = false;
                self.lists.move_to(&mut st.table, hand, T2);
            } else {
                let (key, size) = (node.key, node.size);
                self.lists.move_to(&mut st.table, hand, ghost);
                st.tally.evicted(key, size);
                return;
            }
        }
    }

    /// Drops the LRU entry of ghost list `id`.
    fn drop_lru(&mut self, st: &mut Store<Meta>, id: Id) {
        let t = self.lists.tail(id);
        self.lists.drop(&mut st.table, t);
    }
}

impl resident::TablePolicy for CarState {
    type Meta = Meta;

    #[inline]
    fn get(&mut self, st: &mut Store<Meta>, req: &Request) -> bool {
        self.ghost_key = None;
        let Some(s) = st.table.find(req.key) else {
            return false;
        };
        let node = *st.table.node(s);
        match node.meta.q {
            T1 | T2 => {
                if node.expire != 0 && req.time >= node.expire {
                    self.lists.drop(&mut st.table, s);
                    st.tally.expired(node.size);
                    return false;
                }
                st.table.node_mut(s).meta.referenced = true;
                true
            }
            B1 | B2 => {
                self.ghost_key = Some(req.key);
                false
            }
        }
    }

    fn insert(&mut self, st: &mut Store<Meta>, req: &Request) {
        let size = req.size;
        let ghost = self
            .ghost_key
            .take()
            .filter(|&k| k == req.key)
            .and_then(|k| st.table.find(k))
            .filter(|&s| matches!(st.table.node(s).meta.q, B1 | B2));
        let c = st.tally.capacity();
        if size > c {
            if let Some(s) = ghost {
                self.lists.drop(&mut st.table, s);
            }
            return;
        }
        while st.tally.over(size) {
            self.replace(st);
        }
        match ghost {
            None => {
                while self.bytes(T1) + self.bytes(B1) + size > c && !self.lists.list(B1).is_empty() {
                    self.drop_lru(st, B1);
                }
                while self.bytes(T1) + self.bytes(T2) + self.bytes(B1) + self.bytes(B2) + size > 2 * c
                    && !self.lists.list(B2).is_empty()
                {
                    self.drop_lru(st, B2);
                }
                let meta = Meta {
                    q: T1,
                    referenced: false,
                };
                let s = st.table.insert(req.key, size, req.expiry(), meta);
                self.lists.push_head(&mut st.table, s, T1);
            }
            Some(s) => {
                let (b1, b2) = (self.bytes(B1) as f64, self.bytes(B2) as f64);
                let unit = size as f64;
                if st.table.node(s).meta.q == B1 {
                    self.p = (self.p + unit * (b2 / b1).max(1.0)).min(c as f64);
                } else {
                    self.p = (self.p - unit * (b1 / b2).max(1.0)).max(0.0);
                }
                // The ghost keeps its old size in its list until it leaves it.
                self.lists.unlink(&mut st.table, s);
                let n = st.table.node_mut(s);
                n.size = size;
                n.expire = req.expiry();
                n.meta.referenced = false;
                self.lists.push_head(&mut st.table, s, T2);
                // The ghost's old size may have been smaller: keep the directory within 2c.
                while self.bytes(T1) + self.bytes(T2) + self.bytes(B1) + self.bytes(B2) > 2 * c {
                    let id = if self.lists.list(B2).is_empty() { B1 } else { B2 };
                    self.drop_lru(st, id);
                }
            }
        }
        st.tally.added(size);
    }

    fn remove(&mut self, st: &mut Store<Meta>, key: u64) -> bool {
        let Some(s) = st.table.find(key) else {
            return false;
        };
        let size = st.table.node(s).size;
        let resident = matches!(self.lists.drop(&mut st.table, s), T1 | T2);
        if resident {
            st.tally.removed(size);
        }
        resident
    }

    fn contains(&self, st: &Store<Meta>, key: u64) -> bool {
        st.table
            .find(key)
            .is_some_and(|s| matches!(st.table.node(s).meta.q, T1 | T2))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;

    fn keys(c: &Car, id: Id) -> Vec<u64> {
        c.policy().lists.keys(&c.store().table, id)
    }

    fn invariants(c: &Car) {
        let p = c.policy();
        let cap = c.capacity();
        let (t1, t2, b1, b2) = (p.bytes(T1), p.bytes(T2), p.bytes(B1), p.bytes(B2));
        assert!(t1 + t2 <= cap, "|T1| + |T2| = {} > {cap}", t1 + t2);
        assert!(t1 + b1 <= cap, "|T1| + |B1| = {} > {cap}", t1 + b1);
        assert!(t1 + t2 + b1 + b2 <= 2 * cap, "directory {} > 2c", t1 + t2 + b1 + b2);
        assert!(p.p >= 0.0 && p.p <= cap as f64);
        assert_eq!(t1 + t2, c.used());
    }

    #[test]
    fn hits_set_bits_and_the_clock_moves_referenced_objects_to_t2() {
        let mut c = Car::new(3);
        // 1 2 3 fill T1 (clock order 1 2 3, hand at 1); 1 hits: its bit is set, nothing moves.
        assert_eq!(pattern(&mut c, &[1, 2, 3, 1]), "mmmH");
        assert_eq!(keys(&c, T1), vec![3, 2, 1]);
        // 4: REPLACE with p = 0 turns T1: 1 is referenced, so it goes to T2 with its bit cleared;
        // 2 is not: evicted into B1. 4 joins T1.
        assert_eq!(pattern(&mut c, &[4]), "m");
        assert_eq!(keys(&c, T1), vec![4, 3]);
        assert_eq!(keys(&c, T2), vec![1]);
        assert_eq!(keys(&c, B1), vec![2]);
        invariants(&c);
    }

    #[test]
    fn ghost_hits_adapt_p() {
        let mut c = Car::new(3);
        pattern(&mut c, &[1, 2, 3, 1, 4]);
        // T1 = [4 3], T2 = [1], B1 = [2], p = 0. 2 is in B1: REPLACE first (|T1| = 2 >= 1: 3 is
        // unreferenced, into B1), then p = 0 + max(1, |B2|/|B1| = 0) = 1 and 2 joins T2.
        assert_eq!(pattern(&mut c, &[2]), "m");
        assert_eq!(c.policy().p, 1.0);
        assert_eq!(keys(&c, T2), vec![2, 1]);
        assert_eq!(keys(&c, T1), vec![4]);
        assert_eq!(keys(&c, B1), vec![3]);
        // 5: |T1| = 1 >= max(1, p = 1): 4 goes to B1; before 5 joins T1, |T1| + |B1| + 1 = 3 fits.
        assert_eq!(pattern(&mut c, &[5]), "m");
        assert_eq!(keys(&c, B1), vec![4, 3]);
        // 6: T1 = [5] again gives up 5 to B1; now |T1| + |B1| + 1 = 4 > 3, so B1's LRU (3) goes.
        assert_eq!(pattern(&mut c, &[6]), "m");
        assert_eq!(keys(&c, B1), vec![5, 4]);
        // 1 hits in T2 (bit set). 4 is in B1: REPLACE gives up 6 to B1, then
        // p = 1 + max(1, |B2|/|B1| = 0) = 2 and 4 joins T2.
        assert_eq!(pattern(&mut c, &[1, 4]), "Hm");
        assert_eq!(c.policy().p, 2.0);
        assert_eq!(keys(&c, T2), vec![4, 2, 1]);
        assert_eq!(keys(&c, B1), vec![6, 5]);
        invariants(&c);
        // 9: T1 is empty, so REPLACE turns T2: 1 (referenced) goes round with its bit cleared,
        // 2 is evicted into B2.
        assert_eq!(pattern(&mut c, &[9]), "m");
        assert_eq!(keys(&c, T2), vec![1, 4]);
        assert_eq!(keys(&c, B2), vec![2]);
        // 2 is in B2: REPLACE (|T1| = 1 < p = 2) evicts 4 from T2 into B2, then
        // p = 2 - max(1, |B1|/|B2| = 2/2) = 1 and 2 joins T2.
        assert_eq!(pattern(&mut c, &[2]), "m");
        assert_eq!(c.policy().p, 1.0);
        assert_eq!(keys(&c, T2), vec![2, 1]);
        assert_eq!(keys(&c, B2), vec![4]);
        invariants(&c);
    }

    #[test]
    fn scan_resistance_keeps_t2() {
        let mut c = Car::new(4);
        assert_eq!(pattern(&mut c, &[1, 2, 1, 2]), "mmHH");
        let scan: Vec<u64> = (10..40).collect();
        assert_eq!(pattern(&mut c, &scan), "m".repeat(30));
        // 1 and 2 were referenced: the first REPLACE moved them to T2, and with p = 0 the T1
        // clock absorbs the scan.
        assert_eq!(pattern(&mut c, &[1, 2]), "HH");
        invariants(&c);
    }

    #[test]
    fn invariants_hold_in_objects_and_bytes() {
        for (cap, max_size) in [(1u64, 1u64), (3, 1), (8, 1), (50, 1), (50, 7), (1000, 300)] {
            let mut c = Car::new(cap);
            let mut x = 7u64;
            for i in 0..20_000u64 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let key = if x.is_multiple_of(3) { x % 20 } else { x % 400 };
                let mut r = Request::get(key, 1 + (key * 31) % max_size);
                r.time = i;
                c.access(&r);
                invariants(&c);
            }
        }
    }

    #[test]
    fn edges() {
        let mut z = build("car", 0);
        assert!(!z.access(&Request::get(1, 1)));
        assert!(z.is_empty());
        let mut c = Car::new(10);
        assert!(!c.access(&Request::get(1, 11)));
        assert!(!c.contains(1));
        assert!(!c.access(&Request::get(2, 10)));
        assert!(c.access(&Request::get(2, 10)));
        // 3 needs room: 2 (referenced) moves to T2, then is evicted into B2 as T1 is empty.
        assert!(!c.access(&Request::get(3, 4)));
        assert!(!c.contains(2));
        assert_eq!(keys(&c, B2), vec![2]);
        // The ghost of an object that has grown past the cache is dropped; nothing is inserted.
        assert!(!c.access(&Request::get(2, 11)));
        assert!(keys(&c, B2).is_empty() && !c.contains(2));
        invariants(&c);
        assert!(crate::policy::PolicySpec::parse("car:p=1").is_err());
        assert!(c.remove(3) && c.is_empty());
    }
}
