//! Prefix sums of `u64` weights over timeline positions `0..len`, with point updates, suffix sums
//! and "where does the suffix first fit in a budget", all O(log len).
//!
//! Why not a textbook Fenwick tree: the curve is memory-bound. A Fenwick query and a Fenwick update
//! from the same position walk two different paths, about a dozen cache misses between them on a
//! million-object timeline. Here every node is one 64-byte line of 8 child sums (an implicit 8-ary
//! tree, levels stored apart), and a query and an update from one position touch the same
//! `log8(len)` lines, of which only the bottom two or three are usually not cached.

/// Eight child sums, one cache line.
#[derive(Clone, Copy, Debug, Default)]
#[repr(align(64))]
struct Node([u64; 8]);

/// The tree: `levels[0]` holds the leaves (one weight per position), each level above holds the
/// sums of the nodes of the level below, and the last level is a single node.
#[derive(Clone, Debug)]
pub struct SumTree {
    levels: Vec<Vec<Node>>,
    len: usize,
    total: u64,
}

impl SumTree {
    /// A tree of `len` zero weights.
    pub fn new(len: usize) -> Self {
        let mut t = SumTree {
            levels: Vec::new(),
            len: 0,
            total: 0,
        };
        t.resize(len);
        t
    }

    /// Sets the number of positions; new positions weigh 0, the upper levels are rebuilt.
    fn resize(&mut self, len: usize) {
        self.len = len;
        let mut entries = len.max(1);
        let mut l = 0;
        loop {
            let nodes = entries.div_ceil(8);
            if l == self.levels.len() {
                self.levels.push(Vec::new());
            }
            self.levels[l].resize(nodes, Node::default());
            if nodes == 1 {
                break;
            }
            entries = nodes;
            l += 1;
        }
        self.levels.truncate(l + 1);
        self.rebuild_upper();
    }

    /// Recomputes every level above the leaves, and the total.
    fn rebuild_upper(&mut self) {
        for l in 1..self.levels.len() {
            let (below, above) = self.levels.split_at_mut(l);
            let below = &below[l - 1];
            for (i, node) in above[0].iter_mut().enumerate() {
                for (c, slot) in node.0.iter_mut().enumerate() {
                    *slot = below.get(i * 8 + c).map_or(0, |n| n.0.iter().sum());
                }
            }
        }
        self.total = self.levels.last().map_or(0, |n| n[0].0.iter().sum());
    }

    /// Number of positions.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Sum of all weights.
    #[cfg(test)]
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The weight at `pos`.
    #[inline]
    pub fn leaf(&self, pos: usize) -> u64 {
        self.levels[0][pos >> 3].0[pos & 7]
    }

    /// Starts loading the nodes a query or update at `pos` will touch below the cached top levels.
    #[inline]
    pub fn prefetch(&self, pos: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            let mut i = pos;
            for level in self.levels.iter().take(3) {
                let p = level.as_ptr().wrapping_add(i >> 3) as *const i8;
                // SAFETY: prefetching is a hint; it never faults, even on an invalid address.
                #[allow(unsafe_code)]
                unsafe {
                    std::arch::x86_64::_mm_prefetch(p, std::arch::x86_64::_MM_HINT_T0)
                };
                i >>= 3;
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = pos;
    }

    /// Adds `w` at `pos`.
    #[inline]
    pub fn add(&mut self, pos: usize, w: u64) {
        self.total += w;
        let mut i = pos;
        for level in &mut self.levels {
            level[i >> 3].0[i & 7] += w;
            i >>= 3;
        }
    }

    /// Subtracts `w` at `pos` (which must hold at least `w`).
    #[inline]
    pub fn sub(&mut self, pos: usize, w: u64) {
        self.total -= w;
        let mut i = pos;
        for level in &mut self.levels {
            level[i >> 3].0[i & 7] -= w;
            i >>= 3;
        }
    }

    /// Sum of the weights at positions `>= start`.
    #[inline]
    pub fn suffix(&self, start: usize) -> u64 {
        if start >= self.len {
            return 0;
        }
        let mut i = start;
        let mut s: u64 = self.levels[0][i >> 3].0[i & 7..].iter().sum();
        for level in &self.levels[1..] {
            let c = (i >> 3) & 7;
            s += level[i >> 6].0[c + 1..].iter().sum::<u64>();
            i >>= 3;
        }
        s
    }

    /// The smallest `b` such that `suffix(b) <= cap`: everything at or after `b` fits in `cap`, and
    /// the weight just before `b` (if any) does not fit with them.
    pub fn fitting_start(&self, cap: u64) -> usize {
        if self.total <= cap {
            return 0;
        }
        let mut rem = cap;
        let mut node = 0;
        for level in self.levels.iter().rev() {
            let n = &level[node].0;
            let mut c = 7;
            while n[c] <= rem {
                rem -= n[c];
                c -= 1;
            }
            node = node * 8 + c;
        }
        node + 1
    }

    /// Keeps the positions `p < old_len` with `keep[p+1] > keep[p]` (a running count of kept
    /// positions), in order, at positions `keep[p]`, in a timeline of `len` positions.
    pub fn compact(&mut self, keep: &[u32], len: usize) {
        let leaves = &mut self.levels[0];
        for p in 0..keep.len() - 1 {
            let n = keep[p] as usize;
            if keep[p + 1] as usize > n {
                let w = leaves[p >> 3].0[p & 7];
                leaves[p >> 3].0[p & 7] = 0;
                leaves[n >> 3].0[n & 7] = w;
            }
        }
        self.resize(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_search_compact() {
        for len in [1usize, 7, 8, 9, 64, 65, 100, 600] {
            let w: Vec<u64> = (0..len as u64).map(|i| (i * 7919) % 5).collect();
            let mut t = SumTree::new(len);
            for (i, &x) in w.iter().enumerate() {
                t.add(i, x);
            }
            assert_eq!(t.total(), w.iter().sum::<u64>());
            for start in 0..=len {
                assert_eq!(
                    t.suffix(start),
                    w[start..].iter().sum::<u64>(),
                    "len {len} start {start}"
                );
            }
            for cap in 0..t.total() + 2 {
                let want = (0..=len).find(|&b| w[b..].iter().sum::<u64>() <= cap).unwrap();
                assert_eq!(t.fitting_start(cap), want, "len {len} cap {cap}");
            }
            let mut keep = vec![0u32];
            for &x in &w {
                keep.push(keep.last().unwrap() + (x > 0) as u32);
            }
            let kept: Vec<u64> = w.iter().copied().filter(|&x| x > 0).collect();
            t.compact(&keep, kept.len() * 2 + 1);
            assert_eq!(t.len(), kept.len() * 2 + 1);
            for (i, &x) in kept.iter().enumerate() {
                assert_eq!(t.leaf(i), x);
                assert_eq!(t.suffix(i), kept[i..].iter().sum::<u64>());
            }
            t.sub(0, kept.first().copied().unwrap_or(0));
            assert_eq!(t.total(), kept.iter().skip(1).sum::<u64>());
        }
    }
}
