//! Modulo placement: the key's hash modulo the number of nodes that are up, over the list of
//! those nodes, as a naive client does. When one of N nodes fails, about (N - 1)/N of all keys
//! change node: the miss storm consistent hashing avoids.

use super::{mix, Scheme};

/// The nodes that are up, in order.
pub struct Modulo {
    live: Vec<u32>,
}

impl Scheme for Modulo {
    fn build(up: &[bool]) -> Self {
        Modulo {
            live: (0..up.len() as u32).filter(|&n| up[n as usize]).collect(),
        }
    }

    #[inline]
    fn node_of(&self, key: u64) -> u32 {
        self.live[(mix(key) % self.live.len() as u64) as usize]
    }
}
