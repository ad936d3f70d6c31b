//! A slab: values in one `Vec`, addressed by `u32` ids, freed ids reused last-in first-out.
//!
//! The frequency buckets of [`super::freq::FreqList`] and LFU-DA's priority buckets live in one.
//! (The object [`super::table::Table`] chains its free slots through the nodes' own links instead,
//! which costs no memory.)

/// Values addressed by id; freed ids are reused, newest first.
#[derive(Clone, Debug, Default)]
pub struct Slab<T> {
    items: Vec<T>,
    free: Vec<u32>,
}

impl<T> Slab<T> {
    /// An empty slab.
    pub fn new() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Stores `v` (in the most recently freed place, if any) and returns its id.
    #[inline]
    pub fn alloc(&mut self, v: T) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.items[id as usize] = v;
                id
            }
            None => {
                self.items.push(v);
                (self.items.len() - 1) as u32
            }
        }
    }

    /// Frees `id` for reuse. The value stays readable until the id is reused.
    #[inline]
    pub fn release(&mut self, id: u32) {
        debug_assert!((id as usize) < self.items.len() && !self.free.contains(&id));
        self.free.push(id);
    }

    /// Number of live values.
    pub fn len(&self) -> usize {
        self.items.len() - self.free.len()
    }

    /// True when no value is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> std::ops::Index<u32> for Slab<T> {
    type Output = T;
    #[inline]
    fn index(&self, id: u32) -> &T {
        &self.items[id as usize]
    }
}

impl<T> std::ops::IndexMut<u32> for Slab<T> {
    #[inline]
    fn index_mut(&mut self, id: u32) -> &mut T {
        &mut self.items[id as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_the_most_recently_freed_id() {
        let mut s = Slab::new();
        let (a, b, c) = (s.alloc('a'), s.alloc('b'), s.alloc('c'));
        assert_eq!((a, b, c), (0, 1, 2));
        s.release(a);
        s.release(c);
        assert_eq!(s.len(), 1);
        assert_eq!(s.alloc('d'), c);
        assert_eq!(s.alloc('e'), a);
        assert_eq!(s.alloc('f'), 3);
        assert_eq!((s[a], s[b], s[c], s[3]), ('e', 'b', 'd', 'f'));
        assert_eq!(s.len(), 4);
    }
}
