//! The read side of the engine: gets, hits and misses, loads and fills for cache-aside,
//! read-through and refresh-ahead, the stampede protections (lock, coalesce, xfetch,
//! stale-while-revalidate), and staleness as reads obtain their values.

use super::{Ev, KeyState, Kind, Sim};
use crate::engine::backend::Owner;
use crate::engine::cache::Lookup;
use crate::model::request::Request;
use crate::schema::engine::{ReadPattern, Stampede};
use rand::Rng;

impl Sim {
    /// Records that a client read obtained `version` of `key` now.
    #[inline]
    pub(super) fn observe(&mut self, key: u64, version: u64) {
        if !self.acked.is_empty() && version < self.acked.get(&key).copied().unwrap_or(0) {
            self.c.stale_reads += 1;
        }
    }

    pub(super) fn on_get(&mut self, id: u32) {
        let t = self.tasks[id as usize];
        let first = !t.looked_up;
        self.tasks[id as usize].looked_up = true;
        // Hits need the value's metadata for xfetch and refresh-ahead, and for staleness once
        // anything was written.
        let want_meta = self.hit_meta || !self.acked.is_empty();
        let r = self.cache.lookup(self.now, &t.req, want_meta);
        let key = t.req.key;
        match r {
            Lookup::Hit(m) | Lookup::Stale(m) => {
                if first {
                    self.c.hits += 1;
                    self.timeline.lookup(true);
                }
                if let Lookup::Stale(_) = r {
                    self.c.stale_served += 1;
                    self.spawn_refresh(&t.req);
                } else if self.cfg.stampede == Stampede::Xfetch && m.expiry != 0 && m.load_time > 0 {
                    // Vattani et al.: recompute early when now - delta * beta * ln(U) >= expiry.
                    let u = 1.0 - self.rng.random::<f64>();
                    let early = -(m.load_time as f64) * self.cfg.xfetch_beta * u.ln();
                    if self.now as f64 + early >= m.expiry as f64 {
                        self.tasks[id as usize].recompute = true;
                        self.start_load(id, true);
                        return;
                    }
                } else if self.cfg.read == ReadPattern::RefreshAhead
                    && m.expiry != 0
                    && (self.now + m.ttl - m.expiry) as f64 >= self.cfg.refresh_ahead * m.ttl as f64
                {
                    self.spawn_refresh(&t.req);
                }
                self.observe(key, m.version);
                self.complete_read(id);
            }
            Lookup::Miss => {
                if first {
                    self.timeline.lookup(false);
                    self.c.miss_bytes = self.c.miss_bytes.saturating_add(t.req.size);
                }
                match self.cfg.stampede {
                    Stampede::Lock => {
                        let ks = self.keys.entry(key).or_default();
                        if !ks.leader {
                            ks.leader = true;
                            self.tasks[id as usize].leader = true;
                            self.start_load(id, false);
                        } else if t.retries < self.cfg.lock_retries {
                            self.tasks[id as usize].retries += 1;
                            self.after(self.cfg.lock_wait, Ev::Retry(id));
                        } else {
                            self.start_load(id, false);
                        }
                    }
                    Stampede::Coalesce => {
                        let ks = self.keys.entry(key).or_default();
                        if ks.leader {
                            ks.waiters.push(id);
                        } else {
                            ks.leader = true;
                            self.tasks[id as usize].leader = true;
                            self.start_load(id, false);
                        }
                    }
                    _ => self.start_load(id, false),
                }
            }
        }
    }

    /// Starts one background refresh of `req`'s key unless one is in flight.
    pub(super) fn spawn_refresh(&mut self, req: &Request) {
        let ks = self.keys.entry(req.key).or_default();
        if ks.refreshing {
            return;
        }
        ks.refreshing = true;
        let id = self.new_task(Request { time: self.now, ..*req }, Kind::Refresh);
        self.start_load(id, true);
    }

    pub(super) fn start_load(&mut self, id: u32, refresh: bool) {
        let key = self.tasks[id as usize].req.key;
        let ks = self.keys.entry(key).or_default();
        ks.loads += 1;
        ks.peak = ks.peak.max(ks.loads);
        let s = &mut self.c.stampede;
        s.max_concurrent_loads_per_key = s.max_concurrent_loads_per_key.max(ks.loads as u64);
        if refresh {
            ks.refreshes += 1;
            s.max_concurrent_refreshes_per_key = s.max_concurrent_refreshes_per_key.max(ks.refreshes as u64);
        }
        let t = &mut self.tasks[id as usize];
        t.loading = true;
        t.load_start = self.now;
        self.send(Owner::Task(id), false, key, Vec::new());
    }

    pub(super) fn end_load(&mut self, id: u32) {
        let t = &mut self.tasks[id as usize];
        if !t.loading {
            return;
        }
        t.loading = false;
        let refresh = t.kind == Kind::Refresh || t.recompute;
        let key = t.req.key;
        if let Some(ks) = self.keys.get_mut(&key) {
            ks.loads -= 1;
            if refresh {
                ks.refreshes -= 1;
            }
            if ks.loads == 0 {
                if ks.peak > 1 {
                    self.c.stampede.expiries_with_concurrent_loads += 1;
                }
                ks.peak = 0;
            }
        }
    }

    pub(super) fn drop_key_state_if_idle(&mut self, key: u64) {
        if self.keys.get(&key).is_some_and(KeyState::idle) {
            self.keys.remove(&key);
        }
    }

    /// A load's backend read returned `version`.
    pub(super) fn on_loaded(&mut self, id: u32, version: u64) {
        self.end_load(id);
        let t = &mut self.tasks[id as usize];
        t.version = version;
        let t = *t;
        if t.kind == Kind::Read {
            self.observe(t.req.key, version);
        }
        if self.cfg.read == ReadPattern::ReadThrough && t.kind == Kind::Read && !t.recompute {
            self.on_fill(id);
        } else {
            self.after(self.cfg.set_latency, Ev::Fill(id));
        }
    }

    pub(super) fn on_fill(&mut self, id: u32) {
        let t = self.tasks[id as usize];
        let key = t.req.key;
        let replace = t.recompute || t.kind == Kind::Refresh;
        self.cache
            .store(self.now, &t.req, t.version, !replace, self.now - t.load_start, 0);
        self.process_writebacks();
        if t.kind == Kind::Refresh {
            if let Some(ks) = self.keys.get_mut(&key) {
                ks.refreshing = false;
            }
            self.drop_key_state_if_idle(key);
            self.free(id);
            return;
        }
        self.release(id, true);
        self.complete_read(id);
    }

    /// Releases the lock or the coalesced load `id` leads; waiters get its value (or its failure).
    pub(super) fn release(&mut self, id: u32, ok: bool) {
        let t = self.tasks[id as usize];
        if t.leader {
            let waiters = match self.keys.get_mut(&t.req.key) {
                Some(ks) => {
                    ks.leader = false;
                    std::mem::take(&mut ks.waiters)
                }
                None => Vec::new(),
            };
            for w in waiters {
                if ok {
                    self.observe(t.req.key, t.version);
                } else {
                    self.c.errors += 1;
                }
                self.complete_read(w);
            }
        }
        self.drop_key_state_if_idle(t.req.key);
    }

    pub(super) fn complete_read(&mut self, id: u32) {
        let lat = self.now - self.tasks[id as usize].req.time;
        self.c.read_latency.record(lat);
        self.timeline.read_latency(lat);
        self.free(id);
    }
}
