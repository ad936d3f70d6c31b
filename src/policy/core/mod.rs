//! The structures policies are built from: the object [`table`] with its [`list`]s, the
//! [`resident`] container that order-only policies plug an ordering into, the [`tally`] of
//! occupancy and counters, a [`slab`], a [`dense`] array for sampling, named [`queues`] over one
//! table, the [`freq`]uency-bucket
//! list, and the [`MissGuard`] that checks the get -> insert contract in debug builds.

pub mod buckets;
pub mod dense;
pub mod freq;
pub mod list;
pub mod queues;
pub mod resident;
pub mod slab;
pub mod table;
pub mod tally;

/// Checks, in debug builds, the contract of [`crate::policy::Policy::insert`] for policies that
/// keep state between a lookup that missed and the insert that follows (ARC's and LIRS's ghost
/// hits, S3-FIFO's ghost, ...): the insert must follow the missed `get` of the same key, with no
/// other call between. Zero-sized in release builds.
#[derive(Clone, Copy, Debug, Default)]
pub struct MissGuard {
    #[cfg(debug_assertions)]
    last_miss: Option<u64>,
}

impl MissGuard {
    /// A `get` of `key` returned `hit`.
    #[inline]
    pub fn looked_up(&mut self, key: u64, hit: bool) {
        #[cfg(debug_assertions)]
        {
            self.last_miss = (!hit).then_some(key);
        }
        let _ = (key, hit);
    }

    /// Any other call that changes the cache (a remove).
    #[inline]
    pub fn reset(&mut self) {
        #[cfg(debug_assertions)]
        {
            self.last_miss = None;
        }
    }

    /// An insert of `key`: asserts it follows its missed get.
    #[inline]
    pub fn inserting(&mut self, key: u64) {
        #[cfg(debug_assertions)]
        {
            let last = self.last_miss.take();
            debug_assert_eq!(
                last,
                Some(key),
                "insert of key {key} without a missed get of it just before"
            );
        }
        let _ = key;
    }
}
