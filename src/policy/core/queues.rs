//! Several lists over one [`Table`], each node in at most one of them and its metadata naming
//! which: ARC's T1/T2/B1/B2, 2Q's A1in/A1out/Am, S3-FIFO's small/main/ghost, W-TinyLFU's segments.
//! A policy names its lists with an enum implementing [`QueueId`].

use super::list::List;
use super::table::Table;
use std::marker::PhantomData;

/// The lists of one policy, as an enum.
pub trait QueueId: Copy + Eq + std::fmt::Debug {
    /// The list's position among the policy's lists.
    fn index(self) -> usize;
}

/// Node metadata that says which list holds the node.
pub trait InQueue<Q> {
    /// The list holding the node.
    fn queue(&self) -> Q;
    /// Records the list holding the node.
    fn set_queue(&mut self, q: Q);
}

impl<Q: QueueId> InQueue<Q> for Q {
    #[inline]
    fn queue(&self) -> Q {
        *self
    }
    #[inline]
    fn set_queue(&mut self, q: Q) {
        *self = q;
    }
}

/// `N` lists named by `Q`.
#[derive(Clone, Copy, Debug)]
pub struct Queues<Q, const N: usize> {
    lists: [List; N],
    _ids: PhantomData<Q>,
}

impl<Q: QueueId, const N: usize> Default for Queues<Q, N> {
    fn default() -> Self {
        Queues {
            lists: [List::default(); N],
            _ids: PhantomData,
        }
    }
}

impl<Q: QueueId, const N: usize> Queues<Q, N> {
    /// List `q`.
    #[inline]
    pub fn list(&self, q: Q) -> &List {
        &self.lists[q.index()]
    }

    /// Bytes in list `q`.
    #[inline]
    pub fn bytes(&self, q: Q) -> u64 {
        self.lists[q.index()].bytes
    }

    /// The oldest node of list `q` (or `NIL`).
    #[inline]
    pub fn tail(&self, q: Q) -> u32 {
        self.lists[q.index()].tail
    }

    /// Links `slot` (in no list) at the head of list `q`.
    #[inline]
    pub fn push_head<M: InQueue<Q>>(&mut self, t: &mut Table<M>, slot: u32, q: Q) {
        t.node_mut(slot).meta.set_queue(q);
        self.lists[q.index()].push_head(&mut t.nodes, slot);
    }

    /// Unlinks `slot` from its list; returns the list.
    #[inline]
    pub fn unlink<M: InQueue<Q>>(&mut self, t: &mut Table<M>, slot: u32) -> Q {
        let q = t.node(slot).meta.queue();
        self.lists[q.index()].unlink(&mut t.nodes, slot);
        q
    }

    /// Moves `slot` from its list to the head of list `q`.
    #[inline]
    pub fn move_to<M: InQueue<Q>>(&mut self, t: &mut Table<M>, slot: u32, q: Q) {
        self.unlink(t, slot);
        self.push_head(t, slot, q);
    }

    /// Moves `slot` to the head of its own list.
    #[inline]
    pub fn move_to_head<M: InQueue<Q>>(&mut self, t: &mut Table<M>, slot: u32) {
        let q = t.node(slot).meta.queue();
        self.lists[q.index()].move_to_head(&mut t.nodes, slot);
    }

    /// Unlinks `slot` and frees it from the table; returns its list.
    #[inline]
    pub fn drop<M: InQueue<Q>>(&mut self, t: &mut Table<M>, slot: u32) -> Q {
        let q = self.unlink(t, slot);
        t.remove(slot);
        q
    }

    /// The keys of list `q`, newest first (tests, inspection).
    pub fn keys<M>(&self, t: &Table<M>, q: Q) -> Vec<u64> {
        self.lists[q.index()].iter(&t.nodes).map(|s| t.node(s).key).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    enum Q {
        #[default]
        A,
        B,
    }
    impl QueueId for Q {
        fn index(self) -> usize {
            self as usize
        }
    }

    #[test]
    fn moves_keep_lists_and_meta_in_step() {
        let mut t: Table<Q> = Table::new();
        let mut qs: Queues<Q, 2> = Queues::default();
        let s: Vec<u32> = (1..=4).map(|k| t.insert(k, k, 0, Q::A)).collect();
        for &x in &s {
            qs.push_head(&mut t, x, Q::A);
        }
        qs.move_to(&mut t, s[0], Q::B);
        qs.move_to(&mut t, s[2], Q::B);
        assert_eq!(qs.keys(&t, Q::A), vec![4, 2]);
        assert_eq!(qs.keys(&t, Q::B), vec![3, 1]);
        assert_eq!((qs.bytes(Q::A), qs.bytes(Q::B)), (6, 4));
        assert_eq!(t.node(s[2]).meta, Q::B);
        qs.move_to_head(&mut t, s[0]);
        assert_eq!(qs.keys(&t, Q::B), vec![1, 3]);
        assert_eq!(qs.drop(&mut t, s[1]), Q::A);
        assert_eq!(qs.keys(&t, Q::A), vec![4]);
        assert_eq!(t.find(2), None);
        assert_eq!(qs.tail(Q::B), s[2]);
    }
}
