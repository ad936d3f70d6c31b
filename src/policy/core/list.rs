//! An intrusive doubly linked list threaded through a [`Table`]'s nodes (their `prev`/`next`).

#[cfg(doc)]
use super::table::Table;
use super::table::{Node, NIL};

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
