//! Rendezvous (highest random weight) hashing (Thaler and Ravishankar, 1998): a key belongs to
//! the node whose hash of (key, node) is largest. When a node fails only its keys move, each to
//! its own second choice, so they spread evenly over the others. A lookup hashes the key once per
//! node that is up: O(nodes).

use super::{mix, Scheme};

/// The seeds of the nodes that are up.
pub struct Rendezvous {
    nodes: Vec<(u64, u32)>,
}

impl Scheme for Rendezvous {
    fn build(up: &[bool]) -> Self {
        Rendezvous {
            nodes: (0..up.len() as u32)
                .filter(|&n| up[n as usize])
                .map(|n| (mix(u64::from(n) ^ 0x7265_6E64_657A_0000), n))
                .collect(),
        }
    }

    #[inline]
    fn node_of(&self, key: u64) -> u32 {
        let k = mix(key);
        let mut best = (0u64, self.nodes[0].1);
        for &(seed, n) in &self.nodes {
            let w = mix(k ^ seed);
            // Ties (vanishingly rare) go to the lower node, whatever the order.
            if w > best.0 || (w == best.0 && n < best.1) {
                best = (w, n);
            }
        }
        best.1
    }
}
