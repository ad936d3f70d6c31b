//! MQ, the Multi-Queue algorithm (Zhou, Philbin & Li, "The Multi-Queue Replacement Algorithm for
//! Second Level Buffer Caches", USENIX ATC 2001), as libCacheSim's `MQ`.
//!
//! `queues` LRU queues Q0..Qm-1; an object accessed `f` times lives in queue
//! `min(floor(log2 f), m - 1)`, so frequent objects sit in higher queues. The victim is the LRU end
//! of the lowest non-empty queue. Every object carries an expiry on a virtual clock; the paper's
//! Adjust step, run after every hit and every insert, advances the clock by one and demotes the LRU
//! object of each queue above Q0 one queue down (to that queue's MRU end, with a fresh lifetime)
//! when its lifetime has run out, so objects not touched for a while sink. Evicted keys keep their
//! count in Qout, a FIFO history; a miss found there comes back with that count plus one.
//!
//! libCacheSim's choices, followed to the request:
//! - defaults 8 queues, a lifetime of 10,000 ticks, Qout of 4 × the cache size **in bytes** (it is
//!   a FIFO cache of ghost entries with the evicted objects' sizes; an entry larger than Qout is not
//!   kept);
//! - the clock ticks once per hit and once per insert (a miss that is not inserted, because the
//!   object is larger than the cache, does not tick); an object's expiry is `clock + lifetime`
//!   taken before the tick, and it is demoted when `expiry < clock` after the tick;
//! - Adjust visits Q1..Qm-1 in ascending order and demotes at most one object per queue;
//! - a hit moves the object to the MRU end of its (new) queue; the count never decreases,
//!   demotion does not change it, and a count is capped at 2^31 - 1;
//! - a Qout hit removes the ghost even when the object is then not inserted.
//!
//! TTLs (which libCacheSim's MQ ignores) follow cachesim's common rule: an expired object is
//! removed on lookup, leaves no ghost, and the request is an ordinary miss.
//!
//! Resident objects and ghosts share one [`Table`](super::core::table::Table); a node's `meta.queue` says where it is.

use super::core::list::List;
use super::core::table::NIL;

use super::core::resident::{self, Keeper, Store};
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "mq",
    aliases: &["multi-queue"],
    summary: "MQ (Zhou, Philbin & Li, USENIX ATC 2001): LRU queues by log2 frequency, lifetime demotion, \
              FIFO history of evicted counts.",
    params: &[
        ParamInfo {
            name: "queues",
            default: "8",
            help: "number of LRU queues, 1 to 64",
        },
        ParamInfo {
            name: "lifetime",
            default: "10000",
            help: "ticks (hits and inserts) an object may sit at a queue's LRU end untouched before it is \
                   demoted one queue, at least 1",
        },
        ParamInfo {
            name: "qout",
            default: "4",
            help: "Qout (history of evicted keys and counts) size as a multiple of the cache size in bytes, \
                   above 0 and at most 64",
        },
    ],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let queues: usize = p.get("queues", ("an integer from 1 to 64", |v: &usize| (1..=64).contains(v)))?;
    let lifetime: u64 = p.get("lifetime", ("an integer of at least 1", |v: &u64| *v >= 1))?;
    let qout: f64 = p.get(
        "qout",
        ("a number above 0 and at most 64", |v: &f64| *v > 0.0 && *v <= 64.0),
    )?;
    Ok(Box::new(Mq::new(ctx.capacity, queues, lifetime, qout)))
}

/// `meta.queue` of a ghost in Qout.
const QOUT: u8 = u8::MAX;

/// Highest count kept (libCacheSim stores it in an `int32_t`).
const MAX_FREQ: u32 = i32::MAX as u32;

/// Per-object metadata.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    /// Expiry on the virtual clock (resident objects).
    expire: u64,
    /// Access count (for ghosts: the count when evicted).
    freq: u32,
    /// The queue holding the node, or [`QOUT`].
    queue: u8,
}

/// The MQ cache.
pub type Mq = Keeper<MqState>;

impl Mq {
    /// An empty cache (the state: [`MqState::new`]).
    pub fn new(capacity: u64, queues: usize, lifetime: u64, qout: f64) -> Self {
        Keeper::with_policy(capacity, MqState::new(capacity, queues, lifetime, qout))
    }
}

/// The state of [`Mq`].
pub struct MqState {
    /// Q0..Qm-1; head is the MRU end.
    queues: Vec<List>,
    /// Bit i set when Qi is not empty.
    nonempty: u64,
    /// History of evicted keys with their counts (FIFO), apart from the cache's table.
    qout: List,
    qout_capacity: u64,
    lifetime: u64,
    /// Virtual clock: hits plus inserts.
    vtime: u64,
    /// The current miss found its key in Qout with this count.
    ghost: Option<(u64, u32)>,
}

/// `min(floor(log2 freq), queues - 1)`.
#[inline]
fn queue_of(freq: u32, queues: usize) -> u8 {
    let q = if freq <= 1 {
        0
    } else {
        31 - freq.leading_zeros() as usize
    };
    q.min(queues - 1) as u8
}

impl MqState {
    /// An empty MQ cache with `queues` queues, objects demoted after `lifetime` ticks untouched and
    /// a history of `qout` × `capacity` bytes.
    pub fn new(capacity: u64, queues: usize, lifetime: u64, qout: f64) -> Self {
        MqState {
            queues: vec![List::default(); queues],
            nonempty: 0,
            qout: List::default(),
            qout_capacity: (capacity as f64 * qout) as u64,
            lifetime,
            vtime: 0,
            ghost: None,
        }
    }

    /// Links resident `slot` at the MRU end of queue `q`.
    #[inline]
    fn link(&mut self, st: &mut Store<Meta>, slot: u32, q: u8) {
        self.queues[q as usize].push_head(&mut st.table.nodes, slot);
        st.table.node_mut(slot).meta.queue = q;
        self.nonempty |= 1 << q;
    }

    /// Unlinks resident `slot` from its queue.
    #[inline]
    fn unlink(&mut self, st: &mut Store<Meta>, slot: u32) {
        let q = st.table.node(slot).meta.queue;
        let list = &mut self.queues[q as usize];
        list.unlink(&mut st.table.nodes, slot);
        if list.is_empty() {
            self.nonempty &= !(1 << q);
        }
    }

    /// The paper's Adjust: tick, then demote each queue's expired LRU object one queue down.
    #[inline]
    fn adjust(&mut self, st: &mut Store<Meta>) {
        self.vtime += 1;
        for k in 1..self.queues.len() {
            let t = self.queues[k].tail;
            if t != NIL && st.table.node(t).meta.expire < self.vtime {
                self.unlink(st, t);
                self.link(st, t, k as u8 - 1);
                st.table.node_mut(t).meta.expire = self.vtime + self.lifetime;
            }
        }
    }

    /// Removes a resident object (no ghost).
    fn drop_resident(&mut self, st: &mut Store<Meta>, slot: u32) -> u64 {
        self.unlink(st, slot);
        let size = st.table.node(slot).size;
        st.table.remove(slot);
        size
    }

    /// Evicts the LRU end of the lowest non-empty queue into Qout.
    fn evict_one(&mut self, st: &mut Store<Meta>) {
        let q = self.nonempty.trailing_zeros() as usize;
        let victim = self.queues[q].tail;
        let (key, size) = (st.table.node(victim).key, st.table.node(victim).size);
        st.tally.evicted(key, size);
        self.unlink(st, victim);
        if size > self.qout_capacity {
            st.table.remove(victim);
            return;
        }
        while self.qout.bytes + size > self.qout_capacity {
            let t = self.qout.tail;
            self.drop_ghost(st, t);
        }
        let n = st.table.node_mut(victim);
        n.meta.queue = QOUT;
        n.expire = 0;
        self.qout.push_head(&mut st.table.nodes, victim);
    }

    /// Forgets the ghost in `slot`.
    fn drop_ghost(&mut self, st: &mut Store<Meta>, slot: u32) {
        self.qout.unlink(&mut st.table.nodes, slot);
        st.table.remove(slot);
    }
}

impl resident::TablePolicy for MqState {
    type Meta = Meta;

    #[inline]
    fn get(&mut self, st: &mut Store<Meta>, req: &Request) -> bool {
        self.ghost = None;
        let Some(s) = st.table.find(req.key) else {
            return false;
        };
        let node = *st.table.node(s);
        if node.meta.queue == QOUT {
            self.drop_ghost(st, s);
            self.ghost = Some((req.key, node.meta.freq));
            return false;
        }
        if node.expire != 0 && req.time >= node.expire {
            let size = self.drop_resident(st, s);
            st.tally.expired(size);
            return false;
        }
        let freq = (node.meta.freq + 1).min(MAX_FREQ);
        self.unlink(st, s);
        self.link(st, s, queue_of(freq, self.queues.len()));
        let m = &mut st.table.node_mut(s).meta;
        m.freq = freq;
        m.expire = self.vtime + self.lifetime;
        self.adjust(st);
        true
    }

    #[inline]
    fn insert(&mut self, st: &mut Store<Meta>, req: &Request) {
        let size = req.size;
        let ghost = self.ghost.take();
        if size > st.tally.capacity() {
            return;
        }
        while st.tally.over(size) {
            self.evict_one(st);
        }
        let freq = match ghost {
            Some((k, f)) if k == req.key => (f + 1).min(MAX_FREQ),
            _ => 1,
        };
        let meta = Meta {
            expire: self.vtime + self.lifetime,
            freq,
            queue: 0,
        };
        let s = st.table.insert(req.key, req.size, req.expiry(), meta);
        self.link(st, s, queue_of(freq, self.queues.len()));
        st.tally.added(size);
        self.adjust(st);
    }

    fn remove(&mut self, st: &mut Store<Meta>, key: u64) -> bool {
        let Some(s) = st.table.find(key) else {
            return false;
        };
        if st.table.node(s).meta.queue == QOUT {
            self.drop_ghost(st, s);
            return false;
        }
        let size = self.drop_resident(st, s);
        st.tally.removed(size);
        true
    }

    fn contains(&self, st: &Store<Meta>, key: u64) -> bool {
        st.table.find(key).is_some_and(|s| st.table.node(s).meta.queue != QOUT)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;

    /// Keys of queue `q` from MRU to LRU.
    fn keys(m: &Mq, q: usize) -> Vec<u64> {
        m.policy().queues[q]
            .iter(&m.store().table.nodes)
            .map(|s| m.store().table.node(s).key)
            .collect()
    }

    fn qout(m: &Mq) -> Vec<(u64, u32)> {
        let t = &m.store().table;
        m.policy()
            .qout
            .iter(&t.nodes)
            .map(|s| (t.node(s).key, t.node(s).meta.freq))
            .collect()
    }

    #[test]
    fn queue_is_log2_of_count() {
        let q: Vec<u8> = [1, 2, 3, 4, 7, 8, 255, 256, MAX_FREQ]
            .iter()
            .map(|&f| queue_of(f, 8))
            .collect();
        assert_eq!(q, vec![0, 1, 1, 2, 2, 3, 7, 7, 7]);
        assert_eq!(queue_of(1000, 4), 3);
        assert_eq!(queue_of(1000, 1), 0);
    }

    #[test]
    fn frequent_object_outlives_recent_ones() {
        // C = 2. 1 is hit (count 2, so Q1); 2 lands in Q0. 3 evicts the LRU end of the lowest
        // non-empty queue, Q0's 2, although 1 is older; so 1 hits again. LRU loses 1 instead.
        let mut m = Mq::new(2, 8, 10_000, 4.0);
        assert_eq!(pattern(&mut m, &[1, 1, 2, 3]), "mHmm");
        assert_eq!((keys(&m, 0), keys(&m, 1)), (vec![3], vec![1]));
        assert_eq!(qout(&m), vec![(2, 1)]);
        assert_eq!(pattern(&mut m, &[1]), "H");
        let mut lru = build("lru", 2);
        assert_eq!(pattern(&mut *lru, &[1, 1, 2, 3, 1]), "mHmmm");
    }

    #[test]
    fn expired_lifetime_demotes_one_queue() {
        // lifetime 2, C = 2. The clock ticks after every hit and insert; expiry = clock + 2 taken
        // before the tick. Insert 1 (exp 2, clock 1); hit 1 -> Q1 (exp 3, clock 2); insert 2 (exp 4,
        // clock 3: 1's 3 < 3 is false). Insert 3 evicts 2 from Q0 (exp 5, clock 4): now 1's 3 < 4,
        // so 1 drops to Q0's MRU end with exp 6.
        let mut m = Mq::new(2, 8, 2, 4.0);
        assert_eq!(pattern(&mut m, &[1, 1, 2, 3]), "mHmm");
        assert_eq!((keys(&m, 0), keys(&m, 1)), (vec![1, 3], vec![]));
        // 4 evicts 3 (Q0's LRU end), 5 evicts 1, so 1 misses; with the default lifetime 1 stays in
        // Q1 and hits.
        assert_eq!(pattern(&mut m, &[4, 5, 1]), "mmm");
        let mut long = Mq::new(2, 8, 10_000, 4.0);
        assert_eq!(pattern(&mut long, &[1, 1, 2, 3, 4, 5, 1]), "mHmmmmH");
    }

    #[test]
    fn qout_restores_the_count() {
        // C = 1. 1 reaches count 2; 2 evicts it into Qout with count 2. 1 comes back as a miss with
        // count 3 (Q1) and pushes 2 (count 1) into Qout; 2 comes back with count 2 (Q1).
        let mut m = Mq::new(1, 8, 10_000, 4.0);
        assert_eq!(pattern(&mut m, &[1, 1, 2]), "mHm");
        assert_eq!(qout(&m), vec![(1, 2)]);
        assert!(!m.contains(1), "ghosts are not cached");
        assert_eq!(pattern(&mut m, &[1]), "m");
        assert_eq!(keys(&m, 1), vec![1]);
        assert_eq!(m.store().table.node(m.store().table.find(1).unwrap()).meta.freq, 3);
        assert_eq!(qout(&m), vec![(2, 1)]);
        assert_eq!(pattern(&mut m, &[2]), "m");
        assert_eq!((keys(&m, 1), qout(&m)), (vec![2], vec![(1, 3)]));
    }

    #[test]
    fn qout_is_a_fifo_sized_in_bytes() {
        // C = 10 bytes, Qout = 1 × C = 10 bytes. 1 (6 bytes) is hit into Q1; 2, 3, 4, 5 (4 bytes
        // each) pass through Q0, each evicting the one before: Qout gets 2, then 3 (8 bytes), then
        // 4, which no longer fits beside 2 and 3, so the oldest ghost, 2, is dropped.
        let mut m = Mq::new(10, 8, 10_000, 1.0);
        let r = |k| Request::get(k, if k == 1 { 6 } else { 4 });
        for k in [1, 2, 1, 3, 4, 5] {
            m.access(&r(k));
        }
        assert_eq!(qout(&m), vec![(4, 1), (3, 1)]);
        assert_eq!((keys(&m, 0), keys(&m, 1)), (vec![5], vec![1]));
        // 3 is remembered: count 2, so Q1 (5 goes to Qout, 8 bytes with 4). 2 was forgotten: Q0.
        assert!(!m.access(&r(3)));
        assert_eq!(keys(&m, 1), vec![3, 1]);
        assert_eq!(qout(&m), vec![(5, 1), (4, 1)]);
        // 2 needs 4 bytes: Q0 is empty, so Q1's LRU end, 1 (count 2), goes; Qout drops 4 for it.
        assert!(!m.access(&r(2)));
        assert_eq!((keys(&m, 0), keys(&m, 1)), (vec![2], vec![3]));
        assert_eq!(qout(&m), vec![(1, 2), (5, 1)]);
        assert_eq!(m.used(), 8);
    }

    #[test]
    fn remove_and_ttl() {
        let mut m = Mq::new(4, 8, 10_000, 4.0);
        let mut r = Request::get(1, 1);
        r.ttl = 100;
        assert!(!m.access(&r));
        r.time = 99;
        assert!(m.access(&r));
        r.time = 100;
        assert!(!m.access(&r), "expired at insert time + ttl");
        assert_eq!(m.counters().expirations, 1);
        assert_eq!(
            m.store().table.node(m.store().table.find(1).unwrap()).meta.freq,
            1,
            "no count survives expiry"
        );
        assert!(m.remove(1));
        assert!(!m.contains(1) && m.is_empty());
    }

    #[test]
    fn bad_parameters_are_errors() {
        for bad in ["mq:queues=0", "mq:queues=65", "mq:lifetime=0", "mq:qout=0", "mq:qout=x"] {
            assert!(crate::policy::PolicySpec::parse(bad).is_err(), "{bad}");
        }
        assert!(crate::policy::PolicySpec::parse("mq:queues=1,lifetime=5,qout=0.5").is_ok());
    }
}
