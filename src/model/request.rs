//! One request of a trace or a synthetic stream, as every policy and the engine see it.

use serde::{Deserialize, Serialize};

/// Marks "no next access": the object is never requested again (or the future is unknown).
pub const NEVER: u64 = u64::MAX;

/// Nanoseconds per second, the unit of every simulated time.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// The size of a cached "not found" entry and of an absent read ([`Request::absent`]): a key and a
/// marker, like a small memcached item. 1 object when sizes are ignored.
pub const NEGATIVE_ENTRY_BYTES: u64 = 64;

/// What a request does to its key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// A read (get). In plain replay every read and write is an access, as in libCacheSim.
    #[default]
    Read,
    /// A write (set/update).
    Write,
    /// A delete: the key is removed from the cache; it counts as neither hit nor miss.
    Delete,
}

/// A request. Times are integer nanoseconds; sizes are bytes (or 1 when sizes are ignored).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// Arrival time in nanoseconds.
    pub time: u64,
    /// Object identifier (string keys are hashed to 64 bits).
    pub key: u64,
    /// Object size in bytes.
    pub size: u64,
    /// Read, write or delete.
    pub op: Op,
    /// Time to live in nanoseconds from insertion; 0 means no expiry.
    pub ttl: u64,
    /// 1-based position of the next request to the same key, [`NEVER`] if none.
    pub next_access: u64,
    /// A read of a key the backend does not have (`[workload] absent_ratio`): the backend answers
    /// not-found.
    pub absent: bool,
    /// The application instance that sent it, from a trace's instance column
    /// (`[topology] routing = "trace"`); 0 otherwise.
    pub instance: u32,
}

impl Request {
    /// A read of `key` with `size` bytes at time 0, no TTL, unknown future.
    pub fn get(key: u64, size: u64) -> Self {
        Request {
            time: 0,
            key,
            size,
            op: Op::Read,
            ttl: 0,
            next_access: NEVER,
            absent: false,
            instance: 0,
        }
    }

    /// The absolute expiry time of an object inserted by this request (0 = never).
    #[inline]
    pub fn expiry(&self) -> u64 {
        self.expiry_at(self.time)
    }

    /// The absolute expiry time of this request's object if it is stored at `now` (0 = never).
    #[inline]
    pub fn expiry_at(&self, now: u64) -> u64 {
        if self.ttl == 0 {
            0
        } else {
            now.saturating_add(self.ttl).max(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_fits_in_the_padding() {
        // 5 u64 fields and a one-byte Op: 48 bytes before `absent` and `instance` were added, and
        // still 48.
        assert_eq!(std::mem::size_of::<Request>(), 48);
    }
}
