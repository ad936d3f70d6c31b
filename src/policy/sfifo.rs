//! Segmented FIFO (libCacheSim's `SFIFO`): `segments` FIFO queues of capacity / segments each,
//! the lowest first to be evicted.
//!
//! - A new object goes to the head of the lowest segment with room for it; when none has room, to
//!   segment 0 (which may then exceed its share until objects move up or out). Objects larger
//!   than one segment are not cached.
//! - A hit moves the object to the head of the next segment up (the top segment's objects stay
//!   where they are). While that segment is over its share, its tail moves down to the head of
//!   the segment below, cascading; what leaves segment 0 is evicted. So a hit can evict.
//! - The victim is the tail of the lowest non-empty segment.

use super::core::list::List;
use super::core::resident::{Ordering, Resident, Store};
use super::{BuildCtx, Caps, ParamInfo, Params, Policy, PolicyInfo};
use crate::model::request::Request;

/// Registry entry.
pub const INFO: PolicyInfo = PolicyInfo {
    name: "sfifo",
    aliases: &["segmented-fifo"],
    summary:
        "Segmented FIFO: hits move objects up a stack of FIFO segments; the lowest is evicted (libCacheSim's SFIFO).",
    params: &[ParamInfo {
        name: "segments",
        default: "4",
        help: "number of equal FIFO segments, 1 to 64",
    }],
    build,
    caps: Caps::NONE,
};

fn build(p: &Params, ctx: &BuildCtx) -> Result<Box<dyn Policy>, String> {
    let n: u8 = p.get("segments", ("an integer from 1 to 64", |n: &u8| (1..=64).contains(n)))?;
    Ok(Box::new(Sfifo::new(ctx.capacity, n)))
}

/// The segmented FIFO cache.
pub type Sfifo = Resident<SfifoOrder>;

impl Sfifo {
    /// An empty cache of `segments` segments of capacity / segments (rounded down) each.
    pub fn new(capacity: u64, segments: u8) -> Self {
        Resident::with_order(
            capacity,
            SfifoOrder {
                segs: vec![List::default(); segments as usize],
                per_seg: capacity / u64::from(segments),
            },
        )
    }
}

/// The segments, 0 the lowest (node meta: the segment).
pub struct SfifoOrder {
    segs: Vec<List>,
    per_seg: u64,
}

impl SfifoOrder {
    /// The tail of the lowest non-empty segment.
    fn lowest_tail(&self) -> u32 {
        self.segs
            .iter()
            .find(|l| !l.is_empty())
            .map_or(super::core::table::NIL, |l| l.tail)
    }

    /// Moves `slot` to the head of segment `to`.
    fn move_to(&mut self, s: &mut Store<u8>, slot: u32, to: u8) {
        let from = s.table.node(slot).meta;
        self.segs[from as usize].unlink(&mut s.table.nodes, slot);
        self.segs[to as usize].push_head(&mut s.table.nodes, slot);
        s.table.node_mut(slot).meta = to;
    }

    /// Segment `id` is over its share: its tail moves down a segment (cascading), or, from
    /// segment 0, the lowest tail is evicted.
    fn cool(&mut self, s: &mut Store<u8>, id: u8) {
        if id == 0 {
            let v = self.lowest_tail();
            self.unlink(s, v);
            s.evict(v);
            return;
        }
        let t = self.segs[id as usize].tail;
        self.move_to(s, t, id - 1);
        while self.segs[id as usize - 1].bytes > self.per_seg {
            self.cool(s, id - 1);
        }
    }
}

impl Ordering for SfifoOrder {
    type Meta = u8;

    #[inline]
    fn admits(&self, req: &Request) -> bool {
        req.size <= self.per_seg
    }

    fn hit(&mut self, s: &mut Store<u8>, slot: u32, _: &Request) {
        let seg = s.table.node(slot).meta;
        if (seg as usize) < self.segs.len() - 1 {
            self.move_to(s, slot, seg + 1);
        }
        loop {
            let seg = s.table.node(slot).meta;
            if self.segs[seg as usize].bytes <= self.per_seg {
                break;
            }
            self.cool(s, seg);
        }
    }

    fn admit(&mut self, s: &mut Store<u8>, slot: u32, req: &Request) {
        let seg = self
            .segs
            .iter()
            .position(|l| l.bytes + req.size <= self.per_seg)
            .unwrap_or(0);
        self.segs[seg].push_head(&mut s.table.nodes, slot);
        s.table.node_mut(slot).meta = seg as u8;
    }

    #[inline]
    fn unlink(&mut self, s: &mut Store<u8>, slot: u32) {
        let seg = s.table.node(slot).meta;
        self.segs[seg as usize].unlink(&mut s.table.nodes, slot);
    }

    #[inline]
    fn victim(&mut self, _: &mut Store<u8>, _: &Request) -> u32 {
        self.lowest_tail()
    }

    #[inline]
    fn next_victim(&self) -> u32 {
        self.lowest_tail()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{build, pattern};
    use super::*;

    fn segs(c: &Sfifo) -> Vec<Vec<u64>> {
        let t = &c.store().table;
        c.order()
            .segs
            .iter()
            .map(|l| l.iter(&t.nodes).map(|s| t.node(s).key).collect())
            .collect()
    }

    #[test]
    fn hits_climb_and_overflow_cascades_down() {
        // Capacity 4, two segments of 2. 1 2 fill segment 0, 3 4 segment 1 (the lowest with room).
        let mut c = Sfifo::new(4, 2);
        assert_eq!(pattern(&mut c, &[1, 2, 3, 4]), "mmmm");
        assert_eq!(segs(&c), vec![vec![2, 1], vec![4, 3]]);
        // A hit on 1 moves it up: segment 1 holds 3 > 2, so its tail 3 moves down to segment 0.
        assert_eq!(pattern(&mut c, &[1]), "H");
        assert_eq!(segs(&c), vec![vec![3, 2], vec![1, 4]]);
        // 5 evicts the lowest tail (2) and enters segment 0.
        assert_eq!(pattern(&mut c, &[5, 2]), "mm");
        assert!(!c.contains(3), "2's return evicted 3");
        assert_eq!(segs(&c), vec![vec![2, 5], vec![1, 4]]);
        // Hits in the top segment change nothing.
        assert_eq!(pattern(&mut c, &[1, 4]), "HH");
        assert_eq!(segs(&c), vec![vec![2, 5], vec![1, 4]]);
    }

    #[test]
    fn a_hit_can_evict() {
        // Capacity 4, four segments of 1. Fill 1..=4 (one per segment, 1 lowest). Force segment 0
        // over: 5 enters only after evicting 1 (the lowest tail), into segment 0 again.
        let mut c = Sfifo::new(4, 4);
        assert_eq!(pattern(&mut c, &[1, 2, 3, 4, 5]), "mmmmm");
        assert_eq!(segs(&c), vec![vec![5], vec![2], vec![3], vec![4]]);
        // A hit on 5 moves it to segment 1, which overflows: 2 moves down to 0 (fits).
        assert_eq!(pattern(&mut c, &[5]), "H");
        assert_eq!(segs(&c), vec![vec![2], vec![5], vec![3], vec![4]]);
        assert_eq!(c.used(), 4);
    }

    #[test]
    fn edge_cases() {
        // Objects larger than a segment are not cached; zero capacity caches nothing.
        let mut c = build("sfifo", 8);
        assert!(!c.access(&Request::get(1, 3)));
        assert!(!c.contains(1));
        assert!(!c.access(&Request::get(2, 2)));
        assert!(c.contains(2));
        let mut z = build("sfifo", 0);
        assert_eq!(pattern(&mut *z, &[1, 1]), "mm");
        for bad in ["sfifo:segments=0", "sfifo:segments=65", "sfifo:segments=x"] {
            let e = super::super::PolicySpec::parse(bad).unwrap_err();
            assert!(e.contains("segments") && e.contains("1 to 64"), "{e}");
        }
    }
}
