//! The object table every list-based policy is built on: a slab of nodes, a hash index from key to
//! slot, and intrusive doubly linked lists threaded through the nodes.
//!
//! Why this shape: one allocation for all objects (no per-object boxes), 4-byte links, and an
//! index of 8-byte buckets (at most three quarters full), so a cached object costs 32 to 40 bytes
//! of node plus 11 to 21 of index. Several lists can share one table, which is how ARC's T1/T2/B1/B2,
//! S3-FIFO's small/main/ghost and SLRU's segments live side by side: a node's `meta` says which
//! list holds it.

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

/// An empty bucket: its slot half is [`NIL`].
const EMPTY: u64 = u64::MAX;

/// The top 32 bits of murmur3's 64-bit finalizer (a bijection, so any key set spreads): the tag
/// a bucket keeps, whose top bits are also the bucket's home.
#[inline]
fn tag_of(key: u64) -> u32 {
    let mut h = key ^ (key >> 33);
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    (h >> 32) as u32
}

/// Starts loading the cache line at `p` (a hint: any address is fine).
#[inline]
pub(crate) fn prefetch_ptr<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: prefetching is a hint; it never faults, even on an invalid address.
        #[allow(unsafe_code)]
        unsafe {
            std::arch::x86_64::_mm_prefetch(p as *const i8, std::arch::x86_64::_MM_HINT_T0)
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Key -> slot: linear probing over 8-byte buckets (a 32-bit hash tag and the slot), at most three
/// quarters full, backward-shift deletion.
///
/// Why not `hashbrown`: replay is memory-bound, and with `hashbrown::HashTable<u32>` a lookup is
/// three dependent cache misses (control bytes, the bucket, then the node's key to compare). Here a
/// miss is one (the bucket: a tag mismatch needs no node) and a hit two (the bucket, then the node,
/// which the policy reads anyway); removing a node finds its bucket by slot number without loading
/// any other node; and [`Index::prefetch`] can start the bucket's miss requests ahead.
struct Index {
    /// `tag << 32 | slot`, or [`EMPTY`].
    buckets: Vec<u64>,
    mask: usize,
    /// `home = tag >> shift`.
    shift: u32,
    len: usize,
}

impl Index {
    const MIN_BUCKETS: usize = 16;

    fn with_buckets(n: usize) -> Self {
        let n = n.max(Self::MIN_BUCKETS).next_power_of_two();
        let bits = n.trailing_zeros();
        assert!(bits <= 32, "object table too large");
        Index {
            buckets: vec![EMPTY; n],
            mask: n - 1,
            shift: 32 - bits,
            len: 0,
        }
    }

    /// An index that holds `n` keys before it grows.
    fn with_capacity(n: usize) -> Self {
        Self::with_buckets(n.saturating_mul(4).div_ceil(3))
    }

    #[inline]
    fn home(&self, tag: u32) -> usize {
        // `shift` is 32 - log2(buckets) >= 0 and < 32 (at least 16 buckets).
        (tag >> self.shift) as usize
    }

    /// Starts loading the bucket where `key`'s probe begins.
    #[inline]
    fn prefetch(&self, key: u64) {
        prefetch_ptr(self.buckets.as_ptr().wrapping_add(self.home(tag_of(key))));
    }

    /// Starts loading the node of `key` (or of a key whose tag matches), found through its bucket:
    /// call it after [`Index::prefetch`] has had time to load the bucket.
    #[inline]
    fn prefetch_node<M>(&self, key: u64, nodes: &[Node<M>]) {
        let tag = tag_of(key);
        let mut i = self.home(tag);
        loop {
            let b = self.buckets[i];
            let slot = b as u32;
            if slot == NIL {
                return;
            }
            if (b >> 32) as u32 == tag {
                prefetch_ptr(nodes.as_ptr().wrapping_add(slot as usize));
                return;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The slot of `key`: buckets whose tag matches are confirmed by `is_key(slot)`.
    #[inline]
    fn find(&self, key: u64, is_key: impl Fn(u32) -> bool) -> Option<u32> {
        let tag = tag_of(key);
        let mut i = self.home(tag);
        loop {
            let b = self.buckets[i];
            let slot = b as u32;
            if slot == NIL {
                return None;
            }
            if (b >> 32) as u32 == tag && is_key(slot) {
                return Some(slot);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Adds `key` -> `slot`; `key` must not be present.
    #[inline]
    fn insert(&mut self, key: u64, slot: u32) {
        if 4 * (self.len + 1) > 3 * self.buckets.len() {
            self.grow();
        }
        self.put(u64::from(tag_of(key)) << 32 | u64::from(slot));
        self.len += 1;
    }

    #[inline]
    fn put(&mut self, b: u64) {
        let mut i = self.home((b >> 32) as u32);
        while self.buckets[i] != EMPTY {
            i = (i + 1) & self.mask;
        }
        self.buckets[i] = b;
    }

    #[cold]
    fn grow(&mut self) {
        let old = std::mem::replace(self, Self::with_buckets(self.buckets.len() * 2));
        for b in old.buckets.into_iter().filter(|&b| b != EMPTY) {
            self.put(b);
        }
        self.len = old.len;
    }

    /// Removes the bucket of `slot`, whose key is `key`.
    #[inline]
    fn remove(&mut self, key: u64, slot: u32) {
        let want = u64::from(tag_of(key)) << 32 | u64::from(slot);
        let mut i = self.home(tag_of(key));
        loop {
            let b = self.buckets[i];
            if b == want {
                break;
            }
            if b == EMPTY {
                debug_assert!(false, "slot {slot} not in the index");
                return;
            }
            i = (i + 1) & self.mask;
        }
        self.len -= 1;
        // Backward shift: move later members of the probe run into the hole when their home allows.
        let mut hole = i;
        let mut j = (i + 1) & self.mask;
        loop {
            let b = self.buckets[j];
            if b == EMPTY {
                break;
            }
            let h = self.home((b >> 32) as u32);
            // Movable iff `h` is not cyclically in (hole, j].
            if (j.wrapping_sub(h) & self.mask) >= (j.wrapping_sub(hole) & self.mask) {
                self.buckets[hole] = b;
                hole = j;
            }
            j = (j + 1) & self.mask;
        }
        self.buckets[hole] = EMPTY;
    }
}

/// What a prefetch hint loads: the lookup's first memory access, or (once that has landed) its
/// second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The index bucket where the key's probe starts.
    Bucket,
    /// The node the bucket points to.
    Node,
}

/// Slab of nodes plus a key index.
pub struct Table<M> {
    /// All slots; free slots are chained through `next`.
    pub nodes: Vec<Node<M>>,
    free: u32,
    index: Index,
    len: usize,
}

impl<M: Copy + Default> Default for Table<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M> Table<M> {
    /// An empty table.
    pub fn new() -> Self {
        Table {
            nodes: Vec::new(),
            free: NIL,
            index: Index::with_buckets(0),
            len: 0,
        }
    }

    /// An empty table with room for `n` objects before it grows.
    pub fn with_capacity(n: usize) -> Self {
        Table {
            nodes: Vec::with_capacity(n),
            free: NIL,
            index: Index::with_capacity(n),
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
        self.index.find(key, |i| nodes[i as usize].key == key)
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
        self.index.insert(key, slot);
        self.len += 1;
        slot
    }

    /// Drops the node in `slot` from the index and frees the slot. Unlink it from its list first.
    #[inline]
    pub fn remove(&mut self, slot: u32) {
        self.index.remove(self.nodes[slot as usize].key, slot);
        self.nodes[slot as usize].next = self.free;
        self.nodes[slot as usize].prev = NIL;
        self.free = slot;
        self.len -= 1;
    }

    /// Starts loading what a lookup of `key` reads at `stage` (a hint for a lookup soon).
    #[inline]
    pub fn prefetch_for(&self, key: u64, stage: Stage) {
        match stage {
            Stage::Bucket => self.prefetch(key),
            Stage::Node => self.prefetch_node(key),
        }
    }

    /// A write of `req` to its cached object, when possible in place: a node of the same size
    /// only takes the new expiry (so a write without a TTL changes nothing, as a read hit). Returns
    /// false when the size changed, so the object must be re-inserted ([`crate::policy::Policy::reinsert`]).
    #[inline]
    pub fn restamp(&mut self, req: &crate::model::request::Request) -> bool {
        match self.find(req.key) {
            Some(s) if self.nodes[s as usize].size != req.size => false,
            Some(s) => {
                self.nodes[s as usize].expire = req.expiry();
                true
            }
            None => true,
        }
    }

    /// Starts loading the index bucket where `key`'s lookup begins (a hint for a lookup soon).
    #[inline]
    pub fn prefetch(&self, key: u64) {
        self.index.prefetch(key);
    }

    /// Starts loading the node of `key` through its index bucket (a hint for a lookup sooner than
    /// [`Table::prefetch`]'s, once that one has loaded the bucket).
    #[inline]
    pub fn prefetch_node(&self, key: u64) {
        self.index.prefetch_node(key, &self.nodes);
    }

    /// Starts loading the index bucket of the node in `slot` (a hint for its removal soon).
    #[inline]
    pub fn prefetch_remove(&self, slot: u32) {
        if let Some(n) = self.nodes.get(slot as usize) {
            self.index.prefetch(n.key);
        }
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

#[cfg(test)]
mod tests {
    use super::super::list::List;
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
    fn index_matches_a_map_under_churn() {
        // Small keys, keys that collide in the tag's home bits, u64::MAX: inserts, removes and
        // lookups against a std map, across several growths and many backward shifts.
        let mut t: Table<()> = Table::new();
        let mut live: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for step in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = match x % 4 {
                0 => x % 3000,
                1 => (x % 64) << 40,
                2 => u64::MAX - x % 8,
                _ => x % 100_000,
            };
            match live.get(&key) {
                Some(&s) => {
                    assert_eq!(t.find(key), Some(s));
                    if step % 3 != 0 {
                        t.remove(s);
                        live.remove(&key);
                        assert_eq!(t.find(key), None);
                    }
                }
                None => {
                    assert_eq!(t.find(key), None);
                    let s = t.insert(key, 1, 0, ());
                    live.insert(key, s);
                }
            }
            assert_eq!(t.len(), live.len());
        }
        for (&k, &s) in &live {
            assert_eq!(t.find(k), Some(s));
            assert_eq!(t.node(s).key, k);
        }
    }

    #[test]
    fn with_capacity_does_not_grow() {
        let mut t: Table<()> = Table::with_capacity(1000);
        let n = t.index.buckets.len();
        for k in 0..1000 {
            t.insert(k, 1, 0, ());
        }
        assert_eq!(t.index.buckets.len(), n);
        assert!((0..1000).all(|k| t.find(k).is_some()));
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
