//! The write side of the engine: invalidate, write-through, write-around and write-behind (dirty
//! entries, coalescing, batched flushes, and the write-back of dirty entries that leave the cache).

use super::{Owner, Sim};
use crate::engine::backend::BatchEntry;
use crate::schema::engine::WritePattern;

impl Sim {
    pub(super) fn on_write_cache(&mut self, id: u32) {
        let t = self.tasks[id as usize];
        let key = t.req.key;
        match self.cfg.write {
            WritePattern::Invalidate => {
                self.cache.delete(key);
            }
            WritePattern::WriteThrough => {
                self.cache.store(self.now, &t.req, t.version, false, 0, 0);
            }
            WritePattern::WriteBehind => {
                let v = self
                    .acked
                    .get(&key)
                    .copied()
                    .unwrap_or(0)
                    .max(self.backend.version(key))
                    + 1;
                self.tasks[id as usize].version = v;
                let was_dirty = self.cache.peek(key).is_some_and(|m| m.dirty > 0);
                if was_dirty {
                    self.c.write_behind.coalesced_writes += 1;
                } else {
                    self.dirty += 1;
                    self.dirty_queue.push_back(key);
                }
                self.cache.store(self.now, &t.req, v, false, 0, 1);
            }
            WritePattern::WriteAround => unreachable!("write-around never writes the cache"),
        }
        // An entry this store evicted is written back first: it no longer counts as dirty.
        self.process_writebacks();
        let wb = &mut self.c.write_behind;
        wb.max_dirty = wb.max_dirty.max(self.dirty);
        self.ack(id);
        if let Some(wb) = self.cfg.write_behind {
            if self.dirty >= wb.batch_size {
                self.flush_batch();
            }
        }
    }

    pub(super) fn ack(&mut self, id: u32) {
        let t = self.tasks[id as usize];
        let v = self.acked.entry(t.req.key).or_insert(0);
        *v = (*v).max(t.version);
        self.c.write_latency.record(self.now - t.req.time);
        self.free(id);
    }

    /// Dirty entries that left the cache are written to the backend first.
    pub(super) fn process_writebacks(&mut self) {
        if self.writebacks.is_empty() {
            self.cache.take_writebacks(&mut self.writebacks);
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
            if let Some(m) = self.cache.meta_mut(key) {
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
}
