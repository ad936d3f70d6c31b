//! A Fenwick (binary indexed) tree of `u64` weights over timeline positions `0..len`: point
//! updates, prefix sums and "first position where the prefix reaches a target", all O(log len).

/// Fenwick tree; `tree[i]` (1-based) holds the sum of the `i & -i` positions ending at `i - 1`.
#[derive(Clone, Debug, Default)]
pub struct Fenwick {
    tree: Vec<u64>,
    total: u64,
}

impl Fenwick {
    /// A tree of `len` zero weights.
    pub fn new(len: usize) -> Self {
        Fenwick {
            tree: vec![0; len + 1],
            total: 0,
        }
    }

    /// Rebuilds the tree in O(len) from `len` weights given by `weight(position)`.
    pub fn rebuild(&mut self, len: usize, mut weight: impl FnMut(usize) -> u64) {
        self.tree.clear();
        self.tree.resize(len + 1, 0);
        let t = &mut self.tree;
        let mut total = 0;
        for i in 1..=len {
            let w = weight(i - 1);
            total += w;
            t[i] += w;
            let j = i + (i & i.wrapping_neg());
            if j <= len {
                t[j] += t[i];
            }
        }
        self.total = total;
    }

    /// Number of positions.
    #[inline]
    pub fn len(&self) -> usize {
        self.tree.len() - 1
    }

    /// Sum of all weights.
    #[inline]
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Adds `w` at `pos`.
    #[inline]
    pub fn add(&mut self, pos: usize, w: u64) {
        self.total += w;
        let n = self.tree.len();
        let mut i = pos + 1;
        while i < n {
            self.tree[i] += w;
            i += i & i.wrapping_neg();
        }
    }

    /// Subtracts `w` at `pos` (which must hold at least `w`).
    #[inline]
    pub fn sub(&mut self, pos: usize, w: u64) {
        self.total -= w;
        let n = self.tree.len();
        let mut i = pos + 1;
        while i < n {
            self.tree[i] -= w;
            i += i & i.wrapping_neg();
        }
    }

    /// Sum of the weights at positions `< end`.
    #[inline]
    pub fn prefix(&self, end: usize) -> u64 {
        let mut s = 0;
        let mut i = end;
        while i > 0 {
            s += self.tree[i];
            i &= i - 1;
        }
        s
    }

    /// Sum of the weights at positions `>= start`.
    #[inline]
    pub fn suffix(&self, start: usize) -> u64 {
        self.total - self.prefix(start)
    }

    /// The smallest `b` such that `suffix(b) <= cap`: everything at or after `b` fits in `cap`, and
    /// the object just before `b` (if any) does not fit with them.
    pub fn fitting_start(&self, cap: u64) -> usize {
        if self.total <= cap {
            return 0;
        }
        // Smallest b with prefix(b) >= target: find the largest k with prefix(k) < target, b = k + 1.
        let mut rem = self.total - cap;
        let len = self.len();
        let mut k = 0;
        let mut step = if len == 0 { 0 } else { 1usize << (usize::BITS - 1 - len.leading_zeros()) };
        while step > 0 {
            let next = k + step;
            if next <= len && self.tree[next] < rem {
                k = next;
                rem -= self.tree[next];
            }
            step >>= 1;
        }
        k + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_search() {
        let w = [3u64, 0, 5, 1, 0, 0, 2, 4, 0, 7];
        let mut f = Fenwick::new(w.len());
        for (i, &x) in w.iter().enumerate() {
            f.add(i, x);
        }
        let mut g = Fenwick::default();
        g.rebuild(w.len(), |i| w[i]);
        for end in 0..=w.len() {
            let want: u64 = w[..end].iter().sum();
            assert_eq!(f.prefix(end), want);
            assert_eq!(g.prefix(end), want);
        }
        for cap in 0..25 {
            let want = (0..=w.len()).find(|&b| w[b..].iter().sum::<u64>() <= cap).unwrap();
            assert_eq!(f.fitting_start(cap), want, "cap {cap}");
        }
        f.sub(2, 5);
        assert_eq!(f.total(), 17);
        assert_eq!(f.suffix(2), 14);
    }
}
