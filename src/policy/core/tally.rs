//! What every cache counts, kept in one place: capacity, occupancy (bytes and objects), evictions
//! and expirations, and, opt-in, the keys it evicted.

/// Evictions and expirations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Objects evicted to make room.
    pub evictions: u64,
    /// Objects found expired (and removed).
    pub expirations: u64,
}

/// A cache's capacity, occupancy and counters, and the sink of evicted keys (off unless switched
/// on: the discrete-event engine needs them, e.g. to write back dirty entries; plain replays pay
/// nothing).
///
/// A policy reports here every object that enters or leaves its resident set ([`Tally::added`],
/// [`Tally::removed`], [`Tally::evicted`], [`Tally::expired`]); ghost entries are not counted.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    capacity: u64,
    used: u64,
    /// The most `used` has been.
    peak: u64,
    len: usize,
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

    /// Bytes (or objects) cached.
    #[inline]
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Objects cached.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is cached.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `size` more would not fit.
    #[inline]
    pub fn over(&self, size: u64) -> bool {
        self.used + size > self.capacity
    }

    /// The counters.
    #[inline]
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// An object of `size` entered the cache.
    #[inline]
    pub fn added(&mut self, size: u64) {
        self.used += size;
        debug_assert!(
            self.used <= self.capacity,
            "occupancy {} past capacity {}",
            self.used,
            self.capacity
        );
        self.peak = self.peak.max(self.used);
        self.len += 1;
    }

    /// An object of `size` entered the cache before room was made for it (admit-first orders):
    /// the caller evicts down to capacity and then calls [`Tally::settle`].
    #[inline]
    pub fn added_over(&mut self, size: u64) {
        self.used += size;
        self.len += 1;
    }

    /// Notes the occupancy after an [`Tally::added_over`] and its evictions.
    #[inline]
    pub fn settle(&mut self) {
        self.peak = self.peak.max(self.used);
    }

    /// The most bytes (objects) held at once so far.
    #[inline]
    pub fn peak(&self) -> u64 {
        self.peak
    }

    /// An object of `size` left the cache without being counted (a delete, an invalidation).
    #[inline]
    pub fn removed(&mut self, size: u64) {
        self.used -= size;
        self.len -= 1;
    }

    /// The object `key` of `size` was evicted (dropped, or kept as a ghost).
    #[inline]
    pub fn evicted(&mut self, key: u64, size: u64) {
        self.removed(size);
        self.counters.evictions += 1;
        if let Some(sink) = &mut self.sink {
            sink.push(key);
        }
    }

    /// An object of `size` was found expired and removed.
    #[inline]
    pub fn expired(&mut self, size: u64) {
        self.removed(size);
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
    fn occupancy_counters_and_sink() {
        let mut t = Tally::new(10);
        t.added(4);
        t.added(5);
        assert!(!t.over(1) && t.over(2));
        t.evicted(7, 4);
        let mut out = Vec::new();
        t.drain_evicted(&mut out);
        assert!(out.is_empty(), "recording is off by default");
        t.record_evictions(true);
        t.added(3);
        t.evicted(8, 3);
        t.expired(5);
        t.count_expiration();
        t.drain_evicted(&mut out);
        assert_eq!(out, vec![8]);
        t.drain_evicted(&mut out);
        assert_eq!(out, vec![8], "drained once");
        assert_eq!((t.used(), t.len(), t.capacity()), (0, 0, 10));
        assert_eq!(
            t.counters(),
            Counters {
                evictions: 2,
                expirations: 2
            }
        );
    }
}
