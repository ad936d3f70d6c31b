//! Consistent hashing on a ring (Karger et al., STOC 1997), as memcached clients' ketama does it:
//! each node puts `vnodes` points on a 64-bit ring and a key belongs to the first point at or
//! after its hash, wrapping around. A node's points depend on the node alone, so when it fails
//! only its keys move (to the next points), and when it returns they come back.
//!
//! Points come from a 64-bit mix of (node, point number), not libmemcached's MD5 of
//! "host:port-i": the spread is the same in distribution (each node's share has a relative
//! spread of about 1/sqrt(vnodes)), but the exact arcs of a given client library are not
//! reproduced.

use super::{mix, Scheme};

/// Salt of key hashes, so that a key id and a point id never hash alike.
const KEY_SALT: u64 = 0x6B65_7461_6D61_0001;

/// The ring: points in increasing order, each with its node, and where each of the ring's
/// 2^16 equal arcs starts among the points (so a lookup searches a few points, not
/// all of them: 160 vnodes x 1,000 nodes is 160,000 points).
pub struct Ketama {
    points: Vec<u64>,
    owners: Vec<u32>,
    /// `first[b]`: the first point at or after arc b's start; `first[2^BUCKET_BITS]` = points.
    first: Vec<u32>,
}

/// Arcs of the lookup index: the top bits of a hash.
const BUCKET_BITS: u32 = 16;

impl Ketama {
    /// The ring of the nodes that are up, `vnodes` points each.
    pub fn with_vnodes(up: &[bool], vnodes: u32) -> Ketama {
        let mut ring: Vec<(u64, u32)> = Vec::with_capacity(up.len() * vnodes as usize);
        for (n, _) in up.iter().enumerate().filter(|(_, &u)| u) {
            let base = mix((n as u64) << 32 | 0x6E6F_6465);
            for i in 0..vnodes {
                ring.push((mix(base ^ u64::from(i)), n as u32));
            }
        }
        // Equal points (vanishingly rare) go to the lower node: the order stays deterministic.
        ring.sort_unstable();
        let points: Vec<u64> = ring.iter().map(|p| p.0).collect();
        let buckets = 1usize << BUCKET_BITS;
        let mut first = Vec::with_capacity(buckets + 1);
        let mut i = 0usize;
        for b in 0..buckets {
            let start = (b as u64) << (64 - BUCKET_BITS);
            while i < points.len() && points[i] < start {
                i += 1;
            }
            first.push(i as u32);
        }
        first.push(points.len() as u32);
        Ketama {
            points,
            owners: ring.iter().map(|p| p.1).collect(),
            first,
        }
    }
}

impl Scheme for Ketama {
    fn build(up: &[bool]) -> Self {
        Ketama::with_vnodes(up, 160)
    }

    #[inline]
    fn node_of(&self, key: u64) -> u32 {
        let h = mix(key ^ KEY_SALT);
        // The first point >= h is in h's arc, or it is the first point of a later arc.
        let b = (h >> (64 - BUCKET_BITS)) as usize;
        let (lo, hi) = (self.first[b] as usize, self.first[b + 1] as usize);
        let i = lo + self.points[lo..hi].partition_point(|&p| p < h);
        self.owners[if i == self.points.len() { 0 } else { i }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_goes_to_the_first_point_at_or_after_its_hash() {
        for (nodes, vnodes) in [(3usize, 4u32), (50, 200)] {
            check_against_brute_force(nodes, vnodes);
        }
    }

    fn check_against_brute_force(nodes: usize, vnodes: u32) {
        let r = Ketama::with_vnodes(&vec![true; nodes], vnodes);
        assert_eq!(r.points.len(), nodes * vnodes as usize);
        assert!(r.points.windows(2).all(|w| w[0] <= w[1]));
        // Keys whose hashes fall before the first point and after the last wrap around.
        for key in 0..3000u64 {
            let h = mix(key ^ KEY_SALT);
            // Brute force: the smallest point >= h, else the smallest point.
            let (mut best, mut owner) = (None, 0);
            for (p, o) in r.points.iter().zip(&r.owners) {
                if *p >= h && best.is_none_or(|b| *p < b) {
                    best = Some(*p);
                    owner = *o;
                }
            }
            if best.is_none() {
                owner = r.owners[0];
            }
            assert_eq!(r.node_of(key), owner, "key {key}");
        }
    }
}
