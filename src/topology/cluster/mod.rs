//! Key placement over the nodes of a cache cluster: which node of a sharded shared tier (a Redis
//! Cluster, a memcached pool behind a ketama client) holds a key, while every node is up and after
//! some have failed.
//!
//! One file per scheme behind [`Scheme`]; [`Placement`] keeps the nodes that are up and rebuilds
//! the scheme when that set changes (failures are rare events; lookups are the hot path). Numeric
//! keys (generated ids, hashed trace keys) are placed by a 64-bit mix of the id, except under
//! `redis-slots`, which hashes the key's decimal digits as Redis hashes a key string (see
//! [`redis_slots`]).

pub mod ketama;
pub mod modulo;
pub mod redis_slots;
pub mod rendezvous;

/// How keys are spread over the nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hashing {
    /// Consistent hashing on a ring with `vnodes` points per node (memcached clients' ketama).
    Ketama {
        /// Points per node on the ring.
        vnodes: u32,
    },
    /// The key's hash modulo the number of nodes up (a naive client).
    Modulo,
    /// Highest random weight: the node whose (key, node) hash is largest.
    Rendezvous,
    /// Redis Cluster: CRC16 of the key mod 16384 slots, in contiguous ranges per node.
    RedisSlots,
}

impl Hashing {
    /// The names accepted in a workload file.
    pub const NAMES: &'static str = "ketama, modulo, rendezvous, redis-slots";

    /// Parses a scheme name; `vnodes` applies to ketama.
    pub fn parse(name: &str, vnodes: u32) -> Option<Hashing> {
        Some(match name {
            "ketama" => Hashing::Ketama { vnodes },
            "modulo" => Hashing::Modulo,
            "rendezvous" => Hashing::Rendezvous,
            "redis-slots" => Hashing::RedisSlots,
            _ => return None,
        })
    }
}

/// A placement scheme built for one set of nodes that are up.
pub trait Scheme {
    /// The scheme for nodes `0..up.len()` of which those with `up[n]` hold keys (at least one).
    fn build(up: &[bool]) -> Self
    where
        Self: Sized;
    /// The node holding `key`.
    fn node_of(&self, key: u64) -> u32;
}

/// SplitMix64's finalizer: spreads ids (often sequential) over 64 bits (the generators' own
/// rank-to-key map).
#[inline]
pub fn mix(k: u64) -> u64 {
    crate::workload::popularity::scatter(k)
}

/// The key under which copy `j` of a split hot key is stored: copy 0 is the key itself, the others
/// a 64-bit mix of (key, j), so they land on nodes of their own by the hashing (like a client's
/// `key:j` suffixes, two copies may share a node).
#[inline]
pub fn split_key(key: u64, j: u32) -> u64 {
    if j == 0 {
        key
    } else {
        mix(key ^ 0x5350_4C49_5400_0000u64.wrapping_mul(u64::from(j)))
    }
}

/// The keys the `copies` copies of split hot `key` are stored under: copy 0 under the key itself,
/// the others under the first of [`split_key`]'s keys whose node holds no copy yet (with more
/// copies than nodes, every node holds one before any holds two).
pub fn split_copies(place: &Placement, key: u64, copies: u32) -> Vec<u64> {
    let nodes = place.nodes() as usize;
    let mut used = vec![0u32; nodes];
    let mut out = Vec::with_capacity(copies as usize);
    let mut cand = 0u32;
    while out.len() < copies as usize {
        let round = (out.len() / nodes) as u32;
        let k = split_key(key, cand);
        cand += 1;
        let n = place.node_of(k).unwrap_or(0) as usize;
        if used[n] == round {
            used[n] += 1;
            out.push(k);
        }
    }
    out
}

/// One scheme, chosen at run time.
enum Built {
    Ketama(ketama::Ketama),
    Modulo(modulo::Modulo),
    Rendezvous(rendezvous::Rendezvous),
    RedisSlots(redis_slots::RedisSlots),
}

/// The placement of keys over a cluster's nodes, following failures and recoveries.
pub struct Placement {
    hashing: Hashing,
    up: Vec<bool>,
    built: Built,
    /// Some node is up.
    any_up: bool,
}

/// Why a placement cannot be built or changed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlacementError {
    /// No nodes, or no points per node.
    #[error("a cluster needs at least one node (and ketama at least one vnode)")]
    Empty,
    /// A node number past the cluster.
    #[error("node {node} does not exist: the cluster has nodes 0 to {last}")]
    NoSuchNode {
        /// The node asked for.
        node: u32,
        /// The last node.
        last: u32,
    },
}

impl Placement {
    /// `nodes` nodes, all up.
    pub fn new(hashing: Hashing, nodes: u32) -> Result<Placement, PlacementError> {
        if nodes == 0 || matches!(hashing, Hashing::Ketama { vnodes: 0 }) {
            return Err(PlacementError::Empty);
        }
        let up = vec![true; nodes as usize];
        let built = Self::build(hashing, &up);
        Ok(Placement {
            hashing,
            up,
            built,
            any_up: true,
        })
    }

    fn build(hashing: Hashing, up: &[bool]) -> Built {
        match hashing {
            Hashing::Ketama { vnodes } => Built::Ketama(ketama::Ketama::with_vnodes(up, vnodes)),
            Hashing::Modulo => Built::Modulo(modulo::Modulo::build(up)),
            Hashing::Rendezvous => Built::Rendezvous(rendezvous::Rendezvous::build(up)),
            Hashing::RedisSlots => Built::RedisSlots(redis_slots::RedisSlots::build(up)),
        }
    }

    /// The number of nodes (up or not).
    pub fn nodes(&self) -> u32 {
        self.up.len() as u32
    }

    /// Whether `node` holds keys now.
    pub fn is_up(&self, node: u32) -> bool {
        self.up.get(node as usize).copied().unwrap_or(false)
    }

    /// The node holding `key`; when every node is down, `None`.
    #[inline]
    pub fn node_of(&self, key: u64) -> Option<u32> {
        if !self.any_up {
            return None;
        }
        Some(match &self.built {
            Built::Ketama(s) => s.node_of(key),
            Built::Modulo(s) => s.node_of(key),
            Built::Rendezvous(s) => s.node_of(key),
            Built::RedisSlots(s) => s.node_of(key),
        })
    }

    /// Marks `node` down (`false`) or back up (`true`) and rebuilds the placement: under
    /// ketama, rendezvous and redis-slots only the keys of the node that changed move.
    pub fn set_up(&mut self, node: u32, up: bool) -> Result<(), PlacementError> {
        let n = self.up.len() as u32;
        if node >= n {
            return Err(PlacementError::NoSuchNode { node, last: n - 1 });
        }
        if self.up[node as usize] != up {
            self.up[node as usize] = up;
            self.any_up = self.up.iter().any(|&u| u);
            if self.any_up {
                self.built = Self::build(self.hashing, &self.up);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(p: &Placement, keys: u64) -> Vec<f64> {
        let mut c = vec![0u64; p.nodes() as usize];
        for k in 0..keys {
            c[p.node_of(k).unwrap() as usize] += 1;
        }
        c.iter().map(|&x| x as f64 / keys as f64).collect()
    }

    fn moved(a: &Placement, b: &Placement, keys: u64) -> f64 {
        (0..keys).filter(|&k| a.node_of(k) != b.node_of(k)).count() as f64 / keys as f64
    }

    const ALL: [Hashing; 4] = [
        Hashing::Ketama { vnodes: 160 },
        Hashing::Modulo,
        Hashing::Rendezvous,
        Hashing::RedisSlots,
    ];

    #[test]
    fn every_scheme_spreads_uniform_keys_evenly() {
        // 200,000 keys on 6 nodes: sampling alone spreads a share by sd sqrt(p(1-p)/K) = 0.0008.
        // Ketama's arcs add sd about 1/(N sqrt(V)) = 0.013 at V = 160; the others place each key
        // independently (redis-slots: 2730 or 2731 slots per node).
        for h in ALL {
            let p = Placement::new(h, 6).unwrap();
            let bound = match h {
                Hashing::Ketama { vnodes } => 4.0 / (6.0 * (vnodes as f64).sqrt()),
                _ => 0.005,
            };
            for (n, s) in shares(&p, 200_000).iter().enumerate() {
                assert!((s - 1.0 / 6.0).abs() < bound, "{h:?}: node {n} holds {s}");
            }
        }
    }

    #[test]
    fn a_failure_moves_the_failed_nodes_keys_only_except_under_modulo() {
        let keys = 100_000;
        for h in ALL {
            let all = Placement::new(h, 8).unwrap();
            let mut one_down = Placement::new(h, 8).unwrap();
            one_down.set_up(3, false).unwrap();
            let m = moved(&all, &one_down, keys);
            for k in 0..keys {
                assert_ne!(one_down.node_of(k), Some(3), "{h:?}: a key on the failed node");
            }
            if h == Hashing::Modulo {
                // (N - 1) / N of the keys change node when N becomes N - 1.
                assert!((m - 7.0 / 8.0).abs() < 0.01, "{h:?}: moved {m}");
            } else {
                // Exactly the failed node's keys move (about 1/N), and only they.
                for k in 0..keys {
                    if all.node_of(k) != Some(3) {
                        assert_eq!(all.node_of(k), one_down.node_of(k), "{h:?}: key {k} moved");
                    }
                }
                assert!((m - 1.0 / 8.0).abs() < 0.03, "{h:?}: moved {m}");
            }
            // Recovery restores the original placement.
            one_down.set_up(3, true).unwrap();
            assert_eq!(moved(&all, &one_down, keys), 0.0, "{h:?}");
        }
    }

    #[test]
    fn bad_nodes_are_errors_not_panics() {
        assert_eq!(Placement::new(Hashing::Modulo, 0).err(), Some(PlacementError::Empty));
        assert_eq!(
            Placement::new(Hashing::Ketama { vnodes: 0 }, 3).err(),
            Some(PlacementError::Empty)
        );
        let mut p = Placement::new(Hashing::Rendezvous, 3).unwrap();
        assert_eq!(p.set_up(3, false), Err(PlacementError::NoSuchNode { node: 3, last: 2 }));
        // Every node down: no node holds anything.
        for n in 0..3 {
            p.set_up(n, false).unwrap();
        }
        assert_eq!(p.node_of(1), None);
        p.set_up(1, true).unwrap();
        assert_eq!(p.node_of(12345), Some(1));
    }

    #[test]
    fn one_node_holds_everything() {
        for h in ALL {
            let p = Placement::new(h, 1).unwrap();
            assert!((0..1000).all(|k| p.node_of(k) == Some(0)), "{h:?}");
        }
    }
}
