//! A history of evicted keys kept apart from the cache's own table: a FIFO capped in bytes (the
//! sizes of the objects remembered), with a value per key (MQ remembers the count). Keeping it
//! apart keeps the cache's table, which every hit probes, as small as the cache.

use super::list::List;
use super::table::Table;

/// Remembered keys, oldest evicted first.
pub struct GhostFifo<V> {
    table: Table<V>,
    fifo: List,
}

impl<V: Copy + Default> Default for GhostFifo<V> {
    fn default() -> Self {
        GhostFifo {
            table: Table::new(),
            fifo: List::default(),
        }
    }
}

impl<V: Copy + Default> GhostFifo<V> {
    /// Bytes remembered.
    #[inline]
    pub fn bytes(&self) -> u64 {
        self.fifo.bytes
    }

    /// Number of keys remembered.
    #[inline]
    pub fn len(&self) -> usize {
        self.fifo.len
    }

    /// True when nothing is remembered.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.fifo.len == 0
    }

    /// Remembers `key` (not remembered yet) of `size` with `value`, as the newest.
    #[inline]
    pub fn push(&mut self, key: u64, size: u64, value: V) {
        let s = self.table.insert(key, size, 0, value);
        self.fifo.push_head(&mut self.table.nodes, s);
    }

    /// Forgets the oldest keys until at most `bytes` are remembered.
    #[inline]
    pub fn trim_to(&mut self, bytes: u64) {
        while self.fifo.bytes > bytes {
            let t = self.fifo.tail;
            self.fifo.unlink(&mut self.table.nodes, t);
            self.table.remove(t);
        }
    }

    /// Forgets `key`, returning its value if it was remembered.
    #[inline]
    pub fn take(&mut self, key: u64) -> Option<V> {
        let s = self.table.find(key)?;
        let v = self.table.node(s).meta;
        self.fifo.unlink(&mut self.table.nodes, s);
        self.table.remove(s);
        Some(v)
    }

    /// The value remembered for `key`, if any.
    #[inline]
    pub fn get(&self, key: u64) -> Option<V> {
        self.table.find(key).map(|s| self.table.node(s).meta)
    }

    /// Whether `key` is remembered.
    #[inline]
    pub fn contains(&self, key: u64) -> bool {
        self.table.find(key).is_some()
    }

    /// The keys, newest first (tests, inspection).
    pub fn keys(&self) -> Vec<u64> {
        self.fifo
            .iter(&self.table.nodes)
            .map(|s| self.table.node(s).key)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_capped_in_bytes() {
        let mut g: GhostFifo<u32> = GhostFifo::default();
        g.push(1, 10, 7);
        g.push(2, 20, 8);
        g.push(3, 5, 9);
        assert_eq!((g.bytes(), g.len()), (35, 3));
        g.trim_to(25);
        assert_eq!(g.keys(), vec![3, 2]);
        assert_eq!(g.take(2), Some(8));
        assert_eq!(g.take(2), None);
        assert!(g.contains(3) && !g.contains(1));
        g.trim_to(0);
        assert!(g.is_empty());
    }
}
