//! Segmented LRU (Karedla, Love & Wherry, "Caching Strategies to Improve Disk System
//! Performance", IEEE Computer 1994), generalised to `segments` equal LRU segments as libCacheSim's
//! `SLRU` does it.
//!
//! Segment 0 is probation, the highest segment the most protected. A new object goes to the head
//! of the lowest segment with room for it (during warm-up that can be a higher one), otherwise to
//! segment 0. A hit in the top segment moves the object to its head; a hit elsewhere promotes it to
//! the head of the next segment up, and a segment pushed over its size demotes its tail to the head
//! of the segment below, cascading down; segment 0's overflow is evicted, so a hit can evict. To
//! make room for a new object the tail of the lowest non-empty segment is evicted.
//!
//! As in libCacheSim: every segment holds `floor(C / segments)` bytes and objects larger than that
//! are not cached. Segment 0 may run over its size when an object fits in no segment (the cache as
//! a whole never exceeds C).

use super::core::list::List;
use super::core::resident::{Ordering, Resident, Store};
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "slru",
    aliases: &["segmented-lru"],
    summary: "Segmented LRU: hits promote one segment up, overflow cascades down; evicts from the lowest.",
    params: &[ParamInfo {
        name: "segments",
        default: "4",
        help: "number of equal LRU segments, 1 to 16 (1 = plain LRU with objects limited to C)",
    }],
    build,
    caps: Caps::NONE,
};

/// Most segments accepted (libCacheSim's limit).
const MAX_SEGMENTS: usize = 16;

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let n: usize = p.get(
        "segments",
        ("an integer from 1 to 16", |n: &usize| (1..=MAX_SEGMENTS).contains(n)),
    )?;
    Ok(Box::new(Slru::new(ctx.capacity, n)))
}

/// The segmented LRU cache.
pub type Slru = Resident<SlruOrder>;

impl Slru {
    /// An empty cache of `segments` equal segments (1 to 16).
    pub fn new(capacity: u64, segments: usize) -> Self {
        let n = segments.clamp(1, MAX_SEGMENTS);
        Resident::with_order(
            capacity,
            SlruOrder {
                segs: vec![List::default(); n],
                seg_size: capacity / n as u64,
            },
        )
    }
}

/// SLRU's order: LRU segments, probation first (node meta: the segment holding the node).
pub struct SlruOrder {
    /// Segment 0 (probation) first.
    segs: Vec<List>,
    /// Bytes each segment may hold.
    seg_size: u64,
}

impl SlruOrder {
    /// The tail of the lowest non-empty segment: the victim.
    fn lowest_tail(&self) -> u32 {
        let seg = self
            .segs
            .iter()
            .position(|l| !l.is_empty())
            .expect("evict from an empty cache");
        self.segs[seg].tail
    }

    /// Moves `slot` from its segment to the head of segment `to`.
    #[inline]
    fn move_to(&mut self, s: &mut Store<u8>, slot: u32, to: usize) {
        let from = s.table.node(slot).meta as usize;
        self.segs[from].unlink(&mut s.table.nodes, slot);
        s.table.node_mut(slot).meta = to as u8;
        self.segs[to].push_head(&mut s.table.nodes, slot);
    }

    /// Demotes segment `id`'s tail to the head of segment `id - 1` (segment 0 evicts), and cools
    /// the segment below while it is over its size.
    fn cool(&mut self, s: &mut Store<u8>, id: usize) {
        if id == 0 {
            let v = self.lowest_tail();
            self.unlink(s, v);
            s.evict(v);
            return;
        }
        let t = self.segs[id].tail;
        self.move_to(s, t, id - 1);
        while self.segs[id - 1].bytes > self.seg_size {
            self.cool(s, id - 1);
        }
    }
}

impl Ordering for SlruOrder {
    type Meta = u8;

    /// Objects larger than a segment are not cached.
    #[inline]
    fn admits(&self, req: &Request) -> bool {
        req.size <= self.seg_size
    }

    #[inline]
    fn hit(&mut self, s: &mut Store<u8>, slot: u32, _: &Request) {
        let seg = s.table.node(slot).meta as usize;
        let top = self.segs.len() - 1;
        if seg == top {
            self.segs[top].move_to_head(&mut s.table.nodes, slot);
            return;
        }
        self.move_to(s, slot, seg + 1);
        // The promoted object's segment may change while cooling (it is re-read each time).
        loop {
            let cur = s.table.node(slot).meta as usize;
            if self.segs[cur].bytes <= self.seg_size {
                break;
            }
            self.cool(s, cur);
        }
    }

    /// To the head of the lowest segment with room, else segment 0.
    #[inline]
    fn admit(&mut self, s: &mut Store<u8>, slot: u32, req: &Request) {
        let seg = self
            .segs
            .iter()
            .position(|l| l.bytes + req.size <= self.seg_size)
            .unwrap_or(0);
        s.table.node_mut(slot).meta = seg as u8;
        self.segs[seg].push_head(&mut s.table.nodes, slot);
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<u8>, slot: u32) {
        let seg = s.table.node(slot).meta as usize;
        self.segs[seg].unlink(&mut s.table.nodes, slot);
    }

    #[inline]
    fn victim(&mut self, _: &mut Store<u8>, _: &Request) -> u32 {
        self.lowest_tail()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;

    fn keys(c: &Slru, seg: usize) -> Vec<u64> {
        let t = &c.store().table;
        c.order().segs[seg].iter(&t.nodes).map(|s| t.node(s).key).collect()
    }

    #[test]
    fn warm_up_fills_higher_segments_and_hits_promote() {
        // C = 4, 2 segments of 2.
        let mut c = Slru::new(4, 2);
        // 1 2 fill segment 0; 3 4 find no room there and go to segment 1 (warm-up).
        assert_eq!(pattern(&mut c, &[1, 2, 3, 4]), "mmmm");
        assert_eq!((keys(&c, 0), keys(&c, 1)), (vec![2, 1], vec![4, 3]));
        // 1 hits: promoted to segment 1, which overflows, so its tail 3 is demoted to segment 0.
        assert_eq!(pattern(&mut c, &[1]), "H");
        assert_eq!((keys(&c, 0), keys(&c, 1)), (vec![3, 2], vec![1, 4]));
        // 5: the victim is segment 0's tail (2), and 5 goes to segment 0 where there is room.
        assert_eq!(pattern(&mut c, &[5]), "m");
        assert_eq!((keys(&c, 0), keys(&c, 1)), (vec![5, 3], vec![1, 4]));
        // 4 hits in the top segment: it moves to that segment's head.
        assert_eq!(pattern(&mut c, &[4]), "H");
        assert_eq!(keys(&c, 1), vec![4, 1]);
    }

    #[test]
    fn scan_only_churns_probation() {
        let mut c = build("slru:segments=2", 4);
        // 1 and 2 are each hit once, so they sit in the protected segment; a scan of 20 new keys
        // only cycles segment 0, and 1 and 2 still hit. LRU of the same size loses both.
        let mut ks = vec![1, 1, 2, 2];
        ks.extend(10..30);
        ks.extend([1, 2]);
        let p = pattern(&mut *c, &ks);
        assert!(p.ends_with("HH"), "{p}");
        let mut lru = build("lru", 4);
        assert!(pattern(&mut *lru, &ks).ends_with("mm"));
    }

    #[test]
    fn a_hit_can_evict_through_the_cascade() {
        // C = 40, 2 segments of 20 bytes.
        let mut c = Slru::new(40, 2);
        let r = |k, sz| Request::get(k, sz);
        // A and B (10 bytes each) go to segment 0, and their hits move them to segment 1 = [B A].
        for (k, sz) in [(1, 10), (2, 10), (1, 10), (2, 10)] {
            c.access(&r(k, sz));
        }
        assert_eq!((keys(&c, 0), keys(&c, 1)), (vec![], vec![2, 1]));
        // C (5) and D (15) fill segment 0: [D C].
        c.access(&r(3, 5));
        c.access(&r(4, 15));
        assert_eq!(keys(&c, 0), vec![4, 3]);
        // A hit on C: segment 1 becomes 25 bytes, so its tail A (10) is demoted; segment 0 now
        // holds D + A = 25 > 20, so its tail D is evicted. The hit cost D its place.
        assert!(c.access(&r(3, 5)));
        assert_eq!((keys(&c, 0), keys(&c, 1)), (vec![1], vec![3, 2]));
        assert!(!c.contains(4));
        assert_eq!(c.counters().evictions, 1);
        assert_eq!(c.used(), 25);
    }

    #[test]
    fn objects_larger_than_a_segment_are_rejected() {
        let mut c = Slru::new(100, 4);
        assert!(!c.access(&Request::get(1, 26)));
        assert!(!c.contains(1));
        assert!(!c.access(&Request::get(2, 25)));
        assert!(c.contains(2));
        assert!(crate::policy::PolicySpec::parse("slru:segments=0").is_err());
        assert!(crate::policy::PolicySpec::parse("slru:segments=17").is_err());
    }
}
