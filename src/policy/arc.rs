//! ARC, the Adaptive Replacement Cache (Megiddo & Modha, "ARC: A Self-Tuning, Low Overhead
//! Replacement Cache", FAST 2003), byte-sized as libCacheSim's `ARC` does it.
//!
//! Two resident LRU lists, T1 (seen once recently) and T2 (seen at least twice), and two ghost
//! lists of keys only, B1 and B2, remembering what was recently evicted from each. The target size
//! of T1, `p`, adapts: a ghost hit in B1 means T1 was too small, one in B2 that T2 was. All list
//! sizes are in bytes and `p` is a real number of bytes that moves by `max(|B2|/|B1|, 1)` (or the
//! mirror image), so with large objects it moves slowly, exactly as in libCacheSim.
//!
//! libCacheSim's rules, followed to the request (see the reference README):
//! - a hit in T1 moves the object to the head of T2; a hit in T2 moves it to T2's head;
//! - a ghost hit adjusts `p`, drops the ghost and inserts the object at the head of T2, making room
//!   with REPLACE only;
//! - REPLACE demotes T1's tail to B1 when `|T1| > 0 and (|T1| > p or (|T1| = p and the request hit
//!   B2))` or T2 is empty, else T2's tail to B2;
//! - a complete miss makes room one step at a time: if `|T1| + |B1| + size > C`, drop B1's tail and
//!   REPLACE, or, when B1 is empty, evict T1's tail without a ghost; else, if all four lists reach
//!   2C, drop B2's tail, then REPLACE.
//!
//! All four lists share one [`Table`](super::core::table::Table); a node's `meta` says which list holds it.

use super::core::queues::{QueueId, Queues};

use super::core::resident::{self, Keeper, Store};
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "arc",
    aliases: &["adaptive-replacement-cache"],
    summary: "ARC (Megiddo & Modha, FAST 2003): recency and frequency lists balanced by ghost hits.",
    params: &[],
    build,
    caps: Caps::NONE,
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(Arc::new(ctx.capacity)))
}

/// ARC's four lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Id {
    /// Resident, seen once recently.
    #[default]
    T1,
    /// Resident, seen at least twice.
    T2,
    /// Ghost of T1.
    B1,
    /// Ghost of T2.
    B2,
}
use Id::{B1, B2, T1, T2};

impl QueueId for Id {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

/// The ARC cache.
pub type Arc = Keeper<ArcState>;

impl Arc {
    /// An empty ARC cache of `capacity` bytes (or objects).
    pub fn new(capacity: u64) -> Self {
        Keeper::with_policy(capacity, ArcState::default())
    }
}

/// The state of [`Arc`] (empty by default).
#[derive(Default)]
pub struct ArcState {
    lists: Queues<Id, 4>,
    /// Target size of T1 in bytes.
    p: f64,
    /// The current request hit a ghost (its key is `ghost_key`); the insert that follows goes to T2.
    ghost_hit: bool,
    ghost_key: u64,
    /// libCacheSim's `curr_obj_in_L2_ghost`: set by a B2 ghost hit, cleared when a lookup finds
    /// the key (resident or ghost) or a ghost hit is inserted. It is deliberately not cleared by a
    /// complete miss, as in libCacheSim, where it then still steers REPLACE's tie rule.
    in_b2: bool,
}

impl ArcState {
    /// Bytes in list `id`.
    #[inline]
    fn bytes(&self, id: Id) -> u64 {
        self.lists.bytes(id)
    }

    /// Drops the tail of ghost list `id`.
    #[inline]
    fn drop_ghost_tail(&mut self, st: &mut Store<Id>, id: Id) {
        let t = self.lists.tail(id);
        self.lists.drop(&mut st.table, t);
    }

    /// REPLACE from the paper: demote T1's or T2's tail to its ghost list.
    fn replace(&mut self, st: &mut Store<Id>) {
        let t1 = self.bytes(T1);
        let t1f = t1 as f64;
        let from_t1 = (t1 > 0 && (t1f > self.p || (t1f == self.p && self.in_b2))) || self.bytes(T2) == 0;
        let (from, to) = if from_t1 { (T1, B1) } else { (T2, B2) };
        let victim = self.lists.tail(from);
        self.lists.move_to(&mut st.table, victim, to);
        let n = st.table.node(victim);
        st.tally.evicted(n.key, n.size);
    }

    /// One eviction step for a request found in no list (case IV of the paper).
    fn evict_complete_miss(&mut self, st: &mut Store<Id>, size: u64) {
        let (t1, b1) = (self.bytes(T1), self.bytes(B1));
        let capacity = st.tally.capacity();
        if t1 + b1 + size > capacity {
            if b1 > 0 {
                self.drop_ghost_tail(st, B1);
                self.replace(st);
            } else {
                let victim = self.lists.tail(T1);
                let (key, size) = (st.table.node(victim).key, st.table.node(victim).size);
                self.lists.drop(&mut st.table, victim);
                st.tally.evicted(key, size);
            }
        } else {
            let total = t1 + b1 + self.bytes(T2) + self.bytes(B2);
            if total >= 2 * capacity && self.bytes(B2) > 0 {
                self.drop_ghost_tail(st, B2);
            }
            self.replace(st);
        }
    }
}

impl resident::TablePolicy for ArcState {
    type Meta = Id;

    #[inline]
    fn get(&mut self, st: &mut Store<Id>, req: &Request) -> bool {
        self.ghost_hit = false;
        let Some(s) = st.table.find(req.key) else {
            return false;
        };
        let node = *st.table.node(s);
        match node.meta {
            T1 | T2 => {
                if node.expire != 0 && req.time >= node.expire {
                    self.lists.drop(&mut st.table, s);
                    st.tally.expired(node.size);
                    return false;
                }
                self.in_b2 = false;
                if node.meta == T2 {
                    self.lists.move_to_head(&mut st.table, s);
                } else {
                    self.lists.move_to(&mut st.table, s, T2);
                }
                true
            }
            ghost => {
                let (b1, b2) = (self.bytes(B1) as f64, self.bytes(B2) as f64);
                if ghost == B1 {
                    self.p = (self.p + (b2 / b1).max(1.0)).min(st.tally.capacity() as f64);
                    self.in_b2 = false;
                } else {
                    self.p = (self.p - (b1 / b2).max(1.0)).max(0.0);
                    self.in_b2 = true;
                }
                self.lists.drop(&mut st.table, s);
                self.ghost_hit = true;
                self.ghost_key = req.key;
                false
            }
        }
    }

    #[inline]
    fn insert(&mut self, st: &mut Store<Id>, req: &Request) {
        let size = req.size;
        if size > st.tally.capacity() {
            return;
        }
        let ghost = self.ghost_hit && self.ghost_key == req.key;
        while st.tally.over(size) {
            if ghost {
                self.replace(st);
            } else {
                self.evict_complete_miss(st, size);
            }
        }
        let to = if ghost {
            self.ghost_hit = false;
            self.in_b2 = false;
            T2
        } else {
            T1
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
        let resident = matches!(self.lists.drop(&mut st.table, s), T1 | T2);
        if resident {
            st.tally.removed(size);
        }
        resident
    }

    fn contains(&self, st: &Store<Id>, key: u64) -> bool {
        st.table
            .find(key)
            .is_some_and(|s| matches!(st.table.node(s).meta, T1 | T2))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;

    fn keys(a: &Arc, id: Id) -> Vec<u64> {
        a.policy().lists.keys(&a.store().table, id)
    }

    fn run(a: &mut Arc, ks: &[u64]) -> String {
        pattern(a, ks)
    }

    #[test]
    fn scan_does_not_flush_t2() {
        let mut a = Arc::new(4);
        // 1 2 miss into T1; their second requests hit and move them to T2 = [2 1], T1 empty.
        assert_eq!(run(&mut a, &[1, 2, 1, 2]), "mmHH");
        assert_eq!(keys(&a, T2), vec![2, 1]);
        // A scan of 10 new keys: each complete miss finds |T1| (2) > p (0), so REPLACE demotes
        // T1's tail to B1, and once |T1| + |B1| reaches C the B1 tail is dropped. T2 is untouched.
        let scan: Vec<u64> = (10..20).collect();
        assert_eq!(run(&mut a, &scan), "m".repeat(10));
        assert_eq!(keys(&a, T2), vec![2, 1]);
        assert_eq!(keys(&a, T1), vec![19, 18]);
        assert_eq!(keys(&a, B1), vec![17, 16]);
        // The frequent objects still hit; LRU of the same size would have lost both.
        assert_eq!(run(&mut a, &[1, 2]), "HH");
        let mut lru = build("lru", 4);
        let mut all = vec![1, 2, 1, 2];
        all.extend(10..20);
        all.extend([1, 2]);
        assert!(pattern(&mut *lru, &all).ends_with("mm"));
    }

    #[test]
    fn ghost_hits_adapt_p_and_insert_into_t2() {
        let mut a = Arc::new(4);
        // As above: T2 = [2 1], T1 = [19 18], B1 = [17 16], p = 0.
        let mut ks = vec![1, 2, 1, 2];
        ks.extend(10..20);
        run(&mut a, &ks);
        // 17 is a B1 ghost: p += max(|B2|/|B1|, 1) = 1; the ghost is dropped; to make room
        // REPLACE sees |T1| = 2 > p = 1 and demotes 18 to B1; 17 goes to T2's head.
        assert_eq!(run(&mut a, &[17]), "m");
        assert_eq!(a.policy().p, 1.0);
        assert_eq!(keys(&a, T2), vec![17, 2, 1]);
        assert_eq!(keys(&a, T1), vec![19]);
        assert_eq!(keys(&a, B1), vec![18, 16]);
        assert!(!a.contains(18), "ghosts are not cached");
        // 5 is new: |T1| + |B1| + 1 = 4 is not over C and the lists hold 6 < 2C, so REPLACE:
        // |T1| = 1 = p and the request did not hit B2, so T2's tail (1) is demoted to B2.
        assert_eq!(run(&mut a, &[5]), "m");
        assert_eq!(keys(&a, B2), vec![1]);
        assert_eq!(keys(&a, T1), vec![5, 19]);
        // 1 is a B2 ghost: p -= max(|B1|/|B2|, 1) = 2, floored at 0; |T1| = 2 > p so 19 goes to B1.
        assert_eq!(run(&mut a, &[1, 1]), "mH");
        assert_eq!(a.policy().p, 0.0);
        assert_eq!(keys(&a, T2), vec![1, 17, 2]);
        assert_eq!(keys(&a, T1), vec![5]);
    }

    #[test]
    fn p_moves_in_bytes() {
        // Byte-sized: a 100-byte ghost hit moves p by max(|B2|/|B1|, 1) = 1 byte, not 100.
        let mut a = Arc::new(300);
        let r = |k| Request::get(k, 100);
        // 1 misses and hits: T2 = [1]. 2 3 fill T1 = [3 2] (300 bytes used).
        // 4: |T1| + |B1| + 100 = 300 is not over C, so REPLACE: |T1| = 200 > p = 0, 2 goes to B1.
        for k in [1, 1, 2, 3, 4] {
            a.access(&r(k));
        }
        assert_eq!(keys(&a, B1), vec![2]);
        assert_eq!(keys(&a, T1), vec![4, 3]);
        // 2 hits B1: p = 0 + max(0 / 100, 1) = 1. Room by REPLACE: |T1| = 200 > 1, 3 goes to B1.
        assert!(!a.access(&r(2)));
        assert_eq!(a.policy().p, 1.0);
        assert_eq!(keys(&a, T2), vec![2, 1]);
        assert_eq!(keys(&a, B1), vec![3]);
        assert_eq!(a.used(), 300);
    }

    #[test]
    fn full_t1_with_empty_b1_evicts_without_ghost() {
        // C = 2: 1 2 fill T1; for 3, |T1| + |B1| + 1 = 3 > C and B1 is empty, so T1's tail (1)
        // is evicted without leaving a ghost.
        let mut a = Arc::new(2);
        assert_eq!(run(&mut a, &[1, 2, 3]), "mmm");
        assert!(keys(&a, B1).is_empty());
        assert_eq!(keys(&a, T1), vec![3, 2]);
    }

    #[test]
    fn ttl_expiry_is_a_miss() {
        let mut a = Arc::new(10);
        let mut r = Request::get(1, 1);
        r.ttl = 100;
        assert!(!a.access(&r));
        r.time = 99;
        assert!(a.access(&r));
        r.time = 100;
        assert!(!a.access(&r));
        assert_eq!(a.counters().expirations, 1);
        assert!(a.contains(1));
    }
}
