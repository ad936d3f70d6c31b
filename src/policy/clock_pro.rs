//! CLOCK-Pro (Jiang, Chen & Zhang, "CLOCK-Pro: An Effective Improvement of the CLOCK
//! Replacement", USENIX ATC 2005), with the hands of libCacheSim's `ClockPro` (PyPI 0.3.5).
//!
//! One ring holds hot and cold resident objects and non-resident cold "test" entries (keys whose
//! reuse distance is still being measured). A new object enters cold, just behind the hot hand, with
//! its reference bit clear (`init-ref`); a hit sets the bit. Three hands move round the ring:
//! - the cold hand evicts: a referenced cold object is promoted to hot; an unreferenced one leaves
//!   the cache and stays in the ring as a test entry;
//! - the hot hand turns a hot object with a clear bit cold (a set bit is cleared and passed over);
//! - the test hand drops test entries when they total more than the cache; each one dropped
//!   without a reuse shrinks the cold target by its size.
//!
//! A miss on a test entry grows the cold target by the entry's size (at most the cache) and brings
//! the object back hot. The hot objects may take what the cold target leaves; promotions run the hot
//! hand until they fit. Sizes count in bytes everywhere (targets, lists, test entries).
//!
//! `gate=libcachesim` (the default) reproduces libCacheSim, whose `can_insert` admits a new object
//! only while the cold objects plus it fit in the cold target (`cold` x the cache, 0.5 in the
//! Python package). As every object enters cold and the target is at most the cache, nothing is
//! ever evicted: the cache fills to the cold target with the first objects that fit and then keeps
//! them (its miss counts on cloudPhysics are exactly that). `gate=none` admits every object that
//! fits in the cache and runs the algorithm above, which libCacheSim cannot: there a reused test
//! entry is promoted without entering its object table (so it never hits, and its later eviction
//! dereferences a null pointer), and its hands can spin forever when no object has the status they
//! look for. Here the promoted entry becomes a resident hot object, and a hand that would spin
//! stops (eviction with no cold object runs the hot hand instead).
//!
//! Cost: with `gate=none` the hands walk one ring of hot, cold and test entries, so when few
//! objects are cold an eviction can walk most of the ring (on cloudPhysicsIO, 8 byte sizes took
//! 15 s against 0.3 s for LRU). The default never evicts and costs what a lookup costs.

use super::core::resident::{self, Keeper, Store};
use super::core::table::NIL;
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "clock-pro",
    aliases: &["clockpro"],
    summary: "CLOCK-Pro (Jiang et al., ATC 2005): hot/cold/test clock hands. The default gate=libcachesim is libCacheSim 0.3.5's, which stops admitting once cold objects fill the cold target; gate=none runs the paper's algorithm.",
    params: &[
        ParamInfo {
            name: "cold",
            default: "0.5",
            help: "initial cold target as a fraction of the cache, above 0 up to 1 (libCacheSim's init-ratio-cold)",
        },
        ParamInfo {
            name: "init-ref",
            default: "0",
            help: "reference bit of new, promoted and demoted objects, 0 or 1",
        },
        ParamInfo {
            name: "gate",
            default: "libcachesim",
            help: "libcachesim (admit only while the cold objects fit in the cold target: never evicts, as libCacheSim) or none (the full algorithm)",
        },
    ],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let cold: f64 = p.get(
        "cold",
        ("a number above 0 and at most 1", |v: &f64| *v > 0.0 && *v <= 1.0),
    )?;
    let init_ref: u8 = p.get("init-ref", ("0 or 1", |v: &u8| *v <= 1))?;
    let gate: String = p.get(
        "gate",
        ("libcachesim or none", |v: &String| v == "libcachesim" || v == "none"),
    )?;
    Ok(Box::new(ClockPro::new(
        ctx.capacity,
        cold,
        init_ref == 1,
        gate == "libcachesim",
    )))
}

/// What a ring entry is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Status {
    /// Resident, on probation.
    #[default]
    Cold,
    /// Resident, with a short reuse distance.
    Hot,
    /// Not resident: a cold object's key, kept to measure its reuse distance.
    Test,
    /// Being moved by a hand: every hand passes over it until the move ends.
    Moving,
}

/// Per entry: its status and reference bit.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    status: Status,
    referenced: bool,
}

/// The CLOCK-Pro cache.
pub type ClockPro = Keeper<ClockProState>;

impl ClockPro {
    /// An empty cache; `cold` is the initial cold target as a fraction of `capacity`.
    pub fn new(capacity: u64, cold: f64, init_ref: bool, gate: bool) -> Self {
        Keeper::with_policy(
            capacity,
            ClockProState {
                capacity,
                cold_max: (capacity as f64 * cold) as u64,
                mem_cold: 0,
                mem_hot: 0,
                mem_test: 0,
                hand_hot: NIL,
                hand_cold: NIL,
                hand_test: NIL,
                init_ref,
                gate,
                test_hit: None,
            },
        )
    }
}

/// The state of [`ClockPro`]: the ring lives in the table's `prev`/`next` links (`next` is the
/// direction the hands move).
pub struct ClockProState {
    capacity: u64,
    /// The cold target.
    cold_max: u64,
    mem_cold: u64,
    mem_hot: u64,
    mem_test: u64,
    hand_hot: u32,
    hand_cold: u32,
    hand_test: u32,
    init_ref: bool,
    gate: bool,
    /// The current request's key is a test entry (found by the missed lookup).
    test_hit: Option<u64>,
}

type St = Store<Meta>;

impl ClockProState {
    #[inline]
    fn next(st: &St, s: u32) -> u32 {
        st.table.node(s).next
    }

    #[inline]
    fn status(st: &St, s: u32) -> Status {
        st.table.node(s).meta.status
    }

    /// Links `x` into the ring just before `at` (or as the only entry when the ring is empty).
    fn link_before(&mut self, st: &mut St, at: u32, x: u32) {
        if at == NIL {
            let n = st.table.node_mut(x);
            n.prev = x;
            n.next = x;
            self.hand_hot = x;
            self.hand_cold = x;
            self.hand_test = x;
            return;
        }
        let p = st.table.node(at).prev;
        {
            let n = st.table.node_mut(x);
            n.prev = p;
            n.next = at;
        }
        st.table.node_mut(p).next = x;
        st.table.node_mut(at).prev = x;
    }

    /// Unlinks `x` from the ring; hands on it move to the next entry.
    fn unlink(&mut self, st: &mut St, x: u32) {
        let (p, n) = (st.table.node(x).prev, st.table.node(x).next);
        let after = if n == x { NIL } else { n };
        for h in [&mut self.hand_hot, &mut self.hand_cold, &mut self.hand_test] {
            if *h == x {
                *h = after;
            }
        }
        if after != NIL {
            st.table.node_mut(p).next = n;
            st.table.node_mut(n).prev = p;
        }
        let node = st.table.node_mut(x);
        node.prev = NIL;
        node.next = NIL;
    }

    /// The test hand: drops the test entry under it (shrinking the cold target), else moves on.
    fn run_test(&mut self, st: &mut St) {
        let x = self.hand_test;
        if x == NIL {
            return;
        }
        if Self::status(st, x) != Status::Test {
            self.hand_test = Self::next(st, x);
            return;
        }
        let size = st.table.node(x).size;
        self.mem_test -= size;
        self.cold_max = self.cold_max.saturating_sub(size);
        self.unlink(st, x);
        st.table.remove(x);
        while self.mem_cold > self.cold_max {
            self.run_cold(st);
        }
    }

    /// The cold hand: promotes a referenced cold object, or evicts an unreferenced one (leaving a
    /// test entry in its place); passes over anything else.
    fn run_cold(&mut self, st: &mut St) {
        let x = self.hand_cold;
        if x == NIL {
            return;
        }
        if Self::status(st, x) != Status::Cold {
            self.hand_cold = Self::next(st, x);
            return;
        }
        if st.table.node(x).meta.referenced {
            self.promote(st, x);
            return;
        }
        let (key, size) = (st.table.node(x).key, st.table.node(x).size);
        self.mem_cold -= size;
        st.tally.evicted(key, size);
        st.table.node_mut(x).meta.status = Status::Moving;
        while self.mem_test > 0 && self.mem_test + size > self.capacity {
            self.run_test(st);
        }
        st.table.node_mut(x).meta = Meta {
            status: Status::Test,
            referenced: self.init_ref,
        };
        self.mem_test += size;
        self.hand_cold = Self::next(st, x);
    }

    /// The hot hand: clears a set reference bit, or turns an unreferenced hot object cold (making
    /// room in the cold target first); passes over anything else.
    fn run_hot(&mut self, st: &mut St) {
        let x = self.hand_hot;
        if x == NIL {
            return;
        }
        if Self::status(st, x) != Status::Hot {
            self.hand_hot = Self::next(st, x);
            return;
        }
        if st.table.node(x).meta.referenced {
            st.table.node_mut(x).meta.referenced = false;
            self.hand_hot = Self::next(st, x);
            return;
        }
        let size = st.table.node(x).size;
        st.table.node_mut(x).meta.status = Status::Moving;
        self.mem_hot -= size;
        while self.mem_cold > 0 && self.mem_cold + size > self.cold_max {
            self.run_cold(st);
        }
        st.table.node_mut(x).meta = Meta {
            status: Status::Cold,
            referenced: self.init_ref,
        };
        self.mem_cold += size;
        for h in [&mut self.hand_cold, &mut self.hand_test] {
            if *h == x {
                *h = st.table.node(x).next;
            }
        }
        self.hand_hot = Self::next(st, x);
    }

    /// Makes the cold object or test entry `x` hot: the hot hand runs until it fits in what the
    /// cold target leaves; `x` moves just past the hot hand, which then moves past `x`.
    fn promote(&mut self, st: &mut St, x: u32) {
        let Meta { status: old, .. } = st.table.node(x).meta;
        let size = st.table.node(x).size;
        if old == Status::Test {
            self.cold_max = (self.cold_max + size).min(self.capacity);
        }
        st.table.node_mut(x).meta.status = Status::Moving;
        match old {
            Status::Cold => self.mem_cold -= size,
            Status::Test => self.mem_test -= size,
            _ => {}
        }
        while self.mem_hot > 0 && self.mem_hot + size > self.capacity - self.cold_max {
            self.run_hot(st);
        }
        for h in [&mut self.hand_cold, &mut self.hand_test] {
            if *h == x {
                *h = st.table.node(x).next;
            }
        }
        let h = self.hand_hot;
        if h != x && h != NIL {
            self.unlink(st, x);
            let after = Self::next(st, h);
            self.link_before(st, after, x);
        }
        st.table.node_mut(x).meta = Meta {
            status: Status::Hot,
            referenced: self.init_ref,
        };
        self.mem_hot += size;
        self.hand_hot = Self::next(st, x);
    }

    /// One step of making room: the cold hand, or the hot hand when nothing is cold.
    fn evict_step(&mut self, st: &mut St) {
        if self.mem_cold == 0 {
            self.run_hot(st);
        } else {
            self.run_cold(st);
        }
    }
}

impl resident::TablePolicy for ClockProState {
    type Meta = Meta;

    #[inline]
    fn get(&mut self, st: &mut St, req: &Request) -> bool {
        self.test_hit = None;
        let Some(s) = st.table.find(req.key) else {
            return false;
        };
        let node = *st.table.node(s);
        if node.meta.status == Status::Test {
            self.test_hit = Some(req.key);
            return false;
        }
        if node.expire != 0 && req.time >= node.expire {
            self.remove(st, req.key);
            st.tally.count_expiration();
            return false;
        }
        st.table.node_mut(s).meta.referenced = true;
        true
    }

    fn insert(&mut self, st: &mut St, req: &Request) {
        let size = req.size;
        if size > self.capacity || (self.gate && self.mem_cold + size > self.cold_max) {
            self.test_hit = None;
            return;
        }
        while st.tally.over(size) {
            self.evict_step(st);
        }
        let test = self.test_hit.take() == Some(req.key);
        if let Some(s) = st.table.find(req.key).filter(|_| test) {
            // The test entry survived the evictions: its object comes back hot.
            let n = st.table.node_mut(s);
            let old = std::mem::replace(&mut n.size, size);
            n.expire = req.expiry();
            self.mem_test = self.mem_test - old + size;
            st.tally.added(size);
            self.promote(st, s);
            return;
        }
        if let Some(s) = st.table.find(req.key) {
            // A test entry the caller did not look up just before: drop it and start over.
            self.mem_test -= st.table.node(s).size;
            self.unlink(st, s);
            st.table.remove(s);
        }
        let meta = Meta {
            status: Status::Cold,
            referenced: self.init_ref,
        };
        let s = st.table.insert(req.key, size, req.expiry(), meta);
        let at = self.hand_hot;
        self.link_before(st, at, s);
        self.mem_cold += size;
        st.tally.added(size);
    }

    fn remove(&mut self, st: &mut St, key: u64) -> bool {
        let Some(s) = st.table.find(key) else {
            return false;
        };
        let n = *st.table.node(s);
        match n.meta.status {
            Status::Cold => self.mem_cold -= n.size,
            Status::Hot => self.mem_hot -= n.size,
            Status::Test | Status::Moving => self.mem_test -= n.size,
        }
        self.unlink(st, s);
        st.table.remove(s);
        let resident = matches!(n.meta.status, Status::Cold | Status::Hot);
        if resident {
            st.tally.removed(n.size);
        }
        resident
    }

    fn contains(&self, st: &St, key: u64) -> bool {
        st.table
            .find(key)
            .is_some_and(|s| matches!(st.table.node(s).meta.status, Status::Cold | Status::Hot))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;
    use crate::policy::PolicySpec;

    fn state(c: &ClockPro) -> (u64, u64, u64, u64) {
        let p = c.policy();
        (p.mem_cold, p.mem_hot, p.mem_test, p.cold_max)
    }

    #[test]
    fn libcachesim_gate_fills_the_cold_target_and_keeps_it() {
        // C = 4, cold target 2: 1 and 2 enter cold; nothing else is admitted, nothing evicted.
        let mut c = build("clock-pro", 4);
        assert_eq!(pattern(&mut *c, &[1, 2, 3, 1, 2, 3, 4, 1]), "mmmHHmmH");
        assert_eq!((c.len(), c.counters().evictions), (2, 0));
        // Bytes: the gate is on bytes. C = 100, target 50: 30 fits, 30 more does not, 20 does.
        let mut b = build("clock-pro", 100);
        for (k, s) in [(1, 30), (2, 30), (3, 20)] {
            b.access(&Request::get(k, s));
        }
        assert!(b.contains(1) && !b.contains(2) && b.contains(3));
    }

    #[test]
    fn cold_hand_evicts_to_test_and_test_hit_comes_back_hot() {
        // C = 3, cold target 3 (cold=1), no gate.
        let mut c = ClockPro::new(3, 1.0, false, false);
        // 1 2 3 fill cold. 4: the cold hand (at 1) evicts 1, leaving a test entry.
        assert_eq!(pattern(&mut c, &[1, 2, 3, 4]), "mmmm");
        assert!(!c.contains(1));
        assert_eq!(state(&c), (3, 0, 1, 3));
        // 1 again: a miss on the test entry. Room: the cold hand evicts 2 (test). The cold target
        // stays at most C, and 1 comes back hot; hot may take C - target = 0, so the hot hand
        // has nothing to turn.
        assert_eq!(pattern(&mut c, &[1]), "m");
        assert!(c.contains(1) && !c.contains(2));
        assert_eq!(state(&c).1, 1, "1 is hot");
        assert_eq!(pattern(&mut c, &[1, 3, 4]), "HHH");
    }

    #[test]
    fn referenced_cold_object_is_promoted() {
        let mut c = ClockPro::new(4, 0.5, false, false);
        // 1 2 3 4 enter cold (no gate); 1 hits (bit set). 5: the cold hand finds 1 referenced and
        // promotes it (hot room: C - target = 2), then evicts 2.
        assert_eq!(pattern(&mut c, &[1, 2, 3, 4, 1, 5]), "mmmmHm");
        assert!(c.contains(1) && !c.contains(2));
        let (cold, hot, test, _) = state(&c);
        assert_eq!((cold, hot, test), (3, 1, 1));
        assert_eq!(c.used(), 4);
    }

    #[test]
    fn bounds_hold_under_churn_without_gate() {
        for cap in [1u64, 2, 5, 40] {
            let mut c = ClockPro::new(cap, 0.5, false, false);
            let mut x = 99u64;
            for i in 0..20_000u64 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let mut r = Request::get(x % 100, 1 + x % 3);
                r.time = i;
                c.access(&r);
                let (cold, hot, test, cold_max) = state(&c);
                assert_eq!(cold + hot, c.used());
                assert!(c.used() <= cap && test <= cap && cold_max <= cap);
            }
        }
    }

    #[test]
    fn edges_and_params() {
        let mut z = build("clock-pro", 0);
        assert!(!z.access(&Request::get(1, 1)));
        assert!(z.is_empty());
        let mut c = build("clock-pro:gate=none", 10);
        assert!(!c.access(&Request::get(1, 11)));
        assert!(!c.contains(1));
        assert!(!c.access(&Request::get(2, 10)));
        assert!(c.contains(2));
        assert!(c.remove(2) && c.is_empty());
        for (bad, name) in [
            ("clock-pro:cold=0", "cold=0"),
            ("clock-pro:cold=1.5", "cold=1.5"),
            ("clock-pro:init-ref=2", "init-ref=2"),
            ("clock-pro:gate=yes", "gate=yes"),
        ] {
            let e = PolicySpec::parse(bad).unwrap_err();
            assert!(e.contains(name) && e.contains("must be"), "{e}");
        }
    }
}
