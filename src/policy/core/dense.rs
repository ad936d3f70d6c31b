//! A dense array of the cached objects, for O(1) uniform sampling (random eviction, Hyperbolic's
//! and Redis's samples, LHD's). Each object's node records its position; removal swaps the last
//! entry into the hole, so the caller must update the moved object's recorded position.

/// Entries addressed by position `0..len`, removed by swapping the last one in.
#[derive(Clone, Debug, Default)]
pub struct Dense<E> {
    /// The entries.
    pub items: Vec<E>,
}

impl<E: Copy> Dense<E> {
    /// An empty array.
    pub fn new() -> Self {
        Dense { items: Vec::new() }
    }

    /// Appends `e`; returns its position.
    #[inline]
    pub fn push(&mut self, e: E) -> u32 {
        self.items.push(e);
        (self.items.len() - 1) as u32
    }

    /// Removes the entry at `pos`. Returns the entry that moved into `pos` (the former last one),
    /// whose recorded position must become `pos`, or `None` when `pos` was the last.
    #[inline]
    pub fn swap_remove(&mut self, pos: u32) -> Option<E> {
        self.items.swap_remove(pos as usize);
        self.items.get(pos as usize).copied()
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<E> std::ops::Index<u32> for Dense<E> {
    type Output = E;
    #[inline]
    fn index(&self, pos: u32) -> &E {
        &self.items[pos as usize]
    }
}

impl<E> std::ops::IndexMut<u32> for Dense<E> {
    #[inline]
    fn index_mut(&mut self, pos: u32) -> &mut E {
        &mut self.items[pos as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_remove_reports_the_moved_entry() {
        let mut d = Dense::new();
        for x in [10, 11, 12, 13] {
            d.push(x);
        }
        assert_eq!(d.swap_remove(1), Some(13));
        assert_eq!(d.items, vec![10, 13, 12]);
        assert_eq!(d.swap_remove(2), None);
        assert_eq!(d.items, vec![10, 13]);
    }
}
