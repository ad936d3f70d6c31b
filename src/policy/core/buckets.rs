//! libCacheSim's random object sampler, reproduced: the policies that sample (RandomTwo, RandomLRU,
//! BeladySize) draw "a random object" as the head of a random non-empty bucket of its chained hash
//! table, and their counts depend on exactly which objects those draws return.
//!
//! libCacheSim hashes an object id with XXH3-64 over its 8 little-endian bytes into 2^23 buckets
//! (2^16 for these policies, doubling when it holds more objects than buckets; chains newest
//! first) and draws bucket numbers as the low bits of its generator, Knuth's MMIX LCG, until one
//! is non-empty. The low k bits of that LCG are themselves an LCG modulo 2^k of full period, so
//! the draws walk one fixed cycle through all buckets: a draw is "the next occupied bucket along
//! the cycle". This module keeps each bucket's rank on the cycle (computed once per process per
//! table size) and a two-level bitset of occupied ranks, so a draw costs a few word scans instead
//! of thousands of generator steps, then jumps the generator ahead by the steps it skipped.

use super::table::NIL;
use std::sync::OnceLock;

/// log2 of the number of buckets libCacheSim's command-line tool gives the sampling policies
/// (RandomTwo and RandomLRU take 24 - 8, BeladySize max(24 - 8, 16)). The table doubles when it
/// holds more objects than buckets.
pub const LCS_POWER: u32 = 16;

/// MMIX LCG constants (libCacheSim's `next_rand`).
const MUL: u64 = 6_364_136_223_846_793_005;
const INC: u64 = 1_442_695_040_888_963_407;

/// XXH3-64 (seed 0, default secret) of the 8 little-endian bytes of `key`, as libCacheSim hashes
/// object ids.
#[inline]
pub fn xxh3_u64(key: u64) -> u64 {
    // Bytes 8..16 and 16..24 of XXH3's default secret, xored.
    const BITFLIP: u64 = 0xc73a_b174_c5ec_d5a2;
    let lo = key as u32 as u64;
    let hi = key >> 32;
    let mut h = (hi | (lo << 32)) ^ BITFLIP;
    h ^= h.rotate_left(49) ^ h.rotate_left(24);
    h = h.wrapping_mul(0x9FB2_1C65_1E98_DF25);
    h ^= (h >> 35) + 8;
    h = h.wrapping_mul(0x9FB2_1C65_1E98_DF25);
    h ^ (h >> 28)
}

/// The generator's state after `k` more steps from `x` (jump-ahead by squaring).
fn advance(x: u64, mut k: u64) -> u64 {
    let (mut acc_mul, mut acc_add) = (1u64, 0u64);
    let (mut cur_mul, mut cur_add) = (MUL, INC);
    while k > 0 {
        if k & 1 == 1 {
            acc_mul = acc_mul.wrapping_mul(cur_mul);
            acc_add = acc_add.wrapping_mul(cur_mul).wrapping_add(cur_add);
        }
        cur_add = cur_mul.wrapping_add(1).wrapping_mul(cur_add);
        cur_mul = cur_mul.wrapping_mul(cur_mul);
        k >>= 1;
    }
    acc_mul.wrapping_mul(x).wrapping_add(acc_add)
}

/// The cycle of bucket numbers the generator's low `power` bits walk: `order[i]` is the bucket
/// drawn at step i from state 0, `rank[b]` the step at which bucket b is drawn.
struct Cycle {
    order: Vec<u32>,
    rank: Vec<u32>,
}

fn cycle(power: u32) -> &'static Cycle {
    static C: [OnceLock<Cycle>; 33] = [const { OnceLock::new() }; 33];
    C[power as usize].get_or_init(|| {
        let n = 1usize << power;
        let mask = n as u64 - 1;
        let mut order = vec![0u32; n];
        let mut rank = vec![0u32; n];
        let mut x = 0u64;
        for (i, o) in order.iter_mut().enumerate() {
            *o = x as u32;
            rank[x as usize] = i as u32;
            x = x.wrapping_mul(MUL).wrapping_add(INC) & mask;
        }
        Cycle { order, rank }
    })
}

/// The cached objects in libCacheSim's hash-table layout, drawn as libCacheSim draws them.
pub struct Buckets {
    power: u32,
    /// Per bucket: its newest object's slot + 1, 0 when empty.
    heads: Vec<u32>,
    /// Per slot: its key and the next (older) object in its bucket ([`NIL`] at the end).
    links: Vec<(u64, u32)>,
    /// Occupied buckets, by rank on the cycle.
    occupied: Vec<u64>,
    /// Non-zero words of `occupied`.
    summary: Vec<u64>,
    /// The generator's state.
    state: u64,
    len: usize,
}

impl Buckets {
    /// Empty, with 2^`power` buckets (at most 2^30), the generator in state `seed` (libCacheSim's
    /// simulator seeds it with 0).
    pub fn new(power: u32, seed: u64) -> Self {
        let mut b = Buckets {
            power: power.min(30),
            heads: Vec::new(),
            links: Vec::new(),
            occupied: Vec::new(),
            summary: Vec::new(),
            state: seed,
            len: 0,
        };
        b.reset_index();
        b
    }

    fn reset_index(&mut self) {
        let n = 1usize << self.power;
        let words = n.div_ceil(64);
        self.heads = vec![0; n];
        self.occupied = vec![0; words];
        self.summary = vec![0; words.div_ceil(64)];
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn bucket(&self, key: u64) -> usize {
        (xxh3_u64(key) & ((1u64 << self.power) - 1)) as usize
    }

    fn mark(&mut self, bucket: usize, on: bool) {
        let r = cycle(self.power).rank[bucket] as usize;
        let (w, b) = (r / 64, r % 64);
        if on {
            self.occupied[w] |= 1 << b;
            self.summary[w / 64] |= 1 << (w % 64);
        } else {
            self.occupied[w] &= !(1 << b);
            if self.occupied[w] == 0 {
                self.summary[w / 64] &= !(1 << (w % 64));
            }
        }
    }

    /// Links `slot` (key `key`) in at the head of its bucket.
    fn link(&mut self, slot: u32, key: u64) {
        let b = self.bucket(key);
        let head = self.heads[b];
        self.links[slot as usize] = (key, if head == 0 { NIL } else { head - 1 });
        self.heads[b] = slot + 1;
        if head == 0 {
            self.mark(b, true);
        }
    }

    /// Doubles the buckets, re-adding the objects bucket by bucket, each chain newest first (as
    /// libCacheSim does when it holds more objects than buckets).
    fn expand(&mut self) {
        let old = std::mem::take(&mut self.heads);
        self.power += 1;
        self.reset_index();
        for head in old {
            let mut cur = if head == 0 { NIL } else { head - 1 };
            while cur != NIL {
                let (key, next) = self.links[cur as usize];
                self.link(cur, key);
                cur = next;
            }
        }
    }

    /// Adds the object in `slot` with `key` at the head of its bucket.
    pub fn insert(&mut self, slot: u32, key: u64) {
        if self.len > 1usize << self.power {
            self.expand();
        }
        if self.links.len() <= slot as usize {
            self.links.resize(slot as usize + 1, (0, NIL));
        }
        self.link(slot, key);
        self.len += 1;
    }

    /// Removes the object in `slot` with `key`.
    pub fn remove(&mut self, slot: u32, key: u64) {
        let b = self.bucket(key);
        let next = self.links[slot as usize].1;
        if self.heads[b] == slot + 1 {
            self.heads[b] = if next == NIL { 0 } else { next + 1 };
            if next == NIL {
                self.mark(b, false);
            }
        } else {
            let mut cur = self.heads[b] - 1;
            while self.links[cur as usize].1 != slot {
                cur = self.links[cur as usize].1;
            }
            self.links[cur as usize].1 = next;
        }
        self.len -= 1;
    }

    /// The first occupied rank at or after `start`, if any.
    fn first_from(&self, start: usize) -> Option<usize> {
        let words = self.occupied.len();
        let w = start / 64;
        if w >= words {
            return None;
        }
        let bits = self.occupied[w] & (!0u64 << (start % 64));
        if bits != 0 {
            return Some(w * 64 + bits.trailing_zeros() as usize);
        }
        let mut sw = (w + 1) / 64;
        let mut sbits = if w + 1 < words {
            self.summary[sw] & (!0u64 << ((w + 1) % 64))
        } else {
            0
        };
        loop {
            if sbits != 0 {
                let word = sw * 64 + sbits.trailing_zeros() as usize;
                return Some(word * 64 + self.occupied[word].trailing_zeros() as usize);
            }
            sw += 1;
            if sw >= self.summary.len() {
                return None;
            }
            sbits = self.summary[sw];
        }
    }

    /// Draws an object as libCacheSim's `hashtable_rand_obj` does: the head of the next occupied
    /// bucket along the generator's cycle. The table must not be empty.
    pub fn draw(&mut self) -> u32 {
        assert!(self.len > 0, "draw from an empty table");
        let c = cycle(self.power);
        let period = 1usize << self.power;
        let at = c.rank[(self.state & (period as u64 - 1)) as usize] as usize;
        let r = self
            .first_from(at + 1)
            .or_else(|| self.first_from(0))
            .expect("an occupied bucket");
        let steps = if r > at { r - at } else { r + period - at };
        self.state = advance(self.state, steps as u64);
        self.heads[c.order[r] as usize] - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxh3_matches_the_reference() {
        // Values from libCacheSim's own XXH3_64bits (its hash.h, compiled with gcc).
        assert_eq!(xxh3_u64(0), 14374147212387527897);
        assert_eq!(xxh3_u64(1), 3439722301264460078);
        assert_eq!(xxh3_u64(12345678901), 9680694326563114721);
        assert_eq!(xxh3_u64(0xdeadbeefcafebabe), 13984203971812499629);
    }

    #[test]
    fn draws_follow_the_generator() {
        // Two objects: draws walk the generator's states until one lands on an occupied bucket,
        // exactly as stepping the LCG by hand does.
        const MASK: u64 = (1 << LCS_POWER) - 1;
        let mut b = Buckets::new(LCS_POWER, 0);
        b.insert(0, 10);
        b.insert(1, 20);
        let buckets = [xxh3_u64(10) & MASK, xxh3_u64(20) & MASK];
        let mut state = 0u64;
        for _ in 0..5 {
            let want = loop {
                state = state.wrapping_mul(MUL).wrapping_add(INC);
                if let Some(i) = buckets.iter().position(|&x| x == state & MASK) {
                    break i as u32;
                }
            };
            assert_eq!(b.draw(), want);
        }
        b.remove(0, 10);
        assert_eq!(b.draw(), 1);
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn jumps_and_expansion() {
        let mut x = 5u64;
        for _ in 0..1000 {
            x = x.wrapping_mul(MUL).wrapping_add(INC);
        }
        assert_eq!(advance(5, 1000), x);
        // A 2-bucket table grows past 2 objects and keeps every object drawable.
        let mut b = Buckets::new(1, 0);
        for k in 0..10u32 {
            b.insert(k, u64::from(k) * 77);
        }
        assert!(b.power >= 3);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            seen.insert(b.draw());
        }
        // Only bucket heads are drawn; every drawn slot is a head.
        assert!(!seen.is_empty() && seen.iter().all(|&s| s < 10));
    }
}
