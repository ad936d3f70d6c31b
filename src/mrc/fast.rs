//! The exact LRU curve at any number of sizes in O(log) per request: hits are recorded as ranges of
//! cache sizes in a difference array, and each size's count is a prefix sum at the end.
//!
//! Why: the per-size engine ([`Engine`]) checks every size on every request and keeps a tree per
//! size below the largest object, so N sizes cost O(requests · N) time and O(objects · N) memory.
//! Without deletes and TTLs (the common case) the set of cache sizes at which a request hits can be
//! computed directly, as a few ranges, whatever the number of sizes.
//!
//! How: at cache size C an object of size s hits iff s + P(C) <= C, where P(C) is the total size of
//! the distinct objects of size <= C used since its last access (larger ones are never cached at C;
//! see the parent module). P is a step function of C, so the hit set is a union of ranges
//! [s + P(v_j), v_{j+1}) over the distinct sizes v_j used since. Objects are grouped by size class
//! (floor(log2 size)); within class k two objects already weigh 2^(k+1), more than any C of that
//! class, so only the class's total, smallest and second-smallest size matter: at most two ranges
//! per class, found with one suffix query per class present (a tree per class keeps sum, minimum and
//! second minimum). Objects no larger than the smallest positive cache size count at every size and
//! share one plain sum tree. Each range becomes two entries of a difference array over the sizes
//! (binary search), so a request costs O(classes · (log objects + log sizes)), memory is O(classes ·
//! objects + sizes).
//!
//! A delete of a cached object or a request with a TTL needs per-size state (the parent module's
//! boundaries and per-size expiries): the state is then handed over to [`Engine`], exactly, and
//! the rest of the trace runs there.

use super::keytable::KeyTable;
use super::sumtree::SumTree;
use super::{Engine, Entry, MrcError, MrcPoint, MIN_TIMELINE, NONE};
use crate::model::request::{Op, Request};
use crate::model::result::SizeUnit;

/// Sum, smallest and second-smallest size of a set of objects (`u64::MAX` = none).
#[derive(Clone, Copy, Debug)]
struct Agg {
    sum: u64,
    m1: u64,
    m2: u64,
}

const EMPTY: Agg = Agg {
    sum: 0,
    m1: u64::MAX,
    m2: u64::MAX,
};

impl Agg {
    #[inline]
    fn min_in(&mut self, v: u64) {
        if v < self.m1 {
            self.m2 = self.m1;
            self.m1 = v;
        } else if v < self.m2 {
            self.m2 = v;
        }
    }

    #[inline]
    fn push(&mut self, x: u64) {
        if x != 0 {
            self.sum += x;
            self.min_in(x);
        }
    }

    #[inline]
    fn merge(&mut self, o: &Agg) {
        self.sum += o.sum;
        self.min_in(o.m1);
        self.min_in(o.m2);
    }
}

/// One size class over the timeline: the size at each position (0 = none) and, above, an 8-ary tree
/// of [`Agg`]s.
#[derive(Clone, Debug)]
struct ClassTree {
    leaves: Vec<u64>,
    /// `aggs[0][g]` sums leaves `8g..8g+8`; `aggs[l][g]` sums `aggs[l-1][8g..8g+8]`; the last has one.
    aggs: Vec<Vec<Agg>>,
}

impl ClassTree {
    fn new(len: usize) -> Self {
        let leaves = vec![0; len.max(1).div_ceil(8) * 8];
        let mut aggs = Vec::new();
        let mut n = leaves.len() / 8;
        loop {
            aggs.push(vec![EMPTY; n]);
            if n == 1 {
                break;
            }
            n = n.div_ceil(8);
        }
        ClassTree { leaves, aggs }
    }

    fn group(&self, l: usize, g: usize) -> Agg {
        let mut a = EMPTY;
        if l == 0 {
            for &x in &self.leaves[g * 8..g * 8 + 8] {
                a.push(x);
            }
        } else {
            let below = &self.aggs[l - 1];
            for o in &below[g * 8..(g * 8 + 8).min(below.len())] {
                a.merge(o);
            }
        }
        a
    }

    fn set(&mut self, pos: usize, v: u64) {
        self.leaves[pos] = v;
        let mut g = pos >> 3;
        for l in 0..self.aggs.len() {
            self.aggs[l][g] = self.group(l, g);
            g >>= 3;
        }
    }

    /// Objects at positions `>= start`.
    fn suffix(&self, start: usize) -> Agg {
        let mut acc = EMPTY;
        if start >= self.leaves.len() {
            return acc;
        }
        for &x in &self.leaves[start..(start | 7) + 1] {
            acc.push(x);
        }
        let mut i = start >> 3;
        for level in &self.aggs {
            let end = (((i >> 3) + 1) * 8).min(level.len());
            for o in &level[(i + 1).min(end)..end] {
                acc.merge(o);
            }
            i >>= 3;
        }
        acc
    }

    /// As [`SumTree::compact`].
    fn compact(&mut self, keep: &[u32], len: usize) {
        let mut t = ClassTree::new(len);
        for p in 0..keep.len() - 1 {
            if keep[p + 1] > keep[p] {
                t.leaves[keep[p] as usize] = self.leaves[p];
            }
        }
        for l in 0..t.aggs.len() {
            for g in 0..t.aggs[l].len() {
                t.aggs[l][g] = t.group(l, g);
            }
        }
        *self = t;
    }
}

/// The range-recording engine (exact, unsampled, no deletes of cached objects, no TTLs).
pub(crate) struct Fast {
    objects: bool,
    map: KeyTable,
    next: usize,
    len: usize,
    /// Objects no larger than `floor`.
    base: SumTree,
    /// The smallest positive cache size (`u64::MAX` if none).
    floor: u64,
    /// Objects larger than `floor`, by floor(log2 size); `present` has bit k set when class k exists.
    classes: Vec<Option<ClassTree>>,
    present: u64,
    /// Distinct sizes, ascending.
    sizes: Vec<u64>,
    /// Difference arrays over `sizes` of hits and hit bytes (wrapping).
    hits: Vec<u64>,
    hit_bytes: Vec<u64>,
    ranges: Vec<(usize, usize)>,
    max_size: u64,
    requests: u64,
    bytes: u64,
}

impl Fast {
    pub(crate) fn new(sizes: &[u64], unit: SizeUnit) -> Self {
        let mut distinct = sizes.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let k = distinct.len();
        Fast {
            objects: unit == SizeUnit::Objects,
            map: KeyTable::new(),
            next: 0,
            len: MIN_TIMELINE,
            base: SumTree::new(MIN_TIMELINE),
            floor: distinct.iter().copied().find(|&c| c > 0).unwrap_or(u64::MAX),
            classes: vec![None; 64],
            present: 0,
            sizes: distinct,
            hits: vec![0; k + 1],
            hit_bytes: vec![0; k + 1],
            ranges: Vec::new(),
            max_size: 0,
            requests: 0,
            bytes: 0,
        }
    }

    #[inline]
    pub(crate) fn prefetch(&self, key: u64) {
        self.map.prefetch(key);
    }

    /// One request; `Ok(false)` when it needs per-size state (see [`Fast::into_engine`]), before
    /// anything was counted.
    #[inline]
    pub(crate) fn request(&mut self, req: &Request) -> Result<bool, MrcError> {
        if req.op == Op::Delete {
            return Ok(self.map.get(req.key).is_none());
        }
        if req.size == 0 {
            return Ok(true);
        }
        if req.expiry() != 0 {
            return Ok(false);
        }
        self.access(req)?;
        Ok(true)
    }

    fn access(&mut self, req: &Request) -> Result<(), MrcError> {
        let s = if self.objects { 1 } else { req.size };
        self.requests += 1;
        self.bytes += s;
        self.max_size = self.max_size.max(s);
        let Some(&e) = self.map.get(req.key) else {
            let pos = self.place(s);
            self.map.insert(
                req.key,
                Entry {
                    pos: pos as u32,
                    size: s,
                    exp: 0,
                    exp_slot: NONE,
                },
            );
            return Ok(());
        };
        let old = e.size;
        self.hit_ranges(e.pos as usize + 1, old);
        if !self.ranges.is_empty() {
            if old != s {
                return Err(MrcError::SizeChanged {
                    key: req.key,
                    old,
                    new: s,
                    request: self.requests,
                });
            }
            for &(lo, hi) in &self.ranges {
                self.hits[lo] = self.hits[lo].wrapping_add(1);
                self.hits[hi] = self.hits[hi].wrapping_sub(1);
                self.hit_bytes[lo] = self.hit_bytes[lo].wrapping_add(s);
                self.hit_bytes[hi] = self.hit_bytes[hi].wrapping_sub(s);
            }
        }
        self.unplace(e.pos as usize, old);
        let pos = self.place(s);
        let entry = self.map.get_mut(req.key).expect("present");
        entry.pos = pos as u32;
        entry.size = s;
        Ok(())
    }

    /// The level-index ranges where an object of size `s` whose last access was just before `start`
    /// hits (see the module docs), into `self.ranges`.
    fn hit_ranges(&mut self, start: usize, s: u64) {
        self.ranges.clear();
        let s = s as u128;
        let mut used = self.base.suffix(start) as u128;
        let mut bits = self.present;
        while bits != 0 {
            let k = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let a = self.classes[k].as_ref().expect("present").suffix(start);
            if a.sum == 0 {
                continue;
            }
            // Below the smallest: only what was counted so far; between the two smallest: that one too.
            self.emit(s + used, a.m1 as u128);
            if a.m2 != u64::MAX {
                self.emit(s + used + a.m1 as u128, a.m2 as u128);
            }
            used += a.sum as u128;
        }
        self.emit(s + used, u128::MAX);
    }

    /// Records the cache sizes in `[lo, hi)`.
    #[inline]
    fn emit(&mut self, lo: u128, hi: u128) {
        if lo >= hi {
            return;
        }
        let a = self.sizes.partition_point(|&c| (c as u128) < lo);
        let b = if hi == u128::MAX {
            self.sizes.len()
        } else {
            self.sizes.partition_point(|&c| (c as u128) < hi)
        };
        if a < b {
            self.ranges.push((a, b));
        }
    }

    fn place(&mut self, s: u64) -> usize {
        if self.next == self.len {
            self.compact();
        }
        let pos = self.next;
        self.next += 1;
        if s <= self.floor {
            self.base.add(pos, s);
        } else {
            let k = 63 - s.leading_zeros() as usize;
            let len = self.len;
            self.classes[k].get_or_insert_with(|| ClassTree::new(len)).set(pos, s);
            self.present |= 1 << k;
        }
        pos
    }

    fn unplace(&mut self, pos: usize, s: u64) {
        if s <= self.floor {
            self.base.sub(pos, s);
        } else {
            let k = 63 - s.leading_zeros() as usize;
            self.classes[k].as_mut().expect("present").set(pos, 0);
        }
    }

    /// Renumbers live positions in order into a timeline four times their number.
    fn compact(&mut self) {
        let mut live = vec![false; self.next];
        for e in self.map.values_mut() {
            live[e.pos as usize] = true;
        }
        let mut keep = Vec::with_capacity(self.next + 1);
        let mut n = 0u32;
        for &l in &live {
            keep.push(n);
            n += l as u32;
        }
        keep.push(n);
        let len = (4 * (n as usize + 1)).max(MIN_TIMELINE);
        self.base.compact(&keep, len);
        for t in self.classes.iter_mut().flatten() {
            t.compact(&keep, len);
        }
        for e in self.map.values_mut() {
            e.pos = keep[e.pos as usize];
        }
        self.next = n as usize;
        self.len = len;
    }

    /// (misses, missed bytes) of each distinct size, ascending.
    fn counts(&self) -> Vec<(u64, u64)> {
        let (mut h, mut hb) = (0u64, 0u64);
        (0..self.sizes.len())
            .map(|i| {
                h = h.wrapping_add(self.hits[i]);
                hb = hb.wrapping_add(self.hit_bytes[i]);
                (self.requests - h, self.bytes - hb)
            })
            .collect()
    }

    /// The curve so far at `sizes` (as given to [`Fast::new`]).
    pub(crate) fn points(&self, sizes: &[u64]) -> Vec<MrcPoint> {
        let counts = self.counts();
        sizes
            .iter()
            .map(|c| {
                let i = self.sizes.binary_search(c).expect("a given size");
                super::point(*c, self.requests, counts[i].0, self.bytes, counts[i].1)
            })
            .collect()
    }

    /// The same state in the per-size engine: every object at its place in the recency order, the
    /// counts so far, no boundaries and no expiries (none could have arisen here).
    pub(crate) fn into_engine(self, sizes: &[u64], unit: SizeUnit) -> Engine {
        let mut e = Engine::new(sizes, unit, 1.0);
        for (l, (m, mb)) in e.levels.iter_mut().zip(self.counts()) {
            l.misses = m;
            l.miss_bytes = mb;
        }
        e.requests = self.requests;
        e.bytes = self.bytes;
        e.grow_max(self.max_size);
        let mut objs: Vec<(u32, u64, u64)> = self.map.iter().map(|(k, x)| (x.pos, k, x.size)).collect();
        objs.sort_unstable();
        for (_, key, size) in objs {
            let pos = e.place(size);
            e.map.insert(
                key,
                Entry {
                    pos: pos as u32,
                    size,
                    exp: 0,
                    exp_slot: NONE,
                },
            );
        }
        e
    }
}
