//! Clock-2Q+, libCacheSim's `Clock2QPlus` (PyPI 0.3.5): a 2Q in the S3-FIFO mould, a small FIFO
//! for new objects in front of a CLOCK main cache, with a ghost FIFO and a correlation window.
//!
//! New objects enter the small FIFO (`fifo` = 10% of the cache). A hit there counts only when at
//! least `window` x the FIFO's size insertions into the FIFO have happened since the object's own
//! (`window` = 0.5): hits right after the first access are correlated and ignored. When the FIFO is
//! evicted from, its oldest object moves to the main cache if it counted at least `threshold` (1)
//! hits, otherwise it leaves and its key goes to the ghost FIFO (`ghost` = 90% of the cache, in
//! bytes). A miss whose key is in the ghost goes straight to main. Main is a CLOCK: a hit marks the
//! object; at eviction a marked tail object goes back to the head unmarked, the first unmarked one
//! is evicted.
//!
//! As in libCacheSim, to the request:
//! - the shares are `floor(C * fifo)`, main `C - floor(C * fifo)`, ghost `floor(C * ghost)`;
//! - the window is `floor(C * fifo) * window` counted in insertions into the FIFO, even in bytes,
//!   so with byte sizes it is far longer than any trace and FIFO hits never count;
//! - an object larger than the FIFO is not cached; one exactly the FIFO's size makes room (evicts)
//!   and is then not inserted, unless its key was in the ghost;
//! - until the first eviction, a new object goes to main once the FIFO is full;
//! - an eviction takes from main when main is over its share or the FIFO is empty, else from the
//!   FIFO; an object moving from the FIFO to main is not an eviction and may push main over its
//!   share.

use super::core::queues::{InQueue, QueueId, Queues};
use super::core::resident::{self, Keeper, Store};
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "clock2q+",
    aliases: &["clock2qplus", "clock-2q+"],
    summary: "Clock-2Q+ (libCacheSim): small FIFO with a correlation window, ghost FIFO, CLOCK main cache.",
    params: &[
        ParamInfo {
            name: "fifo",
            default: "0.1",
            help: "small FIFO share of the cache, above 0 and below 1",
        },
        ParamInfo {
            name: "ghost",
            default: "0.9",
            help: "ghost FIFO size as a fraction of the cache, 0 (no ghost) to 10",
        },
        ParamInfo {
            name: "threshold",
            default: "1",
            help: "counted FIFO hits that move an object to main instead of the ghost, 0 to 255",
        },
        ParamInfo {
            name: "window",
            default: "0.5",
            help: "correlation window as a fraction of the FIFO's size, in insertions into the FIFO, 0 to 100",
        },
    ],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let fifo: f64 = p.get("fifo", ("a number above 0 and below 1", |v: &f64| *v > 0.0 && *v < 1.0))?;
    let ghost: f64 = p.get("ghost", ("a number from 0 to 10", |v: &f64| (0.0..=10.0).contains(v)))?;
    let threshold: u32 = p.get("threshold", ("an integer from 0 to 255", |v: &u32| *v <= 255))?;
    let window: f64 = p.get(
        "window",
        ("a number from 0 to 100", |v: &f64| (0.0..=100.0).contains(v)),
    )?;
    Ok(Box::new(Clock2QPlus::new(ctx.capacity, fifo, ghost, threshold, window)))
}

/// Clock-2Q+'s queues.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Id {
    /// New objects (FIFO).
    #[default]
    Fifo,
    /// Objects promoted from the FIFO or the ghost (CLOCK).
    Main,
    /// Keys of objects that left the FIFO without counted hits (FIFO of keys).
    Ghost,
}
use Id::{Fifo, Ghost, Main};

impl QueueId for Id {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

/// Per node: its queue, its counted hits, and (in the FIFO) its insertion number.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    q: Id,
    freq: u32,
    inserted: u64,
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

/// The Clock-2Q+ cache.
pub type Clock2QPlus = Keeper<Clock2QPlusState>;

impl Clock2QPlus {
    /// An empty cache (the state: [`Clock2QPlusState::new`]).
    pub fn new(capacity: u64, fifo: f64, ghost: f64, threshold: u32, window: f64) -> Self {
        Keeper::with_policy(
            capacity,
            Clock2QPlusState::new(capacity, fifo, ghost, threshold, window),
        )
    }
}

/// The state of [`Clock2QPlus`].
pub struct Clock2QPlusState {
    lists: Queues<Id, 3>,
    fifo_size: u64,
    main_size: u64,
    ghost_size: u64,
    threshold: u32,
    /// Correlation window in insertions into the FIFO.
    window: f64,
    /// Insertions into the FIFO so far.
    fifo_inserts: u64,
    /// Whether anything was evicted yet (the warm-up rule).
    has_evicted: bool,
    /// The current request's key was found (and dropped) in the ghost: its insert goes to main.
    ghost_hit: bool,
    ghost_key: u64,
}

impl Clock2QPlusState {
    /// An empty state; `fifo`, `ghost` and `window` are fractions (of the capacity, of the FIFO).
    pub fn new(capacity: u64, fifo: f64, ghost: f64, threshold: u32, window: f64) -> Self {
        let fifo_size = (capacity as f64 * fifo) as u64;
        Clock2QPlusState {
            lists: Queues::default(),
            fifo_size,
            main_size: capacity - fifo_size.min(capacity),
            ghost_size: (capacity as f64 * ghost) as u64,
            threshold,
            window: fifo_size as f64 * window,
            fifo_inserts: 0,
            has_evicted: false,
            ghost_hit: false,
            ghost_key: 0,
        }
    }

    /// Remembers `slot`'s key in the ghost (trimming the ghost from its tail), or drops the node
    /// when it cannot fit there.
    fn leave_for_ghost(&mut self, st: &mut Store<Meta>, slot: u32) {
        let size = st.table.node(slot).size;
        if self.ghost_size == 0 || size > self.ghost_size {
            self.lists.drop(&mut st.table, slot);
            return;
        }
        while self.lists.bytes(Ghost) + size > self.ghost_size {
            let t = self.lists.tail(Ghost);
            self.lists.drop(&mut st.table, t);
        }
        self.lists.move_to(&mut st.table, slot, Ghost);
    }

    /// FIFO eviction: objects with enough counted hits move to main (unmarked) until one without
    /// leaves for the ghost.
    fn evict_fifo(&mut self, st: &mut Store<Meta>) {
        while !self.lists.list(Fifo).is_empty() {
            let t = self.lists.tail(Fifo);
            if st.table.node(t).meta.freq >= self.threshold {
                self.lists.move_to(&mut st.table, t, Main);
                let m = &mut st.table.node_mut(t).meta;
                m.freq = 0;
                m.inserted = 0;
            } else {
                let (key, size) = (st.table.node(t).key, st.table.node(t).size);
                st.tally.evicted(key, size);
                self.leave_for_ghost(st, t);
                return;
            }
        }
    }

    /// CLOCK eviction from main.
    fn evict_main(&mut self, st: &mut Store<Meta>) {
        while !self.lists.list(Main).is_empty() {
            let t = self.lists.tail(Main);
            if st.table.node(t).meta.freq >= 1 {
                st.table.node_mut(t).meta.freq = 0;
                self.lists.move_to_head(&mut st.table, t);
            } else {
                let (key, size) = (st.table.node(t).key, st.table.node(t).size);
                self.lists.drop(&mut st.table, t);
                st.tally.evicted(key, size);
                return;
            }
        }
    }

    fn evict_one(&mut self, st: &mut Store<Meta>) {
        self.has_evicted = true;
        if self.lists.bytes(Main) > self.main_size || self.lists.bytes(Fifo) == 0 {
            self.evict_main(st);
        } else {
            self.evict_fifo(st);
        }
    }

    /// Puts a new node for `req` at the head of `q`.
    fn add(&mut self, st: &mut Store<Meta>, req: &Request, q: Id, inserted: u64) {
        let meta = Meta { q, freq: 0, inserted };
        let s = st.table.insert(req.key, req.size, req.expiry(), meta);
        self.lists.push_head(&mut st.table, s, q);
        st.tally.added(req.size);
    }
}

impl resident::TablePolicy for Clock2QPlusState {
    type Meta = Meta;

    #[inline]
    fn get(&mut self, st: &mut Store<Meta>, req: &Request) -> bool {
        self.ghost_hit = false;
        let Some(s) = st.table.find(req.key) else {
            return false;
        };
        let node = *st.table.node(s);
        if node.meta.q == Ghost {
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
        let counts = node.meta.q == Main || (self.fifo_inserts - node.meta.inserted) as f64 >= self.window;
        if counts {
            let m = &mut st.table.node_mut(s).meta;
            m.freq = m.freq.saturating_add(1);
        }
        true
    }

    #[inline]
    fn insert(&mut self, st: &mut Store<Meta>, req: &Request) {
        let size = req.size;
        if size > self.fifo_size {
            return;
        }
        while st.tally.over(size) {
            self.evict_one(st);
        }
        if self.ghost_hit && self.ghost_key == req.key {
            self.ghost_hit = false;
            self.add(st, req, Main, 0);
        } else if size >= self.fifo_size {
            // libCacheSim made room above and then declines an object the FIFO's exact size.
        } else if !self.has_evicted && self.lists.bytes(Fifo) >= self.fifo_size {
            self.add(st, req, Main, 0);
        } else {
            self.fifo_inserts += 1;
            self.add(st, req, Fifo, self.fifo_inserts);
        }
    }

    fn remove(&mut self, st: &mut Store<Meta>, key: u64) -> bool {
        let Some(s) = st.table.find(key) else {
            return false;
        };
        let size = st.table.node(s).size;
        let resident = self.lists.drop(&mut st.table, s) != Ghost;
        if resident {
            st.tally.removed(size);
        }
        resident
    }

    fn contains(&self, st: &Store<Meta>, key: u64) -> bool {
        st.table.find(key).is_some_and(|s| st.table.node(s).meta.q != Ghost)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;
    use crate::policy::PolicySpec;

    fn keys(c: &Clock2QPlus, id: Id) -> Vec<u64> {
        c.policy().lists.keys(&c.store().table, id)
    }

    #[test]
    fn warm_up_ghost_and_clock() {
        // C = 20: FIFO share 2, main 18, ghost 18, window 1 FIFO insertion.
        let mut c = Clock2QPlus::new(20, 0.1, 0.9, 1, 0.5);
        // 1 2 fill the FIFO; then, before any eviction, new objects go to main while the FIFO is full.
        assert_eq!(pattern(&mut c, &(1..=20).collect::<Vec<_>>()), "m".repeat(20));
        assert_eq!(keys(&c, Fifo), vec![2, 1]);
        assert_eq!(keys(&c, Main).len(), 18);
        // 2 hits: one FIFO insertion (2's own) since 2's -> 2 - 2 = 0 < window 1: not counted.
        // 1 hits: 2 - 1 = 1 >= 1: counted.
        assert_eq!(pattern(&mut c, &[2, 1]), "HH");
        // 21: main (18) is not over its share and the FIFO is not empty: FIFO eviction. Tail 1 has
        // a counted hit: to main (unmarked); then 2 has none: evicted, its key to the ghost.
        assert_eq!(pattern(&mut c, &[21]), "m");
        assert_eq!(keys(&c, Ghost), vec![2]);
        assert_eq!(keys(&c, Fifo), vec![21]);
        assert_eq!(keys(&c, Main)[0], 1);
        // 2 again: a ghost hit. Main (19) is over its share: CLOCK eviction of main's tail, 3.
        assert_eq!(pattern(&mut c, &[2]), "m");
        assert_eq!(keys(&c, Main)[0], 2);
        assert!(!c.contains(3));
        assert!(keys(&c, Ghost).is_empty());
    }

    #[test]
    fn main_is_a_clock() {
        let mut c = Clock2QPlus::new(20, 0.1, 0.9, 1, 0.5);
        pattern(&mut c, &(1..=20).collect::<Vec<_>>());
        // Main holds 3..=20 (3 oldest). 3 hits in main: marked.
        assert_eq!(pattern(&mut c, &[3]), "H");
        // Empty the FIFO (1 2 go to the ghost), then the next evictions come from main.
        assert_eq!(pattern(&mut c, &[21, 22]), "mm");
        assert_eq!(keys(&c, Ghost), vec![2, 1]);
        // 1 is a ghost hit into main; room is made in the FIFO (21 to the ghost), so main is now
        // over its share (19). 23: main's tail 3 is marked, goes back to the head unmarked, and 4
        // is evicted.
        assert_eq!(pattern(&mut c, &[1, 23]), "mm");
        assert_eq!(keys(&c, Ghost), vec![21, 2]);
        assert!(c.contains(3) && !c.contains(4));
    }

    #[test]
    fn sizes_and_edges() {
        // C = 100: FIFO 10. An object over the FIFO's size is not cached; one exactly its size
        // makes room but is not cached either.
        let mut c = Clock2QPlus::new(100, 0.1, 0.9, 1, 0.5);
        assert!(!c.access(&Request::get(1, 11)));
        assert!(!c.access(&Request::get(2, 10)));
        assert!(c.is_empty());
        assert!(!c.access(&Request::get(3, 9)));
        assert!(c.contains(3));
        let mut z = build("clock2q+", 0);
        assert!(!z.access(&Request::get(1, 1)));
        assert!(z.is_empty());
        let mut small = build("clock2q+", 5);
        assert_eq!(
            pattern(&mut *small, &[1, 1]),
            "mm",
            "a FIFO of 0 objects caches nothing"
        );
    }

    #[test]
    fn bounds_hold_under_churn() {
        let mut c = Clock2QPlus::new(50, 0.1, 0.9, 1, 0.5);
        let mut x = 12345u64;
        for i in 0..5000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut r = Request::get(x % 200, 1 + x % 4);
            r.time = i;
            c.access(&r);
            assert!(c.used() <= 50);
            assert!(c.policy().lists.bytes(Ghost) <= 45);
        }
    }

    #[test]
    fn parameters() {
        assert!(PolicySpec::parse("clock2q+:fifo=0.2,ghost=0,threshold=2,window=0").is_ok());
        for (bad, name) in [
            ("clock2q+:fifo=1", "fifo=1"),
            ("clock2q+:ghost=-1", "ghost=-1"),
            ("clock2q+:threshold=x", "threshold=x"),
            ("clock2q+:window=101", "window=101"),
        ] {
            let e = PolicySpec::parse(bad).unwrap_err();
            assert!(e.contains(name) && e.contains("must be"), "{e}");
        }
    }
}
