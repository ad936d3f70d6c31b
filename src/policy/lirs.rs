//! LIRS (Jiang & Zhang, "LIRS: an efficient low inter-reference recency set replacement policy",
//! SIGMETRICS 2002), byte-sized as libCacheSim's `LIRS`.
//!
//! Objects are LIR (low inter-reference recency, the protected set, `C - HIR limit` bytes) or HIR
//! (the rest: `max(1, 1% of C)` bytes of resident HIR objects in queue Q). Stack S holds LIR objects
//! and recently seen HIR objects, resident or not, in recency order; its bottom is always LIR
//! (stack pruning drops HIR entries below the lowest LIR object).
//!
//! - A hit on a LIR object moves it to the top of S, then S is pruned.
//! - A hit on a resident HIR object in S makes it LIR (it leaves Q); LIR objects at the bottom of S
//!   are demoted to the head of Q until the new LIR object fits in the LIR budget.
//! - A hit on a resident HIR object only in Q moves it to the top of S and the head of Q, after
//!   demoting LIR objects as above (libCacheSim does this even though the object stays HIR).
//! - A miss on a non-resident HIR entry in S makes the object LIR (demoting as needed).
//! - A new object is LIR while the LIR budget has room, else a resident HIR object (in S and Q);
//!   an object larger than the HIR limit is rejected. Making room evicts the tail of Q; an evicted
//!   object that is still in S stays there as a non-resident entry.
//! - After each request the stack is capped at 2C bytes by dropping its oldest non-resident
//!   entries (oldest by when they became non-resident).
//!
//! One libCacheSim quirk is deliberately not kept: when demotions during a Q-only hit push the hit
//! object itself out of Q, libCacheSim still pushes it onto S as a *resident* object that its byte
//! count omits (so the cache silently holds more than its capacity). Here the object was evicted, so
//! it goes onto S as a non-resident entry: capacity is never exceeded and every eviction is real.
//! This never happens on the cloudPhysicsIO reference trace (the conformance test stays exact).

use super::core::list::List;
use super::core::resident::{self, Keeper, Store};
use super::core::table::{Found, Node, NIL};
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "lirs",
    aliases: &[],
    summary: "LIRS (SIGMETRICS 2002): LIR set protected by inter-reference recency, small HIR queue.",
    params: &[ParamInfo {
        name: "hir",
        default: "0.01",
        help: "share of the capacity for resident HIR objects (at least 1 byte), 0 < hir < 1",
    }],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let hir: f64 = p.get("hir", ("a number with 0 < hir < 1", |v: &f64| *v > 0.0 && *v < 1.0))?;
    Ok(Box::new(Lirs::new(ctx.capacity, hir)))
}

/// In stack S (linked through the node's own links).
const IN_S: u8 = 1;
/// In queue Q (linked through `Meta::prev/next`).
const IN_Q: u8 = 2;
/// In the non-resident list (linked through `Meta::prev/next`; never together with `IN_Q`).
const IN_NH: u8 = 4;
/// LIR status.
const LIR: u8 = 8;
/// The object's data is cached.
const RESIDENT: u8 = 16;

/// Per-node metadata: status flags and the links of a second list (Q or the non-resident list).
#[derive(Clone, Copy, Debug)]
pub struct Meta {
    prev: u32,
    next: u32,
    flags: u8,
}

impl Default for Meta {
    fn default() -> Self {
        Meta {
            prev: NIL,
            next: NIL,
            flags: 0,
        }
    }
}

/// A doubly linked list threaded through `Meta::prev/next`: Q, or the non-resident list.
#[derive(Clone, Copy, Debug)]
struct SideList {
    head: u32,
    tail: u32,
    bytes: u64,
}

impl Default for SideList {
    fn default() -> Self {
        SideList {
            head: NIL,
            tail: NIL,
            bytes: 0,
        }
    }
}

impl SideList {
    fn push_head(&mut self, nodes: &mut [Node<Meta>], slot: u32) {
        let old = self.head;
        let n = &mut nodes[slot as usize];
        n.meta.prev = NIL;
        n.meta.next = old;
        self.bytes += n.size;
        if old != NIL {
            nodes[old as usize].meta.prev = slot;
        } else {
            self.tail = slot;
        }
        self.head = slot;
    }

    fn unlink(&mut self, nodes: &mut [Node<Meta>], slot: u32) {
        let Meta { prev, next, .. } = nodes[slot as usize].meta;
        if prev != NIL {
            nodes[prev as usize].meta.next = next;
        } else {
            self.head = next;
        }
        if next != NIL {
            nodes[next as usize].meta.prev = prev;
        } else {
            self.tail = prev;
        }
        let n = &mut nodes[slot as usize];
        n.meta.prev = NIL;
        n.meta.next = NIL;
        self.bytes -= n.size;
    }

    fn move_to_head(&mut self, nodes: &mut [Node<Meta>], slot: u32) {
        if self.head != slot {
            self.unlink(nodes, slot);
            self.push_head(nodes, slot);
        }
    }
}

/// The LIRS cache.
pub type Lirs = Keeper<LirsState>;

impl Lirs {
    /// An empty cache (the state: [`LirsState::new`]).
    pub fn new(capacity: u64, hir: f64) -> Self {
        Keeper::with_policy(capacity, LirsState::new(capacity, hir))
    }
}

/// The state of [`Lirs`].
pub struct LirsState {
    /// Stack S: top = head.
    s: List,
    /// Queue Q of resident HIR objects: newest = head, evicted from the tail.
    q: SideList,
    /// Non-resident entries of S, in the order they became non-resident (oldest = tail).
    nh: SideList,
    lir_limit: u64,
    hir_limit: u64,
    lir_bytes: u64,
    hir_bytes: u64,
}

impl LirsState {
    /// An empty LIRS cache; `hir` is the resident-HIR share of `capacity` (libCacheSim: 0.01).
    pub fn new(capacity: u64, hir: f64) -> Self {
        let hir_limit = ((hir * capacity as f64) as u64).max(1);
        LirsState {
            s: List::default(),
            q: SideList::default(),
            nh: SideList::default(),
            lir_limit: capacity.saturating_sub(hir_limit),
            hir_limit,
            lir_bytes: 0,
            hir_bytes: 0,
        }
    }

    #[inline]
    fn flags(&self, st: &Store<Meta>, slot: u32) -> u8 {
        st.table.node(slot).meta.flags
    }

    #[inline]
    fn set_flags(&mut self, st: &mut Store<Meta>, slot: u32, f: u8) {
        st.table.node_mut(slot).meta.flags = f;
    }

    #[inline]
    fn size(&self, st: &Store<Meta>, slot: u32) -> u64 {
        st.table.node(slot).size
    }

    /// Frees the node if it is in neither S nor Q.
    #[inline]
    fn free_if_orphan(&mut self, st: &mut Store<Meta>, slot: u32) {
        if self.flags(st, slot) & (IN_S | IN_Q) == 0 {
            st.table.remove(slot);
        }
    }

    /// Removes `slot` from S (and from the non-resident list if it is there).
    fn unlink_s(&mut self, st: &mut Store<Meta>, slot: u32) {
        let f = self.flags(st, slot);
        if f & IN_NH != 0 {
            self.nh.unlink(&mut st.table.nodes, slot);
        }
        self.s.unlink(&mut st.table.nodes, slot);
        self.set_flags(st, slot, f & !(IN_S | IN_NH | LIR));
    }

    /// Stack pruning: drops HIR entries from the bottom of S until a LIR object (or the top) is there.
    fn prune(&mut self, st: &mut Store<Meta>) {
        loop {
            let t = self.s.tail;
            if t == NIL || t == self.s.head || self.flags(st, t) & LIR != 0 {
                return;
            }
            self.unlink_s(st, t);
            self.free_if_orphan(st, t);
        }
    }

    /// Evicts the tail of Q; an object still in S stays there as a non-resident entry.
    fn evict_hir(&mut self, st: &mut Store<Meta>) -> bool {
        let t = self.q.tail;
        if t == NIL {
            return false;
        }
        let size = self.size(st, t);
        self.q.unlink(&mut st.table.nodes, t);
        self.hir_bytes -= size;
        st.tally.evicted(st.table.node(t).key, size);
        let f = self.flags(st, t) & !IN_Q;
        if f & IN_S != 0 {
            self.set_flags(st, t, (f & !RESIDENT) | IN_NH);
            self.nh.push_head(&mut st.table.nodes, t);
        } else {
            self.set_flags(st, t, f);
            st.table.remove(t);
        }
        true
    }

    /// Demotes the LIR object at the bottom of S to the head of Q (evicting from Q to make room;
    /// an object larger than the HIR limit is evicted instead), then prunes S. Returns false if the
    /// bottom of S is not a LIR object (only possible when the LIR set is empty).
    fn evict_lir(&mut self, st: &mut Store<Meta>) -> bool {
        let t = self.s.tail;
        if t == NIL || self.flags(st, t) & LIR == 0 {
            return false;
        }
        let size = self.size(st, t);
        self.unlink_s(st, t);
        self.lir_bytes -= size;
        if size <= self.hir_limit {
            // It stays resident, as HIR.
            while self.hir_bytes + size > self.hir_limit && self.evict_hir(st) {}
            self.q.push_head(&mut st.table.nodes, t);
            let f = self.flags(st, t);
            self.set_flags(st, t, f | IN_Q | RESIDENT);
            self.hir_bytes += size;
        } else {
            st.tally.evicted(st.table.node(t).key, size);
            st.table.remove(t);
        }
        self.prune(st);
        true
    }

    /// Demotes LIR objects until `size` more bytes fit in the LIR budget.
    fn make_lir_room(&mut self, st: &mut Store<Meta>, size: u64) {
        while self.lir_bytes + size > self.lir_limit && self.evict_lir(st) {}
    }

    /// Caps S at 2C bytes by dropping the oldest non-resident entries.
    fn limit_stack(&mut self, st: &mut Store<Meta>) {
        while self.s.bytes > 2 * st.tally.capacity() {
            let t = self.nh.tail;
            if t == NIL {
                return;
            }
            self.unlink_s(st, t);
            self.free_if_orphan(st, t);
        }
    }

    /// A hit on a resident HIR object in S: it becomes LIR.
    fn hit_hir_in_s(&mut self, st: &mut Store<Meta>, slot: u32) {
        let size = self.size(st, slot);
        if self.flags(st, slot) & IN_Q != 0 {
            self.q.unlink(&mut st.table.nodes, slot);
            let f = self.flags(st, slot);
            self.set_flags(st, slot, f & !IN_Q);
            self.hir_bytes -= size;
            st.tally.removed(size);
        }
        self.make_lir_room(st, size);
        let f = self.flags(st, slot);
        self.set_flags(st, slot, f | LIR);
        self.lir_bytes += size;
        st.tally.added(size);
    }

    /// A hit on a resident HIR object that is in Q but not in S: it goes to the top of S, still HIR.
    fn hit_hir_in_q(&mut self, st: &mut Store<Meta>, slot: u32) {
        let (key, size, expire) = {
            let n = st.table.node(slot);
            (n.key, n.size, n.expire)
        };
        self.make_lir_room(st, size);
        // Demotions may have evicted this object from Q (and freed its node): it then goes onto S
        // as a non-resident entry (see the module doc).
        match st.table.find(key) {
            Some(slot) => {
                self.s.push_head(&mut st.table.nodes, slot);
                let f = self.flags(st, slot);
                self.set_flags(st, slot, f | IN_S | RESIDENT);
            }
            None => {
                // A non-resident entry of S is on the non-resident list too (the stack limit
                // drops them from there, and a later miss on it unlinks it from there).
                let slot = st.table.insert(key, size, expire, Meta::default());
                self.s.push_head(&mut st.table.nodes, slot);
                self.nh.push_head(&mut st.table.nodes, slot);
                self.set_flags(st, slot, IN_S | IN_NH);
            }
        }
    }

    /// Removes a cached or remembered object completely. Returns whether it was resident.
    fn remove_slot(&mut self, st: &mut Store<Meta>, slot: u32) -> bool {
        let f = self.flags(st, slot);
        let size = self.size(st, slot);
        if f & LIR != 0 {
            self.lir_bytes -= size;
            st.tally.removed(size);
        }
        if f & IN_S != 0 {
            self.unlink_s(st, slot);
        }
        if f & IN_Q != 0 {
            self.q.unlink(&mut st.table.nodes, slot);
            self.hir_bytes -= size;
            st.tally.removed(size);
        }
        self.set_flags(st, slot, 0);
        st.table.remove(slot);
        if f & LIR != 0 {
            self.prune(st);
        }
        f & RESIDENT != 0
    }

    /// Inserts a new object (in neither S nor Q).
    fn insert_new(&mut self, st: &mut Store<Meta>, req: &Request) {
        let size = req.size;
        if size > self.lir_limit || size > self.hir_limit {
            return;
        }
        if self.lir_bytes + size > self.lir_limit {
            // Both sets are full: make room in Q (the LIR budget cannot hold it).
            while self.hir_bytes + size > self.hir_limit && self.evict_hir(st) {}
        }
        if st.tally.over(size) {
            // Unreachable while used = LIR + HIR bytes within their limits; never overfill.
            return;
        }
        let slot = st.table.insert(req.key, req.size, req.expiry(), Meta::default());
        self.s.push_head(&mut st.table.nodes, slot);
        if self.lir_bytes + size <= self.lir_limit {
            self.set_flags(st, slot, IN_S | LIR | RESIDENT);
            self.lir_bytes += size;
        } else {
            self.q.push_head(&mut st.table.nodes, slot);
            self.set_flags(st, slot, IN_S | IN_Q | RESIDENT);
            self.hir_bytes += size;
        }
        st.tally.added(size);
    }

    /// A miss on a non-resident entry of S (already moved to the top by `get`): it becomes LIR.
    fn insert_non_resident(&mut self, st: &mut Store<Meta>, slot: u32, req: &Request) {
        let size = self.size(st, slot);
        self.make_lir_room(st, size);
        self.nh.unlink(&mut st.table.nodes, slot);
        let f = self.flags(st, slot) & !IN_NH;
        self.set_flags(st, slot, f);
        // libCacheSim's eviction loop, sized by the request; it does not run when the LIR budget
        // already has room, as it has after the demotions above.
        while st.tally.over(req.size) {
            while self.hir_bytes >= self.hir_limit && self.evict_hir(st) {}
            if !self.evict_lir(st) {
                break;
            }
        }
        if st.tally.over(size) {
            return;
        }
        self.set_flags(st, slot, f | LIR | RESIDENT);
        st.table.node_mut(slot).expire = req.expiry();
        self.lir_bytes += size;
        st.tally.added(size);
    }
}

impl resident::TablePolicy for LirsState {
    type Meta = Meta;

    #[inline]
    fn get(&mut self, st: &mut Store<Meta>, req: &Request) -> bool {
        let slot = match st.table.lookup(req.key, req.time) {
            Found::Miss => return false,
            Found::Expired(s) if self.flags(st, s) & RESIDENT != 0 => {
                self.remove_slot(st, s);
                st.tally.count_expiration();
                return false;
            }
            Found::Hit(s) | Found::Expired(s) => s,
        };
        let f = self.flags(st, slot);
        if f & IN_S != 0 {
            self.s.move_to_head(&mut st.table.nodes, slot);
            if f & IN_Q != 0 {
                self.q.move_to_head(&mut st.table.nodes, slot);
            }
            if f & LIR != 0 {
                self.prune(st);
            } else if f & RESIDENT != 0 {
                self.hit_hir_in_s(st, slot);
            } else {
                // Non-resident: a miss; `insert` finishes the request.
                return false;
            }
        } else {
            self.q.move_to_head(&mut st.table.nodes, slot);
            self.hit_hir_in_q(st, slot);
        }
        self.limit_stack(st);
        true
    }

    #[inline]
    fn insert(&mut self, st: &mut Store<Meta>, req: &Request) {
        if req.size <= st.tally.capacity() {
            match st.table.find(req.key) {
                None => self.insert_new(st, req),
                Some(s) if self.flags(st, s) & RESIDENT == 0 => self.insert_non_resident(st, s, req),
                Some(_) => {} // already cached
            }
        }
        self.limit_stack(st);
    }

    fn remove(&mut self, st: &mut Store<Meta>, key: u64) -> bool {
        match st.table.find(key) {
            Some(s) => self.remove_slot(st, s),
            None => false,
        }
    }

    fn contains(&self, st: &Store<Meta>, key: u64) -> bool {
        st.table.find(key).is_some_and(|s| self.flags(st, s) & RESIDENT != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;

    /// S from top to bottom as (key, 'L' LIR / 'H' resident HIR / 'N' non-resident), and Q from
    /// head to tail.
    fn state(c: &Lirs) -> (Vec<(u64, char)>, Vec<u64>) {
        let s = c
            .policy()
            .s
            .iter(&c.store().table.nodes)
            .map(|i| {
                let f = c.policy().flags(c.store(), i);
                let k = if f & LIR != 0 {
                    'L'
                } else if f & RESIDENT != 0 {
                    'H'
                } else {
                    'N'
                };
                (c.store().table.node(i).key, k)
            })
            .collect();
        let mut q = Vec::new();
        let mut i = c.policy().q.head;
        while i != NIL {
            q.push(c.store().table.node(i).key);
            i = c.store().table.node(i).meta.next;
        }
        (s, q)
    }

    #[test]
    fn paper_walkthrough() {
        // Capacity 5 objects: HIR limit max(1, 0.05) = 1, LIR limit 4.
        let mut c = Lirs::new(5, 0.01);
        // 1..4 become LIR (budget 4); 5 is resident HIR (in S and Q).
        assert_eq!(pattern(&mut c, &[1, 2, 3, 4, 5]), "mmmmm");
        assert_eq!(
            state(&c),
            (vec![(5, 'H'), (4, 'L'), (3, 'L'), (2, 'L'), (1, 'L')], vec![5])
        );
        // 6 is new with both sets full: 5 is evicted from Q but stays in S as non-resident.
        assert_eq!(pattern(&mut c, &[6]), "m");
        assert_eq!(
            state(&c),
            (
                vec![(6, 'H'), (5, 'N'), (4, 'L'), (3, 'L'), (2, 'L'), (1, 'L')],
                vec![6]
            )
        );
        assert!(!c.contains(5), "non-resident entries are not cached");
        assert_eq!((c.used(), c.len()), (5, 5));
        // 5 again: a miss on a non-resident entry with a small inter-reference recency. It becomes
        // LIR; the bottom LIR object 1 is demoted to Q, which first evicts 6 from Q (6 stays in S as
        // non-resident). Pruning then removes nothing: 2 (LIR) is at the bottom.
        assert_eq!(pattern(&mut c, &[5]), "m");
        assert_eq!(
            state(&c),
            (vec![(5, 'L'), (6, 'N'), (4, 'L'), (3, 'L'), (2, 'L')], vec![1])
        );
        // 1 is a resident HIR object in Q only: a hit. libCacheSim demotes the bottom LIR (2) to
        // make LIR room even though 1 stays HIR; Q holds one object, so 1 itself is evicted from Q
        // to make room for 2 and goes onto S as a non-resident entry (the module doc's deviation).
        assert_eq!(pattern(&mut c, &[1]), "H");
        assert_eq!(
            state(&c),
            (vec![(1, 'N'), (5, 'L'), (6, 'N'), (4, 'L'), (3, 'L')], vec![2])
        );
        assert!(!c.contains(1), "1 was evicted");
        assert_eq!((c.used(), c.len()), (4, 4), "LIR 5, 4, 3 and Q 2");
        // A hit on the LIR object at the bottom (3) moves it to the top and prunes nothing (4 is
        // LIR). A hit on 4 then leaves 6 (non-resident) at the bottom, which pruning removes.
        assert_eq!(pattern(&mut c, &[3, 4]), "HH");
        assert_eq!(state(&c), (vec![(4, 'L'), (3, 'L'), (1, 'N'), (5, 'L')], vec![2]));
    }

    #[test]
    fn scan_does_not_disturb_the_lir_set() {
        // Capacity 100: LIR 99, HIR 1. Objects 1..=99 are referenced twice: they are the LIR set.
        let mut c = Lirs::new(100, 0.01);
        let hot: Vec<u64> = (1..=99).collect();
        pattern(&mut c, &hot);
        assert_eq!(pattern(&mut c, &hot), "H".repeat(99));
        // A long scan of new objects only cycles through the single HIR slot.
        pattern(&mut c, &(1000..3000).collect::<Vec<_>>());
        assert_eq!(pattern(&mut c, &hot), "H".repeat(99));
        // The stack stays within 2C: non-resident scan entries are dropped oldest first.
        assert!(c.policy().s.bytes <= 200, "stack holds {} entries", c.policy().s.bytes);
    }

    #[test]
    fn objects_larger_than_the_hir_limit_are_rejected() {
        // 1000 bytes: HIR limit 10, LIR limit 990.
        let mut c = Lirs::new(1000, 0.01);
        assert!(!c.access(&Request::get(1, 11)));
        assert!(!c.contains(1));
        assert!(!c.access(&Request::get(2, 10)));
        assert!(c.contains(2));
        assert_eq!(c.used(), 10);
    }

    #[test]
    fn an_object_evicted_by_its_own_hit_is_a_listed_non_resident_entry() {
        // Capacity 2: LIR limit 1, HIR limit 1. 13 is LIR, 39 resident HIR (S and Q); a hit on 13
        // prunes 39 from S, so 39 is in Q only.
        let mut c = Lirs::new(2, 0.01);
        assert_eq!(pattern(&mut c, &[13, 39, 13]), "mmH");
        assert_eq!(state(&c), (vec![(13, 'L')], vec![39]));
        // The hit on 39 demotes 13 to Q, which evicts 39 itself: 39 goes onto S non-resident, and
        // must be on the non-resident list (the list the stack limit and a later miss use).
        assert_eq!(pattern(&mut c, &[39]), "H");
        assert_eq!(state(&c), (vec![(39, 'N')], vec![13]));
        assert_eq!(c.policy().nh.head, c.policy().s.head);
        assert_eq!(c.policy().nh.bytes, 1);
        // A miss on it unlinks it from that list and makes it LIR.
        assert_eq!(pattern(&mut c, &[39]), "m");
        assert_eq!(state(&c), (vec![(39, 'L')], vec![13]));
        assert_eq!((c.policy().nh.head, c.policy().nh.bytes), (NIL, 0));
        assert_eq!((c.used(), c.len()), (2, 2));
    }

    #[test]
    fn delete_forgets_the_object() {
        let mut c = build("lirs", 5);
        assert_eq!(pattern(&mut *c, &[1, 2, 3, 4, 5, 6]), "mmmmmm");
        assert!(c.remove(1) && !c.contains(1));
        assert!(!c.remove(5), "5 is only a non-resident entry");
        assert_eq!(c.used(), 4);
        assert_eq!(pattern(&mut *c, &[1, 5]), "mm");
    }
}
