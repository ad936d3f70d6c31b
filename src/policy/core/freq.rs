//! An O(1) frequency-bucket list (Shah, Mitra, Matani, "An O(1) algorithm for implementing the
//! LFU cache eviction scheme", 2010): objects grouped by count, each group in the order its
//! objects reached that count, groups chained by count. LFU's order, and the LFU expert of LeCaR
//! and Cacheus.
//!
//! The links live in the node's metadata ([`FreqLink`], reached through [`FreqNode`]), so a node can
//! at the same time sit in an ordinary [`super::list::List`] through the table's own links.

use super::slab::Slab;
use super::table::{Node, NIL};
use rustc_hash::FxHashMap;

/// A node's place in a [`FreqList`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FreqLink {
    /// Its bucket ([`NIL`] when in none).
    pub bucket: u32,
    /// Towards the bucket's oldest object.
    pub older: u32,
    /// Towards the bucket's newest object.
    pub newer: u32,
}

impl Default for FreqLink {
    fn default() -> Self {
        FreqLink {
            bucket: NIL,
            older: NIL,
            newer: NIL,
        }
    }
}

/// Node metadata that holds a [`FreqLink`].
pub trait FreqNode {
    /// The link.
    fn link(&self) -> &FreqLink;
    /// The link, mutably.
    fn link_mut(&mut self) -> &mut FreqLink;
}

impl FreqNode for FreqLink {
    #[inline]
    fn link(&self) -> &FreqLink {
        self
    }
    #[inline]
    fn link_mut(&mut self) -> &mut FreqLink {
        self
    }
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    freq: u64,
    oldest: u32,
    newest: u32,
    /// The bucket with the next higher count.
    up: u32,
    /// The bucket with the next lower count.
    down: u32,
}

/// Objects grouped by count; see the module documentation.
#[derive(Clone, Debug)]
pub struct FreqList {
    buckets: Slab<Bucket>,
    /// The bucket with the lowest count ([`NIL`] when empty).
    lowest: u32,
    /// Count -> bucket, kept only when objects may enter at any count ([`FreqList::indexed`]).
    index: Option<FxHashMap<u64, u32>>,
}

impl Default for FreqList {
    fn default() -> Self {
        Self::new()
    }
}

impl FreqList {
    /// An empty list whose objects enter at count 1 and climb one count at a time.
    pub fn new() -> Self {
        FreqList {
            buckets: Slab::new(),
            lowest: NIL,
            index: None,
        }
    }

    /// An empty list that also places objects at any count ([`FreqList::push_at`]).
    pub fn indexed() -> Self {
        FreqList {
            index: Some(FxHashMap::default()),
            ..Self::new()
        }
    }

    /// True when it holds no object.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.lowest == NIL
    }

    /// The oldest object of the lowest count (LFU's victim), or [`NIL`].
    #[inline]
    pub fn oldest_of_lowest(&self) -> u32 {
        if self.lowest == NIL {
            NIL
        } else {
            self.buckets[self.lowest].oldest
        }
    }

    /// The newest object of the lowest count, or [`NIL`].
    #[inline]
    pub fn newest_of_lowest(&self) -> u32 {
        if self.lowest == NIL {
            NIL
        } else {
            self.buckets[self.lowest].newest
        }
    }

    /// The lowest count held, if any.
    pub fn lowest_count(&self) -> Option<u64> {
        (self.lowest != NIL).then(|| self.buckets[self.lowest].freq)
    }

    /// The count of `slot` (which must be in the list).
    #[inline]
    pub fn count<M: FreqNode>(&self, nodes: &[Node<M>], slot: u32) -> u64 {
        self.buckets[nodes[slot as usize].meta.link().bucket].freq
    }

    /// Adds `slot` (in no bucket) at count 1, as the newest object there.
    #[inline]
    pub fn push_new<M: FreqNode>(&mut self, nodes: &mut [Node<M>], slot: u32) {
        let b = if self.lowest != NIL && self.buckets[self.lowest].freq == 1 {
            self.lowest
        } else {
            self.new_bucket(1, NIL, self.lowest)
        };
        self.append(nodes, b, slot);
    }

    /// Adds `slot` (in no bucket) at count `freq`, as the newest object there. Needs
    /// [`FreqList::indexed`]; finding the place of a count that has no bucket walks up from the
    /// lowest count.
    pub fn push_at<M: FreqNode>(&mut self, nodes: &mut [Node<M>], slot: u32, freq: u64) {
        let b = self.bucket_for(freq, NIL);
        self.append(nodes, b, slot);
    }

    /// Moves `slot` one count up, as the newest object there.
    #[inline]
    pub fn bump<M: FreqNode>(&mut self, nodes: &mut [Node<M>], slot: u32) {
        let b = nodes[slot as usize].meta.link().bucket;
        let (freq, up) = (self.buckets[b].freq, self.buckets[b].up);
        let target = if up != NIL && self.buckets[up].freq == freq + 1 {
            up
        } else {
            self.new_bucket(freq + 1, b, up)
        };
        self.detach(nodes, slot);
        self.append(nodes, target, slot);
        self.release_if_empty(b);
    }

    /// Moves `slot` to count `freq` (above its own), as the newest object there. Needs
    /// [`FreqList::indexed`].
    pub fn move_to<M: FreqNode>(&mut self, nodes: &mut [Node<M>], slot: u32, freq: u64) {
        let b = nodes[slot as usize].meta.link().bucket;
        debug_assert!(freq > self.buckets[b].freq);
        // Find (or make) the target while the current bucket still exists, as a place to start.
        let target = self.bucket_for(freq, b);
        self.detach(nodes, slot);
        self.append(nodes, target, slot);
        self.release_if_empty(b);
    }

    /// Takes `slot` out of the list.
    #[inline]
    pub fn unlink<M: FreqNode>(&mut self, nodes: &mut [Node<M>], slot: u32) {
        let b = self.detach(nodes, slot);
        self.release_if_empty(b);
    }

    /// The slots from the lowest count up, each count oldest first (tests, inspection).
    pub fn iter<'a, M: FreqNode>(&'a self, nodes: &'a [Node<M>]) -> impl Iterator<Item = (u64, u32)> + 'a {
        let mut b = self.lowest;
        let mut cur = if b == NIL { NIL } else { self.buckets[b].oldest };
        std::iter::from_fn(move || {
            while cur == NIL {
                if b == NIL {
                    return None;
                }
                b = self.buckets[b].up;
                if b == NIL {
                    return None;
                }
                cur = self.buckets[b].oldest;
            }
            let c = cur;
            cur = nodes[c as usize].meta.link().newer;
            Some((self.buckets[b].freq, c))
        })
    }

    /// The bucket for `freq`, created if needed. `hint` is a bucket below `freq` (the bucket a
    /// promoted object comes from), or [`NIL`].
    fn bucket_for(&mut self, freq: u64, hint: u32) -> u32 {
        let index = self.index.as_ref().expect("FreqList::indexed for arbitrary counts");
        if let Some(&b) = index.get(&freq) {
            return b;
        }
        let fits_below = |b: u32| {
            let bk = &self.buckets[b];
            bk.freq < freq && (bk.up == NIL || self.buckets[bk.up].freq > freq)
        };
        let down = if hint != NIL && fits_below(hint) {
            hint
        } else {
            self.bucket_below(freq)
        };
        let up = if down == NIL {
            self.lowest
        } else {
            self.buckets[down].up
        };
        self.new_bucket(freq, down, up)
    }

    /// The bucket with the highest count below `freq` (which has no bucket), or [`NIL`]: walks up
    /// from the lowest count and probes the index down from `freq - 1` in turn, so it costs the
    /// shorter of the two distances.
    fn bucket_below(&self, freq: u64) -> u32 {
        let index = self.index.as_ref().expect("FreqList::indexed for arbitrary counts");
        let (mut walk, mut below, mut probe) = (self.lowest, NIL, freq);
        loop {
            if walk == NIL || self.buckets[walk].freq > freq {
                return below;
            }
            below = walk;
            walk = self.buckets[walk].up;
            probe -= 1;
            if let Some(&b) = index.get(&probe) {
                return b;
            }
            if probe <= self.buckets[self.lowest].freq {
                return NIL;
            }
        }
    }

    /// A new empty bucket for `freq`, linked between `down` and `up`.
    fn new_bucket(&mut self, freq: u64, down: u32, up: u32) -> u32 {
        let id = self.buckets.alloc(Bucket {
            freq,
            oldest: NIL,
            newest: NIL,
            up,
            down,
        });
        if down != NIL {
            self.buckets[down].up = id;
        } else {
            self.lowest = id;
        }
        if up != NIL {
            self.buckets[up].down = id;
        }
        if let Some(index) = &mut self.index {
            index.insert(freq, id);
        }
        id
    }

    /// Appends `slot` as the newest of bucket `b`.
    #[inline]
    fn append<M: FreqNode>(&mut self, nodes: &mut [Node<M>], b: u32, slot: u32) {
        let last = self.buckets[b].newest;
        *nodes[slot as usize].meta.link_mut() = FreqLink {
            bucket: b,
            older: last,
            newer: NIL,
        };
        if last != NIL {
            nodes[last as usize].meta.link_mut().newer = slot;
        } else {
            self.buckets[b].oldest = slot;
        }
        self.buckets[b].newest = slot;
    }

    /// Takes `slot` out of its bucket's chain; returns the bucket (left even if empty).
    #[inline]
    fn detach<M: FreqNode>(&mut self, nodes: &mut [Node<M>], slot: u32) -> u32 {
        let FreqLink {
            bucket: b,
            older,
            newer,
        } = *nodes[slot as usize].meta.link();
        if older != NIL {
            nodes[older as usize].meta.link_mut().newer = newer;
        } else {
            self.buckets[b].oldest = newer;
        }
        if newer != NIL {
            nodes[newer as usize].meta.link_mut().older = older;
        } else {
            self.buckets[b].newest = older;
        }
        *nodes[slot as usize].meta.link_mut() = FreqLink::default();
        b
    }

    /// Frees bucket `b` if it holds no object.
    #[inline]
    fn release_if_empty(&mut self, b: u32) {
        let bk = self.buckets[b];
        if bk.oldest != NIL {
            return;
        }
        if bk.down != NIL {
            self.buckets[bk.down].up = bk.up;
        } else {
            self.lowest = bk.up;
        }
        if bk.up != NIL {
            self.buckets[bk.up].down = bk.down;
        }
        if let Some(index) = &mut self.index {
            index.remove(&bk.freq);
        }
        self.buckets.release(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, VecDeque};

    fn node() -> Node<FreqLink> {
        Node {
            key: 0,
            expire: 0,
            size: 1,
            prev: NIL,
            next: NIL,
            meta: FreqLink::default(),
        }
    }

    /// The list against a brute-force model (count -> objects oldest first) under random pushes,
    /// bumps, moves and unlinks; checked in full after every step.
    #[test]
    fn matches_a_brute_force_model() {
        for indexed in [false, true] {
            let n = 64usize;
            let mut nodes = vec![node(); n];
            let mut f = if indexed { FreqList::indexed() } else { FreqList::new() };
            let mut model: BTreeMap<u64, VecDeque<u32>> = BTreeMap::new();
            let mut count: Vec<Option<u64>> = vec![None; n];
            let mut x = 0x2545_f491_4f6c_dd1du64;
            for _ in 0..50_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let slot = (x % n as u64) as u32;
                let op = (x >> 32) % 8;
                let take = |model: &mut BTreeMap<u64, VecDeque<u32>>, c: u64| {
                    let q = model.get_mut(&c).unwrap();
                    q.retain(|&s| s != slot);
                    if q.is_empty() {
                        model.remove(&c);
                    }
                };
                match count[slot as usize] {
                    None if indexed && op < 3 => {
                        let c = 1 + (x >> 40) % 6;
                        f.push_at(&mut nodes, slot, c);
                        model.entry(c).or_default().push_back(slot);
                        count[slot as usize] = Some(c);
                    }
                    None => {
                        f.push_new(&mut nodes, slot);
                        model.entry(1).or_default().push_back(slot);
                        count[slot as usize] = Some(1);
                    }
                    Some(c) if op < 2 => {
                        f.unlink(&mut nodes, slot);
                        take(&mut model, c);
                        count[slot as usize] = None;
                    }
                    Some(c) if indexed && op == 2 => {
                        let to = c + 1 + (x >> 40) % 4;
                        f.move_to(&mut nodes, slot, to);
                        take(&mut model, c);
                        model.entry(to).or_default().push_back(slot);
                        count[slot as usize] = Some(to);
                    }
                    Some(c) => {
                        f.bump(&mut nodes, slot);
                        take(&mut model, c);
                        model.entry(c + 1).or_default().push_back(slot);
                        count[slot as usize] = Some(c + 1);
                    }
                }
                let want: Vec<(u64, u32)> = model
                    .iter()
                    .flat_map(|(&c, q)| q.iter().map(move |&s| (c, s)))
                    .collect();
                assert_eq!(f.iter(&nodes).collect::<Vec<_>>(), want);
                let lowest = model.iter().next();
                assert_eq!(f.lowest_count(), lowest.map(|(&c, _)| c));
                assert_eq!(f.oldest_of_lowest(), lowest.map_or(NIL, |(_, q)| q[0]));
                assert_eq!(f.newest_of_lowest(), lowest.map_or(NIL, |(_, q)| *q.back().unwrap()));
                if let Some(c) = count[slot as usize] {
                    assert_eq!(f.count(&nodes, slot), c);
                }
                // Buckets are freed as they empty: memory follows the objects.
                assert_eq!(f.buckets.len(), model.len());
            }
        }
    }
}
