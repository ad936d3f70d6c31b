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
        let tier = t.tier as usize;
        let outcome = self.op_answered(id);
        if outcome == super::remote::FAILED && self.remote.as_ref().is_some_and(|r| r.cfg.fail) {
            self.c.errors += 1;
        }
        let next = match self.cfg.write {
            _ if outcome != 0 => {
                // Failed or skipped: the cache is left as it was.
                match self.cfg.write {
                    WritePattern::WriteThrough => tier.checked_sub(1),
                    _ => (tier + 1 < self.levels.len()).then_some(tier + 1),
                }
            }
            WritePattern::Invalidate => {
                // A split hot key: every copy.
                for k in self.keys_on(tier, key) {
                    let ci = self.cache_of(tier, t.inst, k);
                    self.before_change(tier, ci, k);
                    self.caches[ci].delete(k);
                }
                // Top down, every tier of the writer's path.
                (tier + 1 < self.levels.len()).then_some(tier + 1)
            }
            WritePattern::WriteThrough => {
                for k in self.keys_on(tier, key) {
                    let q = crate::model::request::Request { key: k, ..t.req };
                    self.store_in(tier, t.inst, &q, t.version, true, 0);
                }
                // Bottom up.
                tier.checked_sub(1)
            }
            WritePattern::WriteBehind => {
                self.store_dirty(id);
                None
            }
            WritePattern::WriteAround => unreachable!("write-around never writes the cache"),
        };
        if let Some(next) = next {
            self.tasks[id as usize].tier = next as u8;
            self.send_op(id, next, false, super::Ev::WriteCache(id));
            return;
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
        if let Some(h) = self.remote.as_mut().and_then(|r| r.hot.as_mut()) {
            h.local_drop(t.inst, t.req.key);
        }
        let v = self.acked.entry(t.req.key).or_insert(0);
        *v = (*v).max(t.version);
        self.c.write_latency.record(self.now - t.req.time);
        self.free(id);
        if self.cfg.write != WritePattern::WriteAround {
            self.broadcast(t.req.key, t.inst);
        }
    }
}
