//! Reuse distances (distinct objects requested since an object's previous request) in one pass.
//!
//! Why a bit timeline: every live object has one set bit at the timeline position of its last
//! request, so the distinct objects since that request are the set bits after it. With unit
//! weights the timeline is a bitset (one bit per position, 4 positions per live object at most) and
//! a Fenwick tree over 512-bit blocks: the whole structure for a million objects is about 500 KiB,
//! so it stays in the L2 cache and the pass is bound by the per-key table, not by the distances.
//! The weighted case (bytes) lives in [`crate::mrc`].
//!
//! Positions are handed out in order; when the timeline is full it is compacted: live positions are
//! renumbered by rank (the caller maps each object's position through [`Stack::rank`] before
//! [`Stack::rebuild`]), so memory follows the number of live objects, never the trace length.

/// Bits per block (one cache line of words).
const BLOCK_BITS: usize = 512;
/// Smallest timeline.
const MIN_LEN: usize = 1 << 14;

/// Live objects on a timeline of last-request positions.
pub struct Stack {
    words: Vec<u64>,
    /// Fenwick tree (1-based) over per-block counts.
    fen: Vec<u32>,
    next: usize,
    live: u64,
}

impl Default for Stack {
    fn default() -> Self {
        Stack::with_len(MIN_LEN)
    }
}

impl Stack {
    fn with_len(len: usize) -> Self {
        let len = len.div_ceil(BLOCK_BITS) * BLOCK_BITS;
        Stack {
            words: vec![0; len / 64],
            fen: vec![0; len / BLOCK_BITS + 1],
            next: 0,
            live: 0,
        }
    }

    /// Whether the next [`Stack::push`] needs a compaction first.
    #[inline]
    pub fn full(&self) -> bool {
        self.next == self.words.len() * 64
    }

    /// Live objects.
    #[cfg(test)]
    pub fn live(&self) -> u64 {
        self.live
    }

    #[inline]
    fn fen_add(&mut self, block: usize, up: bool) {
        let mut i = block + 1;
        while i < self.fen.len() {
            if up {
                self.fen[i] += 1;
            } else {
                self.fen[i] -= 1;
            }
            i += i & i.wrapping_neg();
        }
    }

    /// Live positions before `pos`.
    #[inline]
    pub fn rank(&self, pos: usize) -> u64 {
        let block = pos / BLOCK_BITS;
        let mut n = 0u64;
        let mut i = block;
        while i > 0 {
            n += self.fen[i] as u64;
            i &= i - 1;
        }
        let first = block * (BLOCK_BITS / 64);
        let w = pos / 64;
        for x in &self.words[first..w] {
            n += x.count_ones() as u64;
        }
        n + (self.words[w] & ((1u64 << (pos % 64)) - 1)).count_ones() as u64
    }

    /// Adds an object at the next position (call [`Stack::full`] first) and returns the position.
    #[inline]
    pub fn push(&mut self) -> u32 {
        let pos = self.next;
        self.next += 1;
        self.words[pos / 64] |= 1 << (pos % 64);
        self.fen_add(pos / BLOCK_BITS, true);
        self.live += 1;
        pos as u32
    }

    /// Removes the object at `pos` and returns the distinct objects requested since (live after it).
    #[inline]
    pub fn take(&mut self, pos: u32) -> u64 {
        let pos = pos as usize;
        let after = self.live - self.rank(pos) - 1;
        self.words[pos / 64] &= !(1 << (pos % 64));
        self.fen_add(pos / BLOCK_BITS, false);
        self.live -= 1;
        after
    }

    /// Replaces the timeline by one with the live objects at positions `0..live`, in order, and
    /// room for four times as many. Map every position through [`Stack::rank`] before.
    pub fn rebuild(&mut self) {
        let n = self.live as usize;
        let mut s = Stack::with_len((4 * (n + 1)).max(MIN_LEN));
        for _ in 0..n {
            s.push();
        }
        *self = s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_match_a_list() {
        // A move-to-front list gives the reference distance: the index of the key.
        let mut s = Stack::default();
        let mut pos = std::collections::HashMap::new();
        let mut mtf: Vec<u64> = Vec::new();
        let mut x: u64 = 7;
        for _ in 0..60_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = x % 700;
            if s.full() {
                for p in pos.values_mut() {
                    *p = s.rank(*p as usize) as u32;
                }
                s.rebuild();
            }
            match mtf.iter().position(|&k| k == key) {
                Some(i) => {
                    assert_eq!(s.take(pos[&key]), i as u64);
                    mtf.remove(i);
                }
                None => assert!(!pos.contains_key(&key)),
            }
            mtf.insert(0, key);
            pos.insert(key, s.push());
        }
        assert_eq!(s.live(), mtf.len() as u64);
    }
}
