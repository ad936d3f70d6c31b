//! S3-FIFO (Yang et al., "FIFO queues are all you need for cache eviction", SOSP 2023), as the
//! current libCacheSim `S3FIFO` implements it.
//!
//! Three FIFO queues share one object table: a small queue (10% of the capacity) that filters
//! one-hit wonders, a main queue (the rest) run as a CLOCK with a 2-bit counter, and a ghost queue
//! (90% of the capacity, in bytes) remembering keys recently evicted from the small queue.
//!
//! - Every hit increments the object's counter.
//! - A miss whose key is in the ghost goes to the main queue. Otherwise the object goes to the small
//!   queue, except that an object of at least the small queue's size is not cached (it may still
//!   cause evictions first, as in libCacheSim) and, before the first eviction, a new object goes to
//!   main once the small queue is full (libCacheSim's warm-up rule since late 2024).
//! - Eviction takes from main when main is over its size or small is empty, else from small.
//!   Small: a counter of at least `threshold` moves the object to main with counter 0; otherwise it
//!   is evicted into the ghost and the step ends. Main: a counter of at least 1 reinserts the object
//!   at the head with min(counter, 3) - 1; otherwise it is evicted and the step ends.
//!
//! Why a scan cannot flush the frequent set: scanned objects enter the small queue and leave it
//! through the ghost unless hit twice, so main only loses objects when it is over its size.

use super::core::queues::{InQueue, QueueId, Queues};
use super::core::resident::{self, Keeper, Store};
use super::core::table::Found;
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "s3fifo",
    aliases: &["s3-fifo"],
    summary: "S3-FIFO (SOSP 2023): small FIFO filter, main FIFO with 2-bit counters, ghost of small evictions.",
    params: &[
        ParamInfo {
            name: "small",
            default: "0.1",
            help: "small queue share of the capacity, 0 < small < 1",
        },
        ParamInfo {
            name: "ghost",
            default: "0.9",
            help: "ghost queue size as a share of the capacity, 0 to 10",
        },
        ParamInfo {
            name: "threshold",
            default: "2",
            help: "hits in the small queue needed to move to main instead of the ghost, 0 to 255",
        },
    ],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let small: f64 = p.get("small", ("a number with 0 < small < 1", |v: &f64| *v > 0.0 && *v < 1.0))?;
    let ghost: f64 = p.get("ghost", ("a number from 0 to 10", |v: &f64| (0.0..=10.0).contains(v)))?;
    let threshold: u8 = p.get("threshold", ("an integer from 0 to 255", |_: &u8| true))?;
    Ok(Box::new(S3Fifo::new(ctx.capacity, small, ghost, threshold)))
}

/// Which queue holds a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Queue {
    /// New objects, filtered before they reach main.
    #[default]
    Small,
    /// Objects that proved themselves (or came back from the ghost).
    Main,
    /// Keys evicted from small.
    Ghost,
}

impl QueueId for Queue {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

/// Per-node metadata: the queue and the access counter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    queue: Queue,
    freq: u8,
}

impl InQueue<Queue> for Meta {
    #[inline]
    fn queue(&self) -> Queue {
        self.queue
    }
    #[inline]
    fn set_queue(&mut self, q: Queue) {
        self.queue = q;
    }
}

/// The S3-FIFO cache.
pub type S3Fifo = Keeper<S3FifoState>;

impl S3Fifo {
    /// An empty cache (the state: [`S3FifoState::new`]).
    pub fn new(capacity: u64, small: f64, ghost: f64, threshold: u8) -> Self {
        Keeper::with_policy(capacity, S3FifoState::new(capacity, small, ghost, threshold))
    }
}

/// The state of [`S3Fifo`].
pub struct S3FifoState {
    queues: Queues<Queue, 3>,
    small_cap: u64,
    main_cap: u64,
    ghost_cap: u64,
    threshold: u8,
    /// Set by the first eviction; before it a full small queue sends new objects to main.
    has_evicted: bool,
    /// The key whose ghost entry the last `get` consumed (it goes to main if inserted).
    ghost_hit: Option<u64>,
}

impl S3FifoState {
    /// An empty S3-FIFO cache. `small` and `ghost` are shares of `capacity`, truncated to whole
    /// bytes as libCacheSim does; `threshold` is the move-to-main counter threshold.
    pub fn new(capacity: u64, small: f64, ghost: f64, threshold: u8) -> Self {
        let small_cap = (capacity as f64 * small) as u64;
        S3FifoState {
            queues: Queues::default(),
            small_cap,
            main_cap: capacity - small_cap,
            ghost_cap: (capacity as f64 * ghost) as u64,
            threshold,
            has_evicted: false,
            ghost_hit: None,
        }
    }

    /// Moves `slot` from its queue to the head of `to`, setting its counter.
    fn move_to(&mut self, st: &mut Store<Meta>, slot: u32, to: Queue, freq: u8) {
        self.queues.move_to(&mut st.table, slot, to);
        st.table.node_mut(slot).meta.freq = freq;
    }

    /// Evicts one object from the small queue into the ghost, first moving objects hit at least
    /// `threshold` times to main. May empty the small queue without evicting.
    fn evict_small(&mut self, st: &mut Store<Meta>) {
        while !self.queues.list(Queue::Small).is_empty() {
            let t = self.queues.tail(Queue::Small);
            if st.table.node(t).meta.freq >= self.threshold {
                self.move_to(st, t, Queue::Main, 0);
                continue;
            }
            let (key, size) = (st.table.node(t).key, st.table.node(t).size);
            st.tally.evicted(key, size);
            if self.ghost_cap == 0 || size > self.ghost_cap {
                self.queues.drop(&mut st.table, t);
                return;
            }
            while self.queues.bytes(Queue::Ghost) + size > self.ghost_cap {
                let g = self.queues.tail(Queue::Ghost);
                self.queues.drop(&mut st.table, g);
            }
            self.move_to(st, t, Queue::Ghost, 0);
            return;
        }
    }

    /// Evicts one object from main; objects with a non-zero counter go around again.
    fn evict_main(&mut self, st: &mut Store<Meta>) {
        while !self.queues.list(Queue::Main).is_empty() {
            let t = self.queues.tail(Queue::Main);
            let f = st.table.node(t).meta.freq;
            if f >= 1 {
                self.queues.move_to_head(&mut st.table, t);
                st.table.node_mut(t).meta.freq = f.min(3) - 1;
            } else {
                let (key, size) = (st.table.node(t).key, st.table.node(t).size);
                self.queues.drop(&mut st.table, t);
                st.tally.evicted(key, size);
                return;
            }
        }
    }

    fn evict(&mut self, st: &mut Store<Meta>) {
        self.has_evicted = true;
        if self.queues.bytes(Queue::Main) > self.main_cap || self.queues.list(Queue::Small).is_empty() {
            self.evict_main(st);
        } else {
            self.evict_small(st);
        }
    }
}

impl resident::TablePolicy for S3FifoState {
    type Meta = Meta;

    #[inline]
    fn get(&mut self, st: &mut Store<Meta>, req: &Request) -> bool {
        self.ghost_hit = None;
        match st.table.lookup(req.key, req.time) {
            Found::Hit(s) => {
                let m = &mut st.table.node_mut(s).meta;
                if m.queue == Queue::Ghost {
                    self.ghost_hit = Some(req.key);
                    self.queues.drop(&mut st.table, s);
                    return false;
                }
                m.freq = m.freq.saturating_add(1);
                true
            }
            Found::Expired(s) => {
                let n = *st.table.node(s);
                if n.meta.queue == Queue::Ghost {
                    // Ghost entries carry no data, so their expiry does not matter.
                    self.ghost_hit = Some(req.key);
                } else {
                    st.tally.expired(n.size);
                }
                self.queues.drop(&mut st.table, s);
                false
            }
            Found::Miss => false,
        }
    }

    /// Also correct without a preceding `get`: a ghost entry of the key is consumed here.
    #[inline]
    fn insert(&mut self, st: &mut Store<Meta>, req: &Request) {
        let mut from_ghost = self.ghost_hit.take() == Some(req.key);
        if !from_ghost {
            if let Some(s) = st.table.find(req.key) {
                if st.table.node(s).meta.queue != Queue::Ghost {
                    return; // already cached
                }
                self.queues.drop(&mut st.table, s);
                from_ghost = true;
            }
        }
        let size = req.size;
        if size > self.small_cap || size > st.tally.capacity() {
            return;
        }
        while st.tally.over(size) {
            self.evict(st);
        }
        let queue = if from_ghost {
            Queue::Main
        } else if size >= self.small_cap {
            // libCacheSim evicts for it but does not cache it: it would flush the whole small queue.
            return;
        } else if !self.has_evicted && self.queues.bytes(Queue::Small) >= self.small_cap {
            Queue::Main
        } else {
            Queue::Small
        };
        let s = st.table.insert(req.key, req.size, req.expiry(), Meta::default());
        self.queues.push_head(&mut st.table, s, queue);
        st.tally.added(size);
    }

    fn remove(&mut self, st: &mut Store<Meta>, key: u64) -> bool {
        let Some(s) = st.table.find(key) else {
            return false;
        };
        let size = st.table.node(s).size;
        let cached = self.queues.drop(&mut st.table, s) != Queue::Ghost;
        if cached {
            st.tally.removed(size);
        }
        cached
    }

    fn contains(&self, st: &Store<Meta>, key: u64) -> bool {
        st.table
            .find(key)
            .is_some_and(|s| st.table.node(s).meta.queue != Queue::Ghost)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;

    fn queues(c: &S3Fifo) -> (Vec<u64>, Vec<u64>, Vec<u64>) {
        let keys = |q| c.policy().queues.keys(&c.store().table, q);
        (keys(Queue::Small), keys(Queue::Main), keys(Queue::Ghost))
    }

    #[test]
    fn one_hit_wonders_leave_through_the_ghost() {
        // Capacity 20: small 2, main 18, ghost 18. Objects 1 and 2 fill small; 3 comes before any
        // eviction with small full, so it goes to main (warm-up rule).
        let mut c = S3Fifo::new(20, 0.1, 0.9, 2);
        assert_eq!(pattern(&mut c, &[1, 2, 3]), "mmm");
        assert_eq!(queues(&c), (vec![2, 1], vec![3], vec![]));
        // Fill main with 4..=20 (17 more objects): total 20 = capacity, no eviction yet.
        let fill: Vec<u64> = (4..=20).collect();
        assert_eq!(pattern(&mut c, &fill), "m".repeat(17));
        assert_eq!(c.used(), 20);
        // 1 is hit twice (counter 2), 2 never. 21 needs room: main (18) is not over its size, so the
        // small queue is evicted: 1 (counter 2) moves to main, 2 goes to the ghost.
        assert_eq!(pattern(&mut c, &[1, 1, 21]), "HHm");
        let (small, main, ghost) = queues(&c);
        assert_eq!(small, vec![21]);
        assert_eq!(main[0], 1);
        assert_eq!(ghost, vec![2]);
        assert!(!c.contains(2), "ghost entries are not cached");
        assert_eq!(c.used(), 20);
        // 2 is requested again: a miss found in the ghost, so it goes straight to main. Main is now
        // over its size (19 > 18), so the main tail (3, counter 0) is evicted.
        assert_eq!(pattern(&mut c, &[2]), "m");
        let (small, main, ghost) = queues(&c);
        assert_eq!((small, main[0], ghost), (vec![21], 2, vec![]));
        assert!(!c.contains(3));
        assert_eq!(c.counters().evictions, 2);
    }

    #[test]
    fn main_is_a_two_bit_clock() {
        // Capacity 100: small 10, main 90.
        let mut c = S3Fifo::new(100, 0.1, 0.9, 2);
        // 1..=10 fill small; 11..=100 go to main (warm-up). Hit 11 five times: counter 5.
        let fill: Vec<u64> = (1..=100).collect();
        pattern(&mut c, &fill);
        pattern(&mut c, &[11, 11, 11, 11, 11]);
        assert_eq!(c.store().table.node(c.store().table.find(11).unwrap()).meta.freq, 5);
        // Force main evictions: remove all of small so eviction must come from main.
        for k in 1..=10 {
            c.remove(k);
        }
        // Key 101 (unit size < small 10) needs no room (90 used). Fill to 100 with 101..=110 in
        // small, then 111 must evict: main is 90 = its size, small non-empty -> small tail 101
        // (counter 0) goes to the ghost.
        pattern(&mut c, &(101..=111).collect::<Vec<_>>());
        assert!(c.policy().queues.keys(&c.store().table, Queue::Ghost).contains(&101));
        // A ghost hit on 101 goes to main; making room evicts the small tail 102 into the ghost
        // (main, at 90, is not over its size yet). Main is now 91 > 90, so 112's eviction comes from
        // main: its tail 11 has counter 5 and is reinserted with min(5,3)-1 = 2; then 12 (counter 0)
        // is evicted.
        assert_eq!(pattern(&mut c, &[101, 112]), "mm");
        assert!(c.policy().queues.keys(&c.store().table, Queue::Ghost).contains(&102));
        assert!(c.contains(11));
        assert!(!c.contains(12));
        assert_eq!(c.store().table.node(c.store().table.find(11).unwrap()).meta.freq, 2);
    }

    #[test]
    fn scan_does_not_flush_the_main_queue() {
        // Capacity 100: small 10, main 90. Warm-up puts 1..=10 in small and 11..=100 in main.
        let mut c = S3Fifo::new(100, 0.1, 0.9, 2);
        let hot: Vec<u64> = (11..=60).collect();
        pattern(&mut c, &(1..=100).collect::<Vec<_>>());
        // The hot set 11..=60 is hit once more: counter 1 each.
        assert_eq!(pattern(&mut c, &hot), "H".repeat(50));
        // A scan of 1000 new keys, each used once: each new key enters small and pushes the small
        // tail into the ghost, since no scanned key is hit again. Main only loses objects while
        // over its size, which a small-only scan never makes it.
        pattern(&mut c, &(1000..2000).collect::<Vec<_>>());
        assert_eq!(
            pattern(&mut c, &hot),
            "H".repeat(50),
            "the frequent set survived the scan"
        );
        // Under LRU the same scan evicts everything.
        let mut lru = build("lru", 100);
        pattern(&mut *lru, &(1..=100).collect::<Vec<_>>());
        pattern(&mut *lru, &hot);
        pattern(&mut *lru, &(1000..2000).collect::<Vec<_>>());
        assert_eq!(pattern(&mut *lru, &hot), "m".repeat(50));
    }

    #[test]
    fn objects_of_small_size_are_not_cached() {
        // Capacity 100 bytes: small 10. A 10-byte object is not cached; 9 bytes is; 11 bytes is not
        // even allowed to cause evictions.
        let mut c = S3Fifo::new(100, 0.1, 0.9, 2);
        assert!(!c.access(&Request::get(1, 10)));
        assert!(!c.contains(1));
        assert!(!c.access(&Request::get(2, 9)));
        assert!(c.contains(2));
        assert!(!c.access(&Request::get(3, 11)));
        assert!(!c.contains(3));
        assert_eq!(c.used(), 9);
    }

    #[test]
    fn bad_parameters_are_errors() {
        for bad in [
            "s3fifo:small=0",
            "s3fifo:small=1",
            "s3fifo:threshold=256",
            "s3fifo:ghost=-1",
            "s3fifo:small=x",
        ] {
            assert!(super::super::PolicySpec::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            super::super::PolicySpec::parse("S3-FIFO:threshold=1").unwrap().label(),
            "s3fifo:threshold=1"
        );
    }
}
