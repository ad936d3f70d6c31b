//! What every cache counts, kept in one place: its capacity, evictions and expirations, and,
//! opt-in, the keys it evicted. (Occupancy is the policy's: the resident container tracks it, and
//! policies with ghosts sum their resident lists.)

/// Evictions and expirations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Objects evicted to make room.
    pub evictions: u64,
    /// Objects found expired (and removed).
    pub expirations: u64,
}

/// A cache's capacity and counters, and the sink of evicted keys (off unless switched on: the
/// discrete-event engine needs them, e.g. to write back dirty entries; plain replays pay nothing).
#[derive(Clone, Debug, Default)]
pub struct Tally {
    capacity: u64,
    counters: Counters,
    sink: Option<Vec<u64>>,
}

impl Tally {
    /// Nothing cached, room for `capacity` bytes (or objects).
    pub fn new(capacity: u64) -> Self {
        Tally {
            capacity,
            ..Tally::default()
        }
    }

    /// The capacity.
    #[inline]
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The counters.
    #[inline]
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// The object `key` was evicted.
    #[inline]
    pub fn evicted(&mut self, key: u64) {
        self.counters.evictions += 1;
        if let Some(sink) = &mut self.sink {
            sink.push(key);
        }
    }

    /// An object was found expired (and removed).
    #[inline]
    pub fn expired(&mut self) {
        self.counters.expirations += 1;
    }

    /// Counts an expiration noticed outside the policy (the object was removed with `remove`).
    pub fn count_expiration(&mut self) {
        self.counters.expirations += 1;
    }

    /// Switches recording of evicted keys on or off.
    pub fn record_evictions(&mut self, on: bool) {
        self.sink = on.then(Vec::new);
    }

    /// Moves the keys evicted since the last call into `out` (nothing when recording is off).
    pub fn drain_evicted(&mut self, out: &mut Vec<u64>) {
        if let Some(sink) = &mut self.sink {
            out.append(sink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_sink() {
        let mut t = Tally::new(10);
        assert_eq!(t.capacity(), 10);
        t.evicted(7);
        let mut out = Vec::new();
        t.drain_evicted(&mut out);
        assert!(out.is_empty(), "recording is off by default");
        t.record_evictions(true);
        t.evicted(8);
        t.expired();
        t.count_expiration();
        t.drain_evicted(&mut out);
        assert_eq!(out, vec![8]);
        t.drain_evicted(&mut out);
        assert_eq!(out, vec![8], "drained once");
        assert_eq!(
            t.counters(),
            Counters {
                evictions: 2,
                expirations: 2
            }
        );
    }
}
