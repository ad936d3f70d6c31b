//! Faults as the engine sees them: backend timeouts, and backend requests failed by an outage (the
//! outage windows are the backend's; background writes they hold up are deferred by
//! `write_behind`), and the cache's crash (unflushed writes lost) and cold restart (unflushed writes
//! sent).

use super::{Kind, Sim};
use crate::engine::backend::Owner;

impl Sim {
    /// The timeout armed for backend job `job` (slot generation `gen`) fires: if the job was
    /// still pending, its task fails.
    pub(super) fn on_timeout(&mut self, job: u32, gen: u32) {
        if self.backend.time_out(self.now, job, gen) {
            if let Owner::Task(id) = self.backend.job(job).owner {
                self.on_fail(id);
            }
        }
    }

    /// Task `id`'s backend request failed (timed out, or the backend is down): a client request
    /// counts an error and completes; a background refresh just ends.
    pub(super) fn on_fail(&mut self, id: u32) {
        let t = self.tasks[id as usize];
        self.end_load(id);
        match t.kind {
            Kind::Warm => self.free(id),
            Kind::Refresh => {
                if let Some(ks) = self.keys.get_mut(&t.req.key) {
                    ks.refreshing = false;
                }
                self.drop_key_state_if_idle(t.req.key);
                self.free(id);
            }
            Kind::Read => {
                self.c.errors += 1;
                self.release(id, false);
                self.complete_read(id);
            }
            Kind::Write => {
                self.c.errors += 1;
                self.c.write_latency.record(self.now - t.req.time);
                self.free(id);
            }
        }
    }

    /// The cache process dies: it comes back empty, and its unflushed writes are lost.
    pub(super) fn on_crash(&mut self) {
        let lost = self.clear_shared();
        self.lose_dirty(&lost);
        self.warm_after_restart();
    }

    /// Empties every shared tier (a single cache is one): the cache service restarts. Returns the
    /// unflushed writes they held.
    fn clear_shared(&mut self) -> Vec<crate::engine::cache::Writeback> {
        let mut out = Vec::new();
        for t in 0..self.levels.len() {
            if !self.levels[t].shared {
                continue;
            }
            let first = self.levels[t].first;
            for ci in first..first + self.levels[t].copies {
                out.extend(self.caches[ci].clear().expect("the policy was built once already"));
            }
        }
        out
    }

    /// Warming after a restart or crash, when `[warming] when` says so.
    fn warm_after_restart(&mut self) {
        if self
            .tiers
            .as_ref()
            .and_then(|s| s.topo.warming.as_ref())
            .is_some_and(|w| w.at_restart)
        {
            self.start_warming();
        }
    }

    /// The cache restarts empty: its unflushed writes are sent to the backend first.
    pub(super) fn on_restart(&mut self) {
        let dirty = self.clear_shared();
        self.flush_on_restart(&dirty);
        self.warm_after_restart();
    }
}
