//! The object table every list-based policy is built on: a slab of nodes, a hash index from key to
//! slot, and intrusive doubly linked lists threaded through the nodes.
//!
//! Why this shape: one allocation for all objects (no per-object boxes), 4-byte links, and an
//! index that stores only slot numbers (a `hashbrown::HashTable<u32>`, 4 bytes per bucket) so a
//! million cached objects cost about 40 bytes each. Several lists can share one table, which is how
//! ARC's T1/T2/B1/B2, S3-FIFO's small/main/ghost and SLRU's segments live side by side: a node's
//! `meta` says which list holds it.

use hashbrown::HashTable;
use std::hash::BuildHasher;

/// "No node": the end of a list.
pub const NIL: u32 = u32::MAX;

/// One cached (or ghost) object.
#[derive(Clone, Copy, Debug)]
pub struct Node<M> {
    /// The object's key.
    pub key: u64,
    /// Absolute expiry time in nanoseconds, 0 for none.
    pub expire: u64,
    /// Size in bytes (1 in object mode).
    pub size: u64,
    /// Towards the head (newer) of the list.
    pub prev: u32,
    /// Towards the tail (older) of the list.
    pub next: u32,
    /// Policy-specific metadata (counter, visited bit, list id, ...).
    pub meta: M,
}

/// What a lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// Present and live.
    Hit(u32),
    /// Present but its TTL has passed at the request's time.
    Expired(u32),
    /// Not present.
    Miss,
}

#[inline]
fn hash(key: u64) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(key)
}

/// Slab of nodes plus a key index.
pub struct Table<M> {
    /// All slots; free slots are chained through `next`.
    pub nodes: Vec<Node<M>>,
    free: u32,
    index: HashTable<u32>,
    len: usize,
}

impl<M: Copy + Default> Default for Table<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Copy + Default> Table<M> {
    /// An empty table.
    pub fn new() -> Self {
        Table {
            nodes: Vec::new(),
            free: NIL,
            index: HashTable::new(),
            len: 0,
        }
    }

    /// An empty table with room for `n` objects before it grows.
    pub fn with_capacity(n: usize) -> Self {
        Table {
            nodes: Vec::with_capacity(n),
            free: NIL,
            index: HashTable::with_capacity(n),
            len: 0,
        }
    }

    /// Number of nodes (live and ghost) held.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the table holds nothing.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slot of `key`, if present.
    #[inline]
    pub fn find(&self, key: u64) -> Option<u32> {
        let nodes = &self.nodes;
        self.index.find(hash(key), |&i| nodes[i as usize].key == key).copied()
    }

    /// Looks `key` up and checks its expiry against `now`.
    #[inline]
    pub fn lookup(&self, key: u64, now: u64) -> Found {
        match self.find(key) {
            None => Found::Miss,
            Some(i) => {
                let e = self.nodes[i as usize].expire;
                if e != 0 && now >= e {
                    Found::Expired(i)
                } else {
                    Found::Hit(i)
                }
            }
        }
    }

    /// Adds a node for `key` (which must not be present) and returns its slot. The node is in no list.
    #[inline]
    pub fn insert(&mut self, key: u64, size: u64, expire: u64, meta: M) -> u32 {
        let node = Node {
            key,
            expire,
            size,
            prev: NIL,
            next: NIL,
            meta,
        };
        let slot = if self.free != NIL {
            let s = self.free;
            self.free = self.nodes[s as usize].next;
            self.nodes[s as usize] = node;
            s
        } else {
            self.nodes.push(node);
            (self.nodes.len() - 1) as u32
        };
        let nodes = &self.nodes;
        self.index
            .insert_unique(hash(key), slot, |&i| hash(nodes[i as usize].key));
        self.len += 1;
        slot
    }

    /// Drops the node in `slot` from the index and frees the slot. Unlink it from its list first.
    #[inline]
    pub fn remove(&mut self, slot: u32) {
        let key = self.nodes[slot as usize].key;
        let nodes = &self.nodes;
        if let Ok(e) = self.index.find_entry(hash(key), |&i| nodes[i as usize].key == key) {
            e.remove();
        }
        self.nodes[slot as usize].next = self.free;
        self.nodes[slot as usize].prev = NIL;
        self.free = slot;
        self.len -= 1;
    }

    /// The node in `slot`.
    #[inline]
    pub fn node(&self, slot: u32) -> &Node<M> {
        &self.nodes[slot as usize]
    }

    /// The node in `slot`, mutably.
    #[inline]
    pub fn node_mut(&mut self, slot: u32) -> &mut Node<M> {
        &mut self.nodes[slot as usize]
    }
}

/// An intrusive doubly linked list over a [`Table`]'s nodes: head is the newest end, tail the oldest.
#[derive(Clone, Copy, Debug)]
pub struct List {
    /// Newest node.
    pub head: u32,
    /// Oldest node.
    pub tail: u32,
    /// Number of nodes.
    pub len: usize,
    /// Sum of the nodes' sizes.
    pub bytes: u64,
}

impl Default for List {
    fn default() -> Self {
        List {
            head: NIL,
            tail: NIL,
            len: 0,
            bytes: 0,
        }
    }
}

impl List {
    /// True when the list is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.head == NIL
    }

    /// Links `slot` in at the head (newest end).
    #[inline]
    pub fn push_head<M>(&mut self, nodes: &mut [Node<M>], slot: u32) {
        let old = self.head;
        {
            let n = &mut nodes[slot as usize];
            n.prev = NIL;
            n.next = old;
            self.bytes += n.size;
        }
        if old != NIL {
            nodes[old as usize].prev = slot;
        } else {
            self.tail = slot;
        }
        self.head = slot;
        self.len += 1;
    }

    /// Links `slot` in at the tail (oldest end).
    #[inline]
    pub fn push_tail<M>(&mut self, nodes: &mut [Node<M>], slot: u32) {
        let old = self.tail;
        {
            let n = &mut nodes[slot as usize];
            n.next = NIL;
            n.prev = old;
            self.bytes += n.size;
        }
        if old != NIL {
            nodes[old as usize].next = slot;
        } else {
            self.head = slot;
        }
        self.tail = slot;
        self.len += 1;
    }

    /// Unlinks `slot`, which must be in this list.
    #[inline]
    pub fn unlink<M>(&mut self, nodes: &mut [Node<M>], slot: u32) {
        let (prev, next, size) = {
            let n = &nodes[slot as usize];
            (n.prev, n.next, n.size)
        };
        if prev != NIL {
            nodes[prev as usize].next = next;
        } else {
            self.head = next;
        }
        if next != NIL {
            nodes[next as usize].prev = prev;
        } else {
            self.tail = prev;
        }
        let n = &mut nodes[slot as usize];
        n.prev = NIL;
        n.next = NIL;
        self.bytes -= size;
        self.len -= 1;
    }

    /// Moves `slot` (in this list) to the head.
    #[inline]
    pub fn move_to_head<M>(&mut self, nodes: &mut [Node<M>], slot: u32) {
        if self.head != slot {
            self.unlink(nodes, slot);
            self.push_head(nodes, slot);
        }
    }

    /// Iterates from the head (newest) to the tail (oldest).
    pub fn iter<'a, M>(&self, nodes: &'a [Node<M>]) -> impl Iterator<Item = u32> + 'a {
        let mut cur = self.head;
        std::iter::from_fn(move || {
            if cur == NIL {
                None
            } else {
                let c = cur;
                cur = nodes[c as usize].next;
                Some(c)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_order_and_bytes() {
        let mut t: Table<()> = Table::new();
        let mut l = List::default();
        let a = t.insert(1, 10, 0, ());
        let b = t.insert(2, 20, 0, ());
        let c = t.insert(3, 30, 0, ());
        l.push_head(&mut t.nodes, a);
        l.push_head(&mut t.nodes, b);
        l.push_tail(&mut t.nodes, c);
        assert_eq!(
            l.iter(&t.nodes).map(|s| t.node(s).key).collect::<Vec<_>>(),
            vec![2, 1, 3]
        );
        assert_eq!(l.bytes, 60);
        l.move_to_head(&mut t.nodes, c);
        assert_eq!(
            l.iter(&t.nodes).map(|s| t.node(s).key).collect::<Vec<_>>(),
            vec![3, 2, 1]
        );
        l.unlink(&mut t.nodes, b);
        t.remove(b);
        assert_eq!(l.iter(&t.nodes).map(|s| t.node(s).key).collect::<Vec<_>>(), vec![3, 1]);
        assert_eq!((l.len, l.bytes), (2, 40));
        assert_eq!(t.find(2), None);
        // The freed slot is reused.
        let d = t.insert(4, 1, 0, ());
        assert_eq!(d, b);
        assert_eq!(t.find(4), Some(b));
        assert_eq!(t.find(1), Some(a));
    }

    #[test]
    fn expiry() {
        let mut t: Table<()> = Table::new();
        t.insert(7, 1, 100, ());
        assert!(matches!(t.lookup(7, 99), Found::Hit(_)));
        assert!(matches!(t.lookup(7, 100), Found::Expired(_)));
        assert_eq!(t.lookup(8, 0), Found::Miss);
    }
}
