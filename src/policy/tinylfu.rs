//! W-TinyLFU, as libCacheSim's `WTinyLFU`.
//!
//! Einziger, Friedman and Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", ACM
//! Transactions on Storage 13(4), 2017: a small LRU window takes every new object; an object
//! leaving the window enters the main cache (a segmented LRU) only if a frequency sketch says it
//! has been seen more often than the main cache's own victim.
//!
//! libCacheSim's rules, followed here:
//! - The window's share is `floor(C * window)` (default 1%); the main SLRU gets the rest, split
//!   1:4 into probation (20%) and protected (80%). An object larger than the window or the
//!   probation segment is not cached; so with unit sizes a cache of fewer than 100 objects (window
//!   share 0) caches nothing, as in libCacheSim.
//! - A miss inserts into the window head. The window has no limit of its own: while the whole
//!   cache is over capacity, the window's LRU object moves to main if main has room (and that
//!   does not count as an eviction); otherwise it is compared with main's victim (the tail of the
//!   probation segment, or of protected if probation is empty) and enters main, evicting that
//!   victim, only if its estimate is strictly higher; else the window object is evicted. With an
//!   empty window, main's victim is evicted.
//! - Main is libCacheSim's SLRU: an insert goes to the lowest segment with room (else probation);
//!   a hit in probation moves the object to the protected head, protected overflow moves tails down
//!   to the probation head, and probation overflow is evicted.
//! - The sketch counts every insert, every main hit (window hits are not counted) and every object
//!   leaving the window. After `32 x main capacity` main hits all counters are halved.
//!
//! The sketch is libCacheSim's counting Bloom filter: one array of `u32` counters, 10 positions per
//! key (`ceil(ln 2 * bpe)` with `bpe = -ln(0.001) / ln(2)^2 ≈ 14.4` counters per entry), positions
//! `(a + i * b) mod m` from XXH64 of the key with libCacheSim's two seeds; an add increments all 10
//! counters and the estimate is their minimum.
//!
//! **Sizing.** libCacheSim sizes the sketch for `main capacity` entries, which in a byte-sized cache
//! is 14.4 counters per *byte* (it caps at 2^31 counters, 8 GiB). Here the sketch is sized for
//! `min(main capacity, 2 x cached objects)` entries, measured when the cache first fills (until
//! then main is empty, so every count so far is one insert per cached object, and those are
//! replayed into the new sketch). It doubles whenever the cache later holds more than half as many
//! objects as it has entries; doubling keeps every estimate, because a position is `g mod m` for
//! a per-key number `g` and `g mod 2m` is `g mod m` or `g mod m + m`, so the new array is the old one
//! written twice. A sketch entry costs 14.4 x 4 = 57.5 bytes, so the sketch takes at most 115 to
//! 230 bytes per cached object, whatever the cache's size in bytes.
//! - With unit sizes (objects counted) main capacity is below 2 x the objects that fill the cache,
//!   so the sketch is exactly libCacheSim's (57.5 bytes per object of capacity), and on the
//!   reference trace the miss counts are identical to libCacheSim's.
//! - With byte sizes the sketch is far smaller than libCacheSim's practically collision-free
//!   one (which, at 32 x main-capacity-in-bytes hits per halving, also never halves). To keep
//!   estimates close to true counts with fewer counters it then uses *conservative update*
//!   (increment only the counters at the minimum). On the reference trace this stays within a
//!   third of a point of libCacheSim.
//! - `sketch=exact` keeps a true count per key instead (halved on the same schedule): what
//!   libCacheSim's collision-free byte-sized filter computes, so in bytes its miss counts are
//!   identical to libCacheSim's on the reference trace; memory then grows with the distinct keys
//!   seen (about 16 bytes each), not with the cache.
//! - Objects deleted or expired before the cache first fills lose their one count.

use super::core::list::List;
use super::core::resident::{Ordering, Resident, Store};
use super::core::table::NIL;
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "tinylfu",
    aliases: &["w-tinylfu", "wtinylfu"],
    summary: "W-TinyLFU: LRU window + SLRU main, sketch-based admission (Einziger et al. 2017).",
    params: &[
        ParamInfo {
            name: "window",
            default: "0.01",
            help: "share of the capacity for the LRU window, a number in (0, 1)",
        },
        ParamInfo {
            name: "sketch",
            default: "cbf",
            help: "frequency sketch: `cbf` (counting Bloom filter sized by cached objects) or `exact` \
                   (a count per key ever seen: what libCacheSim's byte-sized filter amounts to; memory \
                   grows with the distinct keys)",
        },
    ],
    build,
    caps: Caps::NONE,
};

fn build(params: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let window: f64 = params.get("window", ("a number in (0, 1)", |w: &f64| *w > 0.0 && *w < 1.0))?;
    let sketch: String = params.get("sketch", ("`cbf` or `exact`", |s: &String| s == "cbf" || s == "exact"))?;
    Ok(Box::new(TinyLfu::with_sketch(ctx.capacity, window, sketch == "exact")))
}

/// Which list holds a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Segment {
    /// The admission window (LRU).
    #[default]
    Window,
    /// Main's probation segment.
    Probation,
    /// Main's protected segment.
    Protected,
}
use Segment::{Probation, Protected, Window};

/// Sketch entries per cached object when the sketch is smaller than libCacheSim's.
const ENTRIES_PER_OBJECT: u64 = 2;

/// libCacheSim's hash seeds (`HASH_SEED0`, `HASH_SEED1`).
const SEED0: u64 = 0x1234_5678;
const SEED1: u64 = 0x1234_4321;

/// XXH64 of the 8 little-endian bytes of `key` (the general algorithm specialised to one 8-byte
/// lane, so it inlines to a few multiplies).
#[inline]
fn xxh64_u64(key: u64, seed: u64) -> u64 {
    const P1: u64 = 0x9E37_79B1_85EB_CA87;
    const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    const P3: u64 = 0x1656_67B1_9E37_79F9;
    const P4: u64 = 0x85EB_CA77_C2B2_AE63;
    const P5: u64 = 0x27D4_EB2F_1656_67C5;
    let mut h = seed.wrapping_add(P5).wrapping_add(8);
    h ^= key.wrapping_mul(P2).rotate_left(31).wrapping_mul(P1);
    h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

/// A counting Bloom filter over one array of counters (libCacheSim's `minimalIncrementCBF`), or
/// exact counts per key.
struct Sketch {
    counters: Vec<u32>,
    /// Exact mode: a count per key (`counters` stays empty).
    exact: Option<rustc_hash::FxHashMap<u64, u32>>,
    /// Number of objects it is sized for.
    entries: u64,
    /// Conservative update (increment only the counters at the minimum) instead of incrementing all.
    conservative: bool,
}

/// Hash positions per key.
const HASHES: u32 = 10;

impl Sketch {
    /// Counters per entry for a 0.1% false-positive rate, as libCacheSim computes it.
    fn bpe() -> f64 {
        -(0.001f64).ln() / 0.480453013918201
    }

    /// A sketch not yet sized: counts nothing.
    fn empty() -> Self {
        Sketch {
            counters: Vec::new(),
            exact: None,
            entries: 0,
            conservative: false,
        }
    }

    /// Exact counts, from the first request on.
    fn exact() -> Self {
        Sketch {
            exact: Some(Default::default()),
            ..Self::empty()
        }
    }

    /// Sized and counting.
    fn ready(&self) -> bool {
        self.exact.is_some() || !self.counters.is_empty()
    }

    fn new(entries: u64, conservative: bool) -> Self {
        let entries = entries.max(1);
        let m = ((Self::bpe() * entries as f64).ceil() as usize).max(2 * HASHES as usize);
        Sketch {
            counters: vec![0; m],
            exact: None,
            entries,
            conservative,
        }
    }

    /// The two 32-bit halves of the key's hash; position `i` is `(a + i * b) mod m` in 32-bit
    /// arithmetic, as in libCacheSim.
    #[inline]
    fn hash(key: u64) -> (u32, u32) {
        // XXH64 of the key's 8 bytes with libCacheSim's two seeds, truncated to 32 bits.
        (xxh64_u64(key, SEED0) as u32, xxh64_u64(key, SEED1) as u32)
    }

    /// Starts loading the counters of `key` (a hint for a hit in main soon).
    #[inline]
    fn prefetch(&self, key: u64) {
        if self.counters.is_empty() {
            return;
        }
        let (a, b) = Self::hash(key);
        let m = self.counters.len() as u64;
        for i in 0..HASHES {
            let p = self
                .counters
                .as_ptr()
                .wrapping_add((a.wrapping_add(i.wrapping_mul(b)) as u64 % m) as usize);
            crate::policy::core::table::prefetch_ptr(p);
        }
    }

    #[inline]
    fn estimate(&self, key: u64) -> u32 {
        if let Some(m) = &self.exact {
            return m.get(&key).copied().unwrap_or(0);
        }
        if self.counters.is_empty() {
            return 0;
        }
        let (a, b) = Self::hash(key);
        let m = self.counters.len() as u64;
        (0..HASHES)
            .map(|i| self.counters[(a.wrapping_add(i.wrapping_mul(b)) as u64 % m) as usize])
            .min()
            .unwrap_or(0)
    }

    #[inline]
    fn add(&mut self, key: u64) {
        if let Some(m) = &mut self.exact {
            let c = m.entry(key).or_insert(0);
            *c = c.saturating_add(1);
            return;
        }
        if self.counters.is_empty() {
            return;
        }
        let (a, b) = Self::hash(key);
        let m = self.counters.len() as u64;
        if self.conservative {
            let min = self.estimate(key);
            for i in 0..HASHES {
                let c = &mut self.counters[(a.wrapping_add(i.wrapping_mul(b)) as u64 % m) as usize];
                if *c == min {
                    *c = min.saturating_add(1);
                }
            }
            return;
        }
        for i in 0..HASHES {
            let c = &mut self.counters[(a.wrapping_add(i.wrapping_mul(b)) as u64 % m) as usize];
            *c = c.saturating_add(1);
        }
    }

    fn halve(&mut self) {
        if let Some(m) = &mut self.exact {
            m.retain(|_, c| {
                *c >>= 1;
                *c > 0
            });
        }
        for c in &mut self.counters {
            *c >>= 1;
        }
    }

    /// Doubles the number of counters, keeping every estimate.
    fn grow(&mut self) {
        self.counters.extend_from_within(..);
        self.entries *= 2;
    }
}

/// The W-TinyLFU cache.
pub type TinyLfu = Resident<TinyLfuOrder>;

/// W-TinyLFU's order: the window, probation and protected LRU lists (node meta: which holds the
/// node), and the frequency sketch.
pub struct TinyLfuOrder {
    window: List,
    probation: List,
    protected: List,
    /// Largest object the window accepts (libCacheSim's window cache size).
    window_cap: u64,
    main_cap: u64,
    probation_cap: u64,
    protected_cap: u64,
    sketch: Sketch,
    /// Main hits since the sketch was last halved, and the period.
    main_hits: u64,
    halve_every: u64,
}

impl TinyLfu {
    /// An empty cache whose window takes `window` of `capacity`, with the counting sketch.
    pub fn new(capacity: u64, window: f64) -> Self {
        Self::with_sketch(capacity, window, false)
    }

    /// An empty cache whose window takes `window` of `capacity`; `exact` keeps a true count per
    /// key instead of the sketch.
    pub fn with_sketch(capacity: u64, window: f64, exact: bool) -> Self {
        let window_cap = (capacity as f64 * window) as u64;
        let main_cap = capacity - window_cap;
        let probation_cap = (1.0 / 5.0 * main_cap as f64) as u64;
        let protected_cap = (4.0 / 5.0 * main_cap as f64) as u64;
        let order = TinyLfuOrder {
            window: List::default(),
            probation: List::default(),
            protected: List::default(),
            window_cap,
            main_cap,
            probation_cap,
            protected_cap,
            sketch: if exact { Sketch::exact() } else { Sketch::empty() },
            main_hits: 0,
            halve_every: 32 * main_cap,
        };
        Resident::with_order(capacity, order)
    }
}

impl TinyLfuOrder {
    fn main_used(&self) -> u64 {
        self.probation.bytes + self.protected.bytes
    }

    /// Unlinks `slot` from its list.
    fn detach(&mut self, s: &mut Store<Segment>, slot: u32) {
        let id = s.table.node(slot).meta;
        let nodes = &mut s.table.nodes;
        match id {
            Window => self.window.unlink(nodes, slot),
            Probation => self.probation.unlink(nodes, slot),
            _ => self.protected.unlink(nodes, slot),
        }
    }

    /// Main's victim: the tail of the lowest non-empty segment.
    fn main_victim(&self) -> u32 {
        if self.probation.bytes > 0 {
            self.probation.tail
        } else {
            self.protected.tail
        }
    }

    fn evict_main(&mut self, s: &mut Store<Segment>) {
        let v = self.main_victim();
        debug_assert!(v != NIL);
        self.detach(s, v);
        s.evict(v);
    }

    /// libCacheSim's SLRU insert of a node already in the table (in no list).
    fn insert_main(&mut self, s: &mut Store<Segment>, slot: u32) {
        let size = s.table.node(slot).size;
        let seg = if self.probation.bytes + size <= self.probation_cap {
            Probation
        } else if self.protected.bytes + size <= self.protected_cap {
            Protected
        } else {
            while self.main_used() + size > self.main_cap {
                self.evict_main(s);
            }
            Probation
        };
        s.table.node_mut(slot).meta = seg;
        let nodes = &mut s.table.nodes;
        if seg == Probation {
            self.probation.push_head(nodes, slot);
        } else {
            self.protected.push_head(nodes, slot);
        }
    }

    /// A hit in main: protected moves to its head; probation is promoted, cascading overflow down.
    fn hit_main(&mut self, s: &mut Store<Segment>, slot: u32, seg: Segment) {
        let nodes = &mut s.table.nodes;
        if seg == Protected {
            self.protected.move_to_head(nodes, slot);
            return;
        }
        self.probation.unlink(nodes, slot);
        self.protected.push_head(nodes, slot);
        nodes[slot as usize].meta = Protected;
        while self.protected.bytes > self.protected_cap {
            let nodes = &mut s.table.nodes;
            let t = self.protected.tail;
            self.protected.unlink(nodes, t);
            self.probation.push_head(nodes, t);
            nodes[t as usize].meta = Probation;
            while self.probation.bytes > self.probation_cap {
                // Cooling segment 0 evicts main's victim: probation's tail.
                let v = self.probation.tail;
                self.detach(s, v);
                s.evict(v);
            }
        }
    }

    /// Sizes the sketch when the cache first fills. Until then main is empty, so the only counts
    /// were one insert per cached object (all in the window): they are replayed into the new sketch.
    fn size_sketch(&mut self, s: &Store<Segment>) {
        let entries = self.main_cap.min(ENTRIES_PER_OBJECT * s.table.len() as u64);
        self.sketch = Sketch::new(entries, entries < self.main_cap);
        let keys: Vec<u64> = self.window.iter(&s.table.nodes).map(|x| s.table.node(x).key).collect();
        for k in keys {
            self.sketch.add(k);
        }
    }

    /// One step of libCacheSim's `WTinyLFU_evict`: drains the window into main while main has
    /// room, then evicts exactly one object (the window's victim, or main's).
    fn evict_one(&mut self, s: &mut Store<Segment>) {
        if !self.sketch.ready() {
            self.size_sketch(s);
        }
        while self.window.bytes > 0 {
            let w = self.window.tail;
            let (wkey, wsize) = (s.table.node(w).key, s.table.node(w).size);
            if self.main_used() + wsize <= self.main_cap {
                self.window.unlink(&mut s.table.nodes, w);
                self.insert_main(s, w);
                self.sketch.add(wkey);
                continue;
            }
            let m = self.main_victim();
            let mkey = s.table.node(m).key;
            if self.sketch.estimate(wkey) > self.sketch.estimate(mkey) {
                self.evict_main(s);
                self.window.unlink(&mut s.table.nodes, w);
                self.insert_main(s, w);
            } else {
                self.detach(s, w);
                s.evict(w);
            }
            self.sketch.add(wkey);
            return;
        }
        self.evict_main(s);
    }
}

impl Ordering for TinyLfuOrder {
    type Meta = Segment;

    /// Objects larger than the window or probation are not cached (libCacheSim).
    #[inline]
    fn admits(&self, req: &Request) -> bool {
        req.size <= self.window_cap && req.size <= self.probation_cap
    }

    #[inline]
    fn prefetch(&self, key: u64) {
        self.sketch.prefetch(key);
    }

    #[inline]
    fn hit(&mut self, s: &mut Store<Segment>, slot: u32, req: &Request) {
        let seg = s.table.node(slot).meta;
        if seg == Window {
            self.window.move_to_head(&mut s.table.nodes, slot);
            return;
        }
        self.hit_main(s, slot, seg);
        self.sketch.add(req.key);
        self.main_hits += 1;
        if self.main_hits >= self.halve_every {
            self.main_hits = 0;
            self.sketch.halve();
        }
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<Segment>, slot: u32, req: &Request) {
        s.table.node_mut(slot).meta = Window;
        self.window.push_head(&mut s.table.nodes, slot);
        self.sketch.add(req.key);
        let entries = self.sketch.entries;
        if entries != 0 && entries < self.main_cap && ENTRIES_PER_OBJECT * s.table.len() as u64 > entries {
            self.sketch.grow();
        }
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<Segment>, slot: u32) {
        self.detach(s, slot);
    }

    /// Not used: `evict_one` decides between the window's victim and main's.
    fn victim(&mut self, _: &mut Store<Segment>, _: &Request) -> u32 {
        unreachable!("W-TinyLFU evicts through evict_one")
    }

    #[inline]
    fn evict(&mut self, s: &mut Store<Segment>, _: &Request) {
        self.evict_one(s);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::pattern;
    use super::*;

    /// Capacity 100: window share 1 (the largest object it takes), main 99 (probation 19,
    /// protected 79). Keys 0..100 fill the cache, all in the window (it has no limit of its own).
    fn filled() -> TinyLfu {
        let mut p = TinyLfu::new(100, 0.01);
        assert_eq!(
            (
                p.order().window_cap,
                p.order().main_cap,
                p.order().probation_cap,
                p.order().protected_cap
            ),
            (1, 99, 19, 79)
        );
        assert_eq!(pattern(&mut p, &(0..100).collect::<Vec<_>>()), "m".repeat(100));
        p
    }

    #[test]
    fn refuses_a_one_hit_wonder_once_full() {
        let mut p = filled();
        // 1000 misses with the cache full: the window drains its oldest objects 0..98 into main
        // while main has room (count 2 each: insert + leaving the window), then the window's victim
        // 99 (count 1) loses to main's victim 0 (count 2) and is evicted. 1000 enters the window.
        // 1001 pushes the one-hit wonder 1000 (count 1) out the same way: refused.
        assert_eq!(pattern(&mut p, &[1000, 1001]), "mm");
        assert_eq!(
            (p.order().sketch.estimate(0), p.order().sketch.estimate(1000)),
            (2, 2),
            "no sketch collisions assumed"
        );
        assert!(!p.contains(1000) && !p.contains(99) && p.contains(1001));
        assert_eq!(p.counters().evictions, 2);
        // Main kept every object.
        assert!((0..99).all(|k| p.contains(k)));
    }

    #[test]
    fn frequent_window_victim_replaces_main_victim() {
        let mut p = filled();
        // As above, 100 drains 0..98 into main and evicts 99 (99's count becomes 2).
        // 99 returns: 100 (count 1) is pushed out and refused (count 2 now); 99 enters (count 3).
        // 100 returns: 99 (count 3) leaves the window and beats main's victim 0 (count 2): 0 is
        // evicted and 99 enters probation. 100 enters the window.
        assert_eq!(pattern(&mut p, &[100, 99, 100]), "mmm");
        assert_eq!(
            (p.order().sketch.estimate(0), p.order().sketch.estimate(99)),
            (2, 4),
            "no sketch collisions assumed"
        );
        assert!(p.contains(99) && p.contains(100) && !p.contains(0));
        assert_eq!(p.store().table.node(p.store().table.find(99).unwrap()).meta, Probation);
    }

    #[test]
    fn window_hits_are_not_counted() {
        let mut p = filled();
        // 99 is hit three times while in the window: no sketch increments, so when 100 pushes it
        // out its count is still 1 (the insert), not above main's victim 0 (2): refused.
        assert_eq!(pattern(&mut p, &[99, 99, 99, 100]), "HHHm");
        assert_eq!(p.order().sketch.estimate(99), 2);
        assert!(!p.contains(99));
    }

    #[test]
    fn hash_is_xxh64() {
        for k in [0u64, 1, 42, 0xdead_beef, u64::MAX, 1 << 40] {
            for seed in [SEED0, SEED1, 0] {
                assert_eq!(
                    xxh64_u64(k, seed),
                    xxhash_rust::xxh64::xxh64(&k.to_le_bytes(), seed),
                    "key {k}"
                );
            }
        }
    }

    #[test]
    fn sketch_growth_keeps_estimates() {
        let mut s = Sketch::new(16, false);
        for k in 0..200u64 {
            for _ in 0..(k % 5) {
                s.add(k);
            }
        }
        let before: Vec<u32> = (0..300).map(|k| s.estimate(k)).collect();
        s.grow();
        s.grow();
        let after: Vec<u32> = (0..300).map(|k| s.estimate(k)).collect();
        assert_eq!(before, after);
        assert_eq!(s.entries, 64);
    }

    #[test]
    fn exact_sketch_counts_every_key_and_halves() {
        // A 16-entry filter over 200 keys collides; the exact sketch returns the true counts, and
        // halving rounds them down (dropping the keys that reach 0).
        let mut cbf = Sketch::new(16, false);
        let mut exact = Sketch::exact();
        for k in 0..200u64 {
            for _ in 0..(k % 5) {
                cbf.add(k);
                exact.add(k);
            }
        }
        assert!((0..200u64).all(|k| exact.estimate(k) == (k % 5) as u32));
        assert!(
            (0..200u64).any(|k| cbf.estimate(k) > (k % 5) as u32),
            "the small filter collides"
        );
        exact.halve();
        assert!((0..200u64).all(|k| exact.estimate(k) == (k % 5) as u32 / 2));
        assert_eq!(
            exact.exact.as_ref().unwrap().len(),
            120,
            "the 3 x 40 keys with 2, 3 or 4 counts stay"
        );
    }

    #[test]
    fn sketch_parameter() {
        let bad = super::super::PolicySpec::parse("tinylfu:sketch=bloom");
        assert!(bad.err().unwrap().contains("`cbf` or `exact`"));
        let mut p = super::super::testkit::build("tinylfu:sketch=exact", 1000);
        assert!(!p.access(&crate::model::request::Request::get(1, 5)));
        assert!(p.access(&crate::model::request::Request::get(1, 5)));
    }

    #[test]
    fn too_large_for_the_window_is_not_cached() {
        // Capacity 1000 bytes: the window is 10 bytes, so an 11-byte object is refused.
        let mut p = super::super::testkit::build("tinylfu", 1000);
        assert!(!p.access(&crate::model::request::Request::get(1, 11)));
        assert!(!p.contains(1));
        assert!(!p.access(&crate::model::request::Request::get(2, 10)));
        assert!(p.contains(2));
    }
}
