//! The one streaming pass of `cachesim analyze`: per-key counters in one open-addressing table
//! (key, count, first size, last request), reuse distances on a bit timeline ([`Stack`]), and
//! fixed-size histograms and bounded series for everything else. Memory follows the number of
//! distinct objects, never the trace length.

use super::histogram::Log2Histogram;
use super::scans::ScanDetector;
use super::series::Series;
use super::stack::Stack;
use crate::model::request::{Op, Request};
use crate::mrc::keytable::KeyTable;

/// "Not on the timeline": the object's last request was a delete.
const OFF: u32 = u32::MAX;
/// How many requests ahead the table is prefetched.
const PREFETCH: usize = 16;
/// Set in `KeyStat::count` when the object was requested with a size other than its first.
const SIZE_CHANGED: u32 = 1 << 31;
/// log2 of the granularity of `KeyStat::last_window` (the narrowest working-set window).
const WINDOW_SHIFT: u32 = super::series::WS_SHIFT0;
/// `KeyStat::size` of an object of `u32::MAX` bytes or more: the size is in `Collector::big`.
const BIG: u32 = u32::MAX;

/// Per-key counters: 24 bytes, so a table slot (with the key) is 32 and never straddles two cache lines.
/// Sizes of 4 GiB and more do not fit the 32-bit `size`: it then holds [`BIG`] and the exact size
/// lives in [`Collector::big`], so the rare huge object costs a map entry instead of every key 8 bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeyStat {
    /// Time of the last request.
    last_time: u64,
    /// Index of the last request divided by the narrowest working-set window.
    last_window: u32,
    /// Timeline position of the last access ([`OFF`] after a delete).
    pos: u32,
    /// Requests (any operation), saturating at 2^31 - 1; the top bit is [`SIZE_CHANGED`].
    count: u32,
    /// Size at the first request, or [`BIG`] when it is in [`Collector::big`].
    size: u32,
}

impl KeyStat {
    /// Requests to the object.
    pub fn count(&self) -> u64 {
        (self.count & !SIZE_CHANGED) as u64
    }

    /// Whether a later request carried another size.
    pub fn size_changed(&self) -> bool {
        self.count & SIZE_CHANGED != 0
    }
}

/// Everything one pass measures.
#[derive(Default)]
pub(crate) struct Collector {
    /// Per-key counters.
    pub keys: KeyTable<KeyStat>,
    stack: Stack,
    /// Exact count of accesses by reuse distance (index = distinct objects in between), for the curve.
    pub distances: Vec<u64>,
    /// Reuse distances, log2 buckets.
    pub reuse_distance: Log2Histogram,
    /// Reuse times in nanoseconds, log2 buckets.
    pub reuse_time: Log2Histogram,
    /// TTLs in nanoseconds of requests that carry one.
    pub ttl: Log2Histogram,
    /// Rates and windows.
    pub series: Series,
    /// Scans.
    pub scans: ScanDetector,
    /// Requests of every operation.
    pub requests: u64,
    /// Reads.
    pub reads: u64,
    /// Writes.
    pub writes: u64,
    /// Deletes.
    pub deletes: u64,
    /// Reads and writes of size 0.
    pub zero_size: u64,
    /// Distinct keys.
    pub objects: u64,
    /// Sum of each object's first size.
    pub working_set_bytes: u64,
    /// Bytes of reads and writes.
    pub bytes_requested: u64,
    /// First requests of keys that are reads or writes (compulsory misses).
    pub cold: u64,
    /// Smallest and largest read/write size.
    pub size_range: Option<(u64, u64)>,
    /// First sizes of the objects whose `KeyStat::size` is [`BIG`].
    big: rustc_hash::FxHashMap<u64, u64>,
    /// Reuse distances of the current batch, counted into `distances` at its end.
    pending: Vec<u32>,
}

impl Collector {
    /// The first size of the object `key` whose counters are `e`.
    pub fn size_of(&self, key: u64, e: &KeyStat) -> u64 {
        if e.size == BIG {
            self.big[&key]
        } else {
            e.size as u64
        }
    }

    /// Processes a batch in order.
    pub fn feed(&mut self, reqs: &[Request]) {
        for (j, r) in reqs.iter().enumerate() {
            if let Some(n) = reqs.get(j + PREFETCH) {
                self.keys.prefetch(n.key);
            }
            self.request(r);
        }
        self.count_distances();
    }

    /// Adds the batch's distances to the exact counts, prefetching ahead: the counts span as many
    /// entries as objects, so most increments would otherwise wait for memory one after another.
    fn count_distances(&mut self) {
        if let Some(&m) = self.pending.iter().max() {
            if m as usize >= self.distances.len() {
                self.distances.resize(m as usize + 1, 0);
            }
        }
        for j in 0..self.pending.len() {
            #[cfg(target_arch = "x86_64")]
            if let Some(&n) = self.pending.get(j + PREFETCH) {
                let p = self.distances.as_ptr().wrapping_add(n as usize) as *const i8;
                // SAFETY: prefetching is a hint; it never faults, even on an invalid address.
                #[allow(unsafe_code)]
                unsafe {
                    std::arch::x86_64::_mm_prefetch(p, std::arch::x86_64::_MM_HINT_T0)
                };
            }
            self.distances[self.pending[j] as usize] += 1;
        }
        self.pending.clear();
    }

    fn compact(&mut self) {
        for e in self.keys.values_mut() {
            if e.pos != OFF {
                e.pos = self.stack.rank(e.pos as usize) as u32;
            }
        }
        self.stack.rebuild();
    }

    #[inline]
    fn request(&mut self, r: &Request) {
        let i = self.requests;
        self.requests += 1;
        let access = r.op != Op::Delete;
        match r.op {
            Op::Read => self.reads += 1,
            Op::Write => self.writes += 1,
            Op::Delete => self.deletes += 1,
        }
        if access {
            self.bytes_requested = self.bytes_requested.saturating_add(r.size);
            self.zero_size += (r.size == 0) as u64;
            self.size_range = Some(match self.size_range {
                None => (r.size, r.size),
                Some((lo, hi)) => (lo.min(r.size), hi.max(r.size)),
            });
            if r.ttl > 0 {
                self.ttl.add(r.ttl);
            }
        }
        if access && self.stack.full() {
            self.compact();
        }
        let prev = match self.keys.get_mut(r.key) {
            None => {
                let pos = if access { self.stack.push() } else { OFF };
                self.keys.insert(
                    r.key,
                    KeyStat {
                        last_time: r.time,
                        last_window: (i >> WINDOW_SHIFT) as u32,
                        pos,
                        count: 1,
                        size: if r.size >= BIG as u64 { BIG } else { r.size as u32 },
                    },
                );
                if r.size >= BIG as u64 {
                    self.big.insert(r.key, r.size);
                }
                self.objects += 1;
                self.working_set_bytes = self.working_set_bytes.saturating_add(r.size);
                self.cold += access as u64;
                None
            }
            Some(e) => {
                let prev = e.last_window as u64;
                self.reuse_time.add(r.time.saturating_sub(e.last_time));
                e.last_time = r.time;
                e.last_window = (i >> WINDOW_SHIFT) as u32;
                if e.count & !SIZE_CHANGED != !SIZE_CHANGED {
                    e.count += 1;
                }
                let first = if e.size == BIG { self.big[&r.key] } else { e.size as u64 };
                if r.size != first && access {
                    e.count |= SIZE_CHANGED;
                }
                if e.pos != OFF {
                    let d = self.stack.take(e.pos);
                    if access {
                        self.reuse_distance.add(d);
                        self.pending.push(d as u32);
                    }
                }
                e.pos = if access { self.stack.push() } else { OFF };
                Some(prev)
            }
        };
        self.series.add(i, r.time, prev, r.size);
        self.scans.add(i, r.key, r.time, prev.is_none());
    }
}
