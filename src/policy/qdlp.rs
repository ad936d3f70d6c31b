//! QD-LP (Yang et al., "FIFO can be better than LRU: the power of lazy promotion and quick
//! demotion", HotOS 2023), as libCacheSim's `QDLP` runs it by default
//! (`QDLP-0.1000-0.9000-Clock2-1`).
//!
//! Three FIFO queues share one object table: a probationary FIFO (10% of the capacity), a ghost
//! FIFO of keys evicted from it (90% of the capacity, in bytes) and a main cache (the rest) run as
//! a CLOCK with 2-bit counters.
//!
//! - A hit in the probationary FIFO counts the hit; a hit in main raises its counter (at most 3).
//! - A miss whose key is in the ghost (the entry is consumed by the lookup) goes to main; otherwise
//!   to the probationary FIFO, except that an object of at least the FIFO's size is not cached
//!   (after the evictions made for it, as in libCacheSim). Objects larger than the FIFO may not
//!   enter at all.
//! - Evicting (while the whole cache is over its capacity): when the FIFO is empty, main evicts
//!   (CLOCK: a tail with a non-zero counter is decremented and moved to the head). Otherwise the
//!   FIFO's tail leaves: hit at least once, it moves to main's head with counter 0; never hit, it
//!   is evicted and its key joins the ghost. Main keeps its own size: an object moving into it
//!   first makes main evict until it fits there.

use super::core::queues::{InQueue, QueueId, Queues};
use super::core::resident::{self, Keeper, Store};
use super::core::table::Found;
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "qdlp",
    aliases: &["qd-lp"],
    summary: "QD-LP (HotOS 2023): probationary FIFO with a ghost in front of a 2-bit CLOCK (libCacheSim's QDLP).",
    params: &[
        ParamInfo {
            name: "fifo",
            default: "0.1",
            help: "probationary FIFO share of the capacity, 0 < fifo < 1",
        },
        ParamInfo {
            name: "ghost",
            default: "0.9",
            help: "ghost size as a share of the capacity, 0 to 10",
        },
        ParamInfo {
            name: "bits",
            default: "2",
            help: "main CLOCK counter bits, 1 to 8",
        },
    ],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let fifo: f64 = p.get("fifo", ("a number with 0 < fifo < 1", |v: &f64| *v > 0.0 && *v < 1.0))?;
    let ghost: f64 = p.get("ghost", ("a number from 0 to 10", |v: &f64| (0.0..=10.0).contains(v)))?;
    let bits: u32 = p.get("bits", ("an integer from 1 to 8", |b: &u32| (1..=8).contains(b)))?;
    Ok(Box::new(Qdlp::new(ctx.capacity, fifo, ghost, bits)))
}

/// Which queue holds a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Queue {
    /// The probationary FIFO.
    #[default]
    Fifo,
    /// The main CLOCK.
    Main,
    /// Keys evicted from the FIFO unhit.
    Ghost,
}

impl QueueId for Queue {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

/// Per-node metadata: the queue and a counter (hits in the FIFO, the CLOCK counter in main).
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    queue: Queue,
    count: u32,
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

/// The QD-LP cache.
pub type Qdlp = Keeper<QdlpState>;

impl Qdlp {
    /// An empty cache (the state: [`QdlpState::new`]).
    pub fn new(capacity: u64, fifo: f64, ghost: f64, bits: u32) -> Self {
        Keeper::with_policy(capacity, QdlpState::new(capacity, fifo, ghost, bits))
    }
}

/// The state of [`Qdlp`].
pub struct QdlpState {
    queues: Queues<Queue, 3>,
    fifo_cap: u64,
    main_cap: u64,
    ghost_cap: u64,
    max_count: u32,
    /// The key whose ghost entry the last `get` consumed (it goes to main if inserted).
    ghost_hit: Option<u64>,
}

impl QdlpState {
    /// An empty QD-LP cache: `fifo` and `ghost` are shares of `capacity`, truncated to whole bytes
    /// as libCacheSim does; main's CLOCK has `bits`-bit counters.
    pub fn new(capacity: u64, fifo: f64, ghost: f64, bits: u32) -> Self {
        let fifo_cap = (capacity as f64 * fifo) as u64;
        QdlpState {
            queues: Queues::default(),
            fifo_cap,
            main_cap: capacity - fifo_cap,
            ghost_cap: (capacity as f64 * ghost) as u64,
            max_count: (1u32 << bits) - 1,
            ghost_hit: None,
        }
    }

    /// Main's CLOCK evicts one object.
    fn evict_main(&mut self, st: &mut Store<Meta>) {
        loop {
            let t = self.queues.tail(Queue::Main);
            let c = st.table.node(t).meta.count;
            if c == 0 {
                let (key, size) = (st.table.node(t).key, st.table.node(t).size);
                self.queues.drop(&mut st.table, t);
                st.tally.evicted(key, size);
                return;
            }
            st.table.node_mut(t).meta.count = c - 1;
            self.queues.move_to_head(&mut st.table, t);
        }
    }

    /// Makes room in main for `size` (main keeps its own size).
    fn fit_main(&mut self, st: &mut Store<Meta>, size: u64) {
        while self.queues.bytes(Queue::Main) + size > self.main_cap {
            self.evict_main(st);
        }
    }

    /// One eviction step of the whole cache.
    fn evict(&mut self, st: &mut Store<Meta>) {
        if self.queues.list(Queue::Fifo).is_empty() {
            self.evict_main(st);
            return;
        }
        let t = self.queues.tail(Queue::Fifo);
        let n = *st.table.node(t);
        if n.meta.count >= 1 && n.size <= self.main_cap {
            // libCacheSim inserts a copy into main (which makes room there first), then drops it
            // from the FIFO. (An object larger than main, possible only with a FIFO share over one
            // half, is lost instead.)
            self.queues.unlink(&mut st.table, t);
            self.fit_main(st, n.size);
            st.table.node_mut(t).meta.count = 0;
            self.queues.push_head(&mut st.table, t, Queue::Main);
            return;
        }
        st.tally.evicted(n.key, n.size);
        if n.meta.count >= 1 || self.ghost_cap == 0 || n.size > self.ghost_cap {
            self.queues.drop(&mut st.table, t);
            return;
        }
        self.queues.unlink(&mut st.table, t);
        while self.queues.bytes(Queue::Ghost) + n.size > self.ghost_cap {
            let g = self.queues.tail(Queue::Ghost);
            self.queues.drop(&mut st.table, g);
        }
        st.table.node_mut(t).meta.count = 0;
        self.queues.push_head(&mut st.table, t, Queue::Ghost);
    }
}

impl resident::TablePolicy for QdlpState {
    type Meta = Meta;

    #[inline]
    fn get(&mut self, st: &mut Store<Meta>, req: &Request) -> bool {
        self.ghost_hit = None;
        match st.table.lookup(req.key, req.time) {
            Found::Hit(s) => {
                let max = self.max_count;
                let m = &mut st.table.node_mut(s).meta;
                match m.queue {
                    Queue::Ghost => {
                        self.ghost_hit = Some(req.key);
                        self.queues.drop(&mut st.table, s);
                        false
                    }
                    Queue::Fifo => {
                        m.count = m.count.saturating_add(1);
                        true
                    }
                    Queue::Main => {
                        m.count = (m.count + 1).min(max);
                        true
                    }
                }
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
        if size > self.fifo_cap {
            return;
        }
        while st.tally.over(size) {
            self.evict(st);
        }
        let queue = if from_ghost {
            if size > self.main_cap {
                return;
            }
            self.fit_main(st, size);
            Queue::Main
        } else if size >= self.fifo_cap {
            // libCacheSim evicts for it but does not cache it.
            return;
        } else {
            Queue::Fifo
        };
        let s = st.table.insert(req.key, size, req.expiry(), Meta::default());
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
    use super::super::PolicySpec;
    use super::*;

    fn queues(c: &Qdlp) -> (Vec<u64>, Vec<u64>, Vec<u64>) {
        let keys = |q| c.policy().queues.keys(&c.store().table, q);
        (keys(Queue::Fifo), keys(Queue::Main), keys(Queue::Ghost))
    }

    #[test]
    fn unhit_objects_leave_through_the_ghost_and_come_back_to_main() {
        // Capacity 20: FIFO 2, main 18, ghost 18. Everything new enters the FIFO.
        let mut c = Qdlp::new(20, 0.1, 0.9, 2);
        // 1 2 fill the FIFO (total 2 of 20, no eviction); 1 hits.
        assert_eq!(pattern(&mut c, &[1, 2, 1]), "mmH");
        // 3..=20 fill to 20 objects: the cache is full only at 20; evictions come from the FIFO:
        // 3 needs none (3 of 20)... all 18 fit without evicting.
        assert_eq!(pattern(&mut c, &(3..=20).collect::<Vec<_>>()), "m".repeat(18));
        assert_eq!(c.used(), 20);
        assert_eq!(
            queues(&c).0.len(),
            20,
            "all in the FIFO: it is only bounded by the whole cache"
        );
        // 21: the FIFO tail 1 was hit, so it moves to main; the next tail 2 was not: evicted to
        // the ghost.
        assert_eq!(pattern(&mut c, &[21]), "m");
        let (fifo, main, ghost) = queues(&c);
        assert_eq!((main, ghost), (vec![1], vec![2]));
        assert_eq!(fifo[0], 21);
        // 2 again: found in the ghost, so it goes to main (evicting the FIFO tail 3 to the ghost).
        assert_eq!(pattern(&mut c, &[2]), "m");
        let (_, main, ghost) = queues(&c);
        assert_eq!((main, ghost), (vec![2, 1], vec![3]));
        assert!(!c.contains(3) && c.contains(2));
    }

    #[test]
    fn main_is_a_two_bit_clock_with_its_own_size() {
        // Capacity 10: FIFO 1 (objects of size >= 1 are not cached unless they come from the
        // ghost), main 9, ghost 9. Use capacity 100 instead: FIFO 10, main 90.
        let mut c = Qdlp::new(100, 0.1, 0.9, 2);
        // 1..=100 fill the FIFO; hit 1..=90 once; 101 forces the FIFO out: the 90 hit objects move
        // to main (90 = its size), then 91 goes to the ghost.
        pattern(&mut c, &(1..=100).collect::<Vec<_>>());
        pattern(&mut c, &(1..=90).collect::<Vec<_>>());
        assert_eq!(pattern(&mut c, &[101]), "m");
        let (fifo, main, ghost) = queues(&c);
        assert_eq!(main.len(), 90);
        assert_eq!(ghost, vec![91]);
        assert_eq!(fifo.len(), 10);
        // Hit 1 three times: counter 3 (the cap). 91 comes back from the ghost into main, which is
        // full: the CLOCK passes 1 (counter 3 -> 2, to the head) and evicts 2.
        assert_eq!(pattern(&mut c, &[1, 1, 1, 1]), "HHHH");
        assert_eq!(pattern(&mut c, &[91]), "m");
        assert!(c.contains(1) && !c.contains(2) && c.contains(91));
        let slot = c.store().table.find(1).unwrap();
        assert_eq!(c.store().table.node(slot).meta.count, 2);
    }

    #[test]
    fn sizes_the_fifo_cannot_hold() {
        // Capacity 100 bytes: FIFO 10. A 10-byte object evicts but is not cached; 11 bytes may
        // not enter at all; 9 bytes is cached.
        let mut c = Qdlp::new(100, 0.1, 0.9, 2);
        assert!(!c.access(&Request::get(1, 10)));
        assert!(!c.contains(1));
        assert!(!c.access(&Request::get(2, 11)));
        assert!(!c.access(&Request::get(3, 9)));
        assert!(c.contains(3));
        assert_eq!(c.used(), 9);
        // Zero capacity: nothing is ever cached.
        let mut z = build("qdlp", 0);
        assert_eq!(pattern(&mut *z, &[1, 1, 2]), "mmm");
        assert_eq!(z.used(), 0);
    }

    #[test]
    fn bad_parameters_are_errors() {
        for bad in [
            "qdlp:fifo=0",
            "qdlp:fifo=1",
            "qdlp:ghost=-1",
            "qdlp:bits=0",
            "qdlp:bits=9",
            "qdlp:fifo=x",
        ] {
            let e = PolicySpec::parse(bad).unwrap_err();
            assert!(e.contains("must be"), "{bad}: {e}");
        }
        assert_eq!(PolicySpec::parse("QD-LP:bits=1").unwrap().label(), "qdlp:bits=1");
    }
}
