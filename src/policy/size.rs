//! Size: evict the largest cached object (libCacheSim's `Size`).
//!
//! The objects sit in a binary max-heap keyed by size. Objects of equal size (every object, in
//! object mode) leave in the order the heap's moves give them, so the heap repeats libCacheSim's
//! (libpqueue's) moves exactly: a new entry bubbles up past strictly smaller parents, a removal
//! fills the hole with the last entry, and sifting down takes the right child only when it is
//! strictly larger than the left. As in libCacheSim a hit re-keys the object with the request's
//! size (which differs from the cached size only when a key's size changes in the trace).

use super::core::resident::{Ordering, Resident, Store};
use super::{BuildCtx, Caps, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "size",
    aliases: &["largest-first"],
    summary: "Size: evicts the largest cached object (libCacheSim's Size).",
    params: &[],
    build,
    caps: Caps::NONE,
};

fn build(_: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    Ok(Box::new(SizeCache::new(ctx.capacity)))
}

/// The largest-first cache.
pub type SizeCache = Resident<SizeOrder>;

impl SizeCache {
    /// An empty cache.
    pub fn new(capacity: u64) -> Self {
        Resident::with_order(capacity, SizeOrder { heap: vec![(0, 0)] })
    }
}

/// A max-heap of (key size, slot), 1-based as libpqueue's (entry 0 unused); node meta: the
/// object's position in the heap.
pub struct SizeOrder {
    heap: Vec<(u64, u32)>,
}

impl SizeOrder {
    #[inline]
    fn place(&mut self, s: &mut Store<u32>, i: usize, e: (u64, u32)) {
        self.heap[i] = e;
        s.table.node_mut(e.1).meta = i as u32;
    }

    /// Moves the entry at `i` up past strictly smaller parents.
    fn bubble_up(&mut self, s: &mut Store<u32>, mut i: usize) {
        let e = self.heap[i];
        while i > 1 && self.heap[i / 2].0 < e.0 {
            let p = self.heap[i / 2];
            self.place(s, i, p);
            i /= 2;
        }
        self.place(s, i, e);
    }

    /// Moves the entry at `i` down while a child is strictly larger (the right child when it is
    /// strictly larger than the left).
    fn sift_down(&mut self, s: &mut Store<u32>, mut i: usize) {
        let e = self.heap[i];
        let n = self.heap.len();
        loop {
            let mut c = 2 * i;
            if c >= n {
                break;
            }
            if c + 1 < n && self.heap[c].0 < self.heap[c + 1].0 {
                c += 1;
            }
            if e.0 >= self.heap[c].0 {
                break;
            }
            let ch = self.heap[c];
            self.place(s, i, ch);
            i = c;
        }
        self.place(s, i, e);
    }
}

impl Ordering for SizeOrder {
    type Meta = u32;

    #[inline]
    fn hit(&mut self, s: &mut Store<u32>, slot: u32, req: &Request) {
        let i = s.table.node(slot).meta as usize;
        let old = self.heap[i].0;
        self.heap[i].0 = req.size;
        if old < req.size {
            self.bubble_up(s, i);
        } else {
            self.sift_down(s, i);
        }
    }

    #[inline]
    fn admit(&mut self, s: &mut Store<u32>, slot: u32, req: &Request) {
        self.heap.push((req.size, slot));
        let i = self.heap.len() - 1;
        self.bubble_up(s, i);
    }

    fn unlink(&mut self, s: &mut Store<u32>, slot: u32) {
        let i = s.table.node(slot).meta as usize;
        let gone = self.heap[i];
        let last = self.heap.pop().expect("heap holds the slot");
        if i == self.heap.len() {
            return;
        }
        self.heap[i] = last;
        if gone.0 < last.0 {
            self.bubble_up(s, i);
        } else {
            self.sift_down(s, i);
        }
    }

    #[inline]
    fn victim(&mut self, _: &mut Store<u32>, _: &Request) -> u32 {
        self.heap[1].1
    }

    #[inline]
    fn next_victim(&self) -> u32 {
        self.heap.get(1).map_or(super::core::table::NIL, |e| e.1)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::build;
    use crate::model::request::Request;

    #[test]
    fn evicts_the_largest() {
        let mut p = build("size", 10);
        for (k, s) in [(1, 2), (2, 5), (3, 3)] {
            assert!(!p.access(&Request::get(k, s)));
        }
        // 4 (size 2) needs room: 2 (5 bytes) goes; 1 and 3 stay.
        assert!(!p.access(&Request::get(4, 2)));
        assert!(!p.contains(2) && p.contains(1) && p.contains(3) && p.contains(4));
        // 5 (size 4) needs 4 more of 3 free: 3 (the largest, 3 bytes) goes.
        assert!(!p.access(&Request::get(5, 4)));
        assert!(!p.contains(3));
        assert_eq!(p.used(), 8);
        assert!(p.access(&Request::get(1, 2)));
    }

    #[test]
    fn equal_sizes_leave_in_heap_order() {
        // Unit sizes, capacity 3: 1 2 3 fill the heap as [1, 2, 3]; 4 pops 1, moving 3 to the top
        // ([3, 2]), then 4 joins ([3, 2, 4]); 5 pops 3 (4 moves up: [4, 2]), then 6 pops 4.
        let mut p = build("size", 3);
        let got = super::super::testkit::pattern(&mut *p, &[1, 2, 3, 4, 5, 2, 6, 2]);
        assert_eq!(got, "mmmmmHmH");
        assert!(!p.contains(1) && !p.contains(3) && !p.contains(4));
    }

    #[test]
    fn too_large_and_zero_capacity() {
        let mut p = build("size", 10);
        assert!(!p.access(&Request::get(1, 11)));
        assert!(!p.contains(1));
        assert!(!p.access(&Request::get(2, 10)));
        assert!(p.contains(2));
        let mut z = build("size", 0);
        assert!(!z.access(&Request::get(1, 1)));
        assert_eq!(z.used(), 0);
    }
}
