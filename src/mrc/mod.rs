//! Exact LRU miss-ratio curves in one streaming pass, and SHARDS sampling ([`shards`]).
//!
//! Why: a sweep of LRU over many cache sizes costs one replay per size; LRU's stack property lets
//! one pass give every size at once (Mattson et al., 1970). The curve here is *identical* to the
//! `lru` policy (libCacheSim semantics) replayed separately at each size, counted like
//! [`Policy::replay`](crate::policy::Policy::replay): deletes remove the key and are not counted,
//! zero-size requests are skipped.
//!
//! How: a prefix-sum tree (an 8-ary, cache-line-per-node variant of a Fenwick tree, see
//! `sumtree`) over a timeline of last-access positions holds each live object's size at its last
//! access, so the bytes (or objects) used since an object's last access are a suffix sum,
//! O(log M). At cache size C, LRU content is always a prefix of the recency stack: an object hits
//! iff its size plus the sizes of the distinct objects used since its last access is at most C
//! (miss insertion evicts from the tail only until the new object fits, and a hit only reorders the
//! prefix, so the content stays the longest prefix that fits). The timeline is compacted when full
//! (live positions renumbered in order, trees rebuilt), so memory follows the number of distinct
//! live objects M, never the trace length N.
//!
//! The exceptions, handled exactly:
//! - Objects larger than C are never inserted at C, so they must not count in C's stack: each size
//!   below the largest object seen gets its own tree that leaves larger objects out.
//! - A delete frees space without pulling evicted objects back, so the content may be shorter than
//!   the longest fitting prefix. Such a size keeps an explicit boundary (the oldest cached position)
//!   until insertions have refilled the slack.
//! - TTLs: the expiry is set when an object is inserted or written (a write sets the object, see
//!   [`Policy::rewrite`](crate::policy::Policy::rewrite)) and a read hit does not renew it, so at different
//!   sizes an object may carry different expiries (it was re-inserted at small sizes and kept at
//!   large ones). Objects keep one expiry, or one per size once they differ.
//!
//! Not possible in one pass: an object whose size changes while it is cached at some size (a hit
//! keeps the old size there, a miss elsewhere inserts the new one). [`lru_mrc`] then fails with
//! [`MrcError::SizeChanged`]; callers should fall back to one replay per size. Size changes of
//! objects that miss at every size are fine.

mod fast;
pub(crate) mod keytable;
pub mod shards;
mod sumtree;

use crate::model::request::{Op, Request};
use crate::model::result::SizeUnit;
use crate::trace::{TraceReader, BATCH};
use keytable::KeyTable;
use serde::Serialize;
use sumtree::SumTree;

/// One point of a miss-ratio curve.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MrcPoint {
    /// Cache size, in bytes or objects.
    pub cache_size: u64,
    /// Requests counted (deletes and zero-size requests excluded).
    pub requests: u64,
    /// Requests that missed.
    pub misses: u64,
    /// misses / requests.
    pub miss_ratio: f64,
    /// Bytes requested (equal to `requests` with object sizes).
    pub bytes_requested: u64,
    /// Bytes of the requests that missed.
    pub bytes_missed: u64,
    /// bytes_missed / bytes_requested.
    pub byte_miss_ratio: f64,
}

/// Why a one-pass curve could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum MrcError {
    /// An object's size changed while it was cached at some size.
    #[error(
        "object {key} changed size from {old} to {new} at request {request} while cached: an exact one-pass \
         LRU curve does not exist for this trace (a hit keeps the old size); replay each cache size instead, \
         or ignore object sizes"
    )]
    SizeChanged {
        /// The object.
        key: u64,
        /// Its recorded size.
        old: u64,
        /// The size in the request.
        new: u64,
        /// 1-based index of the request among those counted.
        request: u64,
    },
}

/// Computes the exact LRU miss-ratio curve of `reader` at `sizes` (any order, duplicates allowed;
/// the result follows the same order) in one pass. See the module docs for the semantics.
pub fn lru_mrc(reader: &mut dyn TraceReader, sizes: &[u64], unit: SizeUnit) -> anyhow::Result<Vec<MrcPoint>> {
    let mut mrc = LruMrc::new(sizes, unit);
    let mut batch = Vec::with_capacity(BATCH);
    while reader.read_batch(&mut batch)? {
        mrc.feed(&batch)?;
    }
    Ok(mrc.points())
}

/// The streaming form of [`lru_mrc`]: feed batches, then read the points.
///
/// Runs the range-recording engine (`fast`) until a request needs per-size state (a delete of a
/// cached object, a TTL), then the per-size `Engine` from that exact state on.
pub struct LruMrc {
    sizes: Vec<u64>,
    unit: SizeUnit,
    mode: Mode,
}

// One per curve and never in a collection; boxing the Engine would add an indirection per request.
#[allow(clippy::large_enum_variant)]
enum Mode {
    Fast(Box<fast::Fast>),
    General(Engine),
}

impl LruMrc {
    /// An empty curve at `sizes`.
    pub fn new(sizes: &[u64], unit: SizeUnit) -> Self {
        LruMrc {
            sizes: sizes.to_vec(),
            unit,
            mode: Mode::Fast(Box::new(fast::Fast::new(sizes, unit))),
        }
    }

    /// Processes requests in order.
    pub fn feed(&mut self, reqs: &[Request]) -> Result<(), MrcError> {
        for (i, r) in reqs.iter().enumerate() {
            match &mut self.mode {
                Mode::Fast(f) => {
                    if let Some(n) = reqs.get(i + PREFETCH) {
                        f.prefetch(n.key);
                    }
                    if !f.request(r)? {
                        let Mode::Fast(f) =
                            std::mem::replace(&mut self.mode, Mode::General(Engine::new(&[], self.unit, 1.0)))
                        else {
                            unreachable!()
                        };
                        let mut e = f.into_engine(&self.sizes, self.unit);
                        e.request(r)?;
                        self.mode = Mode::General(e);
                    }
                }
                Mode::General(e) => {
                    e.prefetch(reqs, i);
                    e.request(r)?;
                }
            }
        }
        Ok(())
    }

    /// The curve so far, in the order the sizes were given.
    pub fn points(&self) -> Vec<MrcPoint> {
        let e = match &self.mode {
            Mode::Fast(f) => return f.points(&self.sizes),
            Mode::General(e) => e,
        };
        e.order
            .iter()
            .map(|&i| {
                let l = &e.levels[i];
                point(l.size, e.requests, l.misses, e.bytes, l.miss_bytes)
            })
            .collect()
    }

    /// Whether the per-size engine took over (a delete of a cached object or a TTL was seen).
    pub fn per_size(&self) -> bool {
        matches!(self.mode, Mode::General(_))
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

fn point(cache_size: u64, requests: u64, misses: u64, bytes: u64, miss_bytes: u64) -> MrcPoint {
    MrcPoint {
        cache_size,
        requests,
        misses,
        miss_ratio: ratio(misses as f64, requests as f64),
        bytes_requested: bytes,
        bytes_missed: miss_bytes,
        byte_miss_ratio: ratio(miss_bytes as f64, bytes as f64),
    }
}

/// "None": a free timeline position, an object without per-size expiries, a size that caches nothing.
const NONE: u32 = u32::MAX;
/// How many requests ahead the key table is prefetched.
const PREFETCH: usize = 8;
/// Smallest timeline.
const MIN_TIMELINE: usize = 1 << 12;

/// A live object.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Entry {
    /// Timeline position of its last access.
    pos: u32,
    /// Recorded size (1 with object sizes); the entry stays 24 bytes with a 64-bit size.
    size: u64,
    /// Expiry at every size (0 = none) when `exp_slot` is [`NONE`].
    exp: u64,
    /// Else the index of its per-size expiries in `Engine::exp_pool`.
    exp_slot: u32,
}

/// One distinct cache size.
#[derive(Clone, Debug)]
struct Level {
    /// The cache size C; objects larger than C are never cached.
    size: u64,
    /// C scaled by the sampling rate (C itself when exact).
    cap: u64,
    /// Index of the tree holding this size's stack; [`NONE`] when C is 0.
    tree: u32,
    /// Oldest cached position, when a delete left the content shorter than the longest fitting prefix.
    boundary: Option<usize>,
    /// Requests that missed.
    misses: u64,
    /// Bytes of the requests that missed.
    miss_bytes: u64,
}

/// The one-pass LRU stack shared by [`LruMrc`] and SHARDS.
pub(crate) struct Engine {
    objects: bool,
    /// Sampling rate (1.0 exact).
    scale: f64,
    /// Live objects; the entry sits in the table itself, one cache miss per lookup.
    map: KeyTable,
    /// Next unused timeline position.
    next: usize,
    /// Tree 0 holds every object; the others leave out objects larger than `limits[t]`.
    trees: Vec<SumTree>,
    limits: Vec<u64>,
    /// Distinct sizes, ascending.
    levels: Vec<Level>,
    /// For each requested size, its level.
    order: Vec<usize>,
    /// Largest object size seen.
    max_size: u64,
    exp_pool: Vec<u64>,
    exp_free: Vec<u32>,
    /// Requests counted.
    pub(crate) requests: u64,
    /// Bytes requested.
    pub(crate) bytes: u64,
    hit: Vec<bool>,
}

impl Engine {
    pub(crate) fn new(sizes: &[u64], unit: SizeUnit, scale: f64) -> Self {
        let mut distinct: Vec<u64> = sizes.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let order = sizes.iter().map(|s| distinct.binary_search(s).unwrap()).collect();
        let levels: Vec<Level> = distinct
            .iter()
            .map(|&size| Level {
                size,
                cap: scaled(size, scale),
                tree: if size == 0 { NONE } else { 0 },
                boundary: None,
                misses: 0,
                miss_bytes: 0,
            })
            .collect();
        let k = levels.len();
        Engine {
            objects: unit == SizeUnit::Objects,
            scale,
            map: KeyTable::new(),
            next: 0,
            trees: vec![SumTree::new(MIN_TIMELINE)],
            limits: vec![u64::MAX],
            levels,
            order,
            max_size: 0,
            exp_pool: Vec::new(),
            exp_free: Vec::new(),
            requests: 0,
            bytes: 0,
            hit: vec![false; k],
        }
    }

    /// Distinct live objects.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Misses and missed bytes of each level (ascending distinct sizes).
    pub(crate) fn level_counts(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.levels.iter().map(|l| (l.misses, l.miss_bytes))
    }

    /// Sizes in the order given, as level indices.
    pub(crate) fn order(&self) -> &[usize] {
        &self.order
    }

    /// Size of each level.
    pub(crate) fn level_size(&self, i: usize) -> u64 {
        self.levels[i].size
    }

    /// Starts loading what requests `i + PREFETCH` (its key's slot) and `i + PREFETCH / 2` (the
    /// tree nodes at its last access, if its slot has arrived) will need.
    #[inline]
    pub(crate) fn prefetch(&self, reqs: &[Request], i: usize) {
        if let Some(r) = reqs.get(i + PREFETCH) {
            self.map.prefetch(r.key);
        }
        if let Some(r) = reqs.get(i + PREFETCH / 2) {
            if let Some(e) = self.map.get(r.key) {
                self.trees[0].prefetch(e.pos as usize + 1);
            }
        }
    }

    /// One request, counted like `Policy::replay`.
    #[inline]
    pub(crate) fn request(&mut self, req: &Request) -> Result<(), MrcError> {
        if req.op == Op::Delete {
            self.delete(req.key);
            return Ok(());
        }
        if req.size == 0 {
            return Ok(());
        }
        self.access(req)
    }

    /// Whether an object with `others` bytes used since its last access and size `s` fits at `l`.
    #[inline]
    fn fits(&self, others: u64, s: u64, l: &Level) -> bool {
        if self.scale == 1.0 {
            others.saturating_add(s) <= l.size
        } else {
            s <= l.size && others as f64 <= (l.size - s) as f64 * self.scale
        }
    }

    fn access(&mut self, req: &Request) -> Result<(), MrcError> {
        let s = if self.objects { 1 } else { req.size };
        self.requests += 1;
        self.bytes = self.bytes.saturating_add(s);
        let new_exp = req.expiry();
        let Some(&e) = self.map.get(req.key) else {
            self.grow_max(s);
            for l in &mut self.levels {
                l.misses += 1;
                l.miss_bytes = l.miss_bytes.saturating_add(s);
            }
            let pos = self.place(s);
            self.map.insert(
                req.key,
                Entry {
                    pos: pos as u32,
                    size: s,
                    exp: new_exp,
                    exp_slot: NONE,
                },
            );
            self.refill_dirty(s);
            return Ok(());
        };
        let old = e.size;
        let k = self.levels.len();
        let mut full_suffix = None;
        let mut any_hit = false;
        for i in 0..k {
            let l = &self.levels[i];
            let cached = if l.tree == NONE || old > l.size {
                false
            } else if let Some(b) = l.boundary {
                e.pos as usize >= b
            } else {
                let others = if l.tree == 0 {
                    *full_suffix.get_or_insert_with(|| self.trees[0].suffix(e.pos as usize + 1))
                } else {
                    self.trees[l.tree as usize].suffix(e.pos as usize + 1)
                };
                self.fits(others, old, l)
            };
            let exp = if e.exp_slot == NONE {
                e.exp
            } else {
                self.exp_pool[e.exp_slot as usize * k + i]
            };
            let hit = cached && (exp == 0 || req.time < exp);
            self.hit[i] = hit;
            any_hit |= hit;
        }
        if old != s && any_hit {
            return Err(MrcError::SizeChanged {
                key: req.key,
                old,
                new: s,
                request: self.requests,
            });
        }
        self.grow_max(s);
        self.unplace(e.pos as usize, old);
        let pos = self.place(s);
        for i in 0..k {
            if !self.hit[i] {
                let l = &mut self.levels[i];
                l.misses += 1;
                l.miss_bytes = l.miss_bytes.saturating_add(s);
                if l.boundary.is_some() && s <= l.size {
                    self.refill(i);
                }
            }
        }
        let entry = self.map.get_mut(req.key).expect("present");
        entry.pos = pos as u32;
        entry.size = s;
        if req.op == Op::Write {
            // A write sets the object: a new expiry at every size, hit or not.
            if entry.exp_slot != NONE {
                self.exp_free.push(entry.exp_slot);
                entry.exp_slot = NONE;
            }
            entry.exp = new_exp;
        } else if !(entry.exp_slot == NONE && entry.exp == new_exp) {
            update_expiry(entry, &mut self.exp_pool, &mut self.exp_free, &self.hit, new_exp);
        }
        Ok(())
    }

    /// After a miss insertion at every level: dirty levels evict down to their capacity.
    fn refill_dirty(&mut self, s: u64) {
        for i in 0..self.levels.len() {
            if self.levels[i].boundary.is_some() && s <= self.levels[i].size {
                self.refill(i);
            }
        }
    }

    /// Evicts from the tail of dirty level `i` until it fits; cleans it when no slack is left.
    fn refill(&mut self, i: usize) {
        let l = &self.levels[i];
        let Some(b) = l.boundary else { return };
        let t = &self.trees[l.tree as usize];
        let fit = t.fitting_start(l.cap);
        let clean = fit >= b || t.suffix(fit) == t.suffix(b);
        self.levels[i].boundary = if clean { None } else { Some(b) };
    }

    /// Gives levels below a new largest object size their own trees (copies of the full one).
    fn grow_max(&mut self, s: u64) {
        if s <= self.max_size {
            return;
        }
        for l in &mut self.levels {
            if l.tree == 0 && l.size < s {
                l.tree = self.trees.len() as u32;
                self.trees.push(self.trees[0].clone());
                self.limits.push(l.size);
            }
        }
        self.max_size = s;
    }

    /// Takes the next timeline position and puts weight `s` there in every tree that admits it.
    #[inline]
    fn place(&mut self, s: u64) -> usize {
        if self.next == self.trees[0].len() {
            self.compact();
        }
        let pos = self.next;
        self.next += 1;
        for (t, &lim) in self.trees.iter_mut().zip(&self.limits) {
            if s <= lim {
                t.add(pos, s);
            }
        }
        pos
    }

    /// Takes weight `s` off position `pos`.
    #[inline]
    fn unplace(&mut self, pos: usize, s: u64) {
        for (t, &lim) in self.trees.iter_mut().zip(&self.limits) {
            if s <= lim {
                t.sub(pos, s);
            }
        }
    }

    /// Removes an object for good.
    fn forget(&mut self, e: Entry) {
        self.unplace(e.pos as usize, e.size);
        if e.exp_slot != NONE {
            self.exp_free.push(e.exp_slot);
        }
    }

    /// A delete: the object leaves every cache; levels that held it (or whose longest fitting prefix
    /// would now reach objects LRU evicted) keep an explicit boundary.
    fn delete(&mut self, key: u64) {
        let Some(e) = self.map.remove(key) else { return };
        let s = e.size;
        for l in &mut self.levels {
            if l.tree != NONE && s <= l.size && l.boundary.is_none() {
                l.boundary = Some(self.trees[l.tree as usize].fitting_start(l.cap));
            }
        }
        self.forget(e);
        for i in 0..self.levels.len() {
            if s <= self.levels[i].size {
                self.refill(i);
            }
        }
    }

    /// Drops a key from the sample (SHARDS lowered its threshold): as if it had never been sampled.
    pub(crate) fn purge(&mut self, key: u64) {
        if let Some(e) = self.map.remove(key) {
            self.forget(e);
        }
    }

    /// A new sampling rate: capacities scale; dirty levels evict to the smaller capacity.
    pub(crate) fn set_scale(&mut self, scale: f64) {
        self.scale = scale;
        for i in 0..self.levels.len() {
            self.levels[i].cap = scaled(self.levels[i].size, scale);
            if let Some(b) = self.levels[i].boundary {
                let l = &self.levels[i];
                let fit = self.trees[l.tree as usize].fitting_start(l.cap);
                self.levels[i].boundary = Some(b.max(fit));
                self.refill(i);
            }
        }
    }

    /// Renumbers live positions in order into a timeline four times their number (so the next
    /// compaction is three times as many requests away), and rebuilds the trees.
    /// Positions are live iff they weigh something in the full tree (every size is at least 1).
    fn compact(&mut self) {
        let full = &self.trees[0];
        let mut keep = Vec::with_capacity(self.next + 1);
        let mut n = 0u32;
        for p in 0..self.next {
            keep.push(n);
            n += (full.leaf(p) > 0) as u32;
        }
        keep.push(n);
        let len = (4 * (n as usize + 1)).max(MIN_TIMELINE);
        for t in &mut self.trees {
            t.compact(&keep, len);
        }
        for e in self.map.values_mut() {
            e.pos = keep[e.pos as usize];
        }
        for l in &mut self.levels {
            if let Some(b) = &mut l.boundary {
                *b = keep[*b] as usize;
            }
        }
        self.next = n as usize;
    }
}

/// New expiries: `new_exp` at every level that missed (where the object was re-inserted); one value
/// for all levels while they agree, else a row of the pool.
fn update_expiry(e: &mut Entry, pool: &mut Vec<u64>, free: &mut Vec<u32>, hit: &[bool], new_exp: u64) {
    let k = hit.len();
    let release = |e: &mut Entry, free: &mut Vec<u32>, exp: u64| {
        if e.exp_slot != NONE {
            free.push(e.exp_slot);
            e.exp_slot = NONE;
        }
        e.exp = exp;
    };
    if hit.iter().all(|&h| !h) {
        release(e, free, new_exp);
        return;
    }
    if e.exp_slot == NONE {
        let es = free.pop().unwrap_or_else(|| {
            pool.resize(pool.len() + k, 0);
            (pool.len() / k - 1) as u32
        });
        pool[es as usize * k..(es as usize + 1) * k].fill(e.exp);
        e.exp_slot = es;
    }
    let row = &mut pool[e.exp_slot as usize * k..(e.exp_slot as usize + 1) * k];
    for (x, &h) in row.iter_mut().zip(hit) {
        if !h {
            *x = new_exp;
        }
    }
    if row.iter().all(|&x| x == row[0]) {
        let u = row[0];
        release(e, free, u);
    }
}

fn scaled(size: u64, scale: f64) -> u64 {
    if scale == 1.0 {
        size
    } else {
        (size as f64 * scale) as u64
    }
}

#[cfg(test)]
mod tests;
