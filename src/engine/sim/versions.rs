//! Staleness: the latest version acknowledged to a writer for each key, each read checked against
//! it, and the compaction that forgets the versions of keys neither cached nor in flight.

use super::Sim;

/// The version maps are not compacted below this many entries.
pub(super) const COMPACT_MIN: usize = 1 << 16;

impl Sim {
    /// Records that a client read obtained `version` of `key` now.
    #[inline]
    pub(super) fn observe(&mut self, key: u64, version: u64) {
        if !self.acked.is_empty() && version < self.acked.get(&key).copied().unwrap_or(0) {
            self.c.stale_reads += 1;
        }
    }

    /// Forgets the versions of keys that are neither cached nor in flight, so that memory follows
    /// the cache and the requests in flight, not the number of distinct keys ever written. Runs
    /// when the version maps reach twice what the last pass kept (amortised constant time).
    pub(super) fn compact_versions(&mut self) {
        let mut busy = rustc_hash::FxHashSet::default();
        for t in self.tasks.iter().filter(|t| t.active) {
            busy.insert(t.req.key);
        }
        self.backend.keys_in_flight(&mut busy);
        if let Some(r) = &self.remote {
            r.busy_keys(&mut busy);
        }
        for batch in self.deferred.iter().flatten() {
            busy.extend(batch.iter().map(|e| e.key));
        }
        let caches = &self.caches;
        let keep = |k: u64| busy.contains(&k) || caches.iter().any(|c| c.peek(k).is_some());
        self.acked.retain(|k, _| keep(*k));
        self.backend.retain_versions(keep);
        let left = self.acked.len() + self.backend.versions_len();
        self.compact_at = (2 * left).max(self.compact_min);
    }
}
