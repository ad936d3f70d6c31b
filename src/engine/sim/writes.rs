//! Write patterns: invalidate (the backend write, then a cache delete), write-through (the backend
//! write, then a cache set), write-around (the backend write only) and write-behind (a dirty cache
//! set, acknowledged at once; its flushing is in `write_behind`), and write acknowledgement.

use super::Sim;
use crate::schema::engine::WritePattern;

impl Sim {
    /// Write `id`'s cache operation (delete or set) reaches the cache.
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
            WritePattern::WriteBehind => self.store_dirty(id),
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

    /// Acknowledges write `id` to its client: its version becomes the latest a read may see.
    pub(super) fn ack(&mut self, id: u32) {
        let t = self.tasks[id as usize];
        let v = self.acked.entry(t.req.key).or_insert(0);
        *v = (*v).max(t.version);
        self.c.write_latency.record(self.now - t.req.time);
        self.free(id);
    }
}
