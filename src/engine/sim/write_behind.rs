//! Write-behind: the dirty count and the order keys became dirty, writes coalesced into an entry
//! already dirty, the periodic and the batch-size flushes, the write-back of dirty entries that
//! leave the cache (evicted, expired, deleted), batches deferred while the backend is down, and the
//! writes a crash loses.

use super::{Ev, Sim};
use crate::engine::backend::{BatchEntry, Owner};
use crate::engine::cache::Writeback;

impl Sim {
    /// Write-behind's cache set for write `id`: the value, one version past any acknowledged or
    /// committed, is stored dirty (or coalesced into the dirty value already there).
    pub(super) fn store_dirty(&mut self, id: u32) {
        let t = self.tasks[id as usize];
        let key = t.req.key;
        let v = self
            .acked
            .get(&key)
            .copied()
            .unwrap_or(0)
            .max(self.backend.version(key))
            + 1;
        self.tasks[id as usize].version = v;
        let was_dirty = self.caches[0].peek(key).is_some_and(|m| m.dirty > 0);
        if was_dirty {
            self.c.write_behind.coalesced_writes += 1;
        } else {
            self.dirty += 1;
            self.dirty_queue.push_back(key);
        }
        self.caches[0].store(self.now, &t.req, v, false, 0, 1);
    }

    /// Dirty entries that left the cache are written to the backend first.
    pub(super) fn process_writebacks(&mut self) {
        if self.writebacks.is_empty() {
            self.caches[0].take_writebacks(&mut self.writebacks);
            if self.writebacks.is_empty() {
                return;
            }
        }
        let wbs = std::mem::take(&mut self.writebacks);
        for w in &wbs {
            self.dirty -= 1;
            self.send(
                Owner::Flush,
                true,
                w.key,
                vec![BatchEntry {
                    key: w.key,
                    version: w.version,
                }],
            );
        }
        self.writebacks = wbs;
        self.writebacks.clear();
    }

    /// Sends up to `batch_size` dirty keys to the backend as one batch.
    pub(super) fn flush_batch(&mut self) {
        let n = self.cfg.write_behind.map_or(0, |w| w.batch_size);
        let mut batch = Vec::new();
        while (batch.len() as u64) < n {
            let Some(key) = self.dirty_queue.pop_front() else { break };
            if let Some(m) = self.caches[0].meta_mut(key) {
                if m.dirty > 0 {
                    m.dirty = 0;
                    self.dirty -= 1;
                    batch.push(BatchEntry {
                        key,
                        version: m.version,
                    });
                }
            }
        }
        if batch.is_empty() {
            self.dirty = 0;
            return;
        }
        self.c.write_behind.flushes += 1;
        self.send(Owner::Flush, true, batch[0].key, batch);
    }

    /// The periodic flush: sends every dirty entry, then schedules the next flush unless the
    /// arrivals are over.
    pub(super) fn on_flush(&mut self) {
        while self.dirty > 0 {
            self.flush_batch();
        }
        if !self.arrivals_done {
            let wb = self.cfg.write_behind.expect("flush events only with write-behind");
            self.push(self.now + wb.flush_interval, Ev::Flush);
        }
    }

    /// A background write of `key` (or of `batch`, if not empty) found the backend down: it waits
    /// in a slot of `deferred` until `until`, when [`Ev::Resend`] sends it again.
    pub(super) fn defer(&mut self, until: u64, key: u64, batch: Vec<BatchEntry>) {
        let batch = if batch.is_empty() {
            vec![BatchEntry { key, version: 0 }]
        } else {
            batch
        };
        let i = match self.deferred_free.pop() {
            Some(i) => {
                self.deferred[i as usize] = Some(batch);
                i
            }
            None => {
                self.deferred.push(Some(batch));
                (self.deferred.len() - 1) as u32
            }
        };
        self.push(until, Ev::Resend(i));
    }

    /// Sends the batch deferred in slot `i` again.
    pub(super) fn resend(&mut self, i: u32) {
        if let Some(batch) = self.deferred[i as usize].take() {
            self.deferred_free.push(i);
            self.send(Owner::Flush, true, batch[0].key, batch);
        }
    }

    /// The cache crashed holding the unflushed writes `lost`: they are counted lost, and nothing
    /// is dirty any more.
    pub(super) fn lose_dirty(&mut self, lost: &[Writeback]) {
        self.c.write_behind.lost_writes += lost.iter().map(|w| w.writes as u64).sum::<u64>();
        self.dirty = 0;
        self.dirty_queue.clear();
    }

    /// The cache restarted holding the unflushed writes `dirty`: nothing is dirty any more, and
    /// they go to the backend as one batch.
    pub(super) fn flush_on_restart(&mut self, dirty: &[Writeback]) {
        self.dirty = 0;
        self.dirty_queue.clear();
        if !dirty.is_empty() {
            self.c.write_behind.flushes += 1;
            let batch: Vec<BatchEntry> = dirty
                .iter()
                .map(|w| BatchEntry {
                    key: w.key,
                    version: w.version,
                })
                .collect();
            self.send(Owner::Flush, true, batch[0].key, batch);
        }
    }
}
